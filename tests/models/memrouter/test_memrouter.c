/*
 * test_memrouter.c - the address router in front of memory nodes:
 *   - closed-form latency: a read to the near node takes the DRAM's own
 *     idle-bank latency; to the far node, that plus the link's transfer plus
 *     twice its extra latency, and back-to-back requests are serialised on
 *     the link at exactly k * ceil(S * 1e12 / B) (rounded up);
 *   - a request outside every node, or crossing a node's end, is answered
 *     with MEMROUTER_STATUS_NO_NODE and counted;
 *   - the functional view writes each byte to its node's DRAM at the
 *     node-local address and reads back what was written, across nodes too;
 *   - configuration errors name the parameter;
 *   - the "tiered" platform (scaled down) moves a page from the far node to
 *     the near one with no write lost, and loses writes without the chip's
 *     interlock.
 *
 * A probe port of the test is bound to mem.in (sim.external_ports) and sends
 * requests at chosen ticks; each response records its tick, address and status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dram/dram.h"
#include "memrouter/memrouter.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "testutil/migplat.h"

#define MAXREQ 16
#define GiB (1ull << 30)

typedef struct probe_s {
    migsim_port_t port;
    migsim_sim_t *sim;
    memrouter_t *r;
    dram_t *near, *far;
    migsim_tick_t done[MAXREQ];   /* completion tick per request tag */
    uint64_t addr[MAXREQ];        /* address of the response */
    int32_t status[MAXREQ];
    int ndone;
} probe_t;

static void probe_resp(migsim_port_t *self, migsim_req_t *req)
{
    probe_t *p = (probe_t *)self;
    int tag = (int)(uintptr_t)req->cookie;
    p->done[tag] = migsim_sim_now(p->sim);
    p->addr[tag] = req->addr;
    p->status[tag] = req->status;
    p->ndone++;
    migsim_req_free(migsim_sim_pool(p->sim), req);
}

/*
 * mem: near node dram0 at [0, 8 GiB), far node dram1 at [8 GiB, 16 GiB)
 * behind a link of `far` (key=value text), both DRAMs closed-page so that
 * every lone read finds its bank idle and precharged.
 */
static void probe_open(probe_t *p, const char *far)
{
    char cfg[2048];
    snprintf(cfg, sizeof cfg,
             "{ \"base\": \"none\", \"sim\": { \"external_ports\": [\"mem.in\"] },"
             "  \"components\": {"
             "    \"mem\": { \"type\": \"memrouter\","
             "               \"nodes\": \"out0 base=0 size=8GiB, out1 base=8GiB size=8GiB %s\" },"
             "    \"dram0\": { \"type\": \"dram\", \"page_policy\": \"closed\" },"
             "    \"dram1\": { \"type\": \"dram\", \"page_policy\": \"closed\" } },"
             "  \"links\": [ { \"from\": \"mem.out0\", \"to\": \"dram0.in\" },"
             "              { \"from\": \"mem.out1\", \"to\": \"dram1.in\" } ] }", far);
    memset(p, 0, sizeof *p);
    if (migsim_sim_create(&p->sim, cfg, "test") != 0)
        fail_msg("%s", migsim_errmsg());
    p->port.resp = probe_resp;
    p->port.name = "probe";
    assert_int_equal(migsim_sim_bind(p->sim, "mem.in", &p->port), 0);
    p->r = (memrouter_t *)migsim_sim_find(p->sim, "mem");
    p->near = (dram_t *)migsim_sim_find(p->sim, "dram0");
    p->far = (dram_t *)migsim_sim_find(p->sim, "dram1");
    assert_int_equal(migsim_sim_run(p->sim, 0), 0);
}

