/*
 * test_import_text.c - tests of the text importers added for real traces
 * (migsim_trace_import() with LACKEY, RAMULATOR_CPU, FTRACE, QEMU) and of
 * address placement (keep, fold, scale) on every importer: fixtures written
 * by the tests themselves, the Ramulator peer files checked against an
 * independent fgets/strtoull reader, a lackey trace recorded with valgrind
 * at test time and replayed by `migsim run`, absolute times rebased to a
 * start time (library and `trace convert --start`), and bad input (garbage
 * lines, bad numbers, sizes out of range, truncated gzip and xz).
 *
 * Every failure test asserts the error code, that the message names the
 * file and line, and that nothing is left under the output name or as a
 * temporary file.
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
#include "migsim/trace.h"
#include "tracetest.h"
#include "testutil/cli.h"

#define PEER MIGSIM_SHARED_DIR "/peer-traces/"

/* ---- helpers -------------------------------------------------------------- */

/* Import `text` (written to bad.trace) expecting error `code` and a message
 * containing `where`; nothing may be left under the output name. */
static void expect_bad(migsim_import_fmt_t fmt, const migsim_import_opts_t *opts,
                       const char *text, int code, const char *where)
{
    const char *in = tpath("bad.trace"), *out = tpath("bad.mtr");
    write_text(in, text);
    migsim_import_report_t rep;
    int rc = import_file(in, fmt, out, opts, &rep);
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
    return tracetest_setup("migsim_imptxt");
}

static int teardown(void **st)
{
    (void)st;
    return tracetest_teardown();
}

/* ---- lackey ----------------------------------------------------------------- */

static const char LACKEY_FIX[] =
    "==123== Lackey, an example Valgrind tool\n"
    "I  04011b0,3\n"
    "I  04011b3,5\n"
    " L 1ffefffd80,8\n"
    " S 1ffefffd88,4\n"
    "I  04011b8,2\n"
    " M 0601040,8\n"
    "\n"
    "I  04011ba,4\r\n"
    "I  04011be,4\n"
    "==123== \n";

static void test_lackey_fixture(void **st)
{
    (void)st;
    const char *in = tpath("fix.lackey"), *out = tpath("fix.mtr");
    write_text(in, LACKEY_FIX);
    migsim_import_report_t rep;
    assert_int_equal(import_file(in, MIGSIM_IMPORT_LACKEY, out, NULL, &rep), 0);
    assert_int_equal(rep.lines, 11);
    assert_int_equal(rep.records, 4);
    assert_int_equal(rep.reads, 2);
    assert_int_equal(rep.writes, 2);
    assert_int_equal(rep.insns, 5);
    assert_int_equal(rep.insns_tail, 2);
    assert_int_equal(rep.skip[MIGSIM_SKIP_TOOL], 2);
    assert_int_equal(rep.skip[MIGSIM_SKIP_INSN], 5);
    assert_int_equal(rep.skip[MIGSIM_SKIP_BLANK], 1);
    assert_int_equal(rep.skipped, 8);
    migsim_trace_rec_t r[8];
    assert_int_equal(read_records(out, r, 8), 4);
    const struct { uint64_t t, a; uint32_t s; int op; } want[4] = {
        {2, 0x1ffefffd80, 8, MIGSIM_OP_READ}, {0, 0x1ffefffd88, 4, MIGSIM_OP_WRITE},
        {1, 0x601040, 8, MIGSIM_OP_READ}, {0, 0x601040, 8, MIGSIM_OP_WRITE}};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(r[i].time, want[i].t);
        assert_int_equal(r[i].addr, want[i].a);
        assert_int_equal(r[i].size, want[i].s);
        assert_int_equal(r[i].op, want[i].op);
        assert_int_equal(r[i].src_kind, MIGSIM_SRC_CPU);
    }
    migsim_trace_reader_t *rd;
    assert_int_equal(migsim_trace_open(&rd, out), 0);
    assert_int_equal(migsim_trace_info(rd)->time_mode, MIGSIM_TIME_GAP_INSNS);
    migsim_trace_close(rd);

    /* keep_insns: fetches are reads with gap 1; data accesses gap 0 */
    migsim_import_opts_t o;
    migsim_import_opts_default(&o);
    o.keep_insns = 1;
    o.src_idx = 3;
    assert_int_equal(import_file(in, MIGSIM_IMPORT_LACKEY, out, &o, &rep), 0);
    assert_int_equal(rep.records, 9);
    assert_int_equal(rep.skip[MIGSIM_SKIP_INSN], 0);
    assert_int_equal(rep.insns_tail, 0);
    migsim_trace_rec_t k[12];
    assert_int_equal(read_records(out, k, 12), 9);
    uint64_t gaps = 0;
    for (int i = 0; i < 9; i++) {
        gaps += k[i].time;
        assert_int_equal(k[i].src_idx, 3);
    }
    assert_int_equal(gaps, 5);
    assert_int_equal(k[0].addr, 0x4011b0);
    assert_int_equal(k[0].size, 3);
    assert_int_equal(k[0].op, MIGSIM_OP_READ);
    assert_int_equal(k[0].time, 1);
    assert_int_equal(k[2].time, 0);
    assert_int_equal(k[8].addr, 0x4011be);

    /* the same through gzip, and a truncated gzip is an error */
    const char *gz = tpath("fix.lackey.gz");
    write_gz(gz, LACKEY_FIX, sizeof LACKEY_FIX - 1);
    assert_int_equal(import_file(gz, MIGSIM_IMPORT_LACKEY, out, NULL, &rep), 0);
    assert_int_equal(rep.records, 4);
    size_t gn;
    unsigned char *gzb = read_bytes(gz, &gn);
    write_bytes(tpath("cut.lackey.gz"), gzb, gn - 5);
    free(gzb);
    assert_int_equal(import_file(tpath("cut.lackey.gz"), MIGSIM_IMPORT_LACKEY,
                                 tpath("cut.mtr"), NULL, &rep), MIGSIM_ETRUNC);
    assert_non_null(strstr(migsim_errmsg(), "cut.lackey.gz"));
    assert_false(exists(tpath("cut.mtr")));
    assert_no_temp();
}

