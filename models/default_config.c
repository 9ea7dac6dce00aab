/*
 * default_config.c - the embedded default platform: what `migsim run` runs
 * with no configuration file. A trace player generating 200,000 random
 * 64-byte accesses (67% reads) over 4 GiB, one every 8 ns (8 GB/s offered,
 * about 80% of what one channel sustains on random lines), into one channel
 * of DDR4-2400 with an FR-FCFS open-page controller.
 */
#include "migsim/sim.h"

const char migsim_default_config[] =
    "{\n"
    "  \"sim\": { \"seed\": 1, \"end_ps\": 0, \"epoch_ps\": 0 },\n"
    "  \"components\": {\n"
    "    \"cpu0\": { \"type\": \"trace_player\", \"gen_pattern\": \"random\",\n"
    "               \"gen_count\": 200000, \"gen_range_bytes\": \"4GiB\", \"gen_size_bytes\": 64,\n"
    "               \"gen_read_frac\": 0.67, \"gen_gap_ps\": 8000, \"max_inflight\": 256 },\n"
    "    \"dram0\": { \"type\": \"dram\", \"preset\": \"DDR4-2400\", \"channels\": 1, \"ranks\": 1,\n"
    "                \"address_mapping\": \"RoBaBgRaCoCh\", \"page_policy\": \"open\",\n"
    "                \"scheduler\": \"frfcfs\" }\n"
    "  },\n"
    "  \"links\": [ { \"from\": \"cpu0.out\", \"to\": \"dram0.in\", \"latency_ps\": 0 } ]\n"
    "}\n";
