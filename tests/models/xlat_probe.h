/*
 * xlat_probe.h - the harness shared by the MMU tests (test_cpu_mmu.c,
 * test_iommu.c): a probe port of the test bound to the MMU's input port
 * (sim.external_ports), the MMU's memory port linked to a DDR4-2400 DRAM
 * whose functional store holds the page table (built with xlat_pt_* at a
 * reserved PA region), and a small open-row model of the DRAM for
 * closed-form expectations.
 *
 * Include after cmocka.h, with these defined:
 *   PROBE_MODEL_T   the MMU's state type (cpu_mmu_t, iommu_t)
 *   PROBE_NAME      its instance name, a string literal ("mmu0", "io0")
 *   PROBE_TYPE      its component type, a string literal ("cpu_mmu", "iommu")
 *   PROBE_SET_ROOT  its set-root function (cpu_mmu_set_root, iommu_set_root)
 *   PROBE_SRC       the source kind of the probe's requests (MIGSIM_SRC_*)
 */
#ifndef MIGSIM_TESTS_XLAT_PROBE_H
#define MIGSIM_TESTS_XLAT_PROBE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dram/dram.h"
#include "migsim/errors.h"
#include "migsim/rng.h"
#include "migsim/sim.h"
#include "xlat/xlat.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define PT_BASE (1ull * GiB)      /* reserved page-table region */
#define PT_BYTES (64ull * MiB)
#define MAXREQ 1024
#define NBANK 256

typedef struct probe_s {
    migsim_port_t port;
    migsim_sim_t *sim;
    PROBE_MODEL_T *m;
    dram_t *d;
    xlat_pt_t pt;
    migsim_tick_t done[MAXREQ];      /* completion tick per tag (0 = not yet) */
    uint64_t addr[MAXREQ];           /* req->addr in the response */
    uint64_t orig[MAXREQ];           /* req->orig_addr in the response */
    int32_t status[MAXREQ];
    uint8_t data[MAXREQ][64];
    int ndone;
    /* open-row model of the DRAM, for closed-form expectations */
    uint32_t open_row[NBANK];
    /* requests waiting to be sent (back-pressure test), in order */
    migsim_req_t *wait[MAXREQ];
    int nwait, wait_head;
    int nrefused;
} probe_t;

static void probe_pump(probe_t *p);

static void probe_resp(migsim_port_t *self, migsim_req_t *req)
{
    probe_t *p = (probe_t *)self;
    int tag = (int)(uintptr_t)req->cookie;
    p->done[tag] = migsim_sim_now(p->sim);
    p->addr[tag] = req->addr;
    p->orig[tag] = req->orig_addr;
    p->status[tag] = req->status;
    memcpy(p->data[tag], req->data, 64);
    p->ndone++;
    migsim_req_free(migsim_sim_pool(p->sim), req);
}

static void probe_retry(migsim_port_t *self)
{
    probe_pump((probe_t *)self);
}

