/*
 * dualwrite.c - the dual-write chip (see dualwrite.h; US 9,081,764 FIG. 3;
 * models/MIGRATION.md "The dual-write chip").
 *
 * Hot path: dw_accept (route, take a slot, maybe hold, queue), dw_pump (send
 * the FIFO head to "mem" until it refuses), dw_mem_resp (count the halves,
 * end an interlock entry, restore and answer). No events, no allocation
 * beyond the request pool's free list.
 */
#include "dualwrite/dualwrite.h"
#include "oracle/oracle.h"
#include "migsim/errors.h"
#include "migsim/tracepoint.h"
#include "migsim/sim.h"

#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum { DW_FROM_IN = 0, DW_FROM_COPY = 1 };

/* One accepted request, from acceptance to its response. */
typedef struct dualwrite_slot_s {
    migsim_req_t *req;                /* borrowed: the initiator's request */
    migsim_req_t *half;               /* owned: second half of a dual write until it completes */
    void *cookie;                     /* the initiator's req->cookie */
    uint64_t addr;                    /* the initiator's req->addr */
    uint64_t line;                    /* routed-from PA / line_bytes (hold matching) */
    uint64_t tgt_line;                /* copy write: target line whose interlock it ends */
    migsim_tick_t t_arrive;           /* arrival at the chip, ps */
    migsim_tick_t t_hold;             /* when the hold began, ps (held requests) */
    migsim_tick_t t_done;             /* latest completion of its memory requests, ps */
    struct dualwrite_slot_s *next;    /* free list or hold list */
    uint32_t flags;                   /* the initiator's req->flags */
    int32_t status;                   /* first failure of its memory requests, 0 = OK */
    uint8_t from;                     /* DW_FROM_IN or DW_FROM_COPY */
    uint8_t nmem;                     /* memory requests it needs: 1, or 2 for a dual write */
    uint8_t pending;                  /* memory requests not yet completed */
    uint8_t track_write;              /* copy write that ends an interlock entry on completion */
} dualwrite_slot_t;

static inline bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }

static uint32_t log2u(uint64_t v)
{
    uint32_t n = 0;
    while ((1ull << n) < v)
        n++;
    return n;
}

/* ---- registers ---------------------------------------------------------------- */

int dualwrite_set(dualwrite_t *dw, const dualwrite_regs_t *r)
{
    const char *name = dw->comp.name ? dw->comp.name : "dualwrite";
    if (!r->enable) {
        dw->regs = *r;
        return MIGSIM_OK;
    }
    if (!is_pow2(r->page_bytes) || !is_pow2(r->subpage_bytes))
        return migsim_error(MIGSIM_EINVAL, "%s: page_bytes %" PRIu64 " and subpage_bytes %" PRIu64
                            " must be powers of two", name, r->page_bytes, r->subpage_bytes);
    if (r->subpage_bytes > r->page_bytes || r->subpage_bytes < dw->line_bytes)
        return migsim_error(MIGSIM_EINVAL, "%s: subpage_bytes %" PRIu64 " must lie in [line_bytes "
                            "%u, page_bytes %" PRIu64 "]", name, r->subpage_bytes, dw->line_bytes,
                            r->page_bytes);
    if (r->cur_base % r->page_bytes || r->tgt_base % r->page_bytes)
        return migsim_error(MIGSIM_EINVAL, "%s: cur_base 0x%" PRIx64 " and tgt_base 0x%" PRIx64
                            " must be aligned to page_bytes %" PRIu64, name, r->cur_base,
                            r->tgt_base, r->page_bytes);
    /* aligned power-of-two pages never wrap past 2^64, and overlap only when equal */
    if (r->cur_base == r->tgt_base)
        return migsim_error(MIGSIM_EINVAL, "%s: current and target page are the same (0x%" PRIx64
                            ")", name, r->cur_base);
    uint64_t n = r->page_bytes / r->subpage_bytes;
    if (r->lo > r->hi || r->hi > n)
        return migsim_error(MIGSIM_EINVAL, "%s: subpage range [%" PRIu64 ", %" PRIu64 ") must "
                            "satisfy lo <= hi <= %" PRIu64 " (subpages in the page)", name, r->lo,
                            r->hi, n);
    if (!dw->regs.enable || dw->regs.lo != r->lo || dw->regs.hi != r->hi)
        MIGSIM_TRACE(&dw->comp, DW_WINDOW, r->lo, r->hi);
    dw->regs = *r;
    dw->sub_shift = log2u(r->subpage_bytes);
    return MIGSIM_OK;
}

