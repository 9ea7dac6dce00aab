/*
 * test_iohot.c - the I/O hot-page table (models/iohot/iohot.h): EQ 1 and
 * EQ 2 against their closed forms, the table against exact per-page counts
 * on a planted hot set (recall and precision), the scarcity adjustment of
 * tau_H / tau_L, hysteresis, random reclaim, and bad configurations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iohot/iohot.h"
#include "iohot/iohot_comp.h"
#include "migsim/errors.h"
#include "migsim/rng.h"
#include "testutil/sim.h"

/* Decisions seen, in order; the pages below `refuse` have them refused. */
typedef struct seen_s {
    uint64_t page[256];
    uint32_t dir[256], why[256];
    uint32_t n;
    uint64_t refuse;
} seen_t;

static bool record(void *ctx, uint64_t page, iohot_dir_t dir, iohot_reason_t why, uint32_t frame)
{
    seen_t *s = ctx;
    (void)frame;
    if (s->n < 256) {
        s->page[s->n] = page;
        s->dir[s->n] = dir;
        s->why[s->n] = why;
    }
    s->n++;
    return page >= s->refuse;
}

/* Init h with c and record its decisions in s. */
static void start(iohot_t *h, const iohot_cfg_t *c, seen_t *s)
{
    memset(s, 0, sizeof *s);
    assert_int_equal(iohot_init(h, c), 0);
    iohot_set_decide(h, record, s);
}

static void ios(iohot_t *h, uint64_t page, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        iohot_count(h, page);
}

static double score_of(const iohot_t *h, uint64_t page)
{
    double a = -1.0;
    assert_true(iohot_score(h, page, &a));
    return a;
}

/* EQ 1, mu = 0.5: a_k = sum_j (1 - mu) mu^(k-j) c_j, exact in binary. */
static void test_eq1(void **state)
{
    (void)state;
    iohot_cfg_t c;
    iohot_cfg_default(&c);
    c.tau_h = 1000.0;  /* no remap */
    iohot_t h;
    assert_int_equal(iohot_init(&h, &c), 0);
    static const uint32_t cnt[] = { 8, 4, 0, 16, 3 };
    /* a1 = 4, a2 = 2 + 2 = 4, a3 = 2, a4 = 1 + 8 = 9, a5 = 4.5 + 1.5 = 6 */
    static const double want[] = { 4.0, 4.0, 2.0, 9.0, 6.0 };
    for (int k = 0; k < 5; k++) {
        ios(&h, 0x12345, cnt[k]);
        iohot_end_period(&h);
        assert_true(score_of(&h, 0x12345) == want[k]);
    }
    /* mu = 0.75 after 3 periods of 4: a = 4 (1 - 0.75^3) = 2.3125 */
    iohot_fini(&h);
    c.mu = 0.75;
    assert_int_equal(iohot_init(&h, &c), 0);
    for (int k = 0; k < 3; k++) {
        ios(&h, 7, 4);
        iohot_end_period(&h);
    }
    assert_true(score_of(&h, 7) == 2.3125);
    assert_int_equal(h.ios, 12);
    assert_int_equal(h.periods, 3);
    iohot_fini(&h);
}

/* EQ 2, W = 3: the mean of the last 3 counts, periods before the page came counting 0. */
static void test_eq2(void **state)
{
    (void)state;
    iohot_cfg_t c;
    iohot_cfg_default(&c);
    c.mode = IOHOT_EQ2;
    c.window = 3;
    c.tau_h = 1000.0;
    iohot_t h;
    assert_int_equal(iohot_init(&h, &c), 0);
    iohot_end_period(&h);  /* the windows' slots move before the page arrives */
    static const uint32_t cnt[] = { 3, 6, 9, 0, 0, 12 };
    static const double want[] = { 1.0, 3.0, 6.0, 5.0, 3.0, 4.0 };
    for (int k = 0; k < 6; k++) {
        ios(&h, 0x900, cnt[k]);
        iohot_end_period(&h);
        assert_true(score_of(&h, 0x900) == want[k]);
    }
    /* another page takes the entry: its window starts empty */
    ios(&h, 0x900 + 256, 6);
    iohot_end_period(&h);
    assert_true(score_of(&h, 0x900 + 256) == 2.0);
    assert_false(iohot_score(&h, 0x900, &(double){ 0 }));
    assert_int_equal(h.replacements, 1);
    iohot_fini(&h);
}

