#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-VM check of the journal (kmod/journal.c) on a loop device, through
# the test hook of kmod/journal_debugfs.c: write records, recover them,
# and corrupt the ring with dd between runs to check that a torn tail
# (after the last intact record, or inside the last batch) is dropped
# while damage in the middle is reported, with the slot when the header's
# trailer copy survives.
#
#   make kmod
#   scripts/vm --kernel 6.1 --mem 1024 -- tests/vm/journal_debugfs.sh [KO]
#
# KO defaults to the test build, build/kmod-test/$(uname -r)/synod.ko,
# which has the hook (as has a module built with KCFLAGS='-Werror
# -DSYNOD_JOURNAL_DEBUGFS').  Prints TAP; exits non-zero if any check
# failed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$top/build}
KO=${1:-$B/kmod-test/$(uname -r)/synod.ko}
P=/sys/module/synod/parameters/journal_test
MIB=1048576
JREC=69632		# SYNOD_JREC_SIZE: 4 KiB header + 4 x 16 KiB payload
n=0 failed=0

ok() {			# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}

# run COMMAND...: give the hook one command, print its result line.
run() {
	echo "$*" > "$P" || echo "journal_test: '$*' refused" >&2
	cat "$P"
}

# expect DESCRIPTION PATTERN COMMAND...: the result must contain PATTERN.
expect() {
	desc=$1 pat=$2
	shift 2
	out=$(run "$@")
	echo "# $out"
	case "$out" in *"$pat"*) ok 0 "$desc" ;; *) ok 1 "$desc (want '$pat')" ;; esac
}

# smash IMG INDEX OFFSET BYTES SOURCE: overwrite part of ring record INDEX
# in the image file (the loop device reads it through the same page cache).
smash() {
	dd if="$5" of="$1" bs=1 seek=$((MIB + $2 * JREC + $3)) count="$4" \
		conv=notrunc status=none
}

modprobe loop 2>/dev/null
img=$(mktemp /tmp/journal.XXXXXX)
truncate -s 32M "$img"
dev=$(losetup -f --show "$img") || { echo "Bail out! no loop device"; exit 1; }
insmod "$KO" || { echo "Bail out! insmod $KO"; losetup -d "$dev"; exit 1; }
[ -e "$P" ] || { echo "Bail out! $KO is not the test build (nor -DSYNOD_JOURNAL_DEBUGFS)"; exit 1; }
echo "# $(uname -r), $dev"

expect "format v1 superblock" "format err=0" format "$dev"
expect "fresh ring recovers empty" "found=0 " recover "$dev"
expect "write 20 records" "write err=0 next=21" write "$dev" 1 20
expect "all 20 recovered in order, payloads intact" \
	"found=20 first=1 last=20 order_err=0 bad=0 corrupt=0" recover "$dev"

# A misread at the scan (the test build's knob: that record read broken
# once) of the journal's end (20) or of a record before the last batch
# (10): read again, whole, each is found, neither dropped nor corrupt.
K=/sys/module/synod/parameters/test_journal_misread_scan
# misread JSEQ DESCRIPTION PATTERN COMMAND...: expect, with JSEQ misread
# once at the scan; the knob clears itself once used
misread() {
	if [ ! -w "$K" ]; then
		n=$((n + 1))
		echo "ok $n # SKIP $2: no $K in this module"
		return
	fi
	js=$1
	echo "$js" > "$K"
	shift
	expect "$@"
	[ "$(cat "$K")" = 0 ]
	ok $? "the scan did misread $js (the knob cleared itself)"
}
misread 20 "the end misread at the scan is read again, not dropped" \
	"found=20 first=1 last=20 order_err=0 bad=0 corrupt=0" recover "$dev"
misread 10 "a record misread before the last batch is read again, not corrupt" \
	"found=20 first=1 last=20 order_err=0 bad=0 corrupt=0" recover "$dev"

