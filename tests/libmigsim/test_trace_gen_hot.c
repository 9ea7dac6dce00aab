/*
 * test_trace_gen_hot.c - the shifting hot-set pattern of the synthetic
 * generator (MIGSIM_GEN_HOTSET, migsim/trace.h): the window's place in
 * each period against the closed form k * step mod range (also where it
 * wraps past the end of the range), every address of a hot_frac = 1 stream
 * inside that window, the share of accesses in the window against
 * hot_frac + (1 - hot_frac) * hot / range within four standard deviations,
 * a window that never moves, determinism, and the validation messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "migsim/errors.h"
#include "migsim/trace.h"

#define KiB 1024ull

static migsim_gen_config_t hot_config(void)
{
    migsim_gen_config_t c;
    migsim_gen_config_default(&c);
    c.pattern = MIGSIM_GEN_HOTSET;
    c.base = 0x40000000;
    c.range_bytes = 1024 * KiB;
    c.size_bytes = 64;
    c.hot_bytes = 64 * KiB;
    c.hot_frac = 0.9;
    c.hot_period = 10000;
    c.hot_step_bytes = 200 * KiB;
    c.count = 120000;
    c.seed = 7;
    return c;
}

/* Whether offset off (from base) lies in the window [w, w + hot) taken mod range. */
static int in_window(const migsim_gen_config_t *c, uint64_t w, uint64_t off)
{
    uint64_t d = off >= w ? off - w : off + c->range_bytes - w;
    return d < c->hot_bytes;
}

static void test_window_closed_form(void **state)
{
    (void)state;
    migsim_gen_config_t c = hot_config();
    for (uint64_t k = 0; k < 12; k++) {
        uint64_t want = (k * c.hot_step_bytes) % c.range_bytes;
        assert_int_equal(migsim_gen_hot_window(&c, k * c.hot_period), want);
        assert_int_equal(migsim_gen_hot_window(&c, k * c.hot_period + c.hot_period - 1), want);
    }
    /* huge indices do not overflow: k * step is reduced first */
    c.hot_period = 1;
    c.hot_step_bytes = 3 * 64;
    uint64_t i = UINT64_MAX - 5;
    assert_int_equal(migsim_gen_hot_window(&c, i),
                     (uint64_t)(((unsigned __int128)i * c.hot_step_bytes) % c.range_bytes));
    c.hot_period = 0;
    assert_int_equal(migsim_gen_hot_window(&c, 123456), 0);
}

/* hot_frac = 1: every address is in its record's window, and the window wraps at the end. */
static void test_all_hot_in_window(void **state)
{
    (void)state;
    migsim_gen_config_t c = hot_config();
    c.hot_frac = 1.0;
    migsim_gen_t g;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    migsim_trace_rec_t r;
    uint64_t i = 0, wrapped = 0;
    while (migsim_gen_next(&g, &r) == 1) {
        uint64_t off = r.addr - c.base, w = migsim_gen_hot_window(&c, i);
        assert_true(r.addr >= c.base && off < c.range_bytes);
        assert_int_equal(off % c.size_bytes, 0);
        if (!in_window(&c, w, off))
            fail_msg("record %llu at offset 0x%llx outside window 0x%llx",
                     (unsigned long long)i, (unsigned long long)off, (unsigned long long)w);
        wrapped += w + c.hot_bytes > c.range_bytes && off < w;
        assert_int_equal(r.time, i * c.gap_ps);
        i++;
    }
    assert_int_equal(i, c.count);
    /* 200 KiB steps over 1 MiB: period 5 starts at 1000 KiB and wraps onto 0..40 KiB */
    assert_true(wrapped > 0);
}

/* The share in the window per period: hot_frac + (1 - hot_frac) * hot / range, within 4 sigma. */
static void test_hot_share(void **state)
{
    (void)state;
    migsim_gen_config_t c = hot_config();
    migsim_gen_t g;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    double p = c.hot_frac + (1.0 - c.hot_frac) * (double)c.hot_bytes / (double)c.range_bytes;
    double n = (double)c.hot_period, sd = sqrt(n * p * (1.0 - p));
    migsim_trace_rec_t r;
    uint64_t i = 0, in = 0, reads = 0;
    while (migsim_gen_next(&g, &r) == 1) {
        in += in_window(&c, migsim_gen_hot_window(&c, i), r.addr - c.base);
        reads += r.op == MIGSIM_OP_READ;
        if (++i % c.hot_period == 0) {
            if (fabs((double)in - n * p) > 4 * sd)
                fail_msg("period %llu: %llu of %.0f in the window, expected %.1f +- %.1f",
                         (unsigned long long)(i / c.hot_period - 1), (unsigned long long)in, n,
                         n * p, 4 * sd);
            in = 0;
        }
    }
    double rn = (double)c.count, rsd = sqrt(rn * c.read_frac * (1 - c.read_frac));
    assert_true(fabs((double)reads - rn * c.read_frac) < 4 * rsd);
}

/* hot_period 0: the window stays at the start of the range. */
static void test_fixed_window(void **state)
{
    (void)state;
    migsim_gen_config_t c = hot_config();
    c.hot_period = 0;
    c.hot_frac = 1.0;
    migsim_gen_t g;
    assert_int_equal(migsim_gen_init(&g, &c), 0);
    migsim_trace_rec_t r;
    while (migsim_gen_next(&g, &r) == 1)
        assert_true(r.addr - c.base < c.hot_bytes);
}

static void test_deterministic(void **state)
{
    (void)state;
    migsim_gen_config_t c = hot_config();
    migsim_gen_t a, b;
    assert_int_equal(migsim_gen_init(&a, &c), 0);
    assert_int_equal(migsim_gen_init(&b, &c), 0);
    migsim_trace_rec_t ra, rb;
    while (migsim_gen_next(&a, &ra) == 1) {
        assert_int_equal(migsim_gen_next(&b, &rb), 1);
        assert_int_equal(ra.addr, rb.addr);
        assert_int_equal(ra.op, rb.op);
    }
}

static void expect_error(migsim_gen_config_t c, const char *needle)
{
    migsim_gen_t g;
    assert_int_equal(migsim_gen_init(&g, &c), MIGSIM_EINVAL);
    if (!strstr(migsim_errmsg(), needle))
        fail_msg("message \"%s\" lacks \"%s\"", migsim_errmsg(), needle);
}

static void test_bad_config(void **state)
{
    (void)state;
    migsim_gen_config_t c = hot_config();
    c.hot_bytes = 100;
    expect_error(c, "hot_bytes 100 must be a multiple of size_bytes 64");
    c = hot_config();
    c.hot_bytes = 2048 * KiB;
    expect_error(c, "hot_bytes 2097152");
    c = hot_config();
    c.hot_bytes = 0;
    expect_error(c, "hot_bytes 0");
    c = hot_config();
    c.hot_step_bytes = 96;
    expect_error(c, "hot_step_bytes 96 is not a multiple of size_bytes 64");
    c = hot_config();
    c.hot_frac = 1.5;
    expect_error(c, "hot_frac 1.5 is not in [0, 1]");
    migsim_gen_pattern_t p;
    assert_int_equal(migsim_gen_pattern_parse("hotset", &p), 0);
    assert_int_equal(p, MIGSIM_GEN_HOTSET);
    assert_string_equal(migsim_gen_pattern_name(MIGSIM_GEN_HOTSET), "hotset");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_closed_form),
        cmocka_unit_test(test_all_hot_in_window),
        cmocka_unit_test(test_hot_share),
        cmocka_unit_test(test_fixed_window),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
