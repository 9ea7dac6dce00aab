/*
 * test_cmd_sweep.c - `migsim sweep` and migsim-sweep (tools/migsim/sweep.c) as a
 * user runs them.
 *
 * A small sweep (policies segmented and suspend_io x 1 MiB and 16 MiB pages,
 * a few thousand records, well under a second a point) runs with --jobs 2;
 * each point's statistics must equal, host section aside, those of a single
 * `migsim run` with the arguments its record names, and the table must hold
 * its overrides and statistics. Run again, it runs nothing (a point's file,
 * marked, stays as it was); with one point's statistics removed, it runs that
 * point only. A point with a bad override is recorded with exit status 2 and
 * the message of migsim run while the others complete. Bad sweep files are
 * refused before anything runs, naming the file and JSON path. With Open MPI
 * (migsim-sweep built, mpirun found), the same sweep under `mpirun -n 2`
 * gives the same statistics for every point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil/cli.h"

#define DIR_ "cmd_sweep"

/* The scaled-down platform of every point, as "set" entries of a sweep file. */
#define SMALL_SET                                                                                   \
    "\"set\": [\"mig.start_ps=2000000\", \"cpu0.gen_count=3000\", \"cpu0.gen_gap_ps=20000\",\n"     \
    "  \"nic0.gen_range_bytes=1MiB\", \"nic0.gen_ring_entries=64\", \"nic0.gen_count=1500\",\n"    \
    "  \"nic0.gen_gap_ps=60000\", \"disk0.gen_block_bytes=4096\", \"disk0.gen_count=200\",\n"      \
    "  \"disk0.gen_gap_ps=300000\"]"

static const char *const grid_sweep =
    "{\n" SMALL_SET ",\n"
    " \"grid\": {\"mig.policy\": [\"segmented\", \"suspend_io\"], \"mig.page_bytes\": [\"1MiB\", \"16MiB\"]},\n"
    " \"stats\": [\"mig.duration_ps\", \"cpu0.latency_*_avg_ns\", \"mig.lost_writes\"]\n}\n";

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A whole file as text (free()), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

static cJSON *json_file(const char *path)
{
    char *t = slurp(path);
    if (!t)
        fail_msg("%s: cannot read", path);
    cJSON *d = cJSON_Parse(t);
    free(t);
    if (!d)
        fail_msg("%s: not JSON", path);
    return d;
}

static cJSON *json_point(const char *out, const char *point, const char *sfx)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s%s", out, point, sfx);
    return json_file(path);
}

/* `PROGRAM ARGS` run from the test's folder; exit status, stdout and stderr in files. */
static int sh(const char *cmd, const char *out, const char *err)
{
    char all[8192];
    snprintf(all, sizeof all, "%s >'%s' 2>'%s'", cmd, out, err);
    int st = system(all);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* How many times s occurs in text. */
static int count(const char *text, const char *s)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, s)) != NULL; p += strlen(s))
        n++;
    return n;
}

/*
 * Point `name` of the sweep in out: its statistics (host aside) equal those of
 * one `migsim run` of the arguments in its record, run from the sweep file's folder.
 */
static void expect_single_run_equal(const char *out, const char *name)
{
    cJSON *rec = json_point(out, name, ".run.json");
    char cmd[6144];
    int len = snprintf(cmd, sizeof cmd, "(cd " DIR_ " && '%s' run --quiet --out single.json", MIGSIM_CLI);
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(rec, "args"))
        len += snprintf(cmd + len, sizeof cmd - (size_t)len, " '%s'", a->valuestring);
    snprintf(cmd + len, sizeof cmd - (size_t)len, ")");
    assert_int_equal(sh(cmd, DIR_ "/single.out", DIR_ "/single.err"), 0);
    cJSON *one = json_file(DIR_ "/single.json");
    cJSON *swp = json_point(out, name, ".json");
    cJSON_DeleteItemFromObject(one, "host");
    cJSON_DeleteItemFromObject(swp, "host");
    if (!cJSON_Compare(one, swp, true))
        fail_msg("%s/%s.json differs from a single migsim run of it", out, name);
    cJSON_Delete(one);
    cJSON_Delete(swp);
    cJSON_Delete(rec);
}

