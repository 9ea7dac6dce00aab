/*
 * test_trace.c - tests of the trace layer (migsim/trace.h): native format
 * round trips and seeks, an independent encoder of the documented format
 * (traces/FORMAT.md, versions 1 and 2, both compressions) read back by the
 * library and compared byte for byte with the library's files, the byte
 * shuffle's SSE2 loops against the scalar ones (with a planted bug),
 * corrupt and truncated files,
 * the generator's determinism and statistics, the record source, the
 * importers against the peer traces of DRAMSim3 and Ramulator (checked with
 * an independent fgets/strtoull reader), bad text input, and the CLI.
 *
 * Every failure test asserts the error code, that the message names the
 * file and the line/record/block, and that nothing is left under the
 * output name or as a temporary file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "migsim/errors.h"
#include "migsim/rng.h"
#include "migsim/trace.h"
#include "trace_internal.h" /* the shuffle loops, compared with each other */
#include "tracetest.h"

#define DRAMSIM3_PEER MIGSIM_SHARED_DIR "/peer-traces/dramsim3/example.trace"
#define RAMULATOR_PEER MIGSIM_SHARED_DIR "/peer-traces/ramulator/dram.trace"

/* ---- helpers -------------------------------------------------------------- */

static void assert_msg_has(const char *needle)
{
    const char *m = migsim_errmsg();
    if (!strstr(m, needle)) {
        fprintf(stderr, "error message '%s' lacks '%s'\n", m, needle);
        fail();
    }
}

static void assert_rec_eq(const migsim_trace_rec_t *a, const migsim_trace_rec_t *b)
{
    assert_int_equal(a->time, b->time);
    assert_int_equal(a->addr, b->addr);
    assert_int_equal(a->size, b->size);
    assert_int_equal(a->op, b->op);
    assert_int_equal(a->src_kind, b->src_kind);
    assert_int_equal(a->src_idx, b->src_idx);
}

/* Records with every field varied; ABS times non-decreasing (with repeats). */
static migsim_trace_rec_t *make_recs(size_t n, uint64_t seed)
{
    migsim_trace_rec_t *v = malloc(n * sizeof *v);
    assert_non_null(v);
    migsim_rng_t r;
    migsim_rng_seed(&r, seed);
    uint64_t t = 5;
    for (size_t i = 0; i < n; i++) {
        t += migsim_rng_below(&r, 3) * 1000; /* some equal times */
        v[i].time = t;
        v[i].addr = migsim_rng_next(&r);
        v[i].size = 1 + (uint32_t)migsim_rng_below(&r, MIGSIM_TRACE_MAX_SIZE);
        v[i].op = (uint8_t)migsim_rng_below(&r, 2);
        v[i].src_kind = (uint8_t)migsim_rng_below(&r, MIGSIM_SRC_COUNT_);
        v[i].src_idx = (uint16_t)migsim_rng_next(&r);
    }
    return v;
}

static void write_trace_comp(const char *p, const migsim_trace_rec_t *v, size_t n,
                             migsim_time_mode_t mode, uint32_t block_recs,
                             migsim_trace_comp_t comp, int level)
{
    migsim_trace_wopts_t o;
    migsim_trace_wopts_default(&o);
    o.time_mode = mode;
    o.block_recs = block_recs;
    o.compression = comp;
    o.level = level;
    migsim_trace_writer_t *w;
    assert_int_equal(migsim_trace_writer_open(&w, p, &o), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(migsim_trace_put(w, &v[i]), 0);
    assert_int_equal(migsim_trace_writer_count(w), n);
    assert_int_equal(migsim_trace_writer_close(w), 0);
}

/* With the default compression and level. */
static void write_trace(const char *p, const migsim_trace_rec_t *v, size_t n,
                        migsim_time_mode_t mode, uint32_t block_recs)
{
    write_trace_comp(p, v, n, mode, block_recs, MIGSIM_TRACE_COMP_ZLIB_SHUFFLE,
                     MIGSIM_TRACE_DEF_LEVEL);
}

/* ---- independent encoder of traces/FORMAT.md ------------------------------ */

static void le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* How the independent encoder writes a file: header version and
 * compression bytes (any values, undefined ones included) and zlib level. */
typedef struct native_fmt_s {
    unsigned version; /* 1: block CRC over the records; else over the stored bytes */
    unsigned comp;    /* 2: blocks byte-shuffled; any other value: as they are */
    int level;        /* compress2() level */
} native_fmt_t;

static const native_fmt_t FMT_V1 = {1, 1, 6};
static const native_fmt_t FMT_V2_PLAIN = {2, 1, MIGSIM_TRACE_DEF_LEVEL};
static const native_fmt_t FMT_V2_SHUF = {2, 2, MIGSIM_TRACE_DEF_LEVEL};

/* Build a native file from the format description alone; records are
 * written verbatim (invalid ones included). */
static void build_native_fmt(const char *p, const migsim_trace_rec_t *v, size_t n,
                             uint32_t brecs, unsigned mode, native_fmt_t fmt)
{
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    unsigned char h[64] = {0};
    memcpy(h, "MIGSTRC1", 8);
    le(h + 8, fmt.version, 2);
    le(h + 10, 64, 2);
    le(h + 12, 24, 2);
    h[14] = (unsigned char)mode;
    h[15] = (unsigned char)fmt.comp;
    le(h + 16, brecs, 4);
    le(h + 60, crc32(0, h, 60), 4);
    fwrite(h, 1, 64, f);
    size_t nblk = (n + brecs - 1) / brecs;
    unsigned char *idx = calloc(nblk ? nblk : 1, 40);
    unsigned char *raw = malloc((size_t)brecs * 24);
    unsigned char *planes = malloc((size_t)brecs * 24);
    uLong cap = compressBound((uLong)brecs * 24);
    unsigned char *comp = malloc(cap);
    uint64_t off = 64, sum = 0;
    for (size_t b = 0; b < nblk; b++) {
        size_t first = b * brecs, cnt = n - first < brecs ? n - first : brecs;
        for (size_t i = 0; i < cnt; i++) {
            const migsim_trace_rec_t *q = &v[first + i];
            unsigned char *o = raw + i * 24;
            le(o, q->time, 8);
            le(o + 8, q->addr, 8);
            le(o + 16, q->size, 4);
            o[20] = q->op;
            o[21] = q->src_kind;
            le(o + 22, q->src_idx, 2);
        }
        /* compression 2: byte j of record i at j * nrecs + i */
        const unsigned char *payload = raw;
        if (fmt.comp == 2) {
            for (size_t i = 0; i < cnt; i++)
                for (size_t j = 0; j < 24; j++)
                    planes[j * cnt + i] = raw[i * 24 + j];
            payload = planes;
        }
        uLongf cl = cap;
        assert_int_equal(compress2(comp, &cl, payload, (uLong)cnt * 24, fmt.level), Z_OK);
        fwrite(comp, 1, cl, f);
        uint64_t ft = mode == 0 ? v[first].time : mode == 3 ? 0 : sum + v[first].time;
        for (size_t i = 0; i < cnt && mode != 0 && mode != 3; i++)
            sum += v[first + i].time;
        unsigned char *e = idx + b * 40;
        le(e, off, 8);
        le(e + 8, cl, 4);
        le(e + 12, cnt, 4);
        le(e + 16, first, 8);
        le(e + 24, ft, 8);
        le(e + 32, fmt.version == 1 ? crc32(0, raw, (uInt)(cnt * 24)) : crc32(0, comp, (uInt)cl),
           4);
        off += cl;
    }
    fwrite(idx, 1, nblk * 40, f);
    unsigned char ft[48];
    le(ft, off, 8);
    le(ft + 8, nblk, 8);
    le(ft + 16, n, 8);
    le(ft + 24, mode == 0 ? (n ? v[n - 1].time : 0) : mode == 3 ? 0 : sum, 8);
    le(ft + 32, crc32(0, idx, (uInt)(nblk * 40)), 4);
    le(ft + 36, crc32(0, ft, 36), 4);
    memcpy(ft + 40, "MIGSTRE1", 8);
    fwrite(ft, 1, 48, f);
    assert_int_equal(fclose(f), 0);
    free(idx);
    free(raw);
    free(planes);
    free(comp);
}

/* Version 2, shuffled, at the writer's default level. */
static void build_native(const char *p, const migsim_trace_rec_t *v, size_t n, uint32_t brecs,
                         unsigned mode)
{
    build_native_fmt(p, v, n, brecs, mode, FMT_V2_SHUF);
}

/* Read every record; returns the count, or the error code (< 0). */
static long long read_all(const char *p, migsim_trace_rec_t *out, size_t cap)
{
    migsim_trace_reader_t *r;
    int rc = migsim_trace_open(&r, p);
    if (rc)
        return rc;
    const migsim_trace_rec_t *q;
    long long n = 0;
    while ((rc = migsim_trace_next(r, &q)) == 1) {
        if (out && (size_t)n < cap)
            out[n] = *q;
        n++;
    }
    migsim_trace_close(r);
    return rc < 0 ? rc : n;
}

/* ---- native format -------------------------------------------------------- */

static void test_roundtrip_blocks(void **st)
{
    (void)st;
    const size_t n = 10007; /* 100 full blocks of 100 and one of 7 */
    migsim_trace_rec_t *v = make_recs(n, 42);
    const char *p = tpath("rt.mtr");
    write_trace(p, v, n, MIGSIM_TIME_ABS_PS, 100);
    assert_no_temp();

    migsim_trace_reader_t *r;
    assert_int_equal(migsim_trace_open(&r, p), 0);
    const migsim_trace_info_t *in = migsim_trace_info(r);
    assert_int_equal(in->records, n);
    assert_int_equal(in->blocks, 101);
    assert_int_equal(in->block_recs, 100);
    assert_int_equal(in->time_mode, MIGSIM_TIME_ABS_PS);
    assert_int_equal(in->first_time, v[0].time);
    assert_int_equal(in->last_time, v[n - 1].time);
    const migsim_trace_rec_t *q;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(migsim_trace_tell(r), i);
        assert_int_equal(migsim_trace_next(r, &q), 1);
        assert_rec_eq(q, &v[i]);
    }
    assert_int_equal(migsim_trace_next(r, &q), 0);
    assert_int_equal(migsim_trace_next(r, &q), 0);
    migsim_trace_close(r);

    /* The library reads a file built from FORMAT.md by an independent encoder. */
    const char *p2 = tpath("rt_indep.mtr");
    build_native(p2, v, n, 333, MIGSIM_TIME_ABS_PS);
    migsim_trace_rec_t *back = malloc(n * sizeof *back);
    assert_int_equal(read_all(p2, back, n), (long long)n);
    for (size_t i = 0; i < n; i++)
        assert_rec_eq(&back[i], &v[i]);
    free(back);
    free(v);
}

