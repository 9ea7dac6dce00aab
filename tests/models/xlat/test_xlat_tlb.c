/*
 * test_xlat_tlb.c - the TLB and the page-walk cache (models/xlat/tlb.c).
 *
 * - directed cases: LRU order in one set, the smallest size winning when
 *   two sizes hit, range invalidation across sizes, sizes without an array;
 * - differential: a random program of lookups, inserts, range
 *   invalidations and flushes against a naive reference written here (per
 *   size and set, a list of entries with last-use timestamps; the victim is
 *   the oldest stamp). The hit/miss sequence, every hit's PA and size, and
 *   the eviction and invalidation counts must be identical. A reference
 *   that evicts the most recent entry (MRU) must be caught;
 * - the page-walk cache: deepest level first, LRU per level, invalidation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migsim/errors.h"
#include "migsim/rng.h"
#include "xlat/xlat.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

static const xlat_tlb_cfg_t small_cfg = {
    .sets = { 16, 8, 4, 2, 1, 1 },
    .ways = { 4, 4, 2, 2, 2, 1 },
};

static void tlb_open(xlat_tlb_t *t, const xlat_tlb_cfg_t *cfg)
{
    xlat_ladder_t l;
    xlat_ladder_default(&l);
    if (xlat_tlb_init(t, &l, cfg))
        fail_msg("xlat_tlb_init: %s", migsim_errmsg());
}

/* ---- directed ------------------------------------------------------------------ */

static void test_lru_in_one_set(void **state)
{
    (void)state;
    xlat_tlb_t t;
    xlat_tlb_cfg_t cfg = { .sets = { 1 }, .ways = { 2 } };
    tlb_open(&t, &cfg);
    xlat_tlb_hit_t h;
    xlat_tlb_insert(&t, 0x1000, 0xa000, 0, XLAT_PTE_V | XLAT_PTE_L);
    xlat_tlb_insert(&t, 0x2000, 0xb000, 0, XLAT_PTE_V | XLAT_PTE_L);
    assert_true(xlat_tlb_lookup(&t, 0x1234, &h));      /* A is now the most recent */
    assert_int_equal(h.pa, 0xa234);
    assert_int_equal(h.size_idx, 0);
    assert_int_equal(h.flags, XLAT_PTE_V | XLAT_PTE_L);
    xlat_tlb_insert(&t, 0x3000, 0xc000, 0, 0);          /* evicts B */
    assert_false(xlat_tlb_lookup(&t, 0x2000, &h));
    assert_true(xlat_tlb_lookup(&t, 0x1000, &h));
    assert_true(xlat_tlb_lookup(&t, 0x3000, &h));
    assert_int_equal(t.st_evictions, 1);
    /* re-inserting a present page refreshes it in place: no eviction */
    xlat_tlb_insert(&t, 0x1000, 0xd000, 0, 0);
    assert_int_equal(t.st_evictions, 1);
    assert_true(xlat_tlb_lookup(&t, 0x1008, &h));
    assert_int_equal(h.pa, 0xd008);
    assert_int_equal(t.st_hits, 4);
    assert_int_equal(t.st_misses, 1);
    assert_int_equal(t.st_inserts, 4);
    /* a size with no array drops its inserts */
    xlat_tlb_insert(&t, 0, 0, 3, 0);
    assert_int_equal(t.st_drops, 1);
    xlat_tlb_fini(&t);
    /* bad configurations */
    xlat_ladder_t l;
    xlat_ladder_default(&l);
    xlat_tlb_cfg_t bad = { .sets = { 3 }, .ways = { 2 } };
    assert_int_equal(xlat_tlb_init(&t, &l, &bad), MIGSIM_ECONFIG);
    xlat_tlb_cfg_t bad2 = { .sets = { 4 }, .ways = { 256 } };
    assert_int_equal(xlat_tlb_init(&t, &l, &bad2), MIGSIM_ECONFIG);
}

