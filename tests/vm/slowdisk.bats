#!/usr/bin/env bats
# The replica engine over a slow disk under the leader: its journal
# writes, its cache flushes, its superblock writes or its data-area
# writes take seconds.  None of them may hold up a command, a heartbeat
# or an acknowledgement, nor (but the journal's, at full queue depth)
# the writes: each runs with the replica's lock dropped.  Three replicas
# in three network namespaces, node 0's disk a device-mapper map that a
# delay target is switched into, as in engine.bats:
#
#   synod-c0 10.77.0.1  \
#   synod-c1 10.77.0.2  -- bridge synbr (root namespace)
#   synod-c2 10.77.0.3  /
#
# Every wait is bounded; teardown undoes every delay before the drain.

load helpers
load cluster
load engine

VOL=r0

setup() {
	engine_setup
}

teardown() {
	engine_teardown
}

# bats test_tags=slow
@test "engine: a slow journal under the leader holds up no command: status answers while it writes, the followers stay" {
	local i
	# Each journal write of node 0 takes 10 s.  Before journal writes
	# left the replica's lock, a status waited for the write in
	# progress and those queued before it; now it must answer in half
	# of one, also under TCG (where a status takes up to 2.5 s on any
	# node of a busy host).  Writes come at 1 a second: a journal slowed
	# this much takes 16 records per 10 s (one chunk), so its groups
	# stay one chunk and the test measures the lock, not a backlog.
	slow_journal_cluster
	# writes go on all along: two followers are a quorum without the
	# leader's own journal
	slow_fio 2 60 --rate_iops=1
	wait_for 60 field_ge 0 $VOL commit_index 10
	for ((i = 0; i < 3; i++)); do
		echo "status, journal not delayed: $(status_ms 0) ms"
	done
	slow_journal_on 10000
	# commits go on meanwhile, 1 a second, on the followers' records
	status_under_delay 10 "journal writes" 5 10000 \
		delayed_writes "$SJ_DM"
}

# bats test_tags=slow
@test "engine: a slow cache flush under the leader holds up no command: checkpoints flush with the lock dropped" {
	# Every cache flush of node 0's disk takes 10 s; its writes, FUA
	# ones included, do not wait.  A checkpoint (every 64 slots)
	# flushes the disk, then writes the superblock.  Both ran under
	# the replica's lock, the superblock write with a flush of its
	# own, so a status (and every acknowledgement, heartbeat and
	# write) waited up to two flushes.  Now the checkpoint's flush
	# runs with the lock dropped and the superblock write after it
	# needs none: a status must answer in half a flush (a status takes
	# up to 2.5 s under TCG on a busy host).  Writes come at 4 a
	# second: the leader proposes at most 128 slots past the last
	# checkpoint, one is due every 64, and a flush of 10 s lets 40 more
	# land meanwhile, so writes never wait for it either.
	nullb_cached
	dm_cluster synod-f0 "$NB_DEV"
	SJ_DEV=$DMC_DEV
	slow_fio 2 60 --rate_iops=4
	wait_for 60 field_ge 0 $VOL commit_index 10
	slow_flush synod-f0 "$NB_DEV" 10000
	# the checkpoints flush meanwhile; commits go on, 4 a second
	status_under_delay 12 flushes 25 10000 delayed_flushes synod-f0
}

# bats test_tags=slow
@test "engine: a slow superblock under the leader holds up no command: checkpoints write it with the lock dropped" {
	# Every write of node 0's superblock takes 10 s.  A checkpoint
	# (every 64 slots) flushes the disk with the replica's lock
	# dropped, then writes the superblock.  That write ran under the
	# lock, so a status (and every acknowledgement, heartbeat and
	# write) waited for it; now it runs with the lock dropped too, and
	# a status must answer in half of one (a status takes up to 2.5 s
	# under TCG on a busy host).  Writes come at 4 a second: the
	# leader proposes at most 128 slots past the last checkpoint, one
	# is due every 64, and a write of 10 s lets 40 more land meanwhile,
	# so writes never wait for it either.
	slow_journal_cluster
	slow_fio 2 60 --rate_iops=4
	wait_for 60 field_ge 0 $VOL commit_index 10
	slow_sb_on 10000
	# the checkpoints write the superblock meanwhile; commits go on,
	# 4 a second
	status_under_delay 12 "superblock writes" 25 10000 \
		delayed_writes "$SJ_DM"
}

