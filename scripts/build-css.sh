#!/usr/bin/env bash
# bash scripts/build-css.sh OUT_DIR
#
# Compiles style/carebook.scss (the NHS design system, nhsuk-frontend, from
# its Sass source, plus carebook's own rules) to OUT_DIR/carebook.css,
# compressed. Works from any directory.
#
# Cheap to repeat: installs the npm packages in style/ only when
# style/node_modules is missing or older than style/package-lock.json, and
# compiles only when an input is newer than the output. Fails if the output
# would load a web font or anything else from another site (the fonts live on
# assets.nhs.uk, which carebook's Content-Security-Policy does not allow).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -eq 1 ] || { echo "usage: bash scripts/build-css.sh OUT_DIR" >&2; exit 2; }
mkdir -p "$1"
out="$(cd "$1" && pwd)/carebook.css"

cd "$root/style"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    echo "build-css: installing nhsuk-frontend and sass (npm ci)" >&2
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules
fi

# Inputs: our Sass, the lock file (a new nhsuk-frontend), this script.
stale=no
if [ ! -s "$out" ]; then
    stale=yes
elif [ -n "$(find carebook.scss package-lock.json "$root/scripts/build-css.sh" -newer "$out" 2>/dev/null)" ]; then
    stale=yes
fi

if [ "$stale" = yes ]; then
    tmp="$out.tmp.$$"
    trap 'rm -f "$tmp"' EXIT
    node_modules/.bin/sass --no-source-map --style=compressed --quiet-deps \
        --load-path=node_modules carebook.scss "$tmp"
    if grep -q '@font-face' "$tmp"; then
        echo "build-css: the stylesheet declares a web font (@font-face); carebook loads none" >&2
        exit 1
    fi
    if grep -Eqi 'url\(["'\'']?(https?:)?//' "$tmp"; then
        echo "build-css: the stylesheet refers to another site in a url(); carebook loads nothing from elsewhere" >&2
        exit 1
    fi
    mv "$tmp" "$out"
    trap - EXIT
    echo "build-css: wrote $out ($(wc -c < "$out") bytes)" >&2
fi
