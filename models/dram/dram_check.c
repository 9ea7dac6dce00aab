/*
 * dram_check.c - independent checker of the DDR4 command log (format v1,
 * models/dram/CMDLOG.md) against the JEDEC JESD79-4 timing and state rules.
 *
 * Each command is checked rule by rule against the history of earlier
 * commands: per bank the most recent ACT, RD, WR and PRE; per bank group the
 * most recent ACT, RD, WR; per rank the most recent RD, WR, PRE, REF and the
 * last four ACTs. For every rule the binding earlier command is the one that
 * makes the constraint tightest (largest cycle(A) + bound); at most one
 * violation per rule is reported for a command. Nothing here is shared with
 * the scheduler in dram.c.
 *
 * Hot path: one pass over the stream, a hand-written tokenizer on a 1 MiB
 * read buffer, a fixed number of history look-ups per command (loops bounded
 * by banks per group, bank groups and ranks, each at most 8). No allocation
 * after the header.
 */
#include "dram/dram_check.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "migsim/errors.h"

/* ---- rule names ------------------------------------------------------------ */

static const char *const dram_rule_names[DRAM_RULE_COUNT] = {
    [DRAM_RULE_STATE] = "state",   [DRAM_RULE_ORDER] = "order",
    [DRAM_RULE_CMDBUS] = "cmdbus", [DRAM_RULE_tRCD] = "tRCD",
    [DRAM_RULE_tRAS] = "tRAS",     [DRAM_RULE_tRC] = "tRC",
    [DRAM_RULE_tRP] = "tRP",       [DRAM_RULE_tRRD_L] = "tRRD_L",
    [DRAM_RULE_tRRD_S] = "tRRD_S", [DRAM_RULE_tFAW] = "tFAW",
    [DRAM_RULE_tCCD_L] = "tCCD_L", [DRAM_RULE_tCCD_S] = "tCCD_S",
    [DRAM_RULE_tRTRS] = "tRTRS",   [DRAM_RULE_tRTW] = "tRTW",
    [DRAM_RULE_tWTR_L] = "tWTR_L", [DRAM_RULE_tWTR_S] = "tWTR_S",
    [DRAM_RULE_tRTP] = "tRTP",     [DRAM_RULE_tWR] = "tWR",
    [DRAM_RULE_tRFC] = "tRFC",     [DRAM_RULE_tREFI] = "tREFI",
};

const char *dram_rule_name(dram_rule_t rule)
{
    if ((unsigned)rule >= DRAM_RULE_COUNT)
        return "?";
    return dram_rule_names[rule];
}

/* ---- history ----------------------------------------------------------------- */

/* One earlier command: where and when. */
typedef struct ck_rec_s {
    uint64_t cycle; /* DRAM cycle of the command */
    uint64_t line;  /* its line, 1-based; 0 = no such command yet */
} ck_rec_t;

typedef struct ck_bank_s {
    ck_rec_t act, rd, wr, pre; /* most recent of each, this bank */
    uint32_t row;              /* open row; meaningful when open */
    uint8_t open;              /* 1 after ACT, 0 after PRE */
} ck_bank_t;

typedef struct ck_group_s {
    ck_rec_t act, rd, wr; /* most recent of each, any bank of the group */
} ck_group_t;

typedef struct ck_rank_s {
    ck_rec_t rd, wr, pre, ref; /* most recent of each, any bank of the rank */
    ck_rec_t faw[4];           /* the last four ACTs, ring indexed by n_act % 4 */
    uint64_t n_act;            /* ACTs seen in this rank */
} ck_rank_t;

typedef struct ck_chan_s {
    ck_rec_t last; /* command with the largest cycle so far */
} ck_chan_t;

/* Record a command if it is the most recent one (largest cycle, later line on ties). */
static void ck_rec_put(ck_rec_t *r, uint64_t cycle, uint64_t line)
{
    if (r->line == 0 || cycle >= r->cycle) {
        r->cycle = cycle;
        r->line = line;
    }
}

/* The binding earlier command of one rule for the current command. */
typedef struct ck_need_s {
    uint64_t line;     /* earlier command; 0 = none */
    uint64_t cycle;    /* its cycle */
    int64_t required;  /* minimum distance it imposes */
} ck_need_t;

/* Consider earlier command `a` imposing distance >= required; keep the tightest. */
static void ck_need(ck_need_t *n, const ck_rec_t *a, int64_t required)
{
    if (a->line == 0 || required < 0)
        return;
    if (n->line == 0 || (int64_t)a->cycle + required > (int64_t)n->cycle + n->required ||
        ((int64_t)a->cycle + required == (int64_t)n->cycle + n->required && a->line > n->line)) {
        n->line = a->line;
        n->cycle = a->cycle;
        n->required = required;
    }
}

/* ---- the checker ------------------------------------------------------------ */

typedef enum { CK_ACT, CK_RD, CK_WR, CK_PRE, CK_REF, CK_PREA } ck_op_t;

