// Type-checked by `tsc --strict` against the package's index.d.ts, as a
// TypeScript dashboard would use it. The @ts-expect-error lines prove the types
// are precise: if a type were `any`, tsc would report them as unused.
import init, { BridgeClient, previewBatch, previewEvent, templates } from "ghl-bridge";
import type { BatchSummary, EventRecord, IdentityDecision, Preview, RowAction } from "ghl-bridge";

await init();
const template = templates()[0];
const preview: Preview = previewEvent(template.mapping, template.sample, template.format, "loc", Date.now() / 1000);
const firstUrl: string | undefined = preview.requests[0]?.url;
const decision: IdentityDecision | null = preview.decision;
if (decision?.action === "update") {
  const id: string = decision.contactId;
  console.log(id);
}
const batch = previewBatch(template.mapping, "email\na@b.fr\n", null, 0);
if (batch.ok) {
  const summary: BatchSummary = batch.summary;
  const action: RowAction = batch.rows[0].action;
  console.log(summary.create, action);
}

const client = new BridgeClient("http://127.0.0.1:8787", "token");
const { events }: { events: EventRecord[] } = await client.events(20);
const parked = events.filter((e) => e.status === "parked").map((e) => e.contactId ?? e.error);
const saved: boolean = (await client.putMapping("web-form", template.mapping)).saved;

// @ts-expect-error: previews have no `requestList`
preview.requestList;
// @ts-expect-error: an event's status is one of four words
const wrong: EventRecord["status"] = "finished";
// @ts-expect-error: the format is checked
previewEvent("", "", "xml", "loc", 0);
console.log(firstUrl, parked, saved, wrong);
