/*
 * store.c - the sparse functional memory behind migsim/store.h.
 *
 * Open addressing with linear probing over frame numbers, multiplicative
 * hashing, growth at 50% load. Frames are never freed before fini.
 */
#include "migsim/store.h"
#include "migsim/errors.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static inline size_t store_hash(uint64_t frame, size_t mask)
{
    return (size_t)((frame * 0x9e3779b97f4a7c15ull) >> 17) & mask;
}

void migsim_store_init(migsim_store_t *s)
{
    *s = (migsim_store_t){ 0 };
}

void migsim_store_fini(migsim_store_t *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->frames ? s->frames[i] : NULL);
    free(s->keys);
    free(s->frames);
    free(s->memo);
    *s = (migsim_store_t){ 0 };
}

/* Frames never move or go before fini, so a remembered pointer stays valid. */
static uint8_t *store_find(const migsim_store_t *s, uint64_t frame)
{
    if (!s->cap)
        return NULL;
    migsim_store_memo_t *m = &s->memo[frame % MIGSIM_STORE_MEMO];
    if (m->key == frame + 1)
        return m->frame;
    size_t mask = s->cap - 1;
    for (size_t i = store_hash(frame, mask);; i = (i + 1) & mask) {
        if (s->keys[i] == frame + 1) {
            m->key = frame + 1;
            m->frame = s->frames[i];
            return m->frame;
        }
        if (s->keys[i] == 0)
            return NULL;
    }
}

static int store_grow(migsim_store_t *s)
{
    size_t cap = s->cap ? 2 * s->cap : 1024;
    if (!s->memo && !(s->memo = calloc(MIGSIM_STORE_MEMO, sizeof *s->memo)))
        return migsim_error(MIGSIM_ENOMEM, "functional store: out of memory");
    uint64_t *keys = calloc(cap, sizeof *keys);
    uint8_t **frames = calloc(cap, sizeof *frames);
    if (!keys || !frames) {
        free(keys);
        free(frames);
        return migsim_error(MIGSIM_ENOMEM, "functional store: out of memory");
    }
    for (size_t j = 0; j < s->cap; j++) {
        if (!s->keys[j])
            continue;
        size_t i = store_hash(s->keys[j] - 1, cap - 1);
        while (keys[i])
            i = (i + 1) & (cap - 1);
        keys[i] = s->keys[j];
        frames[i] = s->frames[j];
    }
    free(s->keys);
    free(s->frames);
    s->keys = keys;
    s->frames = frames;
    s->cap = cap;
    return MIGSIM_OK;
}

static uint8_t *store_get(migsim_store_t *s, uint64_t frame)
{
    uint8_t *f = store_find(s, frame);
    if (f)
        return f;
    if (2 * (s->used + 1) > s->cap && store_grow(s) != 0)
        return NULL;
    f = calloc(1, MIGSIM_STORE_FRAME_BYTES);
    if (!f)
        return NULL;
    size_t mask = s->cap - 1;
    size_t i = store_hash(frame, mask);
    while (s->keys[i])
        i = (i + 1) & mask;
    s->keys[i] = frame + 1;
    s->frames[i] = f;
    s->used++;
    return f;
}

uint8_t *migsim_store_frame(migsim_store_t *s, uint64_t addr)
{
    uint8_t *f = store_get(s, addr / MIGSIM_STORE_FRAME_BYTES);
    if (!f)
        migsim_error(MIGSIM_ENOMEM, "functional store: out of memory");
    return f;
}

/* Bytes of [addr, addr + len) that lie in addr's frame. */
static inline size_t frame_piece(uint64_t addr, size_t len)
{
    size_t n = MIGSIM_STORE_FRAME_BYTES - (size_t)(addr % MIGSIM_STORE_FRAME_BYTES);
    return n < len ? n : len;
}

int migsim_store_write(migsim_store_t *s, uint64_t addr, const void *src, size_t len)
{
    const uint8_t *p = src;
    while (len) {
        uint64_t frame = addr / MIGSIM_STORE_FRAME_BYTES;
        size_t off = (size_t)(addr % MIGSIM_STORE_FRAME_BYTES);
        size_t n = frame_piece(addr, len);
        uint8_t *f = store_find(s, frame);
        if (!f && migsim_bytes_zero(p, n)) {
            /* a frame never written reads as zeros already: writing zeros needs no frame */
            p += n;
            addr += n;
            len -= n;
            continue;
        }
        if (!f)
            f = store_get(s, frame);
        if (!f)
            return migsim_error(MIGSIM_ENOMEM, "functional store: out of memory");
        memcpy(f + off, p, n);
        p += n;
        addr += n;
        len -= n;
    }
    return MIGSIM_OK;
}

void migsim_store_read(const migsim_store_t *s, uint64_t addr, void *dst, size_t len)
{
    uint8_t *p = dst;
    while (len) {
        uint64_t frame = addr / MIGSIM_STORE_FRAME_BYTES;
        size_t off = (size_t)(addr % MIGSIM_STORE_FRAME_BYTES);
        size_t n = frame_piece(addr, len);
        const uint8_t *f = store_find(s, frame);
        if (f)
            memcpy(p, f + off, n);
        else
            memset(p, 0, n);
        p += n;
        addr += n;
        len -= n;
    }
}

static void fmem_store_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
    migsim_store_read(ctx, addr, dst, len);
}

static int fmem_store_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
    return migsim_store_write(ctx, addr, src, len);
}

migsim_fmem_t migsim_fmem_of_store(migsim_store_t *s)
{
    return (migsim_fmem_t){ .ctx = s, .read = fmem_store_read, .write = fmem_store_write };
}
