/*
 * test_config.c - tests of building a simulation from JSON (migsim/sim.h):
 * bad input gives MIGSIM_ECONFIG (or MIGSIM_EIO for files) with a message
 * that names the source and the JSON path, and leaves *out NULL; merging
 * onto the embedded default changes only the keys given; "base":"none"
 * needs a complete platform; null deletes a key; command-line overrides;
 * migsim_parse_size; migsim_describe; an error message wrapped with context
 * (also formatted with itself); which parameters the configuration set.
 *
 * Values are checked in the component state structs of the trace player and
 * the DRAM controller (models/player/player.h, models/dram/dram.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "dram/dram.h"
#include "migsim/errors.h"
#include "migsim/sim.h"
#include "player/player.h"

/* ---- helpers -------------------------------------------------------------- */

/*
 * migsim_sim_create(json, "t.json") must fail with `code`, leave *out NULL,
 * and leave a message holding "t.json" and every string of the NULL-ended list.
 */
static void expect_fail(const char *json, int code, ...)
{
    migsim_sim_t *s = (migsim_sim_t *)&s; /* not NULL: create must clear it */
    migsim_error_clear();
    int rc = migsim_sim_create(&s, json, "t.json");
    const char *msg = migsim_errmsg();
    if (rc != code)
        print_message("config %s\n  got %d: %s\n", json, rc, msg);
    assert_int_equal(rc, code);
    assert_null(s);
    assert_non_null(strstr(msg, "t.json"));
    va_list ap;
    va_start(ap, code);
    for (const char *want; (want = va_arg(ap, const char *)) != NULL;) {
        if (!strstr(msg, want))
            print_message("message \"%s\" lacks \"%s\"\n", msg, want);
        assert_non_null(strstr(msg, want));
    }
    va_end(ap);
}

static migsim_sim_t *create_ok(const char *json)
{
    migsim_sim_t *s = NULL;
    int rc = migsim_sim_create(&s, json, "t.json");
    if (rc)
        print_message("config %s\n  got %d: %s\n", json ? json : "(the default platform)", rc,
                      migsim_errmsg());
    assert_int_equal(rc, 0);
    assert_non_null(s);
    return s;
}

static player_t *cpu0(migsim_sim_t *s)
{
    migsim_comp_t *c = migsim_sim_find(s, "cpu0");
    assert_non_null(c);
    assert_string_equal(c->ops->type, "trace_player");
    return (player_t *)c;
}

static dram_t *dram0(migsim_sim_t *s)
{
    migsim_comp_t *c = migsim_sim_find(s, "dram0");
    assert_non_null(c);
    assert_string_equal(c->ops->type, "dram");
    return (dram_t *)c;
}

static char g_dir[64];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/migsim_cfg_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    return rmdir(g_dir);
}

static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* ---- bad input ------------------------------------------------------------ */

static void test_json_syntax_error_names_line_and_column(void **state)
{
    (void)state;
    /* a misspelt literal: line 3, column 8 */
    expect_fail("{\n  \"sim\": { \"seed\": 1 },\n  \"x\": tru\n}\n", MIGSIM_ECONFIG,
                "t.json:3:8:", NULL);
    /* a missing comma between members: the second key at line 3, column 3 */
    expect_fail("{\n  \"sim\": { \"seed\": 1 }\n  \"links\": []\n}\n", MIGSIM_ECONFIG,
                "t.json:3:3:", NULL);
    /* a trailing comma in an array */
    expect_fail("{\n\"links\": [1,2,]\n}", MIGSIM_ECONFIG, "t.json:2:15:", NULL);
    /* truncated input: the end of the text */
    expect_fail("{\"sim\": {", MIGSIM_ECONFIG, "t.json:1:10:", NULL);
    /* trailing garbage after the document */
    expect_fail("{}\n  x", MIGSIM_ECONFIG, "t.json:2:3:", NULL);
    expect_fail("", MIGSIM_ECONFIG, "t.json:1:1:", NULL);
}

/*
 * An object member that is not a key string (a trailing comma in an object,
 * the commonest JSON slip) is reported one column to the right of the
 * offending character.
 */
static void test_json_syntax_error_column_after_comma_in_object(void **state)
{
    (void)state;
    expect_fail("{\n  \"sim\": {\"seed\": 1,}\n}", MIGSIM_ECONFIG, "t.json:2:21:", NULL);
}

static void test_not_an_object(void **state)
{
    (void)state;
    expect_fail("[1, 2]", MIGSIM_ECONFIG, "$", NULL);
    expect_fail("{\"sim\": 5}", MIGSIM_ECONFIG, "$.sim", "a number", NULL);
    expect_fail("{\"components\": {\"dram0\": 3}}", MIGSIM_ECONFIG, "$.components.dram0",
                "expected an object", NULL);
    expect_fail("{\"links\": {}}", MIGSIM_ECONFIG, "$.links", "expected an array", NULL);
}

