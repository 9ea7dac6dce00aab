/*
 * test_tracepoint.c - trace points (migsim/tracepoint.h): name patterns, the
 * time window, the text and JSON lines and their fields, on the scaled
 * migration platform; tracing changes no statistic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migctl/migctl.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "migsim/tracepoint.h"
#include "testutil/migplat.h"

#define MAX_LINES 20000

/* The lines a run wrote, in a tmpfile read back whole. */
typedef struct tp_out_s {
    char *text;              /* owned */
    char *line[MAX_LINES];   /* into text */
    size_t n;
} tp_out_t;

static void tp_read(tp_out_t *o, FILE *f)
{
    long len = ftell(f);
    assert_true(len >= 0);
    rewind(f);
    o->text = malloc((size_t)len + 1);
    assert_non_null(o->text);
    assert_int_equal(fread(o->text, 1, (size_t)len, f), (size_t)len);
    o->text[len] = '\0';
    fclose(f);
    o->n = 0;
    for (char *s = o->text, *nl; *s; s = nl + 1) {
        nl = strchr(s, '\n');
        assert_non_null(nl); /* every line ends */
        *nl = '\0';
        assert_true(o->n < MAX_LINES);
        o->line[o->n++] = s;
    }
}

/* Run the scaled migration platform with `patterns` on in [from, to); its statistics JSON. */
static char *tp_run(const char *patterns, migsim_tick_t from, migsim_tick_t to, int json,
                    tp_out_t *o, migsim_sim_t **keep)
{
    migsim_sim_t *sim = migplat_make(NULL, 0);
    FILE *f = tmpfile();
    assert_non_null(f);
    if (patterns)
        assert_int_equal(migsim_sim_trace_events(sim, patterns, from, to, f, json), MIGSIM_OK);
    tu_run(sim);
    char *stats = migsim_sim_stats_json(sim, -1);
    assert_non_null(stats);
    tp_read(o, f);
    if (keep)
        *keep = sim;
    else
        migsim_sim_destroy(sim);
    return stats;
}

/* The name of a text line ("<t> <name> ..."), into buf. */
static const char *tp_name(const char *line, char *buf, size_t cap)
{
    const char *sp = strchr(line, ' ');
    assert_non_null(sp);
    size_t n = strcspn(sp + 1, " ");
    assert_true(n < cap);
    memcpy(buf, sp + 1, n);
    buf[n] = '\0';
    return buf;
}

static size_t tp_count(const tp_out_t *o, const char *name)
{
    size_t k = 0;
    char buf[64];
    for (size_t i = 0; i < o->n; i++)
        k += strcmp(tp_name(o->line[i], buf, sizeof buf), name) == 0;
    return k;
}

static void test_patterns(void **state)
{
    (void)state;
    tp_out_t all, exact, glob, list;
    free(tp_run("*", 0, MIGSIM_TICK_MAX, 0, &all, NULL));
    free(tp_run("mig.step", 0, MIGSIM_TICK_MAX, 0, &exact, NULL));
    free(tp_run("dw.*", 0, MIGSIM_TICK_MAX, 0, &glob, NULL));
    free(tp_run("mig.step,dram.*", 0, MIGSIM_TICK_MAX, 0, &list, NULL));
    size_t step = tp_count(&all, "mig.step"), win = tp_count(&all, "dw.window");
    size_t held = tp_count(&all, "dw.held"), ref = tp_count(&all, "dram.refresh");
    assert_true(step > 0 && win > 0 && ref > 0);
    assert_int_equal(exact.n, step);
    assert_int_equal(tp_count(&exact, "mig.step"), step);
    assert_int_equal(glob.n, win + held);
    assert_int_equal(tp_count(&glob, "dw.window"), win);
    assert_int_equal(list.n, step + ref);
    assert_int_equal(tp_count(&list, "dram.refresh"), ref);
    /* the whole run's lines are the same lines whichever points are picked */
    size_t j = 0;
    char buf[64];
    for (size_t i = 0; i < all.n; i++)
        if (strcmp(tp_name(all.line[i], buf, sizeof buf), "mig.step") == 0)
            assert_string_equal(all.line[i], exact.line[j++]);
    free(all.text);
    free(exact.text);
    free(glob.text);
    free(list.text);

    migsim_sim_t *sim = migplat_make(NULL, 0);
    FILE *f = tmpfile();
    assert_int_equal(migsim_sim_trace_events(sim, "mig.step,dw.windo", 0, MIGSIM_TICK_MAX, f, 0),
                     MIGSIM_EINVAL);
    assert_non_null(strstr(migsim_errmsg(), "\"dw.windo\" matches no trace point"));
    assert_int_equal(migsim_sim_trace_events(sim, "mig.step,,dw.window", 0, MIGSIM_TICK_MAX, f, 0),
                     MIGSIM_EINVAL);
    assert_non_null(strstr(migsim_errmsg(), "an empty pattern"));
    assert_int_equal(migsim_sim_trace_events(sim, "mig.step", 5, 5, f, 0), MIGSIM_EINVAL);
    assert_int_equal(migsim_sim_trace_events(sim, "mig.step", 0, MIGSIM_TICK_MAX, NULL, 0),
                     MIGSIM_EINVAL);
    /* the refused calls left tracing off */
    tu_run(sim);
    assert_int_equal(ftell(f), 0);
    fclose(f);
    migsim_sim_destroy(sim);
}