/*
 * A planted hot set among many cold pages, I/Os in random order: the pages
 * the table scores above tau_H after `periods` against the true hot set.
 */
static void planted(uint32_t replace, uint32_t cold_every, double *recall, double *precision)
{
    enum { HOT = 32, COLD = 20000, HOT_IOS = 40, PERIODS = 20 };
    iohot_cfg_t c;
    iohot_cfg_default(&c);
    c.low_frames = 0;
    c.watermark = 0;
    c.replace = replace;
    iohot_t h;
    assert_int_equal(iohot_init(&h, &c), 0);
    migsim_rng_t r;
    migsim_rng_seed(&r, 42);
    uint64_t hot[HOT];
    for (int i = 0; i < HOT; i++)
        hot[i] = 100000 + (uint64_t)i * 613;  /* spread over the indexes */
    static uint64_t q[HOT * HOT_IOS + COLD];
    for (int p = 0; p < PERIODS; p++) {
        uint32_t n = 0;
        for (int i = 0; i < HOT; i++)
            for (int k = 0; k < HOT_IOS; k++)
                q[n++] = hot[i];
        for (uint64_t i = 0; i < COLD; i++)
            if (migsim_rng_below(&r, cold_every) == 0)
                q[n++] = 1000000 + i;
        for (uint32_t i = n; i > 1; i--) {  /* shuffle */
            uint32_t j = (uint32_t)migsim_rng_below(&r, i);
            uint64_t t = q[i - 1];
            q[i - 1] = q[j];
            q[j] = t;
        }
        for (uint32_t i = 0; i < n; i++)
            iohot_count(&h, q[i]);
        if (p < PERIODS - 1)
            iohot_end_period(&h);
    }
    /* the last period's scores, as the end of the period computes them */
    iohot_end_period(&h);
    uint32_t found = 0, called = 0;
    for (uint32_t i = 0; i < c.entries; i++) {
        const iohot_entry_t *e = &h.ent[i];
        if (!e->valid || !(e->score > h.tau_H))
            continue;
        called++;
        uint64_t page = (e->tag << h.shift) | i;
        for (int k = 0; k < HOT; k++)
            found += page == hot[k];
    }
    *recall = (double)found / HOT;
    *precision = called ? (double)found / called : 1.0;
    iohot_fini(&h);
}

static void test_recall(void **state)
{
    (void)state;
    static const uint32_t every[] = { 64, 8 };
    static const char *const rule[] = { "recent", "lower_score" };
    double rc[2][2], pr[2][2];
    for (uint32_t r = 0; r < 2; r++)
        for (uint32_t k = 0; k < 2; k++) {
            planted(r, every[k], &rc[r][k], &pr[r][k]);
            printf("hot-page table, replace %s, 32 hot pages among 20000 cold, a cold I/O per "
                   "page every %u periods: recall %.2f precision %.2f\n",
                   rule[r], every[k], rc[r][k], pr[r][k]);
        }
    for (uint32_t r = 0; r < 2; r++)
        for (uint32_t k = 0; k < 2; k++)
            assert_true(pr[r][k] >= 0.9);   /* a cold page never reaches tau_H */
    assert_true(rc[IOHOT_REPLACE_LOWER][0] >= 0.9 && rc[IOHOT_REPLACE_LOWER][1] >= 0.9);
    /* the patent's rule loses hot pages to cold pages of their index */
    assert_true(rc[IOHOT_REPLACE_RECENT][0] < 0.6 && rc[IOHOT_REPLACE_RECENT][1] < 0.2);
}

