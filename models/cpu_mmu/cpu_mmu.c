/*
 * cpu_mmu.c - the CPU memory-management unit (see cpu_mmu.h): the L1/L2
 * TLB pipeline, the fault list of US 9,081,764 FIG. 2 block 208, shootdown
 * and the glue between the "in"/"mem" ports and the shared walk engine of
 * models/xlat/.
 *
 * Hot path: mmu_recv takes a free slot and either probes L1 at once
 * (l1_ps = 0) or queues it (while a shootdown handler runs it refuses: the
 * core runs the handler, not its trace, and issues again at the handler's
 * end); mmu_l1/mmu_l2 probe and forward; a miss goes to
 * the walker, whose done callback fills the TLBs and forwards. Nothing
 * allocates here; the walker takes its PTE requests from the pool.
 */
#include "cpu_mmu/cpu_mmu.h"
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

XLAT_SLOTQ_DEFINE(mq, cpu_mmu_q_t, cpu_mmu_slot_t)

static inline bool mmu_has_l2(const cpu_mmu_t *m) { return m->l2_sets && m->l2_ways; }

static inline uint64_t mmu_range_end(uint64_t va, uint64_t len)
{
    return va + len < va ? UINT64_MAX : va + len;
}

/* ---- change log: shootdowns and PTE changes seen by walks in flight ------------- */

static void mmu_log_change(cpu_mmu_t *m, uint64_t lo, uint64_t hi)
{
    cpu_mmu_change_t *c = &m->chg[m->chg_n % CPU_MMU_CHANGE_LOG];
    c->t_ps = m->comp.k->now;
    c->lo = lo;
    c->hi = hi;
    m->chg_n++;
}

/*
 * Did [lo, hi) change after the walk that `s` waited on started? A change
 * at the walk's start tick counts unless it was logged before the slot
 * entered the walker at that same tick (a joiner of an older walk counts it).
 * When the ring has been overwritten past the walk's start, assume yes.
 */
static bool mmu_changed_since(const cpu_mmu_t *m, const cpu_mmu_slot_t *s, migsim_tick_t start,
                              uint64_t lo, uint64_t hi)
{
    uint64_t first = m->chg_n > CPU_MMU_CHANGE_LOG ? m->chg_n - CPU_MMU_CHANGE_LOG : 0;
    for (uint64_t seq = m->chg_n; seq-- > first;) {
        const cpu_mmu_change_t *c = &m->chg[seq % CPU_MMU_CHANGE_LOG];
        bool recent = c->t_ps > start ||
                      (c->t_ps == start && (s->enter_ps > start || seq >= s->enter_seq));
        if (!recent)
            return false;  /* older entries are older still */
        if (seq == first && first > 0)
            return true;   /* entries before it are lost and may be recent too */
        if (c->lo < hi && lo < c->hi)
            return true;
    }
    return false;
}

/* ---- slots and forwarding --------------------------------------------------------- */

static void mmu_slot_free(cpu_mmu_t *m, cpu_mmu_slot_t *s)
{
    s->req = NULL;
    s->where = CPU_MMU_FREE;
    s->faulted = 0;
    s->next = m->free_head;
    m->free_head = s;
    m->held--;
    if (m->want_retry && !migsim_event_queued(&m->retry_ev))
        migsim_schedule(m->comp.k, &m->retry_ev, m->comp.k->now);
}

/* The request of `s` is translated (req->addr = PA): send it, or queue it behind others. */
static void mmu_forward(cpu_mmu_t *m, cpu_mmu_slot_t *s)
{
    if (!m->outq.head && !m->mem_blocked) {
        if (migsim_port_send(&m->mem, s->req) == 0) {
            m->st_translated++;
            mmu_slot_free(m, s);
            return;
        }
        m->mem_blocked = true;
        m->st_mem_refused++;
    }
    s->where = CPU_MMU_OUT;
    mq_push(&m->outq, s);
}

static void mmu_pump_out(cpu_mmu_t *m)
{
    while (m->outq.head && !m->mem_blocked) {
        cpu_mmu_slot_t *s = m->outq.head;
        if (migsim_port_send(&m->mem, s->req) != 0) {
            m->mem_blocked = true;
            m->st_mem_refused++;
            return;
        }
        mq_pop(&m->outq);
        m->st_translated++;
        mmu_slot_free(m, s);
    }
}

