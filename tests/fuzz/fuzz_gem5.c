/*
 * fuzz_gem5.c - libFuzzer target of the gem5 importer (migsim_trace_import()
 * with MIGSIM_IMPORT_GEM5); the first byte picks placement and options.
 *
 * Hot path: fuzz_import() once per input.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    migsim_import_opts_t o;
    fuzz_opts(&o, &data, &size);
    fuzz_import(MIGSIM_IMPORT_GEM5, &o, data, size);
    return 0;
}
