/*
 * migsim/component.h - what a component is: a state struct whose first member
 * is migsim_comp_t, and one const ops table that declares, as data, its
 * parameters, ports and statistics.
 *
 * From those tables come configuration validation (types, ranges, unknown
 * keys), default values (they live only in the tables), statistics output
 * (registered once by address; models increment a plain uint64_t field) and
 * `migsim describe`.
 *
 * Life cycle: the sim allocates `size` zeroed bytes, fills parameters from
 * their defaults and the configuration, binds ports, then calls configure on
 * every component that has one (before any init: look up peer components
 * and fill in the peers' parameters that the configuration left out; it
 * allocates nothing), then init (which
 * validates and allocates; nothing allocates on the hot path afterwards),
 * start (after every component is initialised: schedule the first events),
 * and at the end finalize_stats (derive averages and percentiles) and fini.
 * fini must also accept a state that init left half way (it is called when
 * init fails), freeing only what was allocated.
 *
 * An error of configure, init or start is reported with the configuration's
 * name and the component's JSON path in front ("cfg.json: $.components.mmu0:
 * ladder: ..."); a message that already begins with a JSON path ("$.") gets
 * only the configuration's name, so that a component can name the exact
 * parameter, its own or a peer's ("cfg.json: $.components.mig.cpu_mmus: ...").
 */
#ifndef MIGSIM_COMPONENT_H
#define MIGSIM_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migsim/kernel.h"
#include "migsim/port.h"
#include "migsim/req.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct migsim_sim_s migsim_sim_t;
typedef struct migsim_comp_s migsim_comp_t;
typedef struct migsim_comp_ops_s migsim_comp_ops_t;

typedef enum migsim_ptype_e {
    MIGSIM_PT_U64,   /* uint64_t field; JSON integer (or string with K/M/G/KiB/MiB/GiB suffix) */
    MIGSIM_PT_U32,   /* uint32_t field; JSON integer */
    MIGSIM_PT_F64,   /* double field; JSON number */
    MIGSIM_PT_BOOL,  /* bool field; JSON true/false */
    MIGSIM_PT_STR,   /* char * field, owned by the framework (freed after fini) */
    MIGSIM_PT_ENUM,  /* uint32_t field holding the index into `choices`; JSON string */
} migsim_ptype_t;

/* One parameter. Tables end with an entry whose name is NULL. */
typedef struct migsim_param_s {
    const char *name;            /* JSON key, e.g. "tRCD" or "queue_depth" */
    migsim_ptype_t type;
    size_t offset;               /* of the field in the component's state struct */
    const char *unit;            /* "ps", "tCK", "bytes", "requests", "" ... */
    const char *help;            /* one line */
    uint64_t def_u;              /* default for U64/U32/BOOL/ENUM (index) */
    double def_f;                /* default for F64 */
    const char *def_s;           /* default for STR (NULL = empty string) */
    uint64_t min_u, max_u;       /* inclusive range for U64/U32 (max 0 = no limit) */
    double min_f, max_f;         /* inclusive range for F64 */
    const char *const *choices;  /* ENUM: NULL-terminated names */
} migsim_param_t;

/* One port. The migsim_port_t lives at `offset` in the state struct. */
typedef struct migsim_port_def_s {
    const char *name;            /* "in", "out", "mem" ... */
    migsim_port_dir_t dir;
    size_t offset;
    migsim_recv_fn recv;         /* IN ports */
    migsim_resp_fn resp;         /* OUT ports */
    migsim_retry_fn retry;       /* OUT ports (may be NULL if it never gets EBUSY) */
    const char *help;
    bool optional;               /* may be left unconnected */
    /*
     * IN ports, for the configuration's route check (sim.c): how many entries
     * a request taken here pushes on its return path (migsim_req_route_push,
     * 0 or 1), and whether the request ends here (answered by this component,
     * which sends requests of its own on its OUT ports, with an empty route)
     * rather than travelling on through the component's OUT ports.
     */
    uint8_t route_push;
    bool route_ends;
} migsim_port_def_t;

typedef enum migsim_stype_e {
    MIGSIM_ST_U64,   /* uint64_t counter at offset */
    MIGSIM_ST_F64,   /* double at offset, computed by finalize_stats */
} migsim_stype_t;

/* One statistic. Its output name is "<component>.<name>"; names carry units. */
typedef struct migsim_stat_def_s {
    const char *name;            /* e.g. "read_latency_avg_ns" */
    migsim_stype_t type;
    size_t offset;
    const char *unit;            /* "requests", "ns", "GB/s", ... */
    const char *help;
    const char *port;            /* NULL, or the port whose statistic this is: reported only
                                    while that port is bound */
    const char *param;           /* NULL, or a parameter (integer, bool or string): reported
                                    only while its value is nonzero (non-empty) */
} migsim_stat_def_t;

struct migsim_comp_ops_s {
    const char *type;                     /* type name used in configurations */
    const char *help;                     /* one paragraph: what it models */
    size_t size;                          /* bytes of the state struct */
    const migsim_param_t *params;         /* NULL-name terminated */
    const migsim_port_def_t *ports;       /* NULL-name terminated */
    const migsim_stat_def_t *stats;       /* NULL-name terminated */
    int (*init)(migsim_comp_t *c);        /* validate, allocate; errors via migsim_error */
    int (*start)(migsim_comp_t *c);       /* schedule first events (all components initialised) */
    void (*finalize_stats)(migsim_comp_t *c); /* compute derived F64 statistics */
    void (*fini)(migsim_comp_t *c);       /* free what init allocated */
    int (*configure)(migsim_comp_t *c);   /* before any init: resolve peers, check them, set
                                             their parameters left out; errors via migsim_error */
};