/* Points of out and ref (both sweeps of grid_sweep) hold equal statistics, host aside. */
static void expect_same_points(const char *out, const char *ref)
{
    static const char *const pts[] = { "p000", "p001", "p002", "p003" };
    for (int i = 0; i < 4; i++) {
        cJSON *a = json_point(out, pts[i], ".json"), *b = json_point(ref, pts[i], ".json");
        cJSON_DeleteItemFromObject(a, "host");
        cJSON_DeleteItemFromObject(b, "host");
        if (!cJSON_Compare(a, b, true))
            fail_msg("%s/%s.json differs from %s/%s.json", out, pts[i], ref, pts[i]);
        cJSON_Delete(a);
        cJSON_Delete(b);
    }
}

static void setup_dir(void)
{
    assert_int_equal(system("rm -rf " DIR_ " && mkdir " DIR_), 0);
}

/* --jobs 2: every point as a single run; the table; resume. */
static void test_sweep_jobs_resume(void **state)
{
    (void)state;
    setup_dir();
    write_text(DIR_ "/grid.json", grid_sweep);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' sweep " DIR_ "/grid.json --jobs 2", MIGSIM_CLI);
    assert_int_equal(sh(cmd, DIR_ "/out.txt", DIR_ "/err.txt"), 0);
    assert_non_null(strstr(read_text(DIR_ "/out.txt"), "4 points, 4 to run, 2 at a time"));
    static const char *const pts[] = { "p000", "p001", "p002", "p003" };
    static const char *const policy[] = { "segmented", "segmented", "suspend_io", "suspend_io" };
    static const char *const page[] = { "1MiB", "16MiB", "1MiB", "16MiB" };
    for (int i = 0; i < 4; i++)
        expect_single_run_equal(DIR_ "/grid", pts[i]);

    /* the table: one row per point, its overrides, the chosen statistics from its file */
    cJSON *tab = json_file(DIR_ "/grid/sweep.json");
    const cJSON *cols = cJSON_GetObjectItem(tab, "stat_columns");
    assert_int_equal(cJSON_GetArraySize(cols), 5); /* duration, before/during/after latency, lost */
    assert_string_equal(cJSON_GetArrayItem(cols, 1)->valuestring, "cpu0.latency_before_avg_ns");
    const cJSON *rows = cJSON_GetObjectItem(tab, "points");
    assert_int_equal(cJSON_GetArraySize(rows), 4);
    for (int i = 0; i < 4; i++) {
        const cJSON *row = cJSON_GetArrayItem(rows, i);
        assert_string_equal(cJSON_GetObjectItem(row, "point")->valuestring, pts[i]);
        assert_string_equal(cJSON_GetObjectItem(row, "status")->valuestring, "complete");
        assert_int_equal(cJSON_GetObjectItem(row, "exit_status")->valueint, 0);
        const cJSON *set = cJSON_GetObjectItem(row, "set");
        assert_string_equal(cJSON_GetObjectItem(set, "mig.policy")->valuestring, policy[i]);
        assert_string_equal(cJSON_GetObjectItem(set, "mig.page_bytes")->valuestring, page[i]);
        cJSON *st = json_point(DIR_ "/grid", pts[i], ".json");
        const cJSON *c;
        cJSON_ArrayForEach(c, cols) {
            const cJSON *want = cJSON_GetObjectItem(cJSON_GetObjectItem(st, "stats"), c->valuestring);
            const cJSON *got = cJSON_GetObjectItem(cJSON_GetObjectItem(row, "stats"), c->valuestring);
            assert_non_null(want);
            assert_true(cJSON_Compare(want, got, true));
        }
        /* the policy reached the run: only suspend_io suspends the devices */
        double susp = cJSON_GetObjectItem(cJSON_GetObjectItem(st, "stats"), "nic0.suspended_ps")->valuedouble;
        if (i < 2)
            assert_true(susp == 0);
        else
            assert_true(susp > 0);
        /* the 16 MiB page takes longer to move than the 1 MiB one, under either policy */
        if (i % 2 == 1) {
            cJSON *small = json_point(DIR_ "/grid", pts[i - 1], ".json");
            assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(st, "stats"), "mig.duration_ps")->valuedouble >
                        cJSON_GetObjectItem(cJSON_GetObjectItem(small, "stats"), "mig.duration_ps")->valuedouble);
            cJSON_Delete(small);
        }
        cJSON_Delete(st);
    }
    cJSON_Delete(tab);
    const char *csv = read_text(DIR_ "/grid/sweep.csv");
    assert_non_null(strstr(csv, "point,status,exit_status,mig.policy,mig.page_bytes,mig.duration_ps,"
                                "cpu0.latency_before_avg_ns,cpu0.latency_during_avg_ns,"
                                "cpu0.latency_after_avg_ns,mig.lost_writes,message\n"));
    assert_non_null(strstr(csv, "\np003,complete,0,suspend_io,16MiB,"));
    assert_int_equal(count(csv, "\n"), 5);

    /* again: nothing runs; a marked file stays as it is */
    cJSON *p1 = json_point(DIR_ "/grid", "p001", ".json");
    cJSON_ReplaceItemInObject(p1, "host", cJSON_CreateString("marked"));
    char *marked = cJSON_Print(p1);
    write_text(DIR_ "/grid/p001.json", marked);
    cJSON_Delete(p1);
    assert_int_equal(sh(cmd, DIR_ "/out.txt", DIR_ "/err.txt"), 0);
    const char *out = read_text(DIR_ "/out.txt");
    assert_int_equal(count(out, "not run again"), 4);
    assert_non_null(strstr(out, "4 points, 0 to run"));
    char *now = slurp(DIR_ "/grid/p001.json");
    assert_string_equal(now, marked);
    free(now);
    free(marked);

    /* one point's statistics gone (or partial): that point runs, alone */
    remove(DIR_ "/grid/p002.json");
    assert_int_equal(sh(cmd, DIR_ "/out.txt", DIR_ "/err.txt"), 0);
    out = read_text(DIR_ "/out.txt");
    assert_int_equal(count(out, "not run again"), 3);
    assert_non_null(strstr(out, "4 points, 1 to run"));
    assert_non_null(strstr(out, "p002 {\"mig.policy\":\"suspend_io\",\"mig.page_bytes\":\"1MiB\"}: exit status 0"));
    expect_single_run_equal(DIR_ "/grid", "p002");

    /* a point whose overrides changed runs again */
    char *changed = strdup(grid_sweep);
    memcpy(strstr(changed, "\"16MiB\""), "\"1MiB\" ", 7);
    write_text(DIR_ "/grid.json", changed);
    free(changed);
    assert_int_equal(sh(cmd, DIR_ "/out.txt", DIR_ "/err.txt"), 0);
    out = read_text(DIR_ "/out.txt");
    assert_non_null(strstr(out, "4 points, 2 to run"));
    assert_null(strstr(out, "p001: complete in"));
    assert_non_null(strstr(out, "p000: complete in"));
}

