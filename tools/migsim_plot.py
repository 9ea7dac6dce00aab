#!/usr/bin/env python3
"""migsim_plot.py - figures from libmigsim statistics JSON (`migsim run --out`).

    migsim plot timeline STATS.json -o FIG.png|FIG.pdf [--data DATA.json] [--title TEXT]
    migsim plot compare RUN.json... -o FIG.png|FIG.pdf [--stats NAME,...] [--data DATA.json]

`migsim plot ...` runs this script (found beside the migsim program, where the
build copies it); it runs as well on its own: tools/migsim_plot.py timeline ...

timeline: the `series` section (a run with sim.epoch_ps set) drawn against
simulated time in four panels: the latency of each CPU (trace_player) and DMA
device per epoch (the average of the responses without a fault completed in
that epoch, from each source's cumulative latency_avg_ns, completed_reqs and
faulted_reqs); the copy's progress (cumulative copy_bytes of each migration
controller); memory bandwidth per epoch and the copy's part of it (bytes
entering memory: the `bytes` of the caches when there are any, else DRAM
read_bytes + written_bytes, as the controller's copy_share counts them); and
the copy's share of memory traffic per epoch. The series holds whole epochs;
when the run ended after its last one, the end of the run (sim.time_ps, with
the values of the stats section) is the last point. Every panel shades the migration
(mig.start_ps to mig.end_ps, to the last sample when it did not finish).

compare: one bar group per statistic (one panel each, with its own scale), one
bar per run, runs labelled by their file names without ".json". --stats names
the statistics (dotted names of the `stats` section); by default the
migration's duration and copy share, each source's latency during the
migration, the DRAM bandwidth and the lost writes, those every run has.

The figure's format follows the extension of -o (.png or .pdf). --data writes
the numbers drawn, read back from the figure's artists (each panel's title, its
lines' x and y, its bars' labels and heights, its shaded spans), as JSON.

Only Python 3, numpy and matplotlib (Debian python3-numpy, python3-matplotlib).
Exit status 0, or 2 on bad input with a message naming the file and JSON path.
"""
import json
import math
import os
import sys

USAGE = ("usage: migsim plot timeline STATS.json -o FIG.png|FIG.pdf [--data DATA.json] [--title TEXT]\n"
         "       migsim plot compare RUN.json... -o FIG.png|FIG.pdf [--stats NAME,...] "
         "[--data DATA.json]")


class PlotError(Exception):
    """Bad input: the message names the file and the JSON path."""


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise PlotError(f"{path}: {e.strerror}")
    except ValueError as e:
        raise PlotError(f"{path}: not JSON: {e}")
    if not isinstance(doc, dict) or not isinstance(doc.get("stats"), dict):
        raise PlotError(f"{path}: $.stats: missing; not a statistics file of migsim run --out")
    return doc


def comps_with(names, *suffixes):
    """Component names X for which every X.suffix is among names, in order of appearance."""
    out = []
    for n in names:
        comp, _, stat = n.partition(".")
        if stat == suffixes[0] and comp not in out and all(f"{comp}.{s}" in names for s in suffixes):
            out.append(comp)
    return out


def num(v):
    return float("nan") if v is None else float(v)


def epoch_latency_ns(series, comp):
    """Average latency (ns) of the responses without a fault completed in each epoch; nan if none."""
    avg = [num(v) for v in series[f"{comp}.latency_avg_ns"]]
    ok = [num(d) - num(f) for d, f in zip(series[f"{comp}.completed_reqs"], series[f"{comp}.faulted_reqs"])]
    out, prev_sum, prev_ok = [], 0.0, 0.0
    for a, n in zip(avg, ok):
        s = a * n if n > 0 else 0.0
        out.append((s - prev_sum) / (n - prev_ok) if n > prev_ok else float("nan"))
        prev_sum, prev_ok = s, n
    return out


def deltas(values):
    out, prev = [], 0.0
    for v in values:
        out.append(num(v) - prev)
        prev = num(v)
    return out


def summed(series, names):
    return [sum(num(series[n][i]) for n in names) for i in range(len(series["time_ps"]))]


