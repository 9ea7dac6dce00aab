/*
 * fuzz_dma.c - libFuzzer target of the DMA event importers: Linux ftrace
 * text and QEMU -trace logs. The first byte picks placement and options,
 * the second the format.
 *
 * Hot path: fuzz_import() once per input.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    migsim_import_opts_t o;
    fuzz_opts(&o, &data, &size);
    if (size == 0)
        return 0;
    migsim_import_fmt_t f = (data[0] & 1) ? MIGSIM_IMPORT_QEMU : MIGSIM_IMPORT_FTRACE;
    fuzz_import(f, &o, data + 1, size - 1);
    return 0;
}
