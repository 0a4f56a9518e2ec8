// The cold path: what a fresh process (a new Worker isolate, a page's first
// preview) pays on its first call. Each figure is the median of 10 fresh Node
// processes; libphonenumber-js (the max metadata, for the same full validity
// check) is measured the same way in the same run as the baseline.
// Usage: node bench/cold.mjs   (after make build-npm)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const RUNS = 10;

// Each probe runs in its own process and prints a JSON object of milliseconds.
const probes = {
  ours: `
    const t0 = performance.now();
    const m = await import(${JSON.stringify(resolve(ROOT, "npm/node.js"))});
    const t1 = performance.now();
    const first = m.normalisePhone("06 12 34 56 78", "FR");
    const t2 = performance.now();
    m.normalisePhone("+1 415 555 2671");
    const t3 = performance.now();
    if (first !== "+33612345678") throw new Error(first);
    console.log(JSON.stringify({ import: t1 - t0, first: t2 - t1, secondRegion: t3 - t2 }));`,
  oursPreview: `
    const m = await import(${JSON.stringify(resolve(ROOT, "npm/node.js"))});
    const t = m.templates().find((x) => x.id === "web-form");
    const t1 = performance.now();
    const p = m.previewEvent(t.mapping, t.sample, "json", "loc_bench", 1795341600, null, null);
    const t2 = performance.now();
    if (!p.requests?.length) throw new Error("no request in the preview");
    console.log(JSON.stringify({ preview: t2 - t1 }));`,
  // The same preview in a process whose ICU is already up: the template's
  // time zone is read through Intl.DateTimeFormat, and Node builds ICU's
  // data on the first Intl object of the process (a second Node thread finds
  // it built, measured below; a new isolate in a running workerd should too,
  // not measured there).
  oursPreviewIntlWarm: `
    const m = await import(${JSON.stringify(resolve(ROOT, "npm/node.js"))});
    const t = m.templates().find((x) => x.id === "web-form");
    const t0 = performance.now();
    new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Paris" });
    const t1 = performance.now();
    const p = m.previewEvent(t.mapping, t.sample, "json", "loc_bench", 1795341600, null, null);
    const t2 = performance.now();
    if (!p.requests?.length) throw new Error("no request in the preview");
    const { Worker } = await import("node:worker_threads");
    const isolate = await new Promise((done, fail) => {
      const probe = "const t = performance.now(); new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Paris' });" +
        "require('node:worker_threads').parentPort.postMessage(performance.now() - t);";
      // execArgv: [] so the probe is a script, not a module like this one.
      new Worker(probe, { eval: true, execArgv: [] }).once("message", done).once("error", fail);
    });
    console.log(JSON.stringify({ intl: t1 - t0, preview: t2 - t1, intlSecondIsolate: isolate }));
    process.exit(0);`,
  libphonenumber: `
    const t0 = performance.now();
    const m = await import(${JSON.stringify(resolve(ROOT, "node_modules/libphonenumber-js/max/index.js"))});
    const t1 = performance.now();
    const n = m.parsePhoneNumber("06 12 34 56 78", "FR");
    const first = n.isValid() && n.number;
    const t2 = performance.now();
    const us = m.parsePhoneNumber("+1 415 555 2671");
    us.isValid();
    const t3 = performance.now();
    if (first !== "+33612345678") throw new Error(first);
    console.log(JSON.stringify({ import: t1 - t0, first: t2 - t1, secondRegion: t3 - t2 }));`,
};

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
}

function run(name) {
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", probes[name]], { encoding: "utf8" }));
}

// The sides take turns, run after run, so machine noise falls on both.
const runs = Object.fromEntries(Object.keys(probes).map((name) => [name, []]));
for (let i = 0; i < RUNS; i++) for (const name of Object.keys(probes)) runs[name].push(run(name));
const medians = (list) => Object.fromEntries(Object.keys(list[0]).map((k) => [k, median(list.map((r) => r[k]))]));
const ours = medians(runs.ours);
const theirs = medians(runs.libphonenumber);
const preview = medians(runs.oursPreview);
const warm = medians(runs.oursPreviewIntlWarm);
const version = JSON.parse(readFileSync(resolve(ROOT, "node_modules/libphonenumber-js/package.json"), "utf8")).version;
const ms = (v) => `${v.toFixed(2).padStart(8)} ms`;
console.log(`cold path in Node ${process.version}, median of ${RUNS} fresh processes each`);
console.log(`                                   ghl-bridge (wasm)   libphonenumber-js ${version} (max)`);
console.log(`  import                           ${ms(ours.import)}         ${ms(theirs.import)}`);
console.log(`  first normalisation (FR mobile)  ${ms(ours.first)}         ${ms(theirs.first)}   ratio ${(ours.first / theirs.first).toFixed(2)}x`);
console.log(`  then a number of another region  ${ms(ours.secondRegion)}         ${ms(theirs.secondRegion)}`);
console.log(`  first full preview (web-form)    ${ms(preview.preview)}`);
console.log(`    the process's first Intl object ${ms(warm.intl)}   (Node's ICU set-up, once per process; Intl alone, no wasm;`);
console.log(`                                    ${ms(warm.intlSecondIsolate)}   in a second isolate of the same process)`);
console.log(`    first full preview after it     ${ms(warm.preview)}   (the rest is mostly V8 compiling the wasm functions on first call)`);
