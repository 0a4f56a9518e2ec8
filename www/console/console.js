// The operations console: locations and their health, one location's chart,
// events, dead letters (grouped by reason, replayed) and alerts, all through
// the npm module's typed BridgeClient. The admin token is kept in this tab's
// sessionStorage only, never in a URL. Framed by the app page inside GHL, it
// takes that page's GHL session instead (handoff.js), in memory only.
import init, { BridgeClient, previewEvent, templates } from "../pkg/ghl_bridge_web.js";
import uPlot from "./vendor/uPlot.esm.js";
import { $, el, prettyJson } from "../dom.js";
import { receiveSession } from "../handoff.js";

const TOKEN_KEY = "ghl-bridge-admin-token";
const OUTCOMES = [
  { key: "done", label: "done", color: "#17692f" },
  { key: "retried", label: "retried", color: "#2456d6" },
  { key: "parked", label: "parked", color: "#c0392b" },
  { key: "ignored", label: "ignored", color: "#9aa3b2" },
];

function say(text, kind = "") {
  const s = $("console-status");
  s.textContent = text;
  s.className = `status ${kind}`;
}

const ago = (ms) => {
  if (!ms) return "never";
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
};

let client = null;
const token = () => sessionStorage.getItem(TOKEN_KEY) ?? "";

// ----- Locations --------------------------------------------------------------

/** GHL's daily allowance as its last answer said: a share, red under 10%. */
function allowanceText(daily) {
  if (!daily) return "not read yet";
  const pct = (100 * daily.remaining) / Math.max(1, daily.limit);
  return `${pct < 1 ? pct.toFixed(1) : Math.round(pct)}% (${daily.remaining.toLocaleString("en")} of ${daily.limit.toLocaleString("en")})`;
}

function allowanceCell(daily) {
  const low = daily && daily.remaining * 10 < daily.limit;
  return el("td", allowanceText(daily), low ? "bad-number" : daily ? "" : "muted");
}

/** How badly a location needs someone, to list the worst first: not connected, then parked events, then alerts firing. */
function badness(l) {
  return (l.connected ? 0 : 4) + (l.health?.parked ? 2 : 0) + (l.health?.alertsFiring?.length ? 1 : 0);
}

async function showLocations() {
  $("location-view").hidden = true;
  const started = performance.now();
  // One request: the Worker reads every location's health side by side.
  const { locations } = await client.locations(24);
  locations.sort((a, b) => badness(b) - badness(a) || a.name.localeCompare(b.name, undefined, { numeric: true }));
  const body = $("locations").querySelector("tbody");
  body.replaceChildren();
  for (const l of locations) {
    const row = el("tr");
    row.dataset.location = l.id;
    row.classList.toggle("unhealthy", badness(l) > 0);
    const name = el("td");
    const link = el("a", l.name);
    link.href = `#/location/${encodeURIComponent(l.id)}`;
    name.append(link, el("div", l.id, "muted mono"));
    const ghl = el("td");
    ghl.append(el("span", l.connected ? "connected" : "not connected", `pill ${l.connected ? "create" : "conflict"}`));
    ghl.append(el("div", l.auth === "none" ? "no credentials" : `by ${l.auth}`, "muted"));
    const h = l.health;
    const counts = el("td");
    if (h) for (const o of OUTCOMES) counts.append(el("span", `${h.totals[o.key]} ${o.label}`, `mini ${o.key}`));
    else counts.append(el("span", l.healthError ?? "unknown", "muted"));
    row.append(name, ghl, counts,
      el("td", String(h?.parked ?? "–"), h?.parked ? "bad-number" : ""),
      el("td", ago(h?.lastEventAtMs)),
      el("td", String(h?.ghlCallsLastHour ?? "–")),
      allowanceCell(h?.ghlDaily),
      el("td", h?.alertsFiring?.length ? h.alertsFiring.join(", ") : "none", h?.alertsFiring?.length ? "bad-number" : "muted"));
    row.addEventListener("click", (e) => { if (e.target.tagName !== "A") location.hash = link.getAttribute("href"); });
    body.append(row);
  }
  $("locations-view").hidden = false;
  const ms = performance.now() - started;
  document.body.dataset.firstScreenMs = ms.toFixed(0);
  const unhealthy = locations.filter((l) => badness(l) > 0).length;
  say(`${locations.length} location${locations.length === 1 ? "" : "s"}, ${unhealthy} need${unhealthy === 1 ? "s" : ""} attention · loaded in ${ms.toFixed(0)} ms`, unhealthy ? "error" : "ok");
}

