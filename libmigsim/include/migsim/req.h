/*
 * migsim/req.h - memory requests.
 *
 * A request is fixed-size and comes from the simulation's pool; allocating
 * one after the pool has warmed up is a pop from a free list. Ownership
 * moves with a successful migsim_port_send(): the sender must not touch a
 * request it has sent until it comes back through its response callback.
 * The initiator that allocated a request frees it.
 */
#ifndef MIGSIM_REQ_H
#define MIGSIM_REQ_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "migsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MIGSIM_REQ_DATA_BYTES 64u   /* payload carried inline: one cache line */
#define MIGSIM_REQ_ROUTE_MAX 8u     /* return-path entries a request's route holds */

/* Request flags. */
#define MIGSIM_REQ_HAS_DATA  0x1u   /* data[] holds the bytes to write / read back */
#define MIGSIM_REQ_POSTED    0x2u   /* write needs no response (freed by target) */
#define MIGSIM_REQ_CAS       0x4u   /* atomic compare-and-swap write: data[0, size) is written
                                       only if memory holds data[size, 2 * size) (size <= 32) */
#define MIGSIM_REQ_CAS_FAILED 0x8u  /* set by the memory: the CAS found other bytes, wrote nothing */
#define MIGSIM_REQ_XFER_FIRST 0x10u /* a DMA device's first request of a transfer (a record) */
#define MIGSIM_REQ_XFER_LAST  0x20u /* ... and its last (both on a one-request transfer) */
#define MIGSIM_REQ_PHYS       0x40u /* orig_addr is physical: the source addresses memory without
                                       translation (e.g. a SystemC initiator bound to a port past
                                       the MMUs); the oracle keys its writes by that address */
#define MIGSIM_REQ_IOADDR     0x80u /* orig_addr is a device's address although the source is the
                                       CPU (a bounce buffer's copy made for a device): the oracle
                                       keys its writes as that device's */

typedef struct migsim_req_s migsim_req_t;

struct migsim_req_s {
    uint64_t id;             /* unique within the simulation, in allocation order */
    uint64_t addr;           /* byte address at the current hop (virtual, IOVA or physical) */
    uint64_t orig_addr;      /* address as the source issued it */
    migsim_tick_t t_issue;   /* when the source issued it (a DMA device: its record arrived), ps */
    migsim_tick_t t_arrive;  /* when it reached the current target, ps */
    migsim_tick_t t_done;    /* when the target completed it, ps */
    uint32_t size;           /* bytes, 1..MIGSIM_REQ_DATA_BYTES for data-carrying requests */
    uint8_t op;              /* migsim_op_t */
    uint8_t src_kind;        /* migsim_src_kind_t */
    uint16_t src_idx;        /* core, device or engine number */
    uint32_t flags;          /* MIGSIM_REQ_* */
    int32_t status;          /* 0 = OK; negative = modelled failure at the target */
    void *cookie;            /* borrowed: the initiator's own use (e.g. its slot) */
    migsim_req_t *next;      /* intrusive link for whoever holds the request */
    uint64_t scratch[2];     /* the current holder's use (e.g. decoded DRAM address) */
    uint64_t route;          /* return path: forwarding components push their input index
                                (8 bits each, migsim_req_route_push/pop), up to
                                MIGSIM_REQ_ROUTE_MAX entries; the configuration is checked
                                so that no path pushes more */
    uint8_t data[MIGSIM_REQ_DATA_BYTES]; /* payload, valid with MIGSIM_REQ_HAS_DATA */
};

typedef struct migsim_req_pool_s {
    migsim_req_t *free;      /* free list, linked through next */
    void **slabs;            /* owned: slab blocks */
    uint32_t nslabs;         /* slabs allocated */
    uint32_t slab_reqs;      /* requests per slab */
    uint64_t next_id;        /* id of the next allocated request */
    uint64_t in_use;         /* requests currently allocated */
    uint64_t peak_in_use;    /* highest in_use seen */
} migsim_req_pool_t;

/* Prepare a pool with `prealloc` requests ready (0 for a default). */
int migsim_req_pool_init(migsim_req_pool_t *p, uint32_t prealloc);
void migsim_req_pool_fini(migsim_req_pool_t *p);

/* Grow the pool by one slab; used by migsim_req_alloc when it runs dry. */
int migsim_req_pool_grow(migsim_req_pool_t *p);

/*
 * A zeroed request with a fresh id, or NULL when the host is out of memory.
 * Only the header fields are cleared; data[] is left as it was.
 */
static inline migsim_req_t *migsim_req_alloc(migsim_req_pool_t *p)
{
    if (!p->free && migsim_req_pool_grow(p) != 0)
        return (migsim_req_t *)0;
    migsim_req_t *r = p->free;
    p->free = r->next;
    uint64_t id = p->next_id++;
    r->id = id;
    r->addr = r->orig_addr = 0;
    r->t_issue = r->t_arrive = r->t_done = 0;
    r->size = 0;
    r->op = r->src_kind = 0;
    r->src_idx = 0;
    r->flags = 0;
    r->status = 0;
    r->cookie = (void *)0;
    r->next = (migsim_req_t *)0;
    r->scratch[0] = r->scratch[1] = 0;
    r->route = 0;
    if (++p->in_use > p->peak_in_use)
        p->peak_in_use = p->in_use;
    return r;
}

/*
 * A commit observer: memory components that hold the bytes (DRAM, the
 * last-level cache) call it for every write carrying data at the moment its
 * bytes are applied, in the order they are applied. The migration
 * controller installs one to feed the no-lost-write oracle.
 */
typedef void (*migsim_commit_fn)(void *ctx, const migsim_req_t *req, migsim_tick_t now);

/* Push a forwarding component's input index (0..254) on the request's return path. */
static inline void migsim_req_route_push(migsim_req_t *r, unsigned idx)
{
    assert(idx < 255 && r->route >> 56 == 0); /* a full route is refused at configuration */
    r->route = r->route << 8 | (uint64_t)(idx + 1);
}

/* Pop the input index pushed last (as the response travels back). */
static inline unsigned migsim_req_route_pop(migsim_req_t *r)
{
    unsigned idx = (unsigned)(r->route & 0xff) - 1;
    r->route >>= 8;
    return idx;
}

static inline void migsim_req_free(migsim_req_pool_t *p, migsim_req_t *r)
{
    r->next = p->free;
    p->free = r;
    p->in_use--;
}

/*
 * A FIFO of requests a component holds (linked through `next`, oldest at
 * *head, newest at *tail; both NULL when empty).
 */
static inline void migsim_req_fifo_push(migsim_req_t **head, migsim_req_t **tail, migsim_req_t *r)
{
    r->next = NULL;
    if (*tail)
        (*tail)->next = r;
    else
        *head = r;
    *tail = r;
}

/* Take the oldest request off the FIFO (not empty). */
static inline migsim_req_t *migsim_req_fifo_pop(migsim_req_t **head, migsim_req_t **tail)
{
    migsim_req_t *r = *head;
    *head = r->next;
    if (!*head)
        *tail = NULL;
    r->next = NULL;
    return r;
}

/* Put r back at the FIFO's head (e.g. its send was refused: it goes first next time). */
static inline void migsim_req_fifo_unpop(migsim_req_t **head, migsim_req_t **tail, migsim_req_t *r)
{
    r->next = *head;
    *head = r;
    if (!*tail)
        *tail = r;
}

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_REQ_H */
