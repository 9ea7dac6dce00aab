/*
 * dualwrite.h - the dual-write chip of US 9,081,764 (FIG. 1 item 106, FIG. 3):
 * between the IOMMU and memory, it routes DMA traffic to a large page that is
 * being migrated by segment, and sees the copy engine's traffic so that it
 * can interlock against the copy/dual-write race (models/MIGRATION.md, "The
 * dual-write chip").
 *
 * Ports: target "in" (DMA requests after the IOMMU, physical addresses),
 * target "copy" (the copy engine's reads and writes, physical addresses),
 * initiator "mem" (to memory).
 *
 * Routing of an "in" request at physical address pa, decided when it arrives
 * with the registers current at that time (dualwrite_set), i = subpage index
 * of pa in [cur_base, cur_base + page_bytes):
 *   disabled, or pa outside the page   pass through unchanged
 *   segment 1, i < lo                  read and write the target
 *   segment 2, lo <= i < hi            read the current page; write both
 *                                      (two memory writes with the same data,
 *                                      one response after both completed)
 *   segment 3, i >= hi                 read and write the current page
 * where the target address is tgt_base + (pa - cur_base). "copy" requests go
 * to memory unchanged.
 *
 * Interlock (parameter `interlock`): with "line", a copy read (port "copy",
 * READ) of a line inside the current page is recorded as in flight from its
 * arrival until the copy port's write to the corresponding target line has
 * completed (its response came back from memory). An "in" WRITE to a line
 * with a copy in flight is held (not sent) until then, and then performed as
 * routed at its arrival (a dual write in segment 2). An "in" READ of a line
 * that has a held write is held too, so that it stays behind that write.
 * A copy engine that reads a line and never writes it back holds DMA writes
 * to that line forever. With "none" nothing is held, and the race of
 * models/MIGRATION.md can lose the DMA write.
 *
 * Back-pressure: memory requests the "mem" port refuses wait in a FIFO of
 * `queue_depth` entries, in arrival order. A request is accepted only when a
 * slot is free (`max_inflight`) and the FIFO has room for every memory
 * request it may need (two for a dual write, reserved at acceptance, so the
 * second half is never lost); otherwise it is refused and the port's
 * initiator gets a retry once room frees.
 *
 * Request fields used while the chip holds a request (restored before the
 * response): `cookie` (points to the chip's slot while downstream; the
 * initiator's value is kept in the slot), `addr` (the routed address while
 * downstream; the initiator's value is kept in the slot), `flags`
 * (MIGSIM_REQ_POSTED is cleared downstream so that the chip sees every
 * completion; a posted request is freed by the chip, as a target would),
 * `next` (FIFO link), `t_arrive` (restored to the arrival at
 * the chip), `t_done` (the later completion of the halves), `status` (first
 * failure of the halves). `orig_addr`, `src_kind`, `src_idx`, `id`, `data`
 * are never changed. The second half of a dual write is the chip's own
 * request from the pool, a copy of the first with addr = target and
 * ORACLE_REQ_NO_COMMIT set (its intended write is the first half).
 *
 * Hot path: per request, one range check, a slot from a free list, one
 * send; per dual write, one pool allocation (a free-list pop) and a 64-byte
 * copy; with the line interlock, a scan of at most `interlock_lines` tracked
 * copy lines for a write or copy request inside the page. No events: the
 * chip adds no latency of its own (wire delay belongs to the links).
 */
#ifndef MIGSIM_MODELS_DUALWRITE_H
#define MIGSIM_MODELS_DUALWRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "migsim/component.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The registers written by the migration controller (FIG. 2 blocks 206, 214, 218). */
typedef struct dualwrite_regs_s {
    bool enable;              /* false: every request passes through (other fields ignored) */
    uint64_t cur_base;        /* PA of the current page, aligned to page_bytes */
    uint64_t tgt_base;        /* PA of the target page, aligned to page_bytes, not overlapping */
    uint64_t page_bytes;      /* large page, power of two, >= subpage_bytes */
    uint64_t subpage_bytes;   /* power of two, >= the chip's line_bytes, <= page_bytes */
    uint64_t lo, hi;          /* migrating subpages [lo, hi): lo <= hi <= page/subpage */
} dualwrite_regs_t;

/* Where an address falls. */
typedef enum dualwrite_seg_e {
    DUALWRITE_PASS = 0,       /* chip disabled or address outside the current page */
    DUALWRITE_SEG1 = 1,       /* migrated: target */
    DUALWRITE_SEG2 = 2,       /* migrating: read current, write both */
    DUALWRITE_SEG3 = 3,       /* not yet migrated: current */
} dualwrite_seg_t;

enum { DUALWRITE_IL_NONE = 0, DUALWRITE_IL_LINE = 1 };

struct dualwrite_slot_s;

