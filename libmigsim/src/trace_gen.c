/*
 * trace_gen.c - synthetic access streams, deterministic for a given seed
 * (xoshiro256**, migsim/rng.h), at a fixed issue interval:
 *   - CPU-style address patterns: sequential, uniform random and strided
 *     over an address window, and a hot set that shifts over it (a share of
 *     the accesses uniform in a window that moves every period, the rest
 *     uniform over the whole window), with a read/write mix;
 *   - DMA patterns: a NIC receive ring (packet data into the next buffer,
 *     then a 16-byte descriptor write-back, packet sizes fixed or uniform)
 *     and a block device (transfers of one block size at sequential or
 *     random block-aligned addresses, with a read/write mix).
 * Direction convention (migsim/trace.h): a record's op is the memory
 * operation, so a received packet or a disk read is a WRITE.
 *
 * Hot path: migsim_gen_next(), called once per record by a record source or
 * by migsim_gen_write(): at most two RNG draws and a few additions; no
 * division on the sequential, strided, NIC and sequential-block paths.
 */
#include <inttypes.h>
#include <string.h>

#include "migsim/errors.h"
#include "trace_internal.h"

static const char *const gen_pattern_names[MIGSIM_GEN_COUNT_] = {
    "sequential", "random", "strided", "nic_rx", "block", "hotset",
};
static const char *const gen_order_names[MIGSIM_GEN_ORDER_COUNT_] = {"sequential", "random"};

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
    c->ring_entries = 256;
    c->buf_bytes = 2048;
    c->pkt_min_bytes = 64;
    c->pkt_max_bytes = 1518;
    c->block_bytes = 4096;
    c->block_order = MIGSIM_GEN_ORDER_SEQUENTIAL;
    c->hot_bytes = 64u << 10;
    c->hot_frac = 0.9;
    c->hot_period = 0;
    c->hot_step_bytes = 64u << 10;
}

int migsim_gen_pattern_parse(const char *name, migsim_gen_pattern_t *out)
{
    for (int i = 0; i < MIGSIM_GEN_COUNT_; i++) {
        if (strcmp(name, gen_pattern_names[i]) == 0) {
            *out = (migsim_gen_pattern_t)i;
            return 0;
        }
    }
    return migsim_error(MIGSIM_EINVAL,
                        "gen: unknown pattern '%s' (sequential, random, strided, nic_rx, block, "
                        "hotset)",
                        name);
}

const char *migsim_gen_pattern_name(migsim_gen_pattern_t p)
{
    return (unsigned)p < MIGSIM_GEN_COUNT_ ? gen_pattern_names[p] : "?";
}

int migsim_gen_order_parse(const char *name, migsim_gen_order_t *out)
{
    for (int i = 0; i < MIGSIM_GEN_ORDER_COUNT_; i++) {
        if (strcmp(name, gen_order_names[i]) == 0) {
            *out = (migsim_gen_order_t)i;
            return 0;
        }
    }
    return migsim_error(MIGSIM_EINVAL, "gen: unknown block order '%s' (sequential, random)",
                        name);
}

/* Bytes from base to the first NIC_RX buffer: the ring, rounded up to 64. */
static uint64_t gen_ring_bytes(const migsim_gen_config_t *c)
{
    return ((uint64_t)c->ring_entries * MIGSIM_GEN_DESC_BYTES + 63) & ~(uint64_t)63;
}

/* SEQUENTIAL, RANDOM, STRIDED: sizes and alignment. */
static int gen_check_cpu_patterns(const migsim_gen_config_t *c)
{
    uint64_t sz = c->size_bytes;
    int dma = c->src_kind == MIGSIM_SRC_DMA;
    if (sz == 0 || sz > MIGSIM_TRACE_MAX_SIZE)
        return migsim_error(MIGSIM_EINVAL, "gen: size_bytes %" PRIu64 " is not in 1..%u", sz,
                            MIGSIM_TRACE_MAX_SIZE);
    if (!dma && (sz & (sz - 1)) != 0)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: size_bytes %" PRIu64 " must be a power of two in 1..%u for "
                            "cpu records (dma records may have any size)", sz,
                            MIGSIM_TRACE_MAX_SIZE);
    if (c->range_bytes < sz)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: range_bytes %" PRIu64 " is smaller than size_bytes %" PRIu64,
                            c->range_bytes, sz);
    if ((!dma || c->pattern == MIGSIM_GEN_STRIDED) && c->range_bytes % sz != 0)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: range_bytes %" PRIu64 " is not a multiple of size_bytes %"
                            PRIu64, c->range_bytes, sz);
    if (!dma && c->base % sz != 0)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: base 0x%" PRIx64 " is not aligned to size_bytes %" PRIu64,
                            c->base, sz);
    if (c->pattern == MIGSIM_GEN_STRIDED &&
        (c->stride_bytes == 0 || c->stride_bytes % sz != 0))
        return migsim_error(MIGSIM_EINVAL,
                            "gen: stride_bytes %" PRIu64
                            " must be a positive multiple of size_bytes %" PRIu64,
                            c->stride_bytes, sz);
    if (c->pattern == MIGSIM_GEN_HOTSET) {
        if (c->hot_bytes < sz || c->hot_bytes > c->range_bytes || c->hot_bytes % sz != 0)
            return migsim_error(MIGSIM_EINVAL,
                                "gen: hot_bytes %" PRIu64 " must be a multiple of size_bytes %"
                                PRIu64 " in size_bytes..range_bytes (%" PRIu64 ")",
                                c->hot_bytes, sz, c->range_bytes);
        if (c->hot_step_bytes % sz != 0)
            return migsim_error(MIGSIM_EINVAL,
                                "gen: hot_step_bytes %" PRIu64 " is not a multiple of size_bytes %"
                                PRIu64, c->hot_step_bytes, sz);
        if (!(c->hot_frac >= 0.0 && c->hot_frac <= 1.0))
            return migsim_error(MIGSIM_EINVAL, "gen: hot_frac %g is not in [0, 1]", c->hot_frac);
    }
    return 0;
}

