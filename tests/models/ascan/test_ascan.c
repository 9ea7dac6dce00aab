/*
 * test_ascan.c - the accessed-bit scanner (abit_scan) on the migration
 * platform with a 1 MiB page mapped as 256 PTEs of 4 KiB: the controller's
 * block 202 maps it as subpage PTEs at time 0 and its hypervisor call then
 * lasts 1 s, so the 4 KiB leaves stay put while the scanner works. A CPU
 * trace touches chosen pages with chosen frequencies in each scan period,
 * well inside the periods:
 *   - the classes after k scans equal those the rule (4 - accessed scans of
 *     the last 4) gives from the accesses of the trace, counted here from
 *     the records written, not from the scanner;
 *   - PTE reads per pass in closed form (every entry of the range at every
 *     level: 256 + 16 + 5 = 277), writes = the leaves whose A was set or
 *     whose history changed, from the same count;
 *   - pass time with one request at a time and every PTE line in the cache:
 *     (reads + writes) x hit_ps, plus the shootdown (ipi_ps + handler) when
 *     A bits were cleared;
 *   - one scan.pass trace line per pass with the reference's counts;
 *   - the last-level tables ordered by the A bits set in the period before
 *     the last scan, counted from the trace;
 *   - a scanner that does not flush the TLBs (flush_tlbs false) sees hot
 *     pages as cold: the same comparison catches it;
 *   - the period adaptation against its formula (churn halves and doubles,
 *     the migration's progress caps it, min and max clamp it);
 *   - a CPU fault marks the pages after the faulting one as prefetch
 *     candidates;
 *   - configuration errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ascan/ascan.h"
#include "migctl/migctl.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "migsim/trace.h"
#include "migsim/tracepoint.h"
#include "testutil/sim.h"

#define PAGE_VA (4ull << 30)
#define NPAGES 256u
#define PER_MS 200000000ull         /* scan period of the classification runs: 200 us */
#define NPER 6u                     /* periods with accesses (and scans looked at) */
#define NTABLES 16u                 /* 64 KiB last-level tables of the 1 MiB page */
#define READS_PER_PASS (256u + 16u + 5u)

/* Page p is touched in period j (1-based) or not. */
static bool touched(uint32_t p, uint32_t j)
{
    switch (p % 6) {
    case 0: return true;                  /* every period: hot */
    case 1: return j % 2 == 1;            /* every other period */
    case 2: return j <= 2;                /* the first two, then never */
    case 3: return false;                 /* never */
    case 4: return j == NPER;             /* only the last */
    default: return j % 3 == 0;           /* every third */
    }
}

typedef struct rec_s {
    uint64_t t, va;
} rec_t;

static int rec_cmp(const void *x, const void *y)
{
    const rec_t *a = x, *b = y;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->va < b->va ? -1 : a->va > b->va;
}

/*
 * Write the trace: in period j, page p touched (p % 3) + 1 times, the
 * accesses spread over [start + 40 us, start + 160 us); returns the records
 * and fills acc[p][j] from what was written.
 */
static uint64_t write_trace(const char *path, bool acc[NPAGES][NPER + 1])
{
    rec_t *r = calloc(NPAGES * NPER * 3, sizeof *r);
    uint64_t n = 0;
    assert_non_null(r);
    for (uint32_t j = 1; j <= NPER; j++)
        for (uint32_t p = 0; p < NPAGES; p++) {
            if (!touched(p, j))
                continue;
            for (uint32_t i = 0; i <= p % 3; i++) {
                uint64_t slot = (uint64_t)p * 3 + i; /* 0 .. 767 */
                r[n].t = (j - 1) * PER_MS + 40000000ull + slot * 150000ull;
                r[n].va = PAGE_VA + (uint64_t)p * 4096 + 64 * i;
                n++;
            }
        }
    qsort(r, n, sizeof *r, rec_cmp);
    memset(acc, 0, sizeof(bool) * NPAGES * (NPER + 1));
    migsim_trace_writer_t *w;
    assert_int_equal(migsim_trace_writer_open(&w, path, NULL), 0);
    for (uint64_t i = 0; i < n; i++) {
        migsim_trace_rec_t tr = { .time = r[i].t, .addr = r[i].va, .size = 8,
                                  .op = MIGSIM_OP_READ, .src_kind = MIGSIM_SRC_CPU };
        assert_int_equal(migsim_trace_put(w, &tr), 0);
        uint64_t j = r[i].t / PER_MS + 1;    /* the period the access falls in */
        acc[(r[i].va - PAGE_VA) / 4096][j] = true;
    }
    assert_int_equal(migsim_trace_writer_close(w), 0);
    free(r);
    return n;
}

