/*
 * test_trace_gen_dma.c - the DMA patterns of the synthetic generator
 * (migsim/trace.h): the NIC receive ring (packet data into buffer j mod N,
 * each followed by its 16-byte descriptor write-back, the ring wrapping
 * after N packets, sizes in [min, max] and fixed when equal, packets at
 * j * gap_ps) and the block device (sizes, block alignment, sequential
 * wrap, random coverage, read fraction); non-power-of-two DMA sizes in the
 * older patterns; the validation messages; determinism; and the same
 * patterns through `migsim trace gen`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migsim/errors.h"
#include "migsim/trace.h"

static void assert_msg_has(const char *needle)
{
    const char *m = migsim_errmsg();
    if (!strstr(m, needle))
        fail_msg("message \"%s\" lacks \"%s\"", m, needle);
}

static migsim_gen_config_t nic_config(void)
{
    migsim_gen_config_t c;
    migsim_gen_config_default(&c);
    c.pattern = MIGSIM_GEN_NIC_RX;
    c.base = 0x100000;
    c.range_bytes = 1u << 20;
    c.ring_entries = 8;
    c.buf_bytes = 2048;
    c.pkt_min_bytes = 64;
    c.pkt_max_bytes = 1518;
    c.gap_ps = 700;
    c.src_kind = MIGSIM_SRC_DMA;
    c.src_idx = 2;
    c.count = 2 * 30; /* 30 packets: the ring of 8 wraps three times */
    return c;
}

static void test_nic_rx_ring(void **st)
{
    (void)st;
    migsim_gen_config_t c = nic_config();
    migsim_gen_t g;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    const uint64_t buf_base = c.base + 8 * 16 + (64 - 8 * 16 % 64) % 64; /* ring, 64-aligned */
    migsim_trace_rec_t r;
    uint64_t i = 0, sizes_seen_min = UINT64_MAX, sizes_seen_max = 0;
    while (migsim_gen_next(&g, &r) == 1) {
        uint64_t pkt = i / 2, slot = pkt % 8;
        assert_int_equal(r.op, MIGSIM_OP_WRITE); /* received data lands in memory */
        assert_int_equal(r.time, pkt * 700);
        assert_int_equal(r.src_kind, MIGSIM_SRC_DMA);
        assert_int_equal(r.src_idx, 2);
        if (i % 2 == 0) { /* data: the start of buffer `slot` */
            assert_int_equal(r.addr, buf_base + slot * 2048);
            assert_true(r.size >= 64 && r.size <= 1518);
            sizes_seen_min = r.size < sizes_seen_min ? r.size : sizes_seen_min;
            sizes_seen_max = r.size > sizes_seen_max ? r.size : sizes_seen_max;
        } else {          /* the descriptor of the packet just written */
            assert_int_equal(r.addr, c.base + slot * 16);
            assert_int_equal(r.size, 16);
        }
        /* buffers lie after the ring, inside the window */
        assert_true(r.addr >= c.base && r.addr + r.size <= c.base + c.range_bytes);
        i++;
    }
    assert_int_equal(i, 60);
    assert_true(sizes_seen_max > sizes_seen_min); /* uniform sizes actually vary */
    assert_int_equal(migsim_gen_next(&g, &r), 0);

    /* Packet 8 reuses buffer 0 and descriptor 0: the ring wrapped after N packets. */
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    migsim_trace_rec_t recs[60];
    for (int k = 0; k < 60; k++)
        assert_int_equal(migsim_gen_next(&g, &recs[k]), 1);
    assert_int_equal(recs[16].addr, recs[0].addr);
    assert_int_equal(recs[17].addr, recs[1].addr);
    assert_true(recs[14].addr != recs[0].addr);
    /* buffer addresses of one lap are distinct and 2048 apart */
    for (int k = 2; k < 16; k += 2)
        assert_int_equal(recs[k].addr - recs[k - 2].addr, 2048);
}

static void test_nic_rx_sizes(void **st)
{
    (void)st;
    migsim_gen_config_t c = nic_config();
    c.count = 2 * 20000;
    c.ring_entries = 256;
    c.pkt_min_bytes = 100;
    c.pkt_max_bytes = 199;
    migsim_gen_t g;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    migsim_trace_rec_t r;
    uint64_t hist[100] = {0}, i = 0;
    while (migsim_gen_next(&g, &r) == 1) {
        if (i++ % 2)
            continue;
        assert_true(r.size >= 100 && r.size <= 199);
        hist[r.size - 100]++;
    }
    for (int k = 0; k < 100; k++) /* 200 expected each, sd about 14 */
        assert_true(hist[k] > 120 && hist[k] < 280);

    /* fixed size: min == max */
    c.pkt_min_bytes = c.pkt_max_bytes = 1500;
    c.count = 200;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    for (i = 0; migsim_gen_next(&g, &r) == 1; i++)
        assert_int_equal(r.size, i % 2 ? 16u : 1500u);

    /* a buffer-sized packet fills its buffer exactly, not beyond */
    c.pkt_min_bytes = c.pkt_max_bytes = c.buf_bytes = 4096;
    c.ring_entries = 4;
    c.range_bytes = 64 + 4 * 4096;
    c.base = 0;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    while (migsim_gen_next(&g, &r) == 1)
        assert_true(r.addr + r.size <= c.range_bytes);
}

