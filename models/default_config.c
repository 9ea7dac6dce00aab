/*
 * default_config.c - the embedded platforms, selected by "base" in a
 * configuration or `migsim run --platform NAME`.
 *
 * "dram": a trace player generating 200,000 random 64-byte accesses (67%
 * reads) over 4 GiB, one every 8 ns (8 GB/s offered, about 80% of what one
 * channel sustains on random lines), into one channel of DDR4-2400 with an
 * FR-FCFS open-page controller.
 *
 * "migration": a 1 GiB page with 64 KiB subpages (CPU VA 4 GiB, IOVA 4 GiB,
 * PA 1 GiB -> 2 GiB) migrated by the segmented dual-write mechanism while a
 * CPU core reads and writes it through its MMU and two DMA devices (a NIC
 * receiving a packet every 2 us into a 512-entry ring of 2 KiB buffers, and a
 * disk moving a 128 KiB block every 100 us at random places) reach it through the
 * IOMMU and the dual-write chip; all traffic meets in a crossbar in front of
 * an 8 MiB last-level cache and one channel of DDR4-2400. Page tables live
 * in DRAM at 64 MiB. The traffic runs for 500 ms; the migration starts at
 * 30 ms and takes about 370 ms, so latencies before, during and after it can
 * be compared. The oracle checks that no write is lost. The CPU core and the
 * disk cover the whole page: their generators' regions are left out, so they
 * follow the page (mig.page_bytes, mig.va, mig.iova); the NIC's ring is placed.
 *
 * "tiered": the "migration" platform with its memory in two tiers behind an
 * address router after the cache: a near node (dram0, DDR4-2400, PA
 * [0, 8 GiB)) and a far node (dram1, DDR4-2400 behind a CXL-like link: 35 ns
 * more each way, 32 GB/s, PA [8 GiB, 16 GiB)). The page is promoted: it moves
 * from the far node (cur_pa 9 GiB) to the near one (tgt_pa 2 GiB), so the copy
 * reads through the far link and every mechanism and the oracle work across
 * nodes; the page tables stay near.
 */
#include "migsim/sim.h"

#include <string.h>

static const char dram_platform[] =
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

/*
 * The parts the migration platforms share: every component but the memory (the
 * migration controller's page where it is and where it goes, and the memory it
 * names, as arguments), and every link up to the last-level cache.
 */
#define MIG_COMPONENTS(cur, tgt, mem) \
    "    \"cpu0\": { \"type\": \"trace_player\", \"gen_pattern\": \"random\",\n"                               \
    "               \"gen_count\": 250000, \"gen_gap_ps\": 2000000,\n"                                         \
    "               \"gen_read_frac\": 0.7, \"payload\": true, \"max_inflight\": 8 },\n"                       \
    "    \"mmu0\": { \"type\": \"cpu_mmu\", \"ladder\": \"4K,64K,1M,16M,256M,1G,4G\" },\n"                     \
    "    \"nic0\": { \"type\": \"dma_dev\", \"gen_pattern\": \"nic_rx\", \"gen_base\": \"4GiB\",\n"            \
    "               \"gen_range_bytes\": \"4MiB\", \"gen_ring_entries\": 512, \"gen_buf_bytes\": 2048,\n"      \
    "               \"gen_pkt_min_bytes\": 64, \"gen_pkt_max_bytes\": 1518, \"gen_count\": 500000,\n"          \
    "               \"gen_gap_ps\": 2000000, \"dev_id\": 0 },\n"                                               \
    "    \"disk0\": { \"type\": \"dma_dev\", \"gen_pattern\": \"block\",\n"                                    \
    "                \"gen_block_bytes\": 131072,\n"                                                           \
    "                \"gen_block_order\": \"random\", \"gen_count\": 5000, \"gen_gap_ps\": 100000000,\n"       \
    "                \"gen_read_frac\": 0.5, \"buffer_bytes\": \"1MiB\", \"dev_id\": 1 },\n"                   \
    "    \"xio\": { \"type\": \"xbar\" },\n"                                                                   \
    "    \"iommu0\": { \"type\": \"iommu\", \"ladder\": \"4K,64K,1M,16M,256M,1G,4G\" },\n"                     \
    "    \"dw0\": { \"type\": \"dualwrite\", \"interlock\": \"line\" },\n"                                     \
    "    \"mig\": { \"type\": \"migctl\", \"policy\": \"segmented\", \"va\": \"4GiB\", \"iova\": \"4GiB\",\n"  \
    "               \"cur_pa\": \"" cur "\", \"tgt_pa\": \"" tgt "\", \"page_bytes\": \"1GiB\",\n"             \
    "               \"subpage_bytes\": \"64KiB\", \"start_ps\": 30000000000,\n"                                \
    "               \"cpu_mmus\": \"mmu0\", \"iommu\": \"iommu0\", \"dualwrite\": \"dw0\",\n"                  \
    "               \"dma_devs\": \"nic0,disk0\", \"dram\": \"" mem "\", \"llc\": \"llc0\",\n"                 \
    "               \"ladder\": \"4K,64K,1M,16M,256M,1G,4G\" },\n"                                             \
    "    \"xmem\": { \"type\": \"xbar\" },\n"                                                                  \
    "    \"llc0\": { \"type\": \"llc\", \"size_bytes\": \"8MiB\", \"ways\": 16 },\n"

