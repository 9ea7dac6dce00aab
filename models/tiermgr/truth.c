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
    t->hist = calloc(TRUTH_BUCKETS, sizeof *t->hist);
    if (!t->count || !t->hot || !t->hist) {
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
    free(t->hist);
    memset(t, 0, sizeof *t);
}

uint64_t tier_truth_end_period(tier_truth_t *t, uint64_t k, uint32_t min_count)
{
    if (min_count < 1)
        min_count = 1;
    uint64_t words = (t->npages + 63) / 64;
    memset(t->hot, 0, words * sizeof *t->hot);
    memset(t->hist, 0, TRUTH_BUCKETS * sizeof *t->hist);
    for (uint64_t p = 0; p < t->npages; p++)
        t->hist[t->count[p]]++;
    /* the smallest count c* >= min_count such that the pages above it are fewer than k */
    uint64_t above = 0;
    uint32_t cut = TRUTH_BUCKETS; /* pages with count >= cut are all hot */
    while (cut > min_count && above + t->hist[cut - 1] <= k) {
        cut--;
        above += t->hist[cut];
    }
    uint64_t tie = cut > min_count ? k - above : 0; /* pages with count cut-1, lowest first */
    uint64_t n = 0;
    for (uint64_t p = 0; p < t->npages; p++) {
        uint32_t c = t->count[p];
        if (c >= cut || (tie && c == cut - 1)) {
            if (c < cut)
                tie--;
            t->hot[p >> 6] |= 1ull << (p & 63);
            n++;
        }
    }
    memset(t->count, 0, t->npages * sizeof *t->count);
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
