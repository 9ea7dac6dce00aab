/*
 * test_port.c - tests of ports and links (migsim/port.h).
 *
 * Two small components are defined here, built by hand outside any
 * simulation (their own kernel and request pool): a source that sends N
 * requests, back to back or one per gap, and resends a refused one when
 * its retry callback runs; and a sink that holds at most K requests,
 * refuses (MIGSIM_EBUSY) beyond that, answers each accepted request a fixed
 * delay later and, when it has refused, calls migsim_port_retry once it has
 * room again. Every send, delivery, refusal, retry and response is logged
 * with its time and request id, and the logs are checked against the
 * closed-form times of the documented link behaviour: zero latency is a
 * direct call; latency L delivers requests L ps after the send and
 * responses L ps after the respond; capacity bounds requests in flight;
 * a refused head holds everything behind it until the target retries;
 * order is kept; no request is lost or duplicated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migsim/component.h"
#include "migsim/errors.h"
#include "migsim/kernel.h"
#include "migsim/port.h"
#include "migsim/req.h"
#include "migsim/rng.h"

#define MAXN 4096u
#define UNSET MIGSIM_TICK_MAX

/* ---- the source ------------------------------------------------------------ */

typedef struct src_s {
    migsim_comp_t comp;
    migsim_port_t out;
    migsim_event_t ev;            /* next issue opportunity */
    uint32_t n;                   /* requests to send, <= MAXN */
    migsim_tick_t gap_ps;         /* between sends; 0 = back to back */
    migsim_rng_t *jitter;         /* borrowed: random gaps in [0, gap_ps] when set */
    uint32_t sent;                /* requests accepted by the port */
    migsim_tick_t next_ps;        /* earliest time of the next send */
    migsim_req_t *pending;        /* refused by the port, to resend */
    bool blocked;                 /* waiting for the retry callback */
    bool in_send;                 /* inside migsim_port_send */
    uint32_t refused;             /* sends that returned MIGSIM_EBUSY */
    uint32_t nretry;              /* retry callbacks */
    migsim_tick_t retry_t[MAXN];  /* time of each retry callback */
    uint32_t max_inflight_seen;   /* largest link->inflight after a send */
    migsim_tick_t t_send[MAXN];   /* per id: time of the successful send */
    migsim_tick_t t_resp[MAXN];   /* per id: time the response came back */
    uint32_t resp_count[MAXN];    /* per id: responses received */
    uint32_t resp_order[MAXN];    /* ids in response order */
    uint32_t nresp;
    bool resp_direct[MAXN];       /* per id: response arrived inside the sink's respond call */
    struct sink_s *sink;          /* borrowed: to see whether a call is direct */
} src_t;

typedef struct sink_s {
    migsim_comp_t comp;
    migsim_port_t in;
    migsim_event_t ev;            /* answers the oldest held request */
    uint32_t k_max;               /* requests held at most */
    migsim_tick_t delay_ps;       /* accept to respond */
    migsim_req_t *head, *tail;    /* held requests, in acceptance order */
    uint32_t held;
    bool owes_retry;              /* refused since the last retry */
    bool in_respond;              /* inside migsim_port_respond */
    uint32_t refusals;            /* recv calls answered with MIGSIM_EBUSY */
    uint32_t recv_calls;          /* recv calls, accepted or not */
    migsim_tick_t refuse_t[MAXN]; /* time of each refusal */
    migsim_tick_t t_accept[MAXN]; /* per id */
    migsim_tick_t t_arrive[MAXN]; /* per id: req->t_arrive as delivered */
    migsim_tick_t t_respond[MAXN];/* per id */
    uint32_t accept_count[MAXN];  /* per id */
    uint32_t accept_order[MAXN];
    uint32_t naccept;
    bool recv_direct[MAXN];       /* per id: delivered inside the source's send call */
    src_t *src;                   /* borrowed */
} sink_t;

