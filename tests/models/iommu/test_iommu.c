/*
 * test_iommu.c - the IOMMU (models/iommu/) in a sim: a probe port of the
 * test (the DMA side) bound to io0.in (sim.external_ports), io0.mem linked
 * to a DDR4-2400 DRAM whose functional store holds the I/O page table, built
 * with xlat_pt_* at a reserved PA region (the harness: tests/models/xlat_probe.h).
 *
 * - every ladder size: DMA data written by IOVA lands at the PA in the
 *   store, reads by IOVA return it, responses carry PA and IOVA;
 * - closed-form timing: a cold request = iotlb_ps + each PTE read + the data
 *   read (DRAM timing on idle banks or open rows, tracked by the test's
 *   open-row model); an IOTLB hit adds only iotlb_ps;
 * - invalidation: a request arriving with it completes exactly inval_ps
 *   later than the same request in a run without it; done is called at
 *   inval_ps; a request outside the range is not held; a cached page in the
 *   range walks again; a walk in flight over the range is redone;
 * - blocking: a request for a blocked range waits past the block's own
 *   invalidation (done at inval_ps) until iommu_unblock, then walks afresh
 *   (its cached entry was dropped) and completes at the closed-form time
 *   counted from the unblock; its wait is block_wait_ps exactly; a range
 *   not blocked cannot be unblocked;
 * - an invalid I/O PTE: the request is answered with IOMMU_STATUS_FAULT
 *   after the walk, with no data access;
 * - back-pressure with a one-entry DRAM read queue and a small hold limit:
 *   nothing lost, every read sees the last write; the same run twice gives
 *   identical statistics JSON;
 * - a request before iommu_set_root is a configuration error.
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
#include "iommu/iommu.h"
#include "migsim/errors.h"
#include "migsim/rng.h"
#include "migsim/sim.h"
#include "xlat/xlat.h"

#define PROBE_MODEL_T iommu_t
#define PROBE_NAME "io0"
#define PROBE_TYPE "iommu"
#define PROBE_SET_ROOT iommu_set_root
#define PROBE_SRC MIGSIM_SRC_DMA
#include "models/xlat_probe.h"

/* ---- every ladder size lands on the right PA ------------------------------------ */

static void test_every_ladder_size(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, NULL, NULL, true);
    uint64_t va[6], pa[6], off[6];
    probe_every_ladder_size(&p, 0xb0, va, pa, off);
    assert_true(stat(&p, "walks") == 6);
    assert_true(stat(&p, "iotlb_hits") == 6);
    assert_true(stat(&p, "translated_reqs") == 12);
    migsim_sim_destroy(p.sim);
}

/* ---- closed-form timing ---------------------------------------------------------- */

#define TLBPS 2000ull
#define INVPS (840ull * 833)   /* a whole number of DDR4-2400 clocks (tCK 833 ps) */

/* One page mapped where the closed form sees no row conflict; returns its path length. */
static int setup_page(probe_t *p, uint64_t va, uint64_t *pa, uint64_t *path, unsigned opts)
{
    map(p, va, *pa, 0, opts);
    int n = pte_path(p, va, path);
    *pa = place(p, va, *pa, 4096, path, n);
    return n;
}

static void test_cold_and_hit(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, "\"iotlb_ps\": 2000", NULL, true);
    uint64_t va = 15360ull << 32 | 0x5000, pa = 0x10003000, path[8];
    int n = setup_page(&p, va, &pa, path, XLAT_MAP_ACCESSED | XLAT_MAP_DIRTY);
    assert_int_equal(n, 6);
    migsim_tick_t t0 = 100 * tck(&p);
    send_at(&p, t0, 0, MIGSIM_OP_READ, va + 0x40, 0);
    run_all(&p);
    migsim_tick_t w = dram_reads(&p, t0 + TLBPS, path, n);
    uint64_t d0 = pa + 0x40;
    assert_int_equal(p.done[0], dram_reads(&p, w, &d0, 1));
    assert_true(stat(&p, "walk_mem_reads") == 6);
    assert_true(stat(&p, "iotlb_misses") == 1);
    migsim_tick_t t1 = 400 * tck(&p);
    send_at(&p, t1, 1, MIGSIM_OP_READ, va + 0x80, 0);
    run_all(&p);
    uint64_t d1 = pa + 0x80;
    assert_int_equal(p.done[1], dram_reads(&p, t1 + TLBPS, &d1, 1));
    assert_true(stat(&p, "iotlb_hits") == 1);
    assert_true(stat(&p, "walks") == 1);
    migsim_sim_destroy(p.sim);
}

