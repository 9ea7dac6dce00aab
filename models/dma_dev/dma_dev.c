/*
 * dma_dev.c - the trace-driven DMA device (see dma_dev.h). Latency of each
 * response runs from its record's arrival at the device (t_issue), so time
 * spent waiting in the ring (suspended, blocked, queue full) counts, and
 * goes to the histogram of the migration phase current when it arrives.
 */
#include "dma_dev/dma_dev.h"
#include "iommu/iommu.h"
#include "migsim/errors.h"
#include "migsim/sim.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Latencies up to 2^42 ps (4.4 s) are within the histogram's error bound. */

static void dev_issue(dma_dev_t *d);

/*
 * Pull the next DMA record and schedule its arrival. Records of another
 * source kind are counted in dropped_kind_records and skipped; in GAP_PS
 * mode their gaps still pass (the next DMA record keeps its place in time).
 */
static void dev_fetch(dma_dev_t *d)
{
    uint64_t skipped_gap = 0;
    int rc;
    while ((rc = migsim_recsrc_next(d->src, &d->next)) > 0 && d->next.src_kind != MIGSIM_SRC_DMA) {
        d->st_dropped_kind++;
        d->st_dropped++;
        skipped_gap += d->next.time;
    }
    if (rc <= 0) {
        d->eof = true;
        d->have_next = false;
        if (rc < 0)
            migsim_sim_fail(d->comp.sim, rc);
        return;
    }
    d->have_next = true;
    migsim_tick_t now = d->comp.k->now, t = now, base = now;
    uint64_t delta = 0;
    switch (d->time_mode) {
    case MIGSIM_TIME_ABS_PS: base = d->start_ps; delta = d->next.time; break;
    case MIGSIM_TIME_GAP_PS:
        base = d->last_arrival;
        delta = skipped_gap > UINT64_MAX - d->next.time ? UINT64_MAX : skipped_gap + d->next.time;
        break;
    default: break; /* instruction gaps mean nothing to a device: now */
    }
    if ((rc = srclat_due(&d->comp, d->trace, d->st_arrived + d->st_dropped_kind, base, delta,
                         d->start_ps, &t)) != 0) {
        d->eof = true;
        d->have_next = false;
        migsim_sim_fail(d->comp.sim, rc);
        return;
    }
    migsim_schedule(d->comp.k, &d->arrive_ev, t > now ? t : now);
}

static void dev_arrive(migsim_event_t *ev)
{
    dma_dev_t *d = ev->ctx;
    migsim_tick_t now = d->comp.k->now;
    while (d->have_next) {
        d->st_arrived++;
        d->last_arrival = now;
        d->rec_index++;
        const migsim_trace_rec_t *r = &d->next;
        bool write = r->op == MIGSIM_OP_WRITE;
        if (d->ring_n == d->ring_records || (write && d->buffered + r->size > d->buffer_bytes)) {
            d->st_dropped_full++;
            d->st_dropped++;
            d->st_dropped_bytes += r->size;
        } else {
            dma_rec_t *slot = &d->ring[(d->ring_head + d->ring_n++) % d->ring_records];
            slot->rec = *r;
            slot->arrived = now;
            if (write) {
                d->buffered += r->size;
                if (d->buffered > d->st_buffer_peak)
                    d->st_buffer_peak = d->buffered;
            }
        }
        dev_fetch(d);
        if (migsim_event_queued(&d->arrive_ev))
            break;   /* the next record arrives later */
    }
    dev_issue(d);
}

/*
 * The payload of a write: byte i is bits 2..9 of v + 13 i, with
 * v = rec_index * 151 + addr * 13, i.e. of 13 (s + i) mod 1024 where
 * s = v * 13^-1 mod 1024 (13 * 709 = 9217 = 1 mod 1024). So the bytes are a
 * run of a fixed 1024-byte cycle starting at s, copied from a table twice
 * that long.
 */
#define FC1(k) (uint8_t)((13u * (k) % 1024u) >> 2)
#define FC4(k) FC1(k), FC1((k) + 1), FC1((k) + 2), FC1((k) + 3)
#define FC16(k) FC4(k), FC4((k) + 4), FC4((k) + 8), FC4((k) + 12)
#define FC64(k) FC16(k), FC16((k) + 16), FC16((k) + 32), FC16((k) + 48)
#define FC256(k) FC64(k), FC64((k) + 64), FC64((k) + 128), FC64((k) + 192)
static const uint8_t fill_cycle[2048] = {
    FC256(0), FC256(256), FC256(512), FC256(768),
    FC256(1024), FC256(1280), FC256(1536), FC256(1792),
};

static void dev_fill(migsim_req_t *req, uint64_t rec_index)
{
    uint32_t s = (uint32_t)((rec_index * 151u + req->addr * 13u) * 709u % 1024u);
    for (uint32_t i = 0; i < req->size; i += 1024) {
        uint32_t n = req->size - i < 1024 ? req->size - i : 1024;
        memcpy(req->data + i, fill_cycle + (s + i) % 1024u, n);
    }
}

/* What dma_dev_t.pending is. */
enum { DEV_SEND_NEW = 0, DEV_SEND_XLATE, DEV_SEND_RESEND };

/* ---- the ATC ------------------------------------------------------------------ */

/* The entry holding IOVA page `page` (IOVA / DMA_DEV_ATC_PAGE + 1), or -1. */
static int dev_atc_find(const dma_dev_t *d, uint64_t page)
{
    for (uint32_t i = 0; i < d->atc_entries; i++)
        if (d->atc_page[i] == page)
            return (int)i;
    return -1;
}

/* The PA of `iova` from the ATC (a use: LRU updated); false on a miss. */
static bool dev_atc_lookup(dma_dev_t *d, uint64_t iova, uint64_t *pa)
{
    int i = dev_atc_find(d, iova / DMA_DEV_ATC_PAGE + 1);
    if (i < 0)
        return false;
    d->atc_used[i] = ++d->atc_clock;
    *pa = d->atc_pa[i] + iova % DMA_DEV_ATC_PAGE;
    return true;
}

