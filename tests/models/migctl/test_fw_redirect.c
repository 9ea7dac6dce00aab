/*
 * test_fw_redirect.c - the firmware mapping-table redirect (US 9,600,202):
 *   - the mapping table (models/fwmap) alone in front of a DRAM: every
 *     request pays lookup_ps; a switched entry redirects (the bytes land at
 *     the copy, the response carries the new address); a held chunk keeps
 *     DMA writes, and reads of their line, until the hold is lifted, then
 *     sends them to the copy; copy-engine writes pass; the capacity holds;
 *   - the mechanism on bench/configs/firmware_redirect.json scaled to a
 *     1 MiB page: without the interlock a NIC writing all over the page
 *     loses writes, with it none (same scenario);
 *   - the analytic check: with no traffic, the migration takes per chunk
 *     SMI entry + copy + switch + exit, the copy at the DRAM's read
 *     bandwidth, within 5%; the core is held for exactly that long;
 *   - after the migration every CPU access pays lookup_ps;
 *   - configuration errors at init naming the JSON path: a table too small
 *     for the page, a chunk that is not whole table chunks, no table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_mmu/cpu_mmu.h"
#include "dram/dram.h"
#include "fwmap/fwmap.h"
#include "migctl/migctl.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "testutil/migplat.h"
#include "testutil/sim.h"

#define MiB (1ull << 20)
#define CHUNK 0x10000ull
#define SRC 0x100000ull
#define DST 0x800000ull
#define MAXTAG 16

/* ---- the table alone: an external initiator on fw0.in, fw0.mem to a DRAM ------------ */

typedef struct tb_s {
    migsim_port_t port;       /* first member: the port pointer is the test bench */
    migsim_sim_t *sim;
    fwmap_t *f;
    dram_t *d;
    migsim_tick_t done[MAXTAG];
    uint64_t resp_addr[MAXTAG];
    uint8_t data[MAXTAG][64];
} tb_t;

static void tb_resp(migsim_port_t *self, migsim_req_t *req)
{
    tb_t *tb = (tb_t *)self;
    int tag = (int)(uintptr_t)req->cookie;
    assert_true(tag >= 0 && tag < MAXTAG);
    tb->done[tag] = migsim_sim_now(tb->sim);
    tb->resp_addr[tag] = req->addr;
    memcpy(tb->data[tag], req->data, 64);
    migsim_req_free(migsim_sim_pool(tb->sim), req);
}

static void tb_retry(migsim_port_t *self)
{
    (void)self;
    fail_msg("the table refused a request of the test");
}

static void tb_open(tb_t *tb, uint64_t lookup_ps)
{
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "{ \"base\": \"none\", \"sim\": { \"external_ports\": [\"fw0.in\"] },"
             "  \"components\": {"
             "    \"fw0\": { \"type\": \"fwmap\", \"lookup_ps\": %llu, \"entries\": 4,"
             "               \"chunk_bytes\": \"64KiB\" },"
             "    \"dram0\": { \"type\": \"dram\", \"preset\": \"DDR4-2400\" } },"
             "  \"links\": [ { \"from\": \"fw0.mem\", \"to\": \"dram0.in\" } ] }",
             (unsigned long long)lookup_ps);
    memset(tb, 0, sizeof *tb);
    if (migsim_sim_create(&tb->sim, cfg, "test"))
        fail_msg("%s", migsim_errmsg());
    tb->port.resp = tb_resp;
    tb->port.retry = tb_retry;
    tb->port.name = "fw0.in";
    assert_int_equal(migsim_sim_bind(tb->sim, "fw0.in", &tb->port), 0);
    tb->f = (fwmap_t *)migsim_sim_find(tb->sim, "fw0");
    tb->d = (dram_t *)migsim_sim_find(tb->sim, "dram0");
    assert_int_equal(migsim_sim_run(tb->sim, 0), 0);
}

