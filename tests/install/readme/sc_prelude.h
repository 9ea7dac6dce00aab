/*
 * sc_prelude.h - the modules the README's sc_main leaves to its reader
 * (my_dma, my_cpu): plain TLM-2.0 initiators that write lines with
 * b_transport and read each one back. test_install.sh puts this file in
 * front of the README's program. my_dma writes through the dual-write chip
 * into the migrating page (PA 1 GiB) while my_platform.json migrates it
 * (from 2 us to about 130 us: a device addressing by PA is told the new
 * place when the migration ends, so it stops writing the old one before);
 * my_cpu writes through the DRAM's second port far from it. A line that does not read back as written, or an
 * access that does not end with TLM_OK_RESPONSE, ends the program with
 * status 1; each prints how many lines it checked.
 */
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

struct checker : sc_core::sc_module {
    SC_HAS_PROCESS(checker);
    tlm_utils::simple_initiator_socket<checker> socket;
    uint64_t base;
    unsigned lines, checked = 0;
    sc_core::sc_time gap;

    checker(sc_core::sc_module_name n, uint64_t base_pa, unsigned nlines, sc_core::sc_time every)
        : sc_module(n), socket("socket"), base(base_pa), lines(nlines), gap(every)
    {
        SC_THREAD(run);
    }

    void access(tlm::tlm_command cmd, uint64_t addr, uint8_t *data)
    {
        tlm::tlm_generic_payload gp;
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(data);
        gp.set_data_length(64);
        gp.set_streaming_width(64);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        socket->b_transport(gp, delay);
        if (gp.get_response_status() != tlm::TLM_OK_RESPONSE) {
            std::fprintf(stderr, "%s: access to 0x%llx ended with %s\n", name(),
                         (unsigned long long)addr, gp.get_response_string().c_str());
            std::exit(1);
        }
    }

    void run()
    {
        for (unsigned i = 0; i < lines; i++) {
            uint64_t addr = base + (uint64_t)i * 4096 + 64 * (i % 64);
            uint8_t w[64], r[64];
            for (unsigned b = 0; b < 64; b++)
                w[b] = (uint8_t)(i * 13 + b);
            access(tlm::TLM_WRITE_COMMAND, addr, w);
            std::memset(r, 0, sizeof r);
            access(tlm::TLM_READ_COMMAND, addr, r);
            if (std::memcmp(w, r, sizeof w) != 0) {
                std::fprintf(stderr, "%s: 0x%llx does not read back as written\n", name(),
                             (unsigned long long)addr);
                std::exit(1);
            }
            checked++;
            wait(gap);
        }
        std::printf("%s: %u lines written and read back\n", name(), checked);
    }
};

/* 96 lines over the migrating 1 MiB page, one every microsecond: before and during the copy */
struct my_dma : checker {
    explicit my_dma(sc_core::sc_module_name n) : checker(n, 1ull << 30, 96, sc_core::sc_time(1, sc_core::SC_US)) {}
};

/* 64 lines at 3 GiB through the DRAM's second port */
struct my_cpu : checker {
    explicit my_cpu(sc_core::sc_module_name n) : checker(n, 3ull << 30, 64, sc_core::sc_time(50, sc_core::SC_US)) {}
};
