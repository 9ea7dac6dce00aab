/*
 * test_tlm_thirdparty.cpp - libmigsim's IOMMU, dual-write chip and DRAM in
 * someone else's SystemC platform, during a migration.
 *
 * Two migration platforms (a 1 MiB page moving from 1 GiB to 2 GiB while a
 * CPU trace runs) are built with every link a TLM-2.0 socket binding
 * (migsim_tlm::platform). The DMA devices are taken out; in their place plain
 * TLM-2.0 initiators written here, which know nothing of libmigsim, drive
 *   platform A: the IOMMU's target socket (IOVAs) and the DRAM's second port;
 *   platform B: the dual-write chip's target socket (physical addresses);
 * with b_transport and with nb_transport (base protocol, both ways of ending
 * the response phase), before, during and after the migration, and check
 * that every read returns what they wrote. The oracle of each platform must
 * find no lost write, and an unmapped IOVA must give an address error.
 *
 * DMI on the DRAM: granted on the page before the migration, invalidated
 * before the first subpage is copied (block 210 of FIG. 2), refused on the
 * moving ranges while it runs, still granted elsewhere, granted again after.
 */
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "migsim/errors.h"
#include "migsim_tlm.h"

#include "migctl/migctl.h"

using namespace sc_core;

static int failures = 0;
#define CHECK(cond, ...)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            std::fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                         \
            std::fprintf(stderr, __VA_ARGS__);                                                \
            std::fprintf(stderr, "\n");                                                       \
            failures++;                                                                       \
        }                                                                                     \
    } while (0)

/* ---- a plain TLM-2.0 initiator: nothing below knows libmigsim ---------------------- */

struct tester : sc_module {
    tlm_utils::simple_initiator_socket<tester> socket;
    sc_event end_req, begin_resp;
    tlm::tlm_generic_payload *in_resp = nullptr;
    bool accept_resp = false; /* answer BEGIN_RESP with TLM_ACCEPTED, then END_RESP */
    unsigned b_calls = 0, nb_calls = 0;
    sc_time dmi_invalidated = SC_ZERO_TIME;
    bool dmi_was_invalidated = false;
    uint64_t inval_lo = 0, inval_hi = 0;

    explicit tester(sc_module_name n) : sc_module(n), socket("socket")
    {
        socket.register_nb_transport_bw(this, &tester::nb_bw);
        socket.register_invalidate_direct_mem_ptr(this, &tester::inval);
    }

