/*
 * trace_gen.c - synthetic access streams: sequential, uniform random and
 * strided over an address window, with a read/write mix, at a fixed issue
 * interval, deterministic for a given seed (xoshiro256**, migsim/rng.h).
 *
 * Hot path: migsim_gen_next(), called once per record by a record source or
 * by migsim_gen_write(): one or two RNG draws and a few additions; no
 * division on the sequential and strided paths.
 */
#include <inttypes.h>
#include <string.h>

#include "migsim/errors.h"
#include "trace_internal.h"

void migsim_gen_config_default(migsim_gen_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->pattern = MIGSIM_GEN_SEQUENTIAL;
    c->count = 1000;
    c->base = 0;
    c->range_bytes = 1u << 20;
    c->stride_bytes = 4096;
    c->size_bytes = 64;
    c->read_frac = 0.7;
    c->seed = 1;
    c->gap_ps = 1000;
    c->src_kind = MIGSIM_SRC_CPU;
    c->src_idx = 0;
}

int migsim_gen_pattern_parse(const char *name, migsim_gen_pattern_t *out)
{
    static const char *const names[MIGSIM_GEN_COUNT_] = {"sequential", "random", "strided"};
    for (int i = 0; i < MIGSIM_GEN_COUNT_; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (migsim_gen_pattern_t)i;
            return 0;
        }
    }
    return migsim_error(MIGSIM_EINVAL,
                        "gen: unknown pattern '%s' (sequential, random, strided)", name);
}

int migsim_gen_config_check(const migsim_gen_config_t *c)
{
    uint64_t sz = c->size_bytes;
    if ((unsigned)c->pattern >= MIGSIM_GEN_COUNT_)
        return migsim_error(MIGSIM_EINVAL, "gen: pattern %d out of range", (int)c->pattern);
    if (sz == 0 || sz > MIGSIM_TRACE_MAX_SIZE || (sz & (sz - 1)) != 0)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: size_bytes %" PRIu64 " must be a power of two in 1..%u", sz,
                            MIGSIM_TRACE_MAX_SIZE);
    if (c->range_bytes < sz)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: range_bytes %" PRIu64 " is smaller than size_bytes %" PRIu64,
                            c->range_bytes, sz);
    if (c->range_bytes % sz != 0)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: range_bytes %" PRIu64 " is not a multiple of size_bytes %"
                            PRIu64, c->range_bytes, sz);
    if (c->base % sz != 0)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: base 0x%" PRIx64 " is not aligned to size_bytes %" PRIu64,
                            c->base, sz);
    if (c->base + (c->range_bytes - 1) < c->base)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: base 0x%" PRIx64 " + range_bytes %" PRIu64
                            " passes the end of the 64-bit address space", c->base,
                            c->range_bytes);
    if (c->pattern == MIGSIM_GEN_STRIDED &&
        (c->stride_bytes == 0 || c->stride_bytes % sz != 0))
        return migsim_error(MIGSIM_EINVAL,
                            "gen: stride_bytes %" PRIu64
                            " must be a positive multiple of size_bytes %" PRIu64,
                            c->stride_bytes, sz);
    if (!(c->read_frac >= 0.0 && c->read_frac <= 1.0))
        return migsim_error(MIGSIM_EINVAL, "gen: read_frac %g is not in [0, 1]", c->read_frac);
    if (c->count > 1 && c->gap_ps > UINT64_MAX / (c->count - 1))
        return migsim_error(MIGSIM_EINVAL,
                            "gen: count %" PRIu64 " * gap_ps %" PRIu64
                            " overflows the 64-bit time axis", c->count, c->gap_ps);
    if (c->src_kind >= MIGSIM_SRC_COUNT_)
        return migsim_error(MIGSIM_EINVAL, "gen: src_kind %u out of range", c->src_kind);
    return 0;
}

int migsim_gen_init(migsim_gen_t *g, const migsim_gen_config_t *c)
{
    int rc = migsim_gen_config_check(c);
    if (rc)
        return rc;
    memset(g, 0, sizeof *g);
    g->cfg = *c;
    migsim_rng_seed(&g->rng, c->seed);
    g->slots = c->range_bytes / c->size_bytes;
    g->stride_mod = c->stride_bytes % c->range_bytes;
    return 0;
}

int migsim_gen_next(migsim_gen_t *g, migsim_trace_rec_t *out)
{
    const migsim_gen_config_t *c = &g->cfg;
    if (g->i >= c->count)
        return 0;
    uint64_t off;
    switch (c->pattern) {
    case MIGSIM_GEN_RANDOM:
        off = migsim_rng_below(&g->rng, g->slots) * c->size_bytes;
        break;
    case MIGSIM_GEN_STRIDED:
        off = g->off;
        g->off += g->stride_mod; /* both < range, so one subtraction wraps */
        if (g->off >= c->range_bytes || g->off < g->stride_mod)
            g->off -= c->range_bytes;
        break;
    default: /* sequential */
        off = g->off;
        g->off += c->size_bytes;
        if (g->off >= c->range_bytes)
            g->off = 0;
        break;
    }
    out->time = g->i * c->gap_ps;
    out->addr = c->base + off;
    out->size = c->size_bytes;
    out->op = migsim_rng_unit(&g->rng) < c->read_frac ? MIGSIM_OP_READ : MIGSIM_OP_WRITE;
    out->src_kind = c->src_kind;
    out->src_idx = c->src_idx;
    g->i++;
    return 1;
}

int migsim_gen_write(const migsim_gen_config_t *c, migsim_trace_writer_t *w)
{
    migsim_gen_t g;
    int rc = migsim_gen_init(&g, c);
    if (rc)
        return migsim__trace_writer_poison(w, rc);
    if (migsim_trace_writer_time_mode(w) != MIGSIM_TIME_ABS_PS)
        return migsim__trace_writer_poison(
            w, migsim_error(MIGSIM_EINVAL, "%s: generator output needs time mode abs-ps",
                            migsim__trace_writer_path(w)));
    migsim_trace_rec_t rec;
    while (migsim_gen_next(&g, &rec) == 1) {
        if ((rc = migsim_trace_put(w, &rec)) != 0)
            return rc;
    }
    return 0;
}
