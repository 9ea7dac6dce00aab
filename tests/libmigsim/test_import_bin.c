/*
 * test_import_bin.c - tests of the binary trace importers: ChampSim
 * input_instr (64-byte) and cloudsuite (96-byte) records, raw, gzip and xz
 * (liblzma), and gem5 packet traces whose messages the test encodes with
 * protobuf-c itself. Fixtures are built by the tests from the documented
 * layouts (byte offsets written out here, not taken from the importer).
 *
 * Bad input: a trailing partial record, truncated xz and gzip, wrong gem5
 * magic, cut messages, sizes of 0 and above MIGSIM_TRACE_MAX_SIZE: the error
 * names the file and the record, and nothing is left under the output name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "migsim/errors.h"
#include "migsim/trace.h"
#include "tracetest.h"
#ifdef MIGSIM_HAVE_PROTOBUF_C
#include "packet.pb-c.h"
#endif

/* ---- helpers -------------------------------------------------------------- */

static size_t write_xz(const char *path, const void *b, size_t n)
{
    size_t cap = n + n / 2 + 1024, out = 0;
    unsigned char *x = malloc(cap);
    assert_non_null(x);
    assert_int_equal(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, b, n, x, &out, cap),
                     LZMA_OK);
    write_bytes(path, x, out);
    free(x);
    return out;
}

static void expect_fail(const char *in, migsim_import_fmt_t fmt, const migsim_import_opts_t *o,
                        int code, const char *where)
{
    migsim_import_report_t rep;
    const char *out = tpath("fail.mtr");
    int rc = import_file(in, fmt, out, o, &rep);
    if (rc != code || !strstr(migsim_errmsg(), where)) {
        fprintf(stderr, "expected %d '%s', got %d '%s'\n", code, where, rc, migsim_errmsg());
        fail();
    }
    assert_false(exists(out));
    assert_no_temp();
}

static int setup(void **st)
{
    (void)st;
    return tracetest_setup("migsim_impbin");
}

static int teardown(void **st)
{
    (void)st;
    return tracetest_teardown();
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* ---- ChampSim --------------------------------------------------------------- */

/* One instruction: ip, up to 4 loads and 4 stores (0 = none). */
typedef struct cs_ins_s {
    uint64_t ip, ld[4], st[4];
} cs_ins_t;

/* Encode per the documented layouts: 64-byte input_instr (destination
 * memory at 16, 2 of them; source memory at 32) or 96-byte cloudsuite
 * (destination at 24, 4; source at 56; asid at 88). */
static size_t cs_encode(const cs_ins_t *ins, size_t n, int cloud, unsigned char *out)
{
    size_t rb = cloud ? 96 : 64, dst = cloud ? 24 : 16, src = cloud ? 56 : 32;
    int nd = cloud ? 4 : 2;
    memset(out, 0, n * rb);
    for (size_t i = 0; i < n; i++) {
        unsigned char *r = out + i * rb;
        put64(r, ins[i].ip);
        r[8] = (unsigned char)(i & 1);      /* is_branch: noise the importer ignores */
        r[10] = 0xAA;                       /* a destination register */
        for (int k = 0; k < nd; k++)
            put64(r + dst + 8 * k, ins[i].st[k]);
        for (int k = 0; k < 4; k++)
            put64(r + src + 8 * k, ins[i].ld[k]);
        if (cloud)
            r[88] = 7; /* asid */
    }
    return n * rb;
}

static const cs_ins_t CS_PROG[6] = {
    {0x400000, {0}, {0}},
    {0x400004, {0x1000, 0, 0x2000, 0}, {0, 0x3000, 0, 0}},
    {0x400008, {0}, {0}},
    {0x40000c, {0}, {0}},
    {0x400010, {0}, {0x4000, 0, 0, 0}},
    {0x400014, {0}, {0}},
};

static void cs_check(const char *path, const migsim_import_opts_t *o)
{
    migsim_import_report_t rep;
    const char *out = tpath("cs.mtr");
    assert_int_equal(import_file(path, MIGSIM_IMPORT_CHAMPSIM, out, o, &rep), 0);
    assert_int_equal(rep.lines, 6);
    assert_int_equal(rep.records, 4);
    assert_int_equal(rep.reads, 2);
    assert_int_equal(rep.writes, 2);
    assert_int_equal(rep.insns, 6);
    assert_int_equal(rep.insns_tail, 1);
    assert_int_equal(rep.skip[MIGSIM_SKIP_NOMEM], 4);
    migsim_trace_rec_t r[8];
    assert_int_equal(read_records(out, r, 8), 4);
    const uint64_t addr[4] = {0x1000, 0x2000, 0x3000, 0x4000}, gap[4] = {2, 0, 0, 3};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(r[i].addr, addr[i]);
        assert_int_equal(r[i].time, gap[i]);
        assert_int_equal(r[i].op, i < 2 ? MIGSIM_OP_READ : MIGSIM_OP_WRITE);
        assert_int_equal(r[i].size, 64);
    }
}

