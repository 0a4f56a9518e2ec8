// Mapping throughput in Node, side by side in one run: the Rust engine as wasm,
// the same mappings in JSONata, and in plain JavaScript. Per event, each side
// parses the JSON payload and maps it; the wasm side also computes identity keys
// (always), and is timed again with the event's idempotency key (a SHA-256 of
// the canonical payload), which the Worker adds per event and JSONata's side
// has no equivalent of. Usage: node bench/mapping.mjs <path to the nodejs wasm pkg>
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { specterJsonata, specterPlain, webFormJsonata, webFormPlain } from "./mapping-baselines.mjs";
import { median } from "./stats.mjs";

const require = createRequire(import.meta.url);
const wasm = require(resolve(process.argv[2], "ghl_bridge_web.js"));
const templates = Object.fromEntries(wasm.templates().map((t) => [t.id, t]));

function payloads(id, n) {
  const sample = JSON.parse(templates[id].sample);
  return Array.from({ length: n }, (_, i) => {
    const p = { ...sample };
    if (id === "web-form") {
      delete p["E-mail"];
      p.email = `Lead.${i}@Example.FR`;
      p.tel = `06 12 ${String(i % 100).padStart(2, "0")} ${String(Math.floor(i / 100) % 100).padStart(2, "0")} ${String(i % 97).padStart(2, "0")}`;
      p.full_name = `jean-${i} de la tour`;
    } else {
      p.email = `person${i}@octave-robotics.fr`;
      p.person_id = `per_${i}`;
      p.full_name = `Camille Martin${i}`;
    }
    return JSON.stringify(p);
  });
}

const ROUNDS = 5;

/** Each side maps every event once per round, the sides taking turns round
 *  after round, so the machine's noise falls on all of them alike; a side's
 *  figure is its median round. */
async function measure(sides, events) {
  for (const side of sides) for (const e of events.slice(0, 1000)) await side.fn(e); // warm-up (and V8 tiers the wasm up)
  const rounds = sides.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, side] of sides.entries()) {
      const start = performance.now();
      for (const e of events) await side.fn(e);
      rounds[i].push(((performance.now() - start) / events.length) * 1000);
    }
  }
  return sides.map((side, i) => {
    const usPerEvent = median(rounds[i]);
    return { label: side.label, perSecond: 1e6 / usPerEvent, usPerEvent };
  });
}

const NOW = 1795341600;

// What a baseline must give for an event to count as the same work: the
// contact's fields, custom fields, tags and notes as the engine makes them.
function projection(out) {
  const c = out.contact ?? out;
  const fields = ["email", "firstName", "lastName", "companyName", "website", "city", "source"];
  return JSON.stringify({
    ...Object.fromEntries(fields.map((f) => [f, c[f] ?? null])),
    customFields: (c.customFields ?? []).map((f) => `${f.key}=${f.field_value}`).sort(),
    tags: out.tags,
    notes: (out.notes ?? []).map((n) => `${n.title ?? ""}|${n.body}`),
  });
}

// The Specter baselines do exactly what its template does: checked on the
// events measured, so a baseline that drifts from the template shows here.
async function agreement(id, compiled, events, jsonataExpr, plain) {
  if (id !== "specter-person") return "";
  let same = 0;
  for (const e of events.slice(0, 200)) {
    const engine = projection(compiled.apply(e, "json", "bench", null, NOW));
    const a = projection(await jsonataExpr.evaluate(JSON.parse(e)));
    const b = projection(plain(JSON.parse(e)));
    if (a === engine && b === engine) same++;
    else return `  a baseline differs from the engine:\n    engine  ${engine}\n    JSONata ${a}\n    plain   ${b}`;
  }
  return `  JSONata and plain JS give the engine's contact, tags and notes on ${same} of 200 events`;
}
console.log(`mapping benchmark in Node ${process.version} (2,000 distinct payloads; ${ROUNDS} rounds per side, the sides taking turns; each side's median round)`);
for (const [id, jsonataExpr, plain] of [
  ["web-form", webFormJsonata, webFormPlain],
  ["specter-person", specterJsonata, specterPlain],
]) {
  const events = payloads(id, 2000);
  const t0 = performance.now();
  const compiled = new wasm.CompiledMapping(templates[id].mapping);
  const compileUs = (performance.now() - t0) * 1000;
  const rows = await measure([
    { label: "wasm, parse + map", fn: (e) => compiled.mapCount(e, "json", NOW) },
    { label: "wasm, + idempotency key", fn: (e) => compiled.applyCount(e, "json", NOW) },
    { label: "wasm, full JS result", fn: (e) => compiled.apply(e, "json", "bench", null, NOW) },
    { label: "JSONata 2.2.2", fn: (e) => jsonataExpr.evaluate(JSON.parse(e)) },
    { label: "plain JavaScript", fn: (e) => plain(JSON.parse(e)) },
  ], events);
  const agrees = await agreement(id, compiled, events, jsonataExpr, plain);
  const base = rows[0].perSecond;
  console.log(`\n${id} (wasm validates the mapping once in ${compileUs.toFixed(0)} µs)`);
  for (const r of rows) {
    console.log(`  ${r.label.padEnd(24)} ${r.perSecond.toFixed(0).padStart(9)} events/s  ${r.usPerEvent.toFixed(1).padStart(7)} µs/event  wasm is ${(base / r.perSecond).toFixed(2)}x this`);
  }
  const jsonata = rows.find((r) => r.label.startsWith("JSONata")).perSecond;
  if (agrees) console.log(agrees);
  console.log(`  against JSONata (target 20x): parse + map ${(rows[0].perSecond / jsonata).toFixed(2)}x, with the idempotency key ${(rows[1].perSecond / jsonata).toFixed(2)}x`);
}
