/*
 * test_truth.c - the true hot set of a period (models/tiermgr/truth.h):
 * closed-form cases (ties to the lower page, pages never accessed never hot,
 * counts saturating, accesses outside the footprint), precision and recall
 * of a predicted set, and a differential test against a naive reference
 * (sort every page by count, then by page number, take k) on random
 * periods, with a planted bug in a second reference (ties to the higher
 * page) that the comparison must catch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "migsim/errors.h"
#include "migsim/rng.h"
#include "tiermgr/truth.h"

#define PG 4096ull

static void touch(tier_truth_t *t, uint64_t page, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        tier_truth_access(t, t->base + page * PG + (i * 64) % PG);
}

static void test_closed_form(void **state)
{
    (void)state;
    tier_truth_t t;
    assert_int_equal(tier_truth_init(&t, 0x100000000ull, PG, 10), 0);
    touch(&t, 3, 5);
    touch(&t, 7, 5);
    touch(&t, 1, 9);
    touch(&t, 9, 2);
    tier_truth_access(&t, 0x100000000ull - 1);      /* below */
    tier_truth_access(&t, 0x100000000ull + 10 * PG); /* past the end */
    assert_int_equal(t.accesses, 21);
    assert_int_equal(t.outside, 2);
    /* k = 2: page 1 (9), then the tie 3 / 7 (5 each) goes to page 3 */
    assert_int_equal(tier_truth_end_period(&t, 2, 1), 2);
    assert_true(tier_truth_is_hot(&t, 1) && tier_truth_is_hot(&t, 3));
    assert_false(tier_truth_is_hot(&t, 7) || tier_truth_is_hot(&t, 9));
    /* the counts start again: k larger than the pages accessed gives only those */
    touch(&t, 0, 1);
    touch(&t, 8, 3);
    assert_int_equal(tier_truth_end_period(&t, 5, 1), 2);
    assert_true(tier_truth_is_hot(&t, 0) && tier_truth_is_hot(&t, 8));
    assert_false(tier_truth_is_hot(&t, 1));
    /* a minimum: pages 2 (4) and 5 (3) reach 3 accesses, page 6 (2) does not */
    touch(&t, 2, 4);
    touch(&t, 5, 3);
    touch(&t, 6, 2);
    assert_int_equal(tier_truth_end_period(&t, 9, 3), 2);
    assert_true(tier_truth_is_hot(&t, 2) && tier_truth_is_hot(&t, 5));
    assert_false(tier_truth_is_hot(&t, 6));
    /* no access: an empty hot set */
    assert_int_equal(tier_truth_end_period(&t, 3, 1), 0);
    assert_int_equal(t.periods, 4);
    tier_truth_fini(&t);
}

static void test_saturating(void **state)
{
    (void)state;
    tier_truth_t t;
    assert_int_equal(tier_truth_init(&t, 0, PG, 3), 0);
    touch(&t, 2, 70000);
    touch(&t, 0, 65535);
    touch(&t, 1, 65534);
    assert_int_equal(t.count[2], UINT16_MAX);
    /* pages 0 and 2 both read 65535: the tie goes to page 0 */
    assert_int_equal(tier_truth_end_period(&t, 1, 1), 1);
    assert_true(tier_truth_is_hot(&t, 0));
    tier_truth_fini(&t);
}