/* Advance to tick t, then send one read (or a write of `fill` bytes) tagged `tag`. */
static void send_at(probe_t *p, migsim_tick_t t, int tag, migsim_op_t op, uint64_t addr, uint32_t size)
{
    migsim_kernel_run_until(migsim_sim_kernel(p->sim), t);
    migsim_req_t *r = migsim_req_alloc(migsim_sim_pool(p->sim));
    r->addr = r->orig_addr = addr;
    r->size = size;
    r->op = (uint8_t)op;
    r->flags = MIGSIM_REQ_HAS_DATA | MIGSIM_REQ_PHYS;
    memset(r->data, 0x5a, sizeof r->data);
    r->cookie = (void *)(uintptr_t)tag;
    r->t_issue = t;
    assert_int_equal(migsim_port_send(&p->port, r), 0);
}

static void finish(probe_t *p)
{
    assert_int_equal(migsim_sim_run(p->sim, MIGSIM_TICK_MAX), 0);
}

static double stat(migsim_sim_t *sim, const char *name)
{
    return tu_stat(sim, name);
}

/*
 * When a read arriving at `t` on an idle, precharged bank completes: at the
 * next clock edge ACT, RD tRCD later, data tCL + tBL after it.
 */
static uint64_t idle_read_done(const dram_t *d, uint64_t t)
{
    uint64_t tck = d->t.tCK_ps;
    return (t + tck - 1) / tck * tck + (uint64_t)(d->t.tRCD + d->t.tCL + dram_tBL(&d->t)) * tck;
}

/* near: the DRAM's own latency; far: plus the transfer and the extra latency both ways. */
static void test_latency_per_node(void **state)
{
    (void)state;
    probe_t p;
    /* 64 bytes at 32 GB/s: 2000 ps on the link */
    probe_open(&p, "extra_ps=35000 bandwidth=32000000000");
    const uint64_t t0 = 1000000, t1 = 3000000;
    send_at(&p, t0, 0, MIGSIM_OP_READ, 0x12340, 64);
    send_at(&p, t1, 1, MIGSIM_OP_READ, 8 * GiB + 0x12340, 64);
    finish(&p);
    assert_int_equal(p.ndone, 2);
    assert_int_equal(p.done[0], idle_read_done(p.near, t0));
    assert_int_equal(p.done[1], idle_read_done(p.far, t1 + 2000 + 35000) + 35000);
    /* the response carries the PA again; the DRAMs saw the node-local address */
    assert_int_equal(p.addr[0], 0x12340);
    assert_int_equal(p.addr[1], 8 * GiB + 0x12340);
    assert_int_equal(p.status[0], 0);
    assert_int_equal(p.status[1], 0);
    assert_true(stat(p.sim, "dram0.read_reqs") == 1 && stat(p.sim, "dram1.read_reqs") == 1);
    assert_true(stat(p.sim, "dram1.wrapped_reqs") == 0);
    assert_true(stat(p.sim, "mem.out0_reqs") == 1 && stat(p.sim, "mem.out1_reqs") == 1);
    assert_true(stat(p.sim, "mem.out0_bytes") == 64 && stat(p.sim, "mem.out1_bytes") == 64);
    assert_true(stat(p.sim, "mem.out0_added_latency_ps") == 0);
    assert_true(stat(p.sim, "mem.out1_added_latency_ps") == 2000 + 2 * 35000);
    assert_true(stat(p.sim, "mem.out1_link_wait_ps") == 0);
    migsim_sim_destroy(p.sim);
}

/*
 * Three reads of 64 bytes sent together at t0 to a link of 30 MB/s: each
 * holds it ceil(64e12 / 3e7) = 2133334 ps, so read k (0-based) reaches the
 * DRAM at t0 + (k + 1) * X + E, finds it idle again (X is far above its
 * latency), and is answered E after the DRAM's idle-bank latency. Request k
 * waits k * X for the link: 3X waited in all; added 3 * (X + 2E) + 3X.
 */
