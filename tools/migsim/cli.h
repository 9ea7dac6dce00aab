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

int migsim_cli_run(int argc, char **argv);        /* migsim run ...          */
int migsim_cli_describe(int argc, char **argv);   /* migsim describe [TYPE]  */
int migsim_cli_trace(int argc, char **argv);      /* migsim trace info|convert|gen ... */
int migsim_cli_dram_check(int argc, char **argv); /* migsim dram-check LOG   */

#endif /* MIGSIM_CLI_H */
