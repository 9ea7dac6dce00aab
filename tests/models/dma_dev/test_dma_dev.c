/*
 * test_dma_dev.c - the trace-driven DMA device: every line of every record
 * issued and answered when nothing stops it; while suspended, records keep
 * arriving, the buffer fills and the rest are dropped, counted exactly;
 * issue resumes with what was buffered, and a record's latency counts its
 * wait there (from its arrival). Latency per migration phase, with
 * the phase switched by the test between runs: the per-phase counts add up
 * to the total and latency statistics exist only for phases with responses.
 * The nic_rx and block generators drive the device through its parameters.
 * Responses with a fault status count in faulted_reqs and in no latency
 * figure (closed form against a test target); `migsim run` exits 1 when a
 * device's requests fault unexpectedly, 0 when expect_faults says so.
 * start_ps places a trace in time (closed form, absolute times and gaps);
 * a trace of CPU records is refused, and the CPU records of a DMA trace are
 * skipped and counted. A device with a DMA mask copies through its bounce
 * buffer exactly the bytes of its requests above the mask (none when the
 * mask covers them, none for pages declared direct), with the CPU's copy
 * requests and time in closed form, and the bytes land where they were meant.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dma_dev/dma_dev.h"
#include "dram/dram.h"
#include "iommu/iommu.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "testutil/cli.h"

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

/* ---- faults ---------------------------------------------------------------------- */

/*
 * A target bound to nic0.out (sim.external_ports) that answers a request at
 * IOVA below 1 MiB after OK_PS with status 0, and any other after FAULT_PS
 * with IOMMU_STATUS_FAULT, as an IOMMU answers an unmapped IOVA. One
 * request is in flight at a time (records 1 us apart).
 */
#define OK_PS 50000ull
#define FAULT_PS 7000ull

typedef struct ftgt_s {
    migsim_port_t port;            /* first: the port callbacks get it */
    migsim_sim_t *sim;
    migsim_event_t ev;
    migsim_req_t *req;             /* the request in flight */
} ftgt_t;

static void ftgt_answer(migsim_event_t *ev)
{
    ftgt_t *t = ev->ctx;
    migsim_req_t *req = t->req;
    t->req = NULL;
    if (req->addr >= (1u << 20))
        req->status = IOMMU_STATUS_FAULT;
    migsim_port_respond(&t->port, req);
}

static int ftgt_recv(migsim_port_t *self, migsim_req_t *req)
{
    ftgt_t *t = (ftgt_t *)self;
    assert_null(t->req);
    t->req = req;
    migsim_tick_t now = migsim_sim_now(t->sim);
    migsim_schedule(migsim_sim_kernel(t->sim), &t->ev, now + (req->addr >= (1u << 20) ? FAULT_PS : OK_PS));
    return 0;
}

static migsim_sim_t *make_fault_target(ftgt_t *t, const char *dev_json)
{
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "{ \"base\": \"none\", \"sim\": { \"external_ports\": [\"nic0.out\"] },"
             "  \"components\": { \"nic0\": { \"type\": \"dma_dev\" %s } } }", dev_json);
    memset(t, 0, sizeof *t);
    if (migsim_sim_create(&t->sim, cfg, "test") != 0)
        fail_msg("%s", migsim_errmsg());
    t->port.recv = ftgt_recv;
    t->port.name = "ftgt";
    assert_int_equal(migsim_event_init(migsim_sim_kernel(t->sim), &t->ev, ftgt_answer, t, 40, 0,
                                       "ftgt.answer"), 0);
    assert_int_equal(migsim_sim_bind(t->sim, "nic0.out", &t->port), 0);
    return t->sim;
}

/*
 * 40 one-line records 1 us apart alternate between IOVA below 1 MiB
 * (answered after 50 ns) and above (a fault after 7 ns): 20 faulted, and
 * every latency figure is that of the 20 others, exactly 50 ns.
 */
