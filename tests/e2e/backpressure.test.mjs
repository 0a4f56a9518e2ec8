// Back-pressure instead of loss: when the Worker cannot queue an event (here
// its queue binding is missing), every webhook route answers 429 with
// Retry-After, never 5xx: GHL and form senders keep an event answered 429 and
// send it again; GHL drops one answered 5xx.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SPOTHIT_TOKEN, admin, postForm, startStack } from "./support.mjs";

let stack;
before(async () => {
  stack = await startStack({}, { withoutQueue: true });
});
after(async () => stack?.stop());

test("a webhook the Worker cannot queue is answered 429 with Retry-After, never 5xx", async () => {
  const form = await fetch(`${stack.url}/v1/hooks/spothit/${SPOTHIT_TOKEN}/stop?numero=0612345678&message=STOP&id=sms-1`);
  assert.equal(form.status, 429, await form.text());
  assert.equal(form.headers.get("retry-after"), "30");
  const sent = await postForm(stack, { email: "plus-tard@exemple.fr" });
  assert.equal(sent.status, 429, JSON.stringify(sent.body));
  assert.equal(sent.body.error.code, "try_later");
  // Recorded all the same, and said so, for the sender's retry to queue it.
  const { body } = await admin(stack, "/events");
  const kept = body.events.find((e) => e.eventId === sent.id);
  assert.ok(kept, "the event is recorded");
  assert.equal(kept.status, "queued");
  assert.match(kept.error, /not queued yet/);
  // Admin routes keep answering JSON.
  assert.equal((await admin(stack, "/events")).status, 200);
});
