/*
 * test_pages.c - a footprint of many pages on memory nodes and a stream of
 * migration requests (migctl footprint_pages, nodes, placement, requests,
 * migrate_bytes_per_s; migctl_request and what a policy reads), on the
 * migration platform scaled to pages of 1 MiB (testutil/migplat.h):
 *   - the one-page run is a footprint of one page whose page 0 moves from
 *     cur_pa to tgt_pa at start_ps: every shared statistic is equal;
 *   - placement: near_first, far and interleave put each page on the node
 *     and frame they say, lowest frames first, never on the page tables;
 *   - no traffic, three requests at once run one after another: each
 *     migration takes the sum of its step costs plus its copy (within 5%,
 *     as test_migctl), each starts when the one before ends, and the
 *     queueing time is the sum of those waits exactly;
 *   - the copy budget: a page's copy takes page_bytes / budget within one
 *     line's time;
 *   - a page moved far -> near -> far while another moves, under CPU and
 *     DMA traffic over the whole footprint: no write lost; with the chip's
 *     interlock off, writes are lost;
 *   - bad requests (API) and bad configurations give their errors;
 *   - determinism: the same run twice gives the same statistics JSON.
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
#include "dma_dev/dma_dev.h"
#include "iommu/iommu.h"
#include "migctl/migctl.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "player/player.h"
#include "testutil/migplat.h"

#define MiB (1ull << 20)
#define NEAR 0x40000000ull /* node 0 of the footprints below: cur_pa is its frame 0 */
#define FAR 0x80000000ull  /* node 1: tgt_pa is its frame 0 */

static migctl_t *mig(migsim_sim_t *sim)
{
    return (migctl_t *)migsim_sim_find(sim, "mig");
}

/* Node and PA of page p. */
static void where(migsim_sim_t *sim, uint64_t p, uint32_t *node, uint64_t *pa)
{
    assert_int_equal(migctl_page_where(mig(sim), p, node, pa, NULL), MIGSIM_OK);
}

/* The statistics every run has, besides the footprint's own. */
static const char *const shared_stats[] = {
    "mig.start_ps", "mig.end_ps", "mig.duration_ps", "mig.hypervisor_calls", "mig.pte_writes",
    "mig.shootdowns", "mig.iotlb_invalidations", "mig.copy_reads", "mig.copy_writes",
    "mig.copy_window_max_ps", "mig.copy_window_min_ps", "mig.cpu_ptes_max", "mig.lost_writes",
    "mig.oracle_lines", "mig.oracle_commits", "mig.mem_bytes_during", "mmu0.fault_stall_ps",
    "dram0.read_bytes", "dram0.written_bytes",
};

/* A footprint of one page, moving from cur_pa to tgt_pa at start_ps, is the one-page run. */
static void test_one_page_footprint_is_the_page(void **state)
{
    (void)state;
    migsim_sim_t *one = migplat_make(NULL, 0);
    const char *fp[] = { "mig.footprint_pages=1", "mig.nodes=\"near:0x40000000:4MiB,far:0x80000000:4MiB\"" };
    migsim_sim_t *many = migplat_make(fp, 2);
    tu_run(one);
    tu_run(many);
    for (size_t i = 0; i < sizeof shared_stats / sizeof shared_stats[0]; i++) {
        double a = tu_stat(one, shared_stats[i]), b = tu_stat(many, shared_stats[i]);
        if (a != b)
            fail_msg("%s: one page %.0f, footprint of one %.0f", shared_stats[i], a, b);
    }
    assert_true(tu_stat(one, "mig.end_ps") > 0);
    assert_true(tu_stat(many, "mig.mig_completed") == 1);
    assert_true(tu_stat(many, "mig.mig_bytes") == (double)MiB);
    assert_true(tu_stat(many, "mig.node0_resident_pages") == 0);
    assert_true(tu_stat(many, "mig.node1_resident_pages") == 1);
    uint32_t node;
    uint64_t pa;
    where(many, 0, &node, &pa);
    assert_int_equal(node, 1);
    assert_true(pa == FAR);
    assert_int_equal(migctl_node_free_frames(mig(many), 0), 4);
    assert_int_equal(migctl_node_free_frames(mig(many), 1), 3);
    /* the footprint's statistics are reported only with a footprint */
    char *json = migsim_sim_stats_json(one, 0);
    assert_non_null(json);
    assert_null(strstr(json, "mig.mig_"));
    assert_null(strstr(json, "resident_pages"));
    free(json);
    json = migsim_sim_stats_json(many, 0);
    assert_non_null(strstr(json, "\"mig.mig_completed\":\t1,"));
    free(json);
    migsim_sim_destroy(one);
    migsim_sim_destroy(many);
}