/* ---- walks -------------------------------------------------------------------------- */

static void mmu_start_walk(cpu_mmu_t *m, cpu_mmu_slot_t *s)
{
    s->enter_ps = m->comp.k->now;
    s->enter_seq = m->chg_n;
    int rc = xlat_walker_translate(&m->walker, &s->wt);
    if (rc == 0) {
        s->where = CPU_MMU_WALK;
        return;
    }
    if (rc == MIGSIM_EBUSY) {
        s->where = CPU_MMU_WALKQ;
        mq_push_front(&m->walkq, s);  /* it was the oldest waiting */
        return;
    }
    s->where = CPU_MMU_WALKQ;
    mq_push_front(&m->walkq, s);
    migsim_sim_fail(m->comp.sim, rc);
}

static void mmu_fault_wait(cpu_mmu_t *m, cpu_mmu_slot_t *s, uint64_t lo, uint64_t hi)
{
    s->flt_lo = lo;
    s->flt_hi = hi;
    if (!s->faulted) {
        s->faulted = 1;
        s->fault_ps = m->comp.k->now;
    }
    m->st_faults++;
    MIGSIM_TRACE(&m->comp, MMU_FAULT, s->wt.va);
    s->where = CPU_MMU_FAULT;
    mq_push(&m->faultq, s);
}

/* The TLBs cannot translate s: join a fault in progress, or walk (in order behind waiters). */
static void mmu_walk(cpu_mmu_t *m, cpu_mmu_slot_t *s)
{
    uint64_t va = s->wt.va;
    for (cpu_mmu_slot_t *f = m->faultq.head; f; f = f->next)
        if (va >= f->flt_lo && va < f->flt_hi) {
            mmu_fault_wait(m, s, f->flt_lo, f->flt_hi);
            return;
        }
    if (m->walkq.head) {
        s->where = CPU_MMU_WALKQ;
        mq_push(&m->walkq, s);
        return;
    }
    mmu_start_walk(m, s);
}

static void mmu_pump_walkq(cpu_mmu_t *m)
{
    while (m->walkq.head && m->walker.active < m->walker.max_walks) {
        cpu_mmu_slot_t *s = mq_pop(&m->walkq);
        mmu_start_walk(m, s);
        if (s->where != CPU_MMU_WALK)
            return;
    }
}

static void mmu_walk_done(void *owner, xlat_waiter_t *wt, const xlat_walk_result_t *r)
{
    cpu_mmu_t *m = owner;
    cpu_mmu_slot_t *s = wt->ctx;
    migsim_tick_t now = m->comp.k->now;
    assert(s->where == CPU_MMU_WALK);
    switch (r->status) {
    case XLAT_WALK_OK: {
        uint64_t size = xlat_size(&m->ladder, r->size_idx);
        uint64_t lo = r->va & ~(size - 1);
        if (mmu_changed_since(m, s, r->start_ps, lo, lo + size)) {
            m->st_walk_restarts++;
            mmu_walk(m, s);
            break;
        }
        uint16_t flags = (uint16_t)(r->pte & XLAT_PTE_FLAGS);
        if (mmu_has_l2(m))
            xlat_tlb_insert(&m->l2, r->va, r->pa, r->size_idx, flags);
        xlat_tlb_insert(&m->l1, r->va, r->pa, r->size_idx, flags);
        if (s->faulted) {
            m->st_fault_stall_ps += now - s->fault_ps;
            s->faulted = 0;
        }
        s->req->addr = r->pa;
        mmu_forward(m, s);
        break;
    }
    case XLAT_WALK_FAULT:
    case XLAT_WALK_BAD_PTE: {
        if (mmu_changed_since(m, s, r->start_ps, r->va, r->va + 1)) {
            m->st_walk_restarts++;
            mmu_walk(m, s);
            break;
        }
        uint32_t lvl = r->level < m->ladder.n ? r->level : 0;
        uint64_t size = xlat_size(&m->ladder, lvl);
        uint64_t lo = r->va & ~(size - 1);
        uint64_t va = s->wt.va;
        mmu_fault_wait(m, s, lo, mmu_range_end(lo, size));
        if (m->fault_fn)
            m->fault_fn(m->fault_ctx, va);
        break;
    }
    default: {
        migsim_req_t *req = s->req;
        req->status = CPU_MMU_STATUS_WALK_ERROR;
        m->st_walk_errors++;
        mmu_slot_free(m, s);
        migsim_port_respond(&m->in, req);
        break;
    }
    }
    mmu_pump_walkq(m);
}

