/*
 * dram.h - the DDR4 memory model: channels, ranks, bank groups, banks, with
 * one FR-FCFS controller per channel. State struct and ops table.
 *
 * Timing (JESD79-4): every command's earliest issue cycle is the maximum of
 * the constraints left by earlier commands, kept per bank, per bank group
 * and per rank; the constraints themselves are a declared table
 * (dram_rules[]: preceding command, following command, scope, latency).
 * The controller never ticks: each channel has one scheduling event at the
 * next cycle on which a command can issue, and none while its queues are
 * empty (refreshes missed while idle are issued at their own cycles when
 * work arrives, or when statistics are taken).
 *
 * Functional behaviour: requests that carry data (MIGSIM_REQ_HAS_DATA) read
 * and write a sparse store of real bytes when their column command issues;
 * a read that finds a queued write to the same 64-byte line is answered
 * from the write queue one cycle after arrival; a write that finds a queued
 * read to its line first gives that read the line's current bytes. Requests
 * without data are timed only.
 */
#ifndef MIGSIM_MODELS_DRAM_H
#define MIGSIM_MODELS_DRAM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "migsim/component.h"
#include "migsim/store.h"
#include "dram/dram_timing.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dram_cmd_e {
    DRAM_CMD_ACT, DRAM_CMD_PRE, DRAM_CMD_RD, DRAM_CMD_WR, DRAM_CMD_REF, DRAM_NCMD
} dram_cmd_t;

/* Controller structures (parameter `controller`). */
enum { DRAM_CTRL_DEFAULT = 0, DRAM_CTRL_RAMULATOR2 = 1, DRAM_CTRL_DRAMSIM3 = 2 };
#define DRAM_DS3_MAXW 8       /* dramsim3: 64-bit words of a bitmap of a channel's banks (at most
                                 8 ranks x 8 bank groups x 8 banks) */
#define DRAM_DS3_NCMD 4       /* dramsim3: commands a command queue offers: ACT, PRE, RD, WR */
#define DRAM_DS3_CMDQ 8       /* dramsim3: entries per bank command queue (its cmd_queue_size) */
#define DRAM_DS3_DRAIN_MIN 8  /* dramsim3: with the command queues empty, more than this many
                                 queued writes start a drain */

typedef enum dram_scope_e {
    DRAM_SCOPE_BANK,        /* the same bank */
    DRAM_SCOPE_BANKGROUP,   /* every bank of the same bank group (same bank included) */
    DRAM_SCOPE_RANK,        /* every bank of the same rank */
    DRAM_SCOPE_OTHER_RANKS, /* every bank of the other ranks of the channel */
} dram_scope_t;

/* One timing rule: `next` may issue no earlier than `lat(t)` cycles after `prev`. */
typedef struct dram_timing_rule_s {
    const char *name;          /* JEDEC name, e.g. "tRCD" */
    dram_cmd_t prev, next;
    dram_scope_t scope;
    int64_t (*lat)(const dram_timing_t *t); /* cycles; <= 0 means no constraint */
} dram_timing_rule_t;

extern const dram_timing_rule_t dram_rules[];   /* terminated by name == NULL */
extern const char *const dram_cmd_names[DRAM_NCMD];

#define DRAM_NO_ROW UINT32_MAX
#define DRAM_ROW_BUCKETS 16   /* per-bank counts of queued requests by row (dram_bank_t) */
#define DRAM_WQ_FILTER_BITS 10  /* counting filter of queued write lines: 1024 counters */

