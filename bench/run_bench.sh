#!/usr/bin/env bash
# bench/run_bench.sh - libmigsim speed benchmark (see bench/README.md).
#
#   bench/run_bench.sh [--callgrind] [--repeat N] [--controller NAME] [BUILD_DIR]
#
# BUILD_DIR defaults to ./build under the repository root; if BUILD_DIR/migsim
# is missing it is configured and built (CMake, RelWithDebInfo).
# Generates the two standard DDR4-2400 traces (2,000,000 records each) into
# bench/out/ unless they are already there with the same generator arguments
# and the right record count, runs each one pinned to core 0, prints host
# speed, peak RSS and the DRAM statistics, checks the speed targets, and
# writes bench/out/summary.json.
#
# --repeat N   run each trace N times (default 1) and report the run with the
#              median host time, plus the min..max of requests per second.
# --callgrind  also runs 200,000-record variants of both traces under
#              valgrind --tool=callgrind and reports instructions (Ir) per
#              request and the top 15 functions by inclusive Ir.
# --controller NAME  the DRAM controller structure to run (dram0.controller:
#              default, ramulator2 or dramsim3; default: default). The same
#              targets hold in every mode.
#
# Exit status: 0 whatever the speed (PASS/FAIL is informational; speed
# depends on the machine); 1 if a build, generation or run failed; 2 bad usage.
set -u -o pipefail

usage() {
    sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'
}

CALLGRIND=0
REPEAT=1
CONTROLLER=default
BUILD_ARG=""
while [ $# -gt 0 ]; do
    a=$1; shift
    case "$a" in
    --callgrind) CALLGRIND=1 ;;
    --repeat)
        [ $# -gt 0 ] || { echo "run_bench.sh: --repeat needs a number" >&2; exit 2; }
        REPEAT=$1; shift
        case "$REPEAT" in '' | *[!0-9]* | 0) echo "run_bench.sh: bad --repeat '$REPEAT'" >&2; exit 2 ;; esac ;;
    --controller)
        [ $# -gt 0 ] || { echo "run_bench.sh: --controller needs a name" >&2; exit 2; }
        CONTROLLER=$1; shift ;;
    --controller=*) CONTROLLER=${a#--controller=} ;;
    --repeat=*)
        REPEAT=${a#--repeat=}
        case "$REPEAT" in '' | *[!0-9]* | 0) echo "run_bench.sh: bad --repeat '$REPEAT'" >&2; exit 2 ;; esac ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "run_bench.sh: unknown option $a" >&2; usage >&2; exit 2 ;;
    *)
        if [ -n "$BUILD_ARG" ]; then
            echo "run_bench.sh: more than one BUILD_DIR" >&2; exit 2
        fi
        BUILD_ARG=$a ;;
    esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_ARG:-$ROOT/build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$PWD/$BUILD_DIR ;; esac
OUT=$ROOT/bench/out
MIGSIM=$BUILD_DIR/migsim

# ---- fixed benchmark parameters ---------------------------------------------
COUNT=2000000           # records per trace (decimal: --count 2M would be 2,097,152)
CG_COUNT=200000         # records per trace under callgrind
TCK_PS=833              # DDR4-2400 clock period; one record per DRAM clock
TARGET_RANDOM=3000000   # host requests per second
TARGET_SEQUENTIAL=5000000
TARGET_RSS_MIB=32
TRACES="random sequential"
GEN_COMMON=(--range 4GiB --size 64 --read-frac 0.67 --gap-ps "$TCK_PS" --seed 1)
RUN_SETS=(--set cpu0.max_inflight=1024 --set 'dram0.preset="DDR4-2400"'
          --set dram0.channels=1 --set dram0.ranks=1 --set 'dram0.scheduler="frfcfs"'
          --set 'dram0.page_policy="open"' --set 'dram0.address_mapping="RoBaBgRaCoCh"')
case "$CONTROLLER" in
default | ramulator2 | dramsim3) RUN_SETS+=(--set "dram0.controller=\"$CONTROLLER\"") ;;
*) echo "run_bench.sh: unknown controller '$CONTROLLER' (default, ramulator2 or dramsim3)" >&2
   exit 2 ;;
esac

