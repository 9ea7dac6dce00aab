/*
 * sc_migrate.cpp - an outside sc_main on the installed migsim::tlm: the
 * scaled-down migration of ../migrate.c with every $.links entry a TLM-2.0
 * socket binding (migsim_tlm::platform). Prints "mig.end_ps=N" and exits 0
 * when the run ended without error, the migration ended and no write was lost.
 */
#include <cstdio>

#include <migsim/migsim.h>
#include <migsim_tlm.h>

#include "migrate_sets.h"

int sc_main(int, char *[])
{
    sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
    migsim_sim_t *sim;
    if (migsim_sim_create_ex(&sim, nullptr, nullptr, migrate_sets, MIGRATE_NSETS,
                             MIGSIM_SIM_LINKS_UNBOUND) != 0) {
        std::fprintf(stderr, "sc_migrate: %s\n", migsim_errmsg());
        return 2;
    }
    migsim_tlm::platform mig("mig", sim);
    sc_core::sc_start();
    if (mig.k().status() != 0) {
        std::fprintf(stderr, "sc_migrate: %s\n", mig.k().error().c_str());
        migsim_sim_destroy(sim);
        return 1;
    }
    double lost = -1, end_ps = 0;
    if (migsim_sim_stat(sim, "mig.lost_writes", &lost) != 0 ||
        migsim_sim_stat(sim, "mig.end_ps", &end_ps) != 0) {
        std::fprintf(stderr, "sc_migrate: %s\n", migsim_errmsg());
        migsim_sim_destroy(sim);
        return 1;
    }
    migsim_sim_destroy(sim); /* as the README's sc_main: before the platform's modules go */
    std::printf("mig.end_ps=%.0f mig.lost_writes=%.0f\n", end_ps, lost);
    return lost == 0 && end_ps > 0 ? 0 : 1;
}
