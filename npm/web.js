// Browsers and bundlers: call the default export once (`await init()`) before
// anything else; it fetches `dist/ghl_bridge_web_bg.wasm` next to this file.
export { default, initSync } from "./dist/ghl_bridge_web.js";
export * from "./dist/ghl_bridge_web.js";
