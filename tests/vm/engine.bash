# Helpers of engine.bats: slow and failing devices under one node
# (device-mapper maps over loop devices, null_blk with a volatile cache),
# status sampled while they are slow, background jobs with bounded waits.
# Sourced after helpers.bash and cluster.bash; uses their globals ($VOL,
# $KO, LOOP_n) and its own below, which the tests set (DM_DEVS,
# SLOW_JOURNAL, NB_DIR, NB_DEV: what teardown undoes).

# TCG VMs on a busy host stall for seconds, longer than an election
# timeout: every protocol timeout times 8 (engine_setup), as in the
# crash tests.  No test here depends on a timeout being short, only on
# its order.
TIME_SCALE=8
HUNG=/proc/sys/kernel/hung_task_timeout_secs
DM_DEVS=()
SLOW_JOURNAL=()
NB_DIR=
NB_DEV=

# engine_setup, engine_teardown: the setup and teardown of engine.bats
# and slowdisk.bats: the module reloaded at time_scale $TIME_SCALE, three
# namespaces; then every slow or failing device undone and removed.
engine_setup() {
	synod_setup
	reload_synod time_scale=$TIME_SCALE
	cluster_net 0 1 2
	HUNG_WAS=$(cat $HUNG 2>/dev/null || true)
}

engine_teardown() {
	local d
	# a journal still slowed would make the teardown's drain crawl
	if [ -n "${SLOW_JOURNAL[*]:-}" ]; then
		slow_journal "${SLOW_JOURNAL[@]}" 0 || true
	fi
	if [ -n "$NB_DIR" ]; then slow_flush synod-f0 "$NB_DEV" 0 || true; fi
	cluster_teardown
	for d in "${DM_DEVS[@]}"; do
		DM_DISABLE_UDEV=1 dmsetup remove --noudevsync "$d" || true
	done
	if [ -n "$NB_DIR" ]; then
		echo 0 > "$NB_DIR/power" || true
		rmdir "$NB_DIR" || true
		rmmod null_blk || true
	fi
	[ -z "$HUNG_WAS" ] || echo "$HUNG_WAS" > $HUNG
	synod_teardown
}

# Reload the module with PARAM=VALUE... (those of the test build).
reload_synod() {
	rmmod synod
	insmod "$KO" "$@"
}

# A warning a test caused on purpose is not a kernel complaint: mark the
# log again so that teardown only checks what comes after.
remark_log() {
	SYNOD_MARK="synod-test: again $BATS_TEST_NUMBER $$ $RANDOM"
	echo "$SYNOD_MARK" > /dev/kmsg
}

# Nothing of the pattern is anywhere on nodes 1 and 2, journal included.
followers_clean() {
	local n l
	for n in 1 2; do
		l=LOOP_$n
		blockdev --flushbufs "${!l}"
		if grep -q SYNOD-OUT-OF-RANGE "${!l}"; then
			echo "node $n's disk holds the write" >&2
			return 1
		fi
	done
}

# others_go_on_without_1: node 1 fenced itself, and its promote asked
# node 0 to step down first: nodes 0 and 2 elect one of them, which
# commits a write without node 1 (within 60 s), and node 1 stays down.
others_go_on_without_1() {
	local d l='' n pid rc
	wait_for 60 some_leader $VOL 0 2
	for n in 0 2; do is_role $n $VOL leader && l=$n; done
	[ -n "$l" ]
	d=$(dev_of "$l" $VOL)
	dd if=/dev/urandom of="$d" bs=4k count=16 oflag=direct &
	pid=$!
	job_rc $pid 60; rc=$RC
	echo "dd on node $l: $rc"
	[ "$rc" = 0 ]
	[ "$(field 1 $VOL role)" = down ]
}

# dm_cluster DM [DEV]: volume $VOL on three nodes, node 0's backing
# device a device-mapper linear map DM of DEV or a new loop device (so
# that a test can swap its table), node 0 leading.  Sets DMC_LOOP (what
# DM maps) and DMC_DEV (node 0's disk).
dm_cluster() {
	export DM_DISABLE_UDEV=1
	new_secret
	DMC_LOOP=${2:-$(new_loop 64M)}
	dmsetup create "$1" --noudevsync \
		--table "0 $(blockdev --getsz "$DMC_LOOP") linear $DMC_LOOP 0"
	DM_DEVS+=("$1")
	replica_create_on $VOL 0 "0 1 2" "/dev/mapper/$1"
	replica_create $VOL 1 "0 1 2"
	replica_create $VOL 2 "0 1 2"
	for n in 0 1 2; do ctl $n volume up $VOL; done
	settle_leader 0 $VOL 0 1 2
	DMC_DEV=$(dev_of 0 $VOL)
}

