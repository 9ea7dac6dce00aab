/*
 * test_precopy.c - the iterative pre-copy mechanism (models/migctl/mech_precopy.c)
 * on the migration platform scaled to a 1 MiB page of 16 subpages of 64 KiB:
 *   - the race: with I/O dirty tracking no write is lost; without it, DMA
 *     writes to granules already copied are lost (same scenario);
 *   - the analytic check: with no traffic one round, then the stop-and-copy
 *     with nothing dirty; the migration takes the sum of its step costs plus
 *     the copy at the DRAM's read bandwidth within 5%, and the pause is the
 *     sum of its step costs exactly;
 *   - bytes per round: a CPU (or a disk, by the I/O dirty bits alone) writing
 *     the same W granules over and over makes every round after round 0
 *     recopy exactly W granules, and without I/O dirty bits the disk's
 *     writes are lost; a CPU writing a
 *     new granule every gap makes each round recopy the granules written
 *     between its two harvests (their time apart / gap, within one);
 *   - bad configuration: a tracking size that is not a ladder size, or whose
 *     tables do not fit, is refused at init naming its JSON path.
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

#include "cpu_mmu/cpu_mmu.h"
#include "dram/dram.h"
#include "iommu/iommu.h"
#include "migctl/migctl.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "testutil/migplat.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)

/* The migration platform with a 1 MiB page (testutil/migplat.h) migrated by pre-copy. */
static migsim_sim_t *make(const char *const *extra, size_t n)
{
    const char *sets[32] = { "mig.policy=\"precopy\"" };
    for (size_t i = 0; i < n && i + 1 < sizeof sets / sizeof sets[0]; i++)
        sets[i + 1] = extra[i];
    return migplat_make(sets, n + 1);
}

static double round_bytes(migsim_sim_t *sim, unsigned k)
{
    char name[64];
    snprintf(name, sizeof name, "mig.precopy_round%u_bytes", k);
    return tu_stat(sim, name);
}

/*
 * The CPU writes only the first granule; the NIC and the disk write all
 * over the page while it is copied: with I/O dirty bits every DMA write
 * after its granule's copy is copied again; without them it is lost.
 */
static void test_io_dirty_tracking_needed(void **state)
{
    (void)state;
    long lost[2];
    for (int io = 0; io < 2; io++) {
        const char *extra[] = { "cpu0.gen_range_bytes=\"64KiB\"", "mig.precopy_stop_bytes=\"128KiB\"",
                                io ? "mig.precopy_io_dirty=true" : "mig.precopy_io_dirty=false" };
        migsim_sim_t *sim = make(extra, 3);
        tu_run(sim);
        assert_true(tu_stat(sim, "mig.end_ps") > 0);
        lost[io] = (long)tu_stat(sim, "mig.lost_writes");
        /* the I/O tracking PTEs are read by the harvests only when they exist */
        double per_harvest = io ? 32 : 16;
        assert_true(tu_stat(sim, "mig.precopy_harvest_ptes_read") ==
                    per_harvest * (tu_stat(sim, "mig.precopy_rounds") + 1));
        migsim_sim_destroy(sim);
    }
    print_message("lost writes: without I/O dirty tracking %ld, with it %ld\n", lost[0], lost[1]);
    assert_true(lost[0] > 0);
    assert_int_equal(lost[1], 0);
}

/*
 * No traffic: round 0 copies the page, its harvest finds nothing dirty, and
 * the stop-and-copy copies nothing. Every step's cost is known.
 */