typedef struct ck_s {
    const char *name;              /* input name for messages; borrowed */
    const dram_check_opts_t *opts; /* borrowed */
    dram_check_result_t *res;      /* borrowed */
    uint64_t reported;             /* violations printed so far */
    dram_org_t org;
    dram_timing_t t;
    /* derived bounds, cycles */
    int64_t tBL, ccd_l, ccd_s, rtrs_rr, rtrs_ww, rtrs_rw, rtrs_wr, rtw, wtr_l, wtr_s, wr_pre, refi_max;
    ck_chan_t *chan;   /* [channels]; owned */
    uint32_t peer_ch;  /* channel of the last peer command line that named one (DRAMSim3
                          writes -1 as a refresh's channel: its log is one channel's) */
    ck_rank_t *rank;   /* [channels * ranks]; owned */
    ck_group_t *group; /* [channels * ranks * bankgroups]; owned */
    ck_bank_t *bank;   /* [channels * ranks * bankgroups * banks_per_group]; owned */
    uint64_t max_line; /* line of the command with the largest cycle */
    /* the current command */
    uint64_t line;
    const char *text;
    uint64_t cycle;
} ck_t;

static void ck_emit(ck_t *ck, dram_rule_t rule, uint64_t earlier_line, int64_t required,
                    int64_t actual, const char *detail)
{
    dram_check_result_t *res = ck->res;
    dram_violation_t v = {
        .rule = rule, .line = ck->line, .text = ck->text, .cycle = ck->cycle,
        .earlier_line = earlier_line, .required = required, .actual = actual, .detail = detail,
    };
    res->violations++;
    res->by_rule[rule]++;
    if (res->first_line[rule] == 0)
        res->first_line[rule] = ck->line;
    if (ck->opts->on_violation)
        ck->opts->on_violation(&v, ck->opts->arg);
    if (ck->opts->report && ck->reported < ck->opts->max_reported) {
        ck->reported++;
        dram_check_print_violation(ck->opts->report, ck->name, &v);
    }
}

/* Report `rule` if the current command comes earlier than the binding need allows. */
static void ck_flush(ck_t *ck, dram_rule_t rule, const ck_need_t *n)
{
    if (n->line == 0)
        return;
    int64_t actual = (int64_t)ck->cycle - (int64_t)n->cycle;
    if (actual < n->required)
        ck_emit(ck, rule, n->line, n->required, actual, NULL);
}

/* Check one rule against a single earlier command. */
static void ck_one(ck_t *ck, dram_rule_t rule, const ck_rec_t *a, int64_t required)
{
    ck_need_t n = { 0, 0, 0 };
    ck_need(&n, a, required);
    ck_flush(ck, rule, &n);
}

static int64_t ck_max64(int64_t a, int64_t b) { return a > b ? a : b; }

static void ck_derive(ck_t *ck)
{
    const dram_timing_t *t = &ck->t;
    int64_t tBL = dram_tBL(t);
    ck->tBL = tBL;
    ck->ccd_l = ck_max64(t->tCCD_L, tBL);
    ck->ccd_s = ck_max64(t->tCCD_S, tBL);
    ck->rtrs_rr = tBL + t->tRTRS;
    ck->rtrs_ww = tBL + t->tRTRS;
    ck->rtrs_rw = (int64_t)t->tCL + tBL + t->tRTRS - t->tCWL;
    ck->rtrs_wr = (int64_t)t->tCWL + tBL + t->tRTRS - t->tCL;
    ck->rtw = (int64_t)t->tCL + tBL + 2 - t->tCWL;
    ck->wtr_l = (int64_t)t->tCWL + tBL + t->tWTR_L;
    ck->wtr_s = (int64_t)t->tCWL + tBL + t->tWTR_S;
    ck->wr_pre = (int64_t)t->tCWL + tBL + t->tWR;
    ck->refi_max = 9 * (int64_t)t->tREFI;
}

/*
 * Check and record one command (ck->line, ck->text, ck->cycle are set). A
 * command that goes back in time (an order violation) gets only the state
 * check: its distances to earlier commands are meaningless.
 */