die() { echo "run_bench.sh: $*" >&2; exit 1; }
now() { python3 -c 'import time; print(repr(time.monotonic()))'; }
elapsed() { python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }

command -v python3 >/dev/null 2>&1 || die "python3 is needed to read the statistics JSON"

# ---- build -------------------------------------------------------------------
if [ ! -x "$MIGSIM" ]; then
    echo "== building $MIGSIM (RelWithDebInfo)"
    cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null ||
        die "cmake configure failed"
    cmake --build "$BUILD_DIR" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null ||
        die "build failed"
    [ -x "$MIGSIM" ] || die "build produced no $MIGSIM"
fi
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null)
if [ "${BUILD_TYPE:-}" != "RelWithDebInfo" ]; then
    echo "warning: $BUILD_DIR is built as '${BUILD_TYPE:-unknown}', not RelWithDebInfo;" \
         "figures are not comparable with bench/baseline.json" >&2
fi

# ---- pinning -----------------------------------------------------------------
PIN=()
PINNED="no"
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
    PIN=(taskset -c 0)
    PINNED="core 0"
else
    echo "warning: taskset -c 0 unavailable; runs are not pinned" >&2
fi

mkdir -p "$OUT" || die "cannot create $OUT"

# Record count from the trace footer (FORMAT.md: last 48 bytes, record_count at
# offset 16, end magic MIGSTRE1 at offset 40); prints -1 if unreadable.
trace_records() {
    python3 - "$1" <<'EOF'
import struct, sys
try:
    with open(sys.argv[1], 'rb') as f:
        f.seek(-48, 2)
        foot = f.read(48)
    print(struct.unpack_from('<Q', foot, 16)[0] if foot[40:48] == b'MIGSTRE1' else -1)
except Exception:
    print(-1)
EOF
}

# The format this migsim writes, as "version V compression C" (FORMAT.md:
# header bytes 8..9 and 15), read from a one-record probe trace; "unknown" if
# the probe fails. Part of every trace's stamp, so that traces written in
# another format (version 1 before) are generated again.
trace_format() {
    local probe=$OUT/.format-probe.mtr
    if ! "$MIGSIM" trace gen --pattern sequential --count 1 -o "$probe" >/dev/null 2>&1; then
        echo unknown; return
    fi
    python3 - "$probe" <<'EOF'
import struct, sys
with open(sys.argv[1], 'rb') as f:
    h = f.read(16)
print('version %d compression %d' % (struct.unpack_from('<H', h, 8)[0], h[15])
      if len(h) == 16 else 'unknown')
EOF
    rm -f "$probe"
}

# gen_trace NAME PATTERN COUNT: make $OUT/NAME.mtr unless it is already there
# with the same arguments and trace format (stamp file NAME.mtr.args) and
# COUNT records. Sets GEN_S (wall seconds, 0 when reused) and GEN_STATE
# (generated|reused).
gen_trace() {
    local name=$1 pattern=$2 count=$3 file=$OUT/$1.mtr
    local args=(--pattern "$pattern" --count "$count" "${GEN_COMMON[@]}")
    local stamp="${args[*]} (format $TRACE_FORMAT)"
    if [ -f "$file" ] && [ "$(cat "$file.args" 2>/dev/null)" = "$stamp" ] &&
       [ "$(trace_records "$file")" = "$count" ]; then
        GEN_S=0; GEN_STATE=reused
        echo "   $name: $file present ($count records), reused"
        return 0
    fi
    rm -f "$file.args"
    local t0 t1
    t0=$(now)
    "$MIGSIM" trace gen "${args[@]}" -o "$file" >/dev/null || return 1
    t1=$(now)
    [ "$(trace_records "$file")" = "$count" ] || { echo "$file: wrong record count" >&2; return 1; }
    printf '%s\n' "$stamp" >"$file.args"
    GEN_S=$(elapsed "$t0" "$t1"); GEN_STATE=generated
    echo "   $name: $count records generated in ${GEN_S} s -> $file"
}

FAILED=0
GEN_INFO=()   # name:state:seconds
RUN_INFO=()   # name:run:process-wall-seconds

echo "== migsim: $MIGSIM (build type ${BUILD_TYPE:-unknown}), pinned: $PINNED," \
     "controller: $CONTROLLER"