static void test_champsim(void **st)
{
    (void)st;
    unsigned char buf[96 * 8];
    size_t n = cs_encode(CS_PROG, 6, 0, buf);
    assert_int_equal(n, 384);
    write_bytes(tpath("p.champsim"), buf, n);
    cs_check(tpath("p.champsim"), NULL);
    write_gz(tpath("p.champsim.gz"), buf, n);
    cs_check(tpath("p.champsim.gz"), NULL);
    size_t xn = write_xz(tpath("p.champsimtrace.xz"), buf, n);
    cs_check(tpath("p.champsimtrace.xz"), NULL);

    /* cloudsuite: 96-byte records, 3rd and 4th store operands */
    cs_ins_t cl[6];
    memcpy(cl, CS_PROG, sizeof cl);
    cl[4].st[0] = 0;
    cl[4].st[3] = 0x4000;
    migsim_import_opts_t o;
    migsim_import_opts_default(&o);
    o.champsim_cloudsuite = 1;
    n = cs_encode(cl, 6, 1, buf);
    assert_int_equal(n, 576);
    write_xz(tpath("c.xz"), buf, n);
    cs_check(tpath("c.xz"), &o);

    /* trailing partial record */
    n = cs_encode(CS_PROG, 6, 0, buf);
    write_bytes(tpath("part.champsim"), buf, n - 10);
    expect_fail(tpath("part.champsim"), MIGSIM_IMPORT_CHAMPSIM, NULL, MIGSIM_ETRUNC,
                "part.champsim: record 5: partial record at the end (54 of 64 bytes)");
    write_gz(tpath("part.gz"), buf, n - 1);
    expect_fail(tpath("part.gz"), MIGSIM_IMPORT_CHAMPSIM, NULL, MIGSIM_ETRUNC,
                "part.gz: record 5: partial record");
    write_bytes(tpath("c.part"), buf, 100);
    expect_fail(tpath("c.part"), MIGSIM_IMPORT_CHAMPSIM, &o, MIGSIM_ETRUNC,
                "c.part: record 1: partial record at the end (4 of 96 bytes)");

    /* truncated xz */
    FILE *f = fopen(tpath("p.champsimtrace.xz"), "rb");
    unsigned char xb[4096];
    size_t got = fread(xb, 1, sizeof xb, f);
    fclose(f);
    assert_int_equal(got, xn);
    write_bytes(tpath("cut.xz"), xb, xn - 12);
    expect_fail(tpath("cut.xz"), MIGSIM_IMPORT_CHAMPSIM, NULL, MIGSIM_ETRUNC,
                "cut.xz: xz stream ends early");
    /* xz magic followed by garbage */
    memset(xb + 6, 0x5A, 64);
    write_bytes(tpath("garbage.xz"), xb, 70);
    expect_fail(tpath("garbage.xz"), MIGSIM_IMPORT_CHAMPSIM, NULL, MIGSIM_EFORMAT,
                "garbage.xz: corrupt xz stream");

    /* empty input: no records, no error */
    write_bytes(tpath("empty.champsim"), buf, 0);
    migsim_import_report_t rep;
    assert_int_equal(import_file(tpath("empty.champsim"), MIGSIM_IMPORT_CHAMPSIM,
                                 tpath("e.mtr"), NULL, &rep), 0);
    assert_int_equal(rep.records, 0);

    /* placement applies: fold into a 2-page region fails on the 3rd page */
    migsim_import_opts_default(&o);
    o.place = MIGSIM_PLACE_FOLD;
    o.region_base = 0x10000;
    o.region_bytes = 8192;
    expect_fail(tpath("p.champsim"), MIGSIM_IMPORT_CHAMPSIM, &o, MIGSIM_ERANGE,
                "p.champsim: record 1: fold: page 0x3000 is distinct page 3");
}

