#!/usr/bin/env bash
# run_migration.sh - the migration benchmark: the default migration scenario
# under each policy side by side, and a 4 GiB page with 64 KiB subpages under
# CPU and DMA traffic, with the no-lost-write oracle on.
#
#   bench/run_migration.sh [BUILD_DIR]      (default ./build; built if missing)
#
# Every mechanism of bench/configs/ runs on the same platform and traffic,
# each safe variant and each unsafe one (which must lose writes). Prints one
# table with a row per run (bench/migration_table.py says what each column
# counts) and writes bench/out/migration_summary.json.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
out=$here/bench/out
mkdir -p "$out"
if [ ! -x "$build/migsim" ]; then
    cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j"$(nproc)" --target migsim >/dev/null
fi
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"

run() { # name, then migsim run arguments
    local name=$1
    shift
    echo "== $name" >&2
    $pin "$build/migsim" run --quiet --out "$out/mig_$name.json" "$@" || {
        rc=$?
        [ $rc -eq 1 ] || { echo "run $name failed ($rc)" >&2; exit 1; }
    }
}

safe="segmented segmented_mixed segmented_batched suspend_io dual_write_whole precopy firmware_redirect granule ats none"
unsafe="unsafe precopy_unsafe firmware_redirect_unsafe granule_unsafe ats_unsafe"
for p in $safe $unsafe; do
    run "$p" --config "$here/bench/configs/$p.json"
done

# 4 GiB page, 64 KiB subpages: the CPU and DMA traffic spread over the page
run 4g --config "$here/bench/configs/segmented.json" \
    --set mig.page_bytes='"4GiB"' --set mig.cur_pa='"4GiB"' --set mig.tgt_pa='"8GiB"' \
    --set mig.va='"16GiB"' --set mig.iova='"16GiB"' \
    --set dram0.ranks=2 \
    --set cpu0.gen_base='"16GiB"' --set cpu0.gen_range_bytes='"4GiB"' \
    --set nic0.gen_base='"16GiB"' --set disk0.gen_base='"16GiB"' --set disk0.gen_range_bytes='"4GiB"' \
    --set cpu0.gen_count=400000 --set cpu0.gen_gap_ps=2000000

python3 "$here/bench/migration_table.py" "$out" $safe $unsafe 4g
