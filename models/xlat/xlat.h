/*
 * xlat.h - address translation shared by the CPU MMU and the IOMMU: the
 * page-size ladder, the radix page-table format and its OS-side builder,
 * the TLB, the page-walk cache and the walk engine.
 *
 * Design: models/MIGRATION.md, section "Page tables (models/xlat/)". The
 * mixed-size mapping of a page under migration is US 9,081,764 FIG. 4 item
 * 450 (claims 8/18); the subpage mapping is FIG. 2 block 202.
 *
 * None of these is a component: each is a plain C object that an owning
 * component (cpu_mmu, iommu, migctl) embeds, initialises from its own
 * parameters and drives. Hot paths: xlat_tlb_lookup() on every access
 * (one set probe per ladder size, no allocation), xlat_pwc_lookup() and the
 * walker's per-level response handling on every TLB miss. The page-table
 * builder runs in zero simulated time on the OS side.
 *
 * Page-table format (one format for both page tables):
 *   - the ladder is a list of n page sizes, powers of two >= 4 KiB, smallest
 *     first; ladder index k names size_k = 2^log2[k]. size_n stands for
 *     2^va_bits.
 *   - a table at level k (0 <= k < n) has one entry per size_k page of the
 *     size_{k+1} region it translates: size_{k+1} / size_k entries, indexed
 *     by VA bits [log2[k], log2[k+1]) (for the top, k = n-1, up to va_bits).
 *     With the default ladder 4K,64K,1M,16M,256M,4G and 48-bit VAs the top
 *     table (level 5) has 2^16 entries and every other level 16.
 *   - the walk starts at the top (level n-1) and goes down; a leaf at level
 *     k maps one page of ladder size k. A size-k translation costs n - k
 *     PTE reads without page-walk-cache hits.
 *   - a PTE is 8 bytes, little-endian: bit 0 valid, bit 1 leaf, bit 2
 *     accessed, bit 3 dirty, bits 4..11 OS software bits (XLAT_PTE_SW:
 *     no walker, TLB or page-walk cache gives them any meaning; the
 *     builder writes them zero and keeps them on retarget, split and flag
 *     changes; the accessed-bit scanner, models/ascan/ascan.h, keeps a
 *     page's access history in bits 4..7 and its activity class in bits
 *     8..10; bit 11 is free), bits 12..63 the
 *     physical address of the next table (non-leaf; tables are 4 KiB
 *     aligned) or of the page (leaf; aligned to size_k). A PTE word of zero
 *     is an empty slot; a leaf with its valid bit clear is still present (the
 *     OS invalidated it, e.g. the migrating subpage, FIG. 2 block 208) and a
 *     walk that reaches it faults.
 */
#ifndef MIGSIM_MODELS_XLAT_H
#define MIGSIM_MODELS_XLAT_H

#include <stdbool.h>
#include <stdint.h>

#include "migsim/kernel.h"
#include "migsim/port.h"
#include "migsim/req.h"
#include "migsim/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the page-size ladder -------------------------------------------------- */

#define XLAT_MAX_SIZES 8u           /* ladder entries at most */
#define XLAT_MIN_LOG2 12u           /* 4 KiB: the smallest page and the table granule */
#define XLAT_MAX_VA_BITS 57u        /* widest virtual address */

typedef struct xlat_ladder_s {
    uint32_t n;                     /* page sizes, 1..XLAT_MAX_SIZES */
    uint8_t log2[XLAT_MAX_SIZES];   /* log2 of each size in bytes, strictly increasing, >= 12 */
    uint8_t va_bits;                /* VA width in bits, log2[n-1]..XLAT_MAX_VA_BITS */
} xlat_ladder_t;

/* The default ladder: 4K, 64K, 1M, 16M, 256M, 4G with 48-bit addresses. */
void xlat_ladder_default(xlat_ladder_t *l);

/*
 * Build a ladder from sizes in bytes (smallest first) and check it. 0, or
 * MIGSIM_ECONFIG with a message naming the offending entry (not a power of
 * two, below 4 KiB, not increasing, larger than 2^va_bits, bad count/width).
 */
/*
 * Parse a ladder written as sizes separated by commas ("4K,64K,1M,16M,256M,4G";
 * suffixes K, M, G, KiB, ...; spaces allowed) into sizes[XLAT_MAX_SIZES], *n
 * of them. 0, or MIGSIM_ECONFIG naming the item that is empty, too long or
 * not a size. The order and values are checked by xlat_ladder_from_sizes.
 */
