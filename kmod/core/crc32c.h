/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CRC-32C (Castagnoli), the checksum of synod's on-disk structures.
 *
 * A table-driven software implementation so that the core stays free of
 * kernel and libc calls: the userspace tests, KUnit and the simulator use
 * it.  The module builds it as synod_crc32c_sw() and defines
 * synod_crc32c() with the kernel's accelerated crc32c (kmod/crc.c), which
 * it checks against this one at load.
 */
#ifndef SYNOD_CORE_CRC32C_H
#define SYNOD_CORE_CRC32C_H

#include "env.h"

/*
 * synod_crc32c() continues a CRC-32C over @len bytes at @buf.  Start with
 * @crc = 0; pass the previous result to continue over more bytes.  The
 * pre- and post-inversion are done inside, so that
 * synod_crc32c(0, "123456789", 9) == SYNOD_CRC32C_CHECK.
 */
u32 synod_crc32c(u32 crc, const void *buf, size_t len);

/* The standard check value: CRC-32C of the ASCII string "123456789". */
#define SYNOD_CRC32C_CHECK	0xe3069283u

#endif /* SYNOD_CORE_CRC32C_H */
