// What one queued lead costs the Worker once its webhook is acknowledged: new
// web-form leads sent one at a time (the call budget never in the way), and
// for each, how long the consumer's lane took over it (its batch log line: the
// attempt, its store operations and its GHL calls) and the time from the
// webhook's answer to that line.
//
//   node bench/attempt.mjs                       this build
//   BASELINE=/path/to/crates/worker/build node bench/attempt.mjs
//
// With BASELINE, the same leads also run on that build (a stack of its own),
// the two taking turns lead by lead, and the ratios are printed. LEADS (30)
// per build. Needs crates/worker/build (scripts/build-worker.sh) and the
// sandbox (cargo build -p ghl-bridge-sandbox).
import { performance } from "node:perf_hooks";
import { batchesIn, postForm, startStack } from "../tests/e2e/support.mjs";
import { median } from "./stats.mjs";

const LEADS = Number(process.env.LEADS ?? 30);
const BASELINE = process.env.BASELINE;

/** The lane of a consumer batch line that names `key`, once it is logged. */
async function laneOf(stack, key, from, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const lane = batchesIn(stack.workerLogs().slice(from)).flatMap((b) => b.lanes).find((l) => l.events.includes(key));
    if (lane) return lane;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no batch line names ${key} after ${timeoutMs} ms`);
}

/** The attempt's own line for `key` says what it came to. */
function outcomeOf(stack, key, from) {
  const line = stack.workerLogs().slice(from).split("\n").find((l) => l.includes('"outcome"') && l.includes(`"event":"${key}"`));
  return line ? JSON.parse(line.slice(line.indexOf("{"))).outcome : "no attempt line";
}

async function oneLead(side, i) {
  const from = side.stack.workerLogs().length;
  const payload = { full_name: `Lead ${i}`, email: `attempt.${side.name}.${i}@example.fr`, phone: `06${String(20_000_000 + i).padStart(8, "0")}` };
  const sent = await postForm(side.stack, payload);
  if (sent.status !== 202) throw new Error(`${side.name}: ack ${sent.status}: ${JSON.stringify(sent.body)}`);
  const acked = performance.now();
  const lane = await laneOf(side.stack, sent.body.eventId, from);
  const outcome = outcomeOf(side.stack, sent.body.eventId, from);
  if (outcome !== "done") throw new Error(`${side.name}: lead ${i} came to ${outcome}`);
  side.lane.push(lane.ms);
  side.applied.push(performance.now() - acked);
}

const sides = [{ name: "this build", buildDir: undefined }];
if (BASELINE) sides.push({ name: "baseline", buildDir: BASELINE });
for (const side of sides) {
  side.stack = await startStack({}, { buildDir: side.buildDir });
  side.lane = [];
  side.applied = [];
}
try {
  // One lead each first, not counted: the isolates' and Durable Objects' first calls.
  for (const side of sides) await oneLead(side, 0);
  for (const side of sides) side.lane.length = side.applied.length = 0;
  for (let i = 1; i <= LEADS; i++) for (const side of sides) await oneLead(side, i);
  console.log(`${LEADS} new web-form leads per build, one at a time, taking turns (median, ms)`);
  for (const side of sides) {
    console.log(`  ${side.name.padEnd(10)}  consumer's lane per lead ${median(side.lane)}  (min ${Math.min(...side.lane)}, max ${Math.max(...side.lane)}); ack to batch logged ${median(side.applied).toFixed(0)}`);
  }
  if (BASELINE) {
    const [now, base] = sides;
    console.log(`  ratio       lane ${(median(now.lane) / median(base.lane)).toFixed(2)}x the baseline's; ack to logged ${(median(now.applied) / median(base.applied)).toFixed(2)}x`);
  }
} finally {
  for (const side of sides) await side.stack?.stop();
}