/* ---- invalidation ------------------------------------------------------------------- */

typedef struct inval_rec_s {
    migsim_sim_t *sim;
    migsim_tick_t when;   /* completion time, ps */
    int calls;
} inval_rec_t;

static void inval_done(void *ctx)
{
    inval_rec_t *r = ctx;
    r->when = migsim_sim_now(r->sim);
    r->calls++;
}

/* Time of a cold read of va at t0, with or without an invalidation of its page at t0. */
static migsim_tick_t cold_read(bool inval, migsim_tick_t *want_plain)
{
    probe_t p;
    probe_open(&p, "\"iotlb_ps\": 2000, \"inval_ps\": 699720", NULL, true);
    uint64_t va = 15360ull << 32 | 0x5000, pa = 0x10003000, path[8];
    int n = setup_page(&p, va, &pa, path, XLAT_MAP_ACCESSED | XLAT_MAP_DIRTY);
    assert_int_equal(tck(&p), 833);
    migsim_tick_t t0 = 100 * tck(&p);
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), t0);
    inval_rec_t rec = { p.sim, 0, 0 };
    if (inval)
        assert_int_equal(iommu_invalidate(p.m, va, 4096, inval_done, &rec), 0);
    send_at(&p, t0, 0, MIGSIM_OP_READ, va, 0);
    run_all(&p);
    migsim_tick_t w = dram_reads(&p, t0 + TLBPS, path, n);
    *want_plain = dram_reads(&p, w, &pa, 1);
    if (inval) {
        assert_int_equal(rec.calls, 1);
        assert_int_equal(rec.when, t0 + INVPS);
        assert_true(stat(&p, "invalidations") == 1);
        assert_true(stat(&p, "inval_waits") == 1);
        assert_true(stat(&p, "inval_wait_ps") == (double)INVPS);
    }
    migsim_tick_t done = p.done[0];
    migsim_sim_destroy(p.sim);
    return done;
}

static void test_invalidation_delays_by_inval_ps(void **state)
{
    (void)state;
    migsim_tick_t plain_cf, cf2;
    migsim_tick_t plain = cold_read(false, &plain_cf);
    migsim_tick_t delayed = cold_read(true, &cf2);
    assert_int_equal(plain, plain_cf);
    assert_int_equal(delayed, plain + INVPS);
}

