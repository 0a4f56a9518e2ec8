// The operations console in a real headless Chromium, served by the Worker at
// /console/: the locations with their health, one location's chart, a parked
// event found by the filter, replayed, and seen done.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_TOKEN, admin, artifactPath, eventually, ghl, launchChromium, postForm, startStack } from "./support.mjs";

let worker;
let browser;
let parkedKey;
before(async () => {
  worker = await startStack();
  browser = await launchChromium();
  // A few leads done, and one parked (a mapping naming a custom field the location lacks).
  for (const i of [1, 2, 3]) assert.equal((await postForm(worker, { email: `console${i}@exemple.fr`, tel: `061122334${i}` })).status, 202);
  const broken = '{"version": 1, "fields": [{"to": "email", "from": "email"}, {"to": "customField.budjet", "from": "b"}]}';
  await admin(worker, "/mappings/console-src", { method: "PUT", body: broken });
  const sent = await fetch(`${worker.url}/v1/admin/sources/console-src/test-event`, {
    method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ email: "parked@exemple.fr", b: "3" }),
  });
  parkedKey = (await sent.json()).eventId;
  await eventually(async () => (await admin(worker, "/dead-letters")).body.deadLetters.some((e) => e.key === parkedKey), { what: "the parked event" });
  await eventually(async () => (await admin(worker, "/events?status=done")).body.events.length >= 3, { what: "three leads done" });
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

test("the console lists the locations with their health, opens one, finds, replays and sees a parked event done", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${worker.url}/console/`);
  await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "Open" }).click();
  await page.waitForSelector("#locations tbody tr");
  const row = page.locator('#locations tr[data-location="dev-location"]');
  assert.match(await row.textContent(), /connected/);
  assert.match(await row.textContent(), /3 done/);
  assert.equal((await row.locator("td").nth(3).textContent()).trim(), "1", "one dead letter");
  assert.ok(await row.evaluate((r) => r.classList.contains("unhealthy")), "a location with a dead letter is flagged");
  assert.equal(await page.evaluate(() => sessionStorage.getItem("ghl-bridge-admin-token")), ADMIN_TOKEN);
  assert.ok(!page.url().includes(ADMIN_TOKEN), "never in the URL");
  await page.screenshot({ path: artifactPath("console-locations.png") });

  await row.locator("a").click();
  await page.waitForSelector("#location-view:not([hidden])");
  await page.waitForSelector("#chart canvas");
  await page.waitForSelector("#dead-letters .dead-group");
  assert.equal(await page.locator("#chart").getAttribute("data-events"), "4", "the chart has this week's events");
  assert.match(await page.textContent("#dead-letters"), /1 × .*budjet/);
  await page.screenshot({ path: artifactPath("console-location.png"), fullPage: true });

  // The parked event, by the status filter; its detail; replayed after a fix.
  await page.selectOption("#filter-status", "parked");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForFunction(() => document.querySelectorAll("#events tbody tr").length === 1);
  await page.click(`#events tr[data-key="${parkedKey}"]`);
  await page.waitForSelector("#event-detail:not([hidden])");
  assert.match(await page.textContent("#event-payload"), /parked@exemple\.fr/);
  assert.match(await page.textContent("#event-facts"), /the one saved for console-src/);
  assert.match(await page.textContent("#event-requests"), /No GHL request sent yet/, "it parked before writing");
  await page.waitForFunction(() => /customField\.budjet/.test(document.querySelector("#event-fields").textContent));
  const fields = await page.locator("#event-fields tbody tr").allTextContents();
  assert.ok(fields.includes("emailemail → email (automatic)parked@exemple.frparked@exemple.fr"), JSON.stringify(fields));
  await admin(worker, "/mappings/console-src", { method: "DELETE" });
  await page.getByRole("button", { name: "Replay this event" }).click();
  await eventually(async () => (await admin(worker, "/events?status=done")).body.events.some((e) => e.key === parkedKey), { what: "the replayed event done" });
  await page.reload(); // the token is kept for the tab: the console opens where it was
  await page.waitForSelector("#location-view:not([hidden])");
  await page.waitForSelector("#chart canvas");
  await page.selectOption("#filter-status", "done");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForSelector(`#events tr[data-key="${parkedKey}"][data-status="done"]`);
  await page.waitForFunction(() => /None/.test(document.querySelector("#dead-letters").textContent));

  // By e-mail, as the core normalises it; its detail lists each GHL request.
  await page.selectOption("#filter-status", "");
  await page.fill("#filter-contact", " Console2@Exemple.fr ");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForFunction(() => document.querySelectorAll("#events tbody tr").length === 1);
  await page.click("#events tbody tr");
  await page.waitForFunction(() => /POST \/ghl\/contacts\/upsert/.test(document.querySelector("#event-requests").textContent));
  const requests = await page.locator("#event-requests tbody tr").allTextContents();
  assert.ok(requests.length >= 2 && requests.every((r) => /20[01]$/.test(r)), JSON.stringify(requests));
  assert.match(await page.textContent("#event-facts"), /built-in web-form/);
  await page.waitForFunction(() => /phone/.test(document.querySelector("#event-fields").textContent));
  await page.screenshot({ path: artifactPath("console-event.png"), fullPage: false });
  // The Worker's search, on every page: a phone however written; nonsense is a 400.
  const byPhone = (await admin(worker, `/events?contact=${encodeURIComponent("+33 6.11.22.33.41")}`)).body.events;
  assert.deepEqual(byPhone.map((e) => JSON.parse(e.payload).email), ["console1@exemple.fr"]);
  const bad = await admin(worker, "/events?contact=bonjour");
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /neither an e-mail nor a phone/);
  assert.deepEqual(errors, []);
});

