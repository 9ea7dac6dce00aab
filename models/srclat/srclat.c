/* srclat.c - request-source latency statistics. See srclat.h. */
#include "srclat/srclat.h"

#define SRCLAT_HIST_MAX_PS (1ull << 42)

int srclat_init(srclat_t *l)
{
    for (int ph = 0; ph < MIGSIM_PHASES; ph++) {
        int rc = migsim_hist_init(&l->hist[ph], 1, SRCLAT_HIST_MAX_PS);
        if (rc)
            return rc;
    }
    return 0;
}

void srclat_fini(srclat_t *l)
{
    for (int ph = 0; ph < MIGSIM_PHASES; ph++)
        migsim_hist_fini(&l->hist[ph]);
}

void srclat_finalize(srclat_t *l)
{
    uint64_t ok = l->done - l->faulted;
    l->avg_ns = ok ? (double)l->sum_ps / (double)ok / 1000.0 : 0;
    for (int ph = 0; ph < MIGSIM_PHASES; ph++)
        migsim_hist_summary(&l->hist[ph], 1e-3, l->phase_ns[ph]);
}
