/*
 * test_kernel.c - tests of the discrete-event kernel (migsim/kernel.h).
 *
 * Directed tests pin down the documented order (time, priority, insertion
 * sequence), rescheduling as a new insertion, cancellation from every heap
 * position, daemon events, run_until and migsim_kernel_next. A differential
 * test runs one seeded random program (schedule, reschedule, deschedule,
 * run, run_until, callbacks that schedule and cancel other events) on the
 * real kernel and on a naive reference that scans an array for the smallest
 * (time, priority, sequence); the two firing logs must be identical. The
 * same harness run against two deliberately broken references must report
 * a mismatch, which shows that the comparison can fail. A last test checks
 * that scheduling never grows or moves the heap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migsim/kernel.h"
#include "migsim/rng.h"

/* ---- directed tests ------------------------------------------------------- */

#define LOG_MAX 64

/* An event that appends its id and the firing time to a shared log. */
typedef struct tev_s {
    migsim_event_t ev;
    int id;
    struct tlog_s *log;
    migsim_tick_t again_ps; /* > 0: reschedule itself this much later */
} tev_t;

typedef struct tlog_s {
    migsim_kernel_t *k;
    int n;
    int id[LOG_MAX];
    migsim_tick_t t[LOG_MAX];
} tlog_t;

static void tev_fire(migsim_event_t *ev)
{
    tev_t *e = ev->ctx;
    tlog_t *log = e->log;
    assert_true(log->n < LOG_MAX);
    log->id[log->n] = e->id;
    log->t[log->n] = log->k->now;
    log->n++;
    if (e->again_ps)
        migsim_schedule(log->k, &e->ev, log->k->now + e->again_ps);
}

static void tevs_init(migsim_kernel_t *k, tlog_t *log, tev_t *e, int n, const uint8_t *prio,
                      unsigned flags)
{
    *log = (tlog_t){ .k = k };
    for (int i = 0; i < n; i++) {
        e[i] = (tev_t){ .id = i, .log = log };
        assert_int_equal(migsim_event_init(k, &e[i].ev, tev_fire, &e[i], prio ? prio[i] : 0,
                                           flags, "test"), 0);
    }
}

