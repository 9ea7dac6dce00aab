/*
 * trace_import.c - importers from the text trace formats users already have:
 *   DRAMSim3    "0xADDR READ|WRITE CYCLE"  (memory clock cycle -> ABS_PS)
 *   Ramulator   "0xADDR R|W" (DRAM mode) and "LD|ST ADDR" (load/store)
 * into a native trace writer.
 *
 * Input is plain text or gzip, detected and streamed by zlib (gzread in
 * 1 MiB chunks; a line may span two chunks). A truncated or corrupt gzip
 * stream is an error, never a silent short read: after gzread() reports the
 * end, gzerror() must say Z_OK, and gzclose_r() must succeed.
 *
 * Hot path: the per-line loop: memchr for the newline, a hand-written
 * tokenizer and number parsers (no sscanf), one migsim_trace_put().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "migsim/errors.h"
#include "trace_internal.h"

#define IMP_CHUNK (1u << 20) /* gzread size, and the longest accepted line */

void migsim_import_opts_default(migsim_import_opts_t *o)
{
    o->clock_ps = 833;
    o->size_bytes = 64;
    o->src_kind = MIGSIM_SRC_CPU;
    o->src_idx = 0;
}

int migsim_import_fmt_parse(const char *name, migsim_import_fmt_t *out)
{
    if (strcmp(name, "dramsim3") == 0) {
        *out = MIGSIM_IMPORT_DRAMSIM3;
        return 0;
    }
    if (strcmp(name, "ramulator") == 0) {
        *out = MIGSIM_IMPORT_RAMULATOR;
        return 0;
    }
    return migsim_error(MIGSIM_EINVAL, "import: unknown format '%s' (dramsim3, ramulator)",
                        name);
}

migsim_time_mode_t migsim_import_time_mode(migsim_import_fmt_t fmt)
{
    return fmt == MIGSIM_IMPORT_DRAMSIM3 ? MIGSIM_TIME_ABS_PS : MIGSIM_TIME_NONE;
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

/* ---- the importer -------------------------------------------------------- */

typedef struct imp_s {
    const char *path;             /* borrowed: input name for messages */
    migsim_import_fmt_t fmt;
    migsim_import_opts_t o;
    migsim_trace_writer_t *w;     /* borrowed */
    migsim_import_report_t *rep;  /* borrowed, never NULL */
    uint64_t prev_cycle;          /* DRAMSim3: last cycle seen */
    uint64_t prev_line;           /* DRAMSim3: line of prev_cycle, 0 if none */
} imp_t;

/* Short quoted excerpt of a token for messages. */
#define TOKF "'%.*s'"
#define TOKA(t, n) (int)((n) > 40 ? 40 : (n)), (t)

static int num_error(const imp_t *im, int nrc, const char *what, const char *t, size_t n)
{
    unsigned long ln = (unsigned long)im->rep->lines;
    if (nrc == NUM_OVERFLOW)
        return migsim_error(MIGSIM_ERANGE, "%s:%lu: %s " TOKF " does not fit in 64 bits",
                            im->path, ln, what, TOKA(t, n));
    return migsim_error(MIGSIM_EFORMAT, "%s:%lu: bad %s " TOKF, im->path, ln, what,
                        TOKA(t, n));
}

static int imp_line(imp_t *im, const char *p, const char *end)
{
    migsim_import_report_t *rep = im->rep;
    unsigned long ln = (unsigned long)++rep->lines;
    while (p < end && is_blank(*p))
        p++;
    if (p == end || *p == '#') {
        rep->skipped++;
        return 0;
    }
    const char *t[3];
    size_t tl[3];
    int nt = tokenize(p, end, t, tl, 3);
    migsim_trace_rec_t rec;
    rec.size = im->o.size_bytes;
    rec.src_kind = im->o.src_kind;
    rec.src_idx = im->o.src_idx;
    rec.time = 0;
    int nrc;

    if (im->fmt == MIGSIM_IMPORT_DRAMSIM3) {
        if (nt != 3)
            return migsim_error(MIGSIM_EFORMAT,
                                "%s:%lu: expected 'ADDR READ|WRITE CYCLE', found %s fields",
                                im->path, ln, nt > 3 ? "more than 3" : nt == 2 ? "2" : "1");
        if ((nrc = parse_hex(t[0], tl[0], &rec.addr)) != NUM_OK)
            return num_error(im, nrc, "hex address", t[0], tl[0]);
        if (tok_is(t[1], tl[1], "READ"))
            rec.op = MIGSIM_OP_READ;
        else if (tok_is(t[1], tl[1], "WRITE"))
            rec.op = MIGSIM_OP_WRITE;
        else
            return migsim_error(MIGSIM_EFORMAT, "%s:%lu: unknown op " TOKF
                                " (expected READ or WRITE)", im->path, ln, TOKA(t[1], tl[1]));
        uint64_t cyc;
        if ((nrc = parse_dec(t[2], tl[2], &cyc)) != NUM_OK)
            return num_error(im, nrc, "cycle", t[2], tl[2]);
        if (im->prev_line && cyc < im->prev_cycle)
            return migsim_error(MIGSIM_EFORMAT,
                                "%s:%lu: cycle %" PRIu64 " goes backwards (line %" PRIu64
                                " had cycle %" PRIu64 ")", im->path, ln, cyc, im->prev_line,
                                im->prev_cycle);
        if (cyc != 0 && im->o.clock_ps > UINT64_MAX / cyc)
            return migsim_error(MIGSIM_ERANGE,
                                "%s:%lu: cycle %" PRIu64 " * clock %" PRIu64
                                " ps overflows the 64-bit ps time axis", im->path, ln, cyc,
                                im->o.clock_ps);
        rec.time = cyc * im->o.clock_ps;
        im->prev_cycle = cyc;
        im->prev_line = ln;
    } else {
        if (nt != 2)
            return migsim_error(MIGSIM_EFORMAT,
                                "%s:%lu: expected 'ADDR R|W' or 'LD|ST ADDR', found %s fields",
                                im->path, ln, nt > 2 ? "more than 2" : "1");
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
                return migsim_error(MIGSIM_EFORMAT, "%s:%lu: unknown op " TOKF
                                    " (expected R or W after the address, or LD/ST before it)",
                                    im->path, ln, TOKA(t[1], tl[1]));
            at = t[0];
            al = tl[0];
        }
        if ((nrc = parse_addr_auto(at, al, &rec.addr)) != NUM_OK)
            return num_error(im, nrc, "address", at, al);
    }
    int rc = migsim_trace_put(im->w, &rec);
    if (rc)
        return rc;
    rep->records++;
    if (rec.op == MIGSIM_OP_READ)
        rep->reads++;
    else
        rep->writes++;
    return 0;
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

static int imp_run(imp_t *im, gzFile gz, char *buf)
{
    size_t have = 0; /* bytes in buf, starting at a line start */
    int eof = 0;
    for (;;) {
        if (!eof) {
            int n = gzread(gz, buf + have, (unsigned)(IMP_CHUNK - have));
            if (n <= 0) {
                int rc = imp_gz_status(gz, im->path, n);
                if (rc)
                    return rc;
                eof = 1;
            } else {
                have += (size_t)n;
            }
        }
        const char *p = buf, *end = buf + have;
        for (;;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl)
                break;
            int rc = imp_line(im, p, nl);
            if (rc)
                return rc;
            p = nl + 1;
        }
        size_t rest = (size_t)(end - p);
        if (eof) {
            return rest ? imp_line(im, p, end) : 0;
        }
        if (rest == IMP_CHUNK)
            return migsim_error(MIGSIM_EFORMAT, "%s:%lu: line longer than %u bytes", im->path,
                                (unsigned long)im->rep->lines + 1, IMP_CHUNK);
        memmove(buf, p, rest);
        have = rest;
    }
}

