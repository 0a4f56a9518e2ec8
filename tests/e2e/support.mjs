// Shared helpers for the end-to-end tests: a real Worker on workerd (wrangler dev)
// and a real headless Chromium (Debian's, driven by playwright-core).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const ARTIFACTS = join(ROOT, "test-artifacts");

export async function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

async function waitFor(url, child, log, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`wrangler dev exited with ${child.exitCode}:\n${log()}`);
    }
    try {
      const res = await fetch(url);
      // 503: up, and saying its configuration is wrong (config.test.mjs).
      if (res.ok || res.status === 503) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms:\n${log()}`);
}

/**
 * Starts `command`, keeping what it prints. With `eachLine`, each line is
 * rewritten once, when it is complete (a stream's unfinished line waits for
 * its end, or for the stream to close): the log then only grows, so an
 * offset into it stays good.
 */
function startProcess(command, args, env, eachLine = null, cwd = ROOT) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  // A long run (make load) keeps its last 64 MB of output, not all of it.
  const MAX_KEPT = 64 * 1024 * 1024;
  let output = "";
  let seen = 0;
  const append = (text) => {
    output += text;
    if (output.length > MAX_KEPT) output = output.slice(-MAX_KEPT / 2);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let unfinished = "";
    stream.on("data", (d) => {
      seen += d.length;
      if (!eachLine) return append(d);
      const text = unfinished + d;
      const end = text.lastIndexOf("\n") + 1;
      unfinished = text.slice(end);
      append(text.slice(0, end).split("\n").map((line, i, all) => (i < all.length - 1 ? eachLine(line) : line)).join("\n"));
    });
    stream.on("close", () => {
      if (unfinished) append(eachLine(unfinished));
    });
  }
  return {
    child,
    log: () => output,
    bytesSeen: () => seen,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      try { process.kill(-child.pid, "SIGTERM"); } catch { return; }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) {
        try { process.kill(-child.pid, "SIGKILL"); } catch { /* already gone */ }
      }
    },
  };
}

export const ADMIN_TOKEN = "e2e-admin-token";
export const FORM_SECRET = "whsec_Z2hsLWJyaWRnZS1kZXYtc2VjcmV0";
export const SPOTHIT_TOKEN = "e2e-spothit-token";
/** The conversation provider's Delivery URL secret (`GHL_APP_HOOK_SECRET`). */
export const APP_HOOK_SECRET = "e2e-app-hook-secret";
/** The sandbox's Ed25519 webhook key (a development key; see crates/sandbox/src/webhooks.rs). */
export const SANDBOX_WEBHOOK_KEY = "5h848clIXD6A20H/EXyI6CDIOK7YmVD/i3sWu3xg1aM=";

/**
 * The GHL sandbox and the Worker on free ports, wired to each other: the Worker
 * writes to the sandbox's GHL, the sandbox sends its webhooks to the Worker.
 */
export async function startStack(extraVars = {}, options = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStackOnce(extraVars, options);
    } catch (e) {
      // Another process took a chosen port between freePort() and workerd's
      // bind (seen once in CI): the whole stack again, on new ports.
      if (attempt >= 3 || !/Address already in use/.test(e.message)) throw e;
    }
  }
}

async function startStackOnce(extraVars, options) {
  const workerPort = await freePort();
  const sandboxPort = await freePort();
  const workerUrl = `http://127.0.0.1:${workerPort}`;
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const sandbox = startProcess(join(ROOT, "target/debug/ghl-bridge-sandbox"),
    ["--port", String(sandboxPort), "--webhook-url", `${workerUrl}/v1/hooks/ghl`,
      "--spothit-callback-base", `${workerUrl}/v1/hooks/spothit/${SPOTHIT_TOKEN}`,
      // The bridge as dev-location's SMS provider in the sandbox's GHL, when asked.
      ...(options.smsProvider ? ["--provider-url", `${workerUrl}/v1/hooks/ghl/provider/${APP_HOOK_SECRET}`] : []),
      // GHL's workflow engine calls the app's actions and trigger subscriptions there.
      "--app-url", workerUrl, "--app-key", APP_HOOK_SECRET], {});
  await waitFor(`${sandboxUrl}/__sandbox/config`, sandbox.child, sandbox.log, 20_000);
  const vars = {
    ADMIN_TOKEN, FORM_SOURCE_ID: "demo", FORM_SIGNING_SECRET: FORM_SECRET,
    GHL_BASE_URL: `${sandboxUrl}/ghl`, GHL_TOKEN: "sandbox-location-token", GHL_LOCATION_ID: "dev-location",
    DEFAULT_PHONE_REGION: "FR", SPOTHIT_PATH_TOKEN: SPOTHIT_TOKEN,
    GHL_WEBHOOK_PUBLIC_KEY: SANDBOX_WEBHOOK_KEY, ECHO_WINDOW_SECONDS: "3",
    SECRETS_KEY: "ZTJlLXNlY3JldHMta2V5LW9mLTMyLWJ5dGVzLW9rISE=",
    SPOTHIT_API_KEY: "sandbox-spothit-key", SPOTHIT_BASE_URL: `${sandboxUrl}/spothit/api`,
    SPECTER_API_KEY: "sandbox-specter-key", SPECTER_BASE_URL: `${sandboxUrl}/specter/api/v1`,
    GHL_APP_HOOK_SECRET: APP_HOOK_SECRET, GHL_SSO_KEY: "dev-sso-shared-secret",
    // The sandbox's GHL frame embeds the app's page.
    APP_FRAME_ANCESTORS: sandboxUrl,
    ...(options.smsProvider ? { GHL_CONVERSATION_PROVIDER_ID: "sandbox-sms-provider" } : {}),
    ...(typeof extraVars === "function" ? extraVars(sandboxUrl) : extraVars),
  };
  for (const [k, v] of Object.entries(vars)) if (v === null) delete vars[k];
  let worker;
  try {
    worker = await startWorker(workerPort, vars, options);
  } catch (e) {
    await sandbox.stop(); // not left running behind a failed start
    throw e;
  }
  return {
    url: worker.url,
    sandboxUrl,
    /** Where wrangler keeps the Worker's local state (its Durable Objects' SQLite files). */
    stateDir: worker.stateDir,
    logs: () => worker.log() + sandbox.log(),
    workerLogs: () => worker.log(),
    /** How much the Worker printed in all (its log keeps only the end of a long run). */
    workerLogBytes: () => worker.bytesSeen(),
    async stop() {
      await worker.stop();
      await sandbox.stop();
    },
  };
}