static void test_link_serialises(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, "extra_ps=1000 bandwidth=30000000");
    const uint64_t t0 = 500000, X = 2133334, E = 1000;
    for (int k = 0; k < 3; k++)
        send_at(&p, t0, k, MIGSIM_OP_READ, 8 * GiB + (uint64_t)k * 0x40000, 64);
    finish(&p);
    assert_int_equal(p.ndone, 3);
    for (uint64_t k = 0; k < 3; k++)
        assert_int_equal(p.done[k], idle_read_done(p.far, t0 + (k + 1) * X + E) + E);
    assert_true(stat(p.sim, "mem.out1_link_wait_ps") == 3 * X);
    assert_true(stat(p.sim, "mem.out1_added_latency_ps") == 3 * (X + 2 * E) + 3 * X);
    assert_true(stat(p.sim, "mem.out1_bytes") == 192);
    migsim_sim_destroy(p.sim);
}

/* Outside every node, or across a node's end: the error status at once, a statistic, no DRAM access. */
static void test_unmapped(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, "far");
    const uint64_t t0 = 700000;
    send_at(&p, t0, 0, MIGSIM_OP_READ, 16 * GiB, 64);          /* past the last node */
    send_at(&p, t0, 1, MIGSIM_OP_WRITE, 8 * GiB - 32, 64);     /* crosses from near into far */
    send_at(&p, t0, 2, MIGSIM_OP_READ, 16 * GiB - 64, 64);     /* the last line: fine */
    finish(&p);
    assert_int_equal(p.ndone, 3);
    assert_int_equal(p.status[0], MEMROUTER_STATUS_NO_NODE);
    assert_int_equal(p.status[1], MEMROUTER_STATUS_NO_NODE);
    assert_int_equal(p.status[2], 0);
    assert_int_equal(p.done[0], t0);
    assert_int_equal(p.done[1], t0);
    assert_int_equal(p.addr[0], 16 * GiB);
    assert_int_equal(p.addr[1], 8 * GiB - 32);
    assert_true(stat(p.sim, "mem.unmapped_reqs") == 2);
    assert_true(stat(p.sim, "dram0.write_reqs") == 0 && stat(p.sim, "dram0.read_reqs") == 0);
    assert_true(stat(p.sim, "dram1.read_reqs") == 1);
    /* "far" took the router's defaults: 35 ns each way, 32 GB/s */
    assert_int_equal(p.done[2], idle_read_done(p.far, t0 + 2000 + 35000) + 35000);
    migsim_sim_destroy(p.sim);
}

/* The functional view: each byte at its node's DRAM, node-local; what was written reads back. */
static void test_fmem_dispatch(void **state)
{
    (void)state;
    probe_t p;
    probe_open(&p, "far");
    migsim_fmem_t f = memrouter_fmem(p.r);
    uint8_t a[64], b[64], across[32], got[64];
    for (int i = 0; i < 64; i++) {
        a[i] = (uint8_t)(i + 1);
        b[i] = (uint8_t)(200 - i);
    }
    for (int i = 0; i < 32; i++)
        across[i] = (uint8_t)(0x80 | i);
    assert_int_equal(f.write(f.ctx, 0x1000, a, 64), 0);
    assert_int_equal(f.write(f.ctx, 8 * GiB + 0x2000, b, 64), 0);
    assert_int_equal(f.write(f.ctx, 8 * GiB - 16, across, 32), 0);
    f.read(f.ctx, 0x1000, got, 64);
    assert_memory_equal(got, a, 64);
    f.read(f.ctx, 8 * GiB + 0x2000, got, 64);
    assert_memory_equal(got, b, 64);
    f.read(f.ctx, 8 * GiB - 16, got, 32);
    assert_memory_equal(got, across, 32);
    /* where the bytes are: dram0 at 0x1000, dram1 at 0x2000 (not at 8 GiB + 0x2000, wrapped) */
    dram_dbg_read(p.near, 0x1000, got, 64);
    assert_memory_equal(got, a, 64);
    dram_dbg_read(p.far, 0x2000, got, 64);
    assert_memory_equal(got, b, 64);
    dram_dbg_read(p.near, 0x1000 + 0x2000, got, 64); /* nothing of b on the near node */
    for (int i = 0; i < 64; i++)
        assert_int_equal(got[i], 0);
    dram_dbg_read(p.near, 8 * GiB - 16, got, 16);
    assert_memory_equal(got, across, 16);
    dram_dbg_read(p.far, 0, got, 16);
    assert_memory_equal(got, across + 16, 16);
    /* a timed write through the router lands where the functional view reads */
    send_at(&p, 100000, 0, MIGSIM_OP_WRITE, 8 * GiB + 0x3000, 64);
    finish(&p);
    f.read(f.ctx, 8 * GiB + 0x3000, got, 64);
    for (int i = 0; i < 64; i++)
        assert_int_equal(got[i], 0x5a);
    /* outside every node: refused, and reads as zeros */
    assert_int_equal(f.write(f.ctx, 16 * GiB, a, 8), MIGSIM_ERANGE);
    memset(got, 0xff, 8);
    f.read(f.ctx, 16 * GiB, got, 8);
    for (int i = 0; i < 8; i++)
        assert_int_equal(got[i], 0);
    assert_true(memrouter_holds(p.r, 8 * GiB, 8 * GiB));
    assert_false(memrouter_holds(p.r, 8 * GiB - 64, 128));
    migsim_sim_destroy(p.sim);
}

