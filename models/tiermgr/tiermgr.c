/*
 * tiermgr.c - the tiering manager (tiermgr.h).
 *
 * Every period_ps, at the period's end: the true hot set of the period is
 * taken from the counted accesses, the policy's hot set is scored against
 * it, and the policy's hot set for the next period is turned into
 * migration requests: promotions into free frames of the near node first,
 * then, for the hot pages left without a frame, as many demotions of the
 * near node's non-hot pages (the scanner's coldest first under abit), all
 * within max_moves requests per period.
 *
 * Hot path: tm_access, one per CPU access: a counter increment and the
 * page's node (one array read in the controller).
 */
#include "tiermgr/tiermgr.h"

#include <stdlib.h>
#include <string.h>

#include "ascan/ascan.h"
#include "cpu_mmu/cpu_mmu.h"
#include "migctl/migctl.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "player/player.h"

static inline void bit_set(uint64_t *b, uint64_t i) { b[i >> 6] |= 1ull << (i & 63); }
static inline int bit_get(const uint64_t *b, uint64_t i) { return (b[i >> 6] >> (i & 63)) & 1u; }

static uint64_t tm_words(const tiermgr_t *t) { return (t->npages + 63) / 64; }

/* ---- counting ----------------------------------------------------------------------------- */

static void tm_access(void *ctx, uint64_t va, bool write)
{
    tiermgr_t *t = ctx;
    (void)write;
    tier_truth_access(&t->truth, va);
    uint64_t page = (va - t->va) / t->page_bytes;
    if (va < t->va || page >= t->npages)
        return;
    if (migctl_page_node(t->m, page) == t->near_node)
        t->st_near_accesses++;
    else
        t->st_far_accesses++;
}

/* ideal: count the players' records issued before `until` into the coming period's counts */
static void tm_read_ahead(tiermgr_t *t, uint64_t until)
{
    for (uint32_t i = 0; i < t->npl; i++) {
        uint64_t start = t->pl[i]->start_ps;
        while (t->more[i] && start + t->next[i].time < until) {
            tier_truth_access(&t->future, t->next[i].addr);
            t->more[i] = migsim_recsrc_next(t->src[i], &t->next[i]) == 1;
        }
    }
}

/* abit: each migration that ended is progress the scanner adapts its period to (seed 001) */
static void tm_migrated(void *ctx, uint64_t page, uint32_t node, uint64_t start_ps, uint64_t end_ps)
{
    tiermgr_t *t = ctx;
    (void)page, (void)node, (void)start_ps, (void)end_ps;
    ascan_migrated(t->scan, 1);
}

/* ---- the policy's hot set ----------------------------------------------------------------- */

/* Pages of the scanner's classes lo..hi (hottest first) into t->list; their number. */
static uint64_t tm_scanner_pages(tiermgr_t *t, uint32_t lo, uint32_t hi)
{
    uint64_t n = 0;
    for (uint32_t cls = lo; cls <= hi && n < t->npages; cls++) {
        uint64_t got = ascan_pages(t->scan, cls, t->list + n, t->npages - n);
        uint64_t kept = got < t->npages - n ? got : t->npages - n;
        for (uint64_t j = 0; j < kept; j++) { /* VAs to footprint pages */
            uint64_t va = t->list[n + j];
            if (va >= t->va && (va - t->va) / t->page_bytes < t->npages)
                t->list[n++] = (va - t->va) / t->page_bytes;
        }
    }
    return n;
}

/* The pages the policy wants near for the next period: t->pred (bitmap) and t->list (ranked). */
static uint64_t tm_hot_set(tiermgr_t *t, uint64_t k)
{
    memset(t->pred, 0, tm_words(t) * sizeof *t->pred);
    uint64_t n = 0;
    switch (t->policy) {
    case TIERMGR_ABIT:
        n = tm_scanner_pages(t, ASCAN_HOT, t->hot_class);
        if (n > k)
            n = k;
        break;
    case TIERMGR_IDEAL: /* the records of the coming period, [now, period_end) */
        tm_read_ahead(t, t->period_end);
        tier_truth_end_period(&t->future, k, t->hot_min_accesses);
        for (uint64_t p = 0; p < t->npages; p++)
            if (tier_truth_is_hot(&t->future, p))
                t->list[n++] = p;
        break;
    default: /* none: what is near stays near */
        for (uint64_t p = 0; p < t->npages; p++)
            if (migctl_page_node(t->m, p) == t->near_node)
                t->list[n++] = p;
        break;
    }
    for (uint64_t j = 0; j < n; j++)
        bit_set(t->pred, t->list[j]);
    return n;
}

