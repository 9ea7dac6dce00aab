/*
 * trace_import.c - importers from the trace formats users already have,
 * into a native trace writer:
 *   DRAMSim3       "0xADDR READ|WRITE CYCLE"            (cycle -> ABS_PS)
 *   Ramulator      "0xADDR R|W" and "LD|ST ADDR"         (NONE)
 *   Ramulator CPU  "BUBBLES READ [WRITEBACK]"            (GAP_INSNS)
 *   lackey         valgrind --trace-mem "I|L|S|M ADDR,SIZE" (GAP_INSNS)
 *   ChampSim       64/96-byte input_instr records        (GAP_INSNS)
 *   ftrace         iommu_map and dma_map_* events        (ABS_PS, DMA)
 *   QEMU           -trace log of NVMe, e1000e, VT-d DMA  (ABS_PS, DMA)
 *   gem5           protobuf packet traces (trace_import_gem5.c)
 * plus what they share: the input stream (plain, gzip through zlib, xz
 * through liblzma; detected from the first bytes), the line loop, error
 * positions, and address placement (keep, fold onto a region page by page,
 * scale linearly onto a region).
 *
 * Input is streamed: 1 MiB chunks for text (a line may span two chunks),
 * 4096 records at a time for binary formats. A truncated or corrupt
 * compressed stream is an error, never a silent short read.
 *
 * Hot path: the per-line loop (memchr for the newline, hand-written field
 * parsers, no sscanf, no allocation) and imp_emit() (placement, counts, one
 * migsim_trace_put()). FOLD adds one lookup in an open-addressing page map
 * with a one-entry cache.
 */
#include <errno.h>
#include <inttypes.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "migsim/errors.h"
#include "trace_import_internal.h"
#include "trace_internal.h"

#define IMP_CHUNK (1u << 20)   /* text read size, and the longest accepted line */
#define IMP_XZBUF (256u << 10) /* compressed bytes read per fread for xz */
#define IMP_PAGE_SHIFT 12      /* FOLD page: 4 KiB */
#define IMP_LINE_SHIFT 6       /* SCALE granule: 64-byte lines */
#define IMP_DMA_MAX ((uint64_t)1 << 30) /* longest DMA transfer accepted, bytes */

/* ---- names and options ---------------------------------------------------- */

static const char *const imp_fmt_names[MIGSIM_IMPORT_COUNT_] = {
    "dramsim3", "ramulator", "lackey", "ramulator-cpu", "champsim", "ftrace", "qemu", "gem5",
};

static const char *const imp_skip_names[MIGSIM_SKIP_COUNT_] = {
    "blank", "comment", "tool", "event", "cmd", "insn", "nomem",
};

void migsim_import_opts_default(migsim_import_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->clock_ps = 833;
    o->size_bytes = 64;
    o->src_kind = MIGSIM_SRC_CPU;
    o->src_idx = 0;
    o->keep_insns = 0;
    o->champsim_cloudsuite = 0;
    o->dma_dir = MIGSIM_DMA_DIR_WRITE;
    o->place = MIGSIM_PLACE_KEEP;
}

int migsim_import_fmt_parse(const char *name, migsim_import_fmt_t *out)
{
    for (int i = 0; i < MIGSIM_IMPORT_COUNT_; i++)
        if (strcmp(name, imp_fmt_names[i]) == 0) {
            *out = (migsim_import_fmt_t)i;
            return 0;
        }
    return migsim_error(MIGSIM_EINVAL,
                        "import: unknown format '%s' (dramsim3, ramulator, lackey, "
                        "ramulator-cpu, champsim, ftrace, qemu, gem5)", name);
}

const char *migsim_import_fmt_name(migsim_import_fmt_t fmt)
{
    return (unsigned)fmt < MIGSIM_IMPORT_COUNT_ ? imp_fmt_names[fmt] : "?";
}

const char *migsim_import_skip_name(migsim_import_skip_t why)
{
    return (unsigned)why < MIGSIM_SKIP_COUNT_ ? imp_skip_names[why] : "?";
}

int migsim_place_parse(const char *name, migsim_place_t *out)
{
    static const char *const n[MIGSIM_PLACE_COUNT_] = {"keep", "fold", "scale"};
    for (int i = 0; i < MIGSIM_PLACE_COUNT_; i++)
        if (strcmp(name, n[i]) == 0) {
            *out = (migsim_place_t)i;
            return 0;
        }
    return migsim_error(MIGSIM_EINVAL, "import: unknown placement '%s' (keep, fold, scale)",
                        name);
}

migsim_time_mode_t migsim_import_time_mode(migsim_import_fmt_t fmt)
{
    switch (fmt) {
    case MIGSIM_IMPORT_DRAMSIM3:
    case MIGSIM_IMPORT_FTRACE:
    case MIGSIM_IMPORT_QEMU:
    case MIGSIM_IMPORT_GEM5:
        return MIGSIM_TIME_ABS_PS;
    case MIGSIM_IMPORT_LACKEY:
    case MIGSIM_IMPORT_RAMULATOR_CPU:
    case MIGSIM_IMPORT_CHAMPSIM:
        return MIGSIM_TIME_GAP_INSNS;
    default:
        return MIGSIM_TIME_NONE;
    }
}

/* ---- errors --------------------------------------------------------------- */

int imp_err(const imp_t *im, int code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (im->binary)
        return migsim_error(code, "%s: record %" PRIu64 ": %s", im->path,
                            im->rep->lines ? im->rep->lines - 1 : 0, msg);
    return migsim_error(code, "%s:%" PRIu64 ": %s", im->path, im->rep->lines, msg);
}

/* ---- input stream ----------------------------------------------------------- */

static const unsigned char imp_xz_magic[6] = {0xFD, '7', 'z', 'X', 'Z', 0x00};

