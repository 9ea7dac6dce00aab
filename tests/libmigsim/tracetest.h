/*
 * tracetest.h - what the trace tests (test_trace.c, test_import_text.c,
 * test_import_bin.c) share: a scratch directory per test program, file
 * helpers, and the import-into-a-native-trace step. Include after cmocka.h.
 */
#ifndef MIGSIM_TESTS_TRACETEST_H
#define MIGSIM_TESTS_TRACETEST_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "migsim/trace.h"

static char g_dir[64]; /* the scratch directory, made by tracetest_setup */

/* Make the scratch directory /tmp/<prefix>_XXXXXX. A CMocka group setup. */
static inline int tracetest_setup(const char *prefix)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/%s_XXXXXX", prefix);
    return mkdtemp(g_dir) ? 0 : -1;
}

/* Remove the scratch directory and the files in it. */
static inline int tracetest_teardown(void)
{
    DIR *d = opendir(g_dir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(p, sizeof p, "%s/%s", g_dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    return rmdir(g_dir) == 0 ? 0 : -1;
}

/* A path in the scratch directory (8 results live at once). */
static inline const char *tpath(const char *name)
{
    static char buf[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", g_dir, name);
    return buf[k];
}

static inline int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* No "<anything>.tmp.<pid>" file left in the scratch directory. */
static inline void assert_no_temp(void)
{
    DIR *d = opendir(g_dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strstr(e->d_name, ".tmp.")) {
            fprintf(stderr, "temporary file left: %s\n", e->d_name);
            fail();
        }
    }
    closedir(d);
}

static inline void write_bytes(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static inline void write_text(const char *path, const char *s)
{
    write_bytes(path, s, strlen(s));
}

static inline void write_gz(const char *path, const void *b, size_t n)
{
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    if (n)
        assert_int_equal(gzwrite(gz, b, (unsigned)n), (int)n);
    assert_int_equal(gzclose(gz), Z_OK);
}

/* The whole file, malloc'd (one spare byte); its size in *n. */
static inline unsigned char *read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)sz + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    *n = (size_t)sz;
    return b;
}

/*
 * Import `in` into the native trace `out`. Returns the import's status; the
 * writer is closed (not aborted), so a failed import must have poisoned it:
 * close returns the same error.
 */
static inline int import_file(const char *in, migsim_import_fmt_t fmt, const char *out,
                              const migsim_import_opts_t *opts, migsim_import_report_t *rep)
{
    migsim_trace_wopts_t o;
    migsim_trace_wopts_default(&o);
    o.time_mode = migsim_import_time_mode(fmt);
    migsim_trace_writer_t *w;
    assert_int_equal(migsim_trace_writer_open(&w, out, &o), 0);
    int rc = migsim_trace_import(in, fmt, opts, w, rep);
    assert_int_equal(migsim_trace_writer_close(w), rc);
    return rc;
}

/* All records of a valid native trace (the first `cap` stored); their count. */
static inline size_t read_records(const char *path, migsim_trace_rec_t *out, size_t cap)
{
    migsim_trace_reader_t *r;
    assert_int_equal(migsim_trace_open(&r, path), 0);
    const migsim_trace_rec_t *q;
    size_t n = 0;
    int rc;
    while ((rc = migsim_trace_next(r, &q)) == 1) {
        if (n < cap)
            out[n] = *q;
        n++;
    }
    assert_int_equal(rc, 0);
    migsim_trace_close(r);
    return n;
}

#endif /* MIGSIM_TESTS_TRACETEST_H */
