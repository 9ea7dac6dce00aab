/*
 * cmd_run.c - `migsim run` (and migsim-sc, the same front end on the SystemC kernel)
 * and `migsim describe`.
 *
 * run: builds the platform from the configuration (or the embedded default),
 * runs it in slices so that a progress line can be shown on a terminal,
 * prints a readable summary and writes the statistics JSON.
 */
#include "cli.h"

#include "migsim/errors.h"
#include "migsim/sim.h"
#include "migsim/tracepoint.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RUN_MAX_SETS 64

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * Statistic `name` of component `comp`, or `dflt` when its value is not a
 * finite number. The summary reads only names its component's statistic
 * table declares; a name the table lacks (a statistic renamed or removed)
 * is a defect of this file: it is reported and the program aborts, never
 * printing a made-up value. tests/tools/test_cmd_run.c runs the summary over
 * every embedded platform and example configuration to catch one.
 */
static double stat_or(migsim_sim_t *sim, const char *comp, const char *name, double dflt)
{
    char buf[256];
    double v;
    snprintf(buf, sizeof buf, "%s.%s", comp, name);
    if (migsim_sim_stat(sim, buf, &v) != 0) {
        migsim_comp_t *c = migsim_sim_find(sim, comp);
        fprintf(stderr, "migsim: internal error: the summary reads statistic \"%s\", which the "
                        "table of type %s lacks (migsim describe %s)\n", buf,
                c ? c->ops->type : "?", c ? c->ops->type : "");
        abort();
    }
    return isfinite(v) ? v : dflt;
}

static bool comp_is(migsim_comp_t *c, const char *type)
{
    return strcmp(c->ops->type, type) == 0;
}

/* A boolean parameter of c, read through its table; false when c has none of that name. */
static bool param_bool(migsim_comp_t *c, const char *name)
{
    for (const migsim_param_t *p = c->ops->params; p && p->name; p++)
        if (p->type == MIGSIM_PT_BOOL && strcmp(p->name, name) == 0)
            return *(const bool *)((const char *)c + p->offset);
    return false;
}

/* Is c a request source whose responses srclat.h counts (faulted_reqs)? */
static bool comp_is_source(migsim_comp_t *c)
{
    return comp_is(c, "trace_player") || comp_is(c, "dma_dev");
}

/* Records pulled so far by every trace player. */
static double records_done(migsim_sim_t *sim)
{
    double n = 0;
    for (size_t i = 0; i < migsim_sim_ncomps(sim); i++) {
        migsim_comp_t *c = migsim_sim_comp(sim, i);
        if (comp_is(c, "trace_player"))
            n += stat_or(sim, c->name, "records", 0);
    }
    return n;
}

/*
 * A source's "latency avg X ns[, max Y ns]" (max_ns < 0: no maximum), or, when
 * every response faulted, a note instead of figures of nothing.
 */
static void put_src_latency(FILE *f, migsim_sim_t *sim, const char *n, double max_ns)
{
    double done = stat_or(sim, n, "completed_reqs", 0), faulted = stat_or(sim, n, "faulted_reqs", 0);
    if (faulted > 0 && faulted == done) {
        fputs("no latency (every response faulted)", f);
        return;
    }
    fprintf(f, "latency avg %.1f ns", stat_or(sim, n, "latency_avg_ns", 0));
    if (max_ns >= 0)
        fprintf(f, ", max %.1f ns", max_ns);
}