static void ck_command(ck_t *ck, ck_op_t op, uint32_t ch, uint32_t rk, uint32_t bg,
                       uint32_t bk, uint32_t row)
{
    const dram_org_t *o = &ck->org;
    const dram_timing_t *t = &ck->t;
    ck_chan_t *c = &ck->chan[ch];
    size_t rank_i = (size_t)ch * o->ranks + rk;
    ck_rank_t *r = &ck->rank[rank_i];
    ck_group_t *groups = &ck->group[rank_i * o->bankgroups]; /* this rank's groups */
    ck_group_t *g = &groups[bg];
    ck_bank_t *banks = &ck->bank[rank_i * o->bankgroups * o->banks_per_group]; /* this rank's */
    ck_bank_t *b = &banks[(size_t)bg * o->banks_per_group + bk];
    uint64_t cyc = ck->cycle, line = ck->line;
    int timing = 1;

    /* order and cmdbus: against the latest command of the channel */
    if (c->last.line) {
        if (cyc < c->last.cycle) {
            ck_emit(ck, DRAM_RULE_ORDER, c->last.line, 0,
                    (int64_t)cyc - (int64_t)c->last.cycle, NULL);
            timing = 0;
        } else if (cyc == c->last.cycle) {
            ck_emit(ck, DRAM_RULE_CMDBUS, c->last.line, 1, 0, NULL);
        }
    }

    switch (op) {
    case CK_ACT: {
        if (b->open)
            ck_emit(ck, DRAM_RULE_STATE, b->act.line, 0, 0, "ACT to an open bank");
        if (timing) {
            ck_one(ck, DRAM_RULE_tRC, &b->act, t->tRC);
            ck_one(ck, DRAM_RULE_tRP, &b->pre, t->tRP);
            ck_need_t n = { 0, 0, 0 };
            for (uint32_t i = 0; i < o->banks_per_group; i++)
                if (i != bk)
                    ck_need(&n, &banks[(size_t)bg * o->banks_per_group + i].act, t->tRRD_L);
            ck_flush(ck, DRAM_RULE_tRRD_L, &n);
            n = (ck_need_t){ 0, 0, 0 };
            for (uint32_t i = 0; i < o->bankgroups; i++)
                if (i != bg)
                    ck_need(&n, &groups[i].act, t->tRRD_S);
            ck_flush(ck, DRAM_RULE_tRRD_S, &n);
            if (r->n_act >= 4)
                ck_one(ck, DRAM_RULE_tFAW, &r->faw[r->n_act % 4], t->tFAW);
            ck_one(ck, DRAM_RULE_tRFC, &r->ref, t->tRFC);
        }
        b->open = 1;
        b->row = row;
        ck_rec_put(&b->act, cyc, line);
        ck_rec_put(&g->act, cyc, line);
        r->faw[r->n_act % 4] = (ck_rec_t){ cyc, line };
        r->n_act++;
        break;
    }
    case CK_RD:
    case CK_WR: {
        int rd = op == CK_RD;
        if (!b->open)
            ck_emit(ck, DRAM_RULE_STATE, b->pre.line, 0, 0,
                    rd ? "RD to a closed bank" : "WR to a closed bank");
        else if (b->row != row)
            ck_emit(ck, DRAM_RULE_STATE, b->act.line, 0, 0,
                    rd ? "RD to a row that is not open" : "WR to a row that is not open");
        if (timing) {
            ck_one(ck, DRAM_RULE_tRCD, &b->act, t->tRCD);
            /* same command type, same rank */
            ck_one(ck, DRAM_RULE_tCCD_L, rd ? &g->rd : &g->wr, ck->ccd_l);
            ck_need_t n = { 0, 0, 0 };
            for (uint32_t i = 0; i < o->bankgroups; i++)
                if (i != bg)
                    ck_need(&n, rd ? &groups[i].rd : &groups[i].wr, ck->ccd_s);
            ck_flush(ck, DRAM_RULE_tCCD_S, &n);
            /* other ranks of the channel */
            n = (ck_need_t){ 0, 0, 0 };
            for (uint32_t i = 0; i < o->ranks; i++) {
                if (i == rk)
                    continue;
                const ck_rank_t *other = &ck->rank[(size_t)ch * o->ranks + i];
                if (rd) {
                    ck_need(&n, &other->rd, ck->rtrs_rr);
                    ck_need(&n, &other->wr, ck->rtrs_wr);
                } else {
                    ck_need(&n, &other->wr, ck->rtrs_ww);
                    ck_need(&n, &other->rd, ck->rtrs_rw);
                }
            }
            ck_flush(ck, DRAM_RULE_tRTRS, &n);
            if (rd) {
                ck_one(ck, DRAM_RULE_tWTR_L, &g->wr, ck->wtr_l);
                n = (ck_need_t){ 0, 0, 0 };
                for (uint32_t i = 0; i < o->bankgroups; i++)
                    if (i != bg)
                        ck_need(&n, &groups[i].wr, ck->wtr_s);
                ck_flush(ck, DRAM_RULE_tWTR_S, &n);
            } else {
                ck_one(ck, DRAM_RULE_tRTW, &r->rd, ck->rtw);
            }
        }
        if (rd) {
            ck_rec_put(&b->rd, cyc, line);
            ck_rec_put(&g->rd, cyc, line);
            ck_rec_put(&r->rd, cyc, line);
        } else {
            ck_rec_put(&b->wr, cyc, line);
            ck_rec_put(&g->wr, cyc, line);
            ck_rec_put(&r->wr, cyc, line);
        }
        break;
    }
    case CK_PRE:
        if (!b->open)
            ck_emit(ck, DRAM_RULE_STATE, b->pre.line, 0, 0, "PRE to a closed bank");
        if (timing) {
            ck_one(ck, DRAM_RULE_tRAS, &b->act, t->tRAS);
            ck_one(ck, DRAM_RULE_tRTP, &b->rd, t->tRTP);
            ck_one(ck, DRAM_RULE_tWR, &b->wr, ck->wr_pre);
        }
        b->open = 0;
        ck_rec_put(&b->pre, cyc, line);
        ck_rec_put(&r->pre, cyc, line);
        break;
    case CK_PREA: {
        /*
         * Precharge all banks of the rank: each open bank is precharged as by
         * PRE (its tRAS, tRTP and tWR apply); a bank already closed is left
         * alone (JESD79-4: PREA to an idle bank is allowed), so no state rule.
         */
        size_t nb = (size_t)o->bankgroups * o->banks_per_group;
        if (timing) {
            ck_need_t ras = { 0, 0, 0 }, rtp = { 0, 0, 0 }, wr = { 0, 0, 0 };
            for (size_t i = 0; i < nb; i++) {
                if (!banks[i].open)
                    continue;
                ck_need(&ras, &banks[i].act, t->tRAS);
                ck_need(&rtp, &banks[i].rd, t->tRTP);
                ck_need(&wr, &banks[i].wr, ck->wr_pre);
            }
            ck_flush(ck, DRAM_RULE_tRAS, &ras);
            ck_flush(ck, DRAM_RULE_tRTP, &rtp);
            ck_flush(ck, DRAM_RULE_tWR, &wr);
        }
        for (size_t i = 0; i < nb; i++) {
            if (banks[i].open) {
                banks[i].open = 0;
                ck_rec_put(&banks[i].pre, cyc, line);
            }
        }
        ck_rec_put(&r->pre, cyc, line);
        break;
    }
    case CK_REF: {
        size_t nb = (size_t)o->bankgroups * o->banks_per_group;
        for (size_t i = 0; i < nb; i++) {
            if (banks[i].open) {
                ck_emit(ck, DRAM_RULE_STATE, banks[i].act.line, 0, 0, "REF with a bank open");
                break;
            }
        }
        if (timing) {
            ck_one(ck, DRAM_RULE_tRP, &r->pre, t->tRP);
            ck_one(ck, DRAM_RULE_tRFC, &r->ref, t->tRFC);
            uint64_t since = r->ref.line ? r->ref.cycle : 0;
            int64_t dist = (int64_t)(cyc - since);
            if (dist > ck->refi_max)
                ck_emit(ck, DRAM_RULE_tREFI, r->ref.line, ck->refi_max, dist, NULL);
        }
        ck_rec_put(&r->ref, cyc, line);
        break;
    }
    }

    ck_rec_put(&c->last, cyc, line);
    if (ck->res->commands == 0 || cyc >= ck->res->last_cycle) {
        ck->res->last_cycle = cyc;
        ck->max_line = line;
    }
    ck->res->commands++;
}

