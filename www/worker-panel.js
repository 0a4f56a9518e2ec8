// Push the mapping to a running Worker, or send it a test event, through the
// npm module's typed BridgeClient. The admin token stays in this page's memory.
import { BridgeClient } from "./pkg/ghl_bridge_web.js";
import { $ } from "./dom.js";

function say(text, ok) {
  const out = $("worker-result");
  out.textContent = text;
  out.className = `worker-result ${ok ? "good" : "bad"}`;
}

function client() {
  return new BridgeClient($("worker-url").value, $("worker-token").value);
}

export function setUpWorkerPanel({ mappingText, payload }) {
  if (!$("worker-url").value) $("worker-url").value = location.origin;
  $("push-mapping").addEventListener("click", async () => {
    const source = $("worker-source").value.trim();
    try {
      await client().putMapping(source, mappingText());
      say(`Saved: source ${source} now uses this mapping.`, true);
    } catch (e) {
      const lines = (e.details ?? []).map((d) => `line ${d.line}: ${d.message}`);
      say([e.message, ...lines].join("\n"), false);
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