static void test_unknown_keys(void **state)
{
    (void)state;
    expect_fail("{\"bogus\": 1}", MIGSIM_ECONFIG, "$.bogus", "unknown key", NULL);
    expect_fail("{\"sim\": {\"sed\": 1}}", MIGSIM_ECONFIG, "$.sim.sed", "unknown key", NULL);
    expect_fail("{\"components\": {\"dram0\": {\"bogus\": 1}}}", MIGSIM_ECONFIG,
                "$.components.dram0.bogus", NULL);
    expect_fail("{\"components\": {\"cpu0\": {\"tRCD\": 1}}}", MIGSIM_ECONFIG,
                "$.components.cpu0.tRCD", "trace_player", NULL);
    expect_fail("{\"links\": [{\"from\": \"cpu0.out\", \"to\": \"dram0.in\", \"latency\": 5}]}",
                MIGSIM_ECONFIG, "$.links[0].latency", "unknown key", NULL);
    /* keys are case-sensitive */
    expect_fail("{\"components\": {\"dram0\": {\"trcd\": 1}}}", MIGSIM_ECONFIG,
                "$.components.dram0.trcd", NULL);
}

static void test_wrong_types(void **state)
{
    (void)state;
    /* a string that is not a size, for an integer */
    expect_fail("{\"components\": {\"dram0\": {\"read_queue_depth\": \"lots\"}}}", MIGSIM_ECONFIG,
                "$.components.dram0.read_queue_depth", "lots", NULL);
    /* a number for an enum */
    expect_fail("{\"components\": {\"dram0\": {\"preset\": 3}}}", MIGSIM_ECONFIG,
                "$.components.dram0.preset", "a number", NULL);
    /* an object for a bool; a number for a bool */
    expect_fail("{\"components\": {\"dram0\": {\"refresh\": {}}}}", MIGSIM_ECONFIG,
                "$.components.dram0.refresh", "an object", NULL);
    expect_fail("{\"components\": {\"dram0\": {\"functional\": 1}}}", MIGSIM_ECONFIG,
                "$.components.dram0.functional", NULL);
    /* a bool for an integer, an array for a number, a number for a string */
    expect_fail("{\"components\": {\"cpu0\": {\"gen_count\": true}}}", MIGSIM_ECONFIG,
                "$.components.cpu0.gen_count", "a boolean", NULL);
    expect_fail("{\"components\": {\"cpu0\": {\"gen_read_frac\": [0.5]}}}", MIGSIM_ECONFIG,
                "$.components.cpu0.gen_read_frac", "an array", NULL);
    expect_fail("{\"components\": {\"dram0\": {\"address_mapping\": 12}}}", MIGSIM_ECONFIG,
                "$.components.dram0.address_mapping", NULL);
    /* not whole, negative */
    expect_fail("{\"components\": {\"dram0\": {\"tRCD\": 1.5}}}", MIGSIM_ECONFIG,
                "$.components.dram0.tRCD", NULL);
    expect_fail("{\"components\": {\"cpu0\": {\"gen_count\": -1}}}", MIGSIM_ECONFIG,
                "$.components.cpu0.gen_count", NULL);
    /* sim keys */
    expect_fail("{\"sim\": {\"seed\": \"abc\"}}", MIGSIM_ECONFIG, "$.sim.seed", NULL);
    expect_fail("{\"sim\": {\"end_ps\": -5}}", MIGSIM_ECONFIG, "$.sim.end_ps", NULL);
    expect_fail("{\"sim\": {\"epoch_stats\": \"dram0.read_reqs\"}}", MIGSIM_ECONFIG,
                "$.sim.epoch_stats", NULL);
    expect_fail("{\"components\": {\"dram0\": {\"type\": 5}}}", MIGSIM_ECONFIG,
                "$.components.dram0.type", NULL);
}

static void test_out_of_range(void **state)
{
    (void)state;
    expect_fail("{\"components\": {\"dram0\": {\"read_queue_depth\": 0}}}", MIGSIM_ECONFIG,
                "$.components.dram0.read_queue_depth", "out of range", NULL);
    expect_fail("{\"components\": {\"dram0\": {\"read_queue_depth\": 4097}}}", MIGSIM_ECONFIG,
                "$.components.dram0.read_queue_depth", "out of range", NULL);
    expect_fail("{\"components\": {\"cpu0\": {\"gen_read_frac\": 1.5}}}", MIGSIM_ECONFIG,
                "$.components.cpu0.gen_read_frac", "out of range", NULL);
    expect_fail("{\"components\": {\"cpu0\": {\"gen_read_frac\": -0.1}}}", MIGSIM_ECONFIG,
                "$.components.cpu0.gen_read_frac", NULL);
    /* a size string beyond a u32 */
    expect_fail("{\"components\": {\"cpu0\": {\"max_inflight\": \"8GiB\"}}}", MIGSIM_ECONFIG,
                "$.components.cpu0.max_inflight", "out of range", NULL);
    /* an integer beyond what a double holds exactly */
    expect_fail("{\"components\": {\"cpu0\": {\"gen_count\": 1e19}}}", MIGSIM_ECONFIG,
                "$.components.cpu0.gen_count", NULL);
    expect_fail("{\"links\": [{\"from\": \"cpu0.out\", \"to\": \"dram0.in\", \"capacity\": 0}]}",
                MIGSIM_ECONFIG, "$.links[0].capacity", NULL);
}