/* xz input, compressed by the xz program when it is installed. */
static void test_lackey_xz(void **st)
{
    (void)st;
    if (system("command -v xz >/dev/null 2>&1") != 0)
        skip();
    const char *in = tpath("x.lackey");
    write_text(in, LACKEY_FIX);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "xz -kf %s", in);
    assert_int_equal(system(cmd), 0);
    migsim_import_report_t rep;
    char xzp[300];
    snprintf(xzp, sizeof xzp, "%s.xz", in);
    assert_int_equal(import_file(xzp, MIGSIM_IMPORT_LACKEY, tpath("x.mtr"), NULL, &rep), 0);
    assert_int_equal(rep.records, 4);
    assert_int_equal(rep.insns, 5);
    size_t n;
    unsigned char *b = read_bytes(xzp, &n);
    write_bytes(tpath("cut.xz"), b, n - 10);
    b[n / 2] ^= 0x55;
    write_bytes(tpath("bad.xz"), b, n);
    free(b);
    assert_int_equal(import_file(tpath("cut.xz"), MIGSIM_IMPORT_LACKEY, tpath("c.mtr"), NULL,
                                 &rep), MIGSIM_ETRUNC);
    assert_non_null(strstr(migsim_errmsg(), "cut.xz: xz stream ends early"));
    int rc = import_file(tpath("bad.xz"), MIGSIM_IMPORT_LACKEY, tpath("c.mtr"), NULL, &rep);
    assert_true(rc == MIGSIM_EFORMAT || rc == MIGSIM_ETRUNC);
    assert_non_null(strstr(migsim_errmsg(), "bad.xz"));
    assert_false(exists(tpath("c.mtr")));
    assert_no_temp();
}

static void test_lackey_bad(void **st)
{
    (void)st;
    const migsim_import_fmt_t L = MIGSIM_IMPORT_LACKEY;
    expect_bad(L, NULL, "I  0400,3\nhello world\n", MIGSIM_EFORMAT,
               "bad.trace:2: unknown lackey record");
    expect_bad(L, NULL, "I  0400,3\n L 12g4,8\n", MIGSIM_EFORMAT, "bad.trace:2: bad address");
    expect_bad(L, NULL, " L 1234\n", MIGSIM_EFORMAT, "bad.trace:1: bad address");
    expect_bad(L, NULL, " S 1234,\n", MIGSIM_EFORMAT, "bad.trace:1: bad size");
    expect_bad(L, NULL, "==1== x\n S 1234,0\n", MIGSIM_ERANGE,
               "bad.trace:2: access size '0' out of range");
    expect_bad(L, NULL, " S 1234,1048577\n", MIGSIM_ERANGE, "bad.trace:1: access size");
    expect_bad(L, NULL, " S 1234,99999999999999999999999\n", MIGSIM_ERANGE,
               "bad.trace:1: access size");
    expect_bad(L, NULL, " M 11112222333344445,8\n", MIGSIM_ERANGE,
               "bad.trace:1: address '11112222333344445,8' does not fit");
    expect_bad(L, NULL, " L 1234,8 x\n", MIGSIM_EFORMAT, "bad.trace:1: unexpected text");
    expect_bad(L, NULL, " X 1234,8\n", MIGSIM_EFORMAT, "bad.trace:1: unknown lackey record");
    expect_bad(L, NULL, " L\n", MIGSIM_EFORMAT, "bad.trace:1: expected a blank");
    /* the last line without a newline is still read */
    const char *in = tpath("nonl.lackey");
    write_text(in, "I  10,1\n L 20,4");
    migsim_import_report_t rep;
    assert_int_equal(import_file(in, L, tpath("nonl.mtr"), NULL, &rep), 0);
    assert_int_equal(rep.records, 1);
}

