// The npm module's BridgeClient against a real Worker (Node, the package's
// own entry): every admin call, its answer checked field by field against
// what the module's types say, so a drift between the two fails here.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_TOKEN, eventually, postForm, startStack } from "./support.mjs";
import { BridgeClient, coreVersion } from "../../npm/node.js";

let stack;
let client;
before(async () => {
  stack = await startStack();
  client = new BridgeClient(stack.url, ADMIN_TOKEN);
});
after(async () => stack?.stop());

test("errors carry the Worker's code, status and details", async () => {
  const wrong = new BridgeClient(stack.url, "not-the-token");
  await assert.rejects(wrong.events(5), (e) => e.code === "bad_token" && e.status === 403 && /admin token is wrong/.test(e.message));
  await assert.rejects(client.putMapping("demo", '{"version": 1,\n "fields": [{"to": "phon", "from": "x"}]}'),
    (e) => e.code === "invalid_mapping" && e.status === 422 && e.details[0].line === 2);
  await assert.rejects(client.putSyncRules('{"version": 2}'), (e) => e.code === "invalid_rules" && /version/.test(e.message));
  await assert.rejects(client.replay("evt_nope"), (e) => e.code === "not_parked" && e.status === 404);
  await assert.rejects(client.replayGhlEvent("wh_nope"), (e) => e.code === "not_parked");
});

test("every admin call returns the Worker's typed answer", async () => {
  assert.deepEqual(await client.ghlConnection(), { connected: true, via: "GHL_TOKEN" });
  const rules = { version: 1, specter: { poll: [{ list: "6f1c2b1e-9a4d-4c36-8a55-2d1b6b0f7a01" }], fetchEmails: true } };
  assert.deepEqual(await client.putSyncRules(JSON.stringify(rules)), { saved: true });
  const stored = await client.getSyncRules();
  assert.equal(stored.from, "admin");
  assert.deepEqual(JSON.parse(stored.rules), rules);

  const report = await client.pollSpecter();
  assert.equal(report.sources.length, 1);
  assert.equal(report.sources[0].queued, 1);
  assert.ok(report.creditsRemaining > 0);

  const mapping = '{"version": 1, "fields": [{"to": "email", "from": "mail"}]}';
  assert.deepEqual(await client.putMapping("client-test", mapping), { sourceId: "client-test", saved: true });
  assert.deepEqual(await client.getMapping("client-test"), { sourceId: "client-test", mapping });
  const sent = await client.sendTestEvent("client-test", "mail=client%40exemple.fr", "form");
  assert.equal(sent.status, "queued");
  const event = await eventually(async () => (await client.events(50)).events.find((e) => e.key === sent.eventId && e.status === "done"), { what: "the test event done" });
  assert.equal(event.sourceId, "client-test");
  assert.equal(event.action, "created");
  assert.equal((await client.sendTestEvent("client-test", "mail=client%40exemple.fr", "form")).status, "duplicate");
  assert.deepEqual(await client.deleteMapping("client-test"), { sourceId: "client-test", deleted: true, now: "the source's built-in template" });

  assert.deepEqual((await client.deadLetters()).deadLetters, []);
  const swept = await client.sweep(null);
  assert.deepEqual(swept, { inbound: [], ghl: [] });
  const { events } = await client.ghlEvents();
  assert.ok(events.every((e) => typeof e.webhookId === "string" && ["recorded", "echo"].includes(e.outcome)));
  const posted = await postForm(stack, { email: "client-form@exemple.fr" });
  assert.equal(posted.status, 202);
});