static void test_unknown_enum_and_type(void **state)
{
    (void)state;
    expect_fail("{\"components\": {\"dram0\": {\"preset\": \"DDR5-4800\"}}}", MIGSIM_ECONFIG,
                "$.components.dram0.preset", "DDR5-4800", "DDR4-2400", NULL);
    expect_fail("{\"components\": {\"dram0\": {\"page_policy\": \"Open\"}}}", MIGSIM_ECONFIG,
                "$.components.dram0.page_policy", NULL);
    expect_fail("{\"components\": {\"dram0\": {\"type\": \"hbm\"}}}", MIGSIM_ECONFIG,
                "$.components.dram0.type", "hbm", NULL);
    expect_fail("{\"components\": {\"a.b\": {\"type\": \"dram\"}}}", MIGSIM_ECONFIG,
                "$.components.a.b", NULL);
}

static void test_bad_links(void **state)
{
    (void)state;
    expect_fail("{\"links\": [{\"from\": \"cpu0.out\", \"to\": \"nope.in\"}]}", MIGSIM_ECONFIG,
                "$.links[0].to", "nope", NULL);
    expect_fail("{\"links\": [{\"from\": \"cpu0.out\", \"to\": \"dram0.nope\"}]}", MIGSIM_ECONFIG,
                "$.links[0].to", "nope", NULL);
    expect_fail("{\"links\": [{\"from\": \"cpu0\", \"to\": \"dram0.in\"}]}", MIGSIM_ECONFIG,
                "$.links[0].from", NULL);
    expect_fail("{\"links\": [{\"to\": \"dram0.in\"}]}", MIGSIM_ECONFIG, "$.links[0].from", NULL);
    /* from an in port, to an out port */
    expect_fail("{\"links\": [{\"from\": \"dram0.in\", \"to\": \"cpu0.out\"}]}", MIGSIM_ECONFIG,
                "$.links[0].from", "dram0.in", "not an out port", NULL);
    expect_fail("{\"links\": [{\"from\": \"cpu0.out\", \"to\": \"cpu0.out\"}]}", MIGSIM_ECONFIG,
                "$.links[0].to", "not an in port", NULL);
    /* a port bound twice */
    expect_fail("{\"links\": [{\"from\": \"cpu0.out\", \"to\": \"dram0.in\"},"
                "            {\"from\": \"cpu0.out\", \"to\": \"dram0.in\"}]}",
                MIGSIM_ECONFIG, "$.links[1]", "already bound", NULL);
    /* an unconnected port */
    expect_fail("{\"links\": []}", MIGSIM_ECONFIG, "$.links", "cpu0.out", "not connected", NULL);
    /* a fractional latency */
    expect_fail("{\"links\": [{\"from\": \"cpu0.out\", \"to\": \"dram0.in\", \"latency_ps\": 1.5}]}",
                MIGSIM_ECONFIG, "$.links[0].latency_ps", NULL);
}

static void test_component_init_errors(void **state)
{
    (void)state;
    expect_fail("{\"components\": {\"dram0\": {\"address_mapping\": \"RoBaBgRaCoXx\"}}}",
                MIGSIM_ECONFIG, "$.components.dram0", "address_mapping", "RoBaBgRaCoXx", NULL);
    expect_fail("{\"components\": {\"dram0\": {\"address_mapping\": \"RoBa\"}}}", MIGSIM_ECONFIG,
                "$.components.dram0", "address_mapping", NULL);
    expect_fail("{\"components\": {\"dram0\": {\"address_mapping\": \"RoRoBgRaCoCh\"}}}",
                MIGSIM_ECONFIG, "$.components.dram0", "address_mapping", NULL);
    /* low >= high, and high > depth */
    expect_fail("{\"components\": {\"dram0\": {\"write_low_watermark\": 24}}}", MIGSIM_ECONFIG,
                "$.components.dram0", "write_low_watermark", NULL);
    expect_fail("{\"components\": {\"dram0\": {\"write_high_watermark\": 40}}}", MIGSIM_ECONFIG,
                "$.components.dram0", "write_high_watermark", NULL);
    expect_fail("{\"components\": {\"dram0\": {\"write_queue_depth\": 16}}}", MIGSIM_ECONFIG,
                "$.components.dram0", "write_queue_depth", NULL);
    expect_fail("{\"components\": {\"cpu0\": {\"line_bytes\": 48}}}", MIGSIM_ECONFIG,
                "$.components.cpu0", "line_bytes", NULL);
    /* a consistent change of all three is accepted */
    migsim_sim_t *s = create_ok("{\"components\": {\"dram0\": {\"write_queue_depth\": 16,"
                                " \"write_high_watermark\": 12, \"write_low_watermark\": 4}}}");
    assert_int_equal(dram0(s)->write_high_watermark, 12);
    migsim_sim_destroy(s);
}

