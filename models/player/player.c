/*
 * player.c - the trace player component (see player.h): a CPU core's memory
 * stream. Latency of each response goes to the histogram of the migration
 * phase current when it arrives.
 */
#include "player/player.h"
#include "migsim/errors.h"
#include "migsim/sim.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

/* Latencies up to 2^42 ps (4.4 s) are within the histogram's error bound. */

/* Deterministic payload of a write: the record index and byte position. */
static void player_fill(migsim_req_t *req, uint64_t rec_index)
{
    for (uint32_t i = 0; i < req->size; i++)
        req->data[i] = (uint8_t)((rec_index * 131u + (req->addr + i) * 7u) >> 3);
}

/* Pull the next record and work out when it is due. false at the end or on error. */
static bool player_fetch(player_t *p)
{
    int rc = migsim_recsrc_next(p->src, &p->rec);
    if (rc <= 0) {
        p->eof = true;
        if (rc < 0)
            migsim_sim_fail(p->comp.sim, rc);
        return false;
    }
    p->rec_index++;
    p->st_records++;
    p->have_rec = true;
    p->rec_off = 0;
    migsim_tick_t now = p->comp.k->now;
    if (p->mode == 1) {
        p->rec_due = now;
        return true;
    }
    migsim_tick_t base = now;
    uint64_t delta = 0;
    switch (p->time_mode) {
    case MIGSIM_TIME_ABS_PS:   base = p->start_ps; delta = p->rec.time; break;
    case MIGSIM_TIME_GAP_PS:   base = p->last_issue_ps; delta = p->rec.time; break;
    case MIGSIM_TIME_GAP_INSNS:
        base = p->last_issue_ps;
        delta = p->insn_ps && p->rec.time > UINT64_MAX / p->insn_ps ? UINT64_MAX
                                                                    : p->rec.time * p->insn_ps;
        break;
    default: break;
    }
    if ((rc = srclat_due(&p->comp, p->trace, p->rec_index - 1, base, delta, p->start_ps,
                         &p->rec_due)) != 0) {
        p->eof = true;
        p->have_rec = false;
        migsim_sim_fail(p->comp.sim, rc);
        return false;
    }
    return true;
}

/* Issue as much as the target, the bound and the clock allow. */
static void player_pump(player_t *p)
{
    migsim_kernel_t *k = p->comp.k;
    while (!p->blocked) {
        if (!p->pending) {
            if (!p->have_rec && (p->eof || !player_fetch(p)))
                return;
            if (p->rec_due > k->now) {
                migsim_schedule(k, &p->ev, p->rec_due);
                return;
            }
            if (p->inflight >= p->max_inflight)
                return; /* a response will call us again */
            migsim_req_t *req = migsim_req_alloc(p->comp.pool);
            if (!req) {
                migsim_sim_fail(p->comp.sim, MIGSIM_ENOMEM);
                return;
            }
            uint64_t addr = p->rec.addr + p->rec_off;
            uint64_t room = p->line_bytes - (addr & (p->line_bytes - 1)); /* a power of two */
            uint64_t left = p->rec.size - p->rec_off;
            req->addr = req->orig_addr = addr;
            req->size = (uint32_t)(left < room ? left : room);
            req->op = p->rec.op;
            req->src_kind = p->rec.src_kind;
            req->src_idx = p->rec.src_idx;
            req->cookie = p;
            if (p->payload && req->size <= MIGSIM_REQ_DATA_BYTES) {
                req->flags |= MIGSIM_REQ_HAS_DATA;
                if (req->op == MIGSIM_OP_WRITE)
                    player_fill(req, p->rec_index);
            }
            p->pending = req;
        }
        migsim_req_t *req = p->pending;
        req->t_issue = k->now;
        if (migsim_port_send(&p->out, req) != 0) {
            p->blocked = true;
            p->st_refused++;
            return;
        }
        p->pending = NULL;
        p->inflight++;
        if (p->st_reads + p->st_writes == 0)
            p->st_first_ps = k->now;
        if (req->op == MIGSIM_OP_WRITE)
            p->st_writes++;
        else
            p->st_reads++;
        p->st_bytes += req->size;
        if (p->rec_off == 0) {
            p->st_stall_ps += k->now - p->rec_due;
            p->last_issue_ps = k->now;
        }
        p->rec_off += req->size;
        if (p->rec_off >= p->rec.size)
            p->have_rec = false;
    }
}

static void player_event(migsim_event_t *ev)
{
    player_pump(ev->ctx);
}

static void player_resp(migsim_port_t *port, migsim_req_t *req)
{
    player_t *p = (player_t *)port->owner;
    migsim_tick_t now = p->comp.k->now;
    srclat_record(&p->lat, p->comp.sim, now, req->t_issue, req->status);
    migsim_req_free(p->comp.pool, req);
    bool was_full = p->inflight-- >= p->max_inflight;
    if (was_full && !p->blocked && !migsim_event_queued(&p->ev))
        migsim_schedule(p->comp.k, &p->ev, now);
}

