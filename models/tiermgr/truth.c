/*
 * truth.c - the true activity of a footprint's pages per period (truth.h).
 */
#include "tiermgr/truth.h"

#include <stdlib.h>
#include <string.h>

#include "migsim/errors.h"

#define TRUTH_BUCKETS 65536u

int tier_truth_init(tier_truth_t *t, uint64_t base, uint64_t page_bytes, uint64_t npages)
{
    memset(t, 0, sizeof *t);
    if (page_bytes < 4096 || (page_bytes & (page_bytes - 1)))
        return migsim_error(MIGSIM_EINVAL, "truth: page size %llu is not a power of two >= 4096",
                            (unsigned long long)page_bytes);
    if (npages == 0 || npages > (UINT64_MAX >> 1) / page_bytes)
        return migsim_error(MIGSIM_EINVAL, "truth: %llu pages is not a footprint",
                            (unsigned long long)npages);
    t->base = base;
    t->page_shift = (uint32_t)__builtin_ctzll(page_bytes);
    t->npages = npages;
    t->count = calloc(npages, sizeof *t->count);
    t->hot = calloc((npages + 63) / 64, sizeof *t->hot);
    t->touched = calloc((npages + 63) / 64, sizeof *t->touched);
    t->hist = calloc(TRUTH_BUCKETS, sizeof *t->hist);
    if (!t->count || !t->hot || !t->touched || !t->hist) {
        tier_truth_fini(t);
        return migsim_error(MIGSIM_ENOMEM, "truth: no memory for %llu pages",
                            (unsigned long long)npages);
    }
    return 0;
}

void tier_truth_fini(tier_truth_t *t)
{
    free(t->count);
    free(t->hot);
    free(t->touched);
    free(t->hist);
    memset(t, 0, sizeof *t);
}

uint64_t tier_truth_end_period(tier_truth_t *t, uint64_t k, uint32_t min_count)
{
    if (min_count < 1)
        min_count = 1;
    uint64_t words = (t->npages + 63) / 64;
    memset(t->hot, 0, words * sizeof *t->hot);
    /* only the pages touched this period have a count: every other page's is 0 < min_count */
    for (uint64_t w = 0; w < words; w++)
        for (uint64_t b = t->touched[w]; b; b &= b - 1)
            t->hist[t->count[w << 6 | (uint64_t)__builtin_ctzll(b)]]++;
    /* the smallest count c* >= min_count such that the pages above it are fewer than k */
    uint64_t above = 0;
    uint32_t cut = TRUTH_BUCKETS; /* pages with count >= cut are all hot */
    while (cut > min_count && above + t->hist[cut - 1] <= k) {
        cut--;
        above += t->hist[cut];
    }
    uint64_t tie = cut > min_count ? k - above : 0; /* pages with count cut-1, lowest first */
    uint64_t n = 0;
    for (uint64_t w = 0; w < words; w++) {
        for (uint64_t b = t->touched[w]; b; b &= b - 1) {
            uint64_t p = w << 6 | (uint64_t)__builtin_ctzll(b);
            uint32_t c = t->count[p];
            if (c >= cut || (tie && c == cut - 1)) {
                if (c < cut)
                    tie--;
                t->hot[w] |= 1ull << (p & 63);
                n++;
            }
            t->hist[c] = 0; /* the next period starts from nothing */
            t->count[p] = 0;
        }
        t->touched[w] = 0;
    }
    t->nhot = n;
    t->periods++;
    return n;
}

void tier_truth_score(const tier_truth_t *t, const uint64_t *pred, double *precision,
                      double *recall)
{
    uint64_t words = (t->npages + 63) / 64, both = 0, npred = 0;
    for (uint64_t w = 0; w < words; w++) {
        uint64_t m = w + 1 < words || (t->npages & 63) == 0 ? ~0ull
                                                            : (1ull << (t->npages & 63)) - 1;
        both += (uint64_t)__builtin_popcountll(pred[w] & t->hot[w] & m);
        npred += (uint64_t)__builtin_popcountll(pred[w] & m);
    }
    *precision = npred ? (double)both / (double)npred : 1.0;
    *recall = t->nhot ? (double)both / (double)t->nhot : 1.0;
}