static int imp_in_open(imp_t *im)
{
    imp_in_t *in = &im->in;
    memset(in, 0, sizeof *in);
    FILE *f = fopen(im->path, "rb");
    if (!f)
        return migsim_error(MIGSIM_EIO, "%s: cannot open: %s", im->path, strerror(errno));
    unsigned char m[6];
    size_t n = fread(m, 1, sizeof m, f);
    if (n == sizeof m && memcmp(m, imp_xz_magic, sizeof m) == 0) {
        lzma_stream init = LZMA_STREAM_INIT;
        lzma_stream *xz = malloc(sizeof *xz);
        in->xzbuf = malloc(IMP_XZBUF);
        if (!xz || !in->xzbuf) {
            free(xz);
            free(in->xzbuf);
            in->xzbuf = NULL;
            fclose(f);
            return migsim_error(MIGSIM_ENOMEM, "%s: out of memory", im->path);
        }
        *xz = init;
        if (lzma_stream_decoder(xz, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
            free(xz);
            free(in->xzbuf);
            in->xzbuf = NULL;
            fclose(f);
            return migsim_error(MIGSIM_ENOMEM, "%s: cannot start the xz decoder", im->path);
        }
        rewind(f);
        in->f = f;
        in->xz = xz;
        return 0;
    }
    fclose(f);
    gzFile gz = gzopen(im->path, "rb");
    if (!gz)
        return migsim_error(MIGSIM_EIO, "%s: cannot open: %s", im->path,
                            errno ? strerror(errno) : "out of memory");
    gzbuffer(gz, 256u << 10);
    in->gz = gz;
    return 0;
}

/* Close the input; rc is the pass's result so far. A gzip stream that
 * turns out truncated at close is reported if nothing else was. */
static int imp_in_close(imp_t *im, int rc)
{
    imp_in_t *in = &im->in;
    if (in->gz) {
        int crc = gzclose_r((gzFile)in->gz);
        if (!rc && crc != Z_OK)
            rc = crc == Z_BUF_ERROR
                     ? migsim_error(MIGSIM_ETRUNC, "%s: gzip stream ends early: truncated",
                                    im->path)
                     : migsim_error(MIGSIM_EIO, "%s: close failed (zlib %d)", im->path, crc);
    }
    if (in->xz) {
        lzma_end((lzma_stream *)in->xz);
        free(in->xz);
    }
    if (in->f)
        fclose(in->f);
    free(in->xzbuf);
    memset(in, 0, sizeof *in);
    return rc;
}

/* After gzread() returned n <= 0: 0 at a clean end, else the error. */
static int imp_gz_status(gzFile gz, const char *path, int n)
{
    int zerr = Z_OK;
    const char *msg = gzerror(gz, &zerr);
    if (n < 0 && zerr == Z_ERRNO)
        return migsim_error(MIGSIM_EIO, "%s: read error: %s", path, strerror(errno));
    if (zerr == Z_BUF_ERROR)
        return migsim_error(MIGSIM_ETRUNC, "%s: gzip stream ends early (%s): truncated", path,
                            msg);
    if (zerr != Z_OK || n < 0)
        return migsim_error(MIGSIM_EFORMAT, "%s: corrupt gzip stream (%s)", path, msg);
    return 0;
}

int imp_in_read(imp_t *im, void *buf, size_t n, size_t *got)
{
    imp_in_t *in = &im->in;
    *got = 0;
    if (in->done || n == 0)
        return 0;
    if (in->gz) {
        if (n > (1u << 30))
            n = 1u << 30;
        int r = gzread((gzFile)in->gz, buf, (unsigned)n);
        if (r <= 0) {
            int rc = imp_gz_status((gzFile)in->gz, im->path, r);
            if (rc)
                return rc;
            in->done = 1;
            return 0;
        }
        *got = (size_t)r;
        return 0;
    }
    lzma_stream *xz = in->xz;
    xz->next_out = buf;
    xz->avail_out = n;
    while (xz->avail_out == n) {
        if (xz->avail_in == 0 && !in->xz_eof) {
            size_t r = fread(in->xzbuf, 1, IMP_XZBUF, in->f);
            if (r == 0) {
                if (ferror(in->f))
                    return migsim_error(MIGSIM_EIO, "%s: read error: %s", im->path,
                                        strerror(errno));
                in->xz_eof = 1;
            }
            xz->next_in = in->xzbuf;
            xz->avail_in = r;
        }
        lzma_ret lr = lzma_code(xz, in->xz_eof ? LZMA_FINISH : LZMA_RUN);
        if (lr == LZMA_STREAM_END) {
            in->done = 1;
            break;
        }
        if (lr == LZMA_BUF_ERROR && in->xz_eof)
            return migsim_error(MIGSIM_ETRUNC, "%s: xz stream ends early: truncated", im->path);
        if (lr == LZMA_MEM_ERROR)
            return migsim_error(MIGSIM_ENOMEM, "%s: out of memory in the xz decoder", im->path);
        if (lr != LZMA_OK)
            return migsim_error(MIGSIM_EFORMAT, "%s: corrupt xz stream (liblzma error %d)",
                                im->path, (int)lr);
    }
    *got = n - xz->avail_out;
    return 0;
}

/* ---- placement and emission ---------------------------------------------- */

static uint64_t imp_hash(uint64_t k)
{
    k *= 0x9e3779b97f4a7c15ull;
    return k ^ (k >> 31);
}

static void imp_pmap_free(imp_pmap_t *pm)
{
    free(pm->key);
    free(pm->val);
    memset(pm, 0, sizeof *pm);
}

static int imp_pmap_grow(imp_t *im)
{
    imp_pmap_t *pm = &im->pm;
    uint64_t ncap = pm->cap ? pm->cap * 2 : 4096;
    uint64_t *nk = calloc(ncap, sizeof *nk), *nv = malloc(ncap * sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return imp_err(im, MIGSIM_ENOMEM, "out of memory for the page map (%" PRIu64 " slots)",
                       ncap);
    }
    for (uint64_t i = 0; i < pm->cap; i++) {
        uint64_t k = pm->key[i];
        if (!k)
            continue;
        uint64_t h = imp_hash(k) & (ncap - 1);
        while (nk[h])
            h = (h + 1) & (ncap - 1);
        nk[h] = k;
        nv[h] = pm->val[i];
    }
    free(pm->key);
    free(pm->val);
    pm->key = nk;
    pm->val = nv;
    pm->cap = ncap;
    return 0;
}

/* Dense index of `page`, adding it in first-touch order. */
static int imp_fold_page(imp_t *im, uint64_t page, uint64_t *out)
{
    imp_pmap_t *pm = &im->pm;
    uint64_t k = page + 1; /* page <= 2^52, never wraps */
    if (pm->last_page == k) {
        *out = pm->last_val;
        return 0;
    }
    if (pm->n * 2 >= pm->cap) {
        int rc = imp_pmap_grow(im);
        if (rc)
            return rc;
    }
    uint64_t h = imp_hash(k) & (pm->cap - 1);
    while (pm->key[h] && pm->key[h] != k)
        h = (h + 1) & (pm->cap - 1);
    if (!pm->key[h]) {
        uint64_t region_pages = im->o.region_bytes >> IMP_PAGE_SHIFT;
        if (pm->n >= region_pages || pm->n >= MIGSIM_IMPORT_FOLD_MAX_PAGES)
            return imp_err(im, MIGSIM_ERANGE,
                           "fold: page 0x%" PRIx64 " is distinct page %" PRIu64
                           ", beyond the %s of %" PRIu64 " pages",
                           page << IMP_PAGE_SHIFT, pm->n + 1,
                           pm->n >= region_pages ? "region" : "fold limit",
                           pm->n >= region_pages ? region_pages
                                                 : (uint64_t)MIGSIM_IMPORT_FOLD_MAX_PAGES);
        pm->key[h] = k;
        pm->val[h] = pm->n++;
        im->rep->pages = pm->n;
    }
    pm->last_page = k;
    pm->last_val = pm->val[h];
    *out = pm->val[h];
    return 0;
}

static int imp_put(imp_t *im, const migsim_trace_rec_t *rec)
{
    migsim_trace_rec_t shifted;
    if (im->o.rebase_time) {
        if (!im->have_first) {
            im->have_first = 1;
            im->first_time = rec->time;
        }
        if (rec->time < im->first_time)
            return imp_err(im, MIGSIM_EFORMAT, "time %" PRIu64 " ps is before the first record's "
                           "(%" PRIu64 " ps)", rec->time, im->first_time);
        if (rec->time - im->first_time > UINT64_MAX - im->o.start_ps)
            return imp_err(im, MIGSIM_ERANGE, "time %" PRIu64 " ps shifted to start at %" PRIu64
                           " ps overflows 64 bits", rec->time, im->o.start_ps);
        shifted = *rec;
        shifted.time = im->o.start_ps + (rec->time - im->first_time);
        rec = &shifted;
    }
    int rc = migsim_trace_put(im->w, rec);
    if (rc)
        return rc;
    im->rep->records++;
    if (rec->op == MIGSIM_OP_READ)
        im->rep->reads++;
    else
        im->rep->writes++;
    return 0;
}

int imp_emit(imp_t *im, migsim_trace_rec_t *rec)
{
    if (rec->size == 0 || rec->size > MIGSIM_TRACE_MAX_SIZE)
        return imp_err(im, MIGSIM_ERANGE, "access size %" PRIu32 " out of range (1..%u)",
                       rec->size, MIGSIM_TRACE_MAX_SIZE);
    if (im->scan) {
        if (rec->addr < im->amin)
            im->amin = rec->addr;
        if (rec->addr > im->amax)
            im->amax = rec->addr;
        im->rep->records++;
        return 0;
    }
    switch (im->o.place) {
    case MIGSIM_PLACE_FOLD: {
        /* one record per 4 KiB page the access touches */
        uint64_t a = rec->addr, left = rec->size;
        migsim_trace_rec_t piece = *rec;
        while (left) {
            uint64_t in_page = 4096 - (a & 4095), n = left < in_page ? left : in_page, idx = 0;
            int rc = imp_fold_page(im, a >> IMP_PAGE_SHIFT, &idx);
            if (rc)
                return rc;
            piece.addr = im->o.region_base + (idx << IMP_PAGE_SHIFT) + (a & 4095);
            piece.size = (uint32_t)n;
            if ((rc = imp_put(im, &piece)) != 0)
                return rc;
            if (migsim_trace_writer_time_mode(im->w) != MIGSIM_TIME_ABS_PS)
                piece.time = 0; /* the pieces after the first follow at once */
            left -= n;
            if (a + n < a) /* wrapped past 2^64: the rest is not addressable */
                break;
            a += n;
        }
        return 0;
    }
    case MIGSIM_PLACE_SCALE: {
        uint64_t lmin = im->amin >> IMP_LINE_SHIFT, lmax = im->amax >> IMP_LINE_SHIFT;
        uint64_t lines = im->o.region_bytes >> IMP_LINE_SHIFT, l = rec->addr >> IMP_LINE_SHIFT;
        uint64_t nl = 0;
        if (lmax > lmin)
            nl = (uint64_t)((unsigned __int128)(l - lmin) * (lines - 1) / (lmax - lmin));
        migsim_trace_rec_t r = *rec;
        r.addr = im->o.region_base + (nl << IMP_LINE_SHIFT) + (rec->addr & 63);
        return imp_put(im, &r);
    }
    default:
        return imp_put(im, rec);
    }
}
/* ---- number and token parsing ------------------------------------------ */

enum { NUM_OK = 0, NUM_BAD = -1, NUM_OVERFLOW = -2 };

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Hex digits with an optional 0x/0X prefix, at least one digit. */
static int parse_hex(const char *s, size_t n, uint64_t *out)
{
    if (n >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
        s += 2;
        n -= 2;
    }
    if (n == 0)
        return NUM_BAD;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = hexval((unsigned char)s[i]);
        if (d < 0)
            return NUM_BAD;
        if (v >> 60)
            return NUM_OVERFLOW;
        v = (v << 4) | (uint64_t)d;
    }
    *out = v;
    return NUM_OK;
}

