/*
 * registry.c - the explicit list of component types. An explicit list,
 * rather than self-registration, so that linking the static library keeps
 * every model.
 */
#include "migsim/component.h"

extern const migsim_comp_ops_t dram_ops;
extern const migsim_comp_ops_t player_ops;
extern const migsim_comp_ops_t dualwrite_ops;
extern const migsim_comp_ops_t dma_dev_ops;
extern const migsim_comp_ops_t xbar_ops;
extern const migsim_comp_ops_t llc_ops;
extern const migsim_comp_ops_t cpu_mmu_ops;
extern const migsim_comp_ops_t iommu_ops;
extern const migsim_comp_ops_t migctl_ops;
extern const migsim_comp_ops_t fwmap_ops;
extern const migsim_comp_ops_t tiermgr_ops;
extern const migsim_comp_ops_t memrouter_ops;
extern const migsim_comp_ops_t ascan_ops;
extern const migsim_comp_ops_t iohot_ops;

const migsim_comp_ops_t *const migsim_registry[] = {
    &dram_ops,
    &player_ops,
    &dualwrite_ops,
    &dma_dev_ops,
    &xbar_ops,
    &llc_ops,
    &cpu_mmu_ops,
    &iommu_ops,
    &migctl_ops,
    &fwmap_ops,
    &tiermgr_ops,
    &memrouter_ops,
    &ascan_ops,
    &iohot_ops,
    0,
};
