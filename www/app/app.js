// The bridge's page inside GHL (a custom page in an iframe). GHL's parent
// window gives the signed-in user on REQUEST_USER_DATA; the Worker swaps
// that payload for a session of its own (POST /v1/sso), kept in memory only,
// never in a URL or storage. Opened on its own, the page takes an admin or a
// location token, as the console does. Everything goes through the npm
// module's typed BridgeClient.
import init, { BridgeClient, recipes } from "../pkg/ghl_bridge_web.js";
import { $, el } from "../dom.js";
import { offerSession } from "../handoff.js";
import { applyRecipe } from "../recipe.js";

let client;
let session = { locations: [], role: "admin" };
// The bearer the page signed in with (a GHL session's or a typed token), in
// memory only; handed to the console frame and the mapper tab it opens.
let bearer = "";
let currentId = "";
const mapperTabs = new Map();

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
  bearer = body.token;
  client = new BridgeClient(location.origin, body.token);
  $("who").textContent = `Signed in by GHL · ${body.role === "admin" ? "you may change settings" : "you may look, not change"} · until ${new Date(body.expiresAt).toLocaleTimeString()}`;
  await showTabs(body.locations);
}

async function showTabs(ids) {
  const tabs = $("location-tabs");
  tabs.replaceChildren();
  tabs.hidden = ids.length < 2;
  if (ids.length > 1) {
    // An agency user: the console's overview of its own sub-accounts.
    const all = el("button", "All sub-accounts");
    all.type = "button";
    all.dataset.location = "";
    all.addEventListener("click", showOverview);
    tabs.append(all);
  }
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

/** The console's locations table, framed: the session's sub-accounts, with their health. */
function showOverview() {
  currentId = "";
  for (const b of $("location-tabs").querySelectorAll("button")) b.setAttribute("aria-current", String(b.dataset.location === ""));
  $("location").hidden = true;
  $("overview").hidden = false;
  $("overview-frame").src = "../console/#/";
  say("All the sub-accounts you may see", "ok");
}

async function showLocation(id) {
  $("overview").hidden = true;
  current = client.forLocation(id);
  currentId = id;
  $("console-frame").src = `../console/#/location/${encodeURIComponent(id)}`;
  for (const b of $("location-tabs").querySelectorAll("button")) b.setAttribute("aria-current", String(b.dataset.location === id));
  document.body.classList.toggle("read-only", session.role !== "admin");
  $("location-name").textContent = id;
  $("location").hidden = false;
  const [health, connections, provider, { subscriptions }, alerts, budget, rules, events] = await Promise.all([
    current.health(24), current.connections(), current.conversationProvider(), current.workflows(), current.alerts(),
    current.specterBudget(), current.getSyncRules(), current.events(50),
  ]);
  const { sources } = await current.sources();
  const specter = connections.specter;
  $("specter-state").textContent = specter?.connected
    ? `Connected (key …${specter.apiKeyLast4}).`
    : "Not connected: paste the team's API key (Specter › Settings › API).";
  showBudget(budget);
  showRules(rules.rules);
  showSources(sources, events.events);
  $("alerts-state").textContent = alerts.webhookUrl
    ? `Alerts go to ${alerts.webhookUrl} (${alerts.format === "slack" ? "Slack" : "signed webhook"}).`
    : "No destination: alerts (dead letters, GHL disconnected, credits) are not sent anywhere.";
  $("alerts-url").value = alerts.webhookUrl ?? "";
  $("alerts-error-rate").value = alerts.errorRatePercent ?? "";
  $("alerts-credits-floor").value = alerts.specterCreditsFloor ?? "";
  $("alerts-silent").value = Object.entries(alerts.silentAfterMinutes ?? {}).map(([id, m]) => `${id}: ${m}`).join(", ");
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

const number = (n) => Number(n).toLocaleString("en");

/** What this sub-account spent on Specter against its budgets. */
function showBudget(b) {
  const month = b.monthlyCredits == null ? `${number(b.spentThisMonth)} this month (no monthly cap)` : `${number(b.spentThisMonth)} of ${number(b.monthlyCredits)} this month`;
  const team = b.teamRemaining == null ? "" : ` The Specter team has ${number(b.teamRemaining)} credits left.`;
  const out = b.outUntilMs ? ` Out of credits: no poll before ${new Date(b.outUntilMs).toLocaleString()}.` : "";
  $("specter-budget").textContent = `Budget: ${number(b.spentToday)} of ${number(b.dailyCredits)} credits spent today, ${month}.${team}${out}`;
}

/** Credits as the service said when the key was checked. */
function creditsText(credits) {
  if (!credits || credits.remaining == null) return "";
  const of = credits.limit == null ? "" : ` of ${number(credits.limit)}`;
  return ` ${number(credits.remaining)}${of} ${credits.unit} left.`;
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
    $("spothit-result").textContent = `Connected: Spot-Hit accepted the key.${creditsText(answer.credits)}`;
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

/**
 * A plain HTML form: a browser cannot sign (the secret would be in the page),
 * so the form posts to the site's own PHP, which signs and forwards.
 */
function formSnippet(url, secret) {
  return `<!-- On the page -->
<form method="post" action="/bridge-lead.php">
  <input name="first_name" placeholder="Prénom"> <input name="email" type="email" required>
  <input name="phone" type="tel"> <textarea name="message"></textarea>
  <button>Envoyer</button>
</form>

<?php // bridge-lead.php, on the site's server: signs the lead and forwards it
$body = json_encode($_POST);
$id = "msg_" . bin2hex(random_bytes(8)); $ts = (string) time();
$key = base64_decode(substr("${secret}", strlen("whsec_")));
$sig = base64_encode(hash_hmac("sha256", "$id.$ts.$body", $key, true));
$ctx = stream_context_create(["http" => ["method" => "POST", "content" => $body, "header" =>
  "Content-Type: application/json\r\nwebhook-id: $id\r\nwebhook-timestamp: $ts\r\nwebhook-signature: v1,$sig\r\n"]]);
file_get_contents("${url}", false, $ctx);
header("Location: /merci");`;
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
    $("source-form-snippet").textContent = formSnippet(url, made.signingSecret ?? "whsec_…");
    $("source-made").hidden = false;
    $("source-result").textContent = `Source ${made.sourceId} is ready.`;
    const [{ sources }, { events }] = await Promise.all([current.sources(), current.events(50)]);
    showSources(sources, events);
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
    $("specter-result").textContent = "Checking the key with Specter…";
    const answer = await current.connect("specter", { apiKey: $("specter-key").value.trim(), check: true });
    $("specter-key").value = "";
    $("specter-state").textContent = `Connected (key …${answer.apiKeyLast4}).`;
    $("specter-result").textContent = `Connected: Specter accepted the key.${creditsText(answer.credits)}`;
  } catch (err) {
    $("specter-result").textContent = err.message;
  }
});

$("alerts-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const change = { webhookUrl: $("alerts-url").value.trim() };
    const whole = (id) => ($(id).value.trim() === "" ? undefined : Number($(id).value));
    if (whole("alerts-error-rate") !== undefined) change.errorRatePercent = whole("alerts-error-rate");
    if (whole("alerts-credits-floor") !== undefined) change.specterCreditsFloor = whole("alerts-credits-floor");
    change.silentAfterMinutes = silentMinutes($("alerts-silent").value);
    const answer = await current.putAlerts(change);
    $("alerts-state").textContent = `Alerts go to ${answer.webhookUrl} (${answer.format === "slack" ? "Slack" : "signed webhook"}).`;
    $("alerts-result").textContent = answer.signingSecret
      ? `Saved. Signing secret (shown once): ${answer.signingSecret}`
      : "Saved.";
  } catch (err) {
    $("alerts-result").textContent = err.message;
  }
});