/* Both compressions, block sizes around the SSE2 step of 16 records, and a
 * last block shorter than the others: the library's file reads back, equals
 * byte for byte the independent encoder's at the same level, and reads like
 * it; version 1 files of the same records read identically. */
static void test_roundtrip_formats(void **st)
{
    (void)st;
    static const struct { uint32_t brecs; size_t n; } sizes[] = {
        {1, 40}, {15, 82}, {16, 89}, {17, 101}, {16, 64}, /* 64: no partial block */
        {100, 1037}, {4096, 2 * 4096 + 1000},
    };
    static const migsim_trace_comp_t comps[] = {MIGSIM_TRACE_COMP_ZLIB,
                                                MIGSIM_TRACE_COMP_ZLIB_SHUFFLE};
    const size_t nmax = 2 * 4096 + 1000;
    migsim_trace_rec_t *v = make_recs(nmax, 17);
    migsim_trace_rec_t *back = malloc(nmax * sizeof *back);
    assert_non_null(back);
    const char *lib = tpath("fmt_lib.mtr"), *ind = tpath("fmt_ind.mtr");
    for (size_t c = 0; c < 2; c++) {
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            const uint32_t brecs = sizes[k].brecs;
            const size_t n = sizes[k].n;
            write_trace_comp(lib, v, n, MIGSIM_TIME_ABS_PS, brecs, comps[c],
                             MIGSIM_TRACE_DEF_LEVEL);
            migsim_trace_reader_t *r;
            assert_int_equal(migsim_trace_open(&r, lib), 0);
            const migsim_trace_info_t *in = migsim_trace_info(r);
            assert_int_equal(in->version, 2);
            assert_int_equal(in->compression, comps[c]);
            assert_int_equal(in->blocks, (n + brecs - 1) / brecs);
            const migsim_trace_rec_t *q;
            for (size_t i = 0; i < n; i++) {
                assert_int_equal(migsim_trace_next(r, &q), 1);
                assert_rec_eq(q, &v[i]);
            }
            assert_int_equal(migsim_trace_next(r, &q), 0);
            /* the last block by seeking, after the others */
            assert_int_equal(migsim_trace_seek(r, n - 1), 0);
            assert_int_equal(migsim_trace_next(r, &q), 1);
            assert_rec_eq(q, &v[n - 1]);
            migsim_trace_close(r);

            native_fmt_t fmt = comps[c] == MIGSIM_TRACE_COMP_ZLIB ? FMT_V2_PLAIN : FMT_V2_SHUF;
            build_native_fmt(ind, v, n, brecs, MIGSIM_TIME_ABS_PS, fmt);
            size_t nl, ni;
            unsigned char *bl = read_bytes(lib, &nl), *bi = read_bytes(ind, &ni);
            if (nl != ni || memcmp(bl, bi, nl) != 0)
                fprintf(stderr, "compression %d, block_recs %" PRIu32 ", %zu records: the "
                        "library's file (%zu bytes) differs from the encoder's (%zu)\n",
                        (int)comps[c], brecs, n, nl, ni);
            assert_int_equal(nl, ni);
            assert_memory_equal(bl, bi, nl);
            free(bl);
            free(bi);
            assert_int_equal(read_all(ind, back, nmax), (long long)n);
            for (size_t i = 0; i < n; i++)
                assert_rec_eq(&back[i], &v[i]);

            if (c == 0) { /* version 1 (compression 1 only) */
                build_native_fmt(ind, v, n, brecs, MIGSIM_TIME_ABS_PS, FMT_V1);
                assert_int_equal(migsim_trace_open(&r, ind), 0);
                assert_int_equal(migsim_trace_info(r)->version, 1);
                assert_int_equal(migsim_trace_info(r)->compression, MIGSIM_TRACE_COMP_ZLIB);
                migsim_trace_close(r);
                assert_int_equal(read_all(ind, back, nmax), (long long)n);
                for (size_t i = 0; i < n; i++)
                    assert_rec_eq(&back[i], &v[i]);
            }
        }
    }
    /* Gap and untimed modes through the shuffle too (their index times). */
    for (size_t i = 0; i < 300; i++)
        v[i].time = i % 5;
    build_native_fmt(ind, v, 300, 64, MIGSIM_TIME_GAP_PS, FMT_V2_SHUF);
    assert_int_equal(read_all(ind, back, nmax), 300);
    assert_rec_eq(&back[299], &v[299]);
    for (size_t i = 0; i < 300; i++)
        v[i].time = 0;
    build_native_fmt(ind, v, 300, 64, MIGSIM_TIME_NONE, FMT_V2_SHUF);
    assert_int_equal(read_all(ind, back, nmax), 300);
    assert_rec_eq(&back[150], &v[150]);
    free(back);
    free(v);
}

/* ---- byte shuffle of compression 2: SSE2 loops against the scalar ones ---- */

typedef void shuffle_fn(unsigned char *dst, const unsigned char *src, size_t n);

/* Planted bug: un-shuffles with planes 3 and 17 swapped. */
static void unshuffle_swapped_planes(unsigned char *dst, const unsigned char *src, size_t n)
{
    unsigned char *t = malloc(n * 24);
    assert_non_null(t);
    memcpy(t, src, n * 24);
    memcpy(t + 3 * n, src + 17 * n, n);
    memcpy(t + 17 * n, src + 3 * n, n);
    migsim__trace_unshuffle_scalar(dst, t, n);
    free(t);
}

/* 1 if f and ref turn the same n * 24 random bytes into the same output.
 * The outputs start filled differently, so a byte that either leaves
 * unwritten is a difference. Planes 3 and 17 differ at every record. */
static int shuffles_agree(shuffle_fn *f, shuffle_fn *ref, size_t n, uint64_t seed)
{
    size_t bytes = n * 24;
    unsigned char *src = malloc(bytes), *a = malloc(bytes), *b = malloc(bytes);
    assert_true(src && a && b);
    migsim_rng_t r;
    migsim_rng_seed(&r, seed);
    for (size_t i = 0; i < bytes; i++)
        src[i] = (unsigned char)migsim_rng_next(&r);
    for (size_t i = 0; i < n; i++)
        if (src[3 * n + i] == src[17 * n + i])
            src[17 * n + i] ^= 0x80;
    memset(a, 0xa5, bytes);
    memset(b, 0x5a, bytes);
    f(a, src, n);
    ref(b, src, n);
    int same = memcmp(a, b, bytes) == 0;
    free(src);
    free(a);
    free(b);
    return same;
}

