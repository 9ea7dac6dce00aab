/*
 * test_dualwrite.c - the dual-write chip (models/dualwrite/, US 9,081,764
 * FIG. 3) in front of a DDR4 model: routing of every (segment, port, op)
 * combination checked by where the bytes land in the DRAM's store and what
 * the response carries; register writes applying to later arrivals only;
 * the copy/dual-write race with and without the line interlock, judged by
 * the oracle; a burst of dual writes under back-pressure from a tiny DRAM
 * queue; posted writes; and register validation.
 *
 * The test owns two initiator ports bound to dw0.in and dw0.copy
 * (sim.external_ports); dw0.mem is linked to dram0.in. Each response
 * records its tick, data and the address it came back with. The oracle is
 * the DRAM's commit observer: it records each write when its column command
 * applies the bytes (the copy engine's writes and the chip's second halves
 * are not intended writes and are skipped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dram/dram.h"
#include "dualwrite/dualwrite.h"
#include "migsim/errors.h"
#include "migsim/rng.h"
#include "migsim/sim.h"
#include "migsim/tracepoint.h"
#include "oracle/oracle.h"

#define CUR 0x100000ull       /* current page */
#define TGT 0x200000ull       /* target page */
#define PAGE 0x4000ull        /* 16 KiB: four 4 KiB subpages */
#define SUB 0x1000ull
#define IOVA 0x7f0000000ull   /* the device's view of the current page */
#define MAXTAG 256

struct tb_s;

typedef struct ext_s {
    migsim_port_t port;       /* first member: the port pointer is the ext pointer */
    struct tb_s *tb;
    /* back-pressure: requests refused, resent from the retry callback */
    migsim_req_t *backlog[MAXTAG];
    int nbacklog, head;
    int retries;
} ext_t;

typedef struct tb_s {
    migsim_sim_t *sim;
    dualwrite_t *dw;
    dram_t *d;
    ext_t in, copy;
    oracle_t oracle;
    int ndone;
    migsim_tick_t done[MAXTAG];
    uint64_t resp_addr[MAXTAG], resp_orig[MAXTAG];
    uint8_t data[MAXTAG][64];
    int32_t status[MAXTAG];
    uint64_t id[MAXTAG];      /* request id per tag */
} tb_t;

static void tb_resp(migsim_port_t *self, migsim_req_t *req)
{
    ext_t *e = (ext_t *)self;
    tb_t *tb = e->tb;
    int tag = (int)(uintptr_t)req->cookie;
    assert_true(tag >= 0 && tag < MAXTAG);
    assert_int_equal(tb->done[tag], 0);
    tb->done[tag] = migsim_sim_now(tb->sim);
    tb->resp_addr[tag] = req->addr;
    tb->resp_orig[tag] = req->orig_addr;
    tb->status[tag] = req->status;
    memcpy(tb->data[tag], req->data, 64);
    tb->ndone++;
    migsim_req_free(migsim_sim_pool(tb->sim), req);
}

static void tb_retry(migsim_port_t *self)
{
    ext_t *e = (ext_t *)self;
    e->retries++;
    while (e->head < e->nbacklog) {
        if (migsim_port_send(&e->port, e->backlog[e->head]) != 0)
            return;
        e->head++;
    }
}

static void tb_open(tb_t *tb, const char *dw_json, const char *dram_json)
{
    char cfg[2048];
    snprintf(cfg, sizeof cfg,
             "{ \"base\": \"none\", \"sim\": { \"external_ports\": [\"dw0.in\", \"dw0.copy\"] },"
             "  \"components\": {"
             "    \"dw0\": { \"type\": \"dualwrite\"%s%s },"
             "    \"dram0\": { \"type\": \"dram\", \"preset\": \"DDR4-2400\"%s%s } },"
             "  \"links\": [ { \"from\": \"dw0.mem\", \"to\": \"dram0.in\" } ] }",
             dw_json ? ", " : "", dw_json ? dw_json : "", dram_json ? ", " : "",
             dram_json ? dram_json : "");
    memset(tb, 0, sizeof *tb);
    if (migsim_sim_create(&tb->sim, cfg, "test"))
        fail_msg("%s", migsim_errmsg());
    oracle_init(&tb->oracle);
    ext_t *ports[2] = { &tb->in, &tb->copy };
    const char *names[2] = { "dw0.in", "dw0.copy" };
    for (int i = 0; i < 2; i++) {
        ports[i]->tb = tb;
        ports[i]->port.resp = tb_resp;
        ports[i]->port.retry = tb_retry;
        ports[i]->port.name = names[i];
        assert_int_equal(migsim_sim_bind(tb->sim, names[i], &ports[i]->port), 0);
    }
    tb->dw = (dualwrite_t *)migsim_sim_find(tb->sim, "dw0");
    tb->d = (dram_t *)migsim_sim_find(tb->sim, "dram0");
    assert_non_null(tb->dw);
    assert_non_null(tb->d);
    /* the oracle sees each write when the DRAM applies its bytes */
    dram_set_commit_observer(tb->d, oracle_commit_observer, &tb->oracle);
    assert_int_equal(migsim_sim_run(tb->sim, 0), 0);
}

