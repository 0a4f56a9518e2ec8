#!/usr/bin/env bash
# Builds the npm package in npm/ from the web module (scripts/build-web.sh):
# copies the wasm-bindgen output into npm/dist and prints the sizes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [[ ! -f www/pkg/ghl_bridge_web_bg.wasm ]]; then
  bash scripts/build-web.sh
fi
mkdir -p npm/dist
cp www/pkg/ghl_bridge_web.js www/pkg/ghl_bridge_web_bg.wasm npm/dist/
wasm=npm/dist/ghl_bridge_web_bg.wasm
echo "npm package: $wasm $(wc -c < "$wasm") bytes, $(gzip -9c "$wasm" | wc -c) gzip"
