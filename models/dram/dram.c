/*
 * dram.c - DDR4 channels with FR-FCFS controllers (see dram.h).
 *
 * Hot path, per request: recv (decode, enqueue), one or more scheduler
 * events each choosing and issuing a command, and one completion event.
 * Choosing scans the banks of the channel once: each bank caches its
 * candidate command (recomputed only when its queue or row changes), and
 * the candidate's earliest cycle is the maximum of three table lookups
 * (bank, bank group, rank). After a command issues, the next one is chosen
 * at once, and when no request arrives in between the scheduler issues it
 * at its cycle without scanning again.
 *
 * Priorities among commands that can issue on the same cycle: refresh
 * (PRE of a rank with a refresh due, then REF) first; then column commands
 * to open rows, oldest first (first-ready); then closing precharges of the
 * closed-page policy; then ACT/PRE for the oldest request. With the fcfs
 * scheduler, column and row commands share one class: oldest first. A rank
 * whose refresh is due takes no new ACT or column command.
 *
 * A row activated for a request stays committed to it until that request's
 * column command issues: the bank offers that command first, in either
 * read/write mode, and offers no PRE before it; a refresh falling due lets
 * it issue before precharging the bank. So neither a mode switch nor a
 * refresh closes a row unused (counted in wasted_act_cmds, by cause).
 *
 * controller = ramulator2 models Ramulator 2's generic DDR controller on the
 * same machinery: a committed request (its "active buffer") frees its
 * read/write buffer entry at its ACT (nact: buffer occupancy, which the
 * watermarks and the queue limits read, is nq - nact), committed column
 * commands come before everything, other commands are oldest first among
 * those ready (hits and misses in one class), and a refresh waits for the
 * rank's active requests, then issues one PREA after the PRE constraints of
 * every bank of the rank, then REF.
 *
 * controller = dramsim3 models DRAMSim3's controller with its own scheduler
 * (ds3_*, below): it simulates only the cycles at which something can
 * happen, found by the same branch-free scan of every bank's earliest cycle
 * as the other controllers, in round-robin order.
 */
#include "dram/dram.h"
#include "dram/dram_scan.h"
#include "migsim/errors.h"
#include "migsim/tracepoint.h"
#include "migsim/sim.h"

#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---- the timing rules, as data ------------------------------------------ */

static int64_t tbl(const dram_timing_t *t) { return dram_tBL(t); }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t l_tRC(const dram_timing_t *t) { return t->tRC; }
static int64_t l_tRRD_L(const dram_timing_t *t) { return t->tRRD_L; }
static int64_t l_tRRD_S(const dram_timing_t *t) { return t->tRRD_S; }
static int64_t l_tRCD(const dram_timing_t *t) { return t->tRCD; }
static int64_t l_tRAS(const dram_timing_t *t) { return t->tRAS; }
static int64_t l_tRP(const dram_timing_t *t) { return t->tRP; }
static int64_t l_tCCD_L(const dram_timing_t *t) { return max64(t->tCCD_L, tbl(t)); }
static int64_t l_tCCD_S(const dram_timing_t *t) { return max64(t->tCCD_S, tbl(t)); }
static int64_t l_tRTW(const dram_timing_t *t) { return (int64_t)t->tCL + tbl(t) + 2 - t->tCWL; }
static int64_t l_tRTP(const dram_timing_t *t) { return t->tRTP; }
static int64_t l_rr_o(const dram_timing_t *t) { return tbl(t) + t->tRTRS; }
static int64_t l_rw_o(const dram_timing_t *t) { return (int64_t)t->tCL + tbl(t) + t->tRTRS - t->tCWL; }
static int64_t l_tWTR_L(const dram_timing_t *t) { return (int64_t)t->tCWL + tbl(t) + t->tWTR_L; }
static int64_t l_tWTR_S(const dram_timing_t *t) { return (int64_t)t->tCWL + tbl(t) + t->tWTR_S; }
static int64_t l_tWR(const dram_timing_t *t) { return (int64_t)t->tCWL + tbl(t) + t->tWR; }
static int64_t l_wr_o(const dram_timing_t *t) { return (int64_t)t->tCWL + tbl(t) + t->tRTRS - t->tCL; }
static int64_t l_tRFC(const dram_timing_t *t) { return t->tRFC; }

/* The timing rules: X(JEDEC name, preceding command, following command, scope, cycles). One
 * list gives both the table (dram_rules) and dram_apply's code for each command. */
#define DRAM_RULES(X) \
    X("tRC",    DRAM_CMD_ACT, DRAM_CMD_ACT, DRAM_SCOPE_BANK,        l_tRC) \
    X("tRRD_L", DRAM_CMD_ACT, DRAM_CMD_ACT, DRAM_SCOPE_BANKGROUP,   l_tRRD_L) \
    X("tRRD_S", DRAM_CMD_ACT, DRAM_CMD_ACT, DRAM_SCOPE_RANK,        l_tRRD_S) \
    X("tRCD",   DRAM_CMD_ACT, DRAM_CMD_RD,  DRAM_SCOPE_BANK,        l_tRCD) \
    X("tRCD",   DRAM_CMD_ACT, DRAM_CMD_WR,  DRAM_SCOPE_BANK,        l_tRCD) \
    X("tRAS",   DRAM_CMD_ACT, DRAM_CMD_PRE, DRAM_SCOPE_BANK,        l_tRAS) \
    X("tRP",    DRAM_CMD_PRE, DRAM_CMD_ACT, DRAM_SCOPE_BANK,        l_tRP) \
    X("tRP",    DRAM_CMD_PRE, DRAM_CMD_REF, DRAM_SCOPE_RANK,        l_tRP) \
    X("tCCD_L", DRAM_CMD_RD,  DRAM_CMD_RD,  DRAM_SCOPE_BANKGROUP,   l_tCCD_L) \
    X("tCCD_S", DRAM_CMD_RD,  DRAM_CMD_RD,  DRAM_SCOPE_RANK,        l_tCCD_S) \
    X("tRTW",   DRAM_CMD_RD,  DRAM_CMD_WR,  DRAM_SCOPE_RANK,        l_tRTW) \
    X("tRTP",   DRAM_CMD_RD,  DRAM_CMD_PRE, DRAM_SCOPE_BANK,        l_tRTP) \
    X("tRTRS",  DRAM_CMD_RD,  DRAM_CMD_RD,  DRAM_SCOPE_OTHER_RANKS, l_rr_o) \
    X("tRTRS",  DRAM_CMD_RD,  DRAM_CMD_WR,  DRAM_SCOPE_OTHER_RANKS, l_rw_o) \
    X("tCCD_L", DRAM_CMD_WR,  DRAM_CMD_WR,  DRAM_SCOPE_BANKGROUP,   l_tCCD_L) \
    X("tCCD_S", DRAM_CMD_WR,  DRAM_CMD_WR,  DRAM_SCOPE_RANK,        l_tCCD_S) \
    X("tWTR_L", DRAM_CMD_WR,  DRAM_CMD_RD,  DRAM_SCOPE_BANKGROUP,   l_tWTR_L) \
    X("tWTR_S", DRAM_CMD_WR,  DRAM_CMD_RD,  DRAM_SCOPE_RANK,        l_tWTR_S) \
    X("tWR",    DRAM_CMD_WR,  DRAM_CMD_PRE, DRAM_SCOPE_BANK,        l_tWR) \
    X("tRTRS",  DRAM_CMD_WR,  DRAM_CMD_WR,  DRAM_SCOPE_OTHER_RANKS, l_rr_o) \
    X("tRTRS",  DRAM_CMD_WR,  DRAM_CMD_RD,  DRAM_SCOPE_OTHER_RANKS, l_wr_o) \
    X("tRFC",   DRAM_CMD_REF, DRAM_CMD_ACT, DRAM_SCOPE_RANK,        l_tRFC) \
    X("tRFC",   DRAM_CMD_REF, DRAM_CMD_REF, DRAM_SCOPE_RANK,        l_tRFC)

#define RULE_ENTRY(name, prev, next, scope, lat) { name, prev, next, scope, lat },
const dram_timing_rule_t dram_rules[] = {
    DRAM_RULES(RULE_ENTRY)
    /* tFAW is a window over the last four ACTs of a rank: see dram_apply(). */
    { NULL, 0, 0, 0, NULL },
};
#undef RULE_ENTRY

const char *const dram_cmd_names[DRAM_NCMD] = { "ACT", "PRE", "RD", "WR", "REF" };

enum { CLASS_REFRESH = 0, CLASS_COLUMN = 1, CLASS_CLOSE = 2, CLASS_ROW = 3 };
enum { DRAM_WM_HIGH_DEF = 24, DRAM_WM_LOW_DEF = 8 }; /* the watermark parameters' defaults */
/* Precharge of every bank of a rank (ramulator2's refresh): a candidate's cmd, unit = rank */
#define CMD_PREA (DRAM_NCMD + 1)
enum { FIELD_CH, FIELD_RA, FIELD_BG, FIELD_BA, FIELD_RO, FIELD_CO };

/* req->scratch[0]: row << 32 | flat bank << 12 | column (line index in the row) */
#define REQ_ROW(r)   ((uint32_t)((r)->scratch[0] >> 32))
#define REQ_BANK(r)  ((uint32_t)(((r)->scratch[0] >> 12) & 0xfffff))
#define REQ_COL(r)   ((uint32_t)((r)->scratch[0] & 0xfff))
/* req->scratch[1] while queued: age << 8 | flags */
#define REQ_AGE(r)   ((r)->scratch[1] >> 8)
#define RF_MISS      0x1u   /* an ACT was issued for it */
#define RF_CONFLICT  0x2u   /* a PRE was issued for it */
#define RF_CAPTURED  0x4u   /* read data captured before a younger write */

/* ---- address mapping ------------------------------------------------------ */

static uint32_t log2u(uint64_t v)
{
    uint32_t n = 0;
    while ((1ull << n) < v)
        n++;
    return n;
}

static bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }

int dram_addrmap_parse(const char *s, const dram_org_t *org, uint32_t line_bytes,
                       dram_addrmap_t *map)
{
    static const char *const names[6] = { "ch", "ra", "bg", "ba", "ro", "co" };
    uint32_t bits[6] = { log2u(org->channels), log2u(org->ranks), log2u(org->bankgroups),
                         log2u(org->banks_per_group), log2u(org->rows),
                         log2u(org->columns / (line_bytes * 8 / org->bus_width)) };
    size_t n = strlen(s);
    if (n != 12)
        return migsim_error(MIGSIM_ECONFIG,
                            "address_mapping \"%s\": expected six two-letter fields (Ch Ra Bg Ba Ro Co), "
                            "most significant first, e.g. \"RoBaBgRaCoCh\"", s);
    int order[6];
    bool seen[6] = { false };
    for (int i = 0; i < 6; i++) {
        char f[3] = { (char)(s[2 * i] | 0x20), (char)(s[2 * i + 1] | 0x20), 0 };
        order[i] = -1;
        for (int j = 0; j < 6; j++)
            if (strcmp(f, names[j]) == 0)
                order[i] = j;
        if (order[i] < 0 || seen[order[i]])
            return migsim_error(MIGSIM_ECONFIG,
                                "address_mapping \"%s\": field %d (\"%.2s\") is unknown or repeated; "
                                "use each of Ch Ra Bg Ba Ro Co once", s, i + 1, s + 2 * i);
        seen[order[i]] = true;
    }
    uint32_t shift = log2u(line_bytes);
    for (int i = 5; i >= 0; i--) {
        map->shift[order[i]] = (uint8_t)shift;
        map->bits[order[i]] = (uint8_t)bits[order[i]];
        map->mask[order[i]] = (uint32_t)((1ull << bits[order[i]]) - 1);
        shift += bits[order[i]];
    }
    return MIGSIM_OK;
}

static inline uint32_t map_field(const dram_addrmap_t *m, uint64_t a, int f)
{
    return (uint32_t)(a >> m->shift[f]) & m->mask[f];
}

/* dram_decode for this file's hot paths: inline, not through the exported symbol. */
static inline void decode_loc(const dram_addrmap_t *m, uint64_t addr, dram_loc_t *loc)
{
    loc->ch = map_field(m, addr, FIELD_CH);
    loc->rank = map_field(m, addr, FIELD_RA);
    loc->bg = map_field(m, addr, FIELD_BG);
    loc->bank = map_field(m, addr, FIELD_BA);
    loc->row = map_field(m, addr, FIELD_RO);
    loc->col = map_field(m, addr, FIELD_CO);
}

void dram_decode(const dram_t *d, uint64_t addr, dram_loc_t *loc)
{
    decode_loc(&d->map, addr, loc);
}

/* ---- helpers ---------------------------------------------------------------- */

static inline uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

static inline uint64_t cyc_to_ps(const dram_t *d, uint64_t c) { return c * d->t.tCK_ps; }

static inline uint64_t ps_to_cyc(const dram_t *d, uint64_t ps, uint64_t *rem)
{
    return dram_ps_div(ps, d->t.tCK_ps, d->tck_recip, rem);
}

static inline uint64_t ps_to_cyc_ceil(const dram_t *d, uint64_t ps)
{
    uint64_t r, q = ps_to_cyc(d, ps, &r);
    return q + (r != 0);
}

/* Earliest cycle `cmd` may issue on bank `b` from its bank's and bank group's constraints. */
static inline uint64_t bank_group_earliest(const dram_bank_t *b, unsigned cmd)
{
    return max_u64(b->next[cmd], b->bg_next[cmd]);
}

/* Earliest cycle `cmd` may issue on bank `b` from the recorded constraints. */
static inline uint64_t earliest(const dram_bank_t *b, unsigned cmd)
{
    return max_u64(bank_group_earliest(b, cmd), b->rank_next[cmd]);
}

static void log_cmd(dram_t *d, dram_chan_t *ch, uint64_t c, unsigned cmd, uint32_t unit,
                    uint32_t row, uint32_t col)
{
    if (cmd == DRAM_CMD_REF || cmd == CMD_PREA) {
        fprintf(d->log, "%" PRIu64 " %u %s %u\n", c, ch->idx, cmd == CMD_PREA ? "PREA" : "REF",
                unit);
        return;
    }
    const dram_bank_t *b = &ch->banks[unit];
    uint32_t bank = unit % d->org.banks_per_group;
    switch (cmd) {
    case DRAM_CMD_ACT:
        fprintf(d->log, "%" PRIu64 " %u ACT %u %u %u %u\n", c, ch->idx, b->rank, b->bg, bank, row);
        break;
    case DRAM_CMD_PRE:
        fprintf(d->log, "%" PRIu64 " %u PRE %u %u %u\n", c, ch->idx, b->rank, b->bg, bank);
        break;
    default:
        fprintf(d->log, "%" PRIu64 " %u %s %u %u %u %u %u\n", c, ch->idx, dram_cmd_names[cmd],
                b->rank, b->bg, bank, row, col);
        break;
    }
}

static void bg_raise_eff(const dram_t *d, dram_chan_t *ch, const dram_bank_t *b);