/* Events outside [from, to) are not written; those inside are, unchanged. */
static void test_window(void **state)
{
    (void)state;
    tp_out_t all, win;
    free(tp_run("mig.*,dw.*", 0, MIGSIM_TICK_MAX, 0, &all, NULL));
    assert_true(all.n > 10);
    uint64_t from = strtoull(all.line[all.n / 3], NULL, 10);
    uint64_t to = strtoull(all.line[2 * all.n / 3], NULL, 10);
    assert_true(from < to);
    free(tp_run("mig.*,dw.*", from, to, 0, &win, NULL));
    size_t j = 0;
    for (size_t i = 0; i < all.n; i++) {
        uint64_t t = strtoull(all.line[i], NULL, 10);
        if (t >= from && t < to) {
            assert_true(j < win.n);
            assert_string_equal(all.line[i], win.line[j++]);
        }
    }
    assert_int_equal(j, win.n);
    assert_true(win.n > 0 && win.n < all.n);
    free(all.text);
    free(win.text);
}

/* mig.step lines are the controller's FIG. 2 steps; dw.window lines walk the 16 subpages. */
static void test_text_fields(void **state)
{
    (void)state;
    tp_out_t o;
    migsim_sim_t *sim;
    free(tp_run("mig.step,dw.window", 0, MIGSIM_TICK_MAX, 0, &o, &sim));
    const migctl_t *m = (const migctl_t *)migsim_sim_find(sim, "mig");
    uint32_t nlog;
    const migctl_step_t *log = migctl_log(m, &nlog);
    size_t step = 0, win = 0;
    for (size_t i = 0; i < o.n; i++) {
        uint64_t t, a, b;
        if (sscanf(o.line[i], "%" SCNu64 " mig.step block=%" SCNu64 " arg=%" SCNu64, &t, &a, &b) ==
            3) {
            assert_true(step < nlog);
            assert_int_equal(t, log[step].time);
            assert_int_equal(a, log[step].block);
            assert_int_equal(b, log[step].arg);
            step++;
        } else {
            assert_int_equal(sscanf(o.line[i], "%" SCNu64 " dw.window lo=%" SCNu64 " hi=%" SCNu64,
                                    &t, &a, &b), 3);
            /* subpage k's window is [k, k+1), in order; then [16, 16): all moved */
            assert_int_equal(a, win);
            assert_int_equal(b, win < 16 ? win + 1 : 16);
            win++;
        }
    }
    assert_int_equal(step, nlog);
    assert_int_equal(win, 17);
    free(o.text);
    migsim_sim_destroy(sim);
}

