/*
 * dram_scan.h - the scheduler's choice among the banks of one rank, as a
 * pure function over two arrays, so it can be tested on its own
 * (tests/models/dram/test_dram_scan.c).
 *
 * Bank i has a candidate command that can issue from cycle eff[i]
 * (UINT64_MAX: no candidate) with priority key[i] (lower wins). At floor
 * cycle F the candidate issues at max(eff[i], F); the chosen bank is the
 * lowest (max(eff[i], F), key[i]), ties going to the lowest index.
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

/*
 * The same choice from one 64-bit word per bank, compared as integers. A
 * bank's candidate issues at max(eff, F) = F + d with d = min(sat(eff - F),
 * NEVER_D); its order among equal cycles is (class, age, index). The word is
 *
 *   d (20 bits) | class (2) | age (36) | index in the rank (6)
 *
 * and the controller keeps the low 44 bits per bank (dram_scan_pack) so a
 * scan is a subtraction, a clamp, a shift and a minimum per bank, with no
 * second word to carry. Exact while every finite eff - F is below NEVER_D
 * (the controller checks that its longest timing rule is) and every age is
 * below 2^36; the controller falls back to dram_scan_rank beyond.
 */
#define DRAM_SCAN_D_SHIFT 44
#define DRAM_SCAN_NEVER_D ((1ull << (64 - DRAM_SCAN_D_SHIFT)) - 1)
#define DRAM_SCAN_AGE_BITS 36
#define DRAM_SCAN_NCMD 5 /* commands (dram_cmd_t); rv[] has one more entry, for "none" */

static inline uint64_t dram_scan_pack(unsigned cls, uint64_t age, uint32_t i)
{
    return (uint64_t)cls << (6 + DRAM_SCAN_AGE_BITS) | age << 6 | i;
}

/*
 * The lowest (max(eff[i], rv[cmd[i]], floor_c), class, age, i) over i < n
 * (n <= 64), where kp[i] = dram_scan_pack(class, age, i), rv[c] is a
 * constraint shared by every bank whose candidate is command c (the rank's),
 * and UINT64_MAX in eff[i] or rv[cmd[i]] means the bank has no candidate.
 * Sets out->t, out->i and out->key (the packed
 * key); false when no bank has a candidate.
 */
static inline bool dram_scan_rank_packed(const uint64_t *eff, const uint8_t *cmd,
                                         const uint64_t *rv, const uint64_t *kp, uint32_t n,
                                         uint64_t floor_c, dram_scan_out_t *out)
{
    uint64_t best = UINT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        /* max, then subtract: conditional moves, not a branch (readiness is data-dependent) */
        uint64_t e = eff[i] > rv[cmd[i]] ? eff[i] : rv[cmd[i]];
        uint64_t t = e > floor_c ? e : floor_c;
        uint64_t d = t - floor_c;
        d = d < DRAM_SCAN_NEVER_D ? d : DRAM_SCAN_NEVER_D;
        uint64_t v = d << DRAM_SCAN_D_SHIFT | kp[i];
        best = v < best ? v : best;
    }
    if (best >> DRAM_SCAN_D_SHIFT == DRAM_SCAN_NEVER_D)
        return false;
    out->t = floor_c + (best >> DRAM_SCAN_D_SHIFT);
    out->key = best & ((1ull << DRAM_SCAN_D_SHIFT) - 1);
    out->i = (uint32_t)(best & 63);
    return true;
}

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_MODELS_DRAM_SCAN_H */
