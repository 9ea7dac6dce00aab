/*
 * test_oracle.c - the correctness oracle (models/oracle/): commits of whole,
 * partial and line-spanning writes checked against a byte array read through
 * a mapping; the fields of a mismatch report; unmapped lines; the commit
 * hook's rules (which requests it records, under which space); a random
 * program against a naive reference with a known number of corrupted lines;
 * and a planted bug (a resolve function that drops the page offset) that the
 * check must catch.
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
#include "oracle/oracle.h"

#define MEM_BYTES (1u << 20)
#define MAP_DELTA 0x40000u    /* intended address a maps to PA a + MAP_DELTA (mod MEM_BYTES) */
#define PAGE 0x1000u

typedef struct mem_s {
    uint8_t *b;               /* MEM_BYTES of "physical memory" */
} mem_t;

static void mem_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
    mem_t *m = ctx;
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)dst)[i] = m->b[(addr + i) % MEM_BYTES];
}

static int mem_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
    mem_t *m = ctx;
    for (size_t i = 0; i < len; i++)
        m->b[(addr + i) % MEM_BYTES] = ((const uint8_t *)src)[i];
    return 0;
}

static uint64_t map_pa(uint64_t a) { return (a + MAP_DELTA) % MEM_BYTES; }

/* The right mapping: every space maps a to a + MAP_DELTA; space PA 0xdead... is unmapped. */
static int resolve_ok(void *ctx, oracle_space_t space, uint64_t addr, uint64_t *pa)
{
    (void)ctx;
    (void)space;
    *pa = map_pa(addr);
    return 0;
}

/* The planted bug: drops the offset inside the page. */
static int resolve_no_offset(void *ctx, oracle_space_t space, uint64_t addr, uint64_t *pa)
{
    (void)ctx;
    (void)space;
    *pa = map_pa(addr & ~(uint64_t)(PAGE - 1));
    return 0;
}

/* Only IOVA addresses are mapped. */
static int resolve_iova_only(void *ctx, oracle_space_t space, uint64_t addr, uint64_t *pa)
{
    (void)ctx;
    if (space != ORACLE_SPACE_IOVA)
        return -1;
    *pa = map_pa(addr);
    return 0;
}

#define MAXREP 64
typedef struct reports_s {
    int n;
    oracle_mismatch_t m[MAXREP];
    uint8_t exp[MAXREP][64], found[MAXREP][64];
} reports_t;

static void collect(void *ctx, const oracle_mismatch_t *m)
{
    reports_t *r = ctx;
    if (r->n < MAXREP) {
        r->m[r->n] = *m;
        memcpy(r->exp[r->n], m->expected, 64);
        memcpy(r->found[r->n], m->found, 64);
        char buf[256];
        assert_true(oracle_format(m, buf, sizeof buf) > 0);
    }
    r->n++;
}

/* Commit to the oracle and write the same bytes where the right mapping puts them. */
static void commit_both(oracle_t *o, mem_t *m, oracle_space_t sp, uint64_t addr, const void *d,
                        size_t len, uint64_t id, uint64_t t)
{
    oracle_writer_t w = { .req_id = id, .src_idx = 3, .src_kind = MIGSIM_SRC_DMA };
    assert_int_equal(oracle_commit(o, sp, addr, d, len, w, t), 0);
    for (size_t i = 0; i < len; i++)
        mem_write(m, map_pa(addr + i), (const uint8_t *)d + i, 1);
}

