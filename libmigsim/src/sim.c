/*
 * sim.c - a simulation built from a JSON configuration: parameter tables
 * applied with validation, components created from the registry, links
 * bound and their graph checked (no loop, no route deeper than a request
 * holds), the components' configure and init phases, the run loop, epoch
 * sampling within its bound, and the statistics JSON and its file.
 *
 * Everything here is set-up or tear-down; the hot path lives in the models.
 * cJSON is used here (configuration, statistics output) and nowhere in the
 * models.
 */
#include "migsim/sim.h"
#include "migsim/errors.h"
#include "migsim/version.h"
#include "tracepoint_internal.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIM_MAX_COMPS 1024u

typedef struct sim_series_s {
    char *name;                 /* owned: dotted statistic name */
    migsim_comp_t *comp;        /* borrowed */
    const migsim_stat_def_t *def; /* borrowed */
    double *v;                  /* owned: samples */
} sim_series_t;

struct migsim_sim_s {
    migsim_kernel_t k;
    migsim_req_pool_t pool;
    char *source;               /* owned: configuration name for messages */
    migsim_comp_t **comps;      /* owned: components, in configuration order */
    size_t ncomps;
    migsim_link_t *links;       /* owned: delay links */
    size_t nlinks;              /* bound so far; links[] has one slot per $.links entry */
    migsim_link_spec_t *specs;  /* owned: $.links as configured */
    size_t nspecs;
    unsigned flags;             /* MIGSIM_SIM_* creation flags */
    uint64_t seed;              /* sim.seed */
    migsim_tick_t end_ps;       /* sim.end_ps, 0 = run to idle */
    migsim_tick_t epoch_ps;     /* sim.epoch_ps, 0 = no series */
    migsim_event_t epoch_ev;    /* daemon: samples the series */
    sim_series_t *series;       /* owned */
    size_t nseries;
    size_t nsamples, cap_samples;
    size_t max_samples;         /* MIGSIM_SERIES_MAX_VALUES / nseries: the series' bound */
    migsim_tick_t *sample_t;    /* owned: sample times, ps */
    int fail_code;              /* input error raised during the run */
    char fail_msg[1024];
    size_t ninit;               /* comps[0..ninit) have been through init */
    int phase;                  /* MIGSIM_PHASE_* */
    bool started;
    bool outcome_set;           /* migsim_sim_set_outcome was called */
    int outcome_status;         /* ... with this exit status */
    char *outcome_reason;       /* owned: ... and this reason ("" = none) */
    migsim_progress_fn progress;  /* migsim_sim_set_progress: called every progress_ps */
    void *progress_ctx;
    migsim_tick_t progress_ps;
    migsim_tick_t progress_next;  /* simulated time of the next call */
    migsim_trace_cfg_t trace;     /* trace points written (migsim_sim_trace_events) */
};

migsim_trace_cfg_t *migsim__sim_trace(migsim_sim_t *sim) { return &sim->trace; }

/* ---- small helpers ------------------------------------------------------ */

int migsim_parse_size(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return MIGSIM_EINVAL;
    /* digits only: no sign, no leading space, decimal or 0x hex (never octal) */
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char *digits = hex ? s + 2 : s;
    if (!(hex ? isxdigit((unsigned char)*digits) : isdigit((unsigned char)*digits)))
        return MIGSIM_EINVAL;
    char *end;
    errno = 0;
    uint64_t v = strtoull(digits, &end, hex ? 16 : 10);
    bool over = errno == ERANGE; /* a well-formed number past 64 bits: checked after the suffix */
    if (errno && !over)
        return MIGSIM_EINVAL;
    uint64_t mul = 1;
    if (*end) {
        static const struct { const char *suf; uint64_t mul; } sufs[] = {
            { "K", 1ull << 10 }, { "KiB", 1ull << 10 }, { "k", 1ull << 10 },
            { "M", 1ull << 20 }, { "MiB", 1ull << 20 },
            { "G", 1ull << 30 }, { "GiB", 1ull << 30 },
            { "T", 1ull << 40 }, { "TiB", 1ull << 40 },
        };
        mul = 0;
        for (size_t i = 0; i < sizeof sufs / sizeof sufs[0]; i++)
            if (strcmp(end, sufs[i].suf) == 0)
                mul = sufs[i].mul;
        if (!mul)
            return MIGSIM_EINVAL;
    }
    if (over || (v && mul > UINT64_MAX / v))
        return MIGSIM_ERANGE;
    *out = v * mul;
    return MIGSIM_OK;
}

static char *sim_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static const char *json_kind(const cJSON *v)
{
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    return "an invalid value";
}

migsim_port_t *migsim_comp_port(migsim_comp_t *c, const char *name)
{
    for (const migsim_port_def_t *p = c->ops->ports; p && p->name; p++)
        if (strcmp(p->name, name) == 0)
            return (migsim_port_t *)((char *)c + p->offset);
    return NULL;
}

bool migsim_comp_param_given(const migsim_comp_t *c, const char *name)
{
    size_t i = 0;
    for (const migsim_param_t *p = c->ops->params; p && p->name; p++, i++)
        if (strcmp(p->name, name) == 0)
            return c->params_given && c->params_given[i];
    return false;
}

/* Put the configuration's name, and the component's path unless the message names one, in front. */
static int comp_error(const migsim_sim_t *sim, const migsim_comp_t *c, int rc)
{
    if (strncmp(migsim_errmsg(), "$.", 2) == 0)
        return migsim_error_wrap(rc, "%s", sim->source);
    return migsim_error_wrap(rc, "%s: %s", sim->source, c->config_path);
}

const migsim_comp_ops_t *migsim_registry_find(const char *type)
{
    for (size_t i = 0; migsim_registry[i]; i++)
        if (strcmp(migsim_registry[i]->type, type) == 0)
            return migsim_registry[i];
    return NULL;
}

/* ---- parameters --------------------------------------------------------- */

static void param_set_default(migsim_comp_t *c, const migsim_param_t *p)
{
    char *f = (char *)c + p->offset;
    switch (p->type) {
    case MIGSIM_PT_U64:  *(uint64_t *)f = p->def_u; break;
    case MIGSIM_PT_U32:
    case MIGSIM_PT_ENUM: *(uint32_t *)f = (uint32_t)p->def_u; break;
    case MIGSIM_PT_F64:  *(double *)f = p->def_f; break;
    case MIGSIM_PT_BOOL: *(bool *)f = p->def_u != 0; break;
    case MIGSIM_PT_STR:  *(char **)f = NULL; break;
    }
}

static int param_set_json(migsim_sim_t *sim, migsim_comp_t *c, const migsim_param_t *p,
                          const cJSON *v, const char *path)
{
    char *f = (char *)c + p->offset;
    const char *src = sim->source;
    switch (p->type) {
    case MIGSIM_PT_U64:
    case MIGSIM_PT_U32: {
        uint64_t u;
        if (cJSON_IsNumber(v)) {
            double d = v->valuedouble;
            if (d < 0 || d != floor(d) || d > 9007199254740992.0)
                return migsim_error(MIGSIM_ECONFIG,
                                    "%s: %s: expected a non-negative integer, got %g", src, path, d);
            u = (uint64_t)d;
        } else if (cJSON_IsString(v)) {
            int prc = migsim_parse_size(v->valuestring, &u);
            if (prc == MIGSIM_ERANGE)
                return migsim_error(MIGSIM_ECONFIG, "%s: %s: \"%s\" overflows 64 bits (at most "
                                    "%" PRIu64 ")", src, path, v->valuestring, UINT64_MAX);
            if (prc != 0)
                return migsim_error(MIGSIM_ECONFIG,
                                    "%s: %s: \"%s\" is not an integer (suffixes K, M, G, KiB, MiB, GiB)",
                                    src, path, v->valuestring);
        } else {
            return migsim_error(MIGSIM_ECONFIG, "%s: %s: expected an integer, got %s",
                                src, path, json_kind(v));
        }
        uint64_t max = p->max_u ? p->max_u : (p->type == MIGSIM_PT_U32 ? UINT32_MAX : UINT64_MAX);
        if (u < p->min_u || u > max)
            return migsim_error(MIGSIM_ECONFIG,
                                "%s: %s: %" PRIu64 " is out of range [%" PRIu64 ", %" PRIu64 "]",
                                src, path, u, p->min_u, max);
        if (p->type == MIGSIM_PT_U64)
            *(uint64_t *)f = u;
        else
            *(uint32_t *)f = (uint32_t)u;
        return MIGSIM_OK;
    }
    case MIGSIM_PT_F64:
        if (!cJSON_IsNumber(v))
            return migsim_error(MIGSIM_ECONFIG, "%s: %s: expected a number, got %s",
                                src, path, json_kind(v));
        if (v->valuedouble < p->min_f || v->valuedouble > p->max_f)
            return migsim_error(MIGSIM_ECONFIG, "%s: %s: %g is out of range [%g, %g]",
                                src, path, v->valuedouble, p->min_f, p->max_f);
        *(double *)f = v->valuedouble;
        return MIGSIM_OK;
    case MIGSIM_PT_BOOL:
        if (!cJSON_IsBool(v))
            return migsim_error(MIGSIM_ECONFIG, "%s: %s: expected true or false, got %s",
                                src, path, json_kind(v));
        *(bool *)f = cJSON_IsTrue(v);
        return MIGSIM_OK;
    case MIGSIM_PT_STR: {
        if (!cJSON_IsString(v))
            return migsim_error(MIGSIM_ECONFIG, "%s: %s: expected a string, got %s",
                                src, path, json_kind(v));
        char *d = sim_strdup(v->valuestring);
        if (!d)
            return migsim_error(MIGSIM_ENOMEM, "out of memory");
        free(*(char **)f);
        *(char **)f = d;
        return MIGSIM_OK;
    }
    case MIGSIM_PT_ENUM:
        if (!cJSON_IsString(v))
            return migsim_error(MIGSIM_ECONFIG, "%s: %s: expected a string, got %s",
                                src, path, json_kind(v));
        for (uint32_t i = 0; p->choices[i]; i++)
            if (strcmp(p->choices[i], v->valuestring) == 0) {
                *(uint32_t *)f = i;
                return MIGSIM_OK;
            }
        {
            char list[512] = "";
            for (uint32_t i = 0; p->choices[i]; i++) {
                strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, p->choices[i], sizeof list - strlen(list) - 1);
            }
            return migsim_error(MIGSIM_ECONFIG, "%s: %s: \"%s\" is not one of: %s",
                                src, path, v->valuestring, list);
        }
    }
    return migsim_error(MIGSIM_EINVAL, "%s: %s: bad parameter table", src, path);
}

