#!/usr/bin/env bash
# bench/tiering_scale.sh - what tracking costs on a large footprint (see bench/README.md).
#
#   bench/tiering_scale.sh [--callgrind] [BUILD_DIR] [PAGES] [PAGE_KIB] [CPU_RECORDS]
#
# Runs bench/configs/tiering.json grown to PAGES pages of PAGE_KIB KiB (default 65536 of 64:
# 4 GiB; 4194304 of 4 is 16 GiB) with CPU_RECORDS CPU records (default 400000: 20 ms) twice,
# with the scanner and the manager (policy none, so that both runs move the same pages: none)
# and without them, and prints each run's peak RSS and host time, the tracking's bytes per page
# (the difference of the peaks over PAGES) and the time ratio. Pages of 4 KiB are mapped with x86-64's ladder (4K,2M,1G: tables of 512 entries); a
# far node beyond 7 GiB gets a DRAM of 2 channels of 2 ranks (32 GiB). --callgrind also runs
# both under valgrind's callgrind (the two at once) and prints their instruction counts and
# ratio, which, unlike host times, repeat exactly. Exit status 1 if a run fails.
set -eu -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
callgrind=0
if [ "${1:-}" = --callgrind ]; then
    callgrind=1
    shift
fi
build=${1:-$top/build}
pages=${2:-65536}
kib=${3:-64}
records=${4:-400000}
migsim=$build/migsim
[ -x "$migsim" ] || { echo "tiering_scale.sh: no $migsim (build first)" >&2; exit 1; }
out=$top/bench/out/tiering_scale
mkdir -p "$out"
python3 - "$top/bench/configs/tiering.json" "$out/notrack.config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
del c["components"]["scan"], c["components"]["tm"]
c["links"] = [l for l in c["links"] if not l["from"].startswith("scan.")]
json.dump(c, open(sys.argv[2], "w"), indent=1)
PY
bytes=$((pages * kib * 1024))
far_mib=$((bytes / 1048576 + 1024))
sets=(--set "mig.footprint_pages=$pages" --set "mig.page_bytes=${kib}KiB"
      --set "mig.nodes=\"near:0x100000000:1GiB,far:0x200000000:${far_mib}MiB\""
      --set "cpu0.gen_range_bytes=$bytes" --set 'cpu0.gen_hot_bytes="256MiB"'
      --set 'cpu0.gen_hot_step_bytes="256MiB"' --set cpu0.gen_count=$records
      --set nic0.gen_count=40000 --set disk0.gen_count=400)
if [ "$kib" -eq 4 ]; then
    for c in mig mmu0 iommu0; do sets+=(--set "$c.ladder=\"4K,2M,1G\""); done
    sets+=(--set 'mig.subpage_bytes="4KiB"' --set 'mig.pt_bytes="256MiB"')
fi
if [ "$far_mib" -gt $((7 * 1024)) ]; then
    sets+=(--set 'mem.nodes="out0 base=0 size=8GiB, out1 base=8GiB size=32GiB far"'
           --set dram1.channels=2 --set dram1.ranks=2)
fi
run() { # NAME CONFIG [more --set]: prints "seconds KB"
    local name=$1 cfg=$2
    shift 2
    /usr/bin/time -f "%e %M" -o "$out/$name.time" \
        "$migsim" run --config "$cfg" "${sets[@]}" "$@" --quiet --out "$out/$name.json"
    cat "$out/$name.time"
}
ir() { # NAME CONFIG [more --set]: the run's instruction count under callgrind
    local name=$1 cfg=$2
    shift 2
    valgrind --tool=callgrind --callgrind-out-file="$out/$name.cg" "$migsim" run --config "$cfg" \
        "${sets[@]}" "$@" --quiet --out "$out/$name.cg.json" >"$out/$name.cg.log" 2>&1 ||
        { tail -5 "$out/$name.cg.log" >&2; return 1; }
    sed -n 's/.*I *refs: *//p' "$out/$name.cg.log" | tr -d ,
}
read -r t0 m0 < <(run notrack "$out/notrack.config.json")
read -r t1 m1 < <(run track "$top/bench/configs/tiering.json" --set 'tm.policy="none"')
echo "footprint        $pages pages of $kib KiB, $records CPU records"
echo "without tracking $t0 s, peak RSS $m0 KiB"
echo "with tracking    $t1 s, peak RSS $m1 KiB (scanner and manager)"
awk -v m0="$m0" -v m1="$m1" -v t0="$t0" -v t1="$t1" -v n="$pages" \
    'BEGIN { printf "tracking         %.1f bytes per page, %.2fx the host time\n", (m1 - m0) * 1024 / n, t1 / t0 }'
if [ "$callgrind" = 1 ]; then
    ir notrack "$out/notrack.config.json" >"$out/notrack.ir" &
    ir track "$top/bench/configs/tiering.json" --set 'tm.policy="none"' >"$out/track.ir"
    wait $! || true
    read -r i0 <"$out/notrack.ir"
    read -r i1 <"$out/track.ir"
    [ -n "$i0" ] && [ -n "$i1" ] || { echo "tiering_scale.sh: a callgrind run failed" >&2; exit 1; }
    awk -v a="$i0" -v b="$i1" 'BEGIN { printf "instructions     %.0f without, %.0f with tracking: %.2fx\n", a, b, b / a }'
fi
