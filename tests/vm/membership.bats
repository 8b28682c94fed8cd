#!/usr/bin/env bats
# Membership changes through the log: a fourth replica joins a running
# three-replica volume as a learner, catches up and becomes a voter; then
# a voter is removed and the quorums shrink with the voters.
#
#   synod-c0 10.77.0.1  \
#   synod-c1 10.77.0.2   \
#   synod-c2 10.77.0.3   /  bridge synbr (root namespace)
#   synod-c3 10.77.0.4  /   (the replica that joins)

load helpers
load cluster

VOL=r0

setup() { cluster_test_setup 0 1 2 3; }
teardown() { cluster_test_teardown; }

# write_at N FILE SEEK: write FILE on node N's disk at 4 KiB block
# SEEK, O_DIRECT, so each block is a replicated write that completed
write_at() {
	dd if="$2" of="$(dev_of "$1" $VOL)" bs=4k seek="$3" oflag=direct \
		status=none
}

# leader_now NODES...: the node that all NODES agree leads.  Under TCG
# with other VMs on the host, a late tick can cost a leader its lease and
# move leadership on its own, so tests ask instead of assuming.
leader_now() {
	wait_for 20 agreed_leader $VOL "$@" >&2
	field "$1" $VOL leader
}

# write_leader FILE SEEK NODES...: write_at on the leader of NODES; if
# leadership moved meanwhile (EROFS, or EIO for a write in flight),
# write it all again on the new one.  Prints the node that took it.
write_leader() {
	local f=$1 seek=$2 l
	shift 2
	for _ in 1 2 3; do
		l=$(leader_now "$@")
		write_at "$l" "$f" "$seek" >&2 && { echo "$l"; return 0; }
		echo "write on node $l failed; leadership moved?" >&2
	done
	return 1
}

@test "membership: a replica joins as a learner, catches up, votes; a voter leaves; the quorum follows" {
	local c l l2 n a3 up=()
	a3="3=$(addr 3):7790"
	cluster_create $VOL "0 1 2"
	settle_leader 0 $VOL 0 1 2
	head -c 64K /dev/urandom > "$BATS_TEST_TMPDIR/a"
	head -c 64K /dev/urandom > "$BATS_TEST_TMPDIR/b"
	head -c 64K /dev/urandom > "$BATS_TEST_TMPDIR/c"
	write_leader "$BATS_TEST_TMPDIR/a" 0 0 1 2
	[ "$(field 0 $VOL epoch)" = 1 ]
	[ "$(field 0 $VOL q1)" = 2 ]
	[ "$(field 0 $VOL q2)" = 2 ]

	# only on the leader does "peer add" change the membership; the
	# others learn where node 3 listens (the address is not in the log)
	l=$(leader_now 0 1 2)
	n=$(( (l + 1) % 3 ))
	# (node 5 is no member: harmless should node n lead by now)
	run ctl $n peer remove $VOL 5
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"made on the leader"* || "$output" == *"not a member"* ]]
	# (should leadership move just before, the add only records the
	# address: then do it again on the new leader)
	for _ in 1 2 3; do
		l=$(leader_now 0 1 2)
		ctl $l peer add $VOL "$a3"
		wait_for 10 is_field $l $VOL epoch 2 && break
	done
	wait_for 10 is_field 0 $VOL epoch 2
	# the others record the address (the leader, whichever it is by
	# now, knows it already)
	for n in 0 1 2; do
		run ctl $n peer add $VOL "$a3"
		[ "$status" -eq 0 ] || [[ "$output" == *"already a member"* ]]
	done
	l=$(leader_now 0 1 2)
	run ctl $l peer add $VOL "$a3"
	[ "$status" -ne 0 ]
	[[ "$output" == *"already a member"* ]]
	# the new replica names the members; it learns the membership from
	# the log as it catches up
	replica_create $VOL 3 "0 1 2 3"
	ctl 3 volume up $VOL
	c=$(field $l $VOL commit_index)
	wait_for 30 field_ge 3 $VOL applied_index "$c"
	# learner (epoch 2), then voter (epoch 3): four voters, quorums of 3
	wait_for 30 is_field 0 $VOL epoch 3
	kernel_log_since_mark | grep "learner 3 caught up"
	[ "$(peer_field 0 $VOL 3 voter)" = true ]
	[ "$(field 0 $VOL q1)" = 3 ]
	[ "$(field 0 $VOL q2)" = 3 ]
	wait_for 20 is_field 3 $VOL epoch 3
	wait_for 20 is_role 3 $VOL follower

	# the volume goes on; node 3 holds every write: it can lead, which
	# needs promises from 3 of the 4 voters
	write_leader "$BATS_TEST_TMPDIR/b" 16 0 1 2 3
	settle_leader 3 $VOL 0 1 2 3
	cmp <(dd if="$(dev_of 3 $VOL)" bs=4k count=32 iflag=direct 2>/dev/null) \
		<(cat "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b")

	# remove node 2 on the leader: three voters, quorums of two, so
	# losing node 1 as well leaves a quorum
	for _ in 1 2 3; do
		l=$(leader_now 0 1 2 3)
		[ "$l" != 2 ] || settle_leader 3 $VOL 0 1 2 3
		l=$(leader_now 0 1 2 3)
		ctl $l peer remove $VOL 2 && break
	done
	wait_for 20 is_field $l $VOL epoch 4
	[ "$(peer_field $l $VOL 2 voter)" = false ]
	n=$(( l == 0 ? 1 : 0 ))
	wait_for 20 is_field $n $VOL epoch 4
	[ "$(peer_field $n $VOL 2 voter)" = false ]
	[ "$(peer_field $n $VOL 3 voter)" = true ]
	[ "$(field $l $VOL q1)" = 2 ]
	[ "$(field $l $VOL q2)" = 2 ]
	echo "node 2 after its removal:"
	ctl 2 -j status $VOL
	ctl 2 volume down $VOL --force
	# keep the leader and one other voter of 0, 1, 3
	for n in 0 1 3; do
		[ $n = $l ] || { ctl $n volume down $VOL --force; break; }
	done
	for n in 0 1 3; do
		[ "$(field $n $VOL role)" = down ] || up+=("$n")
	done
	l2=$(write_leader "$BATS_TEST_TMPDIR/c" 32 "${up[@]}")
	wait_for 10 is_field $l2 $VOL quorum true
	cmp <(dd if="$(dev_of $l2 $VOL)" bs=4k count=48 iflag=direct 2>/dev/null) \
		<(cat "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/c")
}