static void comp_free(migsim_comp_t *c, bool inited)
{
    if (!c)
        return;
    if (inited && c->ops->fini)
        c->ops->fini(c);
    for (const migsim_param_t *p = c->ops->params; p && p->name; p++)
        if (p->type == MIGSIM_PT_STR)
            free(*(char **)((char *)c + p->offset));
    free((char *)c->config_path);
    free(c->params_given);
    free(c->name);
    free(c);
}

/* ---- configuration ------------------------------------------------------ */

/* Merge `over` into `base` (both objects): objects merge, null deletes, the rest replaces. */
static int json_merge(cJSON *base, const cJSON *over)
{
    for (const cJSON *it = over->child; it; it = it->next) {
        cJSON *b = cJSON_GetObjectItemCaseSensitive(base, it->string);
        if (cJSON_IsNull(it)) {
            cJSON_DeleteItemFromObjectCaseSensitive(base, it->string);
        } else if (b && cJSON_IsObject(b) && cJSON_IsObject(it)) {
            if (json_merge(b, it))
                return MIGSIM_ENOMEM;
        } else {
            cJSON *dup = cJSON_Duplicate(it, 1);
            if (!dup)
                return MIGSIM_ENOMEM;
            if (b)
                cJSON_ReplaceItemInObjectCaseSensitive(base, it->string, dup);
            else
                cJSON_AddItemToObject(base, it->string, dup);
        }
    }
    return MIGSIM_OK;
}

static int json_parse(const char *text, const char *name, cJSON **out)
{
    const char *end = NULL;
    *out = cJSON_ParseWithOpts(text, &end, 1);
    if (*out)
        return MIGSIM_OK;
    const char *at = end ? end : cJSON_GetErrorPtr();
    /*
     * For an object member that is not a key (a trailing comma: {"a": 1,}),
     * cJSON points one past the closing brace; point at the brace itself.
     */
    if (at && at > text && (at[-1] == '}')) {
        const char *q = at - 1;
        while (q > text && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\n' || q[-1] == '\r'))
            q--;
        if (q > text && q[-1] == ',')
            at--;
    }
    unsigned line = 1, col = 1;
    for (const char *p = text; at && p < at && *p; p++) {
        if (*p == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    return migsim_error(MIGSIM_ECONFIG, "%s:%u:%u: JSON syntax error", name, line, col);
}

static int check_keys(const char *src, const cJSON *obj, const char *path,
                      const char *const *allowed)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            ok |= strcmp(allowed[i], it->string) == 0;
        if (!ok)
            return migsim_error(MIGSIM_ECONFIG, "%s: %s.%s: unknown key", src, path, it->string);
    }
    return MIGSIM_OK;
}

static int get_u64(const char *src, const cJSON *obj, const char *key, const char *path,
                   uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return MIGSIM_OK;
    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble == floor(v->valuedouble) &&
        v->valuedouble <= 9007199254740992.0) {
        *out = (uint64_t)v->valuedouble;
        return MIGSIM_OK;
    }
    int prc = cJSON_IsString(v) ? migsim_parse_size(v->valuestring, out) : MIGSIM_EINVAL;
    if (prc == MIGSIM_OK)
        return MIGSIM_OK;
    if (prc == MIGSIM_ERANGE)
        return migsim_error(MIGSIM_ECONFIG, "%s: %s.%s: \"%s\" overflows 64 bits (at most "
                            "%" PRIu64 ")", src, path, key, v->valuestring, UINT64_MAX);
    return migsim_error(MIGSIM_ECONFIG, "%s: %s.%s: expected a non-negative integer, got %s",
                        src, path, key, json_kind(v));
}

static int sim_add_component(migsim_sim_t *sim, const cJSON *cfg)
{
    const char *src = sim->source;
    char path[320];
    snprintf(path, sizeof path, "$.components.%s", cfg->string);
    if (!cJSON_IsObject(cfg))
        return migsim_error(MIGSIM_ECONFIG, "%s: %s: expected an object, got %s",
                            src, path, json_kind(cfg));
    if (strlen(cfg->string) == 0 || strlen(cfg->string) > 64 || strchr(cfg->string, '.'))
        return migsim_error(MIGSIM_ECONFIG,
                            "%s: %s: a component name has 1 to 64 characters and no '.'", src, path);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(cfg, "type");
    if (!cJSON_IsString(type))
        return migsim_error(MIGSIM_ECONFIG, "%s: %s.type: expected a component type name (string)",
                            src, path);
    const migsim_comp_ops_t *ops = migsim_registry_find(type->valuestring);
    if (!ops)
        return migsim_error(MIGSIM_ECONFIG,
                            "%s: %s.type: unknown component type \"%s\" (see `migsim describe`)",
                            src, path, type->valuestring);
    if (sim->ncomps >= SIM_MAX_COMPS)
        return migsim_error(MIGSIM_ECONFIG, "%s: %s: more than %u components", src, path,
                            SIM_MAX_COMPS);
    migsim_comp_t *c = calloc(1, ops->size);
    if (!c)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    c->ops = ops;
    c->sim = sim;
    c->k = &sim->k;
    c->pool = &sim->pool;
    c->trace_mask = &sim->trace.mask;
    c->name = sim_strdup(cfg->string);
    c->config_path = sim_strdup(path);
    size_t nparams = 0;
    for (const migsim_param_t *p = ops->params; p && p->name; p++)
        nparams++;
    c->params_given = calloc(nparams ? nparams : 1, 1);
    sim->comps[sim->ncomps++] = c;
    if (!c->name || !c->config_path || !c->params_given)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    for (const migsim_param_t *p = ops->params; p && p->name; p++)
        param_set_default(c, p);
    for (const cJSON *it = cfg->child; it; it = it->next) {
        if (strcmp(it->string, "type") == 0)
            continue;
        const migsim_param_t *p = ops->params;
        while (p && p->name && strcmp(p->name, it->string) != 0)
            p++;
        if (!p || !p->name)
            return migsim_error(MIGSIM_ECONFIG,
                                "%s: %s.%s: unknown parameter of type \"%s\" (see `migsim describe %s`)",
                                src, path, it->string, ops->type, ops->type);
        char ppath[400];
        snprintf(ppath, sizeof ppath, "%s.%s", path, it->string);
        int rc = param_set_json(sim, c, p, it, ppath);
        if (rc)
            return rc;
        c->params_given[p - ops->params] = 1;
    }
    for (const migsim_param_t *p = ops->params; p && p->name; p++) {
        char **s = (char **)((char *)c + p->offset);
        if (p->type == MIGSIM_PT_STR && !*s && !(*s = sim_strdup(p->def_s ? p->def_s : "")))
            return migsim_error(MIGSIM_ENOMEM, "out of memory");
    }
    for (const migsim_port_def_t *pd = ops->ports; pd && pd->name; pd++) {
        migsim_port_t *port = (migsim_port_t *)((char *)c + pd->offset);
        *port = (migsim_port_t){ .name = pd->name, .owner = c, .recv = pd->recv,
                                 .resp = pd->resp, .retry = pd->retry, .dir = (uint8_t)pd->dir };
    }
    return MIGSIM_OK;
}

static int sim_resolve_port(migsim_sim_t *sim, const cJSON *v, const char *path,
                            migsim_port_t **out)
{
    if (!cJSON_IsString(v))
        return migsim_error(MIGSIM_ECONFIG, "%s: %s: expected \"component.port\", got %s",
                            sim->source, path, json_kind(v));
    char buf[256];
    snprintf(buf, sizeof buf, "%s", v->valuestring);
    char *dot = strchr(buf, '.');
    if (!dot)
        return migsim_error(MIGSIM_ECONFIG, "%s: %s: \"%s\" is not of the form component.port",
                            sim->source, path, v->valuestring);
    *dot = '\0';
    migsim_comp_t *c = migsim_sim_find(sim, buf);
    if (!c)
        return migsim_error(MIGSIM_ECONFIG, "%s: %s: no component named \"%s\"", sim->source,
                            path, buf);
    *out = migsim_comp_port(c, dot + 1);
    if (!*out)
        return migsim_error(MIGSIM_ECONFIG, "%s: %s: component \"%s\" (%s) has no port \"%s\"",
                            sim->source, path, buf, c->ops->type, dot + 1);
    return MIGSIM_OK;
}

static int sim_bind_links(migsim_sim_t *sim, const cJSON *links)
{
    const char *src = sim->source;
    if (!links)
        return MIGSIM_OK;
    if (!cJSON_IsArray(links))
        return migsim_error(MIGSIM_ECONFIG, "%s: $.links: expected an array, got %s", src,
                            json_kind(links));
    size_t n = (size_t)cJSON_GetArraySize(links);
    sim->links = calloc(n ? n : 1, sizeof *sim->links);
    sim->specs = calloc(n ? n : 1, sizeof *sim->specs);
    if (!sim->links || !sim->specs)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    static const char *const keys[] = { "from", "to", "latency_ps", "capacity", NULL };
    size_t i = 0;
    for (const cJSON *l = links->child; l; l = l->next, i++) {
        char path[64];
        snprintf(path, sizeof path, "$.links[%zu]", i);
        if (!cJSON_IsObject(l))
            return migsim_error(MIGSIM_ECONFIG, "%s: %s: expected an object, got %s", src, path,
                                json_kind(l));
        int rc = check_keys(src, l, path, keys);
        if (rc)
            return rc;
        migsim_port_t *from, *to;
        char fpath[80], tpath[80];
        snprintf(fpath, sizeof fpath, "%s.from", path);
        snprintf(tpath, sizeof tpath, "%s.to", path);
        if ((rc = sim_resolve_port(sim, cJSON_GetObjectItemCaseSensitive(l, "from"), fpath, &from)) ||
            (rc = sim_resolve_port(sim, cJSON_GetObjectItemCaseSensitive(l, "to"), tpath, &to)))
            return rc;
        if (from->dir != MIGSIM_PORT_OUT)
            return migsim_error(MIGSIM_ECONFIG, "%s: %s: port %s.%s is not an out port", src,
                                fpath, from->owner->name, from->name);
        if (to->dir != MIGSIM_PORT_IN)
            return migsim_error(MIGSIM_ECONFIG, "%s: %s: port %s.%s is not an in port", src,
                                tpath, to->owner->name, to->name);
        if (from->peer || to->peer || from->external || to->external)
            return migsim_error(MIGSIM_ECONFIG, "%s: %s: port already bound", src,
                                from->peer || from->external ? fpath : tpath);
        uint64_t lat = 0, cap = 16;
        if ((rc = get_u64(src, l, "latency_ps", path, &lat)) ||
            (rc = get_u64(src, l, "capacity", path, &cap)))
            return rc;
        if (cap < 1 || cap > 1u << 20)
            return migsim_error(MIGSIM_ECONFIG, "%s: %s.capacity: %" PRIu64
                                " is out of range [1, 1048576]", src, path, cap);
        sim->specs[sim->nspecs++] = (migsim_link_spec_t){ .from = from, .to = to,
                                                          .latency_ps = lat,
                                                          .capacity = (uint32_t)cap };
        if (sim->flags & MIGSIM_SIM_LINKS_UNBOUND) {
            /* the embedding program binds both ends (migsim_sim_bind_port) */
            from->external = to->external = 1;
            continue;
        }
        if (lat == 0) {
            rc = migsim_port_bind(from, to);
        } else {
            rc = migsim_port_bind_link(&sim->links[sim->nlinks], &sim->k, from, to, lat,
                                       (uint32_t)cap);
            if (!rc)
                sim->nlinks++;
        }
        if (rc)
            return migsim_error_wrap(rc, "%s: %s", src, path);
    }
    return MIGSIM_OK;
}

