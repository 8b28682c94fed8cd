#!/usr/bin/env bats
# What a replica's journal recovery makes of a power cut, on the real
# module and a real ring (Documentation/ondisk.rst, "Recovery").
#
#   synod-c0 10.77.0.1  \
#   synod-c1 10.77.0.2  -- bridge synbr (root namespace)
#   synod-c2 10.77.0.3  /

load helpers
load cluster

VOL=r0

setup() {
	# timeouts x4: a host loaded with other VMs stalls ours for longer
	# than an election timeout, and elections would reshuffle the logs
	lsmod | grep -q '^synod ' || insmod "$KO" time_scale=4
	synod_setup
	cluster_net 0 1 2
}

JZ_DM=

teardown() {
	cluster_teardown
	if [ -n "$JZ_DM" ]; then
		DM_DISABLE_UDEV=1 dmsetup remove --noudevsync "$JZ_DM" || true
	fi
	synod_teardown
}

# last_batch DEV: the journal's last batch as "first n last idx": its
# first journal sequence and size (from the header of the highest record,
# the end of the journal), that highest sequence, and the ring slot of a
# WRITE record of the batch below it (-1 if none).  Headers only, where
# the superblock says the ring is (tests/vm/jring.py).
last_batch() {
	blockdev --flushbufs "$1"
	python3 "$BATS_TEST_DIRNAME/jring.py" last-batch "$1"
}

# wait_wall SECONDS CMD...: poll CMD until it succeeds, for at most
# SECONDS of wall-clock time (wait_for counts polls, and on a loaded host
# each poll of status takes seconds).
wait_wall() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		if [ "$SECONDS" -ge "$end" ]; then
			echo "timed out: $*" >&2
			return 1
		fi
		sleep 0.5
	done
}

# smash_payload DEV IDX: zero the first payload sector of the record in
# ring slot IDX, in its slot or in the payload ring (format 3), while its
# header stays intact and names the slot: a power cut that lets the
# header reach the disk but not the data.
smash_payload() {
	local off
	off=$(python3 "$BATS_TEST_DIRNAME/jring.py" payload "$1" "$2")
	dd if=/dev/zero of="$1" bs=512 count=1 conv=notrunc status=none \
		seek=$((off / 512))
}

@test "recovery: a hole in the last journal batch is a torn tail; the replica still promises" {
	cluster_create $VOL "0 1 2"
	settle_leader 0 $VOL 0 1 2
	d0=$(dev_of 0 $VOL)
	head -c 160K /dev/urandom > "$BATS_TEST_TMPDIR/data"
	# node 2 misses 40 writes, then takes them by catch-up: CATCHUP
	# messages of up to 32 chosen entries, each persisted as one
	# journal write of several records (batches of up to 16)
	ctl 2 volume down $VOL
	dd if="$BATS_TEST_TMPDIR/data" of="$d0" bs=4k oflag=direct
	c=$(field 0 $VOL commit_index)
	ctl 2 volume up $VOL
	wait_for 60 field_ge 2 $VOL applied_index "$c"
	ctl 2 volume down $VOL
	ctl 2 volume delete $VOL
	read -r first n last idx <<< "$(last_batch "$LOOP_2")"
	echo "# node 2's last batch: jseq $first..$((first + n - 1)), end $last, record at index $idx" >&3
	[ "$n" -ge 2 ]
	[ "$idx" -ge 0 ]
	# a record of that batch below its end never reached the disk whole:
	# the batch was in flight when the power went, so nothing in it was
	# acknowledged, and what did land is the journal's torn tail
	smash_payload "$LOOP_2" "$idx"
	# node 0 is gone for good: nodes 1 and 2 must elect without it
	ctl 0 volume down $VOL
	ctl 0 volume delete $VOL
	ctl 2 volume attach $VOL --backing "$LOOP_2" --secret-file "$SECRET_FILE"
	ctl 2 volume up $VOL
	# a replica that took the hole for corruption would promise nothing
	# until a leader told it the slot: no leader, ever
	wait_wall 90 some_leader $VOL 1 2
	wait_wall 60 agreed_leader $VOL 1 2
	kernel_log_since_mark | grep "torn record(s) of the last batch"
	if kernel_log_since_mark | grep "is corrupt"; then false; fi
	l=$(field 1 $VOL leader)
	cmp <(dd if="$(dev_of "$l" $VOL)" bs=4k count=40 iflag=direct 2>/dev/null) \
		"$BATS_TEST_TMPDIR/data"
	# new batches follow the voided hole; at the next attach it is in
	# the middle of the journal and must still not count as corruption
	dd if=/dev/urandom of="$(dev_of "$l" $VOL)" bs=4k count=8 seek=40 oflag=direct
	c=$(field "$l" $VOL commit_index)
	wait_for 30 field_ge 2 $VOL applied_index "$c"
	ctl 2 volume down $VOL
	ctl 2 volume delete $VOL
	echo "synod-test: reattach $$" > /dev/kmsg
	ctl 2 volume attach $VOL --backing "$LOOP_2" --secret-file "$SECRET_FILE"
	if dmesg | sed -n "/synod-test: reattach $$/,\$p" | grep "is corrupt"; then
		false
	fi
	ctl 2 volume up $VOL
	# node 2 promises (it is needed for any election now): it can lead
	promote_and_wait 2 $VOL
}

