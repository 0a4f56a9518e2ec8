// One deployment serving an agency: a bulk install of the sandbox agency's three
// locations (company token, installed locations, a location token each), form
// sources per location that land in their own location only, location tokens
// that see one location, and location tokens minted again, once, on expiry.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { admin, artifactPath, eventually, launchChromium, postForm, sandbox, startStack } from "./support.mjs";

const LOCATIONS = ["dev-location", "dev-location-2", "dev-location-3"];
let stack;
let sourceSecret;
before(async () => {
  stack = await startStack((sandboxUrl) => ({
    GHL_TOKEN: null,
    GHL_CLIENT_ID: "sandbox-client",
    GHL_CLIENT_SECRET: "sandbox-secret",
    GHL_OAUTH_AUTHORIZE_URL: `${sandboxUrl}/ghl/oauth/chooselocation`,
  }));
  await sandbox(stack, "/__sandbox/config", { accessTokenTtlSecs: 4 });
});
after(async () => stack?.stop());

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const lastSeq = async () => Math.max(0, ...(await sandbox(stack, "/__sandbox/requests")).requests.map((r) => r.seq));
const withToken = async (token, path, init = {}) => {
  const res = await fetch(`${stack.url}/v1/admin${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
  return { status: res.status, body: await res.json() };
};
const contactsOf = async (location) => (await sandbox(stack, `/__sandbox/ghl/contacts?locationId=${location}`)).contacts;

test("a bulk install connects every location of the agency", async () => {
  const installed = await fetch(`${stack.url}/oauth/start`); // chooser -> callback, followed
  const body = await installed.json();
  assert.equal(installed.status, 200, JSON.stringify(body));
  assert.equal(body.installed, true);
  assert.deepEqual([...body.locations].sort(), LOCATIONS);
  assert.ok(!JSON.stringify(body).includes("sbx-"), "no token in the answer");
  const { body: list } = await admin(stack, "/locations");
  for (const id of LOCATIONS) {
    const entry = list.locations.find((l) => l.id === id);
    assert.ok(entry, `${id} listed: ${JSON.stringify(list)}`);
    assert.equal(entry.connected, true);
    assert.equal(entry.auth, "oauth");
  }
  assert.equal(list.locations.find((l) => l.id === "dev-location-2").name, "Dev Location 2");
  // The sandbox sent an INSTALL per location before the code exchange: each answered 2xx.
  const installs = await eventually(async () => {
    const sent = (await sandbox(stack, "/__sandbox/webhooks")).webhooks.filter((w) => w.eventType === "INSTALL");
    return sent.length === 3 && sent.every((w) => w.status) ? sent : null;
  }, { what: "three INSTALL webhooks delivered" });
  assert.ok(installs.every((w) => w.status === 200), JSON.stringify(installs));
});

test("an agency user signed in by GHL sees its company's three locations, and not another company's", async () => {
  const sso = async (query) => {
    const { payload } = await sandbox(stack, `/__sandbox/ghl/sso?${query}`);
    return fetch(`${stack.url}/v1/sso`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ payload }) });
  };
  const agency = await sso("type=agency&role=admin&companyId=dev-company");
  const session = await agency.json();
  assert.equal(agency.status, 200, JSON.stringify(session));
  assert.deepEqual([...session.locations].sort(), LOCATIONS);
  const listed = await withToken(session.token, "/locations");
  assert.deepEqual(listed.body.locations.map((l) => l.id).sort(), LOCATIONS);
  // The console's overview, framed in the app page, reads the same list with each one's health.
  const overview = await withToken(session.token, "/locations?healthHours=24");
  assert.deepEqual(overview.body.locations.map((l) => l.id).sort(), LOCATIONS);
  assert.ok(overview.body.locations.every((l) => l.health), JSON.stringify(overview.body));
  const other = await sso("type=agency&role=admin&companyId=another-company");
  assert.equal(other.status, 403);
  assert.match((await other.json()).error.message, /company another-company has not installed the app/);
});

test("inside GHL, an agency user has a tab per sub-account and the console's overview of its own company", async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${stack.sandboxUrl}/__sandbox/ghl/app?type=agency&companyId=dev-company&role=admin`);
    const app = page.frameLocator("#app");
    await app.locator("#who").filter({ hasText: "Signed in by GHL" }).waitFor();
    const tabs = await app.locator("#location-tabs button").allTextContents();
    assert.deepEqual(tabs, ["All sub-accounts", ...LOCATIONS]);
    await app.getByRole("button", { name: "All sub-accounts" }).click();
    const overview = app.frameLocator("#overview-frame");
    await overview.locator("#locations tbody tr").first().waitFor({ timeout: 20_000 });
    const rows = await overview.locator("#locations tbody tr td:first-child").allTextContents();
    assert.equal(rows.length, 3, `its company's three only: ${rows}`);
    for (const id of LOCATIONS) assert.ok(rows.some((r) => r.includes(id)), `${id} in ${rows}`);
    await page.screenshot({ path: artifactPath("app-agency-overview.png") });
    await app.getByRole("button", { name: "dev-location-2" }).click();
    await app.frameLocator("#console-frame").locator("#location-title").filter({ hasText: "dev-location-2" }).waitFor({ timeout: 20_000 });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("a form source of one location lands there only, and a source id belongs to one location", async () => {
  const created = await admin(stack, "/locations/dev-location-2/sources/agency-form-2", { method: "PUT", body: JSON.stringify({ kind: "form" }) });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const secret = created.body.signingSecret;
  assert.match(secret, /^whsec_/);
  sourceSecret = secret;
  assert.equal(created.body.urlPath, "/v1/hooks/forms/agency-form-2");
  const shown = await admin(stack, "/locations/dev-location-2/sources/agency-form-2");
  assert.equal(shown.body.signingSecret, undefined, "the secret is answered once");
  assert.equal(shown.body.signingSecretLast4, secret.slice(-4));
  const taken = await admin(stack, "/locations/dev-location-3/sources/agency-form-2", { method: "PUT", body: JSON.stringify({ kind: "form" }) });
  assert.equal(taken.status, 409);
  assert.equal(taken.body.error.code, "source_taken");

  const sent = await postForm(stack, { full_name: "Agnès Martin", email: "agence2@exemple.fr", tel: "0611223344" }, { source: "agency-form-2", secret });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const contact = await eventually(async () => (await contactsOf("dev-location-2")).find((c) => c.email === "agence2@exemple.fr"), { what: "the contact in dev-location-2" });
  assert.equal(contact.firstName, "Agnès");
  for (const other of ["dev-location", "dev-location-3"]) {
    assert.ok(!(await contactsOf(other)).some((c) => c.email === "agence2@exemple.fr"), `nothing written in ${other}`);
  }
  await eventually(async () => (await admin(stack, "/locations/dev-location-2/events")).body.events.find((e) => e.key === sent.body.eventId && e.status === "done"), { what: "the event done in dev-location-2" });
  assert.ok(!(await admin(stack, "/events")).body.events.some((e) => e.key === sent.body.eventId), "not in the default location's events");
  const wrong = await postForm(stack, { email: "x@exemple.fr" }, { source: "agency-form-2" });
  assert.equal(wrong.status, 401, "signed with another secret");
});

test("a Spot-Hit account per location: its callback URLs land there, its key is never answered", async () => {
  const key = "sh-location-2-key-9876";
  const put = await admin(stack, "/locations/dev-location-2/connections/spothit", { method: "PUT", body: JSON.stringify({ apiKey: key }) });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.connected, true);
  assert.equal(put.body.apiKeyLast4, "9876");
  assert.ok(!JSON.stringify(put.body).includes(key), "the key is not answered");
  const { reply, status } = put.body.callbackUrls;
  assert.match(reply, new RegExp(`^${stack.url}/v1/hooks/spothit/[0-9a-f]{32}/reply$`));
  assert.equal(status.replace("/status", ""), reply.replace("/reply", ""));
  const shown = await admin(stack, "/locations/dev-location-2/connections");
  assert.equal(shown.body.spothit.callbackUrls, undefined, "the URLs are answered when connecting only");
  assert.equal(shown.body.spothit.pathTokenLast4, reply.split("/").at(-2).slice(-4));
  assert.equal(shown.body.specter.connected, false);
  const specter = await admin(stack, "/locations/dev-location-2/connections/specter", { method: "PUT", body: JSON.stringify({ apiKey: "specter-loc2-5555" }) });
  assert.equal(specter.body.apiKeyLast4, "5555");
  const bad = await admin(stack, "/locations/dev-location-2/connections/mailchimp", { method: "PUT", body: "{}" });
  assert.equal(bad.status, 404);

  const callback = await fetch(`${reply}?numero=%2B33622334455&message=Bonjour%20agence&id=55001&date=1795341600`);
  assert.equal(callback.status, 202, await callback.text());
  const contact = await eventually(async () => (await contactsOf("dev-location-2")).find((c) => c.phone === "+33622334455" && c.notes?.length), { what: "the reply's contact and note in dev-location-2" });
  assert.match(contact.notes[0].body, /Bonjour agence/);
  for (const other of ["dev-location", "dev-location-3"]) {
    assert.ok(!(await contactsOf(other)).some((c) => c.phone === "+33622334455"), `nothing written in ${other}`);
  }
  const events = (await admin(stack, "/locations/dev-location-2/events?source=spothit-reply")).body.events;
  assert.equal(events.length, 1);

  const off = await admin(stack, "/locations/dev-location-2/connections/spothit", { method: "DELETE" });
  assert.equal(off.body.connected, false);
  const refused = await fetch(`${reply}?numero=%2B33622334455&message=encore&id=55002`);
  assert.equal(refused.status, 401, "a disconnected account's URLs stop working");
  const again = await admin(stack, "/locations/dev-location-2/connections/spothit", { method: "PUT", body: JSON.stringify({ apiKey: key }) });
  assert.notEqual(again.body.callbackUrls.reply, reply, "a new connection has new URLs");
});