void dualwrite_get(const dualwrite_t *dw, dualwrite_regs_t *out)
{
    *out = dw->regs;
}

dualwrite_seg_t dualwrite_segment(const dualwrite_t *dw, uint64_t pa)
{
    const dualwrite_regs_t *r = &dw->regs;
    if (!r->enable || pa - r->cur_base >= r->page_bytes)
        return DUALWRITE_PASS;
    uint64_t i = (pa - r->cur_base) >> dw->sub_shift;
    return i < r->lo ? DUALWRITE_SEG1 : i < r->hi ? DUALWRITE_SEG2 : DUALWRITE_SEG3;
}

/* ---- interlock: copy lines in flight ------------------------------------------ */

/*
 * The tracked lines are found through two hash indexes (by current line and
 * by target line; each line is tracked once), linear probing, deletion by
 * backward shift, so a lookup costs a probe or two however many are tracked.
 */
static inline uint64_t track_key(const dualwrite_t *dw, uint32_t e, int by)
{
    return by ? dw->track[e].tgt_line : dw->track[e].cur_line;
}

static inline uint32_t ix_home(const dualwrite_t *dw, uint64_t line)
{
    return (uint32_t)((line * 0x9e3779b97f4a7c15ull) >> 40) & dw->ix_mask;
}

/* The slot of the entry tracking `line` in index `by`, or the empty slot where it would go. */
static uint32_t ix_probe(const dualwrite_t *dw, int by, uint64_t line)
{
    const uint16_t *tab = dw->ix[by];
    uint32_t i = ix_home(dw, line);
    while (tab[i] && track_key(dw, tab[i] - 1u, by) != line)
        i = (i + 1) & dw->ix_mask;
    return i;
}

static void ix_remove(dualwrite_t *dw, int by, uint64_t line)
{
    uint16_t *tab = dw->ix[by];
    uint32_t i = ix_probe(dw, by, line), m = dw->ix_mask;
    assert(tab[i]);
    tab[i] = 0;
    for (uint32_t j = (i + 1) & m; tab[j]; j = (j + 1) & m) {
        uint32_t h = ix_home(dw, track_key(dw, tab[j] - 1u, by));
        /* entry j may move into the hole at i unless its home lies cyclically in (i, j] */
        if (((j - h) & m) >= ((j - i) & m)) {
            tab[i] = tab[j];
            tab[j] = 0;
            i = j;
        }
    }
}

static dualwrite_track_t *track_find(dualwrite_t *dw, int by, uint64_t line)
{
    uint16_t e = dw->ix[by][ix_probe(dw, by, line)];
    return e ? &dw->track[e - 1u] : NULL;
}

static dualwrite_track_t *track_by_cur(dualwrite_t *dw, uint64_t line) { return track_find(dw, 0, line); }
static dualwrite_track_t *track_by_tgt(dualwrite_t *dw, uint64_t line) { return track_find(dw, 1, line); }

static dualwrite_track_t *track_add(dualwrite_t *dw, uint64_t cur_line, uint64_t tgt_line)
{
    uint32_t e = dw->ntrack++;
    dualwrite_track_t *t = &dw->track[e];
    *t = (dualwrite_track_t){ .cur_line = cur_line, .tgt_line = tgt_line };
    for (int by = 0; by < 2; by++) {
        uint32_t i = ix_probe(dw, by, track_key(dw, e, by));
        assert(!dw->ix[by][i]); /* a line is tracked once */
        dw->ix[by][i] = (uint16_t)(e + 1);
    }
    return t;
}

/* End entry t: the last entry moves into its place. */
static void track_drop(dualwrite_t *dw, dualwrite_track_t *t)
{
    uint32_t e = (uint32_t)(t - dw->track), last = dw->ntrack - 1;
    for (int by = 0; by < 2; by++)
        ix_remove(dw, by, track_key(dw, e, by));
    if (e != last) {
        *t = dw->track[last];
        for (int by = 0; by < 2; by++)
            dw->ix[by][ix_probe(dw, by, track_key(dw, e, by))] = (uint16_t)(e + 1);
    }
    dw->ntrack--;
}

