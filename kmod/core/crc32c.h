/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CRC-32C (Castagnoli), the checksum of synod's on-disk structures.
 *
 * A table-driven software implementation so that the core stays free of
 * kernel and libc calls: the same code checks superblocks in the module,
 * in KUnit and in the userspace tests.  Superblocks are read rarely, so
 * speed is not a concern; journal entries may later use the kernel's
 * accelerated crc32c() in the glue, which gives identical results.
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
