/*
 * test_cpu_mmu.c - the CPU MMU (models/cpu_mmu/) in a sim: a probe port of
 * the test bound to mmu0.in (sim.external_ports), mmu0.mem linked to a
 * DDR4-2400 DRAM whose functional store holds the page table, built with
 * xlat_pt_* at a reserved PA region (the harness: tests/models/xlat_probe.h).
 *
 * - every ladder size: data written by VA lands at the PA in the DRAM's
 *   store, reads by VA return it, responses carry PA in addr and VA in
 *   orig_addr, and the walker set A and D in the leaf;
 * - closed-form timing: a cold access = l1_ps + l2_ps + each PTE read + the
 *   data read, each read computed from the DRAM timing (idle bank: tRCD +
 *   tCL + tBL; open row: tCL + tBL), tracked by a small open-row model of
 *   the test that refuses row conflicts; a TLB hit adds only l1_ps; an L2
 *   hit adds l1_ps + l2_ps; a page-walk-cache hit skips the cached levels;
 * - a fault waits for cpu_mmu_pte_changed; a second access to the faulted
 *   page joins without a walk; fault_stall_ps is the closed-form sum; the
 *   fault observer is called once, for the walk's fault, at its end;
 * - shootdown: a retargeted PTE is used only after the shootdown, which
 *   forces a full re-walk (walk count + 1); with no handler time it costs
 *   no time; with one, an access arriving during the handler is held to
 *   its end (closed form), and a second IPI is handled after the first;
 * - a stop (cpu_mmu_stop .. cpu_mmu_resume): an access offered meanwhile is
 *   refused and sent at the resume, or at the end of a handler past it;
 * - back-pressure with a one-entry DRAM read queue and a small hold limit:
 *   nothing lost, every read sees the last write, both sides refused;
 *   the same run twice gives identical statistics JSON;
 * - the access observer: told of each accepted access once, by VA, with
 *   its direction, also of accesses that fault or hit the TLB;
 * - configuration errors: a missing root, a bad ladder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_mmu/cpu_mmu.h"
#include "dram/dram.h"
#include "migsim/errors.h"
#include "migsim/rng.h"
#include "migsim/sim.h"
#include "xlat/xlat.h"

#define PROBE_MODEL_T cpu_mmu_t
#define PROBE_NAME "mmu0"
#define PROBE_TYPE "cpu_mmu"
#define PROBE_SET_ROOT cpu_mmu_set_root
#define PROBE_SRC MIGSIM_SRC_CPU
#include "models/xlat_probe.h"

/* ---- every ladder size lands on the right PA ------------------------------------ */

static void test_every_ladder_size(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, NULL, NULL, true);
    assert_int_equal(p.m->ladder.n, 6);
    uint64_t va[6], pa[6], off[6];
    probe_every_ladder_size(&p, 0xa0, va, pa, off);
    for (uint32_t k = 0; k < 6; k++) {
        xlat_map_t mp;
        assert_true(xlat_pt_lookup(&p.pt, va[k], &mp));
        assert_int_equal(mp.size_idx, k);
        assert_true((mp.pte & (XLAT_PTE_A | XLAT_PTE_D)) == (XLAT_PTE_A | XLAT_PTE_D));
    }
    /* one walk per page (the write sets A and D); the reads hit the L1 */
    assert_true(stat(&p, "walks") == 6);
    assert_true(stat(&p, "walk_mem_writes") == 6);
    assert_true(stat(&p, "l1_hits") == 6);
    assert_true(stat(&p, "translated_reqs") == 12);
    migsim_sim_destroy(p.sim);
}

/* ---- closed-form timing ---------------------------------------------------------- */

#define L1PS 1000ull
#define L2PS 3000ull

