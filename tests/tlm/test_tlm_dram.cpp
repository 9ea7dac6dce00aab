/*
 * test_tlm_dram.cpp - the DRAM model behind a TLM-2.0 target socket, driven by
 * a plain SystemC initiator that knows nothing of libmigsim's internals.
 *
 * Checks: the closed-form idle-read latency (tRCD + tCL + tBL) through
 * b_transport; data written with b_transport (unaligned, several lines) reads
 * back through b_transport and through transport_dbg; a transport_dbg write is
 * seen by a timed read; a transfer larger than the read queue goes through the
 * refuse / retry path intact; nb_transport_fw with the base protocol phases;
 * payloads the model cannot take get the right error status; an annotated
 * delay is honoured; the model saw every line of every transaction.
 */
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "migsim_tlm.h"
#include "migsim/errors.h"

#include "dram/dram.h"

using namespace sc_core;

static int failures;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

/* The initiator: plain TLM-2.0, no libmigsim types. */
struct initiator : sc_module {
    tlm_utils::simple_initiator_socket<initiator> socket;
    sc_event bw_resp;
    tlm::tlm_generic_payload *bw_gp = nullptr;
    /* filled by the test for the expectations */
    uint64_t tCK_ps = 0, idle_read_cycles = 0;

    SC_HAS_PROCESS(initiator);
    explicit initiator(sc_module_name n) : sc_module(n), socket("socket")
    {
        socket.register_nb_transport_bw(this, &initiator::nb_bw);
        SC_THREAD(run);
    }

