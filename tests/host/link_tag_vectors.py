#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The link v4 frame tags that kmod/kunit/linkkey_kunit.c expects,
computed without the kernel: prints them as C arrays.

Link version 4 tags a frame with Poly1305 under a one-time key
(Documentation/transport.rst):

    otk = BLAKE2b-256(key = K, data = hdr)        hdr: the header's first
    tag = Poly1305(otk, hdr || payload)           16 bytes (len, flags, seq)

BLAKE2b comes from hashlib; Poly1305 is written out below from its
definition (RFC 8439 section 2.5), checked against RFC 8439's own vector
and, if the 'cryptography' package is there, against OpenSSL's.  K is
the frame key of linkkey_kunit.c's link_key_and_tag() (HKDF-SHA256 over
its made-up handshake).

usage: tests/host/link_tag_vectors.py
"""
import hashlib
import struct

P = (1 << 130) - 5


def poly1305(key, msg):
    """Poly1305 (RFC 8439 2.5.1) of msg under the 32-byte one-time key."""
    r = int.from_bytes(key[:16], "little")
    r &= 0x0ffffffc0ffffffc0ffffffc0fffffff
    s = int.from_bytes(key[16:32], "little")
    acc = 0
    for i in range(0, len(msg), 16):
        block = msg[i:i + 16] + b"\x01"
        acc = (acc + int.from_bytes(block, "little")) * r % P
    return ((acc + s) % (1 << 128)).to_bytes(16, "little")


def v4_tag(k, hdr, payload):
    otk = hashlib.blake2b(hdr, key=k, digest_size=32).digest()
    return poly1305(otk, hdr + payload)


def hdr(length, flags, seq):
    return struct.pack("<IIQ", length, flags, seq)


def c_array(name, b):
    lines = []
    for i in range(0, len(b), 8):
        lines.append("\t\t" + ", ".join("0x%02x" % x for x in b[i:i + 8])
                     + ",")
    return "\tstatic const u8 %s[%d] = {\n%s\n\t};" % (name, len(b),
                                                     "\n".join(lines))


def self_check():
    # RFC 8439 2.5.2
    key = bytes.fromhex("85d6be7857556d337f4452fe42d506a8"
                        "0103808afb0db2fd4abff6af4149f51b")
    want = bytes.fromhex("a8061dc1305136c6c22b8baf0c0127a9")
    assert poly1305(key, b"Cryptographic Forum Research Group") == want
    try:
        from cryptography.hazmat.primitives import poly1305 as ossl
    except ImportError:
        return "RFC 8439 2.5.2"
    for n in (0, 1, 15, 16, 17, 1000, 20496):
        msg = bytes((i * 13 + n) & 0xff for i in range(n))
        assert poly1305(key, msg) == ossl.Poly1305.generate_tag(key, msg)
    return "RFC 8439 2.5.2 and OpenSSL"


def main():
    k = bytes.fromhex("b61f820d3d74b6bd35381b9e47bc9e74"
                      "1120c6b246094bc9f3abe09c4b39bfdc")
    print("/* Poly1305 checked against %s */" % self_check())
    # the 5-byte frame "hello", sequence number 7
    print(c_array("want_small", v4_tag(k, hdr(5, 0, 7), b"hello")))
    # 1000 bytes (i * 7) & 0xff, sequence number 1 << 40
    big = bytes((i * 7) & 0xff for i in range(1000))
    print(c_array("want_big", v4_tag(k, hdr(1000, 0, 1 << 40), big)))
    # READY's key confirmation: the label as the header, no payload
    label = b"synod-ready-v2".ljust(16, b"\0")
    print(c_array("want_ready", v4_tag(k, label, b"")))


if __name__ == "__main__":
    main()
