# shellcheck shell=bash
# A synod-load run (tests/workload) on one device and the checks every
# such run makes, for workload.bats and reads.bats: the run did real I/O,
# nothing failed on a healthy volume, and the history, with a read of
# every block after the run, is linearizable (lincheck).  Sourced after
# helpers.bash; uses $B.

LOAD=$B/tests/synod-load
LINCHECK=$B/tests/lincheck

# load_checked DEV NODE MIN HIST: 4 workers for 10 s on DEV as node
# NODE, writes of 1-8 blocks on 64, and a reader holding one fd; at least
# MIN acknowledged block writes and MIN reads of written blocks; the
# history goes to the directory HIST.  SYNOD_LOAD_SEED=N replays a run's
# choices (the seed is printed).
# shellcheck disable=SC2154 # bats's run sets output, status and lines
load_checked() {
	local dev=$1 node=$2 min=$3 H=$4 seed acked seen run_id
	seed=${SYNOD_LOAD_SEED:-$(date +%Y%m%d)}
	echo "# seed $seed (SYNOD_LOAD_SEED=$seed reproduces the choices)" >&3
	run timeout 120 "$LOAD" run --dev "$dev" --procs 4 --blocks 64 \
		--max-blocks 8 --seconds 10 --seed "$seed" --out "$H" \
		--hold-fd --node "$node"
	echo "$output"
	[ "$status" -eq 0 ]
	acked=$(cat "$H"/client-*.jsonl | grep -c '"op":"write".*"ok":true')
	seen=$(cat "$H"/client-*.jsonl |
		grep '"op":"read".*"ok":true' | grep -vc '"value":0,')
	echo "# acked block writes $acked, reads of written blocks $seen" >&3
	[ "$acked" -gt "$min" ]
	[ "$seen" -gt "$min" ]
	# no error on a healthy volume: every op completed with true
	if grep -q '"ok":\(false\|"unknown"\)' "$H"/client-*.jsonl; then
		return 1
	fi
	# the blocks read back after the run agree with the history
	run_id=$(sed 's/.*"run_id":\([0-9]*\).*/\1/' "$H/load.json")
	run "$LOAD" read-all --dev "$dev" --blocks 64 --run "$run_id" \
		--out "$H/final.jsonl"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$LINCHECK" "$H"
	echo "$output" | tail -n 20
	echo "# ${lines[-1]}" >&3
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} == *": linearizable" ]]
}
