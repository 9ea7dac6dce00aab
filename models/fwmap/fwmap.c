/*
 * fwmap.c - the firmware's mapping table in the memory path (see fwmap.h;
 * US 9,600,202 claim 1: "determining, when the operating system accesses a
 * target physical address, whether a mapping relation corresponds to [it]
 * ... and accessing ... the first unusable memory according to the mapping
 * relation").
 *
 * Hot path: fw_recv (a FIFO push, or the lookup itself when lookup_ps is
 * 0), fw_lookup (one hash probe, then hold, redirect or pass), fw_pump (send
 * the out queue's head until "mem" refuses). One event: the lookup FIFO's
 * head is due.
 */
#include "fwmap/fwmap.h"
#include "migsim/errors.h"
#include "migsim/sim.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>

#define FW_LINE_SHIFT 6u   /* a held write keeps reads of its 64-byte line behind it */

/* ---- request FIFOs ---------------------------------------------------------------- */

static void q_push(fwmap_q_t *q, migsim_req_t *r)
{
    r->next = NULL;
    if (q->tail)
        q->tail->next = r;
    else
        q->head = r;
    q->tail = r;
    q->n++;
}

static migsim_req_t *q_pop(fwmap_q_t *q)
{
    migsim_req_t *r = q->head;
    if (!r)
        return NULL;
    q->head = r->next;
    if (!q->head)
        q->tail = NULL;
    r->next = NULL;
    q->n--;
    return r;
}

/* ---- the table ------------------------------------------------------------------------ */

static inline uint32_t ix_home(const fwmap_t *f, uint64_t chunk)
{
    return (uint32_t)((chunk * 0x9e3779b97f4a7c15ull) >> 32) & f->ix_mask;
}

/* The index slot of `chunk`'s entry, or the empty slot where it would go. */
static uint32_t ix_probe(const fwmap_t *f, uint64_t chunk)
{
    uint32_t i = ix_home(f, chunk);
    while (f->ix[i] && f->tab[f->ix[i] - 1u].src_chunk != chunk)
        i = (i + 1) & f->ix_mask;
    return i;
}

static fwmap_entry_t *fw_find(const fwmap_t *f, uint64_t pa)
{
    if (!f->nused)
        return NULL;
    uint32_t e = f->ix[ix_probe(f, pa >> f->chunk_shift)];
    return e ? &f->tab[e - 1u] : NULL;
}

uint64_t fwmap_resolve(const fwmap_t *f, uint64_t pa)
{
    const fwmap_entry_t *e = fw_find(f, pa);
    return e && e->switched ? e->dst + (pa & (f->chunk_bytes - 1)) : pa;
}

static int fw_check_range(const fwmap_t *f, const char *what, uint64_t a, uint64_t len)
{
    if (len == 0 || a % f->chunk_bytes || len % f->chunk_bytes || a + len < a)
        return migsim_error(MIGSIM_EINVAL, "%s: %s [0x%" PRIx64 ", +%" PRIu64 ") is not whole "
                            "chunks of %" PRIu64 " bytes", f->comp.name, what, a, len, f->chunk_bytes);
    return MIGSIM_OK;
}

int fwmap_set(fwmap_t *f, uint64_t src, uint64_t dst, uint64_t len, bool switched)
{
    int rc;
    if ((rc = fw_check_range(f, "source", src, len)) || (rc = fw_check_range(f, "copy", dst, len)))
        return rc;
    if (src < dst + len && dst < src + len)
        return migsim_error(MIGSIM_EINVAL, "%s: source 0x%" PRIx64 " and copy 0x%" PRIx64 " of %"
                            PRIu64 " bytes overlap", f->comp.name, src, dst, len);
    uint64_t n = len >> f->chunk_shift, fresh = 0;
    for (uint64_t i = 0; i < n; i++)
        fresh += fw_find(f, src + (i << f->chunk_shift)) == NULL;
    if (fresh > f->entries - f->nused)
        return migsim_error(MIGSIM_ERANGE, "%s: %" PRIu64 " more entries do not fit: %u of %u in "
                            "use", f->comp.name, fresh, f->nused, f->entries);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t chunk = (src >> f->chunk_shift) + i;
        uint32_t slot = ix_probe(f, chunk);
        if (!f->ix[slot]) {
            f->tab[f->nused] = (fwmap_entry_t){ .src_chunk = chunk };
            f->ix[slot] = ++f->nused;
        }
        fwmap_entry_t *e = &f->tab[f->ix[slot] - 1u];
        e->dst = dst + (i << f->chunk_shift);
        e->switched = switched;
    }
    f->st_entries_used = f->nused;
    return MIGSIM_OK;
}

/* ---- requests -------------------------------------------------------------------------- */