/*
 * An error message formatted with itself as an argument (a caller putting
 * context in front of a callee's message) reads cleanly, and so does the
 * wrapper made for it.
 */
static void test_error_formatted_with_itself(void **state)
{
    (void)state;
    migsim_error(MIGSIM_ECONFIG, "cpu_mmus: no component named \"%s\"", "nobody");
    int rc = migsim_error(MIGSIM_ECONFIG, "t.json: $.components.mig: %s", migsim_errmsg());
    assert_int_equal(rc, MIGSIM_ECONFIG);
    assert_string_equal(migsim_errmsg(), "t.json: $.components.mig: cpu_mmus: no component named \"nobody\"");
    migsim_error(MIGSIM_EIO, "inner %d", 7);
    rc = migsim_error_wrap(MIGSIM_EIO, "%s: %s", "t.json", "$.links[3]");
    assert_int_equal(rc, MIGSIM_EIO);
    assert_string_equal(migsim_errmsg(), "t.json: $.links[3]: inner 7");
    /* a long message is cut at 1023 bytes, never overrun */
    char big[1100];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    migsim_error(MIGSIM_EINVAL, "%s", big);
    migsim_error_wrap(MIGSIM_EINVAL, "ctx");
    assert_int_equal(strlen(migsim_errmsg()), 1023);
    assert_memory_equal(migsim_errmsg(), "ctx: xxx", 8);
}

/* Which parameters the configuration set, and which kept their table default. */
static void test_param_given(void **state)
{
    (void)state;
    migsim_sim_t *s = create_ok("{\"base\": \"dram\", \"components\": {\"cpu0\": {\"gen_count\": null,"
                                " \"gen_seed\": 5}}}");
    migsim_comp_t *c = &cpu0(s)->comp;
    assert_true(migsim_comp_param_given(c, "gen_seed"));        /* this configuration */
    assert_true(migsim_comp_param_given(c, "gen_range_bytes")); /* the embedded platform */
    assert_false(migsim_comp_param_given(c, "gen_count"));      /* deleted: the table default */
    assert_false(migsim_comp_param_given(c, "gen_base"));
    assert_false(migsim_comp_param_given(c, "no_such_parameter"));
    migsim_sim_destroy(s);
    const char *ovr[] = { "cpu0.gen_base=4096" };
    assert_int_equal(migsim_sim_create_platform(&s, "dram", ovr, 1), 0);
    assert_true(migsim_comp_param_given(migsim_sim_find(s, "cpu0"), "gen_base"));
    migsim_sim_destroy(s);
}

static void test_bad_base(void **state)
{
    (void)state;
    expect_fail("{\"base\": \"other\"}", MIGSIM_ECONFIG, "$.base", NULL);
    expect_fail("{\"base\": 1}", MIGSIM_ECONFIG, "$.base", NULL);
}

/* ---- merging ---------------------------------------------------------------- */

static void test_merge_changes_only_given_keys(void **state)
{
    (void)state;
    migsim_sim_t *d = create_ok("{\"base\": \"dram\"}");
    migsim_sim_t *s = create_ok("{\"base\": \"dram\", \"sim\": {\"end_ps\": 5000},"
                                " \"components\": {\"dram0\": {\"read_queue_depth\": 7}}}");
    assert_int_equal(migsim_sim_ncomps(s), 2);
    assert_int_equal(migsim_sim_seed(s), 1);
    /* the key given changed; its neighbours kept the default platform's values */
    assert_int_equal(dram0(s)->read_queue_depth, 7);
    assert_int_equal(dram0(d)->read_queue_depth, 32);
    assert_int_equal(dram0(s)->write_queue_depth, dram0(d)->write_queue_depth);
    assert_int_equal(dram0(s)->preset, dram0(d)->preset);
    assert_string_equal(dram0(s)->address_mapping, "RoBaBgRaCoCh");
    /* the other component is untouched: 200000 is the platform's, not the table's, default */
    assert_int_equal(cpu0(s)->gen_count, 200000);
    assert_int_equal(cpu0(s)->gen_range_bytes, 4ull << 30);
    assert_true(cpu0(s)->gen_read_frac == 0.67);
    assert_int_equal(cpu0(s)->max_inflight, cpu0(d)->max_inflight);
    /* and the links stayed */
    assert_ptr_equal(cpu0(s)->out.peer, &dram0(s)->in);
    migsim_sim_destroy(s);
    migsim_sim_destroy(d);

    /* "base": "default" is the same as no base: the migration platform */
    s = create_ok("{\"base\": \"default\", \"components\": {\"cpu0\": {\"gen_count\": 5}}}");
    assert_int_equal(cpu0(s)->gen_count, 5);
    assert_non_null(migsim_sim_find(s, "mig"));
    migsim_sim_destroy(s);
    s = create_ok(NULL);
    assert_non_null(migsim_sim_find(s, "mig"));
    migsim_sim_destroy(s);
}