static void print_summary(FILE *f, migsim_sim_t *sim, double wall)
{
    double sim_ns = (double)migsim_sim_now(sim) / 1000.0;
    double recs = records_done(sim);
    fprintf(f, "simulated time   %.3f us\n", sim_ns / 1000.0);
    for (size_t i = 0; i < migsim_sim_ncomps(sim); i++) {
        migsim_comp_t *c = migsim_sim_comp(sim, i);
        const char *n = c->name;
        if (comp_is(c, "trace_player")) {
            fprintf(f, "%-8s records %.0f: %.0f reads, %.0f writes; ", n, stat_or(sim, n, "records", 0),
                    stat_or(sim, n, "read_reqs", 0), stat_or(sim, n, "write_reqs", 0));
            put_src_latency(f, sim, n, stat_or(sim, n, "latency_max_ns", 0));
            fprintf(f, "; faulted %.0f; stalled behind trace times %.1f ns/record\n",
                    stat_or(sim, n, "faulted_reqs", 0), stat_or(sim, n, "stall_avg_ns", 0));
        } else if (comp_is(c, "dram")) {
            fprintf(f, "%-8s %.0f reads, %.0f writes; row hits %.1f%% (%.0f hit, %.0f miss, %.0f conflict); "
                       "%.2f GB/s\n",
                    n, stat_or(sim, n, "read_reqs", 0), stat_or(sim, n, "write_reqs", 0),
                    100.0 * stat_or(sim, n, "row_hit_rate", 0), stat_or(sim, n, "row_hits", 0),
                    stat_or(sim, n, "row_misses", 0), stat_or(sim, n, "row_conflicts", 0),
                    stat_or(sim, n, "bandwidth_gbps", 0));
            fprintf(f, "%-8s read latency avg %.1f ns (%.1f cycles), p50 %.1f, p90 %.1f, p99 %.1f, "
                       "max %.1f ns\n",
                    "", stat_or(sim, n, "read_latency_avg_ns", 0),
                    stat_or(sim, n, "read_latency_avg_cyc", 0), stat_or(sim, n, "read_latency_p50_ns", 0),
                    stat_or(sim, n, "read_latency_p90_ns", 0), stat_or(sim, n, "read_latency_p99_ns", 0),
                    stat_or(sim, n, "read_latency_max_ns", 0));
            fprintf(f, "%-8s commands: %.0f ACT, %.0f PRE, %.0f RD, %.0f WR, %.0f REF\n", "",
                    stat_or(sim, n, "act_cmds", 0), stat_or(sim, n, "pre_cmds", 0),
                    stat_or(sim, n, "rd_cmds", 0), stat_or(sim, n, "wr_cmds", 0),
                    stat_or(sim, n, "ref_cmds", 0));
            double wrapped = stat_or(sim, n, "wrapped_reqs", 0);
            if (wrapped > 0)
                fprintf(f, "%-8s warning: %.0f requests beyond capacity were wrapped\n", n, wrapped);
        }
    }
    for (size_t i = 0; i < migsim_sim_ncomps(sim); i++) {
        migsim_comp_t *c = migsim_sim_comp(sim, i);
        const char *n = c->name;
        if (comp_is(c, "migctl")) {
            double end = stat_or(sim, n, "end_ps", 0), start = stat_or(sim, n, "start_ps", 0);
            if (end > 0)
                fprintf(f, "%-8s migration %.3f us (from %.3f to %.3f us): %.0f hypervisor calls, "
                           "%.0f PTE writes, %.0f shootdowns; page moved at %.2f GB/s (copy traffic %.2f "
                           "GB/s read + write, %.0f%% of memory traffic)\n",
                        n, (end - start) / 1e6, start / 1e6, end / 1e6, stat_or(sim, n, "hypervisor_calls", 0),
                        stat_or(sim, n, "pte_writes", 0), stat_or(sim, n, "shootdowns", 0),
                        stat_or(sim, n, "page_rate_gbps", 0), stat_or(sim, n, "copy_traffic_gbps", 0),
                        100.0 * stat_or(sim, n, "copy_share", 0));
            else if (start > 0)
                fprintf(f, "%-8s migration started at %.3f us and did not finish\n", n, start / 1e6);
            else
                fprintf(f, "%-8s no migration\n", n);
            fprintf(f, "%-8s CPU PTEs mapping the page: %.0f now, %.0f at most\n", "",
                    stat_or(sim, n, "cpu_ptes", 0), stat_or(sim, n, "cpu_ptes_max", 0));
            fprintf(f, "%-8s lost writes: %.0f (of %.0f lines written by CPUs and devices)\n", "",
                    stat_or(sim, n, "lost_writes", 0), stat_or(sim, n, "oracle_lines", 0));
        } else if (comp_is(c, "cpu_mmu")) {
            fprintf(f, "%-8s TLB: L1 %.0f hits, %.0f misses; %.0f walks; %.0f faults stalled %.3f us, "
                       "%.0f never resolved; %.0f walk errors\n",
                    n, stat_or(sim, n, "l1_hits", 0), stat_or(sim, n, "l1_misses", 0),
                    stat_or(sim, n, "walks", 0), stat_or(sim, n, "faults", 0),
                    stat_or(sim, n, "fault_stall_ps", 0) / 1e6, stat_or(sim, n, "fault_waiting_reqs", 0),
                    stat_or(sim, n, "walk_errors", 0));
            fprintf(f, "%-8s %.0f shootdowns: handlers ran %.3f us, delaying %.0f accesses; %.0f translated "
                       "again\n", "",
                    stat_or(sim, n, "shootdowns", 0), stat_or(sim, n, "shootdown_stall_ps", 0) / 1e6,
                    stat_or(sim, n, "shootdown_refused_reqs", 0), stat_or(sim, n, "shootdown_held_reqs", 0));
        } else if (comp_is(c, "iommu")) {
            fprintf(f, "%-8s IOTLB: %.0f hits, %.0f misses; %.0f walks; faulted %.0f (%.0f walk errors); "
                       "%.0f invalidations\n", n,
                    stat_or(sim, n, "iotlb_hits", 0), stat_or(sim, n, "iotlb_misses", 0),
                    stat_or(sim, n, "walks", 0),
                    stat_or(sim, n, "faults", 0) + stat_or(sim, n, "walk_errors", 0),
                    stat_or(sim, n, "walk_errors", 0), stat_or(sim, n, "invalidations", 0));
        } else if (comp_is(c, "dualwrite")) {
            fprintf(f, "%-8s %.0f dual writes (%.0f extra bytes), %.0f writes held %.3f us by the interlock\n",
                    n, stat_or(sim, n, "dual_writes", 0), stat_or(sim, n, "extra_bytes_written", 0),
                    stat_or(sim, n, "held_writes", 0), stat_or(sim, n, "hold_time_ps", 0) / 1e6);
        } else if (comp_is(c, "dma_dev")) {
            double recs = stat_or(sim, n, "trace_records", 0), full = stat_or(sim, n, "dropped_full_records", 0),
                   kind = stat_or(sim, n, "dropped_kind_records", 0);
            fprintf(f, "%-8s DMA %.0f records, %.0f dropped (%.1f%%", n, recs, full + kind,
                    recs > 0 ? 100.0 * (full + kind) / recs : 0.0);
            if (full > 0)
                fprintf(f, ", %.0f buffer or queue full", full);
            if (kind > 0)
                fprintf(f, ", %.0f not DMA records", kind);
            fprintf(f, "); faulted %.0f; ", stat_or(sim, n, "faulted_reqs", 0));
            put_src_latency(f, sim, n, -1);
            fprintf(f, "; suspended %.3f us\n", stat_or(sim, n, "suspended_ps", 0) / 1e6);
            double b = stat_or(sim, n, "latency_before_avg_ns", -1), du = stat_or(sim, n, "latency_during_avg_ns", -1),
                   a = stat_or(sim, n, "latency_after_avg_ns", -1);
            if (b >= 0)
                fprintf(f, "%-8s latency before / during / after migration: %.1f / %.1f / %.1f ns\n", "", b, du, a);
        } else if (comp_is(c, "memrouter")) {
            const char *label = n; /* the name on the first line only */
            for (int o = 0; o < 8; o++) {
                char port[8], st[40];
                snprintf(port, sizeof port, "out%d", o);
                const migsim_port_t *p = migsim_comp_port(c, port);
                if (!p || !p->peer)
                    continue;
                snprintf(st, sizeof st, "%s_reqs", port);
                double reqs = stat_or(sim, n, st, 0);
                snprintf(st, sizeof st, "%s_bytes", port);
                double bytes = stat_or(sim, n, st, 0);
                snprintf(st, sizeof st, "%s_added_latency_ps", port);
                double added = stat_or(sim, n, st, 0);
                snprintf(st, sizeof st, "%s_link_wait_ps", port);
                double wait = stat_or(sim, n, st, 0);
                fprintf(f, "%-8s %s -> %s: %.0f requests, %.1f MB; link added %.1f ns/request "
                           "(%.1f ns waiting for it)\n", label, port, p->peer->owner->name, reqs,
                        bytes / 1e6, reqs > 0 ? added / reqs / 1000.0 : 0.0,
                        reqs > 0 ? wait / reqs / 1000.0 : 0.0);
                label = "";
            }
            double unmapped = stat_or(sim, n, "unmapped_reqs", 0);
            if (unmapped > 0)
                fprintf(f, "%-8s %.0f requests outside every node, answered with an error\n", label,
                        unmapped);
        } else if (comp_is(c, "llc")) {
            fprintf(f, "%-8s cache hit rate %.1f%%, %.0f fills, %.0f write-backs\n", n,
                    100.0 * stat_or(sim, n, "hit_rate", 0), stat_or(sim, n, "fills", 0),
                    stat_or(sim, n, "writebacks", 0));
        } else if (comp_is(c, "trace_player")) {
            double b = stat_or(sim, n, "latency_before_avg_ns", -1), du = stat_or(sim, n, "latency_during_avg_ns", -1),
                   a = stat_or(sim, n, "latency_after_avg_ns", -1);
            if (b >= 0 && (du > 0 || a > 0))
                fprintf(f, "%-8s latency before / during / after migration: %.1f / %.1f / %.1f ns\n", n, b, du, a);
        }
    }
    fprintf(f, "host             %.3f s, %.0f records/s, %.3g simulated ns per host second\n", wall,
            wall > 0 ? recs / wall : 0, wall > 0 ? sim_ns / wall : 0);
}

