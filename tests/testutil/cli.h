/*
 * testutil/cli.h - running the migsim program from a test: its exit status,
 * with stdout and stderr in files the test then searches.
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

/*
 * Exit status of `migsim ARGS` (-1 if it did not exit), its stdout in
 * `outfile` and its stderr in `errfile` (both in one file when the names
 * are equal).
 */
static inline int run_cli_split(const char *args, const char *outfile, const char *errfile)
{
    char cmd[8192];
    if (strcmp(outfile, errfile) == 0)
        snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>&1", MIGSIM_CLI, args, outfile);
    else
        snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>'%s'", MIGSIM_CLI, args, outfile, errfile);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Exit status of `migsim ARGS` (-1 if it did not exit), its output in `outfile`. */
static inline int run_cli(const char *args, const char *outfile)
{
    return run_cli_split(args, outfile, outfile);
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
