#!/bin/sh
# test_install.sh - libmigsim installed and used from outside: `cmake --install` into a new
# temporary prefix, then three outside projects built against that prefix alone, each running
# the scaled-down migration of migrate_sets.h through the public API:
#   1. CMake: find_package(migsim), migsim::migsim (shared) and migsim::migsim_static;
#   2. pkg-config --cflags --libs migsim, and the plain cc line of the README (static);
#   3. when the wrappers were built: an sc_main on migsim::tlm (find_package COMPONENTS tlm)
#      and the same program built with pkg-config migsim-tlm.
# Every program must report no lost write and the mig.end_ps of the installed `migsim run`
# with the same overrides. Also: the installed `migsim plot` finds its script from the prefix.
#   4. with README: the README's own blocks, taken from it with `readme_figures.py --extract`:
#      its install lines (a Release build into a second prefix), its C example as main.c
#      built by each of its three project blocks (find_package, pkg-config and cc,
#      add_subdirectory) and run on readme/my.json, and when the wrappers were built its
#      sc_main (after readme/sc_prelude.h) built by its add_subdirectory lines and run.
#
#   test_install.sh BUILD_DIR THIS_DIR CMAKE CC CXX HAVE_TLM(ON|OFF) [EXTRA_FLAGS [README]]
# EXTRA_FLAGS go to every compile and link (a sanitized build's -fsanitize=...).
set -eu
build=$1 here=$2 cmake=$3 cc=$4 cxx=$5 tlm=$6 flags=${7:-} readme=${8:-} nargs=$#

work=$(mktemp -d "${TMPDIR:-/tmp}/migsim-install.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
prefix=$work/prefix
fail() {
    echo "test_install: $*" >&2
    exit 1
}

"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; fail "cmake --install $build --prefix $prefix failed"; }

# --- what the prefix holds: the public headers only, the libraries, the programs
pc=$(find "$prefix" -name migsim.pc)
[ -n "$pc" ] || fail "no migsim.pc installed"
libdir=$(dirname "$(dirname "$pc")")
for f in "$prefix/include/migsim/migsim.h" "$prefix/include/migsim/version.h" \
         "$prefix/include/migsim/sim.h" "$libdir/libmigsim.a" "$libdir/libmigsim.so.0" \
         "$libdir/cmake/migsim/migsimConfig.cmake" "$libdir/cmake/migsim/migsimConfigVersion.cmake" \
         "$prefix/bin/migsim" "$prefix/bin/migsim_plot.py"; do
    [ -e "$f" ] || fail "$f is not installed"
done
extra=$(find "$prefix/include" -type f ! -path "$prefix/include/migsim/*.h" \
             ! -path "$prefix/include/migsim_tlm.h" | head -5)
[ -z "$extra" ] || fail "files beside the public headers: $extra"
extra=$(find "$prefix/include/migsim" -mindepth 1 -type d | head -5)
[ -z "$extra" ] || fail "folders under include/migsim: $extra"

# --- the reference: the installed program with the same overrides (migrate_sets.h)
n=0
for s in $(grep -o '"[a-z0-9]*\.[a-z0-9_]*=\(\\"[^\\]*\\"\|[0-9]*\)"' "$here/migrate_sets.h" |
           sed 's/^"//; s/"$//; s/\\"/"/g'); do
    set -- "$@" --set "$s"
    n=$((n + 1))
done
[ "$n" -eq 13 ] || fail "read $n overrides from migrate_sets.h, expected 13"
shift "$nargs"
"$prefix/bin/migsim" run --quiet "$@" --out "$work/ref.json" || fail "installed migsim run failed"
ref=$(sed -n 's/.*"mig\.end_ps":[[:space:]]*\([0-9]*\).*/\1/p' "$work/ref.json")
[ -n "$ref" ] && [ "$ref" -gt 0 ] || fail "installed migsim run: no mig.end_ps"

# `migsim plot` runs the script beside the program: with MIGSIM_PYTHON=echo it prints its path
got=$(MIGSIM_PYTHON=echo "$prefix/bin/migsim" plot timeline x.json) || fail "migsim plot: $got"
[ "$got" = "$prefix/bin/migsim_plot.py timeline x.json" ] || fail "migsim plot ran '$got'"

run() { # NAME PROGRAM: runs it; it must succeed and report the reference migration
    out=$("$2") || fail "$1: exit status $?: $out"
    [ "$out" = "mig.end_ps=$ref mig.lost_writes=0" ] ||
        fail "$1: printed '$out', expected 'mig.end_ps=$ref mig.lost_writes=0'"
    echo "test_install: $1: $out"
}
needs_shared() { # PROGRAM YES|NO: whether it loads libmigsim.so.0
    if readelf -d "$1" | grep -q 'NEEDED.*\[libmigsim\.so\.0\]'; then has=YES; else has=NO; fi
    [ "$has" = "$2" ] || fail "$1: libmigsim.so.0 needed: $has, expected $2"
}

# --- 1. find_package(migsim)
"$cmake" -S "$here/cmake_project" -B "$work/cmake_project" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
    >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; fail "find_package project: configure failed"; }
