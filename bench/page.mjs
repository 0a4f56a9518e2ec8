// Browser timing of the mapping tester: from a keystroke in the mapping editor to
// the preview rendered (validate + apply + render, synchronous in the input
// handler; the paint after it is not counted). Run: make bench-page.
import { launchChromium, startWorker } from "../tests/e2e/support.mjs";
const worker = await startWorker();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(`${worker.url}/`);
  await page.waitForSelector("#status.ok");
  const out = {};
  for (const id of ["web-form", "spothit-reply", "specter-person"]) {
    await page.selectOption("#template", id);
    const times = [];
    for (let i = 0; i < 30; i++) {
      const t = await page.evaluate(() => {
        const m = document.getElementById("mapping");
        const start = performance.now();
        m.value = m.value + " ";
        m.dispatchEvent(new Event("input"));
        return performance.now() - start;
      });
      times.push(t);
    }
    times.sort((a, b) => a - b);
    out[id] = `median ${times[15].toFixed(2)} ms, max ${times[29].toFixed(2)} ms (keystroke -> preview rendered, 30 edits)`;
  }
  console.log(out);
} finally { await browser.close(); await worker.stop(); }
