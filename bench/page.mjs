// Browser timings of the mapping tester in headless Chromium. Run: make bench-page.
//  1. Keystroke in the mapping -> preview rendered, for one payload (validate +
//     apply + plan + render, synchronous in the input handler; paint not counted).
//  2. A 10,000-row CSV: previewBatch + table render, against a baseline in the
//     same run: the same rows previewed one by one with previewEvent from JS.
import { launchChromium, startWorker } from "../tests/e2e/support.mjs";
import { median } from "./stats.mjs";

const ROWS = Number(process.env.ROWS ?? 10_000);

/** A realistic export: French mobiles in several spellings, some people twice, some broken rows. */
function csv(rows) {
  const lines = ["nom;prenom;mobile;email;groupe_nom"];
  for (let i = 0; i < rows; i++) {
    const n = String(i).padStart(8, "0");
    const mobile = i % 3 === 0 ? `06${n}` : i % 3 === 1 ? `+33 6 ${n.slice(0, 2)} ${n.slice(2, 4)} ${n.slice(4, 6)} ${n.slice(6)}` : `07.${n.slice(0, 2)}.${n.slice(2, 4)}.${n.slice(4, 6)}.${n.slice(6)}`;
    const person = i % 20 === 19 ? i - 1 : i; // every 20th row repeats the previous person
    const email = i % 50 === 49 ? "not-an-email" : `client${person}@exemple.fr`;
    lines.push(`NOM${person};prénom ${person};${i % 50 === 49 ? "12" : mobile};${email};Groupe ${i % 7}`);
  }
  return lines.join("\n");
}

const worker = await startWorker(undefined, { SECRETS_KEY: "ZTJlLXNlY3JldHMta2V5LW9mLTMyLWJ5dGVzLW9rISE=" });
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(`${worker.url}/`);
  await page.waitForSelector("#status.ok");

  // A space typed after the JSON: the mapping's rules stay the same.
  const keystroke = async () => page.evaluate(() => {
    const m = document.getElementById("mapping");
    const start = performance.now();
    m.value = m.value + " ";
    m.dispatchEvent(new Event("input"));
    return performance.now() - start;
  });
  // A letter typed into the first payload path the mapping reads, as when
  // someone edits a rule: the mapping changes, and that rule with it.
  const letterInRule = async () => page.evaluate(() => {
    const m = document.getElementById("mapping");
    const at = m.value.indexOf('"', m.value.indexOf('"from":') + 7) + 1;
    const start = performance.now();
    m.value = m.value.slice(0, at) + "x" + m.value.slice(at);
    m.dispatchEvent(new Event("input"));
    return performance.now() - start;
  });
  const out = {};
  const timed = async (edit) => {
    const times = [];
    for (let i = 0; i < 30; i++) times.push(await edit());
    return `median ${median(times).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms (30 edits)`;
  };
  for (const id of ["web-form", "spothit-reply", "specter-person"]) {
    await page.selectOption("#template", id);
    out[`keystroke ${id}`] = await timed(keystroke);
    out[`  ${id}: a letter in a rule`] = await timed(letterInRule);
    out[`  ${id}: rules drawn`] = await page.evaluate(() => document.querySelectorAll("#mapper-rows .mapper-row").length);
  }

  await page.selectOption("#template", "spothit-contacts-csv");
  const text = csv(ROWS);
  const runs = [];
  for (let i = 0; i < 3; i++) {
    runs.push(await page.evaluate(async (csvText) => {
      const body = document.body;
      body.dataset.batchRows = "";
      const p = document.getElementById("payload");
      const start = performance.now();
      p.value = csvText + "\n".repeat(Math.random() > 2 ? 1 : 0);
      p.dispatchEvent(new Event("input"));
      while (body.dataset.batchRows !== String(csvText.split("\n").length - 1)) await new Promise((r) => setTimeout(r, 5));
      return { batchMs: Number(body.dataset.batchMs), wallMs: performance.now() - start };
    }, text));
    await page.fill("#payload", "nom;email\nA;a@b.fr");
  }
  const counts = await page.evaluate(async (csvText) => {
    const p = document.getElementById("payload");
    p.value = csvText;
    p.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 400));
    return [...document.querySelectorAll("#batch-counts li")].map((li) => li.textContent.trim()).join(", ");
  }, text);
  const typing = [];
  for (let i = 0; i < 15; i++) typing.push(await keystroke());

  // Baseline: the same file, one previewEvent call per row from JS.
  const baseline = await page.evaluate(async (csvText) => {
    const core = await import("./pkg/ghl_bridge_web.js");
    const mapping = document.getElementById("mapping").value;
    const start = performance.now();
    const rows = core.csvRows(csvText);
    let failed = 0;
    for (const r of rows) failed += core.previewEvent(mapping, JSON.stringify(r.payload), "json", "loc", 1_795_341_600).ok ? 0 : 1;
    return { ms: performance.now() - start, rows: rows.length, failed };
  }, text);

  const batch = median(runs.map((r) => r.batchMs));
  const wall = median(runs.map((r) => r.wallMs));
  out[`csv ${ROWS} rows`] = `previewBatch + table ${batch.toFixed(0)} ms (${(batch * 1000 / ROWS).toFixed(1)} µs/row); ` +
    `paste -> counts shown ${wall.toFixed(0)} ms (incl. the 250 ms typing pause for big files); median of 3`;
  out["csv counts"] = counts;
  out["keystroke with the csv loaded"] = `median ${median(typing).toFixed(2)} ms (row preview live; table after a pause)`;
  out[`baseline: previewEvent per row`] = `${baseline.ms.toFixed(0)} ms for ${baseline.rows} rows (${baseline.failed} without identity)`;
  out["ratio"] = `previewBatch is ${(baseline.ms / batch).toFixed(2)}x faster than previewEvent per row`;
  console.log(out);
} finally { await browser.close(); await worker.stop(); }
