#!/bin/bash
# tests/vm/jring.py, the journal ring inspector of the VM tests, on
# images made here: it finds the ring through a superblock copy whose
# CRC-32C holds, falls back to the other copy when one is corrupt, and
# refuses a device whose copies both fail their checksum, rather than
# damage a ring it located by a corrupt copy.  Prints TAP.
#
# usage: tests/host/jring_check.sh
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
jring=$top/tests/vm/jring.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../lib/tap.bash
. "$top/tests/lib/tap.bash"

# mkimg FILE SEQ0 SEQ1: a 7 MiB image with superblock copies of
# sequence SEQ0 and SEQ1 (0: no copy) naming a format 3 ring of 256
# slots of 20 KiB at 1 MiB, and one record, journal sequence 1 of a
# batch of 1, in slot 0.  The CRC here is computed bit by bit, not
# with jring.py's table.  $FLAGS (default 0) are the superblock's flags,
# with a 12 MiB payload ring; $LEN, if set, makes the record a write of
# one payload of LEN bytes.
mkimg() {
	python3 - "$@" <<'PY'
import struct, sys

def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    return c ^ 0xFFFFFFFF

import os
path, seqs = sys.argv[1], [int(s) for s in sys.argv[2:4]]
flags = int(os.environ.get("FLAGS", "0"), 0)
wlen = int(os.environ.get("LEN", "0"))
img = bytearray(7 << 20)
for copy, seq in enumerate(seqs):
    if not seq:
        continue
    sb = bytearray(4096)
    sb[0:8] = b"SYNODVOL"
    struct.pack_into("<IIQ", sb, 0x08, 3, flags, seq)
    struct.pack_into("<QQ", sb, 0x60, 1 << 20, 256 * 20480 + (12 << 20))
    struct.pack_into("<II", sb, 0x78, 20480, 256)
    struct.pack_into("<I", sb, 4092, crc32c(bytes(sb[:4092])))
    img[copy * 4096:(copy + 1) * 4096] = sb
hdr = 1 << 20
struct.pack_into("<I", img, hdr, 0x524A5953)
struct.pack_into("<QQI", img, hdr + 8, 1, 1, 1)
if wlen:
    img[hdr + 0x48] = 2
    img[hdr + 0x49] = 1
    struct.pack_into("<I", img, hdr + 0x60 + 16, wlen)
open(path, "wb").write(img)
PY
}

# flip FILE OFFSET: invert one byte, the checksum left as it was
flip() {
	python3 - "$1" "$2" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    off = int(sys.argv[2], 0)
    f.seek(off)
    b = f.read(1)[0]
    f.seek(off)
    f.write(bytes([b ^ 0xFF]))
PY
}

echo "1..10"
tap_run "CRC-32C of '123456789' is 0xe3069283" \
	python3 -c "import sys; sys.path.insert(0, '$top/tests/vm'); import jring; sys.exit(jring.crc32c(b'123456789') != 0xE3069283)"

mkimg "$tmp/img" 1 0
out=$(python3 "$jring" last-batch "$tmp/img" 2>&1)
echo "# $out"
tap_run "a valid superblock locates the ring" [ "$out" = "1 1 1 -1" ]

flip "$tmp/img" 256
out=$(python3 "$jring" last-batch "$tmp/img" 2>&1)
rc=$?
echo "# $out"
tap_run "a copy failing its checksum is refused" [ "$rc" -ne 0 ]
tap_run "and the refusal says why" grep -q "checksum mismatch" <<< "$out"

# copy 0 newer but corrupt, copy 1 older and valid: copy 1 is used
mkimg "$tmp/img2" 5 4
flip "$tmp/img2" 0x60
out=$(python3 "$jring" last-batch "$tmp/img2" 2>&1)
echo "# $out"
tap_run "the valid copy is used when the newer one is corrupt" \
	[ "$out" = "1 1 1 -1" ]

mkimg "$tmp/img3" 0 0
out=$(python3 "$jring" last-batch "$tmp/img3" 2>&1)
rc=$?
echo "# $out"
tap_run "no superblock is refused" [ "$rc" -ne 0 ]

# the LARGE flag (0x2, format 3) and the payload bound it gives
FLAGS=0 LEN=32768 mkimg "$tmp/img4" 1 0
out=$(python3 "$jring" sb "$tmp/img4" 2>&1)
echo "# $out"
tap_run "without LARGE the bound is 16 KiB" \
	[ "$out" = "format 3 flags 0x0 large 0 paymax 16384 pring 12582912 applied 0 seq 1" ]
out=$(python3 "$jring" record "$tmp/img4" 0 2>&1)
echo "# $out"
tap_run "a 32 KiB payload is over that bound" grep -q "over-bound" <<< "$out"
FLAGS=2 LEN=32768 mkimg "$tmp/img5" 1 0
out=$(python3 "$jring" sb "$tmp/img5" 2>&1)
echo "# $out"
tap_run "LARGE read from the flags: 1 MiB" \
	[ "$out" = "format 3 flags 0x2 large 1 paymax 1048576 pring 12582912 applied 0 seq 1" ]
out=$(python3 "$jring" record "$tmp/img5" 0 2>&1)
echo "# $out"
tap_run "and a 32 KiB payload is within it" \
	[ "$out" = "jseq 1 batch 1 1 flags 0x0 len 32768 poff 0" ]
exit "$failed"
