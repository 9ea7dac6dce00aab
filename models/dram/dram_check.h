/*
 * dram_check.h - independent checker of the DDR4 command log.
 *
 * The DDR4 scheduler (dram.c) writes every command it issues to a text log
 * (format v1, see models/dram/CMDLOG.md). This checker re-reads such a log
 * and reports every broken JEDEC (JESD79-4) timing or state rule. Command
 * lines may also be in the form DRAMSim3 and Ramulator 2 print them (behind
 * a v1 header), so that their logs can be audited the same way. It shares
 * no bookkeeping with the scheduler: each rule is checked on its own against
 * the history of earlier commands (the most recent ACT, RD, WR, PRE per bank,
 * the last four ACTs and the last REF per rank), so a scheduler bug cannot
 * hide in common code. Only the parameter structs of dram_timing.h are shared.
 *
 * Workload: logs of tens of millions of lines, read as a stream in one pass
 * with a hand-written parser; memory is O(channels * ranks * banks), never
 * O(log length).
 */
#ifndef MIGSIM_DRAM_CHECK_H
#define MIGSIM_DRAM_CHECK_H

#include <stdint.h>
#include <stdio.h>

#include "dram/dram_timing.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The rules, named in reports as dram_rule_name() returns them (CMDLOG.md). */
typedef enum dram_rule_e {
    DRAM_RULE_STATE,  /* bank state: ACT closed, RD/WR open same row, PRE open, REF all closed */
    DRAM_RULE_ORDER,  /* cycles non-decreasing within a channel */
    DRAM_RULE_CMDBUS, /* at most one command per channel per cycle */
    DRAM_RULE_tRCD,   /* ACT -> RD/WR, same bank */
    DRAM_RULE_tRAS,   /* ACT -> PRE, same bank */
    DRAM_RULE_tRC,    /* ACT -> ACT, same bank */
    DRAM_RULE_tRP,    /* PRE -> ACT same bank; PRE (any bank) -> REF same rank */
    DRAM_RULE_tRRD_L, /* ACT -> ACT, other bank, same bank group */
    DRAM_RULE_tRRD_S, /* ACT -> ACT, other bank group, same rank */
    DRAM_RULE_tFAW,   /* ACT_n - ACT_(n-4) per rank */
    DRAM_RULE_tCCD_L, /* RD->RD / WR->WR, same bank group: max(tCCD_L, tBL) */
    DRAM_RULE_tCCD_S, /* RD->RD / WR->WR, other bank group: max(tCCD_S, tBL) */
    DRAM_RULE_tRTRS,  /* RD/WR -> RD/WR, other rank of the channel */
    DRAM_RULE_tRTW,   /* RD -> WR, same rank: tCL + tBL + 2 - tCWL */
    DRAM_RULE_tWTR_L, /* WR -> RD, same bank group: tCWL + tBL + tWTR_L */
    DRAM_RULE_tWTR_S, /* WR -> RD, other bank group: tCWL + tBL + tWTR_S */
    DRAM_RULE_tRTP,   /* RD -> PRE, same bank */
    DRAM_RULE_tWR,    /* WR -> PRE, same bank: tCWL + tBL + tWR */
    DRAM_RULE_tRFC,   /* REF -> ACT / REF, same rank */
    DRAM_RULE_tREFI,  /* REF -> REF at most 9 * tREFI apart, per rank (an upper bound) */
    DRAM_RULE_COUNT
} dram_rule_t;

/* The rule's report name ("state", "order", "cmdbus", "tRCD", ...); "?" if out of range. */
const char *dram_rule_name(dram_rule_t rule);

/*
 * One violation. For every rule but state and tREFI the contract is
 * "cycle(B) - cycle(A) >= required" with A the earlier command; for tREFI it
 * is "actual <= required". For the state rule, required and actual are 0.
 */
typedef struct dram_violation_s {
    dram_rule_t rule;
    uint64_t line;          /* line of the offending command (1-based); for an
                               end-of-log tREFI check, the line of the command
                               with the largest cycle */
    const char *text;       /* that line without its newline, or "end of log";
                               borrowed, valid only during the callback */
    uint64_t cycle;         /* cycle of the offending command (or of the end of log) */
    uint64_t earlier_line;  /* line of the earlier command it conflicts with; 0 if none */
    int64_t required;       /* bound, cycles (minimum; maximum for tREFI) */
    int64_t actual;         /* actual distance, cycles (may be negative for order) */
    const char *detail;     /* state rule: what was wrong (static string); else NULL */
} dram_violation_t;

/* Called once per violation, in log order (end-of-log checks last). */
typedef void (*dram_violation_cb)(const dram_violation_t *v, void *arg);

/* Totals of one check. */
typedef struct dram_check_result_s {
    uint64_t lines;                       /* lines read, header and comments included */
    uint64_t commands;                    /* command lines checked */
    uint64_t last_cycle;                  /* largest command cycle seen; 0 if none */
    uint64_t violations;                  /* total, all rules */
    uint64_t by_rule[DRAM_RULE_COUNT];    /* violations per rule */
    uint64_t first_line[DRAM_RULE_COUNT]; /* line of the first violation per rule; 0 if none */
    dram_org_t org;                       /* organisation from the header (device_width,
                                             bus_width are 0: not in the log) */
    dram_timing_t timing;                 /* timing from the header */
} dram_check_result_t;

/* Options of dram_check_stream_opts(); zero-initialise for "report nothing". */
typedef struct dram_check_opts_s {
    FILE *report;                   /* borrowed; each violation printed here; NULL: none */
    uint64_t max_reported;          /* at most this many violations printed (UINT64_MAX: all) */
    dram_violation_cb on_violation; /* called for every violation (not capped); may be NULL */
    void *arg;                      /* passed to on_violation */
} dram_check_opts_t;

/*
 * Check the log read from `in` (borrowed, read to the end or to the first
 * format error). `name` names the input in messages and reports.
 * Returns 0 when the whole log was read (res->violations may be > 0), or
 * MIGSIM_EFORMAT on a malformed log, MIGSIM_EIO on a read error,
 * MIGSIM_ENOMEM, MIGSIM_EINVAL on NULL arguments; the message
 * (migsim_errmsg()) names "name:line". On error *res holds the totals up to
 * the bad line. Never aborts on bad input.
 */
int dram_check_stream_opts(FILE *in, const char *name, const dram_check_opts_t *opts,
                           dram_check_result_t *res);

/* dram_check_stream_opts() with a report stream and a cap, no callback. */
int dram_check_stream(FILE *in, const char *name, FILE *report, uint64_t max_reported,
                      dram_check_result_t *res);

/* Open `path` and check it as dram_check_stream(); MIGSIM_EIO if it cannot be opened. */
int dram_check_file(const char *path, FILE *report, uint64_t max_reported,
                    dram_check_result_t *res);

/* Print one violation as a line "name:line: rule: ..." (the report format). */
void dram_check_print_violation(FILE *out, const char *name, const dram_violation_t *v);

/* Print the per-rule summary (rules with at least one violation, then the total). */
void dram_check_print_summary(FILE *out, const char *name, const dram_check_result_t *res);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_DRAM_CHECK_H */
