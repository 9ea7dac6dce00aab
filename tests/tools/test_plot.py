#!/usr/bin/env python3
"""test_plot.py - `migsim plot` (tools/migsim_plot.py) against the statistics it draws.

    test_plot.py MIGSIM PYTHON

MIGSIM is the built program (`migsim plot` runs the script copied beside it),
PYTHON a Python 3 with numpy and matplotlib, passed to it as MIGSIM_PYTHON.

The default migration scaled to a 16 MiB page, sampled every 50 us, is drawn as
a timeline (PNG and PDF); the numbers read back from the figure's artists
(--data) are checked against the statistics JSON, computed here on their own
way: each epoch's CPU and DMA latency from the cumulative sums, and their
weighted sum against the run's final average; the copy's progress and
bandwidth against mig.copy_bytes; memory bandwidth against llc0.bytes; the
share as copy over memory per epoch; the shaded span against mig.start_ps and
mig.end_ps. Every bench/configs policy, scaled to a 1 MiB page, is drawn as a
comparison: one panel per statistic, one bar per run, labelled with the file
names, heights equal to the statistics. Bad input exits with status 2 and a
message naming the file and JSON path.
"""
import json
import os
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCALE16 = ["mig.page_bytes=16MiB", "mig.start_ps=2000000000", "cpu0.gen_count=20000",
           "nic0.gen_count=40000", "disk0.gen_count=400"]
