/*
 * test_tlm_interop.cpp - the DRAM behind migsim_tlm::dram, driven by
 * initiators written the way the TLM-2.0 examples write them.
 *
 *   dmi_hint:     an initiator in the style of lt_dmi asks for DMI only when a
 *                 response carries the DMI-allowed hint; it must get DMI after
 *                 its first access and use it from then on, and the bytes seen
 *                 through DMI and through b_transport must agree. A refused
 *                 payload (reused after a hinted response) and an address past
 *                 the DRAM (where DMI is refused) carry no hint.
 */
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "migsim/errors.h"
#include "migsim_tlm.h"

#include "dram/dram.h"

using namespace sc_core;

static int failures;
static const char *section = "";

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            std::fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, section, \
                         #cond);                                                             \
            failures++;                                                                      \
        }                                                                                    \
    } while (0)

/* The initiator: plain TLM-2.0, no libmigsim types. */
struct initiator : sc_module {
    tlm_utils::simple_initiator_socket<initiator> socket;
    uint64_t capacity = 0; /* the DRAM's, filled by sc_main */
    /* lt_dmi style: one DMI region, asked for on the hint */
    tlm::tlm_dmi dmi;
    bool dmi_ok = false;
    unsigned dmi_asked = 0, via_dmi = 0, via_b = 0;
    sc_event nb_done;

    SC_HAS_PROCESS(initiator);
    explicit initiator(sc_module_name n) : sc_module(n), socket("socket")
    {
        socket.register_invalidate_direct_mem_ptr(this, &initiator::invalidate);
        socket.register_nb_transport_bw(this, &initiator::nb_bw);
        SC_THREAD(run);
    }

    void invalidate(sc_dt::uint64, sc_dt::uint64) { dmi_ok = false; }

    tlm::tlm_sync_enum nb_bw(tlm::tlm_generic_payload &, tlm::tlm_phase &ph, sc_time &)
    {
        if (ph == tlm::BEGIN_RESP) {
            nb_done.notify(SC_ZERO_TIME);
            return tlm::TLM_COMPLETED;
        }
        return tlm::TLM_ACCEPTED;
    }

    static void setup(tlm::tlm_generic_payload &gp, tlm::tlm_command cmd, uint64_t addr,
                      uint8_t *buf, unsigned len, unsigned char *be = nullptr, unsigned be_len = 0)
    {
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(buf);
        gp.set_data_length(len);
        gp.set_streaming_width(len);
        gp.set_byte_enable_ptr(be);
        gp.set_byte_enable_length(be_len);
        gp.set_dmi_allowed(false);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    }

    /* A b_transport; *took gets the simulated time it took. */
    tlm::tlm_response_status xfer(tlm::tlm_command cmd, uint64_t addr, uint8_t *buf, unsigned len,
                                  unsigned char *be = nullptr, unsigned be_len = 0,
                                  sc_time *took = nullptr)
    {
        tlm::tlm_generic_payload gp;
        setup(gp, cmd, addr, buf, len, be, be_len);
        sc_time d = SC_ZERO_TIME, t0 = sc_time_stamp();
        socket->b_transport(gp, d);
        if (took)
            *took = sc_time_stamp() - t0;
        return gp.get_response_status();
    }

    /* ---- dmi_hint: the access routine of an lt_dmi-style initiator ---------------------- */

    tlm::tlm_response_status lt_access(tlm::tlm_command cmd, uint64_t addr, uint8_t *buf,
                                       unsigned len)
    {
        bool is_read = cmd == tlm::TLM_READ_COMMAND;
        if (dmi_ok && addr >= dmi.get_start_address() && addr + len - 1 <= dmi.get_end_address() &&
            (is_read ? dmi.is_read_allowed() : dmi.is_write_allowed())) {
            unsigned char *p = dmi.get_dmi_ptr() + (addr - dmi.get_start_address());
            if (is_read)
                std::memcpy(buf, p, len);
            else
                std::memcpy(p, buf, len);
            wait(is_read ? dmi.get_read_latency() : dmi.get_write_latency());
            via_dmi++;
            return tlm::TLM_OK_RESPONSE;
        }
        tlm::tlm_generic_payload gp;
        setup(gp, cmd, addr, buf, len);
        sc_time d = SC_ZERO_TIME;
        socket->b_transport(gp, d);
        via_b++;
        if (gp.is_response_ok() && gp.is_dmi_allowed()) {
            dmi_asked++;
            dmi.init();
            dmi_ok = socket->get_direct_mem_ptr(gp, dmi);
        }
        return gp.get_response_status();
    }