int xlat_ladder_parse(const char *str, uint64_t *sizes, uint32_t *n);

int xlat_ladder_from_sizes(xlat_ladder_t *l, const uint64_t *sizes, uint32_t n, uint32_t va_bits);

/* Check a ladder filled by hand. 0 or MIGSIM_ECONFIG with a message. */
int xlat_ladder_validate(const xlat_ladder_t *l);

/* Bytes of ladder size k (k < n). */
static inline uint64_t xlat_size(const xlat_ladder_t *l, uint32_t k)
{
    return 1ull << l->log2[k];
}

/* log2 of the region a level-k table translates: log2[k+1], or va_bits for the top. */
static inline uint32_t xlat_level_top(const xlat_ladder_t *l, uint32_t k)
{
    return k + 1 < l->n ? l->log2[k + 1] : l->va_bits;
}

/* Entries of a level-k table. */
static inline uint64_t xlat_level_entries(const xlat_ladder_t *l, uint32_t k)
{
    return 1ull << (xlat_level_top(l, k) - l->log2[k]);
}

/* Index of the level-k entry for `va`. */
static inline uint64_t xlat_level_index(const xlat_ladder_t *l, uint32_t k, uint64_t va)
{
    return (va >> l->log2[k]) & (xlat_level_entries(l, k) - 1);
}

/* Ladder index of a size in bytes, or -1 when it is not on the ladder. */
int xlat_ladder_index(const xlat_ladder_t *l, uint64_t size);

/*
 * Ladder index of the largest page size that divides both a and b (a VA and
 * its PA) and is at most `left` bytes; -1 if none (the XLAT_MAP_LARGEST
 * choice at one position).
 */
int xlat_ladder_largest(const xlat_ladder_t *l, uint64_t a, uint64_t b, uint64_t left);

/* ---- PTE format -------------------------------------------------------------- */

#define XLAT_PTE_V 0x1ull                 /* valid */
#define XLAT_PTE_L 0x2ull                 /* leaf */
#define XLAT_PTE_A 0x4ull                 /* accessed */
#define XLAT_PTE_D 0x8ull                 /* dirty */
#define XLAT_PTE_SW 0xff0ull              /* bits 4..11: OS software bits, ignored by hardware */
#define XLAT_PTE_FLAGS 0xfffull           /* bits 0..11 */
#define XLAT_PTE_ADDR (~0xfffull)         /* bits 12..63 */
#define XLAT_TABLE_ALIGN 4096u            /* tables start on 4 KiB boundaries */

static inline uint64_t xlat_pte_addr(uint64_t pte) { return pte & XLAT_PTE_ADDR; }

