// The mapping tester page. Every value shown comes from the wasm core
// (previewEvent, previewBatch, templates, catalogue); these modules only move
// text around.
import init, {
  BridgeClient, catalogue, coreVersion, csvRows, mappingTargets, payloadFields, previewBatch, previewEvent, recipes, suggestMapping, templates,
} from "./pkg/ghl_bridge_web.js";
import { renderCatalogue } from "./catalogue.js";
import { hideBatch, renderBatch } from "./batch.js";
import { $, el, prettyJson } from "./dom.js";
import { receiveSession } from "./handoff.js";
import { setUpMapper } from "./mapper.js";
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

// The location's custom fields once loaded from a Worker (GHL's list); until
// then the mapping's custom fields are shown as the mapping names them.
let locationFields = null;
const customFieldsText = () => (locationFields ? JSON.stringify(locationFields) : undefined);
let mapper;

/** The "GHL field" choices: the standard ones, then the location's custom fields. */
function targetChoices() {
  const custom = (locationFields ?? []).map((f) => ({
    value: `customField.${f.fieldKey.replace(/^contact\./, "")}`,
    label: `${f.name} (custom field, ${f.dataType.toLowerCase()})`,
  }));
  return [...mappingTargets(), ...custom];
}

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
  const preview = previewEvent($("mapping").value, text, format, $("location").value || "location", now(), existing(), customFieldsText());
  renderPreview(preview, { rowLabel: label });
  mapper?.showErrors(preview.mappingErrors);
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

/** `/#source=…&location=…` (the console's "open in the tester"): that source
 * and location are set, and the Worker panel waits for the token. */
function openedFromConsole() {
  const asked = new URLSearchParams(location.hash.slice(1));
  if (!asked.get("source")) return;
  $("worker-source").value = asked.get("source");
  if (asked.get("location")) $("location").value = asked.get("location");
  $("worker-panel").open = true;
  $("worker-result").textContent = `From the console: type the admin token, then "Load the location's fields and recent payloads" and pick the event's payload; fix the mapping, "Use this mapping for the source", and replay it from the console.`;
}

/**
 * Opened by the app page inside GHL for one source: signed in with that
 * page's GHL session (handed over, never in the URL), the source's saved
 * mapping loaded, and the location's fields and payloads read.
 */
async function openedFromApp(all) {
  if (new URLSearchParams(location.hash.slice(1)).get("from") !== "app") return;
  const session = await receiveSession(window.opener);
  if (!session) return;
  $("worker-token").value = session.token;
  $("location").value = session.locationId;
  $("worker-source").value = session.sourceId;
  $("worker-panel").open = true;
  const builtin = all.find((t) => t.id === session.sourceId);
  if (builtin) {
    $("template").value = builtin.id;
    loadTemplate(builtin);
  }
  const one = new BridgeClient(location.origin, session.token).forLocation(session.locationId);
  const saved = await one.getMapping(session.sourceId).catch(() => null);
  if (saved?.mapping) {
    $("mapping").value = saved.mapping;
    update();
  }
  $("load-location").click();
}

/** A recipe: its mapping and sample, and what it sets up besides. */
function showRecipe(r) {
  $("recipe-panel").hidden = !r;
  if (!r) return;
  $("recipe-title").textContent = `Recipe: ${r.name}`;
  $("recipe-description").textContent = r.description;
  $("recipe-source").textContent = r.sourceId;
  $("recipe-rules-box").hidden = !r.syncRules;
  $("recipe-rules").textContent = r.syncRules ?? "";
  $("recipe-by-hand").replaceChildren(...r.byHand.map((step) => el("li", `By hand: ${step}`)));
  $("worker-source").value = r.sourceId;
}

function loadTemplate(t) {
  showRecipe(t.recipe ? t : null);
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
  const setUps = recipes().map((r) => ({ ...r, id: `recipe:${r.id}`, recipe: true }));
  const group = (label, items) => {
    const g = document.createElement("optgroup");
    g.label = label;
    for (const t of items) g.append(new Option(t.name, t.id));
    return g;
  };
  select.append(group("Templates", all), group("Recipes (mapping + sync rules)", setUps));
  select.append(new Option("Blank mapping", BLANK.id));
  const choices = [...all, ...setUps];
  select.addEventListener("change", () => loadTemplate(choices.find((t) => t.id === select.value) ?? BLANK));
  for (const id of ["payload", "mapping", "location", "existing"]) $(id).addEventListener("input", update);
  $("format").addEventListener("change", () => { pickedLine = null; update(); });
  $("save-mapping").addEventListener("click", saveMapping);
  $("load-mapping").addEventListener("change", (e) => loadFile(e.target, "mapping"));
  $("load-payload").addEventListener("change", (e) => loadFile(e.target, "payload"));
  mapper = setUpMapper({
    textarea: $("mapping"),
    targets: targetChoices,
    payloadFields: () => {
      const { text, format } = singlePayload();
      return payloadFields(text, format);
    },
    suggest: () => {
      const { text, format } = singlePayload();
      return suggestMapping(text, format).mapping;
    },
  });
  setUpWorkerPanel({
    recipe: () => choices.find((t) => t.id === select.value && t.recipe),
    mappingText: () => $("mapping").value,
    payload: singlePayload,
    locationId: () => $("location").value.trim(),
    onFields: (fields) => { locationFields = fields; update(); },
    onPayload: (text, format) => {
      $("format").value = format;
      $("payload").value = format === "json" ? prettyJson(text) : text;
      pickedLine = null;
      update();
    },
  });
  loadTemplate(all[0]);
  openedFromConsole();
  openedFromApp(all).catch((e) => { $("worker-result").textContent = e.message; });
  const entries = catalogue();
  renderCatalogue($("catalogue"), entries);
  status.textContent = `Core ${coreVersion()} loaded · ${all.length} templates · ${setUps.length} recipes · ${entries.length} endpoints`;
  status.classList.add("ok");
} catch (err) {
  status.textContent = `The core failed to load: ${err}`;
  status.classList.add("error");
}
