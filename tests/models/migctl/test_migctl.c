/*
 * test_migctl.c - the migration controller on the migration platform,
 * scaled down to a 1 MiB page of 16 subpages:
 *   - FIG. 2: the step log follows blocks 200 to 222 in order, one window
 *     (or several subpages, claims 6 and 17) per hypervisor call;
 *   - FIG. 4: 65,536 subpage PTEs for a 4 GiB page, and at migration point
 *     818 MiB the mixed layout's count equals the largest-aligned cover
 *     computed here independently;
 *   - the race: the dual-write chip without its interlock loses writes on a
 *     scenario built to hit it, with the interlock none;
 *   - every policy migrates under CPU and DMA traffic with no lost write;
 *   - determinism: identical statistics JSON from identical inputs;
 *   - the analytic check: with no traffic, the migration takes the sum of
 *     its step costs plus the copy at the DRAM's read bandwidth (one burst
 *     per tBL, less refresh), within 5%;
 *   - configuration checked when the simulation is built: its peers exist
 *     and have the right types; the MMUs walk the page tables with the
 *     controller's ladder; generators left unplaced follow the page, and a
 *     region given outside every mapping of its address space is refused.
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
#include <unistd.h>

#include "cpu_mmu/cpu_mmu.h"
#include "dma_dev/dma_dev.h"
#include "dram/dram.h"
#include "iommu/iommu.h"
#include "migctl/migctl.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "player/player.h"
#include "testutil/migplat.h"
#include "xlat/xlat.h"

#define MiB (1ull << 20)

/* The migration platform scaled to a 1 MiB page and short traces, plus `extra` overrides. */
static migsim_sim_t *make(const char *const *extra, size_t n)
{
    return migplat_make(extra, n);
}

static double stat(migsim_sim_t *sim, const char *name)
{
    return tu_stat(sim, name);
}

static void run(migsim_sim_t *sim)
{
    tu_run(sim);
}

/* The expected FIG. 2 block sequence for `subpages` migrated `per` at a time. */
static uint32_t fig2(uint16_t *out, uint32_t subpages, uint32_t per)
{
    uint32_t n = 0;
    out[n++] = 200, out[n++] = 202, out[n++] = 204, out[n++] = 206;
    for (uint32_t lo = 0; lo < subpages; lo += per) {
        out[n++] = 208, out[n++] = 210, out[n++] = 212;
        if (lo + per < subpages)
            out[n++] = 214, out[n++] = 216;
    }
    out[n++] = 218, out[n++] = 220, out[n++] = 222;
    return n;
}

static void test_fig2_order(void **state)
{
    (void)state;
    for (uint32_t per = 1; per <= 4; per *= 4) {
        char set[64];
        snprintf(set, sizeof set, "mig.subpages_per_call=%u", per);
        const char *extra[] = { set };
        migsim_sim_t *sim = make(extra, 1);
        run(sim);
        migctl_t *m = (migctl_t *)migsim_sim_find(sim, "mig");
        uint32_t n;
        const migctl_step_t *log = migctl_log(m, &n);
        uint16_t want[512];
        uint32_t nw = fig2(want, 16, per);
        assert_int_equal(n, nw);
        for (uint32_t i = 0; i < n; i++) {
            if (log[i].block != want[i])
                fail_msg("per %u: step %u is block %u, expected %u", per, i, log[i].block, want[i]);
            if (i)
                assert_true(log[i].time >= log[i - 1].time);
        }
        /* one hypervisor call to start, one per window, one at the end */
        assert_true(stat(sim, "mig.hypervisor_calls") == 1 + 16 / per + 1);
        assert_true(stat(sim, "mig.lost_writes") == 0);
        assert_true(stat(sim, "mig.copy_reads") == MiB / 64 && stat(sim, "mig.copy_writes") == MiB / 64);
        migsim_sim_destroy(sim);
    }
}

/* Largest aligned ladder pages covering [a, b) (bytes), computed greedily from the ladder. */
static uint64_t cover(const uint64_t *ladder, int n, uint64_t a, uint64_t b)
{
    uint64_t count = 0;
    while (a < b) {
        int k = n - 1;
        while (k > 0 && (a % ladder[k] || a + ladder[k] > b))
            k--;
        a += ladder[k];
        count++;
    }
    return count;
}