    tlm::tlm_sync_enum nb_bw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph, sc_time &)
    {
        if (ph == tlm::END_REQ) {
            end_req.notify();
            return tlm::TLM_ACCEPTED;
        }
        if (ph == tlm::BEGIN_RESP) {
            in_resp = &gp;
            begin_resp.notify();
            return accept_resp ? tlm::TLM_ACCEPTED : tlm::TLM_COMPLETED;
        }
        return tlm::TLM_ACCEPTED;
    }

    void inval(sc_dt::uint64 lo, sc_dt::uint64 hi)
    {
        if (!dmi_was_invalidated) {
            dmi_invalidated = sc_time_stamp();
            dmi_was_invalidated = true;
        }
        inval_lo = lo;
        inval_hi = hi;
    }

    static void fill(tlm::tlm_generic_payload &gp, tlm::tlm_command cmd, uint64_t addr,
                     uint8_t *data, unsigned len)
    {
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(data);
        gp.set_data_length(len);
        gp.set_streaming_width(len);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    }

    tlm::tlm_response_status blocking(tlm::tlm_command cmd, uint64_t addr, uint8_t *data,
                                      unsigned len, bool *dmi_hint = nullptr)
    {
        tlm::tlm_generic_payload gp;
        fill(gp, cmd, addr, data, len);
        sc_time d(10, SC_NS); /* a quantum keeper's local offset */
        socket->b_transport(gp, d);
        b_calls++;
        if (dmi_hint)
            *dmi_hint = gp.is_dmi_allowed();
        return gp.get_response_status();
    }

    tlm::tlm_response_status timed(tlm::tlm_command cmd, uint64_t addr, uint8_t *data,
                                   unsigned len)
    {
        tlm::tlm_generic_payload gp;
        fill(gp, cmd, addr, data, len);
        tlm::tlm_phase ph = tlm::BEGIN_REQ;
        sc_time d = SC_ZERO_TIME;
        in_resp = nullptr;
        tlm::tlm_sync_enum rc = socket->nb_transport_fw(gp, ph, d);
        nb_calls++;
        if (rc == tlm::TLM_COMPLETED)
            return gp.get_response_status();
        if (rc == tlm::TLM_ACCEPTED)
            wait(end_req);
        if (!in_resp)
            wait(begin_resp);
        if (accept_resp) {
            tlm::tlm_phase e = tlm::END_RESP;
            sc_time z = SC_ZERO_TIME;
            socket->nb_transport_fw(gp, e, z);
        }
        return gp.get_response_status();
    }

    /* write a pattern, read it back, with b_transport or nb_transport */
    bool roundtrip(bool nb, uint64_t addr, unsigned len, uint8_t seed)
    {
        std::vector<uint8_t> w(len), r(len, 0);
        for (unsigned i = 0; i < len; i++)
            w[i] = (uint8_t)(seed + 7 * i);
        tlm::tlm_response_status s1 = nb ? timed(tlm::TLM_WRITE_COMMAND, addr, w.data(), len)
                                         : blocking(tlm::TLM_WRITE_COMMAND, addr, w.data(), len);
        tlm::tlm_response_status s2 = nb ? timed(tlm::TLM_READ_COMMAND, addr, r.data(), len)
                                         : blocking(tlm::TLM_READ_COMMAND, addr, r.data(), len);
        return s1 == tlm::TLM_OK_RESPONSE && s2 == tlm::TLM_OK_RESPONSE && w == r;
    }

    bool check(bool nb, uint64_t addr, unsigned len, uint8_t seed)
    {
        std::vector<uint8_t> r(len, 0);
        tlm::tlm_response_status s = nb ? timed(tlm::TLM_READ_COMMAND, addr, r.data(), len)
                                        : blocking(tlm::TLM_READ_COMMAND, addr, r.data(), len);
        for (unsigned i = 0; i < len; i++)
            if (r[i] != (uint8_t)(seed + 7 * i)) {
                std::fprintf(stderr, "%s: read-back mismatch at 0x%llx byte %u: got %u, wrote %u (status %d)\n", name(),
                             (unsigned long long)addr, i, r[i], (uint8_t)(seed + 7 * i), (int)s);
                return false;
            }
        return s == tlm::TLM_OK_RESPONSE;
    }
};

/* ---- the harness: builds the platforms and knows where the page is ------------------ */

static const uint64_t GiB = 1ull << 30, PAGE = 1ull << 20, SUB = 64ull << 10;

static migsim_sim_t *make(bool with_iommu)
{
    std::string js =
        "{ \"base\": \"migration\",\n"
        "  \"sim\": { \"external_ports\": [";
    js += with_iommu ? "\"iommu0.in\", \"dram0.in1\"" : "\"dw0.in\"";
    js += "] },\n"
          "  \"components\": { \"nic0\": null, \"disk0\": null, \"xio\": null,\n";
    if (!with_iommu)
        js += "    \"iommu0\": null,\n";
    js += "    \"cpu0\": { \"gen_range_bytes\": \"1MiB\", \"gen_count\": 3000, \"gen_gap_ps\": 20000,\n"
          "              \"gen_read_frac\": 1.0 },\n"
          "    \"mig\": { \"page_bytes\": \"1MiB\", \"start_ps\": 2000000, \"dma_devs\": \"\"";
    js += with_iommu ? " } },\n" : ", \"iommu\": \"\" } },\n";
    js += "  \"links\": [ { \"from\": \"cpu0.out\", \"to\": \"mmu0.in\" },\n"
          "    { \"from\": \"mmu0.mem\", \"to\": \"xmem.in0\" },\n";
    if (with_iommu)
        js += "    { \"from\": \"iommu0.mem\", \"to\": \"dw0.in\" },\n";
    js += "    { \"from\": \"mig.copy\", \"to\": \"dw0.copy\" },\n"
          "    { \"from\": \"dw0.mem\", \"to\": \"xmem.in1\" },\n"
          "    { \"from\": \"xmem.out\", \"to\": \"llc0.in\" },\n"
          "    { \"from\": \"llc0.mem\", \"to\": \"dram0.in\", \"latency_ps\": 2000 } ] }\n";
    migsim_sim_t *sim = nullptr;
    std::string path = with_iommu ? "thirdparty_a.json" : "thirdparty_b.json";
    FILE *f = std::fopen(path.c_str(), "w");
    std::fputs(js.c_str(), f);
    std::fclose(f);
    if (migsim_sim_create_ex(&sim, nullptr, path.c_str(), nullptr, 0, MIGSIM_SIM_LINKS_UNBOUND)) {
        std::fprintf(stderr, "test_tlm_thirdparty: %s\n", migsim_errmsg());
        std::exit(1);
    }
    return sim;
}

