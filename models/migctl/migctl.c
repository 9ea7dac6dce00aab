/*
 * migctl.c - the migration controller's core (see migctl.h, mech.h and
 * models/MIGRATION.md): the page tables and their PTE writes, shootdowns,
 * the I/O switch, the chip's registers, the copy engine, the step log, the
 * oracle, the statistics and the life cycle. The mechanisms' steps are in
 * models/migctl/mech_*.c.
 */
#include "migctl/mech.h"
#include "cpu_mmu/cpu_mmu.h"
#include "dma_dev/dma_dev.h"
#include "dram/dram.h"
#include "memrouter/memrouter.h"
#include "dualwrite/dualwrite.h"
#include "iommu/iommu.h"
#include "llc/llc.h"
#include "player/player.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "migsim/tracepoint.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIG_LINE 64u

/*
 * Oracle keys of writes to a footprint: this bit, plus the byte offset in
 * the footprint (the page index times page_bytes plus the offset in the
 * page); no physical address has it.
 */
#define MIG_FP_KEY (1ull << 63)

/* The mechanisms, in migctl_policy_t order, and their names for the "policy" parameter. */
#define MIGCTL_ROW(e, name, table) &table,
static const migctl_mech_t *const mechs[] = { MIGCTL_MECHS(MIGCTL_ROW) };
#undef MIGCTL_ROW
#define MIGCTL_NAME(e, name, table) name,
static const char *const policy_names[] = { MIGCTL_MECHS(MIGCTL_NAME) NULL };
#undef MIGCTL_NAME

/* No migration: the traces run alone. */
const migctl_mech_t migctl_mech_none = { .name = "none", .pages = true };

/* ---- the step log ------------------------------------------------------------- */

void migctl_log_step(migctl_t *m, uint16_t block, uint64_t arg)
{
    if (m->nlog == m->cap_log) {
        uint32_t cap = m->cap_log ? 2 * m->cap_log : 64;
        migctl_step_t *l = realloc(m->log, cap * sizeof *l);
        if (!l) {
            migsim_sim_fail(m->comp.sim, migsim_error(MIGSIM_ENOMEM, "migctl: out of memory"));
            return;
        }
        m->log = l;
        m->cap_log = cap;
    }
    m->log[m->nlog++] = (migctl_step_t){ .block = block, .time = m->comp.k->now, .arg = arg };
    MIGSIM_TRACE(&m->comp, MIG_STEP, block, arg);
}

int migctl_watch(migctl_t *m, migctl_watch_fn fn, void *ctx)
{
    if (m->nwatch == MIGCTL_MAX_WATCHERS)
        return migsim_error(MIGSIM_ESTATE, "%s: at most %d watchers", m->comp.name,
                            MIGCTL_MAX_WATCHERS);
    m->watch[m->nwatch] = fn;
    m->watch_ctx[m->nwatch++] = ctx;
    return MIGSIM_OK;
}

const migctl_step_t *migctl_log(const migctl_t *m, uint32_t *n)
{
    *n = m->nlog;
    return m->log;
}

void migctl_next(migctl_t *m, uint32_t block, uint64_t delay_ps)
{
    m->block = block;
    migsim_schedule(m->comp.k, &m->step_ev, m->comp.k->now + delay_ps);
}

/* ---- the page tables -------------------------------------------------------------- */

static void mig_set_ptes(migctl_t *m, uint64_t n)
{
    m->st_cpu_ptes = n;
    if (n > m->st_cpu_ptes_max)
        m->st_cpu_ptes_max = n;
}

void migctl_count_ptes(migctl_t *m)
{
    mig_set_ptes(m, xlat_pt_count_leaves(&m->cpu_pt, m->va, m->page_bytes));
}

/*
 * Make the leaf at `va` of ladder size k map `pa`, valid, unless it already
 * does. Returns the PTE writes (the leaf, plus the leaves it replaces other
 * than one of its own place and size) and widens *shoot by what changed
 * shape or translation. [blo, bhi) bounds what may be removed.
 */
static int64_t layout_put(xlat_pt_t *pt, uint64_t va, uint64_t pa, uint32_t k, uint64_t blo,
                          uint64_t bhi, uint64_t shoot[2])
{
    uint64_t sz = xlat_size(&pt->ladder, k), lo = va, hi = va + sz;
    xlat_map_t old;
    bool have = xlat_pt_lookup(pt, va, &old);
    bool same_slot = have && old.va == va && old.size_idx == k;
    if (same_slot && old.pa == pa && (old.pte & XLAT_PTE_V))
        return 0;  /* already there: nothing written */
    if (have && old.size_idx > k) {  /* a larger leaf covers va: it goes (split) */
        lo = old.va;
        hi = old.va + xlat_size(&pt->ladder, old.size_idx);
        if (lo < blo || hi > bhi)
            return migsim_error(MIGSIM_ESTATE, "layout: the leaf at VA 0x%" PRIx64 " reaches "
                                "outside [0x%" PRIx64 ", 0x%" PRIx64 ")", lo, blo, bhi);
    }
    uint64_t over = xlat_pt_count_leaves(pt, va, sz);
    /* merged or split leaves, and a valid translation retargeted, may be cached */
    if ((over && !same_slot) || (same_slot && (old.pte & XLAT_PTE_V))) {
        if (shoot[0] == shoot[1] || lo < shoot[0])
            shoot[0] = lo;
        if (hi > shoot[1])
            shoot[1] = hi;
    }
    int rc = xlat_pt_map(pt, va, pa, k, XLAT_MAP_REPLACE);
    if (rc)
        return rc;
    return 1 + (int64_t)over - (same_slot ? 1 : 0);
}

int64_t migctl_map_layout(xlat_pt_t *pt, uint64_t va, uint64_t cur, uint64_t tgt,
                          uint64_t page_bytes, uint32_t sub_idx, uint64_t from, uint64_t to,
                          uint64_t lo, uint64_t hi, bool mixed, uint64_t shoot[2])
{
    uint64_t sub = xlat_size(&pt->ladder, sub_idx), n = page_bytes / sub;
    shoot[0] = shoot[1] = 0;
    if (lo > hi || hi > n || from > to || to > n)
        return migsim_error(MIGSIM_EINVAL, "layout: window [%" PRIu64 ", %" PRIu64 ") or range [%"
                            PRIu64 ", %" PRIu64 ") outside %" PRIu64 " subpages", lo, hi, from, to, n);
    /* segment 1 (migrated, on the target), 2 (the window), 3 (still on the current page) */
    struct { uint64_t a, b, base; bool largest; } part[3] = {
        { from, lo < to ? (lo > from ? lo : from) : to, tgt, mixed },
        { lo > from ? lo : from, hi < to ? hi : to, cur, false },
        { hi > from ? hi : from, to, cur, mixed },
    };
    int64_t total = 0;
    for (int i = 0; i < 3; i++) {
        for (uint64_t off = part[i].a * sub, end = part[i].b * sub; off < end;) {
            int k = part[i].largest ? xlat_ladder_largest(&pt->ladder, va + off, part[i].base + off,
                                                          end - off)
                                    : (int)sub_idx;
            if (k < 0)
                return migsim_error(MIGSIM_EINVAL, "layout: VA 0x%" PRIx64 " not aligned to a "
                                    "ladder size", va + off);
            int64_t w = layout_put(pt, va + off, part[i].base + off, (uint32_t)k,
                                   va + from * sub, va + to * sub, shoot);
            if (w < 0)
                return w;
            total += w;
            off += xlat_size(&pt->ladder, (uint32_t)k);
        }
    }
    return total;
}

uint64_t migctl_layout(migctl_t *m, uint64_t from, uint64_t to, uint64_t lo, uint64_t hi,
                       uint64_t shoot[2])
{
    uint64_t va = m->va + from * m->subpage_bytes, len = (to - from) * m->subpage_bytes;
    /* the page's PTE count changes only inside the block: count it before and after */
    bool whole = from == 0 && to == m->subpages;
    uint64_t before = whole ? 0 : xlat_pt_count_leaves(&m->cpu_pt, va, len);
    int64_t n = migctl_map_layout(&m->cpu_pt, m->va, m->cur_pa, m->tgt_pa, m->page_bytes,
                                  m->sub_idx, from, to, lo, hi, m->pte_mode == 1, shoot);
    if (n < 0) {
        migsim_sim_fail(m->comp.sim, (int)n);
        shoot[0] = shoot[1] = 0;
    }
    if (whole)
        migctl_count_ptes(m);
    else
        mig_set_ptes(m, m->st_cpu_ptes - before + xlat_pt_count_leaves(&m->cpu_pt, va, len));
    return n < 0 ? 0 : (uint64_t)n;
}

uint64_t migctl_tlb_flush(migctl_t *m, uint64_t va, uint64_t len)
{
    uint64_t slowest = 0;
    for (uint32_t i = 0; i < m->nmmus; i++) {
        uint64_t ack = cpu_mmu_shootdown_ack_ps(m->mmus[i], m->comp.k->now);
        if (ack > slowest)
            slowest = ack;
        cpu_mmu_shootdown(m->mmus[i], va, len);
    }
    return m->nmmus ? m->ipi_ps + m->nmmus * m->ipi_target_ps + slowest : 0;
}

/* Shoot down a VA range in every CPU MMU at once; returns the initiator's wait. */
static uint64_t mig_shootdown_va(migctl_t *m, uint64_t va, uint64_t len)
{
    uint64_t wait = migctl_tlb_flush(m, va, len);
    m->st_shootdowns++;
    MIGSIM_TRACE(&m->comp, MIG_SHOOTDOWN, va, va + len, m->nmmus);
    return wait;
}

uint64_t migctl_shootdown(migctl_t *m, uint64_t lo, uint64_t hi)
{
    return mig_shootdown_va(m, m->va + lo * m->subpage_bytes, (hi - lo) * m->subpage_bytes);
}

uint64_t migctl_shootdown_range(migctl_t *m, const uint64_t shoot[2])
{
    return shoot[1] > shoot[0] ? mig_shootdown_va(m, shoot[0], shoot[1] - shoot[0]) : 0;
}

void migctl_pte_changed_va(migctl_t *m, uint64_t va, uint64_t len)
{
    for (uint32_t i = 0; i < m->nmmus; i++)
        cpu_mmu_pte_changed(m->mmus[i], va, len);
}

void migctl_pte_changed(migctl_t *m, uint64_t lo, uint64_t hi)
{
    migctl_pte_changed_va(m, m->va + lo * m->subpage_bytes, (hi - lo) * m->subpage_bytes);
}

uint64_t migctl_set_valid(migctl_t *m, uint64_t lo, uint64_t hi, bool valid)
{
    uint64_t n = 0, end = m->va + hi * m->subpage_bytes;
    for (uint64_t a = m->va + lo * m->subpage_bytes; a < end;) {
        xlat_map_t map;
        if (!xlat_pt_lookup(&m->cpu_pt, a, &map)) {
            migsim_sim_fail(m->comp.sim, migsim_error(MIGSIM_ESTATE, "migctl: no PTE at VA 0x%"
                                                      PRIx64, a));
            return n;
        }
        xlat_pt_set_valid(&m->cpu_pt, a, valid);
        n++;
        a = map.va + xlat_size(&m->lad, map.size_idx);
    }
    return n;
}

uint64_t migctl_cpu_off(migctl_t *m, uint64_t lo, uint64_t hi)
{
    uint64_t n = migctl_set_valid(m, lo, hi, false);
    m->st_pte_writes += n;
    m->st_hcalls++;
    return n * m->pte_write_ps + m->hcall_ps + migctl_shootdown(m, lo, hi);
}

uint64_t migctl_map_page(migctl_t *m, bool io, uint64_t pa, uint32_t k)
{
    xlat_pt_t *pt = io ? &m->io_pt : &m->cpu_pt;
    uint64_t base = io ? m->iova : m->va;
    uint64_t removed = xlat_pt_count_leaves(pt, base, m->page_bytes);
    /* the first leaf written replaces a larger one; the large one replaces the smaller ones */
    int64_t put = xlat_pt_map_range(pt, base, pa, m->page_bytes, XLAT_MAP_FIXED, k, XLAT_MAP_REPLACE);
    if (put < 0) {
        migsim_sim_fail(m->comp.sim, (int)put);
        put = 0;
    }
    uint64_t n = removed + (uint64_t)put;
    m->st_pte_writes += n;
    if (!io)
        migctl_count_ptes(m);
    return n;
}

