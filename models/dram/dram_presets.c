/*
 * dram_presets.c - DDR4 presets named after JEDEC speed bins.
 *
 * Values are from JESD79-4 for 8 Gb x8 devices (speed bins DDR4-2400R
 * 17-17-17 and DDR4-3200AA 22-22-22), in tCK. tCK is rounded to whole
 * picoseconds: DDR4-2400 runs at 833 ps (1.2005 GHz instead of 1.2 GHz).
 * tRFC is tRFC1 for 8 Gb (350 ns); tREFI is 7.8 us (normal temperature).
 */
#include "dram/dram_timing.h"

#include <string.h>

const dram_preset_t dram_presets[] = {
    { "DDR4-2400",
      { .channels = 1, .ranks = 1, .bankgroups = 4, .banks_per_group = 4,
        .rows = 65536, .columns = 1024, .device_width = 8, .bus_width = 64 },
      { .tCK_ps = 833, .BL = 8, .tCL = 17, .tCWL = 12, .tRCD = 17, .tRP = 17,
        .tRAS = 39, .tRC = 56, .tRRD_S = 4, .tRRD_L = 6, .tFAW = 26,
        .tCCD_S = 4, .tCCD_L = 6, .tWTR_S = 3, .tWTR_L = 9, .tRTP = 9,
        .tWR = 18, .tRFC = 420, .tREFI = 9360, .tRTRS = 1 } },
    { "DDR4-3200",
      { .channels = 1, .ranks = 1, .bankgroups = 4, .banks_per_group = 4,
        .rows = 65536, .columns = 1024, .device_width = 8, .bus_width = 64 },
      { .tCK_ps = 625, .BL = 8, .tCL = 22, .tCWL = 16, .tRCD = 22, .tRP = 22,
        .tRAS = 52, .tRC = 74, .tRRD_S = 4, .tRRD_L = 8, .tFAW = 34,
        .tCCD_S = 4, .tCCD_L = 8, .tWTR_S = 4, .tWTR_L = 12, .tRTP = 12,
        .tWR = 24, .tRFC = 560, .tREFI = 12480, .tRTRS = 1 } },
    { NULL, { 0 }, { 0 } },
};

const dram_preset_t *dram_preset_find(const char *name)
{
    for (const dram_preset_t *p = dram_presets; p->name; p++)
        if (strcmp(p->name, name) == 0)
            return p;
    return NULL;
}
