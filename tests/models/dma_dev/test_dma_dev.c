/*
 * test_dma_dev.c - the trace-driven DMA device: every line of every record
 * issued and answered when nothing stops it; while suspended, records keep
 * arriving, the buffer fills and the rest are dropped, counted exactly;
 * issue resumes with what was buffered, and a record's latency counts its
 * wait there (from its arrival). Latency per migration phase, with
 * the phase switched by the test between runs: the per-phase counts add up
 * to the total and latency statistics exist only for phases with responses.
 * The nic_rx and block generators drive the device through its parameters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dma_dev/dma_dev.h"
#include "dram/dram.h"
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

/*
 * Write payloads follow the documented formula: byte j of a write at addr
 * issued while record n (1-based) is the newest arrived is
 * (n * 151 + (addr + j) * 13) >> 2, computed here byte by byte.
 */
static void test_write_payload(void **state)
{
    (void)state;
    migsim_sim_t *sim = make(", \"gen_count\": 12, \"gen_size_bytes\": 1536, \"gen_gap_ps\": 10000000, "
                             "\"gen_read_frac\": 0, \"gen_stride_bytes\": 3072, "
                             "\"gen_base\": 8192, \"gen_range_bytes\": 36864, \"gen_pattern\": \"strided\"");
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    assert_true(stat(sim, "nic0.write_reqs") > 12);
    dram_t *dram = (dram_t *)migsim_sim_find(sim, "dram0");
    uint8_t got[1536];
    for (uint64_t n = 1; n <= 12; n++) {
        uint64_t addr = 8192 + (n - 1) * 3072;
        dram_dbg_read(dram, addr, got, sizeof got);
        for (uint64_t j = 0; j < sizeof got; j++)
            if (got[j] != (uint8_t)((n * 151u + (addr + j) * 13u) >> 2))
                fail_msg("record %llu byte %llu: 0x%02x", (unsigned long long)n,
                         (unsigned long long)j, got[j]);
    }
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
    assert_true(d->lat.done == d->st_writes); /* the first 11 records are written */
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

/*
 * Latency runs from a record's arrival, not from its issue: a record that
 * arrives while the device is suspended counts the wait. One 64-byte record
 * arrives at 1 us into a device suspended until 5 us; its one request is
 * answered at last_done_ps, so its latency is last_done_ps - 1 us (and at
 * least the 4 us it waited).
 */
static void test_latency_from_arrival(void **state)
{
    (void)state;
    migsim_sim_t *sim = make(", \"gen_count\": 1, \"gen_size_bytes\": 64, \"gen_gap_ps\": 1000000");
    dma_dev_t *d = (dma_dev_t *)migsim_sim_find(sim, "nic0");
    dma_dev_suspend(d, true);
    migsim_sim_set_phase(sim, MIGSIM_PHASE_DURING);
    assert_int_equal(migsim_sim_run(sim, 2000000), 0);
    migsim_kernel_run_until(migsim_sim_kernel(sim), 5000000);
    assert_int_equal(migsim_sim_now(sim), 5000000);
    assert_int_equal(d->st_arrived, 1);
    migsim_tick_t arrived = d->ring[0].arrived;
    assert_true(arrived <= 1000000);
    dma_dev_suspend(d, false);
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    double done = stat(sim, "nic0.last_done_ps");
    assert_true(stat(sim, "nic0.completed_reqs") == 1);
    assert_true(stat(sim, "nic0.latency_max_ps") == done - (double)arrived);
    assert_true(stat(sim, "nic0.latency_max_ps") > 5000000 - (double)arrived);
    assert_true(fabs(stat(sim, "nic0.latency_during_max_ns") * 1000.0 - (done - (double)arrived)) <
                (done - (double)arrived) / 100.0);  /* the histogram holds it within 1/128 */
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
    assert_int_equal(d->lat.done, 10 - d->st_dropped);
    migsim_sim_destroy(sim);
}

/* The text of the value of "key" in a statistics JSON document. */
static const char *json_value(const char *json, const char *key)
{
    char quoted[128];
    snprintf(quoted, sizeof quoted, "\"%s\":", key);
    const char *p = strstr(json, quoted);
    if (!p)
        fail_msg("no %s in the statistics", key);
    p += strlen(quoted);
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* The phase read at each response splits the counts and latencies. */
static void test_phase_split(void **state)
{
    (void)state;
    /* 60 records of 256 bytes, one every 1 us: 4 lines each */
    migsim_sim_t *sim = make(", \"gen_count\": 60, \"gen_size_bytes\": 256, \"gen_gap_ps\": 1000000, "
                             "\"gen_read_frac\": 0.5, \"gen_pattern\": \"random\"");
    assert_int_equal(migsim_sim_phase(sim), MIGSIM_PHASE_BEFORE);
    assert_int_equal(migsim_sim_run(sim, 20500000), 0);
    double before = stat(sim, "nic0.completed_before_reqs");
    assert_true(before > 0);
    assert_true(isnan(stat(sim, "nic0.latency_during_avg_ns"))); /* no response yet */
    assert_true(isnan(stat(sim, "nic0.latency_during_p99_ns")));
    assert_true(isnan(stat(sim, "nic0.latency_after_max_ns")));
    assert_true(stat(sim, "nic0.completed_during_reqs") == 0);
    migsim_sim_set_phase(sim, MIGSIM_PHASE_DURING);
    assert_int_equal(migsim_sim_run(sim, 40500000), 0);
    double during = stat(sim, "nic0.completed_during_reqs");
    assert_true(during > 0);
    assert_true(stat(sim, "nic0.completed_before_reqs") == before); /* unchanged */
    assert_true(isnan(stat(sim, "nic0.latency_after_avg_ns")));
    migsim_sim_set_phase(sim, MIGSIM_PHASE_AFTER);
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    double after = stat(sim, "nic0.completed_after_reqs");
    assert_true(after > 0);
    double total = stat(sim, "nic0.completed_reqs");
    assert_true(total == 60 * 4);
    assert_true(before + during + after == total);
    static const char *const ph[] = {"before", "during", "after"};
    double maxall = 0;
    for (int i = 0; i < 3; i++) {
        char n[64];
        double v[4];
        static const char *const what[] = {"avg", "p50", "p99", "max"};
        for (int k = 0; k < 4; k++) {
            snprintf(n, sizeof n, "nic0.latency_%s_%s_ns", ph[i], what[k]);
            v[k] = stat(sim, n);
            assert_true(isfinite(v[k]) && v[k] > 0);
        }
        /* p50 <= p99 <= max; the average lies between the extremes */
        assert_true(v[1] <= v[2] && v[2] <= v[3] && v[0] <= v[3]);
        maxall = v[3] > maxall ? v[3] : maxall;
    }
    /* the overall max (ps) is the largest of the phase maxima (ns) */
    assert_true(fabs(stat(sim, "nic0.latency_max_ps") / 1000.0 - maxall) < 1e-6);
    migsim_sim_destroy(sim);

    /* the JSON shows null for a phase without responses, numbers otherwise */
    sim = make(", \"gen_count\": 4, \"gen_size_bytes\": 64");
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    char *json = migsim_sim_stats_json(sim, -1.0);
    assert_int_equal(strncmp(json_value(json, "nic0.latency_during_p50_ns"), "null", 4), 0);
    assert_int_equal(strncmp(json_value(json, "nic0.latency_after_max_ns"), "null", 4), 0);
    assert_int_equal(strncmp(json_value(json, "nic0.completed_during_reqs"), "0", 1), 0);
    assert_true(strtod(json_value(json, "nic0.latency_before_p50_ns"), NULL) > 0);
    assert_int_equal(strtol(json_value(json, "nic0.completed_before_reqs"), NULL, 10), 4);
    free(json);
    migsim_sim_destroy(sim);
}

/* nic_rx through the device: every packet and descriptor write issued, in lines. */
static void test_nic_rx_generator(void **state)
{
    (void)state;
    migsim_sim_t *sim = make(", \"gen_pattern\": \"nic_rx\", \"gen_count\": 200, "
                             "\"gen_ring_entries\": 16, \"gen_buf_bytes\": 2048, "
                             "\"gen_pkt_min_bytes\": 64, \"gen_pkt_max_bytes\": 64, "
                             "\"gen_gap_ps\": 200000");
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    assert_true(stat(sim, "nic0.arrived_records") == 200);
    assert_true(stat(sim, "nic0.dropped_records") == 0);
    assert_true(stat(sim, "nic0.read_reqs") == 0); /* receive: memory writes only */
    /* 100 packets: one aligned 64-byte line each, plus a 16-byte descriptor write */
    assert_true(stat(sim, "nic0.write_reqs") == 200);
    assert_true(stat(sim, "nic0.issued_bytes") == 100 * 64 + 100 * 16);
    migsim_sim_destroy(sim);

    /* the default packet sizes (64..1518) are not powers of two: still accepted */
    sim = make(", \"gen_pattern\": \"nic_rx\", \"gen_count\": 100");
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    assert_true(stat(sim, "nic0.arrived_records") == 100);
    migsim_sim_destroy(sim);
}

static void test_block_generator(void **state)
{
    (void)state;
    migsim_sim_t *sim = make(", \"gen_pattern\": \"block\", \"gen_count\": 20, "
                             "\"gen_block_bytes\": 131072, \"gen_block_order\": \"random\", "
                             "\"gen_range_bytes\": 4194304, \"gen_gap_ps\": 50000000, "
                             "\"gen_read_frac\": 0.5, \"buffer_bytes\": 1048576");
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    assert_true(stat(sim, "nic0.dropped_records") == 0);
    assert_true(stat(sim, "nic0.issued_bytes") == 20 * 131072);
    assert_true(stat(sim, "nic0.read_reqs") + stat(sim, "nic0.write_reqs") == 20 * 2048);
    migsim_sim_destroy(sim);
}

/* Configuration errors in the generator knobs fail at build with the message. */
static void test_generator_config_errors(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {", \"gen_pattern\": \"nic_rx\", \"gen_pkt_max_bytes\": 4096", "pkt_max_bytes 4096"},
        {", \"gen_pattern\": \"nic_rx\", \"gen_count\": 3", "is odd"},
        {", \"gen_pattern\": \"block\", \"gen_block_bytes\": 3000, \"gen_base\": 4096",
         "not aligned to block_bytes 3000"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char cfg[1024];
        snprintf(cfg, sizeof cfg,
                 "{ \"base\": \"none\", \"components\": {"
                 "  \"nic0\": { \"type\": \"dma_dev\" %s },"
                 "  \"dram0\": { \"type\": \"dram\" } },"
                 "  \"links\": [ { \"from\": \"nic0.out\", \"to\": \"dram0.in\" } ] }", bad[k][0]);
        migsim_sim_t *sim = NULL;
        assert_true(migsim_sim_create(&sim, cfg, "test") < 0);
        assert_null(sim);
        if (!strstr(migsim_errmsg(), bad[k][1]))
            fail_msg("message \"%s\" lacks \"%s\"", migsim_errmsg(), bad[k][1]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_lines_issued),
        cmocka_unit_test(test_write_payload),
        cmocka_unit_test(test_suspend_fills_buffer_then_drops),
        cmocka_unit_test(test_ring_bound),
        cmocka_unit_test(test_latency_from_arrival),
        cmocka_unit_test(test_phase_split),
        cmocka_unit_test(test_nic_rx_generator),
        cmocka_unit_test(test_block_generator),
        cmocka_unit_test(test_generator_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
