/*
 * fuzz_config.c - libFuzzer target of the configuration reader: the input
 * is JSON text given to migsim_sim_create() (merged onto the default
 * platform unless it names another "base"), which parses, validates every
 * key, value and link, and initialises every component; a simulation that
 * builds is run for at most 100 ns of simulated time and 2,000 events, its
 * statistics JSON is made, and it is destroyed. Errors are
 * expected outcomes; crashes, sanitizer reports, leaks and hangs are the
 * findings.
 *
 * Inputs naming a file parameter ("trace" read, "cmd_log" written) are
 * skipped: the target must not read or create files at fuzzed paths.
 *
 * Hot path: one parse, one create, a short run, the statistics, one destroy
 * per input.
 */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migsim/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True when any object key at any depth names a parameter that opens a file. */
static bool names_a_file(const cJSON *j)
{
    for (const cJSON *it = j ? j->child : NULL; it; it = it->next) {
        if (it->string && (strcmp(it->string, "trace") == 0 || strcmp(it->string, "cmd_log") == 0))
            return true;
        if (names_a_file(it))
            return true;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    cJSON *j = cJSON_Parse(text);
    bool skip = names_a_file(j);
    cJSON_Delete(j);
    migsim_sim_t *sim;
    if (!skip && migsim_sim_create(&sim, text, "fuzz.json") == 0) {
        /* 100 ns at most, in 100 ps slices, stopping after 2,000 events (an epoch of a few
           ps samples every statistic thousands of times) */
        migsim_tick_t t = 0;
        while (!migsim_sim_done(sim) && t < 100 * MIGSIM_PS_PER_NS &&
               migsim_sim_kernel(sim)->fired < 2000 && migsim_sim_run(sim, t += 100) == 0)
            ;
        free(migsim_sim_stats_json(sim, -1));
        migsim_sim_destroy(sim);
    }
    free(text);
    return 0;
}