/** `site-devis: 60, demo: 30` as `{"site-devis": 60, "demo": 30}`; a wrong part is said. */
function silentMinutes(text) {
  const out = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [id, minutes] = part.split(":").map((x) => x.trim());
    if (!id || !/^\d+$/.test(minutes ?? "")) throw new Error(`"${part}": write a source id, a colon and whole minutes, like site-devis: 60`);
    out[id] = Number(minutes);
  }
  return out;
}

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
  bearer = $("token").value.trim();
  client = new BridgeClient(location.origin, bearer);
  const { locations } = await client.locations();
  session = { locations: locations.map((l) => l.id), role: "admin" };
  $("who").textContent = "Signed in with a token.";
  await showTabs(session.locations);
});

// ----- Automations: recipes, sync rules as rows, the mapper ------------------

const RULE_ROWS = {
  tagGroups: { fields: [["tag", "GHL tag", "vip"], ["group", "Spot-Hit group", "Clients VIP"]] },
  taskCompleted: { fields: [["titleContains", "Task title contains", "rappel"], ["sms", "SMS", "Bonjour {firstName}, …"], ["sender", "Sender", "Boutique"]] },
  tagLists: { fields: [["tag", "GHL tag", "investisseur"], ["list", "Specter list id", "6f1c2b1e-…"]] },
};
// The rules as loaded: keys the rows do not edit (polls, prefixes, …) are kept.
let loadedRules = {};