/* rho = failed / attempted allocations moves the thresholds by the formula of iohot.h. */
static void test_scarcity(void **state)
{
    (void)state;
    iohot_cfg_t c;
    iohot_cfg_default(&c);
    c.low_frames = 3;
    c.watermark = 0;
    c.tau_h = 4.0;
    c.tau_l = 2.0;
    c.gain = 1.5;
    iohot_t h;
    seen_t s;
    start(&h, &c, &s);
    for (uint64_t p = 1; p <= 4; p++)
        ios(&h, p, 20);   /* a = 10 > 4: four ask, three frames */
    iohot_end_period(&h);
    assert_int_equal(s.n, 3);
    assert_int_equal(h.alloc_total, 4);
    assert_int_equal(h.alloc_failed, 1);
    assert_true(h.rho == 0.25);
    assert_true(h.tau_H == 4.0 * (1.0 + 1.5 * 0.25));   /* 5.5 */
    assert_true(h.tau_L == 2.0 * (1.0 - 1.5 * 0.25));   /* 1.25 */
    /* page 4 at a = 5 (mu 0.5, no I/O) is below tau_H = 5.5 now: no attempt, rho = 0 */
    ios(&h, 1, 20), ios(&h, 2, 20), ios(&h, 3, 20);
    iohot_end_period(&h);
    assert_int_equal(h.alloc_total, 4);
    assert_true(h.tau_H == 4.0 && h.tau_L == 2.0);
    /* rho = 1 (every attempt failed) with gain 1.5: tau_L clamps at 0 */
    ios(&h, 1, 20), ios(&h, 2, 20), ios(&h, 3, 20), ios(&h, 4, 40);
    iohot_end_period(&h);
    assert_int_equal(h.alloc_total, 5);
    assert_int_equal(h.alloc_failed, 2);
    assert_true(h.rho == 1.0);
    assert_true(h.tau_H == 10.0 && h.tau_L == 0.0);
    iohot_fini(&h);
}

/*
 * Refused decisions: a refused remap is a failed allocation (its frame stays
 * free, rho counts it), a refused move back leaves the page remapped, asked
 * again at the next period end.
 */
static void test_refused(void **state)
{
    (void)state;
    iohot_cfg_t c;
    iohot_cfg_default(&c);
    c.low_frames = 4;
    c.watermark = 0;
    c.tau_h = 4.0;
    c.tau_l = 2.0;
    c.gain = 1.0;
    iohot_t h;
    seen_t s;
    start(&h, &c, &s);
    s.refuse = 2;             /* pages 0 and 1 refused */
    for (uint64_t p = 0; p < 4; p++)
        ios(&h, p, 20);       /* a = 10 > 4: four ask, two carried out */
    iohot_end_period(&h);
    assert_int_equal(s.n, 4);
    assert_int_equal(h.remaps, 2);
    assert_int_equal(h.alloc_total, 4);
    assert_int_equal(h.alloc_failed, 2);
    assert_int_equal(h.n_free, 2);
    assert_true(h.rho == 0.5 && h.tau_H == 6.0 && h.tau_L == 1.0);
    assert_true(!iohot_is_remapped(&h, 0) && !iohot_is_remapped(&h, 1));
    assert_true(iohot_is_remapped(&h, 2) && iohot_is_remapped(&h, 3));
    /* no I/O: a = 5, 2.5, 1.25, 0.625; page 3's move back is refused from the third period */
    iohot_end_period(&h);     /* a = 5: tau_H 4 again (nothing tried), tau_L 2 */
    iohot_end_period(&h);     /* a = 2.5 >= 2: stay */
    s.refuse = 4;             /* every decision refused now */
    uint32_t before = s.n;
    iohot_end_period(&h);     /* a = 1.25 < 2: pages 2 and 3 asked back, refused */
    assert_int_equal(s.n - before, 2);
    assert_int_equal(h.back_refused, 2);
    assert_true(iohot_is_remapped(&h, 2) && iohot_is_remapped(&h, 3));
    assert_int_equal(h.movebacks, 0);
    s.refuse = 0;
    iohot_end_period(&h);     /* asked again, carried out */
    assert_int_equal(h.movebacks, 2);
    assert_int_equal(h.n_free, 4);
    assert_true(!iohot_is_remapped(&h, 2) && !iohot_is_remapped(&h, 3));
    iohot_fini(&h);
}

/* A page between tau_L and tau_H is neither remapped nor moved back. */
static void test_hysteresis(void **state)
{
    (void)state;
    iohot_cfg_t c;
    iohot_cfg_default(&c);
    c.watermark = 0;
    c.gain = 0.0;
    iohot_t h;
    seen_t s;
    start(&h, &c, &s);
    ios(&h, 5, 10);  /* a(5) = 5: between tau_L 2 and tau_H 8 */
    ios(&h, 6, 20);  /* a(6) = 10: remapped */
    iohot_end_period(&h);
    assert_int_equal(s.n, 1);
    assert_true(s.page[0] == 6 && s.dir[0] == IOHOT_TO_LOW && s.why[0] == IOHOT_HOT);
    assert_false(iohot_is_remapped(&h, 5));
    ios(&h, 5, 5);   /* a(5) = 5 again */
    ios(&h, 6, 0);   /* a(6) = 5: below tau_H, above tau_L: stays remapped */
    iohot_end_period(&h);
    assert_true(score_of(&h, 5) == 5.0 && score_of(&h, 6) == 5.0);
    assert_int_equal(s.n, 1);
    assert_true(iohot_is_remapped(&h, 6) && !iohot_is_remapped(&h, 5));
    iohot_end_period(&h);   /* a(6) = 2.5: stays */
    assert_int_equal(s.n, 1);
    iohot_end_period(&h);   /* a(6) = 1.25 < 2: moved back */
    assert_int_equal(s.n, 2);
    assert_true(s.page[1] == 6 && s.dir[1] == IOHOT_TO_HIGH && s.why[1] == IOHOT_COLD);
    assert_false(iohot_is_remapped(&h, 6));
    assert_int_equal(h.movebacks, 1);
    assert_int_equal(h.n_free, c.low_frames);
    iohot_fini(&h);
}