static void assert_log(const tlog_t *log, const int *ids, int n)
{
    assert_int_equal(log->n, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(log->id[i], ids[i]);
}

static void test_equal_time_fires_in_schedule_order(void **state)
{
    (void)state;
    migsim_kernel_t k;
    migsim_kernel_init(&k);
    tlog_t log;
    tev_t e[8];
    tevs_init(&k, &log, e, 8, NULL, 0);
    static const int order[8] = { 3, 1, 4, 0, 7, 2, 6, 5 };
    for (int i = 0; i < 8; i++)
        migsim_schedule(&k, &e[order[i]].ev, 100);
    assert_int_equal(migsim_kernel_run(&k, MIGSIM_TICK_MAX), 8);
    assert_log(&log, order, 8);
    for (int i = 0; i < 8; i++)
        assert_int_equal(log.t[i], 100);
    assert_int_equal(k.now, 100);
    migsim_kernel_fini(&k);
}

static void test_priority_orders_before_sequence(void **state)
{
    (void)state;
    migsim_kernel_t k;
    migsim_kernel_init(&k);
    tlog_t log;
    tev_t e[5];
    /* e0 prio 9, e1 prio 2, e2 prio 0, e3 prio 2, e4 prio 200 */
    static const uint8_t prio[5] = { 9, 2, 0, 2, 200 };
    tevs_init(&k, &log, e, 5, prio, 0);
    migsim_schedule(&k, &e[0].ev, 50);
    migsim_schedule(&k, &e[1].ev, 50);
    migsim_schedule(&k, &e[2].ev, 50);
    migsim_schedule(&k, &e[3].ev, 50);
    /* time comes before priority: prio 200 at an earlier time fires first */
    migsim_schedule(&k, &e[4].ev, 49);
    migsim_kernel_run(&k, MIGSIM_TICK_MAX);
    static const int want[5] = { 4, 2, 1, 3, 0 };
    assert_log(&log, want, 5);
    migsim_kernel_fini(&k);
}

static void test_reschedule_is_a_new_insertion(void **state)
{
    (void)state;
    migsim_kernel_t k;
    migsim_kernel_init(&k);
    tlog_t log;
    tev_t e[4];
    tevs_init(&k, &log, e, 4, NULL, 0);
    for (int i = 0; i < 4; i++)
        migsim_schedule(&k, &e[i].ev, 10);
    /* same time again: e0 goes behind everything queued so far */
    migsim_schedule(&k, &e[0].ev, 10);
    /* e3 moves earlier: it now fires first */
    migsim_schedule(&k, &e[3].ev, 5);
    /* e1 moves later */
    migsim_schedule(&k, &e[1].ev, 20);
    assert_int_equal(k.count, 4);
    migsim_kernel_run(&k, MIGSIM_TICK_MAX);
    static const int want[4] = { 3, 2, 0, 1 };
    assert_log(&log, want, 4);
    assert_int_equal(log.t[0], 5);
    assert_int_equal(log.t[1], 10);
    assert_int_equal(log.t[2], 10);
    assert_int_equal(log.t[3], 20);
    assert_int_equal(k.fired, 4);
    migsim_kernel_fini(&k);
}

/* Every queued event is in the slot it records, and no child precedes its parent. */
static void assert_heap_ok(const migsim_kernel_t *k)
{
    for (uint32_t i = 0; i < k->count; i++) {
        const migsim_event_t *e = k->heap[i];
        assert_int_equal(e->heap_idx, i);
        if (i > 0) {
            const migsim_event_t *p = k->heap[(i - 1) / 2];
            assert_true(p->when < e->when || (p->when == e->when && p->order < e->order));
        }
    }
}

/*
 * Cancel the event in each heap slot in turn (head, every middle slot, last)
 * from heaps of several shapes; the others must fire in (time, order).
 */
static void test_deschedule_every_heap_slot(void **state)
{
    (void)state;
    enum { N = 15 };
    migsim_rng_t rng;
    migsim_rng_seed(&rng, 7);
    for (int round = 0; round < 20; round++) {
        for (uint32_t slot = 0; slot < N; slot++) {
            migsim_kernel_t k;
            migsim_kernel_init(&k);
            tlog_t log;
            tev_t e[N];
            tevs_init(&k, &log, e, N, NULL, 0);
            migsim_tick_t when[N];
            for (int i = 0; i < N; i++) {
                when[i] = 1 + migsim_rng_below(&rng, round < 10 ? 8 : 1000);
                migsim_schedule(&k, &e[i].ev, when[i]);
            }
            assert_heap_ok(&k);
            migsim_event_t *victim = k.heap[slot];
            int vid = ((tev_t *)victim->ctx)->id;
            migsim_deschedule(&k, victim);
            assert_false(migsim_event_queued(victim));
            assert_int_equal(k.count, N - 1);
            assert_int_equal(k.live, N - 1);
            assert_heap_ok(&k);
            /* descheduling an idle event is a no-op */
            migsim_deschedule(&k, victim);
            assert_int_equal(k.count, N - 1);
            migsim_kernel_run(&k, MIGSIM_TICK_MAX);
            assert_int_equal(log.n, N - 1);
            /* expected: ids by (time, schedule order = id) without the victim */
            int want[N], nw = 0;
            for (migsim_tick_t t = 0; t <= 1001; t++)
                for (int i = 0; i < N; i++)
                    if (i != vid && when[i] == t)
                        want[nw++] = i;
            assert_log(&log, want, nw);
            migsim_kernel_fini(&k);
        }
    }
}

static void test_daemon_does_not_keep_run_going(void **state)
{
    (void)state;
    migsim_kernel_t k;
    migsim_kernel_init(&k);
    tlog_t log;
    tev_t d, w;
    log = (tlog_t){ .k = &k };
    d = (tev_t){ .id = 0, .log = &log, .again_ps = 10 };
    w = (tev_t){ .id = 1, .log = &log };
    assert_int_equal(migsim_event_init(&k, &d.ev, tev_fire, &d, 0, MIGSIM_EV_DAEMON, "d"), 0);
    assert_int_equal(migsim_event_init(&k, &w.ev, tev_fire, &w, 0, 0, "w"), 0);

    /* only a daemon queued: run fires nothing */
    migsim_schedule(&k, &d.ev, 10);
    assert_int_equal(k.live, 0);
    assert_int_equal(migsim_kernel_run(&k, MIGSIM_TICK_MAX), 0);
    assert_int_equal(log.n, 0);

    /* a live event at 55: daemons at 10..50 fire, then the live one, then run stops */
    migsim_schedule(&k, &w.ev, 55);
    assert_int_equal(k.live, 1);
    assert_int_equal(migsim_kernel_run(&k, MIGSIM_TICK_MAX), 6);
    static const int want[6] = { 0, 0, 0, 0, 0, 1 };
    assert_log(&log, want, 6);
    assert_int_equal(log.t[4], 50);
    assert_int_equal(log.t[5], 55);
    assert_int_equal(k.now, 55);
    assert_true(migsim_event_queued(&d.ev));
    assert_int_equal(d.ev.when, 60);
    assert_int_equal(k.live, 0);

    /* run_until fires daemons too */
    assert_int_equal(migsim_kernel_run_until(&k, 80), 3);
    assert_int_equal(log.t[8], 80);

    /* cancelling a daemon does not disturb the live count */
    migsim_schedule(&k, &w.ev, 200);
    migsim_deschedule(&k, &d.ev);
    assert_int_equal(k.live, 1);
    migsim_deschedule(&k, &w.ev);
    assert_int_equal(k.live, 0);
    assert_int_equal(k.count, 0);

    /* a run limit stops a live event from firing */
    migsim_schedule(&k, &w.ev, 300);
    assert_int_equal(migsim_kernel_run(&k, 299), 0);
    assert_int_equal(k.now, 80);
    assert_int_equal(migsim_kernel_run(&k, 300), 1);
    assert_int_equal(k.now, 300);
    migsim_kernel_fini(&k);
}

/* Schedules its partner at the same time from inside its callback. */
static void chain_fire(migsim_event_t *ev)
{
    tev_t *e = ev->ctx;
    tev_fire(ev);
    if (e->id == 2) {
        tev_t *partner = e + 1;
        migsim_schedule(e->log->k, &partner->ev, e->log->k->now);
    }
}

static void test_run_until(void **state)
{
    (void)state;
    migsim_kernel_t k;
    migsim_kernel_init(&k);
    tlog_t log = { .k = &k };
    tev_t e[5];
    for (int i = 0; i < 5; i++) {
        e[i] = (tev_t){ .id = i, .log = &log };
        assert_int_equal(migsim_event_init(&k, &e[i].ev, chain_fire, &e[i], 0, 0, "e"), 0);
    }
    migsim_schedule(&k, &e[0].ev, 10);
    migsim_schedule(&k, &e[1].ev, 20);
    migsim_schedule(&k, &e[2].ev, 30);   /* schedules e3 at 30 */
    migsim_schedule(&k, &e[4].ev, 31);
    assert_int_equal(migsim_kernel_run_until(&k, 30), 4);
    static const int want[4] = { 0, 1, 2, 3 };
    assert_log(&log, want, 4);
    assert_int_equal(log.t[3], 30);
    assert_int_equal(k.now, 30);
    assert_int_equal(migsim_kernel_next(&k), 31);

    /* nothing due before 31: time still advances to the limit */
    assert_int_equal(migsim_kernel_run_until(&k, 30), 0);
    assert_int_equal(migsim_kernel_run_until(&k, 40), 1);
    assert_int_equal(log.t[4], 31);
    assert_int_equal(k.now, 40);
    assert_int_equal(migsim_kernel_next(&k), MIGSIM_TICK_MAX);

    /* empty queue */
    assert_int_equal(migsim_kernel_run_until(&k, 1000), 0);
    assert_int_equal(k.now, 1000);

    /* an event due exactly at the limit fires; one just after does not */
    migsim_schedule(&k, &e[0].ev, 1100);
    migsim_schedule(&k, &e[1].ev, 1101);
    assert_int_equal(migsim_kernel_run_until(&k, 1100), 1);
    assert_int_equal(k.now, 1100);
    assert_true(migsim_event_queued(&e[1].ev));
    migsim_kernel_fini(&k);
}

static void stop_fire(migsim_event_t *ev)
{
    tev_fire(ev);
    migsim_kernel_stop(((tev_t *)ev->ctx)->log->k);
}

static void test_stop(void **state)
{
    (void)state;
    migsim_kernel_t k;
    migsim_kernel_init(&k);
    tlog_t log = { .k = &k };
    tev_t a = { .id = 0, .log = &log }, b = { .id = 1, .log = &log };
    assert_int_equal(migsim_event_init(&k, &a.ev, stop_fire, &a, 0, 0, "a"), 0);
    assert_int_equal(migsim_event_init(&k, &b.ev, tev_fire, &b, 0, 0, "b"), 0);
    migsim_schedule(&k, &a.ev, 10);
    migsim_schedule(&k, &b.ev, 20);
    assert_int_equal(migsim_kernel_run_until(&k, 100), 1);
    assert_int_equal(k.now, 10);
    assert_int_equal(migsim_kernel_run(&k, MIGSIM_TICK_MAX), 1);
    assert_int_equal(k.now, 20);
    assert_log(&log, (const int[]){ 0, 1 }, 2);
    migsim_kernel_fini(&k);
}

static void test_kernel_next(void **state)
{
    (void)state;
    migsim_kernel_t k;
    migsim_kernel_init(&k);
    tlog_t log;
    tev_t e[3];
    tevs_init(&k, &log, e, 3, NULL, 0);
    assert_int_equal(migsim_kernel_next(&k), MIGSIM_TICK_MAX);
    migsim_schedule(&k, &e[0].ev, 500);
    assert_int_equal(migsim_kernel_next(&k), 500);
    migsim_schedule(&k, &e[1].ev, 300);
    assert_int_equal(migsim_kernel_next(&k), 300);
    migsim_schedule(&k, &e[2].ev, 400);
    assert_int_equal(migsim_kernel_next(&k), 300);
    migsim_deschedule(&k, &e[1].ev);
    assert_int_equal(migsim_kernel_next(&k), 400);
    migsim_schedule(&k, &e[2].ev, 600);
    assert_int_equal(migsim_kernel_next(&k), 500);
    migsim_deschedule(&k, &e[0].ev);
    migsim_deschedule(&k, &e[2].ev);
    assert_int_equal(migsim_kernel_next(&k), MIGSIM_TICK_MAX);
    /* event_fini of a queued event takes it out of the queue */
    migsim_schedule(&k, &e[0].ev, 700);
    migsim_event_fini(&k, &e[0].ev);
    assert_int_equal(migsim_kernel_next(&k), MIGSIM_TICK_MAX);
    assert_int_equal(k.live, 0);
    assert_int_equal(k.registered, 2);
    migsim_kernel_fini(&k);
}

/* ---- differential test against a naive reference ------------------------- */

#define PN 200           /* events in the random program */
#define POPS 100000      /* top-level operations */

typedef enum ref_mode_e {
    REF_REAL,            /* not the reference: the real kernel */
    REF_OK,              /* linear scan for the least (time, prio, seq) */
    REF_NO_SEQ,          /* planted bug: equal (time, prio) broken by event id */
    REF_LIFO,            /* planted bug: equal (time, prio) fire newest first */
} ref_mode_t;

typedef struct fire_s {
    uint32_t id;
    migsim_tick_t t;
} fire_t;

typedef struct prog_s {
    ref_mode_t mode;
    migsim_rng_t rng;        /* drives callbacks: consumed identically while logs agree */
    /* real kernel */
    migsim_kernel_t k;
    migsim_event_t ev[PN];
    /* reference */
    migsim_tick_t now;
    uint64_t seq;
    bool queued[PN];
    migsim_tick_t when[PN];
    uint64_t rseq[PN];
    uint8_t prio[PN];
    bool daemon[PN];
    uint32_t live, count;
    /* firing log */
    fire_t *log;
    size_t nlog, caplog;
} prog_t;

static void prog_log(prog_t *p, uint32_t id)
{
    if (p->nlog == p->caplog) {
        p->caplog = p->caplog ? 2 * p->caplog : 65536;
        p->log = realloc(p->log, p->caplog * sizeof *p->log);
        assert_non_null(p->log);
    }
    p->log[p->nlog++] = (fire_t){ id, p->mode == REF_REAL ? p->k.now : p->now };
}

static migsim_tick_t prog_now(const prog_t *p)
{
    return p->mode == REF_REAL ? p->k.now : p->now;
}

static void prog_schedule(prog_t *p, uint32_t id, migsim_tick_t when)
{
    if (p->mode == REF_REAL) {
        migsim_schedule(&p->k, &p->ev[id], when);
        return;
    }
    if (!p->queued[id]) {
        p->queued[id] = true;
        p->count++;
        if (!p->daemon[id])
            p->live++;
    }
    p->when[id] = when;
    p->rseq[id] = p->seq++;
}

static void prog_deschedule(prog_t *p, uint32_t id)
{
    if (p->mode == REF_REAL) {
        migsim_deschedule(&p->k, &p->ev[id]);
        return;
    }
    if (p->queued[id]) {
        p->queued[id] = false;
        p->count--;
        if (!p->daemon[id])
            p->live--;
    }
}

/* Does reference event a fire before b? */
static bool ref_before(const prog_t *p, uint32_t a, uint32_t b)
{
    if (p->when[a] != p->when[b])
        return p->when[a] < p->when[b];
    if (p->prio[a] != p->prio[b])
        return p->prio[a] < p->prio[b];
    switch (p->mode) {
    case REF_NO_SEQ: return a < b;
    case REF_LIFO:   return p->rseq[a] > p->rseq[b];
    default:         return p->rseq[a] < p->rseq[b];
    }
}

/* The reference's next event, or -1. */
static int ref_first(const prog_t *p)
{
    int best = -1;
    for (uint32_t i = 0; i < PN; i++)
        if (p->queued[i] && (best < 0 || ref_before(p, i, (uint32_t)best)))
            best = (int)i;
    return best;
}

static migsim_tick_t prog_next(const prog_t *p)
{
    if (p->mode == REF_REAL)
        return migsim_kernel_next(&p->k);
    int f = ref_first(p);
    return f < 0 ? MIGSIM_TICK_MAX : p->when[f];
}

static migsim_tick_t prog_delay(prog_t *p)
{
    switch (migsim_rng_below(&p->rng, 4)) {
    case 0:  return 0;
    case 1:  return migsim_rng_below(&p->rng, 3);
    case 2:  return 10 * migsim_rng_below(&p->rng, 4);
    default: return migsim_rng_below(&p->rng, 1000);
    }
}

/* What an event does when it fires: shared by the kernel and the reference. */
static void prog_on_fire(prog_t *p, uint32_t id)
{
    prog_log(p, id);
    uint64_t r = migsim_rng_below(&p->rng, 20);
    if (r < 4) {            /* schedule (or move) another event */
        uint32_t j = (uint32_t)migsim_rng_below(&p->rng, PN);
        prog_schedule(p, j, prog_now(p) + prog_delay(p));
    } else if (r < 6) {     /* cancel another event */
        prog_deschedule(p, (uint32_t)migsim_rng_below(&p->rng, PN));
    } else if (r < 8) {     /* reschedule itself */
        prog_schedule(p, id, prog_now(p) + prog_delay(p));
    }
}

static void prog_kernel_fire(migsim_event_t *ev)
{
    prog_t *p = ev->ctx;
    prog_on_fire(p, (uint32_t)(ev - p->ev));
}

static void ref_fire_first(prog_t *p, int f)
{
    p->now = p->when[f];
    prog_deschedule(p, (uint32_t)f);
    prog_on_fire(p, (uint32_t)f);
}

static uint64_t prog_run_until(prog_t *p, migsim_tick_t until)
{
    if (p->mode == REF_REAL)
        return migsim_kernel_run_until(&p->k, until);
    uint64_t n = 0;
    int f;
    while ((f = ref_first(p)) >= 0 && p->when[f] <= until) {
        ref_fire_first(p, f);
        n++;
    }
    if (until > p->now && until != MIGSIM_TICK_MAX)
        p->now = until;
    return n;
}

static uint64_t prog_run(prog_t *p, migsim_tick_t limit)
{
    if (p->mode == REF_REAL)
        return migsim_kernel_run(&p->k, limit);
    uint64_t n = 0;
    int f;
    while (p->live && (f = ref_first(p)) >= 0 && p->when[f] <= limit) {
        ref_fire_first(p, f);
        n++;
    }
    return n;
}

/*
 * The random program. The top level draws from `top` (its own generator) so
 * that the sequence of operations does not depend on what fired; callbacks
 * draw from p->rng. Returns the number of events fired.
 */
static void prog_setup(prog_t *p, ref_mode_t mode, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    p->mode = mode;
    migsim_rng_seed(&p->rng, seed ^ 0x5eed);
    migsim_rng_t attr;
    migsim_rng_seed(&attr, seed);
    migsim_kernel_init(&p->k);
    for (uint32_t i = 0; i < PN; i++) {
        p->prio[i] = (uint8_t)migsim_rng_below(&attr, 4);
        p->daemon[i] = migsim_rng_below(&attr, 8) == 0;
        if (mode == REF_REAL)
            assert_int_equal(migsim_event_init(&p->k, &p->ev[i], prog_kernel_fire, p, p->prio[i],
                                               p->daemon[i] ? MIGSIM_EV_DAEMON : 0, "prog"), 0);
    }
}

/* Runs the program; on the real kernel, also checks the heap as it goes. */
static void prog_execute(prog_t *p, uint64_t seed, uint64_t *sum_out)
{
    migsim_rng_t top;
    migsim_rng_seed(&top, seed * 31 + 1);
    uint64_t sum = 0; /* fold of run results, queue states and next times */
    for (uint32_t op = 0; op < POPS; op++) {
        uint64_t r = migsim_rng_below(&top, 100);
        uint32_t id = (uint32_t)migsim_rng_below(&top, PN);
        uint64_t x = migsim_rng_below(&top, 1000);
        migsim_tick_t now = prog_now(p);
        if (r < 45) {
            migsim_tick_t d = x < 250 ? 0 : x < 500 ? x % 3 : x < 750 ? 10 * (x % 4) : x;
            prog_schedule(p, id, now + d);
        } else if (r < 60) {
            prog_deschedule(p, id);
        } else if (r < 90) {
            sum = sum * 3 + prog_run_until(p, now + x / 2);
        } else if (r < 98) {
            sum = sum * 5 + prog_run(p, now + x);
        } else {
            sum = sum * 7 + prog_run(p, MIGSIM_TICK_MAX);
        }
        sum = sum * 11 + prog_next(p) + prog_now(p);
        if (p->mode == REF_REAL) {
            sum = sum * 13 + p->k.count + p->k.live;
            if ((op & 1023) == 0)
                assert_heap_ok(&p->k);
        } else {
            sum = sum * 13 + p->count + p->live;
        }
    }
    sum = sum * 3 + prog_run_until(p, MIGSIM_TICK_MAX - 1);
    *sum_out = sum;
}

static void prog_free(prog_t *p)
{
    migsim_kernel_fini(&p->k);
    free(p->log);
    p->log = NULL;
}

/* Index of the first difference between the logs, or -1 when identical. */
static long logs_diff(const prog_t *a, const prog_t *b)
{
    size_t n = a->nlog < b->nlog ? a->nlog : b->nlog;
    for (size_t i = 0; i < n; i++)
        if (a->log[i].id != b->log[i].id || a->log[i].t != b->log[i].t)
            return (long)i;
    return a->nlog == b->nlog ? -1 : (long)n;
}

/* Run the program on the kernel and on the reference in `mode`; first mismatch or -1. */
static long differential(ref_mode_t mode, uint64_t seed, size_t *fired)
{
    static prog_t real, ref; /* large: keep off the stack */
    uint64_t sum_real, sum_ref;
    prog_setup(&real, REF_REAL, seed);
    prog_execute(&real, seed, &sum_real);
    prog_setup(&ref, mode, seed);
    prog_execute(&ref, seed, &sum_ref);
    long d = logs_diff(&real, &ref);
    if (d < 0 && sum_real != sum_ref)
        d = (long)real.nlog;
    if (d >= 0 && mode == REF_OK) {
        print_message("seed %" PRIu64 ": first mismatch at firing %ld of %zu/%zu\n", seed, d,
                      real.nlog, ref.nlog);
        if ((size_t)d < real.nlog && (size_t)d < ref.nlog)
            print_message("kernel fired %u at %" PRIu64 ", reference %u at %" PRIu64 "\n",
                          real.log[d].id, real.log[d].t, ref.log[d].id, ref.log[d].t);
    }
    *fired = real.nlog;
    prog_free(&real);
    prog_free(&ref);
    return d;
}

static void test_differential_random_program(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        size_t fired;
        assert_int_equal(differential(REF_OK, seed, &fired), -1);
        /* the program must actually exercise the kernel */
        assert_true(fired > 50000);
    }
}

