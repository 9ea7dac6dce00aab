/*
 * testutil/migplat.h - the migration platform in a test, scaled down to a
 * 1 MiB page of 16 subpages with short traces (run it, read it and refuse
 * configurations with testutil/sim.h).
 *
 * Include after <cmocka.h> (failures are CMocka failures).
 */
#ifndef MIGSIM_TESTUTIL_MIGPLAT_H
#define MIGSIM_TESTUTIL_MIGPLAT_H

#include <stddef.h>

#include "dram/dram.h"
#include "testutil/sim.h"

/*
 * The time the copy of `bytes` from DRAM takes by the model the no-traffic
 * timing tests use: one 64-byte burst per tBL on dram0's data bus, which
 * refresh takes away tRFC of every tREFI (the copy's writes stay in the
 * cache), in ps.
 */
static inline double migplat_copy_ps(migsim_sim_t *sim, uint64_t bytes)
{
    const dram_t *d = (const dram_t *)migsim_sim_find(sim, "dram0");
    double burst_ps = (double)dram_tBL(&d->t) * d->t.tCK_ps;
    double refresh = (double)d->t.tREFI / (double)(d->t.tREFI - d->t.tRFC);
    return (double)bytes / 64 * burst_ps * refresh;
}

/*
 * The embedded `platform` ("migration" or "tiered", which differ in memory
 * only) scaled to a 1 MiB page and short traces, plus `extra` overrides.
 */
static inline migsim_sim_t *migplat_make_on(const char *platform, const char *const *extra, size_t n)
{
    static const char *const base[] = {
        "mig.page_bytes=\"1MiB\"", "mig.start_ps=2000000",
        "cpu0.gen_range_bytes=\"1MiB\"", "cpu0.gen_count=3000", "cpu0.gen_gap_ps=20000",
        "nic0.gen_range_bytes=\"1MiB\"", "nic0.gen_ring_entries=64", "nic0.gen_count=600",
        "nic0.gen_gap_ps=200000", "disk0.gen_range_bytes=\"1MiB\"", "disk0.gen_block_bytes=4096",
        "disk0.gen_count=200", "disk0.gen_gap_ps=300000",
    };
    return tu_make(platform, base, sizeof base / sizeof base[0], extra, n);
}

/* The migration platform scaled to a 1 MiB page and short traces, plus `extra` overrides. */
static inline migsim_sim_t *migplat_make(const char *const *extra, size_t n)
{
    return migplat_make_on("migration", extra, n);
}

#endif /* MIGSIM_TESTUTIL_MIGPLAT_H */