static void src_pump(src_t *s)
{
    migsim_kernel_t *k = s->comp.k;
    while (!s->blocked && (s->pending || s->sent < s->n)) {
        if (!s->pending) {
            if (s->next_ps > k->now) {
                if (!migsim_event_queued(&s->ev))
                    migsim_schedule(k, &s->ev, s->next_ps);
                return;
            }
            s->pending = migsim_req_alloc(s->comp.pool);
            assert_non_null(s->pending);
            s->pending->addr = s->pending->orig_addr = s->pending->id * 64;
            s->pending->size = 64;
            s->pending->cookie = s;
        }
        migsim_req_t *req = s->pending;
        uint64_t id = req->id;
        req->t_issue = k->now;
        s->in_send = true;
        int rc = migsim_port_send(&s->out, req);
        s->in_send = false;
        if (rc == MIGSIM_EBUSY) {
            s->blocked = true;
            s->refused++;
            return;
        }
        assert_int_equal(rc, 0);
        assert_true(id < MAXN);
        s->pending = NULL;
        s->t_send[id] = k->now;
        s->sent++;
        if (s->out.link) {
            assert_true(s->out.link->inflight <= s->out.link->capacity);
            if (s->out.link->inflight > s->max_inflight_seen)
                s->max_inflight_seen = s->out.link->inflight;
        }
        migsim_tick_t gap = s->gap_ps;
        if (s->jitter && gap)
            gap = migsim_rng_below(s->jitter, gap + 1);
        s->next_ps = k->now + gap;
    }
}

static void src_event(migsim_event_t *ev) { src_pump(ev->ctx); }

static void src_resp(migsim_port_t *port, migsim_req_t *req)
{
    src_t *s = (src_t *)port->owner;
    assert_ptr_equal(req->cookie, s);
    assert_true(req->id < MAXN);
    s->t_resp[req->id] = s->comp.k->now;
    s->resp_count[req->id]++;
    s->resp_direct[req->id] = s->sink && s->sink->in_respond;
    s->resp_order[s->nresp++] = (uint32_t)req->id;
    migsim_req_free(s->comp.pool, req);
}

static void src_retry(migsim_port_t *port)
{
    src_t *s = (src_t *)port->owner;
    assert_true(s->nretry < MAXN);
    s->retry_t[s->nretry++] = s->comp.k->now;
    s->blocked = false;
    src_pump(s);
}

static int src_init(migsim_comp_t *c)
{
    src_t *s = (src_t *)c;
    for (uint32_t i = 0; i < MAXN; i++)
        s->t_send[i] = s->t_resp[i] = UNSET;
    return migsim_event_init(c->k, &s->ev, src_event, s, 0, 0, "src.issue");
}

static int src_start(migsim_comp_t *c)
{
    migsim_schedule(c->k, &((src_t *)c)->ev, c->k->now);
    return MIGSIM_OK;
}

static void src_fini(migsim_comp_t *c)
{
    src_t *s = (src_t *)c;
    if (s->pending)
        migsim_req_free(c->pool, s->pending);
    migsim_event_fini(c->k, &s->ev);
}

static const migsim_port_def_t src_ports[] = {
    { "out", MIGSIM_PORT_OUT, offsetof(src_t, out), NULL, src_resp, src_retry, "requests", false, 0,
      false },
    MIGSIM_PORTS_END,
};

static const migsim_comp_ops_t src_ops = {
    .type = "test_source",
    .help = "sends n requests",
    .size = sizeof(src_t),
    .ports = src_ports,
    .init = src_init,
    .start = src_start,
    .fini = src_fini,
};

/* ---- the sink -------------------------------------------------------------- */