/* Run to tick t, then send one 64-byte request that must be accepted. */
static void send_at(tb_t *tb, migsim_tick_t t, int tag, migsim_op_t op, uint64_t pa, uint8_t v,
                    unsigned src_kind)
{
    migsim_kernel_run_until(migsim_sim_kernel(tb->sim), t);
    migsim_req_t *r = migsim_req_alloc(migsim_sim_pool(tb->sim));
    r->addr = r->orig_addr = pa;
    r->size = 64;
    r->op = (uint8_t)op;
    r->src_kind = (uint8_t)src_kind;
    r->cookie = (void *)(uintptr_t)tag;
    r->t_issue = migsim_sim_now(tb->sim);
    r->flags = MIGSIM_REQ_HAS_DATA;
    memset(r->data, v, 64);
    assert_int_equal(migsim_port_send(&tb->port, r), 0);
}

static uint8_t peek(tb_t *tb, uint64_t pa)
{
    uint8_t b[64];
    dram_dbg_read(tb->d, pa, b, 64);
    for (int i = 1; i < 64; i++)
        assert_int_equal(b[i], b[0]);
    return b[0];
}

static void test_table_redirect_and_hold(void **state)
{
    (void)state;
    /*
     * the lookup: the same read with lookup_ps 0 and 9 DRAM clocks (the DRAM
     * sees it at the same clock phase) completes exactly 9 clocks later
     */
    migsim_tick_t t[2];
    uint64_t lookup = 0;
    for (int i = 0; i < 2; i++) {
        tb_t tb;
        tb_open(&tb, lookup);
        send_at(&tb, 1000000, 0, MIGSIM_OP_READ, SRC, 0, MIGSIM_SRC_CPU);
        assert_int_equal(migsim_sim_run(tb.sim, MIGSIM_TICK_MAX), 0);
        t[i] = tb.done[0];
        assert_true(tb.f->st_lookups == 1 && tb.f->st_redirected == 0);
        lookup = 9ull * tb.d->t.tCK_ps;
        migsim_sim_destroy(tb.sim);
    }
    assert_int_equal(t[1] - t[0], lookup);

    tb_t tb;
    tb_open(&tb, 1000);
    fwmap_t *f = tb.f;
    /* no entry: the write lands where it was sent */
    send_at(&tb, 1000000, 0, MIGSIM_OP_WRITE, SRC + 0x40, 0x11, MIGSIM_SRC_CPU);
    /* a switched entry: the bytes land at the copy, the response carries its address */
    migsim_kernel_run_until(migsim_sim_kernel(tb.sim), 1500000);
    assert_int_equal(fwmap_set(f, SRC, DST, CHUNK, true), 0);
    assert_int_equal(fwmap_resolve(f, SRC + 0x1234), DST + 0x1234);
    assert_int_equal(fwmap_resolve(f, SRC + CHUNK), SRC + CHUNK);
    send_at(&tb, 2000000, 1, MIGSIM_OP_WRITE, SRC + 0x80, 0x22, MIGSIM_SRC_DMA);
    send_at(&tb, 3000000, 2, MIGSIM_OP_READ, SRC + 0x80, 0, MIGSIM_SRC_CPU);
    /* an entry not switched and held: a DMA write and a read of its line wait, others pass */
    const uint64_t S2 = SRC + CHUNK, D2 = DST + CHUNK;
    assert_int_equal(fwmap_set(f, S2, D2, CHUNK, false), 0);
    assert_int_equal(fwmap_hold(f, S2, CHUNK, true), 0);
    send_at(&tb, 4000000, 3, MIGSIM_OP_WRITE, S2 + 0x100, 0x33, MIGSIM_SRC_DMA);
    send_at(&tb, 4100000, 4, MIGSIM_OP_READ, S2 + 0x100, 0, MIGSIM_SRC_DMA);  /* same line */
    send_at(&tb, 4200000, 5, MIGSIM_OP_READ, S2 + 0x200, 0, MIGSIM_SRC_DMA);  /* another */
    send_at(&tb, 4300000, 6, MIGSIM_OP_WRITE, S2 + 0x300, 0x66, MIGSIM_SRC_COPY); /* the copy */
    migsim_kernel_run_until(migsim_sim_kernel(tb.sim), 9000000);
    assert_true(tb.done[0] && tb.done[1] && tb.done[2]);
    assert_int_equal(tb.resp_addr[1], DST + 0x80);
    assert_int_equal(tb.data[2][0], 0x22);                 /* read back from the copy */
    assert_true(tb.done[5] && tb.done[6]);                 /* not held */
    assert_true(!tb.done[3] && !tb.done[4]);               /* held */
    assert_int_equal(fwmap_held(f), 2);
    assert_true(f->st_held_writes == 1 && f->st_held_reads == 1);
    /* the switch, then the hold lifted at 10 us: both go to the copy, write first */
    assert_int_equal(fwmap_set(f, S2, D2, CHUNK, true), 0);
    assert_int_equal(fwmap_hold(f, S2, CHUNK, false), 0);
    assert_int_equal(migsim_sim_run(tb.sim, MIGSIM_TICK_MAX), 0);
    assert_int_equal(fwmap_held(f), 0);
    assert_int_equal(tb.resp_addr[3], D2 + 0x100);
    assert_int_equal(tb.data[4][0], 0x33);
    /* held from the end of each lookup (4.001 and 4.101 us) to 9 us */
    assert_int_equal(f->st_hold_time_ps, (9000000 - 4001000) + (9000000 - 4101000));
    assert_int_equal(f->st_hold_max_ps, 9000000 - 4001000);
    assert_int_equal(peek(&tb, SRC + 0x40), 0x11);
    assert_int_equal(peek(&tb, DST + 0x80), 0x22);
    assert_int_equal(peek(&tb, D2 + 0x100), 0x33);
    assert_int_equal(peek(&tb, S2 + 0x300), 0x66);          /* the copy's own address */
    assert_int_equal(f->st_lookups, 7);
    assert_int_equal(f->st_redirected, 4);                  /* tags 1, 2, 3, 4 */
    assert_int_equal(f->st_entries_used, 2);
    /* capacity: 4 entries, 2 used; 3 more do not fit and nothing changes */
    migsim_error_clear();
    assert_int_equal(fwmap_set(f, 0x2000000, 0x3000000, 3 * CHUNK, false), MIGSIM_ERANGE);
    assert_string_equal(migsim_errmsg(), "fw0: 3 more entries do not fit: 2 of 4 in use");
    assert_int_equal(f->nused, 2);
    assert_int_equal(fwmap_set(f, 0x2000000, 0x3000000, 2 * CHUNK, false), 0);
    assert_int_equal(fwmap_set(f, SRC + 1, DST, CHUNK, true), MIGSIM_EINVAL);
    assert_int_equal(fwmap_hold(f, 0x4000000, CHUNK, true), MIGSIM_EINVAL); /* no entry */
    migsim_sim_destroy(tb.sim);
}