static void test_whole_partial_spanning(void **state)
{
    (void)state;
    mem_t m = { calloc(MEM_BYTES, 1) };
    migsim_fmem_t f = { &m, mem_read, mem_write };
    oracle_t o;
    oracle_init(&o);
    uint8_t d[128];
    for (int i = 0; i < 128; i++)
        d[i] = (uint8_t)(i * 3 + 1);
    commit_both(&o, &m, ORACLE_SPACE_IOVA, 0x1000, d, 64, 1, 100);
    commit_both(&o, &m, ORACLE_SPACE_IOVA, 0x2008, d, 8, 2, 200);
    commit_both(&o, &m, ORACLE_SPACE_IOVA, 0x2030, d + 8, 4, 3, 300);
    commit_both(&o, &m, ORACLE_SPACE_CPU_VA, 0x3020, d, 100, 4, 400);
    assert_int_equal(oracle_lines(&o), 1 + 1 + 3);
    /* bytes that were never written may hold anything */
    memset(m.b + map_pa(0x2000), 0xee, 8);
    memset(m.b + map_pa(0x2010), 0xee, 0x20);
    assert_int_equal(oracle_check(&o, resolve_ok, NULL, &f, NULL, NULL), 0);

    const oracle_line_t *l = oracle_find(&o, ORACLE_SPACE_IOVA, 0x2031);
    assert_non_null(l);
    assert_int_equal(l->mask, 0xffull << 8 | 0xfull << 0x30);
    assert_int_equal(l->writer.req_id, 3);
    assert_int_equal(l->time, 300);
    assert_memory_equal(l->data + 8, d, 8);
    assert_memory_equal(l->data + 0x30, d + 8, 4);
    l = oracle_find(&o, ORACLE_SPACE_CPU_VA, 0x3000);
    assert_non_null(l);
    assert_int_equal(l->mask, UINT64_MAX << 0x20);
    assert_memory_equal(l->data + 0x20, d, 0x20);
    l = oracle_find(&o, ORACLE_SPACE_CPU_VA, 0x3040);
    assert_int_equal(l->mask, UINT64_MAX);
    assert_memory_equal(l->data, d + 0x20, 64);
    l = oracle_find(&o, ORACLE_SPACE_CPU_VA, 0x3080);
    assert_int_equal(l->mask, 0xfull);
    /* the same address in another space is another line */
    assert_null(oracle_find(&o, ORACLE_SPACE_IOVA, 0x3040));
    assert_null(oracle_find(&o, ORACLE_SPACE_PA, 0x1000));
    /* overwriting part of a line merges and takes the new writer */
    uint8_t x[4] = { 9, 9, 9, 9 };
    commit_both(&o, &m, ORACLE_SPACE_IOVA, 0x1010, x, 4, 7, 700);
    l = oracle_find(&o, ORACLE_SPACE_IOVA, 0x1000);
    assert_int_equal(l->writer.req_id, 7);
    assert_int_equal(l->time, 700);
    assert_memory_equal(l->data, d, 0x10);
    assert_memory_equal(l->data + 0x10, x, 4);
    assert_memory_equal(l->data + 0x14, d + 0x14, 64 - 0x14);
    assert_int_equal(oracle_check(&o, resolve_ok, NULL, &f, NULL, NULL), 0);
    assert_true(oracle_host_bytes(&o) >= 5 * ORACLE_LINE_REC_BYTES);
    oracle_fini(&o);
    free(m.b);
}