static int sink_recv(migsim_port_t *port, migsim_req_t *req)
{
    sink_t *s = (sink_t *)port->owner;
    migsim_tick_t now = s->comp.k->now;
    s->recv_calls++;
    /* after a refusal nothing is offered until this target calls retry */
    assert_false(s->owes_retry);
    if (s->held >= s->k_max) {
        assert_true(s->refusals < MAXN);
        s->refuse_t[s->refusals++] = now;
        s->owes_retry = true;
        return MIGSIM_EBUSY;
    }
    assert_true(req->id < MAXN);
    s->t_accept[req->id] = now;
    s->t_arrive[req->id] = req->t_arrive;
    s->accept_count[req->id]++;
    s->accept_order[s->naccept++] = (uint32_t)req->id;
    s->recv_direct[req->id] = s->src && s->src->in_send;
    req->t_done = now + s->delay_ps;
    req->next = NULL;
    if (s->tail)
        s->tail->next = req;
    else
        s->head = req;
    s->tail = req;
    s->held++;
    if (!migsim_event_queued(&s->ev))
        migsim_schedule(s->comp.k, &s->ev, s->head->t_done);
    return MIGSIM_OK;
}

static void sink_event(migsim_event_t *ev)
{
    sink_t *s = ev->ctx;
    migsim_tick_t now = s->comp.k->now;
    while (s->head && s->head->t_done <= now) {
        migsim_req_t *req = s->head;
        s->head = req->next;
        if (!s->head)
            s->tail = NULL;
        s->held--;
        s->t_respond[req->id] = now;
        s->in_respond = true;
        migsim_port_respond(&s->in, req);
        s->in_respond = false;
    }
    if (s->head)
        migsim_schedule(s->comp.k, &s->ev, s->head->t_done);
    if (s->owes_retry && s->held < s->k_max) {
        s->owes_retry = false;
        migsim_port_retry(&s->in);
    }
}

static int sink_init(migsim_comp_t *c)
{
    sink_t *s = (sink_t *)c;
    for (uint32_t i = 0; i < MAXN; i++)
        s->t_accept[i] = s->t_respond[i] = s->t_arrive[i] = UNSET;
    return migsim_event_init(c->k, &s->ev, sink_event, s, 0, 0, "sink.respond");
}

static void sink_fini(migsim_comp_t *c)
{
    sink_t *s = (sink_t *)c;
    assert_null(s->head);
    migsim_event_fini(c->k, &s->ev);
}

static const migsim_port_def_t sink_ports[] = {
    { "in", MIGSIM_PORT_IN, offsetof(sink_t, in), sink_recv, NULL, NULL, "requests", false, 0,
      true },
    MIGSIM_PORTS_END,
};

static const migsim_comp_ops_t sink_ops = {
    .type = "test_sink",
    .help = "holds k requests, answers each after a delay",
    .size = sizeof(sink_t),
    .ports = sink_ports,
    .init = sink_init,
    .fini = sink_fini,
};

/* ---- a hand-built platform -------------------------------------------------- */

typedef struct rig_s {
    migsim_kernel_t k;
    migsim_req_pool_t pool;
    src_t *src;
    sink_t *sink;
    migsim_link_t link;
    bool linked;
} rig_t;

/* What the sim does for a component: allocate, fill the header, set up the ports. */
static migsim_comp_t *comp_new(rig_t *r, const migsim_comp_ops_t *ops, const char *name)
{
    migsim_comp_t *c = calloc(1, ops->size);
    assert_non_null(c);
    c->ops = ops;
    c->name = (char *)name;
    c->k = &r->k;
    c->pool = &r->pool;
    c->config_path = name;
    for (const migsim_port_def_t *pd = ops->ports; pd->name; pd++) {
        migsim_port_t *p = (migsim_port_t *)((char *)c + pd->offset);
        *p = (migsim_port_t){ .name = pd->name, .owner = c, .recv = pd->recv,
                              .resp = pd->resp, .retry = pd->retry, .dir = (uint8_t)pd->dir };
    }
    return c;
}

