/*
 * kernel.c - the discrete-event kernel: a binary min-heap of intrusive events
 * keyed by (time, priority << 56 | sequence).
 *
 * Hot path: migsim_schedule() and the pop in the run loops, a few times per
 * simulated memory request. The heap array holds one slot per registered
 * event, so it never grows while running, and an event knows its own slot,
 * so rescheduling and cancelling are O(log n) without a search.
 */
#include "migsim/kernel.h"
#include "migsim/errors.h"

#include <assert.h>
#include <stdlib.h>

static inline bool ev_before(const migsim_event_t *a, const migsim_event_t *b)
{
    return migsim_kernel__before(a->when, a->order, b);
}


static inline void heap_put(migsim_kernel_t *k, uint32_t i, migsim_event_t *ev)
{
    k->heap[i] = ev;
    ev->heap_idx = i;
}

static void heap_up(migsim_kernel_t *k, uint32_t i, migsim_event_t *ev)
{
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        migsim_event_t *p = k->heap[parent];
        if (!ev_before(ev, p))
            break;
        heap_put(k, i, p);
        i = parent;
    }
    heap_put(k, i, ev);
}

static void heap_down(migsim_kernel_t *k, uint32_t i, migsim_event_t *ev)
{
    uint32_t n = k->count;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && ev_before(k->heap[c + 1], k->heap[c]))
            c++;
        if (!ev_before(k->heap[c], ev))
            break;
        heap_put(k, i, k->heap[c]);
        i = c;
    }
    heap_put(k, i, ev);
}

static void heap_remove(migsim_kernel_t *k, migsim_event_t *ev)
{
    uint32_t i = ev->heap_idx;
    migsim_event_t *last = k->heap[--k->count];
    ev->heap_idx = MIGSIM_EV_NOT_QUEUED;
    if (!(ev->flags & MIGSIM_EV_DAEMON))
        k->live--;
    if (last == ev)
        return;
    if (i > 0 && ev_before(last, k->heap[(i - 1) / 2]))
        heap_up(k, i, last);
    else
        heap_down(k, i, last);
}

int migsim_kernel_init(migsim_kernel_t *k)
{
    *k = (migsim_kernel_t){ 0 };
    return MIGSIM_OK;
}

void migsim_kernel_fini(migsim_kernel_t *k)
{
    for (uint32_t i = 0; i < k->count; i++)
        k->heap[i]->heap_idx = MIGSIM_EV_NOT_QUEUED;
    free(k->heap);
    k->heap = NULL;
    k->count = k->cap = k->registered = k->live = 0;
}

int migsim_event_init(migsim_kernel_t *k, migsim_event_t *ev, migsim_event_fn fn,
                      void *ctx, uint8_t prio, unsigned flags, const char *name)
{
    assert(fn != NULL);
    if (k->registered == k->cap) {
        uint32_t cap = k->cap ? 2 * k->cap : 64;
        migsim_event_t **h = realloc(k->heap, (size_t)cap * sizeof *h);
        if (!h)
            return migsim_error(MIGSIM_ENOMEM, "event heap: out of memory");
        k->heap = h;
        k->cap = cap;
    }
    k->registered++;
    *ev = (migsim_event_t){ .fn = fn, .ctx = ctx, .heap_idx = MIGSIM_EV_NOT_QUEUED,
                            .prio = prio, .flags = (uint8_t)flags, .name = name };
    return MIGSIM_OK;
}

void migsim_event_fini(migsim_kernel_t *k, migsim_event_t *ev)
{
    migsim_deschedule(k, ev);
    assert(k->registered > 0);
    k->registered--;
}

void migsim_schedule(migsim_kernel_t *k, migsim_event_t *ev, migsim_tick_t when)
{
    assert(when >= k->now);
    uint64_t order = migsim_kernel__order(k, ev);
    k->seq++;
    if (migsim_event_queued(ev)) {
        bool earlier = migsim_kernel__before(when, order, ev);
        ev->when = when;
        ev->order = order;
        if (earlier)
            heap_up(k, ev->heap_idx, ev);
        else
            heap_down(k, ev->heap_idx, ev);
        return;
    }
    assert(k->count < k->cap);
    ev->when = when;
    ev->order = order;
    if (!(ev->flags & MIGSIM_EV_DAEMON))
        k->live++;
    heap_up(k, k->count++, ev);
}

void migsim_deschedule(migsim_kernel_t *k, migsim_event_t *ev)
{
    if (migsim_event_queued(ev))
        heap_remove(k, ev);
}

/* Pop the first event, advance time to it and fire it. */
static inline void kernel_fire_first(migsim_kernel_t *k)
{
    migsim_event_t *ev = k->heap[0];
    k->now = ev->when;
    heap_remove(k, ev);
    k->fired++;
    ev->fn(ev);
}

uint64_t migsim_kernel_run_until(migsim_kernel_t *k, migsim_tick_t until)
{
    uint64_t start = k->fired;
    migsim_tick_t outer = k->run_limit;
    k->stop = false;
    k->run_limit = until;
    k->running++;
    while (k->count && k->heap[0]->when <= until && !k->stop)
        kernel_fire_first(k);
    k->running--;
    k->run_limit = outer;
    if (!k->stop && until > k->now && until != MIGSIM_TICK_MAX)
        k->now = until;
    return k->fired - start;
}

uint64_t migsim_kernel_run(migsim_kernel_t *k, migsim_tick_t limit)
{
    uint64_t start = k->fired;
    migsim_tick_t outer = k->run_limit;
    k->stop = false;
    k->run_limit = limit;
    k->running++;
    while (k->live && k->heap[0]->when <= limit && !k->stop)
        kernel_fire_first(k);
    k->running--;
    k->run_limit = outer;
    return k->fired - start;
}

