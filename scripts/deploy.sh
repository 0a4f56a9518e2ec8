#!/usr/bin/env bash
# `make deploy`: the whole set-up of a Cloudflare deployment in one command.
#  1. checks wrangler is logged in (`wrangler login` once);
#  2. creates the two queues when they are missing;
#  3. builds the Worker and the pages;
#  4. deploys the one script (`wrangler deploy`);
#  5. puts every secret of SECRETS_FILE (default .deploy-secrets.json, a JSON
#     object of NAME: value, never committed) in one step (`wrangler secret bulk`);
#  6. prints every URL to paste, and where it goes.
# DRY_RUN=1 checks all of it offline: the configuration and the bundle
# (`wrangler deploy --dry-run`), the secrets file's names, and prints the URLs
# for WORKER_URL. FROM_STORE_SCRIPT=1 deploys with the migration that moves
# the Durable Object and its data from a deployment's former store script.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
wrangler=node_modules/.bin/wrangler
dry="${DRY_RUN:-}"
secrets_file="${SECRETS_FILE:-.deploy-secrets.json}"
step() { printf '\033[1m[deploy]\033[0m %s\n' "$*"; }
fail() { printf '[deploy] %s\n' "$*" >&2; exit 1; }

# The configuration to deploy: wrangler.toml, or a copy whose migration
# transfers the class from the store script the Worker once had.
config=wrangler.toml
if [[ "${FROM_STORE_SCRIPT:-}" == 1 ]]; then
  mkdir -p target
  config=target/wrangler.from-store-script.toml
  python3 - "$config" <<'PY'
import re, sys
text = open("wrangler.toml").read()
migration = '''[[migrations]]
tag = "v1"
transferred_classes = [{ from = "BridgeStore", from_script = "ghl-bridge-store", to = "BridgeStore" }]
'''
new, n = re.subn(r'\[\[migrations\]\]\ntag = "v1"\nnew_sqlite_classes = \["BridgeStore"\]\n', migration, text)
assert n == 1, "wrangler.toml's migration block moved: update scripts/deploy.sh"
# Paths stay relative to the repository: the copy sits one folder down.
new = new.replace('main = "crates/', 'main = "../crates/').replace('directory = "www"', 'directory = "../www"')
new = new.replace('watch_dir = ["src", "crates/worker/src"]', 'watch_dir = ["../src", "../crates/worker/src"]')
open(sys.argv[1], "w").write(new)
PY
  step "using $config (the Durable Object moves from ghl-bridge-store, with its data)"
fi

# The names the Worker reads (src/config.rs, VARIABLES): a secrets file with
# another name is refused before anything is put.
known=$(grep -oE '(secret|var)\("[A-Z_]+"\)' src/config.rs | sed -E 's/.*\("([A-Z_]+)"\)/\1/' | sort -u)
check_secrets() {
  [[ -f "$secrets_file" ]] || return 1
  python3 - "$secrets_file" "$known" <<'PY'
import json, sys
names = json.load(open(sys.argv[1]))
known = set(sys.argv[2].split())
if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
    sys.exit(f"{sys.argv[1]}: a JSON object of NAME: \"value\" strings")
unknown = sorted(set(names) - known)
if unknown:
    sys.exit(f"{sys.argv[1]}: {', '.join(unknown)} is not read by the Worker (docs/configuration.md)")
if "SECRETS_KEY" not in names:
    sys.exit(f"{sys.argv[1]}: SECRETS_KEY is required (openssl rand -base64 32): secrets are never stored in clear")
PY
}

if [[ -z "$dry" ]]; then
  step "checking wrangler is logged in"
  "$wrangler" whoami >/dev/null 2>&1 || fail "not logged in: run \`$wrangler login\` first"
  check_secrets || fail "$secrets_file is missing: a JSON object of every secret (docs/configuration.md)"
  step "creating the queues that are missing"
  existing=$("$wrangler" queues list 2>/dev/null || true)
  for queue in ghl-bridge-events ghl-bridge-paced; do
    grep -q "$queue" <<<"$existing" || "$wrangler" queues create "$queue"
  done
fi

step "building"
make --no-print-directory build-worker build-web >/dev/null

if [[ -n "$dry" ]]; then
  step "wrangler deploy --dry-run ($config)"
  out=$(mktemp -d)
  "$wrangler" deploy --config "$config" --dry-run --outdir "$out" 2>&1 | tail -n 25
  [[ -s "$out/index.js" ]] || fail "the dry run wrote no bundle"
  if [[ -f "$secrets_file" ]]; then check_secrets; fi
  url="${WORKER_URL:-https://ghl-bridge.YOUR-SUBDOMAIN.workers.dev}"
else
  step "wrangler deploy"
  log=$("$wrangler" deploy --config "$config" 2>&1 | tee /dev/stderr)
  url="${WORKER_URL:-$(grep -oE 'https://[a-z0-9.-]+\.workers\.dev' <<<"$log" | head -n 1)}"
  step "putting the secrets of $secrets_file"
  "$wrangler" secret bulk "$secrets_file" --config "$config"
fi

secret_named() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2],"<"+sys.argv[2]+">"))' "$secrets_file" "$1" 2>/dev/null || echo "<$1>"
}
spothit_token=$(secret_named SPOTHIT_PATH_TOKEN)
app_hook_secret=$(secret_named GHL_APP_HOOK_SECRET)
cat <<URLS

What to paste where (the Worker is at $url):

GHL Marketplace portal (your app, Advanced settings):
  OAuth redirect URL ............ $url/oauth/callback
  Webhook URL (events) .......... $url/v1/hooks/ghl
  Install link for agencies ..... $url/oauth/start
  Conversation provider (SMS, "Is this a Custom Conversation Provider" unchecked):
    Delivery URL ................ $url/v1/hooks/ghl/provider/$app_hook_secret
    then set GHL_CONVERSATION_PROVIDER_ID to the provider's id (wrangler.toml [vars])
  Workflow actions and triggers (header x-bridge-key = GHL_APP_HOOK_SECRET):
    definitions ................. cargo run --example workflow_definitions -- $url
    actions ..................... $url/v1/hooks/ghl/actions/{actionKey}
    trigger subscriptions ....... $url/v1/hooks/ghl/triggers

Spot-Hit dashboard (Paramètres > API > URL de retour), for the default location:
  delivery status ............... $url/v1/hooks/spothit/$spothit_token/status
  replies ....................... $url/v1/hooks/spothit/$spothit_token/reply
  STOP .......................... $url/v1/hooks/spothit/$spothit_token/stop
  Each location that connects its own Spot-Hit account gets its own three
  URLs in the answer of PUT /v1/admin/locations/{id}/connections/spothit.

Forms and webhook senders: $url/v1/hooks/forms/{sourceId}
The operations console: $url/console/   The mapping tester: $url/
Custom page (your app › Custom Pages; Advanced Settings › Auth: the SSO shared
secret into GHL_SSO_KEY): $url/app/
URLS