static void test_analytic_no_traffic(void **state)
{
    (void)state;
    /* bank group in the lowest address bits: consecutive lines alternate groups (tCCD_S) */
    const char *extra[] = { "cpu0.gen_count=0", "nic0.gen_count=0", "disk0.gen_count=0",
                            "mig.copy_inflight=256", "dram0.address_mapping=\"RoBaRaCoBgCh\"",
                            "mig.precopy_io_track_bytes=\"4KiB\"" };
    migsim_sim_t *sim = make(extra, 6);
    tu_run(sim);
    migctl_t *m = (migctl_t *)migsim_sim_find(sim, "mig");
    const uint64_t N = 16, Nio = 256; /* 64 KiB CPU tracking PTEs, 4 KiB I/O ones */
    const uint64_t pw = m->pte_write_ps, scan = m->pc_pte_scan_ps;
    uint64_t shoot = m->ipi_ps + ((cpu_mmu_t *)migsim_sim_find(sim, "mmu0"))->shootdown_handler_ps;
    uint64_t inval = ((iommu_t *)migsim_sim_find(sim, "iommu0"))->inval_ps;
    uint64_t pause = (N * pw + m->hcall_ps + shoot)     /* 208: CPU PTEs invalid */
                     + (N + Nio) * scan                 /* 324: the last harvest, nothing dirty */
                     + (Nio + 1) * pw                   /* 328: 256 I/O PTEs removed, 1 written */
                     + inval;                           /* 218: the I/O switch (final_ps 0) */
    double steps = (double)((N + 1) * pw + shoot)       /* 202: 1 leaf removed, 16 written */
                   + (double)((Nio + 1) * pw + inval)   /* 301, 302 */
                   + (double)((N + Nio) * scan)         /* 312: the harvest after round 0 */
                   + (double)pause
                   + (double)((N + 1) * pw + shoot);    /* 220: the target, one large PTE */
    /* the copy: one DRAM burst per line, refresh taking tRFC of every tREFI (as test_migctl) */
    double copy = migplat_copy_ps(sim, MiB);
    double got = tu_stat(sim, "mig.duration_ps");
    print_message("pre-copy %.0f ps = steps %.0f + copy %.0f (model) -> ratio %.3f; pause %llu ps\n",
                  got, steps, copy, got / (steps + copy), (unsigned long long)pause);
    assert_true(tu_stat(sim, "mig.precopy_rounds") == 1);
    assert_true(round_bytes(sim, 0) == (double)MiB);
    assert_true(round_bytes(sim, 1) == 0);
    assert_true(tu_stat(sim, "mig.precopy_dirty_bytes_final") == 0);
    assert_true(tu_stat(sim, "mig.precopy_harvest_ptes_read") == 2 * (N + Nio));
    assert_true(tu_stat(sim, "mig.precopy_harvest_ptes_cleared") == 0);
    assert_true(tu_stat(sim, "mig.copy_bytes") == 2.0 * MiB);
    assert_true(tu_stat(sim, "mig.precopy_pause_ps") == (double)pause);
    assert_true(tu_stat(sim, "mig.lost_writes") == 0);
    assert_true(got >= steps + copy);
    assert_true(got <= 1.05 * (steps + copy)); /* within 5%: latency at the copy's ends */
    migsim_sim_destroy(sim);
}

/*
 * Run with `extra`, in which one source writes W granules of G bytes round
 * robin, far faster than a round lasts: `rounds` rounds, each after round 0
 * recopying exactly those W granules, and the stop-and-copy them once more.
 */
static void expect_round_robin(const char *const *extra, size_t n, uint64_t W, uint64_t G,
                               uint64_t rounds)
{
    migsim_sim_t *sim = make(extra, n);
    tu_run(sim);
    print_message("W %llu: rounds %.0f, bytes %.0f %.0f %.0f %.0f, final %.0f\n",
                  (unsigned long long)W, tu_stat(sim, "mig.precopy_rounds"), round_bytes(sim, 0),
                  round_bytes(sim, 1), round_bytes(sim, 2), round_bytes(sim, 3),
                  tu_stat(sim, "mig.precopy_dirty_bytes_final"));
    assert_true(tu_stat(sim, "mig.precopy_rounds") == (double)rounds);
    assert_true(round_bytes(sim, 0) == (double)MiB);
    for (unsigned k = 1; k < rounds; k++)
        assert_true(round_bytes(sim, k) == (double)(W * G));
    assert_true(round_bytes(sim, (unsigned)rounds) == 0);
    assert_true(tu_stat(sim, "mig.precopy_dirty_bytes_final") == (double)(W * G));
    assert_true(tu_stat(sim, "mig.copy_bytes") == 2.0 * (double)(MiB + rounds * W * G));
    assert_true(tu_stat(sim, "mig.lost_writes") == 0);
    migsim_sim_destroy(sim);
}

