// The mapping tester page in a real headless Chromium, served by the Worker.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { ADMIN_TOKEN, admin, artifactPath, eventually, launchChromium, sandbox, startStack } from "./support.mjs";

let worker;
let browser;
before(async () => {
  worker = await startStack();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

test("pick a template, see the requests, break the mapping, see the error at its line", async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${worker.url}/`);
  await page.waitForSelector("#status.ok", { timeout: 15_000 });

  // The default template (web form) with its sample: an upsert first, phone in E.164.
  await page.waitForSelector("#requests li");
  assert.equal(await page.locator("#requests li").first().getAttribute("data-kind"), "upsert");
  assert.match(await page.locator("#requests li .url").first().textContent(), /\/contacts\/upsert$/);
  const body = JSON.parse(await page.locator("#requests li pre.body").first().textContent());
  assert.equal(body.phone, "+33612345678");
  assert.equal(body.tags, undefined, "tags go through add-tags, never the upsert");
  assert.match(await page.locator("#requests li .headers").first().textContent(), /Authorization: Bearer \*\*\*\*/);
  assert.match(await page.textContent("#verdict"), /Ready: 3 GHL calls/);

  // Another template: the plan changes.
  await page.selectOption("#template", "spothit-reply");
  const kinds = await page.locator("#requests li").evaluateAll((items) => items.map((i) => i.dataset.kind));
  assert.deepEqual(kinds, ["upsert", "tags", "note", "task"]);

  // A typo in the mapping is flagged at its line, live.
  const mapping = await page.inputValue("#mapping");
  const line = mapping.split("\n").findIndex((l) => l.includes('"to": "phone"')) + 1;
  assert.ok(line > 0);
  await page.fill("#mapping", mapping.replace('"to": "phone"', '"to": "phon"'));
  await page.waitForSelector("#mapping-errors li");
  assert.equal(await page.locator("#mapping-errors li").first().getAttribute("data-line"), String(line));
  assert.match(await page.textContent("#mapping-errors"), /Did you mean `phone`\?/);
  assert.equal(await page.locator("#requests li").count(), 0, "no requests from an invalid mapping");
  await page.screenshot({ path: artifactPath("mapping-tester-error.png"), fullPage: false });

  // Fixed again: the requests come back. A payload without identity says why.
  await page.fill("#mapping", mapping);
  await page.waitForSelector("#requests li");
  await page.fill("#payload", "message=hello");
  assert.match(await page.textContent("#verdict"), /Would not sync: .*neither a valid e-mail nor a valid phone/);

  await page.selectOption("#template", "web-form");
  await page.waitForSelector("#verdict.good");
  const ms = Number(await page.evaluate(() => document.body.dataset.previewMs));
  assert.ok(ms >= 0);
  await page.screenshot({ path: artifactPath("mapping-tester.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

async function openPage() {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${worker.url}/`);
  await page.waitForSelector("#status.ok", { timeout: 15_000 });
  return { page, errors };
}

const count = (page, key) => page.locator(`#batch-counts [data-count=${key}] strong`).textContent().then(Number);

test("a CSV shows every row's outcome and the counts; existing contacts turn a create into an update", async () => {
  const { page, errors } = await openPage();
  await page.selectOption("#template", "spothit-contacts-csv");
  await page.waitForSelector("#batch:not([hidden]) #batch-rows tbody tr");
  assert.equal(await count(page, "rows"), 5);
  assert.equal(await count(page, "create"), 3);
  assert.equal(await count(page, "duplicateInFile"), 1);
  assert.equal(await count(page, "invalid"), 1);
  assert.equal(await count(page, "update"), 0);
  const invalid = page.locator("#batch-rows tr[data-action=invalid]");
  assert.equal(await invalid.getAttribute("data-line"), "5");
  assert.match(await invalid.textContent(), /neither a valid e-mail nor a valid phone/);
  assert.match(await page.locator("#batch-rows tr[data-line='4']").textContent(), /same person as line 2/);

  // The single preview follows the row clicked.
  await page.click("#batch-rows tr[data-line='3']");
  assert.match(await page.textContent("#verdict"), /^Line 3: Ready: 2 GHL calls\.$/);
  const body = JSON.parse(await page.locator("#requests li pre.body").first().textContent());
  assert.equal(body.email, "jean.martin@exemple.fr");

  // Jean already exists in the location: his row becomes an update of that contact.
  await page.click("#existing-panel summary");
  await page.fill("#existing", JSON.stringify({ contacts: [{ id: "ghl-jean", email: "Jean.Martin@exemple.fr" }] }));
  await eventually(async () => (await count(page, "update")) === 1, { what: "the update count", timeoutMs: 5000 });
  assert.equal(await count(page, "create"), 2);
  assert.match(await page.textContent("#verdict"), /updates contact ghl-jean \(matched by e-mail\)/);
  await page.screenshot({ path: artifactPath("mapping-tester-csv.png"), fullPage: true });

  // A broken CSV says which line.
  await page.fill("#payload", "email,mobile\na@b.fr,0612345678,extra\n");
  await page.waitForSelector("#batch-counts li.bad");
  assert.match(await page.textContent("#batch-counts"), /line 2 has 3 cells but the header names 2 columns/);
  assert.deepEqual(errors, []);
});

test("save and load the mapping as a file", async () => {
  const { page, errors } = await openPage();
  const mapping = await page.inputValue("#mapping");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#save-mapping")]);
  assert.equal(download.suggestedFilename(), "web-form.json");
  const saved = readFileSync(await download.path(), "utf8");
  assert.equal(saved, mapping);

  await page.selectOption("#template", "spothit-stop");
  assert.notEqual(await page.inputValue("#mapping"), mapping);
  await page.setInputFiles("#load-mapping", { name: "mine.json", mimeType: "application/json", buffer: Buffer.from(saved) });
  await eventually(async () => (await page.inputValue("#mapping")) === mapping, { what: "the loaded mapping", timeoutMs: 5000 });
  assert.deepEqual(errors, []);
});

test("push the mapping to the Worker and send a test event through BridgeClient", async () => {
  const { page, errors } = await openPage();
  await page.click("#worker-panel summary");
  assert.equal(await page.inputValue("#worker-url"), worker.url);
  await page.fill("#worker-source", "page-test");

  // A wrong token: the Worker's own message.
  await page.fill("#worker-token", "not-the-token");
  await page.click("#push-mapping");
  await page.waitForSelector("#worker-result.bad");
  assert.match(await page.textContent("#worker-result"), /bad_token: the admin token is wrong/);

  // An invalid mapping is refused with its lines; nothing is saved.
  await page.fill("#worker-token", ADMIN_TOKEN);
  const mapping = await page.inputValue("#mapping");
  await page.fill("#mapping", mapping.replace('"to": "phone"', '"to": "phon"'));
  await page.click("#push-mapping");
  await page.waitForSelector("#worker-result.bad >> text=invalid_mapping");
  assert.match(await page.textContent("#worker-result"), /line \d+: .*Did you mean `phone`/);
  assert.equal((await admin(worker, "/mappings/page-test")).body.mapping, null);

  // The right mapping with a tag that proves the Worker used it.
  const tagged = mapping.replace('"tags": [', '"tags": [{ "value": "pushed-from-page" }, ');
  assert.notEqual(tagged, mapping);
  await page.fill("#mapping", tagged);
  await page.click("#push-mapping");
  await page.waitForSelector("#worker-result.good");
  assert.equal((await admin(worker, "/mappings/page-test")).body.mapping, tagged);

  await page.click("#send-test");
  await page.waitForSelector("#worker-result.good >> text=Queued as event");
  const contact = await eventually(async () => {
    const { contacts } = await sandbox(worker, "/__sandbox/ghl/contacts");
    return contacts.find((c) => c.email === "jean-pierre.delatour@example.fr" && c.tags.includes("pushed-from-page"));
  }, { what: "the test event's contact in GHL" });
  assert.equal(contact.phone, "+33612345678");

  // The same test again is recognised, not synced twice.
  await page.click("#send-test");
  await page.waitForSelector("#worker-result >> text=Already received");
  const { contacts } = await sandbox(worker, "/__sandbox/ghl/contacts");
  assert.equal(contacts.filter((c) => c.email === "jean-pierre.delatour@example.fr").length, 1);
  await page.screenshot({ path: artifactPath("mapping-tester-worker.png"), fullPage: false });
  assert.deepEqual(errors, []);
});