static migsim_sim_t *sim_a, *sim_b;
static migctl_t *mig_a, *mig_b;

static int phase(migsim_sim_t *sim) { return migsim_sim_phase(sim); }

struct scenario : sc_module {
    SC_HAS_PROCESS(scenario);
    tester io, mem, chip;
    migsim_tlm::dram *dram_a = nullptr;
    int dmi_during_denied = -1, dmi_during_outside = -1, dmi_after = -1;
    sc_time first_copy = SC_ZERO_TIME;

    explicit scenario(sc_module_name n) : sc_module(n), io("io"), mem("mem"), chip("chip")
    {
        SC_THREAD(drive_iommu);
        SC_THREAD(drive_dram);
        SC_THREAD(drive_chip);
    }

    /* IOVA 4 GiB maps the page; offsets in three segments of the migration */
    void drive_iommu()
    {
        const uint64_t iova = 4 * GiB;
        CHECK(io.roundtrip(false, iova + 0x100, 256, 1), "IOMMU b_transport before");
        CHECK(phase(sim_a) == MIGSIM_PHASE_BEFORE, "IOMMU: the migration started too early");
        wait(sc_time(10, SC_US));
        CHECK(phase(sim_a) == MIGSIM_PHASE_DURING, "IOMMU: not during the migration");
        for (unsigned i = 0; i < 16; i++) {
            uint64_t a = iova + i * SUB + 0x40 * (i % 5);
            CHECK(io.roundtrip(i % 2, a, 64 * (1 + i % 3), (uint8_t)(10 + i)),
                  "IOMMU %s during, subpage %u", i % 2 ? "nb_transport" : "b_transport", i);
        }
        io.accept_resp = true;
        CHECK(io.roundtrip(true, iova + PAGE - 128, 128, 40), "IOMMU nb (END_RESP) during");
        uint8_t buf[64];
        CHECK(io.blocking(tlm::TLM_READ_COMMAND, 64 * GiB, buf, 64) ==
                  tlm::TLM_ADDRESS_ERROR_RESPONSE, "an unmapped IOVA is not an address error");
        while (phase(sim_a) != MIGSIM_PHASE_AFTER)
            wait(sc_time(5, SC_US));
        CHECK(io.check(false, iova + 0x100, 256, 1), "IOMMU: before-data after the migration");
        for (unsigned i = 0; i < 16; i++)
            CHECK(io.check(i % 3 == 0, iova + i * SUB + 0x40 * (i % 5), 64 * (1 + i % 3),
                           (uint8_t)(10 + i)), "IOMMU: subpage %u after the migration", i);
        CHECK(io.check(true, iova + PAGE - 128, 128, 40), "IOMMU: last line after");
        CHECK(io.check(false, iova + 0x2000, 64, 200), "IOMMU: the line written by DMI, moved");
    }

