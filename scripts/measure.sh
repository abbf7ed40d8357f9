#!/usr/bin/env bash
# Figures for the foundation, measured by hand (not a test):
#   - the release assets (islands' wasm and JavaScript, stylesheet), raw,
#     brotli and gzip (printed by build_site),
#   - the time from starting `carebook demo` (release, 600 synthetic
#     patients loaded into a fresh SQLite file) to /ready answering 200,
#   - the server's resident memory once idle.
# Usage: bash scripts/measure.sh   (builds release first, installing
# wasm-opt when it is missing)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_build_tools
build_site release
cargo build -p carebook-server --bin carebook --release
# build_site printed the assets' raw, brotli and gzip sizes above.

port="${CAREBOOK_MEASURE_PORT:-3299}"
data="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null; rm -rf "$data"' EXIT
ready() {
    { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
    printf 'GET /ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    head -1 <&3 | grep -q ' 200 '
    local ok=$?
    exec 3<&-
    return $ok
}
start=$(date +%s%N)
CAREBOOK_SITE_ROOT="$ROOT/target/site" CAREBOOK_DEMO__DATABASE_URL="sqlite://$data/demo.db" CAREBOOK_LOG_LEVEL=warn \
    target/release/carebook demo --listen "127.0.0.1:$port" &
pid=$!
until ready; do sleep 0.005; done
end=$(date +%s%N)
echo "start to /ready: $(( (end - start) / 1000000 )) ms (fresh SQLite, demonstration population loaded)"
sleep 3
echo "idle memory: $(awk '/VmRSS/ {print $2/1024 " MiB resident"}' /proc/$pid/status), peak $(awk '/VmHWM/ {print $2/1024 " MiB"}' /proc/$pid/status)"
