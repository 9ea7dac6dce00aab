/*
 * migsim/sim.h - a simulation: the kernel, the request pool, the components
 * and their links, built from a JSON configuration or by API calls.
 *
 * Configuration (JSON, cJSON):
 *   {
 *     "base": "default" | "dram" | "migration" | "none",
 *                                      optional; this file is merged onto the
 *                                      named embedded platform ("default": the
 *                                      default one; objects merge key by key,
 *                                      null deletes a key); "none": nothing
 *     "sim": { "seed": 1, "end_ps": 0, "epoch_ps": 0, "epoch_stats": ["dram0.read_reqs"],
 *              "external_ports": ["dram0.in"],     ports the embedding program binds
 *                                                  with migsim_sim_bind() before running
 *              "cores": 1 },                       N > 1: cores 1..N-1 are copies of the
 *                                                  trace player cpu0 and its CPU MMU (after
 *                                                  the overrides), core_id 1..N-1, on the
 *                                                  next free inputs of their crossbar and
 *                                                  in every cpu_mmus list naming the MMU
 *     "components": { "<name>": { "type": "<type>", <parameters> }, ... },
 *     "links": [ { "from": "<comp>.<port>", "to": "<comp>.<port>",
 *                  "latency_ps": 0, "capacity": 16 }, ... ]
 *   }
 * Unknown keys, wrong types and out-of-range values are MIGSIM_ECONFIG with a
 * message naming the file and the JSON path ($.components.dram0.tRCD).
 */
#ifndef MIGSIM_SIM_H
#define MIGSIM_SIM_H

#include <stdint.h>
#include <stdio.h>

#include "migsim/component.h"
#include "migsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The embedded platforms, as JSON text: "dram" (a trace player driving one
 * DDR4 channel) and "migration" (CPU and DMA traffic through the MMUs, the
 * dual-write chip, a last-level cache and DDR4 while a large page migrates).
 * NULL for an unknown name. The default platform is migsim_default_platform.
 */
const char *migsim_platform_config(const char *name);
extern const char *const migsim_default_platform;
extern const char *const migsim_platform_names[]; /* NULL-terminated */

/*
 * Build a simulation from JSON text. `name` names the source in messages
 * (a file name, or "<default>"). NULL json = the embedded default platform.
 * On success *out owns everything; on failure *out is NULL.
 */
int migsim_sim_create(migsim_sim_t **out, const char *json, const char *name);

/* Same, reading the configuration file at `path` (NULL = the default). */
int migsim_sim_create_file(migsim_sim_t **out, const char *path);

/*
 * Same as migsim_sim_create_file, then applies `n` overrides before building:
 * each "component.param=VALUE" (VALUE parsed as JSON, or taken as a string
 * when it is not JSON) or "sim.key=VALUE". Errors name the override.
 */
int migsim_sim_create_overrides(migsim_sim_t **out, const char *path,
                                const char *const *overrides, size_t n);

/*
 * Build the embedded platform `platform` (NULL = the default) with `n`
 * overrides as for migsim_sim_create_overrides. MIGSIM_ENOENT for an
 * unknown platform name.
 */
int migsim_sim_create_platform(migsim_sim_t **out, const char *platform,
                               const char *const *overrides, size_t n);

/*
 * Creation with options. `platform` names an embedded platform or `path` a
 * configuration file (at most one; neither = the default platform), then
 * `n` overrides as for migsim_sim_create_overrides. Flags:
 *   MIGSIM_SIM_LINKS_UNBOUND: $.links are checked and recorded
 *     (migsim_sim_link_spec) but not bound: every linked port becomes an
 *     external port, and the embedding program binds both ends of each link
 *     itself (migsim_sim_bind_port), e.g. through TLM-2.0 sockets.
 */
#define MIGSIM_SIM_LINKS_UNBOUND 0x1u
int migsim_sim_create_ex(migsim_sim_t **out, const char *platform, const char *path,
                         const char *const *overrides, size_t n, unsigned flags);

/* One entry of $.links, as configured (ports borrowed from the components). */
typedef struct migsim_link_spec_s {
    migsim_port_t *from;          /* an OUT port */
    migsim_port_t *to;            /* an IN port */
    migsim_tick_t latency_ps;     /* 0 = direct call */
    uint32_t capacity;            /* requests in flight on a delay link */
} migsim_link_spec_t;

