/*
 * ascan.h - the accessed-bit scanner (component "abit_scan"): the OS's page
 * activity classifier of seed 001 (VMware: classifying memory pages by
 * scanning the accessed bits of the page table over repeating scan periods,
 * at least two states from hot to cold kept in PTE bits; the scan interval
 * adjusted to the migration; neighbouring pages prefetched on a fault;
 * large-page candidates prioritised by the count of set accessed bits in
 * each last-level page table).
 *
 * Every scan period it walks the CPU page table that a migration controller
 * (migctl) builds, over a VA range (default: everything the controller
 * maps), with real 8-byte PTE reads through its own memory port, visiting
 * every table entry of the range at every level. For each valid leaf (any
 * ladder size: a large leaf is one page) it shifts the accessed bit into a
 * 4-bit history kept in the PTE's software bits, derives the activity class
 * from that history, and writes the PTE back with A clear and the new
 * software bits by an atomic compare-and-swap (as the walkers set A/D; a
 * walker that sets A between the read and the write makes the swap fail, and
 * the PTE is read again). The TLBs of every CPU MMU are then flushed over the
 * range whose A bits were cleared, with the controller's shootdown cost
 * (migctl_tlb_flush), so that the next access walks and sets A again.
 *
 * Software bits (xlat.h, XLAT_PTE_SW): bits 4..7 hold the history, bit 4 the
 * last scan (1 = accessed in the period before it), bits 8..10 the class
 * plus one (0 = not classified since the leaf was written by the OS), bit 11
 * stays free. The class rule: the number of the last four scans that found
 * the page accessed, h = popcount(history), gives class 4 - h, so class 0
 * (ASCAN_HOT) is a page accessed in each of the last 4 periods and class 4
 * (ASCAN_COLD) one accessed in none. Seed 001 classifies by "whether the
 * memory page has been accessed or not since a prior scan" over repeating
 * periods: the count over a window of periods is the access frequency the
 * repeated samples estimate, and it orders pages for a live migration as it
 * needs (a page seen in every period is the one most likely to be written
 * again after it is copied; one seen in none the safest to move first). No
 * host array per page is kept: the class lives in the PTE.
 *
 * Period adaptation (seed 001: the interval "dynamically adjusted to better
 * align its performance with the live VM migration process"), after each
 * scan: with c the leaves whose class changed among the p that had a class
 * before it, c/p > churn_hi_frac halves the period (the classes go stale
 * faster than they are refreshed), c/p < churn_lo_frac doubles it; when the
 * migration reported m > 0 pages moved since the previous scan
 * (ascan_migrated) over the d ps since that scan's start, and k cold pages
 * are left as candidates, the period is at most d * k / m (the time the
 * migration takes to use the cold candidates up, so the list is refreshed
 * before it runs dry). The result is clamped to [min_period_ps,
 * max_period_ps].
 *
 * Prefetch (seed 001, neighbouring guest pages on a fault): a CPU MMU fault
 * at a VA in the tracked range marks the prefetch_pages leaves that follow
 * the faulting one (in VA order, within the range, up to a hole) as
 * candidates, in a list of at most prefetch_max distinct page VAs kept in
 * the order marked.
 *
 * Large-page prioritisation (seed 001): each scan counts the set A bits in
 * every last-level (level-0) table it visits; ascan_l1_tables gives those
 * tables ordered by that count, most first, ties by VA.
 *
 * Hot path: one response per PTE (decode, classify, at most one write), the
 * traversal of the table in zero time at issue. Nothing allocates after init.
 */