# Torn tail: the last record (slot 20, ring index 19) lost its first
# sector, and the one before it (slot 19) a payload word.
smash "$img" 19 0 512 /dev/zero
smash "$img" 18 5000 4 /dev/zero
expect "torn tail dropped silently" \
	"found=18 first=1 last=18 order_err=0 bad=0 corrupt=0" recover "$dev"
expect "writing resumes after the last intact record" \
	"write err=0 next=31 recovered=18" write "$dev" 19 12
expect "rewritten tail recovered" \
	"found=30 first=1 last=30 order_err=0 bad=0 corrupt=0" recover "$dev"

# Damage in the middle: slot 5 loses its header's first sector (the
# trailer still names it), slot 10 a payload word (its header names it),
# slot 7 its whole header (nothing names it).
smash "$img" 4 0 512 /dev/zero
smash "$img" 9 4096 4 /dev/zero
smash "$img" 6 0 4096 /dev/zero
expect "middle corruption reported, slots known where readable" \
	"found=27 first=1 last=30 order_err=3 bad=0 corrupt=3 known=2 slots=5,10" \
	recover "$dev"

# A power cut inside the last batch (slots 28..30, one journal write):
# slot 29 lost a payload word, 30 landed whole.  Nothing of that batch was
# acknowledged: the hole is torn, not corrupt, and recovery voids it, so
# that it is no corruption either once later batches follow.
smash "$img" 28 4096 4 /dev/zero
expect "hole in the last batch is torn, not corrupt" \
	"found=26 first=1 last=30 order_err=4 bad=0 corrupt=3 known=2" \
	recover "$dev"
expect "writing goes on after the voided hole" \
	"write err=0 next=34 recovered=26 corrupt=3" write "$dev" 31 3
expect "the voided hole, now in the middle, is no corruption" \
	"found=29 first=1 last=33 order_err=4 bad=0 corrupt=3 known=2" \
	recover "$dev"

# Reclaim: a full ring refuses to overwrite unapplied slots.
expect "format again" "format err=0" format "$dev"
expect "fill the ring" "write err=0 next=257" write "$dev" 1 256
expect "full ring refuses a write (ENOSPC)" "write err=-28 next=257" \
	write "$dev" 257 1
expect "ENOSPC wrote nothing" "found=256 first=1 last=256 order_err=0 bad=0 corrupt=0" \
	recover "$dev"
expect "reclaimed slot may be overwritten" "write err=0 next=258" \
	write "$dev" 257 1 1
expect "ring wraps, oldest record replaced" \
	"found=256 first=2 last=257 order_err=0 bad=0 corrupt=0" recover "$dev"
# The end misread past the ring's first lap: 257's index is the one 1
# left.  Read again, whole, it is still the end, not a torn tail.
misread 257 "the end of a wrapped ring misread at the scan is read again" \
	"found=256 first=2 last=257 order_err=0 bad=0 corrupt=0" recover "$dev"
expect "write past reclaim point refused" "write err=-28 next=258" \
	write "$dev" 258 2 2

# Bios of a chunk hold at most BIO_MAX_VECS (256) vectors: records of
# 16 segments of 512 bytes (the hook's slots from 2^21 on), 16 per chunk,
# need ~17 vectors each in format 3's slots, so each chunk's slots are
# cut into two bios; every record recovers with its bytes.
s=2097152
expect "format v3 superblock" "format err=0" format3 "$dev"
expect "32 records of 16 x 512-byte segments: two bios per chunk" \
	"writeseg err=0 next=$((s + 33)) recovered=0 chunks=2 bios=4" \
	writeseg "$dev" $((s + 1)) 32
expect "every segmented record recovered whole, in order" \
	"found=32 first=$((s + 1)) last=$((s + 32)) order_err=0 bad=0 corrupt=0" \
	recover "$dev"
