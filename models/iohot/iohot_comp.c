/*
 * iohot_comp.c - the component "iohot" (see iohot_comp.h): the IOMMU
 * observer that counts I/Os, the period event, the decisions out.
 */
#include "iohot/iohot_comp.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "migsim/tracepoint.h"
#include "dma_dev/dma_dev.h"
#include "migctl/migctl.h"

#include <string.h>

/* A DMA request answered: one I/O of its page, once per transfer and page. */
static void ih_count_req(iohot_comp_t *c, const migsim_req_t *req)
{
    if (req->status != 0 || (req->flags & IOMMU_REQ_ATS_XLATE))
        return;
    if (!(req->flags & MIGSIM_REQ_XFER_FIRST) && (req->orig_addr & (c->page_bytes - 1)) != 0)
        return;   /* counted with the transfer's first request on this page */
    iohot_count(&c->h, req->orig_addr >> c->page_shift);
}

static void ih_observe_iommu(void *ctx, const migsim_req_t *req, iommu_seen_t what)
{
    if (what == IOMMU_SEEN_DONE)
        ih_count_req(ctx, req);
}

static void ih_observe_dev(void *ctx, const migsim_req_t *req)
{
    ih_count_req(ctx, req);
}

/* The controller moves the footprint page at IOVA addr to the node of dir; false if refused. */
static bool ih_migrate(iohot_comp_t *c, uint64_t addr, iohot_dir_t dir)
{
    const migctl_t *m = c->mig;
    uint64_t off = addr - m->fp_iova;
    if (addr < m->fp_iova || off >= m->footprint_pages * m->page_bytes)
        return false;
    return migctl_request(c->mig, off / m->page_bytes,
                          dir == IOHOT_TO_LOW ? c->low_node : c->high_node) == MIGSIM_OK;
}

static bool ih_decide(void *ctx, uint64_t page, iohot_dir_t dir, iohot_reason_t why, uint32_t frame)
{
    iohot_comp_t *c = ctx;
    (void)frame;
    uint64_t addr = page << c->page_shift;
    MIGSIM_TRACE(&c->comp, IOHOT_DECIDE, addr, (uint64_t)dir, (uint64_t)why);
    bool done = c->mig ? ih_migrate(c, addr, dir) : !c->remap || c->remap(c->remap_ctx, addr, dir);
    if (!done && dir == IOHOT_TO_LOW)
        c->st_remap_refused++;
    return done;
}

static uint64_t ih_milli(double x)
{
    return (uint64_t)(x * 1000.0 + 0.5);
}

static void ih_period(migsim_event_t *ev)
{
    iohot_comp_t *c = ev->ctx;
    iohot_end_period(&c->h);
    c->st_tau_h_milli = ih_milli(c->h.tau_H);
    c->st_tau_l_milli = ih_milli(c->h.tau_L);
    c->st_rho_milli = ih_milli(c->h.rho);
    if (c->h.n_rm > c->st_remapped_peak)
        c->st_remapped_peak = c->h.n_rm;
    migsim_schedule(c->comp.k, &c->period_ev, c->comp.k->now + c->period_ps);
}

void iohot_set_remap_fn(iohot_comp_t *c, iohot_remap_fn fn, void *ctx)
{
    c->remap = fn;
    c->remap_ctx = ctx;
}

static int ih_configure(migsim_comp_t *comp)
{
    iohot_comp_t *c = (iohot_comp_t *)comp;
    if (!c->iommu[0] && !c->devices[0])
        return migsim_error(MIGSIM_ECONFIG, "%s: nothing to observe: name an iommu or devices",
                            comp->config_path);
    if (c->iommu[0]) {
        migsim_comp_t *io = migsim_comp_find_peer(comp, c->iommu, "iommu", "iommu");
        if (!io)
            return MIGSIM_ECONFIG;
        c->iommu_c = (iommu_t *)io;
    }
    if (c->migctl[0] && !(c->mig = (migctl_t *)migsim_comp_find_peer(comp, c->migctl, "migctl",
                                                                         "migctl")))
        return MIGSIM_ECONFIG;
    return MIGSIM_OK;
}

