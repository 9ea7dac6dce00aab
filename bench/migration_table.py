#!/usr/bin/env python3
"""migration_table.py - one row per migration run, from bench/run_migration.sh's statistics.

    bench/migration_table.py OUT_DIR NAME... [--markdown]

Reads OUT_DIR/mig_NAME.json for each NAME, prints the table and writes
OUT_DIR/migration_summary.json. Columns, all from the statistics JSON:

  migration_ms       mig.duration_ps: block 200 to the end, simulated ms
  cpu_during_ns      mean latency of the CPU sources' requests completed while migrating
  cpu_stall_ms       summed over CPU MMUs: time accesses waited on faults (fault_stall_ps),
                     time cores ran shootdown handlers instead of their trace
                     (shootdown_stall_ps) and time they were held by firmware (stopped_ps)
  dma_during_ns      mean latency of the DMA devices' requests completed while migrating
  dev_paused_ms      the longest time a DMA device was suspended (suspended_ps)
  dma_dropped        records the DMA devices dropped (buffer full while suspended or held)
  extra_mib          memory traffic the mechanism added: the copy's bytes (pre-copy's
                     recopies included) read and written, and the chip's second writes (MiB);
                     pre-copy's dirty-bit harvests are charged as time, not traffic
  calls              hypervisor calls plus firmware calls (SMIs)
  shootdowns         TLB shootdowns (each to every CPU MMU)
  lost               lines whose last write is not at its final place (the oracle)
  host_s, rec_per_s  host wall time, trace records pulled per host second
"""
import json
import os
import sys

MiB = 1 << 20


def comps(stats, key):
    """Components having statistic `key`."""
    return sorted({k[:-len(key) - 1] for k in stats if k.endswith("." + key)})


def during_avg(stats, sources):
    sources = [s for s in sources if stats[s + ".latency_during_avg_ns"] is not None]
    n = sum(stats[s + ".completed_during_reqs"] for s in sources)
    if not n:
        return None
    return sum(stats[s + ".latency_during_avg_ns"] * stats[s + ".completed_during_reqs"]
               for s in sources) / n


def row(j):
    s, h = j["stats"], j["host"]
    g = lambda k: s.get(k, 0)
    dma = comps(s, "suspended_ps")            # DMA devices
    cpu = [c for c in comps(s, "latency_during_avg_ns") if c not in dma]
    mmus = comps(s, "fault_stall_ps")
    recs = sum(v for k, v in s.items() if k.endswith(".records") or k.endswith(".arrived_records"))
    stall = sum(g(m + ".fault_stall_ps") + g(m + ".shootdown_stall_ps") + g(m + ".stopped_ps")
                for m in mmus)
    extra = g("mig.copy_bytes") + sum(g(c + ".extra_bytes_written")
                                        for c in comps(s, "dual_writes"))
    return {
        "migration_ms": g("mig.duration_ps") / 1e9 if g("mig.end_ps") else None,
        "cpu_during_ns": during_avg(s, cpu),
        "cpu_stall_ms": stall / 1e9,
        "dma_during_ns": during_avg(s, dma),
        "dev_paused_ms": max([g(d + ".suspended_ps") for d in dma] or [0]) / 1e9,
        "dma_dropped": sum(g(d + ".dropped_records") for d in dma),
        "extra_mib": extra / MiB,
        "calls": g("mig.hypervisor_calls") + g("mig.fw_smis"),
        "shootdowns": g("mig.shootdowns"),
        "lost": g("mig.lost_writes"),
        "host_s": h["wall_s"],
        "rec_per_s": recs / h["wall_s"],
        "peak_rss_mib": h["peak_rss_kib"] / 1024,
    }


COLS = ["migration_ms", "cpu_during_ns", "cpu_stall_ms", "dma_during_ns", "dev_paused_ms",
        "dma_dropped",
        "extra_mib", "calls", "shootdowns", "lost", "host_s", "rec_per_s"]


def cell(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "%.3f" % v if abs(v) < 100 else "%.0f" % v
    return str(v)


def main(argv):
    md = "--markdown" in argv
    args = [a for a in argv if a != "--markdown"]
    if len(args) < 2:
        raise SystemExit(__doc__)
    out, names = args[0], args[1:]
    rows = {}
    for n in names:
        with open(os.path.join(out, "mig_%s.json" % n), encoding="utf-8") as f:
            rows[n] = row(json.load(f))
    with open(os.path.join(out, "migration_summary.json"), "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=2)
    if md:
        print("| run | " + " | ".join(COLS) + " |")
        print("|---|" + "---:|" * len(COLS))
        for n in names:
            print("| %s | %s |" % (n, " | ".join(cell(rows[n][c]) for c in COLS)))
    else:
        print("%-26s" % "run" + "".join("%14s" % c for c in COLS))
        for n in names:
            print("%-26s" % n + "".join("%14s" % cell(rows[n][c]) for c in COLS))
    bad = [n for n in names if (rows[n]["lost"] > 0) != ("unsafe" in n)]
    print()
    print("oracle: every safe run loses nothing and every unsafe run loses writes: %s" %
          ("PASS" if not bad else "FAIL (%s)" % ", ".join(bad)))
    if "segmented" in rows:
        r = rows["segmented"]["rec_per_s"]
        print("records/s with the oracle on (default scenario) %.0f >= 2,000,000: %s" %
              (r, "PASS" if r >= 2e6 else "FAIL"))
    if "4g" in rows:
        t = rows["4g"]["host_s"]
        print("4 GiB migration host time %.1f s < 60 s: %s" % (t, "PASS" if t < 60 else "FAIL"))
    print("summary: %s" % os.path.join(out, "migration_summary.json"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
