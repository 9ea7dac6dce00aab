/*
 * ascan.c - the accessed-bit scanner, component "abit_scan" (ascan.h says
 * what it models and the rules it follows; seed 001).
 *
 * A pass walks the tracked VA ranges of the controller's CPU page table
 * depth first. Which entry comes next is decided in zero time from the
 * functional memory when the previous one is issued (the entry's value at
 * its issue time rather than at its response, a difference of one read's
 * latency); every entry visited costs a real 8-byte read through "mem", and
 * a leaf's classification uses the value that read returns. Up to
 * max_inflight reads are at the memory at once.
 *
 * Hot path: ascan_resp, one per PTE request.
 */
#include "ascan/ascan.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "migctl/migctl.h"
#include "cpu_mmu/cpu_mmu.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "migsim/tracepoint.h"

_Static_assert((ASCAN_PTE_SW & ~XLAT_PTE_SW) == 0, "the scanner's bits are PTE software bits");

static uint64_t as_fread(const ascan_t *a, uint64_t addr)
{
    return xlat_pt_read(&a->mig->cpu_pt, addr);
}

/* The class a leaf PTE holds: ASCAN_HOT..ASCAN_COLD, or ASCAN_NOCLASS. */
static uint32_t as_pte_class(uint64_t pte)
{
    uint32_t f = (uint32_t)(pte >> ASCAN_CLS_SHIFT) & 7u;
    return f ? f - 1 : ASCAN_NOCLASS;
}

/* Range index holding va, or -1. */
static int as_range_of(const ascan_t *a, uint64_t va)
{
    for (uint32_t r = 0; r < a->nranges; r++)
        if (va >= a->rlo[r] && va < a->rhi[r])
            return (int)r;
    return -1;
}

/* ---- the traversal ------------------------------------------------------------ */

/* Open the frame of the level-k table `table` (entry 0 at VA base) clipped to range r. */
static void as_push(ascan_t *a, uint32_t k, uint64_t table, uint64_t base)
{
    const xlat_ladder_t *l = &a->lad;
    uint64_t span = xlat_level_top(l, k) >= 64 ? UINT64_MAX : (1ull << xlat_level_top(l, k)) - 1;
    uint64_t lo = a->rlo[a->range] > base ? a->rlo[a->range] : base;
    uint64_t last = a->rhi[a->range] - 1 < base + span ? a->rhi[a->range] - 1 : base + span;
    ascan_frame_t *f = &a->fr[++a->depth];
    f->table = table;
    f->base = base;
    f->idx = (lo - base) >> l->log2[k];
    f->end = ((last - base) >> l->log2[k]) + 1;
    f->l1 = -1;
    if (k == 0 && a->nl1 < a->l1_cap) {
        f->l1 = a->nl1;
        a->l1[a->nl1++] = (ascan_l1_t){ .va = base };
    }
}

/* The next entry to read into *op; false when the pass has visited everything. */
static bool as_next(ascan_t *a, ascan_op_t *op)
{
    const xlat_ladder_t *l = &a->lad;
    for (;;) {
        if (a->depth < 0) {
            if (a->range >= a->nranges)
                return false;
            as_push(a, l->n - 1, a->mig->cpu_pt.root, 0);
        }
        ascan_frame_t *f = &a->fr[a->depth];
        uint32_t k = l->n - 1 - (uint32_t)a->depth;
        if (f->idx >= f->end) {
            if (--a->depth < 0)
                a->range++;
            continue;
        }
        uint64_t i = f->idx++;
        op->pte_addr = f->table + i * 8;
        op->va = f->base + (i << l->log2[k]);
        op->level = k;
        op->l1 = f->l1;
        if (k > 0) { /* a table pointer is followed at once; a leaf's value is the read's */
            uint64_t e = as_fread(a, op->pte_addr);
            if ((e & XLAT_PTE_V) && !(e & XLAT_PTE_L))
                as_push(a, k - 1, xlat_pte_addr(e), op->va);
        }
        return true;
    }
}

