/*
 * iommu.c - the IOMMU (see iommu.h): the IOTLB stage, the invalidation of
 * US 9,081,764 block 218 with requests held for its duration, I/O page
 * faults answered with a status, and the glue between the "in"/"mem" ports
 * and the shared walk engine of models/xlat/.
 *
 * Hot path: io_recv takes a free slot and probes the IOTLB at once
 * (iotlb_ps = 0) or queues the probe; a hit forwards; a miss goes to the
 * walker, whose done callback fills the IOTLB and forwards. Nothing
 * allocates here; the walker takes its PTE requests from the pool.
 */
#include "iommu/iommu.h"
#include "migsim/errors.h"
#include "migsim/tracepoint.h"
#include "xlat/slotq.h"
#include "migsim/sim.h"

#include <assert.h>
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---- slot queues --------------------------------------------------------------- */

XLAT_SLOTQ_DEFINE(iq, iommu_q_t, iommu_slot_t)

static inline uint64_t io_range_end(uint64_t va, uint64_t len)
{
    return va + len < va ? UINT64_MAX : va + len;
}

/* Does an active block overlap [lo, hi)? */
static bool io_block_covers(const iommu_t *io, uint64_t lo, uint64_t hi)
{
    if (!io->blk_active)
        return false;
    for (uint32_t i = 0; i < IOMMU_MAX_BLOCKS; i++) {
        const iommu_block_t *b = &io->blk[i];
        if (b->active && b->lo < hi && lo < b->hi)
            return true;
    }
    return false;
}

/* Must a request for [lo, hi) wait: an active invalidation or block overlaps it? */
static bool io_inval_covers(const iommu_t *io, uint64_t lo, uint64_t hi)
{
    if (!io->inv_active)
        return io_block_covers(io, lo, hi);
    for (uint32_t i = 0; i < IOMMU_MAX_INVALS; i++) {
        const iommu_inval_t *v = &io->inv[i];
        if (v->active && v->lo < hi && lo < v->hi)
            return true;
    }
    return io_block_covers(io, lo, hi);
}

static void io_observe(iommu_t *io, const migsim_req_t *req, iommu_seen_t what)
{
    for (uint32_t i = 0; i < io->n_obs; i++)
        if (io->obs[i].fn)
            io->obs[i].fn(io->obs[i].ctx, req, what);
}

/*
 * Did an invalidation of [lo, hi) start after the walk `s` waited on
 * started? Same rule as the CPU MMU: a start at the walk's own tick counts
 * unless logged before the slot entered the walker at that tick; an
 * overwritten ring counts as yes.
 */
static bool io_changed_since(const iommu_t *io, const iommu_slot_t *s, migsim_tick_t start,
                             uint64_t lo, uint64_t hi)
{
    uint64_t first = io->chg_n > IOMMU_CHANGE_LOG ? io->chg_n - IOMMU_CHANGE_LOG : 0;
    for (uint64_t seq = io->chg_n; seq-- > first;) {
        const iommu_change_t *c = &io->chg[seq % IOMMU_CHANGE_LOG];
        bool recent = c->t_ps > start ||
                      (c->t_ps == start && (s->enter_ps > start || seq >= s->enter_seq));
        if (!recent)
            return false;
        if (seq == first && first > 0)
            return true;
        if (c->lo < hi && lo < c->hi)
            return true;
    }
    return false;
}

/* ---- slots and forwarding ----------------------------------------------------------- */

static void io_slot_free(iommu_t *io, iommu_slot_t *s)
{
    s->req = NULL;
    s->where = IOMMU_FREE;
    s->next = io->free_head;
    io->free_head = s;
    io->held--;
    if (io->want_retry && !migsim_event_queued(&io->retry_ev))
        migsim_schedule(io->comp.k, &io->retry_ev, io->comp.k->now);
}

static void io_answer(iommu_t *io, iommu_slot_t *s, int32_t status);

static void io_forward(iommu_t *io, iommu_slot_t *s)
{
    if (s->req->flags & IOMMU_REQ_ATS_XLATE) {
        io->st_ats_xlate++;
        io_answer(io, s, 0); /* the translation goes back to the device: req->addr is the PA */
        return;
    }
    if (!io->outq.head && !io->mem_blocked) {
        if (migsim_port_send(&io->mem, s->req) == 0) {
            io->st_translated++;
            io_slot_free(io, s);
            return;
        }
        io->mem_blocked = true;
        io->st_mem_refused++;
    }
    s->where = IOMMU_OUT;
    iq_push(&io->outq, s);
}

