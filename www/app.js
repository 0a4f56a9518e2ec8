// The mapping tester page. Every value shown comes from the wasm core
// (previewEvent, templates, catalogue); this file only moves text around.
import init, { catalogue, coreVersion, previewEvent, templates } from "./pkg/ghl_bridge_web.js";
import { renderCatalogue } from "./catalogue.js";

const $ = (id) => document.getElementById(id);
const status = $("status");

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

const show = (v) => (typeof v === "string" ? v : JSON.stringify(v));

function render(preview) {
  const errors = $("mapping-errors");
  errors.replaceChildren();
  for (const e of preview.mappingErrors) {
    const item = el("li");
    item.dataset.line = e.line;
    const where = el("button", `line ${e.line}, column ${e.column}`, "where");
    where.type = "button";
    where.addEventListener("click", () => selectLine($("mapping"), e.line));
    item.append(where, el("span", ` ${e.message}`));
    errors.append(item);
  }
  $("mapping").classList.toggle("invalid", preview.mappingErrors.length > 0);

  const verdict = $("verdict");
  verdict.className = "verdict";
  if (preview.mappingErrors.length) {
    verdict.textContent = `The mapping has ${preview.mappingErrors.length} error(s): fix them to see the requests.`;
    verdict.classList.add("bad");
  } else if (preview.payloadError) {
    verdict.textContent = preview.payloadError;
    verdict.classList.add("bad");
  } else if (!preview.ok) {
    verdict.textContent = `Would not sync: ${preview.outcome.errors.map((e) => e.message).join("; ")}`;
    verdict.classList.add("bad");
  } else {
    const n = preview.requests.length;
    verdict.textContent = `Ready: ${n} GHL call${n === 1 ? "" : "s"} for this payload.`;
    verdict.classList.add("good");
  }

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

function selectLine(textarea, line) {
  const lines = textarea.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  textarea.focus();
  textarea.setSelectionRange(start, start + (lines[line - 1] ?? "").length);
}

function update() {
  const started = performance.now();
  const preview = previewEvent($("mapping").value, $("payload").value, $("format").value, $("location").value || "location",
    Math.floor(Date.now() / 1000));
  render(preview);
  document.body.dataset.previewMs = (performance.now() - started).toFixed(2);
}

function loadTemplate(t) {
  $("mapping").value = t.mapping;
  $("format").value = t.format;
  $("payload").value = t.format === "json" ? JSON.stringify(JSON.parse(t.sample), null, 2) : t.sample.trim();
  update();
}

try {
  await init();
  const all = templates();
  const select = $("template");
  for (const t of all) select.append(new Option(t.name, t.id));
  select.addEventListener("change", () => loadTemplate(all.find((t) => t.id === select.value)));
  for (const id of ["payload", "mapping", "location"]) $(id).addEventListener("input", update);
  $("format").addEventListener("change", update);
  loadTemplate(all[0]);
  const entries = catalogue();
  renderCatalogue($("catalogue"), entries);
  status.textContent = `Core ${coreVersion()} loaded · ${all.length} templates · ${entries.length} endpoints`;
  status.classList.add("ok");
} catch (err) {
  status.textContent = `The core failed to load: ${err}`;
  status.classList.add("error");
}