/* Cache the translation iova -> pa, in place of the least recently used (or an empty) entry. */
static void dev_atc_fill(dma_dev_t *d, uint64_t iova, uint64_t pa)
{
    uint64_t page = iova / DMA_DEV_ATC_PAGE + 1;
    int i = dev_atc_find(d, page);
    if (i < 0) {
        i = 0;
        for (uint32_t k = 1; k < d->atc_entries; k++)
            if (d->atc_used[k] < d->atc_used[i])
                i = (int)k;
    }
    d->atc_page[i] = page;
    d->atc_pa[i] = pa - pa % DMA_DEV_ATC_PAGE;
    d->atc_used[i] = ++d->atc_clock;
}

/* Send `req` with the PA of its IOVA: the IOMMU passes it through. */
static void dev_translated(migsim_req_t *req, uint64_t pa)
{
    req->addr = pa;
    req->flags |= IOMMU_REQ_ATS_TRANSLATED;
}

/* The ATS translation request for `r` (the same IOVA, size and access). */
static migsim_req_t *dev_xlate_req(dma_dev_t *d, const migsim_req_t *r)
{
    migsim_req_t *t = migsim_req_alloc(d->comp.pool);
    if (!t) {
        migsim_sim_fail(d->comp.sim, MIGSIM_ENOMEM);
        return NULL;
    }
    t->addr = t->orig_addr = r->orig_addr;
    t->size = r->size;
    t->op = r->op;  /* a write asks for write access: the walk sets D */
    t->src_kind = MIGSIM_SRC_DMA;
    t->src_idx = r->src_idx;
    t->flags = IOMMU_REQ_ATS_XLATE;
    t->cookie = d;
    t->t_issue = d->comp.k->now;
    d->xlate_out = true;
    d->xlate_gen = d->atc_gen;
    return t;
}

/* A translation request came back: cache it (unless an invalidation came meanwhile). */
static void dev_xlate_done(dma_dev_t *d, migsim_req_t *t)
{
    migsim_req_t *r = d->xlate_req;
    d->xlate_out = false;
    if (t->status != 0) {
        d->st_ats_xlate_faults++;
        d->xlate_skip = true;      /* the request goes untranslated: the IOMMU decides */
    } else if (d->xlate_gen != d->atc_gen) {
        d->st_ats_stale++;         /* asked again by dev_next */
    } else {
        dev_atc_fill(d, t->orig_addr, t->addr);
        dev_translated(r, t->addr);
    }
    migsim_req_free(d->comp.pool, t);
}

/* ---- request queues (PRI answers, bounce stages) ------------------------------------ */

static void dev_q_free(dma_dev_t *d, migsim_req_t **head, migsim_req_t **tail)
{
    while (*head)
        migsim_req_free(d->comp.pool, migsim_req_fifo_pop(head, tail));
}

/* ---- PRI -------------------------------------------------------------------------- */

static dma_dev_pri_t *dev_pri_find(dma_dev_t *d, uint64_t id)
{
    for (uint32_t i = 0; i < d->queue_depth && d->pri_used; i++)
        if (d->pri_tab[i].used && d->pri_tab[i].id == id)
            return &d->pri_tab[i];
    return NULL;
}

static void dev_pri_forget(dma_dev_pri_t *e, dma_dev_t *d)
{
    e->used = false;
    d->pri_used--;
}

/*
 * A request answered with a fault: send a page request and hold the request
 * until the OS answers, pri_ps from now; false when it has had
 * pri_max_retries page requests already (the fault is final).
 */
static bool dev_pri(dma_dev_t *d, migsim_req_t *req)
{
    dma_dev_pri_t *e = dev_pri_find(d, req->id);
    if (e && e->tries >= d->pri_max_retries) {
        dev_pri_forget(e, d);
        d->st_pri_failed++;
        return false;
    }
    if (e) {
        d->st_pri_retries++;
    } else {
        for (uint32_t i = 0; i < d->queue_depth && !e; i++)
            if (!d->pri_tab[i].used)
                e = &d->pri_tab[i];
        assert(e); /* one entry per outstanding request, at most queue_depth */
        *e = (dma_dev_pri_t){ .id = req->id, .used = true };
        d->pri_used++;
    }
    e->tries++;
    d->st_pri_requests++;
    req->status = 0;
    req->scratch[0] = d->comp.k->now + d->pri_ps;
    migsim_req_fifo_push(&d->priq, &d->priq_tail, req);
    if (!migsim_event_queued(&d->pri_ev))
        migsim_schedule(d->comp.k, &d->pri_ev, d->priq->scratch[0]);
    return true;
}

static void dev_issue(dma_dev_t *d);

static void dev_pri_event(migsim_event_t *ev)
{
    dma_dev_t *d = ev->ctx;
    dev_issue(d);
    if (d->priq && !migsim_event_queued(&d->pri_ev) && d->priq->scratch[0] > d->comp.k->now)
        migsim_schedule(d->comp.k, &d->pri_ev, d->priq->scratch[0]);
}

/* ---- bounce buffers --------------------------------------------------------------- */

/* Whether a request at PA `pa` must go through the bounce buffer: above the mask. */
static bool dev_bounces(const dma_dev_t *d, uint64_t pa)
{
    return d->dma_mask_bits && d->dma_mask_bits < 64 && pa >> d->dma_mask_bits != 0;
}

/* The PA the device is given for its address `addr`: the driver's mapping, if any. */
static uint64_t dev_map(const dma_dev_t *d, uint64_t addr)
{
    return d->map ? d->map(d->map_ctx, addr) : addr;
}

