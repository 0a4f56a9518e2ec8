// The bridge's page inside GHL, in Chromium: the sandbox's GHL frame hands
// /app/ the user (REQUEST_USER_DATA), the Worker swaps it for a session
// scoped to that user's location, and a location admin connects Spot-Hit
// there (a wrong key refused with Spot-Hit's words). A session cannot reach
// another location; a replayed or tampered payload is refused; a payload
// made by an independent implementation of the cipher signs in.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import { ADMIN_TOKEN, admin, artifactPath, launchChromium, sandbox, startStack } from "./support.mjs";

let stack;
let browser;
before(async () => {
  stack = await startStack();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

const sso = (payload) => fetch(`${stack.url}/v1/sso`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ payload }) });
const userData = async (query) => (await sandbox(stack, `/__sandbox/ghl/sso?${query}`)).payload;
const asSession = (token, path, init = {}) =>
  fetch(`${stack.url}/v1/admin${path}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(init.headers ?? {}) } });

test("a location admin signs in through GHL's frame and connects Spot-Hit, a wrong key refused with Spot-Hit's words", async () => {
  for (const [name, viewport] of [["app-signed-in", { width: 1280, height: 800 }], ["app-phone", { width: 390, height: 800 }]]) {
    const page = await browser.newPage({ viewport });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${stack.sandboxUrl}/__sandbox/ghl/app?locationId=dev-location&role=admin`);
    const app = page.frameLocator("#app");
    await app.locator("#who").filter({ hasText: "Signed in by GHL" }).waitFor();
    assert.equal(await app.locator("#location-name").textContent(), "dev-location");
    assert.match(await app.locator("#who").textContent(), /you may change settings/);
    await app.locator("#spothit-state").filter({ hasText: /Connected|Not connected/ }).waitFor();
    await page.screenshot({ path: artifactPath(`${name}.png`) });
    assert.deepEqual(errors, []);
    await page.close();
  }
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${stack.sandboxUrl}/__sandbox/ghl/app?locationId=dev-location&role=admin`);
  const app = page.frameLocator("#app");
  await app.locator("#who").filter({ hasText: "Signed in by GHL" }).waitFor();
  await app.locator("#spothit-key").fill("not-a-spothit-key");
  await app.locator("#spothit-form").getByRole("button", { name: "Check and connect" }).click();
  await app.locator("#spothit-result").filter({ hasText: /API key not recognised/ }).waitFor();
  await app.locator("#spothit-key").fill("sandbox-spothit-key");
  await app.locator("#spothit-form").getByRole("button", { name: "Check and connect" }).click();
  await app.locator("#spothit-result").filter({ hasText: "Connected" }).waitFor();
  assert.match(await app.locator("#spothit-result").textContent(), /1,254 premium SMS left/, "the account's credits, as Spot-Hit answered");
  assert.match(await app.locator("#spothit-urls").textContent(), /\/v1\/hooks\/spothit\/[0-9a-f]+\/reply/);
  // Specter likewise: a wrong key refused with Specter's words, a right one with the team's credits.
  await app.locator("#specter-key").fill("not-a-specter-key");
  await app.locator("#specter-form").getByRole("button", { name: "Check and connect" }).click();
  await app.locator("#specter-result").filter({ hasText: /Specter refused the API key \(API_KEY_INVALID: the API key is not valid\): nothing was saved/ }).waitFor();
  await app.locator("#specter-key").fill("sandbox-specter-key");
  await app.locator("#specter-form").getByRole("button", { name: "Check and connect" }).click();
  await app.locator("#specter-result").filter({ hasText: /10,000 of 10,000 Specter credits this month left/ }).waitFor();
  assert.match(await app.locator("#specter-budget").textContent(), /Budget: 0 of [\d,]+ credits spent today/);
  await page.screenshot({ path: artifactPath("app-spothit-connected.png") });

  // A form source: its URL and secret once, a snippet, a test lead through the pipeline.
  await app.locator("#source-id").fill("site-devis");
  await app.getByRole("button", { name: "Create" }).click();
  await app.locator("#source-result").filter({ hasText: "site-devis is ready" }).waitFor();
  assert.match(await app.locator("#source-url").textContent(), /\/v1\/hooks\/forms\/site-devis$/);
  // Listed with the sub-account's sources from now on, by its secret's last four only.
  const listed = await app.locator("#source-list li").filter({ hasText: "site-devis" }).textContent();
  const secret = await app.locator("#source-secret").textContent();
  assert.ok(listed.includes(`secret …${secret.slice(-4)}`) && !listed.includes(secret), listed);
  const api = await admin(stack, "/locations/dev-location/sources");
  assert.deepEqual(api.body.sources.map((x) => x.sourceId), ["site-devis"]);
  assert.equal(JSON.stringify(api.body).includes(secret), false, "the API lists no secret either");
  assert.match(await app.locator("#source-secret").textContent(), /^whsec_/);
  assert.match(await app.locator("#source-snippet").textContent(), /webhook-signature/);
  assert.match(await app.locator("#source-form-snippet").textContent(), /<form method="post"[\s\S]*hash_hmac\("sha256"/);
  await app.getByRole("button", { name: "Send a test lead" }).click();
  await app.locator("#test-result").filter({ hasText: /^Done: contact \S+ created in GHL/ }).waitFor({ timeout: 30_000 });
  // Alerts to the sandbox's sink, and a test alert it receives.
  await app.locator("#alerts-url").fill(`${stack.sandboxUrl}/__sandbox/alerts`);
  await app.locator("#alerts-silent").fill("site-devis 60");
  await app.locator("#alerts-form").getByRole("button", { name: "Save" }).click();
  await app.locator("#alerts-result").filter({ hasText: /write a source id, a colon and whole minutes/ }).waitFor();
  await app.locator("#alerts-silent").fill("site-devis: 60");
  await app.locator("#alerts-error-rate").fill("35");
  await app.locator("#alerts-form").getByRole("button", { name: "Save" }).click();
  await app.locator("#alerts-result").filter({ hasText: /Saved/ }).waitFor();
  const conditions = (await admin(stack, "/locations/dev-location/alerts")).body;
  assert.deepEqual([conditions.errorRatePercent, conditions.silentAfterMinutes], [35, { "site-devis": 60 }]);
  await app.getByRole("button", { name: "Send a test alert" }).click();
  await app.locator("#alerts-result").filter({ hasText: "destination answered HTTP 200" }).waitFor();
  const received = (await sandbox(stack, "/__sandbox/alerts")).alerts;
  assert.equal(received.at(-1).body.data.condition, "test");
  await app.locator("#forms-title").scrollIntoViewIfNeeded();
  await page.screenshot({ path: artifactPath("app-form-source.png"), fullPage: true });
  await page.close();
});

test("the app's page may be framed by GHL's domains and the listed white-label ones only", async () => {
  const page = await fetch(`${stack.url}/app/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>ghl-bridge · in GHL<\/title>/);
  assert.equal(page.headers.get("content-security-policy"),
    `frame-ancestors 'self' https://app.gohighlevel.com https://*.gohighlevel.com https://app.leadconnectorhq.com https://*.leadconnectorhq.com ${stack.sandboxUrl}`);
  assert.equal((await fetch(`${stack.url}/console/`)).headers.get("content-security-policy"), null, "the other pages are the assets alone");

  // Another site (here: the same Worker under another origin) cannot frame it.
  const other = await browser.newPage();
  await other.goto(`${stack.url.replace("127.0.0.1", "localhost")}/console/`);
  await other.evaluate((src) => {
    const frame = document.createElement("iframe");
    frame.src = src;
    document.body.append(frame);
  }, `${stack.url}/app/`);
  await new Promise((r) => setTimeout(r, 1500));
  const child = other.frames().find((f) => f !== other.mainFrame());
  assert.ok(child, "the frame exists");
  assert.equal(await child.locator("#who").count(), 0, `blocked, not shown (${child.url()})`);
  await other.close();
});