/* A real trace: valgrind lackey on a tiny program built with the suite. */
static void test_lackey_valgrind(void **st)
{
    (void)st;
    if (system("valgrind --version >/dev/null 2>&1") != 0) {
        fprintf(stderr, "valgrind not installed: skipping the recorded lackey trace\n");
        skip();
    }
    const char *log = tpath("sum.lackey"), *out = tpath("sum.mtr");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "valgrind --tool=lackey --trace-mem=yes --log-file=%s %s >/dev/null 2>&1", log,
             MIGSIM_LACKEY_PROG);
    assert_int_equal(system(cmd), 0);
    migsim_import_report_t rep;
    assert_int_equal(import_file(log, MIGSIM_IMPORT_LACKEY, out, NULL, &rep), 0);

    /* independent count of the log */
    FILE *f = fopen(log, "r");
    assert_non_null(f);
    char line[512];
    uint64_t ni = 0, nl = 0, ns = 0, nm = 0, ntool = 0, nlines = 0;
    while (fgets(line, sizeof line, f)) {
        nlines++;
        if (line[0] == 'I')
            ni++;
        else if (strncmp(line, " L", 2) == 0)
            nl++;
        else if (strncmp(line, " S", 2) == 0)
            ns++;
        else if (strncmp(line, " M", 2) == 0)
            nm++;
        else if (strncmp(line, "==", 2) == 0)
            ntool++;
    }
    fclose(f);
    assert_int_equal(rep.lines, nlines);
    assert_int_equal(rep.insns, ni);
    assert_int_equal(rep.reads, nl + nm);
    assert_int_equal(rep.writes, ns + nm);
    assert_int_equal(rep.skip[MIGSIM_SKIP_TOOL], ntool);
    assert_true(rep.reads >= 4096 && rep.writes >= 4096); /* the two loops */
    assert_true(ni > 20000 && ni < 50000000);             /* plausible for a tiny program */

    migsim_trace_rec_t *r = malloc(rep.records * sizeof *r);
    assert_non_null(r);
    assert_int_equal(read_records(out, r, rep.records), rep.records);
    uint64_t gaps = 0;
    for (uint64_t i = 0; i < rep.records; i++)
        gaps += r[i].time;
    free(r);
    assert_int_equal(gaps + rep.insns_tail, ni);

    /* replay on the default platform's cpu0 */
    snprintf(cmd, sizeof cmd, "%s run --platform dram --trace %s --out %s --quiet >%s 2>&1", MIGSIM_CLI, out,
             tpath("sum.json"), tpath("run.log"));
    int st2 = system(cmd);
    assert_true(WIFEXITED(st2));
    if (WEXITSTATUS(st2) != 0) {
        snprintf(cmd, sizeof cmd, "cat %s >&2", tpath("run.log"));
        (void)system(cmd);
        fail();
    }
    assert_true(exists(tpath("sum.json")));
}

/* ---- Ramulator CPU mode ------------------------------------------------------- */

/* Independent reader: gzopen/gzgets + strtoull. */
static void ramcpu_check(const char *path)
{
    if (!exists(path)) {
        fprintf(stderr, "%s missing\n", path);
        return;
    }
    gzFile gz = gzopen(path, "rb");
    assert_non_null(gz);
    char line[256];
    size_t cap = 1 << 17, n = 0;
    uint64_t *bub = malloc(cap * sizeof *bub), *rd = malloc(cap * sizeof *rd),
             *wb = malloc(cap * sizeof *wb);
    int *has = malloc(cap * sizeof *has);
    uint64_t lines = 0, sum_b = 0, nwb = 0;
    while (gzgets(gz, line, sizeof line)) {
        lines++;
        char *e, *e2;
        assert_true(n < cap);
        bub[n] = strtoull(line, &e, 10);
        rd[n] = strtoull(e, &e2, 10);
        assert_true(e2 != e);
        wb[n] = strtoull(e2, &e, 10);
        has[n] = e != e2;
        sum_b += bub[n];
        nwb += (uint64_t)has[n];
        n++;
    }
    gzclose(gz);

    migsim_import_report_t rep;
    const char *out = tpath("rc.mtr");
    assert_int_equal(import_file(path, MIGSIM_IMPORT_RAMULATOR_CPU, out, NULL, &rep), 0);
    assert_int_equal(rep.lines, lines);
    assert_int_equal(rep.records, n + nwb);
    assert_int_equal(rep.reads, n);
    assert_int_equal(rep.writes, nwb);
    assert_int_equal(rep.insns, sum_b + n);
    migsim_trace_rec_t *r = malloc((n + nwb) * sizeof *r);
    assert_int_equal(read_records(out, r, n + nwb), n + nwb);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(r[j].time, bub[i]);
        assert_int_equal(r[j].addr, rd[i]);
        assert_int_equal(r[j].op, MIGSIM_OP_READ);
        assert_int_equal(r[j].size, 64);
        j++;
        if (has[i]) {
            assert_int_equal(r[j].time, 0);
            assert_int_equal(r[j].addr, wb[i]);
            assert_int_equal(r[j].op, MIGSIM_OP_WRITE);
            j++;
        }
    }
    free(r);
    free(bub);
    free(rd);
    free(wb);
    free(has);
}

