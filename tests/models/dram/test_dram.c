/*
 * test_dram.c - the DDR4 model: closed-form timing of single accesses, the
 * refresh and four-activate windows, functional data (including reads
 * answered from the write queue), and long random traffic whose command
 * log the independent checker (dram_check.c) must find clean, while a log
 * checked against tighter timing than it was made with must not be.
 *
 * A probe port of the test is bound to dram0.in (sim.external_ports) and
 * sends requests at chosen ticks; each response records its tick.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dram/dram.h"
#include "dram/dram_check.h"
#include "migsim/errors.h"
#include "migsim/rng.h"
#include "migsim/sim.h"
#include "migsim/trace.h"

#define MAXREQ 64

typedef struct probe_s {
    migsim_port_t port;
    migsim_sim_t *sim;
    dram_t *d;
    migsim_tick_t done[MAXREQ];     /* completion tick per request tag */
    uint8_t data[MAXREQ][64];       /* read data per tag */
    int ndone;
} probe_t;

static void probe_resp(migsim_port_t *self, migsim_req_t *req)
{
    probe_t *p = (probe_t *)self;
    int tag = (int)(uintptr_t)req->cookie;
    p->done[tag] = migsim_sim_now(p->sim);
    memcpy(p->data[tag], req->data, 64);
    p->ndone++;
    migsim_req_free(migsim_sim_pool(p->sim), req);
}

static void probe_open(probe_t *p, const char *extra_dram_json)
{
    char cfg[2048];
    snprintf(cfg, sizeof cfg,
             "{ \"base\": \"none\", \"sim\": { \"external_ports\": [\"dram0.in\"] },"
             "  \"components\": { \"dram0\": { \"type\": \"dram\", \"preset\": \"DDR4-2400\"%s%s } } }",
             extra_dram_json ? ", " : "", extra_dram_json ? extra_dram_json : "");
    memset(p, 0, sizeof *p);
    int rc = migsim_sim_create(&p->sim, cfg, "test");
    if (rc)
        fail_msg("%s", migsim_errmsg());
    p->port.resp = probe_resp;
    p->port.name = "probe";
    assert_int_equal(migsim_sim_bind(p->sim, "dram0.in", &p->port), 0);
    p->d = (dram_t *)migsim_sim_find(p->sim, "dram0");
    assert_non_null(p->d);
    assert_int_equal(migsim_sim_run(p->sim, 0), 0);
}

/* Byte address of (bank group, bank, row, column line) in channel 0, rank 0. */
static uint64_t addr_of(const dram_t *d, uint32_t bg, uint32_t bank, uint32_t row, uint32_t col)
{
    const dram_addrmap_t *m = &d->map;
    return (uint64_t)bg << m->shift[2] | (uint64_t)bank << m->shift[3] |
           (uint64_t)row << m->shift[4] | (uint64_t)col << m->shift[5];
}

/* Advance to tick t (events up to t fire), then send one request tagged `tag`. */
static void send_at(probe_t *p, migsim_tick_t t, int tag, migsim_op_t op, uint64_t addr,
                    const void *data)
{
    migsim_kernel_run_until(migsim_sim_kernel(p->sim), t);
    migsim_req_t *r = migsim_req_alloc(migsim_sim_pool(p->sim));
    r->addr = r->orig_addr = addr;
    r->size = 64;
    r->op = (uint8_t)op;
    r->cookie = (void *)(uintptr_t)tag;
    r->t_issue = t;
    if (data) {
        r->flags |= MIGSIM_REQ_HAS_DATA;
        memcpy(r->data, data, 64);
    } else if (op == MIGSIM_OP_READ) {
        r->flags |= MIGSIM_REQ_HAS_DATA;
    }
    assert_int_equal(migsim_port_send(&p->port, r), 0);
}

static void finish(probe_t *p)
{
    assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
}

static uint64_t cyc(const probe_t *p, uint64_t n) { return n * p->d->t.tCK_ps; }

/* One read to an idle bank completes at exactly tRCD + tCL + tBL after it arrives. */
static void test_idle_read(void **state)
{
    (void)state;
    for (int preset = 0; preset < 2; preset++) {
        probe_t p;
        probe_open(&p, preset ? "\"preset\": \"DDR4-3200\"" : NULL);
        const dram_timing_t *t = &p.d->t;
        migsim_tick_t t0 = cyc(&p, 100);
        send_at(&p, t0, 0, MIGSIM_OP_READ, addr_of(p.d, 1, 2, 77, 5), NULL);
        finish(&p);
        assert_int_equal(p.done[0], t0 + cyc(&p, t->tRCD + t->tCL + dram_tBL(t)));
        /* an arrival between clock edges waits for the next edge */
        probe_t q;
        probe_open(&q, preset ? "\"preset\": \"DDR4-3200\"" : NULL);
        send_at(&q, t0 + 1, 0, MIGSIM_OP_READ, addr_of(q.d, 1, 2, 77, 5), NULL);
        finish(&q);
        assert_int_equal(q.done[0], t0 + cyc(&q, 1 + t->tRCD + t->tCL + dram_tBL(t)));
        migsim_sim_destroy(p.sim);
        migsim_sim_destroy(q.sim);
    }
}

