/*
 * test_xlat_walker.c - the walk engine (models/xlat/walker.c) against the
 * DDR4 model, with the test playing the owning MMU.
 *
 * A port of the test is bound to dram0.in (sim.external_ports); the page
 * tables are built with the OS-side builder directly in the DRAM's
 * functional store, so the walker's 8-byte reads return real PTEs. Checked:
 * (i) PA and size for every ladder size; (ii) the exact number of PTE reads
 * per walk, fewer with page-walk-cache hits; (iii) the latency of a cold
 * walk on an idle DRAM in closed form (tables placed in distinct banks:
 * every read an idle-bank read, tRCD + tCL + tBL), and of a PWC-assisted
 * walk whose one read hits the open row (tCL + tBL); (iv) the accessed and
 * dirty bits in memory after walks, with one 8-byte write only when a bit
 * was clear, and the software bits 4..11 ignored and kept; (v) faults report the level and PTE; (vi) walks to one page
 * are coalesced; and back-pressure from the DRAM, slot exhaustion and
 * determinism.
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
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "migsim/store.h"
#include "xlat/xlat.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

#define PT_BASE 0x10000000ull           /* 256 MiB: row 2048, bank 0 with RoBaBgRaCoCh */
#define VA0 (1ull << 42)                /* top index 1024: its top PTE is 8 KiB in, in bank 1 */
#define MAXW 64

typedef struct owner_s {
    migsim_port_t port;                 /* first: the callbacks get it back */
    migsim_sim_t *sim;
    dram_t *d;
    xlat_pt_t pt;
    xlat_pwc_t pwc;
    xlat_walker_t w;
    xlat_waiter_t wt[MAXW];
    xlat_walk_result_t res[MAXW];       /* by waiter */
    int done[MAXW];                     /* done calls per waiter */
    int ndone;
    int bad_reqs;                       /* walk requests not shaped as specified */
} owner_t;

static void owner_resp(migsim_port_t *self, migsim_req_t *req)
{
    owner_t *o = (owner_t *)self;
    if (!xlat_walker_owns(&o->w, req))
        fail_msg("response for a request that is not the walker's");
    if (req->src_kind != MIGSIM_SRC_WALK || req->size != 8 || !(req->flags & MIGSIM_REQ_HAS_DATA) ||
        req->addr % 8)
        o->bad_reqs++;
    xlat_walker_resp(&o->w, req);
}

static void owner_retry(migsim_port_t *self)
{
    owner_t *o = (owner_t *)self;
    xlat_walker_retry(&o->w);
}

static void owner_done(void *owner, xlat_waiter_t *wt, const xlat_walk_result_t *r)
{
    owner_t *o = owner;
    int i = (int)(wt - o->wt);
    assert_true(i >= 0 && i < MAXW);
    o->res[i] = *r;
    o->done[i]++;
    o->ndone++;
}

/* A sim with one DDR4-2400 channel (no refresh unless asked), tables at PT_BASE. */
static void owner_open(owner_t *o, const char *dram_extra, uint32_t max_walks, bool pwc,
                       uint64_t table_align)
{
    memset(o, 0, sizeof *o);
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "{ \"base\": \"none\", \"sim\": { \"external_ports\": [\"dram0.in\"] },"
             "  \"components\": { \"dram0\": { \"type\": \"dram\", \"preset\": \"DDR4-2400\","
             "  \"refresh\": false %s%s } } }",
             dram_extra ? ", " : "", dram_extra ? dram_extra : "");
    if (migsim_sim_create(&o->sim, cfg, "test"))
        fail_msg("%s", migsim_errmsg());
    o->port.name = "mmu";
    o->port.resp = owner_resp;
    o->port.retry = owner_retry;
    assert_int_equal(migsim_sim_bind(o->sim, "dram0.in", &o->port), 0);
    o->d = (dram_t *)migsim_sim_find(o->sim, "dram0");
    assert_non_null(o->d);
    assert_int_equal(migsim_sim_run(o->sim, 0), 0);

    xlat_pt_cfg_t pc;
    memset(&pc, 0, sizeof pc);
    xlat_ladder_default(&pc.ladder);
    pc.mem = migsim_fmem_of_store(&o->d->store);
    pc.pt_base = PT_BASE;
    pc.pt_bytes = 64 * MiB;
    pc.table_align_bytes = table_align;
    if (xlat_pt_create(&o->pt, &pc))
        fail_msg("%s", migsim_errmsg());
    uint32_t ent[XLAT_MAX_SIZES] = { 0, 8, 8, 8, 8, 8 };
    assert_int_equal(xlat_pwc_init(&o->pwc, &pc.ladder, ent), 0);
    xlat_walker_cfg_t wc = {
        .ladder = &pc.ladder, .root = o->pt.root, .max_walks = max_walks, .port = &o->port,
        .pool = migsim_sim_pool(o->sim), .k = migsim_sim_kernel(o->sim),
        .pwc = pwc ? &o->pwc : NULL, .done = owner_done, .owner = o, .src_idx = 3,
    };
    if (xlat_walker_init(&o->w, &wc))
        fail_msg("%s", migsim_errmsg());
}