static void test_fault_not_in_latency(void **state)
{
    (void)state;
    ftgt_t t;
    migsim_sim_t *sim = make_fault_target(&t, ", \"gen_pattern\": \"strided\", \"gen_count\": 40, "
                                              "\"gen_size_bytes\": 64, \"gen_range_bytes\": 2097152, "
                                              "\"gen_stride_bytes\": 1048640, \"gen_gap_ps\": 1000000, "
                                              "\"gen_read_frac\": 0.5");
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    assert_true(stat(sim, "nic0.completed_reqs") == 40);
    assert_true(stat(sim, "nic0.latency_avg_ns") == OK_PS / 1000.0);
    assert_true(stat(sim, "nic0.latency_max_ps") == OK_PS);
    assert_true(stat(sim, "nic0.faulted_reqs") == 20);
    assert_true(stat(sim, "nic0.completed_before_reqs") == 20);
    double p50 = stat(sim, "nic0.latency_before_p50_ns");
    assert_true(fabs(p50 - 50.0) <= 50.0 / 128);
    assert_true(stat(sim, "nic0.latency_before_max_ns") >= 50.0 - 50.0 / 128);
    migsim_event_fini(migsim_sim_kernel(sim), &t.ev);
    migsim_sim_destroy(sim);
}

/* ---- start time -------------------------------------------------------------------- */

static void write_trace(const char *path, migsim_time_mode_t mode, const migsim_trace_rec_t *r,
                        size_t n)
{
    migsim_trace_wopts_t o;
    migsim_trace_wopts_default(&o);
    o.time_mode = mode;
    migsim_trace_writer_t *w;
    assert_int_equal(migsim_trace_writer_open(&w, path, &o), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(migsim_trace_put(w, &r[i]), 0);
    assert_int_equal(migsim_trace_writer_close(w), 0);
}

static migsim_trace_rec_t dma_rec(uint64_t time, uint64_t addr, uint8_t kind)
{
    migsim_trace_rec_t r = { .time = time, .addr = addr, .size = 64, .op = MIGSIM_OP_WRITE,
                             .src_kind = kind, .src_idx = 0 };
    return r;
}

/* Arrivals of a trace under start_ps S, checked at the tick before each and at it. */
static void expect_arrivals(const char *trace, uint64_t start, const migsim_tick_t *at, size_t n)
{
    char json[512];
    snprintf(json, sizeof json, ", \"trace\": \"%s\", \"start_ps\": %llu", trace,
             (unsigned long long)start);
    migsim_sim_t *sim = make(json);
    dma_dev_t *d = (dma_dev_t *)migsim_sim_find(sim, "nic0");
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(migsim_sim_run(sim, at[i] - 1), 0);
        assert_int_equal(d->st_arrived, i);
        assert_int_equal(migsim_sim_run(sim, at[i]), 0);
        assert_int_equal(d->st_arrived, i + 1);
    }
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    assert_int_equal(d->st_arrived, n);
    migsim_sim_destroy(sim);
}

/*
 * start_ps has the trace player's meaning: an absolute time t arrives at
 * start_ps + t; gaps run from the previous arrival, and nothing arrives
 * before start_ps.
 */
static void test_start_ps(void **state)
{
    (void)state;
    const uint64_t S = 7000000;
    migsim_trace_rec_t abs[3] = { dma_rec(1000, 0x1000, MIGSIM_SRC_DMA),
                                  dma_rec(5000, 0x2000, MIGSIM_SRC_DMA),
                                  dma_rec(9300000, 0x3000, MIGSIM_SRC_DMA) };
    write_trace("dma_start_abs.mtr", MIGSIM_TIME_ABS_PS, abs, 3);
    const migsim_tick_t at_abs[3] = { S + 1000, S + 5000, S + 9300000 };
    expect_arrivals("dma_start_abs.mtr", S, at_abs, 3);
    const migsim_tick_t at_abs0[3] = { 1000, 5000, 9300000 };
    expect_arrivals("dma_start_abs.mtr", 0, at_abs0, 3);

    /* gaps: the first (2 us) is below start_ps, so it arrives at start_ps */
    migsim_trace_rec_t gap[3] = { dma_rec(2000000, 0x1000, MIGSIM_SRC_DMA),
                                  dma_rec(3000, 0x2000, MIGSIM_SRC_DMA),
                                  dma_rec(4000, 0x3000, MIGSIM_SRC_DMA) };
    write_trace("dma_start_gap.mtr", MIGSIM_TIME_GAP_PS, gap, 3);
    const migsim_tick_t at_gap[3] = { S, S + 3000, S + 7000 };
    expect_arrivals("dma_start_gap.mtr", S, at_gap, 3);
}