/* Nodes a, b (4 frames each) and c (16) after the page tables' 64 MiB at 64 MiB. */
static migsim_sim_t *placed(const char *placement, const char *pages)
{
    char p[64], n[64];
    snprintf(p, sizeof p, "mig.placement=\"%s\"", placement);
    snprintf(n, sizeof n, "mig.footprint_pages=%s", pages);
    const char *extra[] = { "mig.policy=\"none\"", p, n,
                            "mig.nodes=\"a:0x40000000:4MiB,b:0x40400000:4MiB,c:0x3000000:96MiB\"" };
    return migplat_make(extra, 4);
}

static void expect_at(migsim_sim_t *sim, uint64_t p, uint32_t node, uint64_t pa)
{
    uint32_t n;
    uint64_t a;
    where(sim, p, &n, &a);
    if (n != node || a != pa)
        fail_msg("page %llu: node %u PA 0x%llx, expected node %u PA 0x%llx", (unsigned long long)p,
                 n, (unsigned long long)a, node, (unsigned long long)pa);
}

static void test_placement(void **state)
{
    (void)state;
    const uint64_t A = 0x40000000, B = 0x40400000, C = 0x3000000; /* c: 48 MiB .. 144 MiB */
    /* near_first: a, then b, then c, whose frames from 64 MiB to 128 MiB hold the page tables */
    migsim_sim_t *sim = placed("near_first", "28");
    for (uint64_t p = 0; p < 4; p++) {
        expect_at(sim, p, 0, A + p * MiB);
        expect_at(sim, 4 + p, 1, B + p * MiB);
    }
    for (uint64_t p = 8; p < 24; p++)
        expect_at(sim, p, 2, C + (p - 8) * MiB);
    for (uint64_t p = 24; p < 28; p++)
        expect_at(sim, p, 2, 128 * MiB + (p - 24) * MiB);
    assert_int_equal(migctl_node_free_frames(mig(sim), 2), 96 - 64 - 20);
    assert_int_equal(migctl_node_free_frames(mig(sim), 0), 0);
    tu_run(sim);
    assert_true(tu_stat(sim, "mig.node0_resident_pages") == 4);
    assert_true(tu_stat(sim, "mig.node1_resident_pages") == 4);
    assert_true(tu_stat(sim, "mig.node2_resident_pages") == 20);
    migsim_sim_destroy(sim);
    /* far: every page on the last node */
    sim = placed("far", "10");
    for (uint64_t p = 0; p < 10; p++)
        expect_at(sim, p, 2, C + p * MiB);
    migsim_sim_destroy(sim);
    /* interleave: page i on node i mod 3 until a and b are full, then c */
    sim = placed("interleave", "14");
    for (uint64_t p = 0; p < 12; p++)
        expect_at(sim, p, (uint32_t)(p % 3), (p % 3 == 0 ? A : p % 3 == 1 ? B : C) + p / 3 * MiB);
    expect_at(sim, 12, 2, C + 4 * MiB);
    expect_at(sim, 13, 2, C + 5 * MiB);
    migsim_sim_destroy(sim);
}

/* Migrations seen by the callback. */
typedef struct seen_s {
    uint64_t page[8], start[8], end[8];
    uint32_t node[8];
    unsigned n;
} seen_t;

static void on_migrated(void *ctx, uint64_t page, uint32_t node, uint64_t start_ps, uint64_t end_ps)
{
    seen_t *s = ctx;
    assert_true(s->n < 8);
    s->page[s->n] = page;
    s->node[s->n] = node;
    s->start[s->n] = start_ps;
    s->end[s->n++] = end_ps;
}