static void test_score(void **state)
{
    (void)state;
    tier_truth_t t;
    assert_int_equal(tier_truth_init(&t, 0, PG, 130), 0);
    for (uint64_t p = 100; p < 110; p++)
        touch(&t, p, 10);
    touch(&t, 129, 10);
    assert_int_equal(tier_truth_end_period(&t, 11, 1), 11);
    uint64_t pred[3] = { 0, 0, 0 };
    for (uint64_t p = 105; p < 115; p++) /* 5 of 10 right */
        pred[p >> 6] |= 1ull << (p & 63);
    pred[129 >> 6] |= 1ull << (129 & 63); /* and the last page */
    double prec, rec;
    tier_truth_score(&t, pred, &prec, &rec);
    assert_float_equal(prec, 6.0 / 11.0, 1e-12);
    assert_float_equal(rec, 6.0 / 11.0, 1e-12);
    pred[2] |= ~0ull << 2; /* bits past the footprint do not count */
    tier_truth_score(&t, pred, &prec, &rec);
    assert_float_equal(prec, 6.0 / 11.0, 1e-12);
    memset(pred, 0, sizeof pred);
    tier_truth_score(&t, pred, &prec, &rec);
    assert_float_equal(prec, 1.0, 0);
    assert_float_equal(rec, 0.0, 0);
    tier_truth_fini(&t);
}

/* ---- the naive reference: sort by (count desc, page asc), take the first k with count > 0 */

static const uint16_t *ref_counts;
static int ref_higher_first; /* the planted bug: ties to the higher page */

static int ref_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    if (ref_counts[x] != ref_counts[y])
        return ref_counts[x] > ref_counts[y] ? -1 : 1;
    int lower = x < y ? -1 : 1;
    return ref_higher_first ? -lower : lower;
}

static void reference(const uint16_t *counts, uint64_t n, uint64_t k, unsigned min_count,
                      uint8_t *hot)
{
    uint64_t *order = malloc(n * sizeof *order);
    assert_non_null(order);
    for (uint64_t p = 0; p < n; p++)
        order[p] = p;
    ref_counts = counts;
    qsort(order, n, sizeof *order, ref_cmp);
    memset(hot, 0, n);
    for (uint64_t i = 0; i < n && i < k && counts[order[i]] >= min_count; i++)
        hot[order[i]] = 1;
    free(order);
}

/* Periods of random counts (many ties) where the object and the reference differ. */
static unsigned differing_periods(int planted)
{
    enum { N = 3000, PERIODS = 40 };
    tier_truth_t t;
    assert_int_equal(tier_truth_init(&t, 0, PG, N), 0);
    migsim_rng_t rng;
    migsim_rng_seed(&rng, 11);
    uint16_t counts[N];
    uint8_t hot[N];
    unsigned differ = 0;
    ref_higher_first = planted;
    for (unsigned period = 0; period < PERIODS; period++) {
        uint64_t k = migsim_rng_below(&rng, N + 200);
        unsigned maxc = 1 + (unsigned)migsim_rng_below(&rng, period % 4 == 0 ? 3 : 40);
        for (uint64_t p = 0; p < N; p++) {
            counts[p] = (uint16_t)migsim_rng_below(&rng, maxc + 1);
            touch(&t, p, counts[p]);
        }
        unsigned min_count = 1 + (unsigned)migsim_rng_below(&rng, 3);
        reference(counts, N, k, min_count, hot);
        tier_truth_end_period(&t, k, min_count);
        for (uint64_t p = 0; p < N; p++)
            if (tier_truth_is_hot(&t, p) != hot[p]) {
                differ++;
                break;
            }
    }
    tier_truth_fini(&t);
    return differ;
}

static void test_differential(void **state)
{
    (void)state;
    assert_int_equal(differing_periods(0), 0);
    /* the comparison has teeth: a reference breaking ties the other way differs */
    assert_true(differing_periods(1) > 10);
}

static void test_bad_init(void **state)
{
    (void)state;
    tier_truth_t t;
    assert_int_equal(tier_truth_init(&t, 0, 3000, 4), MIGSIM_EINVAL);
    assert_non_null(strstr(migsim_errmsg(), "page size 3000"));
    assert_int_equal(tier_truth_init(&t, 0, PG, 0), MIGSIM_EINVAL);
    assert_non_null(strstr(migsim_errmsg(), "0 pages"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_form),   cmocka_unit_test(test_saturating),
        cmocka_unit_test(test_score),         cmocka_unit_test(test_differential),
        cmocka_unit_test(test_bad_init),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
