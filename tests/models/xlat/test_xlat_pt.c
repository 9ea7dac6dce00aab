/*
 * test_xlat_pt.c - the page-size ladder and the OS-side page-table builder
 * (models/xlat/pt.c; models/MIGRATION.md "Page tables").
 *
 * - ladder validation: each bad ladder is refused with a message;
 * - differential: a random program of 10,000 builder operations (map with
 *   and without replace, unmap, unmap_range, set_valid, retarget, split,
 *   lookup, count_leaves) runs against the real tree in simulated memory
 *   and a naive list of (va, pa, size, flags) mappings in lockstep; every
 *   result must agree, and the number of tables in use must equal the
 *   number of distinct table regions the list implies (so empty tables are
 *   freed). A reference with a planted off-by-one must be caught;
 * - table-region exhaustion is an error that leaves the tree unchanged, and
 *   freed tables are reused;
 * - US 9,081,764 FIG. 2 block 202: a 4 GiB page as 65,536 64 KiB PTEs;
 *   FIG. 4 item 450: the mixed-size mapping at migration point 818 MiB,
 *   counted against a dynamic program written here.
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
#include "migsim/store.h"
#include "xlat/xlat.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* ---- fixture ----------------------------------------------------------------- */

typedef struct fx_s {
    migsim_store_t store;
    xlat_pt_t pt;
} fx_t;

static void fx_open(fx_t *f, uint64_t base, uint64_t bytes, uint64_t align)
{
    migsim_store_init(&f->store);
    xlat_pt_cfg_t cfg;
    memset(&cfg, 0, sizeof cfg);
    xlat_ladder_default(&cfg.ladder);
    cfg.mem = migsim_fmem_of_store(&f->store);
    cfg.pt_base = base;
    cfg.pt_bytes = bytes;
    cfg.table_align_bytes = align;
    int rc = xlat_pt_create(&f->pt, &cfg);
    if (rc)
        fail_msg("xlat_pt_create: %s", migsim_errmsg());
}

static void fx_close(fx_t *f) { migsim_store_fini(&f->store); }

/* ---- ladder -------------------------------------------------------------------- */

static void test_ladder(void **state)
{
    (void)state;
    xlat_ladder_t l;
    xlat_ladder_default(&l);
    assert_int_equal(xlat_ladder_validate(&l), 0);
    assert_int_equal(l.n, 6);
    assert_int_equal(xlat_level_entries(&l, 5), 1u << 16);
    for (uint32_t k = 0; k < 5; k++)
        assert_int_equal(xlat_level_entries(&l, k), 16);
    assert_int_equal(xlat_ladder_index(&l, 64 * KiB), 1);
    assert_int_equal(xlat_ladder_index(&l, 8 * KiB), -1);

    const uint64_t ok[] = { 4 * KiB, 2 * MiB, 1 * GiB };
    assert_int_equal(xlat_ladder_from_sizes(&l, ok, 3, 48), 0);
    assert_int_equal(xlat_level_entries(&l, 0), 512);
    assert_int_equal(xlat_level_entries(&l, 2), 1u << 18);

    static const struct { uint64_t s[3]; uint32_t n, va; const char *msg; } bad[] = {
        { { 4 * KiB, 3 * MiB, 1 * GiB }, 3, 48, "not a power of two" },
        { { 2 * KiB, 2 * MiB, 1 * GiB }, 3, 48, "below 4 KiB" },
        { { 4 * KiB, 4 * KiB, 1 * GiB }, 3, 48, "not larger" },
        { { 4 * KiB, 2 * MiB, 1 * MiB }, 3, 48, "not larger" },
        { { 4 * KiB, 2 * MiB, 1 * GiB }, 3, 29, "exceeds 2^va_bits" },
        { { 4 * KiB, 2 * MiB, 1 * GiB }, 3, 58, "va_bits" },
        { { 4 * KiB, 2 * MiB, 1 * GiB }, 0, 48, "sizes" },
        { { 4 * KiB, 2 * MiB, 1 * GiB }, 9, 48, "sizes" },
    };
    uint64_t nine[9] = { 4 * KiB, 8 * KiB, 16 * KiB, 32 * KiB, 64 * KiB, 128 * KiB, 256 * KiB,
                         512 * KiB, 1 * MiB };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const uint64_t *s = bad[i].n == 9 ? nine : bad[i].s;
        migsim_error_clear();
        assert_int_equal(xlat_ladder_from_sizes(&l, s, bad[i].n, bad[i].va), MIGSIM_ECONFIG);
        if (!strstr(migsim_errmsg(), bad[i].msg))
            fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, migsim_errmsg(), bad[i].msg);
    }
    /* a hand-filled ladder is checked too */
    xlat_ladder_default(&l);
    l.log2[3] = 20;
    assert_int_equal(xlat_ladder_validate(&l), MIGSIM_ECONFIG);
}