/* End of log: every rank must have refreshed within 9 * tREFI of the last cycle. */
static void ck_finish(ck_t *ck)
{
    if (ck->res->commands == 0)
        return;
    uint64_t end = ck->res->last_cycle;
    ck->line = ck->max_line;
    ck->text = "end of log";
    ck->cycle = end;
    size_t nr = (size_t)ck->org.channels * ck->org.ranks;
    for (size_t i = 0; i < nr; i++) {
        const ck_rank_t *r = &ck->rank[i];
        uint64_t since = r->ref.line ? r->ref.cycle : 0;
        if (since > end)
            continue;
        int64_t dist = (int64_t)(end - since);
        if (dist > ck->refi_max)
            ck_emit(ck, DRAM_RULE_tREFI, r->ref.line, ck->refi_max, dist, NULL);
    }
}

/* ---- line reader ------------------------------------------------------------ */

#define CK_BUF_BYTES (1u << 20)

typedef struct ck_reader_s {
    FILE *in;     /* borrowed */
    char *buf;    /* owned, CK_BUF_BYTES + 1 */
    size_t start; /* first unread byte */
    size_t end;   /* one past the last valid byte */
    int eof;      /* the stream has ended */
} ck_reader_t;

/* Next line, NUL-terminated in place, without "\n" or "\r\n". 1: a line; 0: end; <0: error. */
static int ck_next_line(ck_reader_t *rd, const char *name, uint64_t lineno, char **out, size_t *len)
{
    for (;;) {
        char *s = rd->buf + rd->start;
        char *nl = memchr(s, '\n', rd->end - rd->start);
        if (nl || (rd->eof && rd->start < rd->end)) {
            char *e = nl ? nl : rd->buf + rd->end;
            rd->start = (size_t)(e - rd->buf) + (nl ? 1 : 0);
            if (e > s && e[-1] == '\r')
                e--;
            *e = '\0';
            *out = s;
            *len = (size_t)(e - s);
            return 1;
        }
        if (rd->eof)
            return 0;
        if (rd->start > 0) {
            memmove(rd->buf, rd->buf + rd->start, rd->end - rd->start);
            rd->end -= rd->start;
            rd->start = 0;
        }
        if (rd->end == CK_BUF_BYTES)
            return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": line longer than %u bytes",
                                name, lineno, CK_BUF_BYTES);
        size_t got = fread(rd->buf + rd->end, 1, CK_BUF_BYTES - rd->end, rd->in);
        rd->end += got;
        if (got == 0) {
            if (ferror(rd->in))
                return migsim_error(MIGSIM_EIO, "%s:%" PRIu64 ": read error: %s", name, lineno,
                                    strerror(errno));
            rd->eof = 1;
        }
    }
}

/* ---- tokens and numbers ----------------------------------------------------- */

static int ck_space(char c) { return c == ' ' || c == '\t'; }

/* Next whitespace-separated token from *p; 0 when none is left. */
static int ck_token(const char **p, const char **tok, size_t *len)
{
    const char *s = *p;
    while (ck_space(*s))
        s++;
    if (*s == '\0') {
        *p = s;
        return 0;
    }
    const char *e = s;
    while (*e && !ck_space(*e))
        e++;
    *tok = s;
    *len = (size_t)(e - s);
    *p = e;
    return 1;
}

/* Unsigned decimal, no sign, at most `max`. 0 on success, -1 not a number, -2 too large. */
static int ck_number(const char *s, size_t n, uint64_t max, uint64_t *v)
{
    uint64_t x = 0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9)
            return -1;
        if (x > (max - d) / 10)
            return -2;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