# journal_ring DEV: "START SECTORS" of the journal ring on DEV, from its
# superblock (journal_offset at 0x60, journal_size at 0x68, in bytes;
# Documentation/ondisk.rst), read past the page cache.
journal_ring() {
	dd if="$1" bs=4096 count=1 iflag=direct status=none |
		od -An -t u8 -j 96 -N 16 |
		awk '{ print $1 / 512, $2 / 512 }'
}

# data_area DEV: "START SECTORS" of the data area on DEV, from its
# superblock (data_offset at 0x30, data_size at 0x38, in bytes).
data_area() {
	dd if="$1" bs=4096 count=1 iflag=direct status=none |
		od -An -t u8 -j 48 -N 16 |
		awk '{ print $1 / 512, $2 / 512 }'
}

# slow_journal DM LOOP START SECTORS MS [READ_MS]: DM (a linear map of
# LOOP) delays every write to sectors START..START+SECTORS (the journal
# ring, or the data area) by MS ms from now on, and every read of them by
# READ_MS (0: none); flushes of the range, and everything outside it, go
# straight through.
slow_journal() {
	local dm=$1 l=$2 s=$3 n=$4 sz table='' rc=0
	sz=$(blockdev --getsz "$l")
	# the superblock starts at sector 0: no linear part before it
	[ "$s" = 0 ] || table="0 $s linear $l 0
"
	table="$table$s $n delay $l $s ${6:-0} $l $s $5 $l $s 0"
	# the data area may end where the device does
	[ $((s + n)) -ge "$sz" ] ||
		table="$table
$((s + n)) $((sz - s - n)) linear $l $((s + n))"
	dmsetup suspend --noudevsync "$dm"
	# resumed whatever happens: a device left suspended hangs its I/O
	echo "$table" | dmsetup load "$dm" || rc=$?
	dmsetup resume --noudevsync "$dm"
	return $rc
}

# delayed_writes DM: writes the delay target of DM holds right now
delayed_writes() {
	dmsetup status "$1" | awk '$3 == "delay" { print $5 }'
}

# delayed_reads DM: reads the delay target of DM holds right now
delayed_reads() {
	dmsetup status "$1" | awk '$3 == "delay" { print $4 }'
}

