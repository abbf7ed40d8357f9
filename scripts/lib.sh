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

# build_site PROFILE: the stylesheet, the hydration bundle and the public
# files into target/site. PROFILE is dev or release.
build_site() {
    local profile="$1" site="$ROOT/target/site"
    mkdir -p "$site/pkg"
    say "stylesheet"
    bash "$ROOT/scripts/build-css.sh" "$site/pkg"
    say "hydration bundle (wasm, $profile)"
    local cargo_profile=dev dir=debug
    if [ "$profile" = release ]; then cargo_profile=wasm-release dir=wasm-release; fi
    (cd "$ROOT" && cargo build -p carebook-app --lib --target wasm32-unknown-unknown \
        --features hydrate --profile "$cargo_profile")
    local wasm="$ROOT/target/wasm32-unknown-unknown/$dir/carebook_app.wasm"
    if [ ! -f "$site/pkg/carebook.wasm" ] || [ "$wasm" -nt "$site/pkg/carebook.wasm" ]; then
        wasm-bindgen --target web --no-typescript --out-dir "$site/pkg" --out-name carebook "$wasm"
        mv -f "$site/pkg/carebook_bg.wasm" "$site/pkg/carebook.wasm"
        if [ "$profile" = release ] && command -v wasm-opt >/dev/null 2>&1; then
            say "wasm-opt"
            wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-reference-types \
                --enable-multivalue --enable-sign-ext --enable-mutable-globals \
                -o "$site/pkg/carebook.opt.wasm" "$site/pkg/carebook.wasm"
            mv -f "$site/pkg/carebook.opt.wasm" "$site/pkg/carebook.wasm"
        fi
    fi
    cp -R "$ROOT/public/." "$site/"
}
