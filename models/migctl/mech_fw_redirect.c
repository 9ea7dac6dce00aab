/*
 * mech_fw_redirect.c - the firmware mapping-table redirect of US 9,600,202
 * (seed 003): the firmware copies the page into memory reserved from the OS
 * (the target) and records the mapping in a table that every later access
 * is checked against (the fwmap component in the memory path). The OS page
 * tables never change: no shootdown, no IOTLB invalidation, no chip.
 *
 *   200, then per chunk of fw_chunk_bytes:
 *     301 SMI: every core stops (cpu_mmu_stop); fw_smi_entry_ps
 *     302 the firmware copies the chunk (the table holds CPU and DMA writes
 *         to it from here, with fw_interlock)
 *     303 the copy is done: the firmware writes the chunk's entries;
 *         fw_switch_ps
 *     304 the entries are switched (held writes go on, to the copy);
 *         leaving SMM, fw_smi_exit_ps
 *     305 the cores run again
 *   222 after the last chunk's 305.
 *
 * DMA keeps running through the table all along. Without the interlock a
 * DMA write to a chunk between its copy reading the line and the switch is
 * applied to the old place, which nothing reads afterwards: the oracle,
 * resolving through the table (fw_resolve), finds it lost.
 */
#include "migctl/mech.h"
#include "fwmap/fwmap.h"
#include "migsim/errors.h"
#include "migsim/sim.h"

#include <inttypes.h>

enum { FW_SMI = 301, FW_COPY = 302, FW_SWITCH = 303, FW_EXIT = 304, FW_RESUME = 305 };

/* The table, checked by fwmap_* at every call: a refusal is a broken invariant of the run. */
static void fw_table(migctl_t *m, int rc)
{
    if (rc)
        migsim_sim_fail(m->comp.sim, rc);
}

static void fw_redirect_step(migctl_t *m)
{
    uint64_t per = m->fw_chunk_bytes / m->subpage_bytes;
    uint64_t src = m->cur_pa + m->win_lo * m->subpage_bytes;
    uint64_t dst = m->tgt_pa + m->win_lo * m->subpage_bytes;
    switch (m->block) {
    case 200:
        migctl_begin(m);
        m->win_lo = 0;
        m->win_hi = per;
        migctl_next(m, FW_SMI, 0);
        return;
    case FW_SMI: /* every core held from the SMI's assertion */
        migctl_log_step(m, FW_SMI, m->win_lo);
        migctl_cpus_stop(m, true);
        m->fw_smi_t0 = m->comp.k->now;
        m->st_fw_calls++;
        migctl_next(m, FW_COPY, m->fw_smi_entry_ps);
        return;
    case FW_COPY: /* entries not yet switched; the table holds writes to the chunk */
        migctl_log_step(m, FW_COPY, m->win_lo);
        fw_table(m, fwmap_set(m->fwm, src, dst, m->fw_chunk_bytes, false));
        if (m->fw_interlock)
            fw_table(m, fwmap_hold(m->fwm, src, m->fw_chunk_bytes, true));
        migctl_copy(m, m->win_lo, m->win_hi, FW_SWITCH);
        return;
    case FW_SWITCH:
        migctl_log_step(m, FW_SWITCH, m->win_lo);
        migctl_next(m, FW_EXIT, m->fw_switch_ps);
        return;
    case FW_EXIT: /* switched: every later access goes to the copy, held writes first */
        migctl_log_step(m, FW_EXIT, m->win_lo);
        fw_table(m, fwmap_set(m->fwm, src, dst, m->fw_chunk_bytes, true));
        if (m->fw_interlock)
            fw_table(m, fwmap_hold(m->fwm, src, m->fw_chunk_bytes, false));
        migctl_next(m, FW_RESUME, m->fw_smi_exit_ps);
        return;
    case FW_RESUME:
        migctl_log_step(m, FW_RESUME, m->win_lo);
        migctl_cpus_stop(m, false);
        m->st_fw_smi_cpu_ps += m->nmmus * (m->comp.k->now - m->fw_smi_t0);
        m->win_lo = m->win_hi;
        m->win_hi += per;
        if (m->win_lo < m->subpages)
            migctl_next(m, FW_SMI, 0);
        else
            migctl_end(m); /* the page tables never changed: nothing else to do */
        return;
    default:
        migctl_no_step(m);
    }
}

/*
 * The table is named, of type fwmap; a chunk is whole subpages (the copy
 * engine's unit) and whole table chunks and divides the page; the page's
 * chunks fit in the table.
 */
static int fw_redirect_init(migctl_t *m)
{
    const char *at = m->comp.config_path;
    if (!m->fwmap[0])
        return migsim_error(MIGSIM_ECONFIG, "%s.fwmap: policy fw_redirect needs a mapping table "
                            "(a fwmap component in the memory path)", at);
    if (!(m->fwm = (struct fwmap_s *)migsim_comp_find_peer(&m->comp, m->fwmap, "fwmap", "fwmap")))
        return MIGSIM_ECONFIG;
    const fwmap_t *f = m->fwm;
    if (m->fw_chunk_bytes % m->subpage_bytes || m->page_bytes % m->fw_chunk_bytes)
        return migsim_error(MIGSIM_ECONFIG, "%s.fw_chunk_bytes: %" PRIu64 " must be a multiple of "
                            "subpage_bytes %" PRIu64 " dividing page_bytes %" PRIu64, at,
                            m->fw_chunk_bytes, m->subpage_bytes, m->page_bytes);
    if (!f->chunk_bytes || m->fw_chunk_bytes % f->chunk_bytes)
        return migsim_error(MIGSIM_ECONFIG, "%s.fw_chunk_bytes: %" PRIu64 " is not a multiple of "
                            "%s.chunk_bytes %" PRIu64 " (the table's granularity)", at,
                            m->fw_chunk_bytes, f->comp.config_path, f->chunk_bytes);
    uint64_t need = m->page_bytes / f->chunk_bytes;
    if (need > f->entries)
        return migsim_error(MIGSIM_ECONFIG, "%s.entries: %u entries cannot map %s.page_bytes %"
                            PRIu64 " in chunks of %" PRIu64 " bytes (%" PRIu64 " entries)",
                            f->comp.config_path, f->entries, at, m->page_bytes, f->chunk_bytes, need);
    return MIGSIM_OK;
}

/* The oracle's final place: through the table (the OS page tables still map the old place). */
static uint64_t fw_redirect_resolve(const migctl_t *m, uint64_t pa)
{
    return fwmap_resolve(m->fwm, pa);
}

const migctl_mech_t migctl_mech_fw_redirect = {
    .name = "fw_redirect", .needs_chip = false, .step = fw_redirect_step, .first = 200,
    .init = fw_redirect_init, .resolve = fw_redirect_resolve,
};