# flip_every_record DEV: flip byte 1865 of every record of our ring, as
# the nemesis' flakey-corrupt did to every read (issue 9, seed 43): a
# reserved header byte, so each header fails its checksum while its
# trailer (last sector) still names its journal sequence and slot.
flip_every_record() {
	blockdev --flushbufs "$1"
	python3 "$BATS_TEST_DIRNAME/jring.py" flip "$1" 1865
	blockdev --flushbufs "$1"
}

# write_applied COUNT SEEK: COUNT single-slot 4 KiB writes on node 0 from
# block SEEK, then wait until node 2 has applied them
write_applied() {
	local c
	dd if=/dev/urandom of="$d0" bs=4k count="$1" seek="$2" oflag=direct
	c=$(field 0 $VOL commit_index)
	wait_wall 90 field_ge 2 $VOL applied_index "$c"
}

# node2_journal_end: take node 2 down and delete it, then print the jseq
# its journal ends at
node2_journal_end() {
	local j
	ctl 2 volume down $VOL >&2
	ctl 2 volume delete $VOL >&2
	read -r _ _ j _ <<< "$(last_batch "$LOOP_2")"
	echo "$j"
}

# Issue 9 (nemesis, 6.12, seed 43): every record of a follower's journal
# unreadable.  More than one batch of records cannot be a torn tail:
# recovery must report damage (no promise until the peers supply the
# window), not attach with an empty journal, and must not restart its
# journal sequences at 1 beside the old records.
@test "recovery: a journal damaged in every record is damage, not an empty journal" {
	cluster_create $VOL "0 1 2"
	settle_leader 0 $VOL 0 1 2
	d0=$(dev_of 0 $VOL)
	write_applied 40 0
	old=$(node2_journal_end)
	echo "# node 2's journal ends at jseq $old" >&3
	[ "$old" -gt 16 ]
	flip_every_record "$LOOP_2"
	ctl 2 volume attach $VOL --backing "$LOOP_2" --secret-file "$SECRET_FILE"
	kernel_log_since_mark | grep "damaged record(s) after journal sequence"
	kernel_log_since_mark | grep "unreadable slot"
	if kernel_log_since_mark | grep "torn record(s) after"; then false; fi
	# one line per kind, not one per record
	[ "$(kernel_log_since_mark | grep -c "unreadable slot")" -eq 1 ]
	ctl 2 volume up $VOL
	# node 2 catches up from its peers and journals again, after the
	# old sequences: never from 1, under records the ring still holds
	write_applied 8 40
	new=$(node2_journal_end)
	echo "# node 2's journal now ends at jseq $new" >&3
	# past anything the old ring can have issued: its named jseqs, the
	# ring (256 records) and a batch (16)
	[ "$new" -gt "$((old + 256 + 16))" ]
	# attached again before the ring has been written round: the old
	# records are still damaged and reported again (never a torn tail);
	# the peers supply the window once more and node 2 can lead
	SYNOD_MARK="synod-test: reattach $$ $RANDOM"
	echo "$SYNOD_MARK" > /dev/kmsg
	ctl 2 volume attach $VOL --backing "$LOOP_2" --secret-file "$SECRET_FILE"
	kernel_log_since_mark | grep "unreadable slot"
	if kernel_log_since_mark | grep "torn record(s) after"; then false; fi
	ctl 2 volume up $VOL
	write_applied 0 0
	# it may have voted in any slot of its window (128 past its
	# checkpoint) and no longer knows which: it promises nothing, so a
	# promotion is refused with the reason, leaving the leader alone.
	# If its peers had already forgotten the slots it needs (an idle
	# replica forgets its applied log, kmod/payload.c), it copies
	# their data area instead, and the refusal names the transfer.
	run ctl 2 volume promote $VOL
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"journal lost votes"* ||
	   "$output" == *"a state transfer is running"* ]]
	[ "$(field 0 $VOL role)" = leader ]
	# once the volume has chosen past that window, node 2 has learned
	# every slot it may have voted in: it promises again and can lead
	write_applied 140 100
	promote_and_wait 2 $VOL
}

@test "recovery: a journal whose payload ring wrapped recovers whole: reused records are void, nothing corrupt" {
	local c l
	cluster_create $VOL "0 1 2"
	settle_leader 0 $VOL 0 1 2
	d0=$(dev_of 0 $VOL)
	# 28 MiB in 1 MiB requests: 16 KiB writes, four to a record, whose
	# payloads (64 KiB) go to the payload ring (12 MiB, format 3) and
	# wrap it twice over; the records of the first lap are applied,
	# checkpointed and reclaimed, and their payload ring bytes reused
	head -c 28M /dev/urandom > "$BATS_TEST_TMPDIR/data"
	dd if="$BATS_TEST_TMPDIR/data" of="$d0" bs=1M oflag=direct
	c=$(field 0 $VOL commit_index)
	wait_wall 120 field_ge 2 $VOL applied_index "$c"
	ctl 2 volume down $VOL
	down_lines | grep "$VOL: down;" | tail -1 |
		sed 's/.*\(journal groups[^;]*\).*/# node 2: \1/' >&3
	ctl 2 volume delete $VOL
	# every slot of the ring holds a record, many of them with payloads
	# in the ring that later records overwrote: recovery must take those
	# for void (applied and checkpointed), not for damage
	ctl 2 volume attach $VOL --backing "$LOOP_2" --secret-file "$SECRET_FILE"
	if kernel_log_since_mark | grep -E "is corrupt|unreadable slot|damaged record"; then
		false
	fi
	ctl 2 volume up $VOL
	# node 2 promises (nothing lost): it can lead, and serves the data
	promote_and_wait 2 $VOL
	l=$(dev_of 2 $VOL)
	cmp <(dd if="$l" bs=1M count=28 iflag=direct 2>/dev/null) \
		"$BATS_TEST_TMPDIR/data"
}