static void tb_close(tb_t *tb)
{
    oracle_fini(&tb->oracle);
    migsim_sim_destroy(tb->sim);
}

static void tb_regs(tb_t *tb, bool enable, uint64_t lo, uint64_t hi)
{
    dualwrite_regs_t r = { .enable = enable, .cur_base = CUR, .tgt_base = TGT,
                           .page_bytes = PAGE, .subpage_bytes = SUB, .lo = lo, .hi = hi };
    assert_int_equal(dualwrite_set(tb->dw, &r), 0);
}

static migsim_req_t *mkreq(tb_t *tb, int tag, migsim_op_t op, uint64_t pa, uint32_t size,
                           const void *data, unsigned src_kind)
{
    migsim_req_t *r = migsim_req_alloc(migsim_sim_pool(tb->sim));
    r->addr = pa;
    r->orig_addr = src_kind == MIGSIM_SRC_DMA && pa - CUR < PAGE ? IOVA + (pa - CUR) : pa;
    r->size = size;
    r->op = (uint8_t)op;
    r->src_kind = (uint8_t)src_kind;
    r->src_idx = 3;
    r->cookie = (void *)(uintptr_t)tag;
    tb->id[tag] = r->id;
    r->t_issue = migsim_sim_now(tb->sim);
    r->flags = MIGSIM_REQ_HAS_DATA;
    if (op == MIGSIM_OP_WRITE)
        memcpy(r->data, data, size);
    else
        memset(r->data, 0xcc, sizeof r->data);
    return r;
}

/* Run to tick t, then send one request that must be accepted. */
static void send_at(tb_t *tb, ext_t *e, migsim_tick_t t, int tag, migsim_op_t op, uint64_t pa,
                    uint32_t size, const void *data)
{
    migsim_kernel_run_until(migsim_sim_kernel(tb->sim), t);
    migsim_req_t *r = mkreq(tb, tag, op, pa, size, data,
                            e == &tb->in ? MIGSIM_SRC_DMA : MIGSIM_SRC_COPY);
    assert_int_equal(migsim_port_send(&e->port, r), 0);
}

static void finish(tb_t *tb)
{
    assert_int_equal(migsim_sim_run(tb->sim, MIGSIM_TICK_MAX), 0);
}

static void fill(uint8_t *b, uint8_t v)
{
    for (int i = 0; i < 64; i++)
        b[i] = (uint8_t)(v + i);
}

static void peek(tb_t *tb, uint64_t pa, uint8_t *out)
{
    dram_dbg_read(tb->d, pa, out, 64);
}

/* ---- (a) FIG. 3 routing ---------------------------------------------------------- */

enum { WHERE_CUR = 0, WHERE_TGT = 1, WHERE_BOTH = 2 };

typedef struct route_case_s {
    const char *name;
    bool enable;
    uint64_t pa;              /* address the initiator sends */
    bool copy;                /* sent on port copy (else in) */
    int read_from;            /* WHERE_CUR or WHERE_TGT: whose bytes a read returns */
    int write_to;             /* WHERE_*: where a write lands */
    int seg;                  /* dualwrite_seg_t counted for an "in" request */
} route_case_t;

