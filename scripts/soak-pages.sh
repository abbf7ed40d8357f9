#!/usr/bin/env bash
# The page-rendering soak: 20,000 page views (--views) of /, /home,
# /appointments, /appointments/book and /appointments/book/times (patients)
# and /staff/day (receptionists) by 32 logged-in clients (--clients) against
# `carebook serve` on a fresh PostgreSQL database loaded with the
# demonstration population, then `carebook_render_retries_total` from
# /metrics, which must be 0. Prints views, failures and p50/p95/p99/max
# latency by route; exits 1 if any view failed or took 8 s or more, or the
# counter is not 0. Run by hand; not part of the test suite.
#
#   bash scripts/soak-pages.sh                          # release build, 20,000 views, 32 clients
#   bash scripts/soak-pages.sh --debug --views 400 --clients 8   # the test build, a short run
#
# Anything after `--` goes to the soak binary (see
# server/examples/soak_pages.rs), e.g. `-- --receptionists 8 --pool-size 32`.
#
# PostgreSQL: CAREBOOK_BENCH_POSTGRES_URL, else CAREBOOK_TEST_POSTGRES_URL,
# else postgres://postgres@127.0.0.1:5432/postgres; the role must be able to
# create databases. The run's database is dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
flag=--release
views=20000
clients=32
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --debug) profile=debug; flag= ;;
        --views) views="$2"; shift ;;
        --clients) clients="$2"; shift ;;
        --) shift; extra=("$@"); break ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
url="${CAREBOOK_BENCH_POSTGRES_URL:-${CAREBOOK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"

cargo build $flag -p carebook-server --bin carebook --example soak_pages
echo "page soak: $views views, $clients clients, $profile build, $(nproc) cores, PostgreSQL at ${url##*@}"
exec "target/$profile/examples/soak_pages" --bin "target/$profile/carebook" --postgres-url "$url" \
    --views "$views" --clients "$clients" ${extra[@]+"${extra[@]}"}