/* Reclaim: exactly enough random moves back to reach the watermark, the same for a seed. */
static void reclaim_run(uint64_t seed, seen_t *s)
{
    iohot_cfg_t c;
    iohot_cfg_default(&c);
    c.entries = 64;
    c.low_frames = 40;
    c.watermark = 10;
    c.tau_l = 0.5;
    c.seed = seed;
    iohot_t h;
    start(&h, &c, s);
    for (uint64_t p = 0; p < 36; p++)
        ios(&h, p, 20);
    iohot_end_period(&h);
    /* 36 remapped, 4 free: 6 reclaimed to reach 10 free */
    assert_int_equal(h.remaps, 36);
    assert_int_equal(h.reclaims, 6);
    assert_int_equal(h.n_free, 10);
    assert_int_equal(h.n_rm, 30);
    assert_int_equal(s->n, 42);
    for (uint32_t i = 36; i < 42; i++)
        assert_true(s->dir[i] == IOHOT_TO_HIGH && s->why[i] == IOHOT_RECLAIM &&
                    !iohot_is_remapped(&h, s->page[i]));
    /* at the watermark: none more */
    iohot_end_period(&h);
    assert_int_equal(h.reclaims, 6);
    iohot_fini(&h);
}

static void test_reclaim(void **state)
{
    (void)state;
    seen_t a, b, d;
    reclaim_run(7, &a);
    reclaim_run(7, &b);
    reclaim_run(8, &d);
    assert_memory_equal(a.page, b.page, sizeof a.page);
    assert_memory_not_equal(a.page + 36, d.page + 36, 6 * sizeof a.page[0]);
}

/* A remapped page that loses its entry keeps its score (EQ 1) and finds it again. */
static void test_evicted_remapped(void **state)
{
    (void)state;
    iohot_cfg_t c;
    iohot_cfg_default(&c);
    c.watermark = 0;
    iohot_t h;
    assert_int_equal(iohot_init(&h, &c), 0);
    ios(&h, 3, 40);            /* a = 20: remapped */
    iohot_end_period(&h);
    assert_true(iohot_is_remapped(&h, 3));
    iohot_count(&h, 3 + 256);  /* takes the entry */
    assert_int_equal(h.replacements, 1);
    iohot_end_period(&h);      /* page 3 out of the table: a = 10 */
    assert_true(score_of(&h, 3) == 10.0 && iohot_is_remapped(&h, 3));
    ios(&h, 3, 2);             /* back in the table with a = 10, c = 2 */
    iohot_end_period(&h);
    assert_true(score_of(&h, 3) == 6.0);
    assert_true(iohot_is_remapped(&h, 3) && iohot_in_use(&h) == 1);
    iohot_fini(&h);
}

static void test_bad_config(void **state)
{
    (void)state;
    iohot_t h;
    iohot_cfg_t c;
    iohot_cfg_default(&c);
    c.entries = 100;
    assert_int_equal(iohot_init(&h, &c), MIGSIM_ECONFIG);
    assert_non_null(strstr(migsim_errmsg(), "entries"));
    iohot_cfg_default(&c);
    c.tau_l = 8.0;   /* = tau_h: no hysteresis */
    assert_int_equal(iohot_init(&h, &c), MIGSIM_ECONFIG);
    assert_non_null(strstr(migsim_errmsg(), "tau_l"));
    iohot_cfg_default(&c);
    c.mu = 1.0;
    assert_int_equal(iohot_init(&h, &c), MIGSIM_ECONFIG);
    iohot_cfg_default(&c);
    c.window = 0;
    assert_int_equal(iohot_init(&h, &c), MIGSIM_ECONFIG);
    iohot_cfg_default(&c);
    c.watermark = c.low_frames + 1;
    assert_int_equal(iohot_init(&h, &c), MIGSIM_ECONFIG);
    assert_non_null(strstr(migsim_errmsg(), "watermark"));
}

