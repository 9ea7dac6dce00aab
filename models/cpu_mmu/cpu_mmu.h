/*
 * cpu_mmu.h - the memory-management unit of one CPU core: L1 and L2 TLBs,
 * a page-walk cache and a page-table walker that reads real PTEs from
 * simulated memory (models/MIGRATION.md, "The platform" and "Page tables").
 * Under migration (US 9,081,764 FIG. 2 block 208) the subpage PTE is
 * invalid: an access to it faults and waits until the OS side (the
 * migration controller) makes the PTE valid again and calls
 * cpu_mmu_pte_changed(); that is segment 2 of the seed's table ("CPU
 * blocked").
 *
 * Ports: target "in" takes requests by VA (a trace player or core);
 * initiator "mem" carries the translated requests by PA and the walker's
 * 8-byte PTE reads and A/D writes toward memory.
 *
 * Timing of one request arriving at t (all lookups happen when their
 * latency has elapsed, so a shootdown in between is seen):
 *   L1 hit               forwarded at t + l1_ps
 *   L1 miss, L2 hit      L1 filled, forwarded at t + l1_ps + l2_ps
 *   L1 and L2 miss       walk starts at t + l1_ps + l2_ps; when it ends the
 *                        L2 and L1 are filled and the request is forwarded
 *                        at once (walk time = the PTE reads' memory time)
 * A write whose TLB entry has the dirty bit clear is sent to the walker
 * (which sets D in memory) instead of being forwarded from the TLB.
 * The forwarded request keeps its identity: req->addr becomes the PA,
 * req->orig_addr keeps the VA; the response goes back upstream unchanged.
 *
 * Faults: a walk ending at a PTE with its valid bit clear (or a malformed
 * PTE) is a fault of the simulated system, not an error: the access waits
 * in the fault list, as does any later access whose VA falls in the region
 * the invalid PTE covers (size of its level). cpu_mmu_pte_changed(va, len)
 * re-walks every waiting access whose VA is in the range. faults counts
 * fault events; fault_stall_ps sums, per access, the time from its first
 * fault to the end of the translation that finally succeeded. A walk that
 * comes back with a memory error answers the request upstream with
 * req->status = CPU_MMU_STATUS_WALK_ERROR.
 *
 * Shootdown: cpu_mmu_shootdown(va, len) is this core taking the shootdown
 * IPI. Every L1, L2 and PWC entry overlapping the range is removed at once,
 * and the core runs its handler (interrupt entry, the flush, exit) for
 * shootdown_handler_ps, not its trace: "in" refuses requests meanwhile and
 * calls for them again when the handler ends; translated requests not yet
 * accepted by "mem" whose VA is in the range are held and translate again
 * after it. A shootdown during a handler runs after it. Requests already in the
 * TLB pipeline or walking go on. The initiator's wait (IPI round trip plus
 * the slowest handler) is the caller's. A walk in progress over a changed
 * range (shootdown or pte_changed at or after the walk's start) has its
 * result discarded and walks again, so no stale translation survives either
 * call.
 *
 * Stop: cpu_mmu_stop() and cpu_mmu_resume() bracket a span in which the
 * core runs something other than its trace (a firmware SMI, a pause): "in"
 * refuses requests as during a shootdown handler and calls for them again
 * when both the stop and any handler have ended; nothing is flushed, and
 * requests already accepted go on.
 *
 * Back-pressure: at most max_held_reqs requests are held (accepted from
 * "in" and not yet accepted by "mem"); beyond that "in" refuses and is
 * retried when one leaves. Requests "mem" refuses wait in order and are
 * resent from its retry callback (after the walker's own refused reads).
 *
 * Hot path: per request, one slot from a free list, one L1 probe (one set
 * per ladder size), and one send; per miss, an L2 probe, a PWC lookup and
 * one request per PTE level. No allocation after init except walk
 * requests from the pool.
 */
#ifndef MIGSIM_MODELS_CPU_MMU_H
#define MIGSIM_MODELS_CPU_MMU_H

#include <stdbool.h>
#include <stdint.h>

