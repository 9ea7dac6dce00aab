#!/usr/bin/env bash
# bootstrap.sh - set up a Debian 12 machine for libmigsim, build it, and
# either run the main job or the whole test suite.
#
#   tools/bootstrap.sh run    install, build, replay a trace on the default platform
#   tools/bootstrap.sh test   install, build, run the suite (normal and ASan+UBSan builds)
#
# Installs missing Debian packages with apt-get (as root, or through sudo).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
jobs=$(nproc 2>/dev/null || echo 2)

packages=(build-essential cmake pkg-config libcmocka-dev libcjson-dev zlib1g-dev python3
          liblzma-dev libsystemc-dev valgrind libprotobuf-c-dev protobuf-c-compiler clang libclang-rt-14-dev
          python3-numpy python3-matplotlib openmpi-bin libopenmpi-dev)

install_packages() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "bootstrap: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

build() { # build DIR [cmake options...]
    local dir=$1
    shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$dir" -j"$jobs" >/dev/null
}

case "${1:-}" in
run)
    install_packages
    build build
    shift
    exec ./build/migsim run --out build/stats.json "$@"
    ;;
test)
    install_packages
    build build
    ctest --test-dir build --output-on-failure -j"$jobs"
    echo "bootstrap: the fuzz targets (trace parsers, configuration reader, command-log checker), built with clang, 10000 inputs each (fixed seed)"
    build build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DMIGSIM_FUZZ=ON \
        -DMIGSIM_TESTS=OFF
    for t in build-fuzz/fuzz_*; do
        corpus=$(mktemp -d)
        seeds=tests/fuzz/corpus/$(basename "$t" | sed 's/^fuzz_//') # committed seeds, if any
        [ -d "$seeds" ] && cp "$seeds"/* "$corpus"/
        if ! "$t" -seed=1 -runs=10000 -max_len=4096 -rss_limit_mb=2048 -timeout=10 "$corpus" \
            >"$corpus.log" 2>&1; then
            tail -20 "$corpus.log"
            echo "bootstrap: fuzz smoke run failed: $t" >&2
            exit 1
        fi
        echo "  $(basename "$t"): 10000 inputs, no failure"
        rm -rf "$corpus" "$corpus.log"
    done
    echo "bootstrap: the same suite built as Release (-O3, assertions off)"
    build build-release -DCMAKE_BUILD_TYPE=Release
    ctest --test-dir build-release --output-on-failure -j"$jobs"
    echo "bootstrap: the same suite with AddressSanitizer and UBSan"
    build build-asan -DMIGSIM_SANITIZE=ON
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan --output-on-failure -j"$jobs"
    ;;
*)
    echo "usage: tools/bootstrap.sh run [migsim run options] | test" >&2
    exit 2
    ;;
esac