static void io_pump_out(iommu_t *io)
{
    while (io->outq.head && !io->mem_blocked) {
        iommu_slot_t *s = io->outq.head;
        if (migsim_port_send(&io->mem, s->req) != 0) {
            io->mem_blocked = true;
            io->st_mem_refused++;
            return;
        }
        iq_pop(&io->outq);
        io->st_translated++;
        io_slot_free(io, s);
    }
}

/* Answer a request without a memory access (a fault): status set, slot freed. */
static void io_answer(iommu_t *io, iommu_slot_t *s, int32_t status)
{
    migsim_req_t *req = s->req;
    req->status = status;
    req->t_done = io->comp.k->now;
    io_slot_free(io, s);
    io_observe(io, req, IOMMU_SEEN_DONE);
    migsim_port_respond(&io->in, req);
}

static void io_wait_inval(iommu_t *io, iommu_slot_t *s)
{
    s->where = IOMMU_INVAL;
    s->wait_ps = io->comp.k->now;
    s->by_block = io_block_covers(io, s->wt.va, s->wt.va + 1);
    if (s->by_block)
        io->st_block_waits++;
    else
        io->st_inval_waits++;
    iq_push(&io->invalq, s);
}

/* ---- walks --------------------------------------------------------------------------- */

static void io_start_walk(iommu_t *io, iommu_slot_t *s)
{
    s->enter_ps = io->comp.k->now;
    s->enter_seq = io->chg_n;
    int rc = xlat_walker_translate(&io->walker, &s->wt);
    if (rc == 0) {
        s->where = IOMMU_WALK;
        return;
    }
    s->where = IOMMU_WALKQ;
    iq_push_front(&io->walkq, s);   /* it was the oldest waiting */
    if (rc != MIGSIM_EBUSY)
        migsim_sim_fail(io->comp.sim, rc);
}

static void io_walk(iommu_t *io, iommu_slot_t *s)
{
    if (io->walkq.head) {
        s->where = IOMMU_WALKQ;
        iq_push(&io->walkq, s);
        return;
    }
    io_start_walk(io, s);
}

static void io_pump_walkq(iommu_t *io)
{
    while (io->walkq.head && io->walker.active < io->walker.max_walks) {
        iommu_slot_t *s = iq_pop(&io->walkq);
        io_start_walk(io, s);
        if (s->where != IOMMU_WALK)
            return;
    }
}

static void io_walk_done(void *owner, xlat_waiter_t *wt, const xlat_walk_result_t *r)
{
    iommu_t *io = owner;
    iommu_slot_t *s = wt->ctx;
    assert(s->where == IOMMU_WALK);
    if (r->status == XLAT_WALK_OK) {
        uint64_t size = xlat_size(&io->ladder, r->size_idx);
        uint64_t lo = r->va & ~(size - 1), hi = io_range_end(lo, size);
        if (io_inval_covers(io, r->va, r->va + 1)) {
            io->st_walk_restarts++;
            io_wait_inval(io, s);
        } else if (io_changed_since(io, s, r->start_ps, lo, hi)) {
            io->st_walk_restarts++;
            io_walk(io, s);
        } else {
            /* a page partly under an active invalidation is used but not cached */
            if (!io_inval_covers(io, lo, hi))
                xlat_tlb_insert(&io->iotlb, r->va, r->pa, r->size_idx,
                                (uint16_t)(r->pte & XLAT_PTE_FLAGS));
            s->req->addr = r->pa;
            io_forward(io, s);
        }
    } else if (io_changed_since(io, s, r->start_ps, r->va, r->va + 1)) {
        io->st_walk_restarts++;
        if (io_inval_covers(io, r->va, r->va + 1))
            io_wait_inval(io, s);
        else
            io_walk(io, s);
    } else if (r->status == XLAT_WALK_FAULT || r->status == XLAT_WALK_BAD_PTE) {
        io->st_faults++;
        io->st_ats_xlate += (s->req->flags & IOMMU_REQ_ATS_XLATE) != 0;
        io_answer(io, s, IOMMU_STATUS_FAULT);
    } else {
        io->st_walk_errors++;
        io_answer(io, s, IOMMU_STATUS_WALK_ERROR);
    }
    io_pump_walkq(io);
}

