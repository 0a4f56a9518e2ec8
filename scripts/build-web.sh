#!/usr/bin/env bash
# Builds the browser package of crates/web into www/pkg (ES module + wasm),
# which the mapping tester page imports.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source "$root/scripts/web-wasm.sh"
web_wasm_build
wasm-bindgen --target web --out-dir www/pkg "$web_wasm_dir/ghl_bridge_web.wasm"
if [[ -x "$root/node_modules/.bin/wasm-opt" ]]; then
  web_wasm_opt www/pkg/ghl_bridge_web_bg.wasm
fi

# The console's chart library (uPlot, from the npm lock), minified, served beside it.
mkdir -p www/console/vendor
"$root/node_modules/.bin/esbuild" node_modules/uplot/dist/uPlot.esm.js --minify --format=esm \
  --log-level=warning --outfile=www/console/vendor/uPlot.esm.js
cp node_modules/uplot/dist/uPlot.min.css www/console/vendor/
