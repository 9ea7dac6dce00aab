/*
 * iohot.h - the I/O hot-page table of transparent memory address remapping
 * (seed 002, "Transparent Memory Address Remapping"; [00nn] are its
 * paragraphs): which pages a device with a limited DMA reach uses so often
 * that they should be remapped into the low memory it reaches directly,
 * instead of being copied through a bounce buffer on every I/O ([0006],
 * [0060]-[0061]).
 *
 * A plain C object (no component): its owner counts each I/O against its
 * page (iohot_count) and ends a period every T (iohot_end_period); the
 * component "iohot" (iohot_comp.c) does both from the IOMMU's observer and
 * an event.
 *
 * The table ([0064]-[0065]): `entries` (a power of two, 256 in the
 * prototype) indexed by the low log2(entries) bits of the page number; each
 * entry holds the tag (the rest of the page number), the count of I/Os in the
 * current period and the activity score a. Replacement is the patent's:
 * an entry holds "the tag of the most recently issued PPN that hashes to the
 * given index", so a page whose index holds another page takes the entry,
 * count 1 and score 0 ([0065]: "a currently issued PPN will cause the entry
 * of the earlier PPN to be overwritten"); counted in `replacements`. This
 * rule (replace = IOHOT_REPLACE_RECENT, the default) loses a hot page's
 * score to any cold page of its index, so `replace` = IOHOT_REPLACE_LOWER
 * offers the alternative: the entry goes to the page with the higher
 * activity, the resident's a + c against the newcomer's 0 + 1 (the newcomer
 * is not counted when the resident keeps the entry: `kept`).
 *
 * The score ([0078]-[0079]), chosen by `mode`, with c the period's count:
 *   IOHOT_EQ1:  a(t+T) = mu a(t) + (1 - mu) c(t+T)                  (EQ 1)
 *   IOHOT_EQ2:  a(t) = (c(t) + c(t-T) + ... + c(t-(W-1)T)) / W       (EQ 2
 *               with m = W - 1 and equal weights mu_k = 1/W: the mean over
 *               the last W periods; periods before the page took its entry
 *               count 0)
 * At each period end, in this order ([0069], [0071], [0074], [0076]):
 *   1. move back: every remapped page whose score is below tau_L is moved
 *      back to high memory (IOHOT_TO_HIGH) and its low frame freed;
 *   2. remap: every page in the table (index order) not remapped whose
 *      score is above tau_H asks for a low frame: granted (IOHOT_TO_LOW)
 *      when one is free and the decision function carries the remap out,
 *      else a failed allocation ([0069]: "assuming that not all low memory
 *      pages are currently the target");
 *   3. random reclaim ([0072], [0074]): while fewer than `watermark` low
 *      frames are free, a remapped page chosen uniformly at random (the
 *      object's xoshiro256** generator, seeded) is moved back
 *      (IOHOT_TO_HIGH, reason IOHOT_RECLAIM): exactly enough to reach the
 *      watermark, or all of them (at most as many tries as pages
 *      remapped when it starts, for move-backs refused);
 *   4. scarcity ([0073], [0077]): rho = failed / attempted allocations of
 *      step 2 (0 when none was attempted), and the thresholds for the next
 *      period become
 *          tau_H = tau_h * (1 + gain * rho)     (up from the minimum tau_h)
 *          tau_L = tau_l * max(0, 1 - gain * rho)  (down from the maximum tau_l)
 *      the patent's "tau_H adjusted upward from some predetermined minimum
 *      value as a function of rho; tau_L adjusted downward from some
 *      predetermined maximum value" ([0077]), linear here; gain 0 keeps
 *      them fixed. tau_l < tau_h is required (hysteresis, [0076]), so
 *      tau_L < tau_H always; a page with tau_L <= a <= tau_H is neither
 *      remapped nor moved back.
 * A remapped page whose entry another page takes keeps its score in its
 * remap record (a few bytes per remapped page): under EQ 1 it decays with
 * c = 0 each period (a = mu a) and comes back with the page; under EQ 2 its
 * window went with the entry, so its score is 0 and it is moved back at the
 * next period end.
 *
 * Accuracy of the table (tests/models/iohot/test_iohot.c, test_recall): 32
 * hot pages (40 I/Os a period each) among 20000 cold pages (each with a
 * chance of one I/O a period of 1/64, or 1/8), in random order, 256
 * entries, EQ 1 mu = 0.5, tau_H = 8; the pages above tau_H after 20 periods
 * against the true hot set: with replace = recent, recall 0.38 (1/64) and
 * 0.03 (1/8), precision 1.00; with replace = lower_score, recall 1.00 and
 * precision 1.00 for both. The test asserts precision >= 0.9 everywhere,
 * lower_score recall >= 0.9, and recent recall < 0.6 and < 0.2.
 *
 * Host memory: 32 bytes per entry (plus 4 W under EQ 2), and 28 bytes per
 * low frame (a remap record and a free-stack slot).
 * Hot path: iohot_count is one index, one compare; a replacement of an
 * entry whose page is remapped scans the remap records (at most low_frames).
 */
#ifndef MIGSIM_MODELS_IOHOT_H
#define MIGSIM_MODELS_IOHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "migsim/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum iohot_mode_e { IOHOT_EQ1 = 0, IOHOT_EQ2 = 1 } iohot_mode_t;
typedef enum iohot_replace_e { IOHOT_REPLACE_RECENT = 0, IOHOT_REPLACE_LOWER = 1 } iohot_replace_t;
typedef enum iohot_dir_e { IOHOT_TO_LOW = 0, IOHOT_TO_HIGH = 1 } iohot_dir_t;
typedef enum iohot_reason_e {
    IOHOT_HOT = 0,      /* score above tau_H: remap into low memory */
    IOHOT_COLD = 1,     /* score below tau_L: move back */
    IOHOT_RECLAIM = 2,  /* random reclaim below the watermark: move back */
} iohot_reason_t;

