/*
 * mech_granule.c - granule relocation (seed 004: a logical memory block
 * relocated in relocation granules, translations to a granule blocked while
 * it moves, a pin count per granule):
 *
 *   200 202 203 204 206 | 230 232 234 236 | 230 ... | 218 220 222
 *
 * 202/203: the CPU and the I/O page tables map the page as granule PTEs
 * (granule_bytes, a ladder size), counted and charged per PTE, the CPU range
 * shot down and the page's IOTLB entries invalidated (204); 206: the OS
 * calls the hypervisor to relocate. Then passes over the granules in order:
 * 230 looks at the next granule not yet moved; a pinned one (pin count > 0)
 * is passed over (granules_deferred_by_pins) and come back to on the next
 * pass. 232 blocks an unpinned granule: the IOMMU blocks its IOVA range
 * (iommu_block: its IOTLB entries dropped with the invalidation's time; DMA
 * requests for it wait in the IOMMU, so no pin can rise) and, at the same
 * moment, its CPU PTE is made invalid and shot down (CPU accesses fault and
 * wait); 234, when both are done, copies it; 236 points its CPU and I/O
 * PTEs at the target, the CPU PTE valid, and unblocks it. A pass that
 * moved nothing is followed by the next after granule_retry_ps. After the
 * last granule: the I/O page table maps the target with one large PTE and
 * the IOTLB is invalidated (218), the CPU's likewise (220), the end (222).
 *
 * Pins: the IOMMU tells this file of every DMA request it accepts, starts
 * translating and answers (iommu_set_observer). A DMA device's transfer (a
 * record: a packet, a block; its requests carry MIGSIM_REQ_XFER_FIRST and
 * _LAST) pins every granule one of its requests started translating in,
 * from then until the transfer's last response (then pin_hold_ps more, the
 * device's mapping until its unmap); a request of any other source pins its
 * granule from its start of translation to its response. A request starts
 * translating only when no block holds it, so a blocked granule's pin count
 * cannot rise, and a granule is blocked only at pin count 0: nothing
 * translated for it is then on its way to memory.
 *
 * Unsafe variants (granule_unsafe): no_block leaves the I/O translations
 * unblocked (the granule's IOTLB entries are invalidated only after its
 * PTE is switched), so DMA writes the old place during the copy; no_pins
 * blocks granules whatever their pins, so writes translated before the
 * block and still on their way to memory land on the old place after the
 * copy has read it.
 *
 * Hot path: the IOMMU observer, three calls per DMA request, each a scan of
 * the device's open transfers (at most its queue_depth + 1, a few in
 * practice).
 */
#include "migctl/mech.h"
#include "cpu_mmu/cpu_mmu.h"
#include "dma_dev/dma_dev.h"
#include "iommu/iommu.h"
#include "migsim/errors.h"
#include "migsim/sim.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { GR_SAFE = 0, GR_NO_BLOCK = 1, GR_NO_PINS = 2 };

#define GR_NONE UINT64_MAX

/* One open transfer of a DMA device. */
typedef struct gr_xfer_s {
    uint64_t first_id, last_id;    /* request ids of its first and last request (GR_NONE: not seen) */
    uint64_t glo, ghi;             /* granules pinned [glo, ghi]; glo == GR_NONE: none yet */
    uint32_t out;                  /* requests accepted and not yet answered */
} gr_xfer_t;

/* A DMA device's open transfers, oldest first. */
typedef struct gr_dev_s {
    const void *cookie;            /* borrowed: the device (its requests' cookie) */
    gr_xfer_t *x;                  /* owned: cap entries */
    uint32_t n, cap;               /* open, at most (queue_depth + 1) */
} gr_dev_t;

