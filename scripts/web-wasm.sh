# Sourced by build-web.sh and bench-mapping.sh: how the web module's wasm (the
# tester page and the npm module) is compiled and optimised, written once.
#
# It is built at opt-level z like the Worker, but with LLVM's inlining threshold
# raised from z's to 40 and binaryen's -Os: measured with `make bench-mapping`,
# mapping in Node 1.3x faster (Specter 11.4 -> 8.6 us per event, web form
# 18.6 -> 13.8) for 3.6 KB of gzip (345.5 -> 349.1 KB, budget 350). The flag
# changes every crate's code, so these builds keep their own target directory
# (target/web) rather than rebuilding the Worker's dependencies in turn.
WEB_WASM_INLINE_THRESHOLD=40
web_wasm_dir="$root/target/web/wasm32-unknown-unknown/release"

# Compiles crates/web for wasm; extra arguments go to cargo (features).
web_wasm_build() {
  CARGO_TARGET_DIR="$root/target/web" \
    RUSTFLAGS="-C llvm-args=-inline-threshold=$WEB_WASM_INLINE_THRESHOLD" \
    cargo build -p ghl-bridge-web --release --target wasm32-unknown-unknown --quiet "$@"
}

# Optimises a wasm-bindgen output in place.
web_wasm_opt() {
  "$root/node_modules/.bin/wasm-opt" -Os --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$1" -o "$1"
}
