/*
 * walker.c - the page-table walk engine shared by the CPU MMU and the IOMMU
 * (xlat.h).
 *
 * Design: models/MIGRATION.md, "Page tables (models/xlat/)": walks are real
 * 8-byte memory reads of the PTEs held in simulated memory, sent through the
 * owner's memory port, so they cost DRAM time and compete with all other
 * traffic; the accessed bit (and dirty on a write) is set by an 8-byte
 * write when it was clear; a page-walk cache lets a walk start below the
 * top. A walk that reaches an invalid PTE (the migrating subpage of
 * US 9,081,764 FIG. 2 block 208) ends as a modelled fault, reported to the
 * owner with its level and PTE.
 *
 * Hot path: one response per level: decode 8 bytes, one PWC insert, one
 * request from the pool, one send. A walk holds at most one request at the
 * memory at a time; the next level's read is sent when the previous one
 * returns (the owner's link carries any latency). Walk slots are allocated
 * once at init; waiters are the owner's (intrusive), so coalescing never
 * allocates.
 *
 * The A/D update is an atomic compare-and-swap (MIGSIM_REQ_CAS), as on real
 * hardware: it writes the leaf with the bits set only if memory still holds
 * the leaf as read. If the OS changed that PTE in between (a migration
 * remapping the page), nothing is written and the walk starts again from the
 * top, so a stale leaf is never written back over the OS's change.
 */
#include "xlat/xlat.h"
#include "migsim/errors.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

int xlat_walker_init(xlat_walker_t *w, const xlat_walker_cfg_t *cfg)
{
    memset(w, 0, sizeof *w);
    if (!cfg->ladder)
        return migsim_error(MIGSIM_ECONFIG, "walker: no page-size ladder");
    int rc = xlat_ladder_validate(cfg->ladder);
    if (rc)
        return rc;
    if (cfg->max_walks < 1 || cfg->max_walks > 4096)
        return migsim_error(MIGSIM_ECONFIG, "walker: max_walks %u outside 1..4096", cfg->max_walks);
    if (!cfg->port || !cfg->pool || !cfg->k || !cfg->done)
        return migsim_error(MIGSIM_ECONFIG, "walker: port, request pool, kernel and done callback are required");
    if (cfg->root & (XLAT_TABLE_ALIGN - 1))
        return migsim_error(MIGSIM_ECONFIG, "walker: root table 0x%llx is not 4 KiB aligned",
                            (unsigned long long)cfg->root);
    if (cfg->pwc && memcmp(&cfg->pwc->ladder, cfg->ladder, sizeof *cfg->ladder) != 0)
        return migsim_error(MIGSIM_ECONFIG, "walker: the page-walk cache has another ladder");
    w->walks = calloc(cfg->max_walks, sizeof *w->walks);
    if (!w->walks)
        return migsim_error(MIGSIM_ENOMEM, "walker: out of memory for %u walks", cfg->max_walks);
    w->ladder = *cfg->ladder;
    w->root = cfg->root;
    w->max_walks = cfg->max_walks;
    w->port = cfg->port;
    w->pool = cfg->pool;
    w->k = cfg->k;
    w->pwc = cfg->pwc;
    w->done = cfg->done;
    w->owner = cfg->owner;
    w->src_idx = cfg->src_idx;
    for (uint32_t i = 0; i < w->max_walks; i++)
        w->walks[i].w = w;
    return MIGSIM_OK;
}

void xlat_walker_fini(xlat_walker_t *w)
{
    if (w->walks)
        for (uint32_t i = 0; i < w->max_walks; i++)
            if (w->walks[i].req) {
                migsim_req_free(w->pool, w->walks[i].req);
                w->walks[i].req = NULL;
            }
    free(w->walks);
    w->walks = NULL;
    w->blk_head = w->blk_tail = NULL;
}

/* Send c->req, or queue it behind earlier refused requests. */
static void wk_send(xlat_walker_t *w, xlat_walk_t *c)
{
    if (!w->blk_head) {
        migsim_req_t *r = c->req;
        c->req = NULL;
        c->in_flight = 1; /* before the send: a target may answer from inside it */
        if (migsim_port_send(w->port, r) == 0)
            return;
        c->req = r;
        c->in_flight = 0;
        w->st_port_refused++;
    }
    c->next_blocked = NULL;
    if (w->blk_tail)
        w->blk_tail->next_blocked = c;
    else
        w->blk_head = c;
    w->blk_tail = c;
}