test("the console reads well at a phone's width", async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(`${worker.url}/console/`);
  await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "Open" }).click();
  await page.waitForSelector("#locations tbody tr").catch(async (e) => {
    throw new Error(`${e.message}; the console said: ${await page.textContent("#console-status")}`);
  });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no sideways scrolling of the page (${overflow}px)`);
  await page.screenshot({ path: artifactPath("console-phone.png"), fullPage: true });
});

test("sync back: each GHL change's actions, and what is left to a person as a checklist", async () => {
  const rules = { version: 1, spotHit: { tagGroups: { vip: "Clients VIP" } } };
  assert.equal((await admin(worker, "/sync-rules", { method: "PUT", body: JSON.stringify(rules) })).status, 200);
  const made = await ghl(worker, "POST", "/contacts/", { locationId: "dev-location", firstName: "Zoé", email: "zoe@exemple.fr", phone: "+33622113344" });
  const id = made.body.contact.id;
  await ghl(worker, "POST", `/contacts/${id}/tags`, { tags: ["vip"] });
  await eventually(async () => (await admin(worker, "/ghl-events")).body.events.find((e) => e.contactId === id && e.sync?.status === "done"), { what: "the tag synced" });
  await ghl(worker, "DELETE", `/contacts/${id}/tags`, { tags: ["vip"] });
  await eventually(async () => (await admin(worker, "/ghl-events")).body.events.find((e) => e.contactId === id && e.sync?.results?.some((r) => r.includes("by hand"))), { what: "the removal reported" });

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${worker.url}/console/#/location/dev-location`);
  await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "Open" }).click();
  await page.waitForSelector("#sync-back li");
  assert.match(await page.textContent("#sync-back"), /add \+33622113344 to the Spot-Hit group "Clients VIP"/);
  const step = page.getByLabel(/remove \+33622113344 from the Spot-Hit group "Clients VIP" by hand/);
  await step.check();
  await page.reload();
  await page.waitForSelector("#sync-back li");
  assert.ok(await page.getByLabel(/remove \+33622113344 from the Spot-Hit group/).isChecked(), "the tick is kept");
});