/* The scanner's state of one page by the rule, from the accesses: history and class field. */
typedef struct ref_s {
    uint32_t hist[NPAGES];
    uint32_t cls[NPAGES];           /* class + 1, 0 = not classified */
    uint64_t writes;                /* PTE writes of the last scan */
    uint32_t a_set[NTABLES];        /* A bits set per 64 KiB table at the last scan */
} ref_t;

static void ref_scan(ref_t *f, bool acc[NPAGES][NPER + 1], uint32_t j)
{
    f->writes = 0;
    memset(f->a_set, 0, sizeof f->a_set);
    for (uint32_t p = 0; p < NPAGES; p++) {
        uint32_t a = acc[p][j];
        uint32_t h = ((f->hist[p] << 1) | a) & 0xfu;
        uint32_t c = 4 - (uint32_t)__builtin_popcount(h) + 1;
        if (a || h != f->hist[p] || c != f->cls[p])
            f->writes++;
        f->hist[p] = h;
        f->cls[p] = c;
        f->a_set[p / 16] += a;
    }
}

static char trace_path[128], cfg_path[128];

/* The trace file's name for a test: /tmp/ascan_trace_<stem><pid>.msim. */
static void name_trace(const char *stem)
{
    snprintf(trace_path, sizeof trace_path, "/tmp/ascan_trace_%s%d.msim", stem, (int)getpid());
}

/* The end of a test: the simulation and both files go. */
static void done(migsim_sim_t *sim)
{
    migsim_sim_destroy(sim);
    unlink(trace_path);
    unlink(cfg_path);
}

/* A trace of n reads, record i at t0 + i x gap to PAGE_VA + (i % wrap) x stride. */
static void write_reads(uint32_t n, uint64_t t0, uint64_t gap, uint64_t stride, uint32_t wrap)
{
    migsim_trace_writer_t *w;
    assert_int_equal(migsim_trace_writer_open(&w, trace_path, NULL), 0);
    for (uint32_t i = 0; i < n; i++) {
        migsim_trace_rec_t tr = { .time = t0 + i * gap, .addr = PAGE_VA + (i % wrap) * stride,
                                  .size = 8, .op = MIGSIM_OP_READ, .src_kind = MIGSIM_SRC_CPU };
        assert_int_equal(migsim_trace_put(w, &tr), 0);
    }
    assert_int_equal(migsim_trace_writer_close(w), 0);
}

/* The platform plus a scanner `scan` on xmem.in2, the trace in cpu0, and `extra` overrides. */
static migsim_sim_t *make(const char *scan_json, const char *const *extra, size_t n)
{
    char comps[512], tr[200];
    snprintf(comps, sizeof comps, "\"scan\": { \"type\": \"abit_scan\" %s }", scan_json);
    tu_platform_plus(cfg_path, sizeof cfg_path, "ascan_cfg", comps,
                     "{ \"from\": \"scan.mem\", \"to\": \"xmem.in2\" }");
    snprintf(tr, sizeof tr, "cpu0.trace=\"%s\"", trace_path);
    const char *base[] = {
        "mig.page_bytes=\"1MiB\"", "mig.subpage_bytes=\"4KiB\"", "mig.start_ps=0",
        "mig.hcall_ps=1000000000000", "nic0.gen_count=0", "nic0.gen_range_bytes=\"1MiB\"", "nic0.gen_ring_entries=64", "disk0.gen_count=0", tr,
    };
    return tu_make_ex(NULL, cfg_path, base, sizeof base / sizeof base[0], extra, n);
}

static void run_to(migsim_sim_t *sim, migsim_tick_t t)
{
    if (migsim_sim_run(sim, t) != 0)
        fail_msg("%s", migsim_errmsg());
}

/* Pages whose class the scanner holds differs from the reference's. */
static uint32_t mismatches(const ascan_t *a, const ref_t *f)
{
    uint32_t bad = 0;
    for (uint32_t p = 0; p < NPAGES; p++) {
        uint32_t c = ascan_class(a, PAGE_VA + (uint64_t)p * 4096);
        bad += c != f->cls[p] - 1;
    }
    return bad;
}

