/*
 * test_cmd_run.c - `migsim run` (tools/migsim/cmd_run.c) as a user runs it.
 *
 * The summary reads statistics by name; a name missing from its
 * component's table aborts the program rather than print 0. The summary is
 * run over every embedded platform and every example configuration in
 * bench/configs (scaled to a 1 MiB page), which together hold every
 * component type, and must finish with status 0 or 1 and no such report.
 * --out is checked before the run: a missing directory or a directory name
 * stops the program at once, with nothing simulated. Statistics of a run
 * that failed part way say "partial" and why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migsim/errors.h"
#include "migsim/sim.h"
#include "migsim/trace.h"
#include "migsim/tracepoint.h"
#include "testutil/cli.h"

/* The migration platform scaled to a 1 MiB page and a few thousand records. */
static const char *const scale[] = {
    "mig.page_bytes=1MiB", "mig.start_ps=2000000",
    "cpu0.gen_range_bytes=1MiB", "cpu0.gen_count=3000", "cpu0.gen_gap_ps=20000",
    "nic0.gen_range_bytes=1MiB", "nic0.gen_ring_entries=64", "nic0.gen_count=1500",
    "nic0.gen_gap_ps=60000", "disk0.gen_range_bytes=1MiB", "disk0.gen_block_bytes=4096",
    "disk0.gen_count=200", "disk0.gen_gap_ps=300000",
};
static const char *const dram_small[] = { "cpu0.gen_count=2000" };

typedef struct cli_result_s {
    int status;      /* exit status, -1 when killed by a signal */
    char out[65536]; /* stdout */
    char err[8192];  /* stderr */
} cli_result_t;

/* The text of a file (its first cap - 1 bytes) into dst; the file is removed. */
static void take_text(char *dst, size_t cap, const char *path)
{
    const char *t = read_text(path);
    size_t n = strlen(t) < cap ? strlen(t) : cap - 1;
    memcpy(dst, t, n);
    dst[n] = '\0';
    remove(path);
}

/* migsim run ARGS plus --set for each override; stdout and stderr captured. */
static void cli_run(cli_result_t *r, const char *args, const char *const *sets, size_t n)
{
    char all[6144];
    int len = snprintf(all, sizeof all, "run %s", args);
    for (size_t i = 0; i < n; i++)
        len += snprintf(all + len, sizeof all - (size_t)len, " --set '%s'", sets[i]);
    r->status = run_cli_split(all, "cmd_run.out", "cmd_run.err");
    take_text(r->out, sizeof r->out, "cmd_run.out");
    take_text(r->err, sizeof r->err, "cmd_run.err");
}

/* Record the component types of a configuration (platform or file) in `seen`. */
static void note_types(const char *platform, const char *path, const char *const *sets, size_t n,
                       bool *seen)
{
    migsim_sim_t *sim;
    if (migsim_sim_create_ex(&sim, platform, path, sets, n, 0) != 0)
        fail_msg("%s", migsim_errmsg());
    for (size_t i = 0; i < migsim_sim_ncomps(sim); i++)
        for (size_t t = 0; migsim_registry[t]; t++)
            seen[t] |= migsim_sim_comp(sim, i)->ops == migsim_registry[t];
    migsim_sim_destroy(sim);
}

static void expect_summary(const char *label, const cli_result_t *r)
{
    if (r->status != 0 && r->status != 1)
        fail_msg("%s: status %d\n%s", label, r->status, r->err);
    if (strstr(r->err, "internal error"))
        fail_msg("%s: %s", label, r->err);
    assert_non_null(strstr(r->out, "simulated time"));
    assert_non_null(strstr(r->out, "\nhost "));
}

/* Every name the summary reads is in its component's statistic table, for every component type. */
static void test_summary_names_exist(void **state)
{
    (void)state;
    static cli_result_t r;
    bool seen[64] = { false };
    cli_run(&r, "--platform dram", dram_small, 1);
    expect_summary("dram", &r);
    note_types("dram", NULL, dram_small, 1, seen);
    cli_run(&r, "--platform migration", scale, sizeof scale / sizeof scale[0]);
    expect_summary("migration", &r);
    note_types("migration", NULL, scale, sizeof scale / sizeof scale[0], seen);
    cli_run(&r, "--platform tiered", scale, sizeof scale / sizeof scale[0]);
    expect_summary("tiered", &r);
    assert_non_null(strstr(r.out, "mem      out0 -> dram0: "));
    note_types("tiered", NULL, scale, sizeof scale / sizeof scale[0], seen);
    DIR *d = opendir(MIGSIM_SOURCE_DIR "/bench/configs");
    assert_non_null(d);
    int nconf = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char path[1024], args[1200];
        snprintf(path, sizeof path, "%s/bench/configs/%s", MIGSIM_SOURCE_DIR, e->d_name);
        snprintf(args, sizeof args, "--config '%s'", path);
        /* a footprint of many pages keeps its pages: only its traces are shortened */
        static const char *const traces[] = { "cpu0.gen_count=100000", "nic0.gen_count=10000",
                                              "disk0.gen_count=100" };
        bool fp = file_has(path, "\"footprint_pages\"");
        const char *const *s = fp ? traces : scale;
        size_t ns = fp ? sizeof traces / sizeof traces[0] : sizeof scale / sizeof scale[0];
        cli_run(&r, args, s, ns);
        expect_summary(e->d_name, &r);
        note_types(NULL, path, s, ns, seen);
        nconf++;
    }
    closedir(d);
    assert_true(nconf >= 7);
    for (size_t t = 0; migsim_registry[t]; t++)
        if (!seen[t])
            fail_msg("no configuration holds a component of type %s", migsim_registry[t]->type);
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