/* At init: the observer of each device of `devices`. */
static int ih_observe_devices(iohot_comp_t *c)
{
    migsim_comp_t *found[IOHOT_MAX_DEVICES];
    uint32_t n;
    int rc = migsim_comp_find_peers(&c->comp, c->devices, "dma_dev", "devices", found,
                                    IOHOT_MAX_DEVICES, &n);
    for (uint32_t i = 0; i < n && !rc; i++)
        if ((rc = dma_dev_set_observer((dma_dev_t *)found[i], ih_observe_dev, c)))
            rc = migsim_error_wrap(rc, "%s.devices", c->comp.config_path);
    return rc;
}

/* At start (the controller's footprint is set up by then): its pages and nodes fit the table. */
static int ih_check_migctl(iohot_comp_t *c)
{
    const migctl_t *m = c->mig;
    const char *at = c->comp.config_path;
    if (!m->footprint_pages)
        return migsim_error(MIGSIM_ECONFIG, "%s.migctl: \"%s\" has no footprint (footprint_pages 0)",
                            at, c->migctl);
    if (m->page_bytes != c->page_bytes)
        return migsim_error(MIGSIM_ECONFIG, "%s.page_bytes: %llu, but \"%s\" moves pages of %llu",
                            at, (unsigned long long)c->page_bytes, c->migctl,
                            (unsigned long long)m->page_bytes);
    if (c->low_node >= m->nnodes || c->high_node >= m->nnodes || c->low_node == c->high_node)
        return migsim_error(MIGSIM_ECONFIG, "%s: low_node %u / high_node %u: two different nodes "
                            "of the %u of \"%s\"", at, c->low_node, c->high_node, m->nnodes, c->migctl);
    uint64_t free = migctl_node_free_frames(m, c->low_node);
    if (c->low_frames > free)
        return migsim_error(MIGSIM_ECONFIG, "%s.low_frames: %u, but node %u of \"%s\" has %llu "
                            "free frames", at, c->low_frames, c->low_node, c->migctl,
                            (unsigned long long)free);
    return MIGSIM_OK;
}

static int ih_init(migsim_comp_t *comp)
{
    iohot_comp_t *c = (iohot_comp_t *)comp;
    if (c->page_bytes < 4096 || (c->page_bytes & (c->page_bytes - 1)))
        return migsim_error(MIGSIM_ECONFIG, "%s.page_bytes: %llu is not a power of two >= 4096",
                            comp->config_path, (unsigned long long)c->page_bytes);
    while ((1ull << c->page_shift) < c->page_bytes)
        c->page_shift++;
    iohot_cfg_t cfg = { .entries = c->entries, .mode = c->mode, .replace = c->replace,
                        .mu = c->mu, .window = c->window, .tau_h = c->tau_h, .tau_l = c->tau_l,
                        .gain = c->gain, .low_frames = c->low_frames, .watermark = c->watermark,
                        .seed = c->seed ? c->seed : migsim_sim_seed(comp->sim) + 2 };
    int rc = iohot_init(&c->h, &cfg);
    if (rc)
        return migsim_error_wrap(rc, "%s", comp->config_path);
    iohot_set_decide(&c->h, ih_decide, c);
    if ((c->iommu_c && (rc = iommu_add_observer(c->iommu_c, ih_observe_iommu, c))) ||
        (rc = ih_observe_devices(c)) ||
        (rc = migsim_event_init(comp->k, &c->period_ev, ih_period, c, 30, MIGSIM_EV_DAEMON,
                                "iohot.period")))
        return rc;
    c->st_tau_h_milli = ih_milli(c->h.tau_H);
    c->st_tau_l_milli = ih_milli(c->h.tau_L);
    return MIGSIM_OK;
}

