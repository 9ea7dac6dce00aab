/*
 * migsim_tlm.cpp - the SystemC driver of the C event kernel and the TLM-2.0
 * target adapter. See migsim_tlm.h.
 */
#include "migsim_tlm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "migsim/errors.h"
#include "migsim/kernel.h"
#include "migsim/req.h"

#include "dram/dram.h"
#include "dualwrite/dualwrite.h"
#include "iommu/iommu.h"
#include "migctl/migctl.h"

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
    if (const unsigned char *be = gp.get_byte_enable_ptr()) {
        /* 0xff enabled, 0x00 disabled (IEEE 1666-2011 clause 14); other values have no meaning */
        unsigned n = gp.get_byte_enable_length();
        if (n == 0)
            return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
        for (unsigned i = 0; i < std::min(n, gp.get_data_length()); i++)
            if (be[i] != TLM_BYTE_ENABLED && be[i] != TLM_BYTE_DISABLED)
                return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
    }
    /* a width of 0 is invalid, a shorter one a streaming burst: not modelled */
    if (gp.get_streaming_width() == 0 || gp.get_streaming_width() < gp.get_data_length())
        return tlm::TLM_BURST_ERROR_RESPONSE;
    if (gp.get_data_length() && !gp.get_data_ptr())
        return tlm::TLM_GENERIC_ERROR_RESPONSE;
    return tlm::TLM_OK_RESPONSE;
}

/*
 * The first run of enabled bytes among data bytes [from, limit) of a payload,
 * [*start, *start + *len); false if none is enabled. Without a mask every
 * byte is enabled.
 */
static bool enabled_run(const tlm::tlm_generic_payload &gp, uint64_t from, uint64_t limit,
                        uint64_t *start, uint64_t *len)
{
    const unsigned char *be = gp.get_byte_enable_ptr();
    uint64_t n = gp.get_byte_enable_length();
    uint64_t i = from;
    if (be) /* the mask repeats over the data when shorter */
        while (i < limit && be[i % n] != TLM_BYTE_ENABLED)
            i++;
    if (i >= limit)
        return false;
    uint64_t j = i + 1;
    if (!be)
        j = limit;
    else
        while (j < limit && be[j % n] == TLM_BYTE_ENABLED)
            j++;
    *start = i;
    *len = j - i;
    return true;
}