/* latency 0 = direct binding. */
static void rig_init(rig_t *r, uint32_t n, migsim_tick_t gap_ps, migsim_tick_t lat_ps,
                     uint32_t capacity, uint32_t k_max, migsim_tick_t delay_ps)
{
    memset(r, 0, sizeof *r);
    migsim_kernel_init(&r->k);
    assert_int_equal(migsim_req_pool_init(&r->pool, 16), 0);
    r->src = (src_t *)comp_new(r, &src_ops, "src");
    r->sink = (sink_t *)comp_new(r, &sink_ops, "sink");
    r->src->n = n;
    r->src->gap_ps = gap_ps;
    r->src->sink = r->sink;
    r->sink->k_max = k_max;
    r->sink->delay_ps = delay_ps;
    r->sink->src = r->src;
    migsim_port_t *out = migsim_comp_port(&r->src->comp, "out");
    migsim_port_t *in = migsim_comp_port(&r->sink->comp, "in");
    assert_ptr_equal(out, &r->src->out);
    assert_ptr_equal(in, &r->sink->in);
    assert_null(migsim_comp_port(&r->src->comp, "in"));
    if (lat_ps) {
        assert_int_equal(migsim_port_bind_link(&r->link, &r->k, out, in, lat_ps, capacity), 0);
        r->linked = true;
        assert_ptr_equal(out->link, &r->link);
    } else {
        assert_int_equal(migsim_port_bind(out, in), 0);
        assert_null(out->link);
    }
    assert_ptr_equal(out->peer, in);
    assert_ptr_equal(in->peer, out);
    assert_int_equal(src_ops.init(&r->src->comp), 0);
    assert_int_equal(sink_ops.init(&r->sink->comp), 0);
    assert_int_equal(src_ops.start(&r->src->comp), 0);
}

static void rig_run(rig_t *r)
{
    migsim_kernel_run(&r->k, MIGSIM_TICK_MAX);
}

/* Every request sent, accepted, answered and returned exactly once, in order. */
static void rig_check_complete(const rig_t *r)
{
    const src_t *s = r->src;
    const sink_t *k = r->sink;
    assert_int_equal(s->sent, s->n);
    assert_null(s->pending);
    assert_int_equal(k->naccept, s->n);
    assert_int_equal(s->nresp, s->n);
    for (uint32_t i = 0; i < s->n; i++) {
        assert_int_equal(k->accept_count[i], 1);
        assert_int_equal(s->resp_count[i], 1);
        assert_int_equal(k->accept_order[i], i);
        assert_int_equal(s->resp_order[i], i);
        assert_true(k->t_accept[i] >= s->t_send[i]);
        assert_true(k->t_respond[i] == k->t_accept[i] + k->delay_ps);
    }
    assert_int_equal(r->pool.in_use, 0);
    assert_int_equal(r->k.live, 0);
    if (r->linked) {
        assert_int_equal(r->link.inflight, 0);
        assert_null(r->link.req_head);
        assert_null(r->link.resp_head);
    }
}

static void rig_fini(rig_t *r)
{
    src_ops.fini(&r->src->comp);
    sink_ops.fini(&r->sink->comp);
    if (r->linked)
        migsim_link_fini(&r->link);
    free(r->src);
    free(r->sink);
    assert_int_equal(r->k.registered, 0);
    migsim_kernel_fini(&r->k);
    migsim_req_pool_fini(&r->pool);
}

/* ---- tests ----------------------------------------------------------------- */

static void test_zero_latency_is_a_direct_call(void **state)
{
    (void)state;
    rig_t r;
    rig_init(&r, 8, 100, 0, 0, UINT32_MAX, 30);
    rig_run(&r);
    rig_check_complete(&r);
    for (uint32_t i = 0; i < 8; i++) {
        assert_int_equal(r.src->t_send[i], 100 * i);
        assert_int_equal(r.sink->t_accept[i], 100 * i);
        assert_true(r.sink->recv_direct[i]);
        assert_true(r.src->resp_direct[i]);
        assert_int_equal(r.src->t_resp[i], 100 * i + 30);
    }
    assert_int_equal(r.sink->refusals, 0);
    assert_int_equal(r.src->nretry, 0);
    rig_fini(&r);
}