test("a location user's session sees its location only, and only to look", async () => {
  const answer = await sso(await userData("locationId=dev-location&role=user"));
  assert.equal(answer.status, 200);
  const session = await answer.json();
  assert.deepEqual(session.locations, ["dev-location"]);
  assert.equal(session.role, "user");
  assert.match(session.token, /^ses_/);
  assert.equal((await asSession(session.token, "/locations/dev-location/events")).status, 200);
  for (const path of ["/locations/dev-location-2/events", "/locations/dev-location-2/connections", "/locations/dev-location-2/sources", "/usage", "/events"]) {
    assert.equal((await asSession(session.token, path)).status, 403, path);
  }
  const listed = await (await asSession(session.token, "/locations")).json();
  assert.deepEqual(listed.locations.map((l) => l.id), ["dev-location"]);
  const change = await asSession(session.token, "/locations/dev-location/conversation-provider", { method: "PUT", body: JSON.stringify({ enabled: true }) });
  assert.equal(change.status, 403);
  assert.equal((await change.json()).error.code, "read_only");
});

test("a replayed, tampered or foreign payload is refused; a location without the app is named", async () => {
  const payload = await userData("locationId=dev-location&role=admin");
  assert.equal((await sso(payload)).status, 200);
  const replayed = await sso(payload);
  assert.equal(replayed.status, 401);
  assert.equal((await replayed.json()).error.code, "payload_used");
  const fresh = await userData("locationId=dev-location&role=admin");
  const raw = Buffer.from(fresh, "base64");
  raw[raw.length - 5] ^= 0x40;
  assert.equal((await sso(raw.toString("base64"))).status, 401, "one byte changed");
  const notInstalled = await sso(await userData("locationId=dev-location-3&role=admin"));
  assert.equal(notInstalled.status, 403);
  assert.match((await notInstalled.json()).error.message, /dev-location-3 has not installed the app/);
});