/* ---- requests ----------------------------------------------------------------- */

static void as_wait_push(ascan_t *a, ascan_op_t *op)
{
    a->wait[(a->wait_head + a->nwait++) % a->max_inflight] = op;
}

/* Send op->req, or queue it behind requests the port refused. */
static void as_send(ascan_t *a, ascan_op_t *op)
{
    if (!a->blocked && !a->nwait) {
        migsim_req_t *r = op->req;
        op->req = NULL;
        if (migsim_port_send(&a->mem, r) == 0)
            return;
        op->req = r;
        a->blocked = true;
    }
    as_wait_push(a, op);
}

/* Build op's request: a read of its PTE, or the CAS writing `value` over op->expect. */
static int as_issue(ascan_t *a, ascan_op_t *op, bool write, uint64_t value)
{
    migsim_req_t *r = migsim_req_alloc(a->comp.pool);
    if (!r)
        return migsim_error(MIGSIM_ENOMEM, "%s: request pool exhausted", a->comp.config_path);
    r->addr = r->orig_addr = op->pte_addr;
    r->size = 8;
    r->op = write ? MIGSIM_OP_WRITE : MIGSIM_OP_READ;
    r->flags = MIGSIM_REQ_HAS_DATA;
    r->src_kind = MIGSIM_SRC_WALK;
    r->cookie = op;
    r->t_issue = a->comp.k->now;
    if (write) {
        xlat_pte_encode(r->data, value);
        xlat_pte_encode(r->data + 8, op->expect);
        r->flags |= MIGSIM_REQ_CAS;
    } else {
        a->st_ptes_read++;
    }
    op->writing = write;
    op->req = r;
    as_send(a, op);
    return MIGSIM_OK;
}

static void as_pass_end(ascan_t *a);

/* Start reads until max_inflight are out or the pass has nothing left; end it when idle. */
static void as_pump(ascan_t *a)
{
    while (a->in_pass && a->busy < a->max_inflight) {
        ascan_op_t *op = NULL;
        for (uint32_t i = 0; i < a->max_inflight && !op; i++)
            if (!a->ops[i].busy)
                op = &a->ops[i];
        if (!as_next(a, op))
            break;
        op->busy = 1;
        a->busy++;
        if (as_issue(a, op, false, 0) != 0) {
            migsim_sim_fail(a->comp.sim, MIGSIM_ENOMEM);
            return;
        }
    }
    if (a->in_pass && !a->busy && a->depth < 0 && a->range >= a->nranges)
        as_pass_end(a);
}

static void as_retry(migsim_port_t *port)
{
    ascan_t *a = (ascan_t *)port->owner;
    a->blocked = false;
    while (a->nwait) {
        ascan_op_t *op = a->wait[a->wait_head];
        migsim_req_t *r = op->req;
        op->req = NULL;
        if (migsim_port_send(&a->mem, r) != 0) {
            op->req = r;
            a->blocked = true;
            return;
        }
        a->wait_head = (a->wait_head + 1) % a->max_inflight;
        a->nwait--;
    }
}

/* A leaf's outcome, once its PTE holds it (written, or nothing to write). */
static void as_count(ascan_t *a, const ascan_op_t *op, uint32_t old_cls, uint32_t cls, bool acc)
{
    a->pass_class[cls]++;
    if (old_cls != ASCAN_NOCLASS) {
        a->pass_prior++;
        if (old_cls != cls)
            a->pass_changed++;
    }
    if (op->l1 >= 0) {
        a->l1[op->l1].leaves++;
        a->l1[op->l1].a_set += acc;
    }
    if (acc) {
        uint64_t end = op->va + xlat_size(&a->lad, op->level);
        a->st_a_cleared++;
        a->pass_cleared++;
        if (a->flush_hi <= a->flush_lo) {
            a->flush_lo = op->va;
            a->flush_hi = end;
        } else {
            a->flush_lo = op->va < a->flush_lo ? op->va : a->flush_lo;
            a->flush_hi = end > a->flush_hi ? end : a->flush_hi;
        }
    }
}

