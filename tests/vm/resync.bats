#!/usr/bin/env bats
# State transfer: a replica that fell further behind than any peer's log
# (128 slots) copies the data area chunk by chunk, compared by checksum,
# while writes go on; an interrupted transfer restarts on attach.  Three
# replicas in three network namespaces, as in cluster.bats.

load helpers
load cluster

VOL=r0

setup() {
	synod_setup
	cluster_net 0 1 2
}

teardown() {
	cluster_teardown
	synod_teardown
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

# md5 of node N's whole disk, read on the leader
disk_md5() {
	dd if="$(dev_of "$1" $VOL)" bs=1M iflag=direct 2>/dev/null | md5sum
}

@test "resync: a follower behind every log copies the data area while writes go on" {
	local d0 sum
	cluster_create $VOL "0 1 2"
	fall_behind
	d0=$(dev_of 0 $VOL)
	ctl 2 volume up $VOL
	# writes during the transfer, into chunks it may have copied already
	dd if=/dev/urandom of="$d0" bs=4k count=64 seek=2000 oflag=direct
	dd if=/dev/urandom of="$d0" bs=4k count=64 seek=50 oflag=direct
	wait_for 120 field_ge 2 $VOL resyncs 1
	ctl 2 status $VOL
	[ "$(field 2 $VOL resync)" = false ]
	dmesg | grep -q "$VOL: state transfer from node [01]: [0-9]* chunks"
	dmesg | grep "$VOL: state transfer from node [01] done"
	wait_for 20 field_ge 2 $VOL applied_index "$(field 0 $VOL commit_index)"
	sum=$(disk_md5 0)
	promote_and_wait 2 $VOL
	[ "$(disk_md5 2)" = "$sum" ]
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
	ctl 2 volume attach $VOL --backing "$LOOP_2"
	dmesg | grep -q "$VOL: a state transfer was interrupted"
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
