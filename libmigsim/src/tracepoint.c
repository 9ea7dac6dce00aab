/*
 * tracepoint.c - the trace point table (migsim/tracepoint.h) made data, the
 * choice of points by name patterns, and the text and JSON lines.
 *
 * Hot path: none while tracing is off (MIGSIM_TRACE tests the mask inline);
 * on, one formatted line per event into a stack buffer, written with fputs.
 */
#include "migsim/tracepoint.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "tracepoint_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(MIGSIM_NTRACEPOINTS <= 64, "one bit per trace point in a 64-bit mask");

/* The fields of each point: tp_fields_<ID>[]. */
#define TP_FIELD(type, name) { #name, MIGSIM_TF_##type },
#define TP_FIELDS(id, name, help, fields) \
    static const migsim_tfield_t tp_fields_##id[MIGSIM_TP_NF_##id + 1] = { fields { NULL, 0 } };
MIGSIM_TRACEPOINTS(TP_FIELDS, TP_FIELD)

#define TP_ENTRY(id, name, help, fields) \
    [MIGSIM_TP_##id] = { name, help, tp_fields_##id, MIGSIM_TP_NF_##id },
static const migsim_tracepoint_t tp_table[MIGSIM_NTRACEPOINTS] = {
    MIGSIM_TRACEPOINTS(TP_ENTRY, MIGSIM__TP_NOFIELD)
};

const migsim_tracepoint_t *migsim_tracepoint(unsigned id)
{
    return id < MIGSIM_NTRACEPOINTS ? &tp_table[id] : NULL;
}

void migsim_tracepoints_list(FILE *f)
{
    for (unsigned i = 0; i < MIGSIM_NTRACEPOINTS; i++) {
        const migsim_tracepoint_t *tp = &tp_table[i];
        char fields[256] = "";
        size_t n = 0;
        for (unsigned j = 0; j < tp->nfields; j++)
            n += (size_t)snprintf(fields + n, sizeof fields - n, "%s%s:%s", j ? " " : "",
                                  tp->fields[j].name,
                                  tp->fields[j].type == MIGSIM_TF_HEX ? "hex" : "u64");
        fprintf(f, "%-14s %-32s %s\n", tp->name, fields, tp->help);
    }
}

/* Shell-style match of name[0..] against pat[0..plen): `*` is any run of characters. */
static bool tp_match(const char *pat, size_t plen, const char *name)
{
    if (plen == 0)
        return *name == '\0';
    if (*pat == '*') {
        for (const char *s = name;; s++) {
            if (tp_match(pat + 1, plen - 1, s))
                return true;
            if (!*s)
                return false;
        }
    }
    return *name == *pat && tp_match(pat + 1, plen - 1, name + 1);
}

int migsim_sim_trace_events(migsim_sim_t *sim, const char *patterns, migsim_tick_t from,
                            migsim_tick_t to, FILE *out, int json)
{
    if (!sim)
        return migsim_error(MIGSIM_EINVAL, "trace events: no simulation");
    uint64_t mask = 0;
    for (const char *p = patterns && *patterns ? patterns : NULL; p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0)
            return migsim_error(MIGSIM_EINVAL, "trace events \"%s\": an empty pattern", patterns);
        uint64_t m = 0;
        for (unsigned i = 0; i < MIGSIM_NTRACEPOINTS; i++)
            if (tp_match(p, len, tp_table[i].name))
                m |= 1ull << i;
        if (!m)
            return migsim_error(MIGSIM_EINVAL,
                                "trace point pattern \"%.*s\" matches no trace point "
                                "(see `migsim run --trace-events list`)",
                                (int)len, p);
        mask |= m;
        p = comma ? comma + 1 : NULL;
    }
    if (mask && from >= to)
        return migsim_error(MIGSIM_EINVAL,
                            "trace events: window [%" PRIu64 ", %" PRIu64 ") ps is empty", from, to);
    if (mask && !out)
        return migsim_error(MIGSIM_EINVAL, "trace events: no output stream");
    migsim_trace_cfg_t *t = migsim__sim_trace(sim);
    *t = (migsim_trace_cfg_t){ .mask = mask, .from = from, .to = to, .out = mask ? out : NULL,
                               .json = json != 0 };
    return MIGSIM_OK;
}

void migsim_trace_emit(migsim_sim_t *sim, unsigned id, migsim_tick_t now, const uint64_t *v)
{
    const migsim_trace_cfg_t *t = migsim__sim_trace(sim);
    if (id >= MIGSIM_NTRACEPOINTS || now < t->from || now >= t->to || !t->out)
        return;
    const migsim_tracepoint_t *tp = &tp_table[id];
    char line[512];
    size_t n = (size_t)snprintf(line, sizeof line,
                                t->json ? "{\"t_ps\":%" PRIu64 ",\"ev\":\"%s\"" : "%" PRIu64 " %s",
                                now, tp->name);
    for (unsigned j = 0; j < tp->nfields && n < sizeof line; j++) {
        const migsim_tfield_t *f = &tp->fields[j];
        if (t->json)
            n += (size_t)snprintf(line + n, sizeof line - n, ",\"%s\":%" PRIu64, f->name, v[j]);
        else
            n += (size_t)snprintf(line + n, sizeof line - n,
                                  f->type == MIGSIM_TF_HEX ? " %s=0x%" PRIx64 : " %s=%" PRIu64,
                                  f->name, v[j]);
    }
    if (n < sizeof line)
        snprintf(line + n, sizeof line - n, t->json ? "}\n" : "\n");
    fputs(line, t->out);
}

int migsim_parse_time_ps(const char *s, migsim_tick_t *out)
{
    static const struct { const char *unit; uint64_t ps; } units[] = {
        { "ps", 1 }, { "ns", 1000 }, { "us", 1000000 }, { "ms", 1000000000 },
        { "s", 1000000000000ull },
    };
    if (!s || *s < '0' || *s > '9')
        return MIGSIM_EINVAL;
    char *end;
    errno = 0;
    uint64_t v = strtoull(s, &end, 10);
    if (errno)
        return MIGSIM_ERANGE;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            if (v > UINT64_MAX / units[i].ps)
                return MIGSIM_ERANGE;
            *out = v * units[i].ps;
            return MIGSIM_OK;
        }
    }
    return MIGSIM_EINVAL;
}