/* A read to the open row: tCL + tBL; to another row of the same bank: tRP + tRCD + tCL + tBL. */
static void test_row_hit_and_conflict(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, NULL);
    const dram_timing_t *t = &p.d->t;
    send_at(&p, 0, 0, MIGSIM_OP_READ, addr_of(p.d, 0, 0, 10, 0), NULL);
    migsim_tick_t t1 = cyc(&p, 200);   /* long after tRAS, tRTP, tCCD */
    send_at(&p, t1, 1, MIGSIM_OP_READ, addr_of(p.d, 0, 0, 10, 3), NULL);
    migsim_tick_t t2 = cyc(&p, 400);
    send_at(&p, t2, 2, MIGSIM_OP_READ, addr_of(p.d, 0, 0, 11, 0), NULL);
    finish(&p);
    assert_int_equal(p.done[0], cyc(&p, t->tRCD + t->tCL + dram_tBL(t)));
    assert_int_equal(p.done[1], t1 + cyc(&p, t->tCL + dram_tBL(t)));
    assert_int_equal(p.done[2], t2 + cyc(&p, t->tRP + t->tRCD + t->tCL + dram_tBL(t)));
    assert_int_equal(p.d->st_row_hits, 1);
    assert_int_equal(p.d->st_row_misses, 1);
    assert_int_equal(p.d->st_row_conflicts, 1);
    /* percentiles: three reads of 38, 21 and 55 cycles */
    double v;
    assert_int_equal(migsim_sim_stat(p.sim, "dram0.read_latency_p50_cyc", &v), 0);
    assert_true(v == t->tRCD + t->tCL + dram_tBL(t));
    assert_int_equal(migsim_sim_stat(p.sim, "dram0.read_latency_max_cyc", &v), 0);
    assert_true(v == t->tRP + t->tRCD + t->tCL + dram_tBL(t));
    /* a conflict right after the ACT must wait for tRAS before the PRE */
    probe_t q;
    probe_open(&q, NULL);
    send_at(&q, 0, 0, MIGSIM_OP_READ, addr_of(q.d, 0, 0, 10, 0), NULL);
    send_at(&q, cyc(&q, 1), 1, MIGSIM_OP_READ, addr_of(q.d, 0, 0, 11, 0), NULL);
    finish(&q);
    /* PRE at max(tRAS, RD + tRTP) = tRAS (39 > 17 + 9), ACT tRP later, RD tRCD later */
    assert_int_equal(q.done[1], cyc(&q, t->tRAS + t->tRP + t->tRCD + t->tCL + dram_tBL(t)));
    migsim_sim_destroy(p.sim);
    migsim_sim_destroy(q.sim);
}

/* A read arriving when a refresh falls due waits for REF and tRFC. */
static void test_refresh_in_the_way(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, NULL);
    const dram_timing_t *t = &p.d->t;
    migsim_tick_t due = cyc(&p, t->tREFI);
    send_at(&p, due, 0, MIGSIM_OP_READ, addr_of(p.d, 2, 1, 5, 0), NULL);
    finish(&p);
    assert_int_equal(p.done[0], due + cyc(&p, t->tRFC + t->tRCD + t->tCL + dram_tBL(t)));
    assert_int_equal(p.d->st_cmd[DRAM_CMD_REF], 1);
    /*
     * With a row open, the refresh waits for the column command of the
     * request the row was activated for (issued after the due cycle: the
     * row stays committed to it), then precharges (tRAS after the ACT), then
     * REF. The second read hits the open row but arrives when the refresh is
     * due, and a rank with a refresh due takes no other column command: it
     * is served after REF + tRFC from a reopened row. No ACT is wasted.
     */
    probe_t q;
    probe_open(&q, NULL);
    migsim_tick_t a = due - cyc(&q, 10);
    send_at(&q, a, 0, MIGSIM_OP_READ, addr_of(q.d, 2, 1, 5, 0), NULL);   /* ACT at due-10 */
    send_at(&q, due, 1, MIGSIM_OP_READ, addr_of(q.d, 2, 1, 5, 1), NULL);
    finish(&q);
    uint64_t act = t->tREFI - 10;
    uint64_t rd0 = act + t->tRCD;
    uint64_t pre = act + t->tRAS > rd0 + t->tRTP ? act + t->tRAS : rd0 + t->tRTP;
    uint64_t ref = pre + t->tRP;
    uint64_t rd1 = ref + t->tRFC + t->tRCD;
    assert_int_equal(q.done[0], cyc(&q, rd0 + t->tCL + dram_tBL(t)));
    assert_int_equal(q.done[1], cyc(&q, rd1 + t->tCL + dram_tBL(t)));
    assert_int_equal(q.d->st_cmd[DRAM_CMD_ACT], 2);
    assert_int_equal(q.d->st_cmd[DRAM_CMD_PRE], 1);
    assert_int_equal(q.d->st_cmd[DRAM_CMD_REF], 1);
    double v;
    assert_int_equal(migsim_sim_stat(q.sim, "dram0.wasted_act_refresh_cmds", &v), 0);
    assert_true(v == 0);
    migsim_sim_destroy(p.sim);
    migsim_sim_destroy(q.sim);
}

/*
 * ramulator2: a request whose ACT issued moves to the active buffer and frees
 * its read-buffer entry. With one entry, read A (bank group 0) is accepted
 * and activated at cycle 0; read B (bank group 1) offered at cycle 1 is
 * accepted at once (the default controller refuses it until A's RD), its
 * ACT waits tRRD_S and its RD tRCD more; A is served tRCD after its ACT.
 */
static void test_ramulator2_active_buffer_frees_entry(void **state)
{
    (void)state;
    for (int ram = 0; ram < 2; ram++) {
        probe_t p;
        probe_open(&p, ram ? "\"controller\": \"ramulator2\", \"read_queue_depth\": 1"
                           : "\"read_queue_depth\": 1");
        const dram_timing_t *t = &p.d->t;
        send_at(&p, 0, 0, MIGSIM_OP_READ, addr_of(p.d, 0, 0, 7, 0), NULL);
        migsim_kernel_run_until(migsim_sim_kernel(p.sim), cyc(&p, 1));
        migsim_req_t *r = migsim_req_alloc(migsim_sim_pool(p.sim));
        r->addr = r->orig_addr = addr_of(p.d, 1, 0, 9, 0);
        r->size = 64;
        r->op = MIGSIM_OP_READ;
        r->cookie = (void *)(uintptr_t)1;
        int rc = migsim_port_send(&p.port, r);
        if (!ram) {
            assert_int_equal(rc, MIGSIM_EBUSY); /* the default buffer holds A until its RD */
            migsim_req_free(migsim_sim_pool(p.sim), r);
            migsim_sim_destroy(p.sim);
            continue;
        }
        assert_int_equal(rc, 0);
        finish(&p);
        uint64_t act_b = 1 > t->tRRD_S ? 1 : t->tRRD_S;
        assert_int_equal(p.done[0], cyc(&p, t->tRCD + t->tCL + dram_tBL(t)));
        assert_int_equal(p.done[1], cyc(&p, act_b + t->tRCD + t->tCL + dram_tBL(t)));
        migsim_sim_destroy(p.sim);
    }
}

