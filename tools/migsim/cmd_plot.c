/*
 * cmd_plot.c - `migsim plot ...`: runs migsim_plot.py, the figure script the
 * build puts beside this program, with the Python named by MIGSIM_PYTHON
 * (default: python3 on PATH, which needs numpy and matplotlib).
 */
#include "cli.h"
#include "sweep.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int migsim_cli_plot(int argc, char **argv)
{
    char script[PATH_MAX];
    if (cli_sibling_path("migsim_plot.py", script, sizeof script) != 0 || access(script, R_OK) != 0) {
        fprintf(stderr, "migsim plot: the figure script migsim_plot.py is not beside this program "
                        "(the build copies it there from tools/); run tools/migsim_plot.py instead\n");
        return 2;
    }
    const char *py = getenv("MIGSIM_PYTHON");
    if (!py || !py[0])
        py = "python3";
    char **args = calloc((size_t)argc + 2, sizeof *args);
    args[0] = (char *)py;
    args[1] = script;
    for (int i = 1; i < argc; i++)
        args[i + 1] = argv[i];
    fflush(NULL);
    execvp(py, args);
    fprintf(stderr, "migsim plot: %s: %s (install python3-matplotlib and python3-numpy, or name a "
                    "Python that has them in MIGSIM_PYTHON)\n", py, strerror(errno));
    free(args);
    return 2;
}
