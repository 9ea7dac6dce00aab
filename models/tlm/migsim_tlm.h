/*
 * migsim_tlm.h - libmigsim models on the SystemC kernel, behind TLM-2.0 sockets.
 *
 * migsim_tlm::kernel drives a simulation's C event kernel from one SystemC
 * method process: it fires every C event due at the current SystemC time and
 * re-arms itself for the next one, so the models run unchanged and no
 * process switch happens per request inside the platform.
 *
 * migsim_tlm::component wraps one component of the simulation (a trace
 * player, CPU MMU, IOMMU, DMA device, dual-write chip, DRAM, migration
 * controller, cache or crossbar). It holds no model state: each of the
 * component's external input ports becomes a migsim_tlm::target (a TLM-2.0
 * target socket) and each external output port a migsim_tlm::initiator (a
 * TLM-2.0 initiator socket). Ports are external when the configuration
 * lists them in sim.external_ports, or when the simulation was created with
 * MIGSIM_SIM_LINKS_UNBOUND (every $.links entry is then a socket binding,
 * which is what migsim_tlm::platform and the migsim-sc program do).
 *
 * Targets serve any TLM-2.0 base-protocol initiator:
 *   - b_transport (loosely timed): the annotated delay is waited out, the
 *     payload is split into line-sized requests for the model, and the call
 *     returns when the model has answered them all;
 *   - nb_transport_fw with BEGIN_REQ / END_REQ / BEGIN_RESP / END_RESP
 *     (approximately timed): END_REQ once every line of the payload has been
 *     accepted by the model (back-pressure), BEGIN_RESP when all are answered;
 *   - transport_dbg: the functional store, when the wrapper has one (DRAM),
 *     with the same byte-enable and streaming-width rules;
 *   - get_direct_mem_ptr: DRAM only, see migsim_tlm::dram.
 * Between two libmigsim modules a transaction carries a link_ext, the model's
 * own request, and the link keeps the native port semantics exactly: a
 * BEGIN_REQ the model refuses returns TLM_COMPLETED with
 * TLM_INCOMPLETE_RESPONSE, and when the model can take requests again the
 * target sends END_REQ on the backward path with a link_ext marked retry.
 * A link's latency and capacity ($.links) are modelled at the target socket.
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
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

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
 * Whether a payload can be served: an unsupported command, a byte-enable
 * mask of length 0 or with a value other than 0xff (enabled) and 0x00
 * (disabled), a streaming width of 0 or shorter than the data (a streaming
 * burst, not modelled) get the error status they deserve. Byte enables are
 * otherwise served as IEEE 1666-2011 clause 14 defines them: the mask
 * repeats over the data when shorter, a write writes only the enabled bytes,
 * a read leaves the disabled bytes of the initiator's buffer as they were,
 * and a mask with every byte enabled is a plain access. Then the one mapping
 * of bytes [offset, offset + len) of a payload (len <= one line, not
 * crossing a line) to a request, and of a request to a payload.
 */
tlm::tlm_response_status payload_check(const tlm::tlm_generic_payload &gp);
void payload_to_req(const tlm::tlm_generic_payload &gp, uint64_t offset, uint32_t len,
                    migsim_req_t *req);
void req_to_payload(migsim_req_t *req, tlm::tlm_generic_payload &gp);

/* What the holder of a request's cookie is, on the target side of a socket. */
struct hop {
    enum kind_t { LINK, BLOCKING, TIMED } kind;
    void *owner;                        /* the link_ext, call or timed holding this */
};

/* A libmigsim request travelling between two libmigsim modules. */
struct link_ext : tlm::tlm_extension<link_ext> {
    hop h{ hop::LINK, this };
    migsim_req_t *req = nullptr;        /* the model's request (borrowed) */
    void *saved_cookie = nullptr;       /* the sender's cookie while the request is inside */
    tlm::tlm_generic_payload *gp = nullptr;
    bool retry = false;                 /* backward END_REQ: send again */
    bool served = false;                /* a libmigsim target answered: req->status is set */
    bool refused = false;               /* a libmigsim target refused it: a retry will follow */

    link_ext() = default;
    link_ext(const link_ext &) = delete;
    link_ext &operator=(const link_ext &) = delete;

    tlm::tlm_extension_base *clone() const override;
    void copy_from(const tlm::tlm_extension_base &other) override;
};

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
    bool in_sync_ = false;
    int status_ = 0;
    std::string error_;
};

