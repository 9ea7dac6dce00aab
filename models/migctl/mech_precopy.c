/*
 * mech_precopy.c - iterative pre-copy with dirty tracking, as hypervisors
 * migrate a guest's memory live (KVM dirty logging, VT-d / AMD-Vi / SMMUv3
 * I/O page-table dirty bits):
 *
 *   200 | 202 301 302 | 310 312 314 316 ... 310 312 | 320 321 208 324 210 328 | 218 220 222
 *
 * 202: the CPU mapping of the page is split into tracking PTEs of
 * precopy_track_bytes (as KVM splits huge pages for dirty logging), the
 * large leaf shot down. 301, 302: the I/O mapping likewise into I/O PTEs of
 * precopy_io_track_bytes, the IOTLB invalidated. All of them start with D
 * clear: the CPU MMUs and the IOMMU set D by a walk (an atomic 8-byte
 * compare-and-swap) on the first write through a translation cached with
 * D clear, so every granule written from then on has D set in memory
 * before the write's bytes reach it.
 *
 * 310: round k copies the granules still to copy (round 0: the whole page)
 * while the CPUs and devices keep writing through their mappings, which
 * still point at the current page. 312: the harvest reads every tracking
 * PTE and clears D where it is set; those granules are to be copied again.
 * 314: when fewer than precopy_stop_bytes are dirty, or precopy_max_rounds
 * rounds are done, the stop-and-copy follows; otherwise the CPU TLBs are
 * shot down and (316) the IOTLB invalidated, and only then does the next
 * round copy. The order matters: a translation cached with D set, used
 * after the harvest cleared D, dirties a granule without setting D again.
 * Such a translation was filled since the last flush, so its granule had D
 * set at the harvest and is in the set the next round copies; that copy
 * must not start before the flush, or a write made through the stale
 * translation after the granule's line was read is never copied.
 *
 * The stop-and-copy: 320 the devices are suspended and (321) drained; 208
 * the CPU PTEs made invalid and shot down (CPU accesses fault and wait);
 * 324 a last harvest; 210 the granules still dirty are copied; 328 the I/O
 * tracking PTEs give way to one large PTE again; 218 to 222 the shared end
 * (the I/O PTE to the target, the IOTLB invalidated, the devices resumed,
 * the target mapped with one large CPU PTE).
 *
 * Costs: PTE writes at pte_write_ps each (splits, D clears, the merge);
 * each tracking PTE a harvest reads at precopy_pte_scan_ps (the harvest
 * reads and clears the PTEs functionally at its start and charges the time
 * after: the PTE reads are not sent to memory as requests); shootdowns and
 * IOTLB invalidations as the core models them; the copy through the copy
 * engine, one dirty run after another with no gap.
 *
 * Unsafe variant (precopy_io_dirty = false): the I/O mapping is not split
 * and no I/O dirty bit is read, so a DMA write to a granule already copied
 * is copied again only if a CPU write dirtied the same granule.
 */
#include "migctl/mech.h"
#include "migsim/errors.h"
#include "migsim/sim.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PC_DRAIN_POLL_PS 10000u   /* how often the devices are looked at while draining */

static bool pc_bit(const migctl_t *m, uint64_t g)
{
    return (m->pc_dirty[g / 64] >> (g % 64)) & 1;
}

/* Granules of [off, off + len) (bytes into the page) are to be copied. */
static void pc_mark(migctl_t *m, uint64_t off, uint64_t len)
{
    for (uint64_t g = off / m->pc_gran_bytes, end = (off + len) / m->pc_gran_bytes; g < end; g++) {
        if (!pc_bit(m, g)) {
            m->pc_dirty[g / 64] |= 1ull << (g % 64);
            m->pc_ndirty++;
        }
    }
}

/* The next run of granules to copy from the cursor on, taken out of the set (migctl_copy_runs). */
static bool pc_next_run(migctl_t *m, uint64_t *off, uint64_t *len)
{
    uint64_t i = m->pc_cursor;
    while (i < m->pc_grans && !pc_bit(m, i))
        i++;
    uint64_t j = i;
    for (; j < m->pc_grans && pc_bit(m, j); j++)
        m->pc_dirty[j / 64] &= ~(1ull << (j % 64));
    m->pc_cursor = j;
    m->pc_ndirty -= j - i;
    *off = i * m->pc_gran_bytes;
    *len = (j - i) * m->pc_gran_bytes;
    return j > i;
}

/* Copy every granule of the set, then run step `then`; returns the bytes it copies. */
static uint64_t pc_copy_dirty(migctl_t *m, uint32_t then)
{
    uint64_t bytes = m->pc_ndirty * m->pc_gran_bytes;
    m->pc_cursor = 0;
    migctl_copy_runs(m, pc_next_run, bytes, then);
    return bytes;
}