test("a location token sees its location and nothing else", async () => {
  const minted = await admin(stack, "/locations/dev-location-2/tokens", { method: "POST" });
  assert.equal(minted.status, 201);
  const { token } = minted.body;
  assert.equal((await withToken(token, "/locations/dev-location-2/events")).status, 200);
  for (const path of ["/locations/dev-location/events", "/locations", "/events", "/locations/dev-location-3/sources/x"]) {
    const denied = await withToken(token, path);
    assert.equal(denied.status, 403, path);
  }
  assert.equal((await withToken(token, "/locations/dev-location-2/tokens", { method: "POST" })).status, 403);
  assert.equal((await withToken("loc_nope", "/locations/dev-location-2/events")).status, 403);
});

test("ten concurrent callers after a location token expired cause one new location token", async () => {
  await sleep(4_500);
  const since = await lastSeq();
  const answers = await Promise.all(Array.from({ length: 10 }, () => admin(stack, "/locations/dev-location-3/ghl-connection")));
  assert.ok(answers.every((a) => a.body.connected === true), JSON.stringify(answers.map((a) => a.body)));
  const calls = (await sandbox(stack, `/__sandbox/requests?since=${since}`)).requests;
  const minted = calls.filter((r) => r.path === "/ghl/oauth/locationToken");
  assert.equal(minted.length, 1, JSON.stringify(calls));
  assert.ok(calls.filter((r) => r.path === "/ghl/oauth/token").length <= 1, "the agency token refreshed once at most");
});