static void test_block(void **st)
{
    (void)st;
    static const uint32_t sizes[] = {4096, 128 * 1024};
    for (int s = 0; s < 2; s++) {
        migsim_gen_config_t c;
        migsim_gen_config_default(&c);
        c.pattern = MIGSIM_GEN_BLOCK;
        c.block_bytes = sizes[s];
        c.base = 16ull * sizes[s];
        c.range_bytes = 64ull * sizes[s];
        c.read_frac = 0.25;
        c.src_kind = MIGSIM_SRC_DMA;
        c.count = 40000;
        c.gap_ps = 1000;
        migsim_gen_t g;
        migsim_trace_rec_t r;
        /* sequential: block k mod 64 */
        assert_int_equal(migsim_gen_init(&g, &c), 0);
        for (uint64_t i = 0; migsim_gen_next(&g, &r) == 1 && i < 200; i++) {
            assert_int_equal(r.addr, c.base + (i % 64) * sizes[s]);
            assert_int_equal(r.size, sizes[s]);
            assert_int_equal(r.time, i * 1000);
        }
        /* random: aligned, inside, every block visited, read fraction */
        c.block_order = MIGSIM_GEN_ORDER_RANDOM;
        assert_int_equal(migsim_gen_init(&g, &c), 0);
        uint64_t seen[64] = {0}, reads = 0, n = 0;
        while (migsim_gen_next(&g, &r) == 1) {
            assert_int_equal((r.addr - c.base) % sizes[s], 0);
            assert_int_equal(r.addr % sizes[s], 0);
            assert_true(r.addr >= c.base && r.addr + r.size <= c.base + c.range_bytes);
            assert_int_equal(r.size, sizes[s]);
            seen[(r.addr - c.base) / sizes[s]]++;
            reads += r.op == MIGSIM_OP_READ;
            n++;
        }
        assert_int_equal(n, 40000);
        for (int k = 0; k < 64; k++) /* 625 expected each, sd about 25 */
            assert_true(seen[k] > 500 && seen[k] < 750);
        double rf = (double)reads / (double)n; /* sd 0.0022 */
        assert_true(rf > 0.24 && rf < 0.26);
    }
    /* a range that is not a multiple of the block: only whole blocks are used */
    migsim_gen_config_t c;
    migsim_gen_config_default(&c);
    c.pattern = MIGSIM_GEN_BLOCK;
    c.block_bytes = 4096;
    c.range_bytes = 3 * 4096 + 100;
    c.count = 10;
    migsim_gen_t g;
    migsim_trace_rec_t r;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    for (uint64_t i = 0; migsim_gen_next(&g, &r) == 1; i++)
        assert_int_equal(r.addr, (i % 3) * 4096);
}

/* DMA records of the older patterns may have any size; CPU records may not. */
static void test_dma_sizes_in_cpu_patterns(void **st)
{
    (void)st;
    migsim_gen_config_t c;
    migsim_gen_config_default(&c);
    c.size_bytes = 1500;
    c.base = 100;
    c.range_bytes = 10000; /* six 1500-byte slots, 1000 bytes left over */
    c.count = 14;
    migsim_gen_t g;
    assert_int_equal(migsim_gen_init(&g, &c), MIGSIM_EINVAL);
    assert_msg_has("size_bytes 1500 must be a power of two");
    c.src_kind = MIGSIM_SRC_DMA;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    migsim_trace_rec_t r;
    for (uint64_t i = 0; migsim_gen_next(&g, &r) == 1; i++) {
        assert_int_equal(r.addr, 100 + (i % 6) * 1500);
        assert_int_equal(r.size, 1500);
    }
    c.pattern = MIGSIM_GEN_RANDOM;
    c.count = 5000;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    while (migsim_gen_next(&g, &r) == 1) {
        assert_int_equal((r.addr - 100) % 1500, 0);
        assert_true(r.addr + r.size <= 100 + 10000);
    }
    c.pattern = MIGSIM_GEN_STRIDED; /* strided keeps its multiples */
    assert_int_equal(migsim_gen_init(&g, &c), MIGSIM_EINVAL);
    assert_msg_has("not a multiple of size_bytes 1500");
}