static int native_advance(migsim_sim_t *sim, migsim_tick_t until, void *ctx)
{
    (void)ctx;
    return migsim_sim_run(sim, until);
}

/* The progress line on a terminal: after 2 s of wall clock, at most twice a second. */
typedef struct progress_line_s {
    double t0, last;  /* wall clock at the start and at the last line */
    bool shown;       /* a line was printed (end it with a newline) */
} progress_line_t;

static void progress_line(migsim_sim_t *sim, void *ctx)
{
    progress_line_t *l = ctx;
    double now = wall_now();
    if (now - l->t0 <= 2.0 || now - l->last <= 0.5)
        return;
    l->last = now;
    l->shown = true;
    fprintf(stderr, "\r%.0f records, %.3f us simulated, %.0f records/s   ", records_done(sim),
            (double)migsim_sim_now(sim) / 1e6, records_done(sim) / (now - l->t0));
}

/* Append a line to the verdict text (truncated at its capacity). */
static void verdict_line(char *text, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(text);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text + len, cap - len, fmt, ap);
    va_end(ap);
}

/*
 * Failures of the simulated system go into the exit status: a lost write,
 * requests that never completed (an access to an address no page table
 * maps waits on its page fault for ever), or requests answered with a
 * fault status (an I/O page fault) at a source whose expect_faults is
 * false. (A CPU access that faults on a PTE the migration made invalid
 * waits and then completes: that is the mechanism, not a failure.) Returns
 * 0 or 1; `reason` gets one line per failure.
 */