#include "migsim/component.h"
#include "xlat/xlat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* req->status of a request whose page walk got a memory error back. */
#define CPU_MMU_STATUS_WALK_ERROR (-66)

#define CPU_MMU_CHANGE_LOG 32u   /* recent shootdown / pte_changed ranges kept for walks in flight */

/* Where a held request is. */
typedef enum cpu_mmu_where_e {
    CPU_MMU_FREE = 0,      /* slot unused, on the free list */
    CPU_MMU_L1,            /* waiting for its L1 probe (l1q) */
    CPU_MMU_L2,            /* waiting for its L2 probe (l2q) */
    CPU_MMU_WALKQ,         /* every walk slot busy: waiting for one (walkq) */
    CPU_MMU_WALK,          /* linked into a walk of the walker */
    CPU_MMU_FAULT,         /* in the fault list until cpu_mmu_pte_changed */
    CPU_MMU_OUT,           /* translated, waiting for "mem" to accept (outq) */
    CPU_MMU_STALL,         /* held while the core runs a shootdown handler (stallq) */
} cpu_mmu_where_t;

/* One held request. */
typedef struct cpu_mmu_slot_s {
    xlat_waiter_t wt;              /* the walker's link; wt.ctx points to this slot */
    struct cpu_mmu_slot_s *next;   /* link in the list named by `where` */
    migsim_req_t *req;             /* borrowed from upstream while held; NULL when free */
    migsim_tick_t due_ps;          /* l1q/l2q: when the probe happens; stallq: when held, ps */
    migsim_tick_t fault_ps;        /* first fault of this access, ps; valid if faulted */
    uint64_t flt_lo, flt_hi;       /* VA region [lo, hi) the invalid PTE covers (CPU_MMU_FAULT) */
    migsim_tick_t enter_ps;        /* when it last entered the walker, ps */
    uint64_t enter_seq;            /* cpu_mmu_t.chg_n at that moment */
    uint8_t where;                 /* cpu_mmu_where_t */
    uint8_t faulted;               /* 1 once the access has faulted (stall to account) */
} cpu_mmu_slot_t;

/* A FIFO of slots. */
typedef struct cpu_mmu_q_s {
    cpu_mmu_slot_t *head, *tail;   /* borrowed slots, oldest first */
    uint32_t n;                    /* slots queued */
} cpu_mmu_q_t;

/* One recent change of the page table or the TLBs, for walks in flight. */
typedef struct cpu_mmu_change_s {
    migsim_tick_t t_ps;            /* when it happened, ps */
    uint64_t lo, hi;               /* VA range [lo, hi) */
} cpu_mmu_change_t;

/* Told of every access the MMU accepts, by VA, before it is translated (cpu_mmu_set_access_observer). */
typedef void (*cpu_mmu_access_fn)(void *ctx, uint64_t va, bool write);

