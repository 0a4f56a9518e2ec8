// The bridge's page inside GHL (a custom page in an iframe). GHL's parent
// window gives the signed-in user on REQUEST_USER_DATA; the Worker swaps
// that payload for a session of its own (POST /v1/sso), kept in memory only,
// never in a URL or storage. Opened on its own, the page takes an admin or a
// location token, as the console does. Everything goes through the npm
// module's typed BridgeClient.
import init, { BridgeClient } from "../pkg/ghl_bridge_web.js";
import { $, el } from "../dom.js";

let client;
let session = { locations: [], role: "admin" };

function say(text, kind = "") {
  const status = $("app-status");
  status.textContent = text;
  status.className = `status ${kind}`;
}

/** Asks GHL's parent window for the user, once; `null` when none answers. */
function userFromGhl(timeoutMs = 4000) {
  if (window.parent === window) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    window.addEventListener("message", function answer(e) {
      if (e.source !== window.parent || e.data?.message !== "REQUEST_USER_DATA_RESPONSE") return;
      clearTimeout(timer);
      window.removeEventListener("message", answer);
      resolve(e.data.payload);
    });
    window.parent.postMessage({ message: "REQUEST_USER_DATA" }, "*");
  });
}

async function signIn() {
  const payload = await userFromGhl();
  if (!payload) {
    $("who").textContent = "Opened outside GHL: sign in with a token.";
    $("login").hidden = false;
    return;
  }
  const res = await fetch("/v1/sso", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ payload }) });
  const body = await res.json();
  if (!res.ok) {
    $("who").textContent = "GHL signed you in, but the bridge cannot open this sub-account.";
    say(body.error?.message ?? `HTTP ${res.status}`, "error");
    return;
  }
  session = body;
  client = new BridgeClient(location.origin, body.token);
  $("who").textContent = `Signed in by GHL · ${body.role === "admin" ? "you may change settings" : "you may look, not change"} · until ${new Date(body.expiresAt).toLocaleTimeString()}`;
  await showTabs(body.locations);
}

async function showTabs(ids) {
  const tabs = $("location-tabs");
  tabs.replaceChildren();
  tabs.hidden = ids.length < 2;
  for (const id of ids) {
    const b = el("button", id);
    b.type = "button";
    b.dataset.location = id;
    b.addEventListener("click", () => showLocation(id));
    tabs.append(b);
  }
  if (ids.length) await showLocation(ids[0]);
}

let current;

async function showLocation(id) {
  current = client.forLocation(id);
  for (const b of $("location-tabs").querySelectorAll("button")) b.setAttribute("aria-current", String(b.dataset.location === id));
  document.body.classList.toggle("read-only", session.role !== "admin");
  $("location-name").textContent = id;
  $("location").hidden = false;
  const [health, connections, provider, { subscriptions }, alerts] = await Promise.all([
    current.health(24), current.connections(), current.conversationProvider(), current.workflows(), current.alerts(),
  ]);
  const specter = connections.specter;
  $("specter-state").textContent = specter?.connected
    ? `Connected (key …${specter.apiKeyLast4}). Credits are spent within the budgets of the sync rules (daily ${"1,000"} by default).`
    : "Not connected: paste the team's API key (Specter › Settings › API).";
  $("alerts-state").textContent = alerts.webhookUrl
    ? `Alerts go to ${alerts.webhookUrl} (${alerts.format === "slack" ? "Slack" : "signed webhook"}).`
    : "No destination: alerts (dead letters, GHL disconnected, credits) are not sent anywhere.";
  $("alerts-url").value = alerts.webhookUrl ?? "";
  const counts = $("health");
  counts.replaceChildren();
  const done = health.hourly.reduce((n, p) => n + p.done, 0);
  for (const [n, what, bad] of [[done, "done in 24 h", false], [health.parked, "waiting for a person (dead letters)", health.parked > 0]]) {
    const li = el("li", undefined, bad ? "conflict" : "");
    li.append(el("strong", String(n)), el("span", ` ${what}`));
    counts.append(li);
  }
  const spothit = connections.connections?.find((c) => c.service === "spothit") ?? connections.spothit ?? null;
  showSpotHit(spothit);
  $("provider-enabled").checked = provider.enabled;
  $("provider-sender").value = provider.sender ?? "";
  $("provider-replies").value = provider.replies;
  const box = $("workflows");
  box.replaceChildren();
  if (!subscriptions.length) box.append(el("p", "No workflow uses the bridge's triggers yet. Add one in GHL's workflow builder: Spot-Hit and Specter are in its list.", "hint"));
  for (const s of subscriptions) box.append(el("div", `${s.key} · ${s.fires} fire${s.fires === 1 ? "" : "s"}${s.active ? "" : " · inactive"}`));
  say(`Sub-account ${id}`, "ok");
}

function showSpotHit(connection) {
  const connected = connection && (connection.connected ?? connection.apiKeyLast4);
  $("spothit-state").textContent = connected
    ? `Connected (key …${connection.apiKeyLast4 ?? "****"}).`
    : "Not connected: paste the account's API key (Spot-Hit › Paramètres › API).";
  showUrls(connection?.callbackUrls);
}

