/*
 * testutil/sim.h - building and running a simulation from a test: an
 * embedded platform with two lists of overrides, a statistic by name, a run
 * to the end (each fails the test with the library's message on an error),
 * and a configuration that must be refused with a given message.
 */
#ifndef MIGSIM_TESTUTIL_SIM_H
#define MIGSIM_TESTUTIL_SIM_H

#include "migsim/errors.h"
#include "migsim/sim.h"

/* The embedded `platform` with the overrides `base` then `extra` (at most 64 in all). */
static inline migsim_sim_t *tu_make(const char *platform, const char *const *base, size_t nbase,
                                    const char *const *extra, size_t n)
{
    const char *sets[64];
    size_t k = 0;
    assert_true(nbase + n <= 64);
    for (size_t i = 0; i < nbase; i++)
        sets[k++] = base[i];
    for (size_t i = 0; i < n; i++)
        sets[k++] = extra[i];
    migsim_sim_t *sim;
    if (migsim_sim_create_platform(&sim, platform, sets, k) != 0)
        fail_msg("%s", migsim_errmsg());
    return sim;
}

/* Statistic `name` ("comp.stat"). */
static inline double tu_stat(migsim_sim_t *sim, const char *name)
{
    double v;
    if (migsim_sim_stat(sim, name, &v) != 0)
        fail_msg("%s", migsim_errmsg());
    return v;
}

/* Run until idle. */
static inline void tu_run(migsim_sim_t *sim)
{
    if (migsim_sim_run(sim, MIGSIM_TICK_MAX) != 0)
        fail_msg("%s", migsim_errmsg());
}

/* The embedded `platform` with only `sets` must be refused with exactly `want`. */
static inline void tu_expect_error(const char *platform, const char *const *sets, size_t n,
                                   const char *want)
{
    migsim_sim_t *sim = (migsim_sim_t *)&sim; /* not NULL: a refusal must clear it */
    migsim_error_clear();
    int rc = migsim_sim_create_platform(&sim, platform, sets, n);
    if (rc == 0) {
        migsim_sim_destroy(sim);
        fail_msg("accepted; expected \"%s\"", want);
    }
    assert_int_equal(rc, MIGSIM_ECONFIG);
    assert_null(sim);
    assert_string_equal(migsim_errmsg(), want);
}

#endif /* MIGSIM_TESTUTIL_SIM_H */