/*
 * Table entries. T is the component's state struct type; each field is named
 * by its member. Defaults given here are the only defaults there are.
 */
#define MIGSIM_PARAM_U64(T, name, field, unit, def, lo, hi, help) \
    { name, MIGSIM_PT_U64, offsetof(T, field), unit, help, def, 0, NULL, lo, hi, 0, 0, NULL }
#define MIGSIM_PARAM_U32(T, name, field, unit, def, lo, hi, help) \
    { name, MIGSIM_PT_U32, offsetof(T, field), unit, help, def, 0, NULL, lo, hi, 0, 0, NULL }
#define MIGSIM_PARAM_F64(T, name, field, unit, def, lo, hi, help) \
    { name, MIGSIM_PT_F64, offsetof(T, field), unit, help, 0, def, NULL, 0, 0, lo, hi, NULL }
#define MIGSIM_PARAM_BOOL(T, name, field, def, help) \
    { name, MIGSIM_PT_BOOL, offsetof(T, field), "", help, def, 0, NULL, 0, 0, 0, 0, NULL }
#define MIGSIM_PARAM_STR(T, name, field, def, help) \
    { name, MIGSIM_PT_STR, offsetof(T, field), "", help, 0, 0, def, 0, 0, 0, 0, NULL }
#define MIGSIM_PARAM_ENUM(T, name, field, def, choices, help) \
    { name, MIGSIM_PT_ENUM, offsetof(T, field), "", help, def, 0, NULL, 0, 0, 0, 0, choices }
#define MIGSIM_PARAMS_END { NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0, 0, 0, 0, NULL }

#define MIGSIM_PORT_TARGET(T, name, field, recv, help) \
    { name, MIGSIM_PORT_IN, offsetof(T, field), recv, NULL, NULL, help, false, 0, false }
#define MIGSIM_PORT_INITIATOR(T, name, field, resp, retry, help) \
    { name, MIGSIM_PORT_OUT, offsetof(T, field), NULL, resp, retry, help, false, 0, false }
#define MIGSIM_PORT_TARGET_OPT(T, name, field, recv, help) \
    { name, MIGSIM_PORT_IN, offsetof(T, field), recv, NULL, NULL, help, true, 0, false }
/* An IN port that pushes `push` return-path entries; `ends`: the request is answered here. */
#define MIGSIM_PORT_TARGET_ROUTE(T, name, field, recv, optional, push, ends, help) \
    { name, MIGSIM_PORT_IN, offsetof(T, field), recv, NULL, NULL, help, optional, push, ends }
#define MIGSIM_PORTS_END { NULL, 0, 0, NULL, NULL, NULL, NULL, false, 0, false }

#define MIGSIM_STAT_U64(T, name, field, unit, help) \
    { name, MIGSIM_ST_U64, offsetof(T, field), unit, help, NULL, NULL }
#define MIGSIM_STAT_F64(T, name, field, unit, help) \
    { name, MIGSIM_ST_F64, offsetof(T, field), unit, help, NULL, NULL }
/* A statistic of one port, reported only while the port is bound (unused inputs stay quiet). */
#define MIGSIM_STAT_U64_PORT(T, name, field, unit, help, port) \
    { name, MIGSIM_ST_U64, offsetof(T, field), unit, help, port, NULL }
/* A statistic of a feature a parameter turns on, reported only while that parameter is nonzero. */
#define MIGSIM_STAT_U64_IF(T, name, field, unit, help, param) \
    { name, MIGSIM_ST_U64, offsetof(T, field), unit, help, NULL, param }
#define MIGSIM_STATS_END { NULL, 0, 0, NULL, NULL, NULL, NULL }

/* The common header, first member of every component's state struct. */
struct migsim_comp_s {
    const migsim_comp_ops_t *ops;         /* borrowed: static table */
    char *name;                           /* owned: instance name */
    migsim_sim_t *sim;                    /* borrowed */
    migsim_kernel_t *k;                   /* borrowed: the sim's kernel */
    migsim_req_pool_t *pool;              /* borrowed: the sim's request pool */
    const char *config_path;              /* borrowed: JSON path of its config, for messages */
    uint8_t *params_given;                /* owned: per ops->params entry, 1 = set by the
                                             configuration (0 = its table default) */
    const uint64_t *trace_mask;           /* borrowed: the sim's trace point mask, bit
                                             MIGSIM_TP_* set = written (tracepoint.h) */
};

/*
 * Whether parameter `name` was set by the configuration (the embedded
 * platform, a file or an override) rather than left at its table default.
 * False for an unknown name.
 */
bool migsim_comp_param_given(const migsim_comp_t *c, const char *name);

/* The port named `name` of a component, NULL if none. */
migsim_port_t *migsim_comp_port(migsim_comp_t *c, const char *name);

/* All component types known to the library, NULL-terminated (models/registry.c). */
extern const migsim_comp_ops_t *const migsim_registry[];
const migsim_comp_ops_t *migsim_registry_find(const char *type);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_COMPONENT_H */