/* ---- decisions ---------------------------------------------------------------------------- */

static int tm_ask(tiermgr_t *t, uint64_t page, uint32_t node)
{
    if (migctl_request(t->m, page, node) != 0) {
        t->st_refused++;
        return -1;
    }
    if (node == t->near_node)
        t->st_promotions++;
    else
        t->st_demotions++;
    return 0;
}

/* Whether page p stays where it is this period: queued or moving already. */
static int tm_busy(const tiermgr_t *t, uint64_t p, uint32_t *node)
{
    uint32_t flags = 0;
    return migctl_page_where(t->m, p, node, NULL, &flags) != 0 ||
           (flags & (MIGCTL_PG_QUEUED | MIGCTL_PG_MOVING));
}

static void tm_migrate(tiermgr_t *t, uint64_t nhot)
{
    uint32_t budget = t->max_moves, node;
    uint64_t free_near = migctl_node_free_frames(t->m, t->near_node), lacking = 0;
    for (uint64_t j = 0; j < nhot && budget; j++) {
        uint64_t p = t->list[j];
        if (tm_busy(t, p, &node) || node == t->near_node)
            continue;
        if (!free_near) {
            lacking++;
            continue;
        }
        if (tm_ask(t, p, t->near_node) == 0) {
            free_near--;
            budget--;
        }
    }
    if (!lacking || !budget || t->policy == TIERMGR_NONE)
        return;
    /* victims: near pages outside the hot set; under abit its cold classes, coldest first */
    uint64_t nv = 0;
    if (t->policy == TIERMGR_ABIT) {
        nv = tm_scanner_pages(t, t->cold_class, ASCAN_COLD);
        /* coldest first: tm_scanner_pages lists classes in order, so reverse the classes */
    } else {
        for (uint64_t p = 0; p < t->npages; p++)
            if (!bit_get(t->pred, p))
                t->list[nv++] = p;
    }
    for (uint64_t j = 0; j < nv && lacking && budget; j++) {
        uint64_t p = t->list[t->policy == TIERMGR_ABIT ? nv - 1 - j : j];
        if (bit_get(t->pred, p) || tm_busy(t, p, &node) || node != t->near_node)
            continue;
        if (tm_ask(t, p, t->far_node) == 0) {
            lacking--;
            budget--;
        }
    }
}

/* The near node's capacity: the size of every hot set. */
static uint64_t tm_near_pages(const tiermgr_t *t)
{
    return t->m->node[t->near_node].frames;
}

/* A period begins: the policy's set for it, and the migrations toward it. */
static void tm_decide(tiermgr_t *t)
{
    t->st_pred_hot = tm_hot_set(t, tm_near_pages(t));
    tm_migrate(t, t->st_pred_hot);
    migsim_schedule(t->comp.k, &t->ev, t->period_end);
}

static void tm_period(migsim_event_t *ev)
{
    tiermgr_t *t = ev->ctx;
    uint64_t k = tm_near_pages(t);
    /* the period that ended: what was hot, and how well the policy's set matched it */
    tier_truth_end_period(&t->truth, k, t->hot_min_accesses);
    double prec, rec;
    tier_truth_score(&t->truth, t->pred, &prec, &rec);
    t->st_true_hot = t->truth.nhot;
    t->st_precision = prec;
    t->st_recall = rec;
    t->sum_precision += prec;
    t->sum_recall += rec;
    t->st_periods++;
    t->period_end += t->period_ps;
    tm_decide(t);
}

/* ---- life cycle --------------------------------------------------------------------------- */

static int tm_configure(migsim_comp_t *c)
{
    tiermgr_t *t = (tiermgr_t *)c;
    migsim_comp_t *p = migsim_comp_find_peer(c, t->mig, "migctl", "mig");
    if (!p)
        return MIGSIM_ECONFIG;
    t->m = (migctl_t *)p;
    if (t->policy == TIERMGR_ABIT) {
        if (!t->scanner[0])
            return migsim_error(MIGSIM_ECONFIG, "%s.scanner: policy \"abit\" needs an abit_scan",
                                c->config_path);
        if (!(p = migsim_comp_find_peer(c, t->scanner, "abit_scan", "scanner")))
            return MIGSIM_ECONFIG;
        t->scan = (ascan_t *)p;
    }
    if (t->policy == TIERMGR_IDEAL) {
        if (!t->players[0])
            return migsim_error(MIGSIM_ECONFIG, "%s.players: policy \"ideal\" needs the CPU "
                                "players to read ahead", c->config_path);
        migsim_comp_t *found[TIERMGR_MAX_PLAYERS];
        int rc = migsim_comp_find_peers(c, t->players, "trace_player", "players", found,
                                        TIERMGR_MAX_PLAYERS, &t->npl);
        if (rc)
            return rc;
        for (uint32_t i = 0; i < t->npl; i++)
            t->pl[i] = (player_t *)found[i];
    }
    return 0;
}

