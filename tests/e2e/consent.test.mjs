// Consent on workerd against the sandbox: a contact who opted out (SMS DND in
// GHL, a STOP sent to Spot-Hit, a deletion) is messaged by no path, the record
// says why, and a person can be erased with only the number's opt-out kept.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SPOTHIT_TOKEN, admin, eventually, ghl, sandbox, startStack } from "./support.mjs";

const RULES = {
  version: 1,
  spotHit: {
    tagGroups: { vip: "Clients VIP" },
    taskCompleted: [{ titleContains: "rappel", sms: "Bonjour {firstName}, merci pour votre appel. STOP au 36200", sender: "Boutique" }],
  },
};

let stack;
before(async () => {
  stack = await startStack();
  const saved = await admin(stack, "/sync-rules", { method: "PUT", body: JSON.stringify(RULES) });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
});
after(async () => stack?.stop());

const smsTo = async (number) => (await sandbox(stack, "/__sandbox/spothit")).sms.filter((s) => s.params.destinataires === number);
const synced = (contactId, type, since = 0) => async () => {
  const { body } = await admin(stack, "/ghl-events");
  return body.events.find((e) => e.contactId === contactId && e.type === type && e.receivedAtMs >= since && ["done", "parked"].includes(e.sync?.status));
};

async function createInGhl(contact) {
  const { status, body } = await ghl(stack, "POST", "/contacts/", { locationId: "dev-location", ...contact });
  assert.equal(status, 201, JSON.stringify(body));
  return body.contact.id;
}

async function completeRappel(contactId) {
  const since = Date.now() - 1000;
  const task = await ghl(stack, "POST", `/contacts/${contactId}/tasks`, { title: "Rappel devis", dueDate: "2026-12-01T09:00:00Z", completed: false });
  assert.equal(task.status, 201, JSON.stringify(task.body));
  const done = await ghl(stack, "PUT", `/contacts/${contactId}/tasks/${task.body.task.id}/completed`, { completed: true });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  return eventually(synced(contactId, "TaskComplete", since), { what: "the task event synced" });
}

test("SMS DND in GHL: the rappel rule sends nothing and says why; DND lifted, it sends one", async () => {
  const lea = await createInGhl({ firstName: "Léa", phone: "+33644444444", dndSettings: { SMS: { status: "active", message: "STOP" } } });
  const refused = await completeRappel(lea);
  assert.equal(refused.sync.status, "done", JSON.stringify(refused.sync));
  assert.match(refused.sync.results.join("\n"), /skipped, contact opted out of SMS/);
  assert.equal((await smsTo("+33644444444")).length, 0, "no SMS to an opted-out contact");

  const lifted = await ghl(stack, "PUT", `/contacts/${lea}`, { dndSettings: { SMS: { status: "inactive" } } });
  assert.equal(lifted.status, 200, JSON.stringify(lifted.body));
  await eventually(async () => {
    const { body } = await admin(stack, "/ghl-events");
    return body.events.find((e) => e.contactId === lea && e.type === "ContactDndUpdate");
  }, { what: "GHL's DND webhook" });
  const sent = await completeRappel(lea);
  assert.match(sent.sync.results.join("\n"), /SMS sent to \+33644444444/);
  assert.equal((await smsTo("+33644444444")).length, 1, "exactly one SMS");
});

test("a STOP whose numero carries a raw + sets SMS DND on the overseas contact, and the next rappel sends nothing", async () => {
  const noe = await createInGhl({ firstName: "Noé", phone: "+262692123456" });
  // Sent as a careless sender does: the + unencoded (it decodes to a space).
  const stop = await fetch(`${stack.url}/v1/hooks/spothit/${SPOTHIT_TOKEN}/stop?numero=+262692123456&id=stop-re-1&date=1763812800`);
  assert.equal(stop.status, 202, await stop.text());
  await eventually(async () => {
    const { contacts } = await sandbox(stack, "/__sandbox/ghl/contacts?locationId=dev-location");
    return contacts.find((c) => c.id === noe && c.dndSettings?.SMS?.status === "active");
  }, { what: "SMS DND on the La Réunion contact" });
  const { contacts } = await sandbox(stack, "/__sandbox/ghl/contacts?locationId=dev-location");
  assert.equal(contacts.filter((c) => c.phone === "+262692123456").length, 1, "no second contact for the number");
  const refused = await completeRappel(noe);
  assert.match(refused.sync.results.join("\n"), /skipped, contact opted out of SMS/);
  assert.equal((await smsTo("+262692123456")).length, 0);
});

test("erasure answers what it removed and keeps only the number's opt-out", async () => {
  const stop = await fetch(`${stack.url}/v1/hooks/spothit/${SPOTHIT_TOKEN}/stop?numero=%2B33655555555&id=stop-e-1&date=1763812800`);
  assert.equal(stop.status, 202);
  await eventually(async () => {
    const { body } = await admin(stack, "/events?source=spothit-stop");
    return body.events.find((e) => e.eventId === "stop-e-1" && e.status === "done");
  }, { what: "the STOP event done" });
  const bad = await admin(stack, "/erasure", { method: "POST", body: JSON.stringify({}) });
  assert.equal(bad.status, 422);
  assert.match(bad.body.error.message, /give `email`, `phone` or both/);
  const erased = await admin(stack, "/erasure", { method: "POST", body: JSON.stringify({ phone: "06 55 55 55 55" }) });
  assert.equal(erased.status, 200, JSON.stringify(erased.body));
  assert.ok(erased.body.events >= 1, JSON.stringify(erased.body));
  assert.equal(erased.body.keptOptOut, "+33655555555");
  const left = await admin(stack, "/events?contact=%2B33655555555");
  assert.equal(left.body.events.length, 0, JSON.stringify(left.body));
});
