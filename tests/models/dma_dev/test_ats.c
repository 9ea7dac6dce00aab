/*
 * test_ats.c - device translation caches (ATS) and page requests (PRI) on
 * the migration platform scaled to a 1 MiB page:
 *   - the ATC: a sequential stream over four 4 KiB pages misses once per
 *     page (one translation request each, answered by the IOMMU without a
 *     memory access) and sends every request translated;
 *   - the I/O switch waits for the IOTLB invalidation and then for every
 *     device's ATS invalidation: 218 to 220 takes inval_ps + ats_inval_ps +
 *     final_ps exactly, inval_ps + final_ps without an ATC;
 *   - the planted bug: a NIC whose ATC ignores invalidations keeps writing
 *     to the old place after the switch and the oracle finds lost writes;
 *     the same scenario with the invalidation loses none;
 *   - PRI: a request on an invalid I/O PTE that becomes valid later
 *     completes with no fault after one page request per pri_ps until then;
 *     without PRI it faults; with pri_max_retries it gives up, counted;
 *   - a translation in flight during an ATS invalidation is asked again;
 *   - a device with an ATC that reaches no IOMMU is refused at creation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dma_dev/dma_dev.h"
#include "iommu/iommu.h"
#include "migctl/migctl.h"
#include "testutil/sim.h"
#include "xlat/xlat.h"

/* The migration platform at a 1 MiB page, the CPU idle, with `extra` overrides. */
static migsim_sim_t *make(const char *const *extra, size_t n)
{
    const char *base[] = {
        "mig.page_bytes=\"1MiB\"", "mig.start_ps=2000000", "cpu0.gen_count=0",
        "nic0.gen_range_bytes=\"1MiB\"", "nic0.gen_ring_entries=16", "disk0.gen_count=0",
    };
    return tu_make("migration", base, sizeof base / sizeof base[0], extra, n);
}

/* Time between the first logged steps `from` and `to`. */
static uint64_t between(migsim_sim_t *sim, uint16_t from, uint16_t to)
{
    uint32_t n;
    const migctl_step_t *log = migctl_log((migctl_t *)migsim_sim_find(sim, "mig"), &n);
    uint64_t t0 = UINT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        if (log[i].block == from && t0 == UINT64_MAX)
            t0 = log[i].time;
        if (log[i].block == to && t0 != UINT64_MAX)
            return log[i].time - t0;
    }
    fail_msg("no step %u followed by %u", from, to);
    return 0;
}

/* 256 sequential 64-byte writes over 4 pages: 4 misses, 4 translations, 256 translated. */
static void test_atc_hits_and_misses(void **state)
{
    (void)state;
    const char *extra[] = { "mig.policy=\"none\"", "nic0.gen_pattern=\"sequential\"",
                            "nic0.gen_count=256", "nic0.gen_size_bytes=64",
                            "nic0.gen_range_bytes=16384", "nic0.gen_gap_ps=10000",
                            "nic0.atc_entries=8" };
    migsim_sim_t *sim = make(extra, 7);
    tu_run(sim);
    assert_true(tu_stat(sim, "nic0.atc_misses") == 4);
    assert_true(tu_stat(sim, "nic0.atc_hits") == 252);
    assert_true(tu_stat(sim, "nic0.ats_xlate_reqs") == 4);
    assert_true(tu_stat(sim, "nic0.ats_translated_reqs") == 256);
    assert_true(tu_stat(sim, "nic0.completed_reqs") == 256);
    assert_true(tu_stat(sim, "nic0.faulted_reqs") == 0);
    assert_true(tu_stat(sim, "iommu0.ats_xlate_reqs") == 4);
    assert_true(tu_stat(sim, "iommu0.ats_translated_reqs") == 256);
    assert_true(tu_stat(sim, "iommu0.reqs") == 260);
    /* translation requests never reach memory: only the data (and walks) pass the chip */
    assert_true(tu_stat(sim, "iommu0.translated_reqs") == 256);
    migsim_sim_destroy(sim);
}