/* The earliest refresh due cycle over the channel's ranks (UINT64_MAX with refresh off). */
static void chan_ref_due_min(const dram_t *d, dram_chan_t *ch)
{
    ch->ref_due_min = UINT64_MAX;
    for (uint32_t r = 0; r < d->org.ranks; r++)
        if (ch->ranks[r].ref_eff_due < ch->ref_due_min)
            ch->ref_due_min = ch->ranks[r].ref_eff_due;
}

static inline void raise_to(uint64_t *slot, uint64_t t) { *slot = *slot > t ? *slot : t; }

/* A rule from command `prev` issued at cycle c on bank b of rank `rank`: the table of its scope
 * raised (constant arguments but d, ch, b, rank and c: it compiles to one raise). */
static inline void rule_apply(const dram_t *d, dram_chan_t *ch, dram_bank_t *b, uint32_t rank,
                              unsigned prev, unsigned next, unsigned scope, uint64_t c)
{
    uint64_t t = c + d->rule_lat[prev][scope][next];
    switch (scope) {
    case DRAM_SCOPE_BANK: raise_to(&b->next[next], t); break;
    case DRAM_SCOPE_BANKGROUP: raise_to(&b->bg_next[next], t); break;
    case DRAM_SCOPE_RANK: raise_to(&ch->ranks[rank].next[next], t); break;
    default:
        for (uint32_t r = 0; r < d->org.ranks; r++)
            if (r != rank)
                raise_to(&ch->ranks[r].next[next], t);
        break;
    }
}

/* The rules that follow command `cmd` (a constant: the others compile to nothing); true if one
 * is of bank group scope. */
static inline __attribute__((always_inline)) bool
rules_apply(const dram_t *d, dram_chan_t *ch, dram_bank_t *b, uint32_t rank, unsigned cmd,
            uint64_t c)
{
    bool bg = false;
#define RULE_APPLY(name, prev, next, scope, lat)                     \
    if ((prev) == cmd) {                                             \
        rule_apply(d, ch, b, rank, prev, next, scope, c);            \
        bg |= (scope) == DRAM_SCOPE_BANKGROUP;                       \
    }
    DRAM_RULES(RULE_APPLY)
#undef RULE_APPLY
    return bg;
}

/* Record the constraints that a command issued at cycle c leaves behind. */
static void dram_apply(dram_t *d, dram_chan_t *ch, unsigned cmd, uint32_t unit, uint64_t c)
{
    uint32_t rank = cmd == DRAM_CMD_REF ? unit : ch->banks[unit].rank;
    dram_bank_t *b = cmd == DRAM_CMD_REF ? NULL : &ch->banks[unit];
    bool bg;
    switch (cmd) { /* each its own straight-line code */
    case DRAM_CMD_ACT: bg = rules_apply(d, ch, b, rank, DRAM_CMD_ACT, c); break;
    case DRAM_CMD_PRE: bg = rules_apply(d, ch, b, rank, DRAM_CMD_PRE, c); break;
    case DRAM_CMD_RD: bg = rules_apply(d, ch, b, rank, DRAM_CMD_RD, c); break;
    case DRAM_CMD_WR: bg = rules_apply(d, ch, b, rank, DRAM_CMD_WR, c); break;
    default: bg = rules_apply(d, ch, b, rank, DRAM_CMD_REF, c); break;
    }
    if (cmd == DRAM_CMD_ACT) {
        dram_rank_t *rk = &ch->ranks[rank];
        if (rk->faw_n < 4) {
            rk->faw[(rk->faw_i + rk->faw_n++) % 4] = c;
        } else {
            rk->faw[rk->faw_i] = c;
            rk->faw_i = (rk->faw_i + 1) % 4;
        }
        if (rk->faw_n == 4) {
            uint64_t t = rk->faw[rk->faw_i] + d->t.tFAW;
            if (rk->next[DRAM_CMD_ACT] < t)
                rk->next[DRAM_CMD_ACT] = t;
        }
    }
    ch->cmd_next = c + 1;
    if (bg)
        bg_raise_eff(d, ch, b);
}

/*
 * Counting filters over the lines of queued reads (m = 0) and writes (m = 1):
 * zero means no queued request of that kind to the line.
 */
static inline uint16_t *filter_slot(dram_chan_t *ch, unsigned m, uint64_t line)
{
    return &ch->line_filter[m][(line * 0x9e3779b97f4a7c15ull) >> (64 - DRAM_WQ_FILTER_BITS)];
}

_Static_assert(DRAM_SCAN_NCMD == DRAM_NCMD, "dram_scan.h counts the commands of dram_cmd_t");

/* ---- queues and candidates --------------------------------------------------- */

static void bank_candidate_find(dram_t *d, dram_chan_t *ch, dram_bank_t *b);

/*
 * A command on bank b raised its bank group's constraints. Constraints only
 * grow, so each candidate of the group gets its old cycle or its command's
 * constraint, whichever is later: a candidate whose command was not raised
 * keeps its cycle, which is no earlier already (verify_cache checks this
 * against a full recomputation). The banks of a group are contiguous, and a
 * bank without a candidate reads the group's entry for "none", 0.
 */
static void bg_raise_eff(const dram_t *d, dram_chan_t *ch, const dram_bank_t *b)
{
    uint32_t bpg = d->org.banks_per_group;
    size_t first = ((size_t)b->rank * d->org.bankgroups + b->bg) * bpg;
    uint64_t *eff = ch->sc_eff + first;
    const uint8_t *cmd = ch->sc_cmd + first;
    const uint64_t *gn = b->bg_next;
    for (uint32_t j = 0; j < bpg; j++)
        eff[j] = max_u64(eff[j], gn[cmd[j]]);
}

static inline void bank_candidate(dram_t *d, dram_chan_t *ch, dram_bank_t *b)
{
    if (d->controller == DRAM_CTRL_DRAMSIM3)
        return; /* its own scheduler (ds3_*) reads no cached candidate */
    bank_candidate_find(d, ch, b);
    b->cand_key = (uint64_t)b->cand_class << 56 | b->cand_age;
    size_t i = (size_t)(b - ch->banks);
    uint32_t in_rank = (uint32_t)(i - (size_t)b->rank * d->banks_per_rank);
    ch->sc_cmd[i] = b->cand_cmd;
    ch->sc_key[i] = b->cand_key;
    ch->sc_kp[i] = dram_scan_pack(b->cand_class, b->cand_age, in_rank);
    if (b->cand_cmd == DRAM_NCMD) {
        ch->sc_eff[i] = UINT64_MAX;  /* "never": the scan rejects it */
        return;
    }
    /*
     * The bank's and bank group's constraints. The rank's are the same for
     * every candidate of a command, so the scan applies them (rv of
     * dram_scan_rank_packed), and with them the rank's refresh due cycle.
     */
    ch->sc_eff[i] = bank_group_earliest(b, b->cand_cmd);
}

/* The oldest request of list m addressed to the bank's open row, or NULL. */
static inline migsim_req_t *bank_first_hit(const dram_bank_t *b, unsigned m)
{
    if (!b->row_cnt[m][b->open_row % DRAM_ROW_BUCKETS])
        return NULL; /* nothing queued to a row of its bucket: no walk */
    migsim_req_t *r = b->q_head[m];
    while (r && REQ_ROW(r) != b->open_row)
        r = r->next;
    return r;
}

/* The column command that serves request r: RD or WR. */
static inline uint8_t req_col_cmd(const migsim_req_t *r)
{
    return r->op == MIGSIM_OP_WRITE ? DRAM_CMD_WR : DRAM_CMD_RD;
}

static void bank_candidate_find(dram_t *d, dram_chan_t *ch, dram_bank_t *b)
{
    unsigned m = ch->mode;
    b->cand_cmd = DRAM_NCMD;
    b->cand_req = NULL;
    b->cand_age = 0;
    if (b->commit) {
        /*
         * The open row was activated for this request: its column command
         * comes first, in either mode (it is the oldest hit of its queue, so
         * in its own mode this is plain FR-FCFS), and nothing closes the row
         * before it.
         */
        b->cand_cmd = req_col_cmd(b->commit);
        b->cand_class = d->commit_class;
        b->cand_req = b->commit;
        b->cand_age = REQ_AGE(b->commit);
        return;
    }
    if (b->open_row != DRAM_NO_ROW) {
        migsim_req_t *hit = bank_first_hit(b, m);
        if (hit) {
            b->cand_cmd = m ? DRAM_CMD_WR : DRAM_CMD_RD;
            b->cand_class = d->hit_class;
            b->cand_req = hit;
            b->cand_age = REQ_AGE(hit);
            return;
        }
        /* closed page: precharge once no queued request of either kind hits the row */
        if (d->page_policy == 1 && !bank_first_hit(b, !m)) {
            b->cand_cmd = DRAM_CMD_PRE;
            b->cand_class = CLASS_CLOSE;
            return;
        }
        if (b->q_head[m]) {
            b->cand_cmd = DRAM_CMD_PRE;
            b->cand_class = CLASS_ROW;
            b->cand_req = b->q_head[m];
            b->cand_age = REQ_AGE(b->q_head[m]);
        }
        return;
    }
    if (b->q_head[m]) {
        b->cand_cmd = DRAM_CMD_ACT;
        b->cand_class = CLASS_ROW;
        b->cand_req = b->q_head[m];
        b->cand_age = REQ_AGE(b->q_head[m]);
    }
}

/* Out of line: it runs on a mode switch, and the check before it runs on every command. */
static __attribute__((noinline)) void chan_invalidate_all(dram_t *d, dram_chan_t *ch)
{
    uint32_t nb = d->org.ranks * d->banks_per_rank;
    for (uint32_t i = 0; i < nb; i++)
        bank_candidate(d, ch, &ch->banks[i]);
}

/* Requests of queue m that hold a buffer entry (all of them, but ramulator2's active ones). */
static inline uint32_t chan_occ(const dram_chan_t *ch, unsigned m)
{
    return ch->nq[m] - ch->nact[m];
}

/* Switch between serving reads and draining writes (watermarks, on buffer occupancy). */
static inline void chan_update_mode(dram_t *d, dram_chan_t *ch)
{
    uint8_t m = ch->mode;
    uint32_t r = chan_occ(ch, 0), w = chan_occ(ch, 1);
    if (m == 0) {
        if (w >= d->write_high_watermark || (r == 0 && w > 0))
            m = 1;
    } else if (w == 0 || (w <= d->write_low_watermark && r > 0)) {
        m = 0;
    }
    if (m != ch->mode) {
        ch->mode = m;
        chan_invalidate_all(d, ch);
    }
}

static inline void cand_offer(dram_cand_t *best, uint64_t t, uint64_t key, unsigned cmd,
                              uint32_t unit, migsim_req_t *req)
{
    if (t < best->time || (t == best->time && key < best->key)) {
        best->time = t;
        best->key = key;
        best->cmd = (uint8_t)cmd;
        best->unit = unit;
        best->req = req;
    }
}


/*
 * verify_cache: recompute every bank's candidate and earliest cycle from the
 * bank state and the three levels of constraints, and compare with what the
 * scan would read. A mismatch is an internal error reported through the sim.
 */
static void chan_verify(dram_t *d, dram_chan_t *ch, uint64_t c)
{
    uint32_t nb = d->org.ranks * d->banks_per_rank;
    for (uint32_t i = 0; i < nb; i++) {
        dram_bank_t *b = &ch->banks[i];
        uint8_t cmd = ch->sc_cmd[i];
        uint64_t key = ch->sc_key[i], eff = ch->sc_eff[i];
        migsim_req_t *req = b->cand_req;
        bank_candidate_find(d, ch, b);
        uint64_t want = UINT64_MAX;
        if (b->cand_cmd != DRAM_NCMD) {
            /* the bank's and bank group's part: the scan applies the rank's */
            want = bank_group_earliest(b, b->cand_cmd);
        }
        uint64_t want_key = (uint64_t)b->cand_class << 56 | b->cand_age;
        uint64_t want_kp = dram_scan_pack(b->cand_class, b->cand_age, i % d->banks_per_rank);
        if (cmd != b->cand_cmd || eff != want || b->cand_req != req ||
            (cmd != DRAM_NCMD && (key != want_key || (ch->scan_packed && ch->sc_kp[i] != want_kp)))) {
            migsim_sim_fail(d->comp.sim,
                            migsim_error(MIGSIM_ESTATE, "%s: channel %u bank %u at cycle %" PRIu64
                                         ": cached candidate %u at %" PRIu64 ", recomputed %u at %"
                                         PRIu64, d->comp.name, ch->idx, i, c, cmd, eff,
                                         b->cand_cmd, want));
            return;
        }
    }
}

/* The refresh commands that compete at floor cycle floor_c (a rank's refresh is due). */
static __attribute__((noinline)) void chan_scan_refresh(dram_t *d, dram_chan_t *ch,
                                                        uint64_t floor_c, dram_cand_t *best)
{
    uint32_t bpr = d->banks_per_rank;
    for (uint32_t r = 0; r < d->org.ranks; r++) {
        dram_rank_t *rk = &ch->ranks[r];
        uint64_t base = max_u64(rk->ref_due, floor_c);
        if (base > best->time)
            continue;
        if (rk->open_banks == 0) {
            cand_offer(best, max_u64(base, rk->next[DRAM_CMD_REF]), (uint64_t)CLASS_REFRESH << 56,
                       DRAM_CMD_REF, r, NULL);
            continue;
        }
        /*
         * ramulator2 precharges the rank with one PREA once no active request
         * is left, after the PRE constraints of every bank of the rank (its
         * rank-level rules from the last ACT, RD and WR of any bank).
         */
        bool prea = d->controller == DRAM_CTRL_RAMULATOR2, active = false;
        uint64_t prea_t = base;
        dram_bank_t *b = &ch->banks[r * bpr];
        for (uint32_t i = 0; i < bpr; i++, b++) {
            prea_t = max_u64(prea_t, b->next[DRAM_CMD_PRE]);
            if (b->open_row == DRAM_NO_ROW)
                continue;
            uint64_t key = (uint64_t)CLASS_REFRESH << 56 | i;
            if (b->commit) { /* the row's own request is served before the row closes */
                unsigned col = req_col_cmd(b->commit);
                cand_offer(best, max_u64(base, earliest(b, col)), key, col, r * bpr + i,
                           b->commit);
                active = true;
            } else if (!prea) {
                cand_offer(best, max_u64(base, b->next[DRAM_CMD_PRE]), key, DRAM_CMD_PRE,
                           r * bpr + i, NULL);
            }
        }
        if (prea && !active)
            cand_offer(best, prea_t, (uint64_t)CLASS_REFRESH << 56, CMD_PREA, r, NULL);
    }
}

/* Rank r's choice by the two-word scan (dram_scan_rank), when the packed one is not exact. */
static __attribute__((noinline)) bool chan_scan_rank_general(const dram_t *d, dram_chan_t *ch,
                                                             uint32_t r, uint64_t floor_c,
                                                             dram_scan_out_t *o)
{
    uint32_t bpr = d->banks_per_rank;
    const dram_rank_t *rk = &ch->ranks[r];
    const uint64_t *eff = ch->sc_eff + (size_t)r * bpr;
    const uint8_t *cmd = ch->sc_cmd + (size_t)r * bpr;
    uint64_t full[64]; /* it takes the rank's constraints applied */
    for (uint32_t i = 0; i < bpr; i++)
        full[i] = max_u64(eff[i], rk->next[cmd[i]]);
    uint64_t live = bpr < 64 ? (1ull << bpr) - 1 : UINT64_MAX; /* "none" has eff UINT64_MAX */
    return dram_scan_rank(full, ch->sc_key + (size_t)r * bpr, live, floor_c, o);
}

