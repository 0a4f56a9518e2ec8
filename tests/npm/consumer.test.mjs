// The npm package as a consumer gets it: `npm pack`, unpacked into a fresh
// project's node_modules, then imported by name (Node), bundled by esbuild and
// run, and type-checked by tsc. Needs `make build-npm` first (make test does).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { before, test } from "node:test";
import { launchChromium } from "../e2e/support.mjs";

const ROOT = resolve(import.meta.dirname, "../..");
const bin = (name) => join(ROOT, "node_modules/.bin", name);
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

let project;
before(() => {
  project = mkdtempSync(join(tmpdir(), "ghl-bridge-consumer-"));
  run("npm", ["pack", join(ROOT, "npm"), "--pack-destination", project, "--silent"], project);
  const tarball = readdirSync(project).find((f) => f.endsWith(".tgz"));
  assert.ok(tarball, "npm pack made a tarball");
  const installed = join(project, "node_modules/ghl-bridge");
  mkdirSync(installed, { recursive: true });
  run("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"], project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "dashboard", private: true, type: "module" }));
  for (const f of ["consumer.mjs", "consumer.ts", "tsconfig.json", "dashboard.js"]) cpSync(join(import.meta.dirname, f), join(project, f));
});

test("the packed package holds only what it needs", () => {
  const files = run("tar", ["-tzf", readdirSync(project).find((f) => f.endsWith(".tgz"))], project).trim().split("\n").sort();
  assert.deepEqual(files, [
    "package/README.md", "package/dist/ghl_bridge_web.js", "package/dist/ghl_bridge_web_bg.wasm",
    "package/index.d.ts", "package/node.js", "package/package.json", "package/web.js",
  ]);
});

test("Node imports it by name and every export works", () => {
  const out = JSON.parse(run("node", ["consumer.mjs"], project));
  assert.deepEqual(out, { ok: true, calls: 3, rows: 5 });
});

test("an esbuild bundle of the consumer runs", () => {
  run(bin("esbuild"), ["consumer.mjs", "--bundle", "--platform=node", "--format=esm", "--outfile=out/bundle.mjs", "--log-level=warning"], project);
  const bundle = readFileSync(join(project, "out/bundle.mjs"), "utf8");
  assert.doesNotMatch(bundle, /from\s*["']ghl-bridge["']/, "the package is inside the bundle, not imported");
  const out = JSON.parse(run("node", ["out/bundle.mjs"], project));
  assert.equal(out.ok, true);
});

test("the types compile under tsc --strict, and catch misuse", () => {
  try {
    run(bin("tsc"), ["-p", "tsconfig.json"], project);
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
  // The same consumer with a wrong field: tsc must refuse it.
  writeFileSync(join(project, "wrong.ts"), 'import { templates } from "ghl-bridge";\nconst n: number = templates()[0].name;\nconsole.log(n);\n');
  writeFileSync(join(project, "tsconfig.wrong.json"), JSON.stringify({ extends: "./tsconfig.json", files: ["wrong.ts"] }));
  assert.throws(() => run(bin("tsc"), ["-p", "tsconfig.wrong.json"], project), (e) => /TS2322/.test(e.stdout));
});

test("an esbuild browser bundle runs in Chromium with the wasm shipped next to it", async () => {
  run(bin("esbuild"), ["dashboard.js", "--bundle", "--format=esm", "--platform=browser", "--outfile=site/dashboard.js", "--log-level=warning"], project);
  cpSync(join(project, "node_modules/ghl-bridge/dist/ghl_bridge_web_bg.wasm"), join(project, "site/ghl_bridge_web_bg.wasm"));
  writeFileSync(join(project, "site/index.html"), '<!doctype html><script type="module" src="dashboard.js"></script>');
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer((req, res) => {
    const file = join(project, "site", req.url === "/" ? "index.html" : req.url.slice(1));
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": types[file.slice(file.lastIndexOf("."))] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => document.body?.dataset.result, null, { timeout: 15_000 });
    const result = JSON.parse(await page.evaluate(() => document.body.dataset.result));
    assert.deepEqual(result, { kinds: ["upsert", "tags", "note"], phone: "+33612345678", create: 3 });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
