// The app in GHL's workflow builder, on workerd against the sandbox's
// workflow engine: a trigger subscribed with a filter fires once for a
// matching reply and never for another, a deleted or switched-off workflow
// gets nothing, the SMS action sends once when GHL calls it twice and
// answers what the next step reads, the group action lists the location's
// groups, and a wrong key does nothing.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { APP_HOOK_SECRET, consoleAt, SPOTHIT_TOKEN, admin, artifactPath, eventually, ghl, launchChromium, sandbox, startStack } from "./support.mjs";

let stack;
before(async () => {
  stack = await startStack();
});
after(async () => stack?.stop());

const workflow = async (id) => (await sandbox(stack, "/__sandbox/ghl/workflows")).workflows.find((w) => w.id === id);
const smsTo = async (number) => (await sandbox(stack, "/__sandbox/spothit")).sms.filter((s) => s.params.destinataires === number);
const reply = (numero, message, id) =>
  fetch(`${stack.url}/v1/hooks/spothit/${SPOTHIT_TOKEN}/reply?numero=${encodeURIComponent(numero)}&message=${encodeURIComponent(message)}&id=${id}&date=1795341600`);

async function contact(firstName, phone, extra = {}) {
  const { status, body } = await ghl(stack, "POST", "/contacts/", { locationId: "dev-location", firstName, phone, ...extra });
  assert.equal(status, 201, JSON.stringify(body));
  return body.contact.id;
}

async function settledEvent(id) {
  return eventually(async () => {
    const { body } = await admin(stack, "/events");
    return body.events.find((e) => e.eventId === id && ["done", "parked"].includes(e.status));
  }, { what: `event ${id} settled` });
}

test("a workflow on 'reply received, contains OUI' fires once for 'oui merci' and never for 'non'", async () => {
  const made = await sandbox(stack, "/__sandbox/ghl/workflows", {
    locationId: "dev-location", trigger: { key: "spothit_reply_received", filters: [{ field: "message", operator: "contains", value: "OUI" }] },
  });
  assert.equal(made.subscription.status, 200, JSON.stringify(made.subscription));
  assert.match(made.targetUrl, /\/ghl\/workflows-marketplace\/triggers\/execute\/dev-location\/trg_/);
  const { body } = await admin(stack, "/locations/dev-location/workflows");
  assert.equal(body.subscriptions.find((s) => s.id === made.triggerId).key, "spothit_reply_received");

  const ana = await contact("Ana", "+33622220001");
  for (let i = 0; i < 2; i++) assert.ok([200, 202].includes((await reply("+33622220001", "oui merci", "wf-r1")).status));
  assert.equal((await reply("+33622220001", "non", "wf-r2")).status, 202);
  await settledEvent("wf-r1");
  await settledEvent("wf-r2");
  const fired = await eventually(async () => (await workflow(made.workflowId)).fires.length === 1 && workflow(made.workflowId), { what: "the fire" });
  assert.deepEqual(fired.fires[0].payload, { contactId: ana, phone: "+33622220001", message: "oui merci" });
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await workflow(made.workflowId)).fires.length, 1, "once, and not for 'non'");
  const subs = (await admin(stack, "/locations/dev-location/workflows")).body.subscriptions;
  assert.equal(subs.find((s) => s.id === made.triggerId).fires, 1, "the console's count per trigger");
});