/* ---- the mechanism on the example configuration, scaled to a 1 MiB page -------------- */

#define CONFIG MIGSIM_SOURCE_DIR "/bench/configs/firmware_redirect.json"

static migsim_sim_t *make(const char *const *extra, size_t n)
{
    const char *base[] = {
        "mig.page_bytes=\"1MiB\"", "mig.start_ps=2000000",
        "cpu0.gen_count=3000", "cpu0.gen_gap_ps=20000",
        "nic0.gen_range_bytes=\"1MiB\"", "nic0.gen_ring_entries=64", "nic0.gen_count=600",
        "nic0.gen_gap_ps=200000", "disk0.gen_block_bytes=4096",
        "disk0.gen_count=200", "disk0.gen_gap_ps=300000",
    };
    return tu_make_ex(NULL, CONFIG, base, sizeof base / sizeof base[0], extra, n);
}

static double stat(migsim_sim_t *sim, const char *name) { return tu_stat(sim, name); }

static void run(migsim_sim_t *sim) { tu_run(sim); }

/*
 * A NIC writing random lines all over the page every 20 ns while it moves
 * (the disk only reads, so nothing rewrites a line afterwards): without the
 * interlock, a write between its line's copy and the chunk's switch stays at
 * the old place; with it, the table holds it and it lands at the copy.
 */
