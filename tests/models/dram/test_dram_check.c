/*
 * test_dram_check.c - tests of the independent DDR4 command-log checker
 * (models/dram/dram_check.c) and of `migsim dram-check`.
 *
 * (a) a legal sequence with every rule at exactly its minimum distance is
 *     clean; (b) that sequence with each probed command one cycle early (or a
 *     planted wrong state) is flagged as exactly that rule, with the right
 *     lines, and nothing else; (c) malformed logs give MIGSIM_EFORMAT with
 *     "file:line"; (d) a random log from a slow generator driven by a naive
 *     all-pairs legality oracle is clean, and moving one command a cycle
 *     earlier is flagged exactly as the oracle predicts. Both DDR4-2400 and
 *     DDR4-3200 timings are used.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dram/dram_check.h"
#include "dram/dram_timing.h"
#include "migsim/errors.h"
#include "migsim/rng.h"

static const char *const presets[] = { "DDR4-2400", "DDR4-3200" };
#define NPRESETS 2

/* ---- writing logs ------------------------------------------------------------- */

typedef enum { OP_ACT, OP_RD, OP_WR, OP_PRE, OP_REF, OP_PREA } op_t;
static const char *const op_names[] = { "ACT", "RD", "WR", "PRE", "REF", "PREA" };

typedef struct tcmd_s {
    uint64_t cycle;
    op_t op;
    unsigned rk, bg, bk, row;
    int probe;   /* rule that binds this command at its exact minimum; -1 none */
    int earlier; /* index of the command that rule binds to; -1 none */
} tcmd_t;

#define MAXSEQ 64
typedef struct seq_s {
    dram_org_t org;
    dram_timing_t t;
    tcmd_t c[MAXSEQ];
    int n;
} seq_t;

static int seq_add(seq_t *s, uint64_t cycle, op_t op, unsigned rk, unsigned bg, unsigned bk,
                   unsigned row, int probe, int earlier)
{
    assert_true(s->n < MAXSEQ);
    s->c[s->n] = (tcmd_t){ cycle, op, rk, bg, bk, row, probe, earlier };
    return s->n++;
}

static void write_header(FILE *f, const dram_org_t *o, const dram_timing_t *t)
{
    fprintf(f, "# migsim dram command log v1\n");
    fprintf(f, "# org channels=%u ranks=%u bankgroups=%u banks_per_group=%u rows=%u columns=%u\n",
            o->channels, o->ranks, o->bankgroups, o->banks_per_group, o->rows, o->columns);
    fprintf(f, "# timing tCK_ps=%u BL=%u tCL=%u tCWL=%u tRCD=%u tRP=%u tRAS=%u tRC=%u "
               "tRRD_S=%u tRRD_L=%u tFAW=%u tCCD_S=%u tCCD_L=%u tWTR_S=%u tWTR_L=%u "
               "tRTP=%u tWR=%u tRFC=%u tREFI=%u tRTRS=%u\n",
            t->tCK_ps, t->BL, t->tCL, t->tCWL, t->tRCD, t->tRP, t->tRAS, t->tRC, t->tRRD_S,
            t->tRRD_L, t->tFAW, t->tCCD_S, t->tCCD_L, t->tWTR_S, t->tWTR_L, t->tRTP, t->tWR,
            t->tRFC, t->tREFI, t->tRTRS);
}

/* The form command lines are written in: libmigsim's v1, DRAMSim3's or Ramulator 2's. */
typedef enum { FORM_V1, FORM_DRAMSIM3, FORM_RAMULATOR2 } form_t;
static form_t g_form = FORM_V1;

static void write_cmd(FILE *f, const tcmd_t *c)
{
    unsigned long long cy = (unsigned long long)c->cycle;
    unsigned col = (c->row * 8u) % 1024u;
    if (g_form == FORM_DRAMSIM3) { /* as DRAMSim3 prints them, -1 for fields a command lacks
                                      (a refresh's channel too: its log is one channel's) */
        static const char *const w[] = { "activate", "read", "write", "precharge", "refresh" };
        assert_true(c->op != OP_PREA); /* DRAMSim3 has no precharge-all */
        if (c->op == OP_REF)
            fprintf(f, "%-18llu refresh               -1   %u  -1  -1     -0x1     -0x1\n", cy,
                    c->rk);
        else
            fprintf(f, "%-18llu %-20s %3d %3u %3u %3u %#8x %#8x\n", cy, w[c->op], 0, c->rk, c->bg,
                    c->bk, c->op == OP_PRE ? 0u : c->row, c->op == OP_RD || c->op == OP_WR ? col : 0u);
        return;
    }
    if (g_form == FORM_RAMULATOR2) { /* as its CmdTraceRecorder writes them */
        static const char *const w[] = { "ACT", "RD", "WR", "PREpb", "REFab", "PREab" };
        if (c->op == OP_REF || c->op == OP_PREA)
            fprintf(f, "%llu,%s,0,%u,-1,-1,-1,-1,-1,-1\n", cy, w[c->op], c->rk);
        else
            fprintf(f, "%llu,%s,0,%u,%u,%u,%d,%d,0,0\n", cy, w[c->op], c->rk, c->bg, c->bk,
                    c->op == OP_PRE ? -1 : (int)c->row,
                    c->op == OP_RD || c->op == OP_WR ? (int)col : -1);
        return;
    }
    switch (c->op) {
    case OP_ACT:
        fprintf(f, "%llu 0 ACT %u %u %u %u\n", (unsigned long long)c->cycle, c->rk, c->bg, c->bk, c->row);
        break;
    case OP_RD:
    case OP_WR:
        fprintf(f, "%llu 0 %s %u %u %u %u %u\n", (unsigned long long)c->cycle, op_names[c->op],
                c->rk, c->bg, c->bk, c->row, (c->row * 8u) % 1024u);
        break;
    case OP_PRE:
        fprintf(f, "%llu 0 PRE %u %u %u\n", (unsigned long long)c->cycle, c->rk, c->bg, c->bk);
        break;
    case OP_REF:
    case OP_PREA:
        fprintf(f, "%llu 0 %s %u\n", (unsigned long long)c->cycle, op_names[c->op], c->rk);
        break;
    }
}