/*
 * ramulator2's refresh: the active requests of the rank are served first,
 * then one PREA closes every bank once the PRE constraints of all of them
 * allow (here tRAS of the later ACT), REF tRP later. Reads A and B open two
 * banks just before the refresh falls due; C, a hit on A's row arriving at
 * the due cycle, waits for REF + tRFC and a new ACT.
 */
static void test_ramulator2_refresh_prea(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, "\"controller\": \"ramulator2\"");
    const dram_timing_t *t = &p.d->t;
    uint64_t due = t->tREFI;
    send_at(&p, cyc(&p, due - 10), 0, MIGSIM_OP_READ, addr_of(p.d, 2, 1, 5, 0), NULL);
    send_at(&p, cyc(&p, due - 9), 1, MIGSIM_OP_READ, addr_of(p.d, 0, 0, 3, 0), NULL);
    send_at(&p, cyc(&p, due), 2, MIGSIM_OP_READ, addr_of(p.d, 2, 1, 5, 1), NULL);
    finish(&p);
    uint64_t act0 = due - 10, act1 = act0 + t->tRRD_S;
    uint64_t rd0 = act0 + t->tRCD;
    uint64_t rd1 = act1 + t->tRCD > rd0 + t->tCCD_S ? act1 + t->tRCD : rd0 + t->tCCD_S;
    uint64_t prea = act1 + t->tRAS;
    assert_true(prea >= rd1 + t->tRTP);
    uint64_t ref = prea + t->tRP;
    uint64_t rd2 = ref + t->tRFC + t->tRCD;
    assert_int_equal(p.done[0], cyc(&p, rd0 + t->tCL + dram_tBL(t)));
    assert_int_equal(p.done[1], cyc(&p, rd1 + t->tCL + dram_tBL(t)));
    assert_int_equal(p.done[2], cyc(&p, rd2 + t->tCL + dram_tBL(t)));
    assert_int_equal(p.d->st_prea, 1);
    assert_int_equal(p.d->st_cmd[DRAM_CMD_PRE], 0);
    assert_int_equal(p.d->st_cmd[DRAM_CMD_ACT], 3);
    assert_int_equal(p.d->st_cmd[DRAM_CMD_REF], 1);
    assert_int_equal(p.d->st_wasted[0] + p.d->st_wasted[1] + p.d->st_wasted[2], 0);
    migsim_sim_destroy(p.sim);
}

/*
 * Settings a peer controller does not model are configuration errors naming
 * the component: ramulator2 with scheduler fcfs; dramsim3 with the closed
 * page; either with watermarks other than the defaults (each drains writes
 * by its own rule).
 */
static void test_controller_config_errors(void **state)
{
    (void)state;
    static const char *const bad[][3] = {
        { "dram0.controller=\"ramulator2\"", "dram0.scheduler=\"fcfs\"", "scheduler \"frfcfs\"" },
        { "dram0.controller=\"dramsim3\"", "dram0.page_policy=\"closed\"", "page_policy \"open\"" },
        { "dram0.controller=\"dramsim3\"", "dram0.write_high_watermark=20", "their defaults" },
        { "dram0.controller=\"ramulator2\"", "dram0.write_low_watermark=6", "their defaults" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        migsim_sim_t *sim = NULL;
        assert_int_equal(migsim_sim_create_platform(&sim, "dram", bad[i], 2), MIGSIM_ECONFIG);
        assert_null(sim);
        assert_non_null(strstr(migsim_errmsg(), "$.components.dram0"));
        assert_non_null(strstr(migsim_errmsg(), bad[i][2]));
    }
}

/*
 * dramsim3: a request accepted at cycle c moves to its bank's command queue
 * at c + 1, so an idle read's ACT issues at c + 2 and it completes tRCD +
 * tCL + tBL later. A read whose RD would fall after the refresh is due loses
 * its row: the refresh precharges the bank tRAS after the ACT (a wasted ACT,
 * as DRAMSim3 counts them), refreshes tRP later, and the read is served
 * from a row opened again tRFC after REF.
 */
static void test_dramsim3_move_and_refresh(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, "\"controller\": \"dramsim3\"");
    const dram_timing_t *t = &p.d->t;
    send_at(&p, cyc(&p, 100), 0, MIGSIM_OP_READ, addr_of(p.d, 1, 2, 77, 5), NULL);
    uint64_t due = t->tREFI;
    send_at(&p, cyc(&p, due - 10), 1, MIGSIM_OP_READ, addr_of(p.d, 2, 1, 5, 0), NULL);
    finish(&p);
    assert_int_equal(p.done[0], cyc(&p, 100 + 2 + t->tRCD + t->tCL + dram_tBL(t)));
    uint64_t act = due - 10 + 2;
    assert_true(act + t->tRCD > due); /* the RD would come after the refresh is due */
    uint64_t ref = act + t->tRAS + t->tRP;
    assert_int_equal(p.done[1], cyc(&p, ref + t->tRFC + t->tRCD + t->tCL + dram_tBL(t)));
    assert_int_equal(p.d->st_cmd[DRAM_CMD_ACT], 3);
    assert_int_equal(p.d->st_cmd[DRAM_CMD_PRE], 2); /* the first read's row, then the wasted one */
    assert_int_equal(p.d->st_cmd[DRAM_CMD_REF], 1);
    assert_int_equal(p.d->st_wasted[1], 1);
    assert_int_equal(p.d->st_wasted[0] + p.d->st_wasted[2], 0);
    migsim_sim_destroy(p.sim);
}

