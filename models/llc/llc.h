/*
 * llc.h - the memory-side last-level cache: between the crossbar and DRAM,
 * so CPU, DMA and copy-engine traffic all pass through it and it is
 * coherent by construction (models/MIGRATION.md).
 *
 * Set-associative, true LRU, write-back, write-allocate. A hit answers
 * hit_ps after arrival. A miss takes a miss register (MSHR): later misses
 * to the same line wait on it; the line is filled with a 64-byte read, the
 * victim written back if dirty, and the waiting requests are served in
 * arrival order when the fill returns. A write of a whole line allocates
 * without a fill. With no free miss register, or too many requests waiting
 * to go to memory, a request is refused and retried later.
 *
 * Every line keeps its real bytes, so reads return what was last written;
 * llc_fmem() gives a functional view (cached line first, memory behind).
 *
 * Hot path: one set lookup per request; one event per hit response batch.
 * No allocation after init except requests from the pool for fills and
 * write-backs.
 */
#ifndef MIGSIM_MODELS_LLC_H
#define MIGSIM_MODELS_LLC_H

#include <stdbool.h>
#include <stdint.h>

#include "migsim/component.h"
#include "migsim/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LLC_LINE 64u


typedef struct llc_mshr_s {
    uint64_t line;              /* line address (byte address / 64) being filled */
    migsim_req_t *head, *tail;  /* requests waiting for it, in arrival order */
    bool busy;
    bool stale;                 /* a functional write reached memory after the fill read it */
} llc_mshr_t;

#define LLC_DIRTY 0x1u  /* the line differs from memory */
#define LLC_ZERO 0x2u   /* the line is all zeros; its bytes in `data` are stale */

typedef struct llc_s {
    migsim_comp_t comp;
    migsim_port_t in;           /* requests, at most one line each */
    migsim_port_t mem;          /* fills and write-backs */
    /* parameters */
    uint64_t size_bytes;        /* capacity, a power of two */
    uint32_t ways;              /* associativity */
    uint64_t hit_ps;            /* hit latency */
    uint32_t mshrs;             /* misses outstanding at most */
    /* geometry */
    uint64_t sets;              /* size / (ways * 64) */
    uint32_t set_shift;         /* log2(sets) */
    uint32_t *meta;             /* owned: per set, `ways` tags (line / sets + 1, 0 = invalid)
                                   then `ways` use stamps (larger = more recent), side by side */
    uint8_t *flags;             /* owned: sets * ways, LLC_DIRTY | LLC_ZERO */
    uint16_t *pending;          /* owned: per set, fills under way for lines of the set (<= mshrs) */
    uint8_t *data;              /* owned: sets * ways * 64 bytes */
    llc_mshr_t *mshr;           /* owned: mshrs entries */
    uint32_t mshr_busy;
    uint32_t use_clock;         /* LRU counter (wraps: see llc_renumber) */
    migsim_req_t *oq_head, *oq_tail; /* fills and write-backs waiting for memory */
    uint32_t oq_n;
    bool mem_blocked;           /* memory refused; waiting for its retry */
    bool want_retry;            /* a request was refused upstream */
    migsim_req_t *rsp_head, *rsp_tail; /* hits waiting to be answered, by t_done */
    migsim_event_t rsp_ev;
    migsim_fmem_t backing;      /* memory behind the functional view (llc_fmem) */
    migsim_commit_fn on_commit; /* write observer (llc_set_commit_observer), NULL = none */
    void *on_commit_ctx;        /* borrowed */
    /* statistics */
    uint64_t st_read_hits, st_read_misses, st_write_hits, st_write_misses;
    uint64_t st_merged, st_full_line_writes, st_fills, st_writebacks, st_refused;
    uint64_t st_bytes;          /* bytes of the requests accepted on "in" */
    double st_hit_rate;
} llc_t;

extern const migsim_comp_ops_t llc_ops;

/* Call `fn` for every write with data when its bytes are applied to a line. */
void llc_set_commit_observer(llc_t *c, migsim_commit_fn fn, void *ctx);

/*
 * Functional view: reads see a cached line before `backing`; writes go to
 * `backing` and to a cached copy. The view is valid while the cache lives;
 * one backing per cache (a later call replaces it).
 */
migsim_fmem_t llc_fmem(llc_t *c, migsim_fmem_t *backing);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_LLC_H */
