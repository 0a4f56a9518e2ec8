// The mapping tester page in a real headless Chromium, served by the Worker.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { artifactPath, launchChromium, startWorker } from "./support.mjs";

let worker;
let browser;
before(async () => {
  worker = await startWorker();
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