static void owner_close(owner_t *o)
{
    assert_int_equal(o->bad_reqs, 0);
    xlat_walker_fini(&o->w);
    migsim_sim_destroy(o->sim);
}

static void at(owner_t *o, migsim_tick_t t) { migsim_kernel_run_until(migsim_sim_kernel(o->sim), t); }

static int go(owner_t *o, int i, uint64_t va, xlat_access_t acc)
{
    o->wt[i].va = va;
    o->wt[i].access = (uint8_t)acc;
    return xlat_walker_translate(&o->w, &o->wt[i]);
}

static void run_idle(owner_t *o) { assert_int_equal(migsim_sim_run(o->sim, MIGSIM_TICK_MAX), 0); }

static uint64_t tck(const owner_t *o) { return o->d->t.tCK_ps; }

/* ---- (i), (ii): every size, reads per walk ---------------------------------------- */

static void test_every_size(void **state)
{
    (void)state;
    owner_t o;
    owner_open(&o, NULL, 4, false, 0);
    const xlat_ladder_t *l = &o.pt.ladder;
    for (uint32_t k = 0; k < l->n; k++) {
        uint64_t sz = xlat_size(l, k);
        uint64_t va = VA0 + k * 4 * GiB + (k < 5 ? 3 * sz : 0);
        uint64_t pa = 0x100000000ull * (k + 1);
        assert_int_equal(xlat_pt_map(&o.pt, va, pa, k, 0), 0);
        uint64_t off = (0x9876543ull * (k + 1)) & (sz - 1) & ~7ull;
        assert_int_equal(go(&o, (int)k, va + off, XLAT_ACCESS_READ), 0);
        run_idle(&o);
        const xlat_walk_result_t *r = &o.res[k];
        assert_int_equal(o.done[k], 1);
        assert_int_equal(r->status, XLAT_WALK_OK);
        assert_int_equal(r->pa, pa + off);
        assert_int_equal(r->va, va + off);
        assert_int_equal(r->size_idx, k);
        assert_int_equal(r->mem_reads, l->n - k);   /* levels visited, top to the leaf */
        assert_int_equal(r->mem_writes, 1);         /* A was clear */
        assert_true(r->pte & XLAT_PTE_A);
    }
    assert_int_equal(o.w.st_walks, 6);
    assert_int_equal(o.w.st_mem_reads, 6 + 5 + 4 + 3 + 2 + 1);
    assert_int_equal(o.w.st_mem_writes, 6);
    assert_int_equal(o.w.active, 0);
    owner_close(&o);
}

/* ---- (ii), (iii): closed-form latency, PWC savings -------------------------------- */