typedef struct dram_bank_s {
    uint64_t next[DRAM_NCMD];   /* earliest cycle per command from bank-scope rules */
    uint32_t open_row;          /* DRAM_NO_ROW when precharged */
    uint16_t rank, bg;          /* position (rank in channel, bank group in rank) */
    migsim_req_t *q_head[2];    /* queued requests, reads [0] / writes [1], oldest first */
    migsim_req_t *q_tail[2];
    uint16_t row_cnt[2][DRAM_ROW_BUCKETS]; /* queued requests per list by row % 16: zero
                                             means none to any row of that bucket */
    /* cached scheduling candidate for the channel's current mode (see dram_chan_t.sc_*) */
    uint8_t cand_cmd;           /* dram_cmd_t, or DRAM_NCMD for none */
    uint8_t cand_class;         /* priority class (lower wins) */
    migsim_req_t *cand_req;     /* request served, NULL for a closing PRE */
    uint64_t cand_age;          /* arrival order of cand_req */
    uint64_t cand_key;          /* cand_class << 56 | cand_age: lower wins among equal cycles */
    migsim_req_t *commit;       /* the request the open row was activated for, until its column
                                   command issues (in either mode); NULL when none. No PRE (mode
                                   switch or refresh) closes the row while it is set */
    uint8_t act_kind;           /* the open row's ACT served a read (0) or a write (1) */
    bool row_used;              /* a column command issued since the open row's ACT */
    uint8_t nx[2];              /* dramsim3: the first nx[m] requests of list m are in the
                                   bank's command queue (moved there in arrival order) */
    uint8_t hits;               /* dramsim3: column commands since the open row's ACT */
    uint8_t ds3_hit;            /* dramsim3: bit k set when entry k of the bank's command queue
                                   (dram_chan_t.ds3_cq) is to the open row */
    uint8_t ds3_offer;          /* dramsim3: bit x set when the command queue offers command x
                                   (ACT, PRE, RD, WR) */
    uint8_t ds3_wr;             /* dramsim3: bit k set when entry k of the command queue is a
                                   write */
    uint64_t *bg_next;          /* its bank group's next (dram_bg_t), its rank's (dram_rank_t) */
    uint64_t *rank_next;
} dram_bank_t;

typedef struct dram_bg_s {
    uint64_t next[DRAM_NCMD + 1]; /* earliest cycle per command from bank-group rules; the
                                     last entry stays 0, the entry for "no candidate" */
} dram_bg_t;

typedef struct dram_rank_s {
    uint64_t next[DRAM_NCMD + 1]; /* earliest cycle per command from rank rules; the last
                                     entry stays 0, the scan's entry for "no candidate" */
    uint64_t faw[4];            /* cycles of the last four ACTs (ring) */
    uint32_t faw_n;             /* ACTs recorded, saturates at 4 */
    uint32_t faw_i;             /* ring position of the oldest */
    uint64_t ref_due;           /* cycle at which the next REF falls due */
    uint64_t ref_eff_due;       /* ref_due with refresh on, UINT64_MAX with it off */
    uint32_t open_banks;        /* banks with an open row */
} dram_rank_t;

/* Scheduling candidate: a command and the first cycle it may issue. */
typedef struct dram_cand_s {
    uint64_t time;              /* cycle; UINT64_MAX = none */
    uint64_t key;               /* class << 56 | age: lower wins among equal times */
    uint8_t cmd;                /* dram_cmd_t */
    uint32_t unit;              /* flat bank index, or rank for REF */
    migsim_req_t *req;          /* served request or NULL */
} dram_cand_t;

struct dram_s;

/* dramsim3: an entry of a bank's command queue, with what the controller reads of it. */
typedef struct dram_ds3_cqe_s {
    migsim_req_t *req;          /* borrowed: also in its bank's request list */
    uint32_t row;               /* the request's row */
    uint16_t col;               /* its column (below 4096) */
    uint8_t m;                  /* 0 = read, 1 = write */
} dram_ds3_cqe_t;