static void test_routing_fig3(void **state)
{
    (void)state;
    /* lo = 1, hi = 2: subpage 0 migrated, 1 migrating, 2 and 3 not yet */
    static const route_case_t cases[] = {
        { "seg1 in",       true,  CUR + 0x0040,   false, WHERE_TGT, WHERE_TGT,  DUALWRITE_SEG1 },
        { "seg2 in",       true,  CUR + 0x1040,   false, WHERE_CUR, WHERE_BOTH, DUALWRITE_SEG2 },
        { "seg3 in",       true,  CUR + 0x2040,   false, WHERE_CUR, WHERE_CUR,  DUALWRITE_SEG3 },
        { "seg3 last in",  true,  CUR + 0x3fc0,   false, WHERE_CUR, WHERE_CUR,  DUALWRITE_SEG3 },
        { "outside in",    true,  CUR + PAGE,     false, WHERE_CUR, WHERE_CUR,  DUALWRITE_PASS },
        { "below in",      true,  CUR - 64,       false, WHERE_CUR, WHERE_CUR,  DUALWRITE_PASS },
        { "disabled in",   false, CUR + 0x1040,   false, WHERE_CUR, WHERE_CUR,  DUALWRITE_PASS },
        { "seg1 copy",     true,  CUR + 0x0040,   true,  WHERE_CUR, WHERE_CUR,  DUALWRITE_PASS },
        { "seg2 copy",     true,  CUR + 0x1040,   true,  WHERE_CUR, WHERE_CUR,  DUALWRITE_PASS },
        { "seg3 copy",     true,  CUR + 0x2040,   true,  WHERE_CUR, WHERE_CUR,  DUALWRITE_PASS },
        { "outside copy",  true,  CUR + PAGE,     true,  WHERE_CUR, WHERE_CUR,  DUALWRITE_PASS },
        { "disabled copy", false, CUR + 0x1040,   true,  WHERE_CUR, WHERE_CUR,  DUALWRITE_PASS },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const route_case_t *k = &cases[c];
        for (int op = 0; op < 2; op++) {
            tb_t tb;
            tb_open(&tb, NULL, NULL);
            tb_regs(&tb, k->enable, 1, 2);
            /* "its target" for any address: the same offset from TGT as pa has from CUR */
            uint64_t cur = k->pa, tgt = TGT + (k->pa - CUR);
            uint8_t a[64], b[64], n[64], got[64];
            fill(a, 0x10);
            fill(b, 0x50);
            fill(n, 0x90);
            assert_int_equal(dram_dbg_write(tb.d, cur, a, 64), 0);
            assert_int_equal(dram_dbg_write(tb.d, tgt, b, 64), 0);
            send_at(&tb, k->copy ? &tb.copy : &tb.in, 1000, 1, (migsim_op_t)op, k->pa, 64, n);
            finish(&tb);
            assert_int_equal(tb.ndone, 1);
            assert_true(tb.done[1] > 1000);
            assert_int_equal(tb.status[1], 0);
            /* the initiator gets its own address back */
            assert_int_equal(tb.resp_addr[1], k->pa);
            if (op == MIGSIM_OP_READ) {
                assert_memory_equal(tb.data[1], k->read_from == WHERE_TGT ? b : a, 64);
                peek(&tb, cur, got);
                assert_memory_equal(got, a, 64);
                peek(&tb, tgt, got);
                assert_memory_equal(got, b, 64);
            } else {
                bool to_cur = k->write_to != WHERE_TGT, to_tgt = k->write_to != WHERE_CUR;
                peek(&tb, cur, got);
                assert_memory_equal(got, to_cur ? n : a, 64);
                peek(&tb, tgt, got);
                assert_memory_equal(got, to_tgt ? n : b, 64);
            }
            dualwrite_t *dw = tb.dw;
            bool dual = op == MIGSIM_OP_WRITE && k->write_to == WHERE_BOTH;
            assert_int_equal(dw->st_dual_writes, dual);
            assert_int_equal(dw->st_extra_bytes, dual ? 64 : 0);
            assert_int_equal(tb.d->st_writes, op == MIGSIM_OP_WRITE ? 1 + dual : 0);
            assert_int_equal(tb.d->st_reads, op == MIGSIM_OP_READ);
            if (k->copy) {
                assert_int_equal(op ? dw->st_copy_writes : dw->st_copy_reads, 1);
                assert_int_equal(dw->st_dma_reads + dw->st_dma_writes + dw->st_passthrough, 0);
            } else {
                assert_int_equal(op ? dw->st_dma_writes : dw->st_dma_reads, 1);
                assert_int_equal(dw->st_passthrough, k->seg == DUALWRITE_PASS);
                for (int sg = 1; sg <= 3; sg++)
                    assert_int_equal(op ? dw->st_seg_writes[sg] : dw->st_seg_reads[sg],
                                     sg == k->seg);
            }
            assert_int_equal(dualwrite_inflight(dw), 0);
            assert_int_equal(migsim_sim_pool(tb.sim)->in_use, 0);
            tb_close(&tb);
        }
    }
}

