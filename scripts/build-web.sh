#!/usr/bin/env bash
# Builds the browser package of crates/web into www/pkg (ES module + wasm),
# which the mapping tester page imports.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo build -p ghl-bridge-web --release --target wasm32-unknown-unknown --quiet
wasm-bindgen --target web --out-dir www/pkg \
  target/wasm32-unknown-unknown/release/ghl_bridge_web.wasm
wasm_opt="$root/node_modules/.bin/wasm-opt"
if [[ -x "$wasm_opt" ]]; then
  "$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types \
    --enable-multivalue www/pkg/ghl_bridge_web_bg.wasm -o www/pkg/ghl_bridge_web_bg.wasm
fi

# The console's chart library (uPlot, from the npm lock), minified, served beside it.
mkdir -p www/console/vendor
"$root/node_modules/.bin/esbuild" node_modules/uplot/dist/uPlot.esm.js --minify --format=esm \
  --log-level=warning --outfile=www/console/vendor/uPlot.esm.js
cp node_modules/uplot/dist/uPlot.min.css www/console/vendor/
