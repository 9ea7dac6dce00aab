/*
 * fuzz_native.c - libFuzzer target of the native trace reader
 * (migsim_trace_open(), migsim_trace_next(), migsim_trace_seek()): the
 * input is a whole .mtr file; every record is read, then a few seeks.
 *
 * Hot path: one open, a full read and three seeks per input.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_write(data, size))
        return 0;
    migsim_trace_reader_t *r;
    if (migsim_trace_open(&r, fuzz_in_path()))
        return 0;
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
    return 0;
}