test("a deleted workflow gets nothing; a switched-off one is deactivated by GHL's answer", async () => {
  const gone = await sandbox(stack, "/__sandbox/ghl/workflows", { locationId: "dev-location", trigger: { key: "spothit_stop_received" } });
  const off = await sandbox(stack, "/__sandbox/ghl/workflows", { locationId: "dev-location", trigger: { key: "spothit_stop_received" } });
  const deleted = await fetch(`${stack.sandboxUrl}/__sandbox/ghl/workflows/${gone.workflowId}`, { method: "DELETE" });
  assert.equal((await deleted.json()).subscription.status, 200);
  await sandbox(stack, `/__sandbox/ghl/workflows/${off.workflowId}/deactivate`, {});
  await contact("Bob", "+33622220002");
  const stop = await fetch(`${stack.url}/v1/hooks/spothit/${SPOTHIT_TOKEN}/stop?numero=%2B33622220002&id=wf-s1&date=1795341600`);
  assert.equal(stop.status, 202);
  await settledEvent("wf-s1");
  const subs = (await admin(stack, "/locations/dev-location/workflows")).body.subscriptions;
  assert.equal(subs.find((s) => s.id === gone.triggerId), undefined, "the deleted subscription is dropped");
  assert.equal(subs.find((s) => s.id === off.triggerId).active, false, "deactivated by GHL's answer");
  assert.equal((await workflow(off.workflowId)).fires.length, 0);
});

test("the SMS action sends once when GHL calls it twice and answers what the next step reads; an opted-out contact is refused", async () => {
  const made = await sandbox(stack, "/__sandbox/ghl/workflows", { locationId: "dev-location" });
  const cleo = await contact("Cléo", "+33622220003");
  const run = () => sandbox(stack, `/__sandbox/ghl/workflows/${made.workflowId}/run`, {
    contactId: cleo, action: "spothit_send_sms", data: { message: "Bonjour Cléo, à demain !", sender: "BOUTIQUE" },
  });
  const first = await run();
  const second = await run();
  assert.equal(first.status, 200, JSON.stringify(first));
  assert.equal(first.body.status, "sent");
  assert.deepEqual(second.body, first.body, "the same answer again");
  const sms = await smsTo("+33622220003");
  assert.equal(sms.length, 1, "one SMS for two calls");
  assert.equal(first.body.spothitId, String(sms[0].id));
  assert.equal(sms[0].params.expediteur, "BOUTIQUE");
  assert.match(sms[0].params.url, new RegExp(`/v1/hooks/spothit/${SPOTHIT_TOKEN}/message/wf-`));

  const dnd = await contact("Dan", "+33622220004", { dndSettings: { SMS: { status: "active", message: "STOP" } } });
  const refused = await sandbox(stack, `/__sandbox/ghl/workflows/${made.workflowId}/run`, {
    contactId: dnd, action: "spothit_send_sms", data: { message: "Bonjour" },
  });
  assert.equal(refused.body.status, "refused");
  assert.match(refused.body.reason, /opted out of SMS/);
  assert.equal((await smsTo("+33622220004")).length, 0);
});

test("the group action lists the location's Spot-Hit groups and adds the contact once", async () => {
  const made = await sandbox(stack, "/__sandbox/ghl/workflows", { locationId: "dev-location" });
  const eva = await contact("Eva", "+33622220005", { email: "eva@exemple.fr" });
  const run = () => sandbox(stack, `/__sandbox/ghl/workflows/${made.workflowId}/run`, { contactId: eva, action: "spothit_add_to_group", data: { group: "Clients fidèles" } });
  const added = await run();
  assert.equal(added.body.status, "added", JSON.stringify(added));
  const fields = await sandbox(stack, `/__sandbox/ghl/workflows/${made.workflowId}/fields`, { action: "spothit_add_to_group" });
  assert.equal(fields.status, 200);
  const options = fields.body.inputs[0].fields[0].options.map((o) => o.label);
  assert.ok(options.includes("Clients fidèles"), JSON.stringify(options));
  await run();
  const { contacts } = await sandbox(stack, "/__sandbox/spothit");
  assert.equal(contacts.filter((c) => c.mobile === "+33622220005").length, 1, "imported once");
  // SMS DND in GHL (no webhook of it kept by the bridge): joins with its e-mail only.
  const dnd = await contact("Fred", "+33622220008", { email: "fred@exemple.fr", dndSettings: { SMS: { status: "active", message: "STOP" } } });
  const joined = await sandbox(stack, `/__sandbox/ghl/workflows/${made.workflowId}/run`, { contactId: dnd, action: "spothit_add_to_group", data: { group: "Clients fidèles" } });
  assert.equal(joined.body.status, "added", JSON.stringify(joined));
  const rows = (await sandbox(stack, "/__sandbox/spothit")).contacts.filter((c) => c.email === "fred@exemple.fr");
  assert.equal(rows.length, 1);
  assert.equal(rows[0].mobile, undefined, "no mobile for a contact who opted out of SMS");
});