typedef struct cpu_mmu_s {
    migsim_comp_t comp;
    migsim_port_t in;              /* target: requests by VA */
    migsim_port_t mem;             /* initiator: requests by PA and walk requests */
    /* parameters */
    char *ladder_str;              /* page sizes, smallest first, e.g. "4K,64K,1M,16M,256M,4G" */
    uint32_t va_bits;              /* VA width, bits, 13..57 */
    uint32_t l1_sets, l1_ways;     /* L1 TLB geometry per ladder size: sets power of two, ways 1..255 */
    uint32_t l2_sets, l2_ways;     /* L2 TLB geometry per ladder size (0 sets = no L2) */
    uint64_t l1_ps;                /* L1 probe latency, ps (0 = free) */
    uint64_t l2_ps;                /* L2 probe latency after an L1 miss, ps */
    uint32_t pwc_entries;          /* page-walk-cache entries per level >= 1, 0..64 */
    uint32_t max_walks;            /* concurrent walks, 1..4096 */
    uint32_t max_held_reqs;        /* requests held at most, 1..65536 */
    uint32_t core_id;              /* src_idx of walk requests */
    uint64_t shootdown_handler_ps; /* one shootdown IPI's handler on this core, ps (0 = none) */
    /* state */
    xlat_ladder_t ladder;          /* parsed ladder_str with va_bits */
    xlat_tlb_t l1, l2;             /* the TLBs (own their arrays) */
    xlat_pwc_t pwc;                /* page-walk cache (inline) */
    xlat_walker_t walker;          /* walk engine (owns its slots) */
    bool root_set;                 /* cpu_mmu_set_root was called */
    uint64_t root;                 /* PA of the top table */
    cpu_mmu_slot_t *slots;         /* owned: max_held_reqs slots */
    cpu_mmu_slot_t *free_head;     /* free slots, linked through next */
    uint32_t held;                 /* slots in use */
    cpu_mmu_q_t l1q, l2q;          /* probes due, in due order (constant latency keeps it) */
    cpu_mmu_q_t walkq;             /* waiting for a walk slot, arrival order */
    cpu_mmu_q_t faultq;            /* faulted accesses, fault order */
    cpu_mmu_q_t outq;              /* translated, refused by "mem" or behind one that was */
    cpu_mmu_q_t stallq;            /* accesses to translate again once the shootdown handler ends,
                                      in order;
                                      due_ps = when each was held */
    migsim_tick_t stall_until_ps;  /* the running shootdown handler ends then (<= now: none) */
    bool stopped;                  /* between cpu_mmu_stop and cpu_mmu_resume */
    migsim_tick_t stop_since_ps;   /* when the current stop began, ps (valid while stopped) */
    bool mem_blocked;              /* "mem" refused a data request; waiting for its retry */
    bool want_retry;               /* "in" refused a request; retry it when a slot frees */
    bool stall_retry;              /* "in" refused a request during a handler; retry at its end */
    cpu_mmu_change_t chg[CPU_MMU_CHANGE_LOG]; /* ring of recent changes */
    uint64_t chg_n;                /* changes logged since start (ring index = chg_n % size) */
    migsim_event_t l1_ev, l2_ev;   /* next L1 / L2 probe */
    migsim_event_t retry_ev;       /* tells "in" to retry, outside any callback */
    migsim_event_t stall_ev;       /* the shootdown handler ends: release stallq */
    cpu_mmu_access_fn access_fn;   /* NULL = none */
    void *access_ctx;              /* borrowed: access_fn's argument */
    /* statistics */
    uint64_t st_reqs;              /* requests accepted on "in" */
    uint64_t st_l1_hits, st_l1_misses, st_l2_hits, st_l2_misses;
    uint64_t st_dirty_walks;       /* writes that hit an entry with D clear and walked to set it */
    uint64_t st_pwc_hits;          /* walks that started below a PWC hit (finalize) */
    uint64_t st_faults;            /* fault events (walk faults and accesses joining a fault) */
    uint64_t st_fault_stall_ps;    /* sum over accesses: first fault to successful translation, ps */
    uint64_t st_fault_waiting;     /* accesses in the fault list when stats are taken (finalize) */
    uint64_t st_walk_restarts;     /* walk results discarded because their range changed */
    uint64_t st_walk_errors;       /* requests answered with CPU_MMU_STATUS_WALK_ERROR */
    uint64_t st_shootdowns;        /* cpu_mmu_shootdown calls */
    uint64_t st_tlb_inval;         /* L1 + L2 entries removed by shootdowns */
    uint64_t st_pwc_inval;         /* PWC entries removed by shootdowns */
    uint64_t st_shootdown_stall_ps; /* sum of shootdown handler times: the core ran no trace, ps */
    uint64_t st_stall_refused;     /* "in" requests refused while a shootdown handler ran */
    uint64_t st_stall_held;        /* requests held by a shootdown handler */
    uint64_t st_stall_held_ps;     /* sum over them: held to the handler's end, ps */
    uint64_t st_pte_changed;       /* cpu_mmu_pte_changed calls */
    uint64_t st_stops;             /* cpu_mmu_stop calls that stopped the core */
    uint64_t st_stopped_ps;        /* sum of the stops' spans, ps */
    uint64_t st_translated;        /* translated requests accepted by "mem" */
    uint64_t st_refused;           /* "in" requests refused: hold limit */
    uint64_t st_mem_refused;       /* data sends "mem" refused */
    uint64_t st_walk_lat_max_ps;   /* longest walk, ps (finalize) */
    double st_walk_lat_avg_ps;     /* average walk, ps (finalize) */
    /* observer of walk faults (cpu_mmu_set_fault_observer); NULL = none */
    void (*fault_fn)(void *ctx, uint64_t va); /* called at each walk ending in a fault */
    void *fault_ctx;               /* borrowed: its first argument */
} cpu_mmu_t;