uint64_t migctl_retarget(migctl_t *m, uint64_t lo, uint64_t hi)
{
    for (uint64_t s = lo; s < hi; s++) {
        uint64_t va = m->va + s * m->subpage_bytes;
        xlat_pt_retarget(&m->cpu_pt, va, m->tgt_pa + s * m->subpage_bytes);
        xlat_pt_set_valid(&m->cpu_pt, va, true);
    }
    return hi - lo;
}

uint64_t migctl_io_map_target(migctl_t *m)
{
    return migctl_map_page(m, true, m->tgt_pa, m->page_idx) * m->pte_write_ps;
}

uint64_t migctl_map_target(migctl_t *m)
{
    uint64_t n = migctl_map_page(m, false, m->tgt_pa, m->page_idx);
    uint64_t cost = n * m->pte_write_ps + migctl_shootdown(m, 0, m->subpages);
    migctl_pte_changed(m, 0, m->subpages);
    return cost;
}

void migctl_chip(migctl_t *m, bool enable, uint64_t lo, uint64_t hi)
{
    if (!m->dw)
        return;
    dualwrite_regs_t r = { .enable = enable, .cur_base = m->cur_pa, .tgt_base = m->tgt_pa,
                           .page_bytes = m->page_bytes, .subpage_bytes = m->subpage_bytes,
                           .lo = lo, .hi = hi };
    int rc = dualwrite_set(m->dw, &r);
    if (rc)
        migsim_sim_fail(m->comp.sim, rc);
}

void migctl_cpus_stop(migctl_t *m, bool stop)
{
    for (uint32_t i = 0; i < m->nmmus; i++) {
        if (stop)
            cpu_mmu_stop(m->mmus[i]);
        else
            cpu_mmu_resume(m->mmus[i]);
    }
}

void migctl_devices_suspend(migctl_t *m, bool suspend)
{
    if (suspend && !m->suspended) {
        m->suspended_at_ps = m->comp.k->now;
    } else if (!suspend && m->suspended) {
        m->resumed_at_ps = m->comp.k->now;
        m->suspended_ps += m->resumed_at_ps - m->suspended_at_ps;
    }
    m->suspended = suspend;
    for (uint32_t i = 0; i < m->ndevs; i++)
        dma_dev_suspend(m->devs[i], suspend);
}

bool migctl_devices_drained(migctl_t *m)
{
    for (uint32_t i = 0; i < m->ndevs; i++)
        if (m->devs[i]->inflight)
            return false;
    return true;
}

/* An ATS invalidation completed: the caller's continuation runs once every device's has. */
static void mig_ats_done(void *ctx)
{
    migctl_t *m = ctx;
    if (--m->ats_pending == 0)
        m->ats_then(m->ats_then_ctx);
}

void migctl_ats_invalidate(migctl_t *m, uint64_t iova, uint64_t len, void (*done)(void *ctx),
                           void *ctx)
{
    m->ats_then = done;
    m->ats_then_ctx = ctx;
    m->ats_pending = m->natc + 1;
    for (uint32_t i = 0; i < m->natc; i++) {
        m->st_ats_invalidations++;
        int rc = dma_dev_ats_invalidate(m->atc_devs[i], iova, len, mig_ats_done, m);
        if (rc) {
            migsim_sim_fail(m->comp.sim, rc);
            return;
        }
    }
    mig_ats_done(m);
}

/* Every invalidation of migctl_io_invalidate completed: its step. */
static void mig_inval_done(void *ctx)
{
    migctl_t *m = ctx;
    migctl_next(m, m->inval_then, m->inval_then_ps);
}

/* The IOTLB invalidation completed: then the ATCs (see migctl_ats_invalidate). */
static void mig_iotlb_done(void *ctx)
{
    migctl_t *m = ctx;
    migctl_ats_invalidate(m, m->inval_iova, m->inval_len, mig_inval_done, m);
}

void migctl_io_invalidate(migctl_t *m, uint64_t lo, uint64_t hi, uint32_t then, uint64_t then_ps)
{
    m->st_iotlb_invalidations++;
    m->inval_then = then;
    m->inval_then_ps = then_ps;
    m->inval_iova = m->iova + lo * m->subpage_bytes;
    m->inval_len = (hi - lo) * m->subpage_bytes;
    m->block = then; /* until the invalidations complete, nothing is scheduled */
    if (!m->iommu_c) {
        mig_iotlb_done(m);
        return;
    }
    int rc = iommu_invalidate(m->iommu_c, m->inval_iova, m->inval_len, mig_iotlb_done, m);
    if (rc)
        migsim_sim_fail(m->comp.sim, rc);
}

static void mig_io_switch(migctl_t *m, uint32_t then, uint64_t then_ps)
{
    migctl_chip(m, true, m->subpages, m->subpages); /* everything is segment 1 until disabled */
    xlat_map_t map;
    for (uint64_t a = m->iova; a < m->iova + m->page_bytes; a = map.va + xlat_size(&m->lad, map.size_idx)) {
        if (!xlat_pt_lookup(&m->io_pt, a, &map))
            break;
        xlat_pt_retarget(&m->io_pt, a, m->tgt_pa + (map.va - m->iova));
        m->st_pte_writes++;
    }
    m->st_hcalls++;
    migctl_io_invalidate(m, 0, m->subpages, then, then_ps);
}

/* ---- the copy engine ----------------------------------------------------------------- */

static void mig_copy_pump(migctl_t *m);

/*
 * The copy budget, a token bucket one line deep: line reads leave at most
 * migrate_bytes_per_s bytes per second, the k-th of a busy stretch exactly
 * floor(k x 64 x 10^12 / migrate_bytes_per_s) ps after its first. Returns
 * whether a line read may leave now (and charges it); otherwise the copy
 * engine is pumped again when it may.
 */
static bool mig_budget_take(migctl_t *m)
{
    migsim_tick_t now = m->comp.k->now;
    if (now < m->tb_next_ps) {
        if (!migsim_event_queued(&m->tb_ev))
            migsim_schedule(m->comp.k, &m->tb_ev, m->tb_next_ps);
        return false;
    }
    if (m->tb_next_ps < now) { /* idle meanwhile: no credit beyond one line */
        m->tb_next_ps = now;
        m->tb_rem = 0;
    }
    m->tb_rem += (uint64_t)MIG_LINE * 1000000000000ull;
    m->tb_next_ps += m->tb_rem / m->migrate_bytes_per_s;
    m->tb_rem %= m->migrate_bytes_per_s;
    return true;
}

static void mig_budget_ev(migsim_event_t *ev)
{
    mig_copy_pump(ev->ctx);
}

static void mig_copy_start(migctl_t *m, uint32_t then)
{
    m->copy_then = then;
    m->copy_t0 = m->comp.k->now;
    m->block = then; /* until the copy ends, nothing is scheduled */
    mig_copy_pump(m);
}

void migctl_copy(migctl_t *m, uint64_t lo, uint64_t hi, uint32_t then)
{
    migctl_copy_bytes(m, lo * m->subpage_bytes, (hi - lo) * m->subpage_bytes, then);
}

void migctl_copy_bytes(migctl_t *m, uint64_t off, uint64_t len, uint32_t then)
{
    m->copy_next = off;
    m->copy_end = off + len;
    m->copy_units = len / m->subpage_bytes;
    m->copy_runs = NULL;
    mig_copy_start(m, then);
}

/* The current run is read to its end: take the next one. false when the copy has none left. */
static bool mig_copy_more(migctl_t *m)
{
    uint64_t off, len;
    while (m->copy_next >= m->copy_end) {
        if (!m->copy_runs || !m->copy_runs(m, &off, &len))
            return false;
        m->copy_next = off;
        m->copy_end = off + len;
    }
    return true;
}

void migctl_copy_runs(migctl_t *m, bool (*next)(migctl_t *m, uint64_t *off, uint64_t *len),
                      uint64_t bytes, uint32_t then)
{
    m->copy_next = m->copy_end = 0;
    m->copy_units = (bytes + m->subpage_bytes - 1) / m->subpage_bytes;
    m->copy_runs = next;
    if (!mig_copy_more(m)) {
        migctl_next(m, then, 0);
        return;
    }
    mig_copy_start(m, then);
}

static void mig_copy_done(migctl_t *m)
{
    uint64_t t = m->comp.k->now - m->copy_t0;
    m->st_copy_calls++;
    m->st_copy_ps_sum += t;
    if (t > m->st_copy_ps_max)
        m->st_copy_ps_max = t;
    if (!m->st_copy_ps_min || t < m->st_copy_ps_min)
        m->st_copy_ps_min = t;
    uint64_t subs = m->copy_units;
    migsim_hist_record(&m->copy_hist, subs ? t / subs : t); /* per subpage copied */
    migctl_next(m, m->copy_then, 0);
}

/*
 * Send queued copy writes first (they complete lines, and the chip's
 * interlock may be holding DMA writes until they do), then the refused read,
 * then new line reads, while the port and the bound allow.
 */
static void mig_copy_pump(migctl_t *m)
{
    while (!m->copy_blocked) {
        migsim_req_t *r;
        bool is_write = m->copy_wq != NULL;
        if (is_write) {
            r = m->copy_wq;
        } else if (m->copy_pending) {
            r = m->copy_pending;
        } else {
            if ((m->copy_next >= m->copy_end && !mig_copy_more(m)) || m->copy_out >= m->copy_inflight)
                return;
            if (m->migrate_bytes_per_s && !mig_budget_take(m))
                return;
            r = migsim_req_alloc(m->comp.pool);
            if (!r) {
                migsim_sim_fail(m->comp.sim, MIGSIM_ENOMEM);
                return;
            }
            r->addr = r->orig_addr = m->cur_pa + m->copy_next;
            r->size = MIG_LINE;
            r->op = MIGSIM_OP_READ;
            r->flags = MIGSIM_REQ_HAS_DATA;
            r->src_kind = MIGSIM_SRC_COPY;
            r->cookie = m;
            m->copy_next += MIG_LINE;
            m->copy_out++;
            m->copy_pending = r;
        }
        migsim_req_t *after = r->next; /* read before the target owns r */
        r->t_issue = m->comp.k->now;
        if (migsim_port_send(&m->copy, r) != 0) {
            m->copy_blocked = true;
            return;
        }
        if (is_write) {
            m->copy_wq = after;
            if (!after)
                m->copy_wq_tail = NULL;
            m->st_copy_writes++;
        } else {
            m->copy_pending = NULL;
            m->st_copy_reads++;
        }
        m->st_copy_bytes += MIG_LINE;
    }
}

static void mig_copy_resp(migsim_port_t *port, migsim_req_t *r)
{
    migctl_t *m = (migctl_t *)port->owner;
    if (r->op == MIGSIM_OP_READ) {
        /* the line's bytes came back: write them to the target, same offset */
        uint64_t off = r->orig_addr - m->cur_pa;
        r->addr = r->orig_addr = m->tgt_pa + off;
        r->op = MIGSIM_OP_WRITE;
        r->flags = MIGSIM_REQ_HAS_DATA;
        r->status = 0;
        r->route = 0;
        r->next = NULL;
        if (m->copy_wq_tail)
            m->copy_wq_tail->next = r;
        else
            m->copy_wq = r;
        m->copy_wq_tail = r;
        mig_copy_pump(m);
        return;
    }
    migsim_req_free(m->comp.pool, r);
    m->copy_out--;
    if (m->copy_out == 0 && m->copy_next >= m->copy_end && !mig_copy_more(m))
        mig_copy_done(m);
    else
        mig_copy_pump(m);
}

static void mig_copy_retry(migsim_port_t *port)
{
    migctl_t *m = (migctl_t *)port->owner;
    m->copy_blocked = false;
    mig_copy_pump(m);
}

/* ---- the oracle ------------------------------------------------------------------------ */

/* Whether a write's orig_addr is a CPU's VA (else an IOVA, or a PA with MIGSIM_REQ_PHYS). */
static bool mig_by_va(const migsim_req_t *req)
{
    return req->src_kind == MIGSIM_SRC_CPU && !(req->flags & MIGSIM_REQ_IOADDR);
}

/*
 * The key of a write to a footprint: by VA or IOVA inside it, MIG_FP_KEY
 * plus its offset there, whichever page it is on and wherever that page is;
 * by PA, or outside the footprint, its PA.
 */
static uint64_t mig_fp_meant(const migctl_t *m, const migsim_req_t *req)
{
    uint64_t base = mig_by_va(req) ? m->fp_va : m->fp_iova;
    uint64_t off = req->orig_addr - base;
    if (!(req->flags & MIGSIM_REQ_PHYS) && off < m->footprint_pages * m->page_bytes)
        return MIG_FP_KEY | off;
    return req->addr;
}

