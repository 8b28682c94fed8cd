#!/usr/bin/env bats
# A backing device that stalls must stall only its own volume.  A
# replica holds its lock across synchronous disk I/O (the superblock's
# FUA write of a new promise, data area writes; journal writes only once
# its next journal group is full); a command on that volume may wait for
# it, but status, create, delete and down of every other volume must
# not.  One network namespace, synod-c0 (cluster.bash), holding two
# replicated volumes whose peers never come up:
#
#   sa  node 0 of {0, 1} on a device-mapper linear device we suspend
#   sb  node 0 of {0, 1} on a loop device
#
# Every wait is bounded: a command that hangs in the kernel makes the test
# fail, and teardown resumes the device, which releases it.

load helpers
load cluster

DM=synod-stall
DM_UP=
# as in engine.bats: protocol timeouts scaled for a loaded TCG host
TIME_SCALE=4

setup() {
	synod_setup
	rmmod synod
	insmod "$KO" time_scale=$TIME_SCALE
	cluster_net 0
	export DM_DISABLE_UDEV=1
}

teardown() {
	local v
	# first of all: whatever hangs on the stalled device goes on
	[ -z "$DM_UP" ] || dmsetup resume --noudevsync "$DM" || true
	for v in sa sb sc; do
		ctl 0 volume down "$v" --force 2>/dev/null || true
		ctl 0 volume delete "$v" 2>/dev/null || true
	done
	for v in 1 2; do
		ctl $v volume delete sa 2>/dev/null || true
	done
	cluster_net_teardown
	dmsetup remove --noudevsync "$DM" 2>/dev/null || true
	synod_teardown
}

# bounded SECONDS CMD...: run CMD in the background and wait at most
# SECONDS for it (job_rc, helpers.bash); RC is its exit status, 124 if it
# still runs (blocked in the kernel, where timeout(1)'s signals cannot
# reach it).
bounded() {
	local secs=$1
	shift
	"$@" &
	job_rc $! "$secs"
}

# others_answer DEV: a status of sb, and a create of sc on DEV and its
# delete, each complete (successfully) within 10 s.
others_answer() {
	bounded 10 ctl 0 status sb
	[ "$RC" = 0 ]
	bounded 10 ctl 0 volume create sc --backing "$1"
	[ "$RC" = 0 ]
	bounded 10 ctl 0 volume delete sc
	[ "$RC" = 0 ]
}

@test "stall: a volume whose backing device stalls blocks no command on other volumes" {
	local l sz pa ps pd c i
	new_secret
	l=$(new_loop 64M)
	sz=$(blockdev --getsz "$l")
	dmsetup create "$DM" --noudevsync --table "0 $sz linear $l 0"
	replica_create_on sa 0 "0 1" "/dev/mapper/$DM"
	# sb listens on another port than sa
	ctl 0 volume create sb --backing "$(new_loop 64M)" --node 0 \
		--listen "$(addr 0):7791" --peer "1=$(addr 1):7791" \
		--secret-file "$SECRET_FILE" --cluster sb
	ctl 0 volume up sa
	ctl 0 volume up sb
	c=$(new_loop 16M)

	# sa's device queues every I/O from now on
	dmsetup suspend --noudevsync "$DM"
	DM_UP=1
	# promote campaigns once the restart wait after up is over (leases:
	# sa may have made a grant it forgot): the journal's group writer
	# writes the new promise to sa's superblock (FUA), which waits with
	# sa's replica lock dropped, so a status of sa still answers, and
	# shows the candidate ...
	ctl 0 volume promote sa &
	pa=$!
	wait_for 30 is_role 0 sa candidate
	bounded 10 ctl 0 status sa
	[ "$RC" = 0 ]
	# ... but a down of sa waits for that writer: it stays in the
	# kernel (looked at for at most 30 s).
	ctl 0 volume down sa &
	ps=$!
	for ((i = 0; i < 15; i++)); do
		sleep 2
		kill -0 $ps 2>/dev/null && break
	done
	kill -0 $ps		# really stalled: still in the kernel

	# everything else goes on
	others_answer "$c"
	bounded 10 ctl 0 volume down sb
	[ "$RC" = 0 ]
	# a delete of sa while a command holds it refuses, bounded, and says
	# why; while it waits, sa is gone for new commands: they fail at
	# once instead of pinning sa and making the delete wait for them
	ctl 0 volume delete sa &
	pd=$!
	sleep 1
	bounded 3 ctl 0 status sa
	[ "$RC" != 0 ]
	[ "$RC" != 124 ]
	wait_for 20 pid_gone $pd
	RC=0
	wait $pd || RC=$?
	[ "$RC" != 0 ]

	# the device comes back: sa's commands finish, sa answers again
	dmsetup resume --noudevsync "$DM"
	DM_UP=
	wait_for 20 pid_gone $pa
	wait_for 20 pid_gone $ps
	bounded 10 ctl 0 volume up sa
	bounded 10 ctl 0 status sa
	[ "$RC" = 0 ]
	[ "$(field 0 sa role)" != down ]
}

