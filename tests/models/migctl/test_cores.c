/*
 * test_cores.c - many cores on the migration platform (sim.cores), scaled
 * down to a 1 MiB page of 16 subpages:
 *   - sim.cores = N adds cores 1..N-1, copies of cpu0 and mmu0 with their
 *     own core_id (src_idx and generator stream), on the next free inputs of
 *     the crossbar, each named in mig.cpu_mmus;
 *   - the shootdown model in closed form for N = 1, 2, 4, 8 with no traffic:
 *     every shootdown costs the initiator ipi_ps + N x ipi_target_ps + the
 *     slowest handler, so the migration's time outside its copies is exactly
 *     the sum of its step costs; each core runs its handler once per
 *     shootdown, so the cores' stall is N x shootdowns x handler;
 *   - under traffic on 64 cores nothing is lost and every access completes;
 *   - bad values of sim.cores are refused when the simulation is built;
 *   - migsim run --cores N runs N cores.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_mmu/cpu_mmu.h"
#include "iommu/iommu.h"
#include "migctl/migctl.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "player/player.h"
#include "testutil/cli.h"
#include "testutil/sim.h"

/* The migration platform at a 1 MiB page with `extra` overrides. */
static migsim_sim_t *make(const char *const *extra, size_t n)
{
    const char *base[] = {
        "mig.page_bytes=\"1MiB\"", "mig.start_ps=2000000",
        "cpu0.gen_count=3000", "cpu0.gen_gap_ps=20000",
        "nic0.gen_range_bytes=\"1MiB\"", "nic0.gen_ring_entries=64", "nic0.gen_count=600",
        "nic0.gen_gap_ps=200000", "disk0.gen_block_bytes=4096",
        "disk0.gen_count=200", "disk0.gen_gap_ps=300000",
    };
    return tu_make("migration", base, sizeof base / sizeof base[0], extra, n);
}

/* Cores 1..N-1 are copies of cpu0 and mmu0 with their own numbers, named by the controller. */
static void test_cores_expand(void **state)
{
    (void)state;
    const char *extra[] = { "sim.cores=4", "mmu0.shootdown_handler_ps=123000" };
    migsim_sim_t *sim = make(extra, 2);
    migctl_t *m = (migctl_t *)migsim_sim_find(sim, "mig");
    assert_int_equal(m->nmmus, 4);
    for (uint32_t i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof name, "cpu%u", i);
        player_t *p = (player_t *)migsim_sim_find(sim, name);
        assert_non_null(p);
        assert_ptr_equal(p->comp.ops, &player_ops);
        assert_int_equal(p->core_id, i);
        assert_int_equal(p->gen_count, 3000);           /* the template's, after the overrides */
        snprintf(name, sizeof name, "mmu%u", i);
        cpu_mmu_t *u = (cpu_mmu_t *)migsim_sim_find(sim, name);
        assert_ptr_equal(m->mmus[i], u);
        assert_int_equal(u->core_id, i);
        assert_int_equal(u->shootdown_handler_ps, 123000);
    }
    assert_null(migsim_sim_find(sim, "cpu4"));
    tu_run(sim);
    /* each core its own stream: the same counts, other addresses and reads/writes mixes */
    assert_true(tu_stat(sim, "cpu1.read_reqs") != tu_stat(sim, "cpu0.read_reqs") ||
                tu_stat(sim, "cpu2.read_reqs") != tu_stat(sim, "cpu0.read_reqs"));
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "xmem.in%d_reqs", i == 0 ? 0 : i + 1); /* in1 is dw0 */
        assert_true(tu_stat(sim, name) > 0);
    }
    assert_true(tu_stat(sim, "xmem.in5_reqs") == 0);
    assert_true(tu_stat(sim, "mig.lost_writes") == 0);
    migsim_sim_destroy(sim);
}

/* The same core count twice: identical statistics; core 0 alone is the platform's cpu0. */
static void test_one_core_unchanged(void **state)
{
    (void)state;
    const char *one[] = { "sim.cores=1" };
    migsim_sim_t *a = make(NULL, 0), *b = make(one, 1);
    tu_run(a);
    tu_run(b);
    char *ja = migsim_sim_stats_json(a, -1), *jb = migsim_sim_stats_json(b, -1);
    assert_string_equal(ja, jb);
    free(ja);
    free(jb);
    migsim_sim_destroy(a);
    migsim_sim_destroy(b);
}

/*
 * No traffic, N = 1, 2, 4, 8 cores: outside its copies the migration takes
 * exactly its step costs, each shootdown ipi_ps + N x ipi_target_ps + the
 * handler; every core runs the handler once per shootdown.
 */
