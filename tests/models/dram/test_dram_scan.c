/*
 * test_dram_scan.c - the choice among a rank's banks (dram_scan_rank)
 * against a naive reference written from the definition (sort order (max(eff, F),
 * key, index)), on random arrays rich in ties: equal cycles, cycles below
 * the floor, equal keys, banks that never issue. A reference with a planted
 * bug (the floor ignored) must disagree with them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>

#include "dram/dram_scan.h"
#include "dram/dram_timing.h"
#include "migsim/rng.h"

/* The definition, one bank at a time; `planted` compares raw eff instead of max(eff, floor). */
static bool naive(const uint64_t *eff, const uint64_t *key, uint32_t n, uint64_t live,
                  uint64_t floor_c, bool planted, dram_scan_out_t *out)
{
    bool found = false;
    for (uint32_t i = 0; i < n; i++) {
        if (!(live >> i & 1) || eff[i] == UINT64_MAX)
            continue;
        uint64_t t = planted || eff[i] > floor_c ? eff[i] : floor_c;
        if (!found || t < out->t || (t == out->t && key[i] < out->key)) {
            out->t = t;
            out->key = key[i];
            out->i = i;
            found = true;
        }
    }
    if (found && planted && out->t < floor_c)
        out->t = floor_c;
    return found;
}

/* Random banks around a floor; few distinct cycles and keys so ties are common. */
static void fill(migsim_rng_t *g, uint64_t *eff, uint64_t *key, uint32_t n, uint64_t *live,
                 uint64_t *floor_c)
{
    *floor_c = 1000 + migsim_rng_below(g, 8);
    *live = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool on = migsim_rng_below(g, 5) != 0;
        *live |= (uint64_t)on << i;
        uint32_t kind = (uint32_t)migsim_rng_below(g, 6);
        eff[i] = !on || kind == 0 ? UINT64_MAX : 996 + migsim_rng_below(g, 16);
        /* priority class in the top byte and an age below, as the controller builds keys */
        key[i] = (uint64_t)migsim_rng_below(g, 4) << 56 | migsim_rng_below(g, 6);
    }
}

static int same(bool fa, const dram_scan_out_t *a, bool fb, const dram_scan_out_t *b)
{
    if (fa != fb)
        return 0;
    return !fa || (a->t == b->t && a->key == b->key && a->i == b->i);
}

/*
 * One round: the scan's answer (found, got) must be the reference's for
 * (eff, key, live, floor_c); returns 1 when the planted-bug reference
 * (the floor ignored) answers differently, 0 when it agrees.
 */
static int check_round(const char *what, uint32_t n, int round, const uint64_t *eff,
                       const uint64_t *key, uint64_t live, uint64_t floor_c, bool found,
                       const dram_scan_out_t *got)
{
    dram_scan_out_t want = { 0 }, bad = { 0 };
    bool fw = naive(eff, key, n, live, floor_c, false, &want);
    if (!same(fw, &want, found, got))
        fail_msg("%s%u banks, round %d: reference %d (t %llu key %llx bank %u), scan %d "
                 "(t %llu key %llx bank %u)", what, n, round, fw,
                 (unsigned long long)want.t, (unsigned long long)want.key, want.i, found,
                 (unsigned long long)got->t, (unsigned long long)got->key, got->i);
    bool fb = naive(eff, key, n, live, floor_c, true, &bad);
    return !same(fb, &bad, found, got);
}

static void check_against_naive(uint32_t n)
{
    migsim_rng_t g;
    migsim_rng_seed(&g, 42 + n);
    uint64_t eff[64], key[64], live, floor_c;
    int caught = 0;
    for (int round = 0; round < 200000; round++) {
        fill(&g, eff, key, n, &live, &floor_c);
        dram_scan_out_t got = { 0 };
        bool fg = dram_scan_rank(eff, key, live, floor_c, &got);
        caught += check_round("", n, round, eff, key, live, floor_c, fg, &got);
    }
    /* the planted bug is visible on this traffic (given two banks to choose from): the
     * comparison has teeth */
    if (n >= 2 && caught < 1000)
        fail_msg("%u banks: the planted bug differed in only %d rounds", n, caught);
}

static void test_against_naive(void **state)
{
    (void)state;
    for (uint32_t n = 1; n <= 64; n *= 2)
        check_against_naive(n);
}

/*
 * The packed scan against the same reference, applied to eff raised by the
 * shared per-command constraint rv[cmd]: keys are (class, age), with
 * ages and cycles pushed to the edges of their fields now and then (age
 * 2^36 - 1, eff - F = NEVER_D - 1) so a field that spilled into its
 * neighbour would show.
 */
