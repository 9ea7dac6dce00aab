/*
 * test_llc.c - the memory-side cache: closed-form hit and miss latencies,
 * a dirty eviction writing back exactly once, and a random program of
 * concurrent reads and writes (partial lines, merged misses, evictions)
 * checked against a byte array updated in arrival order: every read returns
 * the bytes the array held when it arrived, and the functional view equals
 * the array at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dram/dram.h"
#include "llc/llc.h"
#include "migsim/errors.h"
#include "migsim/rng.h"
#include "migsim/sim.h"

#define SPAN 8192u          /* bytes the random program touches */
#define MAXQ 4096

typedef struct probe_s {
    migsim_port_t port;
    int chain;                        /* answers left that send a write to the same line at once */
    int chained;                      /* such writes sent */
    migsim_sim_t *sim;
    uint8_t ref[SPAN];                /* the reference memory */
    uint8_t expect[MAXQ][64];         /* what each read must return */
    migsim_tick_t done[MAXQ];
    int ndone, bad;
} probe_t;

static int send(probe_t *p, int tag, migsim_op_t op, uint64_t addr, uint32_t size, uint8_t fillv);

static void probe_resp(migsim_port_t *self, migsim_req_t *req)
{
    probe_t *p = (probe_t *)self;
    int tag = (int)(uintptr_t)req->cookie;
    if (p->chain > 0) {
        /* like a page walker setting the accessed bit: write the line just read, from the answer */
        p->chain--;
        uint64_t a = req->addr;
        if (send(p, MAXQ - 1 - p->chained, MIGSIM_OP_WRITE, a, 8, (uint8_t)(0x40 + p->chained)) == 0)
            p->chained++;
    }
    p->done[tag] = migsim_sim_now(p->sim);
    if (req->op == MIGSIM_OP_READ && memcmp(req->data, p->expect[tag], req->size) != 0)
        p->bad++;
    p->ndone++;
    migsim_req_free(migsim_sim_pool(p->sim), req);
}

static void probe_open(probe_t *p, const char *llc_json)
{
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "{ \"base\": \"none\", \"sim\": { \"external_ports\": [\"llc0.in\"] },"
             "  \"components\": { \"llc0\": { \"type\": \"llc\" %s }, \"dram0\": { \"type\": \"dram\" } },"
             "  \"links\": [ { \"from\": \"llc0.mem\", \"to\": \"dram0.in\" } ] }", llc_json);
    memset(p, 0, sizeof *p);
    if (migsim_sim_create(&p->sim, cfg, "test") != 0)
        fail_msg("%s", migsim_errmsg());
    p->port.resp = probe_resp;
    assert_int_equal(migsim_sim_bind(p->sim, "llc0.in", &p->port), 0);
    assert_int_equal(migsim_sim_run(p->sim, 0), 0);
}

/* Send at the current time; 0 or MIGSIM_EBUSY. Reads record what they must see. */
static int send(probe_t *p, int tag, migsim_op_t op, uint64_t addr, uint32_t size, uint8_t fillv)
{
    migsim_req_t *r = migsim_req_alloc(migsim_sim_pool(p->sim));
    r->addr = r->orig_addr = addr;
    r->size = size;
    r->op = (uint8_t)op;
    r->flags = MIGSIM_REQ_HAS_DATA;
    r->cookie = (void *)(uintptr_t)tag;
    if (op == MIGSIM_OP_WRITE)
        memset(r->data, fillv, size);
    int rc = migsim_port_send(&p->port, r);
    if (rc) {
        migsim_req_free(migsim_sim_pool(p->sim), r);
        return rc;
    }
    if (op == MIGSIM_OP_WRITE)
        memset(p->ref + addr, fillv, size);
    else
        memcpy(p->expect[tag], p->ref + addr, size);
    return 0;
}