static int run_verdict(migsim_sim_t *sim, char *reason, size_t cap)
{
    double lost = 0, stuck = 0, faulted = 0;
    bool ended = migsim_sim_kernel(sim)->live == 0; /* idle, not stopped at sim.end_ps */
    for (size_t i = 0; i < migsim_sim_ncomps(sim); i++) {
        migsim_comp_t *c = migsim_sim_comp(sim, i);
        if (comp_is(c, "migctl"))
            lost += stat_or(sim, c->name, "lost_writes", 0);
        double issued = 0, done = 0, nf = 0;
        if (comp_is_source(c)) {
            issued = stat_or(sim, c->name, "read_reqs", 0) + stat_or(sim, c->name, "write_reqs", 0);
            done = stat_or(sim, c->name, "completed_reqs", 0);
            nf = stat_or(sim, c->name, "faulted_reqs", 0);
        }
        if (nf > 0 && !param_bool(c, "expect_faults")) {
            verdict_line(reason, cap, "%s: %.0f requests were answered with a fault (translation "
                         "fault: addresses outside the mapped memory?); set %s.expect_faults=true "
                         "if the scenario means them\n", c->name, nf, c->name);
            faulted += nf;
        }
        if (ended && issued > done) {
            verdict_line(reason, cap, "%s: %.0f requests never completed (waiting on page "
                         "faults? addresses outside the mapped memory)\n", c->name, issued - done);
            stuck += issued - done;
        }
    }
    if (lost > 0)
        verdict_line(reason, cap, "%.0f written lines were lost\n", lost);
    return lost > 0 || stuck > 0 || faulted > 0 ? 1 : 0;
}