static const char *const no_traffic[] = {
    "cpu0.gen_count=0", "nic0.gen_count=0", "disk0.gen_count=0", "mig.copy_inflight=256",
    "mig.subpages_per_call=4", "dram0.address_mapping=\"RoBaRaCoBgCh\"", "mig.footprint_pages=4",
    "mig.nodes=\"near:0x40000000:4MiB,far:0x80000000:8MiB\"",
};
#define NO_TRAFFIC (sizeof no_traffic / sizeof no_traffic[0])

/* The no-traffic platform with `extra` added. */
static migsim_sim_t *quiet(const char *const *extra, size_t n)
{
    const char *sets[NO_TRAFFIC + 8];
    memcpy(sets, no_traffic, sizeof no_traffic);
    for (size_t i = 0; i < n; i++)
        sets[NO_TRAFFIC + i] = extra[i];
    return migplat_make(sets, NO_TRAFFIC + n);
}

/* No traffic: three requests at once, one after another, each the sum of its steps and copy. */
static void test_requests_one_at_a_time(void **state)
{
    (void)state;
    const char *extra[] = { "mig.requests=\"2000000:1:far,2000000:2:1,2000000:3:far\"" };
    migsim_sim_t *sim = quiet(extra, 1);
    seen_t s = { .n = 0 };
    migctl_on_migrated(mig(sim), on_migrated, &s);
    tu_run(sim);
    migctl_t *m = mig(sim);
    const uint64_t N = 16, k = 4, windows = N / k;
    /* as test_migctl's analytic check: the steps of one segmented migration */
    uint64_t shoot = m->ipi_ps + ((cpu_mmu_t *)migsim_sim_find(sim, "mmu0"))->shootdown_handler_ps;
    double steps = (double)((N + 1) * m->pte_write_ps + shoot)
                   + (double)m->hcall_ps + (double)m->init_hw_ps
                   + (double)windows * (k * m->pte_write_ps + m->hcall_ps + shoot)
                   + (double)(windows - 1) * (m->update_hw_ps + k * m->pte_write_ps)
                   + (double)((iommu_t *)migsim_sim_find(sim, "iommu0"))->inval_ps
                   + (double)m->final_ps
                   + (double)((N + 1) * m->pte_write_ps + shoot);
    double one = steps + migplat_copy_ps(sim, MiB);
    assert_int_equal(s.n, 3);
    double total = 0;
    for (unsigned i = 0; i < 3; i++) {
        double d = (double)(s.end[i] - s.start[i]);
        print_message("migration %u (page %llu): %.0f ps = steps %.0f + copy -> ratio %.4f\n", i,
                      (unsigned long long)s.page[i], d, steps, d / one);
        assert_true(s.page[i] == i + 1);
        assert_int_equal(s.node[i], 1);
        assert_true(d >= one);
        assert_true(d <= 1.05 * one);
        assert_true(s.start[i] == (i ? s.end[i - 1] : 2000000)); /* one at a time, no gap */
        total += d;
    }
    assert_true(tu_stat(sim, "mig.start_ps") == 2000000);
    assert_true(tu_stat(sim, "mig.end_ps") == (double)s.end[2]);
    assert_true(tu_stat(sim, "mig.duration_ps") == total);
    assert_true(tu_stat(sim, "mig.mig_queue_ps") == (double)(s.end[0] - 2000000 + s.end[1] - 2000000));
    assert_true(tu_stat(sim, "mig.mig_requests") == 3);
    assert_true(tu_stat(sim, "mig.mig_completed") == 3);
    assert_true(tu_stat(sim, "mig.mig_refused_requests") == 0);
    assert_true(tu_stat(sim, "mig.mig_bytes") == 3.0 * MiB);
    assert_true(tu_stat(sim, "mig.copy_reads") == 3.0 * MiB / 64);
    assert_true(tu_stat(sim, "mig.node0_resident_pages") == 1);
    assert_true(tu_stat(sim, "mig.node1_resident_pages") == 3);
    /* the frames: lowest free first on the target; the sources freed */
    expect_at(sim, 1, 1, FAR);
    expect_at(sim, 2, 1, FAR + MiB);
    expect_at(sim, 3, 1, FAR + 2 * MiB);
    assert_int_equal(migctl_node_free_frames(mig(sim), 0), 3);
    assert_int_equal(migctl_node_free_frames(mig(sim), 1), 5);
    migsim_sim_destroy(sim);
}

