// The console's first screen (every location and its 24 h health) with many
// locations and many stored events, on workerd: make bench-console.
//  1. LOCATIONS (50) locations, each sent one real lead through its own form
//     source: the baseline, measured first.
//  2. The Worker stopped, each location's Durable Object file given PER_LOCATION
//     (10,000) more events copied from that real one (bench/seed-events.py:
//     same schema, record and payload, own keys, the last SPAN_HOURS (23, all inside the screen's 24 h) of
//     times, a mix of outcomes), the Worker started again on the same state.
// Each side: the first screen once right after the Worker started (cold: every
// Durable Object wakes and opens its file), then the median of 7; through the
// admin API as the console calls it (`/locations?healthHours=24`, one request),
// beside the 51 requests it took before (the list, then each health route), and
// in Chromium (the console's own first-screen time).
// Prints figures; asserts nothing.
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import {
  ADMIN_TOKEN, ROOT, admin, artifactPath, launchChromium, postForm, startStack,
} from "../tests/e2e/support.mjs";
import { addLocations } from "./locations.mjs";
import { median } from "./stats.mjs";
import { join } from "node:path";

const LOCATIONS = Number(process.env.LOCATIONS ?? 50);
const PER_LOCATION = Number(process.env.PER_LOCATION ?? 10_000);
const SPAN_HOURS = Number(process.env.SPAN_HOURS ?? 23);
const RUNS = 7;

const ms = (x) => `${x.toFixed(0)} ms`;

/** The default location plus sandbox locations console-01.., each with a form source. */
async function allLocations(stack) {
  const added = await addLocations(stack, LOCATIONS - 1, "console");
  return [{ location: "dev-location", source: "demo" }, ...added.map(({ id, source, secret }) => ({ location: id, source, secret }))];
}

/** One real lead per location, and waits until each is applied. */
async function oneLeadEach(stack, sources) {
  await Promise.all(sources.map(({ location, source, secret }, i) => postForm(stack, {
    full_name: `Lead ${i}`, email: `lead.${i}@example.fr`, tel: `06${String(20_000_000 + i)}`,
    message: "Bonjour, je voudrais un devis.", utm_source: "google",
  }, { source, ...(secret ? { secret } : {}) }).then((r) => {
    if (r.status !== 202) throw new Error(`${location}: ack ${r.status}`);
  })));
  for (const { location } of sources) {
    for (;;) {
      const { body } = await admin(stack, `/locations/${location}/events?limit=1`);
      if (["done", "parked"].includes(body.events?.[0]?.status)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** The console's first screen through the API: one request, every location's health in it. */
async function firstScreenApi(stack) {
  const started = performance.now();
  const { status, body } = await admin(stack, "/locations?healthHours=24");
  const elapsed = performance.now() - started;
  if (status !== 200) throw new Error(`locations: ${status}`);
  const failed = body.locations.filter((l) => !l.health).map((l) => l.healthError);
  if (failed.length) throw new Error(`${failed.length} healths failed: ${failed[0]}`);
  const count = ({ done, retried, parked, ignored, pending }) => done + retried + parked + ignored + pending;
  const events = body.locations.reduce((n, l) => n + count(l.health.totals), 0);
  return { elapsed, locations: body.locations.length, events };
}

/** As the console did before: the list, then each location's health route, side by side. */
async function perLocationApi(stack) {
  const started = performance.now();
  const { body } = await admin(stack, "/locations");
  const healths = await Promise.all(body.locations.map((l) => admin(stack, `/locations/${l.id}/health?hours=24`)));
  if (healths.some((h) => h.status !== 200)) throw new Error("a health answer failed");
  return performance.now() - started;
}

/** The console in Chromium: the token typed, the locations screen's own time. */
async function firstScreenPage(browser, stack, label) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${stack.url}/console/`);
  await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "Open" }).click();
  await page.waitForFunction(() => document.body.dataset.firstScreenMs);
  const first = Number(await page.evaluate(() => document.body.dataset.firstScreenMs));
  const again = [];
  for (let i = 0; i < RUNS; i++) {
    await page.reload(); // the token is in sessionStorage: the screen opens by itself
    await page.waitForFunction(() => document.body.dataset.firstScreenMs);
    again.push(Number(await page.evaluate(() => document.body.dataset.firstScreenMs)));
  }
  const rows = await page.locator("#locations tbody tr").count();
  await page.screenshot({ path: artifactPath(`bench-console-${label}.png`) });
  await page.close();
  return { first, median: median(again), rows };
}

async function measure(stack, browser, label) {
  const cold = await firstScreenApi(stack);
  const warm = [];
  const perLocation = [];
  for (let i = 0; i < RUNS; i++) {
    warm.push((await firstScreenApi(stack)).elapsed);
    perLocation.push(await perLocationApi(stack));
  }
  const search = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const { status } = await admin(stack, "/locations/dev-location/events?contact=nobody%40example.fr&limit=50");
    if (status !== 200) throw new Error(`search: ${status}`);
    search.push(performance.now() - t);
  }
  const page = await firstScreenPage(browser, stack, label.split(" ")[0]);
  console.log(`${label.padEnd(34)} API cold ${ms(cold.elapsed).padStart(8)}, median ${ms(median(warm)).padStart(8)} | page first ${ms(page.first).padStart(8)}, median ${ms(page.median).padStart(8)} | ${cold.locations} locations (${page.rows} rows), ${cold.events} events in 24 h`);
  console.log(`${"".padEnd(34)} the same through ${cold.locations + 1} requests (list, then each health route): median ${ms(median(perLocation))}`);
  console.log(`${"".padEnd(34)} a search by e-mail that matches nothing (every payload read): median ${ms(median(search))}`);
  return { cold: cold.elapsed, warm: median(warm), pageFirst: page.first, page: page.median, search: median(search) };
}

const started = performance.now();
let stack = await startStack();
const stateDir = stack.stateDir;
const browser = await launchChromium();
try {
  const sources = await allLocations(stack);
  await oneLeadEach(stack, sources);
  console.log(`the console's first screen, ${LOCATIONS} locations (setup ${((performance.now() - started) / 1000).toFixed(0)} s)`);
  await stack.stop();
  stack = await startStack({}, { stateDir });
  const base = await measure(stack, browser, "1 event each (baseline)");

  await stack.stop();
  const seededAt = performance.now();
  const out = execFileSync("python3", [join(ROOT, "bench/seed-events.py"), stateDir, String(PER_LOCATION), String(SPAN_HOURS)], { encoding: "utf8" });
  const { files } = JSON.parse(out);
  console.log(`seeded ${PER_LOCATION} events into each of ${files} locations' files in ${((performance.now() - seededAt) / 1000).toFixed(0)} s`);
  stack = await startStack({}, { stateDir });
  const many = await measure(stack, browser, `${PER_LOCATION + 1} events each`);
  const ratio = (a, b) => `${(a / Math.max(1, b)).toFixed(2)}x`;
  console.log(`ratio to the baseline: API cold ${ratio(many.cold, base.cold)}, median ${ratio(many.warm, base.warm)}; page first ${ratio(many.pageFirst, base.pageFirst)}, median ${ratio(many.page, base.page)}; search ${ratio(many.search, base.search)}`);
} finally {
  await browser.close();
  await stack.stop();
}
