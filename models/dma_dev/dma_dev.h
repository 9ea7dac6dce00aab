/*
 * dma_dev.h - a trace-driven DMA device (a NIC, a disk controller): issues
 * the DMA reads and writes of a trace to its `out` port by IOVA.
 *
 * Two processes run side by side. Arrival: each record arrives at its trace
 * time (start_ps + time for absolute times; a gap after the previous
 * arrival for GAP_PS; no arrival before start_ps, the trace player's rule)
 * whether or not the device can issue; a write's data (device to
 * memory, e.g. a received packet) enters the device buffer, and when the
 * buffer or the record queue is full the record is dropped and counted.
 * Issue: arrived records are issued in order, line by line, with at most
 * queue_depth requests outstanding, while the device is not suspended and
 * the target accepts. A write's bytes leave the buffer as its lines are
 * sent. Suspension (dma_dev_suspend, the "suspend the I/O device" baseline
 * of US 9,081,764) stops issue only: records keep arriving, the buffer
 * fills, and overflow drops.
 *
 * Source kind: a device replays the trace's DMA records only. Records of
 * another kind (CPU, ...) are skipped and counted (dropped_kind_records); a
 * trace none of whose first DMA_DEV_KIND_PROBE_RECS records is a DMA record
 * (a CPU trace given to a device) is refused at init.
 *
 * Transfers: the first request of each record carries MIGSIM_REQ_XFER_FIRST
 * and its last MIGSIM_REQ_XFER_LAST (a record is a transfer: a packet, a
 * block), so that what it holds can be followed downstream (the migration
 * controller's DMA pins).
 *
 * Faults: a response with a fault status (an I/O page fault answered by the
 * IOMMU) counts in faulted_reqs and in no latency figure (srclat.h).
 *
 * ATS (atc_entries > 0): the device keeps an address translation cache of
 * DMA_DEV_ATC_PAGE-byte IOVA pages (fully associative, least recently used
 * out). A request whose page hits is sent with its PA, flagged
 * IOMMU_REQ_ATS_TRANSLATED (the IOMMU passes it through); on a miss the
 * device first sends a translation request (IOMMU_REQ_ATS_XLATE, answered by
 * the IOMMU after its IOTLB probe or walk, without a memory access), caches
 * the answer and then sends the request translated; meanwhile it issues
 * nothing else (in order). A translation request that faults leaves the
 * request to go untranslated, where the IOMMU faults it (or PRI, below).
 * dma_dev_ats_invalidate() is an ATS invalidation: the entries of the range
 * go at once and a translation in flight is not cached when it comes back;
 * the completion goes back ats_inval_ps later. atc_ignore_inval (a planted
 * bug) completes invalidations without dropping anything: stale PAs.
 * Approximation: requests already sent with an old translation are not
 * waited for by the completion.
 *
 * PRI (pri): a request answered IOMMU_STATUS_FAULT sends a page request,
 * waits pri_ps for the OS's answer and is sent again (it stays outstanding
 * meanwhile, and is sent even while the device is suspended); after
 * pri_max_retries page requests for one request its next fault is final
 * (faulted_reqs, pri_failed_reqs).
 *
 * Statistics: request latency (record arrival to response, so time waiting
 * in the device counts, suspended or not) overall and split by the
 * migration phase (migsim_sim_phase(): before, during, after) read when the
 * response arrives, each phase in a log-linear histogram (migsim/hist.h) for
 * its average, p50, p99 and maximum.
 *
 * DMA mask and bounce buffers (dma_mask_bits > 0; the prior art of
 * transparent memory remapping, seed 002 [0005]-[0006], [0060]): the device
 * reaches only PAs below 2^dma_mask_bits. Such a device is wired to memory
 * without an IOMMU (the platform of seed 002, whose [0008] names an I/O MMU
 * as the hardware alternative), and its driver gives it PAs: the mapping set
 * with dma_dev_set_map() (seed 002's PPN -> MPN map; the controller's I/O
 * page table, `migctl` `mapped_devs`), or its addresses as they are. A
 * request (one line) whose PA lies above the mask goes through a bounce
 * buffer: a line of the region [bounce_base, bounce_base + bounce_bytes) (a
 * ring of lines, one per request in flight, the line offset kept), with the
 * CPU copying between it and the real line, as three requests in sequence on
 * `out`, each sent when the one before is answered:
 *   write (device to memory): the device writes the bounce line; the CPU
 *     reads it and writes the real line;
 *   read (memory to device): the CPU reads the real line and writes the
 *     bounce line; the device reads it.
 * The CPU's requests carry MIGSIM_SRC_CPU (and the data read, with
 * payload). The request stays outstanding until the last answer, so the
 * latency figures include the copy. A page remapped into low memory (its
 * mapping now below the mask) stops bouncing with its next request. The CPU
 * time the copies cost is counted, not simulated on a core: bounce_io_ps
 * per transfer (a record) with a bounced line plus bounce_ps_per_byte per
 * byte copied (bounce_cpu_ps). A device with a mask has no ATC and no PRI
 * (refused at init).
 *
 * The built-in generator (gen_* parameters) offers the DMA patterns of
 * migsim/trace.h: nic_rx (a receive ring) and block (a block device), besides
 * sequential, random and strided.
 *
 * Hot path: one event per arrival time and one per issue opportunity, one
 * histogram record per response; no allocation after init (the record
 * queue is a ring sized at init).
 */