/* A bad override fails its point (exit status 2, migsim run's message); the others complete. */
static void test_sweep_failed_point(void **state)
{
    (void)state;
    setup_dir();
    write_text(DIR_ "/list.json",
               "{\n" SMALL_SET ",\n \"out\": \"listed\",\n \"stats\": [\"mig.lost_writes\"],\n"
               " \"points\": [{\"mig.policy\": \"segmented\", \"mig.page_bytes\": \"1MiB\"},\n"
               "   {\"mig.policy\": \"bogus\", \"mig.page_bytes\": \"1MiB\"},\n"
               "   {\"mig.policy\": \"suspend_io\", \"mig.page_bytes\": \"1MiB\", \"sim.seed\": 3}]\n}\n");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' sweep " DIR_ "/list.json --jobs 2", MIGSIM_CLI);
    assert_int_equal(sh(cmd, DIR_ "/out.txt", DIR_ "/err.txt"), 1);
    cJSON *tab = json_file(DIR_ "/listed/sweep.json");
    const cJSON *rows = cJSON_GetObjectItem(tab, "points");
    assert_int_equal(cJSON_GetArraySize(rows), 3);
    const cJSON *bad = cJSON_GetArrayItem(rows, 1);
    assert_int_equal(cJSON_GetObjectItem(bad, "exit_status")->valueint, 2);
    assert_string_equal(cJSON_GetObjectItem(bad, "status")->valuestring, "no statistics");
    assert_string_equal(cJSON_GetObjectItem(bad, "message")->valuestring,
                        "migsim run: <default>: $.components.mig.policy: \"bogus\" is not one of: "
                        "segmented, suspend_io, dual_write_whole, none, precopy, fw_redirect, "
                        "granule");
    for (int i = 0; i < 3; i += 2) {
        const cJSON *row = cJSON_GetArrayItem(rows, i);
        assert_int_equal(cJSON_GetObjectItem(row, "exit_status")->valueint, 0);
        assert_string_equal(cJSON_GetObjectItem(row, "status")->valuestring, "complete");
    }
    /* the third point's own sim.seed reached its run; the columns are every key used */
    const cJSON *keys = cJSON_GetObjectItem(tab, "set_columns");
    assert_int_equal(cJSON_GetArraySize(keys), 3);
    assert_string_equal(cJSON_GetArrayItem(keys, 2)->valuestring, "sim.seed");
    cJSON *p2 = json_point(DIR_ "/listed", "p002", ".json");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(p2, "sim"), "seed")->valueint, 3);
    cJSON_Delete(p2);
    cJSON_Delete(tab);
    const char *csv = read_text(DIR_ "/listed/sweep.csv");
    assert_non_null(strstr(csv, "\np001,no statistics,2,bogus,1MiB,,,\"migsim run: <default>: "
                                "$.components.mig.policy: \"\"bogus\"\" is not one of: segmented, "));
    /* resumed: the failed point runs again, the complete ones do not */
    assert_int_equal(sh(cmd, DIR_ "/out.txt", DIR_ "/err.txt"), 1);
    assert_non_null(strstr(read_text(DIR_ "/out.txt"), "3 points, 1 to run"));
}