# A chunk that needs more bios than the journal has (JBIOS, lowered to
# one by the test build's knob) fails whole with -EIO and one warning,
# rather than run past the journal's array of bios: nothing of it is
# written, and the journal writes on once it has its bios back.
J=/sys/module/synod/parameters/test_journal_jbios
JWARN='WARNING:.* at .*journal\.c:'
if [ -w "$J" ]; then
	# the WARN names its file and line, not the function it is in
	# (chunk_bio() may be inlined into its callers)
	warns=$(dmesg | grep -c "$JWARN")
	echo 1 > "$J"
	expect "a chunk that needs more bios than it may take fails whole (EIO)" \
		"writeseg err=-5 next=$((s + 33)) recovered=32 chunks=0 bios=0" \
		writeseg "$dev" $((s + 33)) 16
	echo 0 > "$J"
	[ "$(dmesg | grep -c "$JWARN")" -eq $((warns + 1)) ]
	ok $? "chunk_bio() warned once"
	expect "nothing of the failed chunk written; the journal writes on" \
		"writeseg err=0 next=$((s + 49)) recovered=32 chunks=1 bios=2" \
		writeseg "$dev" $((s + 33)) 16
	expect "every segmented record recovered whole, in order" \
		"found=48 first=$((s + 1)) last=$((s + 48)) order_err=0 bad=0 corrupt=0" \
		recover "$dev"
else
	n=$((n + 1))
	echo "ok $n # SKIP no $J in this module"
fi
# Recovery flushes the disk's cache after its reads, before it reports
# any record: a flush that fails (the test build's knob, once) fails the
# recovery with -EIO having reported nothing, and the next one, whose
# flush succeeds, finds every record.
F=/sys/module/synod/parameters/test_journal_flush_fail
if [ -w "$F" ]; then
	echo 1 > "$F"
	expect "a recovery whose cache flush fails reports nothing (EIO)" \
		"recover err=-5 found=0 first=0 last=0 order_err=0 bad=0 corrupt=0" \
		recover "$dev"
	[ "$(cat "$F")" = N ]
	ok $? "the flush failed once"
	expect "the next recovery flushes and finds every record" \
		"recover err=0 found=48 first=$((s + 1)) last=$((s + 48)) order_err=0 bad=0 corrupt=0" \
		recover "$dev"
else
	n=$((n + 1))
	echo "ok $n # SKIP no $F in this module"
fi

# Large records (a LARGE journal, format 3 with the flag): 40 records of
# 1 MiB (in 1 to 4 writes each, as payload chains of 16 KiB buffers), 8
# per journal write, so each write is cut at 4 MiB of payload ring into
# two chunks of 4, each one batch on disk.  The ring is 48 MiB here so
# that all 40 stay held (nothing is checkpointed); the module's is 12.
# Before S2 the journal refused such records (rec_ok(), -EINVAL).
limg=$(mktemp /tmp/journal-large.XXXXXX)
truncate -s 96M "$limg"
ldev=$(losetup -f --show "$limg")
L=4194304		# JT_LARGE_SLOT: the hook's large records
expect "format v3 LARGE superblock, 48 MiB payload ring" "format err=0" \
	format3large "$ldev" 48
sbinfo=$(python3 "$top/tests/vm/jring.py" sb "$ldev")
echo "# $sbinfo"
case "$sbinfo" in *"large 1 paymax 1048576"*) ok 0 "jring.py reads the LARGE flag" ;;
	*) ok 1 "jring.py reads the LARGE flag" ;; esac
out=$(run large "$ldev" $((L + 1)) 40 1024)
echo "# $out"
case "$out" in *"large err=0 next=$((L + 41)) recovered=0 chunks=10 "*) ok 0 "40 records of 1 MiB written, cut into 10 chunks of 4 MiB" ;;
	*) ok 1 "40 records of 1 MiB written, cut into 10 chunks of 4 MiB" ;; esac
