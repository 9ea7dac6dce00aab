/*
 * iommu.h - the I/O memory-management unit: translates DMA requests by IOVA
 * to PA through one IOTLB, a page-walk cache and a walker that reads real
 * PTEs of the I/O page table from simulated memory (models/MIGRATION.md,
 * "The platform"). Under migration the I/O page table keeps one PTE for the
 * large page until the end (US 9,081,764 block 218), when the migration
 * controller points it at the target and invalidates the IOTLB with
 * iommu_invalidate().
 *
 * Ports: target "in" takes DMA requests by IOVA (a DMA device); initiator
 * "mem" carries the translated requests by PA (toward the dual-write chip
 * or memory) and the walker's 8-byte PTE reads and A/D writes.
 *
 * Timing of one request arriving at t: the IOTLB probe happens at
 * t + iotlb_ps; a hit is forwarded then; a miss starts a walk then, and the
 * request is forwarded when the walk ends (IOTLB filled). req->addr becomes
 * the PA, req->orig_addr keeps the IOVA. A write whose IOTLB entry has the
 * dirty bit clear walks (the walker sets D).
 *
 * Faults: a walk that reaches an invalid or malformed I/O PTE is an error
 * of the simulated system (an I/O page fault; a device with PRI retries it):
 * it is counted and the request is answered at once, without a memory
 * access, with req->status = IOMMU_STATUS_FAULT; a walk whose PTE read
 * comes back with an error answers IOMMU_STATUS_WALK_ERROR. The request is
 * not held.
 *
 * Invalidation: iommu_invalidate(iova, len, done, ctx) removes the IOTLB and
 * PWC entries overlapping the range at once and again when it completes,
 * inval_ps later (an event), and then calls done(ctx). While it is active,
 * a request whose IOVA is in the range waits (checked on arrival and at its
 * IOTLB probe); when no active invalidation covers it any more it starts
 * its IOTLB probe afresh (iotlb_ps), so a request arriving with the
 * invalidation is delayed by exactly inval_ps. Requests already translated
 * but not yet accepted by "mem" inside the range wait and translate again;
 * a walk in progress over the range has its result discarded and walks
 * again. inval_wait_ps sums each request's wait.
 *
 * Blocking: iommu_block(iova, len, done, ctx) blocks a range until
 * iommu_unblock(iova, len): it starts an invalidation of the range (its
 * IOTLB and PWC entries dropped, inval_ps, done(ctx) on completion, as
 * above) and, until unblocked, requests for the range wait in the same
 * queue as requests waiting for an invalidation, also after the
 * invalidation has completed. iommu_unblock lets them start their IOTLB
 * probe afresh, in arrival order (they walk: the range has no IOTLB
 * entry). A request that began waiting while a block covered it counts in
 * block_waits and block_wait_ps (its whole wait, the invalidation's time
 * included), any other in inval_waits and inval_wait_ps.
 *
 * Observer: iommu_set_observer(fn, ctx) tells fn of every request accepted
 * on "in" (IOMMU_SEEN_ACCEPT, arrival order), of its start of translation
 * (IOMMU_SEEN_BEGIN, once per request, after any wait for an invalidation
 * or a block) and of its response going back on "in" (IOMMU_SEEN_DONE,
 * faults included). The migration controller counts DMA pins with it
 * (iommu_set_observer); others, such as the I/O hot-page table, add
 * themselves with iommu_add_observer (at most IOMMU_MAX_OBSERVERS in all,
 * told in the order they were set: the iommu_set_observer one first).
 *
 * Back-pressure: at most max_held_reqs requests are held (accepted and not
 * yet accepted by "mem"); "in" refuses beyond and is retried when one
 * leaves. Requests "mem" refuses wait in order and are resent from its
 * retry callback, after the walker's own.
 *
 * Hot path: per request, one slot from a free list, one IOTLB probe (one
 * set per ladder size), one scan of the active invalidations (at most
 * IOMMU_MAX_INVALS, usually none), one send. No allocation after init
 * except walk requests from the pool.
 */
