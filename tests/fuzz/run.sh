#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the libFuzzer wire-decoder target for SECONDS on one core, keeping
# its corpus under DIR/corpus between runs.  A crash leaves crash-* in DIR.
#
# usage: tests/fuzz/run.sh FUZZ_BIN SECONDS DIR
set -u
bin=$1 secs=$2 dir=$3
mkdir -p "$dir/corpus"
cd "$dir" || exit 1
"$bin" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
	corpus > "$dir/fuzz.log" 2>&1
rc=$?
grep -E 'stat::number_of_executed_units|stat::peak_rss|cov:' "$dir/fuzz.log" |
	tail -3
exit $rc