/* A request whose lookup is done goes to "mem" through the table as it is now. */
static void fw_route(fwmap_t *f, migsim_req_t *r, const fwmap_entry_t *e)
{
    if (e && e->switched) {
        r->addr = e->dst + (r->addr & (f->chunk_bytes - 1));
        f->st_redirected++;
    }
    q_push(&f->outq, r);
}

static bool fw_hold_has_line(const fwmap_t *f, uint64_t line)
{
    for (const migsim_req_t *h = f->hold.head; h; h = h->next)
        if (h->addr >> FW_LINE_SHIFT == line)
            return true;
    return false;
}

/* The lookup of r is done: hold it, or route it. */
static void fw_lookup(fwmap_t *f, migsim_req_t *r)
{
    f->st_lookups++;
    const fwmap_entry_t *e = fw_find(f, r->addr);
    if (e && e->held && (r->src_kind == MIGSIM_SRC_CPU || r->src_kind == MIGSIM_SRC_DMA) &&
        (r->op == MIGSIM_OP_WRITE || fw_hold_has_line(f, r->addr >> FW_LINE_SHIFT))) {
        r->scratch[0] = f->comp.k->now;
        q_push(&f->hold, r);
        if (r->op == MIGSIM_OP_WRITE)
            f->st_held_writes++;
        else
            f->st_held_reads++;
        return;
    }
    fw_route(f, r, e);
}

/* Send the out queue's head until "mem" refuses. */
static void fw_send(fwmap_t *f)
{
    while (f->outq.head && !f->mem_blocked) {
        migsim_req_t *r = f->outq.head;
        migsim_req_t *after = r->next; /* "mem" owns r once it accepts */
        if (migsim_port_send(&f->mem, r) != 0) {
            f->mem_blocked = true;
            break;
        }
        f->outq.head = after;
        if (!after)
            f->outq.tail = NULL;
        f->outq.n--;
    }
}

/* Send, then call "in" again when there is room (never from inside fw_recv). */
static void fw_pump(fwmap_t *f)
{
    fw_send(f);
    if (f->want_retry && f->pipe.n + f->outq.n < f->queue_depth) {
        f->want_retry = false;
        migsim_port_retry(&f->in);
    }
}

static void fw_lookup_event(migsim_event_t *ev)
{
    fwmap_t *f = ev->ctx;
    migsim_tick_t now = f->comp.k->now;
    while (f->pipe.head && f->pipe.head->t_arrive + f->lookup_ps <= now)
        fw_lookup(f, q_pop(&f->pipe));
    if (f->pipe.head)
        migsim_schedule(f->comp.k, &f->lookup_ev, f->pipe.head->t_arrive + f->lookup_ps);
    fw_pump(f);
}

static int fw_recv(migsim_port_t *port, migsim_req_t *req)
{
    fwmap_t *f = (fwmap_t *)port->owner;
    if (f->pipe.n + f->outq.n >= f->queue_depth) {
        f->want_retry = true;
        f->st_refused++;
        return MIGSIM_EBUSY;
    }
    req->t_arrive = f->comp.k->now;
    if (f->lookup_ps == 0) {
        fw_lookup(f, req);
        fw_send(f);
        return MIGSIM_OK;
    }
    q_push(&f->pipe, req);
    if (!migsim_event_queued(&f->lookup_ev))
        migsim_schedule(f->comp.k, &f->lookup_ev, req->t_arrive + f->lookup_ps);
    return MIGSIM_OK;
}

int fwmap_hold(fwmap_t *f, uint64_t src, uint64_t len, bool hold)
{
    int rc = fw_check_range(f, "held range", src, len);
    if (rc)
        return rc;
    for (uint64_t a = src; a < src + len; a += f->chunk_bytes)
        if (!fw_find(f, a))
            return migsim_error(MIGSIM_EINVAL, "%s: no entry for the chunk at 0x%" PRIx64 " to hold",
                                f->comp.name, a);
    for (uint64_t a = src; a < src + len; a += f->chunk_bytes) {
        fw_find(f, a)->held = hold;
    }
    if (hold || !f->hold.n)
        return MIGSIM_OK;
    /* lifted: what it held goes on in arrival order; the rest is looked at again */
    migsim_tick_t now = f->comp.k->now;
    fwmap_q_t still = { 0 };
    for (migsim_req_t *r; (r = q_pop(&f->hold));) {
        const fwmap_entry_t *e = fw_find(f, r->addr);
        if (e && e->held) {
            q_push(&still, r);
            continue;
        }
        uint64_t held = now - r->scratch[0];
        f->st_hold_time_ps += held;
        if (held > f->st_hold_max_ps)
            f->st_hold_max_ps = held;
        fw_route(f, r, e);
    }
    f->hold = still;
    fw_pump(f);
    return MIGSIM_OK;
}

static void fw_mem_resp(migsim_port_t *port, migsim_req_t *req)
{
    fwmap_t *f = (fwmap_t *)port->owner;
    migsim_port_respond(&f->in, req);
}

