// The load and fault run: the Worker on workerd against the GHL sandbox, driven
// with signed form webhooks. Prints figures; asserts nothing (make load).
// Env: EVENTS (default 200), CONCURRENCY (10), BACKFILL (2000; 0 skips it),
// LOCATIONS (20) x PER_LOCATION (100) for the many-locations run (LOCATIONS=0
// skips it), ONLY=many for that run alone. RECEIPTS (10000; 0 skips it): a
// Spot-Hit campaign's delivery receipts in one burst, with live leads sent
// during it; ONLY=receipts for that run alone. WORKER_BUILD: another build's
// crates/worker/build to run instead of this one (to compare two builds).
// ONLY=cost: what a new web-form lead and a delivery receipt cost on
// Cloudflare (COST_LEADS, 200 of each), counted by the bridge itself
// (GET /v1/admin/usage) and priced at the published rates (core sync::usage).
import { performance } from "node:perf_hooks";
import { admin, batchesIn, postForm, sandbox, SPOTHIT_TOKEN, startStack } from "../tests/e2e/support.mjs";
import { addLocations } from "./locations.mjs";
import { providerRun } from "./provider.mjs";

const EVENTS = Number(process.env.EVENTS ?? 200);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 10);
const BACKFILL = Number(process.env.BACKFILL ?? 2000);
const LOCATIONS = Number(process.env.LOCATIONS ?? 20);
const PER_LOCATION = Number(process.env.PER_LOCATION ?? 100);
const ONLY_MANY = process.env.ONLY === "many";
const ONLY_RECEIPTS = process.env.ONLY === "receipts";
const ONLY_COST = process.env.ONLY === "cost";
// ONLY=provider: Spot-Hit as GHL's SMS provider, 1,000 messages over 10 locations (bench/provider.mjs).
const ONLY_PROVIDER = process.env.ONLY === "provider";
const COST_LEADS = Number(process.env.COST_LEADS ?? 200);
// Workers Paid rates beyond the inclusions, $ per million (as src/sync/usage.rs, read 2026-12-07).
const RATES = { workerInvocations: 0.30, doRequests: 0.15, rowsRead: 0.001, rowsWritten: 1.00, queueOperations: 0.40 };
const RECEIPTS = Number(process.env.RECEIPTS ?? 10_000);

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** `payloads`: `{payload, source?, secret?}` when `routed`, else bare payloads to the demo source. */
async function postAll(stack, payloads, concurrency, routed = false) {
  const latencies = [];
  const ids = [];
  const locations = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < payloads.length) {
      const p = payloads[next++];
      const t = performance.now();
      const r = routed ? await postForm(stack, p.payload, { source: p.source, secret: p.secret }) : await postForm(stack, p);
      latencies.push(performance.now() - t);
      if (r.status !== 202) throw new Error(`ack ${r.status}: ${JSON.stringify(r.body)}`);
      ids.push(r.body.eventId);
      locations.push(p.location);
    }
  }));
  return { ids, locations, latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - t0) / 1000 };
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

