// Renders one payload's preview (previewEvent's result): verdict, requests,
// keys, provenance, warnings.
import { $, el, selectLine, show } from "./dom.js";

export function renderMappingErrors(mappingErrors) {
  const errors = $("mapping-errors");
  errors.replaceChildren();
  for (const e of mappingErrors) {
    const item = el("li");
    item.dataset.line = e.line;
    const where = el("button", `line ${e.line}, column ${e.column}`, "where");
    where.type = "button";
    where.addEventListener("click", () => selectLine($("mapping"), e.line));
    item.append(where, el("span", ` ${e.message}`));
    errors.append(item);
  }
  $("mapping").classList.toggle("invalid", mappingErrors.length > 0);
}

/** What the identity policy decided, given the existing contacts. */
function describeDecision(d) {
  switch (d?.action) {
    case "create": return "creates a new contact";
    case "update": return `updates contact ${d.contactId} (matched by ${d.matchedBy === "email" ? "e-mail" : "phone"})`;
    case "conflict": return `is parked: its e-mail belongs to ${d.emailContactId} and its phone to ${d.phoneContactId}`;
    default: return "";
  }
}

export function renderPreview(preview, { rowLabel = "" } = {}) {
  renderMappingErrors(preview.mappingErrors);
  const verdict = $("verdict");
  verdict.className = "verdict";
  const subject = rowLabel ? `${rowLabel}: ` : "";
  if (preview.mappingErrors.length) {
    verdict.textContent = `The mapping has ${preview.mappingErrors.length} error(s): fix them to see the requests.`;
    verdict.classList.add("bad");
  } else if (preview.payloadError) {
    verdict.textContent = subject + preview.payloadError;
    verdict.classList.add("bad");
  } else if (preview.customFieldError) {
    verdict.textContent = `${subject}Would be parked: ${preview.customFieldError}`;
    verdict.classList.add("bad");
  } else if (!preview.ok) {
    verdict.textContent = `${subject}Would not sync: ${preview.outcome.errors.map((e) => e.message).join("; ")}`;
    verdict.classList.add("bad");
  } else if (preview.decision?.action === "conflict") {
    verdict.textContent = `${subject}This event ${describeDecision(preview.decision)}. Nothing would be written.`;
    verdict.classList.add("bad");
  } else {
    const n = preview.requests.length;
    const decision = describeDecision(preview.decision);
    verdict.textContent = `${subject}Ready: ${n} GHL call${n === 1 ? "" : "s"}${decision ? `; ${decision}` : ""}.`;
    verdict.classList.add("good");
  }
  verdict.dataset.decision = preview.decision?.action ?? "";

  const list = $("requests");
  list.replaceChildren();
  for (const r of preview.requests) {
    const item = el("li");
    item.dataset.kind = r.kind;
    const line = el("div", undefined, "request-line");
    line.append(el("span", r.method, `method ${r.method.toLowerCase()}`), el("span", ` ${r.url}`, "url"));
    const headers = el("div", r.headers.map(([k, v]) => `${k}: ${v}`).join("\n"), "headers");
    item.append(line, headers);
    if (r.body) item.append(el("pre", JSON.stringify(r.body, null, 2), "body"));
    list.append(item);
  }

  const keys = $("keys");
  keys.replaceChildren();
  const pairs = [["Identity", preview.identityKeys.join(", ") || "none"], ["Idempotency", preview.idempotencyKey ?? "—"]];
  for (const [k, v] of pairs) keys.append(el("dt", k), el("dd", v));

  const body = $("provenance").tBodies[0];
  body.replaceChildren();
  for (const p of preview.outcome?.provenance ?? []) {
    const row = body.insertRow();
    if (!p.used) row.className = "unused";
    for (const v of [p.target, p.source, show(p.raw), p.steps.join(" → ") || "—", show(p.value) + (p.used ? "" : " (fallback, not used)")]) {
      row.insertCell().textContent = v;
    }
  }

  const warnings = $("warnings");
  warnings.replaceChildren();
  const outcome = preview.outcome;
  if (outcome?.warnings.length) {
    warnings.append(el("h3", "Warnings"));
    const ul = el("ul", undefined, "warnings");
    for (const w of outcome.warnings) ul.append(el("li", `${w.target ?? ""} (${w.rule}): ${w.message}`));
    warnings.append(ul);
  }
  if (outcome?.unmapped.length) {
    warnings.append(el("p", `Not read by any rule: ${outcome.unmapped.join(", ")}`, "unmapped"));
  }
}