// ----- One location -----------------------------------------------------------

let chart = null;
let eventsCursor = null;
let shownEvents = [];

async function showLocation(id) {
  $("locations-view").hidden = true;
  $("event-detail").hidden = true;
  const one = client.forLocation(id);
  const [health, { locations }] = await Promise.all([one.health(24 * 7), client.locations().catch(() => ({ locations: [] }))]);
  const entry = locations.find((l) => l.id === id);
  $("location-title").textContent = entry ? `${entry.name} (${id})` : id;
  const counts = $("location-counts");
  counts.replaceChildren();
  // The last 24 of the week's hours, as `health(24)` would count them.
  const dayStart = health.sinceMs + (7 * 24 - 24) * 3_600_000;
  const lastDay = health.hourly.filter((p) => p.atMs >= dayStart);
  for (const o of OUTCOMES) {
    const li = el("li", undefined, o.key);
    const n = lastDay.reduce((sum, p) => sum + p[o.key], 0);
    li.append(el("strong", String(n)), el("span", ` ${o.label} in 24 h`));
    counts.append(li);
  }
  const parked = el("li", undefined, health.parked ? "conflict" : "");
  parked.append(el("strong", String(health.parked)), el("span", " dead letters"));
  const calls = el("li");
  calls.append(el("strong", String(health.ghlCallsLastHour)), el("span", " GHL calls in the last hour (budget 90 per 10 s)"));
  const daily = health.ghlDaily;
  const allowance = el("li", undefined, daily && daily.remaining * 10 < daily.limit ? "conflict" : "");
  allowance.append(el("strong", allowanceText(daily)), el("span", " of GHL's daily allowance left"));
  counts.append(parked, calls, allowance);
  $("location-view").hidden = false; // shown first: the chart takes the box's width
  drawChart(health);
  await Promise.all([showDeadLetters(one), showAlerts(one), showSyncBack(one), showWorkflows(one), showMessages(one), loadEvents(one, true)]);
  say(`Location ${id} · last event ${ago(health.lastEventAtMs)}`, "ok");
}

function drawChart(health) {
  const hours = [];
  const start = health.sinceMs;
  for (let t = start; t <= Date.now(); t += 3_600_000) hours.push(t);
  const byHour = new Map(health.hourly.map((p) => [p.atMs, p]));
  const data = [hours.map((t) => t / 1000), ...OUTCOMES.map((o) => hours.map((t) => byHour.get(t)?.[o.key] ?? 0))];
  const box = $("chart");
  box.dataset.points = String(health.hourly.length);
  box.dataset.events = String(OUTCOMES.reduce((n, o) => n + health.totals[o.key], 0));
  chart?.destroy();
  const width = Math.max(280, box.clientWidth - 18);
  chart = new uPlot({
    width,
    height: 220,
    series: [{}, ...OUTCOMES.map((o) => ({ label: o.label, stroke: o.color, fill: `${o.color}22`, width: 1.5, points: { show: false } }))],
    axes: [{}, { label: "events per hour", size: 50 }],
    scales: { x: { time: true } },
  }, data, box);
}

/** A dead letter's kind, in words (core `ParkCode`); the text says the rest. */
const REASONS = {
  badPayload: "the payload cannot be mapped",
  invalidConfiguration: "the mapping or the rules are invalid",
  identityConflict: "the e-mail and the phone belong to two contacts",
  unknownCustomField: "a custom field does not exist at the location",
  ghlRefused: "GHL refused",
  appRefused: "Spot-Hit or Specter refused, or is not connected",
  gaveUp: "still failing after every retry",
  other: "something else",
};