/* ---- the TLB pipeline ----------------------------------------------------------- */

static void mmu_l2(cpu_mmu_t *m, cpu_mmu_slot_t *s)
{
    xlat_tlb_hit_t h;
    if (xlat_tlb_lookup(&m->l2, s->wt.va, &h)) {
        if (s->wt.access == XLAT_ACCESS_WRITE && !(h.flags & XLAT_PTE_D)) {
            m->st_dirty_walks++;
            mmu_walk(m, s);
            return;
        }
        m->st_l2_hits++;
        xlat_tlb_insert(&m->l1, s->wt.va, h.pa, h.size_idx, h.flags);
        s->req->addr = h.pa;
        mmu_forward(m, s);
        return;
    }
    m->st_l2_misses++;
    mmu_walk(m, s);
}

static void mmu_l1(cpu_mmu_t *m, cpu_mmu_slot_t *s)
{
    xlat_tlb_hit_t h;
    if (xlat_tlb_lookup(&m->l1, s->wt.va, &h)) {
        if (s->wt.access == XLAT_ACCESS_WRITE && !(h.flags & XLAT_PTE_D)) {
            m->st_dirty_walks++;
            mmu_walk(m, s);
            return;
        }
        m->st_l1_hits++;
        s->req->addr = h.pa;
        mmu_forward(m, s);
        return;
    }
    m->st_l1_misses++;
    if (!mmu_has_l2(m)) {
        mmu_walk(m, s);
        return;
    }
    if (m->l2_ps == 0) {
        mmu_l2(m, s);
        return;
    }
    s->where = CPU_MMU_L2;
    s->due_ps = m->comp.k->now + m->l2_ps;
    mq_push(&m->l2q, s);
    if (!migsim_event_queued(&m->l2_ev))
        migsim_schedule(m->comp.k, &m->l2_ev, m->l2q.head->due_ps);
}

/* Start the pipeline for s at the current time (the L1 probe now or after l1_ps). */
static void mmu_begin(cpu_mmu_t *m, cpu_mmu_slot_t *s)
{
    if (m->l1_ps == 0) {
        mmu_l1(m, s);
        return;
    }
    s->where = CPU_MMU_L1;
    s->due_ps = m->comp.k->now + m->l1_ps;
    mq_push(&m->l1q, s);
    if (!migsim_event_queued(&m->l1_ev))
        migsim_schedule(m->comp.k, &m->l1_ev, m->l1q.head->due_ps);
}

static void mmu_stage_event(cpu_mmu_t *m, cpu_mmu_q_t *q, migsim_event_t *ev,
                            void (*stage)(cpu_mmu_t *, cpu_mmu_slot_t *))
{
    migsim_tick_t now = m->comp.k->now;
    while (q->head && q->head->due_ps <= now)
        stage(m, mq_pop(q));
    if (q->head && !migsim_event_queued(ev))
        migsim_schedule(m->comp.k, ev, q->head->due_ps);
}

static void mmu_l1_event(migsim_event_t *ev)
{
    cpu_mmu_t *m = ev->ctx;
    mmu_stage_event(m, &m->l1q, &m->l1_ev, mmu_l1);
}

static void mmu_l2_event(migsim_event_t *ev)
{
    cpu_mmu_t *m = ev->ctx;
    mmu_stage_event(m, &m->l2q, &m->l2_ev, mmu_l2);
}

/* Hold s until the running shootdown handler ends. */
static void mmu_stall_hold(cpu_mmu_t *m, cpu_mmu_slot_t *s)
{
    s->where = CPU_MMU_STALL;
    s->due_ps = m->comp.k->now;
    mq_push(&m->stallq, s);
    m->st_stall_held++;
}