static void test_cold_walk_and_hits(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, "\"l1_ps\": 1000, \"l2_ps\": 3000, \"l1_sets\": 1, \"l1_ways\": 1", NULL, true);
    uint64_t va_a = 15360ull << 32 | 0x5000, pa_a = 0x10003000;   /* top entry in its own bank */
    uint64_t va_b = va_a + 0x1000, pa_b = 0x10006000;              /* same level-0 table */
    map(&p, va_a, pa_a, 0, XLAT_MAP_ACCESSED | XLAT_MAP_DIRTY);
    map(&p, va_b, pa_b, 0, XLAT_MAP_ACCESSED | XLAT_MAP_DIRTY);
    uint64_t path[8];
    int n = pte_path(&p, va_a, path);
    assert_int_equal(n, 6);
    uint64_t path_b[8];
    assert_int_equal(pte_path(&p, va_b, path_b), 6);
    pa_a = place(&p, va_a, pa_a, 4096, path, 6);
    uint64_t avoid[7];
    memcpy(avoid, path, sizeof path[0] * 6);
    avoid[6] = pa_a;
    pa_b = place(&p, va_b, pa_b, 4096, avoid, 7);

    /* cold: both TLBs miss, six PTE reads, the data read */
    migsim_tick_t t0 = 100 * tck(&p);
    send_at(&p, t0, 0, MIGSIM_OP_READ, va_a + 0x40, 0);
    run_all(&p);
    migsim_tick_t walk_end = dram_reads(&p, t0 + L1PS + L2PS, path, n);
    uint64_t data_a = pa_a + 0x40;
    migsim_tick_t want = dram_reads(&p, walk_end, &data_a, 1);
    assert_int_equal(p.done[0], want);
    assert_true(stat(&p, "walks") == 1);
    assert_true(stat(&p, "walk_mem_reads") == 6);
    assert_true(stat(&p, "walk_mem_writes") == 0);
    assert_true(stat(&p, "l1_misses") == 1 && stat(&p, "l2_misses") == 1);
    assert_true(stat(&p, "walk_latency_avg_ps") == (double)(walk_end - (t0 + L1PS + L2PS)));

    /* L1 hit: only l1_ps before the data read (an open-row hit now) */
    migsim_tick_t t1 = 400 * tck(&p);
    send_at(&p, t1, 1, MIGSIM_OP_READ, va_a + 0x80, 0);
    run_all(&p);
    uint64_t d1 = pa_a + 0x80;
    assert_int_equal(p.done[1], dram_reads(&p, t1 + L1PS, &d1, 1));
    assert_true(stat(&p, "l1_hits") == 1);

    /* page B: the PWC holds levels 5..1, so its walk reads the leaf PTE only */
    migsim_tick_t t2 = 600 * tck(&p);
    send_at(&p, t2, 2, MIGSIM_OP_READ, va_b, 0);
    run_all(&p);
    migsim_tick_t wb = dram_reads(&p, t2 + L1PS + L2PS, &path_b[5], 1);
    assert_int_equal(p.done[2], dram_reads(&p, wb, &pa_b, 1));
    assert_true(stat(&p, "walks") == 2);
    assert_true(stat(&p, "walk_mem_reads") == 7);
    assert_true(stat(&p, "pwc_hits") == 1);

    /* A again: the one-entry L1 lost it to B, the L2 has it: l1_ps + l2_ps */
    migsim_tick_t t3 = 800 * tck(&p);
    send_at(&p, t3, 3, MIGSIM_OP_READ, va_a + 0xc0, 0);
    run_all(&p);
    uint64_t d3 = pa_a + 0xc0;
    assert_int_equal(p.done[3], dram_reads(&p, t3 + L1PS + L2PS, &d3, 1));
    assert_true(stat(&p, "l2_hits") == 1);
    assert_true(stat(&p, "walks") == 2);
    migsim_sim_destroy(p.sim);
}