static int ih_start(migsim_comp_t *comp)
{
    iohot_comp_t *c = (iohot_comp_t *)comp;
    int rc = c->mig ? ih_check_migctl(c) : MIGSIM_OK;
    if (rc)
        return rc;
    migsim_schedule(comp->k, &c->period_ev, comp->k->now + c->period_ps);
    return MIGSIM_OK;
}

static void ih_finalize(migsim_comp_t *comp)
{
    iohot_comp_t *c = (iohot_comp_t *)comp;
    c->st_in_use = iohot_in_use(&c->h);
}

static void ih_fini(migsim_comp_t *comp)
{
    iohot_comp_t *c = (iohot_comp_t *)comp;
    if (c->period_ev.fn)
        migsim_event_fini(comp->k, &c->period_ev);
    iohot_fini(&c->h);
}

static const char *const mode_names[] = { "eq1", "eq2", NULL };
static const char *const replace_names[] = { "recent", "lower_score", NULL };

#define PU32(n, f, u, d, lo, hi, h) MIGSIM_PARAM_U32(iohot_comp_t, n, f, u, d, lo, hi, h)
#define PF64(n, f, u, d, lo, hi, h) MIGSIM_PARAM_F64(iohot_comp_t, n, f, u, d, lo, hi, h)

static const migsim_param_t ih_params[] = {
    MIGSIM_PARAM_STR(iohot_comp_t, "iommu", iommu, "iommu0",
                     "the IOMMU whose DMA requests are counted (its observer); \"\" = none"),
    MIGSIM_PARAM_STR(iohot_comp_t, "devices", devices, "",
                     "DMA devices wired without an IOMMU whose requests are counted (each one's "
                     "observer), comma-separated; a device behind `iommu` is counted there"),
    MIGSIM_PARAM_STR(iohot_comp_t, "migctl", migctl, "",
                     "the migration controller that carries decisions out: remap = move the "
                     "footprint page to low_node, move back = to high_node; \"\" = only "
                     "iohot_set_remap_fn"),
    MIGSIM_PARAM_U32(iohot_comp_t, "low_node", low_node, "", 0, 0, 7,
                     "the controller's node pages are remapped into (low memory)"),
    MIGSIM_PARAM_U32(iohot_comp_t, "high_node", high_node, "", 1, 0, 7,
                     "the controller's node pages move back to"),
    MIGSIM_PARAM_U64(iohot_comp_t, "page_bytes", page_bytes, "bytes", 4096, 4096, 0,
                     "page size of the table and of remapping, a power of two"),
    MIGSIM_PARAM_U64(iohot_comp_t, "period_ps", period_ps, "ps", 10000000, 1, 0,
                     "T: the table ends a period (scores, decisions) every T (default 10 us)"),
    PU32("entries", entries, "entries", 256, 1, 1u << 20,
         "table entries, a power of two, indexed by the page number's low bits (256: the "
         "patent's prototype, [0064])"),
    MIGSIM_PARAM_ENUM(iohot_comp_t, "mode", mode, 0, mode_names,
                      "score: eq1 a = mu a + (1 - mu) c (EQ 1), eq2 the mean count of the last "
                      "`window` periods (EQ 2 with equal weights)"),
    MIGSIM_PARAM_ENUM(iohot_comp_t, "replace", replace, 0, replace_names,
                      "on a collision: recent = the patent's rule, the newest page takes the "
                      "entry ([0065]); lower_score = the resident keeps it while its a + c > 1"),
    PF64("mu", mu, "", 0.5, 0.0, 0.999999, "EQ 1 memory, in [0, 1)"),
    PU32("window", window, "periods", 4, 1, IOHOT_MAX_WINDOW, "EQ 2: periods averaged (W)"),
    PF64("tau_h", tau_h, "I/Os per period", 8.0, 0.0, 1e18,
         "remap threshold: a page whose score is above it is remapped into low memory; the "
         "minimum, raised by scarcity: tau_H = tau_h (1 + gain rho)"),
    PF64("tau_l", tau_l, "I/Os per period", 2.0, 0.0, 1e18,
         "move-back threshold, below tau_h (hysteresis): a remapped page whose score is below it "
         "moves back; the maximum, lowered by scarcity: tau_L = tau_l max(0, 1 - gain rho)"),
    PF64("gain", gain, "", 1.0, 0.0, 1e6,
         "scarcity gain: rho = failed / attempted low-frame allocations of the last period"),
    PU32("low_frames", low_frames, "frames", 1024, 0, IOHOT_MAX_LOW_FRAMES,
         "low-memory frames available for remapped pages"),
    PU32("watermark", watermark, "frames", 16, 0, IOHOT_MAX_LOW_FRAMES,
         "random reclaim: while fewer frames are free, remapped pages chosen at random move "
         "back ([0074]); at most low_frames"),
    MIGSIM_PARAM_U64(iohot_comp_t, "seed", seed, "", 0, 0, 0,
                     "random reclaim's seed; 0 = the simulation seed + 2"),
    MIGSIM_PARAMS_END,
};

