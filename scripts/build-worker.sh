#!/usr/bin/env bash
# Builds the Worker (crates/worker/build) with worker-build, offline: every
# tool worker-build would download is given to it from a local install.
# Skipped when the build there is of the same sources (its BUILD_ID), so that
# `make dev` and wrangler's [build] do not build twice. GHL_BRIDGE_FORCE_BUILD=1
# builds anyway.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/crates/worker"
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$(command -v wasm-bindgen)}"
export ESBUILD_BIN="${ESBUILD_BIN:-$root/node_modules/.bin/esbuild}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$root/node_modules/.bin/wasm-opt}"
# The build id: a hash of what the Worker is built from (tracked blobs, any
# uncommitted change, untracked files), so that the same sources keep the same
# id whatever was committed around them, and are not built again.
sources=(src crates/worker/src crates/worker/Cargo.toml Cargo.toml Cargo.lock scripts/build-worker.sh)
if (cd "$root" && git rev-parse --git-dir >/dev/null 2>&1); then
  inputs="$(cd "$root" && git ls-files -s -- "${sources[@]}"; git diff HEAD -- "${sources[@]}";
    git ls-files --others --exclude-standard -z -- "${sources[@]}" | xargs -0 -r cat)"
else
  inputs="$(cd "$root" && find "${sources[@]}" -type f | sort | xargs cat)"
fi
export GHL_BRIDGE_BUILD="src-$(printf '%s' "$inputs" | sha256sum | cut -c1-12)"
if [[ "${GHL_BRIDGE_FORCE_BUILD:-}" != 1 && -f build/index.js \
  && "$(cat build/BUILD_ID 2>/dev/null)" == "$GHL_BRIDGE_BUILD" && -z "${GHL_BRIDGE_WASM_NAMES:-}" ]]; then
  echo "[build-worker] build $GHL_BRIDGE_BUILD is up to date"
  exit 0
fi
# worker-build keeps the wasm's name section (it passes --debuginfo to wasm-opt):
# 338 KB raw, 86 KB gzip of function names that only make stack traces readable.
# Strip it: a panic still logs its message, only the frames lose their names.
# Then binaryen's flow analysis (--gufa) finds constants that -Oz alone does
# not, and -Oz runs once more on them.
features=(--enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int
  --enable-bulk-memory --enable-multivalue --enable-reference-types --enable-exception-handling)
out=build
# Built beside the bundle, then renamed into it file by file: wrangler dev
# watches the bundle's files and must never read one half written.
rm -rf "$out.next"
worker-build --release --out-dir "$out.next" .
# `make size-worker` asks for a copy that keeps the function names, optimised
# the same way, for bench/wasm-size.mjs to list functions by size.
if [[ "${GHL_BRIDGE_WASM_NAMES:-}" == 1 ]]; then
  "$WASM_OPT_BIN" -g --gufa -Oz "${features[@]}" "$out.next/index_bg.wasm" -o "$root/target/worker-named.wasm"
fi
"$WASM_OPT_BIN" --strip-debug --gufa -Oz "${features[@]}" "$out.next/index_bg.wasm" -o "$out.next/index_bg.wasm"
printf '%s\n' "$GHL_BRIDGE_BUILD" > "$out.next/BUILD_ID"
mkdir -p "$out"
mv -f "$out.next/index_bg.wasm" "$out/"
for file in "$out.next"/*; do rm -rf "$out/${file##*/}" && mv "$file" "$out/"; done
rm -rf "$out.next" # what is left is worker-build's scratch
rm -rf build-store # the second script of the builds that had one
