# shellcheck shell=bash
# Disk nemeses: every replica's backing is a device-mapper table over a
# loop device, in three linear segments (superblock copies, journal ring,
# the rest with the data area) so that one segment or the whole table can
# be swapped for a faulty target with dmsetup load/resume, and back.
# Offsets come from the superblock the create wrote (Documentation/
# ondisk.rst: data_offset at 0x30, journal_offset 0x60, journal_size 0x68).
#
# Corruption and lost writes go on the journal segment only: the data area
# has no checksums of its own, so a lying data area gives wrong reads by
# design (plan "Facts"); on 6.1 dm-flakey corrupts a write bio's pages in
# place (synod's own buffers), so only read corruption is used.
# Sourced by guest.bash: globals (seed, quiet, stale, VOL, NODES, NEM_TMP,
# SCEN_DIR, DM_*, FAULTS, DEFERRED, ...) are shared across these files.
# shellcheck disable=SC2034,SC2154

declare -A DM_LOOP=() DM_STATE=()
DM_SZ='' DM_JOFF='' DM_JLEN='' DM_DOFF=''

# dm_backing N: a 64 MiB loop device under /dev/mapper/nemN, linear
dm_backing() {
	local l
	l=$(new_loop 64M) || return 1
	DM_LOOP[$1]=$l
	DM_SZ=$(blockdev --getsz "$l")
	dmsetup create "nem$1" --noudevsync --table "0 $DM_SZ linear $l 0" || return 1
	DM_STATE[$1]=linear
}

# sb_u64 DEV OFFSET: a little-endian u64 of superblock copy 0
sb_u64() {
	dd if="$1" bs=4096 count=1 iflag=direct 2>/dev/null |
		od -An -t u8 -j "$2" -N 8 | tr -d ' '
}

# dm_layout N: read the journal and data offsets node N's create wrote,
# check them, and load the three-segment linear table
dm_layout() {
	local l=${DM_LOOP[$1]} j js d
	d=$(sb_u64 "$l" 48)
	j=$(sb_u64 "$l" 96)
	js=$(sb_u64 "$l" 104)
	if ! [ "${j:-0}" -gt 0 ] || [ $((j % 512 + js % 512 + d % 512)) != 0 ] ||
		[ $((j + js)) -gt "$d" ] || [ $((d / 512)) -ge "$DM_SZ" ]; then
		echo "nemesis: node $1: odd layout journal $j+$js data $d" >&2
		return 1
	fi
	DM_JOFF=$((j / 512)) DM_JLEN=$((js / 512)) DM_DOFF=$((d / 512))
	dm_swap "$1" linear
}

# dm_table N KIND [ARGS]: the table text of node N for a state
#   linear | error | delay MS | flakey FEATURES... (on the journal only)
dm_table() {
	local n=$1 kind=$2 l=${DM_LOOP[$1]} jend=$((DM_JOFF + DM_JLEN))
	shift 2
	case "$kind" in
	error) echo "0 $DM_SZ error" ;;
	delay) echo "0 $DM_SZ delay $l 0 $1" ;;
	linear | flakey)
		echo "0 $DM_JOFF linear $l 0"
		if [ "$kind" = linear ]; then
			echo "$DM_JOFF $DM_JLEN linear $l $DM_JOFF"
		else
			# up 0 s, down 1 s: always in the "down" state
			echo "$DM_JOFF $DM_JLEN flakey $l $DM_JOFF 0 1 $*"
		fi
		echo "$jend $((DM_SZ - jend)) linear $l $jend" ;;
	esac
}

# dm_swap N KIND [ARGS]: swap node N's table under I/O (in-flight I/O is
# requeued, not flushed, and meets the new table)
dm_swap() {
	local n=$1
	dm_table "$@" > "$NEM_TMP/table$n" || return 1
	dmsetup suspend --noflush --noudevsync "nem$n" &&
		dmsetup load "nem$n" "$NEM_TMP/table$n" &&
		dmsetup resume --noudevsync "nem$n" || {
		nem_log "dm_swap node $n to $2 failed"
		dmsetup resume --noudevsync "nem$n"
		return 1
	}
	DM_STATE[$n]=$2
}

dm_remove_all() {
	local n
	for n in "${!DM_LOOP[@]}"; do
		dmsetup resume --noudevsync "nem$n" 2>/dev/null
		dmsetup remove --noudevsync "nem$n" 2>/dev/null
		losetup -d "${DM_LOOP[$n]}" 2>/dev/null
	done
	DM_LOOP=() DM_STATE=()
}

# dm_heal_all: every table back to linear
dm_heal_all() {
	local n
	for n in "${!DM_STATE[@]}"; do
		[ "${DM_STATE[$n]}" = linear ] || dm_swap "$n" linear
	done
}

