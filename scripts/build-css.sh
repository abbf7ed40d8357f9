#!/usr/bin/env bash
# bash scripts/build-css.sh OUT_DIR: compile style/carebook.scss (the NHS
# design system from npm, plus carebook's rules) to OUT_DIR/carebook.css.
# Installs the npm packages only when they are missing or the lock file
# changed, and compiles only when an input is newer than the output.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: build-css.sh OUT_DIR}"
mkdir -p "$out"
cd "$root/style"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules
fi
target="$out/carebook.css"
if [ ! -f "$target" ] || [ -n "$(find carebook.scss package-lock.json -newer "$target")" ]; then
    npx --no-install sass --no-source-map --style=compressed --load-path=node_modules carebook.scss "$target"
fi
if grep -q "@font-face\|url(http" "$target"; then
    echo "build-css: the stylesheet refers to a remote font or URL" >&2
    exit 1
fi
