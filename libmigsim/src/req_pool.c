/*
 * req_pool.c - slab allocator behind migsim_req_alloc().
 *
 * Cold path: a slab is allocated only when more requests are in flight than
 * ever before in this simulation; afterwards allocation is a list pop.
 */
#include "migsim/req.h"
#include "migsim/errors.h"

#include <stdlib.h>

#define REQ_POOL_DEFAULT 256u

int migsim_req_pool_init(migsim_req_pool_t *p, uint32_t prealloc)
{
    *p = (migsim_req_pool_t){ .slab_reqs = prealloc ? prealloc : REQ_POOL_DEFAULT };
    return migsim_req_pool_grow(p);
}

void migsim_req_pool_fini(migsim_req_pool_t *p)
{
    for (uint32_t i = 0; i < p->nslabs; i++)
        free(p->slabs[i]);
    free(p->slabs);
    *p = (migsim_req_pool_t){ 0 };
}

int migsim_req_pool_grow(migsim_req_pool_t *p)
{
    void **slabs = realloc(p->slabs, (p->nslabs + 1) * sizeof *slabs);
    if (!slabs)
        return migsim_error(MIGSIM_ENOMEM, "request pool: out of memory");
    p->slabs = slabs;
    migsim_req_t *slab = calloc(p->slab_reqs, sizeof *slab);
    if (!slab)
        return migsim_error(MIGSIM_ENOMEM, "request pool: out of memory");
    p->slabs[p->nslabs++] = slab;
    for (uint32_t i = p->slab_reqs; i-- > 0;) {
        slab[i].next = p->free;
        p->free = &slab[i];
    }
    return MIGSIM_OK;
}