int migsim_trace_import(const char *in_path, migsim_import_fmt_t fmt,
                        const migsim_import_opts_t *opts, migsim_trace_writer_t *w,
                        migsim_import_report_t *rep)
{
    migsim_import_report_t dummy;
    imp_t im;
    memset(&im, 0, sizeof im);
    im.path = in_path;
    im.fmt = fmt;
    im.w = w;
    im.rep = rep ? rep : &dummy;
    memset(im.rep, 0, sizeof *im.rep);
    if (opts)
        im.o = *opts;
    else
        migsim_import_opts_default(&im.o);

    int rc = 0;
    if ((unsigned)fmt >= MIGSIM_IMPORT_COUNT_)
        rc = migsim_error(MIGSIM_EINVAL, "%s: import format %d out of range", in_path, (int)fmt);
    else if (migsim_trace_writer_time_mode(w) != migsim_import_time_mode(fmt))
        rc = migsim_error(MIGSIM_EINVAL, "%s: output writer has time mode %s, importer needs %s",
                          in_path, migsim_time_mode_name(migsim_trace_writer_time_mode(w)),
                          migsim_time_mode_name(migsim_import_time_mode(fmt)));
    else if (im.o.clock_ps == 0)
        rc = migsim_error(MIGSIM_EINVAL, "%s: clock_ps must be > 0", in_path);
    else if (im.o.size_bytes == 0 || im.o.size_bytes > MIGSIM_TRACE_MAX_SIZE)
        rc = migsim_error(MIGSIM_EINVAL, "%s: size_bytes %" PRIu32 " out of range (1..%u)",
                          in_path, im.o.size_bytes, MIGSIM_TRACE_MAX_SIZE);
    else if (im.o.src_kind >= MIGSIM_SRC_COUNT_)
        rc = migsim_error(MIGSIM_EINVAL, "%s: src_kind %u out of range", in_path,
                          im.o.src_kind);
    if (rc)
        return migsim__trace_writer_poison(w, rc);

    gzFile gz = gzopen(in_path, "rb");
    if (!gz)
        return migsim__trace_writer_poison(
            w, migsim_error(MIGSIM_EIO, "%s: cannot open: %s", in_path,
                            errno ? strerror(errno) : "out of memory"));
    gzbuffer(gz, 256u << 10);
    char *buf = malloc(IMP_CHUNK);
    if (!buf) {
        gzclose_r(gz);
        return migsim__trace_writer_poison(
            w, migsim_error(MIGSIM_ENOMEM, "%s: out of memory", in_path));
    }
    rc = imp_run(&im, gz, buf);
    free(buf);
    int crc = gzclose_r(gz);
    if (!rc && crc != Z_OK)
        rc = crc == Z_BUF_ERROR
                 ? migsim_error(MIGSIM_ETRUNC, "%s: gzip stream ends early: truncated", in_path)
                 : migsim_error(MIGSIM_EIO, "%s: close failed (zlib %d)", in_path, crc);
    if (rc)
        return migsim__trace_writer_poison(w, rc);
    return 0;
}