static void test_fig4_counts(void **state)
{
    (void)state;
    static uint8_t mem[64 << 20];
    memset(mem, 0, sizeof mem);
    migsim_store_t store;
    migsim_store_init(&store);
    xlat_pt_cfg_t cfg = { .mem = migsim_fmem_of_store(&store), .pt_base = 0, .pt_bytes = 256 * MiB };
    xlat_ladder_default(&cfg.ladder); /* 4K 64K 1M 16M 256M 4G */
    xlat_pt_t pt;
    assert_int_equal(xlat_pt_create(&pt, &cfg), 0);
    const uint64_t G4 = 4ull << 30, va = 1ull << 40, cur = 1ull << 36, tgt = 2ull << 36;
    int sub = xlat_ladder_index(&cfg.ladder, 64 << 10);
    uint64_t shoot[2];
    /* FIG. 4, 400: every subpage its own PTE */
    assert_int_equal(migctl_map_layout(&pt, va, cur, tgt, G4, (uint32_t)sub, 0, 65536, 0, 0, false, shoot), 65536);
    assert_int_equal(xlat_pt_count_leaves(&pt, va, G4), 65536);
    /* FIG. 4, 450: at 818 MiB, the window one subpage, the rest largest aligned */
    uint64_t lo = (818 * MiB) / (64 << 10);
    int64_t w = migctl_map_layout(&pt, va, cur, tgt, G4, (uint32_t)sub, 0, 65536, lo, lo + 1, true, shoot);
    assert_true(w > 0);
    const uint64_t lad[] = { 4096, 64 << 10, MiB, 16 * MiB, 256 * MiB, G4 };
    uint64_t want = cover(lad, 6, 0, 818 * MiB) + 1 + cover(lad, 6, 818 * MiB + (64 << 10), G4);
    assert_int_equal(xlat_pt_count_leaves(&pt, va, G4), want);
    print_message("FIG. 4 (450) at 818 MiB: %llu PTEs instead of 65,536\n", (unsigned long long)want);
    assert_true(want < 100);
    migsim_store_fini(&store);
}

/* DMA writes hammering the page while it moves: the chip's interlock decides. */
static void test_race(void **state)
{
    (void)state;
    const char *common[] = { "nic0.gen_pattern=\"random\"", "nic0.gen_size_bytes=64",
                             "nic0.gen_count=20000", "nic0.gen_gap_ps=20000", "nic0.queue_depth=64",
                             "mig.copy_inflight=64", "cpu0.gen_count=0", "disk0.gen_count=0" };
    long lost[2];
    for (int il = 0; il < 2; il++) {
        const char *extra[16];
        size_t n = 0;
        for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
            extra[n++] = common[i];
        extra[n++] = il ? "dw0.interlock=\"line\"" : "dw0.interlock=\"none\"";
        migsim_sim_t *sim = make(extra, n);
        run(sim);
        lost[il] = (long)stat(sim, "mig.lost_writes");
        assert_true(stat(sim, "mig.end_ps") > 0);
        if (il)
            assert_true(stat(sim, "dw0.held_writes") > 0);
        migsim_sim_destroy(sim);
    }
    print_message("lost writes: interlock none %ld, line %ld\n", lost[0], lost[1]);
    assert_true(lost[0] > 0);
    assert_int_equal(lost[1], 0);
}

static void test_policies_lose_nothing(void **state)
{
    (void)state;
    static const char *const pol[] = { "segmented", "suspend_io", "dual_write_whole", "none" };
    for (int p = 0; p < 4; p++) {
        for (int mode = 0; mode < 2; mode++) {
            char set[64];
            snprintf(set, sizeof set, "mig.policy=\"%s\"", pol[p]);
            const char *extra[] = { set, mode ? "mig.pte_mode=\"mixed\"" : "mig.pte_mode=\"subpage\"" };
            migsim_sim_t *sim = make(extra, 2);
            run(sim);
            if (stat(sim, "mig.lost_writes") != 0)
                fail_msg("policy %s: %g lost writes", pol[p], stat(sim, "mig.lost_writes"));
            assert_true(stat(sim, "mig.oracle_commits") > 0);
            if (p < 3) {
                assert_true(stat(sim, "mig.end_ps") > stat(sim, "mig.start_ps"));
                assert_true(stat(sim, "mig.cpu_ptes") == 1); /* one large PTE again at the end */
            }
            if (p == 1)
                assert_true(stat(sim, "nic0.suspended_ps") > 0);
            migsim_sim_destroy(sim);
        }
    }
}

