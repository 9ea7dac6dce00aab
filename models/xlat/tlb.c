/*
 * tlb.c - the TLB and the page-walk cache shared by the CPU MMU and the
 * IOMMU (xlat.h).
 *
 * Design: models/MIGRATION.md, "Page tables (models/xlat/)": TLBs are
 * set-associative with LRU, one array per page size of the ladder, probed
 * together; a page-walk cache keeps non-leaf PTEs per level. Shootdowns of
 * the migrating subpage (US 9,081,764 FIG. 2 block 208) and of the I/O
 * mapping (block 218) come in as xlat_tlb_invalidate_range.
 *
 * Hot path: xlat_tlb_lookup on every translated access: per ladder size one
 * set index (a shift and a mask) and a scan of its ways; a hit updates the
 * set's recency ranks (ways compares). xlat_pwc_lookup on every TLB miss
 * scans at most XLAT_PWC_MAX_ENTRIES entries per level. Nothing allocates
 * after xlat_tlb_init; the page-walk cache holds its entries inline.
 */
#include "xlat/xlat.h"
#include "migsim/errors.h"

#include <stdlib.h>
#include <string.h>

/* ---- TLB ------------------------------------------------------------------- */

int xlat_tlb_init(xlat_tlb_t *t, const xlat_ladder_t *l, const xlat_tlb_cfg_t *cfg)
{
    memset(t, 0, sizeof *t);
    int rc = xlat_ladder_validate(l);
    if (rc)
        return rc;
    t->ladder = *l;
    for (uint32_t k = 0; k < l->n; k++) {
        uint32_t s = cfg->sets[k], w = cfg->ways[k];
        if (s & (s - 1))
            return migsim_error(MIGSIM_ECONFIG, "TLB: sets %u for page size %llu is not a power of two",
                                s, (unsigned long long)xlat_size(l, k));
        if (w > 255)
            return migsim_error(MIGSIM_ECONFIG, "TLB: ways %u for page size %llu exceeds 255", w,
                                (unsigned long long)xlat_size(l, k));
    }
    for (uint32_t k = 0; k < l->n; k++) {
        uint32_t s = cfg->sets[k], w = cfg->ways[k];
        if (!s || !w)
            continue;
        t->arr[k] = calloc((size_t)s * w, sizeof(xlat_tlb_entry_t));
        if (!t->arr[k]) {
            xlat_tlb_fini(t);
            return migsim_error(MIGSIM_ENOMEM, "TLB: out of memory for %u x %u entries", s, w);
        }
        t->sets[k] = s;
        t->ways[k] = w;
        for (size_t i = 0; i < (size_t)s * w; i++)
            t->arr[k][i].rank = (uint8_t)(i % w);
    }
    return MIGSIM_OK;
}

void xlat_tlb_fini(xlat_tlb_t *t)
{
    for (uint32_t k = 0; k < XLAT_MAX_SIZES; k++) {
        free(t->arr[k]);
        t->arr[k] = NULL;
        t->sets[k] = t->ways[k] = 0;
    }
}

/* Make way `w` of the set most recent: the ways more recent than it age by one. */
static inline void tlb_touch(xlat_tlb_entry_t *set, uint32_t ways, uint32_t w)
{
    uint8_t r = set[w].rank;
    for (uint32_t i = 0; i < ways; i++)
        if (set[i].rank < r)
            set[i].rank++;
    set[w].rank = 0;
}

bool xlat_tlb_lookup(xlat_tlb_t *t, uint64_t va, xlat_tlb_hit_t *hit)
{
    t->st_lookups++;
    for (uint32_t k = 0; k < t->ladder.n; k++) {
        uint32_t ways = t->ways[k];
        if (!ways)
            continue;
        uint32_t lg = t->ladder.log2[k];
        uint64_t vpn = va >> lg;
        xlat_tlb_entry_t *set = t->arr[k] + (size_t)(vpn & (t->sets[k] - 1)) * ways;
        for (uint32_t w = 0; w < ways; w++) {
            if (set[w].valid && set[w].vpn == vpn) {
                tlb_touch(set, ways, w);
                hit->pa = set[w].pfn << lg | (va & ((1ull << lg) - 1));
                hit->size_idx = k;
                hit->flags = set[w].flags;
                t->st_hits++;
                t->st_hits_size[k]++;
                return true;
            }
        }
    }
    t->st_misses++;
    return false;
}

void xlat_tlb_insert(xlat_tlb_t *t, uint64_t va, uint64_t pa, uint32_t k, uint16_t flags)
{
    if (k >= t->ladder.n || !t->ways[k]) {
        t->st_drops++;
        return;
    }
    uint32_t ways = t->ways[k], lg = t->ladder.log2[k];
    uint64_t vpn = va >> lg;
    xlat_tlb_entry_t *set = t->arr[k] + (size_t)(vpn & (t->sets[k] - 1)) * ways;
    uint32_t victim = ways;
    for (uint32_t w = 0; w < ways && victim == ways; w++)
        if (set[w].valid && set[w].vpn == vpn)
            victim = w;                                 /* refresh in place */
    if (victim == ways) {
        for (uint32_t w = 0; w < ways && victim == ways; w++)
            if (!set[w].valid)
                victim = w;                             /* lowest invalid way */
        for (uint32_t w = 0; w < ways && victim == ways; w++)
            if (set[w].rank == ways - 1)
                victim = w;                             /* least recently used */
        if (set[victim].valid)
            t->st_evictions++;
    }
    set[victim].vpn = vpn;
    set[victim].pfn = pa >> lg;
    set[victim].flags = (uint16_t)(flags & XLAT_PTE_FLAGS);
    set[victim].valid = 1;
    tlb_touch(set, ways, victim);
    t->st_inserts++;
}