static void test_ramulator_cpu_peer(void **st)
{
    (void)st;
    if (!exists(PEER "ramulator/cpu.trace"))
        skip();
    ramcpu_check(PEER "ramulator/cpu.trace");
    ramcpu_check(PEER "ramulator2/example_inst.trace");
    ramcpu_check(PEER "ramulator/403.gcc.gz");
    ramcpu_check(PEER "ramulator/444.namd.gz");
    ramcpu_check(PEER "ramulator/447.dealII.gz");
    ramcpu_check(PEER "ramulator/481.wrf.gz");
    /* known values of the small file */
    migsim_import_report_t rep;
    assert_int_equal(import_file(PEER "ramulator/cpu.trace", MIGSIM_IMPORT_RAMULATOR_CPU,
                                 tpath("c.mtr"), NULL, &rep), 0);
    assert_int_equal(rep.records, 8);
    assert_int_equal(rep.writes, 2);
}

static void test_ramulator_cpu_bad(void **st)
{
    (void)st;
    const migsim_import_fmt_t R = MIGSIM_IMPORT_RAMULATOR_CPU;
    expect_bad(R, NULL, "3 100\n4\n", MIGSIM_EFORMAT, "bad.trace:2: expected 'BUBBLES");
    expect_bad(R, NULL, "3 100 200 300\n", MIGSIM_EFORMAT, "bad.trace:1: expected");
    expect_bad(R, NULL, "x 100\n", MIGSIM_EFORMAT, "bad.trace:1: bad bubble count 'x'");
    expect_bad(R, NULL, "1 100\n2 1z0\n", MIGSIM_EFORMAT, "bad.trace:2: bad read address");
    expect_bad(R, NULL, "1 100 0xq\n", MIGSIM_EFORMAT, "bad.trace:1: bad writeback address");
    expect_bad(R, NULL, "1 184467440737095516160\n", MIGSIM_ERANGE, "bad.trace:1: read address");
}

/* ---- placement ------------------------------------------------------------------- */

static void test_place_fold(void **st)
{
    (void)st;
    /* pages 0x5000, 0x1000, 0x5000 again, 0x9000; one access crossing
     * 0x1fff/0x2000 */
    const char *in = tpath("fold.trace");
    write_text(in, "0x5040 READ 1\n0x1010 WRITE 2\n0x5ff0 READ 3\n0x9000 READ 4\n"
                   "0x1ffc WRITE 5\n");
    migsim_import_opts_t o;
    migsim_import_opts_default(&o);
    o.place = MIGSIM_PLACE_FOLD;
    o.region_base = 0x100000000ull;
    o.region_bytes = 16384;
    o.size_bytes = 8;
    migsim_import_report_t rep;
    assert_int_equal(import_file(in, MIGSIM_IMPORT_DRAMSIM3, tpath("f.mtr"), &o, &rep), 0);
    assert_int_equal(rep.pages, 4);
    assert_int_equal(rep.records, 6);
    migsim_trace_rec_t r[8];
    assert_int_equal(read_records(tpath("f.mtr"), r, 8), 6);
    const uint64_t B = 0x100000000ull;
    assert_int_equal(r[0].addr, B + 0x040);
    assert_int_equal(r[1].addr, B + 0x1010);
    assert_int_equal(r[2].addr, B + 0x0ff0);
    assert_int_equal(r[3].addr, B + 0x2000);
    /* 0x1ffc..0x2003: 4 bytes in page 0x1000 (dense 1), 4 in page 0x2000 (dense 3) */
    assert_int_equal(r[4].addr, B + 0x1ffc);
    assert_int_equal(r[4].size, 4);
    assert_int_equal(r[5].addr, B + 0x3000);
    assert_int_equal(r[5].size, 4);
    assert_int_equal(r[5].time, r[4].time);
    for (int i = 0; i < 6; i++)
        assert_int_equal(r[i].op, i == 1 || i >= 4 ? MIGSIM_OP_WRITE : MIGSIM_OP_READ);

    /* footprint beyond the region: an error naming the line, no output */
    o.region_bytes = 8192;
    expect_bad(MIGSIM_IMPORT_DRAMSIM3, &o, "0x5040 READ 1\n0x1010 WRITE 2\n0x9000 READ 4\n",
               MIGSIM_ERANGE, "bad.trace:3: fold: page 0x9000 is distinct page 3, beyond the "
               "region of 2 pages");
    o.region_bytes = 1000; /* not a multiple of 4096 */
    expect_bad(MIGSIM_IMPORT_DRAMSIM3, &o, "0x5040 READ 1\n", MIGSIM_EINVAL, "multiples of 4096");

    /* every importer: Ramulator CPU peer folded into 1 GiB at 4 GiB */
    if (!exists(PEER "ramulator/403.gcc.gz"))
        return;
    migsim_import_opts_default(&o);
    o.place = MIGSIM_PLACE_FOLD;
    o.region_base = 4ull << 30;
    o.region_bytes = 1ull << 30;
    assert_int_equal(import_file(PEER "ramulator/403.gcc.gz", MIGSIM_IMPORT_RAMULATOR_CPU,
                                 tpath("g.mtr"), &o, &rep), 0);
    assert_true(rep.pages > 0);
    migsim_import_report_t keep;
    assert_int_equal(import_file(PEER "ramulator/403.gcc.gz", MIGSIM_IMPORT_RAMULATOR_CPU,
                                 tpath("gk.mtr"), NULL, &keep), 0);
    migsim_trace_rec_t *a = malloc(rep.records * sizeof *a), *b = malloc(keep.records * sizeof *b);
    assert_int_equal(read_records(tpath("g.mtr"), a, rep.records), rep.records);
    assert_int_equal(read_records(tpath("gk.mtr"), b, keep.records), keep.records);
    /* same count unless some access crossed a page; offsets kept; in region */
    uint64_t maxpage = 0;
    size_t j = 0;
    for (size_t i = 0; i < keep.records; i++, j++) {
        assert_true(j < rep.records);
        assert_int_equal(a[j].addr & 4095, b[i].addr & 4095);
        assert_true(a[j].addr >= o.region_base && a[j].addr < o.region_base + o.region_bytes);
        uint64_t pg = (a[j].addr - o.region_base) >> 12;
        assert_true(pg <= maxpage + 1 || pg <= maxpage); /* first-touch order, dense */
        if (pg > maxpage)
            maxpage = pg;
        if ((b[i].addr & 4095) + b[i].size > 4096)
            j++;
    }
    assert_int_equal(j, rep.records);
    assert_int_equal(maxpage + 1, rep.pages);
    free(a);
    free(b);
}

