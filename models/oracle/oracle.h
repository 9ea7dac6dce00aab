/*
 * oracle.h - the correctness oracle: a shadow memory of every intended write,
 * checked against the simulated memory read through the final mappings.
 *
 * Models the "nothing lost" check of models/MIGRATION.md ("The oracle") for
 * the migration of US 9,081,764 (FIG. 2 blocks 210-218, FIG. 3 second
 * segment): the lost update it must catch is a copy engine that reads a
 * line, a DMA dual write that updates it, and the copy that then writes the
 * stale line to the target.
 *
 * The oracle is not a component: the platform owns one (oracle_init/fini),
 * the memory reports each write's payload when it commits (oracle_commit,
 * or oracle_commit_observer installed as the DRAM's and the cache's commit
 * observer, called at the write's column command), and the migration
 * controller (or a test) calls oracle_check with a function that resolves an
 * intended address to its final physical address.
 *
 * Keys are intended addresses: (address space, line number), where the line
 * is 64 bytes (ORACLE_LINE_BYTES). A CPU write is keyed by its VA, a DMA
 * write by its IOVA (req->orig_addr), anything else by its PA. Partial-line
 * writes merge into the line; only bytes that were written are compared.
 * Each line keeps the last writer and the time of the last commit.
 *
 * Memory: ORACLE_LINE_REC_BYTES (112) bytes per written line in a dense
 * array (grown by doubling, so up to twice that just after growing), plus
 * 4-byte index slots at a load factor of at most 1/2 (8 to 16 bytes per
 * line). About 125 bytes per written 64-byte line in steady state, at most
 * 240 right after a doubling.
 *
 * Hot path: oracle_commit is one hash probe and a memcpy per line touched;
 * it allocates only when the line is new and the arrays are full (doubling).
 * oracle_check walks the lines in first-commit order (deterministic reports).
 */
#ifndef MIGSIM_MODELS_ORACLE_H
#define MIGSIM_MODELS_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migsim/req.h"
#include "migsim/store.h"
#include "migsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ORACLE_LINE_BYTES 64u

/*
 * A request flag: a write the oracle must not record because it is a
 * mechanism's copy of data whose intended write is recorded elsewhere (the
 * dual-write chip's second half of a dual write). Set by models/dualwrite;
 * honoured by oracle_commit_req. Uses the top bit of migsim_req_t.flags.
 */
#define ORACLE_REQ_NO_COMMIT 0x80000000u

/* Address space of an intended address. */
typedef enum oracle_space_e {
    ORACLE_SPACE_PA = 0,      /* physical: copy engine, walker, anything untranslated */
    ORACLE_SPACE_CPU_VA = 1,  /* CPU virtual address (one address space for all cores) */
    ORACLE_SPACE_IOVA = 2,    /* I/O virtual address (one address space for all devices) */
    ORACLE_SPACE_COUNT_
} oracle_space_t;

/* Who wrote a line last. */
typedef struct oracle_writer_s {
    uint64_t req_id;          /* migsim_req_t.id of the write (0 when not from a request) */
    uint16_t src_idx;         /* core, device or engine number */
    uint8_t src_kind;         /* migsim_src_kind_t */
} oracle_writer_t;

/* One written line (internal to the map; readable through oracle_find). */
typedef struct oracle_line_s {
    uint64_t line;            /* intended address / ORACLE_LINE_BYTES */
    uint64_t mask;            /* bit b set: byte b of the line was written */
    migsim_tick_t time;       /* time of the last commit to this line, ps */
    oracle_writer_t writer;   /* last writer (req id, source) */
    uint8_t space;            /* oracle_space_t */
    uint8_t data[ORACLE_LINE_BYTES]; /* last committed bytes; valid where mask is set */
} oracle_line_t;

#define ORACLE_LINE_REC_BYTES 112u /* sizeof(oracle_line_t) on LP64; checked in oracle.c */

typedef struct oracle_s {
    oracle_line_t *lines;     /* owned: written lines, in first-commit order */
    uint32_t nlines;          /* lines in use, < 2^31 */
    uint32_t cap_lines;       /* capacity of `lines` */
    uint32_t *index;          /* owned: open-addressing slots, line position + 1, 0 = empty */
    uint32_t index_cap;       /* slots, power of two, >= 2 * nlines (load <= 1/2) */
    uint64_t commits;         /* oracle_commit calls that recorded bytes */
    uint64_t skipped;         /* oracle_commit_req calls ignored (no data, reads, NO_COMMIT, copy) */
    uint64_t failed;          /* observer commits lost to host memory exhaustion */
} oracle_t;