TRACES_ONLY = ["cpu0.gen_count=100000", "nic0.gen_count=10000", "disk0.gen_count=100"]
SCALE1 = ["mig.page_bytes=1MiB", "mig.start_ps=2000000", "cpu0.gen_range_bytes=1MiB", "cpu0.gen_count=3000",
          "cpu0.gen_gap_ps=20000", "nic0.gen_range_bytes=1MiB", "nic0.gen_ring_entries=64",
          "nic0.gen_count=1500", "nic0.gen_gap_ps=60000", "disk0.gen_range_bytes=1MiB",
          "disk0.gen_block_bytes=4096", "disk0.gen_count=200", "disk0.gen_gap_ps=300000"]
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def close(a, b, rel=1e-9):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def run(migsim, out, sets, config=None):
    args = [migsim, "run", "--quiet", "--out", out] + (["--config", config] if config else [])
    for s in sets:
        args += ["--set", s]
    p = subprocess.run(args, cwd=TOP, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise SystemExit(f"migsim run failed ({p.returncode}): {p.stderr}")
    with open(out, encoding="utf-8") as f:
        return json.load(f)


def plot(migsim, env, args):
    return subprocess.run([migsim, "plot"] + args, capture_output=True, text=True, env=env)


def panel(data, title):
    for p in data["panels"]:
        if p["title"] == title:
            return p
    raise SystemExit(f"no panel {title!r} in {[p['title'] for p in data['panels']]}")


def line(p, label):
    for ln in p["lines"]:
        if ln["label"] == label:
            return ln
    raise SystemExit(f"no line {label!r} in panel {p['title']!r}: {[ln['label'] for ln in p['lines']]}")


def check_timeline(doc, data):
    st = doc["stats"]
    # the whole epochs, then the end of the run with the final statistics
    end = doc["sim"]["time_ps"]
    check(end > doc["series"]["time_ps"][-1], "the run ends after its last whole epoch")
    s = {k: v + [end if k == "time_ps" else st[k]] for k, v in doc["series"].items() if k != "epoch_ps"}
    t = s["time_ps"]
    n = len(t)
    x_ms = [v / 1e9 for v in t]
    lat = panel(data, "latency per epoch")
    for comp, kind in (("cpu0", "CPU"), ("nic0", "DMA"), ("disk0", "DMA")):
        ln = line(lat, f"{comp} ({kind})")
        check(ln["x"] == x_ms, f"{comp}: latency x = time_ps / 1e9")
        # responses without a fault per epoch, and their latency sum, from the cumulative series
        ok = [s[f"{comp}.completed_reqs"][i] - s[f"{comp}.faulted_reqs"][i] for i in range(n)]
        tot = [(s[f"{comp}.latency_avg_ns"][i] or 0.0) * ok[i] for i in range(n)]
        total_sum, total_ok = 0.0, 0
        for i in range(n):
            d_ok = ok[i] - (ok[i - 1] if i else 0)
            d_sum = tot[i] - (tot[i - 1] if i else 0.0)
            want = d_sum / d_ok if d_ok > 0 else None
            if not close(ln["y"][i], want, 1e-6):
                check(False, f"{comp}: epoch {i}: latency {ln['y'][i]} != {want}")
                break
            if ln["y"][i] is not None:
                total_sum += ln["y"][i] * d_ok
                total_ok += d_ok
        final_ok = st[f"{comp}.completed_reqs"] - st[f"{comp}.faulted_reqs"]
        check(total_ok == final_ok, f"{comp}: epochs hold {total_ok} responses, the run {final_ok}")
        check(close(total_sum / total_ok, st[f"{comp}.latency_avg_ns"], 1e-6),
              f"{comp}: epoch latencies weighted {total_sum / total_ok} != latency_avg_ns "
              f"{st[f'{comp}.latency_avg_ns']}")
        check(any(v is not None and v > 0 for v in ln["y"]), f"{comp}: some latency drawn")
    prog = line(panel(data, "copy progress"), "mig.copy_bytes")
    check(prog["y"] == [v / 2**20 for v in s["mig.copy_bytes"]], "progress = copy_bytes in MiB")
    check(prog["y"][-1] == st["mig.copy_bytes"] / 2**20 == 32.0, "progress ends at the copy: 2 x 16 MiB")
    bw = panel(data, "memory bandwidth per epoch")
    mem, copy = line(bw, "memory (llc0)"), line(bw, "copy")
    dt = [t[i] - (t[i - 1] if i else 0) for i in range(n)]
    copied = sum(copy["y"][i] * dt[i] / 1000.0 for i in range(n))
    moved = sum(mem["y"][i] * dt[i] / 1000.0 for i in range(n))
    check(close(copied, st["mig.copy_bytes"], 1e-9), f"copy bandwidth x time {copied} = mig.copy_bytes")
    check(close(moved, st["llc0.bytes"], 1e-9), f"memory bandwidth x time {moved} = llc0.bytes")
    check(close(copy["y"][1], (s["mig.copy_bytes"][1] - s["mig.copy_bytes"][0]) / (t[1] - t[0]) * 1000),
          "copy bandwidth of epoch 1")
    share = line(panel(data, "copy's share of memory traffic"), "copy / memory")
    for i in range(n):
        want = copy["y"][i] / mem["y"][i] if mem["y"][i] else None
        if not close(share["y"][i], want):
            check(False, f"share of epoch {i}: {share['y'][i]} != {want}")
            break
    check(max(share["y"]) > 0.5, "the copy dominates memory traffic in some epoch")
    for p in data["panels"]:
        check(p["spans"] == [{"x0": st["mig.start_ps"] / 1e9, "x1": st["mig.end_ps"] / 1e9}],
              f"{p['title']}: migration shaded from mig.start_ps to mig.end_ps: {p['spans']}")


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: test_plot.py MIGSIM PYTHON")
    migsim, py = os.path.abspath(sys.argv[1]), sys.argv[2]
    env = dict(os.environ, MIGSIM_PYTHON=py)
    with tempfile.TemporaryDirectory(prefix="test_plot.") as d:
        stats = os.path.join(d, "default.json")
        doc = run(migsim, stats, SCALE16 + ["sim.epoch_ps=50000000"])
        for ext, magic in ((".png", b"\x89PNG"), (".pdf", b"%PDF")):
            fig, data = os.path.join(d, "timeline" + ext), os.path.join(d, "timeline" + ext + ".json")
            p = plot(migsim, env, ["timeline", stats, "-o", fig, "--data", data])
            check(p.returncode == 0, f"plot timeline {ext}: status {p.returncode}: {p.stderr}")
            if p.returncode == 0:
                with open(fig, "rb") as f:
                    check(f.read(4) == magic, f"{fig} is a {ext} file")
                with open(data, encoding="utf-8") as f:
                    check_timeline(doc, json.load(f))

        # a comparison of every example configuration
        cfg_dir = os.path.join(TOP, "bench", "configs")
        runs = []
        for f in sorted(os.listdir(cfg_dir)):
            if f.endswith(".json"):
                out = os.path.join(d, f)
                # a footprint of many pages keeps its pages: only its traces are shortened
                with open(os.path.join(cfg_dir, f), encoding="utf-8") as cf:
                    sc = TRACES_ONLY if '"footprint_pages"' in cf.read() else SCALE1
                runs.append((f[:-5], out, run(migsim, out, sc, os.path.join(cfg_dir, f))))
        names = ["mig.duration_ps", "cpu0.latency_during_avg_ns", "nic0.latency_avg_ns", "mig.lost_writes"]
        fig, data = os.path.join(d, "compare.png"), os.path.join(d, "compare.json")
        p = plot(migsim, env, ["compare"] + [r[1] for r in runs] + ["-o", fig, "--data", data,
                                                                      "--stats", ",".join(names)])
        check(p.returncode == 0, f"plot compare: status {p.returncode}: {p.stderr}")
        if p.returncode == 0:
            with open(data, encoding="utf-8") as f:
                got = json.load(f)
            check([q["title"] for q in got["panels"]] == names, "one panel per statistic, in order")
            for q in got["panels"]:
                check([b["label"] for b in q["bars"]] == [r[0] for r in runs],
                      f"{q['title']}: one bar per run, labelled by file: {[b['label'] for b in q['bars']]}")
                want = [r[2]["stats"][q["title"]] for r in runs]
                check([b["height"] for b in q["bars"]] == [None if w is None else float(w) for w in want],
                      f"{q['title']}: heights {[b['height'] for b in q['bars']]} = {want}")
            lost = {b["label"]: b["height"] for b in panel(got, "mig.lost_writes")["bars"]}
            check(lost["unsafe"] > 0 and lost["segmented"] == 0, f"lost writes drawn: {lost}")
        # by default: the statistics every run has, among them the migration's duration
        p = plot(migsim, env, ["compare"] + [r[1] for r in runs[:2]] + ["-o", fig + ".pdf", "--data", data])
        check(p.returncode == 0, f"plot compare (default statistics): {p.stderr}")
        with open(data, encoding="utf-8") as f:
            check(panel(json.load(f), "mig.duration_ps")["bars"][0]["label"] == runs[0][0], "default panels")

        # bad input: status 2, the file and JSON path named
        no_series = runs[0][1]
        for args, msg in (
                (["timeline", no_series, "-o", fig], f"{no_series}: $.series: no time series"),
                (["compare", no_series, "-o", fig, "--stats", "mig.nothing"],
                 f"{no_series}: $.stats[\"mig.nothing\"]: no such statistic"),
                (["timeline", os.path.join(d, "missing.json"), "-o", fig], "missing.json: No such file"),
                (["timeline", stats, "-o", os.path.join(d, "t.svg")], "must end in .png or .pdf"),
                (["timeline", os.path.join(cfg_dir, "segmented.json"), "-o", fig],
                 "segmented.json: $.stats: missing")):
            p = plot(migsim, env, args)
            check(p.returncode == 2 and msg in p.stderr, f"{args}: status {p.returncode}, {p.stderr!r}")
    print(f"test_plot: {len(FAILS)} failures")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
