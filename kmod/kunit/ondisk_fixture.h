/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KUnit suites of the superblock share (ondisk_kunit.c, format
 * 0; ondisk_repl_kunit.c, formats 1 to 3): field offsets as
 * Documentation/ondisk.rst gives them, a test UUID, and buffers of a
 * superblock's size.  Included by each suite's .c file only.
 */
#ifndef SYNOD_ONDISK_FIXTURE_H
#define SYNOD_ONDISK_FIXTURE_H

#include <kunit/test.h>
#include <linux/slab.h>

#include "ondisk.h"
#include "crc32c.h"

#define TEST_MIB			(1024ull * 1024)
#define OFF_FORMAT		0x008
#define OFF_FLAGS		0x00c
#define OFF_SEQ			0x010
#define OFF_SB_SIZE		0x028
#define OFF_BLOCK_SIZE		0x02c
#define OFF_DATA_OFFSET		0x030
#define OFF_DATA_SIZE		0x038
#define OFF_BACKING_SIZE	0x040
#define OFF_CSUM		(SYNOD_SB_SIZE - 4)
/* format 1 */
#define OFF_V1_RSVD		0x04c
#define OFF_EPOCH		0x050
#define OFF_NODE_ID		0x048
#define OFF_JOURNAL_OFFSET	0x060
#define OFF_JOURNAL_SIZE	0x068
#define OFF_JREC_SIZE		0x078
#define OFF_JREC_COUNT		0x07c
#define OFF_CLUSTER		0x080
#define OFF_VOTERS		0x0a0
#define OFF_LEARNERS		0x0a4
#define OFF_Q1			0x0a8
#define OFF_OPTS		0x0b0
#define OFF_SECRET_LEN		0x0b4
#define OFF_SECRET		0x0b8
#define OFF_SECRET_FP		0x0b8
#define OFF_LISTEN		0x0f8
#define OFF_PEERS		0x10c

static const u8 test_uuid[16] = {
	0x5e, 0x1f, 0x00, 0xd1, 0x2a, 0x3b, 0x4c, 0x5d,
	0x6e, 0x7f, 0x80, 0x91, 0xa2, 0xb3, 0xc4, 0xd5,
};

/* A zeroed superblock-sized buffer that lives as long as the test. */
static inline u8 *sb_buf(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, SYNOD_SB_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	return buf;
}

/* A fresh 64 MiB format 0 volume's superblock with sequence @seq, encoded. */
static inline u8 *encoded_sb(struct kunit *test, u64 seq)
{
	struct synod_sb sb;
	u8 *buf = sb_buf(test);

	KUNIT_ASSERT_EQ(test, synod_sb_init(&sb, test_uuid, 64 * TEST_MIB, 512),
			SYNOD_SB_OK);
	sb.seq = seq;
	synod_sb_encode(&sb, buf);
	return buf;
}

/* Recompute the checksum after an edit, as a buggy or newer writer would. */
static inline void reseal(u8 *buf)
{
	synod_put_le32(buf + OFF_CSUM, synod_crc32c(0, buf, OFF_CSUM));
}

#endif /* SYNOD_ONDISK_FIXTURE_H */