static int ck_tok_is(const char *tok, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(tok, word, len) == 0;
}

/* ---- header ----------------------------------------------------------------- */

typedef struct ck_key_s {
    const char *key;
    size_t off;    /* offset of the uint32_t field */
    uint32_t min;  /* smallest accepted value */
    uint32_t max;  /* largest accepted value */
} ck_key_t;

#define ORG_KEY(f, lo, hi) { #f, offsetof(dram_org_t, f), lo, hi }
static const ck_key_t ck_org_keys[] = {
    ORG_KEY(channels, 1, 16),       ORG_KEY(ranks, 1, 8),
    ORG_KEY(bankgroups, 1, 8),      ORG_KEY(banks_per_group, 1, 8),
    ORG_KEY(rows, 1, UINT32_MAX),   ORG_KEY(columns, 1, UINT32_MAX),
};
#undef ORG_KEY

#define TIM_KEY(f, lo) { #f, offsetof(dram_timing_t, f), lo, UINT32_MAX }
static const ck_key_t ck_timing_keys[] = {
    TIM_KEY(tCK_ps, 1), TIM_KEY(BL, 2),     TIM_KEY(tCL, 0),    TIM_KEY(tCWL, 0),
    TIM_KEY(tRCD, 0),   TIM_KEY(tRP, 0),    TIM_KEY(tRAS, 0),   TIM_KEY(tRC, 0),
    TIM_KEY(tRRD_S, 0), TIM_KEY(tRRD_L, 0), TIM_KEY(tFAW, 0),   TIM_KEY(tCCD_S, 0),
    TIM_KEY(tCCD_L, 0), TIM_KEY(tWTR_S, 0), TIM_KEY(tWTR_L, 0), TIM_KEY(tRTP, 0),
    TIM_KEY(tWR, 0),    TIM_KEY(tRFC, 0),   TIM_KEY(tREFI, 1),  TIM_KEY(tRTRS, 0),
};
#undef TIM_KEY

#define CK_NKEYS(a) (sizeof(a) / sizeof((a)[0]))

/* Parse "key=value ..." after the header word into the struct at `dst`. */
static int ck_header_keys(const char *p, const char *what, const ck_key_t *keys, size_t nkeys,
                          void *dst, const char *name, uint64_t line)
{
    uint32_t seen = 0;
    const char *tok;
    size_t len;
    while (ck_token(&p, &tok, &len)) {
        const char *eq = memchr(tok, '=', len);
        if (!eq)
            return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": %s header: expected key=value, got '%.*s'",
                                name, line, what, (int)len, tok);
        size_t klen = (size_t)(eq - tok);
        size_t k;
        for (k = 0; k < nkeys; k++)
            if (ck_tok_is(tok, klen, keys[k].key))
                break;
        if (k == nkeys)
            return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": %s header: unknown key '%.*s'",
                                name, line, what, (int)klen, tok);
        if (seen & (1u << k))
            return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": %s header: key '%s' given twice",
                                name, line, what, keys[k].key);
        uint64_t v;
        int rc = ck_number(eq + 1, len - klen - 1, UINT32_MAX, &v);
        if (rc < 0)
            return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": %s header: %s='%.*s' is not an unsigned decimal number%s",
                                name, line, what, keys[k].key, (int)(len - klen - 1), eq + 1,
                                rc == -2 ? " below 2^32" : "");
        if (v < keys[k].min || v > keys[k].max)
            return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": %s header: %s=%" PRIu64 " out of range [%u, %u]",
                                name, line, what, keys[k].key, v, keys[k].min, keys[k].max);
        if (strcmp(keys[k].key, "BL") == 0 && (v & 1))
            return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": %s header: BL=%" PRIu64 " is odd",
                                name, line, what, v);
        *(uint32_t *)((char *)dst + keys[k].off) = (uint32_t)v;
        seen |= 1u << k;
    }
    for (size_t k = 0; k < nkeys; k++)
        if (!(seen & (1u << k)))
            return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": %s header: key '%s' missing",
                                name, line, what, keys[k].key);
    return 0;
}


/* ---- command lines of the peers (DRAMSim3, Ramulator 2) -------------------------- */

/* A peer's field: optional '-', then decimal or 0x hex. 0 on success, -1 otherwise. */
static int ck_peer_number(const char *s, size_t n, int64_t *v)
{
    int neg = n > 0 && s[0] == '-';
    s += neg;
    n -= (size_t)neg;
    int hex = n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    if (hex) {
        s += 2;
        n -= 2;
    }
    if (n == 0 || n > 15)
        return -1;
    int64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return -1;
        x = x * (hex ? 16 : 10) + d;
    }
    *v = neg ? -x : x;
    return 0;
}

typedef struct ck_peer_cmd_s {
    const char *word;  /* the peer's command name */
    int op;            /* ck_op_t, or -1: a command the checker does not model */
} ck_peer_cmd_t;