static void test_place_scale(void **st)
{
    (void)st;
    const char *in = tpath("scale.trace");
    write_text(in, "0x0 READ 1\n0x1000 WRITE 2\n0x2000 READ 3\n0x1008 READ 4\n");
    migsim_import_opts_t o;
    migsim_import_opts_default(&o);
    o.place = MIGSIM_PLACE_SCALE;
    o.region_base = 0x100000;
    o.region_bytes = 0x10000;
    migsim_import_report_t rep;
    assert_int_equal(import_file(in, MIGSIM_IMPORT_DRAMSIM3, tpath("s.mtr"), &o, &rep), 0);
    assert_int_equal(rep.records, 4);
    assert_int_equal(rep.lines, 4);
    assert_int_equal(rep.addr_min, 0);
    assert_int_equal(rep.addr_max, 0x2000);
    migsim_trace_rec_t r[4];
    assert_int_equal(read_records(tpath("s.mtr"), r, 4), 4);
    /* 1024 region lines; input lines 0..128: line l -> l * 1023 / 128 */
    assert_int_equal(r[0].addr, 0x100000);
    assert_int_equal(r[1].addr, 0x100000 + 511 * 64);
    assert_int_equal(r[2].addr, 0x100000 + 1023 * 64);
    assert_int_equal(r[3].addr, 0x100000 + 511 * 64 + 8);
    assert_int_equal(r[1].time, 2 * 833);

    o.region_bytes = 100;
    expect_bad(MIGSIM_IMPORT_DRAMSIM3, &o, "0x0 READ 1\n", MIGSIM_EINVAL, "multiples of 64");
    /* an error on the second pass still leaves nothing */
    o.region_bytes = 4096;
    expect_bad(MIGSIM_IMPORT_DRAMSIM3, &o, "0x0 READ 1\n0x0 READ x\n", MIGSIM_EFORMAT,
               "bad.trace:2: bad cycle");
}

/* ---- ftrace and QEMU -------------------------------------------------------------- */

static const char FTRACE_FIX[] =
    "# tracer: nop\n"
    "#\n"
    "#           TASK-PID     CPU#  ||||   TIMESTAMP  FUNCTION\n"
    "#              | |         |   ||||      |         |\n"
    "     kworker/0:1-123     [000] .....  1234.567890: iommu_map: IOMMU: "
    "iova=0x00000000fff00000 - 0x00000000fff01000 paddr=0x0000000123456000 size=4096\n"
    "     kworker/0:1-123     [000] .....  1234.567900: iommu_unmap: IOMMU: "
    "iova=0x00000000fff00000 - 0x00000000fff01000 size=4096 unmapped_size=4096\n"
    "  irq/45-nvme0q1-456     [001] d..1.  1234.600000: dma_map_page: 0000:01:00.0 "
    "dir=FROM_DEVICE dma_addr=ffe00000 size=128 phys_addr=1234000 attrs=\n"
    "  irq/45-nvme0q1-456     [001] d..1.  1234.600001: dma_map_page: 0000:02:00.0 "
    "dir=TO_DEVICE dma_addr=ffd00040 size=100 phys_addr=1234000 attrs=\n"
    "         my task-9       [002] .....  1234.700000: sched_switch: prev_comm=x\n"
    "CPU:2 [LOST 17 EVENTS]\n"
    "  irq/45-nvme0q1-456     [001] d..1.  1234.700001: dma_map_page: 0000:01:00.0 "
    "dir=NONE dma_addr=ffe00000 size=128 phys_addr=1234000 attrs=\n"
    "  irq/45-nvme0q1-456     [001] d..1.  1234.800000: dma_map_page: 0000:01:00.0 "
    "dir=BIDIRECTIONAL dma_addr=ffe00000 size=64 phys_addr=1234000 attrs=\n";

