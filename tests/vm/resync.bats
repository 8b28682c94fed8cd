#!/usr/bin/env bats
# State transfer: a replica that fell further behind than any peer's log
# (128 slots) copies the data area chunk by chunk, compared by checksum,
# while writes go on; an interrupted transfer restarts on attach.  Three
# replicas in three network namespaces, as in cluster.bats.

load helpers
load cluster

VOL=r0

DM_DEVS=()

setup() { cluster_test_setup 0 1 2; }
teardown() {
	local d
	cluster_teardown
	for d in "${DM_DEVS[@]}"; do
		DM_DISABLE_UDEV=1 dmsetup remove --noudevsync "$d" || true
	done
	synod_teardown
}

# cluster_slow_reads MS: the three replicas, node 2's on a dm-delay
# device that delays every read by MS milliseconds (writes go straight
# through).  The transfer's requester reads each chunk of its own data
# area under its replica lock before it asks for it, so the transfer
# takes at least chunks x MS, and only node 2, which the quorum does
# not need, is slowed: the writes of the leader are not.
cluster_slow_reads() {
	local dm=synod-rs2 l sz n
	new_secret
	replica_create $VOL 0 "0 1 2"
	replica_create $VOL 1 "0 1 2"
	l=$(new_loop 64M)
	sz=$(blockdev --getsz "$l")
	DM_DISABLE_UDEV=1 dmsetup create "$dm" --noudevsync \
		--table "0 $sz delay $l 0 $1 $l 0 0"
	DM_DEVS+=("$dm")
	replica_create_on $VOL 2 "0 1 2" "/dev/mapper/$dm"
	for n in 0 1 2; do
		ctl $n volume up $VOL
	done
}

# Node 2 down, then more single-slot writes than a log holds (O_DIRECT,
# queue depth 1: one slot each), then node 2 up again.
fall_behind() {
	local d0
	settle_leader 0 $VOL 0 1 2
	d0=$(dev_of 0 $VOL)
	dd if=/dev/urandom of="$d0" bs=4k count=16 oflag=direct
	wait_for 20 field_ge 2 $VOL applied_index "$(field 0 $VOL commit_index)"
	ctl 2 volume down $VOL
	dd if=/dev/urandom of="$d0" bs=4k count=300 seek=100 oflag=direct
}

# forge_chunk DEV CHUNK: overwrite 16 KiB chunk CHUNK of DEV's data area
# (its start read from the superblock) with different bytes of the same
# CRC-32C: a text at its start, then 4 bytes chosen to restore the CRC.
# CRC-32C is linear, so those 4 bytes follow from running the register
# backwards over them.  Prints both CRCs.
forge_chunk() {
	blockdev --flushbufs "$1"
	python3 - "$1" "$2" <<'PY'
import os, struct, sys
P = 0x82F63B78
TABLE = []
for i in range(256):
    r = i
    for _ in range(8):
        r = (r >> 1) ^ (P if r & 1 else 0)
    TABLE.append(r)
def reg_update(reg, data):
    for b in data:
        reg = (reg >> 8) ^ TABLE[(reg ^ b) & 0xff]
    return reg
def crc32c(data):
    return reg_update(0xffffffff, data) ^ 0xffffffff
def unstep32(y):
    for _ in range(32):
        if y & 0x80000000:
            y = (((y ^ P) << 1) | 1) & 0xffffffff
        else:
            y = (y << 1) & 0xffffffff
    return y
dev, chunk = sys.argv[1], int(sys.argv[2])
with open(dev, 'r+b', buffering=0) as f:
    data_offset = struct.unpack('<Q', f.read(0x38)[0x30:0x38])[0]
    off = data_offset + chunk * 16384
    f.seek(off)
    orig = f.read(16384)
    c = bytearray(orig)
    c[:19] = b'synod: forged chunk'
    state = reg_update(0xffffffff, bytes(c[:-4]))
    w = unstep32(crc32c(orig) ^ 0xffffffff) ^ state
    c[-4:] = w.to_bytes(4, 'little')
    assert bytes(c) != orig and crc32c(bytes(c)) == crc32c(orig)
    f.seek(off)
    f.write(bytes(c))
    os.fsync(f.fileno())
    print('chunk %d at %d: crc32c %08x -> %08x' % (chunk, off, crc32c(orig), crc32c(bytes(c))))
PY
}