typedef struct dram_chan_s {
    struct dram_s *d;           /* borrowed: owning model */
    uint32_t idx;               /* channel number */
    dram_bank_t *banks;         /* owned: ranks * bankgroups * banks_per_group */
    dram_bg_t *bgs;             /* owned: ranks * bankgroups */
    dram_rank_t *ranks;         /* owned */
    uint64_t cmd_next;          /* command bus: first free cycle */
    uint64_t ref_due_min;       /* the earliest ranks[].ref_eff_due */
    uint32_t nq[2];             /* queued reads / writes */
    uint32_t nact[2];           /* of them, requests that left the read/write buffer: in
                                   ramulator2 those whose row is activated for them (bank
                                   commit), in dramsim3 those moved to a bank command queue;
                                   0 otherwise. Buffer occupancy is nq - nact */
    /* dramsim3 only */
    struct dram_txe_s {         /* a buffered request, with what the move reads of it */
        migsim_req_t *req;      /* borrowed while buffered */
        uint64_t t_arrive;      /* req->t_arrive, ps */
        uint64_t age;           /* REQ_AGE(req): the buffer is in its order */
        uint32_t bank;          /* flat bank index */
    } *txq[2];                  /* owned: the read/write buffers in arrival order, nq - nact
                                   entries from txq_head, in arrays of twice
                                   read/write_queue_depth (moved to the start when full) */
    uint32_t txq_head[2];       /* index of each buffer's oldest entry in txq */
    uint32_t rr;                /* round robin: the bank command queue that issued last */
    uint32_t draining;          /* writes still to move in the current drain; 0 = none */
    bool ds3_drain_held;        /* a drain stopped for a read: none starts before a read moves */
    uint64_t xfer_seq;          /* order of moves into the command queues */
    uint32_t cq_total;          /* requests in all command queues */
    uint64_t ds3_c;             /* the first cycle not yet simulated */
    uint8_t *ds3_k;             /* owned, DRAM_DS3_NCMD per bank: for each command offered, the
                                   first entry of the command queue that would issue it */
    uint64_t *ds3_multi;        /* owned, bitmap (as ds3_full): the banks whose queue offers
                                   more than one command (their scan entry is "none") */
    uint32_t ds3_nmulti;        /* ... how many */
    uint64_t ds3_t;             /* the last scan: the first cycle a bank can issue (UINT64_MAX:
                                   none), */
    uint32_t ds3_u;             /* ... and the first such bank in round-robin order */
    bool ds3_dirty;             /* a bank's queue or state, or a limit, changed since the scan */
    uint64_t *ds3_full;         /* owned, bitmap of the banks (ceil(banks / 64) words): bit
                                   set while the bank's command queue holds DRAM_DS3_CMDQ */
    dram_ds3_cqe_t *ds3_cq;     /* owned, DRAM_DS3_CMDQ per bank: the bank's command queue in
                                   order of moves, nx[0] + nx[1] entries (the first nx[m]
                                   requests of the bank's list m) */
    uint16_t *ds3_nbuf[2];      /* owned, one per bank: its requests in the read [0] / write [1]
                                   buffer (at most the buffer's depth) */
    uint64_t *ds3_buf[2];       /* owned, bitmaps (as ds3_full): ds3_nbuf[m] of the bank > 0 */
    uint64_t *ds3_bage[2];      /* owned, one per bank: the arrival order (REQ_AGE) of its oldest
                                   request in the read [0] / write [1] buffer, the first not
                                   moved of its list m; meaningful while ds3_nbuf[m] > 0 */
    bool xfer_blocked;          /* no request could move when last tried, and no command
                                   queue entry left nor request arrived since */
    uint8_t mode;               /* 0 = serving reads, 1 = draining writes */
    bool dirty;                 /* queues changed since `best` was computed */
    uint8_t want_retry;         /* bit m: a request for queue m was refused; retry when it has room */
    dram_cand_t best;           /* next command, valid while !dirty */
    uint64_t age_seq;           /* arrival counter */
    migsim_req_t *rsp_head[3];  /* completions in time order: reads, writes, forwarded reads */
    migsim_req_t *rsp_tail[3];
    /*
     * The scheduler's scan reads these flat arrays, one entry per bank:
     * the candidate command (DRAM_NCMD = none), its earliest cycle over the
     * bank's and bank group's constraints (recomputed when the bank's
     * candidate changes, and kept current otherwise: a command with bank
     * group rules raises the entries of its bank group's banks; the rank's
     * constraints and refresh due cycle are shared by every candidate of a
     * command, and the scan applies them), and its priority key, plain and
     * packed. dramsim3 uses sc_cmd and sc_eff for the command its queue
     * offers (dram.c, ds3_*), and no key: its order is round robin.
     */
    uint8_t *sc_cmd;            /* owned */
    uint64_t *sc_eff;           /* owned: max(bank and bank group constraints); UINT64_MAX = none
                                   (dramsim3: DS3_NEVER, dram.c) */
    uint64_t *sc_key;           /* owned */
    uint64_t *sc_kp;            /* owned: the key packed for dram_scan_rank_packed */
    bool scan_packed;           /* the packed scan is exact: timing rules short, ages < 2^36 */
    uint16_t line_filter[2][1u << DRAM_WQ_FILTER_BITS]; /* queued reads [0] / writes [1] per
                                                           line hash; a queue holds at most
                                                           4096, so no overflow */
    migsim_event_t sched_ev;    /* next command issue */
    uint64_t sched_cyc;         /* the cycle sched_ev is scheduled for */
    migsim_event_t resp_ev;     /* next completion */
} dram_chan_t;

