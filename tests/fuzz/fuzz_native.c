/*
 * fuzz_native.c - libFuzzer target of the native trace reader
 * (migsim_trace_open(), migsim_trace_next(), migsim_trace_seek()): the
 * input is a whole .mtr file; every record is read, then a few seeks. Then
 * the same bytes are read again with their CRCs made to match (header,
 * version 2 block CRCs, index, footer), so that mutated blocks get past the
 * CRC checks into inflate, the un-shuffle and the record checks, which a
 * CRC32 in front of them would otherwise guard from almost every mutation.
 *
 * Hot path: two opens, full reads and three seeks each per input.
 */
#include <zlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_read(const uint8_t *data, size_t size)
{
    if (fuzz_write(data, size))
        return;
    migsim_trace_reader_t *r;
    if (migsim_trace_open(&r, fuzz_in_path()))
        return;
    const migsim_trace_rec_t *rec;
    uint64_t n = 0;
    while (migsim_trace_next(r, &rec) == 1)
        n++;
    uint64_t total = migsim_trace_info(r)->records;
    (void)migsim_trace_seek(r, total / 2);
    (void)migsim_trace_next(r, &rec);
    (void)migsim_trace_seek(r, total);
    (void)migsim_trace_seek(r, 0);
    (void)migsim_trace_next(r, &rec);
    (void)n;
    migsim_trace_close(r);
}

static uint64_t get_le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_le32(uint8_t *p, uLong v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Recompute the CRCs of the file in b (traces/FORMAT.md) where header and
 * footer say where they are; leave the rest as it is. */
static void fix_crcs(uint8_t *b, size_t n)
{
    if (n < 64 + 48)
        return;
    put_le32(b + 60, crc32(0, b, 60));
    uint8_t *ftr = b + n - 48;
    uint64_t ioff = get_le(ftr, 8), nblk = get_le(ftr + 8, 8), ispace = n - 48;
    if (ioff < 64 || ioff > ispace || nblk > (ispace - ioff) / 40)
        return;
    if (get_le(b + 8, 2) >= 2) { /* block CRCs over the stored bytes */
        for (uint64_t k = 0; k < nblk; k++) {
            uint8_t *e = b + ioff + 40 * k;
            uint64_t off = get_le(e, 8), len = get_le(e + 8, 4);
            if (off <= ioff && len <= ioff - off)
                put_le32(e + 32, crc32(0, b + off, (uInt)len));
        }
    }
    put_le32(ftr + 32, crc32(0, b + ioff, (uInt)(nblk * 40)));
    put_le32(ftr + 36, crc32(0, ftr, 36));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_read(data, size);
    uint8_t *b = malloc(size ? size : 1);
    if (!b)
        return 0;
    if (size)
        memcpy(b, data, size);
    fix_crcs(b, size);
    if (size && memcmp(b, data, size) != 0)
        fuzz_read(b, size);
    free(b);
    return 0;
}