/* No traffic: the I/O switch waits for the IOTLB invalidation, then for the ATCs'. */
static void test_switch_waits_for_ats(void **state)
{
    (void)state;
    const char *plain[] = { "nic0.gen_count=0", "iommu0.inval_ps=700000" };
    const char *ats[] = { "nic0.gen_count=0", "iommu0.inval_ps=700000", "nic0.atc_entries=32",
                          "disk0.atc_entries=16", "nic0.ats_inval_ps=1300000",
                          "disk0.ats_inval_ps=2100000" };
    migsim_sim_t *a = make(plain, 2), *b = make(ats, 6);
    tu_run(a);
    tu_run(b);
    migctl_t *m = (migctl_t *)migsim_sim_find(a, "mig");
    assert_int_equal(between(a, 218, 220), 700000 + m->final_ps);
    /* both ATCs invalidated at once: the slower completion counts */
    assert_int_equal(between(b, 218, 220), 700000 + 2100000 + m->final_ps);
    assert_true(tu_stat(b, "mig.ats_invalidations") == 2 * tu_stat(b, "mig.iotlb_invalidations"));
    assert_true(tu_stat(b, "nic0.ats_invalidations") == tu_stat(b, "mig.iotlb_invalidations"));
    assert_true(tu_stat(b, "disk0.ats_invalidations") == tu_stat(b, "mig.iotlb_invalidations"));
    assert_true(tu_stat(a, "mig.ats_invalidations") == 0);
    migsim_sim_destroy(a);
    migsim_sim_destroy(b);
}

/*
 * A NIC writing a 16-slot receive ring (9 pages, all in its ATC) from before
 * the migration until well after it: with ATS invalidation nothing is lost;
 * with the ATC ignoring it, writes after the switch go to the old page.
 */
static void test_stale_atc_loses_writes(void **state)
{
    (void)state;
    long lost[2];
    for (int unsafe = 0; unsafe < 2; unsafe++) {
        const char *extra[] = { "nic0.gen_count=4000", "nic0.gen_gap_ps=2000000",
                                "nic0.atc_entries=16",
                                unsafe ? "nic0.atc_ignore_inval=true" : "nic0.atc_ignore_inval=false" };
        migsim_sim_t *sim = make(extra, 4);
        tu_run(sim);
        double end = tu_stat(sim, "mig.end_ps"), last = tu_stat(sim, "nic0.last_done_ps");
        assert_true(end > 0 && last > end + 100000000.0); /* the NIC writes 0.1 ms past the end */
        lost[unsafe] = (long)tu_stat(sim, "mig.lost_writes");
        print_message("%s: %ld lost writes\n", unsafe ? "ATC ignoring invalidations" : "ATS invalidation",
                      lost[unsafe]);
        assert_true(unsafe ? lost[unsafe] > 0 : lost[unsafe] == 0);
        assert_true(tu_stat(sim, "nic0.ats_invalidations") == tu_stat(sim, "mig.iotlb_invalidations"));
        double dropped = tu_stat(sim, "nic0.atc_entries_invalidated");
        assert_true(unsafe ? dropped == 0 : dropped > 0);
        migsim_sim_destroy(sim);
    }
}

/*
 * One 64-byte DMA write at 1 us to the page, whose I/O PTE is invalid until
 * 110 us. With PRI (pri_ps 20 us) it faults at about 1, 21, 41, 61, 81 and
 * 101 us (six page requests; each walk takes well under a microsecond) and
 * goes through at about 121 us.
 */
static migsim_sim_t *pri_run(const char *const *more, size_t n)
{
    const char *extra[16] = { "mig.policy=\"none\"", "nic0.gen_pattern=\"sequential\"",
                             "nic0.gen_count=1", "nic0.gen_size_bytes=64", "nic0.start_ps=1000000",
                             "nic0.pri_ps=20000000", "nic0.expect_faults=true" };
    size_t k = 7;
    assert_true(k + n <= 16);
    for (size_t i = 0; i < n; i++)
        extra[k++] = more[i];
    migsim_sim_t *sim = make(extra, k);
    if (migsim_sim_run(sim, 500000) != 0)  /* started: the page tables exist */
        fail_msg("%s", migsim_errmsg());
    migctl_t *m = (migctl_t *)migsim_sim_find(sim, "mig");
    assert_int_equal(xlat_pt_set_valid(&m->io_pt, m->iova, false), 1); /* was valid */
    if (migsim_sim_run(sim, 110000000) != 0)
        fail_msg("%s", migsim_errmsg());
    assert_int_equal(xlat_pt_set_valid(&m->io_pt, m->iova, true), 0);  /* was invalid */
    tu_run(sim);
    return sim;
}