/*
 * Read every leaf of one page table over the page (at `base`), clear D
 * where it is set and add its granules to the set. Returns the PTEs read;
 * *cleared counts those cleared.
 */
static uint64_t pc_harvest_table(migctl_t *m, xlat_pt_t *pt, uint64_t base, uint64_t *cleared)
{
    uint64_t n = 0;
    xlat_map_t map;
    for (uint64_t a = base; a < base + m->page_bytes; a = map.va + xlat_size(&m->lad, map.size_idx)) {
        if (!xlat_pt_lookup(pt, a, &map)) {
            migsim_sim_fail(m->comp.sim, migsim_error(MIGSIM_ESTATE, "%s: precopy: no PTE at 0x%"
                                                      PRIx64, m->comp.name, a));
            break;
        }
        n++;
        if (map.pte & XLAT_PTE_D) {
            xlat_pt_clear_dirty(pt, map.va);
            (*cleared)++;
            pc_mark(m, map.va - base, xlat_size(&m->lad, map.size_idx));
        }
    }
    return n;
}

/* Harvest the CPU dirty bits and, when tracked, the I/O ones; returns the time charged. */
static uint64_t pc_harvest(migctl_t *m)
{
    uint64_t cleared = 0;
    uint64_t read = pc_harvest_table(m, &m->cpu_pt, m->va, &cleared);
    if (m->pc_io_dirty)
        read += pc_harvest_table(m, &m->io_pt, m->iova, &cleared);
    m->st_pc_ptes_read += read;
    m->st_pc_ptes_cleared += cleared;
    m->st_pte_writes += cleared;
    uint64_t cost = read * m->pc_pte_scan_ps + cleared * m->pte_write_ps;
    m->st_pc_harvest_ps += cost;
    return cost;
}

/*
 * Steps 301 and 328: with I/O dirty tracking, the I/O mapping of the page
 * becomes size-k leaves on the current page and step `then` follows the
 * PTE writes; without it, step `skip` follows at once.
 */
static void pc_io_map(migctl_t *m, uint32_t k, uint32_t then, uint32_t skip)
{
    if (!m->pc_io_dirty) {
        migctl_next(m, skip, 0);
        return;
    }
    migctl_log_step(m, (uint16_t)m->block, 0);
    uint64_t n = migctl_map_page(m, true, m->cur_pa, k);
    migctl_next(m, then, n * m->pte_write_ps);
}

static void precopy_step(migctl_t *m)
{
    uint64_t n;
    switch (m->block) {
    case 200: /* round 0 copies everything */
        migctl_begin(m);
        memset(m->pc_dirty, 0, (m->pc_grans + 63) / 64 * sizeof *m->pc_dirty);
        m->pc_ndirty = 0;
        m->pc_round = 0;
        pc_mark(m, 0, m->page_bytes);
        migctl_next(m, 202, 0);
        return;
    case 202: /* the CPU mapping split into tracking PTEs, D clear; the large leaf shot down */
        migctl_log_step(m, 202, 0);
        n = migctl_map_page(m, false, m->cur_pa, m->pc_track_idx);
        migctl_next(m, 301, n * m->pte_write_ps + migctl_shootdown(m, 0, m->subpages));
        return;
    case 301: /* the I/O mapping split likewise */
        pc_io_map(m, m->pc_io_track_idx, 302, 310);
        return;
    case 302: /* the large I/O leaf out of the IOTLB */
        migctl_log_step(m, 302, 0);
        migctl_io_invalidate(m, 0, m->subpages, 310, 0);
        return;
    case 310: { /* round k: copy the set (round 0: the whole page, set at block 200) */
        migctl_log_step(m, 310, m->pc_round);
        uint64_t bytes = pc_copy_dirty(m, 312);
        if (m->pc_round < MIGCTL_PC_ROUND_STATS)
            m->st_pc_round_bytes[m->pc_round] += bytes;
        m->pc_round++;
        m->st_pc_rounds++;
        return;
    }
    case 312: /* the harvest */
        migctl_log_step(m, 312, m->pc_round);
        migctl_next(m, 314, pc_harvest(m));
        return;
    case 314: /* converged, or out of rounds: stop and copy; else re-arm the dirty bits */
        if (m->pc_ndirty * m->pc_gran_bytes < m->pc_stop_bytes || m->pc_round >= m->pc_max_rounds) {
            migctl_next(m, 320, 0);
            return;
        }
        migctl_log_step(m, 314, m->pc_round);
        migctl_next(m, 316, migctl_shootdown(m, 0, m->subpages));
        return;
    case 316:
        if (!m->pc_io_dirty) {
            migctl_next(m, 310, 0);
            return;
        }
        migctl_log_step(m, 316, m->pc_round);
        migctl_io_invalidate(m, 0, m->subpages, 310, 0);
        return;
    case 320: /* stop: the devices suspended */
        migctl_log_step(m, 320, 0);
        migctl_devices_suspend(m, true);
        migctl_next(m, 321, 0);
        return;
    case 321: /* ... and drained */
        if (!migctl_devices_drained(m)) {
            migctl_next(m, 321, PC_DRAIN_POLL_PS);
            return;
        }
        migctl_next(m, 208, 0);
        return;
    case 208: /* the CPU PTEs invalid, TLBs shot down, the hypervisor called */
        migctl_log_step(m, 208, 0);
        migctl_next(m, 324, migctl_cpu_off(m, 0, m->subpages));
        return;
    case 324: /* the last harvest: nothing writes the page any more */
        migctl_log_step(m, 324, 0);
        migctl_next(m, 210, pc_harvest(m));
        return;
    case 210: /* copy what is still dirty */
        migctl_log_step(m, 210, 0);
        m->st_pc_dirty_final += pc_copy_dirty(m, 328);
        return;
    case 328: /* the I/O tracking PTEs give way to one large PTE (the devices are suspended) */
        pc_io_map(m, m->page_idx, 218, 218);
        return;
    case 218: /* the I/O switch; the devices resume when it is done */
        migctl_finish(m, 0);
        return;
    default:
        migctl_no_step(m);
    }
}

