/*
 * migsim/types.h - the basic vocabulary shared by every part of libmigsim.
 *
 * Time: one global base, 1 tick = 1 ps, held in a uint64_t (2^64 ps is about
 * 213 days of simulated time). Clocked components keep their own period in ps.
 */
#ifndef MIGSIM_TYPES_H
#define MIGSIM_TYPES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t migsim_tick_t;            /* simulated time, ps */
#define MIGSIM_TICK_MAX UINT64_MAX          /* "never" */
#define MIGSIM_PS_PER_NS 1000u
#define MIGSIM_PS_PER_US 1000000u

/* Operation of a memory request or trace record. */
typedef enum migsim_op_e {
    MIGSIM_OP_READ  = 0,
    MIGSIM_OP_WRITE = 1,
    MIGSIM_OP_COUNT_
} migsim_op_t;

/* Who issued a request or a trace record. */
typedef enum migsim_src_kind_e {
    MIGSIM_SRC_CPU   = 0,  /* a CPU core (load/store after the caches) */
    MIGSIM_SRC_DMA   = 1,  /* an I/O device */
    MIGSIM_SRC_COPY  = 2,  /* the migration copy engine */
    MIGSIM_SRC_WALK  = 3,  /* a page-table walker */
    MIGSIM_SRC_OTHER = 4,
    MIGSIM_SRC_COUNT_
} migsim_src_kind_t;

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_TYPES_H */