static void test_interlock_decides(void **state)
{
    (void)state;
    long lost[2];
    for (int il = 0; il < 2; il++) {
        const char *extra[] = {
            "nic0.gen_pattern=\"random\"", "nic0.gen_size_bytes=64", "nic0.gen_read_frac=0",
            "nic0.gen_count=20000", "nic0.gen_gap_ps=20000", "nic0.queue_depth=64",
            "nic0.start_ps=2000000", "disk0.gen_read_frac=1", "cpu0.gen_count=0",
            il ? "mig.fw_interlock=true" : "mig.fw_interlock=false",
        };
        migsim_sim_t *sim = make(extra, sizeof extra / sizeof extra[0]);
        run(sim);
        lost[il] = (long)stat(sim, "mig.lost_writes");
        assert_true(stat(sim, "mig.end_ps") > 0);
        assert_true(stat(sim, "mig.fw_smis") == 16);
        assert_true(stat(sim, "fw0.entries_used") == 16);
        if (il)
            assert_true(stat(sim, "fw0.held_writes") > 0 && stat(sim, "fw0.hold_time_ps") > 0);
        else
            assert_true(stat(sim, "fw0.held_writes") == 0);
        /* the OS page tables never changed */
        assert_true(stat(sim, "mig.shootdowns") == 0 && stat(sim, "mig.pte_writes") == 0 &&
                    stat(sim, "mig.iotlb_invalidations") == 0);
        migsim_sim_destroy(sim);
    }
    print_message("lost writes: interlock off %ld, on %ld\n", lost[0], lost[1]);
    assert_true(lost[0] > 0);
    assert_int_equal(lost[1], 0);
}

/*
 * No traffic: each of the 16 chunks costs SMI entry, its copy, the switch
 * and the exit, back to back; the copy reads the page from DRAM at one
 * burst per tBL, less refresh (the writes stay in the 8 MiB cache). The
 * bound: at least that, at most 5% more (each chunk's copy starts and ends
 * with a memory latency; the lookups add lookup_ps per line). The core is
 * held from each SMI to its exit: the whole migration.
 */
static void test_analytic_duration(void **state)
{
    (void)state;
    const char *extra[] = { "cpu0.gen_count=0", "nic0.gen_count=0", "disk0.gen_count=0",
                            "mig.copy_inflight=256", "dram0.address_mapping=\"RoBaRaCoBgCh\"" };
    migsim_sim_t *sim = make(extra, sizeof extra / sizeof extra[0]);
    run(sim);
    migctl_t *m = (migctl_t *)migsim_sim_find(sim, "mig");
    const uint64_t chunks = MiB / m->fw_chunk_bytes;
    assert_int_equal(chunks, 16);
    double steps = (double)chunks * (double)(m->fw_smi_entry_ps + m->fw_switch_ps + m->fw_smi_exit_ps);
    double copy = migplat_copy_ps(sim, MiB);
    double got = stat(sim, "mig.duration_ps");
    print_message("migration %.0f ps = steps %.0f + copy %.0f (model) -> ratio %.4f\n", got, steps,
                  copy, got / (steps + copy));
    assert_true(got >= steps + copy);
    assert_true(got <= 1.05 * (steps + copy));
    assert_true(stat(sim, "mig.fw_smis") == (double)chunks);
    assert_true(stat(sim, "mig.fw_smi_cpu_ps") == got);       /* one core, held throughout */
    assert_true(stat(sim, "mmu0.stopped_ps") == got && stat(sim, "mmu0.stops") == (double)chunks);
    assert_true(stat(sim, "mig.copy_reads") == MiB / 64 && stat(sim, "mig.lost_writes") == 0);
    /* the step log: 200, five steps per chunk, 222 */
    uint32_t n;
    const migctl_step_t *log = migctl_log(m, &n);
    assert_int_equal(n, 2 + 5 * chunks);
    assert_int_equal(log[0].block, 200);
    for (uint32_t c = 0; c < chunks; c++)
        for (uint32_t s = 0; s < 5; s++) {
            assert_int_equal(log[1 + 5 * c + s].block, 301 + s);
            assert_int_equal(log[1 + 5 * c + s].arg, c);
        }
    assert_int_equal(log[n - 1].block, 222);
    migsim_sim_destroy(sim);
}

