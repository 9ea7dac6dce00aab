/*
 * test_tlm_equiv.cpp - migsim-sc (every link a TLM-2.0 socket binding, the
 * SystemC kernel driving the C kernel) and `migsim run` write byte-identical
 * statistics (apart from the host section) and exit with the same status,
 * for the default scenario and every policy's example configuration
 * (bench/configs/), scaled to a 1 MiB page so the suite stays short, and for
 * the default scenario with delay links of bounded capacity (so refusals and
 * retries cross the sockets). Another seed must change the statistics, so the
 * comparison can fail.
 */
#include <systemc>

#include <cjson/cJSON.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace {

const char *const scale =
    " --set mig.page_bytes=\\\"1MiB\\\" --set mig.start_ps=2000000"
    " --set cpu0.gen_range_bytes=\\\"1MiB\\\" --set cpu0.gen_count=3000 --set cpu0.gen_gap_ps=20000"
    " --set nic0.gen_range_bytes=\\\"1MiB\\\" --set nic0.gen_ring_entries=64 --set nic0.gen_count=1500 --set nic0.gen_gap_ps=60000"
    " --set disk0.gen_range_bytes=\\\"1MiB\\\" --set disk0.gen_block_bytes=4096"
    " --set disk0.gen_count=200 --set disk0.gen_gap_ps=300000";

struct result {
    int status = -1;
    std::string stats; /* without "host" */
};

result run(const char *bin, const std::string &args, const std::string &out)
{
    result r;
    std::remove(out.c_str());
    std::string cmd = std::string(bin) + " --quiet" + args + " --out " + out + " >/dev/null 2>" +
                      out + ".err";
    int st = std::system(cmd.c_str());
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    std::ifstream f(out);
    std::stringstream ss;
    ss << f.rdbuf();
    cJSON *j = cJSON_Parse(ss.str().c_str());
    if (!j)
        return r;
    cJSON_DeleteItemFromObjectCaseSensitive(j, "host");
    char *txt = cJSON_PrintUnformatted(j);
    r.stats = txt ? txt : "";
    std::free(txt);
    cJSON_Delete(j);
    return r;
}

int check(const char *label, const std::string &args)
{
    std::string base = std::string("equiv_") + label;
    result n = run(MIGSIM_CLI " run", args, base + "_native.json");
    result s = run(MIGSIM_SC, args, base + "_sc.json");
    std::printf("%-20s native exit %d, SystemC exit %d, %zu bytes of statistics\n", label, n.status,
                s.status, n.stats.size());
    if (n.stats.empty() || n.status == 2) {
        std::fprintf(stderr, "%s: the native run failed (see %s_native.json.err)\n", label,
                     base.c_str());
        return 1;
    }
    if (n.status != s.status || n.stats != s.stats) {
        std::fprintf(stderr, "%s: migsim-sc differs from migsim run (%s_*.json)\n", label,
                     base.c_str());
        return 1;
    }
    return 0;
}

} // namespace

int sc_main(int, char *[])
{
    int failures = 0;
    const std::string cfg = std::string(" --config ") + MIGSIM_SOURCE_DIR + "/bench/configs/";
    failures += check("default", scale);
    for (const char *c : { "segmented", "segmented_batched", "segmented_mixed", "suspend_io",
                           "dual_write_whole", "none", "unsafe" })
        failures += check(c, cfg + c + ".json" + scale);

    /* delay links with little room: refusals and retries travel over the sockets */
    {
        std::ofstream f("equiv_links.json");
        f << "{ \"base\": \"migration\", \"links\": [\n";
        const char *l[][2] = { { "cpu0.out", "mmu0.in" },   { "mmu0.mem", "xmem.in0" },
                               { "nic0.out", "xio.in0" },   { "disk0.out", "xio.in1" },
                               { "xio.out", "iommu0.in" },  { "iommu0.mem", "dw0.in" },
                               { "mig.copy", "dw0.copy" },  { "dw0.mem", "xmem.in1" },
                               { "xmem.out", "llc0.in" },   { "llc0.mem", "dram0.in" } };
        for (size_t i = 0; i < sizeof l / sizeof l[0]; i++)
            f << (i ? ",\n" : "") << "  { \"from\": \"" << l[i][0] << "\", \"to\": \"" << l[i][1]
              << "\", \"latency_ps\": " << 500 + 250 * i << ", \"capacity\": " << 1 + i % 3
              << " }";
        f << "\n] }\n";
    }
    failures += check("delay_links", std::string(" --config equiv_links.json") + scale);

    /* CPU accesses beyond the mapped page wait on their faults for ever: the runs end idle
       with requests outstanding (exit 1) after slices in which nothing happens. A generator
       region outside every mapping is a configuration error, so the CPU replays a trace */
    if (std::system(MIGSIM_CLI " trace gen --pattern random --count 100 --base 4GiB --range 1GiB"
                    " --read-frac 0.7 --gap-ps 2000000 -o equiv_stalled_cpu.mtr >/dev/null") != 0) {
        std::fprintf(stderr, "stalled_cpu: migsim trace gen failed\n");
        failures++;
    }
    failures += check("stalled_cpu", " --set mig.page_bytes=\\\"1MiB\\\""
                                     " --set cpu0.trace=\\\"equiv_stalled_cpu.mtr\\\""
                                     " --set nic0.gen_range_bytes=\\\"1MiB\\\" --set nic0.gen_ring_entries=64"
                                     " --set nic0.gen_count=10 --set disk0.gen_count=5"
                                     " --set mig.start_ps=1000000");

    /* the comparison is not blind: another seed changes the statistics */
    result a = run(MIGSIM_CLI " run", scale, "equiv_seed1.json");
    result b = run(MIGSIM_CLI " run", std::string(scale) + " --set sim.seed=2", "equiv_seed2.json");
    if (a.stats.empty() || a.stats == b.stats) {
        std::fprintf(stderr, "another seed gave the same statistics: the comparison is blind\n");
        failures++;
    }
    if (failures) {
        std::fprintf(stderr, "test_tlm_equiv: %d failure(s)\n", failures);
        return 1;
    }
    std::printf("test_tlm_equiv: migsim-sc and migsim run agree on every configuration\n");
    return 0;
}