/* The copy budget: a window of the whole page copies in page_bytes / budget, within one line. */
static void test_copy_budget(void **state)
{
    (void)state;
    const double budget = 250e6; /* bytes per second: one line every 256 ns */
    const char *extra[] = { "mig.requests=\"2000000:1:far\"", "mig.subpages_per_call=16",
                            "mig.migrate_bytes_per_s=250000000" };
    migsim_sim_t *sim = quiet(extra, 3);
    tu_run(sim);
    double copy = tu_stat(sim, "mig.copy_window_max_ps");
    double want = (double)MiB / budget * 1e12, line = 64 / budget * 1e12;
    print_message("copy %.0f ps, budget says %.0f ps (one line %.0f ps)\n", copy, want, line);
    assert_true(tu_stat(sim, "mig.copy_calls") == 1);
    assert_true(fabs(copy - want) <= line);
    migsim_sim_destroy(sim);
    /* without it, the same copy is many times faster: the budget is what sets the time */
    const char *free_run[] = { "mig.requests=\"2000000:1:far\"", "mig.subpages_per_call=16" };
    sim = quiet(free_run, 2);
    tu_run(sim);
    assert_true(tu_stat(sim, "mig.copy_window_max_ps") < want / 4);
    migsim_sim_destroy(sim);
}

/*
 * Traffic over the whole footprint of 4 pages for about 0.8 ms; page 1 moves
 * far -> near, page 2 far -> near behind it, then page 1 near -> far. Pages
 * of `page` (the platform's 1 MiB when NULL, else one subpage each), and the
 * overrides `more` (n of them).
 */
static migsim_sim_t *round_trip_of(const char *page, const char *const *more, size_t n)
{
    char pg[64], sp[64], cpu[64], nic[64], disk[64];
    const char *fp = page ? "16KiB" : "4MiB";   /* the 4 pages */
    snprintf(pg, sizeof pg, "mig.page_bytes=\"%s\"", page ? page : "1MiB");
    snprintf(sp, sizeof sp, "mig.subpage_bytes=\"%s\"", page ? page : "64KiB");
    snprintf(cpu, sizeof cpu, "cpu0.gen_range_bytes=\"%s\"", fp);
    snprintf(nic, sizeof nic, "nic0.gen_range_bytes=\"%s\"", fp);
    snprintf(disk, sizeof disk, "disk0.gen_range_bytes=\"%s\"", fp);
    const char *extra[32] = { pg, sp, cpu, nic, disk,
        "mig.footprint_pages=4", "mig.placement=\"far\"",
        "mig.nodes=\"near:0x40000000:4MiB,far:0x80000000:8MiB\"",
        "mig.requests=\"2000000:1:near,2000000:2:near,400000000:1:far\"",
        "cpu0.gen_gap_ps=300000",
        /* the NIC hammers the footprint with line writes (as test_migctl's race) */
        "nic0.gen_pattern=\"random\"", "nic0.gen_size_bytes=64",
        "nic0.gen_count=40000", "nic0.gen_gap_ps=20000", "nic0.queue_depth=64", "mig.copy_inflight=64",
        "disk0.gen_gap_ps=4500000",
    };
    size_t k = 17;
    assert_true(k + n <= sizeof extra / sizeof extra[0]);
    for (size_t i = 0; i < n; i++)
        extra[k++] = more[i];
    migsim_sim_t *sim = migplat_make(extra, k);
    tu_run(sim);
    return sim;
}

static migsim_sim_t *round_trip(const char *interlock)
{
    char il[64];
    snprintf(il, sizeof il, "dw0.interlock=\"%s\"", interlock);
    const char *const more[] = { il };
    return round_trip_of(NULL, more, 1);
}