/* The PTE after this scan: A cleared, the history shifted, its class. */
static uint64_t as_next_pte(uint64_t pte)
{
    uint32_t hist = (uint32_t)(pte >> ASCAN_HIST_SHIFT) & 0xfu;
    hist = ((hist << 1) | ((pte & XLAT_PTE_A) ? 1u : 0u)) & 0xfu;
    uint64_t cls = ascan_class_of(hist);
    return (pte & ~(XLAT_PTE_A | ASCAN_PTE_SW)) | (uint64_t)hist << ASCAN_HIST_SHIFT |
           (cls + 1) << ASCAN_CLS_SHIFT;
}

static void as_done_op(ascan_t *a, ascan_op_t *op)
{
    op->busy = 0;
    a->busy--;
}

static void as_resp(migsim_port_t *port, migsim_req_t *r)
{
    ascan_t *a = (ascan_t *)port->owner;
    ascan_op_t *op = r->cookie;
    bool failed = r->status != 0, cas_failed = (r->flags & MIGSIM_REQ_CAS_FAILED) != 0;
    uint64_t v = xlat_pte_decode(r->data);
    migsim_req_free(a->comp.pool, r);
    if (failed) {
        as_done_op(a, op);
    } else if (op->writing) {
        if (cas_failed) {           /* a walker set A or D, or the OS changed it: read again */
            a->st_cas_failed++;
            if (as_issue(a, op, false, 0) != 0)
                migsim_sim_fail(a->comp.sim, MIGSIM_ENOMEM);
            return;
        }
        a->st_ptes_written++;
        uint64_t nv = as_next_pte(op->expect);
        as_count(a, op, as_pte_class(op->expect), as_pte_class(nv),
                 (op->expect & XLAT_PTE_A) != 0);
        as_done_op(a, op);
    } else if ((v & XLAT_PTE_V) && (v & XLAT_PTE_L)) {
        uint64_t nv = as_next_pte(v);
        if (nv != v) {
            op->expect = v;
            if (as_issue(a, op, true, nv) != 0)
                migsim_sim_fail(a->comp.sim, MIGSIM_ENOMEM);
            return;
        }
        as_count(a, op, as_pte_class(v), as_pte_class(nv), false);
        as_done_op(a, op);
    } else {
        as_done_op(a, op);          /* a table pointer, an empty slot or an invalid leaf */
    }
    as_pump(a);
}

/* ---- passes ------------------------------------------------------------------- */

static void as_scan(migsim_event_t *ev)
{
    ascan_t *a = ev->ctx;
    migsim_tick_t now = a->comp.k->now;
    a->in_pass = true;
    a->range = 0;
    a->depth = -1;
    a->nl1 = 0;
    a->flush_lo = a->flush_hi = 0;
    memset(a->pass_class, 0, sizeof a->pass_class);
    a->pass_changed = a->pass_prior = a->pass_cleared = 0;
    a->prev_start_ps = a->pass_start_ps;
    a->pass_start_ps = now;
    as_pump(a);
}

static int as_l1_cmp(const void *x, const void *y)
{
    const ascan_l1_t *p = x, *q = y;
    if (p->a_set != q->a_set)
        return p->a_set > q->a_set ? -1 : 1;
    return p->va < q->va ? -1 : p->va > q->va;
}

/* The period for the next pass (ascan.h, "Period adaptation"). */
static uint64_t as_adapt(const ascan_t *a, uint64_t moved)
{
    uint64_t p = a->st_period_ps;
    if (a->pass_prior) {
        double frac = (double)a->pass_changed / (double)a->pass_prior;
        if (frac > a->churn_hi_frac)
            p /= 2;
        else if (frac < a->churn_lo_frac)
            p = p > UINT64_MAX / 2 ? UINT64_MAX : p * 2;
    }
    uint64_t cold = a->pass_class[ASCAN_COLD], d = a->pass_start_ps - a->prev_start_ps;
    if (moved && cold) {
        uint64_t cap = d > UINT64_MAX / cold ? UINT64_MAX : d * cold / moved;
        if (cap < p)
            p = cap;
    }
    if (p < a->min_period_ps)
        p = a->min_period_ps;
    if (p > a->max_period_ps)
        p = a->max_period_ps;
    return p;
}

