#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-core: committed writes per CPU second of the whole simulated
# cluster without faults (every replica's core on one CPU), and
# instructions per committed write by valgrind's callgrind, which repeats
# on noisy machines: once counting only inside the core's entry points
# (synod_replica_*), once the whole process (simulator included).
#
# usage: tests/sim/bench.sh SIM_BIN OUT_DIR
set -eu
bin=$1 out=$2
mkdir -p "$out"
run=(--seed 7 --replicas 3 --no-faults --fault-ms 100 --heal-ms 5000)
"$bin" "${run[@]}" | tee "$out/bench.txt"
awk '/^synod-sim:/ {
	for (i = 1; i <= NF; i++) {
		if ($i == "writes") w = $(i + 1);
		if ($i == "cpu") c = $(i + 1);
	}
	printf "bench-core: %d acked writes in %.2f CPU s: %.0f writes/s\n",
		w, c, w / c }' "$out/bench.txt"
if ! command -v valgrind >/dev/null; then
	echo "bench-core: valgrind not installed, no instruction counts"
	exit 0
fi
short=(--seed 7 --replicas 3 --no-faults --fault-ms 100 --heal-ms 2000)
for mode in core all; do
	opt=()
	[ $mode = core ] && opt=(--toggle-collect='synod_replica_*')
	valgrind --tool=callgrind "${opt[@]}" \
		--callgrind-out-file="$out/callgrind.$mode" \
		"$bin" "${short[@]}" > "$out/callgrind.$mode.txt" 2>/dev/null
	ir=$(callgrind_annotate "$out/callgrind.$mode" 2>/dev/null |
		awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
	w=$(awk '/^synod-sim:/ { for (i = 1; i <= NF; i++)
		if ($i == "writes") print $(i + 1) }' "$out/callgrind.$mode.txt")
	echo "bench-core: $mode: $ir instructions / $w acked writes =" \
		"$((ir / w)) per committed write"
done