/* Cold walks of a 16 MiB and a 4 GiB page: n - k PTE reads. */
static void test_cold_walk_large_pages(void **state)
{
    (void)state;
    for (uint32_t k = 3; k <= 5; k += 2) {
        probe_t p;
        probe_open(&p, "\"l1_ps\": 1000, \"l2_ps\": 3000", NULL, true);
        uint64_t size = xlat_size(&p.m->ladder, k);
        uint64_t va = 15360ull << 32, pa = k == 5 ? 4 * GiB : 0x12000000ull;
        map(&p, va, pa, k, XLAT_MAP_ACCESSED | XLAT_MAP_DIRTY);
        uint64_t path[8];
        int n = pte_path(&p, va + size / 3, path);
        assert_int_equal(n, 6 - (int)k);
        migsim_tick_t t0 = 50 * tck(&p);
        uint64_t data = (pa + size / 3) & ~63ull;
        send_at(&p, t0, 0, MIGSIM_OP_READ, (va + size / 3) & ~63ull, 0);
        run_all(&p);
        migsim_tick_t w = dram_reads(&p, t0 + L1PS + L2PS, path, n);
        assert_int_equal(p.done[0], dram_reads(&p, w, &data, 1));
        assert_int_equal(p.addr[0], data);
        assert_true(stat(&p, "walk_mem_reads") == (double)n);
        migsim_sim_destroy(p.sim);
    }
}

/* ---- faults ---------------------------------------------------------------------- */

/* What the fault observer saw: calls, the last VA and when. */
typedef struct fault_seen_s {
    migsim_kernel_t *k;
    uint32_t calls;
    uint64_t va;
    migsim_tick_t t;
} fault_seen_t;

static void fault_seen(void *ctx, uint64_t va)
{
    fault_seen_t *f = ctx;
    f->calls++;
    f->va = va;
    f->t = f->k->now;
}

static void test_fault_then_pte_changed(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, "\"l1_ps\": 1000, \"l2_ps\": 3000", NULL, true);
    fault_seen_t seen = { .k = migsim_sim_kernel(p.sim) };
    assert_int_equal(cpu_mmu_set_fault_observer(p.m, fault_seen, &seen), 0);
    assert_int_equal(cpu_mmu_set_fault_observer(p.m, fault_seen, &p), MIGSIM_ESTATE);
    uint64_t va = 15360ull << 32 | 0x7000, pa = 0x10009000;
    map(&p, va, pa, 0, XLAT_MAP_INVALID | XLAT_MAP_ACCESSED | XLAT_MAP_DIRTY);
    uint64_t path[8];
    assert_int_equal(pte_path(&p, va, path), 6);
    pa = place(&p, va, pa, 4096, path, 6);
    migsim_tick_t t0 = 100 * tck(&p);
    send_at(&p, t0, 0, MIGSIM_OP_READ, va, 0);
    migsim_tick_t tf = dram_reads(&p, t0 + L1PS + L2PS, path, 6);
    /* a second access to the page after the fault joins it without walking */
    migsim_tick_t tj = tf + 50 * tck(&p);
    send_at(&p, tj + 0, 1, MIGSIM_OP_READ, va + 0x100, 0);
    run_all(&p);
    migsim_tick_t tj_fault = tj + L1PS + L2PS;
    assert_int_equal(p.ndone, 0);
    assert_int_equal(cpu_mmu_faulted(p.m), 2);
    assert_true(stat(&p, "faults") == 2);
    assert_true(stat(&p, "walks") == 1);
    /* the observer heard the walk's fault, at its end; not the access that joined it */
    assert_int_equal(seen.calls, 1);
    assert_int_equal(seen.va, va);
    assert_int_equal(seen.t, tf);
    /* a change elsewhere releases nothing */
    migsim_tick_t T = 1000 * tck(&p);
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), T);
    assert_int_equal(cpu_mmu_pte_changed(p.m, va + 0x1000, 0x1000), 0);
    assert_int_equal(xlat_pt_set_valid(&p.pt, va, true), 0);
    assert_int_equal(cpu_mmu_pte_changed(p.m, va, 0x1000), 2);
    run_all(&p);
    /* the PWC holds levels 5..1: the re-walk reads the leaf; both share it */
    migsim_tick_t tr = dram_reads(&p, T, &path[5], 1);
    assert_int_equal(p.done[0], dram_reads(&p, tr, &pa, 1));
    assert_int_equal(p.ndone, 2);
    assert_int_equal(p.addr[1], pa + 0x100);
    assert_true(stat(&p, "walks") == 2);
    assert_true(stat(&p, "fault_stall_ps") == (double)((tr - tf) + (tr - tj_fault)));
    assert_int_equal(cpu_mmu_faulted(p.m), 0);
    migsim_sim_destroy(p.sim);
}