static void probe_open(probe_t *p, const char *model_json, const char *dram_json, bool root)
{
    char cfg[2048];
    snprintf(cfg, sizeof cfg,
             "{ \"base\": \"none\", \"sim\": { \"external_ports\": [\"" PROBE_NAME ".in\"] },"
             "  \"components\": {"
             "    \"" PROBE_NAME "\": { \"type\": \"" PROBE_TYPE "\"%s%s },"
             "    \"dram0\": { \"type\": \"dram\", \"preset\": \"DDR4-2400\", \"refresh\": false%s%s } },"
             "  \"links\": [ { \"from\": \"" PROBE_NAME ".mem\", \"to\": \"dram0.in\" } ] }",
             model_json ? ", " : "", model_json ? model_json : "", dram_json ? ", " : "",
             dram_json ? dram_json : "");
    memset(p, 0, sizeof *p);
    if (migsim_sim_create(&p->sim, cfg, "test") != 0)
        fail_msg("%s", migsim_errmsg());
    p->port.resp = probe_resp;
    p->port.retry = probe_retry;
    p->port.name = "probe";
    assert_int_equal(migsim_sim_bind(p->sim, PROBE_NAME ".in", &p->port), 0);
    p->m = (PROBE_MODEL_T *)migsim_sim_find(p->sim, PROBE_NAME);
    p->d = (dram_t *)migsim_sim_find(p->sim, "dram0");
    assert_non_null(p->m);
    assert_non_null(p->d);
    xlat_pt_cfg_t pc;
    memset(&pc, 0, sizeof pc);
    pc.ladder = p->m->ladder;
    pc.mem = migsim_fmem_of_store(&p->d->store);
    pc.pt_base = PT_BASE;
    pc.pt_bytes = PT_BYTES;
    pc.table_align_bytes = 8192;   /* one table per DRAM row chunk: tables spread over banks */
    if (xlat_pt_create(&p->pt, &pc) != 0)
        fail_msg("%s", migsim_errmsg());
    if (root)
        assert_int_equal(PROBE_SET_ROOT(p->m, p->pt.root), 0);
    for (int i = 0; i < NBANK; i++)
        p->open_row[i] = DRAM_NO_ROW;
    assert_int_equal(migsim_sim_run(p->sim, 0), 0);
}

static migsim_req_t *mkreq(probe_t *p, int tag, migsim_op_t op, uint64_t va, uint8_t fill)
{
    migsim_req_t *r = migsim_req_alloc(migsim_sim_pool(p->sim));
    r->addr = r->orig_addr = va;
    r->size = 64;
    r->op = (uint8_t)op;
    r->flags = MIGSIM_REQ_HAS_DATA;
    r->src_kind = PROBE_SRC;
    r->cookie = (void *)(uintptr_t)tag;
    r->t_issue = migsim_sim_now(p->sim);
    if (op == MIGSIM_OP_WRITE)
        memset(r->data, fill, 64);
    return r;
}

/* Advance to t, then send one request (must be accepted). */
static void send_at(probe_t *p, migsim_tick_t t, int tag, migsim_op_t op, uint64_t va, uint8_t fill)
{
    migsim_kernel_run_until(migsim_sim_kernel(p->sim), t);
    assert_int_equal(migsim_port_send(&p->port, mkreq(p, tag, op, va, fill)), 0);
}

static void run_all(probe_t *p)
{
    assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
}

/* Send queued requests in order while the MMU takes them. */
static void probe_pump(probe_t *p)
{
    while (p->wait_head < p->nwait) {
        if (migsim_port_send(&p->port, p->wait[p->wait_head]) != 0) {
            p->nrefused++;
            return;
        }
        p->wait_head++;
    }
}

static void map(probe_t *p, uint64_t va, uint64_t pa, uint32_t k, unsigned opts)
{
    if (xlat_pt_map(&p->pt, va, pa, k, opts) != 0)
        fail_msg("map 0x%llx: %s", (unsigned long long)va, migsim_errmsg());
}

/* PTE addresses a cold walk of va reads, top first (functional walk of the test). */
static int pte_path(probe_t *p, uint64_t va, uint64_t *addrs)
{
    const xlat_ladder_t *l = &p->pt.ladder;
    uint64_t table = p->pt.root;
    int n = 0;
    for (int k = (int)l->n - 1; k >= 0; k--) {
        uint64_t a = table + xlat_level_index(l, (uint32_t)k, va) * 8, pte;
        p->pt.mem.read(p->pt.mem.ctx, a, &pte, 8);
        addrs[n++] = a;
        if (pte & XLAT_PTE_L || !(pte & XLAT_PTE_V))
            break;
        table = xlat_pte_addr(pte);
    }
    return n;
}

static uint64_t tck(const probe_t *p) { return p->d->t.tCK_ps; }

static uint32_t bank_of(probe_t *p, uint64_t a, uint32_t *row)
{
    dram_loc_t loc;
    dram_decode(p->d, a, &loc);
    if (row)
        *row = loc.row;
    return ((loc.ch * p->d->org.ranks + loc.rank) * p->d->org.bankgroups + loc.bg) *
               p->d->org.banks_per_group + loc.bank;
}