/* The shootdown handler ended: what it held enters the pipeline, in arrival order. */
static void mmu_stall_event(migsim_event_t *ev)
{
    cpu_mmu_t *m = ev->ctx;
    migsim_tick_t now = m->comp.k->now;
    if (now < m->stall_until_ps) {  /* another handler followed */
        migsim_schedule(m->comp.k, &m->stall_ev, m->stall_until_ps);
        return;
    }
    if (m->stopped)                 /* cpu_mmu_resume schedules this again */
        return;
    for (cpu_mmu_slot_t *s; (s = mq_pop(&m->stallq));) {
        m->st_stall_held_ps += now - s->due_ps;
        mmu_begin(m, s);
    }
    if (m->stall_retry) {  /* the core runs its trace again */
        m->stall_retry = false;
        m->want_retry = true;
        if (!migsim_event_queued(&m->retry_ev))
            migsim_schedule(m->comp.k, &m->retry_ev, now);
    }
}

static void mmu_retry_event(migsim_event_t *ev)
{
    cpu_mmu_t *m = ev->ctx;
    if (m->want_retry && m->free_head) {
        m->want_retry = false;
        migsim_port_retry(&m->in);
    }
}

/* ---- ports -------------------------------------------------------------------------- */

static int mmu_recv(migsim_port_t *port, migsim_req_t *req)
{
    cpu_mmu_t *m = (cpu_mmu_t *)port->owner;
    if (!m->root_set) {
        migsim_sim_fail(m->comp.sim,
                        migsim_error(MIGSIM_ESTATE,
                                     "%s: translation request for VA 0x%llx before the page-table "
                                     "root was set (cpu_mmu_set_root, done by the migration "
                                     "controller at start)",
                                     m->comp.name, (unsigned long long)req->addr));
        return MIGSIM_EBUSY;
    }
    uint64_t page0 = xlat_size(&m->ladder, 0);
    if (req->size == 0 || (req->addr & (page0 - 1)) + req->size > page0 ||
        req->addr >> m->ladder.va_bits) {
        migsim_sim_fail(m->comp.sim,
                        migsim_error(MIGSIM_EINVAL,
                                     "%s: request at VA 0x%llx of %u bytes crosses a %llu-byte page "
                                     "or exceeds %u-bit addresses",
                                     m->comp.name, (unsigned long long)req->addr, req->size,
                                     (unsigned long long)page0, m->ladder.va_bits));
        return MIGSIM_EBUSY;
    }
    if (m->comp.k->now < m->stall_until_ps || m->stopped) {
        /* the core runs its shootdown handler (or is stopped), not its trace: it issues again at the end */
        m->stall_retry = true;
        m->st_stall_refused++;
        return MIGSIM_EBUSY;
    }
    cpu_mmu_slot_t *s = m->free_head;
    if (!s) {
        m->want_retry = true;
        m->st_refused++;
        return MIGSIM_EBUSY;
    }
    m->free_head = s->next;
    m->held++;
    m->st_reqs++;
    if (m->access_fn)
        m->access_fn(m->access_ctx, req->addr, req->op == MIGSIM_OP_WRITE);
    s->next = NULL;
    s->req = req;
    s->faulted = 0;
    s->wt.next = NULL;
    s->wt.va = req->addr;
    s->wt.access = req->op == MIGSIM_OP_WRITE ? XLAT_ACCESS_WRITE : XLAT_ACCESS_READ;
    if (m->stallq.head)
        mmu_stall_hold(m, s);  /* the handler ended at this tick: behind what it held */
    else
        mmu_begin(m, s);
    return MIGSIM_OK;
}

static void mmu_mem_resp(migsim_port_t *port, migsim_req_t *req)
{
    cpu_mmu_t *m = (cpu_mmu_t *)port->owner;
    if (xlat_walker_owns(&m->walker, req)) {
        xlat_walker_resp(&m->walker, req);
        return;
    }
    migsim_port_respond(&m->in, req);
}

static void mmu_mem_retry(migsim_port_t *port)
{
    cpu_mmu_t *m = (cpu_mmu_t *)port->owner;
    xlat_walker_retry(&m->walker);
    m->mem_blocked = false;
    mmu_pump_out(m);
}

/* ---- the OS side ------------------------------------------------------------------ */

void cpu_mmu_set_access_observer(cpu_mmu_t *mmu, cpu_mmu_access_fn fn, void *ctx)
{
    mmu->access_fn = fn;
    mmu->access_ctx = ctx;
}