void xlat_walker_retry(xlat_walker_t *w)
{
    while (w->blk_head) {
        xlat_walk_t *c = w->blk_head;       /* taken off first: a target may answer inside send */
        w->blk_head = c->next_blocked;
        if (!w->blk_head)
            w->blk_tail = NULL;
        migsim_req_t *r = c->req;
        c->req = NULL;
        c->in_flight = 1;
        if (migsim_port_send(w->port, r) != 0) {
            c->req = r;                      /* refused again: back at the head */
            c->in_flight = 0;
            c->next_blocked = w->blk_head;
            w->blk_head = c;
            if (!w->blk_tail)
                w->blk_tail = c;
            w->st_port_refused++;
            return;
        }
    }
}

/* Build and send one 8-byte request for the walk: a read of c->pte_addr, or the A/D write. */
static int wk_issue(xlat_walker_t *w, xlat_walk_t *c, migsim_op_t op, uint64_t value)
{
    migsim_req_t *r = migsim_req_alloc(w->pool);
    if (!r)
        return MIGSIM_ENOMEM;
    r->addr = r->orig_addr = c->pte_addr;
    r->size = 8;
    r->op = (uint8_t)op;
    r->flags = MIGSIM_REQ_HAS_DATA;
    r->src_kind = MIGSIM_SRC_WALK;
    r->src_idx = w->src_idx;
    r->cookie = c;
    r->t_issue = w->k->now;
    if (op == MIGSIM_OP_WRITE) {
        /* an atomic update, as hardware walkers do: only if the PTE is still what was read */
        xlat_pte_encode(r->data, value);
        xlat_pte_encode(r->data + 8, c->pte_read);
        r->flags |= MIGSIM_REQ_CAS;
        c->writes++;
        w->st_mem_writes++;
    } else {
        c->reads++;
        w->st_mem_reads++;
    }
    c->req = r;
    wk_send(w, c);
    return MIGSIM_OK;
}

static int wk_read_level(xlat_walker_t *w, xlat_walk_t *c)
{
    c->pte_addr = c->table + xlat_level_index(&w->ladder, c->level, c->va) * 8;
    return wk_issue(w, c, MIGSIM_OP_READ, 0);
}

/* End the walk: free the slot, then tell every waiter. */
static void wk_finish(xlat_walker_t *w, xlat_walk_t *c, xlat_walk_status_t st)
{
    xlat_walk_result_t r;
    memset(&r, 0, sizeof r);
    r.status = st;
    r.level = c->level;
    r.size_idx = c->level;
    r.pte = c->pte;
    r.pte_addr = c->pte_addr;
    r.mem_reads = c->reads;
    r.mem_writes = c->writes;
    r.pwc_level = c->pwc_level;
    r.start_ps = c->start_ps;
    r.end_ps = w->k->now;
    uint64_t lat = r.end_ps - r.start_ps;
    w->st_done++;
    w->st_lat_sum_ps += lat;
    if (lat > w->st_lat_max_ps)
        w->st_lat_max_ps = lat;
    if (st == XLAT_WALK_FAULT || st == XLAT_WALK_BAD_PTE)
        w->st_faults++;
    else if (st == XLAT_WALK_MEM_ERROR)
        w->st_mem_errors++;
    xlat_waiter_t *wt = c->head;
    assert(!c->req && !c->in_flight);
    c->head = c->tail = NULL;
    c->active = 0;
    w->active--;
    uint64_t mask = st == XLAT_WALK_OK ? xlat_size(&w->ladder, r.size_idx) - 1 : 0;
    while (wt) {
        xlat_waiter_t *next = wt->next;
        wt->next = NULL;
        r.va = wt->va;
        r.pa = st == XLAT_WALK_OK ? xlat_pte_addr(r.pte) | (wt->va & mask) : 0;
        w->done(w->owner, wt, &r);
        wt = next;
    }
}

