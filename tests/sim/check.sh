#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The make-check stage of the consensus core (make sim-check): cmocka unit
# tests of kmod/core, SEEDS simulator seeds on 3 and on 5 replicas (run
# side by side), REAL seeds of the simulator built with the kernel's
# window and ring (synod-sim-real) beside LARGE seeds of writes up to
# 1 MiB (--write-kb-max 1024), a lossy catch-up (--lossy-catchup),
# LARGE seeds under a byte bound on the log (--retain-kb),
# every mutant given (each must be caught by its own checker:
# mutants.sh), and the wire fuzzer for FUZZ seconds.
# One TAP line per check; exits non-zero when any check failed.
#
# usage: tests/sim/check.sh BUILD_DIR SEEDS MUTANT_SEEDS FUZZ_SECONDS REAL
#                           LARGE MUTANT_BIN...
set -u
B=$1 seeds=$2 mseeds=$3 fuzz=$4 real=$5 large=$6
shift 6
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# tap STATUS DESCRIPTION; $n and $failed
# shellcheck source=tests/lib/tap.bash
. "$top/tests/lib/tap.bash"

# Re-number TAP lines of a sub-command; a silent non-zero exit fails too.
retap() {		# retap PREFIX RC < output
	local prefix=$1 rc=$2 line bad=0
	while IFS= read -r line; do
		case $line in
		"not ok "*) tap 1 "$prefix${line#not ok * - }"; bad=1 ;;
		"ok "*) tap 0 "$prefix${line#ok * - }" ;;
		*) echo "# $line" ;;
		esac
	done
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		tap 1 "${prefix}exited with status $rc"
	fi
}

for t in "$B"/tests/core/test_*; do
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1)
	rc=$?
	retap "core $(basename "$t"): " $rc <<< "$out"
done

sim=$B/sim/synod-sim
"$sim" --seed 1 --seeds "$seeds" --replicas 3 > "$B/sim/check-3.log" 2>&1 &
p3=$!
"$sim" --seed 1000001 --seeds "$seeds" --replicas 5 > "$B/sim/check-5.log" 2>&1
rc5=$?
wait $p3
rc3=$?
for r in 3 5; do
	rc=$rc3
	[ $r = 5 ] && rc=$rc5
	sed 's/^/# /' "$B/sim/check-$r.log" | grep -v '^# synod: assertion' | head -20
	changes=$(grep -o 'leader changes [0-9]*' "$B/sim/check-$r.log" | tail -1)
	tap $rc "sim: $seeds seeds, $r replicas, full fault mix${changes:+ ($changes)}"
done

# the kernel's SYNOD_WINDOW and SYNOD_LOG_MAX, replicas alternating 3 and 5;
# beside it, writes of up to 1 MiB, which fill the byte window (a slot
# carries at most 1 MiB, the slots in flight at most SYNOD_WINDOW_BYTES)
# and a follower's room past a hole of 4 MiB (--room-kb, net.c, as
# kmod/replica_room.c): entries past a slot it lacks are dropped
"$sim" --seed 3000001 --seeds "$large" --replicas 0 --write-kb-max 1024 \
	--room-kb 4096 > "$B/sim/check-large.log" 2>&1 &
pl=$!
"$B/sim/synod-sim-real" --seed 2000001 --seeds "$real" --replicas 0 \
	> "$B/sim/check-real.log" 2>&1
rc=$?
wait $pl
rcl=$?
sed 's/^/# /' "$B/sim/check-real.log" | grep -v '^# synod: assertion' | head -20
tap $rc "sim: $real seeds with the kernel's window and ring (synod-sim-real)"
sed 's/^/# /' "$B/sim/check-large.log" | grep -v '^# synod: assertion' | head -20
# a run that never filled the byte window tested nothing: fail it
full=$(grep -o 'byte window full [0-9]* steps' "$B/sim/check-large.log" |
	tail -1)
steps=$(awk '{print $4}' <<< "$full")
if [ "$rcl" -eq 0 ] && [ "${steps:-0}" -eq 0 ]; then
	echo "# the byte window was never full: the stage tested nothing"
	rcl=1
fi
room=$(grep -o 'room refused [0-9]* entries' "$B/sim/check-large.log" | tail -1)
if [ "$rcl" -eq 0 ] && [ "$(awk '{print $3}' <<< "$room")" = 0 ]; then
	echo "# no entry was dropped past a hole: the room went untested"
	rcl=1