# bats test_tags=slow
@test "engine: a promise while the checkpoint's superblock write is in flight waits for it without the lock, then is written after it" {
	local delay_ms=30000
	# Node 0 leads; its superblock writes take 30 s from when about 50
	# slots are chosen, so the checkpoint at slot 64 holds one in
	# flight.  Node 1 is promoted meanwhile: node 0's promise must wait
	# for the checkpoint's write (copies are written one at a time, in
	# sequence: replica_sbw.c), then be written itself.  Both waits
	# run in the journal's group writer with the replica's lock
	# dropped: a status answers meanwhile (it waited up to 60 s behind
	# them).  Node 1 leads on node 2's promise alone; node 0 follows
	# once both writes are on disk, nothing fenced, and its down line
	# counts the wait and the promise.
	slow_journal_cluster
	warm_up 50
	slow_sb_on $delay_ms
	warm_up 80
	echo "commit_index $(field 0 $VOL commit_index)"
	wait_for 30 delayed_is_held "$SJ_DM"
	ctl 1 volume promote $VOL
	echo "promoted node 1; $(delayed_writes "$SJ_DM") superblock writes held on node 0"
	sample_status 10 "superblock writes" delayed_writes "$SJ_DM"
	echo "# promise behind a checkpoint: slowest status $MAX ms, each write held $delay_ms ms" >&3
	[ "$BUSY" -ge 3 ]
	[ "$MAX" -lt $((delay_ms / 2)) ]
	wait_for 60 is_role 1 $VOL leader
	# node 0 follows node 1 once its promise is on disk, after the
	# checkpoint's write: two delayed writes
	wait_for 150 node_follows 0 1
	# the promise waited for the checkpoint's write, without the lock
	down_clean 0 'writes waited for another in flight [1-9][0-9]* \(0 of them under the lock\), promises written with the lock dropped [1-9]'
}

# bats test_tags=slow
@test "engine: a promise's superblock write on a slow disk holds up no command, and counts only once on disk" {
	local delay_ms=30000 i b1
	# Node 2 is down, so node 1 can lead only with node 0's promise.
	# Every write of node 0's superblock takes 30 s, and node 1 is
	# promoted.  Node 0's promise was written under the replica's
	# lock: a status (and every heartbeat and acknowledgement) waited
	# for it.  Now the journal's group writer writes it with the lock
	# dropped, before the group's records, and reports it to the core
	# only once it is on disk: a status answers in under 15 s while
	# the write is held, and node 1 does not lead meanwhile (a promise
	# reported early would let it).  Then the delay is switched off,
	# which lets the write end: node 1 leads, node 0 follows, and the
	# newest superblock copy on node 0's disk holds node 1's ballot.
	# (While the write is held node 1's phase 1 times out and asks
	# again with a higher ballot, as it would with any write longer
	# than an election timeout: admin-guide.rst.)  Without leases node
	# 0 promises the moment the PREPARE arrives (with them, only once
	# its lease as leader has run out).
	reload_synod time_scale=$TIME_SCALE test_no_lease=1
	slow_journal_cluster
	warm_up 8
	ctl 2 volume down $VOL
	slow_sb_on $delay_ms
	ctl 1 volume promote $VOL
	# node 0 has seen node 1's ballot: its promise is being written
	wait_for 60 promised_to 0 1
	wait_for 10 delayed_is_held "$SJ_DM"
	sample_status 6 "superblock writes" delayed_writes "$SJ_DM"
	echo "# slow promise: slowest status $MAX ms, each write held $delay_ms ms" >&3
	[ "$BUSY" -ge 3 ]
	[ "$MAX" -lt $((delay_ms / 2)) ]
	if is_role 1 $VOL leader; then false; fi
	delayed_is_held "$SJ_DM"
	# the write ends; node 1's next round (or this one) wins
	slow_journal "${SLOW_JOURNAL[@]}" 0
	wait_for 60 is_role 1 $VOL leader
	wait_for 60 node_follows 0 1
	b1=$(field 1 $VOL ballot)
	down_clean 0 '\(0 of them under the lock\), promises written with the lock dropped [1-9]'
	sb_newest "$SJ_LOOP" > "$BATS_TEST_TMPDIR/sb"
	echo "newest superblock copy (seq promised_ballot): $(cat "$BATS_TEST_TMPDIR/sb"); node 1's ballot $b1"
	[ "$(cut -d' ' -f2 "$BATS_TEST_TMPDIR/sb")" = "$b1" ]
}