/* ---- the naive reference ------------------------------------------------------ */

#define REF_MAX 200000

typedef struct ref_map_s {
    uint64_t va, pa;
    uint32_t k;
    uint64_t flags;      /* PTE bits 0..11 */
} ref_map_t;

typedef struct ref_s {
    const xlat_ladder_t *l;
    ref_map_t *m;
    size_t n;
    int bug;             /* 1: off-by-one in the containment test */
} ref_t;

static uint64_t ref_sz(const ref_t *r, uint32_t k) { return 1ull << r->l->log2[k]; }

static bool ref_contains(const ref_t *r, const ref_map_t *m, uint64_t va)
{
    uint64_t end = m->va + ref_sz(r, m->k);
    return va >= m->va && (r->bug == 1 ? va <= end : va < end);
}

static bool ref_overlaps(const ref_t *r, const ref_map_t *m, uint64_t lo, uint64_t len)
{
    return m->va < lo + len && lo < m->va + ref_sz(r, m->k);
}

static long ref_find(const ref_t *r, uint64_t va)
{
    for (size_t i = 0; i < r->n; i++)
        if (ref_contains(r, &r->m[i], va))
            return (long)i;
    return -1;
}

static void ref_del(ref_t *r, size_t i) { r->m[i] = r->m[--r->n]; }

