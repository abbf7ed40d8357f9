# Shared by the scripts: install what carebook needs, idempotently. Each step
# checks what is already there first, so a second run costs nothing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WASM_BINDGEN_VERSION=0.2.130
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\n==> %s\n' "$*" >&2; }

apt_install() {
    # Debian packages, only when a command is missing.
    local missing=()
    for pair in "$@"; do
        local cmd="${pair%%:*}" pkg="${pair##*:}"
        command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        say "installing ${missing[*]} from Debian's packages"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

ensure_build_tools() {
    apt_install cc:gcc node:nodejs npm:npm
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        say "adding the wasm32-unknown-unknown target"
        rustup target add wasm32-unknown-unknown
    fi
    if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
        say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes, once)"
        # Without --locked: a locked dependency is missing from the registry
        # (../shared/BUILD.md).
        cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION"
    fi
}

ensure_browser() {
    apt_install chromium:chromium
}

ensure_wasm_opt() {
    # Binaryen's wasm-opt built from source by the wasm-opt crate (about 5
    # minutes, once). Never Debian's binaryen: its older wasm-opt produces a
    # module that fails at hydration (../shared/BUILD.md).
    if ! wasm-opt --version 2>/dev/null | grep -q 'version 1[1-9][0-9]'; then
        say "installing wasm-opt (Binaryen, built from source: about 5 minutes, once)"
        cargo install wasm-opt --locked
    fi
}

# build_site PROFILE [SITE_DIR]: the stylesheet, the islands' bundle and the
# public files into SITE_DIR (default target/site). PROFILE is dev or
# release; release is always size-optimised by wasm-opt. The three assets
# get content-hashed names with brotli and gzip twins (scripts/assets.mjs);
# with BUDGET=1 in the environment, a brotli size over its budget fails.
build_site() {
    local profile="$1" site="${2:-$ROOT/target/site}"
    local bundle="$ROOT/target/bundle/$profile"
    mkdir -p "$site/pkg" "$bundle"
    say "stylesheet"
    bash "$ROOT/scripts/build-css.sh" "$ROOT/target/style"
    say "islands bundle (wasm, $profile)"
    local cargo_profile=dev dir=debug
    if [ "$profile" = release ]; then cargo_profile=wasm-release dir=wasm-release; ensure_wasm_opt; fi
    (cd "$ROOT" && cargo build -p carebook-app --lib --target wasm32-unknown-unknown \
        --features hydrate --profile "$cargo_profile")
    local wasm="$ROOT/target/wasm32-unknown-unknown/$dir/carebook_app.wasm"
    if [ ! -f "$bundle/carebook.wasm" ] || [ "$wasm" -nt "$bundle/carebook.wasm" ]; then
        wasm-bindgen --target web --no-typescript --out-dir "$bundle" --out-name carebook "$wasm"
        mv -f "$bundle/carebook_bg.wasm" "$bundle/carebook.wasm"
        if [ "$profile" = release ]; then
            say "wasm-opt"
            wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-reference-types \
                --enable-multivalue --enable-sign-ext --enable-mutable-globals \
                -o "$bundle/carebook.opt.wasm" "$bundle/carebook.wasm"
            mv -f "$bundle/carebook.opt.wasm" "$bundle/carebook.wasm"
        fi
    fi
    say "hashed, compressed assets ($profile)"
    node "$ROOT/scripts/assets.mjs" "$site/pkg" "$ROOT/target/style/carebook.css" "$bundle/carebook.js" \
        "$bundle/carebook.wasm" $([ "${BUDGET:-}" = 1 ] && echo --budget)
    cp -R "$ROOT/public/." "$site/"
}