@test "engine: a slow journal under the leader at full queue depth: acknowledgements still arrive, the leader keeps its quorum" {
	local pid rc ballot i c0 c1 role q lost=0
	# Each journal write of node 0 takes 6 s while fio keeps 32 writes
	# in flight: the leader's next journal group fills past what a
	# submission pass may add, and a group takes tens of seconds.  Its
	# receive thread must still take the followers' acknowledgements
	# and heartbeat echoes (they queue at most a window of records), so
	# status shows a quorum all along (heard within a lease, 8 s at
	# time_scale 8).  A receive thread that waited for room like a
	# submission pass heard nothing for a whole group: no quorum, and
	# after 12 s more the leader resigned.
	local delay_ms=6000
	slow_journal_cluster
	slow_fio 32 40
	pid=$FIO_PID
	wait_for 60 field_ge 0 $VOL commit_index 64
	slow_journal_on $delay_ms
	ballot=$(field 0 $VOL ballot)
	c0=$(field 0 $VOL commit_index)
	for ((i = 0; i < 15; i++)); do
		sleep 2
		role=$(field 0 $VOL role)
		q=$(field 0 $VOL quorum)
		echo "$((2 * i + 2)) s: role $role quorum $q commit_index $(field 0 $VOL commit_index), $(delayed_writes "$SJ_DM") journal writes held"
		[ "$q" = true ] || lost=$((lost + 1))
		[ "$role" = leader ] || break
	done
	c1=$(field 0 $VOL commit_index)
	job_rc $pid 300; rc=$RC
	cat "$BATS_TEST_TMPDIR/fio"
	echo "fio: exit $rc; commit_index $c0 -> $c1; $lost samples without quorum"
	[ "$lost" = 0 ]
	leader_kept "$ballot"
	# it went on committing, at the pace of its own journal's groups
	[ "$c1" -gt "$c0" ]
	[ "$rc" = 0 ]
	grep -Eq "err= *0" "$BATS_TEST_TMPDIR/fio"
}

@test "engine: a slow data area under the leader holds up no write: writes complete once chosen, the leader keeps its ballot" {
	local pid rc ballot i c0 c1 w busy=0 role t0 secs
	# Each write of node 0 to its data area takes 3 s while fio keeps
	# 8 writes in flight.  A write completes once chosen; its apply
	# lands later, and only reads wait for it.  When applies ran under
	# the replica's lock, one at a time, each held up every input for
	# 3 s: a handful of commits in 10 s, and no heartbeat meanwhile.
	local delay_ms=3000
	slow_journal_cluster
	# past the first checkpoint (64 slots) first, then fio with the
	# delay on: its 40 s count from there.  Started before the delay,
	# fio had ended before the samples on the debug kernel (KASAN under
	# TCG), where the setup alone took longer than its run.
	warm_up 64
	slow_data_on $delay_ms
	slow_fio 8 40
	pid=$FIO_PID
	ballot=$(field 0 $VOL ballot)
	c0=$(field 0 $VOL commit_index)
	t0=$SECONDS
	# Ten samples, each taken while fio still writes: on a slow kernel
	# (KASAN under TCG) one round of status calls takes seconds, and a
	# sample after fio's end finds an idle volume, which says nothing.
	for ((i = 0; i < 10; i++)); do
		sleep 1
		kill -0 "$pid" 2>/dev/null || break
		w=$(delayed_writes "$SJ_DM")
		role=$(field 0 $VOL role)
		echo "$((SECONDS - t0)) s: role $role commit_index $(field 0 $VOL commit_index) applied $(field 0 $VOL applied_index), $w data area writes held"
		[ "${w:-0}" = 0 ] || busy=$((busy + 1))
		[ "$role" = leader ] || break
	done
	c1=$(field 0 $VOL commit_index)
	secs=$((SECONDS - t0))
	job_rc $pid 300; rc=$RC
	cat "$BATS_TEST_TMPDIR/fio"
	echo "fio: exit $rc; commit_index $c0 -> $c1 in $secs s; $busy of $i samples with writes held"
	echo "# slow data area: $((c1 - c0)) commits in $secs s with data area writes of $delay_ms ms" >&3
	leader_kept "$ballot"
	# the delay did hold the applies, in samples taken while fio ran
	[ "$busy" -ge 3 ]
	# at least 3 commits a second, where one apply at a time allowed
	# one per 3 s
	[ "$c1" -ge $((c0 + 3 * secs)) ]
	[ "$rc" = 0 ]
	grep -Eq "err= *0" "$BATS_TEST_TMPDIR/fio"
}