static int ref_map(ref_t *r, uint64_t va, uint64_t pa, uint32_t k, unsigned opts)
{
    bool conflict = false;
    for (size_t i = 0; i < r->n; i++)
        if (ref_overlaps(r, &r->m[i], va, ref_sz(r, k)) && r->m[i].k != k)
            conflict = true;
    if (conflict && !(opts & XLAT_MAP_REPLACE))
        return MIGSIM_ESTATE;
    for (size_t i = 0; i < r->n;)
        if (ref_overlaps(r, &r->m[i], va, ref_sz(r, k)))
            ref_del(r, i);
        else
            i++;
    assert_true(r->n < REF_MAX);
    uint64_t f = XLAT_PTE_L | (opts & XLAT_MAP_INVALID ? 0 : XLAT_PTE_V) |
                 (opts & XLAT_MAP_ACCESSED ? XLAT_PTE_A : 0) | (opts & XLAT_MAP_DIRTY ? XLAT_PTE_D : 0);
    r->m[r->n++] = (ref_map_t){ va, pa, k, f };
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Tables the reference implies: the top, plus one per (level j, size_{j+1} region) holding a leaf of size <= j. */
static uint64_t ref_tables(const ref_t *r)
{
    uint64_t *keys = malloc(sizeof(uint64_t) * (r->n * r->l->n + 1));
    size_t nk = 0;
    for (size_t i = 0; i < r->n; i++)
        for (uint32_t j = r->m[i].k; j + 1 < r->l->n; j++)
            keys[nk++] = (uint64_t)j << 56 | r->m[i].va >> r->l->log2[j + 1];
    qsort(keys, nk, sizeof *keys, cmp_u64);
    uint64_t distinct = 0;
    for (size_t i = 0; i < nk; i++)
        distinct += i == 0 || keys[i] != keys[i - 1];
    free(keys);
    return distinct + 1;
}

/* ---- the random program -------------------------------------------------------- */

#define WIN_BITS 35   /* 32 GiB of VA: 8 top entries, so mappings collide often */

static uint32_t rnd_size(migsim_rng_t *g)
{
    static const uint32_t w[6] = { 40, 25, 15, 10, 6, 4 }; /* percent per size */
    uint64_t x = migsim_rng_next(g) % 100, acc = 0;
    for (uint32_t k = 0; k < 6; k++) {
        acc += w[k];
        if (x < acc)
            return k;
    }
    return 5;
}

/* Mismatches between the tree and the reference over `nops` operations. */
static long run_program(uint64_t seed, int nops, int bug, bool verbose)
{
    fx_t f;
    fx_open(&f, 1ull << 40, 256 * MiB, 0);
    const xlat_ladder_t *l = &f.pt.ladder;
    ref_t r = { l, calloc(REF_MAX, sizeof(ref_map_t)), 0, bug };
    migsim_rng_t g;
    migsim_rng_seed(&g, seed);
    long bad = 0;
    int cur_op = -1;
    uint64_t nmap_ok = 0, nmap_conflict = 0, nmap_replace = 0, nleaf_ops = 0;
#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            if (verbose && bad < 5) {                                      \
                print_message("op %d: ", cur_op);                          \
                print_message(__VA_ARGS__);                                \
                print_message("\n");                                       \
            }                                                              \
            bad++;                                                         \
        }                                                                  \
    } while (0)
    for (int op = 0; op < nops; op++) {
        cur_op = op;
        uint32_t k = rnd_size(&g);
        uint64_t sz = 1ull << l->log2[k];
        uint64_t va = (migsim_rng_next(&g) % (1ull << WIN_BITS)) & ~(sz - 1);
        uint64_t pa = (migsim_rng_next(&g) % (1ull << 44)) & ~(sz - 1);
        uint64_t any = migsim_rng_next(&g) % (1ull << WIN_BITS);  /* an unaligned probe */
        /* bias probes toward mapped pages so the operations that need a leaf find one */
        if (r.n && migsim_rng_next(&g) % 4 != 0) {
            const ref_map_t *m = &r.m[migsim_rng_next(&g) % r.n];
            switch (migsim_rng_next(&g) % 4) {
            case 0: any = m->va; break;                      /* first byte of a page */
            case 1: any = m->va + ref_sz(&r, m->k); break;   /* first byte after it */
            default: any = m->va + migsim_rng_next(&g) % ref_sz(&r, m->k); break;
            }
        }
        uint32_t what = (uint32_t)(migsim_rng_next(&g) % 100);
        if (what < 40) {
            unsigned opts = 0;
            if (migsim_rng_next(&g) % 3 == 0)
                opts |= XLAT_MAP_REPLACE;
            if (migsim_rng_next(&g) % 5 == 0)
                opts |= XLAT_MAP_INVALID;
            if (migsim_rng_next(&g) % 4 == 0)
                opts |= XLAT_MAP_ACCESSED;
            if (migsim_rng_next(&g) % 6 == 0)
                opts |= XLAT_MAP_DIRTY;
            int got = xlat_pt_map(&f.pt, va, pa, k, opts);
            size_t before = r.n;
            int want = ref_map(&r, va, pa, k, opts);
            nmap_ok += want == 0;
            nmap_conflict += want == MIGSIM_ESTATE;
            nmap_replace += want == 0 && r.n <= before;
            CHECK(got == want, "map 0x%llx size %u opts %u: got %d want %d", (unsigned long long)va,
                  k, opts, got, want);
        } else if (what < 50) {
            long i = ref_find(&r, any);
            int want = i < 0 ? MIGSIM_ENOENT : (int)r.m[i].k;
            if (i >= 0)
                ref_del(&r, (size_t)i);
            int got = xlat_pt_unmap(&f.pt, any);
            CHECK(got == want, "unmap 0x%llx: got %d want %d", (unsigned long long)any, got, want);
            nleaf_ops += want >= 0;
        } else if (what < 53) {
            uint64_t len = (migsim_rng_next(&g) % (1ull << 30)) + 1;
            int64_t want = 0;
            for (size_t i = 0; i < r.n;)
                if (ref_overlaps(&r, &r.m[i], any, len))
                    ref_del(&r, i), want++;
                else
                    i++;
            int64_t got = xlat_pt_unmap_range(&f.pt, any, len);
            CHECK(got == want, "unmap_range: got %lld want %lld", (long long)got, (long long)want);
        } else if (what < 61) {
            bool v = migsim_rng_next(&g) & 1;
            long i = ref_find(&r, any);
            int want = MIGSIM_ENOENT;
            if (i >= 0) {
                want = (r.m[i].flags & XLAT_PTE_V) != 0;
                r.m[i].flags = v ? r.m[i].flags | XLAT_PTE_V : r.m[i].flags & ~XLAT_PTE_V;
            }
            int got = xlat_pt_set_valid(&f.pt, any, v);
            CHECK(got == want, "set_valid: got %d want %d", got, want);
        } else if (what < 67) {
            long i = ref_find(&r, any);
            uint64_t npa = i >= 0 ? pa & ~(ref_sz(&r, r.m[i].k) - 1) : pa;
            int want = MIGSIM_ENOENT;
            if (i >= 0) {
                r.m[i].pa = npa;
                want = 0;
            }
            int got = xlat_pt_retarget(&f.pt, any, npa);
            CHECK(got == want, "retarget: got %d want %d", got, want);
        } else if (what < 70) {
            long i = ref_find(&r, any);
            int want = MIGSIM_ENOENT;
            if (i >= 0 && r.m[i].k == 0) {
                want = MIGSIM_EINVAL;
            } else if (i >= 0) {
                ref_map_t m = r.m[i];
                ref_del(&r, (size_t)i);
                uint64_t sub = ref_sz(&r, m.k - 1);
                for (uint64_t o = 0; o < ref_sz(&r, m.k); o += sub)
                    r.m[r.n++] = (ref_map_t){ m.va + o, m.pa + o, m.k - 1, m.flags };
                want = 0;
            }
            int got = xlat_pt_split(&f.pt, any);
            CHECK(got == want, "split: got %d want %d", got, want);
        } else if (what < 90) {
            xlat_map_t mp;
            bool got = xlat_pt_lookup(&f.pt, any, &mp);
            long i = ref_find(&r, any);
            CHECK(got == (i >= 0), "lookup 0x%llx: found %d want %d", (unsigned long long)any, got,
                  i >= 0);
            if (got && i >= 0) {
                CHECK(mp.pa == r.m[i].pa && mp.size_idx == r.m[i].k && mp.va == r.m[i].va &&
                          (mp.pte & XLAT_PTE_FLAGS) == r.m[i].flags,
                      "lookup 0x%llx: pa 0x%llx size %u flags 0x%llx, want 0x%llx %u 0x%llx",
                      (unsigned long long)any, (unsigned long long)mp.pa, mp.size_idx,
                      (unsigned long long)(mp.pte & XLAT_PTE_FLAGS), (unsigned long long)r.m[i].pa,
                      r.m[i].k, (unsigned long long)r.m[i].flags);
            }
        } else {
            uint64_t len = (migsim_rng_next(&g) % (4ull << 30)) + 1;
            uint64_t want = 0;
            for (size_t i = 0; i < r.n; i++)
                want += ref_overlaps(&r, &r.m[i], any, len);
            uint64_t got = xlat_pt_count_leaves(&f.pt, any, len);
            CHECK(got == want, "count_leaves: got %llu want %llu", (unsigned long long)got,
                  (unsigned long long)want);
        }
        if (op % 500 == 0) {
            uint64_t want = ref_tables(&r);
            CHECK(f.pt.tables_in_use == want, "tables in use %llu, the mappings need %llu",
                  (unsigned long long)f.pt.tables_in_use, (unsigned long long)want);
        }
    }
    /* every reference mapping is in the tree, and nothing else is */
    for (size_t i = 0; i < r.n; i++) {
        xlat_map_t mp;
        bool got = xlat_pt_lookup(&f.pt, r.m[i].va + ref_sz(&r, r.m[i].k) - 1, &mp);
        CHECK(got && mp.pa == r.m[i].pa && mp.size_idx == r.m[i].k, "final lookup %zu", i);
    }
    CHECK(xlat_pt_count_leaves(&f.pt, 0, 1ull << WIN_BITS) == r.n, "final count");
    CHECK(f.pt.tables_in_use == ref_tables(&r), "final tables");
    if (verbose)
        print_message("  maps: %llu done (%llu replacing), %llu refused as conflicts; %llu unmaps found a leaf\n",
                      (unsigned long long)nmap_ok, (unsigned long long)nmap_replace,
                      (unsigned long long)nmap_conflict, (unsigned long long)nleaf_ops);
    if (verbose)
        print_message("  %zu mappings, %llu tables in use (peak %llu), %llu PTE writes\n", r.n,
                      (unsigned long long)f.pt.tables_in_use, (unsigned long long)f.pt.tables_peak,
                      (unsigned long long)f.pt.pte_writes);
    /* unmapping everything gives every table back */
    int64_t gone = xlat_pt_unmap_range(&f.pt, 0, 1ull << WIN_BITS);
    CHECK(gone == (int64_t)r.n, "unmap all");
    CHECK(f.pt.tables_in_use == 1, "tables after unmap all: %llu", (unsigned long long)f.pt.tables_in_use);
