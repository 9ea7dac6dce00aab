/*
 * dram_scan.h - the scheduler's choice among the banks of one rank, as a
 * pure function over two arrays, so it can be tested on its own
 * (tests/models/dram/test_dram_scan.c).
 *
 * Bank i has a candidate command that can issue from cycle eff[i]
 * (UINT64_MAX: no candidate, or none before the rank's refresh) with
 * priority key[i] (lower wins). At floor cycle F the candidate issues at
 * max(eff[i], F); the chosen bank is the lowest (max(eff[i], F), key[i]),
 * ties going to the lowest index.
 */
#ifndef MIGSIM_MODELS_DRAM_SCAN_H
#define MIGSIM_MODELS_DRAM_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The winner of one rank: its issue cycle, key and bank index. */
typedef struct dram_scan_out_s {
    uint64_t t, key;
    uint32_t i;
} dram_scan_out_t;

/*
 * The lowest (max(eff[i], floor_c), key[i]) over the banks i whose bit is
 * set in `live` (i < 64; the others are skipped whatever their eff). False
 * when no live bank has eff < UINT64_MAX.
 */
static inline bool dram_scan_rank(const uint64_t *eff, const uint64_t *key, uint64_t live,
                                  uint64_t floor_c, dram_scan_out_t *out)
{
    /* (cycle, key) compared as one 128-bit number; all ones = none */
    unsigned __int128 best_v = ~(unsigned __int128)0;
    uint32_t best_i = 0;
    for (; live; live &= live - 1) {
        uint32_t i = (uint32_t)__builtin_ctzll(live);
        uint64_t t = eff[i] > floor_c ? eff[i] : floor_c;
        /* conditional moves: which bank wins is data-dependent and a branch mispredicts */
        unsigned __int128 v = (unsigned __int128)t << 64 | key[i];
        bool win = v < best_v;
        best_v = win ? v : best_v;
        best_i = win ? i : best_i;
    }
    if ((uint64_t)(best_v >> 64) == UINT64_MAX)
        return false; /* no bank, or only banks that never issue */
    out->t = (uint64_t)(best_v >> 64);
    out->key = (uint64_t)best_v;
    out->i = best_i;
    return true;
}

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_DRAM_SCAN_H */