/* A CPU or DMA write's bytes were applied: record them under the PA they meant. */
static void mig_commit(void *ctx, const migsim_req_t *req, migsim_tick_t now)
{
    migctl_t *m = ctx;
    if (req->op != MIGSIM_OP_WRITE || !(req->flags & MIGSIM_REQ_HAS_DATA) ||
        (req->flags & ORACLE_REQ_NO_COMMIT))
        return; /* reads, timing-only writes, and the second half of a dual write */
    if (req->src_kind != MIGSIM_SRC_CPU && req->src_kind != MIGSIM_SRC_DMA)
        return; /* the copy engine moves bytes, walkers write PTEs: neither is intended data */
    uint64_t meant;
    if (m->footprint_pages) {
        meant = mig_fp_meant(m, req);
    } else {
        uint64_t base;
        if (req->flags & MIGSIM_REQ_PHYS)
            base = m->cur_pa; /* issued by PA, past the translation units */
        else if (mig_by_va(req))
            base = m->va;
        else
            base = m->iova;
        meant = req->orig_addr - base < m->page_bytes ? m->cur_pa + (req->orig_addr - base)
                                                      : req->addr;
    }
    oracle_writer_t w = { .req_id = req->id, .src_idx = req->src_idx, .src_kind = req->src_kind };
    if (oracle_commit(&m->oracle, ORACLE_SPACE_PA, meant, req->data, req->size, w, now) != 0)
        migsim_sim_fail(m->comp.sim, MIGSIM_ENOMEM);
}

/*
 * The final place of a meant PA: through the CPU page table inside the page
 * (or, for a footprint's key, at its offset in the footprint), else itself;
 * then through the mechanism's redirect, if it has one.
 */
static int mig_resolve(void *ctx, oracle_space_t space, uint64_t addr, uint64_t *pa)
{
    migctl_t *m = ctx;
    (void)space;
    bool fp = m->footprint_pages && (addr & MIG_FP_KEY);
    if (!fp && (m->footprint_pages || addr - m->cur_pa >= m->page_bytes)) {
        *pa = addr;
    } else {
        uint64_t va = fp ? m->fp_va + (addr & ~MIG_FP_KEY) : m->va + (addr - m->cur_pa);
        xlat_map_t map;
        if (!xlat_pt_lookup(&m->cpu_pt, va, &map))
            return 1;
        *pa = map.pa + (va - map.va);
    }
    if (m->mech->resolve)
        *pa = m->mech->resolve(m, *pa);  /* a redirect below the page table */
    return 0;
}

long migctl_check(migctl_t *m, oracle_report_fn report, void *ctx)
{
    if (!m->oracle_on)
        return 0;
    long lost = oracle_check(&m->oracle, mig_resolve, m, &m->fmem, report, ctx);
    if (lost >= 0) {
        m->lost = lost;
        m->checked_commits = m->oracle.commits;
        m->st_lost_writes = (uint64_t)lost;
    }
    return lost;
}

/* ---- the steps ---------------------------------------------------------------------------- */

/* Bytes that entered the memory system: at the cache when there is one, else at DRAM. */
static uint64_t mem_bytes(migctl_t *m)
{
    if (m->llc_c)
        return m->llc_c->st_bytes;
    if (m->router_c)
        return memrouter_bytes(m->router_c);
    return m->dram_c->st_bytes_read + m->dram_c->st_bytes_written;
}

void migctl_begin(migctl_t *m)
{
    migctl_log_step(m, 200, 0);
    for (uint32_t i = 0; i < m->nwatch; i++)
        m->watch[i](m->watch_ctx[i], true, m->cur_pa, m->tgt_pa, m->page_bytes);
    migsim_sim_set_phase(m->comp.sim, MIGSIM_PHASE_DURING);
    m->running = true;
    m->mig_t0 = m->comp.k->now;
    if (m->st_mig_completed == 0) { /* a footprint's statistics span from its first migration */
        m->st_start_ps = m->comp.k->now;
        m->st_dram_bytes_at_start = mem_bytes(m);
    }
}

static void mig_page_moved(migctl_t *m);

void migctl_end(migctl_t *m)
{
    migsim_tick_t now = m->comp.k->now;
    migctl_log_step(m, 222, 0);
    migsim_sim_set_phase(m->comp.sim, MIGSIM_PHASE_AFTER);
    m->running = false;
    m->finished = true;
    m->st_end_ps = now;
    m->st_duration_ps = now - m->st_start_ps;
    m->st_dram_bytes_during = mem_bytes(m) - m->st_dram_bytes_at_start;
    for (uint32_t i = 0; i < m->nwatch; i++)
        m->watch[i](m->watch_ctx[i], false, m->cur_pa, m->tgt_pa, m->page_bytes);
    if (m->footprint_pages)
        mig_page_moved(m);
}

void migctl_no_step(migctl_t *m)
{
    migsim_sim_fail(m->comp.sim, migsim_error(MIGSIM_ESTATE, "%s: policy %s has no step %u",
                                              m->comp.name, m->mech->name, m->block));
}

/*
 * The end every mechanism shares, after migctl_finish: 218 the I/O PTEs to
 * the target and the IOTLB invalidated; 219, final_ps after it completes,
 * the chip disabled and suspended devices resumed; 220 the target mapped
 * with one large PTE; 222 the end.
 */
static void mig_tail_step(migctl_t *m)
{
    switch (m->block) {
    case 219:
        migctl_chip(m, false, 0, 0);
        if (m->suspended)
            migctl_devices_suspend(m, false);
        migctl_next(m, 220, 0);
        return;
    case 220:
        migctl_log_step(m, 220, 0);
        migctl_next(m, 222, migctl_map_target(m));
        return;
    case 222:
        migctl_end(m);
        return;
    default:
        migctl_no_step(m);
    }
}

void migctl_finish(migctl_t *m, uint64_t final_ps)
{
    m->in_tail = true;
    migctl_log_step(m, 218, 0);
    mig_io_switch(m, 219, final_ps);
}

static void mig_step(migsim_event_t *ev)
{
    migctl_t *m = ev->ctx;
    if (m->in_tail)
        mig_tail_step(m);
    else
        m->mech->step(m);
}

/* ---- a footprint of many pages: nodes, placement, requests ------------------------------ */

static uint64_t mig_node_pa(const migctl_t *m, uint32_t node, uint32_t frame)
{
    return m->node[node].first_pa + (uint64_t)frame * m->page_bytes;
}

static bool mig_frame_used(const migctl_node_t *n, uint64_t f)
{
    return (n->used[f / 64] >> (f % 64)) & 1;
}

/* Frame f of node n (free) becomes taken. */
static void mig_frame_mark(migctl_node_t *n, uint64_t f)
{
    n->used[f / 64] |= 1ull << (f % 64);
    n->free--;
}

/* The lowest free frame of node n, taken (the caller knows there is one). */
static uint32_t mig_frame_alloc(migctl_node_t *n)
{
    uint32_t words = (n->frames + 63) / 64;
    for (uint32_t w = n->hint; w < words; w++) {
        if (n->used[w] == UINT64_MAX)
            continue;
        uint32_t f = w * 64 + (uint32_t)__builtin_ctzll(~n->used[w]);
        mig_frame_mark(n, f);
        n->hint = w;
        return f;
    }
    abort(); /* broken invariant: free > 0 but no clear bit */
}

static void mig_frame_free(migctl_node_t *n, uint32_t f)
{
    n->used[f / 64] &= ~(1ull << (f % 64));
    n->free++;
    if (f / 64 < n->hint)
        n->hint = f / 64;
}

/* Mark the frames of node n overlapping [lo, lo + len) as never free. */
static void mig_frames_exclude(migctl_t *m, migctl_node_t *n, uint64_t lo, uint64_t len)
{
    uint64_t end = n->first_pa + (uint64_t)n->frames * m->page_bytes;
    if (!len || lo >= end || lo + len <= n->first_pa)
        return;
    uint64_t a = lo > n->first_pa ? (lo - n->first_pa) / m->page_bytes : 0;
    uint64_t b = (lo + len >= end ? end - n->first_pa : lo + len - n->first_pa + m->page_bytes - 1) /
                 m->page_bytes;
    for (uint64_t f = a; f < b; f++)
        if (!mig_frame_used(n, f))
            mig_frame_mark(n, f);
}

/*
 * The first n fields of one item of a comma-separated list of "a:b:c" items,
 * from s, into f[0..n) (a field ends at ':', ',' or the end; one missing is
 * ""). Returns where the reading stopped: the item's ',' or the end, unless
 * the item has more fields.
 */
static const char *mig_fields(const char *s, char (*f)[64], unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        size_t i = 0;
        if (k > 0) {
            if (*s != ':') {
                f[k][0] = 0;
                continue;
            }
            s++;
        }
        for (; *s && *s != ':' && *s != ','; s++)
            if (i + 1 < sizeof f[k])
                f[k][i++] = *s;
        f[k][i] = 0;
    }
    return s;
}

/* "nodes": "name:base:bytes,...": the nodes, their frames, the excluded regions. */
static int mig_nodes_parse(migctl_t *m)
{
    const char *at = m->comp.config_path, *s = m->nodes;
    while (*s) {
        char f[3][64];
        const char *item = s, *name = f[0], *base = f[1], *bytes = f[2];
        s = mig_fields(s, f, 3);
        uint64_t b, n;
        if (!name[0] || strlen(name) >= MIGCTL_NODE_NAME || migsim_parse_size(base, &b) ||
            migsim_parse_size(bytes, &n) || !n || (*s && *s != ','))
            return migsim_error(MIGSIM_ECONFIG, "%s.nodes: \"%.*s\" is not name:base:bytes (a "
                                "name of 1 to %d characters, a base and a nonzero size)", at,
                                (int)strcspn(item, ","), item, MIGCTL_NODE_NAME - 1);
        if (m->nnodes == MIGCTL_MAX_NODES)
            return migsim_error(MIGSIM_ECONFIG, "%s.nodes: at most %d nodes", at, MIGCTL_MAX_NODES);
        if (b + n < b)
            return migsim_error(MIGSIM_ECONFIG, "%s.nodes: node %s ends past 2^64", at, name);
        for (uint32_t i = 0; i < m->nnodes; i++) {
            const migctl_node_t *o = &m->node[i];
            if (b < o->base + o->bytes && o->base < b + n)
                return migsim_error(MIGSIM_ECONFIG, "%s.nodes: node %s overlaps node %s", at, name,
                                    o->name);
            if (strcmp(o->name, name) == 0)
                return migsim_error(MIGSIM_ECONFIG, "%s.nodes: two nodes named %s", at, name);
        }
        migctl_node_t *nd = &m->node[m->nnodes++];
        snprintf(nd->name, sizeof nd->name, "%s", name);
        nd->base = b;
        nd->bytes = n;
        nd->first_pa = (b + m->page_bytes - 1) / m->page_bytes * m->page_bytes;
        uint64_t frames = nd->first_pa < b + n ? (b + n - nd->first_pa) / m->page_bytes : 0;
        if (frames > UINT32_MAX)
            return migsim_error(MIGSIM_ECONFIG, "%s.nodes: node %s has more than 2^32 frames of "
                                "page_bytes", at, name);
        nd->frames = nd->free = (uint32_t)frames;
        uint32_t words = (nd->frames + 63) / 64;
        if (!(nd->used = calloc(words ? words : 1, sizeof *nd->used)))
            return migsim_error(MIGSIM_ENOMEM, "%s: out of memory", m->comp.name);
        if (nd->frames % 64)
            nd->used[words - 1] = ~0ull << (nd->frames % 64); /* past the last frame */
        mig_frames_exclude(m, nd, m->pt_base, m->pt_bytes);
        mig_frames_exclude(m, nd, 0, m->identity_bytes);
        if (*s == ',')
            s++;
    }
    return MIGSIM_OK;
}

/*
 * Take the frame at `pa` (parameter `param`): *node and *frame receive it;
 * a configuration error when no node has it or it is not free.
 */
