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
        if (!(x->waiting[i / 64] >> (i % 64) & 1)) {
            x->waiting[i / 64] |= 1ull << (i % 64);
            x->nwaiting++;
        }
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

/* The first input at or after `from`, cyclically, whose bit is set in `set` (one is). */
static uint32_t xbar_next(const uint64_t *set, uint32_t from)
{
    for (uint32_t i = from % XBAR_INPUTS;; i = (i / 64 + 1) * 64 % XBAR_INPUTS) {
        uint64_t w = set[i / 64] >> (i % 64);
        if (w)
            return i + (uint32_t)__builtin_ctzll(w);
    }
}

static void xbar_retry(migsim_port_t *port)
{
    xbar_t *x = (xbar_t *)port->owner;
    /* retry each waiting input once, round-robin after the last one served */
    uint64_t todo[XBAR_INPUTS / 64];
    uint32_t left = x->nwaiting;
    uint32_t start = x->last; /* the retried inputs move x->last as they send */
    for (uint32_t w = 0; w < XBAR_INPUTS / 64; w++) {
        todo[w] = x->waiting[w];
        x->waiting[w] = 0;
    }
    x->nwaiting = 0;
    for (uint32_t from = start + 1; left; left--) {
        uint32_t i = xbar_next(todo, from);
        todo[i / 64] &= ~(1ull << (i % 64));
        from = i + 1;
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
    XIN(0), XIN(1), XIN(2), XIN(3), XIN(4), XIN(5), XIN(6), XIN(7),
    XIN(8), XIN(9), XIN(10), XIN(11), XIN(12), XIN(13), XIN(14), XIN(15),
    XIN(16), XIN(17), XIN(18), XIN(19), XIN(20), XIN(21), XIN(22), XIN(23),
    XIN(24), XIN(25), XIN(26), XIN(27), XIN(28), XIN(29), XIN(30), XIN(31),
    XIN(32), XIN(33), XIN(34), XIN(35), XIN(36), XIN(37), XIN(38), XIN(39),
    XIN(40), XIN(41), XIN(42), XIN(43), XIN(44), XIN(45), XIN(46), XIN(47),
    XIN(48), XIN(49), XIN(50), XIN(51), XIN(52), XIN(53), XIN(54), XIN(55),
    XIN(56), XIN(57), XIN(58), XIN(59), XIN(60), XIN(61), XIN(62), XIN(63),
    XIN(64), XIN(65), XIN(66), XIN(67), XIN(68), XIN(69), XIN(70), XIN(71),
    XIN(72), XIN(73), XIN(74), XIN(75), XIN(76), XIN(77), XIN(78), XIN(79),
    XIN(80), XIN(81), XIN(82), XIN(83), XIN(84), XIN(85), XIN(86), XIN(87),
    XIN(88), XIN(89), XIN(90), XIN(91), XIN(92), XIN(93), XIN(94), XIN(95),
    XIN(96), XIN(97), XIN(98), XIN(99), XIN(100), XIN(101), XIN(102), XIN(103),
    XIN(104), XIN(105), XIN(106), XIN(107), XIN(108), XIN(109), XIN(110), XIN(111),
    XIN(112), XIN(113), XIN(114), XIN(115), XIN(116), XIN(117), XIN(118), XIN(119),
    XIN(120), XIN(121), XIN(122), XIN(123), XIN(124), XIN(125), XIN(126), XIN(127),
    MIGSIM_PORT_INITIATOR(xbar_t, "out", out, xbar_resp, xbar_retry, "to the shared target"),
    MIGSIM_PORTS_END,
};

#define XS(n) MIGSIM_STAT_U64_PORT(xbar_t, "in" #n "_reqs", st_reqs[n], "requests", \
                                   "requests forwarded from in" #n, "in" #n)

static const migsim_stat_def_t xbar_stats[] = {
    XS(0), XS(1), XS(2), XS(3), XS(4), XS(5), XS(6), XS(7),
    XS(8), XS(9), XS(10), XS(11), XS(12), XS(13), XS(14), XS(15),
    XS(16), XS(17), XS(18), XS(19), XS(20), XS(21), XS(22), XS(23),
    XS(24), XS(25), XS(26), XS(27), XS(28), XS(29), XS(30), XS(31),
    XS(32), XS(33), XS(34), XS(35), XS(36), XS(37), XS(38), XS(39),
    XS(40), XS(41), XS(42), XS(43), XS(44), XS(45), XS(46), XS(47),
    XS(48), XS(49), XS(50), XS(51), XS(52), XS(53), XS(54), XS(55),
    XS(56), XS(57), XS(58), XS(59), XS(60), XS(61), XS(62), XS(63),
    XS(64), XS(65), XS(66), XS(67), XS(68), XS(69), XS(70), XS(71),
    XS(72), XS(73), XS(74), XS(75), XS(76), XS(77), XS(78), XS(79),
    XS(80), XS(81), XS(82), XS(83), XS(84), XS(85), XS(86), XS(87),
    XS(88), XS(89), XS(90), XS(91), XS(92), XS(93), XS(94), XS(95),
    XS(96), XS(97), XS(98), XS(99), XS(100), XS(101), XS(102), XS(103),
    XS(104), XS(105), XS(106), XS(107), XS(108), XS(109), XS(110), XS(111),
    XS(112), XS(113), XS(114), XS(115), XS(116), XS(117), XS(118), XS(119),
    XS(120), XS(121), XS(122), XS(123), XS(124), XS(125), XS(126), XS(127),
    MIGSIM_STAT_U64(xbar_t, "refused_reqs", st_refused, "requests", "sends refused: the target was busy"),
    MIGSIM_STATS_END,
};

const migsim_comp_ops_t xbar_ops = {
    .type = "xbar",
    .help = "interconnect merging up to 128 initiators onto one target, round-robin on back-pressure",
    .size = sizeof(xbar_t),
    .params = NULL,
    .ports = xbar_ports,
    .stats = xbar_stats,
    .init = xbar_init,
};