static void fw_mem_retry(migsim_port_t *port)
{
    fwmap_t *f = (fwmap_t *)port->owner;
    f->mem_blocked = false;
    fw_pump(f);
}

/* ---- life cycle ------------------------------------------------------------------------- */

static int fw_init(migsim_comp_t *c)
{
    fwmap_t *f = (fwmap_t *)c;
    if (f->chunk_bytes & (f->chunk_bytes - 1))
        return migsim_error(MIGSIM_ECONFIG, "%s.chunk_bytes: %" PRIu64 " is not a power of two",
                            c->config_path, f->chunk_bytes);
    while ((1ull << f->chunk_shift) < f->chunk_bytes)
        f->chunk_shift++;
    uint32_t nix = 2;
    while (nix < 2 * f->entries)
        nix *= 2;
    f->ix_mask = nix - 1;
    f->tab = calloc(f->entries, sizeof *f->tab);
    f->ix = calloc(nix, sizeof *f->ix);
    if (!f->tab || !f->ix)
        return migsim_error(MIGSIM_ENOMEM, "%s: out of memory for %u entries", c->name, f->entries);
    return migsim_event_init(c->k, &f->lookup_ev, fw_lookup_event, f, 10, 0, "fwmap.lookup");
}

static void fw_fini(migsim_comp_t *c)
{
    fwmap_t *f = (fwmap_t *)c;
    /* requests still queued or held when a run stops stay with the pool, which frees its slabs */
    free(f->tab);
    free(f->ix);
    f->tab = NULL;
    f->ix = NULL;
    if (f->lookup_ev.fn)
        migsim_event_fini(c->k, &f->lookup_ev);
}

static const migsim_param_t fw_params[] = {
    MIGSIM_PARAM_U64(fwmap_t, "lookup_ps", lookup_ps, "ps", 1000, 0, 0,
                     "the table lookup every request pays, in arrival order. Default: an estimate, "
                     "a few cycles of an SRAM table beside the memory controller (US 9,600,202 "
                     "gives no figure)"),
    MIGSIM_PARAM_U32(fwmap_t, "entries", entries, "entries", 16384, 1, 1u << 24,
                     "capacity of the table (16,384: a 1 GiB region in 64 KiB chunks); a "
                     "migration with more chunks is refused at init"),
    MIGSIM_PARAM_U64(fwmap_t, "chunk_bytes", chunk_bytes, "bytes", 64u << 10, 64, 1ull << 40,
                     "granularity of an entry (a power of two): [src, src + chunk) -> [dst, dst + chunk)"),
    MIGSIM_PARAM_U32(fwmap_t, "queue_depth", queue_depth, "requests", 64, 1, 65536,
                     "requests in the lookup or waiting for mem; \"in\" refuses beyond (held "
                     "requests do not count)"),
    MIGSIM_PARAMS_END,
};

static const migsim_port_def_t fw_ports[] = {
    MIGSIM_PORT_TARGET(fwmap_t, "in", in, fw_recv,
                       "every request by physical address (CPU, DMA, copy engine, page walks)"),
    MIGSIM_PORT_INITIATOR(fwmap_t, "mem", mem, fw_mem_resp, fw_mem_retry,
                          "to memory, redirected through switched entries"),
    MIGSIM_PORTS_END,
};

#define SU(n, f, u, h) MIGSIM_STAT_U64(fwmap_t, n, f, u, h)

static const migsim_stat_def_t fw_stats[] = {
    SU("lookups", st_lookups, "requests", "requests looked up in the table (each paid lookup_ps)"),
    SU("redirected_reqs", st_redirected, "requests", "requests sent to a switched entry's copy"),
    SU("entries_used", st_entries_used, "entries", "entries in use"),
    SU("held_writes", st_held_writes, "requests", "CPU and DMA writes held: their chunk was being copied"),
    SU("held_reads", st_held_reads, "requests", "CPU and DMA reads held behind a held write to their line"),
    SU("hold_time_ps", st_hold_time_ps, "ps", "sum over released requests of their hold"),
    SU("hold_max_ps", st_hold_max_ps, "ps", "longest hold"),
    SU("refused_reqs", st_refused, "requests", "\"in\" requests refused: queue_depth reached"),
    MIGSIM_STATS_END,
};

const migsim_comp_ops_t fwmap_ops = {
    .type = "fwmap",
    .help = "the firmware's mapping table of US 9,600,202 in the memory path: every access pays "
            "a lookup, accesses to a switched chunk go to its copy, writes to a chunk being "
            "copied can be held until its switch",
    .size = sizeof(fwmap_t),
    .params = fw_params,
    .ports = fw_ports,
    .stats = fw_stats,
    .init = fw_init,
    .fini = fw_fini,
};