/* A TLM-2.0 target socket in front of a component's input port. */
class target : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<target> socket;

    /*
     * `port_path` ("dram0.in") must be listed in sim.external_ports. `fmem`
     * (optional) gives transport_dbg its functional view of the memory behind
     * the port; without one, transport_dbg transfers 0 bytes. Requests from
     * outside libmigsim are tagged with source `src_kind` / `src_idx`.
     */
    target(sc_core::sc_module_name name, kernel &k, const char *port_path,
           const migsim_fmem_t *fmem = nullptr, uint8_t src_kind = 0, uint16_t src_idx = 0);
    /* The component's port `port` (external), reached through a link of `latency_ps`. */
    target(sc_core::sc_module_name name, kernel &k, migsim_port_t *port,
           migsim_tick_t latency_ps = 0, uint32_t capacity = 16);
    ~target() override;

    void set_fmem(const migsim_fmem_t &fmem);
    void set_source(uint8_t src_kind, uint16_t src_idx);

    /* Direct memory access, answered by `fn` (none by default). */
    struct dmi_source {
        virtual bool get_dmi(uint64_t addr, tlm::tlm_dmi &dmi) = 0;
        /* Would get_dmi grant addr now? (the DMI-allowed hint of every response) */
        virtual bool dmi_allowed(uint64_t addr) const = 0;
        virtual ~dmi_source() = default;
    };
    void set_dmi_source(dmi_source *src) { dmi_ = src; }
    void invalidate_dmi(uint64_t start, uint64_t end);

    uint64_t transactions() const { return transactions_; }

private:
    struct call;                        /* one b_transport in flight */
    struct timed;                       /* one nb_transport transaction from outside */
    struct ext_port {                   /* the OUT port bound to the component; first member */
        migsim_port_t port;
        target *owner;
    };

    void bind_port(migsim_port_t *p, migsim_tick_t latency_ps, uint32_t capacity);
    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &phase,
                                       sc_core::sc_time &delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload &gp);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload &gp, tlm::tlm_dmi &dmi);
    static void on_resp(migsim_port_t *self, migsim_req_t *req);
    static void on_retry(migsim_port_t *self);
    static void on_timed_start(migsim_event_t *ev);
    static bool next_piece(const tlm::tlm_generic_payload &gp, uint64_t off, uint64_t *start,
                           uint64_t *len);
    migsim_req_t *line_req(const tlm::tlm_generic_payload &gp, uint64_t off, uint64_t len, hop *h);
    void line_done(tlm::tlm_generic_payload &gp, int32_t *status, migsim_req_t *req);
    void timed_send();
    void timed_line_done(timed *t, migsim_req_t *req);
    void timed_respond();
    void hint_dmi(tlm::tlm_generic_payload &gp) const; /* the DMI-allowed hint of a response */

    kernel &k_;
    ext_port out_;
    migsim_fmem_t fmem_{};
    bool has_fmem_ = false;
    uint8_t src_kind_ = 0;
    bool phys_ = false; /* the port takes physical addresses (not a CPU MMU's or IOMMU's input) */
    uint16_t src_idx_ = 0;
    dmi_source *dmi_ = nullptr;
    sc_core::sc_event retry_ev_;
    uint64_t transactions_ = 0;
    /* libmigsim initiator on the other side (it understands the retry END_REQ) */
    bool link_peer_ = false;
    tlm::tlm_generic_payload retry_gp_;
    link_ext retry_ext_;
    /* nb_transport from outside libmigsim */
    migsim_event_t timed_ev_{};
    timed *req_phase_ = nullptr;        /* between BEGIN_REQ and END_REQ */
    migsim_req_t *refused_ = nullptr;   /* its line the model refused, resent on retry */
    std::deque<timed *> resp_queue_;    /* answered, waiting for the response channel */
    timed *resp_phase_ = nullptr;       /* between BEGIN_RESP and END_RESP */
};

/* A TLM-2.0 initiator socket behind a component's output port. */
class initiator : public sc_core::sc_module, public tlm::tlm_bw_transport_if<> {
public:
    tlm::tlm_initiator_socket<> socket;

    /* The component's port `port` (external). */
    initiator(sc_core::sc_module_name name, kernel &k, migsim_port_t *port);
    ~initiator() override;

private:
    struct ext_port {                   /* the IN port bound to the component; first member */
        migsim_port_t port;
        initiator *owner;
    };
    static int on_recv(migsim_port_t *self, migsim_req_t *req);
    static void on_done(migsim_event_t *ev);
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &phase,
                                       sc_core::sc_time &delay) override;
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}
    void finish(tlm::tlm_generic_payload *gp);
    void finish_at(tlm::tlm_generic_payload *gp, const sc_core::sc_time &delay);

    kernel &k_;
    ext_port in_;
    std::vector<tlm::tlm_generic_payload *> free_;
    tlm::tlm_generic_payload *open_ = nullptr; /* outside target: request phase not ended */
    bool want_retry_ = false;
    migsim_event_t done_ev_{};
    std::multimap<migsim_tick_t, tlm::tlm_generic_payload *> done_; /* outside targets' answers */
};