static void test_latencies_and_writeback(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, ", \"size_bytes\": 1024, \"ways\": 1, \"hit_ps\": 7000");
    dram_t *d = (dram_t *)migsim_sim_find(p.sim, "dram0");
    llc_t *c = (llc_t *)migsim_sim_find(p.sim, "llc0");
    const dram_timing_t *t = &d->t;
    migsim_kernel_t *k = migsim_sim_kernel(p.sim);
    /* read miss on an idle DRAM: exactly the DRAM's idle read */
    assert_int_equal(send(&p, 0, MIGSIM_OP_READ, 0, 8, 0), 0);
    assert_int_equal(migsim_sim_run(p.sim, MIGSIM_TICK_MAX), 0);
    assert_int_equal(p.done[0], (uint64_t)(t->tRCD + t->tCL + dram_tBL(t)) * t->tCK_ps);
    /* a hit: hit_ps */
    migsim_tick_t t1 = k->now + 1000000;
    migsim_kernel_run_until(k, t1);
    assert_int_equal(send(&p, 1, MIGSIM_OP_WRITE, 8, 8, 0xab), 0);
    assert_int_equal(migsim_sim_run(p.sim, MIGSIM_TICK_MAX), 0);
    assert_int_equal(p.done[1], t1 + 7000);
    /* 16 sets of one way: line 1024 maps to the same set as line 0 and evicts it, dirty */
    migsim_kernel_run_until(k, k->now + 1000000);
    assert_int_equal(send(&p, 2, MIGSIM_OP_READ, 1024, 8, 0), 0);
    assert_int_equal(migsim_sim_run(p.sim, MIGSIM_TICK_MAX), 0);
    assert_int_equal(c->st_writebacks, 1);
    assert_int_equal(c->st_fills, 2);
    uint8_t b[8];
    dram_dbg_read(d, 8, b, 8);
    uint8_t want[8];
    memset(want, 0xab, 8);
    assert_memory_equal(b, want, 8); /* the written-back bytes reached memory */
    assert_int_equal(p.bad, 0);
    migsim_sim_destroy(p.sim);
}

/* A random program of n requests; with `zeros`, half the writes write zeros (lines of zeros are
 * kept as a flag and must be written out exactly when a partial write lands on them). */
static void run_random_z(probe_t *p, uint64_t seed, int n, bool zeros)
{
    migsim_rng_t rng;
    migsim_rng_seed(&rng, seed);
    migsim_kernel_t *k = migsim_sim_kernel(p->sim);
    int sent = 0;
    while (sent < n) {
        migsim_op_t op = migsim_rng_below(&rng, 2) ? MIGSIM_OP_WRITE : MIGSIM_OP_READ;
        uint64_t line = migsim_rng_below(&rng, SPAN / 64);
        uint32_t size = migsim_rng_below(&rng, 3) == 0 ? 64 : 1u << migsim_rng_below(&rng, 6);
        uint64_t off = migsim_rng_below(&rng, 64 / size) * size;
        uint8_t fillv = (uint8_t)migsim_rng_next(&rng);
        if (zeros && migsim_rng_below(&rng, 2))
            fillv = 0;
        if (send(p, sent, op, line * 64 + off, size, fillv) == 0)
            sent++;
        /* advance a random short time: several requests overlap */
        migsim_kernel_run_until(k, k->now + migsim_rng_below(&rng, 3) * 3000);
    }
    assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
    assert_int_equal(p->ndone, n);
}

static void run_random(probe_t *p, uint64_t seed, int n) { run_random_z(p, seed, n, false); }

static void test_random_against_reference(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        probe_t *p = calloc(1, sizeof *p);
        probe_open(p, ", \"size_bytes\": 2048, \"ways\": 2, \"mshrs\": 4");
        run_random_z(p, seed, MAXQ, seed > 3);
        assert_int_equal(p->bad, 0);
        llc_t *c = (llc_t *)migsim_sim_find(p->sim, "llc0");
        dram_t *d = (dram_t *)migsim_sim_find(p->sim, "dram0");
        assert_true(c->st_merged > 0 && c->st_writebacks > 0 && c->st_full_line_writes > 0);
        assert_true(c->st_refused > 0); /* four miss registers: back-pressure happened */
        migsim_fmem_t mem = migsim_fmem_of_store(&d->store);
        migsim_fmem_t view = llc_fmem(c, &mem);
        uint8_t *got = malloc(SPAN);
        view.read(view.ctx, 0, got, SPAN);
        assert_memory_equal(got, p->ref, SPAN);
        /* memory alone lags behind the dirty lines: the view is needed */
        mem.read(mem.ctx, 0, got, SPAN);
        assert_true(memcmp(got, p->ref, SPAN) != 0);
        free(got);
        migsim_sim_destroy(p->sim);
        free(p);
    }
}