def timeline_data(path, doc):
    """The four panels' curves: {panel: [(label, x_ms, y)]}, the spans and the x axis."""
    series = doc.get("series")
    if not isinstance(series, dict) or not isinstance(series.get("time_ps"), list) or not series["time_ps"]:
        raise PlotError(f"{path}: $.series: no time series (run with --set sim.epoch_ps=PS)")
    names = list(series)
    for n in names:
        if n != "epoch_ps" and (not isinstance(series[n], list) or len(series[n]) != len(series["time_ps"])):
            raise PlotError(f"{path}: $.series[\"{n}\"]: not an array of {len(series['time_ps'])} samples")
    # the series holds whole epochs; the end of the run (sim.time_ps, the stats section) closes it
    end = (doc.get("sim") or {}).get("time_ps")
    stats = doc["stats"]
    if isinstance(end, (int, float)) and end > series["time_ps"][-1] and \
            all(n in stats for n in names if n not in ("epoch_ps", "time_ps")):
        series = {n: (v if n == "epoch_ps" else v + [end if n == "time_ps" else stats[n]])
                  for n, v in series.items()}
    t_ps = [num(v) for v in series["time_ps"]]
    x_ms = [t / 1e9 for t in t_ps]
    dt_ps = deltas(t_ps)

    def need(what, comps, stat_names):
        if not comps:
            raise PlotError(f"{path}: $.series: no {what} (statistics {', '.join(stat_names)} of one "
                            "component); sample them with sim.epoch_stats, or leave it empty for all")
        return comps

    lat = ("latency_avg_ns", "completed_reqs", "faulted_reqs")
    cpus = comps_with(names, "records", *lat)
    dmas = comps_with(names, "arrived_records", *lat)
    need("CPU or DMA latency", cpus + dmas, lat)
    migs = need("migration controller", comps_with(names, "copy_bytes"), ("copy_bytes",))
    caches = comps_with(names, "bytes", "hit_rate")
    drams = comps_with(names, "read_bytes", "written_bytes")
    if caches:
        mem_names = [f"{c}.bytes" for c in caches]
    else:
        mem_names = [f"{d}.{s}" for d in need("memory (llc bytes or dram read_bytes, written_bytes)",
                                               drams, ("read_bytes", "written_bytes"))
                     for s in ("read_bytes", "written_bytes")]
    mem = deltas(summed(series, mem_names))
    copy = deltas(summed(series, [f"{m}.copy_bytes" for m in migs]))

    def gbps(d):  # bytes per ps x 1000 = GB/s
        return [b / t * 1000.0 if t > 0 else float("nan") for b, t in zip(d, dt_ps)]

    panels = {
        "latency": [(f"{c} (CPU)", x_ms, epoch_latency_ns(series, c)) for c in cpus] +
                   [(f"{c} (DMA)", x_ms, epoch_latency_ns(series, c)) for c in dmas],
        "progress": [(f"{m}.copy_bytes", x_ms, [num(v) / 2**20 for v in series[f"{m}.copy_bytes"]])
                     for m in migs],
        "bandwidth": [("memory (" + ", ".join(caches or drams) + ")", x_ms, gbps(mem)),
                      ("copy", x_ms, gbps(copy))],
        "share": [("copy / memory", x_ms, [c / m if m > 0 else float("nan") for c, m in zip(copy, mem)])],
    }
    spans = []
    for m in migs:
        start, end = stats.get(f"{m}.start_ps"), stats.get(f"{m}.end_ps")
        if start is None or end is None:
            raise PlotError(f"{path}: $.stats[\"{m}.start_ps\"], $.stats[\"{m}.end_ps\"]: missing")
        if num(start) > 0 and num(start) <= t_ps[-1]:  # a migration that began
            spans.append((m, num(start) / 1e9, (num(end) if num(end) > 0 else t_ps[-1]) / 1e9))
    return panels, spans


def pyplot():
    """matplotlib.pyplot drawing to files (imported once the input is known good: it takes a second)."""
    try:
        import matplotlib
        import numpy  # noqa: F401 (figure_data reads the artists through it)
    except ImportError as e:
        raise PlotError(f"{e.name} is not installed for {sys.executable} (Debian: apt-get install "
                        "python3-matplotlib python3-numpy; migsim plot runs the Python named by "
                        "MIGSIM_PYTHON, else python3)")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def figure_timeline(path, doc, title):
    panels, spans = timeline_data(path, doc)
    plt = pyplot()
    fig, axes = plt.subplots(4, 1, sharex=True, figsize=(8, 9), constrained_layout=True)
    labels = {"latency": ("latency per epoch", "ns (log)"), "progress": ("copy progress", "MiB copied (read + written)"),
              "bandwidth": ("memory bandwidth per epoch", "GB/s"), "share": ("copy's share of memory traffic", "ratio")}
    for ax, (key, curves) in zip(axes, panels.items()):
        for label, x, y in curves:  # markers show the epochs of sources with few responses
            ax.plot(x, y, label=label, linewidth=1.0, marker="." if key == "latency" else None, markersize=3)
        for i, (mig, x0, x1) in enumerate(spans):
            ax.axvspan(x0, x1, color="tab:orange", alpha=0.15, gid="migration",
                       label=f"{mig} migrating" if key == "latency" else None)
        ax.set_title(labels[key][0], fontsize=10)
        ax.set_ylabel(labels[key][1])
        ax.grid(True, alpha=0.3)
        if key == "latency":
            ax.set_yscale("log")
        if key in ("latency", "bandwidth"):
            ax.legend(fontsize=8, loc="upper right")
    axes[-1].set_xlabel("simulated time (ms)")
    fig.suptitle(title or os.path.basename(path))
    return fig


