#!/bin/bash
# The netlink fuzzer's run inside a VM (Documentation/nlfuzz.rst):
#
#   synod-c0          synod-c1          synod-c2       network namespaces
#   r0 (node 0)  <->  r1 ... r0 (1) <-> r0 (node 2)    the live cluster, up, idle
#   d0, e0            d1, e1            d2, e2          decoys (single replica)
#        \________________ synbr ________________/      (tests/vm/cluster.bash)
#
# 1. the family as the kernel reports it agrees with synod.yaml and with
#    what nlfuzz's templates send (spec_check.py);
# 2. nlfuzz sends COUNT requests from every namespace, as root and without
#    CAP_SYS_ADMIN and/or CAP_NET_ADMIN; every answer, the state digest
#    and the decoys' bytes are checked (nlfuzz.c);
# 3. no splat in the kernel log since our mark (contract: the run's
#    mark; the same pattern as every fault-tier run).
# TAP lines on stdout; exit 0 only if all three hold.
#
# usage: guest.bash [--seed N] [--count N]   (run as root in scripts/vm)
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seed=$(date -u +%Y%m%d%H)
count=3000
while [ $# -gt 0 ]; do
	case $1 in
	--seed) seed=$2; shift 2 ;;
	--count) count=$2; shift 2 ;;
	*) echo "usage: $0 [--seed N] [--count N]" >&2; exit 2 ;;
	esac
done
kernel=$(uname -r | cut -d. -f1,2)
repro="make nlfuzz-vm KERNEL=$kernel NLFUZZ_SEED=$seed NLFUZZ_COUNT=$count"
echo "nlfuzz: kernel $(uname -r), seed $seed, $count messages"
echo "nlfuzz: reproduce with: $repro"

# helpers.bash and cluster.bash are written for bats: give them what
# they read from it.
BATS_TEST_DIRNAME=$top/tests/vm
BATS_TEST_TMPDIR=$(mktemp -d /tmp/nlfuzz.XXXXXX)
BATS_TEST_NUMBER=nlfuzz
export BATS_TEST_DIRNAME BATS_TEST_TMPDIR BATS_TEST_NUMBER
# shellcheck source=tests/vm/helpers.bash
. "$top/tests/vm/helpers.bash"
# shellcheck source=tests/vm/cluster.bash
. "$top/tests/vm/cluster.bash"
NLFUZZ=$B/tests/nlfuzz
VOL=r0
NODES=(0 1 2)
SPLAT='WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|blocked for more than|soft lockup|rcu.*stall|possible circular locking|possible recursive locking|inconsistent lock state|sleeping function called|kmemleak'
tap=0 failed=0
result() {
	tap=$((tap + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap - $2"
	else
		echo "not ok $tap - $2"
		failed=1
	fi
}

# Every volume of every namespace down and deleted, then the network and
# what helpers.bash made (loop devices, the module).
cleanup() {
	local n v
	for n in "${NODES[@]}"; do
		for v in $(ctl "$n" -j status 2>/dev/null |
			   grep -o '"name": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/'); do
			ctl "$n" volume down "$v" --force >/dev/null 2>&1 || true
			ctl "$n" volume delete "$v" >/dev/null 2>&1 || true
		done
	done
	cluster_net_teardown
	losetup -D 2>/dev/null || true
	synod_teardown >/dev/null 2>&1 || true
	rm -rf "$BATS_TEST_TMPDIR"
	cleaned=1
}
cleaned=0
trap '[ "$cleaned" = 1 ] || cleanup' EXIT

# time_scale 8: TCG on a loaded host stalls for seconds; the cluster is
# meant to stay idle, not to hold elections all run long.
modprobe loop
insmod "$KO" time_scale=8 || exit 1
synod_setup
cluster_net "${NODES[@]}"
cluster_create "$VOL" "${NODES[*]}" || { echo "nlfuzz: cluster create failed"; exit 1; }
settle_leader 0 "$VOL" "${NODES[@]}" || { echo "nlfuzz: no leader"; exit 1; }

args=(--seed "$seed" --count "$count" --live "$VOL" --repro "$repro")
for n in "${NODES[@]}"; do
	args+=(--ns "$(ns "$n")")
	l=LOOP_$n
	args+=(--live-backing "$n:${!l}")
	for d in d e; do
		dev=$(new_loop 16M)
		ctl "$n" volume create "$d$n" --backing "$dev" >/dev/null || exit 1
		args+=(--decoy "$n:$d$n:$dev")
	done
done

# 1. the three descriptions of the family agree
"$NLFUZZ" policy > "$BATS_TEST_TMPDIR/policy" &&
	"$NLFUZZ" templates > "$BATS_TEST_TMPDIR/templates" &&
	python3 "$top/tests/nlfuzz/spec_check.py" \
		"$top/Documentation/netlink/specs/synod.yaml" \
		"$BATS_TEST_TMPDIR/policy" "$BATS_TEST_TMPDIR/templates"
result $? "nlfuzz: kernel policy, synod.yaml and the handlers agree"

# 2. the fuzzer
"$NLFUZZ" run "${args[@]}"
rc=$?
result "$rc" "nlfuzz: seed $seed, $count messages: every refusal with a message, no state change"

# 3. the kernel log since our mark, teardown and rmmod included
cleanup
if kernel_log_since_mark | grep -E "$SPLAT"; then
	result 1 "nlfuzz: kernel log clean since the mark (splat above)"
else
	result 0 "nlfuzz: kernel log clean since the mark"
fi
[ "$failed" = 0 ] || echo "nlfuzz: FAILED; reproduce with: $repro"
exit "$failed"
