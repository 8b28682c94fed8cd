#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Each simulator binary built with a deliberate bug (-DSYNOD_MUTANT_*) must
# fail within SEEDS seeds, replicas alternating 3 and 5.  One TAP line per
# mutant, naming the seed that caught it; exits non-zero if one survived.
#
# usage: tests/sim/mutants.sh SEEDS BIN...
set -u
seeds=$1
shift
n=0 failed=0
for bin in "$@"; do
	name=${bin##*/synod-sim-}
	n=$((n + 1))
	out=$("$bin" --seed 1 --seeds "$seeds" --replicas 0 --stop-on-fail \
		2>/dev/null)
	line=$(grep -m1 '^FAIL seed' <<< "$out")
	if [ -n "$line" ]; then
		seed=$(awk '{print $3}' <<< "$line")
		echo "ok $n - mutant $name caught at seed $seed: ${line#*: }"
	else
		echo "not ok $n - mutant $name survived $seeds seeds"
		failed=1
	fi
done
echo "1..$n"
exit $failed
