/*
 * test_determinism.c - a seed fixes a run bit for bit.
 *
 * The default platform (a trace_player "cpu0" driving a "dram0"), kept small
 * with cpu0.gen_count=20000, is built and run twice with the same seed: the
 * statistics JSON (without the "host" section) must be identical byte for
 * byte. With another seed it must differ. The same holds for two runs of the
 * migsim program, whose output files are compared up to the "host" section,
 * the only one that holds wall-clock time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migsim/errors.h"
#include "migsim/sim.h"

#define SMALL "cpu0.gen_count=20000"

/* Build the default platform with `overrides`, run it to the end, return its stats JSON. */
static char *run_stats(const char *const *overrides, size_t n)
{
    migsim_sim_t *s = NULL;
    int rc = migsim_sim_create_platform(&s, "dram", overrides, n);
    if (rc)
        print_message("create: %s\n", migsim_errmsg());
    assert_int_equal(rc, 0);
    assert_non_null(s);
    assert_int_equal(migsim_sim_run(s, MIGSIM_TICK_MAX), 0);
    assert_true(migsim_sim_done(s));
    double done = 0;
    assert_int_equal(migsim_sim_stat(s, "cpu0.completed_reqs", &done), 0);
    assert_true(done == 20000.0);
    char *json = migsim_sim_stats_json(s, -1.0);
    assert_non_null(json);
    assert_null(strstr(json, "\"host\""));
    migsim_sim_destroy(s);
    return json;
}

/* What the progress function saw: how often it was called, and the simulated times. */
typedef struct seen_s {
    unsigned calls;
    migsim_tick_t last, every;
    bool late;  /* a call later than every_ps after the one before, or out of order */
} seen_t;

static void on_progress(migsim_sim_t *sim, void *ctx)
{
    seen_t *s = ctx;
    migsim_tick_t now = migsim_sim_now(sim);
    if (now != s->last + s->every)
        s->late = true;
    s->last = now;
    s->calls++;
}

/*
 * A progress function every 5 us is called at 5, 10, 15 us ... of simulated
 * time, one call per period up to the end, and changes no statistic.
 */
static void test_progress_reports(void **state)
{
    (void)state;
    const char *ovr[] = { SMALL };
    char *plain = run_stats(ovr, 1);
    migsim_sim_t *s = NULL;
    assert_int_equal(migsim_sim_create_platform(&s, "dram", ovr, 1), 0);
    seen_t seen = { .every = 5 * MIGSIM_PS_PER_US };
    assert_int_equal(migsim_sim_set_progress(s, 0, on_progress, &seen), MIGSIM_EINVAL);
    assert_int_equal(migsim_sim_set_progress(s, seen.every, on_progress, &seen), 0);
    assert_int_equal(migsim_sim_run(s, MIGSIM_TICK_MAX), 0);
    migsim_tick_t end = migsim_sim_now(s);
    print_message("%u progress calls over %.3f us\n", seen.calls, (double)end / 1e6);
    assert_false(seen.late);
    assert_int_equal(seen.calls, (end - 1) / seen.every); /* every period that ended before the end */
    assert_true(seen.calls > 10);
    migsim_sim_progress(s); /* not due: no call */
    assert_int_equal(seen.calls, (end - 1) / seen.every);
    char *json = migsim_sim_stats_json(s, -1.0);
    assert_string_equal(json, plain);
    free(json);
    free(plain);
    migsim_sim_destroy(s);
}

static void test_same_seed_same_json(void **state)
{
    (void)state;
    const char *ovr[] = { SMALL };
    char *a = run_stats(ovr, 1);
    char *b = run_stats(ovr, 1);
    assert_string_equal(a, b);
    /* the run did something: time advanced and DRAM served reads */
    assert_non_null(strstr(a, "\"dram0.read_reqs\""));
    assert_null(strstr(a, "\"time_ps\":\t0,"));
    free(a);
    free(b);
}

static void test_seed_is_the_default_seed(void **state)
{
    (void)state;
    /* the default platform's seed is 1: giving it explicitly changes nothing */
    const char *dflt[] = { SMALL };
    const char *one[] = { SMALL, "sim.seed=1" };
    char *a = run_stats(dflt, 1);
    char *b = run_stats(one, 2);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void test_other_seed_other_json(void **state)
{
    (void)state;
    const char *one[] = { SMALL };
    const char *two[] = { SMALL, "sim.seed=2" };
    char *a = run_stats(one, 1);
    char *b = run_stats(two, 2);
    assert_string_not_equal(a, b);
    assert_non_null(strstr(b, "\"seed\":\t2"));
    /* the seed is not just echoed: the simulated outcome differs too */
    const char *sa = strstr(a, "\"stats\"");
    const char *sb = strstr(b, "\"stats\"");
    assert_non_null(sa);
    assert_non_null(sb);
    assert_string_not_equal(sa, sb);
    free(a);
    free(b);
}

/* Contents of `path` up to the line holding "host" (the whole file if none). */
static char *read_until_host(const char *path, int *saw_host)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    char line[4096];
    *saw_host = 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "\"host\"")) {
            *saw_host = 1;
            break;
        }
        size_t n = strlen(line);
        if (len + n + 1 > cap) {
            cap = 2 * (len + n + 1);
            text = realloc(text, cap);
            assert_non_null(text);
        }
        memcpy(text + len, line, n);
        len += n;
    }
    text[len] = '\0';
    fclose(f);
    return text;
}

static void test_cli_twice_same_stats(void **state)
{
    (void)state;
    char dir[] = "/tmp/migsim_det_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char a[256], b[256], c[256], cmd[1024];
    snprintf(a, sizeof a, "%s/a.json", dir);
    snprintf(b, sizeof b, "%s/b.json", dir);
    snprintf(c, sizeof c, "%s/c.json", dir);
    snprintf(cmd, sizeof cmd, "'%s' run --quiet --platform dram --set " SMALL " --out '%s' >/dev/null", MIGSIM_CLI, a);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s' run --quiet --platform dram --set " SMALL " --out '%s' >/dev/null", MIGSIM_CLI, b);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s' run --quiet --platform dram --set " SMALL " --set sim.seed=2 --out '%s' >/dev/null",
             MIGSIM_CLI, c);
    assert_int_equal(system(cmd), 0);
    int ha, hb, hc;
    char *ta = read_until_host(a, &ha);
    char *tb = read_until_host(b, &hb);
    char *tc = read_until_host(c, &hc);
    assert_true(ha && hb && hc);
    assert_true(strlen(ta) > 200);
    assert_string_equal(ta, tb);
    assert_string_not_equal(ta, tc);
    /* the library gives the same statistics as the program */
    const char *ovr[] = { SMALL };
    char *lib = run_stats(ovr, 1);
    const char *la = strstr(ta, "\"sim\"");
    const char *ll = strstr(lib, "\"sim\"");
    assert_non_null(la);
    assert_non_null(ll);
    /* the library run's text ends with the closing brace where the file has "host" */
    size_t n = strlen(la);
    assert_true(strlen(ll) >= n);
    assert_memory_equal(la, ll, n - 2); /* up to the comma that precedes "host" */
    free(lib);
    free(ta);
    free(tb);
    free(tc);
    unlink(a);
    unlink(b);
    unlink(c);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_json),
        cmocka_unit_test(test_seed_is_the_default_seed),
        cmocka_unit_test(test_other_seed_other_json),
        cmocka_unit_test(test_cli_twice_same_stats),
        cmocka_unit_test(test_progress_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
