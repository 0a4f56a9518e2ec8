// The tester and a running Worker, through the npm module's typed
// BridgeClient: load the location's custom fields and the last payloads its
// sources received, push the mapping, send a test event. The admin token
// stays in this page's memory.
import { BridgeClient } from "./pkg/ghl_bridge_web.js";
import { $ } from "./dom.js";
import { applyRecipe } from "./recipe.js";

function say(text, ok) {
  const out = $("worker-result");
  out.textContent = text;
  out.className = `worker-result ${ok ? "good" : "bad"}`;
}

/** A refusal, with every mapping error at its line when there are some. */
function sayRefused(e) {
  const lines = (e.details ?? []).map((d) => `line ${d.line}: ${d.message}`);
  say([e.message, ...lines].join("\n"), false);
}

/**
 * `locationId()`: the page's location; `onFields(list)`: its custom fields
 * loaded; `onPayload(text, format)`: a recent payload picked.
 */
export function setUpWorkerPanel({ recipe, mappingText, payload, locationId, onFields, onPayload }) {
  const client = () => {
    const c = new BridgeClient($("worker-url").value, $("worker-token").value);
    return locationId() ? c.forLocation(locationId()) : c;
  };
  if (!$("worker-url").value) $("worker-url").value = location.origin;
  let recent = [];
  $("load-location").addEventListener("click", async () => {
    try {
      const c = client();
      const [{ customFields }, page] = await Promise.all([c.customFields(), c.eventsPage({ limit: 20 })]);
      onFields(customFields);
      recent = page.events.filter((e) => e.payload);
      const list = $("recent-payloads");
      list.replaceChildren(new Option(recent.length ? `${recent.length} recent payloads: pick one…` : "no payload received yet", ""));
      recent.forEach((e, i) => {
        const when = new Date(e.receivedAtMs).toLocaleString();
        list.append(new Option(`${e.sourceId} · ${when} · ${e.status}`, String(i)));
      });
      say(`Loaded ${customFields.length} custom fields of ${locationId() || "the default location"} and its last ${recent.length} payloads.`, true);
    } catch (e) {
      say(e.message, false);
    }
  });
  $("recent-payloads").addEventListener("change", (ev) => {
    const event = recent[Number(ev.target.value)];
    if (!event) return;
    $("worker-source").value = event.sourceId;
    onPayload(event.payload, event.format === "form" ? "form" : "json");
  });
  // A recipe in one step: the mapping (as edited here) for its source, and
  // its sync rules merged into the location's own (the core merges).
  $("apply-recipe").addEventListener("click", async () => {
    const r = recipe();
    if (!r) return;
    $("worker-panel").open = true;
    try {
      const merged = await applyRecipe(client(), r, mappingText());
      const rules = merged ? " and its sync rules were merged into the location's" : "";
      say(`Applied "${r.name}" to ${locationId() || "the default location"}: source ${r.sourceId} uses its mapping${rules}.`, true);
    } catch (e) {
      sayRefused(e);
    }
  });
  $("push-mapping").addEventListener("click", async () => {
    const source = $("worker-source").value.trim();
    try {
      await client().putMapping(source, mappingText());
      say(`Saved: source ${source} now uses this mapping.`, true);
    } catch (e) {
      sayRefused(e);
    }
  });
  $("send-test").addEventListener("click", async () => {
    const source = $("worker-source").value.trim();
    const { text, format } = payload();
    try {
      const answer = await client().sendTestEvent(source, text, format);
      say(answer.status === "duplicate"
        ? `Already received (event ${answer.eventId}, ${answer.outcome ?? "known"}): the Worker does not sync the same event twice.`
        : `Queued as event ${answer.eventId}: see it in GET /v1/admin/events.`, true);
    } catch (e) {
      say(e.message, false);
    }
  });
}
