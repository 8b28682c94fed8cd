#!/usr/bin/env bats
# The fault tier's workload on the real kernel, as a smoke test: synod-load
# (tests/workload) on a single-replica volume, its history checked by
# lincheck (tests/lincheck); Documentation/fault-tier.rst.  Runs inside a
# scripts/vm guest as root:
#	scripts/vm --kernel 6.1 -- bats tests/vm/workload.bats
#
#   /dev/loopN (sparse 64 MiB file: every block starts as zeros)
#        |
#   /dev/synodM  <- 4 workers, O_DIRECT, writes of 1-8 blocks on 64 blocks,
#                   and a reader holding one fd for the whole run
#
# Without faults this shows that the programs and the module agree on the
# history format and that a real history passes; the nemesis runners
# (tests/nemesis, tests/crash) add the faults.

load helpers
load loadcheck

setup() {
	synod_setup
}

teardown() {
	synod_teardown
}

@test "workload: 4 procs for 10 s, writes of 1-8 blocks, are linearizable" {
	L=$(new_loop 64M)
	run "$CTL" volume create r0 --backing "$L"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	dev=$(status_field r0 device)
	[ -b "$dev" ]
	load_checked "$dev" 0 50 "$BATS_TEST_TMPDIR/hist"
}