/* ---- the link graph: loops and route depth --------------------------------- */

/*
 * Requests flow from initiators towards memory. A loop in the links (a
 * component whose requests, or requests they cause, come back to it)
 * recurses without end on zero-latency links and never goes idle on delay
 * links; a path that pushes more return-path entries than a request's route
 * holds (MIGSIM_REQ_ROUTE_MAX) would lose the way back. Both are
 * configuration errors naming an entry of $.links.
 *
 * The graph has an edge from component A to component B for each $.links
 * entry from an OUT port of A to an IN port of B. For the loop check a
 * request reaching a component may cause traffic on any of its OUT ports;
 * the route depth follows the request itself: its IN port pushes
 * route_push entries and, unless route_ends, it travels on through the
 * component's OUT ports.
 */

typedef struct sim_graph_s {
    migsim_sim_t *sim;
    size_t *from, *to;          /* owned: component index of each spec's ends */
    uint8_t *state;             /* owned: per component: 0 new, 1 on the DFS path, 2 done */
    size_t *path;               /* owned: the DFS path, component indices */
    size_t *next;               /* owned: per component: next spec to look at */
    unsigned *down;             /* owned: per component: entries its OUT ports may push */
    size_t *best;               /* owned: per component: the spec giving down[], or SIZE_MAX */
} sim_graph_t;

static size_t comp_index(const migsim_sim_t *sim, const migsim_comp_t *c)
{
    size_t i = 0;
    while (i < sim->ncomps && sim->comps[i] != c)
        i++;
    return i;
}

static const migsim_port_def_t *port_def_of(const migsim_port_t *p)
{
    for (const migsim_port_def_t *d = p->owner->ops->ports; d && d->name; d++)
        if ((const migsim_port_t *)((const char *)p->owner + d->offset) == p)
            return d;
    return NULL;
}

/* Entries pushed on a request sent on spec i, from its target port down. */
static unsigned graph_depth(sim_graph_t *g, size_t i)
{
    const migsim_port_def_t *d = port_def_of(g->sim->specs[i].to);
    unsigned n = d ? d->route_push : 0;
    if (!d || !d->route_ends) {
        size_t c = g->to[i];
        if (g->state[c] != 2) { /* memoised; the graph has no loop, so this ends */
            g->down[c] = 0;
            g->best[c] = SIZE_MAX;
            for (size_t j = 0; j < g->sim->nspecs; j++) {
                if (g->from[j] != c)
                    continue;
                unsigned dj = graph_depth(g, j);
                if (g->best[c] == SIZE_MAX || dj > g->down[c]) {
                    g->down[c] = dj;
                    g->best[c] = j;
                }
            }
            g->state[c] = 2;
        }
        n += g->down[c];
    }
    return n;
}

/* Append to the message text in buf (cap bytes), truncating. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void path_add(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    if (len + 1 < cap)
        vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
}

static int graph_check(sim_graph_t *g)
{
    migsim_sim_t *sim = g->sim;
    const char *src = sim->source;
    size_t n = sim->ncomps, depth = 0;
    for (size_t i = 0; i < sim->nspecs; i++) {
        g->from[i] = comp_index(sim, sim->specs[i].from->owner);
        g->to[i] = comp_index(sim, sim->specs[i].to->owner);
    }
    /* loops: depth-first search, iterative; an edge to a component on the path closes one */
    for (size_t root = 0; root < n; root++) {
        if (g->state[root])
            continue;
        g->state[root] = 1;
        g->path[depth++] = root;
        while (depth) {
            size_t c = g->path[depth - 1], j = g->next[c];
            while (j < sim->nspecs && g->from[j] != c)
                j++;
            if (j == sim->nspecs) {
                g->state[c] = 2;
                depth--;
                continue;
            }
            g->next[c] = j + 1;
            size_t t = g->to[j];
            if (g->state[t] == 1) {
                char cyc[512] = "";
                size_t k = depth;
                while (g->path[k - 1] != t)
                    k--;
                for (; k <= depth; k++)
                    path_add(cyc, sizeof cyc, "%s -> ", sim->comps[g->path[k - 1]]->name);
                path_add(cyc, sizeof cyc, "%s", sim->comps[t]->name);
                return migsim_error(MIGSIM_ECONFIG, "%s: $.links[%zu]: closes a loop (%s): requests "
                                    "flow from initiators to memory and must not come back to a "
                                    "component they have passed", src, j, cyc);
            }
            if (g->state[t] == 0) {
                g->state[t] = 1;
                g->path[depth++] = t;
            }
        }
    }
    /* route depth: the deepest path from any link */
    memset(g->state, 0, n);
    size_t worst = SIZE_MAX;
    unsigned worst_n = 0;
    for (size_t i = 0; i < sim->nspecs; i++) {
        unsigned d = graph_depth(g, i);
        if (d > worst_n) {
            worst_n = d;
            worst = i;
        }
    }
    if (worst_n <= MIGSIM_REQ_ROUTE_MAX)
        return MIGSIM_OK;
    char route[640] = "";
    for (size_t i = worst; i != SIZE_MAX;) {
        const migsim_link_spec_t *l = &sim->specs[i];
        if (!route[0])
            path_add(route, sizeof route, "%s.%s", l->from->owner->name, l->from->name);
        path_add(route, sizeof route, " -> %s.%s", l->to->owner->name, l->to->name);
        const migsim_port_def_t *d = port_def_of(l->to);
        i = d && d->route_ends ? SIZE_MAX : g->best[g->to[i]];
    }
    return migsim_error(MIGSIM_ECONFIG, "%s: $.links[%zu]: a request sent here pushes %u return-path "
                        "entries (%s), more than the %u a request's route holds", src, worst,
                        worst_n, route, MIGSIM_REQ_ROUTE_MAX);
}

static int sim_check_graph(migsim_sim_t *sim)
{
    size_t n = sim->ncomps, m = sim->nspecs ? sim->nspecs : 1;
    sim_graph_t g = { .sim = sim };
    g.from = calloc(m, sizeof *g.from);
    g.to = calloc(m, sizeof *g.to);
    g.state = calloc(n, 1);
    g.path = calloc(n, sizeof *g.path);
    g.next = calloc(n, sizeof *g.next);
    g.down = calloc(n, sizeof *g.down);
    g.best = calloc(n, sizeof *g.best);
    int rc = g.from && g.to && g.state && g.path && g.next && g.down && g.best
                 ? graph_check(&g)
                 : migsim_error(MIGSIM_ENOMEM, "out of memory");
    free(g.from);
    free(g.to);
    free(g.state);
    free(g.path);
    free(g.next);
    free(g.down);
    free(g.best);
    return rc;
}

/* Whether parameter `name` of c holds a nonzero (non-empty) value. */
static bool stat_param_set(const migsim_comp_t *c, const char *name)
{
    for (const migsim_param_t *p = c->ops->params; p && p->name; p++) {
        if (strcmp(p->name, name) != 0)
            continue;
        const char *f = (const char *)c + p->offset;
        switch (p->type) {
        case MIGSIM_PT_U64: return *(const uint64_t *)f != 0;
        case MIGSIM_PT_U32:
        case MIGSIM_PT_ENUM: return *(const uint32_t *)f != 0;
        case MIGSIM_PT_F64: return *(const double *)f != 0;
        case MIGSIM_PT_BOOL: return *(const bool *)f;
        case MIGSIM_PT_STR: return *(char *const *)f && **(char *const *)f;
        }
    }
    return false;
}

/*
 * Whether statistic d of c is reported: always, while its port is bound, or
 * while its parameter is set.
 */
static bool stat_shown(migsim_comp_t *c, const migsim_stat_def_t *d)
{
    if (d->param && !stat_param_set(c, d->param))
        return false;
    if (!d->port)
        return true;
    migsim_port_t *p = migsim_comp_port(c, d->port);
    return p && p->peer;
}

