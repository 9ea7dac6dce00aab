/*
 * xbar.c - the interconnect (see xbar.h). Hot path: one forwarded call per
 * request and one per response; no events, no allocation.
 */
#include "xbar/xbar.h"
#include "migsim/errors.h"

#include <stddef.h>

static int xbar_recv(migsim_port_t *port, migsim_req_t *req)
{
    xbar_t *x = (xbar_t *)port->owner;
    unsigned i = (unsigned)(port - x->in);
    migsim_req_route_push(req, i);
    if (migsim_port_send(&x->out, req) != 0) {
        migsim_req_route_pop(req);
        x->waiting |= 1u << i;
        x->st_refused++;
        return MIGSIM_EBUSY;
    }
    x->st_reqs[i]++;
    x->last = i;
    return MIGSIM_OK;
}

static void xbar_resp(migsim_port_t *port, migsim_req_t *req)
{
    xbar_t *x = (xbar_t *)port->owner;
    migsim_port_respond(&x->in[migsim_req_route_pop(req)], req);
}

static void xbar_retry(migsim_port_t *port)
{
    xbar_t *x = (xbar_t *)port->owner;
    /* retry each waiting input once, round-robin after the last one served */
    uint32_t todo = x->waiting;
    uint32_t start = x->last; /* the retried inputs move x->last as they send */
    x->waiting = 0;
    for (uint32_t k = 1; k <= XBAR_INPUTS && todo; k++) {
        uint32_t i = (start + k) % XBAR_INPUTS;
        if (!(todo >> i & 1))
            continue;
        todo &= ~(1u << i);
        migsim_port_retry(&x->in[i]);
    }
}

static int xbar_init(migsim_comp_t *c)
{
    (void)c;
    return MIGSIM_OK;
}

/* each input pushes its index on the request's route (one entry) and forwards it on "out" */
#define XIN(n) MIGSIM_PORT_TARGET_ROUTE(xbar_t, "in" #n, in[n], xbar_recv, n != 0, 1, false, \
                                        "requests from initiator " #n)

static const migsim_port_def_t xbar_ports[] = {
    XIN(0),
    XIN(1), XIN(2), XIN(3), XIN(4), XIN(5), XIN(6), XIN(7),
    MIGSIM_PORT_INITIATOR(xbar_t, "out", out, xbar_resp, xbar_retry, "to the shared target"),
    MIGSIM_PORTS_END,
};

#define XS(n) MIGSIM_STAT_U64(xbar_t, "in" #n "_reqs", st_reqs[n], "requests", "requests forwarded from in" #n)

static const migsim_stat_def_t xbar_stats[] = {
    XS(0), XS(1), XS(2), XS(3), XS(4), XS(5), XS(6), XS(7),
    MIGSIM_STAT_U64(xbar_t, "refused_reqs", st_refused, "requests", "sends refused: the target was busy"),
    MIGSIM_STATS_END,
};

const migsim_comp_ops_t xbar_ops = {
    .type = "xbar",
    .help = "interconnect merging up to eight initiators onto one target, round-robin on back-pressure",
    .size = sizeof(xbar_t),
    .params = NULL,
    .ports = xbar_ports,
    .stats = xbar_stats,
    .init = xbar_init,
};
