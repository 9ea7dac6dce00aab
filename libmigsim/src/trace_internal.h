/*
 * trace_internal.h - what the trace_*.c files share and nothing else sees:
 * the native format's layout constants (described in traces/FORMAT.md),
 * little-endian helpers, the byte shuffle of compression 2, and writer
 * poisoning used by the importers.
 *
 * Hot path: none of its own; the inline little-endian helpers are used per
 * record only on big-endian hosts (little-endian hosts copy records whole);
 * the un-shuffle runs once per block read (trace_shuffle.c).
 */
#ifndef MIGSIM_TRACE_INTERNAL_H
#define MIGSIM_TRACE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "migsim/trace.h"

#define TRACE_MAGIC         "MIGSTRC1" /* header, 8 bytes */
#define TRACE_END_MAGIC     "MIGSTRE1" /* footer, last 8 bytes of the file */
#define TRACE_VERSION       2u         /* what the writer writes */
#define TRACE_VERSION_MIN   1u         /* oldest version the reader reads */
#define TRACE_HDR_BYTES     64u
#define TRACE_IDX_BYTES     40u        /* one block index entry */
#define TRACE_FTR_BYTES     48u

_Static_assert(sizeof(migsim_trace_rec_t) == MIGSIM_TRACE_REC_BYTES,
               "in-memory record must match the 24-byte disk record");

static inline void trace_put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static inline void trace_put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline void trace_put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint16_t trace_get16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t trace_get32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline uint64_t trace_get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TRACE_HOST_LE 1
#else
#define TRACE_HOST_LE 0
#endif

/*
 * The byte shuffle of compression 2 over a block of n records (n >= 1): the
 * records' 24 * n bytes `src` become 24 planes in `dst`, byte k of record i
 * at dst[k * n + i] (shuffle), and back (unshuffle). dst and src do not
 * overlap. The plain versions pick the fastest loop for the host (SSE2 on
 * x86-64, 16 records per step); the _scalar ones are the reference loops,
 * kept callable so that the tests can compare the two.
 */
void migsim__trace_shuffle(unsigned char *dst, const unsigned char *src, size_t n);
void migsim__trace_unshuffle(unsigned char *dst, const unsigned char *src, size_t n);
void migsim__trace_shuffle_scalar(unsigned char *dst, const unsigned char *src, size_t n);
void migsim__trace_unshuffle_scalar(unsigned char *dst, const unsigned char *src, size_t n);

#if defined(__SSE2__)
#define TRACE_SHUFFLE_SIMD 1 /* migsim__trace_(un)shuffle are the SSE2 loops */
#else
#define TRACE_SHUFFLE_SIMD 0 /* they are the scalar loops */
#endif

/* Poison a writer with `err` (a negative MIGSIM_E* code): later puts fail
 * and close() removes the temporary file. Returns err. */
int migsim__trace_writer_poison(migsim_trace_writer_t *w, int err);

/* The output path the writer will finalize to (borrowed). */
const char *migsim__trace_writer_path(const migsim_trace_writer_t *w);

/* The path a reader was opened on (borrowed). */
const char *migsim__trace_reader_path(const migsim_trace_reader_t *r);

#endif /* MIGSIM_TRACE_INTERNAL_H */