TRACE_FORMAT=$(trace_format)
echo "== trace generation (not counted in the speed figures)"
for t in $TRACES; do
    if gen_trace "$t" "$t" "$COUNT"; then
        GEN_INFO+=("$t:$GEN_STATE:$GEN_S")
    else
        echo "run_bench.sh: generating trace $t failed" >&2
        FAILED=1
    fi
done
[ "$FAILED" = 0 ] || exit 1

echo "== simulation runs (${PIN[*]:-unpinned}, $REPEAT run(s) per trace)"
for t in $TRACES; do
    rm -f "$OUT/$t.json" "$OUT/$t".run*.json
    for k in $(seq 1 "$REPEAT"); do
        t0=$(now)
        if ${PIN[@]+"${PIN[@]}"} "$MIGSIM" run --platform dram --trace "$OUT/$t.mtr" "${RUN_SETS[@]}" \
            --out "$OUT/$t.run$k.json" --quiet; then
            t1=$(now)
            RUN_INFO+=("$t:$k:$(elapsed "$t0" "$t1")")
        else
            echo "run_bench.sh: migsim run failed on $t (status $?)" >&2
            FAILED=1
            break
        fi
    done
done

# ---- callgrind (optional) ------------------------------------------------------
CG_INFO=()    # name:records
if [ "$CALLGRIND" = 1 ]; then
    if ! command -v valgrind >/dev/null 2>&1; then
        echo "run_bench.sh: --callgrind needs valgrind" >&2
        FAILED=1
    else
        echo "== callgrind ($CG_COUNT-record traces)"
        for t in $TRACES; do
            if ! gen_trace "cg_$t" "$t" "$CG_COUNT"; then
                echo "run_bench.sh: generating trace cg_$t failed" >&2; FAILED=1; continue
            fi
            echo "   $t: running under callgrind ..."
            if valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$t.out" \
                "$MIGSIM" run --platform dram --trace "$OUT/cg_$t.mtr" "${RUN_SETS[@]}" \
                --out "$OUT/cg_$t.json" --quiet 2>"$OUT/cg.$t.log"; then
                CG_INFO+=("$t:$CG_COUNT")
            else
                echo "run_bench.sh: callgrind run failed on $t (see $OUT/cg.$t.log)" >&2
                FAILED=1
            fi
        done
    fi
fi

# ---- report --------------------------------------------------------------------
python3 - "$OUT" "$COUNT" "$TCK_PS" "$TARGET_RANDOM" "$TARGET_SEQUENTIAL" "$TARGET_RSS_MIB" \
    "$PINNED" "${BUILD_TYPE:-unknown}" "$MIGSIM" "$REPEAT" "$CONTROLLER" \
    "${GEN_INFO[*]:-}" "${RUN_INFO[*]:-}" "${CG_INFO[*]:-}" <<'EOF' || FAILED=1
import json, os, platform, subprocess, sys, time

(out, count, tck, tgt_rand, tgt_seq, tgt_rss, pinned, btype, migsim, repeat, controller,
 gen_info, run_info, cg_info) = sys.argv[1:]
count, tck, repeat = int(count), int(tck), int(repeat)
targets_rps = {"random": float(tgt_rand), "sequential": float(tgt_seq)}
tgt_rss = float(tgt_rss)

def pairs(s):
    return [x.split(":") for x in s.split()] if s else []

gen = {n: (st, float(sec)) for n, st, sec in pairs(gen_info)}
proc_wall = {(n, int(k)): float(sec) for n, k, sec in pairs(run_info)}

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"

summary = {
    "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    "host": {"cpu_model": cpu_model(), "nproc": os.cpu_count(), "pinned": pinned,
             "kernel": platform.release()},
    "build_type": btype,
    "migsim": migsim,
    "controller": controller,
    "runs_per_trace": repeat,
    "records_per_trace": count,
    "tck_ps": tck,
    "targets": {"random_req_per_s": targets_rps["random"],
                "sequential_req_per_s": targets_rps["sequential"],
                "peak_rss_mib": tgt_rss},
    "traces": {},
    "callgrind": {},
}

