/*
 * migsim-sc - `migsim run` on the SystemC kernel: the same configuration
 * builds the same platform, every $.links entry a TLM-2.0 socket binding
 * between the component wrappers (migsim_tlm::platform), and the C event
 * kernel driven by a SystemC process. Options, summary, statistics JSON and
 * exit status are those of `migsim run`.
 *
 *   migsim-sc [--platform NAME | --config FILE] [--trace FILE]
 *             [--set COMP.PARAM=VALUE]... [--out STATS.json] [--quiet]
 */
#include <systemc>

#include <exception>
#include <memory>
#include <stdlib.h> /* setenv */

#include "cli.h"
#include "migsim/errors.h"
#include "migsim_tlm.h"

namespace {

struct sc_run {
    std::unique_ptr<migsim_tlm::platform> plat;
};

int attach(migsim_sim_t *sim, void *ctx)
{
    sc_run *r = static_cast<sc_run *>(ctx);
    try {
        r->plat = std::make_unique<migsim_tlm::platform>("migsim", sim);
    } catch (const std::exception &e) {
        return migsim_error(MIGSIM_ECONFIG, "%s", e.what());
    }
    return MIGSIM_OK;
}

int advance(migsim_sim_t *sim, migsim_tick_t until, void *ctx)
{
    sc_run *r = static_cast<sc_run *>(ctx);
    try {
        sc_core::sc_time now = sc_core::sc_time_stamp();
        sc_core::sc_time t = migsim_tlm::to_sc_time(until);
        if (t > now)
            sc_core::sc_start(t - now);
        /* a slice without events still moves the C clock on, as migsim_sim_run does */
        if (!migsim_sim_done(sim)) {
            r->plat->k().sync();
            r->plat->k().kick();
        }
    } catch (const std::exception &e) {
        return migsim_error(MIGSIM_ESTATE, "SystemC: %s", e.what());
    }
    migsim_tlm::kernel &k = r->plat->k();
    if (k.status())
        return migsim_error(k.status(), "%s", k.error().c_str());
    return MIGSIM_OK;
}

} // namespace

int sc_main(int argc, char *argv[])
{
    sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
    sc_run r;
    /* the platform's modules (in r) outlive the simulation: SystemC objects are not
       destroyed while the kernel may still refer to them */
    migsim_run_driver_t drv = { "migsim-sc", MIGSIM_SIM_LINKS_UNBOUND, attach, advance, &r };
    return migsim_cli_run_with(argc, argv, &drv);
}

/* SystemC's banner would go to stdout ahead of the summary: keep it quiet, then start as usual */
int main(int argc, char *argv[])
{
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}