void xlat_walker_resp(xlat_walker_t *w, migsim_req_t *req)
{
    xlat_walk_t *c = (xlat_walk_t *)req->cookie;
    assert(xlat_walker_owns(w, req) && c->active && c->in_flight);
    c->in_flight = 0;
    int32_t status = req->status;
    uint8_t op = req->op;
    bool cas_failed = (req->flags & MIGSIM_REQ_CAS_FAILED) != 0;
    uint64_t pte = xlat_pte_decode(req->data);
    migsim_req_free(w->pool, req);
    if (status != 0) {
        wk_finish(w, c, XLAT_WALK_MEM_ERROR);
        return;
    }
    if (op == MIGSIM_OP_WRITE) {
        if (cas_failed) {
            /* the PTE changed under the walk: walk again from the top */
            w->st_cas_retries++;
            c->level = w->ladder.n - 1;
            c->table = w->root;
            c->at_leaf = 0;
            if (wk_read_level(w, c) != 0)
                wk_finish(w, c, XLAT_WALK_MEM_ERROR);
            return;
        }
        wk_finish(w, c, XLAT_WALK_OK); /* the A/D update is in memory */
        return;
    }
    const xlat_ladder_t *l = &w->ladder;
    uint32_t k = c->level;
    c->pte = pte;
    if (!(pte & XLAT_PTE_V)) {
        wk_finish(w, c, XLAT_WALK_FAULT);
        return;
    }
    if (pte & XLAT_PTE_L) {
        if (xlat_pte_addr(pte) & (xlat_size(l, k) - 1)) {
            wk_finish(w, c, XLAT_WALK_BAD_PTE);
            return;
        }
        c->at_leaf = 1;
        uint64_t need = XLAT_PTE_A | (c->write ? XLAT_PTE_D : 0);
        if ((pte & need) != need) {
            c->pte_read = pte;
            c->pte = pte | need;
            if (wk_issue(w, c, MIGSIM_OP_WRITE, c->pte) != 0)
                wk_finish(w, c, XLAT_WALK_MEM_ERROR);
            return;
        }
        wk_finish(w, c, XLAT_WALK_OK);
        return;
    }
    if (k == 0) {
        wk_finish(w, c, XLAT_WALK_BAD_PTE);
        return;
    }
    /*
     * Not when the PWC was invalidated since the walk started: the tables it
     * read may have been freed or rewritten by then, and an entry inserted
     * now would outlive the shootdown meant to remove it.
     */
    if (w->pwc && w->pwc->gen == c->pwc_gen)
        xlat_pwc_insert(w->pwc, k, c->va, pte);
    c->level = k - 1;
    c->table = xlat_pte_addr(pte);
    if (wk_read_level(w, c) != 0)
        wk_finish(w, c, XLAT_WALK_MEM_ERROR);
}

int xlat_walker_translate(xlat_walker_t *w, xlat_waiter_t *wt)
{
    uint64_t key = wt->va >> w->ladder.log2[0];
    bool wr = wt->access == XLAT_ACCESS_WRITE;
    xlat_walk_t *free_slot = NULL;
    uint32_t seen = 0; /* active walks examined: stop once all are and a free slot is known */
    for (uint32_t i = 0; i < w->max_walks && (seen < w->active || !free_slot); i++) {
        xlat_walk_t *c = &w->walks[i];
        if (!c->active) {
            if (!free_slot)
                free_slot = c;
            continue;
        }
        seen++;
        if (c->key != key || (wr && !c->write && c->at_leaf))
            continue;
        if (wr)
            c->write = 1;
        wt->next = NULL;
        c->tail->next = wt;
        c->tail = wt;
        w->st_coalesced++;
        return MIGSIM_OK;
    }
    if (!free_slot) {
        w->st_refused++;
        return MIGSIM_EBUSY;
    }
    xlat_walk_t *c = free_slot;
    c->active = 1;
    c->head = c->tail = wt;
    wt->next = NULL;
    c->key = key;
    c->va = wt->va;
    c->write = wr;
    c->at_leaf = 0;
    c->in_flight = 0;
    c->req = NULL;
    c->reads = c->writes = 0;
    c->pwc_level = 0;
    c->pwc_gen = w->pwc ? w->pwc->gen : 0;
    c->pte = 0;
    c->start_ps = w->k->now;
    c->level = w->ladder.n - 1;
    c->table = w->root;
    uint64_t pte;
    int hit = w->pwc ? xlat_pwc_lookup(w->pwc, wt->va, &pte) : -1;
    if (hit >= 1) {
        c->pwc_level = (uint32_t)hit;
        c->level = (uint32_t)hit - 1;
        c->table = xlat_pte_addr(pte);
        w->st_pwc_hits[hit]++;
    }
    w->active++;
    w->st_walks++;
    if (wk_read_level(w, c) != 0) {
        c->active = 0;
        c->head = c->tail = NULL;
        w->active--;
        w->st_walks--;
        return migsim_error(MIGSIM_ENOMEM, "walker: request pool exhausted");
    }
    return MIGSIM_OK;
}

void xlat_walker_finalize_stats(xlat_walker_t *w)
{
    w->st_lat_avg_ps = w->st_done ? (double)w->st_lat_sum_ps / (double)w->st_done : 0.0;
}