/* A partial write in segment 2 merges into both copies of the line. */
static void test_partial_dual_write(void **state)
{
    (void)state;
    tb_t tb;
    tb_open(&tb, NULL, NULL);
    tb_regs(&tb, true, 1, 2);
    uint8_t a[64], b[64], n[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, got[64];
    fill(a, 0x10);
    fill(b, 0x50);
    dram_dbg_write(tb.d, CUR + 0x1000, a, 64);
    dram_dbg_write(tb.d, TGT + 0x1000, b, 64);
    send_at(&tb, &tb.in, 0, 1, MIGSIM_OP_WRITE, CUR + 0x1008, 8, n);
    finish(&tb);
    memcpy(a + 8, n, 8);
    memcpy(b + 8, n, 8);
    peek(&tb, CUR + 0x1000, got);
    assert_memory_equal(got, a, 64);
    peek(&tb, TGT + 0x1000, got);
    assert_memory_equal(got, b, 64);
    assert_int_equal(tb.dw->st_extra_bytes, 8);
    assert_int_equal(tb.resp_addr[1], CUR + 0x1008);
    assert_int_equal(tb.resp_orig[1], IOVA + 0x1008);
    tb_close(&tb);
}

/* A register write applies to requests arriving after it, not to those already accepted. */
static void test_register_write_applies_to_later_arrivals(void **state)
{
    (void)state;
    tb_t tb;
    tb_open(&tb, NULL, NULL);
    tb_regs(&tb, true, 1, 2);
    uint8_t n1[64], n2[64], got[64], zero[64] = { 0 };
    fill(n1, 0x21);
    fill(n2, 0x61);
    send_at(&tb, &tb.in, 5000, 1, MIGSIM_OP_WRITE, CUR + 0x1000, 64, n1);
    tb_regs(&tb, true, 2, 3);     /* same tick: subpage 1 is now migrated */
    send_at(&tb, &tb.in, 5000, 2, MIGSIM_OP_WRITE, CUR + 0x1040, 64, n2);
    assert_int_equal(tb.ndone, 0); /* the first is still in memory */
    finish(&tb);
    peek(&tb, CUR + 0x1000, got);
    assert_memory_equal(got, n1, 64);
    peek(&tb, TGT + 0x1000, got);
    assert_memory_equal(got, n1, 64);
    peek(&tb, CUR + 0x1040, got);
    assert_memory_equal(got, zero, 64);
    peek(&tb, TGT + 0x1040, got);
    assert_memory_equal(got, n2, 64);
    assert_int_equal(tb.dw->st_seg_writes[2], 1);
    assert_int_equal(tb.dw->st_seg_writes[1], 1);
    assert_int_equal(dualwrite_segment(tb.dw, CUR + 0x1040), DUALWRITE_SEG1);
    assert_int_equal(dualwrite_segment(tb.dw, CUR + 0x2000), DUALWRITE_SEG2);
    assert_int_equal(dualwrite_segment(tb.dw, CUR + 0x3000), DUALWRITE_SEG3);
    assert_int_equal(dualwrite_segment(tb.dw, TGT + 0x3000), DUALWRITE_PASS);
    tb_close(&tb);
}

/* A posted dual write lands in both pages; the chip frees it and answers nobody. */
static void test_posted_dual_write(void **state)
{
    (void)state;
    tb_t tb;
    tb_open(&tb, NULL, NULL);
    tb_regs(&tb, true, 0, 4);
    uint8_t n[64], got[64];
    fill(n, 0x33);
    migsim_req_t *r = mkreq(&tb, 1, MIGSIM_OP_WRITE, CUR + 0x2080, 64, n, MIGSIM_SRC_DMA);
    r->flags |= MIGSIM_REQ_POSTED;
    assert_int_equal(migsim_port_send(&tb.in.port, r), 0);
    finish(&tb);
    assert_int_equal(tb.ndone, 0);
    peek(&tb, CUR + 0x2080, got);
    assert_memory_equal(got, n, 64);
    peek(&tb, TGT + 0x2080, got);
    assert_memory_equal(got, n, 64);
    assert_int_equal(migsim_sim_pool(tb.sim)->in_use, 0);
    assert_int_equal(dualwrite_inflight(tb.dw), 0);
    tb_close(&tb);
}

/* ---- (b) the race ------------------------------------------------------------------- */

/* Final mapping after the migration: the device's page is the target. */
static int resolve_final(void *ctx, oracle_space_t space, uint64_t addr, uint64_t *pa)
{
    (void)ctx;
    if (space != ORACLE_SPACE_IOVA || addr - IOVA >= PAGE)
        return -1;
    *pa = TGT + (addr - IOVA);
    return 0;
}

/* The current page, for checks in the middle of a migration. */
static int resolve_current(void *ctx, oracle_space_t space, uint64_t addr, uint64_t *pa)
{
    (void)ctx;
    if (space != ORACLE_SPACE_IOVA || addr - IOVA >= PAGE)
        return -1;
    *pa = CUR + (addr - IOVA);
    return 0;
}

#define MAXLOST 8
typedef struct lost_s {
    int n;
    oracle_mismatch_t m[MAXLOST];
    uint8_t exp[MAXLOST][64], found[MAXLOST][64];
} lost_t;

static void on_lost(void *ctx, const oracle_mismatch_t *m)
{
    lost_t *l = ctx;
    if (l->n < MAXLOST) {
        l->m[l->n] = *m;
        memcpy(l->exp[l->n], m->expected, 64);
        memcpy(l->found[l->n], m->found, 64);
    }
    l->n++;
}

/*
 * The copy engine reads a line of the migrating subpage; a DMA write with
 * new data to that line follows; then the copy writes the old data to the
 * target. Without the interlock the target keeps the stale line and the
 * oracle finds one lost write; with it the DMA write waits for the copy
 * write and the target holds the new data.
 */
static void race(int interlock)
{
    tb_t tb;
    tb_open(&tb, interlock ? "\"interlock\": \"line\"" : "\"interlock\": \"none\"", NULL);
    FILE *tp = tmpfile();
    assert_non_null(tp);
    assert_int_equal(migsim_sim_trace_events(tb.sim, "dw.*", 0, MIGSIM_TICK_MAX, tp, 0), 0);
    tb_regs(&tb, true, 1, 2);
    const uint64_t off = 0x1080;
    uint8_t old[64], nw[64], got[64];
    fill(old, 0x01);
    fill(nw, 0xa0);
    dram_dbg_write(tb.d, CUR + off, old, 64);
    migsim_fmem_t fm = migsim_fmem_of_store(&tb.d->store);
    /* copy read */
    send_at(&tb, &tb.copy, 0, 100, MIGSIM_OP_READ, CUR + off, 64, NULL);
    finish(&tb);
    assert_int_equal(tb.ndone, 1);
    assert_memory_equal(tb.data[100], old, 64);
    migsim_tick_t t1 = migsim_sim_now(&*tb.sim) + 10000;
    migsim_tick_t t2 = t1 + 500000;
    /* DMA write of new data to the line, then the copy's write of the old data */
    send_at(&tb, &tb.in, t1, 1, MIGSIM_OP_WRITE, CUR + off, 64, nw);
    send_at(&tb, &tb.copy, t2, 101, MIGSIM_OP_WRITE, TGT + off, 64, tb.data[100]);
    finish(&tb);
    assert_int_equal(tb.ndone, 3);
    peek(&tb, CUR + off, got);
    assert_memory_equal(got, nw, 64);
    peek(&tb, TGT + off, got);
    lost_t lost = { 0 };
    long n = oracle_check(&tb.oracle, resolve_final, NULL, &fm, on_lost, &lost);
    /* the current page is intact either way */
    assert_int_equal(oracle_check(&tb.oracle, resolve_current, NULL, &fm, NULL, NULL), 0);
    assert_int_equal(oracle_lines(&tb.oracle), 1);
    if (!interlock) {
        assert_true(tb.done[1] < t2);            /* the DMA write finished before the copy write */
        assert_memory_equal(got, old, 64);       /* stale */
        assert_int_equal(n, 1);
        assert_int_equal(lost.n, 1);
        assert_int_equal(lost.m[0].space, ORACLE_SPACE_IOVA);
        assert_int_equal(lost.m[0].addr, IOVA + off);
        assert_int_equal(lost.m[0].pa, TGT + off);
        assert_int_equal(lost.m[0].writer.src_kind, MIGSIM_SRC_DMA);
        assert_int_equal(lost.m[0].writer.src_idx, 3);
        assert_true(lost.m[0].time > t1 && lost.m[0].time < tb.done[1]);
        assert_int_equal(lost.m[0].writer.req_id, tb.id[1]);
        assert_int_equal(lost.m[0].nbad, 64);
        assert_memory_equal(lost.exp[0], nw, 64);
        assert_memory_equal(lost.found[0], old, 64);
        assert_int_equal(tb.dw->st_held_writes, 0);
        assert_int_equal(tb.dw->st_hold_time_ps, 0);
    } else {
        assert_memory_equal(got, nw, 64);
        assert_int_equal(n, 0);
        assert_int_equal(lost.n, 0);
        assert_int_equal(tb.dw->st_held_writes, 1);
        assert_true(tb.dw->st_hold_time_ps > 0);
        assert_true(tb.dw->st_hold_time_ps >= t2 - t1);
        assert_int_equal(tb.dw->st_hold_max_ps, tb.dw->st_hold_time_ps);
        assert_true(tb.done[1] > tb.done[101]);  /* the DMA write completed after the copy write */
        assert_int_equal(tb.dw->ntrack, 0);
    }
    assert_int_equal(tb.dw->st_dual_writes, 1);
    /* the trace points: the window move, and the held DMA write when it is held */
    char want[256], lines[1024] = "";
    int nw_ = snprintf(want, sizeof want, "0 dw.window lo=1 hi=2\n");
    if (interlock)
        snprintf(want + nw_, sizeof want - (size_t)nw_, "%" PRIu64 " dw.held addr=0x%" PRIx64 "\n",
                 t1, (uint64_t)(CUR + off));
    rewind(tp);
    size_t got_n = fread(lines, 1, sizeof lines - 1, tp);
    lines[got_n] = '\0';
    fclose(tp);
    assert_string_equal(lines, want);
    /* observed but not recorded: the copy write and the dual write's second half */
    assert_int_equal(tb.oracle.skipped, 2);
    assert_int_equal(tb.oracle.commits, 1);
    tb_close(&tb);
}

static void test_race_without_interlock_loses_the_write(void **state)
{
    (void)state;
    race(0);
}

static void test_race_with_line_interlock(void **state)
{
    (void)state;
    race(1);
}

/*
 * A read of a line with a held write waits behind it and returns the new
 * data; a write to another line of the same subpage is not held.
 */
static void test_hold_keeps_order(void **state)
{
    (void)state;
    tb_t tb;
    tb_open(&tb, NULL, NULL);     /* default interlock: line */
    tb_regs(&tb, true, 1, 2);
    uint8_t nw[64], other[64];
    fill(nw, 0x77);
    fill(other, 0x07);
    send_at(&tb, &tb.copy, 0, 100, MIGSIM_OP_READ, CUR + 0x1000, 64, NULL);
    send_at(&tb, &tb.in, 100000, 1, MIGSIM_OP_WRITE, CUR + 0x1000, 64, nw);
    send_at(&tb, &tb.in, 100000, 2, MIGSIM_OP_READ, CUR + 0x1000, 64, NULL);
    send_at(&tb, &tb.in, 100000, 3, MIGSIM_OP_WRITE, CUR + 0x1040, 64, other);
    migsim_kernel_run_until(migsim_sim_kernel(tb.sim), 400000);
    assert_int_equal(tb.done[1], 0);
    assert_int_equal(tb.done[2], 0);
    assert_true(tb.done[3] > 0);
    assert_int_equal(tb.dw->nheld, 2);
    send_at(&tb, &tb.copy, 400000, 101, MIGSIM_OP_WRITE, TGT + 0x1000, 64, tb.data[100]);
    finish(&tb);
    assert_true(tb.done[1] > tb.done[101]);
    assert_true(tb.done[2] > 0);
    assert_memory_equal(tb.data[2], nw, 64);
    assert_int_equal(tb.dw->st_held_writes, 1);
    assert_int_equal(tb.dw->st_held_reads, 1);
    assert_int_equal(tb.dw->nheld, 0);
    tb_close(&tb);
}

/*
 * A whole subpage copied line by line by a scripted copy engine (read,
 * then write to the target once the read returns) while a DMA device
 * writes random lines of it at random times: with the line interlock the
 * target equals the oracle; without it, writes are lost.
 */
static long copy_under_traffic(int interlock, uint64_t seed, uint64_t *held)
{
    tb_t tb;
    tb_open(&tb, interlock ? "\"interlock\": \"line\"" : "\"interlock\": \"none\"", NULL);
    tb_regs(&tb, true, 0, 1);     /* subpage 0 migrating */
    migsim_rng_t rng;
    migsim_rng_seed(&rng, seed);
    enum { LINES = 64, NDMA = 96 };
    const migsim_tick_t gap = 100000, wait = 300000;   /* copy: one line per 100 ns */
    struct { migsim_tick_t t; uint64_t line; } dma[NDMA];
    for (int j = 0; j < NDMA; j++) {
        dma[j].t = migsim_rng_below(&rng, LINES * gap + wait);
        dma[j].line = migsim_rng_below(&rng, LINES);
    }
    for (int i = 1; i < NDMA; i++)         /* by time */
        for (int j = i; j > 0 && dma[j].t < dma[j - 1].t; j--) {
            __typeof__(dma[0]) x = dma[j];
            dma[j] = dma[j - 1];
            dma[j - 1] = x;
        }
    int read_tag[LINES], tag = 0, nd = 0;
    bool wrote[LINES] = { false };
    int nwrote = 0;
    for (int i = 0; i < LINES; i++)
        read_tag[i] = -1;
    for (migsim_tick_t t = 0; nwrote < LINES || nd < NDMA; t += 1000) {
        migsim_kernel_run_until(migsim_sim_kernel(tb.sim), t);
        for (int i = 0; i < LINES; i++) {
            if (read_tag[i] < 0 && (migsim_tick_t)i * gap <= t) {
                read_tag[i] = tag;
                send_at(&tb, &tb.copy, t, tag++, MIGSIM_OP_READ, CUR + (uint64_t)i * 64, 64, NULL);
            } else if (read_tag[i] >= 0 && !wrote[i] && tb.done[read_tag[i]] &&
                       (migsim_tick_t)i * gap + wait <= t) {
                /* the copy writes what it read: the line as it was at the read */
                send_at(&tb, &tb.copy, t, tag++, MIGSIM_OP_WRITE, TGT + (uint64_t)i * 64, 64,
                        tb.data[read_tag[i]]);
                wrote[i] = true;
                nwrote++;
            }
        }
        for (; nd < NDMA && dma[nd].t <= t; nd++) {
            uint8_t buf[64];
            for (int b = 0; b < 64; b++)
                buf[b] = (uint8_t)migsim_rng_next(&rng);
            send_at(&tb, &tb.in, t, tag++, MIGSIM_OP_WRITE, CUR + dma[nd].line * 64, 64, buf);
        }
        assert_true(tag < MAXTAG);
    }
    finish(&tb);
    assert_int_equal(tb.ndone, tag);
    migsim_fmem_t fm = migsim_fmem_of_store(&tb.d->store);
    assert_int_equal(oracle_check(&tb.oracle, resolve_current, NULL, &fm, NULL, NULL), 0);
    long lost = oracle_check(&tb.oracle, resolve_final, NULL, &fm, NULL, NULL);
    *held = tb.dw->st_held_writes;
    assert_int_equal(tb.dw->ntrack, 0);
    assert_int_equal(dualwrite_inflight(tb.dw), 0);
    tb_close(&tb);
    return lost;
}

/*
 * Many copy lines tracked at once, chosen so that the chip's lookup index
 * (linear probing over 128 slots, home (line * 0x9e3779b97f4a7c15) >> 40)
 * has long probe chains: the lines whose home is below 24. Their copy
 * writes end the entries in a random order, so entries are removed from the
 * middle of chains. A DMA write to a tracked line is held until that line's
 * copy write completes, one to an untracked line is not, nothing is lost,
 * and every entry ends.
 */
static void test_many_tracked_lines(void **state)
{
    (void)state;
    uint64_t lines[64];
    int n = 0;
    for (uint64_t i = 0; i < PAGE / 64 && n < 64; i++) {
        uint64_t line = (CUR >> 6) + i;
        if (((line * 0x9e3779b97f4a7c15ull) >> 40 & 127) < 24)
            lines[n++] = i;
    }
    assert_true(n >= 32); /* crowded chains (the 256 lines of the page spread over 128 homes) */
    for (uint64_t seed = 1; seed <= 3; seed++) {
        tb_t tb;
        tb_open(&tb, "\"interlock\": \"line\", \"queue_depth\": 256, \"max_inflight\": 256", NULL);
        tb_regs(&tb, true, 0, PAGE / SUB);   /* the whole page migrating: every line tracked */
        migsim_rng_t rng;
        migsim_rng_seed(&rng, seed);
        int tag = 0, read_tag[64], order[64];
        bool tracked[PAGE / 64] = { false };
        for (int k = 0; k < n; k++) {
            read_tag[k] = tag;
            send_at(&tb, &tb.copy, 0, tag++, MIGSIM_OP_READ, CUR + lines[k] * 64, 64, NULL);
            tracked[lines[k]] = true;
            order[k] = k;
        }
        finish(&tb);
        assert_int_equal(tb.dw->ntrack, n);
        for (int i = n - 1; i > 0; i--) {
            int j = (int)migsim_rng_below(&rng, (uint64_t)i + 1), x = order[i];
            order[i] = order[j];
            order[j] = x;
        }
        /* DMA writes to tracked lines (held) and untracked ones (not held) */
        migsim_tick_t t = migsim_sim_now(tb.sim) + 1000;
        int held_expect = 0;
        for (int k = 0; k < 40; k++) {
            uint64_t line = migsim_rng_below(&rng, PAGE / 64);
            uint8_t buf[64];
            for (int b = 0; b < 64; b++)
                buf[b] = (uint8_t)migsim_rng_next(&rng);
            held_expect += tracked[line];
            send_at(&tb, &tb.in, t, tag++, MIGSIM_OP_WRITE, CUR + line * 64, 64, buf);
        }
        migsim_kernel_run_until(migsim_sim_kernel(tb.sim), t + 1000000);
        assert_int_equal(tb.dw->st_held_writes, held_expect);
        /* the copy writes, one at a time in a random order */
        for (int k = 0; k < n; k++) {
            int i = order[k];
            t = migsim_sim_now(tb.sim) + 1000;
            send_at(&tb, &tb.copy, t, tag++, MIGSIM_OP_WRITE, TGT + lines[i] * 64, 64,
                    tb.data[read_tag[i]]);
            finish(&tb);
            assert_int_equal(tb.dw->ntrack, n - 1 - k);
        }
        assert_true(tag < MAXTAG);
        assert_int_equal(tb.ndone, tag);
        assert_int_equal(dualwrite_inflight(tb.dw), 0);
        migsim_fmem_t fm = migsim_fmem_of_store(&tb.d->store);
        assert_int_equal(oracle_check(&tb.oracle, resolve_final, NULL, &fm, NULL, NULL), 0);
        tb_close(&tb);
    }
}

static void test_copy_under_dma_traffic(void **state)
{
    (void)state;
    long lost_none = 0;
    uint64_t held, held_line = 0;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        assert_int_equal(copy_under_traffic(1, seed, &held), 0);
        held_line += held;
        lost_none += copy_under_traffic(0, seed, &held);
        assert_int_equal(held, 0);
    }
    assert_true(held_line > 0);
    assert_true(lost_none > 0);
}

