#!/usr/bin/env bash
# Installs what ghl-bridge needs to build, run and test, and skips what is there.
# Only package registries are used (crates.io, npm, Debian): nothing is downloaded
# from anywhere else, so it works on an offline build machine with registry access.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

WORKER_BUILD_VERSION=0.8.7  # must match the `worker` crate's minor version
step() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

command -v cargo >/dev/null || { echo "cargo not found: install Rust (rustup) first" >&2; exit 1; }
command -v node >/dev/null || { echo "node not found: install Node.js 20 or later" >&2; exit 1; }

# 1. The wasm target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. Debian packages: Chromium + chromedriver for browser tests, OpenSSL headers
#    for worker-build.
missing=()
for pkg in chromium chromium-driver libssl-dev pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  step "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 3. The wasm-bindgen CLI, exactly the version in Cargo.lock (the CLI refuses
#    wasm made by any other version).
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $bindgen_version" ]]; then
  step "installing wasm-bindgen-cli $bindgen_version (about 3 minutes)"
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force --quiet
fi

# 4. worker-build, pinned.
if [[ "$(worker-build --version 2>/dev/null)" != *"$WORKER_BUILD_VERSION"* ]]; then
  step "installing worker-build $WORKER_BUILD_VERSION (about 4 minutes)"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --force --quiet
fi

# 5. npm packages from the committed lock (wrangler, esbuild, binaryen,
#    playwright-core). Re-run only when the lock changed.
stamp=node_modules/.package-lock.json
if [[ ! -f "$stamp" || package-lock.json -nt "$stamp" ]]; then
  step "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

step "ready: $(rustc --version | cut -d' ' -f1-2), $(wasm-bindgen --version), worker-build $(worker-build --version 2>/dev/null | awk '{print $NF}'), node $(node --version), $(chromium --version 2>/dev/null | cut -d' ' -f1-2)"
