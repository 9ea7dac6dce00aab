/*
 * xbar.h - an interconnect that merges up to XBAR_INPUTS (128) initiators onto
 * one target port (CPU MMUs, the I/O path, the copy engine and walkers sharing
 * one memory).
 *
 * A request on in<i> is forwarded to `out` at once (wire delay belongs to the
 * links); its input index rides on the request's return path so the
 * response goes back to in<i>. When `out` refuses, the sender is refused
 * too and remembered; when `out` calls retry, the waiting inputs are retried
 * in round-robin order starting after the one served last, so no input
 * starves. The crossbar holds no requests and adds no latency of its own.
 */
#ifndef MIGSIM_MODELS_XBAR_H
#define MIGSIM_MODELS_XBAR_H

#include <stdint.h>

#include "migsim/component.h"

#ifdef __cplusplus
extern "C" {
#endif

#define XBAR_INPUTS 128 /* inputs in0..in127 (a request's route holds indices below 255) */

typedef struct xbar_s {
    migsim_comp_t comp;
    migsim_port_t in[XBAR_INPUTS];  /* targets in0..in127; in1..in127 may stay unconnected */
    migsim_port_t out;              /* toward memory */
    uint64_t waiting[XBAR_INPUTS / 64]; /* bit i % 64 of word i / 64: in<i> was refused, awaits retry */
    uint32_t nwaiting;              /* inputs waiting */
    uint32_t last;                  /* input retried or served last (round-robin point) */
    uint64_t st_reqs[XBAR_INPUTS];  /* requests forwarded per input */
    uint64_t st_refused;            /* sends refused because out was busy */
} xbar_t;

extern const migsim_comp_ops_t xbar_ops;

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_XBAR_H */