/* ---- the IOTLB stage ------------------------------------------------------------------ */

static void io_probe(iommu_t *io, iommu_slot_t *s)
{
    uint64_t va = s->wt.va;
    if (io_inval_covers(io, va, va + 1)) {
        io_wait_inval(io, s);
        return;
    }
    xlat_tlb_hit_t h;
    if (xlat_tlb_lookup(&io->iotlb, va, &h)) {
        if (s->wt.access == XLAT_ACCESS_WRITE && !(h.flags & XLAT_PTE_D)) {
            io->st_dirty_walks++;
            io_walk(io, s);
            return;
        }
        io->st_hits++;
        s->req->addr = h.pa;
        io_forward(io, s);
        return;
    }
    io->st_misses++;
    io_walk(io, s);
}

/* Start the IOTLB stage for s now: the probe at once or after iotlb_ps. */
static void io_begin(iommu_t *io, iommu_slot_t *s)
{
    if (!s->begun) {
        s->begun = true;
        io_observe(io, s->req, IOMMU_SEEN_BEGIN);
    }
    if (io->iotlb_ps == 0) {
        io_probe(io, s);
        return;
    }
    s->where = IOMMU_PROBE;
    s->due_ps = io->comp.k->now + io->iotlb_ps;
    iq_push(&io->probeq, s);
    if (!migsim_event_queued(&io->probe_ev))
        migsim_schedule(io->comp.k, &io->probe_ev, io->probeq.head->due_ps);
}

static void io_probe_event(migsim_event_t *ev)
{
    iommu_t *io = ev->ctx;
    migsim_tick_t now = io->comp.k->now;
    while (io->probeq.head && io->probeq.head->due_ps <= now)
        io_probe(io, iq_pop(&io->probeq));
    if (io->probeq.head && !migsim_event_queued(&io->probe_ev))
        migsim_schedule(io->comp.k, &io->probe_ev, io->probeq.head->due_ps);
}

static void io_retry_event(migsim_event_t *ev)
{
    iommu_t *io = ev->ctx;
    if (io->want_retry && io->free_head) {
        io->want_retry = false;
        migsim_port_retry(&io->in);
    }
}

/* ---- invalidation ------------------------------------------------------------------------ */

/* Requests no active invalidation or block covers any more start their probe, in order. */
static void io_release(iommu_t *io, migsim_tick_t now)
{
    iommu_q_t go = { 0 };
    iommu_slot_t *prev = NULL;
    for (iommu_slot_t *s = io->invalq.head, *next; s; s = next) {
        next = s->next;
        if (!io_inval_covers(io, s->wt.va, s->wt.va + 1)) {
            iq_unlink(&io->invalq, prev, s);
            iq_push(&go, s);
        } else {
            prev = s;
        }
    }
    for (iommu_slot_t *s; (s = iq_pop(&go));) {
        if (s->by_block)
            io->st_block_wait_ps += now - s->wait_ps;
        else
            io->st_inval_wait_ps += now - s->wait_ps;
        io_begin(io, s);
    }
}

static void io_inval_event(migsim_event_t *ev)
{
    iommu_inval_t *v = ev->ctx;
    iommu_t *io = v->io;
    migsim_tick_t now = io->comp.k->now;
    io->st_iotlb_inval += xlat_tlb_invalidate_range(&io->iotlb, v->lo, v->hi - v->lo);
    xlat_pwc_invalidate_range(&io->pwc, v->lo, v->hi - v->lo);
    v->active = false;
    io->inv_active--;
    if (v->done)
        v->done(v->ctx);
    io_release(io, now);
}

