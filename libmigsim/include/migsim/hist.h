/*
 * migsim/hist.h - a log-linear histogram of non-negative integer values
 * (latencies in ps, queue occupancies), for statistics: count, sum, min,
 * max and percentiles with a bounded error, in memory fixed at init.
 *
 * Buckets. A value v is first scaled to u = v >> log2(res) ("units" of the
 * resolution res, a power of two). Units below MIGSIM_HIST_LIN (1024) have
 * one bucket each: exact. Above, each power-of-two range [2^k, 2^(k+1))
 * units (k >= 10) is split into MIGSIM_HIST_SUB (64) equal sub-buckets of
 * 2^(k-6) units, so a bucket is never wider than 1/64 of its lower bound.
 * Memory: 8 bytes per bucket, 1024 + 64 per power of two up to max_value:
 * 25 KiB for values up to 2^42 at res 1 (4.4 s of picoseconds), 35 KiB for
 * the whole 64-bit range.
 *
 * Error bound of migsim_hist_percentile(): the bucket holding the wanted
 * rank is found exactly; the estimate is that bucket's midpoint, clamped to
 * [min, max]. So, for a true value x <= max_value,
 *     |estimate - x| <= max(res / 2, x / 128)
 * i.e. exact to half a resolution step below 1024 * res, and within a
 * relative 1/128 (< 1/64) above. Values above max_value are counted in the
 * last bucket (and in `clamped`); ranks that fall there get no bound beyond
 * [last bucket's low end, max].
 *
 * Hot path: migsim_hist_record(), O(1): a shift, a count-leading-zeros, one
 * increment, and the count/sum/min/max updates; no allocation and no
 * division. Percentiles walk the buckets (O(buckets)): for finalize_stats,
 * not for the hot path.
 */
#ifndef MIGSIM_HIST_H
#define MIGSIM_HIST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MIGSIM_HIST_LIN_BITS 10u                          /* exact region: 2^10 units */
#define MIGSIM_HIST_LIN      (1u << MIGSIM_HIST_LIN_BITS) /* 1024 exact buckets */
#define MIGSIM_HIST_SUB_BITS 6u                           /* sub-buckets per power of two: 2^6 */
#define MIGSIM_HIST_SUB      (1u << MIGSIM_HIST_SUB_BITS) /* 64 */

/* A histogram. Caller-allocated (it may be a member of a component's state);
 * migsim_hist_init() allocates the bucket array, migsim_hist_fini() frees
 * it. The fields are readable; only the functions below write them. */
typedef struct migsim_hist_s {
    uint64_t *bucket;    /* owned: nbuckets counters, values per bucket */
    uint32_t nbuckets;   /* MIGSIM_HIST_LIN + 64 per power of two above it, <= 4480 */
    uint32_t shift;      /* log2(res), 0..63 */
    uint64_t res;        /* resolution: value units per exact step, a power of two >= 1 */
    uint64_t max_value;  /* largest value the error bound covers; larger ones are clamped */
    uint64_t count;      /* values recorded */
    uint64_t sum;        /* sum of the values recorded (exact while below 2^64) */
    uint64_t min;        /* smallest value recorded; UINT64_MAX while count == 0 */
    uint64_t max;        /* largest value recorded; 0 while count == 0 */
    uint64_t clamped;    /* values above max_value, counted in the last bucket */
} migsim_hist_t;

/*
 * Prepare an empty histogram of resolution `res` (a power of two, >= 1)
 * covering values up to `max_value` (0 = the whole 64-bit range; otherwise
 * >= res). Returns 0, MIGSIM_EINVAL (bad res or max_value, message names
 * it) or MIGSIM_ENOMEM. On failure *h holds no memory (fini is still safe).
 */
int migsim_hist_init(migsim_hist_t *h, uint64_t res, uint64_t max_value);

/* Free the bucket array. Safe on a zeroed or failed-init histogram; twice is safe. */
void migsim_hist_fini(migsim_hist_t *h);

/* Forget every value recorded; keeps the memory and the geometry. */
void migsim_hist_reset(migsim_hist_t *h);

/*
 * Bucket index of value v: < nbuckets (values above max_value give the
 * last bucket). Pure; O(1).
 */
uint32_t migsim_hist_index(const migsim_hist_t *h, uint64_t v);

/* Lowest value of bucket `i` (< nbuckets), and its width in values (>= res). */
uint64_t migsim_hist_bucket_lo(const migsim_hist_t *h, uint32_t i);
uint64_t migsim_hist_bucket_width(const migsim_hist_t *h, uint32_t i);

/* Record one value. O(1), no allocation. h must have been initialised. */
void migsim_hist_record(migsim_hist_t *h, uint64_t v);

/*
 * Estimate of the p-th percentile, p in [0, 100]: the value of nearest rank
 * ceil(p/100 * count) (at least rank 1) in the sorted values, within the
 * bound in the file header. p = 0 gives min, p = 100 gives max, exactly.
 * Returns NAN when the histogram is empty or p is outside [0, 100].
 */
double migsim_hist_percentile(const migsim_hist_t *h, double p);

/* sum / count, or NAN when empty. */
double migsim_hist_mean(const migsim_hist_t *h);

/* The usual latency summary, each value times `scale` (e.g. 1e-3 for ps to
 * ns): out[MIGSIM_HIST_AVG], [P50], [P99], [MAX]; all NAN when empty. */
enum { MIGSIM_HIST_AVG = 0, MIGSIM_HIST_P50 = 1, MIGSIM_HIST_P99 = 2, MIGSIM_HIST_MAX = 3,
       MIGSIM_HIST_SUMMARY = 4 };
void migsim_hist_summary(const migsim_hist_t *h, double scale, double out[MIGSIM_HIST_SUMMARY]);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_HIST_H */