@test "stall: an attach on a stalled device blocks no command on other volumes" {
	local l sz c pa
	new_secret
	l=$(new_loop 64M)
	sz=$(blockdev --getsz "$l")
	dmsetup create "$DM" --noudevsync --table "0 $sz linear $l 0"
	replica_create_on sa 0 "0 1" "/dev/mapper/$DM"
	ctl 0 volume delete sa
	ctl 0 volume create sb --backing "$(new_loop 64M)"
	c=$(new_loop 16M)

	# attach reads sa's superblock and scans its journal: on a
	# suspended device that read waits until the device comes back
	dmsetup suspend --noudevsync "$DM"
	DM_UP=1
	ctl 0 volume attach sa --backing "/dev/mapper/$DM" \
		--secret-file "$SECRET_FILE" &
	pa=$!
	sleep 3
	kill -0 $pa		# really stalled: still in the kernel

	# everything else goes on; the name sa is taken while it attaches
	bounded 10 ctl 0 status
	[ "$RC" = 0 ]
	others_answer "$c"
	bounded 10 ctl 0 volume create sa --backing "$c"
	[ "$RC" != 0 ]
	[ "$RC" != 124 ]
	bounded 10 ctl 0 volume delete sa
	[ "$RC" != 0 ]
	[ "$RC" != 124 ]

	# the device comes back: the attach completes, sa is there
	dmsetup resume --noudevsync "$DM"
	DM_UP=
	wait_for 20 pid_gone $pa
	wait $pa
	bounded 10 ctl 0 status sa
	[ "$RC" = 0 ]
}

@test "stall: a forced down of a replica with applies not yet checkpointed ends on a stalled disk" {
	# A forced down (and a delete) writes nothing of its own, so that
	# it ends even if the disk stalls.  Going down, the payload store
	# gives back what it took beyond its floor, which needs a
	# checkpoint (a flush and a superblock write) to let the core
	# forget: a plain down writes one, a forced one must not.  Node 0,
	# a follower on the device we suspend, applies a few writes, fewer
	# than a periodic checkpoint's 64 slots and within its store's
	# floor (so no idle trim checkpoints them either), and then its
	# disk stalls.
	local l sz n
	cluster_net 1 2
	new_secret
	l=$(new_loop 64M)
	sz=$(blockdev --getsz "$l")
	dmsetup create "$DM" --noudevsync --table "0 $sz linear $l 0"
	replica_create_on sa 0 "0 1 2" "/dev/mapper/$DM"
	replica_create_on sa 1 "0 1 2" "$(new_loop 64M)"
	replica_create_on sa 2 "0 1 2" "$(new_loop 64M)"
	for n in 0 1 2; do ctl $n volume up sa; done
	settle_leader 1 sa 0 1 2
	dd if=/dev/urandom of="$(dev_of 1 sa)" bs=64k count=3 oflag=direct \
		2>/dev/null
	n=$(field 1 sa commit_index)
	wait_for 20 field_ge 0 sa applied_index "$n"
	dmsetup suspend --noudevsync "$DM"
	DM_UP=1
	bounded 10 ctl 0 volume down sa --force
	[ "$RC" = 0 ]
	[ "$(field 0 sa role)" = down ]
	dmsetup resume --noudevsync "$DM"
	DM_UP=
	# the others go on writing without it
	dd if=/dev/urandom of="$(dev_of 1 sa)" bs=4k count=16 oflag=direct
}