#ifndef MIGSIM_MODELS_ASCAN_H
#define MIGSIM_MODELS_ASCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "migsim/component.h"
#include "xlat/xlat.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ASCAN_CLASSES 5u            /* class 0 (hot) .. 4 (cold) */
#define ASCAN_HOT 0u
#define ASCAN_COLD 4u
#define ASCAN_NOCLASS 255u          /* ascan_class of a leaf not classified yet, or of no leaf */
#define ASCAN_HIST_BITS 4u          /* scans of history kept */
#define ASCAN_HIST_SHIFT 4u         /* PTE bits 4..7: the history */
#define ASCAN_CLS_SHIFT 8u          /* PTE bits 8..10: the class + 1 */
#define ASCAN_PTE_SW 0x7f0ull       /* the software bits the scanner owns */
#define ASCAN_MAX_RANGES 2u         /* tracked VA ranges (the identity region and the page) */
#define ASCAN_MAX_INFLIGHT 256u

/* The class a 4-bit history gives: 4 - (scans that found A set). */
static inline uint32_t ascan_class_of(uint32_t hist)
{
    return ASCAN_HIST_BITS - (uint32_t)__builtin_popcount(hist & 0xfu);
}

/* A last-level table and the A bits its leaves had set at the last scan. */
typedef struct ascan_l1_s {
    uint64_t va;                    /* first VA the table translates, bytes */
    uint32_t a_set;                 /* leaves with A set at the last scan */
    uint32_t leaves;                /* valid leaves in the range at the last scan */
} ascan_l1_t;

/* One PTE request at the memory. */
typedef struct ascan_op_s {
    uint64_t pte_addr;              /* PA of the PTE word */
    uint64_t va;                    /* first VA the entry translates */
    uint64_t expect;                /* the value read (the CAS's compare) */
    int64_t l1;                     /* index in l1[] of its level-0 table, -1 = none */
    migsim_req_t *req;              /* built and refused by the port, to resend; else NULL */
    uint32_t level;                 /* table level of the entry */
    uint8_t busy;                   /* slot in use */
    uint8_t writing;                /* the request is the CAS write */
} ascan_op_t;

/* One level of the zero-time traversal. */
typedef struct ascan_frame_s {
    uint64_t table;                 /* PA of the table */
    uint64_t base;                  /* VA its entry 0 translates */
    uint64_t idx, end;              /* next entry, one past the last in range */
    int64_t l1;                     /* l1[] index when level 0, else -1 */
} ascan_frame_t;

struct migctl_s;