# peer_add_everywhere A: add the member at address A on the leader of
# nodes 0 1 2 (again on a new leader should leadership move before the
# membership changes), then record the address on the others.
peer_add_everywhere() {
	local l n
	for _ in 1 2 3; do
		l=$(leader_now 0 1 2)
		ctl $l peer add $VOL "$1"
		wait_for 10 is_field $l $VOL epoch 2 && break
	done
	for n in 0 1 2; do
		run ctl $n peer add $VOL "$1"
		[ "$status" -eq 0 ] || [[ "$output" == *"already a member"* ]]
	done
}

# The leader's log holds its last 128 slots: a replica added later than
# that cannot catch up from it.  It must get the data area by state
# transfer, take the membership carried with it, apply the rest from
# the log, become a voter and hold every write (admin-guide, "Adding a
# replica").
@test "membership: a replica added after the log is trimmed gets a state transfer, then votes" {
	local c l sum
	cluster_create $VOL "0 1 2"
	settle_leader 0 $VOL 0 1 2
	# 300 single-slot writes (O_DIRECT, queue depth 1): past the log
	dd if=/dev/urandom of="$(dev_of 0 $VOL)" bs=4k count=300 oflag=direct
	peer_add_everywhere "3=$(addr 3):7790"
	l=$(leader_now 0 1 2)
	[ "$(field $l $VOL commit_index)" -gt 130 ]
	replica_create $VOL 3 "0 1 2 3"
	ctl 3 volume up $VOL
	wait_for 180 field_ge 3 $VOL resyncs 1
	kernel_log_since_mark | grep "$VOL: state transfer from node [012] done"
	wait_for 60 is_field 0 $VOL epoch 3
	kernel_log_since_mark | grep "learner 3 caught up"
	wait_for 20 is_field 3 $VOL epoch 3
	wait_for 20 is_role 3 $VOL follower
	l=$(leader_now 0 1 2 3)
	[ "$(peer_field $l $VOL 3 voter)" = true ]
	c=$(field $l $VOL commit_index)
	wait_for 30 field_ge 3 $VOL applied_index "$c"
	sum=$(dd if="$(dev_of $l $VOL)" bs=1M iflag=direct 2>/dev/null | md5sum)
	# node 3 can lead (3 of 4 voters promise) and reads what was written
	settle_leader 3 $VOL 0 1 2 3
	[ "$(dd if="$(dev_of 3 $VOL)" bs=1M iflag=direct 2>/dev/null | md5sum)" = "$sum" ]
}
