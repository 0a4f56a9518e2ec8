// A burst bigger than a location's GHL budget: the first events run at once,
// the rest are booked for later turns of the budget on the paced queue (so they
// are never in front of another location's new lead), and every lead still
// lands once, within GHL's rate limit.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { batchesIn, eventually, postForm, sandbox, settled, startStack } from "./support.mjs";

let stack;
before(async () => {
  stack = await startStack();
});
after(async () => stack?.stop());

/** The consumer's batch lines: `{queue, lanes: [{events}]}`. */
const batches = () => batchesIn(stack.workerLogs());

test("a burst beyond the budget is paced on its own queue and every lead lands once", async () => {
  const lead = (i) => postForm(stack, { email: `rafale-${i}@exemple.fr`, tel: `06130${String(i).padStart(5, "0")}` });
  // 30 leads (a burst the headroom takes at once), then, once they are done,
  // 60 more at once: about the first 30 of those run now, the rest are paced.
  const warmUp = await Promise.all(Array.from({ length: 30 }, (_, i) => lead(i)));
  await settled(stack, warmUp.length);
  const burst = await Promise.all(Array.from({ length: 60 }, (_, i) => lead(30 + i)));
  const sent = [...warmUp, ...burst];
  const count = sent.length;
  for (const s of sent) assert.equal(s.status, 202, JSON.stringify(s.body));
  const events = await settled(stack, count, 120_000);
  assert.equal(events.filter((e) => e.status === "done").length, count, "every lead done, none parked");
  const paced = events.filter((e) => e.dueAtMs);
  assert.ok(paced.length > 0, "part of the burst was booked for later turns");

  // The booked events ran from the paced queue, the head of the burst from
  // the live one (a batch's line is logged when its last lane ends: it may
  // come a moment after the event's record says done).
  const ran = (queue) => new Set(batches().filter((b) => b.queue === queue).flatMap((b) => b.lanes.flatMap((l) => l.events)));
  await eventually(() => paced.every((e) => ran("ghl-bridge-paced").has(e.key)), { timeoutMs: 10_000, what: "every booked event to run from the paced queue" });
  assert.ok(sent.some((s) => ran("ghl-bridge-events").has(s.body.eventId)), "the head of the burst ran from the live queue");

  const { contacts } = await sandbox(stack, "/__sandbox/ghl/contacts");
  const emails = contacts.map((c) => c.email).filter((e) => e?.startsWith("rafale-"));
  assert.equal(emails.length, count, "one contact per lead");
  assert.equal(new Set(emails).size, count, "no duplicate");
  const { requests } = await sandbox(stack, "/__sandbox/requests");
  assert.equal(requests.filter((r) => r.status === 429).length, 0, "GHL never answered 429");
});