typedef struct migctl_granule_s {
    uint64_t bytes, n;             /* granule size, granules in the page */
    uint32_t idx;                  /* ladder index of the granule size */
    uint32_t *pins;                /* owned, n: pins (open transfers and requests) per granule */
    migsim_tick_t *hold;           /* owned, n: pinned until then by a closed transfer (pin_hold_ps) */
    uint8_t *moved;                /* owned, n: 1 once moved */
    uint64_t left;                 /* granules not yet moved */
    uint64_t cur;                  /* the granule the pass looks at */
    bool pass_moved;               /* the current pass moved a granule */
    uint64_t g;                    /* the granule being moved */
    migsim_tick_t t_block;         /* when it was blocked, ps */
    migsim_tick_t cpu_ready;       /* when its CPU invalidation and shootdown are done, ps */
    uint32_t io_then;              /* step to run when the I/O side's invalidations complete */
    uint64_t io_g;                 /* the granule they invalidate */
    uint64_t cpu_wait0, dma_wait0; /* fault and block waits at block 200, ps */
    gr_dev_t *dev;                 /* owned: one per dma_dev of the simulation */
    uint32_t ndev;
} migctl_granule_t;

/* ---- pins --------------------------------------------------------------------------------- */

/* The granule of an IOVA, or GR_NONE outside the page. */
static uint64_t gr_of(const migctl_t *m, uint64_t iova)
{
    return iova - m->iova < m->page_bytes ? (iova - m->iova) / m->gran->bytes : GR_NONE;
}

static uint64_t gr_pins(const migctl_t *m, uint64_t g)
{
    const migctl_granule_t *gr = m->gran;
    return gr->pins[g] + (gr->hold[g] > m->comp.k->now ? 1u : 0u);
}

/* Pins of granules [lo, hi] go down by one; a mapping holds them pin_hold_ps longer. */
static void gr_unpin(migctl_t *m, uint64_t lo, uint64_t hi)
{
    migctl_granule_t *gr = m->gran;
    migsim_tick_t until = m->comp.k->now + m->pin_hold_ps;
    for (uint64_t g = lo; g <= hi; g++) {
        gr->pins[g]--;
        if (m->pin_hold_ps && until > gr->hold[g])
            gr->hold[g] = until;
    }
}

static gr_dev_t *gr_dev(migctl_granule_t *gr, const void *cookie)
{
    for (uint32_t i = 0; i < gr->ndev; i++)
        if (gr->dev[i].cookie == cookie)
            return &gr->dev[i];
    return NULL;
}

/* The open transfer a request id belongs to: the newest whose first id is not above it. */
static gr_xfer_t *gr_xfer(gr_dev_t *d, uint64_t id)
{
    for (uint32_t i = d->n; i-- > 0;)
        if (d->x[i].first_id <= id)
            return &d->x[i];
    return NULL;
}

static void gr_observe(void *ctx, const migsim_req_t *req, iommu_seen_t what)
{
    migctl_t *m = ctx;
    migctl_granule_t *gr = m->gran;
    uint64_t g = gr_of(m, req->orig_addr);
    gr_dev_t *d = gr_dev(gr, req->cookie);
    gr_xfer_t *x = NULL;
    if (d && what == IOMMU_SEEN_ACCEPT && (req->flags & MIGSIM_REQ_XFER_FIRST)) {
        if (d->n == d->cap) {
            migsim_sim_fail(m->comp.sim, migsim_error(MIGSIM_ESTATE, "%s: more than %u open DMA "
                                                      "transfers of one device", m->comp.name, d->cap));
            return;
        }
        d->x[d->n++] = (gr_xfer_t){ .first_id = req->id, .last_id = GR_NONE, .glo = GR_NONE };
    }
    if (d)
        x = gr_xfer(d, req->id);
    if (!x) { /* not a transfer: the request pins its own granule */
        if (g == GR_NONE || what == IOMMU_SEEN_ACCEPT)
            return;
        if (what == IOMMU_SEEN_BEGIN)
            gr->pins[g]++;
        else
            gr_unpin(m, g, g);
        return;
    }
    switch (what) {
    case IOMMU_SEEN_ACCEPT:
        x->out++;
        if (req->flags & MIGSIM_REQ_XFER_LAST)
            x->last_id = req->id;
        return;
    case IOMMU_SEEN_BEGIN: /* the transfer pins the granules from its first to this one */
        if (g == GR_NONE)
            return;
        if (x->glo == GR_NONE) {
            x->glo = x->ghi = g;
            gr->pins[g]++;
        }
        for (; g < x->glo; x->glo--)
            gr->pins[x->glo - 1]++;
        for (; g > x->ghi; x->ghi++)
            gr->pins[x->ghi + 1]++;
        return;
    case IOMMU_SEEN_DONE:
        if (--x->out || x->last_id == GR_NONE)
            return;
        if (x->glo != GR_NONE)
            gr_unpin(m, x->glo, x->ghi);
        uint32_t i = (uint32_t)(x - d->x);
        memmove(&d->x[i], &d->x[i + 1], (d->n - i - 1) * sizeof *x);
        d->n--;
        return;
    }
}