/* Read data for payload bytes [offset, offset + len) into its buffer; disabled bytes keep theirs. */
static void copy_enabled(tlm::tlm_generic_payload &gp, uint64_t offset, const uint8_t *src,
                         uint64_t len)
{
    uint64_t s, n;
    for (uint64_t off = offset; enabled_run(gp, off, offset + len, &s, &n); off = s + n)
        std::memcpy(gp.get_data_ptr() + s, src + (s - offset), n);
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

void req_to_payload(migsim_req_t *req, tlm::tlm_generic_payload &gp)
{
    gp.set_command(req->op == MIGSIM_OP_WRITE ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(req->addr);
    gp.set_data_ptr(req->data);
    gp.set_data_length(req->size);
    gp.set_streaming_width(req->size);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_byte_enable_length(0);
    gp.set_dmi_allowed(false);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

/* The request status an outside target's response status stands for. */
static int32_t from_tlm_status(tlm::tlm_response_status st)
{
    switch (st) {
    case tlm::TLM_OK_RESPONSE:
        return 0;
    case tlm::TLM_ADDRESS_ERROR_RESPONSE:
        return MIGSIM_ERANGE;
    case tlm::TLM_COMMAND_ERROR_RESPONSE:
    case tlm::TLM_BURST_ERROR_RESPONSE:
    case tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE:
        return MIGSIM_EINVAL;
    default:
        return MIGSIM_EIO;
    }
}

tlm::tlm_extension_base *link_ext::clone() const
{
    link_ext *e = new link_ext;
    e->copy_from(*this);
    return e;
}

void link_ext::copy_from(const tlm::tlm_extension_base &other)
{
    const link_ext &o = static_cast<const link_ext &>(other);
    req = o.req;
    saved_cookie = o.saved_cookie;
    gp = o.gp;
    retry = o.retry;
    served = o.served;
    refused = o.refused;
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
    if (status_ || in_sync_)
        return; /* inside the C kernel already (a model called out through a socket) */
    migsim_tick_t now = to_ticks(sc_core::sc_time_stamp());
    migsim_tick_t end = migsim_sim_end_ps(sim_);
    if (end && now > end)
        now = end; /* nothing happens after sim.end_ps */
    in_sync_ = true;
    /* starts the components on the first call; fires live events due up to now */
    int rc = migsim_sim_run(sim_, now);
    if (!rc && k_->now < now)
        migsim_kernel_run_until(k_, now); /* daemon events (epochs) due, and the clock itself */
    in_sync_ = false;
    if (rc) {
        status_ = rc;
        error_ = migsim_errmsg();
        SC_REPORT_ERROR("libmigsim", error_.c_str());
        sc_core::sc_stop();
    }
}

void kernel::step()
{
    sync();
    kick();
}

void kernel::kick()
{
    if (status_ || in_sync_ || k_->live == 0)
        return; /* nothing but daemons: the platform is idle until someone sends */
    migsim_tick_t next = migsim_kernel_next(k_);
    migsim_tick_t end = migsim_sim_end_ps(sim_);
    if (end && next > end) {
        if (k_->now >= end)
            return;
        next = end; /* stop the clock at the end, as a native run does */
    }
    migsim_tick_t now = to_ticks(sc_core::sc_time_stamp());
    wake_.notify(next > now ? to_sc_time(next - now) : sc_core::SC_ZERO_TIME);
}

/* ---- target ------------------------------------------------------------------ */

struct target::call {
    hop h{ hop::BLOCKING, this };
    tlm::tlm_generic_payload *gp = nullptr;
    uint32_t outstanding = 0;
    int32_t status = 0;
    sc_core::sc_event done;
};

struct target::timed {
    hop h{ hop::TIMED, this };
    tlm::tlm_generic_payload *gp = nullptr;
    uint64_t next = 0;                  /* first byte not yet sent */
    uint32_t outstanding = 0;
    int32_t status = 0;
    bool sent_all = false;
};

target::target(sc_core::sc_module_name name, kernel &k, const char *port_path,
               const migsim_fmem_t *fmem, uint8_t src_kind, uint16_t src_idx)
    : sc_module(name), socket("socket"), k_(k), src_kind_(src_kind), src_idx_(src_idx)
{
    migsim_port_t *p = migsim_sim_port(k.sim(), port_path);
    if (!p)
        throw std::invalid_argument(std::string("libmigsim: no port \"") + port_path + "\"");
    bind_port(p, 0, 0);
    if (fmem)
        set_fmem(*fmem);
}

target::target(sc_core::sc_module_name name, kernel &k, migsim_port_t *port,
               migsim_tick_t latency_ps, uint32_t capacity)
    : sc_module(name), socket("socket"), k_(k)
{
    bind_port(port, latency_ps, capacity);
}

target::~target()
{
    retry_gp_.clear_extension(&retry_ext_); /* a member, not the payload's to free */
}

void target::bind_port(migsim_port_t *p, migsim_tick_t latency_ps, uint32_t capacity)
{
    std::memset(&out_, 0, sizeof out_);
    out_.owner = this;
    out_.port.name = this->name();
    out_.port.resp = on_resp;
    out_.port.retry = on_retry;
    if (migsim_sim_bind_port(k_.sim(), p, &out_.port, latency_ps, capacity) != 0)
        throw std::invalid_argument(std::string("libmigsim: ") + migsim_errmsg());
    migsim_kernel_t *k = migsim_sim_kernel(k_.sim());
    if (migsim_event_init(k, &timed_ev_, on_timed_start, this, 8, 0, "tlm.target") != 0)
        throw std::runtime_error(std::string("libmigsim: ") + migsim_errmsg());
    retry_ext_.retry = true;
    retry_gp_.set_extension(&retry_ext_);
    /* past the translation units requests carry physical addresses */
    phys_ = std::strcmp(p->owner->ops->type, "cpu_mmu") != 0 &&
            std::strcmp(p->owner->ops->type, "iommu") != 0;
    socket.register_b_transport(this, &target::b_transport);
    socket.register_nb_transport_fw(this, &target::nb_transport_fw);
    socket.register_transport_dbg(this, &target::transport_dbg);
    socket.register_get_direct_mem_ptr(this, &target::get_direct_mem_ptr);
}

void target::set_fmem(const migsim_fmem_t &fmem)
{
    fmem_ = fmem;
    has_fmem_ = true;
}

void target::set_source(uint8_t src_kind, uint16_t src_idx)
{
    src_kind_ = src_kind;
    src_idx_ = src_idx;
}

void target::invalidate_dmi(uint64_t start, uint64_t end)
{
    socket->invalidate_direct_mem_ptr(start, end);
}

void target::on_resp(migsim_port_t *self, migsim_req_t *req)
{
    target *t = reinterpret_cast<ext_port *>(self)->owner;
    hop *h = static_cast<hop *>(req->cookie);
    switch (h->kind) {
    case hop::LINK: {
        /* a libmigsim initiator's request: hand it back as it came */
        link_ext *e = static_cast<link_ext *>(h->owner);
        req->cookie = e->saved_cookie;
        e->served = true;
        e->gp->set_response_status(to_tlm_status(req->status));
        tlm::tlm_phase ph = tlm::BEGIN_RESP;
        sc_time d = sc_core::SC_ZERO_TIME;
        t->socket->nb_transport_bw(*e->gp, ph, d);
        return;
    }
    case hop::BLOCKING: {
        call *c = static_cast<call *>(h->owner);
        t->line_done(*c->gp, &c->status, req);
        if (--c->outstanding == 0)
            c->done.notify(sc_core::SC_ZERO_TIME);
        return;
    }
    case hop::TIMED:
        t->timed_line_done(static_cast<timed *>(h->owner), req);
        return;
    }
}

void target::on_retry(migsim_port_t *self)
{
    target *t = reinterpret_cast<ext_port *>(self)->owner;
    t->retry_ev_.notify(sc_core::SC_ZERO_TIME); /* b_transport callers waiting for room */
    if (t->req_phase_ && !migsim_event_queued(&t->timed_ev_))
        t->timed_send();
    if (t->link_peer_) {
        tlm::tlm_phase ph = tlm::END_REQ;
        sc_time d = sc_core::SC_ZERO_TIME;
        t->socket->nb_transport_bw(t->retry_gp_, ph, d);
    }
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
        hint_dmi(gp);
        return;
    }
    transactions_++;
    call c;
    c.gp = &gp;
    uint64_t s, n;
    for (uint64_t off = 0; next_piece(gp, off, &s, &n); off = s + n) {
        migsim_req_t *req = line_req(gp, s, n, &c.h);
        if (!req) {
            c.status = MIGSIM_ENOMEM;
            break;
        }
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
    }
    while (c.outstanding)
        wait(c.done);
    gp.set_response_status(to_tlm_status(c.status));
    hint_dmi(gp);
}

void target::hint_dmi(tlm::tlm_generic_payload &gp) const
{
    gp.set_dmi_allowed(dmi_ && gp.is_response_ok() && dmi_->dmi_allowed(gp.get_address()));
}

tlm::tlm_sync_enum target::nb_transport_fw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &phase,
                                           sc_core::sc_time &delay)
{
    link_ext *e = gp.get_extension<link_ext>();
    if (e && phase == tlm::BEGIN_REQ) {
        /* from a libmigsim initiator, inside the C kernel: the native send, as is */
        link_peer_ = true;
        migsim_req_t *req = e->req;
        e->saved_cookie = req->cookie;
        e->gp = &gp;
        e->served = e->refused = false;
        req->cookie = &e->h;
        if (migsim_port_send(&out_.port, req) != 0) {
            req->cookie = e->saved_cookie;
            e->refused = true;
            gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            return tlm::TLM_COMPLETED;
        }
        phase = tlm::END_REQ;
        return tlm::TLM_UPDATED;
    }
    if (phase == tlm::BEGIN_REQ) {
        if (req_phase_) {
            SC_REPORT_ERROR("libmigsim", "BEGIN_REQ before the previous request's END_REQ "
                                         "(base protocol)");
            gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
            return tlm::TLM_COMPLETED;
        }
        tlm::tlm_response_status st = payload_check(gp);
        if (st != tlm::TLM_OK_RESPONSE || gp.get_command() == tlm::TLM_IGNORE_COMMAND ||
            gp.get_data_length() == 0) {
            gp.set_response_status(st);
            hint_dmi(gp);
            return tlm::TLM_COMPLETED;
        }
        k_.sync();
        if (gp.has_mm())
            gp.acquire();
        timed *t = new timed;
        t->gp = &gp;
        req_phase_ = t;
        transactions_++;
        migsim_kernel_t *k = migsim_sim_kernel(k_.sim());
        migsim_schedule(k, &timed_ev_, k->now + to_ticks(delay));
        k_.kick();
        return tlm::TLM_ACCEPTED;
    }
    if (phase == tlm::END_RESP) {
        if (resp_phase_ && resp_phase_->gp == &gp) {
            timed *t = resp_phase_;
            resp_phase_ = nullptr;
            if (gp.has_mm())
                gp.release();
            delete t;
            k_.sync();
            timed_respond();
            k_.kick();
        }
        return tlm::TLM_COMPLETED;
    }
    SC_REPORT_ERROR("libmigsim", "nb_transport_fw: unexpected phase (base protocol)");
    return tlm::TLM_COMPLETED;
}

void target::on_timed_start(migsim_event_t *ev)
{
    static_cast<target *>(ev->ctx)->timed_send();
}

/* Send the lines of the transaction in its request phase until done or refused. */
void target::timed_send()
{
    timed *t = req_phase_;
    if (!t)
        return;
    migsim_tick_t now = migsim_sim_now(k_.sim());
    uint64_t len = t->gp->get_data_length();
    migsim_req_t *req = refused_;
    refused_ = nullptr;
    uint64_t s, n;
    while (req || next_piece(*t->gp, t->next, &s, &n)) {
        if (!req) {
            req = line_req(*t->gp, s, n, &t->h);
            if (!req) {
                t->status = MIGSIM_ENOMEM;
                t->next = len;
                break;
            }
            t->next = s + n;
        }
        req->t_issue = now;
        t->outstanding++;
        if (migsim_port_send(&out_.port, req) != 0) {
            t->outstanding--;
            refused_ = req; /* resent when the component calls retry */
            return;
        }
        req = nullptr;
    }
    t->sent_all = true;
    req_phase_ = nullptr;
    tlm::tlm_phase ph = tlm::END_REQ;
    sc_time d = sc_core::SC_ZERO_TIME;
    socket->nb_transport_bw(*t->gp, ph, d);
    if (t->outstanding == 0) {
        resp_queue_.push_back(t);
        timed_respond();
    }
}

/*
 * The bytes of the next request of a payload from outside, at or after data
 * offset `off`: [*start, *start + *len), within one line; false when none is
 * left. A read asks for the rest of the line whatever its byte enables (the
 * disabled bytes are not copied back), so it is timed as the whole access.
 * A write sends the next run of enabled bytes of the line: a line holding one
 * run (any contiguous mask, the tlm_endian_conv word helpers) is one request
 * of the line as without a mask, and the models time a request by its line,
 * so the access takes the time of the whole one; a line with several runs is
 * one request per run, a line with none no request (a request carries one
 * contiguous byte range, no mask).
 */
bool target::next_piece(const tlm::tlm_generic_payload &gp, uint64_t off, uint64_t *start,
                        uint64_t *len)
{
    const uint64_t line = MIGSIM_REQ_DATA_BYTES;
    uint64_t total = gp.get_data_length();
    while (off < total) {
        uint64_t end = std::min<uint64_t>(total, off + line - (gp.get_address() + off) % line);
        if (!gp.is_write()) {
            *start = off;
            *len = end - off;
            return true;
        }
        if (enabled_run(gp, off, end, start, len))
            return true;
        off = end;
    }
    return false;
}

/* The request for payload bytes [off, off + len) (within one line); NULL when out of memory. */
migsim_req_t *target::line_req(const tlm::tlm_generic_payload &gp, uint64_t off, uint64_t len,
                               hop *h)
{
    migsim_req_t *req = migsim_req_alloc(migsim_sim_pool(k_.sim()));
    if (!req)
        return nullptr;
    payload_to_req(gp, off, (uint32_t)len, req);
    req->src_kind = src_kind_;
    req->src_idx = src_idx_;
    if (phys_)
        req->flags |= MIGSIM_REQ_PHYS;
    req->cookie = h;
    return req;
}

/* A line answered: the first error into *status, or its enabled bytes into a read; freed. */
void target::line_done(tlm::tlm_generic_payload &gp, int32_t *status, migsim_req_t *req)
{
    if (req->status && !*status)
        *status = req->status;
    else if (!req->status && gp.is_read())
        copy_enabled(gp, req->orig_addr - gp.get_address(), req->data, req->size);
    migsim_req_free(migsim_sim_pool(k_.sim()), req);
}

void target::timed_line_done(timed *t, migsim_req_t *req)
{
    line_done(*t->gp, &t->status, req);
    if (--t->outstanding == 0 && t->sent_all) {
        resp_queue_.push_back(t);
        timed_respond();
    }
}

/* Begin the response of the oldest answered transaction when the channel is free. */
void target::timed_respond()
{
    while (!resp_phase_ && !resp_queue_.empty()) {
        timed *t = resp_queue_.front();
        resp_queue_.pop_front();
        t->gp->set_response_status(to_tlm_status(t->status));
        hint_dmi(*t->gp);
        resp_phase_ = t;
        tlm::tlm_phase ph = tlm::BEGIN_RESP;
        sc_time d = sc_core::SC_ZERO_TIME;
        tlm::tlm_sync_enum rc = socket->nb_transport_bw(*t->gp, ph, d);
        if (rc == tlm::TLM_COMPLETED || (rc == tlm::TLM_UPDATED && ph == tlm::END_RESP)) {
            resp_phase_ = nullptr;
            if (t->gp->has_mm())
                t->gp->release();
            delete t;
        }
    }
}

unsigned int target::transport_dbg(tlm::tlm_generic_payload &gp)
{
    if (!has_fmem_ || payload_check(gp) != tlm::TLM_OK_RESPONSE)
        return 0;
    unsigned int len = gp.get_data_length();
    if (gp.is_read() && !gp.get_byte_enable_ptr()) {
        fmem_.read(fmem_.ctx, gp.get_address(), gp.get_data_ptr(), len);
    } else if (gp.is_read()) {
        std::vector<uint8_t> buf(len); /* disabled bytes keep the initiator's values */
        fmem_.read(fmem_.ctx, gp.get_address(), buf.data(), len);
        copy_enabled(gp, 0, buf.data(), len);
    } else if (gp.is_write()) {
        uint64_t s, n; /* the enabled bytes only */
        for (uint64_t off = 0; enabled_run(gp, off, len, &s, &n); off = s + n)
            if (fmem_.write(fmem_.ctx, gp.get_address() + s, gp.get_data_ptr() + s, n) != 0)
                return 0;
    } else {
        return 0;
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return len;
}

bool target::get_direct_mem_ptr(tlm::tlm_generic_payload &gp, tlm::tlm_dmi &dmi)
{
    if (!dmi_) {
        dmi.allow_none();
        dmi.set_start_address(0);
        dmi.set_end_address((sc_dt::uint64)-1);
        return false;
    }
    return dmi_->get_dmi(gp.get_address(), dmi);
}

/* ---- initiator --------------------------------------------------------------- */

initiator::initiator(sc_core::sc_module_name name, kernel &k, migsim_port_t *port)
    : sc_module(name), socket("socket"), k_(k)
{
    socket.bind(*this);
    std::memset(&in_, 0, sizeof in_);
    in_.owner = this;
    in_.port.name = this->name();
    in_.port.recv = on_recv;
    if (migsim_sim_bind_port(k.sim(), port, &in_.port, 0, 0) != 0 ||
        migsim_event_init(migsim_sim_kernel(k.sim()), &done_ev_, on_done, this, 8, 0,
                          "tlm.initiator") != 0)
        throw std::invalid_argument(std::string("libmigsim: ") + migsim_errmsg());
}

initiator::~initiator()
{
    for (tlm::tlm_generic_payload *gp : free_)
        delete gp; /* frees its link_ext */
}

int initiator::on_recv(migsim_port_t *self, migsim_req_t *req)
{
    initiator *ini = reinterpret_cast<ext_port *>(self)->owner;
    if (ini->open_) {
        ini->want_retry_ = true; /* an outside target has not ended the last request phase */
        return MIGSIM_EBUSY;
    }
    tlm::tlm_generic_payload *gp;
    if (ini->free_.empty()) {
        gp = new tlm::tlm_generic_payload;
        gp->set_extension(new link_ext);
    } else {
        gp = ini->free_.back();
        ini->free_.pop_back();
    }
    link_ext *e = gp->get_extension<link_ext>();
    e->req = req;
    e->gp = gp;
    e->served = e->refused = e->retry = false;
    req_to_payload(req, *gp);
    tlm::tlm_phase ph = tlm::BEGIN_REQ;
    sc_time d = sc_core::SC_ZERO_TIME;
    switch (ini->socket->nb_transport_fw(*gp, ph, d)) {
    case tlm::TLM_COMPLETED:
        if (e->refused) {
            ini->free_.push_back(gp);
            return MIGSIM_EBUSY; /* the target will send END_REQ marked retry */
        }
        ini->finish_at(gp, d); /* an outside target completed it at once */
        return MIGSIM_OK;
    case tlm::TLM_UPDATED:
        if (ph == tlm::BEGIN_RESP)
            ini->finish_at(gp, d);
        return MIGSIM_OK; /* END_REQ: accepted */
    case tlm::TLM_ACCEPTED:
        ini->open_ = gp;
        return MIGSIM_OK;
    }
    return MIGSIM_OK;
}

void initiator::finish(tlm::tlm_generic_payload *gp)
{
    link_ext *e = gp->get_extension<link_ext>();
    migsim_req_t *req = e->req;
    if (!e->served) /* an outside target: its response status is the request's */
        req->status = from_tlm_status(gp->get_response_status());
    free_.push_back(gp);
    migsim_port_respond(&in_.port, req);
}

void initiator::finish_at(tlm::tlm_generic_payload *gp, const sc_time &delay)
{
    migsim_kernel_t *k = migsim_sim_kernel(k_.sim());
    migsim_tick_t t = k->now + to_ticks(delay);
    done_.emplace(t, gp);
    if (!migsim_event_queued(&done_ev_) || done_ev_.when > t)
        migsim_schedule(k, &done_ev_, t);
}

void initiator::on_done(migsim_event_t *ev)
{
    initiator *ini = static_cast<initiator *>(ev->ctx);
    migsim_kernel_t *k = migsim_sim_kernel(ini->k_.sim());
    while (!ini->done_.empty() && ini->done_.begin()->first <= k->now) {
        tlm::tlm_generic_payload *gp = ini->done_.begin()->second;
        ini->done_.erase(ini->done_.begin());
        ini->finish(gp);
    }
    if (!ini->done_.empty())
        migsim_schedule(k, &ini->done_ev_, ini->done_.begin()->first);
}

tlm::tlm_sync_enum initiator::nb_transport_bw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &phase,
                                              sc_core::sc_time &delay)
{
    link_ext *e = gp.get_extension<link_ext>();
    if (phase == tlm::END_REQ && e && e->retry) {
        migsim_port_retry(&in_.port); /* the libmigsim target has room again */
        return tlm::TLM_ACCEPTED;
    }
    if (phase == tlm::BEGIN_RESP && e && e->served) {
        finish(&gp); /* a libmigsim target, inside the C kernel: the native response */
        return tlm::TLM_COMPLETED;
    }
    /* an outside target, possibly from its own process: bring the C kernel up to now */
    k_.sync();
    if ((phase == tlm::END_REQ || phase == tlm::BEGIN_RESP) && open_ == &gp) {
        open_ = nullptr;
        if (want_retry_) {
            want_retry_ = false;
            migsim_port_retry(&in_.port);
        }
    }
    if (phase == tlm::BEGIN_RESP)
        finish_at(&gp, delay);
    k_.kick();
    return phase == tlm::BEGIN_RESP ? tlm::TLM_COMPLETED : tlm::TLM_ACCEPTED;
}

/* ---- component --------------------------------------------------------------- */

component::component(sc_core::sc_module_name name, kernel &k, const char *comp, const char *type)
    : sc_module(name), k_(k), c_(migsim_sim_find(k.sim(), comp))
{
    if (!c_)
        throw std::invalid_argument(std::string("libmigsim: no component \"") + comp + "\"");
    if (type && std::strcmp(c_->ops->type, type) != 0)
        throw std::invalid_argument(std::string("libmigsim: component \"") + comp + "\" is a " +
                                    c_->ops->type + ", not a " + type);
    migsim_sim_t *sim = k.sim();
    for (const migsim_port_def_t *pd = c_->ops->ports; pd && pd->name; pd++) {
        migsim_port_t *p = migsim_comp_port(c_, pd->name);
        if (!p || !p->external || p->peer)
            continue; /* bound natively, or not offered to the embedding program */
        if (p->dir == MIGSIM_PORT_IN) {
            migsim_tick_t lat = 0;
            uint32_t cap = 16;
            for (size_t i = 0; i < migsim_sim_nlink_specs(sim); i++) {
                const migsim_link_spec_t *ls = migsim_sim_link_spec(sim, i);
                if (ls->to == p) {
                    lat = ls->latency_ps;
                    cap = ls->capacity;
                }
            }
            ins_.emplace_back(pd->name, std::make_unique<target>(pd->name, k, p, lat, cap));
        } else {
            outs_.emplace_back(pd->name, std::make_unique<initiator>(pd->name, k, p));
        }
    }
}

bool component::has_target(const char *port) const
{
    for (const auto &t : ins_)
        if (t.first == port)
            return true;
    return false;
}

bool component::has_initiator(const char *port) const
{
    for (const auto &t : outs_)
        if (t.first == port)
            return true;
    return false;
}

target &component::in(const char *port)
{
    for (auto &t : ins_)
        if (t.first == port)
            return *t.second;
    throw std::out_of_range(std::string("libmigsim: ") + c_->name + " has no external input port \"" +
                            port + "\"");
}

initiator &component::out(const char *port)
{
    for (auto &t : outs_)
        if (t.first == port)
            return *t.second;
    throw std::out_of_range(std::string("libmigsim: ") + c_->name +
                            " has no external output port \"" + port + "\"");
}

/* ---- dram -------------------------------------------------------------------- */

dram::dram(sc_core::sc_module_name name, kernel &k, const char *comp)
    : component(name, k, comp, "dram")
{
    migsim_fmem_t f = dram_fmem(reinterpret_cast<dram_t *>(this->comp()));
    for (auto &t : ins_) {
        t.second->set_fmem(f);
        t.second->set_dmi_source(this);
    }
}

void dram::watch_migration(const char *migctl_comp)
{
    migsim_comp_t *c = migsim_sim_find(k_.sim(), migctl_comp);
    if (!c || std::strcmp(c->ops->type, "migctl") != 0)
        throw std::invalid_argument(std::string("libmigsim: no migration controller \"") +
                                    migctl_comp + "\"");
    if (migctl_watch(reinterpret_cast<migctl_t *>(c), on_migration, this) != 0)
        throw std::runtime_error(std::string("libmigsim: ") + migsim_errmsg());
}

bool dram::blocked(uint64_t lo, uint64_t hi) const
{
    for (const range &r : blocked_)
        if (lo < r.hi && r.lo < hi)
            return true;
    return false;
}

bool dram::dmi_allowed(uint64_t addr) const
{
    const dram_t *d = reinterpret_cast<const dram_t *>(comp());
    const uint64_t frame = MIGSIM_STORE_FRAME_BYTES;
    uint64_t lo = addr - addr % frame;
    return addr < d->capacity_bytes && !blocked(lo, lo + frame);
}

bool dram::get_dmi(uint64_t addr, tlm::tlm_dmi &dmi)
{
    dram_t *d = reinterpret_cast<dram_t *>(comp());
    const uint64_t frame = MIGSIM_STORE_FRAME_BYTES;
    uint64_t lo = addr - addr % frame, hi = lo + frame;
    dmi.allow_none();
    dmi.set_start_address(lo);
    dmi.set_end_address(hi - 1);
    if (blocked(lo, hi))
        return false; /* migrating: no direct access until it ends */
    uint8_t *p = dram_dmi_frame(d, addr);
    if (!p)
        return false;
    dmi.set_dmi_ptr(p);
    dmi.allow_read_write();
    dmi.set_read_latency(to_sc_time(dram_idle_read_ps(d)));
    dmi.set_write_latency(to_sc_time(dram_idle_write_ps(d)));
    grants_++;
    return true;
}

void dram::on_migration(void *ctx, bool running, uint64_t cur, uint64_t tgt, uint64_t bytes)
{
    dram *self = static_cast<dram *>(ctx);
    if (!running) {
        self->blocked_.clear(); /* granted again from now on */
        return;
    }
    self->blocked_ = { { cur, cur + bytes }, { tgt, tgt + bytes } };
    for (const range &r : self->blocked_) {
        for (auto &t : self->ins_)
            t.second->invalidate_dmi(r.lo, r.hi - 1);
        self->invalidations_++;
    }
}

/* ---- dualwrite --------------------------------------------------------------- */

dualwrite::dualwrite(sc_core::sc_module_name name, kernel &k, const char *comp)
    : component(name, k, comp, "dualwrite")
{
}

void dualwrite::debug_through(const char *migctl_comp)
{
    migsim_comp_t *c = migsim_sim_find(k_.sim(), migctl_comp);
    if (!c || std::strcmp(c->ops->type, "migctl") != 0)
        throw std::invalid_argument(std::string("libmigsim: no migration controller \"") +
                                    migctl_comp + "\"");
    mig_ = c;
    migsim_fmem_t f = { this, dbg_read, dbg_write };
    for (auto &t : ins_)
        t.second->set_fmem(f);
}

/*
 * Where the chip puts bytes [addr, addr + len): the part of them in addr's
 * subpage (returned), read from where[0], written to where[0 .. copies).
 */
static size_t dw_route(const dualwrite_t *dw, uint64_t addr, size_t len, uint64_t where[2],
                       unsigned *copies)
{
    dualwrite_seg_t seg = dualwrite_segment(dw, addr);
    where[0] = addr;
    *copies = 1;
    if (seg == DUALWRITE_PASS)
        return len;
    dualwrite_regs_t r;
    dualwrite_get(dw, &r);
    uint64_t moved = r.tgt_base + (addr - r.cur_base);
    if (seg == DUALWRITE_SEG1)
        where[0] = moved;
    else if (seg == DUALWRITE_SEG2)
        where[(*copies)++] = moved;
    uint64_t in_sub = r.subpage_bytes - (addr - r.cur_base) % r.subpage_bytes;
    return (size_t)std::min<uint64_t>(len, in_sub);
}

void dualwrite::dbg_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
    dualwrite *self = static_cast<dualwrite *>(ctx);
    const migsim_fmem_t &mem = static_cast<migctl_t *>(self->mig_)->fmem;
    const dualwrite_t *dw = reinterpret_cast<const dualwrite_t *>(self->comp());
    uint8_t *p = static_cast<uint8_t *>(dst);
    while (len) {
        uint64_t where[2];
        unsigned copies;
        size_t n = dw_route(dw, addr, len, where, &copies);
        if (mem.read)
            mem.read(mem.ctx, where[0], p, n);
        else
            std::memset(p, 0, n); /* before the platform starts: nothing written yet */
        p += n;
        addr += n;
        len -= n;
    }
}

