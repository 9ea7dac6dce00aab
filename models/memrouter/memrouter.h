/*
 * memrouter.h - an address router in front of up to MEMROUTER_NODES (8)
 * memory nodes: a near DRAM and slower far tiers (memory behind a CXL link,
 * a remote socket), each owning one physical address range.
 *
 * A request on `in` goes to the node whose range [base, base + size) holds
 * all its bytes, on that node's output port out<i>, with the node-local
 * address (PA - base); its response comes back with the PA restored. A
 * request that falls outside every node, or crosses a node's end, is not
 * forwarded: it is answered at once with req->status =
 * MEMROUTER_STATUS_NO_NODE (a posted write is dropped) and counted in
 * unmapped_reqs.
 *
 * A node without a far link is a direct call: no latency, no event, and a
 * refusal by the node is a refusal of `in` (retried when the node retries).
 * A far link (extra_ps > 0 or bandwidth > 0) is modelled exactly:
 *   - the link is one serial channel per node, taken in arrival order: a
 *     request of S bytes arriving at t starts its transfer at
 *     max(t, end of the transfer before it) and holds the link for
 *     ceil(S * 1e12 / bandwidth) ps (0 without a bandwidth limit); its data
 *     (a write's payload, a read's line) is counted once, at request time;
 *   - it reaches the node extra_ps after its transfer ends, and its response
 *     reaches `in` extra_ps after the node answers.
 * So N back-to-back requests of S bytes sent at t0 reach the node at
 * t0 + k * ceil(S * 1e12 / B) + extra_ps, k = 1..N. A far link never refuses
 * `in` (its requests wait in the link's queue, bounded by what the sources
 * keep in flight); when the node refuses the head, the queue waits for the
 * node's retry.
 *
 * The functional view (memrouter_fmem) dispatches a PA to the DRAM of its
 * node with the node-local address, so a component that reads and writes
 * bytes functionally (the migration controller's page tables, its oracle)
 * can name the router as its memory. Hot path: a scan of at most 8 ranges
 * per request; a far link adds two events per request.
 */
#ifndef MIGSIM_MODELS_MEMROUTER_H
#define MIGSIM_MODELS_MEMROUTER_H

#include <stdbool.h>
#include <stdint.h>

#include "migsim/component.h"
#include "migsim/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEMROUTER_NODES 8                /* output ports out0..out7 */
#define MEMROUTER_STATUS_NO_NODE (-67)   /* req->status: no node holds all of the request's bytes */

struct memrouter_s;
struct dram_s;

/* One memory node: an address range behind one output port. */
typedef struct memrouter_node_s {
    struct memrouter_s *r;          /* borrowed: the router */
    uint64_t base, size;            /* physical range [base, base + size), bytes; size > 0 */
    uint32_t out;                   /* output port index, < MEMROUTER_NODES */
    uint64_t extra_ps;              /* far link latency each way, ps (0 = none) */
    uint64_t bandwidth;             /* far link rate, bytes/s (0 = unlimited) */
    bool far;                       /* extra_ps or bandwidth: requests go through the link queue */
    bool blocked;                   /* the node refused the link's head; waiting for its retry */
    migsim_tick_t link_free_ps;     /* when the link's last transfer ends, ps */
    migsim_req_t *fwd_head, *fwd_tail; /* on the link toward the node, by arrival time at it
                                          (scratch[0]); linked through next */
    migsim_req_t *rsp_head, *rsp_tail; /* on the link back, by arrival time at `in` (scratch[0]) */
    migsim_event_t fwd_ev, rsp_ev;  /* deliver the head of each queue */
    struct dram_s *dram;            /* borrowed: the DRAM on the port, NULL when something else */
    migsim_fmem_t dram_fmem;        /* its functional view (valid with dram) */
} memrouter_node_t;

typedef struct memrouter_s {
    migsim_comp_t comp;
    migsim_port_t in;                       /* target: physical requests */
    migsim_port_t out[MEMROUTER_NODES];     /* toward the nodes; unused ones stay unconnected */
    /* parameters */
    char *nodes_str;                        /* "nodes": the node list (see the table help) */
    uint64_t far_extra_ps;                  /* "far": latency each way, ps */
    uint64_t far_bandwidth;                 /* "far": link rate, bytes/s */
    /* resolved configuration */
    memrouter_node_t node[MEMROUTER_NODES]; /* by ascending base */
    uint32_t nnodes;
    int8_t node_of_out[MEMROUTER_NODES];    /* node index per output port, -1 = none */
    bool in_waiting;                        /* `in` was refused; retry it when a node retries */
    migsim_req_t *err_head, *err_tail;      /* unmapped requests to answer (this tick) */
    migsim_event_t err_ev;                  /* answers them */
    migsim_commit_fn on_commit;             /* write observer (memrouter_set_commit_observer) */
    void *on_commit_ctx;                    /* borrowed */
    /* statistics (counters), per output port */
    uint64_t st_reqs[MEMROUTER_NODES];      /* requests forwarded */
    uint64_t st_bytes[MEMROUTER_NODES];     /* bytes of those requests */
    uint64_t st_wait_ps[MEMROUTER_NODES];   /* time requests waited for the busy link, ps */
    uint64_t st_added_ps[MEMROUTER_NODES];  /* latency the link added: wait + transfer + extra
                                               each way, ps */
    uint64_t st_unmapped;                   /* requests outside every node or crossing one */
    uint64_t st_refused;                    /* sends of `in` refused by a node without a link */
} memrouter_t;

extern const migsim_comp_ops_t memrouter_ops;

/*
 * Functional view of the memory behind the router: each byte goes to the
 * DRAM of its node at the node-local address (through that DRAM's own
 * functional view); bytes outside every node, or of a node that is no DRAM,
 * read as zeros and writes to them return MIGSIM_ERANGE.
 */
migsim_fmem_t memrouter_fmem(memrouter_t *r);

/*
 * Call `fn` for every write with data when a node's DRAM applies its bytes,
 * with req->addr the physical address (the node-local one plus the base).
 */
void memrouter_set_commit_observer(memrouter_t *r, migsim_commit_fn fn, void *ctx);

/* Bytes of the requests forwarded to every node. */
uint64_t memrouter_bytes(const memrouter_t *r);

/*
 * Whether [addr, addr + len) lies inside one node whose port reaches a DRAM
 * (so that the functional view holds it). Valid from configure on.
 */
bool memrouter_holds(const memrouter_t *r, uint64_t addr, uint64_t len);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_MEMROUTER_H */