static void test_round_trip_loses_nothing(void **state)
{
    (void)state;
    migsim_sim_t *sim = round_trip("line");
    assert_true(tu_stat(sim, "mig.mig_completed") == 3);
    assert_true(tu_stat(sim, "mig.mig_refused_requests") == 0);
    expect_at(sim, 0, 1, FAR);
    expect_at(sim, 1, 1, FAR + MiB);     /* back on its first frame, the lowest free */
    expect_at(sim, 2, 0, NEAR + MiB);    /* behind page 1, on the next frame of near */
    expect_at(sim, 3, 1, FAR + 3 * MiB);
    print_message("interlock on: %.0f lines written, %.0f lost\n", tu_stat(sim, "mig.oracle_lines"),
                  tu_stat(sim, "mig.lost_writes"));
    assert_true(tu_stat(sim, "mig.lost_writes") == 0);
    migsim_sim_destroy(sim);
    sim = round_trip("none");
    double lost = tu_stat(sim, "mig.lost_writes");
    print_message("interlock off: %.0f lost\n", lost);
    assert_true(lost > 0);
    migsim_sim_destroy(sim);
}

/* Pages of 4 KiB, one subpage each: the same round trip, the same oracle. */
static void test_small_pages(void **state)
{
    (void)state;
    migsim_sim_t *sim = round_trip_of("4KiB", NULL, 0);
    assert_true(tu_stat(sim, "mig.mig_completed") == 3 && tu_stat(sim, "mig.mig_bytes") == 3 * 4096);
    expect_at(sim, 1, 1, FAR + 4096);
    expect_at(sim, 2, 0, NEAR + 4096);
    assert_true(tu_stat(sim, "mig.lost_writes") == 0);
    migsim_sim_destroy(sim);
    /* a subpage larger than the page is refused */
    const char *big[] = { "mig.subpage_bytes=\"4GiB\"" };
    tu_expect_error("migration", big, 1, "<migration>: $.components.mig: page_bytes and "
                    "subpage_bytes must be ladder sizes, subpage no larger (ladder "
                    "\"4K,64K,1M,16M,256M,1G,4G\")");
}

/*
 * Pre-copy runs the requests of a footprint too, each migration with its own
 * rounds from the whole page; without I/O dirty tracking (its unsafe variant)
 * the NIC's writes to granules already copied are lost.
 */
static void test_precopy_pages(void **state)
{
    (void)state;
    const char *const pc[] = { "mig.policy=\"precopy\"" };
    migsim_sim_t *sim = round_trip_of(NULL, pc, 1);
    assert_true(tu_stat(sim, "mig.mig_completed") == 3);
    expect_at(sim, 1, 1, FAR + MiB);
    expect_at(sim, 2, 0, NEAR + MiB);
    /* every migration copies its whole page in its round 0 */
    assert_true(tu_stat(sim, "mig.precopy_round0_bytes") == 3 * MiB);
    assert_true(tu_stat(sim, "mig.precopy_rounds") >= 3 && tu_stat(sim, "mig.precopy_pause_ps") > 0);
    assert_true(tu_stat(sim, "mig.lost_writes") == 0);
    migsim_sim_destroy(sim);
    const char *const unsafe[] = { "mig.policy=\"precopy\"", "mig.precopy_io_dirty=false" };
    sim = round_trip_of(NULL, unsafe, 2);
    print_message("precopy without I/O dirty bits: %.0f lost\n", tu_stat(sim, "mig.lost_writes"));
    assert_true(tu_stat(sim, "mig.lost_writes") > 0);
    migsim_sim_destroy(sim);
}

/* Generators whose region is left out get the whole footprint. */
static void test_generators_get_the_footprint(void **state)
{
    (void)state;
    const char *sets[] = { "mig.page_bytes=\"1MiB\"", "mig.footprint_pages=4", "mig.policy=\"none\"",
                           "mig.nodes=\"a:0x40000000:8MiB\"" };
    migsim_sim_t *sim = tu_make("migration", sets, 4, NULL, 0);
    const player_t *cpu = (const player_t *)migsim_sim_find(sim, "cpu0");
    const dma_dev_t *nic = (const dma_dev_t *)migsim_sim_find(sim, "nic0");
    assert_true(cpu->gen_base == 4ull << 30 && cpu->gen_range_bytes == 4 * MiB);
    assert_true(nic->gen_base == 4ull << 30 && nic->gen_range_bytes == 4 * MiB);
    migsim_sim_destroy(sim);
}

