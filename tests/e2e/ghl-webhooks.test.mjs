// GHL webhooks into the Worker: signed by the sandbox (as GHL signs them) or by
// this test with the same development key; forged, stale and repeated ones.
import assert from "node:assert/strict";
import { createHash, createPrivateKey, sign } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { SANDBOX_WEBHOOK_KEY, admin, eventually, postForm, settled, startStack } from "./support.mjs";

let stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

// The sandbox's key pair comes from a public seed; so can this test's.
const b64url = (buf) => Buffer.from(buf).toString("base64url");
const seed = createHash("sha256").update("ghl-bridge sandbox webhook signing key").digest();
const sandboxKey = createPrivateKey({
  key: { kty: "OKP", crv: "Ed25519", d: b64url(seed), x: b64url(Buffer.from(SANDBOX_WEBHOOK_KEY, "base64")) },
  format: "jwk",
});
const otherKey = createPrivateKey({
  key: { kty: "OKP", crv: "Ed25519", d: b64url(Buffer.alloc(32, 9)), x: b64url(Buffer.alloc(32, 1)) },
  format: "jwk",
});

async function deliver(event, { key = sandboxKey, signed = true } = {}) {
  const body = JSON.stringify(event);
  const headers = { "content-type": "application/json" };
  if (signed) headers["x-ghl-signature"] = sign(null, Buffer.from(body), key).toString("base64");
  const res = await fetch(`${stack.url}/v1/hooks/ghl`, { method: "POST", headers, body });
  return { status: res.status, body: await res.json() };
}

const ghlEvents = async () => (await admin(stack, "/ghl-events")).body.events;

describe("GHL webhooks", () => {
  test("GHL's webhooks about the bridge's own writes are recognised as echoes", async () => {
    await postForm(stack, { email: "echo@example.fr", message: "hi" });
    await settled(stack, 1);
    const echoes = await eventually(async () => {
      const events = await ghlEvents();
      return events.length >= 3 ? events : null;
    }, { what: "the sandbox's webhooks for the new contact" });
    assert.deepEqual([...new Set(echoes.map((e) => e.outcome))], ["echo"]);
    assert.deepEqual(echoes.map((e) => e.type).sort(), ["ContactCreate", "ContactTagUpdate", "NoteCreate"]);
  });

  test("webhooks for a location nobody installed are answered ignored and counted, never stored", async () => {
    const event = (n) => ({
      type: "ContactTagUpdate", locationId: "loc-nobody-installed", id: "c1", tags: ["x"],
      timestamp: new Date().toISOString(), webhookId: `wh_stranger_${n}_${Date.now()}`,
    });
    for (const n of [1, 2, 3]) {
      const answer = await deliver(event(n));
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { status: "ignored", reason: "unknown location" });
    }
    const { status, body } = await admin(stack, "/unknown-locations");
    assert.equal(status, 200, JSON.stringify(body));
    const seen = body.locations.find((l) => l.locationId === "loc-nobody-installed");
    assert.equal(seen?.events, 3, JSON.stringify(body));
    assert.ok(seen.lastAtMs > Date.now() - 60_000);
    assert.ok(!(await ghlEvents()).some((e) => e.webhookId?.startsWith("wh_stranger_")), "nothing recorded");
  });

  test("a change made in GHL is recorded, a redelivery is a duplicate", async () => {
    const event = {
      type: "ContactTagUpdate", locationId: "dev-location", id: "someone-else", tags: ["vip"],
      timestamp: new Date().toISOString(), webhookId: `wh_test_${Date.now()}`,
    };
    const first = await deliver(event);
    assert.equal(first.status, 200);
    assert.equal(first.body.status, "recorded");
    const again = await deliver(event);
    assert.equal(again.body.status, "duplicate");
  });

  test("unsigned, forged, tampered and stale webhooks are refused", async () => {
    const event = { type: "ContactDelete", locationId: "dev-location", id: "c1", timestamp: new Date().toISOString(), webhookId: "wh_refused" };
    const unsigned = await deliver(event, { signed: false });
    assert.equal(unsigned.status, 401);
    assert.match(unsigned.body.error.message, /x-ghl-signature/);
    const forged = await deliver(event, { key: otherKey });
    assert.equal(forged.status, 401);
    const body = JSON.stringify(event);
    const sig = sign(null, Buffer.from(body), sandboxKey).toString("base64");
    const tampered = await fetch(`${stack.url}/v1/hooks/ghl`, {
      method: "POST", headers: { "x-ghl-signature": sig }, body: body.replace("c1", "c2"),
    });
    assert.equal(tampered.status, 401);
    const stale = await deliver({ ...event, timestamp: new Date(Date.now() - 3_600_000).toISOString() });
    assert.equal(stale.status, 401);
    assert.match(stale.body.error.message, /replay/);
    assert.ok(!(await ghlEvents()).some((e) => e.webhookId === "wh_refused"), "nothing refused was recorded");
  });
});