/* A walk that already read the valid leaf when the OS invalidates it and shoots down is redone. */
static void test_shootdown_during_walk(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, NULL, NULL, true);
    uint64_t va = 15360ull << 32, pa = 0x10009000;
    map(&p, va, pa, 0, XLAT_MAP_ACCESSED | XLAT_MAP_DIRTY);
    send_at(&p, 0, 0, MIGSIM_OP_READ, va, 0);
    /* the walk is in flight: invalidate and shoot down half way */
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), 60 * tck(&p));
    assert_int_equal(p.m->walker.active, 1);
    assert_int_equal(xlat_pt_set_valid(&p.pt, va, false), 1);
    cpu_mmu_shootdown(p.m, va, 4096);
    run_all(&p);
    assert_int_equal(p.ndone, 0);            /* the retried walk found the invalid PTE */
    assert_int_equal(cpu_mmu_faulted(p.m), 1);
    assert_true(stat(&p, "walk_restarts") == 1);
    assert_int_equal(xlat_pt_set_valid(&p.pt, va, true), 0);
    cpu_mmu_pte_changed(p.m, va, 4096);
    run_all(&p);
    assert_int_equal(p.ndone, 1);
    assert_int_equal(p.addr[0], pa);
    migsim_sim_destroy(p.sim);
}

/* ---- shootdown -------------------------------------------------------------------- */

static void test_shootdown_rewalks(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, "\"l1_ps\": 1000, \"l2_ps\": 3000, \"shootdown_handler_ps\": 0", NULL, true);
    uint64_t va = 15360ull << 32 | 0x3000, pa = 0x10003000, pa2 = 0x1000c000;
    map(&p, va, pa, 0, XLAT_MAP_ACCESSED | XLAT_MAP_DIRTY);
    uint64_t path[8];
    assert_int_equal(pte_path(&p, va, path), 6);
    uint64_t avoid[7];
    memcpy(avoid, path, sizeof path[0] * 6);
    avoid[6] = pa2 = place(&p, va, pa2, 4096, path, 6);
    pa = place(&p, va, pa, 4096, avoid, 7);
    assert_int_not_equal(bank_of(&p, pa, NULL), bank_of(&p, pa2, NULL));
    migsim_tick_t t0 = 100 * tck(&p);
    send_at(&p, t0, 0, MIGSIM_OP_READ, va, 0);
    run_all(&p);
    migsim_tick_t w = dram_reads(&p, t0 + L1PS + L2PS, path, 6);
    assert_int_equal(p.done[0], dram_reads(&p, w, &pa, 1));
    migsim_tick_t t1 = 400 * tck(&p);
    send_at(&p, t1, 1, MIGSIM_OP_READ, va, 0);
    run_all(&p);
    assert_int_equal(p.done[1], dram_reads(&p, t1 + L1PS, &pa, 1));
    assert_true(stat(&p, "walks") == 1);
    /* the OS moves the page: without a shootdown the TLB still has the old PA */
    assert_int_equal(xlat_pt_retarget(&p.pt, va, pa2), 0);
    migsim_tick_t t2 = 600 * tck(&p);
    send_at(&p, t2, 2, MIGSIM_OP_READ, va, 0);
    run_all(&p);
    assert_int_equal(p.addr[2], pa);
    assert_int_equal(p.done[2], dram_reads(&p, t2 + L1PS, &pa, 1));
    /* shootdown: L1 and L2 entries go, no time passes, the next access walks again in full */
    migsim_tick_t ts = 800 * tck(&p);
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), ts);
    assert_int_equal(cpu_mmu_shootdown(p.m, va, 4096), 2);
    assert_int_equal(migsim_sim_now(p.sim), ts);
    assert_true(stat(&p, "shootdowns") == 1);
    assert_true(stat(&p, "tlb_entries_invalidated") == 2);
    assert_true(stat(&p, "pwc_entries_invalidated") == 5);
    send_at(&p, ts, 3, MIGSIM_OP_READ, va, 0);
    run_all(&p);
    migsim_tick_t w2 = dram_reads(&p, ts + L1PS + L2PS, path, 6);
    assert_int_equal(p.done[3], dram_reads(&p, w2, &pa2, 1));
    assert_int_equal(p.addr[3], pa2);
    assert_true(stat(&p, "walks") == 2);
    assert_true(stat(&p, "walk_mem_reads") == 12);
    migsim_sim_destroy(p.sim);
}

