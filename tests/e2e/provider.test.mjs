// Spot-Hit as dev-location's SMS provider, on workerd against the sandbox's
// GHL: a message a GHL user sends reaches Spot-Hit once (also when GHL calls
// the Delivery URL twice), its status becomes delivered after GHL's handover
// window, a refused or failed send shows Spot-Hit's reason, a reply and a STOP
// appear in the conversation, and after the STOP nothing reaches Spot-Hit.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { APP_HOOK_SECRET, consoleAt, SPOTHIT_TOKEN, admin, artifactPath, eventually, ghl, launchChromium, sandbox, startStack } from "./support.mjs";

let stack;
before(async () => {
  stack = await startStack({}, { smsProvider: true });
});
after(async () => stack?.stop());

const smsTo = async (number) => (await sandbox(stack, "/__sandbox/spothit")).sms.filter((s) => s.params.destinataires === number);
const thread = async (contactId) =>
  (await sandbox(stack, `/__sandbox/ghl/conversations?locationId=dev-location&contactId=${contactId}`)).messages;
const journey = async (messageId) =>
  (await admin(stack, "/locations/dev-location/messages")).body.messages.find((m) => m.messageId === messageId);

async function contact(firstName, phone) {
  const { status, body } = await ghl(stack, "POST", "/contacts/", { locationId: "dev-location", firstName, phone });
  assert.equal(status, 201, JSON.stringify(body));
  return body.contact.id;
}

async function sendFromGhl(contactId, message, extra = {}) {
  const sent = await sandbox(stack, "/__sandbox/ghl/conversations/send", { locationId: "dev-location", contactId, message, ...extra });
  assert.ok(sent.messageId, JSON.stringify(sent));
  return sent.messageId;
}

const statusOf = (contactId, messageId, status) => async () =>
  (await thread(contactId)).find((m) => m.id === messageId && m.status === status);

test("a message sent from GHL, delivered twice to the Delivery URL, reaches Spot-Hit once and shows delivered after the handover window", async () => {
  const ines = await contact("Inès", "+33611110001");
  const started = Date.now();
  const messageId = await sendFromGhl(ines, "Bonjour Inès, votre devis est prêt ✅", { deliveries: 2 });
  const delivered = await eventually(statusOf(ines, messageId, "delivered"), { what: "the delivered status in GHL" });
  const tookMs = Date.now() - started;
  const sms = await smsTo("+33611110001");
  assert.equal(sms.length, 1, "one SMS for two Delivery URL calls");
  assert.equal(sms[0].params.message, "Bonjour Inès, votre devis est prêt ✅");
  assert.equal(sms[0].params.encodage, "auto");
  assert.match(sms[0].params.url, new RegExp(`/v1/hooks/spothit/${SPOTHIT_TOKEN}/message/${messageId}$`));
  assert.deepEqual(delivered.deliveryAnswers.map((a) => a.status), [200, 200]);
  assert.equal(delivered.deliveryAnswers[1].body.status, "duplicate");
  // The bridge waits out GHL's handover window (10 s after GHL's call)
  // before it reports: no call spent on a 403.
  assert.ok(tookMs >= 9000, `delivered after the handover window (${tookMs} ms)`);
  assert.deepEqual(delivered.statusHistory.map((h) => h.status), ["delivered"]);
  const j = await journey(messageId);
  assert.equal(j.state, "delivered");
  assert.equal(j.spothitId, String(sms[0].id));
  assert.deepEqual(j.steps.map((s) => s.what.split(" (")[0]), ["received from GHL", "sent by Spot-Hit", "Spot-Hit: delivered", "GHL shows delivered"]);
});

test("a GHL slower to hand the message over than the bridge waits: its 403 is retried, and the status still arrives", async () => {
  await sandbox(stack, "/__sandbox/config", { handoverMs: 13_000 });
  try {
    const mia = await contact("Mia", "+33611110005");
    const messageId = await sendFromGhl(mia, "Bonjour Mia");
    const delivered = await eventually(statusOf(mia, messageId, "delivered"), { timeoutMs: 45_000, what: "the delivered status after a 403" });
    assert.deepEqual(delivered.statusHistory.map((h) => h.status), ["delivered"]);
    const { requests } = await sandbox(stack, "/__sandbox/requests");
    const puts = requests.filter((r) => r.path === `/ghl/conversations/messages/${messageId}/status`).map((r) => r.status);
    assert.deepEqual(puts, [403, 200]);
  } finally {
    await sandbox(stack, "/__sandbox/config", { handoverMs: 5_000 });
  }
});

