/*
 * mech_segmented.c - segmented dual-write migration, US 9,081,764 FIG. 2:
 *
 *   200 202 204 206 | 208 210 212 214 216 | ... 208 210 212 | 218 220 222
 *
 * The page is mapped as subpage PTEs (FIG. 4, 400) or the largest aligned
 * PTEs per segment (450); the OS calls the hypervisor, which programs the
 * chip for the first window. Then per window: the window's CPU PTEs are
 * made invalid and shot down (the CPU faults and waits), the hypervisor
 * copies the window while the chip writes DMA writes to it on both copies,
 * moves the chip's window on, and the OS points the copied subpages at the
 * target. After the last window the I/O PTE is pointed at the target and
 * the IOTLB invalidated, the chip disabled, and the OS maps the target with
 * one large PTE. subpages_per_call subpages per window (claims 6, 17).
 */
#include "migctl/mech.h"

/* The window after the one ending at `lo`: subpages_per_call subpages, or what is left. */
static uint64_t window_end(const migctl_t *m, uint64_t lo)
{
    return lo + m->subpages_per_call < m->subpages ? lo + m->subpages_per_call : m->subpages;
}

/*
 * The smallest ladder-aligned block of subpages holding [a, b): outside it
 * the FIG. 4 layout does not change when the window moves from a to b.
 */
static void changed_block(const migctl_t *m, uint64_t a, uint64_t b, uint64_t *from, uint64_t *to)
{
    for (uint32_t k = m->sub_idx; k <= m->page_idx; k++) {
        uint64_t per = xlat_size(&m->lad, k) / m->subpage_bytes;
        if (a / per == (b - 1) / per) {
            *from = a / per * per;
            *to = *from + per;
            return;
        }
    }
    *from = 0;
    *to = m->subpages;
}

/* 216: the copied subpages [lo, hi) go to the target; the window moves on. Returns the cost. */
static uint64_t remap_copied(migctl_t *m, uint64_t lo, uint64_t hi)
{
    uint64_t n, shoot = 0;
    m->win_lo = hi;
    m->win_hi = window_end(m, hi);
    if (m->pte_mode == 1) {
        uint64_t from, to, range[2];
        changed_block(m, lo, m->win_hi > hi ? m->win_hi : hi, &from, &to);
        n = migctl_layout(m, from, to, m->win_lo, m->win_hi, range);
        /*
         * Where leaves merged or split, tables were freed or made: TLBs and
         * page-walk caches may hold the old shape, so shoot that range down
         * (nothing when the copied subpages were only retargeted).
         */
        shoot = migctl_shootdown_range(m, range);
    } else {
        n = migctl_retarget(m, lo, hi); /* retargeting leaves keeps their number */
    }
    m->st_pte_writes += n;
    migctl_pte_changed(m, lo, hi);
    return n * m->pte_write_ps + shoot;
}

static void segmented_step(migctl_t *m)
{
    uint64_t n;
    switch (m->block) {
    case 200:
        migctl_begin(m);
        migctl_next(m, 202, 0);
        return;
    case 202: { /* map the large page as subpage PTEs (or the FIG. 4 mix) */
        migctl_log_step(m, 202, 0);
        uint64_t shoot[2];
        n = migctl_layout(m, 0, m->subpages, 0, window_end(m, 0), shoot);
        m->st_pte_writes += n;
        migctl_next(m, 204, n * m->pte_write_ps + migctl_shootdown_range(m, shoot));
        return;
    }
    case 204: /* the OS calls the hypervisor to start */
        migctl_log_step(m, 204, 0);
        m->st_hcalls++;
        migctl_next(m, 206, m->hcall_ps);
        return;
    case 206: /* initialise the chip; the first window */
        migctl_log_step(m, 206, 0);
        m->win_lo = 0;
        m->win_hi = window_end(m, 0);
        migctl_chip(m, true, m->win_lo, m->win_hi);
        migctl_next(m, 208, m->init_hw_ps);
        return;
    case 208: /* invalidate the window's CPU PTEs, shoot down TLBs, call the hypervisor */
        migctl_log_step(m, 208, m->win_lo);
        migctl_next(m, 210, migctl_cpu_off(m, m->win_lo, m->win_hi));
        return;
    case 210: /* the hypervisor copies the window */
        migctl_log_step(m, 210, m->win_lo);
        migctl_copy(m, m->win_lo, m->win_hi, 212);
        return;
    case 212: /* final subpage? */
        migctl_log_step(m, 212, m->win_lo);
        migctl_next(m, m->win_hi >= m->subpages ? 218 : 214, 0);
        return;
    case 214: /* the hypervisor moves the chip's window on */
        migctl_log_step(m, 214, m->win_hi);
        migctl_chip(m, true, m->win_hi, window_end(m, m->win_hi));
        migctl_next(m, 216, m->update_hw_ps);
        return;
    case 216: /* the OS points the copied subpages' PTEs at the target */
        migctl_log_step(m, 216, m->win_lo);
        migctl_next(m, 208, remap_copied(m, m->win_lo, m->win_hi));
        return;
    case 218: /* the I/O switch; the chip redirects stragglers until final_ps after it */
        migctl_finish(m, m->final_ps);
        return;
    default:
        migctl_no_step(m);
    }
}

const migctl_mech_t migctl_mech_segmented = {
    .name = "segmented", .needs_chip = true, .pages = true, .step = segmented_step, .first = 200,
};