static void test_merge_null_deletes(void **state)
{
    (void)state;
    /* deleting a parameter brings back the table default */
    migsim_sim_t *s = create_ok("{\"base\": \"dram\", \"components\": {\"cpu0\": {\"gen_count\": null}}}");
    assert_int_equal(cpu0(s)->gen_count, 100000);
    assert_true(cpu0(s)->gen_read_frac == 0.67);
    migsim_sim_destroy(s);
    /* deleting a component leaves its link dangling */
    expect_fail("{\"base\": \"dram\", \"components\": {\"cpu0\": null}}", MIGSIM_ECONFIG,
                "$.links[0].from", "cpu0", NULL);
    /* deleting the links leaves the ports unconnected */
    expect_fail("{\"links\": null}", MIGSIM_ECONFIG, "not connected", NULL);
}

static void test_base_none_needs_full_config(void **state)
{
    (void)state;
    expect_fail("{\"base\": \"none\"}", MIGSIM_ECONFIG, "$.components", NULL);
    expect_fail("{\"base\": \"none\", \"components\": {\"dram0\": {\"type\": \"dram\"}}}",
                MIGSIM_ECONFIG, "dram0.in", "not connected", NULL);
    expect_fail("{\"base\": \"none\", \"components\": {\"dram0\": {\"read_queue_depth\": 4}}}",
                MIGSIM_ECONFIG, "$.components.dram0.type", NULL);
    migsim_sim_t *s = create_ok(
        "{\"base\": \"none\", \"components\": {"
        " \"cpu0\": {\"type\": \"trace_player\"}, \"mem\": {\"type\": \"dram\"}},"
        " \"links\": [{\"from\": \"cpu0.out\", \"to\": \"mem.in\", \"latency_ps\": 500}]}");
    assert_int_equal(migsim_sim_ncomps(s), 2);
    assert_null(migsim_sim_find(s, "dram0"));
    /* nothing came from the default platform: table defaults throughout */
    assert_int_equal(cpu0(s)->gen_count, 100000);
    assert_int_equal(migsim_sim_seed(s), 1);
    assert_non_null(cpu0(s)->out.link);
    assert_int_equal(cpu0(s)->out.link->latency_ps, 500);
    assert_int_equal(cpu0(s)->out.link->capacity, 16);
    migsim_sim_destroy(s);
}

/* ---- overrides ------------------------------------------------------------- */

static void test_overrides(void **state)
{
    (void)state;
    const char *ovr[] = { "dram0.preset=\"DDR4-3200\"", "cpu0.gen_range_bytes=16MiB",
                          "sim.seed=7", "cpu0.gen_read_frac=0.25" };
    migsim_sim_t *s = NULL;
    assert_int_equal(migsim_sim_create_platform(&s, "dram", ovr, 4), 0);
    assert_non_null(s);
    assert_int_equal(dram0(s)->preset, 1);
    assert_int_equal(cpu0(s)->gen_range_bytes, 16ull << 20);
    assert_true(cpu0(s)->gen_read_frac == 0.25);
    assert_int_equal(migsim_sim_seed(s), 7);
    assert_int_equal(cpu0(s)->gen_count, 200000);
    migsim_sim_destroy(s);

    /* a bare word is taken as a string */
    const char *bare[] = { "dram0.preset=DDR4-3200", "dram0.page_policy=closed" };
    assert_int_equal(migsim_sim_create_platform(&s, "dram", bare, 2), 0);
    assert_int_equal(dram0(s)->preset, 1);
    assert_int_equal(dram0(s)->page_policy, 1);
    migsim_sim_destroy(s);

    /* overrides apply after the file */
    const char *path = write_file("ovr.json", "{\"components\": {\"dram0\": {\"read_queue_depth\": 7,"
                                              " \"write_queue_depth\": 40}}}");
    const char *rq[] = { "dram0.read_queue_depth=9" };
    assert_int_equal(migsim_sim_create_overrides(&s, path, rq, 1), 0);
    assert_int_equal(dram0(s)->read_queue_depth, 9);
    assert_int_equal(dram0(s)->write_queue_depth, 40);
    migsim_sim_destroy(s);
    unlink(path);
}