/* Five reads to five banks of different groups: ACTs tRRD_S apart, the fifth held by tFAW. */
static void test_four_activate_window(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, "\"refresh\": false");
    const dram_timing_t *t = &p.d->t;
    for (int i = 0; i < 5; i++)
        send_at(&p, 0, i, MIGSIM_OP_READ, addr_of(p.d, (uint32_t)i % 4, (uint32_t)i / 4, 3, 0), NULL);
    finish(&p);
    uint64_t act[5], rd[5];
    for (int i = 0; i < 5; i++)
        act[i] = (uint64_t)i * t->tRRD_S;
    act[4] = act[4] > t->tFAW ? act[4] : t->tFAW;
    for (int i = 0; i < 5; i++) {
        rd[i] = act[i] + t->tRCD;
        if (i && rd[i] < rd[i - 1] + t->tCCD_S)
            rd[i] = rd[i - 1] + t->tCCD_S;
        assert_int_equal(p.done[i], cyc(&p, rd[i] + t->tCL + dram_tBL(t)));
    }
    migsim_sim_destroy(p.sim);
}

static void fill(uint8_t *b, uint8_t seed)
{
    for (int i = 0; i < 64; i++)
        b[i] = (uint8_t)(seed * 31 + i);
}

/*
 * A row activated for a read stays committed to it when the controller
 * turns to writes: one read (ACT at 0), then at cycle 1 a write to another
 * row of the same bank, which with write_high_watermark 1 turns the channel
 * to writes at once. The read's RD issues in write mode at tRCD, the PRE
 * for the write at max(tRAS, RD + tRTP), its ACT tRP later and its WR tRCD
 * after that: two ACTs, none wasted. (Closing the read's row for the write
 * would waste its ACT and activate it a second time.)
 */
static void test_mode_switch_keeps_committed_row(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, "\"refresh\": false, \"write_high_watermark\": 1, \"write_low_watermark\": 0");
    const dram_timing_t *t = &p.d->t;
    uint8_t w[64];
    fill(w, 3);
    send_at(&p, 0, 0, MIGSIM_OP_READ, addr_of(p.d, 1, 3, 20, 0), NULL);
    send_at(&p, cyc(&p, 1), 1, MIGSIM_OP_WRITE, addr_of(p.d, 1, 3, 21, 0), w);
    finish(&p);
    uint64_t rd = t->tRCD;
    uint64_t pre = t->tRAS > rd + t->tRTP ? t->tRAS : rd + t->tRTP;
    uint64_t wr = pre + t->tRP + t->tRCD;
    assert_int_equal(p.done[0], cyc(&p, rd + t->tCL + dram_tBL(t)));
    assert_int_equal(p.done[1], cyc(&p, wr + t->tCWL + dram_tBL(t)));
    assert_int_equal(p.d->st_cmd[DRAM_CMD_ACT], 2);
    assert_int_equal(p.d->st_cmd[DRAM_CMD_PRE], 1);
    static const char *const names[] = { "dram0.wasted_act_cmds", "dram0.wasted_act_mode_cmds",
                                         "dram0.wasted_act_refresh_cmds",
                                         "dram0.wasted_act_other_cmds" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        double v;
        assert_int_equal(migsim_sim_stat(p.sim, names[i], &v), 0);
        assert_true(v == 0);
    }
    migsim_sim_destroy(p.sim);
}

/* Reads return what was last written: through the store, and from the write queue. */
static void test_functional(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, NULL);
    uint8_t w1[64], w2[64], zero[64] = { 0 };
    fill(w1, 1);
    fill(w2, 2);
    uint64_t a = addr_of(p.d, 1, 1, 9, 4);
    send_at(&p, 0, 0, MIGSIM_OP_WRITE, a, w1);
    send_at(&p, 0, 1, MIGSIM_OP_READ, a, NULL);          /* hits the queued write */
    send_at(&p, 0, 2, MIGSIM_OP_READ, a + 4096 * 64, NULL); /* never written */
    finish(&p);
    assert_memory_equal(p.data[1], w1, 64);
    assert_memory_equal(p.data[2], zero, 64);
    assert_int_equal(p.d->st_forwarded, 1);
    send_at(&p, migsim_sim_now(p.sim) + cyc(&p, 1000), 3, MIGSIM_OP_WRITE, a, w2);
    finish(&p);
    send_at(&p, migsim_sim_now(p.sim) + cyc(&p, 1000), 4, MIGSIM_OP_READ, a, NULL);
    finish(&p);
    assert_memory_equal(p.data[4], w2, 64);
    uint8_t dbg[64];
    dram_dbg_read(p.d, a, dbg, 64);
    assert_memory_equal(dbg, w2, 64);
    /* a read queued before a write to its line sees the old bytes */
    probe_t q;
    probe_open(&q, "\"write_high_watermark\": 1, \"write_low_watermark\": 0");
    assert_int_equal(dram_dbg_write(q.d, a, w1, 64), 0);
    send_at(&q, 0, 0, MIGSIM_OP_READ, addr_of(q.d, 0, 0, 1, 0), NULL); /* keeps the bank busy */
    send_at(&q, 0, 1, MIGSIM_OP_READ, a, NULL);
    send_at(&q, 0, 2, MIGSIM_OP_WRITE, a, w2);   /* drains first: high watermark 1 */
    finish(&q);
    assert_memory_equal(q.data[1], w1, 64);
    migsim_sim_destroy(p.sim);
    migsim_sim_destroy(q.sim);
}

/* A compare-and-swap write changes memory only if it still holds the expected bytes. */
static void test_compare_and_swap(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, NULL);
    uint64_t a = addr_of(p.d, 0, 1, 3, 2);
    uint8_t x[8] = { 1, 1, 1, 1, 1, 1, 1, 1 }, y[8] = { 2, 2, 2, 2, 2, 2, 2, 2 }, got[8];
    assert_int_equal(dram_dbg_write(p.d, a, x, 8), 0);
    for (int attempt = 0; attempt < 2; attempt++) {
        migsim_req_t *r = migsim_req_alloc(migsim_sim_pool(p.sim));
        r->addr = r->orig_addr = a;
        r->size = 8;
        r->op = MIGSIM_OP_WRITE;
        r->flags = MIGSIM_REQ_HAS_DATA | MIGSIM_REQ_CAS;
        r->cookie = (void *)(uintptr_t)attempt;
        memcpy(r->data, attempt ? (uint8_t[8]){ 3, 3, 3, 3, 3, 3, 3, 3 } : y, 8);
        memcpy(r->data + 8, x, 8); /* expects x both times: true first, stale second */
        assert_int_equal(migsim_port_send(&p.port, r), 0);
        finish(&p);
    }
    dram_dbg_read(p.d, a, got, 8);
    assert_memory_equal(got, y, 8); /* the first swapped in y; the second found y, wrote nothing */
    migsim_sim_destroy(p.sim);
}