/* DRAMSim3 (built with CMD_TRACE): "<cycle> <command> <ch> <rank> <bg> <bank> <row> <col>". */
static const ck_peer_cmd_t ck_dramsim3_cmds[] = {
    { "activate", CK_ACT }, { "read", CK_RD }, { "write", CK_WR }, { "precharge", CK_PRE },
    { "refresh", CK_REF }, { "read_p", -1 }, { "write_p", -1 }, { "refresh_bank", -1 },
    { "self_refresh_enter", -1 }, { "self_refresh_exit", -1 }, { NULL, 0 },
};
/* Ramulator 2's CmdTraceRecorder: "<clock>,<command>,<ch>,<rank>,<bg>,<bank>,<row>,<col>,...". */
static const ck_peer_cmd_t ck_ramulator2_cmds[] = {
    { "ACT", CK_ACT }, { "RD", CK_RD }, { "WR", CK_WR }, { "PREpb", CK_PRE },
    { "PREab", CK_PREA }, { "REFab", CK_REF }, { "RDA", -1 }, { "WRA", -1 }, { NULL, 0 },
};

/*
 * A command line in a peer's form (see CMDLOG.md): `tok` holds its first nf
 * fields (commas already read as blanks for Ramulator's); fields not needed
 * by the command (-1 in the peers' logs) are not read.
 */
static int ck_parse_peer(ck_t *ck, const ck_peer_cmd_t *tab, const char *peer,
                         const char *const *tok, const size_t *len, size_t nf)
{
    const char *name = ck->name;
    uint64_t line = ck->line;
    const ck_peer_cmd_t *c = tab;
    while (c->word && !ck_tok_is(tok[1], len[1], c->word))
        c++;
    if (!c->word || c->op < 0)
        return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": %s command '%.*s' %s", name, line,
                            peer, (int)len[1], tok[1],
                            c->word ? "is not checked (auto-precharge, per-bank refresh and "
                                      "self refresh are not modelled)" : "is unknown");
    ck_op_t op = (ck_op_t)c->op;
    size_t want = op == CK_REF || op == CK_PREA ? 4 : op == CK_PRE ? 6 : 7;
    if (nf < want)
        return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": %s %.*s needs %zu fields, got %zu",
                            name, line, peer, (int)len[1], tok[1], want, nf);
    const dram_org_t *o = &ck->org;
    static const char *const what[] = { "cycle", "", "channel", "rank", "bank group", "bank",
                                        "row" };
    const uint64_t lim[] = { UINT64_C(1) << 62, 0, o->channels, o->ranks, o->bankgroups,
                             o->banks_per_group, o->rows };
    int64_t v[7] = { 0 };
    for (size_t i = 0; i < want; i++) {
        if (i == 1)
            continue;
        if (ck_peer_number(tok[i], len[i], &v[i]) < 0)
            return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": %s '%.*s' is not a number",
                                name, line, what[i], (int)len[i], tok[i]);
        if (i == 2 && v[i] == -1)
            v[i] = ck->peer_ch; /* the log's own channel */
        if (v[i] < 0 || (uint64_t)v[i] >= lim[i])
            return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": %s %" PRId64 " out of range",
                                name, line, what[i], v[i]);
    }
    ck->cycle = (uint64_t)v[0];
    ck->peer_ch = (uint32_t)v[2];
    ck_command(ck, op, (uint32_t)v[2], (uint32_t)v[3], (uint32_t)v[4], (uint32_t)v[5],
               (uint32_t)v[6]);
    return 0;
}

/*
 * A line that is not a v1 command: Ramulator's CSV (its "clock,command,..."
 * title is skipped) or DRAMSim3's (a command word after the cycle). 1 if it
 * was one of them (checked), 0 if neither, < 0 on a format error.
 */
static int ck_try_peer(ck_t *ck, const char *s)
{
    const char *tok[10];
    size_t len[10], nf = 0;
    if (strchr(s, ',')) {
        char buf[256];
        size_t n = strlen(s);
        if (n >= sizeof buf)
            return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": line too long", ck->name,
                                ck->line);
        for (size_t i = 0; i <= n; i++)
            buf[i] = s[i] == ',' ? ' ' : s[i];
        if (strncmp(buf, "clock command", 13) == 0)
            return 1;
        const char *p = buf;
        while (nf < 10 && ck_token(&p, &tok[nf], &len[nf]))
            nf++;
        return nf >= 2 ? ck_parse_peer(ck, ck_ramulator2_cmds, "Ramulator", tok, len, nf) == 0
                             ? 1 : -1
                       : 0;
    }
    const char *p = s;
    while (nf < 10 && ck_token(&p, &tok[nf], &len[nf]))
        nf++;
    if (nf < 2 || !((tok[1][0] | 0x20) >= 'a' && (tok[1][0] | 0x20) <= 'z') ||
        (tok[1][0] >= 'A' && tok[1][0] <= 'Z'))
        return 0;
    return ck_parse_peer(ck, ck_dramsim3_cmds, "DRAMSim3", tok, len, nf) == 0 ? 1 : -1;
}

/* ---- command lines ---------------------------------------------------------- */

static const char *const ck_field_names[] = { "cycle", "channel", "command", "rank",
                                              "bank group", "bank", "row", "column" };