/* A run that fails part way writes its statistics under --out marked partial, with the reason. */
static void test_partial_stats_marked(void **state)
{
    (void)state;
    static cli_result_t r;
    static const char *const sets[] = { "cpu0.gen_count=20", "sim.epoch_ps=1" };
    remove("cmd_run_partial.json");
    cli_run(&r, "--platform dram --quiet --out cmd_run_partial.json", sets, 2);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "partial statistics written to cmd_run_partial.json"));
    /* the "sim" section comes first, within read_text's 1 MiB */
    const char *text = read_text("cmd_run_partial.json");
    assert_non_null(strstr(text, "\"status\":\t\"partial\""));
    assert_non_null(strstr(text, "\"reason\":\t\"<dram>: $.sim.epoch_ps: the series is full at "));
    /* "outcome" comes last, after the series: read the file's end */
    FILE *f = fopen("cmd_run_partial.json", "r");
    assert_non_null(f);
    static char tail[4096];
    assert_int_equal(fseek(f, -(long)(sizeof tail - 1), SEEK_END), 0);
    tail[fread(tail, 1, sizeof tail - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(tail, "\"outcome\":\t{\n\t\t\"exit_status\":\t2,\n\t\t\"reason\":\t\"<dram>: "
                                 "$.sim.epoch_ps: the series is full at "));
    remove("cmd_run_partial.json");
}

/* The statistics JSON says how the run ended: the exit status and why, as stderr says. */
static void test_outcome_recorded(void **state)
{
    (void)state;
    static cli_result_t r;
    static const char *const small[] = { "mig.page_bytes=16MiB", "mig.start_ps=2000000",
                                         "cpu0.gen_count=2000", "nic0.gen_count=4000",
                                         "disk0.gen_count=40" };
    cli_run(&r, "--config " MIGSIM_SOURCE_DIR "/bench/configs/precopy_unsafe.json --quiet "
            "--out cmd_run_outcome.json", small, 5);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "written lines were lost\n"));
    char want[512];
    snprintf(want, sizeof want,
             "\"outcome\":\t{\n\t\t\"exit_status\":\t1,\n\t\t\"reason\":\t\"%.*s\\n\"",
             (int)(strchr(r.err, '\n') - r.err - strlen("migsim run: ")), r.err + strlen("migsim run: "));
    assert_true(strncmp(r.err, "migsim run: ", strlen("migsim run: ")) == 0);
    if (!strstr(read_text("cmd_run_outcome.json"), want))
        fail_msg("no %s in the statistics", want);
    /* with I/O dirty tracking nothing is lost */
    cli_run(&r, "--config " MIGSIM_SOURCE_DIR "/bench/configs/precopy.json --quiet "
            "--out cmd_run_outcome.json", small, 5);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(read_text("cmd_run_outcome.json"),
                           "\"outcome\":\t{\n\t\t\"exit_status\":\t0,\n\t\t\"reason\":\t\"\""));
    remove("cmd_run_outcome.json");
}

/* describe --json is JSON for scripts; a bad option is a usage error. */
static void test_describe_json_cli(void **state)
{
    (void)state;
    assert_int_equal(run_cli_split("describe --json migctl", "cmd_desc.out", "cmd_desc.err"), 0);
    const char *text = read_text("cmd_desc.out");
    assert_true(text[0] == '{');
    assert_non_null(strstr(text, "\"name\":\t\"policy\""));
    assert_int_equal(run_cli_split("describe --yaml", "cmd_desc.out", "cmd_desc.err"), 2);
    assert_non_null(strstr(read_text("cmd_desc.err"), "usage: migsim describe [--json] [TYPE]"));
    remove("cmd_desc.out");
    remove("cmd_desc.err");
}

/*
 * A CPU record whose time, shifted by cpu0.start_ps, is past the last tick
 * stops the run with status 2, naming the player, its trace and the
 * record, instead of wrapping to an early time.
 */
