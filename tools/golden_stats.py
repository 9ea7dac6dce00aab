#!/usr/bin/env python3
"""golden_stats.py - the reference statistics of every example configuration.

Every configuration of bench/configs/ and every embedded platform run scaled
down (a 16 MiB page, tens of thousands of records: under a second each), and
their statistics JSON, without the "host" section that measures the host, is
kept in tests/golden/NAME.json with the run's exit status. The test suite
runs this script: a change to any simulated number fails it, unless the same
commit renews the files (and its message says which numbers moved and why).

    tools/golden_stats.py MIGSIM [--update] [NAME...]

Without --update: runs each case and exits 1 when its statistics or exit
status differ from the file, listing the statistics that moved (reference ->
now). With --update: writes the files instead. NAME picks cases (default all).
"""
import json
import os
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(TOP, "tests", "golden")

# The migration platform scaled to a 16 MiB page; the generators follow the page.
SCALE = ["mig.page_bytes=16MiB", "mig.start_ps=2000000000", "cpu0.gen_count=20000",
         "nic0.gen_count=40000", "disk0.gen_count=400"]


# Configurations with a footprint of many pages keep their pages and scale their traces instead.
TRACES_ONLY = ["cpu0.gen_count=200000", "nic0.gen_count=20000", "disk0.gen_count=200"]


def cases():
    """(name, migsim run arguments) of every case, in a fixed order."""
    out = [("platform_dram", ["--platform", "dram", "--set", "cpu0.gen_count=20000"]),
           ("platform_migration", ["--platform", "migration"] +
            [a for s in SCALE for a in ("--set", s)]),
           ("platform_tiered", ["--platform", "tiered"] +
            [a for s in SCALE for a in ("--set", s)])]
    cfg_dir = os.path.join(TOP, "bench", "configs")
    for f in sorted(os.listdir(cfg_dir)):
        if f.endswith(".json"):
            with open(os.path.join(cfg_dir, f), encoding="utf-8") as cf:
                scale = TRACES_ONLY if '"footprint_pages"' in cf.read() else SCALE
            out.append((f[:-5], ["--config", os.path.join("bench", "configs", f)] +
                        [a for s in scale for a in ("--set", s)]))
    return out


def run(migsim, args):
    with tempfile.TemporaryDirectory(prefix="golden.") as d:
        path = os.path.join(d, "stats.json")
        p = subprocess.run([migsim, "run", "--quiet", "--out", path] + args, cwd=TOP,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode not in (0, 1) or not os.path.exists(path):
            sys.stderr.write(p.stderr)
            raise SystemExit(f"golden_stats: migsim run {' '.join(args)}: exit status {p.returncode}")
        with open(path, encoding="utf-8") as f:
            stats = json.load(f)
    stats.pop("host", None)
    return {"args": args, "exit_status": p.returncode, "result": stats}


def flat(d, prefix=""):
    """Dotted paths to the leaves of a JSON value (arrays stay whole)."""
    if isinstance(d, dict):
        out = {}
        for k, v in d.items():
            out.update(flat(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): d}


def main():
    argv = sys.argv[1:]
    update = "--update" in argv
    argv = [a for a in argv if a != "--update"]
    if not argv or not os.access(argv[0], os.X_OK) or os.path.isdir(argv[0]):
        raise SystemExit("usage: golden_stats.py MIGSIM [--update] [NAME...]")
    migsim, names = os.path.abspath(argv[0]), set(argv[1:])
    todo = [c for c in cases() if not names or c[0] in names]
    if names - {c[0] for c in todo}:
        raise SystemExit(f"golden_stats: no case {sorted(names - {c[0] for c in todo})}")
    bad = 0
    for name, args in todo:
        now = run(migsim, args)
        path = os.path.join(GOLDEN, name + ".json")
        if update:
            os.makedirs(GOLDEN, exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                json.dump(now, f, indent=1, sort_keys=True)
                f.write("\n")
            continue
        if not os.path.exists(path):
            print(f"{name}: no reference statistics in {os.path.relpath(path, TOP)}")
            bad += 1
            continue
        with open(path, encoding="utf-8") as f:
            ref = json.load(f)
        if ref == now:
            continue
        bad += 1
        a, b = flat(ref), flat(now)
        moved = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        print(f"{name}: {len(moved)} values differ from {os.path.relpath(path, TOP)} "
              f"(migsim run {' '.join(args)}):")
        for k in moved[:40]:
            print(f"  {k}: {a.get(k, '(none)')} -> {b.get(k, '(none)')}")
        if len(moved) > 40:
            print(f"  ... and {len(moved) - 40} more")
    if update:
        print(f"golden_stats: {len(todo)} reference files written to {os.path.relpath(GOLDEN, TOP)}")
        return 0
    print(f"golden_stats: {len(todo)} cases, {bad} differ"
          + ("; if the change means to move them, run tools/golden_stats.py MIGSIM --update and "
             "say in the commit which numbers moved and why" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
