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

setup() {
	synod_setup
}

teardown() {
	synod_teardown
}

LOAD=$B/tests/synod-load
LINCHECK=$B/tests/lincheck

@test "workload: 4 procs for 10 s, writes of 1-8 blocks, are linearizable" {
	L=$(new_loop 64M)
	run "$CTL" volume create r0 --backing "$L"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	dev=$(status_field r0 device)
	[ -b "$dev" ]
	H=$BATS_TEST_TMPDIR/hist
	seed=${SYNOD_LOAD_SEED:-$(date +%Y%m%d)}
	echo "# seed $seed (SYNOD_LOAD_SEED=$seed reproduces the choices)" >&3
	run timeout 60 "$LOAD" run --dev "$dev" --procs 4 --blocks 64 \
		--max-blocks 8 --seconds 10 --seed "$seed" --out "$H" \
		--hold-fd --node 0
	echo "$output"
	[ "$status" -eq 0 ]
	# the run did real I/O: acknowledged writes and reads of written data
	acked=$(cat "$H"/client-*.jsonl | grep -c '"op":"write".*"ok":true')
	seen=$(cat "$H"/client-*.jsonl |
		grep '"op":"read".*"ok":true' | grep -vc '"value":0,')
	echo "# acked block writes $acked, reads of written blocks $seen" >&3
	[ "$acked" -gt 50 ]
	[ "$seen" -gt 50 ]
	# no error on a healthy volume: every op completed with true
	! grep -q '"ok":\(false\|"unknown"\)' "$H"/client-*.jsonl || false
	run "$LINCHECK" "$H"
	echo "$output" | tail -n 20
	echo "# ${lines[-1]}" >&3
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} == *": linearizable" ]]
	# the blocks read back after the run agree with the history
	run_id=$(sed 's/.*"run_id":\([0-9]*\).*/\1/' "$H/load.json")
	run "$LOAD" read-all --dev "$dev" --blocks 64 --run "$run_id" \
		--out "$H/final.jsonl"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$LINCHECK" "$H"
	echo "$output" | tail -n 20
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} == *": linearizable" ]]
}