#ifndef MIGSIM_MODELS_IOMMU_H
#define MIGSIM_MODELS_IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "migsim/component.h"
#include "xlat/xlat.h"

#ifdef __cplusplus
extern "C" {
#endif

#define IOMMU_STATUS_FAULT (-64)       /* req->status: I/O page fault (invalid or malformed PTE) */
#define IOMMU_STATUS_WALK_ERROR (-65)  /* req->status: a PTE read came back with an error */

/*
 * PCIe ATS (Address Translation Services) on "in", set by a device with a
 * translation cache (dma_dev atc_entries):
 *   IOMMU_REQ_ATS_XLATE: a translation request. It is translated as any
 *     request (IOTLB probe, walk, invalidation waits) and answered without a
 *     memory access: req->addr = the PA of req->orig_addr, status 0, or a
 *     fault status as a request would get.
 *   IOMMU_REQ_ATS_TRANSLATED: req->addr is already a PA (from the device's
 *     cache; req->orig_addr keeps the IOVA): passed to "mem" as it is, never
 *     held by an invalidation. A stale device cache is the invalidation's
 *     business (the migration controller invalidates every ATC).
 */
#define IOMMU_REQ_ATS_XLATE 0x10000u
#define IOMMU_REQ_ATS_TRANSLATED 0x20000u

#define IOMMU_MAX_INVALS 8u            /* invalidations in progress at once */
#define IOMMU_CHANGE_LOG 32u           /* recent invalidation ranges kept for walks in flight */
#define IOMMU_MAX_BLOCKS 8u            /* ranges blocked at once */
#define IOMMU_MAX_OBSERVERS 4u         /* observers at once, the iommu_set_observer one included */

typedef enum iommu_where_e {
    IOMMU_FREE = 0,      /* slot unused, on the free list */
    IOMMU_PROBE,         /* waiting for its IOTLB probe (probeq) */
    IOMMU_WALKQ,         /* every walk slot busy: waiting for one (walkq) */
    IOMMU_WALK,          /* linked into a walk of the walker */
    IOMMU_INVAL,         /* waiting for an invalidation of its IOVA to complete (invalq) */
    IOMMU_OUT,           /* translated, waiting for "mem" to accept (outq) */
} iommu_where_t;

/* One held request. */
typedef struct iommu_slot_s {
    xlat_waiter_t wt;              /* the walker's link; wt.ctx points to this slot */
    struct iommu_slot_s *next;     /* link in the list named by `where` */
    migsim_req_t *req;             /* borrowed from upstream while held; NULL when free */
    migsim_tick_t due_ps;          /* probeq: when the probe happens, ps */
    migsim_tick_t wait_ps;         /* invalq: when it started waiting, ps */
    migsim_tick_t enter_ps;        /* when it last entered the walker, ps */
    uint64_t enter_seq;            /* iommu_t.chg_n at that moment */
    uint8_t where;                 /* iommu_where_t */
    bool begun;                    /* IOMMU_SEEN_BEGIN was reported for this request */
    bool by_block;                 /* invalq: a block covered it when it began waiting */
    bool translated;               /* an ATS-translated request: passed through, never held */
} iommu_slot_t;

typedef struct iommu_q_s {
    iommu_slot_t *head, *tail;     /* borrowed slots, oldest first */
    uint32_t n;                    /* slots queued */
} iommu_q_t;

struct iommu_s;

/* Called when an invalidation completes; ctx is the caller's. */
typedef void (*iommu_inval_done_fn)(void *ctx);

/* One invalidation in progress. */
typedef struct iommu_inval_s {
    struct iommu_s *io;            /* borrowed: the owner (the event's context) */
    migsim_event_t ev;             /* completion, inval_ps after the call */
    uint64_t lo, hi;               /* IOVA range [lo, hi) */
    iommu_inval_done_fn done;      /* may be NULL */
    void *ctx;                     /* borrowed: done's argument */
    bool active;                   /* in progress */
} iommu_inval_t;

/* One blocked range. */
typedef struct iommu_block_s {
    uint64_t lo, hi;               /* IOVA range [lo, hi) */
    bool active;                   /* blocked */
} iommu_block_t;

/* What an observer is told of a request (iommu_set_observer). */
typedef enum iommu_seen_e {
    IOMMU_SEEN_ACCEPT = 0,         /* accepted on "in" */
    IOMMU_SEEN_BEGIN,              /* starts its translation (no invalidation or block holds it) */
    IOMMU_SEEN_DONE,               /* its response goes back on "in" (the request is still valid) */
} iommu_seen_t;

/* Told of requests as they pass; req is borrowed for the call. */
typedef void (*iommu_observe_fn)(void *ctx, const migsim_req_t *req, iommu_seen_t what);

typedef struct iommu_observer_s {
    iommu_observe_fn fn;           /* NULL = slot unused */
    void *ctx;                     /* borrowed: fn's argument */
} iommu_observer_t;

typedef struct iommu_change_s {
    migsim_tick_t t_ps;            /* when the invalidation started, ps */
    uint64_t lo, hi;               /* IOVA range [lo, hi) */
} iommu_change_t;

typedef struct iommu_s {
    migsim_comp_t comp;
    migsim_port_t in;              /* target: DMA requests by IOVA */
    migsim_port_t mem;             /* initiator: requests by PA and walk requests */
    /* parameters */
    char *ladder_str;              /* page sizes, smallest first */
    uint32_t va_bits;              /* IOVA width, bits, 12..57 */
    uint32_t iotlb_sets, iotlb_ways; /* IOTLB geometry per ladder size: sets power of two, ways 1..255 */
    uint64_t iotlb_ps;             /* IOTLB probe latency, ps (0 = free) */
    uint32_t pwc_entries;          /* page-walk-cache entries per level >= 1, 0..64 */
    uint32_t max_walks;            /* concurrent walks, 1..4096 */
    uint32_t max_held_reqs;        /* requests held at most, 1..65536 */
    uint64_t inval_ps;             /* invalidation time, call to completion, ps */
    uint32_t dev_id;               /* src_idx of walk requests */
    /* state */
    xlat_ladder_t ladder;          /* parsed ladder_str with va_bits */
    xlat_tlb_t iotlb;              /* owns its arrays */
    xlat_pwc_t pwc;                /* inline */
    xlat_walker_t walker;          /* owns its slots */
    bool root_set;                 /* iommu_set_root was called */
    uint64_t root;                 /* PA of the top I/O table */
    iommu_slot_t *slots;           /* owned: max_held_reqs slots */
    iommu_slot_t *free_head;       /* free slots, linked through next */
    uint32_t held;                 /* slots in use */
    iommu_q_t probeq;              /* probes due, in due order */
    iommu_q_t walkq;               /* waiting for a walk slot, arrival order */
    iommu_q_t invalq;              /* waiting for invalidations, arrival order */
    iommu_q_t outq;                /* translated, refused by "mem" or behind one that was */
    bool mem_blocked;              /* "mem" refused a data request; waiting for its retry */
    bool want_retry;               /* "in" refused a request; retry it when a slot frees */
    iommu_inval_t inv[IOMMU_MAX_INVALS]; /* invalidations, active or not */
    uint32_t inv_active;           /* active invalidations */
    iommu_block_t blk[IOMMU_MAX_BLOCKS]; /* blocked ranges, active or not */
    uint32_t blk_active;           /* active blocks */
    iommu_observer_t obs[IOMMU_MAX_OBSERVERS]; /* [0]: iommu_set_observer's; then iommu_add_observer's */
    uint32_t n_obs;                /* slots of obs in use or reserved (>= 1 once any is set) */
    iommu_change_t chg[IOMMU_CHANGE_LOG]; /* ring of recent invalidation starts */
    uint64_t chg_n;                /* logged since start */
    migsim_event_t probe_ev;       /* next IOTLB probe */
    migsim_event_t retry_ev;       /* tells "in" to retry, outside any callback */
    /* statistics */
    uint64_t st_reqs;              /* requests accepted on "in" */
    uint64_t st_hits, st_misses;   /* IOTLB hits used, misses */
    uint64_t st_dirty_walks;       /* writes whose IOTLB entry had D clear */
    uint64_t st_pwc_hits;          /* walks that started below a PWC hit (finalize) */
    uint64_t st_faults;            /* requests answered IOMMU_STATUS_FAULT */
    uint64_t st_walk_errors;       /* requests answered IOMMU_STATUS_WALK_ERROR */
    uint64_t st_walk_restarts;     /* walk results discarded: an invalidation hit their range */
    uint64_t st_invals;            /* iommu_invalidate calls accepted */
    uint64_t st_iotlb_inval;       /* IOTLB entries removed by invalidations */
    uint64_t st_inval_waits;       /* requests that waited for an invalidation */
    uint64_t st_inval_wait_ps;     /* sum of those waits, ps */
    uint64_t st_blocks;            /* iommu_block calls accepted */
    uint64_t st_block_waits;       /* requests that waited on a blocked range */
    uint64_t st_block_wait_ps;     /* sum of those waits, ps */
    uint64_t st_translated;        /* translated requests accepted by "mem" */
    uint64_t st_ats_xlate;         /* ATS translation requests answered (faults included) */
    uint64_t st_ats_passed;        /* ATS-translated requests passed to "mem" untranslated */
    uint64_t st_refused;           /* "in" requests refused: hold limit */
    uint64_t st_mem_refused;       /* data sends "mem" refused */
    uint64_t st_walk_lat_max_ps;   /* longest walk, ps (finalize) */
    double st_walk_lat_avg_ps;     /* average walk, ps (finalize) */
} iommu_t;

extern const migsim_comp_ops_t iommu_ops;

/*
 * Set the PA of the top I/O page table (4 KiB aligned), before DMA starts
 * (the migration controller does it at start). Changing it later flushes
 * the IOTLB and PWC. 0, or MIGSIM_EINVAL (misaligned) with a message.
 */
int iommu_set_root(iommu_t *io, uint64_t root_pa);

/*
 * Invalidate [iova, iova+len): IOTLB and PWC entries overlapping it are
 * removed now and again on completion, inval_ps from now, when done(ctx)
 * is called (from the completion event; done may be NULL and may start
 * another invalidation). Requests for the range wait meanwhile (see the
 * file header). Returns 0, MIGSIM_EINVAL (len 0) or MIGSIM_EBUSY (already
 * IOMMU_MAX_INVALS in progress: call again after one completes).
 */
int iommu_invalidate(iommu_t *io, uint64_t iova, uint64_t len, iommu_inval_done_fn done, void *ctx);

/*
 * Block [iova, iova+len): an invalidation of the range starts (as
 * iommu_invalidate, done(ctx) at its completion), and requests for the
 * range wait until iommu_unblock of the same range (see the file header).
 * Returns 0, MIGSIM_EINVAL (len 0), or MIGSIM_EBUSY (IOMMU_MAX_BLOCKS
 * ranges already blocked, or IOMMU_MAX_INVALS invalidations in progress).
 */
int iommu_block(iommu_t *io, uint64_t iova, uint64_t len, iommu_inval_done_fn done, void *ctx);

/*
 * Unblock a range given to iommu_block (same iova and len): the requests
 * waiting for it that nothing else holds start translating, in arrival
 * order. Returns 0, or MIGSIM_EINVAL when no such range is blocked.
 */
int iommu_unblock(iommu_t *io, uint64_t iova, uint64_t len);

/* Tell fn(ctx, ...) of every request as it passes (NULL: nobody); replaces the last one. */
void iommu_set_observer(iommu_t *io, iommu_observe_fn fn, void *ctx);

/*
 * Tell fn(ctx, ...) of every request as it passes, besides the observers
 * already there. 0, or MIGSIM_EBUSY when IOMMU_MAX_OBSERVERS are set.
 */
int iommu_add_observer(iommu_t *io, iommu_observe_fn fn, void *ctx);

/* Requests held (accepted from "in", not yet accepted by "mem"). */
static inline uint32_t iommu_held(const iommu_t *io) { return io->held; }

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_IOMMU_H */