static int mig_frame_take(migctl_t *m, uint64_t pa, const char *param, uint32_t *node,
                          uint32_t *frame)
{
    for (uint32_t i = 0; i < m->nnodes; i++) {
        migctl_node_t *n = &m->node[i];
        if (pa < n->first_pa || pa - n->first_pa >= (uint64_t)n->frames * m->page_bytes)
            continue;
        uint32_t f = (uint32_t)((pa - n->first_pa) / m->page_bytes);
        if (mig_frame_used(n, f))
            break;
        mig_frame_mark(n, f);
        *node = i;
        *frame = f;
        return MIGSIM_OK;
    }
    return migsim_error(MIGSIM_ECONFIG, "%s.%s: 0x%" PRIx64 " is not a free frame of any node "
                        "(without requests, page 0 of the footprint moves from cur_pa to tgt_pa "
                        "at start_ps)", m->comp.config_path, param, pa);
}

/* The node named `tok` (a name, or an index), or -1. */
static int mig_node_index(const migctl_t *m, const char *tok)
{
    for (uint32_t i = 0; i < m->nnodes; i++)
        if (strcmp(m->node[i].name, tok) == 0)
            return (int)i;
    uint64_t v;
    if (migsim_parse_size(tok, &v) == 0 && v < m->nnodes)
        return (int)v;
    return -1;
}

/* Initial placement: every page from `first` on a frame, by the placement policy. */
static int mig_place(migctl_t *m, uint64_t first)
{
    uint64_t N = m->footprint_pages - first, free = 0;
    for (uint32_t i = 0; i < m->nnodes; i++)
        free += m->placement == 1 && i + 1 < m->nnodes ? 0 : m->node[i].free;
    if (N > free)
        return migsim_error(MIGSIM_ECONFIG, "%s.footprint_pages: %" PRIu64 " pages of %" PRIu64
                            " bytes do not fit the %" PRIu64 " free frames of %s (placement %s)",
                            m->comp.config_path, m->footprint_pages, m->page_bytes, free,
                            m->placement == 1 ? "the last node" : "the nodes",
                            m->placement == 0 ? "near_first" : m->placement == 1 ? "far" : "interleave");
    uint32_t next = 0;
    for (uint64_t p = first; p < m->footprint_pages; p++) {
        uint32_t k = m->placement == 1 ? m->nnodes - 1 : m->placement == 2 ? next : 0;
        while (!m->node[k].free) /* near_first: the next node; interleave: skip full ones */
            k = (k + 1) % m->nnodes;
        next = (k + 1) % m->nnodes;
        m->pg_node[p] = (uint8_t)k;
        m->pg_frame[p] = mig_frame_alloc(&m->node[k]);
        m->st_node_pages[k]++;
    }
    return MIGSIM_OK;
}

/* "requests": "at_ps:page:node,...": checked and ordered by time (equal times in given order). */
static int mig_requests_parse(migctl_t *m)
{
    const char *at = m->comp.config_path, *s = m->requests;
    uint32_t n = 1;
    for (const char *c = s; *c; c++)
        n += *c == ',';
    if (!(m->cfg_req = calloc(n, sizeof *m->cfg_req)))
        return migsim_error(MIGSIM_ENOMEM, "%s: out of memory", m->comp.name);
    while (*s) {
        char f[3][64];
        const char *item = s, *t = f[0], *pg = f[1], *nd = f[2];
        s = mig_fields(s, f, 3);
        uint64_t at_ps, page;
        int node = mig_node_index(m, nd);
        int len = (int)strcspn(item, ",");
        if (migsim_parse_size(t, &at_ps) || migsim_parse_size(pg, &page) || (*s && *s != ','))
            return migsim_error(MIGSIM_ECONFIG, "%s.requests: \"%.*s\" is not at_ps:page:node",
                                at, len, item);
        if (page >= m->footprint_pages)
            return migsim_error(MIGSIM_ECONFIG, "%s.requests: \"%.*s\": page %" PRIu64 " is not "
                                "below footprint_pages %" PRIu64, at, len, item, page,
                                m->footprint_pages);
        if (node < 0)
            return migsim_error(MIGSIM_ECONFIG, "%s.requests: \"%.*s\": no node \"%s\" (%u nodes)",
                                at, len, item, nd, m->nnodes);
        /* insertion by time, after the equal ones */
        uint32_t i = m->ncfg_req++;
        for (; i > 0 && m->cfg_req[i - 1].at_ps > at_ps; i--)
            m->cfg_req[i] = m->cfg_req[i - 1];
        m->cfg_req[i] = (migctl_queued_t){ .at_ps = at_ps, .page = (uint32_t)page,
                                           .node = (uint32_t)node, .frame = UINT32_MAX };
        if (*s == ',')
            s++;
    }
    return MIGSIM_OK;
}

static void mig_kick(migctl_t *m)
{
    if (m->q_len && !(m->pg_flags[m->mig_page] & MIGCTL_PG_MOVING) &&
        !migsim_event_queued(&m->dispatch_ev))
        migsim_schedule(m->comp.k, &m->dispatch_ev, m->comp.k->now);
}

/* A refused request: counted, and its reason returned. */
static int mig_refuse(migctl_t *m, int code, const char *why, uint64_t page, uint32_t node)
{
    m->st_mig_refused++;
    return migsim_error(code, "%s: migrate page %" PRIu64 " to node %u: %s", m->comp.name, page,
                        node, why);
}

/* A request; `frame` is a target frame already taken, or UINT32_MAX (migctl_queued_t). */
static int mig_request(migctl_t *m, uint64_t page, uint32_t node, uint32_t frame)
{
    m->st_mig_requested++;
    if (!m->footprint_pages || !m->mech->step)
        return mig_refuse(m, MIGSIM_ESTATE, "no footprint (footprint_pages 0) or policy none",
                          page, node);
    if (page >= m->footprint_pages)
        return mig_refuse(m, MIGSIM_ERANGE, "no such page", page, node);
    if (node >= m->nnodes)
        return mig_refuse(m, MIGSIM_ERANGE, "no such node", page, node);
    if (m->pg_flags[page] & MIGCTL_PG_QUEUED)
        return mig_refuse(m, MIGSIM_EBUSY, "already queued", page, node);
    if (m->pg_flags[page] & MIGCTL_PG_MOVING)
        return mig_refuse(m, MIGSIM_EBUSY, "already moving", page, node);
    if (m->pg_node[page] == node)
        return mig_refuse(m, MIGSIM_EINVAL, "already on that node", page, node);
    migctl_node_t *n = &m->node[node];
    if (frame == UINT32_MAX && n->free == n->reserved)
        return mig_refuse(m, MIGSIM_EBUSY, "the node has no free frame", page, node);
    if (m->q_len == m->q_cap) { /* grow the ring, oldest first (a page is queued once) */
        uint32_t cap = m->q_cap ? 2 * m->q_cap : 16;
        migctl_queued_t *q = malloc(cap * sizeof *q);
        if (!q)
            return migsim_error(MIGSIM_ENOMEM, "%s: out of memory", m->comp.name);
        for (uint32_t i = 0; i < m->q_len; i++)
            q[i] = m->queue[(m->q_head + i) % m->q_cap];
        free(m->queue);
        m->queue = q;
        m->q_cap = cap;
        m->q_head = 0;
    }
    m->queue[(m->q_head + m->q_len++) % m->q_cap] =
        (migctl_queued_t){ .at_ps = m->comp.k->now, .page = (uint32_t)page, .node = node,
                           .frame = frame };
    n->reserved += frame == UINT32_MAX;
    m->pg_flags[page] |= MIGCTL_PG_QUEUED;
    mig_kick(m);
    return MIGSIM_OK;
}

int migctl_request(migctl_t *m, uint64_t page, uint32_t node)
{
    return mig_request(m, page, node, UINT32_MAX);
}

/* The oldest queued request starts: its target frame taken, the mechanism's first step. */
static void mig_dispatch(migsim_event_t *ev)
{
    migctl_t *m = ev->ctx;
    if (!m->q_len || (m->pg_flags[m->mig_page] & MIGCTL_PG_MOVING))
        return;
    migctl_queued_t q = m->queue[m->q_head];
    m->q_head = (m->q_head + 1) % m->q_cap;
    m->q_len--;
    m->st_mig_queue_ps += m->comp.k->now - q.at_ps;
    migctl_node_t *to = &m->node[q.node];
    to->reserved -= q.frame == UINT32_MAX;
    m->mig_page = q.page;
    m->mig_from = m->pg_node[q.page];
    m->mig_from_frame = m->pg_frame[q.page];
    m->mig_node = q.node;
    m->mig_frame = q.frame == UINT32_MAX ? mig_frame_alloc(to) : q.frame;
    m->pg_flags[q.page] = MIGCTL_PG_MOVING;
    m->va = m->fp_va + q.page * m->page_bytes;
    m->iova = m->fp_iova + q.page * m->page_bytes;
    m->cur_pa = mig_node_pa(m, m->mig_from, m->mig_from_frame);
    m->tgt_pa = mig_node_pa(m, m->mig_node, m->mig_frame);
    m->in_tail = false;
    migctl_next(m, m->mech->first, 0);
}

/* Block 222 of a footprint's migration: the page is on its target; the source frame is free. */
static void mig_page_moved(migctl_t *m)
{
    uint64_t p = m->mig_page;
    mig_frame_free(&m->node[m->mig_from], m->mig_from_frame);
    m->pg_node[p] = (uint8_t)m->mig_node;
    m->pg_frame[p] = m->mig_frame;
    m->pg_flags[p] = 0;
    m->st_node_pages[m->mig_from]--;
    m->st_node_pages[m->mig_node]++;
    m->st_mig_completed++;
    m->st_mig_bytes += m->page_bytes;
    if (m->on_migrated)
        m->on_migrated(m->on_migrated_ctx, p, m->mig_node, m->mig_t0, m->comp.k->now);
    mig_kick(m);
}

/* The configured requests that fall due now. */
static void mig_cfg_due(migsim_event_t *ev)
{
    migctl_t *m = ev->ctx;
    for (; m->cfg_next < m->ncfg_req && m->cfg_req[m->cfg_next].at_ps <= m->comp.k->now; m->cfg_next++) {
        const migctl_queued_t *q = &m->cfg_req[m->cfg_next];
        if (mig_request(m, q->page, q->node, q->frame) == MIGSIM_OK)
            continue;
        migsim_error_clear(); /* refused: a modelled outcome, counted */
        if (q->frame != UINT32_MAX)
            mig_frame_free(&m->node[q->node], q->frame); /* the frame taken for it */
    }
    if (m->cfg_next < m->ncfg_req)
        migsim_schedule(m->comp.k, &m->cfg_ev, m->cfg_req[m->cfg_next].at_ps);
}

uint64_t migctl_node_free_frames(const migctl_t *m, uint32_t node)
{
    return node < m->nnodes ? m->node[node].free - m->node[node].reserved : 0;
}

int migctl_page_where(const migctl_t *m, uint64_t page, uint32_t *node, uint64_t *pa,
                      uint32_t *flags)
{
    if (page >= m->footprint_pages)
        return migsim_error(MIGSIM_ERANGE, "%s: no page %" PRIu64 " (footprint_pages %" PRIu64 ")",
                            m->comp.name, page, m->footprint_pages);
    if (node)
        *node = m->pg_node[page];
    if (pa)
        *pa = mig_node_pa(m, m->pg_node[page], m->pg_frame[page]);
    if (flags)
        *flags = m->pg_flags[page];
    return MIGSIM_OK;
}

void migctl_on_migrated(migctl_t *m, migctl_migrated_fn fn, void *ctx)
{
    m->on_migrated = fn;
    m->on_migrated_ctx = ctx;
}

/*
 * At init, for footprint_pages > 0: the nodes, the initial placement, the
 * configured requests; the mechanism must run one page after another.
 */