static void expect_refused(const char *nodes, const char *links, const char *want)
{
    char cfg[2048];
    snprintf(cfg, sizeof cfg,
             "{ \"base\": \"none\", \"sim\": { \"external_ports\": [\"mem.in\"] },"
             "  \"components\": { \"mem\": { \"type\": \"memrouter\", \"nodes\": \"%s\" },"
             "    \"dram0\": { \"type\": \"dram\" }%s },"
             "  \"links\": [ %s ] }", nodes,
             strstr(links, "dram1") ? ", \"dram1\": { \"type\": \"dram\" }" : "", links);
    migsim_sim_t *sim = NULL;
    migsim_error_clear();
    if (migsim_sim_create(&sim, cfg, "cfg.json") == 0) {
        migsim_sim_destroy(sim);
        fail_msg("accepted: %s", nodes);
    }
    assert_string_equal(migsim_errmsg(), want);
}

static void test_config_errors(void **state)
{
    (void)state;
    const char *two = "{ \"from\": \"mem.out0\", \"to\": \"dram0.in\" },"
                      "{ \"from\": \"mem.out1\", \"to\": \"dram1.in\" }";
    const char *one = "{ \"from\": \"mem.out0\", \"to\": \"dram0.in\" }";
    expect_refused("out0 base=0 size=8GiB, out1 base=4GiB size=4GiB", two,
                   "cfg.json: $.components.mem.nodes: the ranges of out0 and out1 overlap");
    expect_refused("out0 base=0", one,
                   "cfg.json: $.components.mem.nodes: node 0: base= and size= are required");
    expect_refused("out0 base=0 size=1GiB speed=3", one,
                   "cfg.json: $.components.mem.nodes: node 0: unknown key \"speed\" (keys base, size, "
                   "extra_ps, bandwidth)");
    expect_refused("out0 base=0 size=lots", one,
                   "cfg.json: $.components.mem.nodes: node 0: size \"lots\" is not an integer (suffixes "
                   "K, M, G, KiB, MiB, GiB)");
    expect_refused("out9 base=0 size=1GiB", one,
                   "cfg.json: $.components.mem.nodes: node 0: begins with \"out9\", not its port out0..out7");
    expect_refused("out0 base=0 size=1GiB", two,
                   "cfg.json: $.components.mem.nodes: out1 is linked but no node names it");
    expect_refused("out0 base=0 size=1GiB, out1 base=1GiB size=1GiB", one,
                   "cfg.json: $.components.mem.nodes: out1 has a node but no link");
    expect_refused("out0 base=0 size=1GiB, out0 base=1GiB size=1GiB", one,
                   "cfg.json: $.components.mem.nodes: nodes 0 and 1 both name out0");
    expect_refused("", one, "cfg.json: $.components.mem.nodes: no node (e.g. \"out0 base=0 size=8GiB, "
                            "out1 base=8GiB size=8GiB far\")");
    expect_refused("out0 base=0 size=16GiB", one,
                   "cfg.json: $.components.mem.nodes: the node on out0 has 17179869184 bytes, more than "
                   "the 8589934592 of dram0");
}

