#!/bin/bash
# Host test of tests/debug/splats.sh, the classifier make check-debug
# relies on: on fixture logs it must find every splat after the mark and
# none before it, name synod's and others' (9p, overlay) apart, pass only
# a splat its test declared expected (remark_log), and map a kmemleak
# frame of an unloaded module back to synod.  TAP output (make check,
# stage debug-splats).  Also how scripts/debug-kernel.sh decides that
# the debug kernel is built, on a fake cache.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
f=$here/fixtures
# shellcheck source=../lib/tap.bash
. "$top/tests/lib/tap.bash"
log=$("$here/splats.sh" log "$f/dmesg.txt" "synod-check-debug: start 100"); rc=$?
tap_run "a log with splats fails" test "$rc" = 1
tap_run "three splats after the mark, the boot one before it ignored" \
	test "$(grep -c '^splat: ' <<< "$log")" = 3
tap_run "a WARN its test remarked is listed as expected" \
	grep -q '^splat: expected: WARNING: CPU: 1 PID: 77 .*test_assert' <<< "$log"
tap_run "a lockdep report from 9p is named not-synod with its frames" \
	grep -q '^splat: not-synod: WARNING: possible circular locking.*v9fs_vfs_rename' <<< "$log"
tap_run "a KASAN report in synod is synod's" \
	grep -q '^splat: synod: BUG: KASAN: slab-use-after-free in synod_journal_put' <<< "$log"
tap_run "a clean log passes" "$here/splats.sh" log <(printf '%s\n' 'x' 'synod-check-debug: start 1' 'synod: loaded') "synod-check-debug: start 1"
tap_run "a WARNING after the last test mark fails" \
	bash -c "! '$here/splats.sh' log <(printf '%s\n' 'synod-check-debug: start 1' 'synod-test: start 1 2 3' 'WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2' 'synod-test: start 2 2 3') 'synod-check-debug: start 1' >/dev/null"

leaks=$("$here/splats.sh" leaks "$f/kmemleak.txt" "$f/loads.txt"); rc=$?
tap_run "a kmemleak report fails" test "$rc" = 1
tap_run "a leak with the module loaded is synod's" \
	grep -q '^leak: synod: size 64, comm synodctl | frames: synod_test_leak' <<< "$leaks"
tap_run "a leak of an unloaded module is mapped to synod by its load address" \
	grep -q '^leak: synod: size 64, comm synodctl | frames: .text+0x312e \[synod, unloaded\]' <<< "$leaks"
tap_run "6.12's format (bare addresses, no [<>]) of an unloaded module is mapped to synod" \
	grep -q '^leak: synod: size 64, comm synodctl | frames: .text+0x906a \[synod, unloaded\]' <<< "$leaks"
tap_run "a 9p leak is not-synod and names p9_fid_create" \
	grep -q '^leak: not-synod: size 128, comm mount | frames: p9_fid_create' <<< "$leaks"
tap_run "without the load map the unloaded leak is not-synod" \
	bash -c "'$here/splats.sh' leaks '$f/kmemleak.txt' | grep -c '^leak: not-synod' | grep -qx 3"
tap_run "an empty kmemleak report passes" "$here/splats.sh" leaks /dev/null
# The debug kernel counts as built only with stamp, image and modules;
# scripts/kernels.sh debug (what scripts/vm --kernel debug asks) follows.
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
k=6.12.0-synod-debug
tap_run "no cache: not built" bash -c "SYNOD_DEBUG_CACHE='$fake' '$top/scripts/debug-kernel.sh' status | grep -qx 'not built'"
tap_run "no cache: kernels.sh debug fails" bash -c "! SYNOD_DEBUG_CACHE='$fake' '$top/scripts/kernels.sh' debug 2>/dev/null"
echo "$k" > "$fake/stamp"
touch "$fake/vmlinuz-$k"
tap_run "a stamp without modules is not built" bash -c "! SYNOD_DEBUG_CACHE='$fake' '$top/scripts/debug-kernel.sh' kver 2>/dev/null"
mkdir -p "$fake/stage/lib/modules/$k"
touch "$fake/stage/lib/modules/$k/modules.dep"
tap_run "stamp, image and modules: kernels.sh debug names it" \
	bash -c "[ \"\$(SYNOD_DEBUG_CACHE='$fake' '$top/scripts/kernels.sh' debug)\" = '$k' ]"
echo "1..$n"
exit "$failed"