    tlm::tlm_sync_enum nb_bw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph, sc_time &delay)
    {
        (void)delay;
        if (ph == tlm::BEGIN_RESP) {
            bw_gp = &gp;
            bw_resp.notify(SC_ZERO_TIME);
            ph = tlm::END_RESP;
            return tlm::TLM_COMPLETED;
        }
        return tlm::TLM_ACCEPTED;
    }

    static void setup(tlm::tlm_generic_payload &gp, tlm::tlm_command cmd, uint64_t addr,
                      uint8_t *buf, unsigned len)
    {
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(buf);
        gp.set_data_length(len);
        gp.set_streaming_width(len);
    }

    tlm::tlm_response_status xfer(tlm::tlm_command cmd, uint64_t addr, uint8_t *buf, unsigned len,
                                  unsigned char *be = nullptr)
    {
        tlm::tlm_generic_payload gp;
        setup(gp, cmd, addr, buf, len);
        gp.set_byte_enable_ptr(be);
        gp.set_byte_enable_length(be ? len : 0);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_time d = SC_ZERO_TIME;
        socket->b_transport(gp, d);
        return gp.get_response_status();
    }

    unsigned dbg(tlm::tlm_command cmd, uint64_t addr, uint8_t *buf, unsigned len)
    {
        tlm::tlm_generic_payload gp;
        setup(gp, cmd, addr, buf, len);
        return socket->transport_dbg(gp);
    }

    void run()
    {
        /* 1. closed form: a read to an idle bank at cycle 100 */
        wait(sc_time((double)(100 * tCK_ps), SC_PS));
        sc_time t0 = sc_time_stamp();
        uint8_t line[64];
        CHECK(xfer(tlm::TLM_READ_COMMAND, 0, line, 64) == tlm::TLM_OK_RESPONSE);
        sc_time lat = sc_time_stamp() - t0;
        CHECK(lat == sc_time((double)(idle_read_cycles * tCK_ps), SC_PS));
        std::printf("idle read: %s (closed form %llu cycles of %llu ps)\n", lat.to_string().c_str(),
                    (unsigned long long)idle_read_cycles, (unsigned long long)tCK_ps);

        /* 2. unaligned multi-line write, read back timed and functionally */
        std::vector<uint8_t> w(200), r(200, 0), g(200, 0);
        for (unsigned i = 0; i < w.size(); i++)
            w[i] = (uint8_t)(i * 7 + 3);
        CHECK(xfer(tlm::TLM_WRITE_COMMAND, 0x10010, w.data(), 200) == tlm::TLM_OK_RESPONSE);
        CHECK(xfer(tlm::TLM_READ_COMMAND, 0x10010, r.data(), 200) == tlm::TLM_OK_RESPONSE);
        CHECK(r == w);
        CHECK(dbg(tlm::TLM_READ_COMMAND, 0x10010, g.data(), 200) == 200);
        CHECK(g == w);

        /* 3. a debug write is seen by a timed read */
        uint8_t pat[16];
        std::memset(pat, 0x5a, sizeof pat);
        CHECK(dbg(tlm::TLM_WRITE_COMMAND, 0x20008, pat, 16) == 16);
        uint8_t back[16] = { 0 };
        CHECK(xfer(tlm::TLM_READ_COMMAND, 0x20008, back, 16) == tlm::TLM_OK_RESPONSE);
        CHECK(std::memcmp(back, pat, 16) == 0);

        /* 4. 4 KiB in one transaction: 64 lines against a read queue of 2 */
        std::vector<uint8_t> big(4096), bigr(4096, 0);
        for (unsigned i = 0; i < big.size(); i++)
            big[i] = (uint8_t)(i ^ (i >> 8));
        CHECK(xfer(tlm::TLM_WRITE_COMMAND, 0x400000, big.data(), 4096) == tlm::TLM_OK_RESPONSE);
        CHECK(xfer(tlm::TLM_READ_COMMAND, 0x400000, bigr.data(), 4096) == tlm::TLM_OK_RESPONSE);
        CHECK(bigr == big);

        /* 5. nb_transport_fw, base protocol */
        {
            uint8_t nb[64] = { 0 };
            tlm::tlm_generic_payload gp;
            setup(gp, tlm::TLM_READ_COMMAND, 0x10010, nb, 64);
            gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            tlm::tlm_phase ph = tlm::BEGIN_REQ;
            sc_time d = SC_ZERO_TIME;
            bw_gp = nullptr;
            tlm::tlm_sync_enum s = socket->nb_transport_fw(gp, ph, d);
            if (s != tlm::TLM_COMPLETED)
                wait(bw_resp);
            CHECK(s == tlm::TLM_COMPLETED || bw_gp == &gp);
            CHECK(gp.get_response_status() == tlm::TLM_OK_RESPONSE);
            CHECK(std::memcmp(nb, w.data(), 64) == 0);
        }

        /* 6. what the model cannot take: a byte-enable value other than 0xff and 0x00 */
        unsigned char be[8] = { 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0x01 };
        CHECK(xfer(tlm::TLM_WRITE_COMMAND, 0, line, 8, be) == tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        /* a mask with every byte enabled, shorter than the data (it repeats), is a plain access */
        {
            unsigned char all[4] = { 0xff, 0xff, 0xff, 0xff };
            uint8_t wr[16], rd[16] = { 0 };
            for (unsigned i = 0; i < 16; i++)
                wr[i] = (uint8_t)(0xa0 + i);
            tlm::tlm_generic_payload gp;
            setup(gp, tlm::TLM_WRITE_COMMAND, 0x30000, wr, 16);
            gp.set_byte_enable_ptr(all);
            gp.set_byte_enable_length(4);
            sc_time d = SC_ZERO_TIME;
            socket->b_transport(gp, d);
            CHECK(gp.get_response_status() == tlm::TLM_OK_RESPONSE);
            all[3] = 0x80;
            setup(gp, tlm::TLM_READ_COMMAND, 0x30000, rd, 16);
            socket->b_transport(gp, d);
            CHECK(gp.get_response_status() == tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
            CHECK(xfer(tlm::TLM_READ_COMMAND, 0x30000, rd, 16) == tlm::TLM_OK_RESPONSE);
            CHECK(std::memcmp(rd, wr, 16) == 0);
        }
        {
            tlm::tlm_generic_payload gp;
            setup(gp, tlm::TLM_READ_COMMAND, 0, line, 64);
            gp.set_streaming_width(8);
            sc_time d = SC_ZERO_TIME;
            socket->b_transport(gp, d);
            CHECK(gp.get_response_status() == tlm::TLM_BURST_ERROR_RESPONSE);
        }
        /* 7. an annotated delay is honoured: the read starts 10 ns later */
        {
            sc_time before = sc_time_stamp();
            tlm::tlm_generic_payload gp;
            setup(gp, tlm::TLM_READ_COMMAND, 0x10010, line, 64);
            sc_time d(10, SC_NS);
            socket->b_transport(gp, d);
            CHECK(d == SC_ZERO_TIME);
            CHECK(sc_time_stamp() >= before + sc_time(10, SC_NS));
        }
    }
};

static const char *const CFG =
    "{ \"base\": \"none\", \"sim\": { \"external_ports\": [\"dram0.in\"] },"
    "  \"components\": { \"dram0\": { \"type\": \"dram\", \"preset\": \"DDR4-2400\","
    "    \"refresh\": false, \"read_queue_depth\": 2, \"write_queue_depth\": 4,"
    "    \"write_high_watermark\": 3, \"write_low_watermark\": 1 } } }";

int sc_main(int, char *[])
{
    sc_set_time_resolution(1, SC_PS);
    migsim_sim_t *sim = nullptr;
    if (migsim_sim_create(&sim, CFG, "test_tlm_dram") != 0) {
        std::fprintf(stderr, "%s\n", migsim_errmsg());
        return 1;
    }
    dram_t *d = (dram_t *)migsim_sim_find(sim, "dram0");
    migsim_fmem_t fm = dram_fmem(d);
    migsim_tlm::kernel k("kernel", sim);
    migsim_tlm::target mem("mem", k, "dram0.in", &fm, MIGSIM_SRC_DMA, 0);
    initiator ini("ini");
    ini.tCK_ps = d->t.tCK_ps;
    ini.idle_read_cycles = d->t.tRCD + d->t.tCL + dram_tBL(&d->t);
    ini.socket.bind(mem.socket);
    sc_start();
    CHECK(k.status() == 0);
    /* every line of every transaction reached the model, and the queue refused some */
    double reads = 0, writes = 0, refused = 0;
    CHECK(migsim_sim_stat(sim, "dram0.read_reqs", &reads) == 0);
    CHECK(migsim_sim_stat(sim, "dram0.write_reqs", &writes) == 0);
    CHECK(migsim_sim_stat(sim, "dram0.refused_reqs", &refused) == 0);
    CHECK(reads == 1 + 4 + 1 + 64 + 2 + 1 + 2); /* the read with a bad mask is refused unsent */
    CHECK(writes == 4 + 64 + 1);
    CHECK(refused > 0);
    CHECK(mem.transactions() == 10); /* b_transport calls that reached the model (nb included) */
    std::printf("lines read %.0f, written %.0f, refused sends %.0f\n", reads, writes, refused);
    migsim_sim_destroy(sim);
    if (failures) {
        std::fprintf(stderr, "test_tlm_dram: %d check(s) failed\n", failures);
        return 1;
    }
    std::printf("test_tlm_dram: all checks passed\n");
    return 0;
}