static void as_pass_done(migsim_event_t *ev)
{
    ascan_t *a = ev->ctx;
    migsim_tick_t now = a->comp.k->now;
    a->in_pass = false;
    a->st_scans++;
    a->st_scan_ps += now - a->pass_start_ps;
    uint64_t leaves = 0;
    for (uint32_t c = 0; c < ASCAN_CLASSES; c++)
        leaves += a->st_class[c] = a->pass_class[c];
    a->st_changed = a->pass_changed;
    memcpy(a->l1_sorted, a->l1, a->nl1 * sizeof *a->l1);
    a->nl1_sorted = a->nl1;
    qsort(a->l1_sorted, a->nl1_sorted, sizeof *a->l1_sorted, as_l1_cmp);
    uint64_t moved = a->migrated;
    a->migrated = 0;
    a->st_period_ps = as_adapt(a, moved);
    MIGSIM_TRACE(&a->comp, SCAN_PASS, leaves, a->pass_cleared, a->pass_changed, a->st_period_ps);
    migsim_tick_t next = a->pass_start_ps + a->st_period_ps;
    migsim_schedule(a->comp.k, &a->scan_ev, next > now ? next : now);
}

static void as_pass_end(ascan_t *a)
{
    uint64_t wait = 0;
    a->depth = -1;
    a->range = a->nranges + 1;      /* nothing more this pass */
    if (a->flush_tlbs && a->flush_hi > a->flush_lo) {
        wait = migctl_tlb_flush(a->mig, a->flush_lo, a->flush_hi - a->flush_lo);
        a->st_flushes++;
    }
    a->in_pass = false;
    migsim_schedule(a->comp.k, &a->done_ev, a->comp.k->now + wait);
}

/* ---- prefetch on a fault ------------------------------------------------------ */

static void as_pf_add(ascan_t *a, uint64_t va)
{
    for (uint32_t i = 0; i < a->npf; i++)
        if (a->pf[i] == va)
            return;
    if (a->npf == a->prefetch_max) {
        a->st_pf_dropped++;
        return;
    }
    a->pf[a->npf++] = va;
    a->st_pf_marked++;
}

static void as_fault(void *ctx, uint64_t va)
{
    ascan_t *a = ctx;
    int r = as_range_of(a, va);
    xlat_map_t mp;
    if (r < 0 || !xlat_pt_lookup(&a->mig->cpu_pt, va, &mp))
        return;
    a->st_faults_seen++;
    uint64_t next = mp.va + xlat_size(&a->lad, mp.size_idx);
    for (uint32_t k = 0; k < a->prefetch_pages; k++) {
        if (next < a->rlo[r] || next >= a->rhi[r] || !xlat_pt_lookup(&a->mig->cpu_pt, next, &mp))
            return;
        as_pf_add(a, mp.va);
        next = mp.va + xlat_size(&a->lad, mp.size_idx);
    }
}

/* ---- the API ------------------------------------------------------------------ */

uint32_t ascan_class(const ascan_t *a, uint64_t va)
{
    xlat_map_t mp;
    if (as_range_of(a, va) < 0 || !xlat_pt_lookup(&a->mig->cpu_pt, va, &mp))
        return ASCAN_NOCLASS;
    return as_pte_class(mp.pte);
}

uint64_t ascan_pages(const ascan_t *a, uint32_t cls, uint64_t *out, uint64_t max)
{
    uint64_t n = 0;
    for (uint32_t r = 0; r < a->nranges; r++)
        for (uint64_t va = a->rlo[r]; va < a->rhi[r];) {
            xlat_map_t mp;
            if (!xlat_pt_lookup(&a->mig->cpu_pt, va, &mp)) {
                va += 1ull << XLAT_MIN_LOG2;
                continue;
            }
            if (as_pte_class(mp.pte) == cls && (mp.pte & XLAT_PTE_V)) {
                if (n < max)
                    out[n] = mp.va;
                n++;
            }
            va = mp.va + xlat_size(&a->lad, mp.size_idx);
        }
    return n;
}

