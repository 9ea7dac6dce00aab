/*
 * dma_dev.c - the trace-driven DMA device (see dma_dev.h). Latency of each
 * response runs from its record's arrival at the device (t_issue), so time
 * spent waiting in the ring (suspended, blocked, queue full) counts, and
 * goes to the histogram of the migration phase current when it arrives.
 */
#include "dma_dev/dma_dev.h"
#include "migsim/errors.h"
#include "migsim/sim.h"

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

/* Issue from the head of the ring while allowed. */
static void dev_issue(dma_dev_t *d)
{
    migsim_tick_t now = d->comp.k->now;
    while (!d->blocked && !d->suspended) {
        if (!d->pending) {
            if (!d->ring_n || d->inflight >= d->queue_depth)
                return;
            dma_rec_t *h = &d->ring[d->ring_head];
            migsim_req_t *req = migsim_req_alloc(d->comp.pool);
            if (!req) {
                migsim_sim_fail(d->comp.sim, MIGSIM_ENOMEM);
                return;
            }
            uint64_t addr = h->rec.addr + d->head_off;
            uint64_t room = d->line_bytes - (addr & (d->line_bytes - 1)); /* a power of two */
            uint64_t left = h->rec.size - d->head_off;
            req->addr = req->orig_addr = addr;
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
        }
        migsim_req_t *req = d->pending;
        if (migsim_port_send(&d->out, req) != 0) {
            d->blocked = true;
            d->st_refused++;
            return;
        }
        d->pending = NULL;
        d->inflight++;
        d->st_bytes += req->size;
        dma_rec_t *h = &d->ring[d->ring_head];
        if (d->head_off == 0)
            d->st_wait_sum_ps += now - h->arrived;
        if (req->op == MIGSIM_OP_WRITE) {
            d->st_writes++;
            d->buffered -= req->size;
        } else {
            d->st_reads++;
        }
        d->head_off += req->size;
        if (d->head_off >= h->rec.size) {
            d->head_off = 0;
            d->ring_head = (d->ring_head + 1) % d->ring_records;
            d->ring_n--;
        }
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
    srclat_record(&d->lat, d->comp.sim, now, req->t_issue, req->status);
    migsim_req_free(d->comp.pool, req);
    d->inflight--;
    if (!d->blocked && !d->suspended && d->ring_n && !migsim_event_queued(&d->issue_ev))
        migsim_schedule(d->comp.k, &d->issue_ev, now);
}

static void dev_retry(migsim_port_t *port)
{
    dma_dev_t *d = (dma_dev_t *)port->owner;
    d->blocked = false;
    if (!migsim_event_queued(&d->issue_ev))
        migsim_schedule(d->comp.k, &d->issue_ev, d->comp.k->now);
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

static int dev_init(migsim_comp_t *c)
{
    dma_dev_t *d = (dma_dev_t *)c;
    if (d->line_bytes & (d->line_bytes - 1))
        return migsim_error(MIGSIM_ECONFIG, "line_bytes %u is not a power of two", d->line_bytes);
    d->ring = calloc(d->ring_records, sizeof *d->ring);
    if (!d->ring)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    int rc = srclat_init(&d->lat);
    if (rc)
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
        (rc = migsim_event_init(c->k, &d->issue_ev, dev_issue_event, d, 20, 0, "dma.issue")))
        return rc;
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
    MIGSIM_PARAMS_END,
};

static const migsim_port_def_t dev_ports[] = {
    MIGSIM_PORT_INITIATOR(dma_dev_t, "out", out, dev_resp, dev_retry,
                          "DMA requests by IOVA, at most one line each"),
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