static void test_mismatch_report(void **state)
{
    (void)state;
    mem_t m = { calloc(MEM_BYTES, 1) };
    migsim_fmem_t f = { &m, mem_read, mem_write };
    oracle_t o;
    oracle_init(&o);
    uint8_t d[64];
    for (int i = 0; i < 64; i++)
        d[i] = (uint8_t)(0x80 + i);
    commit_both(&o, &m, ORACLE_SPACE_IOVA, 0x5000, d, 64, 11, 1000);
    commit_both(&o, &m, ORACLE_SPACE_IOVA, 0x5040, d, 64, 12, 2000);
    commit_both(&o, &m, ORACLE_SPACE_PA, 0x9000, d, 16, 13, 3000);
    /* a lost update: two bytes of the second line hold stale values */
    m.b[map_pa(0x5040 + 5)] = 0x11;
    m.b[map_pa(0x5040 + 9)] = 0x22;
    reports_t r = { 0 };
    assert_int_equal(oracle_check(&o, resolve_ok, NULL, &f, collect, &r), 1);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.m[0].space, ORACLE_SPACE_IOVA);
    assert_int_equal(r.m[0].addr, 0x5040);
    assert_int_equal(r.m[0].pa, map_pa(0x5040));
    assert_true(r.m[0].mapped);
    assert_int_equal(r.m[0].writer.req_id, 12);
    assert_int_equal(r.m[0].writer.src_kind, MIGSIM_SRC_DMA);
    assert_int_equal(r.m[0].writer.src_idx, 3);
    assert_int_equal(r.m[0].time, 2000);
    assert_int_equal(r.m[0].first_bad, 5);
    assert_int_equal(r.m[0].nbad, 2);
    assert_int_equal(r.m[0].mask, UINT64_MAX);
    assert_memory_equal(r.exp[0], d, 64);
    assert_int_equal(r.found[0][5], 0x11);
    assert_int_equal(r.found[0][9], 0x22);
    assert_int_equal(r.found[0][6], d[6]);
    char buf[256];
    oracle_format(&r.m[0], buf, sizeof buf);
    assert_non_null(strstr(buf, "IOVA 0x5040"));
    assert_non_null(strstr(buf, "req 12"));
    /* a corrupted byte outside the written part of a partial line is not a loss */
    m.b[map_pa(0x9000 + 20)] ^= 0xff;
    assert_int_equal(oracle_check(&o, resolve_ok, NULL, &f, NULL, NULL), 1);
    /* unmapped lines are lost: the PA line does not resolve */
    reports_t u = { 0 };
    assert_int_equal(oracle_check(&o, resolve_iova_only, NULL, &f, collect, &u), 2);
    assert_int_equal(u.n, 2);
    assert_false(u.m[1].mapped);
    assert_int_equal(u.m[1].space, ORACLE_SPACE_PA);
    assert_int_equal(u.m[1].nbad, 16);
    assert_int_equal(u.m[1].writer.req_id, 13);
    /* a bad call */
    assert_int_equal(oracle_check(&o, NULL, NULL, &f, NULL, NULL), MIGSIM_EINVAL);
    oracle_fini(&o);
    free(m.b);
}

static void test_commit_rules(void **state)
{
    (void)state;
    oracle_t o;
    oracle_init(&o);
    migsim_req_t r;
    memset(&r, 0, sizeof r);
    r.id = 42;
    r.op = MIGSIM_OP_WRITE;
    r.size = 8;
    r.flags = MIGSIM_REQ_HAS_DATA;
    r.src_kind = MIGSIM_SRC_DMA;
    r.src_idx = 2;
    r.addr = 0x777000;      /* PA: not the key */
    r.orig_addr = 0x1008;   /* IOVA: the key */
    memset(r.data, 0x5a, 8);
    assert_int_equal(oracle_commit_req(&o, &r, 50), 0);
    const oracle_line_t *l = oracle_find(&o, ORACLE_SPACE_IOVA, 0x1008);
    assert_non_null(l);
    assert_int_equal(l->mask, 0xffull << 8);
    assert_int_equal(l->writer.req_id, 42);
    assert_int_equal(l->writer.src_idx, 2);
    assert_null(oracle_find(&o, ORACLE_SPACE_PA, 0x777000));
    r.src_kind = MIGSIM_SRC_CPU;
    assert_int_equal(oracle_commit_req(&o, &r, 51), 0);
    assert_non_null(oracle_find(&o, ORACLE_SPACE_CPU_VA, 0x1008));
    r.src_kind = MIGSIM_SRC_WALK;
    assert_int_equal(oracle_commit_req(&o, &r, 52), 0);
    assert_non_null(oracle_find(&o, ORACLE_SPACE_PA, 0x1008));
    assert_int_equal(oracle_lines(&o), 3);
    /* not recorded: copy engine, the chip's second half, reads, writes without data */
    r.orig_addr = 0x2000;
    r.src_kind = MIGSIM_SRC_COPY;
    oracle_commit_req(&o, &r, 60);
    r.src_kind = MIGSIM_SRC_DMA;
    r.flags = MIGSIM_REQ_HAS_DATA | ORACLE_REQ_NO_COMMIT;
    oracle_commit_req(&o, &r, 61);
    r.flags = MIGSIM_REQ_HAS_DATA;
    r.op = MIGSIM_OP_READ;
    oracle_commit_req(&o, &r, 62);
    r.op = MIGSIM_OP_WRITE;
    r.flags = 0;
    oracle_commit_req(&o, &r, 63);
    assert_int_equal(oracle_lines(&o), 3);
    assert_int_equal(o.skipped, 4);
    /* errors */
    oracle_writer_t w = { 0 };
    assert_int_equal(oracle_commit(&o, ORACLE_SPACE_COUNT_, 0, r.data, 8, w, 0), MIGSIM_EINVAL);
    assert_int_equal(oracle_commit(&o, ORACLE_SPACE_PA, 0, NULL, 8, w, 0), MIGSIM_EINVAL);
    assert_int_equal(oracle_commit(&o, ORACLE_SPACE_PA, UINT64_MAX - 3, r.data, 8, w, 0),
                     MIGSIM_EINVAL);
    assert_int_equal(oracle_commit(&o, ORACLE_SPACE_PA, 0, NULL, 0, w, 0), 0);
    assert_int_equal(oracle_lines(&o), 3);
    oracle_fini(&o);
}

