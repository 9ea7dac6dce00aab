/*
 * memrouter.c - the address router in front of memory nodes (see
 * memrouter.h). Hot path: memrouter_recv finds the node (at most 8 range
 * compares), rewrites the address and forwards the request at once, or,
 * behind a far link, queues it with its arrival time at the node; one event
 * per queue delivers what is due.
 */
#include "memrouter/memrouter.h"
#include "dram/dram.h"
#include "migsim/errors.h"
#include "migsim/sim.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the node list ------------------------------------------------------------------------ */

/* The node holding all of [addr, addr + len) (len 0 counts as 1), NULL when none. */
static memrouter_node_t *mr_node_at(memrouter_t *r, uint64_t addr, uint64_t len)
{
    if (!len)
        len = 1;
    for (uint32_t i = 0; i < r->nnodes; i++) {
        memrouter_node_t *n = &r->node[i];
        if (addr - n->base < n->size && len <= n->size - (addr - n->base))
            return n;
    }
    return NULL;
}

/* The node holding the byte at addr, NULL when none. */
static memrouter_node_t *mr_node_byte(memrouter_t *r, uint64_t addr)
{
    return mr_node_at(r, addr, 1);
}

/* One "key=value" of node `idx`; its value as a size (suffixes allowed). */
static int mr_parse_value(memrouter_t *r, uint32_t idx, const char *key, const char *val, uint64_t *out)
{
    int rc = migsim_parse_size(val, out);
    if (rc)
        return migsim_error(MIGSIM_ECONFIG, "%s.nodes: node %u: %s \"%s\" is not %s", r->comp.config_path,
                            idx, key, val, rc == MIGSIM_ERANGE ? "below 2^64" :
                            "an integer (suffixes K, M, G, KiB, MiB, GiB)");
    return MIGSIM_OK;
}

/*
 * One node: "outN base=B size=S [far] [extra_ps=L] [bandwidth=W]",
 * whitespace-separated, in `item` (modified).
 */
static int mr_parse_node(memrouter_t *r, uint32_t idx, char *item)
{
    const char *path = r->comp.config_path;
    memrouter_node_t *n = &r->node[idx];
    bool has_base = false, has_size = false, has_extra = false, has_bw = false, far = false;
    char *save = NULL;
    char *tok = strtok_r(item, " \t", &save);
    unsigned port;
    char end;
    if (!tok || sscanf(tok, "out%u%c", &port, &end) != 1 || port >= MEMROUTER_NODES)
        return migsim_error(MIGSIM_ECONFIG, "%s.nodes: node %u: begins with \"%s\", not its port "
                            "out0..out%d", path, idx, tok ? tok : "", MEMROUTER_NODES - 1);
    n->out = port;
    while ((tok = strtok_r(NULL, " \t", &save))) {
        char *eq = strchr(tok, '=');
        int rc = MIGSIM_OK;
        if (!eq && strcmp(tok, "far") == 0) {
            far = true;
            continue;
        }
        if (!eq)
            return migsim_error(MIGSIM_ECONFIG, "%s.nodes: node %u: \"%s\" is not key=value (keys "
                                "base, size, extra_ps, bandwidth) nor \"far\"", path, idx, tok);
        *eq = '\0';
        const char *val = eq + 1;
        if (strcmp(tok, "base") == 0 && !(rc = mr_parse_value(r, idx, tok, val, &n->base)))
            has_base = true;
        else if (strcmp(tok, "size") == 0 && !(rc = mr_parse_value(r, idx, tok, val, &n->size)))
            has_size = true;
        else if (strcmp(tok, "extra_ps") == 0 && !(rc = mr_parse_value(r, idx, tok, val, &n->extra_ps)))
            has_extra = true;
        else if (strcmp(tok, "bandwidth") == 0 && !(rc = mr_parse_value(r, idx, tok, val, &n->bandwidth)))
            has_bw = true;
        else if (!rc)
            return migsim_error(MIGSIM_ECONFIG, "%s.nodes: node %u: unknown key \"%s\" (keys base, "
                                "size, extra_ps, bandwidth)", path, idx, tok);
        if (rc)
            return rc;
    }
    if (!has_base || !has_size)
        return migsim_error(MIGSIM_ECONFIG, "%s.nodes: node %u: base= and size= are required",
                            path, idx);
    if (n->size == 0 || n->base + n->size < n->base)
        return migsim_error(MIGSIM_ECONFIG, "%s.nodes: node %u: size must be above 0 and base + size "
                            "at most 2^64", path, idx);
    if (far && !has_extra)
        n->extra_ps = r->far_extra_ps;
    if (far && !has_bw)
        n->bandwidth = r->far_bandwidth;
    n->far = n->extra_ps || n->bandwidth;
    return MIGSIM_OK;
}

