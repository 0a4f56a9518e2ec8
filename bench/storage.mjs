// Storage of one location on workerd: bytes and rows after many events, what
// retention deletes, and the first page of events with few and many stored.
// GHL is not connected in this run, so every event parks at once (no GHL call,
// no budget wait) but keeps its record and payload as a real one does.
// Prints figures; asserts nothing (make bench-storage). Env: EVENTS (20000).
import { performance } from "node:perf_hooks";
import { admin, postForm, startStack } from "../tests/e2e/support.mjs";

const TOTAL = Number(process.env.EVENTS ?? 20_000);
const CONCURRENCY = 16;
const DAY = 24 * 3600 * 1000;

async function send(stack, from, to) {
  let next = from;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < to) {
      const i = next++;
      const r = await postForm(stack, {
        full_name: `Lead ${i}`, email: `lead.${i}@example.fr`, tel: `06${String(10_000_000 + i).padStart(8, "0")}`,
        message: `Bonjour, je voudrais un devis pour ${i % 7 + 1} fenêtres.`, utm_source: "google", utm_campaign: "storage",
      });
      if (r.status !== 202) throw new Error(`ack ${r.status}: ${JSON.stringify(r.body)}`);
    }
  }));
}

async function settled(stack, count) {
  for (;;) {
    const { body } = await admin(stack, "/storage");
    const { body: open } = await admin(stack, "/events?status=queued&limit=1");
    const { body: busy } = await admin(stack, "/events?status=processing&limit=1");
    if (body.events >= count && open.events.length === 0 && busy.events.length === 0) return body;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Median of 15 first pages (50 events, with payloads), in ms. */
async function firstPage(stack) {
  const times = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    const { status, body } = await admin(stack, "/events?limit=50");
    if (status !== 200 || body.events.length !== 50) throw new Error(`first page: ${status}`);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[7];
}

/** Median of 15 health answers (the console's per-location query), in ms. */
async function health(stack, hours) {
  const times = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    const { status } = await admin(stack, `/health?hours=${hours}`);
    if (status !== 200) throw new Error(`health: ${status}`);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[7];
}

const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;
const stack = await startStack({ GHL_TOKEN: null });
try {
  await send(stack, 0, 200);
  await settled(stack, 200);
  const small = await firstPage(stack);
  console.log(`200 events: first page of 50 in ${small.toFixed(1)} ms (median of 15)`);
  const [h24, h168] = [await health(stack, 24), await health(stack, 168)];
  console.log(`200 events: health (the console's query) ${h24.toFixed(1)} ms for 24 h, ${h168.toFixed(1)} ms for 7 days`);
  await send(stack, 200, 10_000);
  const at10k = await settled(stack, 10_000);
  console.log(`10,000 events: ${kb(at10k.bytes)} (${(at10k.bytes / 10_000).toFixed(0)} bytes/event), rows ${JSON.stringify(at10k)}`);
  const [b24, b168] = [await health(stack, 24), await health(stack, 168)];
  console.log(`10,000 events: health ${b24.toFixed(1)} ms for 24 h (${(b24 / h24).toFixed(2)}x 200 stored), ${b168.toFixed(1)} ms for 7 days`);
  await send(stack, 10_000, TOTAL);
  await settled(stack, TOTAL);
  const large = await firstPage(stack);
  console.log(`${TOTAL} events: first page of 50 in ${large.toFixed(1)} ms (median of 15); ratio to 200 stored: ${(large / small).toFixed(2)}x`);
  const t = performance.now();
  const { body: parked } = await admin(stack, "/dead-letters?limit=50");
  console.log(`dead letters, first page of 50: ${(performance.now() - t).toFixed(1)} ms (${parked.deadLetters.length} shown)`);
  const later = Date.now() + 31 * DAY;
  const { body: report } = await admin(stack, `/retention?asOfMs=${later}`, { method: "POST" });
  const after = (await admin(stack, "/storage")).body;
  console.log(`retention as of 31 days later: ${JSON.stringify(report)}; after: ${kb(after.bytes)}, rows ${JSON.stringify(after)}`);
} catch (e) {
  console.log(`failed: ${e.stack}\nthe Worker's last log lines:\n${stack.workerLogs().split("\n").slice(-40).join("\n")}`);
  process.exitCode = 1;
} finally {
  await stack.stop();
}