# status_ms N: how long a status of node N's volume takes, in ms
status_ms() {
	local t0 t1
	t0=$(date +%s%N)
	ctl "$1" status $VOL >/dev/null
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

# slow_journal_cluster: volume $VOL on three nodes, node 0's backing
# device a device-mapper map synod-j0 of a loop device (so that its
# journal ring can be slowed), node 0 leading.  Sets SJ_DM, SJ_LOOP,
# SJ_RING ("START SECTORS") and SJ_DEV (node 0's disk).
slow_journal_cluster() {
	SJ_DM=synod-j0
	dm_cluster $SJ_DM
	SJ_LOOP=$DMC_LOOP
	SJ_DEV=$DMC_DEV
	SJ_RING=$(journal_ring "$SJ_LOOP")
	echo "journal ring (sectors): $SJ_RING"
}

# slow_fio DEPTH SECONDS [FIO OPTION...]: 4 KiB random writes to node 0's
# disk in the background, DEPTH in flight, for SECONDS; sets FIO_PID
slow_fio() {
	# the debug kernel (tests/debug) runs several times slower: the
	# setup after fio starts (a quorum, commits, the delay switched on)
	# took longer than 40 s there, and the samples found fio gone
	local depth=$1 secs=$(($2 * ${SYNOD_DEBUG_TIME_SCALE:-1}))
	shift 2
	fio --name=w --filename="$SJ_DEV" --rw=randwrite --bs=4k --size=16M \
		--direct=1 --ioengine=libaio --iodepth="$depth" "$@" \
		--time_based --runtime="$secs" --output="$BATS_TEST_TMPDIR/fio" &
	# shellcheck disable=SC2034 # FIO_PID is for the tests
	FIO_PID=$!
}

# warm_up N: N 4 KiB writes to node 0's disk ($SJ_DEV), one at a
# time, blocks 0 to N - 1: N slots chosen
warm_up() {
	local i
	for ((i = 0; i < $1; i++)); do
		dd if=/dev/urandom of="$SJ_DEV" bs=4k seek="$i" count=1 \
			oflag=direct status=none
	done
}

# promised_to N L: the highest ballot node N has seen is node L's
# (round << 8 | node id): the core promises it as it sees it, and the
# promise leaves once written
promised_to() {
	local b
	b=$(field "$1" $VOL ballot)
	[ -n "$b" ] || return 1
	[ $((b & 255)) = "$2" ]
}

# delayed_is_held DM: the delay target of DM holds a write right now
delayed_is_held() {
	[ "$(delayed_writes "$1")" -ge 1 ]
}

# node_follows N L: node N is a follower of node L
node_follows() {
	[ "$(field "$1" $VOL role)" = follower ] &&
		[ "$(field "$1" $VOL leader)" = "$2" ]
}

# sample_status N WHAT CMD...: N times, a second apart, time a status of
# node 0 (and of node 1, for comparison: what TCG alone costs) and ask
# CMD how many I/Os (WHAT, for the log) a delay target holds right now.
# Sets MAX, the slowest of node 0's, in ms, and BUSY, how many samples
# found the delay holding something.
sample_status() {
	local n=$1 what=$2 i ms held
	shift 2
	MAX=0 BUSY=0
	for ((i = 0; i < n; i++)); do
		held=$("$@")
		ms=$(status_ms 0)
		echo "status: $ms ms ($held $what held in the delay; node 1: $(status_ms 1) ms)"
		[ "$ms" -le "$MAX" ] || MAX=$ms
		[ "${held:-0}" = 0 ] || BUSY=$((BUSY + 1))
		sleep 1
	done
}

# status_under_delay N WHAT MIN DELAY_MS CMD...: node 0's disk has just
# begun to hold WHAT (journal writes, flushes, superblock writes) for
# DELAY_MS each while fio ($FIO_PID) writes.  Sample a status of node 0
# N times (sample_status, CMD counting what the delay holds), wait for
# fio, then check what the slow-disk tests of slowdisk.bats check: node
# 0 still leads in its ballot (a leader that held its lock across such a
# write sent no heartbeat meanwhile and was deposed), the delay held
# WHAT in 3 samples or more, MIN more slots were chosen meanwhile, every
# status answered in under half the delay, fio ended without an error.
# The slowest status goes to the TAP stream.
status_under_delay() {
	local n=$1 what=$2 min=$3 delay_ms=$4 ballot c0 c1 rc
	shift 4
	ballot=$(field 0 $VOL ballot)
	c0=$(field 0 $VOL commit_index)
	sample_status "$n" "$what" "$@"
	c1=$(field 0 $VOL commit_index)
	job_rc "$FIO_PID" 180; rc=$RC
	cat "$BATS_TEST_TMPDIR/fio"
	echo "fio: exit $rc; slowest status $MAX ms; $BUSY of $n with $what held; commit_index $c0 -> $c1"
	echo "# slow $what: slowest status $MAX ms, each held $delay_ms ms" >&3
	leader_kept "$ballot" || return 1
	[ "$BUSY" -ge 3 ] || return 1
	[ "$c1" -ge $((c0 + min)) ] || return 1
	[ "$MAX" -lt $((delay_ms / 2)) ] || return 1
	[ "$rc" = 0 ] || return 1
	grep -Eq "err= *0" "$BATS_TEST_TMPDIR/fio"
}

# down_clean N ERE: take node N's volume down; its down lines (joined,
# the last set) match ERE, and the kernel log since the mark shows no
# fence and no hung task.  The line is kept in $BATS_TEST_TMPDIR/down.
down_clean() {
	ctl "$1" volume down $VOL
	down_lines | grep "$VOL: down; frames dropped" | tail -n 1 > "$BATS_TEST_TMPDIR/down"
	cat "$BATS_TEST_TMPDIR/down"
	grep -Eq "$2" "$BATS_TEST_TMPDIR/down" || return 1
	if kernel_log_since_mark | grep -E "fenced|blocked for more than"; then
		return 1
	fi
}

# leader_kept BALLOT: node 0 still leads, in BALLOT, and nodes 1 and 2
# follow it: nobody campaigned
leader_kept() {
	[ "$(field 0 $VOL role)" = leader ] || return 1
	[ "$(field 0 $VOL ballot)" = "$1" ] || return 1
	for n in 1 2; do [ "$(field $n $VOL leader)" = 0 ] || return 1; done
}

# slow_journal_on MS: from now on node 0's journal writes take MS ms
# (undone by teardown)
slow_journal_on() {
	# shellcheck disable=SC2086
	slow_journal "$SJ_DM" "$SJ_LOOP" $SJ_RING "$1"
	# shellcheck disable=SC2206,SC2034 # teardown reads SLOW_JOURNAL
	SLOW_JOURNAL=("$SJ_DM" "$SJ_LOOP" $SJ_RING)
}

# nullb_cached: a memory-backed null_blk disk of 64 MiB with a volatile
# write cache of 16 MiB (written back on a flush, FUA honoured); sets
# NB_DIR (its configfs directory, undone by teardown) and NB_DEV.  Not
# a loop device: that has a cache but no FUA, so the block layer above
# it turns each FUA write into a write and a flush, and a delay on
# flushes would slow every journal write too.
nullb_cached() {
	modprobe null_blk nr_devices=0
	mountpoint -q /sys/kernel/config ||
		mount -t configfs none /sys/kernel/config
	# 6.12 names the disk after the directory, 6.1 nullb<index>: the
	# first device of a fresh module is nullb0 either way
	NB_DIR=/sys/kernel/config/nullb/nullb0
	mkdir "$NB_DIR"
	echo 64 > "$NB_DIR/size"
	echo 1 > "$NB_DIR/memory_backed"
	echo 16 > "$NB_DIR/cache_size"
	echo 1 > "$NB_DIR/power"
	NB_DEV=/dev/nullb0
	wait_for 10 test -b "$NB_DEV"
}

# slow_flush DM DEV MS: DM (a map of all of DEV) delays every cache
# flush by MS ms from now on (0: none); reads and writes, FUA ones too,
# go straight through.
slow_flush() {
	local rc=0 sz
	sz=$(blockdev --getsz "$2")
	dmsetup suspend --noudevsync "$1"
	echo "0 $sz delay $2 0 0 $2 0 0 $2 0 $3" | dmsetup load "$1" || rc=$?
	dmsetup resume --noudevsync "$1"
	return $rc
}

# delayed_flushes DM: flushes the delay target of DM holds right now
delayed_flushes() {
	dmsetup status "$1" | awk '$3 == "delay" { print $6 }'
}

# slow_sb_on MS: from now on node 0's writes to its superblock (both
# copies: sectors 0 to 16, Documentation/ondisk.rst) take MS ms (undone
# by teardown)
slow_sb_on() {
	slow_journal "$SJ_DM" "$SJ_LOOP" 0 16 "$1"
	# shellcheck disable=SC2034 # teardown reads SLOW_JOURNAL
	SLOW_JOURNAL=("$SJ_DM" "$SJ_LOOP" 0 16)
}

# slow_data_on MS: from now on node 0's writes to its data area take MS
# ms (undone by teardown)
slow_data_on() {
	local range
	range=$(data_area "$SJ_LOOP")
	echo "data area (sectors): $range"
	# shellcheck disable=SC2086
	slow_journal "$SJ_DM" "$SJ_LOOP" $range "$1"
	# shellcheck disable=SC2206,SC2034 # teardown reads SLOW_JOURNAL
	SLOW_JOURNAL=("$SJ_DM" "$SJ_LOOP" $range)
}

# slow_reads_on MS: every read of node 0's data area takes MS ms from
# now on (slow_journal_cluster); its writes go straight through
slow_reads_on() {
	local range
	range=$(data_area "$SJ_LOOP")
	echo "data area (sectors): $range"
	# shellcheck disable=SC2086
	slow_journal "$SJ_DM" "$SJ_LOOP" $range 0 "$1"
	# shellcheck disable=SC2206,SC2034 # teardown reads SLOW_JOURNAL
	SLOW_JOURNAL=("$SJ_DM" "$SJ_LOOP" $range)
}

# block4k N DEV: 4 KiB block N of DEV (O_DIRECT, past any cache)
block4k() {
	dd if="$2" bs=4096 skip="$1" count=1 iflag=direct status=none
}

# put4k N FILE DEV: write FILE (4 KiB) as block N of DEV, O_DIRECT
put4k() {
	dd if="$2" of="$3" bs=4096 seek="$1" count=1 oflag=direct \
		conv=notrunc status=none
}

# still_held PID: the background write PID has not completed (a setup
# check: the cut did leave its outcome unknown)
still_held() {
	if pid_gone "$1"; then
		echo "setup: the write to node 0 was not held" >&2
		return 1
	fi
}

# lead_and_finish PID WHAT: node 0 leads again; the held write PID
# completes, successfully
lead_and_finish() {
	settle_leader 0 $VOL 0 1 2
	job_rc "$1" 60
	echo "held write, $2: exit $RC"
	[ "$RC" = 0 ]
}

# new_leader_of VOLUME NODES...: wait for one of NODES to lead, agreed by
# all of them; print it
new_leader_of() {
	local vol=$1 l
	shift
	wait_for 60 some_leader "$vol" "$@" >&2 || return 1
	for l in "$@"; do is_role "$l" "$vol" leader && break; done
	wait_for 30 agreed_leader "$vol" "$@" >&2 || return 1
	echo "$l"
}

# three_on_loops_node2_down: the module reloaded at $TIME_SCALE, $VOL on
# three 160 MiB loop devices, node 0 leading, node 2 taken down (the
# 1 MiB follower-down tests of engine.bats)
three_on_loops_node2_down() {
	local n
	reload_synod time_scale=$TIME_SCALE
	new_secret
	for n in 0 1 2; do
		replica_create_on $VOL $n "0 1 2" "$(new_loop 160M)"
	done
	for n in 0 1 2; do ctl $n volume up $VOL; done
	settle_leader 0 $VOL 0 1 2
	ctl 2 volume down $VOL
}