/**
 * A private copy of the Worker for one test run, in a directory of its own:
 * its bundle (`buildDir`), its wrangler file without `[build]` (`make test`
 * builds once) and the page, so that nothing the run uses changes under it
 * when the sources are edited or rebuilt meanwhile. `buildDir` may be another
 * build's, for a benchmark's baseline; a build from when the Worker was two
 * scripts (a `build-store` beside it) runs as the two scripts it was. `vars`
 * go to every script, in the directory's `.dev.vars` (wrangler prints those
 * hidden). Returns the wrangler files, the Worker's first.
 */
export function testConfig({ withoutQueue = false, buildDir = join(ROOT, "crates/worker/build"), vars = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "ghl-bridge-worker-"));
  cpSync(buildDir, join(dir, "build"), { recursive: true });
  cpSync(join(ROOT, "www"), join(dir, "www"), { recursive: true });
  const storeBuild = join(dirname(buildDir), "build-store");
  const split = existsSync(join(storeBuild, "index.js"));
  const out = [];
  let skipping = false;
  for (const line of readFileSync(join(ROOT, "wrangler.toml"), "utf8").split("\n")) {
    // Without the queue producer, sending to the queue fails: a broken binding.
    if (/^\[/.test(line)) {
      skipping = line.trim() === "[build]" || (withoutQueue && line.trim() === "[[queues.producers]]")
        || (split && line.trim() === "[[migrations]]");
    }
    if (skipping) continue;
    out.push(line.replace(/^main = .*/, 'main = "build/index.js"'));
    if (split && line.startsWith("class_name")) out.push('script_name = "ghl-bridge-store"');
  }
  writeFileSync(join(dir, ".dev.vars"), Object.entries(vars).map(([k, v]) => `${k}=${dotenvQuoted(String(v))}\n`).join(""));
  const worker = join(dir, "wrangler.toml");
  writeFileSync(worker, out.join("\n"));
  if (!split) return [worker];
  cpSync(storeBuild, join(dir, "build-store"), { recursive: true });
  const store = join(dir, "wrangler.store.toml");
  writeFileSync(store, SPLIT_STORE_TOML);
  return [worker, store];
}