/*
 * A record whose time, shifted by start_ps (or added to the previous
 * arrival), is past the last tick stops the run with an error naming the
 * device, its trace and the record, instead of wrapping to an early time.
 */
static void test_time_past_the_end(void **state)
{
    (void)state;
    migsim_trace_rec_t abs[2] = { dma_rec(1000, 0x1000, MIGSIM_SRC_DMA),
                                  dma_rec(UINT64_MAX - 500, 0x2000, MIGSIM_SRC_DMA) };
    write_trace("dma_time_end.mtr", MIGSIM_TIME_ABS_PS, abs, 2);
    migsim_sim_t *sim = make(", \"trace\": \"dma_time_end.mtr\", \"start_ps\": 1000");
    dma_dev_t *d = (dma_dev_t *)migsim_sim_find(sim, "nic0");
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), MIGSIM_EINVAL);
    assert_int_equal(d->st_arrived, 1);
    assert_non_null(strstr(migsim_errmsg(), "$.components.nic0: trace \"dma_time_end.mtr\": record 1: "
                                            "its time, 18446744073709551115 ps after 1000 ps, is past"));
    migsim_sim_destroy(sim);
    /* without start_ps the same time fits */
    sim = make(", \"trace\": \"dma_time_end.mtr\"");
    assert_int_equal(migsim_sim_run(sim, 2000000), 0);
    migsim_sim_destroy(sim);
    migsim_trace_rec_t gap[2] = { dma_rec(1000, 0x1000, MIGSIM_SRC_DMA),
                                  dma_rec(UINT64_MAX - 999, 0x2000, MIGSIM_SRC_DMA) };
    write_trace("dma_time_end_gap.mtr", MIGSIM_TIME_GAP_PS, gap, 2);
    sim = make(", \"trace\": \"dma_time_end_gap.mtr\"");
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), MIGSIM_EINVAL);
    assert_non_null(strstr(migsim_errmsg(), "record 1: its time, 18446744073709550616 ps after 1000 ps"));
    migsim_sim_destroy(sim);
}

/* ---- records of another source kind --------------------------------------------------- */

/*
 * A trace none of whose first DMA_DEV_KIND_PROBE_RECS records is a DMA record
 * is refused at creation, naming the file, the component's JSON path and the
 * parameter; a DMA trace with a few CPU records replays the DMA ones and
 * counts the others (their gaps still pass).
 */
