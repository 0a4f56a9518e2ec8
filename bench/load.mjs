// The load and fault run: the Worker on workerd against the GHL sandbox, driven
// with signed form webhooks. Prints figures; asserts nothing (make load).
// Env: EVENTS (default 200), CONCURRENCY (10), BACKFILL (2000; 0 skips it).
import { performance } from "node:perf_hooks";
import { admin, postForm, sandbox, startStack } from "../tests/e2e/support.mjs";

const EVENTS = Number(process.env.EVENTS ?? 200);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 10);
const BACKFILL = Number(process.env.BACKFILL ?? 2000);

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function postAll(stack, payloads, concurrency) {
  const latencies = [];
  const ids = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < payloads.length) {
      const p = payloads[next++];
      const t = performance.now();
      const r = await postForm(stack, p);
      latencies.push(performance.now() - t);
      if (r.status !== 202) throw new Error(`ack ${r.status}: ${JSON.stringify(r.body)}`);
      ids.push(r.body.eventId);
    }
  }));
  return { ids, latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - t0) / 1000 };
}

async function waitSettled(stack, ids, timeoutMs) {
  const want = new Set(ids);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await admin(stack, `/events?limit=5000`);
    const mine = body.events.filter((e) => want.has(e.key));
    const open = mine.filter((e) => e.status !== "done" && e.status !== "parked");
    if ((mine.length === ids.length && open.length === 0) || Date.now() > deadline) return mine;
    // Each poll lists every event with its payload: not too often on a big run.
    await new Promise((r) => setTimeout(r, ids.length > 500 ? 3000 : 500));
  }
}

/** One run. `people` reuses the people of an earlier run (their events are then updates). */
async function phase(stack, name, faults, count, concurrency, people = null) {
  if (!people) await sandbox(stack, "/__sandbox/reset", {});
  await sandbox(stack, "/__sandbox/faults", faults);
  const tag = people ?? `${name.replace(/\W+/g, "")}${Date.now()}`;
  const payloads = Array.from({ length: count }, (_, i) => ({
    full_name: `Lead ${i}`, email: `${tag}.${i}@example.fr`, tel: `06${String(10_000_000 + i).padStart(8, "0")}`,
    message: `message ${i} ${people ? "again" : ""}`.trim(), utm_campaign: "load",
  }));
  const since = Math.max(0, ...(await sandbox(stack, "/__sandbox/requests")).requests.map((r) => r.seq));
  const t0 = performance.now();
  const posted = await postAll(stack, payloads, concurrency);
  const events = await waitSettled(stack, posted.ids, 30 * 60_000);
  const applied = (performance.now() - t0) / 1000;
  const requests = (await sandbox(stack, `/__sandbox/requests?since=${since}`)).requests;
  const contacts = (await sandbox(stack, "/__sandbox/ghl/contacts")).contacts;
  const emails = new Set(contacts.map((c) => c.email));
  const done = events.filter((e) => e.status === "done").length;
  const parked = events.filter((e) => e.status === "parked");
  const reasons = {};
  for (const e of parked) reasons[e.error] = (reasons[e.error] ?? 0) + 1;
  const ghlRequests = requests.filter((r) => r.path.startsWith("/ghl/"));
  const lat = posted.latencies;
  const created = events.filter((e) => e.action === "created").length;
  const updated = events.filter((e) => e.action === "updated").length;
  console.log(`\n== ${name} (${count} events, concurrency ${concurrency}, faults ${JSON.stringify(faults)})`);
  console.log(`  acknowledged        ${(count / posted.seconds).toFixed(1)} webhooks/s; ack latency p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms`);
  console.log(`  all applied after   ${applied.toFixed(1)} s`);
  console.log(`  contacts created    ${created}, updated ${updated}`);
  console.log(`  GHL calls           ${ghlRequests.length} (${(ghlRequests.length / count).toFixed(2)} per event); 429s received: ${ghlRequests.filter((r) => r.status === 429).length}; injected faults: ${ghlRequests.filter((r) => (r.note ?? "").startsWith("fault")).length}`);
  // The busiest 10-second window, against GHL's burst limit of 100 calls per 10 s.
  const times = ghlRequests.map((r) => r.atMs).sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 10_000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  console.log(`  GHL rate            ${(ghlRequests.length / applied).toFixed(2)} req/s over the run; busiest 10 s window: ${peak} calls = ${peak}% of the burst limit (100 per 10 s)`);
  console.log(`  contacts            ${contacts.length}; duplicates created: ${contacts.length - emails.size}; events done ${done}, parked ${parked.length}, lost ${count - done - parked.length}`);
  for (const [reason, n] of Object.entries(reasons)) console.log(`  parked x${n}: ${reason}`);
  return tag;
}

const stack = await startStack();
try {
  const people = await phase(stack, "no faults", {}, EVENTS, CONCURRENCY);
  await phase(stack, "the same people again (updates)", {}, EVENTS, CONCURRENCY, people);
  await phase(stack, "20% 5xx + 15 s 429 storm + 50 ms latency", { errorRate: 0.2, errorStatus: 500, storm429ForMs: 15_000, latencyMs: 50, seed: 3 }, EVENTS, CONCURRENCY);
  if (BACKFILL > 0) await phase(stack, "bulk backfill", {}, BACKFILL, 20);
} catch (e) {
  // What the Worker said last, to explain a failure.
  console.error(stack.workerLogs().split("\n").filter((l) => !l.includes("POST /v1/hooks")).slice(-40).join("\n"));
  throw e;
} finally {
  await stack.stop();
}