test("events page newest first by cursor, filtered by status and source; the storage report", async () => {
  for (let i = 0; i < 3; i++) {
    assert.equal((await client.sendTestEvent("page-test", `mail=page${i}%40exemple.fr`, "form")).status, "queued");
  }
  await eventually(async () => {
    const page = await client.eventsPage({ source: "page-test", status: "done" });
    return page.events.length === 3 ? page : null;
  }, { what: "the three test events done" });
  const first = await client.eventsPage({ source: "page-test", limit: 2 });
  assert.equal(first.events.length, 2);
  assert.ok(first.nextCursor, "a cursor to the next page");
  assert.ok(first.events[0].receivedAtMs >= first.events[1].receivedAtMs, "newest first");
  const second = await client.eventsPage({ source: "page-test", limit: 2, cursor: first.nextCursor });
  assert.equal(second.events.length, 1);
  assert.equal(second.nextCursor, undefined, "the last page has no cursor");
  assert.equal(new Set([...first.events, ...second.events].map((e) => e.key)).size, 3, "no event twice");
  assert.deepEqual((await client.eventsPage({ source: "page-test", status: "parked" })).events, []);
  await assert.rejects(client.eventsPage({ status: "lost" }), (e) => e.code === "bad_status" && e.status === 400);
  const storage = await client.storage();
  assert.ok(storage.events >= 3 && storage.bytes > 0, JSON.stringify(storage));
});

test("forLocation scopes every call to one location; sources, connections and tokens are typed", async () => {
  assert.throws(() => client.forLocation("a/b"), /not a location id/);
  await assert.rejects(client.connections(), /forLocation/);
  const { locations } = await client.locations();
  assert.ok(locations.some((l) => l.id === "dev-location" && l.connected));

  const other = client.forLocation("client-location");
  assert.equal(other.locationId, "client-location");
  const entry = await other.updateLocation({ name: "Client Location", phoneRegion: "BE" });
  assert.deepEqual(entry, { id: "client-location", name: "Client Location", connected: false, auth: "none" });
  const source = await other.putSource("client-loc-form", { kind: "form" });
  assert.equal(source.locationId, "client-location");
  assert.match(source.signingSecret, /^whsec_/);
  assert.equal((await other.getSource("client-loc-form")).signingSecret, undefined);
  await assert.rejects(client.forLocation("dev-location").putSource("client-loc-form", { kind: "form" }), (e) => e.code === "source_taken" && e.status === 409);
  await assert.rejects(other.putSource("x", { kind: "fax" }), (e) => e.code === "bad_source" && e.status === 400 && /fax/.test(e.message));

  const spothit = await other.connect("spothit", { apiKey: "client-spothit-key-4321" });
  assert.equal(spothit.apiKeyLast4, "4321");
  assert.match(spothit.callbackUrls.stop, /\/v1\/hooks\/spothit\/[0-9a-f]{32}\/stop$/);
  const shown = await other.connections();
  assert.equal(shown.spothit.connected, true);
  assert.equal(shown.specter.connected, false);
  await assert.rejects(other.connect("mailchimp", { apiKey: "k" }), /not a connection/);
  assert.equal((await other.disconnect("spothit")).connected, false);

  // The console's first screen: every location with its health, in one request,
  // the same health each location's own route answers.
  const withHealth = await client.locations(24);
  const byId = Object.fromEntries(withHealth.locations.map((l) => [l.id, l]));
  assert.equal(byId["client-location"].name, "Client Location");
  for (const id of ["dev-location", "client-location"]) {
    const own = await client.forLocation(id).health(24);
    assert.deepEqual(byId[id].health.totals, own.totals, id);
    assert.equal(byId[id].health.locationId, id);
  }
  assert.ok(byId["dev-location"].health.totals.done > 0, "dev-location's events are counted");
  assert.equal(byId["client-location"].health.totals.done, 0, "nothing of another location's");
  const bad = await fetch(`${stack.url}/v1/admin/locations?healthHours=week`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(bad.status, 400);
  assert.equal(bad.headers.get("x-ghl-bridge-version"), coreVersion(), "the client refuses answers of another version");
  assert.equal((await bad.json()).error.code, "bad_hours");

  const { token } = await other.mintLocationToken();
  const own = new BridgeClient(stack.url, token).forLocation("client-location");
  assert.deepEqual((await own.eventsPage({ limit: 5 })).events, []);
  await assert.rejects(new BridgeClient(stack.url, token).forLocation("dev-location").events(5), (e) => e.status === 403);
  await assert.rejects(new BridgeClient(stack.url, token).locations(), (e) => e.status === 403);
  await assert.rejects(new BridgeClient(stack.url, token).locations(24), (e) => e.status === 403);
  assert.deepEqual(await other.deleteSource("client-loc-form"), { sourceId: "client-loc-form", deleted: true });
});