# old_records DEV: a single-replica volume on DEV, whose data area starts
# at 1 MiB, where a replicated volume's journal goes (ondisk.rst),
# written through with a block that starts like a journal record header
# (its magic, then bytes no checksum matches) every 20 KiB of its first
# 5 MiB: what a torn synod journal, or an image of one, leaves behind.
# Deleted again, so DEV holds its superblock and that data.
old_records() {
	local dev
	"$CTL" volume create old --backing "$1"
	dev=$(status_field old device)
	python3 - "$BATS_TEST_TMPDIR/records" <<'PY'
import os, sys
slot = 20 * 1024                 # SYNOD_JREC3_SLOT
with open(sys.argv[1], "wb") as f:
    for _ in range(256):         # SYNOD_JOURNAL_RECORDS
        f.write(b"SYJR" + os.urandom(4092) + bytes(slot - 4096))
PY
	dd if="$BATS_TEST_TMPDIR/records" of="$dev" bs=20K oflag=direct \
		status=none
	"$CTL" volume delete old
}

@test "recovery: a journal created over data that looks like records holds none of it" {
	local n l c mark
	new_secret
	for n in 0 1 2; do
		l=$(new_loop 64M)
		old_records "$l"
		# synodctl refuses a device that holds a volume without --force
		replica_create_on $VOL "$n" "0 1 2" "$l" --force
	done
	for n in 0 1 2; do
		ctl "$n" volume up $VOL
	done
	# each create's recovery is the new journal's first: it must find
	# nothing, neither damage nor corrupt records, on any node
	if kernel_log_since_mark |
		grep -E "damaged record|unreadable slot|is corrupt|corrupt record"; then
		false
	fi
	settle_leader 0 $VOL 0 1 2
	head -c 64K /dev/urandom > "$BATS_TEST_TMPDIR/data"
	dd if="$BATS_TEST_TMPDIR/data" of="$(dev_of 0 $VOL)" bs=4k oflag=direct
	cmp <(dd if="$(dev_of 0 $VOL)" bs=4k count=16 iflag=direct 2>/dev/null) \
		"$BATS_TEST_TMPDIR/data"
	# and the records written since are what the next attach finds
	c=$(field 0 $VOL commit_index)
	wait_wall 60 field_ge 2 $VOL applied_index "$c"
	ctl 2 volume down $VOL
	ctl 2 volume delete $VOL
	mark="synod-test: reattach $$ $RANDOM"
	echo "$mark" > /dev/kmsg
	ctl 2 volume attach $VOL --backing "$LOOP_2" --secret-file "$SECRET_FILE"
	if dmesg | sed -n "/$mark/,\$p" |
		grep -E "damaged record|unreadable slot|is corrupt|corrupt record|torn record"; then
		false
	fi
	ctl 2 volume up $VOL
	promote_and_wait 2 $VOL
	cmp <(dd if="$(dev_of 2 $VOL)" bs=4k count=16 iflag=direct 2>/dev/null) \
		"$BATS_TEST_TMPDIR/data"
}

# jt COMMAND...: one command of the journal's test hook
# (kmod/journal_debugfs.c, a journal alone on a loop device); prints its
# result line
jt() {
	echo "$*" > /sys/module/synod/parameters/journal_test
	cat /sys/module/synod/parameters/journal_test
}

# jt_expect PATTERN COMMAND...: the hook's result holds PATTERN
jt_expect() {
	local pat=$1 out
	shift
	out=$(jt "$@")
	echo "# $* -> $out"
	[[ "$out" == *"$pat"* ]]
}

