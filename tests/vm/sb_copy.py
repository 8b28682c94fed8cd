#!/usr/bin/env python3
"""Superblock copies of a synod backing device, for the VM tests.

  sb_copy.py write DEV COPY OFFSET HEX [OFFSET HEX]...
      overwrite bytes of copy COPY (0 or 1) from each OFFSET with HEX and
      recompute the copy's CRC-32C, as a newer (or broken) writer would;
  sb_copy.py newest DEV
      print "SEQ PROMISED_BALLOT" of the newer valid copy; fail if none
      is valid or the two valid copies' sequences are not consecutive.

Each copy is 4 KiB at COPY * 4096, its CRC-32C in its last 4 bytes over
everything before it; the sequence is at 0x10, the promised ballot at
0x58 (Documentation/ondisk.rst).
"""
import os
import struct
import sys

SIZE, CRC_AT = 4096, 4092


def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xffffffff


def write(dev, copy, edits):
    with open(dev, 'r+b', buffering=0) as f:
        f.seek(copy * SIZE)
        sb = bytearray(f.read(SIZE))
        for off, data in zip(edits[0::2], edits[1::2]):
            off, data = int(off, 0), bytes.fromhex(data)
            assert off + len(data) <= CRC_AT
            sb[off:off + len(data)] = data
        struct.pack_into('<I', sb, CRC_AT, crc32c(bytes(sb[:CRC_AT])))
        f.seek(copy * SIZE)
        f.write(sb)
        os.fsync(f.fileno())


def newest(dev):
    good = []
    with open(dev, 'rb') as f:
        for copy in (0, 1):
            f.seek(copy * SIZE)
            sb = f.read(SIZE)
            if struct.unpack_from('<I', sb, CRC_AT)[0] == crc32c(sb[:CRC_AT]):
                good.append((struct.unpack_from('<Q', sb, 0x10)[0],
                             struct.unpack_from('<Q', sb, 0x58)[0]))
    if not good:
        sys.exit('no valid superblock copy')
    if len(good) == 2 and abs(good[0][0] - good[1][0]) != 1:
        sys.exit('superblock sequences %d and %d' % (good[0][0], good[1][0]))
    print('%d %d' % max(good))


if __name__ == '__main__':
    if sys.argv[1] == 'write':
        write(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
    elif sys.argv[1] == 'newest':
        newest(sys.argv[2])
    else:
        sys.exit(__doc__)
