/*
 * trace_import_gem5.c - importer of gem5 packet traces: a gzip stream
 * holding the 4 bytes "gem5", then messages each preceded by its length
 * as a base-128 varint: one PacketHeader (tick_freq) and then Packets
 * (tick, cmd, addr, size). Messages are decoded with protobuf-c from
 * traces/gem5/packet.proto. ReadReq (cmd 1) becomes a READ, WriteReq
 * (cmd 4) a WRITE; every other command is skipped and counted (the
 * numbering beyond 5 differs between gem5 versions). Time: ABS_PS =
 * tick * 10^12 / tick_freq.
 *
 * Positions in messages are "file: record N", N counting messages from 0
 * (the header is record 0).
 *
 * Hot path: per packet, one varint, one protobuf-c unpack (it allocates
 * the message; freed right after), one 128-bit multiply and divide, and
 * imp_emit().
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "migsim/errors.h"
#include "trace_import_internal.h"

#ifdef MIGSIM_HAVE_PROTOBUF_C
#include "packet.pb-c.h"

#define G5_MAX_MSG (1u << 20)         /* longest message accepted, bytes */
#define G5_BUF (2u * G5_MAX_MSG + 16) /* stream buffer */
#define G5_CMD_READREQ 1u
#define G5_CMD_WRITEREQ 4u

typedef struct g5buf_s {
    unsigned char *b; /* owned, G5_BUF bytes */
    size_t pos, have; /* unread bytes are b[pos..have) */
    int eof;          /* the input has no more bytes */
} g5buf_t;

/* Make at least `need` unread bytes available unless the input ends. */
static int g5_fill(imp_t *im, g5buf_t *g, size_t need)
{
    if (g->have - g->pos >= need || g->eof)
        return 0;
    memmove(g->b, g->b + g->pos, g->have - g->pos);
    g->have -= g->pos;
    g->pos = 0;
    while (g->have < need && !g->eof) {
        size_t got;
        int rc = imp_in_read(im, g->b + g->have, G5_BUF - g->have, &got);
        if (rc)
            return rc;
        if (got == 0)
            g->eof = 1;
        g->have += got;
    }
    return 0;
}

/* Next message: 1 with msg and len set, 0 at a clean end, <0 on error. The
 * length prefix is a base-128 varint, least significant group first, at
 * most 5 bytes (a 32-bit length). */
static int g5_next(imp_t *im, g5buf_t *g, const unsigned char **msg, size_t *len)
{
    int rc = g5_fill(im, g, 5);
    if (rc)
        return rc;
    if (g->pos == g->have)
        return 0;
    im->rep->lines++;
    uint64_t v = 0;
    unsigned i = 0;
    for (;; i++) {
        if (g->pos + i == g->have)
            return imp_err(im, MIGSIM_ETRUNC, "length prefix cut short: truncated");
        if (i == 5)
            return imp_err(im, MIGSIM_EFORMAT, "length prefix longer than 5 bytes");
        unsigned char c = g->b[g->pos + i];
        v |= (uint64_t)(c & 0x7f) << (7 * i);
        if (!(c & 0x80))
            break;
    }
    if (v > G5_MAX_MSG)
        return imp_err(im, MIGSIM_EFORMAT, "message length %" PRIu64 " above %u bytes", v,
                       G5_MAX_MSG);
    g->pos += i + 1;
    if ((rc = g5_fill(im, g, (size_t)v)) != 0)
        return rc;
    if (g->have - g->pos < v)
        return imp_err(im, MIGSIM_ETRUNC, "message of %" PRIu64 " bytes cut short after %zu: "
                       "truncated", v, g->have - g->pos);
    *msg = g->b + g->pos;
    *len = (size_t)v;
    g->pos += (size_t)v;
    return 1;
}

int imp_gem5_run(imp_t *im)
{
    g5buf_t g = {malloc(G5_BUF), 0, 0, 0};
    if (!g.b)
        return migsim_error(MIGSIM_ENOMEM, "%s: out of memory", im->path);
    int rc = g5_fill(im, &g, 4);
    if (!rc && (g.have < 4 || memcmp(g.b, "gem5", 4) != 0))
        rc = migsim_error(MIGSIM_EFORMAT, "%s: bad magic (expected \"gem5\" after gunzip)",
                          im->path);
    g.pos = 4;
    const unsigned char *m = NULL;
    size_t len = 0;
    if (!rc) {
        int n = g5_next(im, &g, &m, &len);
        if (n < 0)
            rc = n;
        else if (n == 0)
            rc = migsim_error(MIGSIM_ETRUNC, "%s: no packet header: truncated", im->path);
    }
    if (!rc) {
        MigsimGem5__PacketHeader *h = migsim_gem5__packet_header__unpack(NULL, len, m);
        if (!h)
            rc = imp_err(im, MIGSIM_EFORMAT, "not a PacketHeader message");
        else if (h->tick_freq == 0)
            rc = imp_err(im, MIGSIM_EFORMAT, "tick_freq is 0");
        else
            im->gem5_freq = h->tick_freq;
        if (h)
            migsim_gem5__packet_header__free_unpacked(h, NULL);
    }
    migsim_trace_rec_t rec;
    rec.src_kind = im->o.src_kind;
    rec.src_idx = im->o.src_idx;
    while (!rc) {
        int n = g5_next(im, &g, &m, &len);
        if (n <= 0) {
            rc = n;
            break;
        }
        MigsimGem5__Packet *p = migsim_gem5__packet__unpack(NULL, len, m);
        if (!p) {
            rc = imp_err(im, MIGSIM_EFORMAT, "not a Packet message");
            break;
        }
        uint32_t cmd = p->cmd;
        unsigned __int128 t = (unsigned __int128)p->tick * 1000000000000ull / im->gem5_freq;
        rec.addr = p->addr;
        rec.size = p->size;
        migsim_gem5__packet__free_unpacked(p, NULL);
        if (cmd != G5_CMD_READREQ && cmd != G5_CMD_WRITEREQ) {
            imp_skip(im, MIGSIM_SKIP_CMD);
            continue;
        }
        if (t > UINT64_MAX) {
            rc = imp_err(im, MIGSIM_ERANGE, "tick overflows the 64-bit ps time axis");
            break;
        }
        rec.time = (uint64_t)t;
        if (im->have_time && rec.time < im->last_time) {
            rc = imp_err(im, MIGSIM_EFORMAT,
                         "time %" PRIu64 " ps goes backwards (previous packet at %" PRIu64
                         " ps)", rec.time, im->last_time);
            break;
        }
        im->have_time = 1;
        im->last_time = rec.time;
        rec.op = cmd == G5_CMD_READREQ ? MIGSIM_OP_READ : MIGSIM_OP_WRITE;
        rc = imp_emit(im, &rec);
    }
    free(g.b);
    return rc;
}

#else /* !MIGSIM_HAVE_PROTOBUF_C */

int imp_gem5_run(imp_t *im)
{
    return migsim_error(MIGSIM_EINVAL,
                        "%s: gem5 import needs protobuf-c, which this build did not find",
                        im->path);
}

#endif