const ascan_l1_t *ascan_l1_tables(const ascan_t *a, uint32_t *n)
{
    *n = a->nl1_sorted;
    return a->l1_sorted;
}

const uint64_t *ascan_prefetch(const ascan_t *a, uint32_t *n)
{
    *n = a->npf;
    return a->pf;
}

void ascan_prefetch_clear(ascan_t *a) { a->npf = 0; }

void ascan_migrated(ascan_t *a, uint64_t pages) { a->migrated += pages; }

/* ---- life cycle --------------------------------------------------------------- */

static int as_configure(migsim_comp_t *c)
{
    ascan_t *a = (ascan_t *)c;
    migsim_comp_t *p = migsim_comp_find_peer(c, a->migctl, "migctl", "migctl");
    if (!p)
        return MIGSIM_ECONFIG;
    a->mig = (migctl_t *)p;
    return MIGSIM_OK;
}

static int as_init(migsim_comp_t *c)
{
    ascan_t *a = (ascan_t *)c;
    migctl_t *m = a->mig;
    uint64_t sizes[XLAT_MAX_SIZES];
    uint32_t n;
    if (xlat_ladder_parse(m->ladder, sizes, &n) || xlat_ladder_from_sizes(&a->lad, sizes, n, m->va_bits))
        return MIGSIM_ECONFIG;      /* the controller's own init names its ladder */
    if (a->min_period_ps > a->max_period_ps || a->period_ps < a->min_period_ps ||
        a->period_ps > a->max_period_ps)
        return migsim_error(MIGSIM_ECONFIG, "%s.period_ps: %" PRIu64 " outside [min_period_ps %"
                            PRIu64 ", max_period_ps %" PRIu64 "]", c->config_path, a->period_ps,
                            a->min_period_ps, a->max_period_ps);
    if (a->churn_lo_frac > a->churn_hi_frac)
        return migsim_error(MIGSIM_ECONFIG, "%s.churn_lo_frac: %g above churn_hi_frac %g",
                            c->config_path, a->churn_lo_frac, a->churn_hi_frac);
    a->nranges = 0;
    if (m->identity_bytes) {
        a->rlo[a->nranges] = 0;
        a->rhi[a->nranges++] = m->identity_bytes;
    }
    a->rlo[a->nranges] = m->va; /* the page, or a footprint of many */
    a->rhi[a->nranges++] = m->va + m->page_bytes * (m->footprint_pages ? m->footprint_pages : 1);
    if (a->bytes) {
        uint64_t small = 1ull << XLAT_MIN_LOG2;
        int r = as_range_of(a, a->va);
        if (a->va % small || a->bytes % small || r < 0 || a->bytes > a->rhi[r] - a->va)
            return migsim_error(MIGSIM_ECONFIG, "%s.bytes: [0x%" PRIx64 ", +0x%" PRIx64 ") is not "
                                "4 KiB aligned inside one region %s maps (the page or the "
                                "identity region)", c->config_path, a->va, a->bytes, m->comp.name);
        a->rlo[0] = a->va;
        a->rhi[0] = a->va + a->bytes;
        a->nranges = 1;
    }
    /* level-0 tables: those the ranges can hold, and no more than the CPU table region holds */
    uint32_t top0 = xlat_level_top(&a->lad, 0);
    uint64_t cap = 0;
    for (uint32_t r = 0; r < a->nranges; r++)
        cap += top0 >= 64 ? 1 : ((a->rhi[r] - 1) >> top0) - (a->rlo[r] >> top0) + 1;
    uint64_t region = m->pt_bytes / 2 / XLAT_TABLE_ALIGN;
    a->l1_cap = (uint32_t)(cap < region ? cap : region);
    a->ops = calloc(a->max_inflight, sizeof *a->ops);
    a->wait = calloc(a->max_inflight, sizeof *a->wait);
    a->l1 = calloc(a->l1_cap ? a->l1_cap : 1, sizeof *a->l1);
    a->l1_sorted = calloc(a->l1_cap ? a->l1_cap : 1, sizeof *a->l1_sorted);
    a->pf = calloc(a->prefetch_max ? a->prefetch_max : 1, sizeof *a->pf);
    if (!a->ops || !a->wait || !a->l1 || !a->l1_sorted || !a->pf)
        return migsim_error(MIGSIM_ENOMEM, "%s: out of memory", c->config_path);
    a->st_period_ps = a->period_ps;
    a->depth = -1;
    int rc;
    for (uint32_t i = 0; i < m->nmmus && a->prefetch_pages; i++)
        if ((rc = cpu_mmu_set_fault_observer(m->mmus[i], as_fault, a)))
            return rc;
    if ((rc = migsim_event_init(c->k, &a->scan_ev, as_scan, a, 40, MIGSIM_EV_DAEMON, "abit_scan.scan")) ||
        (rc = migsim_event_init(c->k, &a->done_ev, as_pass_done, a, 40, 0, "abit_scan.done")))
        return rc;
    return MIGSIM_OK;
}

