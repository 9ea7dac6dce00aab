/*
 * iohot.c - the I/O hot-page table, its scores, thresholds, low-frame pool
 * and random reclaim (see iohot.h).
 */
#include "iohot/iohot.h"
#include "migsim/errors.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void iohot_cfg_default(iohot_cfg_t *cfg)
{
    *cfg = (iohot_cfg_t){ .entries = 256, .mode = IOHOT_EQ1, .mu = 0.5, .window = 4,
                          .tau_h = 8.0, .tau_l = 2.0, .gain = 1.0, .low_frames = 1024,
                          .watermark = 16, .seed = 1 };
}

int iohot_init(iohot_t *h, const iohot_cfg_t *cfg)
{
    memset(h, 0, sizeof *h);
    if (!cfg->entries || cfg->entries > (1u << 20) || (cfg->entries & (cfg->entries - 1)))
        return migsim_error(MIGSIM_ECONFIG, "entries: %u is not a power of two in 1..2^20",
                            cfg->entries);
    if (cfg->mode > IOHOT_EQ2)
        return migsim_error(MIGSIM_ECONFIG, "mode: %u is neither EQ 1 (0) nor EQ 2 (1)", cfg->mode);
    if (!(cfg->mu >= 0.0 && cfg->mu < 1.0))
        return migsim_error(MIGSIM_ECONFIG, "mu: %g is not in [0, 1)", cfg->mu);
    if (cfg->window < 1 || cfg->window > IOHOT_MAX_WINDOW)
        return migsim_error(MIGSIM_ECONFIG, "window: %u periods is not in 1..%u", cfg->window,
                            IOHOT_MAX_WINDOW);
    if (!(cfg->tau_l >= 0.0) || !(cfg->tau_h > cfg->tau_l))
        return migsim_error(MIGSIM_ECONFIG,
                            "tau_l: %g must be >= 0 and below tau_h %g (the hysteresis between "
                            "remapping and moving back)",
                            cfg->tau_l, cfg->tau_h);
    if (!(cfg->gain >= 0.0))
        return migsim_error(MIGSIM_ECONFIG, "gain: %g is negative", cfg->gain);
    if (cfg->low_frames > IOHOT_MAX_LOW_FRAMES)
        return migsim_error(MIGSIM_ECONFIG, "low_frames: %u is above %u", cfg->low_frames,
                            IOHOT_MAX_LOW_FRAMES);
    if (cfg->watermark > cfg->low_frames)
        return migsim_error(MIGSIM_ECONFIG, "watermark: %u is above low_frames %u", cfg->watermark,
                            cfg->low_frames);
    h->cfg = *cfg;
    while ((1u << h->shift) < cfg->entries)
        h->shift++;
    h->ent = calloc(cfg->entries, sizeof *h->ent);
    h->rm = calloc(cfg->low_frames ? cfg->low_frames : 1, sizeof *h->rm);
    h->free_frames = calloc(cfg->low_frames ? cfg->low_frames : 1, sizeof *h->free_frames);
    if (cfg->mode == IOHOT_EQ2)
        h->win = calloc((size_t)cfg->entries * cfg->window, sizeof *h->win);
    if (!h->ent || !h->rm || !h->free_frames || (cfg->mode == IOHOT_EQ2 && !h->win)) {
        iohot_fini(h);
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < cfg->entries; i++)
        h->ent[i].rm = -1;
    /* frames handed out lowest first: the stack holds them highest at the bottom */
    for (uint32_t f = 0; f < cfg->low_frames; f++)
        h->free_frames[f] = cfg->low_frames - 1 - f;
    h->n_free = cfg->low_frames;
    migsim_rng_seed(&h->rng, cfg->seed);
    h->tau_H = cfg->tau_h;
    h->tau_L = cfg->tau_l;
    return MIGSIM_OK;
}

void iohot_fini(iohot_t *h)
{
    free(h->ent);
    free(h->win);
    free(h->rm);
    free(h->free_frames);
    h->ent = NULL;
    h->win = NULL;
    h->rm = NULL;
    h->free_frames = NULL;
}

void iohot_set_decide(iohot_t *h, iohot_decide_fn fn, void *ctx)
{
    h->decide = fn;
    h->decide_ctx = ctx;
}

static int32_t ih_find_rm(const iohot_t *h, uint64_t page)
{
    for (uint32_t i = 0; i < h->n_rm; i++)
        if (h->rm[i].page == page)
            return (int32_t)i;
    return -1;
}

void iohot_count(iohot_t *h, uint64_t page)
{
    uint32_t idx = (uint32_t)(page & (h->cfg.entries - 1));
    uint64_t tag = page >> h->shift;
    iohot_entry_t *e = &h->ent[idx];
    h->ios++;
    if (e->valid && e->tag == tag) {
        if (e->count != UINT32_MAX)
            e->count++;
        return;
    }
    if (e->valid) {
        /* lower_score: the resident stays while its a + c beats the newcomer's 0 + 1 */
        if (h->cfg.replace == IOHOT_REPLACE_LOWER && e->score + (double)e->count > 1.0) {
            h->kept++;
            return;
        }
        h->replacements++;
        if (e->rm >= 0) {   /* the remapped page leaves the table; its record keeps its score */
            h->rm[e->rm].entry = -1;
            h->rm[e->rm].score = h->cfg.mode == IOHOT_EQ1 ? e->score : 0.0;
        }
    }
    *e = (iohot_entry_t){ .tag = tag, .count = 1, .rm = ih_find_rm(h, page), .valid = true };
    if (e->rm >= 0) {
        h->rm[e->rm].entry = (int32_t)idx;
        e->score = h->rm[e->rm].score;
    }
    if (h->win)
        memset(&h->win[(size_t)idx * h->cfg.window], 0, h->cfg.window * sizeof *h->win);
}