test("an UNINSTALL stops every write; a re-install resumes with the location's settings intact", async () => {
  await sandbox(stack, "/__sandbox/ghl/uninstall", { locationId: "dev-location-2" });
  await eventually(async () => {
    const { body } = await admin(stack, "/locations");
    return body.locations.find((l) => l.id === "dev-location-2")?.connected === false;
  }, { what: "dev-location-2 disconnected" });
  const source = (await admin(stack, "/locations/dev-location-2/sources/agency-form-2")).body;
  const since = await lastSeq();
  // The source keeps its secret; the uninstall must not make this a 401.
  const created = await admin(stack, "/locations/dev-location-2/sources/agency-form-2", { method: "PUT", body: JSON.stringify({ kind: "form", signingSecret: "whsec_Z2hsLWJyaWRnZS1hZ2VuY3ktc2VjcmV0" }) });
  assert.equal(created.status, 200);
  assert.equal(source.signingSecretLast4.length, 4);
  const secret = "whsec_Z2hsLWJyaWRnZS1hZ2VuY3ktc2VjcmV0";
  const ignored = await postForm(stack, { email: "apres-desinstallation@exemple.fr" }, { source: "agency-form-2", secret });
  assert.equal(ignored.status, 200, JSON.stringify(ignored.body));
  assert.equal(ignored.body.status, "ignored");
  const recorded = (await admin(stack, "/locations/dev-location-2/events")).body.events.find((e) => e.key === ignored.body.eventId);
  assert.equal(recorded.status, "ignored");
  assert.match(recorded.error, /uninstalled/);
  await sleep(500);
  const calls = (await sandbox(stack, `/__sandbox/requests?since=${since}`)).requests;
  assert.ok(!calls.some((r) => r.locationId === "dev-location-2" && r.path.startsWith("/ghl/contacts")), JSON.stringify(calls));

  const again = await fetch(`${stack.url}/oauth/start`);
  assert.equal(again.status, 200, await again.text());
  await eventually(async () => {
    const { body } = await admin(stack, "/locations");
    return body.locations.find((l) => l.id === "dev-location-2")?.connected === true;
  }, { what: "dev-location-2 connected again" });
  const back = await postForm(stack, { email: "reinstalle@exemple.fr" }, { source: "agency-form-2", secret });
  assert.equal(back.status, 202, JSON.stringify(back.body));
  await eventually(async () => (await contactsOf("dev-location-2")).find((c) => c.email === "reinstalle@exemple.fr"), { what: "the contact after the re-install" });
});