static void test_differential_catches_planted_bugs(void **state)
{
    (void)state;
    size_t fired;
    assert_true(differential(REF_NO_SEQ, 1, &fired) >= 0);
    assert_true(differential(REF_LIFO, 1, &fired) >= 0);
}

/* ---- no allocation while scheduling -------------------------------------- */

/*
 * migsim_kernel_continue: events that fire again at a random later time
 * (often the same time, with random priorities) either reschedule
 * themselves or, in the second mode, take the next firing in place
 * whenever the kernel allows. Both modes must fire the same events at the
 * same times in the same order, with the same count, also when the run is
 * cut into slices by migsim_kernel_run_until; the second mode must have
 * continued in place many times.
 */
#define CONT_N 12
#define CONT_FIRES 4000

typedef struct cont_s {
    migsim_kernel_t k;
    migsim_event_t ev[CONT_N];
    migsim_rng_t rng[CONT_N];
    int left[CONT_N];
    bool in_place;
    migsim_tick_t limit;      /* the running slice's end: nothing may fire after it */
    int n, continued;
    int id[CONT_FIRES];
    migsim_tick_t t[CONT_FIRES];
} cont_t;

static migsim_tick_t cont_log(cont_t *c, int i)
{
    assert_true(c->n < CONT_FIRES);
    assert_true(c->k.now <= c->limit);
    c->id[c->n] = i;
    c->t[c->n++] = c->k.now;
    c->left[i]--;
    return c->k.now + migsim_rng_below(&c->rng[i], 4) * 1000;
}