static void test_record_time_past_the_end(void **state)
{
    (void)state;
    migsim_trace_wopts_t o;
    migsim_trace_wopts_default(&o);
    o.time_mode = MIGSIM_TIME_ABS_PS;
    migsim_trace_writer_t *w;
    assert_int_equal(migsim_trace_writer_open(&w, "cmd_run_end.mtr", &o), 0);
    migsim_trace_rec_t r0 = { .time = 1000, .addr = 0x1000, .size = 64, .op = MIGSIM_OP_READ,
                              .src_kind = MIGSIM_SRC_CPU };
    migsim_trace_rec_t r1 = r0;
    r1.time = UINT64_MAX - 10;
    assert_int_equal(migsim_trace_put(w, &r0), 0);
    assert_int_equal(migsim_trace_put(w, &r1), 0);
    assert_int_equal(migsim_trace_writer_close(w), 0);
    static cli_result_t r;
    static const char *const sets[] = { "cpu0.start_ps=20" };
    cli_run(&r, "--platform dram --quiet --trace cmd_run_end.mtr", sets, 1);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "$.components.cpu0: trace \"cmd_run_end.mtr\": record 1: its "
                                  "time, 18446744073709551605 ps after 20 ps, is past the last tick"));
    remove("cmd_run_end.mtr");
}

/* --trace-events, --trace-window, --trace-format, --trace-out; bad ones exit 2 naming the option. */
static void test_trace_events_cli(void **state)
{
    (void)state;
    static cli_result_t r;
    static char all[1 << 18], win[1 << 18];
    cli_run(&r, "--platform migration --quiet --trace-events 'mig.step,dw.*' "
                "--trace-out cmd_run_tp.txt", scale, sizeof scale / sizeof scale[0]);
    assert_int_equal(r.status, 0);
    take_text(all, sizeof all, "cmd_run_tp.txt");
    cli_run(&r, "--platform migration --quiet --trace-events 'mig.step,dw.*' "
                "--trace-window 3us:40us --trace-out cmd_run_tp.txt",
            scale, sizeof scale / sizeof scale[0]);
    assert_int_equal(r.status, 0);
    take_text(win, sizeof win, "cmd_run_tp.txt");
    /* the window's lines are the whole run's lines at 3 us <= t < 40 us */
    char want[1 << 18];
    size_t n = 0, nall = 0, nwin = 0;
    for (char *s = all, *nl; *s; s = nl + 1) {
        nl = strchr(s, '\n');
        assert_non_null(nl);
        nall++;
        unsigned long long t = strtoull(s, NULL, 10);
        if (t >= 3000000ull && t < 40000000ull) {
            memcpy(want + n, s, (size_t)(nl + 1 - s));
            n += (size_t)(nl + 1 - s);
            nwin++;
        }
    }
    want[n] = '\0';
    assert_string_equal(win, want);
    assert_true(nwin > 0 && nwin < nall);
    /* JSON lines on stderr by default, as many as the text lines */
    cli_run(&r, "--platform migration --quiet --trace-events 'mig.step,dw.*' --trace-format json",
            scale, sizeof scale / sizeof scale[0]);
    assert_int_equal(r.status, 0);
    assert_int_equal(strncmp(r.err, "{\"t_ps\":", 7), 0);
    size_t njson = 0;
    for (const char *s = r.err; (s = strstr(s, "\"ev\":\"")) != NULL; s++)
        njson++;
    assert_int_equal(njson, nall);

    cli_run(&r, "--platform migration --trace-events dw.windo", scale,
            sizeof scale / sizeof scale[0]);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--trace-events: trace point pattern \"dw.windo\" matches no "
                                  "trace point"));
    cli_run(&r, "--platform migration --trace-events mig.step --trace-window 41ms:40ms", scale, 1);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--trace-window \"41ms:40ms\""));
    cli_run(&r, "--platform migration --trace-events mig.step --trace-window 40", scale, 1);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--trace-window \"40\""));
    cli_run(&r, "--platform migration --trace-events mig.step --trace-format xml", scale, 1);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--trace-format \"xml\""));
    cli_run(&r, "--trace-events list", NULL, 0);
    assert_int_equal(r.status, 0);
    for (unsigned k = 0; k < MIGSIM_NTRACEPOINTS; k++)
        assert_non_null(strstr(r.out, migsim_tracepoint(k)->name));
    assert_non_null(strstr(r.out, "dw.window      lo:u64 hi:u64"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_names_exist),
        cmocka_unit_test(test_out_checked_before_run),
        cmocka_unit_test(test_outcome_recorded),
        cmocka_unit_test(test_describe_json_cli),
        cmocka_unit_test(test_partial_stats_marked),
        cmocka_unit_test(test_record_time_past_the_end),
        cmocka_unit_test(test_trace_events_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