static void test_determinism(void **state)
{
    (void)state;
    char *json[2];
    for (int i = 0; i < 2; i++) {
        migsim_sim_t *sim = make(NULL, 0);
        run(sim);
        json[i] = migsim_sim_stats_json(sim, -1.0);
        migsim_sim_destroy(sim);
    }
    assert_string_equal(json[0], json[1]);
    free(json[0]);
    free(json[1]);
}

/*
 * A CPU walking the page while the OS remaps it (block 202) must not write the
 * old large leaf back (its A/D update is a compare-and-swap): otherwise the
 * next invalidation hits the whole page and the CPU stalls for the whole
 * migration. Its worst access stays far shorter than the migration.
 */
static void test_cpu_not_stalled_by_remap(void **state)
{
    (void)state;
    const char *extra[] = { "mig.page_bytes=\"16MiB\"", "cpu0.gen_range_bytes=\"16MiB\"",
                            "cpu0.gen_count=40000", "cpu0.gen_gap_ps=100000",
                            "disk0.gen_range_bytes=\"16MiB\"", "mig.start_ps=10000000" };
    migsim_sim_t *sim = make(extra, 6);
    run(sim);
    double dur = stat(sim, "mig.duration_ps");
    double worst = stat(sim, "cpu0.latency_max_ns") * 1000.0;
    print_message("16 MiB migration %.0f us, worst CPU access %.1f us, %g CPU faults\n", dur / 1e6,
                  worst / 1e6, stat(sim, "mmu0.faults"));
    assert_true(stat(sim, "cpu0.completed_reqs") == 40000);
    assert_true(worst < 0.05 * dur);
    assert_true(stat(sim, "mig.lost_writes") == 0);
    migsim_sim_destroy(sim);
}

/*
 * The FIG. 4 mixed layout merges leaves and frees tables as the window moves:
 * the walkers' page-walk caches must be shot down with them, or CPU accesses
 * walk into reused tables and writes land in the wrong place. A 16 MiB page
 * crosses many 1 MiB blocks under random CPU reads and writes.
 */
static void test_mixed_layout_keeps_walks_right(void **state)
{
    (void)state;
    const char *extra[] = { "mig.page_bytes=\"16MiB\"", "mig.pte_mode=\"mixed\"",
                            "cpu0.gen_range_bytes=\"16MiB\"", "cpu0.gen_count=60000",
                            "cpu0.gen_gap_ps=50000", "disk0.gen_range_bytes=\"16MiB\"",
                            "mig.start_ps=200000" };
    migsim_sim_t *sim = make(extra, 7);
    run(sim);
    print_message("mixed 16 MiB: %g lost, %g CPU walks, %g shootdowns\n", stat(sim, "mig.lost_writes"),
                  stat(sim, "mmu0.walks"), stat(sim, "mig.shootdowns"));
    assert_true(stat(sim, "mig.end_ps") > 0);
    assert_true(stat(sim, "mig.lost_writes") == 0);
    assert_true(stat(sim, "cpu0.completed_reqs") == 60000);
    migsim_sim_destroy(sim);
}

/* ---- FIG. 4 item 450: what the OS writes and shoots down ------------------------ */

/* A leaf of the naive model: subpages [at, at + n) on `base` (0 current, 1 target). */
typedef struct { uint64_t at, n; int base, valid; } leaf_t;

/* The layout for the window [lo, hi) of `subs` subpages: sizes[] in subpages, smallest first. */
static size_t naive_layout(leaf_t *out, uint64_t subs, uint64_t lo, uint64_t hi, bool mixed,
                           const uint64_t *sizes, int nsizes)
{
    size_t n = 0;
    for (uint64_t at = 0; at < subs;) {
        int base = at < lo ? 1 : 0;
        uint64_t end = at < lo ? lo : (at < hi ? hi : subs), size = 1;
        if (mixed && (at < lo || at >= hi))
            for (int k = nsizes - 1; k >= 0; k--)
                if (at % sizes[k] == 0 && at + sizes[k] <= end) {
                    size = sizes[k];
                    break;
                }
        out[n++] = (leaf_t){ at, size, base, 1 };
        at += size;
    }
    return n;
}

/*
 * Replace the leaf set `cur` by `want`: PTE writes are the leaves of `want`
 * not already in `cur` (same place, size, page and valid) plus the leaves of
 * `cur` whose place and size `want` does not keep; a shootdown is due when
 * the shapes differ.
 */