test("a number Spot-Hit refuses and a delivery that fails show Spot-Hit's reason on the message", async () => {
  const refusedTo = await contact("Zoé", "+33611110000");
  const refused = await sendFromGhl(refusedTo, "Bonjour");
  const failedInGhl = await eventually(statusOf(refusedTo, refused, "failed"), { what: "the failed status" });
  assert.equal(failedInGhl.error.code, "spothit-6");
  assert.match(failedInGhl.error.message, /invalid recipient number/);
  assert.equal((await smsTo("+33611110000")).length, 0);

  const failsTo = await contact("Yann", "+33611110004");
  const failing = await sendFromGhl(failsTo, "Bonjour");
  const failed = await eventually(statusOf(failsTo, failing, "failed"), { what: "the failed delivery" });
  assert.equal(failed.error.code, "spothit-status-4");
  assert.match(failed.error.message, /Spot-Hit: failed \(code 1\)/);
});

test("a reply appears in the conversation as inbound, once; a STOP sets DND, shows in the thread, and the next send never reaches Spot-Hit", async () => {
  const paul = await contact("Paul", "+33611110002");
  const first = await sendFromGhl(paul, "Êtes-vous disponible demain ?");
  await eventually(async () => (await smsTo("+33611110002")).length === 1, { what: "the first SMS" });
  for (let i = 0; i < 2; i++) {
    const reply = await fetch(`${stack.url}/v1/hooks/spothit/${SPOTHIT_TOKEN}/reply?numero=%2B33611110002&message=Oui+merci&id=rep-p-1&date=1795341600`);
    assert.ok([200, 202].includes(reply.status), await reply.text());
  }
  const inbound = await eventually(async () => (await thread(paul)).find((m) => m.direction === "inbound" && m.body === "Oui merci"), { what: "the reply in the thread" });
  assert.equal(inbound.altId, "rep-p-1");
  assert.equal(inbound.type, "SMS");
  assert.equal((await thread(paul)).filter((m) => m.direction === "inbound").length, 1, "the reply once");
  const { contacts } = await sandbox(stack, "/__sandbox/ghl/contacts?locationId=dev-location");
  const paulNow = contacts.find((c) => c.id === paul);
  assert.equal(paulNow.notes.length, 0, "no note: the reply is in the conversation");
  assert.equal(paulNow.tasks.length, 0, "no task either");

  const stop = await fetch(`${stack.url}/v1/hooks/spothit/${SPOTHIT_TOKEN}/stop?numero=%2B33611110002&id=stop-p-1&date=1795341700`);
  assert.equal(stop.status, 202, await stop.text());
  await eventually(async () => (await thread(paul)).find((m) => m.direction === "inbound" && m.body === "STOP"), { what: "STOP in the thread" });
  const dnd = (await sandbox(stack, "/__sandbox/ghl/contacts?locationId=dev-location")).contacts.find((c) => c.id === paul);
  assert.equal(dnd.dndSettings?.SMS?.status, "active");

  const after = await sendFromGhl(paul, "Une dernière chose");
  const failed = await eventually(statusOf(paul, after, "failed"), { what: "the refused send" });
  assert.equal(failed.error.code, "opted_out");
  assert.match(failed.error.message, /opted out of SMS/);
  assert.equal((await smsTo("+33611110002")).length, 1, "nothing reached Spot-Hit after the STOP");
  assert.ok(first);
});

