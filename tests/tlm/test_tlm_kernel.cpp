/*
 * test_tlm_kernel.cpp - the C event kernel driven by SystemC gives the same
 * simulation as the native run loop.
 *
 * The migration platform (scaled to a 1 MiB page with CPU, NIC and disk
 * traffic) runs once natively (migsim_sim_run) and once under
 * migsim_tlm::kernel on the SystemC kernel; the statistics JSON (without the
 * host section) must be byte-identical, and the SystemC run must end at the
 * same simulated time. A native run with another seed must differ, so the
 * comparison can fail.
 */
#include <systemc>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "migsim/errors.h"
#include "migsim_tlm.h"

static migsim_sim_t *make(const char *seed)
{
    const char *sets[] = {
        "mig.page_bytes=\"1MiB\"", "mig.start_ps=2000000",
        "cpu0.gen_range_bytes=\"1MiB\"", "cpu0.gen_count=3000", "cpu0.gen_gap_ps=20000",
        "nic0.gen_range_bytes=\"1MiB\"", "nic0.gen_ring_entries=64", "nic0.gen_count=600",
        "nic0.gen_gap_ps=200000", "disk0.gen_range_bytes=\"1MiB\"", "disk0.gen_block_bytes=4096",
        "disk0.gen_count=200", "disk0.gen_gap_ps=300000", seed,
    };
    migsim_sim_t *sim = nullptr;
    if (migsim_sim_create_platform(&sim, "migration", sets, sizeof sets / sizeof sets[0]) != 0) {
        std::fprintf(stderr, "test_tlm_kernel: %s\n", migsim_errmsg());
        std::exit(1);
    }
    return sim;
}

static std::string stats(migsim_sim_t *sim)
{
    char *js = migsim_sim_stats_json(sim, -1.0); /* no host section */
    std::string s = js ? js : "";
    std::free(js);
    return s;
}

static std::string native(const char *seed, migsim_tick_t *end)
{
    migsim_sim_t *sim = make(seed);
    if (migsim_sim_run(sim, MIGSIM_TICK_MAX) != 0) {
        std::fprintf(stderr, "test_tlm_kernel: %s\n", migsim_errmsg());
        std::exit(1);
    }
    *end = migsim_sim_now(sim);
    std::string s = stats(sim);
    migsim_sim_destroy(sim);
    return s;
}

int sc_main(int, char *[])
{
    sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
    int failures = 0;
    migsim_tick_t end1, end2;
    std::string a = native("sim.seed=1", &end1);
    std::string other = native("sim.seed=2", &end2);

    migsim_sim_t *sim = make("sim.seed=1");
    migsim_tlm::kernel k("migsim", sim);
    sc_core::sc_start();
    std::string b = stats(sim);
    migsim_tick_t sc_end = migsim_tlm::to_ticks(sc_core::sc_time_stamp());
    double lost = -1, done = 0;
    migsim_sim_stat(sim, "mig.lost_writes", &lost);
    migsim_sim_stat(sim, "mig.end_ps", &done);
    migsim_sim_destroy(sim);

    std::printf("native end %llu ps, SystemC end %llu ps, statistics %zu bytes, lost writes %g\n",
                (unsigned long long)end1, (unsigned long long)sc_end, a.size(), lost);
    if (k.status() != 0) {
        std::fprintf(stderr, "SystemC run failed: %s\n", k.error().c_str());
        failures++;
    }
    if (a.empty() || a != b) {
        std::fprintf(stderr, "statistics differ between native and SystemC runs\n");
        failures++;
    }
    if (sc_end != end1) {
        std::fprintf(stderr, "end time differs: native %llu, SystemC %llu\n",
                     (unsigned long long)end1, (unsigned long long)sc_end);
        failures++;
    }
    if (other == a) {
        std::fprintf(stderr, "another seed gave the same statistics: the comparison is blind\n");
        failures++;
    }
    if (done <= 0 || lost != 0) {
        std::fprintf(stderr, "the migration did not complete cleanly (end %g, lost %g)\n", done, lost);
        failures++;
    }
    if (failures)
        return 1;
    std::printf("test_tlm_kernel: native and SystemC runs identical\n");
    return 0;
}
