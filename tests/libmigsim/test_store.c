/*
 * test_store.c - tests of the sparse functional memory (migsim/store.h).
 *
 * Directed cases (unwritten memory reads as zero, writes spanning frames,
 * overwrites, addresses near 2^40 and near the top of the address space)
 * and a random program of writes and reads compared against plain byte
 * arrays: one window of 64 KiB plus small windows far apart, enough frames
 * to make the hash table grow several times.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migsim/rng.h"
#include "migsim/store.h"

#define FB MIGSIM_STORE_FRAME_BYTES

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static void test_unwritten_reads_zero(void **state)
{
    (void)state;
    migsim_store_t s;
    migsim_store_init(&s);
    uint8_t buf[3 * FB];
    memset(buf, 0xa5, sizeof buf);
    migsim_store_read(&s, 0x12345, buf, sizeof buf);
    assert_true(all_zero(buf, sizeof buf));
    assert_int_equal(migsim_store_bytes(&s), 0);

    /* a written frame does not make its neighbours non-zero, and reads allocate nothing */
    uint8_t one = 0x77;
    assert_int_equal(migsim_store_write(&s, 5 * FB + 9, &one, 1), 0);
    assert_int_equal(migsim_store_bytes(&s), FB);
    memset(buf, 0xa5, sizeof buf);
    migsim_store_read(&s, 4 * FB, buf, sizeof buf);
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], i == FB + 9 ? 0x77 : 0);
    migsim_store_read(&s, (uint64_t)1 << 40, buf, sizeof buf);
    assert_true(all_zero(buf, sizeof buf));
    assert_int_equal(migsim_store_bytes(&s), FB);
    migsim_store_fini(&s);
}

static void test_write_spanning_frames(void **state)
{
    (void)state;
    migsim_store_t s;
    migsim_store_init(&s);
    enum { LEN = 2 * FB + 100 };
    static uint8_t src[LEN], dst[LEN + 64];
    for (size_t i = 0; i < LEN; i++)
        src[i] = (uint8_t)(i * 13 + 1);
    uint64_t addr = 7 * FB - 50; /* touches frames 6, 7, 8 and 9 */
    assert_int_equal(migsim_store_write(&s, addr, src, LEN), 0);
    assert_int_equal(migsim_store_bytes(&s), 4 * FB);
    migsim_store_read(&s, addr, dst, LEN);
    assert_memory_equal(dst, src, LEN);
    /* a read that starts before and ends after the written range */
    migsim_store_read(&s, addr - 32, dst, LEN + 64);
    assert_true(all_zero(dst, 32));
    assert_memory_equal(dst + 32, src, LEN);
    assert_true(all_zero(dst + 32 + LEN, 32));
    /* the two bytes around a frame boundary */
    uint8_t two[2];
    migsim_store_read(&s, 7 * FB - 1, two, 2);
    assert_int_equal(two[0], src[49]);
    assert_int_equal(two[1], src[50]);
    migsim_store_fini(&s);
}

static void test_overwrite(void **state)
{
    (void)state;
    migsim_store_t s;
    migsim_store_init(&s);
    uint8_t a[64], b[16], out[64];
    memset(a, 0x11, sizeof a);
    memset(b, 0x22, sizeof b);
    assert_int_equal(migsim_store_write(&s, 1000, a, sizeof a), 0);
    assert_int_equal(migsim_store_write(&s, 1008, b, sizeof b), 0);
    migsim_store_read(&s, 1000, out, sizeof out);
    for (size_t i = 0; i < sizeof out; i++)
        assert_int_equal(out[i], i >= 8 && i < 24 ? 0x22 : 0x11);
    /* writing zeros over data reads back as zeros */
    memset(b, 0, sizeof b);
    assert_int_equal(migsim_store_write(&s, 1000, b, sizeof b), 0);
    migsim_store_read(&s, 1000, out, sizeof out);
    for (size_t i = 0; i < sizeof out; i++)
        assert_int_equal(out[i], i < 16 ? 0 : i < 24 ? 0x22 : 0x11);
    assert_int_equal(migsim_store_bytes(&s), FB);
    migsim_store_fini(&s);
}