static uint64_t naive_diff(leaf_t *cur, size_t *ncur, const leaf_t *want, size_t nwant, bool *shape)
{
    uint64_t w = 0;
    *shape = false;
    for (size_t i = 0; i < nwant; i++) {
        bool same = false, slot = false;
        for (size_t j = 0; j < *ncur; j++)
            if (cur[j].at == want[i].at && cur[j].n == want[i].n) {
                slot = true;
                same = cur[j].base == want[i].base && cur[j].valid == want[i].valid;
            }
        w += !same;
        *shape |= !slot;
    }
    for (size_t j = 0; j < *ncur; j++) {
        bool kept = false;
        for (size_t i = 0; i < nwant; i++)
            kept |= cur[j].at == want[i].at && cur[j].n == want[i].n;
        w += !kept;
        *shape |= !kept;
    }
    memcpy(cur, want, nwant * sizeof *want);
    *ncur = nwant;
    return w;
}

/*
 * The mixed layout on a 1 MiB page of 256 4 KiB subpages (ladder 4K, 64K,
 * 1M: 16 subpages per 64 KiB) writes only the leaves that change and shoots
 * down only where leaves merged or split. The expected counts come from the
 * naive leaf-set model above, step by step through FIG. 2 (rewriting the
 * whole block around the window would write and shoot down far more).
 */
static void test_mixed_writes_only_changes(void **state)
{
    (void)state;
    const uint64_t subs = 256, sizes[] = { 1, 16, 256 };
    for (uint64_t per = 1; per <= 3; per += 2) {
        char set[64];
        snprintf(set, sizeof set, "mig.subpages_per_call=%llu", (unsigned long long)per);
        const char *extra[] = { set, "mig.pte_mode=\"mixed\"", "mig.subpage_bytes=4096",
                                "cpu0.gen_count=0", "nic0.gen_count=0", "disk0.gen_count=0" };
        migsim_sim_t *sim = make(extra, 6);
        run(sim);
        static leaf_t cur[512], want[512];
        size_t ncur = 1, nw;
        cur[0] = (leaf_t){ 0, subs, 0, 1 };
        bool shape;
        uint64_t lo = 0, hi = per < subs ? per : subs;
        nw = naive_layout(want, subs, lo, hi, true, sizes, 3);                 /* 202 */
        uint64_t writes = naive_diff(cur, &ncur, want, nw, &shape), shoots = shape;
        for (;;) {
            writes += hi - lo;                                                   /* 208 */
            for (size_t j = 0; j < ncur; j++)
                if (cur[j].at >= lo && cur[j].at < hi)
                    cur[j].valid = 0;
            shoots++;
            if (hi >= subs)
                break;
            lo = hi;                                                             /* 216 */
            hi = hi + per < subs ? hi + per : subs;
            nw = naive_layout(want, subs, lo, hi, true, sizes, 3);
            writes += naive_diff(cur, &ncur, want, nw, &shape);
            shoots += shape;
        }
        writes += 1;                                  /* 218: the I/O PTE */
        writes += ncur + 1, shoots++;                 /* 220: all removed, one large leaf */
        print_message("mixed, %llu per call: %g PTE writes (model %llu), %g shootdowns (model %llu)\n",
                      (unsigned long long)per, stat(sim, "mig.pte_writes"), (unsigned long long)writes,
                      stat(sim, "mig.shootdowns"), (unsigned long long)shoots);
        assert_true(stat(sim, "mig.pte_writes") == (double)writes);
        assert_true(stat(sim, "mig.shootdowns") == (double)shoots);
        assert_true(stat(sim, "mig.lost_writes") == 0);
        migsim_sim_destroy(sim);
    }
}

/* ---- shootdown cost: all IPIs at once, the slowest acknowledgement -------------- */

/*
 * The migration platform's JSON with `comps` added to its components and
 * `links` to its links, written to a temporary file (the caller removes it).
 */
static void platform_plus(char *path, size_t cap, const char *comps, const char *links)
{
    tu_platform_plus(path, cap, "test_migctl", comps, links);
}