/* Write the migration platform with the components `comps` added (no link) to a file. */
static void platform_with(char *path, size_t cap, const char *stem, const char *comps)
{
    const char *base = migsim_platform_config("migration");
    const char *c = strstr(base, "\"components\": {");
    assert_non_null(c);
    c += strlen("\"components\": {");
    snprintf(path, cap, "/tmp/%s_%d.json", stem, (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%.*s %s, %s", (int)(c - base), base, comps, c);
    fclose(f);
}

/* The decisions a policy is told of, by page address. */
typedef struct policy_s {
    uint64_t addr[64];
    uint32_t dir[64];
    uint32_t n;
} policy_t;

static bool policy(void *ctx, uint64_t page_addr, iohot_dir_t dir)
{
    policy_t *p = ctx;
    if (p->n < 64) {
        p->addr[p->n] = page_addr;
        p->dir[p->n] = dir;
    }
    p->n++;
    return true;
}

/*
 * The component on the migration platform, fed by disk0 alone: 200 blocks
 * of 4 KiB (one page and one transfer each) in sequence over 16 KiB (4
 * pages), one every 300 ns: each page has 8 or 9 I/Os in a 10 us period,
 * a = 4.5 after the first, above tau_h = 4: the 4 pages are remapped at the
 * first period end and never moved back (tau_l = 1) while the I/O lasts.
 */
static void count_done(void *ctx, const migsim_req_t *req, iommu_seen_t what)
{
    (void)req;
    *(uint64_t *)ctx += what == IOMMU_SEEN_DONE;
}

static migsim_sim_t *comp_run(const char *mech, policy_t *p, uint64_t *done, char *path,
                              size_t cap)
{
    platform_with(path, cap, "iohot",
                     "\"hot\": { \"type\": \"iohot\", \"tau_h\": 4, \"tau_l\": 1 }");
    char m[64];
    snprintf(m, sizeof m, "mig.policy=\"%s\"", mech);
    const char *const sets[] = {
        "mig.page_bytes=\"1MiB\"", "mig.subpage_bytes=\"64KiB\"", "mig.start_ps=2000000000",
        "cpu0.gen_count=10", "cpu0.gen_range_bytes=\"1MiB\"", "nic0.gen_count=0",
        "nic0.gen_range_bytes=\"1MiB\"", "nic0.gen_ring_entries=64", "disk0.gen_range_bytes=\"16KiB\"",
        "disk0.gen_block_bytes=4096", "disk0.gen_block_order=\"sequential\"",
        "disk0.gen_count=200", "disk0.gen_gap_ps=300000", m,
    };
    migsim_sim_t *sim = tu_make_ex(NULL, path, NULL, 0, sets, sizeof sets / sizeof sets[0]);
    iohot_comp_t *c = (iohot_comp_t *)migsim_sim_find(sim, "hot");
    assert_non_null(c);
    iohot_set_remap_fn(c, policy, p);
    if (done)   /* the controller's observer slot (granule takes it back at its start) */
        iommu_set_observer((iommu_t *)migsim_sim_find(sim, "iommu0"), count_done, done);
    tu_run(sim);
    return sim;
}

static void test_component(void **state)
{
    (void)state;
    static const char *const mechs[] = { "segmented", "granule" };
    for (int k = 0; k < 2; k++) {
        policy_t p = { 0 };
        char path[256];
        uint64_t done = 0;
        migsim_sim_t *sim = comp_run(mechs[k], &p, k == 0 ? &done : NULL, path, sizeof path);
        if (k == 0)   /* both observers told: 200 blocks of 64 lines */
            assert_int_equal(done, 200 * 64);
        /* granule: the controller observes the IOMMU too (iommu_set_observer); both are told */
        assert_int_equal((uint64_t)tu_stat(sim, "hot.counted_ios"), 200);
        assert_int_equal((uint64_t)tu_stat(sim, "hot.remap_decisions"), 4);
        assert_int_equal((uint64_t)tu_stat(sim, "hot.remapped_peak_pages"), 4);
        /* the I/O ends at 60 us and the run at the migration's end: a halves every period */
        assert_int_equal((uint64_t)tu_stat(sim, "hot.moveback_decisions"), 4);
        assert_int_equal((uint64_t)tu_stat(sim, "hot.remapped_pages"), 0);
        assert_int_equal((uint64_t)tu_stat(sim, "hot.entries_in_use"), 4);
        assert_int_equal((uint64_t)tu_stat(sim, "hot.tau_h_milli_ios"), 4000);
        assert_int_equal((uint64_t)tu_stat(sim, "hot.tau_l_milli_ios"), 1000);
        assert_int_equal(p.n, 8);
        for (uint32_t i = 0; i < 4; i++) {
            assert_int_equal(p.dir[i], IOHOT_TO_LOW);
            assert_int_equal(p.dir[4 + i], IOHOT_TO_HIGH);
            assert_int_equal(p.addr[i] % 4096, 0);
            for (uint32_t j = 0; j < i; j++)
                assert_true(p.addr[j] != p.addr[i]);
            bool back = false;
            for (uint32_t j = 4; j < 8; j++)
                back |= p.addr[j] == p.addr[i];
            assert_true(back);
        }
        migsim_sim_destroy(sim);
        unlink(path);
    }
}

/* Bad configurations of the component are refused at init, naming the path. */
static void test_component_config(void **state)
{
    (void)state;
    char path[256];
    platform_with(path, sizeof path, "iohot_bad",
                     "\"hot\": { \"type\": \"iohot\", \"tau_h\": 2, \"tau_l\": 3 }");
    migsim_sim_t *sim = NULL;
    assert_int_equal(migsim_sim_create_ex(&sim, NULL, path, NULL, 0, 0), MIGSIM_ECONFIG);
    assert_non_null(strstr(migsim_errmsg(), "$.components.hot"));
    assert_non_null(strstr(migsim_errmsg(), "tau_l: 3 must be >= 0 and below tau_h 2"));
    unlink(path);
    platform_with(path, sizeof path, "iohot_bad",
                     "\"hot\": { \"type\": \"iohot\", \"iommu\": \"dram0\" }");
    assert_int_equal(migsim_sim_create_ex(&sim, NULL, path, NULL, 0, 0), MIGSIM_ECONFIG);
    assert_non_null(strstr(migsim_errmsg(), "$.components.hot.iommu: \"dram0\" is a dram, not an iommu"));
    unlink(path);
}

/*
 * bench/configs/bounce.json shortened: a NIC with a 32-bit DMA mask
 * receiving into a 1 MiB ring of 16 pages of 64 KiB above 4 GiB, its driver
 * mapping through the controller's I/O page table, the table remapping hot
 * pages into a 2 MiB low node with the segmented mechanism.
 */
#define BOUNCE MIGSIM_SOURCE_DIR "/bench/configs/bounce.json"

static const char *const BSHORT[] = { "nic0.gen_count=20000", "cpu0.gen_count=20000" };

static migsim_sim_t *bounce_run(const char *const *extra, size_t n)
{
    migsim_sim_t *sim = tu_make_ex(NULL, BOUNCE, BSHORT, 2, extra, n);
    tu_run(sim);
    return sim;
}

static void test_bounce_remap(void **state)
{
    (void)state;
    /*
     * bounce everything: the threshold out of reach, every byte of the NIC
     * through the buffer; the CPU's VA apart from the IOVA, so the oracle must
     * key the copies to the real lines as the NIC's (MIGSIM_REQ_IOADDR)
     */
    const char *const never[] = { "hot.tau_h=1e18", "mig.va=\"16GiB\"" };
    migsim_sim_t *sim = bounce_run(never, 2);
    assert_true(tu_stat(sim, "nic0.bounce_ios") == 20000 && tu_stat(sim, "nic0.direct_ios") == 0);
    assert_true(tu_stat(sim, "nic0.bounce_bytes") == tu_stat(sim, "nic0.issued_bytes"));
    assert_true(tu_stat(sim, "mig.mig_completed") == 0 && tu_stat(sim, "hot.remap_decisions") == 0);
    assert_true(tu_stat(sim, "mig.lost_writes") == 0);
    double all_cpu = tu_stat(sim, "nic0.bounce_cpu_ps");
    migsim_sim_destroy(sim);
    /*
     * remap hot: the ring's 16 pages move low at the first period end; the
     * NIC stops at 4 ms, their scores halve every period, and below tau_L
     * they move back: 32 migrations, none left low
     */
    sim = bounce_run(NULL, 0);
    assert_true(tu_stat(sim, "hot.remap_decisions") == 16 && tu_stat(sim, "hot.remapped_peak_pages") == 16);
    assert_true(tu_stat(sim, "hot.moveback_decisions") == 16);
    assert_true(tu_stat(sim, "mig.mig_completed") == 32 && tu_stat(sim, "mig.mig_bytes") == 32 * 65536);
    assert_true(tu_stat(sim, "mig.node0_resident_pages") == 0);
    assert_true(tu_stat(sim, "hot.remap_refused") == 0 && tu_stat(sim, "hot.moveback_refused") == 0);
    assert_true(tu_stat(sim, "nic0.bounce_ios") + tu_stat(sim, "nic0.direct_ios") == 20000);
    /* bounced: the first period (1 ms) and the pages still waiting for their migration */
    assert_true(tu_stat(sim, "nic0.bounce_ios") < 20000 / 2);
    assert_true(tu_stat(sim, "nic0.bounce_cpu_ps") < all_cpu / 2);
    assert_true(tu_stat(sim, "mig.lost_writes") == 0);
    migsim_sim_destroy(sim);
    /* a driver that keeps each page's first PA writes to the old frames: the oracle sees it */
    const char *const stale[] = { "mig.mapped_stale=true" };
    sim = bounce_run(stale, 1);
    assert_true(tu_stat(sim, "mig.mig_completed") == 32);
    assert_true(tu_stat(sim, "mig.lost_writes") > 1000);
    migsim_sim_destroy(sim);
}

/*
 * The bounce configuration (or the embedded `platform`) with `sets` fails
 * with `want`, at init or when the run starts.
 */
static void refused_ex(const char *platform, const char *const *sets, size_t n, const char *want)
{
    migsim_sim_t *sim = NULL;
    migsim_error_clear();
    int rc = migsim_sim_create_ex(&sim, platform, platform ? NULL : BOUNCE, sets, n, 0);
    if (rc == 0) {
        rc = migsim_sim_run(sim, MIGSIM_TICK_MAX);
        migsim_sim_destroy(sim);
    }
    assert_int_equal(rc, MIGSIM_ECONFIG);
    if (!strstr(migsim_errmsg(), want))
        fail_msg("\"%s\" does not say \"%s\"", migsim_errmsg(), want);
}

static void bounce_refused(const char *set, const char *want)
{
    refused_ex(NULL, &set, 1, want);
}

static void test_bounce_config(void **state)
{
    (void)state;
    bounce_refused("hot.devices=\"\"", "$.components.hot: nothing to observe: name an iommu or devices");
    bounce_refused("hot.devices=\"dram0\"", "$.components.hot.devices: \"dram0\" is a dram, not a dma_dev");
    bounce_refused("hot.page_bytes=4096", "hot.page_bytes: 4096, but \"mig\" moves pages of 65536");
    bounce_refused("hot.low_frames=64", "hot.low_frames: 64, but node 0 of \"mig\" has 32 free frames");
    bounce_refused("hot.high_node=0", "hot: low_node 0 / high_node 0: two different nodes of the 2 of \"mig\"");
    bounce_refused("mig.policy=\"precopy\"", "$.components.mig.mapped_devs: policy precopy sees, "
                   "blocks or redirects I/O as it passes the IOMMU, which a device without one does not");
    bounce_refused("mig.policy=\"granule\"", "mig.policy: granule cannot run the requests of a footprint");
    bounce_refused("mig.mapped_devs=\"dram0\"", "$.components.mig.mapped_devs: \"dram0\" is a dram, not a dma_dev");
    const char *const gr[] = { "mig.policy=\"granule\"", "mig.mapped_devs=\"nic0\"" };
    refused_ex("migration", gr, 2, "$.components.mig.mapped_devs: policy granule sees, blocks or "
               "redirects I/O as it passes the IOMMU, which a device without one does not");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eq1),        cmocka_unit_test(test_eq2),
        cmocka_unit_test(test_recall),     cmocka_unit_test(test_scarcity),
        cmocka_unit_test(test_hysteresis), cmocka_unit_test(test_reclaim),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_evicted_remapped), cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_component),  cmocka_unit_test(test_component_config),
        cmocka_unit_test(test_bounce_remap), cmocka_unit_test(test_bounce_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