static void test_far_addresses(void **state)
{
    (void)state;
    migsim_store_t s;
    migsim_store_init(&s);
    /* frame numbers that differ only in high bits must not alias */
    static const uint64_t addrs[] = {
        0,
        (uint64_t)1 << 40,
        ((uint64_t)1 << 40) - 8,
        ((uint64_t)1 << 40) + ((uint64_t)1 << 12),
        (uint64_t)1 << 52,
        UINT64_MAX - 15,
    };
    enum { NA = sizeof addrs / sizeof addrs[0] };
    for (size_t i = 0; i < NA; i++) {
        uint64_t v = 0x0101010101010101ull * (i + 1);
        assert_int_equal(migsim_store_write(&s, addrs[i], &v, sizeof v), 0);
    }
    for (size_t i = 0; i < NA; i++) {
        uint64_t v = 0;
        migsim_store_read(&s, addrs[i], &v, sizeof v);
        assert_int_equal(v, 0x0101010101010101ull * (i + 1));
    }
    /* 2^40 - 8 .. 2^40 - 1 and 2^40 .. 2^40 + 7 are neighbours across a frame boundary */
    uint8_t both[16];
    migsim_store_read(&s, ((uint64_t)1 << 40) - 8, both, 16);
    for (size_t i = 0; i < 16; i++)
        assert_int_equal(both[i], i < 8 ? 3 : 2);
    migsim_store_fini(&s);
}

/* A window of the address space mirrored by a plain byte array. */
typedef struct win_s {
    uint64_t base;
    size_t len;
    uint8_t *ref;
} win_t;

static void test_random_against_reference(void **state)
{
    (void)state;
    win_t w[] = {
        { 0x10000000, 64 * 1024, NULL },          /* 16 frames, heavy overlap */
        { ((uint64_t)1 << 40) - 3 * FB, 6 * FB, NULL },
        { (uint64_t)1 << 33, 3 * FB, NULL },
        { 0, 2 * FB, NULL },
        { 0xfff0000000ull, 4 * FB, NULL },
    };
    enum { NW = sizeof w / sizeof w[0] };
    for (size_t i = 0; i < NW; i++) {
        w[i].ref = calloc(1, w[i].len);
        assert_non_null(w[i].ref);
    }
    migsim_store_t s;
    migsim_store_init(&s);
    migsim_rng_t rng;
    migsim_rng_seed(&rng, 2024);
    static uint8_t buf[3 * FB], out[3 * FB];
    for (int op = 0; op < 20000; op++) {
        win_t *x = &w[migsim_rng_below(&rng, 100) < 60 ? 0 : 1 + migsim_rng_below(&rng, NW - 1)];
        size_t maxlen = migsim_rng_below(&rng, 10) == 0 ? sizeof buf : 80;
        size_t len = 1 + (size_t)migsim_rng_below(&rng, maxlen);
        if (len > x->len)
            len = x->len;
        size_t off = (size_t)migsim_rng_below(&rng, x->len - len + 1);
        if (migsim_rng_below(&rng, 2)) {
            for (size_t i = 0; i < len; i++)
                buf[i] = (uint8_t)migsim_rng_next(&rng);
            assert_int_equal(migsim_store_write(&s, x->base + off, buf, len), 0);
            memcpy(x->ref + off, buf, len);
        } else {
            memset(out, 0xcc, len);
            migsim_store_read(&s, x->base + off, out, len);
            assert_memory_equal(out, x->ref + off, len);
        }
    }
    for (size_t i = 0; i < NW; i++) {
        uint8_t *all = malloc(w[i].len);
        assert_non_null(all);
        migsim_store_read(&s, w[i].base, all, w[i].len);
        assert_memory_equal(all, w[i].ref, w[i].len);
        free(all);
    }

    /* thousands of scattered frames force several table growths */
    enum { NF = 5000 };
    for (uint64_t i = 0; i < NF; i++) {
        uint64_t a = ((uint64_t)1 << 20) + i * 0x10001000ull + (i % 61) * 8;
        uint64_t v = i * 0x9e3779b97f4a7c15ull;
        assert_int_equal(migsim_store_write(&s, a, &v, sizeof v), 0);
    }
    assert_true(s.cap >= 2 * s.used);
    for (uint64_t i = 0; i < NF; i++) {
        uint64_t a = ((uint64_t)1 << 20) + i * 0x10001000ull + (i % 61) * 8;
        uint64_t v = 0;
        migsim_store_read(&s, a, &v, sizeof v);
        assert_int_equal(v, i * 0x9e3779b97f4a7c15ull);
    }
    /* the windows survived the rehashes */
    for (size_t i = 0; i < NW; i++) {
        uint8_t *all = malloc(w[i].len);
        assert_non_null(all);
        migsim_store_read(&s, w[i].base, all, w[i].len);
        assert_memory_equal(all, w[i].ref, w[i].len);
        free(all);
        free(w[i].ref);
    }
    assert_int_equal(migsim_store_bytes(&s), (uint64_t)s.used * FB);
    migsim_store_fini(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unwritten_reads_zero),
        cmocka_unit_test(test_write_spanning_frames),
        cmocka_unit_test(test_overwrite),
        cmocka_unit_test(test_far_addresses),
        cmocka_unit_test(test_random_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