/* One lost line, as reported by oracle_check. Pointers valid during the callback only. */
typedef struct oracle_mismatch_s {
    oracle_space_t space;     /* space of the intended address */
    uint64_t addr;            /* intended address of the line (line-aligned) */
    uint64_t pa;              /* final physical address of the line; valid when mapped */
    bool mapped;              /* false: resolve failed, the line has no final mapping */
    oracle_writer_t writer;   /* last writer recorded by the oracle */
    migsim_tick_t time;       /* its commit time, ps */
    uint64_t mask;            /* bytes of the line the oracle knows (bit per byte) */
    uint32_t first_bad;       /* offset of the first differing byte, 0..63 */
    uint32_t nbad;            /* differing bytes among those in mask, 1..64 */
    const uint8_t *expected;  /* borrowed: 64 bytes, the shadow (valid where mask is set) */
    const uint8_t *found;     /* borrowed: 64 bytes read at pa (zeros when unmapped) */
} oracle_mismatch_t;

/*
 * Resolve an intended line address to its final physical address through
 * the final mappings. Return 0 and set *pa, or nonzero when the address has
 * no mapping (the line is then reported as lost, unmapped).
 */
typedef int (*oracle_resolve_fn)(void *ctx, oracle_space_t space, uint64_t addr, uint64_t *pa);

/* Receive one mismatch. */
typedef void (*oracle_report_fn)(void *ctx, const oracle_mismatch_t *m);

/* An empty oracle. Allocates nothing until the first commit. */
void oracle_init(oracle_t *o);

/* Free everything; the oracle is empty again (oracle_init state). */
void oracle_fini(oracle_t *o);

/*
 * Record that `len` bytes of `data` committed at intended address `addr` of
 * `space` at `time`, written by `writer`. Spans lines as needed; each line
 * touched takes the bytes (partial lines merge), the writer and the time.
 * len 0 is a no-op. Returns 0, MIGSIM_EINVAL (bad space, NULL data with
 * len > 0, address range wrapping past 2^64) or MIGSIM_ENOMEM (the oracle
 * is unchanged for the line that failed; earlier lines of the call stay).
 */
int oracle_commit(oracle_t *o, oracle_space_t space, uint64_t addr, const void *data,
                  size_t len, oracle_writer_t writer, migsim_tick_t time);

/* The intended-address space of a request's orig_addr, by its source kind. */
oracle_space_t oracle_space_of_src(unsigned src_kind);

/*
 * The memory's commit hook: record `req` if it is a write that carries data
 * (MIGSIM_REQ_HAS_DATA), is not marked ORACLE_REQ_NO_COMMIT and does not come
 * from the copy engine (MIGSIM_SRC_COPY moves data, it does not intend it).
 * Key: (oracle_space_of_src(req->src_kind), req->orig_addr); writer: req's
 * id, src_kind, src_idx. Returns what oracle_commit returns, 0 when skipped.
 */
int oracle_commit_req(oracle_t *o, const migsim_req_t *req, migsim_tick_t time);

/*
 * The same as a migsim_commit_fn (migsim/req.h), for the memory's commit
 * observer: dram_set_commit_observer(d, oracle_commit_observer, o) (and the
 * same on the last-level cache). ctx is the oracle_t. A commit that fails
 * (host out of memory) is counted in `failed` and makes oracle_check fail.
 */
void oracle_commit_observer(void *ctx, const migsim_req_t *req, migsim_tick_t now);

/* The record of the line holding (space, addr), NULL if never written. */
const oracle_line_t *oracle_find(const oracle_t *o, oracle_space_t space, uint64_t addr);

/* Lines written so far. */
static inline uint32_t oracle_lines(const oracle_t *o) { return o->nlines; }

/* Host bytes held by the oracle's arrays. */
size_t oracle_host_bytes(const oracle_t *o);

/*
 * Check every written line: resolve its intended address with `resolve`
 * (ctx `rctx`), read ORACLE_LINE_BYTES at the result through `fmem`, and
 * compare the bytes the oracle knows. Each line that differs, or does not
 * resolve, is passed to `report` (ctx `pctx`; may be NULL) in first-commit
 * order. Returns the number of lost lines (>= 0), MIGSIM_EINVAL when
 * resolve or fmem is NULL, or MIGSIM_ENOMEM when an observer commit was
 * lost (the shadow is incomplete). Changes nothing.
 */
long oracle_check(const oracle_t *o, oracle_resolve_fn resolve, void *rctx,
                  const migsim_fmem_t *fmem, oracle_report_fn report, void *pctx);

/* Print a mismatch on one line ("lost IOVA 0x...: writer dma3 req 17 at 1234 ps ..."). */
int oracle_format(const oracle_mismatch_t *m, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_ORACLE_H */
