#!/usr/bin/env bash
# bench/xval.sh - cross-validation of the DDR4 model against DRAMSim3 and
# Ramulator 2 (see bench/README.md, "Cross-validation").
#
#   bench/xval.sh [--count N] [--build BUILD_DIR] [--keep] [--repeat R] \
#                 DRAMSIM3_MAIN DRAMSIM3_INI RAMULATOR2_MAIN RAMULATOR2_YAML
#
# libmigsim runs as a Release build (-O3, assertions off), as the peers are
# built: bench/out/build-release, configured and brought up to date here
# (only the migsim program), unless --build names another build directory.
# DRAMSIM3_MAIN    DRAMSim3's dramsim3main, built so that it stops at the end
#                  of its trace (it otherwise runs for its -c cycle count)
# DRAMSIM3_INI     its configuration: DDR4_8Gb_x8_2400.ini with
#                  channel_size = 8192 (one rank) and address_mapping = robabgracoch
# RAMULATOR2_MAIN  a Ramulator 2 program that runs the YAML configuration
#                  given as its one argument and prints its statistics
# RAMULATOR2_YAML  its configuration: GenericDDR controller, DDR4_2400 8 Gb x8,
#                  1 channel, 1 rank, RoBaRaCoCh, a LoadStoreTrace front end
#                  whose path is the word TRACE_PATH (replaced here)
#
# Writes two traces of N requests (default 2,000,000) to bench/out/xval/:
# random (uniform 64-byte lines over 4 GiB) and sequential (consecutive
# lines), 67% reads, one request per DRAM clock, in DRAMSim3's text format,
# Ramulator's LD/ST format and libmigsim's (converted from DRAMSim3's with
# `migsim trace convert --from dramsim3`, so all three see the same requests).
# Runs each trace through the three simulators, pinned to core 0 when taskset
# works: libmigsim with controller "dramsim3" beside DRAMSim3, with controller
# "ramulator2" (and Ramulator's tRFC and tREFI) beside Ramulator 2,
# and with its default controller. Ramulator's command counts come from its
# CommandCounter plugin, put in place of the YAML's `controller_plugins: []`.
# Prints cycles, ACT/PRE/REF, row hits, average read latency (cycles),
# bandwidth, wasted ACTs (libmigsim), host time and speed ratios (peer host
# time / libmigsim's), and libmigsim's differences from each peer.
# --keep  reuse traces already written with the same N.
# --repeat R  run the five simulations of each trace R times, in turn, and
#          report each one's median host time (default 1); the simulated
#          figures of a simulator's runs must agree, or the script fails.
#
# Exit status: 0 when every run finished, 1 when one failed, 2 bad usage.
set -u -o pipefail

usage() {
    sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'
}

COUNT=2000000
BUILD_ARG=""
KEEP=0
REPEAT=1
POS=()
while [ $# -gt 0 ]; do
    a=$1; shift
    case "$a" in
    --count)
        [ $# -gt 0 ] || { echo "xval.sh: --count needs a number" >&2; exit 2; }
        COUNT=$1; shift ;;
    --build)
        [ $# -gt 0 ] || { echo "xval.sh: --build needs a directory" >&2; exit 2; }
        BUILD_ARG=$1; shift ;;
    --keep) KEEP=1 ;;
    --repeat)
        [ $# -gt 0 ] || { echo "xval.sh: --repeat needs a number" >&2; exit 2; }
        REPEAT=$1; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "xval.sh: unknown option $a" >&2; usage >&2; exit 2 ;;
    *) POS+=("$a") ;;
    esac