int dma_dev_set_map(dma_dev_t *d, dma_dev_map_fn fn, void *ctx)
{
    if (fn && (d->atc_entries || d->pri))
        return migsim_error(MIGSIM_ECONFIG,
                            "%s: a device whose driver maps its addresses (no IOMMU) has no ATC "
                            "and no PRI (atc_entries %u, pri %s)",
                            d->comp.config_path, d->atc_entries, d->pri ? "true" : "false");
    d->map = fn;
    d->map_ctx = ctx;
    return MIGSIM_OK;
}

int dma_dev_set_observer(dma_dev_t *d, dma_dev_observe_fn fn, void *ctx)
{
    if (fn && d->obs && (d->obs != fn || d->obs_ctx != ctx))
        return migsim_error(MIGSIM_EBUSY, "%s: observed already (one observer per device)",
                            d->comp.name);
    d->obs = fn;
    d->obs_ctx = ctx;
    return MIGSIM_OK;
}

/*
 * Stage `st` of a bounced request: what goes on `out` (see dma_dev.h). The
 * bounce line is addressed by PA (MIGSIM_REQ_PHYS); the real line by the PA
 * the device's address maps to when the stage is sent, and a CPU copy to it
 * is marked MIGSIM_REQ_IOADDR: the oracle keys it as the device's write.
 */
static void dev_bounce_stage(const dma_dev_t *d, migsim_req_t *req, const dma_dev_bounce_t *b)
{
    /* by stage: write {device W buf, CPU R buf, CPU W real}, read {CPU R real, CPU W buf, device R buf} */
    static const uint8_t op_w[3] = { MIGSIM_OP_WRITE, MIGSIM_OP_READ, MIGSIM_OP_WRITE };
    static const uint8_t op_r[3] = { MIGSIM_OP_READ, MIGSIM_OP_WRITE, MIGSIM_OP_READ };
    static const bool cpu_w[3] = { false, true, true }, cpu_r[3] = { true, true, false };
    static const bool real_w[3] = { false, false, true }, real_r[3] = { true, false, false };
    unsigned k = b->stage - 1u;
    req->op = b->write ? op_w[k] : op_r[k];
    req->src_kind = (b->write ? cpu_w[k] : cpu_r[k]) ? MIGSIM_SRC_CPU : MIGSIM_SRC_DMA;
    req->flags &= ~(MIGSIM_REQ_PHYS | MIGSIM_REQ_IOADDR);
    if (b->write ? real_w[k] : real_r[k]) {
        req->orig_addr = b->orig;
        req->addr = dev_map(d, b->orig);
        req->flags |= MIGSIM_REQ_IOADDR;
    } else {
        req->addr = req->orig_addr = b->buf;
        req->flags |= MIGSIM_REQ_PHYS;
    }
    req->status = 0;
}

/* A new request to a page above the mask: take a bounce entry and a line, stage 1. */
static void dev_bounce_start(dma_dev_t *d, migsim_req_t *req)
{
    dma_dev_bounce_t *b = NULL;
    for (uint32_t i = 0; i < d->queue_depth && !b; i++)
        if (!d->bnc[i].used)
            b = &d->bnc[i];
    assert(b); /* one entry per outstanding request, at most queue_depth */
    uint64_t lines = d->bounce_bytes / d->line_bytes;
    *b = (dma_dev_bounce_t){ .id = req->id, .orig = req->orig_addr, .stage = 1, .used = true,
                             .write = req->op == MIGSIM_OP_WRITE };
    b->buf = d->bounce_base + (d->bnc_next++ % lines) * d->line_bytes +
             (req->addr & (d->line_bytes - 1));
    d->bnc_used++;
    dev_bounce_stage(d, req, b);
}

/* The bounce entry of request `id`, or NULL when it does not bounce. */
static dma_dev_bounce_t *dev_bounce_find(dma_dev_t *d, uint64_t id)
{
    for (uint32_t i = 0; i < d->queue_depth && d->bnc_used; i++)
        if (d->bnc[i].used && d->bnc[i].id == id)
            return &d->bnc[i];
    return NULL;
}

/*
 * A response to a request: when it is a bounced one with stages to go, send
 * its next stage (true: still outstanding); false when it is done.
 */
static bool dev_bounce_next(dma_dev_t *d, migsim_req_t *req)
{
    dma_dev_bounce_t *b = dev_bounce_find(d, req->id);
    if (!b)
        return false;
    if (b->stage == 3 || req->status != 0) {
        req->orig_addr = b->orig;
        req->addr = dev_map(d, b->orig);
        req->src_kind = MIGSIM_SRC_DMA;
        req->flags &= ~(MIGSIM_REQ_PHYS | MIGSIM_REQ_IOADDR);
        b->used = false;
        d->bnc_used--;
        return false;
    }
    b->stage++;
    dev_bounce_stage(d, req, b);
    d->st_bounce_copy_reqs += req->src_kind == MIGSIM_SRC_CPU;
    migsim_req_fifo_push(&d->bq, &d->bq_tail, req);
    if (!migsim_event_queued(&d->issue_ev))
        migsim_schedule(d->comp.k, &d->issue_ev, d->comp.k->now);
    return true;
}

/* ---- issue ------------------------------------------------------------------------ */

/*
 * Put the next request to send in d->pending: the request whose translation
 * came back, or a new request from the head of the ring (or, when its page
 * misses the ATC, its translation request first). False when there is none.
 */