static void test_trace_of_another_kind(void **state)
{
    (void)state;
    enum { N = DMA_DEV_KIND_PROBE_RECS + 10 };
    static migsim_trace_rec_t r[N];
    for (size_t i = 0; i < N; i++)
        r[i] = dma_rec(1000 * i, 64 * i, MIGSIM_SRC_CPU);
    r[N - 1].src_kind = MIGSIM_SRC_DMA; /* the first DMA record comes after the probe */
    write_trace("dma_kind_cpu.mtr", MIGSIM_TIME_ABS_PS, r, N);
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "{ \"base\": \"none\", \"components\": {"
             "  \"nic0\": { \"type\": \"dma_dev\", \"trace\": \"dma_kind_cpu.mtr\" },"
             "  \"dram0\": { \"type\": \"dram\" } },"
             "  \"links\": [ { \"from\": \"nic0.out\", \"to\": \"dram0.in\" } ] }");
    migsim_sim_t *sim = NULL;
    assert_true(migsim_sim_create(&sim, cfg, "kind.json") < 0);
    assert_null(sim);
    const char *msg = migsim_errmsg();
    static const char *const want[] = { "kind.json", "$.components.nic0", "trace",
                                        "dma_kind_cpu.mtr", "4096 of them are cpu records" };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
        if (!strstr(msg, want[k]))
            fail_msg("message \"%s\" lacks \"%s\"", msg, want[k]);

    /* 12 records 1 us apart (gaps), records 3, 4 and 9 of kind CPU */
    migsim_trace_rec_t m[12];
    for (size_t i = 0; i < 12; i++)
        m[i] = dma_rec(1000000, 4096 * i, i == 3 || i == 4 || i == 9 ? MIGSIM_SRC_CPU : MIGSIM_SRC_DMA);
    write_trace("dma_kind_mixed.mtr", MIGSIM_TIME_GAP_PS, m, 12);
    sim = make(", \"trace\": \"dma_kind_mixed.mtr\"");
    dma_dev_t *d = (dma_dev_t *)migsim_sim_find(sim, "nic0");
    assert_int_equal(migsim_sim_run(sim, 6000000 - 1), 0);
    assert_int_equal(d->st_arrived, 3);          /* records 0, 1, 2 */
    assert_int_equal(migsim_sim_run(sim, 6000000), 0);
    assert_int_equal(d->st_arrived, 4);          /* record 5 at 6 us: the skipped gaps passed */
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    assert_true(stat(sim, "nic0.arrived_records") == 9);
    assert_true(stat(sim, "nic0.dropped_kind_records") == 3);
    assert_true(stat(sim, "nic0.dropped_full_records") == 0);
    assert_true(stat(sim, "nic0.dropped_records") == 3);
    assert_true(stat(sim, "nic0.trace_records") == 12);
    assert_true(stat(sim, "nic0.write_reqs") == 9);
    migsim_sim_destroy(sim);
}

#ifdef MIGSIM_CLI
/*
 * The default platform scaled to a 1 MiB page, the NIC replaying a trace of
 * 200 line writes at IOVA 8 GiB where nothing is mapped (a trace's addresses
 * cannot be checked when the configuration is read; a generator's region
 * there would be a configuration error): every NIC request faults in the IOMMU.
 * The run exits with status 1 and says so, and the summary shows the faults
 * on the device and on the IOMMU; with nic0.expect_faults the same run
 * exits 0. A CPU trace given to the NIC is refused with status 2.
 */
#define SMALL "--set mig.page_bytes=1MiB --set cpu0.gen_range_bytes=1MiB " \
              "--set disk0.gen_range_bytes=1MiB --set cpu0.gen_count=200 --set nic0.gen_count=200 " \
              "--set disk0.gen_count=4 --set mig.start_ps=100000000 --set nic0.gen_range_bytes=1MiB " \
              "--set nic0.gen_ring_entries=256"

