// SPDX-License-Identifier: GPL-2.0
/*
 * Encoding and decoding of synod-load's blocks (block.h), with our own
 * table-driven crc32c (Castagnoli, reflected polynomial 0x82F63B78): the
 * workload must not depend on the code it tests, nor on a library.
 */
#include "block.h"

#include <string.h>

#define CRC32C_POLY	0x82F63B78u
#define OFF_VALUE	8
#define OFF_BLOCK	16
#define OFF_RUN		24
#define OFF_CRC		32
#define OFF_FILL	36

static uint32_t crc_table[256];
static bool crc_ready;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc_table[i] = c;
	}
	crc_ready = true;
}

/* The usual convention: ~crc(~0, data); chaining passes the last result. */
uint32_t load_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (!crc_ready)
		crc_init();
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* xorshift64* (Vigna): the filler, so that a block is not mostly zero. */
static uint64_t xorshift64s(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

void load_encode(void *buf, uint64_t value, uint64_t block, uint64_t run)
{
	unsigned char *b = buf, tail[8];
	uint64_t s = value ? value : 1;
	size_t off;

	memcpy(b, LOAD_MAGIC, 8);
	put64(b + OFF_VALUE, value);
	put64(b + OFF_BLOCK, block);
	put64(b + OFF_RUN, run);
	put32(b + OFF_CRC, 0);
	for (off = OFF_FILL; off + 8 <= LOAD_BLOCK; off += 8)
		put64(b + off, xorshift64s(&s));
	put64(tail, xorshift64s(&s));
	memcpy(b + off, tail, LOAD_BLOCK - off);
	put32(b + OFF_CRC, load_crc32c(0, b, LOAD_BLOCK));
}

enum load_decoded load_decode(const void *buf, uint64_t block, uint64_t run,
			      uint64_t *value)
{
	const unsigned char *b = buf;
	unsigned char copy[LOAD_BLOCK];
	size_t i;

	*value = 0;
	for (i = 0; i < LOAD_BLOCK && !b[i]; i++)
		;
	if (i == LOAD_BLOCK)
		return LOAD_ZERO;
	if (memcmp(b, LOAD_MAGIC, 8))
		return LOAD_CORRUPT;
	memcpy(copy, b, LOAD_BLOCK);
	put32(copy + OFF_CRC, 0);
	if (load_crc32c(0, copy, LOAD_BLOCK) != get32(b + OFF_CRC) ||
	    get64(b + OFF_BLOCK) != block)
		return LOAD_CORRUPT;
	*value = get64(b + OFF_VALUE);
	if (!*value)
		return LOAD_CORRUPT;	/* values are never 0 */
	return get64(b + OFF_RUN) == run ? LOAD_OK : LOAD_FOREIGN;
}
