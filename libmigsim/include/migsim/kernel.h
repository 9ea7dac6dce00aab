/*
 * migsim/kernel.h - the discrete-event kernel.
 *
 * Events are intrusive: a component embeds migsim_event_t in its own state
 * and registers it once with migsim_event_init(). Registration reserves a
 * heap slot, so scheduling never allocates. Events fire in the total order
 * (time, priority, insertion sequence): equal-time events of equal priority
 * fire in the order they were scheduled, and rescheduling counts as a new
 * insertion. Nothing is ticked: a component with no work has no event.
 *
 * An event may be a daemon (MIGSIM_EV_DAEMON): it fires like any other but
 * does not keep migsim_kernel_run() going, so periodic sampling stops when
 * the simulated system goes idle.
 *
 * Two entry points let an outside scheduler (a SystemC process) drive the
 * kernel: migsim_kernel_next() gives the time of the next event, and
 * migsim_kernel_run_until() fires everything due up to a time.
 */
#ifndef MIGSIM_KERNEL_H
#define MIGSIM_KERNEL_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "migsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct migsim_event_s migsim_event_t;
typedef struct migsim_kernel_s migsim_kernel_t;

/* Event callback. `ev->ctx` is the pointer given at init. */
typedef void (*migsim_event_fn)(migsim_event_t *ev);

#define MIGSIM_EV_DAEMON 0x1u  /* does not keep migsim_kernel_run() alive */

#define MIGSIM_EV_NOT_QUEUED UINT32_MAX

struct migsim_event_s {
    migsim_tick_t when;    /* firing time, ps; valid while queued */
    uint64_t order;        /* priority << 56 | insertion sequence; valid while queued */
    migsim_event_fn fn;    /* callback, never NULL */
    void *ctx;             /* borrowed: the owner's state */
    uint32_t heap_idx;     /* slot in the heap, MIGSIM_EV_NOT_QUEUED when idle */
    uint8_t prio;          /* 0 fires first among equal times */
    uint8_t flags;         /* MIGSIM_EV_* */
    const char *name;      /* borrowed, static: for traces and diagnostics */
};

struct migsim_kernel_s {
    migsim_tick_t now;       /* current time, ps */
    uint64_t seq;            /* next insertion sequence number (< 2^56) */
    migsim_event_t **heap;   /* owned: binary min-heap of queued events */
    uint32_t count;          /* queued events */
    uint32_t cap;            /* heap capacity = registered events */
    uint32_t registered;     /* events registered with migsim_event_init */
    uint32_t live;           /* queued events that are not daemons */
    uint64_t fired;          /* events fired since init */
    migsim_tick_t run_limit; /* last time the running migsim_kernel_run*() may fire at */
    uint32_t running;        /* migsim_kernel_run*() calls in progress (they may nest) */
    bool stop;               /* set by migsim_kernel_stop(); cleared by run */
};

/* Initialise an empty kernel at time 0. Returns 0. */
int migsim_kernel_init(migsim_kernel_t *k);

/* Release the heap. Events stay owned by their components. */
void migsim_kernel_fini(migsim_kernel_t *k);

/*
 * Register an event with a kernel. May allocate (heap growth); after this,
 * scheduling the event never allocates. Returns 0 or MIGSIM_ENOMEM.
 */
int migsim_event_init(migsim_kernel_t *k, migsim_event_t *ev, migsim_event_fn fn,
                      void *ctx, uint8_t prio, unsigned flags, const char *name);

/* Unregister an event (descheduling it first if queued). */
void migsim_event_fini(migsim_kernel_t *k, migsim_event_t *ev);

/* Internal (kernel.c and the inline functions below): the order `ev` gets if inserted now. */
#define MIGSIM_KERNEL__SEQ_MASK ((UINT64_C(1) << 56) - 1)
static inline uint64_t migsim_kernel__order(const migsim_kernel_t *k, const migsim_event_t *ev)
{
    return ((uint64_t)ev->prio << 56) | (k->seq & MIGSIM_KERNEL__SEQ_MASK);
}

/* Internal: true when (when, order) fires before event b. */
static inline bool migsim_kernel__before(migsim_tick_t when, uint64_t order,
                                         const migsim_event_t *b)
{
    return when < b->when || (when == b->when && order < b->order);
}

/* True while the event is queued. */
static inline bool migsim_event_queued(const migsim_event_t *ev)
{
    return ev->heap_idx != MIGSIM_EV_NOT_QUEUED;
}

/*
 * Queue `ev` to fire at `when` (>= now; earlier is an invariant violation
 * and asserts). A queued event is moved; it then orders as a new insertion.
 */
void migsim_schedule(migsim_kernel_t *k, migsim_event_t *ev, migsim_tick_t when);

/* Remove `ev` from the queue if it is queued. */
void migsim_deschedule(migsim_kernel_t *k, migsim_event_t *ev);

/* Time of the next queued event, MIGSIM_TICK_MAX when none. */
static inline migsim_tick_t migsim_kernel_next(const migsim_kernel_t *k)
{
    return k->count ? k->heap[0]->when : MIGSIM_TICK_MAX;
}

/*
 * Fire, in order, every event due at or before `until` (daemons included);
 * then set now = until (unless stopped early). Returns the number fired.
 */
uint64_t migsim_kernel_run_until(migsim_kernel_t *k, migsim_tick_t until);

/*
 * Fire events in order until no live (non-daemon) event is queued, the next
 * event lies after `limit`, or migsim_kernel_stop() is called. `now` stays
 * at the last event fired. Returns the number fired.
 */
uint64_t migsim_kernel_run(migsim_kernel_t *k, migsim_tick_t limit);

/*
 * Fire `ev` again at `when` without going through the queue, when that is
 * what the kernel would do next: called from ev's own callback (ev idle,
 * not a daemon), it returns true, with now = when and the event counted as
 * fired, if a run is in progress whose limit allows `when` and ev scheduled
 * at `when` would come before every queued event; the caller then runs its
 * body again. Otherwise it returns false and changes nothing (the caller
 * schedules ev as usual). The order of events and every statistic are the
 * same either way; only the queue operations are saved.
 */
static inline bool migsim_kernel_continue(migsim_kernel_t *k, migsim_event_t *ev,
                                          migsim_tick_t when)
{
    assert(when >= k->now);
    if (!k->running || k->stop || when > k->run_limit || migsim_event_queued(ev) ||
        (ev->flags & MIGSIM_EV_DAEMON))
        return false;
    /* the order it would get as a new insertion: it must precede the queue's head */
    uint64_t order = migsim_kernel__order(k, ev);
    if (k->count && !migsim_kernel__before(when, order, k->heap[0]))
        return false;
    k->seq++;
    ev->when = when;
    ev->order = order;
    k->now = when;
    k->fired++;
    return true;
}

/* Make the running migsim_kernel_run*() return after the current event. */
static inline void migsim_kernel_stop(migsim_kernel_t *k) { k->stop = true; }

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_KERNEL_H */