static void test_shuffle_simd(void **st)
{
    (void)st;
    if (!TRACE_SHUFFLE_SIMD)
        fprintf(stderr, "no SSE2 on this host: the loops compared are both scalar\n");
    size_t ns[100 + 6];
    size_t count = 0;
    for (size_t n = 1; n <= 100; n++)
        ns[count++] = n;
    static const size_t large[] = {4095, 4096, 4097, 12345, 65536 + 7, MIGSIM_TRACE_MAX_BLOCK};
    for (size_t k = 0; k < sizeof large / sizeof large[0]; k++)
        ns[count++] = large[k];
    for (size_t k = 0; k < count; k++) {
        size_t n = ns[k];
        assert_true(shuffles_agree(migsim__trace_unshuffle, migsim__trace_unshuffle_scalar, n,
                                   n));
        assert_true(shuffles_agree(migsim__trace_shuffle, migsim__trace_shuffle_scalar, n,
                                   n + 1));
        /* the planted bug is caught at every size */
        assert_false(shuffles_agree(migsim__trace_unshuffle, unshuffle_swapped_planes, n, n));
    }

    /* The scalar loops against FORMAT.md's layout, and the round trip. */
    for (size_t k = 0; k < count; k += 7) {
        size_t n = ns[k], bytes = n * 24;
        unsigned char *rec = malloc(bytes), *pl = malloc(bytes), *back = malloc(bytes);
        assert_true(rec && pl && back);
        for (size_t i = 0; i < bytes; i++)
            rec[i] = (unsigned char)(i * 2654435761u >> 13);
        migsim__trace_shuffle_scalar(pl, rec, n);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < 24; j++)
                assert_int_equal(pl[j * n + i], rec[i * 24 + j]);
        migsim__trace_shuffle(pl, rec, n);
        migsim__trace_unshuffle(back, pl, n);
        assert_memory_equal(back, rec, bytes);
        free(rec);
        free(pl);
        free(back);
    }
}

/* Header values the reader does not know: an error naming the file. */
static void test_bad_version_compression(void **st)
{
    (void)st;
    migsim_trace_rec_t *v = make_recs(50, 8);
    const char *p = tpath("ver.mtr");
    static const struct { native_fmt_t fmt; const char *msg; } cases[] = {
        {{3, 2, 3}, "ver.mtr: header: unsupported version 3 (this reader reads 1..2)"},
        {{0, 1, 3}, "ver.mtr: header: unsupported version 0"},
        {{0x102, 2, 3}, "ver.mtr: header: unsupported version 258"},
        {{2, 3, 3}, "ver.mtr: header: unknown compression 3 (version 2 defines 1..2)"},
        {{2, 0, 3}, "ver.mtr: header: unknown compression 0"},
        {{2, 255, 3}, "ver.mtr: header: unknown compression 255"},
        {{1, 2, 3}, "ver.mtr: header: unknown compression 2 (version 1 defines 1..1)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        build_native_fmt(p, v, 50, 16, MIGSIM_TIME_ABS_PS, cases[k].fmt);
        migsim_trace_reader_t *r = (migsim_trace_reader_t *)1;
        assert_int_equal(migsim_trace_open(&r, p), MIGSIM_EFORMAT);
        assert_null(r);
        assert_msg_has(cases[k].msg);
    }
    /* The writer refuses an unknown compression. */
    migsim_trace_wopts_t o;
    migsim_trace_wopts_default(&o);
    o.compression = (migsim_trace_comp_t)3;
    migsim_trace_writer_t *w;
    assert_int_equal(migsim_trace_writer_open(&w, p, &o), MIGSIM_EINVAL);
    assert_null(w);
    assert_msg_has("ver.mtr: compression 3 unknown");
    free(v);
}

static void test_roundtrip_gap_and_none(void **st)
{
    (void)st;
    const size_t n = 5000;
    migsim_trace_rec_t *v = make_recs(n, 9);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        v[i].time = i % 17;
        sum += v[i].time;
    }
    const char *p = tpath("gap.mtr");
    write_trace(p, v, n, MIGSIM_TIME_GAP_PS, 64);
    migsim_trace_reader_t *r;
    assert_int_equal(migsim_trace_open(&r, p), 0);
    assert_int_equal(migsim_trace_info(r)->time_mode, MIGSIM_TIME_GAP_PS);
    assert_int_equal(migsim_trace_info(r)->last_time, sum);
    migsim_trace_close(r);
    migsim_trace_rec_t *back = malloc(n * sizeof *back);
    assert_int_equal(read_all(p, back, n), (long long)n);
    for (size_t i = 0; i < n; i++)
        assert_rec_eq(&back[i], &v[i]);

    /* Mode NONE: time must be 0. */
    for (size_t i = 0; i < n; i++)
        v[i].time = 0;
    write_trace(tpath("none.mtr"), v, n, MIGSIM_TIME_NONE, 4096);
    assert_int_equal(read_all(tpath("none.mtr"), back, n), (long long)n);
    assert_rec_eq(&back[n - 1], &v[n - 1]);

    /* Empty trace is valid. */
    write_trace(tpath("empty.mtr"), v, 0, MIGSIM_TIME_ABS_PS, 10);
    assert_int_equal(read_all(tpath("empty.mtr"), NULL, 0), 0);
    free(back);
    free(v);
}

static void test_seek(void **st)
{
    (void)st;
    const size_t n = 2500;
    migsim_trace_rec_t *v = make_recs(n, 3);
    const char *p = tpath("seek.mtr");
    write_trace(p, v, n, MIGSIM_TIME_ABS_PS, 64);
    migsim_trace_reader_t *r;
    assert_int_equal(migsim_trace_open(&r, p), 0);
    const migsim_trace_rec_t *q;
    uint64_t fixed[] = {0, 63, 64, 65, 127, 128, 2499, 1, 2431, 2432, 1000, 999};
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++) {
        assert_int_equal(migsim_trace_seek(r, fixed[k]), 0);
        assert_int_equal(migsim_trace_tell(r), fixed[k]);
        assert_int_equal(migsim_trace_next(r, &q), 1);
        assert_rec_eq(q, &v[fixed[k]]);
    }
    migsim_rng_t rng;
    migsim_rng_seed(&rng, 77);
    for (int k = 0; k < 500; k++) {
        uint64_t i = migsim_rng_below(&rng, n);
        assert_int_equal(migsim_trace_seek(r, i), 0);
        /* read a few records across a possible block boundary */
        for (uint64_t j = i; j < i + 70 && j < n; j++) {
            assert_int_equal(migsim_trace_next(r, &q), 1);
            assert_rec_eq(q, &v[j]);
        }
    }
    assert_int_equal(migsim_trace_seek(r, n), 0);
    assert_int_equal(migsim_trace_next(r, &q), 0);
    assert_int_equal(migsim_trace_seek(r, n + 1), MIGSIM_ERANGE);
    assert_msg_has("seek.mtr");
    /* After seeking back to the start, the whole file streams again. */
    assert_int_equal(migsim_trace_seek(r, 0), 0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(migsim_trace_next(r, &q), 1);
        assert_rec_eq(q, &v[i]);
    }
    assert_int_equal(migsim_trace_next(r, &q), 0);
    migsim_trace_close(r);
    free(v);
}

static void test_writer_atomic(void **st)
{
    (void)st;
    const char *p = tpath("atomic.mtr");
    write_text(p, "old contents");
    migsim_trace_rec_t *v = make_recs(300, 5);
    migsim_trace_writer_t *w;

    /* Abort: the old file stays, the temporary goes. */
    assert_int_equal(migsim_trace_writer_open(&w, p, NULL), 0);
    for (int i = 0; i < 300; i++)
        assert_int_equal(migsim_trace_put(w, &v[i]), 0);
    migsim_trace_writer_abort(w);
    size_t nb;
    unsigned char *b = read_bytes(p, &nb);
    assert_int_equal(nb, 12);
    assert_memory_equal(b, "old contents", 12);
    free(b);
    assert_no_temp();

    /* A bad record poisons the writer; close fails and leaves the old file. */
    assert_int_equal(migsim_trace_writer_open(&w, p, NULL), 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(migsim_trace_put(w, &v[i]), 0);
    migsim_trace_rec_t bad = v[10];
    bad.op = 7;
    assert_int_equal(migsim_trace_put(w, &bad), MIGSIM_EINVAL);
    assert_msg_has("atomic.mtr: record 10: op 7");
    assert_int_equal(migsim_trace_put(w, &v[11]), MIGSIM_EINVAL);
    assert_int_equal(migsim_trace_writer_close(w), MIGSIM_EINVAL);
    b = read_bytes(p, &nb);
    assert_int_equal(nb, 12);
    free(b);
    assert_no_temp();

    /* ABS time going backwards, size 0, size above the limit, bad src_kind. */
    struct { migsim_trace_rec_t r; const char *msg; } cases[4];
    for (int k = 0; k < 4; k++)
        cases[k].r = v[1];
    cases[0].r.time = v[0].time - 1; cases[0].msg = "record 1: time";
    cases[1].r.size = 0; cases[1].msg = "record 1: size 0";
    cases[2].r.size = MIGSIM_TRACE_MAX_SIZE + 1; cases[2].msg = "record 1: size";
    cases[3].r.src_kind = MIGSIM_SRC_COUNT_; cases[3].msg = "record 1: src_kind";
    for (int k = 0; k < 4; k++) {
        assert_int_equal(migsim_trace_writer_open(&w, p, NULL), 0);
        assert_int_equal(migsim_trace_put(w, &v[0]), 0);
        assert_int_equal(migsim_trace_put(w, &cases[k].r), MIGSIM_EINVAL);
        assert_msg_has(cases[k].msg);
        assert_int_not_equal(migsim_trace_writer_close(w), 0);
        assert_no_temp();
    }

    /* Success replaces the old file. */
    write_trace(p, v, 300, MIGSIM_TIME_ABS_PS, 128);
    assert_int_equal(read_all(p, NULL, 0), 300);
    assert_no_temp();
    free(v);

    /* Bad options. */
    migsim_trace_wopts_t o;
    migsim_trace_wopts_default(&o);
    o.block_recs = 0;
    assert_int_equal(migsim_trace_writer_open(&w, p, &o), MIGSIM_EINVAL);
    assert_null(w);
    /* Unwritable directory. */
    assert_int_equal(migsim_trace_writer_open(&w, "/nonexistent-dir/x.mtr", NULL), MIGSIM_EIO);
}

/* A 250-record file in 3 blocks of up to 100, for the corruption tests. */
static unsigned char *corrupt_base(size_t *n, migsim_trace_rec_t **recs)
{
    migsim_trace_rec_t *v = make_recs(250, 11);
    write_trace(tpath("base.mtr"), v, 250, MIGSIM_TIME_ABS_PS, 100);
    if (recs)
        *recs = v;
    else
        free(v);
    return read_bytes(tpath("base.mtr"), n);
}

static void test_truncated_native(void **st)
{
    (void)st;
    size_t n;
    unsigned char *b = corrupt_base(&n, NULL);
    uint64_t ioff = 0;
    for (int i = 7; i >= 0; i--)
        ioff = ioff << 8 | b[n - 48 + i];
    struct { size_t cut; const char *where; } cuts[] = {
        {0, "empty"}, {30, "in the header"}, {64, "after the header"},
        {64 + 10, "in block 0"}, {(size_t)ioff - 5, "in the last block"},
        {(size_t)ioff + 20, "in the index"}, {n - 48, "before the footer"},
        {n - 20, "in the footer"}, {n - 1, "last byte missing"},
    };
    const char *p = tpath("cut.mtr");
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        write_bytes(p, b, cuts[k].cut);
        migsim_trace_reader_t *r = (migsim_trace_reader_t *)1;
        int rc = migsim_trace_open(&r, p);
        if (rc != MIGSIM_ETRUNC)
            fprintf(stderr, "cut %s (%zu): rc %d %s\n", cuts[k].where, cuts[k].cut, rc,
                    migsim_errmsg());
        assert_int_equal(rc, MIGSIM_ETRUNC);
        assert_null(r);
        assert_msg_has("cut.mtr");
    }
    free(b);
}