"$cmake" --build "$work/cmake_project" -j2 >"$work/build.log" 2>&1 ||
    { cat "$work/build.log"; fail "find_package project: build failed"; }
needs_shared "$work/cmake_project/migrate_shared" YES
needs_shared "$work/cmake_project/migrate_static" NO
run "find_package, migsim::migsim" "$work/cmake_project/migrate_shared"
run "find_package, migsim::migsim_static" "$work/cmake_project/migrate_static"

# --- 2. pkg-config, and a plain cc line
PKG_CONFIG_PATH=$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKG_CONFIG_PATH
cflags=$(pkg-config --cflags migsim) && libs=$(pkg-config --libs migsim) || fail "pkg-config migsim failed"
# shellcheck disable=SC2086 # word splitting of the flags is meant
"$cc" -std=c11 -Wall -Wextra -Werror $flags $cflags -I"$here" "$here/migrate.c" $libs \
    -Wl,-rpath,"$libdir" -o "$work/migrate_pc" || fail "pkg-config migsim: the program does not build"
needs_shared "$work/migrate_pc" YES
run "pkg-config migsim" "$work/migrate_pc"
protobuf=""
grep -q 'libprotobuf-c' "$pc" && protobuf=-lprotobuf-c
# shellcheck disable=SC2086
"$cc" -std=c11 $flags -I"$prefix/include" -I"$here" "$here/migrate.c" "$libdir/libmigsim.a" \
    -lcjson -lz -llzma $protobuf -lm -o "$work/migrate_cc" || fail "plain cc line: the program does not build"
needs_shared "$work/migrate_cc" NO
run "cc ... libmigsim.a -lcjson -lz -llzma $protobuf -lm" "$work/migrate_cc"

# --- 3. SystemC: migsim::tlm, and pkg-config migsim-tlm
if [ "$tlm" = ON ]; then
    SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
    export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE
    "$cmake" -S "$here/tlm_project" -B "$work/tlm_project" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
        >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; fail "migsim::tlm project: configure failed"; }
    "$cmake" --build "$work/tlm_project" -j2 >"$work/build.log" 2>&1 ||
        { cat "$work/build.log"; fail "migsim::tlm project: build failed"; }
    run "find_package COMPONENTS tlm, migsim::tlm" "$work/tlm_project/sc_migrate"
    cflags=$(pkg-config --cflags migsim-tlm) && libs=$(pkg-config --libs migsim-tlm) ||
        fail "pkg-config migsim-tlm failed"
    # shellcheck disable=SC2086
    "$cxx" $flags $cflags -I"$here" "$here/tlm_project/sc_migrate.cpp" $libs -o "$work/sc_migrate_pc" ||
        fail "pkg-config migsim-tlm: the program does not build"
    run "pkg-config migsim-tlm" "$work/sc_migrate_pc"
fi

# --- 4. the README's blocks, as a reader would use them
[ -n "$readme" ] || exit 0
top=$(cd "$here/../.." && pwd)
extract() { # NAME FILE: the README block NAME into FILE
    python3 "$top/tools/readme_figures.py" --readme "$readme" --extract "$1" >"$2" ||
        fail "README.md has no block $1"
}
rprefix=$work/readme_prefix rbuild=$work/readme_build
extract install "$work/install.sh"
# the README's prefix and build folder, moved into this test's folder
sed -i "s#/opt/migsim#$rprefix#g; s# build\( \|\$\)# $rbuild\1#g" "$work/install.sh"
(cd "$top" && CC=$cc CXX=$cxx sh -e "$work/install.sh") >"$work/readme_install.log" 2>&1 ||
    { tail -30 "$work/readme_install.log"; fail "README install lines failed: $(cat "$work/install.sh")"; }