static bool hold_has_line(const dualwrite_t *dw, uint64_t line)
{
    for (const dualwrite_slot_t *s = dw->hold_head; s; s = s->next)
        if (s->line == line)
            return true;
    return false;
}

/* ---- the FIFO to memory --------------------------------------------------------- */

static void fifo_push(dualwrite_t *dw, migsim_req_t *r)
{
    r->next = NULL;
    if (dw->q_tail)
        dw->q_tail->next = r;
    else
        dw->q_head = r;
    dw->q_tail = r;
}

static void dw_enqueue(dualwrite_t *dw, dualwrite_slot_t *s)
{
    fifo_push(dw, s->req);
    if (s->half)
        fifo_push(dw, s->half);
}

/* Send FIFO entries, oldest first, until "mem" refuses. */
static void dw_pump(dualwrite_t *dw)
{
    while (dw->q_head && !dw->mem_blocked) {
        migsim_req_t *r = dw->q_head;
        dw->q_head = r->next;
        if (!dw->q_head)
            dw->q_tail = NULL;
        r->next = NULL;
        if (migsim_port_send(&dw->mem, r) != 0) {
            r->next = dw->q_head;          /* back at the head, order kept */
            dw->q_head = r;
            if (!dw->q_tail)
                dw->q_tail = r;
            dw->mem_blocked = true;
            dw->st_mem_refusals++;
            return;
        }
        assert(dw->q_reserved > 0);
        dw->q_reserved--;
    }
}

/* Tell refused initiators to try again when there is room for at least one request. */
static void dw_wake(dualwrite_t *dw)
{
    if (!dw->want_retry || !dw->free_slot)
        return;
    bool room = dw->nslots_used < dw->max_inflight && dw->q_reserved < dw->queue_depth;
    uint8_t w = dw->want_retry;
    /* the copy port is retried even without normal room: its writes may release held ones */
    dw->want_retry = room ? 0 : (uint8_t)(w & 1);
    if ((w & 1) && room)
        migsim_port_retry(&dw->in);
    if (w & 2)
        migsim_port_retry(&dw->copy);
}

/* The copy write to `tgt_line` completed: end its entry, release the writes it held. */
static void dw_track_done(dualwrite_t *dw, uint64_t tgt_line)
{
    dualwrite_track_t *t = track_by_tgt(dw, tgt_line);
    if (!t || --t->count > 0)
        return;
    uint64_t cur = t->cur_line;
    track_drop(dw, t);
    migsim_tick_t now = dw->comp.k->now;
    dualwrite_slot_t **pp = &dw->hold_head, *prev = NULL;
    while (*pp) {
        dualwrite_slot_t *s = *pp;
        if (s->line != cur) {
            prev = s;
            pp = &s->next;
            continue;
        }
        *pp = s->next;
        if (dw->hold_tail == s)
            dw->hold_tail = prev;
        s->next = NULL;
        dw->nheld--;
        uint64_t held = now - s->t_hold;
        dw->st_hold_time_ps += held;
        if (held > dw->st_hold_max_ps)
            dw->st_hold_max_ps = held;
        dw_enqueue(dw, s);
    }
}

/* ---- requests ------------------------------------------------------------------ */

/* Refuse: remember to call the port's initiator back. */
static int dw_refuse(dualwrite_t *dw, unsigned from)
{
    dw->want_retry |= (uint8_t)(1u << from);
    dw->st_refused++;
    return MIGSIM_EBUSY;
}

