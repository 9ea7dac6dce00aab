/*
 * fwmap.h - the firmware's memory mapping table of US 9,600,202 (seed 003,
 * claim 1): in the memory path, every access is checked against the table
 * and, when its physical address lies in a chunk whose entry is switched,
 * redirected to the chunk's copy in memory reserved from the OS
 * (models/MIGRATION.md, "Firmware mapping-table redirect").
 *
 * Ports: target "in" (every request by physical address: CPU, DMA, the
 * copy engine, page walks), initiator "mem" (to memory).
 *
 * The table: at most `entries` entries of `chunk_bytes` each; an entry maps
 * [src, src + chunk_bytes) to [dst, dst + chunk_bytes) and is switched or
 * not. The firmware (the migration controller) programs it through
 * fwmap_set and fwmap_hold; entries are never removed.
 *
 * Timing: every request pays `lookup_ps` in the table, in arrival order
 * (a constant latency: a FIFO), then:
 *   - held, when its chunk's entry is held (fwmap_hold) and it is a CPU or
 *     DMA WRITE, or a CPU or DMA READ of a 64-byte line with a held write
 *     (it stays behind that write); held requests wait in arrival order
 *     until the hold is lifted, then are looked up again (no second
 *     lookup_ps) and go on;
 *   - otherwise redirected when its entry is switched: req->addr becomes
 *     dst + (addr - src), nothing else changes (the response goes back
 *     upstream as it comes, with that address);
 *   - otherwise sent unchanged.
 * A copy engine's requests and page walks are never held: the copy that
 * ends a hold must pass.
 *
 * Back-pressure: requests in the lookup and waiting for "mem" are at most
 * `queue_depth`; beyond it "in" refuses and is called again when one
 * leaves. Held requests do not count (their initiators bound them). Sends
 * "mem" refuses wait, in order, for its retry.
 *
 * Hot path: per request, one FIFO push and, at its lookup, one hash probe
 * (a multiplicative hash of the chunk number, linear probing over a table
 * twice the entries); nothing allocates after init.
 */
#ifndef MIGSIM_MODELS_FWMAP_H
#define MIGSIM_MODELS_FWMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "migsim/component.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One table entry. */
typedef struct fwmap_entry_s {
    uint64_t src_chunk;       /* source PA / chunk_bytes */
    uint64_t dst;             /* PA of the chunk's copy, aligned to chunk_bytes */
    bool switched;            /* accesses to the source go to dst */
    bool held;                /* CPU and DMA writes to the source wait (fwmap_hold) */
} fwmap_entry_t;

/* A FIFO of requests linked through req->next. */
typedef struct fwmap_q_s {
    migsim_req_t *head, *tail; /* borrowed from upstream, oldest first */
    uint32_t n;               /* requests queued */
} fwmap_q_t;

typedef struct fwmap_s {
    migsim_comp_t comp;
    migsim_port_t in;         /* target: every request by PA */
    migsim_port_t mem;        /* initiator: to memory */
    /* parameters */
    uint64_t lookup_ps;       /* table lookup per request, ps (0 = none) */
    uint32_t entries;         /* capacity of the table, entries, 1..2^24 */
    uint64_t chunk_bytes;     /* granularity, power of two, 64..2^40 */
    uint32_t queue_depth;     /* requests in the lookup or waiting for "mem", 1..65536 */
    /* state */
    uint32_t chunk_shift;     /* log2(chunk_bytes) */
    fwmap_entry_t *tab;       /* owned: `entries` entries, the first nused in use */
    uint32_t nused;           /* entries in use */
    uint32_t *ix;             /* owned: hash index, entry index + 1 (0 = empty) */
    uint32_t ix_mask;         /* index slots - 1 (a power of two >= 2 * entries) */
    fwmap_q_t pipe;           /* in the lookup: due at t_arrive + lookup_ps, arrival order */
    fwmap_q_t outq;           /* looked up, waiting for "mem", in order */
    fwmap_q_t hold;           /* held (scratch[0] = when the hold began), arrival order */
    bool mem_blocked;         /* "mem" refused; waiting for its retry */
    bool want_retry;          /* "in" refused a request; call it again when room frees */
    migsim_event_t lookup_ev; /* the pipe's head is due */
    /* statistics */
    uint64_t st_lookups;      /* requests looked up */
    uint64_t st_redirected;   /* requests sent to an entry's dst */
    uint64_t st_held_writes, st_held_reads; /* requests held */
    uint64_t st_hold_time_ps; /* sum over held requests of the hold, ps */
    uint64_t st_hold_max_ps;  /* longest hold, ps */
    uint64_t st_refused;      /* "in" requests refused: queue_depth reached */
    uint64_t st_entries_used; /* entries in use (gauge) */
} fwmap_t;

extern const migsim_comp_ops_t fwmap_ops;

/*
 * Map [src, src + len) to [dst, dst + len), chunk by chunk, switched or not
 * (an entry already there for a source chunk is updated). A switch applies
 * to every request looked up afterwards, held ones included. Returns 0, or
 * MIGSIM_EINVAL (src, dst or len not a multiple of chunk_bytes, len 0, the
 * ranges overlap) or MIGSIM_ERANGE (more entries than `entries`) with a
 * message naming the component; nothing changes then.
 */
int fwmap_set(fwmap_t *f, uint64_t src, uint64_t dst, uint64_t len, bool switched);

/*
 * Hold (or stop holding) the CPU and DMA writes to [src, src + len), whose
 * chunks must have entries. Lifting a hold sends the requests it held, in
 * arrival order, through the table as it is now. Returns 0, or
 * MIGSIM_EINVAL (not chunk-aligned, or a chunk without an entry).
 */
int fwmap_hold(fwmap_t *f, uint64_t src, uint64_t len, bool hold);

/* Where an access to `pa` goes now: through a switched entry, else pa itself. */
uint64_t fwmap_resolve(const fwmap_t *f, uint64_t pa);

/* Requests held now. */
static inline uint32_t fwmap_held(const fwmap_t *f) { return f->hold.n; }

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_FWMAP_H */