static int mr_by_base(const void *a, const void *b)
{
    const memrouter_node_t *x = a, *y = b;
    return x->base < y->base ? -1 : x->base > y->base;
}

/* Parse "nodes" into r->node[] (by ascending base) and check it against the ports. */
static int mr_parse_nodes(memrouter_t *r)
{
    const char *path = r->comp.config_path;
    char *buf = strdup(r->nodes_str); /* configure time: any length */
    if (!buf)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    int rc = MIGSIM_OK;
    r->nnodes = 0;
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
        if (r->nnodes == MEMROUTER_NODES)
            rc = migsim_error(MIGSIM_ECONFIG, "%s.nodes: at most %d nodes", path, MEMROUTER_NODES);
        else
            rc = mr_parse_node(r, r->nnodes, item);
        r->nnodes++;
    }
    free(buf);
    if (rc)
        return rc;
    if (r->nnodes == 0)
        return migsim_error(MIGSIM_ECONFIG, "%s.nodes: no node (e.g. \"out0 base=0 size=8GiB, "
                            "out1 base=8GiB size=8GiB far\")", path);
    for (uint32_t i = 0; i < r->nnodes; i++)
        for (uint32_t j = 0; j < i; j++)
            if (r->node[i].out == r->node[j].out)
                return migsim_error(MIGSIM_ECONFIG, "%s.nodes: nodes %u and %u both name out%u",
                                    path, j, i, r->node[i].out);
    qsort(r->node, r->nnodes, sizeof r->node[0], mr_by_base);
    for (uint32_t i = 1; i < r->nnodes; i++)
        if (r->node[i].base < r->node[i - 1].base + r->node[i - 1].size)
            return migsim_error(MIGSIM_ECONFIG, "%s.nodes: the ranges of out%u and out%u overlap",
                                path, r->node[i - 1].out, r->node[i].out);
    for (uint32_t o = 0; o < MEMROUTER_NODES; o++)
        r->node_of_out[o] = -1;
    for (uint32_t i = 0; i < r->nnodes; i++) {
        memrouter_node_t *n = &r->node[i];
        n->r = r;
        r->node_of_out[n->out] = (int8_t)i;
        if (!r->out[n->out].peer)
            return migsim_error(MIGSIM_ECONFIG, "%s.nodes: out%u has a node but no link", path, n->out);
        migsim_comp_t *peer = r->out[n->out].peer->owner;
        n->dram = peer && peer->ops == &dram_ops ? (dram_t *)peer : NULL;
    }
    for (uint32_t o = 0; o < MEMROUTER_NODES; o++)
        if (r->out[o].peer && r->node_of_out[o] < 0)
            return migsim_error(MIGSIM_ECONFIG, "%s.nodes: out%u is linked but no node names it",
                                path, o);
    return MIGSIM_OK;
}

/* ---- timing -------------------------------------------------------------------------------- */

/* ps a transfer of `bytes` holds a link of `bw` bytes/s (0 = unlimited): rounded up. */
static uint64_t mr_xfer_ps(uint64_t bytes, uint64_t bw)
{
    if (!bw)
        return 0;
    return (uint64_t)(((unsigned __int128)bytes * 1000000000000ull + bw - 1) / bw);
}

/* Deliver the far link's due requests to the node, in order, until it refuses one. */
static void mr_fwd_drain(memrouter_node_t *n)
{
    memrouter_t *r = n->r;
    migsim_tick_t now = r->comp.k->now;
    while (n->fwd_head && n->fwd_head->scratch[0] <= now) {
        migsim_req_t *req = migsim_req_fifo_pop(&n->fwd_head, &n->fwd_tail);
        if (migsim_port_send(&r->out[n->out], req) != 0) {
            /* back at the head, waiting for the node's retry */
            migsim_req_fifo_unpop(&n->fwd_head, &n->fwd_tail, req);
            n->blocked = true;
            return;
        }
    }
    if (n->fwd_head)
        migsim_schedule(r->comp.k, &n->fwd_ev, n->fwd_head->scratch[0]);
}

