// What a new isolate pays for each of the Worker's scripts before its first
// request: compiling the wasm, and the whole startup as Cloudflare limits it
// (1 s to parse the script and run its global scope, which instantiates the
// wasm). Two figures per script, each run in a fresh process:
//   - `new WebAssembly.Module` in headless Chromium (V8, as workerd), a new
//     browser per run so that V8's module cache is empty;
//   - `wrangler check startup`'s profile on workerd (its duration).
//
//   node bench/startup.mjs                        this build's two scripts
//   BASELINE=/path/to/crates/worker/build node bench/startup.mjs
//
// With BASELINE, that build's scripts are measured too, in turns with these (a
// build from before the split is its one script), and ratios printed. RUNS (7)
// per script; figures are medians. Needs this build (scripts/build-worker.sh).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { ROOT, launchChromium, testConfig } from "../tests/e2e/support.mjs";
import { median } from "./stats.mjs";

const RUNS = Number(process.env.RUNS ?? 7);
const BASELINE = process.env.BASELINE;

/** One `wrangler check startup` of the script `config` describes: its profile's ms. */
function startupMs(config) {
  const out = join(mkdtempSync(join(tmpdir(), "ghl-bridge-startup-")), "startup.cpuprofile");
  execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["check", "startup", "--config", config, "--outfile", out],
    { cwd: ROOT, stdio: "ignore", env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" } });
  const profile = JSON.parse(readFileSync(out, "utf8"));
  return (profile.endTime - profile.startTime) / 1000;
}

/** Compiling `wasm` in a new headless Chromium: ms. */
async function compileMs(wasm) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    return await page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const start = performance.now();
      new WebAssembly.Module(bytes);
      return performance.now() - start;
    }, wasm.toString("base64"));
  } finally {
    await browser.close();
  }
}

/** The scripts of the build in `buildDir` (this one's by default), as wrangler would run them. */
function scriptsOf(side, buildDir) {
  const configs = testConfig({ buildDir });
  return configs.map((config) => {
    const main = readFileSync(config, "utf8").match(/^main = "(.*)"/m)[1];
    const wasmPath = join(dirname(config), dirname(main), "index_bg.wasm");
    const part = configs.length === 1 ? "(one script)" : basename(config) === "wrangler.toml" ? "front" : "store";
    const gzip = Number(execFileSync("sh", ["-c", `gzip -9c '${wasmPath}' | wc -c`], { encoding: "utf8" }));
    return { name: `${side} ${part}`, config, wasm: readFileSync(wasmPath), gzip, compile: [], startup: [] };
  });
}

const scripts = [...scriptsOf("this build", undefined), ...(BASELINE ? scriptsOf("baseline", BASELINE) : [])];
for (let run = 0; run < RUNS; run++) {
  for (const script of scripts) {
    script.compile.push(await compileMs(script.wasm));
    script.startup.push(startupMs(script.config));
  }
}
const ms = (values) => `${median(values).toFixed(1).padStart(5)} ms`;
console.log(`per script, median of ${RUNS} fresh processes each (wasm gzip as GNU gzip -9 counts it):`);
for (const s of scripts) {
  console.log(`  ${s.name.padEnd(24)} wasm ${String(s.gzip).padStart(7)} gzip  compile ${ms(s.compile)}  startup ${ms(s.startup)}`);
  console.log(`  ${"".padEnd(24)} compile runs ${s.compile.map((v) => v.toFixed(1)).join(" ")}; startup runs ${s.startup.map((v) => v.toFixed(1)).join(" ")}`);
}
if (BASELINE) {
  const base = scripts.filter((s) => s.name.startsWith("baseline"));
  const slowest = (key) => Math.max(...base.map((s) => median(s[key])));
  for (const s of scripts.filter((s) => s.name.startsWith("this build"))) {
    console.log(`  ${s.name}: compile ${(median(s.compile) / slowest("compile")).toFixed(2)}x, startup ${(median(s.startup) / slowest("startup")).toFixed(2)}x the baseline's slowest script`);
  }
}