function ruleRow(kind, values = {}) {
  const row = el("div", undefined, "row-form");
  row.dataset.kind = kind;
  for (const [key, label, placeholder] of RULE_ROWS[kind].fields) {
    const box = el("input");
    box.name = key;
    box.value = values[key] ?? "";
    box.placeholder = placeholder;
    box.size = key === "sms" ? 34 : 14;
    const wrap = el("label", label);
    wrap.append(box);
    row.append(wrap);
  }
  const remove = el("button", "Remove");
  remove.type = "button";
  remove.addEventListener("click", () => row.remove());
  row.append(remove);
  return row;
}

function rowsOf(kind) {
  return document.querySelector(`[data-rules="${kind}"] .rules-rows`);
}

/** The location's sync rules, drawn as rows. */
function showRules(text) {
  loadedRules = text ? JSON.parse(text) : { version: 1 };
  const spotHit = loadedRules.spotHit ?? {};
  const specter = loadedRules.specter ?? {};
  rowsOf("tagGroups").replaceChildren(...Object.entries(spotHit.tagGroups ?? {}).map(([tag, group]) => ruleRow("tagGroups", { tag, group })));
  rowsOf("taskCompleted").replaceChildren(...(spotHit.taskCompleted ?? []).filter((r) => r.sms).map((r) => ruleRow("taskCompleted", r)));
  rowsOf("tagLists").replaceChildren(...Object.entries(specter.tagLists ?? {}).map(([tag, list]) => ruleRow("tagLists", { tag, list })));
  $("rules-daily").value = specter.dailyCredits ?? "";
  $("rules-monthly").value = specter.monthlyCredits ?? "";
}

/** The rows, as the rules document (what they do not show kept as loaded). */
function rulesFromRows() {
  const values = (kind) => [...rowsOf(kind).children].map((row) => Object.fromEntries([...row.querySelectorAll("input")].map((i) => [i.name, i.value.trim()])));
  const pairs = (kind, k, v) => Object.fromEntries(values(kind).filter((r) => r[k]).map((r) => [r[k], r[v]]));
  const rules = structuredClone(loadedRules);
  rules.version = 1;
  rules.spotHit = { ...rules.spotHit, tagGroups: pairs("tagGroups", "tag", "group") };
  const groupsOnTask = (rules.spotHit.taskCompleted ?? []).filter((r) => !r.sms);
  const sms = values("taskCompleted").filter((r) => r.titleContains || r.sms).map((r) => ({ ...(r.titleContains ? { titleContains: r.titleContains } : {}), sms: r.sms, ...(r.sender ? { sender: r.sender } : {}) }));
  rules.spotHit.taskCompleted = [...sms, ...groupsOnTask];
  const specter = { ...rules.specter, tagLists: pairs("tagLists", "tag", "list") };
  const daily = $("rules-daily").value.trim();
  const monthly = $("rules-monthly").value.trim();
  if (daily) specter.dailyCredits = Number(daily); else delete specter.dailyCredits;
  if (monthly) specter.monthlyCredits = Number(monthly); else delete specter.monthlyCredits;
  rules.specter = specter;
  for (const part of ["spotHit", "specter"]) {
    for (const [k, v] of Object.entries(rules[part])) if (v && typeof v === "object" && !Array.isArray(v) && !Object.keys(v).length) delete rules[part][k];
    if (Array.isArray(rules[part].taskCompleted) && !rules[part].taskCompleted.length) delete rules[part].taskCompleted;
    if (!Object.keys(rules[part]).length) delete rules[part];
  }
  return rules;
}