/* ---- (c) back-pressure ------------------------------------------------------------------ */

static void test_backpressure_burst_of_dual_writes(void **state)
{
    (void)state;
    tb_t tb;
    tb_open(&tb, "\"queue_depth\": 2, \"max_inflight\": 4",
            "\"write_queue_depth\": 2, \"write_high_watermark\": 2, \"write_low_watermark\": 1, "
            "\"read_queue_depth\": 1");
    tb_regs(&tb, true, 1, 3);
    const int n = 48;
    ext_t *e = &tb.in;
    for (int i = 0; i < n; i++) {
        uint8_t d[64];
        fill(d, (uint8_t)(i * 5));
        /* lines of subpages 1 and 2 (both migrating), some lines twice */
        uint64_t pa = CUR + SUB + (uint64_t)(i % 40) * 64 * 3 % (2 * SUB);
        e->backlog[e->nbacklog++] = mkreq(&tb, i, MIGSIM_OP_WRITE, pa & ~63ull, 64, d,
                                          MIGSIM_SRC_DMA);
    }
    tb_retry(&e->port);            /* send what is accepted; the rest from retries */
    assert_true(e->head < n);      /* the chip pushed back */
    finish(&tb);
    assert_int_equal(e->head, n);
    assert_int_equal(tb.ndone, n);
    assert_true(e->retries > 1);
    assert_true(tb.dw->st_refused > 0);
    assert_true(tb.dw->st_mem_refusals > 0);
    assert_int_equal(tb.dw->st_dual_writes, n);
    assert_int_equal(tb.dw->st_extra_bytes, 64 * n);
    assert_int_equal(tb.d->st_writes, 2 * n);
    assert_int_equal(dualwrite_inflight(tb.dw), 0);
    assert_int_equal(tb.dw->q_reserved, 0);
    assert_int_equal(migsim_sim_pool(tb.sim)->in_use, 0);
    migsim_fmem_t fm = migsim_fmem_of_store(&tb.d->store);
    assert_int_equal(tb.oracle.commits, n);
    assert_int_equal(tb.oracle.skipped, n);    /* the second halves */
    assert_int_equal(oracle_lines(&tb.oracle), 40);
    assert_int_equal(oracle_check(&tb.oracle, resolve_current, NULL, &fm, NULL, NULL), 0);
    assert_int_equal(oracle_check(&tb.oracle, resolve_final, NULL, &fm, NULL, NULL), 0);
    tb_close(&tb);
}