# data_md5 DEV: md5 of the data area of the replica on DEV (its
# superblock says where), read past the page cache
data_md5() {
	local range
	range=$(data_area "$1")
	dd if="$1" bs=1M iflag=direct,skip_bytes,count_bytes status=none \
		skip=$((${range% *} * 512)) count=$((${range#* } * 512)) | md5sum
}

# hot_writes N: N rounds, 2 s apart, of 8 single-slot writes into 4 KiB
# blocks 0 to 7 of node 0's disk (chunks 0 and 1 of 16 KiB); sets HOT_PID
hot_writes() {
	local i
	for ((i = 0; i < $1; i++)); do
		dd if=/dev/urandom of="$SJ_DEV" bs=4k count=8 oflag=direct \
			status=none || return 1
		sleep 2
	done &
	HOT_PID=$!
}

# bats test_tags=slow
@test "engine: a state transfer's source on a slow disk holds up no command: it reads each chunk with the lock dropped" {
	local delay_ms=6000 ballot d0 c0 c1
	# Node 0 leads and is the source of node 2's state transfer, and
	# every read of its data area takes 6 s.  It read each chunk asked
	# for under its replica lock, after waiting there for the applies
	# covering it (resync.c): a status of node 0 waited for the chunk
	# being read, up to 6 s, and so did its heartbeats and writes (on
	# that code it was deposed, statuses took 3 to 15 s).  Now the read
	# runs with the lock dropped, ordered among the applies
	# (resync_serve.c): writes go on, and so does the transfer.
	slow_journal_cluster
	warm_up 16
	wait_for 20 field_ge 2 $VOL applied_index "$(field 0 $VOL commit_index)"
	ctl 2 volume down $VOL
	# more single-slot writes than a log holds, into chunks 0 to 74,
	# the first the transfer asks for: node 2 must copy them
	dd if=/dev/urandom of="$SJ_DEV" bs=4k count=300 oflag=direct
	slow_reads_on $delay_ms
	ballot=$(field 0 $VOL ballot)
	ctl 2 volume up $VOL
	wait_for 60 is_field 2 $VOL resync true
	# node 0 serves it
	kernel_log_since_mark | grep "$VOL: state transfer from node 0: "
	# writes all over the disk, and into chunks 0 and 1, the first
	# read: those wait for the read (and are counted)
	slow_fio 1 60 --rate_iops=2
	hot_writes 15
	d0=$(field 2 $VOL resync_done)
	c0=$(field 0 $VOL commit_index)
	sample_status 10 "chunk reads" delayed_reads "$SJ_DM"
	echo "# state transfer's source: slowest status $MAX ms, each chunk read held $delay_ms ms" >&3
	[ "$BUSY" -ge 3 ]
	[ "$MAX" -lt $((delay_ms / 2)) ]
	# the transfer goes on while writes do: chunks copied, not only
	# compared (the asker refuses a chunk older than what it applied)
	wait_for 60 field_ge 2 $VOL resync_done $((d0 + 3))
	c1=$(field 0 $VOL commit_index)
	echo "chunks settled $d0 -> $(field 2 $VOL resync_done); commit_index $c0 -> $c1"
	[ "$c1" -ge $((c0 + 30)) ]
	leader_kept "$ballot"
	job_rc "$HOT_PID" 120
	[ "$RC" = 0 ]
	job_rc "$FIO_PID" 180
	cat "$BATS_TEST_TMPDIR/fio"
	[ "$RC" = 0 ]
	grep -Eq "err= *0" "$BATS_TEST_TMPDIR/fio"
	# reads fast again: the transfer ends, and node 2's data area is
	# node 0's
	slow_journal "${SLOW_JOURNAL[@]}" 0
	wait_for 300 field_ge 2 $VOL resyncs 1
	wait_for 30 field_ge 2 $VOL applied_index "$(field 0 $VOL commit_index)"
	wait_for 30 field_ge 0 $VOL applied_index "$(field 0 $VOL commit_index)"
	[ "$(data_md5 "$LOOP_2")" = "$(data_md5 "$SJ_LOOP")" ]
	down_clean 0 'state-transfer chunks served [1-9][0-9]* \(slots whose writes waited for their read [1-9]'
}

# bats test_tags=slow
@test "engine: fio verify over a slow data area: every block reads back its last write" {
	local rc
	# Writes complete before their applies land (2 s each here), and
	# the same 16 blocks are written 5 times over (io_size counts the
	# verifying reads too): a read must wait for the applies before it,
	# and a later write to a block must land after an earlier one.  fio
	# checks what it wrote.
	slow_journal_cluster
	slow_data_on 2000
	fio --name=v --filename="$SJ_DEV" --rw=randwrite --bs=4k --size=64k \
		--io_size=640k --direct=1 --ioengine=libaio --iodepth=8 \
		--verify=crc32c --do_verify=1 --verify_fatal=1 \
		--output="$BATS_TEST_TMPDIR/fio" &
	job_rc $! 600; rc=$RC
	cat "$BATS_TEST_TMPDIR/fio"
	echo "fio: exit $rc"
	[ "$rc" = 0 ]
	grep -Eq "err= *0" "$BATS_TEST_TMPDIR/fio"
	# writes and verifying reads both went through
	grep -Eq "write: IOPS=" "$BATS_TEST_TMPDIR/fio"
	grep -Eq "read: IOPS=" "$BATS_TEST_TMPDIR/fio"
}