uint64_t xlat_tlb_invalidate_range(xlat_tlb_t *t, uint64_t va, uint64_t len)
{
    if (len == 0)
        return 0;
    uint64_t last_va = va + len - 1 < va ? UINT64_MAX : va + len - 1;
    uint64_t n = 0;
    for (uint32_t k = 0; k < t->ladder.n; k++) {
        uint32_t ways = t->ways[k], sets = t->sets[k];
        if (!ways)
            continue;
        uint32_t lg = t->ladder.log2[k];
        uint64_t lo = va >> lg, hi = last_va >> lg;
        if (hi - lo + 1 >= sets || hi - lo + 1 == 0) {
            /* the range touches every set: scan the array */
            for (size_t i = 0; i < (size_t)sets * ways; i++) {
                xlat_tlb_entry_t *e = &t->arr[k][i];
                if (e->valid && e->vpn >= lo && e->vpn <= hi) {
                    e->valid = 0;
                    n++;
                }
            }
            continue;
        }
        for (uint64_t vpn = lo;; vpn++) {
            xlat_tlb_entry_t *set = t->arr[k] + (size_t)(vpn & (sets - 1)) * ways;
            for (uint32_t w = 0; w < ways; w++)
                if (set[w].valid && set[w].vpn == vpn) {
                    set[w].valid = 0;
                    n++;
                }
            if (vpn == hi)
                break;
        }
    }
    t->st_invalidations += n;
    return n;
}

void xlat_tlb_flush_all(xlat_tlb_t *t)
{
    for (uint32_t k = 0; k < t->ladder.n; k++)
        for (size_t i = 0; i < (size_t)t->sets[k] * t->ways[k]; i++)
            if (t->arr[k][i].valid) {
                t->arr[k][i].valid = 0;
                t->st_invalidations++;
            }
    t->st_flushes++;
}

/* ---- page-walk cache ---------------------------------------------------------- */

int xlat_pwc_init(xlat_pwc_t *p, const xlat_ladder_t *l, const uint32_t *entries)
{
    memset(p, 0, sizeof *p);
    int rc = xlat_ladder_validate(l);
    if (rc)
        return rc;
    p->ladder = *l;
    for (uint32_t k = 1; k < l->n; k++) {
        if (entries[k] > XLAT_PWC_MAX_ENTRIES)
            return migsim_error(MIGSIM_ECONFIG, "page-walk cache: %u entries at level %u (at most %u)",
                                entries[k], k, XLAT_PWC_MAX_ENTRIES);
        p->entries[k] = entries[k];
    }
    return MIGSIM_OK;
}

int xlat_pwc_lookup(xlat_pwc_t *p, uint64_t va, uint64_t *pte)
{
    for (uint32_t k = 1; k < p->ladder.n; k++) {
        uint64_t prefix = va >> p->ladder.log2[k];
        xlat_pwc_entry_t *e = p->e[k];
        for (uint32_t i = 0; i < p->entries[k]; i++) {
            if (e[i].stamp && e[i].prefix == prefix) {
                e[i].stamp = ++p->clock;
                *pte = e[i].pte;
                p->st_hits[k]++;
                return (int)k;
            }
        }
    }
    p->st_misses++;
    return -1;
}

void xlat_pwc_insert(xlat_pwc_t *p, uint32_t level, uint64_t va, uint64_t pte)
{
    if (level == 0 || level >= p->ladder.n || !p->entries[level])
        return;
    uint64_t prefix = va >> p->ladder.log2[level];
    xlat_pwc_entry_t *e = p->e[level];
    uint32_t v = 0;
    for (uint32_t i = 0; i < p->entries[level]; i++) {
        if (e[i].stamp && e[i].prefix == prefix) {
            v = i;
            break;
        }
        if (e[i].stamp < e[v].stamp)
            v = i; /* an invalid entry (stamp 0) or the least recent */
    }
    e[v].prefix = prefix;
    e[v].pte = pte;
    e[v].stamp = ++p->clock;
    p->st_inserts++;
}

uint64_t xlat_pwc_invalidate_range(xlat_pwc_t *p, uint64_t va, uint64_t len)
{
    if (len == 0)
        return 0;
    uint64_t last = va + len - 1 < va ? UINT64_MAX : va + len - 1, n = 0;
    p->gen++;
    for (uint32_t k = 1; k < p->ladder.n; k++) {
        uint32_t lg = p->ladder.log2[k];
        for (uint32_t i = 0; i < p->entries[k]; i++) {
            xlat_pwc_entry_t *e = &p->e[k][i];
            if (e->stamp && e->prefix >= va >> lg && e->prefix <= last >> lg) {
                e->stamp = 0;
                n++;
            }
        }
    }
    p->st_invalidations += n;
    return n;
}

void xlat_pwc_flush_all(xlat_pwc_t *p)
{
    p->gen++;
    for (uint32_t k = 1; k < p->ladder.n; k++)
        for (uint32_t i = 0; i < p->entries[k]; i++)
            if (p->e[k][i].stamp) {
                p->e[k][i].stamp = 0;
                p->st_invalidations++;
            }
}