/*
 * A random program of commits, mirrored in a naive reference (a byte array
 * and a written-byte map per space) and in memory; then a known set of
 * written bytes is corrupted. The check must count exactly the corrupted
 * lines and report them in first-commit order; with the planted resolve bug
 * it must find lines lost that the right mapping finds intact.
 */
#define SPAN (64u * 1024u)    /* intended addresses per space */

/* Space s at intended address s * 2^32 + a lives at PA map_pa(s * SPAN + a). */
static int resolve_spaces(void *ctx, oracle_space_t space, uint64_t addr, uint64_t *pa)
{
    (void)ctx;
    *pa = map_pa((uint64_t)space * SPAN + (addr - (uint64_t)space * 0x100000000ull));
    return 0;
}

/* The planted bug again: the page offset is dropped. */
static int resolve_spaces_buggy(void *ctx, oracle_space_t space, uint64_t addr, uint64_t *pa)
{
    return resolve_spaces(ctx, space, addr & ~(uint64_t)(PAGE - 1), pa);
}

static void test_random_against_reference(void **state)
{
    (void)state;
    mem_t m = { calloc(MEM_BYTES, 1) };
    migsim_fmem_t f = { &m, mem_read, mem_write };
    uint8_t *ref = calloc(3 * SPAN, 1), *wr = calloc(3 * SPAN, 1);
    oracle_t o;
    oracle_init(&o);
    migsim_rng_t rng;
    migsim_rng_seed(&rng, 12345);
    for (int n = 0; n < 20000; n++) {
        unsigned sp = (unsigned)migsim_rng_below(&rng, 3);
        uint64_t len = 1 + migsim_rng_below(&rng, 130);
        uint64_t a = migsim_rng_below(&rng, SPAN - len);
        uint8_t d[130];
        for (uint64_t i = 0; i < len; i++)
            d[i] = (uint8_t)migsim_rng_next(&rng);
        oracle_writer_t w = { .req_id = (uint64_t)n, .src_kind = (uint8_t)sp };
        assert_int_equal(oracle_commit(&o, (oracle_space_t)sp, a + (uint64_t)sp * 0x100000000ull,
                                       d, len, w, (uint64_t)n), 0);
        for (uint64_t i = 0; i < len; i++) {
            ref[sp * SPAN + a + i] = d[i];
            wr[sp * SPAN + a + i] = 1;
            /* spaces share memory through the mapping: keep them apart in it */
            m.b[map_pa(sp * SPAN + a + i)] = d[i];
        }
    }
    /* the oracle agrees with the reference, line by line */
    uint32_t lines = 0;
    for (unsigned sp = 0; sp < 3; sp++)
        for (uint64_t ln = 0; ln < SPAN / 64; ln++) {
            uint64_t mask = 0;
            for (int b = 0; b < 64; b++)
                mask |= (uint64_t)wr[sp * SPAN + ln * 64 + b] << b;
            const oracle_line_t *l = oracle_find(&o, (oracle_space_t)sp,
                                                 ln * 64 + (uint64_t)sp * 0x100000000ull);
            if (!mask) {
                assert_null(l);
                continue;
            }
            lines++;
            assert_non_null(l);
            assert_int_equal(l->mask, mask);
            for (int b = 0; b < 64; b++)
                if (mask >> b & 1)
                    assert_int_equal(l->data[b], ref[sp * SPAN + ln * 64 + b]);
        }
    assert_int_equal(oracle_lines(&o), lines);

    assert_int_equal(oracle_check(&o, resolve_spaces, NULL, &f, NULL, NULL), 0);
    /* corrupt one written byte in each of 37 distinct lines */
    int corrupted = 0;
    uint8_t *hit = calloc(3 * SPAN / 64, 1);
    while (corrupted < 37) {
        uint64_t g = migsim_rng_below(&rng, 3 * SPAN);
        if (!wr[g] || hit[g / 64])
            continue;
        hit[g / 64] = 1;
        m.b[map_pa(g)] ^= 0x40;
        corrupted++;
    }
    reports_t r = { 0 };
    assert_int_equal(oracle_check(&o, resolve_spaces, NULL, &f, collect, &r), 37);
    assert_int_equal(r.n, 37);
    for (int i = 0; i < r.n; i++) {
        uint64_t g = r.m[i].space * SPAN + (r.m[i].addr - r.m[i].space * 0x100000000ull);
        assert_true(hit[g / 64]);
        assert_int_equal(r.m[i].nbad, 1);
        assert_int_equal(r.found[i][r.m[i].first_bad] ^ r.exp[i][r.m[i].first_bad], 0x40);
    }
    /* the planted bug: most lines are not where it looks */
    long lost = oracle_check(&o, resolve_spaces_buggy, NULL, &f, NULL, NULL);
    assert_true(lost > (long)lines / 2);
    free(hit);
    oracle_fini(&o);
    free(ref);
    free(wr);
    free(m.b);
}