static void expect_override_fail(const char *ovr, const char *want1, const char *want2)
{
    migsim_sim_t *s = (migsim_sim_t *)&s;
    int rc = migsim_sim_create_platform(&s, "dram", &ovr, 1);
    const char *msg = migsim_errmsg();
    if (rc != MIGSIM_ECONFIG || !strstr(msg, want1) || (want2 && !strstr(msg, want2)))
        print_message("override %s: %d %s\n", ovr, rc, msg);
    assert_int_equal(rc, MIGSIM_ECONFIG);
    assert_null(s);
    assert_non_null(strstr(msg, want1));
    if (want2)
        assert_non_null(strstr(msg, want2));
}

static void test_bad_overrides(void **state)
{
    (void)state;
    expect_override_fail("nodot", "nodot", NULL);
    expect_override_fail("nodot=5", "nodot=5", NULL);
    expect_override_fail(".x=1", ".x=1", NULL);
    expect_override_fail("dram0.=1", "dram0.=1", NULL);
    expect_override_fail("nosuch.x=1", "nosuch", NULL);
    expect_override_fail("dram0.bogus=1", "$.components.dram0.bogus", NULL);
    expect_override_fail("dram0.read_queue_depth=0", "$.components.dram0.read_queue_depth", NULL);
    /* the value must be one whole JSON value, else it is a string */
    expect_override_fail("cpu0.gen_count=12abc", "$.components.cpu0.gen_count", "12abc");
    expect_override_fail("dram0.preset=DDR9", "$.components.dram0.preset", "DDR9");
    expect_override_fail("sim.bogus=1", "$.sim.bogus", NULL);
}

/* ---- files ----------------------------------------------------------------- */

static void test_file_variant(void **state)
{
    (void)state;
    char missing[256];
    snprintf(missing, sizeof missing, "%s/no-such-file.json", g_dir);
    migsim_sim_t *s = (migsim_sim_t *)&s;
    assert_int_equal(migsim_sim_create_file(&s, missing), MIGSIM_EIO);
    assert_null(s);
    assert_non_null(strstr(migsim_errmsg(), missing));

    /* a directory is not a configuration either */
    s = (migsim_sim_t *)&s;
    assert_true(migsim_sim_create_file(&s, g_dir) < 0);
    assert_null(s);
    assert_non_null(strstr(migsim_errmsg(), g_dir));

    /* errors in a file name the file */
    const char *path = write_file("bad.json", "{\n  \"components\": {\n    \"dram0\": {\"tRCD\": \"x\"}\n  }\n}\n");
    char saved[256 + 16]; /* a path of write_file() and a short suffix */
    snprintf(saved, sizeof saved, "%s", path);
    s = (migsim_sim_t *)&s;
    assert_int_equal(migsim_sim_create_file(&s, saved), MIGSIM_ECONFIG);
    assert_null(s);
    assert_non_null(strstr(migsim_errmsg(), saved));
    assert_non_null(strstr(migsim_errmsg(), "$.components.dram0.tRCD"));
    unlink(saved);

    path = write_file("syntax.json", "{\n  \"sim\": {\n    \"seed\": 1\n  }\n  \"x\": 1\n}\n");
    snprintf(saved, sizeof saved, "%s:5:3:", path);
    assert_int_equal(migsim_sim_create_file(&s, path), MIGSIM_ECONFIG);
    assert_null(s);
    assert_non_null(strstr(migsim_errmsg(), saved));
    unlink(path);

    /* a good file */
    path = write_file("good.json", "{\"components\": {\"cpu0\": {\"gen_count\": 3}}}");
    assert_int_equal(migsim_sim_create_file(&s, path), 0);
    assert_int_equal(cpu0(s)->gen_count, 3);
    migsim_sim_destroy(s);
    unlink(path);
}

/* ---- migsim_parse_size ------------------------------------------------------ */

static void expect_size(const char *s, uint64_t want)
{
    uint64_t v = 12345;
    int rc = migsim_parse_size(s, &v);
    if (rc != 0 || v != want)
        print_message("parse_size(\"%s\") = %d, %llu\n", s, rc, (unsigned long long)v);
    assert_int_equal(rc, 0);
    assert_int_equal(v, want);
}

static void expect_size_bad(const char *s)
{
    uint64_t v = 12345;
    int rc = migsim_parse_size(s, &v);
    if (rc != MIGSIM_EINVAL)
        print_message("parse_size(\"%s\") = %d, %llu\n", s ? s : "(null)", rc,
                      (unsigned long long)v);
    assert_int_equal(rc, MIGSIM_EINVAL);
}

/* A well-formed value past 64 bits is MIGSIM_ERANGE, not MIGSIM_EINVAL. */
static void expect_size_overflow(const char *s)
{
    uint64_t v = 12345;
    int rc = migsim_parse_size(s, &v);
    if (rc != MIGSIM_ERANGE)
        print_message("parse_size(\"%s\") = %d, %llu\n", s, rc, (unsigned long long)v);
    assert_int_equal(rc, MIGSIM_ERANGE);
    assert_int_equal(v, 12345);
}