int cpu_mmu_set_fault_observer(cpu_mmu_t *m, void (*fn)(void *ctx, uint64_t va), void *ctx)
{
    if (fn && m->fault_fn && (m->fault_fn != fn || m->fault_ctx != ctx))
        return migsim_error(MIGSIM_ESTATE, "%s: another fault observer is set", m->comp.config_path);
    m->fault_fn = fn;
    m->fault_ctx = fn ? ctx : NULL;
    return MIGSIM_OK;
}

int cpu_mmu_set_root(cpu_mmu_t *m, uint64_t root_pa)
{
    if (root_pa & (XLAT_TABLE_ALIGN - 1))
        return migsim_error(MIGSIM_EINVAL, "%s: page-table root 0x%llx is not 4 KiB aligned",
                            m->comp.name, (unsigned long long)root_pa);
    if (m->root_set && root_pa != m->root) {
        xlat_tlb_flush_all(&m->l1);
        xlat_tlb_flush_all(&m->l2);
        xlat_pwc_flush_all(&m->pwc);
        mmu_log_change(m, 0, UINT64_MAX);
    }
    m->root = root_pa;
    m->root_set = true;
    xlat_walker_set_root(&m->walker, root_pa);
    return MIGSIM_OK;
}

uint64_t cpu_mmu_shootdown(cpu_mmu_t *m, uint64_t va, uint64_t len)
{
    if (len == 0)
        return 0;
    uint64_t hi = mmu_range_end(va, len);
    uint64_t n = xlat_tlb_invalidate_range(&m->l1, va, len);
    if (mmu_has_l2(m))
        n += xlat_tlb_invalidate_range(&m->l2, va, len);
    m->st_pwc_inval += xlat_pwc_invalidate_range(&m->pwc, va, len);
    m->st_shootdowns++;
    m->st_tlb_inval += n;
    mmu_log_change(m, va, hi);
    /* the handler: after any still running, for shootdown_handler_ps */
    migsim_tick_t now = m->comp.k->now;
    m->stall_until_ps = (m->stall_until_ps > now ? m->stall_until_ps : now) + m->shootdown_handler_ps;
    m->st_shootdown_stall_ps += m->shootdown_handler_ps;
    bool stalled = now < m->stall_until_ps;
    if (stalled)
        migsim_schedule(m->comp.k, &m->stall_ev, m->stall_until_ps);
    /* translated requests not yet performed translate again */
    cpu_mmu_q_t redo = { 0 };
    cpu_mmu_slot_t *prev = NULL;
    for (cpu_mmu_slot_t *s = m->outq.head, *next; s; s = next) {
        next = s->next;
        if (s->wt.va >= va && s->wt.va < hi) {
            mq_unlink(&m->outq, prev, s);
            mq_push(&redo, s);
        } else {
            prev = s;
        }
    }
    for (cpu_mmu_slot_t *s; (s = mq_pop(&redo));) {
        s->req->addr = s->wt.va;
        if (stalled)
            mmu_stall_hold(m, s);
        else
            mmu_begin(m, s);
    }
    return n;
}

void cpu_mmu_stop(cpu_mmu_t *m)
{
    if (m->stopped)
        return;
    m->stopped = true;
    m->stop_since_ps = m->comp.k->now;
    m->st_stops++;
}

void cpu_mmu_resume(cpu_mmu_t *m)
{
    if (!m->stopped)
        return;
    migsim_tick_t now = m->comp.k->now;
    m->stopped = false;
    m->st_stopped_ps += now - m->stop_since_ps;
    /* the handler-end event releases what waits and calls "in" again, after any handler */
    if (!migsim_event_queued(&m->stall_ev))
        migsim_schedule(m->comp.k, &m->stall_ev, now > m->stall_until_ps ? now : m->stall_until_ps);
}

