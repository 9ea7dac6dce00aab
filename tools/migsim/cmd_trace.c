/*
 * cmd_trace.c - `migsim trace info|convert|gen`: inspect native traces,
 * import the traces of other tools (DRAMSim3, Ramulator, valgrind lackey,
 * ChampSim, Linux ftrace, QEMU, gem5) with address placement, and write
 * synthetic traces.
 *
 * Hot paths: `info` streams every record once through migsim_trace_next()
 * and a page hash set (bounded memory); `gen` runs migsim_gen_write();
 * `convert` runs migsim_trace_import(). Nothing holds a whole trace.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "migsim/errors.h"
#include "migsim/trace.h"

static void trace_usage(FILE *f)
{
    fputs("usage:\n"
          "  migsim trace info FILE.mtr | --from FORMAT FILE\n"
          "  migsim trace convert --from FORMAT -o OUT.mtr IN\n"
          "                       [--clock-ps N] [--size N] [--src cpu|dma] [--src-idx N]\n"
          "                       [--place keep|fold|scale] [--region BASE:SIZE]\n"
          "                       [--insns drop|keep] [--cloudsuite] [--dma-dir write|read|skip]\n"
          "                       [--start PS]  (absolute-time formats: first record at PS ps)\n"
          "    FORMAT: dramsim3, ramulator, ramulator-cpu, lackey, champsim, ftrace, qemu,\n"
          "            gem5\n"
          "  migsim trace gen --pattern sequential|random|strided|nic_rx|block|hotset --count N\n"
          "                   -o OUT.mtr [--base ADDR] [--range BYTES] [--stride BYTES]\n"
          "                   [--size BYTES] [--read-frac F] [--seed S] [--gap-ps N]\n"
          "                   [--src cpu|dma] [--src-idx N]\n"
          "                   nic_rx: [--ring-entries N] [--buf-bytes N] [--pkt-size MIN[:MAX]]\n"
          "                   block:  [--block-bytes N] [--block-order sequential|random]\n"
          "                   hotset: [--hot-bytes N] [--hot-frac F] [--hot-period RECORDS]\n"
          "                           [--hot-step BYTES]  (a share F of the accesses in a\n"
          "                           window of N bytes that moves every RECORDS records)\n"
          "    nic_rx and block write DMA records (--src dma) unless --src says otherwise;\n"
          "    a record's op is the memory operation (a disk read is a write to memory)\n"
          "numbers: decimal or 0x hex, with an optional K/M/G or KiB/MiB/GiB suffix\n"
          "(binary multiples: 4K = 4096). IN may be plain, gzip or xz.\n",
          f);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "migsim trace: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    trace_usage(stderr);
    return 2;
}

/* Decimal or 0x hex, optional K/M/G or KiB/MiB/GiB suffix (powers of 1024). */
static int parse_size(const char *s, uint64_t *out)
{
    const char *p = s;
    uint64_t v = 0;
    int digits = 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        for (;; p++, digits++) {
            int d;
            if (*p >= '0' && *p <= '9')
                d = *p - '0';
            else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
                d = (*p | 0x20) - 'a' + 10;
            else
                break;
            if (v >> 60)
                return -1;
            v = v << 4 | (uint64_t)d;
        }
    } else {
        for (; *p >= '0' && *p <= '9'; p++, digits++) {
            unsigned d = (unsigned)(*p - '0');
            if (v > (UINT64_MAX - d) / 10)
                return -1;
            v = v * 10 + d;
        }
    }
    if (!digits)
        return -1;
    unsigned shift = 0;
    switch (*p) {
    case '\0': break;
    case 'K': case 'k': shift = 10; break;
    case 'M': case 'm': shift = 20; break;
    case 'G': case 'g': shift = 30; break;
    default: return -1;
    }
    if (shift) {
        p++;
        if (p[0] == 'i' && p[1] == 'B')
            p += 2;
        if (*p)
            return -1;
        if (v > (UINT64_MAX >> shift))
            return -1;
        v <<= shift;
    }
    *out = v;
    return 0;
}

