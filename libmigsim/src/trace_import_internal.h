/*
 * trace_import_internal.h - what the importer files (trace_import*.c)
 * share: the importer state, the compressed input stream (plain, gzip or
 * xz), the record emitter that applies address placement, and error
 * helpers that prefix "file:line:" or "file: record N:".
 *
 * Hot path: imp_emit(), once per produced record (placement, counts, one
 * migsim_trace_put()), and imp_in_read(), once per input chunk.
 */
#ifndef MIGSIM_TRACE_IMPORT_INTERNAL_H
#define MIGSIM_TRACE_IMPORT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "migsim/trace.h"

/* Input stream: gzopen() for plain and gzip, liblzma for xz. */
typedef struct imp_in_s {
    void *gz;             /* owned gzFile, or NULL */
    FILE *f;              /* owned: xz input file, or NULL */
    void *xz;             /* owned lzma_stream, or NULL */
    unsigned char *xzbuf; /* owned: compressed bytes read from f */
    int xz_eof;           /* f reached its end */
    int done;             /* decoded stream ended cleanly */
} imp_in_t;

/* Page map of PLACE_FOLD: open addressing, linear probing. */
typedef struct imp_pmap_s {
    uint64_t *key;        /* owned: page number + 1 per slot, 0 = empty */
    uint64_t *val;        /* owned: dense page index per slot */
    uint64_t cap;         /* slots, a power of two, <= 2 * FOLD_MAX_PAGES */
    uint64_t n;           /* pages stored */
    uint64_t last_page;   /* one-entry cache: last page looked up + 1 */
    uint64_t last_val;    /* its dense index */
} imp_pmap_t;

typedef struct imp_s {
    const char *path;             /* borrowed: input name for messages */
    migsim_import_fmt_t fmt;
    migsim_import_opts_t o;       /* copy of the options */
    migsim_trace_writer_t *w;     /* borrowed */
    migsim_import_report_t *rep;  /* borrowed, never NULL */
    imp_in_t in;                  /* current pass's input */
    int binary;                   /* 1: positions are record indices */
    int scan;                     /* 1: SCALE pre-pass, emit only records
                                     min/max, writes nothing */
    uint64_t amin, amax;          /* SCALE: address range seen in the scan */
    imp_pmap_t pm;                /* FOLD page map */
    uint64_t pend_insns;          /* GAP_INSNS: instructions not yet carried
                                     by a record's gap */
    uint64_t last_time;           /* ABS_PS: time of the last record, ps */
    int have_time;                /* a record with a time was emitted */
    int have_t0;                  /* ftrace/QEMU: a first stamp was seen */
    int have_first;               /* rebase_time: a record was written */
    uint64_t first_time;          /* rebase_time: its time as imported, ps */
    uint64_t t0_sec, t0_frac;     /* ftrace/QEMU: first stamp, s and ps; times
                                     are ps since it */
    /* per-format state */
    uint64_t prev_cycle;          /* DRAMSim3: last cycle seen */
    uint64_t prev_line;           /* DRAMSim3: line of prev_cycle, 0 if none */
    int qemu_dir;                 /* QEMU: op of the last NVMe command, -1 none */
    uint64_t gem5_freq;           /* gem5: ticks per second from the header */
    char dev_name[64][32];        /* ftrace: device names seen, in order */
    unsigned ndev;                /* entries of dev_name in use */
} imp_t;

/* Read up to n bytes: 0 and *got = 0 at a clean end; <0 on error (truncated
 * or corrupt stream, naming the file). */
int imp_in_read(imp_t *im, void *buf, size_t n, size_t *got);

/* Error with the current position prefixed: "path:LINE: " for text,
 * "path: record N: " for binary formats (N = rep->lines - 1). */
int imp_err(const imp_t *im, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Check the record's size, place its address and append it (possibly as
 * several records for FOLD across pages). Counts into the report. */
int imp_emit(imp_t *im, migsim_trace_rec_t *rec);

/* Count a skipped line or input record. */
static inline void imp_skip(imp_t *im, migsim_import_skip_t why)
{
    im->rep->skip[why]++;
    im->rep->skipped++;
}

/* gem5 packet trace importer (trace_import_gem5.c). */
int imp_gem5_run(imp_t *im);

#endif /* MIGSIM_TRACE_IMPORT_INTERNAL_H */
