/*
 * test_stats.c - the statistics JSON and the epoch series: sections present,
 * samples at every epoch boundary while the system is busy and none after it
 * goes idle, cumulative counters that never decrease and end at the final
 * value, and errors for unknown series names. The series is bounded
 * (MIGSIM_SERIES_MAX_VALUES): before the run with sim.end_ps, at the bound
 * during it without. The "sim" section says whether the run is complete, and
 * why not. Statistics written to anything that is not a regular file (a
 * symbolic link, a pipe, a device) are written in place, and a write error
 * such as a full device is reported. The "migsim" section's version is the
 * library's (migsim_version(), the version macros of the headers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migsim/errors.h"
#include "migsim/sim.h"
#include "migsim/version.h"

/* The statistics JSON of sim, parsed (host section with wall time host_wall_s, none if < 0). */
static cJSON *stats_of(migsim_sim_t *sim, double host_wall_s)
{
    char *text = migsim_sim_stats_json(sim, host_wall_s);
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
    return j;
}

/* The dram platform with `sets`, run to the end. */
static migsim_sim_t *run_dram(const char *const *sets, size_t n)
{
    migsim_sim_t *sim;
    int rc = migsim_sim_create_platform(&sim, "dram", sets, n);
    if (rc)
        fail_msg("%s", migsim_errmsg());
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    return sim;
}

static cJSON *run_json(const char *const *sets, size_t n, migsim_tick_t *end)
{
    migsim_sim_t *sim = run_dram(sets, n);
    *end = migsim_sim_now(sim);
    cJSON *j = stats_of(sim, 1.5);
    migsim_sim_destroy(sim);
    return j;
}

static void test_series(void **state)
{
    (void)state;
    const char *sets[] = { "sim.epoch_ps=100000000", "cpu0.gen_count=30000",
                           "sim.epoch_stats=[\"dram0.read_reqs\", \"cpu0.records\", \"dram0.bandwidth_gbps\"]" };
    migsim_tick_t end;
    cJSON *j = run_json(sets, 3, &end);
    cJSON *ser = cJSON_GetObjectItem(j, "series");
    assert_non_null(ser);
    assert_int_equal((uint64_t)cJSON_GetObjectItem(ser, "epoch_ps")->valuedouble, 100000000);
    cJSON *t = cJSON_GetObjectItem(ser, "time_ps");
    cJSON *rd = cJSON_GetObjectItem(ser, "dram0.read_reqs");
    cJSON *rec = cJSON_GetObjectItem(ser, "cpu0.records");
    assert_non_null(cJSON_GetObjectItem(ser, "dram0.bandwidth_gbps"));
    int n = cJSON_GetArraySize(t);
    /* one sample per whole epoch while busy, none once idle */
    assert_int_equal(n, (int)(end / 100000000));
    assert_int_equal(cJSON_GetArraySize(rd), n);
    double prev = -1;
    for (int i = 0; i < n; i++) {
        assert_int_equal((uint64_t)cJSON_GetArrayItem(t, i)->valuedouble, (uint64_t)(i + 1) * 100000000);
        double v = cJSON_GetArrayItem(rd, i)->valuedouble;
        assert_true(v >= prev);
        prev = v;
    }
    double final = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "stats"), "dram0.read_reqs")->valuedouble;
    assert_true(prev <= final && prev > 0);
    assert_true(cJSON_GetArrayItem(rec, n - 1)->valuedouble <= 30000);
    /* sections */
    assert_non_null(cJSON_GetObjectItem(j, "migsim"));
    assert_non_null(cJSON_GetObjectItem(j, "sim"));
    cJSON *host = cJSON_GetObjectItem(j, "host");
    assert_non_null(host);
    assert_true(cJSON_GetObjectItem(host, "wall_s")->valuedouble == 1.5);
    cJSON_Delete(j);
}

/* With no epoch_stats every statistic is sampled; with no epoch_ps there is no series. */
static void test_series_all_and_none(void **state)
{
    (void)state;
    const char *sets[] = { "sim.epoch_ps=200000000", "cpu0.gen_count=20000" };
    migsim_tick_t end;
    cJSON *j = run_json(sets, 2, &end);
    cJSON *ser = cJSON_GetObjectItem(j, "series");
    cJSON *st = cJSON_GetObjectItem(j, "stats");
    for (cJSON *it = st->child; it; it = it->next)
        assert_non_null(cJSON_GetObjectItem(ser, it->string));
    cJSON_Delete(j);
    j = run_json(sets + 1, 1, &end);
    assert_null(cJSON_GetObjectItem(j, "series"));
    cJSON_Delete(j);
}