test("a wrong x-bridge-key is refused and does nothing; a trigger URL elsewhere is refused", async () => {
  const call = { data: { message: "hi" }, extras: { locationId: "dev-location", contactId: "x", workflowId: "w" }, meta: { key: "spothit_send_sms", version: "1" } };
  for (const key of ["wrong", ""]) {
    const r = await fetch(`${stack.url}/v1/hooks/ghl/actions/spothit_send_sms`, { method: "POST", headers: { "content-type": "application/json", "x-bridge-key": key }, body: JSON.stringify(call) });
    assert.equal(r.status, 401);
  }
  const evil = await fetch(`${stack.url}/v1/hooks/ghl/triggers`, {
    method: "POST", headers: { "content-type": "application/json", "x-bridge-key": APP_HOOK_SECRET },
    body: JSON.stringify({ triggerData: { id: "t-evil", key: "spothit_reply_received", filters: [], eventType: "CREATED", targetUrl: "https://evil.example/workflows-marketplace/triggers/execute/dev-location/t" }, meta: { key: "spothit_reply_received", version: "1" }, extras: { locationId: "dev-location" } }),
  });
  assert.equal(evil.status, 422);
  assert.match((await evil.json()).error.message, /must start with/);
  const unknown = await fetch(`${stack.url}/v1/hooks/ghl/actions/lc_send`, { method: "POST", headers: { "x-bridge-key": APP_HOOK_SECRET }, body: JSON.stringify(call) });
  assert.equal(unknown.status, 404);
});

test("the Specter action returns the person's main fields and respects the location's credit budget", async () => {
  const rules = { version: 1, specter: { dailyCredits: 1 } };
  assert.equal((await admin(stack, "/sync-rules", { method: "PUT", body: JSON.stringify(rules) })).status, 200);
  const made = await sandbox(stack, "/__sandbox/ghl/workflows", { locationId: "dev-location" });
  const camille = await contact("Camille", "+33622220006", { email: "camille@octave-robotics.fr" });
  const thomas = await contact("Thomas", "+33622220007", { email: "thomas.nguyen@payflow.io" });
  const enrich = (contactId) => sandbox(stack, `/__sandbox/ghl/workflows/${made.workflowId}/run`, { contactId, action: "specter_enrich_contact", data: {} });
  const found = await enrich(camille);
  assert.equal(found.body.status, "found", JSON.stringify(found));
  assert.equal(found.body.personId, "per_000000000000000000000001");
  assert.match(found.body.fullName, /\S+ \S+/);
  const over = await enrich(thomas);
  assert.equal(over.body.status, "refused");
  assert.match(over.body.reason, /daily Specter budget \(1 credits\) is spent/);
  await admin(stack, "/sync-rules", { method: "PUT", body: JSON.stringify({ version: 1 }) });
});

test("the console lists the workflows using the bridge's triggers, with their fires", async () => {
  const browser = await launchChromium();
  try {
    const { page, errors } = await consoleAt(browser, stack, "dev-location");
    await page.waitForSelector("#workflows li");
    const text = await page.textContent("#workflows");
    assert.match(text, /spothit_reply_received · workflow \S+ · 1 fire/);
    assert.match(text, /when message contains "OUI"/);
    assert.match(text, /inactive in GHL/);
    await page.locator('section[aria-labelledby="workflows-title"]').screenshot({ path: artifactPath("console-workflows.png") });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