test("a payload encrypted by Python's cryptography with OpenSSL's key derivation signs in", async () => {
  const script = `
import base64, hashlib, json, os, sys
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
secret, salt = b"dev-sso-shared-secret", os.urandom(8)
d, out = b"", b""
while len(out) < 48:
    d = hashlib.md5(d + secret + salt).digest(); out += d
user = json.dumps({"userId": "py-user", "companyId": "dev-company", "role": "admin", "type": "location", "activeLocation": "dev-location"}).encode()
padder = padding.PKCS7(128).padder()
enc = Cipher(algorithms.AES(out[:32]), modes.CBC(out[32:48])).encryptor()
body = enc.update(padder.update(user) + padder.finalize()) + enc.finalize()
print(base64.b64encode(b"Salted__" + salt + body).decode())
`;
  const payload = execFileSync("python3", ["-c", script]).toString().trim();
  const answer = await sso(payload);
  assert.equal(answer.status, 200, await answer.clone().text());
  assert.deepEqual((await answer.json()).locations, ["dev-location"]);
});

test("health, automations and the mapper, inside the page: the console framed with the GHL session, rules as rows, a recipe in one click", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${stack.sandboxUrl}/__sandbox/ghl/app?locationId=dev-location&role=admin`);
  const app = page.frameLocator("#app");
  await app.locator("#who").filter({ hasText: "Signed in by GHL" }).waitFor();

  // The console's location view, framed, signed in with the page's session (no token typed).
  const health = app.frameLocator("#console-frame");
  await health.locator("#location-title").filter({ hasText: "dev-location" }).waitFor({ timeout: 20_000 });
  assert.ok(await health.locator("#login").isHidden(), "no token form inside GHL");
  await health.locator("#dead-letters").waitFor();

  // Sync rules as rows: a tag → group row saved, a refused sender shown with where it is wrong.
  await app.locator("[data-add=tagGroups]").click();
  const row = app.locator("[data-rules=tagGroups] .rules-rows .row-form").last();
  await row.getByLabel("GHL tag").fill("client-app");
  await row.getByLabel("Spot-Hit group").fill("Clients App");
  await app.getByRole("button", { name: "Save the rules" }).click();
  await app.locator("#rules-result").filter({ hasText: "Saved" }).waitFor();
  const saved = JSON.parse((await admin(stack, "/locations/dev-location/sync-rules")).body.rules);
  assert.equal(saved.spotHit.tagGroups["client-app"], "Clients App");
  await app.locator("[data-add=taskCompleted]").click();
  const task = app.locator("[data-rules=taskCompleted] .rules-rows .row-form").last();
  await task.getByLabel("SMS").fill("Merci {firstName}");
  await task.getByLabel("Sender").fill("UnNomTropLong");
  await app.getByRole("button", { name: "Save the rules" }).click();
  await app.locator("#rules-result").filter({ hasText: /sender` is over 11 characters/ }).waitFor();
  await task.getByRole("button", { name: "Remove" }).click();

  // A recipe in one click: the reply mapping that enrols a "oui" in a workflow.
  await app.locator("#recipe-pick").selectOption("sms-reply-oui-enrol");
  assert.match(await app.locator("#recipe-about").textContent(), /wf_rappel_oui/);
  await app.locator("#recipe-form").getByRole("button", { name: "Apply" }).click();
  await app.locator("#recipe-result").filter({ hasText: /Applied "SMS reply OUI: enrol in a workflow"/ }).waitFor();
  const mapping = await admin(stack, "/locations/dev-location/mappings/spothit-reply");
  assert.match(mapping.body.mapping, /wf_rappel_oui/);
  await app.locator("#automations-title").scrollIntoViewIfNeeded();
  await page.screenshot({ path: artifactPath("app-automations.png") });

  // The mapper opens in a new tab for that source, signed in as the page is (the token in no URL).
  await app.locator("#mapper-source").selectOption("spothit-reply");
  const [mapper] = await Promise.all([page.waitForEvent("popup"), app.getByRole("button", { name: "Open in the visual mapper" }).click()]);
  await mapper.waitForSelector("#worker-result.good", { timeout: 20_000 });
  assert.match(await mapper.textContent("#worker-result"), /custom fields of dev-location/);
  assert.match(await mapper.inputValue("#mapping"), /wf_rappel_oui/, "the source's saved mapping");
  assert.equal(await mapper.inputValue("#worker-source"), "spothit-reply");
  assert.doesNotMatch(mapper.url(), /ses_|token/);
  await mapper.screenshot({ path: artifactPath("app-mapper-tab.png") });
  await mapper.close();

  await app.locator("#health-title").scrollIntoViewIfNeeded();
  await page.screenshot({ path: artifactPath("app-health.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 800 });
  await app.locator("#automations-title").scrollIntoViewIfNeeded();
  await page.screenshot({ path: artifactPath("app-automations-phone.png") });
  assert.deepEqual(errors, []);
  await page.close();
});
