/*
 * migsim/migsim.h - the whole public API of libmigsim in one include.
 *
 *   #include <migsim/migsim.h>
 *
 * Every public function and type is prefixed migsim_, every macro MIGSIM_;
 * the shared library exports nothing else. The headers below may also be
 * included one by one. The version the program was compiled against is
 * MIGSIM_VERSION_STRING (MIGSIM_VERSION_MAJOR, _MINOR, _PATCH); the one it
 * runs with is migsim_version().
 */
#ifndef MIGSIM_MIGSIM_H
#define MIGSIM_MIGSIM_H

#include "migsim/version.h"   /* MIGSIM_VERSION_*, migsim_version() */
#include "migsim/errors.h"    /* MIGSIM_E* codes, migsim_errmsg() */
#include "migsim/types.h"     /* ticks, addresses, the basic vocabulary */
#include "migsim/kernel.h"    /* the discrete-event kernel */
#include "migsim/req.h"       /* memory requests and their pool */
#include "migsim/port.h"      /* ports and links */
#include "migsim/component.h" /* component ops tables: parameters, ports, statistics */
#include "migsim/sim.h"       /* a simulation: build, run, statistics */
#include "migsim/store.h"     /* sparse functional memory */
#include "migsim/trace.h"     /* traces: native format, generators, importers */
#include "migsim/rng.h"       /* the pseudo-random generator */
#include "migsim/hist.h"      /* log-linear histograms */
#include "migsim/tracepoint.h" /* debug trace points: name patterns, a time window */

#endif /* MIGSIM_MIGSIM_H */
