/*
 * test_xbar.c - the interconnect: responses return to the input that sent
 * the request (also through two crossbars in a row), every request is
 * answered once, unconnected inputs are allowed, and under saturation the
 * round-robin retry serves both inputs alike.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "migsim/errors.h"
#include "migsim/sim.h"
#include "xbar/xbar.h"

static double stat(migsim_sim_t *sim, const char *name)
{
    double v;
    assert_int_equal(migsim_sim_stat(sim, name, &v), 0);
    return v;
}

static migsim_sim_t *make(const char *json)
{
    migsim_sim_t *sim;
    if (migsim_sim_create(&sim, json, "test") != 0)
        fail_msg("%s", migsim_errmsg());
    return sim;
}

#define PLAYER(n, seed) \
    "\"" n "\": { \"type\": \"trace_player\", \"gen_count\": 20000, \"gen_gap_ps\": 100, " \
    "\"gen_seed\": " #seed ", \"gen_range_bytes\": \"64MiB\" }"

static void test_two_inputs_saturated(void **state)
{
    (void)state;
    migsim_sim_t *sim = make(
        "{ \"base\": \"none\", \"components\": {" PLAYER("cpu0", 1) "," PLAYER("cpu1", 2) ","
        "  \"x\": { \"type\": \"xbar\" }, \"dram0\": { \"type\": \"dram\" } },"
        "  \"links\": [ { \"from\": \"cpu0.out\", \"to\": \"x.in0\" },"
        "               { \"from\": \"cpu1.out\", \"to\": \"x.in3\" },"
        "               { \"from\": \"x.out\", \"to\": \"dram0.in\" } ] }");
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    assert_true(stat(sim, "cpu0.completed_reqs") == 20000);
    assert_true(stat(sim, "cpu1.completed_reqs") == 20000);
    assert_true(stat(sim, "x.in0_reqs") == 20000 && stat(sim, "x.in3_reqs") == 20000);
    assert_true(stat(sim, "x.refused_reqs") > 1000); /* saturated: offered far above service */
    /* alike service: the two finish within 2% of each other */
    double a = stat(sim, "cpu0.last_done_ps"), b = stat(sim, "cpu1.last_done_ps");
    assert_true(a / b > 0.98 && a / b < 1.02);
    migsim_sim_destroy(sim);
}

static void test_two_levels(void **state)
{
    (void)state;
    migsim_sim_t *sim = make(
        "{ \"base\": \"none\", \"components\": {" PLAYER("cpu0", 3) "," PLAYER("cpu1", 4) ","
        PLAYER("cpu2", 5) ","
        "  \"x1\": { \"type\": \"xbar\" }, \"x2\": { \"type\": \"xbar\" }, \"dram0\": { \"type\": \"dram\" } },"
        "  \"links\": [ { \"from\": \"cpu0.out\", \"to\": \"x1.in0\" },"
        "               { \"from\": \"cpu1.out\", \"to\": \"x1.in1\", \"latency_ps\": 5000 },"
        "               { \"from\": \"x1.out\", \"to\": \"x2.in1\", \"latency_ps\": 1000 },"
        "               { \"from\": \"cpu2.out\", \"to\": \"x2.in0\" },"
        "               { \"from\": \"x2.out\", \"to\": \"dram0.in\" } ] }");
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    for (int i = 0; i < 3; i++) {
        char n[64];
        snprintf(n, sizeof n, "cpu%d.completed_reqs", i);
        assert_true(stat(sim, n) == 20000);
    }
    assert_true(stat(sim, "dram0.read_reqs") + stat(sim, "dram0.write_reqs") == 60000);
    assert_true(stat(sim, "x2.in1_reqs") == 40000);
    migsim_sim_destroy(sim);
}

static void test_in0_required(void **state)
{
    (void)state;
    migsim_sim_t *sim;
    int rc = migsim_sim_create(&sim,
                               "{ \"base\": \"none\", \"components\": {" PLAYER("cpu0", 1) ","
                               "  \"x\": { \"type\": \"xbar\" }, \"dram0\": { \"type\": \"dram\" } },"
                               "  \"links\": [ { \"from\": \"cpu0.out\", \"to\": \"x.in1\" },"
                               "               { \"from\": \"x.out\", \"to\": \"dram0.in\" } ] }",
                               "test");
    assert_int_equal(rc, MIGSIM_ECONFIG);
    assert_non_null(strstr(migsim_errmsg(), "x.in0 is not connected"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_inputs_saturated),
        cmocka_unit_test(test_two_levels),
        cmocka_unit_test(test_in0_required),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