/** The store script of the builds that had one (up to the merge back into one script). */
const SPLIT_STORE_TOML = `name = "ghl-bridge-store"
main = "build-store/index.js"
compatibility_date = "2026-04-01"
send_metrics = false

[[durable_objects.bindings]]
name = "BRIDGE_STORE"
class_name = "BridgeStore"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["BridgeStore"]

[[queues.producers]]
binding = "EVENTS"
queue = "ghl-bridge-events"

[[queues.producers]]
binding = "PACED_EVENTS"
queue = "ghl-bridge-paced"
`;

/** `value` quoted for a .dev.vars line (dotenv keeps single-quoted text as it is). */
function dotenvQuoted(value) {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes("`")) return `\`${value}\``;
  throw new Error(`a var with both ' and \` cannot go into .dev.vars: ${value.slice(0, 20)}…`);
}

/**
 * wrangler dev without its devtools inspector proxy. That proxy forwards every
 * devtools message of the runtime (several per outbound fetch, with Network
 * enabled) to wrangler's Node process as its own HTTP request, fire and
 * forget: under load that was 1,000 to 4,000 open sockets in workerd and
 * "Too many open files". wrangler skips the inspector when this variable (set
 * by VS Code's debug terminal) is present; the Worker's console lines still
 * arrive, through workerd's structured logs.
 */
export const WITHOUT_INSPECTOR = { VSCODE_INSPECTOR_OPTIONS: "ghl-bridge: no inspector proxy" };

export async function startWorker(chosenPort, vars = {}, options = {}) {
  const port = chosenPort ?? (await freePort());
  // A given state directory is kept: a restarted Worker finds its Durable Objects again.
  const state = options.stateDir ?? mkdtempSync(join(tmpdir(), "ghl-bridge-e2e-"));
  // With two scripts (a baseline's), wrangler starts each of their lines with
  // the script's name (`[undefined]` without the inspector); the readers of
  // the log expect the JSON lines as the Worker wrote them.
  const worker = startProcess(join(ROOT, "node_modules/.bin/wrangler"),
    ["dev", ...testConfig({ ...options, vars }).flatMap((path) => ["--config", path]),
      "--ip", "127.0.0.1", "--port", String(port),
      "--persist-to", state, "--log-level", "log", "--test-scheduled"],
    { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_HIDE_BANNER: "true", CI: "true", ...WITHOUT_INSPECTOR },
    (line) => line.replace(/^\[[\w-]+\] (?=\{)/, ""));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/health`, worker.child, worker.log, 60_000);
  } catch (e) {
    await worker.stop();
    throw e;
  }
  return { url, log: worker.log, bytesSeen: worker.bytesSeen, stop: worker.stop, stateDir: state };
}

/**
 * The console open at one location, signed in with the admin token, in a
 * fresh page of `browser`; `errors` collects the page's uncaught errors.
 */
export async function consoleAt(browser, stack, locationId, viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${stack.url}/console/`);
  await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "Open" }).click();
  await page.locator(`#locations tr[data-location="${locationId}"] a`).click();
  return { page, errors };
}