static void mr_fwd_event(migsim_event_t *ev)
{
    mr_fwd_drain(ev->ctx);
}

static void mr_rsp_event(migsim_event_t *ev)
{
    memrouter_node_t *n = ev->ctx;
    memrouter_t *r = n->r;
    while (n->rsp_head && n->rsp_head->scratch[0] <= r->comp.k->now)
        migsim_port_respond(&r->in, migsim_req_fifo_pop(&n->rsp_head, &n->rsp_tail));
    if (n->rsp_head)
        migsim_schedule(r->comp.k, &n->rsp_ev, n->rsp_head->scratch[0]);
}

static void mr_err_event(migsim_event_t *ev)
{
    memrouter_t *r = ev->ctx;
    while (r->err_head) {
        migsim_req_t *req = migsim_req_fifo_pop(&r->err_head, &r->err_tail);
        if (req->flags & MIGSIM_REQ_POSTED)
            migsim_req_free(r->comp.pool, req);
        else
            migsim_port_respond(&r->in, req);
    }
}

static int mr_recv(migsim_port_t *port, migsim_req_t *req)
{
    memrouter_t *r = (memrouter_t *)port->owner;
    migsim_tick_t now = r->comp.k->now;
    memrouter_node_t *n = mr_node_at(r, req->addr, req->size);
    if (!n) {
        r->st_unmapped++;
        req->status = MEMROUTER_STATUS_NO_NODE;
        req->t_arrive = req->t_done = now;
        migsim_req_fifo_push(&r->err_head, &r->err_tail, req);
        if (!migsim_event_queued(&r->err_ev))
            migsim_schedule(r->comp.k, &r->err_ev, now);
        return MIGSIM_OK;
    }
    uint32_t o = n->out;
    req->addr -= n->base;
    if (!n->far) {
        if (migsim_port_send(&r->out[o], req) != 0) {
            req->addr += n->base;
            r->in_waiting = true;
            r->st_refused++;
            return MIGSIM_EBUSY;
        }
    } else {
        migsim_tick_t start = n->link_free_ps > now ? n->link_free_ps : now;
        n->link_free_ps = start + mr_xfer_ps(req->size, n->bandwidth);
        req->scratch[0] = n->link_free_ps + n->extra_ps;
        r->st_wait_ps[o] += start - now;
        r->st_added_ps[o] += req->scratch[0] - now;
        bool idle = !n->fwd_head;
        migsim_req_fifo_push(&n->fwd_head, &n->fwd_tail, req);
        if (idle)
            migsim_schedule(r->comp.k, &n->fwd_ev, req->scratch[0]);
    }
    r->st_reqs[o]++;
    r->st_bytes[o] += req->size;
    return MIGSIM_OK;
}

/* A node answered: the PA back, and after the far link's latency to `in`. */
static void mr_resp(migsim_port_t *port, migsim_req_t *req)
{
    memrouter_t *r = (memrouter_t *)port->owner;
    memrouter_node_t *n = &r->node[r->node_of_out[port - r->out]];
    req->addr += n->base;
    if (!n->extra_ps) {
        migsim_port_respond(&r->in, req);
        return;
    }
    req->scratch[0] = r->comp.k->now + n->extra_ps;
    r->st_added_ps[n->out] += n->extra_ps;
    bool idle = !n->rsp_head;
    migsim_req_fifo_push(&n->rsp_head, &n->rsp_tail, req);
    if (idle)
        migsim_schedule(r->comp.k, &n->rsp_ev, req->scratch[0]);
}

static void mr_retry(migsim_port_t *port)
{
    memrouter_t *r = (memrouter_t *)port->owner;
    memrouter_node_t *n = &r->node[r->node_of_out[port - r->out]];
    if (n->far) {
        if (n->blocked) {
            n->blocked = false;
            mr_fwd_drain(n);
        }
    } else if (r->in_waiting) {
        r->in_waiting = false;
        migsim_port_retry(&r->in);
    }
}

/* ---- functional view and commit observer --------------------------------------------------- */

