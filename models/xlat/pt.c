/*
 * pt.c - the page-size ladder and the page-table format, and the OS-side
 * builder that writes page tables into simulated memory (xlat.h).
 *
 * Design: models/MIGRATION.md, "Page tables (models/xlat/)"; the mapping of
 * a large page as subpage PTEs (US 9,081,764 FIG. 2 block 202) and as the
 * largest aligned PTEs that fit (FIG. 4 item 450, claims 8/18).
 *
 * Workload: the migration controller maps, invalidates and retargets a few
 * PTEs per migration step, and maps or unmaps up to 65,536 subpage PTEs at
 * the start and end of a migration. Every operation is a descent of at
 * most n levels with functional 8-byte reads and writes (zero simulated
 * time); nothing here is on a per-access hot path. Tables come from the
 * reserved region by bump allocation and per-level free lists threaded
 * through the freed tables themselves.
 */
#include "xlat/xlat.h"
#include "migsim/errors.h"
#include "migsim/sim.h"

#include <assert.h>
#include <inttypes.h>
#include <ctype.h>
#include <string.h>

/* ---- ladder ---------------------------------------------------------------- */

void xlat_ladder_default(xlat_ladder_t *l)
{
    static const uint8_t def[] = { 12, 16, 20, 24, 28, 32 };
    memset(l, 0, sizeof *l);
    l->n = 6;
    memcpy(l->log2, def, sizeof def);
    l->va_bits = 48;
}

int xlat_ladder_validate(const xlat_ladder_t *l)
{
    if (l->n < 1 || l->n > XLAT_MAX_SIZES)
        return migsim_error(MIGSIM_ECONFIG, "page-size ladder: %u sizes (expected 1..%u)", l->n,
                            XLAT_MAX_SIZES);
    for (uint32_t k = 0; k < l->n; k++) {
        if (l->log2[k] < XLAT_MIN_LOG2)
            return migsim_error(MIGSIM_ECONFIG, "page-size ladder: size[%u] = 2^%u is below 4 KiB",
                                k, l->log2[k]);
        if (k > 0 && l->log2[k] <= l->log2[k - 1])
            return migsim_error(MIGSIM_ECONFIG,
                                "page-size ladder: size[%u] = 2^%u is not larger than size[%u] = 2^%u",
                                k, l->log2[k], k - 1, l->log2[k - 1]);
    }
    if (l->va_bits > XLAT_MAX_VA_BITS || l->va_bits < l->log2[l->n - 1])
        return migsim_error(MIGSIM_ECONFIG,
                            "page-size ladder: va_bits %u must be in %u..%u (the largest size is 2^%u)",
                            l->va_bits, l->log2[l->n - 1], XLAT_MAX_VA_BITS, l->log2[l->n - 1]);
    return MIGSIM_OK;
}

int xlat_ladder_from_sizes(xlat_ladder_t *l, const uint64_t *sizes, uint32_t n, uint32_t va_bits)
{
    memset(l, 0, sizeof *l);
    if (n < 1 || n > XLAT_MAX_SIZES)
        return migsim_error(MIGSIM_ECONFIG, "page-size ladder: %u sizes (expected 1..%u)", n,
                            XLAT_MAX_SIZES);
    if (va_bits > XLAT_MAX_VA_BITS)
        return migsim_error(MIGSIM_ECONFIG, "page-size ladder: va_bits %u exceeds %u", va_bits,
                            XLAT_MAX_VA_BITS);
    for (uint32_t k = 0; k < n; k++) {
        uint64_t s = sizes[k];
        if (s == 0 || (s & (s - 1)))
            return migsim_error(MIGSIM_ECONFIG,
                                "page-size ladder: size[%u] = %" PRIu64 " is not a power of two", k, s);
        if (s < (1ull << XLAT_MIN_LOG2))
            return migsim_error(MIGSIM_ECONFIG,
                                "page-size ladder: size[%u] = %" PRIu64 " is below 4 KiB", k, s);
        uint32_t lg = 0;
        while ((1ull << lg) != s)
            lg++;
        if (lg > va_bits)
            return migsim_error(MIGSIM_ECONFIG,
                                "page-size ladder: size[%u] = %" PRIu64 " exceeds 2^va_bits (va_bits %u)",
                                k, s, va_bits);
        l->log2[k] = (uint8_t)lg;
    }
    l->n = n;
    l->va_bits = (uint8_t)va_bits;
    return xlat_ladder_validate(l);
}