static int tm_init(migsim_comp_t *c)
{
    tiermgr_t *t = (tiermgr_t *)c;
    const migctl_t *m = t->m;
    if (!m->footprint_pages)
        return migsim_error(MIGSIM_ECONFIG, "%s.mig: \"%s\" has no footprint (footprint_pages 0)",
                            c->config_path, t->mig);
    if (t->near_node == t->far_node)
        return migsim_error(MIGSIM_ECONFIG, "%s: near_node and far_node are both %u",
                            c->config_path, t->near_node);
    if (t->cold_class <= t->hot_class || t->cold_class > ASCAN_COLD)
        return migsim_error(MIGSIM_ECONFIG, "%s: hot_class %u and cold_class %u: need hot_class < "
                            "cold_class <= %u", c->config_path, t->hot_class, t->cold_class,
                            ASCAN_COLD);
    t->npages = m->footprint_pages;
    t->page_bytes = m->page_bytes;
    t->va = m->va;
    int rc = tier_truth_init(&t->truth, t->va, t->page_bytes, t->npages);
    if (rc)
        return rc;
    t->pred = calloc(tm_words(t), sizeof *t->pred);
    t->list = calloc(t->npages, sizeof *t->list);
    if (!t->pred || !t->list)
        return migsim_error(MIGSIM_ENOMEM, "%s: no memory for %llu pages", c->config_path,
                            (unsigned long long)t->npages);
    if (t->policy == TIERMGR_IDEAL) {
        if ((rc = tier_truth_init(&t->future, t->va, t->page_bytes, t->npages)) != 0)
            return rc;
        for (uint32_t i = 0; i < t->npl; i++) {
            if ((rc = player_open_source(t->pl[i], &t->src[i])) != 0)
                return rc;
            if (t->pl[i]->mode != 0 || migsim_recsrc_time_mode(t->src[i]) != MIGSIM_TIME_ABS_PS)
                return migsim_error(MIGSIM_ECONFIG, "%s.players: %s does not replay timed "
                                    "absolute-time records, so its future is not known ahead",
                                    c->config_path, t->pl[i]->comp.name);
            t->more[i] = migsim_recsrc_next(t->src[i], &t->next[i]) == 1;
        }
    }
    return migsim_event_init(c->k, &t->ev, tm_period, t, 30, MIGSIM_EV_DAEMON, "tiermgr.period");
}

static int tm_start(migsim_comp_t *c)
{
    tiermgr_t *t = (tiermgr_t *)c;
    const migctl_t *m = t->m;
    if (t->near_node >= m->nnodes || t->far_node >= m->nnodes)
        return migsim_error(MIGSIM_ECONFIG, "%s: near_node %u / far_node %u: \"%s\" has %u nodes",
                            c->config_path, t->near_node, t->far_node, t->mig, m->nnodes);
    for (uint32_t i = 0; i < m->nmmus; i++)
        cpu_mmu_set_access_observer(m->mmus[i], tm_access, t);
    if (t->scan)
        migctl_on_migrated(t->m, tm_migrated, t);
    t->period_end = t->period_ps; /* the first period: [0, period_ps) */
    tm_decide(t);
    return 0;
}

static void tm_finalize(migsim_comp_t *c)
{
    tiermgr_t *t = (tiermgr_t *)c;
    t->st_precision_avg = t->st_periods ? t->sum_precision / (double)t->st_periods : 0;
    t->st_recall_avg = t->st_periods ? t->sum_recall / (double)t->st_periods : 0;
    uint64_t all = t->st_near_accesses + t->st_far_accesses;
    t->st_near_share = all ? (double)t->st_near_accesses / (double)all : 0;
}

static void tm_fini(migsim_comp_t *c)
{
    tiermgr_t *t = (tiermgr_t *)c;
    for (uint32_t i = 0; i < t->npl; i++)
        if (t->src[i])
            migsim_recsrc_close(t->src[i]);
    tier_truth_fini(&t->truth);
    tier_truth_fini(&t->future);
    free(t->pred);
    free(t->list);
    if (t->ev.fn)
        migsim_event_fini(c->k, &t->ev);
}

