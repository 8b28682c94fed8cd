# shellcheck shell=bash
# Guest side of the soak (tests/crash/soak/soak.bats), sourced after
# tests/crash/guest.bash (which defines MNT, dev, RUN, N).
#
# Region R_k is the file $MNT/soak/rK: written once by fio with crc32c
# verify headers in every block, fsync'd, and never written again, so
# every later `fio --verify_only` with the same job options must find
# each block as written.  The scratch file is overwritten by another fio
# job while the leader is killed: it is the I/O in flight, never checked.

SOAK_DIR=$MNT/soak
# Region size: 20 regions plus the scratch file fit the 128 MiB disk.
SOAK_REGION=2M

# soak_region_job K: fio's options for region K (the same for the write
# and for the verify_only pass: fio rebuilds the expected blocks from them)
soak_region_job() {
	echo --name="r$1" --filename="$SOAK_DIR/r$1" --rw=write --bs=64k \
		--size="$SOAK_REGION" --ioengine=psync --verify=crc32c \
		--verify_state_save=0
}

# soak_mount: the volume's ext4 at MNT (mounting replays its journal)
soak_mount() {
	mountpoint -q "$MNT" || mount "$(dev)" "$MNT"
}

# soak_write K: write and verify region K, fsync it and its directory
soak_write() {
	soak_mount
	mkdir -p "$SOAK_DIR"
	# shellcheck disable=SC2046  # one option per word
	fio $(soak_region_job "$1") --do_verify=1 --end_fsync=1 \
		--output="$RUN/fio-r$1.log"
	sync "$SOAK_DIR"
}

# soak_scratch_start: the scratch job in the background, long enough to
# be writing when the VM is killed: O_DIRECT random writes of 4 KiB to
# 256 KiB, eight in flight, an fsync every 16
soak_scratch_start() {
	setsid fio --name=scratch --filename="$SOAK_DIR/scratch" \
		--rw=randwrite --bsrange=4k-256k --size=16M --ioengine=libaio \
		--iodepth=8 --direct=1 --fsync=16 --verify=crc32c \
		--do_verify=0 --verify_state_save=0 --time_based --runtime=600 \
		> "$RUN/scratch.log" 2>&1 < /dev/null &
}

# soak_scratch_busy: the scratch job has written something (fio made its
# file) and still runs
soak_scratch_busy() {
	[ -s "$SOAK_DIR/scratch" ] && pgrep -x fio > /dev/null
}

# soak_check K: on the new leader after a kill: mount (the journal
# replays), verify regions 1..K, unmount, e2fsck -fn of the unmounted
# device.  Prints "verify_errors E fsck RC" and fails unless both are 0.
soak_check() {
	local k=$1 j errs=0 rc out d bad
	d=$(dev)
	soak_mount
	for ((j = 1; j <= k; j++)); do
		# a missing or short file would be laid out anew by fio
		if [ "$(stat -c %s "$SOAK_DIR/r$j" 2>/dev/null)" != \
		     "$(numfmt --from=iec "$SOAK_REGION")" ]; then
			echo "region $j: file missing or of the wrong size" >&2
			errs=$((errs + 1))
			continue
		fi
		# with continue_on_error fio exits 0 whatever it found: count
		# its complaints (one per bad block)
		# shellcheck disable=SC2046  # one option per word
		out=$(fio $(soak_region_job "$j") --verify_only \
			--verify_fatal=0 --continue_on_error=verify 2>&1) ||
			{ echo "region $j: fio failed" >&2; errs=$((errs + 1)); }
		bad=$(grep -cE 'verify failed|verify: bad' <<< "$out" || true)
		if [ "$bad" != 0 ]; then
			grep -E 'verify failed|verify: bad' <<< "$out" | head -n 5 >&2
			errs=$((errs + bad))
		fi
	done
	umount "$MNT"
	rc=0
	e2fsck -fn "$d" > "$RUN/fsck.log" 2>&1 || rc=$?
	[ "$rc" = 0 ] || tail -n 20 "$RUN/fsck.log" >&2
	echo "verify_errors $errs fsck $rc"
	[ "$errs" = 0 ] && [ "$rc" = 0 ]
}