def default_compare_stats(docs):
    names = list(docs[0][1]["stats"])
    want = [f"{m}.{s}" for m in comps_with(names, "copy_bytes") for s in ("duration_ps", "copy_share")]
    want += [f"{c}.latency_during_avg_ns" for c in comps_with(names, "latency_during_avg_ns")]
    want += [f"{d}.bandwidth_gbps" for d in comps_with(names, "read_bytes", "bandwidth_gbps")]
    want += [f"{m}.lost_writes" for m in comps_with(names, "lost_writes")]
    return [n for n in want if all(n in d["stats"] for _, d in docs)]


def figure_compare(docs, stat_names):
    for n in stat_names:
        for path, d in docs:
            if n not in d["stats"]:
                raise PlotError(f"{path}: $.stats[\"{n}\"]: no such statistic (migsim describe lists them)")
    if not stat_names:
        raise PlotError("no statistic to compare: name some with --stats")
    plt = pyplot()
    runs = [os.path.splitext(os.path.basename(p))[0] for p, _ in docs]
    cols = min(3, len(stat_names))
    rows = math.ceil(len(stat_names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols + 1, 2.8 * rows + 0.6),
                             constrained_layout=True, squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, n in enumerate(stat_names):
        ax = axes[k // cols][k % cols]
        heights = [num(d["stats"][n]) for _, d in docs]
        ax.bar(range(len(runs)), heights, color=[colors[i % len(colors)] for i in range(len(runs))],
               label=n, tick_label=runs)
        ax.set_title(n, fontsize=9)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
        ax.grid(True, axis="y", alpha=0.3)
    for k in range(len(stat_names), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    return fig


def figure_data(fig):
    """What the figure draws, read back from its artists."""
    import numpy as np
    from matplotlib.container import BarContainer

    def clean(values):
        return [None if not np.isfinite(v) else float(v) for v in np.asarray(values, dtype=float)]

    out = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        panel = {"title": ax.get_title(), "ylabel": ax.get_ylabel(), "lines": [], "bars": [], "spans": []}
        for line in ax.get_lines():
            panel["lines"].append({"label": line.get_label(), "x": clean(line.get_xdata()),
                                   "y": clean(line.get_ydata())})
        ticks = {round(float(t), 6): lab.get_text() for t, lab in zip(ax.get_xticks(), ax.get_xticklabels())}
        for cont in ax.containers:
            if isinstance(cont, BarContainer):
                for r in cont.patches:
                    x = r.get_x() + r.get_width() / 2
                    panel["bars"].append({"label": ticks.get(round(x, 6), ""), "x": x,
                                          "height": clean([r.get_height()])[0]})
        for p in ax.patches:
            if p.get_gid() == "migration":
                xs = np.asarray(p.get_xy())[:, 0]
                panel["spans"].append({"x0": float(xs.min()), "x1": float(xs.max())})
        out.append(panel)
    return {"panels": out}


def main(argv):
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if argv else 2
    kind, rest = argv[0], argv[1:]
    if kind not in ("timeline", "compare"):
        print(f"migsim plot: unknown figure \"{kind}\"\n{USAGE}", file=sys.stderr)
        return 2
    out = data = title = None
    stat_names = None
    files = []
    i = 0
    while i < len(rest):
        a = rest[i]
        if a in ("-o", "--out", "--data", "--title", "--stats") and i + 1 < len(rest):
            v = rest[i + 1]
            i += 2
            if a in ("-o", "--out"):
                out = v
            elif a == "--data":
                data = v
            elif a == "--title":
                title = v
            else:
                stat_names = [s for s in v.split(",") if s]
            continue
        if a.startswith("-"):
            print(f"migsim plot: unknown or incomplete option \"{a}\"\n{USAGE}", file=sys.stderr)
            return 2
        files.append(a)
        i += 1
    if not out or not files or (kind == "timeline" and len(files) != 1) or \
            (kind == "timeline" and stat_names is not None) or (kind == "compare" and title is not None):
        print(USAGE, file=sys.stderr)
        return 2
    ext = os.path.splitext(out)[1].lower()
    if ext not in (".png", ".pdf"):
        print(f"migsim plot: {out}: the figure's name must end in .png or .pdf", file=sys.stderr)
        return 2
    try:
        docs = [(p, load(p)) for p in files]
        if kind == "timeline":
            fig = figure_timeline(files[0], docs[0][1], title)
        else:
            fig = figure_compare(docs, default_compare_stats(docs) if stat_names is None else stat_names)
        fig.savefig(out, format=ext[1:], dpi=110)
        if data:
            with open(data, "w", encoding="utf-8") as f:
                json.dump(figure_data(fig), f, indent=1)
                f.write("\n")
    except PlotError as e:
        print(f"migsim plot: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"migsim plot: {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
