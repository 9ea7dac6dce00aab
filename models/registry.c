/*
 * registry.c - the explicit list of component types. An explicit list,
 * rather than self-registration, so that linking the static library keeps
 * every model.
 */
#include "migsim/component.h"

extern const migsim_comp_ops_t dram_ops;
extern const migsim_comp_ops_t player_ops;

const migsim_comp_ops_t *const migsim_registry[] = {
    &dram_ops,
    &player_ops,
    0,
};