static void write_trace(const char *path, uint64_t n, uint64_t range, uint64_t gap_ps, uint64_t seed)
{
    migsim_gen_config_t g;
    migsim_gen_config_default(&g);
    g.pattern = MIGSIM_GEN_RANDOM;
    g.count = n;
    g.range_bytes = range;
    g.read_frac = 0.6;
    g.seed = seed;
    g.gap_ps = gap_ps;
    migsim_trace_wopts_t o;
    migsim_trace_wopts_default(&o);
    migsim_trace_writer_t *w;
    assert_int_equal(migsim_trace_writer_open(&w, path, &o), 0);
    assert_int_equal(migsim_gen_write(&g, w), 0);
    assert_int_equal(migsim_trace_writer_close(w), 0);
}

/* Run the default platform on random traffic with a command log; return the checker's result. */
/* sets = a configuration's k settings followed by the test's own; the count. */
static size_t join_sets(const char **sets, const char *const *cfg, size_t k,
                        const char *const *own, size_t nown)
{
    size_t n = 0;
    for (size_t j = 0; j < k; j++)
        sets[n++] = cfg[j];
    for (size_t j = 0; j < nown; j++)
        sets[n++] = own[j];
    return n;
}

/*
 * Run the platform with a command log and check the log; if asked, wasted[0] =
 * wasted_act_cmds and wasted[1] = wasted_act_refresh_cmds.
 */
static void run_logged(const char *const *sets, size_t n, const char *log, dram_check_result_t *res,
                       double *wasted)
{
    migsim_sim_t *sim;
    int rc = migsim_sim_create_platform(&sim, "dram", sets, n);
    if (rc)
        fail_msg("%s", migsim_errmsg());
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    double v;
    assert_int_equal(migsim_sim_stat(sim, "dram0.read_reqs", &v), 0);
    assert_true(v > 0);
    if (wasted) {
        assert_int_equal(migsim_sim_stat(sim, "dram0.wasted_act_cmds", &wasted[0]), 0);
        assert_int_equal(migsim_sim_stat(sim, "dram0.wasted_act_refresh_cmds", &wasted[1]), 0);
    }
    migsim_sim_destroy(sim); /* closes the log */
    assert_int_equal(dram_check_file(log, NULL, 0, res), 0);
}

/* Long random traffic, several organisations and policies: the checker finds nothing. */
static void test_scheduler_against_checker(void **state)
{
    (void)state;
    static const char *const cfgs[][5] = {
        { "dram0.page_policy=\"open\"", "dram0.ranks=1", "dram0.address_mapping=\"RoBaBgRaCoCh\"",
          "dram0.preset=\"DDR4-2400\"", "cpu0.gen_gap_ps=833" },
        { "dram0.page_policy=\"closed\"", "dram0.ranks=2", "dram0.address_mapping=\"RoRaBaBgCoCh\"",
          "dram0.preset=\"DDR4-3200\"", "cpu0.gen_gap_ps=700" },
        { "dram0.page_policy=\"open\"", "dram0.ranks=4", "dram0.address_mapping=\"rochrababgco\"",
          "dram0.preset=\"DDR4-2400\"", "cpu0.gen_gap_ps=20000" },
        { "dram0.page_policy=\"closed\"", "dram0.channels=2", "dram0.scheduler=\"fcfs\"",
          "dram0.preset=\"DDR4-3200\"", "cpu0.gen_gap_ps=3000" },
        { "dram0.controller=\"ramulator2\"", "dram0.ranks=2", "dram0.preset=\"DDR4-2400\"",
          "dram0.address_mapping=\"RoBaBgRaCoCh\"", "cpu0.gen_gap_ps=833" },
        { "dram0.controller=\"dramsim3\"", "dram0.ranks=2", "dram0.preset=\"DDR4-3200\"",
          "dram0.address_mapping=\"RoBaBgRaCoCh\"", "cpu0.gen_gap_ps=700" },
    };
    static const char *const own[] = { "dram0.cmd_log=\"test_dram_cmd.log\"",
                                       "dram0.verify_cache=true", "cpu0.gen_count=60000",
                                       "cpu0.gen_range_bytes=\"64MiB\"" };
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        const char *sets[10];
        size_t n = join_sets(sets, cfgs[i], 5, own, 4);
        dram_check_result_t res;
        double wasted[2];
        run_logged(sets, n, "test_dram_cmd.log", &res, wasted);
        if (res.violations)
            fail_msg("configuration %zu: %llu violations", i, (unsigned long long)res.violations);
        /* every activated row serves the request it was opened for: no mode switch or refresh
           closes it first; dramsim3's refresh alone precharges whatever its queues hold */
        bool ds3 = strstr(cfgs[i][0], "dramsim3") != NULL;
        if (wasted[0] != (ds3 ? wasted[1] : 0))
            fail_msg("configuration %zu: %.0f wasted ACTs, %.0f by refresh", i, wasted[0],
                     wasted[1]);
        assert_true(res.commands > 100000);
        assert_true(res.by_rule[DRAM_RULE_STATE] == 0);
    }
    remove("test_dram_cmd.log");
}

/* The bytes of file `path` (malloc'd), which is removed. */
static char *slurp_and_remove(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    char *buf = malloc(*len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, *len, f), *len);
    fclose(f);
    remove(path);
    return buf;
}

/* Run the platform with a command log, the packed scan on or off; the log's bytes (malloc'd). */
static char *log_of(const char *const *sets, size_t n, bool packed, size_t *len)
{
    migsim_sim_t *sim;
    if (migsim_sim_create_platform(&sim, "dram", sets, n))
        fail_msg("%s", migsim_errmsg());
    dram_t *d = (dram_t *)migsim_sim_find(sim, "dram0");
    for (uint32_t c = 0; c < d->org.channels; c++) {
        assert_true(d->chans[c].scan_packed); /* every test configuration allows it */
        d->chans[c].scan_packed = packed;
    }
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    migsim_sim_destroy(sim);
    return slurp_and_remove("test_dram_packed.log", len);
}