    /* the DRAM's second port: timed access and DMI */
    void drive_dram()
    {
        tlm::tlm_generic_payload gp;
        tlm::tlm_dmi dmi;
        /* a response says when DMI would be granted (an initiator such as lt_dmi asks then) */
        uint8_t probe[64];
        bool hint = false;
        CHECK(mem.blocking(tlm::TLM_READ_COMMAND, GiB + 0x2040, probe, 64, &hint) ==
                  tlm::TLM_OK_RESPONSE && hint, "no DMI hint on a DRAM response before the migration");
        gp.set_address(GiB + 0x2000); /* inside the page, before it moves */
        CHECK(mem.socket->get_direct_mem_ptr(gp, dmi), "DMI not granted before the migration");
        CHECK(dmi.get_start_address() <= GiB + 0x2000 && dmi.get_end_address() >= GiB + 0x2000 &&
                  dmi.is_read_write_allowed(), "DMI range");
        /* a line written straight into memory: the migration must carry it along */
        uint8_t *p = dmi.get_dmi_ptr() + (GiB + 0x2000 - dmi.get_start_address());
        for (unsigned i = 0; i < 64; i++)
            p[i] = (uint8_t)(200 + 7 * i);
        wait(sc_time(10, SC_US));
        CHECK(mem.dmi_was_invalidated, "DMI not invalidated when the migration started");
        CHECK(mem.inval_lo <= GiB + 0x2000 || mem.inval_hi >= GiB, "invalidated range");
        gp.set_address(GiB + 0x2000);
        dmi_during_denied = mem.socket->get_direct_mem_ptr(gp, dmi) ? 0 : 1;
        gp.set_address(2 * GiB + 0x2000);
        dmi_during_denied &= mem.socket->get_direct_mem_ptr(gp, dmi) ? 0 : 1;
        gp.set_address(3 * GiB);
        dmi_during_outside = mem.socket->get_direct_mem_ptr(gp, dmi) ? 1 : 0;
        CHECK(mem.blocking(tlm::TLM_READ_COMMAND, GiB + 0x2040, probe, 64, &hint) ==
                  tlm::TLM_OK_RESPONSE && !hint, "a DMI hint on a migrating range");
        CHECK(mem.blocking(tlm::TLM_READ_COMMAND, 3 * GiB + 0x40, probe, 64, &hint) ==
                  tlm::TLM_OK_RESPONSE && hint, "no DMI hint outside the migrating ranges");
        CHECK(phase(sim_a) == MIGSIM_PHASE_DURING, "DRAM: not during the migration");
        for (unsigned i = 0; i < 8; i++)
            CHECK(mem.roundtrip(i % 2, 3 * GiB + i * 4096 + 8 * i, 200, (uint8_t)(60 + i)),
                  "DRAM %s during, %u", i % 2 ? "nb_transport" : "b_transport", i);
        while (phase(sim_a) != MIGSIM_PHASE_AFTER)
            wait(sc_time(5, SC_US));
        gp.set_address(GiB + 0x2000);
        dmi_after = mem.socket->get_direct_mem_ptr(gp, dmi) ? 1 : 0;
        /* the debug interface sees what the timed writes left */
        std::vector<uint8_t> r(200);
        tlm::tlm_generic_payload dbg;
        dbg.set_command(tlm::TLM_READ_COMMAND);
        dbg.set_address(3 * GiB + 3 * 4096 + 24);
        dbg.set_data_ptr(r.data());
        dbg.set_data_length(200);
        dbg.set_streaming_width(200);
        CHECK(mem.socket->transport_dbg(dbg) == 200 && r[5] == (uint8_t)(63 + 35),
              "transport_dbg after timed writes");
    }

    /* the chip by physical address: current page before, both copies while moving */
    void drive_chip()
    {
        const uint64_t cur = GiB, tgt = 2 * GiB;
        CHECK(chip.roundtrip(true, cur + 0x80, 192, 90), "chip nb before");
        wait(sc_time(10, SC_US));
        CHECK(phase(sim_b) == MIGSIM_PHASE_DURING, "chip: not during the migration");
        for (unsigned i = 0; i < 16; i++)
            CHECK(chip.roundtrip(i % 2 == 0, cur + i * SUB + 0x200, 128, (uint8_t)(100 + i)),
                  "chip %s during, subpage %u", i % 2 == 0 ? "nb_transport" : "b_transport", i);
        /* the debug interface sees the same bytes, routed as the chip routes them */
        for (unsigned i = 0; i < 16; i++) {
            uint8_t r[128];
            tlm::tlm_generic_payload dbg;
            tester::fill(dbg, tlm::TLM_READ_COMMAND, cur + i * SUB + 0x200, r, 128);
            bool ok = chip.socket->transport_dbg(dbg) == 128;
            for (unsigned b = 0; b < 128 && ok; b++)
                ok = r[b] == (uint8_t)(100 + i + 7 * b);
            CHECK(ok, "chip transport_dbg during, subpage %u", i);
        }
        /* half way, debug writes land where the chip reads: the target for moved subpages */
        wait(sc_time(60, SC_US));
        CHECK(phase(sim_b) == MIGSIM_PHASE_DURING, "chip: not during the migration (2)");
        for (unsigned i = 0; i < 16; i += 5) {
            uint8_t w[64];
            for (unsigned b = 0; b < 64; b++)
                w[b] = (uint8_t)(150 + i + 7 * b);
            tlm::tlm_generic_payload dbg;
            tester::fill(dbg, tlm::TLM_WRITE_COMMAND, cur + i * SUB + 0x800, w, 64);
            CHECK(chip.socket->transport_dbg(dbg) == 64, "chip transport_dbg write");
            CHECK(chip.check(i % 2, cur + i * SUB + 0x800, 64, (uint8_t)(150 + i)),
                  "chip: a debug write not seen by a timed read, subpage %u", i);
        }
        while (phase(sim_b) != MIGSIM_PHASE_AFTER)
            wait(sc_time(5, SC_US));
        /* the page lives at the target now: every write made it there */
        CHECK(chip.check(false, tgt + 0x80, 192, 90), "chip: before-data at the target");
        for (unsigned i = 0; i < 16; i++)
            CHECK(chip.check(i % 2, tgt + i * SUB + 0x200, 128, (uint8_t)(100 + i)),
                  "chip: subpage %u at the target", i);
        for (unsigned i = 0; i < 16; i += 5)
            CHECK(chip.check(false, tgt + i * SUB + 0x800, 64, (uint8_t)(150 + i)),
                  "chip: debug write of subpage %u at the target", i);
    }
};