static int parse_dec(const char *s, size_t n, uint64_t *out)
{
    if (n == 0)
        return NUM_BAD;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9)
            return NUM_BAD;
        if (v > (UINT64_MAX - d) / 10)
            return NUM_OVERFLOW;
        v = v * 10 + d;
    }
    *out = v;
    return NUM_OK;
}

/* "0x..." is hex, anything else decimal (Ramulator parses with base 0). */
static int parse_addr_auto(const char *s, size_t n, uint64_t *out)
{
    if (n >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x')
        return parse_hex(s, n, out);
    return parse_dec(s, n, out);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Split [p, end) into up to `max` whitespace-separated tokens; returns the
 * number found, or max + 1 if there are more. */
static int tokenize(const char *p, const char *end, const char **tok, size_t *len, int max)
{
    int n = 0;
    for (;;) {
        while (p < end && is_blank(*p))
            p++;
        if (p == end)
            return n;
        if (n == max)
            return max + 1;
        tok[n] = p;
        while (p < end && !is_blank(*p))
            p++;
        len[n] = (size_t)(p - tok[n]);
        n++;
    }
}

static int tok_is(const char *t, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n == l && memcmp(t, lit, l) == 0;
}


/* ---- DRAMSim3 and Ramulator (DRAM and load/store modes) -------------------- */

/* Short quoted excerpt of a token for messages. */
#define TOKF "'%.*s'"
#define TOKA(t, n) (int)((n) > 40 ? 40 : (n)), (t)

static int num_error(const imp_t *im, int nrc, const char *what, const char *t, size_t n)
{
    if (nrc == NUM_OVERFLOW)
        return imp_err(im, MIGSIM_ERANGE, "%s " TOKF " does not fit in 64 bits", what,
                       TOKA(t, n));
    return imp_err(im, MIGSIM_EFORMAT, "bad %s " TOKF, what, TOKA(t, n));
}

static void imp_rec_init(const imp_t *im, migsim_trace_rec_t *rec)
{
    rec->time = 0;
    rec->addr = 0;
    rec->size = im->o.size_bytes;
    rec->op = MIGSIM_OP_READ;
    rec->src_kind = im->o.src_kind;
    rec->src_idx = im->o.src_idx;
}

static int line_dramsim3(imp_t *im, const char *p, const char *end)
{
    const char *t[3];
    size_t tl[3];
    int nt = tokenize(p, end, t, tl, 3), nrc;
    migsim_trace_rec_t rec;
    imp_rec_init(im, &rec);
    if (nt != 3)
        return imp_err(im, MIGSIM_EFORMAT, "expected 'ADDR READ|WRITE CYCLE', found %s fields",
                       nt > 3 ? "more than 3" : nt == 2 ? "2" : "1");
    if ((nrc = parse_hex(t[0], tl[0], &rec.addr)) != NUM_OK)
        return num_error(im, nrc, "hex address", t[0], tl[0]);
    if (tok_is(t[1], tl[1], "READ"))
        rec.op = MIGSIM_OP_READ;
    else if (tok_is(t[1], tl[1], "WRITE"))
        rec.op = MIGSIM_OP_WRITE;
    else
        return imp_err(im, MIGSIM_EFORMAT, "unknown op " TOKF " (expected READ or WRITE)",
                       TOKA(t[1], tl[1]));
    uint64_t cyc;
    if ((nrc = parse_dec(t[2], tl[2], &cyc)) != NUM_OK)
        return num_error(im, nrc, "cycle", t[2], tl[2]);
    if (im->prev_line && cyc < im->prev_cycle)
        return imp_err(im, MIGSIM_EFORMAT,
                       "cycle %" PRIu64 " goes backwards (line %" PRIu64 " had cycle %" PRIu64
                       ")", cyc, im->prev_line, im->prev_cycle);
    if (cyc != 0 && im->o.clock_ps > UINT64_MAX / cyc)
        return imp_err(im, MIGSIM_ERANGE,
                       "cycle %" PRIu64 " * clock %" PRIu64 " ps overflows the 64-bit ps time axis",
                       cyc, im->o.clock_ps);
    rec.time = cyc * im->o.clock_ps;
    im->prev_cycle = cyc;
    im->prev_line = im->rep->lines;
    return imp_emit(im, &rec);
}

static int line_ramulator(imp_t *im, const char *p, const char *end)
{
    const char *t[2];
    size_t tl[2];
    int nt = tokenize(p, end, t, tl, 2), nrc;
    migsim_trace_rec_t rec;
    imp_rec_init(im, &rec);
    if (nt != 2)
        return imp_err(im, MIGSIM_EFORMAT, "expected 'ADDR R|W' or 'LD|ST ADDR', found %s fields",
                       nt > 2 ? "more than 2" : "1");
    const char *at;
    size_t al;
    if (tok_is(t[0], tl[0], "LD") || tok_is(t[0], tl[0], "ST")) {
        rec.op = t[0][0] == 'L' ? MIGSIM_OP_READ : MIGSIM_OP_WRITE;
        at = t[1];
        al = tl[1];
    } else {
        if (tok_is(t[1], tl[1], "R"))
            rec.op = MIGSIM_OP_READ;
        else if (tok_is(t[1], tl[1], "W"))
            rec.op = MIGSIM_OP_WRITE;
        else
            return imp_err(im, MIGSIM_EFORMAT, "unknown op " TOKF
                           " (expected R or W after the address, or LD/ST before it)",
                           TOKA(t[1], tl[1]));
        at = t[0];
        al = tl[0];
    }
    if ((nrc = parse_addr_auto(at, al, &rec.addr)) != NUM_OK)
        return num_error(im, nrc, "address", at, al);
    return imp_emit(im, &rec);
}

/* ---- Ramulator CPU mode ------------------------------------------------------ */

/* "BUBBLES READADDR [WRITEBACKADDR]": the read gets gap BUBBLES, the
 * writeback (if any) is a write right after it (gap 0). */
static int line_ramulator_cpu(imp_t *im, const char *p, const char *end)
{
    const char *t[3];
    size_t tl[3];
    int nt = tokenize(p, end, t, tl, 3), nrc;
    if (nt < 2 || nt > 3)
        return imp_err(im, MIGSIM_EFORMAT,
                       "expected 'BUBBLES READADDR [WRITEBACKADDR]', found %s fields",
                       nt > 3 ? "more than 3" : "1");
    uint64_t bubbles;
    if ((nrc = parse_dec(t[0], tl[0], &bubbles)) != NUM_OK)
        return num_error(im, nrc, "bubble count", t[0], tl[0]);
    migsim_trace_rec_t rec;
    imp_rec_init(im, &rec);
    if ((nrc = parse_addr_auto(t[1], tl[1], &rec.addr)) != NUM_OK)
        return num_error(im, nrc, "read address", t[1], tl[1]);
    uint64_t wb = 0;
    if (nt == 3 && (nrc = parse_addr_auto(t[2], tl[2], &wb)) != NUM_OK)
        return num_error(im, nrc, "writeback address", t[2], tl[2]);
    rec.time = bubbles;
    im->rep->insns += bubbles + 1;
    int rc = imp_emit(im, &rec);
    if (rc || nt == 2)
        return rc;
    rec.time = 0;
    rec.addr = wb;
    rec.op = MIGSIM_OP_WRITE;
    return imp_emit(im, &rec);
}

/* ---- valgrind lackey ----------------------------------------------------------- */

/* "I  ADDR,SIZE" or " L|S|M ADDR,SIZE". Every I line counts one instruction;
 * each record's gap is the number of I lines since the previous record. */
static int line_lackey(imp_t *im, const char *p, const char *end)
{
    const char *s = p;
    while (s < end && *s == ' ')
        s++;
    if (s == end)
        return imp_err(im, MIGSIM_EFORMAT, "expected 'I|L|S|M ADDR,SIZE'");
    char kind = *s++;
    if (kind != 'I' && kind != 'L' && kind != 'S' && kind != 'M')
        return imp_err(im, MIGSIM_EFORMAT, "unknown lackey record " TOKF
                       " (expected I, L, S or M)", TOKA(p, (size_t)(end - p)));
    if (s == end || *s != ' ')
        return imp_err(im, MIGSIM_EFORMAT, "expected a blank after '%c'", kind);
    while (s < end && *s == ' ')
        s++;
    /* hex address up to ',' */
    const char *a = s;
    uint64_t addr = 0;
    int d;
    while (s < end && (d = hexval((unsigned char)*s)) >= 0) {
        if (addr >> 60)
            return imp_err(im, MIGSIM_ERANGE, "address " TOKF " does not fit in 64 bits",
                           TOKA(a, (size_t)(end - a)));
        addr = (addr << 4) | (uint64_t)d;
        s++;
    }
    if (s == a || s == end || *s != ',')
        return imp_err(im, MIGSIM_EFORMAT, "bad address " TOKF " (expected HEXADDR,SIZE)",
                       TOKA(a, (size_t)(end - a)));
    s++;
    const char *z = s;
    uint64_t size = 0;
    while (s < end && (unsigned)(*s - '0') <= 9) {
        if (size > MIGSIM_TRACE_MAX_SIZE)
            break;
        size = size * 10 + (uint64_t)(*s - '0');
        s++;
    }
    if (s == z)
        return imp_err(im, MIGSIM_EFORMAT, "bad size " TOKF, TOKA(z, (size_t)(end - z)));
    while (s < end && (unsigned)(*s - '0') <= 9) /* skip digits of a size already too big */
        s++;
    while (s < end && is_blank(*s))
        s++;
    if (s != end)
        return imp_err(im, MIGSIM_EFORMAT, "unexpected text after the size: " TOKF,
                       TOKA(s, (size_t)(end - s)));
    if (size == 0 || size > MIGSIM_TRACE_MAX_SIZE)
        return imp_err(im, MIGSIM_ERANGE, "access size " TOKF " out of range (1..%u)",
                       TOKA(z, (size_t)(s - z)), MIGSIM_TRACE_MAX_SIZE);
    migsim_trace_rec_t rec;
    rec.addr = addr;
    rec.size = (uint32_t)size;
    rec.src_kind = im->o.src_kind;
    rec.src_idx = im->o.src_idx;
    if (kind == 'I') {
        im->rep->insns++;
        im->pend_insns++;
        if (!im->o.keep_insns) {
            imp_skip(im, MIGSIM_SKIP_INSN);
            return 0;
        }
        rec.op = MIGSIM_OP_READ;
    } else {
        rec.op = kind == 'S' ? MIGSIM_OP_WRITE : MIGSIM_OP_READ;
    }
    rec.time = im->pend_insns;
    im->pend_insns = 0;
    int rc = imp_emit(im, &rec);
    if (rc || kind != 'M')
        return rc;
    rec.op = MIGSIM_OP_WRITE;
    rec.time = 0;
    return imp_emit(im, &rec);
}

/* ---- DMA events: shared helpers ------------------------------------------------ */

/* Decimal seconds "S.FFFFFF" -> whole seconds and ps (up to 12 fraction
 * digits). */
static int parse_secs(const char *s, size_t n, uint64_t *sec, uint64_t *frac_ps)
{
    const char *dot = memchr(s, '.', n);
    size_t il = dot ? (size_t)(dot - s) : n;
    uint64_t frac = 0;
    int nrc = parse_dec(s, il, sec);
    if (nrc != NUM_OK)
        return nrc;
    if (dot) {
        size_t fl = n - il - 1;
        if (fl == 0 || fl > 12)
            return NUM_BAD;
        if (parse_dec(dot + 1, fl, &frac) != NUM_OK)
            return NUM_BAD;
        for (size_t i = fl; i < 12; i++)
            frac *= 10;
    }
    *frac_ps = frac;
    return NUM_OK;
}

/* Time of a stamp in ps since the file's first stamp (which becomes 0), so
 * that wall-clock stamps (seconds since 1970) fit the 64-bit ps axis. */
static int imp_stamp(imp_t *im, const char *s, size_t n, uint64_t *out)
{
    uint64_t sec, frac;
    int nrc = parse_secs(s, n, &sec, &frac);
    if (nrc != NUM_OK)
        return num_error(im, nrc, "timestamp", s, n);
    if (!im->have_t0) {
        im->have_t0 = 1;
        im->t0_sec = sec;
        im->t0_frac = frac;
    }
    if (sec < im->t0_sec || (sec == im->t0_sec && frac < im->t0_frac))
        return imp_err(im, MIGSIM_EFORMAT, "timestamp " TOKF " is before the first one",
                       TOKA(s, n));
    uint64_t ds = sec - im->t0_sec;
    if (ds > UINT64_MAX / 1000000000000ull - 1)
        return imp_err(im, MIGSIM_ERANGE, "timestamp " TOKF " is too far after the first one",
                       TOKA(s, n));
    *out = ds * 1000000000000ull + frac - im->t0_frac;
    return 0;
}

/* Value of "key=VALUE" (or "key VALUE" when sep is ' ') among the tokens
 * of [p, end): VALUE runs to the next blank or comma. */
static int find_kv(const char *p, const char *end, const char *key, char sep, const char **v,
                   size_t *vl)
{
    size_t kl = strlen(key);
    for (const char *s = p; s + kl < end; s++) {
        if ((s == p || is_blank(s[-1]) || s[-1] == ',') && memcmp(s, key, kl) == 0 &&
            s[kl] == sep) {
            const char *b = s + kl + 1;
            while (sep == ' ' && b < end && is_blank(*b))
                b++;
            const char *e = b;
            while (e < end && !is_blank(*e) && *e != ',')
                e++;
            *v = b;
            *vl = (size_t)(e - b);
            return 1;
        }
    }
    return 0;
}

/* Emit a DMA transfer of `len` bytes at `iova` as line-sized records
 * (opts.size_bytes) cut at line boundaries, all at time `t_ps`. */
static int imp_dma(imp_t *im, uint64_t t_ps, uint64_t iova, uint64_t len, int op, uint16_t dev)
{
    if (len == 0 || len > IMP_DMA_MAX)
        return imp_err(im, MIGSIM_ERANGE, "transfer length %" PRIu64 " out of range (1..%" PRIu64
                       ")", len, IMP_DMA_MAX);
    if (iova + (len - 1) < iova)
        return imp_err(im, MIGSIM_ERANGE,
                       "transfer 0x%" PRIx64 " + %" PRIu64 " bytes runs past 2^64", iova, len);
    if (im->have_time && t_ps < im->last_time)
        return imp_err(im, MIGSIM_EFORMAT,
                       "time %" PRIu64 " ps goes backwards (previous event at %" PRIu64 " ps)",
                       t_ps, im->last_time);
    im->have_time = 1;
    im->last_time = t_ps;
    uint64_t line = im->o.size_bytes;
    migsim_trace_rec_t rec;
    rec.time = t_ps;
    rec.op = (uint8_t)op;
    rec.src_kind = MIGSIM_SRC_DMA;
    rec.src_idx = dev;
    uint64_t a = iova, left = len;
    while (left) {
        uint64_t room = line - (a % line), n = left < room ? left : room;
        rec.addr = a;
        rec.size = (uint32_t)n;
        int rc = imp_emit(im, &rec);
        if (rc)
            return rc;
        left -= n;
        a += n;
    }
    return 0;
}

/* Direction-less event: op per opts.dma_dir; -1 = skip. */
static int imp_default_dir(const imp_t *im)
{
    switch (im->o.dma_dir) {
    case MIGSIM_DMA_DIR_READ: return MIGSIM_OP_READ;
    case MIGSIM_DMA_DIR_SKIP: return -1;
    default: return MIGSIM_OP_WRITE;
    }
}

static int kv_num(imp_t *im, const char *p, const char *end, const char *key, char sep, int hex,
                  uint64_t *out)
{
    const char *v;
    size_t vl;
    if (!find_kv(p, end, key, sep, &v, &vl))
        return imp_err(im, MIGSIM_EFORMAT, "event has no '%s' field", key);
    int nrc = hex ? parse_hex(v, vl, out) : parse_addr_auto(v, vl, out);
    if (nrc != NUM_OK)
        return num_error(im, nrc, key, v, vl);
    return 0;
}

/* ---- Linux ftrace ----------------------------------------------------------------- */

/* Device ordinal of a device name, in first-appearance order. */
static int imp_dev(imp_t *im, const char *n, size_t l, uint16_t *out)
{
    if (l >= sizeof im->dev_name[0])
        l = sizeof im->dev_name[0] - 1;
    for (unsigned i = 0; i < im->ndev; i++)
        if (strncmp(im->dev_name[i], n, l) == 0 && im->dev_name[i][l] == '\0') {
            *out = (uint16_t)(im->o.src_idx + i);
            return 0;
        }
    if (im->ndev == sizeof im->dev_name / sizeof im->dev_name[0])
        return imp_err(im, MIGSIM_ERANGE, "more than %u distinct devices",
                       (unsigned)(sizeof im->dev_name / sizeof im->dev_name[0]));
    memcpy(im->dev_name[im->ndev], n, l);
    im->dev_name[im->ndev][l] = '\0';
    *out = (uint16_t)(im->o.src_idx + im->ndev++);
    return 0;
}

/* "  TASK-PID  [CPU] FLAGS  SECS.USECS: EVENT: ARGS". The timestamp is the
 * first token of the form DIGITS.DIGITS: (task names may hold blanks). */
static int line_ftrace(imp_t *im, const char *p, const char *end)
{
    const char *s = p, *ts = NULL;
    size_t tsl = 0;
    while (s < end) {
        while (s < end && is_blank(*s))
            s++;
        const char *b = s;
        while (s < end && !is_blank(*s))
            s++;
        size_t l = (size_t)(s - b);
        if (l >= 4 && b[l - 1] == ':' && (unsigned)(b[0] - '0') <= 9 &&
            memchr(b, '.', l) != NULL) {
            size_t i = 0;
            while (i < l - 1 && ((unsigned)(b[i] - '0') <= 9 || b[i] == '.'))
                i++;
            if (i == l - 1) {
                ts = b;
                tsl = l - 1;
                break;
            }
        }
    }
    if (!ts && end - p >= 4 && memcmp(p, "CPU:", 4) == 0) {
        imp_skip(im, MIGSIM_SKIP_EVENT); /* "CPU:3 [LOST 12 EVENTS]" */
        return 0;
    }
    if (!ts)
        return imp_err(im, MIGSIM_EFORMAT, "no 'SECONDS.FRACTION:' timestamp in " TOKF,
                       TOKA(p, (size_t)(end - p)));
    while (s < end && is_blank(*s))
        s++;
    const char *ev = s;
    while (s < end && *s != ':' && !is_blank(*s))
        s++;
    if (s == end || *s != ':' || s == ev)
        return imp_err(im, MIGSIM_EFORMAT, "no 'EVENT:' after the timestamp");
    size_t evl = (size_t)(s - ev);
    const char *args = s + 1;
    uint64_t t, iova, len;
    int rc = imp_stamp(im, ts, tsl, &t);
    if (rc)
        return rc;
    if (tok_is(ev, evl, "iommu_map")) {
        int op = imp_default_dir(im);
        if (op < 0) {
            imp_skip(im, MIGSIM_SKIP_EVENT);
            return 0;
        }
        if ((rc = kv_num(im, args, end, "iova", '=', 1, &iova)) != 0 ||
            (rc = kv_num(im, args, end, "size", '=', 0, &len)) != 0)
            return rc;
        return imp_dma(im, t, iova, len, op, im->o.src_idx);
    }
    if (tok_is(ev, evl, "dma_map_page") || tok_is(ev, evl, "dma_map_resource")) {
        const char *v;
        size_t vl;
        if (!find_kv(args, end, "dir", '=', &v, &vl))
            return imp_err(im, MIGSIM_EFORMAT, "event has no 'dir' field");
        int op;
        if (tok_is(v, vl, "TO_DEVICE") || tok_is(v, vl, "DMA_TO_DEVICE"))
            op = MIGSIM_OP_READ;
        else if (tok_is(v, vl, "FROM_DEVICE") || tok_is(v, vl, "DMA_FROM_DEVICE"))
            op = MIGSIM_OP_WRITE;
        else if (tok_is(v, vl, "BIDIRECTIONAL") || tok_is(v, vl, "DMA_BIDIRECTIONAL"))
            op = imp_default_dir(im);
        else
            op = -1; /* NONE */
        if (op < 0) {
            imp_skip(im, MIGSIM_SKIP_EVENT);
            return 0;
        }
        if ((rc = kv_num(im, args, end, "dma_addr", '=', 1, &iova)) != 0 ||
            (rc = kv_num(im, args, end, "size", '=', 0, &len)) != 0)
            return rc;
        /* the device name is the first argument */
        const char *d = args;
        while (d < end && is_blank(*d))
            d++;
        const char *de = d;
        while (de < end && !is_blank(*de))
            de++;
        uint16_t dev = 0;
        if ((rc = imp_dev(im, d, (size_t)(de - d), &dev)) != 0)
            return rc;
        return imp_dma(im, t, iova, len, op, dev);
    }
    imp_skip(im, MIGSIM_SKIP_EVENT);
    return 0;
}

/* ---- QEMU -trace log ----------------------------------------------------------------- */

/* "[PID@SECS.USECS:]EVENT ARGS" (log backend; the prefix with -msg
 * timestamp=on or by default in recent versions). */
static int line_qemu(imp_t *im, const char *p, const char *end)
{
    const char *s = p;
    uint64_t t = im->have_time ? im->last_time : 0;
    const char *at = memchr(p, '@', (size_t)(end - p));
    const char *colon = at ? memchr(at, ':', (size_t)(end - at)) : NULL;
    if (at && colon) {
        int stamp = 1;
        for (const char *q = s; q < at; q++)
            stamp &= (unsigned)(*q - '0') <= 9;
        if (stamp && at > s) {
            int rc = imp_stamp(im, at + 1, (size_t)(colon - at - 1), &t);
            if (rc)
                return rc;
            s = colon + 1;
        }
    }
    while (s < end && is_blank(*s))
        s++;
    const char *ev = s;
    while (s < end && !is_blank(*s))
        s++;
    size_t evl = (size_t)(s - ev);
    const char *args = s;
    uint64_t iova, len, sid;
    int rc;
    if (tok_is(ev, evl, "pci_nvme_read") || tok_is(ev, evl, "pci_nvme_write")) {
        /* an NVMe read makes the device write host memory, and back */
        im->qemu_dir = ev[9] == 'r' ? MIGSIM_OP_WRITE : MIGSIM_OP_READ;
        imp_skip(im, MIGSIM_SKIP_EVENT);
        return 0;
    }
    if (tok_is(ev, evl, "pci_nvme_map_addr")) {
        int op = im->qemu_dir >= 0 ? im->qemu_dir : imp_default_dir(im);
        if (op < 0) {
            imp_skip(im, MIGSIM_SKIP_EVENT);
            return 0;
        }
        if ((rc = kv_num(im, args, end, "addr", ' ', 0, &iova)) != 0 ||
            (rc = kv_num(im, args, end, "len", ' ', 0, &len)) != 0)
            return rc;
        return imp_dma(im, t, iova, len, op, im->o.src_idx);
    }
    if (tok_is(ev, evl, "e1000e_rx_descr")) {
        /* "Next RX descriptor: ring #R, PA: 0xADDR, length: N": the device
         * reads the descriptor */
        if ((rc = kv_num(im, args, end, "PA:", ' ', 0, &iova)) != 0 ||
            (rc = kv_num(im, args, end, "length:", ' ', 0, &len)) != 0)
            return rc;
        return imp_dma(im, t, iova, len, MIGSIM_OP_READ, im->o.src_idx);
    }
    if (tok_is(ev, evl, "e1000e_rx_desc_buff_write")) {
        /* "... addr: 0xADDR, offset: O, ... length: N": packet data written
         * into the receive buffer at ADDR + O */
        uint64_t off = 0;
        const char *v;
        size_t vl;
        if ((rc = kv_num(im, args, end, "addr:", ' ', 0, &iova)) != 0 ||
            (rc = kv_num(im, args, end, "length:", ' ', 0, &len)) != 0)
            return rc;
        if (find_kv(args, end, "offset:", ' ', &v, &vl) &&
            (rc = kv_num(im, args, end, "offset:", ' ', 0, &off)) != 0)
            return rc;
        if (iova + off < iova)
            return imp_err(im, MIGSIM_ERANGE, "addr + offset runs past 2^64");
        return imp_dma(im, t, iova + off, len, MIGSIM_OP_WRITE, im->o.src_idx);
    }
    if (tok_is(ev, evl, "vtd_iotlb_page_hit") || tok_is(ev, evl, "vtd_iotlb_page_update")) {
        int op = imp_default_dir(im);
        if (op < 0) {
            imp_skip(im, MIGSIM_SKIP_EVENT);
            return 0;
        }
        if ((rc = kv_num(im, args, end, "sid", ' ', 0, &sid)) != 0 ||
            (rc = kv_num(im, args, end, "iova", ' ', 0, &iova)) != 0)
            return rc;
        if (sid > UINT16_MAX)
            return imp_err(im, MIGSIM_ERANGE, "sid 0x%" PRIx64 " above 0xffff", sid);
        return imp_dma(im, t, iova, im->o.size_bytes, op, (uint16_t)sid);
    }
    imp_skip(im, MIGSIM_SKIP_EVENT);
    return 0;
}

/* ---- the text loop ----------------------------------------------------------------- */

typedef int (*imp_line_fn)(imp_t *im, const char *p, const char *end);

static int imp_line(imp_t *im, imp_line_fn fn, const char *p, const char *end)
{
    im->rep->lines++;
    if (end > p && end[-1] == '\r')
        end--;
    const char *s = p;
    while (s < end && is_blank(*s))
        s++;
    if (s == end) {
        imp_skip(im, MIGSIM_SKIP_BLANK);
        return 0;
    }
    if (*s == '#') {
        imp_skip(im, MIGSIM_SKIP_COMMENT);
        return 0;
    }
    if (im->fmt == MIGSIM_IMPORT_LACKEY && p[0] == '=' && end - p >= 2 && p[1] == '=') {
        imp_skip(im, MIGSIM_SKIP_TOOL);
        return 0;
    }
    return fn(im, p, end);
}

static int imp_text_run(imp_t *im, imp_line_fn fn)
{
    char *buf = malloc(IMP_CHUNK);
    if (!buf)
        return migsim_error(MIGSIM_ENOMEM, "%s: out of memory", im->path);
    size_t have = 0; /* bytes in buf, starting at a line start */
    int eof = 0, rc = 0;
    while (!rc) {
        if (!eof) {
            size_t n;
            if ((rc = imp_in_read(im, buf + have, IMP_CHUNK - have, &n)) != 0)
                break;
            if (n == 0)
                eof = 1;
            have += n;
        }
        const char *p = buf, *end = buf + have;
        for (;;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl)
                break;
            if ((rc = imp_line(im, fn, p, nl)) != 0)
                break;
            p = nl + 1;
        }
        if (rc)
            break;
        size_t rest = (size_t)(end - p);
        if (eof) {
            if (rest)
                rc = imp_line(im, fn, p, end);
            break;
        }
        if (rest == IMP_CHUNK) {
            im->rep->lines++;
            rc = imp_err(im, MIGSIM_EFORMAT, "line longer than %u bytes", IMP_CHUNK);
            break;
        }
        memmove(buf, p, rest);
        have = rest;
    }
    free(buf);
    return rc;
}

/* ---- ChampSim ------------------------------------------------------------------------ */

/*
 * input_instr, 64 bytes, little-endian, no padding:
 *   0 ip u64 | 8 is_branch u8 | 9 branch_taken u8 | 10 destination_registers[2]
 *   | 12 source_registers[4] | 16 destination_memory[2] u64 | 32 source_memory[4] u64
 * cloudsuite_instr, 96 bytes: 0 ip | 8 is_branch | 9 branch_taken
 *   | 10 destination_registers[4] | 14 source_registers[4] | 18 padding[6]
 *   | 24 destination_memory[4] u64 | 56 source_memory[4] u64 | 88 asid[2] | 90 padding[6]
 */
#define CS_BATCH 4096u

static int imp_champsim_run(imp_t *im)
{
    const size_t rb = im->o.champsim_cloudsuite ? 96 : 64;
    const unsigned ndst = im->o.champsim_cloudsuite ? 4 : 2, nsrc = 4;
    const size_t dst_off = im->o.champsim_cloudsuite ? 24 : 16;
    const size_t src_off = dst_off + 8 * ndst;
    unsigned char *buf = malloc(rb * CS_BATCH);
    if (!buf)
        return migsim_error(MIGSIM_ENOMEM, "%s: out of memory", im->path);
    size_t have = 0;
    int rc = 0;
    migsim_trace_rec_t rec;
    imp_rec_init(im, &rec);
    for (;;) {
        size_t n;
        if ((rc = imp_in_read(im, buf + have, rb * CS_BATCH - have, &n)) != 0)
            break;
        if (n == 0) {
            if (have) {
                im->rep->lines++;
                rc = imp_err(im, MIGSIM_ETRUNC,
                             "partial record at the end (%zu of %zu bytes): truncated", have, rb);
            }
            break;
        }
        have += n;
        size_t whole = have / rb;
        for (size_t i = 0; i < whole && !rc; i++) {
            const unsigned char *r = buf + i * rb;
            im->rep->lines++;
            im->rep->insns++;
            im->pend_insns++;
            int any = 0;
            for (unsigned k = 0; k < nsrc + ndst && !rc; k++) {
                /* loads first (source_memory), then stores */
                int store = k >= nsrc;
                uint64_t a = store ? trace_get64(r + dst_off + 8 * (k - nsrc))
                                   : trace_get64(r + src_off + 8 * k);
                if (!a)
                    continue;
                rec.addr = a;
                rec.op = store ? MIGSIM_OP_WRITE : MIGSIM_OP_READ;
                rec.time = im->pend_insns;
                im->pend_insns = 0;
                any = 1;
                rc = imp_emit(im, &rec);
            }
            if (!any)
                imp_skip(im, MIGSIM_SKIP_NOMEM);
        }
        if (rc)
            break;
        have -= whole * rb;
        memmove(buf, buf + whole * rb, have);
    }
    free(buf);
    return rc;
}

/* ---- driver --------------------------------------------------------------------------- */

static int imp_pass(imp_t *im)
{
    int rc = imp_in_open(im);
    if (rc)
        return rc;
    im->binary = im->fmt == MIGSIM_IMPORT_CHAMPSIM || im->fmt == MIGSIM_IMPORT_GEM5;
    switch (im->fmt) {
    case MIGSIM_IMPORT_DRAMSIM3: rc = imp_text_run(im, line_dramsim3); break;
    case MIGSIM_IMPORT_RAMULATOR: rc = imp_text_run(im, line_ramulator); break;
    case MIGSIM_IMPORT_LACKEY: rc = imp_text_run(im, line_lackey); break;
    case MIGSIM_IMPORT_RAMULATOR_CPU: rc = imp_text_run(im, line_ramulator_cpu); break;
    case MIGSIM_IMPORT_FTRACE: rc = imp_text_run(im, line_ftrace); break;
    case MIGSIM_IMPORT_QEMU: rc = imp_text_run(im, line_qemu); break;
    case MIGSIM_IMPORT_CHAMPSIM: rc = imp_champsim_run(im); break;
    default: rc = imp_gem5_run(im); break;
    }
    rc = imp_in_close(im, rc);
    if (!rc && migsim_import_time_mode(im->fmt) == MIGSIM_TIME_GAP_INSNS)
        im->rep->insns_tail = im->pend_insns;
    return rc;
}

/* Reset what one pass accumulates. */
static void imp_reset(imp_t *im)
{
    memset(im->rep, 0, sizeof *im->rep);
    im->pend_insns = 0;
    im->last_time = 0;
    im->have_time = 0;
    im->prev_cycle = 0;
    im->prev_line = 0;
    im->qemu_dir = -1;
    im->gem5_freq = 0;
    im->ndev = 0;
    im->have_t0 = 0;
    im->have_first = 0;
}

static int imp_check_opts(const imp_t *im)
{
    const migsim_import_opts_t *o = &im->o;
    const char *p = im->path;
    if ((unsigned)im->fmt >= MIGSIM_IMPORT_COUNT_)
        return migsim_error(MIGSIM_EINVAL, "%s: import format %d out of range", p, (int)im->fmt);
    if (migsim_trace_writer_time_mode(im->w) != migsim_import_time_mode(im->fmt))
        return migsim_error(MIGSIM_EINVAL, "%s: output writer has time mode %s, importer needs %s",
                            p, migsim_time_mode_name(migsim_trace_writer_time_mode(im->w)),
                            migsim_time_mode_name(migsim_import_time_mode(im->fmt)));
    if (o->clock_ps == 0)
        return migsim_error(MIGSIM_EINVAL, "%s: clock_ps must be > 0", p);
    if (o->size_bytes == 0 || o->size_bytes > MIGSIM_TRACE_MAX_SIZE)
        return migsim_error(MIGSIM_EINVAL, "%s: size_bytes %" PRIu32 " out of range (1..%u)", p,
                            o->size_bytes, MIGSIM_TRACE_MAX_SIZE);
    if (o->src_kind >= MIGSIM_SRC_COUNT_)
        return migsim_error(MIGSIM_EINVAL, "%s: src_kind %u out of range", p, o->src_kind);
    if (o->dma_dir > MIGSIM_DMA_DIR_SKIP)
        return migsim_error(MIGSIM_EINVAL, "%s: dma_dir %u out of range", p, o->dma_dir);
    if ((unsigned)o->place >= MIGSIM_PLACE_COUNT_)
        return migsim_error(MIGSIM_EINVAL, "%s: placement %d out of range", p, (int)o->place);
    if (o->rebase_time && migsim_import_time_mode(im->fmt) != MIGSIM_TIME_ABS_PS)
        return migsim_error(MIGSIM_EINVAL, "%s: a start time needs absolute record times; %s "
                            "records carry %s", p, migsim_import_fmt_name(im->fmt),
                            migsim_time_mode_name(migsim_import_time_mode(im->fmt)));
    if (o->place != MIGSIM_PLACE_KEEP) {
        uint64_t g = o->place == MIGSIM_PLACE_FOLD ? 4096 : 64;
        if (o->region_bytes == 0 || o->region_bytes % g || o->region_base % g)
            return migsim_error(MIGSIM_EINVAL,
                                "%s: region 0x%" PRIx64 ":0x%" PRIx64 " must be non-empty with "
                                "base and size multiples of %" PRIu64, p, o->region_base,
                                o->region_bytes, g);
        if (o->region_base + (o->region_bytes - 1) < o->region_base)
            return migsim_error(MIGSIM_EINVAL, "%s: region 0x%" PRIx64 ":0x%" PRIx64
                                " runs past 2^64", p, o->region_base, o->region_bytes);
    }
    return 0;
}

int migsim_trace_import(const char *in_path, migsim_import_fmt_t fmt,
                        const migsim_import_opts_t *opts, migsim_trace_writer_t *w,
                        migsim_import_report_t *rep)
{
    migsim_import_report_t dummy;
    imp_t *im = calloc(1, sizeof *im);
    if (!im)
        return migsim__trace_writer_poison(
            w, migsim_error(MIGSIM_ENOMEM, "%s: out of memory", in_path));
    im->path = in_path;
    im->fmt = fmt;
    im->w = w;
    im->rep = rep ? rep : &dummy;
    if (opts)
        im->o = *opts;
    else
        migsim_import_opts_default(&im->o);
    imp_reset(im);

    int rc = imp_check_opts(im);
    if (!rc && im->o.place == MIGSIM_PLACE_SCALE) {
        /* first pass: the address range only */
        im->scan = 1;
        im->amin = UINT64_MAX;
        im->amax = 0;
        rc = imp_pass(im);
        im->scan = 0;
        imp_reset(im);
        im->rep->addr_min = im->amin;
        im->rep->addr_max = im->amax;
    }
    if (!rc) {
        uint64_t amin = im->rep->addr_min, amax = im->rep->addr_max;
        rc = imp_pass(im);
        if (im->o.place == MIGSIM_PLACE_SCALE) {
            im->rep->addr_min = amin;
            im->rep->addr_max = amax;
        }
    }
    imp_pmap_free(&im->pm);
    free(im);
    if (rc)
        return migsim__trace_writer_poison(w, rc);
    return 0;
}