# misread_setup: a journal alone on a new loop device $l, format 3,
# journal sequences 1..9 written three to a batch (the last batch is
# 7..9), for the hook's slots from $b on (4 x 16 KiB each, in the payload
# ring); read properly, all nine are found, and $h gets the payload ring
# bytes they hold.  The callers declare l, b and h local.
misread_setup() {
	local out
	b=1048576
	l=$(new_loop 64M)
	jt_expect "format err=0" format3 "$l"
	jt_expect "write err=0 next=$((b + 10))" write "$l" $((b + 1)) 9
	out=$(jt recover "$l")
	echo "# recover $l -> $out"
	[[ "$out" == *"found=9 first=$((b + 1)) last=$((b + 9)) order_err=0 bad=0 corrupt=0 known=0 slots=- held="* ]]
	h=${out##* held=}
	h=${h%%[!0-9]*}
	[ "$h" -gt 0 ]
}

# A record read whole by the scan but not when read again (a transient
# misread, test_journal_unstable) is reported corrupt, its slot held; it
# may well be whole on the medium, and acknowledged.  Its payload ring
# bytes must stay held too: were they written over, the next recovery
# would find the record damaged for real, and at the end of the journal
# take it for a torn tail and drop it.
@test "recovery: a record misread at recovery keeps its payload ring bytes" {
	local l b h idx
	# journal sequences 1..9, each 64 KiB in the payload ring, packed
	misread_setup
	# the end of the journal (sequence 9) misread once: corrupt, its
	# slot held (not reclaimed: reclaim stops below it); then three
	# more records in one batch (sequences 10..12)
	echo 9 > /sys/module/synod/parameters/test_journal_unstable
	jt_expect "write err=0 next=$((b + 13)) recovered=8 corrupt=1" \
		write "$l" $((b + 10)) 3 $((b + 8))
	[ "$(cat /sys/module/synod/parameters/test_journal_unstable)" = 0 ]
	# read properly, it is whole: nothing lost, nothing corrupt
	jt_expect "found=12 first=$((b + 1)) last=$((b + 12)) order_err=0 bad=0 corrupt=0" \
		recover "$l"
	# a crash in that batch that took its slots but not its payload
	# ring bytes (two bios in flight at once): the misread record is
	# the end again, and must be found whole, not dropped as torn
	for idx in 9 10 11; do
		dd if=/dev/zero of="$l" bs=4096 count=1 seek=$((256 + idx * 5)) \
			oflag=direct conv=notrunc status=none
	done
	jt_expect "found=9 first=$((b + 1)) last=$((b + 9)) order_err=0 bad=0 corrupt=0" \
		recover "$l"
}

# A record of the last batch, below its end, that the scan misreads once
# (a bad transfer, test_journal_misread_scan) looks torn, but it is whole
# on the medium and may have been acknowledged: recovery must read it
# again and keep it, not rewrite it void, and hold its payload ring bytes
# as it holds every found record's (the hook's held=).
@test "recovery: a record of the last batch misread at the scan is kept, not voided as torn" {
	local l b h out k=/sys/module/synod/parameters/test_journal_misread_scan
	misread_setup
	# the scan misreads sequence 8 once
	echo 8 > "$k"
	out=$(jt recover "$l")
	echo "# misread 8 at the scan -> $out"
	[ "$(cat "$k")" = 0 ]
	# that recovery replayed 8, holding its bytes, voided nothing, and
	# told the administrator
	[[ "$out" == *"found=9 first=$((b + 1)) last=$((b + 9)) order_err=0 bad=0 corrupt=0 known=0 slots=- held=$h"* ]]
	kernel_log_since_mark | grep -q "sequence 8 of the last batch misread"
	if kernel_log_since_mark | grep "torn record(s) of the last batch"; then false; fi
	# read properly again, 8 is still there and whole
	jt_expect "found=9 first=$((b + 1)) last=$((b + 9)) order_err=0 bad=0 corrupt=0 known=0 slots=- held=$h" \
		recover "$l"
}

# The same misread at the scan, and then, read a third time by the
# replay, the record changes (test_journal_unstable on the same
# sequence): it is corrupt, its slot held, and its payload ring bytes
# must be held too, or later records may be written over them and the
# next recovery find it damaged for real.  rescan() (called from
# recheck_window()) must take the record's extent with its header: the
# scan's misread left none.
@test "recovery: a record of the last batch misread at the scan, then unstable, keeps its payload ring bytes" {
	local l b h p=/sys/module/synod/parameters
	misread_setup
	echo 8 > $p/test_journal_misread_scan
	echo 8 > $p/test_journal_unstable
	jt_expect "found=8 first=$((b + 1)) last=$((b + 9)) order_err=1 bad=0 corrupt=1 known=1 slots=$((b + 8)) held=$h" \
		recover "$l"
	[ "$(cat $p/test_journal_misread_scan)" = 0 ]
	[ "$(cat $p/test_journal_unstable)" = 0 ]
	kernel_log_since_mark | grep -q "sequence 8 of the last batch misread"
	if kernel_log_since_mark | grep "torn record(s) of the last batch"; then false; fi
	# read properly, it is whole
	jt_expect "found=9 first=$((b + 1)) last=$((b + 9)) order_err=0 bad=0 corrupt=0 known=0 slots=- held=$h" \
		recover "$l"
}

# The end of the journal itself (sequence 9, the newest record, whole and
# perhaps acknowledged) misread at the scan: the scan ends the journal at
# 8, and 9 lies after that end, where a broken record is the torn tail.
# Recovery must read the records after the end again and move the end
# back to 9: dropped, 9 would be written over by the next record (jseq 9
# again), an acknowledged entry forgotten.
@test "recovery: the journal's end misread at the scan is read again, not dropped as the torn tail" {
	local l b h out k=/sys/module/synod/parameters/test_journal_misread_scan
	misread_setup
	echo 9 > "$k"
	out=$(jt recover "$l")
	echo "# misread 9 at the scan -> $out"
	[ "$(cat "$k")" = 0 ]
	[[ "$out" == *"found=9 first=$((b + 1)) last=$((b + 9)) order_err=0 bad=0 corrupt=0 known=0 slots=- held=$h"* ]]
	kernel_log_since_mark | grep -q "sequence 9 after the journal's end misread"
	if kernel_log_since_mark | grep "torn record(s) after journal sequence"; then false; fi
	# the same misread, then three more records (sequences 10..12): they
	# go after 9, not over it.  write runs a recovery of its own first,
	# and the knob cleared itself in the one above: set it again
	echo 9 > "$k"
	jt_expect "write err=0 next=$((b + 13)) recovered=9 corrupt=0 held=$h" \
		write "$l" $((b + 10)) 3
	[ "$(cat "$k")" = 0 ]
	jt_expect "found=12 first=$((b + 1)) last=$((b + 12)) order_err=0 bad=0 corrupt=0 known=0 slots=-" \
		recover "$l"
}

# A record before the last batch (sequence 5, of the batch 4..6) that the
# scan misreads once is reported corrupt (with no slot: the misread left
# no header), and a replica then fetches it from its peers and promises
# nothing meanwhile, though the record is whole on the medium.  Recovery
# must read it again first and, whole now, replay it.
@test "recovery: a record before the last batch misread at the scan is read again, not reported corrupt" {
	local l b h out k=/sys/module/synod/parameters/test_journal_misread_scan
	misread_setup
	echo 5 > "$k"
	out=$(jt recover "$l")
	echo "# misread 5 at the scan -> $out"
	[ "$(cat "$k")" = 0 ]
	[[ "$out" == *"found=9 first=$((b + 1)) last=$((b + 9)) order_err=0 bad=0 corrupt=0 known=0 slots=- held=$h"* ]]
	kernel_log_since_mark | grep -q "sequence 5 misread at the scan, whole when read again: replayed, not reported corrupt"
}

# swap_table DM TABLE: load TABLE into the device-mapper device DM
swap_table() {
	dmsetup suspend --noudevsync "$1"
	echo "$2" | dmsetup load "$1"
	dmsetup resume --noudevsync "$1"
}

# smash_payload_at DEV IDX OFF: zero one sector OFF bytes into the
# payloads of the record in ring slot IDX (a large record torn in its
# middle, its header and first sector whole).
smash_payload_at() {
	local off
	off=$(python3 "$BATS_TEST_DIRNAME/jring.py" payload "$1" "$2")
	dd if=/dev/zero of="$1" bs=512 count=1 conv=notrunc status=none \
		oflag=direct seek=$(((off + $3) / 512))
}

# A LARGE journal (superblock flag LARGE, payloads up to 1 MiB, large
# requests S2): 40 records of 1 MiB written as 10 batches of 4 (a batch
# holds at most 4 MiB of payload ring) all recover, crc for crc.  A power
# cut that tears the whole last batch, each record in the middle of its
# megabyte, drops that batch as the torn tail; a record damaged in the
# middle of the ring is corrupt, with its slot.  Before S2 the journal
# refused such records (rec_ok(): -EINVAL).
# large_ring SIZE MIB N CHUNKS: a journal alone on a new loop device $l
# of SIZE, format 3 with LARGE and a payload ring of MIB MiB, and N
# records of 1 MiB for the hook's slots L + 1..L + N ($L), written in
# CHUNKS chunks; $wcrc gets the CRC of their payloads.  The callers
# declare l, L and wcrc local.
large_ring() {
	local out
	l=$(new_loop "$1")
	jt_expect "format err=0" format3large "$l" "$2"
	out=$(jt large "$l" $((L + 1)) "$3" 1024)
	echo "# $out"
	[[ "$out" == *"large err=0 next=$((L + $3 + 1)) recovered=0 chunks=$4 "* ]]
	wcrc=${out##*crc=}
}

@test "recovery: a LARGE journal of 1 MiB records: a torn 4 MiB batch is dropped, a damaged record corrupt" {
	local l wcrc idx L=4194304	# the hook's large slots from L on
	large_ring 96M 48 40 10
	jt_expect "found=40 first=$((L + 1)) last=$((L + 40)) order_err=0 bad=0 corrupt=0 known=0 slots=- held=41943040 bytes=" \
		recover "$l"
	jt_expect "crc=$wcrc" recover "$l"
	[ "$(last_batch "$l" | cut -d' ' -f1-3)" = "37 4 40" ]
	# the last batch (journal sequences 37..40) torn, each record
	# 600 KiB into its payloads
	for idx in 36 37 38 39; do
		smash_payload_at "$l" $idx 614400
	done
	jt_expect "found=36 first=$((L + 1)) last=$((L + 36)) order_err=0 bad=0 corrupt=0" \
		recover "$l"
	# writing resumes after the last intact record, over the torn ones
	jt_expect "large err=0 next=$((L + 41)) recovered=36 chunks=1 " \
		large "$l" $((L + 37)) 4 1024
	jt_expect "found=40 first=$((L + 1)) last=$((L + 40)) order_err=0 bad=0 corrupt=0" \
		recover "$l"
	# journal sequence 5 (slot L + 5) damaged in its last KiB
	smash_payload_at "$l" 4 $((1048576 - 4096))
	jt_expect "found=39 first=$((L + 1)) last=$((L + 40)) order_err=1 bad=0 corrupt=1 known=1 slots=$((L + 5))" \
		recover "$l"
}

# large_bytes FIRST LAST: the payload bytes of the hook's large records
# of 1 MiB for slots FIRST..LAST (jt_large_fill(): 1 + slot % 4 writes
# of 1 MiB / writes, rounded down to a sector)
large_bytes() {
	local s w t=0
	for ((s = $1; s <= $2; s++)); do
		w=$((1 + s % 4))
		t=$((t + 1048576 / w / 512 * 512 * w))
	done
	echo $t
}

# A LARGE journal on the least payload ring a LARGE disk may have, 9 MiB
# (SYNOD_PRING_MIN_LARGE): 1 MiB records, 4 to a chunk (4 MiB), wrap the
# ring twice, reclaimed by checkpoints (the hook's APPLIED: a superblock
# naming the applied index, as journal.h asks of a reclaim point).  A
# write whose first chunk finds no room gets -ENOSPC and writes nothing;
# one whose second chunk finds none gets -ENOSPC after its first chunk
# is durable, and nothing of the refused one (journal.h).  Recovery then
# finds every record still held, crc for crc, the reclaimed ones whose
# payloads were written over void, nothing corrupt.
@test "recovery: a LARGE journal on the least payload ring wraps, reclaims, and refuses what does not fit" {
	local l out wcrc L=4194304	# the hook's large slots from L on
	l=$(new_loop 64M)
	jt_expect "format err=0" format3large "$l" 9
	[[ "$(python3 "$BATS_TEST_DIRNAME/jring.py" sb "$l")" == *"large 1 "* ]]
	# 8 records in two chunks fill 8 of the ring's 9 MiB
	out=$(jt large "$l" $((L + 1)) 8 1024)
	echo "# $out"
	[[ "$out" == *"large err=0 next=$((L + 9)) recovered=0 chunks=2 "* ]]
	wcrc=${out##*crc=}
	# nothing reclaimed: the next chunk would wrap over records 1..3,
	# still held, and is refused whole
	jt_expect "large err=-28 next=$((L + 9)) recovered=8 chunks=0 bios=0 shared=0 crc=00000000" \
		large "$l" $((L + 9)) 8 1024
	jt_expect "found=8 first=$((L + 1)) last=$((L + 8)) order_err=0 bad=0 corrupt=0 known=0 slots=- held=8388608 bytes=$(large_bytes $((L + 1)) $((L + 8))) crc=$wcrc" \
		recover "$l"
	[ "$(last_batch "$l" | cut -d' ' -f1-3)" = "5 4 8" ]
	# applied through record 4: the first chunk (9 at 8 MiB, 10..12
	# wrapped over 1..3) fits, the second (13..16) would overwrite 5,
	# still held: -ENOSPC with the first chunk durable
	jt_expect "large err=-28 next=$((L + 13)) recovered=8 chunks=1 " \
		large "$l" $((L + 9)) 8 1024 $((L + 4))
	[ "$(last_batch "$l" | cut -d' ' -f1-3)" = "9 4 12" ]
	# 1..3 written over and applied: void; 4 (applied, bytes intact)
	# to 12 found whole, the ring full
	jt_expect "found=9 first=$((L + 4)) last=$((L + 12)) order_err=0 bad=0 corrupt=0 known=0 slots=- held=9437184 bytes=$(large_bytes $((L + 4)) $((L + 12))) " \
		recover "$l"
	# applied through 12: 13..20 wrap the ring a second time
	out=$(jt large "$l" $((L + 13)) 8 1024 $((L + 12)))
	echo "# $out"
	[[ "$out" == *"large err=0 next=$((L + 21)) recovered=9 chunks=2 "* ]]
	[ "$(last_batch "$l" | cut -d' ' -f1-3)" = "17 4 20" ]
	jt_expect "found=9 first=$((L + 12)) last=$((L + 20)) order_err=0 bad=0 corrupt=0 known=0 slots=- held=9437184 bytes=$(large_bytes $((L + 12)) $((L + 20))) " \
		recover "$l"
	if kernel_log_since_mark | grep -E "is corrupt|damaged record|torn record"; then
		false
	fi
}

# A slot written again with the same payloads (the same value accepted
# in a later ballot: a new leader proposes again what its phase 1 found)
# names the payload ring bytes of its first record instead of taking
# new ones (kmod/journal_share.c).  Before, a leader lost under 1 MiB
# writes left twice its window of payloads held, 16 MiB in a 12 MiB
# ring, and the replicas fenced "journal full" (engine.bats, the leader
# loss at queue depth 16).  Here, on a journal alone with the module's
# 12 MiB ring: 8 records of 1 MiB, the same 8 again (-ENOSPC in its
# second chunk before), the first 4 a third time; recovery finds them
# all, 8 MiB held; the head is past the last bytes written, not after
# the last record (a share of bytes at 3 MiB), so 3 MiB more fit; once
# the slots are reclaimed, their shared bytes are written over.
@test "recovery: a LARGE journal's slot written again with the same payloads takes no more payload ring" {
	local l out wcrc L=4194304	# the hook's large slots from L on
	large_ring 64M 12 8 2
	out=$(jt large "$l" $((L + 1)) 8 1024)
	echo "# again: $out"
	[[ "$out" == *"large err=0 next=$((L + 9)) recovered=8 chunks=2 "* ]]
	[[ "$out" == *" shared=8 crc=$wcrc"* ]]
	jt_expect "large err=0 next=$((L + 5)) recovered=16 chunks=1 " \
		large "$l" $((L + 1)) 4 1024
	jt_expect "found=20 first=$((L + 1)) last=$((L + 4)) order_err=2 bad=0 corrupt=0 known=0 slots=- held=8388608 bytes=$(( $(large_bytes $((L + 1)) $((L + 8))) * 2 + $(large_bytes $((L + 1)) $((L + 4))) )) " \
		recover "$l"
	# the head is at 8 MiB: 8..11 MiB are free
	jt_expect "large err=0 next=$((L + 12)) recovered=20 chunks=1 " \
		large "$l" $((L + 9)) 3 1024
	jt_expect "found=23 first=$((L + 1)) last=$((L + 11)) order_err=3 bad=0 corrupt=0 known=0 slots=- held=11534336 " \
		recover "$l"
	# applied through L + 8: its records, first and shared, free
	# their bytes together; 8 MiB more wrap over all but L + 8's
	# (7..8 MiB; its two records are found, applied, bytes intact)
	jt_expect "large err=0 next=$((L + 20)) recovered=23 chunks=2 " \
		large "$l" $((L + 12)) 8 1024 $((L + 8))
	jt_expect "found=13 first=$((L + 8)) last=$((L + 19)) order_err=1 bad=0 corrupt=0 known=0 slots=- held=12582912 " \
		recover "$l"
	if kernel_log_since_mark | grep -E "is corrupt|damaged record|torn record"; then
		false
	fi
}

# A share whose first record is gone looks like a record that wrote its
# bytes.  Slot L + 1's first record writes 0..1 MiB of the ring, a held
# record (slot L + 500) 1..2 MiB, then a record of L + 1 again shares
# 0..1 MiB; once L + 1 is applied, small records (in their slots) take
# the journal's 256 slots round, over the first record of L + 1.
# Recovery must resume after 2 MiB, the last bytes written still held,
# not after the share's at 1 MiB, where the next 1 MiB would pass over
# the held record's: before, that write was refused (-ENOSPC), and a
# replica would have checkpointed and fenced "journal full".
@test "recovery: a LARGE journal resumes after the last held bytes written, not after a share whose first record is gone" {
	local l L=4194304	# the hook's large slots from L on
	l=$(new_loop 64M)
	jt_expect "format err=0" format3large "$l" 12
	jt_expect "large err=0 next=$((L + 2)) " large "$l" $((L + 1)) 1 1024
	jt_expect "large err=0 next=$((L + 12)) " large "$l" $((L + 2)) 10 1
	jt_expect "large err=0 next=$((L + 501)) " \
		large "$l" $((L + 500)) 1 1024
	jt_expect "large err=0 next=$((L + 2)) recovered=12 chunks=1 bios=1 shared=1 " \
		large "$l" $((L + 1)) 1 1024
	# applied through L + 400 (L + 500 stays held): journal sequences
	# 14..258, and 257 is at the ring index of sequence 1
	jt_expect "large err=0 next=$((L + 257)) " \
		large "$l" $((L + 12)) 245 1 $((L + 400))
	jt_expect "large err=0 next=$((L + 502)) recovered=256 " \
		large "$l" $((L + 501)) 1 1024
	jt_expect "found=256 " recover "$l"
	if kernel_log_since_mark | grep -E "is corrupt|damaged record|torn record"; then
		false
	fi
}

# flushes DEV: the flush requests DEV's disk has completed (field 16 of
# /sys/block/NAME/stat; Documentation/block/stat.rst, 5.5 on).  A loop
# device has a volatile write cache (a flush is an fsync of its file).
flushes() {
	awk '{ print $16 }' "/sys/block/$(basename "$1")/stat"
}

# After a kernel crash (not a power cut) a record may still sit in the
# disk's volatile write cache: recovery reads it back whole and replays
# it, the replica votes and serves on it, and a later power cut loses it.
# Recovery flushes the disk once after its reads, before it hands any
# record on, so that what it found is on stable media before anything
# relies on it; so does a replica's attach, whose recovery it is, also
# of a journal with no record (its superblock was read from the cache
# too).  Nothing else in these runs writes: with no torn record to void
# a recovery only reads, so a flush counted is recovery's.
@test "recovery: recovery flushes the disk's write cache before it trusts what it read" {
	local l b h f0 f1
	misread_setup
	f0=$(flushes "$l")
	jt_expect "found=9 first=$((b + 1)) last=$((b + 9)) order_err=0 bad=0 corrupt=0" \
		recover "$l"
	f1=$(flushes "$l")
	echo "# $l: $f0 flushes before the recovery, $f1 after" >&3
	[ "$f1" -gt "$f0" ]
	# a replica's attach, its journal new and empty: the superblock it
	# read may be in the cache as well
	new_secret
	l=$(new_loop 64M)
	replica_create_on $VOL 0 "0 1 2" "$l"
	ctl 0 volume delete $VOL
	f0=$(flushes "$l")
	ctl 0 volume attach $VOL --backing "$l" --secret-file "$SECRET_FILE"
	f1=$(flushes "$l")
	echo "# $l: $f0 flushes before the attach, $f1 after" >&3
	[ "$f1" -gt "$f0" ]
}

# A flush that fails (the test build's knob, once) fails the recovery,
# which has then reported nothing; an attach whose recovery fails so is
# refused, saying it may have been the flush, and leaves no volume.
@test "recovery: a recovery whose cache flush fails reports nothing, and the attach is refused" {
	local l b h F=/sys/module/synod/parameters/test_journal_flush_fail
	[ -w "$F" ] || skip "no $F in this module"
	misread_setup
	echo 1 > "$F"
	jt_expect "recover err=-5 found=0 first=0 last=0 order_err=0 bad=0 corrupt=0" \
		recover "$l"
	[ "$(cat "$F")" = N ]
	new_secret
	l=$(new_loop 64M)
	replica_create_on $VOL 0 "0 1 2" "$l"
	ctl 0 volume delete $VOL
	echo 1 > "$F"
	expect_refusal "Input/output error" \
		"reading or flushing the journal failed \\(see the kernel log\\)" \
		ctl 0 volume attach $VOL --backing "$l" --secret-file "$SECRET_FILE"
	[ "$(cat "$F")" = N ]
	[ -z "$(ctl 0 status 2>/dev/null | grep -w $VOL)" ]
	# the flush was the only thing wrong
	ctl 0 volume attach $VOL --backing "$l" --secret-file "$SECRET_FILE"
	[ -n "$(ctl 0 status 2>/dev/null | grep -w $VOL)" ]
}

# A new replicated volume is LARGE (large requests S5): its journal may
# hold records of up to 1 MiB.  Detached with such records in its journal
# (down --force: no checkpoint of a clean down) and attached again, each
# replica reads them back, takes the disk (before S5 a module without the
# test knob refused a LARGE disk at attach) and serves 1 MiB requests
# again; the data reads back the same.  Before S5 new volumes were not
# LARGE and took 16 KiB.
@test "recovery: a LARGE volume detached and attached again serves 1 MiB writes" {
	local n l d c
	cluster_create $VOL "0 1 2"
	for n in 0 1 2; do
		l=LOOP_$n
		blockdev --flushbufs "${!l}"
		[[ "$(python3 "$BATS_TEST_DIRNAME/jring.py" sb "${!l}")" == "format 3 "*" large 1 "* ]]
	done
	settle_leader 0 $VOL 0 1 2
	d=$(dev_of 0 $VOL)
	[ "$(cat "/sys/block/${d#/dev/}/queue/max_hw_sectors_kb")" = 1024 ]
	head -c 8M /dev/urandom > "$BATS_TEST_TMPDIR/a"
	run timeout 120 dd if="$BATS_TEST_TMPDIR/a" of="$d" bs=1M count=4 \
		oflag=direct status=none
	echo "dd: $status $output"
	[ "$status" -eq 0 ]
	c=$(field 0 $VOL commit_index)
	wait_for 60 field_ge 1 $VOL applied_index "$c"
	wait_for 60 field_ge 2 $VOL applied_index "$c"
	for n in 0 1 2; do ctl $n volume down $VOL --force; done
	for n in 0 1 2; do ctl $n volume delete $VOL; done
	for n in 0 1 2; do
		l=LOOP_$n
		ctl $n volume attach $VOL --backing "${!l}" \
			--secret-file "$SECRET_FILE"
		ctl $n volume up $VOL
	done
	settle_leader 0 $VOL 0 1 2
	d=$(dev_of 0 $VOL)
	[ "$(cat "/sys/block/${d#/dev/}/queue/max_hw_sectors_kb")" = 1024 ]
	[ "$(cat "/sys/block/${d#/dev/}/queue/max_segments")" = 256 ]
	run timeout 120 dd if="$BATS_TEST_TMPDIR/a" of="$d" bs=1M skip=4 \
		seek=4 count=4 oflag=direct status=none
	echo "dd: $status $output"
	[ "$status" -eq 0 ]
	c=$(field 0 $VOL commit_index)
	wait_for 60 field_ge 1 $VOL applied_index "$c"
	! kernel_log_since_mark | grep -E "fenced|journal full|corrupt" || false
	for n in 0 1; do
		settle_leader $n $VOL 0 1 2
		cmp <(dd if="$(dev_of $n $VOL)" bs=1M count=8 iflag=direct status=none) \
			"$BATS_TEST_TMPDIR/a"
	done
}

# Create over an old replica zeroes its superblock copies before its
# journal (kmod/backing.c, synod_backing_prepare()): a journal zeroing
# that fails half way must leave no superblock whose promise speaks for
# accepted entries that are gone.  The journal's slots (1 MiB, 256 x
# 20 KiB: sectors 2048..12287, Documentation/ondisk.rst) fail every
# write; the superblock copies and the rest are a linear map.
@test "recovery: create invalidates an old superblock before it zeroes the journal" {
	local dm=synod-jz0 l sz js=2048 jn=10240
	export DM_DISABLE_UDEV=1
	new_secret
	l=$(new_loop 64M)
	sz=$(blockdev --getsz "$l")
	dmsetup create $dm --noudevsync --table "0 $sz linear $l 0"
	JZ_DM=$dm
	replica_create_on $VOL 0 "0 1 2" /dev/mapper/$dm
	# journal_offset (0x60) is where the error map expects it
	[ "$(dd if=/dev/mapper/$dm bs=4096 count=1 iflag=direct status=none |
		od -An -t u8 -j 96 -N 8 | tr -d ' ')" = $((js * 512)) ]
	ctl 0 volume delete $VOL
	swap_table $dm "0 $js linear $l 0
$js $jn error
$((js + jn)) $((sz - js - jn)) linear $l $((js + jn))"
	run ctl 0 volume create $VOL --backing /dev/mapper/$dm --node 0 \
		--listen "$(addr 0):7790" --peer "1=$(addr 1):7790" \
		--peer "2=$(addr 2):7790" --secret-file "$SECRET_FILE" \
		--cluster $VOL --force
	echo "# create: $status: $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"zeroing the journal failed; the old superblock is already invalidated"* ]]
	# both copies are zero, and the old volume cannot come back
	cmp <(dd if=/dev/mapper/$dm bs=4096 count=2 iflag=direct status=none) \
		<(head -c 8192 /dev/zero)
	run ctl 0 volume attach $VOL --backing /dev/mapper/$dm \
		--secret-file "$SECRET_FILE"
	echo "# attach: $status: $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"no synod superblock"* ]]
	# whole again, the device takes a new replica
	swap_table $dm "0 $sz linear $l 0"
	replica_create_on $VOL 0 "0 1 2" /dev/mapper/$dm --force
	ctl 0 volume up $VOL
	[ "$(field 0 $VOL role)" != down ]
}