int iommu_invalidate(iommu_t *io, uint64_t iova, uint64_t len, iommu_inval_done_fn done, void *ctx)
{
    if (len == 0)
        return migsim_error(MIGSIM_EINVAL, "%s: iommu_invalidate of an empty range", io->comp.name);
    iommu_inval_t *v = NULL;
    for (uint32_t i = 0; i < IOMMU_MAX_INVALS && !v; i++)
        if (!io->inv[i].active)
            v = &io->inv[i];
    if (!v)
        return migsim_error(MIGSIM_EBUSY, "%s: %u invalidations already in progress", io->comp.name,
                            IOMMU_MAX_INVALS);
    migsim_tick_t now = io->comp.k->now;
    v->lo = iova;
    v->hi = io_range_end(iova, len);
    v->done = done;
    v->ctx = ctx;
    v->active = true;
    io->inv_active++;
    io->st_invals++;
    MIGSIM_TRACE(&io->comp, IOMMU_INVAL, v->lo, v->hi);
    io->st_iotlb_inval += xlat_tlb_invalidate_range(&io->iotlb, iova, len);
    xlat_pwc_invalidate_range(&io->pwc, iova, len);
    iommu_change_t *c = &io->chg[io->chg_n % IOMMU_CHANGE_LOG];
    c->t_ps = now;
    c->lo = v->lo;
    c->hi = v->hi;
    io->chg_n++;
    /* translated requests not yet performed wait and translate again */
    iommu_slot_t *prev = NULL;
    for (iommu_slot_t *s = io->outq.head, *next; s; s = next) {
        next = s->next;
        if (!s->translated && s->wt.va >= v->lo && s->wt.va < v->hi) {
            iq_unlink(&io->outq, prev, s);
            s->req->addr = s->wt.va;
            io_wait_inval(io, s);
        } else {
            prev = s;
        }
    }
    migsim_schedule(io->comp.k, &v->ev, now + io->inval_ps);
    return MIGSIM_OK;
}

int iommu_block(iommu_t *io, uint64_t iova, uint64_t len, iommu_inval_done_fn done, void *ctx)
{
    if (len == 0)
        return migsim_error(MIGSIM_EINVAL, "%s: iommu_block of an empty range", io->comp.name);
    iommu_block_t *b = NULL;
    for (uint32_t i = 0; i < IOMMU_MAX_BLOCKS && !b; i++)
        if (!io->blk[i].active)
            b = &io->blk[i];
    if (!b)
        return migsim_error(MIGSIM_EBUSY, "%s: %u ranges already blocked", io->comp.name,
                            IOMMU_MAX_BLOCKS);
    /* blocked first, so that requests the invalidation sends back to wait count as blocked */
    b->lo = iova;
    b->hi = io_range_end(iova, len);
    b->active = true;
    io->blk_active++;
    int rc = iommu_invalidate(io, iova, len, done, ctx);
    if (rc) {
        b->active = false;
        io->blk_active--;
        return rc;
    }
    io->st_blocks++;
    return MIGSIM_OK;
}

int iommu_unblock(iommu_t *io, uint64_t iova, uint64_t len)
{
    for (uint32_t i = 0; i < IOMMU_MAX_BLOCKS; i++) {
        iommu_block_t *b = &io->blk[i];
        if (b->active && b->lo == iova && b->hi == io_range_end(iova, len)) {
            b->active = false;
            io->blk_active--;
            io_release(io, io->comp.k->now);
            return MIGSIM_OK;
        }
    }
    return migsim_error(MIGSIM_EINVAL, "%s: iommu_unblock of [0x%llx, +%llu), which is not blocked",
                        io->comp.name, (unsigned long long)iova, (unsigned long long)len);
}

void iommu_set_observer(iommu_t *io, iommu_observe_fn fn, void *ctx)
{
    io->obs[0] = (iommu_observer_t){ fn, ctx };
    if (!io->n_obs)
        io->n_obs = 1;
}

int iommu_add_observer(iommu_t *io, iommu_observe_fn fn, void *ctx)
{
    if (!io->n_obs)
        io->n_obs = 1;   /* [0] stays iommu_set_observer's */
    if (io->n_obs == IOMMU_MAX_OBSERVERS)
        return migsim_error(MIGSIM_EBUSY, "%s: %u observers already", io->comp.name,
                            IOMMU_MAX_OBSERVERS);
    io->obs[io->n_obs++] = (iommu_observer_t){ fn, ctx };
    return MIGSIM_OK;
}

/* ---- ports ---------------------------------------------------------------------------------- */