static const migsim_stat_def_t *stat_find(migsim_comp_t *c, const char *name)
{
    for (const migsim_stat_def_t *s = c->ops->stats; s && s->name; s++)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

static int sim_add_series(migsim_sim_t *sim, migsim_comp_t *c, const migsim_stat_def_t *s)
{
    sim_series_t *ns = realloc(sim->series, (sim->nseries + 1) * sizeof *ns);
    if (!ns)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    sim->series = ns;
    char name[256];
    snprintf(name, sizeof name, "%s.%s", c->name, s->name);
    ns[sim->nseries] = (sim_series_t){ .name = sim_strdup(name), .comp = c, .def = s };
    if (!ns[sim->nseries++].name)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    return MIGSIM_OK;
}

static void sim_epoch(migsim_event_t *ev);

static int sim_configure(migsim_sim_t *sim, const cJSON *root)
{
    const char *src = sim->source;
    static const char *const top[] = { "base", "sim", "components", "links", NULL };
    static const char *const simkeys[] = { "seed", "end_ps", "epoch_ps", "epoch_stats",
                                           "external_ports", "cores", NULL };
    if (!cJSON_IsObject(root))
        return migsim_error(MIGSIM_ECONFIG, "%s: $: expected an object", src);
    int rc = check_keys(src, root, "$", top);
    if (rc)
        return rc;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "sim");
    const cJSON *epoch_stats = NULL;
    sim->seed = 1;
    if (s) {
        if (!cJSON_IsObject(s))
            return migsim_error(MIGSIM_ECONFIG, "%s: $.sim: expected an object, got %s", src,
                                json_kind(s));
        if ((rc = check_keys(src, s, "$.sim", simkeys)) ||
            (rc = get_u64(src, s, "seed", "$.sim", &sim->seed)) ||
            (rc = get_u64(src, s, "end_ps", "$.sim", &sim->end_ps)) ||
            (rc = get_u64(src, s, "epoch_ps", "$.sim", &sim->epoch_ps)))
            return rc;
        epoch_stats = cJSON_GetObjectItemCaseSensitive(s, "epoch_stats");
        if (epoch_stats && !cJSON_IsArray(epoch_stats))
            return migsim_error(MIGSIM_ECONFIG, "%s: $.sim.epoch_stats: expected an array, got %s",
                                src, json_kind(epoch_stats));
    }
    const cJSON *comps = cJSON_GetObjectItemCaseSensitive(root, "components");
    if (!cJSON_IsObject(comps) || !comps->child)
        return migsim_error(MIGSIM_ECONFIG, "%s: $.components: expected an object with components",
                            src);
    sim->comps = calloc(SIM_MAX_COMPS, sizeof *sim->comps);
    if (!sim->comps)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    for (const cJSON *c = comps->child; c; c = c->next)
        if ((rc = sim_add_component(sim, c)))
            return rc;
    if ((rc = sim_bind_links(sim, cJSON_GetObjectItemCaseSensitive(root, "links"))))
        return rc;
    const cJSON *ext = s ? cJSON_GetObjectItemCaseSensitive(s, "external_ports") : NULL;
    if (ext && !cJSON_IsArray(ext))
        return migsim_error(MIGSIM_ECONFIG, "%s: $.sim.external_ports: expected an array, got %s",
                            src, json_kind(ext));
    size_t ei = 0;
    for (const cJSON *e = ext ? ext->child : NULL; e; e = e->next, ei++) {
        char path[64];
        snprintf(path, sizeof path, "$.sim.external_ports[%zu]", ei);
        migsim_port_t *p;
        if ((rc = sim_resolve_port(sim, e, path, &p)))
            return rc;
        if (p->peer || p->external)
            return migsim_error(MIGSIM_ECONFIG, "%s: %s: port %s.%s is also linked in $.links", src,
                                path, p->owner->name, p->name);
        p->external = 1;
    }
    for (size_t i = 0; i < sim->ncomps; i++) {
        migsim_comp_t *c = sim->comps[i];
        for (const migsim_port_def_t *pd = c->ops->ports; pd && pd->name; pd++) {
            migsim_port_t *p = (migsim_port_t *)((char *)c + pd->offset);
            if (!p->peer && !p->external && !pd->optional)
                return migsim_error(MIGSIM_ECONFIG, "%s: $.links: port %s.%s is not connected",
                                    src, c->name, p->name);
        }
    }
    if ((rc = sim_check_graph(sim)))
        return rc;
    if (sim->epoch_ps) {
        if (epoch_stats && cJSON_GetArraySize(epoch_stats) > 0) {
            size_t i = 0;
            for (const cJSON *e = epoch_stats->child; e; e = e->next, i++) {
                char path[64];
                snprintf(path, sizeof path, "$.sim.epoch_stats[%zu]", i);
                char buf[256];
                const char *dot;
                if (!cJSON_IsString(e) || !(dot = strchr(e->valuestring, '.')) ||
                    (size_t)(dot - e->valuestring) >= sizeof buf)
                    return migsim_error(MIGSIM_ECONFIG,
                                        "%s: %s: expected \"component.statistic\"", src, path);
                memcpy(buf, e->valuestring, (size_t)(dot - e->valuestring));
                buf[dot - e->valuestring] = '\0';
                migsim_comp_t *c = migsim_sim_find(sim, buf);
                const migsim_stat_def_t *sd = c ? stat_find(c, dot + 1) : NULL;
                if (!sd)
                    return migsim_error(MIGSIM_ECONFIG, "%s: %s: no statistic \"%s\"", src, path,
                                        e->valuestring);
                if ((rc = sim_add_series(sim, c, sd)))
                    return rc;
            }
        } else {
            for (size_t i = 0; i < sim->ncomps; i++)
                for (const migsim_stat_def_t *sd = sim->comps[i]->ops->stats; sd && sd->name; sd++)
                    if (stat_shown(sim->comps[i], sd) && (rc = sim_add_series(sim, sim->comps[i], sd)))
                        return rc;
        }
        /* the series' bound: known before the run with sim.end_ps, else checked at each sample */
        sim->max_samples = MIGSIM_SERIES_MAX_VALUES / (sim->nseries ? sim->nseries : 1);
        uint64_t want = sim->end_ps / sim->epoch_ps;
        if (sim->end_ps && want > sim->max_samples)
            return migsim_error(MIGSIM_ECONFIG, "%s: $.sim.epoch_ps: %" PRIu64 " ps up to sim.end_ps "
                                "%" PRIu64 " ps is %" PRIu64 " samples of %zu statistics, more than "
                                "the series holds (%u values: %zu samples); raise sim.epoch_ps or "
                                "sample fewer statistics (sim.epoch_stats)", src, sim->epoch_ps,
                                sim->end_ps, want, sim->nseries, MIGSIM_SERIES_MAX_VALUES,
                                sim->max_samples);
        if ((rc = migsim_event_init(&sim->k, &sim->epoch_ev, sim_epoch, sim, 255,
                                    MIGSIM_EV_DAEMON, "sim.epoch")))
            return rc;
    }
    return MIGSIM_OK;
}

static int sim_create(migsim_sim_t **out, const char *json, const char *name,
                      const char *const *ovr, size_t novr, unsigned flags);

int migsim_sim_create(migsim_sim_t **out, const char *json, const char *name)
{
    return sim_create(out, json, name, NULL, 0, 0);
}

/* Apply "comp.param=VALUE" / "sim.key=VALUE" overrides to the merged root. */
static int sim_apply_overrides(cJSON *root, const char *const *ovr, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(ovr[i], '=');
        const char *dot = strchr(ovr[i], '.');
        if (!eq || !dot || dot > eq || dot == ovr[i] || dot + 1 == eq)
            return migsim_error(MIGSIM_ECONFIG,
                                "override \"%s\": expected component.param=VALUE or sim.key=VALUE",
                                ovr[i]);
        char comp[128], key[128];
        snprintf(comp, sizeof comp, "%.*s", (int)(dot - ovr[i]), ovr[i]);
        snprintf(key, sizeof key, "%.*s", (int)(eq - dot - 1), dot + 1);
        cJSON *val = cJSON_ParseWithOpts(eq + 1, NULL, 1);
        if (!val)
            val = cJSON_CreateString(eq + 1);
        cJSON *parent;
        if (strcmp(comp, "sim") == 0) {
            parent = cJSON_GetObjectItemCaseSensitive(root, "sim");
            if (!parent)
                parent = cJSON_AddObjectToObject(root, "sim");
        } else {
            cJSON *comps = cJSON_GetObjectItemCaseSensitive(root, "components");
            parent = comps ? cJSON_GetObjectItemCaseSensitive(comps, comp) : NULL;
            if (!cJSON_IsObject(parent)) {
                cJSON_Delete(val);
                return migsim_error(MIGSIM_ECONFIG, "override \"%s\": no component named \"%s\"",
                                    ovr[i], comp);
            }
        }
        if (cJSON_GetObjectItemCaseSensitive(parent, key))
            cJSON_ReplaceItemInObjectCaseSensitive(parent, key, val);
        else
            cJSON_AddItemToObject(parent, key, val);
    }
    return MIGSIM_OK;
}

/* ---- sim.cores: copies of the core cpu0 ------------------------------------------ */

/* The link of $.links whose `end` ("from" or "to") is "comp.port", or NULL. */
static cJSON *cores_link(cJSON *links, const char *end, const char *comp, const char *port)
{
    char want[300];
    snprintf(want, sizeof want, "%s.%s", comp, port);
    for (cJSON *l = links ? links->child : NULL; l; l = l->next) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(l, end);
        if (cJSON_IsString(v) && strcmp(v->valuestring, want) == 0)
            return l;
    }
    return NULL;
}

/* The type of component `name` in $.components, or NULL. */
static const char *cores_type(const cJSON *comps, const char *name)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(comps, name);
    const cJSON *t = cJSON_IsObject(c) ? cJSON_GetObjectItemCaseSensitive(c, "type") : NULL;
    return cJSON_IsString(t) ? t->valuestring : NULL;
}

/* The name of copy i of `tmpl`: tmpl without its trailing digits, then i. */
static void cores_name(const char *tmpl, uint64_t i, char *name, size_t cap)
{
    size_t stem = strlen(tmpl);
    while (stem > 0 && isdigit((unsigned char)tmpl[stem - 1]))
        stem--;
    snprintf(name, cap, "%.*s%" PRIu64, (int)stem, tmpl, i);
}

/* Add copy i of component `tmpl` (cores_name), its core_id the template's + i. */
static int cores_copy(const char *src, cJSON *comps, const char *tmpl, uint64_t i, char *name,
                      size_t cap)
{
    cores_name(tmpl, i, name, cap);
    if (cJSON_GetObjectItemCaseSensitive(comps, name))
        return migsim_error(MIGSIM_ECONFIG, "%s: $.sim.cores: the copy of %s for core %" PRIu64
                            " would be named \"%s\", which is taken", src, tmpl, i, name);
    cJSON *c = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(comps, tmpl), 1);
    char path[200];
    snprintf(path, sizeof path, "$.components.%s", tmpl);
    uint64_t id = 0;
    int rc = c ? get_u64(src, c, "core_id", path, &id) : MIGSIM_OK;
    if (!c || rc) {
        cJSON_Delete(c);
        return c ? rc : migsim_error(MIGSIM_ENOMEM, "out of memory");
    }
    cJSON_DeleteItemFromObjectCaseSensitive(c, "core_id");
    cJSON_AddItemToObject(c, "core_id", cJSON_CreateNumber((double)(id + i)));
    cJSON_AddItemToObject(comps, name, c);
    return MIGSIM_OK;
}

/* Append a link from "from" to "to" with the attributes of `like`. */
static int cores_add_link(cJSON *links, const cJSON *like, const char *from, const char *to)
{
    cJSON *l = cJSON_Duplicate(like, 1);
    if (!l)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    cJSON_ReplaceItemInObjectCaseSensitive(l, "from", cJSON_CreateString(from));
    cJSON_ReplaceItemInObjectCaseSensitive(l, "to", cJSON_CreateString(to));
    cJSON_AddItemToArray(links, l);
    return MIGSIM_OK;
}