[ -x "$rprefix/bin/migsim" ] || fail "README install lines: no $rprefix/bin/migsim"

# the reference: the installed migsim on my.json; the C example must write the same statistics
"$rprefix/bin/migsim" run --config "$here/readme/my.json" --quiet --out "$work/my_ref.json" ||
    fail "installed migsim run --config readme/my.json failed"
readme_run() { # NAME PROGRAM: runs the C example's build in a folder with my.json
    d=$work/run_$1
    mkdir -p "$d"
    cp "$here/readme/my.json" "$d/"
    (cd "$d" && "$2") || fail "$1: the README's C example exited with status $?"
    python3 - "$work/my_ref.json" "$d/stats.json" "$1" <<'PY' || fail "$1: statistics differ from migsim run"
import json, sys
ref, got = (json.load(open(p))["stats"] for p in sys.argv[1:3])
keys = [k for k in ref if k.startswith("dram0.") and k.endswith("_reqs")]
bad = [k for k in keys if got.get(k) != ref[k]]
if not keys or bad:
    sys.exit(f"{sys.argv[3]}: {bad or 'no dram0 statistics'}")
print(f"test_install: README {sys.argv[3]}: {len(keys)} dram0 request counts as migsim run's")
PY
}
mkdir -p "$work/fp" "$work/pc" "$work/asd"
extract main "$work/main.c"
for d in fp pc asd; do cp "$work/main.c" "$work/$d/"; done

extract find_package "$work/fp/CMakeLists.txt"
"$cmake" -S "$work/fp" -B "$work/fp/b" -DCMAKE_PREFIX_PATH="$rprefix" -DCMAKE_C_COMPILER="$cc" \
    >"$work/fp.log" 2>&1 || { cat "$work/fp.log"; fail "README find_package project: configure failed"; }
"$cmake" --build "$work/fp/b" >"$work/fp.log" 2>&1 ||
    { cat "$work/fp.log"; fail "README find_package project: build failed"; }
readme_run find_package "$work/fp/b/my_study"

extract pkg-config "$work/pc/build.sh"
sed -i "s#/opt/migsim#$rprefix#g; s#^cc #$cc #" "$work/pc/build.sh"
(cd "$work/pc" && sh -e build.sh) >"$work/pc.log" 2>&1 ||
    { cat "$work/pc.log"; fail "README pkg-config and cc lines failed"; }
needs_shared "$work/pc/my_study" YES
needs_shared "$work/pc/my_study_static" NO
readme_run pkg-config "$work/pc/my_study"
readme_run cc "$work/pc/my_study_static"

source_project() { # NAME DIR TARGET: the README's add_subdirectory block NAME, on this source tree
    extract "$1" "$2/CMakeLists.txt"
    sed -i "s#path/to/libmigsim#$top#" "$2/CMakeLists.txt"
    "$cmake" -S "$2" -B "$2/b" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
        >"$2.log" 2>&1 || { cat "$2.log"; fail "README $1 project: configure failed"; }
    "$cmake" --build "$2/b" -j2 --target "$3" >"$2.log" 2>&1 ||
        { tail -30 "$2.log"; fail "README $1 project: build failed"; }
}
source_project add_subdirectory "$work/asd" my_study
readme_run add_subdirectory "$work/asd/b/my_study"

[ "$tlm" = ON ] || exit 0
mkdir -p "$work/sc"
extract sc_main "$work/sc/sc_main.cpp"
cat "$here/readme/sc_prelude.h" "$work/sc/sc_main.cpp" >"$work/sc/main.cpp"
source_project sc_add_subdirectory "$work/sc" my_platform
cp "$here/readme/my_platform.json" "$work/sc/"
out=$(cd "$work/sc" && SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 ./b/my_platform) ||
    fail "README sc_main exited with status $?: $out"
echo "$out" | grep -q "dma: 96 lines written and read back" || fail "README sc_main: my_dma printed '$out'"
echo "$out" | grep -q "cpu: 64 lines written and read back" || fail "README sc_main: my_cpu printed '$out'"
python3 - "$work/sc/stats.json" <<'PY' || fail "README sc_main: the migration lost writes or did not end"
import json, sys
s = json.load(open(sys.argv[1]))["stats"]
assert s["mig.lost_writes"] == 0 and s["mig.end_ps"] > 0, (s["mig.lost_writes"], s["mig.end_ps"])
print(f"test_install: README sc_main: migration ended at {s['mig.end_ps']} ps, 0 lost writes")
PY