/* A fresh temporary file name; the file exists and is empty. */
static void tmp_name(char *buf, size_t n)
{
    snprintf(buf, n, "/tmp/test_dram_check_XXXXXX");
    int fd = mkstemp(buf);
    assert_true(fd >= 0);
    close(fd);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Write commands c[0..n) (with c[moved] at cycle `moved_cycle` if moved >= 0). */
static void write_cmds(const char *path, const dram_org_t *o, const dram_timing_t *t,
                       const tcmd_t *c, int n, int moved, uint64_t moved_cycle)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    write_header(f, o, t);
    if (g_form == FORM_RAMULATOR2) /* its title line */
        fprintf(f, "clock,command,Channel,Rank,BankGroup,Bank,Row,Column,type,source\n");
    for (int i = 0; i < n; i++) {
        tcmd_t x = c[i];
        if (i == moved)
            x.cycle = moved_cycle;
        write_cmd(f, &x);
    }
    fclose(f);
}

/* three header lines, and Ramulator's title line */
#define LINE_OF(i) ((uint64_t)(i) + 4 + (g_form == FORM_RAMULATOR2))

/* ---- running the checker -------------------------------------------------- */

#define MAXV 64
typedef struct got_s {
    dram_violation_t v[MAXV];
    int n;
} got_t;

static void collect(const dram_violation_t *v, void *arg)
{
    got_t *g = arg;
    if (g->n < MAXV) {
        g->v[g->n] = *v;
        g->v[g->n].text = NULL;
        g->n++;
    }
}

static int run_check(const char *path, dram_check_result_t *res, got_t *got)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    memset(got, 0, sizeof *got);
    dram_check_opts_t o = { NULL, 0, collect, got };
    int rc = dram_check_stream_opts(f, path, &o, res);
    fclose(f);
    return rc;
}

static void dump(const char *path, const got_t *g)
{
    for (int i = 0; i < g->n; i++)
        dram_check_print_violation(stderr, path, &g->v[i]);
}

/* The log must be clean. */
static void expect_clean(const char *path)
{
    dram_check_result_t res;
    got_t got;
    assert_int_equal(run_check(path, &res, &got), 0);
    if (res.violations)
        dump(path, &got);
    assert_int_equal(res.violations, 0);
}

/* The log must hold exactly one violation: `rule` on `line` against `earlier`. */
static void expect_one(const char *path, dram_rule_t rule, uint64_t line, uint64_t earlier)
{
    dram_check_result_t res;
    got_t got;
    assert_int_equal(run_check(path, &res, &got), 0);
    if (res.violations != 1 || got.v[0].rule != rule || got.v[0].line != line ||
        got.v[0].earlier_line != earlier) {
        fprintf(stderr, "expected %s at line %llu vs line %llu, got:\n", dram_rule_name(rule),
                (unsigned long long)line, (unsigned long long)earlier);
        dump(path, &got);
    }
    assert_int_equal(res.violations, 1);
    assert_int_equal(res.by_rule[rule], 1);
    assert_int_equal(res.first_line[rule], line);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.v[0].rule, rule);
    assert_int_equal(got.v[0].line, line);
    assert_int_equal(got.v[0].earlier_line, earlier);
}

/* ---- bounds, written from the rule list --------------------------------------- */