static int ck_parse_command(ck_t *ck, const char *s)
{
    const char *name = ck->name;
    uint64_t line = ck->line;
    int peer = ck_try_peer(ck, s);
    if (peer)
        return peer < 0 ? MIGSIM_EFORMAT : 0;
    const char *tok[9];
    size_t len[9];
    size_t nf = 0;
    const char *p = s;
    while (nf < 9 && ck_token(&p, &tok[nf], &len[nf]))
        nf++;
    if (nf < 3)
        return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": expected '<cycle> <channel> ACT|RD|WR|PRE|PREA|REF ...'",
                            name, line);
    ck_op_t op;
    size_t want;
    if (ck_tok_is(tok[2], len[2], "ACT")) {
        op = CK_ACT;
        want = 7;
    } else if (ck_tok_is(tok[2], len[2], "RD")) {
        op = CK_RD;
        want = 8;
    } else if (ck_tok_is(tok[2], len[2], "WR")) {
        op = CK_WR;
        want = 8;
    } else if (ck_tok_is(tok[2], len[2], "PRE")) {
        op = CK_PRE;
        want = 6;
    } else if (ck_tok_is(tok[2], len[2], "REF")) {
        op = CK_REF;
        want = 4;
    } else if (ck_tok_is(tok[2], len[2], "PREA")) {
        op = CK_PREA;
        want = 4;
    } else {
        return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": unknown command '%.*s' (expected ACT, RD, WR, PRE, PREA or REF)",
                            name, line, (int)len[2], tok[2]);
    }
    if (nf != want)
        return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": %.*s takes %zu fields, got %s%zu",
                            name, line, (int)len[2], tok[2], want, nf > want ? "more than " : "",
                            nf > want ? want : nf);

    /* numeric fields: index into tok[] -> value, with the org limit */
    const dram_org_t *o = &ck->org;
    uint64_t v[8] = { 0 };
    uint64_t lim[8] = { UINT64_MAX, o->channels, 0, o->ranks, o->bankgroups, o->banks_per_group,
                        o->rows, o->columns };
    const char *const lim_key[8] = { "", "channels", "", "ranks", "bankgroups", "banks_per_group",
                                     "rows", "columns" };
    for (size_t i = 0; i < want; i++) {
        if (i == 2)
            continue;
        uint64_t max = i == 0 ? (UINT64_C(1) << 62) : UINT32_MAX;
        int rc = ck_number(tok[i], len[i], max, &v[i]);
        if (rc < 0)
            return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": %s '%.*s' is not an unsigned decimal number%s",
                                name, line, ck_field_names[i], (int)len[i], tok[i],
                                rc == -2 ? " in range" : "");
        if (i > 0 && v[i] >= lim[i])
            return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": %s %" PRIu64 " out of range (%s=%" PRIu64 ")",
                                name, line, ck_field_names[i], v[i], lim_key[i], lim[i]);
    }
    ck->cycle = v[0];
    ck_command(ck, op, (uint32_t)v[1], (uint32_t)v[3], (uint32_t)v[4], (uint32_t)v[5],
               (uint32_t)v[6]);
    return 0;
}

/* ---- driver ----------------------------------------------------------------- */

#define CK_MAGIC "migsim dram command log v1"

static int ck_alloc(ck_t *ck)
{
    const dram_org_t *o = &ck->org;
    size_t nch = o->channels;
    size_t nrk = nch * o->ranks;
    size_t ngr = nrk * o->bankgroups;
    size_t nbk = ngr * o->banks_per_group;
    ck->chan = calloc(nch, sizeof *ck->chan);
    ck->rank = calloc(nrk, sizeof *ck->rank);
    ck->group = calloc(ngr, sizeof *ck->group);
    ck->bank = calloc(nbk, sizeof *ck->bank);
    if (!ck->chan || !ck->rank || !ck->group || !ck->bank)
        return migsim_error(MIGSIM_ENOMEM, "%s: out of memory for %zu banks", ck->name, nbk);
    return 0;
}

