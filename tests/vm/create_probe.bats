#!/usr/bin/env bats
# volume create looks before it formats (issue 8, item 13): a device that
# holds a filesystem, a partition table or a synod superblock (of a
# single-replica or a replicated volume) is refused, with what was found,
# and left as it was; --force overwrites it.  synodctl probes (libblkid,
# and the synod magic itself); the kernel formats what it is told to.

load helpers

setup() {
	synod_setup
	L=$(new_loop 64M)
}

teardown() {
	synod_teardown
}

# refused WORDS...: volume create r1 on $L fails (exit 1), its message
# holds every WORD and the --force hint, and $L is unchanged
refused() {
	local sum w
	sum=$(dev_sum "$L")
	run "$CTL" volume create r1 --backing "$L"
	echo "status=$status output=$output"
	[ "$status" -eq 1 ]
	for w in "$@" "on $L; use --force to overwrite"; do
		[[ "$output" == *"$w"* ]]
	done
	[ "$(dev_sum "$L")" = "$sum" ]
	[ -z "$(volume_names)" ]
	can_open_excl "$L"
}

# forced: with --force the create goes ahead
forced() {
	"$CTL" volume create r1 --backing "$L" --force
	[ "$(volume_names)" = r1 ]
	[ "$(status_field r1 format)" = 0 ]
	"$CTL" volume delete r1
}

@test "create probe: an ext4 filesystem is refused, --force overwrites it" {
	mkfs.ext4 -q -F -U 5a1e7c3d-0b9f-4e2a-8c6d-1f2e3d4c5b6a "$L"
	refused "found ext4 filesystem (UUID 5a1e7c3d-0b9f-4e2a-8c6d-1f2e3d4c5b6a)"
	forced
}

@test "create probe: a partition table is refused, --force overwrites it" {
	blockdev --flushbufs "$L"
	python3 - "$L" <<'PY'
import os, struct, sys
mbr = bytearray(512)
struct.pack_into('<I', mbr, 440, 0x5eed1234)
mbr[446:462] = bytes([0, 0, 0, 0, 0x83, 0, 0, 0]) + struct.pack('<II', 2048, 4096)
mbr[510:512] = b'\x55\xaa'
with open(sys.argv[1], 'r+b', buffering=0) as f:
    f.write(mbr)
    os.fsync(f.fileno())
PY
	refused "found a dos partition table (UUID 5eed1234)"
	forced
}

@test "create probe: an old synod volume is refused, --force overwrites it" {
	local uuid key
	"$CTL" volume create r0 --backing "$L"
	uuid=$(status_field r0 uuid)
	"$CTL" volume delete r0
	refused "found a synod superblock (format 0, UUID $uuid)"
	forced
	# a replicated one (format 3), even with its first copy destroyed
	key=$BATS_TEST_TMPDIR/key
	head -c 32 /dev/urandom | base64 > "$key"
	"$CTL" volume create r0 --backing "$L" --force --node 0 \
		--listen 127.0.0.1:7790 --peer 1=127.0.0.2:7790 --secret-file "$key"
	uuid=$(status_field r0 uuid)
	"$CTL" volume delete r0
	dd if=/dev/zero of="$L" bs=4k count=1 conv=notrunc oflag=direct
	refused "found a synod superblock (format 3, UUID $uuid)"
	forced
}

@test "create probe: a blank device needs no --force" {
	"$CTL" volume create r1 --backing "$L"
	[ "$(volume_names)" = r1 ]
}