done
case "$COUNT" in '' | *[!0-9]* | 0) echo "xval.sh: bad --count '$COUNT'" >&2; exit 2 ;; esac
case "$REPEAT" in '' | *[!0-9]* | 0) echo "xval.sh: bad --repeat '$REPEAT'" >&2; exit 2 ;; esac
if [ ${#POS[@]} -ne 4 ]; then
    echo "xval.sh: need DRAMSIM3_MAIN DRAMSIM3_INI RAMULATOR2_MAIN RAMULATOR2_YAML" >&2
    usage >&2
    exit 2
fi
DS3=${POS[0]}; DS3_INI=${POS[1]}; R2=${POS[2]}; R2_YAML=${POS[3]}
for f in "$DS3" "$R2"; do
    [ -x "$f" ] || { echo "xval.sh: $f is not an executable" >&2; exit 2; }
done
for f in "$DS3_INI" "$R2_YAML"; do
    [ -r "$f" ] || { echo "xval.sh: cannot read $f" >&2; exit 2; }
done
grep -q TRACE_PATH "$R2_YAML" || { echo "xval.sh: $R2_YAML has no TRACE_PATH to replace" >&2; exit 2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "$BUILD_ARG" ]; then
    BUILD_DIR=$ROOT/bench/out/build-release
    if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
        cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DMIGSIM_TESTS=OFF \
            -DMIGSIM_SYSTEMC=OFF >/dev/null || { echo "xval.sh: cmake configure failed" >&2; exit 1; }
    fi
    cmake --build "$BUILD_DIR" --target migsim -j"$(nproc 2>/dev/null || echo 2)" >/dev/null ||
        { echo "xval.sh: building $BUILD_DIR failed" >&2; exit 1; }
else
    BUILD_DIR=$BUILD_ARG
fi
MIGSIM=$BUILD_DIR/migsim
[ -x "$MIGSIM" ] || { echo "xval.sh: $MIGSIM missing: build libmigsim first" >&2; exit 1; }
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null)
if [ "${BUILD_TYPE:-}" != "Release" ]; then
    echo "warning: $BUILD_DIR is built as '${BUILD_TYPE:-unknown}', not Release as the peers;" \
         "its host times are not comparable" >&2
fi
command -v python3 >/dev/null 2>&1 || { echo "xval.sh: python3 is needed" >&2; exit 1; }
OUT=$ROOT/bench/out/xval
mkdir -p "$OUT" || exit 1

PIN=()
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
    PIN=(taskset -c 0)
else
    echo "warning: taskset -c 0 unavailable; runs are not pinned" >&2
fi

python3 - "$ROOT" "$OUT" "$COUNT" "$KEEP" "$REPEAT" "$MIGSIM" "${BUILD_TYPE:-unknown}" "$DS3" \
    "$DS3_INI" "$R2" "$R2_YAML" "${PIN[@]+"${PIN[@]}"}" <<'EOF'
import json, os, random, re, statistics, subprocess, sys, time

root, out, count, keep, repeat, migsim, build_type, ds3, ds3_ini, r2, r2_yaml = sys.argv[1:12]
pin = sys.argv[12:]
count, keep, repeat = int(count), keep == "1", int(repeat)
TCK_PS = 833            # DDR4-2400
LINE = 64
RUN_SETS = ["cpu0.max_inflight=1024", 'dram0.preset="DDR4-2400"', "dram0.channels=1",
            "dram0.ranks=1", 'dram0.scheduler="frfcfs"', 'dram0.page_policy="open"',
            'dram0.address_mapping="RoBaBgRaCoCh"']
# libmigsim's mode beside each peer; beside Ramulator also the tRFC and tREFI its DDR4
# preset derives for 8 Gb at 833 ps
MODES = {"dramsim3": ['dram0.controller="dramsim3"'],
         "default": ['dram0.controller="default"'],
         "ramulator2": ['dram0.controller="ramulator2"', "dram0.tRFC=433", "dram0.tREFI=9364"]}


def fail(msg):
    print("xval.sh: " + msg, file=sys.stderr)
    sys.exit(1)


def make_traces(name):
    """Write NAME.ds3 (DRAMSim3), NAME.r2 (Ramulator LD/ST) and NAME.mtr; their paths."""
    ds, rt, mtr = (os.path.join(out, name + e) for e in (".ds3", ".r2", ".mtr"))
    stamp = os.path.join(out, name + ".count")
    if keep and os.path.exists(mtr) and open(stamp).read().strip() == str(count):
        return ds, rt, mtr
    rng = random.Random(1)
    with open(ds, "w") as fd, open(rt, "w") as fr:
        for i in range(count):
            line = rng.randrange(1 << 26) if name == "random" else i   # 4 GiB of lines
            rd = rng.random() < 0.67
            fd.write("0x%x %s %d\n" % (line * LINE, "READ" if rd else "WRITE", i))
            fr.write("%s 0x%x\n" % ("LD" if rd else "ST", line * LINE))
    subprocess.run([migsim, "trace", "convert", "--from", "dramsim3", "--clock-ps", str(TCK_PS),
                    "-o", mtr, ds], check=True, stdout=subprocess.DEVNULL)
    with open(stamp, "w") as f:
        f.write("%d\n" % count)
    return ds, rt, mtr


def timed(cmd, **kw):
    t0 = time.monotonic()
    p = subprocess.run(pin + cmd, capture_output=True, text=True, **kw)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        fail("%s failed (status %d): %s" % (cmd[0], p.returncode, p.stderr[-2000:]))
    return p.stdout, wall


def run_libmigsim(mtr, mode, name):
    js = os.path.join(out, "%s.%s.migsim.json" % (name, mode))
    cmd = [migsim, "run", "--platform", "dram", "--trace", mtr]
    for s in RUN_SETS + MODES[mode]:
        cmd += ["--set", s]
    _, wall = timed(cmd + ["--out", js, "--quiet"])
    st = json.load(open(js))
    s, d = st["stats"], "dram0."
    return {"cycles": st["sim"]["time_ps"] / TCK_PS, "act": s[d + "act_cmds"],
            "pre": s[d + "pre_cmds"] + s[d + "prea_cmds"], "ref": s[d + "ref_cmds"],
            "hits": s[d + "row_hits"], "rd_lat": s[d + "read_latency_avg_cyc"],
            "wasted": s[d + "wasted_act_cmds"], "host_s": wall}


def run_dramsim3(ds, name):
    od = os.path.join(out, "%s.dramsim3" % name)
    os.makedirs(od, exist_ok=True)
    _, wall = timed([ds3, ds3_ini, "-c", "100000000000", "-t", ds, "-o", od])
    txt = open(os.path.join(od, "dramsim3.txt")).read()
    v = lambda k: float(re.search(r"^%s\s*=\s*(\S+)" % k, txt, re.M).group(1))
    return {"cycles": v("num_cycles"), "act": v("num_act_cmds"), "pre": v("num_pre_cmds"),
            "ref": v("num_ref_cmds"), "hits": v("num_read_row_hits") + v("num_write_row_hits"),
            "rd_lat": v("average_read_latency"), "wasted": None, "host_s": wall}


def run_ramulator2(rt, name):
    yml = os.path.join(out, "%s.ramulator2.yaml" % name)
    cnt_file = os.path.join(out, "%s.ramulator2.cmds" % name)
    if os.path.exists(cnt_file):
        os.remove(cnt_file)
    y = open(r2_yaml).read().replace("TRACE_PATH", rt)
    y = re.sub(r"^(\s*)controller_plugins:\s*\[\]\s*$",
               lambda m: "%scontroller_plugins:\n%s  - impl: CommandCounter\n"
                         "%s    commands_to_count: [ACT, PREpb, PREab, REFab]\n%s    path: %s"
                         % (m.group(1), m.group(1), m.group(1), m.group(1), cnt_file),
               y, flags=re.M)
    with open(yml, "w") as f:
        f.write(y)
    text, wall = timed([r2, yml])
    with open(os.path.join(out, "%s.ramulator2.txt" % name), "w") as f:
        f.write(text)
    def v(k):
        m = re.search(r"^\s*%s:\s*(\S+)" % k, text, re.M)
        if not m:
            fail("Ramulator's statistics have no %s" % k)
        return float(m.group(1))
    cmds = {}
    if os.path.exists(cnt_file):
        for line in open(cnt_file):
            k, n = line.split(",")
            cmds[k.strip()] = float(n)
    cnt = lambda k: cmds.get(k)
    pre = None if not cmds else cmds.get("PREpb", 0.0) + cmds.get("PREab", 0.0)
    return {"cycles": v("cycles"), "act": cnt("ACT"), "pre": pre, "ref": cnt("REFab"),
            "hits": v("row_hits"), "rd_lat": v("avg_read_latency"), "wasted": None,
            "host_s": wall}


rows = []
for name in ("random", "sequential"):
    ds, rt, mtr = make_traces(name)
    sims = (("DRAMSim3", lambda: run_dramsim3(ds, name)),
            ("libmigsim dramsim3", lambda: run_libmigsim(mtr, "dramsim3", name)),
            ("Ramulator 2", lambda: run_ramulator2(rt, name)),
            ("libmigsim ramulator2", lambda: run_libmigsim(mtr, "ramulator2", name)),
            ("libmigsim default", lambda: run_libmigsim(mtr, "default", name)))
    runs = {sim: [] for sim, _ in sims}
    for _ in range(repeat):  # in turn, so that a change in the host's load falls on all
        for sim, run in sims:
            runs[sim].append(run())
    for sim, _ in sims:
        first = runs[sim][0]
        figures = lambda r: {k: v for k, v in r.items() if k != "host_s"}
        if any(figures(r) != figures(first) for r in runs[sim][1:]):
            fail("%s on the %s trace gave different figures in its %d runs"
                 % (sim, name, repeat))
        rows.append((name, sim, dict(first, host_s=statistics.median(
            r["host_s"] for r in runs[sim]))))

f0 = lambda x: "-" if x is None else "{:,.0f}".format(x)
print("%d requests per trace, DDR4-2400 8 Gb x8, 1 channel, 1 rank, open page, RoBaBgRaCoCh"
      % count)
print("libmigsim: %s (%s build)" % (migsim, build_type))
if repeat > 1:
    print("host s: the median of %d runs of each simulator, taken in turn" % repeat)
print("%-10s %-21s %12s %10s %10s %6s %10s %9s %8s %8s %8s %7s" % (
    "trace", "simulator", "cycles", "ACT", "PRE", "REF", "row hits", "rd lat", "GB/s",
    "wasted", "host s", "x"))
for i, (name, sim, r) in enumerate(rows):
    bw = count * LINE / (r["cycles"] * TCK_PS / 1000.0)
    ratio = ""
    if sim.startswith("libmigsim") and not rows[i - 1][1].startswith("libmigsim"):
        peer = rows[i - 1][2]
        ratio = "%.1f" % (peer["host_s"] / r["host_s"])
    print("%-10s %-21s %12s %10s %10s %6s %10s %9.1f %8.2f %8s %8.2f %7s" % (
        name, sim, f0(r["cycles"]), f0(r["act"]), f0(r["pre"]), f0(r["ref"]), f0(r["hits"]),
        r["rd_lat"], bw, f0(r["wasted"]), r["host_s"], ratio))
print()
print("libmigsim against each peer (percent of the peer's figure):")
for i in range(0, len(rows), 5):
    name = rows[i][0]
    for pi, li in ((i, i + 1), (i + 2, i + 3), (i, i + 4), (i + 2, i + 4)):
        p, r = rows[pi][2], rows[li][2]
        def d(k):
            if p[k] is None or r[k] is None or not p[k]:
                return "     -"
            return "%+6.2f%%" % (100.0 * (r[k] - p[k]) / p[k])
        print("  %-10s %-21s vs %-9s cycles %s  ACT %s  read latency %s" % (
            name, rows[li][1], rows[pi][1], d("cycles"), d("act"), d("rd_lat")))
EOF