#define SU(n, f, u, h) MIGSIM_STAT_U64(iohot_comp_t, n, f, u, h)

static const migsim_stat_def_t ih_stats[] = {
    SU("counted_ios", h.ios, "I/Os", "I/Os counted: per transfer and page, faults excluded"),
    SU("periods", h.periods, "periods", "periods ended"),
    SU("entries_in_use", st_in_use, "entries", "table entries holding a page at the end"),
    SU("replacements", h.replacements, "entries", "collisions where another page took the entry"),
    SU("collisions_kept", h.kept, "I/Os",
       "collisions the resident won (replace lower_score): the newcomer's I/O not counted"),
    SU("remap_decisions", h.remaps, "pages",
       "pages remapped into low memory (score > tau_H), carried out"),
    SU("moveback_decisions", h.movebacks, "pages",
       "remapped pages moved back (score < tau_L), carried out"),
    SU("reclaim_decisions", h.reclaims, "pages",
       "remapped pages moved back by random reclaim (free frames below the watermark), carried out"),
    SU("remap_refused", st_remap_refused, "pages",
       "remaps the controller (or the remap function) refused: counted as failed allocations"),
    SU("moveback_refused", h.back_refused, "pages",
       "moves back refused: the page stays remapped and is asked again later"),
    SU("low_alloc_attempts", h.alloc_total, "frames", "low-frame allocations attempted"),
    SU("low_alloc_failures", h.alloc_failed, "frames",
       "of them failed: no free low frame, or the remap refused"),
    SU("remapped_pages", h.n_rm, "pages", "pages remapped into low memory at the end"),
    SU("remapped_peak_pages", st_remapped_peak, "pages", "most pages remapped at once"),
    SU("tau_h_milli_ios", st_tau_h_milli, "1/1000 I/O per period", "tau_H in force at the end"),
    SU("tau_l_milli_ios", st_tau_l_milli, "1/1000 I/O per period", "tau_L in force at the end"),
    SU("rho_milli", st_rho_milli, "1/1000", "scarcity rho of the last period"),
    MIGSIM_STATS_END,
};

const migsim_comp_ops_t iohot_ops = {
    .type = "iohot",
    .help = "I/O hot-page table of transparent memory remapping (seed 002): counts the DMA "
            "requests the IOMMU answers per page in a table of `entries`, scores them every "
            "period (EQ 1 or EQ 2) and decides which pages to remap into low memory (score > "
            "tau_H) and which to move back (score < tau_L, random reclaim below a watermark)",
    .size = sizeof(iohot_comp_t),
    .params = ih_params,
    .ports = NULL,
    .stats = ih_stats,
    .configure = ih_configure,
    .init = ih_init,
    .start = ih_start,
    .finalize_stats = ih_finalize,
    .fini = ih_fini,
};