static const char scan_fixed[] =
    ", \"period_ps\": 200000000, \"min_period_ps\": 200000000, \"max_period_ps\": 200000000";

/* Classes, counts and the table order after each of NPER scans, against the trace. */
static void test_classes_from_trace(void **state)
{
    (void)state;
    static bool acc[NPAGES][NPER + 1];
    name_trace("");
    uint64_t nrec = write_trace(trace_path, acc);
    migsim_sim_t *sim = make(scan_fixed, NULL, 0);
    ascan_t *a = (ascan_t *)migsim_sim_find(sim, "scan");
    FILE *tp = tmpfile();
    assert_non_null(tp);
    assert_int_equal(migsim_sim_trace_events(sim, "scan.pass", 0, MIGSIM_TICK_MAX, tp, 0), 0);
    char want[NPER][128];
    ref_t f;
    memset(&f, 0, sizeof f);
    uint64_t writes = 0;
    for (uint32_t j = 1; j <= NPER; j++) {
        run_to(sim, j * PER_MS + 30000000ull); /* scan j at j x 200 us, done well before +30 us */
        assert_int_equal(tu_stat(sim, "scan.scans"), j);
        uint32_t before[NPAGES];
        memcpy(before, f.cls, sizeof before);
        ref_scan(&f, acc, j);
        writes += f.writes;
        assert_int_equal(mismatches(a, &f), 0);
        uint32_t cleared = 0, changed = 0;
        for (uint32_t p = 0; p < NPAGES; p++) {
            cleared += acc[p][j];
            changed += before[p] && before[p] != f.cls[p];
        }
        assert_int_equal(tu_stat(sim, "scan.changed_pages"), changed);
        /* the pass's trace line: leaves, A bits cleared, classes changed, the next period */
        snprintf(want[j - 1], sizeof want[0], "scan.pass leaves=256 cleared=%u changed=%u "
                 "period_ps=200000000\n", cleared, changed);
        /* closed form: every entry of the range at every level, every pass */
        assert_int_equal(tu_stat(sim, "scan.cas_failed"), 0);
        assert_int_equal(tu_stat(sim, "scan.ptes_read"), (double)READS_PER_PASS * j);
        assert_int_equal(tu_stat(sim, "scan.ptes_written"), (double)writes);
        /* classes after the pass, counted from the reference */
        uint64_t per[ASCAN_CLASSES] = { 0 };
        for (uint32_t p = 0; p < NPAGES; p++)
            per[f.cls[p] - 1]++;
        for (uint32_t c = 0; c < ASCAN_CLASSES; c++) {
            char name[32];
            snprintf(name, sizeof name, "scan.class%u_pages", c);
            assert_int_equal(tu_stat(sim, name), (double)per[c]);
            uint64_t *list = calloc(NPAGES, sizeof *list), k = 0;
            assert_int_equal(ascan_pages(a, c, list, NPAGES), per[c]);
            for (uint32_t p = 0; p < NPAGES; p++)
                if (f.cls[p] - 1 == c) /* in VA order */
                    assert_int_equal(list[k++], PAGE_VA + (uint64_t)p * 4096);
            free(list);
        }
        /* the last-level tables by A bits set in period j, ties by VA */
        uint32_t nt;
        const ascan_l1_t *t = ascan_l1_tables(a, &nt);
        assert_int_equal(nt, NTABLES);
        bool used[NTABLES] = { false };
        for (uint32_t i = 0; i < NTABLES; i++) {
            uint32_t best = NTABLES;
            for (uint32_t q = 0; q < NTABLES; q++)
                if (!used[q] && (best == NTABLES || f.a_set[q] > f.a_set[best]))
                    best = q;
            used[best] = true;
            assert_int_equal(t[i].va, PAGE_VA + (uint64_t)best * 65536);
            assert_int_equal(t[i].a_set, f.a_set[best]);
            assert_int_equal(t[i].leaves, 16);
        }
    }
    /* the accesses really happened, and the hot ones are hot */
    assert_int_equal(tu_stat(sim, "cpu0.completed_reqs"), (double)nrec);
    assert_int_equal(ascan_class(a, PAGE_VA), ASCAN_HOT);
    assert_int_equal(ascan_class(a, PAGE_VA + 3 * 4096), ASCAN_COLD);
    assert_int_equal(tu_stat(sim, "scan.tlb_flushes"), NPER);
    rewind(tp);
    char line[256];
    uint32_t lines = 0;
    while (fgets(line, sizeof line, tp)) {
        assert_true(lines < NPER);
        const char *sp = strchr(line, ' ');
        assert_non_null(sp);
        assert_string_equal(sp + 1, want[lines]);
        lines++;
    }
    assert_int_equal(lines, NPER);
    fclose(tp);
    done(sim);
}

