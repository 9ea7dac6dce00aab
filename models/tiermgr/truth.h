/*
 * truth.h - what really happened to each page of a footprint in a period:
 * the accesses counted per page, and the true hot set of the period, the k
 * pages with the most accesses. The simulator sees every access, so a study
 * can score a tracker against it (precision: the share of the pages the
 * tracker calls hot that were; recall: the share of the hot pages it found)
 * and can place pages as a perfect policy would.
 *
 * A plain C object (no component): its owner calls tier_truth_access() on
 * every access to the footprint and tier_truth_end_period() at each period
 * boundary. Host memory: 2 bytes per page (the count, saturating at 65535)
 * plus two bits per page (the hot set, and the pages touched in the period)
 * plus a fixed 512 KiB histogram.
 */
#ifndef MIGSIM_MODELS_TIER_TRUTH_H
#define MIGSIM_MODELS_TIER_TRUTH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tier_truth_s {
    uint64_t base;         /* first address of the footprint */
    uint32_t page_shift;   /* log2 of the page size */
    uint64_t npages;       /* pages in the footprint */
    uint16_t *count;       /* owned: accesses per page in the current period (saturating) */
    uint64_t *hot;         /* owned: bitmap of the last ended period's hot set */
    uint64_t *touched;     /* owned: bitmap of the pages with a count > 0 this period */
    uint64_t *hist;        /* owned: 65536 buckets, pages per count (end of period) */
    uint64_t nhot;         /* pages in hot */
    uint64_t periods;      /* periods ended */
    uint64_t accesses;     /* accesses counted, all periods */
    uint64_t outside;      /* accesses outside the footprint, ignored */
} tier_truth_t;

/* page_bytes a power of two >= 4096, npages >= 1. 0, MIGSIM_EINVAL or MIGSIM_ENOMEM. */
int tier_truth_init(tier_truth_t *t, uint64_t base, uint64_t page_bytes, uint64_t npages);
void tier_truth_fini(tier_truth_t *t);

/* One access at address a (anywhere: outside the footprint it is counted as such). */
static inline void tier_truth_access(tier_truth_t *t, uint64_t a)
{
    uint64_t p = (a - t->base) >> t->page_shift;
    if (a < t->base || p >= t->npages) {
        t->outside++;
        return;
    }
    t->accesses++;
    if (!t->count[p])
        t->touched[p >> 6] |= 1ull << (p & 63);
    t->count[p] += t->count[p] != UINT16_MAX;
}

/*
 * End the period: the hot set becomes the k pages with the most accesses in
 * it (ties broken by the lower page number; a page with fewer than
 * min_count accesses, min_count >= 1, is never hot, so the set may be
 * smaller than k), and every count starts again at 0. Returns the size of
 * the hot set. O(npages / 64 + pages touched in the period).
 */
uint64_t tier_truth_end_period(tier_truth_t *t, uint64_t k, uint32_t min_count);

/* Whether page p is in the last ended period's hot set. */
static inline int tier_truth_is_hot(const tier_truth_t *t, uint64_t p)
{
    return p < t->npages && ((t->hot[p >> 6] >> (p & 63)) & 1u);
}

/*
 * Score a predicted hot set (a bitmap of npages bits, 1 = called hot)
 * against the last ended period's: *precision = |pred & hot| / |pred|,
 * *recall = |pred & hot| / |hot|; each is 1 when its denominator is 0.
 */
void tier_truth_score(const tier_truth_t *t, const uint64_t *pred, double *precision,
                      double *recall);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_TIER_TRUTH_H */