/* Time from block 208 of the first window to its copy (block 210). */
static uint64_t first_208(migsim_sim_t *sim)
{
    migctl_t *m = (migctl_t *)migsim_sim_find(sim, "mig");
    uint32_t n;
    const migctl_step_t *log = migctl_log(m, &n);
    for (uint32_t i = 0; i + 1 < n; i++)
        if (log[i].block == 208 && log[i + 1].block == 210)
            return log[i + 1].time - log[i].time;
    fail_msg("no 208 followed by 210");
    return 0;
}

static void test_shootdown_waits_for_slowest(void **state)
{
    (void)state;
    const char *quiet[] = { "cpu0.gen_count=0", "nic0.gen_count=0", "disk0.gen_count=0",
                            "mig.page_bytes=\"1MiB\"", "cpu0.gen_range_bytes=\"1MiB\"",
                            "nic0.gen_range_bytes=\"1MiB\"", "nic0.gen_ring_entries=64",
                            "disk0.gen_range_bytes=\"1MiB\"", "mig.ipi_ps=700000",
                            "mmu0.shootdown_handler_ps=500000" };
    /* one target: block 208 = one PTE write + a hypervisor call + IPI + its handler */
    migsim_sim_t *sim;
    if (migsim_sim_create_platform(&sim, "migration", quiet, 10) != 0)
        fail_msg("%s", migsim_errmsg());
    run(sim);
    migctl_t *m = (migctl_t *)migsim_sim_find(sim, "mig");
    uint64_t one = first_208(sim);
    assert_int_equal(one, m->pte_write_ps + m->hcall_ps + 700000 + 500000);
    assert_true(stat(sim, "mmu0.shootdown_stall_ps") == stat(sim, "mig.shootdowns") * 500000);
    migsim_sim_destroy(sim);
    /* three targets with handlers of 0.5, 0.9 and 0.3 us: the initiator waits for the 0.9 us */
    char path[64];
    platform_plus(path, sizeof path,
                  "\"mmu1\": { \"type\": \"cpu_mmu\", \"ladder\": \"4K,64K,1M,16M,256M,1G,4G\", "
                  "\"shootdown_handler_ps\": 900000 }, "
                  "\"mmu2\": { \"type\": \"cpu_mmu\", \"ladder\": \"4K,64K,1M,16M,256M,1G,4G\", "
                  "\"shootdown_handler_ps\": 300000 }, "
                  "\"cpu1\": { \"type\": \"trace_player\", \"gen_count\": 0 }, "
                  "\"cpu2\": { \"type\": \"trace_player\", \"gen_count\": 0 }",
                  "{ \"from\": \"cpu1.out\", \"to\": \"mmu1.in\" }, "
                  "{ \"from\": \"cpu2.out\", \"to\": \"mmu2.in\" }, "
                  "{ \"from\": \"mmu1.mem\", \"to\": \"xmem.in2\" }, "
                  "{ \"from\": \"mmu2.mem\", \"to\": \"xmem.in3\" }");
    const char *more[16];
    memcpy(more, quiet, sizeof quiet);
    more[10] = "mig.cpu_mmus=\"mmu0,mmu1,mmu2\"";
    int rc = migsim_sim_create_overrides(&sim, path, more, 11);
    remove(path);
    if (rc != 0)
        fail_msg("%s", migsim_errmsg());
    run(sim);
    m = (migctl_t *)migsim_sim_find(sim, "mig");
    uint64_t three = first_208(sim);
    print_message("block 208: %llu ps with one target, %llu ps with three\n",
                  (unsigned long long)one, (unsigned long long)three);
    assert_int_equal(three, m->pte_write_ps + m->hcall_ps + 700000 + 900000);
    double n = stat(sim, "mig.shootdowns");
    assert_true(stat(sim, "mmu1.shootdown_stall_ps") == n * 900000);
    assert_true(stat(sim, "mmu2.shootdown_stall_ps") == n * 300000);
    assert_true(stat(sim, "mmu2.shootdowns") == n);
    migsim_sim_destroy(sim);
}

/* The page rate is page bytes per second of migration; the copy traffic counts both sides. */
static void test_page_rate(void **state)
{
    (void)state;
    const char *extra[] = { "cpu0.gen_count=0", "nic0.gen_count=0", "disk0.gen_count=0" };
    migsim_sim_t *sim = make(extra, 3);
    run(sim);
    double dur = stat(sim, "mig.duration_ps");
    double rate = stat(sim, "mig.page_rate_gbps"), traffic = stat(sim, "mig.copy_traffic_gbps");
    print_message("1 MiB in %.0f ps: page rate %.3f GB/s, copy traffic %.3f GB/s\n", dur, rate, traffic);
    assert_true(fabs(rate - (double)MiB / dur * 1000.0) < 1e-9 * rate);
    /* every line read once and written once: twice the page */
    assert_true(fabs(traffic - 2.0 * rate) < 1e-9 * rate);
    migsim_sim_destroy(sim);
}

