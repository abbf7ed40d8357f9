#!/usr/bin/env bash
# Run the carebook demonstration at http://127.0.0.1:3000 on an embedded
# SQLite database with synthetic people. Installs what it needs first.
#   bash scripts/demo.sh            release build (slower first build, faster app)
#   bash scripts/demo.sh --debug    debug build (shares the test build)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
profile=release
if [ "${1:-}" = "--debug" ]; then profile=dev; shift; fi
ensure_build_tools
build_site "$profile"
say "server ($profile)"
(cd "$ROOT" && cargo build -p carebook-server --bin carebook $([ "$profile" = release ] && echo --release))
bin="$ROOT/target/$([ "$profile" = release ] && echo release || echo debug)/carebook"
cd "$ROOT"
say "carebook demonstration: open http://127.0.0.1:3000 (Ctrl-C stops it)"
exec env CAREBOOK_SITE_ROOT="${CAREBOOK_SITE_ROOT:-$ROOT/target/site}" "$bin" demo "$@"