static void test_parse_size(void **state)
{
    (void)state;
    expect_size("0", 0);
    expect_size("1000", 1000);
    expect_size("4K", 4096);
    expect_size("4k", 4096);
    expect_size("64KiB", 64 * 1024);
    expect_size("3M", 3ull << 20);
    expect_size("16MiB", 16ull << 20);
    expect_size("4GiB", 4ull << 30);
    expect_size("2G", 2ull << 30);
    expect_size("1TiB", 1ull << 40);
    expect_size("0x1000", 4096);
    expect_size("0x10K", 16 * 1024);
    expect_size("18446744073709551615", UINT64_MAX);
    expect_size("17179869183GiB", UINT64_MAX - (1ull << 30) + 1);
    expect_size("0GiB", 0);
    /* overflow */
    expect_size_overflow("18446744073709551616");
    expect_size_overflow("99999999999999999999999");
    expect_size_overflow("17179869184GiB");
    expect_size_overflow("16777216TiB");
    expect_size_overflow("20000000TiB");
    expect_size_overflow("99999999999999999999GiB");
    expect_size_overflow("0x10000000000000000");
    expect_size_overflow("0x400000000000000K");
    /* garbage after an overflowing number is garbage */
    expect_size_bad("99999999999999999999999x");
    expect_size_bad("99999999999999999999GB");
    /* garbage */
    expect_size_bad("");
    expect_size_bad(NULL);
    expect_size_bad("abc");
    expect_size_bad("K");
    expect_size_bad("12abc");
    expect_size_bad("1.5K");
    expect_size_bad("4KB");
    expect_size_bad("4 KiB");
    expect_size_bad("4Ki");
    expect_size_bad("4KiBx");
    expect_size_bad("0x");
    expect_size_bad("-1");
    expect_size_bad("-0");
    expect_size_bad("5 ");
}

/* A size that overflows says so, with its JSON path; garbage still says "not an integer". */
static void test_size_overflow_message(void **state)
{
    (void)state;
    expect_fail("{\"components\": {\"cpu0\": {\"gen_range_bytes\": \"99999999999999999999GiB\"}}}",
                MIGSIM_ECONFIG, "$.components.cpu0.gen_range_bytes", "\"99999999999999999999GiB\" overflows 64 bits",
                NULL);
    expect_fail("{\"components\": {\"cpu0\": {\"gen_range_bytes\": \"20000000TiB\"}}}", MIGSIM_ECONFIG,
                "$.components.cpu0.gen_range_bytes", "overflows", NULL);
    expect_fail("{\"sim\": {\"end_ps\": \"20000000TiB\"}}", MIGSIM_ECONFIG, "$.sim.end_ps",
                "\"20000000TiB\" overflows 64 bits", NULL);
    expect_fail("{\"components\": {\"cpu0\": {\"gen_range_bytes\": \"20000000TB\"}}}", MIGSIM_ECONFIG,
                "$.components.cpu0.gen_range_bytes", "is not an integer", NULL);
}