/*
 * The handler tests' bench: l1_ps 1 ns, l2_ps 3 ns, a 1.3 us shootdown
 * handler, one 4 KiB page at `va` whose six PTEs and data sit where the
 * open-row model can follow them (path[] gets the PTE addresses); returns
 * the page's PA.
 */
static uint64_t open_handler_page(probe_t *p, uint64_t va, uint64_t path[8])
{
    probe_open(p, "\"l1_ps\": 1000, \"l2_ps\": 3000, \"shootdown_handler_ps\": 1300000", NULL, true);
    uint64_t pa = 0x10003000;
    map(p, va, pa, 0, XLAT_MAP_ACCESSED | XLAT_MAP_DIRTY);
    assert_int_equal(pte_path(p, va, path), 6);
    return place(p, va, pa, 4096, path, 6);
}

/*
 * The shootdown's handler: the core runs it, not its trace. An access the
 * core offers d after the IPI, within the handler H, is refused; the MMU
 * calls for it again when the handler ends, and it translates from scratch
 * (the flush emptied the TLBs): done = cold walk and data read from ts + H.
 */
static void test_shootdown_handler_stops_core(void **state)
{
    (void)state;
    probe_t p;
    const uint64_t H = 1300000, d = 400000;
    uint64_t va = 15360ull << 32 | 0x5000, path[8];
    uint64_t pa = open_handler_page(&p, va, path);
    migsim_tick_t ts = 100 * tck(&p);
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), ts);
    assert_int_equal(cpu_mmu_shootdown_ack_ps(p.m, ts), H);
    cpu_mmu_shootdown(p.m, va, 4096);
    /* a second IPI now would be handled after the first */
    assert_int_equal(cpu_mmu_shootdown_ack_ps(p.m, ts), 2 * H);
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), ts + d);
    p.wait[p.nwait++] = mkreq(&p, 0, MIGSIM_OP_READ, va + 0x40, 0);
    probe_pump(&p);
    assert_int_equal(p.nrefused, 1);                 /* the core is in its handler */
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), ts + H - 1);
    assert_int_equal(p.wait_head, 0);                /* not called for before the handler ends */
    run_all(&p);
    assert_int_equal(p.wait_head, 1);
    migsim_tick_t w = dram_reads(&p, ts + H + L1PS + L2PS, path, 6);
    uint64_t data = pa + 0x40;
    assert_int_equal(p.done[0], dram_reads(&p, w, &data, 1));
    assert_true(stat(&p, "shootdown_stall_ps") == (double)H);
    assert_true(stat(&p, "shootdown_refused_reqs") == 1);
    assert_true(stat(&p, "shootdown_held_reqs") == 0);
    /* after the handler, an access goes at once: an L1 hit, l1_ps before its data read */
    migsim_tick_t t1 = ts + 2 * H;
    send_at(&p, t1, 1, MIGSIM_OP_READ, va + 0x80, 0);
    run_all(&p);
    data = pa + 0x80;
    assert_int_equal(p.done[1], dram_reads(&p, t1 + L1PS, &data, 1));
    assert_true(stat(&p, "shootdown_refused_reqs") == 1);
    migsim_sim_destroy(p.sim);
}

