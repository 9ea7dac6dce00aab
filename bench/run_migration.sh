#!/usr/bin/env bash
# run_migration.sh - the migration benchmark: the default migration scenario
# under each policy side by side, and a 4 GiB page with 64 KiB subpages under
# CPU and DMA traffic, with the no-lost-write oracle on.
#
#   bench/run_migration.sh [BUILD_DIR]      (default ./build; built if missing)
#
# Reports, per run: host wall time, trace records per host second (CPU and DMA
# records pulled by the sources), simulated migration time, copy bandwidth,
# CPU and DMA latency before / during / after, faults, drops, dual writes,
# and lost writes. Writes bench/out/migration_summary.json.
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

for p in segmented segmented_mixed segmented_batched suspend_io dual_write_whole none unsafe; do
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

python3 - "$out" <<'EOF'
import json, sys, os
out = sys.argv[1]
names = ["segmented", "segmented_mixed", "segmented_batched", "suspend_io", "dual_write_whole", "none", "unsafe", "4g"]
rows = {}
for n in names:
    j = json.load(open(os.path.join(out, "mig_%s.json" % n)))
    s, h = j["stats"], j["host"]
    recs = sum(v for k, v in s.items() if k.endswith(".records") or k.endswith(".arrived_records"))
    g = lambda k, d=0: s.get(k, d)
    rows[n] = {
        "host_s": h["wall_s"], "records": recs, "records_per_s": recs / h["wall_s"],
        "migration_us": (g("mig.end_ps") - g("mig.start_ps")) / 1e6 if g("mig.end_ps") else None,
        "page_rate_gbps": g("mig.page_rate_gbps"), "copy_traffic_gbps": g("mig.copy_traffic_gbps"), "copy_share": g("mig.copy_share"),
        "cpu_lat_ns": [g("cpu0.latency_before_avg_ns"), g("cpu0.latency_during_avg_ns"), g("cpu0.latency_after_avg_ns")],
        "nic_lat_ns": [g("nic0.latency_before_avg_ns"), g("nic0.latency_during_avg_ns"), g("nic0.latency_after_avg_ns")],
        "cpu_faults": g("mmu0.faults"), "cpu_fault_stall_us": g("mmu0.fault_stall_ps") / 1e6,
        "dma_dropped": g("nic0.dropped_records") + g("disk0.dropped_records"),
        "dual_writes": g("dw0.dual_writes"), "held_writes": g("dw0.held_writes"),
        "shootdowns": g("mig.shootdowns"), "pte_writes": g("mig.pte_writes"),
        "cpu_ptes_max": g("mig.cpu_ptes_max"), "lost_writes": g("mig.lost_writes"),
        "peak_rss_mib": h["peak_rss_kib"] / 1024,
    }
json.dump(rows, open(os.path.join(out, "migration_summary.json"), "w"), indent=2)
cols = ["host_s", "records_per_s", "migration_us", "page_rate_gbps", "cpu_faults", "dma_dropped",
        "dual_writes", "held_writes", "pte_writes", "cpu_ptes_max", "lost_writes", "peak_rss_mib"]
print("%-18s" % "run" + "".join("%15s" % c for c in cols))
for n in names:
    r = rows[n]
    cells = []
    for c in cols:
        v = r[c]
        cells.append("%15s" % ("-" if v is None else ("%.3f" % v if isinstance(v, float) and v < 1000 else "%.0f" % v)))
    print("%-18s" % n + "".join(cells))
print()
print("%-18s %32s %32s" % ("run", "CPU latency before/during/after", "NIC latency before/during/after"))
for n in names:
    r = rows[n]
    print("%-18s %32s %32s" % (n, " / ".join("-" if x is None else "%.0f" % x for x in r["cpu_lat_ns"]),
                                " / ".join("-" if x is None else "%.0f" % x for x in r["nic_lat_ns"])))
four = rows["4g"]
print()
print("targets: records/s with the oracle on (default scenario) %.0f >= 2,000,000: %s" %
      (rows["segmented"]["records_per_s"], "PASS" if rows["segmented"]["records_per_s"] >= 2e6 else "FAIL"))
print("         4 GiB migration host time %.1f s < 60 s: %s" % (four["host_s"], "PASS" if four["host_s"] < 60 else "FAIL"))
print("summary: %s" % os.path.join(out, "migration_summary.json"))
EOF