    void dmi_hint()
    {
        section = "dmi_hint";
        const uint64_t A = 0x800000;
        std::vector<uint8_t> w1(64), w2(64), w3(64), r(64);
        for (unsigned i = 0; i < 64; i++) {
            w1[i] = (uint8_t)(0x11 + i);
            w2[i] = (uint8_t)(0x83 ^ i);
            w3[i] = (uint8_t)(7 * i + 1);
        }
        /* the first access goes through b_transport; its response hints, DMI is granted */
        CHECK(lt_access(tlm::TLM_WRITE_COMMAND, A, w1.data(), 64) == tlm::TLM_OK_RESPONSE);
        CHECK(dmi_asked == 1 && dmi_ok);
        CHECK(dmi_ok && dmi.get_start_address() <= A && dmi.get_end_address() >= A + 255);
        /* from then on it uses DMI, and DMI sees what b_transport wrote and the other way */
        CHECK(lt_access(tlm::TLM_READ_COMMAND, A, r.data(), 64) == tlm::TLM_OK_RESPONSE);
        CHECK(r == w1);
        CHECK(lt_access(tlm::TLM_WRITE_COMMAND, A + 64, w2.data(), 64) == tlm::TLM_OK_RESPONSE);
        CHECK(xfer(tlm::TLM_READ_COMMAND, A + 64, r.data(), 64) == tlm::TLM_OK_RESPONSE);
        CHECK(r == w2);
        CHECK(xfer(tlm::TLM_WRITE_COMMAND, A + 128, w3.data(), 64) == tlm::TLM_OK_RESPONSE);
        CHECK(lt_access(tlm::TLM_READ_COMMAND, A + 128, r.data(), 64) == tlm::TLM_OK_RESPONSE);
        CHECK(r == w3);
        CHECK(via_b == 1 && via_dmi == 3 && dmi_asked == 1);

        /* a reused payload: hinted, then refused (streaming width 0): the hint is withdrawn */
        tlm::tlm_generic_payload gp;
        setup(gp, tlm::TLM_READ_COMMAND, A, r.data(), 64);
        sc_time d = SC_ZERO_TIME;
        socket->b_transport(gp, d);
        CHECK(gp.is_response_ok() && gp.is_dmi_allowed());
        gp.set_streaming_width(0);
        socket->b_transport(gp, d);
        CHECK(gp.get_response_status() == tlm::TLM_BURST_ERROR_RESPONSE && !gp.is_dmi_allowed());
        /* past the DRAM (the model wraps the address around): served, but no hint, no DMI */
        gp.set_streaming_width(64);
        gp.set_address(capacity);
        gp.set_dmi_allowed(true); /* an initiator that forgot to clear it */
        socket->b_transport(gp, d);
        CHECK(gp.is_response_ok() && !gp.is_dmi_allowed());
        tlm::tlm_dmi none;
        CHECK(!socket->get_direct_mem_ptr(gp, none));
    }

    void run()
    {
        dmi_hint();
    }
};

static const char *const CFG =
    "{ \"base\": \"none\", \"sim\": { \"external_ports\": [\"dram0.in\"] },"
    "  \"components\": { \"dram0\": { \"type\": \"dram\", \"preset\": \"DDR4-2400\","
    "    \"refresh\": false } } }";

int sc_main(int, char *[])
{
    sc_set_time_resolution(1, SC_PS);
    migsim_sim_t *sim = nullptr;
    if (migsim_sim_create(&sim, CFG, "test_tlm_interop") != 0) {
        std::fprintf(stderr, "%s\n", migsim_errmsg());
        return 1;
    }
    migsim_tlm::kernel k("kernel", sim);
    migsim_tlm::dram mem("mem", k, "dram0");
    initiator ini("ini");
    ini.capacity = reinterpret_cast<dram_t *>(mem.comp())->capacity_bytes;
    ini.socket.bind(mem.target_socket("in"));
    sc_start();
    CHECK(k.status() == 0);
    std::printf("DMI grants %llu\n", (unsigned long long)mem.dmi_grants());
    migsim_sim_destroy(sim);
    if (failures) {
        std::fprintf(stderr, "test_tlm_interop: %d check(s) failed\n", failures);
        return 1;
    }
    std::printf("test_tlm_interop: all checks passed\n");
    return 0;
}