/*
 * A stop (an SMI): from cpu_mmu_stop to cpu_mmu_resume the core runs no
 * trace. An access offered during it is refused and called for again at
 * the resume, then hits the TLB: done = l1_ps and the data read after the
 * resume. A resume inside a shootdown handler waits for the handler's end.
 */
static void test_stop_holds_core(void **state)
{
    (void)state;
    probe_t p;
    const uint64_t H = 1300000, S = 5000000;
    uint64_t va = 15360ull << 32 | 0x5000, path[8];
    uint64_t pa = open_handler_page(&p, va, path);
    send_at(&p, 10 * tck(&p), 0, MIGSIM_OP_READ, va, 0);   /* warms the TLB */
    run_all(&p);
    uint64_t data = pa;
    migsim_tick_t w = dram_reads(&p, 10 * tck(&p) + L1PS + L2PS, path, 6);
    assert_int_equal(p.done[0], dram_reads(&p, w, &data, 1));
    migsim_tick_t ts = 1000 * tck(&p);
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), ts);
    cpu_mmu_stop(p.m);
    cpu_mmu_stop(p.m);                                     /* already stopped: nothing */
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), ts + 1000000);
    p.wait[p.nwait++] = mkreq(&p, 1, MIGSIM_OP_READ, va + 0x40, 0);
    probe_pump(&p);
    assert_int_equal(p.nrefused, 1);
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), ts + S);
    assert_int_equal(p.wait_head, 0);                      /* not called for while stopped */
    cpu_mmu_resume(p.m);
    run_all(&p);
    assert_int_equal(p.wait_head, 1);
    data = pa + 0x40;
    assert_int_equal(p.done[1], dram_reads(&p, ts + S + L1PS, &data, 1));
    assert_true(stat(&p, "stops") == 1 && stat(&p, "stopped_ps") == (double)S);
    assert_true(stat(&p, "shootdown_stall_ps") == 0);
    /* a shootdown handler running past the resume: the core runs again at its end */
    migsim_tick_t t2 = ts + 2 * S;
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), t2);
    cpu_mmu_shootdown(p.m, va + 0x10000, 4096);            /* another page: the TLB keeps va */
    cpu_mmu_stop(p.m);
    p.wait[p.nwait++] = mkreq(&p, 2, MIGSIM_OP_READ, va + 0x80, 0);
    probe_pump(&p);
    assert_int_equal(p.nrefused, 2);
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), t2 + H / 2);
    cpu_mmu_resume(p.m);
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), t2 + H - 1);
    assert_int_equal(p.wait_head, 1);
    run_all(&p);
    assert_int_equal(p.wait_head, 2);
    data = pa + 0x80;
    assert_int_equal(p.done[2], dram_reads(&p, t2 + H + L1PS, &data, 1));
    assert_true(stat(&p, "stops") == 2 && stat(&p, "stopped_ps") == (double)(S + H / 2));
    migsim_sim_destroy(p.sim);
}

/* ---- back-pressure and determinism ------------------------------------------------ */

static char *run_backpressure(void)
{
    probe_t *p = calloc(1, sizeof *p);
    probe_open(p, "\"max_held_reqs\": 4, \"max_walks\": 2, \"l1_sets\": 1, \"l1_ways\": 2, "
                  "\"l2_sets\": 1, \"l2_ways\": 2, \"l1_ps\": 500",
               "\"read_queue_depth\": 1, \"write_queue_depth\": 2, \"write_high_watermark\": 2, "
               "\"write_low_watermark\": 0", true);
    uint64_t va[8];
    static int expect[PROBE_BP_N];
    probe_bp_program(p, 42, va, expect);
    probe_pump(p);
    run_all(p);
    probe_bp_check(p, expect);
    assert_true(stat(p, "mem_refused_sends") > 0);
    assert_int_equal(cpu_mmu_held(p->m), 0);
    char *json = migsim_sim_stats_json(p->sim, -1.0);
    migsim_sim_destroy(p->sim);
    free(p);
    return json;
}