static void test_cli_faults_fail_the_run(void **state)
{
    (void)state;
    const char *log = "dma_cli_faults.log";
    migsim_trace_rec_t far[200];
    for (size_t i = 0; i < 200; i++)
        far[i] = dma_rec(200000000 + 2000000 * i, 0x200000000ull + 2048 * i, MIGSIM_SRC_DMA);
    write_trace("dma_cli_unmapped.mtr", MIGSIM_TIME_ABS_PS, far, 200);
#define UNMAPPED " --set nic0.trace=dma_cli_unmapped.mtr"
    assert_int_equal(run_cli("run " SMALL " --set nic0.gen_base=8GiB", log), 2);
    assert_true(file_has(log, "$.components.nic0.gen_base"));
    assert_int_equal(run_cli("run " SMALL UNMAPPED, log), 1);
    assert_true(file_has(log, "nic0.expect_faults=true"));
    assert_true(file_has(log, "; no latency (every response faulted); suspended"));
    /* every NIC request faulted: the device and the IOMMU show the same count */
    const char *dev = "nic0     DMA 200 records, 0 dropped (0.0%); faulted ";
    assert_true(file_has(log, dev));
    unsigned long nf = strtoul(strstr(read_text(log), dev) + strlen(dev), NULL, 10);
    assert_true(nf == 200); /* one line per record */
    char io[128];
    snprintf(io, sizeof io, "faulted %lu (0 walk errors)", nf);
    assert_true(file_has(log, io));
    snprintf(io, sizeof io, "nic0: %lu requests were answered with a fault", nf);
    assert_true(file_has(log, io));

    assert_int_equal(run_cli("run " SMALL UNMAPPED " --set nic0.expect_faults=true", log), 0);
    assert_false(file_has(log, "answered with a fault"));

    /* mapped: no fault anywhere */
    assert_int_equal(run_cli("run " SMALL, log), 0);
    assert_true(file_has(log, "nic0     DMA 200 records, 0 dropped (0.0%); faulted 0;"));
    assert_true(file_has(log, "faulted 0 (0 walk errors)"));

    /* a CPU trace for the NIC */
    migsim_trace_rec_t r[4];
    for (size_t i = 0; i < 4; i++)
        r[i] = dma_rec(1000 * i, 0x100000000ull + 64 * i, MIGSIM_SRC_CPU);
    write_trace("dma_cli_cpu.mtr", MIGSIM_TIME_ABS_PS, r, 4);
    assert_int_equal(run_cli("run " SMALL " --set nic0.trace=dma_cli_cpu.mtr", log), 2);
    assert_true(file_has(log, "$.components.nic0: trace: dma_cli_cpu.mtr: none of its first 4 records"));
}
#endif

/* The bytes bounce_run's driver maps low, and its map: [4 GiB, 4 GiB + low) at 2 GiB. */
static uint64_t low_bytes;

static uint64_t low_map(void *ctx, uint64_t addr)
{
    uint64_t low = *(const uint64_t *)ctx;
    return addr - (4ull << 30) < low ? addr - (2ull << 30) : addr;
}

/* What the observer saw: requests, and those whose PA differs from their address. */
typedef struct seen_reqs_s {
    uint64_t n, moved, moved_wrong;
} seen_reqs_t;

static void see_req(void *ctx, const migsim_req_t *req)
{
    seen_reqs_t *s = ctx;
    s->n++;
    if (req->addr != req->orig_addr) {
        s->moved++;
        s->moved_wrong += req->addr != req->orig_addr - (2ull << 30) || req->src_kind != MIGSIM_SRC_DMA;
    }
}

/*
 * 64 sequential 1 KiB records over 64 KiB from 4 GiB - 32 KiB, half reads:
 * 32 below 4 GiB, 32 above; DMA mask `bits`, bounce buffer 64 KiB at 1 MiB;
 * the driver maps [4 GiB, 4 GiB + low) to 2 GiB (a remap into low memory),
 * and *seen (if not NULL) counts the requests answered.
 */
static migsim_sim_t *bounce_run(uint32_t bits, uint64_t low, seen_reqs_t *seen)
{
    char dev[512];
    snprintf(dev, sizeof dev,
             ", \"gen_count\": 64, \"gen_size_bytes\": 1024, \"gen_gap_ps\": 300000, "
             "\"gen_read_frac\": 0.5, \"gen_base\": %llu, \"gen_range_bytes\": 65536, "
             "\"dma_mask_bits\": %u, \"bounce_base\": \"1MiB\", \"bounce_bytes\": \"64KiB\"",
             (unsigned long long)((4ull << 30) - 32768), bits);
    migsim_sim_t *sim = make(dev);
    dma_dev_t *d = (dma_dev_t *)migsim_sim_find(sim, "nic0");
    low_bytes = low;
    assert_int_equal(dma_dev_set_map(d, low_map, &low_bytes), 0);
    if (seen)
        assert_int_equal(dma_dev_set_observer(d, see_req, seen), 0);
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    return sim;
}

