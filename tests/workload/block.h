/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 4 KiB block synod-load writes (Documentation/fault-tier.rst), all
 * fields little-endian:
 *
 *   off  size  field
 *     0     8  magic "SYNLOAD1"
 *     8     8  value: (client << 40) | counter, unique in a run, never 0
 *    16     8  block number (a misdirected write reads back as corrupt)
 *    24     8  run id (blocks of an earlier run on the same disk)
 *    32     4  crc32c (Castagnoli) of the whole block with this field 0
 *    36  4060  filler: xorshift64* stream seeded with the value
 *
 * An all-zero block is value 0, the disk's initial content.
 */
#ifndef SYNOD_LOAD_BLOCK_H
#define SYNOD_LOAD_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOAD_BLOCK	4096
#define LOAD_MAGIC	"SYNLOAD1"

enum load_decoded {
	LOAD_ZERO,	/* all zero: the initial value 0 */
	LOAD_OK,	/* a block of this run: *value is set */
	LOAD_FOREIGN,	/* a good block of another run: *value is set */
	LOAD_CORRUPT,	/* bad magic, checksum or block number */
};

/* crc32c over @len bytes, continuing from @crc (start with 0). */
uint32_t load_crc32c(uint32_t crc, const void *buf, size_t len);

/* Fill @buf (LOAD_BLOCK bytes) with the block for @value at @block. */
void load_encode(void *buf, uint64_t value, uint64_t block, uint64_t run);

enum load_decoded load_decode(const void *buf, uint64_t block, uint64_t run,
			      uint64_t *value);

#endif /* SYNOD_LOAD_BLOCK_H */
