#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Each simulator binary built with a deliberate bug (-DSYNOD_MUTANT_*) must
# fail within SEEDS seeds, replicas alternating 3 and 5, and the first
# failure must be the checker message expected of that mutant: a mutant
# that trips something else (an assertion, another checker) shows that the
# checker meant for it would not have seen it.  One TAP line per mutant,
# naming the seed and the message; exits non-zero if one survived or was
# caught by anything but its checker.
#
# usage: tests/sim/mutants.sh SEEDS BIN...
set -u
seeds=$1
shift

# The checker message (an extended regex on the FAIL line) of each mutant.
expect() {
	case $1 in
	QUORUM_OFF_BY_ONE) echo '(agreement|acked write .* is not in the log|linearizability):' ;;
	NO_RECOVERY) echo '(agreement|acked write .* is not in the log|linearizability):' ;;
	ACK_BEFORE_DURABLE) echo 'forgot slot' ;;
	LEASE_NO_WAIT) echo 'lease safety' ;;
	READ_NO_INDEX) echo 'linearizability: history of block' ;;
	APPLIED_UNFLUSHED) echo 'data area differs|forgot slot' ;;
	NO_PREVOTE) echo 'stability: leader' ;;
	PREVOTE_YES) echo 'stability: leader' ;;
	PROMISE_NOT_PERSISTED) echo 'forgot its promise' ;;
	CONFIG_UNSAFE) echo 'config safety' ;;
	FAULTY_PROMISES) echo 'forgot slot' ;;
	NO_DRIFT_MARGIN) echo 'lease safety' ;;
	SNAPSHOT_STALE) echo 'data area differs' ;;
	PAUSE_CLOCK_STOPS) echo 'lease safety' ;;
	RESYNC_CANDIDATE) echo 'resync: node [0-9]+ (leads|campaigned|served)' ;;
	*) return 1 ;;
	esac
}

n=0 failed=0
for bin in "$@"; do
	name=${bin##*/synod-sim-}
	n=$((n + 1))
	if ! want=$(expect "$name"); then
		echo "not ok $n - mutant $name names no expected checker message"
		failed=1
		continue
	fi
	out=$("$bin" --seed 1 --seeds "$seeds" --replicas 0 --stop-on-fail \
		2>/dev/null)
	line=$(grep -m1 '^FAIL seed' <<< "$out")
	if [ -z "$line" ]; then
		echo "not ok $n - mutant $name survived $seeds seeds"
		failed=1
	elif grep -Eq -- "$want" <<< "${line#*: }"; then
		seed=$(awk '{print $3}' <<< "$line")
		echo "ok $n - mutant $name caught at seed $seed: ${line#*: }"
	else
		echo "not ok $n - mutant $name caught, but not by /$want/: ${line#*: }"
		failed=1
	fi
done
echo "1..$n"
exit $failed