int sc_main(int, char *[])
{
    sc_set_time_resolution(1, SC_PS);
    sim_a = make(true);
    sim_b = make(false);
    mig_a = reinterpret_cast<migctl_t *>(migsim_sim_find(sim_a, "mig"));
    mig_b = reinterpret_cast<migctl_t *>(migsim_sim_find(sim_b, "mig"));
    migsim_tlm::platform pa("a", sim_a), pb("b", sim_b);
    scenario s("scenario");
    /* DMA-device sources, so the oracle counts these writes as the devices' */
    pa.get("iommu0").in("in").set_source(MIGSIM_SRC_DMA, 7);
    pb.get("dw0").in("in").set_source(MIGSIM_SRC_DMA, 8);
    s.io.socket.bind(pa.get("iommu0").target_socket("in"));
    s.mem.socket.bind(pa.get("dram0").target_socket("in1"));
    s.chip.socket.bind(pb.get("dw0").target_socket("in"));
    sc_start(sc_time(2, SC_MS));

    /* the first line copied: FIG. 2 block 210 in the controller's log */
    uint32_t n = 0;
    const migctl_step_t *log = migctl_log(mig_a, &n);
    migsim_tick_t copy_t = 0;
    for (uint32_t i = 0; i < n && !copy_t; i++)
        if (log[i].block == 210)
            copy_t = log[i].time;
    migsim_tick_t inval_t = migsim_tlm::to_ticks(s.mem.dmi_invalidated);
    std::printf("DMI invalidated at %llu ps, first copy at %llu ps; during: denied %d, elsewhere "
                "%d; after %d\n", (unsigned long long)inval_t, (unsigned long long)copy_t,
                s.dmi_during_denied, s.dmi_during_outside, s.dmi_after);
    CHECK(copy_t > 0 && s.mem.dmi_was_invalidated && inval_t <= copy_t,
          "DMI invalidation (%llu ps) not before the first copy (%llu ps)",
          (unsigned long long)inval_t, (unsigned long long)copy_t);
    CHECK(s.dmi_during_denied == 1, "DMI granted on a migrating range");
    CHECK(s.dmi_during_outside == 1, "DMI refused outside the migrating ranges");
    CHECK(s.dmi_after == 1, "DMI not granted again after the migration");

    double lost_a = -1, lost_b = -1, end_a = 0, end_b = 0, commits_a = 0, commits_b = 0;
    migsim_sim_stat(sim_a, "mig.lost_writes", &lost_a);
    migsim_sim_stat(sim_b, "mig.lost_writes", &lost_b);
    migsim_sim_stat(sim_a, "mig.end_ps", &end_a);
    migsim_sim_stat(sim_b, "mig.end_ps", &end_b);
    migsim_sim_stat(sim_a, "mig.oracle_commits", &commits_a);
    migsim_sim_stat(sim_b, "mig.oracle_commits", &commits_b);
    std::printf("platform A: migration ended %.3f us, lost %g; platform B: ended %.3f us, lost %g; "
                "%u b_transport + %u nb_transport calls\n", end_a / 1e6, lost_a, end_b / 1e6,
                lost_b, s.io.b_calls + s.mem.b_calls + s.chip.b_calls,
                s.io.nb_calls + s.mem.nb_calls + s.chip.nb_calls);
    CHECK(end_a > 0 && end_b > 0, "a migration did not finish");
    CHECK(lost_a == 0 && lost_b == 0, "lost writes: %g, %g", lost_a, lost_b);
    CHECK(s.io.b_calls > 10 && s.io.nb_calls > 10 && s.chip.nb_calls > 10 &&
              s.mem.nb_calls > 4, "too few transactions");
    migsim_sim_destroy(sim_a);
    migsim_sim_destroy(sim_b);
    if (failures) {
        std::fprintf(stderr, "test_tlm_thirdparty: %d failure(s)\n", failures);
        return 1;
    }
    std::printf("test_tlm_thirdparty: all checks passed\n");
    return 0;
}