static int io_recv(migsim_port_t *port, migsim_req_t *req)
{
    iommu_t *io = (iommu_t *)port->owner;
    if (!io->root_set) {
        migsim_sim_fail(io->comp.sim,
                        migsim_error(MIGSIM_ESTATE,
                                     "%s: DMA request for IOVA 0x%llx before the I/O page-table "
                                     "root was set (iommu_set_root, done by the migration "
                                     "controller at start)",
                                     io->comp.name, (unsigned long long)req->addr));
        return MIGSIM_EBUSY;
    }
    uint64_t page0 = xlat_size(&io->ladder, 0);
    if (req->size == 0 || (req->addr & (page0 - 1)) + req->size > page0 ||
        req->addr >> io->ladder.va_bits) {
        migsim_sim_fail(io->comp.sim,
                        migsim_error(MIGSIM_EINVAL,
                                     "%s: DMA request at IOVA 0x%llx of %u bytes crosses a %llu-byte "
                                     "page or exceeds %u-bit addresses",
                                     io->comp.name, (unsigned long long)req->addr, req->size,
                                     (unsigned long long)page0, io->ladder.va_bits));
        return MIGSIM_EBUSY;
    }
    iommu_slot_t *s = io->free_head;
    if (!s) {
        io->want_retry = true;
        io->st_refused++;
        return MIGSIM_EBUSY;
    }
    io->free_head = s->next;
    io->held++;
    io->st_reqs++;
    s->next = NULL;
    s->req = req;
    s->wt.next = NULL;
    s->wt.va = req->addr;
    s->wt.access = req->op == MIGSIM_OP_WRITE ? XLAT_ACCESS_WRITE : XLAT_ACCESS_READ;
    s->begun = false;
    io_observe(io, req, IOMMU_SEEN_ACCEPT);
    s->translated = (req->flags & IOMMU_REQ_ATS_TRANSLATED) != 0;
    if (s->translated) {
        s->begun = true;  /* nothing to translate: it starts at once */
        io_observe(io, req, IOMMU_SEEN_BEGIN);
        io->st_ats_passed++;
        io_forward(io, s);
    } else if (io_inval_covers(io, req->addr, req->addr + 1))
        io_wait_inval(io, s);
    else
        io_begin(io, s);
    return MIGSIM_OK;
}

static void io_mem_resp(migsim_port_t *port, migsim_req_t *req)
{
    iommu_t *io = (iommu_t *)port->owner;
    if (xlat_walker_owns(&io->walker, req)) {
        xlat_walker_resp(&io->walker, req);
        return;
    }
    io_observe(io, req, IOMMU_SEEN_DONE);
    migsim_port_respond(&io->in, req);
}

static void io_mem_retry(migsim_port_t *port)
{
    iommu_t *io = (iommu_t *)port->owner;
    xlat_walker_retry(&io->walker);
    io->mem_blocked = false;
    io_pump_out(io);
}

int iommu_set_root(iommu_t *io, uint64_t root_pa)
{
    if (root_pa & (XLAT_TABLE_ALIGN - 1))
        return migsim_error(MIGSIM_EINVAL, "%s: I/O page-table root 0x%llx is not 4 KiB aligned",
                            io->comp.name, (unsigned long long)root_pa);
    if (io->root_set && root_pa != io->root) {
        xlat_tlb_flush_all(&io->iotlb);
        xlat_pwc_flush_all(&io->pwc);
        iommu_change_t *c = &io->chg[io->chg_n % IOMMU_CHANGE_LOG];
        c->t_ps = io->comp.k->now;
        c->lo = 0;
        c->hi = UINT64_MAX;
        io->chg_n++;
    }
    io->root = root_pa;
    io->root_set = true;
    xlat_walker_set_root(&io->walker, root_pa);
    return MIGSIM_OK;
}

/* ---- life cycle ------------------------------------------------------------------------------- */