static int dw_accept(dualwrite_t *dw, unsigned from, migsim_req_t *req)
{
    const dualwrite_regs_t *r = &dw->regs;
    uint64_t pa = req->addr;
    if (req->size == 0 || req->size > dw->line_bytes ||
        (pa & (dw->line_bytes - 1)) + req->size > dw->line_bytes || req->op >= MIGSIM_OP_COUNT_) {
        migsim_sim_fail(dw->comp.sim,
                        migsim_error(MIGSIM_EINVAL, "%s: request %" PRIu64 " (addr 0x%" PRIx64
                                     ", %u bytes) crosses a %u-byte line or has a bad size/op",
                                     dw->comp.name, req->id, pa, req->size, dw->line_bytes));
        return MIGSIM_EBUSY;
    }
    bool write = req->op == MIGSIM_OP_WRITE;
    dualwrite_seg_t seg = dualwrite_segment(dw, pa);
    uint64_t line = pa >> dw->line_shift;
    bool lock = dw->interlock == DUALWRITE_IL_LINE && seg != DUALWRITE_PASS;
    unsigned nmem = 1;
    uint64_t to = pa;
    if (from == DW_FROM_IN) {
        if (seg == DUALWRITE_SEG1)
            to = r->tgt_base + (pa - r->cur_base);
        else if (seg == DUALWRITE_SEG2 && write)
            nmem = 2;
    }
    /*
     * Room: a slot, FIFO entries for every memory request, an interlock entry
     * for a copy read. A copy write that ends a tracked line is what releases
     * the DMA writes held for it, so it must never wait behind them: it may
     * use interlock_lines slots and FIFO entries beyond the normal limits.
     */
    bool releases = from == DW_FROM_COPY && write && dw->interlock == DUALWRITE_IL_LINE &&
                    track_by_tgt(dw, line) != NULL;
    if (!dw->free_slot ||
        (!releases && (dw->nslots_used >= dw->max_inflight || dw->q_reserved + nmem > dw->queue_depth)))
        return dw_refuse(dw, from);
    dualwrite_track_t *t = NULL;
    bool track_read = from == DW_FROM_COPY && lock && !write;
    if (track_read && !(t = track_by_cur(dw, line)) && dw->ntrack == dw->interlock_lines)
        return dw_refuse(dw, from);
    migsim_req_t *half = NULL;
    if (nmem == 2 && !(half = migsim_req_alloc(dw->comp.pool))) {
        migsim_sim_fail(dw->comp.sim, migsim_error(MIGSIM_ENOMEM, "%s: out of memory", dw->comp.name));
        return MIGSIM_EBUSY;
    }
    migsim_tick_t now = dw->comp.k->now;
    dualwrite_slot_t *s = dw->free_slot;
    dw->free_slot = s->next;
    dw->nslots_used++;
    /* every field by name: a compound literal here compiles to a string store of the whole slot */
    s->req = req;
    s->half = half;
    s->cookie = req->cookie;
    s->addr = pa;
    s->line = line;
    s->tgt_line = 0;
    s->t_arrive = now;
    s->t_hold = 0;
    s->t_done = 0;
    s->next = NULL;
    s->flags = req->flags;
    s->status = 0;
    s->from = (uint8_t)from;
    s->nmem = (uint8_t)nmem;
    s->pending = (uint8_t)nmem;
    s->track_write = 0;
    req->cookie = s;
    req->addr = to;
    req->flags &= ~MIGSIM_REQ_POSTED;
    req->t_arrive = now;
    if (half) {
        half->addr = r->tgt_base + (pa - r->cur_base);
        half->orig_addr = req->orig_addr;
        half->t_issue = req->t_issue;
        half->t_arrive = now;
        half->size = req->size;
        half->op = req->op;
        half->src_kind = req->src_kind;
        half->src_idx = req->src_idx;
        half->flags = req->flags | ORACLE_REQ_NO_COMMIT;
        half->cookie = s;
        if (req->flags & MIGSIM_REQ_HAS_DATA)
            memcpy(half->data, req->data, req->size);
        dw->st_dual_writes++;
        dw->st_extra_bytes += req->size;
    }
    dw->q_reserved += nmem;
    if (from == DW_FROM_COPY) {
        if (write) {
            dw->st_copy_writes++;
            if (dw->interlock == DUALWRITE_IL_LINE && track_by_tgt(dw, line)) {
                s->track_write = 1;
                s->tgt_line = line;
            }
        } else {
            dw->st_copy_reads++;
        }
        if (track_read) {
            if (!t)
                t = track_add(dw, line, (r->tgt_base + (pa - r->cur_base)) >> dw->line_shift);
            t->count++;
            dw->st_tracked_lines++;
        }
    } else {
        if (write)
            dw->st_dma_writes++;
        else
            dw->st_dma_reads++;
        if (seg == DUALWRITE_PASS)
            dw->st_passthrough++;
        else if (write)
            dw->st_seg_writes[seg]++;
        else
            dw->st_seg_reads[seg]++;
        if (lock && (write ? track_by_cur(dw, line) != NULL : hold_has_line(dw, line))) {
            s->t_hold = now;
            if (dw->hold_tail)
                dw->hold_tail->next = s;
            else
                dw->hold_head = s;
            dw->hold_tail = s;
            dw->nheld++;
            if (write) {
                dw->st_held_writes++;
                MIGSIM_TRACE(&dw->comp, DW_HELD, req->addr);
            } else {
                dw->st_held_reads++;
            }
            return MIGSIM_OK;
        }
    }
    dw_enqueue(dw, s);
    dw_pump(dw);
    return MIGSIM_OK;
}

