/*
 * mech_suspend_io.c - prior art: the DMA devices suspended and the CPU kept
 * off the page for the whole copy:
 *
 *   200 208 (devices suspended and drained, CPU PTE invalid) 210 212 218 220 222
 *
 * The devices stop issuing at 208; the copy starts once none has a request
 * in flight (looked at every MIG_DRAIN_POLL_PS). They resume when the IOTLB
 * invalidation of block 218 completes.
 */
#include "migctl/mech.h"

#define MIG_DRAIN_POLL_PS 10000u   /* how often the devices are looked at while draining */

static void suspend_io_step(migctl_t *m)
{
    switch (m->block) {
    case 200:
        migctl_begin(m);
        migctl_next(m, 208, 0);
        return;
    case 208: /* devices suspended, the CPU PTE invalid, TLBs shot down, the hypervisor called */
        migctl_log_step(m, 208, 0);
        m->win_lo = 0;
        m->win_hi = m->subpages;
        migctl_devices_suspend(m, true);
        migctl_next(m, 209, migctl_cpu_off(m, 0, m->subpages));
        return;
    case 209: /* wait for the devices to drain */
        if (!migctl_devices_drained(m)) {
            migctl_next(m, 209, MIG_DRAIN_POLL_PS);
            return;
        }
        /* fall through */
    case 210: /* the hypervisor copies the page */
        migctl_log_step(m, 210, 0);
        migctl_copy(m, 0, m->subpages, 212);
        return;
    case 212:
        migctl_log_step(m, 212, 0);
        migctl_next(m, 218, 0);
        return;
    case 218: /* the I/O switch; the devices resume when it is done */
        migctl_finish(m, 0);
        return;
    default:
        migctl_no_step(m);
    }
}

const migctl_mech_t migctl_mech_suspend_io = {
    .name = "suspend_io", .needs_chip = false, .pages = true, .step = suspend_io_step, .first = 200,
};
