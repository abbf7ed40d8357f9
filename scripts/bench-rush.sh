#!/usr/bin/env bash
# The 8 am rush: one practice, ${CAREBOOK_BENCH_SLOTS:-200} same-day GP slots
# released at once and ${CAREBOOK_BENCH_PATIENTS:-2000} patients, each logged
# in through the demonstration OpenID Provider, all trying to book through
# `carebook serve`'s JSON API at the same moment; on SQLite, then on
# PostgreSQL followed by pgbench's simple-update workload on the same server
# with as many clients as carebook's connection pool. Prints bookings,
# double bookings (counted in the database), 5xx answers, requests per
# second, p50/p95/p99 latency, the server's peak memory and the ratio to
# pgbench. Run by hand; not part of the test suite.
#
#   bash scripts/bench-rush.sh                 # release build (slow to build the first time)
#   bash scripts/bench-rush.sh --debug         # the test build (far slower figures)
#   bash scripts/bench-rush.sh --only postgres # or --only sqlite
#
# Anything after `--` goes to the bench binary (see server/examples/bench_rush.rs),
# e.g. `-- --pick first --retries 1 --pool-size 32`.
#
# PostgreSQL: CAREBOOK_BENCH_POSTGRES_URL, else CAREBOOK_TEST_POSTGRES_URL,
# else postgres://postgres@127.0.0.1:5432/postgres; the role must be able to
# create databases. Each run's databases are dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
flag=--release
only=
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --debug) profile=debug; flag= ;;
        --only) only="$2"; shift ;;
        --) shift; extra=("$@"); break ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
url="${CAREBOOK_BENCH_POSTGRES_URL:-${CAREBOOK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
patients="${CAREBOOK_BENCH_PATIENTS:-2000}"
slots="${CAREBOOK_BENCH_SLOTS:-200}"

if [ "$only" != sqlite ] && ! command -v pgbench >/dev/null; then
    # Debian ships pgbench in postgresql-client.
    sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get install -y --no-install-recommends postgresql-client >/dev/null \
        || { $sudo apt-get update >/dev/null && $sudo apt-get install -y --no-install-recommends postgresql-client >/dev/null; }
fi

cargo build $flag -p carebook-server --bin carebook --example bench_rush
echo "the 8 am rush: $patients patients, $slots slots, $profile build, $(nproc) cores"
for store in sqlite postgres; do
    if [ -n "$only" ] && [ "$only" != "$store" ]; then continue; fi
    "target/$profile/examples/bench_rush" --bin "target/$profile/carebook" --store "$store" \
        --postgres-url "$url" --patients "$patients" --slots "$slots" ${extra[@]+"${extra[@]}"}
done
