/*
 * mech_dual_whole.c - prior art: the whole page dual-written for the whole
 * copy, the CPU kept off it:
 *
 *   200 206 (the window is the whole page) 208 210 212 218 220 222
 *
 * The chip writes every DMA write to the page on both copies from block 206
 * until it is disabled; the CPU's PTE of the page is invalid from 208 to
 * 220, so every CPU access to it waits for the whole copy.
 */
#include "migctl/mech.h"

static void dual_whole_step(migctl_t *m)
{
    switch (m->block) {
    case 200:
        migctl_begin(m);
        migctl_next(m, 206, 0);
        return;
    case 206: /* the chip dual-writes the whole page */
        migctl_log_step(m, 206, 0);
        m->win_lo = 0;
        m->win_hi = m->subpages;
        migctl_chip(m, true, m->win_lo, m->win_hi);
        migctl_next(m, 208, m->init_hw_ps);
        return;
    case 208: /* the CPU PTE invalid, TLBs shot down, the hypervisor called */
        migctl_log_step(m, 208, 0);
        migctl_next(m, 210, migctl_cpu_off(m, 0, m->subpages));
        return;
    case 210: /* the hypervisor copies the page */
        migctl_log_step(m, 210, 0);
        migctl_copy(m, 0, m->subpages, 212);
        return;
    case 212:
        migctl_log_step(m, 212, 0);
        migctl_next(m, 218, 0);
        return;
    case 218: /* the I/O switch; the chip redirects stragglers until final_ps after it */
        migctl_finish(m, m->final_ps);
        return;
    default:
        migctl_no_step(m);
    }
}

const migctl_mech_t migctl_mech_dual_whole = {
    .name = "dual_write_whole", .needs_chip = true, .pages = true, .step = dual_whole_step,
    .first = 200,
};
