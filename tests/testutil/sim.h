/*
 * testutil/sim.h - building and running a simulation from a test: an
 * embedded platform with two lists of overrides, a statistic by name, a run
 * to the end (each fails the test with the library's message on an error),
 * a configuration that must be refused with a given message, and the
 * migration platform with components and links added, as a file.
 */
#ifndef MIGSIM_TESTUTIL_SIM_H
#define MIGSIM_TESTUTIL_SIM_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "migsim/errors.h"
#include "migsim/sim.h"

/*
 * The embedded `platform`, or the configuration file `path` (one of the two
 * NULL), with the overrides `base` then `extra` (at most 64 in all).
 */
static inline migsim_sim_t *tu_make_ex(const char *platform, const char *path,
                                       const char *const *base, size_t nbase,
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
    if (migsim_sim_create_ex(&sim, platform, path, sets, k, 0) != 0)
        fail_msg("%s", migsim_errmsg());
    return sim;
}

/* The embedded `platform` with the overrides `base` then `extra`. */
static inline migsim_sim_t *tu_make(const char *platform, const char *const *base, size_t nbase,
                                    const char *const *extra, size_t n)
{
    return tu_make_ex(platform, NULL, base, nbase, extra, n);
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

/*
 * The embedded `platform`, or the configuration file `path` (one of the two
 * NULL), with only `sets` must be refused with exactly `want`.
 */
static inline void tu_expect_error_ex(const char *platform, const char *path,
                                      const char *const *sets, size_t n, const char *want)
{
    migsim_sim_t *sim = (migsim_sim_t *)&sim; /* not NULL: a refusal must clear it */
    migsim_error_clear();
    int rc = migsim_sim_create_ex(&sim, platform, path, sets, n, 0);
    if (rc == 0) {
        migsim_sim_destroy(sim);
        fail_msg("accepted; expected \"%s\"", want);
    }
    assert_int_equal(rc, MIGSIM_ECONFIG);
    assert_null(sim);
    assert_string_equal(migsim_errmsg(), want);
}

/* The embedded `platform` with only `sets` must be refused with exactly `want`. */
static inline void tu_expect_error(const char *platform, const char *const *sets, size_t n,
                                   const char *want)
{
    tu_expect_error_ex(platform, NULL, sets, n, want);
}

/*
 * Write to `path` (a name made from `stem` and the process id) the migration
 * platform with the components `comps` and the links `links` (JSON members
 * and array elements, without the outer brackets) added to its own.
 */
static inline void tu_platform_plus(char *path, size_t cap, const char *stem, const char *comps,
                                    const char *links)
{
    const char *base = migsim_platform_config("migration");
    const char *c = strstr(base, "\"components\": {"), *l = strstr(base, "\"links\": [");
    assert_non_null(c);
    assert_non_null(l);
    c += strlen("\"components\": {");
    l += strlen("\"links\": [");
    snprintf(path, cap, "/tmp/%s_%d.json", stem, (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%.*s %s, %.*s %s, %s", (int)(c - base), base, comps, (int)(l - c), c, links, l);
    fclose(f);
}

#endif /* MIGSIM_TESTUTIL_SIM_H */