/* Address decoding: field positions in the byte address. */
typedef struct dram_addrmap_s {
    uint8_t shift[6];           /* ch, ra, bg, ba, ro, co */
    uint8_t bits[6];
    uint32_t mask[6];           /* (1 << bits) - 1 */
} dram_addrmap_t;

typedef struct dram_s {
    migsim_comp_t comp;
    migsim_port_t in;           /* requests from the platform */
    migsim_port_t in1;          /* a second requester (optional): same queues, own answers */
    /* parameters */
    uint32_t preset;            /* index into dram_presets */
    uint32_t channels, ranks, bankgroups, banks_per_group, rows, columns; /* 0 = preset */
    uint32_t tCK_ps, tCL, tCWL, tRCD, tRP, tRAS, tRC, tRRD_S, tRRD_L, tFAW, tCCD_S, tCCD_L,
             tWTR_S, tWTR_L, tRTP, tWR, tRFC, tREFI, tRTRS;                 /* 0 = preset */
    char *address_mapping;      /* e.g. "RoBaBgRaCoCh" */
    uint32_t page_policy;       /* 0 open, 1 closed */
    uint32_t scheduler;         /* 0 frfcfs, 1 fcfs */
    uint32_t controller;        /* 0 default, 1 ramulator2 (DRAM_CTRL_*) */
    uint8_t commit_class;       /* priority class of a committed request's column command */
    uint8_t hit_class;          /* priority class of other row hits */
    uint32_t read_queue_depth, write_queue_depth;   /* requests per channel */
    uint32_t write_high_watermark, write_low_watermark; /* requests */
    bool refresh;               /* issue all-bank refresh */
    bool functional;            /* keep real bytes for requests that carry data */
    bool verify_cache;          /* recompute candidates at every scan, and dramsim3's move
                                   choice at every move, and compare (testing) */
    char *cmd_log;              /* path of the command log, "" = none */
    /* resolved configuration */
    dram_org_t org;
    dram_timing_t t;
    dram_addrmap_t map;
    uint32_t banks_per_rank;    /* bankgroups * banks_per_group */
    uint32_t ds3_words;         /* dramsim3: 64-bit words of a bitmap of a channel's banks */
    uint32_t line_bytes;        /* bus_width / 8 * BL (64), a power of two */
    uint32_t line_shift;        /* log2(line_bytes) */
    uint64_t tck_recip;         /* floor((2^64 - 1) / tCK_ps): ps to cycles without a division */
    uint64_t capacity_bytes;    /* all channels */
    uint32_t rule_lat[DRAM_NCMD][4][DRAM_NCMD]; /* cycles of the rule (preceding command, scope,
                                                   following command); 0: none */
    uint32_t max_lat;           /* longest timing rule (tFAW included), cycles */
    dram_chan_t *chans;         /* owned */
    migsim_store_t store;       /* functional bytes */
    FILE *log;                  /* owned: command log, NULL when off */
    migsim_commit_fn on_commit; /* write observer (dram_set_commit_observer), NULL = none */
    void *on_commit_ctx;        /* borrowed */
    /* statistics (counters) */
    uint64_t st_reads, st_writes;            /* requests accepted */
    uint64_t st_row_hits, st_row_misses, st_row_conflicts;
    uint64_t st_cmd[DRAM_NCMD];              /* per command; PRE counts single-bank ones */
    uint64_t st_prea;                        /* PREA commands (ramulator2's refresh) */
    uint64_t st_wasted[3];                   /* rows closed with no column command since their
                                                ACT, by cause: [0] a PRE for a request of the
                                                other kind (read/write mode), [1] refresh, [2]
                                                any other PRE */
    uint64_t st_wasted_total;                /* derived: the sum of st_wasted */
    uint64_t st_refused;                     /* sends refused: queue full */
    uint64_t st_forwarded;                   /* reads answered from the write queue */
    uint64_t st_wrapped;                     /* addresses beyond capacity (wrapped) */
    uint64_t st_bytes_read, st_bytes_written;
    uint64_t st_read_lat_sum_ps, st_read_lat_max_ps, st_write_lat_sum_ps;
    uint64_t st_last_data_ps;                /* end of the last data burst */
    uint64_t *lat_hist;                      /* owned: read latency histogram, 1 cycle buckets */
    uint32_t lat_hist_n;                     /* buckets (last = overflow) */
    /* derived statistics */
    double st_read_lat_avg_ns, st_read_lat_avg_cyc, st_read_lat_p50_ns, st_read_lat_p90_ns,
           st_read_lat_p99_ns, st_read_lat_max_ns, st_write_lat_avg_ns, st_bandwidth_gbps,
           st_row_hit_rate, st_sim_time_ns;
    uint64_t st_read_lat_p50_cyc, st_read_lat_p99_cyc, st_read_lat_max_cyc; /* derived */
} dram_t;