/*
 * A `size`-aligned PA at or above `from` in a DRAM bank that none of
 * `avoid` uses, so that the closed form sees no row conflict; the page
 * mapped at va is pointed there.
 */
static uint64_t place(probe_t *p, uint64_t va, uint64_t from, uint64_t size, const uint64_t *avoid, int n)
{
    for (uint64_t pa = from;; pa += size) {
        uint32_t b = bank_of(p, pa, NULL);
        int i = 0;
        while (i < n && bank_of(p, avoid[i], NULL) != b)
            i++;
        if (i == n) {
            assert_int_equal(xlat_pt_retarget(&p->pt, va, pa), 0);
            return pa;
        }
    }
}


/*
 * Closed form of dependent reads issued back to back from t: each arrives
 * when the previous completes, waits for the next clock edge, and takes
 * tRCD + tCL + tBL on a bank with no open row or tCL + tBL on its open row.
 */
static migsim_tick_t dram_reads(probe_t *p, migsim_tick_t t, const uint64_t *addrs, int n)
{
    const dram_timing_t *tm = &p->d->t;
    for (int i = 0; i < n; i++) {
        t = (t + tck(p) - 1) / tck(p) * tck(p);
        dram_loc_t loc;
        uint32_t b = bank_of(p, addrs[i], &loc.row);
        assert_true(b < NBANK);
        uint64_t cyc = 0;
        if (p->open_row[b] == DRAM_NO_ROW)
            cyc = tm->tRCD + tm->tCL + dram_tBL(tm);
        else if (p->open_row[b] == loc.row)
            cyc = tm->tCL + dram_tBL(tm);
        else
            fail_msg("layout error: 0x%llx conflicts in bank %u", (unsigned long long)addrs[i], b);
        p->open_row[b] = loc.row;
        t += cyc * tck(p);
    }
    return t;
}

static double stat(probe_t *p, const char *name)
{
    double v;
    char buf[128];
    snprintf(buf, sizeof buf, PROBE_NAME ".%s", name);
    assert_int_equal(migsim_sim_stat(p->sim, buf, &v), 0);
    return v;
}

/*
 * One page at each of the six ladder sizes (va[k] = (k + 1) << 36 to pa[k],
 * an offset off[k] near the middle of the page): a write of `fill + k` to
 * each, then a read of each. Checks that every request completed with
 * status 0, that the store holds the bytes at the PA, that each read
 * returns them, and that the responses carry the PA and the original VA.
 */
static void probe_every_ladder_size(probe_t *p, uint8_t fill, uint64_t va[6], uint64_t pa[6],
                                    uint64_t off[6])
{
    static const uint64_t pas[6] = { 0x10001000ull, 0x10010000ull, 0x10100000ull, 0x11000000ull,
                                     0x20000000ull, 4 * GiB };
    const xlat_ladder_t *l = &p->m->ladder;
    for (uint32_t k = 0; k < 6; k++) {
        va[k] = (uint64_t)(k + 1) << 36;
        pa[k] = pas[k];
        off[k] = (xlat_size(l, k) / 2 + 64 * (k + 1)) & ~63ull;
        map(p, va[k], pa[k], k, 0);
    }
    migsim_tick_t t = 0;
    for (uint32_t k = 0; k < 6; k++, t += 1000000)
        send_at(p, t, (int)k, MIGSIM_OP_WRITE, va[k] + off[k], (uint8_t)(fill + k));
    run_all(p);
    t = migsim_sim_now(p->sim) + 1000000;
    for (uint32_t k = 0; k < 6; k++, t += 1000000)
        send_at(p, t, (int)(10 + k), MIGSIM_OP_READ, va[k] + off[k], 0);
    run_all(p);
    assert_int_equal(p->ndone, 12);
    for (uint32_t k = 0; k < 6; k++) {
        uint8_t got[64], want[64];
        memset(want, fill + (int)k, 64);
        dram_dbg_read(p->d, pa[k] + off[k], got, 64);
        assert_memory_equal(got, want, 64);                /* the store holds it at the PA */
        assert_memory_equal(p->data[10 + k], want, 64);     /* and a read by VA returns it */
        assert_int_equal(p->addr[k], pa[k] + off[k]);
        assert_int_equal(p->orig[k], va[k] + off[k]);
        assert_int_equal(p->status[k], 0);
    }
}