async function showDeadLetters(one) {
  const box = $("dead-letters");
  box.replaceChildren();
  const { deadLetters } = await one.deadLetters();
  if (!deadLetters.length) {
    box.append(el("p", "None: nothing waits for a person.", "hint"));
    return;
  }
  // By code: an identity conflict names its contacts, so its text is one per
  // event; events parked before codes existed group by their text.
  const groups = new Map();
  for (const e of deadLetters) {
    const key = e.reasonCode ?? `text:${e.error ?? "no reason given"}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  for (const [key, events] of groups) {
    const label = key.startsWith("text:") ? key.slice(5) : REASONS[key] ?? key;
    const g = el("div", undefined, "dead-group");
    g.dataset.reason = key;
    const head = el("div", undefined, "dead-head");
    head.append(el("strong", `${events.length} × `), el("span", label));
    const all = el("button", events.length > 1 ? `Replay all ${events.length}` : "Replay", "small");
    all.type = "button";
    all.addEventListener("click", async () => {
      for (const e of events) await one.replay(e.key);
      say(`${events.length} event(s) put back on the queue`, "ok");
      setTimeout(() => showLocation(one.locationId), 1500);
    });
    head.append(all);
    g.append(head);
    const list = el("ul", undefined, "dead-list");
    for (const e of events.slice(0, 5)) {
      const li = el("li");
      const open = el("button", `${e.sourceId} · ${new Date(e.receivedAtMs).toLocaleString()}`, "linkish");
      open.type = "button";
      open.addEventListener("click", () => showEvent(one, e));
      li.append(open);
      if (!key.startsWith("text:") && e.error) li.append(el("div", e.error, "reason"));
      list.append(li);
    }
    if (events.length > 5) list.append(el("li", `and ${events.length - 5} more`, "muted"));
    g.append(list);
    box.append(g);
  }
}

async function showAlerts(one) {
  const box = $("alerts");
  box.replaceChildren();
  const a = await one.alerts();
  box.append(el("p", a.webhookUrl ? `Sent to ${a.webhookUrl} (${a.format === "slack" ? "Slack" : "signed webhook"})` : "No destination: PUT …/alerts {\"webhookUrl\"} to be told.", "hint"));
  if (a.firing.length) box.append(el("p", `Firing now: ${a.firing.join(", ")}`, "bad-number"));
  const list = el("ul", undefined, "alert-list");
  for (const r of a.recent.slice(0, 8)) {
    const li = el("li", undefined, r.state);
    li.append(el("span", r.state === "firing" ? "FIRING" : "resolved", `pill ${r.state === "firing" ? "conflict" : "create"}`),
      el("span", ` ${new Date(r.atMs).toLocaleString()} · ${r.message}`));
    list.append(li);
  }
  if (!a.recent.length) list.append(el("li", "No alert sent yet.", "muted"));
  box.append(list);
}

/** What an action asks for, in words. */
function describeAction(a) {
  switch (a.kind) {
    case "spotHitJoinGroup": return `add ${a.mobile ?? a.email} to the Spot-Hit group "${a.group}"`;
    case "spotHitLeaveGroupManually": return `remove ${a.contact} from the Spot-Hit group "${a.group}" by hand (Spot-Hit's API cannot)`;
    case "spotHitSms": return `send an SMS to ${a.number}: "${a.message}"`;
    case "specterAddToList": return `add the contact to the Specter list ${a.listId}`;
    case "skipped": return `skipped: ${a.reason}`;
    default: return a.kind;
  }
}

/** GHL events that the rules acted on: each action and what came of it; the
 * steps left to a person as a checklist (ticks kept in this browser). */
async function showSyncBack(one) {
  const box = $("sync-back");
  box.replaceChildren();
  const { events } = await one.ghlEvents();
  const synced = events.filter((e) => e.sync?.plan?.length).slice(0, 20);
  if (!synced.length) {
    box.append(el("p", "No GHL change called for an action yet.", "hint"));
    return;
  }
  const list = el("ul", undefined, "sync-list");
  for (const e of synced) {
    const li = el("li");
    li.append(el("div", `${new Date(e.receivedAtMs).toLocaleString()} · ${e.type} · contact ${e.contactId ?? "?"} · ${e.sync.status}`, "muted"));
    e.sync.plan.forEach((p, i) => {
      const line = el("div", undefined, "sync-action");
      if (p.kind === "spotHitLeaveGroupManually") {
        const key = `ghl-bridge-done:${e.webhookId}:${i}`;
        const tick = document.createElement("input");
        tick.type = "checkbox";
        tick.checked = localStorage.getItem(key) === "1";
        tick.addEventListener("change", () => localStorage.setItem(key, tick.checked ? "1" : "0"));
        const label = el("label", undefined, "by-hand");
        label.append(tick, el("span", ` ${describeAction(p)}`));
        line.append(label);
      } else {
        const result = e.sync.results[i];
        line.append(el("span", `${describeAction(p)}${result ? ` → ${result}` : i < e.sync.stepsDone ? " → done" : ""}`));
      }
      li.append(line);
    });
    if (e.sync.error) li.append(el("div", e.sync.error, "reason"));
    list.append(li);
  }
  box.append(list);
}

/** The workflows subscribed to the bridge's triggers, with their fires. */
async function showWorkflows(one) {
  const box = $("workflows");
  box.replaceChildren();
  const { subscriptions } = await one.workflows();
  if (!subscriptions.length) {
    box.append(el("p", "No GHL workflow uses the bridge's triggers yet.", "hint"));
    return;
  }
  const list = el("ul", undefined, "sync-list");
  for (const s of subscriptions) {
    const filters = s.filters.map((f) => `${f.field} ${f.operator ?? "equals"} ${JSON.stringify(f.value)}`).join(", ");
    const li = el("li");
    li.append(el("strong", s.key), el("span", ` · workflow ${s.workflowId ?? "?"} · ${s.fires} fire${s.fires === 1 ? "" : "s"}${s.active ? "" : " · inactive in GHL"}`));
    if (filters) li.append(el("div", `when ${filters}`, "muted"));
    list.append(li);
  }
  box.append(list);
}

const STATE_CLASS = { delivered: "ok", refused: "failed", failed: "failed" };

/** The conversation-provider settings and each message's journey. */
async function showMessages(one) {
  const [settings, { messages }] = await Promise.all([one.conversationProvider(), one.messages()]);
  $("provider-enabled").checked = settings.enabled;
  $("provider-sender").value = settings.sender ?? "";
  $("provider-replies").value = settings.replies;
  $("provider-result").textContent = "";
  const rows = $("messages").tBodies[0];
  rows.replaceChildren();
  if (!messages.length) {
    const tr = el("tr");
    const td = el("td", "No SMS sent from GHL through the bridge yet.", "muted");
    td.colSpan = 6;
    tr.append(td);
    rows.append(tr);
  }
  for (const m of messages) {
    const tr = el("tr");
    const journey = el("td");
    for (const step of m.steps) {
      journey.append(el("div", `${new Date(step.atMs).toLocaleTimeString()} · ${step.what}`, "muted"));
    }
    // The code is what GHL's status got: the same words an operator sees there.
    if (m.error) journey.append(el("div", m.errorCode ? `${m.errorCode}: ${m.error}` : m.error, "reason"));
    tr.append(
      el("td", new Date(m.receivedAtMs).toLocaleString()),
      el("td", `${m.phone}${m.contactId ? ` · ${m.contactId}` : ""}`, "mono"),
      el("td", m.messageId, "mono"),
      el("td", m.spothitId ?? "—", "mono"),
      el("td", m.state, STATE_CLASS[m.state] ?? ""),
      journey,
    );
    rows.append(tr);
  }
}

$("provider-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const match = location.hash.match(/^#\/location\/(.+)$/);
  if (!match) return;
  const one = client.forLocation(decodeURIComponent(match[1]));
  const sender = $("provider-sender").value.trim();
  const settings = { enabled: $("provider-enabled").checked, replies: $("provider-replies").value, ...(sender ? { sender } : {}) };
  try {
    await one.putConversationProvider(JSON.stringify(settings));
    $("provider-result").textContent = "Saved.";
  } catch (err) {
    $("provider-result").textContent = err.message;
  }
});