static int64_t tbl(const dram_timing_t *t) { return t->BL / 2; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t b_ccd_l(const dram_timing_t *t) { return max64(t->tCCD_L, tbl(t)); }
static int64_t b_ccd_s(const dram_timing_t *t) { return max64(t->tCCD_S, tbl(t)); }
static int64_t b_rtrs_same(const dram_timing_t *t) { return tbl(t) + t->tRTRS; }
static int64_t b_rtrs_rw(const dram_timing_t *t) { return (int64_t)t->tCL + tbl(t) + t->tRTRS - t->tCWL; }
static int64_t b_rtrs_wr(const dram_timing_t *t) { return (int64_t)t->tCWL + tbl(t) + t->tRTRS - t->tCL; }
static int64_t b_rtw(const dram_timing_t *t) { return (int64_t)t->tCL + tbl(t) + 2 - t->tCWL; }
static int64_t b_wtr_l(const dram_timing_t *t) { return (int64_t)t->tCWL + tbl(t) + t->tWTR_L; }
static int64_t b_wtr_s(const dram_timing_t *t) { return (int64_t)t->tCWL + tbl(t) + t->tWTR_S; }
static int64_t b_wr(const dram_timing_t *t) { return (int64_t)t->tCWL + tbl(t) + t->tWR; }

/* ---- (a) and (b): the minimum-distance sequence --------------------------------- */

/*
 * Two ranks. Each command marked with a probe sits at exactly the minimum
 * distance of that rule from the marked earlier command, and at least one
 * cycle clear of every other constraint.
 */
static void build_min_seq(seq_t *s, const dram_preset_t *p)
{
    memset(s, 0, sizeof *s);
    s->org = p->org;
    s->org.ranks = 2;
    s->t = p->timing;
    const dram_timing_t *t = &s->t;
#define C(i) (s->c[i].cycle)
    int a0 = seq_add(s, 100, OP_ACT, 0, 0, 0, 1, -1, -1);
    int a_r1 = seq_add(s, 102, OP_ACT, 1, 0, 0, 7, -1, -1);
    int a1 = seq_add(s, C(a0) + t->tRRD_S, OP_ACT, 0, 1, 0, 1, DRAM_RULE_tRRD_S, a0);
    int a2 = seq_add(s, C(a1) + t->tRRD_L, OP_ACT, 0, 1, 1, 1, DRAM_RULE_tRRD_L, a1);
    int a3 = seq_add(s, C(a2) + t->tRRD_S, OP_ACT, 0, 2, 0, 1, DRAM_RULE_tRRD_S, a2);
    assert_true(C(a0) + t->tFAW >= C(a3) + t->tRRD_S + 2);
    int a4 = seq_add(s, C(a0) + t->tFAW, OP_ACT, 0, 3, 0, 1, DRAM_RULE_tFAW, a0);
    int r0 = seq_add(s, C(a4) + t->tRCD, OP_RD, 0, 3, 0, 1, DRAM_RULE_tRCD, a4);
    int r1 = seq_add(s, C(r0) + b_ccd_l(t), OP_RD, 0, 3, 0, 1, DRAM_RULE_tCCD_L, r0);
    int r2 = seq_add(s, C(r1) + b_ccd_s(t), OP_RD, 0, 2, 0, 1, DRAM_RULE_tCCD_S, r1);
    int r3 = seq_add(s, C(r2) + b_rtrs_same(t), OP_RD, 1, 0, 0, 7, DRAM_RULE_tRTRS, r2);
    int w0 = seq_add(s, C(r3) + b_rtrs_rw(t), OP_WR, 0, 1, 0, 1, DRAM_RULE_tRTRS, r3);
    int w1 = seq_add(s, C(w0) + b_ccd_l(t), OP_WR, 0, 1, 1, 1, DRAM_RULE_tCCD_L, w0);
    int w2 = seq_add(s, C(w1) + b_ccd_s(t), OP_WR, 0, 0, 0, 1, DRAM_RULE_tCCD_S, w1);
    int w3 = seq_add(s, C(w2) + b_rtrs_same(t), OP_WR, 1, 0, 0, 7, DRAM_RULE_tRTRS, w2);
    int r4 = seq_add(s, C(w2) + b_wtr_l(t), OP_RD, 0, 0, 0, 1, DRAM_RULE_tWTR_L, w2);
    int w4 = seq_add(s, C(r4) + b_rtw(t), OP_WR, 0, 2, 0, 1, DRAM_RULE_tRTW, r4);
    int r5 = seq_add(s, C(w4) + b_wtr_s(t), OP_RD, 0, 3, 0, 1, DRAM_RULE_tWTR_S, w4);
    int p3 = seq_add(s, C(r5) + t->tRTP, OP_PRE, 0, 3, 0, 0, DRAM_RULE_tRTP, r5);
    int p2 = seq_add(s, C(w4) + b_wr(t), OP_PRE, 0, 2, 0, 0, DRAM_RULE_tWR, w4);
    int a5 = seq_add(s, C(p3) + t->tRP, OP_ACT, 0, 3, 0, 2, DRAM_RULE_tRP, p3);
    int a6 = seq_add(s, C(a5) + t->tRRD_S + 6, OP_ACT, 0, 0, 2, 3, -1, -1);
    uint64_t c = C(a6);
    seq_add(s, c += 2, OP_PRE, 0, 0, 0, 0, -1, -1);
    seq_add(s, c += 2, OP_PRE, 0, 1, 0, 0, -1, -1);
    seq_add(s, c += 2, OP_PRE, 0, 1, 1, 0, -1, -1);
    seq_add(s, c += 2, OP_PRE, 1, 0, 0, 0, -1, -1);
    assert_true(C(a5) + t->tRAS >= c + 2);
    int p5 = seq_add(s, C(a5) + t->tRAS, OP_PRE, 0, 3, 0, 0, DRAM_RULE_tRAS, a5);
    int p6 = seq_add(s, C(a6) + t->tRAS, OP_PRE, 0, 0, 2, 0, DRAM_RULE_tRAS, a6);
    int f0 = seq_add(s, C(p6) + t->tRP, OP_REF, 0, 0, 0, 0, DRAM_RULE_tRP, p6);
    int f1 = seq_add(s, C(f0) + 2, OP_REF, 1, 0, 0, 0, -1, -1);
    seq_add(s, C(f0) + t->tRFC, OP_ACT, 0, 1, 0, 4, DRAM_RULE_tRFC, f0);
    seq_add(s, C(f1) + t->tRFC, OP_REF, 1, 0, 0, 0, DRAM_RULE_tRFC, f1);
    (void)r1; (void)w1; (void)w3; (void)p2; (void)p5; (void)a_r1;
#undef C
    for (int i = 1; i < s->n; i++)
        assert_true(s->c[i].cycle >= s->c[i - 1].cycle + 2);
}

static void test_min_sequence_clean(void **state)
{
    (void)state;
    for (int k = 0; k < NPRESETS; k++) {
        const dram_preset_t *p = dram_preset_find(presets[k]);
        assert_non_null(p);
        seq_t s;
        build_min_seq(&s, p);
        char path[64];
        tmp_name(path, sizeof path);
        write_cmds(path, &s.org, &s.t, s.c, s.n, -1, 0);
        dram_check_result_t res;
        got_t got;
        assert_int_equal(run_check(path, &res, &got), 0);
        assert_int_equal(res.violations, 0);
        assert_int_equal(res.commands, (uint64_t)s.n);
        assert_int_equal(res.last_cycle, s.c[s.n - 1].cycle);
        assert_int_equal(res.timing.tRCD, p->timing.tRCD);
        assert_int_equal(res.org.ranks, 2);
        unlink(path);
    }
}

static void test_min_sequence_each_probe_early(void **state)
{
    (void)state;
    for (int k = 0; k < NPRESETS; k++) {
        seq_t s;
        build_min_seq(&s, dram_preset_find(presets[k]));
        unsigned seen = 0;
        for (int i = 0; i < s.n; i++) {
            if (s.c[i].probe < 0)
                continue;
            char path[64];
            tmp_name(path, sizeof path);
            write_cmds(path, &s.org, &s.t, s.c, s.n, i, s.c[i].cycle - 1);
            expect_one(path, (dram_rule_t)s.c[i].probe, LINE_OF(i), LINE_OF(s.c[i].earlier));
            seen |= 1u << s.c[i].probe;
            unlink(path);
        }
        /* the sequence probes every minimum-distance rule but tRC (own test) */
        for (int r = DRAM_RULE_tRCD; r < DRAM_RULE_tREFI; r++)
            if (r != DRAM_RULE_tRC)
                assert_true(seen & (1u << r));
    }
}

/*
 * The sequence as built breaks no rule; with command i one cycle early it breaks exactly
 * `rule`, on `line` against `earlier`.
 */
static void seq_clean_then_early(const seq_t *s, int i, dram_rule_t rule, uint64_t line,
                                 uint64_t earlier)
{
    char path[64];
    tmp_name(path, sizeof path);
    write_cmds(path, &s->org, &s->t, s->c, s->n, -1, 0);
    expect_clean(path);
    write_cmds(path, &s->org, &s->t, s->c, s->n, i, s->c[i].cycle - 1);
    expect_one(path, rule, line, earlier);
    unlink(path);
}

/* An empty sequence with the organisation and timing of presets[k]. */
static void seq_preset(seq_t *s, int k)
{
    memset(s, 0, sizeof *s);
    s->org = dram_preset_find(presets[k])->org;
    s->t = dram_preset_find(presets[k])->timing;
}

/* tRC binds only when tRC > tRAS + tRP; the presets have tRC == tRAS + tRP. */
static void test_tRC(void **state)
{
    (void)state;
    for (int k = 0; k < NPRESETS; k++) {
        seq_t s;
        seq_preset(&s, k);
        s.t.tRC = s.t.tRAS + s.t.tRP + 3;
        seq_add(&s, 100, OP_ACT, 0, 0, 0, 1, -1, -1);
        seq_add(&s, 100 + s.t.tRAS, OP_PRE, 0, 0, 0, 0, -1, -1);
        seq_add(&s, 100 + s.t.tRC, OP_ACT, 0, 0, 0, 2, DRAM_RULE_tRC, 0);
        seq_clean_then_early(&s, 2, DRAM_RULE_tRC, 6, 4);
    }
}

/*
 * PREA (precharge all banks of a rank): legal on a rank with every bank
 * closed; otherwise it waits for tRAS, tRTP and tWR of each open bank (here
 * tRAS of the later ACT binds), and REF waits tRP after it. Each probe one
 * cycle early is exactly that rule against exactly that line.
 */
static void test_prea(void **state)
{
    (void)state;
    for (int k = 0; k < NPRESETS; k++) {
        seq_t s;
        seq_preset(&s, k);
        const dram_timing_t *t = &s.t;
        seq_add(&s, 50, OP_PREA, 0, 0, 0, 0, -1, -1);                 /* nothing open: legal */
        seq_add(&s, 100, OP_ACT, 0, 0, 0, 1, -1, -1);
        seq_add(&s, 100 + t->tRRD_S, OP_ACT, 0, 1, 0, 1, -1, -1);
        seq_add(&s, s.c[2].cycle + t->tRCD, OP_RD, 0, 1, 0, 1, -1, -1);
        assert_true(s.c[2].cycle + t->tRAS > s.c[3].cycle + t->tRTP);
        seq_add(&s, s.c[2].cycle + t->tRAS, OP_PREA, 0, 0, 0, 0, DRAM_RULE_tRAS, 2);
        seq_add(&s, s.c[4].cycle + t->tRP, OP_REF, 0, 0, 0, 0, DRAM_RULE_tRP, 4);
        seq_add(&s, s.c[5].cycle + t->tRFC, OP_ACT, 0, 0, 0, 2, DRAM_RULE_tRFC, 5);
        seq_clean_then_early(&s, 4, DRAM_RULE_tRAS, LINE_OF(4), LINE_OF(2));
        seq_clean_then_early(&s, 5, DRAM_RULE_tRP, LINE_OF(5), LINE_OF(4));
        /* a PREA that closes a bank written to waits for tWR */
        seq_t w;
        seq_preset(&w, k);
        seq_add(&w, 100, OP_ACT, 0, 2, 1, 3, -1, -1);
        seq_add(&w, 100 + t->tRCD, OP_WR, 0, 2, 1, 3, -1, -1);
        assert_true(w.c[1].cycle + b_wr(t) > 100 + t->tRAS);
        seq_add(&w, w.c[1].cycle + b_wr(t), OP_PREA, 0, 0, 0, 0, DRAM_RULE_tWR, 1);
        seq_clean_then_early(&w, 2, DRAM_RULE_tWR, LINE_OF(2), LINE_OF(1));
    }
}

/*
 * Command lines as DRAMSim3 and Ramulator 2 print them, behind a v1 header:
 * the minimum-distance sequence is clean and each probe one cycle early is
 * exactly its rule (PREA in Ramulator's form, as PREab); a command the
 * checker does not model (an auto-precharge) is a format error naming its
 * line.
 */
static void test_peer_forms(void **state)
{
    for (form_t f = FORM_DRAMSIM3; f <= FORM_RAMULATOR2; f++) {
        g_form = f;
        test_min_sequence_clean(state);
        test_min_sequence_each_probe_early(state);
        if (f == FORM_RAMULATOR2)
            test_prea(state);
        char path[64];
        tmp_name(path, sizeof path);
        seq_t s;
        seq_preset(&s, 0);
        seq_add(&s, 100, OP_ACT, 0, 0, 0, 1, -1, -1);
        write_cmds(path, &s.org, &s.t, s.c, s.n, -1, 0);
        FILE *fp = fopen(path, "a");
        assert_non_null(fp);
        fputs(f == FORM_DRAMSIM3 ? "200 read_p 0 0 0 0 0x1 0x8\n" : "200,RDA,0,0,0,0,1,8,0,0\n", fp);
        fclose(fp);
        dram_check_result_t res;
        got_t got;
        assert_int_equal(run_check(path, &res, &got), MIGSIM_EFORMAT);
        char want[96];
        snprintf(want, sizeof want, "%s:%llu: ", path, (unsigned long long)LINE_OF(1));
        assert_non_null(strstr(migsim_errmsg(), want));
        assert_non_null(strstr(migsim_errmsg(), "not checked"));
        unlink(path);
    }
    g_form = FORM_V1;
}

/* tRTRS WR -> RD needs tCWL + tBL + tRTRS > tCL to bind; raise tRTRS. */
static void test_tRTRS_write_to_read(void **state)
{
    (void)state;
    for (int k = 0; k < NPRESETS; k++) {
        seq_t s;
        seq_preset(&s, k);
        s.org.ranks = 2;
        s.t.tRTRS = s.t.tCL;
        assert_true(b_rtrs_wr(&s.t) >= 2);
        seq_add(&s, 100, OP_ACT, 0, 0, 0, 1, -1, -1);
        seq_add(&s, 110, OP_ACT, 1, 0, 0, 1, -1, -1);
        uint64_t w = 110 + s.t.tRCD + 5;
        seq_add(&s, w, OP_WR, 0, 0, 0, 1, -1, -1);
        seq_add(&s, w + (uint64_t)b_rtrs_wr(&s.t), OP_RD, 1, 0, 0, 1, DRAM_RULE_tRTRS, 2);
        seq_clean_then_early(&s, 3, DRAM_RULE_tRTRS, 7, 6);
    }
}

/* Write a one-rank log of the preset from a command body and return its path. */
static void body_log(char *path, size_t n, const dram_preset_t *p, unsigned ranks, const char *body)
{
    tmp_name(path, n);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    dram_org_t o = p->org;
    o.ranks = ranks;
    write_header(f, &o, &p->timing);
    fputs(body, f);
    fclose(f);
}

/* A log of `body` under preset p with `ranks` ranks holds exactly one violation (expect_one). */
static void log_expect_one(const dram_preset_t *p, unsigned ranks, const char *body, dram_rule_t rule,
                           uint64_t line, uint64_t earlier)
{
    char path[64];
    body_log(path, sizeof path, p, ranks, body);
    expect_one(path, rule, line, earlier);
    unlink(path);
}

/* Same, and the log breaks no rule. */
static void log_expect_clean(const dram_preset_t *p, unsigned ranks, const char *body)
{
    char path[64];
    body_log(path, sizeof path, p, ranks, body);
    expect_clean(path);
    unlink(path);
}

static void test_state_order_cmdbus(void **state)
{
    (void)state;
    for (int k = 0; k < NPRESETS; k++) {
        const dram_preset_t *p = dram_preset_find(presets[k]);
        const dram_timing_t *t = &p->timing;
        char body[512];

        /* ACT to an open bank (tRC satisfied) */
        snprintf(body, sizeof body, "100 0 ACT 0 0 0 1\n%u 0 ACT 0 0 0 2\n", 100 + t->tRC);
        log_expect_one(p, 1, body, DRAM_RULE_STATE, 5, 4);
        /* RD and WR to a closed bank */
        log_expect_one(p, 1, "100 0 RD 0 1 2 1 0\n", DRAM_RULE_STATE, 4, 0);
        log_expect_one(p, 1, "100 0 WR 0 1 2 1 0\n", DRAM_RULE_STATE, 4, 0);
        /* RD and WR to the wrong row */
        snprintf(body, sizeof body, "100 0 ACT 0 0 0 1\n%u 0 RD 0 0 0 2 0\n", 100 + t->tRCD);
        log_expect_one(p, 1, body, DRAM_RULE_STATE, 5, 4);
        snprintf(body, sizeof body, "100 0 ACT 0 0 0 1\n%u 0 WR 0 0 0 2 0\n", 100 + t->tRCD);
        log_expect_one(p, 1, body, DRAM_RULE_STATE, 5, 4);
        /* PRE to a closed bank, after a legal ACT/PRE pair */
        snprintf(body, sizeof body, "100 0 ACT 0 0 0 1\n%u 0 PRE 0 0 0\n%u 0 PRE 0 0 0\n",
                 100 + t->tRAS, 100 + t->tRAS + 5);
        log_expect_one(p, 1, body, DRAM_RULE_STATE, 6, 5);
        /* REF with a bank open */
        log_expect_one(p, 1, "100 0 ACT 0 2 3 1\n200 0 REF 0\n", DRAM_RULE_STATE, 5, 4);
        /* order: a command before the previous one of the channel */
        log_expect_one(p, 2, "100 0 ACT 0 0 0 1\n99 0 ACT 1 0 0 1\n", DRAM_RULE_ORDER, 5, 4);
        /* cmdbus: two commands in one cycle, no other rule between them */
        log_expect_one(p, 2, "100 0 ACT 0 0 0 1\n100 0 ACT 1 0 0 1\n", DRAM_RULE_CMDBUS, 5, 4);
        /* whitespace and comments are accepted */
        log_expect_clean(p, 2, "# a comment\n\n 100\t0  ACT 0 0 0 1  \r\n");
    }
}

/* Channels are independent: their lines interleave freely and share no rule. */
static void test_channels(void **state)
{
    (void)state;
    const dram_preset_t *p = dram_preset_find("DDR4-2400");
    dram_org_t o = p->org;
    o.channels = 2;
    char path[64];
    tmp_name(path, sizeof path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    write_header(f, &o, &p->timing);
    fputs("100 0 ACT 0 0 0 1\n"
          "50 1 ACT 0 0 0 1\n"    /* before channel 0's line: channels interleave freely */
          "100 1 ACT 0 1 0 1\n"   /* same cycle as channel 0's ACT: no cmdbus, no tRRD */
          "90 1 ACT 0 0 1 1\n"    /* before line 6 of its own channel: order */
          "117 0 RD 0 0 0 1 0\n"
          "117 1 RD 0 0 0 1 0\n"
          "120 1 RD 0 0 1 1 0\n", f); /* tCCD_L against line 9 only */
    fclose(f);
    dram_check_result_t res;
    got_t got;
    assert_int_equal(run_check(path, &res, &got), 0);
    if (res.violations != 2)
        dump(path, &got);
    assert_int_equal(res.violations, 2);
    assert_int_equal(got.v[0].rule, DRAM_RULE_ORDER);
    assert_int_equal(got.v[0].line, 7);
    assert_int_equal(got.v[0].earlier_line, 6);
    assert_int_equal(got.v[1].rule, DRAM_RULE_tCCD_L);
    assert_int_equal(got.v[1].line, 10);
    assert_int_equal(got.v[1].earlier_line, 9);
    unlink(path);
}

static void test_tREFI(void **state)
{
    (void)state;
    for (int k = 0; k < NPRESETS; k++) {
        const dram_preset_t *p = dram_preset_find(presets[k]);
        uint64_t R = 9ull * p->timing.tREFI;
        char body[512], path[64];
        /* REFs exactly 9 tREFI apart, the end exactly 9 tREFI after the last */
        snprintf(body, sizeof body, "%llu 0 REF 0\n%llu 0 REF 0\n%llu 0 ACT 0 0 0 1\n",
                 (unsigned long long)R, (unsigned long long)(2 * R), (unsigned long long)(3 * R));
        log_expect_clean(p, 1, body);
        /* the first REF one cycle late */
        snprintf(body, sizeof body, "%llu 0 REF 0\n%llu 0 REF 0\n",
                 (unsigned long long)(R + 1), (unsigned long long)(2 * R));
        log_expect_one(p, 1, body, DRAM_RULE_tREFI, 4, 0);
        /* the second REF one cycle late */
        snprintf(body, sizeof body, "%llu 0 REF 0\n%llu 0 REF 0\n",
                 (unsigned long long)R, (unsigned long long)(2 * R + 1));
        log_expect_one(p, 1, body, DRAM_RULE_tREFI, 5, 4);
        /* the log goes one cycle past the deadline with no further REF */
        snprintf(body, sizeof body, "%llu 0 REF 0\n%llu 0 ACT 0 0 0 1\n%llu 0 PRE 0 0 0\n",
                 (unsigned long long)R, (unsigned long long)(2 * R - 100),
                 (unsigned long long)(2 * R + 1));
        log_expect_one(p, 1, body, DRAM_RULE_tREFI, 6, 4);
        /* a rank of two that never refreshes, in a log going past 9 tREFI */
        snprintf(body, sizeof body, "%llu 0 REF 0\n", (unsigned long long)(R + 1));
        body_log(path, sizeof path, p, 2, body);
        dram_check_result_t res;
        got_t got;
        assert_int_equal(run_check(path, &res, &got), 0);
        assert_int_equal(res.by_rule[DRAM_RULE_tREFI], 2); /* rank 0 late, rank 1 never */
        assert_int_equal(res.violations, 2);
        unlink(path);
    }
}

/* ---- (c) malformed logs ---------------------------------------------------- */

#define HDR1 "# migsim dram command log v1\n"
#define ORG "# org channels=1 ranks=1 bankgroups=4 banks_per_group=4 rows=65536 columns=1024\n"
#define TIMING_KEYS "tCK_ps=833 BL=8 tCL=17 tCWL=12 tRCD=17 tRP=17 tRAS=39 tRC=56 tRRD_S=4 " \
    "tRRD_L=6 tFAW=26 tCCD_S=4 tCCD_L=6 tWTR_S=3 tWTR_L=9 tRTP=9 tWR=18 tRFC=420 tREFI=9360 tRTRS=1"
#define TIMING "# timing " TIMING_KEYS "\n"

static void expect_format(const char *text, unsigned line, const char *needle)
{
    char path[64], where[96];
    tmp_name(path, sizeof path);
    write_text(path, text);
    dram_check_result_t res;
    migsim_error_clear();
    int rc = dram_check_file(path, NULL, 0, &res);
    snprintf(where, sizeof where, "%s:%u:", path, line);
    if (rc != MIGSIM_EFORMAT || !strstr(migsim_errmsg(), where) || !strstr(migsim_errmsg(), needle))
        fprintf(stderr, "rc %d, message '%s', wanted '%s' and '%s'\n", rc, migsim_errmsg(), where,
                needle);
    assert_int_equal(rc, MIGSIM_EFORMAT);
    assert_non_null(strstr(migsim_errmsg(), where));
    assert_non_null(strstr(migsim_errmsg(), needle));
    unlink(path);
}

static void test_malformed(void **state)
{
    (void)state;
    expect_format("", 1, "empty");
    expect_format(ORG TIMING "10 0 ACT 0 0 0 1\n", 1, "migsim dram command log v1");
    expect_format("# migsim dram command log v2\n" ORG TIMING, 1, "v1");
    expect_format(HDR1 TIMING "10 0 ACT 0 0 0 1\n", 3, "org");
    expect_format(HDR1 ORG "10 0 ACT 0 0 0 1\n", 3, "timing");
    expect_format(HDR1 ORG, 2, "timing");
    expect_format(HDR1 ORG "# timing " TIMING_KEYS " tXYZ=3\n", 3, "tXYZ");
    expect_format(HDR1 ORG "# timing tCK_ps=833 BL=8\n", 3, "missing");
    expect_format(HDR1 ORG "# timing " TIMING_KEYS " tCL=17\n", 3, "twice");
    expect_format(HDR1 ORG "# timing " TIMING_KEYS " \n# timing " TIMING_KEYS "\n", 4, "second");
    expect_format(HDR1 "# org channels=1 ranks=1 bankgroups=4 banks_per_group=4 rows=65536\n" TIMING,
                  2, "columns");
    expect_format(HDR1 "# org channels=1 ranks=x bankgroups=4 banks_per_group=4 rows=8 columns=8\n" TIMING,
                  2, "ranks");
    expect_format(HDR1 ORG TIMING "10 0 ACT 0 0 0 1\n20 0 FOO 0 0 0\n", 5, "FOO");
    expect_format(HDR1 ORG TIMING "10 0 ACT 0 0 4 1\n", 4, "bank");
    expect_format(HDR1 ORG TIMING "10 0 ACT 0 4 0 1\n", 4, "bank group");
    expect_format(HDR1 ORG TIMING "10 0 ACT 1 0 0 1\n", 4, "rank");
    expect_format(HDR1 ORG TIMING "10 1 ACT 0 0 0 1\n", 4, "channel");
    expect_format(HDR1 ORG TIMING "10 0 ACT 0 0 0 65536\n", 4, "row");
    expect_format(HDR1 ORG TIMING "10 0 ACT 0 0 0 1\n40 0 RD 0 0 0 1 1024\n", 5, "column");
    expect_format(HDR1 ORG TIMING "\n# c\n1x 0 ACT 0 0 0 1\n", 6, "1x");
    expect_format(HDR1 ORG TIMING "10 0 ACT 0 0 -1 1\n", 4, "-1");
    expect_format(HDR1 ORG TIMING "10 0 ACT 0 0 0\n", 4, "ACT");
    expect_format(HDR1 ORG TIMING "10 0 PRE 0 0 0 5\n", 4, "PRE");
    expect_format(HDR1 ORG TIMING "99999999999999999999999 0 REF 0\n", 4, "cycle");
    expect_format(HDR1 ORG TIMING "10 0\n", 4, "expected");

    /* an unreadable file */
    dram_check_result_t res;
    assert_int_equal(dram_check_file("/nonexistent/dir/log", NULL, 0, &res), MIGSIM_EIO);
    assert_non_null(strstr(migsim_errmsg(), "/nonexistent/dir/log"));
}

/* ---- (d) random legal logs from a naive oracle ---------------------------------- */

#define RND_CMDS 8000

/*
 * Naive oracle: the set of rules (bit per dram_rule_t) that command `b` at
 * cycle `c` breaks against every earlier command h[0..n), pair by pair,
 * straight from the rule list. State is not checked here (the generator only
 * proposes state-legal commands). The scan goes backwards and stops at the
 * first command farther away than the largest bound of all rules.
 */
static unsigned oracle(const dram_timing_t *t, const tcmd_t *h, int n, const tcmd_t *b, uint64_t c)
{
    const int64_t bounds[] = { t->tRC, t->tRRD_L, t->tRRD_S, t->tFAW, t->tRCD, t->tRAS, t->tRP,
                               b_ccd_l(t), b_ccd_s(t), b_rtrs_same(t), b_rtrs_rw(t), b_rtrs_wr(t),
                               b_rtw(t), b_wtr_l(t), b_wtr_s(t), t->tRTP, b_wr(t), t->tRFC };
    int64_t reach = 0;
    for (size_t k = 0; k < sizeof bounds / sizeof bounds[0]; k++)
        reach = max64(reach, bounds[k]);
    unsigned bad = 0;
    int acts_in_window = 0;
    for (int j = n - 1; j >= 0; j--) {
        const tcmd_t *a = &h[j];
        int64_t d = (int64_t)c - (int64_t)a->cycle;
        if (d > reach)
            break;
        int rank = a->rk == b->rk;
        int group = rank && a->bg == b->bg;
        int bank = group && a->bk == b->bk;
#define NEED(rule, x) do { if (d < (int64_t)(x)) bad |= 1u << (rule); } while (0)
        if (d < 0)
            bad |= 1u << DRAM_RULE_ORDER;
        if (d == 0)
            bad |= 1u << DRAM_RULE_CMDBUS;
        switch (a->op * 8 + b->op) {
        case OP_ACT * 8 + OP_ACT:
            if (bank) NEED(DRAM_RULE_tRC, t->tRC);
            else if (group) NEED(DRAM_RULE_tRRD_L, t->tRRD_L);
            else if (rank) NEED(DRAM_RULE_tRRD_S, t->tRRD_S);
            if (rank && d < (int64_t)t->tFAW)
                acts_in_window++;
            break;
        case OP_ACT * 8 + OP_RD:
        case OP_ACT * 8 + OP_WR:
            if (bank) NEED(DRAM_RULE_tRCD, t->tRCD);
            break;
        case OP_ACT * 8 + OP_PRE:
            if (bank) NEED(DRAM_RULE_tRAS, t->tRAS);
            break;
        case OP_PRE * 8 + OP_ACT:
            if (bank) NEED(DRAM_RULE_tRP, t->tRP);
            break;
        case OP_PRE * 8 + OP_REF:
            if (rank) NEED(DRAM_RULE_tRP, t->tRP);
            break;
        case OP_RD * 8 + OP_RD:
        case OP_WR * 8 + OP_WR:
            if (group) NEED(DRAM_RULE_tCCD_L, b_ccd_l(t));
            else if (rank) NEED(DRAM_RULE_tCCD_S, b_ccd_s(t));
            else NEED(DRAM_RULE_tRTRS, b_rtrs_same(t));
            break;
        case OP_RD * 8 + OP_WR:
            if (rank) NEED(DRAM_RULE_tRTW, b_rtw(t));
            else NEED(DRAM_RULE_tRTRS, b_rtrs_rw(t));
            break;
        case OP_WR * 8 + OP_RD:
            if (group) NEED(DRAM_RULE_tWTR_L, b_wtr_l(t));
            else if (rank) NEED(DRAM_RULE_tWTR_S, b_wtr_s(t));
            else NEED(DRAM_RULE_tRTRS, b_rtrs_wr(t));
            break;
        case OP_RD * 8 + OP_PRE:
            if (bank) NEED(DRAM_RULE_tRTP, t->tRTP);
            break;
        case OP_WR * 8 + OP_PRE:
            if (bank) NEED(DRAM_RULE_tWR, b_wr(t));
            break;
        case OP_REF * 8 + OP_ACT:
        case OP_REF * 8 + OP_REF:
            if (rank) NEED(DRAM_RULE_tRFC, t->tRFC);
            break;
        default:
            break;
        }
#undef NEED
    }
    if (b->op == OP_ACT && acts_in_window >= 4)
        bad |= 1u << DRAM_RULE_tFAW;
    return bad;
}

/* Generate a legal log of RND_CMDS commands on two ranks; returns the count. */
static int generate(const dram_timing_t *t, uint64_t seed, tcmd_t *h)
{
    enum { RANKS = 2, BGS = 4, BPG = 4 };
    migsim_rng_t rng;
    migsim_rng_seed(&rng, seed);
    int open[RANKS][BGS][BPG];
    unsigned row[RANKS][BGS][BPG];
    uint64_t last_ref[RANKS] = { 0, 0 };
    memset(open, 0, sizeof open);
    int n = 0;
    uint64_t cycle = 50;
    tcmd_t b = { 0, OP_ACT, 0, 0, 0, 0, -1, -1 };
    int pending = 0, tries = 0;
    int *o = NULL;
    while (n < RND_CMDS) {
        cycle++;
        if (!pending) {
            if (migsim_rng_below(&rng, 4) == 0)
                cycle += migsim_rng_below(&rng, 6);
            b.rk = (unsigned)migsim_rng_below(&rng, RANKS);
            b.bg = (unsigned)migsim_rng_below(&rng, BGS);
            b.bk = (unsigned)migsim_rng_below(&rng, BPG);
            int due = cycle - last_ref[b.rk] >= t->tREFI;
            o = &open[b.rk][b.bg][b.bk];
            if (due) {
                int any = 0;
                for (int g = 0; g < BGS; g++)
                    for (int k = 0; k < BPG; k++)
                        if (open[b.rk][g][k]) {
                            any = 1;
                            b.bg = (unsigned)g;
                            b.bk = (unsigned)k;
                        }
                b.op = any ? OP_PRE : OP_REF;
                o = &open[b.rk][b.bg][b.bk];
            } else if (!*o) {
                b.op = OP_ACT;
                b.row = (unsigned)migsim_rng_below(&rng, 64);
            } else {
                uint64_t x = migsim_rng_below(&rng, 10);
                b.op = x < 4 ? OP_RD : x < 8 ? OP_WR : OP_PRE;
                b.row = row[b.rk][b.bg][b.bk];
            }
            pending = 1;
            tries = 0;
        }
        /* a blocked command is retried every cycle, so it lands at its earliest legal cycle */
        if (oracle(t, h, n, &b, cycle)) {
            if (++tries > 64)
                pending = 0;
            continue;
        }
        pending = 0;
        b.cycle = cycle;
        h[n++] = b;
        if (b.op == OP_ACT) {
            *o = 1;
            row[b.rk][b.bg][b.bk] = b.row;
        } else if (b.op == OP_PRE) {
            *o = 0;
        } else if (b.op == OP_REF) {
            last_ref[b.rk] = cycle;
        }
    }
    return n;
}

static void test_random_legal_and_moved(void **state)
{
    (void)state;
    tcmd_t *h = calloc(RND_CMDS, sizeof *h);
    assert_non_null(h);
    for (int k = 0; k < NPRESETS; k++) {
        const dram_preset_t *p = dram_preset_find(presets[k]);
        dram_org_t org = p->org;
        org.ranks = 2;
        for (uint64_t seed = 1; seed <= 2; seed++) {
            int n = generate(&p->timing, seed * 7919 + (uint64_t)k, h);
            char path[64];
            tmp_name(path, sizeof path);
            write_cmds(path, &org, &p->timing, h, n, -1, 0);
            dram_check_result_t res;
            got_t got;
            assert_int_equal(run_check(path, &res, &got), 0);
            if (res.violations)
                dump(path, &got);
            assert_int_equal(res.violations, 0);
            assert_int_equal(res.commands, (uint64_t)n);
            assert_true(res.last_cycle > 2ull * p->timing.tREFI); /* refresh was exercised */

            migsim_rng_t rng;
            migsim_rng_seed(&rng, seed * 31 + (uint64_t)k);
            int illegal = 0, legal = 0;
            for (int trial = 0; trial < 150; trial++) {
                int i = 1 + (int)migsim_rng_below(&rng, (uint64_t)n - 1);
                unsigned want = oracle(&p->timing, h, i, &h[i], h[i].cycle - 1);
                write_cmds(path, &org, &p->timing, h, n, i, h[i].cycle - 1);
                assert_int_equal(run_check(path, &res, &got), 0);
                unsigned gotmask = 0;
                for (int v = 0; v < got.n; v++) {
                    assert_int_equal(got.v[v].line, LINE_OF(i));
                    gotmask |= 1u << got.v[v].rule;
                }
                for (int r = 0; r < DRAM_RULE_COUNT; r++)
                    assert_true(res.by_rule[r] <= 1);
                if (gotmask != want) {
                    fprintf(stderr, "moved line %llu: oracle 0x%x, checker 0x%x\n",
                            (unsigned long long)LINE_OF(i), want, gotmask);
                    dump(path, &got);
                }
                assert_int_equal(gotmask, want);
                if (want)
                    illegal++;
                else
                    legal++;
            }
            assert_true(illegal > 10);
            unlink(path);
        }
    }
    free(h);
}

/* A planted bug: the oracle-driven generator with tRCD shortened by one must be caught. */
static void test_random_planted_bug(void **state)
{
    (void)state;
    tcmd_t *h = calloc(RND_CMDS, sizeof *h);
    assert_non_null(h);
    const dram_preset_t *p = dram_preset_find("DDR4-3200");
    dram_timing_t buggy = p->timing;
    buggy.tRCD--;
    int n = generate(&buggy, 42, h);
    dram_org_t org = p->org;
    org.ranks = 2;
    char path[64];
    tmp_name(path, sizeof path);
    write_cmds(path, &org, &p->timing, h, n, -1, 0);
    dram_check_result_t res;
    got_t got;
    assert_int_equal(run_check(path, &res, &got), 0);
    assert_true(res.by_rule[DRAM_RULE_tRCD] > 0);
    assert_int_equal(res.violations, res.by_rule[DRAM_RULE_tRCD]);
    unlink(path);
    free(h);
}

/* ---- report format and the CLI ----------------------------------------------- */

static void test_report_and_cli(void **state)
{
    (void)state;
    char path[64], out[64];
    tmp_name(path, sizeof path);
    tmp_name(out, sizeof out);
    write_text(path, HDR1 ORG TIMING "100 0 ACT 0 0 0 1\n116 0 RD 0 0 0 1 0\n");
    FILE *rep = fopen(out, "w+");
    assert_non_null(rep);
    dram_check_result_t res;
    assert_int_equal(dram_check_file(path, rep, UINT64_MAX, &res), 0);
    assert_int_equal(res.violations, 1);
    dram_check_print_summary(rep, path, &res);
    rewind(rep);
    char buf[1024];
    size_t got = fread(buf, 1, sizeof buf - 1, rep);
    buf[got] = '\0';
    fclose(rep);
    char want[256];
    snprintf(want, sizeof want, "%s:5: tRCD: 16 cycles after line 4, needs >= 17: 116 0 RD 0 0 0 1 0\n", path);
    assert_non_null(strstr(buf, want));
    assert_non_null(strstr(buf, "1 violation"));
    assert_string_equal(dram_rule_name(DRAM_RULE_tWTR_S), "tWTR_S");
    assert_string_equal(dram_rule_name(DRAM_RULE_COUNT), "?");

#ifdef MIGSIM_CLI
    if (access(MIGSIM_CLI, X_OK) == 0) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "%s dram-check %s > %s 2>&1", MIGSIM_CLI, path, out);
        int st = system(cmd);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
        write_text(path, HDR1 ORG TIMING "100 0 ACT 0 0 0 1\n117 0 RD 0 0 0 1 0\n");
        snprintf(cmd, sizeof cmd, "%s dram-check %s --max-report 5 > %s 2>&1", MIGSIM_CLI, path, out);
        st = system(cmd);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        write_text(path, HDR1 ORG TIMING "100 0 ACT 0 0 0 1\n117 0 XX 0 0 0 1 0\n");
        snprintf(cmd, sizeof cmd, "%s dram-check %s > %s 2>&1", MIGSIM_CLI, path, out);
        st = system(cmd);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
        FILE *f = fopen(out, "r");
        assert_non_null(f);
        got = fread(buf, 1, sizeof buf - 1, f);
        buf[got] = '\0';
        fclose(f);
        snprintf(want, sizeof want, "%s:5:", path);
        assert_non_null(strstr(buf, want));
    }
#endif
    unlink(path);
    unlink(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_min_sequence_clean),
        cmocka_unit_test(test_min_sequence_each_probe_early),
        cmocka_unit_test(test_tRC),
        cmocka_unit_test(test_prea),
        cmocka_unit_test(test_peer_forms),
        cmocka_unit_test(test_tRTRS_write_to_read),
        cmocka_unit_test(test_state_order_cmdbus),
        cmocka_unit_test(test_channels),
        cmocka_unit_test(test_tREFI),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_random_legal_and_moved),
        cmocka_unit_test(test_random_planted_bug),
        cmocka_unit_test(test_report_and_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
