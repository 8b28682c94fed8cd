#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Each simulator binary built with a deliberate bug (-DSYNOD_MUTANT_*) must
# be caught within SEEDS seeds, replicas alternating 3 and 5, by the
# checker message expected of that mutant: a mutant that only ever trips
# something else (an assertion, another checker) shows that the checker
# meant for it would not have seen it.  Seeds where the mutant's damage
# shows first some other way (a replica that lost applies may also stall)
# are counted and named in the TAP line, and passed over.  One TAP line
# per mutant, naming the seed and the message; exits non-zero if one
# survived or was never caught by its checker.
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
	READ_UNLANDED) echo 'linearizability: history of block' ;;
	WINDOW_BYTES_FIRST) echo 'window: node [0-9]+ (slot|has)' ;;
	PART_WHOLE) echo '(agreement|acked write .* is not in the log|linearizability):' ;;
	LEASE_UNTIL_MAX) echo 'lease safety' ;;
	FASTREAD_UNLANDED) echo 'linearizability: history of block' ;;
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
	# Seed after seed until its checker fires: a seed that fails some
	# other way (the mutant's damage is also a liveness or agreement
	# failure there) is noted and passed over.
	start=1 other=0 first_other='' line=''
	while [ "$start" -le "$seeds" ]; do
		out=$("$bin" --seed "$start" --seeds $((seeds - start + 1)) \
			--replicas 0 --stop-on-fail 2>/dev/null)
		line=$(grep -m1 '^FAIL seed' <<< "$out")
		[ -n "$line" ] || break
		grep -Eq -- "$want" <<< "${line#*: }" && break
		other=$((other + 1))
		[ -n "$first_other" ] || first_other=${line#FAIL }
		start=$(($(awk '{print $3}' <<< "$line") + 1))
		line=
	done
	also=
	[ "$other" = 0 ] ||
		also=" (before it, $other seed(s) failed otherwise, first: $first_other)"
	if [ -n "$line" ]; then
		seed=$(awk '{print $3}' <<< "$line")
		echo "ok $n - mutant $name caught at seed $seed: ${line#*: }$also"
	elif [ "$other" = 0 ]; then
		echo "not ok $n - mutant $name survived $seeds seeds"
		failed=1
	else
		echo "not ok $n - mutant $name never caught by /$want/ in $seeds seeds$also"
		failed=1
	fi
done
echo "1..$n"
exit $failed