size_t migsim_sim_nlink_specs(const migsim_sim_t *sim);
const migsim_link_spec_t *migsim_sim_link_spec(const migsim_sim_t *sim, size_t i); /* NULL past end */

/*
 * The epoch series (sim.epoch_ps) holds at most this many values (samples x
 * sampled statistics). With sim.end_ps the bound is checked when the
 * configuration is read; without it, a run that reaches it stops with
 * MIGSIM_ECONFIG naming $.sim.epoch_ps.
 */
#define MIGSIM_SERIES_MAX_VALUES 4000000u

/* sim.end_ps (0 = run until idle). */
migsim_tick_t migsim_sim_end_ps(const migsim_sim_t *sim);

/* True when a run has nothing left to do (idle, end time reached, or failed). */
int migsim_sim_done(const migsim_sim_t *sim);

/*
 * Run until the simulated system is idle (no live event), end_ps is reached
 * (if set), or `until` (MIGSIM_TICK_MAX for no limit). Returns 0, or a
 * negative code when a component reported an input error during the run
 * (e.g. a corrupt trace record), with migsim_errmsg() set.
 */
int migsim_sim_run(migsim_sim_t *sim, migsim_tick_t until);

/*
 * Progress reports: fn(sim, ctx) is called by migsim_sim_run each time
 * `every_ps` of simulated time has passed since the last call (the run is
 * cut into slices at those times, which changes no result), and by
 * migsim_sim_progress. fn may read the simulation (migsim_sim_now,
 * migsim_sim_stat) but not run it. fn NULL removes it; every_ps 0 is
 * MIGSIM_EINVAL.
 */
typedef void (*migsim_progress_fn)(migsim_sim_t *sim, void *ctx);
int migsim_sim_set_progress(migsim_sim_t *sim, migsim_tick_t every_ps, migsim_progress_fn fn,
                            void *ctx);

/*
 * For a program that advances the simulation itself (the SystemC kernel):
 * call the progress function if every_ps has passed since its last call.
 */
void migsim_sim_progress(migsim_sim_t *sim);

/*
 * Bind a port of the caller's (initiator: OUT, or target: IN) to the port
 * "component.port" listed in sim.external_ports, with zero latency. Must be
 * called before the first migsim_sim_run(). The caller's port must stay
 * valid for the life of the simulation; set its callbacks (resp/retry for an
 * OUT port, recv for an IN port) before binding.
 */
int migsim_sim_bind(migsim_sim_t *sim, const char *port_path, migsim_port_t *external);

/* The port "component.port", or NULL when there is none. */
migsim_port_t *migsim_sim_port(migsim_sim_t *sim, const char *port_path);

/*
 * Same as migsim_sim_bind, naming the component's port directly. With latency_ps > 0 (IN
 * ports only) the caller's OUT port reaches `p` through a delay link with
 * that latency and `capacity`, exactly as a $.links entry would (at most one
 * such link per $.links entry of the configuration).
 */
int migsim_sim_bind_port(migsim_sim_t *sim, migsim_port_t *p, migsim_port_t *external,
                         migsim_tick_t latency_ps, uint32_t capacity);

/*
 * The migration phase, for statistics split before / during / after a
 * migration: MIGSIM_PHASE_BEFORE until the migration controller starts,
 * DURING while it runs, AFTER once it has finished. Sources read it when a
 * request completes.
 */
enum { MIGSIM_PHASE_BEFORE = 0, MIGSIM_PHASE_DURING = 1, MIGSIM_PHASE_AFTER = 2, MIGSIM_PHASES = 3 };
int migsim_sim_phase(const migsim_sim_t *sim);
void migsim_sim_set_phase(migsim_sim_t *sim, int phase);

/* Current simulated time, ps. */
migsim_tick_t migsim_sim_now(const migsim_sim_t *sim);
migsim_kernel_t *migsim_sim_kernel(migsim_sim_t *sim);
migsim_req_pool_t *migsim_sim_pool(migsim_sim_t *sim);
uint64_t migsim_sim_seed(const migsim_sim_t *sim);

/* Find a component by instance name, NULL if none. */
migsim_comp_t *migsim_sim_find(migsim_sim_t *sim, const char *name);