#undef CHECK
    free(r.m);
    fx_close(&f);
    return bad;
}

static void test_random_program(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        long bad = run_program(seed, 10000, 0, true);
        assert_int_equal(bad, 0);
    }
}

static void test_planted_bug_caught(void **state)
{
    (void)state;
    long bad = run_program(1, 10000, 1, false);
    print_message("  planted off-by-one in the reference: %ld mismatches\n", bad);
    assert_true(bad > 0);
}

/* ---- argument errors and conflicts --------------------------------------------- */

static void test_map_errors(void **state)
{
    (void)state;
    fx_t f;
    fx_open(&f, 0x100000000ull, 64 * MiB, 0);
    assert_int_equal(xlat_pt_map(&f.pt, 0x1000, 0x2000, 1, 0), MIGSIM_EINVAL);   /* misaligned 64K */
    assert_int_equal(xlat_pt_map(&f.pt, 0, 0, 6, 0), MIGSIM_EINVAL);             /* no such size */
    assert_int_equal(xlat_pt_map(&f.pt, 1ull << 48, 0, 0, 0), MIGSIM_EINVAL);    /* beyond va_bits */
    assert_int_equal(xlat_pt_map(&f.pt, 16 * MiB, 0x40000000, 3, 0), 0);
    /* a 4K page inside the 16M page, and a 256M page over it, both conflict */
    assert_int_equal(xlat_pt_map(&f.pt, 16 * MiB + 4 * KiB, 0, 0, 0), MIGSIM_ESTATE);
    assert_int_equal(xlat_pt_map(&f.pt, 0, 0, 4, 0), MIGSIM_ESTATE);
    assert_int_equal(xlat_pt_count_leaves(&f.pt, 0, 4 * GiB), 1);
    /* the same shape is rewritten */
    assert_int_equal(xlat_pt_map(&f.pt, 16 * MiB, 0x80000000, 3, 0), 0);
    xlat_map_t m;
    assert_true(xlat_pt_lookup(&f.pt, 16 * MiB + 12345, &m));
    assert_int_equal(m.pa, 0x80000000);
    /* retarget must keep the alignment */
    assert_int_equal(xlat_pt_retarget(&f.pt, 16 * MiB, 0x80001000), MIGSIM_EINVAL);
    /* split then unmap one piece: the neighbours stay */
    assert_int_equal(xlat_pt_split(&f.pt, 16 * MiB), 0);
    assert_int_equal(xlat_pt_count_leaves(&f.pt, 16 * MiB, 16 * MiB), 16);
    assert_int_equal(xlat_pt_unmap(&f.pt, 17 * MiB), 2);
    assert_false(xlat_pt_lookup(&f.pt, 17 * MiB, &m));
    assert_true(xlat_pt_lookup(&f.pt, 18 * MiB, &m));
    assert_int_equal(m.pa, 0x80000000 + 2 * MiB);
    assert_int_equal(m.size_idx, 2);
    /* replace removes the smaller pages under the new one */
    assert_int_equal(xlat_pt_map(&f.pt, 0, 0, 4, XLAT_MAP_REPLACE), 0);
    assert_int_equal(xlat_pt_count_leaves(&f.pt, 0, 4 * GiB), 1);
    assert_int_equal(f.pt.tables_in_use, 2); /* top + the level-4 table holding the 256M leaf */
    fx_close(&f);
}