static int io_init(migsim_comp_t *c)
{
    iommu_t *io = (iommu_t *)c;
    uint64_t sizes[XLAT_MAX_SIZES];
    uint32_t n;
    int rc = xlat_ladder_parse(io->ladder_str, sizes, &n);
    if (rc)
        return rc;
    if ((rc = xlat_ladder_from_sizes(&io->ladder, sizes, n, io->va_bits)) != 0)
        return migsim_error_wrap(rc, "ladder");
    xlat_tlb_cfg_t tc;
    memset(&tc, 0, sizeof tc);
    uint32_t pwc[XLAT_MAX_SIZES] = { 0 };
    for (uint32_t k = 0; k < n; k++) {
        tc.sets[k] = io->iotlb_sets;
        tc.ways[k] = io->iotlb_ways;
        pwc[k] = k ? io->pwc_entries : 0;
    }
    if ((rc = xlat_tlb_init(&io->iotlb, &io->ladder, &tc)) != 0 ||
        (rc = xlat_pwc_init(&io->pwc, &io->ladder, pwc)) != 0)
        return migsim_error_wrap(rc, "IOTLB/PWC geometry");
    xlat_walker_cfg_t wc = {
        .ladder = &io->ladder,
        .root = 0,
        .max_walks = io->max_walks,
        .port = &io->mem,
        .pool = c->pool,
        .k = c->k,
        .pwc = io->pwc_entries ? &io->pwc : NULL,
        .done = io_walk_done,
        .owner = io,
        .src_idx = (uint16_t)io->dev_id,
    };
    if ((rc = xlat_walker_init(&io->walker, &wc)) != 0)
        return migsim_error_wrap(rc, "walker");
    io->slots = calloc(io->max_held_reqs, sizeof *io->slots);
    if (!io->slots)
        return migsim_error(MIGSIM_ENOMEM, "%s: out of memory for %u slots", c->name,
                            io->max_held_reqs);
    for (uint32_t i = io->max_held_reqs; i-- > 0;) {
        io->slots[i].wt.ctx = &io->slots[i];
        io->slots[i].next = io->free_head;
        io->free_head = &io->slots[i];
    }
    if ((rc = migsim_event_init(c->k, &io->probe_ev, io_probe_event, io, 10, 0, "iommu.probe")) ||
        (rc = migsim_event_init(c->k, &io->retry_ev, io_retry_event, io, 30, 0, "iommu.retry")))
        return rc;
    for (uint32_t i = 0; i < IOMMU_MAX_INVALS; i++) {
        io->inv[i].io = io;
        if ((rc = migsim_event_init(c->k, &io->inv[i].ev, io_inval_event, &io->inv[i], 5, 0,
                                    "iommu.inval")))
            return rc;
    }
    return MIGSIM_OK;
}

static void io_finalize(migsim_comp_t *c)
{
    iommu_t *io = (iommu_t *)c;
    xlat_walker_finalize_stats(&io->walker);
    io->st_walk_lat_avg_ps = io->walker.st_lat_avg_ps;
    io->st_walk_lat_max_ps = io->walker.st_lat_max_ps;
    uint64_t h = 0;
    for (uint32_t k = 0; k < XLAT_MAX_SIZES; k++)
        h += io->walker.st_pwc_hits[k];
    io->st_pwc_hits = h;
}

static void io_fini(migsim_comp_t *c)
{
    iommu_t *io = (iommu_t *)c;
    xlat_walker_fini(&io->walker);
    xlat_tlb_fini(&io->iotlb);
    free(io->slots);
    io->slots = NULL;
    io->free_head = NULL;
    if (io->probe_ev.fn)
        migsim_event_fini(c->k, &io->probe_ev);
    if (io->retry_ev.fn)
        migsim_event_fini(c->k, &io->retry_ev);
    for (uint32_t i = 0; i < IOMMU_MAX_INVALS; i++)
        if (io->inv[i].ev.fn)
            migsim_event_fini(c->k, &io->inv[i].ev);
}

#define PU32(n, f, u, d, lo, hi, h) MIGSIM_PARAM_U32(iommu_t, n, f, u, d, lo, hi, h)
#define PU64(n, f, u, d, lo, hi, h) MIGSIM_PARAM_U64(iommu_t, n, f, u, d, lo, hi, h)

static const migsim_param_t io_params[] = {
    MIGSIM_PARAM_STR(iommu_t, "ladder", ladder_str, "4K,64K,1M,16M,256M,4G",
                     "I/O page sizes, smallest first, comma separated (powers of two >= 4K); the "
                     "sizes of the migration controller's ladder when one builds the table"),
    PU32("va_bits", va_bits, "bits", 48, 12, XLAT_MAX_VA_BITS, "IOVA width"),
    PU32("iotlb_sets", iotlb_sets, "sets", 16, 1, 1u << 20, "IOTLB sets per page size (power of two)"),
    PU32("iotlb_ways", iotlb_ways, "ways", 8, 1, 255, "IOTLB ways per page size"),
    PU64("iotlb_ps", iotlb_ps, "ps", 2000, 0, 0, "IOTLB probe latency (0 = free)"),
    PU32("pwc_entries", pwc_entries, "entries", 16, 0, XLAT_PWC_MAX_ENTRIES,
         "page-walk-cache entries per non-leaf level (0 = no PWC)"),
    PU32("max_walks", max_walks, "walks", 8, 1, 4096, "concurrent page walks"),
    PU32("max_held_reqs", max_held_reqs, "requests", 128, 1, 65536,
         "requests held (translating, waiting or refused by memory); \"in\" refuses beyond"),
    PU64("inval_ps", inval_ps, "ps", 1000000, 0, 0,
         "IOTLB invalidation time, from iommu_invalidate to its completion"),
    PU32("dev_id", dev_id, "", 0, 0, 65535, "src_idx of the walker's memory requests"),
    MIGSIM_PARAMS_END,
};