/* Many records across the importer's 4096-record batches. */
static void test_champsim_large(void **st)
{
    (void)st;
    const size_t N = 10000;
    cs_ins_t *ins = calloc(N, sizeof *ins);
    unsigned char *buf = malloc(N * 64);
    for (size_t i = 0; i < N; i++) {
        ins[i].ip = 0x400000 + 4 * i;
        if (i % 3 == 0)
            ins[i].ld[i % 4] = 0x100000 + 64 * i;
        if (i % 5 == 0)
            ins[i].st[i % 2] = 0x200000 + 64 * i;
    }
    size_t n = cs_encode(ins, N, 0, buf);
    write_gz(tpath("big.gz"), buf, n);
    migsim_import_report_t rep;
    assert_int_equal(import_file(tpath("big.gz"), MIGSIM_IMPORT_CHAMPSIM, tpath("big.mtr"),
                                 NULL, &rep), 0);
    size_t loads = (N + 2) / 3, stores = (N + 4) / 5;
    assert_int_equal(rep.reads, loads);
    assert_int_equal(rep.writes, stores);
    migsim_trace_rec_t *r = malloc((loads + stores) * sizeof *r);
    assert_int_equal(read_records(tpath("big.mtr"), r, loads + stores), loads + stores);
    uint64_t gaps = 0;
    for (size_t i = 0; i < loads + stores; i++)
        gaps += r[i].time;
    assert_int_equal(gaps + rep.insns_tail, N);
    free(r);
    free(ins);
    free(buf);
}

/* ---- gem5 ---------------------------------------------------------------------- */

#ifdef MIGSIM_HAVE_PROTOBUF_C
/* Append a varint length and the packed message. */
static size_t g5_put(unsigned char *out, const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size(m), n = 0, v = len;
    do {
        unsigned char c = v & 0x7f;
        v >>= 7;
        out[n++] = (unsigned char)(c | (v ? 0x80 : 0));
    } while (v);
    assert_int_equal(protobuf_c_message_pack(m, out + n), len);
    return n + len;
}

typedef struct g5pkt_s {
    uint64_t tick;
    uint32_t cmd;
    uint64_t addr;
    uint32_t size;
} g5pkt_t;

static size_t g5_build(unsigned char *out, uint64_t freq, const g5pkt_t *p, size_t n)
{
    size_t k = 0;
    memcpy(out, "gem5", 4);
    k = 4;
    MigsimGem5__PacketHeader h = MIGSIM_GEM5__PACKET_HEADER__INIT;
    h.obj_id = "system.monitor";
    h.tick_freq = freq;
    h.has_ver = 1;
    h.ver = 1;
    k += g5_put(out + k, &h.base);
    for (size_t i = 0; i < n; i++) {
        MigsimGem5__Packet m = MIGSIM_GEM5__PACKET__INIT;
        m.tick = p[i].tick;
        m.cmd = p[i].cmd;
        m.addr = p[i].addr;
        m.size = p[i].size;
        m.has_pc = 1;
        m.pc = 0x400000 + i;
        k += g5_put(out + k, &m.base);
    }
    return k;
}