function showUrls(urls) {
  const box = $("spothit-urls");
  box.replaceChildren();
  if (!urls) return;
  box.append(el("p", "Paste these in Spot-Hit (Paramètres › API › URL de retour):", "hint"));
  const list = el("ul", undefined, "urls");
  for (const [what, url] of Object.entries(urls)) {
    const li = el("li");
    const copy = el("button", "Copy");
    copy.type = "button";
    copy.addEventListener("click", () => navigator.clipboard?.writeText(url));
    li.append(el("span", what), el("code", url), copy);
    list.append(li);
  }
  box.append(list);
}

$("spothit-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("spothit-result").textContent = "Checking the key with Spot-Hit…";
  try {
    const answer = await current.connect("spothit", { apiKey: $("spothit-key").value.trim(), check: true });
    $("spothit-result").textContent = "Connected: Spot-Hit accepted the key.";
    $("spothit-key").value = "";
    showSpotHit(answer);
  } catch (err) {
    $("spothit-result").textContent = err.message;
  }
});

let source;

/** A Node sender of Standard Webhooks for the source (the secret's key is its base64 part). */
function snippet(url, secret) {
  return `import { createHmac } from "node:crypto";
const body = JSON.stringify({ email: "lead@example.fr", phone: "+33612345678", first_name: "Jeanne" });
const id = \`msg_\${Date.now()}\`, ts = Math.floor(Date.now() / 1000).toString();
const key = Buffer.from("${secret}".slice("whsec_".length), "base64");
const sig = createHmac("sha256", key).update(\`\${id}.\${ts}.\${body}\`).digest("base64");
await fetch("${url}", { method: "POST", body, headers: { "content-type": "application/json",
  "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": \`v1,\${sig}\` } });`;
}

$("source-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const id = $("source-id").value.trim();
  try {
    const made = await current.putSource(id, { kind: "form" });
    source = made.sourceId;
    const url = `${location.origin}${made.urlPath}`;
    $("source-url").textContent = url;
    $("source-secret").textContent = made.signingSecret ?? `…${made.signingSecretLast4} (kept: shown only when created)`;
    $("source-snippet").textContent = snippet(url, made.signingSecret ?? "whsec_…");
    $("source-made").hidden = false;
    $("source-result").textContent = `Source ${made.sourceId} is ready.`;
  } catch (err) {
    $("source-result").textContent = err.message;
  }
});

for (const button of document.querySelectorAll("[data-copy]")) {
  button.addEventListener("click", () => navigator.clipboard?.writeText($(button.dataset.copy).textContent));
}

$("test-lead").addEventListener("click", async () => {
  const lead = { email: `test-${Date.now()}@example.fr`, first_name: "Test", last_name: "Lead", phone: "+33612345678" };
  $("test-result").textContent = "Sent through the real pipeline…";
  try {
    const { eventId } = await current.sendTestEvent(source, JSON.stringify(lead), "json");
    for (let i = 0; i < 60; i++) {
      const { events } = await current.events(50);
      const e = events.find((x) => x.key === eventId);
      if (e && (e.status === "done" || e.status === "parked")) {
        $("test-result").textContent = e.status === "done"
          ? `Done: contact ${e.contactId} ${e.action ?? "written"} in GHL, ${e.ghlCalls} GHL call(s).`
          : `Parked: ${e.error}`;
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    $("test-result").textContent = "Still waiting: see the console's events.";
  } catch (err) {
    $("test-result").textContent = err.message;
  }
});

$("specter-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const answer = await current.connect("specter", { apiKey: $("specter-key").value.trim() });
    $("specter-key").value = "";
    $("specter-result").textContent = `Connected (key …${answer.apiKeyLast4}).`;
  } catch (err) {
    $("specter-result").textContent = err.message;
  }
});

$("alerts-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const answer = await current.putAlerts({ webhookUrl: $("alerts-url").value.trim() });
    $("alerts-state").textContent = `Alerts go to ${answer.webhookUrl} (${answer.format === "slack" ? "Slack" : "signed webhook"}).`;
    $("alerts-result").textContent = answer.signingSecret
      ? `Saved. Signing secret (shown once): ${answer.signingSecret}`
      : "Saved.";
  } catch (err) {
    $("alerts-result").textContent = err.message;
  }
});

$("alerts-test").addEventListener("click", async () => {
  try {
    const { status } = await current.testAlert();
    $("alerts-result").textContent = status ? `Test alert sent: the destination answered HTTP ${status}.` : "Test alert sent: the destination did not answer.";
  } catch (err) {
    $("alerts-result").textContent = err.message;
  }
});

$("provider-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const sender = $("provider-sender").value.trim();
  const settings = { enabled: $("provider-enabled").checked, replies: $("provider-replies").value, ...(sender ? { sender } : {}) };
  try {
    await current.putConversationProvider(JSON.stringify(settings));
    $("provider-result").textContent = "Saved.";
  } catch (err) {
    $("provider-result").textContent = err.message;
  }
});

$("login").addEventListener("submit", async () => {
  client = new BridgeClient(location.origin, $("token").value.trim());
  const { locations } = await client.locations();
  session = { locations: locations.map((l) => l.id), role: "admin" };
  $("who").textContent = "Signed in with a token.";
  await showTabs(session.locations);
});

await init();
signIn().catch((err) => say(err.message, "error"));