static int mig_footprint_init(migctl_t *m)
{
    const char *at = m->comp.config_path;
    if (!m->mech->pages)
        return migsim_error(MIGSIM_ECONFIG, "%s.policy: %s cannot run the requests of a footprint "
                            "(footprint_pages > 0): it keeps state from one migration to the next; "
                            "use segmented, suspend_io, dual_write_whole, precopy or none", at, m->mech->name);
    if (m->max_concurrent != 1)
        return migsim_error(MIGSIM_ECONFIG, "%s.max_concurrent: %u: migrations run one at a time "
                            "(the dual-write chip has one window and the copy engine one range)",
                            at, m->max_concurrent);
    if (m->footprint_pages > UINT32_MAX || m->footprint_pages > (UINT64_MAX >> 1) / m->page_bytes)
        return migsim_error(MIGSIM_ECONFIG, "%s.footprint_pages: %" PRIu64 " pages of %" PRIu64
                            " bytes: too many", at, m->footprint_pages, m->page_bytes);
    if (!m->nodes[0])
        return migsim_error(MIGSIM_ECONFIG, "%s.nodes: a footprint needs memory nodes", at);
    int rc;
    if ((rc = mig_nodes_parse(m)))
        return rc;
    uint64_t N = m->footprint_pages;
    m->pg_frame = malloc(N * sizeof *m->pg_frame);
    m->pg_node = malloc(N);
    m->pg_flags = calloc(N, 1);
    if (!m->pg_frame || !m->pg_node || !m->pg_flags)
        return migsim_error(MIGSIM_ENOMEM, "%s: out of memory for %" PRIu64 " pages", m->comp.name, N);
    if (m->requests[0] && !m->mech->step)
        return migsim_error(MIGSIM_ECONFIG, "%s.requests: policy none migrates nothing", at);
    /* no requests: the one-page run, more pages around it; "none": only migctl_request's */
    bool only_api = strcmp(m->requests, "none") == 0;
    bool single = !m->requests[0] && m->mech->step;
    uint32_t tgt_node = 0, tgt_frame = 0;
    if (single) {
        uint32_t cur_node, cur_frame;
        if ((rc = mig_frame_take(m, m->cur_pa, "cur_pa", &cur_node, &cur_frame)) ||
            (rc = mig_frame_take(m, m->tgt_pa, "tgt_pa", &tgt_node, &tgt_frame)))
            return rc;
        if (cur_node == tgt_node)
            return migsim_error(MIGSIM_ECONFIG, "%s.tgt_pa: 0x%" PRIx64 " is on node %s, where "
                                "cur_pa is: a migration goes to another node", at, m->tgt_pa,
                                m->node[tgt_node].name);
        m->pg_node[0] = (uint8_t)cur_node;
        m->pg_frame[0] = cur_frame;
        m->st_node_pages[cur_node]++;
    }
    if ((rc = mig_place(m, single)))
        return rc;
    if (single) {
        if (!(m->cfg_req = calloc(1, sizeof *m->cfg_req)))
            return migsim_error(MIGSIM_ENOMEM, "%s: out of memory", m->comp.name);
        m->cfg_req[0] = (migctl_queued_t){ .at_ps = m->start_ps, .page = 0, .node = tgt_node,
                                           .frame = tgt_frame };
        m->ncfg_req = 1;
    } else if (!only_api && (rc = mig_requests_parse(m))) {
        return rc;
    }
    m->fp_va = m->va;
    m->fp_iova = m->iova;
    m->cur_pa = m->tgt_pa = mig_node_pa(m, m->pg_node[0], m->pg_frame[0]);
    if ((rc = migsim_event_init(m->comp.k, &m->cfg_ev, mig_cfg_due, m, 30, 0, "migctl.request")))
        return rc;
    return migsim_event_init(m->comp.k, &m->dispatch_ev, mig_dispatch, m, 30, 0, "migctl.dispatch");
}

/* At start: the footprint mapped in both page tables, and the first configured request due. */
static int mig_footprint_start(migctl_t *m)
{
    for (uint64_t p = 0; p < m->footprint_pages; p++) {
        uint64_t pa = mig_node_pa(m, m->pg_node[p], m->pg_frame[p]);
        int rc;
        if ((rc = xlat_pt_map(&m->cpu_pt, m->fp_va + p * m->page_bytes, pa, m->page_idx, 0)) ||
            (rc = xlat_pt_map(&m->io_pt, m->fp_iova + p * m->page_bytes, pa, m->page_idx, 0)))
            return rc;
    }
    for (uint32_t i = 0; m->dram_c && i < m->nnodes; i++) /* a router checked its nodes at init */
        if (m->node[i].base + m->node[i].bytes > m->dram_c->capacity_bytes)
            return migsim_error(MIGSIM_ECONFIG, "%s.nodes: node %s ends at 0x%" PRIx64 ", past "
                                "the %" PRIu64 " bytes of %s (its addresses would alias)",
                                m->comp.config_path, m->node[i].name,
                                m->node[i].base + m->node[i].bytes, m->dram_c->capacity_bytes,
                                m->dram);
    if (m->ncfg_req)
        migsim_schedule(m->comp.k, &m->cfg_ev, m->cfg_req[0].at_ps);
    return MIGSIM_OK;
}

static void mig_footprint_fini(migctl_t *m)
{
    for (uint32_t i = 0; i < m->nnodes; i++) {
        free(m->node[i].used);
        m->node[i].used = NULL;
    }
    free(m->pg_frame);
    free(m->pg_node);
    free(m->pg_flags);
    free(m->pg_stale_pa);
    m->pg_stale_pa = NULL;
    free(m->queue);
    free(m->cfg_req);
    m->pg_frame = NULL;
    m->pg_node = m->pg_flags = NULL;
    m->queue = m->cfg_req = NULL;
    if (m->cfg_ev.fn)
        migsim_event_fini(m->comp.k, &m->cfg_ev);
    if (m->dispatch_ev.fn)
        migsim_event_fini(m->comp.k, &m->dispatch_ev);
}

/* ---- life cycle -------------------------------------------------------------------------- */

/*
 * The controller builds both page tables with its ladder and address width;
 * a CPU MMU or the IOMMU walks its table with its own copy of them, so the
 * two must be the same (a walker with another ladder reads the radix levels
 * wrongly: pages it cannot find, or the wrong ones).
 */
static int mig_same_table(migctl_t *m, const migsim_comp_t *peer, const char *ladder, uint32_t va_bits)
{
    uint64_t mine[XLAT_MAX_SIZES], theirs[XLAT_MAX_SIZES];
    uint32_t nm, nt;
    if (xlat_ladder_parse(m->ladder, mine, &nm) || xlat_ladder_parse(ladder, theirs, &nt)) {
        migsim_error_clear();
        return MIGSIM_OK; /* not a ladder: the component's own init says so */
    }
    if (nm != nt || memcmp(mine, theirs, nm * sizeof mine[0]) != 0)
        return migsim_error(MIGSIM_ECONFIG, "%s.ladder \"%s\" differs from %s.ladder \"%s\": one "
                            "page table, one ladder", peer->config_path, ladder, m->comp.config_path,
                            m->ladder);
    if (va_bits != m->va_bits)
        return migsim_error(MIGSIM_ECONFIG, "%s.va_bits %u differs from %s.va_bits %u: one page "
                            "table, one format", peer->config_path, va_bits, m->comp.config_path,
                            m->va_bits);
    return MIGSIM_OK;
}

/*
 * The translation unit (CPU MMU or IOMMU) that the traffic of `src` reaches
 * first, following $.links downstream through anything else (crossbars),
 * breadth first; *out = NULL when it reaches none.
 */
static int mig_translator(migctl_t *m, migsim_comp_t *src, migsim_comp_t **out)
{
    migsim_sim_t *sim = m->comp.sim;
    size_t n = migsim_sim_ncomps(sim);
    migsim_comp_t **seen = malloc(n * sizeof *seen);  /* configure time: may allocate */
    if (!seen)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    size_t nseen = 0, next = 0;
    seen[nseen++] = src;
    *out = NULL;
    while (next < nseen && !*out) {
        migsim_comp_t *c = seen[next++];
        for (size_t i = 0; i < migsim_sim_nlink_specs(sim) && !*out; i++) {
            const migsim_link_spec_t *l = migsim_sim_link_spec(sim, i);
            if (l->from->owner != c)
                continue;
            migsim_comp_t *to = l->to->owner;
            if (to->ops == &cpu_mmu_ops || to->ops == &iommu_ops) {
                *out = to;
                break;
            }
            bool known = false;
            for (size_t k = 0; k < nseen && !known; k++)
                known = seen[k] == to;
            if (!known)
                seen[nseen++] = to;  /* each component once: nseen <= n */
        }
    }
    free(seen);
    return MIGSIM_OK;
}

/* [base, base + len) lies inside [lo, lo + n). */
static bool mig_inside(uint64_t base, uint64_t len, uint64_t lo, uint64_t n)
{
    return base >= lo && base - lo <= n && len <= n - (base - lo);
}

/*
 * A generator behind one of the controller's translation units: a region
 * left out of the configuration follows the migrating page (its VA behind a
 * CPU MMU, its IOVA behind the IOMMU; from gen_base to the end of the page
 * or of the identity region when only gen_base is given); a region given
 * must lie inside the page or the identity region of that address space.
 */
static int mig_gen_region(migctl_t *m, migsim_comp_t *g, uint64_t *base, uint64_t *range)
{
    migsim_comp_t *t = NULL;
    int rc = mig_translator(m, g, &t);
    if (rc)
        return rc;
    bool cpu = false;
    for (uint32_t i = 0; i < m->nmmus; i++)
        cpu |= t == &m->mmus[i]->comp;
    if (!t || (!cpu && (!m->iommu_c || t != &m->iommu_c->comp)))
        return MIGSIM_OK;
    const char *space = cpu ? "VA" : "IOVA";
    uint64_t page = cpu ? m->va : m->iova;
    /* a footprint: all its pages */
    uint64_t bytes = m->footprint_pages ? m->footprint_pages * m->page_bytes : m->page_bytes;
    bool gb = migsim_comp_param_given(g, "gen_base"), gr = migsim_comp_param_given(g, "gen_range_bytes");
    if (!gb)
        *base = page;
    if (!gr) {
        if (*base >= page && *base - page < bytes)
            *range = bytes - (*base - page);
        else if (*base < m->identity_bytes)
            *range = m->identity_bytes - *base;
    }
    if (mig_inside(*base, *range, page, bytes) || mig_inside(*base, *range, 0, m->identity_bytes))
        return MIGSIM_OK;
    return migsim_error(MIGSIM_ECONFIG, "%s.gen_base 0x%" PRIx64 "%s, %s.gen_range_bytes %" PRIu64 "%s: "
                        "the generator's %ss lie outside every mapping of %s (the page at %s 0x%"
                        PRIx64 ", %" PRIu64 " bytes; the identity region [0, 0x%" PRIx64 "))",
                        g->config_path, *base, gb ? "" : " (not given)", g->config_path, *range,
                        gr ? "" : " (not given)", space, m->comp.config_path, space, page,
                        bytes, m->identity_bytes);
}

/*
 * The DMA devices with an ATC whose traffic reaches the controller's IOMMU:
 * every I/O mapping change is also theirs to forget (migctl_io_invalidate).
 * A device with an ATC that reaches no IOMMU has nobody to answer its
 * translation requests: refused.
 */
static int mig_atc_devices(migctl_t *m)
{
    for (size_t i = 0; i < migsim_sim_ncomps(m->comp.sim); i++) {
        migsim_comp_t *g = migsim_sim_comp(m->comp.sim, i), *t = NULL;
        if (g->ops != &dma_dev_ops || !((dma_dev_t *)g)->atc_entries)
            continue;
        int rc = mig_translator(m, g, &t);
        if (rc)
            return rc;
        if (!t || t->ops != &iommu_ops)
            return migsim_error(MIGSIM_ECONFIG, "%s.atc_entries: %s has an ATC but its requests "
                                "reach no IOMMU to answer its translation requests",
                                g->config_path, g->name);
        if (!m->iommu_c || t != &m->iommu_c->comp)
            continue;
        if (m->natc == MIGCTL_MAX_PEERS)
            return migsim_error(MIGSIM_ECONFIG, "%s: at most %d devices with an ATC",
                                m->comp.config_path, MIGCTL_MAX_PEERS);
        m->atc_devs[m->natc++] = (dma_dev_t *)g;
    }
    return MIGSIM_OK;
}

/*
 * Before any component's init: find the peers, check that every MMU walks
 * its table with the controller's ladder, and place the generators that
 * reach the page. Generators read their region at their own init, which may
 * come before this component's in configuration order, hence this phase.
 */