static int ck_run(ck_t *ck, ck_reader_t *rd)
{
    const char *name = ck->name;
    dram_check_result_t *res = ck->res;
    int have_org = 0, have_timing = 0;
    char *s = NULL;
    size_t len = 0;
    int rc;

    while ((rc = ck_next_line(rd, name, res->lines + 1, &s, &len)) == 1) {
        uint64_t line = ++res->lines;
        const char *p = s;
        while (ck_space(*p))
            p++;
        if (line == 1) {
            const char *q = p;
            const char *tok;
            size_t tl;
            int ok = *q == '#';
            if (ok) {
                q++;
                /* compare the words after '#' with the magic, whitespace-insensitively */
                const char *m = CK_MAGIC;
                while (ok && ck_token(&q, &tok, &tl)) {
                    while (*m == ' ')
                        m++;
                    if (strncmp(m, tok, tl) != 0 || (m[tl] != ' ' && m[tl] != '\0'))
                        ok = 0;
                    else
                        m += tl;
                }
                while (*m == ' ')
                    m++;
                ok = ok && *m == '\0';
            }
            if (!ok)
                return migsim_error(MIGSIM_EFORMAT, "%s:1: not a migsim dram command log v1 (the first line must be '# " CK_MAGIC "')",
                                    name);
            continue;
        }
        if (*p == '\0')
            continue; /* blank line */
        if (*p == '#') {
            const char *q = p + 1;
            const char *tok;
            size_t tl;
            if (!ck_token(&q, &tok, &tl))
                continue;
            if (ck_tok_is(tok, tl, "org")) {
                if (have_org)
                    return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": second '# org' header", name, line);
                if (res->commands)
                    return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": '# org' header after the first command", name, line);
                rc = ck_header_keys(q, "org", ck_org_keys, CK_NKEYS(ck_org_keys), &ck->org, name, line);
                if (rc < 0)
                    return rc;
                have_org = 1;
            } else if (ck_tok_is(tok, tl, "timing")) {
                if (have_timing)
                    return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": second '# timing' header", name, line);
                if (res->commands)
                    return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": '# timing' header after the first command", name, line);
                rc = ck_header_keys(q, "timing", ck_timing_keys, CK_NKEYS(ck_timing_keys), &ck->t, name, line);
                if (rc < 0)
                    return rc;
                have_timing = 1;
            }
            continue;
        }
        if (!have_org || !have_timing)
            return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": command before the '# %s' header line",
                                name, line, have_org ? "timing" : "org");
        if (!ck->bank) {
            res->org = ck->org;
            res->timing = ck->t;
            ck_derive(ck);
            rc = ck_alloc(ck);
            if (rc < 0)
                return rc;
        }
        ck->line = line;
        ck->text = s;
        rc = ck_parse_command(ck, p);
        if (rc < 0)
            return rc;
    }
    if (rc < 0)
        return rc;
    if (res->lines == 0)
        return migsim_error(MIGSIM_EFORMAT, "%s:1: empty log (the first line must be '# " CK_MAGIC "')", name);
    if (!have_org || !have_timing)
        return migsim_error(MIGSIM_EFORMAT, "%s:%" PRIu64 ": log ends without the '# %s' header line",
                            name, res->lines, have_org ? "timing" : "org");
    res->org = ck->org;
    res->timing = ck->t;
    if (ck->bank)
        ck_finish(ck);
    return 0;
}

int dram_check_stream_opts(FILE *in, const char *name, const dram_check_opts_t *opts,
                           dram_check_result_t *res)
{
    static const dram_check_opts_t no_opts = { NULL, 0, NULL, NULL };
    if (!in || !res)
        return migsim_error(MIGSIM_EINVAL, "dram_check: NULL stream or result");
    if (!name)
        name = "<log>";
    memset(res, 0, sizeof *res);
    ck_t ck;
    memset(&ck, 0, sizeof ck);
    ck.name = name;
    ck.opts = opts ? opts : &no_opts;
    ck.res = res;
    ck_reader_t rd = { in, malloc(CK_BUF_BYTES + 1), 0, 0, 0 };
    int rc;
    if (!rd.buf)
        rc = migsim_error(MIGSIM_ENOMEM, "%s: out of memory for the read buffer", name);
    else
        rc = ck_run(&ck, &rd);
    free(rd.buf);
    free(ck.chan);
    free(ck.rank);
    free(ck.group);
    free(ck.bank);
    return rc;
}

int dram_check_stream(FILE *in, const char *name, FILE *report, uint64_t max_reported,
                      dram_check_result_t *res)
{
    dram_check_opts_t o = { report, max_reported, NULL, NULL };
    return dram_check_stream_opts(in, name, &o, res);
}

int dram_check_file(const char *path, FILE *report, uint64_t max_reported,
                    dram_check_result_t *res)
{
    if (!path || !res)
        return migsim_error(MIGSIM_EINVAL, "dram_check_file: NULL path or result");
    FILE *f = fopen(path, "rb");
    if (!f)
        return migsim_error(MIGSIM_EIO, "%s: cannot open: %s", path, strerror(errno));
    int rc = dram_check_stream(f, path, report, max_reported, res);
    fclose(f);
    return rc;
}

/* ---- reports ---------------------------------------------------------------- */

void dram_check_print_violation(FILE *out, const char *name, const dram_violation_t *v)
{
    const char *rule = dram_rule_name(v->rule);
    fprintf(out, "%s:%" PRIu64 ": %s: ", name, v->line, rule);
    if (v->rule == DRAM_RULE_STATE) {
        fprintf(out, "%s", v->detail ? v->detail : "bad bank state");
        if (v->earlier_line)
            fprintf(out, " (see line %" PRIu64 ")", v->earlier_line);
    } else {
        const char *rel = v->rule == DRAM_RULE_tREFI ? "<=" : ">=";
        if (v->earlier_line)
            fprintf(out, "%" PRId64 " cycles after line %" PRIu64, v->actual, v->earlier_line);
        else
            fprintf(out, "%" PRId64 " cycles after cycle 0 (no earlier REF)", v->actual);
        fprintf(out, ", needs %s %" PRId64, rel, v->required);
    }
    fprintf(out, ": %s\n", v->text ? v->text : "");
}

void dram_check_print_summary(FILE *out, const char *name, const dram_check_result_t *res)
{
    fprintf(out, "%s: %" PRIu64 " commands, last cycle %" PRIu64 ", %" PRIu64 " violation%s\n",
            name, res->commands, res->last_cycle, res->violations,
            res->violations == 1 ? "" : "s");
    for (int r = 0; r < DRAM_RULE_COUNT; r++)
        if (res->by_rule[r])
            fprintf(out, "  %-7s %12" PRIu64 "  (first at line %" PRIu64 ")\n",
                    dram_rule_name((dram_rule_t)r), res->by_rule[r], res->first_line[r]);
}
