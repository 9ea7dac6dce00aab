/*
 * migctl.h - the migration controller: the OS, hypervisor and firmware
 * steps of a migration mechanism (US 9,081,764 FIG. 2, blocks 200 to 222,
 * and the alternatives it is compared with, MIGCTL_MECHS below) driving the
 * CPU page table, the CPU MMUs, the I/O page table, the IOMMU and the
 * dual-write chip, with a copy engine that moves the page line by line
 * through its copy port. The core (migctl.c) owns what every mechanism
 * shares; each mechanism is a file of its own (mech.h says how they meet).
 *
 * It also owns the page tables (it is the OS) and the no-lost-write oracle:
 * every CPU or DMA write is recorded, keyed by the pre-migration physical
 * address it meant, when its bytes are applied at the commit point (the
 * last-level cache, or DRAM without one); at the end every written line is
 * read through the final CPU page table and compared (models/MIGRATION.md).
 *
 * When the simulation is built (configure, before any init) it resolves its
 * peers by name, refuses a CPU MMU or IOMMU whose ladder or va_bits differs
 * from its own (it builds the tables they walk), and gives the generators
 * whose traffic reaches one of its MMUs the page as their region where the
 * configuration leaves it out (a region given must lie inside the page or
 * the identity region).
 *
 * Each step is an event whose delay is the step's configured cost; waiting
 * steps (the copy, an IOTLB invalidation, draining suspended devices) end
 * when the work they wait for ends. Every step is logged with its FIG. 2
 * block number and time (migctl_log).
 *
 * Hot path: the copy engine, one request per line read and one per line
 * written; the commit observer, one oracle record per CPU/DMA write.
 */
#ifndef MIGSIM_MODELS_MIGCTL_H
#define MIGSIM_MODELS_MIGCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "migsim/component.h"
#include "migsim/hist.h"
#include "oracle/oracle.h"
#include "xlat/xlat.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MIGCTL_MAX_PEERS 128 /* CPU MMUs, and DMA devices, the controller names at most */

/*
 * The mechanisms, one file each (models/migctl/mech_*.c, which see): the
 * enumerator, the name of the "policy" parameter, and the mechanism's table
 * (a migctl_mech_t, models/migctl/mech.h). Adding a mechanism is a file
 * and a row here.
 */
#define MIGCTL_MECHS(X)                                                                  \
    X(SEGMENTED, "segmented", migctl_mech_segmented)     /* the patent: windows of subpages */ \
    X(SUSPEND_IO, "suspend_io", migctl_mech_suspend_io)  /* devices suspended, CPU kept off */  \
    X(DUAL_WHOLE, "dual_write_whole", migctl_mech_dual_whole) /* the whole page dual-written */ \
    X(NONE, "none", migctl_mech_none)                    /* no migration: the traces alone */ \
    X(PRECOPY, "precopy", migctl_mech_precopy)           /* iterative pre-copy, dirty bits */ \
    X(FW_REDIRECT, "fw_redirect", migctl_mech_fw_redirect) /* firmware copy + mapping table */ \
    X(GRANULE, "granule", migctl_mech_granule)           /* granules blocked, pins defer (seed 004) */

typedef enum migctl_policy_e {
#define MIGCTL_ENUM(e, name, table) MIGCTL_##e,
    MIGCTL_MECHS(MIGCTL_ENUM)
#undef MIGCTL_ENUM
    MIGCTL_NPOLICIES
} migctl_policy_t;

/* One logged step. */
typedef struct migctl_step_s {
    uint16_t block;           /* FIG. 2 block number (200..222) */
    migsim_tick_t time;       /* when the step began, ps */
    uint64_t arg;             /* first subpage of the window, or 0 */
} migctl_step_t;

/*
 * Told when a migration starts (running = true: at block 200, before any
 * PTE changes or any line moves) and when it has ended (running = false: at
 * block 222), with the physical ranges involved: [cur_pa, cur_pa + bytes)
 * and [tgt_pa, tgt_pa + bytes). For memory that grants direct access.
 */
typedef void (*migctl_watch_fn)(void *ctx, bool running, uint64_t cur_pa, uint64_t tgt_pa,
                                uint64_t bytes);
