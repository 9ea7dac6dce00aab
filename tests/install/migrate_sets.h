/*
 * migrate_sets.h - the overrides of the outside programs of test_install.sh:
 * the embedded default platform scaled down to a 1 MiB page with short CPU,
 * NIC and disk traces (as tests/testutil/migplat.h), a run of a few ms of
 * host time. C and C++.
 */
#ifndef MIGRATE_SETS_H
#define MIGRATE_SETS_H

static const char *const migrate_sets[] = {
    "mig.page_bytes=\"1MiB\"", "mig.start_ps=2000000",
    "cpu0.gen_range_bytes=\"1MiB\"", "cpu0.gen_count=3000", "cpu0.gen_gap_ps=20000",
    "nic0.gen_range_bytes=\"1MiB\"", "nic0.gen_ring_entries=64", "nic0.gen_count=600",
    "nic0.gen_gap_ps=200000", "disk0.gen_range_bytes=\"1MiB\"", "disk0.gen_block_bytes=4096",
    "disk0.gen_count=200", "disk0.gen_gap_ps=300000",
};
#define MIGRATE_NSETS (sizeof migrate_sets / sizeof migrate_sets[0])

#endif /* MIGRATE_SETS_H */
