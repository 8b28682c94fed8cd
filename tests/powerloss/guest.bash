#!/bin/bash
# Guest side of the power-loss tests (Documentation/powerloss.rst), run by
# tests/powerloss/run.sh inside one scripts/vm guest, as root.
#
#   guest.bash ext4 OUT [nobarrier]
#   guest.bash ext4-control OUT   (ext4 with and without barriers)
#   guest.bash synod OUT KERNEL SEED SWEEP KNOB(0|1)
#   guest.bash all OUT KERNEL SEED SWEEP KNOB     (ext4, then synod)
#   guest.bash full OUT KERNEL SEED SWEEP         (ext4 and its control,
#              synod, then synod with test_journal_no_flush: must fail)
#
# OUT is the writable run directory (results go there).  /dev/vda is a
# scratch disk from the host (sparse): every loop file, log and replayed
# image lives on it, not in the guest's RAM.
#
#   data file --loop--> lwN (dm-log-writes) --> synod backing / ext4
#   log file  --loop--/
#
# dm-log-writes logs a plain write only once a later PREFLUSH completed, a
# FUA write when it completes, a mark at once: replaying the log up to an
# entry gives what a disk with a volatile cache held had power failed
# there (tests/powerloss/lwreplay.c).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
B=${B:-$top/build}
LWREPLAY=$B/tests/lwreplay
WORK=/mnt/powerloss
export DM_DISABLE_UDEV=1
# shellcheck source=../lib/tap.bash
. "$top/tests/lib/tap.bash"

say() { echo "# $*"; }

# scratch: the host's sparse disk as ext4 at $WORK
scratch() {
	local i
	# the initramfs loads no drivers: the disk appears once virtio_blk
	# is loaded (within 10 s)
	modprobe virtio_blk
	for ((i = 0; i < 50; i++)); do
		if [ -b /dev/vda ]; then break; fi
		sleep 0.2
	done
	[ -b /dev/vda ] || { echo "powerloss: no /dev/vda" >&2; return 1; }
	modprobe loop
	modprobe dm-log-writes
	mountpoint -q "$WORK" && umount -l "$WORK"
	dmsetup remove_all --noudevsync 2>/dev/null
	losetup -D
	mkfs.ext4 -q -F /dev/vda || return 1
	mkdir -p "$WORK" && mount /dev/vda "$WORK"
}

# lw_create NAME SIZE LOGSIZE: sparse data and log files, loop devices,
# and /dev/mapper/NAME = log-writes over them.
lw_create() {
	local name=$1 data log
	truncate -s "$2" "$WORK/$name.data" && truncate -s "$3" "$WORK/$name.log"
	data=$(losetup -f --show "$WORK/$name.data") || return 1
	log=$(losetup -f --show "$WORK/$name.log") || return 1
	dmsetup create --noudevsync "$name" --table \
		"0 $(blockdev --getsz "$data") log-writes $data $log"
}

# lw_remove NAME: remove the target (it logs its end mark and super
# block) and detach the loops; the log file is then complete.
lw_remove() {
	local l
	dmsetup remove --noudevsync "$1" || return 1
	for l in $(losetup -j "$WORK/$1.data" -O NAME -n) \
		 $(losetup -j "$WORK/$1.log" -O NAME -n); do
		losetup -d "$l"
	done
}

mark() { dmsetup message "$1" 0 mark "$2"; }

# ---- ext4: the tool's own proof ------------------------------------------

# ext4_write_files N DIR LIST: N files of random size, each fsync'd with
# its directory, then a mark; unsynced junk between them.  LIST gets
# "mark file sha256" lines.
ext4_write_files() {
	local n=$1 dir=$2 list=$3 i sz
	for ((i = 1; i <= n; i++)); do
		sz=$((16 + RANDOM % 240))
		head -c "${sz}K" /dev/urandom > "$dir/f$i"
		sync "$dir/f$i" "$dir"
		echo "m$i f$i $(sha256sum < "$dir/f$i" | cut -d' ' -f1)" >> "$list"
		head -c 64K /dev/urandom > "$dir/junk$i"	# never synced
		mark lw0 "m$i"
	done
}

# ext4_check_image IMG MARK LIST: mount (the journal replays), every file
# of LIST up to MARK present with its checksum, unmount, e2fsck -fn clean.
ext4_check_image() {
	local img=$1 upto=$2 list=$3 m f sum bad=0
	mkdir -p "$WORK/chk"
	if ! mount -o loop "$img" "$WORK/chk"; then
		say "$upto: mount failed"
		return 1
	fi
	while read -r m f sum; do
		if [ "$(sha256sum < "$WORK/chk/$f" 2>/dev/null | cut -d' ' -f1)" != "$sum" ]; then
			say "$upto: $f (fsync'd before $m) missing or wrong"
			bad=1
		fi
		[ "$m" = "$upto" ] && break
	done < "$list"
	umount "$WORK/chk" || bad=1
	if ! e2fsck -fn "$img" > "$WORK/fsck.out" 2>&1; then
		say "$upto: e2fsck -fn:"
		sed 's/^/#   /' "$WORK/fsck.out" | tail -n 20
		bad=1
	fi
	return $bad
}