test("the cron runs for every connected location, each on its own", async () => {
  const res = await fetch(`${stack.url}/__scheduled?cron=*/10+*+*+*+*`);
  assert.equal(res.status, 200);
  const lines = await eventually(async () => {
    const cron = stack.workerLogs().split("\n").filter((l) => l.includes('"cron":true'));
    const seen = LOCATIONS.filter((id) => cron.some((l) => l.includes(`"location":"${id}"`)));
    return seen.length === LOCATIONS.length ? cron : null;
  }, { what: "a cron line per location" });
  assert.ok(!lines.some((l) => l.includes('"level":"error"')), lines.join("\n"));
});

/** Every file under `dir`, as bytes. */
function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [readFileSync(path)];
  });
}

test("tokens and signing secrets are sealed at rest: none is readable in the Worker's storage", async () => {
  const files = filesUnder(stack.stateDir);
  assert.ok(files.length > 0, "the Worker's state was written");
  const readable = (needle) => files.some((bytes) => bytes.includes(Buffer.from(needle)));
  assert.ok(readable("dev-location-2"), "the files are readable at all (the location ids are there)");
  for (const secret of ["sbx-at-", "sbx-rt-", sourceSecret, "sh-location-2-key-9876", "specter-loc2-5555", "whsec_Z2hsLWJyaWRnZS1hZ2VuY3ktc2VjcmV0"]) {
    assert.ok(!readable(secret), `${secret} is stored in clear`);
  }
});