static void test_ftrace(void **st)
{
    (void)st;
    const char *in = tpath("trace"), *out = tpath("ft.mtr");
    write_text(in, FTRACE_FIX);
    migsim_import_opts_t o;
    migsim_import_opts_default(&o);
    o.src_idx = 10;
    migsim_import_report_t rep;
    assert_int_equal(import_file(in, MIGSIM_IMPORT_FTRACE, out, &o, &rep), 0);
    assert_int_equal(rep.lines, 12);
    assert_int_equal(rep.skip[MIGSIM_SKIP_COMMENT], 4);
    assert_int_equal(rep.skip[MIGSIM_SKIP_EVENT], 4); /* unmap, sched_switch, LOST, NONE */
    assert_int_equal(rep.records, 64 + 2 + 2 + 1);
    assert_int_equal(rep.writes, 64 + 2 + 1);
    assert_int_equal(rep.reads, 2);
    migsim_trace_rec_t r[80];
    assert_int_equal(read_records(out, r, 80), 69);
    for (int i = 0; i < 64; i++) {
        assert_int_equal(r[i].addr, 0xfff00000ull + 64 * (uint64_t)i);
        assert_int_equal(r[i].size, 64);
        assert_int_equal(r[i].time, 0);
        assert_int_equal(r[i].op, MIGSIM_OP_WRITE);
        assert_int_equal(r[i].src_kind, MIGSIM_SRC_DMA);
        assert_int_equal(r[i].src_idx, 10);
    }
    assert_int_equal(r[64].addr, 0xffe00000);
    assert_int_equal(r[64].time, 32110000ull * 1000); /* 1234.600000 - 1234.567890 s */
    assert_int_equal(r[64].src_idx, 10);              /* first device */
    assert_int_equal(r[66].addr, 0xffd00040);
    assert_int_equal(r[66].size, 64);
    assert_int_equal(r[67].addr, 0xffd00080);
    assert_int_equal(r[67].size, 36);
    assert_int_equal(r[67].op, MIGSIM_OP_READ);
    assert_int_equal(r[67].src_idx, 11); /* second device */
    assert_int_equal(r[68].src_idx, 10);
    assert_int_equal(r[68].op, MIGSIM_OP_WRITE);

    o.dma_dir = MIGSIM_DMA_DIR_SKIP;
    assert_int_equal(import_file(in, MIGSIM_IMPORT_FTRACE, out, &o, &rep), 0);
    assert_int_equal(rep.records, 4);

    const migsim_import_fmt_t F = MIGSIM_IMPORT_FTRACE;
    expect_bad(F, NULL, " a-1 [000] .... 5.000001: iommu_map: IOMMU: iova=0x1000 size=64\n"
                        " a-1 [000] .... 5.000000: iommu_map: IOMMU: iova=0x1000 size=64\n",
               MIGSIM_EFORMAT, "bad.trace:2: timestamp '5.000000' is before");
    expect_bad(F, NULL, " a-1 [000] .... 5.1: iommu_map: IOMMU: iova=0x1000 size=0\n",
               MIGSIM_ERANGE, "bad.trace:1: transfer length 0");
    expect_bad(F, NULL, " a-1 [000] .... 5.1: iommu_map: IOMMU: iova=0x1000 size=1073741825\n",
               MIGSIM_ERANGE, "bad.trace:1: transfer length 1073741825 out of range");
    expect_bad(F, NULL, " a-1 [000] .... 5.1: iommu_map: IOMMU: iova=0x1000\n",
               MIGSIM_EFORMAT, "bad.trace:1: event has no 'size' field");
    expect_bad(F, NULL, " a-1 [000] .... 5.1: iommu_map: IOMMU: iova=0xzz size=4\n",
               MIGSIM_EFORMAT, "bad.trace:1: bad iova");
    expect_bad(F, NULL, "garbage line\n", MIGSIM_EFORMAT, "bad.trace:1: no 'SECONDS.FRACTION:'");
}