static int dw_recv_in(migsim_port_t *port, migsim_req_t *req)
{
    return dw_accept((dualwrite_t *)port->owner, DW_FROM_IN, req);
}

static int dw_recv_copy(migsim_port_t *port, migsim_req_t *req)
{
    return dw_accept((dualwrite_t *)port->owner, DW_FROM_COPY, req);
}

static void dw_mem_resp(migsim_port_t *port, migsim_req_t *mreq)
{
    dualwrite_t *dw = (dualwrite_t *)port->owner;
    dualwrite_slot_t *s = mreq->cookie;
    assert(s && s->pending > 0);
    if (mreq->status && !s->status)
        s->status = mreq->status;
    if (mreq->t_done > s->t_done)
        s->t_done = mreq->t_done;
    if (mreq == s->half) {
        migsim_req_free(dw->comp.pool, mreq);
        s->half = NULL;
    }
    if (--s->pending > 0)
        return;
    if (s->track_write)
        dw_track_done(dw, s->tgt_line);
    migsim_req_t *req = s->req;
    unsigned from = s->from;
    req->cookie = s->cookie;
    req->addr = s->addr;
    req->flags = s->flags;
    req->t_arrive = s->t_arrive;
    req->t_done = s->t_done;
    req->status = s->status;
    req->next = NULL;
    s->req = NULL;
    s->next = dw->free_slot;
    dw->free_slot = s;
    dw->nslots_used--;
    dw_pump(dw);
    if (req->flags & MIGSIM_REQ_POSTED)
        migsim_req_free(dw->comp.pool, req);
    else
        migsim_port_respond(from == DW_FROM_IN ? &dw->in : &dw->copy, req);
    dw_wake(dw);
}

static void dw_mem_retry(migsim_port_t *port)
{
    dualwrite_t *dw = (dualwrite_t *)port->owner;
    dw->mem_blocked = false;
    dw_pump(dw);
    dw_wake(dw);
}

/* ---- life cycle ------------------------------------------------------------------- */

static int dw_init(migsim_comp_t *c)
{
    dualwrite_t *dw = (dualwrite_t *)c;
    if (!is_pow2(dw->line_bytes))
        return migsim_error(MIGSIM_ECONFIG, "line_bytes %u is not a power of two", dw->line_bytes);
    dw->line_shift = log2u(dw->line_bytes);
    /* interlock_lines more slots than max_inflight: reserved for copy writes that release holds */
    uint32_t nslots = dw->max_inflight + dw->interlock_lines;
    dw->slots = calloc(nslots, sizeof *dw->slots);
    dw->track = calloc(dw->interlock_lines, sizeof *dw->track);
    uint32_t nix = 1;
    while (nix < 2 * dw->interlock_lines)
        nix *= 2;
    dw->ix_mask = nix - 1;
    dw->ix[0] = calloc(nix, sizeof *dw->ix[0]);
    dw->ix[1] = calloc(nix, sizeof *dw->ix[1]);
    if (!dw->slots || !dw->track || !dw->ix[0] || !dw->ix[1])
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    for (uint32_t i = nslots; i-- > 0;) {
        dw->slots[i].next = dw->free_slot;
        dw->free_slot = &dw->slots[i];
    }
    return MIGSIM_OK;
}

static void dw_fini(migsim_comp_t *c)
{
    dualwrite_t *dw = (dualwrite_t *)c;
    /* requests still in flight when a run stops stay with the pool, which frees its slabs */
    free(dw->slots);
    free(dw->track);
    free(dw->ix[0]);
    free(dw->ix[1]);
    dw->slots = NULL;
    dw->track = NULL;
    dw->ix[0] = dw->ix[1] = NULL;
}

static const char *const il_names[] = { "none", "line", NULL };

#define PU32(n, f, u, d, lo, hi, h) MIGSIM_PARAM_U32(dualwrite_t, n, f, u, d, lo, hi, h)