static void cont_fire(migsim_event_t *ev)
{
    cont_t *c = ev->ctx;
    int i = (int)(ev - c->ev);
    migsim_tick_t next = cont_log(c, i);
    while (c->in_place && c->left[i] > 0 && migsim_kernel_continue(&c->k, ev, next)) {
        c->continued++;
        next = cont_log(c, i);
    }
    if (c->left[i] > 0)
        migsim_schedule(&c->k, ev, next);
}

static void cont_run(cont_t *c, bool in_place, bool sliced)
{
    memset(c, 0, sizeof *c);
    c->in_place = in_place;
    migsim_kernel_init(&c->k);
    for (int i = 0; i < CONT_N; i++) {
        migsim_rng_seed(&c->rng[i], 100 + (uint64_t)i);
        c->left[i] = CONT_FIRES / CONT_N - 1;
        assert_int_equal(migsim_event_init(&c->k, &c->ev[i], cont_fire, c, (uint8_t)(i % 3), 0,
                                           "cont"), 0);
        migsim_schedule(&c->k, &c->ev[i], (migsim_tick_t)(i % 4) * 1000);
    }
    if (sliced) {
        while (c->k.count) {
            c->limit = c->k.now + 2500;
            migsim_kernel_run_until(&c->k, c->limit);
        }
    } else {
        c->limit = MIGSIM_TICK_MAX;
        migsim_kernel_run(&c->k, MIGSIM_TICK_MAX);
    }
    /* outside a run nothing continues */
    assert_false(migsim_kernel_continue(&c->k, &c->ev[0], c->k.now));
}

