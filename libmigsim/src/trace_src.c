/*
 * trace_src.c - the record source: one interface over a native trace file
 * and an in-process generator, so a trace player does not care where its
 * records come from.
 *
 * Hot path: migsim_recsrc_next(), once per record: a switch on the source
 * kind, then either a pointer bump in the reader's decoded block (plus one
 * inflate per block) or one generator step, and a 24-byte copy. Nothing is
 * allocated after open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migsim/errors.h"
#include "trace_internal.h"

typedef enum recsrc_kind_e { RECSRC_FILE, RECSRC_GEN } recsrc_kind_t;

struct migsim_recsrc_s {
    recsrc_kind_t kind;
    migsim_trace_reader_t *rd; /* owned; RECSRC_FILE only */
    migsim_gen_t gen;          /* RECSRC_GEN only */
    char name[64];             /* label for gen sources */
};

int migsim_recsrc_open_file(migsim_recsrc_t **out, const char *path)
{
    *out = NULL;
    migsim_recsrc_t *s = calloc(1, sizeof *s);
    if (!s)
        return migsim_error(MIGSIM_ENOMEM, "%s: out of memory", path);
    s->kind = RECSRC_FILE;
    int rc = migsim_trace_open(&s->rd, path);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int migsim_recsrc_open_gen(migsim_recsrc_t **out, const migsim_gen_config_t *c)
{
    *out = NULL;
    migsim_recsrc_t *s = calloc(1, sizeof *s);
    if (!s)
        return migsim_error(MIGSIM_ENOMEM, "gen: out of memory");
    s->kind = RECSRC_GEN;
    int rc = migsim_gen_init(&s->gen, c);
    if (rc) {
        free(s);
        return rc;
    }
    snprintf(s->name, sizeof s->name, "gen:%s", migsim_gen_pattern_name(c->pattern));
    *out = s;
    return 0;
}

int migsim_recsrc_next(migsim_recsrc_t *s, migsim_trace_rec_t *out)
{
    if (s->kind == RECSRC_FILE) {
        const migsim_trace_rec_t *r;
        int rc = migsim_trace_next(s->rd, &r);
        if (rc == 1)
            *out = *r;
        return rc;
    }
    return migsim_gen_next(&s->gen, out);
}

migsim_time_mode_t migsim_recsrc_time_mode(const migsim_recsrc_t *s)
{
    return s->kind == RECSRC_FILE ? migsim_trace_info(s->rd)->time_mode : MIGSIM_TIME_ABS_PS;
}

int64_t migsim_recsrc_count(const migsim_recsrc_t *s)
{
    uint64_t n = s->kind == RECSRC_FILE ? migsim_trace_info(s->rd)->records : s->gen.cfg.count;
    return n > (uint64_t)INT64_MAX ? -1 : (int64_t)n;
}

const char *migsim_recsrc_name(const migsim_recsrc_t *s)
{
    return s->kind == RECSRC_FILE ? migsim__trace_reader_path(s->rd) : s->name;
}

void migsim_recsrc_close(migsim_recsrc_t *s)
{
    if (!s)
        return;
    migsim_trace_close(s->rd);
    free(s);
}