/* ---- the I/O side -------------------------------------------------------------------------- */

/* The I/O side's invalidations completed: the step io_then, once the CPU's part is done too. */
static void gr_io_done(void *ctx)
{
    migctl_t *m = ctx;
    migsim_tick_t now = m->comp.k->now, ready = m->gran->cpu_ready;
    migctl_next(m, m->gran->io_then, ready > now ? ready - now : 0);
}

/*
 * The IOMMU's invalidation (a block's or a switch's) of granule io_g
 * completed: then every device's ATC forgets it, so that a translated
 * request cannot pass the block (nor reach the old place after the switch).
 */
static void gr_iotlb_done(void *ctx)
{
    migctl_t *m = ctx;
    migctl_granule_t *gr = m->gran;
    migctl_ats_invalidate(m, m->iova + gr->io_g * gr->bytes, gr->bytes, gr_io_done, m);
}

/* Block (or, for no_block, only note) granule g's IOVA range; step `then` runs when it holds. */
static void gr_io_block(migctl_t *m, uint64_t g, uint32_t then)
{
    migctl_granule_t *gr = m->gran;
    gr->io_then = then;
    gr->io_g = g;
    m->block = then; /* until the block holds, nothing is scheduled */
    if (!m->iommu_c || m->granule_unsafe == GR_NO_BLOCK) {
        gr_io_done(m);
        return;
    }
    m->st_iotlb_invalidations++;
    int rc = iommu_block(m->iommu_c, m->iova + g * gr->bytes, gr->bytes, gr_iotlb_done, m);
    if (rc)
        migsim_sim_fail(m->comp.sim, rc);
}

/* ---- the steps ----------------------------------------------------------------------------- */

/* 202/203: the page of `pt` at `va` mapped as granule PTEs on the current place; returns PTE writes. */
static uint64_t gr_split(migctl_t *m, xlat_pt_t *pt, uint64_t va, uint64_t shoot[2])
{
    uint64_t n = m->gran->n;
    int64_t w = migctl_map_layout(pt, va, m->cur_pa, m->tgt_pa, m->page_bytes, m->gran->idx, 0, n,
                                  0, n, false, shoot);
    if (w < 0) {
        migsim_sim_fail(m->comp.sim, (int)w);
        return 0;
    }
    m->st_pte_writes += (uint64_t)w;
    return (uint64_t)w;
}

/* The sums of the initiators' waits: CPU fault stalls, DMA waits on blocked ranges. */
static void gr_waits(const migctl_t *m, uint64_t *cpu, uint64_t *dma)
{
    *cpu = 0;
    for (uint32_t i = 0; i < m->nmmus; i++)
        *cpu += m->mmus[i]->st_fault_stall_ps;
    *dma = m->iommu_c ? m->iommu_c->st_block_wait_ps : 0;
}

/* 230: the next granule of the pass that is not moved and not pinned, or GR_NONE at the pass's end. */
static uint64_t gr_pick(migctl_t *m)
{
    migctl_granule_t *gr = m->gran;
    for (; gr->cur < gr->n; gr->cur++) {
        if (gr->moved[gr->cur])
            continue;
        if (m->granule_unsafe != GR_NO_PINS && gr_pins(m, gr->cur)) {
            m->st_gr_deferred++;
            continue;
        }
        return gr->cur++;
    }
    return GR_NONE;
}