static void test_bad_header(void **st)
{
    (void)st;
    size_t n;
    unsigned char *b = corrupt_base(&n, NULL);
    const char *p = tpath("hdr.mtr");
    migsim_trace_reader_t *r;

    b[0] ^= 0x20; /* "mIGSTRC1" */
    write_bytes(p, b, n);
    assert_int_equal(migsim_trace_open(&r, p), MIGSIM_EFORMAT);
    assert_msg_has("hdr.mtr: bad magic");
    b[0] ^= 0x20;

    b[12] = 32; /* record size 32 */
    write_bytes(p, b, n);
    assert_int_equal(migsim_trace_open(&r, p), MIGSIM_EFORMAT);
    assert_msg_has("hdr.mtr: header: record size 32");
    b[12] = 24;

    b[14] = 9; /* time mode */
    write_bytes(p, b, n);
    assert_int_equal(migsim_trace_open(&r, p), MIGSIM_EFORMAT);
    assert_msg_has("time mode 9");
    b[14] = 0;

    b[40] = 1; /* reserved byte: only the header CRC sees it */
    write_bytes(p, b, n);
    assert_int_equal(migsim_trace_open(&r, p), MIGSIM_EFORMAT);
    assert_msg_has("header: CRC");
    b[40] = 0;

    b[n - 30] ^= 1; /* footer record count: footer CRC */
    write_bytes(p, b, n);
    assert_int_equal(migsim_trace_open(&r, p), MIGSIM_EFORMAT);
    assert_msg_has("footer: CRC");
    b[n - 30] ^= 1;

    write_bytes(p, b, n); /* restored: valid again */
    assert_int_equal(read_all(p, NULL, 0), 250);

    write_text(p, "0x2000 READ 5\n"); /* a text trace given by mistake */
    assert_int_equal(migsim_trace_open(&r, p), MIGSIM_EFORMAT);
    assert_msg_has("bad magic");
    assert_int_equal(migsim_trace_open(&r, tpath("does-not-exist.mtr")), MIGSIM_EIO);
    assert_msg_has("does-not-exist.mtr");
    free(b);
}

/* Where block k of a file is: its offset and stored bytes, from the index. */
static void block_at(const unsigned char *b, size_t n, uint64_t k, uint64_t *off, uint32_t *len)
{
    uint64_t ioff = 0;
    for (int i = 7; i >= 0; i--)
        ioff = ioff << 8 | b[n - 48 + i];
    const unsigned char *e = b + ioff + 40 * k;
    *off = 0;
    for (int i = 7; i >= 0; i--)
        *off = *off << 8 | e[i];
    *len = (uint32_t)(e[8] | e[9] << 8 | e[10] << 16 | (uint32_t)e[11] << 24);
}

/* Reading the file at p gives records 0..99 of v, then an error in block 1
 * whose message has `needle` (sticky). */
static void expect_block1_error(const char *p, const migsim_trace_rec_t *v, const char *needle)
{
    migsim_trace_reader_t *r;
    assert_int_equal(migsim_trace_open(&r, p), 0); /* index intact */
    const migsim_trace_rec_t *q;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(migsim_trace_next(r, &q), 1);
        assert_rec_eq(q, &v[i]);
    }
    assert_int_equal(migsim_trace_next(r, &q), MIGSIM_EFORMAT);
    assert_msg_has(needle);
    assert_int_equal(migsim_trace_next(r, &q), MIGSIM_EFORMAT); /* sticky */
    migsim_trace_close(r);
}

static void test_corrupt_block(void **st)
{
    (void)st;
    size_t n;
    migsim_trace_rec_t *v;
    unsigned char *b = corrupt_base(&n, &v);
    const char *p = tpath("blk.mtr");
    /* Index entry k is at ioff + 40k: offset(8) comp_bytes(4). */
    uint64_t ioff = 0;
    for (int i = 7; i >= 0; i--)
        ioff = ioff << 8 | b[n - 48 + i];
    unsigned char *e1 = b + ioff + 40;
    uint64_t off1;
    uint32_t len1;
    block_at(b, n, 1, &off1, &len1);

    /* Version 2: any flipped stored byte (zlib header, deflate data, Adler-32
     * trailer) fails the block's CRC, checked before inflating: a flip of the
     * zlib header or the deflate data would otherwise be inflate's error. */
    char crc_msg[128];
    snprintf(crc_msg, sizeof crc_msg,
             "blk.mtr: block 1 (records 100..199): CRC mismatch in its %" PRIu32 " stored bytes",
             len1);
    for (uint32_t at = 0; at < len1; at++) {
        b[off1 + at] ^= 0x55;
        write_bytes(p, b, n);
        b[off1 + at] ^= 0x55;
        expect_block1_error(p, v, crc_msg);
    }

    /* A broken zlib stream with a matching CRC (index and footer CRCs
     * recomputed too) is inflate's to catch. */
    b[off1] ^= 0x0f; /* compression method 8 (deflate) no more */
    le(e1 + 32, crc32(0, b + off1, len1), 4);
    le(b + n - 16, crc32(0, b + ioff, (uInt)(n - 48 - ioff)), 4);
    le(b + n - 12, crc32(0, b + n - 48, 36), 4);
    write_bytes(p, b, n);
    expect_block1_error(p, v, "blk.mtr: block 1 (records 100..199): corrupt compressed data");
    b[off1] ^= 0x0f;
    le(e1 + 32, crc32(0, b + off1, len1), 4);
    le(b + n - 16, crc32(0, b + ioff, (uInt)(n - 48 - ioff)), 4);
    le(b + n - 12, crc32(0, b + n - 48, 36), 4);

    /* Version 1: the CRC covers the records and is checked after inflating;
     * the zlib header and the deflate data are checked by inflate or by the
     * CRC, the Adler-32 trailer by neither (traces/FORMAT.md). */
    const char *p1 = tpath("blk1.mtr");
    build_native_fmt(p1, v, 250, 100, MIGSIM_TIME_ABS_PS, FMT_V1);
    size_t n1;
    unsigned char *b1 = read_bytes(p1, &n1);
    uint64_t o1;
    uint32_t l1;
    block_at(b1, n1, 1, &o1, &l1);
    for (uint32_t at = 0; at < l1 - 4; at += at < 2 ? 1 : l1 / 7 + 1) {
        b1[o1 + at] ^= 0x55;
        write_bytes(p1, b1, n1);
        b1[o1 + at] ^= 0x55;
        expect_block1_error(p1, v, "blk1.mtr: block 1 (records 100..199)");
    }
    free(b1);

    /* A CRC in the index that does not match the data: caught by the
     * per-block CRC (index and footer CRCs recomputed so that only it can). */
    e1[32] ^= 1;
    uint32_t ic = (uint32_t)crc32(0, b + ioff, (uInt)(n - 48 - ioff));
    le(b + n - 16, ic, 4);
    le(b + n - 12, crc32(0, b + n - 48, 36), 4);
    write_bytes(p, b, n);
    assert_int_equal(read_all(p, NULL, 0), MIGSIM_EFORMAT);
    assert_msg_has("block 1 (records 100..199): CRC mismatch");
    migsim_trace_reader_t *r;
    assert_int_equal(migsim_trace_open(&r, p), 0);
    assert_int_equal(migsim_trace_seek(r, 150), MIGSIM_EFORMAT);
    assert_msg_has("block 1");
    migsim_trace_close(r);

    /* The index's first time of block 1 disagrees with its first record. */
    e1[32] ^= 1;
    e1[24] ^= 1;
    ic = (uint32_t)crc32(0, b + ioff, (uInt)(n - 48 - ioff));
    le(b + n - 16, ic, 4);
    le(b + n - 12, crc32(0, b + n - 48, 36), 4);
    write_bytes(p, b, n);
    assert_int_equal(read_all(p, NULL, 0), MIGSIM_EFORMAT);
    assert_msg_has("blk.mtr: block 1: record 100: time");
    e1[24] ^= 1;

    /* Index byte flipped without fixing its CRC: caught at open. */
    e1[0] ^= 1;
    write_bytes(p, b, n);
    assert_int_equal(migsim_trace_open(&r, p), MIGSIM_EFORMAT);
    assert_msg_has("blk.mtr: block index");
    free(b);
    free(v);
}

