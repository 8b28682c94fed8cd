#!/usr/bin/env bats
# Reads on the leader past the replica engine (kmod/fastread.c): under
# its lease, a read whose blocks no write is still being applied to goes
# straight to the data area; every other read goes through the engine.
# What a user relies on: every read sees every write completed before
# it, whichever way it went.  Three replicas in three network
# namespaces, as in cluster.bats:
#
#   synod-c0 10.77.0.1  \
#   synod-c1 10.77.0.2  -- bridge synbr (root namespace)
#   synod-c2 10.77.0.3  /

load helpers
load cluster
load engine
load loadcheck

VOL=r0
PARAMS=/sys/module/synod/parameters
DM_DEVS=()
SLOW_JOURNAL=()

setup() { cluster_test_setup 0 1 2; }
teardown() {
	local d
	echo 1 > $PARAMS/fast_reads || true
	if [ -n "${SLOW_JOURNAL[*]:-}" ]; then
		slow_journal "${SLOW_JOURNAL[@]}" 0 || true
	fi
	cluster_teardown
	for d in "${DM_DEVS[@]}"; do
		DM_DISABLE_UDEV=1 dmsetup remove --noudevsync "$d" || true
	done
	synod_teardown
}

# fast_reads_of N: node N's count of reads past the engine
fast_reads_of() { field "$1" $VOL fast_reads; }

# read_then_count DEV N: read 64 blocks of DEV, then node N has served
# some past the engine
read_then_count() {
	dd if="$1" of=/dev/null bs=4k count=64 iflag=direct status=none &&
		field_ge "$2" $VOL fast_reads 1
}

# sent_in DOWNFILE: the "sent in for a write" count of its last line
sent_in() {
	grep -o '([0-9]* under the lease sent in for a write)' "$1" |
		tail -n 1 | tr -dc 0-9
}

# bats test_tags=slow
@test "reads: under its lease the leader reads past the engine, and each read sees the write just before it" {
	local d0 i k before after
	cluster_create $VOL "0 1 2"
	settle_leader 0 $VOL 0 1 2
	d0=$(dev_of 0 $VOL)
	dd if=/dev/urandom of="$d0" bs=64k count=32 oflag=direct
	before=$(fast_reads_of 0)
	dd if="$d0" of=/dev/null bs=4k count=256 iflag=direct
	after=$(fast_reads_of 0)
	echo "reads past the engine: $before -> $after"
	[ "$after" -ge $((before + 200)) ]
	# a block written then read at once: its apply may still run, so the
	# read must either wait for it (through the engine) or see it landed
	for i in $(seq 1 60); do
		k=$((i % 8))
		head -c 4096 /dev/urandom > "$BATS_TEST_TMPDIR/w"
		dd if="$BATS_TEST_TMPDIR/w" of="$d0" bs=4k seek=$k count=1 \
			oflag=direct conv=notrunc status=none
		dd if="$d0" of="$BATS_TEST_TMPDIR/r" bs=4k skip=$k count=1 \
			iflag=direct status=none
		cmp "$BATS_TEST_TMPDIR/w" "$BATS_TEST_TMPDIR/r"
	done
	# the followers serve nothing: their device is not readable
	[ "$(fast_reads_of 1)" = 0 ]
	[ "$(fast_reads_of 2)" = 0 ]
	ctl 0 volume down $VOL
	down_lines | grep "$VOL: down; frames dropped" | tail -n 1 |
		grep -o 'reads past the engine [0-9]* ([0-9]* under the lease sent in for a write)'
}

@test "reads: writes and reads at once on the leader stay linearizable, reads past the engine among them" {
	local d0
	cluster_create $VOL "0 1 2" --on-no-quorum error
	settle_leader 0 $VOL 0 1 2
	d0=$(dev_of 0 $VOL)
	load_checked "$d0" 0 20 "$BATS_TEST_TMPDIR/hist"
	echo "# reads past the engine $(fast_reads_of 0)" >&3
	[ "$(fast_reads_of 0)" -gt 0 ]
}

