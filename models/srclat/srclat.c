/* srclat.c - request-source latency statistics. See srclat.h. */
#include "srclat/srclat.h"
#include "migsim/errors.h"

#include <inttypes.h>

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

int srclat_due_error(const migsim_comp_t *c, const char *trace, uint64_t rec, migsim_tick_t base,
                     uint64_t delta)
{
    return migsim_error(MIGSIM_EINVAL, "%s: trace \"%s\": record %" PRIu64 ": its time, %" PRIu64
                        " ps after %" PRIu64 " ps, is past the last tick (2^64 - 2 ps)",
                        c->config_path, trace, rec, delta, base);
}