/* Without the TLB flush, pages cached in a TLB never set A again: the check above catches it. */
static void test_no_flush_misclassifies(void **state)
{
    (void)state;
    static bool acc[NPAGES][NPER + 1];
    name_trace("nf_");
    write_trace(trace_path, acc);
    const char *extra[] = { "scan.flush_tlbs=false" };
    migsim_sim_t *sim = make(scan_fixed, extra, 1);
    ascan_t *a = (ascan_t *)migsim_sim_find(sim, "scan");
    ref_t f;
    memset(&f, 0, sizeof f);
    for (uint32_t j = 1; j <= NPER; j++) {
        run_to(sim, j * PER_MS + 30000000ull);
        ref_scan(&f, acc, j);
    }
    assert_true(mismatches(a, &f) > 0);
    assert_int_equal(tu_stat(sim, "scan.tlb_flushes"), 0);
    /* page 0, touched in every period, was seen once: in period 1, before its first walk's A */
    assert_int_equal(ascan_class(a, PAGE_VA), ASCAN_COLD);
    done(sim);
}

/*
 * One request at a time, every PTE line in the cache after the first pass
 * (no CPU traffic after period 1): a pass takes (reads + writes) x hit_ps,
 * plus the shootdown when it cleared A bits.
 */
static void test_pass_time(void **state)
{
    (void)state;
    name_trace("t_");
    write_reads(40, 50000000ull, 100000ull, 4096, NPAGES); /* pages 0..39 once in period 1 */
    const char *extra[] = { "scan.max_inflight=1" };
    migsim_sim_t *sim = make(scan_fixed, extra, 1);
    run_to(sim, PER_MS + 30000000ull);
    assert_int_equal(tu_stat(sim, "scan.ptes_written"), NPAGES); /* all classified */
    assert_int_equal(tu_stat(sim, "scan.a_cleared_pages"), 40);
    double t1 = tu_stat(sim, "scan.scan_ps");
    /* pass 2: pages 0..39 have history 0001 -> 0010 (written), the rest stay (216 unwritten) */
    run_to(sim, 2 * PER_MS + 30000000ull);
    double hit = 10000, t2 = tu_stat(sim, "scan.scan_ps") - t1;
    assert_int_equal(tu_stat(sim, "scan.ptes_written"), NPAGES + 40);
    assert_int_equal(t2, (READS_PER_PASS + 40) * hit);  /* no A cleared: no flush */
    assert_int_equal(tu_stat(sim, "scan.tlb_flushes"), 1);
    /* pass 1 had the shootdown: ipi_ps 0.8 us + the handler 0.5 us, after its requests */
    assert_true(t1 >= (READS_PER_PASS + NPAGES) * hit + 1300000);
    done(sim);
}

/*
 * The period: pages 0..127 touched once before the first scan, then
 * nothing. Scan 1 classifies (no class before: no change), scans 2-4 change
 * nothing (x2 each, clamped at 400 us), scan 5 moves pages 0..127 from
 * class 3 to 4 (half changed > 0.25: /2), scan 6 doubles again; before
 * scan 7 the migration reports 512 pages moved: the cap is the time since
 * scan 6's start (400 us) x 256 cold pages / 512 = 200 us.
 */
