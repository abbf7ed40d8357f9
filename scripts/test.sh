#!/usr/bin/env bash
# Run every carebook test, installing what it needs first:
#   1. the domain's unit tests (carebook-core, no web stack, no database),
#   2. the store conformance story on SQLite, and on PostgreSQL when
#      CAREBOOK_TEST_POSTGRES_URL is set (each scenario in its own schema),
#   3. the server's integration tests (the real app on port 0, over HTTP),
#   4. the size budget: the release bundle (wasm-opt, brotli) must fit the
#      budgets in scripts/assets.mjs, or the run fails printing the sizes,
#   5. the browser tests in end2end/ (Debian's Chromium through Playwright,
#      JavaScript on and off, axe-core) against `carebook demo` serving that
#      release bundle,
#   6. the JSON API against its own OpenAPI document (schemathesis 4: every
#      phase, its default checks, valid and invalid data), as a logged-in
#      patient and as nobody, against the same `carebook demo`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT

ensure_build_tools
ensure_browser
# A real SMTP server and a real calendar parser for the mail tests.
python3 -c 'import aiosmtpd, icalendar' 2>/dev/null || python3 -m pip install --quiet aiosmtpd icalendar
# The API contract tests (step 6).
python3 -c 'import schemathesis, sys; sys.exit(not schemathesis.__version__.startswith("4."))' 2>/dev/null \
    || python3 -m pip install --quiet 'schemathesis>=4,<5'
# A real FHIR R4 validator for the FHIR API's tests: the HL7 R4 JSON Schema
# with ajv, and FHIR.js (server/tests/fhir-validator, from its lock file).
(cd server/tests/fhir-validator && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || { npm ci --no-audit --no-fund --loglevel=error && touch node_modules; }; })
# The release bundle, as served in production, with its size budget: the
# browser tests run against it.
say "release bundle and its size budget"
BUDGET=1 build_site release

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

say "API contract tests (schemathesis)"
base="http://127.0.0.1:$port"
# A patient's session: the demonstration provider's log-in, its redirects
# followed with a cookie jar. Only the cookie's value is kept, in a file.
python3 - "$base" > "$log/session" <<'PY'
import http.cookiejar, sys, urllib.request
base = sys.argv[1]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
with opener.open(f"{base}/auth/patient/start?login_hint=9990000018", timeout=60) as r:
    assert r.url.endswith("/home"), "the log-in did not end at /home"
print(next(c.value for c in jar if c.name == "carebook_session"))
PY
# The only exception to the default checks: availability's `to` must be on
# or after `from` and at most 28 days later, a rule between two parameters
# that a schema cannot state, so a valid-looking pair may be refused (400).
cat > "$log/schemathesis.toml" <<'TOML'
[[operations]]
include-path = "/api/v1/availability"
include-method = "GET"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
TOML
# The logged-in run names the session as the document's security scheme, so
# that schemathesis also checks that each operation refuses it missing.
{ printf '[auth.openapi.session]\napi_key = "${CAREBOOK_SESSION}"\n\n'; cat "$log/schemathesis.toml"; } \
    > "$log/schemathesis-patient.toml"
contract() {
    local config="$1"
    # Every phase, every default check, valid and invalid data; 100 cases
    # per operation and phase keep the two runs near a minute. Non-GET
    # requests must come from the same origin. Run from $log, where the
    # examples database goes.
    (cd "$log" && CAREBOOK_SESSION="$(cat "$log/session")" timeout 600 python3 -m schemathesis.cli \
        --config-file "$config" run "$base/api/v1/openapi.json" \
        --phases examples,coverage,fuzzing,stateful --mode all --max-examples 100 \
        --header "Origin: $base" --request-timeout 30 --no-color 2>&1)
}
set +e
contract "$log/schemathesis-patient.toml" | tee "$log/contract.txt"
contract_patient=${PIPESTATUS[0]}
contract "$log/schemathesis.toml" | tee -a "$log/contract.txt"
contract_anonymous=${PIPESTATUS[0]}
set -e
kill -TERM "$server"
wait "$server"
shutdown=$?
trap 'rm -rf "$log"' EXIT
if [ "$shutdown" -ne 0 ]; then
    echo "carebook did not shut down cleanly on SIGTERM (exit $shutdown)"; cat "$log/server.txt"; exit 1
fi
[ "$e2e" -eq 0 ] || { echo "browser tests failed"; tail -50 "$log/server.txt"; exit 1; }
if [ "$contract_patient" -ne 0 ] || [ "$contract_anonymous" -ne 0 ]; then
    echo "the API contract tests failed (logged in: exit $contract_patient, anonymous: exit $contract_anonymous)"
    tail -50 "$log/server.txt"; exit 1
fi

passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' "$log/cargo.txt" | awk '{s+=$4} END {print s+0}')
e2e_passed=$(grep -Eo '^ *[0-9]+ passed' "$log/e2e.txt" | tail -1 | awk '{print $1+0}')
# Schemathesis's summary: "Test cases: N generated, N passed, ..." per run.
contract_passed=$(grep -Eo '[0-9]+ generated, [0-9]+ passed' "$log/contract.txt" | awk '{s+=$3} END {print s+0}')
echo
echo "cargo tests: $passed, browser tests: ${e2e_passed:-0}, API contract cases (schemathesis): ${contract_passed:-0}"
echo "carebook: $((passed + ${e2e_passed:-0} + ${contract_passed:-0})) passed, 0 failed"