static void test_pri_waits_for_the_page(void **state)
{
    (void)state;
    const char *pri[] = { "nic0.pri=true" };
    migsim_sim_t *sim = pri_run(pri, 1);
    assert_true(tu_stat(sim, "nic0.completed_reqs") == 1);
    assert_true(tu_stat(sim, "nic0.faulted_reqs") == 0);
    assert_true(tu_stat(sim, "nic0.pri_requests") == 6);
    assert_true(tu_stat(sim, "nic0.pri_retries") == 5);
    assert_true(tu_stat(sim, "nic0.pri_failed_reqs") == 0);
    assert_true(tu_stat(sim, "iommu0.faults") == 6);
    double done = tu_stat(sim, "nic0.last_done_ps");
    assert_true(done > 121000000.0 && done < 122000000.0);
    migsim_sim_destroy(sim);
    /* the same through the ATC: the translation request waits for the page instead */
    const char *atc[] = { "nic0.pri=true", "nic0.atc_entries=4" };
    sim = pri_run(atc, 2);
    assert_true(tu_stat(sim, "nic0.completed_reqs") == 1);
    assert_true(tu_stat(sim, "nic0.faulted_reqs") == 0);
    assert_true(tu_stat(sim, "nic0.pri_requests") == 6);
    assert_true(tu_stat(sim, "nic0.ats_xlate_reqs") == 1);
    assert_true(tu_stat(sim, "nic0.ats_translated_reqs") == 1);
    migsim_sim_destroy(sim);
    /* without PRI the write faults */
    sim = pri_run(NULL, 0);
    assert_true(tu_stat(sim, "nic0.completed_reqs") == 1);
    assert_true(tu_stat(sim, "nic0.faulted_reqs") == 1);
    assert_true(tu_stat(sim, "nic0.pri_requests") == 0);
    migsim_sim_destroy(sim);
    /* at most three page requests: the fourth fault is final */
    const char *three[] = { "nic0.pri=true", "nic0.pri_max_retries=3" };
    sim = pri_run(three, 2);
    assert_true(tu_stat(sim, "nic0.faulted_reqs") == 1);
    assert_true(tu_stat(sim, "nic0.pri_requests") == 3);
    assert_true(tu_stat(sim, "nic0.pri_failed_reqs") == 1);
    assert_true(tu_stat(sim, "iommu0.faults") == 4);
    migsim_sim_destroy(sim);
}

/*
 * A translation in flight when an ATS invalidation comes is not cached: the
 * device asks again. One write at 1 us, the IOTLB probe taking 5 us; the
 * invalidation at 2 us.
 */
static void test_invalidation_during_translation(void **state)
{
    (void)state;
    const char *extra[] = { "mig.policy=\"none\"", "nic0.gen_pattern=\"sequential\"",
                            "nic0.gen_count=1", "nic0.gen_size_bytes=64", "nic0.start_ps=1000000",
                            "nic0.atc_entries=4", "iommu0.iotlb_ps=5000000" };
    migsim_sim_t *sim = make(extra, 7);
    if (migsim_sim_run(sim, 2000000) != 0)
        fail_msg("%s", migsim_errmsg());
    dma_dev_t *d = (dma_dev_t *)migsim_sim_find(sim, "nic0");
    assert_true(d->xlate_out);
    migctl_t *m = (migctl_t *)migsim_sim_find(sim, "mig");
    assert_int_equal(dma_dev_ats_invalidate(d, m->iova, 4096, NULL, NULL), 0);
    tu_run(sim);
    assert_true(tu_stat(sim, "nic0.atc_misses") == 1);
    assert_true(tu_stat(sim, "nic0.ats_stale_xlates") == 1);
    assert_true(tu_stat(sim, "nic0.ats_xlate_reqs") == 2);
    assert_true(tu_stat(sim, "nic0.ats_translated_reqs") == 1);
    assert_true(tu_stat(sim, "nic0.completed_reqs") == 1);
    /* two probes of 5 us each, one after the other, then the write */
    assert_true(tu_stat(sim, "nic0.last_done_ps") > 11000000.0);
    migsim_sim_destroy(sim);
}

/* An ATC needs an IOMMU to answer its translation requests. */
static void test_atc_without_iommu(void **state)
{
    (void)state;
    char path[64];
    tu_platform_plus(path, sizeof path, "test_ats",
                     "\"nic1\": { \"type\": \"dma_dev\", \"atc_entries\": 8, \"gen_count\": 0, "
                     "\"gen_base\": 0 }",
                     "{ \"from\": \"nic1.out\", \"to\": \"xmem.in2\" }");
    const char *sets[] = { "mig.identity_bytes=\"16MiB\"" };
    migsim_sim_t *sim = NULL;
    migsim_error_clear();
    int rc = migsim_sim_create_overrides(&sim, path, sets, 1);
    remove(path);
    assert_int_equal(rc, MIGSIM_ECONFIG);
    assert_null(sim);
    char want[256];
    snprintf(want, sizeof want, "%s: $.components.nic1.atc_entries: nic1 has an ATC but its "
             "requests reach no IOMMU to answer its translation requests", path);
    assert_string_equal(migsim_errmsg(), want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atc_hits_and_misses),
        cmocka_unit_test(test_switch_waits_for_ats),
        cmocka_unit_test(test_stale_atc_loses_writes),
        cmocka_unit_test(test_pri_waits_for_the_page),
        cmocka_unit_test(test_invalidation_during_translation),
        cmocka_unit_test(test_atc_without_iommu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