static void test_cold_walk_closed_form(void **state)
{
    (void)state;
    owner_t o;
    /* 16 KiB table alignment: the tables of levels 4..0 land in banks 0, 2, 4, 6, 8; the top PTE in bank 1 */
    owner_open(&o, NULL, 4, true, 16 * KiB);
    const dram_timing_t *t = &o.d->t;
    assert_int_equal(xlat_pt_map(&o.pt, VA0, 0x40000000, 0, XLAT_MAP_ACCESSED), 0);
    assert_int_equal(xlat_pt_map(&o.pt, VA0 + 4 * KiB, 0x40001000, 0, XLAT_MAP_ACCESSED), 0);
    /* the banks and rows of the six PTEs the cold walk reads are all different banks */
    uint32_t seen = 0;
    uint64_t table = o.pt.root;
    for (uint32_t k = 5;; k--) {
        uint64_t a = table + xlat_level_index(&o.pt.ladder, k, VA0) * 8;
        dram_loc_t loc;
        dram_decode(o.d, a, &loc);
        assert_false(seen & (1u << (loc.bg * 4 + loc.bank)));
        seen |= 1u << (loc.bg * 4 + loc.bank);
        if (k == 0)
            break;
        uint64_t pte;
        dram_dbg_read(o.d, a, &pte, 8);
        table = xlat_pte_addr(pte);
    }
    migsim_tick_t t0 = 100 * tck(&o);
    at(&o, t0);
    assert_int_equal(go(&o, 0, VA0 + 0x10, XLAT_ACCESS_READ), 0);
    run_idle(&o);
    const xlat_walk_result_t *r = &o.res[0];
    assert_int_equal(r->status, XLAT_WALK_OK);
    assert_int_equal(r->mem_reads, 6);
    assert_int_equal(r->mem_writes, 0);                /* A already set */
    uint64_t idle_read = (t->tRCD + t->tCL + dram_tBL(t)) * tck(&o);
    assert_int_equal(r->start_ps, t0);
    assert_int_equal(r->end_ps - r->start_ps, 6 * idle_read);
    print_message("  cold 4 KiB walk: 6 idle-bank reads, %llu ps (6 x (tRCD+tCL+tBL) x tCK)\n",
                  (unsigned long long)(r->end_ps - r->start_ps));
    /* the neighbouring page: the PWC holds the level-1 PTE, one read to the open row */
    migsim_tick_t t1 = r->end_ps + 10 * tck(&o);
    at(&o, t1);
    assert_int_equal(go(&o, 1, VA0 + 4 * KiB + 0x20, XLAT_ACCESS_READ), 0);
    run_idle(&o);
    r = &o.res[1];
    assert_int_equal(r->status, XLAT_WALK_OK);
    assert_int_equal(r->pa, 0x40001020);
    assert_int_equal(r->pwc_level, 1);
    assert_int_equal(r->mem_reads, 1);
    assert_int_equal(r->end_ps - r->start_ps, (t->tCL + dram_tBL(t)) * tck(&o));
    assert_int_equal(o.w.st_pwc_hits[1], 1);
    /* a page in another 1M region of the same 16M region: PWC hit at level 3, two reads */
    assert_int_equal(xlat_pt_map(&o.pt, VA0 + 2 * MiB, 0x40200000, 0, XLAT_MAP_ACCESSED), 0);
    assert_int_equal(go(&o, 2, VA0 + 2 * MiB, XLAT_ACCESS_READ), 0);
    run_idle(&o);
    assert_int_equal(o.res[2].status, XLAT_WALK_OK);
    assert_int_equal(o.res[2].pwc_level, 3);
    assert_int_equal(o.res[2].mem_reads, 3 - 0);      /* levels 2, 1, 0 */
    xlat_walker_finalize_stats(&o.w);
    assert_true(o.w.st_lat_avg_ps > 0);
    assert_int_equal(o.w.st_lat_sum_ps, (uint64_t)(o.w.st_lat_avg_ps * 3 + 0.5));
    owner_close(&o);
}

/*
 * A walk in flight when the PWC is invalidated (a shootdown of its range)
 * caches none of the tables it reads after that: they may have been freed
 * by the change the shootdown announces, and an entry inserted then would
 * outlive it. Without that rule the walk below re-inserts levels 3 to 1
 * after the invalidation, and the next walk starts from a freed table.
 */