#define MIG_LINKS \
    "    { \"from\": \"cpu0.out\", \"to\": \"mmu0.in\" },\n"   \
    "    { \"from\": \"mmu0.mem\", \"to\": \"xmem.in0\" },\n"  \
    "    { \"from\": \"nic0.out\", \"to\": \"xio.in0\" },\n"   \
    "    { \"from\": \"disk0.out\", \"to\": \"xio.in1\" },\n"  \
    "    { \"from\": \"xio.out\", \"to\": \"iommu0.in\" },\n"  \
    "    { \"from\": \"iommu0.mem\", \"to\": \"dw0.in\" },\n"  \
    "    { \"from\": \"mig.copy\", \"to\": \"dw0.copy\" },\n"  \
    "    { \"from\": \"dw0.mem\", \"to\": \"xmem.in1\" },\n"   \
    "    { \"from\": \"xmem.out\", \"to\": \"llc0.in\" },\n"

static const char migration_platform[] =
    "{\n"
    "  \"sim\": { \"seed\": 1 },\n"
    "  \"components\": {\n"
    MIG_COMPONENTS("1GiB", "2GiB", "dram0")
    "    \"dram0\": { \"type\": \"dram\", \"preset\": \"DDR4-2400\" }\n"
    "  },\n"
    "  \"links\": [\n"
    MIG_LINKS
    "    { \"from\": \"llc0.mem\", \"to\": \"dram0.in\" }\n"
    "  ]\n"
    "}\n";

static const char tiered_platform[] =
    "{\n"
    "  \"sim\": { \"seed\": 1 },\n"
    "  \"components\": {\n"
    MIG_COMPONENTS("9GiB", "2GiB", "mem")
    "    \"mem\": { \"type\": \"memrouter\",\n"
    "             \"nodes\": \"out0 base=0 size=8GiB, out1 base=8GiB size=8GiB far\" },\n"
    "    \"dram0\": { \"type\": \"dram\", \"preset\": \"DDR4-2400\" },\n"
    "    \"dram1\": { \"type\": \"dram\", \"preset\": \"DDR4-2400\" }\n"
    "  },\n"
    "  \"links\": [\n"
    MIG_LINKS
    "    { \"from\": \"llc0.mem\", \"to\": \"mem.in\" },\n"
    "    { \"from\": \"mem.out0\", \"to\": \"dram0.in\" },\n"
    "    { \"from\": \"mem.out1\", \"to\": \"dram1.in\" }\n"
    "  ]\n"
    "}\n";

const char *const migsim_platform_names[] = { "dram", "migration", "tiered", NULL };
const char *const migsim_default_platform = "migration";

const char *migsim_platform_config(const char *name)
{
    if (strcmp(name, "dram") == 0)
        return dram_platform;
    if (strcmp(name, "migration") == 0)
        return migration_platform;
    if (strcmp(name, "tiered") == 0)
        return tiered_platform;
    return NULL;
}
