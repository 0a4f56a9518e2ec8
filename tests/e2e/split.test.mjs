// The Worker's two scripts, deployed apart: a front of another build than the
// store's (as between the two deploys) is refused by the store, its webhooks
// are answered 429 so their senders try again, and once both scripts are of
// one build the same delivery goes through, with nothing lost.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ROOT, admin, eventually, postForm, sandbox, startStack } from "./support.mjs";

const stateDir = mkdtempSync(join(tmpdir(), "ghl-bridge-split-"));
const buildId = readFileSync(join(ROOT, "crates/worker/build/BUILD_ID"), "utf8").trim();
const lead = { full_name: "Claire Martin", email: "claire.split@example.fr", tel: "06 98 76 54 32" };
let stack;
after(async () => {
  await stack?.stop();
});

test("a front of another build is refused by the store: webhooks 429, nothing recorded", async () => {
  stack = await startStack({}, { stateDir, frontOfAnotherBuild: true });
  const health = await (await fetch(`${stack.url}/health`)).json();
  assert.equal(health.build, "0".repeat(buildId.length), "the front says the build it is");

  const sent = await postForm(stack, lead, { id: "msg_split_1" });
  assert.equal(sent.status, 429, JSON.stringify(sent.body));
  assert.equal(sent.body.error.code, "try_later");

  const events = await admin(stack, "/events");
  assert.equal(events.status, 500);
  assert.match(events.body.error.message, new RegExp(`store is build ${buildId}.*from build 0+: deploy both scripts`));
  await stack.stop();
  stack = undefined;
});

test("with both scripts of one build, the same delivery is accepted and reaches GHL once", async () => {
  stack = await startStack({}, { stateDir });
  const health = await (await fetch(`${stack.url}/health`)).json();
  assert.equal(health.build, buildId);

  const sent = await postForm(stack, lead, { id: "msg_split_1" });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const contact = await eventually(async () => (await sandbox(stack, "/__sandbox/ghl/contacts")).contacts.find((c) => c.email === lead.email),
    { what: "the lead in GHL" });
  assert.equal(contact.phone, "+33698765432");
  assert.equal((await sandbox(stack, "/__sandbox/ghl/contacts")).contacts.filter((c) => c.email === lead.email).length, 1);
});