static const migsim_port_def_t io_ports[] = {
    MIGSIM_PORT_TARGET(iommu_t, "in", in, io_recv, "DMA requests by IOVA, within one smallest page each"),
    MIGSIM_PORT_INITIATOR(iommu_t, "mem", mem, io_mem_resp, io_mem_retry,
                          "translated requests by physical address, and page-walk PTE reads/writes"),
    MIGSIM_PORTS_END,
};

#define SU(n, f, u, h) MIGSIM_STAT_U64(iommu_t, n, f, u, h)

static const migsim_stat_def_t io_stats[] = {
    SU("reqs", st_reqs, "requests", "requests accepted on \"in\""),
    SU("translated_reqs", st_translated, "requests", "translated requests accepted by \"mem\""),
    SU("iotlb_hits", st_hits, "requests", "IOTLB hits used"),
    SU("iotlb_misses", st_misses, "requests", "IOTLB misses"),
    SU("dirty_walks", st_dirty_walks, "requests", "writes whose IOTLB entry had D clear, walked to set it"),
    SU("walks", walker.st_walks, "walks", "page walks started"),
    SU("walks_coalesced", walker.st_coalesced, "requests", "translations that joined a walk in progress"),
    SU("walk_restarts", st_walk_restarts, "requests", "walk results discarded: an invalidation hit their range"),
    SU("walk_mem_reads", walker.st_mem_reads, "requests", "PTE reads sent to memory"),
    SU("walk_mem_writes", walker.st_mem_writes, "requests", "accessed/dirty PTE writes sent to memory"),
    SU("pwc_hits", st_pwc_hits, "walks", "walks that started below a page-walk-cache hit"),
    MIGSIM_STAT_F64(iommu_t, "walk_latency_avg_ps", st_walk_lat_avg_ps, "ps", "page walk, average"),
    SU("walk_latency_max_ps", st_walk_lat_max_ps, "ps", "page walk, longest"),
    SU("faults", st_faults, "requests", "I/O page faults, answered with IOMMU_STATUS_FAULT"),
    SU("walk_errors", st_walk_errors, "requests", "requests answered with IOMMU_STATUS_WALK_ERROR"),
    SU("invalidations", st_invals, "calls", "iommu_invalidate calls"),
    SU("iotlb_entries_invalidated", st_iotlb_inval, "entries", "IOTLB entries removed by invalidations"),
    SU("inval_waits", st_inval_waits, "requests", "requests that waited for an invalidation"),
    SU("inval_wait_ps", st_inval_wait_ps, "ps", "sum of the waits for invalidations"),
    SU("blocks", st_blocks, "calls", "iommu_block calls (ranges blocked, each with an invalidation)"),
    SU("block_waits", st_block_waits, "requests", "requests that waited on a blocked range"),
    SU("block_wait_ps", st_block_wait_ps, "ps",
       "sum of the waits on blocked ranges (the blocking invalidation's time included)"),
    SU("ats_xlate_reqs", st_ats_xlate, "requests",
       "ATS translation requests answered with a PA (no memory access) or a fault"),
    SU("ats_translated_reqs", st_ats_passed, "requests",
       "ATS-translated requests (a PA from the device's cache) passed to \"mem\" untranslated"),
    SU("refused_reqs", st_refused, "requests", "\"in\" requests refused: hold limit reached"),
    SU("mem_refused_sends", st_mem_refused, "requests", "translated sends \"mem\" refused (resent)"),
    MIGSIM_STATS_END,
};

const migsim_comp_ops_t iommu_ops = {
    .type = "iommu",
    .help = "IOMMU: IOTLB, page-walk cache and a walker reading real I/O PTEs through \"mem\"; "
            "I/O page faults answered with a status; timed range invalidation and range blocking "
            "holding requests",
    .size = sizeof(iommu_t),
    .params = io_params,
    .ports = io_ports,
    .stats = io_stats,
    .init = io_init,
    .finalize_stats = io_finalize,
    .fini = io_fini,
};
