#!/bin/bash
# make check-debug: the VM suite and one nemesis run on the debug kernel
# (scripts/debug-kernel.sh: KASAN, lockdep, kmemleak, debugobjects),
# failing on any splat or leak report.  Not part of make check: the
# kernel takes about an hour to build once, and the suite hours under
# KASAN and TCG (about four minutes a test): run it in parts (TESTS=,
# FILTER=, OUT=).
#
#  1. make all, and synod.ko (both builds) against the debug tree;
#  2. one VM on the debug kernel runs tests/debug/guest.sh: bats on the
#     suite, the kernel log since its mark checked for splats, kmemleak
#     scanned before the end (objects of an unloaded synod are mapped by
#     address), each report named synod's or not (not synod's still
#     fails: 9p and overlay are in every guest);
#  3. make nemesis SEED=N KERNEL=debug SCENARIO=mix if this tree has that
#     target (package C); otherwise "not run", and check-debug does not
#     pass.  The nemesis runner's own kernel-log check (contract9
#     section 7) is its splat check; it does not scan kmemleak.
#
# Logs and reports: $OUT, default $B/debug/ (vm.log, run/bats.tap, run/dmesg.txt,
# run/splats.txt, run/kmemleak.txt, run/leaks.txt, nemesis.log, summary).
#
# Environment (make check-debug VAR=...):
#   TESTS        bats files or directories (default tests/vm)
#   TIME_SCALE   time_scale= of every load of synod.ko in the suite that
#                names none itself (default 4: the debug kernel on one TCG
#                thread runs several times slower, and a leader that cannot
#                hear its quorum in time steps down)
#   FILTER       only the tests whose names match this regex (bats
#                --filter), to run again the ones a part failed
#   INSMOD_ARGS  added to every load of synod.ko in the suite, e.g.
#                test_leak=1 or test_core_assert=1 (the fail-before runs)
#   SEED         nemesis seed (default: from the clock, printed)
#   NEMESIS=0    skip the nemesis run (reported as not run: no pass)
#   KERNEL       kernel to boot (default debug)
#   VM_TIMEOUT   seconds for the suite's VM (default 10800)
#   OUT          where logs and reports go (default $B/debug), so that
#                parts of the suite (TESTS=) can run side by side
#
# usage: tests/debug/check-debug.sh
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$top/build}
export B
out=${OUT:-$B/debug}
kernel=${KERNEL:-debug}
seed=${SEED:-$(( $(date +%s) % 100000 ))}
t0=$SECONDS

say() { echo "check-debug: $*" | tee -a "$out/summary"; }

mkdir -p "$out"
: > "$out/summary"
if ! kver=$("$top/scripts/kernels.sh" "$kernel"); then
	say "FAIL: kernel '$kernel' not available (make debug-kernel; status: $("$top/scripts/debug-kernel.sh" status))"
	exit 1
fi
say "kernel $kver"

# 1. Build.
if ! make -C "$top" --no-print-directory all "kmod-test-$kver" "kmod-$kver" > "$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	say "FAIL: build (log: $out/build.log)"
	exit 1
fi

# 2. The suite in one VM.
rm -rf "$out/run"
mkdir -p "$out/run"
SYNOD_DEBUG_OUT=$out/run SYNOD_DEBUG_TESTS=${TESTS:-} \
SYNOD_DEBUG_INSMOD_ARGS=${INSMOD_ARGS:-} \
SYNOD_DEBUG_TIME_SCALE=${TIME_SCALE:-4} \
SYNOD_DEBUG_FILTER=${FILTER:-} \
	"$top/scripts/vm" --kernel "$kernel" --mem 3072 \
	--timeout "${VM_TIMEOUT:-10800}" --run-dir "$out/run" \
	-- "$top/tests/debug/guest.sh" run 2>&1 | tee "$out/vm.log"
rc_suite=${PIPESTATUS[0]}
grep '^check-debug:' "$out/vm.log" >> "$out/summary"
[ -f "$out/run/bats.tap" ] || say "suite: the guest did not run the suite (see $out/vm.log)"
say "suite: exit $rc_suite after $((SECONDS - t0)) s"

# 3. One nemesis run.
rc_nem=
if [ "${NEMESIS:-1}" = 0 ]; then
	say "nemesis: NOT RUN (NEMESIS=0)"
elif ! grep -qs '^nemesis:' "$top"/tests/*/*.mk "$top"/scripts/mk/*.mk; then
	say "nemesis: NOT RUN (no make nemesis target in this tree)"
else
	t1=$SECONDS
	make -C "$top" --no-print-directory nemesis SEED="$seed" KERNEL="$kernel" \
		SCENARIO=mix 2>&1 | tee "$out/nemesis.log"
	rc_nem=${PIPESTATUS[0]}
	v=$(sed -n 's/.*"verdict": *"\([a-z-]*\)".*/\1/p' "$B/nemesis/$seed/summary.json" 2>/dev/null)
	say "nemesis: seed $seed, exit $rc_nem, verdict ${v:-none} after $((SECONDS - t1)) s (reproduce: make nemesis SEED=$seed KERNEL=$kernel SCENARIO=mix)"
	[ "$v" = ok ] || [ "$rc_nem" != 0 ] || rc_nem=1
fi

if [ "$rc_suite" = 0 ] && [ "$rc_nem" = 0 ]; then
	say "PASS in $((SECONDS - t0)) s"
	exit 0
fi
if [ "$rc_suite" = 0 ] && [ -z "$rc_nem" ]; then
	say "INCOMPLETE: the suite passed, the nemesis run was not run ($((SECONDS - t0)) s)"
	exit 2
fi
say "FAIL in $((SECONDS - t0)) s (summary: $out/summary)"
exit 1
