/*
 * test_stats.c - the statistics JSON and the epoch series: sections present,
 * samples at every epoch boundary while the system is busy and none after it
 * goes idle, cumulative counters that never decrease and end at the final
 * value, and errors for unknown series names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "migsim/errors.h"
#include "migsim/sim.h"

static cJSON *run_json(const char *const *sets, size_t n, migsim_tick_t *end)
{
    migsim_sim_t *sim;
    int rc = migsim_sim_create_platform(&sim, "dram", sets, n);
    if (rc)
        fail_msg("%s", migsim_errmsg());
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    *end = migsim_sim_now(sim);
    char *text = migsim_sim_stats_json(sim, 1.5);
    migsim_sim_destroy(sim);
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
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
    migsim_sim_t *sim;
    assert_int_equal(migsim_sim_create_platform(&sim, "dram", sets, 1), 0);
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    double v;
    assert_int_equal(migsim_sim_stat(sim, "cpu0.completed_reqs", &v), 0);
    assert_true(v == 5000);
    assert_int_equal(migsim_sim_stat(sim, "cpu0.nope", &v), MIGSIM_ENOENT);
    assert_int_equal(migsim_sim_stat(sim, "nodot", &v), MIGSIM_ENOENT);
    migsim_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_series),
        cmocka_unit_test(test_series_all_and_none),
        cmocka_unit_test(test_series_bad_names),
        cmocka_unit_test(test_stat_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