/* --trace-window FROM:TO (either side may be empty: 0, no end) into [*from, *to) ps. */
static int run_trace_window(const char *s, migsim_tick_t *from, migsim_tick_t *to)
{
    const char *colon = strchr(s, ':');
    if (!colon)
        return MIGSIM_EINVAL;
    char lo[64];
    size_t n = (size_t)(colon - s);
    if (n >= sizeof lo)
        return MIGSIM_EINVAL;
    memcpy(lo, s, n);
    lo[n] = '\0';
    *from = 0;
    *to = MIGSIM_TICK_MAX;
    if ((n && migsim_parse_time_ps(lo, from) != 0) ||
        (colon[1] && migsim_parse_time_ps(colon + 1, to) != 0) || *from >= *to)
        return MIGSIM_EINVAL;
    return MIGSIM_OK;
}

/* Destroy the simulation, then close the trace point output if it is a file of ours. */
static void run_destroy(migsim_sim_t *sim, FILE *trace_out)
{
    migsim_sim_destroy(sim);
    if (trace_out && trace_out != stderr && trace_out != stdout)
        fclose(trace_out);
}

int migsim_cli_run(int argc, char **argv)
{
    static const migsim_run_driver_t native = { "migsim run", 0, NULL, native_advance, NULL };
    return migsim_cli_run_with(argc, argv, &native);
}