static int gen_check_nic_rx(const migsim_gen_config_t *c)
{
    if (c->count % 2 != 0)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: nic_rx count %" PRIu64
                            " is odd: each packet is two records (data, then descriptor)",
                            c->count);
    if (c->ring_entries == 0 || c->ring_entries > MIGSIM_GEN_MAX_RING)
        return migsim_error(MIGSIM_EINVAL, "gen: ring_entries %" PRIu32 " is not in 1..%u",
                            c->ring_entries, MIGSIM_GEN_MAX_RING);
    if (c->buf_bytes == 0 || c->buf_bytes > MIGSIM_TRACE_MAX_SIZE)
        return migsim_error(MIGSIM_EINVAL, "gen: buf_bytes %" PRIu32 " is not in 1..%u",
                            c->buf_bytes, MIGSIM_TRACE_MAX_SIZE);
    if (c->pkt_min_bytes == 0 || c->pkt_min_bytes > c->pkt_max_bytes)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: pkt_min_bytes %" PRIu32 " must be in 1..pkt_max_bytes (%" PRIu32
                            ")", c->pkt_min_bytes, c->pkt_max_bytes);
    if (c->pkt_max_bytes > c->buf_bytes)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: pkt_max_bytes %" PRIu32 " does not fit a buffer of buf_bytes %"
                            PRIu32, c->pkt_max_bytes, c->buf_bytes);
    if (c->base % MIGSIM_GEN_DESC_BYTES != 0)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: nic_rx base 0x%" PRIx64 " is not aligned to the %u-byte "
                            "descriptor", c->base, MIGSIM_GEN_DESC_BYTES);
    uint64_t need = gen_ring_bytes(c) + (uint64_t)c->ring_entries * c->buf_bytes;
    if (c->range_bytes < need)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: nic_rx range_bytes %" PRIu64 " cannot hold the ring and "
                            "buffers (%" PRIu32 " x %u + %" PRIu32 " x %" PRIu32 " = %" PRIu64
                            " bytes)", c->range_bytes, c->ring_entries, MIGSIM_GEN_DESC_BYTES,
                            c->ring_entries, c->buf_bytes, need);
    return 0;
}

static int gen_check_block(const migsim_gen_config_t *c)
{
    uint64_t bs = c->block_bytes;
    if (bs == 0 || bs > MIGSIM_TRACE_MAX_SIZE)
        return migsim_error(MIGSIM_EINVAL, "gen: block_bytes %" PRIu64 " is not in 1..%u", bs,
                            MIGSIM_TRACE_MAX_SIZE);
    if (c->block_order >= MIGSIM_GEN_ORDER_COUNT_)
        return migsim_error(MIGSIM_EINVAL, "gen: block_order %u out of range", c->block_order);
    if (c->range_bytes < bs)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: range_bytes %" PRIu64 " is smaller than block_bytes %" PRIu64,
                            c->range_bytes, bs);
    if (c->base % bs != 0)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: base 0x%" PRIx64 " is not aligned to block_bytes %" PRIu64,
                            c->base, bs);
    return 0;
}

int migsim_gen_config_check(const migsim_gen_config_t *c)
{
    if ((unsigned)c->pattern >= MIGSIM_GEN_COUNT_)
        return migsim_error(MIGSIM_EINVAL, "gen: pattern %d out of range", (int)c->pattern);
    int rc;
    switch (c->pattern) {
    case MIGSIM_GEN_NIC_RX: rc = gen_check_nic_rx(c); break;
    case MIGSIM_GEN_BLOCK:  rc = gen_check_block(c); break;
    default:                rc = gen_check_cpu_patterns(c); break;
    }
    if (rc)
        return rc;
    if (c->range_bytes && c->base + (c->range_bytes - 1) < c->base)
        return migsim_error(MIGSIM_EINVAL,
                            "gen: base 0x%" PRIx64 " + range_bytes %" PRIu64
                            " passes the end of the 64-bit address space", c->base,
                            c->range_bytes);
    if (!(c->read_frac >= 0.0 && c->read_frac <= 1.0))
        return migsim_error(MIGSIM_EINVAL, "gen: read_frac %g is not in [0, 1]", c->read_frac);
    /* index of the last record's time step: packets carry two records */
    uint64_t last = c->count ? (c->pattern == MIGSIM_GEN_NIC_RX ? (c->count - 1) / 2
                                                                : c->count - 1) : 0;
    if (last && c->gap_ps > UINT64_MAX / last)
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
    switch (c->pattern) {
    case MIGSIM_GEN_NIC_RX:
        g->buf_base = c->base + gen_ring_bytes(c);
        break;
    case MIGSIM_GEN_BLOCK:
        g->slots = c->range_bytes / c->block_bytes;
        break;
    default:
        g->slots = c->range_bytes / c->size_bytes;
        g->stride_mod = c->stride_bytes % c->range_bytes;
        g->hot_left = c->hot_period;
        break;
    }
    return 0;
}