async function loadEvents(one, fresh) {
  if (fresh) {
    eventsCursor = null;
    shownEvents = [];
  }
  const query = { limit: 50 };
  if ($("filter-status").value) query.status = $("filter-status").value;
  if ($("filter-source").value.trim()) query.source = $("filter-source").value.trim();
  // Found by the Worker, normalised as the pipeline does: every page, not just this one.
  if ($("filter-contact").value.trim()) query.contact = $("filter-contact").value.trim();
  if (eventsCursor) query.cursor = eventsCursor;
  const page = await one.eventsPage(query);
  eventsCursor = page.nextCursor ?? null;
  shownEvents.push(...page.events);
  const body = $("events").querySelector("tbody");
  body.replaceChildren();
  for (const e of shownEvents) {
    const row = el("tr");
    row.dataset.key = e.key;
    row.dataset.status = e.status;
    row.append(el("td", new Date(e.receivedAtMs).toLocaleString()), el("td", e.sourceId, "mono"),
      el("td", e.status, `pill-cell ${e.status}`), el("td", String(e.attempts)), el("td", String(e.ghlCalls)),
      el("td", e.contactId ?? "–", "mono"), el("td", e.error ?? "", "reason"));
    row.addEventListener("click", () => showEvent(one, e));
    body.append(row);
  }
  $("more-events").hidden = !eventsCursor;
  $("more-events").onclick = () => loadEvents(one, false);
}