static void test_bounce_bytes(void **state)
{
    (void)state;
    migsim_sim_t *sim = bounce_run(32, 0, NULL);
    double reqs = 64 * 16;
    assert_true(stat(sim, "nic0.bounce_ios") == 32);
    assert_true(stat(sim, "nic0.direct_ios") == 32);
    assert_true(stat(sim, "nic0.bounce_bytes") == 32 * 1024);
    assert_true(stat(sim, "nic0.bounce_copy_reqs") == 32 * 16 * 2);
    /* 1 us per transfer + 100 ps per byte */
    assert_true(stat(sim, "nic0.bounce_cpu_ps") == 32 * 1e6 + 32 * 1024 * 100);
    assert_true(stat(sim, "nic0.completed_reqs") == reqs);
    assert_true(stat(sim, "nic0.issued_bytes") == 64 * 1024);
    /* each bounced line: the device's access and the CPU's read and write */
    assert_true(stat(sim, "dram0.read_reqs") + stat(sim, "dram0.write_reqs") == reqs + 32 * 16 * 2);
    /*
     * the bounced lines took the ring's lines in order (512 of 1024): each real
     * line above the mask holds what its bounce line holds (a write: the
     * device's bytes copied by the CPU; a read: the real line copied there)
     */
    dram_t *dr = (dram_t *)migsim_sim_find(sim, "dram0");
    static uint8_t real[32768], buf[32768];
    migsim_store_read(&dr->store, 4ull << 30, real, sizeof real);
    migsim_store_read(&dr->store, 1u << 20, buf, sizeof buf);
    assert_memory_equal(real, buf, sizeof real);
    size_t nonzero = 0;
    for (size_t i = 0; i < sizeof real; i++)
        nonzero += real[i] != 0;
    assert_true(nonzero > 8000);   /* about half the records are writes */
    migsim_sim_destroy(sim);
    sim = bounce_run(0, 0, NULL);
    assert_true(stat(sim, "nic0.bounce_ios") == 0 && stat(sim, "nic0.direct_ios") == 0);
    assert_true(stat(sim, "nic0.bounce_bytes") == 0);
    assert_true(stat(sim, "dram0.read_reqs") + stat(sim, "dram0.write_reqs") == reqs);
    migsim_sim_destroy(sim);
    /* a mask covering all memory: nothing bounces */
    sim = bounce_run(33, 0, NULL);
    assert_true(stat(sim, "nic0.bounce_ios") == 0 && stat(sim, "nic0.direct_ios") == 64);
    assert_true(stat(sim, "nic0.bounce_bytes") == 0 && stat(sim, "nic0.bounce_cpu_ps") == 0);
    migsim_sim_destroy(sim);
}

/*
 * Pages the driver maps into low memory (remapped) stop bouncing, and their
 * bytes land at the mapped PA; the observer sees each request once, with the
 * device's address and the PA it went to.
 */
