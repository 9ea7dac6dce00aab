/*
 * main.c - the migsim program: dispatches to its subcommands (cli.h).
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: migsim <command> [options]\n"
            "\n"
            "commands:\n"
            "  run [--config FILE] [--trace FILE] [--set COMP.PARAM=VALUE]... [--out STATS.json]\n"
            "                       run a platform (no --config: the embedded default) and print a summary\n"
            "  describe [--json] [TYPE]\n"
            "                       component types, parameters, ports and statistics (as JSON)\n"
            "  trace info|convert|gen ...\n"
            "                       inspect, import and generate traces (migsim trace --help)\n"
            "  dram-check LOG       check a DRAM command log against the JEDEC timing rules\n"
            "  sweep SWEEP.json [--jobs N] [--out DIR]\n"
            "                       run every point of a parameter sweep, gather one table\n"
            "  plot timeline STATS.json -o FIG.png|pdf, plot compare RUN.json... -o FIG.png|pdf\n"
            "                       figures from statistics JSON (Python 3, numpy, matplotlib)\n"
            "  help                 this text\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0)
        return migsim_cli_run(argc - 1, argv + 1);
    if (strcmp(cmd, "describe") == 0)
        return migsim_cli_describe(argc - 1, argv + 1);
    if (strcmp(cmd, "trace") == 0)
        return migsim_cli_trace(argc - 1, argv + 1);
    if (strcmp(cmd, "dram-check") == 0)
        return migsim_cli_dram_check(argc - 1, argv + 1);
    if (strcmp(cmd, "sweep") == 0)
        return migsim_cli_sweep(argc - 1, argv + 1);
    if (strcmp(cmd, "plot") == 0)
        return migsim_cli_plot(argc - 1, argv + 1);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "migsim: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return 2;
}
