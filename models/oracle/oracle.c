/*
 * oracle.c - the shadow memory of intended writes and its final check (see
 * oracle.h; models/MIGRATION.md "The oracle"; US 9,081,764 FIG. 3).
 *
 * Hot path: oracle_commit, called at every committed write with data: one
 * probe of an open-addressing index (linear probing, multiplicative hash of
 * (space, line / 8) plus line % 8), then a memcpy into the line record.
 * Lines are never removed, so the index needs no deletion.
 */
#include "oracle/oracle.h"
#include "migsim/errors.h"
#include "migsim/trace.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(oracle_line_t) == ORACLE_LINE_REC_BYTES,
               "ORACLE_LINE_REC_BYTES must match the line record");
#endif

/*
 * Eight consecutive lines hash to eight consecutive slots: a DMA transfer or
 * a page copy then touches one host cache line of the index per eight lines
 * instead of one per line. Groups of eight are scattered by a
 * multiplicative hash.
 */
static inline uint32_t oracle_hash(uint64_t line, unsigned space, uint32_t mask)
{
    uint64_t k = ((line >> 3) ^ ((uint64_t)space << 61)) * 0x9e3779b97f4a7c15ull;
    return ((uint32_t)(k >> 32) + (uint32_t)(line & 7)) & mask;
}

void oracle_init(oracle_t *o)
{
    *o = (oracle_t){ 0 };
}

void oracle_fini(oracle_t *o)
{
    free(o->lines);
    free(o->index);
    *o = (oracle_t){ 0 };
}

/* Slot of (space, line): its position + 1, or the empty slot where it would go (*slot). */
static uint32_t oracle_probe(const oracle_t *o, unsigned space, uint64_t line, uint32_t *slot)
{
    uint32_t mask = o->index_cap - 1;
    for (uint32_t i = oracle_hash(line, space, mask);; i = (i + 1) & mask) {
        uint32_t v = o->index[i];
        if (v == 0 || (o->lines[v - 1].line == line && o->lines[v - 1].space == space)) {
            *slot = i;
            return v;
        }
    }
}

static int oracle_grow_index(oracle_t *o)
{
    uint32_t cap = o->index_cap ? 2 * o->index_cap : 1024;
    if (cap == 0 || cap > (1u << 31))
        return migsim_error(MIGSIM_ENOMEM, "oracle: more than 2^30 written lines");
    uint32_t *idx = calloc(cap, sizeof *idx);
    if (!idx)
        return migsim_error(MIGSIM_ENOMEM, "oracle: out of memory (index of %u slots)", cap);
    free(o->index);
    o->index = idx;
    o->index_cap = cap;
    for (uint32_t p = 0; p < o->nlines; p++) {
        uint32_t s;
        uint32_t v = oracle_probe(o, o->lines[p].space, o->lines[p].line, &s);
        assert(v == 0);
        (void)v;
        o->index[s] = p + 1;
    }
    return MIGSIM_OK;
}

/* The record of (space, line), created empty when new. NULL on ENOMEM (message set). */
static oracle_line_t *oracle_get(oracle_t *o, unsigned space, uint64_t line)
{
    if (2 * (uint64_t)(o->nlines + 1) > o->index_cap && oracle_grow_index(o) != 0)
        return NULL;
    uint32_t s;
    uint32_t v = oracle_probe(o, space, line, &s);
    if (v)
        return &o->lines[v - 1];
    if (o->nlines == o->cap_lines) {
        uint32_t cap = o->cap_lines ? 2 * o->cap_lines : 256;
        oracle_line_t *l = realloc(o->lines, (size_t)cap * sizeof *l);
        if (!l) {
            migsim_error(MIGSIM_ENOMEM, "oracle: out of memory (%u lines)", cap);
            return NULL;
        }
        o->lines = l;
        o->cap_lines = cap;
    }
    oracle_line_t *r = &o->lines[o->nlines];
    memset(r, 0, sizeof *r);
    r->line = line;
    r->space = (uint8_t)space;
    o->index[s] = ++o->nlines;
    return r;
}

int oracle_commit(oracle_t *o, oracle_space_t space, uint64_t addr, const void *data,
                  size_t len, oracle_writer_t writer, migsim_tick_t time)
{
    if ((unsigned)space >= ORACLE_SPACE_COUNT_)
        return migsim_error(MIGSIM_EINVAL, "oracle_commit: bad address space %d", (int)space);
    if (len == 0)
        return MIGSIM_OK;
    if (!data)
        return migsim_error(MIGSIM_EINVAL, "oracle_commit: NULL data for %zu bytes", len);
    if (addr + (len - 1) < addr)
        return migsim_error(MIGSIM_EINVAL, "oracle_commit: 0x%" PRIx64 " + %zu wraps past 2^64",
                            addr, len);
    const uint8_t *src = data;
    while (len) {
        uint32_t off = (uint32_t)(addr % ORACLE_LINE_BYTES);
        size_t n = ORACLE_LINE_BYTES - off;
        if (n > len)
            n = len;
        oracle_line_t *l = oracle_get(o, space, addr / ORACLE_LINE_BYTES);
        if (!l)
            return MIGSIM_ENOMEM;
        memcpy(l->data + off, src, n);
        l->mask |= (n == 64 ? UINT64_MAX : ((1ull << n) - 1)) << off;
        l->writer = writer;
        l->time = time;
        src += n;
        addr += n;
        len -= n;
    }
    o->commits++;
    return MIGSIM_OK;
}