/** Debian's Chromium, headless, with the flags this offline machine needs. */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
      "--no-first-run", "--disable-background-networking", "--disable-component-update",
      "--disable-sync"],
  });
}

export function artifactPath(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** A Standard Webhooks delivery of `payload` to the demo form source. */
export async function postForm(stack, payload, { id, timestamp, secret = FORM_SECRET, source = "demo", contentType = "application/json" } = {}) {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const msgId = id ?? `msg_${Math.random().toString(36).slice(2)}`;
  const ts = String(timestamp ?? Math.floor(Date.now() / 1000));
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const sig = createHmac("sha256", key).update(`${msgId}.${ts}.${body}`).digest("base64");
  const res = await fetch(`${stack.url}/v1/hooks/forms/${source}`, {
    method: "POST",
    headers: { "content-type": contentType, "webhook-id": msgId, "webhook-timestamp": ts, "webhook-signature": `v1,${sig}` },
    body,
  });
  return { status: res.status, body: await res.json(), id: msgId };
}

export async function sandbox(stack, path, body) {
  const res = await fetch(`${stack.sandboxUrl}${path}`, body === undefined ? {} : {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  return res.json();
}

export async function admin(stack, path, init = {}) {
  const res = await fetch(`${stack.url}/v1/admin${path}`, {
    ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.headers ?? {}) },
  });
  return { status: res.status, body: await res.json() };
}

/** Polls `check` until it returns a truthy value or time runs out. */
export async function eventually(check, { timeoutMs = 30_000, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Waits until every recorded event is done or parked. */
export async function settled(stack, count, timeoutMs = 60_000) {
  return eventually(async () => {
    const { body } = await admin(stack, "/events");
    const events = body.events ?? [];
    return events.length >= count && events.every((e) => e.status === "done" || e.status === "parked") ? events : null;
  }, { timeoutMs, what: `${count} events to settle` });
}

/** A call to the sandbox's GHL API as a person using GHL would make it. */
export async function ghl(stack, method, path, body) {
  const res = await fetch(`${stack.sandboxUrl}/ghl${path}`, {
    method,
    headers: { authorization: "Bearer sandbox-location-token", version: "2021-07-28", "content-type": "application/json", accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** The consumer's batch lines in `log` (the Worker's output), as objects:
 *  `{queue, ms, lanes: [{location, messages, ms, events}]}`. */
export function batchesIn(log) {
  return log.split("\n").filter((l) => l.includes('"batch":')).flatMap((l) => {
    try { return [JSON.parse(l.slice(l.indexOf("{"))).batch]; } catch { return []; }
  });
}

/**
 * The Worker's own log lines (JSON objects; wrangler's request lines are
 * skipped), checked for what operability promises: each names the event it is
 * about (a consumer batch's line, the events of its lanes), and no secret
 * appears anywhere in the whole log.
 */
export function checkWorkerLogs(stack, secrets) {
  const text = stack.workerLogs();
  for (const secret of secrets) assert.ok(!text.includes(secret), `a secret is in the Worker's logs: ${secret.slice(0, 6)}…`);
  const lines = text.split("\n").filter((l) => l.trim().startsWith("{"));
  assert.ok(lines.length > 0, "the Worker logged JSON lines");
  for (const line of lines) {
    const entry = JSON.parse(line);
    assert.ok(entry.level, line);
    // A consumer batch's line names the events of each of its lanes.
    const batchNamesItsEvents = entry.batch?.lanes?.every((lane) => lane.events?.length === lane.messages);
    assert.ok(entry.event || entry.ghlEvent || entry.cron || batchNamesItsEvents, `a log line without its event: ${line}`);
  }
  return lines.length;
}
