#!/usr/bin/env bash
# Builds the Worker's two scripts with worker-build, offline: every tool
# worker-build would download is given to it from a local install.
#   crates/worker/build/        the front: routes, queue consumer, cron (wrangler.toml)
#   crates/worker/build-store/  the store: the Durable Object (wrangler.store.toml)
# Both come from the one crate, each with its Cargo feature, and carry the same
# build id: the store refuses a request from a front of another build (they are
# deployed apart; see durable.rs).
# Set GHL_BRIDGE_SKIP_BUILD=1 to reuse existing bundles (tests build once).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/crates/worker"
if [[ "${GHL_BRIDGE_SKIP_BUILD:-}" == 1 && -f build/index.js && -f build-store/index.js ]]; then
  exit 0
fi
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$(command -v wasm-bindgen)}"
export ESBUILD_BIN="${ESBUILD_BIN:-$root/node_modules/.bin/esbuild}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$root/node_modules/.bin/wasm-opt}"
# The build id: the commit plus a hash of any uncommitted change to what the
# Worker is built from, so that an unchanged tree keeps its id (and is not
# rebuilt). Outside a git checkout, a hash of those files themselves.
sources=(src crates/worker/src crates/worker/Cargo.toml Cargo.toml Cargo.lock)
if sources_diff="$(cd "$root" && git diff HEAD -- "${sources[@]}" 2>/dev/null)"; then
  commit="$(cd "$root" && git rev-parse --short=12 HEAD)"
  export GHL_BRIDGE_BUILD="$commit${sources_diff:+-$(printf '%s' "$sources_diff" | sha256sum | cut -c1-8)}"
else
  export GHL_BRIDGE_BUILD="src-$(cd "$root" && find "${sources[@]}" -type f | sort | xargs cat | sha256sum | cut -c1-12)"
fi
# worker-build keeps the wasm's name section (it passes --debuginfo to wasm-opt):
# 338 KB raw, 86 KB gzip of function names that only make stack traces readable.
# Strip it: a panic still logs its message, only the frames lose their names.
# Then binaryen's flow analysis (--gufa) finds constants that -Oz alone does
# not, and -Oz runs once more on them: 3.3 KB less gzip for 10 s of build.
features=(--enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int
  --enable-bulk-memory --enable-multivalue --enable-reference-types --enable-exception-handling)
for part in front store; do
  out=build; [[ $part == store ]] && out=build-store
  # Built beside the bundle, then renamed into it file by file: wrangler dev
  # watches the store's files and must never read one half written.
  rm -rf "$out.next"
  worker-build --release --out-dir "$out.next" . --no-default-features --features "$part"
  # `make size-worker` asks for copies that keep the function names, optimised
  # the same way, for bench/wasm-size.mjs to list functions by size.
  if [[ "${GHL_BRIDGE_WASM_NAMES:-}" == 1 ]]; then
    "$WASM_OPT_BIN" -g --gufa -Oz "${features[@]}" "$out.next/index_bg.wasm" -o "$root/target/worker-$part-named.wasm"
  fi
  "$WASM_OPT_BIN" --strip-debug --gufa -Oz "${features[@]}" "$out.next/index_bg.wasm" -o "$out.next/index_bg.wasm"
  printf '%s\n' "$GHL_BRIDGE_BUILD" > "$out.next/BUILD_ID"
  mkdir -p "$out"
  mv -f "$out.next/index_bg.wasm" "$out/"
  for file in "$out.next"/*; do rm -rf "$out/${file##*/}" && mv "$file" "$out/"; done
  rm -rf "$out.next" # what is left is worker-build's scratch
done