static bool dev_next(dma_dev_t *d)
{
    if (d->xlate_req) {
        if (d->xlate_out)
            return false;           /* its translation is on its way */
        migsim_req_t *r = d->xlate_req;
        if ((r->flags & IOMMU_REQ_ATS_TRANSLATED) || d->xlate_skip) {
            d->xlate_req = NULL;
            d->xlate_skip = false;
            d->pending = r;
            d->pending_kind = DEV_SEND_NEW;
        } else {
            d->pending = dev_xlate_req(d, r);  /* an invalidation came: ask again */
            d->pending_kind = DEV_SEND_XLATE;
        }
        return d->pending != NULL;
    }
    if (!d->ring_n || d->inflight >= d->queue_depth)
        return false;
    dma_rec_t *h = &d->ring[d->ring_head];
    migsim_req_t *req = migsim_req_alloc(d->comp.pool);
    if (!req) {
        migsim_sim_fail(d->comp.sim, MIGSIM_ENOMEM);
        return false;
    }
    uint64_t addr = h->rec.addr + d->head_off;
    uint64_t room = d->line_bytes - (addr & (d->line_bytes - 1)); /* a power of two */
    uint64_t left = h->rec.size - d->head_off;
    req->orig_addr = addr;
    req->addr = dev_map(d, addr);
    req->size = (uint32_t)(left < room ? left : room);
    req->op = h->rec.op;
    req->src_kind = MIGSIM_SRC_DMA;
    req->src_idx = h->rec.src_idx;
    req->cookie = d;
    req->t_issue = h->arrived;  /* latency runs from the record's arrival */
    if (d->head_off == 0)
        req->flags |= MIGSIM_REQ_XFER_FIRST;
    if (d->head_off + req->size >= h->rec.size)
        req->flags |= MIGSIM_REQ_XFER_LAST;
    if (d->payload) {
        req->flags |= MIGSIM_REQ_HAS_DATA;
        if (req->op == MIGSIM_OP_WRITE)
            dev_fill(req, d->rec_index);
    }
    d->pending = req;
    d->pending_kind = DEV_SEND_NEW;
    if (dev_bounces(d, req->addr))
        dev_bounce_start(d, req);   /* no ATC with a mask (init) */
    if (d->atc_entries) {
        uint64_t pa;
        if (dev_atc_lookup(d, addr, &pa)) {
            d->st_atc_hits++;
            dev_translated(req, pa);
        } else {
            d->st_atc_misses++;
            d->xlate_req = req;
            d->pending = dev_xlate_req(d, req);
            d->pending_kind = DEV_SEND_XLATE;
            return d->pending != NULL;
        }
    }
    return true;
}

/* A new request was sent: it leaves the ring and the buffer. */
static void dev_sent_new(dma_dev_t *d, const migsim_req_t *req)
{
    d->inflight++;
    d->st_bytes += req->size;
    d->st_ats_translated += (req->flags & IOMMU_REQ_ATS_TRANSLATED) != 0;
    dma_rec_t *h = &d->ring[d->ring_head];
    if (d->head_off == 0)
        d->st_wait_sum_ps += d->comp.k->now - h->arrived;
    if (d->bnc_used && dev_bounce_find(d, req->id)) {
        /* bounced: the copy's bytes and CPU time */
        d->st_bounce_bytes += req->size;
        d->st_bounce_cpu_ps += req->size * d->bounce_ps_per_byte;
        d->st_bounce_copy_reqs += req->src_kind == MIGSIM_SRC_CPU;
        if (!d->head_bounced) {
            d->head_bounced = true;
            d->st_bounce_ios++;
            d->st_bounce_cpu_ps += d->bounce_io_ps;
        }
    }
    if (h->rec.op == MIGSIM_OP_WRITE) {
        d->st_writes++;
        d->buffered -= req->size;
    } else {
        d->st_reads++;
    }
    d->head_off += req->size;
    if (d->head_off >= h->rec.size) {
        if (d->dma_mask_bits && !d->head_bounced)
            d->st_direct_ios++;
        d->head_bounced = false;
        d->head_off = 0;
        d->ring_head = (d->ring_head + 1) % d->ring_records;
        d->ring_n--;
    }
}

/*
 * Issue while allowed: requests the OS answered (PRI) first, even while
 * suspended (they are outstanding: a drain waits for them); then, unless
 * suspended, translations and the head of the ring.
 */
static void dev_issue(dma_dev_t *d)
{
    while (!d->blocked) {
        migsim_req_t *req, **qh = NULL, **qt = NULL;
        uint8_t kind = DEV_SEND_RESEND;
        if (d->bq)
            qh = &d->bq, qt = &d->bq_tail;
        else if (d->priq && d->priq->scratch[0] <= d->comp.k->now)
            qh = &d->priq, qt = &d->priq_tail;
        bool resend = qh != NULL;
        if (resend) {
            /* off the queue while it is sent; back at its head if refused */
            req = migsim_req_fifo_pop(qh, qt);
        } else {
            if (d->suspended || (!d->pending && !dev_next(d)))
                return;
            req = d->pending;
            kind = d->pending_kind;
        }
        if (kind == DEV_SEND_XLATE)
            d->inflight++;   /* before the send: the answer may come within it */
        if (migsim_port_send(&d->out, req) != 0) {
            if (kind == DEV_SEND_XLATE)
                d->inflight--;
            if (resend)
                migsim_req_fifo_unpop(qh, qt, req);
            d->blocked = true;
            d->st_refused++;
            return;
        }
        if (!resend)
            d->pending = NULL;
        if (kind == DEV_SEND_NEW)
            dev_sent_new(d, req);
        else if (kind == DEV_SEND_XLATE)
            d->st_ats_xlate++;
    }
}

static void dev_issue_event(migsim_event_t *ev)
{
    dev_issue(ev->ctx);
}

static void dev_resp(migsim_port_t *port, migsim_req_t *req)
{
    dma_dev_t *d = (dma_dev_t *)port->owner;
    migsim_tick_t now = d->comp.k->now;
    if (req->status == IOMMU_STATUS_FAULT && d->pri && dev_pri(d, req))
        return; /* held for the OS's answer, still outstanding */
    if (d->bnc_used && dev_bounce_next(d, req))
        return; /* its next bounce stage, still outstanding */
    if (d->pri_used) {
        dma_dev_pri_t *e = dev_pri_find(d, req->id);
        if (e)
            dev_pri_forget(e, d);
    }
    d->inflight--;
    if (req->flags & IOMMU_REQ_ATS_XLATE) {
        dev_xlate_done(d, req);
    } else {
        srclat_record(&d->lat, d->comp.sim, now, req->t_issue, req->status);
        if (d->obs)
            d->obs(d->obs_ctx, req);
        migsim_req_free(d->comp.pool, req);
    }
    if (!d->blocked && !d->suspended && (d->ring_n || d->xlate_req) &&
        !migsim_event_queued(&d->issue_ev))
        migsim_schedule(d->comp.k, &d->issue_ev, now);
}

