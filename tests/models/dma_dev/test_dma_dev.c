/*
 * test_dma_dev.c - the trace-driven DMA device: every line of every record
 * issued and answered when nothing stops it; while suspended, records keep
 * arriving, the buffer fills and the rest are dropped, counted exactly;
 * issue resumes with what was buffered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dma_dev/dma_dev.h"
#include "migsim/errors.h"
#include "migsim/sim.h"

static migsim_sim_t *make(const char *dev_json)
{
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "{ \"base\": \"none\", \"components\": {"
             "  \"nic0\": { \"type\": \"dma_dev\" %s },"
             "  \"dram0\": { \"type\": \"dram\" } },"
             "  \"links\": [ { \"from\": \"nic0.out\", \"to\": \"dram0.in\" } ] }", dev_json);
    migsim_sim_t *sim;
    if (migsim_sim_create(&sim, cfg, "test") != 0)
        fail_msg("%s", migsim_errmsg());
    return sim;
}

static double stat(migsim_sim_t *sim, const char *name)
{
    double v;
    assert_int_equal(migsim_sim_stat(sim, name, &v), 0);
    return v;
}

static void test_all_lines_issued(void **state)
{
    (void)state;
    migsim_sim_t *sim = make(", \"gen_count\": 200, \"gen_size_bytes\": 1024, \"gen_gap_ps\": 300000, "
                             "\"gen_read_frac\": 0.5, \"gen_pattern\": \"random\"");
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    assert_true(stat(sim, "nic0.arrived_records") == 200);
    assert_true(stat(sim, "nic0.dropped_records") == 0);
    double reqs = stat(sim, "nic0.read_reqs") + stat(sim, "nic0.write_reqs");
    /* aligned 1 KiB records: 16 lines each */
    assert_true(reqs == 200 * 16);
    assert_true(stat(sim, "nic0.completed_reqs") == reqs);
    assert_true(stat(sim, "dram0.read_reqs") + stat(sim, "dram0.write_reqs") == reqs);
    assert_true(stat(sim, "nic0.issued_bytes") == 200 * 1024);
    migsim_sim_destroy(sim);
}

/* Records every 1 us; suspended from 10.5 us to 20.5 us with room for two records. */
static void test_suspend_fills_buffer_then_drops(void **state)
{
    (void)state;
    migsim_sim_t *sim = make(", \"gen_count\": 40, \"gen_size_bytes\": 2048, \"gen_gap_ps\": 1000000, "
                             "\"buffer_bytes\": 4096, \"gen_stride_bytes\": 2048, "
                             "\"gen_pattern\": \"strided\"");
    dma_dev_t *d = (dma_dev_t *)migsim_sim_find(sim, "nic0");
    assert_int_equal(migsim_sim_run(sim, 10500000), 0);
    assert_true(d->st_done == d->st_writes); /* the first 11 records are written */
    dma_dev_suspend(d, true);
    assert_int_equal(migsim_sim_run(sim, 20500000), 0);
    /* records at 11..20 us arrived: two fit in the buffer, eight were dropped */
    assert_int_equal(d->st_arrived, 21);
    assert_int_equal(d->st_dropped, 8);
    assert_int_equal(d->st_dropped_bytes, 8 * 2048);
    assert_int_equal(d->buffered, 4096);
    assert_int_equal(d->st_buffer_peak, 4096);
    uint64_t written = d->st_writes;
    dma_dev_suspend(d, false);
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    assert_true(d->st_writes > written);
    assert_int_equal(d->st_arrived, 40);
    assert_int_equal(d->st_dropped, 8);
    assert_int_equal(d->buffered, 0);
    assert_int_equal(d->st_suspended_ps, 10000000);
    assert_int_equal(d->st_bytes, (40 - 8) * 2048);
    migsim_sim_destroy(sim);
}

/* The record queue bounds arrivals too: with room for one record, the rest of a burst drops. */
static void test_ring_bound(void **state)
{
    (void)state;
    migsim_sim_t *sim = make(", \"gen_count\": 10, \"gen_size_bytes\": 64, \"gen_gap_ps\": 0, "
                             "\"ring_records\": 1, \"queue_depth\": 1");
    dma_dev_t *d = (dma_dev_t *)migsim_sim_find(sim, "nic0");
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    /* all ten arrive at time 0: the first is issued at once, freeing the ring for the second */
    assert_int_equal(d->st_arrived, 10);
    assert_true(d->st_dropped >= 1 && d->st_dropped <= 8);
    assert_int_equal(d->st_done, 10 - d->st_dropped);
    migsim_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_lines_issued),
        cmocka_unit_test(test_suspend_fills_buffer_then_drops),
        cmocka_unit_test(test_ring_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
