/*
 * mech.h - what a migration mechanism is to the controller core, and what
 * the core does for every mechanism.
 *
 * A mechanism (models/migctl/mech_*.c) is a table row of MIGCTL_MECHS
 * (migctl.h) and a step function: a switch over its own step numbers
 * (FIG. 2 block numbers where the step is one of the patent's), each step
 * doing its work through the core and naming the next step and its delay
 * with migctl_next(). The core (migctl.c) owns what every mechanism
 * shares: the page tables and their PTE writes, TLB shootdowns to every
 * CPU MMU, IOTLB invalidation, the dual-write chip's registers, the copy
 * engine, the suspension of DMA devices, the step log, the oracle and the
 * common statistics.
 *
 * Costs: a step's function applies its page-table changes at once and
 * tells the MMUs; the time it charges (PTE writes, shootdown waits,
 * hypervisor calls, chip programming) is the delay before the next step.
 * Steps that wait for work (a copy, an invalidation, devices draining) name
 * the step that runs when the work ends.
 */
#ifndef MIGSIM_MODELS_MIGCTL_MECH_H
#define MIGSIM_MODELS_MIGCTL_MECH_H

#include "migctl/migctl.h"

/* One mechanism. */
typedef struct migctl_mech_s {
    const char *name;              /* the "policy" parameter's value */
    bool needs_chip;               /* refused at init without a dual-write chip */
    /* runs step m->block; NULL: the mechanism never starts (policy "none") */
    void (*step)(migctl_t *m);
    /* the step that runs at start_ps */
    uint32_t first;
} migctl_mech_t;

#define MIGCTL_DECLARE(e, name, table) extern const migctl_mech_t table;
MIGCTL_MECHS(MIGCTL_DECLARE)
#undef MIGCTL_DECLARE

/* ---- sequencing -------------------------------------------------------------------- */

/* Run step `block` delay_ps from now. */
void migctl_next(migctl_t *m, uint32_t block, uint64_t delay_ps);

/* Log step `block` now, with its argument (the first subpage of a window, or 0). */
void migctl_log_step(migctl_t *m, uint16_t block, uint64_t arg);

/* The migration begins (block 200: logged, watchers told, phase "during"). */
void migctl_begin(migctl_t *m);

/* The migration has ended (block 222: logged, phase "after", watchers told). */
void migctl_end(migctl_t *m);

/* A step the mechanism does not have: the run fails (a mechanism's default case). */
void migctl_no_step(migctl_t *m);

/* ---- the CPU page table ----------------------------------------------------------- */

/*
 * Lay out subpages [from, to) of the CPU mapping for the window [lo, hi)
 * (migctl_map_layout with the configured pte_mode); returns the PTE writes,
 * shoot[] the range to shoot down.
 */
uint64_t migctl_layout(migctl_t *m, uint64_t from, uint64_t to, uint64_t lo, uint64_t hi,
                       uint64_t shoot[2]);

/* Set the valid bit of every leaf mapping subpages [lo, hi); returns PTEs written. */
uint64_t migctl_set_valid(migctl_t *m, uint64_t lo, uint64_t hi, bool valid);

/*
 * Block 208: the CPU PTEs of subpages [lo, hi) made invalid (CPU accesses
 * fault and wait), the TLBs shot down, the hypervisor called; returns the
 * time charged.
 */
uint64_t migctl_cpu_off(migctl_t *m, uint64_t lo, uint64_t hi);

/* Point the leaves of subpages [lo, hi) at the target, valid; returns PTEs written. */
uint64_t migctl_retarget(migctl_t *m, uint64_t lo, uint64_t hi);

/*
 * Shoot down subpages [lo, hi) in every CPU MMU at once; returns the
 * initiator's wait (ipi_ps, plus ipi_target_ps per CPU MMU, plus the
 * slowest handler).
 */
uint64_t migctl_shootdown(migctl_t *m, uint64_t lo, uint64_t hi);

/* Shoot down a VA range left cached by a layout change, if any; returns the wait. */
uint64_t migctl_shootdown_range(migctl_t *m, const uint64_t shoot[2]);

/* Tell every CPU MMU that the PTEs of subpages [lo, hi) changed (faulted accesses walk again). */
void migctl_pte_changed(migctl_t *m, uint64_t lo, uint64_t hi);

/* ---- the I/O side -------------------------------------------------------------------- */

/*
 * The end every mechanism shares (blocks 218 to 222): the I/O PTEs of the
 * page point at the target (the chip, if any, redirects everything
 * meanwhile), the hypervisor is called and the IOTLB invalidated; final_ps
 * after the invalidation completes the chip is disabled and suspended
 * devices resume; the OS maps the target with one large PTE (shot down);
 * the migration ends. The mechanism's step function is not called again.
 */
void migctl_finish(migctl_t *m, uint64_t final_ps);

/*
 * Invalidate the IOTLB entries of subpages [lo, hi) of the IOVA page; step
 * `then` runs then_ps after the invalidation completes.
 */
void migctl_io_invalidate(migctl_t *m, uint64_t lo, uint64_t hi, uint32_t then, uint64_t then_ps);

/* Program the chip's window to subpages [lo, hi), or disable it; nothing without a chip. */
void migctl_chip(migctl_t *m, bool enable, uint64_t lo, uint64_t hi);

/* Suspend (or resume) every DMA device the controller names. */
void migctl_devices_suspend(migctl_t *m, bool suspend);

/* Every DMA device has no request in flight. */
bool migctl_devices_drained(migctl_t *m);

/* ---- the copy engine --------------------------------------------------------------- */

/*
 * Copy subpages [lo, hi) from the current page to the target, line by line
 * through the copy port; step `then` runs when the last line is written.
 */
void migctl_copy(migctl_t *m, uint64_t lo, uint64_t hi, uint32_t then);

#endif /* MIGSIM_MODELS_MIGCTL_MECH_H */