/* The command to issue first at or after cycle c, and its cycle. */
static void chan_scan(dram_t *d, dram_chan_t *ch, uint64_t c, dram_cand_t *best)
{
    uint64_t floor_c = max_u64(c, ch->cmd_next);
    if (d->verify_cache)
        chan_verify(d, ch, c);
    uint32_t bpr = d->banks_per_rank;
    uint64_t best_t = UINT64_MAX, best_k = UINT64_MAX;
    uint32_t best_i = 0;
    for (uint32_t r = 0; r < d->org.ranks; r++) {
        const dram_rank_t *rk = &ch->ranks[r];
        /*
         * The rank's constraints per command, as they are: a candidate that
         * they push to or past the refresh due cycle is not "never" here, but
         * the rank's winner is then at or past it too (it is the minimum),
         * and no candidate of the rank can issue: the check below.
         */
        dram_scan_out_t o;
        if (ch->scan_packed) {
            const uint64_t *eff = ch->sc_eff + (size_t)r * bpr, *rv = rk->next;
            const uint64_t *kp = ch->sc_kp + (size_t)r * bpr;
            const uint8_t *cmd = ch->sc_cmd + (size_t)r * bpr;
            /* the DDR4 rank of 16 banks gets its own copy, unrolled */
            if (!(bpr == 16 ? dram_scan_rank_packed(eff, cmd, rv, kp, 16, floor_c, &o)
                            : dram_scan_rank_packed(eff, cmd, rv, kp, bpr, floor_c, &o)))
                continue;
            o.key = ch->sc_key[(size_t)r * bpr + o.i];
        } else if (!chan_scan_rank_general(d, ch, r, floor_c, &o)) {
            continue;
        }
        if (o.t >= rk->ref_eff_due)
            continue; /* every candidate of the rank waits for its refresh (due, or due first) */
        if (o.t < best_t || (o.t == best_t && o.key < best_k)) {
            best_t = o.t;
            best_k = o.key;
            best_i = r * bpr + o.i;
        }
    }
    best->time = best_t;
    best->key = best_k;
    if (best_t != UINT64_MAX) {
        const dram_bank_t *b = &ch->banks[best_i];
        best->cmd = b->cand_cmd;
        best->unit = best_i;
        best->req = b->cand_req;
    }
    /* a refresh competes when a rank's due cycle is no later than the chosen command */
    if (d->refresh && ch->ref_due_min <= best_t)
        chan_scan_refresh(d, ch, floor_c, best);
}

/*
 * Queue a completion. Each list is in time order (completions are a fixed
 * latency after issue, or after arrival for forwarded reads), so only a
 * request that becomes a list's head can move the completion event earlier.
 */
static void rsp_push(dram_chan_t *ch, int q, migsim_req_t *req)
{
    req->next = NULL;
    if (ch->rsp_tail[q]) {
        ch->rsp_tail[q]->next = req;
        ch->rsp_tail[q] = req;
        return;
    }
    ch->rsp_head[q] = ch->rsp_tail[q] = req;
    if (!migsim_event_queued(&ch->resp_ev) || ch->resp_ev.when > req->t_done)
        migsim_schedule(ch->d->comp.k, &ch->resp_ev, req->t_done);
}

static void chan_arm_resp(dram_chan_t *ch)
{
    uint64_t t = UINT64_MAX;
    for (int q = 0; q < 3; q++)
        if (ch->rsp_head[q] && ch->rsp_head[q]->t_done < t)
            t = ch->rsp_head[q]->t_done;
    if (t != UINT64_MAX && (!migsim_event_queued(&ch->resp_ev) || ch->resp_ev.when > t))
        migsim_schedule(ch->d->comp.k, &ch->resp_ev, t);
}

static void lat_record(dram_t *d, uint64_t lat_ps)
{
    d->st_read_lat_sum_ps += lat_ps;
    if (lat_ps > d->st_read_lat_max_ps)
        d->st_read_lat_max_ps = lat_ps;
    uint64_t r, cyc = ps_to_cyc(d, lat_ps, &r);
    d->lat_hist[cyc < d->lat_hist_n - 1 ? cyc : d->lat_hist_n - 1]++;
}

/*
 * Close bank b's row (a PRE, or its part of a PREA). `refresh`: for a
 * refresh; `req`: the request the PRE serves, NULL for none.
 */
static void bank_close(dram_t *d, dram_chan_t *ch, dram_bank_t *b, bool refresh,
                       migsim_req_t *req)
{
    if (!b->row_used) {
        /* the row closes unused: a refresh, a request of the other kind, or another */
        unsigned why = refresh ? 1 : req && (req->op == MIGSIM_OP_WRITE) != b->act_kind ? 0 : 2;
        d->st_wasted[why]++;
    }
    if (b->commit && d->controller == DRAM_CTRL_RAMULATOR2)
        ch->nact[b->act_kind]--;
    b->commit = NULL;
    b->open_row = DRAM_NO_ROW;
    ch->ranks[b->rank].open_banks--;
    if (req)
        req->scratch[1] |= RF_CONFLICT;
    bank_candidate(d, ch, b);
}

/* Issue `cand` at cycle c: state, statistics, data, log, constraints. */
static void chan_issue(dram_t *d, dram_chan_t *ch, const dram_cand_t *cand, uint64_t c)
{
    unsigned cmd = cand->cmd;
    migsim_req_t *req = cand->req;
    if (d->log)
        log_cmd(d, ch, c, cmd, cand->unit, req ? REQ_ROW(req) : 0, req ? REQ_COL(req) : 0);
    if (cmd == DRAM_CMD_REF) MIGSIM_TRACE_AT(&d->comp, cyc_to_ps(d, c), DRAM_REFRESH, ch->idx, cand->unit);
    if (cmd == CMD_PREA) {
        d->st_prea++;
        uint32_t bpr = d->banks_per_rank;
        for (uint32_t i = cand->unit * bpr; i < (cand->unit + 1) * bpr; i++) {
            if (ch->banks[i].open_row == DRAM_NO_ROW)
                continue;
            dram_apply(d, ch, DRAM_CMD_PRE, i, c);
            bank_close(d, ch, &ch->banks[i], true, NULL);
        }
        return;
    }
    d->st_cmd[cmd]++;
    dram_apply(d, ch, cmd, cand->unit, c);
    if (cmd == DRAM_CMD_REF) {
        dram_rank_t *rk = &ch->ranks[cand->unit];
        assert(rk->open_banks == 0);
        rk->ref_due += d->t.tREFI;
        if (d->refresh) {
            rk->ref_eff_due = rk->ref_due;
            chan_ref_due_min(d, ch);
        }
        return;
    }
    dram_bank_t *b = &ch->banks[cand->unit];
    switch (cmd) {
    case DRAM_CMD_ACT:
        b->open_row = REQ_ROW(req);
        ch->ranks[b->rank].open_banks++;
        req->scratch[1] |= RF_MISS;
        b->commit = req;
        b->act_kind = req->op == MIGSIM_OP_WRITE;
        b->row_used = false;
        b->hits = 0;
        if (d->controller == DRAM_CTRL_RAMULATOR2)
            ch->nact[b->act_kind]++; /* it moves to the active buffer, freeing its entry */
        bank_candidate(d, ch, b);
        return;
    case DRAM_CMD_PRE:
        bank_close(d, ch, b, cand->key >> 56 == CLASS_REFRESH, req);
        return;
    default:
        break;
    }
    /* column command: the request leaves the queue */
    unsigned m = cmd == DRAM_CMD_WR;
    migsim_req_t **pp = &b->q_head[m], *prev = NULL;
    while (*pp != req) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    *pp = req->next;
    if (b->q_tail[m] == req)
        b->q_tail[m] = prev;
    b->row_cnt[m][REQ_ROW(req) % DRAM_ROW_BUCKETS]--;
    ch->nq[m]--;
    --*filter_slot(ch, m, req->addr >> d->line_shift);
    b->row_used = true;
    if (d->controller == DRAM_CTRL_DRAMSIM3) { /* it leaves its bank's command queue */
        ch->xfer_blocked = false;
        dram_ds3_cqe_t *q = ch->ds3_cq + (size_t)cand->unit * DRAM_DS3_CMDQ;
        uint32_t k = 0, nq = b->nx[0] + b->nx[1];
        while (q[k].req != req)
            k++;
        memmove(&q[k], &q[k + 1], (nq - 1 - k) * sizeof *q);
        unsigned below = (1u << k) - 1; /* the entries after k move down one */
        b->ds3_hit = (uint8_t)((b->ds3_hit & below) | (b->ds3_hit >> 1 & ~below));
        b->ds3_wr = (uint8_t)((b->ds3_wr & below) | (b->ds3_wr >> 1 & ~below));
        b->nx[m]--;
        ch->ds3_full[cand->unit >> 6] &= ~(1ull << (cand->unit & 63));
        ch->nact[m]--;
        ch->cq_total--;
        b->hits++;
    }
    if (b->commit == req) {
        b->commit = NULL;
        if (d->controller == DRAM_CTRL_RAMULATOR2)
            ch->nact[m]--;
    }
    bank_candidate(d, ch, b);
    uint32_t flags = (uint32_t)(req->scratch[1] & 0xff);
    if (flags & RF_CONFLICT)
        d->st_row_conflicts++;
    else if (flags & RF_MISS)
        d->st_row_misses++;
    else
        d->st_row_hits++;
    uint64_t end = c + (m ? d->t.tCWL : d->t.tCL) + dram_tBL(&d->t);
    req->t_done = cyc_to_ps(d, end);
    if (req->t_done > d->st_last_data_ps)
        d->st_last_data_ps = req->t_done;
    if (d->functional && (req->flags & MIGSIM_REQ_HAS_DATA)) {
        bool cas_ok = true;
        if (m && (req->flags & MIGSIM_REQ_CAS)) {
            uint8_t cur[32];
            migsim_store_read(&d->store, req->addr, cur, req->size);
            cas_ok = memcmp(cur, req->data + req->size, req->size) == 0;
            if (!cas_ok)
                req->flags |= MIGSIM_REQ_CAS_FAILED;
        }
        if (m && !cas_ok) {
            /* a failed compare-and-swap writes nothing */
        } else if (m) {
            if (migsim_store_write(&d->store, req->addr, req->data, req->size) != 0) {
                req->status = MIGSIM_ENOMEM;
                migsim_sim_fail(d->comp.sim, MIGSIM_ENOMEM);
            }
            if (d->on_commit)
                d->on_commit(d->on_commit_ctx, req, cyc_to_ps(d, c));
        } else if (!(flags & RF_CAPTURED)) {
            migsim_store_read(&d->store, req->addr, req->data, req->size);
        }
    }
    if (m) {
        d->st_bytes_written += d->line_bytes;
        d->st_write_lat_sum_ps += req->t_done - req->t_arrive;
    } else {
        d->st_bytes_read += d->line_bytes;
        lat_record(d, req->t_done - req->t_arrive);
    }
    rsp_push(ch, (int)m, req);
}

static void ds3_catch_up(dram_t *d, dram_chan_t *ch, uint64_t until);

/* Issue, in order, what the channel would have issued before cycle `until` while idle. */
static void chan_catch_up(dram_t *d, dram_chan_t *ch, uint64_t until)
{
    if (d->controller == DRAM_CTRL_DRAMSIM3) {
        ds3_catch_up(d, ch, until);
        return;
    }
    dram_cand_t cand;
    uint64_t c = ch->cmd_next;
    for (;;) {
        chan_scan(d, ch, c, &cand);
        if (cand.time >= until)
            break;
        chan_issue(d, ch, &cand, cand.time);
        c = cand.time + 1;
    }
}

/* Schedule the channel's next decision at cycle c (remembered: no division when it fires). */
static inline void chan_wake(dram_t *d, dram_chan_t *ch, uint64_t c)
{
    ch->sched_cyc = c;
    migsim_schedule(d->comp.k, &ch->sched_ev, cyc_to_ps(d, c));
}

/*
 * After a decision the channel's next one is at cycle `next` (UINT64_MAX: none). When it is
 * the kernel's next event anyway it is taken at once, in the same event: *c = next, true.
 * Otherwise it is scheduled, refused requesters whose queue has room now are called, false.
 */
static inline bool chan_next_decision(dram_t *d, dram_chan_t *ch, migsim_event_t *ev,
                                      uint64_t next, uint64_t *c)
{
    bool retry = ((ch->want_retry & 1) && chan_occ(ch, 0) < d->read_queue_depth) ||
                 ((ch->want_retry & 2) && chan_occ(ch, 1) < d->write_queue_depth);
    bool more = ch->nq[0] + ch->nq[1] > 0 && next != UINT64_MAX;
    if (more && !retry && migsim_kernel_continue(d->comp.k, ev, cyc_to_ps(d, next))) {
        *c = ch->sched_cyc = next;
        return true;
    }
    if (more)
        chan_wake(d, ch, next);
    if (retry) {
        ch->want_retry = 0;
        migsim_port_retry(&d->in);
        if (d->in1.peer)
            migsim_port_retry(&d->in1);
    }
    return false;
}

static void chan_sched(migsim_event_t *ev)
{
    dram_chan_t *ch = ev->ctx;
    dram_t *d = ch->d;
    uint64_t c = ch->sched_cyc;
    for (;;) {
        assert(cyc_to_ps(d, c) == d->comp.k->now);
        if (ch->dirty) {
            chan_update_mode(d, ch);
            chan_scan(d, ch, c, &ch->best);
            ch->dirty = false;
        }
        assert(ch->best.time >= c);
        if (ch->best.time == c) {
            chan_issue(d, ch, &ch->best, c);
            chan_update_mode(d, ch);
            chan_scan(d, ch, c + 1, &ch->best);
        }
        if (!chan_next_decision(d, ch, ev, ch->best.time, &c))
            return;
    }
}

/* ---- controller dramsim3 ------------------------------------------------------ */

/*
 * DRAMSim3's controller, cycle by cycle where something can happen: at cycle
 * c, (1) a rank whose refresh is due precharges its open banks (bank order,
 * each as soon as its timing allows, whatever its command queue holds) and
 * then refreshes, and its command queues issue nothing meanwhile; otherwise
 * (2) the bank command queues are visited round robin from the one after the
 * last that issued, and the first ready command of the first queue that has
 * one issues; then (3) one request moves from the read buffer (or the write
 * buffer while draining) into its bank's command queue: the oldest whose
 * queue has room. A command queue's entries issue in order of readiness:
 * the first whose command (ACT, PRE or the column command, as the bank's row
 * says) can issue at c; a PRE only for the queue's first entry, and only
 * when no later entry hits the open row or the row has served four column
 * commands; a WR not before a queued RD of the same address. A drain starts
 * when the write buffer is full, or holds more than DRAM_DS3_DRAIN_MIN
 * writes with every command queue empty, and moves as many writes as the
 * buffer held then; it stops early at a write whose address a queued read
 * waits for. A request accepted at cycle c moves at c + 1 at the earliest.
 *
 * One departure from DRAMSim3: after a drain stops for a read still in the
 * read buffer, no drain starts again before a read has moved. DRAMSim3
 * restarts the drain at once while the write buffer is full, and stops it at
 * the same write, every cycle: the read never moves and the controller
 * livelocks (reads queued before writes to the same lines, a full write
 * buffer).
 */