static void test_sizes_and_invalidation(void **state)
{
    (void)state;
    xlat_tlb_t t;
    tlb_open(&t, &small_cfg);
    xlat_tlb_hit_t h;
    /* a 4 GiB entry and a 64 KiB entry inside it: the 64 KiB one wins where both cover */
    xlat_tlb_insert(&t, 4 * GiB, 0x100000000ull * 16, 5, 0);
    xlat_tlb_insert(&t, 4 * GiB + 818 * MiB, 0x2000000000ull + 818 * MiB, 1, 0);
    assert_true(xlat_tlb_lookup(&t, 4 * GiB + 818 * MiB + 0x123, &h));
    assert_int_equal(h.size_idx, 1);
    assert_int_equal(h.pa, 0x2000000000ull + 818 * MiB + 0x123);
    assert_true(xlat_tlb_lookup(&t, 4 * GiB + 819 * MiB, &h));
    assert_int_equal(h.size_idx, 5);
    assert_int_equal(h.pa, 0x1000000000ull + 819 * MiB);
    assert_int_equal(t.st_hits_size[1], 1);
    assert_int_equal(t.st_hits_size[5], 1);
    /* invalidating the migrating subpage removes the 64K entry and the 4G entry over it */
    xlat_tlb_insert(&t, 0x5000, 0x9000, 0, 0);
    assert_int_equal(xlat_tlb_invalidate_range(&t, 4 * GiB + 818 * MiB, 64 * KiB), 2);
    assert_false(xlat_tlb_lookup(&t, 4 * GiB + 5, &h));
    assert_true(xlat_tlb_lookup(&t, 0x5000, &h));
    /* a range covering many pages scans whole arrays */
    for (uint64_t i = 0; i < 64; i++)
        xlat_tlb_insert(&t, i * 4 * KiB, i * 4 * KiB, 0, 0);
    assert_int_equal(xlat_tlb_invalidate_range(&t, 0, 1 * GiB), 64);  /* 16 sets x 4 ways */
    xlat_tlb_insert(&t, 0, 0, 2, 0);
    xlat_tlb_flush_all(&t);
    assert_false(xlat_tlb_lookup(&t, 0, &h));
    assert_int_equal(t.st_flushes, 1);
    assert_int_equal(t.st_invalidations, 2 + 64 + 1);
    /* a range reaching the top of the address space */
    xlat_tlb_insert(&t, 0xfffffffffffff000ull, 0, 0, 0);
    assert_int_equal(xlat_tlb_invalidate_range(&t, 0xffffffffffff0000ull, 0x10000), 1);
    xlat_tlb_fini(&t);
}

/* ---- the naive reference ------------------------------------------------------- */

#define REF_WAYS_MAX 8

typedef struct ref_ent_s { uint64_t vpn, pfn, stamp; uint16_t flags; } ref_ent_t;

typedef struct ref_tlb_s {
    xlat_ladder_t l;
    xlat_tlb_cfg_t cfg;
    ref_ent_t *sets[XLAT_MAX_SIZES];   /* cfg.sets[k] x REF_WAYS_MAX slots */
    uint32_t *count[XLAT_MAX_SIZES];   /* entries per set */
    uint64_t now;                      /* timestamp source */
    uint64_t evictions, invalidations;
    int bug;                           /* 1: evict the most recent entry */
} ref_tlb_t;

static void ref_open(ref_tlb_t *r, const xlat_tlb_cfg_t *cfg, int bug)
{
    memset(r, 0, sizeof *r);
    xlat_ladder_default(&r->l);
    r->cfg = *cfg;
    r->bug = bug;
    for (uint32_t k = 0; k < r->l.n; k++) {
        r->sets[k] = calloc((size_t)cfg->sets[k] * REF_WAYS_MAX + 1, sizeof(ref_ent_t));
        r->count[k] = calloc(cfg->sets[k] + 1, sizeof(uint32_t));
    }
}

static void ref_close(ref_tlb_t *r)
{
    for (uint32_t k = 0; k < r->l.n; k++) {
        free(r->sets[k]);
        free(r->count[k]);
    }
}

static bool ref_lookup(ref_tlb_t *r, uint64_t va, uint64_t *pa, uint32_t *size)
{
    for (uint32_t k = 0; k < r->l.n; k++) {
        if (!r->cfg.sets[k] || !r->cfg.ways[k])
            continue;
        uint64_t vpn = va >> r->l.log2[k];
        uint64_t s = vpn % r->cfg.sets[k];
        ref_ent_t *e = r->sets[k] + s * REF_WAYS_MAX;
        for (uint32_t i = 0; i < r->count[k][s]; i++)
            if (e[i].vpn == vpn) {
                e[i].stamp = ++r->now;
                *pa = (e[i].pfn << r->l.log2[k]) + va % (1ull << r->l.log2[k]);
                *size = k;
                return true;
            }
    }
    return false;
}