uint64_t migsim_gen_hot_window(const migsim_gen_config_t *c, uint64_t i)
{
    if (!c->hot_period || !c->range_bytes)
        return 0;
    /* (i / period) * step mod range, without overflow: both factors reduced first */
    uint64_t k = (i / c->hot_period) % c->range_bytes, step = c->hot_step_bytes % c->range_bytes;
    return (uint64_t)(((unsigned __int128)k * step) % c->range_bytes);
}

/* HOTSET: an offset in the hot window or anywhere in the range; the window moves on. */
static uint64_t gen_hotset(migsim_gen_t *g)
{
    const migsim_gen_config_t *c = &g->cfg;
    uint64_t off;
    if (migsim_rng_unit(&g->rng) < c->hot_frac) {
        off = g->hot_off + migsim_rng_below(&g->rng, c->hot_bytes / c->size_bytes) * c->size_bytes;
        if (off >= c->range_bytes)
            off -= c->range_bytes;
    } else {
        off = migsim_rng_below(&g->rng, g->slots) * c->size_bytes;
    }
    if (c->hot_period && --g->hot_left == 0) {
        g->hot_left = c->hot_period;
        g->hot_off = migsim_gen_hot_window(c, g->i + 1);
    }
    return off;
}

/* NIC_RX: even records are packet data into the current buffer, odd ones
 * the descriptor write-back that hands it to the driver. */
static void gen_nic_rx(migsim_gen_t *g, migsim_trace_rec_t *out)
{
    const migsim_gen_config_t *c = &g->cfg;
    uint32_t slot = g->ring_slot;
    out->time = (g->i >> 1) * c->gap_ps;
    out->op = MIGSIM_OP_WRITE;
    if ((g->i & 1) == 0) {
        uint32_t span = c->pkt_max_bytes - c->pkt_min_bytes;
        out->addr = g->buf_base + (uint64_t)slot * c->buf_bytes;
        out->size = c->pkt_min_bytes +
                    (span ? (uint32_t)migsim_rng_below(&g->rng, (uint64_t)span + 1) : 0);
        return;
    }
    out->addr = c->base + (uint64_t)slot * MIGSIM_GEN_DESC_BYTES;
    out->size = MIGSIM_GEN_DESC_BYTES;
    g->ring_slot = slot + 1 == c->ring_entries ? 0 : slot + 1;
}

int migsim_gen_next(migsim_gen_t *g, migsim_trace_rec_t *out)
{
    const migsim_gen_config_t *c = &g->cfg;
    if (g->i >= c->count)
        return 0;
    out->src_kind = c->src_kind;
    out->src_idx = c->src_idx;
    if (c->pattern == MIGSIM_GEN_NIC_RX) {
        gen_nic_rx(g, out);
        g->i++;
        return 1;
    }
    uint64_t off;
    uint32_t size = c->size_bytes;
    switch (c->pattern) {
    case MIGSIM_GEN_RANDOM:
        off = migsim_rng_below(&g->rng, g->slots) * c->size_bytes;
        break;
    case MIGSIM_GEN_HOTSET:
        off = gen_hotset(g);
        break;
    case MIGSIM_GEN_STRIDED:
        off = g->off;
        g->off += g->stride_mod; /* both < range, so one subtraction wraps */
        if (g->off >= c->range_bytes || g->off < g->stride_mod)
            g->off -= c->range_bytes;
        break;
    case MIGSIM_GEN_BLOCK:
        size = c->block_bytes;
        if (c->block_order == MIGSIM_GEN_ORDER_RANDOM) {
            off = migsim_rng_below(&g->rng, g->slots) * c->block_bytes;
        } else {
            off = g->off;
            g->off += c->block_bytes;
            if (g->off > c->range_bytes - c->block_bytes)
                g->off = 0;
        }
        break;
    default: /* sequential: wraps when the next access would not fit */
        off = g->off;
        g->off += c->size_bytes;
        if (g->off > c->range_bytes - c->size_bytes)
            g->off = 0;
        break;
    }
    out->time = g->i * c->gap_ps;
    out->addr = c->base + off;
    out->size = size;
    out->op = migsim_rng_unit(&g->rng) < c->read_frac ? MIGSIM_OP_READ : MIGSIM_OP_WRITE;
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