/* The CPU writes W granules of 64 KiB round robin: tracked by the CPU dirty bits. */
static void test_rounds_recopy_what_was_written(void **state)
{
    (void)state;
    for (uint64_t W = 1; W <= 5; W += 2) {
        char range[64];
        snprintf(range, sizeof range, "cpu0.gen_range_bytes=%llu", (unsigned long long)(W * 64 * KiB));
        const char *extra[] = { "nic0.gen_count=0", "disk0.gen_count=0", "cpu0.gen_pattern=\"strided\"",
                                "cpu0.gen_stride_bytes=\"64KiB\"", range, "cpu0.gen_read_frac=0",
                                "cpu0.gen_count=50000", "mig.precopy_max_rounds=4",
                                "mig.precopy_stop_bytes=\"64KiB\"" };
        expect_round_robin(extra, sizeof extra / sizeof extra[0], W, 64 * KiB, 4);
    }
}

/*
 * The disk writes W granules of 4 KiB round robin (I/O tracking PTEs of
 * 4 KiB, CPU ones of 64 KiB, so the set is kept per 4 KiB): found by the
 * I/O dirty bits alone.
 */
static void test_rounds_recopy_what_dma_wrote(void **state)
{
    (void)state;
    for (uint64_t W = 2; W <= 6; W += 4) {
        char range[64];
        snprintf(range, sizeof range, "disk0.gen_range_bytes=%llu", (unsigned long long)(W * 4 * KiB));
        const char *extra[] = { "cpu0.gen_count=0", "nic0.gen_count=0", "disk0.gen_pattern=\"strided\"",
                                "disk0.gen_stride_bytes=\"4KiB\"", range, "disk0.gen_size_bytes=64",
                                "disk0.gen_read_frac=0", "disk0.gen_count=20000",
                                "disk0.gen_gap_ps=20000", "mig.precopy_io_track_bytes=\"4KiB\"",
                                "mig.precopy_max_rounds=3", "mig.precopy_stop_bytes=\"4KiB\"" };
        expect_round_robin(extra, sizeof extra / sizeof extra[0], W, 4 * KiB, 3);
    }
    /*
     * Without I/O dirty bits nothing looks dirty: one round, and the disk's
     * writes after its granules' copy are lost (it stops 30 us in, during
     * round 0, so that no later write puts the bytes right at the target)
     */
    const char *blind[] = { "cpu0.gen_count=0", "nic0.gen_count=0", "disk0.gen_pattern=\"strided\"",
                            "disk0.gen_stride_bytes=\"4KiB\"", "disk0.gen_range_bytes=8192",
                            "disk0.gen_size_bytes=64", "disk0.gen_read_frac=0",
                            "disk0.gen_count=1500", "disk0.gen_gap_ps=20000",
                            "mig.precopy_io_dirty=false", "mig.precopy_stop_bytes=\"4KiB\"" };
    migsim_sim_t *sim = make(blind, sizeof blind / sizeof blind[0]);
    tu_run(sim);
    print_message("without I/O dirty bits: rounds %.0f, final %.0f bytes, %.0f lines lost\n",
                  tu_stat(sim, "mig.precopy_rounds"),
                  tu_stat(sim, "mig.precopy_dirty_bytes_final"),
                  tu_stat(sim, "mig.lost_writes"));
    assert_true(tu_stat(sim, "mig.precopy_rounds") == 1);
    assert_true(tu_stat(sim, "mig.precopy_dirty_bytes_final") == 0);
    assert_true(tu_stat(sim, "mig.lost_writes") == 2); /* the two lines it writes */
    migsim_sim_destroy(sim);
}

/*
 * The CPU writes a new 4 KiB granule every 1.5 us: each round recopies the
 * granules written between the harvests before and after the round before
 * it, (h_k - h_k-1) / gap of them, within one.
 */
