/*
 * test_granule.c - granule relocation (policy granule, models/migctl/
 * mech_granule.c) on the migration platform scaled to a 1 MiB page (16
 * granules of 64 KiB):
 *
 *   - the same dense DMA scenario loses nothing with translations blocked
 *     and loses writes with the I/O translations left unblocked (no_block);
 *   - writes on a long way from the IOMMU to memory: nothing lost with pins
 *     honoured (granules deferred), writes lost with pins ignored (no_pins);
 *   - the analytic check: with no traffic the migration takes its step
 *     costs (the splits, the per-granule block, the remaps and the end)
 *     plus the copy at the DRAM's bandwidth, within 5%, with no deferral;
 *   - a planted pin: one DMA write into granule 3 just before the start,
 *     held pin_hold_ps by its mapping, defers granule 3 on the first pass
 *     and on every pass until the hold ends, each empty pass granule_retry_ps
 *     after the last; deferrals, passes and the time granule 3 is blocked in
 *     closed form;
 *   - a granule size that is not a ladder size below the page is refused at
 *     create, naming the JSON path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cpu_mmu/cpu_mmu.h"
#include "dram/dram.h"
#include "iommu/iommu.h"
#include "migctl/migctl.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "testutil/migplat.h"
#include "testutil/sim.h"

#define MiB (1ull << 20)
#define GRAN (64ull << 10)

/* The migration platform at a 1 MiB page under policy granule, plus `extra`; from `path` if given. */
static migsim_sim_t *make_from(const char *path, const char *const *extra, size_t n)
{
    const char *base[] = {
        "mig.policy=\"granule\"", "mig.page_bytes=\"1MiB\"", "mig.start_ps=2000000",
        "cpu0.gen_range_bytes=\"1MiB\"", "cpu0.gen_count=3000", "cpu0.gen_gap_ps=20000",
        "nic0.gen_range_bytes=\"1MiB\"", "nic0.gen_ring_entries=64", "nic0.gen_count=600",
        "nic0.gen_gap_ps=200000", "disk0.gen_range_bytes=\"1MiB\"", "disk0.gen_block_bytes=4096",
        "disk0.gen_count=200", "disk0.gen_gap_ps=300000",
    };
    return tu_make_ex(path ? NULL : "migration", path, base, sizeof base / sizeof base[0], extra, n);
}

static migsim_sim_t *make(const char *const *extra, size_t n)
{
    return make_from(NULL, extra, n);
}

static double stat(migsim_sim_t *sim, const char *name) { return tu_stat(sim, name); }

static void run(migsim_sim_t *sim) { tu_run(sim); }

/*
 * A NIC writing 64-byte lines of the whole page every 20 ns while it moves:
 * random lines, or with `atc` "keep" or "ignore" sequential ones (so that
 * its translations stay cached) through a 16-entry ATC that obeys ATS
 * invalidations or, a planted bug, ignores them.
 */
static double lost_in_dense_dma_atc(const char *unsafe, const char *atc)
{
    char u[64];
    bool with_atc = strcmp(atc, "none") != 0;
    snprintf(u, sizeof u, "mig.granule_unsafe=\"%s\"", unsafe);
    const char *extra[] = { u, "nic0.gen_size_bytes=64", "nic0.gen_count=20000",
                            "nic0.gen_gap_ps=20000", "nic0.queue_depth=64",
                            with_atc ? "nic0.atc_entries=16" : "nic0.gen_pattern=\"random\"",
                            strcmp(atc, "ignore") ? "nic0.atc_ignore_inval=false"
                                                  : "nic0.atc_ignore_inval=true" };
    migsim_sim_t *sim = make(extra, 7);
    run(sim);
    double lost = stat(sim, "mig.lost_writes");
    if (with_atc) {
        assert_true(stat(sim, "nic0.atc_hits") > 100000);
        /* an ATS invalidation at each granule's block and at the final I/O switch, at least */
        assert_true(stat(sim, "nic0.ats_invalidations") >= 17);
        print_message("ATC %s: ", atc);
    }
    assert_true(stat(sim, "mig.granules_moved") == 16);
    assert_true(stat(sim, "mig.end_ps") > 0);
    print_message("granule_unsafe %s: %.0f lines lost, %.0f deferrals, DMA blocked %.0f ps\n",
                  unsafe, lost, stat(sim, "mig.granules_deferred_by_pins"),
                  stat(sim, "mig.granule_dma_wait_ps"));
    if (!strcmp(unsafe, "none"))
        assert_true(stat(sim, "mig.granule_dma_wait_ps") == stat(sim, "iommu0.block_wait_ps"));
    migsim_sim_destroy(sim);
    return lost;
}

static double lost_in_dense_dma(const char *unsafe)
{
    return lost_in_dense_dma_atc(unsafe, "none");
}

