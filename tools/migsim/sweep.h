/*
 * sweep.h - a parameter sweep: many `migsim run`s of one base configuration,
 * each with its own --set overrides, their statistics gathered in one table.
 *
 * Shared by `migsim sweep` (points in parallel processes on one machine) and
 * migsim-sweep (the same points spread over the ranks of an MPI job). A sweep
 * file (JSON; paths in it are relative to its own folder, where every point
 * runs):
 *
 *   {
 *     "config": "base.json",             (or "platform": "migration" | "dram"; neither: the default)
 *     "set": ["mig.page_bytes=16MiB"],   (overrides of every point, as --set)
 *     "grid": {"mig.policy": ["segmented", "suspend_io"], "mig.subpage_bytes": [4096, 65536]},
 *     "points": [{"mig.policy": "segmented"}, {"mig.policy": "none", "sim.seed": 2}],
 *     "stats": ["mig.duration_ps", "cpu0.latency_*_avg_ns"],
 *     "out": "results"
 *   }
 *
 * "grid" (every combination, the first key varying slowest) or "points" (a
 * list), exactly one; each value becomes --set KEY=VALUE with VALUE the
 * value's JSON text. "stats" names the table's statistic columns (shell
 * patterns over the base configuration's statistic names; absent: all).
 * "out" is the output folder (default: the sweep file's name without .json).
 *
 * The output folder holds, per point pNNN, the statistics JSON pNNN.json
 * written by `migsim run --out` and pNNN.run.json (its overrides, the
 * arguments it ran with, exit status and message), plus sweep.csv and
 * sweep.json, the table. A point whose pNNN.json says "status": "complete"
 * and whose pNNN.run.json holds the same arguments is not run again.
 */
#ifndef MIGSIM_TOOLS_SWEEP_H
#define MIGSIM_TOOLS_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cJSON cJSON;

typedef struct sweep_point_s {
    char name[16];  /* "p003" */
    cJSON *set;     /* owned: object KEY -> JSON value, this point's own overrides */
    cJSON *args;    /* owned: array of the `migsim run` arguments after --out FILE */
} sweep_point_t;

typedef struct sweep_s {
    char *path;            /* owned: the sweep file as named on the command line */
    char *dir;             /* owned: its folder (absolute); every point runs in it */
    char *out;             /* owned: the output folder (absolute) */
    char *migsim;          /* owned: the migsim program that runs the points */
    sweep_point_t *pts;    /* owned: npts points, in order */
    size_t npts;
    cJSON *keys;           /* owned: array of the override keys, in order of first use */
    cJSON *stats;          /* owned: array of the statistic columns; NULL = every statistic */
} sweep_t;

/*
 * Reads and checks a sweep file: its shape (errors name the file and JSON
 * path) and the base configuration with the common overrides (built, not run:
 * a configuration error is found now); expands "stats"; makes the output
 * folder. out_dir (NULL: from the file) and migsim (the program to run) come
 * from the command line. 0, or an error code with migsim_errmsg() set.
 */
int sweep_load(sweep_t *sw, const char *path, const char *out_dir, const char *migsim);
void sweep_free(sweep_t *sw);

/* Does point i have complete results on disk from the same arguments? */
bool sweep_point_done(const sweep_t *sw, size_t i);

/*
 * The points to run, into idx (room for npts): those without complete
 * results from the same arguments, whose old files are removed now. The
 * others are named on stdout. Returns their number.
 */
size_t sweep_pending(const sweep_t *sw, size_t *idx);

/*
 * Runs points idx[0..n) with at most `jobs` at a time, each `migsim run`
 * writing its statistics to stats_dir/pNNN.json. As each one ends, done(ctx,
 * point, exit status, message) is called (message: the end of its stderr,
 * "" when it printed nothing); poll(ctx), when not NULL, is called every few
 * milliseconds while points run. 0, or an error code when a process could not
 * be started (migsim_errmsg() set).
 */
typedef void (*sweep_done_fn)(void *ctx, size_t point, int status, const char *message);
int sweep_run(const sweep_t *sw, const size_t *idx, size_t n, int jobs, const char *stats_dir,
              sweep_done_fn done, void (*poll)(void *ctx), void *ctx);

/*
 * Records a finished point in the output folder: its statistics text (NULL:
 * already in place at out/pNNN.json, or none) and pNNN.run.json. Prints a
 * line on stdout. 0, or an error code.
 */
int sweep_record(const sweep_t *sw, size_t point, int status, const char *message, const char *stats_text);

/*
 * Writes sweep.csv and sweep.json of the output folder from the points'
 * files. Returns 0 when every point ran with exit status 0, 1 when one did
 * not (or has no results), 2 on an error writing (message on stderr).
 */
int sweep_table(const sweep_t *sw, const char *prog);

/* The text of a file, NUL-terminated (free()), or NULL. */
char *sweep_read_file(const char *path, size_t *len);

/* The path of program `name` in the folder of the running program (0), or -1. */
int cli_sibling_path(const char *name, char *buf, size_t cap);

#endif /* MIGSIM_TOOLS_SWEEP_H */