static int parse_src(const char *s, uint8_t *kind)
{
    if (strcmp(s, "cpu") == 0)
        *kind = MIGSIM_SRC_CPU;
    else if (strcmp(s, "dma") == 0)
        *kind = MIGSIM_SRC_DMA;
    else
        return -1;
    return 0;
}

/* Option scanner: "--name value" or "--name=value". */
typedef struct optscan_s {
    int argc;
    char **argv;
    int i;           /* next argv index */
    const char *val; /* value of the last option matched */
} optscan_t;

/* If argv[i] is option `name` (which takes a value), consume it. Returns 1
 * matched, 0 not this option, -1 value missing. */
static int opt_take(optscan_t *o, const char *name)
{
    const char *a = o->argv[o->i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        o->val = a + n + 1;
        o->i++;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (o->i + 1 >= o->argc)
        return -1;
    o->val = o->argv[o->i + 1];
    o->i += 2;
    return 1;
}

/* ---- info ---------------------------------------------------------------- */

/* Set of 4 KiB page numbers: open addressing, linear probing, key+1 stored
 * (0 = empty). Grows to PAGESET_MAX_SLOTS (64 MiB); past 3/4 of that it
 * stops adding and the count becomes a lower bound. */
#define PAGESET_MAX_SLOTS (1u << 23)

typedef struct pageset_s {
    uint64_t *slot; /* owned, cap entries */
    uint64_t cap;   /* power of two */
    uint64_t n;     /* distinct pages stored */
    int capped;     /* 1 once a page was dropped for lack of room */
} pageset_t;

static uint64_t ps_hash(uint64_t k)
{
    k *= 0x9e3779b97f4a7c15ull;
    return k ^ (k >> 29);
}

static int ps_grow(pageset_t *s)
{
    uint64_t ncap = s->cap * 2;
    uint64_t *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (uint64_t i = 0; i < s->cap; i++) {
        uint64_t k = s->slot[i];
        if (!k)
            continue;
        uint64_t h = ps_hash(k) & (ncap - 1);
        while (ns[h])
            h = (h + 1) & (ncap - 1);
        ns[h] = k;
    }
    free(s->slot);
    s->slot = ns;
    s->cap = ncap;
    return 0;
}

static void ps_add(pageset_t *s, uint64_t page)
{
    uint64_t k = page + 1;
    uint64_t h = ps_hash(k) & (s->cap - 1);
    while (s->slot[h]) {
        if (s->slot[h] == k)
            return;
        h = (h + 1) & (s->cap - 1);
    }
    if (s->n * 2 >= s->cap) {
        if (s->cap < PAGESET_MAX_SLOTS && ps_grow(s) == 0) {
            ps_add(s, page);
            return;
        }
        if (s->n * 4 >= s->cap * 3) {
            s->capped = 1;
            return;
        }
    }
    s->slot[h] = k;
    s->n++;
}

static int is_help(const char *a)
{
    return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

static int cmd_info(int argc, char **argv)
{
    if (argc == 2 && is_help(argv[1])) {
        trace_usage(stdout);
        return 0;
    }
    /* info --from FORMAT FILE: import into a temporary native trace, report on it, remove it */
    char tmp[4096] = "";
    if (argc == 4 && strcmp(argv[1], "--from") == 0) {
        migsim_import_fmt_t fmt;
        if (migsim_import_fmt_parse(argv[2], &fmt))
            return usage_error("unknown format \"%s\"", argv[2]);
        const char *dir = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/migsim-info-XXXXXX", dir && *dir ? dir : "/tmp");
        int fd = mkstemp(tmp);
        if (fd < 0) {
            fprintf(stderr, "migsim trace info: cannot create a temporary file in %s\n",
                    dir && *dir ? dir : "/tmp");
            return 2;
        }
        close(fd);
        migsim_import_opts_t io;
        migsim_import_opts_default(&io);
        migsim_trace_wopts_t wo;
        migsim_trace_wopts_default(&wo);
        wo.time_mode = migsim_import_time_mode(fmt);
        wo.level = 1; /* read once: write fast */
        migsim_trace_writer_t *w;
        migsim_import_report_t rep;
        int rc = migsim_trace_writer_open(&w, tmp, &wo);
        if (!rc) {
            rc = migsim_trace_import(argv[3], fmt, &io, w, &rep);
            if (rc)
                migsim_trace_writer_abort(w); /* removes its temporary file */
            else
                rc = migsim_trace_writer_close(w);
        }
        if (rc) {
            fprintf(stderr, "migsim trace info: %s\n", migsim_errmsg());
            remove(tmp);
            return 2;
        }
        printf("imported:      %s (%s)\n", argv[3], argv[2]);
        argv[1] = tmp;
        argc = 2;
    }
    if (argc != 2)
        return usage_error("info takes one FILE.mtr, or --from FORMAT FILE%s", "");
    const char *path = argv[1];
    migsim_trace_reader_t *r;
    int rc = migsim_trace_open(&r, path);
    if (tmp[0])
        remove(tmp); /* the open reader keeps the data */
    if (rc) {
        fprintf(stderr, "migsim trace info: %s\n", migsim_errmsg());
        return 2;
    }
    const migsim_trace_info_t info = *migsim_trace_info(r), *in = &info;
    pageset_t ps = {calloc(1u << 16, sizeof(uint64_t)), 1u << 16, 0, 0};
    if (!ps.slot) {
        fprintf(stderr, "migsim trace info: out of memory\n");
        migsim_trace_close(r);
        return 2;
    }
    uint64_t ops[MIGSIM_OP_COUNT_] = {0}, kinds[MIGSIM_SRC_COUNT_] = {0};
    uint64_t amin = UINT64_MAX, amax = 0, tsum = 0, n = 0, last_page = UINT64_MAX;
    const migsim_trace_rec_t *rec;
    while ((rc = migsim_trace_next(r, &rec)) == 1) {
        ops[rec->op]++;
        kinds[rec->src_kind]++;
        uint64_t end = rec->addr + rec->size - 1;
        if (end < rec->addr)
            end = UINT64_MAX;
        if (rec->addr < amin)
            amin = rec->addr;
        if (end > amax)
            amax = end;
        for (uint64_t pg = rec->addr >> 12; pg <= end >> 12; pg++) {
            if (pg != last_page)
                ps_add(&ps, pg);
            last_page = pg;
            if (pg == UINT64_MAX >> 12)
                break;
        }
        tsum += rec->time; /* gap modes: total span */
        n++;
    }
    free(ps.slot);
    migsim_trace_close(r);
    if (rc < 0) {
        fprintf(stderr, "migsim trace info: %s\n", migsim_errmsg());
        return 2;
    }

    printf("file:          %s (%" PRIu64 " bytes)\n", path, in->file_bytes);
    printf("records:       %" PRIu64 " in %" PRIu64 " blocks of up to %" PRIu32 "\n",
           in->records, in->blocks, in->block_recs);
    printf("format:        version %u, compression %u (%s)\n", in->version,
           (unsigned)in->compression, migsim_trace_comp_name(in->compression));
    printf("time mode:     %s\n", migsim_time_mode_name(in->time_mode));
    printf("reads:         %" PRIu64 " (%.2f%%)\n", ops[0], n ? 100.0 * ops[0] / n : 0.0);
    printf("writes:        %" PRIu64 " (%.2f%%)\n", ops[1], n ? 100.0 * ops[1] / n : 0.0);
    for (int k = 0; k < MIGSIM_SRC_COUNT_; k++)
        if (kinds[k])
            printf("source %-6s %" PRIu64 "\n", migsim_src_kind_name((migsim_src_kind_t)k), kinds[k]);
    if (n) {
        printf("address range: 0x%" PRIx64 " .. 0x%" PRIx64 "\n", amin, amax);
        printf("footprint:     %s%" PRIu64 " pages of 4 KiB (%.1f MiB)%s\n",
               ps.capped ? ">= " : "", ps.n, ps.n * 4096.0 / 1048576.0,
               ps.capped ? " (page set full)" : "");
    }
    double span_s = 0;
    switch (in->time_mode) {
    case MIGSIM_TIME_ABS_PS:
    case MIGSIM_TIME_GAP_PS: {
        uint64_t span = in->time_mode == MIGSIM_TIME_ABS_PS ? in->last_time - in->first_time
                                                             : tsum;
        span_s = span * 1e-12;
        printf("time span:     %" PRIu64 " ps (%.6f ms)\n", span, span_s * 1e3);
        if (span && n > 1)
            printf("record rate:   %.4g records/s of simulated time\n", (n - 1) / span_s);
        break;
    }
    case MIGSIM_TIME_GAP_INSNS:
        printf("instructions:  %" PRIu64 " (non-memory)\n", tsum);
        if (tsum)
            printf("record rate:   %.4g records per 1000 instructions\n", 1000.0 * n / tsum);
        break;
    default:
        printf("time span:     untimed\n");
        break;
    }
    return 0;
}

/* ---- convert ------------------------------------------------------------- */

/* "BASE:SIZE", both numbers as parse_size(). */
static int parse_region(const char *s, uint64_t *base, uint64_t *size)
{
    const char *c = strchr(s, ':');
    char tmp[64];
    if (!c || (size_t)(c - s) >= sizeof tmp)
        return -1;
    memcpy(tmp, s, (size_t)(c - s));
    tmp[c - s] = '\0';
    return parse_size(tmp, base) || parse_size(c + 1, size) ? -1 : 0;
}

static int cmd_convert(int argc, char **argv)
{
    const char *from = NULL, *out = NULL, *in = NULL;
    migsim_import_opts_t io;
    migsim_import_opts_default(&io);
    int have_region = 0;
    optscan_t o = {argc, argv, 1, NULL};
    static const char *const names[] = {"--from", "-o", "--clock-ps", "--size", "--src-idx",
                                        "--src", "--place", "--region", "--insns", "--dma-dir",
                                        "--start"};
    while (o.i < argc) {
        int m = 0;
        size_t which = 0;
        uint64_t v;
        if (is_help(argv[o.i])) {
            trace_usage(stdout);
            return 0;
        }
        if (strcmp(argv[o.i], "--cloudsuite") == 0) {
            io.champsim_cloudsuite = 1;
            o.i++;
            continue;
        }
        for (; which < sizeof names / sizeof names[0]; which++)
            if ((m = opt_take(&o, names[which])) != 0)
                break;
        if (m < 0)
            return usage_error("option %s needs a value", names[which]);
        if (m == 0) {
            if (argv[o.i][0] == '-' && argv[o.i][1] != '\0')
                return usage_error("unknown option %s", argv[o.i]);
            if (in)
                return usage_error("unexpected argument %s", argv[o.i]);
            in = argv[o.i++];
            continue;
        }
        switch (which) {
        case 0: from = o.val; break;
        case 1: out = o.val; break;
        case 2:
            if (parse_size(o.val, &v) || v == 0)
                return usage_error("bad --clock-ps '%s'", o.val);
            io.clock_ps = v;
            break;
        case 3:
            if (parse_size(o.val, &v) || v == 0 || v > MIGSIM_TRACE_MAX_SIZE)
                return usage_error("bad --size '%s' (1 .. 1 MiB)", o.val);
            io.size_bytes = (uint32_t)v;
            break;
        case 4:
            if (parse_size(o.val, &v) || v > UINT16_MAX)
                return usage_error("bad --src-idx '%s' (0..65535)", o.val);
            io.src_idx = (uint16_t)v;
            break;
        case 5:
            if (parse_src(o.val, &io.src_kind))
                return usage_error("bad --src '%s' (cpu or dma)", o.val);
            break;
        case 6:
            if (migsim_place_parse(o.val, &io.place))
                return usage_error("bad --place '%s' (keep, fold or scale)", o.val);
            break;
        case 7:
            if (parse_region(o.val, &io.region_base, &io.region_bytes))
                return usage_error("bad --region '%s' (BASE:SIZE, e.g. 0x100000000:1GiB)", o.val);
            have_region = 1;
            break;
        case 8:
            if (strcmp(o.val, "drop") == 0)
                io.keep_insns = 0;
            else if (strcmp(o.val, "keep") == 0)
                io.keep_insns = 1;
            else
                return usage_error("bad --insns '%s' (drop or keep)", o.val);
            break;
        case 10:
            if (parse_size(o.val, &io.start_ps))
                return usage_error("bad --start '%s' (ps)", o.val);
            io.rebase_time = 1;
            break;
        default:
            if (strcmp(o.val, "write") == 0)
                io.dma_dir = MIGSIM_DMA_DIR_WRITE;
            else if (strcmp(o.val, "read") == 0)
                io.dma_dir = MIGSIM_DMA_DIR_READ;
            else if (strcmp(o.val, "skip") == 0)
                io.dma_dir = MIGSIM_DMA_DIR_SKIP;
            else
                return usage_error("bad --dma-dir '%s' (write, read or skip)", o.val);
            break;
        }
    }
    if (!from || !out || !in)
        return usage_error("convert needs --from, -o and an input file%s", "");
    migsim_import_fmt_t fmt;
    if (migsim_import_fmt_parse(from, &fmt))
        return usage_error("unknown --from '%s' (dramsim3, ramulator, ramulator-cpu, lackey, "
                           "champsim, ftrace, qemu, gem5)", from);
    if (io.place != MIGSIM_PLACE_KEEP && !have_region)
        return usage_error("--place %s needs --region BASE:SIZE", io.place == MIGSIM_PLACE_FOLD
                                                                     ? "fold" : "scale");
    if (io.place == MIGSIM_PLACE_KEEP && have_region)
        return usage_error("--region needs --place fold or --place scale%s", "");

    migsim_trace_wopts_t wo;
    migsim_trace_wopts_default(&wo);
    wo.time_mode = migsim_import_time_mode(fmt);
    migsim_trace_writer_t *w;
    int rc = migsim_trace_writer_open(&w, out, &wo);
    if (rc) {
        fprintf(stderr, "migsim trace convert: %s\n", migsim_errmsg());
        return 2;
    }
    migsim_import_report_t rep;
    rc = migsim_trace_import(in, fmt, &io, w, &rep);
    if (rc) {
        fprintf(stderr, "migsim trace convert: %s\n", migsim_errmsg());
        migsim_trace_writer_abort(w);
        return 2;
    }
    rc = migsim_trace_writer_close(w);
    if (rc) {
        fprintf(stderr, "migsim trace convert: %s\n", migsim_errmsg());
        return 2;
    }
    const int binary = fmt == MIGSIM_IMPORT_CHAMPSIM || fmt == MIGSIM_IMPORT_GEM5;
    printf("%s: %" PRIu64 " records written (%" PRIu64 " reads, %" PRIu64 " writes), %" PRIu64
           " of %" PRIu64 " %s skipped -> %s\n",
           in, rep.records, rep.reads, rep.writes, rep.skipped, rep.lines,
           binary ? "input records" : "lines", out);
    if (rep.skipped) {
        printf("skipped:");
        for (int k = 0; k < MIGSIM_SKIP_COUNT_; k++)
            if (rep.skip[k])
                printf(" %s %" PRIu64, migsim_import_skip_name((migsim_import_skip_t)k),
                       rep.skip[k]);
        printf("\n");
    }
    if (wo.time_mode == MIGSIM_TIME_GAP_INSNS)
        printf("instructions: %" PRIu64 " (%" PRIu64 " after the last record)\n", rep.insns,
               rep.insns_tail);
    if (io.place == MIGSIM_PLACE_FOLD)
        printf("fold: %" PRIu64 " distinct 4 KiB pages -> 0x%" PRIx64 " .. 0x%" PRIx64 "\n",
               rep.pages, io.region_base, io.region_base + rep.pages * 4096 - (rep.pages != 0));
    if (io.place == MIGSIM_PLACE_SCALE && rep.records)
        printf("scale: 0x%" PRIx64 " .. 0x%" PRIx64 " -> 0x%" PRIx64 " + 0x%" PRIx64 "\n",
               rep.addr_min, rep.addr_max, io.region_base, io.region_bytes);
    return 0;
}

/* ---- gen ----------------------------------------------------------------- */

/* "N" or "MIN:MAX", both as parse_size(), each at most MIGSIM_TRACE_MAX_SIZE. */
static int parse_pkt_size(const char *s, uint32_t *lo, uint32_t *hi)
{
    uint64_t a, b;
    const char *c = strchr(s, ':');
    if (!c) {
        if (parse_size(s, &a) || a > MIGSIM_TRACE_MAX_SIZE)
            return -1;
        b = a;
    } else {
        char tmp[64];
        if ((size_t)(c - s) >= sizeof tmp)
            return -1;
        memcpy(tmp, s, (size_t)(c - s));
        tmp[c - s] = '\0';
        if (parse_size(tmp, &a) || parse_size(c + 1, &b) || a > MIGSIM_TRACE_MAX_SIZE ||
            b > MIGSIM_TRACE_MAX_SIZE)
            return -1;
    }
    *lo = (uint32_t)a;
    *hi = (uint32_t)b;
    return 0;
}

/* Options of `gen`, in the order of gen_opts[]. */
enum {
    GO_PATTERN, GO_COUNT, GO_BASE, GO_RANGE, GO_STRIDE, GO_SIZE, GO_READ_FRAC, GO_SEED,
    GO_GAP, GO_SRC_IDX, GO_SRC, GO_OUT, GO_RING, GO_BUF, GO_PKT, GO_BLOCK, GO_ORDER,
    GO_HOT_BYTES, GO_HOT_FRAC, GO_HOT_PERIOD, GO_HOT_STEP, GO_N_
};
static const char *const gen_opts[GO_N_] = {
    "--pattern", "--count", "--base", "--range", "--stride", "--size", "--read-frac", "--seed",
    "--gap-ps", "--src-idx", "--src", "-o", "--ring-entries", "--buf-bytes", "--pkt-size",
    "--block-bytes", "--block-order", "--hot-bytes", "--hot-frac", "--hot-period", "--hot-step",
};

/* Options whose value is one number (parse_size). */
static int gen_opt_numeric(int which)
{
    switch (which) {
    case GO_COUNT: case GO_BASE: case GO_RANGE: case GO_STRIDE: case GO_SIZE: case GO_SEED:
    case GO_GAP: case GO_SRC_IDX: case GO_RING: case GO_BUF: case GO_BLOCK:
    case GO_HOT_BYTES: case GO_HOT_PERIOD: case GO_HOT_STEP:
        return 1;
    default:
        return 0;
    }
}

static int cmd_gen(int argc, char **argv)
{
    migsim_gen_config_t c;
    migsim_gen_config_default(&c);
    const char *out = NULL;
    int have_pattern = 0, have_count = 0, have_src = 0;
    optscan_t o = {argc, argv, 1, NULL};
    while (o.i < argc) {
        int m = 0, which = 0;
        if (is_help(argv[o.i])) {
            trace_usage(stdout);
            return 0;
        }
        for (; which < GO_N_; which++)
            if ((m = opt_take(&o, gen_opts[which])) != 0)
                break;
        if (m < 0)
            return usage_error("option %s needs a value", gen_opts[which]);
        if (m == 0)
            return usage_error(argv[o.i][0] == '-' ? "unknown option %s"
                                                   : "unexpected argument %s", argv[o.i]);
        const char *val = o.val;
        uint64_t v = 0;
        if (gen_opt_numeric(which) && parse_size(val, &v))
            return usage_error("bad number '%s'", val);
        switch (which) {
        case GO_PATTERN:
            if (migsim_gen_pattern_parse(val, &c.pattern))
                return usage_error("unknown --pattern '%s' (sequential, random, strided, "
                                   "nic_rx, block, hotset)", val);
            have_pattern = 1;
            break;
        case GO_COUNT: c.count = v; have_count = 1; break;
        case GO_BASE: c.base = v; break;
        case GO_RANGE: c.range_bytes = v; break;
        case GO_STRIDE: c.stride_bytes = v; break;
        case GO_SIZE:
            if (v > MIGSIM_TRACE_MAX_SIZE)
                return usage_error("--size '%s' above 1 MiB", val);
            c.size_bytes = (uint32_t)v;
            break;
        case GO_READ_FRAC:
        case GO_HOT_FRAC: {
            char *end;
            errno = 0;
            double f = strtod(val, &end);
            if (errno || end == val || *end || !(f >= 0.0 && f <= 1.0))
                return usage_error(which == GO_READ_FRAC ? "bad --read-frac '%s' (a number in [0,1])"
                                                         : "bad --hot-frac '%s' (a number in [0,1])",
                                   val);
            *(which == GO_READ_FRAC ? &c.read_frac : &c.hot_frac) = f;
            break;
        }
        case GO_HOT_BYTES: c.hot_bytes = v; break;
        case GO_HOT_PERIOD: c.hot_period = v; break;
        case GO_HOT_STEP: c.hot_step_bytes = v; break;
        case GO_SEED: c.seed = v; break;
        case GO_GAP: c.gap_ps = v; break;
        case GO_SRC_IDX:
            if (v > UINT16_MAX)
                return usage_error("bad --src-idx '%s' (0..65535)", val);
            c.src_idx = (uint16_t)v;
            break;
        case GO_SRC:
            if (parse_src(val, &c.src_kind))
                return usage_error("bad --src '%s' (cpu or dma)", val);
            have_src = 1;
            break;
        case GO_RING:
            if (v > MIGSIM_GEN_MAX_RING)
                return usage_error("bad --ring-entries '%s' (1 .. 1M)", val);
            c.ring_entries = (uint32_t)v;
            break;
        case GO_BUF:
            if (v > MIGSIM_TRACE_MAX_SIZE)
                return usage_error("--buf-bytes '%s' above 1 MiB", val);
            c.buf_bytes = (uint32_t)v;
            break;
        case GO_PKT:
            if (parse_pkt_size(val, &c.pkt_min_bytes, &c.pkt_max_bytes))
                return usage_error("bad --pkt-size '%s' (N or MIN:MAX, each at most 1 MiB)", val);
            break;
        case GO_BLOCK:
            if (v > MIGSIM_TRACE_MAX_SIZE)
                return usage_error("--block-bytes '%s' above 1 MiB", val);
            c.block_bytes = (uint32_t)v;
            break;
        case GO_ORDER: {
            migsim_gen_order_t ord;
            if (migsim_gen_order_parse(val, &ord))
                return usage_error("bad --block-order '%s' (sequential or random)", val);
            c.block_order = (uint8_t)ord;
            break;
        }
        default: out = val; break;
        }
    }
    if (!have_pattern || !have_count || !out)
        return usage_error("gen needs --pattern, --count and -o%s", "");
    if (!have_src && (c.pattern == MIGSIM_GEN_NIC_RX || c.pattern == MIGSIM_GEN_BLOCK))
        c.src_kind = MIGSIM_SRC_DMA;
    if (migsim_gen_config_check(&c)) {
        fprintf(stderr, "migsim trace gen: %s\n", migsim_errmsg());
        return 2;
    }
    migsim_trace_writer_t *w;
    int rc = migsim_trace_writer_open(&w, out, NULL);
    if (!rc && (rc = migsim_gen_write(&c, w)) != 0)
        migsim_trace_writer_abort(w);
    else if (!rc)
        rc = migsim_trace_writer_close(w);
    if (rc) {
        fprintf(stderr, "migsim trace gen: %s\n", migsim_errmsg());
        return 2;
    }
    printf("%" PRIu64 " records written -> %s\n", c.count, out);
    return 0;
}

int migsim_cli_trace(int argc, char **argv)
{
    if (argc < 2) {
        trace_usage(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0 || strcmp(sub, "help") == 0) {
        trace_usage(stdout);
        return 0;
    }
    if (strcmp(sub, "info") == 0)
        return cmd_info(argc - 1, argv + 1);
    if (strcmp(sub, "convert") == 0)
        return cmd_convert(argc - 1, argv + 1);
    if (strcmp(sub, "gen") == 0)
        return cmd_gen(argc - 1, argv + 1);
    return usage_error("unknown subcommand '%s'", sub);
}
