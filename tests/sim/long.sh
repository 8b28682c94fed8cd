#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Nightly simulation: SEEDS seeds (0: until stopped) in chunks of 1000,
# starting at $SEED or at a seed taken from the clock, and printed.
#
# usage: tests/sim/long.sh BIN SEEDS REPLICAS
set -u
bin=$1 total=$2 replicas=$3
seed=${SEED:-$(( $(date +%s) * 1000 ))}
done_=0
echo "sim-long: starting at seed $seed, replicas $replicas"
while [ "$total" -eq 0 ] || [ "$done_" -lt "$total" ]; do
	chunk=1000
	if [ "$total" -ne 0 ] && [ $((total - done_)) -lt $chunk ]; then
		chunk=$((total - done_))
	fi
	"$bin" --seed "$seed" --seeds "$chunk" --replicas "$replicas" || exit 1
	seed=$((seed + chunk))
	done_=$((done_ + chunk))
done