/* ---- allocator ------------------------------------------------------------------ */

static void test_allocator_exhaustion(void **state)
{
    (void)state;
    fx_t f;
    /* the top table (512 KiB) and two 4 KiB tables */
    fx_open(&f, 0x200000000ull, 512 * KiB + 8 * KiB, 0);
    assert_int_equal(f.pt.tables_in_use, 1);
    migsim_error_clear();
    assert_int_equal(xlat_pt_map(&f.pt, 0, 0, 0, 0), MIGSIM_ERANGE);   /* 4K needs five tables */
    assert_non_null(strstr(migsim_errmsg(), "exhausted"));
    assert_int_equal(f.pt.tables_in_use, 1);                         /* nothing changed */
    assert_int_equal(f.pt.bump, 0x200000000ull + 512 * KiB);
    assert_int_equal(xlat_pt_count_leaves(&f.pt, 0, 1ull << 48), 0);
    assert_int_equal(xlat_pt_map(&f.pt, 0, 0, 4, 0), 0);                /* 256M: one table */
    assert_int_equal(xlat_pt_map(&f.pt, 4 * GiB, 0, 3, 0), MIGSIM_ERANGE); /* 16M elsewhere: two */
    assert_int_equal(xlat_pt_map(&f.pt, 256 * MiB, 0, 3, 0), 0);        /* under the same level-4 table */
    assert_int_equal(f.pt.tables_in_use, 3);
    assert_int_equal(xlat_pt_split(&f.pt, 256 * MiB), MIGSIM_ERANGE);  /* no room for a level-2 table */
    /* freeing: unmapping the 16M page frees its level-3 table, which is then reused */
    assert_int_equal(xlat_pt_unmap(&f.pt, 256 * MiB), 3);
    assert_int_equal(f.pt.tables_in_use, 2);
    assert_int_equal(xlat_pt_map(&f.pt, 512 * MiB, 0, 3, 0), 0);
    assert_int_equal(f.pt.tables_in_use, 3);
    /* unmapping both leaves frees the level-3 and level-4 tables */
    assert_int_equal(xlat_pt_unmap_range(&f.pt, 0, 4 * GiB), 2);
    assert_int_equal(f.pt.tables_in_use, 1);
    assert_int_equal(xlat_pt_map(&f.pt, 8 * GiB, 0, 3, 0), 0);          /* both from the free lists */
    assert_int_equal(xlat_pt_map(&f.pt, 8 * GiB + 16 * MiB, 0, 2, 0), MIGSIM_ERANGE);
    assert_int_equal(xlat_pt_count_leaves(&f.pt, 0, 1ull << 48), 1);
    /* a region too small for the top table is a configuration error */
    fx_t g;
    migsim_store_init(&g.store);
    xlat_pt_cfg_t cfg;
    memset(&cfg, 0, sizeof cfg);
    xlat_ladder_default(&cfg.ladder);
    cfg.mem = migsim_fmem_of_store(&g.store);
    cfg.pt_base = 0;
    cfg.pt_bytes = 256 * KiB;
    assert_int_equal(xlat_pt_create(&g.pt, &cfg), MIGSIM_ECONFIG);
    cfg.pt_bytes = 1 * MiB;
    cfg.pt_base = 0x1000;
    cfg.table_align_bytes = 8192;
    assert_int_equal(xlat_pt_create(&g.pt, &cfg), MIGSIM_ECONFIG);     /* base not aligned */
    migsim_store_fini(&g.store);
    fx_close(&f);
}