static void test_series_bad_names(void **state)
{
    (void)state;
    static const char *const bad[] = { "[\"dram0.nope\"]", "[\"nodot\"]", "[\"zz.read_reqs\"]", "[3]" };
    for (size_t i = 0; i < 4; i++) {
        char set[128];
        snprintf(set, sizeof set, "sim.epoch_stats=%s", bad[i]);
        const char *sets[] = { "sim.epoch_ps=1000", set };
        migsim_sim_t *sim = (migsim_sim_t *)1;
        assert_int_equal(migsim_sim_create_platform(&sim, "dram", sets, 2), MIGSIM_ECONFIG);
        assert_null(sim);
        assert_non_null(strstr(migsim_errmsg(), "$.sim.epoch_stats[0]"));
    }
}

/* A statistic looked up by name equals the one in the JSON; unknown names are ENOENT. */
static void test_stat_lookup(void **state)
{
    (void)state;
    const char *sets[] = { "cpu0.gen_count=5000" };
    migsim_sim_t *sim = run_dram(sets, 1);
    double v;
    assert_int_equal(migsim_sim_stat(sim, "cpu0.completed_reqs", &v), 0);
    assert_true(v == 5000);
    assert_int_equal(migsim_sim_stat(sim, "cpu0.nope", &v), MIGSIM_ENOENT);
    assert_int_equal(migsim_sim_stat(sim, "nodot", &v), MIGSIM_ENOENT);
    migsim_sim_destroy(sim);
}

static const char *sim_str(cJSON *j, const char *key)
{
    cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "sim"), key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* With sim.end_ps the sample count is known: over the bound is refused before the run. */
static void test_series_bound_before_run(void **state)
{
    (void)state;
    /* 4 statistics: MIGSIM_SERIES_MAX_VALUES / 4 = 1,000,000 samples at most */
    const char *stats4 = "sim.epoch_stats=[\"dram0.read_reqs\", \"dram0.write_reqs\", "
                         "\"cpu0.records\", \"dram0.act_cmds\"]";
    const char *fits[] = { stats4, "sim.epoch_ps=1", "sim.end_ps=1000000" };
    migsim_sim_t *sim = NULL;
    assert_int_equal(migsim_sim_create_platform(&sim, "dram", fits, 3), 0);
    migsim_sim_destroy(sim);
    const char *over[] = { stats4, "sim.epoch_ps=1", "sim.end_ps=1000001" };
    sim = (migsim_sim_t *)1;
    assert_int_equal(migsim_sim_create_platform(&sim, "dram", over, 3), MIGSIM_ECONFIG);
    assert_null(sim);
    const char *msg = migsim_errmsg();
    if (!strstr(msg, "$.sim.epoch_ps: 1 ps up to sim.end_ps 1000001 ps is 1000001 samples of 4 "
                     "statistics, more than the series holds (4000000 values: 1000000 samples)"))
        fail_msg("message: %s", msg);
    /* 1 ps epochs over the default migration's 500 ms, every statistic */
    const char *huge[] = { "sim.epoch_ps=1", "sim.end_ps=500000000000" };
    sim = (migsim_sim_t *)1;
    assert_int_equal(migsim_sim_create_platform(&sim, "migration", huge, 2), MIGSIM_ECONFIG);
    assert_non_null(strstr(migsim_errmsg(), "$.sim.epoch_ps"));
}

/*
 * Without sim.end_ps the run stops when the series is full, at exactly
 * MIGSIM_SERIES_MAX_VALUES / statistics samples, with an error naming
 * $.sim.epoch_ps; the statistics say "partial" and why.
 */
