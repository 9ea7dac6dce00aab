/*
 * tiermgr.h - the tiering manager: every period it reads an activity
 * tracker and asks the migration controller to move pages of the footprint
 * between memory nodes: the pages the tracker calls hot to the near node,
 * and, when the near node is full, pages it calls cold out to the far node
 * first (their frames free when those migrations end, and the next period
 * fills them). The migrations run with the controller's mechanism, under
 * live traffic, and cost what they cost.
 *
 * Policies ("policy"):
 *   none    no migration: the pages stay where the controller's initial
 *           placement put them (with placement "far": no tiering at all;
 *           with "near_first": a static placement);
 *   abit    the accessed-bit scanner of seed 001 (models/ascan): pages of
 *           its hottest classes up to hot_class are hot, pages of class
 *           cold_class and colder are demotion candidates;
 *   ideal   the true hot set of each coming period, read ahead from the
 *           CPU players' own record streams (trace files or generators) by
 *           the records' nominal times: what a placement that knew the
 *           future would do, with the same migration costs.
 *
 * Whatever the policy, the manager counts every CPU access (an observer on
 * each of the controller's CPU MMUs) against its page, and at each period's
 * end scores the tracker's hot set (the pages it would have near) against
 * the true hot set of that period (the near node's capacity in pages with
 * the most accesses, at least hot_min_accesses each, models/tiermgr/truth.h):
 * precision and recall per
 * period, and the share of CPU accesses that found their page on the near
 * node.
 */
#ifndef MIGSIM_MODELS_TIERMGR_H
#define MIGSIM_MODELS_TIERMGR_H

#include <stdint.h>

#include "migsim/component.h"
#include "migsim/kernel.h"
#include "migsim/trace.h"
#include "tiermgr/truth.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TIERMGR_MAX_PLAYERS 128

typedef enum tiermgr_policy_e {
    TIERMGR_NONE = 0,
    TIERMGR_ABIT = 1,
    TIERMGR_IDEAL = 2,
} tiermgr_policy_t;

struct migctl_s;
struct ascan_s;
struct player_s;

typedef struct tiermgr_s {
    migsim_comp_t comp;
    /* parameters */
    uint32_t policy;                  /* tiermgr_policy_t */
    char *mig;                        /* the migration controller (owns the footprint) */
    char *scanner;                    /* abit: the accessed-bit scanner */
    char *players;                    /* ideal: the CPU players read ahead (comma-separated) */
    uint64_t period_ps;               /* decision period, ps */
    uint32_t near_node, far_node;     /* node numbers of the controller's "nodes" */
    uint32_t max_moves;               /* migrations asked per period at most */
    uint32_t hot_class, cold_class;   /* abit: classes counted hot (<=) and cold (>=) */
    uint32_t hot_min_accesses;        /* a truly hot page has at least this many in its period */
    /* resolved */
    struct migctl_s *m;
    struct ascan_s *scan;
    struct player_s *pl[TIERMGR_MAX_PLAYERS];
    uint32_t npl;
    /* state */
    tier_truth_t truth;               /* accesses of the current period, and the last hot set */
    uint64_t npages, page_bytes, va;  /* the footprint */
    uint64_t *pred;                   /* owned: the policy's hot set of the period (bitmap) */
    uint64_t *list;                   /* owned: scratch list of pages, npages */
    migsim_recsrc_t *src[TIERMGR_MAX_PLAYERS]; /* owned (ideal): the players' streams, read ahead */
    migsim_trace_rec_t next[TIERMGR_MAX_PLAYERS]; /* (ideal) the first record not yet counted */
    uint8_t more[TIERMGR_MAX_PLAYERS];            /* (ideal) next[] holds a record */
    tier_truth_t future;              /* (ideal) the coming period's counts and hot set */
    migsim_event_t ev;                /* the period's end */
    uint64_t period_end;              /* when the current period ends, ps */
    /* statistics */
    uint64_t st_periods;              /* periods ended */
    uint64_t st_promotions;           /* migrations asked to the near node */
    uint64_t st_demotions;            /* migrations asked to the far node */
    uint64_t st_refused;              /* requests the controller refused (counted by it too) */
    uint64_t st_near_accesses;        /* CPU accesses whose page was on the near node */
    uint64_t st_far_accesses;         /* CPU accesses whose page was elsewhere */
    uint64_t st_true_hot;             /* pages in the last period's true hot set */
    uint64_t st_pred_hot;             /* pages in the policy's hot set of the last period */
    double st_precision, st_recall;   /* of the last period */
    double st_precision_avg, st_recall_avg; /* over the periods */
    double st_near_share;             /* near / (near + far) accesses (finalize) */
    double sum_precision, sum_recall;
} tiermgr_t;

extern const migsim_comp_ops_t tiermgr_ops;

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_TIERMGR_H */
