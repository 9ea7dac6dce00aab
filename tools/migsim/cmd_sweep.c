/*
 * cmd_sweep.c - `migsim sweep SWEEP.json`: every point of a sweep (sweep.h)
 * as a `migsim run` of this same program, at most --jobs at a time, then the
 * table. migsim-sweep does the same across the ranks of an MPI job.
 */
#include "cli.h"
#include "sweep.h"

#include "migsim/errors.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void local_done(void *ctx, size_t point, int status, const char *message)
{
    const sweep_t *sw = ctx;
    if (sweep_record(sw, point, status, message, NULL) != 0)
        fprintf(stderr, "migsim sweep: %s\n", migsim_errmsg());
}

int migsim_cli_sweep_args(int argc, char **argv, const char *prog, const char **file, const char **out,
                          int *jobs, const char **migsim)
{
    *file = *out = NULL;
    *jobs = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        char *end;
        if (strcmp(a, "--jobs") == 0 && more) {
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 1024) {
                fprintf(stderr, "%s: --jobs \"%s\": expected a number of processes, 1 to 1024\n", prog, argv[i]);
                return 2;
            }
            *jobs = (int)n;
        } else if (strcmp(a, "--out") == 0 && more) {
            *out = argv[++i];
        } else if (migsim && strcmp(a, "--migsim") == 0 && more) {
            *migsim = argv[++i];
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("usage: %s SWEEP.json [--jobs N] [--out DIR]%s\n"
                   "  runs every point of the sweep (a `migsim run` each, N at a time), writes\n"
                   "  DIR/pNNN.json per point and the table DIR/sweep.csv, DIR/sweep.json; points\n"
                   "  with complete results from the same arguments are not run again\n",
                   prog, migsim ? " [--migsim PATH]" : "");
            return 0;
        } else if (a[0] != '-' && !*file) {
            *file = a;
        } else {
            fprintf(stderr, "%s: unknown or incomplete option \"%s\"\n", prog, a);
            return 2;
        }
    }
    if (!*file) {
        fprintf(stderr, "usage: %s SWEEP.json [--jobs N] [--out DIR]%s\n", prog, migsim ? " [--migsim PATH]" : "");
        return 2;
    }
    return -1;
}

int migsim_cli_sweep(int argc, char **argv)
{
    const char *P = "migsim sweep", *file, *out;
    int jobs;
    int rc = migsim_cli_sweep_args(argc, argv, P, &file, &out, &jobs, NULL);
    if (rc >= 0)
        return rc;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "%s: cannot find this program (/proc/self/exe)\n", P);
        return 2;
    }
    self[n] = '\0';
    sweep_t sw;
    if (sweep_load(&sw, file, out, self) != 0) {
        fprintf(stderr, "%s: %s\n", P, migsim_errmsg());
        sweep_free(&sw);
        return 2;
    }
    size_t *idx = calloc(sw.npts, sizeof *idx);
    size_t todo = sweep_pending(&sw, idx);
    printf("sweep            %zu points, %zu to run, %d at a time, in %s\n", sw.npts, todo, jobs, sw.out);
    fflush(stdout);
    rc = sweep_run(&sw, idx, todo, jobs, sw.out, local_done, NULL, &sw);
    if (rc) {
        fprintf(stderr, "%s: %s\n", P, migsim_errmsg());
        rc = 2;
    } else {
        rc = sweep_table(&sw, P);
    }
    free(idx);
    sweep_free(&sw);
    return rc;
}