static int as_start(migsim_comp_t *c)
{
    ascan_t *a = (ascan_t *)c;
    migsim_schedule(c->k, &a->scan_ev, a->period_ps);
    return MIGSIM_OK;
}

static void as_fini(migsim_comp_t *c)
{
    ascan_t *a = (ascan_t *)c;
    if (a->ops)
        for (uint32_t i = 0; i < a->max_inflight; i++)
            if (a->ops[i].req)
                migsim_req_free(c->pool, a->ops[i].req);
    free(a->ops);
    free(a->wait);
    free(a->l1);
    free(a->l1_sorted);
    free(a->pf);
    a->ops = NULL;
    if (a->scan_ev.fn)
        migsim_event_fini(c->k, &a->scan_ev);
    if (a->done_ev.fn)
        migsim_event_fini(c->k, &a->done_ev);
}

#define AU64(n, f, u, d, lo, hi, h) MIGSIM_PARAM_U64(ascan_t, n, f, u, d, lo, hi, h)

static const migsim_param_t as_params[] = {
    MIGSIM_PARAM_STR(ascan_t, "migctl", migctl, "mig",
                     "the migration controller whose CPU page table is scanned (its ladder, its "
                     "CPU MMUs, whose TLBs are flushed at its shootdown cost)"),
    AU64("va", va, "bytes", 0, 0, 0, "start of the tracked VA range (with bytes)"),
    AU64("bytes", bytes, "bytes", 0, 0, 0,
         "length of the tracked VA range, 4 KiB aligned inside one region the controller maps; "
         "0 = everything it maps (the identity region and the page)"),
    AU64("period_ps", period_ps, "ps", 1000000000, 1, 0,
         "scan period at the start, scan start to scan start (the first scan runs at this time)"),
    AU64("min_period_ps", min_period_ps, "ps", 100000000, 1, 0, "shortest adapted period"),
    AU64("max_period_ps", max_period_ps, "ps", 100000000000ull, 1, 0, "longest adapted period"),
    MIGSIM_PARAM_F64(ascan_t, "churn_hi_frac", churn_hi_frac, "ratio", 0.25, 0, 1,
                     "a scan in which more than this share of the classified leaves changed class "
                     "halves the period"),
    MIGSIM_PARAM_F64(ascan_t, "churn_lo_frac", churn_lo_frac, "ratio", 0.05, 0, 1,
                     "a scan in which less than this share changed class doubles the period"),
    MIGSIM_PARAM_U32(ascan_t, "max_inflight", max_inflight, "requests", 8, 1, ASCAN_MAX_INFLIGHT,
                     "PTE reads and writes at the memory at once (the scanning core's misses)"),
    MIGSIM_PARAM_U32(ascan_t, "prefetch_pages", prefetch_pages, "pages", 8, 0, 1u << 16,
                     "on a CPU MMU fault in the tracked range, the leaves after the faulting one "
                     "marked as candidates (0 = none)"),
    MIGSIM_PARAM_U32(ascan_t, "prefetch_max", prefetch_max, "pages", 256, 1, 1u << 20,
                     "prefetch candidates kept at most (more are dropped and counted)"),
    MIGSIM_PARAM_BOOL(ascan_t, "flush_tlbs", flush_tlbs, 1,
                      "flush every CPU MMU's TLBs over the A bits cleared, at the controller's "
                      "shootdown cost; false leaves translations cached with A set, so pages that "
                      "stay in a TLB never set A again and look cold (wrong)"),
    MIGSIM_PARAMS_END,
};

