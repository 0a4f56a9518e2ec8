// Sync back from GHL on workerd against the sandbox: changes made in GHL (by a
// person, through the sandbox's GHL API) reach Spot-Hit and Specter under the
// location's sync rules; the bridge's own writes are not echoed back.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_TOKEN, FORM_SECRET, admin, checkWorkerLogs, eventually, ghl, postForm, sandbox, startStack } from "./support.mjs";

const LIST = "6f1c2b1e-9a4d-4c36-8a55-2d1b6b0f7a01";
const RULES = {
  version: 1,
  spotHit: {
    tagGroups: { vip: "Clients VIP" },
    tagGroupPrefix: "spothit-group:",
    taskCompleted: [{ titleContains: "rappel", sms: "Bonjour {firstName}, merci pour votre appel. STOP au 36200", sender: "Boutique" }],
  },
  specter: {
    tagLists: { investisseur: LIST },
    poll: [{ list: LIST }, { savedSearch: "1201", tag: "fintech-vps" }],
    fetchEmails: true,
  },
};

let stack;
before(async () => {
  stack = await startStack();
  const saved = await admin(stack, "/sync-rules", { method: "PUT", body: JSON.stringify(RULES) });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
});
after(async () => stack?.stop());

const spothit = () => sandbox(stack, "/__sandbox/spothit");
const ghlEvent = (contactId, type) => async () => {
  const { body } = await admin(stack, "/ghl-events");
  return body.events.find((e) => e.contactId === contactId && e.type === type && ["done", "parked"].includes(e.sync?.status));
};

async function createInGhl(contact) {
  const { status, body } = await ghl(stack, "POST", "/contacts/", { locationId: "dev-location", ...contact });
  assert.equal(status, 201, JSON.stringify(body));
  return body.contact.id;
}