/*
 * "sim": { "cores": N } (N > 1): cores 1..N-1 are copies of the trace player
 * cpu0 and of the CPU MMU its "out" links to (if any), with the same
 * parameters after the overrides, each with core_id = the template's + i
 * (its own src_idx and generator stream); copy i's "out" links to copy i's
 * MMU as cpu0's to its MMU, and the last "out" (or "mem") of each copy takes
 * the next free input of the crossbar the template's reaches; every migctl
 * naming the template MMU in cpu_mmus names the copies too.
 */
static int sim_expand_cores(const char *src, cJSON *root)
{
    cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "sim");
    uint64_t n = 1;
    int rc;
    if (!cJSON_IsObject(s))
        return MIGSIM_OK; /* sim_configure says what is wrong */
    if ((rc = get_u64(src, s, "cores", "$.sim", &n)) || n == 1)
        return rc;
    if (n == 0 || n > SIM_MAX_COMPS / 2)
        return migsim_error(MIGSIM_ECONFIG, "%s: $.sim.cores: %" PRIu64 " is out of range [1, %u]",
                            src, n, SIM_MAX_COMPS / 2);
    cJSON *comps = cJSON_GetObjectItemCaseSensitive(root, "components");
    cJSON *links = cJSON_GetObjectItemCaseSensitive(root, "links");
    const char *cpu = "cpu0", *pt = cores_type(comps, cpu);
    if (!pt || strcmp(pt, "trace_player") != 0 || !cJSON_IsArray(links))
        return migsim_error(MIGSIM_ECONFIG, "%s: $.sim.cores: copies the trace player \"cpu0\", "
                            "which the configuration lacks", src);
    /* the chain: cpu0, then the CPU MMU its out port reaches, if any */
    const cJSON *cpu_out = cores_link(links, "from", cpu, "out");
    char mmu[128] = "";
    const cJSON *mmu_in = NULL, *last = cpu_out;
    const char *last_port = "out";
    if (cpu_out) {
        const char *to = cJSON_GetObjectItemCaseSensitive(cpu_out, "to")->valuestring;
        const char *dot = strchr(to, '.');
        snprintf(mmu, sizeof mmu, "%.*s", dot ? (int)(dot - to) : 0, to);
        const char *mt = cores_type(comps, mmu);
        if (mt && strcmp(mt, "cpu_mmu") == 0) {
            mmu_in = cpu_out;
            last = cores_link(links, "from", mmu, "mem");
            last_port = "mem";
        } else {
            mmu[0] = '\0';
        }
    }
    /* the crossbar the chain ends at */
    const cJSON *to = last ? cJSON_GetObjectItemCaseSensitive(last, "to") : NULL;
    char xb[128] = "";
    if (cJSON_IsString(to) && strchr(to->valuestring, '.'))
        snprintf(xb, sizeof xb, "%.*s", (int)(strchr(to->valuestring, '.') - to->valuestring),
                 to->valuestring);
    const char *xt = cores_type(comps, xb);
    const migsim_comp_ops_t *xops = xt ? migsim_registry_find(xt) : NULL;
    if (!xops || strcmp(xops->type, "xbar") != 0)
        return migsim_error(MIGSIM_ECONFIG, "%s: $.sim.cores: %s.%s must link to a crossbar "
                            "input for the copies to take the next ones (it links to %s)", src,
                            mmu[0] ? mmu : cpu, last_port,
                            cJSON_IsString(to) ? to->valuestring : "nothing");
    unsigned next_in = 0;
    for (uint64_t i = 1; i < n; i++) {
        char cname[160], mname[160], from[200], dest[200];
        if ((rc = cores_copy(src, comps, cpu, i, cname, sizeof cname)))
            return rc;
        snprintf(from, sizeof from, "%s.out", cname);
        if (mmu[0]) {
            if ((rc = cores_copy(src, comps, mmu, i, mname, sizeof mname)))
                return rc;
            snprintf(dest, sizeof dest, "%s.in", mname);
            if ((rc = cores_add_link(links, mmu_in, from, dest)))
                return rc;
            snprintf(from, sizeof from, "%s.mem", mname);
        }
        /* the next input of the crossbar that no link uses */
        char port[32];
        for (;; next_in++) {
            snprintf(port, sizeof port, "in%u", next_in);
            if (!cores_link(links, "to", xb, port))
                break;
        }
        bool exists = false;
        for (const migsim_port_def_t *pd = xops->ports; pd && pd->name && !exists; pd++)
            exists = strcmp(pd->name, port) == 0;
        if (!exists)
            return migsim_error(MIGSIM_ECONFIG, "%s: $.sim.cores: %" PRIu64 " cores need more "
                                "inputs than crossbar %s has (core %" PRIu64 " would take %s)",
                                src, n, xb, i, port);
        snprintf(dest, sizeof dest, "%s.%s", xb, port);
        if ((rc = cores_add_link(links, last, from, dest)))
            return rc;
    }
    if (!mmu[0])
        return MIGSIM_OK;
    /* every migration controller naming the template MMU names its copies */
    for (cJSON *c = comps->child; c; c = c->next) {
        const char *t = cores_type(comps, c->string);
        cJSON *list = cJSON_GetObjectItemCaseSensitive(c, "cpu_mmus");
        if (!t || strcmp(t, "migctl") != 0 || !cJSON_IsString(list))
            continue;
        bool names = false;
        char *buf = sim_strdup(list->valuestring);
        if (!buf)
            return migsim_error(MIGSIM_ENOMEM, "out of memory");
        for (char *sv = NULL, *tok = strtok_r(buf, ", ", &sv); tok && !names; tok = strtok_r(NULL, ", ", &sv))
            names = strcmp(tok, mmu) == 0;
        free(buf);
        if (!names)
            continue;
        size_t cap = strlen(list->valuestring) + n * (strlen(mmu) + 24) + 1;
        char *all = malloc(cap);
        if (!all)
            return migsim_error(MIGSIM_ENOMEM, "out of memory");
        size_t len = (size_t)snprintf(all, cap, "%s", list->valuestring);
        for (uint64_t i = 1; i < n; i++) {
            char mname[160];
            cores_name(mmu, i, mname, sizeof mname);
            len += (size_t)snprintf(all + len, cap - len, ",%s", mname);
        }
        cJSON_ReplaceItemInObjectCaseSensitive(c, "cpu_mmus", cJSON_CreateString(all));
        free(all);
    }
    return MIGSIM_OK;
}

static int sim_create(migsim_sim_t **out, const char *json, const char *name,
                      const char *const *ovr, size_t novr, unsigned flags)
{
    *out = NULL;
    migsim_sim_t *sim = calloc(1, sizeof *sim);
    if (!sim)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    sim->flags = flags;
    migsim_kernel_init(&sim->k);
    int rc = migsim_req_pool_init(&sim->pool, 0);
    sim->source = sim_strdup(json ? (name ? name : "<config>") : (name ? name : "<default>"));
    cJSON *root = NULL, *user = NULL;
    if (rc || !sim->source) {
        rc = rc ? rc : migsim_error(MIGSIM_ENOMEM, "out of memory");
        goto fail;
    }
    const char *platform = migsim_default_platform;
    if (json) {
        if ((rc = json_parse(json, sim->source, &user)))
            goto fail;
        const cJSON *base = cJSON_IsObject(user) ? cJSON_GetObjectItemCaseSensitive(user, "base") : NULL;
        if (base && !(cJSON_IsString(base) && (strcmp(base->valuestring, "default") == 0 ||
                                                strcmp(base->valuestring, "none") == 0 ||
                                                migsim_platform_config(base->valuestring)))) {
            rc = migsim_error(MIGSIM_ECONFIG, "%s: $.base: expected \"default\", \"none\" or an "
                              "embedded platform (dram, migration)", sim->source);
            goto fail;
        }
        if (base && strcmp(base->valuestring, "default") != 0 && strcmp(base->valuestring, "none") != 0)
            platform = base->valuestring;
    }
    if ((rc = json_parse(migsim_platform_config(platform), platform, &root)))
        goto fail;
    if (json) {
        const cJSON *base = cJSON_IsObject(user) ? cJSON_GetObjectItemCaseSensitive(user, "base") : NULL;
        if (!cJSON_IsObject(user) || (base && strcmp(base->valuestring, "none") == 0)) {
            cJSON_Delete(root);
            root = user;
            user = NULL;
        } else if (json_merge(root, user)) {
            rc = migsim_error(MIGSIM_ENOMEM, "out of memory");
            goto fail;
        }
    }
    if ((rc = sim_apply_overrides(root, ovr, novr)) || (rc = sim_expand_cores(sim->source, root)))
        goto fail;
    if ((rc = sim_configure(sim, root)))
        goto fail;
    for (size_t i = 0; i < sim->ncomps; i++) {
        migsim_comp_t *c = sim->comps[i];
        if (c->ops->configure && (rc = c->ops->configure(c))) {
            rc = comp_error(sim, c, rc);
            goto fail;
        }
    }
    for (size_t i = 0; i < sim->ncomps; i++) {
        migsim_comp_t *c = sim->comps[i];
        if (c->ops->init && (rc = c->ops->init(c))) {
            rc = comp_error(sim, c, rc);
            if (c->ops->fini)
                c->ops->fini(c); /* init may fail half way; fini frees what it took */
            sim->comps[i] = NULL;
            comp_free(c, false);
            goto fail;
        }
        sim->ninit = i + 1;
    }
    cJSON_Delete(root);
    cJSON_Delete(user);
    *out = sim;
    return MIGSIM_OK;
fail:
    cJSON_Delete(root);
    cJSON_Delete(user);
    migsim_sim_destroy(sim);
    return rc;
}

static int sim_create_file(migsim_sim_t **out, const char *path, const char *const *overrides,
                           size_t n, unsigned flags);

int migsim_sim_create_ex(migsim_sim_t **out, const char *platform, const char *path,
                         const char *const *overrides, size_t n, unsigned flags)
{
    *out = NULL;
    if (platform && path)
        return migsim_error(MIGSIM_EINVAL, "migsim_sim_create_ex: a platform name or a "
                            "configuration file, not both");
    if (flags & ~(unsigned)MIGSIM_SIM_LINKS_UNBOUND)
        return migsim_error(MIGSIM_EINVAL, "migsim_sim_create_ex: unknown flags 0x%x", flags);
    if (path || !platform)
        return sim_create_file(out, path, overrides, n, flags);
    if (!migsim_platform_config(platform))
        return migsim_error(MIGSIM_ENOENT, "no embedded platform \"%s\" (dram, migration)", platform);
    char json[128];
    snprintf(json, sizeof json, "{ \"base\": \"%s\" }", platform);
    char name[96];
    snprintf(name, sizeof name, "<%s>", platform);
    return sim_create(out, json, name, overrides, n, flags);
}

