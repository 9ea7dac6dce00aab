/*
 * test_tiermgr.c - the tiering manager (models/tiermgr/) on
 * bench/configs/tiering.json with its traces shortened (200,000 CPU records,
 * 10 ms): a shifting hot set of 8 MiB over a 64 MiB footprint of 64 KiB
 * pages, a 16 MiB near node and a far node behind the CXL link.
 *
 * - none, pages placed near_first: no migration, and the CPU accesses the
 *   manager counts on the near node equal, exactly, the generator's records
 *   whose page the placement put there (pages 0..255), counted here from a
 *   second generator with the player's configuration;
 * - ideal: the policy's set is the true hot set of every period (precision
 *   and recall 1), it migrates, and nothing is lost;
 * - abit: the scanner's classes drive promotions and demotions; nothing
 *   lost; more CPU accesses find the near node than with no migration;
 * - a planted bug: with the dual-write chip's interlock off and a NIC
 *   writing random lines all over the footprint, writes are lost, which
 *   the oracle reports (and none with the interlock on);
 * - configuration errors name the JSON path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "migsim/errors.h"
#include "migsim/sim.h"
#include "migsim/trace.h"
#include "testutil/sim.h"

#define CFG MIGSIM_SOURCE_DIR "/bench/configs/tiering.json"

static const char *const SHORT[] = { "cpu0.gen_count=200000", "nic0.gen_count=20000",
                                     "disk0.gen_count=200", "cpu0.gen_hot_period=50000" };
#define NSHORT (sizeof SHORT / sizeof SHORT[0])

static migsim_sim_t *run_with(const char *const *extra, size_t n)
{
    migsim_sim_t *sim = tu_make_ex(NULL, CFG, SHORT, NSHORT, extra, n);
    tu_run(sim);
    return sim;
}

/* The records of cpu0's generator (the configuration's, shortened) whose page is below `pages`. */
static uint64_t records_below(uint64_t pages)
{
    migsim_gen_config_t g;
    migsim_gen_config_default(&g);
    g.pattern = MIGSIM_GEN_HOTSET;
    g.count = 200000;
    g.base = 4ull << 30; /* the footprint's VA: the generator follows it */
    g.range_bytes = 64ull << 20;
    g.size_bytes = 64;
    g.read_frac = 0.67;
    g.hot_bytes = 8ull << 20;
    g.hot_frac = 0.9;
    g.hot_period = 50000;
    g.hot_step_bytes = 8ull << 20;
    g.seed = 1;
    g.gap_ps = 50000;
    migsim_gen_t gen;
    assert_int_equal(migsim_gen_init(&gen, &g), 0);
    migsim_trace_rec_t r;
    uint64_t n = 0;
    while (migsim_gen_next(&gen, &r) == 1)
        n += (r.addr - g.base) / (64u << 10) < pages;
    return n;
}

static void test_none_static_placement(void **state)
{
    (void)state;
    const char *const sets[] = { "tm.policy=\"none\"", "mig.placement=\"near_first\"" };
    migsim_sim_t *sim = run_with(sets, 2);
    assert_true(tu_stat(sim, "tm.promotions") == 0 && tu_stat(sim, "tm.demotions") == 0);
    assert_true(tu_stat(sim, "mig.mig_bytes") == 0);
    assert_true(tu_stat(sim, "cpu0.records") == 200000);
    double near = tu_stat(sim, "tm.near_accesses"), far = tu_stat(sim, "tm.far_accesses");
    assert_true(near + far == 200000);
    assert_true(near == (double)records_below(256));
    assert_true(tu_stat(sim, "mig.node0_resident_pages") == 256);
    migsim_sim_destroy(sim);
}

static void test_ideal(void **state)
{
    (void)state;
    const char *const sets[] = { "tm.policy=\"ideal\"" };
    migsim_sim_t *sim = run_with(sets, 1);
    assert_true(tu_stat(sim, "tm.periods") >= 9);
    assert_true(tu_stat(sim, "tm.promotions") > 100);
    /* the read-ahead set is the true set of each period, up to records issued late */
    assert_true(tu_stat(sim, "tm.precision_avg") > 0.99);
    assert_true(tu_stat(sim, "tm.recall_avg") > 0.99);
    assert_true(tu_stat(sim, "mig.lost_writes") == 0);
    migsim_sim_destroy(sim);
}

static void test_abit(void **state)
{
    (void)state;
    migsim_sim_t *sim = run_with(NULL, 0);
    double promo = tu_stat(sim, "tm.promotions");
    assert_true(promo > 0);
    assert_true(tu_stat(sim, "mig.mig_requests") == promo + tu_stat(sim, "tm.demotions"));
    assert_true(tu_stat(sim, "mig.mig_bytes") == tu_stat(sim, "mig.mig_completed") * 65536);
    assert_true(tu_stat(sim, "mig.lost_writes") == 0);
    assert_true(tu_stat(sim, "tm.near_access_share") > 0.1); /* 0 without migration: all far */
    assert_true(tu_stat(sim, "scan.scans") > 5);
    migsim_sim_destroy(sim);
}

static void test_unsafe_loses(void **state)
{
    (void)state;
    /* a NIC writing random lines all over the footprint every 20 ns races the copies */
    const char *const sets[] = { "tm.policy=\"ideal\"", "dw0.interlock=\"none\"",
                                 "nic0.gen_pattern=\"random\"", "nic0.gen_range_bytes=\"64MiB\"",
                                 "nic0.gen_size_bytes=64", "nic0.gen_count=400000",
                                 "nic0.gen_gap_ps=20000" };
    migsim_sim_t *sim = run_with(sets, 7);
    assert_true(tu_stat(sim, "tm.promotions") > 100);
    assert_true(tu_stat(sim, "mig.lost_writes") > 0);
    migsim_sim_destroy(sim);
    sim = run_with(sets + 2, 5); /* the interlock on: the same traffic loses nothing */
    assert_true(tu_stat(sim, "tm.promotions") > 100);
    assert_true(tu_stat(sim, "mig.lost_writes") == 0);
    migsim_sim_destroy(sim);
}

static void test_bad_config(void **state)
{
    (void)state;
    const char *const no_scan[] = { "tm.scanner=\"\"" };
    tu_expect_error_ex(NULL, CFG, no_scan, 1,
                       CFG ": $.components.tm.scanner: policy \"abit\" needs an abit_scan");
    const char *const wrong[] = { "tm.scanner=\"dram0\"" };
    tu_expect_error_ex(NULL, CFG, wrong, 1,
                       CFG ": $.components.tm.scanner: \"dram0\" is a dram, not an abit_scan");
    const char *const no_pl[] = { "tm.policy=\"ideal\"", "tm.players=\"\"" };
    tu_expect_error_ex(NULL, CFG, no_pl, 2,
                       CFG ": $.components.tm.players: policy \"ideal\" needs the CPU players to "
                       "read ahead");
    const char *const same[] = { "tm.far_node=0" };
    tu_expect_error_ex(NULL, CFG, same, 1,
                       CFG ": $.components.tm: near_node and far_node are both 0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none_static_placement),
        cmocka_unit_test(test_ideal),
        cmocka_unit_test(test_abit),
        cmocka_unit_test(test_unsafe_loses),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
