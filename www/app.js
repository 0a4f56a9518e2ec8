// The mapping tester page. Every value shown comes from the wasm core
// (previewEvent, previewBatch, templates, catalogue); these modules only move
// text around.
import init, { catalogue, coreVersion, csvRows, previewBatch, previewEvent, templates } from "./pkg/ghl_bridge_web.js";
import { renderCatalogue } from "./catalogue.js";
import { hideBatch, renderBatch } from "./batch.js";
import { $ } from "./dom.js";
import { renderPreview } from "./preview.js";
import { setUpWorkerPanel } from "./worker-panel.js";

const status = $("status");

const BLANK = {
  id: "blank",
  format: "json",
  sample: '{\n  "email": "jean@example.fr",\n  "phone": "06 12 34 56 78"\n}',
  mapping: `{
  "version": 1,
  "name": "My source",
  "settings": { "phoneRegion": "FR" },
  "fields": [
    { "to": "email", "from": "email" },
    { "to": "phone", "from": "phone" }
  ]
}`,
};

const now = () => Math.floor(Date.now() / 1000);
const existing = () => $("existing").value.trim() || undefined;

// The CSV's rows, parsed once per text (the batch preview parses its own copy).
let csvCache = { text: null, rows: [], error: null };
function rowsOf(text) {
  if (csvCache.text !== text) {
    try {
      csvCache = { text, rows: csvRows(text), error: null };
    } catch (e) {
      csvCache = { text, rows: [], error: String(e.message ?? e) };
    }
  }
  return csvCache;
}

let pickedLine = null;

/** The payload the single preview shows: for a CSV, the picked row as JSON. */
function singlePayload() {
  const text = $("payload").value;
  const format = $("format").value;
  if (format !== "csv") return { text, format, label: "" };
  const { rows } = rowsOf(text);
  const row = rows.find((r) => r.line === pickedLine) ?? rows[0];
  if (!row) return { text, format, label: "" };
  return { text: JSON.stringify(row.payload), format: "json", label: `Line ${row.line}` };
}

function updateSingle() {
  const started = performance.now();
  const { text, format, label } = singlePayload();
  const preview = previewEvent($("mapping").value, text, format, $("location").value || "location", now(), existing());
  renderPreview(preview, { rowLabel: label });
  document.body.dataset.previewMs = (performance.now() - started).toFixed(2);
}

function updateBatch() {
  if ($("format").value !== "csv") return hideBatch();
  const started = performance.now();
  const batch = previewBatch($("mapping").value, $("payload").value, existing(), now());
  renderBatch(batch, (line) => {
    pickedLine = line;
    updateSingle();
  });
  document.body.dataset.batchMs = (performance.now() - started).toFixed(2);
  document.body.dataset.batchRows = String(batch.summary?.rows ?? 0);
}

// A big CSV is re-counted once typing pauses; one payload is always live.
let batchTimer;
function update() {
  updateSingle();
  clearTimeout(batchTimer);
  const big = $("format").value === "csv" && $("payload").value.length > 200_000;
  if (big) batchTimer = setTimeout(updateBatch, 250);
  else updateBatch();
}

function loadTemplate(t) {
  $("mapping").value = t.mapping;
  $("format").value = t.format;
  $("payload").value = t.format === "json" ? JSON.stringify(JSON.parse(t.sample), null, 2) : t.sample.trim();
  pickedLine = null;
  update();
}

function saveMapping() {
  const text = $("mapping").value;
  let name = "mapping";
  try {
    name = JSON.parse(text).name?.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || name;
  } catch { /* invalid JSON is saved as typed */ }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  link.download = `${name}.json`;
  link.click();
  URL.revokeObjectURL(link.href);
}

async function loadFile(input, target) {
  const file = input.files?.[0];
  if (!file) return;
  $(target).value = await file.text();
  input.value = "";
  if (target === "payload") {
    const ext = file.name.toLowerCase().split(".").pop();
    if (ext === "csv") $("format").value = "csv";
    else if (ext === "json") $("format").value = "json";
    pickedLine = null;
  }
  update();
}

try {
  await init();
  const all = templates();
  const select = $("template");
  for (const t of all) select.append(new Option(t.name, t.id));
  select.append(new Option("Blank mapping", BLANK.id));
  select.addEventListener("change", () => loadTemplate(all.find((t) => t.id === select.value) ?? BLANK));
  for (const id of ["payload", "mapping", "location", "existing"]) $(id).addEventListener("input", update);
  $("format").addEventListener("change", () => { pickedLine = null; update(); });
  $("save-mapping").addEventListener("click", saveMapping);
  $("load-mapping").addEventListener("change", (e) => loadFile(e.target, "mapping"));
  $("load-payload").addEventListener("change", (e) => loadFile(e.target, "payload"));
  setUpWorkerPanel({ mappingText: () => $("mapping").value, payload: singlePayload });
  loadTemplate(all[0]);
  const entries = catalogue();
  renderCatalogue($("catalogue"), entries);
  status.textContent = `Core ${coreVersion()} loaded · ${all.length} templates · ${entries.length} endpoints`;
  status.classList.add("ok");
} catch (err) {
  status.textContent = `The core failed to load: ${err}`;
  status.classList.add("error");
}