int migsim_sim_create_platform(migsim_sim_t **out, const char *platform,
                               const char *const *overrides, size_t n)
{
    return migsim_sim_create_ex(out, platform, NULL, overrides, n, 0);
}

int migsim_sim_create_file(migsim_sim_t **out, const char *path)
{
    return migsim_sim_create_overrides(out, path, NULL, 0);
}

int migsim_sim_create_overrides(migsim_sim_t **out, const char *path,
                                const char *const *overrides, size_t n)
{
    return sim_create_file(out, path, overrides, n, 0);
}

static int sim_create_file(migsim_sim_t **out, const char *path, const char *const *overrides,
                           size_t n, unsigned flags)
{
    *out = NULL;
    if (!path)
        return sim_create(out, NULL, NULL, overrides, n, flags);
    FILE *f = fopen(path, "rb");
    if (!f)
        return migsim_error(MIGSIM_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 65536;
            if (cap > (64u << 20)) {
                free(buf);
                fclose(f);
                return migsim_error(MIGSIM_ECONFIG, "%s: configuration larger than 64 MiB", path);
            }
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return migsim_error(MIGSIM_ENOMEM, "out of memory");
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    bool err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return migsim_error(MIGSIM_EIO, "%s: read error", path);
    }
    buf[len] = '\0';
    int rc = sim_create(out, buf, path, overrides, n, flags);
    free(buf);
    return rc;
}

void migsim_sim_destroy(migsim_sim_t *sim)
{
    if (!sim)
        return;
    for (size_t i = sim->ncomps; i-- > 0;)
        comp_free(sim->comps[i], i < sim->ninit);
    free(sim->comps);
    for (size_t i = 0; i < sim->nlinks; i++)
        migsim_link_fini(&sim->links[i]);
    free(sim->links);
    free(sim->specs);
    for (size_t i = 0; i < sim->nseries; i++) {
        free(sim->series[i].name);
        free(sim->series[i].v);
    }
    free(sim->series);
    free(sim->sample_t);
    migsim_kernel_fini(&sim->k);
    migsim_req_pool_fini(&sim->pool);
    free(sim->source);
    free(sim->outcome_reason);
    free(sim);
}

/* ---- running ------------------------------------------------------------ */

static double stat_value(migsim_comp_t *c, const migsim_stat_def_t *s)
{
    const char *f = (const char *)c + s->offset;
    return s->type == MIGSIM_ST_U64 ? (double)*(const uint64_t *)f : *(const double *)f;
}

static void sim_finalize_all(migsim_sim_t *sim)
{
    for (size_t i = 0; i < sim->ncomps; i++)
        if (sim->comps[i]->ops->finalize_stats)
            sim->comps[i]->ops->finalize_stats(sim->comps[i]);
}

/* Take one sample of the series; false (and the run stopped with an error) when it cannot. */
static bool sim_sample(migsim_sim_t *sim)
{
    if (sim->nsamples == sim->max_samples) {
        migsim_sim_fail(sim, migsim_error(MIGSIM_ECONFIG, "%s: $.sim.epoch_ps: the series is full "
                                          "at %zu samples of %zu statistics (at most %u values) "
                                          "at %" PRIu64 " ps; raise sim.epoch_ps, set sim.end_ps or "
                                          "sample fewer statistics (sim.epoch_stats)", sim->source,
                                          sim->nsamples, sim->nseries, MIGSIM_SERIES_MAX_VALUES,
                                          sim->k.now));
        return false;
    }
    if (sim->nsamples == sim->cap_samples) {
        size_t cap = sim->cap_samples ? 2 * sim->cap_samples : 256;
        if (cap > sim->max_samples)
            cap = sim->max_samples;
        migsim_tick_t *t = realloc(sim->sample_t, cap * sizeof *t);
        if (t)
            sim->sample_t = t;
        for (size_t i = 0; t && i < sim->nseries; i++) {
            double *v = realloc(sim->series[i].v, cap * sizeof *v);
            if (!v)
                t = NULL;
            else
                sim->series[i].v = v;
        }
        if (!t) {
            migsim_sim_fail(sim, migsim_error(MIGSIM_ENOMEM, "%s: $.sim.epoch_ps: out of memory "
                                              "for %zu samples", sim->source, cap));
            return false;
        }
        sim->cap_samples = cap;
    }
    sim_finalize_all(sim);
    sim->sample_t[sim->nsamples] = sim->k.now;
    for (size_t i = 0; i < sim->nseries; i++)
        sim->series[i].v[sim->nsamples] = stat_value(sim->series[i].comp, sim->series[i].def);
    sim->nsamples++;
    return true;
}

static void sim_epoch(migsim_event_t *ev)
{
    migsim_sim_t *sim = ev->ctx;
    if (sim_sample(sim))
        migsim_schedule(&sim->k, &sim->epoch_ev, sim->k.now + sim->epoch_ps);
}

void migsim_sim_fail(migsim_sim_t *sim, int code)
{
    if (!sim->fail_code) {
        sim->fail_code = code;
        snprintf(sim->fail_msg, sizeof sim->fail_msg, "%s", migsim_errmsg());
    }
    migsim_kernel_stop(&sim->k);
}

migsim_port_t *migsim_sim_port(migsim_sim_t *sim, const char *port_path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", port_path);
    char *dot = strchr(buf, '.');
    if (dot)
        *dot = '\0';
    migsim_comp_t *c = dot ? migsim_sim_find(sim, buf) : NULL;
    return c ? migsim_comp_port(c, dot + 1) : NULL;
}

int migsim_sim_bind(migsim_sim_t *sim, const char *port_path, migsim_port_t *external)
{
    migsim_port_t *p = migsim_sim_port(sim, port_path);
    if (!p)
        return migsim_error(MIGSIM_ENOENT, "migsim_sim_bind: no port \"%s\"", port_path);
    return migsim_sim_bind_port(sim, p, external, 0, 0);
}

int migsim_sim_bind_port(migsim_sim_t *sim, migsim_port_t *p, migsim_port_t *external,
                         migsim_tick_t latency_ps, uint32_t capacity)
{
    const char *cname = p->owner ? p->owner->name : "?";
    if (sim->started)
        return migsim_error(MIGSIM_ESTATE, "migsim_sim_bind(%s.%s): the simulation has started",
                            cname, p->name);
    if (!p->external)
        return migsim_error(MIGSIM_EINVAL, "migsim_sim_bind: port \"%s.%s\" is not listed in "
                            "sim.external_ports", cname, p->name);
    external->dir = p->dir == MIGSIM_PORT_IN ? MIGSIM_PORT_OUT : MIGSIM_PORT_IN;
    if (!external->name)
        external->name = "external";
    int rc;
    if (latency_ps == 0)
        rc = p->dir == MIGSIM_PORT_IN ? migsim_port_bind(external, p)
                                      : migsim_port_bind(p, external);
    else if (p->dir != MIGSIM_PORT_IN)
        rc = migsim_error(MIGSIM_EINVAL, "a delay link ends at an in port");
    else if (sim->nlinks == sim->nspecs) /* links[] never moves: queued events point into it */
        rc = migsim_error(MIGSIM_ESTATE, "no room for another delay link (one per $.links entry)");
    else if ((rc = migsim_port_bind_link(&sim->links[sim->nlinks], &sim->k, external, p,
                                         latency_ps, capacity)) == 0)
        sim->nlinks++;
    return rc ? migsim_error_wrap(rc, "migsim_sim_bind(%s.%s)", cname, p->name) : MIGSIM_OK;
}

size_t migsim_sim_nlink_specs(const migsim_sim_t *sim)
{
    return sim->nspecs;
}

const migsim_link_spec_t *migsim_sim_link_spec(const migsim_sim_t *sim, size_t i)
{
    return i < sim->nspecs ? &sim->specs[i] : NULL;
}

migsim_tick_t migsim_sim_end_ps(const migsim_sim_t *sim)
{
    return sim->end_ps;
}

int migsim_sim_run(migsim_sim_t *sim, migsim_tick_t until)
{
    if (!sim->started) {
        for (size_t i = 0; i < sim->ncomps; i++) {
            migsim_comp_t *c = sim->comps[i];
            for (const migsim_port_def_t *pd = c->ops->ports; pd && pd->name; pd++) {
                migsim_port_t *p = (migsim_port_t *)((char *)c + pd->offset);
                if (!p->peer && !pd->optional)
                    return migsim_error(MIGSIM_ESTATE, "%s: port %s.%s is external and not bound "
                                        "(migsim_sim_bind)", sim->source, c->name, p->name);
            }
        }
        sim->started = true;
        for (size_t i = 0; i < sim->ncomps; i++) {
            migsim_comp_t *c = sim->comps[i];
            int rc = c->ops->start ? c->ops->start(c) : 0;
            if (rc) {
                rc = comp_error(sim, c, rc);
                migsim_sim_fail(sim, rc); /* the statistics say why they are partial */
                return rc;
            }
        }
        if (sim->epoch_ps)
            migsim_schedule(&sim->k, &sim->epoch_ev, sim->epoch_ps);
    }
    if (sim->end_ps && sim->end_ps < until)
        until = sim->end_ps;
    /* in slices that end at the progress reports' times */
    while (sim->progress && !sim->fail_code && sim->k.live && sim->progress_next < until) {
        migsim_kernel_run(&sim->k, sim->progress_next);
        if (sim->fail_code || !sim->k.live)
            break;
        if (sim->k.now < sim->progress_next && migsim_kernel_next(&sim->k) > sim->progress_next)
            sim->k.now = sim->progress_next; /* nothing happened since: time moves on to it */
        migsim_sim_progress(sim);
    }
    migsim_kernel_run(&sim->k, until);
    /* stopped by the limit with work left: time has reached the limit */
    if (!sim->fail_code && sim->k.live && until != MIGSIM_TICK_MAX && sim->k.now < until &&
        migsim_kernel_next(&sim->k) > until)
        sim->k.now = until;
    if (sim->fail_code)
        return migsim_error(sim->fail_code, "%s", sim->fail_msg);
    return MIGSIM_OK;
}