static const migsim_param_t dw_params[] = {
    MIGSIM_PARAM_ENUM(dualwrite_t, "interlock", interlock, DUALWRITE_IL_LINE, il_names,
                      "none: DMA writes race the copy engine; line: a DMA write to a line whose "
                      "copy is in flight waits until the copy's target write completed"),
    PU32("queue_depth", queue_depth, "requests", 16, 2, 65536,
         "memory requests waiting for the mem port (a dual write needs two)"),
    PU32("max_inflight", max_inflight, "requests", 64, 1, 65536,
         "requests accepted and not yet answered (queued, held or in memory)"),
    PU32("interlock_lines", interlock_lines, "lines", 64, 1, 4096,
         "copy lines tracked at once by the line interlock; further copy reads are refused"),
    PU32("line_bytes", line_bytes, "bytes", 64, 16, 4096,
         "interlock granularity; a request must not cross a line"),
    MIGSIM_PARAMS_END,
};

static const migsim_port_def_t dw_ports[] = {
    MIGSIM_PORT_TARGET(dualwrite_t, "in", in, dw_recv_in,
                       "DMA requests after the IOMMU (physical addresses), routed by segment"),
    MIGSIM_PORT_TARGET(dualwrite_t, "copy", copy, dw_recv_copy,
                       "copy engine requests (physical addresses), passed through and tracked"),
    MIGSIM_PORT_INITIATOR(dualwrite_t, "mem", mem, dw_mem_resp, dw_mem_retry, "to memory"),
    MIGSIM_PORTS_END,
};

#define SU(n, f, u, h) MIGSIM_STAT_U64(dualwrite_t, n, f, u, h)

static const migsim_stat_def_t dw_stats[] = {
    SU("dma_reads", st_dma_reads, "requests", "DMA reads accepted on port in"),
    SU("dma_writes", st_dma_writes, "requests", "DMA writes accepted on port in"),
    SU("copy_reads", st_copy_reads, "requests", "copy engine reads accepted on port copy"),
    SU("copy_writes", st_copy_writes, "requests", "copy engine writes accepted on port copy"),
    SU("seg1_reads", st_seg_reads[1], "requests", "DMA reads of migrated subpages (to the target)"),
    SU("seg1_writes", st_seg_writes[1], "requests", "DMA writes to migrated subpages (to the target)"),
    SU("seg2_reads", st_seg_reads[2], "requests", "DMA reads of migrating subpages (from the current page)"),
    SU("seg2_writes", st_seg_writes[2], "requests", "DMA writes to migrating subpages (dual writes)"),
    SU("seg3_reads", st_seg_reads[3], "requests", "DMA reads of subpages not yet migrated"),
    SU("seg3_writes", st_seg_writes[3], "requests", "DMA writes to subpages not yet migrated"),
    SU("passthrough_reqs", st_passthrough, "requests", "DMA requests outside the page or with the chip disabled"),
    SU("dual_writes", st_dual_writes, "requests", "writes sent to both the current and the target page"),
    SU("extra_bytes_written", st_extra_bytes, "bytes", "bytes of the second halves of dual writes"),
    SU("held_writes", st_held_writes, "requests", "DMA writes held by the line interlock"),
    SU("held_reads", st_held_reads, "requests", "DMA reads held behind a held write to their line"),
    SU("hold_time_ps", st_hold_time_ps, "ps", "sum of the holds of held requests"),
    SU("hold_max_ps", st_hold_max_ps, "ps", "longest hold"),
    SU("refused_reqs", st_refused, "requests", "upstream sends refused (no slot, queue or interlock room)"),
    SU("mem_refusals", st_mem_refusals, "requests", "sends the mem port refused (back-pressure)"),
    SU("tracked_copy_reads", st_tracked_lines, "requests", "copy reads recorded by the line interlock"),
    MIGSIM_STATS_END,
};

const migsim_comp_ops_t dualwrite_ops = {
    .type = "dualwrite",
    .help = "the dual-write chip of US 9,081,764 (FIG. 3): routes DMA traffic to a migrating "
            "large page by segment (target, dual write, current), passes the copy engine's "
            "traffic and can hold DMA writes racing a line copy (interlock)",
    .size = sizeof(dualwrite_t),
    .params = dw_params,
    .ports = dw_ports,
    .stats = dw_stats,
    .init = dw_init,
    .fini = dw_fini,
};