#define MIGCTL_MAX_WATCHERS 4

/* Pre-copy rounds whose copied bytes have a statistic of their own (precopy_round<k>_bytes). */
#define MIGCTL_PC_ROUND_STATS 8

/*
 * Memory nodes as the OS sees them (the "nodes" parameter), numbered in
 * order, node 0 the nearest. Each hands out page_bytes frames from a bitmap:
 * the lowest free frame first (deterministic), one bit per frame of host
 * memory. Frames holding the page tables or the identity region are never
 * free.
 */
#define MIGCTL_MAX_NODES 8
#define MIGCTL_NODE_NAME 16

typedef struct migctl_node_s {
    char name[MIGCTL_NODE_NAME];       /* as configured, at most 15 characters */
    uint64_t base, bytes;              /* the node's physical range, bytes */
    uint64_t first_pa;                 /* PA of frame 0: base rounded up to page_bytes */
    uint32_t frames;                   /* whole page_bytes frames in the range */
    uint32_t free;                     /* frames neither allocated nor excluded */
    uint32_t reserved;                 /* of the free ones, promised to queued migrations */
    uint32_t hint;                     /* lowest bitmap word that may hold a free frame */
    uint64_t *used;                    /* owned: one bit per frame, set = allocated or excluded */
} migctl_node_t;

/* A migration request waiting for its turn. */
typedef struct migctl_queued_s {
    uint64_t at_ps;                    /* when it was requested, ps */
    uint32_t page;                     /* page index in the footprint */
    uint32_t node;                     /* target node */
    uint32_t frame;                    /* target frame, taken already; UINT32_MAX: the lowest
                                          free one when the migration starts */
} migctl_queued_t;

/*
 * Told when a migration of the footprint ends (block 222): the page, the
 * node it is on now, when its block 200 ran and now, ps.
 */
typedef void (*migctl_migrated_fn)(void *ctx, uint64_t page, uint32_t node, uint64_t start_ps,
                                   uint64_t end_ps);

/* Per-page flags (migctl_t.pg_flags). */
#define MIGCTL_PG_QUEUED 1u            /* a request for it waits in the queue */
#define MIGCTL_PG_MOVING 2u            /* it is being migrated */

struct cpu_mmu_s;
struct iommu_s;
struct dualwrite_s;
struct dma_dev_s;
struct dram_s;
struct memrouter_s;
struct llc_s;
struct migctl_mech_s;
struct fwmap_s;