static void test_invalid_records_in_file(void **st)
{
    (void)st;
    const size_t n = 300;
    migsim_trace_rec_t *v = make_recs(n, 21);
    const char *p = tpath("badrec.mtr");
    struct { size_t at; int field; const char *msg; } cases[] = {
        {5, 0, "badrec.mtr: record 5: op 2"},
        {150, 1, "badrec.mtr: record 150: src_kind 5"},
        {299, 2, "badrec.mtr: record 299: size 0"},
        {77, 3, "badrec.mtr: record 77: time"},    /* time backwards in a block */
        {200, 4, "badrec.mtr: record 200: time"},  /* backwards across blocks */
    };
    const native_fmt_t fmts[] = {FMT_V1, FMT_V2_PLAIN, FMT_V2_SHUF};
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            migsim_trace_rec_t *w = malloc(n * sizeof *w);
            memcpy(w, v, n * sizeof *w);
            size_t i = cases[k].at;
            switch (cases[k].field) {
            case 0: w[i].op = 2; break;
            case 1: w[i].src_kind = MIGSIM_SRC_COUNT_; break;
            case 2: w[i].size = 0; break;
            case 3: w[i].time = w[i - 1].time - 1; break;
            default: /* block 2 (records 200..299) starts before block 1 ends,
                        while the index first times stay non-decreasing */
                w[199].time = w[198].time + 10;
                for (size_t j = 200; j < n; j++)
                    w[j].time = w[199].time - 1;
                break;
            }
            build_native_fmt(p, w, n, 100, MIGSIM_TIME_ABS_PS, fmts[f]);
            long long got = read_all(p, NULL, 0);
            if (got != MIGSIM_EFORMAT)
                fprintf(stderr, "format %zu, case %zu: got %lld (%s)\n", f, k, got,
                        migsim_errmsg());
            assert_int_equal(got, MIGSIM_EFORMAT);
            assert_msg_has(cases[k].msg);
            free(w);
        }
        /* Unmodified, the same builder gives a valid file. */
        build_native_fmt(p, v, n, 100, MIGSIM_TIME_ABS_PS, fmts[f]);
        assert_int_equal(read_all(p, NULL, 0), (long long)n);
    }
    free(v);
}

/* ---- generator ------------------------------------------------------------ */

static void test_gen_determinism(void **st)
{
    (void)st;
    for (int pat = 0; pat < MIGSIM_GEN_COUNT_; pat++) {
        migsim_gen_config_t c;
        migsim_gen_config_default(&c);
        c.pattern = (migsim_gen_pattern_t)pat;
        c.count = 20000;
        c.range_bytes = 1u << 24;
        c.read_frac = 0.5;
        c.seed = 1234;
        migsim_gen_t a, b, d;
        assert_int_equal(migsim_gen_init(&a, &c), 0);
        assert_int_equal(migsim_gen_init(&b, &c), 0);
        c.seed = 1235;
        assert_int_equal(migsim_gen_init(&d, &c), 0);
        migsim_trace_rec_t ra, rb, rd;
        size_t diff = 0, n = 0;
        while (migsim_gen_next(&a, &ra) == 1) {
            assert_int_equal(migsim_gen_next(&b, &rb), 1);
            assert_int_equal(migsim_gen_next(&d, &rd), 1);
            assert_rec_eq(&ra, &rb);
            diff += ra.addr != rd.addr || ra.op != rd.op || ra.size != rd.size;
            n++;
        }
        assert_int_equal(n, 20000);
        assert_int_equal(migsim_gen_next(&b, &rb), 0);
        assert_true(diff > 5000); /* a different seed gives different records (nic_rx: sizes) */
    }
}

static void test_gen_statistics(void **st)
{
    (void)st;
    migsim_gen_config_t c;
    migsim_gen_config_default(&c);
    c.pattern = MIGSIM_GEN_RANDOM;
    c.count = 100000;
    c.base = 0x40000000;
    c.range_bytes = 16u << 20;
    c.size_bytes = 128;
    c.read_frac = 0.3;
    c.gap_ps = 250;
    c.seed = 99;
    c.src_kind = MIGSIM_SRC_DMA;
    c.src_idx = 3;
    migsim_gen_t g;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    migsim_trace_rec_t r;
    uint64_t reads = 0, i = 0, bucket[16] = {0};
    while (migsim_gen_next(&g, &r) == 1) {
        assert_true(r.addr >= c.base && r.addr + r.size <= c.base + c.range_bytes);
        assert_int_equal(r.addr % 128, 0);
        assert_int_equal(r.time, i * 250);
        assert_int_equal(r.size, 128);
        assert_int_equal(r.src_kind, MIGSIM_SRC_DMA);
        assert_int_equal(r.src_idx, 3);
        reads += r.op == MIGSIM_OP_READ;
        bucket[(r.addr - c.base) / (c.range_bytes / 16)]++;
        i++;
    }
    assert_int_equal(i, 100000);
    double rf = (double)reads / 100000.0; /* sd = 0.00145 */
    assert_true(rf > 0.29 && rf < 0.31);
    for (int k = 0; k < 16; k++) /* expected 6250 each, sd about 77 */
        assert_true(bucket[k] > 5850 && bucket[k] < 6650);

    /* read_frac 0 and 1 are exact. */
    c.count = 1000;
    c.read_frac = 0.0;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    while (migsim_gen_next(&g, &r) == 1)
        assert_int_equal(r.op, MIGSIM_OP_WRITE);
    c.read_frac = 1.0;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    while (migsim_gen_next(&g, &r) == 1)
        assert_int_equal(r.op, MIGSIM_OP_READ);

    /* Sequential wraps within the range. */
    migsim_gen_config_default(&c);
    c.pattern = MIGSIM_GEN_SEQUENTIAL;
    c.base = 0x1000;
    c.range_bytes = 10 * 64;
    c.count = 35;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    for (i = 0; migsim_gen_next(&g, &r) == 1; i++)
        assert_int_equal(r.addr, 0x1000 + (i % 10) * 64);
    assert_int_equal(i, 35);

    /* Strided: base + (i * stride mod range), stride larger than range too. */
    uint64_t strides[] = {3 * 64, 11 * 64, 8 * 64};
    for (int s = 0; s < 3; s++) {
        c.pattern = MIGSIM_GEN_STRIDED;
        c.range_bytes = 8 * 64;
        c.stride_bytes = strides[s];
        c.count = 50;
        assert_int_equal(migsim_gen_init(&g, &c), 0);
        for (i = 0; migsim_gen_next(&g, &r) == 1; i++)
            assert_int_equal(r.addr, 0x1000 + (i * strides[s]) % (8 * 64));
    }
    /* Strided near the top of the address space: no overflow. */
    c.base = 0;
    c.range_bytes = 1ull << 63;
    c.stride_bytes = (1ull << 63) - 64;
    c.count = 5;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    uint64_t off = 0;
    while (migsim_gen_next(&g, &r) == 1) {
        assert_int_equal(r.addr, off);
        off = (uint64_t)(((unsigned __int128)off + c.stride_bytes) % c.range_bytes);
    }
}

