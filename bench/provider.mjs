// Spot-Hit as the SMS provider under load: MESSAGES (1,000) sent from the
// sandbox's GHL over PROVIDER_LOCATIONS (10) locations, CONCURRENCY (10) at a
// time. Prints, from the sandbox's own clocks: GHL's send -> Spot-Hit's
// request (p50, p99, max), GHL's send -> "delivered" shown in GHL, the GHL
// calls per message, and the Delivery URL's answers. Asserts nothing.
// Run alone with `ONLY=provider make load`, or as part of `make load`.
import { admin, eventually, sandbox, startStack } from "../tests/e2e/support.mjs";
import { addLocations } from "./locations.mjs";

const MESSAGES = Number(process.env.MESSAGES ?? 1000);
const LOCATIONS = Number(process.env.PROVIDER_LOCATIONS ?? 10);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 10);
const CONTACTS_PER_LOCATION = 10;

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const figures = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return `p50 ${pct(s, 50)} ms, p99 ${pct(s, 99)} ms, max ${s[s.length - 1]} ms (n=${s.length})`;
};

async function ghlAs(stack, token, method, path, body) {
  const res = await fetch(`${stack.sandboxUrl}/ghl${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, version: "2021-07-28", "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

/** Locations with the app installed, Spot-Hit connected and the bridge as SMS provider, each with its contacts. */
async function providerLocations(stack) {
  const locations = await addLocations(stack, LOCATIONS, "sms");
  for (const l of locations) {
    const connected = await admin(stack, `/locations/${l.id}/connections/spothit`, { method: "PUT", body: JSON.stringify({ apiKey: "sandbox-spothit-key" }) });
    if (connected.status !== 200) throw new Error(`Spot-Hit for ${l.id}: ${JSON.stringify(connected.body)}`);
    const on = await admin(stack, `/locations/${l.id}/conversation-provider`, { method: "PUT", body: JSON.stringify({ enabled: true }) });
    if (on.status !== 200) throw new Error(`provider for ${l.id}: ${JSON.stringify(on.body)}`);
    await sandbox(stack, "/__sandbox/ghl/sms-provider", { locationId: l.id, providerId: "sandbox-sms-provider" });
    l.contacts = [];
    for (let i = 0; i < CONTACTS_PER_LOCATION; i++) {
      const phone = `+336${String(l.id.slice(-2)).padStart(2, "0")}${String(i).padStart(6, "1")}`;
      const made = await ghlAs(stack, `sbx-pit-${l.id}`, "POST", "/contacts/", { locationId: l.id, firstName: `P${i}`, phone });
      if (!made.contact) throw new Error(`contact in ${l.id}: ${JSON.stringify(made)}`);
      l.contacts.push(made.contact.id);
    }
  }
  return locations;
}

export async function providerRun() {
  const stack = await startStack({}, { smsProvider: true, buildDir: process.env.WORKER_BUILD });
  try {
    const locations = await providerLocations(stack);
    const jobs = Array.from({ length: MESSAGES }, (_, i) => {
      const l = locations[i % locations.length];
      return { locationId: l.id, contactId: l.contacts[Math.floor(i / locations.length) % l.contacts.length], message: `Message ${i} : votre rendez-vous est confirmé.` };
    });
    let next = 0;
    const started = Date.now();
    const ids = [];
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < jobs.length) {
        const sent = await sandbox(stack, "/__sandbox/ghl/conversations/send", jobs[next++]);
        if (!sent.messageId) throw new Error(JSON.stringify(sent));
        ids.push(sent.messageId);
      }
    }));
    const sendSeconds = (Date.now() - started) / 1000;
    // Every message either reached Spot-Hit or had its Delivery URL call
    // fail (answered without 200, or not at all): then the figures.
    const settled = await eventually(async () => {
      const [{ sms }, { messages }] = await Promise.all([sandbox(stack, "/__sandbox/spothit"), sandbox(stack, "/__sandbox/ghl/conversations")]);
      const mine = new Map();
      for (const s of sms) {
        const id = s.params.url?.split("/message/")[1];
        if (id) mine.set(id, [...(mine.get(id) ?? []), s]);
      }
      const outbound = messages.filter((m) => m.direction === "outbound");
      const failedCalls = outbound.filter((m) => m.deliveryAnswers.length && m.deliveryAnswers.every((a) => a.status !== 200));
      const reached = outbound.filter((m) => mine.has(m.id));
      const shown = reached.filter((m) => m.status === "delivered");
      return shown.length + failedCalls.length >= MESSAGES ? { mine, outbound, failedCalls, reached } : null;
    }, { timeoutMs: 600_000, what: `${MESSAGES} messages settled` });
    const { mine: smsByMessage, failedCalls, reached: messages } = settled;
    const { requests } = await sandbox(stack, "/__sandbox/requests");
    const statusCalls = requests.filter((r) => /^\/ghl\/conversations\/messages\/[^/]+\/status$/.test(r.path));
    const refused403 = statusCalls.filter((r) => r.status === 403).length;
    const toSpotHit = messages.map((m) => smsByMessage.get(m.id)[0].atMs - m.sentAtMs);
    const toDelivered = messages.map((m) => Date.parse(m.statusHistory.at(-1).at) - m.sentAtMs);
    const twice = [...smsByMessage.values()].filter((s) => s.length > 1).length;
    const answers = messages.flatMap((m) => m.deliveryAnswers.map((a) => a.status));
    console.log(`\n== Spot-Hit as SMS provider: ${MESSAGES} messages from GHL over ${LOCATIONS} locations, ${CONCURRENCY} at a time`);
    console.log(`GHL sends made in ${sendSeconds.toFixed(1)} s (${(MESSAGES / sendSeconds).toFixed(0)}/s); Delivery URL answers: ${[...new Set(answers)].join(", ")} (${answers.length})`);
    console.log(`GHL's send -> Spot-Hit's request: ${figures(toSpotHit)}`);
    console.log(`GHL's send -> delivered in GHL:   ${figures(toDelivered)} (the bridge waits 10 s for GHL's handover; Spot-Hit's sandbox reports after 1 s)`);
    console.log(`GHL status calls: ${statusCalls.length} for ${messages.length} messages sent (${(statusCalls.length / messages.length).toFixed(2)} per message; ${refused403} refused 403); SMS sent twice: ${twice}`);
    const why = {};
    for (const m of failedCalls) for (const a of m.deliveryAnswers) why[String(a.body ?? a.error).slice(0, 90)] = (why[String(a.body ?? a.error).slice(0, 90)] ?? 0) + 1;
    console.log(`Delivery URL calls that failed: ${failedCalls.length} of ${MESSAGES} ${JSON.stringify(why)}`);
    if (process.env.SHOW_RUNTIME_LOG) {
      const lines = stack.workerLogs().split("\n").filter((l) => /workerd|restart|crash|signal|fatal|too many|error/i.test(l));
      console.log(lines.slice(-20).join("\n"));
    }
  } catch (e) {
    const lines = stack.workerLogs().split("\n").filter((l) => /panick|error|restart|reload|abort|RuntimeError|unreachable|exceed|memory|✘|crash|Uncaught/i.test(l));
    console.error(lines.slice(-30).join("\n"));
    throw e;
  } finally {
    await stack.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await providerRun();