/* Does the WR of entry k wait for a queued RD of its address (an earlier entry)? */
static inline bool ds3_wr_waits(const dram_ds3_cqe_t *q, uint32_t k)
{
    for (uint32_t j = 0; j < k; j++)
        if (!q[j].m && q[j].row == q[k].row && q[j].col == q[k].col)
            return true;
    return false;
}

/* Reference for verify_cache, as DRAMSim3 walks a command queue: the first entry whose command
 * can issue at c gives it (*out); else the earliest cycle one of its commands can (entries the
 * PRE rules hold count on no cycle) into *when, UINT64_MAX if none. */
static bool ds3_bank_walk(dram_chan_t *ch, dram_bank_t *b, uint32_t unit, uint64_t c,
                          dram_cand_t *out, uint64_t *when)
{
    const dram_ds3_cqe_t *q = ch->ds3_cq + (size_t)unit * DRAM_DS3_CMDQ;
    uint64_t bw = UINT64_MAX, t;
#define DS3_TRY(k_, cmd_)                                                                  \
    do {                                                                                   \
        t = earliest(b, (cmd_));                                                           \
        if (t <= c) {                                                                      \
            *out = (dram_cand_t){ c, (uint64_t)CLASS_ROW << 56, (uint8_t)(cmd_), unit,     \
                                  q[(k_)].req };                                           \
            return true;                                                                   \
        }                                                                                  \
        bw = t < bw ? t : bw;                                                              \
    } while (0)
    for (uint32_t k = 0, nq = b->nx[0] + b->nx[1]; k < nq; k++) {
        if (b->open_row == DRAM_NO_ROW) {
            DS3_TRY(0, DRAM_CMD_ACT); /* every entry needs the same ACT */
            break;
        }
        if (q[k].row != b->open_row) {
            if (k > 0)
                continue;
            /* a PRE for the first entry only, unless a later entry hits the row and the row
               has served fewer than four column commands */
            bool later_hit = false;
            for (uint32_t j = 1; j < nq; j++)
                later_hit |= q[j].row == b->open_row;
            if (b->hits >= 4 || !later_hit)
                DS3_TRY(0, DRAM_CMD_PRE);
        } else if (!q[k].m || !ds3_wr_waits(q, k)) {
            DS3_TRY(k, q[k].m ? DRAM_CMD_WR : DRAM_CMD_RD);
        }
    }
#undef DS3_TRY
    *when = bw;
    return false;
}

/* What bank `unit`'s command queue offers now (step 2's rules without the timing): the
 * commands (b->ds3_offer) and for each the first entry that would issue it (ch->ds3_k).
 * Called whenever the queue or the open row change. */
static void ds3_classify(dram_chan_t *ch, dram_bank_t *b, uint32_t unit)
{
    const dram_ds3_cqe_t *q = ch->ds3_cq + (size_t)unit * DRAM_DS3_CMDQ;
    uint8_t *kx = ch->ds3_k + (size_t)unit * DRAM_DS3_NCMD;
    unsigned offer = 0;
    if (b->nx[0] + b->nx[1] == 0) {
        /* nothing queued */
    } else if (b->open_row == DRAM_NO_ROW) {
        offer = 1u << DRAM_CMD_ACT; /* every entry needs the same ACT: the first one's */
        kx[DRAM_CMD_ACT] = 0;
    } else {
        unsigned hit = b->ds3_hit;
        /* the first entry misses the open row: a PRE, unless a later entry hits the row and
           the row has served fewer than four column commands */
        if (!(hit & 1) && (b->hits >= 4 || !hit)) {
            offer = 1u << DRAM_CMD_PRE;
            kx[DRAM_CMD_PRE] = 0;
        }
        /* the entries hitting the row: the first read's RD, the first write's WR that no
           earlier RD to its address waits for */
        unsigned rd = hit & ~b->ds3_wr;
        if (rd) {
            offer |= 1u << DRAM_CMD_RD;
            kx[DRAM_CMD_RD] = (uint8_t)__builtin_ctz(rd);
        }
        for (unsigned wr = hit & b->ds3_wr; wr; wr &= wr - 1) {
            uint32_t k = (uint32_t)__builtin_ctz(wr);
            if (!ds3_wr_waits(q, k)) {
                offer |= 1u << DRAM_CMD_WR;
                kx[DRAM_CMD_WR] = (uint8_t)k;
                break;
            }
        }
    }
    b->ds3_offer = (uint8_t)offer;
}

/* The earliest cycle a command of bank `unit`'s queue can issue now (UINT64_MAX: none
 * offered): the earliest over its offer (ds3_offer) of the bank's, bank group's and rank's
 * limits. */
static inline uint64_t ds3_bank_exact(const dram_chan_t *ch, uint32_t unit)
{
    const dram_bank_t *b = &ch->banks[unit];
    unsigned offer = b->ds3_offer;
    if (offer && !(offer & (offer - 1))) /* one command offered, as most often */
        return earliest(b, (unsigned)__builtin_ctz(offer));
    uint64_t w = UINT64_MAX;
    for (; offer; offer &= offer - 1) {
        uint64_t t = earliest(b, (unsigned)__builtin_ctz(offer));
        w = t < w ? t : w;
    }
    return w;
}

/*
 * Step 2 scans every bank, as the default controller does, from flat arrays: the command a
 * bank's queue offers (sc_cmd) and its limit from the bank's and bank group's rules (sc_eff),
 * set when the bank's queue or state change and raised with its bank group's limits
 * (bg_raise_eff); the scan applies the rank's limits, which every command of the rank raises.
 * A bank that offers several commands is in ds3_multi instead (its entry "none": command
 * DRAM_NCMD, cycle DS3_NEVER, as a bank that offers nothing), and the scan
 * takes its exact cycle from its offer. The scan's result, the first cycle a bank can issue
 * and the first such bank in round-robin order, holds until a bank's queue or state, or a
 * limit, change (ds3_dirty): a command, or a move that changes a bank's offer.
 */

#define DS3_KEY_BITS 9                          /* a bank's place in round-robin order */
#define DS3_NEVER (UINT64_MAX >> DS3_KEY_BITS)  /* the cycle of "none": after every other */

/* Bank `unit`'s queue or state changed: its offer anew, and its scan entry. */
static inline void ds3_bank_update(dram_chan_t *ch, uint32_t unit)
{
    dram_bank_t *b = &ch->banks[unit];
    uint64_t bit = 1ull << (unit & 63);
    ds3_classify(ch, b, unit);
    unsigned offer = b->ds3_offer;
    ch->sc_cmd[unit] = DRAM_NCMD;
    ch->sc_eff[unit] = DS3_NEVER;
    ch->ds3_nmulti -= (ch->ds3_multi[unit >> 6] & bit) != 0;
    ch->ds3_multi[unit >> 6] &= ~bit;
    if (offer & (offer - 1)) {
        ch->ds3_multi[unit >> 6] |= bit;
        ch->ds3_nmulti++;
    } else if (offer) {
        unsigned x = (unsigned)__builtin_ctz(offer);
        ch->sc_cmd[unit] = (uint8_t)x;
        ch->sc_eff[unit] = bank_group_earliest(b, x);
    }
    ch->ds3_dirty = true;
}

/* A bank's cycle e (floor if earlier; DS3_NEVER: none) and round-robin place `key` (below
 * 2^DS3_KEY_BITS: a channel has at most 512 banks) packed in one word for the scan. */
static inline uint64_t ds3_pack(uint64_t e, uint64_t floor, uint32_t key)
{
    return (e > floor ? e : floor) << DS3_KEY_BITS | key;
}

/* The least of `best` and the packed cycles and round-robin places (from bank `from`) of
 * banks lo to hi - 1 of one rank (its limits rv). No branch but the loop's: which bank wins
 * is data-dependent, and the minimum picks it. */
static inline uint64_t ds3_scan_range(const dram_chan_t *ch, const uint64_t *rv, uint32_t lo,
                                      uint32_t hi, uint64_t floor, uint32_t from,
                                      uint32_t mask, uint64_t best)
{
    const uint64_t *eff = ch->sc_eff;
    const uint8_t *cmd = ch->sc_cmd;
    uint64_t best1 = UINT64_MAX; /* two minima, of even and odd banks: two short chains */
    uint32_t i = lo;
#define DS3_PACKED(i_) ds3_pack(eff[i_] > rv[cmd[i_]] ? eff[i_] : rv[cmd[i_]], floor, \
                                ((i_) - from) & mask) /* rv[DRAM_NCMD] is 0 */
#pragma GCC unroll 2
    for (; i + 1 < hi; i += 2) {
        uint64_t v0 = DS3_PACKED(i), v1 = DS3_PACKED(i + 1);
        best = v0 < best ? v0 : best;
        best1 = v1 < best1 ? v1 : best1;
    }
    if (i < hi) {
        uint64_t v0 = DS3_PACKED(i);
        best = v0 < best ? v0 : best;
    }
#undef DS3_PACKED
    return best1 < best ? best1 : best;
}

/* Step 2's scan from cycle `floor`: the first cycle at or after it at which a bank of a rank
 * not in `held` (bit r: rank r's refresh holds its queued commands) can issue (*t), and of
 * the banks that can then, the first in round-robin order from bank `from` (*unit); false if
 * none can. */
static bool ds3_scan(const dram_t *d, const dram_chan_t *ch, uint64_t floor, uint32_t held,
                     uint32_t from, uint64_t *t, uint32_t *unit)
{
    uint32_t bpr = d->banks_per_rank, mask = d->org.ranks * bpr - 1; /* a power of two */
    uint64_t best = UINT64_MAX;
    if (mask == bpr - 1 && !held) /* one rank, as most often: a copy of the loop without ranks */
        best = ds3_scan_range(ch, ch->ranks[0].next, 0, bpr, floor, from, mask, best);
    else
        for (uint32_t r = 0; r < d->org.ranks; r++)
            if (!(held >> r & 1))
                best = ds3_scan_range(ch, ch->ranks[r].next, r * bpr, (r + 1) * bpr, floor,
                                      from, mask, best);
    for (uint32_t w = 0; ch->ds3_nmulti && w < d->ds3_words; w++)
        for (uint64_t bits = ch->ds3_multi[w]; bits; bits &= bits - 1) {
            uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(bits);
            uint64_t v = ds3_pack(ds3_bank_exact(ch, i), floor, (i - from) & mask); /* finite */
            if (!(held >> (i / bpr) & 1))
                best = v < best ? v : best;
        }
    if (best >> DS3_KEY_BITS == DS3_NEVER)
        return false;
    *t = best >> DS3_KEY_BITS;
    *unit = (from + (uint32_t)(best & mask)) & mask;
    return true;
}

/* The bank round robin starts from: the one after the last that issued (ch->rr). */
static inline uint32_t ds3_rr_from(const dram_t *d, const dram_chan_t *ch)
{
    return ch->rr + 1 == d->org.ranks * d->banks_per_rank ? 0 : ch->rr + 1;
}

/* The scan from cycle `floor` into the channel's cache (ds3_t, UINT64_MAX when no bank can
 * issue; ds3_u), in round-robin order. A scan that left out held ranks holds only while they
 * are held: it is taken again at the next cycle. */
static void ds3_rescan(const dram_t *d, dram_chan_t *ch, uint64_t floor, uint32_t held)
{
    if (!ds3_scan(d, ch, floor, held, ds3_rr_from(d, ch), &ch->ds3_t, &ch->ds3_u))
        ch->ds3_t = UINT64_MAX;
    ch->ds3_dirty = held != 0;
}

/* Bank b's command queue entries that hit its open row, anew (after its ACT). */
static inline void ds3_hit_recount(dram_chan_t *ch, dram_bank_t *b, uint32_t unit)
{
    const dram_ds3_cqe_t *q = ch->ds3_cq + (size_t)unit * DRAM_DS3_CMDQ;
    unsigned hit = 0;
    for (uint32_t k = 0; k < DRAM_DS3_CMDQ; k++) /* all, with no branch; those queued kept */
        hit |= (unsigned)(q[k].row == b->open_row) << k;
    b->ds3_hit = (uint8_t)(hit & ((1u << (b->nx[0] + b->nx[1])) - 1));
}

/* The refresh command of rank r at cycle c (PRE of the first open bank that may, then REF). */
static bool ds3_refresh_pick(dram_t *d, dram_chan_t *ch, uint32_t r, uint64_t c,
                             dram_cand_t *out, uint64_t *wake)
{
    dram_rank_t *rk = &ch->ranks[r];
    uint32_t bpr = d->banks_per_rank;
    uint64_t t;
    if (rk->open_banks == 0) {
        t = rk->next[DRAM_CMD_REF];
        if (t <= c) {
            *out = (dram_cand_t){ c, (uint64_t)CLASS_REFRESH << 56, DRAM_CMD_REF, r, NULL };
            return true;
        }
        *wake = t < *wake ? t : *wake;
        return false;
    }
    for (uint32_t i = r * bpr; i < (r + 1) * bpr; i++) {
        dram_bank_t *b = &ch->banks[i];
        if (b->open_row == DRAM_NO_ROW)
            continue;
        t = b->next[DRAM_CMD_PRE];
        if (t <= c) {
            *out = (dram_cand_t){ c, (uint64_t)CLASS_REFRESH << 56, DRAM_CMD_PRE, i, NULL };
            return true;
        }
        *wake = t < *wake ? t : *wake;
    }
    return false;
}

/* Was a request that arrived at t_arrive (ps) accepted at cycle c or later? Cycle c's step 3
 * does not see it yet: DRAMSim3 adds a request to its buffers after the cycle's tick. */
static inline bool ds3_recent(const dram_t *d, uint64_t t_arrive, uint64_t c)
{
    return c == 0 || t_arrive > cyc_to_ps(d, c - 1);
}

/* The requests of buffer m accepted at cycle c or later: its last ones (it is in order of
 * arrival). */
static inline uint32_t ds3_recent_n(const dram_t *d, const dram_chan_t *ch, unsigned m,
                                    uint64_t c)
{
    const struct dram_txe_s *q = ch->txq[m] + ch->txq_head[m];
    uint32_t n = ch->nq[m] - ch->nact[m], k = 0;
    while (k < n && ds3_recent(d, q[n - 1 - k].t_arrive, c))
        k++;
    return k;
}

/* Is a read of the same address as write w queued (not yet issued), accepted before cycle c? */
static bool ds3_read_waits(const dram_t *d, dram_chan_t *ch, const migsim_req_t *w, uint64_t c)
{
    if (!*filter_slot(ch, 0, w->addr >> d->line_shift))
        return false;
    for (const migsim_req_t *r = ch->banks[REQ_BANK(w)].q_head[0]; r; r = r->next)
        if (r->addr == w->addr && !ds3_recent(d, r->t_arrive, c))
            return true;
    return false;
}

