/*
 * testutil/migplat.h - the migration platform in a test: built scaled down
 * to a 1 MiB page of 16 subpages with short traces, run to the end, its
 * statistics read, and its configuration refused with an exact message.
 *
 * Include after <cmocka.h> (failures are CMocka failures).
 */
#ifndef MIGSIM_TESTUTIL_MIGPLAT_H
#define MIGSIM_TESTUTIL_MIGPLAT_H

#include <stddef.h>

#include "migsim/errors.h"
#include "migsim/sim.h"

/* The migration platform scaled to a 1 MiB page and short traces, plus `extra` overrides. */
static inline migsim_sim_t *migplat_make(const char *const *extra, size_t n)
{
    static const char *const base[] = {
        "mig.page_bytes=\"1MiB\"", "mig.start_ps=2000000",
        "cpu0.gen_range_bytes=\"1MiB\"", "cpu0.gen_count=3000", "cpu0.gen_gap_ps=20000",
        "nic0.gen_range_bytes=\"1MiB\"", "nic0.gen_ring_entries=64", "nic0.gen_count=600",
        "nic0.gen_gap_ps=200000", "disk0.gen_range_bytes=\"1MiB\"", "disk0.gen_block_bytes=4096",
        "disk0.gen_count=200", "disk0.gen_gap_ps=300000",
    };
    const char *sets[64];
    size_t k = 0;
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
        sets[k++] = base[i];
    for (size_t i = 0; i < n && k < sizeof sets / sizeof sets[0]; i++)
        sets[k++] = extra[i];
    migsim_sim_t *sim;
    if (migsim_sim_create_platform(&sim, "migration", sets, k) != 0)
        fail_msg("%s", migsim_errmsg());
    return sim;
}

/* A statistic by its dotted name; the test fails when there is none. */
static inline double migplat_stat(migsim_sim_t *sim, const char *name)
{
    double v;
    if (migsim_sim_stat(sim, name, &v) != 0)
        fail_msg("%s", migsim_errmsg());
    return v;
}

/* Run to the end; the test fails when the run does. */
static inline void migplat_run(migsim_sim_t *sim)
{
    if (migsim_sim_run(sim, MIGSIM_TICK_MAX) != 0)
        fail_msg("%s", migsim_errmsg());
}

/* The migration platform with only `sets` must be refused with exactly `want`. */
static inline void migplat_expect_error(const char *const *sets, size_t n, const char *want)
{
    migsim_sim_t *sim = (migsim_sim_t *)&sim; /* not NULL: a refusal must clear it */
    migsim_error_clear();
    int rc = migsim_sim_create_platform(&sim, "migration", sets, n);
    if (rc == 0) {
        migsim_sim_destroy(sim);
        fail_msg("accepted; expected \"%s\"", want);
    }
    assert_int_equal(rc, MIGSIM_ECONFIG);
    assert_null(sim);
    assert_string_equal(migsim_errmsg(), want);
}

#endif /* MIGSIM_TESTUTIL_MIGPLAT_H */
