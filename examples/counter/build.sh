#!/usr/bin/env bash
# Rebuild the prebuilt Elixir example release trees from the sources in examples/counter/v1
# and v2 (see examples/counter/README.md).
#
# Needs Erlang/OTP and Elixir (mix) on PATH, and Python 3.11 with relup's dependencies
# (PYTHON, default python3): the projects' release step runs `relup prepare`.  The
# builds run in a temporary copy with MIX_HOME, HEX_HOME and HOME inside it, offline
# (the projects have no dependencies), so nothing lands in the repository but:
#   examples/counter/rel-0.1.0/   trimmed release root of counter 0.1.0
#   examples/counter/rel-0.2.0/   trimmed release root of counter 0.2.0
# Each trimmed tree keeps releases/VSN/{counter.rel,sys.config} and the consolidated
# protocols releases/VSN/consolidated/*.beam; lib/counter-VSN/ebin/ with the .app and the
# (mix-stripped) beams; for Erlang/OTP and Elixir applications only lib/APP-VSN/ebin/APP.app.
# The beams depend on the Elixir and OTP versions (checked with Elixir 1.14.0, OTP 25).
#
# Usage: examples/counter/build.sh [--keep]   (--keep leaves the temporary build directory
#                                              behind and prints its path)
set -euo pipefail

counter_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(cd "$counter_dir/../.." && pwd)"
keep=false
[[ "${1:-}" == "--keep" ]] && keep=true

for tool in erl mix "${PYTHON:-python3}"; do
    command -v "$tool" >/dev/null || { echo "build.sh: $tool is not on PATH" >&2; exit 3; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/counter-examples.XXXXXX")"
if $keep; then
    echo "build.sh: keeping the build directory $work" >&2
else
    trap 'rm -rf "$work"' EXIT
fi

# The projects' release step calls $RELUP prepare: this checkout's relup.
mkdir -p "$work/bin" "$work/home"
cat >"$work/bin/relup" <<EOF
#!/bin/sh
PYTHONPATH='$repo_dir' exec '$(command -v "${PYTHON:-python3}")' -m relup.cli "\$@"
EOF
chmod +x "$work/bin/relup"
export HOME="$work/home" MIX_HOME="$work/mix-home" HEX_HOME="$work/hex-home" HEX_OFFLINE=1
export MIX_ENV=prod RELUP="$work/bin/relup"

# build_release VERSION_DIR: the prod release of that source version, in the temporary copy.
build_release() {
    cp -R "$counter_dir/$1" "$work/$1"
    rm -rf "$work/$1/_build" "$work/$1/deps"
    (cd "$work/$1" && mix release --quiet >"$work/$1.log" 2>&1) || {
        cat "$work/$1.log" >&2
        echo "build.sh: mix release failed for $1" >&2
        exit 1
    }
}

# trim_release SOURCE_DIR RELEASE_VERSION: copy the slim release root to counter/rel-VSN.
trim_release() {
    local version="$2"
    local release="$work/$1/_build/prod/rel/counter"
    local tree="$counter_dir/rel-$version"
    rm -rf "$tree"
    mkdir -p "$tree/releases/$version"
    cp "$release/releases/$version/counter.rel" "$release/releases/$version/sys.config" \
        "$tree/releases/$version/"
    cp -R "$release/releases/$version/consolidated" "$tree/releases/$version/"
    local lib_dir app_dir app
    for lib_dir in "$release"/lib/*-*; do
        app_dir="$(basename "$lib_dir")"
        app="${app_dir%-*}"
        mkdir -p "$tree/lib/$app_dir/ebin"
        if [[ "$app" == counter ]]; then
            cp "$lib_dir"/ebin/*.app "$lib_dir"/ebin/*.beam "$tree/lib/$app_dir/ebin/"
        else
            cp "$lib_dir/ebin/$app.app" "$tree/lib/$app_dir/ebin/"
        fi
    done
    # Stable permissions whatever the umask was.
    find "$tree" -type d -exec chmod 755 {} + && find "$tree" -type f -exec chmod 644 {} +
}

build_release v1
build_release v2
trim_release v1 0.1.0
trim_release v2 0.2.0

# Sanity check: relup reads and plans the pair.
"$RELUP" plan "$counter_dir/rel-0.1.0" "$counter_dir/rel-0.2.0" >/dev/null
echo "build.sh: wrote $counter_dir/rel-0.1.0 and $counter_dir/rel-0.2.0"