/* The controller behind a router: its page and page tables must lie in DRAM nodes. */
static void test_tiered_config_checked(void **state)
{
    (void)state;
    const char *outside[] = { "mig.cur_pa=\"16GiB\"" };
    tu_expect_error("tiered", outside, 1,
                    "<tiered>: $.components.mig.cur_pa: [0x400000000, 0x440000000) is not inside one "
                    "DRAM node of memrouter \"mem\"");
}

/* The tiered platform: the page moves from the far node to the near one, and nothing is lost. */
static void test_tiered_migrates_across_nodes(void **state)
{
    (void)state;
    migsim_sim_t *sim = migplat_make_on("tiered", NULL, 0);
    tu_run(sim);
    assert_true(stat(sim, "mig.end_ps") > stat(sim, "mig.start_ps"));
    assert_true(stat(sim, "mig.lost_writes") == 0);
    assert_true(stat(sim, "mig.oracle_commits") > 0);
    assert_true(stat(sim, "mig.cpu_ptes") == 1);
    /* every request reached its node: the page's lines missing in the cache came from the far
       node (more than half of the page's 16384 lines), through its link */
    assert_true(stat(sim, "mem.out1_reqs") == stat(sim, "dram1.read_reqs") + stat(sim, "dram1.write_reqs"));
    assert_true(stat(sim, "mem.out0_reqs") == stat(sim, "dram0.read_reqs") + stat(sim, "dram0.write_reqs"));
    assert_true(stat(sim, "mem.out1_reqs") > 8192);
    assert_true(stat(sim, "mem.out1_bytes") == 64 * stat(sim, "mem.out1_reqs"));
    assert_true(stat(sim, "mem.unmapped_reqs") == 0);
    assert_true(stat(sim, "dram0.wrapped_reqs") == 0 && stat(sim, "dram1.wrapped_reqs") == 0);
    /* every request to the far node paid at least the link's 2 x 35 ns plus its 2 ns transfer */
    assert_true(stat(sim, "mem.out1_added_latency_ps") >= stat(sim, "mem.out1_reqs") * 72000);
    migsim_sim_destroy(sim);
}

/* The same race as on one node: without the chip's interlock the copy loses DMA writes. */
static void test_tiered_unsafe_loses(void **state)
{
    (void)state;
    const char *extra[] = { "nic0.gen_pattern=\"random\"", "nic0.gen_size_bytes=64",
                            "nic0.gen_count=20000", "nic0.gen_gap_ps=20000", "nic0.queue_depth=64",
                            "mig.copy_inflight=64", "cpu0.gen_count=0", "disk0.gen_count=0",
                            "dw0.interlock=\"none\"" };
    migsim_sim_t *sim = migplat_make_on("tiered", extra, sizeof extra / sizeof extra[0]);
    tu_run(sim);
    assert_true(stat(sim, "mig.end_ps") > 0);
    print_message("tiered, interlock none: %g lost writes\n", stat(sim, "mig.lost_writes"));
    assert_true(stat(sim, "mig.lost_writes") > 0);
    migsim_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latency_per_node),
        cmocka_unit_test(test_link_serialises),
        cmocka_unit_test(test_unmapped),
        cmocka_unit_test(test_fmem_dispatch),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_tiered_config_checked),
        cmocka_unit_test(test_tiered_migrates_across_nodes),
        cmocka_unit_test(test_tiered_unsafe_loses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