test("a wrong secret on the Delivery URL is a 404 that sends nothing; a location without the app is refused", async () => {
  const body = JSON.stringify({ locationId: "dev-location", contactId: "x", messageId: "forged-1", type: "SMS", phone: "+33611119999", message: "hi" });
  const wrong = await fetch(`${stack.url}/v1/hooks/ghl/provider/not-the-secret`, { method: "POST", headers: { "content-type": "application/json" }, body });
  assert.equal(wrong.status, 404);
  const foreign = await fetch(`${stack.url}/v1/hooks/ghl/provider/${APP_HOOK_SECRET}`, {
    method: "POST", headers: { "content-type": "application/json" }, body: body.replace("dev-location", "not-installed"),
  });
  assert.equal(foreign.status, 404);
  assert.equal((await foreign.json()).error.code, "unknown_location");
  const email = await fetch(`${stack.url}/v1/hooks/ghl/provider/${APP_HOOK_SECRET}`, {
    method: "POST", headers: { "content-type": "application/json" }, body: body.replace('"SMS"', '"Email"'),
  });
  assert.equal(email.status, 400);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await smsTo("+33611119999")).length, 0);
});

test("a location's provider settings are checked when saved and switch replies back to a note and task, which an answer from GHL closes", async () => {
  const bad = await admin(stack, "/locations/dev-location/conversation-provider", { method: "PUT", body: JSON.stringify({ enabled: true, sender: "A sender far too long" }) });
  assert.equal(bad.status, 422);
  assert.match(bad.body.error.message, /sender/);
  const unknown = await admin(stack, "/locations/dev-location/conversation-provider", { method: "PUT", body: JSON.stringify({ enabled: true, replys: "x" }) });
  assert.equal(unknown.status, 400);
  const saved = await admin(stack, "/locations/dev-location/conversation-provider", { method: "PUT", body: JSON.stringify({ enabled: true, sender: "BOUTIQUE", replies: "noteAndTask" }) });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  const lou = await contact("Lou", "+33611110003");
  const messageId = await sendFromGhl(lou, "Bonjour Lou");
  await eventually(async () => (await smsTo("+33611110003")).length === 1, { what: "the SMS" });
  assert.equal((await smsTo("+33611110003"))[0].params.expediteur, "BOUTIQUE");
  const reply = await fetch(`${stack.url}/v1/hooks/spothit/${SPOTHIT_TOKEN}/reply?numero=%2B33611110003&message=Merci&id=rep-l-1&date=1795341600`);
  assert.equal(reply.status, 202);
  await eventually(async () => {
    const { contacts } = await sandbox(stack, "/__sandbox/ghl/contacts?locationId=dev-location");
    return contacts.find((c) => c.id === lou)?.tasks.length === 1;
  }, { what: "the reply's task" });
  assert.equal((await thread(lou)).filter((m) => m.direction === "inbound").length, 0);
  assert.ok(messageId);
  // Someone answers Lou from GHL: the reply's task is closed, not left open.
  const answer = await sendFromGhl(lou, "Avec plaisir !");
  await eventually(async () => {
    const { contacts } = await sandbox(stack, "/__sandbox/ghl/contacts?locationId=dev-location");
    return contacts.find((c) => c.id === lou)?.tasks[0]?.completed === true;
  }, { what: "the reply's task completed" });
  const j = await journey(answer);
  assert.ok(j.steps.some((s) => /the reply's task \S+ marked completed/.test(s.what)), JSON.stringify(j.steps));
});

test("the console shows each message's journey and the location's provider settings", async () => {
  const browser = await launchChromium();
  try {
    const { page, errors } = await consoleAt(browser, stack, "dev-location");
    await page.waitForSelector("#messages tbody tr td.ok");
    const table = await page.textContent("#messages");
    assert.match(table, /delivered/);
    assert.match(table, /GHL shows delivered/);
    assert.match(table, /spothit-6: Spot-Hit refused: 6 \(invalid recipient number\)/);
    assert.match(table, /opted_out: contact opted out of SMS/);
    // The last test saved BOUTIQUE and "note and task only".
    assert.equal(await page.inputValue("#provider-sender"), "BOUTIQUE");
    assert.equal(await page.inputValue("#provider-replies"), "noteAndTask");
    await page.locator("#sms-title").scrollIntoViewIfNeeded();
    await page.locator('section[aria-labelledby="sms-title"]').screenshot({ path: artifactPath("console-messages.png") });
    await page.fill("#provider-sender", "Far too long a sender");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForFunction(() => /sender/.test(document.querySelector("#provider-result").textContent));
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