/* One component of the simulation, with a socket per external port. */
class component : public sc_core::sc_module {
public:
    /* Wraps the component named `comp` of k's simulation; `type` checks its type (or NULL). */
    component(sc_core::sc_module_name name, kernel &k, const char *comp, const char *type = nullptr);

    migsim_comp_t *comp() const { return c_; }
    bool has_target(const char *port) const;
    bool has_initiator(const char *port) const;
    target &in(const char *port);            /* throws std::out_of_range if not external */
    initiator &out(const char *port);
    tlm_utils::simple_target_socket<target> &target_socket(const char *port)
    {
        return in(port).socket;
    }
    tlm::tlm_initiator_socket<> &initiator_socket(const char *port) { return out(port).socket; }

protected:
    kernel &k_;
    std::vector<std::pair<std::string, std::unique_ptr<target>>> ins_; /* by port name */

private:
    migsim_comp_t *c_;
    std::vector<std::pair<std::string, std::unique_ptr<initiator>>> outs_;
};

/* The DDR4 model: transport_dbg on its store; DMI outside migrating ranges. */
class dram : public component, private target::dmi_source {
public:
    dram(sc_core::sc_module_name name, kernel &k, const char *comp);
    /* Deny DMI on the ranges the migration controller `migctl_comp` moves while it runs. */
    void watch_migration(const char *migctl_comp);
    uint64_t dmi_grants() const { return grants_; }
    uint64_t dmi_invalidations() const { return invalidations_; }

private:
    bool get_dmi(uint64_t addr, tlm::tlm_dmi &dmi) override;
    bool dmi_allowed(uint64_t addr) const override;
    static void on_migration(void *ctx, bool running, uint64_t cur, uint64_t tgt, uint64_t bytes);
    bool blocked(uint64_t lo, uint64_t hi) const;

    struct range {
        uint64_t lo, hi;                /* [lo, hi) */
    };
    std::vector<range> blocked_;        /* migrating now */
    std::vector<range> granted_;        /* frames handed out, merged */
    uint64_t grants_ = 0, invalidations_ = 0;
};

/* Named wrappers: the component of that type, nothing more. */
#define MIGSIM_TLM_WRAPPER(cls, type_name)                                                  \
    class cls : public component {                                                        \
    public:                                                                               \
        cls(sc_core::sc_module_name name, kernel &k, const char *comp)                    \
            : component(name, k, comp, type_name) {}                                      \
    }
MIGSIM_TLM_WRAPPER(trace_player, "trace_player");
MIGSIM_TLM_WRAPPER(cpu_mmu, "cpu_mmu");
MIGSIM_TLM_WRAPPER(iommu, "iommu");
MIGSIM_TLM_WRAPPER(dma_device, "dma_dev");
MIGSIM_TLM_WRAPPER(migctl, "migctl");
#undef MIGSIM_TLM_WRAPPER

/*
 * The dual-write chip. transport_dbg on its sockets reads and writes by
 * physical address as the chip routes: the target page for migrated
 * subpages, both copies (writes) for the migrating ones, the current page
 * otherwise; through the functional view (cache and DRAM) of the migration
 * controller driving it (see debug_through).
 */
class dualwrite : public component {
public:
    dualwrite(sc_core::sc_module_name name, kernel &k, const char *comp);
    /* Functional memory behind the chip: that of the migration controller `migctl_comp`. */
    void debug_through(const char *migctl_comp);

private:
    static void dbg_read(void *ctx, uint64_t addr, void *dst, size_t len);
    static int dbg_write(void *ctx, uint64_t addr, const void *src, size_t len);
    void *mig_ = nullptr;               /* migctl_t, borrowed */
};

/*
 * A whole simulation as SystemC modules: the kernel, one wrapper per
 * component (named after it), and every $.links entry a socket binding.
 * `sim` (borrowed) must come from migsim_sim_create_ex with
 * MIGSIM_SIM_LINKS_UNBOUND. Ports in sim.external_ports keep unbound
 * sockets for the caller to bind. Each DRAM denies DMI on the ranges of
 * every migration controller using it while that migration runs.
 */
class platform : public sc_core::sc_module {
public:
    platform(sc_core::sc_module_name name, migsim_sim_t *sim);
    kernel &k() { return *k_; }
    component &get(const char *comp);       /* throws std::out_of_range */

private:
    std::unique_ptr<kernel> k_;
    std::vector<std::pair<std::string, std::unique_ptr<component>>> comps_;
};

} // namespace migsim_tlm

#endif /* MIGSIM_TLM_H */