typedef struct migctl_s {
    migsim_comp_t comp;
    migsim_port_t copy;                /* copy engine, PA, to the dual-write chip's copy port */
    /* parameters: what moves */
    uint32_t policy;                   /* migctl_policy_t */
    uint32_t pte_mode;                 /* 0 subpage PTEs (FIG. 4 400), 1 mixed sizes (FIG. 4 450) */
    uint64_t va, iova;                 /* CPU VA and IOVA of the large page */
    uint64_t cur_pa, tgt_pa;           /* where it is, where it goes */
    uint64_t page_bytes;               /* a ladder size */
    uint64_t subpage_bytes;            /* a ladder size below page_bytes */
    uint32_t subpages_per_call;        /* subpages per hypervisor call (claims 6, 17) */
    uint64_t start_ps;                 /* when block 200 runs */
    /* parameters: step costs */
    uint64_t pte_write_ps;             /* per PTE written by the OS */
    uint64_t ipi_ps;                   /* TLB shootdown: IPIs out and acks back, once (plus the slowest handler), ps */
    uint64_t ipi_target_ps;            /* TLB shootdown: added per target CPU MMU (IPIs sent one by one), ps */
    uint64_t hcall_ps;                 /* one hypervisor call */
    uint64_t init_hw_ps, update_hw_ps; /* chip programming (206; 214) */
    uint64_t final_ps;                 /* 218: after the IOTLB invalidation, before disabling */
    uint32_t copy_inflight;            /* copy requests outstanding at most */
    /* parameters: the platform */
    char *cpu_mmus;                    /* comma-separated component names */
    char *iommu, *dualwrite, *dma_devs, *dram, *llc; /* names ("" = none, except dram: a dram
                                                        or a memrouter) */
    char *mapped_devs;                 /* DMA devices without an IOMMU mapped by the I/O page table */
    bool mapped_stale;                 /* planted bug: their driver keeps each page's first PA */
    char *ladder;                      /* page sizes, smallest first, "4K,64K,..." */
    uint32_t va_bits;
    uint64_t pt_base, pt_bytes;        /* PA region of the two page tables (split in halves) */
    uint64_t identity_bytes;           /* also map VA/IOVA [0, this) to PA [0, this), largest pages */
    bool oracle_on;                    /* record writes and check at the end */
    /* resolved before init (configure) */
    struct cpu_mmu_s *mmus[MIGCTL_MAX_PEERS];
    uint32_t nmmus;
    struct iommu_s *iommu_c;
    struct dualwrite_s *dw;
    struct dma_dev_s *devs[MIGCTL_MAX_PEERS];
    uint32_t ndevs;
    struct dma_dev_s *mapped[MIGCTL_MAX_PEERS]; /* mapped_devs */
    uint32_t nmapped;
    struct dma_dev_s *atc_devs[MIGCTL_MAX_PEERS]; /* devices with an ATC behind the IOMMU */
    uint32_t natc;
    struct dram_s *dram_c;             /* the memory when "dram" names a DRAM, else NULL */
    struct memrouter_s *router_c;      /* the memory when "dram" names a memrouter, else NULL */
    struct llc_s *llc_c;
    migsim_fmem_t dram_fmem;           /* the memory's bytes (the DRAM's, or the router's nodes') */
    migsim_fmem_t fmem;                /* functional view: through the cache when there is one */
    xlat_ladder_t lad;
    uint32_t sub_idx, page_idx;        /* ladder indices */
    xlat_pt_t cpu_pt, io_pt;
    oracle_t oracle;
    /* migration state */
    const struct migctl_mech_s *mech;  /* the mechanism `policy` names */
    uint32_t block;                    /* next step to run (FIG. 2 block numbers where they apply) */
    uint64_t subpages;                 /* page_bytes / subpage_bytes */
    uint64_t win_lo, win_hi;           /* subpages being migrated [lo, hi) */
    uint64_t copy_next, copy_end;      /* byte offsets of the copy range */
    uint32_t copy_out;                 /* copy requests outstanding */
    bool copy_blocked;                 /* the copy port refused; waiting for its retry */
    migsim_req_t *copy_pending;        /* a line read refused by the copy port, to resend */
    migsim_req_t *copy_wq, *copy_wq_tail; /* line writes waiting to be sent, oldest first */
    migsim_tick_t copy_t0;             /* when the current copy began */
    uint64_t copy_units;               /* subpages the current copy moves (per-subpage histogram) */
    uint32_t copy_then;                /* step to run when the current copy ends */
    /* the next run of a copy of several (migctl_copy_runs); NULL: one range */
    bool (*copy_runs)(struct migctl_s *m, uint64_t *off, uint64_t *len);
    bool in_tail;                      /* in the shared end (migctl_finish) */
    bool suspended;                    /* the DMA devices are suspended */
    uint64_t suspended_at_ps;          /* when the DMA devices were last suspended */
    uint64_t resumed_at_ps;            /* when they were last resumed (0 = never) */
    uint64_t suspended_ps;             /* time suspended, summed over the suspensions that ended */
    uint32_t inval_then;               /* step to run when the IOTLB invalidation ends ... */
    uint64_t inval_then_ps;            /* ... this long after it */
    uint64_t inval_iova, inval_len;    /* the IOVA range being invalidated */
    uint32_t ats_pending;              /* ATS invalidations not yet completed */
    void (*ats_then)(void *ctx);       /* ... and what runs when they have */
    void *ats_then_ctx;
    bool running, finished;
    migsim_event_t step_ev;
    migctl_step_t *log;                /* owned */
    uint32_t nlog, cap_log;
    migctl_watch_fn watch[MIGCTL_MAX_WATCHERS];
    void *watch_ctx[MIGCTL_MAX_WATCHERS];
    uint32_t nwatch;
    long lost;                         /* lost lines found by the last check, -1 = not checked */
    uint64_t checked_commits;          /* oracle commits when last checked */
    /* statistics */
    uint64_t st_start_ps, st_end_ps, st_duration_ps;
    uint64_t st_hcalls, st_pte_writes, st_shootdowns, st_iotlb_invalidations;
    uint64_t st_ats_invalidations;     /* ATS invalidations sent (one per ATC device per IOTLB one) */
    uint64_t st_copy_reads, st_copy_writes, st_copy_bytes;
    uint64_t st_copy_calls, st_copy_ps_sum, st_copy_ps_max, st_copy_ps_min;
    migsim_hist_t copy_hist;           /* per-subpage copy time, ps */
    double st_sub_p50_ns, st_sub_p99_ns;
    uint64_t st_cpu_ptes;              /* leaf PTEs mapping the page now (gauge) */
    uint64_t st_cpu_ptes_max;
    uint64_t st_lost_writes, st_oracle_lines, st_oracle_commits;
    uint64_t st_dram_bytes_at_start, st_dram_bytes_during;
    double st_copy_avg_ns, st_copy_share;
    double st_copy_traffic_gbps;       /* copy reads + writes, bytes per ns of migration */
    double st_page_rate_gbps;          /* page bytes moved per ns of migration */
    /* the pre-copy mechanism (mech_precopy.c) */
    uint64_t pc_track_bytes;           /* CPU tracking PTE size: a ladder size <= page_bytes
                                          (0 = subpage_bytes) */
    uint64_t pc_io_track_bytes;        /* I/O tracking PTE size, likewise (0 = subpage_bytes) */
    uint64_t pc_stop_bytes;            /* stop and copy once fewer dirty bytes than this remain */
    uint32_t pc_max_rounds;            /* copy rounds before the stop-and-copy at most, >= 1 */
    uint64_t pc_pte_scan_ps;           /* OS time per tracking PTE read by a harvest, ps */
    bool pc_io_dirty;                  /* track DMA writes by I/O PTE dirty bits (false: unsafe) */
    uint32_t pc_track_idx, pc_io_track_idx; /* their ladder indices */
    uint64_t pc_gran_bytes;            /* granule of the dirty set: the smaller tracking size */
    uint64_t pc_grans;                 /* page_bytes / pc_gran_bytes */
    uint64_t *pc_dirty;                /* owned: one bit per granule still to copy */
    uint64_t pc_ndirty;                /* bits set in pc_dirty */
    uint64_t pc_cursor;                /* next granule the copy of a round looks at */
    uint32_t pc_round;                 /* rounds of the migration running (round 0 included) */
    /* precopy statistics, summed over the migrations of a footprint */
    uint64_t st_pc_rounds;             /* copy rounds before the stop-and-copy (round 0 included) */
    uint64_t st_pc_round_bytes[MIGCTL_PC_ROUND_STATS]; /* bytes copied in round k */
    uint64_t st_pc_dirty_final;        /* bytes copied in the stop-and-copy */
    uint64_t st_pc_pause_ps;           /* devices suspended to resumed, ps */
    uint64_t st_pc_ptes_read;          /* tracking PTEs read by harvests (CPU and I/O) */
    uint64_t st_pc_ptes_cleared;       /* of those, dirty ones cleared */
    uint64_t st_pc_harvest_ps;         /* time charged for harvests, ps */
    /* firmware mapping-table redirect (mech_fw_redirect.c, US 9,600,202) */
    char *fwmap;                       /* the mapping table component ("" = none) */
    uint64_t fw_chunk_bytes;           /* bytes copied per SMI: whole subpages and table chunks */
    uint64_t fw_smi_entry_ps;          /* SMI asserted to firmware running, every core held, ps */
    uint64_t fw_smi_exit_ps;           /* leaving SMM, every core still held, ps */
    uint64_t fw_switch_ps;             /* writing one chunk's table entries, ps */
    bool fw_interlock;                 /* the table holds writes to the chunk being copied */
    struct fwmap_s *fwm;               /* resolved `fwmap` (borrowed) */
    migsim_tick_t fw_smi_t0;           /* when the current SMI began, ps */
    uint64_t st_fw_calls;              /* SMIs */
    uint64_t st_fw_smi_cpu_ps;         /* sum over SMIs and cores of the time held, ps */
    /* granule relocation (mech_granule.c): parameters */
    uint64_t granule_bytes;            /* relocation granule: a ladder size below page_bytes, 0 = subpage_bytes */
    uint32_t granule_unsafe;           /* 0 none, 1 no_block (I/O not blocked), 2 no_pins (pins ignored) */
    uint64_t granule_retry_ps;         /* pause before a pass that follows a pass moving nothing, ps */
    uint64_t pin_hold_ps;              /* a transfer's granules stay pinned this long after its last response, ps */
    /* granule relocation: state */
    struct migctl_granule_s *gran;     /* owned: the mechanism's state, NULL under other policies */
    /* granule relocation: statistics */
    uint64_t st_gr_moved;              /* granules moved */
    uint64_t st_gr_deferred;           /* times a pinned granule was passed over */
    uint64_t st_gr_passes;             /* passes over the page's granules */
    uint64_t st_gr_blocked_ps;         /* sum over granules of the time from their block to their unblock, ps */
    uint64_t st_gr_cpu_wait_ps;        /* CPU MMUs' fault_stall_ps accrued from block 200 to 222, ps */
    uint64_t st_gr_dma_wait_ps;        /* the IOMMU's block_wait_ps accrued from block 200 to 222, ps */
    /* a footprint of many pages (footprint_pages > 0): parameters */
    char *nodes;                       /* "name:base:bytes,..." nearest first ("" = none) */
    uint64_t footprint_pages;          /* pages of page_bytes at va / iova; 0 = the one page */
    uint32_t placement;                /* 0 near_first, 1 far, 2 interleave */
    char *requests;                    /* "at_ps:page:node,..." run from the configuration */
    uint32_t max_concurrent;           /* migrations at once (1: the chip has one window) */
    uint64_t migrate_bytes_per_s;      /* copy engine budget, line reads x 64 bytes / s (0 = none) */
    /* a footprint: state */
    migctl_node_t node[MIGCTL_MAX_NODES];
    uint32_t nnodes;
    uint64_t fp_va, fp_iova;           /* where the footprint is mapped (va, iova as configured) */
    uint32_t *pg_frame;                /* owned: per page, its frame on its node */
    uint8_t *pg_node;                  /* owned: per page, its node */
    uint8_t *pg_flags;                 /* owned: per page, MIGCTL_PG_* */
    uint64_t *pg_stale_pa;             /* owned with mapped_stale: per page, the PA its mapped
                                          devices were first given (0 = not yet) */
    migctl_queued_t *queue;            /* owned: ring of requests waiting, oldest at q_head */
    uint32_t q_cap, q_head, q_len;
    migctl_queued_t *cfg_req;          /* owned: the configured requests, by at_ps then order */
    uint32_t ncfg_req, cfg_next;       /* how many, the next one due */
    migsim_event_t cfg_ev;             /* the next configured request falls due */
    migsim_event_t dispatch_ev;        /* start the oldest queued request */
    uint64_t mig_page;                 /* the page being migrated (valid while `running`) */
    uint32_t mig_node, mig_from;       /* its target node and the node it leaves */
    uint32_t mig_frame, mig_from_frame; /* its target frame and the frame it leaves */
    uint64_t mig_t0;                   /* when its block 200 ran, ps */
    migctl_migrated_fn on_migrated;    /* borrowed with its ctx; NULL = nobody */
    void *on_migrated_ctx;
    /* the copy budget (token bucket one line deep) */
    migsim_tick_t tb_next_ps;          /* earliest time of the next line read */
    uint64_t tb_rem;                   /* carried fraction of a ps, in 1/migrate_bytes_per_s ps */
    migsim_event_t tb_ev;              /* the copy engine waits for the budget */
    /* a footprint: statistics */
    uint64_t st_mig_requested, st_mig_completed, st_mig_refused;
    uint64_t st_mig_bytes;             /* page_bytes per completed migration */
    uint64_t st_mig_queue_ps;          /* sum over started migrations of request to block 200, ps */
    uint64_t st_node_pages[MIGCTL_MAX_NODES]; /* pages resident on each node (gauge) */
} migctl_t;

