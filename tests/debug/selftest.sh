#!/bin/bash
# Host test of tests/debug/splats.sh, the classifier make check-debug
# relies on: on fixture logs it must find every splat after the mark and
# none before it, name synod's and others' (9p, overlay) apart, pass only
# a splat its test declared expected (remark_log), and map a kmemleak
# frame of an unloaded module back to synod.  TAP output (make check,
# stage debug-splats).
set -u
here=$(cd "$(dirname "$0")" && pwd)
f=$here/fixtures
n=0 failed=0
t() {	# t NAME COMMAND...: one TAP line per check
	local name=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $name"; else echo "not ok $n - $name"; failed=1; fi
}
log=$("$here/splats.sh" log "$f/dmesg.txt" "synod-check-debug: start 100"); rc=$?
t "a log with splats fails" test "$rc" = 1
t "three splats after the mark, the boot one before it ignored" \
	test "$(grep -c '^splat: ' <<< "$log")" = 3
t "a WARN its test remarked is listed as expected" \
	grep -q '^splat: expected: WARNING: CPU: 1 PID: 77 .*test_assert' <<< "$log"
t "a lockdep report from 9p is named not-synod with its frames" \
	grep -q '^splat: not-synod: WARNING: possible circular locking.*v9fs_vfs_rename' <<< "$log"
t "a KASAN report in synod is synod's" \
	grep -q '^splat: synod: BUG: KASAN: slab-use-after-free in synod_journal_put' <<< "$log"
t "a clean log passes" "$here/splats.sh" log <(printf '%s\n' 'x' 'synod-check-debug: start 1' 'synod: loaded') "synod-check-debug: start 1"
t "a WARNING after the last test mark fails" \
	bash -c "! '$here/splats.sh' log <(printf '%s\n' 'synod-check-debug: start 1' 'synod-test: start 1 2 3' 'WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2' 'synod-test: start 2 2 3') 'synod-check-debug: start 1' >/dev/null"

leaks=$("$here/splats.sh" leaks "$f/kmemleak.txt" "$f/loads.txt"); rc=$?
t "a kmemleak report fails" test "$rc" = 1
t "a leak with the module loaded is synod's" \
	grep -q '^leak: synod: size 64, comm synodctl | frames: synod_test_leak' <<< "$leaks"
t "a leak of an unloaded module is mapped to synod by its load address" \
	grep -q '^leak: synod: size 64, comm synodctl | frames: .text+0x312e \[synod, unloaded\]' <<< "$leaks"
t "a 9p leak is not-synod and names p9_fid_create" \
	grep -q '^leak: not-synod: size 128, comm mount | frames: p9_fid_create' <<< "$leaks"
t "without the load map the unloaded leak is not-synod" \
	bash -c "'$here/splats.sh' leaks '$f/kmemleak.txt' | grep -c '^leak: not-synod' | grep -qx 2"
t "an empty kmemleak report passes" "$here/splats.sh" leaks /dev/null
echo "1..$n"
exit "$failed"