/* Run the platform (40,000 generated requests) to its end: its command log test_dram_ds3.log
 * (malloc'd bytes) and its statistics ("stats" of the statistics JSON, to cJSON_Delete). */
static char *ds3_run(const char *const *sets, size_t n, size_t *len, cJSON **stats)
{
    migsim_sim_t *sim;
    if (migsim_sim_create_platform(&sim, "dram", sets, n))
        fail_msg("%s", migsim_errmsg());
    if (migsim_sim_run(sim, 5000000000ull)) /* 5 ms: the traffic takes 0.2 ms or less */
        fail_msg("%s", migsim_errmsg());
    double done;
    assert_int_equal(migsim_sim_stat(sim, "cpu0.completed_reqs", &done), 0);
    if (done != 40000) /* a controller that livelocks runs its refreshes until the limit */
        fail_msg("%.0f of 40000 requests completed", done);
    char *text = migsim_sim_stats_json(sim, 0.0);
    assert_non_null(text);
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    free(text);
    *stats = cJSON_DetachItemFromObject(j, "stats");
    assert_non_null(*stats);
    cJSON_Delete(j);
    migsim_sim_destroy(sim); /* closes the log */
    return slurp_and_remove("test_dram_ds3.log", len);
}

/*
 * The packed one-word scan (the fast path) and the general two-word scan
 * issue the same commands at the same cycles, across organisations, page
 * policies and schedulers.
 */
static void test_packed_scan_same_commands(void **state)
{
    (void)state;
    static const char *const cfgs[][4] = {
        { "dram0.page_policy=\"open\"", "dram0.ranks=1", "dram0.preset=\"DDR4-2400\"",
          "cpu0.gen_gap_ps=833" },
        { "dram0.page_policy=\"closed\"", "dram0.ranks=2", "dram0.preset=\"DDR4-3200\"",
          "cpu0.gen_gap_ps=700" },
        { "dram0.page_policy=\"open\"", "dram0.bankgroups=2", "dram0.scheduler=\"fcfs\"",
          "cpu0.gen_gap_ps=2000" },
    };
    static const char *const own[] = { "dram0.cmd_log=\"test_dram_packed.log\"",
                                       "cpu0.gen_count=40000", "cpu0.gen_range_bytes=\"64MiB\"" };
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        const char *sets[8];
        size_t n = join_sets(sets, cfgs[i], 4, own, 3);
        size_t la, lb;
        char *a = log_of(sets, n, true, &la), *b = log_of(sets, n, false, &lb);
        assert_true(la > 100000);
        if (la != lb || memcmp(a, b, la) != 0)
            fail_msg("configuration %zu: the packed and general scans issued different commands", i);
        free(a);
        free(b);
    }
}

/* The dram platform with `sets`, after 2 us of clean traffic: its dram0. */
static dram_t *run_clean_2us(migsim_sim_t **sim, const char *const *sets, size_t n)
{
    assert_int_equal(migsim_sim_create_platform(sim, "dram", sets, n), 0);
    assert_int_equal(migsim_sim_run(*sim, 2000000), 0);
    dram_t *d = (dram_t *)migsim_sim_find(*sim, "dram0");
    assert_non_null(d);
    return d;
}

/* The rest of the run stops on an internal error whose message holds `what`; the sim goes. */
static void run_fails_with(migsim_sim_t *sim, const char *what)
{
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), MIGSIM_ESTATE);
    assert_non_null(strstr(migsim_errmsg(), what));
    migsim_sim_destroy(sim);
}

/* The dram platform in dramsim3 mode under verify_cache (20,000 requests over 64 MiB), after
 * 2 us of clean traffic: its channel 0 (*d its dram0). */
static dram_chan_t *ds3_verified_2us(migsim_sim_t **sim, dram_t **d)
{
    const char *sets[] = { "dram0.controller=\"dramsim3\"", "dram0.verify_cache=true",
                           "cpu0.gen_count=20000", "cpu0.gen_range_bytes=\"64MiB\"",
                           "cpu0.gen_gap_ps=700" };
    *d = run_clean_2us(sim, sets, 5);
    return &(*d)->chans[0];
}

/* verify_cache notices a cached earliest cycle that is off by one. */
static void test_verify_cache_catches_stale_entry(void **state)
{
    (void)state;
    const char *sets[] = { "dram0.verify_cache=true", "cpu0.gen_count=20000",
                           "cpu0.gen_range_bytes=\"64MiB\"" };
    migsim_sim_t *sim;
    dram_t *d = run_clean_2us(&sim, sets, 3);
    dram_chan_t *ch = &d->chans[0];
    uint32_t i = 0;
    /* a bank with a candidate, not the chosen one (issuing it would recompute the entry) */
    while (ch->sc_cmd[i] == DRAM_NCMD || i == ch->best.unit)
        i++;
    ch->sc_eff[i] += 1;                                        /* planted: a stale entry */
    run_fails_with(sim, "cached candidate");
}

/* dramsim3, reads only, after 2 us of clean traffic (with verify_cache or not): each bank's
 * oldest buffered read planted as younger than any there is; the run stops naming `what`. */
static void stale_move(bool verify, const char *what)
{
    const char *sets[] = { "dram0.controller=\"dramsim3\"", "cpu0.gen_count=20000",
                           "cpu0.gen_range_bytes=\"64MiB\"", "cpu0.gen_gap_ps=700",
                           "cpu0.gen_read_frac=1", "dram0.verify_cache=true" /* if asked */ };
    migsim_sim_t *sim;
    dram_t *d = run_clean_2us(&sim, sets, verify ? 6 : 5);
    dram_chan_t *ch = &d->chans[0];
    uint32_t planted = 0;
    for (uint32_t i = 0; i < d->org.ranks * d->banks_per_rank; i++)
        if (ch->ds3_nbuf[0][i]) {
            ch->ds3_bage[0][i] = ch->age_seq;                 /* planted: stale ages */
            planted++;
        }
    assert_true(planted > 1); /* the read buffer holds requests to several banks */
    run_fails_with(sim, what);
}

