/*
 * cli.h - the subcommands of the migsim program, one function each.
 *
 * Each takes the arguments after its own name (argv[0] is the subcommand
 * name) and returns the process exit status: 0 on success, 1 when the
 * simulated system reported a failure (e.g. timing violations found),
 * 2 on bad usage or bad input (with a message on stderr naming the file
 * and line, record or JSON path).
 */
#ifndef MIGSIM_CLI_H
#define MIGSIM_CLI_H

#include "migsim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

int migsim_cli_run(int argc, char **argv);        /* migsim run ...          */
int migsim_cli_describe(int argc, char **argv);   /* migsim describe [TYPE]  */
int migsim_cli_trace(int argc, char **argv);      /* migsim trace info|convert|gen ... */
int migsim_cli_dram_check(int argc, char **argv); /* migsim dram-check LOG   */
int migsim_cli_sweep(int argc, char **argv);      /* migsim sweep SWEEP.json */
int migsim_cli_plot(int argc, char **argv);       /* migsim plot timeline|compare ... */

/*
 * The options of `migsim sweep` (and migsim-sweep, which also takes
 * --migsim PATH when `migsim` is not NULL): -1 to go on, else the exit status.
 */
int migsim_cli_sweep_args(int argc, char **argv, const char *prog, const char **file, const char **out,
                          int *jobs, const char **migsim);

/*
 * The run front end with another way of running the simulation (the
 * SystemC kernel, for migsim-sc): options, summary, statistics and exit
 * status are those of `migsim run`.
 */
typedef struct migsim_run_driver_s {
    const char *prog;                 /* names the program in messages */
    unsigned create_flags;            /* migsim_sim_create_ex flags */
    /* after creation, before running: 0, or an error code with migsim_errmsg() set */
    int (*attach)(migsim_sim_t *sim, void *ctx);
    /* run up to `until` (as migsim_sim_run) */
    int (*advance)(migsim_sim_t *sim, migsim_tick_t until, void *ctx);
    void *ctx;
} migsim_run_driver_t;

int migsim_cli_run_with(int argc, char **argv, const migsim_run_driver_t *drv);

#ifdef __cplusplus
}
#endif

#endif /* MIGSIM_CLI_H */