#define IOHOT_MAX_WINDOW 64u         /* EQ 2 periods at most */
#define IOHOT_MAX_LOW_FRAMES (1u << 24)

/*
 * A decision: page (page number) moves in direction dir to/from low frame
 * `frame`. Returns whether it is carried out: a remap refused counts as a
 * failed low-frame allocation (the frame stays free, rho sees it), a move
 * back refused leaves the page remapped (asked again at a later period end).
 */
typedef bool (*iohot_decide_fn)(void *ctx, uint64_t page, iohot_dir_t dir, iohot_reason_t why,
                                uint32_t frame);

typedef struct iohot_cfg_s {
    uint32_t entries;      /* table entries, power of two, 1..2^20 */
    uint32_t mode;         /* iohot_mode_t */
    uint32_t replace;      /* iohot_replace_t */
    double mu;             /* EQ 1 memory, [0, 1) */
    uint32_t window;       /* EQ 2 periods W, 1..IOHOT_MAX_WINDOW */
    double tau_h;          /* remap threshold (minimum), I/Os per period, > tau_l */
    double tau_l;          /* move-back threshold (maximum), I/Os per period, >= 0 */
    double gain;           /* scarcity gain on rho, >= 0 */
    uint32_t low_frames;   /* low-memory frames for remapped pages, 0..IOHOT_MAX_LOW_FRAMES */
    uint32_t watermark;    /* free frames below which random reclaim runs, <= low_frames */
    uint64_t seed;         /* random reclaim's generator seed */
} iohot_cfg_t;

typedef struct iohot_entry_s {
    uint64_t tag;          /* page >> log2(entries) */
    double score;          /* activity a, I/Os per period */
    uint32_t count;        /* I/Os this period (saturating) */
    int32_t rm;            /* index of the page's remap record, -1 = not remapped */
    bool valid;            /* holds a page */
} iohot_entry_t;

typedef struct iohot_rm_s {
    uint64_t page;         /* the remapped page number */
    double score;          /* its score while out of the table */
    int32_t entry;         /* its table entry, -1 = out of the table */
    uint32_t frame;        /* its low frame, 0..low_frames-1 */
} iohot_rm_t;

typedef struct iohot_s {
    iohot_cfg_t cfg;
    uint32_t shift;        /* log2(entries) */
    iohot_entry_t *ent;    /* owned: entries */
    uint32_t *win;         /* owned: EQ 2 windows, entries * window counts (NULL under EQ 1) */
    uint32_t win_pos;      /* slot of the current period in every window */
    iohot_rm_t *rm;        /* owned: low_frames remap records, n_rm used */
    uint32_t n_rm;         /* pages remapped now */
    uint32_t *free_frames; /* owned: stack of free low frames, n_free used */
    uint32_t n_free;       /* free low frames */
    migsim_rng_t rng;      /* random reclaim */
    double tau_H, tau_L;   /* thresholds in force, I/Os per period */
    double rho;            /* scarcity of the last period, 0..1 */
    iohot_decide_fn decide;/* NULL = nobody told */
    void *decide_ctx;      /* borrowed */
    /* counters since init */
    uint64_t ios;          /* I/Os counted */
    uint64_t periods;      /* periods ended */
    uint64_t replacements; /* entries taken by another page */
    uint64_t kept;         /* collisions the resident won (IOHOT_REPLACE_LOWER): I/Os not counted */
    uint64_t remaps;       /* IOHOT_TO_LOW decisions carried out */
    uint64_t movebacks;    /* IOHOT_TO_HIGH decisions for a score below tau_L, carried out */
    uint64_t reclaims;     /* IOHOT_TO_HIGH decisions of random reclaim, carried out */
    uint64_t alloc_total;  /* low-frame allocations attempted */
    uint64_t alloc_failed; /* of them failed: no free frame, or the remap refused */
    uint64_t back_refused; /* IOHOT_TO_HIGH decisions refused: the page stays remapped */
} iohot_t;

/* The defaults: 256 entries, EQ 1, mu 0.5, W 4, tau_h 8, tau_l 2, gain 1, 1024 frames, watermark 16. */
void iohot_cfg_default(iohot_cfg_t *cfg);

/*
 * Check cfg and allocate. 0, MIGSIM_ECONFIG (naming the parameter: entries,
 * mu, window, tau_l, ...) or MIGSIM_ENOMEM.
 */
int iohot_init(iohot_t *h, const iohot_cfg_t *cfg);
void iohot_fini(iohot_t *h);

/* Tell fn of every decision (NULL: nobody). */
void iohot_set_decide(iohot_t *h, iohot_decide_fn fn, void *ctx);

/* One I/O to page number `page`. */
void iohot_count(iohot_t *h, uint64_t page);

/* End a period: scores, move-backs, remaps, reclaim, thresholds (see above). */
void iohot_end_period(iohot_t *h);

/* The page's score, false when it is neither in the table nor remapped. */
bool iohot_score(const iohot_t *h, uint64_t page, double *score);

/* Whether the page is remapped into low memory now. */
bool iohot_is_remapped(const iohot_t *h, uint64_t page);

/* Entries holding a page. */
uint32_t iohot_in_use(const iohot_t *h);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_IOHOT_H */