/* ---- (e) registers ---------------------------------------------------------------------- */

static void test_register_validation(void **state)
{
    (void)state;
    tb_t tb;
    tb_open(&tb, NULL, NULL);
    const dualwrite_regs_t good = { .enable = true, .cur_base = CUR, .tgt_base = TGT,
                                    .page_bytes = PAGE, .subpage_bytes = SUB, .lo = 0, .hi = 4 };
    assert_int_equal(dualwrite_set(tb.dw, &good), 0);
    struct { const char *what; dualwrite_regs_t r; } bad[] = {
        { "page_bytes", good }, { "subpage_bytes", good }, { "subpage_bytes", good },
        { "subpage_bytes", good }, { "aligned", good }, { "aligned", good }, { "same", good },
        { "lo <= hi", good }, { "lo <= hi", good },
    };
    bad[0].r.page_bytes = 3 * SUB;
    bad[1].r.subpage_bytes = 0;
    bad[2].r.subpage_bytes = 2 * PAGE;
    bad[3].r.subpage_bytes = 32;             /* smaller than a 64-byte line */
    bad[4].r.cur_base = CUR + SUB;
    bad[5].r.tgt_base = TGT + 64;
    bad[6].r.tgt_base = CUR;
    bad[7].r.lo = 3;
    bad[7].r.hi = 2;
    bad[8].r.hi = 5;
    dualwrite_regs_t cur;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(dualwrite_set(tb.dw, &bad[i].r), MIGSIM_EINVAL);
        assert_non_null(strstr(migsim_errmsg(), bad[i].what));
        assert_non_null(strstr(migsim_errmsg(), "dw0"));
        dualwrite_get(tb.dw, &cur);
        assert_memory_equal(&cur, &good, sizeof cur);   /* unchanged */
    }
    /* edges that are fine: the last page of the address space, an empty range, one subpage */
    dualwrite_regs_t edge = good;
    edge.cur_base = 0 - PAGE;
    edge.lo = edge.hi = 4;
    assert_int_equal(dualwrite_set(tb.dw, &edge), 0);
    assert_int_equal(dualwrite_segment(tb.dw, UINT64_MAX), DUALWRITE_SEG1);
    assert_int_equal(dualwrite_segment(tb.dw, 0), DUALWRITE_PASS);
    edge.subpage_bytes = PAGE;
    edge.lo = 0;
    edge.hi = 1;
    assert_int_equal(dualwrite_set(tb.dw, &edge), 0);
    assert_int_equal(dualwrite_segment(tb.dw, 0 - PAGE + 100), DUALWRITE_SEG2);
    /* disabled: the other fields are not checked */
    dualwrite_regs_t off = bad[0].r;
    off.enable = false;
    assert_int_equal(dualwrite_set(tb.dw, &off), 0);
    assert_int_equal(dualwrite_segment(tb.dw, CUR), DUALWRITE_PASS);
    tb_close(&tb);
    /* bad parameters are configuration errors */
    migsim_sim_t *sim = NULL;
    assert_int_not_equal(migsim_sim_create(&sim,
        "{ \"base\": \"none\", \"components\": { \"dw0\": { \"type\": \"dualwrite\", "
        "\"interlock\": \"page\" } } }", "test"), 0);
    assert_null(sim);
    assert_non_null(strstr(migsim_errmsg(), "interlock"));
    assert_int_not_equal(migsim_sim_create(&sim,
        "{ \"base\": \"none\", \"components\": { \"dw0\": { \"type\": \"dualwrite\", "
        "\"queue_depth\": 1 } } }", "test"), 0);
    assert_non_null(strstr(migsim_errmsg(), "queue_depth"));
}

