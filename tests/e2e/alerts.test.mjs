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

/** One GHL call straight to the sandbox (as another app would): the daily allowance it leaves. */
async function directCall() {
  const res = await fetch(`${stack.sandboxUrl}/ghl/locations/dev-location/customFields`, {
    headers: { authorization: "Bearer sandbox-location-token", version: "2021-07-28", accept: "application/json" },
  });
  await res.text();
  return { remaining: Number(res.headers.get("x-ratelimit-daily-remaining")), limit: Number(res.headers.get("x-ratelimit-limit-daily")) };
}

const runCron = async () => assert.equal((await fetch(`${stack.url}/__scheduled?cron=*/10+*+*+*+*`)).status, 200);

test("the cron alerts on GHL's daily allowance under 10% and on a silent source, and resolves both", async () => {
  const set = await admin(stack, "/alerts", { method: "PUT", body: JSON.stringify({ webhookUrl: `${stack.sandboxUrl}/__sandbox/alerts`, silentAfterMinutes: { "never-sends": 30 } }) });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.deepEqual(set.body.silentAfterMinutes, { "never-sends": 30 });
  const told = async (condition, type) => eventually(async () => (await sink()).find((a) => a.body.data.condition === condition && a.body.type === type), { what: `${type} ${condition}` });

  // 100 calls left today, then all but 8 used by another app.
  const { remaining, limit } = await directCall();
  await sandbox(stack, "/__sandbox/config", { dailyLimit: limit - remaining + 100, burstLimit: 1000 });
  for (let left = 99; left > 8; left = (await directCall()).remaining);
  const lead = await postForm(stack, { email: "quota@exemple.fr", full_name: "Quota Bas" });
  await eventually(async () => (await admin(stack, `/events`)).body.events.find((e) => e.key === lead.body.eventId && e.status === "done"), { what: "the lead done" });
  const health = (await admin(stack, "/health")).body;
  assert.ok(health.ghlDaily && health.ghlDaily.remaining < 8, JSON.stringify(health.ghlDaily));
  await runCron();
  const low = await told("dailyAllowanceLow", "alert.firing");
  assert.match(low.body.data.message, /calls left today/);
  const silent = await told("sourceSilent", "alert.firing");
  assert.match(silent.body.data.message, /`never-sends` has sent nothing yet/);

  // A new day (a big allowance again) and no silent source expected: both resolve.
  await sandbox(stack, "/__sandbox/config", { dailyLimit: 3000, burstLimit: 100 });
  const next = await postForm(stack, { email: "quota2@exemple.fr", full_name: "Quota Revenu" });
  await eventually(async () => (await admin(stack, `/events`)).body.events.find((e) => e.key === next.body.eventId && e.status === "done"), { what: "the second lead done" });
  await admin(stack, "/alerts", { method: "PUT", body: JSON.stringify({ webhookUrl: `${stack.sandboxUrl}/__sandbox/alerts`, silentAfterMinutes: {} }) });
  await runCron();
  await told("dailyAllowanceLow", "alert.resolved");
  await told("sourceSilent", "alert.resolved");
  assert.deepEqual((await admin(stack, "/alerts")).body.firing, []);
});