@test "reads: fio verify reading back each block just written, at depth 16 on the leader, finds no bad block" {
	local d0 rc
	cluster_create $VOL "0 1 2" --on-no-quorum error
	settle_leader 0 $VOL 0 1 2
	d0=$(dev_of 0 $VOL)
	# each write verified as soon as it completes, its apply often
	# still running: such a read must wait for it
	fio --name=v --filename="$d0" --rw=randwrite --bs=4k \
		--size=2M --direct=1 --ioengine=libaio --iodepth=16 \
		--verify=crc32c --verify_backlog=1 --verify_fatal=1 \
		--time_based --runtime=10 \
		--output="$BATS_TEST_TMPDIR/fio" &
	job_rc $! 180; rc=$RC
	cat "$BATS_TEST_TMPDIR/fio"
	echo "fio: exit $rc; reads past the engine $(fast_reads_of 0)"
	[ "$rc" = 0 ]
	grep -Eq "err= *0" "$BATS_TEST_TMPDIR/fio"
	! grep -q "verify: bad" "$BATS_TEST_TMPDIR/fio" || false
	[ "$(fast_reads_of 0)" -gt 0 ]
}

# bats test_tags=slow
@test "reads: with fast_reads=0 every read goes through the engine; set to 1 again, reads go past it" {
	local d0
	echo 0 > $PARAMS/fast_reads
	cluster_create $VOL "0 1 2"
	settle_leader 0 $VOL 0 1 2
	d0=$(dev_of 0 $VOL)
	dd if=/dev/urandom of="$d0" bs=64k count=4 oflag=direct
	dd if="$d0" of=/dev/null bs=4k count=64 iflag=direct
	[ "$(fast_reads_of 0)" = 0 ]
	# on again: reads go past it from the engine's next unlock on
	echo 1 > $PARAMS/fast_reads
	wait_for 10 read_then_count "$d0" 0
}

@test "reads: a read of a block whose write is still being applied waits for it" {
	local w=$BATS_TEST_TMPDIR/w r=$BATS_TEST_TMPDIR/r i
	# node 0's data area writes take 1.5 s: its writes complete (chosen)
	# long before their applies land
	slow_journal_cluster
	slow_data_on 1500
	for i in 1 2 3; do
		head -c 4096 /dev/urandom > "$w"
		put4k $((i * 40)) "$w" "$SJ_DEV"
		block4k $((i * 40)) "$SJ_DEV" > "$r"
		cmp "$w" "$r"
	done
	# and blocks no write covers still go past the engine meanwhile
	block4k 1000 "$SJ_DEV" > /dev/null
	[ "$(fast_reads_of 0)" -ge 1 ]
	slow_journal "${SLOW_JOURNAL[@]}" 0
	SLOW_JOURNAL=()
	ctl 0 volume down $VOL
	down_lines | grep "$VOL: down; frames dropped" > "$BATS_TEST_TMPDIR/down"
	cat "$BATS_TEST_TMPDIR/down"
	[ "$(sent_in "$BATS_TEST_TMPDIR/down")" -ge 3 ]
}

@test "reads: a leader that lost its followers stops reading past the engine once its lease runs out" {
	local d0 n
	cluster_create $VOL "0 1 2" --on-no-quorum error
	settle_leader 0 $VOL 0 1 2
	d0=$(dev_of 0 $VOL)
	dd if=/dev/urandom of="$d0" bs=64k count=4 oflag=direct
	dd if="$d0" of=/dev/null bs=4k count=16 iflag=direct
	[ "$(fast_reads_of 0)" -ge 16 ]
	in_node 1 ip link set eth0 down
	in_node 2 ip link set eth0 down
	# no quorum heard within a lease (1 s at time_scale 1, 4 s here):
	# the lease (which needs fresher grants) has run out by then
	wait_for 60 is_field 0 $VOL quorum false
	n=$(fast_reads_of 0)
	# refused (no quorum, --on-no-quorum error) or served by a quorum
	# round that cannot happen: in no case past the engine
	timeout 30 dd if="$d0" of=/dev/null bs=4k count=4 iflag=direct || true
	[ "$(fast_reads_of 0)" = "$n" ]
}