/* ---- configuration errors --------------------------------------------------------- */

/* ---- the access observer ------------------------------------------------------------ */

typedef struct seen_s {
    uint64_t va[8];
    bool write[8];
    unsigned n;
} seen_t;

static void seen_access(void *ctx, uint64_t va, bool write)
{
    seen_t *s = ctx;
    if (s->n < 8) {
        s->va[s->n] = va;
        s->write[s->n] = write;
    }
    s->n++;
}

static void test_access_observer(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, "\"l1_ps\": 1000", NULL, true);
    uint64_t va = 15360ull << 32 | 0x5000;
    map(&p, va, 0x10003000, 0, XLAT_MAP_ACCESSED | XLAT_MAP_DIRTY);
    seen_t s = { .n = 0 };
    cpu_mmu_set_access_observer(p.m, seen_access, &s);
    send_at(&p, 100 * tck(&p), 0, MIGSIM_OP_READ, va + 0x40, 0);      /* a walk */
    send_at(&p, 400 * tck(&p), 1, MIGSIM_OP_WRITE, va + 0x80, 0);     /* a TLB hit */
    send_at(&p, 600 * tck(&p), 2, MIGSIM_OP_READ, va + 0x100000, 0);  /* unmapped: a fault */
    run_all(&p);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.va[0], va + 0x40);
    assert_false(s.write[0]);
    assert_int_equal(s.va[1], va + 0x80);
    assert_true(s.write[1]);
    assert_int_equal(s.va[2], va + 0x100000);
    assert_true(stat(&p, "reqs") == 3);
    cpu_mmu_set_access_observer(p.m, NULL, NULL);
    send_at(&p, 900 * tck(&p), 3, MIGSIM_OP_READ, va + 0xc0, 0);
    run_all(&p);
    assert_int_equal(s.n, 3);
    migsim_sim_destroy(p.sim);
}

static void test_no_root_is_a_config_error(void **state)
{
    (void)state;
    probe_t p;
    probe_no_root(&p);
    migsim_sim_destroy(p.sim);
}

static void test_bad_ladder(void **state)
{
    (void)state;
    static const char *const bad[] = { "4K,3K", "4K,,64K", "4K,64X", "64K,4K", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char cfg[512];
        snprintf(cfg, sizeof cfg,
                 "{ \"base\": \"none\", \"sim\": { \"external_ports\": [\"mmu0.in\"] },"
                 "  \"components\": { \"mmu0\": { \"type\": \"cpu_mmu\", "
                 "\"ladder\": \"%s\" }, \"dram0\": { \"type\": \"dram\" } },"
                 "  \"links\": [ { \"from\": \"mmu0.mem\", \"to\": \"dram0.in\" } ] }", bad[i]);
        migsim_sim_t *s = NULL;
        int rc = migsim_sim_create(&s, cfg, "test");
        assert_int_equal(rc, MIGSIM_ECONFIG);
        assert_null(s);
        if (!strstr(migsim_errmsg(), "ladder"))
            fail_msg("\"%s\": %s", bad[i], migsim_errmsg());
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_ladder_size),
        cmocka_unit_test(test_cold_walk_and_hits),
        cmocka_unit_test(test_cold_walk_large_pages),
        cmocka_unit_test(test_fault_then_pte_changed),
        cmocka_unit_test(test_shootdown_during_walk),
        cmocka_unit_test(test_shootdown_rewalks),
        cmocka_unit_test(test_shootdown_handler_stops_core),
        cmocka_unit_test(test_stop_holds_core),
        cmocka_unit_test(test_backpressure_deterministic),
        cmocka_unit_test(test_access_observer),
        cmocka_unit_test(test_no_root_is_a_config_error),
        cmocka_unit_test(test_bad_ladder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