int migsim_cli_run_with(int argc, char **argv, const migsim_run_driver_t *drv)
{
    const char *P = drv->prog;
    const char *config = NULL, *trace = NULL, *out = NULL, *platform = NULL;
    const char *sets[RUN_MAX_SETS + 1] = { NULL };
    size_t nsets = 0;
    char trace_set[4096], cores_set[64];
    bool quiet = false;
    const char *tp_patterns = NULL, *tp_window = NULL, *tp_format = "text", *tp_out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "--config") == 0 && more) {
            config = argv[++i];
        } else if (strcmp(a, "--platform") == 0 && more) {
            platform = argv[++i];
        } else if (strcmp(a, "--trace") == 0 && more) {
            trace = argv[++i];
        } else if (strcmp(a, "--out") == 0 && more) {
            out = argv[++i];
        } else if (strcmp(a, "--set") == 0 && more) {
            if (nsets == RUN_MAX_SETS) {
                fprintf(stderr, "%s: at most %d --set options\n", P, RUN_MAX_SETS);
                return 2;
            }
            sets[nsets++] = argv[++i];
        } else if (strcmp(a, "--cores") == 0 && more) {
            if (nsets == RUN_MAX_SETS) {
                fprintf(stderr, "%s: at most %d --set options\n", P, RUN_MAX_SETS);
                return 2;
            }
            snprintf(cores_set, sizeof cores_set, "sim.cores=%s", argv[++i]);
            sets[nsets++] = cores_set;
        } else if (strcmp(a, "--trace-events") == 0 && more) {
            tp_patterns = argv[++i];
        } else if (strcmp(a, "--trace-window") == 0 && more) {
            tp_window = argv[++i];
        } else if (strcmp(a, "--trace-format") == 0 && more) {
            tp_format = argv[++i];
        } else if (strcmp(a, "--trace-out") == 0 && more) {
            tp_out = argv[++i];
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("usage: %s [--platform NAME | --config FILE] [--trace FILE] [--cores N] "
                   "[--set COMP.PARAM=VALUE]... [--out STATS.json] [--quiet]\n"
                   "  --platform NAME embedded platform: dram, migration or tiered (default %s)\n"
                   "  --config FILE   JSON platform (merged onto the embedded platform its \"base\" "
                   "names, the default one unless it says \"none\")\n", P, migsim_default_platform);
            printf("  --trace FILE    native trace (.mtr) for the trace player cpu0\n"
                   "  --cores N       N cores: copies of cpu0 and its MMU (= --set sim.cores=N)\n"
                   "  --set C.P=V     override parameter P of component C (or sim.KEY); V is JSON or a "
                   "bare string\n"
                   "  --out FILE      write the statistics JSON (see migsim describe for every name)\n"
                   "  --quiet         no summary\n"
                   "  --trace-events PATTERNS  write these trace points (\"mig.*,dw.window\"; "
                   "`list` lists them)\n"
                   "  --trace-window FROM:TO   only at simulated times in [FROM, TO) (ps, ns, us, "
                   "ms, s: 40ms:41ms)\n"
                   "  --trace-format text|json  trace point lines as text (default) or JSON\n"
                   "  --trace-out FILE         trace point lines to FILE (default stderr)\n");
            return 0;
        } else {
            fprintf(stderr, "%s: unknown or incomplete option \"%s\"\n"
                            "usage: %s [--platform NAME | --config FILE] [--trace FILE] [--cores N] "
                            "[--set COMP.PARAM=VALUE]... "
                            "[--out STATS.json] [--quiet]\n", P, a, P);
            return 2;
        }
    }
    if (tp_patterns && strcmp(tp_patterns, "list") == 0) {
        migsim_tracepoints_list(stdout);
        return 0;
    }
    migsim_tick_t tp_from = 0, tp_to = MIGSIM_TICK_MAX;
    if (tp_window && run_trace_window(tp_window, &tp_from, &tp_to) != 0) {
        fprintf(stderr, "%s: --trace-window \"%s\": expected FROM:TO with FROM < TO, times "
                        "with a unit (ps, ns, us, ms, s), e.g. 40ms:41ms\n", P, tp_window);
        return 2;
    }
    if (strcmp(tp_format, "text") != 0 && strcmp(tp_format, "json") != 0) {
        fprintf(stderr, "%s: --trace-format \"%s\": expected text or json\n", P, tp_format);
        return 2;
    }
    if ((tp_window || tp_out) && !tp_patterns) {
        fprintf(stderr, "%s: --trace-window and --trace-out need --trace-events\n", P);
        return 2;
    }
    if (trace) {
        /* --trace replaces the trace of the platform's first trace player, cpu0 */
        snprintf(trace_set, sizeof trace_set, "cpu0.trace=%s", trace);
        sets[nsets++] = trace_set;
    }
    if (platform && config) {
        fprintf(stderr, "%s: --platform and --config exclude each other (a config names its "
                        "platform with \"base\")\n", P);
        return 2;
    }
    migsim_sim_t *sim;
    int rc = migsim_sim_create_ex(&sim, platform, config, sets, nsets, drv->create_flags);
    if (rc) {
        fprintf(stderr, "%s: %s\n", P, migsim_errmsg());
        return 2;
    }
    if ((drv->attach && (rc = drv->attach(sim, drv->ctx)) != 0) ||
        (out && (rc = migsim_stats_path_check(out)) != 0)) { /* --out fails now, not after the run */
        fprintf(stderr, "%s: %s\n", P, migsim_errmsg());
        migsim_sim_destroy(sim);
        return 2;
    }
    FILE *tp_file = NULL;
    if (tp_patterns) {
        tp_file = tp_out ? fopen(tp_out, "w") : stderr;
        if (!tp_file) {
            fprintf(stderr, "%s: --trace-out %s: %s\n", P, tp_out, strerror(errno));
            migsim_sim_destroy(sim);
            return 2;
        }
        if (migsim_sim_trace_events(sim, tp_patterns, tp_from, tp_to, tp_file,
                                    strcmp(tp_format, "json") == 0) != 0) {
            fprintf(stderr, "%s: --trace-events: %s\n", P, migsim_errmsg());
            run_destroy(sim, tp_file);
            return 2;
        }
    }
    /* the progress line: the library's progress report every 10 us simulated */
    const migsim_tick_t slice = 10 * MIGSIM_PS_PER_US;
    progress_line_t line = { .t0 = wall_now() };
    line.last = line.t0;
    if (!quiet && isatty(STDERR_FILENO))
        migsim_sim_set_progress(sim, slice, progress_line, &line);
    while (!migsim_sim_done(sim)) {
        rc = drv->advance(sim, migsim_sim_now(sim) + slice, drv->ctx);
        if (rc)
            break;
        migsim_sim_progress(sim); /* a driver with its own kernel does not report */
    }
    double wall = wall_now() - line.t0;
    if (line.shown)
        fprintf(stderr, "\n");
    if (rc) {
        fprintf(stderr, "%s: %s\n", P, migsim_errmsg());
        if (out && migsim_sim_set_outcome(sim, 2, migsim_errmsg()) == 0 &&
            migsim_sim_write_stats(sim, out, wall) == 0)
            fprintf(stderr, "%s: partial statistics written to %s\n", P, out);
        run_destroy(sim, tp_file);
        return 2;
    }
    char reason[4096] = "";
    int status = run_verdict(sim, reason, sizeof reason);
    if (!quiet)
        print_summary(stdout, sim, wall);
    fflush(stdout); /* the summary before the statistics when --out is /dev/stdout */
    if (out) {
        rc = migsim_sim_set_outcome(sim, status, reason);
        if (!rc)
            rc = migsim_sim_write_stats(sim, out, wall);
        if (rc) {
            fprintf(stderr, "%s: %s\n", P, migsim_errmsg());
            run_destroy(sim, tp_file);
            return 2;
        }
        if (!quiet)
            printf("statistics       %s\n", out);
    }
    run_destroy(sim, tp_file);
    for (char *line = reason; *line;) { /* each line on stderr, after the program's name */
        char *end = strchr(line, '\n');
        fprintf(stderr, "%s: %.*s\n", P, (int)(end ? end - line : (ptrdiff_t)strlen(line)), line);
        line = end ? end + 1 : line + strlen(line);
    }
    return status;
}

int migsim_cli_describe(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--trace-events") == 0) {
        migsim_tracepoints_list(stdout);
        return 0;
    }
    bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
    if (json) {
        argc--;
        argv++;
    }
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: migsim describe [--json] [TYPE] | --trace-events\n");
        return 2;
    }
    const char *type = argc == 2 ? argv[1] : NULL;
    if ((json ? migsim_describe_json(stdout, type) : migsim_describe(stdout, type)) != 0) {
        fprintf(stderr, "migsim describe: %s\n", migsim_errmsg());
        return 2;
    }
    return 0;
}
