#!/usr/bin/env bash
# Lighthouse (mobile) on the pages people meet first, measured by hand (not
# a test): builds the release bundle, serves `carebook demo` (the test
# build of the server), logs a synthetic patient in and runs Lighthouse 12
# from npm against Debian's Chromium on /, /home, /appointments and the
# times page, printing each page's scores, time to interactive and bytes.
# Usage: bash scripts/lighthouse.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_build_tools
ensure_browser
build_site release
cargo build -p carebook-server --bin carebook
work="$(mktemp -d)"
port="${CAREBOOK_LIGHTHOUSE_PORT:-3298}"
trap 'kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
(cd "$work" && npm i --no-audit --no-fund --loglevel=error lighthouse@12 >/dev/null)
CAREBOOK_SITE_ROOT="$ROOT/target/site" CAREBOOK_DEMO__DATABASE_URL="sqlite://$work/demo.db" CAREBOOK_LOG_LEVEL=warn \
    target/debug/carebook demo --listen "127.0.0.1:$port" &
pid=$!
base="http://127.0.0.1:$port"
until curl -sf "$base/ready" >/dev/null; do sleep 0.2; done
# The patient's session cookie, for the pages that need one; only in $work.
curl -s -c "$work/jar" -b "$work/jar" -L -o /dev/null "$base/auth/patient/start?login_hint=9990000018"
printf '{"Cookie": "carebook_session=%s"}' "$(awk '$6=="carebook_session"{print $7}' "$work/jar")" > "$work/headers.json"
for page in / /home /appointments '/appointments/book/times?service=gp_appointment'; do
    CHROME_PATH=/usr/bin/chromium "$work/node_modules/.bin/lighthouse" "$base$page" --quiet \
        --only-categories=performance,accessibility,best-practices --form-factor=mobile \
        --extra-headers="$work/headers.json" --output=json --output-path="$work/report.json" \
        --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync"
    node -e '
const r = require(process.argv[1]), c = r.categories, a = r.audits;
const s = (k) => Math.round(c[k].score * 100);
console.log(`${process.argv[2]}: performance ${s("performance")}, accessibility ${s("accessibility")}, best practices ${s("best-practices")}, TTI ${a.interactive.displayValue}, ${a["total-byte-weight"].numericValue} bytes`);
' "$work/report.json" "$page"
done
