#!/usr/bin/env bash
# Runs ghl-bridge locally in the foreground: the GHL sandbox on 127.0.0.1:8788 and
# the Worker on workerd (wrangler dev) on 127.0.0.1:8787, wired to each other,
# with the mapping tester page at /. Ctrl-C stops both.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Local secrets for wrangler dev, with fixed, documented values so a demo and an
# outside check can rely on them; never committed. A name missing from an older
# .dev.vars is added; values already there are kept. A deployment sets the same
# names with `wrangler secret put`.
defaults=(
  'ADMIN_TOKEN="dev-admin-token"'
  'FORM_SOURCE_ID="demo"'
  'FORM_SIGNING_SECRET="whsec_Z2hsLWJyaWRnZS1kZXYtc2VjcmV0"'
  'SPOTHIT_PATH_TOKEN="dev-spothit-token"'
  'DEFAULT_PHONE_REGION="FR"'
  'GHL_LOCATION_ID="dev-location"'
  'GHL_BASE_URL="http://127.0.0.1:8788/ghl"'
  'GHL_TOKEN="sandbox-location-token"'
  'GHL_WEBHOOK_PUBLIC_KEY="5h848clIXD6A20H/EXyI6CDIOK7YmVD/i3sWu3xg1aM="'
  'ECHO_WINDOW_SECONDS="60"'
  'SPOTHIT_API_KEY="sandbox-spothit-key"'
  'SPOTHIT_BASE_URL="http://127.0.0.1:8788/spothit/api"'
  'SPECTER_API_KEY="sandbox-specter-key"'
  'SPECTER_BASE_URL="http://127.0.0.1:8788/specter/api/v1"'
  'GHL_CLIENT_ID="sandbox-client"'
  'GHL_CLIENT_SECRET="sandbox-secret"'
  'GHL_OAUTH_AUTHORIZE_URL="http://127.0.0.1:8788/ghl/oauth/chooselocation"'
  'GHL_APP_HOOK_SECRET="dev-app-hook-secret"'
  'GHL_CONVERSATION_PROVIDER_ID="sandbox-sms-provider"'
  'GHL_SSO_KEY="dev-sso-shared-secret"'
  'APP_FRAME_ANCESTORS="http://127.0.0.1:8788"'
  'SECRETS_KEY="Z2hsLWJyaWRnZS1kZXYtc2VjcmV0cy1rZXktMzJiISE="'
  "SYNC_RULES='{\"version\": 1, \"spotHit\": {\"tagGroups\": {\"vip\": \"Clients VIP\"}, \"tagGroupPrefix\": \"spothit-group:\", \"taskCompleted\": [{\"titleContains\": \"rappel\", \"sms\": \"Bonjour {firstName}, merci pour votre appel. STOP au 36200\"}]}, \"specter\": {\"tagLists\": {\"investisseur\": \"6f1c2b1e-9a4d-4c36-8a55-2d1b6b0f7a01\"}, \"poll\": [{\"list\": \"6f1c2b1e-9a4d-4c36-8a55-2d1b6b0f7a01\"}, {\"savedSearch\": \"1201\"}], \"fetchEmails\": true}}'"
)
touch .dev.vars
for line in "${defaults[@]}"; do
  name="${line%%=*}"
  if ! grep -q "^${name}=" .dev.vars; then
    echo "$line" >> .dev.vars
    echo "[dev] .dev.vars: added ${name}"
  fi
done

# The sandbox starts empty on every run, so the Worker's local state does too:
# its caches would otherwise point at contacts and webhooks that no longer exist.
rm -rf .wrangler/state

target/debug/ghl-bridge-sandbox --port 8788 \
  --webhook-url http://127.0.0.1:8787/v1/hooks/ghl \
  --spothit-callback-base http://127.0.0.1:8787/v1/hooks/spothit/dev-spothit-token \
  --provider-url http://127.0.0.1:8787/v1/hooks/ghl/provider/dev-app-hook-secret \
  --app-url http://127.0.0.1:8787 --app-key dev-app-hook-secret &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null || true' EXIT INT TERM

cat <<'INFO'
[dev] ghl-bridge Worker:   http://127.0.0.1:8787/health
[dev] mapping tester page: http://127.0.0.1:8787/
[dev] GHL sandbox data:    http://127.0.0.1:8788/__sandbox/ghl/contacts
[dev] run the cron now:    curl "http://127.0.0.1:8787/__scheduled?cron=*/10+*+*+*+*"
INFO
# wrangler's devtools inspector proxy sends each of the runtime's devtools
# messages to wrangler's Node process as an HTTP request of its own; a load run
# through it held thousands of sockets open. wrangler leaves the inspector out
# when VSCODE_INSPECTOR_OPTIONS is set (as in VS Code's debug terminal); the
# Worker's console lines still show. GHL_BRIDGE_DEVTOOLS=1 keeps devtools.
if [ "${GHL_BRIDGE_DEVTOOLS:-}" != 1 ]; then
  export VSCODE_INSPECTOR_OPTIONS="ghl-bridge: no inspector proxy"
fi
# Once the Worker answers, the sandbox agency installs the app on its three
# locations (GHL's bulk install through /oauth/start), so the app's page and
# the console have an agency to show (dev-location keeps GHL_TOKEN).
(
  for _ in $(seq 90); do curl -fs http://127.0.0.1:8787/health >/dev/null 2>&1 && break; sleep 1; done
  if curl -fsL http://127.0.0.1:8787/oauth/start >/dev/null 2>&1; then
    echo "[dev] the sandbox agency (dev-company) installed the app on dev-location, -2 and -3"
    echo "[dev] the app's page as GHL shows it: http://127.0.0.1:8788/__sandbox/ghl/app?locationId=dev-location-2&role=admin"
  fi
) &
# wrangler's [build] finds the bundle `make build` just made up to date.
node_modules/.bin/wrangler dev -c wrangler.toml \
  --ip 127.0.0.1 --port 8787 --test-scheduled