static void test_period_adapts(void **state)
{
    (void)state;
    name_trace("p_");
    write_reads(128, 20000000ull, 100000ull, 4096, NPAGES);
    const char scan[] = ", \"period_ps\": 100000000, \"min_period_ps\": 50000000, "
                        "\"max_period_ps\": 400000000";
    migsim_sim_t *sim = make(scan, NULL, 0);
    ascan_t *a = (ascan_t *)migsim_sim_find(sim, "scan");
    const uint64_t us = 1000000;
    /* scan k starts at start[k]; the period after it, period[k] */
    const uint64_t start[] = { 0, 100 * us, 200 * us, 400 * us, 800 * us, 1200 * us, 1400 * us, 1800 * us };
    const uint64_t period[] = { 0, 100 * us, 200 * us, 400 * us, 400 * us, 200 * us, 400 * us, 200 * us };
    const uint64_t changed[] = { 0, 0, 0, 0, 0, 128, 0, 0 };
    for (uint32_t k = 1; k <= 7; k++) {
        if (k == 7)
            ascan_migrated(a, 512);
        run_to(sim, start[k] + 40 * us);
        assert_int_equal(tu_stat(sim, "scan.scans"), k);
        assert_int_equal(tu_stat(sim, "scan.changed_pages"), changed[k]);
        assert_int_equal(ascan_period_ps(a), period[k]);
        assert_int_equal(tu_stat(sim, "scan.period_ps"), period[k]);
        if (k < 7) { /* the next scan has not started before its time */
            run_to(sim, start[k] + period[k] - 1);
            assert_int_equal(tu_stat(sim, "scan.scans"), k);
        }
    }
    done(sim);
}

/*
 * Prefetch: with the migration running (hypervisor calls of 1 us), the CPU
 * reads subpage 0 while its PTE is invalid and faults; the 8 pages after it
 * are the candidates, in VA order.
 */
static void test_prefetch_on_fault(void **state)
{
    (void)state;
    name_trace("f_");
    write_reads(400, 1000000ull, 50000ull, 64, 64);   /* the lines of subpage 0 */
    const char *extra[] = { "mig.hcall_ps=1000000", "sim.end_ps=40000000" };
    migsim_sim_t *sim = make(", \"prefetch_pages\": 8", extra, 2);
    ascan_t *a = (ascan_t *)migsim_sim_find(sim, "scan");
    tu_run(sim);
    assert_true(tu_stat(sim, "mmu0.faults") >= 1);
    assert_true(tu_stat(sim, "scan.faults_seen") >= 1);
    uint32_t n;
    const uint64_t *pf = ascan_prefetch(a, &n);
    assert_int_equal(n, 8);
    for (uint32_t k = 0; k < 8; k++)
        assert_int_equal(pf[k], PAGE_VA + (k + 1) * 4096ull);
    assert_int_equal(tu_stat(sim, "scan.prefetch_marked_pages"), 8);
    ascan_prefetch_clear(a);
    ascan_prefetch(a, &n);
    assert_int_equal(n, 0);
    done(sim);
}

/* The platform with the scanner `scan_json` must be refused with "<file>: " + want. */
static void expect_refused(const char *scan_json, const char *want)
{
    char comps[256], msg[512];
    snprintf(comps, sizeof comps, "\"scan\": { \"type\": \"abit_scan\", %s }", scan_json);
    tu_platform_plus(cfg_path, sizeof cfg_path, "ascan_cfg", comps,
                     "{ \"from\": \"scan.mem\", \"to\": \"xmem.in2\" }");
    snprintf(msg, sizeof msg, "%s: %s", cfg_path, want);
    tu_expect_error_ex(NULL, cfg_path, NULL, 0, msg);
    unlink(cfg_path);
}

/* Bad configurations are refused when the simulation is built, naming the parameter. */
static void test_bad_config(void **state)
{
    (void)state;
    expect_refused("\"migctl\": \"nobody\"",
                   "$.components.scan.migctl: no component named \"nobody\"");
    expect_refused("\"migctl\": \"mmu0\"",
                   "$.components.scan.migctl: \"mmu0\" is a cpu_mmu, not a migctl");
    expect_refused("\"va\": \"8GiB\", \"bytes\": \"1MiB\"",
                   "$.components.scan.bytes: [0x200000000, +0x100000) is not 4 KiB aligned "
                   "inside one region mig maps (the page or the identity region)");
    expect_refused("\"period_ps\": 10", "$.components.scan.period_ps: 10 outside "
                   "[min_period_ps 100000000, max_period_ps 100000000000]");
    expect_refused("\"churn_lo_frac\": 0.5", "$.components.scan.churn_lo_frac: 0.5 above "
                   "churn_hi_frac 0.25");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes_from_trace),
        cmocka_unit_test(test_no_flush_misclassifies),
        cmocka_unit_test(test_pass_time),
        cmocka_unit_test(test_period_adapts),
        cmocka_unit_test(test_prefetch_on_fault),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
