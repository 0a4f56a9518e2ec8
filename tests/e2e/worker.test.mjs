// The Worker skeleton, running in workerd: health, the JSON error shape, the page.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { artifactPath, launchChromium, startWorker } from "./support.mjs";

let worker;
before(async () => {
  // The least a sound deployment has: against the real GHL API, secrets are
  // never stored in clear, so SECRETS_KEY is required (config.test.mjs).
  worker = await startWorker(undefined, { SECRETS_KEY: "ZTJlLXNlY3JldHMta2V5LW9mLTMyLWJ5dGVzLW9rISE=" });
});
after(async () => {
  await worker?.stop();
});

describe("routes", () => {
  test("GET /health answers ok with the service and the catalogue size", async () => {
    const res = await fetch(`${worker.url}/health`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /application\/json/);
    const body = await res.json();
    assert.equal(body.status, "ok");
    assert.equal(body.service, "ghl-bridge");
    assert.equal(body.ghlEndpoints, 38);
  });

  test("an unknown route is a JSON 404 that names the route", async () => {
    const res = await fetch(`${worker.url}/v1/nope?x=1`, { method: "POST", body: "{}" });
    assert.equal(res.status, 404);
    assert.match(res.headers.get("content-type"), /application\/json/);
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ["error"]);
    assert.equal(body.error.code, "not_found");
    assert.match(body.error.message, /POST \/v1\/nope/);
  });

  test("a wrong method on /health is a JSON 405", async () => {
    const res = await fetch(`${worker.url}/health`, { method: "DELETE" });
    assert.equal(res.status, 405);
    const body = await res.json();
    assert.equal(body.error.code, "method_not_allowed");
  });
});

describe("the page at /", () => {
  test("is served by the Worker and lists the catalogue from the wasm core", async () => {
    const html = await fetch(`${worker.url}/`).then((r) => r.text());
    assert.match(html, /ghl-bridge/);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${worker.url}/`);
      await page.waitForSelector("#status.ok", { timeout: 15_000 });
      assert.match(await page.textContent("#status"), /38 endpoints/);
      assert.equal(await page.locator("tr[data-endpoint]").count(), 38);
      const upsert = page.locator('tr[data-endpoint="contacts.upsert"]');
      assert.equal(await upsert.locator("td.path").textContent(), "/contacts/upsert");
      assert.equal(await upsert.locator("td.method").textContent(), "POST");
      const removeTags = page.locator('tr[data-endpoint="tags.remove"] td.method');
      assert.equal(await removeTags.textContent(), "DELETE");
      assert.ok((await page.locator(".badge.uncertain").count()) >= 3);
      await page.screenshot({ path: artifactPath("catalogue.png"), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
