#!/usr/bin/env bash
# Rebuild the prebuilt example release trees from the sources in examples/shop/v1 and v2.
#
# Needs Erlang/OTP and rebar3 on PATH.  The builds run in a temporary copy, so no _build
# directory ever lands in the repository.  Outputs (replaced on every run):
#   examples/shop/rel-1.0.0/   trimmed release root of shop 1.0.0
#   examples/shop/rel-1.1.0/   trimmed release root of shop 1.1.0
# Each trimmed tree keeps releases/VSN/{shop.rel,sys.config}; for the project's own
# applications lib/APP-VSN/ebin/ with the .app, the (prod-stripped) .beam files and any
# .appup; for OTP applications only lib/APP-VSN/ebin/APP.app.  The beams depend on the
# compiler version: rebuilding with another OTP release changes them (nothing else).
#
# Usage: examples/build.sh [--keep]   (--keep leaves the temporary build directory behind
#                                      and prints its path, for live upgrade experiments)
set -euo pipefail

examples_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
shop_dir="$examples_dir/shop"
keep=false
[[ "${1:-}" == "--keep" ]] && keep=true

for tool in erl rebar3; do
    command -v "$tool" >/dev/null || { echo "build.sh: $tool is not on PATH" >&2; exit 3; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/shop-examples.XXXXXX")"
if $keep; then
    echo "build.sh: keeping the build directory $work" >&2
else
    trap 'rm -rf "$work"' EXIT
fi

# build_release VERSION_DIR: a prod release of that source version, in the temporary copy.
build_release() {
    cp -R "$shop_dir/$1" "$work/$1"
    rm -rf "$work/$1/_build"
    (cd "$work/$1" && rebar3 as prod release >"$work/$1.log" 2>&1) || {
        cat "$work/$1.log" >&2
        echo "build.sh: rebar3 as prod release failed for $1" >&2
        exit 1
    }
}

# trim_release SOURCE_DIR RELEASE_VERSION: copy the slim release root to shop/rel-VSN.
trim_release() {
    local source="$shop_dir/$1" version="$2"
    local release="$work/$1/_build/prod/rel/shop"
    local tree="$shop_dir/rel-$version"
    rm -rf "$tree"
    mkdir -p "$tree/releases/$version"
    cp "$release/releases/$version/shop.rel" "$release/releases/$version/sys.config" \
        "$tree/releases/$version/"
    local lib_dir app_dir app
    for lib_dir in "$release"/lib/*-*; do
        app_dir="$(basename "$lib_dir")"
        app="${app_dir%-*}"
        mkdir -p "$tree/lib/$app_dir/ebin"
        if [[ -d "$source/apps/$app" ]]; then
            # One of ours: the .app and the beams.  The hand-written appup stays in
            # the v2 sources (apps/shop/ebin/shop.appup): the prebuilt trees are what
            # `relup plan` starts from, which generates its own.
            find "$lib_dir/ebin" -maxdepth 1 -type f \
                \( -name '*.app' -o -name '*.beam' \) \
                -exec cp {} "$tree/lib/$app_dir/ebin/" \;
        else
            # OTP application: the .app is enough to resolve the release.
            cp "$lib_dir/ebin/$app.app" "$tree/lib/$app_dir/ebin/"
        fi
    done
    # Stable permissions whatever the umask was.
    find "$tree" -type d -exec chmod 755 {} + && find "$tree" -type f -exec chmod 644 {} +
}

build_release v1
build_release v2
trim_release v1 1.0.0
trim_release v2 1.1.0

# Sanity check: systools accepts the pair (nothing is written; noexec returns the relup).
erl -noshell -eval '
    [Old, New] = [filename:join(Tree, "releases/" ++ Vsn ++ "/shop") || {Tree, Vsn} <-
                  [{"'"$shop_dir/rel-1.0.0"'", "1.0.0"}, {"'"$shop_dir/rel-1.1.0"'", "1.1.0"}]],
    Path = ["'"$shop_dir"'/rel-1.0.0/lib/*/ebin", "'"$shop_dir"'/rel-1.1.0/lib/*/ebin"],
    case systools:make_relup(New, [Old], [Old], [{path, Path}, silent, noexec]) of
        {ok, _Relup, _Module, _Warnings} -> halt(0);
        Other -> io:format(standard_error, "build.sh: make_relup failed: ~p~n", [Other]), halt(1)
    end.'
echo "build.sh: wrote $shop_dir/rel-1.0.0 and $shop_dir/rel-1.1.0"
