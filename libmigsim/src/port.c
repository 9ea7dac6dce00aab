/*
 * port.c - binding ports and the delay link.
 *
 * Hot path (links with latency only): migsim_link__send/respond and the two
 * delivery events, one event per request and one per response. Requests and
 * responses travel as intrusive FIFOs through req->next; a link's latency is
 * constant, so FIFO order is arrival order.
 */
#include "migsim/port.h"
#include "migsim/errors.h"

#include <assert.h>
#include <stddef.h>

int migsim_port_bind(migsim_port_t *out, migsim_port_t *in)
{
    if (out->dir != MIGSIM_PORT_OUT || in->dir != MIGSIM_PORT_IN)
        return migsim_error(MIGSIM_EINVAL, "bind %s -> %s: must go from an out port to an in port",
                            out->name, in->name);
    if (out->peer || in->peer)
        return migsim_error(MIGSIM_ESTATE, "bind %s -> %s: port already bound",
                            out->name, in->name);
    out->peer = in;
    in->peer = out;
    return MIGSIM_OK;
}

static void link_deliver_req(migsim_event_t *ev);
static void link_deliver_resp(migsim_event_t *ev);

int migsim_port_bind_link(migsim_link_t *l, migsim_kernel_t *k, migsim_port_t *out,
                          migsim_port_t *in, migsim_tick_t latency_ps, uint32_t capacity)
{
    if (latency_ps == 0 || capacity == 0)
        return migsim_error(MIGSIM_EINVAL, "link %s -> %s: latency and capacity must be > 0",
                            out->name, in->name);
    int rc = migsim_port_bind(out, in);
    if (rc)
        return rc;
    *l = (migsim_link_t){ .out = out, .in = in, .k = k, .latency_ps = latency_ps,
                          .capacity = capacity };
    if ((rc = migsim_event_init(k, &l->req_ev, link_deliver_req, l, 8, 0, "link.req")) ||
        (rc = migsim_event_init(k, &l->resp_ev, link_deliver_resp, l, 8, 0, "link.resp")))
        return rc;
    out->link = l;
    in->link = l;
    return MIGSIM_OK;
}

void migsim_link_fini(migsim_link_t *l)
{
    if (!l->k)
        return;
    migsim_event_fini(l->k, &l->req_ev);
    migsim_event_fini(l->k, &l->resp_ev);
    l->k = NULL;
}

int migsim_link__send(migsim_link_t *l, migsim_req_t *req)
{
    if (l->inflight >= l->capacity) {
        l->initiator_waiting = 1;
        return MIGSIM_EBUSY;
    }
    l->inflight++;
    req->t_arrive = l->k->now + l->latency_ps;
    req->next = NULL;
    if (l->req_tail)
        l->req_tail->next = req;
    else
        l->req_head = req;
    l->req_tail = req;
    if (!l->target_blocked && !migsim_event_queued(&l->req_ev))
        migsim_schedule(l->k, &l->req_ev, l->req_head->t_arrive);
    return MIGSIM_OK;
}

static void link_deliver_req(migsim_event_t *ev)
{
    migsim_link_t *l = ev->ctx;
    migsim_tick_t now = l->k->now;
    bool freed = false;
    while (l->req_head && l->req_head->t_arrive <= now) {
        migsim_req_t *req = l->req_head;
        migsim_req_t *next = req->next;
        if (l->in->recv(l->in, req) != 0) {
            l->target_blocked = 1;
            break;
        }
        l->req_head = next;
        if (!next)
            l->req_tail = NULL;
        l->inflight--;
        freed = true;
    }
    if (l->req_head && !l->target_blocked)
        migsim_schedule(l->k, &l->req_ev, l->req_head->t_arrive);
    if (freed && l->initiator_waiting) {
        l->initiator_waiting = 0;
        if (l->out->retry)
            l->out->retry(l->out);
    }
}

void migsim_link__retry(migsim_link_t *l)
{
    if (!l->target_blocked)
        return;
    l->target_blocked = 0;
    if (l->req_head && !migsim_event_queued(&l->req_ev))
        migsim_schedule(l->k, &l->req_ev, l->k->now);
}

void migsim_link__respond(migsim_link_t *l, migsim_req_t *req)
{
    req->scratch[1] = l->k->now + l->latency_ps; /* delivery time while on the wire */
    req->next = NULL;
    if (l->resp_tail)
        l->resp_tail->next = req;
    else
        l->resp_head = req;
    l->resp_tail = req;
    if (!migsim_event_queued(&l->resp_ev))
        migsim_schedule(l->k, &l->resp_ev, l->resp_head->scratch[1]);
}

static void link_deliver_resp(migsim_event_t *ev)
{
    migsim_link_t *l = ev->ctx;
    migsim_tick_t now = l->k->now;
    while (l->resp_head && l->resp_head->scratch[1] <= now) {
        migsim_req_t *req = l->resp_head;
        l->resp_head = req->next;
        if (!l->resp_head)
            l->resp_tail = NULL;
        req->next = NULL;
        l->out->resp(l->out, req);
    }
    if (l->resp_head)
        migsim_schedule(l->k, &l->resp_ev, l->resp_head->scratch[1]);
}