static void test_blocking_needed(void **state)
{
    (void)state;
    assert_true(lost_in_dense_dma("none") == 0);
    assert_true(lost_in_dense_dma("no_block") > 0);
}

/*
 * A translated request passes the IOMMU untouched, so every block and every
 * switch of the I/O mapping also invalidates the devices' ATCs: with an ATC
 * that ignores the invalidations (a planted bug) the NIC keeps writing the
 * old place and the oracle finds the lost lines.
 */
static void test_blocking_reaches_atc(void **state)
{
    (void)state;
    assert_true(lost_in_dense_dma_atc("none", "keep") == 0);
    assert_true(lost_in_dense_dma_atc("none", "ignore") > 0);
}

/*
 * Writes on a long way to memory: 10 us from the IOMMU to the chip (a posted
 * write path through a deep fabric), a NIC writing random lines of the page
 * every 100 ns for 200 us. With pins honoured a granule is blocked only when
 * no transfer holds it, so nothing translated for it is on that way; with
 * pins ignored, the writes translated before the block land on the old place
 * after the copy (which starts about 1.3 us after the block) has read it.
 */
static double lost_on_long_path(const char *unsafe, double *deferred)
{
    char path[64], u[64];
    snprintf(path, sizeof path, "/tmp/test_granule_%d.json", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{ \"base\": \"migration\", \"links\": ["
          "{ \"from\": \"cpu0.out\", \"to\": \"mmu0.in\" },"
          "{ \"from\": \"mmu0.mem\", \"to\": \"xmem.in0\" },"
          "{ \"from\": \"nic0.out\", \"to\": \"xio.in0\" },"
          "{ \"from\": \"disk0.out\", \"to\": \"xio.in1\" },"
          "{ \"from\": \"xio.out\", \"to\": \"iommu0.in\" },"
          "{ \"from\": \"iommu0.mem\", \"to\": \"dw0.in\", \"latency_ps\": 10000000, "
          "\"capacity\": 1024 },"
          "{ \"from\": \"mig.copy\", \"to\": \"dw0.copy\" },"
          "{ \"from\": \"dw0.mem\", \"to\": \"xmem.in1\" },"
          "{ \"from\": \"xmem.out\", \"to\": \"llc0.in\" },"
          "{ \"from\": \"llc0.mem\", \"to\": \"dram0.in\" } ] }", f);
    fclose(f);
    snprintf(u, sizeof u, "mig.granule_unsafe=\"%s\"", unsafe);
    const char *extra[] = { u, "mig.page_bytes=\"16MiB\"", "mig.start_ps=1000000000",
                            "cpu0.gen_count=0", "disk0.gen_count=0", "nic0.gen_pattern=\"random\"",
                            "nic0.gen_range_bytes=\"4MiB\"", "nic0.gen_size_bytes=64",
                            "nic0.gen_count=100000", "nic0.gen_gap_ps=50000", "nic0.queue_depth=512",
                            "nic0.ring_records=4096", "iommu0.inval_ps=500000", "mig.ipi_ps=200000",
                            "mmu0.shootdown_handler_ps=200000" };
    migsim_sim_t *sim = make_from(path, extra, 15);
    run(sim);
    unlink(path);
    double lost = stat(sim, "mig.lost_writes");
    *deferred = stat(sim, "mig.granules_deferred_by_pins");
    assert_true(stat(sim, "mig.granules_moved") == 256);
    print_message("long path, granule_unsafe %s: %.0f lines lost, %.0f deferrals\n", unsafe, lost,
                  *deferred);
    migsim_sim_destroy(sim);
    return lost;
}

static void test_pins_needed(void **state)
{
    (void)state;
    double deferred;
    assert_true(lost_on_long_path("none", &deferred) == 0);
    assert_true(deferred > 0);
    assert_true(lost_on_long_path("no_pins", &deferred) > 0);
    assert_true(deferred == 0);
}

static void test_analytic_duration(void **state)
{
    (void)state;
    const char *extra[] = { "cpu0.gen_count=0", "nic0.gen_count=0", "disk0.gen_count=0",
                            "mig.copy_inflight=256", "dram0.address_mapping=\"RoBaRaCoBgCh\"" };
    migsim_sim_t *sim = make(extra, 5);
    run(sim);
    migctl_t *m = (migctl_t *)migsim_sim_find(sim, "mig");
    uint64_t inval = ((iommu_t *)migsim_sim_find(sim, "iommu0"))->inval_ps;
    const uint64_t G = MiB / GRAN;
    uint64_t shoot = m->ipi_ps + ((cpu_mmu_t *)migsim_sim_find(sim, "mmu0"))->shootdown_handler_ps;
    uint64_t block = m->pte_write_ps + shoot > inval ? m->pte_write_ps + shoot : inval;
    double steps = (double)((G + 1) * m->pte_write_ps + shoot)   /* 202: G written, 1 removed */
                   + (double)((G + 1) * m->pte_write_ps + inval) /* 203, 204: the I/O table */
                   + (double)m->hcall_ps                         /* 206 */
                   + (double)G * (double)(block + 2 * m->pte_write_ps) /* 232, 236 */
                   + (double)((G + 1) * m->pte_write_ps + inval) /* 218 */
                   + (double)((G + 1) * m->pte_write_ps + shoot); /* 220 */
    double copy = migplat_copy_ps(sim, MiB);
    double got = stat(sim, "mig.duration_ps");
    print_message("granule migration %.0f ps = steps %.0f + copy %.0f -> ratio %.3f\n", got, steps,
                  copy, got / (steps + copy));
    assert_true(got >= steps + copy);
    assert_true(got <= 1.05 * (steps + copy)); /* each granule's copy starts and drains */
    assert_true(stat(sim, "mig.granules_deferred_by_pins") == 0);
    assert_true(stat(sim, "mig.granule_passes") == 1);
    assert_true(stat(sim, "mig.granules_moved") == G);
    assert_true(stat(sim, "mig.pte_writes") == 4 * (G + 1) + 3 * G);
    migsim_sim_destroy(sim);
}

/* The time of the logged step `block` with argument `arg` (the last one), or 0. */
static migsim_tick_t step_time(migctl_t *m, uint16_t block, uint64_t arg)
{
    uint32_t n;
    const migctl_step_t *log = migctl_log(m, &n);
    migsim_tick_t t = 0;
    for (uint32_t i = 0; i < n; i++)
        if (log[i].block == block && log[i].arg == arg)
            t = log[i].time;
    return t;
}

static void test_pinned_granule_deferred(void **state)
{
    (void)state;
    /*
     * One 64-byte DMA write into granule 3 arriving 1 us before the start; its
     * mapping holds the granule 333 us after its response, so the hold ends
     * at H, 2 + 332 us plus the write's latency (under a microsecond).
     */
    const uint64_t R = 100000000, hold = 333000000, arrive = 1000000;
    const char *extra[] = { "cpu0.gen_count=0", "disk0.gen_count=0", "nic0.gen_pattern=\"sequential\"",
                            "nic0.gen_base=\"0x100030000\"", "nic0.gen_range_bytes=65536",
                            "nic0.gen_size_bytes=64", "nic0.gen_count=1", "nic0.gen_gap_ps=0",
                            "nic0.start_ps=1000000", "mig.pin_hold_ps=333000000",
                            "mig.granule_retry_ps=100000000" };
    migsim_sim_t *sim = make(extra, 11);
    run(sim);
    migctl_t *m = (migctl_t *)migsim_sim_find(sim, "mig");
    /* pass 1 moves the 15 others and ends when granule 15's remap is done */
    migsim_tick_t t_e = step_time(m, 236, 15) + 2 * m->pte_write_ps;
    assert_true(step_time(m, 236, 15) > 0);
    /*
     * Pass 2 starts at once (pass 1 moved granules) and finds 3 pinned; each
     * later pass starts R after an empty one, until one at or after H.
     */
    uint64_t H = arrive + hold; /* without the write's latency: R is far larger */
    uint64_t empty = (H - t_e + R - 1) / R;
    assert_true(H > t_e);
    print_message("pass 1 ends at %llu ps, hold ends at ~%llu ps: %llu empty passes\n",
                  (unsigned long long)t_e, (unsigned long long)H, (unsigned long long)empty);
    assert_true(stat(sim, "mig.granules_deferred_by_pins") == 1 + empty);
    assert_true(stat(sim, "mig.granule_passes") == 2 + empty);
    assert_int_equal(step_time(m, 232, 3), t_e + empty * R);
    assert_true(stat(sim, "mig.lost_writes") == 0);
    assert_true(stat(sim, "mig.granules_moved") == 16);
    migsim_sim_destroy(sim);
}

static void expect_error(const char *set, const char *want)
{
    const char *sets[] = { "mig.policy=\"granule\"", set };
    tu_expect_error("migration", sets, 2, want);
}

static void test_bad_granule(void **state)
{
    (void)state;
    expect_error("mig.granule_bytes=\"1GiB\"",
                 "<migration>: $.components.mig.granule_bytes: 1073741824 is not a size of the "
                 "ladder \"4K,64K,1M,16M,256M,1G,4G\" below page_bytes (1073741824)");
    expect_error("mig.granule_bytes=12288",
                 "<migration>: $.components.mig.granule_bytes: 12288 is not a size of the "
                 "ladder \"4K,64K,1M,16M,256M,1G,4G\" below page_bytes (1073741824)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocking_needed),
        cmocka_unit_test(test_blocking_reaches_atc),
        cmocka_unit_test(test_pins_needed),
        cmocka_unit_test(test_analytic_duration),
        cmocka_unit_test(test_pinned_granule_deferred),
        cmocka_unit_test(test_bad_granule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