/* A leading zero is decimal, never octal. */
static void test_parse_size_no_octal(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(migsim_parse_size("010", &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(migsim_parse_size("08K", &v), 0);
    assert_int_equal(v, 8192);
}

static void test_parse_size_leading_space_minus(void **state)
{
    (void)state;
    expect_size_bad(" -1");
    expect_size_bad("\t-4K");
    expect_size_bad(" 5");
    expect_size_bad("+5");
}

/* ---- describe -------------------------------------------------------------- */

/* What fn(f, type) writes, and its return code in *rc. */
static char *describe_with(int (*fn)(FILE *, const char *), const char *type, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    *rc = fn(f, type);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static char *describe(const char *type, int *rc)
{
    return describe_with(migsim_describe, type, rc);
}

static void test_describe_dram(void **state)
{
    (void)state;
    int rc;
    char *text = describe("dram", &rc);
    assert_int_equal(rc, 0);
    const migsim_comp_ops_t *ops = migsim_registry_find("dram");
    assert_non_null(ops);
    assert_string_equal(ops->type, "dram");
    int nparams = 0;
    for (const migsim_param_t *p = ops->params; p->name; p++, nparams++) {
        /* one line per parameter, the name first and alone ("tRC" is not "tRCD") */
        char want[96];
        snprintf(want, sizeof want, "\n    %s ", p->name);
        if (!strstr(text, want))
            print_message("describe dram lacks parameter %s\n", p->name);
        assert_non_null(strstr(text, want));
        assert_non_null(strstr(text, p->help));
    }
    assert_true(nparams >= 30);
    for (const migsim_stat_def_t *st = ops->stats; st->name; st++) {
        char want[96];
        snprintf(want, sizeof want, "\n    %s ", st->name);
        assert_non_null(strstr(text, want));
    }
    assert_non_null(strstr(text, "\n    in "));
    assert_non_null(strstr(text, "DDR4-2400"));
    assert_null(strstr(text, "trace_player"));
    free(text);

    text = describe(NULL, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(text, "dram"));
    assert_non_null(strstr(text, "trace_player"));
    assert_non_null(strstr(text, "\n    gen_read_frac "));
    free(text);

    text = describe("hbm", &rc);
    assert_int_equal(rc, MIGSIM_ENOENT);
    assert_non_null(strstr(migsim_errmsg(), "hbm"));
    free(text);
}

static cJSON *describe_json(const char *type, int *rc)
{
    char *buf = describe_with(migsim_describe_json, type, rc);
    cJSON *j = *rc ? NULL : cJSON_Parse(buf);
    free(buf);
    return j;
}

static const cJSON *named(const cJSON *array, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, array) {
        if (!strcmp(cJSON_GetObjectItem(e, "name")->valuestring, name))
            return e;
    }
    return NULL;
}

/* describe --json: every parameter, port and statistic of the tables, with their values. */
static void test_describe_json(void **state)
{
    (void)state;
    int rc;
    cJSON *all = describe_json(NULL, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(all);
    const cJSON *types = cJSON_GetObjectItem(all, "types");
    size_t ntypes = 0;
    while (migsim_registry[ntypes])
        ntypes++;
    assert_int_equal(cJSON_GetArraySize(types), (int)ntypes);
    for (size_t i = 0; i < ntypes; i++) {
        const migsim_comp_ops_t *ops = migsim_registry[i];
        const cJSON *t = cJSON_GetArrayItem(types, (int)i);
        assert_string_equal(cJSON_GetObjectItem(t, "type")->valuestring, ops->type);
        const cJSON *ps = cJSON_GetObjectItem(t, "parameters");
        int n = 0;
        for (const migsim_param_t *p = ops->params; p && p->name; p++, n++) {
            const cJSON *j = named(ps, p->name);
            assert_non_null(j);
            assert_string_equal(cJSON_GetObjectItem(j, "help")->valuestring, p->help);
            if (p->type == MIGSIM_PT_U64 || p->type == MIGSIM_PT_U32)
                assert_true(cJSON_GetObjectItem(j, "default")->valuedouble == (double)p->def_u);
        }
        assert_int_equal(cJSON_GetArraySize(ps), n);
        n = 0;
        for (const migsim_stat_def_t *s = ops->stats; s && s->name; s++, n++) {
            const cJSON *j = named(cJSON_GetObjectItem(t, "statistics"), s->name);
            assert_non_null(j);
            assert_string_equal(cJSON_GetObjectItem(j, "unit")->valuestring, s->unit);
            assert_true(cJSON_HasObjectItem(j, "port") == (s->port != NULL));
        }
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(t, "statistics")), n);
    }
    cJSON_Delete(all);

    /* one type: the controller's policy is an enum with its choices and default */
    cJSON *mig = describe_json("migctl", &rc);
    assert_int_equal(rc, 0);
    const cJSON *pol = named(cJSON_GetObjectItem(mig, "parameters"), "policy");
    assert_string_equal(cJSON_GetObjectItem(pol, "type")->valuestring, "enum");
    assert_string_equal(cJSON_GetObjectItem(pol, "default")->valuestring, "segmented");
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(pol, "choices")) >= 7);
    const cJSON *oracle = named(cJSON_GetObjectItem(mig, "parameters"), "oracle");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(oracle, "default")));
    cJSON_Delete(mig);

    cJSON *xbar = describe_json("xbar", &rc);
    const cJSON *in5 = named(cJSON_GetObjectItem(xbar, "statistics"), "in5_reqs");
    assert_string_equal(cJSON_GetObjectItem(in5, "port")->valuestring, "in5");
    cJSON_Delete(xbar);

    assert_null(describe_json("hbm", &rc));
    assert_int_equal(rc, MIGSIM_ENOENT);
    assert_non_null(strstr(migsim_errmsg(), "hbm"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_syntax_error_names_line_and_column),
        cmocka_unit_test(test_json_syntax_error_column_after_comma_in_object),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_unknown_enum_and_type),
        cmocka_unit_test(test_bad_links),
        cmocka_unit_test(test_component_init_errors),
        cmocka_unit_test(test_bad_base),
        cmocka_unit_test(test_error_formatted_with_itself),
        cmocka_unit_test(test_param_given),
        cmocka_unit_test(test_merge_changes_only_given_keys),
        cmocka_unit_test(test_merge_null_deletes),
        cmocka_unit_test(test_base_none_needs_full_config),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_bad_overrides),
        cmocka_unit_test(test_file_variant),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_parse_size_leading_space_minus),
        cmocka_unit_test(test_size_overflow_message),
        cmocka_unit_test(test_parse_size_no_octal),
        cmocka_unit_test(test_describe_dram),
        cmocka_unit_test(test_describe_json),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