static void test_gem5(void **st)
{
    (void)st;
    const g5pkt_t pk[6] = {
        {1000, 1, 0x80000000, 64}, /* ReadReq */
        {1500, 2, 0x80000000, 64}, /* ReadResp: skipped */
        {2000, 4, 0x80000040, 8},  /* WriteReq */
        {2000, 5, 0x80000040, 8},  /* WriteResp: skipped */
        {3000, 9, 0x80001000, 64}, /* another command: skipped */
        {4000000, 1, 0x1234, 4},
    };
    unsigned char buf[4096];
    size_t n = g5_build(buf, 1000000000000ull, pk, 6); /* 1 tick = 1 ps */
    write_gz(tpath("p.trc.gz"), buf, n);
    migsim_import_report_t rep;
    migsim_import_opts_t o;
    migsim_import_opts_default(&o);
    o.src_idx = 2;
    assert_int_equal(import_file(tpath("p.trc.gz"), MIGSIM_IMPORT_GEM5, tpath("g.mtr"), &o,
                                 &rep), 0);
    assert_int_equal(rep.lines, 7);
    assert_int_equal(rep.records, 3);
    assert_int_equal(rep.skip[MIGSIM_SKIP_CMD], 3);
    migsim_trace_rec_t r[4];
    assert_int_equal(read_records(tpath("g.mtr"), r, 4), 3);
    assert_int_equal(r[0].time, 1000);
    assert_int_equal(r[0].addr, 0x80000000);
    assert_int_equal(r[0].op, MIGSIM_OP_READ);
    assert_int_equal(r[0].src_idx, 2);
    assert_int_equal(r[1].time, 2000);
    assert_int_equal(r[1].size, 8);
    assert_int_equal(r[1].op, MIGSIM_OP_WRITE);
    assert_int_equal(r[2].time, 4000000);

    /* tick_freq 1 GHz: 1 tick = 1000 ps */
    n = g5_build(buf, 1000000000ull, pk, 1);
    write_gz(tpath("ns.trc.gz"), buf, n);
    assert_int_equal(import_file(tpath("ns.trc.gz"), MIGSIM_IMPORT_GEM5, tpath("g.mtr"), NULL,
                                 &rep), 0);
    assert_int_equal(read_records(tpath("g.mtr"), r, 4), 1);
    assert_int_equal(r[0].time, 1000000);

    /* bad input */
    n = g5_build(buf, 1000000000000ull, pk, 6);
    size_t gzn;
    write_gz(tpath("full.gz"), buf, n);
    {
        FILE *f = fopen(tpath("full.gz"), "rb");
        unsigned char gzb[4096];
        gzn = fread(gzb, 1, sizeof gzb, f);
        fclose(f);
        write_bytes(tpath("cutgz.gz"), gzb, gzn - 6);
    }
    expect_fail(tpath("cutgz.gz"), MIGSIM_IMPORT_GEM5, NULL, MIGSIM_ETRUNC, "cutgz.gz");
    write_gz(tpath("cutmsg.gz"), buf, n - 3);
    expect_fail(tpath("cutmsg.gz"), MIGSIM_IMPORT_GEM5, NULL, MIGSIM_ETRUNC,
                "cutmsg.gz: record 6: message of");
    memcpy(buf, "gem6", 4);
    write_gz(tpath("magic.gz"), buf, n);
    expect_fail(tpath("magic.gz"), MIGSIM_IMPORT_GEM5, NULL, MIGSIM_EFORMAT,
                "magic.gz: bad magic");
    write_gz(tpath("empty.gz"), buf, 0);
    expect_fail(tpath("empty.gz"), MIGSIM_IMPORT_GEM5, NULL, MIGSIM_EFORMAT,
                "empty.gz: bad magic");
    write_gz(tpath("nohdr.gz"), "gem5", 4);
    expect_fail(tpath("nohdr.gz"), MIGSIM_IMPORT_GEM5, NULL, MIGSIM_ETRUNC, "no packet header");

    const g5pkt_t zero[1] = {{10, 1, 0x100, 0}};
    n = g5_build(buf, 1000000000000ull, zero, 1);
    write_gz(tpath("zero.gz"), buf, n);
    expect_fail(tpath("zero.gz"), MIGSIM_IMPORT_GEM5, NULL, MIGSIM_ERANGE,
                "zero.gz: record 1: access size 0 out of range");
    const g5pkt_t big[2] = {{10, 1, 0x100, 64}, {20, 4, 0x100, (1u << 20) + 1}};
    n = g5_build(buf, 1000000000000ull, big, 2);
    write_gz(tpath("big.gz"), buf, n);
    expect_fail(tpath("big.gz"), MIGSIM_IMPORT_GEM5, NULL, MIGSIM_ERANGE,
                "big.gz: record 2: access size 1048577");
    const g5pkt_t back[2] = {{20, 1, 0x100, 64}, {10, 4, 0x100, 64}};
    n = g5_build(buf, 1000000000000ull, back, 2);
    write_gz(tpath("back.gz"), buf, n);
    expect_fail(tpath("back.gz"), MIGSIM_IMPORT_GEM5, NULL, MIGSIM_EFORMAT,
                "back.gz: record 2: time 10 ps goes backwards");
    /* a message that is not a Packet: garbage bytes with a valid prefix */
    n = g5_build(buf, 1000000000000ull, pk, 0);
    buf[n++] = 3;
    buf[n++] = 0xff;
    buf[n++] = 0xff;
    buf[n++] = 0xff;
    write_gz(tpath("junk.gz"), buf, n);
    expect_fail(tpath("junk.gz"), MIGSIM_IMPORT_GEM5, NULL, MIGSIM_EFORMAT,
                "junk.gz: record 1: not a Packet message");
    /* the header with tick_freq 0 */
    n = g5_build(buf, 0, pk, 1);
    write_gz(tpath("f0.gz"), buf, n);
    expect_fail(tpath("f0.gz"), MIGSIM_IMPORT_GEM5, NULL, MIGSIM_EFORMAT,
                "f0.gz: record 0: tick_freq is 0");
}
#else
static void test_gem5(void **st)
{
    (void)st;
    fprintf(stderr, "built without protobuf-c: skipping gem5\n");
    skip();
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_champsim),
        cmocka_unit_test(test_champsim_large),
        cmocka_unit_test(test_gem5),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