/* One set of two ways: A, B, A, then C evicts B (least recently used), so A still hits. */
static void test_lru_order(void **state)
{
    (void)state;
    probe_t *p = calloc(1, sizeof *p);
    probe_open(p, ", \"size_bytes\": 1024, \"ways\": 2");    /* 8 sets */
    llc_t *c = (llc_t *)migsim_sim_find(p->sim, "llc0");
    const uint64_t A = 0, B = 8 * 64, C = 16 * 64;             /* all in set 0 */
    const uint64_t seq[] = { A, B, A, C, A, B };
    const uint64_t want_hits[] = { 0, 0, 1, 1, 2, 2 };        /* cumulative read hits */
    for (int i = 0; i < 6; i++) {
        assert_int_equal(send(p, i, MIGSIM_OP_READ, seq[i], 8, 0), 0);
        assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
        assert_int_equal(c->st_read_hits, want_hits[i]);
    }
    assert_int_equal(c->st_fills, 4); /* A, B, C, and B again */
    migsim_sim_destroy(p->sim);
    free(p);
}

/*
 * One set of 16, 18 and 32 ways (the set search compares four ways at a
 * time, with a tail for 18): after every way is filled and then touched in
 * a random order, a new line evicts exactly the least recently touched.
 */
static void test_lru_wide_sets(void **state)
{
    (void)state;
    const uint32_t ways_list[] = { 16, 18, 32 };
    migsim_rng_t rng;
    migsim_rng_seed(&rng, 5);
    for (size_t k = 0; k < 3; k++) {
        uint32_t ways = ways_list[k];
        char cfg[96];
        snprintf(cfg, sizeof cfg, ", \"size_bytes\": %u, \"ways\": %u", ways * 64, ways);
        probe_t *p = calloc(1, sizeof *p);
        probe_open(p, cfg);
        llc_t *c = (llc_t *)migsim_sim_find(p->sim, "llc0");
        assert_int_equal(c->sets, 1);
        uint32_t order[32];
        for (uint32_t i = 0; i < ways; i++)
            order[i] = i;
        for (uint32_t i = ways - 1; i > 0; i--) { /* a random touch order */
            uint32_t j = (uint32_t)migsim_rng_below(&rng, i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int tag = 0;
        for (int pass = 0; pass < 2; pass++) /* fill, then touch in `order` */
            for (uint32_t i = 0; i < ways; i++) {
                assert_int_equal(send(p, tag++, MIGSIM_OP_READ, (pass ? order[i] : i) * 64, 8, 0), 0);
                assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
            }
        assert_int_equal(c->st_read_hits, ways);
        /* a new line: the victim must be order[0] */
        assert_int_equal(send(p, tag++, MIGSIM_OP_READ, ways * 64, 8, 0), 0);
        assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
        for (uint32_t i = 1; i < ways; i++) {
            assert_int_equal(send(p, tag++, MIGSIM_OP_READ, order[i] * 64, 8, 0), 0);
            assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
        }
        assert_int_equal(c->st_read_hits, 2 * ways - 1);  /* all but the victim still there */
        assert_int_equal(send(p, tag++, MIGSIM_OP_READ, order[0] * 64, 8, 0), 0);
        assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
        assert_int_equal(c->st_read_hits, 2 * ways - 1);  /* the victim misses */
        migsim_sim_destroy(p->sim);
        free(p);
    }
}

/*
 * The use clock is 32 bits: when it wraps, each set's stamps are renumbered
 * by rank. The same programs started just before the wrap give the same
 * hits, fills and write-backs as from zero.
 */
static void test_lru_across_clock_wrap(void **state)
{
    (void)state;
    uint64_t st[2][4];
    for (int wrap = 0; wrap < 2; wrap++) {
        probe_t *p = calloc(1, sizeof *p);
        probe_open(p, ", \"size_bytes\": 1024, \"ways\": 2");
        llc_t *c = (llc_t *)migsim_sim_find(p->sim, "llc0");
        if (wrap)
            c->use_clock = UINT32_MAX - 3;
        const uint64_t A = 0, B = 8 * 64, C = 16 * 64;
        const uint64_t seq[] = { A, B, A, C, A, B };
        const uint64_t want_hits[] = { 0, 0, 1, 1, 2, 2 };
        for (int i = 0; i < 6; i++) {
            assert_int_equal(send(p, i, MIGSIM_OP_READ, seq[i], 8, 0), 0);
            assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
            assert_int_equal(c->st_read_hits, want_hits[i]);
        }
        if (wrap)
            assert_true(c->use_clock < 100); /* it did wrap, in the middle of the sequence */
        migsim_sim_destroy(p->sim);
        free(p);
        p = calloc(1, sizeof *p);
        probe_open(p, ", \"size_bytes\": 2048, \"ways\": 4, \"mshrs\": 4");
        c = (llc_t *)migsim_sim_find(p->sim, "llc0");
        if (wrap)
            c->use_clock = UINT32_MAX - 1000;
        run_random(p, 7, 2000);
        assert_int_equal(p->bad, 0);
        st[wrap][0] = c->st_read_hits;
        st[wrap][1] = c->st_write_hits;
        st[wrap][2] = c->st_fills;
        st[wrap][3] = c->st_writebacks;
        migsim_sim_destroy(p->sim);
        free(p);
    }
    assert_memory_equal(st[0], st[1], sizeof st[0]);
}

/* An address whose tag does not fit 32 bits is an error naming the address, not a wrong hit. */
static void test_address_beyond_tags(void **state)
{
    (void)state;
    probe_t *p = calloc(1, sizeof *p);
    probe_open(p, ", \"size_bytes\": 1024, \"ways\": 2");   /* 8 sets: below 2048 GiB */
    for (int i = 0; i < 2; i++) {
        migsim_req_t *r = migsim_req_alloc(migsim_sim_pool(p->sim));
        r->addr = r->orig_addr = (2047ull + (uint64_t)i) << 30;
        r->size = 8;
        r->op = MIGSIM_OP_READ;
        r->cookie = (void *)(uintptr_t)i;
        if (i == 0) {
            assert_int_equal(migsim_port_send(&p->port, r), 0);
            assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
            assert_int_equal(p->ndone, 1);
        } else {
            assert_int_not_equal(migsim_port_send(&p->port, r), 0);
            migsim_req_free(migsim_sim_pool(p->sim), r);
            assert_int_not_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
        }
    }
    assert_non_null(strstr(migsim_errmsg(), "0x20000000000"));
    migsim_sim_destroy(p->sim);
    free(p);
}

/*
 * A write sent from inside the answer to a miss, to the same line, is not
 * lost: as a page walker sets the accessed bit of the PTE it just read. One
 * waiter (its answer is the last of the fill), then two.
 */
static void test_send_from_answer(void **state)
{
    (void)state;
    for (int waiters = 1; waiters <= 2; waiters++) {
        probe_t *p = calloc(1, sizeof *p);
        probe_open(p, ", \"size_bytes\": 4096, \"ways\": 4");
        p->chain = waiters;
        assert_int_equal(send(p, 0, MIGSIM_OP_READ, 256, 8, 0), 0);      /* a miss */
        if (waiters == 2)
            assert_int_equal(send(p, 1, MIGSIM_OP_READ, 264, 8, 0), 0);  /* merged on the fill */
        assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
        assert_int_equal(p->chained, waiters);
        assert_int_equal(p->ndone, 2 * waiters);                          /* reads and writes */
        llc_t *c = (llc_t *)migsim_sim_find(p->sim, "llc0");
        dram_t *d = (dram_t *)migsim_sim_find(p->sim, "dram0");
        migsim_fmem_t mem = migsim_fmem_of_store(&d->store);
        migsim_fmem_t view = llc_fmem(c, &mem);
        uint8_t got[16];
        view.read(view.ctx, 256, got, 16);
        assert_memory_equal(got, p->ref + 256, 16);
        assert_int_equal(c->mshr_busy, 0);
        migsim_sim_destroy(p->sim);
        free(p);
    }
}

/* A functional write to a line whose fill is under way is not undone by the fill. */
static void test_view_write_during_fill(void **state)
{
    (void)state;
    probe_t *p = calloc(1, sizeof *p);
    probe_open(p, ", \"size_bytes\": 4096, \"ways\": 4");
    llc_t *c = (llc_t *)migsim_sim_find(p->sim, "llc0");
    dram_t *d = (dram_t *)migsim_sim_find(p->sim, "dram0");
    migsim_fmem_t mem = migsim_fmem_of_store(&d->store);
    migsim_fmem_t view = llc_fmem(c, &mem);
    assert_int_equal(send(p, 0, MIGSIM_OP_READ, 512, 8, 0), 0);          /* a miss: fill starts */
    /* after the DRAM read (idle bank: tRCD + tCL + tBL), before the fill lands in the cache */
    migsim_kernel_run_until(migsim_sim_kernel(p->sim), 30000);
    assert_int_equal(c->mshr_busy, 1);
    uint8_t v[8] = { 9, 8, 7, 6, 5, 4, 3, 2 }, got[8];
    assert_int_equal(view.write(view.ctx, 520, v, 8), 0);
    memcpy(p->ref + 520, v, 8);
    assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
    view.read(view.ctx, 520, got, 8);
    assert_memory_equal(got, v, 8);
    migsim_kernel_run_until(migsim_sim_kernel(p->sim), migsim_sim_now(p->sim) + 1000);
    assert_int_equal(send(p, 1, MIGSIM_OP_READ, 520, 8, 0), 0);          /* a hit sees them */
    assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
    assert_int_equal(p->bad, 0);
    migsim_sim_destroy(p->sim);
    free(p);
}

/* A compare-and-swap in the cache writes only over the expected bytes, and says when it failed. */
static uint32_t cas_flags[2];

static void test_compare_and_swap(void **state)
{
    (void)state;
    probe_t *p = calloc(1, sizeof *p);
    probe_open(p, ", \"size_bytes\": 4096, \"ways\": 4");
    assert_int_equal(send(p, 0, MIGSIM_OP_WRITE, 640, 8, 0x11), 0);
    assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
    for (int i = 0; i < 2; i++) {
        migsim_req_t *r = migsim_req_alloc(migsim_sim_pool(p->sim));
        r->addr = r->orig_addr = 640;
        r->size = 8;
        r->op = MIGSIM_OP_WRITE;
        r->flags = MIGSIM_REQ_HAS_DATA | MIGSIM_REQ_CAS;
        r->cookie = (void *)(uintptr_t)(10 + i);
        memset(r->data, 0x22 + i, 8);
        memset(r->data + 8, 0x11, 8);   /* expects the first write's bytes both times */
        assert_int_equal(migsim_port_send(&p->port, r), 0);
        cas_flags[i] = r->flags;        /* a hit applies at once */
        migsim_kernel_run_until(migsim_sim_kernel(p->sim), migsim_sim_now(p->sim) + 100000);
    }
    assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
    assert_false(cas_flags[0] & MIGSIM_REQ_CAS_FAILED);
    assert_true(cas_flags[1] & MIGSIM_REQ_CAS_FAILED);
    llc_t *c = (llc_t *)migsim_sim_find(p->sim, "llc0");
    dram_t *d = (dram_t *)migsim_sim_find(p->sim, "dram0");
    migsim_fmem_t mem = migsim_fmem_of_store(&d->store);
    migsim_fmem_t view = llc_fmem(c, &mem);
    uint8_t got[8], want[8];
    view.read(view.ctx, 640, got, 8);
    memset(want, 0x22, 8);
    assert_memory_equal(got, want, 8);
    migsim_sim_destroy(p->sim);
    free(p);
}

/* Functional writes through the view reach both the cached copy and memory. */
static void test_view_write(void **state)
{
    (void)state;
    probe_t *p = calloc(1, sizeof *p);
    probe_open(p, ", \"size_bytes\": 4096, \"ways\": 4");
    assert_int_equal(send(p, 0, MIGSIM_OP_READ, 128, 64, 0), 0); /* bring the line in */
    assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
    llc_t *c = (llc_t *)migsim_sim_find(p->sim, "llc0");
    dram_t *d = (dram_t *)migsim_sim_find(p->sim, "dram0");
    migsim_fmem_t mem = migsim_fmem_of_store(&d->store);
    migsim_fmem_t view = llc_fmem(c, &mem);
    uint8_t v[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 }, back[16];
    assert_int_equal(view.write(view.ctx, 120, v, 16), 0); /* spans two lines, one cached */
    memcpy(p->ref + 120, v, 16);
    migsim_kernel_run_until(migsim_sim_kernel(p->sim), migsim_sim_now(p->sim) + 1000);
    assert_int_equal(send(p, 1, MIGSIM_OP_READ, 128, 8, 0), 0);  /* a hit sees the new bytes */
    assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
    assert_int_equal(p->bad, 0);
    mem.read(mem.ctx, 120, back, 16);
    assert_memory_equal(back, v, 16);
    migsim_sim_destroy(p->sim);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latencies_and_writeback),
        cmocka_unit_test(test_random_against_reference),
        cmocka_unit_test(test_lru_order),
        cmocka_unit_test(test_lru_wide_sets),
        cmocka_unit_test(test_lru_across_clock_wrap),
        cmocka_unit_test(test_address_beyond_tags),
        cmocka_unit_test(test_send_from_answer),
        cmocka_unit_test(test_view_write_during_fill),
        cmocka_unit_test(test_compare_and_swap),
        cmocka_unit_test(test_view_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
