#!/usr/bin/env bats
# Every frame on an established link is authenticated (item 9 of issue
# 8).  Three replicas in three namespaces, as in cluster.bats; the test
# build's knob test_forge (kmod/tcp_forge.c) makes one node put a frame
# on its authenticated connection that its replica never sent: a
# STEPDOWN that anyone on the path could make, a replay of the previous
# frame, a frame corrupted after its MAC, a skipped sequence number.
# The receiver must drop it, count it by reason, log it once, reset the
# connection, and change nothing; the link comes back and I/O goes on.
#
#   synod-c0 10.77.0.1 (leader)  \
#   synod-c1 10.77.0.2 (forger)  -- bridge synbr (root namespace)
#   synod-c2 10.77.0.3           /

load helpers
load cluster

VOL=r0
FORGE=/sys/module/synod/parameters/test_forge

setup() {
	synod_setup
	cluster_net 0 1 2
}

teardown() {
	cluster_teardown
	synod_teardown
}

# forge KIND FROM TO: ask node FROM's tx thread for peer TO to forge
forge() {
	echo $(( ($1 << 16) | ($2 << 8) | $3 )) > $FORGE
	wait_for 10 forge_taken
}
forge_taken() { [ "$(cat $FORGE)" = 0 ]; }

# resigned: the leader stepped down since the test began
resigned() { kernel_log_since_mark | grep -q "was promoted: stepping down"; }
# (a plain "! cmd" never fails a bats test)
not_resigned() { ! resigned; }

# rejected_or_resigned WHY N: node 0 counted N frames of node 1 as WHY,
# or (today's code) obeyed the forged frame
rejected_or_resigned() {
	resigned || peer_field_ge 0 $VOL 1 "rejected_$1" "$2"
}

# io_ok TAG: a 1 MiB write on the leader completes and reads back
io_ok() {
	local d f=$BATS_TEST_TMPDIR/io.$1
	d=$(dev_of 0 $VOL)
	head -c 1M /dev/urandom > "$f"
	timeout 60 dd if="$f" of="$d" bs=64k oflag=direct status=none
	cmp <(timeout 60 dd if="$d" bs=64k count=16 iflag=direct status=none) "$f"
}

# links_back N: node 1's link to node 0 went down and up again N times
# since the test began (tcp_tx.c logs both)
links_back() {
	[ "$(kernel_log_since_mark | grep -c "$VOL/1: link to node 0 up")" -ge "$1" ] &&
		[ "$(peer_field 0 $VOL 1 state)" = '"connected"' ]
}

@test "auth: a keyless STEPDOWN on the leader's link is dropped, counted, logged once; the leader stays" {
	cluster_create $VOL "0 1 2"
	settle_leader 0 $VOL 0 1 2
	io_ok before
	ballot=$(field 0 $VOL ballot)
	ups=$(kernel_log_since_mark | grep -c "$VOL/1: link to node 0 up")
	forge 1 1 0
	wait_for 20 rejected_or_resigned mac 1
	# the forged frame changed nothing in the replica
	not_resigned
	is_role 0 $VOL leader
	[ "$(field 0 $VOL ballot)" = "$ballot" ]
	# counted under its reason only, logged once
	[ "$(peer_field 0 $VOL 1 rejected_replay)" = 0 ]
	[ "$(peer_field 0 $VOL 1 rejected_order)" = 0 ]
	[ "$(kernel_log_since_mark |
	     grep -c "$VOL/0: dropped frame from node 1: bad MAC")" -eq 1 ]
	# the connection was reset and came back
	wait_for 20 links_back $((ups + 1))
	io_ok after
	wait_for 10 agreed_leader $VOL 0 1 2
	[ "$(field 0 $VOL leader)" = 0 ]
}

@test "auth: replayed, corrupted and out-of-sequence frames are dropped and counted by reason; I/O goes on" {
	cluster_create $VOL "0 1 2"
	settle_leader 0 $VOL 0 1 2
	ballot=$(field 0 $VOL ballot)
	ups=$(kernel_log_since_mark | grep -c "$VOL/1: link to node 0 up")

	forge 2 1 0	# replay the last frame
	wait_for 20 rejected_or_resigned replay 1
	wait_for 20 links_back $((ups + 1))
	io_ok replay

	forge 3 1 0	# a payload bit flipped after the MAC
	wait_for 20 rejected_or_resigned mac 1
	wait_for 20 links_back $((ups + 2))
	io_ok corrupt

	forge 4 1 0	# a sequence number skipped
	wait_for 20 rejected_or_resigned order 1
	wait_for 20 links_back $((ups + 3))
	io_ok skip

	[ "$(peer_field 0 $VOL 1 rejected_replay)" = 1 ]
	[ "$(peer_field 0 $VOL 1 rejected_mac)" = 1 ]
	[ "$(peer_field 0 $VOL 1 rejected_order)" = 1 ]
	for why in "replayed sequence" "bad MAC" "sequence gap"; do
		[ "$(kernel_log_since_mark |
		     grep -c "$VOL/0: dropped frame from node 1: $why")" -eq 1 ]
	done
	not_resigned
	is_role 0 $VOL leader
	[ "$(field 0 $VOL ballot)" = "$ballot" ]
	# the other links never saw anything wrong
	[ "$(peer_field 1 $VOL 0 rejected_mac)" = 0 ]
	[ "$(peer_field 2 $VOL 0 rejected_mac)" = 0 ]
}

planted() { kernel_log_since_mark | grep -q "$VOL/1: TEST: planting ref"; }

@test "auth: a member planting data under the leader's next ref changes nothing and is counted" {
	cluster_create $VOL "0 1 2"
	settle_leader 0 $VOL 0 1 2
	d0=$(dev_of 0 $VOL)
	head -c 4096 /dev/urandom > "$BATS_TEST_TMPDIR/a"
	head -c 4096 /dev/urandom > "$BATS_TEST_TMPDIR/b"
	# node 1 will send node 2 the next payload it gets, inverted, under
	# the ref the leader uses next
	forge 5 1 2
	dd if="$BATS_TEST_TMPDIR/a" of="$d0" bs=4k seek=10 count=1 oflag=direct status=none
	wait_for 20 planted
	sleep 1		# the planted frame reaches node 2 before the next write
	dd if="$BATS_TEST_TMPDIR/b" of="$d0" bs=4k seek=11 count=1 oflag=direct status=none
	wait_for 20 field_ge 2 $VOL applied_index "$(field 0 $VOL commit_index)"
	# node 2 holds the leader's bytes: let it lead and read them back
	settle_leader 2 $VOL 0 1 2
	d2=$(dev_of 2 $VOL)
	cmp <(dd if="$d2" bs=4k skip=10 count=1 iflag=direct status=none) "$BATS_TEST_TMPDIR/a"
	cmp <(dd if="$d2" bs=4k skip=11 count=1 iflag=direct status=none) "$BATS_TEST_TMPDIR/b"
	# the proposer's bytes won; the planter is counted, the leader not
	wait_for 20 peer_field_ge 2 $VOL 1 unbound 1
	[ "$(peer_field 2 $VOL 0 unbound)" = 0 ]
}