#define PROBE_BP_N 600   /* requests of the back-pressure program */

/*
 * The back-pressure program: eight pages of four sizes (va[i] = (i + 1) << 36,
 * A/D clear so walks write PTEs too) and PROBE_BP_N random reads and writes
 * of their first 16 lines queued in p->wait (sent by probe_pump); expect[i]
 * is the byte read i must see, -1 for a write.
 */
static void probe_bp_program(probe_t *p, uint64_t seed, uint64_t va[8], int expect[PROBE_BP_N])
{
    for (uint32_t i = 0; i < 8; i++) {
        va[i] = (uint64_t)(i + 1) << 36;
        map(p, va[i], 0x20000000ull + (uint64_t)i * 0x1000000, i % 4, 0);
    }
    uint8_t ref[8][16];              /* last value written per (page, line) */
    memset(ref, 0, sizeof ref);
    migsim_rng_t rng;
    migsim_rng_seed(&rng, seed);
    for (int i = 0; i < PROBE_BP_N; i++) {
        uint32_t pg = (uint32_t)migsim_rng_below(&rng, 8), ln = (uint32_t)migsim_rng_below(&rng, 16);
        bool wr = migsim_rng_below(&rng, 2) != 0;
        uint8_t v = (uint8_t)(i % 250 + 1);
        p->wait[p->nwait++] = mkreq(p, i, wr ? MIGSIM_OP_WRITE : MIGSIM_OP_READ,
                                    va[pg] + 0x40 * ln, v);
        if (wr) {
            ref[pg][ln] = v;
            expect[i] = -1;
        } else {
            expect[i] = ref[pg][ln];
        }
    }
}

/* After the program ran: every request sent and answered, each read with its expected byte. */
static void probe_bp_check(probe_t *p, const int expect[PROBE_BP_N])
{
    assert_int_equal(p->wait_head, PROBE_BP_N);
    assert_int_equal(p->ndone, PROBE_BP_N);
    for (int i = 0; i < PROBE_BP_N; i++)
        if (expect[i] >= 0)
            assert_int_equal(p->data[i][0], expect[i]);
    assert_true(p->nrefused > 0);
    assert_true(stat(p, "refused_reqs") > 0);
    assert_true(p->d->st_refused > 0);
    assert_true(stat(p, "translated_reqs") == PROBE_BP_N);
    assert_int_equal(migsim_sim_pool(p->sim)->in_use, 0);
}

#define PROBE_STR_(x) #x
#define PROBE_STR(x) PROBE_STR_(x)

/*
 * An MMU whose root was never set refuses a request and fails the run with
 * MIGSIM_ESTATE naming its set-root function; the probe is left open.
 */
static void probe_no_root(probe_t *p)
{
    probe_open(p, NULL, NULL, false);
    migsim_req_t *r = mkreq(p, 0, MIGSIM_OP_READ, 0x1000, 0);
    assert_int_equal(migsim_port_send(&p->port, r), MIGSIM_EBUSY);
    migsim_req_free(migsim_sim_pool(p->sim), r);
    assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), MIGSIM_ESTATE);
    assert_non_null(strstr(migsim_errmsg(), PROBE_STR(PROBE_SET_ROOT)));
}

/* The includer's back-pressure run (its MMU refused and retried): statistics JSON, freed by the caller. */
static char *run_backpressure(void);

/* Two back-pressure runs give byte-identical statistics. */
static void test_backpressure_deterministic(void **state)
{
    (void)state;
    char *a = run_backpressure();
    char *b = run_backpressure();
    assert_non_null(a);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

#endif /* MIGSIM_TESTS_XLAT_PROBE_H */
