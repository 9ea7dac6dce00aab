/*
 * fuzz_common.h - what the libFuzzer targets in tests/fuzz share: the
 * input bytes are written to a file (the importers and the reader take
 * paths) and run through one importer into a writer that is then aborted,
 * so nothing is kept. Errors are expected outcomes; crashes, sanitizer
 * reports and leaks are the findings.
 *
 * Hot path: one file write, one import, one writer abort per input.
 */
#ifndef MIGSIM_FUZZ_COMMON_H
#define MIGSIM_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migsim/trace.h"

/* Per-process scratch file for the input bytes. */
static inline const char *fuzz_in_path(void)
{
    static char p[128];
    if (!p[0]) {
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(p, sizeof p, "%s/migsim_fuzz_in.%d", dir, (int)getpid());
    }
    return p;
}

static inline const char *fuzz_out_path(void)
{
    static char p[128];
    if (!p[0]) {
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(p, sizeof p, "%s/migsim_fuzz_out.%d.mtr", dir, (int)getpid());
    }
    return p;
}

static inline int fuzz_write(const uint8_t *data, size_t size)
{
    FILE *f = fopen(fuzz_in_path(), "wb");
    if (!f)
        return -1;
    if (size && fwrite(data, 1, size, f) != size) {
        fclose(f);
        return -1;
    }
    return fclose(f);
}

/* Import data (as a file) with format fmt and options o; abort the output. */
static inline void fuzz_import(migsim_import_fmt_t fmt, const migsim_import_opts_t *o,
                        const uint8_t *data, size_t size)
{
    if (fuzz_write(data, size))
        return;
    migsim_trace_wopts_t wo;
    migsim_trace_wopts_default(&wo);
    wo.time_mode = migsim_import_time_mode(fmt);
    wo.level = 0;
    migsim_trace_writer_t *w;
    if (migsim_trace_writer_open(&w, fuzz_out_path(), &wo))
        return;
    migsim_import_report_t rep;
    (void)migsim_trace_import(fuzz_in_path(), fmt, o, w, &rep);
    migsim_trace_writer_abort(w);
}

/* Options from the first input byte: placement and a few flags, so that
 * the placement code is fuzzed with every parser. Consumes the byte. */
static inline void fuzz_opts(migsim_import_opts_t *o, const uint8_t **data, size_t *size)
{
    migsim_import_opts_default(o);
    if (*size == 0)
        return;
    uint8_t b = (*data)[0];
    (*data)++;
    (*size)--;
    o->place = (migsim_place_t)(b % 3);
    o->region_base = (uint64_t)((b >> 2) & 3) << 32;
    o->region_bytes = (b & 0x10) ? (1ull << 30) : 8192;
    o->keep_insns = (b >> 5) & 1;
    o->champsim_cloudsuite = (b >> 6) & 1;
    o->dma_dir = (uint8_t)((b >> 7) ? MIGSIM_DMA_DIR_READ : MIGSIM_DMA_DIR_WRITE);
    o->size_bytes = (b & 0x20) ? 32 : 64;
}

#endif /* MIGSIM_FUZZ_COMMON_H */
