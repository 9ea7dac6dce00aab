/*
 * migsim_tlm.cpp - the SystemC driver of the C event kernel and the TLM-2.0
 * target adapter. See migsim_tlm.h.
 */
#include "migsim_tlm.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "migsim/errors.h"
#include "migsim/kernel.h"
#include "migsim/req.h"

#include "iommu/iommu.h"

namespace migsim_tlm {

using sc_core::sc_time;

/* femtoseconds per SystemC time unit (the resolution), checked once */
static uint64_t resolution_fs()
{
    static uint64_t fs = 0;
    if (!fs) {
        double v = sc_core::sc_get_time_resolution().to_seconds() * 1e15;
        uint64_t r = (uint64_t)std::llround(v);
        if (r == 0 || r > 1000 || 1000 % r != 0)
            throw std::runtime_error("libmigsim: the SystemC time resolution must divide 1 ps "
                                     "(sc_set_time_resolution(1, SC_PS) or finer)");
        fs = r;
    }
    return fs;
}

migsim_tick_t to_ticks(const sc_time &t)
{
    uint64_t per_ps = 1000 / resolution_fs(); /* resolution units per tick */
    return (migsim_tick_t)(t.value() / per_ps);
}

sc_time to_sc_time(migsim_tick_t ps)
{
    uint64_t per_ps = 1000 / resolution_fs();
    if (ps > UINT64_MAX / per_ps)
        throw std::overflow_error("libmigsim: tick count does not fit in sc_time");
    return sc_time::from_value(ps * per_ps);
}

tlm::tlm_response_status to_tlm_status(int32_t status)
{
    switch (status) {
    case 0:
        return tlm::TLM_OK_RESPONSE;
    case MIGSIM_ERANGE:
    case MIGSIM_ENOENT:
    case IOMMU_STATUS_FAULT: /* no valid translation for the address */
        return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    case MIGSIM_EINVAL:
        return tlm::TLM_COMMAND_ERROR_RESPONSE;
    default:
        return tlm::TLM_GENERIC_ERROR_RESPONSE;
    }
}

tlm::tlm_response_status payload_check(const tlm::tlm_generic_payload &gp)
{
    if (gp.get_command() != tlm::TLM_READ_COMMAND && gp.get_command() != tlm::TLM_WRITE_COMMAND &&
        gp.get_command() != tlm::TLM_IGNORE_COMMAND)
        return tlm::TLM_COMMAND_ERROR_RESPONSE;
    if (gp.get_byte_enable_ptr())
        return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
    if (gp.get_streaming_width() < gp.get_data_length())
        return tlm::TLM_BURST_ERROR_RESPONSE;
    if (gp.get_data_length() && !gp.get_data_ptr())
        return tlm::TLM_GENERIC_ERROR_RESPONSE;
    return tlm::TLM_OK_RESPONSE;
}

void payload_to_req(const tlm::tlm_generic_payload &gp, uint64_t offset, uint32_t len,
                    migsim_req_t *req)
{
    req->addr = req->orig_addr = gp.get_address() + offset;
    req->size = len;
    req->op = gp.is_write() ? MIGSIM_OP_WRITE : MIGSIM_OP_READ;
    req->flags = MIGSIM_REQ_HAS_DATA;
    if (gp.is_write())
        std::memcpy(req->data, gp.get_data_ptr() + offset, len);
}

/* ---- kernel ------------------------------------------------------------------ */

kernel::kernel(sc_core::sc_module_name name, migsim_sim_t *sim)
    : sc_module(name), sim_(sim), k_(migsim_sim_kernel(sim))
{
    resolution_fs();
    SC_METHOD(step);
    sensitive << wake_;
}

void kernel::sync()
{
    if (status_)
        return;
    migsim_tick_t now = to_ticks(sc_core::sc_time_stamp());
    /* starts the components on the first call; fires live events due up to now */
    int rc = migsim_sim_run(sim_, now);
    if (rc) {
        status_ = rc;
        error_ = migsim_errmsg();
        SC_REPORT_ERROR("libmigsim", error_.c_str());
        sc_core::sc_stop();
        return;
    }
    if (k_->now < now)
        migsim_kernel_run_until(k_, now); /* daemon events (epochs) due, and the clock itself */
}

void kernel::step()
{
    sync();
    kick();
}

void kernel::kick()
{
    if (status_ || k_->live == 0)
        return; /* nothing but daemons: the platform is idle until someone sends */
    migsim_tick_t next = migsim_kernel_next(k_);
    migsim_tick_t now = to_ticks(sc_core::sc_time_stamp());
    wake_.notify(next > now ? to_sc_time(next - now) : sc_core::SC_ZERO_TIME);
}

/* ---- target ------------------------------------------------------------------ */

struct target::call {
    tlm::tlm_generic_payload *gp;
    uint32_t outstanding;
    int32_t status;
    sc_core::sc_event done;
};

target::target(sc_core::sc_module_name name, kernel &k, const char *port_path,
               const migsim_fmem_t *fmem, uint8_t src_kind, uint16_t src_idx)
    : sc_module(name), socket("socket"), k_(k), src_kind_(src_kind), src_idx_(src_idx)
{
    std::memset(&out_, 0, sizeof out_);
    out_.owner = this;
    out_.port.name = this->name();
    out_.port.resp = on_resp;
    out_.port.retry = on_retry;
    if (migsim_sim_bind(k.sim(), port_path, &out_.port) != 0)
        throw std::invalid_argument(std::string("libmigsim: ") + migsim_errmsg());
    if (fmem) {
        fmem_ = *fmem;
        has_fmem_ = true;
    }
    socket.register_b_transport(this, &target::b_transport);
    socket.register_transport_dbg(this, &target::transport_dbg);
}

void target::on_resp(migsim_port_t *self, migsim_req_t *req)
{
    target *t = reinterpret_cast<ext_port *>(self)->owner;
    call *c = static_cast<call *>(req->cookie);
    uint64_t offset = req->orig_addr - c->gp->get_address();
    if (req->status && !c->status)
        c->status = req->status;
    else if (!req->status && c->gp->is_read())
        std::memcpy(c->gp->get_data_ptr() + offset, req->data, req->size);
    migsim_req_free(migsim_sim_pool(t->k_.sim()), req);
    if (--c->outstanding == 0)
        c->done.notify(sc_core::SC_ZERO_TIME);
}

void target::on_retry(migsim_port_t *self)
{
    reinterpret_cast<ext_port *>(self)->owner->retry_ev_.notify(sc_core::SC_ZERO_TIME);
}

void target::b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay)
{
    /* the annotated delay is honoured by synchronising first: the model is cycle-timed */
    if (delay != sc_core::SC_ZERO_TIME) {
        wait(delay);
        delay = sc_core::SC_ZERO_TIME;
    }
    tlm::tlm_response_status st = payload_check(gp);
    if (st != tlm::TLM_OK_RESPONSE || gp.get_command() == tlm::TLM_IGNORE_COMMAND ||
        gp.get_data_length() == 0) {
        gp.set_response_status(st);
        return;
    }
    transactions_++;
    call c;
    c.gp = &gp;
    c.outstanding = 0;
    c.status = 0;
    migsim_req_pool_t *pool = migsim_sim_pool(k_.sim());
    const uint64_t line = MIGSIM_REQ_DATA_BYTES;
    uint64_t addr = gp.get_address(), len = gp.get_data_length();
    for (uint64_t off = 0; off < len;) {
        uint64_t a = addr + off;
        uint32_t n = (uint32_t)std::min<uint64_t>(len - off, line - a % line);
        migsim_req_t *req = migsim_req_alloc(pool);
        if (!req) {
            c.status = MIGSIM_ENOMEM;
            break;
        }
        payload_to_req(gp, off, n, req);
        req->src_kind = src_kind_;
        req->src_idx = src_idx_;
        req->cookie = &c;
        for (;;) {
            k_.sync();
            req->t_issue = to_ticks(sc_core::sc_time_stamp());
            c.outstanding++;
            if (migsim_port_send(&out_.port, req) == 0)
                break;
            c.outstanding--;
            wait(retry_ev_); /* the component refused: it calls retry when it has room */
        }
        k_.kick();
        off += n;
    }
    while (c.outstanding)
        wait(c.done);
    gp.set_response_status(to_tlm_status(c.status));
}

unsigned int target::transport_dbg(tlm::tlm_generic_payload &gp)
{
    if (!has_fmem_ || payload_check(gp) != tlm::TLM_OK_RESPONSE)
        return 0;
    unsigned int len = gp.get_data_length();
    if (gp.is_read()) {
        fmem_.read(fmem_.ctx, gp.get_address(), gp.get_data_ptr(), len);
    } else if (gp.is_write()) {
        if (fmem_.write(fmem_.ctx, gp.get_address(), gp.get_data_ptr(), len) != 0)
            return 0;
    } else {
        return 0;
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return len;
}

} // namespace migsim_tlm