uint32_t cpu_mmu_pte_changed(cpu_mmu_t *m, uint64_t va, uint64_t len)
{
    if (len == 0)
        return 0;
    uint64_t hi = mmu_range_end(va, len);
    uint64_t page0 = xlat_size(&m->ladder, 0);
    m->st_pte_changed++;
    mmu_log_change(m, va, hi);
    cpu_mmu_q_t redo = { 0 };
    cpu_mmu_slot_t *prev = NULL;
    for (cpu_mmu_slot_t *s = m->faultq.head, *next; s; s = next) {
        next = s->next;
        if (s->wt.va >= va && s->wt.va < hi) {
            mq_unlink(&m->faultq, prev, s);
            mq_push(&redo, s);
            continue;
        }
        if (s->flt_lo < hi && va < s->flt_hi) {
            /* part of its region changed: later accesses join it only on its own page */
            s->flt_lo = s->wt.va & ~(page0 - 1);
            s->flt_hi = s->flt_lo + page0;
        }
        prev = s;
    }
    uint32_t released = redo.n;
    for (cpu_mmu_slot_t *s; (s = mq_pop(&redo));)
        mmu_walk(m, s);
    return released;
}

/* ---- life cycle --------------------------------------------------------------------- */


static int mmu_init(migsim_comp_t *c)
{
    cpu_mmu_t *m = (cpu_mmu_t *)c;
    uint64_t sizes[XLAT_MAX_SIZES];
    uint32_t n;
    int rc = xlat_ladder_parse(m->ladder_str, sizes, &n);
    if (rc)
        return rc;
    if ((rc = xlat_ladder_from_sizes(&m->ladder, sizes, n, m->va_bits)) != 0)
        return migsim_error_wrap(rc, "ladder");
    xlat_tlb_cfg_t t1, t2;
    memset(&t1, 0, sizeof t1);
    memset(&t2, 0, sizeof t2);
    uint32_t pwc[XLAT_MAX_SIZES] = { 0 };
    for (uint32_t k = 0; k < n; k++) {
        t1.sets[k] = m->l1_sets;
        t1.ways[k] = m->l1_ways;
        t2.sets[k] = m->l2_sets;
        t2.ways[k] = m->l2_ways;
        pwc[k] = k ? m->pwc_entries : 0;
    }
    if ((rc = xlat_tlb_init(&m->l1, &m->ladder, &t1)) != 0 ||
        (rc = xlat_tlb_init(&m->l2, &m->ladder, &t2)) != 0 ||
        (rc = xlat_pwc_init(&m->pwc, &m->ladder, pwc)) != 0)
        return migsim_error_wrap(rc, "TLB/PWC geometry");
    xlat_walker_cfg_t wc = {
        .ladder = &m->ladder,
        .root = 0,
        .max_walks = m->max_walks,
        .port = &m->mem,
        .pool = c->pool,
        .k = c->k,
        .pwc = m->pwc_entries ? &m->pwc : NULL,
        .done = mmu_walk_done,
        .owner = m,
        .src_idx = (uint16_t)m->core_id,
    };
    if ((rc = xlat_walker_init(&m->walker, &wc)) != 0)
        return migsim_error_wrap(rc, "walker");
    m->slots = calloc(m->max_held_reqs, sizeof *m->slots);
    if (!m->slots)
        return migsim_error(MIGSIM_ENOMEM, "%s: out of memory for %u slots", c->name,
                            m->max_held_reqs);
    for (uint32_t i = m->max_held_reqs; i-- > 0;) {
        m->slots[i].wt.ctx = &m->slots[i];
        m->slots[i].next = m->free_head;
        m->free_head = &m->slots[i];
    }
    if ((rc = migsim_event_init(c->k, &m->l1_ev, mmu_l1_event, m, 10, 0, "cpu_mmu.l1")) ||
        (rc = migsim_event_init(c->k, &m->l2_ev, mmu_l2_event, m, 10, 0, "cpu_mmu.l2")) ||
        (rc = migsim_event_init(c->k, &m->retry_ev, mmu_retry_event, m, 30, 0, "cpu_mmu.retry")) ||
        (rc = migsim_event_init(c->k, &m->stall_ev, mmu_stall_event, m, 10, 0, "cpu_mmu.stall")))
        return rc;
    return MIGSIM_OK;
}

static void mmu_finalize(migsim_comp_t *c)
{
    cpu_mmu_t *m = (cpu_mmu_t *)c;
    xlat_walker_finalize_stats(&m->walker);
    m->st_walk_lat_avg_ps = m->walker.st_lat_avg_ps;
    m->st_walk_lat_max_ps = m->walker.st_lat_max_ps;
    uint64_t h = 0;
    for (uint32_t k = 0; k < XLAT_MAX_SIZES; k++)
        h += m->walker.st_pwc_hits[k];
    m->st_pwc_hits = h;
    m->st_fault_waiting = m->faultq.n;
}