static void player_retry(migsim_port_t *port)
{
    player_t *p = (player_t *)port->owner;
    p->blocked = false;
    if (!migsim_event_queued(&p->ev))
        player_pump(p); /* send now: the port contract allows it, and it saves an event */
}

/* The generator pattern of each gen_pattern choice (pattern_names, below). */
static const migsim_gen_pattern_t player_patterns[] = {
    MIGSIM_GEN_SEQUENTIAL, MIGSIM_GEN_RANDOM, MIGSIM_GEN_STRIDED, MIGSIM_GEN_HOTSET,
};

int player_open_source(const player_t *p, migsim_recsrc_t **src)
{
    if (p->trace[0])
        return migsim_recsrc_open_file(src, p->trace);
    migsim_gen_config_t g;
    migsim_gen_config_default(&g);
    g.pattern = player_patterns[p->gen_pattern];
    g.count = p->gen_count;
    g.base = p->gen_base;
    g.range_bytes = p->gen_range_bytes;
    g.stride_bytes = p->gen_stride_bytes;
    g.size_bytes = p->gen_size_bytes;
    g.read_frac = p->gen_read_frac;
    g.hot_bytes = p->gen_hot_bytes;
    g.hot_frac = p->gen_hot_frac;
    g.hot_period = p->gen_hot_period;
    g.hot_step_bytes = p->gen_hot_step_bytes;
    /* each core its own stream: the seed mixed with core_id (core 0: the seed itself) */
    g.seed = (p->gen_seed ? p->gen_seed : migsim_sim_seed(p->comp.sim)) ^
             (uint64_t)p->core_id * 0x9e3779b97f4a7c15ull;
    g.gap_ps = p->gen_gap_ps;
    g.src_kind = p->gen_src ? MIGSIM_SRC_DMA : MIGSIM_SRC_CPU;
    g.src_idx = (uint16_t)p->core_id;
    return migsim_recsrc_open_gen(src, &g);
}

static int player_init(migsim_comp_t *c)
{
    player_t *p = (player_t *)c;
    if (p->line_bytes & (p->line_bytes - 1))
        return migsim_error(MIGSIM_ECONFIG, "line_bytes %u is not a power of two", p->line_bytes);
    int rc = srclat_init(&p->lat);
    if (rc)
        return rc;
    if ((rc = player_open_source(p, &p->src)) != 0)
        return rc;
    p->time_mode = migsim_recsrc_time_mode(p->src);
    return migsim_event_init(c->k, &p->ev, player_event, p, 20, 0, "player.issue");
}

static int player_start(migsim_comp_t *c)
{
    player_t *p = (player_t *)c;
    migsim_schedule(c->k, &p->ev, p->start_ps);
    return MIGSIM_OK;
}

static void player_finalize(migsim_comp_t *c)
{
    player_t *p = (player_t *)c;
    srclat_finalize(&p->lat);
    p->st_lat_max_ns = (double)p->lat.max_ps / 1000.0;
    p->st_stall_avg_ns = p->st_records ? (double)p->st_stall_ps / (double)p->st_records / 1000.0 : 0;
}

static void player_fini(migsim_comp_t *c)
{
    player_t *p = (player_t *)c;
    if (p->pending)
        migsim_req_free(c->pool, p->pending);
    p->pending = NULL;
    migsim_recsrc_close(p->src);
    p->src = NULL;
    if (p->ev.fn)
        migsim_event_fini(c->k, &p->ev);
    srclat_fini(&p->lat);
}

static const char *const mode_names[] = { "timed", "fast", NULL };
static const char *const pattern_names[] = { "sequential", "random", "strided", "hotset", NULL };
static const char *const srck_names[] = { "cpu", "dma", NULL };

#define PU64(n, f, u, d, lo, hi, h) MIGSIM_PARAM_U64(player_t, n, f, u, d, lo, hi, h)
#define PU32(n, f, u, d, lo, hi, h) MIGSIM_PARAM_U32(player_t, n, f, u, d, lo, hi, h)
#define PENUM(n, f, d, ch, h) MIGSIM_PARAM_ENUM(player_t, n, f, d, ch, h)