static void dev_retry(migsim_port_t *port)
{
    dma_dev_t *d = (dma_dev_t *)port->owner;
    d->blocked = false;
    if (!migsim_event_queued(&d->issue_ev))
        migsim_schedule(d->comp.k, &d->issue_ev, d->comp.k->now);
}

/* ---- ATS invalidation ---------------------------------------------------------------- */

static void dev_inval_event(migsim_event_t *ev)
{
    dma_dev_inval_t *v = ev->ctx;
    v->active = false;
    if (v->done)
        v->done(v->ctx);
}

int dma_dev_ats_invalidate(dma_dev_t *d, uint64_t iova, uint64_t len, dma_dev_inval_done_fn done,
                           void *ctx)
{
    dma_dev_inval_t *v = NULL;
    for (uint32_t i = 0; i < DMA_DEV_MAX_INVALS && !v; i++)
        if (!d->inv[i].active)
            v = &d->inv[i];
    if (!v)
        return migsim_error(MIGSIM_EBUSY, "%s: %u ATS invalidations already in progress",
                            d->comp.name, DMA_DEV_MAX_INVALS);
    d->st_ats_invals++;
    if (!d->atc_ignore_inval) {
        d->atc_gen++;
        for (uint32_t i = 0; i < d->atc_entries; i++) {
            uint64_t lo = (d->atc_page[i] - 1) * DMA_DEV_ATC_PAGE;
            if (d->atc_page[i] && lo < iova + len && iova < lo + DMA_DEV_ATC_PAGE) {
                d->atc_page[i] = 0;
                d->atc_used[i] = 0;
                d->st_atc_inval_entries++;
            }
        }
    }
    v->done = done;
    v->ctx = ctx;
    v->active = true;
    migsim_schedule(d->comp.k, &v->ev, d->comp.k->now + d->ats_inval_ps);
    return MIGSIM_OK;
}

void dma_dev_suspend(dma_dev_t *d, bool suspend)
{
    migsim_tick_t now = d->comp.k->now;
    if (suspend == d->suspended)
        return;
    d->suspended = suspend;
    if (suspend) {
        d->suspended_since = now;
        return;
    }
    d->st_suspended_ps += now - d->suspended_since;
    if (!migsim_event_queued(&d->issue_ev))
        migsim_schedule(d->comp.k, &d->issue_ev, now);
}

/*
 * Refuse a trace meant for another source: when none of its first
 * DMA_DEV_KIND_PROBE_RECS records is a DMA record (e.g. a CPU trace given to
 * a device), the whole trace would be skipped. Reads one block ahead with a
 * reader of its own; a trace with DMA records early and others later is
 * replayed, its other records counted in dropped_kind_records.
 */
static int dev_check_kind(const char *path)
{
    migsim_trace_reader_t *r;
    int rc = migsim_trace_open(&r, path);
    if (rc)
        return rc;
    uint64_t n = 0, per_kind[MIGSIM_SRC_COUNT_] = { 0 };
    const migsim_trace_rec_t *rec;
    while (n < DMA_DEV_KIND_PROBE_RECS && (rc = migsim_trace_next(r, &rec)) == 1) {
        per_kind[rec->src_kind]++; /* checked by the reader: < MIGSIM_SRC_COUNT_ */
        n++;
    }
    migsim_trace_close(r);
    if (rc < 0)
        return rc;
    if (n == 0 || per_kind[MIGSIM_SRC_DMA] > 0)
        return MIGSIM_OK;
    int most = 0;
    for (int k = 1; k < MIGSIM_SRC_COUNT_; k++)
        if (per_kind[k] > per_kind[most])
            most = k;
    return migsim_error(MIGSIM_ECONFIG,
                        "trace: %s: none of its first %llu records is a DMA record (%llu of them "
                        "are %s records): a dma_dev replays DMA records only; convert with "
                        "--src dma, or give it to a trace_player",
                        path, (unsigned long long)n, (unsigned long long)per_kind[most],
                        migsim_src_kind_name((migsim_src_kind_t)most));
}

/* The DMA mask and its bounce region, checked at init. */
static int dev_check_bounce(dma_dev_t *d)
{
    if (!d->dma_mask_bits || d->dma_mask_bits >= 64)
        return MIGSIM_OK;
    if (d->atc_entries || d->pri)
        return migsim_error(MIGSIM_ECONFIG,
                            "dma_mask_bits %u: a device with a DMA mask has no ATC and no PRI "
                            "(atc_entries %u, pri %s)",
                            d->dma_mask_bits, d->atc_entries, d->pri ? "true" : "false");
    uint64_t need = (uint64_t)d->queue_depth * d->line_bytes, top = 1ull << d->dma_mask_bits;
    if (d->bounce_bytes < need)
        return migsim_error(MIGSIM_ECONFIG,
                            "bounce_bytes %llu: a device with dma_mask_bits %u needs a bounce "
                            "buffer of at least queue_depth x line_bytes = %llu bytes",
                            (unsigned long long)d->bounce_bytes, d->dma_mask_bits,
                            (unsigned long long)need);
    if (d->bounce_base % d->line_bytes || d->bounce_base >= top ||
        d->bounce_bytes > top - d->bounce_base)
        return migsim_error(MIGSIM_ECONFIG,
                            "bounce_base 0x%llx, bounce_bytes %llu: the bounce buffer must be "
                            "line-aligned and lie below the DMA mask (2^%u = 0x%llx)",
                            (unsigned long long)d->bounce_base,
                            (unsigned long long)d->bounce_bytes, d->dma_mask_bits,
                            (unsigned long long)top);
    return MIGSIM_OK;
}

