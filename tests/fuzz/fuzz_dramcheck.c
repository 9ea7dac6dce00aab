/*
 * fuzz_dramcheck.c - libFuzzer target of the DRAM command-log checker
 * (models/dram/dram_check.c, `migsim dram-check`): the input is a command
 * log (models/dram/CMDLOG.md), read from memory by dram_check_stream_opts()
 * with every violation printed (to /dev/null) and passed to a callback that
 * reads each of its fields, then the summary printed. Malformed logs are
 * expected errors; crashes, sanitizer reports, leaks and hangs are the
 * findings.
 *
 * Hot path: one check of the whole input per input.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dram/dram_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_violation(const dram_violation_t *v, void *arg)
{
    uint64_t *sum = arg;
    *sum += v->line + v->cycle + v->earlier_line + (uint64_t)v->required + (uint64_t)v->actual +
            strlen(v->text) + (v->detail ? strlen(v->detail) : 0) +
            strlen(dram_rule_name(v->rule));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        return 0;
    static const char empty[1];
    FILE *in = size ? fmemopen((void *)data, size, "r") : fmemopen((void *)empty, 1, "r");
    if (!in)
        return 0;
    if (!size)
        (void)fgetc(in); /* an empty log: the stream is at its end */
    uint64_t sum = 0;
    dram_check_opts_t o = { .report = devnull, .max_reported = 100, .on_violation = on_violation,
                            .arg = &sum };
    dram_check_result_t res;
    (void)dram_check_stream_opts(in, "fuzz.log", &o, &res);
    dram_check_print_summary(devnull, "fuzz.log", &res);
    fclose(in);
    return 0;
}