# chunk_md5 DEV CHUNK: md5 of one 16 KiB chunk of DEV's data area (18 MiB
# in: format 1 and later), read past the page cache
chunk_md5() {
	dd if="$1" bs=16k skip=$(((18 << 20) / 16384 + $2)) count=1 \
		iflag=direct 2>/dev/null | md5sum
}

# md5 of node N's whole disk, read on the leader
disk_md5() {
	dd if="$(dev_of "$1" $VOL)" bs=1M iflag=direct 2>/dev/null | md5sum
}

@test "resync: a follower behind every log copies the data area while writes go on" {
	local d0 sum got total
	# about 2900 chunks of 16 KiB at 10 ms or more each: 30 s or more
	cluster_slow_reads 10
	fall_behind
	d0=$(dev_of 0 $VOL)
	ctl 2 volume up $VOL
	# once the transfer is past chunk 600 (9.4 MiB in), writes into
	# chunks it has copied (4 KiB blocks 50 and 2000 are in chunks 12
	# and 500) and into chunks it has not reached yet (block 10000:
	# chunk 2500)
	wait_for 90 field_ge 2 $VOL resync_done 600
	# (96 single-slot writes: fewer than a log holds, so node 2 need
	# not start over)
	dd if=/dev/urandom of="$d0" bs=4k count=32 seek=2000 oflag=direct
	dd if=/dev/urandom of="$d0" bs=4k count=32 seek=50 oflag=direct
	dd if=/dev/urandom of="$d0" bs=4k count=32 seek=10000 oflag=direct
	# ... and they all completed while it still ran: they overlapped it
	got=$(field 2 $VOL resync_done)
	total=$(field 2 $VOL resync_total)
	echo "after the writes: resync $(field 2 $VOL resync), $got of $total chunks"
	[ "$(field 2 $VOL resync)" = true ]
	[ "$got" -lt "$total" ]
	wait_for 180 field_ge 2 $VOL resyncs 1
	ctl 2 status $VOL
	[ "$(field 2 $VOL resync)" = false ]
	kernel_log_since_mark | grep -q "$VOL: state transfer from node [01]: [0-9]* chunks"
	kernel_log_since_mark | grep "$VOL: state transfer from node [01] done"
	wait_for 20 field_ge 2 $VOL applied_index "$(field 0 $VOL commit_index)"
	sum=$(disk_md5 0)
	promote_and_wait 2 $VOL
	[ "$(disk_md5 2)" = "$sum" ]
	# every answer node 2 dropped in the transfer was a late one (a
	# chunk asked again, answered twice), none bad
	ctl 2 volume down $VOL
	# (the last down line: fall_behind took node 2 down once before)
	down_lines | grep "$VOL: down; frames dropped" | tail -n 1 > "$BATS_TEST_TMPDIR/down"
	cat "$BATS_TEST_TMPDIR/down"
	grep -q " late state-transfer answers, 0 bad)" "$BATS_TEST_TMPDIR/down"
}

@test "resync: an interrupted transfer restarts on attach; meanwhile no promote" {
	local sum
	cluster_create $VOL "0 1 2"
	fall_behind
	ctl 2 volume up $VOL
	wait_for 30 is_field 2 $VOL resync true
	# cut it off mid-transfer and stop it hard
	in_node 2 ip link set eth0 down
	ctl 2 volume down $VOL --force
	ctl 2 volume delete $VOL
	ctl 2 volume attach $VOL --backing "$LOOP_2" --secret-file "$SECRET_FILE"
	kernel_log_since_mark | grep -q "$VOL: a state transfer was interrupted"
	[ "$(field 2 $VOL resync)" = true ]
	ctl 2 volume up $VOL
	run ctl 2 volume promote $VOL
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"state transfer"* ]]
	in_node 2 ip link set eth0 up
	wait_for 120 field_ge 2 $VOL resyncs 1
	[ "$(field 2 $VOL resync)" = false ]
	wait_for 20 field_ge 2 $VOL applied_index "$(field 0 $VOL commit_index)"
	sum=$(disk_md5 0)
	promote_and_wait 2 $VOL
	[ "$(disk_md5 2)" = "$sum" ]
}

