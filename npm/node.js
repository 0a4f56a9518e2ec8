// Node: the wasm is read and instantiated on import, so every export is ready
// at once; `init()` is kept (a no-op) so the same code runs in both.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { initSync } from "./dist/ghl_bridge_web.js";

// Resolved through the package's own `exports`, so it also works from a bundle
// that sits in a project where ghl-bridge is installed.
const wasmPath = createRequire(import.meta.url).resolve("ghl-bridge/ghl_bridge_web_bg.wasm");
initSync({ module: readFileSync(wasmPath) });

export * from "./dist/ghl_bridge_web.js";
export { initSync };
export default async function init() {}