static void test_continue_in_place(void **state)
{
    (void)state;
    cont_t *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    for (int sliced = 0; sliced < 2; sliced++) {
        cont_run(a, false, sliced);
        cont_run(b, true, sliced);
        assert_int_equal(a->n, b->n);
        assert_int_equal(a->k.fired, b->k.fired);
        assert_memory_equal(a->id, b->id, sizeof a->id);
        assert_memory_equal(a->t, b->t, sizeof a->t);
        assert_true(b->continued > 100);
        migsim_kernel_fini(&a->k);
        migsim_kernel_fini(&b->k);
    }
    free(a);
    free(b);
}

static void noop_fire(migsim_event_t *ev) { (void)ev; }

static void test_schedule_never_allocates(void **state)
{
    (void)state;
    enum { N = 300 };
    static migsim_event_t ev[N];
    migsim_kernel_t k;
    migsim_kernel_init(&k);
    for (int i = 0; i < N; i++)
        assert_int_equal(migsim_event_init(&k, &ev[i], noop_fire, NULL, (uint8_t)(i % 3), 0, "n"), 0);
    assert_true(k.cap >= N);
    uint32_t cap = k.cap;
    migsim_event_t **heap = k.heap;
    migsim_rng_t rng;
    migsim_rng_seed(&rng, 99);
    for (int op = 0; op < 100000; op++) {
        migsim_event_t *e = &ev[migsim_rng_below(&rng, N)];
        uint64_t r = migsim_rng_below(&rng, 10);
        if (r < 7)
            migsim_schedule(&k, e, k.now + migsim_rng_below(&rng, 50));
        else if (r < 9)
            migsim_deschedule(&k, e);
        else
            migsim_kernel_run_until(&k, k.now + migsim_rng_below(&rng, 20));
        assert_true(k.count <= N);
    }
    /* every event queued at once still fits */
    for (int i = 0; i < N; i++)
        migsim_schedule(&k, &ev[i], k.now + 1);
    assert_int_equal(k.count, N);
    assert_int_equal(k.cap, cap);
    assert_ptr_equal(k.heap, heap);
    assert_heap_ok(&k);
    migsim_kernel_fini(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_time_fires_in_schedule_order),
        cmocka_unit_test(test_priority_orders_before_sequence),
        cmocka_unit_test(test_reschedule_is_a_new_insertion),
        cmocka_unit_test(test_deschedule_every_heap_slot),
        cmocka_unit_test(test_daemon_does_not_keep_run_going),
        cmocka_unit_test(test_run_until),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_kernel_next),
        cmocka_unit_test(test_differential_random_program),
        cmocka_unit_test(test_differential_catches_planted_bugs),
        cmocka_unit_test(test_schedule_never_allocates),
        cmocka_unit_test(test_continue_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