static void mr_fmem_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
    memrouter_t *r = ctx;
    uint8_t *d = dst;
    while (len) {
        memrouter_node_t *n = mr_node_byte(r, addr);
        size_t chunk = len;
        if (n && n->base + n->size - addr < chunk)
            chunk = (size_t)(n->base + n->size - addr);
        if (n && n->dram)
            n->dram_fmem.read(n->dram_fmem.ctx, addr - n->base, d, chunk);
        else if (n)
            memset(d, 0, chunk);
        else
            memset(d, 0, chunk = 1);
        d += chunk;
        addr += chunk;
        len -= chunk;
    }
}

static int mr_fmem_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
    memrouter_t *r = ctx;
    const uint8_t *s = src;
    while (len) {
        memrouter_node_t *n = mr_node_byte(r, addr);
        if (!n || !n->dram)
            return MIGSIM_ERANGE;
        size_t chunk = len;
        if (n->base + n->size - addr < chunk)
            chunk = (size_t)(n->base + n->size - addr);
        int rc = n->dram_fmem.write(n->dram_fmem.ctx, addr - n->base, s, chunk);
        if (rc)
            return rc;
        s += chunk;
        addr += chunk;
        len -= chunk;
    }
    return MIGSIM_OK;
}

migsim_fmem_t memrouter_fmem(memrouter_t *r)
{
    return (migsim_fmem_t){ .ctx = r, .read = mr_fmem_read, .write = mr_fmem_write };
}

/* A node's DRAM applied a write: report it with its physical address. */
static void mr_commit(void *ctx, const migsim_req_t *req, migsim_tick_t now)
{
    memrouter_node_t *n = ctx;
    migsim_req_t pa = *req;
    pa.addr += n->base;
    n->r->on_commit(n->r->on_commit_ctx, &pa, now);
}

void memrouter_set_commit_observer(memrouter_t *r, migsim_commit_fn fn, void *ctx)
{
    r->on_commit = fn;
    r->on_commit_ctx = ctx;
    for (uint32_t i = 0; i < r->nnodes; i++)
        if (r->node[i].dram)
            dram_set_commit_observer(r->node[i].dram, fn ? mr_commit : NULL, fn ? &r->node[i] : NULL);
}

uint64_t memrouter_bytes(const memrouter_t *r)
{
    uint64_t b = 0;
    for (uint32_t o = 0; o < MEMROUTER_NODES; o++)
        b += r->st_bytes[o];
    return b;
}

bool memrouter_holds(const memrouter_t *r, uint64_t addr, uint64_t len)
{
    const memrouter_node_t *n = mr_node_at((memrouter_t *)r, addr, len);
    return n && n->dram;
}

/* ---- life cycle ---------------------------------------------------------------------------- */

static int mr_configure(migsim_comp_t *c)
{
    return mr_parse_nodes((memrouter_t *)c);
}

static int mr_init(migsim_comp_t *c)
{
    memrouter_t *r = (memrouter_t *)c;
    int rc = migsim_event_init(c->k, &r->err_ev, mr_err_event, r, 10, 0, "memrouter.error");
    for (uint32_t i = 0; i < r->nnodes && !rc; i++) {
        memrouter_node_t *n = &r->node[i];
        if (n->far &&
            ((rc = migsim_event_init(c->k, &n->fwd_ev, mr_fwd_event, n, 10, 0, "memrouter.fwd")) ||
             (rc = migsim_event_init(c->k, &n->rsp_ev, mr_rsp_event, n, 10, 0, "memrouter.rsp"))))
            break;
        if (n->dram && n->size > dram_capacity(n->dram))
            return migsim_error(MIGSIM_ECONFIG, "%s.nodes: the node on out%u has %llu bytes, more "
                                "than the %llu of %s", c->config_path, n->out,
                                (unsigned long long)n->size,
                                (unsigned long long)dram_capacity(n->dram), n->dram->comp.name);
        if (n->dram)
            n->dram_fmem = dram_fmem(n->dram);
    }
    return rc;
}

static void mr_fini(migsim_comp_t *c)
{
    memrouter_t *r = (memrouter_t *)c;
    if (r->err_ev.fn)
        migsim_event_fini(c->k, &r->err_ev);
    for (uint32_t i = 0; i < MEMROUTER_NODES; i++) {
        if (r->node[i].fwd_ev.fn)
            migsim_event_fini(c->k, &r->node[i].fwd_ev);
        if (r->node[i].rsp_ev.fn)
            migsim_event_fini(c->k, &r->node[i].rsp_ev);
    }
}

