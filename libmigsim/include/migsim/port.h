/*
 * migsim/port.h - ports and links: how components talk.
 *
 * An initiator's OUT port is bound to a target's IN port by a link. The
 * initiator calls migsim_port_send(): the target accepts (0, ownership
 * moves) or refuses (MIGSIM_EBUSY); after a refusal the target must later
 * call migsim_port_retry() on its IN port, which calls the initiator's
 * retry callback. The target answers with migsim_port_respond(), which
 * calls the initiator's response callback; responses are never refused.
 *
 * Latency belongs to the link, from the configuration; models never add
 * wire delay themselves. A zero-latency link is a direct call. A link with
 * latency L delivers each request L ps after it was sent and each response
 * L ps after it was produced, in order; it holds at most `capacity`
 * requests in flight (send returns MIGSIM_EBUSY beyond that) and, when the
 * target refuses a request on delivery, holds it (and those behind it) until
 * the target calls retry.
 */
#ifndef MIGSIM_PORT_H
#define MIGSIM_PORT_H

#include <stdint.h>

#include "migsim/kernel.h"
#include "migsim/req.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct migsim_port_s migsim_port_t;
typedef struct migsim_link_s migsim_link_t;
struct migsim_comp_s;

typedef enum migsim_port_dir_e {
    MIGSIM_PORT_OUT = 0,  /* initiator: sends requests, takes responses */
    MIGSIM_PORT_IN  = 1,  /* target: takes requests, sends responses */
} migsim_port_dir_t;

/* Target side: take `req` (return 0) or refuse it (return MIGSIM_EBUSY). */
typedef int (*migsim_recv_fn)(migsim_port_t *self, migsim_req_t *req);
/* Initiator side: `req` has completed; ownership is back with the initiator. */
typedef void (*migsim_resp_fn)(migsim_port_t *self, migsim_req_t *req);
/*
 * Initiator side: a target that refused may accept now. The initiator may
 * send from inside this callback; targets call migsim_port_retry() only
 * where their own state is consistent (e.g. at the end of an event).
 */
typedef void (*migsim_retry_fn)(migsim_port_t *self);

struct migsim_port_s {
    const char *name;              /* borrowed (the component's port table) */
    struct migsim_comp_s *owner;   /* borrowed: component holding the port */
    migsim_port_t *peer;           /* borrowed: bound port, NULL while unbound */
    migsim_link_t *link;           /* borrowed (owned by the sim): NULL for zero latency */
    migsim_recv_fn recv;           /* IN ports */
    migsim_resp_fn resp;           /* OUT ports */
    migsim_retry_fn retry;         /* OUT ports */
    uint8_t dir;                   /* migsim_port_dir_t */
    uint8_t external;              /* bound by the embedding program (sim.external_ports) */
};

struct migsim_link_s {
    migsim_port_t *out;            /* borrowed: initiator's port */
    migsim_port_t *in;             /* borrowed: target's port */
    migsim_kernel_t *k;            /* borrowed */
    migsim_tick_t latency_ps;      /* one-way delay, > 0 */
    uint32_t capacity;             /* requests in flight on the link, >= 1 */
    uint32_t inflight;             /* requests sent and not yet accepted */
    uint8_t target_blocked;        /* target refused the head; waiting for retry */
    uint8_t initiator_waiting;     /* a send was refused for capacity */
    migsim_req_t *req_head, *req_tail;   /* requests on the wire, in order */
    migsim_req_t *resp_head, *resp_tail; /* responses on the wire, in order */
    migsim_event_t req_ev;         /* delivers the head request */
    migsim_event_t resp_ev;        /* delivers the head response */
};

/* Send a request from an OUT port. 0 (ownership moves) or MIGSIM_EBUSY. */
static inline int migsim_port_send(migsim_port_t *out, migsim_req_t *req);
/* Respond on an IN port; the initiator gets the request back. */
static inline void migsim_port_respond(migsim_port_t *in, migsim_req_t *req);
/* From an IN port that refused: tell the initiator it may send again. */
static inline void migsim_port_retry(migsim_port_t *in);

/* Link internals used by the inline functions. */
int migsim_link__send(migsim_link_t *l, migsim_req_t *req);
void migsim_link__respond(migsim_link_t *l, migsim_req_t *req);
void migsim_link__retry(migsim_link_t *l);

/* Bind `out` to `in` directly (zero latency). Both must be unbound. */
int migsim_port_bind(migsim_port_t *out, migsim_port_t *in);

/*
 * Bind through a delay link owned by the caller (the sim allocates it).
 * latency_ps > 0, capacity >= 1. Registers the link's events with `k`.
 */
int migsim_port_bind_link(migsim_link_t *l, migsim_kernel_t *k, migsim_port_t *out,
                          migsim_port_t *in, migsim_tick_t latency_ps, uint32_t capacity);
void migsim_link_fini(migsim_link_t *l);

static inline int migsim_port_send(migsim_port_t *out, migsim_req_t *req)
{
    if (out->link)
        return migsim_link__send(out->link, req);
    return out->peer->recv(out->peer, req);
}

static inline void migsim_port_respond(migsim_port_t *in, migsim_req_t *req)
{
    if (in->link)
        migsim_link__respond(in->link, req);
    else
        in->peer->resp(in->peer, req);
}

static inline void migsim_port_retry(migsim_port_t *in)
{
    if (in->link)
        migsim_link__retry(in->link);
    else if (in->peer->retry)
        in->peer->retry(in->peer);
}

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_PORT_H */