static void check_packed(uint32_t n)
{
    migsim_rng_t g;
    migsim_rng_seed(&g, 4242 + n);
    uint64_t eff[64], key[64], kp[64], full[64], rv[DRAM_SCAN_NCMD + 1], live, floor_c;
    uint8_t cmd[64];
    int caught = 0, caught_rv = 0;
    for (int round = 0; round < 200000; round++) {
        fill(&g, eff, key, n, &live, &floor_c);
        bool edges = migsim_rng_below(&g, 4) == 0;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t cls = key[i] >> 56, age = key[i] & 0xff;
            if (edges && migsim_rng_below(&g, 3) == 0)
                age = (1ull << DRAM_SCAN_AGE_BITS) - 1 - migsim_rng_below(&g, 3);
            if (edges && eff[i] != UINT64_MAX && migsim_rng_below(&g, 3) == 0)
                eff[i] = floor_c + DRAM_SCAN_NEVER_D - 1 - migsim_rng_below(&g, 3);
            if (!(live >> i & 1))
                eff[i] = UINT64_MAX; /* the packed scan reads every bank */
            key[i] = cls << 56 | age;
            kp[i] = dram_scan_pack((unsigned)cls, age, i);
            cmd[i] = (uint8_t)migsim_rng_below(&g, DRAM_SCAN_NCMD + 1);
        }
        /* the shared per-command constraints: below, at and above the floor, or never */
        for (uint32_t c = 0; c < DRAM_SCAN_NCMD; c++) {
            uint32_t k = (uint32_t)migsim_rng_below(&g, 8);
            rv[c] = k == 0 ? UINT64_MAX : floor_c - 4 + migsim_rng_below(&g, 14);
        }
        rv[DRAM_SCAN_NCMD] = 0;
        for (uint32_t i = 0; i < n; i++)
            full[i] = eff[i] > rv[cmd[i]] ? eff[i] : rv[cmd[i]];
        dram_scan_out_t got = { 0 }, bad = { 0 };
        bool fg = dram_scan_rank_packed(eff, cmd, rv, kp, n, floor_c, &got);
        if (fg)
            got.key = key[got.i]; /* the packed key names the bank; compare the full one */
        caught += check_round("packed, ", n, round, full, key, live, floor_c, fg, &got);
        /* a second planted bug: the shared constraints ignored */
        bool fb = naive(eff, key, n, live, floor_c, false, &bad);
        caught_rv += !same(fb, &bad, fg, &got);
    }
    if (n >= 2 && (caught < 1000 || caught_rv < 1000))
        fail_msg("packed, %u banks: the planted bugs differed in only %d and %d rounds", n, caught,
                 caught_rv);
}

static void test_packed_against_naive(void **state)
{
    (void)state;
    for (uint32_t n = 1; n <= 64; n *= 2)
        check_packed(n);
}

/* dram_ps_div without its remainder step (the planted bug): the bare product's quotient. */
static uint64_t div_unmended(uint64_t ps, uint64_t recip)
{
    return (uint64_t)(((unsigned __int128)ps * recip) >> 64);
}

/*
 * The ps-to-cycles conversion against the C division operators: every
 * clock period of the parameter's range at the edges (0, multiples and
 * their neighbours, the top of the 64-bit range) and on random values.
 */
static void test_ps_div(void **state)
{
    (void)state;
    migsim_rng_t g;
    migsim_rng_seed(&g, 7);
    uint64_t unmended_wrong = 0;
    for (uint32_t tck = 1; tck <= 100000; tck += tck < 2000 ? 1 : 997) {
        uint64_t recip = dram_ps_recip(tck);
        uint64_t vals[12] = { 0, 1, tck - 1, tck, tck + 1, (uint64_t)tck * 833 - 1,
                              (uint64_t)tck * 833, UINT64_MAX, UINT64_MAX - 1,
                              UINT64_MAX / tck * tck, UINT64_MAX / tck * tck - 1, 0 };
        for (int i = 0; i < 12 + 200; i++) {
            uint64_t ps = i < 12 ? vals[i] : migsim_rng_next(&g) >> (migsim_rng_next(&g) % 64);
            uint64_t rem, q = dram_ps_div(ps, tck, recip, &rem);
            if (q != ps / tck || rem != ps % tck)
                fail_msg("tCK %u ps %llu: %llu rem %llu, want %llu rem %llu", tck,
                         (unsigned long long)ps, (unsigned long long)q, (unsigned long long)rem,
                         (unsigned long long)(ps / tck), (unsigned long long)(ps % tck));
            unmended_wrong += div_unmended(ps, recip) != ps / tck;
        }
    }
    /* without the remainder step the quotient is one short often: the check has teeth */
    assert_true(unmended_wrong > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_naive),
        cmocka_unit_test(test_packed_against_naive),
        cmocka_unit_test(test_ps_div),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