/* The planted bug on a tiny case: only the first line of the page survives it. */
static void test_planted_resolve_bug(void **state)
{
    (void)state;
    mem_t m = { calloc(MEM_BYTES, 1) };
    migsim_fmem_t f = { &m, mem_read, mem_write };
    oracle_t o;
    oracle_init(&o);
    for (uint64_t ln = 0; ln < 8; ln++) {
        uint8_t d[64];
        memset(d, (int)(0x10 + ln), 64);
        commit_both(&o, &m, ORACLE_SPACE_IOVA, 0x7000 + ln * 64, d, 64, ln, ln);
    }
    assert_int_equal(oracle_check(&o, resolve_ok, NULL, &f, NULL, NULL), 0);
    reports_t r = { 0 };
    assert_int_equal(oracle_check(&o, resolve_no_offset, NULL, &f, collect, &r), 7);
    assert_int_equal(r.m[0].addr, 0x7040);
    assert_int_equal(r.m[0].pa, map_pa(0x7000));
    oracle_fini(&o);
    free(m.b);
}

/* Many lines: the index grows and every line stays findable. */
static void test_growth(void **state)
{
    (void)state;
    oracle_t o;
    oracle_init(&o);
    uint8_t d[64] = { 1 };
    oracle_writer_t w = { 0 };
    for (uint64_t i = 0; i < 50000; i++) {
        w.req_id = i;
        assert_int_equal(oracle_commit(&o, ORACLE_SPACE_PA, i * 4096 + (i & 63), d, 1, w, i), 0);
    }
    assert_int_equal(oracle_lines(&o), 50000);
    assert_true(o.index_cap >= 2 * 50000);
    for (uint64_t i = 0; i < 50000; i += 7) {
        const oracle_line_t *l = oracle_find(&o, ORACLE_SPACE_PA, i * 4096);
        assert_non_null(l);
        assert_int_equal(l->writer.req_id, i);
        assert_int_equal(l->mask, 1ull << (i & 63));
    }
    oracle_fini(&o);
    assert_int_equal(oracle_lines(&o), 0);
    assert_null(oracle_find(&o, ORACLE_SPACE_PA, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_partial_spanning),
        cmocka_unit_test(test_mismatch_report),
        cmocka_unit_test(test_commit_rules),
        cmocka_unit_test(test_random_against_reference),
        cmocka_unit_test(test_planted_resolve_bug),
        cmocka_unit_test(test_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