/* ---- FIG. 2 block 202 and FIG. 4 item 450 --------------------------------------- */

/*
 * The fewest aligned ladder pages tiling [a, b) (in 64 KiB units from the
 * start of a 4 GiB page whose VA and PA are 4 GiB aligned), by dynamic
 * programming over every unit: best[i] = 1 + min over sizes s aligned at i
 * and fitting of best[i + s]. It knows nothing of the greedy choice.
 */
static uint64_t dp_cover(uint64_t a_units, uint64_t b_units)
{
    static const uint64_t units[] = { 1, 16, 256, 4096, 65536 }; /* 64K, 1M, 16M, 256M, 4G */
    uint64_t n = b_units - a_units;
    uint64_t *best = calloc(n + 1, sizeof *best);
    for (uint64_t i = n; i-- > 0;) {
        uint64_t pos = a_units + i, m = UINT64_MAX;
        for (size_t s = 0; s < sizeof units / sizeof units[0]; s++)
            if (pos % units[s] == 0 && i + units[s] <= n && best[i + units[s]] + 1 < m)
                m = best[i + units[s]] + 1;
        best[i] = m;
    }
    uint64_t r = best[0];
    free(best);
    return r;
}

static void test_fig4(void **state)
{
    (void)state;
    const uint64_t page = 4 * GiB, sub = 64 * KiB;
    const uint64_t va = 3 * page, cur = 0x1000000000ull, tgt = 0x2000000000ull;
    fx_t f;
    fx_open(&f, 1ull << 40, 64 * MiB, 0);
    const xlat_ladder_t *l = &f.pt.ladder;

    /* FIG. 2 block 202: the large page as subpage PTEs */
    assert_int_equal(xlat_pt_map(&f.pt, va, cur, 5, 0), 0);
    assert_int_equal(xlat_pt_count_leaves(&f.pt, va, page), 1);
    assert_int_equal(xlat_pt_map_range(&f.pt, va, cur, page, XLAT_MAP_FIXED, 1, XLAT_MAP_REPLACE), 65536);
    assert_int_equal(xlat_pt_count_leaves(&f.pt, va, page), 65536);
    assert_int_equal(f.pt.tables_in_use, 1 + 1 + 16 + 256 + 4096);
    xlat_map_t m;
    assert_true(xlat_pt_lookup(&f.pt, va + 818 * MiB + 100, &m));
    assert_int_equal(m.pa, cur + 818 * MiB);
    assert_int_equal(m.size_idx, 1);
    assert_int_equal(xlat_pt_unmap_range(&f.pt, va, page), 65536);
    assert_int_equal(f.pt.tables_in_use, 1);

    /* FIG. 4 item 450: migration point 818 MiB */
    const uint64_t mp = 818 * MiB;
    int64_t n1 = xlat_pt_map_range(&f.pt, va, tgt, mp, XLAT_MAP_LARGEST, 0, 0);
    int64_t n2 = xlat_pt_map_range(&f.pt, va + mp, cur + mp, sub, XLAT_MAP_FIXED, 1, XLAT_MAP_INVALID);
    int64_t n3 = xlat_pt_map_range(&f.pt, va + mp + sub, cur + mp + sub, page - mp - sub,
                                   XLAT_MAP_LARGEST, 0, 0);
    assert_true(n1 > 0 && n2 == 1 && n3 > 0);
    uint64_t leaves = xlat_pt_count_leaves(&f.pt, va, page);
    uint64_t cover = xlat_pt_count_cover(l, va, mp) + 1 + xlat_pt_count_cover(l, va + mp + sub, page - mp - sub);
    uint64_t dp = dp_cover(0, mp / sub) + 1 + dp_cover(mp / sub + 1, page / sub);
    /* by hand: 818M = 3x256M + 3x16M + 2x1M; then 15x64K, 13x1M, 12x16M, 12x256M up to 4G */
    uint64_t hand = (3 + 3 + 2) + 1 + (15 + 13 + 12 + 12);
    print_message("  FIG. 4 at migration point 818 MiB with 64 KiB subpages: %llu PTEs "
                  "(%lld migrated, 1 migrating, %lld not yet migrated)\n",
                  (unsigned long long)leaves, (long long)n1, (long long)n3);
    assert_int_equal(leaves, dp);
    assert_int_equal(leaves, hand);
    assert_int_equal(cover, dp);
    assert_int_equal((uint64_t)(n1 + n2 + n3), leaves);
    /* the mapping translates each segment to the right place */
    assert_true(xlat_pt_lookup(&f.pt, va + 100 * MiB + 5, &m));
    assert_int_equal(m.pa + (va + 100 * MiB + 5 - m.va), tgt + 100 * MiB + 5);
    assert_true(xlat_pt_lookup(&f.pt, va + mp + 5, &m));
    assert_int_equal(m.pa, cur + mp);
    assert_int_equal(m.size_idx, 1);
    assert_int_equal(m.pte & XLAT_PTE_V, 0);
    assert_true(xlat_pt_lookup(&f.pt, va + 3 * GiB + 5, &m));
    assert_int_equal(m.pa + (va + 3 * GiB + 5 - m.va), cur + 3 * GiB + 5);
    assert_int_equal(m.size_idx, 4);
    /* the cover count agrees with the dynamic program at other migration points */
    migsim_rng_t g;
    migsim_rng_seed(&g, 42);
    uint64_t maxc = 0;
    for (int i = 0; i < 64; i++) {
        uint64_t s = migsim_rng_next(&g) % (page / sub);
        uint64_t c = xlat_pt_count_cover(l, va, s * sub) + 1 +
                     xlat_pt_count_cover(l, va + (s + 1) * sub, page - (s + 1) * sub);
        assert_int_equal(c, dp_cover(0, s) + 1 + dp_cover(s + 1, page / sub));
        if (c > maxc)
            maxc = c;
    }
    print_message("  largest count over 64 random migration points: %llu\n", (unsigned long long)maxc);
    fx_close(&f);
}