@test "resync: a chunk that differs but has the same crc32c is copied" {
	local c=2900 sum
	cluster_create $VOL "0 1 2"
	settle_leader 0 $VOL 0 1 2
	dd if=/dev/urandom of="$(dev_of 0 $VOL)" bs=4k count=16 oflag=direct
	wait_for 20 field_ge 2 $VOL applied_index "$(field 0 $VOL commit_index)"
	ctl 2 volume down $VOL
	ctl 2 volume delete $VOL
	# node 2's chunk c now differs from the leader's, with the same CRC,
	# and its superblock says its data area is suspect (flag RESYNC)
	[ "$(chunk_md5 "$LOOP_2" $c)" = "$(chunk_md5 "$LOOP_0" $c)" ]
	forge_chunk "$LOOP_2" $c
	[ "$(chunk_md5 "$LOOP_2" $c)" != "$(chunk_md5 "$LOOP_0" $c)" ]
	sb_patch "$LOOP_2" 0 0x00c 1
	sb_patch "$LOOP_2" 1 0x00c 1
	ctl 2 volume attach $VOL --backing "$LOOP_2" --secret-file "$SECRET_FILE"
	[ "$(field 2 $VOL resync)" = true ]
	ctl 2 volume up $VOL
	wait_for 120 field_ge 2 $VOL resyncs 1
	kernel_log_since_mark | grep "$VOL: state transfer from node [01] done"
	[ "$(chunk_md5 "$LOOP_2" $c)" = "$(chunk_md5 "$LOOP_0" $c)" ]
	wait_for 20 field_ge 2 $VOL applied_index "$(field 0 $VOL commit_index)"
	sum=$(disk_md5 0)
	promote_and_wait 2 $VOL
	[ "$(disk_md5 2)" = "$sum" ]
}

# Review of fix-resync, item 1: a jump past a CONFIG entry skips it, so
# the membership at the slot must come with the slot.  The jump used to
# keep the old membership in the core and in the superblock (with the
# newer applied index): node 2 stayed at epoch 1 for ever, and a restart
# restored epoch 1 too.
@test "resync: a jump past a membership change takes the membership at the slot" {
	local l c e
	cluster_create $VOL "0 1 2"
	settle_leader 0 $VOL 0 1 2
	dd if=/dev/urandom of="$(dev_of 0 $VOL)" bs=4k count=16 oflag=direct
	wait_for 20 field_ge 2 $VOL applied_index "$(field 0 $VOL commit_index)"
	ctl 2 volume down $VOL
	# epoch 2: node 3 a learner (it never comes: it stays one), then
	# more slots than a log holds, so node 2 jumps past that entry
	l=$(field 0 $VOL leader)
	ctl "$l" peer add $VOL "3=$(addr 3):7790"
	wait_for 20 is_field 0 $VOL epoch 2
	wait_for 20 is_field 1 $VOL epoch 2
	dd if=/dev/urandom of="$(dev_of "$l" $VOL)" bs=4k count=300 seek=100 \
		oflag=direct
	[ "$(field 2 $VOL epoch)" = 1 ]
	ctl 2 volume up $VOL
	wait_for 120 field_ge 2 $VOL resyncs 1
	kernel_log_since_mark | grep "$VOL: state transfer from node [01] done"
	c=$(field "$l" $VOL commit_index)
	wait_for 20 field_ge 2 $VOL applied_index "$c"
	ctl 2 status $VOL
	e=$(field "$l" $VOL epoch)
	[ "$e" -ge 2 ]
	[ "$(field 2 $VOL epoch)" = "$e" ]
	# and the superblock holds it with the applied index
	ctl 2 volume down $VOL
	ctl 2 volume delete $VOL
	ctl 2 volume attach $VOL --backing "$LOOP_2" --secret-file "$SECRET_FILE"
	ctl 2 status $VOL
	[ "$(field 2 $VOL epoch)" = "$e" ]
}