/* verify_cache walks the read buffer at every move and notices a move chosen from stale ages. */
static void test_verify_cache_catches_stale_move(void **state)
{
    (void)state;
    stale_move(true, "the move chose entry");
}

/* Without verify_cache, a bank's oldest buffered age that finds no entry of its own stops the
 * run with an internal error, and nothing moves (no command queue overflows). */
static void test_stale_move_stops_the_run(void **state)
{
    (void)state;
    stale_move(false, "oldest buffered age");
}

/*
 * dramsim3: simulating only the cycles at which something can happen (the scan's first cycle
 * at which a bank can issue, the buffered requests' and the refreshes') issues the same commands
 * at the same cycles, and accepts and answers every request at the same time, as simulating
 * every cycle (verify_cache, which also checks each cycle's choice against a walk of every
 * command queue). The traffic has reads queued before writes to the same lines (a narrow
 * range), so write drains stop early (where DRAMSim3 itself would livelock), one, two and
 * four ranks, 16 to 128 banks, refreshes, and two address mappings.
 */
static void test_dramsim3_skips_no_cycle(void **state)
{
    (void)state;
    static const char *const cfgs[][4] = {
        { "dram0.ranks=1", "dram0.preset=\"DDR4-2400\"", "cpu0.gen_range_bytes=\"256KiB\"",
          "cpu0.gen_gap_ps=833" },
        { "dram0.ranks=2", "dram0.preset=\"DDR4-3200\"", "cpu0.gen_range_bytes=\"64MiB\"",
          "cpu0.gen_gap_ps=1500" },
        { "dram0.ranks=4", "dram0.address_mapping=\"rochrababgco\"",
          "cpu0.gen_range_bytes=\"1MiB\"", "cpu0.gen_gap_ps=5000" },
        { "dram0.ranks=4", "dram0.banks_per_group=8", "cpu0.gen_range_bytes=\"1MiB\"",
          "cpu0.gen_gap_ps=2000" }, /* 128 banks: bitmaps of two words */
    };
    static const char *const own[] = { "dram0.controller=\"dramsim3\"",
                                       "dram0.cmd_log=\"test_dram_ds3.log\"",
                                       "cpu0.gen_count=40000", NULL };
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        const char *sets[9];
        size_t n = join_sets(sets, cfgs[i], 4, own, 3), la, lb;
        cJSON *sa, *sb;
        char *a = ds3_run(sets, n, &la, &sa);
        sets[n++] = "dram0.verify_cache=true";
        char *b = ds3_run(sets, n, &lb, &sb);
        assert_true(la > 100000);
        if (la != lb || memcmp(a, b, la) != 0)
            fail_msg("configuration %zu: the commands differ from those of every cycle", i);
        if (!cJSON_Compare(sa, sb, true))
            fail_msg("configuration %zu: the statistics differ from those of every cycle", i);
        free(a);
        free(b);
        cJSON_Delete(sa);
        cJSON_Delete(sb);
    }
}

/* dramsim3: verify_cache notices a bank whose cached offer is stale (nothing offered where
 * its command queue waits for an ACT). */
static void test_verify_cache_catches_stale_offer(void **state)
{
    (void)state;
    migsim_sim_t *sim;
    dram_t *d;
    dram_chan_t *ch = ds3_verified_2us(&sim, &d);
    uint32_t i = 0, nb = d->org.ranks * d->banks_per_rank;
    while (i < nb && ch->banks[i].ds3_offer != 1u << DRAM_CMD_ACT)
        i++;
    assert_true(i < nb); /* a bank waits for its ACT */
    ch->banks[i].ds3_offer = 0; /* planted: a stale offer, nothing where the queue needs an ACT */
    run_fails_with(sim, "from its offer");
}

/* dramsim3: verify_cache notices a bank's scan entry one cycle off its limits. */
static void test_verify_cache_catches_stale_scan_entry(void **state)
{
    (void)state;
    migsim_sim_t *sim;
    dram_t *d;
    dram_chan_t *ch = ds3_verified_2us(&sim, &d);
    uint32_t i = 0, nb = d->org.ranks * d->banks_per_rank;
    while (i < nb && ch->sc_cmd[i] == DRAM_NCMD)
        i++;
    assert_true(i < nb); /* a bank offers a command */
    ch->sc_eff[i] += 1; /* planted: a stale scan entry */
    run_fails_with(sim, "scan entry");
}

/* A scheduler built with a shorter tRCD than the log claims is caught by the checker. */
static void test_checker_catches_planted_timing_bug(void **state)
{
    (void)state;
    const char *sets[] = { "dram0.tRCD=15", "dram0.cmd_log=\"test_dram_bug.log\"",
                           "cpu0.gen_count=5000", "cpu0.gen_range_bytes=\"64MiB\"" };
    dram_check_result_t res;
    run_logged(sets, 4, "test_dram_bug.log", &res, NULL);
    assert_int_equal(res.violations, 0); /* consistent with its own header */
    /* rewrite the header as if the device needed the preset's tRCD = 17 */
    FILE *f = fopen("test_dram_bug.log", "r");
    FILE *g = fopen("test_dram_bug2.log", "w");
    assert_non_null(f);
    assert_non_null(g);
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char *p = strstr(line, " tRCD=15 ");
        if (p)
            memcpy(p, " tRCD=17 ", 9);
        fputs(line, g);
    }
    fclose(f);
    fclose(g);
    assert_int_equal(dram_check_file("test_dram_bug2.log", NULL, 0, &res), 0);
    assert_true(res.by_rule[DRAM_RULE_tRCD] > 0);
    remove("test_dram_bug.log");
    remove("test_dram_bug2.log");
}