static int dev_init(migsim_comp_t *c)
{
    dma_dev_t *d = (dma_dev_t *)c;
    if (d->line_bytes & (d->line_bytes - 1))
        return migsim_error(MIGSIM_ECONFIG, "line_bytes %u is not a power of two", d->line_bytes);
    int rc = dev_check_bounce(d);
    if (rc)
        return rc;
    d->ring = calloc(d->ring_records, sizeof *d->ring);
    if (!d->ring)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    if ((rc = srclat_init(&d->lat)))
        return rc;
    if (d->trace[0]) {
        rc = dev_check_kind(d->trace);
        if (rc == 0)
            rc = migsim_recsrc_open_file(&d->src, d->trace);
    } else {
        migsim_gen_config_t g;
        migsim_gen_config_default(&g);
        g.pattern = (migsim_gen_pattern_t)d->gen_pattern;
        g.count = d->gen_count;
        g.base = d->gen_base;
        g.range_bytes = d->gen_range_bytes;
        g.stride_bytes = d->gen_stride_bytes;
        g.size_bytes = d->gen_size_bytes;
        g.read_frac = d->gen_read_frac;
        g.seed = d->gen_seed ? d->gen_seed : migsim_sim_seed(c->sim) + 1;
        g.gap_ps = d->gen_gap_ps;
        g.ring_entries = d->gen_ring_entries;
        g.buf_bytes = d->gen_buf_bytes;
        g.pkt_min_bytes = d->gen_pkt_min_bytes;
        g.pkt_max_bytes = d->gen_pkt_max_bytes;
        g.block_bytes = d->gen_block_bytes;
        g.block_order = (uint8_t)d->gen_block_order;
        g.src_kind = MIGSIM_SRC_DMA;
        g.src_idx = (uint16_t)d->dev_id;
        rc = migsim_recsrc_open_gen(&d->src, &g);
    }
    if (rc)
        return rc;
    d->time_mode = migsim_recsrc_time_mode(d->src);
    if ((rc = migsim_event_init(c->k, &d->arrive_ev, dev_arrive, d, 15, 0, "dma.arrive")) ||
        (rc = migsim_event_init(c->k, &d->issue_ev, dev_issue_event, d, 20, 0, "dma.issue")) ||
        (rc = migsim_event_init(c->k, &d->pri_ev, dev_pri_event, d, 20, 0, "dma.pri")))
        return rc;
    for (uint32_t i = 0; i < DMA_DEV_MAX_INVALS; i++) {
        d->inv[i].d = d;
        if ((rc = migsim_event_init(c->k, &d->inv[i].ev, dev_inval_event, &d->inv[i], 5, 0,
                                    "dma.ats_inval")))
            return rc;
    }
    if (d->atc_entries && (!(d->atc_page = calloc(d->atc_entries, sizeof *d->atc_page)) ||
                           !(d->atc_pa = calloc(d->atc_entries, sizeof *d->atc_pa)) ||
                           !(d->atc_used = calloc(d->atc_entries, sizeof *d->atc_used))))
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    if (d->pri && !(d->pri_tab = calloc(d->queue_depth, sizeof *d->pri_tab)))
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    if (d->dma_mask_bits && !(d->bnc = calloc(d->queue_depth, sizeof *d->bnc)))
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    return MIGSIM_OK;
}

static int dev_start(migsim_comp_t *c)
{
    dev_fetch((dma_dev_t *)c);
    return MIGSIM_OK;
}

static void dev_finalize(migsim_comp_t *c)
{
    dma_dev_t *d = (dma_dev_t *)c;
    srclat_finalize(&d->lat);
    uint64_t issued = d->st_arrived - d->st_dropped_full;
    d->st_wait_avg_ns = issued ? (double)d->st_wait_sum_ps / (double)issued / 1000.0 : 0;
    d->st_records = d->st_arrived + d->st_dropped_kind;
}

static void dev_fini(migsim_comp_t *c)
{
    dma_dev_t *d = (dma_dev_t *)c;
    if (d->pending)
        migsim_req_free(c->pool, d->pending);
    d->pending = NULL;
    if (d->xlate_req)
        migsim_req_free(c->pool, d->xlate_req);
    d->xlate_req = NULL;
    dev_q_free(d, &d->priq, &d->priq_tail);
    dev_q_free(d, &d->bq, &d->bq_tail);
    free(d->bnc);
    d->bnc = NULL;
    free(d->atc_page);
    free(d->atc_pa);
    free(d->atc_used);
    free(d->pri_tab);
    d->atc_page = d->atc_pa = d->atc_used = NULL;
    d->pri_tab = NULL;
    if (d->pri_ev.fn)
        migsim_event_fini(c->k, &d->pri_ev);
    for (uint32_t i = 0; i < DMA_DEV_MAX_INVALS; i++)
        if (d->inv[i].ev.fn)
            migsim_event_fini(c->k, &d->inv[i].ev);
    migsim_recsrc_close(d->src);
    d->src = NULL;
    free(d->ring);
    d->ring = NULL;
    if (d->arrive_ev.fn)
        migsim_event_fini(c->k, &d->arrive_ev);
    if (d->issue_ev.fn)
        migsim_event_fini(c->k, &d->issue_ev);
    srclat_fini(&d->lat);
}

static const char *const pattern_names[] = { "sequential", "random", "strided", "nic_rx", "block",
                                             NULL };
static const char *const order_names[] = { "sequential", "random", NULL };

#define PU64(n, f, u, d, lo, hi, h) MIGSIM_PARAM_U64(dma_dev_t, n, f, u, d, lo, hi, h)
#define PU32(n, f, u, d, lo, hi, h) MIGSIM_PARAM_U32(dma_dev_t, n, f, u, d, lo, hi, h)

