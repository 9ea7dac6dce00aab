/*
 * migrate.c - a program of someone else's project using the installed
 * libmigsim through its public C API only (test_install.sh builds it with
 * find_package, pkg-config and a plain cc line): one migration on the
 * embedded default platform, scaled down. Prints "mig.end_ps=N" and exits 0
 * when the library's version is the headers' one, the migration ended
 * (mig.end_ps > 0) and no write was lost (mig.lost_writes == 0); 1 otherwise,
 * 2 when the library refuses the configuration.
 */
#include <migsim/migsim.h>

#include <stdio.h>
#include <string.h>

#include "migrate_sets.h"

int main(void)
{
    if (strcmp(migsim_version(), MIGSIM_VERSION_STRING) != 0) {
        fprintf(stderr, "migrate: library %s, headers %s\n", migsim_version(), MIGSIM_VERSION_STRING);
        return 1;
    }
    migsim_sim_t *sim;
    if (migsim_sim_create_platform(&sim, NULL, migrate_sets, MIGRATE_NSETS) != 0) {
        fprintf(stderr, "migrate: %s\n", migsim_errmsg());
        return 2;
    }
    double lost = -1, end_ps = 0;
    if (migsim_sim_run(sim, MIGSIM_TICK_MAX) != 0 ||
        migsim_sim_stat(sim, "mig.lost_writes", &lost) != 0 ||
        migsim_sim_stat(sim, "mig.end_ps", &end_ps) != 0) {
        fprintf(stderr, "migrate: %s\n", migsim_errmsg());
        migsim_sim_destroy(sim);
        return 1;
    }
    migsim_sim_destroy(sim);
    printf("mig.end_ps=%.0f mig.lost_writes=%.0f\n", end_ps, lost);
    return lost == 0 && end_ps > 0 ? 0 : 1;
}