int migsim_sim_set_progress(migsim_sim_t *sim, migsim_tick_t every_ps, migsim_progress_fn fn,
                            void *ctx)
{
    if (fn && !every_ps)
        return migsim_error(MIGSIM_EINVAL, "migsim_sim_set_progress: every_ps must be above 0");
    sim->progress = fn;
    sim->progress_ctx = ctx;
    sim->progress_ps = every_ps;
    sim->progress_next = sim->k.now + every_ps;
    return MIGSIM_OK;
}

void migsim_sim_progress(migsim_sim_t *sim)
{
    if (!sim->progress || sim->k.now < sim->progress_next)
        return;
    sim->progress_next = sim->k.now + sim->progress_ps;
    sim->progress(sim, sim->progress_ctx);
}

migsim_tick_t migsim_sim_now(const migsim_sim_t *sim) { return sim->k.now; }

int migsim_sim_phase(const migsim_sim_t *sim) { return sim->phase; }

void migsim_sim_set_phase(migsim_sim_t *sim, int phase)
{
    if (phase >= MIGSIM_PHASE_BEFORE && phase < MIGSIM_PHASES)
        sim->phase = phase;
}

int migsim_sim_done(const migsim_sim_t *sim)
{
    if (!sim->started)
        return sim->fail_code != 0;
    return sim->fail_code != 0 || sim->k.live == 0 ||
           (sim->end_ps && migsim_kernel_next(&sim->k) > sim->end_ps);
}
migsim_kernel_t *migsim_sim_kernel(migsim_sim_t *sim) { return &sim->k; }
migsim_req_pool_t *migsim_sim_pool(migsim_sim_t *sim) { return &sim->pool; }
uint64_t migsim_sim_seed(const migsim_sim_t *sim) { return sim->seed; }
size_t migsim_sim_ncomps(const migsim_sim_t *sim) { return sim->ncomps; }
migsim_comp_t *migsim_sim_comp(migsim_sim_t *sim, size_t i) { return i < sim->ncomps ? sim->comps[i] : NULL; }

migsim_comp_t *migsim_sim_find(migsim_sim_t *sim, const char *name)
{
    for (size_t i = 0; i < sim->ncomps; i++)
        if (sim->comps[i] && strcmp(sim->comps[i]->name, name) == 0)
            return sim->comps[i];
    return NULL;
}

migsim_comp_t *migsim_comp_find_peer(migsim_comp_t *self, const char *name, const char *type,
                                     const char *param)
{
    migsim_comp_t *c = migsim_sim_find(self->sim, name);
    if (!c) {
        migsim_error(MIGSIM_ECONFIG, "%s.%s: no component named \"%s\"", self->config_path, param,
                     name);
        return NULL;
    }
    if (strcmp(c->ops->type, type) != 0) {
        migsim_error(MIGSIM_ECONFIG, "%s.%s: \"%s\" is a %s, not %s %s", self->config_path, param,
                     name, c->ops->type, strchr("aeiou", type[0]) ? "an" : "a", type);
        return NULL;
    }
    return c;
}

int migsim_comp_find_peers(migsim_comp_t *self, const char *list, const char *type,
                           const char *param, migsim_comp_t **out, uint32_t max, uint32_t *n)
{
    *n = 0;
    char *buf = strdup(list); /* configure time: may allocate; any length */
    if (!buf)
        return migsim_error(MIGSIM_ENOMEM, "%s: out of memory", self->config_path);
    int rc = MIGSIM_OK;
    for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok && !rc;
         tok = strtok_r(NULL, ", ", &save)) {
        if (*n == max)
            rc = migsim_error(MIGSIM_ECONFIG, "%s.%s: at most %u names", self->config_path, param, max);
        else if (!(out[(*n)++] = migsim_comp_find_peer(self, tok, type, param)))
            rc = MIGSIM_ECONFIG;
    }
    free(buf);
    return rc;
}

int migsim_sim_stat(migsim_sim_t *sim, const char *dotted, double *value)
{
    const char *dot = strchr(dotted, '.');
    char buf[256];
    if (!dot || (size_t)(dot - dotted) >= sizeof buf)
        return migsim_error(MIGSIM_ENOENT, "no statistic \"%s\"", dotted);
    memcpy(buf, dotted, (size_t)(dot - dotted));
    buf[dot - dotted] = '\0';
    migsim_comp_t *c = migsim_sim_find(sim, buf);
    const migsim_stat_def_t *s = c ? stat_find(c, dot + 1) : NULL;
    if (!s)
        return migsim_error(MIGSIM_ENOENT, "no statistic \"%s\"", dotted);
    if (c->ops->finalize_stats)
        c->ops->finalize_stats(c);
    *value = stat_value(c, s);
    return MIGSIM_OK;
}

/* ---- statistics JSON ------------------------------------------------------ */

static cJSON *json_u64(uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return cJSON_CreateRaw(buf);
}