/* No traffic: duration = step costs + the copy at the DRAM's read bandwidth. */
static void test_analytic_duration(void **state)
{
    (void)state;
    /* bank group in the lowest address bits: consecutive lines alternate groups (tCCD_S) */
    const char *extra[] = { "cpu0.gen_count=0", "nic0.gen_count=0", "disk0.gen_count=0",
                            "mig.copy_inflight=256", "mig.subpages_per_call=4",
                            "dram0.address_mapping=\"RoBaRaCoBgCh\"" };
    migsim_sim_t *sim = make(extra, 6);
    run(sim);
    migctl_t *m = (migctl_t *)migsim_sim_find(sim, "mig");
    const uint64_t N = 16, k = 4, windows = N / k;
    /* a shootdown: the IPI round trip and the one target's handler */
    uint64_t shoot = m->ipi_ps + ((cpu_mmu_t *)migsim_sim_find(sim, "mmu0"))->shootdown_handler_ps;
    double steps = (double)((N + 1) * m->pte_write_ps + shoot)        /* 202: N written, 1 removed */
                   + (double)m->hcall_ps + (double)m->init_hw_ps       /* 204, 206 */
                   + (double)windows * (k * m->pte_write_ps + m->hcall_ps + shoot) /* 208 */
                   + (double)(windows - 1) * (m->update_hw_ps + k * m->pte_write_ps)    /* 214, 216 */
                   + (double)((iommu_t *)migsim_sim_find(sim, "iommu0"))->inval_ps
                   + (double)m->final_ps                                               /* 218 */
                   + (double)((N + 1) * m->pte_write_ps + shoot);      /* 220 */
    /*
     * The copy reads the page from DRAM (the writes stay in the 8 MiB cache):
     * one burst per tBL on the data bus, which refresh takes away tRFC of
     * every tREFI.
     */
    double copy = migplat_copy_ps(sim, MiB);
    double got = stat(sim, "mig.duration_ps");
    print_message("migration %.0f ps = steps %.0f + copy %.0f (model) -> ratio %.3f\n", got, steps,
                  copy, got / (steps + copy));
    assert_true(got >= steps + copy);             /* nothing can be faster than the bus */
    assert_true(got <= 1.05 * (steps + copy));    /* within 5%: latency at each window's ends */
    migsim_sim_destroy(sim);
}

/* The migration platform with only `sets`; its configuration must be accepted. */
static migsim_sim_t *create_ok(const char *const *sets, size_t n)
{
    migsim_sim_t *sim = NULL;
    if (migsim_sim_create_platform(&sim, "migration", sets, n) != 0)
        fail_msg("%s", migsim_errmsg());
    return sim;
}

/* The migration platform with only `sets` must be refused with exactly `want`. */
static void expect_error(const char *const *sets, size_t n, const char *want)
{
    tu_expect_error("migration", sets, n, want);
}

/* A peer that does not exist, or is of the wrong type, is an error when the simulation is built. */
static void test_peers_resolved_at_create(void **state)
{
    (void)state;
    const char *nobody[] = { "mig.cpu_mmus=\"mmu0,nobody\"" };
    expect_error(nobody, 1, "<migration>: $.components.mig.cpu_mmus: no component named \"nobody\"");
    const char *wrong[] = { "mig.iommu=\"dw0\"" };
    expect_error(wrong, 1, "<migration>: $.components.mig.iommu: \"dw0\" is a dualwrite, not an iommu");
    const char *nodram[] = { "mig.dram=\"llc0\"" };
    expect_error(nodram, 1, "<migration>: $.components.mig.dram: \"llc0\" is a llc, not a dram or a memrouter");
    const char *nochip[] = { "mig.dualwrite=\"\"" };
    expect_error(nochip, 1, "<migration>: $.components.mig.dualwrite: policy segmented needs a "
                            "dual-write chip");
}

/*
 * The controller builds both page tables with its ladder; the MMUs walk them.
 * A ladder or address width that differs from the controller's is an error
 * naming both parameters; the same change made to all three runs, losing
 * nothing, with every CPU and DMA access translated.
 */
