/*
 * test_hist.c - the log-linear histogram (migsim/hist.h) against a naive
 * reference: the values kept in an array and sorted. Count, sum, min and
 * max must be exact; every percentile must be within the documented bound
 * max(res / 2, x / 128) of the nearest-rank value of the sorted array. The
 * bucket geometry is checked on its own (each value inside its bucket,
 * widths at most 1/64 of the bucket's low end), and a planted bug (values
 * recorded one bucket too high) must make the same comparison fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "migsim/errors.h"
#include "migsim/hist.h"
#include "migsim/rng.h"

#define NVALS 20000

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The nearest-rank percentile of a sorted array, as hist.h defines it. */
static uint64_t ref_percentile(const uint64_t *sorted, size_t n, double p)
{
    if (p == 0.0)
        return sorted[0];
    double r = ceil(p / 100.0 * (double)n);
    size_t rank = r < 1.0 ? 1 : r >= (double)n ? n : (size_t)r;
    return sorted[rank - 1];
}

static const double pcts[] = {0, 0.1, 1, 5, 10, 25, 33.3, 50, 66.7, 75, 90, 95, 99, 99.5, 99.9,
                              99.99, 100};

/* Compare every percentile with the reference; returns how many break the bound. */
static int violations(const migsim_hist_t *h, const uint64_t *sorted, size_t n)
{
    int bad = 0;
    for (size_t k = 0; k < sizeof pcts / sizeof pcts[0]; k++) {
        double x = (double)ref_percentile(sorted, n, pcts[k]);
        double est = migsim_hist_percentile(h, pcts[k]);
        double bound = fmax((double)h->res / 2.0, x / 128.0);
        if (!(fabs(est - x) <= bound))
            bad++;
    }
    for (int k = 1; k < 1000; k++) { /* a fine sweep: every 0.1% */
        double p = k / 10.0;
        double x = (double)ref_percentile(sorted, n, p);
        double est = migsim_hist_percentile(h, p);
        if (!(fabs(est - x) <= fmax((double)h->res / 2.0, x / 128.0)))
            bad++;
    }
    return bad;
}

/* Draw value i of distribution `dist`. */
static uint64_t draw(migsim_rng_t *r, int dist)
{
    switch (dist) {
    case 0: /* small: mostly inside the exact region */
        return migsim_rng_below(r, 3000);
    case 1: { /* log-uniform over 2^0 .. 2^40 */
        uint32_t k = (uint32_t)migsim_rng_below(r, 40);
        return (1ull << k) + migsim_rng_below(r, 1ull << k);
    }
    case 2: /* latency-like: a floor plus a long tail */
        return 40000 + migsim_rng_below(r, 20000) +
               (migsim_rng_below(r, 100) == 0 ? migsim_rng_below(r, 5000000) : 0);
    default: /* the whole 64-bit range */
        return migsim_rng_next(r) >> migsim_rng_below(r, 64);
    }
}

typedef void (*record_fn)(migsim_hist_t *h, uint64_t v);