/*
 * A component's peer named by its parameter `param` (for a component's
 * configure hook): the component `name` of type `type`, or NULL with
 * MIGSIM_ECONFIG and a message naming the parameter's JSON path ("no
 * component named ...", "... is a dram, not a migctl").
 */
migsim_comp_t *migsim_comp_find_peer(migsim_comp_t *self, const char *name, const char *type,
                                     const char *param);

/*
 * The peers a parameter `param` lists (names separated by commas or spaces),
 * each of type `type`, into out[0..*n), at most `max`: 0, or MIGSIM_ECONFIG
 * with a message naming the parameter (as migsim_comp_find_peer, or "at
 * most N names"), or MIGSIM_ENOMEM.
 */
int migsim_comp_find_peers(migsim_comp_t *self, const char *list, const char *type,
                           const char *param, migsim_comp_t **out, uint32_t max, uint32_t *n);
size_t migsim_sim_ncomps(const migsim_sim_t *sim);
migsim_comp_t *migsim_sim_comp(migsim_sim_t *sim, size_t i);

/*
 * Report an input error found while running (a component's hot path cannot
 * return one): records the message and stops the kernel; migsim_sim_run
 * returns `code`.
 */
void migsim_sim_fail(migsim_sim_t *sim, int code);

/* Value of a statistic by its dotted name; MIGSIM_ENOENT if unknown. */
int migsim_sim_stat(migsim_sim_t *sim, const char *dotted, double *value);

/*
 * Statistics as JSON text (caller frees with free()). Sections: "migsim"
 * (format), "sim" (simulated time, events, and "status": "complete" when the
 * run went idle or reached sim.end_ps without error, else "partial" with a
 * "reason": the error that stopped it, "not run", or the time it was
 * stopped at with work left), "stats" (every statistic by
 * dotted name), "series" (epoch samples), "host" (wall time, peak RSS: the
 * only non-deterministic section). `host_wall_s` < 0 omits "host".
 */
char *migsim_sim_stats_json(migsim_sim_t *sim, double host_wall_s);

/*
 * Record the embedding program's verdict on the run: the statistics JSON
 * then holds "outcome": {"exit_status": exit_status, "reason": reason}
 * (reason "" or NULL when there is nothing to say). The text is copied.
 * `migsim run` records its exit status and why (lost writes, requests that
 * never completed or faulted, the error that stopped the run).
 */
int migsim_sim_set_outcome(migsim_sim_t *sim, int exit_status, const char *reason);

/*
 * Write the statistics JSON to `path`: a regular file (or a new name)
 * atomically (a temporary file in its directory, then a rename); anything
 * else (a device such as /dev/stdout, a pipe, a symbolic link) in place.
 * MIGSIM_EIO with the path and the reason (e.g. "No space left on device").
 */
int migsim_sim_write_stats(migsim_sim_t *sim, const char *path, double host_wall_s);

/*
 * Whether migsim_sim_write_stats(path) can work, checked before a run: a
 * regular file or a new name needs an existing, writable directory and is
 * not a directory itself (so does the name a symbolic link leads to when
 * nothing is there yet); anything else must open for writing. 0, or
 * MIGSIM_EIO with a message naming the path. Nothing is created or changed.
 */
int migsim_stats_path_check(const char *path);

void migsim_sim_destroy(migsim_sim_t *sim);

/*
 * Parse "4GiB", "64K", "0x1000", "1000" into bytes or a count. 0; MIGSIM_ERANGE
 * for a well-formed value above UINT64_MAX ("99999999999999999999", "20000000TiB");
 * MIGSIM_EINVAL for anything else.
 */
int migsim_parse_size(const char *s, uint64_t *out);

/* Print every component type (or just `type`) with parameters, ports and statistics. */
int migsim_describe(FILE *f, const char *type);

/*
 * The same as JSON: {"stats_format": 1, "types": [TYPE...]}, or one TYPE
 * when `type` is given; a TYPE is {"type", "help", "parameters": [{"name",
 * "type" (u64, u32, f64, bool, string, enum), "unit", "default", "min" and
 * "max" (numbers), "choices" (enum), "help"}], "ports": [{"name", "dir",
 * "optional", "help"}], "statistics": [{"name", "type", "unit", "help",
 * "port" (only for a port's statistic, reported while it is bound)}]}.
 */
int migsim_describe_json(FILE *f, const char *type);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_SIM_H */