/* A buffered request accepted at cycle c or later moves at c + 1 at the earliest: into *wake. */
static inline void ds3_wake_arrival(const dram_t *d, const struct dram_txe_s *e, uint64_t *wake)
{
    uint64_t arrived = ps_to_cyc_ceil(d, e->t_arrive);
    *wake = arrived + 1 < *wake ? arrived + 1 : *wake;
}

/*
 * verify_cache: the move's choice (entry i of buffer m, from the banks' oldest buffered
 * requests) against the first entry whose command queue has room, found by walking the
 * buffer. A mismatch is an internal error reported through the sim.
 */
static void ds3_verify_move(dram_t *d, dram_chan_t *ch, unsigned m, uint32_t n, uint32_t i,
                            uint64_t c)
{
    const struct dram_txe_s *q = ch->txq[m] + ch->txq_head[m];
    uint32_t j = 0;
    while (j < n && ch->ds3_full[q[j].bank >> 6] >> (q[j].bank & 63) & 1)
        j++;
    if (j != i)
        migsim_sim_fail(d->comp.sim,
                        migsim_error(MIGSIM_ESTATE, "%s: channel %u at cycle %" PRIu64 ": the "
                                     "move chose entry %u of the %s buffer, the first with room "
                                     "in its command queue is %u", d->comp.name, ch->idx, c, i,
                                     m ? "write" : "read", j));
}

/* Does a drain start with nw writes and nr reads in the buffers (those step 3 sees)? */
static inline bool ds3_drain_starts(const dram_t *d, const dram_chan_t *ch, uint32_t nw,
                                    uint32_t nr)
{
    bool held = ch->ds3_drain_held && nr > ch->nact[0]; /* a read is buffered */
    return !ch->draining && !held &&
           (nw >= d->write_queue_depth || (nw > DRAM_DS3_DRAIN_MIN && ch->cq_total == 0) ||
            (nw && nr == 0 && ch->cq_total == 0)); /* the last writes of a trace */
}

/* Is step 3 idle from cycle c + 1 on (every request buffered now accepted before c + 1) until
 * a command queue entry leaves or a request arrives: no buffered request's command queue has
 * room, and no drain starts? Then the move is blocked till then. */
static inline bool ds3_step3_idle(const dram_t *d, dram_chan_t *ch)
{
    uint64_t room = 0;
    for (uint32_t w = 0; w < d->ds3_words; w++)
        room |= (ch->ds3_buf[0][w] | ch->ds3_buf[1][w]) & ~ch->ds3_full[w];
    if (room || ds3_drain_starts(d, ch, ch->nq[1] - ch->nact[1], ch->nq[0]))
        return false;
    ch->xfer_blocked = true;
    return true;
}

/* Move one request into its bank's command queue (step 3); true if one moved. *wake gets the
 * cycle at which a request accepted too recently may move. */
static bool ds3_transfer(dram_t *d, dram_chan_t *ch, uint64_t c, uint64_t *wake)
{
    if (ch->xfer_blocked)
        return false;
    /* what cycle c sees: the requests accepted before it */
    uint32_t rr = ds3_recent_n(d, ch, 0, c), rw = ds3_recent_n(d, ch, 1, c);
    uint32_t nw = ch->nq[1] - ch->nact[1] - rw, nr = ch->nq[0] - rr;
    if (ds3_drain_starts(d, ch, nw, nr))
        ch->draining = nw;
    unsigned m = ch->draining > 0;
    uint32_t n = ch->nq[m] - ch->nact[m];
    struct dram_txe_s *q = ch->txq[m] + ch->txq_head[m];
    /* q[old] on were accepted at c or later, and move at c + 1 at the earliest */
    uint32_t old = n - (m ? rw : rr);
    /* the first request of the buffer whose command queue has room: the oldest, or else, of
       the banks with room, the one whose oldest buffered request is oldest */
    uint64_t age = UINT64_MAX;
    uint32_t bi = n ? q[0].bank : 0, i = n;
    if (n && !(ch->ds3_full[bi >> 6] >> (bi & 63) & 1)) {
        i = 0;
    } else {
        /* each bank's age (below 2^56) and place in its word packed: the least is the oldest */
        uint64_t best = UINT64_MAX;
        uint32_t bw = 0;
        for (uint32_t w = 0; w < d->ds3_words; w++)
            for (uint64_t bits = ch->ds3_buf[m][w] & ~ch->ds3_full[w]; bits; bits &= bits - 1) {
                uint32_t j = (uint32_t)__builtin_ctzll(bits);
                uint64_t v = ch->ds3_bage[m][w * 64 + j] << 6 | j;
                bw = v < best ? w : bw;
                best = v < best ? v : best;
            }
        if (best != UINT64_MAX) {
            age = best >> 6;
            bi = bw * 64 + (uint32_t)(best & 63);
        }
    }
    if (age != UINT64_MAX) { /* its place in the buffer, which is in order of arrival: */
        const struct dram_txe_s *e = q + 1; /* not the first, whose bank is full */
        for (uint32_t len = n - 1; len > 1; len -= len / 2) /* no branch on the ages */
            e = e[len / 2].age <= age ? e + len / 2 : e;
        i = (uint32_t)(e - q); /* verify_cache checks it is the first with room */
    }
    if (d->verify_cache)
        ds3_verify_move(d, ch, m, n, i, c);
    /* the entry found is the chosen bank's oldest, but for an internal error: then no move */
    if (age != UINT64_MAX && (q[i].age != age || q[i].bank != bi)) {
        migsim_sim_fail(d->comp.sim,
                        migsim_error(MIGSIM_ESTATE, "%s: channel %u at cycle %" PRIu64 ": bank "
                                     "%u's oldest buffered age %" PRIu64 " finds entry %u (bank "
                                     "%u, age %" PRIu64 ")", d->comp.name, ch->idx, c, bi, age, i,
                                     q[i].bank, q[i].age));
        return false;
    }
    if (i < old) {
        dram_bank_t *b = &ch->banks[bi];
        migsim_req_t *r = q[i].req;
        if (m) {
            if (ds3_read_waits(d, ch, r, c)) { /* the drain stops; the reads move from c + 1 */
                ch->draining = 0;
                ch->ds3_drain_held = true;
                *wake = c + 1;
                return false;
            }
            ch->draining--;
        } else {
            ch->ds3_drain_held = false; /* a read moved: a drain may start again */
        }
        if (i < n - 1 - i) { /* the older ones move up: the buffer starts one later */
            if (i)
                memmove(&q[1], &q[0], i * sizeof *q);
            ch->txq_head[m]++;
        } else { /* the younger ones move down */
            memmove(&q[i], &q[i + 1], (n - 1 - i) * sizeof *q);
        }
        if (--ch->ds3_nbuf[m][bi] == 0)
            ch->ds3_buf[m][bi >> 6] &= ~(1ull << (bi & 63));
        else /* the bank's next request of list m is its oldest buffered one now */
            ch->ds3_bage[m][bi] = REQ_AGE(r->next);
        r->scratch[1] = (r->scratch[1] & 0xff) | ch->xfer_seq++ << 8; /* command queue order */
        uint32_t k = b->nx[0] + b->nx[1];
        unsigned hit = REQ_ROW(r) == b->open_row, had = b->ds3_hit;
        ch->ds3_cq[(size_t)bi * DRAM_DS3_CMDQ + k] =
            (dram_ds3_cqe_t){ r, REQ_ROW(r), (uint16_t)REQ_COL(r), (uint8_t)m };
        b->ds3_hit |= (uint8_t)(hit << k);
        b->ds3_wr |= (uint8_t)(m << k);
        if (++b->nx[m] + b->nx[!m] == DRAM_DS3_CMDQ)
            ch->ds3_full[bi >> 6] |= 1ull << (bi & 63);
        /* the new entry, last in the queue, changes the offer only if it is the only one, or
           hits the open row where no entry did (the PRE rule) or none of its kind is offered:
           a later entry neither comes first for its command nor makes an earlier write wait */
        if (k == 0 || (hit && (!had || !(b->ds3_offer >> (m ? DRAM_CMD_WR : DRAM_CMD_RD) & 1))))
            ds3_bank_update(ch, bi);
        ch->nact[m]++;
        ch->cq_total++;
        return true;
    }
    if (i < n) /* the first with room arrived too recently */
        ds3_wake_arrival(d, &q[i], wake);
    else if (rr + rw) /* cycle c + 1 sees them, and may drain or not */
        *wake = c + 1 < *wake ? c + 1 : *wake;
    else
        ch->xfer_blocked = true; /* until a command queue entry leaves or a request arrives */
    return false;
}

/*
 * verify_cache: every bank's offer (ds3_offer) against DRAMSim3's walk of its command queue
 * (ds3_bank_walk), and its scan entry against its offer and limits; with cand, step 2's
 * choice (bank `unit` issuing *cand, or none when unit is UINT32_MAX) against the first bank
 * in round-robin order from `from` whose walk finds a ready command. A mismatch is an internal
 * error reported through the sim.
 */
static void ds3_verify_pick(dram_t *d, dram_chan_t *ch, uint64_t c, uint32_t held,
                            uint32_t from, uint32_t unit, const dram_cand_t *cand)
{
    uint32_t nb = d->org.ranks * d->banks_per_rank, first = UINT32_MAX, nmulti = 0;
    dram_cand_t ref = { 0 }, got = { 0 };
    for (uint32_t w = 0; w < d->ds3_words; w++)
        nmulti += (uint32_t)__builtin_popcountll(ch->ds3_multi[w]);
    if (nmulti != ch->ds3_nmulti)
        migsim_sim_fail(d->comp.sim,
                        migsim_error(MIGSIM_ESTATE, "%s: channel %u at cycle %" PRIu64 ": %u "
                                     "banks offer several commands, %u counted", d->comp.name,
                                     ch->idx, c, nmulti, ch->ds3_nmulti));
    for (uint32_t n = 0, i = from; n < nb; n++, i++) {
        i = i == nb ? 0 : i;
        dram_bank_t *b = &ch->banks[i];
        uint64_t when = 0, t = ds3_bank_exact(ch, i);
        bool ready = ds3_bank_walk(ch, b, i, c, &ref, &when);
        if (ready ? t > c : t != when)
            migsim_sim_fail(d->comp.sim,
                            migsim_error(MIGSIM_ESTATE, "%s: channel %u bank %u at cycle %" PRIu64
                                         ": its earliest cycle is %" PRIu64 " from its offer, "
                                         "its command queue's walk gives %" PRIu64,
                                         d->comp.name, ch->idx, i, c, t, ready ? c : when));
        unsigned offer = b->ds3_offer, x = offer ? (unsigned)__builtin_ctz(offer) : DRAM_NCMD;
        bool multi = offer & (offer - 1), in_multi = ch->ds3_multi[i >> 6] >> (i & 63) & 1;
        uint64_t eff = x < DRAM_NCMD && !multi ? bank_group_earliest(b, x) : DS3_NEVER;
        if (in_multi != multi || ch->sc_eff[i] != eff ||
            ch->sc_cmd[i] != (multi ? DRAM_NCMD : x))
            migsim_sim_fail(d->comp.sim,
                            migsim_error(MIGSIM_ESTATE, "%s: channel %u bank %u at cycle %" PRIu64
                                         ": its scan entry (command %u, cycle %" PRIu64 "%s) is "
                                         "not its offer's (command %u, cycle %" PRIu64 "%s)",
                                         d->comp.name, ch->idx, i, c, ch->sc_cmd[i],
                                         ch->sc_eff[i], in_multi ? ", several" : "",
                                         multi ? DRAM_NCMD : x, eff, multi ? ", several" : ""));
        if (ready && first == UINT32_MAX && !(held >> (i / d->banks_per_rank) & 1)) {
            first = i;
            got = ref;
        }
    }
    if (cand && (first != unit ||
                 (unit != UINT32_MAX && (got.cmd != cand->cmd || got.req != cand->req))))
        migsim_sim_fail(d->comp.sim,
                        migsim_error(MIGSIM_ESTATE, "%s: channel %u at cycle %" PRIu64 ": step 2 "
                                     "chose bank %d, the walk of the command queues bank %d",
                                     d->comp.name, ch->idx, c, (int)unit, (int)first));
}

/* Bank `unit`'s first ready command at cycle c (it has one): of the commands it offers that
 * can issue, the one of the earliest entry. */
static void ds3_bank_pick(dram_chan_t *ch, uint32_t unit, uint64_t c, dram_cand_t *out)
{
    const uint8_t *kx = ch->ds3_k + (size_t)unit * DRAM_DS3_NCMD;
    dram_bank_t *b = &ch->banks[unit];
    unsigned offer = b->ds3_offer, best = (unsigned)__builtin_ctz(offer), bk = kx[best];
    if (offer & (offer - 1)) { /* more than one command offered: the earliest entry's that can */
        best = DRAM_DS3_NCMD;
        bk = DRAM_DS3_CMDQ;
        for (; offer; offer &= offer - 1) {
            unsigned x = (unsigned)__builtin_ctz(offer);
            if (earliest(b, x) <= c && kx[x] < bk) {
                best = x;
                bk = kx[x];
            }
        }
    }
    assert(best < DRAM_DS3_NCMD);
    *out = (dram_cand_t){ c, (uint64_t)CLASS_ROW << 56, (uint8_t)best, unit,
                          ch->ds3_cq[(size_t)unit * DRAM_DS3_CMDQ + bk].req };
}

/* The ranks whose refresh holds their queued commands at c (bit r; none unless ref_wait, a
 * refresh due at c). */
static inline uint32_t ds3_held(const dram_t *d, const dram_chan_t *ch, uint64_t c, bool ref_wait)
{
    uint32_t held = 0;
    for (uint32_t r = 0; ref_wait && r < d->org.ranks; r++)
        held |= (uint32_t)(ch->ranks[r].ref_due <= c) << r;
    return held;
}

/* Step 2: of the banks that can issue at cycle c (the ranks in `held` left out), the first in
 * round-robin order from the one after ch->rr gives its first ready command (*cand) and
 * becomes ch->rr. From the cached scan unless something changed since it was taken. */
static bool ds3_rr_pick(dram_t *d, dram_chan_t *ch, uint64_t c, uint32_t held,
                        dram_cand_t *cand)
{
    uint32_t unit = UINT32_MAX, from = ds3_rr_from(d, ch);
    if (d->verify_cache)
        ds3_verify_pick(d, ch, c, held, from, UINT32_MAX, NULL);
    if (ch->ds3_dirty || held || ch->ds3_t < c)
        ds3_rescan(d, ch, c, held);
    if (ch->ds3_t == c) {
        unit = ch->ds3_u;
        ds3_bank_pick(ch, unit, c, cand);
        ch->rr = unit; /* the scan no longer holds: ds3_tick marks it when the command issues */
    }
    if (d->verify_cache)
        ds3_verify_pick(d, ch, c, held, from, unit, cand);
    return unit != UINT32_MAX;
}

/* Simulate cycle c (steps 1 to 3); the next cycle at which something can happen, or
 * UINT64_MAX. */
