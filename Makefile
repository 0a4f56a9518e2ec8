# ghl-bridge: the two commands are `make dev` and `make test`. Both install what
# is missing first (scripts/setup.sh) and skip what is there.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export WRANGLER_SEND_METRICS := false
export CLOUDFLARE_CF_FETCH_ENABLED := false
export CHROMEDRIVER ?= /usr/bin/chromedriver

.PHONY: help deploy test-deploy setup build build-web build-npm build-worker build-sandbox dev test lint test-native test-wasm test-npm test-e2e bench-mapping size-worker bench-page bench-storage bench-console bench-attempt bench-startup load clean

help:
	@echo "make dev   - build, then run the GHL sandbox (:8788) and the Worker (:8787, page at /)"
	@echo "make test  - lint + every test: native, wasm in headless Chromium, end to end on workerd"
	@echo "make deploy - queues, build, wrangler deploy, secrets (SECRETS_FILE), the URLs to paste (DRY_RUN=1: offline check)"
	@echo "make build-npm - the npm package in npm/ (wasm, Node and browser entries, types)"
	@echo "make bench-mapping - mapping throughput (native, wasm vs JSONata), the cold path vs libphonenumber-js, wasm sizes"
	@echo "make size-worker - where the Worker's wasm bytes go (sections, functions, crates)"
	@echo "make bench-page - the tester in Chromium: keystroke to preview, a 10,000-row CSV"
	@echo "make bench-storage - one location's storage after 10,000 and 20,000 events, retention"
	@echo "make bench-attempt - one queued lead's cost to the consumer (BASELINE=another build to compare)"
	@echo "make bench-startup - each Worker script's wasm compile and startup in a fresh process (BASELINE=another build)"
	@echo "make bench-console - the console's first screen: 50 locations, then 10,000 events each"
	@echo "make load  - load and fault run: Worker + sandbox, webhooks/s, latency, exactly-once, backfill"

setup:
	@bash scripts/setup.sh

build-sandbox: setup
	cargo build -p ghl-bridge-sandbox --quiet

build-web: setup
	@bash scripts/build-web.sh

# The npm package (npm/): the web module plus hand-written Node entry and types.
build-npm: build-web
	@bash scripts/build-npm.sh

build-worker: setup
	@bash scripts/build-worker.sh

build: build-web build-npm build-worker build-sandbox

dev: build
	@bash scripts/dev.sh

test: setup lint test-native test-wasm build test-npm test-deploy test-e2e
	@echo "make test: all suites passed"

deploy: setup
	@bash scripts/deploy.sh

# The real configuration, and the one moving the Durable Object from a former
# store script, through `wrangler deploy --dry-run`: a broken binding or
# migration fails here.
test-deploy:
	DRY_RUN=1 bash scripts/deploy.sh > /dev/null
	DRY_RUN=1 FROM_STORE_SCRIPT=1 bash scripts/deploy.sh > /dev/null
	@echo "test-deploy: both dry runs deployed"

lint:
	cargo fmt --all -- --check
	# No module names another that names it back (a module's own files below it count as one room).
	python3 scripts/module-cycles.py src crates/worker/src
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	# wasm: the libraries, and the web crate's browser tests (the core's native
	# test targets use proptest, which does not build for wasm).
	cargo clippy -p ghl-bridge -p ghl-bridge-worker --target wasm32-unknown-unknown --lib --quiet -- -D warnings
	cargo clippy -p ghl-bridge-web --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings

test-native:
	cargo test -p ghl-bridge -p ghl-bridge-sandbox

test-wasm:
	cargo test -p ghl-bridge-web --target wasm32-unknown-unknown

# The package as a consumer installs it: Node import, esbuild bundles (Node, and
# a browser bundle run in Chromium), tsc.
test-npm:
	node --test tests/npm/

test-e2e:
	node --test --test-concurrency=1 tests/e2e/

# Not part of `make test`: prints figures and ratios, asserts nothing.
bench-mapping: build-web
	@bash scripts/bench-mapping.sh

# Where the wasm bytes of the Worker go: sections (raw, gzip), largest functions,
# code per crate and module, generic copies. Asserts nothing.
size-worker: setup
	GHL_BRIDGE_WASM_NAMES=1 bash scripts/build-worker.sh
	node bench/wasm-size.mjs crates/worker/build/index_bg.wasm target/worker-named.wasm

# The page in headless Chromium: keystroke-to-preview and a 10,000-row CSV.
bench-page: build
	node bench/page.mjs

# One location's storage after 10,000 / 20,000 events, retention, first page.
bench-storage: build
	node bench/storage.mjs

# The console's first screen: 50 locations, then 10,000 stored events each.
bench-console: build
	node bench/console.mjs

# One queued lead's cost to the consumer, one lead at a time (BASELINE: another
# build's crates/worker/build, run in turns beside this one, with ratios).
bench-attempt: build
	node bench/attempt.mjs

# A new isolate's cost per Worker script: wasm compile in Chromium, wrangler
# check startup (BASELINE: another build's crates/worker/build, in turns).
bench-startup: build
	node bench/startup.mjs

# The load and fault run against the sandbox (minutes; EVENTS, CONCURRENCY, BACKFILL).
load: build
	node bench/load.mjs

clean:
	cargo clean
	rm -rf www/pkg npm/dist crates/worker/build test-artifacts .wrangler