/* A request that crosses a line is an input error of the run. */
static void test_request_crossing_a_line(void **state)
{
    (void)state;
    tb_t tb;
    tb_open(&tb, NULL, NULL);
    uint8_t d[64] = { 0 };
    migsim_req_t *r = mkreq(&tb, 1, MIGSIM_OP_WRITE, CUR + 32, 64, d, MIGSIM_SRC_DMA);
    assert_int_equal(migsim_port_send(&tb.in.port, r), MIGSIM_EBUSY);
    assert_int_equal(migsim_sim_run(tb.sim, MIGSIM_TICK_MAX), MIGSIM_EINVAL);
    assert_non_null(strstr(migsim_errmsg(), "crosses"));
    migsim_req_free(migsim_sim_pool(tb.sim), r);
    tb_close(&tb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routing_fig3),
        cmocka_unit_test(test_partial_dual_write),
        cmocka_unit_test(test_register_write_applies_to_later_arrivals),
        cmocka_unit_test(test_posted_dual_write),
        cmocka_unit_test(test_race_without_interlock_loses_the_write),
        cmocka_unit_test(test_race_with_line_interlock),
        cmocka_unit_test(test_hold_keeps_order),
        cmocka_unit_test(test_copy_under_dma_traffic),
        cmocka_unit_test(test_many_tracked_lines),
        cmocka_unit_test(test_backpressure_burst_of_dual_writes),
        cmocka_unit_test(test_register_validation),
        cmocka_unit_test(test_request_crossing_a_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
