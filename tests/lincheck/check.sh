#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The make-check stage of lincheck (make lincheck-check): every case of
# cases/cases.list must give its expected verdict; 50 simulator seeds
# with --history must be linearizable for lincheck too; the first seed
# that the READ_NO_INDEX mutant fails on linearizability must be flagged.
# One TAP line per check; exits non-zero when any check failed.
#
# usage: tests/lincheck/check.sh BUILD_DIR
set -u
B=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
lc=$B/tests/lincheck
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
# tap STATUS DESCRIPTION; $n and $failed
. "$top/tests/lib/tap.bash"

# verdict EXPECT RC LAST_LINE: 0 when the run gave EXPECT
verdict() {
	case $1 in
	ok) [ "$2" -eq 0 ] && [[ $3 == *": linearizable" ]] ;;
	bad) [ "$2" -eq 1 ] && [[ $3 == *": VIOLATION" ]] ;;
	gaveup) [ "$2" -eq 2 ] && [[ $3 == *": GAVE-UP" ]] ;;
	error) [ "$2" -eq 2 ] && [[ $3 == *": ERROR" ]] ;;
	*) return 1 ;;
	esac
}

# The cases: EXPECT ARGS... # DESCRIPTION
while IFS= read -r line; do
	case $line in '#'* | '') continue ;; esac
	desc=${line#* # }
	read -ra args <<< "${line%% # *}"
	exp=${args[0]}
	out=$(cd "$here/cases" && "$lc" "${args[@]:1}" 2> "$tmp/err")
	rc=$?
	last=$(tail -n 1 <<< "$out")
	ok=1
	if verdict "$exp" "$rc" "$last"; then
		ok=0
		# a violation names its block and the ops that show it
		if [ "$exp" = bad ] && ! grep -q '^block [0-9]*: ' <<< "$out"; then
			ok=1
		fi
	fi
	if [ $ok -ne 0 ]; then
		sed 's/^/# /' <<< "$out"
		sed 's/^/# stderr: /' "$tmp/err"
	fi
	tap $ok "case $exp: ${args[*]:1} ($desc, exit $rc)"
done < "$here/cases/cases.list"

# The shortest window of a long history is the acked write and the read.
out=$(cd "$here/cases" && "$lc" window.jsonl)
grep -q 'window without a linearization, 2 ops' <<< "$out" &&
	grep -q 'window.jsonl:42$' <<< "$out" &&
	grep -q 'window.jsonl:44$' <<< "$out"
rc=$?
[ $rc -eq 0 ] || sed 's/^/# /' <<< "$out"
tap $rc "the window of a stale read in a long history is its 2 ops"

# --summary writes the verdict as JSON.
(cd "$here/cases" && "$lc" --summary "$tmp/s.json" stale-read.jsonl \
	> /dev/null)
grep -qx '{"ops":2,"blocks":1,"unknown":0,"reads":1,"verdict":"VIOLATION"}' \
	"$tmp/s.json"
tap $? "--summary writes ops, blocks, unknown, reads and the verdict"

# Simulator histories: every seed the simulator passes, lincheck passes.
sim=$B/sim/synod-sim
bad=()
ops=0
for s in $(seq 1 50); do
	if ! "$sim" --seed "$s" --replicas 0 --history "$tmp/h.jsonl" \
		> "$tmp/sim.out" 2>&1; then
		bad+=("$s(sim)")
		continue
	fi
	last=$("$lc" "$tmp/h.jsonl" 2>&1 | tail -n 1)
	if [[ $last != *": linearizable" ]]; then
		bad+=("$s")
		echo "# seed $s: $last"
	fi
	ops=$((ops + $(sed 's/^lincheck: \([0-9]*\) ops.*/\1/' <<< "$last")))
done
[ ${#bad[@]} -eq 0 ] || echo "# failing seeds: ${bad[*]}"
tap ${#bad[@]} "50 simulator seeds with --history are linearizable ($ops ops)"

# The READ_NO_INDEX mutant serves reads without confirming leadership: the
# first seed it fails on linearizability must be flagged by lincheck too.
mut=$B/sim/synod-sim-READ_NO_INDEX
from=1 seed='' rc=1
while [ "$from" -le 2000 ]; do
	line=$("$mut" --seed "$from" --seeds $((2001 - from)) --replicas 0 \
		--stop-on-fail 2>/dev/null | grep -m1 '^FAIL seed')
	[ -n "$line" ] || break
	s=$(awk '{print $3}' <<< "$line")
	if [[ $line == *linearizability* ]]; then
		seed=$s
		reps=$(awk '{print $5}' <<< "$line")
		break
	fi
	from=$((s + 1))
done
if [ -n "$seed" ]; then
	"$mut" --seed "$seed" --replicas "$reps" --history "$tmp/m.jsonl" \
		> /dev/null 2>&1
	out=$("$lc" "$tmp/m.jsonl" 2>&1)
	rc=$?
	sed 's/^/# /' <<< "$out" | tail -n 12
	[ $rc -eq 1 ] && grep -q 'VIOLATION$' <<< "$out"
	rc=$?
fi
tap $rc "READ_NO_INDEX mutant's seed ${seed:-none} flagged by lincheck"

echo "1..$n"
exit $failed