static void test_pwc_invalidated_during_walk(void **state)
{
    (void)state;
    owner_t o;
    owner_open(&o, NULL, 4, true, 16 * KiB);  /* every read an idle-bank read */
    const dram_timing_t *t = &o.d->t;
    assert_int_equal(xlat_pt_map(&o.pt, VA0, 0x40000000, 0, XLAT_MAP_ACCESSED), 0);
    uint64_t idle_read = (t->tRCD + t->tCL + dram_tBL(t)) * tck(&o);
    migsim_tick_t t0 = 100 * tck(&o);
    at(&o, t0);
    assert_int_equal(go(&o, 0, VA0, XLAT_ACCESS_READ), 0);
    at(&o, t0 + 2 * idle_read + idle_read / 2);  /* levels 5 and 4 read and cached */
    assert_int_equal(o.pwc.st_inserts, 2);
    assert_int_equal(xlat_pwc_invalidate_range(&o.pwc, VA0, 4 * KiB), 2);
    run_idle(&o);
    assert_int_equal(o.res[0].status, XLAT_WALK_OK);  /* the walk itself ends as it would */
    assert_int_equal(o.res[0].mem_reads, 6);
    assert_int_equal(o.pwc.st_inserts, 2);            /* nothing cached after the invalidation */
    uint64_t pte;
    assert_int_equal(xlat_pwc_lookup(&o.pwc, VA0, &pte), -1);
    /* a walk started after the invalidation caches again */
    assert_int_equal(go(&o, 1, VA0 + 8, XLAT_ACCESS_READ), 0);
    run_idle(&o);
    assert_int_equal(o.res[1].mem_reads, 6);
    assert_int_equal(o.pwc.st_inserts, 2 + 5);
    assert_int_equal(xlat_pwc_lookup(&o.pwc, VA0, &pte), 1);
    owner_close(&o);
}

/* ---- (iv): accessed and dirty bits ------------------------------------------------- */

static void test_accessed_dirty(void **state)
{
    (void)state;
    owner_t o;
    owner_open(&o, NULL, 4, true, 0);
    assert_int_equal(xlat_pt_map(&o.pt, VA0, 0x80000000, 2, 0), 0);  /* a 1 MiB page, A and D clear */
    xlat_map_t m;
    assert_true(xlat_pt_lookup(&o.pt, VA0, &m));
    assert_int_equal(m.pte & (XLAT_PTE_A | XLAT_PTE_D), 0);
    /* a read sets A with one 8-byte write */
    assert_int_equal(go(&o, 0, VA0 + 0x100, XLAT_ACCESS_READ), 0);
    run_idle(&o);
    assert_int_equal(o.res[0].mem_writes, 1);
    assert_true(xlat_pt_lookup(&o.pt, VA0, &m));
    assert_int_equal(m.pte & (XLAT_PTE_A | XLAT_PTE_D), XLAT_PTE_A);
    assert_int_equal(xlat_pte_addr(m.pte), 0x80000000);              /* the rest of the PTE is intact */
    assert_int_equal(o.res[0].pte, m.pte);
    assert_int_equal(o.res[0].pte_addr, m.pte_addr);
    /* a second read writes nothing */
    assert_int_equal(go(&o, 1, VA0 + 0x200, XLAT_ACCESS_READ), 0);
    run_idle(&o);
    assert_int_equal(o.res[1].mem_writes, 0);
    /* a write sets D */
    assert_int_equal(go(&o, 2, VA0 + 0x300, XLAT_ACCESS_WRITE), 0);
    run_idle(&o);
    assert_int_equal(o.res[2].mem_writes, 1);
    assert_true(xlat_pt_lookup(&o.pt, VA0, &m));
    assert_int_equal(m.pte & (XLAT_PTE_A | XLAT_PTE_D), XLAT_PTE_A | XLAT_PTE_D);
    /* the write's latency includes the PTE write: longer than the read-only walk before it */
    assert_true(o.res[2].end_ps - o.res[2].start_ps > o.res[1].end_ps - o.res[1].start_ps);
    /* and then nothing more */
    assert_int_equal(go(&o, 3, VA0 + 0x400, XLAT_ACCESS_WRITE), 0);
    run_idle(&o);
    assert_int_equal(o.res[3].mem_writes, 0);
    assert_int_equal(o.w.st_mem_writes, 2);
    /* the bytes the DRAM holds are the PTE the builder sees */
    uint64_t raw;
    dram_dbg_read(o.d, m.pte_addr, &raw, 8);
    assert_int_equal(raw, m.pte);
    owner_close(&o);
}