wcrc=${out##*crc=}
expect "all 40 recovered whole, their bytes' crc as written" \
	"found=40 first=$((L + 1)) last=$((L + 40)) order_err=0 bad=0 corrupt=0 known=0 slots=- held=41943040 bytes=" \
	recover "$ldev"
out=$(run recover "$ldev")
case "$out" in *"crc=$wcrc"*) ok 0 "recovered crc $wcrc equals the written one" ;;
	*) ok 1 "recovered crc equals the written one ($wcrc): $out" ;; esac
lb=$(python3 "$top/tests/vm/jring.py" last-batch "$ldev")
echo "# last batch: $lb"
case "$lb" in "37 4 40 "*) ok 0 "the last batch on disk is the last chunk: jseq 37..40" ;;
	*) ok 1 "the last batch on disk is the last chunk (want '37 4 40 ...')" ;; esac
bad=$(python3 "$top/tests/vm/jring.py" record "$ldev" 0)
echo "# record 0: $bad"
case "$bad" in *"over-bound"*) ok 1 "jring.py: records within the 1 MiB bound" ;;
	*) ok 0 "jring.py: records within the 1 MiB bound" ;; esac

# A power cut inside the last batch: record jseq 38 (ring index 37) lost
# a sector in the middle of its payloads.  That batch was never
# acknowledged: the hole is torn, voided, and no corruption later.
off=$(python3 "$top/tests/vm/jring.py" payload "$ldev" 37)
dd if=/dev/zero of="$limg" bs=512 seek=$(((off + 524288) / 512)) count=1 \
	conv=notrunc status=none
expect "torn record of the last large batch voided, the rest found" \
	"found=39 first=$((L + 1)) last=$((L + 40)) order_err=1 bad=0 corrupt=0" \
	recover "$ldev"
expect "writing goes on after the voided hole" \
	"large err=0 next=$((L + 49)) recovered=39" large "$ldev" $((L + 41)) 8 1024
expect "the voided large record, now in the middle, is no corruption" \
	"found=47 first=$((L + 1)) last=$((L + 48)) order_err=1 bad=0 corrupt=0" \
	recover "$ldev"
# Damage in the middle: record jseq 10 (slot L + 10) loses a payload
# sector 700 KiB into its 1 MiB: reported corrupt, with its slot.
off=$(python3 "$top/tests/vm/jring.py" payload "$ldev" 9)
dd if=/dev/zero of="$limg" bs=512 seek=$(((off + 716800) / 512)) count=1 \
	conv=notrunc status=none
expect "a damaged large record in the middle is reported corrupt" \
	"found=46 first=$((L + 1)) last=$((L + 48)) order_err=2 bad=0 corrupt=1 known=1 slots=$((L + 10))" \
	recover "$ldev"
# Records of other lengths: 17 KiB (split among a record's writes: in
# one write more than a slot holds, in four 4 KiB that fit it) and
# 100 KiB, a fresh LARGE journal with the module's 12 MiB ring.
expect "format v3 LARGE, 12 MiB ring" "format err=0" format3large "$ldev"
expect "records of 16.5 KiB" "large err=0 next=$((L + 9)) recovered=0 chunks=1 " \
	large "$ldev" $((L + 1)) 8 17
expect "records of 100 KiB" "large err=0 next=$((L + 17)) recovered=8 chunks=1 " \
	large "$ldev" $((L + 9)) 8 100
expect "both recovered whole" \
	"found=16 first=$((L + 1)) last=$((L + 16)) order_err=0 bad=0 corrupt=0" \
	recover "$ldev"
losetup -d "$ldev"
rm -f "$limg"

rmmod synod 2>/dev/null
losetup -d "$dev"
rm -f "$img"
# (but the warning the bios test above asked for)
if dmesg | grep -v "$JWARN" |
	grep -E 'WARNING|BUG:|Oops|assertion failed' >/dev/null; then
	dmesg | grep -E -A5 'WARNING|BUG:|Oops|assertion failed' | head -40
	ok 1 "kernel log clean"
else
	ok 0 "kernel log clean"
fi
echo "1..$n"
exit $failed