oracle_space_t oracle_space_of_src(unsigned src_kind)
{
    switch (src_kind) {
    case MIGSIM_SRC_CPU: return ORACLE_SPACE_CPU_VA;
    case MIGSIM_SRC_DMA: return ORACLE_SPACE_IOVA;
    default:             return ORACLE_SPACE_PA;
    }
}

int oracle_commit_req(oracle_t *o, const migsim_req_t *req, migsim_tick_t time)
{
    if (req->op != MIGSIM_OP_WRITE || !(req->flags & MIGSIM_REQ_HAS_DATA) ||
        (req->flags & ORACLE_REQ_NO_COMMIT) || req->src_kind == MIGSIM_SRC_COPY) {
        o->skipped++;
        return MIGSIM_OK;
    }
    oracle_writer_t w = { .req_id = req->id, .src_idx = req->src_idx, .src_kind = req->src_kind };
    uint32_t n = req->size <= MIGSIM_REQ_DATA_BYTES ? req->size : MIGSIM_REQ_DATA_BYTES;
    return oracle_commit(o, oracle_space_of_src(req->src_kind), req->orig_addr, req->data, n, w,
                         time);
}

void oracle_commit_observer(void *ctx, const migsim_req_t *req, migsim_tick_t now)
{
    oracle_t *o = ctx;
    if (oracle_commit_req(o, req, now) != 0)
        o->failed++;
}

const oracle_line_t *oracle_find(const oracle_t *o, oracle_space_t space, uint64_t addr)
{
    if (!o->index_cap || (unsigned)space >= ORACLE_SPACE_COUNT_)
        return NULL;
    uint32_t s;
    uint32_t v = oracle_probe(o, space, addr / ORACLE_LINE_BYTES, &s);
    return v ? &o->lines[v - 1] : NULL;
}

size_t oracle_host_bytes(const oracle_t *o)
{
    return (size_t)o->cap_lines * sizeof(oracle_line_t) + (size_t)o->index_cap * sizeof(uint32_t);
}

long oracle_check(const oracle_t *o, oracle_resolve_fn resolve, void *rctx,
                  const migsim_fmem_t *fmem, oracle_report_fn report, void *pctx)
{
    if (!resolve || !fmem || !fmem->read)
        return migsim_error(MIGSIM_EINVAL, "oracle_check: resolve and fmem are required");
    if (o->failed)
        return migsim_error(MIGSIM_ENOMEM, "oracle_check: %" PRIu64 " commits were not recorded "
                            "(host out of memory); the shadow is incomplete", o->failed);
    long lost = 0;
    for (uint32_t p = 0; p < o->nlines; p++) {
        const oracle_line_t *l = &o->lines[p];
        uint64_t addr = l->line * ORACLE_LINE_BYTES;
        uint8_t found[ORACLE_LINE_BYTES] = { 0 };
        uint64_t pa = 0;
        bool mapped = resolve(rctx, (oracle_space_t)l->space, addr, &pa) == 0;
        uint32_t nbad = 0, first = 0;
        if (mapped) {
            fmem->read(fmem->ctx, pa, found, ORACLE_LINE_BYTES);
            for (uint32_t b = 0; b < ORACLE_LINE_BYTES; b++)
                if ((l->mask >> b & 1) && found[b] != l->data[b] && nbad++ == 0)
                    first = b;
        } else {
            nbad = (uint32_t)__builtin_popcountll(l->mask);
            first = (uint32_t)__builtin_ctzll(l->mask);
        }
        if (nbad == 0)
            continue;
        lost++;
        if (report) {
            oracle_mismatch_t m = {
                .space = (oracle_space_t)l->space, .addr = addr, .pa = pa, .mapped = mapped,
                .writer = l->writer, .time = l->time, .mask = l->mask,
                .first_bad = first, .nbad = nbad, .expected = l->data, .found = found,
            };
            report(pctx, &m);
        }
    }
    return lost;
}

int oracle_format(const oracle_mismatch_t *m, char *buf, size_t n)
{
    static const char *const spaces[] = { "PA", "VA", "IOVA" };
    const char *kind = migsim_src_kind_name((migsim_src_kind_t)m->writer.src_kind);
    if (!m->mapped)
        return snprintf(buf, n,
                        "lost %s 0x%" PRIx64 ": no final mapping; last writer %s%u req %" PRIu64
                        " at %" PRIu64 " ps",
                        spaces[m->space], m->addr, kind, m->writer.src_idx, m->writer.req_id,
                        (uint64_t)m->time);
    return snprintf(buf, n,
                    "lost %s 0x%" PRIx64 " (PA 0x%" PRIx64 "): %u bytes differ from +%u "
                    "(expected 0x%02x, found 0x%02x); last writer %s%u req %" PRIu64
                    " at %" PRIu64 " ps",
                    spaces[m->space], m->addr, m->pa, m->nbad, m->first_bad,
                    m->expected[m->first_bad], m->found[m->first_bad], kind, m->writer.src_idx,
                    m->writer.req_id, (uint64_t)m->time);
}