/*
 * The OS software bits 4..11 (XLAT_PTE_SW) mean nothing to the walker: with
 * all of them set in a leaf and in the table pointer above it, the walk
 * translates as without them, sets A by one CAS and leaves them in memory.
 */
static void test_software_bits_ignored(void **state)
{
    (void)state;
    owner_t o;
    owner_open(&o, NULL, 4, false, 0);
    assert_int_equal(xlat_pt_map(&o.pt, VA0, 0x80000000, 0, 0), 0);  /* a 4 KiB page */
    xlat_map_t m;
    assert_true(xlat_pt_lookup(&o.pt, VA0, &m));
    uint8_t b[8];
    xlat_pte_encode(b, m.pte | XLAT_PTE_SW);
    assert_int_equal(o.pt.mem.write(o.pt.mem.ctx, m.pte_addr, b, 8), 0);
    uint64_t above = o.pt.root, e = 0;
    for (uint32_t k = o.pt.ladder.n - 1; k >= 1; k--) {   /* down to the level-1 entry */
        above += xlat_level_index(&o.pt.ladder, k, VA0) * 8;
        e = xlat_pt_read(&o.pt, above);
        if (k > 1)
            above = xlat_pte_addr(e);
    }
    xlat_pte_encode(b, e | XLAT_PTE_SW);
    assert_int_equal(o.pt.mem.write(o.pt.mem.ctx, above, b, 8), 0);
    assert_int_equal(go(&o, 0, VA0 + 0x123, XLAT_ACCESS_READ), 0);
    run_idle(&o);
    assert_int_equal(o.res[0].status, XLAT_WALK_OK);
    assert_int_equal(o.res[0].size_idx, 0);
    assert_int_equal(o.res[0].pa, 0x80000123);
    assert_int_equal(o.res[0].mem_writes, 1);
    assert_int_equal(xlat_pt_read(&o.pt, m.pte_addr), m.pte | XLAT_PTE_SW | XLAT_PTE_A);
    assert_int_equal(xlat_pt_read(&o.pt, above), e | XLAT_PTE_SW);
    owner_close(&o);
}

/* ---- (v): faults ---------------------------------------------------------------------- */

static void test_faults(void **state)
{
    (void)state;
    owner_t o;
    owner_open(&o, NULL, 4, true, 0);
    assert_int_equal(xlat_pt_map_range(&o.pt, VA0, 0x100000000ull, 4 * GiB, XLAT_MAP_FIXED, 1, 0), 65536);
    /* the migrating subpage: its 64K PTE invalidated (FIG. 2 block 208) */
    const uint64_t sub = VA0 + 818 * MiB;
    assert_int_equal(xlat_pt_set_valid(&o.pt, sub, false), 1);
    assert_int_equal(go(&o, 0, sub + 0x40, XLAT_ACCESS_WRITE), 0);
    /* an address with no top-level entry */
    assert_int_equal(go(&o, 1, VA0 + 64 * GiB, XLAT_ACCESS_READ), 0);
    /* the neighbouring subpage still translates */
    assert_int_equal(go(&o, 2, sub + 64 * KiB, XLAT_ACCESS_READ), 0);
    run_idle(&o);
    assert_int_equal(o.res[0].status, XLAT_WALK_FAULT);
    assert_int_equal(o.res[0].level, 1);
    assert_int_equal(o.res[0].pte, (0x100000000ull + 818 * MiB) | XLAT_PTE_L);
    assert_int_equal(o.res[0].mem_writes, 0);
    assert_int_equal(o.res[1].status, XLAT_WALK_FAULT);
    assert_int_equal(o.res[1].level, 5);
    assert_int_equal(o.res[1].pte, 0);
    assert_int_equal(o.res[1].mem_reads, 1);
    assert_int_equal(o.res[2].status, XLAT_WALK_OK);
    assert_int_equal(o.res[2].pa, 0x100000000ull + 818 * MiB + 64 * KiB);
    assert_int_equal(o.w.st_faults, 2);
    /* after the OS points the PTE at the target and validates it, the walk succeeds */
    assert_int_equal(xlat_pt_retarget(&o.pt, sub, 0x900000000ull + 818 * MiB), 0);
    assert_int_equal(xlat_pt_set_valid(&o.pt, sub, true), 0);
    assert_int_equal(go(&o, 3, sub + 0x40, XLAT_ACCESS_READ), 0);
    run_idle(&o);
    assert_int_equal(o.res[3].status, XLAT_WALK_OK);
    assert_int_equal(o.res[3].pa, 0x900000000ull + 818 * MiB + 0x40);
    /* a malformed leaf (PA not aligned to its size) is reported as such */
    xlat_map_t m;
    assert_int_equal(xlat_pt_map(&o.pt, VA0 + 12 * GiB, 0x100000000ull, 4, 0), 0);
    assert_true(xlat_pt_lookup(&o.pt, VA0 + 12 * GiB, &m));
    uint64_t mis = (m.pte & ~XLAT_PTE_ADDR) | 0x100010000ull;   /* a 256M leaf at a 64K-aligned PA */
    assert_int_equal(dram_dbg_write(o.d, m.pte_addr, &mis, 8), 0);
    assert_int_equal(go(&o, 4, VA0 + 12 * GiB + 5, XLAT_ACCESS_READ), 0);
    run_idle(&o);
    assert_int_equal(o.res[4].status, XLAT_WALK_BAD_PTE);
    assert_int_equal(o.res[4].level, 4);
    owner_close(&o);
}

