// Spot-Hit callbacks, fired by the sandbox as Spot-Hit fires them (unsigned GET
// query strings to a URL carrying a secret token), end to end into GHL.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, SPOTHIT_TOKEN, admin, eventually, postForm, sandbox, settled, startStack } from "./support.mjs";

let stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

const contactWithPhone = async (phone) =>
  (await sandbox(stack, "/__sandbox/ghl/contacts")).contacts.find((c) => c.phone === phone);

describe("Spot-Hit callbacks", () => {
  test("STOP sets SMS do-not-disturb on the existing contact", async () => {
    await postForm(stack, { email: "stop@example.fr", tel: "06 98 76 54 32" });
    await settled(stack, 1);
    const fired = await sandbox(stack, "/__sandbox/spothit/callback", {
      kind: "stop", params: { numero: "+33698765432", id: "77001", date: "1795341600" },
    });
    assert.equal(fired.status, 202, JSON.stringify(fired));
    const contact = await eventually(async () => {
      const c = await contactWithPhone("+33698765432");
      return c?.dndSettings?.SMS?.status === "active" && c.tags.includes("sms:stop") ? c : null;
    }, { what: "SMS DND and the sms:stop tag" });
    assert.equal(contact.email, "stop@example.fr", "the same contact, not a new one");
    assert.equal((await sandbox(stack, "/__sandbox/ghl/contacts")).count, 1);
  });

  test("a reply becomes a note and a task; a failed delivery a tag", async () => {
    await sandbox(stack, "/__sandbox/spothit/callback", {
      kind: "reply", params: { numero: "+262692001122", message: "Oui, demain 10h", id: "88001", date: "1795341600" },
    });
    const replied = await eventually(async () => {
      const c = await contactWithPhone("+262692001122");
      return c?.notes?.length && c?.tasks?.length ? c : null;
    }, { what: "the reply's note and task" });
    assert.match(replied.notes[0].body, /Oui, demain 10h/);
    assert.ok(replied.tags.includes("sms:replied"));

    await sandbox(stack, "/__sandbox/spothit/callback", {
      kind: "status", params: { id_accuse: "9001", id_message: "1", numero: "+262692001122", statut: "4", statut_code: "301", nom: "Relance" },
    });
    await eventually(async () => (await contactWithPhone("+262692001122"))?.tags.includes("sms:failed"), { what: "the failure tag" });
    // The reply made the contact known: its receipt is the tag call alone.
    const receipt = await eventually(async () => {
      const { body } = await admin(stack, "/events?source=spothit-status");
      return body.events.find((e) => e.status === "done");
    }, { what: "the receipt's record" });
    assert.equal(receipt.action, "matched", JSON.stringify(receipt));
    assert.equal(receipt.ghlCalls, 1, JSON.stringify(receipt));
  });

  test("the same callback twice is one event; a wrong token is refused", async () => {
    const params = { numero: "+33611002200", id: "99001", date: "1795341600" };
    const before = (await admin(stack, "/events")).body.events.length;
    await sandbox(stack, "/__sandbox/spothit/callback", { kind: "stop", params });
    await sandbox(stack, "/__sandbox/spothit/callback", { kind: "stop", params });
    await settled(stack, before + 1);
    assert.equal((await admin(stack, "/events")).body.events.length, before + 1);

    const wrong = await fetch(`${stack.url}/v1/hooks/spothit/not-the-token/stop?numero=%2B33611002200`);
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error.code, "bad_token");
    const kind = await fetch(`${stack.url}/v1/hooks/spothit/${SPOTHIT_TOKEN}/bounce?numero=1`);
    assert.equal(kind.status, 404);
  });

  test("under the recipe, a reply \"oui\" delivered twice enrols its contact in the GHL workflow once", async () => {
    const recipe = JSON.parse(readFileSync(join(ROOT, "src/recipes/sms-reply-oui-enrol.json"), "utf8"));
    const saved = await admin(stack, `/mappings/${recipe.sourceId}`, { method: "PUT", body: JSON.stringify(recipe.mapping) });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    const params = { numero: "+33611447788", message: "oui", id: "88111", date: "1795341600" };
    await sandbox(stack, "/__sandbox/spothit/callback", { kind: "reply", params });
    await sandbox(stack, "/__sandbox/spothit/callback", { kind: "reply", params });
    await sandbox(stack, "/__sandbox/spothit/callback", {
      kind: "reply", params: { numero: "+33611447799", message: "non merci", id: "88112", date: "1795341600" },
    });
    const enrolled = async () => (await sandbox(stack, "/__sandbox/ghl/workflows")).workflows
      .find((w) => w.id === "wf_rappel_oui" && w.locationId === "dev-location").enrolled;
    const contact = await eventually(async () => (await enrolled()).length ? contactWithPhone("+33611447788") : null, { what: "the enrolment" });
    await eventually(async () => (await contactWithPhone("+33611447799"))?.notes?.length, { what: "the other reply's note" });
    assert.deepEqual((await enrolled()).map((e) => e.contactId), [contact.id], "once, and only the yes");
    const { body } = await admin(stack, "/events?source=spothit-reply");
    const event = body.events.find((e) => e.eventId === "88111");
    assert.equal(event.status, "done", JSON.stringify(event));
  });
});