static void test_invalidation_range(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, "\"iotlb_ps\": 2000, \"inval_ps\": 699720", NULL, true);
    uint64_t va_a = 15360ull << 32, va_b = va_a + 0x10000, pa_a = 0x10003000, pa_b = 0x10006000;
    uint64_t path_a[8], path_b[8];
    setup_page(&p, va_a, &pa_a, path_a, XLAT_MAP_ACCESSED | XLAT_MAP_DIRTY);
    setup_page(&p, va_b, &pa_b, path_b, XLAT_MAP_ACCESSED | XLAT_MAP_DIRTY);
    send_at(&p, 0, 0, MIGSIM_OP_READ, va_a, 0);
    send_at(&p, 1000 * tck(&p), 1, MIGSIM_OP_READ, va_b, 0);
    run_all(&p);
    assert_true(stat(&p, "walks") == 2);
    /* invalidate A; B's cached translation is not held: iotlb_ps and its data read */
    migsim_tick_t t = 3000 * tck(&p);
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), t);
    inval_rec_t rec = { p.sim, 0, 0 };
    assert_int_equal(iommu_invalidate(p.m, va_a, 4096, inval_done, &rec), 0);
    assert_true(stat(&p, "iotlb_entries_invalidated") == 1);
    send_at(&p, t, 2, MIGSIM_OP_READ, va_b + 0x40, 0);
    run_all(&p);
    assert_true(p.done[2] < t + INVPS);
    assert_true(stat(&p, "iotlb_hits") == 1);
    assert_int_equal(rec.when, t + INVPS);
    /* A walks again (its IOTLB entry and PWC path were invalidated) */
    send_at(&p, migsim_sim_now(p.sim) + 1000 * tck(&p), 3, MIGSIM_OP_READ, va_a, 0);
    run_all(&p);
    assert_int_equal(p.addr[3], pa_a);
    assert_true(stat(&p, "walks") == 3);
    /* a walk in flight when the OS retargets and invalidates is redone on the new PTE */
    uint64_t pa_c = 0x10020000;
    assert_int_equal(iommu_invalidate(p.m, va_b, 4096, NULL, NULL), 0);
    run_all(&p);
    migsim_tick_t t5 = migsim_sim_now(p.sim) + 1000 * tck(&p);
    send_at(&p, t5, 5, MIGSIM_OP_READ, va_b + 0xc0, 0);
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), t5 + TLBPS + 30 * tck(&p));
    assert_int_equal(p.m->walker.active, 1);
    assert_int_equal(xlat_pt_retarget(&p.pt, va_b, pa_c), 0);
    migsim_tick_t ti = migsim_sim_now(p.sim);
    assert_int_equal(iommu_invalidate(p.m, va_b, 4096, NULL, NULL), 0);
    run_all(&p);
    assert_true(p.done[5] > ti + INVPS);
    assert_int_equal(p.addr[5], pa_c + 0xc0);
    assert_true(stat(&p, "walk_restarts") >= 1);
    migsim_sim_destroy(p.sim);
}

/* ---- faults ------------------------------------------------------------------------------ */

/* ---- blocking ------------------------------------------------------------------------ */

static void test_block_holds_until_unblock(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, "\"iotlb_ps\": 2000, \"inval_ps\": 699720", NULL, true);
    uint64_t va = 15360ull << 32 | 0x5000, pa = 0x10003000, path[8];
    int n = setup_page(&p, va, &pa, path, XLAT_MAP_ACCESSED | XLAT_MAP_DIRTY);
    send_at(&p, 0, 0, MIGSIM_OP_READ, va, 0); /* the page cached in the IOTLB */
    run_all(&p);
    migsim_tick_t w = dram_reads(&p, TLBPS, path, n);
    assert_int_equal(p.done[0], dram_reads(&p, w, &pa, 1));
    migsim_tick_t t0 = 2000 * tck(&p), hold = 3 * INVPS + 1234;
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), t0);
    inval_rec_t rec = { p.sim, 0, 0 };
    assert_int_equal(iommu_block(p.m, va, 4096, inval_done, &rec), 0);
    assert_true(stat(&p, "iotlb_entries_invalidated") == 1);
    send_at(&p, t0, 1, MIGSIM_OP_READ, va, 0);
    migsim_kernel_run_until(migsim_sim_kernel(p.sim), t0 + hold);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.when, t0 + INVPS);   /* the block's invalidation is done ... */
    assert_int_equal(p.done[1], 0);           /* ... and the request still waits */
    assert_int_equal(iommu_unblock(p.m, va, 4096), 0);
    run_all(&p);
    w = dram_reads(&p, t0 + hold + TLBPS, path, n); /* walks again: its entry was dropped */
    assert_int_equal(p.done[1], dram_reads(&p, w, &pa, 1));
    assert_true(stat(&p, "blocks") == 1);
    assert_true(stat(&p, "block_waits") == 1);
    assert_true(stat(&p, "block_wait_ps") == (double)hold);
    assert_true(stat(&p, "inval_waits") == 0);
    assert_true(stat(&p, "walks") == 2);
    assert_int_equal(iommu_unblock(p.m, va, 4096), MIGSIM_EINVAL);
    migsim_sim_destroy(p.sim);
}