fi
tap $rcl "sim: $large seeds of writes up to 1 MiB (${full:-no byte window count}, ${room:-no room count})"

# a follower catching up by a state transfer over links that lose 5% of
# its messages, under the kernel's ratio of retransmission period to the
# time a loaded leader keeps its log (--retransmit-ms 100, 64-slot ring):
# each FETCH or CATCHUP lost used to cost another jump
out=$("$sim" --seed 1 --seeds 50 --replicas 0 --lossy-catchup 50000 \
	--retransmit-ms 100 2>&1)
rc=$?
echo "$out" | grep -E 'FAIL|replay' | head -2 | sed 's/^/# /'
tap $rc "sim: 50 seeds, a follower catches up over 5% loss in one transfer"

# the byte bound on what a log retains past its checkpoint (--retain-kb,
# node.c's shed(), as kmod/replica_ckpt.c's synod_ckpt_retain()): with
# writes of up to 1 MiB and 2 MiB retained, the slots a partitioned,
# crashed or slow voter lacks are shed and it comes back by a state
# transfer; every checker must pass, and a run that never shed a slot a
# peer still wanted, or in which no state transfer ended in a jump (the
# voter shed past never came back that way), tested nothing
out=$("$sim" --seed 4000001 --seeds "$large" --replicas 0 --write-kb-max 1024 \
	--retain-kb 2048 2>&1)
rc=$?
echo "$out" | grep -E 'FAIL|replay' | head -2 | sed 's/^/# /'
shed=$(grep -o 'sheds [0-9]* ([0-9]* slots past a peer)' <<< "$out" | tail -1)
past=$(sed 's/.*(\([0-9]*\) slots.*/\1/' <<< "$shed")
xfer=$(grep -o 'transfers [0-9]* (jumps [0-9]*' <<< "$out" | tail -1)
jumps=$(sed -n 's/.*(jumps \([0-9]*\)/\1/p' <<< "$xfer")
if [ "$rc" -eq 0 ] && [ "${past:-0}" -eq 0 ]; then
	echo "# no slot shed past a peer: the stage tested nothing"
	rc=1
fi
if [ "$rc" -eq 0 ] && [ "${xfer#transfers }" = "${xfer}" ]; then
	echo "# no transfer count in the summary: the stage cannot tell"
	rc=1
elif [ "$rc" -eq 0 ] && { [ "$(awk '{print $2}' <<< "$xfer")" -eq 0 ] ||
			   [ "${jumps:-0}" -eq 0 ]; }; then
	echo "# no state transfer ended in a jump: the stage tested nothing"
	rc=1
fi
tap $rc "sim: $large seeds of 1 MiB writes, 2 MiB retained (${shed:-no shed count}; ${xfer:+$xfer)})"

# seeds that once failed (regressions.txt)
while read -r seed r fms hms opts; do
	case $seed in '' | '#'*) continue ;; esac
	# shellcheck disable=SC2086 # OPTION... are words
	out=$("$sim" --seed "$seed" --replicas "$r" --fault-ms "$fms" \
		--heal-ms "$hms" $opts 2>&1)
	rc=$?
	echo "$out" | grep -E 'FAIL|replay' | head -2 | sed 's/^/# /'
	tap $rc "sim: seed $seed ($r replicas), a regression"
done < "$here/regressions.txt"

# a linearizability search that runs out of budget fails the seed
out=$("$sim" --seed 1 --wgl-budget 1 2>&1)
rc=$?
echo "$out" | grep FAIL | head -2 | sed 's/^/# /'
tap "$( [ $rc -ne 0 ] && grep -q "budget of 1 steps exhausted" <<< "$out"; echo $?)" \
	"sim: a linearizability search out of budget is a failure, not a pass"

out=$("$here/mutants.sh" "$mseeds" "$@" 2>&1)
retap "sim-mutants: " $? <<< "$out"

out=$("$top/tests/fuzz/run.sh" "$B/fuzz/fuzz_wire" "$fuzz" "$B/fuzz" 2>&1)
rc=$?
echo "$out" | tail -3 | sed 's/^/# /'
tap $rc "fuzz: wire decoder under libFuzzer for $fuzz s"

echo "1..$n"
exit $failed
