// What a dashboard's Node code does with the package: imported by name from
// node_modules, no set-up. Run as is and once bundled by esbuild
// (consumer.test.mjs); exits non-zero on the first surprise.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import init, {
  BridgeClient, catalogue, coreVersion, csvRows, normaliseEmail, normalisePhone, previewBatch,
  previewEvent, templates, validateMapping,
} from "ghl-bridge";

await init(); // a no-op in Node, kept so the same code runs in browsers
assert.match(coreVersion(), /^\d+\.\d+\.\d+$/);
assert.equal(catalogue().find((e) => e.id === "contacts.upsert").path, "/contacts/upsert");

const form = templates().find((t) => t.id === "web-form");
const preview = previewEvent(form.mapping, form.sample, "json", "loc-1", 1_795_341_600,
  JSON.stringify([{ id: "c-1", email: "jean-pierre.delatour@example.fr" }]));
assert.equal(preview.ok, true);
assert.deepEqual(preview.requests.map((r) => r.kind), ["upsert", "tags", "note"]);
assert.deepEqual(preview.requests[0].headers.find(([k]) => k === "Authorization"), ["Authorization", "Bearer ****"]);
assert.equal(preview.decision.action, "update");
assert.equal(preview.decision.contactId, "c-1");
assert.equal(preview.outcome.contact.phone, "+33612345678");

const csv = templates().find((t) => t.id === "spothit-contacts-csv");
const batch = previewBatch(csv.mapping, csv.sample, null, 1_795_341_600);
assert.equal(batch.ok, true);
assert.deepEqual(
  [batch.summary.create, batch.summary.duplicateInFile, batch.summary.invalid], [3, 1, 1]);
assert.equal(csvRows(csv.sample).length, 5);

const bad = validateMapping('{"version": 1,\n "fields": [{"to": "emial", "from": "e"}]}');
assert.equal(bad.errors[0].line, 2);
assert.equal(normalisePhone("0692 12 34 56", "FR"), "+262692123456");
assert.equal(normaliseEmail(" Jean@Example.FR "), "jean@example.fr");
assert.throws(() => normalisePhone("12", "FR"));

assert.throws(() => new BridgeClient("bridge.example", "t"), /must start with http/);
const client = new BridgeClient("http://127.0.0.1:9", "secret-admin-token");
await assert.rejects(client.events(10), (e) => e.message.startsWith("could not reach the Worker at http://127.0.0.1:9")
  && !e.message.includes("secret-admin-token"));

// A Worker answers with its version: the same one's answer comes through as
// it sent it; another version's is refused, not misread.
let workerVersion = coreVersion();
const worker = createServer((req, res) => {
  res.setHeader("x-ghl-bridge-version", workerVersion);
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ events: [{ key: "evt_1", status: "done", ghlCalls: 3 }], nextCursor: "1:evt_1" }));
});
await new Promise((r) => worker.listen(0, "127.0.0.1", r));
const local = new BridgeClient(`http://127.0.0.1:${worker.address().port}`, "secret-admin-token");
const page = await local.eventsPage({ status: "done", limit: 1 });
assert.deepEqual(page, { events: [{ key: "evt_1", status: "done", ghlCalls: 3 }], nextCursor: "1:evt_1" });
await assert.rejects(local.eventsPage({ staus: "done" }), /unknown field `staus`/);
workerVersion = "99.0.0";
await assert.rejects(local.events(1), (e) => e.message.includes("the Worker runs ghl-bridge 99.0.0")
  && e.message.includes(`this client is ${coreVersion()}`));
worker.close();
console.log(JSON.stringify({ ok: true, calls: preview.requests.length, rows: batch.summary.rows }));