/* JSON lines carry t_ps, ev and each field of the table, as numbers. */
static void test_json_lines(void **state)
{
    (void)state;
    tp_out_t txt, js;
    free(tp_run("*", 0, MIGSIM_TICK_MAX, 0, &txt, NULL));
    free(tp_run("*", 0, MIGSIM_TICK_MAX, 1, &js, NULL));
    assert_int_equal(txt.n, js.n);
    for (size_t i = 0; i < js.n; i++) {
        cJSON *j = cJSON_Parse(js.line[i]);
        assert_non_null(j);
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "t_ps");
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "ev");
        assert_true(cJSON_IsNumber(t) && cJSON_IsString(ev));
        /* the same event as the text line: time, name, then each field in table order */
        char want[256];
        size_t n = (size_t)snprintf(want, sizeof want, "%.0f %s", t->valuedouble, ev->valuestring);
        const migsim_tracepoint_t *tp = NULL;
        for (unsigned k = 0; k < MIGSIM_NTRACEPOINTS; k++)
            if (strcmp(migsim_tracepoint(k)->name, ev->valuestring) == 0)
                tp = migsim_tracepoint(k);
        assert_non_null(tp);
        assert_int_equal(cJSON_GetArraySize(j), 2 + (int)tp->nfields);
        for (unsigned k = 0; k < tp->nfields; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, tp->fields[k].name);
            assert_true(cJSON_IsNumber(v));
            n += (size_t)snprintf(want + n, sizeof want - n,
                                  tp->fields[k].type == MIGSIM_TF_HEX ? " %s=0x%" PRIx64
                                                                      : " %s=%" PRIu64,
                                  tp->fields[k].name, (uint64_t)v->valuedouble);
        }
        assert_string_equal(txt.line[i], want);
        cJSON_Delete(j);
    }
    free(txt.text);
    free(js.text);
}

/* Tracing every point changes no statistic. */
static void test_stats_unchanged(void **state)
{
    (void)state;
    tp_out_t on, off;
    char *s_on = tp_run("*", 0, MIGSIM_TICK_MAX, 1, &on, NULL);
    char *s_off = tp_run(NULL, 0, MIGSIM_TICK_MAX, 0, &off, NULL);
    assert_true(on.n > 0);
    assert_int_equal(off.n, 0);
    assert_string_equal(s_on, s_off);
    free(s_on);
    free(s_off);
    free(on.text);
    free(off.text);
}

/* Each point's lines are as many as the statistic its site counts. */
static void test_counts_match_stats(void **state)
{
    (void)state;
    static const struct { const char *point, *stat; } pairs[] = {
        { "mig.shootdown", "mig.shootdowns" }, { "dw.held", "dw0.held_writes" },
        { "mmu.fault", "mmu0.faults" },        { "iommu.inval", "iommu0.invalidations" },
        { "dram.refresh", "dram0.ref_cmds" },
    };
    tp_out_t o;
    migsim_sim_t *sim;
    free(tp_run("*", 0, MIGSIM_TICK_MAX, 0, &o, &sim));
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        double want = tu_stat(sim, pairs[i].stat);
        if ((double)tp_count(&o, pairs[i].point) != want)
            fail_msg("%s: %zu lines, %s = %.0f", pairs[i].point, tp_count(&o, pairs[i].point),
                     pairs[i].stat, want);
    }
    assert_true(tu_stat(sim, "mig.shootdowns") > 0 && tu_stat(sim, "dram0.ref_cmds") > 0);
    free(o.text);
    migsim_sim_destroy(sim);
}

static void test_parse_time(void **state)
{
    (void)state;
    migsim_tick_t t = 0;
    assert_int_equal(migsim_parse_time_ps("40ms", &t), 0);
    assert_int_equal(t, 40000000000ull);
    assert_int_equal(migsim_parse_time_ps("7ps", &t), 0);
    assert_int_equal(t, 7);
    assert_int_equal(migsim_parse_time_ps("3us", &t), 0);
    assert_int_equal(t, 3000000);
    assert_int_equal(migsim_parse_time_ps("2ns", &t), 0);
    assert_int_equal(t, 2000);
    assert_int_equal(migsim_parse_time_ps("1s", &t), 0);
    assert_int_equal(t, 1000000000000ull);
    assert_int_equal(migsim_parse_time_ps("40", &t), MIGSIM_EINVAL);
    assert_int_equal(migsim_parse_time_ps("-1ms", &t), MIGSIM_EINVAL);
    assert_int_equal(migsim_parse_time_ps("40 ms", &t), MIGSIM_EINVAL);
    assert_int_equal(migsim_parse_time_ps("99999999999s", &t), MIGSIM_ERANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_text_fields),
        cmocka_unit_test(test_json_lines),
        cmocka_unit_test(test_stats_unchanged),
        cmocka_unit_test(test_counts_match_stats),
        cmocka_unit_test(test_parse_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
