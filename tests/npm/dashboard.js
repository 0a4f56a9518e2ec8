// A dashboard's browser code as a bundler sees it: bundled by esbuild for the
// browser (consumer.test.mjs), served with the wasm next to the bundle, run
// in Chromium. It writes what it computed into the page.
import init, { previewBatch, previewEvent, templates } from "ghl-bridge";

await init(); // loads ghl_bridge_web_bg.wasm from next to this bundle
const form = templates().find((t) => t.id === "web-form");
const preview = previewEvent(form.mapping, form.sample, "json", "loc-1", Date.now() / 1000);
const csv = templates().find((t) => t.id === "spothit-contacts-csv");
const batch = previewBatch(csv.mapping, csv.sample, null, Date.now() / 1000);
document.body.dataset.result = JSON.stringify({
  kinds: preview.requests.map((r) => r.kind),
  phone: preview.outcome.contact.phone,
  create: batch.summary.create,
});