/*
 * After the migration every CPU access goes through a switched entry and
 * pays the lookup once (its data access; the TLB hits, so no walk): with
 * lookup_ps 24 DRAM clocks (20 ns) instead of 0, the average CPU latency
 * after the migration is that much longer, within 1 ns (a whole number of
 * clocks keeps the DRAM clock phase, but the accesses that miss the cache
 * meet refreshes and write-backs at other moments). Paying it twice, or
 * not at all, is 20 ns off.
 */
static void test_lookup_after_migration(void **state)
{
    (void)state;
    double after[2], n_after = 0, lookup_ns = 0;
    for (int i = 0; i < 2; i++) {
        char set[64];
        snprintf(set, sizeof set, "fw0.lookup_ps=%.0f", lookup_ns * 1000.0);
        const char *extra[] = { "nic0.gen_count=0", "disk0.gen_count=0", "cpu0.gen_gap_ps=2000000",
                                "cpu0.gen_count=400", set };
        migsim_sim_t *sim = make(extra, sizeof extra / sizeof extra[0]);
        run(sim);
        after[i] = stat(sim, "cpu0.latency_after_avg_ns");
        n_after = stat(sim, "cpu0.completed_after_reqs");
        assert_true(n_after > 100);
        assert_true(stat(sim, "fw0.redirected_reqs") >= n_after);
        assert_true(stat(sim, "mig.lost_writes") == 0);
        lookup_ns = 24.0 * ((dram_t *)migsim_sim_find(sim, "dram0"))->t.tCK_ps / 1000.0;
        migsim_sim_destroy(sim);
    }
    print_message("CPU latency after the migration: lookup 0 -> %.3f ns, %.3f ns -> %.3f ns\n",
                  after[0], lookup_ns, after[1]);
    assert_true(fabs(after[1] - after[0] - lookup_ns) < 1.0);
}

/* ---- configuration errors, at init, naming the JSON path ------------------------------- */

static void expect_error(const char *const *sets, size_t n, const char *want)
{
    char full[512];
    snprintf(full, sizeof full, "%s: %s", CONFIG, want);
    tu_expect_error_ex(NULL, CONFIG, sets, n, full);
}

static void test_bad_configuration(void **state)
{
    (void)state;
    const char *small[] = { "mig.page_bytes=\"16MiB\"", "fw0.entries=255" };
    expect_error(small, 2, "$.components.fw0.entries: 255 entries cannot map "
                           "$.components.mig.page_bytes 16777216 in chunks of 65536 bytes (256 "
                           "entries)");
    const char *fits[] = { "mig.page_bytes=\"16MiB\"", "fw0.entries=256", "cpu0.gen_count=0",
                           "nic0.gen_count=0", "disk0.gen_count=0" };
    migsim_sim_t *sim;
    if (migsim_sim_create_overrides(&sim, CONFIG, fits, 5) != 0)
        fail_msg("%s", migsim_errmsg());
    migsim_sim_destroy(sim);
    const char *grain[] = { "fw0.chunk_bytes=\"128KiB\"" };
    expect_error(grain, 1, "$.components.mig.fw_chunk_bytes: 65536 is not a multiple of "
                           "$.components.fw0.chunk_bytes 131072 (the table's granularity)");
    const char *sub[] = { "mig.fw_chunk_bytes=\"96KiB\"" };
    expect_error(sub, 1, "$.components.mig.fw_chunk_bytes: 98304 must be a multiple of "
                         "subpage_bytes 65536 dividing page_bytes 1073741824");
    const char *none[] = { "mig.fwmap=\"\"" };
    expect_error(none, 1, "$.components.mig.fwmap: policy fw_redirect needs a mapping table (a "
                          "fwmap component in the memory path)");
    const char *wrong[] = { "mig.fwmap=\"dw0\"" };
    expect_error(wrong, 1, "$.components.mig.fwmap: \"dw0\" is a dualwrite, not a fwmap");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_redirect_and_hold),
        cmocka_unit_test(test_interlock_decides),
        cmocka_unit_test(test_analytic_duration),
        cmocka_unit_test(test_lookup_after_migration),
        cmocka_unit_test(test_bad_configuration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