/* A ladder item that is not a size and one that overflows 64 bits say which they are. */
static void test_ladder_parse_errors(void **state)
{
    (void)state;
    uint64_t sizes[XLAT_MAX_SIZES];
    uint32_t n;
    assert_int_equal(xlat_ladder_parse("4K,2M", sizes, &n), 0);
    assert_int_equal(n, 2);
    assert_true(sizes[1] == 2u << 20);
    assert_int_equal(xlat_ladder_parse("4K,99999999999999999999G", sizes, &n), MIGSIM_ECONFIG);
    assert_string_equal(migsim_errmsg(),
                        "ladder \"4K,99999999999999999999G\": \"99999999999999999999G\" overflows 64 bits");
    assert_int_equal(xlat_ladder_parse("4K,20000000T", sizes, &n), MIGSIM_ECONFIG);
    assert_non_null(strstr(migsim_errmsg(), "\"20000000T\" overflows 64 bits"));
    assert_int_equal(xlat_ladder_parse("4K,2Q", sizes, &n), MIGSIM_ECONFIG);
    assert_string_equal(migsim_errmsg(), "ladder \"4K,2Q\": \"2Q\" is not a size");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ladder),
        cmocka_unit_test(test_ladder_parse_errors),
        cmocka_unit_test(test_map_errors),
        cmocka_unit_test(test_allocator_exhaustion),
        cmocka_unit_test(test_random_program),
        cmocka_unit_test(test_planted_bug_caught),
        cmocka_unit_test(test_fig4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