/* An idle channel schedules nothing: a lone read leaves no event behind. */
static void test_idle_schedules_nothing(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, NULL);
    send_at(&p, 0, 0, MIGSIM_OP_READ, addr_of(p.d, 0, 0, 1, 0), NULL);
    finish(&p);
    assert_int_equal(migsim_kernel_next(migsim_sim_kernel(p.sim)), MIGSIM_TICK_MAX);
    uint64_t events = migsim_sim_kernel(p.sim)->fired;
    /* a second read far in the future: the refreshes in between are issued on arrival */
    migsim_tick_t later = cyc(&p, 10 * (uint64_t)p.d->t.tREFI + 5);
    send_at(&p, later, 1, MIGSIM_OP_READ, addr_of(p.d, 0, 0, 1, 1), NULL);
    finish(&p);
    assert_int_equal(p.d->st_cmd[DRAM_CMD_REF], 10);
    assert_true(migsim_sim_kernel(p.sim)->fired - events < 10);
    migsim_sim_destroy(p.sim);
}

/* The presets carry the timings DRAMSim3 publishes for the same speed bins (tCK cycles). */
static void test_presets_match_published_ini(void **state)
{
    (void)state;
    static const char *const files[2] = { MIGSIM_SHARED_DIR "/peer-traces/dramsim3/DDR4_8Gb_x8_2400.ini",
                                          MIGSIM_SHARED_DIR "/peer-traces/dramsim3/DDR4_8Gb_x8_3200.ini" };
    static const char *const names[2] = { "DDR4-2400", "DDR4-3200" };
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(files[i], "r");
        if (!f)
            skip();
        const dram_preset_t *p = dram_preset_find(names[i]);
        assert_non_null(p);
        const dram_timing_t *t = &p->timing;
        struct { const char *key; uint32_t ours; } map[] = {
            { "CL", t->tCL }, { "CWL", t->tCWL }, { "tRCD", t->tRCD }, { "tRP", t->tRP },
            { "tRAS", t->tRAS }, { "tRFC", t->tRFC }, { "tREFI", t->tREFI }, { "tRRD_S", t->tRRD_S },
            { "tRRD_L", t->tRRD_L }, { "tWTR_S", t->tWTR_S }, { "tWTR_L", t->tWTR_L },
            { "tFAW", t->tFAW }, { "tWR", t->tWR }, { "tRTP", t->tRTP }, { "tCCD_S", t->tCCD_S },
            { "tCCD_L", t->tCCD_L }, { "tRTRS", t->tRTRS }, { "BL", t->BL },
            { "bankgroups", p->org.bankgroups }, { "banks_per_group", p->org.banks_per_group },
            { "rows", p->org.rows }, { "columns", p->org.columns }, { "device_width", p->org.device_width },
        };
        size_t nmap = sizeof map / sizeof map[0], found = 0;
        char line[256];
        while (fgets(line, sizeof line, f)) {
            char key[64];
            double v;
            if (sscanf(line, " %63[A-Za-z_0-9] = %lf", key, &v) != 2)
                continue;
            if (strcmp(key, "tCK") == 0) {
                /* the file rounds to 10 ps: 0.83 ns is 833 ps (1/1.2 GHz), 0.63 ns is 625 ps */
                assert_true(fabs(v * 1000.0 - t->tCK_ps) <= 5.0);
                continue;
            }
            for (size_t k = 0; k < nmap; k++)
                if (strcmp(key, map[k].key) == 0) {
                    if ((uint32_t)v != map[k].ours)
                        fail_msg("%s: %s = %u in the preset, %g published", names[i], key,
                                 map[k].ours, v);
                    found++;
                }
        }
        fclose(f);
        assert_int_equal(found, nmap);
        assert_int_equal(t->tRC, t->tRAS + t->tRP);
    }
}

/* Trace replay through the player: every record issued and answered. */
static void test_player_trace(void **state)
{
    (void)state;
    write_trace("test_dram_trace.mtr", 20000, 1u << 26, 2000, 5);
    const char *sets[] = { "cpu0.trace=\"test_dram_trace.mtr\"" };
    migsim_sim_t *sim;
    assert_int_equal(migsim_sim_create_platform(&sim, "dram", sets, 1), 0);
    assert_int_equal(migsim_sim_run(sim, MIGSIM_TICK_MAX), 0);
    double recs, done, rd, wr;
    assert_int_equal(migsim_sim_stat(sim, "cpu0.records", &recs), 0);
    assert_int_equal(migsim_sim_stat(sim, "cpu0.completed_reqs", &done), 0);
    assert_int_equal(migsim_sim_stat(sim, "dram0.read_reqs", &rd), 0);
    assert_int_equal(migsim_sim_stat(sim, "dram0.write_reqs", &wr), 0);
    assert_true(recs == 20000 && done == 20000 && rd + wr == 20000);
    migsim_sim_destroy(sim);
    remove("test_dram_trace.mtr");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_read),
        cmocka_unit_test(test_row_hit_and_conflict),
        cmocka_unit_test(test_refresh_in_the_way),
        cmocka_unit_test(test_mode_switch_keeps_committed_row),
        cmocka_unit_test(test_ramulator2_active_buffer_frees_entry),
        cmocka_unit_test(test_ramulator2_refresh_prea),
        cmocka_unit_test(test_controller_config_errors),
        cmocka_unit_test(test_dramsim3_move_and_refresh),
        cmocka_unit_test(test_four_activate_window),
        cmocka_unit_test(test_functional),
        cmocka_unit_test(test_compare_and_swap),
        cmocka_unit_test(test_idle_schedules_nothing),
        cmocka_unit_test(test_scheduler_against_checker),
        cmocka_unit_test(test_packed_scan_same_commands),
        cmocka_unit_test(test_checker_catches_planted_timing_bug),
        cmocka_unit_test(test_verify_cache_catches_stale_entry),
        cmocka_unit_test(test_verify_cache_catches_stale_move),
        cmocka_unit_test(test_stale_move_stops_the_run),
        cmocka_unit_test(test_dramsim3_skips_no_cycle),
        cmocka_unit_test(test_verify_cache_catches_stale_offer),
        cmocka_unit_test(test_verify_cache_catches_stale_scan_entry),
        cmocka_unit_test(test_player_trace),
        cmocka_unit_test(test_presets_match_published_ini),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
