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
    bool pages;                    /* keeps no state from one migration to the next: may run
                                      the requests of a footprint (footprint_pages > 0) */
    bool via_iommu;                /* sees, blocks or redirects I/O only as it passes the IOMMU:
                                      refuses devices wired without one (mapped_devs) */
    /* runs step m->block; NULL: the mechanism never starts (policy "none") */
    void (*step)(migctl_t *m);
    /* the step that runs at start_ps */
    uint32_t first;
    /*
     * Optional, NULL = none: check the mechanism's parameters and allocate
     * its state at the controller's init (a configuration error names the
     * parameter's JSON path), after the core's checks; compute its derived
     * statistics; free its state (fini runs also after a failed init).
     */
    int (*init)(migctl_t *m);
    void (*finalize)(migctl_t *m);
    void (*fini)(migctl_t *m);
    /*
     * Optional: where an access to physical address pa lands once the CPU
     * page table has been applied (a redirect below the OS), for the oracle
     */
    uint64_t (*resolve)(const migctl_t *m, uint64_t pa);
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

/* Stop (or resume) every CPU core of the controller's MMUs (cpu_mmu_stop). */
void migctl_cpus_stop(migctl_t *m, bool stop);

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

/*
 * Map the whole page on the CPU page table (io = false, at va) or the I/O
 * page table (io = true, at iova) to `pa` as leaves of ladder size k, all
 * valid with A and D clear, replacing every leaf there. Returns the PTE
 * writes (leaves removed plus leaves written), also added to pte_writes.
 * The caller shoots down or invalidates the range and pays the writes.
 */
uint64_t migctl_map_page(migctl_t *m, bool io, uint64_t pa, uint32_t k);

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

/* The same for the VA range [va, va + len). */
void migctl_pte_changed_va(migctl_t *m, uint64_t va, uint64_t len);

/* Count the CPU leaves mapping the page now (cpu_ptes, cpu_ptes_max). */
void migctl_count_ptes(migctl_t *m);

/*
 * Block 220: the target mapped with one large CPU PTE (the leaves of the
 * page removed), counted, shot down, every CPU MMU told; returns the cost.
 */
uint64_t migctl_map_target(migctl_t *m);

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

/*
 * Invalidate [iova, iova + len) in the ATC of every DMA device that has one,
 * all at once; done(ctx) runs when the slowest completion has come back (at
 * once when no device has an ATC). Call it after the IOTLB's invalidation of
 * the range, so that no ATC refills from a stale IOTLB entry.
 */
void migctl_ats_invalidate(migctl_t *m, uint64_t iova, uint64_t len, void (*done)(void *ctx),
                           void *ctx);

/*
 * The I/O page table maps the page to the target with one large PTE (its
 * leaves removed, counted); returns the cost of the PTE writes. The caller
 * invalidates the IOTLB.
 */
uint64_t migctl_io_map_target(migctl_t *m);

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

/*
 * Copy byte runs of the page, one after the other with no gap between them:
 * next(m, &off, &len) gives each run (offset and length in bytes, multiples
 * of 64) and returns false when there is none left. `bytes` is their total
 * (for the per-subpage copy histogram). Step `then` runs when the last line
 * is written, at once when there is no run.
 */
void migctl_copy_runs(migctl_t *m, bool (*next)(migctl_t *m, uint64_t *off, uint64_t *len),
                      uint64_t bytes, uint32_t then);
/*
 * Copy bytes [off, off + len) of the page (64-byte aligned) like migctl_copy;
 * the per-subpage histogram gets the time per subpage, or the copy's whole
 * time when len is below a subpage.
 */
void migctl_copy_bytes(migctl_t *m, uint64_t off, uint64_t len, uint32_t then);

#endif /* MIGSIM_MODELS_MIGCTL_MECH_H */