static void mmu_fini(migsim_comp_t *c)
{
    cpu_mmu_t *m = (cpu_mmu_t *)c;
    xlat_walker_fini(&m->walker);
    xlat_tlb_fini(&m->l1);
    xlat_tlb_fini(&m->l2);
    free(m->slots);
    m->slots = NULL;
    m->free_head = NULL;
    if (m->l1_ev.fn)
        migsim_event_fini(c->k, &m->l1_ev);
    if (m->l2_ev.fn)
        migsim_event_fini(c->k, &m->l2_ev);
    if (m->retry_ev.fn)
        migsim_event_fini(c->k, &m->retry_ev);
    if (m->stall_ev.fn)
        migsim_event_fini(c->k, &m->stall_ev);
}

#define PU32(n, f, u, d, lo, hi, h) MIGSIM_PARAM_U32(cpu_mmu_t, n, f, u, d, lo, hi, h)
#define PU64(n, f, u, d, lo, hi, h) MIGSIM_PARAM_U64(cpu_mmu_t, n, f, u, d, lo, hi, h)

static const migsim_param_t mmu_params[] = {
    MIGSIM_PARAM_STR(cpu_mmu_t, "ladder", ladder_str, "4K,64K,1M,16M,256M,4G",
                     "page sizes, smallest first, comma separated (powers of two >= 4K); the "
                     "sizes of the migration controller's ladder when one builds the table"),
    PU32("va_bits", va_bits, "bits", 48, 12, XLAT_MAX_VA_BITS, "virtual address width"),
    PU32("l1_sets", l1_sets, "sets", 16, 1, 1u << 20, "L1 TLB sets per page size (power of two)"),
    PU32("l1_ways", l1_ways, "ways", 4, 1, 255, "L1 TLB ways per page size"),
    PU32("l2_sets", l2_sets, "sets", 128, 0, 1u << 20,
         "L2 TLB sets per page size (power of two; 0 = no L2)"),
    PU32("l2_ways", l2_ways, "ways", 8, 0, 255, "L2 TLB ways per page size (0 = no L2)"),
    PU64("l1_ps", l1_ps, "ps", 0, 0, 0, "L1 TLB probe latency (0 = free)"),
    PU64("l2_ps", l2_ps, "ps", 2000, 0, 0, "L2 TLB probe latency, after an L1 miss"),
    PU32("pwc_entries", pwc_entries, "entries", 16, 0, XLAT_PWC_MAX_ENTRIES,
         "page-walk-cache entries per non-leaf level (0 = no PWC)"),
    PU32("max_walks", max_walks, "walks", 4, 1, 4096, "concurrent page walks"),
    PU32("max_held_reqs", max_held_reqs, "requests", 64, 1, 65536,
         "requests held (translating, faulted or waiting for memory); \"in\" refuses beyond"),
    PU32("core_id", core_id, "", 0, 0, 65535, "src_idx of the walker's memory requests"),
    PU64("shootdown_handler_ps", shootdown_handler_ps, "ps", 500000, 0, 0,
         "this core's TLB-shootdown IPI handler (interrupt entry, flush, exit); the core runs no "
         "trace meanwhile (\"in\" refuses and calls again at its end). Default: an estimate, so that with mig.ipi_ps the single-target "
         "bare-metal x86 shootdown is 1.3 us (the order measured by Amit, USENIX ATC 2017); "
         "see models/MIGRATION.md"),
    MIGSIM_PARAMS_END,
};

static const migsim_port_def_t mmu_ports[] = {
    MIGSIM_PORT_TARGET(cpu_mmu_t, "in", in, mmu_recv,
                       "requests by virtual address, within one smallest page each"),
    MIGSIM_PORT_INITIATOR(cpu_mmu_t, "mem", mem, mmu_mem_resp, mmu_mem_retry,
                          "translated requests by physical address, and page-walk PTE reads/writes"),
    MIGSIM_PORTS_END,
};

#define SU(n, f, u, h) MIGSIM_STAT_U64(cpu_mmu_t, n, f, u, h)

