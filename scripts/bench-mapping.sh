#!/usr/bin/env bash
# The mapping benchmark: native throughput, then wasm vs JSONata vs plain JS in
# Node, then the gzip bytes the mapping engine adds to the wasm module (against a
# catalogue-only build made in the same run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$root/target/bench"
mkdir -p "$out"

cargo run --release --quiet --example bench_mapping
echo

opt() {
  "$root/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue "$1" -o "$1"
}
build() { # $1 = out dir, $2 = wasm-bindgen target, $3.. = cargo flags
  local dir=$1 target=$2; shift 2
  cargo build -p ghl-bridge-web --release --target wasm32-unknown-unknown --quiet "$@"
  wasm-bindgen --target "$target" --out-dir "$dir" target/wasm32-unknown-unknown/release/ghl_bridge_web.wasm
  opt "$dir/ghl_bridge_web_bg.wasm"
}
build "$out/pkg-node" nodejs
echo '{"type": "commonjs"}' > "$out/pkg-node/package.json"
node bench/mapping.mjs "$out/pkg-node"
echo

build "$out/pkg-catalogue" web --no-default-features
build "$out/pkg-full" web
size() { wc -c < "$1"; }
gz() { gzip -9c "$1" | wc -c; }
base="$out/pkg-catalogue/ghl_bridge_web_bg.wasm" full="$out/pkg-full/ghl_bridge_web_bg.wasm"
printf 'wasm size (wasm-opt -Oz):\n'
printf '  catalogue only      %8d bytes, %7d gzip\n' "$(size "$base")" "$(gz "$base")"
printf '  with mapping engine %8d bytes, %7d gzip\n' "$(size "$full")" "$(gz "$full")"
printf '  the engine adds     %8d bytes, %7d gzip (%.1fx the catalogue-only gzip)\n' \
  "$(( $(size "$full") - $(size "$base") ))" "$(( $(gz "$full") - $(gz "$base") ))" \
  "$(echo "$(gz "$full") / $(gz "$base")" | bc -l)"
