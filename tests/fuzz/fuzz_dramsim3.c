/*
 * fuzz_dramsim3.c - libFuzzer target of the DRAM-side text importers:
 * DRAMSim3, Ramulator (DRAM and load/store modes) and Ramulator CPU mode.
 * The first byte picks placement and options, the second the format.
 *
 * Hot path: fuzz_import() once per input.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const migsim_import_fmt_t fmts[3] = {
        MIGSIM_IMPORT_DRAMSIM3, MIGSIM_IMPORT_RAMULATOR, MIGSIM_IMPORT_RAMULATOR_CPU};
    migsim_import_opts_t o;
    fuzz_opts(&o, &data, &size);
    if (size == 0)
        return 0;
    migsim_import_fmt_t f = fmts[data[0] % 3];
    fuzz_import(f, &o, data + 1, size - 1);
    return 0;
}