/* ---- (vi): coalescing, slots, back-pressure, determinism ---------------------------------- */

static void test_coalescing(void **state)
{
    (void)state;
    owner_t o;
    owner_open(&o, NULL, 2, true, 0);
    assert_int_equal(xlat_pt_map(&o.pt, VA0, 0x40000000, 0, XLAT_MAP_ACCESSED), 0);
    assert_int_equal(xlat_pt_map(&o.pt, VA0 + 1 * GiB, 0x50000000, 0, XLAT_MAP_ACCESSED), 0);
    assert_int_equal(xlat_pt_map(&o.pt, VA0 + 2 * GiB, 0x60000000, 0, XLAT_MAP_ACCESSED), 0);
    at(&o, 1000 * tck(&o));
    assert_int_equal(go(&o, 0, VA0 + 0x10, XLAT_ACCESS_READ), 0);
    assert_int_equal(go(&o, 1, VA0 + 0x20, XLAT_ACCESS_READ), 0);      /* joins */
    assert_int_equal(go(&o, 2, VA0 + 0x30, XLAT_ACCESS_WRITE), 0);     /* joins before the leaf: D */
    assert_int_equal(go(&o, 3, VA0 + 1 * GiB, XLAT_ACCESS_READ), 0);   /* second slot */
    assert_int_equal(go(&o, 4, VA0 + 2 * GiB, XLAT_ACCESS_READ), MIGSIM_EBUSY);
    assert_int_equal(o.done[4], 0);
    assert_int_equal(o.ndone, 0);                                        /* never from inside translate */
    run_idle(&o);
    assert_int_equal(o.w.st_walks, 2);
    assert_int_equal(o.w.st_coalesced, 2);
    assert_int_equal(o.w.st_refused, 1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(o.done[i], 1);
        assert_int_equal(o.res[i].status, XLAT_WALK_OK);
        assert_int_equal(o.res[i].pa, 0x40000000 + 0x10 * (uint64_t)(i + 1));
        assert_int_equal(o.res[i].mem_reads, 6);                        /* one walk's reads, shared */
        assert_int_equal(o.res[i].end_ps, o.res[0].end_ps);
    }
    assert_int_equal(o.res[0].mem_writes, 1);                           /* D for the joined write */
    xlat_map_t m;
    assert_true(xlat_pt_lookup(&o.pt, VA0, &m));
    assert_true(m.pte & XLAT_PTE_D);
    assert_int_equal(o.res[3].pa, 0x50000000);
    /* the shared upper levels are in the PWC now: the refused one walks from level 2 */
    assert_int_equal(go(&o, 4, VA0 + 2 * GiB, XLAT_ACCESS_READ), 0);
    run_idle(&o);
    assert_int_equal(o.res[4].pa, 0x60000000);
    assert_int_equal(o.res[4].pwc_level, 5);
    assert_int_equal(o.res[4].mem_reads, 5);
    assert_int_equal(o.w.st_mem_reads, 6 + 6 + 5);
    owner_close(&o);
}