static int mig_configure(migsim_comp_t *c)
{
    migctl_t *m = (migctl_t *)c;
    migsim_comp_t *found[MIGCTL_MAX_PEERS];
    uint32_t n;
    int rc;
    if ((rc = migsim_comp_find_peers(c, m->cpu_mmus, "cpu_mmu", "cpu_mmus", found, MIGCTL_MAX_PEERS, &n)))
        return rc;
    for (uint32_t i = 0; i < n; i++)
        m->mmus[i] = (cpu_mmu_t *)found[i];
    m->nmmus = n;
    if ((rc = migsim_comp_find_peers(c, m->dma_devs, "dma_dev", "dma_devs", found, MIGCTL_MAX_PEERS, &n)))
        return rc;
    for (uint32_t i = 0; i < n; i++)
        m->devs[i] = (dma_dev_t *)found[i];
    m->ndevs = n;
    if ((rc = migsim_comp_find_peers(c, m->mapped_devs, "dma_dev", "mapped_devs", found, MIGCTL_MAX_PEERS, &n)))
        return rc;
    for (uint32_t i = 0; i < n; i++)
        m->mapped[i] = (dma_dev_t *)found[i];
    m->nmapped = n;
    if (m->iommu[0] && !(m->iommu_c = (iommu_t *)migsim_comp_find_peer(&m->comp, m->iommu, "iommu", "iommu")))
        return MIGSIM_ECONFIG;
    if (m->dualwrite[0] &&
        !(m->dw = (dualwrite_t *)migsim_comp_find_peer(&m->comp, m->dualwrite, "dualwrite", "dualwrite")))
        return MIGSIM_ECONFIG;
    migsim_comp_t *mem = migsim_sim_find(c->sim, m->dram);
    if (mem && mem->ops == &memrouter_ops)
        m->router_c = (memrouter_t *)mem; /* memory nodes behind an address router */
    else if (mem && mem->ops != &dram_ops)
        return migsim_error(MIGSIM_ECONFIG, "%s.dram: \"%s\" is a %s, not a dram or a memrouter",
                            c->config_path, m->dram, mem->ops->type);
    else if (!(m->dram_c = (dram_t *)migsim_comp_find_peer(&m->comp, m->dram, "dram", "dram")))
        return MIGSIM_ECONFIG;
    if (m->llc[0] && !(m->llc_c = (llc_t *)migsim_comp_find_peer(&m->comp, m->llc, "llc", "llc")))
        return MIGSIM_ECONFIG;
    for (uint32_t i = 0; i < m->nmmus; i++)
        if ((rc = mig_same_table(m, &m->mmus[i]->comp, m->mmus[i]->ladder_str, m->mmus[i]->va_bits)))
            return rc;
    if (m->iommu_c && (rc = mig_same_table(m, &m->iommu_c->comp, m->iommu_c->ladder_str,
                                           m->iommu_c->va_bits)))
        return rc;
    if ((rc = mig_atc_devices(m)))
        return rc;
    for (size_t i = 0; i < migsim_sim_ncomps(c->sim); i++) {
        migsim_comp_t *g = migsim_sim_comp(c->sim, i);
        if (g->ops == &player_ops && !((player_t *)g)->trace[0])
            rc = mig_gen_region(m, g, &((player_t *)g)->gen_base, &((player_t *)g)->gen_range_bytes);
        else if (g->ops == &dma_dev_ops && !((dma_dev_t *)g)->trace[0])
            rc = mig_gen_region(m, g, &((dma_dev_t *)g)->gen_base, &((dma_dev_t *)g)->gen_range_bytes);
        if (rc)
            return rc;
    }
    return MIGSIM_OK;
}

static int mig_ladder(migctl_t *m)
{
    uint64_t sizes[XLAT_MAX_SIZES];
    uint32_t n;
    int prc = xlat_ladder_parse(m->ladder, sizes, &n);
    if (prc)
        return prc;
    int rc = xlat_ladder_from_sizes(&m->lad, sizes, n, m->va_bits);
    if (rc)
        return rc;
    int pi = xlat_ladder_index(&m->lad, m->page_bytes);
    int si = xlat_ladder_index(&m->lad, m->subpage_bytes);
    if (pi < 0 || si < 0 || si > pi)
        return migsim_error(MIGSIM_ECONFIG, "page_bytes and subpage_bytes must be ladder sizes, "
                            "subpage no larger (ladder \"%s\")", m->ladder);
    m->page_idx = (uint32_t)pi;
    m->sub_idx = (uint32_t)si;
    return MIGSIM_OK;
}

/*
 * Behind a memory router, the bytes the controller touches functionally (the
 * page tables, the page where it is and where it goes, the identity region)
 * must each lie in one DRAM node.
 */
