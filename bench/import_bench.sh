#!/usr/bin/env bash
# bench/import_bench.sh - trace import speed (see bench/README.md, "Import speed").
#
#   bench/import_bench.sh [--numbers N] [--lackey FILE] [BUILD_DIR]
#
# Measures, in one run:
#   1. lackey text import: `migsim trace convert --from lackey` on a real
#      valgrind lackey trace (of `sort -n` over N shuffled numbers, recorded
#      here unless --lackey gives a file), in input lines per second, and the
#      same conversion with `--place fold`;
#   2. the native reader: every record of the converted .mtr through
#      migsim_trace_next(), in records per second;
#   3. raw zlib inflate of the same .mtr's blocks (uncompress() of every
#      block found through the block index, nothing else), in records per
#      second, so that the ratio native / raw inflate can be shown.
# BUILD_DIR defaults to ./build (configured and built if missing). Work files
# go to bench/out/import/. Needs valgrind (unless --lackey), cc, pkg-config.
# Exit status: 0 whatever the speed; 1 if a step failed; 2 bad usage.
set -u -o pipefail

NUMBERS=5000
LACKEY=""
BUILD_ARG=""
while [ $# -gt 0 ]; do
    case "$1" in
    --numbers) NUMBERS=$2; shift 2 ;;
    --lackey) LACKEY=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "import_bench: unknown option $1" >&2; exit 2 ;;
    *) BUILD_ARG=$1; shift ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_ARG:-$root/build}
out=$root/bench/out/import
mkdir -p "$out" || exit 1
if [ ! -x "$build/migsim" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
        cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null || exit 1
fi
migsim=$build/migsim

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

# ---- 1. lackey input ----------------------------------------------------------
if [ -z "$LACKEY" ]; then
    LACKEY=$out/sort.lackey
    if [ ! -s "$LACKEY" ] || [ "$(cat "$LACKEY.args" 2>/dev/null)" != "$NUMBERS" ]; then
        command -v valgrind >/dev/null || { echo "import_bench: valgrind missing (or pass --lackey FILE)" >&2; exit 1; }
        seq 1 "$NUMBERS" | awk 'BEGIN { srand(1) } { print int(rand() * 1e9) }' >"$out/numbers.txt"
        echo "import_bench: recording a lackey trace of sort -n over $NUMBERS numbers" >&2
        valgrind --tool=lackey --trace-mem=yes --log-file="$LACKEY" sort -n "$out/numbers.txt" \
            >/dev/null || exit 1
        echo "$NUMBERS" >"$LACKEY.args"
    fi
fi
lines=$(wc -l <"$LACKEY")
bytes=$(stat -c %s "$LACKEY")
cat "$LACKEY" >/dev/null # page cache warm, as for every run below

t0=$(now)
"$migsim" trace convert --from lackey -o "$out/lackey.mtr" "$LACKEY" >"$out/convert.log" || exit 1
t1=$(now)
"$migsim" trace convert --from lackey --place fold --region 0x100000000:16GiB \
    -o "$out/lackey_fold.mtr" "$LACKEY" >"$out/convert_fold.log" || exit 1
t2=$(now)
records=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "records") { print $(i - 1); exit } }' "$out/convert.log")

# ---- 2 and 3. native reader and raw inflate, same file, same process -------------
cat >"$out/readbench.c" <<'EOF'
/* readbench.c - times migsim_trace_next() over a whole .mtr, then
 * uncompress() of the same blocks found through the block index
 * (traces/FORMAT.md); prints "records native_s inflate_s". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <zlib.h>
#include "migsim/trace.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint64_t le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    migsim_trace_reader_t *r;
    if (migsim_trace_open(&r, argv[1]))
        return 1;
    const migsim_trace_rec_t *rec;
    uint64_t n = 0, sum = 0;
    double a = now();
    while (migsim_trace_next(r, &rec) == 1) {
        sum += rec->addr;
        n++;
    }
    double native = now() - a;
    migsim_trace_close(r);

    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 1;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    unsigned char ftr[48];
    fseek(f, size - 48, SEEK_SET);
    if (fread(ftr, 1, 48, f) != 48)
        return 1;
    uint64_t idx_off = le(ftr, 8), nblk = le(ftr + 8, 8);
    unsigned char *idx = malloc(nblk * 40 + 1);
    fseek(f, (long)idx_off, SEEK_SET);
    if (fread(idx, 40, nblk, f) != nblk)
        return 1;
    unsigned char *comp = malloc(compressBound(1u << 26)), *raw = malloc(1u << 26);
    double infl = 0;
    uint64_t m = 0;
    for (uint64_t b = 0; b < nblk; b++) {
        const unsigned char *e = idx + 40 * b;
        uint64_t off = le(e, 8), cb = le(e + 8, 4), nr = le(e + 12, 4);
        fseek(f, (long)off, SEEK_SET);
        if (fread(comp, 1, cb, f) != cb)
            return 1;
        uLongf rl = (uLongf)(nr * 24);
        double t = now();
        if (uncompress(raw, &rl, comp, cb) != Z_OK || rl != nr * 24)
            return 1;
        infl += now() - t;
        m += nr;
    }
    fclose(f);
    printf("%llu %.6f %.6f %llu\n", (unsigned long long)n, native, infl,
           (unsigned long long)(m + (sum & 0)));
    return 0;
}
EOF
libs=$(pkg-config --libs libcjson liblzma zlib 2>/dev/null)
pbc=$(pkg-config --libs libprotobuf-c 2>/dev/null || true)
cc -O2 -I"$root/libmigsim/include" -o "$out/readbench" "$out/readbench.c" "$build/libmigsim.a" \
    $libs $pbc -lm || exit 1
read -r nrec native infl _ < <("$out/readbench" "$out/lackey.mtr") || exit 1

# ---- report -------------------------------------------------------------------------
lackey_rate=$(rate "$lines" "$t0" "$t1")
fold_rate=$(rate "$lines" "$t1" "$t2")
native_rate=$(awk -v n="$nrec" -v s="$native" 'BEGIN { printf "%.0f", n / s }')
infl_rate=$(awk -v n="$nrec" -v s="$infl" 'BEGIN { printf "%.0f", n / s }')
ratio=$(awk -v a="$native_rate" -v b="$infl_rate" 'BEGIN { printf "%.2f", a / b }')
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t) ? "PASS" : "FAIL" }'; }

echo "input           $LACKEY: $lines lines, $bytes bytes, $records records"
echo "lackey import   $lackey_rate lines/s ($(verdict "$lackey_rate" 5000000) >= 5e6)"
echo "lackey + fold   $fold_rate lines/s"
echo "native reader   $native_rate records/s"
echo "raw inflate     $infl_rate records/s"
echo "native/inflate  $ratio ($(verdict "$ratio" 0.5) >= 0.5)"
