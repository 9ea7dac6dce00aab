#!/usr/bin/env bash
# run_sc_bench.sh - the default migration scenario in native mode (migsim run)
# and in SystemC mode (migsim-sc: every link a TLM-2.0 socket binding, the C
# event kernel driven by a SystemC process), one after the other on one core.
#
#   bench/run_sc_bench.sh [BUILD_DIR] [--repeat N]   (default ./build; built if missing)
#
# Reports trace records per host second for each mode (records pulled by the
# CPU and DMA sources, over the host wall time of the run), the ratio
# SystemC / native (target: at least 0.40), and checks that the two
# statistics files are identical apart from the host section. With
# --repeat N each mode runs N times and the median is reported.
# Writes bench/out/sc_summary.json.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
repeat=1
while [ $# -gt 0 ]; do
    case $1 in
    --repeat) repeat=$2; shift 2 ;;
    *) build=$1; shift ;;
    esac
done
out=$here/bench/out
mkdir -p "$out"
if [ ! -x "$build/migsim" ] || [ ! -x "$build/migsim-sc" ]; then
    cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j"$(nproc)" --target migsim migsim-sc >/dev/null
fi
[ -x "$build/migsim-sc" ] || { echo "migsim-sc was not built (SystemC missing?)" >&2; exit 1; }
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"

for i in $(seq 1 "$repeat"); do
    echo "== native, run $i" >&2
    $pin "$build/migsim" run --quiet --out "$out/sc_native_$i.json"
    echo "== SystemC, run $i" >&2
    SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 $pin "$build/migsim-sc" --quiet --out "$out/sc_systemc_$i.json"
done

python3 - "$out" "$repeat" <<'PY'
import json, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])

def load(path):
    with open(path) as f:
        j = json.load(f)
    # CPU records (trace players) and DMA records (devices' arrivals)
    recs = sum(v for k, v in j["stats"].items()
               if k.split(".")[-1] in ("records", "arrived_records"))
    return j, recs, j["host"]["wall_s"]

rates = {"native": [], "systemc": []}
same = True
for i in range(1, n + 1):
    a, ra, wa = load(f"{out}/sc_native_{i}.json")
    b, rb, wb = load(f"{out}/sc_systemc_{i}.json")
    rates["native"].append(ra / wa)
    rates["systemc"].append(rb / wb)
    a.pop("host"); b.pop("host")
    same = same and a == b
nat = statistics.median(rates["native"])
sc = statistics.median(rates["systemc"])
summary = {"records": ra, "native_records_per_s": nat, "systemc_records_per_s": sc,
           "ratio": sc / nat, "target_ratio": 0.40, "statistics_identical": same, "runs": n}
with open(f"{out}/sc_summary.json", "w") as f:
    json.dump(summary, f, indent=1)
print(f"records per run        {ra:.0f}")
print(f"native  (migsim run)   {nat:,.0f} records/s")
print(f"SystemC (migsim-sc)    {sc:,.0f} records/s")
print(f"ratio SystemC/native   {sc / nat:.3f} (target >= 0.40: {'met' if sc / nat >= 0.40 else 'MISSED'})")
print(f"statistics identical   {'yes' if same else 'NO'}")
sys.exit(0 if same else 1)
PY