static uint64_t ds3_tick(dram_t *d, dram_chan_t *ch, uint64_t c)
{
    uint64_t wake = UINT64_MAX;
    dram_cand_t cand = { 0 };
    bool have = false;
    int in_ref = -1;
    if (d->refresh && ch->ref_due_min > c) {
        wake = ch->ref_due_min; /* no refresh is due: the first falls due then */
    } else if (d->refresh) {
        for (uint32_t r = 0; r < d->org.ranks; r++) {
            uint64_t due = ch->ranks[r].ref_due;
            if (due <= c && (in_ref < 0 || due < ch->ranks[in_ref].ref_due))
                in_ref = (int)r;
            else if (due > c && due < wake)
                wake = due;
        }
        if (in_ref >= 0)
            have = ds3_refresh_pick(d, ch, (uint32_t)in_ref, c, &cand, &wake);
    }
    uint32_t held = ds3_held(d, ch, c, in_ref >= 0);
    if (!have)
        have = ds3_rr_pick(d, ch, c, held, &cand);
    if (have) {
        chan_issue(d, ch, &cand, c);
        ch->ds3_dirty = true; /* the limits and the round robin changed */
        if (cand.cmd == DRAM_CMD_ACT) /* its row opened */
            ds3_hit_recount(ch, &ch->banks[cand.unit], cand.unit);
        else if (cand.cmd == DRAM_CMD_PRE) /* its row closed: no entry hits */
            ch->banks[cand.unit].ds3_hit = 0;
        if (cand.cmd != DRAM_CMD_REF) /* the bank's queue or state changed */
            ds3_bank_update(ch, cand.unit);
    }
    bool moved = ds3_transfer(d, ch, c, &wake);
    ch->ds3_c = c + 1;
    /* the next cycle at which something can happen: at once after a refresh command, or a
       move unless step 3 is idle then; else a bank's (the scan's), a buffered request's, a
       refresh's. Every cycle under verify_cache, as DRAMSim3 itself (the same commands,
       nothing skipped) */
    if ((have && in_ref >= 0) || d->verify_cache || (moved && !ds3_step3_idle(d, ch)))
        return c + 1;
    if (ch->ds3_dirty || ch->ds3_t <= c)
        ds3_rescan(d, ch, c + 1, held);
    wake = ch->ds3_t < wake ? ch->ds3_t : wake;
    return wake > c + 1 ? wake : c + 1;
}

/* Simulate the cycles before `until` at which something happens (idle: refreshes only). */
static void ds3_catch_up(dram_t *d, dram_chan_t *ch, uint64_t until)
{
    uint64_t c = ch->ds3_c;
    while (c < until)
        c = ds3_tick(d, ch, c);
    if (ch->ds3_c < until)
        ch->ds3_c = until;
}

static void ds3_sched(migsim_event_t *ev)
{
    dram_chan_t *ch = ev->ctx;
    dram_t *d = ch->d;
    uint64_t c = ch->sched_cyc;
    for (;;) {
        if (!chan_next_decision(d, ch, ev, ds3_tick(d, ch, c), &c))
            return;
    }
}

/* A request accepted at cycle c joins the read or write buffer; the channel wakes at c + 1
 * unless step 3 is idle then. */
static void ds3_accept(dram_t *d, dram_chan_t *ch, migsim_req_t *req, unsigned m, uint64_t c)
{
    uint32_t bi = REQ_BANK(req), n = ch->nq[m] - ch->nact[m]; /* with req */
    struct dram_txe_s *q = ch->txq[m];
    if (ch->txq_head[m] + n > 2 * (m ? d->write_queue_depth : d->read_queue_depth)) {
        memmove(q, q + ch->txq_head[m], (n - 1) * sizeof *q); /* at the array's end: to its start */
        ch->txq_head[m] = 0;
    }
    q[ch->txq_head[m] + n - 1] = (struct dram_txe_s){ req, req->t_arrive, REQ_AGE(req), bi };
    if (ch->ds3_nbuf[m][bi]++ == 0) {
        ch->ds3_buf[m][bi >> 6] |= 1ull << (bi & 63);
        ch->ds3_bage[m][bi] = REQ_AGE(req);
    }
    ch->xfer_blocked = false;
    if (migsim_event_queued(&ch->sched_ev) && ch->sched_cyc <= c + 1)
        return; /* that cycle sees it, or the next */
    if (d->verify_cache || !ds3_step3_idle(d, ch))
        chan_wake(d, ch, c + 1);
}

static void chan_resp(migsim_event_t *ev)
{
    dram_chan_t *ch = ev->ctx;
    dram_t *d = ch->d;
    migsim_tick_t now = d->comp.k->now;
    for (;;) {
        int q = -1;
        for (int i = 0; i < 3; i++)
            if (ch->rsp_head[i] && ch->rsp_head[i]->t_done <= now &&
                (q < 0 || ch->rsp_head[i]->id < ch->rsp_head[q]->id))
                q = i;
        if (q < 0)
            break;
        migsim_req_t *req = ch->rsp_head[q];
        ch->rsp_head[q] = req->next;
        if (!ch->rsp_head[q])
            ch->rsp_tail[q] = NULL;
        req->next = NULL;
        if (req->flags & MIGSIM_REQ_POSTED)
            migsim_req_free(d->comp.pool, req);
        else
            migsim_port_respond(migsim_req_route_pop(req) ? &d->in1 : &d->in, req);
    }
    chan_arm_resp(ch);
}

/* Overlay the bytes of queued writes (oldest first) that overlap [addr, addr + size). */
static void overlay_writes(const dram_t *d, const dram_bank_t *b, uint64_t addr, uint32_t size,
                           uint8_t *dst)
{
    uint64_t line = addr >> d->line_shift;
    for (const migsim_req_t *w = b->q_head[1]; w; w = w->next) {
        if (w->addr >> d->line_shift != line || !(w->flags & MIGSIM_REQ_HAS_DATA) ||
            (w->flags & MIGSIM_REQ_CAS))
            continue;
        uint64_t lo = w->addr > addr ? w->addr : addr;
        uint64_t hi = w->addr + w->size < addr + size ? w->addr + w->size : addr + size;
        if (lo < hi)
            memcpy(dst + (lo - addr), w->data + (lo - w->addr), (size_t)(hi - lo));
    }
}

/* A read that hits a queued write to its line is answered from the write queue. */
static bool chan_forward(dram_t *d, dram_chan_t *ch, dram_bank_t *b, migsim_req_t *req, uint64_t c)
{
    uint64_t line = req->addr >> d->line_shift;
    if (!*filter_slot(ch, 1, line))
        return false;
    bool hit = false, cas = false;
    for (migsim_req_t *w = b->q_head[1]; w; w = w->next)
        if (w->addr >> d->line_shift == line) {
            hit = true;
            cas |= (w->flags & MIGSIM_REQ_CAS) != 0;
        }
    if (!hit || cas)
        return false; /* a queued compare-and-swap may still fail: the read waits its turn */
    if (d->functional && (req->flags & MIGSIM_REQ_HAS_DATA)) {
        migsim_store_read(&d->store, req->addr, req->data, req->size);
        overlay_writes(d, b, req->addr, req->size, req->data);
    }
    d->st_forwarded++;
    req->t_done = cyc_to_ps(d, c + 1);
    lat_record(d, req->t_done - req->t_arrive);
    d->st_bytes_read += d->line_bytes;
    rsp_push(ch, 2, req);
    return true;
}

static int dram_recv(migsim_port_t *port, migsim_req_t *req)
{
    dram_t *d = (dram_t *)port->owner;
    migsim_kernel_t *k = d->comp.k;
    if (req->size == 0 || req->size > d->line_bytes ||
        (req->addr & (d->line_bytes - 1)) + req->size > d->line_bytes || req->op >= MIGSIM_OP_COUNT_) {
        migsim_sim_fail(d->comp.sim,
                        migsim_error(MIGSIM_EINVAL, "%s: request %" PRIu64 " (addr 0x%" PRIx64
                                     ", %u bytes) crosses a %u-byte line or has a bad size/op",
                                     d->comp.name, req->id, req->addr, req->size, d->line_bytes));
        return MIGSIM_EBUSY;
    }
    uint64_t addr = req->addr;
    if (addr >= d->capacity_bytes) {
        d->st_wrapped++;
        addr %= d->capacity_bytes;
    }
    /* a full queue refuses before the rest of the address is decoded */
    dram_chan_t *ch = &d->chans[map_field(&d->map, addr, FIELD_CH)];
    unsigned m = req->op == MIGSIM_OP_WRITE;
    uint32_t cap = m ? d->write_queue_depth : d->read_queue_depth;
    if (chan_occ(ch, m) >= cap) {
        ch->want_retry |= (uint8_t)(1u << m);
        d->st_refused++;
        return MIGSIM_EBUSY;
    }
    dram_loc_t loc;
    decode_loc(&d->map, addr, &loc);
    uint32_t flat = (loc.rank * d->org.bankgroups + loc.bg) * d->org.banks_per_group + loc.bank;
    dram_bank_t *b = &ch->banks[flat];
    req->t_arrive = k->now;
    migsim_req_route_push(req, port == &d->in1); /* which port answers */
    uint64_t c = ps_to_cyc_ceil(d, k->now);
    bool idle = !migsim_event_queued(&ch->sched_ev);
    if (idle) /* dramsim3 simulates cycle c before a request it accepts at c */
        chan_catch_up(d, ch, c + (d->controller == DRAM_CTRL_DRAMSIM3));
    if (m)
        d->st_writes++;
    else
        d->st_reads++;
    if (!m && chan_forward(d, ch, b, req, c))
        return MIGSIM_OK;
    if (m && d->functional && (req->flags & MIGSIM_REQ_HAS_DATA) &&
        *filter_slot(ch, 0, req->addr >> d->line_shift)) {
        uint64_t line = req->addr >> d->line_shift;
        for (migsim_req_t *r = b->q_head[0]; r; r = r->next)
            if (r->addr >> d->line_shift == line && (r->flags & MIGSIM_REQ_HAS_DATA) &&
                !(r->scratch[1] & RF_CAPTURED)) {
                migsim_store_read(&d->store, r->addr, r->data, r->size);
                r->scratch[1] |= RF_CAPTURED;
            }
    }
    req->scratch[0] = (uint64_t)loc.row << 32 | (uint64_t)flat << 12 | loc.col;
    req->scratch[1] = ch->age_seq++ << 8;
    if (ch->age_seq == 1ull << DRAM_SCAN_AGE_BITS)
        ch->scan_packed = false; /* ages from here on do not fit the packed key */
    req->next = NULL;
    if (b->q_tail[m])
        b->q_tail[m]->next = req;
    else
        b->q_head[m] = req;
    b->q_tail[m] = req;
    b->row_cnt[m][loc.row % DRAM_ROW_BUCKETS]++;
    ch->nq[m]++;
    ++*filter_slot(ch, m, req->addr >> d->line_shift);
    if (d->controller == DRAM_CTRL_DRAMSIM3) {
        ds3_accept(d, ch, req, m, c);
        return MIGSIM_OK;
    }
    bool hit = b->open_row == loc.row;
    /*
     * A younger request changes the bank's candidate only when the bank had
     * none in this mode, or when it hits the open row of a bank that was
     * going to precharge (the hit now comes first, or the row stays open).
     */
    if ((b->cand_cmd == DRAM_NCMD && m == ch->mode) || (hit && b->cand_cmd == DRAM_CMD_PRE))
        bank_candidate(d, ch, b);
    if (idle) {
        ch->dirty = true;
        chan_wake(d, ch, max_u64(c, ch->cmd_next));
        return MIGSIM_OK;
    }
    /*
     * The scheduler has a chosen command. The arrival changes only its own
     * bank's candidate, so unless it flips the read/write mode or touches the
     * chosen bank, the choice is updated by one comparison instead of a scan.
     */
    uint8_t mode = ch->mode;
    chan_update_mode(d, ch);
    bool chosen_bank = ch->best.cmd < DRAM_CMD_REF && ch->best.unit == flat &&
                       ch->best.req != NULL;
    /* a younger request leaves the chosen bank's candidate as it was, unless it is a new row hit */
    bool changed = chosen_bank &&
                   (b->cand_cmd != ch->best.cmd || b->cand_req != ch->best.req ||
                    b->cand_key != ch->best.key);
    if (ch->dirty || mode != ch->mode || changed ||
        (ch->best.unit == flat && ch->best.cmd < DRAM_CMD_REF && !ch->best.req)) {
        ch->dirty = true;
        if (cyc_to_ps(d, c) < ch->sched_ev.when)
            chan_wake(d, ch, c);
        return MIGSIM_OK;
    }
    if (m != mode)
        return MIGSIM_OK; /* queued for the other mode: no candidate now */
    if (b->cand_cmd == DRAM_NCMD)
        return MIGSIM_OK;
    uint64_t t = max_u64(earliest(b, b->cand_cmd), max_u64(c, ch->cmd_next));
    uint64_t due = ch->ranks[b->rank].ref_eff_due;
    if (t >= due)
        return MIGSIM_OK;
    dram_cand_t *best = &ch->best;
    if (t < best->time || (t == best->time && b->cand_key < best->key)) {
        cand_offer(best, t, b->cand_key, b->cand_cmd, flat, b->cand_req);
        chan_wake(d, ch, t);
    }
    return MIGSIM_OK;
}

/* ---- life cycle ---------------------------------------------------------------- */

#define RESOLVE(field, src) do { if (!d->field) d->field = (src); } while (0)

uint64_t dram_capacity(const dram_t *d)
{
    const dram_preset_t *p = &dram_presets[d->preset];
#define ORG(f) ((uint64_t)(d->f ? d->f : p->org.f))
    return ORG(channels) * ORG(ranks) * ORG(bankgroups) * ORG(banks_per_group) * ORG(rows) *
           (ORG(columns) / p->timing.BL) * (p->org.bus_width / 8 * p->timing.BL);
#undef ORG
}

