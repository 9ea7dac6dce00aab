/*
 * testutil/cli.h - running the migsim program from a test: its exit status,
 * with stdout and stderr in a file the test then searches.
 *
 * MIGSIM_CLI is the program's path (CMakeLists.txt defines it for every
 * test executable).
 */
#ifndef MIGSIM_TESTUTIL_CLI_H
#define MIGSIM_TESTUTIL_CLI_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* Exit status of `migsim ARGS` (-1 if it did not exit), its output in `outfile`. */
static inline int run_cli(const char *args, const char *outfile)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>&1", MIGSIM_CLI, args, outfile);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first 1 MiB of a text file, NUL-terminated, in a static buffer ("" if unreadable). */
static inline const char *read_text(const char *path)
{
    static char buf[1 << 20];
    size_t n = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    return buf;
}

/* Does the file hold `s`? (Its first 1 MiB.) */
static inline int file_has(const char *path, const char *s)
{
    return strstr(read_text(path), s) != NULL;
}

#endif /* MIGSIM_TESTUTIL_CLI_H */