/* Bad sweep files: status 2, the file and JSON path named, nothing run. */
static void test_sweep_bad_files(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        { "[1]", "bad.json: $: expected an object" },
        { "{\"grid\": {\"mig.policy\": []}}", "bad.json: $.grid[\"mig.policy\"]: expected a non-empty array" },
        { "{\"grid\": {\"mig.policy\": \"segmented\"}}", "bad.json: $.grid[\"mig.policy\"]: expected a non-empty" },
        { "{\"points\": [{\"mig.policy\": \"none\"}, 3]}", "bad.json: $.points[1]: expected an object" },
        { "{\"points\": [{\"policy\": \"none\"}]}",
          "bad.json: $.points[0][\"policy\"]: expected a key COMPONENT.PARAM or sim.KEY" },
        { "{\"points\": [{\"mig.policy\": \"none\"}], \"grid\": {\"sim.seed\": [1]}}",
          "bad.json: $: expected one of \"grid\" (every combination) or \"points\"" },
        { "{\"grid\": {\"sim.seed\": [1]}, \"set\": [\"mig.page_bytes\"]}",
          "bad.json: $.set[0]: expected a string \"KEY=VALUE\"" },
        { "{\"grid\": {\"sim.seed\": [1]}, \"stats\": [\"mig.nothing_*\"]}",
          "bad.json: $.stats[0]: \"mig.nothing_*\" names no statistic of the base configuration" },
        { "{\"grid\": {\"sim.seed\": [1]}, \"jobs\": 2}", "bad.json: $.jobs: unknown key" },
        { "{\"grid\": {\"sim.seed\": [1]}, \"config\": \"a.json\", \"platform\": \"dram\"}",
          "bad.json: $.platform: \"config\" and \"platform\" exclude each other" },
        { "{\"grid\": {\"sim.seed\": [1]}, \"set\": [\"dram0.tRCD=\\\"x\\\"\"]}",
          "bad.json: the base configuration: <default>: $.components.dram0.tRCD" },
        { "{\"grid\": {\"sim.seed\": [1]},\n \"out\": 3}", "bad.json: $.out: expected a non-empty string" },
        { "{\"grid\": {\"sim.seed\": [1]},\n \"out\" 3}", "bad.json:2: not valid JSON" },
    };
    setup_dir();
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' sweep " DIR_ "/bad.json", MIGSIM_CLI);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_text(DIR_ "/bad.json", cases[i].text);
        int st = sh(cmd, DIR_ "/out.txt", DIR_ "/err.txt");
        const char *err = read_text(DIR_ "/err.txt");
        if (st != 2 || !strstr(err, cases[i].msg))
            fail_msg("case %zu: status %d, stderr: %s(expected: %s)", i, st, err, cases[i].msg);
        struct stat sb;
        assert_int_not_equal(stat(DIR_ "/bad/sweep.csv", &sb), 0);
    }
    snprintf(cmd, sizeof cmd, "'%s' sweep " DIR_ "/none.json", MIGSIM_CLI);
    assert_int_equal(sh(cmd, DIR_ "/out.txt", DIR_ "/err.txt"), 2);
    assert_non_null(strstr(read_text(DIR_ "/err.txt"), "none.json: No such file or directory"));
    snprintf(cmd, sizeof cmd, "'%s' sweep " DIR_ "/bad.json --jobs 0", MIGSIM_CLI);
    assert_int_equal(sh(cmd, DIR_ "/out.txt", DIR_ "/err.txt"), 2);
    assert_non_null(strstr(read_text(DIR_ "/err.txt"), "--jobs \"0\": expected a number of processes"));
}

