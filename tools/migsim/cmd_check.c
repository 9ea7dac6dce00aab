/*
 * cmd_check.c - `migsim dram-check LOG [--max-report N]`: replay a DDR4
 * command log (models/dram/CMDLOG.md) through the independent checker of
 * dram_check.c, print each violation (at most N, default 1000) and a summary
 * per rule. Exit 0 when clean, 1 when violations were found, 2 on bad usage
 * or a malformed or unreadable log ("file:line: message" on stderr).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dram/dram_check.h"
#include "migsim/errors.h"

#define CHECK_DEFAULT_MAX_REPORT 1000

static void check_usage(FILE *out)
{
    fprintf(out,
            "usage: migsim dram-check LOG [--max-report N]\n"
            "  Check a DDR4 command log against the JEDEC timing rules.\n"
            "  --max-report N  print at most N violations (default %d; 0: summary only)\n"
            "  exit status: 0 clean, 1 violations found, 2 bad usage or malformed log\n",
            CHECK_DEFAULT_MAX_REPORT);
}

/* Parse an unsigned decimal count; 0 on success. */
static int check_parse_count(const char *s, uint64_t *v)
{
    uint64_t x = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (x > (UINT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

int migsim_cli_dram_check(int argc, char **argv)
{
    const char *path = NULL;
    uint64_t max_report = CHECK_DEFAULT_MAX_REPORT;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            check_usage(stdout);
            return 0;
        } else if (strcmp(a, "--max-report") == 0 || strncmp(a, "--max-report=", 13) == 0) {
            const char *v = a[12] == '=' ? a + 13 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || check_parse_count(v, &max_report) != 0) {
                fprintf(stderr, "migsim dram-check: --max-report needs an unsigned count\n");
                check_usage(stderr);
                return 2;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "migsim dram-check: unknown option '%s'\n", a);
            check_usage(stderr);
            return 2;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "migsim dram-check: more than one LOG given ('%s')\n", a);
            check_usage(stderr);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "migsim dram-check: no LOG given\n");
        check_usage(stderr);
        return 2;
    }

    dram_check_result_t res;
    int rc;
    if (strcmp(path, "-") == 0)
        rc = dram_check_stream(stdin, "<stdin>", stdout, max_report, &res);
    else
        rc = dram_check_file(path, stdout, max_report, &res);
    fflush(stdout);
    if (rc < 0) {
        fprintf(stderr, "migsim dram-check: %s\n", migsim_errmsg());
        return 2;
    }
    if (res.violations > max_report)
        printf("(%" PRIu64 " more violations not printed)\n", res.violations - max_report);
    dram_check_print_summary(stdout, strcmp(path, "-") == 0 ? "<stdin>" : path, &res);
    return res.violations ? 1 : 0;
}
