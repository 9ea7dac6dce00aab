/*
 * migsim/store.h - sparse functional memory: real bytes, allocated only
 * where something was written, so a read returns what was last written
 * (zeros where nothing was).
 *
 * Memory is kept in 4 KiB frames found through an open-addressing hash
 * table keyed by frame number, with a small direct-mapped memo of recent
 * frames in front of it. Hot path: a memo hit (or one hash probe) and a
 * memcpy per access; frames are allocated on the first write of a non-zero byte only
 * (zeros written where nothing was need no frame: they read as zeros).
 */
#ifndef MIGSIM_STORE_H
#define MIGSIM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MIGSIM_STORE_FRAME_BYTES 4096u
#define MIGSIM_STORE_MEMO 64u   /* frames remembered in front of the hash table */

/* A frame found recently: streams (a page copy, a trace sweep) skip the hash probe. */
typedef struct migsim_store_memo_s {
    uint64_t key;       /* frame number + 1, 0 = empty */
    uint8_t *frame;     /* borrowed from the table */
} migsim_store_memo_t;

typedef struct migsim_store_s {
    uint64_t *keys;     /* owned: frame number + 1 per slot, 0 = empty */
    uint8_t **frames;   /* owned: frame data per slot */
    migsim_store_memo_t *memo; /* owned: MIGSIM_STORE_MEMO entries, direct-mapped by frame number */
    size_t cap;         /* slots, power of two */
    size_t used;        /* frames allocated */
} migsim_store_t;

void migsim_store_init(migsim_store_t *s);
void migsim_store_fini(migsim_store_t *s);

/* Write `len` bytes at `addr` (may span frames). 0 or MIGSIM_ENOMEM. */
int migsim_store_write(migsim_store_t *s, uint64_t addr, const void *src, size_t len);

/* Read `len` bytes at `addr` into dst; never-written bytes read as 0. */
void migsim_store_read(const migsim_store_t *s, uint64_t addr, void *dst, size_t len);

/*
 * The frame holding `addr` (MIGSIM_STORE_FRAME_BYTES bytes, aligned),
 * created (zeroed) when absent; NULL when out of memory. Frames never move
 * and live until migsim_store_fini, so the pointer may be kept (direct
 * memory access).
 */
uint8_t *migsim_store_frame(migsim_store_t *s, uint64_t addr);

/* True when the n bytes at p are all zero (eight at a time; any alignment). */
static inline bool migsim_bytes_zero(const void *p, size_t n)
{
    const unsigned char *b = (const unsigned char *)p;
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, sizeof w);
        acc |= w;
        if (acc)
            return false;
    }
    for (; i < n; i++)
        acc |= b[i];
    return acc == 0;
}

/* Bytes of host memory held by frames. */
static inline uint64_t migsim_store_bytes(const migsim_store_t *s)
{
    return (uint64_t)s->used * MIGSIM_STORE_FRAME_BYTES;
}

/*
 * Functional memory access, no simulated time: what an OS-side page-table
 * builder or a checker uses to touch the bytes that timed requests see.
 * A migsim_store_t provides one (migsim_fmem_of_store); tests may provide
 * their own.
 */
typedef struct migsim_fmem_s {
    void *ctx;                                                          /* borrowed */
    void (*read)(void *ctx, uint64_t addr, void *dst, size_t len);
    int (*write)(void *ctx, uint64_t addr, const void *src, size_t len); /* 0 or MIGSIM_ENOMEM */
} migsim_fmem_t;

/* Functional access to a store. */
migsim_fmem_t migsim_fmem_of_store(migsim_store_t *s);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_STORE_H */