/* One copy line in flight (line interlock). */
typedef struct dualwrite_track_s {
    uint64_t cur_line;        /* current-page line read by the copy engine (PA / line_bytes) */
    uint64_t tgt_line;        /* its target line, whose copy write ends the entry */
    uint32_t count;           /* copy reads of this line not yet matched by a completed write */
} dualwrite_track_t;

typedef struct dualwrite_s {
    migsim_comp_t comp;
    migsim_port_t in;         /* target: DMA requests after the IOMMU (PA) */
    migsim_port_t copy;       /* target: copy engine requests (PA) */
    migsim_port_t mem;        /* initiator: to memory */
    /* parameters */
    uint32_t interlock;       /* DUALWRITE_IL_NONE or DUALWRITE_IL_LINE */
    uint32_t queue_depth;     /* memory requests waiting for "mem", 2..65536 */
    uint32_t max_inflight;    /* requests accepted and not yet answered, 1..65536 */
    uint32_t interlock_lines; /* copy lines tracked at once, 1..4096; more copy reads are refused */
    uint32_t line_bytes;      /* interlock granularity and largest request, power of two, 16..4096 */
    /* registers */
    dualwrite_regs_t regs;    /* as last set (validated) */
    uint32_t sub_shift;       /* log2(subpage_bytes), valid when enabled */
    uint32_t line_shift;      /* log2(line_bytes) */
    /* state */
    struct dualwrite_slot_s *slots;     /* owned: max_inflight slots */
    struct dualwrite_slot_s *free_slot; /* free list of slots */
    uint32_t nslots_used;     /* slots in use, <= max_inflight */
    migsim_req_t *q_head, *q_tail;      /* FIFO of memory requests waiting for "mem" */
    uint32_t q_reserved;      /* FIFO entries in use or reserved by accepted requests, <= queue_depth */
    struct dualwrite_slot_s *hold_head, *hold_tail; /* held "in" requests, arrival order */
    uint32_t nheld;           /* requests in the hold list */
    dualwrite_track_t *track; /* owned: interlock_lines entries, first ntrack in use */
    uint32_t ntrack;          /* tracked copy lines */
    uint16_t *ix[2];          /* owned: open-addressing indexes of track by cur_line [0] and
                                 tgt_line [1]; slot = entry index + 1, 0 = empty */
    uint32_t ix_mask;         /* index slots - 1 (slots: a power of two >= 2 * interlock_lines) */
    bool mem_blocked;         /* "mem" refused; waiting for its retry */
    uint8_t want_retry;       /* bit 0: "in" was refused, bit 1: "copy" was refused */
    /* statistics (counters) */
    uint64_t st_dma_reads, st_dma_writes;     /* "in" requests accepted */
    uint64_t st_copy_reads, st_copy_writes;   /* "copy" requests accepted */
    uint64_t st_seg_reads[4], st_seg_writes[4]; /* "in" requests by dualwrite_seg_t ([0] unused) */
    uint64_t st_passthrough;                  /* "in" requests passed through */
    uint64_t st_dual_writes;                  /* writes sent to both pages */
    uint64_t st_extra_bytes;                  /* bytes of the second halves */
    uint64_t st_held_writes, st_held_reads;   /* "in" requests held by the interlock */
    uint64_t st_hold_time_ps;                 /* sum over held requests of the hold, ps */
    uint64_t st_hold_max_ps;                  /* longest hold, ps */
    uint64_t st_refused;                      /* upstream sends refused (no slot/queue/track room) */
    uint64_t st_mem_refusals;                 /* sends "mem" refused */
    uint64_t st_tracked_lines;                /* copy reads recorded by the interlock */
} dualwrite_t;

extern const migsim_comp_ops_t dualwrite_ops;

/*
 * Write the registers. They apply to requests that arrive after the call;
 * requests already accepted (queued, held or in memory) keep their routing.
 * With regs->enable false the other fields are stored but neither checked
 * nor used. Returns 0, or MIGSIM_EINVAL with a message (registers
 * unchanged) when: a size is not a power of two, subpage_bytes < line_bytes
 * or > page_bytes, a base is not aligned to page_bytes, the pages are the
 * same (aligned pages of one size overlap only then), lo > hi, or
 * hi > page_bytes / subpage_bytes. The message names the component.
 */
int dualwrite_set(dualwrite_t *dw, const dualwrite_regs_t *regs);

/* The registers as last set. */
void dualwrite_get(const dualwrite_t *dw, dualwrite_regs_t *out);

/* Segment of physical address pa under the current registers. */
dualwrite_seg_t dualwrite_segment(const dualwrite_t *dw, uint64_t pa);

/* Requests accepted and not yet answered (held, queued or in memory); 0 = drained. */
static inline uint32_t dualwrite_inflight(const dualwrite_t *dw) { return dw->nslots_used; }

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_DUALWRITE_H */