static void test_zero_latency_refusal_and_retry(void **state)
{
    (void)state;
    rig_t r;
    /* one at a time: each request waits for the previous response */
    rig_init(&r, 4, 0, 0, 0, 1, 100);
    rig_run(&r);
    rig_check_complete(&r);
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(r.sink->t_accept[i], 100 * i);
        assert_int_equal(r.src->t_resp[i], 100 * i + 100);
        assert_true(r.sink->recv_direct[i]);
    }
    /* ids 1..3 each refused once, at the time the previous one was accepted */
    assert_int_equal(r.sink->refusals, 3);
    assert_int_equal(r.src->refused, 3);
    assert_int_equal(r.src->nretry, 3);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(r.sink->refuse_t[i], 100 * i);
        assert_int_equal(r.src->retry_t[i], 100 * (i + 1));
    }
    rig_fini(&r);
}

static void test_link_latency_exact(void **state)
{
    (void)state;
    enum { L = 700, D = 30, GAP = 100, N = 20 };
    rig_t r;
    rig_init(&r, N, GAP, L, 64, UINT32_MAX, D);
    rig_run(&r);
    rig_check_complete(&r);
    for (uint32_t i = 0; i < N; i++) {
        assert_int_equal(r.src->t_send[i], GAP * i);
        assert_int_equal(r.sink->t_accept[i], GAP * i + L);
        assert_int_equal(r.sink->t_arrive[i], GAP * i + L);
        assert_false(r.sink->recv_direct[i]);
        assert_int_equal(r.sink->t_respond[i], GAP * i + L + D);
        assert_int_equal(r.src->t_resp[i], GAP * i + L + D + L);
        assert_false(r.src->resp_direct[i]);
    }
    /* several requests were on the wire at once */
    assert_int_equal(r.src->max_inflight_seen, L / GAP + 1);
    assert_int_equal(r.src->refused, 0);
    rig_fini(&r);
}

static void test_link_back_to_back_same_time(void **state)
{
    (void)state;
    enum { L = 250, D = 10, N = 12 };
    rig_t r;
    rig_init(&r, N, 0, L, 64, UINT32_MAX, D);
    rig_run(&r);
    rig_check_complete(&r);
    for (uint32_t i = 0; i < N; i++) {
        assert_int_equal(r.sink->t_accept[i], L);
        assert_int_equal(r.src->t_resp[i], L + D + L);
    }
    rig_fini(&r);
}

static void test_link_capacity_bounds_inflight(void **state)
{
    (void)state;
    enum { L = 100, C = 3, D = 50, N = 10 };
    rig_t r;
    rig_init(&r, N, 0, L, C, UINT32_MAX, D);
    /* before anything is delivered, the link takes exactly C */
    migsim_kernel_run_until(&r.k, 0);
    assert_int_equal(r.src->sent, C);
    assert_int_equal(r.link.inflight, C);
    assert_int_equal(r.src->refused, 1);
    assert_true(r.src->blocked);
    assert_int_equal(r.src->nretry, 0);
    assert_int_equal(r.sink->recv_calls, 0);
    rig_run(&r);
    rig_check_complete(&r);
    assert_int_equal(r.src->max_inflight_seen, C);
    /* batches of C leave every L ps: room frees when a batch is delivered */
    for (uint32_t i = 0; i < N; i++) {
        assert_int_equal(r.src->t_send[i], L * (i / C));
        assert_int_equal(r.sink->t_accept[i], L * (i / C) + L);
        assert_int_equal(r.src->t_resp[i], L * (i / C) + L + D + L);
    }
    /* one refusal per batch after the first, and one retry for each, when room frees */
    assert_int_equal(r.src->refused, (N - 1) / C);
    assert_int_equal(r.src->nretry, (N - 1) / C);
    for (uint32_t j = 0; j < r.src->nretry; j++)
        assert_int_equal(r.src->retry_t[j], L * (j + 1));
    assert_int_equal(r.sink->refusals, 0);
    rig_fini(&r);
}