static void test_dma_config_errors(void **st)
{
    (void)st;
    struct { int pattern; int field; const char *msg; } cases[] = {
        {MIGSIM_GEN_NIC_RX, 0, "nic_rx count 7 is odd"},
        {MIGSIM_GEN_NIC_RX, 1, "ring_entries 0"},
        {MIGSIM_GEN_NIC_RX, 2, "buf_bytes 0"},
        {MIGSIM_GEN_NIC_RX, 3, "pkt_min_bytes 0"},
        {MIGSIM_GEN_NIC_RX, 4, "pkt_min_bytes 900 must be in 1..pkt_max_bytes (800)"},
        {MIGSIM_GEN_NIC_RX, 5, "pkt_max_bytes 4000 does not fit a buffer of buf_bytes 2048"},
        {MIGSIM_GEN_NIC_RX, 6, "not aligned to the 16-byte descriptor"},
        {MIGSIM_GEN_NIC_RX, 7, "cannot hold the ring and buffers"},
        {MIGSIM_GEN_NIC_RX, 8, "overflows the 64-bit time axis"},
        {MIGSIM_GEN_BLOCK, 0, "block_bytes 0"},
        {MIGSIM_GEN_BLOCK, 1, "block_bytes 2097152"},
        {MIGSIM_GEN_BLOCK, 2, "range_bytes 4095 is smaller than block_bytes 4096"},
        {MIGSIM_GEN_BLOCK, 3, "base 0x200 is not aligned to block_bytes 4096"},
        {MIGSIM_GEN_BLOCK, 4, "block_order 2"},
        {MIGSIM_GEN_BLOCK, 5, "read_frac -0.5"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        migsim_gen_config_t c;
        migsim_gen_config_default(&c);
        c.pattern = (migsim_gen_pattern_t)cases[k].pattern;
        if (c.pattern == MIGSIM_GEN_NIC_RX) {
            switch (cases[k].field) {
            case 0: c.count = 7; break;
            case 1: c.ring_entries = 0; break;
            case 2: c.buf_bytes = 0; break;
            case 3: c.pkt_min_bytes = 0; break;
            case 4: c.pkt_min_bytes = 900; c.pkt_max_bytes = 800; break;
            case 5: c.pkt_max_bytes = 4000; break;
            case 6: c.base = 8; break;
            case 7: c.range_bytes = 256 * 2048; break; /* the ring does not fit too */
            default: c.count = 2000004; c.gap_ps = UINT64_MAX / 1000000; break;
            }
        } else {
            switch (cases[k].field) {
            case 0: c.block_bytes = 0; break;
            case 1: c.block_bytes = 2u << 20; break;
            case 2: c.range_bytes = 4095; break;
            case 3: c.base = 0x200; break;
            case 4: c.block_order = 2; break;
            default: c.read_frac = -0.5; break;
            }
        }
        migsim_gen_t g;
        assert_int_equal(migsim_gen_init(&g, &c), MIGSIM_EINVAL);
        assert_msg_has(cases[k].msg);
    }
    /* the time check counts packets, not records: 2 records per gap */
    migsim_gen_config_t c;
    migsim_gen_config_default(&c);
    c.pattern = MIGSIM_GEN_NIC_RX;
    c.count = 2000000;
    c.gap_ps = UINT64_MAX / 999999;
    assert_int_equal(migsim_gen_config_check(&c), 0);

    migsim_gen_pattern_t p;
    assert_int_equal(migsim_gen_pattern_parse("nic_rx", &p), 0);
    assert_int_equal(p, MIGSIM_GEN_NIC_RX);
    assert_int_equal(migsim_gen_pattern_parse("block", &p), 0);
    assert_int_equal(p, MIGSIM_GEN_BLOCK);
    assert_int_equal(migsim_gen_pattern_parse("nic", &p), MIGSIM_EINVAL);
    assert_msg_has("nic_rx, block");
    assert_string_equal(migsim_gen_pattern_name(MIGSIM_GEN_BLOCK), "block");
    assert_string_equal(migsim_gen_pattern_name(MIGSIM_GEN_COUNT_), "?");
    migsim_gen_order_t o;
    assert_int_equal(migsim_gen_order_parse("random", &o), 0);
    assert_int_equal(o, MIGSIM_GEN_ORDER_RANDOM);
    assert_int_equal(migsim_gen_order_parse("backwards", &o), MIGSIM_EINVAL);
}

static void test_determinism_and_source(void **st)
{
    (void)st;
    for (int pat = MIGSIM_GEN_NIC_RX; pat <= MIGSIM_GEN_BLOCK; pat++) {
        migsim_gen_config_t c;
        migsim_gen_config_default(&c);
        c.pattern = (migsim_gen_pattern_t)pat;
        c.block_order = MIGSIM_GEN_ORDER_RANDOM;
        c.count = 4000;
        c.seed = 77;
        migsim_gen_t a, b, d;
        assert_int_equal(migsim_gen_init(&a, &c), 0);
        assert_int_equal(migsim_gen_init(&b, &c), 0);
        c.seed = 78;
        assert_int_equal(migsim_gen_init(&d, &c), 0);
        migsim_trace_rec_t ra, rb, rd;
        size_t diff = 0;
        while (migsim_gen_next(&a, &ra) == 1) {
            assert_int_equal(migsim_gen_next(&b, &rb), 1);
            assert_int_equal(migsim_gen_next(&d, &rd), 1);
            assert_memory_equal(&ra, &rb, sizeof ra);
            diff += memcmp(&ra, &rd, sizeof ra) != 0;
        }
        assert_true(diff > 1500);
        /* the record source labels and counts it */
        c.seed = 77;
        migsim_recsrc_t *s;
        assert_int_equal(migsim_recsrc_open_gen(&s, &c), 0);
        assert_string_equal(migsim_recsrc_name(s),
                            pat == MIGSIM_GEN_NIC_RX ? "gen:nic_rx" : "gen:block");
        assert_int_equal(migsim_recsrc_count(s), 4000);
        migsim_recsrc_close(s);
    }
}

#ifdef MIGSIM_CLI
static int run_cli(const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s >/dev/null 2>&1", MIGSIM_CLI, args);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_cli(void **st)
{
    (void)st;
    char out[64];
    snprintf(out, sizeof out, "gen_dma_%d.mtr", (int)getpid());
    char args[512];
    snprintf(args, sizeof args,
             "trace gen --pattern nic_rx --count 40 --base 0x10000 --range 64K --ring-entries 4 "
             "--buf-bytes 2K --pkt-size 60:1514 --gap-ps 6720 --seed 3 -o %s", out);
    assert_int_equal(run_cli(args), 0);
    migsim_trace_reader_t *rd;
    assert_int_equal(migsim_trace_open(&rd, out), 0);
    assert_int_equal(migsim_trace_info(rd)->records, 40);
    const migsim_trace_rec_t *r;
    for (uint64_t i = 0; migsim_trace_next(rd, &r) == 1; i++) {
        assert_int_equal(r->src_kind, MIGSIM_SRC_DMA); /* the default for DMA patterns */
        assert_int_equal(r->op, MIGSIM_OP_WRITE);
        assert_int_equal(r->time, (i / 2) * 6720);
        if (i % 2) {
            assert_int_equal(r->addr, 0x10000 + ((i / 2) % 4) * 16);
        } else {
            assert_int_equal(r->addr, 0x10040 + ((i / 2) % 4) * 2048);
            assert_true(r->size >= 60 && r->size <= 1514);
        }
    }
    migsim_trace_close(rd);

    snprintf(args, sizeof args,
             "trace gen --pattern block --count 100 --range 1M --block-bytes 128K "
             "--block-order random --read-frac 0.5 -o %s", out);
    assert_int_equal(run_cli(args), 0);
    assert_int_equal(migsim_trace_open(&rd, out), 0);
    while (migsim_trace_next(rd, &r) == 1) {
        assert_int_equal(r->size, 128 * 1024);
        assert_int_equal(r->addr % (128 * 1024), 0);
        assert_true(r->addr < (1u << 20));
    }
    migsim_trace_close(rd);
    remove(out);

    /* bad values are usage errors (status 2) naming the problem */
    static const char *const bad[] = {
        "trace gen --pattern nic_rx --count 41 -o x.mtr",
        "trace gen --pattern nic_rx --count 40 --pkt-size 3000 -o x.mtr",
        "trace gen --pattern nic_rx --count 40 --pkt-size 10:5 -o x.mtr",
        "trace gen --pattern nic_rx --count 40 --pkt-size a:b -o x.mtr",
        "trace gen --pattern block --count 4 --block-order sideways -o x.mtr",
        "trace gen --pattern block --count 4 --block-bytes 0 -o x.mtr",
        "trace gen --pattern random --count 4 --size 48 -o x.mtr",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        if (run_cli(bad[k]) != 2)
            fail_msg("expected status 2 from: %s", bad[k]);
    assert_int_equal(access("x.mtr", F_OK), -1);
    /* with --src dma, the older patterns take any size */
    snprintf(args, sizeof args, "trace gen --pattern sequential --count 4 --size 1500 --range 6000 "
             "--src dma -o %s", out);
    assert_int_equal(run_cli(args), 0);
    remove(out);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nic_rx_ring),
        cmocka_unit_test(test_nic_rx_sizes),
        cmocka_unit_test(test_block),
        cmocka_unit_test(test_dma_sizes_in_cpu_patterns),
        cmocka_unit_test(test_dma_config_errors),
        cmocka_unit_test(test_determinism_and_source),
#ifdef MIGSIM_CLI
        cmocka_unit_test(test_cli),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
