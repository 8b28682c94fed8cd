#!/bin/bash
# The guest side of make check-debug (tests/debug/check-debug.sh boots the
# debug kernel with scripts/vm and runs this inside):
#  1. kmemleak: scan and clear what boot left (not the run's), then mark
#     the kernel log;
#  2. bats on the VM suite (SYNOD_DEBUG_TESTS, default tests/vm), with
#     tests/debug/bin first on PATH: insmod adds SYNOD_DEBUG_INSMOD_ARGS
#     to synod.ko's load, insmod and rmmod record where synod's code sits;
#  3. every splat in the kernel log since the mark (tests/debug/splats.sh);
#  4. two kmemleak scans, the report classified (synod's or not).
# Results go to SYNOD_DEBUG_OUT (the VM's run directory, writable on the
# host); lines starting "check-debug:" are the summary.  Exit 0 only if
# bats passed, no splat and no leak was found, and kmemleak was there.
#
# usage: guest.sh run | record-load
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${SYNOD_DEBUG_OUT:?guest.sh: SYNOD_DEBUG_OUT not set}
B=${B:-$top/build}
KL=/sys/kernel/debug/kmemleak

# Where each text section of the loaded synod sits (ADDR SIZE NAME).
record_load() {
	local name size a
	[ -d /sys/module/synod/sections ] || return 0
	while read -r name size; do
		a=$(cat "/sys/module/synod/sections/$name" 2>/dev/null) || continue
		echo "$a $size $name"
	done < "$out/ko-sections" >> "$out/loads"
}

# The module's executable sections and their sizes, from the .ko.
ko_sections() {
	readelf -S -W "$1" | sed -n 's/^ *\[ *[0-9]*\] //p' |
		awk '$7 ~ /X/ { print $1, $5 }' |
		while read -r name hex; do echo "$name $((16#$hex))"; done
}

run() {
	local ko tests mark rc_bats nb nl ok=1
	ko=$B/kmod-test/$(uname -r)/synod.ko
	[ -f "$ko" ] || { echo "check-debug: FAIL: no $ko"; exit 1; }
	ko_sections "$ko" > "$out/ko-sections"
	: > "$out/loads"
	echo "check-debug: kernel $(uname -r), module $ko${SYNOD_DEBUG_INSMOD_ARGS:+, insmod args: $SYNOD_DEBUG_INSMOD_ARGS}, time_scale ${SYNOD_DEBUG_TIME_SCALE:-1} unless a test names one"

	if [ -w "$KL" ]; then
		echo scan > "$KL"
		nb=$(grep -c '^unreferenced object' "$KL")
		echo clear > "$KL"
		echo "check-debug: kmemleak on; $nb objects reported before the run (boot) cleared, not counted"
	fi
	mark="synod-check-debug: start $$ $RANDOM"
	echo "$mark" > /dev/kmsg

	# shellcheck disable=SC2086  # a list of files and directories
	tests=${SYNOD_DEBUG_TESTS:-$top/tests/vm}
	# shellcheck disable=SC2086
	PATH=$here/bin:$PATH bats --tap \
		${SYNOD_DEBUG_FILTER:+--filter "$SYNOD_DEBUG_FILTER"} $tests 2>&1 |
		tee "$out/bats.tap"
	rc_bats=${PIPESTATUS[0]}
	record_load
	echo "synod-check-debug: end of the suite" > /dev/kmsg

	dmesg > "$out/dmesg.txt"
	echo "check-debug: bats: $(grep -c '^ok ' "$out/bats.tap") ok, $(grep -c '^not ok ' "$out/bats.tap") not ok (exit $rc_bats)"
	[ "$rc_bats" = 0 ] || ok=0
	nl=$(sed -n "/$mark/q;p" "$out/dmesg.txt" | grep -cE 'WARNING:|BUG:|Oops|KASAN|UBSAN|possible (circular|recursive) locking|inconsistent lock state|sleeping function called')
	[ "$nl" = 0 ] || echo "check-debug: note: $nl splat lines at boot, before the run (not counted; see dmesg.txt)"
	if "$here/splats.sh" log "$out/dmesg.txt" "$mark" > "$out/splats.txt"; then
		echo "check-debug: splats: none$(grep -q '^splat: expected' "$out/splats.txt" && echo " ($(grep -c '^splat: expected' "$out/splats.txt") expected by their tests, listed below)")"
	else
		ok=0
		echo "check-debug: splats: FAIL, $(grep -c '^splat: synod' "$out/splats.txt") synod, $(grep -c '^splat: not-synod' "$out/splats.txt") not synod, $(grep -c '^splat: expected' "$out/splats.txt") expected"
	fi
	sed 's/^/check-debug:   /' "$out/splats.txt"

	if [ -w "$KL" ]; then
		# An object is reported only after two scans found it
		# unreferenced and unchanged, and when older than 5 s.
		echo scan > "$KL"
		sleep 6
		echo scan > "$KL"
		cat "$KL" > "$out/kmemleak.txt"
		if "$here/splats.sh" leaks "$out/kmemleak.txt" "$out/loads" > "$out/leaks.txt"; then
			echo "check-debug: kmemleak: no leak"
		else
			ok=0
			echo "check-debug: kmemleak: FAIL, $(grep -c '^leak: synod' "$out/leaks.txt") synod, $(grep -c '^leak: not-synod' "$out/leaks.txt") not synod"
			sed 's/^/check-debug:   /' "$out/leaks.txt"
		fi
	else
		ok=0
		echo "check-debug: kmemleak: NOT CHECKED ($KL missing: not the debug kernel?)"
	fi
	[ "$ok" = 1 ]
}

case "${1:-run}" in
run)		run ;;
record-load)	record_load ;;
*)		echo "usage: guest.sh run | record-load" >&2; exit 2 ;;
esac
