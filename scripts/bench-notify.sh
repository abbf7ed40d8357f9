#!/usr/bin/env bash
# Delivery throughput on PostgreSQL to a local SMTP sink: queues
# ${CAREBOOK_BENCH_MESSAGES:-2000} due e-mails on a fresh database, runs one
# `carebook worker`, then two on another fresh database, and prints
# messages per second and the duplicates counted by Message-ID.
#
#   bash scripts/bench-notify.sh            # release build (slow to build the first time)
#   bash scripts/bench-notify.sh --debug    # the test build
#
# PostgreSQL: CAREBOOK_BENCH_POSTGRES_URL, else CAREBOOK_TEST_POSTGRES_URL,
# else postgres://postgres@127.0.0.1:5432/postgres; the role must be able to
# create databases. Each run's database is dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
flag=--release
if [ "${1:-}" = "--debug" ]; then profile=debug; flag=; fi
url="${CAREBOOK_BENCH_POSTGRES_URL:-${CAREBOOK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
messages="${CAREBOOK_BENCH_MESSAGES:-2000}"
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet aiosmtpd
cargo build $flag -p carebook-server --bin carebook --example bench_notify
echo "carebook worker on PostgreSQL, $messages messages, $profile build, $(nproc) cores:"
for workers in 1 2; do
    "target/$profile/examples/bench_notify" --bin "target/$profile/carebook" --postgres-url "$url" \
        --messages "$messages" --workers "$workers"
done