static void test_series_bound_during_run(void **state)
{
    (void)state;
    const char *sets[] = { "sim.epoch_ps=1", "cpu0.gen_count=20" };
    migsim_sim_t *sim;
    assert_int_equal(migsim_sim_create_platform(&sim, "dram", sets, 2), 0);
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), MIGSIM_ECONFIG);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", migsim_errmsg());
    cJSON *j = stats_of(sim, -1);
    int nstats = cJSON_GetArraySize(cJSON_GetObjectItem(j, "stats"));
    int max = 4000000 / nstats;
    char want[256];
    snprintf(want, sizeof want, "$.sim.epoch_ps: the series is full at %d samples of %d statistics "
             "(at most 4000000 values) at %d ps", max, nstats, max + 1);
    if (!strstr(msg, want))
        fail_msg("message: %s\nwanted: %s", msg, want);
    assert_int_equal(migsim_sim_now(sim), max + 1);
    cJSON *t = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "series"), "time_ps");
    assert_int_equal(cJSON_GetArraySize(t), max);
    assert_int_equal((int)cJSON_GetArrayItem(t, max - 1)->valuedouble, max);
    assert_string_equal(sim_str(j, "status"), "partial");
    assert_string_equal(sim_str(j, "reason"), msg);
    cJSON_Delete(j);
    migsim_sim_destroy(sim);
}

/* "complete" for a run that went idle or reached sim.end_ps; "partial" with a reason otherwise. */
static void test_status(void **state)
{
    (void)state;
    const char *sets[] = { "cpu0.gen_count=200" };
    migsim_sim_t *sim;
    assert_int_equal(migsim_sim_create_platform(&sim, "dram", sets, 1), 0);
    cJSON *j = stats_of(sim, -1);
    assert_string_equal(sim_str(j, "status"), "partial");
    assert_string_equal(sim_str(j, "reason"), "not run");
    cJSON_Delete(j);
    assert_int_equal(migsim_sim_run(sim, 100000), 0); /* 100 ns of a 1.6 us run */
    j = stats_of(sim, -1);
    assert_string_equal(sim_str(j, "status"), "partial");
    assert_string_equal(sim_str(j, "reason"),
                        "stopped at 100000 ps with work left (not idle, sim.end_ps not reached)");
    cJSON_Delete(j);
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    j = stats_of(sim, -1);
    assert_string_equal(sim_str(j, "status"), "complete");
    assert_null(sim_str(j, "reason"));
    cJSON_Delete(j);
    migsim_sim_destroy(sim);
    const char *ends[] = { "cpu0.gen_count=200", "sim.end_ps=100000" };
    assert_int_equal(migsim_sim_create_platform(&sim, "dram", ends, 2), 0);
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    j = stats_of(sim, -1);
    assert_string_equal(sim_str(j, "status"), "complete");
    cJSON_Delete(j);
    migsim_sim_destroy(sim);
}

/*
 * A symbolic link stays a link (its target gets the statistics); a pipe
 * named by /proc/self/fd gets them; /dev/full reports "No space left on
 * device" and stays a device. A rename would have replaced each node.
 */
static void test_write_stats_in_place(void **state)
{
    (void)state;
    const char *sets[] = { "cpu0.gen_count=100" };
    migsim_sim_t *sim = run_dram(sets, 1);
    char *want = migsim_sim_stats_json(sim, -1);
    size_t wlen = strlen(want);
    /* a symbolic link to a regular file */
    char dir[] = "/tmp/migsim_out_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char target[64], link[64];
    snprintf(target, sizeof target, "%s/target.json", dir);
    snprintf(link, sizeof link, "%s/link.json", dir);
    FILE *f = fopen(target, "w");
    assert_non_null(f);
    fputs("old contents, longer than nothing", f);
    fclose(f);
    assert_int_equal(symlink("target.json", link), 0);
    assert_int_equal(migsim_sim_write_stats(sim, link, -1), 0);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    static char got[1 << 16];
    f = fopen(target, "r");
    assert_non_null(f);
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[n] = '\0';
    assert_int_equal(n, wlen + 1);
    assert_memory_equal(got, want, wlen);
    unlink(link);
    unlink(target);
    rmdir(dir);
    /* a pipe */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    char ppath[64];
    snprintf(ppath, sizeof ppath, "/proc/self/fd/%d", fds[1]);
    assert_int_equal(migsim_sim_write_stats(sim, ppath, -1), 0);
    close(fds[1]);
    n = 0;
    for (ssize_t k; (k = read(fds[0], got + n, sizeof got - 1 - n)) > 0;)
        n += (size_t)k;
    close(fds[0]);
    assert_int_equal(n, wlen + 1);
    assert_memory_equal(got, want, wlen);
    /* a full device: the error is reported, the device stays */
    if (lstat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode)) {
        assert_int_equal(migsim_sim_write_stats(sim, "/dev/full", -1), MIGSIM_EIO);
        assert_string_equal(migsim_errmsg(), "/dev/full: cannot write: No space left on device");
        assert_int_equal(lstat("/dev/full", &st), 0);
        assert_true(S_ISCHR(st.st_mode));
        assert_int_equal(migsim_stats_path_check("/dev/full"), 0);
    }
    free(want);
    migsim_sim_destroy(sim);
}