static void test_bounce_mapped(void **state)
{
    (void)state;
    seen_reqs_t seen = { 0 };
    migsim_sim_t *sim = bounce_run(32, 16384, &seen);   /* the first 4 pages above: 16 records */
    assert_true(stat(sim, "nic0.bounce_ios") == 16);
    assert_true(stat(sim, "nic0.direct_ios") == 48);
    assert_true(stat(sim, "nic0.bounce_bytes") == 16 * 1024);
    assert_true(seen.n == 64 * 16 && seen.moved == 16 * 16 && seen.moved_wrong == 0);
    /* the remapped lines' bytes are at 2 GiB, none at 4 GiB; the rest bounced to their place */
    dram_t *dr = (dram_t *)migsim_sim_find(sim, "dram0");
    static uint8_t lo[16384], hi[16384];
    migsim_store_read(&dr->store, 2ull << 30, lo, sizeof lo);
    migsim_store_read(&dr->store, 4ull << 30, hi, sizeof hi);
    size_t nz_lo = 0, nz_hi = 0;
    for (size_t i = 0; i < sizeof lo; i++)
        nz_lo += lo[i] != 0, nz_hi += hi[i] != 0;
    assert_true(nz_lo > 4000 && nz_hi == 0);
    migsim_sim_destroy(sim);
    /* one observer per device: another is refused, the same one again is not */
    sim = make(", \"gen_count\": 1");
    dma_dev_t *o = (dma_dev_t *)migsim_sim_find(sim, "nic0");
    seen_reqs_t other = { 0 };
    assert_int_equal(dma_dev_set_observer(o, see_req, &seen), 0);
    assert_int_equal(dma_dev_set_observer(o, see_req, &seen), 0);
    assert_int_equal(dma_dev_set_observer(o, see_req, &other), MIGSIM_EBUSY);
    assert_string_equal(migsim_errmsg(), "nic0: observed already (one observer per device)");
    assert_int_equal(dma_dev_set_observer(o, NULL, NULL), 0);
    assert_int_equal(dma_dev_set_observer(o, see_req, &other), 0);
    migsim_sim_destroy(sim);
    /* a device with an ATC needs an IOMMU: the map is refused */
    sim = make(", \"gen_count\": 1, \"atc_entries\": 8");
    dma_dev_t *d = (dma_dev_t *)migsim_sim_find(sim, "nic0");
    assert_int_equal(dma_dev_set_map(d, low_map, &low_bytes), MIGSIM_ECONFIG);
    assert_non_null(strstr(migsim_errmsg(), "has no ATC and no PRI (atc_entries 8, pri false)"));
    migsim_sim_destroy(sim);
}

/* A bounce buffer too small or above the mask is refused at init, naming it. */
static void test_bounce_config(void **state)
{
    (void)state;
    static const struct { const char *dev, *want; } bad[] = {
        { ", \"dma_mask_bits\": 32, \"bounce_bytes\": 1024",
          "bounce_bytes 1024: a device with dma_mask_bits 32 needs a bounce buffer of at least "
          "queue_depth x line_bytes = 2048 bytes" },
        { ", \"dma_mask_bits\": 32, \"bounce_bytes\": 4096, \"bounce_base\": \"4GiB\"",
          "bounce_base 0x100000000, bounce_bytes 4096: the bounce buffer must be line-aligned and "
          "lie below the DMA mask (2^32 = 0x100000000)" },
        { ", \"dma_mask_bits\": 32, \"bounce_bytes\": 4096, \"atc_entries\": 4",
          "dma_mask_bits 32: a device with a DMA mask has no ATC and no PRI (atc_entries 4, pri "
          "false)" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char cfg[1024];
        snprintf(cfg, sizeof cfg,
                 "{ \"base\": \"none\", \"components\": {"
                 "  \"nic0\": { \"type\": \"dma_dev\" %s },"
                 "  \"dram0\": { \"type\": \"dram\" } },"
                 "  \"links\": [ { \"from\": \"nic0.out\", \"to\": \"dram0.in\" } ] }",
                 bad[i].dev);
        migsim_sim_t *sim = NULL;
        assert_int_equal(migsim_sim_create(&sim, cfg, "cfg.json"), MIGSIM_ECONFIG);
        char want[512];
        snprintf(want, sizeof want, "cfg.json: $.components.nic0: %s", bad[i].want);
        assert_string_equal(migsim_errmsg(), want);
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
        cmocka_unit_test(test_fault_not_in_latency),
        cmocka_unit_test(test_start_ps),
        cmocka_unit_test(test_time_past_the_end),
        cmocka_unit_test(test_trace_of_another_kind),
#ifdef MIGSIM_CLI
        cmocka_unit_test(test_cli_faults_fail_the_run),
        cmocka_unit_test(test_bounce_bytes),
        cmocka_unit_test(test_bounce_mapped),
        cmocka_unit_test(test_bounce_config),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