static double ih_rm_score(const iohot_t *h, const iohot_rm_t *r)
{
    return r->entry >= 0 ? h->ent[r->entry].score : r->score;
}

/* Move remapped page i back to high memory and free its frame; false when the move is refused. */
static bool ih_move_back(iohot_t *h, uint32_t i, iohot_reason_t why)
{
    iohot_rm_t r = h->rm[i];
    if (h->decide && !h->decide(h->decide_ctx, r.page, IOHOT_TO_HIGH, why, r.frame)) {
        h->back_refused++;
        return false;
    }
    if (r.entry >= 0)
        h->ent[r.entry].rm = -1;
    h->rm[i] = h->rm[--h->n_rm];
    if (i < h->n_rm && h->rm[i].entry >= 0)
        h->ent[h->rm[i].entry].rm = (int32_t)i;
    h->free_frames[h->n_free++] = r.frame;
    if (why == IOHOT_RECLAIM)
        h->reclaims++;
    else
        h->movebacks++;
    return true;
}

static void ih_scores(iohot_t *h)
{
    const iohot_cfg_t *c = &h->cfg;
    for (uint32_t i = 0; i < c->entries; i++) {
        iohot_entry_t *e = &h->ent[i];
        if (!e->valid)
            continue;
        if (c->mode == IOHOT_EQ1) {
            e->score = c->mu * e->score + (1.0 - c->mu) * (double)e->count;   /* EQ 1 */
        } else {
            uint32_t *w = &h->win[(size_t)i * c->window];
            w[h->win_pos] = e->count;
            uint64_t sum = 0;
            for (uint32_t k = 0; k < c->window; k++)
                sum += w[k];
            e->score = (double)sum / (double)c->window;                         /* EQ 2 */
        }
        e->count = 0;
    }
    if (h->win)
        h->win_pos = (h->win_pos + 1) % c->window;
    for (uint32_t i = 0; i < h->n_rm; i++)
        if (h->rm[i].entry < 0)
            h->rm[i].score = c->mode == IOHOT_EQ1 ? c->mu * h->rm[i].score : 0.0;
}

void iohot_end_period(iohot_t *h)
{
    const iohot_cfg_t *c = &h->cfg;
    h->periods++;
    ih_scores(h);
    /* 1. move back what fell below tau_L */
    for (uint32_t i = 0; i < h->n_rm;) {
        if (!(ih_rm_score(h, &h->rm[i]) < h->tau_L) || !ih_move_back(h, i, IOHOT_COLD))
            i++;   /* else the last record moved into i: look at i again */
    }
    /* 2. remap what rose above tau_H */
    uint64_t tried = 0, failed = 0;
    for (uint32_t i = 0; i < c->entries; i++) {
        iohot_entry_t *e = &h->ent[i];
        if (!e->valid || e->rm >= 0 || !(e->score > h->tau_H))
            continue;
        tried++;
        if (!h->n_free) {
            failed++;
            continue;
        }
        uint32_t frame = h->free_frames[h->n_free - 1];
        uint64_t page = (e->tag << h->shift) | i;
        if (h->decide && !h->decide(h->decide_ctx, page, IOHOT_TO_LOW, IOHOT_HOT, frame)) {
            failed++;
            continue;
        }
        h->n_free--;
        e->rm = (int32_t)h->n_rm;
        h->rm[h->n_rm++] = (iohot_rm_t){ .page = page, .entry = (int32_t)i, .frame = frame };
        h->remaps++;
    }
    h->alloc_total += tried;
    h->alloc_failed += failed;
    /* 3. random reclaim up to the watermark */
    for (uint32_t tries = h->n_rm; h->n_free < c->watermark && h->n_rm && tries; tries--)
        ih_move_back(h, (uint32_t)migsim_rng_below(&h->rng, h->n_rm), IOHOT_RECLAIM);
    /* 4. scarcity: thresholds for the next period */
    h->rho = tried ? (double)failed / (double)tried : 0.0;
    h->tau_H = c->tau_h * (1.0 + c->gain * h->rho);
    double down = 1.0 - c->gain * h->rho;
    h->tau_L = c->tau_l * (down > 0.0 ? down : 0.0);
}

bool iohot_score(const iohot_t *h, uint64_t page, double *score)
{
    const iohot_entry_t *e = &h->ent[page & (h->cfg.entries - 1)];
    if (e->valid && e->tag == page >> h->shift) {
        *score = e->score;
        return true;
    }
    int32_t r = ih_find_rm(h, page);
    if (r < 0)
        return false;
    *score = h->rm[r].score;
    return true;
}

bool iohot_is_remapped(const iohot_t *h, uint64_t page)
{
    return ih_find_rm(h, page) >= 0;
}

uint32_t iohot_in_use(const iohot_t *h)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < h->cfg.entries; i++)
        n += h->ent[i].valid;
    return n;
}