#ifndef MIGSIM_MODELS_DMA_DEV_H
#define MIGSIM_MODELS_DMA_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "migsim/component.h"
#include "migsim/sim.h"
#include "migsim/trace.h"
#include "srclat/srclat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A trace none of whose first this many records is a DMA record is refused at init. */
#define DMA_DEV_KIND_PROBE_RECS 4096u

#define DMA_DEV_ATC_PAGE 4096u        /* bytes of IOVA one ATC entry translates */
#define DMA_DEV_MAX_INVALS 8u         /* ATS invalidations in progress at once */

/* The PA a device is given for its address `addr` (dma_dev_set_map); ctx is the caller's. */
typedef uint64_t (*dma_dev_map_fn)(void *ctx, uint64_t addr);

/* Told of each request answered (dma_dev_set_observer); ctx is the caller's. */
typedef void (*dma_dev_observe_fn)(void *ctx, const migsim_req_t *req);

/* Called when an ATS invalidation completes; ctx is the caller's. */
typedef void (*dma_dev_inval_done_fn)(void *ctx);

struct dma_dev_s;

/* One ATS invalidation in progress. */
typedef struct dma_dev_inval_s {
    struct dma_dev_s *d;           /* borrowed: the owner (the event's context) */
    migsim_event_t ev;             /* the completion, ats_inval_ps after the request */
    dma_dev_inval_done_fn done;    /* may be NULL */
    void *ctx;                     /* borrowed: done's argument */
    bool active;
} dma_dev_inval_t;

/* A request that faulted and went through PRI: how often, by request id. */
typedef struct dma_dev_pri_s {
    uint64_t id;                   /* the request's id */
    uint32_t tries;                /* page requests sent for it */
    bool used;
} dma_dev_pri_t;

/* A request going through a bounce buffer: where it is, by request id. */
typedef struct dma_dev_bounce_s {
    uint64_t id;                   /* the request's id */
    uint64_t orig;                 /* the device's address of the line */
    uint64_t buf;                  /* its bounce line (same offset in the line) */
    uint8_t stage;                 /* 1..3: the request on `out` now (see the file header) */
    bool write;                    /* device to memory */
    bool used;
} dma_dev_bounce_t;

typedef struct dma_rec_s {
    migsim_trace_rec_t rec;        /* the record as read */
    migsim_tick_t arrived;         /* its arrival time, ps */
} dma_rec_t;

