/*
 * migsim_tlm.h - libmigsim models on the SystemC kernel, behind TLM-2.0 sockets.
 *
 * migsim_tlm::kernel drives a simulation's C event kernel from one SystemC
 * method process: it fires every C event due at the current SystemC time and
 * re-arms itself for the next one, so the models run unchanged and no
 * process switch happens per request inside the platform.
 *
 * migsim_tlm::target puts a TLM-2.0 target socket in front of a component's
 * input port listed in the configuration's sim.external_ports (for example
 * "dram0.in", "dw0.in", "io0.in"). It holds no model state: b_transport turns
 * the generic payload into line-sized requests, hands them to the C model and
 * returns when the model has answered them all; transport_dbg reads and writes
 * the functional store. nb_transport_fw is served through the socket's
 * base-protocol adapter (BEGIN_REQ .. END_RESP) on top of b_transport.
 *
 * Time: one libmigsim tick is one picosecond; the SystemC time resolution must
 * be 1 ps or finer and divide 1 ps (checked when the kernel is built).
 */
#ifndef MIGSIM_TLM_H
#define MIGSIM_TLM_H

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <string>

#include "migsim/port.h"
#include "migsim/sim.h"
#include "migsim/store.h"

namespace migsim_tlm {

/* Ticks (ps) <-> sc_time. Both are exact; a duration that does not fit throws. */
migsim_tick_t to_ticks(const sc_core::sc_time &t);
sc_core::sc_time to_sc_time(migsim_tick_t ps);

/* The one mapping from a request status to a TLM response status. */
tlm::tlm_response_status to_tlm_status(int32_t status);

/*
 * Fill `req` for bytes [offset, offset + len) of `gp` (len <= one line, not
 * crossing a line). Returns TLM_OK_RESPONSE or the error status the payload
 * deserves (unsupported command, byte enables, streaming width).
 */
tlm::tlm_response_status payload_check(const tlm::tlm_generic_payload &gp);
void payload_to_req(const tlm::tlm_generic_payload &gp, uint64_t offset, uint32_t len,
                    migsim_req_t *req);

/* Drives a libmigsim simulation (borrowed) from the SystemC kernel. */
class kernel : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(kernel);
    kernel(sc_core::sc_module_name name, migsim_sim_t *sim);

    migsim_sim_t *sim() const { return sim_; }
    /* Fire every C event due up to the current SystemC time (before handing in work). */
    void sync();
    /* New work was handed to the C kernel: wake the driver for its next event. */
    void kick();
    /* 0, or the error a component reported (the SystemC run was stopped). */
    int status() const { return status_; }
    const std::string &error() const { return error_; }

private:
    void step();

    migsim_sim_t *sim_;
    migsim_kernel_t *k_;
    sc_core::sc_event wake_;
    int status_ = 0;
    std::string error_;
};

/* A TLM-2.0 target socket in front of the component input port `port_path`. */
class target : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<target> socket;

    /*
     * `port_path` must be listed in sim.external_ports. `fmem` (optional)
     * gives transport_dbg its functional view of the memory behind the port;
     * without one, transport_dbg transfers 0 bytes. Requests are tagged with
     * source `src_kind` / `src_idx` (migsim_src_kind_t).
     */
    target(sc_core::sc_module_name name, kernel &k, const char *port_path,
           const migsim_fmem_t *fmem = nullptr, uint8_t src_kind = 0, uint16_t src_idx = 0);

    uint64_t transactions() const { return transactions_; }

private:
    struct call;                    /* one b_transport in flight */
    struct ext_port {               /* the OUT port bound to the component; first member */
        migsim_port_t port;
        target *owner;
    };

    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload &gp);
    static void on_resp(migsim_port_t *self, migsim_req_t *req);
    static void on_retry(migsim_port_t *self);

    kernel &k_;
    ext_port out_;
    migsim_fmem_t fmem_{};
    bool has_fmem_ = false;
    uint8_t src_kind_;
    uint16_t src_idx_;
    sc_core::sc_event retry_ev_;
    uint64_t transactions_ = 0;
};

} // namespace migsim_tlm

#endif /* MIGSIM_TLM_H */