static void test_shootdown_cost_per_core(void **state)
{
    (void)state;
    const uint64_t ipi = 700000, per = 150000, handler = 500000;
    double prev = 0;
    for (unsigned n = 1; n <= 8; n *= 2) {
        char cores[32];
        snprintf(cores, sizeof cores, "sim.cores=%u", n);
        const char *extra[] = { "cpu0.gen_count=0", "nic0.gen_count=0", "disk0.gen_count=0",
                                "mig.subpages_per_call=4", "mig.ipi_ps=700000",
                                "mig.ipi_target_ps=150000", "mmu0.shootdown_handler_ps=500000",
                                cores };
        migsim_sim_t *sim = make(extra, 8);
        tu_run(sim);
        migctl_t *m = (migctl_t *)migsim_sim_find(sim, "mig");
        const uint64_t N = 16, k = 4, windows = N / k;
        uint64_t shoot = ipi + n * per + handler;
        uint64_t steps = ((N + 1) * m->pte_write_ps + shoot)                      /* 202 */
                         + m->hcall_ps + m->init_hw_ps                            /* 204, 206 */
                         + windows * (k * m->pte_write_ps + m->hcall_ps + shoot)  /* 208 */
                         + (windows - 1) * (m->update_hw_ps + k * m->pte_write_ps) /* 214, 216 */
                         + ((iommu_t *)migsim_sim_find(sim, "iommu0"))->inval_ps
                         + m->final_ps                                            /* 218 */
                         + ((N + 1) * m->pte_write_ps + shoot);                   /* 220 */
        uint64_t dur = (uint64_t)tu_stat(sim, "mig.duration_ps");
        uint64_t copies = m->st_copy_ps_sum;
        double shootdowns = tu_stat(sim, "mig.shootdowns");
        assert_true(shootdowns == 1 + windows + 1);
        assert_int_equal(dur - copies, steps);
        double stall = 0;
        for (unsigned i = 0; i < n; i++) {
            char name[48];
            snprintf(name, sizeof name, "mmu%u.shootdowns", i);
            assert_true(tu_stat(sim, name) == shootdowns);
            snprintf(name, sizeof name, "mmu%u.shootdown_stall_ps", i);
            stall += tu_stat(sim, name);
        }
        assert_true(stall == (double)n * shootdowns * (double)handler);
        print_message("%u cores: migration %llu ps (steps %llu + copies %llu), cores stalled %.0f ps\n",
                      n, (unsigned long long)dur, (unsigned long long)steps,
                      (unsigned long long)copies, stall);
        /* the copies' time does not depend on the cores: the migration grows as the steps do */
        if (n > 1)
            assert_true((double)dur > prev);
        prev = (double)dur;
        migsim_sim_destroy(sim);
    }
}

/* 64 cores under CPU and DMA traffic: nothing lost, every access completed. */
static void test_many_cores_lose_nothing(void **state)
{
    (void)state;
    const char *extra[] = { "sim.cores=64", "cpu0.gen_count=300" };
    migsim_sim_t *sim = make(extra, 2);
    tu_run(sim);
    assert_true(tu_stat(sim, "mig.end_ps") > 0);
    assert_true(tu_stat(sim, "mig.lost_writes") == 0);
    assert_true(tu_stat(sim, "xmem.in64_reqs") > 0);       /* mmu63 */
    for (int i = 0; i < 64; i++) {
        char name[48];
        snprintf(name, sizeof name, "cpu%d.completed_reqs", i);
        assert_true(tu_stat(sim, name) == 300);
        snprintf(name, sizeof name, "mmu%d.shootdowns", i);
        assert_true(tu_stat(sim, name) == tu_stat(sim, "mig.shootdowns"));
    }
    migsim_sim_destroy(sim);
}

static void test_bad_cores(void **state)
{
    (void)state;
    const char *zero[] = { "sim.cores=0" };
    tu_expect_error("migration", zero, 1, "<migration>: $.sim.cores: 0 is out of range [1, 512]");
    const char *str[] = { "sim.cores=\"many\"" };
    tu_expect_error("migration", str, 1,
                 "<migration>: $.sim.cores: expected a non-negative integer, got a string");
    /* in0 is mmu0, in1 the dual-write chip: 127 inputs are left for 128 cores */
    const char *wide[] = { "sim.cores=129" };
    tu_expect_error("migration", wide, 1, "<migration>: $.sim.cores: 129 cores need more inputs than "
                                       "crossbar xmem has (core 127 would take in128)");
    const char *dram[] = { "sim.cores=2" };
    tu_expect_error("dram", dram, 1, "<dram>: $.sim.cores: cpu0.out must link to a crossbar input for "
                                  "the copies to take the next ones (it links to dram0.in)");
}

/* migsim run --cores N is sim.cores = N: the summary lists every core. */
static void test_cli_cores(void **state)
{
    (void)state;
    char out[64];
    snprintf(out, sizeof out, "/tmp/test_cores_%d.txt", (int)getpid());
    int st = run_cli("run --cores 3 --set mig.page_bytes=1MiB --set mig.start_ps=2000000 "
                     "--set cpu0.gen_count=200 --set nic0.gen_count=0 --set nic0.gen_range_bytes=1MiB "
                     "--set nic0.gen_ring_entries=16 "
                     "--set disk0.gen_count=0",
                     out);
    const char *text = read_text(out);
    remove(out);
    assert_int_equal(st, 0);
    assert_non_null(strstr(text, "\ncpu2     records 200:"));
    assert_non_null(strstr(text, "\nmmu2     TLB:"));
    assert_null(strstr(text, "\ncpu3 "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cores_expand),
        cmocka_unit_test(test_one_core_unchanged),
        cmocka_unit_test(test_shootdown_cost_per_core),
        cmocka_unit_test(test_many_cores_lose_nothing),
        cmocka_unit_test(test_bad_cores),
        cmocka_unit_test(test_cli_cores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