function mappingLabel(e) {
  if (!e.mapping) return "not run yet";
  return e.mapping.kind === "saved" ? `the one saved for ${e.sourceId}` : `built-in ${e.mapping.template}`;
}

/** Each GHL request the event sent, with GHL's answer. */
function showRequests(requests) {
  const body = $("event-requests").querySelector("tbody");
  body.replaceChildren();
  if (!requests.length) {
    const row = el("tr");
    const cell = el("td", "No GHL request sent yet.", "muted");
    cell.colSpan = 5;
    row.append(cell);
    body.append(row);
  }
  for (const r of requests) {
    const ok = r.status !== null && r.status < 300;
    const row = el("tr");
    row.append(
      el("td", new Date(r.atMs).toLocaleTimeString()),
      el("td", r.step),
      el("td", `${r.method} ${r.path}`, "mono"),
      el("td", r.status === null ? "no answer" : String(r.status), ok ? "ok" : "failed"),
      el("td", r.message ?? "", r.message ? "reason" : "muted"));
    body.append(row);
  }
}

/** The event's payload through the mapping again (the core in wasm): each field and its source. */
async function showFields(one, e) {
  const body = $("event-fields").querySelector("tbody");
  const note = $("event-fields-note");
  body.replaceChildren();
  note.textContent = "";
  try {
    const text = e.mapping?.kind === "builtin"
      ? templates().find((t) => t.id === e.mapping.template)?.mapping
      : (await one.getMapping(e.sourceId)).mapping;
    if (!text) {
      note.textContent = "The mapping is not there any more.";
      return;
    }
    const preview = previewEvent(text, e.payload, e.format, one.locationId, Math.floor(e.receivedAtMs / 1000));
    if (!preview.outcome) {
      note.textContent = preview.payloadError ?? preview.mappingErrors.map((m) => m.message).join("; ");
      return;
    }
    for (const p of preview.outcome.provenance) {
      const row = el("tr", undefined, p.used ? "" : "unused");
      const from = p.steps.length ? `${p.source} → ${p.steps.join(" → ")}` : p.source;
      row.append(el("td", p.target, "mono"), el("td", from, "mono"), el("td", show(p.raw)), el("td", show(p.value)));
      body.append(row);
    }
    const crossed = preview.outcome.provenance.some((p) => !p.used) ? " Crossed out: a fallback an earlier rule already filled." : "";
    const saved = e.mapping?.kind === "saved" ? "Worked out again with the mapping as it is saved now." : "";
    note.textContent = `${saved}${crossed}`.trim();
  } catch (err) {
    note.textContent = `Could not work the fields out: ${err.message}`;
  }
}

const show = (v) => (v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v));