static void test_bad_requests(void **state)
{
    (void)state;
    const char *extra[] = { "mig.footprint_pages=4",
                            "mig.nodes=\"near:0x40000000:4MiB,far:0x80000000:2MiB\"" };
    migsim_sim_t *sim = migplat_make(extra, 2);
    migctl_t *m = mig(sim);
    /* page 0 at cur_pa (near, frame 0), moving to tgt_pa (far, frame 0) at start_ps */
    expect_at(sim, 0, 0, NEAR);
    expect_at(sim, 3, 0, NEAR + 3 * MiB);
    assert_int_equal(migctl_request(m, 4, 1), MIGSIM_ERANGE);
    assert_string_equal(migsim_errmsg(), "mig: migrate page 4 to node 1: no such page");
    assert_int_equal(migctl_request(m, 1, 2), MIGSIM_ERANGE);
    assert_string_equal(migsim_errmsg(), "mig: migrate page 1 to node 2: no such node");
    assert_int_equal(migctl_request(m, 1, 0), MIGSIM_EINVAL);
    assert_string_equal(migsim_errmsg(), "mig: migrate page 1 to node 0: already on that node");
    assert_int_equal(migctl_request(m, 1, 1), MIGSIM_OK);
    assert_int_equal(migctl_request(m, 1, 1), MIGSIM_EBUSY);
    assert_string_equal(migsim_errmsg(), "mig: migrate page 1 to node 1: already queued");
    assert_int_equal(migctl_request(m, 2, 1), MIGSIM_EBUSY); /* far: 2 frames, both promised */
    assert_string_equal(migsim_errmsg(), "mig: migrate page 2 to node 1: the node has no free frame");
    assert_int_equal(migctl_node_free_frames(m, 1), 0);
    uint32_t flags;
    assert_int_equal(migctl_page_where(m, 1, NULL, NULL, &flags), MIGSIM_OK);
    assert_int_equal(flags, MIGCTL_PG_QUEUED);
    assert_int_equal(migctl_page_where(m, 9, NULL, NULL, NULL), MIGSIM_ERANGE);
    /* page 1 starts at once; page 0's request at start_ps (2 us) waits behind it */
    assert_int_equal(migsim_sim_run(sim, 50000000), 0);
    assert_int_equal(migctl_page_where(m, 1, NULL, NULL, &flags), MIGSIM_OK);
    assert_int_equal(flags, MIGCTL_PG_MOVING);
    assert_int_equal(migctl_page_where(m, 0, NULL, NULL, &flags), MIGSIM_OK);
    assert_int_equal(flags, MIGCTL_PG_QUEUED);
    assert_int_equal(migctl_request(m, 1, 0), MIGSIM_EBUSY);
    assert_string_equal(migsim_errmsg(), "mig: migrate page 1 to node 0: already moving");
    tu_run(sim);
    assert_true(tu_stat(sim, "mig.mig_requests") == 8);
    assert_true(tu_stat(sim, "mig.mig_refused_requests") == 6);
    assert_true(tu_stat(sim, "mig.mig_completed") == 2);
    assert_true(tu_stat(sim, "mig.lost_writes") == 0);
    expect_at(sim, 0, 1, FAR);           /* tgt_pa, the frame taken for it at init */
    expect_at(sim, 1, 1, FAR + MiB);
    migsim_sim_destroy(sim);
    /* without a footprint there is nothing to request */
    sim = migplat_make(NULL, 0);
    assert_int_equal(migctl_request(mig(sim), 0, 0), MIGSIM_ESTATE);
    migsim_sim_destroy(sim);
}

/* The migration platform with `sets` must be refused with `want`. */
static void refused(const char *const *sets, size_t n, const char *want)
{
    const char *all[16] = { "mig.page_bytes=\"1MiB\"", "mig.footprint_pages=4" };
    for (size_t i = 0; i < n; i++)
        all[2 + i] = sets[i];
    tu_expect_error("migration", all, n + 2, want);
}