for (const button of document.querySelectorAll("[data-add]")) {
  button.addEventListener("click", () => rowsOf(button.dataset.add).append(ruleRow(button.dataset.add)));
}

$("rules-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const rules = rulesFromRows();
    await current.putSyncRules(JSON.stringify(rules));
    loadedRules = rules;
    $("rules-result").textContent = "Saved: the rules apply to the next changes made in GHL.";
    showBudget(await current.specterBudget());
  } catch (err) {
    $("rules-result").textContent = err.message;
  }
});

/** The location's form sources, listed (secrets by their last four), and every source a mapping can be opened for. */
function showSources(sources, events) {
  const list = $("source-list");
  list.replaceChildren(...sources.map((x) => {
    const li = el("li");
    li.append(el("span", x.sourceId), el("code", `${location.origin}${x.urlPath}`), el("span", `secret …${x.signingSecretLast4}`, "hint"));
    return li;
  }));
  $("source-list-empty").hidden = sources.length > 0;
  const builtIn = ["spothit-reply", "spothit-stop", "spothit-status", "specter-person", "specter-saved-search-row"];
  const seen = events.map((e) => e.sourceId).filter((id) => !builtIn.includes(id) && !id.startsWith("ghl-") && !id.startsWith("spothit-message"));
  const ids = [...new Set([...sources.map((x) => x.sourceId), ...seen, ...builtIn])];
  $("mapper-source").replaceChildren(...ids.map((id) => new Option(id, id)));
}

$("mapper-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const sourceId = $("mapper-source").value;
  const params = new URLSearchParams({ from: "app", source: sourceId, location: currentId });
  const tab = window.open(`../#${params}`, "_blank");
  if (tab) mapperTabs.set(tab, sourceId);
});

await init();
const allRecipes = recipes();
$("recipe-pick").replaceChildren(...allRecipes.map((r) => new Option(r.name, r.id)));
const showRecipeAbout = () => {
  const r = allRecipes.find((x) => x.id === $("recipe-pick").value);
  $("recipe-about").textContent = r ? `${r.description} Source: ${r.sourceId}. By hand: ${r.byHand.join(" ")}` : "";
};
$("recipe-pick").addEventListener("change", showRecipeAbout);
showRecipeAbout();

$("recipe-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const r = allRecipes.find((x) => x.id === $("recipe-pick").value);
  try {
    const merged = await applyRecipe(current, r);
    if (merged) showRules(merged);
    const rules = merged ? " and its sync rules were added to this sub-account's" : "";
    $("recipe-result").textContent = `Applied "${r.name}": source ${r.sourceId} uses its mapping${rules}.`;
  } catch (err) {
    $("recipe-result").textContent = err.message;
  }
});

// The console frame and the mapper tabs this page opened get its session.
offerSession((w) => {
  if (w === $("console-frame").contentWindow) return { token: bearer, locationId: currentId };
  if (w === $("overview-frame").contentWindow) return { token: bearer };
  if (mapperTabs.has(w)) return { token: bearer, locationId: currentId, sourceId: mapperTabs.get(w) };
  return null;
});
window.addEventListener("message", (e) => {
  if (e.origin !== location.origin || e.data?.type !== "ghl-bridge:height") return;
  const frame = [$("console-frame"), $("overview-frame")].find((f) => f.contentWindow === e.source);
  if (frame) frame.style.height = `${Math.max(600, e.data.height + 4)}px`;
});

signIn().catch((err) => say(err.message, "error"));