typedef struct dma_dev_s {
    migsim_comp_t comp;
    migsim_port_t out;             /* DMA requests by IOVA, or by PA when mapped (dma_dev_set_map) */
    /* parameters */
    char *trace;                   /* native trace path; "" = generator */
    uint32_t queue_depth;          /* outstanding requests, >= 1 */
    uint64_t buffer_bytes;         /* device buffer for write data, bytes */
    uint32_t ring_records;         /* arrived records waiting to issue, at most */
    uint32_t line_bytes;           /* request size, power of two <= 64 */
    bool payload;                  /* writes carry deterministic data */
    bool expect_faults;            /* faulted responses are expected (read by migsim run) */
    uint32_t gen_pattern;          /* migsim_gen_pattern_t */
    uint64_t gen_count, gen_base, gen_range_bytes, gen_stride_bytes;
    uint32_t gen_size_bytes;
    double gen_read_frac;
    uint64_t gen_seed;             /* 0 = simulation seed + 1 */
    uint64_t gen_gap_ps;
    uint32_t gen_ring_entries;     /* nic_rx: descriptors and buffers, 1..2^20 */
    uint32_t gen_buf_bytes;        /* nic_rx: bytes per receive buffer, 1..1 MiB */
    uint32_t gen_pkt_min_bytes;    /* nic_rx: smallest packet, bytes, 1..gen_pkt_max_bytes */
    uint32_t gen_pkt_max_bytes;    /* nic_rx: largest packet, bytes, <= gen_buf_bytes */
    uint32_t gen_block_bytes;      /* block: bytes per transfer, 1..1 MiB */
    uint32_t gen_block_order;      /* block: migsim_gen_order_t (0 sequential, 1 random) */
    uint64_t start_ps;             /* first arrival opportunity; added to ABS_PS record times, ps */
    uint32_t dev_id;               /* src_idx of generated records */
    uint32_t atc_entries;          /* ATS translation cache entries, 0 = no ATC, <= 4096 */
    uint64_t ats_inval_ps;         /* ATS invalidation request to completion, ps */
    bool atc_ignore_inval;         /* planted bug: invalidations complete, entries stay */
    bool pri;                      /* faulted requests go through PRI and are sent again */
    uint64_t pri_ps;               /* page request to the OS's answer, ps */
    uint32_t pri_max_retries;      /* page requests per request at most, 1..65535 */
    uint32_t dma_mask_bits;        /* addresses the device reaches: below 2^bits; 0 = all */
    uint64_t bounce_base;          /* bounce buffer region, bytes, below the mask */
    uint64_t bounce_bytes;         /* its size, >= queue_depth * line_bytes with a mask */
    uint64_t bounce_io_ps;         /* CPU time per bounced transfer, ps */
    uint64_t bounce_ps_per_byte;   /* CPU copy time per byte bounced, ps */
    /* state */
    migsim_recsrc_t *src;          /* owned */
    migsim_time_mode_t time_mode;
    migsim_trace_rec_t next;       /* next record to arrive */
    bool have_next;
    bool eof;
    migsim_tick_t last_arrival;    /* for gap time modes, ps */
    dma_rec_t *ring;               /* owned: ring_records entries */
    uint32_t ring_head, ring_n;    /* oldest entry, count */
    uint64_t head_off;             /* bytes of the oldest record already issued */
    uint64_t buffered;             /* write bytes arrived and not yet sent */
    uint32_t inflight;
    bool suspended;
    bool blocked;                  /* target refused; waiting for retry */
    migsim_req_t *pending;         /* the refused request */
    migsim_tick_t suspended_since;
    uint64_t rec_index;
    migsim_event_t arrive_ev, issue_ev;
    uint8_t pending_kind;          /* what `pending` is: a new request or a translation request */
    uint64_t *atc_page;            /* owned: atc_entries IOVA pages (IOVA / DMA_DEV_ATC_PAGE + 1; 0 = empty) */
    uint64_t *atc_pa;              /* owned: their PAs (page-aligned) */
    uint64_t *atc_used;            /* owned: last use, for LRU */
    uint64_t atc_clock;            /* uses so far */
    uint64_t atc_gen;              /* ATS invalidations so far */
    migsim_req_t *xlate_req;       /* the request waiting for its translation (owned), or NULL */
    bool xlate_out;                /* its translation request is in flight */
    bool xlate_skip;               /* its translation faulted: it goes untranslated */
    uint64_t xlate_gen;            /* atc_gen when that translation request was sent */
    dma_dev_inval_t inv[DMA_DEV_MAX_INVALS];
    dma_dev_pri_t *pri_tab;        /* owned: queue_depth entries */
    uint32_t pri_used;             /* entries in use */
    migsim_req_t *priq, *priq_tail; /* faulted requests waiting for the OS's answer, oldest first;
                                      req->scratch[0] = when the answer comes, ps */
    migsim_event_t pri_ev;         /* the oldest answer */
    dma_dev_bounce_t *bnc;         /* owned: queue_depth entries, with a mask */
    uint32_t bnc_used;             /* entries in use */
    uint64_t bnc_next;             /* bounce lines handed out so far (the ring's position) */
    migsim_req_t *bq, *bq_tail;    /* bounced requests ready for their next stage, oldest first */
    bool head_bounced;             /* a line of the head record went through the buffer */
    dma_dev_map_fn map;            /* the driver's mapping, NULL = addresses go out as they are */
    void *map_ctx;                 /* borrowed */
    dma_dev_observe_fn obs;        /* NULL = nobody */
    void *obs_ctx;                 /* borrowed */
    /* statistics */
    uint64_t st_arrived, st_dropped_bytes, st_reads, st_writes, st_bytes;
    uint64_t st_dropped_full;      /* arrived records dropped: buffer or record queue full */
    uint64_t st_dropped_kind;      /* records of another source kind than DMA, skipped */
    uint64_t st_dropped;           /* the sum of the two */
    uint64_t st_records;           /* records read: arrived + kind-skipped (finalize) */
    uint64_t st_refused, st_wait_sum_ps;
    uint64_t st_suspended_ps, st_buffer_peak;
    double st_wait_avg_ns;
    srclat_t lat;                  /* record arrival to response, in total and per phase */
    uint64_t st_atc_hits, st_atc_misses; /* requests whose page hit / missed the ATC */
    uint64_t st_ats_xlate;         /* ATS translation requests sent */
    uint64_t st_ats_xlate_faults;  /* of them answered with a fault */
    uint64_t st_ats_stale;         /* translations not cached: an invalidation came meanwhile */
    uint64_t st_ats_translated;    /* requests sent translated (a PA from the ATC) */
    uint64_t st_ats_invals;        /* ATS invalidations received */
    uint64_t st_atc_inval_entries; /* ATC entries they dropped */
    uint64_t st_pri_requests;      /* page requests sent */
    uint64_t st_pri_retries;       /* page requests after the first for one request */
    uint64_t st_pri_failed;        /* requests faulted after pri_max_retries page requests */
    uint64_t st_bounce_ios;        /* transfers with a line through the bounce buffer */
    uint64_t st_direct_ios;        /* transfers of a device with a mask that bounced nothing */
    uint64_t st_bounce_bytes;      /* bytes copied by the CPU through the bounce buffer */
    uint64_t st_bounce_copy_reqs;  /* the CPU's copy requests (a read and a write per line) */
    uint64_t st_bounce_cpu_ps;     /* CPU time of the copies, ps */
} dma_dev_t;