static void test_bad_configuration(void **state)
{
    (void)state;
    const char *nonodes[] = { "mig.requests=\"0:1:0\"" };
    refused(nonodes, 1, "<migration>: $.components.mig.nodes: a footprint needs memory nodes");
    const char *badnode[] = { "mig.nodes=\"near:0x40000000\"" };
    refused(badnode, 1, "<migration>: $.components.mig.nodes: \"near:0x40000000\" is not "
                        "name:base:bytes (a name of 1 to 15 characters, a base and a nonzero size)");
    const char *overlap[] = { "mig.nodes=\"a:0x40000000:4MiB,b:0x40100000:4MiB\"" };
    refused(overlap, 1, "<migration>: $.components.mig.nodes: node b overlaps node a");
    const char *small[] = { "mig.nodes=\"a:0x40000000:2MiB,b:0x80000000:1MiB\"", "mig.policy=\"none\"" };
    refused(small, 2, "<migration>: $.components.mig.footprint_pages: 4 pages of 1048576 bytes do "
                      "not fit the 3 free frames of the nodes (placement near_first)");
    const char *page[] = { "mig.nodes=\"a:0x40000000:8MiB,b:0x80000000:8MiB\"",
                           "mig.requests=\"0:1:b,5:4:a\"" };
    refused(page, 2, "<migration>: $.components.mig.requests: \"5:4:a\": page 4 is not below "
                     "footprint_pages 4");
    const char *node[] = { "mig.nodes=\"a:0x40000000:8MiB,b:0x80000000:8MiB\"",
                           "mig.requests=\"0:1:c\"" };
    refused(node, 2, "<migration>: $.components.mig.requests: \"0:1:c\": no node \"c\" (2 nodes)");
    const char *conc[] = { "mig.nodes=\"a:0x40000000:8MiB,b:0x80000000:8MiB\"", "mig.max_concurrent=2" };
    refused(conc, 2, "<migration>: $.components.mig.max_concurrent: 2: migrations run one at a "
                     "time (the dual-write chip has one window and the copy engine one range)");
    const char *gr[] = { "mig.nodes=\"a:0x40000000:8MiB,b:0x80000000:8MiB\"", "mig.policy=\"granule\"" };
    refused(gr, 2, "<migration>: $.components.mig.policy: granule cannot run the requests of a "
                   "footprint (footprint_pages > 0): it keeps state from one migration to the "
                   "next; use segmented, suspend_io, dual_write_whole, precopy or none");
    const char *nocur[] = { "mig.nodes=\"a:0x50000000:8MiB,b:0x80000000:8MiB\"" };
    refused(nocur, 1, "<migration>: $.components.mig.cur_pa: 0x40000000 is not a free frame of any "
                      "node (without requests, page 0 of the footprint moves from cur_pa to tgt_pa "
                      "at start_ps)");
    const char *nofp[] = { "mig.requests=\"0:1:0\"" };
    tu_expect_error("migration", nofp, 1,
                    "<migration>: $.components.mig.requests: only with footprint_pages > 0");
}

/* The same footprint run twice: the same statistics. */
static void test_deterministic(void **state)
{
    (void)state;
    char *json[2], *all[2];
    for (int i = 0; i < 2; i++) {
        migsim_sim_t *sim = round_trip("line");
        json[i] = all[i] = migsim_sim_stats_json(sim, 0);
        assert_non_null(json[i]);
        migsim_sim_destroy(sim);
    }
    /* from the statistics to the host section (host times, which differ) */
    for (int i = 0; i < 2; i++) {
        json[i] = strstr(json[i], "\"stats\":");
        char *host = strstr(json[i], "\"host\":");
        assert_non_null(host);
        *host = 0;
    }
    size_t i = 0;
    while (json[0][i] && json[0][i] == json[1][i])
        i++;
    if (json[0][i] != json[1][i])
        fail_msg("the statistics differ at byte %zu: ...%.80s", i, json[0] + (i > 40 ? i - 40 : 0));
    assert_true(strlen(json[0]) > 1000);
    free(all[0]);
    free(all[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_page_footprint_is_the_page),
        cmocka_unit_test(test_placement),
        cmocka_unit_test(test_requests_one_at_a_time),
        cmocka_unit_test(test_copy_budget),
        cmocka_unit_test(test_round_trip_loses_nothing),
        cmocka_unit_test(test_small_pages),
        cmocka_unit_test(test_precopy_pages),
        cmocka_unit_test(test_generators_get_the_footprint),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_bad_configuration),
        cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
