/*
 * iohot_comp.h - the component "iohot": the I/O hot-page table (iohot.h)
 * fed by the DMA requests the IOMMU translates, with its periods as an event.
 *
 * Where it sits: the patent puts the table in the manager 605, the OS or
 * hypervisor layer that sees each I/O request's page ([0027], [0059],
 * [0064]), not in an I/O MMU (which [0008] names as the hardware
 * alternative to remapping). It is a software observer, with no port and no
 * simulated cost of its own, of the IOMMU `iommu` (iommu_add_observer: the
 * devices behind it) and of the DMA devices `devices` (dma_dev_set_observer:
 * devices wired without an IOMMU, e.g. one with a DMA mask); at least one.
 *
 * What it counts: a DMA request answered without a fault (ATS translation
 * requests and faulted requests are not I/O), against the page of the
 * address the device issued (orig_addr: the IOVA, seed 002's PPN, which a
 * remap does not change; page_bytes pages), once per transfer and page: the
 * transfer's first request (MIGSIM_REQ_XFER_FIRST) and each request that
 * starts a page. So c is the number of I/Os (transfers) that touched the
 * page in the period, as in [0064] ("the number of times this PPN has been
 * issued").
 *
 * Every period_ps (a daemon event: it keeps no simulation alive) the table
 * ends its period; each decision goes to the trace point iohot.decide and
 * is carried out:
 *   - with `migctl` set, by the migration controller: IOHOT_TO_LOW asks it
 *     (migctl_request) to move the footprint page at that IOVA to node
 *     `low_node`, IOHOT_TO_HIGH to node `high_node`, each with its
 *     mechanism under the live traffic; a request refused (the page still
 *     moving, the node full, a page outside the footprint) is refused to the
 *     table too: a failed allocation, or a page that stays remapped
 *     (`remap_refused`, `moveback_refused`);
 *   - else by the function set with iohot_set_remap_fn, which says whether
 *     it did; with neither, only the table's books change.
 *
 * Hot path: the observer, one compare and one table index per request.
 */
#ifndef MIGSIM_MODELS_IOHOT_COMP_H
#define MIGSIM_MODELS_IOHOT_COMP_H

#include <stdint.h>

#include "iohot/iohot.h"
#include "iommu/iommu.h"
#include "migsim/component.h"
#include "migsim/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

#define IOHOT_MAX_DEVICES 16u /* DMA devices one table observes at most */

/* A decision: the page starting at page_addr (an IOVA) moves in direction dir; true if done. */
typedef bool (*iohot_remap_fn)(void *ctx, uint64_t page_addr, iohot_dir_t dir);

typedef struct iohot_comp_s {
    migsim_comp_t comp;
    /* parameters */
    char *iommu;                   /* the IOMMU component observed, "" = none */
    char *devices;                 /* DMA devices observed, comma-separated, "" = none */
    char *migctl;                  /* the controller that carries decisions out, "" = none */
    uint32_t low_node, high_node;  /* its nodes for IOHOT_TO_LOW, IOHOT_TO_HIGH */
    uint64_t page_bytes;           /* page size, power of two >= 4096 */
    uint64_t period_ps;            /* T, ps, >= 1 */
    uint32_t entries, mode, replace, window, low_frames, watermark;  /* iohot_cfg_t */
    double mu, tau_h, tau_l, gain;                                   /* iohot_cfg_t */
    uint64_t seed;                 /* 0 = the simulation seed + 2 */
    /* state */
    iommu_t *iommu_c;              /* borrowed: the IOMMU, or NULL */
    struct migctl_s *mig;          /* borrowed: the controller, or NULL */
    uint32_t page_shift;           /* log2(page_bytes) */
    iohot_t h;                     /* the table */
    migsim_event_t period_ev;      /* the end of the period */
    iohot_remap_fn remap;          /* NULL = nobody */
    void *remap_ctx;               /* borrowed */
    /* statistics (the table's counters are read from h) */
    uint64_t st_in_use;            /* entries holding a page (finalize) */
    uint64_t st_tau_h_milli;       /* tau_H in force, thousandths of an I/O per period */
    uint64_t st_tau_l_milli;       /* tau_L in force, thousandths of an I/O per period */
    uint64_t st_rho_milli;         /* rho of the last period, thousandths */
    uint64_t st_remapped_peak;     /* most pages remapped at once */
    uint64_t st_remap_refused;     /* IOHOT_TO_LOW decisions the controller refused */
} iohot_comp_t;

extern const migsim_comp_ops_t iohot_ops;

/*
 * Carry decisions out with fn(ctx, page_addr, dir) when no `migctl` is
 * named (NULL: nobody, the table's books only); replaces the last one.
 */
void iohot_set_remap_fn(iohot_comp_t *c, iohot_remap_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_IOHOT_COMP_H */