int dualwrite::dbg_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
    dualwrite *self = static_cast<dualwrite *>(ctx);
    const migsim_fmem_t &mem = static_cast<migctl_t *>(self->mig_)->fmem;
    const dualwrite_t *dw = reinterpret_cast<const dualwrite_t *>(self->comp());
    const uint8_t *p = static_cast<const uint8_t *>(src);
    if (!mem.write)
        return MIGSIM_ESTATE;
    while (len) {
        uint64_t where[2];
        unsigned copies;
        size_t n = dw_route(dw, addr, len, where, &copies);
        for (unsigned i = 0; i < copies; i++) {
            int rc = mem.write(mem.ctx, where[i], p, n);
            if (rc)
                return rc;
        }
        p += n;
        addr += n;
        len -= n;
    }
    return MIGSIM_OK;
}

/* ---- platform ---------------------------------------------------------------- */

platform::platform(sc_core::sc_module_name name, migsim_sim_t *sim)
    : sc_module(name), k_(std::make_unique<kernel>("kernel", sim))
{
    for (size_t i = 0; i < migsim_sim_ncomps(sim); i++) {
        migsim_comp_t *c = migsim_sim_comp(sim, i);
        std::unique_ptr<component> m;
        if (std::strcmp(c->ops->type, "dram") == 0)
            m = std::make_unique<dram>(c->name, *k_, c->name);
        else if (std::strcmp(c->ops->type, "dualwrite") == 0)
            m = std::make_unique<dualwrite>(c->name, *k_, c->name);
        else
            m = std::make_unique<component>(c->name, *k_, c->name);
        comps_.emplace_back(c->name, std::move(m));
    }
    for (size_t i = 0; i < migsim_sim_nlink_specs(sim); i++) {
        const migsim_link_spec_t *ls = migsim_sim_link_spec(sim, i);
        get(ls->from->owner->name).out(ls->from->name).socket.bind(
            get(ls->to->owner->name).in(ls->to->name).socket);
    }
    for (auto &m : comps_) {
        migsim_comp_t *c = m.second->comp();
        if (std::strcmp(c->ops->type, "migctl") != 0)
            continue;
        const char *mem = reinterpret_cast<migctl_t *>(c)->dram;
        const char *chip = reinterpret_cast<migctl_t *>(c)->dualwrite;
        for (auto &d : comps_) {
            const char *type = d.second->comp()->ops->type;
            if (mem && d.first == mem && std::strcmp(type, "dram") == 0)
                static_cast<dram *>(d.second.get())->watch_migration(c->name);
            if (chip && d.first == chip && std::strcmp(type, "dualwrite") == 0)
                static_cast<dualwrite *>(d.second.get())->debug_through(c->name);
        }
    }
}

component &platform::get(const char *comp)
{
    for (auto &m : comps_)
        if (m.first == comp)
            return *m.second;
    throw std::out_of_range(std::string("libmigsim: no component \"") + comp + "\"");
}

} // namespace migsim_tlm
