// Configuration that is wrong is refused loudly: /health names the variable
// and what is wrong, admin routes refuse with the same words, and a webhook
// is answered 429 so its sender retries once the setting is fixed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_TOKEN, admin, postForm, startStack } from "./support.mjs";

let stack;
before(async () => {
  stack = await startStack({ SECRETS_KEY: "bm90LTMyLWJ5dGVz", DEFAULT_PHONE_REGION: "XX" });
});
after(async () => stack?.stop());

test("a malformed SECRETS_KEY and an unknown region: /health is 503 and names both", async () => {
  const res = await fetch(`${stack.url}/health`);
  assert.equal(res.status, 503);
  const body = await res.json();
  assert.equal(body.status, "misconfigured");
  const named = body.problems.map((p) => p.variable);
  assert.deepEqual(named.sort(), ["DEFAULT_PHONE_REGION", "SECRETS_KEY"]);
  assert.match(body.error.message, /SECRETS_KEY: the key must be 32 bytes/);
});

test("admin routes refuse with the same words, a webhook is 429 (retried, not lost)", async () => {
  const adminRes = await fetch(`${stack.url}/v1/admin/events`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(adminRes.status, 503);
  assert.match((await adminRes.json()).error.message, /SECRETS_KEY/);
  const form = await postForm(stack, { email: "lea@example.fr" });
  assert.equal(form.status, 429);
});

test("SECRETS_KEY rotates without loss: the previous key still opens, a re-seal moves every secret to the new key", async () => {
  const KEY_A = "ZTJlLXNlY3JldHMta2V5LW9mLTMyLWJ5dGVzLW9rISE=";
  const KEY_B = "cm90YXRlZC1zZWNyZXRzLWtleS0zMi1ieXRlcyEhISE=";
  const source = "/locations/dev-location/sources/rotation-form";
  let s = await startStack({ SECRETS_KEY: KEY_A });
  const stateDir = s.stateDir;
  try {
    const made = await admin(s, source, { method: "PUT", body: JSON.stringify({ kind: "form" }) });
    assert.equal(made.status, 200, JSON.stringify(made.body));
  } finally {
    await s.stop();
  }
  s = await startStack({ SECRETS_KEY: KEY_B, SECRETS_KEY_PREVIOUS: KEY_A }, { stateDir });
  try {
    assert.equal((await admin(s, source)).status, 200, "opened with the previous key");
    const resealed = await admin(s, "/locations/dev-location/reseal", { method: "POST" });
    assert.equal(resealed.status, 200, JSON.stringify(resealed.body));
    assert.ok(resealed.body.resealed >= 1, JSON.stringify(resealed.body));
    assert.equal(resealed.body.remaining, 0);
  } finally {
    await s.stop();
  }
  s = await startStack({ SECRETS_KEY: KEY_B }, { stateDir });
  try {
    const shown = await admin(s, source);
    assert.equal(shown.status, 200, `the new key alone opens it: ${JSON.stringify(shown.body)}`);
  } finally {
    await s.stop();
  }
});

test("ADMIN_TOKEN rotates: the previous token works beside the new one until it is removed", async () => {
  const s = await startStack({ ADMIN_TOKEN: "new-admin-token", ADMIN_TOKEN_PREVIOUS: ADMIN_TOKEN });
  try {
    const bearer = (token) => fetch(`${s.url}/v1/admin/events`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await bearer("new-admin-token")).status, 200);
    assert.equal((await bearer(ADMIN_TOKEN)).status, 200);
    assert.equal((await bearer("another-token")).status, 403);
  } finally {
    await s.stop();
  }
});