static void ref_insert(ref_tlb_t *r, uint64_t va, uint64_t pa, uint32_t k, uint16_t flags)
{
    if (!r->cfg.sets[k] || !r->cfg.ways[k])
        return;
    uint64_t vpn = va >> r->l.log2[k];
    uint64_t s = vpn % r->cfg.sets[k];
    ref_ent_t *e = r->sets[k] + s * REF_WAYS_MAX;
    uint32_t *n = &r->count[k][s];
    for (uint32_t i = 0; i < *n; i++)
        if (e[i].vpn == vpn) {
            e[i] = (ref_ent_t){ vpn, pa >> r->l.log2[k], ++r->now, flags };
            return;
        }
    if (*n < r->cfg.ways[k]) {
        e[(*n)++] = (ref_ent_t){ vpn, pa >> r->l.log2[k], ++r->now, flags };
        return;
    }
    uint32_t v = 0;
    for (uint32_t i = 1; i < *n; i++)
        if (r->bug == 1 ? e[i].stamp > e[v].stamp : e[i].stamp < e[v].stamp)
            v = i;
    e[v] = (ref_ent_t){ vpn, pa >> r->l.log2[k], ++r->now, flags };
    r->evictions++;
}

static uint64_t ref_invalidate(ref_tlb_t *r, uint64_t va, uint64_t len)
{
    uint64_t n = 0;
    for (uint32_t k = 0; k < r->l.n; k++) {
        uint64_t sz = 1ull << r->l.log2[k];
        for (uint32_t s = 0; s < r->cfg.sets[k]; s++) {
            ref_ent_t *e = r->sets[k] + (size_t)s * REF_WAYS_MAX;
            uint32_t *c = &r->count[k][s];
            for (uint32_t i = 0; i < *c;) {
                uint64_t lo = e[i].vpn * sz;
                if (lo < va + len && va < lo + sz) {
                    e[i] = e[--*c];
                    n++;
                } else {
                    i++;
                }
            }
        }
    }
    r->invalidations += n;
    return n;
}

/* ---- the random program ---------------------------------------------------------- */

/* Mismatches between the TLB and the reference over `nops` operations. */
static long run_program(uint64_t seed, int nops, int bug, const xlat_tlb_cfg_t *cfg, bool verbose)
{
    xlat_tlb_t t;
    tlb_open(&t, cfg);
    ref_tlb_t r;
    ref_open(&r, cfg, bug);
    migsim_rng_t g;
    migsim_rng_seed(&g, seed);
    uint64_t hot[64];
    for (int i = 0; i < 64; i++)
        hot[i] = migsim_rng_next(&g) % (64 * GiB);
    long bad = 0;
    uint64_t hits = 0;
    for (int op = 0; op < nops; op++) {
        uint64_t va = migsim_rng_next(&g) % 4 ? hot[migsim_rng_next(&g) % 64] + migsim_rng_next(&g) % (256 * KiB)
                                              : migsim_rng_next(&g) % (64 * GiB);
        uint32_t what = (uint32_t)(migsim_rng_next(&g) % 1000);
        if (what < 600) {
            xlat_tlb_hit_t h;
            uint64_t pa = 0;
            uint32_t size = 0;
            bool got = xlat_tlb_lookup(&t, va, &h);
            bool want = ref_lookup(&r, va, &pa, &size);
            hits += got;
            if (got != want || (got && (h.pa != pa || h.size_idx != size))) {
                if (verbose && bad < 5)
                    print_message("op %d: lookup 0x%llx hit %d want %d\n", op, (unsigned long long)va, got, want);
                bad++;
            }
        } else if (what < 950) {
            uint32_t k = (uint32_t)(migsim_rng_next(&g) % 6);
            uint64_t sz = 1ull << r.l.log2[k];
            uint64_t pa = (migsim_rng_next(&g) % (1ull << 40)) & ~(sz - 1);
            uint16_t flags = (uint16_t)(migsim_rng_next(&g) & 0xf);
            xlat_tlb_insert(&t, va, pa, k, flags);
            ref_insert(&r, va, pa, k, flags);
        } else if (what < 998) {
            uint64_t len = migsim_rng_next(&g) % 3 == 0 ? migsim_rng_next(&g) % (4 * GiB) + 1
                                                        : migsim_rng_next(&g) % (128 * KiB) + 1;
            uint64_t a = xlat_tlb_invalidate_range(&t, va, len), b = ref_invalidate(&r, va, len);
            if (a != b)
                bad++;
        } else {
            xlat_tlb_flush_all(&t);
            ref_invalidate(&r, 0, UINT64_MAX);
        }
        if (t.st_evictions != r.evictions || t.st_invalidations != r.invalidations) {
            if (verbose && bad < 5)
                print_message("op %d: evictions %llu/%llu invalidations %llu/%llu\n", op,
                              (unsigned long long)t.st_evictions, (unsigned long long)r.evictions,
                              (unsigned long long)t.st_invalidations, (unsigned long long)r.invalidations);
            bad++;
            r.evictions = t.st_evictions; /* report each divergence once */
            r.invalidations = t.st_invalidations;
        }
    }
    if (verbose)
        print_message("  seed %llu: %llu lookups, %llu hits, %llu evictions, %llu invalidations\n",
                      (unsigned long long)seed, (unsigned long long)t.st_lookups, (unsigned long long)hits,
                      (unsigned long long)t.st_evictions, (unsigned long long)t.st_invalidations);
    xlat_tlb_fini(&t);
    ref_close(&r);
    return bad;
}

