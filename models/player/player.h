/*
 * player.h - the trace player: issues the records of a trace (a native file
 * or an in-process generator) to its `out` port as memory requests.
 *
 * Timing: records with absolute times (ABS_PS) are issued at their time or,
 * when the target pushed back or the in-flight bound was reached, as soon
 * after as possible, in order. Records with gaps (GAP_PS, GAP_INSNS) are
 * issued that long after the previous record actually issued. Records with
 * no timing (NONE), and every record in "fast" mode, are issued back to back,
 * bounded only by max_inflight and back-pressure. A record larger than a
 * line, or crossing a line, is split into line-sized requests issued on
 * consecutive opportunities.
 *
 * Statistics: request latency (issue to response) overall and split by the
 * migration phase (migsim_sim_phase(): before, during, after) read when the
 * response arrives, each phase in a log-linear histogram (migsim/hist.h) for
 * its average, p50, p99 and maximum; and the stall behind record times.
 *
 * Hot path: one event per issue opportunity, one record pulled from the
 * source, one request from the pool, one histogram record per response;
 * nothing allocates.
 */
#ifndef MIGSIM_MODELS_PLAYER_H
#define MIGSIM_MODELS_PLAYER_H

#include <stdbool.h>
#include <stdint.h>

#include "migsim/component.h"
#include "migsim/sim.h"
#include "migsim/trace.h"
#include "srclat/srclat.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct player_s {
    migsim_comp_t comp;
    migsim_port_t out;             /* requests to memory */
    /* parameters */
    char *trace;                   /* native trace path; "" = generator */
    uint32_t mode;                 /* 0 timed, 1 fast */
    uint32_t max_inflight;         /* outstanding requests, >= 1 */
    uint32_t line_bytes;           /* split size, power of two */
    uint64_t insn_ps;              /* ps per instruction for GAP_INSNS traces */
    uint64_t start_ps;             /* time offset added to every record */
    bool payload;                  /* writes carry data, reads ask for it */
    bool expect_faults;            /* faulted responses are expected (read by migsim run) */
    uint32_t gen_pattern;          /* migsim_gen_pattern_t */
    uint64_t gen_count, gen_base, gen_range_bytes, gen_stride_bytes;
    uint32_t gen_size_bytes;
    double gen_read_frac;
    uint64_t gen_seed;             /* 0 = the simulation seed */
    uint64_t gen_gap_ps;
    uint32_t gen_src;              /* 0 cpu, 1 dma */
    uint64_t gen_hot_bytes, gen_hot_period, gen_hot_step_bytes; /* hotset pattern */
    double gen_hot_frac;
    uint32_t core_id;              /* src_idx of generated records; mixed into the seed, 0..65535 */
    /* state */
    migsim_recsrc_t *src;          /* owned */
    migsim_time_mode_t time_mode;
    migsim_trace_rec_t rec;        /* current record */
    bool have_rec;                 /* rec is valid and not fully issued */
    bool eof;                      /* source exhausted */
    bool blocked;                  /* target refused; waiting for retry */
    uint64_t rec_off;              /* bytes of rec already issued */
    uint64_t rec_due;              /* issue time of rec, ps */
    uint64_t last_issue_ps;        /* when the previous record issued */
    uint64_t rec_index;            /* records pulled */
    migsim_req_t *pending;         /* request refused by the target, to resend */
    uint32_t inflight;
    migsim_event_t ev;
    /* statistics */
    uint64_t st_records, st_reads, st_writes, st_bytes, st_refused;
    uint64_t st_stall_ps;          /* sum of (actual - due) issue times */
    uint64_t st_first_ps;
    double st_lat_max_ns, st_stall_avg_ns;
    srclat_t lat;                  /* issue to response, in total and per migration phase */
} player_t;

extern const migsim_comp_ops_t player_ops;

/*
 * Open a new stream of the records the player replays: its trace file, or
 * its generator with the same configuration and seed (so a reader ahead of
 * the player, such as a placement that knows the future, sees the same
 * records). The caller closes it (migsim_recsrc_close).
 */
int player_open_source(const player_t *p, migsim_recsrc_t **src);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_PLAYER_H */