extern const migsim_comp_ops_t dma_dev_ops;

/* Suspend (true) or resume (false) issuing; arrivals continue. Idempotent. */
void dma_dev_suspend(dma_dev_t *d, bool suspend);

/*
 * An ATS invalidation of IOVAs [iova, iova + len): the ATC entries
 * overlapping it are dropped now (none with atc_ignore_inval) and a
 * translation in flight is not cached; done(ctx) is called ats_inval_ps from
 * now (from an event; may be NULL). 0, or MIGSIM_EBUSY when
 * DMA_DEV_MAX_INVALS are in progress.
 */
int dma_dev_ats_invalidate(dma_dev_t *d, uint64_t iova, uint64_t len, dma_dev_inval_done_fn done,
                           void *ctx);

/*
 * The driver's mapping of a device wired to memory without an IOMMU: each
 * request goes out at fn(ctx, addr) for its address addr, looked up when it
 * is sent (a bounce copy's real line when the copy is sent), at no simulated
 * cost; orig_addr keeps addr. NULL: addresses go out as they are. 0, or
 * MIGSIM_ECONFIG for a device with an ATC or PRI (they need an IOMMU).
 */
int dma_dev_set_map(dma_dev_t *d, dma_dev_map_fn fn, void *ctx);

/*
 * Tell fn(ctx, req) of each request answered (not ATS translation
 * requests), after its last bounce stage: req->orig_addr is the device's
 * address, req->addr the PA it went to, req->status its outcome. One
 * observer: 0, or MIGSIM_EBUSY when another is set; NULL clears it.
 */
int dma_dev_set_observer(dma_dev_t *d, dma_dev_observe_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_DMA_DEV_H */