static const migsim_port_def_t as_ports[] = {
    MIGSIM_PORT_INITIATOR(ascan_t, "mem", mem, as_resp, as_retry,
                          "8-byte PTE reads and compare-and-swap writes, by PA, toward memory"),
    MIGSIM_PORTS_END,
};

#define AS(n, f, u, h) MIGSIM_STAT_U64(ascan_t, n, f, u, h)

static const migsim_stat_def_t as_stats[] = {
    AS("scans", st_scans, "scans", "scan passes completed"),
    AS("ptes_read", st_ptes_read, "PTEs",
       "PTE reads (every entry of the range at every level; re-reads after a failed CAS)"),
    AS("ptes_written", st_ptes_written, "PTEs",
       "PTE writes (A cleared or the history changed), compare-and-swap, that succeeded"),
    AS("cas_failed", st_cas_failed, "PTEs", "PTE writes that found the PTE changed (read again)"),
    AS("a_cleared_pages", st_a_cleared, "pages", "accessed bits found set and cleared"),
    AS("scan_ps", st_scan_ps, "ps", "sum over passes of their time, first read to the flush's end"),
    AS("tlb_flushes", st_flushes, "flushes", "TLB flushes, each to every CPU MMU"),
    AS("class0_pages", st_class[0], "pages", "leaves of class 0 (hot: A set in each of the last 4 scans) after the last pass"),
    AS("class1_pages", st_class[1], "pages", "leaves of class 1 (A set in 3 of the last 4 scans) after the last pass"),
    AS("class2_pages", st_class[2], "pages", "leaves of class 2 (2 of the last 4) after the last pass"),
    AS("class3_pages", st_class[3], "pages", "leaves of class 3 (1 of the last 4) after the last pass"),
    AS("class4_pages", st_class[4], "pages", "leaves of class 4 (cold: none of the last 4) after the last pass"),
    AS("changed_pages", st_changed, "pages", "leaves whose class changed at the last pass"),
    AS("period_ps", st_period_ps, "ps", "the current scan period"),
    AS("prefetch_marked_pages", st_pf_marked, "pages", "prefetch candidates marked on faults"),
    AS("prefetch_dropped_pages", st_pf_dropped, "pages", "prefetch candidates dropped: list full"),
    AS("faults_seen", st_faults_seen, "faults", "CPU MMU walk faults in the tracked range"),
    MIGSIM_STATS_END,
};

const migsim_comp_ops_t ascan_ops = {
    .type = "abit_scan",
    .help = "accessed-bit scanner (seed 001): every period reads the CPU page table a migctl "
            "builds through its memory port, shifts each leaf's A bit into a 4-bit history in the "
            "PTE's software bits, classifies it hot (class 0) to cold (class 4) by the scans of "
            "the last 4 that found it accessed, clears A by compare-and-swap and flushes the CPU "
            "TLBs; adapts its period to class churn and the migration's progress; marks the pages "
            "after a faulting one as prefetch candidates; orders last-level tables by A bits set",
    .size = sizeof(ascan_t),
    .params = as_params,
    .ports = as_ports,
    .stats = as_stats,
    .configure = as_configure,
    .init = as_init,
    .start = as_start,
    .fini = as_fini,
};