function showEvent(one, e) {
  const box = $("event-detail");
  $("event-title").textContent = `Event ${e.key}`;
  const facts = $("event-facts");
  facts.replaceChildren();
  const fact = (k, v) => facts.append(el("dt", k), el("dd", v));
  fact("Status", e.status);
  fact("Source", e.sourceId);
  fact("Received", new Date(e.receivedAtMs).toLocaleString());
  fact("Attempts", String(e.attempts));
  fact("GHL calls", String(e.ghlCalls));
  if (e.error) fact("Reason", e.error);
  if (e.warnings?.length) fact("Warnings", e.warnings.join("; "));
  if (e.contactId) fact("Contact", `${e.contactId} (${e.action ?? "written"})`);
  fact("Mapping", mappingLabel(e));
  showRequests(e.ghlRequests ?? []);
  showFields(one, e);
  $("event-payload").textContent = prettyJson(e.payload);
  const actions = $("event-actions");
  actions.replaceChildren();
  if (e.contactId) {
    const link = el("a", "Open the contact in GHL");
    link.href = `https://app.gohighlevel.com/v2/location/${encodeURIComponent(one.locationId)}/contacts/detail/${encodeURIComponent(e.contactId)}`;
    link.target = "_blank";
    link.rel = "noopener";
    actions.append(link);
  }
  if (e.status === "parked") {
    const replay = el("button", "Replay this event");
    replay.type = "button";
    replay.addEventListener("click", async () => {
      await one.replay(e.key);
      say(`Event ${e.key} put back on the queue`, "ok");
      setTimeout(() => showLocation(one.locationId), 1500);
    });
    const fix = el("a", "Open its payload and mapping in the tester");
    fix.href = `/#source=${encodeURIComponent(e.sourceId)}&location=${encodeURIComponent(one.locationId)}`;
    actions.append(replay, fix);
  }
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}


// ----- Routing ---------------------------------------------------------------

async function route() {
  if (!client) return;
  const match = location.hash.match(/^#\/location\/(.+)$/);
  try {
    if (match) await showLocation(decodeURIComponent(match[1]));
    else await showLocations();
  } catch (e) {
    say(e.message, "error");
  }
}

/** Opens the console with a token; `remember`: kept for this tab's reloads. */
function open(tokenText, { remember = true } = {}) {
  client = new BridgeClient(location.origin, tokenText);
  if (remember) sessionStorage.setItem(TOKEN_KEY, tokenText);
  route();
}

/** In the app page's frame: its GHL session, and the frame's height kept to the content's. */
async function openEmbedded() {
  const session = await receiveSession(window.parent);
  if (!session) return false;
  document.body.classList.add("embedded");
  const height = () => window.parent.postMessage({ type: "ghl-bridge:height", height: document.documentElement.scrollHeight }, location.origin);
  new ResizeObserver(height).observe(document.body);
  if (session.locationId && !location.hash) location.hash = `#/location/${encodeURIComponent(session.locationId)}`;
  open(session.token, { remember: false });
  return true;
}

await init();
$("open").disabled = false; // the form works once the core is loaded
$("login").addEventListener("submit", (e) => {
  e.preventDefault();
  try {
    open($("admin-token").value);
  } catch (err) {
    say(err.message, "error");
  }
});
$("event-filter").addEventListener("submit", (e) => {
  e.preventDefault();
  const match = location.hash.match(/^#\/location\/(.+)$/);
  if (match) loadEvents(client.forLocation(decodeURIComponent(match[1])), true).catch((err) => say(err.message, "error"));
});
$("erase-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const match = location.hash.match(/^#\/location\/(.+)$/);
  if (!match) return;
  const email = $("erase-email").value.trim() || null;
  const phone = $("erase-phone").value.trim() || null;
  const who = [email, phone].filter(Boolean).join(" and ");
  if (!who) {
    $("erase-result").textContent = "Give an e-mail, a phone or both.";
    return;
  }
  // Nothing erased comes back: ask once.
  if (!window.confirm(`Erase everything the bridge holds about ${who} at this location?`)) return;
  const one = client.forLocation(decodeURIComponent(match[1]));
  try {
    const r = await one.erase(email, phone);
    const kept = r.keptOptOut ? ` The opt-out of ${r.keptOptOut} is kept.` : "";
    const n = (count, what) => `${count} ${what}${count === 1 ? "" : "s"}`;
    $("erase-result").textContent = `Erased: ${n(r.events, "event")}, ${n(r.ghlEvents, "GHL event")}, ${n(r.identityKeys, "identity key")}, ${n(r.contacts + r.other, "other record")} (contacts: ${r.contactIds.join(", ") || "none known"}).${kept}`;
    $("erase-form").reset();
    await loadEvents(one, true);
  } catch (err) {
    $("erase-result").textContent = err.message;
  }
});
window.addEventListener("hashchange", route);
if (await openEmbedded()) {
  // Signed in by the app page.
} else if (token()) {
  $("admin-token").value = token();
  open(token());
}
