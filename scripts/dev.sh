#!/usr/bin/env bash
# Runs ghl-bridge locally in the foreground: the Worker on workerd (wrangler dev)
# at http://127.0.0.1:8787, with the mapping tester page at /. Ctrl-C stops it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Local secrets for wrangler dev. Generated once with fixed, documented values so
# a demo and an outside check can rely on them; never committed. A deployment sets
# the same names with `wrangler secret put`.
if [[ ! -f .dev.vars ]]; then
  cat > .dev.vars <<'VARS'
ADMIN_TOKEN="dev-admin-token"
FORM_SOURCE_ID="demo"
FORM_SIGNING_SECRET="whsec_Z2hsLWJyaWRnZS1kZXYtc2VjcmV0"
SPOTHIT_PATH_TOKEN="dev-spothit-token"
DEFAULT_PHONE_REGION="FR"
GHL_LOCATION_ID="dev-location"
GHL_BASE_URL="http://127.0.0.1:8788/ghl"
VARS
  echo "[dev] wrote .dev.vars with the development defaults"
fi

cat <<'INFO'
[dev] ghl-bridge Worker:   http://127.0.0.1:8787/health
[dev] mapping tester page: http://127.0.0.1:8787/
INFO
exec node_modules/.bin/wrangler dev --ip 127.0.0.1 --port 8787