static const char *const policy_names[] = { "none", "abit", "ideal", NULL };

#define TU64(n, f, u, d, lo, hi, h) MIGSIM_PARAM_U64(tiermgr_t, n, f, u, d, lo, hi, h)
#define TU32(n, f, u, d, lo, hi, h) MIGSIM_PARAM_U32(tiermgr_t, n, f, u, d, lo, hi, h)

static const migsim_param_t tm_params[] = {
    MIGSIM_PARAM_ENUM(tiermgr_t, "policy", policy, 0, policy_names,
                      "none: no migration (the initial placement stays); abit: the accessed-bit "
                      "scanner's classes; ideal: the true hot set of each coming period, read "
                      "ahead from the players' records"),
    MIGSIM_PARAM_STR(tiermgr_t, "mig", mig, "mig", "the migration controller with the footprint"),
    MIGSIM_PARAM_STR(tiermgr_t, "scanner", scanner, "", "abit: the abit_scan component"),
    MIGSIM_PARAM_STR(tiermgr_t, "players", players, "",
                     "ideal: the trace_players read ahead (comma-separated)"),
    TU64("period_ps", period_ps, "ps", 1000000000ull, 1000, 0, "decision period"),
    TU32("near_node", near_node, "", 0, 0, 7, "the controller's node the hot pages go to"),
    TU32("far_node", far_node, "", 1, 0, 7, "the controller's node the cold pages go to"),
    TU32("max_moves", max_moves, "migrations", 64, 1, 1u << 30,
         "migration requests per period at most (promotions and demotions)"),
    TU32("hot_min_accesses", hot_min_accesses, "accesses", 8, 1, 65535,
         "a page is in a period's true hot set (and the ideal set) only with at least this many "
         "accesses in it: the near node's capacity in most-accessed pages above it"),
    TU32("hot_class", hot_class, "", 1, 0, 3,
         "abit: the scanner's classes 0..hot_class are hot (0 = accessed in each of the last 4 scans)"),
    TU32("cold_class", cold_class, "", 4, 1, 4,
         "abit: classes cold_class..4 may be demoted (4 = accessed in none of the last 4 scans)"),
    MIGSIM_PARAMS_END,
};

static const migsim_port_def_t tm_ports[] = { MIGSIM_PORTS_END };

#define TS(n, f, u, h) MIGSIM_STAT_U64(tiermgr_t, n, f, u, h)
#define TF(n, f, u, h) MIGSIM_STAT_F64(tiermgr_t, n, f, u, h)

static const migsim_stat_def_t tm_stats[] = {
    TS("periods", st_periods, "periods", "decision periods ended"),
    TS("promotions", st_promotions, "migrations", "migrations asked to the near node"),
    TS("demotions", st_demotions, "migrations", "migrations asked to the far node"),
    TS("refused_requests", st_refused, "migrations", "requests the controller refused"),
    TS("near_accesses", st_near_accesses, "accesses", "CPU accesses to footprint pages on the near node"),
    TS("far_accesses", st_far_accesses, "accesses", "CPU accesses to footprint pages elsewhere"),
    TF("near_access_share", st_near_share, "", "near_accesses / (near_accesses + far_accesses)"),
    TS("true_hot_pages", st_true_hot, "pages",
       "the last period's true hot set: the near node's capacity in most-accessed pages"),
    TS("policy_hot_pages", st_pred_hot, "pages", "the policy's hot set for the current period"),
    TF("precision", st_precision, "", "last period: share of the policy's hot pages truly hot"),
    TF("recall", st_recall, "", "last period: share of the truly hot pages in the policy's set"),
    TF("precision_avg", st_precision_avg, "", "precision averaged over the periods"),
    TF("recall_avg", st_recall_avg, "", "recall averaged over the periods"),
    MIGSIM_STATS_END,
};

const migsim_comp_ops_t tiermgr_ops = {
    .type = "tiermgr",
    .help = "the tiering manager: every period it reads a tracker (none, the accessed-bit "
            "scanner, or the ideal read-ahead) and asks the migration controller to promote hot "
            "pages of the footprint to the near node and demote cold ones; it scores the "
            "tracker's hot set against the true hot set of each period (precision, recall)",
    .size = sizeof(tiermgr_t),
    .params = tm_params,
    .ports = tm_ports,
    .stats = tm_stats,
    .configure = tm_configure,
    .init = tm_init,
    .start = tm_start,
    .finalize_stats = tm_finalize,
    .fini = tm_fini,
};
