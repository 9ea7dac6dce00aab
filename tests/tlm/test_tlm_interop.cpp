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
 *   endian_words: an initiator of the other endianness than the host, in the
 *                 style of lt_mixed_endian, converts each access with
 *                 tlm_to_hostendian_word() / tlm_from_hostendian_word() on a
 *                 4-byte bus: 1-, 2- and 4-byte loads and stores at every
 *                 offset inside a word (and a word across two bus words) read
 *                 back the values its own byte order gives.
 *   partial_mask: byte enables as IEEE 1666-2011 clause 14 defines them: a
 *                 partial write leaves the disabled bytes of memory as they
 *                 were and takes the time of the unmasked write; a mask with
 *                 every byte enabled is exactly the unmasked access (data and
 *                 time); a partial read leaves the disabled bytes of the
 *                 buffer as they were; the same through nb_transport and
 *                 transport_dbg; a streaming width of 0 is a burst error.
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

/*
 * The endianness helpers copy a data word as its type at its own offset in
 * their buffers: misaligned for a 2-byte word at an odd address or a 4-byte
 * one across two bus words, which UBSan stops on (the sanitizer build turns on
 * ASan and UBSan together); those words are checked in the other builds.
 */
#if defined(__SANITIZE_ADDRESS__)
static const bool misaligned_words = false;
#else
static const bool misaligned_words = true;
#endif

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

    /* ---- endian_words: an initiator of the other byte order ---------------------------- */

    /* The initiator's load or store of a `size`-byte value at addr, as lt_mixed_endian does it. */
    template <class W> tlm::tlm_response_status me_access(tlm::tlm_command cmd, uint64_t addr, W *v)
    {
        tlm::tlm_generic_payload gp;
        W word = *v; /* arithmetic mode: the value in host order */
        /* every byte of the access enabled: without a mask the helpers form a pointer by
           adding (0 - data) to the data pointer, which UBSan reports as an overflow */
        unsigned char all[sizeof(W)];
        std::memset(all, TLM_BYTE_ENABLED, sizeof all);
        setup(gp, cmd, addr, reinterpret_cast<uint8_t *>(&word), sizeof(W), all, sizeof all);
        tlm::tlm_to_hostendian_word<W>(&gp, 4);
        sc_time d = SC_ZERO_TIME;
        socket->b_transport(gp, d);
        tlm::tlm_from_hostendian_word<W>(&gp, 4);
        if (cmd == tlm::TLM_READ_COMMAND)
            *v = word;
        return gp.get_response_status();
    }

    template <class W> W load(uint64_t addr)
    {
        W v = 0;
        CHECK(me_access<W>(tlm::TLM_READ_COMMAND, addr, &v) == tlm::TLM_OK_RESPONSE);
        return v;
    }

    template <class W> void store(uint64_t addr, W v)
    {
        CHECK(me_access<W>(tlm::TLM_WRITE_COMMAND, addr, &v) == tlm::TLM_OK_RESPONSE);
    }

    /* What the initiator reads as a `size`-byte value over its own memory image `img`. */
    static uint32_t value_of(const uint8_t *img, unsigned size)
    {
        uint32_t v = 0;
        bool big = tlm::host_has_little_endianness(); /* the initiator is the other order */
        for (unsigned i = 0; i < size; i++)
            v |= (uint32_t)img[big ? i : size - 1 - i] << (8 * (size - 1 - i));
        return v;
    }

    static void put_value(uint8_t *img, unsigned size, uint32_t v)
    {
        bool big = tlm::host_has_little_endianness();
        for (unsigned i = 0; i < size; i++)
            img[big ? i : size - 1 - i] = (uint8_t)(v >> (8 * (size - 1 - i)));
    }

    /* Check every 1-, 2- and 4-byte load inside [base, base + 12) against the image. */
    void check_loads(uint64_t base, const uint8_t *img)
    {
        for (unsigned off = 0; off < 12; off++) {
            CHECK(load<uint8_t>(base + off) == value_of(img + off, 1));
            if (off % 4 <= 2 && (off % 2 == 0 || misaligned_words))
                CHECK(load<uint16_t>(base + off) == value_of(img + off, 2));
            if (off + 4 <= 12 && (off % 4 == 0 || misaligned_words))
                CHECK(load<uint32_t>(base + off) == value_of(img + off, 4));
        }
    }

    void endian_words()
    {
        section = "endian_words";
        const uint64_t B = 0x900000;
        uint8_t img[12];
        /* three aligned words, then stores of every size at every offset inside a word */
        for (unsigned i = 0; i < 3; i++) {
            uint32_t v = 0x11223344u + 0x01010101u * 0x10 * i;
            store<uint32_t>(B + 4 * i, v);
            put_value(img + 4 * i, 4, v);
        }
        check_loads(B, img);
        for (unsigned off = 0; off < 4; off++) {
            store<uint8_t>(B + off, (uint8_t)(0xa0 + off));
            put_value(img + off, 1, 0xa0 + off);
            check_loads(B, img);
        }
        for (unsigned off = 4; off < 7; off += misaligned_words ? 1 : 2) {
            store<uint16_t>(B + off, (uint16_t)(0xb1c2 + off));
            put_value(img + off, 2, 0xb1c2 + off);
            check_loads(B, img);
        }
        /* a word at offsets 1, 2 and 3: across two bus words */
        for (unsigned off = 1; off < 4 && misaligned_words; off++) {
            store<uint32_t>(B + 4 + off, 0xd1e2f300u + off);
            put_value(img + 4 + off, 4, 0xd1e2f300u + off);
            check_loads(B, img);
        }
        /* the memory holds the image word by word in host order (word-invariant) */
        uint8_t mem[12];
        CHECK(xfer(tlm::TLM_READ_COMMAND, B, mem, 12) == tlm::TLM_OK_RESPONSE);
        for (unsigned i = 0; i < 12; i++)
            CHECK(mem[i] == img[(i & ~3u) + 3 - (i & 3u)]);
    }

    /* ---- partial_mask ------------------------------------------------------------------- */

    /* Fill [addr, addr + len) with `fill`, let the DRAM go idle, write `data` under `be`. */
    sc_time masked_write(uint64_t addr, const std::vector<uint8_t> &fill, std::vector<uint8_t> data,
                         unsigned char *be, unsigned be_len)
    {
        std::vector<uint8_t> f = fill;
        CHECK(xfer(tlm::TLM_WRITE_COMMAND, addr, f.data(), (unsigned)f.size()) ==
              tlm::TLM_OK_RESPONSE);
        wait(2, SC_US);
        sc_time took;
        CHECK(xfer(tlm::TLM_WRITE_COMMAND, addr, data.data(), (unsigned)data.size(), be, be_len,
                   &took) == tlm::TLM_OK_RESPONSE);
        wait(2, SC_US);
        return took;
    }

    std::vector<uint8_t> plain_read(uint64_t addr, unsigned len)
    {
        std::vector<uint8_t> r(len);
        CHECK(xfer(tlm::TLM_READ_COMMAND, addr, r.data(), len) == tlm::TLM_OK_RESPONSE);
        return r;
    }

    void partial_mask()
    {
        section = "partial_mask";
        const unsigned L = 128; /* two lines */
        std::vector<uint8_t> fill(L), data(L);
        for (unsigned i = 0; i < L; i++) {
            fill[i] = (uint8_t)(0xc0 ^ i);
            data[i] = (uint8_t)(3 * i + 5);
        }
        /* 64-byte mask, repeated on each line: bytes 8..55 of each line enabled */
        unsigned char part[64];
        for (unsigned i = 0; i < 64; i++)
            part[i] = i >= 8 && i < 56 ? TLM_BYTE_ENABLED : TLM_BYTE_DISABLED;
        unsigned char all[4] = { 0xff, 0xff, 0xff, 0xff };
        const uint64_t R1 = 0x1000000, R2 = 0x2000000, R3 = 0x3000000, R4 = 0x4000000;

        sc_time t_part = masked_write(R1, fill, data, part, 64);
        sc_time t_plain = masked_write(R2, fill, data, nullptr, 0);
        sc_time t_all = masked_write(R3, fill, data, all, 4);
        std::printf("128-byte write: unmasked %s, bytes 8..55 of each line %s, all enabled %s\n",
                    t_plain.to_string().c_str(), t_part.to_string().c_str(),
                    t_all.to_string().c_str());
        CHECK(t_plain > SC_ZERO_TIME);
        CHECK(t_part == t_plain);
        CHECK(t_all == t_plain);
        std::vector<uint8_t> want = fill;
        for (unsigned i = 0; i < L; i++)
            if (part[i % 64] == TLM_BYTE_ENABLED)
                want[i] = data[i];
        CHECK(plain_read(R1, L) == want);
        CHECK(plain_read(R2, L) == data);
        CHECK(plain_read(R3, L) == data);

        /* a mask with holes in every word: still only the enabled bytes written */
        unsigned char lanes[4] = { 0xff, 0, 0, 0xff };
        sc_time t_lanes = masked_write(R4, fill, data, lanes, 4);
        std::printf("128-byte write under lanes 0 and 3 of each word (one request per run): %s\n",
                    t_lanes.to_string().c_str());
        want = fill;
        for (unsigned i = 0; i < L; i++)
            if (lanes[i % 4] == TLM_BYTE_ENABLED)
                want[i] = data[i];
        CHECK(plain_read(R4, L) == want);

        /* a partial read: the enabled bytes from memory, the others left in the buffer; */
        /* timed as the plain read (both after a read of the same lines, the DRAM idle) */
        plain_read(R2, L);
        wait(2, SC_US);
        std::vector<uint8_t> rb(L, 0xee);
        sc_time t_mread, t_read;
        CHECK(xfer(tlm::TLM_READ_COMMAND, R2, rb.data(), L, part, 64, &t_mread) ==
              tlm::TLM_OK_RESPONSE);
        for (unsigned i = 0; i < L; i++)
            CHECK(rb[i] == (part[i % 64] == TLM_BYTE_ENABLED ? data[i] : 0xee));
        wait(2, SC_US);
        std::vector<uint8_t> rp(L);
        CHECK(xfer(tlm::TLM_READ_COMMAND, R2, rp.data(), L, nullptr, 0, &t_read) ==
              tlm::TLM_OK_RESPONSE);
        CHECK(t_mread == t_read);

        /* nb_transport: the same rules */
        {
            std::vector<uint8_t> nb = data;
            for (auto &b : nb)
                b ^= 0xff;
            tlm::tlm_generic_payload gp;
            setup(gp, tlm::TLM_WRITE_COMMAND, R1, nb.data(), L, lanes, 4);
            tlm::tlm_phase ph = tlm::BEGIN_REQ;
            sc_time d = SC_ZERO_TIME;
            if (socket->nb_transport_fw(gp, ph, d) != tlm::TLM_COMPLETED)
                wait(nb_done);
            CHECK(gp.get_response_status() == tlm::TLM_OK_RESPONSE);
            std::vector<uint8_t> r1 = plain_read(R1, L);
            for (unsigned i = 0; i < L; i++) {
                uint8_t was = part[i % 64] == TLM_BYTE_ENABLED ? data[i] : fill[i];
                CHECK(r1[i] == (lanes[i % 4] == TLM_BYTE_ENABLED ? nb[i] : was));
            }
        }

        /* transport_dbg: the same rules */
        {
            std::vector<uint8_t> dw(L, 0x5a);
            tlm::tlm_generic_payload gp;
            setup(gp, tlm::TLM_WRITE_COMMAND, R2, dw.data(), L, part, 64);
            CHECK(socket->transport_dbg(gp) == L);
            std::vector<uint8_t> dr(L, 0x33);
            setup(gp, tlm::TLM_READ_COMMAND, R2, dr.data(), L, lanes, 4);
            CHECK(socket->transport_dbg(gp) == L);
            std::vector<uint8_t> r2 = plain_read(R2, L);
            for (unsigned i = 0; i < L; i++) {
                CHECK(r2[i] == (part[i % 64] == TLM_BYTE_ENABLED ? 0x5a : data[i]));
                CHECK(dr[i] == (lanes[i % 4] == TLM_BYTE_ENABLED ? r2[i] : 0x33));
            }
            setup(gp, tlm::TLM_READ_COMMAND, R2, dr.data(), L);
            gp.set_streaming_width(0);
            CHECK(socket->transport_dbg(gp) == 0);
        }
        /* a streaming width of 0 is invalid, whatever the length */
        {
            uint8_t b[8];
            tlm::tlm_generic_payload gp;
            setup(gp, tlm::TLM_READ_COMMAND, R2, b, 8);
            gp.set_streaming_width(0);
            sc_time d = SC_ZERO_TIME;
            socket->b_transport(gp, d);
            CHECK(gp.get_response_status() == tlm::TLM_BURST_ERROR_RESPONSE);
        }
    }

    void run()
    {
        dmi_hint();
        endian_words();
        partial_mask();
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