typedef struct ascan_s {
    migsim_comp_t comp;
    migsim_port_t mem;              /* initiator: 8-byte PTE reads and CAS writes, by PA */
    /* parameters */
    char *migctl;                   /* the controller whose CPU page table is scanned */
    uint64_t va, bytes;             /* tracked VA range; bytes 0 = all the controller maps */
    uint64_t period_ps;             /* first scan period (scan start to scan start), ps */
    uint64_t min_period_ps, max_period_ps; /* limits of the adapted period, ps */
    double churn_hi_frac, churn_lo_frac; /* class-change fractions that halve / double it */
    uint32_t max_inflight;          /* PTE requests outstanding at most, 1..256 */
    uint32_t prefetch_pages;        /* leaves after a faulting one marked, 0 = none */
    uint32_t prefetch_max;          /* prefetch candidates kept at most */
    bool flush_tlbs;                /* flush the CPU TLBs after clearing A bits */
    /* resolved and derived */
    struct migctl_s *mig;           /* borrowed */
    xlat_ladder_t lad;              /* the controller's ladder */
    uint64_t rlo[ASCAN_MAX_RANGES], rhi[ASCAN_MAX_RANGES]; /* tracked [lo, hi), VA order */
    uint32_t nranges;
    /* the pass in progress */
    bool in_pass;
    uint32_t range;                 /* range being walked */
    int32_t depth;                  /* frames in use - 1; -1 = the range not started */
    ascan_frame_t fr[XLAT_MAX_SIZES];
    ascan_op_t *ops;                /* owned: max_inflight slots */
    uint32_t busy;                  /* ops at the memory or refused */
    ascan_op_t **wait;              /* owned: ring of ops whose request waits to be sent */
    uint32_t wait_head, nwait;      /* ring start and length (max_inflight slots) */
    bool blocked;                   /* the port refused; waiting for its retry */
    migsim_tick_t pass_start_ps;    /* when this pass began */
    migsim_tick_t prev_start_ps;    /* when the previous pass began */
    uint64_t flush_lo, flush_hi;    /* VA range of the A bits cleared in this pass */
    uint64_t pass_class[ASCAN_CLASSES];
    uint64_t pass_changed, pass_prior; /* leaves whose class changed, of those with one before */
    uint64_t pass_cleared;          /* A bits cleared in this pass */
    uint64_t migrated;              /* pages the migration reported since the last pass */
    ascan_l1_t *l1;                 /* owned: level-0 tables of this pass, l1_cap at most */
    uint32_t nl1, l1_cap;
    ascan_l1_t *l1_sorted;          /* owned: the last pass's, by count */
    uint32_t nl1_sorted;
    uint64_t *pf;                   /* owned: prefetch candidates (page VAs), prefetch_max */
    uint32_t npf;
    migsim_event_t scan_ev;         /* daemon: the next pass */
    migsim_event_t done_ev;         /* the pass's TLB flush has been acknowledged */
    migsim_event_t retry_ev;        /* resend refused requests outside the port's callback */
    /* statistics */
    uint64_t st_scans;              /* passes completed */
    uint64_t st_ptes_read;          /* PTE reads sent (re-reads after a failed CAS included) */
    uint64_t st_ptes_written;       /* PTE CAS writes that succeeded */
    uint64_t st_cas_failed;         /* CAS writes that found the PTE changed */
    uint64_t st_a_cleared;          /* accessed bits cleared */
    uint64_t st_scan_ps;            /* sum over passes of start to end (flush wait included) */
    uint64_t st_flushes;            /* TLB flushes (each to every CPU MMU) */
    uint64_t st_class[ASCAN_CLASSES]; /* leaves per class after the last pass */
    uint64_t st_period_ps;          /* current period */
    uint64_t st_changed;            /* leaves whose class changed at the last pass */
    uint64_t st_pf_marked;          /* prefetch candidates added */
    uint64_t st_pf_dropped;         /* ... not added: the list was full */
    uint64_t st_faults_seen;        /* CPU MMU faults in the tracked range */
} ascan_t;

extern const migsim_comp_ops_t ascan_ops;

/*
 * The class of the leaf covering `va` as now in its PTE (read from the
 * functional memory, zero time): ASCAN_HOT..ASCAN_COLD, or ASCAN_NOCLASS
 * when no leaf covers va or it was not classified since the OS wrote it.
 */
uint32_t ascan_class(const ascan_t *a, uint64_t va);

/*
 * The valid leaves of class `cls` in the tracked range, in VA order (a leaf
 * the migration has made invalid is no candidate): their first
 * VAs into out[0 .. max), the number there are returned (may exceed max).
 */
uint64_t ascan_pages(const ascan_t *a, uint32_t cls, uint64_t *out, uint64_t max);

/*
 * The last-level tables visited by the last pass, most A bits set first
 * (ties: lower VA first); *n receives their number. Valid until the next
 * pass ends.
 */
const ascan_l1_t *ascan_l1_tables(const ascan_t *a, uint32_t *n);

/* The prefetch candidates (page VAs) in the order marked; *n their number. */
const uint64_t *ascan_prefetch(const ascan_t *a, uint32_t *n);

/* Forget the prefetch candidates (a policy took them). */
void ascan_prefetch_clear(ascan_t *a);

/* The migration moved `pages` pages since it last said (input of the period adaptation). */
void ascan_migrated(ascan_t *a, uint64_t pages);

/* The period the next pass will use, ps. */
static inline uint64_t ascan_period_ps(const ascan_t *a) { return a->st_period_ps; }

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_ASCAN_H */
