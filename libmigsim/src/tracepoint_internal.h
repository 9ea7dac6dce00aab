/*
 * tracepoint_internal.h - what sim.c keeps for the trace points and
 * tracepoint.c reads: which points are on, the time window, the output.
 */
#ifndef MIGSIM_TRACEPOINT_INTERNAL_H
#define MIGSIM_TRACEPOINT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "migsim/tracepoint.h"

typedef struct migsim_trace_cfg_s {
    uint64_t mask;            /* bit MIGSIM_TP_* set = the point is written; 0 = tracing off */
    migsim_tick_t from, to;   /* simulated time window [from, to), ps */
    FILE *out;                /* borrowed: where lines go (NULL while mask is 0) */
    int json;                 /* 1 = JSON lines, 0 = text lines */
} migsim_trace_cfg_t;

/* The trace configuration of `sim` (sim.c). */
migsim_trace_cfg_t *migsim__sim_trace(migsim_sim_t *sim);

#endif /* MIGSIM_TRACEPOINT_INTERNAL_H */
