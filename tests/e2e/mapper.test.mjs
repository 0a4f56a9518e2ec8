// The visual mapper in a real headless Chromium, served by the Worker: a
// mapping built from a payload without typing JSON, the JSON and the rows kept
// one, errors at their row, and the location's own fields and payloads.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_TOKEN, admin, artifactPath, eventually, launchChromium, postForm, sandbox, startStack } from "./support.mjs";

let worker;
let browser;
let page;
before(async () => {
  worker = await startStack();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("pageerror", (e) => assert.fail(`page error: ${e}`));
  await page.goto(`${worker.url}/`);
  await page.waitForSelector("#status.ok", { timeout: 15_000 });
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

const PAYLOAD = {
  Courriel: "anne.daubigne@exemple.fr", "téléphone": "06 12 34 56 78", "prénom": "anne", nom: "d'Aubigné",
  utm_source: "google", budget_estime: "1 200", Message: "Rappelez-moi demain",
};
const rows = () => page.locator("#mapper-rows [data-section=fields] .mapper-row");
const mappingJson = async () => JSON.parse(await page.inputValue("#mapping"));
const upsertBody = async () => JSON.parse(await page.locator("#requests li[data-kind=upsert] pre.body").textContent());

test("a mapping built from a payload without typing JSON, with the exact requests", async () => {
  await page.selectOption("#template", "blank");
  await page.fill("#payload", JSON.stringify(PAYLOAD, null, 2));
  // Connected to the Worker: the location's custom fields join the "GHL field" lists.
  await page.click("#worker-panel summary");
  await page.fill("#worker-token", ADMIN_TOKEN);
  await page.click("#load-location");
  await page.waitForSelector("#worker-result.good");
  assert.match(await page.textContent("#worker-result"), /Loaded 11 custom fields of dev-location/);

  await page.getByRole("button", { name: "Suggest a mapping" }).click();
  await page.waitForSelector("#verdict.good");
  const doc = await mappingJson();
  const pairs = doc.fields.map((r) => `${r.to}<-${r.from}`);
  for (const p of ["email<-Courriel", "phone<-téléphone", "firstName<-prénom", "lastName<-nom", "customField.utm_source<-utm_source"]) {
    assert.ok(pairs.includes(p), `${p} in ${pairs}`);
  }
  assert.equal(await rows().count(), doc.fields.length, "one row per rule");
  const body = await upsertBody();
  assert.equal(body.email, "anne.daubigne@exemple.fr");
  assert.equal(body.phone, "+33612345678");
  assert.equal(body.firstName, "Anne");
  assert.equal(body.lastName, "d'Aubigné", "a French particle as French writes it");
  assert.deepEqual(body.customFields.map((f) => f.id), ["cf001"], "custom fields go by the location's id");
  const kinds = await page.locator("#requests li").evaluateAll((items) => items.map((i) => i.dataset.kind));
  assert.deepEqual(kinds, ["upsert", "note"], "the message becomes a note");
  await page.screenshot({ path: artifactPath("mapper-suggest.png"), clip: { x: 0, y: 0, width: 1400, height: 1350 } });

  // The field nobody reads is offered; one click and a pick from "GHL field" map it.
  const offer = page.getByRole("button", { name: "+ budget_estime" });
  await offer.click();
  const last = rows().last();
  await last.getByLabel("GHL field", { exact: true }).selectOption("customField.budget");
  await page.waitForFunction(() => document.querySelector("#mapping").value.includes('"customField.budget"'));
  assert.equal(await page.getByRole("button", { name: "+ budget_estime" }).count(), 0, "no longer offered");
  const withBudget = await upsertBody();
  const budget = withBudget.customFields.find((f) => f.id === "cf010");
  assert.equal(budget?.field_value, 1200, `a monetary field gets a number: ${JSON.stringify(withBudget.customFields)}`);

  // A transform from the list, with its option.
  const email = rows().first();
  await email.getByLabel("Add a transform").selectOption({ label: "lowercase" });
  await page.waitForFunction(() => JSON.parse(document.querySelector("#mapping").value).fields[0].transforms?.includes("lowercase"));
  await page.locator("#visual-mapping").screenshot({ path: artifactPath("mapper-rows.png") });
});

test("a row changed changes the JSON at once; the JSON changed redraws the rows", async () => {
  const email = rows().first();
  await email.getByLabel("Path(s)", { exact: true }).fill("Courriel, email");
  await email.getByLabel("Path(s)", { exact: true }).press("Tab");
  const doc = await mappingJson();
  assert.deepEqual(doc.fields[0].from, ["Courriel", "email"]);
  // A condition from the row.
  await email.getByLabel("Condition", { exact: true }).selectOption("exists");
  await rows().first().getByLabel("Condition path", { exact: true }).fill("Courriel");
  await rows().first().getByLabel("Condition path", { exact: true }).press("Tab");
  assert.deepEqual((await mappingJson()).fields[0].when, { path: "Courriel", exists: true });

  // Only the rule the JSON edit touches is redrawn: the other rows stay the
  // same elements (a half-typed box or an open list in them is not lost).
  await rows().evaluateAll((all) => all.forEach((row) => { row.drawnBefore = true; }));
  const edited = await mappingJson();
  edited.fields[1].from = "tel";
  await page.fill("#mapping", JSON.stringify(edited, null, 2));
  assert.equal(await rows().nth(1).getByLabel("Path(s)", { exact: true }).inputValue(), "tel");
  const kept = await rows().evaluateAll((all) => all.map((row) => row.drawnBefore === true));
  assert.deepEqual(kept, edited.fields.map((_, i) => i !== 1), "every row but the edited one kept");
});

test("a broken rule is flagged at its row and at its line; broken JSON at the row of its line", async () => {
  const good = JSON.parse(await page.inputValue("#mapping"));
  const typo = structuredClone(good);
  typo.fields[2].to = "frstName";
  await page.fill("#mapping", JSON.stringify(typo, null, 2));
  await page.waitForSelector("#mapping-errors li");
  const flagged = rows().nth(2);
  assert.equal(await flagged.getAttribute("aria-invalid"), "true");
  assert.match(await flagged.locator(".row-error").textContent(), /line \d+: .*firstName/);
  const invalid = await page.locator("#mapper-rows .mapper-row.invalid").evaluateAll((rs) => rs.map((r) => `${r.dataset.pointer}: ${r.querySelector(".row-error")?.textContent}`));
  assert.deepEqual(invalid.map((r) => r.split(":")[0]), ["/fields/2"], `only that row: ${invalid}`);

  // Syntax: a comma dropped inside the fourth rule.
  const text = JSON.stringify(good, null, 2);
  const lines = text.split("\n");
  const fourth = lines.findIndex((l, i) => i > 0 && l.includes(`"to": "${good.fields[3].to}"`) && lines.slice(0, i).filter((x) => x.includes('"to":')).length === 3);
  lines[fourth] = lines[fourth].replace(/,\s*$/, "");
  await page.fill("#mapping", lines.join("\n"));
  await page.waitForSelector("#visual-mapping[data-broken=true]");
  assert.match(await page.textContent("#mapper-json-error"), /does not parse/);
  assert.equal(await rows().nth(3).getAttribute("aria-invalid"), "true", "the row at the error's line");
  assert.ok(await rows().first().getByLabel("GHL field", { exact: true }).isDisabled(), "rows wait for the JSON to be fixed");

  await page.fill("#mapping", text);
  await page.waitForSelector("#visual-mapping[data-broken=false]");
  assert.equal(await page.locator("#mapper-rows .mapper-row.invalid").count(), 0);
});

test("the last payloads the location received can be picked as the sample", async () => {
  const sent = await postForm(worker, { email: "recu@exemple.fr", prenom: "Léa", utm_campaign: "printemps" });
  assert.equal(sent.status, 202);
  await page.click("#load-location");
  await page.waitForFunction(() => document.querySelectorAll("#recent-payloads option").length > 1);
  const option = await page.locator("#recent-payloads option").nth(1).getAttribute("value");
  await page.selectOption("#recent-payloads", option);
  assert.equal(JSON.parse(await page.inputValue("#payload")).email, "recu@exemple.fr");
  assert.equal(await page.inputValue("#worker-source"), "demo");
});

test("a recipe previews its requests and is applied to the location in one step", async () => {
  await page.selectOption("#template", "recipe:web-lead-follow-up");
  await page.waitForSelector("#recipe-panel:not([hidden])");
  assert.match(await page.textContent("#recipe-panel"), /By hand: In Spot-Hit, give the group "Bienvenue"/);
  await page.waitForSelector("#verdict.good");
  const kinds = await page.locator("#requests li").evaluateAll((items) => items.map((i) => i.dataset.kind));
  assert.deepEqual(kinds, ["upsert", "tags", "note", "task"]);
  await page.click("#apply-recipe");
  await page.waitForFunction(() => /Applied/.test(document.querySelector("#worker-result").textContent));
  assert.match(await page.textContent("#worker-result"), /source demo uses its mapping and its sync rules were merged/);
  const { body: rules } = await admin(worker, "/sync-rules");
  assert.equal(JSON.parse(rules.rules).spotHit.tagGroups["welcome-sms"], "Bienvenue");
  const { body: mapping } = await admin(worker, "/mappings/demo");
  assert.match(mapping.mapping, /Call \{first_name\}/);

  // A lead through the form source now gets its call task, live.
  const lead = { prenom: "Inès", nom: "Le Guen", email: "ines.leguen@exemple.fr", tel: "0611223399", consent: "oui" };
  assert.equal((await postForm(worker, lead)).status, 202);
  const contact = await eventually(async () => (await sandbox(worker, "/__sandbox/ghl/contacts")).contacts.find((c) => c.email === lead.email && c.tasks?.length), { what: "the lead with its task" });
  assert.match(contact.tasks[0].title, /^Call Inès back$/);
  assert.ok(contact.tags.includes("welcome-sms"));
  await page.screenshot({ path: artifactPath("tester-recipe.png"), fullPage: false });
});

test("workflow, campaign and follower steps are rows too, previewed as the exact GHL calls", async () => {
  await page.selectOption("#template", "recipe:sms-reply-oui-enrol");
  await page.waitForSelector("#verdict.good");
  const kinds = async () => page.locator("#requests li").evaluateAll((items) => items.map((i) => i.dataset.kind));
  assert.deepEqual(await kinds(), ["upsert", "tags", "note", "workflow"], "the sample's \"Oui\" enrols");
  const workflowRow = page.locator("#mapper-rows [data-section=workflows] .mapper-row").first();
  assert.equal(await workflowRow.getByLabel("Workflow id", { exact: true }).inputValue(), "wf_rappel_oui");
  assert.match(await page.locator("#requests li[data-kind=workflow]").textContent(), /POST .*\/contacts\/\{contactId\}\/workflow\/wf_rappel_oui/);

  // A campaign row built from the buttons: every campaign left when the reply says stop.
  await page.getByRole("button", { name: "+ Add campaign" }).click();
  const campaign = page.locator("#mapper-rows [data-section=campaigns] .mapper-row").first();
  await campaign.getByLabel("Change", { exact: true }).selectOption("leaveAll");
  await page.waitForFunction(() => JSON.parse(document.querySelector("#mapping").value).campaigns?.[0]?.leaveAll === true);
  const row = page.locator("#mapper-rows [data-section=campaigns] .mapper-row").first();
  assert.equal(await row.getByLabel("Campaign id", { exact: true }).count(), 0, "no id for every campaign");
  await row.getByLabel("Condition", { exact: true }).selectOption("equals");
  await page.locator("#mapper-rows [data-section=campaigns] .mapper-row").first().getByLabel("Condition path", { exact: true }).fill("message");
  await page.locator("#mapper-rows [data-section=campaigns] .mapper-row").first().getByLabel("Condition path", { exact: true }).press("Tab");
  await page.locator("#mapper-rows [data-section=campaigns] .mapper-row").first().getByLabel("Condition value", { exact: true }).fill("stop");
  await page.locator("#mapper-rows [data-section=campaigns] .mapper-row").first().getByLabel("Condition value", { exact: true }).press("Tab");
  assert.deepEqual((await mappingJson()).campaigns, [{ leaveAll: true, when: { path: "message", equals: "stop" } }]);
  assert.deepEqual(await kinds(), ["upsert", "tags", "note", "workflow"], "the sample says Oui: no campaign call");

  // A follower row with an empty id list is refused at its row, as the API refuses it.
  await page.getByRole("button", { name: "+ Add followers" }).click();
  await page.waitForSelector("#mapper-rows [data-section=followers] .mapper-row.invalid");
  assert.match(await page.locator("#mapper-rows [data-section=followers] .row-error").textContent(), /one or more GHL user ids/);
  await page.locator("#mapper-rows [data-section=followers] .mapper-row").first().getByLabel("Followers (user ids)", { exact: true }).fill("usr_anne, usr_paul");
  await page.locator("#mapper-rows [data-section=followers] .mapper-row").first().getByLabel("Followers (user ids)", { exact: true }).press("Tab");
  await page.waitForSelector("#verdict.good");
  assert.deepEqual(await kinds(), ["upsert", "tags", "note", "workflow", "followers"]);
  const followers = JSON.parse(await page.locator("#requests li[data-kind=followers] pre.body").textContent());
  assert.deepEqual(followers, { followers: ["usr_anne", "usr_paul"] });
  await page.locator("#visual-mapping").screenshot({ path: artifactPath("mapper-memberships.png") });
});