extern const migsim_comp_ops_t migctl_ops;

/*
 * Map subpages [from, to) of a large page at `va` for a migration whose
 * window is subpages [lo, hi): those below lo on the target, the window on
 * the current page as subpage PTEs, those from hi on the current page; with
 * `mixed`, segments 1 and 3 use the largest aligned ladder pages (FIG. 4,
 * item 450), otherwise subpage PTEs throughout (item 400), all valid.
 * Only what differs is written: a leaf already there with the same place,
 * size and PA, valid, is kept (with its A/D bits). Returns the PTE writes
 * (leaves written plus leaves removed; a leaf rewritten in place counts
 * once), or a negative code (MIGSIM_ESTATE when a leaf in the way reaches
 * outside [from, to)). *shoot gets the VA range to shoot down, [0] == [1]
 * when none: the leaves merged or split (a TLB or page-walk cache may hold
 * their old shape) and valid leaves that changed.
 */
int64_t migctl_map_layout(xlat_pt_t *pt, uint64_t va, uint64_t cur, uint64_t tgt,
                          uint64_t page_bytes, uint32_t sub_idx, uint64_t from, uint64_t to,
                          uint64_t lo, uint64_t hi, bool mixed, uint64_t shoot[2]);

/*
 * Ask for page `page` of the footprint to move to node `node`; it runs with
 * the configured mechanism after the requests before it. Returns 0, or (the
 * request refused and counted in mig_refused_requests, with a message):
 * MIGSIM_ESTATE without a footprint; MIGSIM_ERANGE for a page or node that
 * does not exist; MIGSIM_EINVAL for a page already on that node; MIGSIM_EBUSY
 * for a page already queued or moving, or a node with no free frame left
 * (frames promised to queued requests count as taken).
 */
