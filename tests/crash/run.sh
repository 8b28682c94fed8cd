#!/bin/bash
# Run the crash tests (tests/crash/*.bats) on the host for one kernel,
# printing TAP.  All state (VM run directories, disk files, the secret)
# lives in a fresh directory under build/crash that is removed at exit,
# and every VM is killed at exit, whatever the exit path: the trap below,
# and scripts/vm's watch on this shell's pid (SYNOD_VM_OWNER) if this
# shell dies without running its trap.  The whole run is bounded.
#
# usage: tests/crash/run.sh [--kernel 6.1|6.12|KVER] [--timeout S]
#                           [--filter REGEX] [BATS]
#   --filter: only the tests whose names match (bats --filter), e.g.
#     'form a volume|paused|kernel log' for the pause step alone
#   BATS: a .bats file or a directory of them (default tests/crash:
#     crash.bats; the nemesis and the soak live in subdirectories)
#   SYNOD_CRASH_KEEP=1 keeps the state directory (consoles, logs, disks)
#   SYNOD_CRASH_TIME_SCALE=N loads synod with time_scale=N (default 8:
#     three TCG VMs on a busy host stall each other for seconds, and a
#     stalled leader would be deposed over and over; with 4, leadership
#     still moved between the two survivors once in four runs at a load
#     average of 12 on 2 cores)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$top/build}
kernel=6.1 timeout=1200 what=$top/tests/crash filter=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--filter) filter=(--filter "${2:?}"); shift 2 ;;
	-*) sed -n '/^# usage:/,/^$/p' "$0" >&2; exit 2 ;;
	*) what=$1; shift ;;
	esac
done
[ -e "$what" ] || { echo "crash: no '$what'" >&2; exit 2; }
"$top/scripts/kernels.sh" "$kernel" > /dev/null || exit 2
[ -f "$B/kmod-test/$("$top/scripts/kernels.sh" "$kernel")/synod.ko" ] ||
	{ echo "crash: no synod.ko for $kernel: run make first" >&2; exit 2; }

mkdir -p "$B/crash"
dir=$(mktemp -d "$B/crash/run.XXXXXX")
cleanup() {
	local d p
	for d in "$dir"/vm*; do
		[ -d "$d" ] || continue
		"$top/scripts/vmctl" kill "$d"
		# the clock prober (crash.bash clock_probe_start), if still there
		p=$(cat "$d/clockprobe.pid" 2>/dev/null) &&
			grep -qF clockprobe "/proc/$p/cmdline" 2>/dev/null &&
			kill "$p"
	done
	if [ -n "${SYNOD_CRASH_KEEP:-}" ]; then
		echo "crash: state kept in $dir" >&2
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
bpid=
trap '[ -n "$bpid" ] && kill "$bpid" 2>/dev/null; exit 130' INT TERM

export SYNOD_CRASH_TIME_SCALE=${SYNOD_CRASH_TIME_SCALE:-8}
# a VM lives no longer than the run (vmctl's default, 1200 s, is too short
# for the soak)
export SYNOD_CRASH_LIFE=$((timeout + 60))
export B SYNOD_CRASH_DIR=$dir SYNOD_CRASH_KERNEL=$kernel SYNOD_VM_OWNER=$$
start=$SECONDS
# in the background: a trap runs during "wait", not during a foreground job
timeout -k 10 "$timeout" bats --tap "${filter[@]}" "$what" &
bpid=$!
wait "$bpid"
rc=$?
bpid=
[ "$rc" = 124 ] && echo "crash: timed out after ${timeout}s" >&2
echo "# crash tests ($what) on $kernel took $((SECONDS - start))s"
exit "$rc"