static void test_link_refusal_holds_head_until_retry(void **state)
{
    (void)state;
    enum { L = 100, D = 40, K = 2, N = 7 };
    rig_t r;
    rig_init(&r, N, 0, L, 64, K, D);
    /* at L the sink takes two and refuses the third; the rest stay on the link */
    migsim_kernel_run_until(&r.k, L);
    assert_int_equal(r.sink->naccept, K);
    assert_int_equal(r.sink->refusals, 1);
    assert_int_equal(r.sink->recv_calls, K + 1);
    assert_true(r.link.target_blocked);
    assert_int_equal(r.link.inflight, N - K);
    /* nothing is offered to the sink while it has not retried */
    migsim_kernel_run_until(&r.k, L + D - 1);
    assert_int_equal(r.sink->recv_calls, K + 1);
    assert_int_equal(r.sink->naccept, K);
    rig_run(&r);
    rig_check_complete(&r);
    /* the sink frees both slots at L + j*D and retries then: two more each time */
    for (uint32_t i = 0; i < N; i++) {
        assert_int_equal(r.sink->t_accept[i], L + D * (i / K));
        assert_int_equal(r.src->t_resp[i], L + D * (i / K) + D + L);
    }
    /* one refusal per hold, each at the time of the previous batch */
    assert_int_equal(r.sink->refusals, (N - 1) / K);
    for (uint32_t j = 0; j < r.sink->refusals; j++)
        assert_int_equal(r.sink->refuse_t[j], L + D * j);
    assert_int_equal(r.sink->recv_calls, N + (N - 1) / K);
    /* the initiator never saw the refusals: the link had room all along */
    assert_int_equal(r.src->refused, 0);
    assert_int_equal(r.src->nretry, 0);
    assert_false(r.link.target_blocked);
    rig_fini(&r);
}

/* A full link and a refusing target at once: the initiator is retried when the target takes one. */
static void test_link_full_and_target_refusing(void **state)
{
    (void)state;
    enum { L = 100, C = 2, D = 1000, K = 1, N = 5 };
    rig_t r;
    rig_init(&r, N, 0, L, C, K, D);
    rig_run(&r);
    rig_check_complete(&r);
    /* the sink takes one request every D after the first at L */
    for (uint32_t i = 0; i < N; i++) {
        assert_int_equal(r.sink->t_accept[i], L + D * i);
        assert_int_equal(r.src->t_resp[i], L + D * i + D + L);
    }
    assert_true(r.src->max_inflight_seen <= C);
    assert_true(r.src->nretry >= 1);
    for (uint32_t j = 0; j < r.src->nretry; j++) {
        /* a retry is only given when the link has delivered one, i.e. when the sink took one */
        bool at_accept = false;
        for (uint32_t i = 0; i < N; i++)
            at_accept |= r.sink->t_accept[i] == r.src->retry_t[j];
        assert_true(at_accept);
    }
    rig_fini(&r);
}

/* A refusal at delivery frees no room on the link, so it must not wake the initiator. */
static void test_link_no_retry_without_room(void **state)
{
    (void)state;
    enum { L = 100, D = 1000 };
    rig_t r;
    rig_init(&r, 3, 0, L, 1, 1, D);
    rig_run(&r);
    rig_check_complete(&r);
    assert_int_equal(r.sink->t_accept[0], L);
    assert_int_equal(r.sink->t_accept[1], L + D);
    assert_int_equal(r.sink->t_accept[2], L + 2 * D);
    /* sends refused for capacity at 0 and at L; retried at L and at L + D only */
    assert_int_equal(r.src->refused, 2);
    assert_int_equal(r.src->nretry, 2);
    assert_int_equal(r.src->retry_t[0], L);
    assert_int_equal(r.src->retry_t[1], L + D);
    assert_int_equal(r.src->t_send[1], L);
    assert_int_equal(r.src->t_send[2], L + D);
    /* the sink refused request 1 at 2L and request 2 at L + D + L */
    assert_int_equal(r.sink->refusals, 2);
    assert_int_equal(r.sink->refuse_t[0], 2 * L);
    assert_int_equal(r.sink->refuse_t[1], L + D + L);
    rig_fini(&r);
}

