// A CSV file's preview (previewBatch's result): the counts and one table row
// per data row. Clicking a row previews that row's requests.
import { $, el } from "./dom.js";

const LABELS = {
  create: "create",
  update: "update",
  duplicateInFile: "duplicate in file",
  conflict: "conflict",
  invalid: "invalid",
};

/** At most this many table rows are drawn; the counts always cover every row. */
const MAX_TABLE_ROWS = 500;

export function renderBatch(batch, onPick) {
  const section = $("batch");
  section.hidden = false;
  const counts = $("batch-counts");
  counts.replaceChildren();
  if (!batch.ok) {
    $("batch-rows").tBodies[0].replaceChildren();
    counts.append(el("li", batch.payloadError ?? "Fix the mapping to see the rows.", "bad"));
    return;
  }
  const s = batch.summary;
  const items = [
    ["rows", s.rows], ["create", s.create], ["update", s.update], ["duplicateInFile", s.duplicateInFile],
    ["conflict", s.conflict], ["invalid", s.invalid], ["calls", s.calls],
  ];
  for (const [key, n] of items) {
    const item = el("li", undefined, `count ${key}`);
    item.dataset.count = key;
    item.append(el("strong", String(n)), el("span", ` ${LABELS[key] ?? (key === "calls" ? "GHL calls" : key)}`));
    counts.append(item);
  }
  const body = $("batch-rows").tBodies[0];
  body.replaceChildren();
  for (const r of batch.rows.slice(0, MAX_TABLE_ROWS)) {
    const row = body.insertRow();
    row.dataset.line = r.line;
    row.dataset.action = r.action;
    row.className = `action-${r.action}`;
    row.insertCell().textContent = r.line;
    row.insertCell().append(el("span", LABELS[r.action], `pill ${r.action}`));
    row.insertCell().textContent = r.identityKeys.join("\n") || "—";
    const detail = r.contactId ? `contact ${r.contactId}` : r.firstLine ? `same person as line ${r.firstLine}` : "";
    row.insertCell().textContent = [detail, ...r.reasons, ...r.warnings].filter(Boolean).join(" · ") || "—";
    row.addEventListener("click", () => onPick(r.line));
  }
  $("batch-more").textContent = batch.rows.length > MAX_TABLE_ROWS
    ? `Showing the first ${MAX_TABLE_ROWS} of ${batch.rows.length} rows; the counts cover them all.` : "";
}

export function hideBatch() {
  $("batch").hidden = true;
}