static cJSON *json_f64(double v)
{
    if (!isfinite(v))
        return cJSON_CreateNull();
    char buf[40];
    snprintf(buf, sizeof buf, "%.10g", v);
    return cJSON_CreateRaw(buf);
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* True when the run is complete (idle, or at sim.end_ps, with no error); else why not. */
static bool sim_status(const migsim_sim_t *sim, char *why, size_t cap)
{
    if (sim->fail_code)
        snprintf(why, cap, "%s", sim->fail_msg);
    else if (!sim->started)
        snprintf(why, cap, "not run");
    else if (!migsim_sim_done(sim))
        snprintf(why, cap, "stopped at %" PRIu64 " ps with work left (not idle, sim.end_ps not "
                 "reached)", sim->k.now);
    else
        return true;
    return false;
}

int migsim_sim_set_outcome(migsim_sim_t *sim, int exit_status, const char *reason)
{
    char *copy = strdup(reason ? reason : "");
    if (!copy)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    free(sim->outcome_reason);
    sim->outcome_reason = copy;
    sim->outcome_status = exit_status;
    sim->outcome_set = true;
    return MIGSIM_OK;
}

char *migsim_sim_stats_json(migsim_sim_t *sim, double host_wall_s)
{
    sim_finalize_all(sim);
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(root, "migsim");
    cJSON_AddStringToObject(meta, "version", migsim_version());
    cJSON_AddItemToObject(meta, "stats_format", json_u64(1));
    cJSON_AddStringToObject(meta, "config", sim->source);
    cJSON *s = cJSON_AddObjectToObject(root, "sim");
    cJSON_AddItemToObject(s, "seed", json_u64(sim->seed));
    cJSON_AddItemToObject(s, "time_ps", json_u64(sim->k.now));
    cJSON_AddItemToObject(s, "events", json_u64(sim->k.fired));
    cJSON_AddItemToObject(s, "req_peak_in_flight", json_u64(sim->pool.peak_in_use));
    char reason[1100];
    if (sim_status(sim, reason, sizeof reason)) {
        cJSON_AddStringToObject(s, "status", "complete");
    } else {
        cJSON_AddStringToObject(s, "status", "partial");
        cJSON_AddStringToObject(s, "reason", reason);
    }
    cJSON *st = cJSON_AddObjectToObject(root, "stats");
    for (size_t i = 0; i < sim->ncomps; i++) {
        migsim_comp_t *c = sim->comps[i];
        for (const migsim_stat_def_t *d = c->ops->stats; d && d->name; d++) {
            if (!stat_shown(c, d))
                continue;
            char name[256];
            snprintf(name, sizeof name, "%s.%s", c->name, d->name);
            const char *f = (const char *)c + d->offset;
            cJSON_AddItemToObject(st, name, d->type == MIGSIM_ST_U64
                                                ? json_u64(*(const uint64_t *)f)
                                                : json_f64(*(const double *)f));
        }
    }
    if (sim->epoch_ps) {
        cJSON *ser = cJSON_AddObjectToObject(root, "series");
        cJSON_AddItemToObject(ser, "epoch_ps", json_u64(sim->epoch_ps));
        cJSON *t = cJSON_AddArrayToObject(ser, "time_ps");
        for (size_t j = 0; j < sim->nsamples; j++)
            cJSON_AddItemToArray(t, json_u64(sim->sample_t[j]));
        for (size_t i = 0; i < sim->nseries; i++) {
            cJSON *a = cJSON_AddArrayToObject(ser, sim->series[i].name);
            for (size_t j = 0; j < sim->nsamples; j++)
                cJSON_AddItemToArray(a, sim->series[i].def->type == MIGSIM_ST_U64
                                            ? json_u64((uint64_t)sim->series[i].v[j])
                                            : json_f64(sim->series[i].v[j]));
        }
    }
    if (host_wall_s >= 0) {
        cJSON *h = cJSON_AddObjectToObject(root, "host");
        cJSON_AddItemToObject(h, "wall_s", json_f64(host_wall_s));
        cJSON_AddItemToObject(h, "events_per_s",
                              json_f64(host_wall_s > 0 ? (double)sim->k.fired / host_wall_s : 0));
        cJSON_AddItemToObject(h, "peak_rss_kib", json_u64((uint64_t)peak_rss_kib()));
    }
    if (sim->outcome_set) { /* last: what the embedding program made of everything above */
        cJSON *o = cJSON_AddObjectToObject(root, "outcome");
        cJSON_AddNumberToObject(o, "exit_status", sim->outcome_status);
        cJSON_AddStringToObject(o, "reason", sim->outcome_reason);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

/*
 * Statistics go to a regular file (or a new name) through a temporary file
 * in the same directory and a rename, so a failed write leaves the old file
 * whole. Anything else (a device such as /dev/stdout or /dev/full, a pipe,
 * a symbolic link) is written in place: a rename would replace the node
 * itself with a regular file.
 */
static bool stats_in_place(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

/* Write text and a newline to f and close it; 0 or the errno of the failure. */
static int stats_put(FILE *f, const char *text)
{
    errno = 0;
    bool ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF && fflush(f) == 0;
    int err = ok ? 0 : (errno ? errno : EIO);
    if (fclose(f) != 0 && !err)
        err = errno ? errno : EIO;
    return err;
}

/* A new file can be made at `name` (reported as `path`): its directory exists and is writable. */
static int stats_dir_check(const char *path, const char *name)
{
    struct stat st;
    char dir[4096];
    const char *slash = strrchr(name, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == name)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - name), name);
    const char *why = stat(dir, &st) != 0 ? strerror(errno)
                      : !S_ISDIR(st.st_mode) ? "not a directory"
                      : access(dir, W_OK | X_OK) != 0 ? strerror(errno)
                      : NULL;
    if (why)
        return migsim_error(MIGSIM_EIO, "%s: cannot write the statistics: directory %s: %s", path,
                            dir, why);
    return MIGSIM_OK;
}

/*
 * The name a chain of symbolic links from `path` ends at, when that name does
 * not exist (a dangling link, which fopen follows and creates); false when
 * the chain cannot be read or is longer than 40 links.
 */
static bool stats_link_end(const char *path, char *end, size_t cap)
{
    struct stat st;
    snprintf(end, cap, "%s", path);
    for (int hops = 0; hops < 40; hops++) {
        if (lstat(end, &st) != 0)
            return errno == ENOENT;
        if (!S_ISLNK(st.st_mode))
            return false;
        char to[4096];
        ssize_t n = readlink(end, to, sizeof to - 1);
        if (n < 0)
            return false;
        to[n] = '\0';
        const char *slash = strrchr(end, '/');
        int dlen = to[0] == '/' || !slash ? 0 : (int)(slash - end) + 1; /* keep "dir/" */
        char next[8192];
        int len = snprintf(next, sizeof next, "%.*s%s", dlen, end, to);
        if (len < 0 || (size_t)len >= cap)
            return false;
        memcpy(end, next, (size_t)len + 1);
    }
    return false;
}

int migsim_stats_path_check(const char *path)
{
    struct stat st;
    if (!path || !*path)
        return migsim_error(MIGSIM_EINVAL, "statistics file: empty name");
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return migsim_error(MIGSIM_EIO, "%s: cannot write the statistics: is a directory", path);
    if (stats_in_place(path)) {
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY);
        if (fd >= 0) {
            close(fd);
            return MIGSIM_OK;
        }
        if (errno == ENXIO) /* a pipe with no reader yet */
            return MIGSIM_OK;
        int err = errno;
        char end[4096];
        if (err == ENOENT && stats_link_end(path, end, sizeof end))
            return stats_dir_check(path, end); /* a link to a file not made yet */
        return migsim_error(MIGSIM_EIO, "%s: cannot write the statistics: %s", path, strerror(err));
    }
    return stats_dir_check(path, path);
}

int migsim_sim_write_stats(migsim_sim_t *sim, const char *path, double host_wall_s)
{
    char *text = migsim_sim_stats_json(sim, host_wall_s);
    if (!text)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    if (stats_in_place(path)) {
        FILE *f = fopen(path, "w");
        int err = f ? stats_put(f, text) : errno;
        free(text);
        if (err)
            return migsim_error(MIGSIM_EIO, "%s: cannot write: %s", path, strerror(err));
        return MIGSIM_OK;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        free(text);
        return migsim_error(MIGSIM_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    }
    int err = stats_put(f, text);
    free(text);
    if (err || rename(tmp, path) != 0) {
        err = err ? err : errno;
        remove(tmp);
        return migsim_error(MIGSIM_EIO, "%s: cannot write: %s", path, strerror(err));
    }
    return MIGSIM_OK;
}

/* ---- describe ------------------------------------------------------------- */

static const char *ptype_name(migsim_ptype_t t)
{
    switch (t) {
    case MIGSIM_PT_U64: return "u64";
    case MIGSIM_PT_U32: return "u32";
    case MIGSIM_PT_F64: return "f64";
    case MIGSIM_PT_BOOL: return "bool";
    case MIGSIM_PT_STR: return "string";
    case MIGSIM_PT_ENUM: return "enum";
    }
    return "?";
}

static void describe_one(FILE *f, const migsim_comp_ops_t *ops)
{
    fprintf(f, "%s\n  %s\n", ops->type, ops->help);
    fprintf(f, "  parameters:\n");
    for (const migsim_param_t *p = ops->params; p && p->name; p++) {
        char def[128], range[160] = "";
        switch (p->type) {
        case MIGSIM_PT_U64:
        case MIGSIM_PT_U32:
            snprintf(def, sizeof def, "%" PRIu64, p->def_u);
            snprintf(range, sizeof range, " range [%" PRIu64 ", %" PRIu64 "]", p->min_u,
                     p->max_u ? p->max_u : (p->type == MIGSIM_PT_U32 ? UINT32_MAX : UINT64_MAX));
            break;
        case MIGSIM_PT_F64:
            snprintf(def, sizeof def, "%g", p->def_f);
            snprintf(range, sizeof range, " range [%g, %g]", p->min_f, p->max_f);
            break;
        case MIGSIM_PT_BOOL:
            snprintf(def, sizeof def, "%s", p->def_u ? "true" : "false");
            break;
        case MIGSIM_PT_STR:
            snprintf(def, sizeof def, "\"%s\"", p->def_s ? p->def_s : "");
            break;
        case MIGSIM_PT_ENUM:
            snprintf(def, sizeof def, "\"%s\"", p->choices[p->def_u]);
            strcpy(range, " one of");
            for (uint32_t i = 0; p->choices[i]; i++) {
                strncat(range, " ", sizeof range - strlen(range) - 1);
                strncat(range, p->choices[i], sizeof range - strlen(range) - 1);
            }
            break;
        }
        fprintf(f, "    %-22s %-6s default %s%s%s%s\n      %s\n", p->name, ptype_name(p->type), def,
                p->unit && *p->unit ? " " : "", p->unit ? p->unit : "", range, p->help);
    }
    fprintf(f, "  ports:\n");
    for (const migsim_port_def_t *p = ops->ports; p && p->name; p++)
        fprintf(f, "    %-22s %-6s %s%s\n", p->name, p->dir == MIGSIM_PORT_IN ? "in" : "out", p->help,
                p->optional ? " (optional)" : "");
    fprintf(f, "  statistics:\n");
    for (const migsim_stat_def_t *s = ops->stats; s && s->name; s++)
        fprintf(f, "    %-30s %-10s %s%s%s%s%s\n", s->name, s->unit, s->help,
                s->port ? " (reported while the port is bound)" : "",
                s->param ? " (reported while " : "", s->param ? s->param : "",
                s->param ? " is set)" : "");
}

/* One component type as JSON: what describe_one prints, as data. */
static cJSON *describe_json_one(const migsim_comp_ops_t *ops)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", ops->type);
    cJSON_AddStringToObject(o, "help", ops->help);
    cJSON *ps = cJSON_AddArrayToObject(o, "parameters");
    for (const migsim_param_t *p = ops->params; p && p->name; p++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(ps, j);
        cJSON_AddStringToObject(j, "name", p->name);
        cJSON_AddStringToObject(j, "type", ptype_name(p->type));
        cJSON_AddStringToObject(j, "unit", p->unit ? p->unit : "");
        switch (p->type) {
        case MIGSIM_PT_U64:
        case MIGSIM_PT_U32:
            cJSON_AddItemToObject(j, "default", json_u64(p->def_u));
            cJSON_AddItemToObject(j, "min", json_u64(p->min_u));
            cJSON_AddItemToObject(j, "max", json_u64(p->max_u ? p->max_u
                                                              : (p->type == MIGSIM_PT_U32 ? UINT32_MAX
                                                                                         : UINT64_MAX)));
            break;
        case MIGSIM_PT_F64:
            cJSON_AddItemToObject(j, "default", json_f64(p->def_f));
            cJSON_AddItemToObject(j, "min", json_f64(p->min_f));
            cJSON_AddItemToObject(j, "max", json_f64(p->max_f));
            break;
        case MIGSIM_PT_BOOL:
            cJSON_AddBoolToObject(j, "default", p->def_u != 0);
            break;
        case MIGSIM_PT_STR:
            cJSON_AddStringToObject(j, "default", p->def_s ? p->def_s : "");
            break;
        case MIGSIM_PT_ENUM: {
            cJSON_AddStringToObject(j, "default", p->choices[p->def_u]);
            cJSON *c = cJSON_AddArrayToObject(j, "choices");
            for (uint32_t k = 0; p->choices[k]; k++)
                cJSON_AddItemToArray(c, cJSON_CreateString(p->choices[k]));
            break;
        }
        }
        cJSON_AddStringToObject(j, "help", p->help);
    }
    cJSON *po = cJSON_AddArrayToObject(o, "ports");
    for (const migsim_port_def_t *p = ops->ports; p && p->name; p++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(po, j);
        cJSON_AddStringToObject(j, "name", p->name);
        cJSON_AddStringToObject(j, "dir", p->dir == MIGSIM_PORT_IN ? "in" : "out");
        cJSON_AddBoolToObject(j, "optional", p->optional);
        cJSON_AddStringToObject(j, "help", p->help);
    }
    cJSON *st = cJSON_AddArrayToObject(o, "statistics");
    for (const migsim_stat_def_t *s = ops->stats; s && s->name; s++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(st, j);
        cJSON_AddStringToObject(j, "name", s->name);
        cJSON_AddStringToObject(j, "type", s->type == MIGSIM_ST_U64 ? "u64" : "f64");
        cJSON_AddStringToObject(j, "unit", s->unit);
        cJSON_AddStringToObject(j, "help", s->help);
        if (s->port)
            cJSON_AddStringToObject(j, "port", s->port);
        if (s->param)
            cJSON_AddStringToObject(j, "param", s->param);
    }
    return o;
}

int migsim_describe_json(FILE *f, const char *type)
{
    cJSON *root;
    if (type) {
        const migsim_comp_ops_t *ops = migsim_registry_find(type);
        if (!ops)
            return migsim_error(MIGSIM_ENOENT, "unknown component type \"%s\"", type);
        root = describe_json_one(ops);
    } else {
        root = cJSON_CreateObject();
        cJSON_AddItemToObject(root, "stats_format", json_u64(1));
        cJSON *types = cJSON_AddArrayToObject(root, "types");
        for (size_t i = 0; migsim_registry[i]; i++)
            cJSON_AddItemToArray(types, describe_json_one(migsim_registry[i]));
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    int bad = fputs(text, f) < 0 || fputc('\n', f) == EOF;
    free(text);
    return bad ? migsim_error(MIGSIM_EIO, "describe: cannot write") : MIGSIM_OK;
}

int migsim_describe(FILE *f, const char *type)
{
    if (type) {
        const migsim_comp_ops_t *ops = migsim_registry_find(type);
        if (!ops)
            return migsim_error(MIGSIM_ENOENT, "unknown component type \"%s\"", type);
        describe_one(f, ops);
        return MIGSIM_OK;
    }
    fprintf(f, "component types:\n");
    for (size_t i = 0; migsim_registry[i]; i++)
        fprintf(f, "  %-16s %s\n", migsim_registry[i]->type, migsim_registry[i]->help);
    fprintf(f, "\n");
    for (size_t i = 0; migsim_registry[i]; i++) {
        describe_one(f, migsim_registry[i]);
        fprintf(f, "\n");
    }
    return MIGSIM_OK;
}