/* Random latencies, capacities, holding limits and gaps: nothing lost, duplicated or reordered. */
static void test_link_random_no_loss(void **state)
{
    (void)state;
    migsim_rng_t rng;
    migsim_rng_seed(&rng, 4242);
    static rig_t r;
    for (int round = 0; round < 40; round++) {
        uint32_t n = 200 + (uint32_t)migsim_rng_below(&rng, 1800);
        migsim_tick_t lat = round % 5 == 0 ? 0 : 1 + migsim_rng_below(&rng, 2000);
        uint32_t cap = 1 + (uint32_t)migsim_rng_below(&rng, 8);
        uint32_t k_max = 1 + (uint32_t)migsim_rng_below(&rng, 6);
        migsim_tick_t delay = migsim_rng_below(&rng, 500);
        migsim_tick_t gap = migsim_rng_below(&rng, 300);
        rig_init(&r, n, gap, lat, cap, k_max, delay);
        r.src->jitter = &rng;
        rig_run(&r);
        rig_check_complete(&r);
        for (uint32_t i = 0; i < n; i++) {
            assert_true(r.sink->t_accept[i] >= r.src->t_send[i] + lat);
            assert_int_equal(r.src->t_resp[i], r.sink->t_respond[i] + lat);
            if (lat)
                assert_int_equal(r.sink->t_arrive[i], r.src->t_send[i] + lat);
        }
        if (lat)
            assert_true(r.src->max_inflight_seen <= cap);
        rig_fini(&r);
    }
}

static void test_bind_errors(void **state)
{
    (void)state;
    migsim_kernel_t k;
    migsim_kernel_init(&k);
    migsim_port_t o1 = { .name = "o1", .dir = MIGSIM_PORT_OUT };
    migsim_port_t o2 = { .name = "o2", .dir = MIGSIM_PORT_OUT };
    migsim_port_t i1 = { .name = "i1", .dir = MIGSIM_PORT_IN };
    migsim_port_t i2 = { .name = "i2", .dir = MIGSIM_PORT_IN };
    migsim_link_t l;
    assert_int_equal(migsim_port_bind(&i1, &o1), MIGSIM_EINVAL);
    assert_int_equal(migsim_port_bind(&o1, &o2), MIGSIM_EINVAL);
    assert_null(o1.peer);
    assert_int_equal(migsim_port_bind_link(&l, &k, &o1, &i1, 0, 4), MIGSIM_EINVAL);
    assert_int_equal(migsim_port_bind_link(&l, &k, &o1, &i1, 10, 0), MIGSIM_EINVAL);
    assert_null(o1.peer);
    assert_int_equal(migsim_port_bind(&o1, &i1), 0);
    assert_int_equal(migsim_port_bind(&o2, &i1), MIGSIM_ESTATE);
    assert_int_equal(migsim_port_bind(&o1, &i2), MIGSIM_ESTATE);
    assert_null(o2.peer);
    assert_null(i2.peer);
    assert_int_equal(k.registered, 0);
    migsim_kernel_fini(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_latency_is_a_direct_call),
        cmocka_unit_test(test_zero_latency_refusal_and_retry),
        cmocka_unit_test(test_link_latency_exact),
        cmocka_unit_test(test_link_back_to_back_same_time),
        cmocka_unit_test(test_link_capacity_bounds_inflight),
        cmocka_unit_test(test_link_refusal_holds_head_until_retry),
        cmocka_unit_test(test_link_full_and_target_refusing),
        cmocka_unit_test(test_link_no_retry_without_room),
        cmocka_unit_test(test_link_random_no_loss),
        cmocka_unit_test(test_bind_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
