// GHL through OAuth instead of a token: install (location chooser, state,
// code exchange), then refresh tokens that rotate and work once. Concurrent
// callers must share one refresh: a second refresh with the same token would
// be refused by GHL and lock the integration out.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { admin, checkWorkerLogs, eventually, postForm, sandbox, startStack } from "./support.mjs";

let stack;
before(async () => {
  stack = await startStack((sandboxUrl) => ({
    GHL_TOKEN: null,
    GHL_CLIENT_ID: "sandbox-client",
    GHL_CLIENT_SECRET: "sandbox-secret",
    GHL_OAUTH_AUTHORIZE_URL: `${sandboxUrl}/ghl/oauth/chooselocation`,
  }));
  // Short-lived access tokens, so the test sees them expire.
  await sandbox(stack, "/__sandbox/config", { accessTokenTtlSecs: 4 });
});
after(async () => stack?.stop());

const tokenCalls = async (since) =>
  (await sandbox(stack, `/__sandbox/requests?since=${since}`)).requests.filter((r) => r.path === "/ghl/oauth/token");
const lastSeq = async () => Math.max(0, ...(await sandbox(stack, "/__sandbox/requests")).requests.map((r) => r.seq));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("install: parked before, connected after; a forged or replayed callback is refused", async () => {
  const sent = await postForm(stack, { email: "avant@exemple.fr" });
  assert.equal(sent.status, 202);
  const parked = await eventually(async () => (await admin(stack, "/dead-letters")).body.deadLetters.find((e) => e.key === sent.body.eventId), { what: "the parked event" });
  assert.match(parked.error, /GHL is not connected: set GHL_TOKEN, or install the app through \/oauth\/start/);
  assert.equal((await admin(stack, "/ghl-connection")).body.connected, false);

  // Worker -> GHL's location chooser (the sandbox approves at once) -> callback.
  const start = await fetch(`${stack.url}/oauth/start`, { redirect: "manual" });
  assert.equal(start.status, 302);
  const chooser = new URL(start.headers.get("location"));
  assert.equal(chooser.searchParams.get("client_id"), "sandbox-client");
  assert.equal(chooser.searchParams.get("redirect_uri"), `${stack.url}/oauth/callback`);
  const state = chooser.searchParams.get("state");
  assert.match(state, /^[0-9a-f]{32}$/);
  const approved = await fetch(chooser, { redirect: "manual" });
  const callback = approved.headers.get("location");
  assert.ok(callback.startsWith(`${stack.url}/oauth/callback?code=`), callback);

  const forged = await fetch(callback.replace(state, "0".repeat(32)));
  assert.equal(forged.status, 400);
  assert.equal((await forged.json()).error.code, "bad_state");
  const installed = await fetch(callback);
  assert.equal(installed.status, 200);
  const body = await installed.json();
  assert.equal(body.installed, true);
  assert.equal(body.locationId, "dev-location");
  assert.ok(!JSON.stringify(body).includes("sbx-"), "no token in the answer");
  const again = await fetch(callback);
  assert.equal(again.status, 400, "a state works once");

  assert.deepEqual((await admin(stack, "/ghl-connection")).body, { connected: true, via: "oauth", refreshed: false });
  assert.equal((await admin(stack, `/dead-letters/${sent.body.eventId}/replay`, { method: "POST" })).status, 202);
  await eventually(async () => (await sandbox(stack, "/__sandbox/ghl/contacts")).contacts.find((c) => c.email === "avant@exemple.fr"), { what: "the replayed event in GHL" });
});

test("an expired token is refreshed once for ten concurrent callers, and the rotation never locks out", async () => {
  await sleep(4_500); // the access token has expired
  const since = await lastSeq();
  const answers = await Promise.all(Array.from({ length: 10 }, () => admin(stack, "/ghl-connection")));
  assert.ok(answers.every((a) => a.body.connected === true), JSON.stringify(answers.map((a) => a.body)));
  assert.equal(answers.filter((a) => a.body.refreshed).length, 1, "one caller refreshed, the others used its token");
  const calls = await tokenCalls(since);
  assert.equal(calls.length, 1, JSON.stringify({ calls, answers: answers.map((a) => a.body), log: (await sandbox(stack, `/__sandbox/requests?since=${since}`)).requests }));
  assert.equal(calls[0].status, 200);

  // Events keep flowing across several expiries; every refresh is accepted.
  await sleep(4_500);
  const sends = await Promise.all(Array.from({ length: 8 }, (_, i) => postForm(stack, { email: `oauth${i}@exemple.fr` })));
  assert.ok(sends.every((s) => s.status === 202));
  await eventually(async () => {
    const contacts = (await sandbox(stack, "/__sandbox/ghl/contacts")).contacts;
    return Array.from({ length: 8 }, (_, i) => `oauth${i}@exemple.fr`).every((e) => contacts.some((c) => c.email === e));
  }, { what: "8 contacts through OAuth", timeoutMs: 60_000 });
  const all = await tokenCalls(since);
  assert.ok(all.length >= 2, "refreshed again after the second expiry");
  assert.deepEqual(all.filter((c) => c.status !== 200), [], "no refresh was refused");
  const ghlCalls = (await sandbox(stack, `/__sandbox/requests?since=${since}`)).requests.filter((r) => r.path.startsWith("/ghl/contacts"));
  assert.deepEqual(ghlCalls.filter((r) => r.status === 401), [], "no call went out with an expired token");
});

test("logs carry no OAuth secret: client secret, codes, access or refresh tokens", () => {
  checkWorkerLogs(stack, ["sandbox-secret", "sbx-at-", "sbx-rt-", "sbx-code-"]);
});