/* The planted bug: the value lands one bucket above its own. */
static void record_off_by_one(migsim_hist_t *h, uint64_t v)
{
    uint32_t i = migsim_hist_index(h, v) + 1;
    if (i >= h->nbuckets)
        i = h->nbuckets - 1;
    h->bucket[i]++;
    h->count++;
    h->sum += v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

/* Fill a histogram and the reference from one seed; returns the violations. */
static int run_case(int dist, uint64_t res, uint64_t max_value, uint64_t seed, record_fn rec)
{
    migsim_hist_t h;
    assert_int_equal(migsim_hist_init(&h, res, max_value), 0);
    uint64_t *vals = malloc(NVALS * sizeof *vals);
    assert_non_null(vals);
    migsim_rng_t r;
    migsim_rng_seed(&r, seed);
    uint64_t sum = 0, mn = UINT64_MAX, mx = 0;
    for (size_t i = 0; i < NVALS; i++) {
        uint64_t v = draw(&r, dist);
        if (max_value && v > max_value)
            v = max_value; /* stay inside the bound's domain */
        vals[i] = v;
        sum += v;
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        rec(&h, v);
    }
    qsort(vals, NVALS, sizeof *vals, cmp_u64);
    assert_int_equal(h.count, NVALS);
    assert_int_equal(h.sum, sum);
    assert_int_equal(h.min, mn);
    assert_int_equal(h.max, mx);
    assert_true(migsim_hist_percentile(&h, 0) == (double)mn);
    assert_true(migsim_hist_percentile(&h, 100) == (double)mx);
    assert_true(fabs(migsim_hist_mean(&h) - (double)sum / NVALS) < 1e-6 * (double)mx + 1e-9);
    int bad = violations(&h, vals, NVALS);
    free(vals);
    migsim_hist_fini(&h);
    return bad;
}

static void test_against_sorted_reference(void **st)
{
    (void)st;
    static const uint64_t resolutions[] = {1, 8, 1024};
    for (int dist = 0; dist < 4; dist++) {
        for (size_t ri = 0; ri < 3; ri++) {
            uint64_t max_value = dist == 3 ? 0 : 1ull << 42;
            for (uint64_t seed = 1; seed <= 3; seed++) {
                int bad = run_case(dist, resolutions[ri], max_value, seed * 7919 + (uint64_t)dist,
                                   migsim_hist_record);
                if (bad)
                    fail_msg("dist %d res %llu seed %llu: %d percentiles outside the bound", dist,
                             (unsigned long long)resolutions[ri], (unsigned long long)seed, bad);
            }
        }
    }
}

/* The same comparison must catch values recorded one bucket off. */
static void test_planted_off_by_one_is_caught(void **st)
{
    (void)st;
    for (int dist = 0; dist < 4; dist++)
        assert_true(run_case(dist, 1, dist == 3 ? 0 : 1ull << 42, 11, record_off_by_one) > 0);
}

/* Each value lies in its bucket; buckets tile the range; width <= lo / 64 above 1024 units. */
static void test_bucket_geometry(void **st)
{
    (void)st;
    static const uint64_t resolutions[] = {1, 4, 1024};
    for (size_t ri = 0; ri < 3; ri++) {
        migsim_hist_t h;
        assert_int_equal(migsim_hist_init(&h, resolutions[ri], 0), 0);
        uint64_t res = h.res;
        for (uint32_t i = 0; i < h.nbuckets; i++) {
            uint64_t lo = migsim_hist_bucket_lo(&h, i), w = migsim_hist_bucket_width(&h, i);
            assert_true(w >= res);
            assert_int_equal(migsim_hist_index(&h, lo), i);
            assert_int_equal(migsim_hist_index(&h, lo + (w - 1)), i);
            if (i + 1 < h.nbuckets)
                assert_int_equal(migsim_hist_bucket_lo(&h, i + 1), lo + w);
            else
                assert_int_equal(lo + (w - 1), UINT64_MAX); /* the last bucket ends the range */
            if (lo >= MIGSIM_HIST_LIN * res)
                assert_true(w * 64 <= lo);
            else
                assert_int_equal(w, res);
        }
        migsim_rng_t r;
        migsim_rng_seed(&r, 5);
        for (int n = 0; n < 100000; n++) {
            uint64_t v = migsim_rng_next(&r) >> migsim_rng_below(&r, 64);
            uint32_t i = migsim_hist_index(&h, v);
            uint64_t lo = migsim_hist_bucket_lo(&h, i);
            assert_true(lo <= v && v - lo < migsim_hist_bucket_width(&h, i));
        }
        migsim_hist_fini(&h);
    }
}

static void test_memory_and_limits(void **st)
{
    (void)st;
    migsim_hist_t h;
    assert_int_equal(migsim_hist_init(&h, 1, 1ull << 42), 0);
    assert_int_equal(h.nbuckets, 1024 + 33 * 64); /* 2^10 .. 2^42: 33 powers of two */
    /* values above max_value: last bucket, counted, min/max/sum still exact */
    migsim_hist_record(&h, 5);
    migsim_hist_record(&h, (1ull << 43) + 1);
    assert_int_equal(h.clamped, 1);
    assert_int_equal(h.bucket[h.nbuckets - 1], 1);
    assert_int_equal(h.max, (1ull << 43) + 1);
    assert_true(migsim_hist_percentile(&h, 100) == (double)((1ull << 43) + 1));
    assert_true(migsim_hist_percentile(&h, 50) == 5.0);
    assert_true(isnan(migsim_hist_percentile(&h, 100.5)));
    assert_true(isnan(migsim_hist_percentile(&h, -1)));
    migsim_hist_reset(&h);
    assert_int_equal(h.count, 0);
    assert_int_equal(h.clamped, 0);
    assert_int_equal(h.min, UINT64_MAX);
    assert_true(isnan(migsim_hist_percentile(&h, 50)));
    assert_true(isnan(migsim_hist_mean(&h)));
    for (uint32_t i = 0; i < h.nbuckets; i++)
        assert_int_equal(h.bucket[i], 0);
    migsim_hist_fini(&h);
    migsim_hist_fini(&h); /* twice is safe */

    assert_int_equal(migsim_hist_init(&h, 1, 0), 0);
    assert_int_equal(h.nbuckets, 1024 + 54 * 64); /* the whole 64-bit range */
    migsim_hist_record(&h, UINT64_MAX);
    assert_int_equal(h.clamped, 0);
    assert_int_equal(h.bucket[h.nbuckets - 1], 1);
    migsim_hist_fini(&h);

    assert_int_equal(migsim_hist_init(&h, 1, 100), 0); /* below 1024 units: the exact region */
    assert_int_equal(h.nbuckets, 1024);
    migsim_hist_fini(&h);

    assert_int_equal(migsim_hist_init(&h, 3, 0), MIGSIM_EINVAL);
    assert_non_null(strstr(migsim_errmsg(), "resolution 3"));
    assert_null(h.bucket);
    migsim_hist_fini(&h);
    assert_int_equal(migsim_hist_init(&h, 0, 0), MIGSIM_EINVAL);
    assert_int_equal(migsim_hist_init(&h, 64, 10), MIGSIM_EINVAL);
    assert_non_null(strstr(migsim_errmsg(), "max_value 10"));
}

/* Exact region at resolution 1: every percentile is the true value. */
static void test_exact_below_1024(void **st)
{
    (void)st;
    migsim_hist_t h;
    assert_int_equal(migsim_hist_init(&h, 1, 0), 0);
    for (uint64_t v = 1; v <= 1000; v++)
        migsim_hist_record(&h, v);
    assert_true(migsim_hist_percentile(&h, 50) == 500.0);
    assert_true(migsim_hist_percentile(&h, 99) == 990.0);
    assert_true(migsim_hist_percentile(&h, 99.95) == 1000.0);
    assert_true(migsim_hist_percentile(&h, 0.01) == 1.0);
    assert_true(migsim_hist_mean(&h) == 500.5);
    migsim_hist_fini(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_sorted_reference),
        cmocka_unit_test(test_planted_off_by_one_is_caught),
        cmocka_unit_test(test_bucket_geometry),
        cmocka_unit_test(test_memory_and_limits),
        cmocka_unit_test(test_exact_below_1024),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