/* Bytes of the page-table tables that mapping the page as size-k leaves needs at most. */
static uint64_t pc_table_bytes(const migctl_t *m, uint32_t k)
{
    uint64_t bytes = 0;
    for (uint32_t j = k; j < m->page_idx; j++) {
        uint64_t t = (xlat_level_entries(&m->lad, j) * 8 + XLAT_TABLE_ALIGN - 1) / XLAT_TABLE_ALIGN *
                     XLAT_TABLE_ALIGN;
        bytes += m->page_bytes / xlat_size(&m->lad, j + 1) * t;
    }
    return bytes;
}

/* A tracking size: a ladder size at most page_bytes whose tables fit; 0 = subpage_bytes. */
static int pc_track_size(migctl_t *m, uint64_t bytes, const char *param, uint32_t *idx)
{
    if (bytes == 0)
        bytes = m->subpage_bytes;
    int k = xlat_ladder_index(&m->lad, bytes);
    if (k < 0 || (uint32_t)k > m->page_idx)
        return migsim_error(MIGSIM_ECONFIG, "%s.%s: %" PRIu64 " is not a page size of the ladder "
                            "\"%s\" at most page_bytes (%" PRIu64 ")", m->comp.config_path, param,
                            bytes, m->ladder, m->page_bytes);
    uint64_t need = pc_table_bytes(m, (uint32_t)k);
    if (need > m->pt_bytes / 2)
        return migsim_error(MIGSIM_ECONFIG, "%s.%s: tracking the page with %" PRIu64 "-byte PTEs "
                            "needs %" PRIu64 " bytes of tables, more than the %" PRIu64 " of one "
                            "page table (pt_bytes / 2)", m->comp.config_path, param, bytes, need,
                            m->pt_bytes / 2);
    *idx = (uint32_t)k;
    return MIGSIM_OK;
}

static int precopy_init(migctl_t *m)
{
    int rc;
    if ((rc = pc_track_size(m, m->pc_track_bytes, "precopy_track_bytes", &m->pc_track_idx)) ||
        (rc = pc_track_size(m, m->pc_io_track_bytes, "precopy_io_track_bytes", &m->pc_io_track_idx)))
        return rc;
    uint32_t g = m->pc_track_idx;
    if (m->pc_io_dirty && m->pc_io_track_idx < g)
        g = m->pc_io_track_idx;
    m->pc_gran_bytes = xlat_size(&m->lad, g);
    m->pc_grans = m->page_bytes / m->pc_gran_bytes;
    m->pc_dirty = calloc((m->pc_grans + 63) / 64, sizeof *m->pc_dirty);
    if (!m->pc_dirty)
        return migsim_error(MIGSIM_ENOMEM, "%s: out of memory", m->comp.name);
    return MIGSIM_OK;
}

static void precopy_finalize(migctl_t *m)
{
    m->st_pc_pause_ps = m->suspended_ps + (m->suspended ? m->comp.k->now - m->suspended_at_ps : 0);
}

static void precopy_fini(migctl_t *m)
{
    free(m->pc_dirty);
    m->pc_dirty = NULL;
}

const migctl_mech_t migctl_mech_precopy = {
    .name = "precopy", .needs_chip = false, .pages = true, .via_iommu = true, .step = precopy_step, .first = 200,
    .init = precopy_init, .finalize = precopy_finalize, .fini = precopy_fini,
};