static void test_fault_answers_with_status(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, "\"iotlb_ps\": 2000", NULL, true);
    uint64_t va = 15360ull << 32 | 0x7000, pa = 0x10009000, path[8];
    int n = setup_page(&p, va, &pa, path, XLAT_MAP_INVALID | XLAT_MAP_ACCESSED | XLAT_MAP_DIRTY);
    migsim_tick_t t0 = 100 * tck(&p);
    send_at(&p, t0, 0, MIGSIM_OP_WRITE, va, 0x5a);
    run_all(&p);
    assert_int_equal(p.ndone, 1);
    assert_int_equal(p.status[0], IOMMU_STATUS_FAULT);
    assert_int_equal(p.done[0], dram_reads(&p, t0 + TLBPS, path, n));
    assert_true(stat(&p, "faults") == 1);
    assert_int_equal(p.d->st_writes, 0);          /* the write never reached memory */
    assert_int_equal(p.d->st_reads, (uint64_t)n); /* only the walk's reads */
    uint8_t b[64], z[64];
    memset(z, 0, 64);
    dram_dbg_read(p.d, pa, b, 64);
    assert_memory_equal(b, z, 64);
    /* an unmapped IOVA faults at the top level */
    send_at(&p, migsim_sim_now(p.sim) + 1000 * tck(&p), 1, MIGSIM_OP_READ, 0x7000, 0);
    run_all(&p);
    assert_int_equal(p.status[1], IOMMU_STATUS_FAULT);
    assert_true(stat(&p, "faults") == 2);
    assert_int_equal(iommu_held(p.m), 0);
    migsim_sim_destroy(p.sim);
}

/* ---- back-pressure and determinism ------------------------------------------------ */

static char *run_backpressure(void)
{
    probe_t *p = calloc(1, sizeof *p);
    probe_open(p, "\"max_held_reqs\": 4, \"max_walks\": 2, \"iotlb_sets\": 1, \"iotlb_ways\": 2, "
                  "\"iotlb_ps\": 500, \"inval_ps\": 20000",
               "\"read_queue_depth\": 1, \"write_queue_depth\": 2, \"write_high_watermark\": 2, "
               "\"write_low_watermark\": 0", true);
    uint64_t va[8];
    static int expect[PROBE_BP_N];
    probe_bp_program(p, 7, va, expect);
    probe_pump(p);
    /* invalidations of every page while the traffic runs: one of 20 ns every 25 ns */
    for (int step = 1; step <= 32; step++) {
        migsim_kernel_run_until(migsim_sim_kernel(p->sim), (migsim_tick_t)step * 25000);
        assert_int_equal(iommu_invalidate(p->m, va[step % 8], 4096, NULL, NULL), 0);
    }
    run_all(p);
    probe_bp_check(p, expect);
    for (int i = 0; i < PROBE_BP_N; i++)
        assert_int_equal(p->status[i], 0);
    assert_true(stat(p, "inval_waits") > 0);
    assert_int_equal(iommu_held(p->m), 0);
    char *json = migsim_sim_stats_json(p->sim, -1.0);
    migsim_sim_destroy(p->sim);
    free(p);
    return json;
}

static void test_no_root_is_a_config_error(void **state)
{
    (void)state;
    probe_t p;
    probe_no_root(&p);
    assert_int_equal(iommu_set_root(p.m, 0x1234), MIGSIM_EINVAL);
    migsim_sim_destroy(p.sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_ladder_size),
        cmocka_unit_test(test_cold_and_hit),
        cmocka_unit_test(test_invalidation_delays_by_inval_ps),
        cmocka_unit_test(test_invalidation_range),
        cmocka_unit_test(test_block_holds_until_unblock),
        cmocka_unit_test(test_fault_answers_with_status),
        cmocka_unit_test(test_backpressure_deterministic),
        cmocka_unit_test(test_no_root_is_a_config_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