static void test_one_ladder_per_table(void **state)
{
    (void)state;
    const char *mig_only[] = { "mig.page_bytes=\"16MiB\"", "mig.ladder=\"4K,64K,1M,16M,4G\"" };
    expect_error(mig_only, 2, "<migration>: $.components.mmu0.ladder \"4K,64K,1M,16M,256M,1G,4G\" "
                              "differs from $.components.mig.ladder \"4K,64K,1M,16M,4G\": one page "
                              "table, one ladder");
    const char *io[] = { "iommu0.ladder=\"4K,64K,1M,16M,256M,4G\"" };
    expect_error(io, 1, "<migration>: $.components.iommu0.ladder \"4K,64K,1M,16M,256M,4G\" differs "
                        "from $.components.mig.ladder \"4K,64K,1M,16M,256M,1G,4G\": one page "
                        "table, one ladder");
    const char *bits[] = { "iommu0.va_bits=39" };
    expect_error(bits, 1, "<migration>: $.components.iommu0.va_bits 39 differs from "
                          "$.components.mig.va_bits 48: one page table, one format");
    /* spelled differently, the same sizes */
    const char *same[] = { "mmu0.ladder=\"4KiB,64KiB,1MiB,16MiB,256MiB,1GiB,4GiB\"" };
    migsim_sim_destroy(create_ok(same, 1));
    const char *all[] = { "mig.ladder=\"4K,64K,1M,16M,64M,4G\"", "mmu0.ladder=\"4K,64K,1M,16M,64M,4G\"",
                          "iommu0.ladder=\"4K,64K,1M,16M,64M,4G\"" };
    migsim_sim_t *sim = make(all, 3);
    run(sim);
    assert_true(stat(sim, "mig.end_ps") > 0);
    assert_true(stat(sim, "mig.lost_writes") == 0);
    assert_true(stat(sim, "iommu0.faults") == 0);
    assert_true(stat(sim, "cpu0.completed_reqs") == 3000);
    migsim_sim_destroy(sim);
}

/* A configuration that names no ladder anywhere is consistent: the three types' defaults agree. */
static void test_default_ladders_agree(void **state)
{
    (void)state;
    const char *types[] = { "migctl", "cpu_mmu", "iommu" };
    const char *def[3] = { NULL, NULL, NULL };
    for (int i = 0; i < 3; i++) {
        const migsim_comp_ops_t *ops = migsim_registry_find(types[i]);
        assert_non_null(ops);
        for (const migsim_param_t *p = ops->params; p->name; p++)
            if (strcmp(p->name, "ladder") == 0)
                def[i] = p->def_s;
        assert_non_null(def[i]);
    }
    assert_string_equal(def[0], def[1]);
    assert_string_equal(def[0], def[2]);
}

/*
 * Generators whose region the configuration leaves out follow the migrating
 * page: the CPU's at its VA, the disk's at its IOVA, page_bytes long. With
 * only the page size changed, no DMA access faults and every CPU access
 * completes.
 */