# guest.bash ext4 OUT [nobarrier]: ext4 on dm-log-writes, fsync'd files
# and marks, every mark and some flush points replayed and checked.
# With nobarrier ext4 sends no flush: the replays must find files lost.
mode_ext4() {
	local out=$1 opt=${2:-} list=$WORK/files nf=8 m bad=0 e flushes size
	local img=$WORK/img
	scratch || return 1
	lw_create lw0 256M 1G || return 1
	size=$((256 << 20))
	mkfs.ext4 -q -E nodiscard /dev/mapper/lw0 || return 1
	mark lw0 mkfs
	mkdir -p "$WORK/fs"
	mount ${opt:+-o "$opt"} /dev/mapper/lw0 "$WORK/fs" || return 1
	: > "$list"
	ext4_write_files "$nf" "$WORK/fs" "$list"
	umount "$WORK/fs"
	lw_remove lw0 || return 1
	"$LWREPLAY" list "$WORK/lw0.log" > "$WORK/list" || return 1
	say "log: $(head -n 1 "$WORK/list"), $(grep -c ' MARK ' "$WORK/list") marks," \
		"$(grep -cE ' (FLUSH|FUA|FLUSH\|FUA)( |\|)' "$WORK/list") flush/FUA entries"
	for ((m = 1; m <= nf; m++)); do
		"$LWREPLAY" replay "$WORK/lw0.log" "$img" --size "$size" \
			--to-mark "m$m" > /dev/null || return 1
		ext4_check_image "$img" "m$m" "$list" || bad=$((bad + 1))
	done
	# generic/482 style: every FLUSH or FUA entry after mkfs, sampled
	flushes=$(awk '$2 == "MARK" && $5 == "mkfs" { on = 1 }
		on && $2 ~ /FLUSH|FUA/ { print $1 }' "$WORK/list" |
		awk 'NR % 7 == 1')
	for e in $flushes; do
		"$LWREPLAY" replay "$WORK/lw0.log" "$img" --size "$size" \
			--to-entry "$e" > /dev/null || return 1
		ext4_check_image "$img" "entry$e" /dev/null || bad=$((bad + 1))
	done
	echo "ext4 ${opt:-barrier}: $nf marks, $(echo "$flushes" | wc -w) flush points, $bad failed" \
		> "$out/ext4.result"
	tap "$bad" "ext4${opt:+ -o $opt} on dm-log-writes, replayed to $nf marks and $(echo "$flushes" | wc -w) flush points: fsync'd files there, e2fsck -fn clean"
	umount "$WORK"
	[ "$bad" -eq 0 ]
}

# guest.bash ext4-control OUT: the proof, then the same with nobarrier,
# which must fail (fsync'd files lost): the check can tell.
mode_ext4_control() {
	local rc
	mode_ext4 "$1" || return 1
	# a subshell: its own "not ok" must not count (n, failed)
	(mode_ext4 "$1" nobarrier) > "$WORK.nobarrier.out" 2>&1
	grep -E "missing or wrong|e2fsck|mount failed" "$WORK.nobarrier.out" | head -n 5
	grep -q "missing or wrong" "$WORK.nobarrier.out"
	rc=$?
	tap $rc "ext4 -o nobarrier (no flushes): the same replays find fsync'd files lost"
}

mode=${1:?guest.bash ext4|ext4-control|synod|all OUT ...}
shift
case "$mode" in
ext4)
	mode_ext4 "$@"
	;;
ext4-control)
	mode_ext4_control "$@"
	;;
synod|all)
	# shellcheck source=synod.bash
	. "$here/synod.bash"
	rc=0
	if [ "$mode" = all ]; then
		mode_ext4 "$1" || rc=1
	fi
	mode_synod "$@" || rc=1
	exit $rc
	;;
full)
	# shellcheck source=synod.bash
	. "$here/synod.bash"
	rc=0
	mode_ext4_control "$1" || rc=1
	mode_synod "$1" "$2" "$3" "$4" 0 || rc=1
	pl_cleanup
	mkdir -p "$1/knob"
	say "the control: test_journal_no_flush=1 (its lines follow, '#'-prefixed)"
	# it must fail a check of its own (a "not ok" line): a write lost,
	# or no election (run.sh --knob)
	mode_synod "$1/knob" "$2" "$3" "$4" 1 2>&1 | tee "$1/knob/out" |
		sed 's/^/# knob: /'
	grep -q '^not ok' "$1/knob/out"
	knob_rc=$?
	tap "$knob_rc" "synod with test_journal_no_flush=1: the replays' checks fail" || rc=1
	# shellcheck disable=SC2154 # tap.bash's
	[ "$failed" -eq 0 ] || rc=1
	exit $rc
	;;
*)
	echo "guest.bash: unknown mode $mode" >&2
	exit 2
	;;
esac