extern const migsim_comp_ops_t cpu_mmu_ops;

/* Call fn(ctx, va, write) for every access accepted on "in" (one observer; NULL clears it). */
void cpu_mmu_set_access_observer(cpu_mmu_t *mmu, cpu_mmu_access_fn fn, void *ctx);

/*
 * Set the PA of the top page table (4 KiB aligned). Called by the migration
 * controller (or a test) before translations start; may be called again to
 * switch address space (walks in progress keep the old root; the TLBs and
 * PWC are flushed). Returns 0, or MIGSIM_EINVAL (misaligned) with a message.
 */
int cpu_mmu_set_root(cpu_mmu_t *mmu, uint64_t root_pa);

/*
 * TLB shootdown of [va, va+len), as this core's IPI handler: remove every
 * L1, L2 and PWC entry whose region overlaps it, now; translated requests
 * not yet accepted by "mem" inside the range translate again after the
 * handler, and walks in progress over it are redone. The handler runs for
 * shootdown_handler_ps from now (or from the end of a handler still
 * running); "in" holds what arrives meanwhile. The initiator's wait is the
 * caller's (see cpu_mmu_shootdown_ack_ps). Returns the number of TLB
 * entries removed.
 */
uint64_t cpu_mmu_shootdown(cpu_mmu_t *mmu, uint64_t va, uint64_t len);

/*
 * The OS changed PTEs of [va, va+len) (typically made them valid again):
 * every access waiting in the fault list with its VA in the range walks
 * again now, and walks in progress over the range are redone when they end.
 * Returns the number of waiting accesses released.
 */
uint32_t cpu_mmu_pte_changed(cpu_mmu_t *mmu, uint64_t va, uint64_t len);

/*
 * Stop the core from now until cpu_mmu_resume(): it runs no trace ("in"
 * refuses and calls for the requests again once the stop, and any
 * shootdown handler, has ended). Nothing is flushed; requests already
 * accepted go on. A stop while stopped changes nothing.
 */
void cpu_mmu_stop(cpu_mmu_t *mmu);

/* End the stop begun by cpu_mmu_stop (nothing when not stopped). */
void cpu_mmu_resume(cpu_mmu_t *mmu);

/*
 * When this core's handler for a shootdown sent now would end, relative to
 * now, ps: the handler time, after any handler still running. The
 * initiator waits for the largest of these over its targets.
 */
static inline uint64_t cpu_mmu_shootdown_ack_ps(const cpu_mmu_t *mmu, migsim_tick_t now)
{
    migsim_tick_t start = mmu->stall_until_ps > now ? mmu->stall_until_ps : now;
    return start - now + mmu->shootdown_handler_ps;
}

/*
 * Call fn(ctx, va) each time a walk ends in a fault (the access at va goes
 * to the fault list; accesses that join a fault already waiting do not call
 * it), after the fault is recorded. One observer per MMU: 0, or
 * MIGSIM_ESTATE when another is set (fn NULL removes it).
 */
int cpu_mmu_set_fault_observer(cpu_mmu_t *mmu, void (*fn)(void *ctx, uint64_t va), void *ctx);

/* Accesses waiting in the fault list. */
static inline uint32_t cpu_mmu_faulted(const cpu_mmu_t *mmu) { return mmu->faultq.n; }

/* Requests held (accepted from "in", not yet accepted by "mem"). */
static inline uint32_t cpu_mmu_held(const cpu_mmu_t *mmu) { return mmu->held; }

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_CPU_MMU_H */
