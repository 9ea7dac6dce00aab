/*
 * hist.c - the log-linear histogram of migsim/hist.h: 1024 exact buckets,
 * then 64 sub-buckets per power of two, in one array allocated at init.
 *
 * Workload: one migsim_hist_record() per completed request in the sources
 * (trace player, DMA device), i.e. millions per run; percentiles a few
 * times per run (finalize_stats, epoch samples). Record is therefore
 * branch-light and division-free; percentile is a linear walk.
 */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "migsim/errors.h"
#include "migsim/hist.h"

/* floor(log2(u)) for u > 0. */
static inline uint32_t hist_log2(uint64_t u)
{
    return 63u - (uint32_t)__builtin_clzll(u);
}

/* Bucket of a value already scaled to units, without the max_value clamp. */
static inline uint32_t hist_index_units(uint64_t u)
{
    if (u < MIGSIM_HIST_LIN)
        return (uint32_t)u;
    uint32_t k = hist_log2(u); /* >= MIGSIM_HIST_LIN_BITS */
    uint32_t sub = (uint32_t)(u >> (k - MIGSIM_HIST_SUB_BITS)) & (MIGSIM_HIST_SUB - 1);
    return MIGSIM_HIST_LIN + (k - MIGSIM_HIST_LIN_BITS) * MIGSIM_HIST_SUB + sub;
}

int migsim_hist_init(migsim_hist_t *h, uint64_t res, uint64_t max_value)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
    if (res == 0 || (res & (res - 1)) != 0)
        return migsim_error(MIGSIM_EINVAL, "hist: resolution %" PRIu64 " is not a power of two",
                            res);
    if (max_value != 0 && max_value < res)
        return migsim_error(MIGSIM_EINVAL,
                            "hist: max_value %" PRIu64 " is below the resolution %" PRIu64,
                            max_value, res);
    uint32_t shift = hist_log2(res);
    uint64_t umax = (max_value ? max_value : UINT64_MAX) >> shift;
    uint32_t n = MIGSIM_HIST_LIN;
    if (umax >= MIGSIM_HIST_LIN)
        n += (hist_log2(umax) - MIGSIM_HIST_LIN_BITS + 1) * MIGSIM_HIST_SUB;
    h->bucket = calloc(n, sizeof *h->bucket);
    if (!h->bucket)
        return migsim_error(MIGSIM_ENOMEM, "hist: out of memory for %u buckets", n);
    h->nbuckets = n;
    h->shift = shift;
    h->res = res;
    h->max_value = max_value ? max_value : UINT64_MAX;
    return MIGSIM_OK;
}

void migsim_hist_fini(migsim_hist_t *h)
{
    free(h->bucket);
    h->bucket = NULL;
    h->nbuckets = 0;
}

void migsim_hist_reset(migsim_hist_t *h)
{
    if (h->bucket)
        memset(h->bucket, 0, h->nbuckets * sizeof *h->bucket);
    h->count = h->sum = h->max = h->clamped = 0;
    h->min = UINT64_MAX;
}

uint32_t migsim_hist_index(const migsim_hist_t *h, uint64_t v)
{
    if (v > h->max_value)
        return h->nbuckets - 1;
    return hist_index_units(v >> h->shift);
}

uint64_t migsim_hist_bucket_lo(const migsim_hist_t *h, uint32_t i)
{
    assert(i < h->nbuckets);
    if (i < MIGSIM_HIST_LIN)
        return (uint64_t)i << h->shift;
    uint32_t j = i - MIGSIM_HIST_LIN;
    uint32_t k = MIGSIM_HIST_LIN_BITS + j / MIGSIM_HIST_SUB;
    uint64_t lo_u = (uint64_t)(MIGSIM_HIST_SUB + j % MIGSIM_HIST_SUB) << (k - MIGSIM_HIST_SUB_BITS);
    return lo_u << h->shift;
}

uint64_t migsim_hist_bucket_width(const migsim_hist_t *h, uint32_t i)
{
    assert(i < h->nbuckets);
    if (i < MIGSIM_HIST_LIN)
        return h->res;
    uint32_t k = MIGSIM_HIST_LIN_BITS + (i - MIGSIM_HIST_LIN) / MIGSIM_HIST_SUB;
    return h->res << (k - MIGSIM_HIST_SUB_BITS);
}

void migsim_hist_record(migsim_hist_t *h, uint64_t v)
{
    uint32_t i;
    if (v > h->max_value) {
        i = h->nbuckets - 1;
        h->clamped++;
    } else {
        i = hist_index_units(v >> h->shift);
    }
    assert(i < h->nbuckets);
    h->bucket[i]++;
    h->count++;
    h->sum += v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

double migsim_hist_percentile(const migsim_hist_t *h, double p)
{
    if (h->count == 0 || !(p >= 0.0 && p <= 100.0))
        return NAN;
    if (p == 0.0)
        return (double)h->min;
    if (p == 100.0)
        return (double)h->max;
    double r = ceil(p / 100.0 * (double)h->count);
    uint64_t rank = r < 1.0 ? 1 : r >= (double)h->count ? h->count : (uint64_t)r;
    uint64_t cum = 0;
    for (uint32_t i = 0; i < h->nbuckets; i++) {
        cum += h->bucket[i];
        if (cum < rank)
            continue;
        /* The rank-th value is an integer in [lo, lo + w - 1]: report the middle. */
        double est = (double)migsim_hist_bucket_lo(h, i) +
                     (double)(migsim_hist_bucket_width(h, i) - 1) / 2.0;
        if (est < (double)h->min)
            est = (double)h->min;
        if (est > (double)h->max)
            est = (double)h->max;
        return est;
    }
    assert(!"hist: bucket counts sum below count");
    return NAN;
}

double migsim_hist_mean(const migsim_hist_t *h)
{
    return h->count ? (double)h->sum / (double)h->count : NAN;
}

void migsim_hist_summary(const migsim_hist_t *h, double scale, double out[MIGSIM_HIST_SUMMARY])
{
    if (h->count == 0) {
        for (int i = 0; i < MIGSIM_HIST_SUMMARY; i++)
            out[i] = NAN;
        return;
    }
    out[MIGSIM_HIST_AVG] = migsim_hist_mean(h) * scale;
    out[MIGSIM_HIST_P50] = migsim_hist_percentile(h, 50.0) * scale;
    out[MIGSIM_HIST_P99] = migsim_hist_percentile(h, 99.0) * scale;
    out[MIGSIM_HIST_MAX] = (double)h->max * scale;
}