static const char QEMU_FIX[] =
    "1234@1700000000.000100:pci_nvme_map_addr addr 0x7f000000 len 4096\n"
    "1234@1700000000.000200:pci_nvme_read cid 1 nsid 1 nlb 8 count 4096 lba 0x0\n"
    "1234@1700000000.000300:pci_nvme_map_addr addr 0x7f001000 len 128\n"
    "1234@1700000000.000400:pci_nvme_write cid 2 opname 'write' nsid 1 nlb 1 count 512 "
    "lba 0x10\n"
    "1234@1700000000.000500:pci_nvme_map_addr addr 0x7f002000 len 64\n"
    "1234@1700000000.000600:vtd_iotlb_page_hit IOTLB page hit sid 0x10 iova 0x8000 "
    "slpte 0x1234 domain 0x1\n"
    "pci_nvme_irq_msix raising MSI-X IRQ vector 0\n"
    "vtd_iotlb_page_update IOTLB page update sid 0x18 iova 0x9000 slpte 0x1 level 1 "
    "domain 0x1\n"
    "1234@1700000000.000700:e1000e_rx_descr Next RX descriptor: ring #0, PA: 0x3f000010, "
    "length: 16\n"
    "1234@1700000000.000800:e1000e_rx_desc_buff_write buffer #0, addr: 0x3e000000, "
    "offset: 64, from: 0x55d0c0a0, length: 100\n";

static void test_qemu(void **st)
{
    (void)st;
    const char *in = tpath("qemu.log"), *out = tpath("q.mtr");
    write_text(in, QEMU_FIX);
    migsim_import_report_t rep;
    assert_int_equal(import_file(in, MIGSIM_IMPORT_QEMU, out, NULL, &rep), 0);
    assert_int_equal(rep.skip[MIGSIM_SKIP_EVENT], 3);
    assert_int_equal(rep.records, 64 + 2 + 1 + 1 + 1 + 1 + 2);
    migsim_trace_rec_t r[80];
    assert_int_equal(read_records(out, r, 80), 72);
    assert_int_equal(r[0].addr, 0x7f000000);
    assert_int_equal(r[0].op, MIGSIM_OP_WRITE);
    assert_int_equal(r[0].time, 0);
    assert_int_equal(r[64].addr, 0x7f001000);
    assert_int_equal(r[64].op, MIGSIM_OP_WRITE); /* after an NVMe read */
    assert_int_equal(r[64].time, 200000000ull);  /* 200 us */
    assert_int_equal(r[66].addr, 0x7f002000);
    assert_int_equal(r[66].op, MIGSIM_OP_READ); /* after an NVMe write */
    assert_int_equal(r[67].addr, 0x8000);
    assert_int_equal(r[67].src_idx, 0x10);
    assert_int_equal(r[67].src_kind, MIGSIM_SRC_DMA);
    assert_int_equal(r[68].addr, 0x9000);
    assert_int_equal(r[68].src_idx, 0x18);
    assert_int_equal(r[68].time, 500000000ull); /* no stamp: the previous time */
    assert_int_equal(r[69].addr, 0x3f000010);    /* descriptor fetch */
    assert_int_equal(r[69].size, 16);
    assert_int_equal(r[69].op, MIGSIM_OP_READ);
    assert_int_equal(r[70].addr, 0x3e000040);    /* buffer write at addr + offset */
    assert_int_equal(r[70].size, 64);
    assert_int_equal(r[70].op, MIGSIM_OP_WRITE);
    assert_int_equal(r[71].addr, 0x3e000080);
    assert_int_equal(r[71].size, 36);

    const migsim_import_fmt_t Q = MIGSIM_IMPORT_QEMU;
    expect_bad(Q, NULL, "pci_nvme_map_addr addr 0x1000 len 0\n", MIGSIM_ERANGE,
               "bad.trace:1: transfer length 0");
    expect_bad(Q, NULL, "\npci_nvme_map_addr addr 0x1g00 len 4\n", MIGSIM_EFORMAT,
               "bad.trace:2: bad addr");
    expect_bad(Q, NULL, "1@5.0:pci_nvme_map_addr addr 0x1000 len 4\n"
                        "1@4.0:pci_nvme_map_addr addr 0x1000 len 4\n",
               MIGSIM_EFORMAT, "bad.trace:2: timestamp");
    expect_bad(Q, NULL, "e1000e_rx_descr Next RX descriptor: ring #0, PA: 0x10\n",
               MIGSIM_EFORMAT, "bad.trace:1: event has no 'length:' field");
    expect_bad(Q, NULL, "vtd_iotlb_page_hit IOTLB page hit sid 0x10000 iova 0x8000\n",
               MIGSIM_ERANGE, "bad.trace:1: sid");
}

/* ---- CLI --------------------------------------------------------------------------- */

static int ends_with_newline(const char *path)
{
    size_t n;
    unsigned char *b = read_bytes(path, &n);
    int r = n > 0 && b[n - 1] == '\n';
    free(b);
    return r;
}

/*
 * A start time rebases absolute times: the first record written is at
 * start_ps and record i at start_ps + t_i - t_0 (the QEMU fixture's first
 * record is at 0 of its own clock, the descriptor-less lines follow).
 */