static void test_rounds_follow_dirty_rate(void **state)
{
    (void)state;
    const uint64_t gap = 1500000, G = 4 * KiB;
    const char *extra[] = { "nic0.gen_count=0", "disk0.gen_count=0", "cpu0.gen_pattern=\"strided\"",
                            "cpu0.gen_stride_bytes=\"4KiB\"", "cpu0.gen_read_frac=0",
                            "cpu0.gen_count=600", "cpu0.gen_gap_ps=1500000",
                            "mig.precopy_track_bytes=\"4KiB\"", "mig.precopy_max_rounds=6",
                            "mig.precopy_stop_bytes=\"8KiB\"" };
    migsim_sim_t *sim = make(extra, sizeof extra / sizeof extra[0]);
    tu_run(sim);
    migctl_t *m = (migctl_t *)migsim_sim_find(sim, "mig");
    uint32_t n;
    const migctl_step_t *log = migctl_log(m, &n);
    /* harvest times: h[0] the split (tracking starts), then each block 312 */
    uint64_t h[16];
    uint32_t nh = 0;
    for (uint32_t i = 0; i < n && nh < 16; i++)
        if ((log[i].block == 202 && nh == 0) || log[i].block == 312)
            h[nh++] = log[i].time;
    uint64_t rounds = (uint64_t)tu_stat(sim, "mig.precopy_rounds");
    assert_true(rounds >= 3);
    assert_int_equal(nh, rounds + 1);
    for (uint64_t k = 1; k < rounds; k++) {
        double want = (double)(h[k] - h[k - 1]) / (double)gap;
        double got = round_bytes(sim, (unsigned)k) / (double)G;
        print_message("round %llu: %.0f granules, (h%llu - h%llu) / gap = %.2f\n",
                      (unsigned long long)k, got, (unsigned long long)k, (unsigned long long)k - 1,
                      want);
        assert_true(fabs(got - want) <= 1.0);
    }
    assert_true(tu_stat(sim, "mig.lost_writes") == 0);
    migsim_sim_destroy(sim);
}

static void test_bad_track_sizes(void **state)
{
    (void)state;
    const char *odd[] = { "mig.policy=\"precopy\"", "mig.precopy_track_bytes=12288" };
    tu_expect_error("migration", odd, 2, "<migration>: $.components.mig.precopy_track_bytes: 12288 is not a page "
                         "size of the ladder \"4K,64K,1M,16M,256M,1G,4G\" at most page_bytes "
                         "(1073741824)");
    const char *big[] = { "mig.policy=\"precopy\"", "mig.page_bytes=\"1MiB\"",
                          "cpu0.gen_range_bytes=\"1MiB\"", "disk0.gen_range_bytes=\"1MiB\"",
                          "nic0.gen_range_bytes=\"1MiB\"", "nic0.gen_ring_entries=64",
                          "mig.precopy_io_track_bytes=\"16MiB\"" };
    tu_expect_error("migration", big, 7, "<migration>: $.components.mig.precopy_io_track_bytes: 16777216 is not a "
                         "page size of the ladder \"4K,64K,1M,16M,256M,1G,4G\" at most page_bytes "
                         "(1048576)");
    /* 4 KiB PTEs over 1 GiB: 16,384 + 1,024 + 64 + 4 + 1 tables of 4 KiB, more than 32 MiB */
    const char *full[] = { "mig.policy=\"precopy\"", "mig.precopy_track_bytes=\"4KiB\"" };
    tu_expect_error("migration", full, 2, "<migration>: $.components.mig.precopy_track_bytes: tracking the page "
                          "with 4096-byte PTEs needs 71585792 bytes of tables, more than the "
                          "33554432 of one page table (pt_bytes / 2)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_io_dirty_tracking_needed),
        cmocka_unit_test(test_analytic_no_traffic),
        cmocka_unit_test(test_rounds_recopy_what_was_written),
        cmocka_unit_test(test_rounds_recopy_what_dma_wrote),
        cmocka_unit_test(test_rounds_follow_dirty_rate),
        cmocka_unit_test(test_bad_track_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