def row(label, vals, fmt):
    print("  %-30s" % label + "".join(("%18s" % (fmt(v) if v is not None else "-")) for v in vals))

results = {}
names = [n for n in ("random", "sequential") if n in gen]
for n in names:
    runs = []
    for k in range(1, repeat + 1):
        try:
            with open(os.path.join(out, "%s.run%d.json" % (n, k))) as f:
                runs.append((json.load(f), k))
        except (OSError, ValueError):
            runs = []
            break
    if not runs:
        results[n] = None
        continue
    runs.sort(key=lambda jk: jk[0]["host"]["wall_s"])
    j, kmed = runs[(len(runs) - 1) // 2]          # median (lower median for even N)
    with open(os.path.join(out, n + ".json"), "w") as f:
        json.dump(j, f, indent=1)
    walls = [x[0]["host"]["wall_s"] for x in runs]
    st, host, sim = j["stats"], j["host"], j["sim"]
    d = "dram0."
    wall = host["wall_s"]
    recs = st.get("cpu0.records", count)
    r = {
        "records": recs,
        "host_wall_s": wall,
        "process_wall_s": proc_wall.get((n, kmed)),
        "host_req_per_s": recs / wall if wall > 0 else 0.0,
        "host_req_per_s_min": recs / walls[-1] if walls[-1] > 0 else 0.0,
        "host_req_per_s_max": recs / walls[0] if walls[0] > 0 else 0.0,
        "runs": len(runs),
        "sim_time_ps": sim["time_ps"],
        "sim_dram_cycles": sim["time_ps"] / tck,
        "sim_cycles_per_host_s": (sim["time_ps"] / tck) / wall if wall > 0 else 0.0,
        "events": sim["events"],
        "events_per_s": host["events_per_s"],
        "peak_rss_mib": host["peak_rss_kib"] / 1024.0,
        "trace_gen_s": gen[n][1] if gen[n][0] == "generated" else None,
        "trace_gen": gen[n][0],
        "dram": {k: st.get(d + k) for k in (
            "read_reqs", "write_reqs", "row_hits", "row_misses", "row_conflicts",
            "row_hit_rate", "act_cmds", "pre_cmds", "ref_cmds", "rd_cmds", "wr_cmds",
            "read_latency_avg_ns", "read_latency_p50_ns", "read_latency_p99_ns",
            "bandwidth_gbps")},
    }
    r["pass"] = {"req_per_s": r["host_req_per_s"] >= targets_rps[n],
                 "peak_rss": r["peak_rss_mib"] < tgt_rss}
    results[n] = r
    summary["traces"][n] = r

cols = [results.get(n) for n in names]
print()
print("== results (%s, %s, %d CPUs, pinned: %s, build %s, controller %s)" % (
    summary["date"], summary["host"]["cpu_model"], summary["host"]["nproc"], pinned, btype,
    controller))
print("  %-30s" % "" + "".join("%18s" % n for n in names))
g = lambda k: [c[k] if c else None for c in cols]
gd = lambda k: [c["dram"][k] if c else None for c in cols]
i0 = lambda v: "{:,.0f}".format(v)
f1 = lambda v: "%.1f" % v
f2 = lambda v: "%.2f" % v
f3 = lambda v: "%.3f" % v
row("trace generation wall (s)",
    [gen[n][1] if gen[n][0] == "generated" else "reused" for n in names],
    lambda v: v if isinstance(v, str) else f3(v))
row("records", g("records"), i0)
row("host wall, sim loop (s)", g("host_wall_s"), f3)
row("host wall, process (s)", g("process_wall_s"), f3)
row("host requests/s", g("host_req_per_s"), i0)
if repeat > 1:
    row("  min .. max over %d runs" % repeat,
        [(c["host_req_per_s_min"], c["host_req_per_s_max"]) if c else None for c in cols],
        lambda v: "%.2fM..%.2fM" % (v[0] / 1e6, v[1] / 1e6))
row("simulated DRAM cycles", g("sim_dram_cycles"), i0)
row("sim cycles / host s", g("sim_cycles_per_host_s"), i0)
row("events", g("events"), i0)
row("events / host s", g("events_per_s"), i0)
row("peak RSS (MiB)", g("peak_rss_mib"), f1)
row("DRAM reads", gd("read_reqs"), i0)
row("DRAM writes", gd("write_reqs"), i0)
row("row hits", gd("row_hits"), i0)
row("row misses", gd("row_misses"), i0)
row("row conflicts", gd("row_conflicts"), i0)
row("ACT", gd("act_cmds"), i0)
row("PRE", gd("pre_cmds"), i0)
row("REF", gd("ref_cmds"), i0)
row("read latency avg (ns)", gd("read_latency_avg_ns"), f1)
row("read latency p50 (ns)", gd("read_latency_p50_ns"), f1)
row("read latency p99 (ns)", gd("read_latency_p99_ns"), f1)
row("bandwidth (GB/s)", gd("bandwidth_gbps"), f2)

print()
print("== targets")
for n in names:
    c = results.get(n)
    if c is None:
        print("  %-11s RUN FAILED" % n)
        continue
    print("  %-11s req/s %13s >= %13s  %s" % (n, i0(c["host_req_per_s"]), i0(targets_rps[n]),
          "PASS" if c["pass"]["req_per_s"] else "FAIL"))
    print("  %-11s RSS   %10.1f MiB <  %10.0f MiB  %s" % (n, c["peak_rss_mib"], tgt_rss,
          "PASS" if c["pass"]["peak_rss"] else "FAIL"))

cg = pairs(cg_info)
if cg:
    print()
    print("== callgrind (instructions are repeatable across machines; time is not)")
for n, recs in cg:
    recs = int(recs)
    f = os.path.join(out, "cg.%s.out" % n)
    total = None
    with open(f) as fh:
        for line in fh:
            if line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
    reqs = recs
    try:
        with open(os.path.join(out, "cg_%s.json" % n)) as fh:
            reqs = json.load(fh)["stats"].get("cpu0.records", recs)
    except (OSError, ValueError):
        pass
    summary["callgrind"][n] = {"records": reqs, "total_ir": total,
                               "ir_per_request": total / reqs if total and reqs else None,
                               "file": f}
    print("  %-11s %s Ir total, %.0f Ir per request (%d records; includes setup and exit)"
          % (n, "{:,}".format(total), total / reqs, reqs))
def annotate(f, inclusive, top):
    """Top functions from callgrind_annotate, one line per function: startup
    wrappers (ld.so entry, (below main), __libc_start_main) are dropped, and a
    function listed twice (absolute and relative source path, from inlining)
    is shown once, at its larger figure."""
    cmd = ["callgrind_annotate", "--inclusive=%s" % ("yes" if inclusive else "no"), f]
    try:
        txt = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print("  callgrind_annotate failed: %s" % e)
        return []
    lines = txt.splitlines()
    start = next((i for i, l in enumerate(lines) if l.rstrip().endswith("file:function")), None)
    if start is None:
        return []
    seen, outl = set(), []
    for l in lines[start + 1:]:
        if l.startswith("--"):
            if outl:
                break
            continue
        if not l.strip():
            if outl:
                break
            continue
        if "(below main)" in l or "libc_start" in l or "???:0x" in l:
            continue
        parts = l.split(None, 2)
        if len(parts) < 3:
            continue
        fn = parts[2].split(" [")[0].rsplit(":", 1)[-1]
        if fn in seen:
            continue
        seen.add(fn)
        outl.append(l)
        if len(outl) == top:
            break
    return outl

for n, _ in cg:
    f = os.path.join(out, "cg.%s.out" % n)
    for inclusive, top in ((True, 15), (False, 10)):
        print()
        print("-- %s: top %d functions by %s Ir (callgrind_annotate --inclusive=%s %s)"
              % (n, top, "inclusive" if inclusive else "self", "yes" if inclusive else "no", f))
        rows = annotate(f, inclusive, top)
        for l in rows:
            print("  " + l)
        summary["callgrind"][n]["top_inclusive" if inclusive else "top_self"] = rows

with open(os.path.join(out, "summary.json"), "w") as fh:
    json.dump(summary, fh, indent=2)
    fh.write("\n")
print()
print("summary: %s" % os.path.join(out, "summary.json"))
sys.exit(1 if any(results.get(n) is None for n in names) else 0)
EOF

exit "$FAILED"