declare -A DEFERRED=()
# restart_node N: down --force, delete, attach, up: what brings back a
# replica whose disk failed (a fenced replica fails I/O "until the volume
# is attached again", kmod/fence.c).  A disk still open cannot be deleted:
# the --hold-fd reader keeps the first leader's open for the whole run, so
# that node's restart waits for the end of the workload (DEFERRED).
restart_node() {
	local n=$1 i msg=
	ctl "$n" volume down $VOL --force 2>/dev/null
	for ((i = 0; i < 20; i++)); do
		msg=$(ctl "$n" volume delete $VOL 2>&1) && break
		if [[ $msg == *"in use"* ]] && [ "$n" = "${HOLD_NODE:-}" ] && [ -n "$WL_PID" ]; then
			DEFERRED[$n]=1
			nem_log "restart node $n deferred to the end: $msg"
			return 0
		fi
		sleep 1
	done
	[ "$i" -lt 20 ] || { nem_log "restart node $n: delete refused: $msg"; return 1; }
	msg=$(ctl "$n" volume attach $VOL --backing "/dev/mapper/nem$n" \
		--secret-file "$SECRET_FILE" 2>&1) || {
		nem_log "restart node $n: attach failed: $msg"
		return 1
	}
	ctl "$n" volume up $VOL || { nem_log "restart node $n: up failed"; return 1; }
	unset "DEFERRED[$n]"
	set_dev_link "$n"
	nem_log "restarted node $n: $msg"
}

# caught_up N: node N is up, not resyncing, and has applied what the
# leader committed (when a leader is known)
caught_up() {
	local n=$1 l c a
	[ "$(field "$n" $VOL resync)" = false ] || return 1
	[ "$(field "$n" $VOL catchup)" = 0 ] || return 1
	l=$(leader_now) || return 1
	c=$(field "$l" $VOL commit_index)
	a=$(field "$n" $VOL applied_index)
	[ -n "$a" ] && [ -n "$c" ] && [ "$a" -ge "$c" ]
}

# not_hold N: N unless it holds the --hold-fd reader (whose restart would
# wait for the end), else the other follower
not_hold() {
	local l o
	if [ "$1" != "${HOLD_NODE:-}" ]; then
		NEM_NODE=$1
		return
	fi
	l=$(leader_now) || l=
	for o in $(others "$1"); do
		[ "$o" != "$l" ] && { NEM_NODE=$o; return; }
	done
	NEM_NODE=$1
}

# disk_round KIND NODE DUR PARAM
disk_round() {
	local kind=$1 n=$2 dur=$3 p=$4 l
	case "$kind" in
	dm-error-follower | flakey-*) not_hold "$n"; n=$NEM_NODE ;;
	esac
	l=$(leader_now) || l=none
	# 6.1's dm-flakey corrupts a read after completion, walking the
	# used-up iterator: nothing changes (Documentation/nemesis.rst)
	if [ "$kind" = flakey-corrupt ] && [[ "$(uname -r)" == 6.1.* ]]; then
		nem_log "flakey-corrupt is a no-op in 6.1's dm-flakey: counted as flakey-corrupt-noop"
		count_fault flakey-corrupt-noop
	else
		count_fault "$kind"
	fi
	case "$kind" in
	dm-error-leader | dm-error-follower)
		nem_log "inject $kind node $n (leader $l)"
		dm_swap "$n" error
		sleep "$dur"
		dm_swap "$n" linear
		nem_log "heal $kind node $n: linear, restart"
		restart_node "$n" ;;
	dm-delay)
		nem_log "inject $kind node $n ${p} ms (leader $l)"
		dm_swap "$n" delay "$p"
		sleep "$dur"
		dm_swap "$n" linear
		nem_log "heal $kind node $n"
		[ "$(field "$n" $VOL role)" = down ] && restart_node "$n" ;;
	flakey-error-writes)
		nem_log "inject $kind node $n journal (leader $l)"
		dm_swap "$n" flakey 1 error_writes
		sleep "$dur"
		dm_swap "$n" linear
		nem_log "heal $kind node $n"
		[ "$(field "$n" $VOL role)" = down ] && restart_node "$n" ;;
	flakey-corrupt)
		# journal reads happen at attach (recovery): restart under it
		nem_log "inject $kind node $n journal byte $p of every read bio, restart (leader $l)"
		dm_swap "$n" flakey 5 corrupt_bio_byte "$p" r 255 0
		restart_node "$n"
		sleep "$dur"
		dm_swap "$n" linear
		nem_log "heal $kind node $n: linear, restart"
		restart_node "$n" ;;
	flakey-drop-writes)
		# the lying disk: one follower, and nothing else until it has
		# been restarted and has caught up (the budget rule)
		nem_log "inject $kind node $n journal (leader $l)"
		dm_swap "$n" flakey 1 drop_writes
		sleep "$dur"
		dm_swap "$n" linear
		nem_log "heal $kind node $n: linear, restart, catch up"
		restart_node "$n"
		wait_for 120 caught_up "$n" || nem_log "node $n did not catch up after $kind" ;;
	esac
}
