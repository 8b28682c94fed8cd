#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read and damage a replica's journal ring the way the VM tests need.

The geometry comes from the superblock (Documentation/ondisk.rst), never
from constants: formats 1 and 2 have slots of 68 KiB holding every
payload, format 3 slots of 20 KiB and a payload ring after them, where a
record with flag PRING keeps its payloads from byte poff.  A superblock
copy counts only if its CRC-32C (the last 4 bytes, over the rest) holds,
as for the module: a ring located by a corrupt copy would be damaged in
the wrong place.  Record headers only: their checksums are not checked
(the module's recovery does that).

  jring.py last-batch DEV   "first n last idx": the journal's last batch
                            (from the header of the highest record), its
                            size, that highest sequence, and the ring
                            slot of a WRITE record of the batch below it
                            (-1 if none)
  jring.py payload DEV IDX  byte offset on DEV of the first payload
                            sector of the record in slot IDX
  jring.py flip DEV OFF     flip header byte OFF of every record of the
                            ring (XOR 0xff)
  jring.py sb DEV           "format F flags 0xX large 0|1 paymax N pring
                            BYTES applied A seq S": the superblock's format
                            and flags, the payload bound they give (LARGE,
                            flag 0x2, format 3 only: 1 MiB; else 16 KiB),
                            the payload ring's size, the applied index a
                            checkpoint wrote and the copy's sequence
  jring.py record DEV IDX   "jseq J batch FIRST N flags 0xX len L,L,..
                            poff P" of the record in slot IDX, and
                            "over-bound" if a payload or their sum passes
                            the volume's bound (as the module's decoder
                            would refuse it)
"""
import struct
import sys

SB_MAGIC = b"SYNODVOL"
SB_SIZE = 4096
JREC_MAGIC = 0x524A5953
F_PRING = 0x2
SB_FLAG_LARGE = 0x2         # format 3 only: payloads up to 1 MiB
PAYLOAD_MAX = 16 * 1024
PAYLOAD_MAX_LARGE = 1024 * 1024


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC32C_TABLE = _crc32c_table()


def crc32c(data):
    """CRC-32C (Castagnoli, reflected, init and final XOR 0xffffffff)."""
    c = 0xFFFFFFFF
    for b in data:
        c = CRC32C_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def sb_valid(sb):
    """A superblock copy: the magic, and its CRC-32C over all but the last
    4 bytes matching them (Documentation/ondisk.rst)."""
    return (len(sb) == SB_SIZE and sb[:8] == SB_MAGIC and
            crc32c(sb[:SB_SIZE - 4]) ==
            struct.unpack_from("<I", sb, SB_SIZE - 4)[0])


def superblock(f):
    """The valid superblock copy with the highest sequence number."""
    best = None
    bad = 0
    for copy in (0, 1):
        f.seek(copy * SB_SIZE)
        sb = f.read(SB_SIZE)
        if sb[:8] != SB_MAGIC:
            continue
        if not sb_valid(sb):
            bad += 1
            continue
        seq = struct.unpack_from("<Q", sb, 0x10)[0]
        if best is None or seq > best[0]:
            best = (seq, sb)
    if best is None and bad:
        sys.exit("jring: superblock checksum mismatch (%d copy/copies)" % bad)
    if best is None:
        sys.exit("jring: no superblock")
    return best[1]


def sb_info(sb):
    """(format, flags, payload bound, payload ring bytes)."""
    fmt, flags = struct.unpack_from("<II", sb, 0x08)
    jsize = struct.unpack_from("<Q", sb, 0x68)[0]
    size, count = struct.unpack_from("<II", sb, 0x78)
    large = fmt == 3 and flags & SB_FLAG_LARGE
    pring = jsize - size * count if fmt == 3 else 0
    return fmt, flags, PAYLOAD_MAX_LARGE if large else PAYLOAD_MAX, pring


def geometry(f):
    """(slot start, slot size, count, payload ring start) from the valid
    superblock copy with the highest sequence number."""
    sb = superblock(f)
    joff = struct.unpack_from("<Q", sb, 0x60)[0]
    size, count = struct.unpack_from("<II", sb, 0x78)
    return joff, size, count, joff + size * count


def header(f, geo, idx):
    joff, size, _, _ = geo
    f.seek(joff + idx * size)
    h = f.read(4096)
    if struct.unpack_from("<I", h, 0)[0] != JREC_MAGIC:
        return None
    return h


def payload_offset(f, geo, idx):
    h = header(f, geo, idx)
    if h is None or h[0x49] == 0:
        sys.exit("jring: slot %d holds no record with payloads" % idx)
    flags = struct.unpack_from("<I", h, 0x1C)[0]
    if flags & F_PRING:
        return geo[3] + struct.unpack_from("<Q", h, 0xE0)[0]
    return geo[0] + idx * geo[1] + 4096


def last_batch(f, geo):
    recs = {}
    for idx in range(geo[2]):
        h = header(f, geo, idx)
        if h is None:
            continue
        jseq, first, n = struct.unpack_from("<QQI", h, 8)
        recs[jseq] = (idx, first, n, h[0x48])
    last = max(recs)
    _, first, n, _ = recs[last]
    below = [recs[j][0] for j in range(first, last)
             if j in recs and recs[j][3] == 2]
    return "%d %d %d %d" % (first, n, last, below[0] if below else -1)


def record(f, geo, idx):
    h = header(f, geo, idx)
    if h is None:
        return "empty"
    _, _, paymax, _ = sb_info(superblock(f))
    jseq, first, n, flags = struct.unpack_from("<QQII", h, 8)
    nw = h[0x49]
    lens = [struct.unpack_from("<I", h, 0x60 + 32 * i + 16)[0]
            for i in range(min(nw, 4))]
    poff = struct.unpack_from("<Q", h, 0xE0)[0]
    over = any(x > paymax for x in lens) or sum(lens) > max(paymax, 4 * PAYLOAD_MAX)
    return "jseq %d batch %d %d flags 0x%x len %s poff %d%s" % (
        jseq, first, n, flags, ",".join(map(str, lens)) or "-", poff,
        " over-bound" if over else "")


def flip(f, geo, off):
    joff, size, count, _ = geo
    for idx in range(count):
        if header(f, geo, idx) is None:
            continue
        f.seek(joff + idx * size + off)
        b = f.read(1)[0]
        f.seek(joff + idx * size + off)
        f.write(bytes([b ^ 0xFF]))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, dev = sys.argv[1], sys.argv[2]
    with open(dev, "r+b" if cmd == "flip" else "rb") as f:
        geo = geometry(f)
        if cmd == "last-batch":
            print(last_batch(f, geo))
        elif cmd == "payload":
            print(payload_offset(f, geo, int(sys.argv[3])))
        elif cmd == "flip":
            flip(f, geo, int(sys.argv[3]))
        elif cmd == "sb":
            sb = superblock(f)
            fmt, flags, paymax, pring = sb_info(sb)
            print("format %d flags 0x%x large %d paymax %d pring %d "
                  "applied %d seq %d" % (
                      fmt, flags, paymax == PAYLOAD_MAX_LARGE, paymax, pring,
                      struct.unpack_from("<Q", sb, 0x70)[0],
                      struct.unpack_from("<Q", sb, 0x10)[0]))
        elif cmd == "record":
            print(record(f, geo, int(sys.argv[3])))
        else:
            sys.exit(__doc__)


if __name__ == "__main__":
    main()