static void test_qemu_start(void **st)
{
    (void)st;
    const char *in = tpath("qemu_s.log"), *out = tpath("qs.mtr");
    /* the first DMA event comes 9.3 s after the log's first stamp */
    static const char LOG[] =
        "1234@1700000000.000000:vtd_context_cache_reset \n"
        "1234@1700000009.300000:pci_nvme_map_addr addr 0x7f000000 len 64\n"
        "1234@1700000009.300250:pci_nvme_map_addr addr 0x7f001000 len 128\n";
    write_text(in, LOG);
    migsim_trace_rec_t r[8];
    migsim_import_report_t rep;
    assert_int_equal(import_file(in, MIGSIM_IMPORT_QEMU, out, NULL, &rep), 0);
    assert_int_equal(read_records(out, r, 8), 3);
    assert_int_equal(r[0].time, 9300000000000ull); /* 9.3 s of the log's own clock */

    migsim_import_opts_t o;
    migsim_import_opts_default(&o);
    o.rebase_time = 1;
    o.start_ps = 5000000;
    assert_int_equal(import_file(in, MIGSIM_IMPORT_QEMU, out, &o, &rep), 0);
    assert_int_equal(read_records(out, r, 8), 3);
    assert_int_equal(r[0].time, 5000000ull);
    assert_int_equal(r[1].time, 5000000ull + 250000000ull);     /* 250 us later */
    assert_int_equal(r[2].time, 5000000ull + 250000000ull);     /* second line of that transfer */
    assert_int_equal(r[1].addr, 0x7f001000);

    /* the same through the CLI, and refused for a format without absolute times */
    char a[1024], log[256];
    snprintf(log, sizeof log, "%s", tpath("start.log"));
    snprintf(a, sizeof a, "trace convert --from qemu --start 0 -o %s %s", out, in);
    assert_int_equal(run_cli(a, log), 0);
    assert_int_equal(read_records(out, r, 8), 3);
    assert_int_equal(r[0].time, 0);
    assert_int_equal(r[2].time, 250000000ull);
    write_text(tpath("st.lackey"), LACKEY_FIX);
    snprintf(a, sizeof a, "trace convert --from lackey --start 0 -o %s %s", tpath("st_lackey.mtr"),
             tpath("st.lackey"));
    assert_int_equal(run_cli(a, log), 2);
    assert_true(file_has(log, "a start time needs absolute record times"));
    assert_false(exists(tpath("st_lackey.mtr")));
    assert_no_temp();
}

static void test_cli_convert(void **st)
{
    (void)st;
    char log[256];
    snprintf(log, sizeof log, "%s", tpath("cli.log"));
    write_text(tpath("c.lackey"), LACKEY_FIX);
    char a[1024];
    snprintf(a, sizeof a, "trace convert --from lackey -o %s %s", tpath("c.mtr"),
             tpath("c.lackey"));
    assert_int_equal(run_cli(a, log), 0);
    assert_true(file_has(log, "4 records written (2 reads, 2 writes)"));
    assert_true(file_has(log, "skipped: blank 1 tool 2 insn 5"));
    assert_true(file_has(log, "instructions: 5 (2 after the last record)"));

    snprintf(a, sizeof a, "trace convert --from lackey --insns keep --place fold "
             "--region 0x40000000:64K -o %s %s", tpath("c.mtr"), tpath("c.lackey"));
    assert_int_equal(run_cli(a, log), 0);
    assert_true(file_has(log, "9 records written"));
    assert_true(file_has(log, "fold: 3 distinct 4 KiB pages -> 0x40000000 .. 0x40002fff"));

    snprintf(a, sizeof a, "trace convert --from lackey --place fold -o %s %s", tpath("c.mtr"),
             tpath("c.lackey"));
    assert_int_equal(run_cli(a, log), 2);
    assert_true(file_has(log, "needs --region"));
    assert_true(ends_with_newline(log));

    write_text(tpath("b.lackey"), "I  10,1\n L zz,4\n");
    snprintf(a, sizeof a, "trace convert --from lackey -o %s %s", tpath("b.mtr"),
             tpath("b.lackey"));
    assert_int_equal(run_cli(a, log), 2);
    assert_true(file_has(log, "b.lackey:2: bad address"));
    assert_true(ends_with_newline(log));
    assert_false(exists(tpath("b.mtr")));

    assert_int_equal(run_cli("trace info --help", log), 0);
    assert_true(file_has(log, "usage:"));
    assert_int_equal(run_cli("trace convert --help", log), 0);
    assert_true(file_has(log, "--place keep|fold|scale"));
    assert_int_equal(run_cli("trace convert --from nosuch -o x.mtr y", log), 2);
    assert_true(ends_with_newline(log));
    assert_int_equal(run_cli("trace info /nonexistent/x.mtr", log), 2);
    assert_true(ends_with_newline(log));
    assert_no_temp();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lackey_fixture),
        cmocka_unit_test(test_lackey_xz),
        cmocka_unit_test(test_lackey_bad),
        cmocka_unit_test(test_lackey_valgrind),
        cmocka_unit_test(test_ramulator_cpu_peer),
        cmocka_unit_test(test_ramulator_cpu_bad),
        cmocka_unit_test(test_place_fold),
        cmocka_unit_test(test_place_scale),
        cmocka_unit_test(test_ftrace),
        cmocka_unit_test(test_qemu),
        cmocka_unit_test(test_qemu_start),
        cmocka_unit_test(test_cli_convert),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