/* mpirun -n 2 migsim-sweep: the same per-point statistics as the --jobs sweep, and resume. */
static void test_sweep_mpi(void **state)
{
    (void)state;
#if defined(MIGSIM_SWEEP_MPI) && defined(MIGSIM_MPIEXEC)
    setup_dir();
    write_text(DIR_ "/grid.json", grid_sweep);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' sweep " DIR_ "/grid.json --jobs 2 --out " DIR_ "/ref", MIGSIM_CLI);
    assert_int_equal(sh(cmd, DIR_ "/out.txt", DIR_ "/err.txt"), 0);
    snprintf(cmd, sizeof cmd,
             "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 "
             "ASAN_OPTIONS=detect_leaks=0 '%s' --oversubscribe -n 2 '%s' " DIR_ "/grid.json",
             MIGSIM_MPIEXEC, MIGSIM_SWEEP_MPI);
    int st = sh(cmd, DIR_ "/out.txt", DIR_ "/err.txt");
    if (st != 0)
        fail_msg("mpirun: status %d: %s%s", st, read_text(DIR_ "/out.txt"), read_text(DIR_ "/err.txt"));
    assert_non_null(strstr(read_text(DIR_ "/out.txt"), "4 points, 4 to run on 2 ranks"));
    expect_same_points(DIR_ "/grid", DIR_ "/ref");
    expect_single_run_equal(DIR_ "/grid", "p003");
    char *a = slurp(DIR_ "/grid/sweep.csv"), *b = slurp(DIR_ "/ref/sweep.csv");
    assert_string_equal(a, b);
    free(a);
    free(b);
    remove(DIR_ "/grid/p001.json");
    assert_int_equal(sh(cmd, DIR_ "/out.txt", DIR_ "/err.txt"), 0);
    assert_non_null(strstr(read_text(DIR_ "/out.txt"), "4 points, 1 to run on 2 ranks"));
    expect_same_points(DIR_ "/grid", DIR_ "/ref");
#else
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_jobs_resume),
        cmocka_unit_test(test_sweep_failed_point),
        cmocka_unit_test(test_sweep_bad_files),
        cmocka_unit_test(test_sweep_mpi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
