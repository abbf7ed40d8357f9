#!/usr/bin/env bash
# Run every carebook test, installing what it needs first:
#   1. the domain's unit tests (carebook-core, no web stack, no database),
#   2. the store conformance story on SQLite, and on PostgreSQL when
#      CAREBOOK_TEST_POSTGRES_URL is set (each scenario in its own schema),
#   3. the server's integration tests (the real app on port 0, over HTTP),
#   4. the browser tests in end2end/ (Debian's Chromium through Playwright,
#      JavaScript on and off, axe-core) against `carebook demo`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT

ensure_build_tools
ensure_browser
# A real SMTP server and a real calendar parser for the mail tests.
python3 -c 'import aiosmtpd, icalendar' 2>/dev/null || python3 -m pip install --quiet aiosmtpd icalendar
# A real FHIR R4 validator for the FHIR API's tests: the HL7 R4 JSON Schema
# with ajv, and FHIR.js (server/tests/fhir-validator, from its lock file).
(cd server/tests/fhir-validator && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || { npm ci --no-audit --no-fund --loglevel=error && touch node_modules; }; })
build_site dev

if [ -n "${CAREBOOK_TEST_POSTGRES_URL:-}" ]; then
    say "PostgreSQL tests run against ${CAREBOOK_TEST_POSTGRES_URL%%@*}@..."
else
    say "CAREBOOK_TEST_POSTGRES_URL is not set: the PostgreSQL half is skipped"
fi

say "unit, conformance and integration tests"
cargo test -p carebook-core -p carebook-session -p carebook-store-rows -p carebook-store-sqlite \
    -p carebook-store-postgres -p carebook-server \
    2>&1 | tee "$log/cargo.txt"
# The app's own unit tests (form parsing behind the staff pages), server side.
cargo test -p carebook-app --features ssr --lib 2>&1 | tee -a "$log/cargo.txt"

say "browser tests"
(cd end2end && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || { npm ci --no-audit --no-fund --loglevel=error && touch node_modules; }; })
# A port nobody is using now, unless one is given.
port="${CAREBOOK_E2E_PORT:-$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')}"
data="$log/data"
mkdir -p "$data"
# Every browser test logs in from 127.0.0.1: the per-address log-in limit
# is raised for them (the integration tests check the limit itself).
CAREBOOK_SITE_ROOT="$ROOT/target/site" CAREBOOK_DEMO__DATABASE_URL="sqlite://$data/demo.db" \
    CAREBOOK_LOGIN_RATE_LIMIT_PER_MINUTE=1000 \
    CAREBOOK_LOG_LEVEL=warn target/debug/carebook demo --listen "127.0.0.1:$port" > "$log/server.txt" 2>&1 &
server=$!
stop_server() { kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true; }
trap 'stop_server; rm -rf "$log"' EXIT
node -e '
const url = process.argv[1];
const until = Date.now() + 60000;
(async function poll() {
  try { const r = await fetch(url); if (r.ok) process.exit(0); } catch (e) {}
  if (Date.now() > until) { console.error("carebook did not become ready"); process.exit(1); }
  setTimeout(poll, 200);
})();' "http://127.0.0.1:$port/ready" || { cat "$log/server.txt"; exit 1; }
# The answer must have come from our server, not from something else on the port.
kill -0 "$server" 2>/dev/null || { echo "carebook exited before the browser tests"; cat "$log/server.txt"; exit 1; }
set +e
(cd end2end && CAREBOOK_BASE_URL="http://127.0.0.1:$port" CAREBOOK_BIN="$ROOT/target/debug/carebook" \
    CAREBOOK_SITE_ROOT="$ROOT/target/site" npx playwright test 2>&1) | tee "$log/e2e.txt"
e2e=${PIPESTATUS[0]}
set -e
kill -TERM "$server"
wait "$server"
shutdown=$?
trap 'rm -rf "$log"' EXIT
if [ "$shutdown" -ne 0 ]; then
    echo "carebook did not shut down cleanly on SIGTERM (exit $shutdown)"; cat "$log/server.txt"; exit 1
fi
[ "$e2e" -eq 0 ] || { echo "browser tests failed"; tail -50 "$log/server.txt"; exit 1; }

passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' "$log/cargo.txt" | awk '{s+=$4} END {print s+0}')
e2e_passed=$(grep -Eo '^ *[0-9]+ passed' "$log/e2e.txt" | tail -1 | awk '{print $1+0}')
echo
echo "carebook: $((passed + ${e2e_passed:-0})) passed, 0 failed"