int xlat_ladder_index(const xlat_ladder_t *l, uint64_t size)
{
    for (uint32_t k = 0; k < l->n; k++)
        if (xlat_size(l, k) == size)
            return (int)k;
    return -1;
}

/* ---- functional memory ------------------------------------------------------ */

static uint64_t pt_rd(const xlat_pt_t *pt, uint64_t addr)
{
    uint8_t b[8];
    pt->mem.read(pt->mem.ctx, addr, b, 8);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

uint64_t xlat_pt_read(const xlat_pt_t *pt, uint64_t pte_addr) { return pt_rd(pt, pte_addr); }

static int pt_wr(xlat_pt_t *pt, uint64_t addr, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    pt->pte_writes++;
    return pt->mem.write(pt->mem.ctx, addr, b, 8) ? MIGSIM_ENOMEM : MIGSIM_OK;
}

/* Make [pa, pa+bytes) read as zero, writing only the 4 KiB chunks that do not. */
static int pt_zero(xlat_pt_t *pt, uint64_t pa, uint64_t bytes)
{
    static const uint8_t zeros[XLAT_TABLE_ALIGN];
    uint8_t buf[XLAT_TABLE_ALIGN];
    for (uint64_t off = 0; off < bytes; off += XLAT_TABLE_ALIGN) {
        uint64_t n = bytes - off < XLAT_TABLE_ALIGN ? bytes - off : XLAT_TABLE_ALIGN;
        pt->mem.read(pt->mem.ctx, pa + off, buf, (size_t)n);
        if (memcmp(buf, zeros, (size_t)n) != 0 &&
            pt->mem.write(pt->mem.ctx, pa + off, zeros, (size_t)n) != 0)
            return MIGSIM_ENOMEM;
    }
    return MIGSIM_OK;
}

/* True when every entry of the level-k table at `table` is zero. */
static bool pt_table_empty(const xlat_pt_t *pt, uint64_t table, uint32_t k)
{
    static const uint8_t zeros[512];
    uint8_t buf[512];
    uint64_t bytes = xlat_level_entries(&pt->ladder, k) * 8;
    for (uint64_t off = 0; off < bytes; off += sizeof buf) {
        size_t n = (size_t)(bytes - off < sizeof buf ? bytes - off : sizeof buf);
        pt->mem.read(pt->mem.ctx, table + off, buf, n);
        if (memcmp(buf, zeros, n) != 0)
            return false;
    }
    return true;
}

/* ---- table allocator -------------------------------------------------------- */

/* Tables of levels [lo, hi] could be allocated now (one each)? */
static bool pt_can_alloc(const xlat_pt_t *pt, uint32_t lo, uint32_t hi)
{
    uint64_t need = 0;
    for (uint32_t j = lo; j <= hi; j++)
        if (!pt->free_head[j])
            need += pt->table_bytes[j];
    return need <= pt->pt_end - pt->bump;
}

/* A zeroed level-k table. MIGSIM_ERANGE when the region is exhausted. */
static int pt_alloc(xlat_pt_t *pt, uint32_t k, uint64_t *out)
{
    uint64_t t = pt->free_head[k];
    if (t) {
        pt->free_head[k] = pt_rd(pt, t);
        if (pt_wr(pt, t, 0)) /* the rest of a freed table is already zero */
            return MIGSIM_ENOMEM;
    } else {
        if (pt->table_bytes[k] > pt->pt_end - pt->bump)
            return migsim_error(MIGSIM_ERANGE,
                                "page table: region [0x%" PRIx64 ", 0x%" PRIx64 ") exhausted "
                                "(a level-%u table needs %" PRIu64 " bytes, %" PRIu64 " left)",
                                pt->pt_base, pt->pt_end, k, pt->table_bytes[k], pt->pt_end - pt->bump);
        t = pt->bump;
        if (pt_zero(pt, t, pt->table_bytes[k]))
            return MIGSIM_ENOMEM;
        pt->bump += pt->table_bytes[k];
    }
    if (++pt->tables_in_use > pt->tables_peak)
        pt->tables_peak = pt->tables_in_use;
    *out = t;
    return MIGSIM_OK;
}

/* Give back an all-zero level-k table. */
static int pt_free(xlat_pt_t *pt, uint32_t k, uint64_t t)
{
    assert(t != pt->root && t != 0);
    int rc = pt_wr(pt, t, pt->free_head[k]);
    pt->free_head[k] = t;
    pt->tables_in_use--;
    return rc;
}

int xlat_pt_create(xlat_pt_t *pt, const xlat_pt_cfg_t *cfg)
{
    memset(pt, 0, sizeof *pt);
    int rc = xlat_ladder_validate(&cfg->ladder);
    if (rc)
        return rc;
    if (!cfg->mem.read || !cfg->mem.write)
        return migsim_error(MIGSIM_ECONFIG, "page table: no functional memory");
    uint64_t align = cfg->table_align_bytes ? cfg->table_align_bytes : XLAT_TABLE_ALIGN;
    if (align < XLAT_TABLE_ALIGN || (align & (align - 1)))
        return migsim_error(MIGSIM_ECONFIG,
                            "page table: table_align_bytes %" PRIu64 " is not a power of two >= 4096",
                            align);
    if (cfg->pt_base % align)
        return migsim_error(MIGSIM_ECONFIG, "page table: pt_base 0x%" PRIx64 " is not %" PRIu64
                            "-byte aligned", cfg->pt_base, align);
    if (cfg->pt_base + cfg->pt_bytes < cfg->pt_base)
        return migsim_error(MIGSIM_ECONFIG, "page table: region wraps around the address space");
    pt->ladder = cfg->ladder;
    pt->mem = cfg->mem;
    pt->align = align;
    pt->pt_base = cfg->pt_base;
    pt->pt_end = cfg->pt_base + cfg->pt_bytes;
    for (uint32_t k = 0; k < pt->ladder.n; k++) {
        uint64_t b = xlat_level_entries(&pt->ladder, k) * 8;
        pt->table_bytes[k] = (b + align - 1) & ~(align - 1);
    }
    uint32_t top = pt->ladder.n - 1;
    if (pt->table_bytes[top] > cfg->pt_bytes)
        return migsim_error(MIGSIM_ECONFIG, "page table: region of %" PRIu64
                            " bytes cannot hold the top table (%" PRIu64 " bytes)",
                            cfg->pt_bytes, pt->table_bytes[top]);
    pt->bump = pt->pt_base;
    return pt_alloc(pt, top, &pt->root);
}

/* ---- descent ----------------------------------------------------------------- */

/* Where a descent toward va stopped. */
typedef struct pt_path_s {
    uint64_t table[XLAT_MAX_SIZES];     /* table visited at each level (valid for levels >= stop) */
    uint64_t slot[XLAT_MAX_SIZES];      /* PA of the entry for va at each visited level */
    uint32_t stop;                      /* level of the last entry read */
    uint64_t pte;                       /* that entry: 0 (empty) or a leaf, or a table at level `until` */
} pt_path_t;

/* Descend from the top toward va, stopping at an empty slot, a leaf, or level `until`. */
static void pt_descend(const xlat_pt_t *pt, uint64_t va, uint32_t until, pt_path_t *p)
{
    const xlat_ladder_t *l = &pt->ladder;
    uint64_t table = pt->root;
    for (uint32_t k = l->n - 1;; k--) {
        uint64_t slot = table + xlat_level_index(l, k, va) * 8;
        uint64_t e = pt_rd(pt, slot);
        p->table[k] = table;
        p->slot[k] = slot;
        p->stop = k;
        p->pte = e;
        if (e == 0 || (e & XLAT_PTE_L) || k == until)
            return; /* k == 0 always stops here, so a corrupt non-leaf at level 0 is never followed */
        table = xlat_pte_addr(e);
    }
}

static bool pt_va_ok(const xlat_pt_t *pt, uint64_t va)
{
    return pt->ladder.va_bits >= 64 || (va >> pt->ladder.va_bits) == 0;
}

/*
 * The entries [*i0, *i1] of a level-k table starting at VA `base` that
 * overlap [lo, hi] (byte addresses, inclusive; hi >= base).
 */
static void pt_span(const xlat_ladder_t *l, uint32_t k, uint64_t base, uint64_t lo, uint64_t hi,
                    uint64_t *i0, uint64_t *i1)
{
    uint64_t n = xlat_level_entries(l, k);
    *i0 = lo > base ? (lo - base) >> l->log2[k] : 0;
    *i1 = (hi - base) >> l->log2[k];
    if (*i1 >= n)
        *i1 = n - 1;
}

/*
 * Clear every leaf under the level-k table `t` that overlaps [lo, hi] (byte
 * addresses, inclusive; `base` is the VA the table starts at), freeing
 * child tables that become empty. Returns leaves removed.
 */
static int64_t pt_clear(xlat_pt_t *pt, uint64_t t, uint32_t k, uint64_t base, uint64_t lo,
                        uint64_t hi)
{
    uint64_t sz = xlat_size(&pt->ladder, k), i0, i1;
    pt_span(&pt->ladder, k, base, lo, hi, &i0, &i1);
    int64_t removed = 0;
    for (uint64_t i = i0; i <= i1; i++) {
        uint64_t e = pt_rd(pt, t + i * 8);
        if (!e)
            continue;
        if (e & XLAT_PTE_L) {
            removed++;
        } else if (k > 0) {
            uint64_t child = xlat_pte_addr(e);
            int64_t r = pt_clear(pt, child, k - 1, base + i * sz, lo, hi);
            if (r < 0)
                return r;
            removed += r;
            if (!pt_table_empty(pt, child, k - 1))
                continue;
            if (pt_free(pt, k - 1, child))
                return MIGSIM_ENOMEM;
        }
        if (pt_wr(pt, t + i * 8, 0))
            return MIGSIM_ENOMEM;
    }
    return removed;
}

/* After slot at level p->stop was cleared: free tables left empty, bottom up (not the top). */
static int pt_prune(xlat_pt_t *pt, const pt_path_t *p)
{
    for (uint32_t k = p->stop; k + 1 < pt->ladder.n; k++) {
        if (!pt_table_empty(pt, p->table[k], k))
            return MIGSIM_OK;
        if (pt_free(pt, k, p->table[k]) || pt_wr(pt, p->slot[k + 1], 0))
            return MIGSIM_ENOMEM;
    }
    return MIGSIM_OK;
}

/* ---- mapping ------------------------------------------------------------------ */

int xlat_pt_map(xlat_pt_t *pt, uint64_t va, uint64_t pa, uint32_t k, unsigned opts)
{
    const xlat_ladder_t *l = &pt->ladder;
    if (k >= l->n)
        return migsim_error(MIGSIM_EINVAL, "page table: size index %u not on the ladder (%u sizes)",
                            k, l->n);
    uint64_t sz = xlat_size(l, k);
    if ((va | pa) & (sz - 1))
        return migsim_error(MIGSIM_EINVAL, "page table: va 0x%" PRIx64 " or pa 0x%" PRIx64
                            " not aligned to the page size %" PRIu64, va, pa, sz);
    if (!pt_va_ok(pt, va))
        return migsim_error(MIGSIM_EINVAL, "page table: va 0x%" PRIx64 " beyond %u bits", va,
                            l->va_bits);
    pt_path_t p;
    pt_descend(pt, va, k, &p);
    /* plan: what is in the way, and which tables are needed */
    bool need_tables = p.stop > k;          /* empty slot or larger leaf above level k */
    bool conflict = (p.stop > k && p.pte != 0) ||            /* larger leaf covers va */
                    (p.stop == k && p.pte && !(p.pte & XLAT_PTE_L)); /* smaller ones below */
    if (conflict && !(opts & XLAT_MAP_REPLACE))
        return migsim_error(MIGSIM_ESTATE,
                            "page table: mapping 0x%" PRIx64 " as a %" PRIu64
                            "-byte page conflicts with a mapping of another size at level %u",
                            va, sz, p.stop);
    if (need_tables && !pt_can_alloc(pt, k, p.stop - 1))
        return migsim_error(MIGSIM_ERANGE,
                            "page table: region [0x%" PRIx64 ", 0x%" PRIx64 ") exhausted: "
                            "cannot allocate the tables of levels %u..%u to map 0x%" PRIx64,
                            pt->pt_base, pt->pt_end, k, p.stop - 1, va);
    /* execute */
    if (p.stop == k && p.pte && !(p.pte & XLAT_PTE_L) && k > 0) {
        uint64_t child = xlat_pte_addr(p.pte);
        int64_t r = pt_clear(pt, child, k - 1, va, va, va + sz - 1);
        if (r < 0)
            return (int)r;
        if (pt_free(pt, k - 1, child))
            return MIGSIM_ENOMEM;
    }
    uint64_t slot = p.slot[p.stop];
    for (uint32_t j = p.stop; j > k; j--) {
        uint64_t t;
        int rc = pt_alloc(pt, j - 1, &t);
        assert(rc != MIGSIM_ERANGE); /* checked by pt_can_alloc */
        if (rc || pt_wr(pt, slot, t | XLAT_PTE_V))
            return rc ? rc : MIGSIM_ENOMEM;
        slot = t + xlat_level_index(l, j - 1, va) * 8;
    }
    uint64_t pte = pa | XLAT_PTE_L;
    if (!(opts & XLAT_MAP_INVALID))
        pte |= XLAT_PTE_V;
    if (opts & XLAT_MAP_ACCESSED)
        pte |= XLAT_PTE_A;
    if (opts & XLAT_MAP_DIRTY)
        pte |= XLAT_PTE_D;
    return pt_wr(pt, slot, pte);
}

int xlat_ladder_largest(const xlat_ladder_t *l, uint64_t a, uint64_t b, uint64_t left)
{
    for (int j = (int)l->n - 1; j >= 0; j--) {
        uint64_t s = xlat_size(l, (uint32_t)j);
        if (s <= left && !((a | b) & (s - 1)))
            return j;
    }
    return -1;
}

int64_t xlat_pt_map_range(xlat_pt_t *pt, uint64_t va, uint64_t pa, uint64_t len,
                          xlat_map_mode_t mode, uint32_t size_idx, unsigned opts)
{
    const xlat_ladder_t *l = &pt->ladder;
    uint64_t unit;
    if (mode == XLAT_MAP_FIXED) {
        if (size_idx >= l->n)
            return migsim_error(MIGSIM_EINVAL, "page table: size index %u not on the ladder", size_idx);
        unit = xlat_size(l, size_idx);
    } else if (mode == XLAT_MAP_LARGEST) {
        unit = xlat_size(l, 0);
    } else {
        return migsim_error(MIGSIM_EINVAL, "page table: unknown map mode %d", (int)mode);
    }
    if ((va | pa | len) & (unit - 1))
        return migsim_error(MIGSIM_EINVAL, "page table: range va 0x%" PRIx64 " pa 0x%" PRIx64
                            " len 0x%" PRIx64 " not aligned to %" PRIu64, va, pa, len, unit);
    int64_t n = 0;
    for (uint64_t off = 0; off < len;) {
        uint32_t k = size_idx;
        if (mode == XLAT_MAP_LARGEST)
            k = (uint32_t)xlat_ladder_largest(l, va + off, pa + off, len - off);
        int rc = xlat_pt_map(pt, va + off, pa + off, k, opts);
        if (rc)
            return rc;
        off += xlat_size(l, k);
        n++;
    }
    return n;
}

uint64_t xlat_pt_count_cover(const xlat_ladder_t *l, uint64_t va, uint64_t len)
{
    uint64_t unit = xlat_size(l, 0), n = 0;
    if ((va | len) & (unit - 1))
        return 0;
    for (uint64_t off = 0; off < len; n++)
        off += xlat_size(l, (uint32_t)xlat_ladder_largest(l, va + off, va + off, len - off));
    return n;
}

/* ---- queries and single-PTE updates --------------------------------------- */

bool xlat_pt_lookup(const xlat_pt_t *pt, uint64_t va, xlat_map_t *out)
{
    if (!pt_va_ok(pt, va))
        return false;
    pt_path_t p;
    pt_descend(pt, va, 0, &p);
    if (!(p.pte & XLAT_PTE_L))
        return false;
    uint64_t sz = xlat_size(&pt->ladder, p.stop);
    out->va = va & ~(sz - 1);
    out->pa = xlat_pte_addr(p.pte);
    out->pte = p.pte;
    out->pte_addr = p.slot[p.stop];
    out->size_idx = p.stop;
    return true;
}

/* Descend to the leaf covering va; MIGSIM_ENOENT when none. */
static int pt_leaf(const xlat_pt_t *pt, uint64_t va, pt_path_t *p)
{
    if (!pt_va_ok(pt, va))
        return MIGSIM_ENOENT;
    pt_descend(pt, va, 0, p);
    return (p->pte & XLAT_PTE_L) ? MIGSIM_OK : MIGSIM_ENOENT;
}

int xlat_pt_unmap(xlat_pt_t *pt, uint64_t va)
{
    pt_path_t p;
    if (pt_leaf(pt, va, &p))
        return MIGSIM_ENOENT;
    if (pt_wr(pt, p.slot[p.stop], 0) || pt_prune(pt, &p))
        return MIGSIM_ENOMEM;
    return (int)p.stop;
}

int64_t xlat_pt_unmap_range(xlat_pt_t *pt, uint64_t va, uint64_t len)
{
    if (len == 0)
        return 0;
    uint64_t hi = va + len - 1;
    if (hi < va || !pt_va_ok(pt, va))
        return migsim_error(MIGSIM_EINVAL, "page table: range 0x%" PRIx64 "+0x%" PRIx64
                            " outside the address space", va, len);
    if (!pt_va_ok(pt, hi))
        hi = (1ull << pt->ladder.va_bits) - 1;
    return pt_clear(pt, pt->root, pt->ladder.n - 1, 0, va, hi);
}

/* Set or clear flag bit `bit` of the leaf covering va; its previous state, or a negative code. */
static int pt_set_flag(xlat_pt_t *pt, uint64_t va, uint64_t bit, bool on)
{
    pt_path_t p;
    if (pt_leaf(pt, va, &p))
        return MIGSIM_ENOENT;
    int was = (p.pte & bit) != 0;
    uint64_t e = on ? p.pte | bit : p.pte & ~bit;
    if (e != p.pte && pt_wr(pt, p.slot[p.stop], e))
        return MIGSIM_ENOMEM;
    return was;
}

int xlat_pt_set_valid(xlat_pt_t *pt, uint64_t va, bool valid)
{
    return pt_set_flag(pt, va, XLAT_PTE_V, valid);
}

int xlat_pt_clear_dirty(xlat_pt_t *pt, uint64_t va)
{
    return pt_set_flag(pt, va, XLAT_PTE_D, false);
}

int xlat_pt_retarget(xlat_pt_t *pt, uint64_t va, uint64_t new_pa)
{
    pt_path_t p;
    if (pt_leaf(pt, va, &p))
        return MIGSIM_ENOENT;
    uint64_t sz = xlat_size(&pt->ladder, p.stop);
    if (new_pa & (sz - 1))
        return migsim_error(MIGSIM_EINVAL, "page table: new pa 0x%" PRIx64
                            " not aligned to the %" PRIu64 "-byte page at 0x%" PRIx64, new_pa, sz, va);
    return pt_wr(pt, p.slot[p.stop], new_pa | (p.pte & XLAT_PTE_FLAGS));
}

int xlat_pt_split(xlat_pt_t *pt, uint64_t va)
{
    pt_path_t p;
    if (pt_leaf(pt, va, &p))
        return MIGSIM_ENOENT;
    uint32_t k = p.stop;
    if (k == 0)
        return migsim_error(MIGSIM_EINVAL, "page table: the page at 0x%" PRIx64
                            " already has the smallest size", va);
    uint64_t t;
    int rc = pt_alloc(pt, k - 1, &t);
    if (rc)
        return rc;
    uint64_t sub = xlat_size(&pt->ladder, k - 1), base = xlat_pte_addr(p.pte);
    uint64_t flags = p.pte & XLAT_PTE_FLAGS, n = xlat_level_entries(&pt->ladder, k - 1);
    for (uint64_t i = 0; i < n; i++)
        if (pt_wr(pt, t + i * 8, (base + i * sub) | flags))
            return MIGSIM_ENOMEM;
    return pt_wr(pt, p.slot[k], t | XLAT_PTE_V);
}

static uint64_t pt_count(const xlat_pt_t *pt, uint64_t t, uint32_t k, uint64_t base, uint64_t lo,
                         uint64_t hi)
{
    uint64_t sz = xlat_size(&pt->ladder, k), i0, i1;
    pt_span(&pt->ladder, k, base, lo, hi, &i0, &i1);
    uint64_t c = 0;
    for (uint64_t i = i0; i <= i1; i++) {
        uint64_t e = pt_rd(pt, t + i * 8);
        if (!e)
            continue;
        if (e & XLAT_PTE_L)
            c++;
        else if (k > 0)
            c += pt_count(pt, xlat_pte_addr(e), k - 1, base + i * sz, lo, hi);
    }
    return c;
}

uint64_t xlat_pt_count_leaves(const xlat_pt_t *pt, uint64_t va, uint64_t len)
{
    if (len == 0 || !pt_va_ok(pt, va))
        return 0;
    uint64_t hi = va + len - 1;
    if (hi < va || !pt_va_ok(pt, hi))
        hi = (1ull << pt->ladder.va_bits) - 1;
    return pt_count(pt, pt->root, pt->ladder.n - 1, 0, va, hi);
}

int xlat_ladder_parse(const char *str, uint64_t *sizes, uint32_t *n)
{
    *n = 0;
    const char *p = str;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        const char *end = p;
        while (*end && *end != ',')
            end++;
        const char *last = end;
        while (last > p && isspace((unsigned char)last[-1]))
            last--;
        char item[32];
        size_t len = (size_t)(last - p);
        if (len == 0 || len >= sizeof item)
            return migsim_error(MIGSIM_ECONFIG, "ladder \"%s\": item %u is empty or too long",
                                str, *n + 1);
        if (*n == XLAT_MAX_SIZES)
            return migsim_error(MIGSIM_ECONFIG, "ladder \"%s\" has more than %u sizes", str,
                                XLAT_MAX_SIZES);
        memcpy(item, p, len);
        item[len] = '\0';
        int prc = migsim_parse_size(item, &sizes[*n]);
        if (prc == MIGSIM_ERANGE)
            return migsim_error(MIGSIM_ECONFIG, "ladder \"%s\": \"%s\" overflows 64 bits", str, item);
        if (prc != 0)
            return migsim_error(MIGSIM_ECONFIG, "ladder \"%s\": \"%s\" is not a size", str, item);
        (*n)++;
        if (!*end)
            return MIGSIM_OK;
        p = end + 1;
    }
}