static void test_gen_config_errors(void **st)
{
    (void)st;
    struct { int field; const char *msg; } cases[] = {
        {0, "size_bytes 48"}, {1, "range_bytes 32"}, {2, "base 0x20"},
        {3, "read_frac 1.5"}, {4, "stride_bytes 0"}, {5, "overflows"},
        {6, "not a multiple"}, {7, "64-bit address space"}, {8, "size_bytes 0"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        migsim_gen_config_t c;
        migsim_gen_config_default(&c);
        switch (cases[k].field) {
        case 0: c.size_bytes = 48; break;
        case 1: c.range_bytes = 32; break;
        case 2: c.base = 0x20; break;
        case 3: c.read_frac = 1.5; break;
        case 4: c.pattern = MIGSIM_GEN_STRIDED; c.stride_bytes = 0; break;
        case 5: c.count = 1000000; c.gap_ps = UINT64_MAX / 100; break;
        case 6: c.range_bytes = 1000; break;
        case 7: c.base = UINT64_MAX - 63; c.range_bytes = 128; break;
        default: c.size_bytes = 0; break;
        }
        migsim_gen_t g;
        assert_int_equal(migsim_gen_init(&g, &c), MIGSIM_EINVAL);
        assert_msg_has(cases[k].msg);
        migsim_recsrc_t *s = (migsim_recsrc_t *)1;
        assert_int_equal(migsim_recsrc_open_gen(&s, &c), MIGSIM_EINVAL);
        assert_null(s);
    }
    migsim_gen_pattern_t pt;
    assert_int_equal(migsim_gen_pattern_parse("strided", &pt), 0);
    assert_int_equal(pt, MIGSIM_GEN_STRIDED);
    assert_int_equal(migsim_gen_pattern_parse("zigzag", &pt), MIGSIM_EINVAL);
}

/* ---- record source -------------------------------------------------------- */

static void test_recsrc(void **st)
{
    (void)st;
    migsim_gen_config_t c;
    migsim_gen_config_default(&c);
    c.pattern = MIGSIM_GEN_RANDOM;
    c.count = 9000;
    c.seed = 5;
    /* gen -> file; then the file source, the gen source and the generator
     * must all agree record by record. */
    const char *p = tpath("src.mtr");
    migsim_trace_writer_t *w;
    assert_int_equal(migsim_trace_writer_open(&w, p, NULL), 0);
    assert_int_equal(migsim_gen_write(&c, w), 0);
    assert_int_equal(migsim_trace_writer_close(w), 0);

    migsim_recsrc_t *fs, *gs;
    assert_int_equal(migsim_recsrc_open_file(&fs, p), 0);
    assert_int_equal(migsim_recsrc_open_gen(&gs, &c), 0);
    assert_int_equal(migsim_recsrc_count(fs), 9000);
    assert_int_equal(migsim_recsrc_count(gs), 9000);
    assert_int_equal(migsim_recsrc_time_mode(fs), MIGSIM_TIME_ABS_PS);
    assert_int_equal(migsim_recsrc_time_mode(gs), MIGSIM_TIME_ABS_PS);
    assert_non_null(strstr(migsim_recsrc_name(fs), "src.mtr"));
    assert_string_equal(migsim_recsrc_name(gs), "gen:random");
    migsim_gen_t g;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    migsim_trace_rec_t a, b, e;
    size_t n = 0;
    while (migsim_gen_next(&g, &e) == 1) {
        assert_int_equal(migsim_recsrc_next(fs, &a), 1);
        assert_int_equal(migsim_recsrc_next(gs, &b), 1);
        assert_rec_eq(&a, &e);
        assert_rec_eq(&b, &e);
        n++;
    }
    assert_int_equal(n, 9000);
    assert_int_equal(migsim_recsrc_next(fs, &a), 0);
    assert_int_equal(migsim_recsrc_next(gs, &b), 0);
    migsim_recsrc_close(fs);
    migsim_recsrc_close(gs);
    migsim_recsrc_close(NULL);

    migsim_recsrc_t *bad = (migsim_recsrc_t *)1;
    assert_int_equal(migsim_recsrc_open_file(&bad, tpath("missing.mtr")), MIGSIM_EIO);
    assert_null(bad);
    assert_msg_has("missing.mtr");

    /* The generator refuses a writer in another time mode. */
    migsim_trace_wopts_t o;
    migsim_trace_wopts_default(&o);
    o.time_mode = MIGSIM_TIME_NONE;
    assert_int_equal(migsim_trace_writer_open(&w, tpath("x.mtr"), &o), 0);
    assert_int_equal(migsim_gen_write(&c, w), MIGSIM_EINVAL);
    assert_int_equal(migsim_trace_writer_close(w), MIGSIM_EINVAL);
    assert_false(exists(tpath("x.mtr")));
    assert_no_temp();
}

/* ---- importers ------------------------------------------------------------ */

/* Independent reader of the DRAMSim3 text: fgets + strstr + strtoull. */
typedef struct d3ref_s {
    uint64_t addr;
    int write;
    uint64_t cycle;
} d3ref_t;

static size_t d3_reference(const char *path, d3ref_t *out, size_t cap, size_t *reads,
                           size_t *writes)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    size_t n = 0;
    *reads = *writes = 0;
    while (fgets(line, sizeof line, f)) {
        int w = strstr(line, "WRITE") != NULL;
        int r = strstr(line, "READ") != NULL;
        if (!w && !r)
            continue;
        *writes += w;
        *reads += r;
        if (n < cap) {
            char *e;
            out[n].addr = strtoull(line, &e, 16);
            out[n].write = w;
            while (*e == ' ' || *e == '\t')
                e++;
            while (*e && *e != ' ' && *e != '\t')
                e++;
            out[n].cycle = strtoull(e, NULL, 10);
        }
        n++;
    }
    fclose(f);
    return n;
}

static void test_import_dramsim3_peer(void **st)
{
    (void)st;
    if (!exists(DRAMSIM3_PEER))
        skip();
    const char *out = tpath("d3.mtr");
    migsim_import_report_t rep;
    assert_int_equal(import_file(DRAMSIM3_PEER, MIGSIM_IMPORT_DRAMSIM3, out, NULL, &rep), 0);
    assert_int_equal(rep.records, 38374);
    assert_int_equal(rep.lines, 38374);
    assert_int_equal(rep.skipped, 0);

    d3ref_t *ref = malloc(40000 * sizeof *ref);
    size_t reads, writes;
    size_t nref = d3_reference(DRAMSIM3_PEER, ref, 40000, &reads, &writes);
    assert_int_equal(nref, 38374);
    assert_int_equal(rep.reads, reads);
    assert_int_equal(rep.writes, writes);
    assert_int_equal(reads + writes, 38374);

    migsim_trace_reader_t *r;
    assert_int_equal(migsim_trace_open(&r, out), 0);
    assert_int_equal(migsim_trace_info(r)->records, 38374);
    assert_int_equal(migsim_trace_info(r)->time_mode, MIGSIM_TIME_ABS_PS);
    assert_int_equal(migsim_trace_info(r)->first_time, 30ull * 833);
    assert_int_equal(migsim_trace_info(r)->last_time, 14712444ull * 833);
    const migsim_trace_rec_t *q;
    size_t i = 0, rd = 0;
    while (migsim_trace_next(r, &q) == 1) {
        assert_int_equal(q->addr, ref[i].addr);
        assert_int_equal(q->op, ref[i].write ? MIGSIM_OP_WRITE : MIGSIM_OP_READ);
        assert_int_equal(q->time, ref[i].cycle * 833);
        assert_int_equal(q->size, 64);
        assert_int_equal(q->src_kind, MIGSIM_SRC_CPU);
        assert_int_equal(q->src_idx, 0);
        rd += q->op == MIGSIM_OP_READ;
        i++;
    }
    assert_int_equal(i, 38374);
    assert_int_equal(rd, reads);
    /* First and last records, by value. */
    assert_int_equal(migsim_trace_seek(r, 0), 0);
    assert_int_equal(migsim_trace_next(r, &q), 1);
    assert_int_equal(q->addr, 0x2000D5C0);
    assert_int_equal(q->op, MIGSIM_OP_READ);
    assert_int_equal(q->time, 30ull * 833);
    assert_int_equal(migsim_trace_seek(r, 38373), 0);
    assert_int_equal(migsim_trace_next(r, &q), 1);
    assert_int_equal(q->addr, 0x2000F700);
    assert_int_equal(q->op, MIGSIM_OP_READ);
    assert_int_equal(q->time, 14712444ull * 833);
    migsim_trace_close(r);

    /* Options: clock, size, source. */
    migsim_import_opts_t o;
    migsim_import_opts_default(&o);
    o.clock_ps = 625;
    o.size_bytes = 32;
    o.src_kind = MIGSIM_SRC_DMA;
    o.src_idx = 7;
    assert_int_equal(import_file(DRAMSIM3_PEER, MIGSIM_IMPORT_DRAMSIM3, out, &o, &rep), 0);
    assert_int_equal(migsim_trace_open(&r, out), 0);
    assert_int_equal(migsim_trace_next(r, &q), 1);
    assert_int_equal(q->time, 30ull * 625);
    assert_int_equal(q->size, 32);
    assert_int_equal(q->src_kind, MIGSIM_SRC_DMA);
    assert_int_equal(q->src_idx, 7);
    migsim_trace_close(r);

    /* The same text through gzip gives the same records. */
    size_t tn;
    unsigned char *txt = read_bytes(DRAMSIM3_PEER, &tn);
    const char *gzp = tpath("d3.trace.gz");
    gzFile gz = gzopen(gzp, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, txt, (unsigned)tn), (int)tn);
    assert_int_equal(gzclose(gz), Z_OK);
    assert_int_equal(import_file(gzp, MIGSIM_IMPORT_DRAMSIM3, tpath("d3gz.mtr"), NULL, &rep), 0);
    assert_int_equal(rep.records, 38374);
    assert_int_equal(rep.writes, writes);
    migsim_trace_rec_t *back = malloc(38374 * sizeof *back);
    assert_int_equal(read_all(tpath("d3gz.mtr"), back, 38374), 38374);
    for (i = 0; i < 38374; i++)
        assert_int_equal(back[i].addr, ref[i].addr);
    free(back);

    /* Truncated gzip: an error, not a short read. Cut in the middle, near
     * the end of the deflate data, and inside the 8-byte trailer. */
    size_t gn;
    unsigned char *gzb = read_bytes(gzp, &gn);
    size_t gcuts[] = {gn / 2, gn - 12, gn - 4, gn - 1};
    for (size_t k = 0; k < 4; k++) {
        const char *cut = tpath("cut.trace.gz");
        write_bytes(cut, gzb, gcuts[k]);
        const char *o2 = tpath("cut_out.mtr");
        int rc = import_file(cut, MIGSIM_IMPORT_DRAMSIM3, o2, NULL, &rep);
        if (rc != MIGSIM_ETRUNC)
            fprintf(stderr, "gzip cut at %zu of %zu: rc %d %s\n", gcuts[k], gn, rc,
                    migsim_errmsg());
        assert_int_equal(rc, MIGSIM_ETRUNC);
        assert_msg_has("cut.trace.gz");
        assert_false(exists(o2));
        assert_no_temp();
    }
    /* Corrupt gzip data: an error too. */
    gzb[gn / 2] ^= 0xff;
    write_bytes(tpath("bad.trace.gz"), gzb, gn);
    int rc = import_file(tpath("bad.trace.gz"), MIGSIM_IMPORT_DRAMSIM3, tpath("bo.mtr"), NULL,
                         &rep);
    assert_true(rc < 0);
    assert_msg_has("bad.trace.gz");
    assert_false(exists(tpath("bo.mtr")));
    free(gzb);
    free(txt);
    free(ref);
}