/*
 * A symbolic link to a file that does not exist yet is a name to write to
 * (fopen creates its target): the check before the run accepts it when the
 * target's directory is writable, the statistics land in the target and the
 * link stays a link. A link whose target's directory is missing is refused
 * naming that directory.
 */
static void test_write_stats_dangling_link(void **state)
{
    (void)state;
    const char *sets[] = { "cpu0.gen_count=100" };
    migsim_sim_t *sim = run_dram(sets, 1);
    char dir[] = "/tmp/migsim_out_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char link[64], target[64], link2[64], bad[64];
    snprintf(link, sizeof link, "%s/link.json", dir);
    snprintf(target, sizeof target, "%s/new.json", dir);
    snprintf(link2, sizeof link2, "%s/link2.json", dir);
    snprintf(bad, sizeof bad, "%s/bad.json", dir);
    assert_int_equal(symlink("link2.json", link), 0);  /* link -> link2 -> new.json */
    assert_int_equal(symlink("new.json", link2), 0);
    assert_int_equal(symlink("no-such-dir/x.json", bad), 0);
    if (migsim_stats_path_check(link) != 0)
        fail_msg("refused: %s", migsim_errmsg());
    assert_int_equal(migsim_sim_write_stats(sim, link, -1), 0);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(lstat(target, &st), 0);
    assert_true(S_ISREG(st.st_mode) && st.st_size > 100);
    assert_int_equal(migsim_stats_path_check(bad), MIGSIM_EIO);
    char want[256];
    snprintf(want, sizeof want, "%s: cannot write the statistics: directory %s/no-such-dir: No such "
             "file or directory", bad, dir);
    assert_string_equal(migsim_errmsg(), want);
    unlink(bad);
    unlink(link);
    unlink(link2);
    unlink(target);
    rmdir(dir);
    migsim_sim_destroy(sim);
}

/* migsim_version() is the headers' MIGSIM_VERSION_STRING, made of the three numbers, and the
   statistics JSON names that version ($.migsim.version), not a copy that can drift */
static void test_version(void **state)
{
    (void)state;
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", MIGSIM_VERSION_MAJOR, MIGSIM_VERSION_MINOR,
             MIGSIM_VERSION_PATCH);
    assert_string_equal(MIGSIM_VERSION_STRING, want);
    assert_string_equal(migsim_version(), MIGSIM_VERSION_STRING);
    assert_int_equal(MIGSIM_VERSION_NUMBER,
                     MIGSIM_VERSION_MAJOR * 10000L + MIGSIM_VERSION_MINOR * 100L + MIGSIM_VERSION_PATCH);
    assert_true(MIGSIM_VERSION_NUMBER >= MIGSIM_VERSION_AT(0, 1, 0));

    migsim_tick_t end;
    cJSON *j = run_json(NULL, 0, &end);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "migsim"),
                                                      "version");
    assert_true(cJSON_IsString(v));
    assert_string_equal(v->valuestring, migsim_version());
    cJSON_Delete(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_series),
        cmocka_unit_test(test_series_all_and_none),
        cmocka_unit_test(test_series_bad_names),
        cmocka_unit_test(test_stat_lookup),
        cmocka_unit_test(test_series_bound_before_run),
        cmocka_unit_test(test_series_bound_during_run),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_write_stats_in_place),
        cmocka_unit_test(test_write_stats_dangling_link),
        cmocka_unit_test(test_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