static int dram_init(migsim_comp_t *c)
{
    dram_t *d = (dram_t *)c;
    const dram_preset_t *p = &dram_presets[d->preset];
    RESOLVE(channels, p->org.channels);
    RESOLVE(ranks, p->org.ranks);
    RESOLVE(bankgroups, p->org.bankgroups);
    RESOLVE(banks_per_group, p->org.banks_per_group);
    RESOLVE(rows, p->org.rows);
    RESOLVE(columns, p->org.columns);
    d->org = p->org;
    d->org.channels = d->channels;
    d->org.ranks = d->ranks;
    d->org.bankgroups = d->bankgroups;
    d->org.banks_per_group = d->banks_per_group;
    d->org.rows = d->rows;
    d->org.columns = d->columns;
    const dram_timing_t *pt = &p->timing;
    d->t = *pt;
#define T(f) do { if (d->f) d->t.f = d->f; } while (0)
    T(tCK_ps); T(tCL); T(tCWL); T(tRCD); T(tRP); T(tRAS); T(tRC); T(tRRD_S); T(tRRD_L); T(tFAW);
    T(tCCD_S); T(tCCD_L); T(tWTR_S); T(tWTR_L); T(tRTP); T(tWR); T(tRFC); T(tREFI); T(tRTRS);
#undef T
    if (!d->tRC && (d->tRAS || d->tRP))
        d->t.tRC = d->t.tRAS + d->t.tRP;
    const char *what = NULL;
    if (!is_pow2(d->org.channels)) what = "channels";
    else if (!is_pow2(d->org.ranks)) what = "ranks";
    else if (!is_pow2(d->org.bankgroups)) what = "bankgroups";
    else if (!is_pow2(d->org.banks_per_group)) what = "banks_per_group";
    else if (!is_pow2(d->org.rows)) what = "rows";
    else if (!is_pow2(d->org.columns)) what = "columns";
    if (what)
        return migsim_error(MIGSIM_ECONFIG, "%s must be a power of two", what);
    d->line_bytes = d->org.bus_width / 8 * d->t.BL;
    if (!is_pow2(d->line_bytes))
        return migsim_error(MIGSIM_ECONFIG, "line size %u (bus_width / 8 * BL) is not a power of two",
                            d->line_bytes);
    d->line_shift = log2u(d->line_bytes);
    if (d->org.columns < d->t.BL)
        return migsim_error(MIGSIM_ECONFIG, "columns (%u) must be at least the burst length (%u)",
                            d->org.columns, d->t.BL);
    if (d->t.tRC < d->t.tRAS + d->t.tRP)
        return migsim_error(MIGSIM_ECONFIG, "tRC (%u) must be at least tRAS + tRP (%u)", d->t.tRC,
                            d->t.tRAS + d->t.tRP);
    if (d->controller != DRAM_CTRL_DEFAULT &&
        (d->write_high_watermark != DRAM_WM_HIGH_DEF || d->write_low_watermark != DRAM_WM_LOW_DEF))
        return migsim_error(MIGSIM_ECONFIG, "controller \"%s\" drains writes by its own rule: "
                            "leave write_high_watermark and write_low_watermark at their defaults",
                            d->controller == DRAM_CTRL_DRAMSIM3 ? "dramsim3" : "ramulator2");
    if (d->controller == DRAM_CTRL_RAMULATOR2) {
        /* Ramulator's: more than 0.8, and fewer than 0.2, of the write buffer's entries */
        d->write_high_watermark = d->write_queue_depth * 4 / 5 + 1;
        d->write_low_watermark = (d->write_queue_depth + 4) / 5 - 1;
    }
    if (d->controller != DRAM_CTRL_DRAMSIM3 &&
        (d->write_low_watermark >= d->write_high_watermark ||
         d->write_high_watermark > d->write_queue_depth))
        return migsim_error(MIGSIM_ECONFIG,
                            "need write_low_watermark (%u) < write_high_watermark (%u) <= "
                            "write_queue_depth (%u)", d->write_low_watermark,
                            d->write_high_watermark, d->write_queue_depth);
    if (d->controller == DRAM_CTRL_DRAMSIM3 && (d->scheduler != 0 || d->page_policy != 0))
        return migsim_error(MIGSIM_ECONFIG, "controller \"dramsim3\" models DRAMSim3's open-page "
                            "FR-FCFS controller: it takes scheduler \"frfcfs\" and page_policy "
                            "\"open\"");
    if (d->controller == DRAM_CTRL_RAMULATOR2 && d->scheduler != 0)
        return migsim_error(MIGSIM_ECONFIG, "controller \"ramulator2\" schedules as Ramulator's "
                            "FRFCFS (the oldest ready command) and takes scheduler \"frfcfs\"");
    if (d->controller == DRAM_CTRL_RAMULATOR2) {
        /* Ramulator 2: the active buffer before everything, then the oldest ready command */
        d->commit_class = CLASS_REFRESH;
        d->hit_class = CLASS_ROW;
    } else {
        d->commit_class = d->hit_class = d->scheduler ? CLASS_ROW : CLASS_COLUMN;
    }
    int rc = dram_addrmap_parse(d->address_mapping, &d->org, d->line_bytes, &d->map);
    if (rc)
        return rc;
    d->banks_per_rank = d->org.bankgroups * d->org.banks_per_group;
    d->ds3_words = (d->org.ranks * d->banks_per_rank + 63) / 64;
    assert(d->ds3_words <= DRAM_DS3_MAXW); /* the organisation parameters' limits */
    d->tck_recip = dram_ps_recip(d->t.tCK_ps);
    d->capacity_bytes = dram_capacity(d);
    if (d->org.ranks * d->banks_per_rank > 0xfffff || d->org.columns / d->t.BL > 0x1000)
        return migsim_error(MIGSIM_ECONFIG, "too many banks per channel or columns per row");
    /* each rule's cycles; 0 for none (a raise to the cycle of the command itself, which no
       other command shares) */
    for (const dram_timing_rule_t *r = dram_rules; r->name; r++) {
        int64_t lat = r->lat(&d->t);
        if (lat <= 0)
            continue;
        d->rule_lat[r->prev][r->scope][r->next] = (uint32_t)lat;
        if ((uint64_t)lat > d->max_lat)
            d->max_lat = (uint32_t)lat;
    }
    if (d->t.tFAW > d->max_lat)
        d->max_lat = d->t.tFAW;
    if (d->banks_per_rank > 64)
        return migsim_error(MIGSIM_ECONFIG, "at most 64 banks per rank");
    d->lat_hist_n = 8192;
    d->lat_hist = calloc(d->lat_hist_n, sizeof *d->lat_hist);
    d->chans = calloc(d->org.channels, sizeof *d->chans);
    if (!d->lat_hist || !d->chans)
        return migsim_error(MIGSIM_ENOMEM, "out of memory");
    migsim_store_init(&d->store);
    for (uint32_t i = 0; i < d->org.channels; i++) {
        dram_chan_t *ch = &d->chans[i];
        ch->d = d;
        ch->idx = i;
        uint32_t nb = d->org.ranks * d->banks_per_rank;
        ch->banks = calloc(nb, sizeof *ch->banks);
        ch->bgs = calloc((size_t)d->org.ranks * d->org.bankgroups, sizeof *ch->bgs);
        ch->ranks = calloc(d->org.ranks, sizeof *ch->ranks);
        ch->sc_cmd = malloc(nb);
        ch->sc_eff = calloc(nb, sizeof *ch->sc_eff);
        ch->sc_key = calloc(nb, sizeof *ch->sc_key);
        ch->sc_kp = calloc(nb, sizeof *ch->sc_kp);
        ch->scan_packed = d->max_lat < DRAM_SCAN_NEVER_D;
        if (!ch->banks || !ch->bgs || !ch->ranks || !ch->sc_cmd || !ch->sc_key ||
            !ch->sc_eff || !ch->sc_kp)
            return migsim_error(MIGSIM_ENOMEM, "out of memory");
        for (uint32_t b = 0; b < nb; b++) {
            ch->banks[b].open_row = DRAM_NO_ROW;
            ch->banks[b].rank = (uint16_t)(b / d->banks_per_rank);
            ch->banks[b].bg = (uint16_t)(b % d->banks_per_rank / d->org.banks_per_group);
            ch->banks[b].bg_next =
                ch->bgs[ch->banks[b].rank * d->org.bankgroups + ch->banks[b].bg].next;
            ch->banks[b].rank_next = ch->ranks[ch->banks[b].rank].next;
            ch->sc_cmd[b] = DRAM_NCMD;
        }
        chan_invalidate_all(d, ch);
        for (uint32_t r = 0; r < d->org.ranks; r++)
        {
            ch->ranks[r].ref_due = d->t.tREFI + (uint64_t)r * d->t.tREFI / d->org.ranks;
            ch->ranks[r].ref_eff_due = d->refresh ? ch->ranks[r].ref_due : UINT64_MAX;
        }
        chan_ref_due_min(d, ch);
        ch->best.time = UINT64_MAX;
        if (d->controller == DRAM_CTRL_DRAMSIM3) {
            /* DRAMSim3's rank-staggered refresh: rank r first at (r + 1) * tREFI / ranks */
            for (uint32_t r = 0; r < d->org.ranks; r++) {
                ch->ranks[r].ref_due = (uint64_t)(r + 1) * (d->t.tREFI / d->org.ranks);
                ch->ranks[r].ref_eff_due = d->refresh ? ch->ranks[r].ref_due : UINT64_MAX;
            }
            chan_ref_due_min(d, ch);
            ch->txq[0] = calloc(2 * (size_t)d->read_queue_depth, sizeof *ch->txq[0]);
            ch->txq[1] = calloc(2 * (size_t)d->write_queue_depth, sizeof *ch->txq[1]);
            ch->ds3_k = calloc((size_t)nb * DRAM_DS3_NCMD, sizeof *ch->ds3_k);
            ch->ds3_multi = calloc(d->ds3_words, sizeof *ch->ds3_multi);
            ch->ds3_full = calloc(d->ds3_words, sizeof *ch->ds3_full);
            ch->ds3_cq = calloc((size_t)nb * DRAM_DS3_CMDQ, sizeof *ch->ds3_cq);
            for (unsigned m = 0; m < 2; m++) {
                ch->ds3_nbuf[m] = calloc(nb, sizeof *ch->ds3_nbuf[m]);
                ch->ds3_buf[m] = calloc(d->ds3_words, sizeof *ch->ds3_buf[m]);
                ch->ds3_bage[m] = calloc(nb, sizeof *ch->ds3_bage[m]);
                if (!ch->ds3_nbuf[m] || !ch->ds3_buf[m] || !ch->ds3_bage[m])
                    return migsim_error(MIGSIM_ENOMEM, "out of memory");
            }
            if (!ch->txq[0] || !ch->txq[1] || !ch->ds3_k || !ch->ds3_multi || !ch->ds3_full ||
                !ch->ds3_cq)
                return migsim_error(MIGSIM_ENOMEM, "out of memory");
            for (uint32_t b = 0; b < nb; b++) /* nothing queued: nothing offered */
                ch->sc_eff[b] = DS3_NEVER;
            ch->ds3_t = UINT64_MAX;
        }
        if ((rc = migsim_event_init(c->k, &ch->sched_ev,
                                    d->controller == DRAM_CTRL_DRAMSIM3 ? ds3_sched : chan_sched,
                                    ch, 10, 0, "dram.sched")) ||
            (rc = migsim_event_init(c->k, &ch->resp_ev, chan_resp, ch, 5, 0, "dram.resp")))
            return rc;
    }
    if (d->cmd_log[0]) {
        d->log = fopen(d->cmd_log, "w");
        if (!d->log)
            return migsim_error(MIGSIM_EIO, "cmd_log: cannot create %s", d->cmd_log);
        fprintf(d->log, "# migsim dram command log v1\n");
        fprintf(d->log, "# org channels=%u ranks=%u bankgroups=%u banks_per_group=%u rows=%u "
                        "columns=%u\n", d->org.channels, d->org.ranks, d->org.bankgroups,
                d->org.banks_per_group, d->org.rows, d->org.columns);
        const dram_timing_t *t = &d->t;
        fprintf(d->log, "# timing tCK_ps=%u BL=%u tCL=%u tCWL=%u tRCD=%u tRP=%u tRAS=%u tRC=%u "
                        "tRRD_S=%u tRRD_L=%u tFAW=%u tCCD_S=%u tCCD_L=%u tWTR_S=%u tWTR_L=%u "
                        "tRTP=%u tWR=%u tRFC=%u tREFI=%u tRTRS=%u\n",
                t->tCK_ps, t->BL, t->tCL, t->tCWL, t->tRCD, t->tRP, t->tRAS, t->tRC, t->tRRD_S,
                t->tRRD_L, t->tFAW, t->tCCD_S, t->tCCD_L, t->tWTR_S, t->tWTR_L, t->tRTP, t->tWR,
                t->tRFC, t->tREFI, t->tRTRS);
    }
    return MIGSIM_OK;
}

static void dram_fini(migsim_comp_t *c)
{
    dram_t *d = (dram_t *)c;
    if (d->log)
        fclose(d->log);
    d->log = NULL;
    for (uint32_t i = 0; d->chans && i < d->org.channels; i++) {
        dram_chan_t *ch = &d->chans[i];
        if (ch->sched_ev.fn) {
            migsim_event_fini(c->k, &ch->sched_ev);
            migsim_event_fini(c->k, &ch->resp_ev);
        }
        free(ch->banks);
        free(ch->bgs);
        free(ch->ranks);
        free(ch->sc_cmd);
        free(ch->sc_eff);
        free(ch->sc_key);
        free(ch->sc_kp);
        free(ch->txq[0]);
        free(ch->txq[1]);
        free(ch->ds3_k);
        free(ch->ds3_multi);
        free(ch->ds3_full);
        free(ch->ds3_cq);
        for (unsigned m = 0; m < 2; m++) {
            free(ch->ds3_nbuf[m]);
            free(ch->ds3_buf[m]);
            free(ch->ds3_bage[m]);
        }
    }
    free(d->chans);
    d->chans = NULL;
    free(d->lat_hist);
    d->lat_hist = NULL;
    migsim_store_fini(&d->store);
}

/* The latency, in whole cycles, below or at which `frac` of the reads completed. */
static uint64_t hist_pct_cyc(const dram_t *d, double frac)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < d->lat_hist_n; i++)
        n += d->lat_hist[i];
    if (!n)
        return 0;
    uint64_t want = (uint64_t)(frac * (double)n + 0.999999);
    if (want < 1)
        want = 1;
    uint64_t acc = 0;
    for (uint32_t i = 0; i < d->lat_hist_n; i++) {
        acc += d->lat_hist[i];
        if (acc >= want) /* the last bucket collects everything longer: report the maximum */
            return i == d->lat_hist_n - 1 ? d->st_read_lat_max_ps / d->t.tCK_ps : i;
    }
    return 0;
}

static double cyc_ns(const dram_t *d, uint64_t cyc)
{
    return (double)cyc * d->t.tCK_ps / 1000.0;
}

static void dram_finalize(migsim_comp_t *c)
{
    dram_t *d = (dram_t *)c;
    /* refreshes that an idle channel would have issued by now */
    uint64_t now_c = c->k->now / d->t.tCK_ps;
    for (uint32_t i = 0; i < d->org.channels; i++)
        if (!migsim_event_queued(&d->chans[i].sched_ev) && d->chans[i].nq[0] + d->chans[i].nq[1] == 0)
            chan_catch_up(d, &d->chans[i], now_c + 1);
    if (d->log)
        fflush(d->log);
    uint64_t nr = d->st_reads ? d->st_reads : 1;
    d->st_read_lat_avg_ns = (double)d->st_read_lat_sum_ps / (double)nr / 1000.0;
    d->st_read_lat_avg_cyc = (double)d->st_read_lat_sum_ps / (double)nr / d->t.tCK_ps;
    d->st_read_lat_p50_cyc = hist_pct_cyc(d, 0.50);
    d->st_read_lat_p99_cyc = hist_pct_cyc(d, 0.99);
    d->st_read_lat_max_cyc = d->st_read_lat_max_ps / d->t.tCK_ps;
    d->st_read_lat_p50_ns = cyc_ns(d, d->st_read_lat_p50_cyc);
    d->st_read_lat_p90_ns = cyc_ns(d, hist_pct_cyc(d, 0.90));
    d->st_read_lat_p99_ns = cyc_ns(d, d->st_read_lat_p99_cyc);
    d->st_read_lat_max_ns = (double)d->st_read_lat_max_ps / 1000.0;
    d->st_write_lat_avg_ns = d->st_writes ? (double)d->st_write_lat_sum_ps / (double)d->st_writes / 1000.0 : 0;
    uint64_t span = c->k->now > d->st_last_data_ps ? c->k->now : d->st_last_data_ps;
    d->st_sim_time_ns = (double)span / 1000.0;
    d->st_bandwidth_gbps = span ? (double)(d->st_bytes_read + d->st_bytes_written) / (double)span * 1000.0 : 0;
    d->st_wasted_total = d->st_wasted[0] + d->st_wasted[1] + d->st_wasted[2];
    uint64_t served = d->st_row_hits + d->st_row_misses + d->st_row_conflicts;
    d->st_row_hit_rate = served ? (double)d->st_row_hits / (double)served : 0;
}