static void test_random_program(void **state)
{
    (void)state;
    const xlat_tlb_cfg_t big = { .sets = { 64, 16, 8, 4, 2, 1 }, .ways = { 8, 4, 4, 2, 2, 4 } };
    for (uint64_t seed = 1; seed <= 4; seed++) {
        assert_int_equal(run_program(seed, 50000, 0, &small_cfg, seed == 1), 0);
        assert_int_equal(run_program(seed, 50000, 0, &big, seed == 1), 0);
    }
}

static void test_planted_mru_caught(void **state)
{
    (void)state;
    long bad = run_program(1, 50000, 1, &small_cfg, false);
    print_message("  reference evicting the MRU entry: %ld mismatches\n", bad);
    assert_true(bad > 0);
}

/* ---- page-walk cache --------------------------------------------------------------- */

static void test_pwc(void **state)
{
    (void)state;
    xlat_ladder_t l;
    xlat_ladder_default(&l);
    xlat_pwc_t p;
    uint32_t too_many[XLAT_MAX_SIZES] = { 0, 65 };
    assert_int_equal(xlat_pwc_init(&p, &l, too_many), MIGSIM_ECONFIG);
    uint32_t ent[XLAT_MAX_SIZES] = { 0, 2, 2, 2, 2, 2 };
    assert_int_equal(xlat_pwc_init(&p, &l, ent), 0);
    uint64_t pte;
    const uint64_t va = 5 * GiB + 300 * MiB + 0x12345;
    assert_int_equal(xlat_pwc_lookup(&p, va, &pte), -1);
    /* a walk fills the non-leaf PTEs of levels 5..1 */
    for (uint32_t k = 5; k >= 1; k--)
        xlat_pwc_insert(&p, k, va, 0x100000ull * k | XLAT_PTE_V);
    assert_int_equal(xlat_pwc_lookup(&p, va, &pte), 1);         /* the deepest */
    assert_int_equal(pte, 0x100000ull | XLAT_PTE_V);
    /* another 4K page of the same 64K region (what a level-1 PTE's table maps): level 1 */
    assert_int_equal(xlat_pwc_lookup(&p, va + 4 * KiB, &pte), 1);
    /* another 64K region of the same 1M region: level 2 */
    assert_int_equal(xlat_pwc_lookup(&p, va + 64 * KiB, &pte), 2);
    assert_int_equal(pte, 0x200000ull | XLAT_PTE_V);
    /* another 4G region: nothing */
    assert_int_equal(xlat_pwc_lookup(&p, va + 8 * GiB, &pte), -1);
    /* LRU per level: two more level-1 entries push out the least recent */
    xlat_pwc_insert(&p, 1, va + 64 * KiB, 0xa000 | XLAT_PTE_V);
    assert_int_equal(xlat_pwc_lookup(&p, va, &pte), 1);         /* va's entry is now the most recent */
    xlat_pwc_insert(&p, 1, va + 128 * KiB, 0xb000 | XLAT_PTE_V); /* evicts va + 64K's */
    assert_int_equal(xlat_pwc_lookup(&p, va + 64 * KiB, &pte), 2);
    assert_int_equal(xlat_pwc_lookup(&p, va, &pte), 1);
    assert_int_equal(xlat_pwc_lookup(&p, va + 128 * KiB, &pte), 1);
    assert_int_equal(pte, 0xb000 | XLAT_PTE_V);
    /* invalidating va's 4K page removes every entry on its path (levels 1..5) */
    assert_int_equal(xlat_pwc_invalidate_range(&p, va, 4 * KiB), 5);
    assert_int_equal(xlat_pwc_lookup(&p, va, &pte), -1);
    assert_int_equal(xlat_pwc_lookup(&p, va + 128 * KiB, &pte), 1); /* another 64K region stays */
    xlat_pwc_flush_all(&p);
    assert_int_equal(xlat_pwc_lookup(&p, va + 128 * KiB, &pte), -1);
    assert_int_equal(p.st_hits[1], 6);
    assert_int_equal(p.st_hits[2], 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lru_in_one_set),
        cmocka_unit_test(test_sizes_and_invalidation),
        cmocka_unit_test(test_random_program),
        cmocka_unit_test(test_planted_mru_caught),
        cmocka_unit_test(test_pwc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