static const migsim_stat_def_t mmu_stats[] = {
    SU("reqs", st_reqs, "requests", "requests accepted on \"in\""),
    SU("translated_reqs", st_translated, "requests", "translated requests accepted by \"mem\""),
    SU("l1_hits", st_l1_hits, "requests", "L1 TLB hits used"),
    SU("l1_misses", st_l1_misses, "requests", "L1 TLB misses"),
    SU("l2_hits", st_l2_hits, "requests", "L2 TLB hits used"),
    SU("l2_misses", st_l2_misses, "requests", "L2 TLB misses"),
    SU("dirty_walks", st_dirty_walks, "requests",
       "writes whose TLB entry had D clear, walked to set it"),
    SU("walks", walker.st_walks, "walks", "page walks started"),
    SU("walks_coalesced", walker.st_coalesced, "requests", "translations that joined a walk in progress"),
    SU("walk_restarts", st_walk_restarts, "requests",
       "walk results discarded: a shootdown or PTE change hit their range"),
    SU("walk_mem_reads", walker.st_mem_reads, "requests", "PTE reads sent to memory"),
    SU("walk_mem_writes", walker.st_mem_writes, "requests", "accessed/dirty PTE writes sent to memory"),
    SU("walk_errors", st_walk_errors, "requests", "requests answered with a walk memory error"),
    SU("pwc_hits", st_pwc_hits, "walks", "walks that started below a page-walk-cache hit"),
    MIGSIM_STAT_F64(cpu_mmu_t, "walk_latency_avg_ps", st_walk_lat_avg_ps, "ps", "page walk, average"),
    SU("walk_latency_max_ps", st_walk_lat_max_ps, "ps", "page walk, longest"),
    SU("faults", st_faults, "faults", "accesses that found an invalid PTE (walk or fault in progress)"),
    SU("fault_stall_ps", st_fault_stall_ps, "ps",
       "sum over faulted accesses: first fault to the successful translation"),
    SU("fault_waiting_reqs", st_fault_waiting, "requests",
       "accesses in the fault list when the statistics were taken; at the end of a run, faults no "
       "PTE change resolved (an unmapped VA): they never complete"),
    SU("pte_changed_calls", st_pte_changed, "calls", "cpu_mmu_pte_changed calls"),
    SU("shootdowns", st_shootdowns, "calls", "cpu_mmu_shootdown calls"),
    SU("tlb_entries_invalidated", st_tlb_inval, "entries", "L1 and L2 entries removed by shootdowns"),
    SU("pwc_entries_invalidated", st_pwc_inval, "entries", "PWC entries removed by shootdowns"),
    SU("shootdown_stall_ps", st_shootdown_stall_ps, "ps",
       "time this core spent in shootdown handlers (running no trace)"),
    SU("shootdown_refused_reqs", st_stall_refused, "requests",
       "accesses the core could not issue while its handler ran (\"in\" refused them; retried at "
       "the handler's end)"),
    SU("shootdown_held_reqs", st_stall_held, "requests",
       "translated accesses not yet sent that had to translate again after a handler (held to its "
       "end), and accesses arriving at the tick it ended"),
    SU("shootdown_held_ps", st_stall_held_ps, "ps", "sum over held requests: held to the handler's end"),
    SU("stops", st_stops, "stops",
       "cpu_mmu_stop calls: spans the core ran something else than its trace (a firmware SMI)"),
    SU("stopped_ps", st_stopped_ps, "ps",
       "time this core was stopped by cpu_mmu_stop (running no trace; \"in\" refused and called "
       "again at the end, counted in shootdown_refused_reqs)"),
    SU("refused_reqs", st_refused, "requests", "\"in\" requests refused: hold limit reached"),
    SU("mem_refused_sends", st_mem_refused, "requests", "translated sends \"mem\" refused (resent)"),
    MIGSIM_STATS_END,
};

const migsim_comp_ops_t cpu_mmu_ops = {
    .type = "cpu_mmu",
    .help = "per-core MMU: L1/L2 TLBs, page-walk cache and a walker reading real PTEs through "
            "\"mem\"; invalid PTEs fault and wait for cpu_mmu_pte_changed; shootdown by range",
    .size = sizeof(cpu_mmu_t),
    .params = mmu_params,
    .ports = mmu_ports,
    .stats = mmu_stats,
    .init = mmu_init,
    .finalize_stats = mmu_finalize,
    .fini = mmu_fini,
};