static void test_import_ramulator(void **st)
{
    (void)st;
    migsim_import_report_t rep;
    const char *out = tpath("ram.mtr");
    migsim_trace_rec_t v[16];
    if (exists(RAMULATOR_PEER)) {
        assert_int_equal(import_file(RAMULATOR_PEER, MIGSIM_IMPORT_RAMULATOR, out, NULL, &rep),
                         0);
        assert_int_equal(rep.records, 5);
        assert_int_equal(rep.reads, 3);
        assert_int_equal(rep.writes, 2);
        assert_int_equal(read_all(out, v, 16), 5);
        static const uint64_t addr[5] = {0x12345680, 0x4cbd56c0, 0x35d46f00, 0x696fed40,
                                         0x7876af80};
        for (int i = 0; i < 5; i++) {
            assert_int_equal(v[i].addr, addr[i]);
            assert_int_equal(v[i].op, i % 2 ? MIGSIM_OP_WRITE : MIGSIM_OP_READ);
            assert_int_equal(v[i].time, 0);
        }
        migsim_trace_reader_t *r;
        assert_int_equal(migsim_trace_open(&r, out), 0);
        assert_int_equal(migsim_trace_info(r)->time_mode, MIGSIM_TIME_NONE);
        migsim_trace_close(r);
    }
    /* LD/ST variant, decimal addresses, comments, blank lines, CRLF, tabs,
     * no final newline. */
    const char *in = tpath("ldst.trace");
    write_text(in, "# load/store trace\n"
                   "LD 0x1000\n"
                   "\n"
                   "ST 4096\r\n"
                   "   # indented comment\n"
                   "\t0xABCdef0 W\n"
                   "   \t  \n"
                   "123 R");
    assert_int_equal(import_file(in, MIGSIM_IMPORT_RAMULATOR, out, NULL, &rep), 0);
    assert_int_equal(rep.lines, 8);
    assert_int_equal(rep.skipped, 4);
    assert_int_equal(rep.records, 4);
    assert_int_equal(read_all(out, v, 16), 4);
    assert_int_equal(v[0].addr, 0x1000);
    assert_int_equal(v[0].op, MIGSIM_OP_READ);
    assert_int_equal(v[1].addr, 4096);
    assert_int_equal(v[1].op, MIGSIM_OP_WRITE);
    assert_int_equal(v[2].addr, 0xABCdef0);
    assert_int_equal(v[2].op, MIGSIM_OP_WRITE);
    assert_int_equal(v[3].addr, 123);
    assert_int_equal(v[3].op, MIGSIM_OP_READ);

    /* A writer in the wrong time mode is refused. */
    migsim_trace_writer_t *w;
    assert_int_equal(migsim_trace_writer_open(&w, tpath("wm.mtr"), NULL), 0); /* ABS */
    assert_int_equal(migsim_trace_import(in, MIGSIM_IMPORT_RAMULATOR, NULL, w, &rep),
                     MIGSIM_EINVAL);
    assert_int_not_equal(migsim_trace_writer_close(w), 0);
    assert_false(exists(tpath("wm.mtr")));

    migsim_import_fmt_t f;
    assert_int_equal(migsim_import_fmt_parse("ramulator", &f), 0);
    assert_int_equal(f, MIGSIM_IMPORT_RAMULATOR);
    assert_int_equal(migsim_import_fmt_parse("no-such-format", &f), MIGSIM_EINVAL);
}

/* Bad text input: code, "file:line" in the message, no output left. */
static void expect_bad_import(migsim_import_fmt_t fmt, const char *text, int code,
                              const char *needle)
{
    const char *in = tpath("bad.trace");
    const char *out = tpath("bad_out.mtr");
    write_text(in, text);
    migsim_import_report_t rep;
    int rc = import_file(in, fmt, out, NULL, &rep);
    if (rc != code)
        fprintf(stderr, "input '%s': rc %d (%s), expected %d\n", text, rc, migsim_errmsg(),
                code);
    assert_int_equal(rc, code);
    assert_msg_has("bad.trace:");
    assert_msg_has(needle);
    assert_false(exists(out));
    assert_no_temp();
}

static void test_import_bad_input(void **st)
{
    (void)st;
    const migsim_import_fmt_t D = MIGSIM_IMPORT_DRAMSIM3, R = MIGSIM_IMPORT_RAMULATOR;
    expect_bad_import(D, "0x10 READ 1\n0x20 WRITE 2\ngarbage\n", MIGSIM_EFORMAT,
                      "bad.trace:3: expected 'ADDR READ|WRITE CYCLE'");
    expect_bad_import(D, "0x10 READ 1\n\nthis is garbage\n", MIGSIM_EFORMAT,
                      "bad.trace:3: bad hex address 'this'");
    expect_bad_import(D, "0x10 READ 1\n0xZZ12 READ 2\n", MIGSIM_EFORMAT,
                      "bad.trace:2: bad hex address '0xZZ12'");
    expect_bad_import(D, "0x\tREAD 2\n", MIGSIM_EFORMAT, "bad.trace:1: bad hex address");
    expect_bad_import(D, "# c\n0x1234567890ABCDEF0 READ 2\n", MIGSIM_ERANGE,
                      "bad.trace:2: hex address '0x1234567890ABCDEF0' does not fit");
    expect_bad_import(D, "0xFFFFFFFFFFFFFFFF READ 2\n0x10 FETCH 3\n", MIGSIM_EFORMAT,
                      "bad.trace:2: unknown op 'FETCH'");
    expect_bad_import(D, "0x10 read 3\n", MIGSIM_EFORMAT, "bad.trace:1: unknown op 'read'");
    expect_bad_import(D, "0x10 READ 30\n0x20 READ 29\n", MIGSIM_EFORMAT,
                      "bad.trace:2: cycle 29 goes backwards (line 1 had cycle 30)");
    expect_bad_import(D, "0x10 READ 3x\n", MIGSIM_EFORMAT, "bad.trace:1: bad cycle '3x'");
    expect_bad_import(D, "0x10 READ 99999999999999999999\n", MIGSIM_ERANGE,
                      "bad.trace:1: cycle");
    expect_bad_import(D, "0x10 READ 30000000000000000\n", MIGSIM_ERANGE,
                      "bad.trace:1: cycle 30000000000000000 * clock 833");
    expect_bad_import(D, "0x10 READ 3 extra\n", MIGSIM_EFORMAT, "bad.trace:1: expected");
    expect_bad_import(R, "0x10 R\n0x20 X\n", MIGSIM_EFORMAT, "bad.trace:2: unknown op 'X'");
    expect_bad_import(R, "0x10 R\n\n0x20\n", MIGSIM_EFORMAT, "bad.trace:3: expected");
    expect_bad_import(R, "LD 0xfoo\n", MIGSIM_EFORMAT, "bad.trace:1: bad address '0xfoo'");
    expect_bad_import(R, "ST 18446744073709551616\n", MIGSIM_ERANGE,
                      "bad.trace:1: address '18446744073709551616' does not fit");
    expect_bad_import(R, "0x10 R\n0x10 W\n0x10 READ\n", MIGSIM_EFORMAT,
                      "bad.trace:3: unknown op 'READ'");
    /* The largest values that do fit are accepted. */
    const char *in = tpath("edge.trace");
    write_text(in, "0xFFFFFFFFFFFFFFFF WRITE 0\n0x0000000000000000001 READ 0\n");
    migsim_import_report_t rep;
    assert_int_equal(import_file(in, D, tpath("edge.mtr"), NULL, &rep), 0);
    migsim_trace_rec_t v[2];
    assert_int_equal(read_all(tpath("edge.mtr"), v, 2), 2);
    assert_int_equal(v[0].addr, UINT64_MAX);
    assert_int_equal(v[1].addr, 1);
    write_text(in, "ST 18446744073709551615\n");
    assert_int_equal(import_file(in, R, tpath("edge.mtr"), NULL, &rep), 0);
    assert_int_equal(read_all(tpath("edge.mtr"), v, 2), 1);
    assert_int_equal(v[0].addr, UINT64_MAX);
    /* Missing input file. */
    assert_int_equal(import_file(tpath("nope.trace"), D, tpath("n.mtr"), NULL, &rep),
                     MIGSIM_EIO);
    assert_msg_has("nope.trace");
    assert_false(exists(tpath("n.mtr")));
}