static int mig_router_holds(migctl_t *m)
{
    bool fp = m->footprint_pages != 0; /* a footprint's frames lie in the controller's nodes */
    const struct { const char *what; uint64_t base, bytes; } r[] = {
        { "pt_base", m->pt_base, m->pt_bytes },
        { "cur_pa", m->cur_pa, fp ? 0 : m->page_bytes },
        { "tgt_pa", m->tgt_pa, fp ? 0 : m->page_bytes },
        { "identity_bytes", 0, m->identity_bytes },
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (r[i].bytes && !memrouter_holds(m->router_c, r[i].base, r[i].bytes))
            return migsim_error(MIGSIM_ECONFIG, "%s.%s: [%#llx, %#llx) is not inside one DRAM node "
                                "of memrouter \"%s\"", m->comp.config_path, r[i].what,
                                (unsigned long long)r[i].base,
                                (unsigned long long)(r[i].base + r[i].bytes), m->dram);
    for (uint32_t i = 0; fp && i < m->nnodes; i++)
        if (!memrouter_holds(m->router_c, m->node[i].base, m->node[i].bytes))
            return migsim_error(MIGSIM_ECONFIG, "%s.nodes: node %s [%#llx, %#llx) is not inside one "
                                "DRAM node of memrouter \"%s\"", m->comp.config_path,
                                m->node[i].name, (unsigned long long)m->node[i].base,
                                (unsigned long long)(m->node[i].base + m->node[i].bytes), m->dram);
    return MIGSIM_OK;
}

/* ---- devices without an IOMMU ------------------------------------------------------------ */

/*
 * The PA a mapped device is given for its address: through the I/O page
 * table, else itself; with mapped_stale, a footprint page's first PA ever.
 */
static uint64_t mig_io_map(void *ctx, uint64_t addr)
{
    migctl_t *m = ctx;
    uint64_t off = addr - m->fp_iova;
    if (m->pg_stale_pa && addr >= m->fp_iova && off < m->footprint_pages * m->page_bytes) {
        uint64_t p = off / m->page_bytes;
        if (!m->pg_stale_pa[p])
            m->pg_stale_pa[p] = mig_node_pa(m, m->pg_node[p], m->pg_frame[p]);
        return m->pg_stale_pa[p] + off % m->page_bytes;
    }
    xlat_map_t map;
    return xlat_pt_lookup(&m->io_pt, addr, &map) ? map.pa + (addr - map.va) : addr;
}

/*
 * At init: the drivers of mapped_devs give their devices PAs through the I/O
 * page table, with the mechanisms that keep its leaves at the data's place
 * (the devices are wired to the dual-write chip, or suspended).
 */
static int mig_map_devices(migctl_t *m)
{
    if (m->nmapped && m->mech->via_iommu)
        return migsim_error(MIGSIM_ECONFIG, "%s.mapped_devs: policy %s sees, blocks or redirects "
                            "I/O as it passes the IOMMU, which a device without one does not; use "
                            "segmented, suspend_io, dual_write_whole, fw_redirect or none",
                            m->comp.config_path, m->mech->name);
    if (m->mapped_stale && m->nmapped && m->footprint_pages &&
        !(m->pg_stale_pa = calloc(m->footprint_pages, sizeof *m->pg_stale_pa)))
        return MIGSIM_ENOMEM;
    for (uint32_t i = 0; i < m->nmapped; i++) {
        int rc = dma_dev_set_map(m->mapped[i], mig_io_map, m);
        if (rc)
            return migsim_error_wrap(rc, "%s.mapped_devs", m->comp.config_path);
    }
    return MIGSIM_OK;
}

static int mig_init(migsim_comp_t *c)
{
    migctl_t *m = (migctl_t *)c;
    m->lost = -1;
    int rc = mig_ladder(m);
    if (rc)
        return rc;
    m->subpages = m->page_bytes / m->subpage_bytes;
    m->mech = mechs[m->policy];
    if (m->footprint_pages) {
        if ((rc = mig_footprint_init(m)))
            return rc;
    } else if (m->nodes[0] || m->requests[0] || m->max_concurrent != 1) {
        return migsim_error(MIGSIM_ECONFIG, "%s.%s: only with footprint_pages > 0", c->config_path,
                            m->nodes[0] ? "nodes" : m->requests[0] ? "requests" : "max_concurrent");
    }
    bool fp = m->footprint_pages != 0; /* the nodes place a footprint's pages */
    if (m->va % m->page_bytes || m->iova % m->page_bytes ||
        (!fp && (m->cur_pa % m->page_bytes || m->tgt_pa % m->page_bytes)))
        return migsim_error(MIGSIM_ECONFIG, "va, iova, cur_pa and tgt_pa must be aligned to page_bytes");
    if (!fp && m->cur_pa < m->tgt_pa + m->page_bytes && m->tgt_pa < m->cur_pa + m->page_bytes)
        return migsim_error(MIGSIM_ECONFIG, "cur_pa and tgt_pa ranges overlap");
    if (m->identity_bytes && (m->va < m->identity_bytes || m->iova < m->identity_bytes ||
                              (!fp && (m->cur_pa < m->identity_bytes || m->tgt_pa < m->identity_bytes))))
        return migsim_error(MIGSIM_ECONFIG, "the identity region [0, identity_bytes) overlaps the page");
    if (m->router_c && (rc = mig_router_holds(m)))
        return rc;
    if ((rc = mig_map_devices(m)))
        return rc;
    if (m->mech->needs_chip && !m->dw)
        return migsim_error(MIGSIM_ECONFIG, "%s.dualwrite: policy %s needs a dual-write chip",
                            c->config_path, m->mech->name);
    if (m->mech->init && (rc = m->mech->init(m)))
        return rc;
    oracle_init(&m->oracle);
    if ((rc = migsim_hist_init(&m->copy_hist, 1024, 1ull << 50)))  /* about 1 ns resolution */
        return rc;
    if (m->migrate_bytes_per_s &&
        (rc = migsim_event_init(c->k, &m->tb_ev, mig_budget_ev, m, 30, 0, "migctl.budget")))
        return rc;
    return migsim_event_init(c->k, &m->step_ev, mig_step, m, 30, 0, "migctl.step");
}

static int mig_start(migsim_comp_t *c)
{
    migctl_t *m = (migctl_t *)c;
    int rc;
    m->dram_fmem = m->router_c ? memrouter_fmem(m->router_c) : dram_fmem(m->dram_c);
    m->fmem = m->llc_c ? llc_fmem(m->llc_c, &m->dram_fmem) : m->dram_fmem;
    /* the page tables: CPU in the first half of the region, I/O in the second */
    xlat_pt_cfg_t cfg = { .ladder = m->lad, .mem = m->fmem, .pt_base = m->pt_base,
                          .pt_bytes = m->pt_bytes / 2 };
    if ((rc = xlat_pt_create(&m->cpu_pt, &cfg)))
        return rc;
    cfg.pt_base = m->pt_base + m->pt_bytes / 2;
    if ((rc = xlat_pt_create(&m->io_pt, &cfg)))
        return rc;
    if (m->footprint_pages) {
        if ((rc = mig_footprint_start(m)))
            return rc;
    } else if ((rc = xlat_pt_map(&m->cpu_pt, m->va, m->cur_pa, m->page_idx, 0)) ||
               (rc = xlat_pt_map(&m->io_pt, m->iova, m->cur_pa, m->page_idx, 0))) {
        return rc;
    }
    if (m->identity_bytes) {
        int64_t r;
        if ((r = xlat_pt_map_range(&m->cpu_pt, 0, 0, m->identity_bytes, XLAT_MAP_LARGEST, 0, 0)) < 0 ||
            (r = xlat_pt_map_range(&m->io_pt, 0, 0, m->identity_bytes, XLAT_MAP_LARGEST, 0, 0)) < 0)
            return (int)r;
    }
    migctl_count_ptes(m);
    for (uint32_t i = 0; i < m->nmmus; i++)
        cpu_mmu_set_root(m->mmus[i], m->cpu_pt.root);
    if (m->iommu_c)
        iommu_set_root(m->iommu_c, m->io_pt.root);
    if (m->oracle_on) {
        if (m->llc_c)
            llc_set_commit_observer(m->llc_c, mig_commit, m);
        else if (m->router_c)
            memrouter_set_commit_observer(m->router_c, mig_commit, m);
        else
            dram_set_commit_observer(m->dram_c, mig_commit, m);
    }
    if (m->mech->step && !m->footprint_pages) /* a footprint's migrations come as requests */
        migctl_next(m, m->mech->first, m->start_ps);
    return MIGSIM_OK;
}

static void mig_finalize(migsim_comp_t *c)
{
    migctl_t *m = (migctl_t *)c;
    m->st_oracle_lines = oracle_lines(&m->oracle);
    m->st_oracle_commits = m->oracle.commits;
    /* the full check runs at the end of a run (and again only if writes came since) */
    if (m->oracle_on && migsim_sim_done(c->sim) && (m->lost < 0 || m->checked_commits != m->oracle.commits))
        migctl_check(m, NULL, NULL);
    m->st_copy_avg_ns = m->st_copy_calls ? (double)m->st_copy_ps_sum / (double)m->st_copy_calls / 1000.0 : 0;
    m->st_sub_p50_ns = migsim_hist_percentile(&m->copy_hist, 0.50) / 1000.0;
    m->st_sub_p99_ns = migsim_hist_percentile(&m->copy_hist, 0.99) / 1000.0;
    uint64_t span = m->finished ? m->st_duration_ps : (m->running ? c->k->now - m->st_start_ps : 0);
    m->st_copy_traffic_gbps =
        span ? (double)(m->st_copy_reads + m->st_copy_writes) * MIG_LINE / (double)span * 1000.0 : 0;
    /* the page moved, per second of migration (so far: the lines written to the target) */
    uint64_t moved = m->footprint_pages ? m->st_mig_bytes
                     : m->finished ? m->page_bytes : m->st_copy_writes * MIG_LINE;
    m->st_page_rate_gbps = span ? (double)moved / (double)span * 1000.0 : 0;
    uint64_t dram_during = m->finished ? m->st_dram_bytes_during
                           : (m->running ? mem_bytes(m) - m->st_dram_bytes_at_start : 0);
    m->st_copy_share = dram_during ? (double)m->st_copy_bytes / (double)dram_during : 0;
    if (m->mech && m->mech->finalize)
        m->mech->finalize(m);
}

static void mig_fini(migsim_comp_t *c)
{
    migctl_t *m = (migctl_t *)c;
    while (m->copy_wq) {
        migsim_req_t *r = m->copy_wq;
        m->copy_wq = r->next;
        migsim_req_free(c->pool, r);
    }
    if (m->copy_pending)
        migsim_req_free(c->pool, m->copy_pending);
    m->copy_pending = NULL;
    if (m->mech && m->mech->fini)
        m->mech->fini(m);
    mig_footprint_fini(m);
    if (m->tb_ev.fn)
        migsim_event_fini(c->k, &m->tb_ev);
    oracle_fini(&m->oracle);
    migsim_hist_fini(&m->copy_hist);
    free(m->log);
    m->log = NULL;
    if (m->step_ev.fn)
        migsim_event_fini(c->k, &m->step_ev);
}

static const char *const pte_mode_names[] = { "subpage", "mixed", NULL };
static const char *const granule_unsafe_names[] = { "none", "no_block", "no_pins", NULL };
static const char *const placement_names[] = { "near_first", "far", "interleave", NULL };

#define MU64(n, f, u, d, lo, hi, h) MIGSIM_PARAM_U64(migctl_t, n, f, u, d, lo, hi, h)

static const migsim_param_t mig_params[] = {
    MIGSIM_PARAM_ENUM(migctl_t, "policy", policy, 0, policy_names,
                      "segmented (US 9,081,764), suspend_io, dual_write_whole, none, precopy "
                      "(iterative pre-copy with dirty tracking), fw_redirect (US 9,600,202: "
                      "firmware copy and mapping table), or granule (granule relocation with "
                      "translation blocking and pin counts)"),
    MIGSIM_PARAM_ENUM(migctl_t, "pte_mode", pte_mode, 0, pte_mode_names,
                      "CPU page table while migrating: all subpage PTEs (FIG. 4, 400) or the "
                      "largest aligned PTEs per segment (FIG. 4, 450; claims 8, 18)"),
    MU64("va", va, "bytes", 1ull << 32, 0, 0, "CPU virtual address of the large page"),
    MU64("iova", iova, "bytes", 1ull << 32, 0, 0, "I/O virtual address of the large page"),
    MU64("cur_pa", cur_pa, "bytes", 1ull << 30, 0, 0, "physical address of the page now"),
    MU64("tgt_pa", tgt_pa, "bytes", 2ull << 30, 0, 0, "physical address it moves to"),
    MU64("page_bytes", page_bytes, "bytes", 1ull << 30, 4096, 0, "large page size (a ladder size)"),
    MU64("subpage_bytes", subpage_bytes, "bytes", 64u << 10, 4096, 0, "subpage size (a ladder size)"),
    MIGSIM_PARAM_U32(migctl_t, "subpages_per_call", subpages_per_call, "subpages", 1, 1, 1u << 20,
                     "subpages per hypervisor call (claims 6, 17)"),
    MU64("start_ps", start_ps, "ps", 10000000, 0, 0, "when the migration starts (block 200)"),
    MU64("pte_write_ps", pte_write_ps, "ps", 20000, 0, 0, "OS time per PTE written"),
    MU64("ipi_ps", ipi_ps, "ps", 800000, 0, 0,
         "TLB shootdown: sending the IPIs to every CPU MMU at once and seeing the "
         "acknowledgements, besides the slowest target's handler (cpu_mmu shootdown_handler_ps); "
         "paid once per shootdown. Default: an estimate, 1.3 us in all for one bare-metal x86 "
         "target (the order measured by Amit, USENIX ATC 2017); in a virtual machine with a busy "
         "second vCPU use about 11 to 15 us in all (estimate; see models/MIGRATION.md)"),
    MU64("ipi_target_ps", ipi_target_ps, "ps", 0, 0, 0,
         "TLB shootdown: added to the initiator's wait once per target CPU MMU (the IPIs sent one "
         "after another and their acknowledgements collected one by one), so that a shootdown "
         "costs ipi_ps + cores x ipi_target_ps + the slowest handler; 0: every target at once"),
    MU64("hcall_ps", hcall_ps, "ps", 1000000, 0, 0, "one hypervisor call"),
    MU64("init_hw_ps", init_hw_ps, "ps", 500000, 0, 0, "programming the chip at block 206"),
    MU64("update_hw_ps", update_hw_ps, "ps", 200000, 0, 0, "moving the chip's window at block 214"),
    MU64("final_ps", final_ps, "ps", 1000000, 0, 0,
         "block 218: time between the IOTLB invalidation completing and the chip being disabled"),
    MIGSIM_PARAM_U32(migctl_t, "copy_inflight", copy_inflight, "requests", 16, 1, 4096,
                     "copy engine requests outstanding at most"),
    MIGSIM_PARAM_STR(migctl_t, "cpu_mmus", cpu_mmus, "",
                     "CPU MMU components, comma-separated (resolved when the simulation is built)"),
    MIGSIM_PARAM_STR(migctl_t, "iommu", iommu, "", "the IOMMU component (\"\" = none)"),
    MIGSIM_PARAM_STR(migctl_t, "dualwrite", dualwrite, "", "the dual-write chip (\"\" = none)"),
    MIGSIM_PARAM_STR(migctl_t, "dma_devs", dma_devs, "", "DMA devices to suspend (suspend_io)"),
    MIGSIM_PARAM_STR(migctl_t, "mapped_devs", mapped_devs, "",
                     "DMA devices wired to memory without an IOMMU whose driver gives them PAs "
                     "through the controller's I/O page table when each request is sent (a device "
                     "with a DMA mask; seed 002's PPN -> MPN map)"),
    MIGSIM_PARAM_BOOL(migctl_t, "mapped_stale", mapped_stale, 0,
                      "planted bug: the driver of mapped_devs gives each footprint page the PA it "
                      "had when first used, as a driver that maps its buffers once; after a page "
                      "moves its writes go to the old frame and the oracle reports them lost"),
    MIGSIM_PARAM_STR(migctl_t, "dram", dram, "dram0", "the memory holding the bytes: a dram, or a memrouter "
                     "in front of memory nodes"),
    MIGSIM_PARAM_STR(migctl_t, "llc", llc, "", "the last-level cache in front of it (\"\" = none)"),
    MIGSIM_PARAM_STR(migctl_t, "ladder", ladder, "4K,64K,1M,16M,256M,4G",
                     "page sizes of both page tables, smallest first; every CPU MMU and the IOMMU "
                     "must have the same sizes (one page table, one ladder)"),
    MIGSIM_PARAM_U32(migctl_t, "va_bits", va_bits, "bits", 48, 32, 57,
                     "virtual address width of both page tables; the MMUs' va_bits must equal it"),
    MU64("pt_base", pt_base, "bytes", 64u << 20, 0, 0, "PA of the page-table region"),
    MU64("pt_bytes", pt_bytes, "bytes", 64u << 20, 1u << 16, 0,
         "bytes of the page-table region (CPU table in the first half, I/O in the second)"),
    MU64("identity_bytes", identity_bytes, "bytes", 0, 0, 0,
         "also map VA and IOVA [0, this) to the same PAs (other memory the traces touch)"),
    MIGSIM_PARAM_BOOL(migctl_t, "oracle", oracle_on, 1, "record every write and check nothing was lost"),
    /* the pre-copy mechanism (mech_precopy.c) */
    MU64("precopy_track_bytes", pc_track_bytes, "bytes", 0, 0, 0,
         "precopy: size of the CPU PTEs the page is split into for dirty tracking, a ladder size "
         "at most page_bytes (0 = subpage_bytes); each is a granule a CPU write dirties"),
    MU64("precopy_io_track_bytes", pc_io_track_bytes, "bytes", 0, 0, 0,
         "precopy: size of the I/O PTEs the IOVA page is split into for DMA dirty tracking, a "
         "ladder size at most page_bytes (0 = subpage_bytes)"),
    MU64("precopy_stop_bytes", pc_stop_bytes, "bytes", 1u << 20, 0, 0,
         "precopy: stop and copy once a harvest finds fewer dirty bytes than this"),
    MIGSIM_PARAM_U32(migctl_t, "precopy_max_rounds", pc_max_rounds, "rounds", 5, 1, 1u << 20,
                     "precopy: copy rounds (round 0, the whole page, included) before the "
                     "stop-and-copy at most"),
    MU64("precopy_pte_scan_ps", pc_pte_scan_ps, "ps", 5000, 0, 0,
         "precopy: OS time to read one tracking PTE in a harvest (an estimate: one 8-byte load "
         "of a PTE table streamed from the cache); a dirty PTE cleared costs pte_write_ps more"),
    MIGSIM_PARAM_BOOL(migctl_t, "precopy_io_dirty", pc_io_dirty, 1,
                      "precopy: track DMA writes by I/O PTE dirty bits; false leaves DMA writes "
                      "to granules already copied uncopied (unsafe: loses them)"),
    /* firmware mapping-table redirect (fw_redirect, US 9,600,202) */
    MIGSIM_PARAM_STR(migctl_t, "fwmap", fwmap, "",
                     "fw_redirect: the firmware's mapping table, a fwmap in the memory path"),
    MU64("fw_chunk_bytes", fw_chunk_bytes, "bytes", 64u << 10, 4096, 0,
         "fw_redirect: bytes the firmware copies per SMI, then switches in the table: whole "
         "subpages and whole table chunks, dividing page_bytes"),
    MU64("fw_smi_entry_ps", fw_smi_entry_ps, "ps", 10000000, 0, 0,
         "fw_redirect: SMI entry (every core rendezvous in SMM, state saved) before the firmware "
         "copies. Default: an estimate; with fw_smi_exit_ps, 15 us per SMI, the 10-15 us "
         "the Linux Foundation real-time wiki gives as common SMI latencies"),
    MU64("fw_smi_exit_ps", fw_smi_exit_ps, "ps", 5000000, 0, 0,
         "fw_redirect: leaving SMM (state restored) after the switch; the cores still held. "
         "Default: an estimate (see fw_smi_entry_ps)"),
    MU64("fw_switch_ps", fw_switch_ps, "ps", 200000, 0, 0,
         "fw_redirect: the firmware writing a chunk's table entries (the switch takes effect at "
         "its end). Default: an estimate, an uncached register write to the memory controller"),
    MIGSIM_PARAM_BOOL(migctl_t, "fw_interlock", fw_interlock, 1,
                      "fw_redirect: the table holds CPU and DMA writes to the chunk being copied "
                      "until its switch, then sends them to the copy; false: they go to the old "
                      "place and those after the copy read their line are lost"),
    /* granule relocation (policy granule, mech_granule.c) */
    MU64("granule_bytes", granule_bytes, "bytes", 0, 0, 0,
         "granule: relocation granule, a ladder size below page_bytes (0 = subpage_bytes); the "
         "page moves one granule at a time, every CPU and I/O translation to it blocked meanwhile"),
    MIGSIM_PARAM_ENUM(migctl_t, "granule_unsafe", granule_unsafe, 0, granule_unsafe_names,
                      "granule: none (safe); no_block: DMA translations to the moving granule are "
                      "not blocked (DMA writes the old place during its copy); no_pins: pin counts "
                      "ignored (a granule moves while DMA transfers hold it)"),
    MU64("granule_retry_ps", granule_retry_ps, "ps", 1000000, 0, 0,
         "granule: pause before a pass over the page that follows a pass which moved no granule "
         "(every granule left was pinned)"),
    MU64("pin_hold_ps", pin_hold_ps, "ps", 0, 0, 0,
         "granule: a DMA transfer pins the granules it touches from its first request's arrival at "
         "the IOMMU until its last response and then this long (the device's mapping until its "
         "unmap)"),
    /* a footprint of many pages on memory nodes, and a stream of migration requests */
    MU64("footprint_pages", footprint_pages, "pages", 0, 0, 0,
         "pages of page_bytes mapped at va (and iova) one after another, placed on the nodes at "
         "start by `placement` and migrated by `requests` (or migctl_request) one at a time with "
         "the policy (segmented, suspend_io, dual_write_whole, precopy or none); the generators "
         "that reach the MMUs get the whole footprint as their region. Without `requests`, page 0 "
         "starts at "
         "cur_pa and moves to tgt_pa at start_ps (both frames of nodes), the others placed; "
         "with `requests`, cur_pa, tgt_pa and start_ps are not read. 0: the one page at cur_pa, "
         "migrated to tgt_pa at start_ps"),
    MIGSIM_PARAM_STR(migctl_t, "nodes", nodes, "",
                     "memory nodes as the OS sees them, nearest first (node 0, 1, ...): "
                     "\"name:base:bytes,...\", e.g. \"near:0x0:8GiB,far:0x200000000:32GiB\"; each "
                     "hands out page_bytes frames, lowest free first, none of them overlapping "
                     "the page tables (pt_base, pt_bytes) or the identity region; at most 8 "
                     "nodes, inside the DRAM's capacity"),
    MIGSIM_PARAM_ENUM(migctl_t, "placement", placement, 0, placement_names,
                      "where the footprint's pages start: near_first (fill node 0, then the "
                      "next), far (all on the last node), interleave (page i on node i mod "
                      "nodes, a full node skipped)"),
    MIGSIM_PARAM_STR(migctl_t, "requests", requests, "",
                     "migration requests \"at_ps:page:node,...\" (node by name or number), made "
                     "at their times in time order; one refused when it comes (page queued or "
                     "moving, already on the node, node full) counts in mig_refused_requests; "
                     "\"none\": only those a policy makes (migctl_request); empty: page 0 moves "
                     "from cur_pa to tgt_pa at start_ps"),
    MIGSIM_PARAM_U32(migctl_t, "max_concurrent", max_concurrent, "migrations", 1, 1, 0,
                     "migrations running at once; only 1 (the dual-write chip has one window, "
                     "the copy engine one range); requests wait in order of arrival"),
    MU64("migrate_bytes_per_s", migrate_bytes_per_s, "bytes/s", 0, 0, 0,
         "copy budget: the copy engine's line reads leave at most this many bytes per second "
         "(a token bucket one line deep: the k-th read of a busy stretch k x 64 / budget after "
         "the first, exactly); 0: no budget"),
    MIGSIM_PARAMS_END,
};

static const migsim_port_def_t mig_ports[] = {
    MIGSIM_PORT_INITIATOR(migctl_t, "copy", copy, mig_copy_resp, mig_copy_retry,
                          "copy engine line reads and writes, by PA, to the dual-write chip's copy port"),
    MIGSIM_PORTS_END,
};

#define MS(n, f, u, h) MIGSIM_STAT_U64(migctl_t, n, f, u, h)
#define MF(n, f, u, h) MIGSIM_STAT_F64(migctl_t, n, f, u, h)

/* one precopy_round<k>_bytes row below per round kept */
_Static_assert(MIGCTL_PC_ROUND_STATS == 8, "precopy_round<k>_bytes rows and MIGCTL_PC_ROUND_STATS differ");

static const migsim_stat_def_t mig_stats[] = {
    MS("start_ps", st_start_ps, "ps", "block 200"),
    MS("end_ps", st_end_ps, "ps", "block 222 (0 if not reached)"),
    MS("duration_ps", st_duration_ps, "ps", "block 200 to block 222"),
    MS("hypervisor_calls", st_hcalls, "calls", "hypervisor calls"),
    MS("pte_writes", st_pte_writes, "PTEs",
       "CPU and I/O PTEs written by the OS: leaves written or changed plus leaves removed"),
    MS("shootdowns", st_shootdowns, "shootdowns", "TLB shootdowns (each to every CPU MMU)"),
    MS("iotlb_invalidations", st_iotlb_invalidations, "invalidations", "IOTLB invalidations"),
    MS("ats_invalidations", st_ats_invalidations, "invalidations",
       "ATS invalidations sent to devices with an ATC (each IOTLB invalidation's range, after it "
       "completes, to every such device behind the IOMMU; the next step waits for them all)"),
    MS("copy_reads", st_copy_reads, "requests", "copy engine line reads"),
    MS("copy_writes", st_copy_writes, "requests", "copy engine line writes"),
    MS("copy_bytes", st_copy_bytes, "bytes", "bytes the copy engine moved (read + written)"),
    MS("copy_calls", st_copy_calls, "windows", "copies (one per hypervisor call)"),
    MF("copy_window_avg_ns", st_copy_avg_ns, "ns", "time to copy one window (subpages_per_call subpages)"),
    MS("copy_window_min_ps", st_copy_ps_min, "ps", "shortest window copy"),
    MS("copy_window_max_ps", st_copy_ps_max, "ps", "longest window copy"),
    MF("copy_subpage_p50_ns", st_sub_p50_ns, "ns", "median time to copy one subpage (histogram)"),
    MF("copy_subpage_p99_ns", st_sub_p99_ns, "ns", "99th percentile time to copy one subpage"),
    MF("page_rate_gbps", st_page_rate_gbps, "GB/s",
       "migration rate: page_bytes / duration (while running: bytes copied to the target so far "
       "/ time since block 200)"),
    MF("copy_traffic_gbps", st_copy_traffic_gbps, "GB/s",
       "copy engine traffic: bytes read plus bytes written / migration time (twice the page "
       "rate when every line is copied once)"),
    MF("copy_share", st_copy_share, "ratio",
       "copy bytes / all bytes entering memory (at the cache, else DRAM) during the migration"),
    MS("mem_bytes_during", st_dram_bytes_during, "bytes",
       "bytes entering memory (at the cache, else DRAM) during the migration"),
    MS("cpu_ptes", st_cpu_ptes, "PTEs", "leaf PTEs mapping the page now (sample it with epochs)"),
    MS("cpu_ptes_max", st_cpu_ptes_max, "PTEs", "most leaf PTEs mapping the page at once"),
    MS("lost_writes", st_lost_writes, "lines", "written lines whose bytes are not at their final place"),
    MS("oracle_lines", st_oracle_lines, "lines", "distinct lines written by CPUs and devices"),
    MS("oracle_commits", st_oracle_commits, "writes", "writes recorded by the oracle"),
    /* the pre-copy mechanism (mech_precopy.c) */
    MS("precopy_rounds", st_pc_rounds, "rounds",
       "precopy: copy rounds before the stop-and-copy, round 0 (the whole page) included "
       "(rounds from 8 on have no precopy_round<k>_bytes; copy_bytes counts them); this and the "
       "other precopy_* figures are summed over the migrations of a footprint"),
#define MIG_PC_ROUND(k) MS("precopy_round" #k "_bytes", st_pc_round_bytes[k], "bytes", \
                           "precopy: bytes copied to the target in round " #k " (each once)")
    MIG_PC_ROUND(0), MIG_PC_ROUND(1), MIG_PC_ROUND(2), MIG_PC_ROUND(3),
    MIG_PC_ROUND(4), MIG_PC_ROUND(5), MIG_PC_ROUND(6), MIG_PC_ROUND(7),
#undef MIG_PC_ROUND
    MS("precopy_dirty_bytes_final", st_pc_dirty_final, "bytes",
       "precopy: bytes still dirty at the stop-and-copy, copied with the devices suspended"),
    MS("precopy_pause_ps", st_pc_pause_ps, "ps",
       "precopy: the stop-and-copy, from the devices' suspension to their resumption (to the end "
       "of the run if they are still suspended)"),
    MS("precopy_harvest_ptes_read", st_pc_ptes_read, "PTEs",
       "precopy: tracking PTEs (CPU and I/O) read by the dirty-bit harvests"),
    MS("precopy_harvest_ptes_cleared", st_pc_ptes_cleared, "PTEs",
       "precopy: dirty tracking PTEs whose D bit the harvests cleared"),
    MS("precopy_harvest_ps", st_pc_harvest_ps, "ps",
       "precopy: time charged for the harvests (PTE reads and D clears)"),
    /* firmware mapping-table redirect (fw_redirect) */
    MS("fw_smis", st_fw_calls, "calls", "fw_redirect: firmware calls (SMIs), one per chunk"),
    MS("fw_smi_cpu_ps", st_fw_smi_cpu_ps, "ps",
       "fw_redirect: CPU time held by SMIs, summed over the cores (entry, copy, switch, exit)"),
    /* granule relocation (policy granule) */
    MS("granules_moved", st_gr_moved, "granules", "granule: granules moved"),
    MS("granules_deferred_by_pins", st_gr_deferred, "granules",
       "granule: times a pass found a granule pinned and went on to the next"),
    MS("granule_passes", st_gr_passes, "passes", "granule: passes over the page's granules"),
    MS("granule_blocked_ps", st_gr_blocked_ps, "ps",
       "granule: sum over granules of the time from their block to their unblock"),
    MS("granule_cpu_wait_ps", st_gr_cpu_wait_ps, "ps",
       "granule: CPU accesses' fault waits during the migration (the CPU MMUs' fault_stall_ps "
       "accrued from block 200 to 222)"),
    MS("granule_dma_wait_ps", st_gr_dma_wait_ps, "ps",
       "granule: DMA requests' waits on blocked granules (the IOMMU's block_wait_ps accrued from "
       "block 200 to 222)"),
    /* a footprint (footprint_pages > 0) */
#define MFP(n, f, u, h) MIGSIM_STAT_U64_IF(migctl_t, n, f, u, h, "footprint_pages")
    MFP("mig_requests", st_mig_requested, "requests",
        "migration requests made (configured or by migctl_request), refused ones included"),
    MFP("mig_completed", st_mig_completed, "migrations", "migrations that reached block 222"),
    MFP("mig_refused_requests", st_mig_refused, "requests",
        "requests refused: no such page or node, page queued or moving, already on the node, "
        "node without a free frame"),
    MFP("mig_bytes", st_mig_bytes, "bytes", "bytes of pages migrated (page_bytes per completed one)"),
    MFP("mig_queue_ps", st_mig_queue_ps, "ps",
        "sum over started migrations of the wait from the request to block 200"),
#define MIG_NODE_PAGES(k) MFP("node" #k "_resident_pages", st_node_pages[k], "pages", \
                              "pages of the footprint on node " #k " now (a page moving counts on " \
                              "its source until block 222)")
    MIG_NODE_PAGES(0), MIG_NODE_PAGES(1), MIG_NODE_PAGES(2), MIG_NODE_PAGES(3),
    MIG_NODE_PAGES(4), MIG_NODE_PAGES(5), MIG_NODE_PAGES(6), MIG_NODE_PAGES(7),
#undef MIG_NODE_PAGES
#undef MFP
    MIGSIM_STATS_END,
};

_Static_assert(MIGCTL_MAX_NODES == 8, "node<k>_resident_pages rows and MIGCTL_MAX_NODES differ");

const migsim_comp_ops_t migctl_ops = {
    .type = "migctl",
    .help = "migration controller: the FIG. 2 steps of US 9,081,764 (or a baseline) with a copy "
            "engine, the page tables, and the no-lost-write oracle",
    .size = sizeof(migctl_t),
    .params = mig_params,
    .ports = mig_ports,
    .stats = mig_stats,
    .configure = mig_configure,
    .init = mig_init,
    .start = mig_start,
    .finalize_stats = mig_finalize,
    .fini = mig_fini,
};
