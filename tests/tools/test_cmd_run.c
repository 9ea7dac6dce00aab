/*
 * test_cmd_run.c - `migsim run` (tools/migsim/cmd_run.c) as a user runs it.
 *
 * --out is checked before the run: a missing directory or a directory name
 * stops the program at once, with nothing simulated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "migsim/errors.h"
#include "migsim/sim.h"

static const char *const dram_small[] = { "cpu0.gen_count=2000" };

typedef struct cli_result_s {
    int status;      /* exit status, -1 when killed by a signal */
    char out[65536]; /* stdout */
    char err[8192];  /* stderr */
} cli_result_t;

static void slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    remove(path);
}

/* migsim run ARGS plus --set for each override; stdout and stderr captured. */
static void cli_run(cli_result_t *r, const char *args, const char *const *sets, size_t n)
{
    char cmd[8192];
    int len = snprintf(cmd, sizeof cmd, "'%s' run %s", MIGSIM_CLI, args);
    for (size_t i = 0; i < n; i++)
        len += snprintf(cmd + len, sizeof cmd - (size_t)len, " --set '%s'", sets[i]);
    snprintf(cmd + len, sizeof cmd - (size_t)len, " >cmd_run.out 2>cmd_run.err");
    int st = system(cmd);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    slurp("cmd_run.out", r->out, sizeof r->out);
    slurp("cmd_run.err", r->err, sizeof r->err);
}

/* --out that cannot be written stops the program before the run: no summary, status 2. */
static void test_out_checked_before_run(void **state)
{
    (void)state;
    static cli_result_t r;
    cli_run(&r, "--platform dram --out no-such-dir/stats.json", dram_small, 1);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "no-such-dir/stats.json: cannot write the statistics: directory "
                                  "no-such-dir: No such file or directory"));
    cli_run(&r, "--platform dram --out .", dram_small, 1);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, ".: cannot write the statistics: is a directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_checked_before_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