static void granule_step(migctl_t *m)
{
    migctl_granule_t *gr = m->gran;
    uint64_t shoot[2], n;
    switch (m->block) {
    case 200:
        migctl_begin(m);
        gr_waits(m, &gr->cpu_wait0, &gr->dma_wait0);
        migctl_next(m, 202, 0);
        return;
    case 202: /* the CPU maps the page as granule PTEs */
        migctl_log_step(m, 202, 0);
        n = gr_split(m, &m->cpu_pt, m->va, shoot);
        migctl_count_ptes(m);
        migctl_next(m, 203, n * m->pte_write_ps + migctl_shootdown_range(m, shoot));
        return;
    case 203: /* the I/O page table too */
        migctl_log_step(m, 203, 0);
        migctl_next(m, 204, gr_split(m, &m->io_pt, m->iova, shoot) * m->pte_write_ps);
        return;
    case 204: /* the page's IOTLB entries (one large PTE) invalidated */
        migctl_log_step(m, 204, 0);
        migctl_io_invalidate(m, 0, m->subpages, 206, 0);
        return;
    case 206: /* the OS calls the hypervisor to relocate the page */
        migctl_log_step(m, 206, 0);
        m->st_hcalls++;
        m->st_gr_passes = 1;
        migctl_next(m, 230, m->hcall_ps);
        return;
    case 230: { /* the next granule to move */
        if (!gr->left) {
            migctl_next(m, 218, 0);
            return;
        }
        uint64_t g = gr_pick(m);
        if (g == GR_NONE) { /* the pass is over: come back to the pinned ones */
            uint64_t pause = gr->pass_moved ? 0 : m->granule_retry_ps;
            gr->cur = 0;
            gr->pass_moved = false;
            m->st_gr_passes++;
            migctl_next(m, 230, pause);
            return;
        }
        /* 232, at once (no pin may rise between the look and the block): block the granule,
           its I/O range in the IOMMU and its CPU PTE invalid */
        gr->g = g;
        migctl_log_step(m, 232, gr->g);
        uint64_t va = m->va + gr->g * gr->bytes;
        gr->t_block = m->comp.k->now;
        xlat_pt_set_valid(&m->cpu_pt, va, false);
        m->st_pte_writes++;
        uint64_t range[2] = { va, va + gr->bytes };
        gr->cpu_ready = m->comp.k->now + m->pte_write_ps + migctl_shootdown_range(m, range);
        gr_io_block(m, gr->g, 234);
        return;
    }
    case 234: /* copy it */
        migctl_log_step(m, 234, gr->g);
        migctl_copy_bytes(m, gr->g * gr->bytes, gr->bytes, 236);
        return;
    case 236: { /* its CPU and I/O PTEs to the target; unblocked */
        migctl_log_step(m, 236, gr->g);
        uint64_t off = gr->g * gr->bytes;
        xlat_pt_retarget(&m->cpu_pt, m->va + off, m->tgt_pa + off);
        xlat_pt_set_valid(&m->cpu_pt, m->va + off, true);
        xlat_pt_retarget(&m->io_pt, m->iova + off, m->tgt_pa + off);
        m->st_pte_writes += 2;
        migctl_pte_changed_va(m, m->va + off, gr->bytes);
        gr->moved[gr->g] = 1;
        gr->left--;
        gr->pass_moved = true;
        m->st_gr_moved++;
        m->st_gr_blocked_ps += m->comp.k->now - gr->t_block;
        gr->cpu_ready = m->comp.k->now + 2 * m->pte_write_ps;
        if (m->iommu_c && m->granule_unsafe == GR_NO_BLOCK) {
            /* never blocked: the IOTLB and the ATCs may hold the old translation */
            gr->io_then = 230;
            gr->io_g = gr->g;
            m->block = 230;
            m->st_iotlb_invalidations++;
            int rc = iommu_invalidate(m->iommu_c, m->iova + off, gr->bytes, gr_iotlb_done, m);
            if (rc)
                migsim_sim_fail(m->comp.sim, rc);
            return;
        }
        if (m->iommu_c) {
            int rc = iommu_unblock(m->iommu_c, m->iova + off, gr->bytes);
            if (rc)
                migsim_sim_fail(m->comp.sim, rc);
        }
        migctl_next(m, 230, 2 * m->pte_write_ps);
        return;
    }
    case 218: /* the I/O page table maps the target with one large PTE */
        migctl_log_step(m, 218, 0);
        migctl_io_invalidate(m, 0, m->subpages, 220, migctl_io_map_target(m));
        return;
    case 220: /* the CPU's too */
        migctl_log_step(m, 220, 0);
        migctl_next(m, 222, migctl_map_target(m));
        return;
    case 222: {
        uint64_t cpu, dma;
        gr_waits(m, &cpu, &dma);
        m->st_gr_cpu_wait_ps = cpu - gr->cpu_wait0;
        m->st_gr_dma_wait_ps = dma - gr->dma_wait0;
        migctl_end(m);
        return;
    }
    default:
        migctl_no_step(m);
    }
}