static const migsim_param_t dev_params[] = {
    MIGSIM_PARAM_STR(dma_dev_t, "trace", trace, "",
                     "native trace file (.mtr) of DMA records; empty = use the gen_* generator"),
    PU32("queue_depth", queue_depth, "requests", 32, 1, 1u << 16, "outstanding DMA requests at most"),
    PU64("buffer_bytes", buffer_bytes, "bytes", 65536, 0, 0,
         "device buffer for write data waiting to be sent; arrivals beyond it are dropped"),
    PU32("ring_records", ring_records, "records", 1024, 1, 1u << 20,
         "arrived records waiting to issue at most; arrivals beyond it are dropped"),
    PU32("line_bytes", line_bytes, "bytes", 64, 1, 64, "records are split into requests of at most one line"),
    MIGSIM_PARAM_BOOL(dma_dev_t, "payload", payload, 1, "writes carry deterministic data"),
    MIGSIM_PARAM_BOOL(dma_dev_t, "expect_faults", expect_faults, 0,
                      "responses with a fault status (I/O page faults) are part of the scenario; "
                      "false: migsim run exits with status 1 when any comes back"),
    MIGSIM_PARAM_ENUM(dma_dev_t, "gen_pattern", gen_pattern, 0, pattern_names,
                      "generator pattern; nic_rx: receive ring, block: block device"),
    PU64("gen_count", gen_count, "records", 10000, 0, 0, "generator records"),
    PU64("gen_base", gen_base, "bytes", 0, 0, 0,
         "generator first IOVA; not given behind a migration controller's IOMMU: the page's IOVA"),
    PU64("gen_range_bytes", gen_range_bytes, "bytes", 1u << 20, 1, 0,
         "generator IOVA window; not given behind a migration controller's IOMMU: to the end of "
         "the page (a window given must lie inside the page or the identity region)"),
    PU64("gen_stride_bytes", gen_stride_bytes, "bytes", 4096, 1, 0, "generator stride (strided)"),
    PU32("gen_size_bytes", gen_size_bytes, "bytes", 1500, 1, MIGSIM_TRACE_MAX_SIZE,
         "generator transfer size (sequential, random, strided; any size)"),
    MIGSIM_PARAM_F64(dma_dev_t, "gen_read_frac", gen_read_frac, "", 0.0, 0.0, 1.0,
                     "generator fraction of DMA reads (memory to device)"),
    PU64("gen_seed", gen_seed, "", 0, 0, 0, "generator seed; 0 = the simulation seed + 1"),
    PU64("gen_gap_ps", gen_gap_ps, "ps", 120000, 0, 0, "generator time between records"),
    PU32("gen_ring_entries", gen_ring_entries, "descriptors", 256, 1, MIGSIM_GEN_MAX_RING,
         "nic_rx: receive descriptors (16 bytes each, at gen_base) and buffers"),
    PU32("gen_buf_bytes", gen_buf_bytes, "bytes", 2048, 1, MIGSIM_TRACE_MAX_SIZE,
         "nic_rx: bytes per receive buffer (buffers follow the ring, 64-byte aligned)"),
    PU32("gen_pkt_min_bytes", gen_pkt_min_bytes, "bytes", 64, 1, MIGSIM_TRACE_MAX_SIZE,
         "nic_rx: smallest packet; sizes uniform in [min, max]"),
    PU32("gen_pkt_max_bytes", gen_pkt_max_bytes, "bytes", 1518, 1, MIGSIM_TRACE_MAX_SIZE,
         "nic_rx: largest packet, at most gen_buf_bytes; = min for a fixed size"),
    PU32("gen_block_bytes", gen_block_bytes, "bytes", 4096, 1, MIGSIM_TRACE_MAX_SIZE,
         "block: bytes per transfer (addresses are multiples of it from gen_base)"),
    MIGSIM_PARAM_ENUM(dma_dev_t, "gen_block_order", gen_block_order, 0, order_names,
                      "block: sequential or random block addresses"),
    PU64("start_ps", start_ps, "ps", 0, 0, 0,
         "time of the first arrival; added to absolute record times (as the trace player's)"),
    PU32("dev_id", dev_id, "", 0, 0, 65535, "device number (src_idx of generated records)"),
    PU32("atc_entries", atc_entries, "entries", 0, 0, 4096,
         "ATS translation cache of 4 KiB IOVA pages, fully associative, LRU (0 = no ATC: every "
         "request is translated by the IOMMU); a miss sends an ATS translation request first"),
    PU64("ats_inval_ps", ats_inval_ps, "ps", 1000000, 0, 0,
         "ATS invalidation: request to the device's completion (estimate: PCIe round trips and "
         "the device's flush, about 1 us)"),
    MIGSIM_PARAM_BOOL(dma_dev_t, "atc_ignore_inval", atc_ignore_inval, 0,
                      "planted bug: ATS invalidations complete without dropping any ATC entry, so "
                      "the device keeps sending stale PAs"),
    MIGSIM_PARAM_BOOL(dma_dev_t, "pri", pri, 0,
                      "PCIe PRI: a request answered with an I/O page fault sends a page request "
                      "and is sent again when the OS answers (pri_ps), instead of failing"),
    PU64("pri_ps", pri_ps, "ps", 20000000, 0, 0,
         "page request to the OS's answer (estimate: an I/O page fault served by the OS, about "
         "20 us)"),
    PU32("pri_max_retries", pri_max_retries, "requests", 16, 1, 65535,
         "page requests for one request at most; its next fault is final (pri_failed_reqs)"),
    PU32("dma_mask_bits", dma_mask_bits, "bits", 0, 0, 64,
         "DMA mask: the device reaches addresses below 2^bits only (0 = all, e.g. 32 for a "
         "32-bit PCI device); a request above goes through the bounce buffer, the CPU copying"),
    PU64("bounce_base", bounce_base, "bytes", 0, 0, 0,
         "bounce buffer region's first address (line-aligned, below the mask)"),
    PU64("bounce_bytes", bounce_bytes, "bytes", 0, 0, 0,
         "bounce buffer size, at least queue_depth x line_bytes with a mask (a ring of lines)"),
    PU64("bounce_io_ps", bounce_io_ps, "ps", 1000000, 0, 0,
         "CPU time per bounced transfer: mapping and unmapping the bounce slot, bookkeeping "
         "(estimate: about 1 us, the order of a swiotlb map/unmap pair with its locking)"),
    PU64("bounce_ps_per_byte", bounce_ps_per_byte, "ps", 100, 0, 0,
         "CPU copy time per byte bounced (estimate: 100 ps/byte, a one-core memcpy of about "
         "10 GB/s, the order of one core's STREAM Copy on DDR4 servers)"),
    MIGSIM_PARAMS_END,
};