/* Lines spanning the importer's 1 MiB read chunks. */
static void test_import_large(void **st)
{
    (void)st;
    const char *in = tpath("large.trace");
    FILE *f = fopen(in, "w");
    assert_non_null(f);
    const int n = 150000; /* about 4 MiB of text */
    for (int i = 0; i < n; i++)
        fprintf(f, "0x%08X %s %d\n", (unsigned)i * 64u, i % 3 ? "READ" : "WRITE", i * 2);
    fclose(f);
    migsim_import_report_t rep;
    assert_int_equal(import_file(in, MIGSIM_IMPORT_DRAMSIM3, tpath("large.mtr"), NULL, &rep), 0);
    assert_int_equal(rep.records, (uint64_t)n);
    assert_int_equal(rep.writes, (uint64_t)(n + 2) / 3);
    migsim_trace_reader_t *r;
    assert_int_equal(migsim_trace_open(&r, tpath("large.mtr")), 0);
    const migsim_trace_rec_t *q;
    for (int i = 0; i < n; i++) {
        assert_int_equal(migsim_trace_next(r, &q), 1);
        assert_int_equal(q->addr, (uint64_t)i * 64);
        assert_int_equal(q->time, (uint64_t)i * 2 * 833);
        assert_int_equal(q->op, i % 3 ? MIGSIM_OP_READ : MIGSIM_OP_WRITE);
    }
    migsim_trace_close(r);
}

/* ---- CLI ------------------------------------------------------------------ */

static int run_cli(const char *args, char *out, size_t cap)
{
    char cmd[4096];
    int len = snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", MIGSIM_CLI, args);
    assert_true(len > 0 && (size_t)len < sizeof cmd);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The names of the source kinds, as `trace info` and error messages print them. */
static void test_src_kind_names(void **st)
{
    (void)st;
    static const char *const want[MIGSIM_SRC_COUNT_] = { "cpu", "dma", "copy", "walk", "other" };
    for (int k = 0; k < MIGSIM_SRC_COUNT_; k++)
        assert_string_equal(migsim_src_kind_name((migsim_src_kind_t)k), want[k]);
    assert_string_equal(migsim_src_kind_name(MIGSIM_SRC_COUNT_), "?");
}

static void test_cli(void **st)
{
    (void)st;
    if (access(MIGSIM_CLI, X_OK) != 0)
        skip();
    char out[8192], args[1024];
    const char *g = tpath("cli_gen.mtr");
    snprintf(args, sizeof args,
             "trace gen --pattern strided --count 10K --base 0x100000 --range 1MiB "
             "--stride 4K --size 64 --read-frac 0.25 --seed 3 --gap-ps 500 --src dma "
             "--src-idx 2 -o %s", g);
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "10240 records"));
    snprintf(args, sizeof args, "trace info %s", g);
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "records:       10240"));
    assert_non_null(strstr(out, "format:        version 2, compression 2 (zlib-shuffle)"));
    assert_non_null(strstr(out, "time mode:     abs-ps"));
    assert_non_null(strstr(out, "source dma    10240"));
    assert_non_null(strstr(out, "footprint:     256 pages"));
    assert_non_null(strstr(out, "0x100000 .. 0x1ff03f"));
    assert_non_null(strstr(out, "time span:     5119500 ps"));

    if (exists(DRAMSIM3_PEER)) {
        snprintf(args, sizeof args, "trace convert --from dramsim3 --clock-ps 833 -o %s %s",
                 tpath("cli_d3.mtr"), DRAMSIM3_PEER);
        assert_int_equal(run_cli(args, out, sizeof out), 0);
        assert_non_null(strstr(out, "38374 records written"));
        assert_non_null(strstr(out, "0 of 38374 lines skipped"));
        /* info on a foreign format imports it on the fly */
        snprintf(args, sizeof args, "trace info --from dramsim3 %s", DRAMSIM3_PEER);
        assert_int_equal(run_cli(args, out, sizeof out), 0);
        assert_non_null(strstr(out, "records:       38374"));
    }
    /* a version 1 file says so */
    migsim_trace_rec_t *v = make_recs(100, 4);
    build_native_fmt(tpath("cli_v1.mtr"), v, 100, 32, MIGSIM_TIME_ABS_PS, FMT_V1);
    free(v);
    snprintf(args, sizeof args, "trace info %s", tpath("cli_v1.mtr"));
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "format:        version 1, compression 1 (zlib)"));
    assert_non_null(strstr(out, "records:       100 in 4 blocks"));

    write_text(tpath("cli_bad.trace"), "0x10 READ 1\n0x20 WRITE 2\n0x30 WRIT 3\n");
    snprintf(args, sizeof args, "trace info --from dramsim3 %s", tpath("cli_bad.trace"));
    assert_int_equal(run_cli(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "cli_bad.trace:3: unknown op 'WRIT'"));
    snprintf(args, sizeof args, "trace convert --from dramsim3 -o %s %s", tpath("cli_bad.mtr"),
             tpath("cli_bad.trace"));
    assert_int_equal(run_cli(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "cli_bad.trace:3: unknown op 'WRIT'"));
    assert_false(exists(tpath("cli_bad.mtr")));
    assert_no_temp();

    const char *bad_usage[] = {
        "trace", "trace frob", "trace info", "trace gen --count 5 -o x.mtr",
        "trace gen --pattern random --count 12Q -o x.mtr",
        "trace gen --pattern random --count 5 --read-frac 2 -o x.mtr",
        "trace convert --from champsim -o x.mtr in", "trace convert -o x.mtr",
        "trace gen --pattern random --count 5 --size 48 -o x.mtr",
        "trace gen --pattern random --count", "trace convert --from dramsim3 --src gpu -o x in",
    };
    for (size_t k = 0; k < sizeof bad_usage / sizeof bad_usage[0]; k++) {
        int rc = run_cli(bad_usage[k], out, sizeof out);
        if (rc != 2)
            fprintf(stderr, "'%s' exited %d\n", bad_usage[k], rc);
        assert_int_equal(rc, 2);
    }
    assert_false(exists("x.mtr"));
    snprintf(args, sizeof args, "trace info %s", tpath("cli_bad.trace"));
    assert_int_equal(run_cli(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "bad magic"));
}

/* ---- main ----------------------------------------------------------------- */

static int group_setup(void **st)
{
    (void)st;
    return tracetest_setup("migsim_trace");
}

static int group_teardown(void **st)
{
    (void)st;
    return tracetest_teardown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_blocks),
        cmocka_unit_test(test_roundtrip_formats),
        cmocka_unit_test(test_shuffle_simd),
        cmocka_unit_test(test_bad_version_compression),
        cmocka_unit_test(test_roundtrip_gap_and_none),
        cmocka_unit_test(test_seek),
        cmocka_unit_test(test_writer_atomic),
        cmocka_unit_test(test_truncated_native),
        cmocka_unit_test(test_bad_header),
        cmocka_unit_test(test_corrupt_block),
        cmocka_unit_test(test_invalid_records_in_file),
        cmocka_unit_test(test_gen_determinism),
        cmocka_unit_test(test_gen_statistics),
        cmocka_unit_test(test_gen_config_errors),
        cmocka_unit_test(test_recsrc),
        cmocka_unit_test(test_import_dramsim3_peer),
        cmocka_unit_test(test_import_ramulator),
        cmocka_unit_test(test_import_bad_input),
        cmocka_unit_test(test_import_large),
        cmocka_unit_test(test_src_kind_names),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