static const migsim_param_t player_params[] = {
    MIGSIM_PARAM_STR(player_t, "trace", trace, "",
                     "native trace file (.mtr); empty = use the gen_* generator"),
    PENUM("mode", mode, 0, mode_names, "timed: honour record times; fast: back to back"),
    PU32("max_inflight", max_inflight, "requests", 256, 1, 1u << 20, "outstanding requests at most"),
    PU32("line_bytes", line_bytes, "bytes", 64, 1, 64, "records are split into requests of at most one line"),
    PU64("insn_ps", insn_ps, "ps", 333, 0, 0, "time per instruction for gap-insns traces"),
    PU64("start_ps", start_ps, "ps", 0, 0, 0, "time of the first issue opportunity; added to absolute times"),
    MIGSIM_PARAM_BOOL(player_t, "payload", payload, 0,
                      "writes carry deterministic data, reads ask for data"),
    MIGSIM_PARAM_BOOL(player_t, "expect_faults", expect_faults, 0,
                      "responses with a fault status are part of the scenario; false: migsim run "
                      "exits with status 1 when any comes back"),
    PENUM("gen_pattern", gen_pattern, 1, pattern_names, "generator address pattern"),
    PU64("gen_count", gen_count, "records", 100000, 0, 0, "generator records"),
    PU64("gen_base", gen_base, "bytes", 0, 0, 0,
         "generator first address; not given behind a migration controller's CPU MMU: the page's VA"),
    PU64("gen_range_bytes", gen_range_bytes, "bytes", 1ull << 32, 1, 0,
         "generator address window; not given behind a migration controller's CPU MMU: to the end "
         "of the page (a window given must lie inside the page or the identity region)"),
    PU64("gen_stride_bytes", gen_stride_bytes, "bytes", 4096, 1, 0, "generator stride (strided)"),
    PU32("gen_size_bytes", gen_size_bytes, "bytes", 64, 1, MIGSIM_TRACE_MAX_SIZE, "generator access size"),
    MIGSIM_PARAM_F64(player_t, "gen_read_frac", gen_read_frac, "", 0.67, 0.0, 1.0,
                     "generator fraction of reads"),
    PU64("gen_seed", gen_seed, "", 0, 0, 0,
         "generator seed; 0 = the simulation seed (either mixed with core_id when it is not 0)"),
    PU64("gen_gap_ps", gen_gap_ps, "ps", 833, 0, 0, "generator time between records"),
    PENUM("gen_src", gen_src, 0, srck_names, "generator source kind"),
    PU64("gen_hot_bytes", gen_hot_bytes, "bytes", 64u << 10, 1, 0,
         "hotset: the hot window, a multiple of gen_size_bytes within the range"),
    MIGSIM_PARAM_F64(player_t, "gen_hot_frac", gen_hot_frac, "", 0.9, 0.0, 1.0,
                     "hotset: fraction of accesses uniform in the hot window (the rest uniform "
                     "over the range)"),
    PU64("gen_hot_period", gen_hot_period, "records", 0, 0, 0,
         "hotset: records between moves of the hot window; 0 = it never moves"),
    PU64("gen_hot_step_bytes", gen_hot_step_bytes, "bytes", 64u << 10, 0, 0,
         "hotset: how far the hot window moves each period (wrapping in the range)"),
    PU32("core_id", core_id, "", 0, 0, 65535,
         "core number: src_idx of generated records, and mixed into the generator's seed so that "
         "cores with the same parameters issue different streams (sim.cores sets it on each copy)"),
    MIGSIM_PARAMS_END,
};

static const migsim_port_def_t player_ports[] = {
    MIGSIM_PORT_INITIATOR(player_t, "out", out, player_resp, player_retry,
                          "memory requests, at most one line each"),
    MIGSIM_PORTS_END,
};

#define SU(n, f, u, h) MIGSIM_STAT_U64(player_t, n, f, u, h)
#define SF(n, f, u, h) MIGSIM_STAT_F64(player_t, n, f, u, h)

static const migsim_stat_def_t player_stats[] = {
    SU("records", st_records, "records", "trace records pulled"),
    SU("read_reqs", st_reads, "requests", "read requests issued"),
    SU("write_reqs", st_writes, "requests", "write requests issued"),
    SU("issued_bytes", st_bytes, "bytes", "bytes requested"),
    SU("refused_sends", st_refused, "requests", "sends the target refused (back-pressure)"),
    SU("completed_reqs", lat.done, "requests", "responses received, faulted ones included"),
    SRCLAT_FAULT_STAT(player_t, lat),
    SU("stall_ps", st_stall_ps, "ps", "sum over records of issue time minus due time"),
    SF("stall_avg_ns", st_stall_avg_ns, "ns", "average delay of a record behind its due time"),
    SF("latency_avg_ns", lat.avg_ns, "ns", "issue to response, average, responses without a fault"),
    SF("latency_max_ns", st_lat_max_ns, "ns", "issue to response, largest, responses without a fault"),
    SU("first_issue_ps", st_first_ps, "ps", "time of the first issue"),
    SU("last_done_ps", lat.last_done_ps, "ps", "time of the last response"),
    SRCLAT_STATS(player_t, lat),
    MIGSIM_STATS_END,
};

const migsim_comp_ops_t player_ops = {
    .type = "trace_player",
    .help = "replays a native trace file or a synthetic generator as memory requests",
    .size = sizeof(player_t),
    .params = player_params,
    .ports = player_ports,
    .stats = player_stats,
    .init = player_init,
    .start = player_start,
    .finalize_stats = player_finalize,
    .fini = player_fini,
};