/* Many walks into a DRAM whose read queue holds one request: refusals and retries. */
static void backpressure_run(uint64_t *fingerprint, uint64_t *refused)
{
    owner_t o;
    owner_open(&o, "\"read_queue_depth\": 1, \"write_queue_depth\": 2, \"write_high_watermark\": 2, "
               "\"write_low_watermark\": 0", 16, false, 0);
    for (int i = 0; i < 16; i++)
        assert_int_equal(xlat_pt_map(&o.pt, VA0 + (uint64_t)i * 4 * GiB + (uint64_t)i * 64 * KiB,
                                     0x10000000ull * (uint64_t)(i + 1), 0, 0), 0);
    at(&o, 50 * tck(&o));
    for (int i = 0; i < 16; i++)
        assert_int_equal(go(&o, i, VA0 + (uint64_t)i * 4 * GiB + (uint64_t)i * 64 * KiB + 8,
                            i % 3 ? XLAT_ACCESS_READ : XLAT_ACCESS_WRITE), 0);
    run_idle(&o);
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 16; i++) {
        assert_int_equal(o.done[i], 1);
        assert_int_equal(o.res[i].status, XLAT_WALK_OK);
        assert_int_equal(o.res[i].pa, 0x10000000ull * (uint64_t)(i + 1) + 8);
        assert_int_equal(o.res[i].mem_reads, 6);
        xlat_map_t m;
        assert_true(xlat_pt_lookup(&o.pt, o.res[i].va, &m));
        assert_int_equal(m.pte & (XLAT_PTE_A | XLAT_PTE_D), i % 3 ? XLAT_PTE_A : XLAT_PTE_A | XLAT_PTE_D);
        h = (h ^ o.res[i].end_ps) * 1099511628211ull;
    }
    assert_true(o.w.st_port_refused > 0);
    assert_null(o.w.blk_head);
    *fingerprint = h;
    *refused = o.w.st_port_refused;
    owner_close(&o);
}

static void test_backpressure_and_determinism(void **state)
{
    (void)state;
    uint64_t h1, h2, r1, r2;
    backpressure_run(&h1, &r1);
    backpressure_run(&h2, &r2);
    print_message("  16 concurrent walks into a 1-deep read queue: %llu refused sends, all retried\n",
                  (unsigned long long)r1);
    assert_int_equal(h1, h2);
    assert_int_equal(r1, r2);
}

static void test_config_errors(void **state)
{
    (void)state;
    xlat_ladder_t l;
    xlat_ladder_default(&l);
    migsim_port_t port;
    migsim_req_pool_t pool;
    migsim_kernel_t k;
    memset(&port, 0, sizeof port);
    memset(&pool, 0, sizeof pool);
    memset(&k, 0, sizeof k);
    xlat_walker_t w;
    xlat_walker_cfg_t c = { .ladder = &l, .root = 0x1000, .max_walks = 0, .port = &port,
                            .pool = &pool, .k = &k, .done = owner_done };
    assert_int_equal(xlat_walker_init(&w, &c), MIGSIM_ECONFIG);
    c.max_walks = 4;
    c.root = 0x1008;
    assert_int_equal(xlat_walker_init(&w, &c), MIGSIM_ECONFIG);
    c.root = 0x1000;
    c.done = NULL;
    assert_int_equal(xlat_walker_init(&w, &c), MIGSIM_ECONFIG);
    c.done = owner_done;
    assert_int_equal(xlat_walker_init(&w, &c), 0);
    xlat_walker_fini(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_size),
        cmocka_unit_test(test_cold_walk_closed_form),
        cmocka_unit_test(test_pwc_invalidated_during_walk),
        cmocka_unit_test(test_accessed_dirty),
        cmocka_unit_test(test_software_bits_ignored),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_coalescing),
        cmocka_unit_test(test_backpressure_and_determinism),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
