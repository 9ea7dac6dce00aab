/*
 * dram_timing.h - DDR4 organisation and timing parameters, and the presets
 * named after JEDEC speed bins (JESD79-4, 8 Gb x8 devices).
 *
 * Everything here is data: the scheduler (dram.c) and the independent
 * command-log checker (dram_check.c) both read it, and neither owns it.
 * All timings are in DRAM clock cycles (tCK) unless a name ends in _ps.
 */
#ifndef MIGSIM_DRAM_TIMING_H
#define MIGSIM_DRAM_TIMING_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Organisation of one channel. */
typedef struct dram_org_s {
    uint32_t channels;        /* 1..16 */
    uint32_t ranks;           /* per channel, 1..8 */
    uint32_t bankgroups;      /* per rank, 1..8 (DDR4: 4 for x4/x8) */
    uint32_t banks_per_group; /* 1..8 (DDR4: 4) */
    uint32_t rows;            /* per bank, power of two */
    uint32_t columns;         /* per row, in device columns, power of two (1024) */
    uint32_t device_width;    /* bits per device (4, 8, 16) */
    uint32_t bus_width;       /* channel data bus, bits (64) */
} dram_org_t;

/* Timing of one device, in tCK unless noted. */
typedef struct dram_timing_s {
    uint32_t tCK_ps;  /* clock period, whole ps (DDR4-2400: 833, 3200: 625) */
    uint32_t BL;      /* burst length in beats (8); the burst takes BL/2 tCK */
    uint32_t tCL;     /* read latency: RD to first data */
    uint32_t tCWL;    /* write latency: WR to first data */
    uint32_t tRCD;    /* ACT to RD/WR, same bank */
    uint32_t tRP;     /* PRE to ACT, same bank; PRE to REF, same rank */
    uint32_t tRAS;    /* ACT to PRE, same bank */
    uint32_t tRC;     /* ACT to ACT, same bank (tRAS + tRP) */
    uint32_t tRRD_S;  /* ACT to ACT, different bank group, same rank */
    uint32_t tRRD_L;  /* ACT to ACT, same bank group, different bank */
    uint32_t tFAW;    /* window holding at most four ACTs, same rank */
    uint32_t tCCD_S;  /* RD-RD or WR-WR, different bank group, same rank */
    uint32_t tCCD_L;  /* RD-RD or WR-WR, same bank group */
    uint32_t tWTR_S;  /* end of write data to RD, different bank group */
    uint32_t tWTR_L;  /* end of write data to RD, same bank group */
    uint32_t tRTP;    /* RD to PRE, same bank */
    uint32_t tWR;     /* end of write data to PRE, same bank (write recovery) */
    uint32_t tRFC;    /* REF to ACT or REF, same rank */
    uint32_t tREFI;   /* average interval between REF commands, per rank */
    uint32_t tRTRS;   /* rank-to-rank switch on the data bus */
} dram_timing_t;

/* A named preset: organisation and timing of one JEDEC speed bin. */
typedef struct dram_preset_s {
    const char *name;        /* "DDR4-2400", "DDR4-3200" */
    dram_org_t org;
    dram_timing_t timing;
} dram_preset_t;

/* The preset table, terminated by an entry whose name is NULL. */
extern const dram_preset_t dram_presets[];

/* Find a preset by name; NULL if none. */
const dram_preset_t *dram_preset_find(const char *name);

/* Burst duration on the data bus, tCK. */
static inline uint32_t dram_tBL(const dram_timing_t *t) { return t->BL / 2; }

/* The reciprocal dram_ps_div() takes for a clock period of tck_ps >= 1. */
static inline uint64_t dram_ps_recip(uint32_t tck_ps) { return UINT64_MAX / tck_ps; }

/*
 * floor(ps / tck_ps) and its remainder, by a multiplication instead of a
 * 64-bit division (the hot paths convert every arrival and latency). With
 * recip = floor((2^64 - 1) / tck_ps), ps * recip / 2^64 > ps / tck_ps - 1,
 * so the product's quotient is exact or one short, and one comparison of
 * the remainder mends it: exact for every 64-bit ps.
 */
static inline uint64_t dram_ps_div(uint64_t ps, uint32_t tck_ps, uint64_t recip, uint64_t *rem)
{
    uint64_t q = (uint64_t)(((unsigned __int128)ps * recip) >> 64);
    uint64_t r = ps - q * tck_ps;
    uint64_t short_ = r >= tck_ps;
    *rem = r - (short_ ? tck_ps : 0);
    return q + short_;
}

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_DRAM_TIMING_H */