extern const migsim_comp_ops_t dram_ops;

/*
 * Bytes the memory holds, from its parameters and preset: what init sets
 * capacity_bytes to, and valid before init (for a peer checking a range).
 */
uint64_t dram_capacity(const dram_t *d);

/* Call `fn` for every write with data when its bytes are applied (column command). */
void dram_set_commit_observer(dram_t *d, migsim_commit_fn fn, void *ctx);

/*
 * Functional view of the memory (no simulated time): a read sees the store
 * with the writes still queued in the controllers applied over it; a write
 * updates the store and every queued write to the same bytes, so it acts as
 * the newest write and no older write still on its way can undo it.
 */
migsim_fmem_t dram_fmem(dram_t *d);

/* Debug access to the functional store (no timing): used by tests and wrappers. */
int dram_dbg_write(dram_t *d, uint64_t addr, const void *src, size_t len);
void dram_dbg_read(dram_t *d, uint64_t addr, void *dst, size_t len);

/*
 * Direct memory access: the functional store's frame (MIGSIM_STORE_FRAME_BYTES,
 * aligned) holding `addr`, created when absent; NULL beyond the capacity or
 * out of memory. Accesses through it bypass the timing model and the write
 * queue (a write still queued is not visible through it yet).
 */
uint8_t *dram_dmi_frame(dram_t *d, uint64_t addr);
/* Idle-bank read latency (tRCD + tCL + tBL) and write latency (tRCD + tCWL + tBL), ps. */
migsim_tick_t dram_idle_read_ps(const dram_t *d);
migsim_tick_t dram_idle_write_ps(const dram_t *d);

/* Decode a byte address (after wrapping to capacity). */
typedef struct dram_loc_s { uint32_t ch, rank, bg, bank, row, col; } dram_loc_t;
void dram_decode(const dram_t *d, uint64_t addr, dram_loc_t *loc);

/* Parse an address-mapping string into `map` for `org`. 0 or MIGSIM_ECONFIG. */
int dram_addrmap_parse(const char *s, const dram_org_t *org, uint32_t line_bytes,
                       dram_addrmap_t *map);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_DRAM_H */