void dram_set_commit_observer(dram_t *d, migsim_commit_fn fn, void *ctx)
{
    d->on_commit = fn;
    d->on_commit_ctx = ctx;
}

/* Apply `fn` to every queued write carrying data, in each bank's arrival order. */
static void dram_each_queued_write(dram_t *d, void (*fn)(migsim_req_t *w, void *arg), void *arg)
{
    uint32_t nb = d->org.ranks * d->banks_per_rank;
    for (uint32_t c = 0; c < d->org.channels; c++)
        for (uint32_t b = 0; d->chans[c].nq[1] && b < nb; b++)
            for (migsim_req_t *w = d->chans[c].banks[b].q_head[1]; w; w = w->next)
                if ((w->flags & MIGSIM_REQ_HAS_DATA) && !(w->flags & MIGSIM_REQ_CAS))
                    fn(w, arg); /* a queued compare-and-swap decides against the store later */
}

typedef struct dram_span_s { uint64_t addr; size_t len; uint8_t *bytes; } dram_span_t;

static void span_overlap(const migsim_req_t *w, const dram_span_t *s, uint64_t *lo, uint64_t *hi)
{
    *lo = w->addr > s->addr ? w->addr : s->addr;
    *hi = w->addr + w->size < s->addr + s->len ? w->addr + w->size : s->addr + s->len;
}

static void fview_overlay(migsim_req_t *w, void *arg)
{
    dram_span_t *s = arg;
    uint64_t lo, hi;
    span_overlap(w, s, &lo, &hi);
    if (lo < hi)
        memcpy(s->bytes + (lo - s->addr), w->data + (lo - w->addr), (size_t)(hi - lo));
}

static void fview_patch(migsim_req_t *w, void *arg)
{
    dram_span_t *s = arg;
    uint64_t lo, hi;
    span_overlap(w, s, &lo, &hi);
    if (lo < hi)
        memcpy(w->data + (lo - w->addr), s->bytes + (lo - s->addr), (size_t)(hi - lo));
}

static void dram_fview_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
    dram_t *d = ctx;
    migsim_store_read(&d->store, addr, dst, len);
    dram_span_t s = { addr, len, dst };
    dram_each_queued_write(d, fview_overlay, &s);
}

static int dram_fview_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
    dram_t *d = ctx;
    dram_span_t s = { addr, len, (uint8_t *)src };
    dram_each_queued_write(d, fview_patch, &s);
    return migsim_store_write(&d->store, addr, src, len);
}

uint8_t *dram_dmi_frame(dram_t *d, uint64_t addr)
{
    if (addr >= d->capacity_bytes)
        return NULL;
    return migsim_store_frame(&d->store, addr);
}

migsim_tick_t dram_idle_read_ps(const dram_t *d)
{
    return cyc_to_ps(d, (uint64_t)d->t.tRCD + d->t.tCL + (uint64_t)dram_tBL(&d->t));
}

migsim_tick_t dram_idle_write_ps(const dram_t *d)
{
    return cyc_to_ps(d, (uint64_t)d->t.tRCD + d->t.tCWL + (uint64_t)dram_tBL(&d->t));
}

migsim_fmem_t dram_fmem(dram_t *d)
{
    return (migsim_fmem_t){ .ctx = d, .read = dram_fview_read, .write = dram_fview_write };
}

int dram_dbg_write(dram_t *d, uint64_t addr, const void *src, size_t len)
{
    return migsim_store_write(&d->store, addr, src, len);
}

void dram_dbg_read(dram_t *d, uint64_t addr, void *dst, size_t len)
{
    migsim_store_read(&d->store, addr, dst, len);
}

/* ---- tables ------------------------------------------------------------------------ */

static const char *const preset_names[] = { "DDR4-2400", "DDR4-3200", NULL };
static const char *const policy_names[] = { "open", "closed", NULL };
static const char *const sched_names[] = { "frfcfs", "fcfs", NULL };
static const char *const ctrl_names[] = { "default", "ramulator2", "dramsim3", NULL };

#define P_TIMING(f, h) MIGSIM_PARAM_U32(dram_t, #f, f, "tCK", 0, 0, 100000, h " (0 = from preset)")
#define P_ORG(f, h, mx) MIGSIM_PARAM_U32(dram_t, #f, f, "", 0, 0, mx, h " (0 = from preset)")

static const migsim_param_t dram_params[] = {
    MIGSIM_PARAM_ENUM(dram_t, "preset", preset, 0, preset_names, "JEDEC speed bin, 8 Gb x8 devices"),
    P_ORG(channels, "channels", 16),
    P_ORG(ranks, "ranks per channel", 8),
    P_ORG(bankgroups, "bank groups per rank", 8),
    P_ORG(banks_per_group, "banks per bank group", 8),
    P_ORG(rows, "rows per bank", 1u << 20),
    P_ORG(columns, "device columns per row", 1u << 14),
    MIGSIM_PARAM_U32(dram_t, "tCK_ps", tCK_ps, "ps", 0, 0, 100000, "clock period (0 = from preset)"),
    P_TIMING(tCL, "read latency"),
    P_TIMING(tCWL, "write latency"),
    P_TIMING(tRCD, "ACT to RD/WR"),
    P_TIMING(tRP, "PRE to ACT"),
    P_TIMING(tRAS, "ACT to PRE"),
    P_TIMING(tRC, "ACT to ACT, same bank"),
    P_TIMING(tRRD_S, "ACT to ACT, other bank group"),
    P_TIMING(tRRD_L, "ACT to ACT, same bank group"),
    P_TIMING(tFAW, "four-activate window"),
    P_TIMING(tCCD_S, "column to column, other bank group"),
    P_TIMING(tCCD_L, "column to column, same bank group"),
    P_TIMING(tWTR_S, "write data end to RD, other bank group"),
    P_TIMING(tWTR_L, "write data end to RD, same bank group"),
    P_TIMING(tRTP, "RD to PRE"),
    P_TIMING(tWR, "write recovery: write data end to PRE"),
    P_TIMING(tRFC, "REF to ACT/REF"),
    P_TIMING(tREFI, "refresh interval"),
    P_TIMING(tRTRS, "rank-to-rank switch"),
    MIGSIM_PARAM_STR(dram_t, "address_mapping", address_mapping, "RoBaBgRaCoCh",
                     "address bits, most significant field first: Ch Ra Bg Ba Ro Co in any order "
                     "(DRAMSim3's lowercase form, e.g. rochrababgco, is accepted)"),
    MIGSIM_PARAM_ENUM(dram_t, "page_policy", page_policy, 0, policy_names,
                      "open: rows stay open until a conflict; closed: precharge when no queued "
                      "request hits the row"),
    MIGSIM_PARAM_ENUM(dram_t, "scheduler", scheduler, 0, sched_names,
                      "frfcfs: row hits first, then oldest; fcfs: oldest first"),
MIGSIM_PARAM_ENUM(dram_t, "controller", controller, 0, ctrl_names,
                      "default: libmigsim's controller; dramsim3: DRAMSim3's (a move per cycle "
                      "from the read/write buffer into per-bank command queues of 8, served "
                      "round robin; drains the whole write buffer once full, or over 8 with the "
                      "command queues empty; rank-staggered refresh that precharges whatever "
                      "is queued); ramulator2: Ramulator 2's generic DDR "
                      "controller (a request whose ACT issued leaves its read/write buffer for "
                      "an active buffer served first, oldest first among ready commands, row "
                      "hits or not; writes drain from more than 0.8 to fewer than 0.2 of "
                      "write_queue_depth; refresh by PREA then REF)"),
    MIGSIM_PARAM_U32(dram_t, "read_queue_depth", read_queue_depth, "requests", 32, 1, 4096,
                     "read queue entries per channel"),
    MIGSIM_PARAM_U32(dram_t, "write_queue_depth", write_queue_depth, "requests", 32, 1, 4096,
                     "write queue entries per channel"),
    MIGSIM_PARAM_U32(dram_t, "write_high_watermark", write_high_watermark, "requests",
                     DRAM_WM_HIGH_DEF, 1, 4096,
                     "start draining writes at this many queued writes (default controller; "
                     "ramulator2 and dramsim3 drain by their own rules)"),
    MIGSIM_PARAM_U32(dram_t, "write_low_watermark", write_low_watermark, "requests",
                     DRAM_WM_LOW_DEF, 0, 4095,
                     "stop draining writes at this many (when reads wait; default controller)"),
    MIGSIM_PARAM_BOOL(dram_t, "refresh", refresh, 1, "issue all-bank refresh every tREFI"),
    MIGSIM_PARAM_BOOL(dram_t, "functional", functional, 1,
                      "keep real bytes for requests that carry data"),
    MIGSIM_PARAM_BOOL(dram_t, "verify_cache", verify_cache, 0,
                      "check the scheduler's cached candidates against a full recomputation at "
                      "every decision; dramsim3: simulate every cycle and check each against a "
                      "walk of every command queue and of the read/write buffer (slow; for "
                      "testing the model)"),
    MIGSIM_PARAM_STR(dram_t, "cmd_log", cmd_log, "",
                     "write every command to this file (models/dram/CMDLOG.md); empty = off"),
    MIGSIM_PARAMS_END,
};

static const migsim_port_def_t dram_ports[] = {
    /* both push one route entry (which port answers) and answer the request themselves */
    MIGSIM_PORT_TARGET_ROUTE(dram_t, "in", in, dram_recv, false, 1, true,
                             "memory requests (one line at most each); refused with busy when the "
                             "channel queue is full"),
    MIGSIM_PORT_TARGET_ROUTE(dram_t, "in1", in1, dram_recv, true, 1, true,
                             "a second requester sharing the same queues (optional); its requests "
                             "are answered on in1"),
    MIGSIM_PORTS_END,
};

#define S_U(n, f, u, h) MIGSIM_STAT_U64(dram_t, n, f, u, h)
#define S_F(n, f, u, h) MIGSIM_STAT_F64(dram_t, n, f, u, h)

static const migsim_stat_def_t dram_stats[] = {
    S_U("read_reqs", st_reads, "requests", "read requests accepted"),
    S_U("write_reqs", st_writes, "requests", "write requests accepted"),
    S_U("row_hits", st_row_hits, "requests", "served without ACT"),
    S_U("row_misses", st_row_misses, "requests", "served after an ACT to a closed bank"),
    S_U("row_conflicts", st_row_conflicts, "requests", "served after closing another row"),
    S_F("row_hit_rate", st_row_hit_rate, "ratio", "row_hits / requests served by a column command"),
    S_U("act_cmds", st_cmd[DRAM_CMD_ACT], "commands", "ACT commands"),
    S_U("pre_cmds", st_cmd[DRAM_CMD_PRE], "commands", "PRE commands"),
    S_U("rd_cmds", st_cmd[DRAM_CMD_RD], "commands", "RD commands"),
    S_U("wr_cmds", st_cmd[DRAM_CMD_WR], "commands", "WR commands"),
    S_U("ref_cmds", st_cmd[DRAM_CMD_REF], "commands", "REF commands (all-bank)"),
    S_U("prea_cmds", st_prea, "commands",
        "PREA commands (precharge all banks of a rank; ramulator2's refresh)"),
    S_U("wasted_act_cmds", st_wasted_total, "commands",
        "ACTs whose row was closed with no column command (sum of the three causes below)"),
    S_U("wasted_act_mode_cmds", st_wasted[0], "commands",
        "wasted ACTs closed by a PRE for a request of the other kind (read/write mode)"),
    S_U("wasted_act_refresh_cmds", st_wasted[1], "commands",
        "wasted ACTs closed by a refresh's precharge"),
    S_U("wasted_act_other_cmds", st_wasted[2], "commands",
        "wasted ACTs closed by any other PRE (closed page, a request of the same kind)"),
    S_U("refused_reqs", st_refused, "requests", "sends refused because a queue was full"),
    S_U("forwarded_reads", st_forwarded, "requests", "reads answered from the write queue"),
    S_U("wrapped_reqs", st_wrapped, "requests", "addresses beyond capacity, wrapped modulo capacity"),
    S_U("read_bytes", st_bytes_read, "bytes", "bytes read"),
    S_U("written_bytes", st_bytes_written, "bytes", "bytes written"),
    S_F("read_latency_avg_ns", st_read_lat_avg_ns, "ns", "read latency, arrival to last data beat"),
    S_F("read_latency_avg_cyc", st_read_lat_avg_cyc, "tCK", "read latency in DRAM cycles"),
    S_F("read_latency_p50_ns", st_read_lat_p50_ns, "ns", "median read latency (1-cycle buckets)"),
    S_F("read_latency_p90_ns", st_read_lat_p90_ns, "ns", "90th percentile read latency"),
    S_F("read_latency_p99_ns", st_read_lat_p99_ns, "ns", "99th percentile read latency"),
    S_F("read_latency_max_ns", st_read_lat_max_ns, "ns", "largest read latency"),
    S_U("read_latency_p50_cyc", st_read_lat_p50_cyc, "tCK", "median read latency, whole DRAM cycles"),
    S_U("read_latency_p99_cyc", st_read_lat_p99_cyc, "tCK", "99th percentile read latency, whole DRAM cycles"),
    S_U("read_latency_max_cyc", st_read_lat_max_cyc, "tCK", "largest read latency, whole DRAM cycles"),
    S_F("write_latency_avg_ns", st_write_lat_avg_ns, "ns", "write latency, arrival to last data beat"),
    S_F("bandwidth_gbps", st_bandwidth_gbps, "GB/s", "bytes moved / simulated time (1 GB = 1e9 B)"),
    S_F("sim_time_ns", st_sim_time_ns, "ns", "simulated time up to the last data beat or now"),
    MIGSIM_STATS_END,
};

const migsim_comp_ops_t dram_ops = {
    .type = "dram",
    .help = "DDR4 memory: channels of ranks, bank groups and banks, one FR-FCFS controller per "
            "channel, JEDEC timing, all-bank refresh, functional store",
    .size = sizeof(dram_t),
    .params = dram_params,
    .ports = dram_ports,
    .stats = dram_stats,
    .init = dram_init,
    .finalize_stats = dram_finalize,
    .fini = dram_fini,
};
