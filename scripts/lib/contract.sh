# The TypeScript client example, the official webhook verifier, then schemathesis, against a real
# server of this checkout: a fresh seeded database, an editor's
# token, every check and every phase (stateful included), a fixed seed.

contract_schemathesis() {
  local server_url=$1 db="orgcms_contract_$$"
  local db_url="${server_url%/*}/$db"
  local log="$tools_dir/contract-server.log"
  psql "$server_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -qc "CREATE DATABASE $db" >/dev/null
  DATABASE_URL=$db_url target/debug/orgcms seed >/dev/null 2>&1
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # The login and request-rate limits are raised or off: schemathesis sends thousands of requests
  # (and logins) from one address, and a 429 on each would leave the logic behind untested.
  DATABASE_URL=$db_url ORGCMS_BIND=127.0.0.1:$port RUST_LOG=warn \
    ORGCMS_JWT_SECRET=contract-secret-contract-secret-contract \
    ORGCMS_ADMIN_EMAIL=contract-admin@example.org ORGCMS_ADMIN_PASSWORD=contract-admin-passphrase \
    ORGCMS_LOGIN_MAX_FAILURES=1000 ORGCMS_RATE_LIMIT_PER_MINUTE=0 ORGCMS_LOGIN_RATE_LIMIT_PER_MINUTE=0 \
    ORGCMS_WEBHOOK_ALLOW_HTTP=true ORGCMS_WEBHOOK_ALLOW_LOOPBACK=true ORGCMS_WEBHOOK_POLL_MS=50 \
    ORGCMS_METRICS_TOKEN=contract-metrics-token \
    target/debug/orgcms serve >"$log" 2>&1 &
  local server=$!
  local base="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  if ! kill -0 "$server" 2>/dev/null; then cat "$log" >&2; return 1; fi
  local token
  token=$(python3 - "$base" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
def call(path, body, token=None):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", "Bearer " + token)
    return json.load(urllib.request.urlopen(request))
admin = call("/api/v1/auth/login", {"email": "contract-admin@example.org", "password": "contract-admin-passphrase"})["access_token"]
call("/api/v1/users", {"email": "contract-editor@example.org", "display_name": "Contract editor",
                       "role": "editor", "password": "contract-editor-passphrase"}, admin)
print(call("/api/v1/auth/login", {"email": "contract-editor@example.org", "password": "contract-editor-passphrase"})["access_token"])
PY
  )
  local status=0
  if [ "${CLIENT_TOOLS_OK:-0}" = 1 ]; then
    (cd tests/client && ORGCMS_URL=$base ORGCMS_EMAIL=contract-editor@example.org \
      ORGCMS_PASSWORD=contract-editor-passphrase node_modules/.bin/tsx client.ts) || status=$?
  fi
  # Webhooks as a partner checks them: with the official Standard Webhooks library.
  if [ "$status" = 0 ]; then
    "$tools_dir/venv/bin/python" tests/webhooks/official.py "$base" contract-admin@example.org \
      contract-admin-passphrase || status=$?
  fi
  [ "$status" = 0 ] || { kill "$server"; return "$status"; }
  timeout 1500 "$tools_dir/venv/bin/schemathesis" --config-file tests/contract/schemathesis.toml \
    run "$base/openapi.json" --checks all --phases examples,coverage,fuzzing,stateful \
    --header "Authorization: Bearer $token" --seed 42 --max-examples 25 --workers 1 \
    --no-color || status=$?
  # The busy node's metrics, read by an independent parser.
  if [ "$status" = 0 ]; then
    "$tools_dir/venv/bin/python" tests/metrics/check.py "$base" contract-metrics-token \
      openapi/openapi.json || status=$?
  fi
  kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true
  psql "$server_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  return $status
}
