/*
 * migsim/rng.h - the one pseudo-random generator of libmigsim.
 *
 * xoshiro256** seeded through splitmix64: fast, 256-bit state, and the same
 * sequence on every host, so a seed fixes a run bit for bit.
 */
#ifndef MIGSIM_RNG_H
#define MIGSIM_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct migsim_rng_s {
    uint64_t s[4]; /* generator state; never all zero */
} migsim_rng_t;

static inline uint64_t migsim_rng__splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Seed the generator; any seed (0 included) gives a valid state. */
static inline void migsim_rng_seed(migsim_rng_t *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = migsim_rng__splitmix(&seed);
}

static inline uint64_t migsim_rng__rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* Next 64 uniformly distributed bits. */
static inline uint64_t migsim_rng_next(migsim_rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = migsim_rng__rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = migsim_rng__rotl(s[3], 45);
    return result;
}

/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire's method). */
static inline uint64_t migsim_rng_below(migsim_rng_t *r, uint64_t n)
{
    unsigned __int128 m = (unsigned __int128)migsim_rng_next(r) * n;
    uint64_t lo = (uint64_t)m;
    if (lo < n) {
        uint64_t thresh = (0 - n) % n;
        while (lo < thresh) {
            m = (unsigned __int128)migsim_rng_next(r) * n;
            lo = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/* Uniform double in [0, 1) with 53 random bits. */
static inline double migsim_rng_unit(migsim_rng_t *r)
{
    return (double)(migsim_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_RNG_H */