static const migsim_port_def_t dev_ports[] = {
    MIGSIM_PORT_INITIATOR(dma_dev_t, "out", out, dev_resp, dev_retry,
                          "DMA requests by IOVA (by PA when a driver maps them: migctl mapped_devs), at most one line each"),
    MIGSIM_PORTS_END,
};

#define SU(n, f, u, h) MIGSIM_STAT_U64(dma_dev_t, n, f, u, h)
#define SF(n, f, u, h) MIGSIM_STAT_F64(dma_dev_t, n, f, u, h)

static const migsim_stat_def_t dev_stats[] = {
    SU("arrived_records", st_arrived, "records", "DMA records that arrived"),
    SU("dropped_records", st_dropped, "records",
       "records not replayed: dropped_full_records + dropped_kind_records"),
    SU("dropped_full_records", st_dropped_full, "records", "arrived records dropped: buffer or record queue full"),
    SU("dropped_kind_records", st_dropped_kind, "records",
       "trace records of another source kind than DMA (CPU, ...), skipped"),
    SU("trace_records", st_records, "records", "records read: arrived_records + dropped_kind_records"),
    SU("dropped_bytes", st_dropped_bytes, "bytes", "bytes of records dropped because the buffer or queue was full"),
    SU("read_reqs", st_reads, "requests", "DMA read requests issued"),
    SU("write_reqs", st_writes, "requests", "DMA write requests issued"),
    SU("issued_bytes", st_bytes, "bytes", "bytes requested"),
    SU("refused_sends", st_refused, "requests", "sends the target refused"),
    SU("completed_reqs", lat.done, "requests", "responses received, faulted ones included"),
    SRCLAT_FAULT_STAT(dma_dev_t, lat),
    SF("latency_avg_ns", lat.avg_ns, "ns", "record arrival to response, average, responses without a fault"),
    SU("latency_max_ps", lat.max_ps, "ps", "record arrival to response, largest, responses without a fault"),
    SF("wait_avg_ns", st_wait_avg_ns, "ns", "arrival to first issue of a record, average"),
    SU("suspended_ps", st_suspended_ps, "ps", "time spent suspended"),
    SU("buffer_peak_bytes", st_buffer_peak, "bytes", "largest buffer occupancy"),
    SU("last_done_ps", lat.last_done_ps, "ps", "time of the last response"),
    SU("atc_hits", st_atc_hits, "requests", "requests whose IOVA page was in the ATC (sent translated)"),
    SU("atc_misses", st_atc_misses, "requests", "requests whose IOVA page missed the ATC"),
    SU("ats_xlate_reqs", st_ats_xlate, "requests", "ATS translation requests sent"),
    SU("ats_xlate_faults", st_ats_xlate_faults, "requests",
       "ATS translation requests answered with a fault (the request then went untranslated)"),
    SU("ats_stale_xlates", st_ats_stale, "requests",
       "translations not cached because an ATS invalidation came while they were in flight"),
    SU("ats_translated_reqs", st_ats_translated, "requests", "requests sent with a PA from the ATC"),
    SU("ats_invalidations", st_ats_invals, "invalidations", "ATS invalidations received"),
    SU("atc_entries_invalidated", st_atc_inval_entries, "entries", "ATC entries dropped by them"),
    SU("pri_requests", st_pri_requests, "requests", "PRI page requests sent (one per fault)"),
    SU("pri_retries", st_pri_retries, "requests",
       "page requests after the first for one request (its PTE still invalid after the answer)"),
    SU("pri_failed_reqs", st_pri_failed, "requests",
       "requests whose fault was final after pri_max_retries page requests"),
    SU("bounce_ios", st_bounce_ios, "transfers",
       "transfers (records) with a line above the DMA mask, copied through the bounce buffer"),
    SU("direct_ios", st_direct_ios, "transfers",
       "transfers of a device with a DMA mask that reached memory directly (0 without a mask)"),
    SU("bounce_bytes", st_bounce_bytes, "bytes", "bytes the CPU copied through the bounce buffer"),
    SU("bounce_copy_reqs", st_bounce_copy_reqs, "requests",
       "the CPU's copy requests, a read and a write per bounced line"),
    SU("bounce_cpu_ps", st_bounce_cpu_ps, "ps",
       "CPU time of the bounce copies: bounce_io_ps per bounced transfer + bounce_ps_per_byte "
       "per byte"),
    SRCLAT_STATS(dma_dev_t, lat),
    MIGSIM_STATS_END,
};

const migsim_comp_ops_t dma_dev_ops = {
    .type = "dma_dev",
    .help = "trace-driven DMA device: records arrive at their times into a bounded buffer and "
            "are issued by IOVA with a queue depth; suspension stops issue, overflow drops",
    .size = sizeof(dma_dev_t),
    .params = dev_params,
    .ports = dev_ports,
    .stats = dev_stats,
    .init = dev_init,
    .start = dev_start,
    .finalize_stats = dev_finalize,
    .fini = dev_fini,
};
