/*
 * migsim/tracepoint.h - debug trace points: typed events a model emits at its
 * sites (a migration step, a window move, a fault), declared once in the table
 * below; the list (`migsim run --trace-events list`), the text format and the
 * JSON format all come from it.
 *
 * A simulation writes the points its user picks by name (shell-style `*`
 * patterns, comma-separated: "mig.*,dw.window"), within a simulated time
 * window [from, to) in ps, to a FILE* as lines of text
 *   <time_ps> <name> field=value ...       (addresses in hex: va=0x40000)
 * or of JSON
 *   {"t_ps":40000000000,"ev":"dw.window","lo":12,"hi":13}
 * Off, a point costs the test of one bit of a mask word reached through its
 * component (MIGSIM_TRACE); nothing is called.
 */
#ifndef MIGSIM_TRACEPOINT_H
#define MIGSIM_TRACEPOINT_H

#include <stdint.h>
#include <stdio.h>

#include "migsim/component.h"
#include "migsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Field types: U64 prints as a decimal number, HEX (addresses) as 0x... in text. */
typedef enum { MIGSIM_TF_U64 = 0, MIGSIM_TF_HEX = 1 } migsim_tfield_type_t;

/*
 * The trace points: X(ID, "name", "help", fields) with fields a sequence of
 * F(U64, name) or F(HEX, name). At most 64 points (one bit each in the mask).
 */
#define MIGSIM_TRACEPOINTS(X, F)                                                                 \
    X(MIG_STEP, "mig.step", "a step of the migration controller (US 9,081,764 FIG. 2 block)",   \
      F(U64, block) F(U64, arg))                                                                 \
    X(MIG_SHOOTDOWN, "mig.shootdown", "a TLB shootdown of the VA range [lo, hi) sent to targets", \
      F(HEX, lo) F(HEX, hi) F(U64, targets))                                                     \
    X(DW_WINDOW, "dw.window", "the dual-write chip's window moves to subpages [lo, hi)",         \
      F(U64, lo) F(U64, hi))                                                                     \
    X(DW_HELD, "dw.held", "a DMA write held by the dual-write chip's interlock", F(HEX, addr))  \
    X(MMU_FAULT, "mmu.fault", "a CPU MMU fault: the access at va waits for a mapping",          \
      F(HEX, va))                                                                                \
    X(IOMMU_INVAL, "iommu.inval", "an IOTLB invalidation of the VA range [lo, hi) starts",      \
      F(HEX, lo) F(HEX, hi))                                                                     \
    X(DRAM_REFRESH, "dram.refresh", "a DRAM refresh command (REF) issues to a rank",            \
      F(U64, channel) F(U64, rank))                                                              \
    X(SCAN_PASS, "scan.pass", "an accessed-bit scan pass ended: leaves classified, A bits "     \
      "cleared, leaves whose class changed, the next period", F(U64, leaves) F(U64, cleared)     \
      F(U64, changed) F(U64, period_ps))                                                         \
    X(IOHOT_DECIDE, "iohot.decide",                                                              \
      "the I/O hot-page table asks to move the page at addr: dir 0 into low memory, 1 back; "    \
      "reason 0 hot, 1 cold, 2 random reclaim", F(HEX, addr) F(U64, dir) F(U64, reason))

#define MIGSIM__TP_ID(id, name, help, fields) MIGSIM_TP_##id,
#define MIGSIM__TP_NOFIELD(type, name)
typedef enum { MIGSIM_TRACEPOINTS(MIGSIM__TP_ID, MIGSIM__TP_NOFIELD) MIGSIM_NTRACEPOINTS } migsim_tp_id_t;

/* MIGSIM_TP_NF_<ID>: the number of fields of each point. */
#define MIGSIM__TP_COUNT1(type, name) +1
#define MIGSIM__TP_NF(id, name, help, fields) MIGSIM_TP_NF_##id = 0 fields,
enum { MIGSIM_TRACEPOINTS(MIGSIM__TP_NF, MIGSIM__TP_COUNT1) MIGSIM__TP_NF_END };

/* One field and one point, as the table declares them. */
typedef struct migsim_tfield_s {
    const char *name;
    migsim_tfield_type_t type;
} migsim_tfield_t;

typedef struct migsim_tracepoint_s {
    const char *name;              /* "dw.window" */
    const char *help;              /* one line */
    const migsim_tfield_t *fields; /* nfields entries */
    unsigned nfields;
} migsim_tracepoint_t;

/* Point `id` (0 .. MIGSIM_NTRACEPOINTS-1), NULL past the end. */
const migsim_tracepoint_t *migsim_tracepoint(unsigned id);

/* Print every trace point, its fields and its help, one per line. */
void migsim_tracepoints_list(FILE *f);

/*
 * Write the points matching `patterns` (comma-separated names, `*` matching
 * any run of characters; NULL or "" = none, turning tracing off) emitted at
 * simulated times in [from, to) (ps; to MIGSIM_TICK_MAX = no end) to `out`,
 * as text lines or (json != 0) JSON lines. MIGSIM_EINVAL, naming it, for a
 * pattern that matches no point, an empty pattern, from >= to or a NULL
 * `out` with points picked; tracing is then left as it was. `out` stays the
 * caller's; each line is written whole (fputs), never flushed here.
 */
int migsim_sim_trace_events(migsim_sim_t *sim, const char *patterns, migsim_tick_t from,
                            migsim_tick_t to, FILE *out, int json);

/* Parse a simulated time with a unit, "40ms", "2500ns", "7ps", "1s", into ps. */
int migsim_parse_time_ps(const char *s, migsim_tick_t *out);

/* Write one event of point `id` at simulated time t_ps with its field values (nfields). */
void migsim_trace_emit(migsim_sim_t *sim, unsigned id, migsim_tick_t t_ps, const uint64_t *v);

/*
 * Emit point ID from component `c` (a migsim_comp_t *) with its field values,
 * in table order: MIGSIM_TRACE(&dw->comp, DW_WINDOW, lo, hi), at the current
 * simulated time; MIGSIM_TRACE_AT at t_ps (a model that works ahead of the
 * kernel's time, e.g. DRAM commands at their cycle). The count of values is
 * checked at compile time; off, only the mask bit is read.
 */
#define MIGSIM_TRACE_AT(c, t_ps, ID, ...)                                                        \
    do {                                                                                         \
        _Static_assert(sizeof((uint64_t[]){ __VA_ARGS__ }) ==                                    \
                           MIGSIM_TP_NF_##ID * sizeof(uint64_t),                                 \
                       "MIGSIM_TRACE " #ID ": wrong number of fields");                          \
        if (__builtin_expect((*(c)->trace_mask >> MIGSIM_TP_##ID) & 1u, 0))                      \
            migsim_trace_emit((c)->sim, MIGSIM_TP_##ID, (t_ps),                                  \
                              (const uint64_t[]){ __VA_ARGS__ });                                \
    } while (0)
#define MIGSIM_TRACE(c, ID, ...) MIGSIM_TRACE_AT(c, (c)->k->now, ID, __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_TRACEPOINT_H */
