/*
 * test_xbar.c - the interconnect: responses return to the input that sent
 * the request (also through two crossbars in a row), every request is
 * answered once, unconnected inputs are allowed, and under saturation the
 * round-robin retry serves both inputs alike (and four spread over all 128). Links that form a loop, and
 * paths deeper than a request's route holds, are configuration errors; the
 * deepest path that fits runs.
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

/* Inputs on both sides of the bitmap's word boundary and at the last input are served alike. */
static void test_wide_inputs_saturated(void **state)
{
    (void)state;
    migsim_sim_t *sim = make(
        "{ \"base\": \"none\", \"components\": {" PLAYER("cpu0", 1) "," PLAYER("cpu1", 2) ","
        PLAYER("cpu2", 3) "," PLAYER("cpu3", 4) ","
        "  \"x\": { \"type\": \"xbar\" }, \"dram0\": { \"type\": \"dram\" } },"
        "  \"links\": [ { \"from\": \"cpu0.out\", \"to\": \"x.in0\" },"
        "               { \"from\": \"cpu1.out\", \"to\": \"x.in63\" },"
        "               { \"from\": \"cpu2.out\", \"to\": \"x.in64\" },"
        "               { \"from\": \"cpu3.out\", \"to\": \"x.in127\" },"
        "               { \"from\": \"x.out\", \"to\": \"dram0.in\" } ] }");
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    const char *in[] = { "x.in0_reqs", "x.in63_reqs", "x.in64_reqs", "x.in127_reqs" };
    double first = 0, last = 0;
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "cpu%d.completed_reqs", i);
        assert_true(stat(sim, name) == 20000);
        assert_true(stat(sim, in[i]) == 20000);
        snprintf(name, sizeof name, "cpu%d.last_done_ps", i);
        double t = stat(sim, name);
        first = i == 0 || t < first ? t : first;
        last = t > last ? t : last;
    }
    assert_true(stat(sim, "x.refused_reqs") > 1000);
    assert_true(last / first < 1.02); /* alike service: within 2% of each other */
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

/* migsim_sim_create must fail with MIGSIM_ECONFIG and a message holding every string given. */
static void expect_config_error(const char *json, const char *want1, const char *want2)
{
    migsim_sim_t *sim = (migsim_sim_t *)&sim;
    int rc = migsim_sim_create(&sim, json, "loop.json");
    if (rc != MIGSIM_ECONFIG || !strstr(migsim_errmsg(), want1) || !strstr(migsim_errmsg(), want2))
        print_message("rc %d: %s\n", rc, migsim_errmsg());
    assert_int_equal(rc, MIGSIM_ECONFIG);
    assert_null(sim);
    assert_non_null(strstr(migsim_errmsg(), "loop.json: "));
    assert_non_null(strstr(migsim_errmsg(), want1));
    assert_non_null(strstr(migsim_errmsg(), want2));
}

/* Two crossbars feeding each other: found when the configuration is read, with or without latency. */
static void test_loop_is_config_error(void **state)
{
    (void)state;
    for (int lat = 0; lat < 2; lat++) {
        char json[1024];
        const char *l = lat ? ", \"latency_ps\": 1000" : "";
        snprintf(json, sizeof json,
                 "{ \"base\": \"none\", \"components\": {" PLAYER("cpu0", 1) ","
                 "  \"x1\": { \"type\": \"xbar\" }, \"x2\": { \"type\": \"xbar\" } },"
                 "  \"links\": [ { \"from\": \"cpu0.out\", \"to\": \"x1.in1\"%s },"
                 "               { \"from\": \"x1.out\", \"to\": \"x2.in0\"%s },"
                 "               { \"from\": \"x2.out\", \"to\": \"x1.in0\"%s } ] }", l, l, l);
        expect_config_error(json, "$.links[2]: closes a loop (x1 -> x2 -> x1)", "must not come back");
    }
    /* a loop through a component that answers requests itself still loops: its fills come back */
    expect_config_error(
        "{ \"base\": \"none\", \"components\": {" PLAYER("cpu0", 1) ","
        "  \"x\": { \"type\": \"xbar\" }, \"llc0\": { \"type\": \"llc\" } },"
        "  \"links\": [ { \"from\": \"cpu0.out\", \"to\": \"x.in0\" },"
        "               { \"from\": \"x.out\", \"to\": \"llc0.in\" },"
        "               { \"from\": \"llc0.mem\", \"to\": \"x.in1\" } ] }",
        "$.links[2]: closes a loop (x -> llc0 -> x)", "must not come back");
}

/* A chain of n crossbars from cpu0 to dram0 (which pushes one route entry itself). */
static void chain_json(char *json, size_t cap, int n)
{
    int len = snprintf(json, cap, "{ \"base\": \"none\", \"components\": {" PLAYER("cpu0", 7) ","
                                  " \"dram0\": { \"type\": \"dram\" }");
    for (int i = 0; i < n; i++)
        len += snprintf(json + len, cap - (size_t)len, ", \"x%d\": { \"type\": \"xbar\" }", i);
    len += snprintf(json + len, cap - (size_t)len, " }, \"links\": [ { \"from\": \"cpu0.out\", "
                                                   "\"to\": \"x0.in0\" }");
    for (int i = 1; i < n; i++)
        len += snprintf(json + len, cap - (size_t)len,
                        ", { \"from\": \"x%d.out\", \"to\": \"x%d.in0\", \"latency_ps\": %d }", i - 1,
                        i, 100 * i);
    snprintf(json + len, cap - (size_t)len, ", { \"from\": \"x%d.out\", \"to\": \"dram0.in\" } ] }",
             n - 1);
}

/*
 * Seven crossbars and the DRAM fill the route's 8 entries: every request is
 * answered. Eight would need 9: refused when the configuration is read,
 * naming the link the path starts at and the path.
 */
static void test_route_depth(void **state)
{
    (void)state;
    char json[4096];
    chain_json(json, sizeof json, 7);
    migsim_sim_t *sim = make(json);
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    assert_true(stat(sim, "cpu0.completed_reqs") == 20000);
    for (int i = 0; i < 7; i++) {
        char n[64];
        snprintf(n, sizeof n, "x%d.in0_reqs", i);
        assert_true(stat(sim, n) == 20000);
    }
    assert_true(stat(sim, "dram0.read_reqs") + stat(sim, "dram0.write_reqs") == 20000);
    migsim_sim_destroy(sim);
    chain_json(json, sizeof json, 8);
    expect_config_error(json, "$.links[0]: a request sent here pushes 9 return-path entries "
                              "(cpu0.out -> x0.in0 -> x1.in0 -> x2.in0 -> x3.in0 -> x4.in0 -> "
                              "x5.in0 -> x6.in0 -> x7.in0 -> dram0.in)",
                        "more than the 8 a request's route holds");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_inputs_saturated),
        cmocka_unit_test(test_wide_inputs_saturated),
        cmocka_unit_test(test_two_levels),
        cmocka_unit_test(test_in0_required),
        cmocka_unit_test(test_loop_is_config_error),
        cmocka_unit_test(test_route_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