static void test_generators_follow_the_page(void **state)
{
    (void)state;
    const char *sets[] = { "mig.page_bytes=\"2MiB\"", "mig.subpage_bytes=\"64KiB\"",
                           "mig.ladder=\"4K,64K,2M,1G,512G\"", "mmu0.ladder=\"4K,64K,2M,1G,512G\"",
                           "iommu0.ladder=\"4K,64K,2M,1G,512G\"", "mig.va=\"6GiB\"",
                           "mig.iova=\"10GiB\"", "mig.start_ps=2000000", "cpu0.gen_count=3000",
                           "cpu0.gen_gap_ps=20000", "nic0.gen_base=\"10GiB\"",
                           "nic0.gen_range_bytes=\"1MiB\"", "nic0.gen_ring_entries=64",
                           "nic0.gen_count=600", "nic0.gen_gap_ps=200000",
                           "disk0.gen_block_bytes=4096", "disk0.gen_count=400",
                           "disk0.gen_gap_ps=150000" };
    migsim_sim_t *sim = create_ok(sets, sizeof sets / sizeof sets[0]);
    const uint64_t G = 1ull << 30;
    player_t *cpu = (player_t *)migsim_sim_find(sim, "cpu0");
    dma_dev_t *disk = (dma_dev_t *)migsim_sim_find(sim, "disk0");
    dma_dev_t *nic = (dma_dev_t *)migsim_sim_find(sim, "nic0");
    assert_int_equal(cpu->gen_base, 6 * G);
    assert_int_equal(cpu->gen_range_bytes, 2 * MiB);
    assert_int_equal(disk->gen_base, 10 * G);
    assert_int_equal(disk->gen_range_bytes, 2 * MiB);
    assert_int_equal(nic->gen_base, 10 * G);          /* given: kept */
    assert_int_equal(nic->gen_range_bytes, 1 * MiB);
    run(sim);
    assert_true(stat(sim, "iommu0.faults") == 0);
    assert_true(stat(sim, "disk0.completed_reqs") > 0);
    assert_true(stat(sim, "cpu0.completed_reqs") == 3000);
    assert_true(stat(sim, "mig.lost_writes") == 0);
    migsim_sim_destroy(sim);
    /* only gen_base given, inside the page: the region runs to the page's end */
    const char *half[] = { "mig.page_bytes=\"1MiB\"", "cpu0.gen_base=\"0x100080000\"",
                           "nic0.gen_range_bytes=\"1MiB\"", "nic0.gen_ring_entries=64" };
    sim = create_ok(half, 4);
    cpu = (player_t *)migsim_sim_find(sim, "cpu0");
    assert_int_equal(cpu->gen_base, 4 * G + 512 * 1024);
    assert_int_equal(cpu->gen_range_bytes, 512 * 1024);
    migsim_sim_destroy(sim);
}

/* A region given outside every mapping of its source's address space is an error. */
static void test_generator_outside_every_mapping(void **state)
{
    (void)state;
    /* the CPU's range runs past the page (its base follows the page) */
    const char *cpu[] = { "mig.page_bytes=\"16MiB\"", "cpu0.gen_range_bytes=\"32MiB\"" };
    expect_error(cpu, 2, "<migration>: $.components.cpu0.gen_base 0x100000000 (not given), "
                         "$.components.cpu0.gen_range_bytes 33554432: the generator's VAs lie "
                         "outside every mapping of $.components.mig (the page at VA 0x100000000, "
                         "16777216 bytes; the identity region [0, 0x0))");
    /* a device addresses IOVAs: the page's VA is not one of its mappings */
    const char *dev[] = { "mig.iova=\"8GiB\"" };
    expect_error(dev, 1, "<migration>: $.components.nic0.gen_base 0x100000000, "
                         "$.components.nic0.gen_range_bytes 4194304: the generator's IOVAs lie "
                         "outside every mapping of $.components.mig (the page at IOVA 0x200000000, "
                         "1073741824 bytes; the identity region [0, 0x0))");
    /* the identity region is a mapping; straddling its end is not */
    const char *ident[] = { "mig.identity_bytes=\"256MiB\"", "cpu0.gen_base=\"128MiB\"",
                            "cpu0.gen_range_bytes=\"128MiB\"" };
    migsim_sim_destroy(create_ok(ident, 3));
    const char *straddle[] = { "mig.identity_bytes=\"256MiB\"", "cpu0.gen_base=\"128MiB\"",
                               "cpu0.gen_range_bytes=\"256MiB\"" };
    expect_error(straddle, 3, "<migration>: $.components.cpu0.gen_base 0x8000000, "
                              "$.components.cpu0.gen_range_bytes 268435456: the generator's VAs "
                              "lie outside every mapping of $.components.mig (the page at VA "
                              "0x100000000, 1073741824 bytes; the identity region [0, 0x10000000))");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fig2_order),
        cmocka_unit_test(test_fig4_counts),
        cmocka_unit_test(test_race),
        cmocka_unit_test(test_policies_lose_nothing),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_cpu_not_stalled_by_remap),
        cmocka_unit_test(test_mixed_layout_keeps_walks_right),
        cmocka_unit_test(test_analytic_duration),
        cmocka_unit_test(test_peers_resolved_at_create),
        cmocka_unit_test(test_one_ladder_per_table),
        cmocka_unit_test(test_default_ladders_agree),
        cmocka_unit_test(test_generators_follow_the_page),
        cmocka_unit_test(test_generator_outside_every_mapping),
        cmocka_unit_test(test_mixed_writes_only_changes),
        cmocka_unit_test(test_shootdown_waits_for_slowest),
        cmocka_unit_test(test_page_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