test("invalid rules are refused with where the problem is", async () => {
  const bad = { ...RULES, spotHit: { ...RULES.spotHit, taskCompleted: [{ sms: "x", sender: "UnNomTropLong" }] } };
  const { status, body } = await admin(stack, "/sync-rules", { method: "PUT", body: JSON.stringify(bad) });
  assert.equal(status, 422);
  assert.match(body.error.message, /taskCompleted\[0\]`: `sender` is over 11 characters/);
  assert.deepEqual(JSON.parse((await admin(stack, "/sync-rules")).body.rules), RULES, "the good rules stay");
});

test("a tag added in GHL puts the contact in its Spot-Hit group, created once; a removal is reported", async () => {
  const anne = await createInGhl({ firstName: "Anne", lastName: "Roux", phone: "+33611111111", email: "anne@exemple.fr" });
  const paul = await createInGhl({ firstName: "Paul", phone: "+33622222222" });
  assert.equal((await ghl(stack, "POST", `/contacts/${anne}/tags`, { tags: ["vip"] })).status, 201);
  assert.equal((await ghl(stack, "POST", `/contacts/${paul}/tags`, { tags: ["VIP", "autre"] })).status, 201);
  const done = await eventually(ghlEvent(paul, "ContactTagUpdate"), { what: "Paul's tag event synced" });
  assert.equal(done.sync.status, "done", JSON.stringify(done.sync));
  await eventually(ghlEvent(anne, "ContactTagUpdate"), { what: "Anne's tag event synced" });

  const data = await spothit();
  const groups = data.groups.filter((g) => g.groupe === "Clients VIP");
  assert.equal(groups.length, 1, "the group is created once");
  const members = data.contacts.filter((c) => c.groupe_id === groups[0].id);
  assert.deepEqual(members.map((c) => c.mobile).sort(), ["+33611111111", "+33622222222"]);
  assert.equal(members.find((c) => c.mobile === "+33611111111").prenom, "Anne");

  // Spot-Hit cannot take someone out of a group: the admin view says what to do.
  const res = await ghl(stack, "DELETE", `/contacts/${anne}/tags`, { tags: ["vip"] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const removed = await eventually(async () => {
    const { body } = await admin(stack, "/ghl-events");
    return body.events.find((e) => e.contactId === anne && e.sync?.results?.some((r) => r.includes("by hand")));
  }, { what: "the removal reported" });
  assert.match(removed.sync.results.join("\n"), /tag `vip` removed: remove \+33611111111 from Spot-Hit group `Clients VIP` by hand/);
  assert.equal((await spothit()).contacts.filter((c) => c.groupe_id === groups[0].id).length, 2, "nothing imported twice");

  // Another tag naming the same group: Paul is in it already, not imported twice,
  // and no second group is created for the lowercased name.
  assert.equal((await ghl(stack, "POST", `/contacts/${paul}/tags`, { tags: ["spothit-group:Clients VIP"] })).status, 201);
  const again = await eventually(async () => {
    const { body } = await admin(stack, "/ghl-events");
    return body.events.find((e) => e.contactId === paul && e.sync?.results?.some((r) => r.includes("already in")));
  }, { what: "Paul's second group tag handled" });
  // GHL lowercases tags, so the name comes lowercased: groups match case-blind.
  assert.match(again.sync.results.join(), /\+33622222222 is already in Spot-Hit group `clients vip`/);
  // Anne, removed by hand after the report, is tagged again: imported again.
  assert.equal((await ghl(stack, "POST", `/contacts/${anne}/tags`, { tags: ["vip"] })).status, 201);
  await eventually(async () => (await spothit()).contacts.filter((c) => c.mobile === "+33611111111").length === 2, { what: "Anne imported again" });
  assert.equal((await spothit()).contacts.filter((c) => c.mobile === "+33622222222").length, 1);
  assert.equal((await spothit()).groups.filter((g) => g.groupe.toLowerCase() === "clients vip").length, 1);
});

test("a phone corrected in GHL reaches the contact's Spot-Hit group as a new import, and the old number is a step for a person", async () => {
  const lea = await createInGhl({ firstName: "Léa", phone: "+33644444444" });
  assert.equal((await ghl(stack, "POST", `/contacts/${lea}/tags`, { tags: ["vip"] })).status, 201);
  await eventually(async () => (await spothit()).contacts.some((c) => c.mobile === "+33644444444"), { what: "Léa in her group" });
  const fixed = await ghl(stack, "PUT", `/contacts/${lea}`, { phone: "+33655555555", lastName: "Martin" });
  assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
  const imported = await eventually(async () => (await spothit()).contacts.find((c) => c.mobile === "+33655555555"), { what: "the new number imported" });
  assert.equal(imported.nom, "Martin");
  assert.equal(imported.groupe_id, (await spothit()).groups.find((g) => g.groupe === "Clients VIP").id);
  const event = await eventually(async () => {
    const { body } = await admin(stack, "/ghl-events");
    return body.events.find((e) => e.contactId === lea && e.type === "ContactUpdate" && e.sync?.results?.length);
  }, { what: "the change's steps" });
  assert.match(event.sync.results.join("\n"), /contact changed in GHL \(phone, last name\): imported again into Spot-Hit group `Clients VIP`/);
  assert.match(event.sync.results.join("\n"), /the old number \+33644444444 stays in Spot-Hit: remove \+33644444444 from Spot-Hit group `Clients VIP` by hand/);
  assert.equal((await spothit()).contacts.filter((c) => c.mobile === "+33655555555").length, 1, "imported once");
});

test("a completed task sends the rule's SMS, filled in for the contact", async () => {
  const jean = await createInGhl({ firstName: "Jean", phone: "+33633333333" });
  const task = await ghl(stack, "POST", `/contacts/${jean}/tasks`, { title: "Rappel devis", dueDate: "2026-12-01T09:00:00Z", completed: false });
  assert.equal(task.status, 201, JSON.stringify(task.body));
  const done = await ghl(stack, "PUT", `/contacts/${jean}/tasks/${task.body.task.id}/completed`, { completed: true });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  const event = await eventually(ghlEvent(jean, "TaskComplete"), { what: "the task event synced" });
  assert.equal(event.sync.status, "done", JSON.stringify(event.sync));
  const sms = (await spothit()).sms.filter((s) => s.params.destinataires === "+33633333333");
  assert.equal(sms.length, 1);
  assert.equal(sms[0].params.message, "Bonjour Jean, merci pour votre appel. STOP au 36200");
  assert.equal(sms[0].params.expediteur, "Boutique");
  assert.equal(sms[0].params.key, "sandbox-spothit-key");
});

test("the bridge's own writes are echoes: not sent back to Spot-Hit", async () => {
  const mapping = { version: 1, settings: { phoneRegion: "FR" }, fields: [{ to: "phone", from: "tel" }], tags: [{ value: "vip" }] };
  await admin(stack, "/mappings/demo", { method: "PUT", body: JSON.stringify(mapping) });
  const before = (await spothit()).contacts.length;
  const sent = await postForm(stack, { tel: "06 44 44 44 44" });
  assert.equal(sent.status, 202);
  const contact = await eventually(async () => (await sandbox(stack, "/__sandbox/ghl/contacts")).contacts.find((c) => c.phone === "+33644444444" && c.tags.includes("vip")), { what: "the form contact" });
  const echo = await eventually(async () => {
    const { body } = await admin(stack, "/ghl-events");
    return body.events.find((e) => e.contactId === contact.id && e.type === "ContactTagUpdate");
  }, { what: "the tag webhook about the bridge's write" });
  assert.equal(echo.outcome, "echo");
  assert.equal(echo.sync, undefined, "an echo is not synced");
  assert.equal((await spothit()).contacts.length, before);

  // A person tags that contact right away, inside the echo window: a real
  // change (a tag the bridge did not write), so it is synced.
  const record = (await admin(stack, "/events")).body.events.find((e) => e.key === sent.body.eventId);
  assert.ok(Date.now() - record.updatedAtMs < 2500, "still inside the 3 s echo window");
  assert.equal((await ghl(stack, "POST", `/contacts/${contact.id}/tags`, { tags: ["nouveau-vip"] })).status, 201);
  const change = await eventually(async () => {
    const { body } = await admin(stack, "/ghl-events");
    return body.events.find((e) => e.contactId === contact.id && e.outcome === "recorded" && e.type === "ContactTagUpdate");
  }, { what: "the person's tag recorded as a change" });
  assert.ok(change.sync, "queued for the sync-back rules");
  await admin(stack, "/mappings/demo", { method: "DELETE" });
});

test("the cron polls Specter: new people become contacts once, a change syncs again, the rest is skipped", async () => {
  const cron = await fetch(`${stack.url}/__scheduled?cron=*/10+*+*+*+*`);
  assert.equal(cron.status, 200);
  const contacts = async () => (await sandbox(stack, "/__sandbox/ghl/contacts")).contacts;
  // Each synced with its tags and its highlights note (the follow-up calls).
  const synced = (email) => async () => (await contacts()).find((c) => c.email === email && c.tags.length && c.notes.length);
  const camille = await eventually(synced("camille@octave-robotics.fr"), { what: "Camille from the Specter list" });
  const thomas = await eventually(synced("thomas.nguyen@payflow.io"), { what: "Thomas from the saved search" });
  assert.ok(camille.tags.includes(`specter-list:${LIST}`), camille.tags.join());
  assert.ok(thomas.tags.includes("fintech-vps"), thomas.tags.join());
  assert.match(thomas.notes.map((n) => n.body).join(), /Specter highlights: prior_vc_backed_experience/);

  // Nothing changed: the second poll sends nothing. Inès has no e-mail in
  // Specter: looked up once (for free: a 204), not again until she changes.
  const second = (await admin(stack, "/specter/poll", { method: "POST" })).body;
  const bySource = Object.fromEntries(second.sources.map((s) => [s.source, s]));
  assert.equal(bySource[`list ${LIST}`].queued, 0);
  assert.equal(bySource[`list ${LIST}`].unchanged, 1);
  // The saved search is asked only for people added since its last read:
  // nobody new, nothing paid (it cost 1 credit per person the first time).
  assert.equal(bySource["saved search 1201"].queued, 0);
  assert.equal(bySource["saved search 1201"].fetched, 0);
  assert.equal(bySource["saved search 1201"].withoutEmail, 0);
  assert.equal((await contacts()).filter((c) => c.lastName === "Moreau").length, 0, "no contact without identity");
  assert.equal(bySource["saved search 1201"].creditsSpent, 0, "the same people are not bought twice");
  assert.equal(bySource["saved search 1201"].requests, 1);

  // Camille changes jobs in Specter: the next poll syncs her again, once.
  const { specter } = { specter: await sandbox(stack, "/__sandbox/specter") };
  const person = specter.people.find((p) => p.person_id === "per_000000000000000000000001");
  await sandbox(stack, "/__sandbox/specter", { people: [{ ...person, current_position_company_name: "Octave Robotics SAS", last_updated: "2026-11-22T10:00:00Z" }] });
  const third = (await admin(stack, "/specter/poll", { method: "POST" })).body;
  assert.equal(third.sources.find((s) => s.source === `list ${LIST}`).queued, 1);
  await eventually(async () => (await contacts()).find((c) => c.email === "camille@octave-robotics.fr" && c.companyName === "Octave Robotics SAS"), { what: "Camille's new company in GHL" });
  assert.equal((await contacts()).filter((c) => c.email === "camille@octave-robotics.fr").length, 1);
});

test("a tag naming a Specter list adds the contact's Specter person to it", async () => {
  const thomas = await eventually(async () => (await sandbox(stack, "/__sandbox/ghl/contacts")).contacts.find((c) => c.email === "thomas.nguyen@payflow.io"), { what: "Thomas in GHL" });
  assert.equal((await ghl(stack, "POST", `/contacts/${thomas.id}/tags`, { tags: ["investisseur"] })).status, 201);
  await eventually(async () => (await sandbox(stack, "/__sandbox/specter")).lists[LIST].includes("per_000000000000000000000002"), { what: "Thomas in the Specter list" });
  const event = await eventually(ghlEvent(thomas.id, "ContactTagUpdate"), { what: "the event synced" });
  assert.match(event.sync.results.join(), /Specter person per_000000000000000000000002 added to list/);
});

test("the sweep puts back events still queued, and they still sync exactly once", async () => {
  const sent = await postForm(stack, { email: "sweep@exemple.fr" });
  assert.equal(sent.status, 202);
  const swept = (await admin(stack, "/sweep?olderThanMs=0", { method: "POST" })).body;
  assert.ok(Array.isArray(swept.inbound));
  const event = await eventually(async () => {
    const { body } = await admin(stack, "/events");
    return body.events.find((e) => e.key === sent.body.eventId && e.status === "done");
  }, { what: "the event done" });
  assert.ok(event.contactId);
  const same = (await sandbox(stack, "/__sandbox/ghl/contacts")).contacts.filter((c) => c.email === "sweep@exemple.fr");
  assert.equal(same.length, 1);
});

test("logs: JSON lines naming their event, and no key, token or signature anywhere", () => {
  const lines = checkWorkerLogs(stack, ["sandbox-spothit-key", "sandbox-specter-key", "sandbox-location-token", ADMIN_TOKEN,
    FORM_SECRET, FORM_SECRET.replace(/^whsec_/, "")]);
  assert.ok(lines > 10, `${lines} lines`);
});
