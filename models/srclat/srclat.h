/*
 * srclat.h - what a request source (trace player, DMA device) measures of its
 * requests' latency: from the request's t_issue to its response, in total and
 * per migration phase. A DMA device stamps t_issue with its record's arrival
 * at the device (so time waiting in the device counts); the trace player with
 * the time it issues the request.
 *
 * A response with a fault status (req->status != 0: an I/O page fault, a
 * page walk that read an error) counts in `done` and in `faulted`, and in no
 * latency figure: its time measures how fast the fault was reported, not an
 * access to memory. The sum, maximum, average and per-phase histograms are of
 * the responses without a fault (done - faulted of them).
 *
 * The phase is the simulation's phase when the response arrives
 * (migsim_sim_phase). The histograms resolve 1 ps and bound the percentile
 * error up to 2^42 ps (hist.h).
 */
#ifndef MIGSIM_MODELS_SRCLAT_H
#define MIGSIM_MODELS_SRCLAT_H

#include <assert.h>
#include <stdint.h>

#include "migsim/component.h"
#include "migsim/hist.h"
#include "migsim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct srclat_s {
    uint64_t done;                 /* responses received, faulted ones included */
    uint64_t faulted;              /* responses with a fault status (in no latency figure) */
    uint64_t sum_ps, max_ps;       /* t_issue to response, responses without a fault */
    uint64_t last_done_ps;         /* time of the last response */
    double avg_ns;                 /* sum_ps / (done - faulted), by srclat_finalize */
    migsim_hist_t hist[MIGSIM_PHASES]; /* owned buckets, per phase; .count = completed_*_reqs */
    double phase_ns[MIGSIM_PHASES][MIGSIM_HIST_SUMMARY]; /* avg, p50, p99, max, ns; NAN when
                                                            none completed */
} srclat_t;

/* Allocate the histograms. 0 or MIGSIM_ENOMEM; srclat_fini is safe either way. */
int srclat_init(srclat_t *l);
void srclat_fini(srclat_t *l);

/*
 * A response arrived at `now` for a request issued at `issued`, with the
 * request's status (0 = performed; otherwise a fault, counted apart).
 */
static inline void srclat_record(srclat_t *l, migsim_sim_t *sim, migsim_tick_t now,
                                 migsim_tick_t issued, int32_t status)
{
    if (status != 0) {
        l->faulted++;
        l->done++;
        l->last_done_ps = now;
        return;
    }
    uint64_t lat = now - issued;
    l->sum_ps += lat;
    if (lat > l->max_ps)
        l->max_ps = lat;
    l->done++;
    l->last_done_ps = now;
    int phase = migsim_sim_phase(sim);
    assert(phase >= 0 && phase < MIGSIM_PHASES);
    migsim_hist_record(&l->hist[phase], lat);
}

/* Averages and per-phase summaries, for finalize_stats. */
void srclat_finalize(srclat_t *l);

/* The error of srclat_due (out of line: it never happens in a valid trace). */
int srclat_due_error(const migsim_comp_t *c, const char *trace, uint64_t rec, migsim_tick_t base,
                     uint64_t delta);

/*
 * When a trace record of a source is due: base + delta ps (base: start_ps
 * for absolute times, the previous record's time for gaps), never before
 * start. Returns 0, or a MIGSIM_EINVAL naming the component, its trace and
 * the record (index from 0 in the file) when the sum is past the last tick
 * (MIGSIM_TICK_MAX means "never").
 */
static inline int srclat_due(const migsim_comp_t *c, const char *trace, uint64_t rec,
                             migsim_tick_t base, uint64_t delta, migsim_tick_t start,
                             migsim_tick_t *due)
{
    if (delta >= MIGSIM_TICK_MAX - base)
        return srclat_due_error(c, trace, rec, base, delta);
    *due = base + delta < start ? start : base + delta;
    return 0;
}

/*
 * The per-phase statistics of a srclat_t member `m` of component type T, for
 * phase name `ph` ("before", "during", "after") and index `i`: responses, and
 * latency avg/p50/p99/max (null when none).
 */
#define SRCLAT_PHASE_STATS(T, m, ph, i) \
    MIGSIM_STAT_U64(T, "completed_" ph "_reqs", m.hist[i].count, "requests", \
                    "responses without a fault received " ph " the migration"), \
    MIGSIM_STAT_F64(T, "latency_" ph "_avg_ns", m.phase_ns[i][MIGSIM_HIST_AVG], "ns", \
                    "start (DMA: record arrival; CPU: issue) to response, average, responses " ph \
                    " the migration; null if none"), \
    MIGSIM_STAT_F64(T, "latency_" ph "_p50_ns", m.phase_ns[i][MIGSIM_HIST_P50], "ns", \
                    "start (DMA: record arrival; CPU: issue) to response, median (within 1/128), " \
                    "responses " ph " the migration; " \
                    "null if none"), \
    MIGSIM_STAT_F64(T, "latency_" ph "_p99_ns", m.phase_ns[i][MIGSIM_HIST_P99], "ns", \
                    "start (DMA: record arrival; CPU: issue) to response, 99th percentile (within " \
                    "1/128), " ph " the migration; " \
                    "null if none"), \
    MIGSIM_STAT_F64(T, "latency_" ph "_max_ns", m.phase_ns[i][MIGSIM_HIST_MAX], "ns", \
                    "start (DMA: record arrival; CPU: issue) to response, largest, responses " ph \
                    " the migration; null if none")

/* Responses with a fault status, of a srclat_t member `m` of component type T. */
#define SRCLAT_FAULT_STAT(T, m) \
    MIGSIM_STAT_U64(T, "faulted_reqs", m.faulted, "requests", \
                    "responses with a fault status (I/O page fault, page-walk error); in no " \
                    "latency figure")

/* All three phases, in order. */
#define SRCLAT_STATS(T, m) \
    SRCLAT_PHASE_STATS(T, m, "before", MIGSIM_PHASE_BEFORE), \
    SRCLAT_PHASE_STATS(T, m, "during", MIGSIM_PHASE_DURING), \
    SRCLAT_PHASE_STATS(T, m, "after", MIGSIM_PHASE_AFTER)

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_SRCLAT_H */