/** The busiest 10-second window of these requests. */
function busiestWindow(requests) {
  const times = requests.map((r) => r.atMs).sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 10_000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

/** Waits until every id of each location is done or parked; answers the records. */
async function settledIn(stack, byLocation, timeoutMs, sourceOf = (location) => `form-${location}`) {
  const deadline = Date.now() + timeoutMs;
  const records = new Map();
  for (const [location, ids] of byLocation) {
    const want = new Set(ids);
    for (;;) {
      let cursor;
      const mine = [];
      do {
        const q = `limit=500&source=${sourceOf(location)}${cursor ? `&cursor=${cursor}` : ""}`;
        const { body } = await admin(stack, `/locations/${location}/events?${q}`);
        mine.push(...body.events.filter((e) => want.has(e.key)));
        cursor = body.nextCursor;
      } while (cursor);
      const open = mine.filter((e) => e.status !== "done" && e.status !== "parked");
      if ((mine.length === want.size && open.length === 0) || Date.now() > deadline) {
        records.set(location, mine);
        break;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  return records;
}

// Each run (tag) its own block of mobile numbers, so no lead matches an earlier one.
const phoneBase = new Map();
const leadOf = (location, tag, i) => {
  if (!phoneBase.has(tag)) phoneBase.set(tag, 10_000_000 + phoneBase.size * 100_000);
  return {
    full_name: `Lead ${i}`, email: `${tag}.${location}.${i}@example.fr`,
    tel: `07${String(phoneBase.get(tag) + i)}`, message: `lead ${i}`, utm_campaign: "many",
  };
};

const timeToApplied = (records) => records.filter((e) => e.status === "done").map((e) => e.updatedAtMs - e.receivedAtMs).sort((a, b) => a - b);

async function manyLocations(stack) {
  const locations = await addLocations(stack, LOCATIONS);
  const tag = `many${Date.now()}`;
  const since = Math.max(0, ...(await sandbox(stack, "/__sandbox/requests")).requests.map((r) => r.seq));
  // Interleaved, so every location's leads arrive together.
  const sends = [];
  for (let i = 0; i < PER_LOCATION; i++) for (const l of locations) sends.push({ payload: leadOf(l.id, tag, i), location: l.id, source: l.source, secret: l.secret });
  const t0 = performance.now();
  const posted = await postAll(stack, sends, 40, true);
  const byLocation = new Map(locations.map((l) => [l.id, []]));
  posted.ids.forEach((id, n) => byLocation.get(posted.locations[n]).push(id));
  const records = await settledIn(stack, byLocation, 30 * 60_000);
  const applied = (performance.now() - t0) / 1000;
  const requests = (await sandbox(stack, `/__sandbox/requests?since=${since}`)).requests.filter((r) => r.path.startsWith("/ghl/"));
  const contacts = (await sandbox(stack, "/__sandbox/ghl/contacts")).contacts.filter((c) => c.email?.startsWith(`${tag}.`));
  let wrongPlace = 0, missing = 0, duplicates = 0, peak = 0, peakAt = "";
  for (const l of locations) {
    const here = contacts.filter((c) => c.locationId === l.id);
    wrongPlace += here.filter((c) => !c.email.startsWith(`${tag}.${l.id}.`)).length;
    const emails = new Set(here.map((c) => c.email));
    duplicates += here.length - emails.size;
    missing += PER_LOCATION - emails.size;
    const w = busiestWindow(requests.filter((r) => r.locationId === l.id));
    if (w > peak) [peak, peakAt] = [w, l.id];
  }
  const all = [...records.values()].flat();
  const lat = timeToApplied(all);
  const done = all.filter((e) => e.status === "done").length;
  console.log(`\n== many locations (${LOCATIONS} locations x ${PER_LOCATION} new contacts, sent at once, 40 in flight)`);
  console.log(`  acknowledged        ${(sends.length / posted.seconds).toFixed(1)} webhooks/s; ack p50 ${pct(posted.latencies, 50).toFixed(1)} ms, p99 ${pct(posted.latencies, 99).toFixed(1)} ms`);
  console.log(`  all applied after   ${applied.toFixed(1)} s; time to applied p50 ${(pct(lat, 50) / 1000).toFixed(1)} s, p99 ${(pct(lat, 99) / 1000).toFixed(1)} s`);
  console.log(`  events              done ${done}, parked ${all.length - done}, lost ${sends.length - all.length}`);
  console.log(`  contacts            ${contacts.length} (expected ${sends.length}); missing ${missing}; duplicates ${duplicates}; in another location ${wrongPlace}`);
  console.log(`  Worker log so far   ${(stack.workerLogBytes() / 1e6).toFixed(1)} MB`);
  console.log(`  GHL calls           ${requests.length} (${(requests.length / sends.length).toFixed(2)} per contact); 429s ${requests.filter((r) => r.status === 429).length}; busiest 10 s window of one location ${peak} calls (${peakAt}; budget 90, GHL 100)`);
  return locations;
}

const LIVE_EVERY_MS = 2000;

/** Live leads to each of `targets`, one each every LIVE_EVERY_MS, `rounds` times. */
async function liveLeads(stack, targets, rounds, tag) {
  const byLocation = new Map(targets.map((l) => [l.id, []]));
  for (let s = 0; s < rounds; s++) {
    const started = performance.now();
    await Promise.all(targets.map(async (l) => {
      const r = await postForm(stack, leadOf(l.id, tag, s), { source: l.source, secret: l.secret });
      if (r.status !== 202) throw new Error(`live lead: ${r.status} ${JSON.stringify(r.body)}`);
      byLocation.get(l.id).push(r.body.eventId);
    }));
    await new Promise((r) => setTimeout(r, Math.max(0, LIVE_EVERY_MS - (performance.now() - started))));
  }
  const settled = await settledIn(stack, byLocation, 10 * 60_000);
  const split = (keep) => {
    const records = targets.filter(keep).flatMap((l) => settled.get(l.id));
    return { lat: timeToApplied(records), count: records.length, records };
  };
  return { others: split((l) => l !== targets[0]), first: split((l) => l === targets[0]) };
}

/**
 * A backfill on the first location, sent through a source of its own (as the
 * docs/agencies.md advises), beside live leads on every location: the others' and the
 * first's own, through its web form.
 */
async function backfillBesideLiveLeads(stack, locations) {
  const rounds = 15;
  const quiet = await liveLeads(stack, locations, rounds, `quiet${Date.now()}`);
  const first = locations[0];
  const importSource = `import-${first.id}`;
  const made = await admin(stack, `/locations/${first.id}/sources/${importSource}`, { method: "PUT", body: JSON.stringify({ kind: "form" }) });
  if (made.status !== 200) throw new Error(`import source: ${JSON.stringify(made.body)}`);
  const tag = `backfill${Date.now()}`;
  const sends = Array.from({ length: BACKFILL }, (_, i) => ({ payload: leadOf(first.id, tag, i), location: first.id, source: importSource, secret: made.body.signingSecret }));
  const t0 = performance.now();
  const logFrom = stack.workerLogs().length;
  const backfill = postAll(stack, sends, 10, true);
  await new Promise((r) => setTimeout(r, 5000)); // the backfill's queue fills first
  const busy = await liveLeads(stack, locations, rounds, `busy${Date.now()}`);
  const posted = await backfill;
  const records = (await settledIn(stack, new Map([[first.id, posted.ids]]), 60 * 60_000, () => importSource)).get(first.id);
  const applied = (performance.now() - t0) / 1000;
  const done = records.filter((e) => e.status === "done").length;
  const ms = (v) => `${(v / 1000).toFixed(1)} s`;
  const p50p99 = (b) => `p50 ${ms(pct(b.lat, 50))}, p99 ${ms(pct(b.lat, 99))}`;
  const line = (q, b) => `${b.count}: time to applied ${p50p99(b)} (${(pct(b.lat, 99) / Math.max(1, pct(q.lat, 99))).toFixed(2)}x the quiet p99)`;
  console.log(`\n== a ${BACKFILL}-contact backfill on ${first.id} (source ${importSource}) beside live leads on every location, its own through its web form (one per location every ${LIVE_EVERY_MS / 1000} s, ${rounds} times)`);
  console.log(`  live leads alone        others ${quiet.others.count}: ${p50p99(quiet.others)}; ${first.id}'s ${quiet.first.count}: ${p50p99(quiet.first)}`);
  console.log(`  live leads + backfill   others ${line(quiet.others, busy.others)}`);
  console.log(`  ${first.id}'s own live leads ${line(quiet.first, busy.first)}`);
  console.log(`  backfill                ${done} done of ${BACKFILL}, ${records.length - done} parked, ${BACKFILL - records.length} lost; all applied after ${applied.toFixed(1)} s`);
  batchesDuring(stack.workerLogs().slice(logFrom), first.id);
  // When the slowest live leads came, counted from the backfill's first send.
  const startedAt = Date.now() - applied * 1000;
  const slowest = (rs) => rs.filter((e) => e.status === "done")
    .sort((a, b) => (b.updatedAtMs - b.receivedAtMs) - (a.updatedAtMs - a.receivedAtMs)).slice(0, 5)
    .map((e) => `${ms(e.updatedAtMs - e.receivedAtMs)} (sent at +${ms(e.receivedAtMs - startedAt)}, ${e.attempts} attempt${e.attempts === 1 ? "" : "s"})`).join(", ");
  console.log(`  slowest live leads      others: ${slowest(busy.others.records)}; ${first.id}'s: ${slowest(busy.first.records)}`);
}

/** What the consumer's batches looked like: the Worker logs one line per batch. */
function batchesDuring(log, backfillLocation) {
  const batches = batchesIn(log);
  if (batches.length === 0) return;
  const withBackfill = batches.filter((b) => b.lanes.some((l) => l.location === backfillLocation));
  const lanes = withBackfill.flatMap((b) => b.lanes);
  const own = lanes.filter((l) => l.location === backfillLocation);
  const others = lanes.filter((l) => l.location !== backfillLocation);
  const ms = (xs) => {
    if (xs.length === 0) return "none";
    const sorted = [...xs].sort((a, b) => a - b);
    return `p50 ${pct(sorted, 50).toFixed(0)} ms, p99 ${pct(sorted, 99).toFixed(0)} ms`;
  };
  const per = (xs) => (xs.reduce((a, l) => a + l.messages, 0) / Math.max(1, xs.length)).toFixed(1);
  console.log(`  consumer batches        ${batches.length} (${ms(batches.map((b) => b.ms))}); ${withBackfill.length} held backfill events (${ms(withBackfill.map((b) => b.ms))})`);
  console.log(`    in those, the backfill's lane: ${per(own)} events, ${ms(own.map((l) => l.ms))}; the other lanes: ${per(others)} events, ${ms(others.map((l) => l.ms))}`);
  for (const queue of new Set(batches.map((b) => b.queue).filter(Boolean))) {
    const of = batches.filter((b) => b.queue === queue);
    const backfill = of.flatMap((b) => b.lanes).filter((l) => l.location === backfillLocation);
    console.log(`    queue ${queue}: ${of.length} batches (${ms(of.map((b) => b.ms))}), ${backfill.reduce((a, l) => a + l.messages, 0)} backfill messages`);
  }
}

/** Every event of `source` in the default location, all pages. */
async function eventsOf(stack, source) {
  const all = [];
  let cursor;
  do {
    const { body } = await admin(stack, `/events?limit=2000&source=${source}${cursor ? `&cursor=${cursor}` : ""}`);
    all.push(...body.events);
    cursor = body.nextCursor;
  } while (cursor);
  return all;
}

/** One Spot-Hit status callback, straight to the Worker's hook (as Spot-Hit calls it). */
async function postReceipt(stack, params) {
  const res = await fetch(`${stack.url}/v1/hooks/spothit/${SPOTHIT_TOKEN}/status?${new URLSearchParams(params)}`);
  const body = await res.json();
  if (res.status >= 300) throw new Error(`receipt ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

/**
 * A campaign's receipts in one burst. The first KNOWN numbers are contacts
 * the bridge already made (leads sent first); the rest it has never seen.
 * Live leads arrive during the burst: how long until each is applied.
 */
async function receiptBurst(stack) {
  await sandbox(stack, "/__sandbox/reset", {});
  await sandbox(stack, "/__sandbox/faults", {});
  const KNOWN = Math.min(150, RECEIPTS);
  const tag = `campaign${Date.now()}`;
  const number = (i) => `+3367${String(1_000_000 + i).padStart(7, "0")}`;
  const known = await postAll(stack, Array.from({ length: KNOWN }, (_, i) => ({
    full_name: `Client ${i}`, email: `${tag}.${i}@example.fr`, tel: number(i), message: "client", utm_campaign: "clients",
  })), 10);
  await waitSettled(stack, known.ids, 10 * 60_000);
  const since = Math.max(0, ...(await sandbox(stack, "/__sandbox/requests")).requests.map((r) => r.seq));
  // Delivered mostly; one in 20 failed (statut 4), as campaigns go.
  const receipts = Array.from({ length: RECEIPTS }, (_, i) => ({
    id_accuse: `${tag}-${i}`, id_message: "777", numero: number(i), statut: i % 20 === 7 ? "4" : "1",
    date_envoi: "1795341600", date_update: "1795341660", statut_code: "0", nom: "Soldes",
  }));
  const t0 = performance.now();
  let next = 0;
  const ackLatencies = [];
  const burst = Promise.all(Array.from({ length: 20 }, async () => {
    while (next < receipts.length) {
      const r = receipts[next++];
      const t = performance.now();
      await postReceipt(stack, r);
      ackLatencies.push(performance.now() - t);
    }
  })).then(() => (performance.now() - t0) / 1000);
  await new Promise((r) => setTimeout(r, 5000)); // receipts pile up first
  const leads = [];
  const rounds = 15;
  for (let s = 0; s < rounds; s++) {
    const started = performance.now();
    const r = await postForm(stack, { full_name: `Live ${s}`, email: `${tag}.live.${s}@example.fr`, tel: `07${String(20_000_000 + s)}`, message: "rappel svp" });
    if (r.status !== 202) throw new Error(`live lead: ${r.status} ${JSON.stringify(r.body)}`);
    leads.push(r.body.eventId);
    await new Promise((r) => setTimeout(r, Math.max(0, LIVE_EVERY_MS - (performance.now() - started))));
  }
  // Listed by source: the receipts would push them off a page of all events.
  let leadRecords = [];
  for (const deadline = Date.now() + 10 * 60_000; Date.now() < deadline;) {
    leadRecords = (await eventsOf(stack, "demo")).filter((e) => leads.includes(e.key));
    if (leadRecords.length === leads.length && leadRecords.every((e) => e.status === "done" || e.status === "parked")) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const leadLat = timeToApplied(leadRecords);
  const ackSeconds = await burst;
  // Receipts keep going at their share; look once the leads are in and a minute more.
  await new Promise((r) => setTimeout(r, 60_000));
  const elapsed = (performance.now() - t0) / 1000;
  const records = (await eventsOf(stack, "spothit-status")).filter((e) => e.key && e.status);
  const done = records.filter((e) => e.status === "done");
  const parked = records.filter((e) => e.status === "parked");
  const matched = done.filter((e) => e.action === "matched");
  const unknown = done.filter((e) => e.action !== "matched");
  const avg = (list) => (list.reduce((n, e) => n + e.ghlCalls, 0) / Math.max(1, list.length)).toFixed(2);
  const requests = (await sandbox(stack, `/__sandbox/requests?since=${since}`)).requests.filter((r) => r.path.startsWith("/ghl/"));
  const ms = (v) => `${(v / 1000).toFixed(1)} s`;
  ackLatencies.sort((a, b) => a - b);
  console.log(`\n== a ${RECEIPTS}-receipt Spot-Hit campaign in one burst (${KNOWN} to contacts the bridge knows, ${RECEIPTS - KNOWN} to numbers it has never seen), live leads during it`);
  console.log(`  receipts acknowledged  ${(RECEIPTS / ackSeconds).toFixed(1)} webhooks/s (all in ${ackSeconds.toFixed(1)} s); ack p50 ${pct(ackLatencies, 50).toFixed(1)} ms, p99 ${pct(ackLatencies, 99).toFixed(1)} ms`);
  console.log(`  live leads             ${leadLat.length} of ${rounds} applied; time to applied p50 ${ms(pct(leadLat, 50))}, p99 ${ms(pct(leadLat, 99))}, max ${ms(leadLat[leadLat.length - 1] ?? 0)} (target 30 s)`);
  console.log(`  receipts after ${elapsed.toFixed(0)} s   ${done.length} done (${(done.length / (elapsed / 60)).toFixed(0)} per minute), ${parked.length} parked, ${records.length - done.length - parked.length} still queued; lost ${RECEIPTS - records.length}`);
  console.log(`  GHL calls per receipt  known contact ${avg(matched)} (${matched.length} done, no upsert); unknown number ${avg(unknown)} (${unknown.length} done, upsert + tag)`);
  console.log(`  GHL                    ${requests.length} calls, 429s ${requests.filter((r) => r.status === 429).length}; busiest 10 s window ${busiestWindow(requests)} calls (budget 90: receipts at most 60, leads the rest)`);
}

/** The units counted since `before`, less `polls` readings of the usage route itself. */
function usageSince(now, before, self, polls) {
  const out = {};
  for (const k of Object.keys(now)) out[k] = now[k] - before[k] - polls * (self[k] ?? 0);
  out.queueOperations = out.queueWrites + 2 * out.queueReads + out.queueRetries;
  return out;
}

/** Waits until the counters stop moving but for the readings themselves
 * (`self` each: the queue drained), reading them every second. */
async function settledUsage(stack, before, expectReads, self) {
  const usage = async () => (await admin(stack, "/usage")).body;
  let polls = 0;
  let last = null;
  for (let i = 0; i < 300; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await usage();
    polls++;
    const moved = !last || Object.keys(now).some((k) => now[k] - last[k] !== (self[k] ?? 0));
    if (!moved && now.queueReads - before.queueReads >= expectReads) return { now, polls };
    last = now;
  }
  throw new Error(`the queue never drained: ${JSON.stringify(last)} since ${JSON.stringify(before)}`);
}

/** One kind of event: its units per event and their price per 100,000. */
function printCost(name, units, count) {
  const per = (k) => units[k] / count;
  const dollars = Object.entries(RATES).reduce((sum, [k, rate]) => sum + (per(k) * 100_000 / 1e6) * rate, 0);
  console.log(`  ${name}: per event ${per("workerInvocations").toFixed(2)} Worker invocations, ${per("doRequests").toFixed(2)} DO requests, `
    + `${per("rowsRead").toFixed(1)} rows read, ${per("rowsWritten").toFixed(1)} rows written, ${per("queueOperations").toFixed(2)} queue operations; `
    + `$${dollars.toFixed(4)} per 100,000`);
  const shares = Object.entries(RATES).map(([k, rate]) => `${k} ${((per(k) * rate) / (dollars / 100_000 * 1e6) * 100).toFixed(0)}%`);
  console.log(`    of which ${shares.join(", ")}`);
}

/** What a new lead and a receipt cost on Cloudflare, counted by the bridge. */
async function costRun(stack) {
  await sandbox(stack, "/__sandbox/reset", {});
  await sandbox(stack, "/__sandbox/faults", {});
  const usage = async () => (await admin(stack, "/usage")).body;
  const first = await usage();
  const self = usageSince(await usage(), first, {}, 0);
  const phones = Array.from({ length: COST_LEADS }, (_, i) => `+3367${String(1_000_000 + i).slice(-7)}`);
  const leads = phones.map((phone, i) => ({ first_name: "Coût", last_name: `Lead ${i}`, email: `cost-${i}@example.fr`, phone }));
  let before = await usage();
  await postAll(stack, leads, CONCURRENCY);
  let { now, polls } = await settledUsage(stack, before, COST_LEADS, self);
  const leadUnits = usageSince(now, before, self, polls + 1);
  before = await usage();
  for (let i = 0; i < COST_LEADS; i++) {
    await postReceipt(stack, { id_accuse: `cost-r-${i}`, id_message: "900001", numero: phones[i], statut: "1", statut_code: "0", date_envoi: "1795341600", date_update: "1795341660", nom: "Cost" });
  }
  ({ now, polls } = await settledUsage(stack, before, COST_LEADS, self));
  const receiptUnits = usageSince(now, before, self, polls + 1);
  console.log(`\n== what an event costs on Cloudflare (${COST_LEADS} of each, counted by the bridge, Workers Paid rates of 2026-12-07)`);
  printCost("new web-form lead", leadUnits, COST_LEADS);
  printCost("delivery receipt, known contact", receiptUnits, COST_LEADS);
}

if (ONLY_PROVIDER) {
  await providerRun();
  process.exit(0);
}
const stack = await startStack({}, { buildDir: process.env.WORKER_BUILD });
try {
  if (ONLY_COST) {
    await costRun(stack);
  } else if (ONLY_RECEIPTS) {
    await receiptBurst(stack);
  } else if (!ONLY_MANY) {
    await costRun(stack);
    const people = await phase(stack, "no faults", {}, EVENTS, CONCURRENCY);
    await phase(stack, "the same people again (updates)", {}, EVENTS, CONCURRENCY, people);
    await phase(stack, "20% 5xx + 15 s 429 storm + 50 ms latency", { errorRate: 0.2, errorStatus: 500, storm429ForMs: 15_000, latencyMs: 50, seed: 3 }, EVENTS, CONCURRENCY);
    if (BACKFILL > 0) await phase(stack, "bulk backfill", {}, BACKFILL, 20);
  }
  if (!ONLY_COST && !ONLY_RECEIPTS && !ONLY_MANY && RECEIPTS > 0) await receiptBurst(stack);
  if (!ONLY_COST && !ONLY_RECEIPTS && LOCATIONS > 1) {
    await sandbox(stack, "/__sandbox/reset", {});
    await sandbox(stack, "/__sandbox/faults", {});
    const locations = await manyLocations(stack);
    if (BACKFILL > 0) await backfillBesideLiveLeads(stack, locations);
  }
} catch (e) {
  // What the Worker said last, to explain a failure.
  console.error(stack.workerLogs().split("\n").filter((l) => !l.includes("POST /v1/hooks")).slice(-40).join("\n"));
  throw e;
} finally {
  await stack.stop();
}
if (!ONLY_COST && !ONLY_RECEIPTS && !ONLY_MANY) await providerRun();
