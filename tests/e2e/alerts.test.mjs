// Alerts per location, into the sandbox's alert sink: a parked event fires one
// signed alert, a second within the hour does not, recovery resolves it.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, test } from "node:test";
import { admin, eventually, postForm, sandbox, startStack } from "./support.mjs";

let stack;
before(async () => {
  stack = await startStack();
});
after(async () => stack?.stop());

const sink = async () => (await sandbox(stack, "/__sandbox/alerts")).alerts;
const parkedEvent = async (key) => eventually(async () => (await admin(stack, "/dead-letters")).body.deadLetters.find((e) => e.key === key), { what: `event ${key} parked` });

test("a parked event alerts once an hour, signed; recovery sends the resolution", async () => {
  const bad = await admin(stack, "/alerts", { method: "PUT", body: JSON.stringify({ webhookUrl: "ftp://nope" }) });
  assert.equal(bad.status, 400);
  const set = await admin(stack, "/alerts", { method: "PUT", body: JSON.stringify({ webhookUrl: `${stack.sandboxUrl}/__sandbox/alerts` }) });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const secret = set.body.signingSecret;
  assert.match(secret, /^whsec_/);
  assert.equal(set.body.format, "standardWebhooks");
  assert.equal((await admin(stack, "/alerts")).body.signingSecret, undefined, "the secret is answered once");

  // A mapping naming a custom field the location lacks: every event parks.
  const mapping = '{"version": 1, "fields": [{"to": "email", "from": "email"}, {"to": "customField.budjet", "from": "b"}]}';
  assert.equal((await admin(stack, "/mappings/demo", { method: "PUT", body: mapping })).status, 200);
  const first = await postForm(stack, { email: "alerte1@exemple.fr", b: "12" });
  await parkedEvent(first.body.eventId);
  const [fired] = await eventually(async () => { const a = await sink(); return a.length ? a : null; }, { what: "the alert in the sink" });
  assert.equal(fired.body.type, "alert.firing");
  assert.equal(fired.body.data.condition, "eventParked");
  assert.equal(fired.body.data.locationId, "dev-location");
  assert.match(fired.body.data.message, /budjet/);
  const signed = `${fired.webhookId}.${fired.webhookTimestamp}.${JSON.stringify(fired.body)}`;
  const expected = createHmac("sha256", Buffer.from(secret.replace(/^whsec_/, ""), "base64")).update(signed).digest("base64");
  assert.equal(fired.webhookSignature, `v1,${expected}`, "signed per Standard Webhooks with the location's secret");

  const second = await postForm(stack, { email: "alerte2@exemple.fr", b: "13" });
  await parkedEvent(second.body.eventId);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await sink()).length, 1, "a second parked event within the hour sends nothing");
  assert.deepEqual((await admin(stack, "/alerts")).body.firing, ["eventParked"]);

  // Fixed and replayed: once nothing is parked, the resolution is sent.
  await admin(stack, "/mappings/demo", { method: "DELETE" });
  for (const e of [first, second]) {
    assert.equal((await admin(stack, `/dead-letters/${e.body.eventId}/replay`, { method: "POST" })).status, 202);
  }
  const resolved = await eventually(async () => (await sink()).find((a) => a.body.type === "alert.resolved"), { what: "the resolved alert" });
  assert.equal(resolved.body.data.condition, "eventParked");
  assert.equal((await sink()).length, 2);
  const shown = (await admin(stack, "/alerts")).body;
  assert.deepEqual(shown.firing, []);
  assert.deepEqual(shown.recent.map((a) => a.state), ["resolved", "firing"]);
  assert.ok(shown.recent.every((a) => a.status === 200), "the sink answered each");
});