static const migsim_param_t mr_params[] = {
    MIGSIM_PARAM_STR(memrouter_t, "nodes", nodes_str, "",
                     "memory nodes, comma-separated: \"outN base=B size=S [far] [extra_ps=L] "
                     "[bandwidth=W]\" (sizes take K/M/G/KiB/MiB/GiB): node N owns PAs [B, B + S), "
                     "reached on port outN with PA - B; a far link adds L ps each way and "
                     "serialises requests at W bytes/s (request size / W each, in arrival order); "
                     "\"far\" takes far_extra_ps and far_bandwidth for those not given; up to 8 "
                     "nodes, ranges disjoint, each no larger than its DRAM"),
    MIGSIM_PARAM_U64(memrouter_t, "far_extra_ps", far_extra_ps, "ps", 35000, 0, 0,
                     "latency a \"far\" node's link adds each way: 35 ns, half of the 70-90 ns a "
                     "CXL memory expander adds over NUMA-local DRAM (Li et al., Pond: CXL-Based "
                     "Memory Pooling Systems for Cloud Platforms, ASPLOS 2023)"),
    MIGSIM_PARAM_U64(memrouter_t, "far_bandwidth", far_bandwidth, "bytes/s", 32000000000ull, 0, 0,
                     "rate of a \"far\" node's link (0 = unlimited): 32 GB/s, a CXL 2.0 x8 link "
                     "on PCIe 5.0 (32 GT/s per lane, 8 lanes, one direction, before protocol "
                     "overhead)"),
    MIGSIM_PARAMS_END,
};

#define MR_OUT(n) { "out" #n, MIGSIM_PORT_OUT, offsetof(memrouter_t, out[n]), NULL, mr_resp, mr_retry, \
                    "toward memory node on out" #n " (see nodes)", true, 0, false }

static const migsim_port_def_t mr_ports[] = {
    MIGSIM_PORT_TARGET(memrouter_t, "in", in, mr_recv, "physical requests"),
    MR_OUT(0), MR_OUT(1), MR_OUT(2), MR_OUT(3), MR_OUT(4), MR_OUT(5), MR_OUT(6), MR_OUT(7),
    MIGSIM_PORTS_END,
};

#define MR_ST(n)                                                                                     \
    MIGSIM_STAT_U64_PORT(memrouter_t, "out" #n "_reqs", st_reqs[n], "requests",                      \
                         "requests forwarded to the node on out" #n, "out" #n),                      \
    MIGSIM_STAT_U64_PORT(memrouter_t, "out" #n "_bytes", st_bytes[n], "bytes",                       \
                         "bytes of the requests forwarded to the node on out" #n, "out" #n),         \
    MIGSIM_STAT_U64_PORT(memrouter_t, "out" #n "_link_wait_ps", st_wait_ps[n], "ps",                 \
                         "time requests to out" #n " waited for its busy far link (summed)", "out" #n), \
    MIGSIM_STAT_U64_PORT(memrouter_t, "out" #n "_added_latency_ps", st_added_ps[n], "ps",            \
                         "latency the far link of out" #n " added: wait, transfer and extra latency " \
                         "each way (summed over requests)", "out" #n)

static const migsim_stat_def_t mr_stats[] = {
    MR_ST(0), MR_ST(1), MR_ST(2), MR_ST(3), MR_ST(4), MR_ST(5), MR_ST(6), MR_ST(7),
    MIGSIM_STAT_U64(memrouter_t, "unmapped_reqs", st_unmapped, "requests",
                    "requests outside every node or crossing a node's end, answered with status "
                    "-67 (no node)"),
    MIGSIM_STAT_U64(memrouter_t, "refused_reqs", st_refused, "requests",
                    "requests refused because a node without a far link was busy"),
    MIGSIM_STATS_END,
};

const migsim_comp_ops_t memrouter_ops = {
    .type = "memrouter",
    .help = "address router in front of up to 8 memory nodes (a near DRAM, far tiers such as "
            "CXL-attached memory): each request goes to the node holding its PA, with the "
            "node-local address, through an optional far link (extra latency each way, "
            "serialised bandwidth); a request outside every node is answered with an error status",
    .size = sizeof(memrouter_t),
    .params = mr_params,
    .ports = mr_ports,
    .stats = mr_stats,
    .configure = mr_configure,
    .init = mr_init,
    .fini = mr_fini,
};