/* A PTE word from its 8 bytes as held in memory (little-endian), and back. */
static inline uint64_t xlat_pte_decode(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

static inline void xlat_pte_encode(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

/* ---- OS-side page-table builder ----------------------------------------------- */

typedef enum xlat_map_mode_e {
    XLAT_MAP_LARGEST = 0,   /* largest ladder pages aligned in VA and PA that fit (FIG. 4, 450) */
    XLAT_MAP_FIXED = 1,     /* every page of one given size (FIG. 2, 202) */
} xlat_map_mode_t;

/* Options of xlat_pt_map / xlat_pt_map_range (bit mask). */
#define XLAT_MAP_REPLACE  0x1u  /* remove overlapping mappings of another shape instead of failing */
#define XLAT_MAP_INVALID  0x2u  /* write the leaf with its valid bit clear */
#define XLAT_MAP_ACCESSED 0x4u  /* write the leaf with A set */
#define XLAT_MAP_DIRTY    0x8u  /* write the leaf with D set */

typedef struct xlat_pt_cfg_s {
    xlat_ladder_t ladder;       /* validated by xlat_pt_create */
    migsim_fmem_t mem;          /* functional memory holding the tables (borrowed ctx) */
    uint64_t pt_base;           /* reserved PA region start, multiple of table_align_bytes */
    uint64_t pt_bytes;          /* reserved PA region length, bytes */
    uint64_t table_align_bytes; /* each table starts on a multiple of this: power of two >= 4096
                                   (0 = 4096). Larger values spread consecutive tables over
                                   DRAM banks; the top table always starts at pt_base */
} xlat_pt_cfg_t;

/*
 * One page table in simulated memory. Table pages come from
 * [pt_base, pt_base + pt_bytes): a bump pointer, plus one free list per
 * level of tables given back. A table whose last entry is cleared (unmap,
 * replace) is freed at once and its parent entry cleared, up to but not
 * including the top table; freed tables are zeroed when reused. The free
 * lists are threaded through the first 8 bytes of the freed tables
 * themselves, so the builder never allocates host memory after create.
 * Exhaustion is an error (MIGSIM_ERANGE) and leaves the tree as it was.
 * The emptiness check scans the table's entries (16 with the default
 * ladder).
 */
typedef struct xlat_pt_s {
    xlat_ladder_t ladder;       /* copy */
    migsim_fmem_t mem;          /* borrowed memory, zero simulated time */
    uint64_t pt_base, pt_end;   /* reserved region [pt_base, pt_end), bytes */
    uint64_t align;             /* table alignment, bytes, power of two >= 4096 */
    uint64_t bump;              /* next never-used byte of the region */
    uint64_t root;              /* PA of the top table */
    uint64_t free_head[XLAT_MAX_SIZES]; /* freed tables per level, linked in memory; 0 = none */
    uint64_t table_bytes[XLAT_MAX_SIZES]; /* footprint of a level-k table, bytes (align multiple) */
    uint64_t tables_in_use;     /* tables allocated and not freed, the top included */
    uint64_t tables_peak;       /* highest tables_in_use */
    uint64_t pte_writes;        /* PTE words written (OS work, for step costs) */
} xlat_pt_t;

/* A leaf found by lookup. */
typedef struct xlat_map_s {
    uint64_t va;                /* start of the page, bytes */
    uint64_t pa;                /* start of the physical page, bytes */
    uint64_t pte;               /* the raw leaf PTE */
    uint64_t pte_addr;          /* PA of the PTE word */
    uint32_t size_idx;          /* ladder index of the page size */
} xlat_map_t;

/*
 * Create a page table: check the configuration, allocate and zero the top
 * table at pt_base. 0, MIGSIM_ECONFIG (bad ladder, alignment, region too
 * small for the top table) or MIGSIM_ENOMEM (functional memory).
 */
int xlat_pt_create(xlat_pt_t *pt, const xlat_pt_cfg_t *cfg);

/*
 * Map one page of ladder size `size_idx` at `va` to `pa` (both aligned to
 * that size, va < 2^va_bits). Creates intermediate tables as needed. A leaf
 * of the same size already at `va` is overwritten. Any other overlapping
 * mapping (a larger leaf covering va, or smaller leaves under va) is a
 * conflict: MIGSIM_ESTATE, nothing changed; with XLAT_MAP_REPLACE those
 * mappings are removed entirely first (for a larger leaf: the whole larger
 * page becomes unmapped; see xlat_pt_split to keep the rest). Returns 0,
 * MIGSIM_EINVAL (alignment, size, range), MIGSIM_ESTATE, MIGSIM_ERANGE
 * (table region exhausted; nothing changed) or MIGSIM_ENOMEM.
 */
int xlat_pt_map(xlat_pt_t *pt, uint64_t va, uint64_t pa, uint32_t size_idx, unsigned opts);

/*
 * Map [va, va+len) to [pa, pa+len). XLAT_MAP_LARGEST: at each position the
 * largest ladder page aligned in both VA and PA that fits in what is left
 * (va, pa, len multiples of the smallest size). XLAT_MAP_FIXED: pages of
 * size `size_idx` only (va, pa, len multiples of it). Returns the number
 * of leaf PTEs written (>= 0) or an error as xlat_pt_map; on an error
 * part way the pages already mapped stay mapped.
 */
int64_t xlat_pt_map_range(xlat_pt_t *pt, uint64_t va, uint64_t pa, uint64_t len,
                          xlat_map_mode_t mode, uint32_t size_idx, unsigned opts);

/*
 * PTEs that XLAT_MAP_LARGEST writes for [va, va+len) when the PA has the
 * same alignment as the VA (pure arithmetic, no table). va and len are
 * multiples of the smallest size; otherwise returns 0.
 */
uint64_t xlat_pt_count_cover(const xlat_ladder_t *l, uint64_t va, uint64_t len);

/* The PTE word at `pte_addr` as the table's memory holds it now (zero time). */
uint64_t xlat_pt_read(const xlat_pt_t *pt, uint64_t pte_addr);

/* Find the leaf covering `va` (valid or not). true and *out filled, or false if none. */
bool xlat_pt_lookup(const xlat_pt_t *pt, uint64_t va, xlat_map_t *out);

/*
 * Remove the leaf covering `va` (its whole page) and free tables left
 * empty. Returns the removed page's ladder index, or MIGSIM_ENOENT.
 */
int xlat_pt_unmap(xlat_pt_t *pt, uint64_t va);

/* Remove every leaf overlapping [va, va+len); returns how many (>= 0). */
int64_t xlat_pt_unmap_range(xlat_pt_t *pt, uint64_t va, uint64_t len);

/*
 * Set or clear the valid bit of the leaf covering `va`. Returns its
 * previous state (0 or 1), or MIGSIM_ENOENT when no leaf covers va.
 */
int xlat_pt_set_valid(xlat_pt_t *pt, uint64_t va, bool valid);

/*
 * Clear the dirty bit of the leaf covering `va` (a dirty-log harvest: the
 * OS tests and clears D; the next write through a translation cached with
 * D clear walks and sets it again). Returns the previous D (0 or 1), or
 * MIGSIM_ENOENT when no leaf covers va. Nothing is written when D was clear.
 */
int xlat_pt_clear_dirty(xlat_pt_t *pt, uint64_t va);

/*
 * Point the leaf covering `va` at `new_pa` (aligned to the leaf's size);
 * flags (valid, A, D) are kept. 0, MIGSIM_EINVAL or MIGSIM_ENOENT.
 */
int xlat_pt_retarget(xlat_pt_t *pt, uint64_t va, uint64_t new_pa);

/*
 * Replace the leaf covering `va` (size k > 0) by a level k-1 table of
 * size_{k-1} leaves mapping the same physical range with the same flags.
 * 0, MIGSIM_ENOENT, MIGSIM_EINVAL (already the smallest size), MIGSIM_ERANGE.
 */
int xlat_pt_split(xlat_pt_t *pt, uint64_t va);

/* Leaf PTEs present (valid or not) that map some byte of [va, va+len). */
uint64_t xlat_pt_count_leaves(const xlat_pt_t *pt, uint64_t va, uint64_t len);

/* ---- TLB ------------------------------------------------------------------- */

/*
 * One set-associative array per ladder size (probed together, as the
 * design says), each with its own sets and ways. Replacement is true LRU
 * per set, kept as a recency rank per way (0 = most recent). An entry
 * holds the VPN at its own size, the PFN, the size and the PTE flags.
 * A size given 0 sets or 0 ways has no array: inserts of that size are
 * dropped (counted in drops). Everything is allocated at init.
 */
typedef struct xlat_tlb_cfg_s {
    uint32_t sets[XLAT_MAX_SIZES];  /* per ladder size: power of two, 0 = no array */
    uint32_t ways[XLAT_MAX_SIZES];  /* per ladder size: 1..255, 0 = no array */
} xlat_tlb_cfg_t;

typedef struct xlat_tlb_entry_s {
    uint64_t vpn;               /* va >> log2 size of the entry's ladder size */
    uint64_t pfn;               /* pa >> log2 size */
    uint16_t flags;             /* PTE bits 0..11 at fill time */
    uint8_t valid;              /* 1 = holds a translation */
    uint8_t rank;               /* recency in its set: 0 = MRU .. ways-1 = LRU */
} xlat_tlb_entry_t;

typedef struct xlat_tlb_s {
    xlat_ladder_t ladder;                       /* copy */
    uint32_t sets[XLAT_MAX_SIZES];              /* per size; 0 = no array */
    uint32_t ways[XLAT_MAX_SIZES];              /* per size */
    xlat_tlb_entry_t *arr[XLAT_MAX_SIZES];      /* owned: sets * ways entries, set-major */
    /* statistics: plain counters for the owner's statistics table */
    uint64_t st_lookups;                        /* lookups */
    uint64_t st_hits;                           /* lookups that hit */
    uint64_t st_misses;                         /* lookups that missed every size */
    uint64_t st_hits_size[XLAT_MAX_SIZES];      /* hits by ladder size */
    uint64_t st_inserts;                        /* inserts (new or refreshed entries) */
    uint64_t st_evictions;                      /* valid entries replaced by an insert */
    uint64_t st_invalidations;                  /* valid entries removed by invalidate/flush */
    uint64_t st_flushes;                        /* xlat_tlb_flush_all calls */
    uint64_t st_drops;                          /* inserts of a size with no array */
} xlat_tlb_t;

/* A TLB hit. */
typedef struct xlat_tlb_hit_s {
    uint64_t pa;                /* translated address, bytes */
    uint32_t size_idx;          /* ladder index of the entry's page size */
    uint16_t flags;             /* PTE bits 0..11 */
} xlat_tlb_hit_t;

/* Allocate the arrays. 0, MIGSIM_ECONFIG (sets not a power of two, ways > 255) or MIGSIM_ENOMEM. */
int xlat_tlb_init(xlat_tlb_t *t, const xlat_ladder_t *l, const xlat_tlb_cfg_t *cfg);
void xlat_tlb_fini(xlat_tlb_t *t);

/*
 * Probe every size; on a hit fill *hit, make the entry most recent in its
 * set and return true. If entries of two sizes cover va, the smallest size
 * wins and only it is touched.
 */
bool xlat_tlb_lookup(xlat_tlb_t *t, uint64_t va, xlat_tlb_hit_t *hit);

/*
 * Insert the translation of the size_idx page containing va (pa is any
 * address in the physical page; low bits ignored). An entry for the same
 * page is refreshed in place; otherwise an invalid way (lowest index) or
 * the LRU way is replaced.
 */
void xlat_tlb_insert(xlat_tlb_t *t, uint64_t va, uint64_t pa, uint32_t size_idx, uint16_t flags);

/* Remove every entry whose page overlaps [va, va+len). Returns how many. */
uint64_t xlat_tlb_invalidate_range(xlat_tlb_t *t, uint64_t va, uint64_t len);

/* Remove every entry. */
void xlat_tlb_flush_all(xlat_tlb_t *t);

/* ---- page-walk cache ------------------------------------------------------- */

#define XLAT_PWC_MAX_ENTRIES 64u    /* per level */

/*
 * Non-leaf PTEs by level, each level a small fully associative LRU array.
 * Key: (level k >= 1, va >> log2[k]); value: the non-leaf PTE read at level
 * k, which points to the level k-1 table. Level 0 holds only leaves and
 * has no array.
 */
typedef struct xlat_pwc_entry_s {
    uint64_t prefix;            /* va >> log2[level] */
    uint64_t pte;               /* non-leaf PTE value */
    uint64_t stamp;             /* last use (xlat_pwc_t.clock); 0 = invalid */
} xlat_pwc_entry_t;

typedef struct xlat_pwc_s {
    xlat_ladder_t ladder;                                       /* copy */
    uint32_t entries[XLAT_MAX_SIZES];                           /* per level, 0..64; [0] unused */
    xlat_pwc_entry_t e[XLAT_MAX_SIZES][XLAT_PWC_MAX_ENTRIES];  /* inline: no allocation */
    uint64_t clock;                                             /* use counter, LRU stamps */
    uint64_t gen;                                               /* invalidation calls so far: a walk
                                                                   that saw another value at its
                                                                   start caches nothing */
    uint64_t st_hits[XLAT_MAX_SIZES];                           /* lookups answered at level k */
    uint64_t st_misses;                                         /* lookups with no level cached */
    uint64_t st_inserts;                                        /* entries written */
    uint64_t st_invalidations;                                  /* entries removed */
} xlat_pwc_t;

/*
 * Set up a PWC with `entries[k]` entries for level k (k >= 1; index 0
 * ignored). 0 or MIGSIM_ECONFIG (more than XLAT_PWC_MAX_ENTRIES).
 */
int xlat_pwc_init(xlat_pwc_t *p, const xlat_ladder_t *l, const uint32_t *entries);

/*
 * The deepest cached non-leaf PTE on va's path: returns its level k (the
 * walk continues at level k-1 with the table at xlat_pte_addr(*pte)), or
 * -1 when none. A hit becomes most recent.
 */
int xlat_pwc_lookup(xlat_pwc_t *p, uint64_t va, uint64_t *pte);

/* Cache the non-leaf PTE read at `level` (>= 1) on va's path. */
void xlat_pwc_insert(xlat_pwc_t *p, uint32_t level, uint64_t va, uint64_t pte);

/* Remove entries whose region (size_level bytes) overlaps [va, va+len). Returns how many. */
uint64_t xlat_pwc_invalidate_range(xlat_pwc_t *p, uint64_t va, uint64_t len);
void xlat_pwc_flush_all(xlat_pwc_t *p);

/* ---- walk engine ------------------------------------------------------------ */

typedef enum xlat_access_e {
    XLAT_ACCESS_READ = 0,       /* sets A */
    XLAT_ACCESS_WRITE = 1,      /* sets A and D */
} xlat_access_t;

typedef enum xlat_walk_status_e {
    XLAT_WALK_OK = 0,           /* pa, size_idx, pte valid */
    XLAT_WALK_FAULT = 1,        /* a PTE on the path had its valid bit clear: level, pte */
    XLAT_WALK_BAD_PTE = 2,      /* malformed: non-leaf at level 0 or misaligned leaf: level, pte */
    XLAT_WALK_MEM_ERROR = 3,    /* a PTE read or write came back with status != 0 */
} xlat_walk_status_t;

typedef struct xlat_walk_result_s {
    uint32_t status;            /* xlat_walk_status_t */
    uint32_t level;             /* level of the leaf, or of the faulting PTE */
    uint32_t size_idx;          /* ladder index of the page (OK) */
    uint64_t va;                /* the waiter's VA */
    uint64_t pa;                /* translated address of va (OK) */
    uint64_t pte;               /* leaf PTE as now in memory (A/D updated), or the faulting PTE */
    uint64_t pte_addr;          /* PA of that PTE */
    uint32_t mem_reads;         /* PTE reads this walk issued */
    uint32_t mem_writes;        /* A/D writes this walk issued (0 or 1) */
    uint32_t pwc_level;         /* level of the PWC hit the walk started below; 0 = none */
    migsim_tick_t start_ps;     /* when the walk started, ps */
    migsim_tick_t end_ps;       /* when it finished, ps */
} xlat_walk_result_t;

/*
 * A translation request: owned by the caller (embedded in its own per-
 * access state), linked into a walk until the done callback is called for
 * it. Several waiters on the same smallest-size page share one walk.
 */
typedef struct xlat_waiter_s {
    struct xlat_waiter_s *next; /* link while waiting; the walker's */
    uint64_t va;                /* address to translate */
    uint8_t access;             /* xlat_access_t */
    void *ctx;                  /* borrowed: the owner's use */
} xlat_waiter_t;

struct xlat_walker_s;
/* Called once per waiter when its walk ends; may start new translations. */
typedef void (*xlat_walk_done_fn)(void *owner, xlat_waiter_t *wt, const xlat_walk_result_t *r);

typedef struct xlat_walk_s {
    struct xlat_walker_s *w;    /* borrowed: the engine (requests' cookie points to the walk) */
    struct xlat_walk_s *next_blocked; /* FIFO of walks waiting to send */
    xlat_waiter_t *head, *tail; /* waiters, in arrival order */
    uint64_t key;               /* va >> log2[0] of the first waiter */
    uint64_t va;                /* first waiter's va */
    uint64_t table;             /* PA of the table being read */
    uint64_t pte;               /* last PTE read */
    uint64_t pte_read;          /* the leaf as read, expected by the A/D compare-and-swap */
    uint64_t pte_addr;          /* PA of the last PTE read */
    migsim_req_t *req;          /* built, not yet accepted by the port; NULL otherwise */
    migsim_tick_t start_ps;     /* start time, ps */
    uint32_t level;             /* level being read */
    uint32_t reads, writes;     /* memory requests issued */
    uint32_t pwc_level;         /* PWC hit level, 0 = none */
    uint64_t pwc_gen;           /* the PWC's gen at the start: an invalidation since then may have
                                   removed what this walk read, so it inserts nothing */
    uint8_t active;             /* slot in use */
    uint8_t write;              /* some waiter writes: set D */
    uint8_t at_leaf;            /* leaf read: access kind is fixed */
    uint8_t in_flight;          /* a request of this walk is at the memory */
} xlat_walk_t;

typedef struct xlat_walker_cfg_s {
    const xlat_ladder_t *ladder;    /* copied */
    uint64_t root;                  /* PA of the top table */
    uint32_t max_walks;             /* concurrent walks, 1..4096 */
    migsim_port_t *port;            /* borrowed: the owner's OUT port to memory */
    migsim_req_pool_t *pool;        /* borrowed: the owner's request pool */
    migsim_kernel_t *k;             /* borrowed: for the current time */
    xlat_pwc_t *pwc;                /* borrowed, NULL = no page-walk cache */
    xlat_walk_done_fn done;         /* required */
    void *owner;                    /* borrowed: first argument of done */
    uint16_t src_idx;               /* req->src_idx of walk requests */
} xlat_walker_cfg_t;

typedef struct xlat_walker_s {
    xlat_ladder_t ladder;           /* copy */
    uint64_t root;                  /* PA of the top table; xlat_walker_set_root */
    uint32_t max_walks;             /* slots */
    uint32_t active;                /* walks in progress */
    xlat_walk_t *walks;             /* owned: max_walks slots */
    xlat_walk_t *blk_head, *blk_tail; /* walks with a refused request, in order */
    bool blocked;                   /* the port refused; waiting for xlat_walker_retry */
    migsim_port_t *port;            /* borrowed */
    migsim_req_pool_t *pool;        /* borrowed */
    migsim_kernel_t *k;             /* borrowed */
    xlat_pwc_t *pwc;                /* borrowed, may be NULL */
    xlat_walk_done_fn done;         /* owner callback */
    void *owner;                    /* borrowed */
    uint16_t src_idx;               /* of walk requests */
    /* statistics */
    uint64_t st_walks;              /* walks started */
    uint64_t st_coalesced;          /* translations that joined a walk in progress */
    uint64_t st_refused;            /* translations refused: every slot busy */
    uint64_t st_mem_reads;          /* PTE reads sent */
    uint64_t st_mem_writes;         /* A/D writes sent */
    uint64_t st_port_refused;       /* sends the port refused (retried later) */
    uint64_t st_cas_retries;        /* walks restarted: the PTE changed before the A/D update */
    uint64_t st_pwc_hits[XLAT_MAX_SIZES]; /* walks that started below a PWC hit at level k */
    uint64_t st_faults;             /* walks ending FAULT or BAD_PTE */
    uint64_t st_mem_errors;         /* walks ending MEM_ERROR */
    uint64_t st_done;               /* walks finished */
    uint64_t st_lat_sum_ps;         /* sum of walk latencies, ps */
    uint64_t st_lat_max_ps;         /* longest walk, ps */
    double st_lat_avg_ps;           /* st_lat_sum_ps / st_done, by xlat_walker_finalize_stats */
} xlat_walker_t;

/* Allocate the walk slots. 0, MIGSIM_ECONFIG or MIGSIM_ENOMEM. */
int xlat_walker_init(xlat_walker_t *w, const xlat_walker_cfg_t *cfg);

/* Free the slots and any request not yet sent. Walks in progress are dropped. */
void xlat_walker_fini(xlat_walker_t *w);

/* Change the top table (e.g. a new address space). Walks in progress keep the old one. */
static inline void xlat_walker_set_root(xlat_walker_t *w, uint64_t root) { w->root = root; }

/*
 * Translate wt->va for wt->access. Joins a walk in progress for the same
 * smallest-size page when it can (a write joins only a walk that has not
 * read its leaf yet, or a write walk); otherwise starts a walk in a free
 * slot. Returns 0 (wt is linked; done will be called for it exactly once,
 * and not from inside this call unless the memory answers from within its
 * recv, which no libmigsim component does), or MIGSIM_EBUSY when every slot
 * is busy (wt untouched:
 * the owner tries again after a done callback), or MIGSIM_ENOMEM (request
 * pool exhausted).
 */
int xlat_walker_translate(xlat_walker_t *w, xlat_waiter_t *wt);

/* True when `req` (a response on the owner's port) belongs to this walker. */
static inline bool xlat_walker_owns(const xlat_walker_t *w, const migsim_req_t *req)
{
    uintptr_t c = (uintptr_t)req->cookie, lo = (uintptr_t)w->walks;
    return req->src_kind == MIGSIM_SRC_WALK && c >= lo &&
           c < lo + (uintptr_t)w->max_walks * sizeof(xlat_walk_t);
}

/* The owner's response callback hands walk responses here (ownership moves back). */
void xlat_walker_resp(xlat_walker_t *w, migsim_req_t *req);

/* The owner's retry callback calls this: refused requests are sent again, in order. */
void xlat_walker_retry(xlat_walker_t *w);

/* Compute st_lat_avg_ps. */
void xlat_walker_finalize_stats(xlat_walker_t *w);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_XLAT_H */