/* ---- life cycle ------------------------------------------------------------------------------ */

static int granule_init(migctl_t *m)
{
    uint64_t bytes = m->granule_bytes ? m->granule_bytes : m->subpage_bytes;
    int k = xlat_ladder_index(&m->lad, bytes);
    if (k < 0 || (uint32_t)k >= m->page_idx)
        return migsim_error(MIGSIM_ECONFIG, "%s.granule_bytes: %" PRIu64 " is not a size of the "
                            "ladder \"%s\" below page_bytes (%" PRIu64 ")", m->comp.config_path,
                            bytes, m->ladder, m->page_bytes);
    migctl_granule_t *gr = calloc(1, sizeof *gr);
    if (!gr)
        return migsim_error(MIGSIM_ENOMEM, "%s: out of memory", m->comp.name);
    m->gran = gr;
    gr->bytes = bytes;
    gr->idx = (uint32_t)k;
    gr->n = gr->left = m->page_bytes / bytes;
    gr->pins = calloc(gr->n, sizeof *gr->pins);
    gr->hold = calloc(gr->n, sizeof *gr->hold);
    gr->moved = calloc(gr->n, 1);
    size_t nc = migsim_sim_ncomps(m->comp.sim);
    gr->dev = calloc(nc ? nc : 1, sizeof *gr->dev);
    if (!gr->pins || !gr->hold || !gr->moved || !gr->dev)
        return migsim_error(MIGSIM_ENOMEM, "%s: out of memory for %" PRIu64 " granules",
                            m->comp.name, gr->n);
    for (size_t i = 0; i < nc; i++) {
        migsim_comp_t *c = migsim_sim_comp(m->comp.sim, i);
        if (c->ops != &dma_dev_ops)
            continue;
        gr_dev_t *d = &gr->dev[gr->ndev++];
        d->cookie = c;
        d->cap = ((dma_dev_t *)c)->queue_depth + 1; /* all in flight, and one being issued */
        if (!(d->x = calloc(d->cap, sizeof *d->x)))
            return migsim_error(MIGSIM_ENOMEM, "%s: out of memory", m->comp.name);
    }
    if (m->iommu_c)
        iommu_set_observer(m->iommu_c, gr_observe, m);
    return MIGSIM_OK;
}

static void granule_fini(migctl_t *m)
{
    migctl_granule_t *gr = m->gran;
    if (!gr)
        return;
    for (uint32_t i = 0; i < gr->ndev; i++)
        free(gr->dev[i].x);
    free(gr->dev);
    free(gr->pins);
    free(gr->hold);
    free(gr->moved);
    free(gr);
    m->gran = NULL;
}

const migctl_mech_t migctl_mech_granule = {
    .name = "granule", .needs_chip = false, .via_iommu = true, .step = granule_step, .first = 200,
    .init = granule_init, .fini = granule_fini,
};
