/*
 * trace_shuffle.c - the byte shuffle of the native format's compression 2
 * (traces/FORMAT.md, "Blocks"): a block of n 24-byte records is stored as 24
 * byte planes, byte k of record i at offset k * n + i. Deflate finds the
 * nearly constant high bytes of times and addresses as long runs, so a
 * shuffled block is about half the size and inflates faster.
 *
 * Hot path: migsim__trace_unshuffle(), once per block read, gathers each
 * record's 24 bytes from the 24 planes; migsim__trace_shuffle(), once per
 * block written, scatters them. With SSE2 (x86-64 baseline) both transpose
 * 16 records at a time with byte unpacks; the scalar loops do the last
 * n mod 16 records, and everything on other architectures.
 */
#include "trace_internal.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define REC MIGSIM_TRACE_REC_BYTES

/*
 * The scalar loops go plane by plane through chunks of SHUF_CHUNK records:
 * per chunk each plane is one cache line read (or written) whole, and the
 * chunk's records stay in L1. Record by record instead, the 24 plane bytes
 * of a record are 24 lines n bytes apart, which for n = 4096 share one L1
 * set: 85 cycles per record against 18 (TSC, EPYC).
 */
#define SHUF_CHUNK 64

/* Records from..n-1 of a block of n: planes -> records. */
static void unshuffle_tail(unsigned char *dst, const unsigned char *src, size_t n, size_t from)
{
    for (size_t i0 = from; i0 < n; i0 += SHUF_CHUNK) {
        size_t end = n - i0 < SHUF_CHUNK ? n : i0 + SHUF_CHUNK;
        for (size_t k = 0; k < REC; k++) {
            const unsigned char *s = src + k * n;
            for (size_t i = i0; i < end; i++)
                dst[i * REC + k] = s[i];
        }
    }
}

/* Records from..n-1 of a block of n: records -> planes. */
static void shuffle_tail(unsigned char *dst, const unsigned char *src, size_t n, size_t from)
{
    for (size_t i0 = from; i0 < n; i0 += SHUF_CHUNK) {
        size_t end = n - i0 < SHUF_CHUNK ? n : i0 + SHUF_CHUNK;
        for (size_t k = 0; k < REC; k++) {
            unsigned char *d = dst + k * n;
            for (size_t i = i0; i < end; i++)
                d[i] = src[i * REC + k];
        }
    }
}

void migsim__trace_unshuffle_scalar(unsigned char *dst, const unsigned char *src, size_t n)
{
    unshuffle_tail(dst, src, n, 0);
}

void migsim__trace_shuffle_scalar(unsigned char *dst, const unsigned char *src, size_t n)
{
    shuffle_tail(dst, src, n, 0);
}

#if defined(__SSE2__)

/*
 * One round of a byte transpose by perfect shuffles. Number the bytes of
 * rows x[0..R) (R = `rows`, 16 or 8, 16 bytes each) by the bit string row:column;
 * the round interleaves row i with row i + R/2, which rotates that string
 * left by one bit. log2(R) + 4 bits in all, so rounds move the column bits
 * above the row bits: 4 rounds transpose a 16 x 16 block, 3 rounds turn
 * 8 rows of 16 into 16 rows of 8 (two per vector), 4 rounds turn those back.
 */
static inline void tr_round(__m128i *x, int rows)
{
    __m128i y[16];
    for (int i = 0; i < rows / 2; i++) {
        y[2 * i] = _mm_unpacklo_epi8(x[i], x[i + rows / 2]);
        y[2 * i + 1] = _mm_unpackhi_epi8(x[i], x[i + rows / 2]);
    }
    for (int i = 0; i < rows; i++)
        x[i] = y[i];
}

void migsim__trace_unshuffle(unsigned char *dst, const unsigned char *src, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i a[16], b[8];
        for (int k = 0; k < 16; k++) /* planes 0..15: bytes 0..15 of records i..i+15 */
            a[k] = _mm_loadu_si128((const __m128i *)(src + (size_t)k * n + i));
        for (int k = 0; k < 8; k++) /* planes 16..23 */
            b[k] = _mm_loadu_si128((const __m128i *)(src + (size_t)(16 + k) * n + i));
        for (int r = 0; r < 4; r++)
            tr_round(a, 16); /* a[j]: bytes 0..15 of record i + j */
        for (int r = 0; r < 3; r++)
            tr_round(b, 8);  /* b[v]: bytes 16..23 of records i + 2v, i + 2v + 1 */
        unsigned char *d = dst + i * REC;
        for (int j = 0; j < 16; j++)
            _mm_storeu_si128((__m128i *)(d + j * REC), a[j]);
        for (int v = 0; v < 8; v++) {
            _mm_storel_epi64((__m128i *)(d + (2 * v) * REC + 16), b[v]);
            _mm_storel_epi64((__m128i *)(d + (2 * v + 1) * REC + 16),
                             _mm_unpackhi_epi64(b[v], b[v]));
        }
    }
    unshuffle_tail(dst, src, n, i);
}

void migsim__trace_shuffle(unsigned char *dst, const unsigned char *src, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i a[16], b[8];
        const unsigned char *s = src + i * REC;
        for (int j = 0; j < 16; j++) /* bytes 0..15 of record i + j */
            a[j] = _mm_loadu_si128((const __m128i *)(s + j * REC));
        for (int v = 0; v < 8; v++) /* bytes 16..23 of records i + 2v, i + 2v + 1 */
            b[v] = _mm_unpacklo_epi64(
                _mm_loadl_epi64((const __m128i *)(s + (2 * v) * REC + 16)),
                _mm_loadl_epi64((const __m128i *)(s + (2 * v + 1) * REC + 16)));
        for (int r = 0; r < 4; r++)
            tr_round(a, 16); /* a[k]: plane k */
        for (int r = 0; r < 4; r++)
            tr_round(b, 8);  /* b[k]: plane 16 + k */
        for (int k = 0; k < 16; k++)
            _mm_storeu_si128((__m128i *)(dst + (size_t)k * n + i), a[k]);
        for (int k = 0; k < 8; k++)
            _mm_storeu_si128((__m128i *)(dst + (size_t)(16 + k) * n + i), b[k]);
    }
    shuffle_tail(dst, src, n, i);
}

#else /* no SSE2: the scalar loops are the only ones */

void migsim__trace_unshuffle(unsigned char *dst, const unsigned char *src, size_t n)
{
    unshuffle_tail(dst, src, n, 0);
}

void migsim__trace_shuffle(unsigned char *dst, const unsigned char *src, size_t n)
{
    shuffle_tail(dst, src, n, 0);
}

#endif