int migctl_request(migctl_t *m, uint64_t page, uint32_t node);

/* Frames of node `node` free and not promised to a queued request (0 for no such node). */
uint64_t migctl_node_free_frames(const migctl_t *m, uint32_t node);

/*
 * Where page `page` is: its node and PA (the source while it moves), and
 * whether it is queued or moving (MIGCTL_PG_* in *flags; any may be NULL).
 * MIGSIM_ERANGE for no such page.
 */
int migctl_page_where(const migctl_t *m, uint64_t page, uint32_t *node, uint64_t *pa,
                      uint32_t *flags);

/* The node page p (below footprint_pages) is on, the source while it moves: migctl_page_where's
 * node without its checks, for a policy that looks at every page every period. */
static inline uint32_t migctl_page_node(const migctl_t *m, uint64_t p)
{
    return m->pg_node[p];
}

/* Call fn(ctx, ...) when each migration of the footprint ends (one callback; NULL clears it). */
void migctl_on_migrated(migctl_t *m, migctl_migrated_fn fn, void *ctx);

/*
 * Flush [va, va+len) from the TLBs and page-walk caches of every CPU MMU the
 * controller names, as one shootdown (IPIs to all at once; each target runs
 * its handler); returns the initiator's wait, ps: ipi_ps + targets x
 * ipi_target_ps + the slowest target's handler (0 with no CPU MMU). Counts
 * nothing in the controller's statistics: for another OS agent (the
 * accessed-bit scanner) that pays the same cost for its own flushes.
 */
uint64_t migctl_tlb_flush(migctl_t *m, uint64_t va, uint64_t len);

/* Add a watcher (0, or MIGSIM_ESTATE when MIGCTL_MAX_WATCHERS are set). */
int migctl_watch(migctl_t *m, migctl_watch_fn fn, void *ctx);

/* The step log so far (FIG. 2 order); *n receives its length. */
const migctl_step_t *migctl_log(const migctl_t *m, uint32_t *n);

/*
 * Check every written line through the final mappings now; report each lost
 * line to `report` (may be NULL). Returns the number lost, or a negative code.
 */
long migctl_check(migctl_t *m, oracle_report_fn report, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_MIGCTL_H */
