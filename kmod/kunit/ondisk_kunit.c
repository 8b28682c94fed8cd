// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_ondisk": the superblock of format 0 (kmod/core/
 * ondisk.c), copy selection and its checksum (kmod/core/crc32c.c), as
 * Documentation/ondisk.rst specifies them; the replicated formats 1 to 3
 * are ondisk_repl_kunit.c's.  Pure functions over buffers: no device is involved.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kunit_env.h"
#include "ondisk.h"
#include "jrec.h"
#include "crc32c.h"
#include "uapi/synod.h"

#include "ondisk_fixture.h"

static void crc32c_check_value(struct kunit *test)
{
	static const char digits[] = "123456789";

	KUNIT_EXPECT_EQ(test, synod_crc32c(0, digits, 9), SYNOD_CRC32C_CHECK);
	KUNIT_EXPECT_EQ(test, synod_crc32c(0, digits, 9), 0xe3069283u);
	/* Chaining over a split gives the same result. */
	KUNIT_EXPECT_EQ(test, synod_crc32c(synod_crc32c(0, digits, 4),
					   digits + 4, 5), 0xe3069283u);
	KUNIT_EXPECT_EQ(test, synod_crc32c(0, digits, 0), 0u);
}

static void init_layout(struct kunit *test)
{
	struct synod_sb sb;

	KUNIT_ASSERT_EQ(test, synod_sb_init(&sb, test_uuid, 64 * TEST_MIB, 512),
			SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, sb.format, SYNOD_SB_FORMAT_V0);
	KUNIT_EXPECT_EQ(test, sb.seq, 1ull);
	KUNIT_EXPECT_EQ(test, sb.data_offset, 1 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, sb.data_size, 63 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, sb.backing_size, 64 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, sb.node_id, 0u);
	KUNIT_EXPECT_EQ(test, sb.epoch, 0ull);
	KUNIT_EXPECT_EQ(test, sb.journal_size, 0ull);
	KUNIT_EXPECT_EQ(test, sb.applied_index, 0ull);
	KUNIT_EXPECT_EQ(test, memcmp(sb.uuid, test_uuid, 16), 0);

	/* The data area is rounded down to whole 4 KiB blocks. */
	KUNIT_ASSERT_EQ(test, synod_sb_init(&sb, test_uuid, 64 * TEST_MIB + 4095,
					    4096), SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, sb.data_size, 63 * TEST_MIB);

	/* The minimum is 2 TEST_MIB: 1 TEST_MIB reserved, 1 TEST_MIB of data. */
	KUNIT_ASSERT_EQ(test, synod_sb_init(&sb, test_uuid, 2 * TEST_MIB, 512),
			SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, sb.data_size, 1 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, synod_sb_init(&sb, test_uuid, 2 * TEST_MIB - 1, 512),
			SYNOD_SB_TOO_SMALL);
	KUNIT_EXPECT_EQ(test, synod_sb_init(&sb, test_uuid, 0, 512),
			SYNOD_SB_TOO_SMALL);
	KUNIT_EXPECT_EQ(test, synod_sb_init(&sb, test_uuid, 64 * TEST_MIB, 8192),
			SYNOD_SB_BAD_SIZES);
	KUNIT_EXPECT_EQ(test, synod_sb_init(&sb, test_uuid, 64 * TEST_MIB, 768),
			SYNOD_SB_BAD_SIZES);
}

/* Every field, including those reserved in v0, survives the round trip. */
static void encode_decode_round_trip(struct kunit *test)
{
	struct synod_sb in, out;
	u8 *buf = sb_buf(test);

	KUNIT_ASSERT_EQ(test, synod_sb_init(&in, test_uuid, 1ull << 40, 4096),
			SYNOD_SB_OK);
	in.seq = 0x0102030405060708ull;
	in.node_id = 7;
	in.epoch = 0x1112131415161718ull;
	in.promised_round = 0x2122232425262728ull;
	in.promised_node = 5;
	in.journal_offset = 8192;
	in.journal_size = 0x3132333435363738ull;
	in.applied_index = 0x4142434445464748ull;
	synod_sb_encode(&in, buf);

	KUNIT_ASSERT_EQ(test, synod_sb_decode(buf, &out), SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, out.format, in.format);
	KUNIT_EXPECT_EQ(test, out.flags, in.flags);
	KUNIT_EXPECT_EQ(test, out.seq, in.seq);
	KUNIT_EXPECT_EQ(test, memcmp(out.uuid, in.uuid, 16), 0);
	KUNIT_EXPECT_EQ(test, out.block_size, in.block_size);
	KUNIT_EXPECT_EQ(test, out.data_offset, in.data_offset);
	KUNIT_EXPECT_EQ(test, out.data_size, in.data_size);
	KUNIT_EXPECT_EQ(test, out.backing_size, in.backing_size);
	KUNIT_EXPECT_EQ(test, out.node_id, in.node_id);
	KUNIT_EXPECT_EQ(test, out.epoch, in.epoch);
	KUNIT_EXPECT_EQ(test, out.promised_round, in.promised_round);
	KUNIT_EXPECT_EQ(test, out.promised_node, in.promised_node);
	KUNIT_EXPECT_EQ(test, out.journal_offset, in.journal_offset);
	KUNIT_EXPECT_EQ(test, out.journal_size, in.journal_size);
	KUNIT_EXPECT_EQ(test, out.applied_index, in.applied_index);

	/* Little-endian on disk, at the documented offsets. */
	KUNIT_EXPECT_EQ(test, memcmp(buf, "SYNODVOL", 8), 0);
	KUNIT_EXPECT_EQ(test, buf[OFF_SEQ], 0x08);
	KUNIT_EXPECT_EQ(test, buf[OFF_SEQ + 7], 0x01);
	KUNIT_EXPECT_EQ(test, synod_get_le32(buf + OFF_SB_SIZE), SYNOD_SB_SIZE);
	KUNIT_EXPECT_EQ(test, synod_get_le32(buf + OFF_CSUM),
			synod_crc32c(0, buf, OFF_CSUM));
}

/* Any single flipped bit after the magic is caught by the checksum. */
static void flipped_bit_rejected(struct kunit *test)
{
	u8 *buf = encoded_sb(test, 1);
	struct synod_sb sb;
	u32 off;

	for (off = SYNOD_SB_MAGIC_LEN; off < SYNOD_SB_SIZE; off++) {
		u8 bit = 1u << (off % 8);

		buf[off] ^= bit;
		KUNIT_EXPECT_EQ_MSG(test, synod_sb_decode(buf, &sb),
				    SYNOD_SB_BAD_CSUM, "bit flipped at %u", off);
		buf[off] ^= bit;
	}
	KUNIT_EXPECT_EQ(test, synod_sb_decode(buf, &sb), SYNOD_SB_OK);
}

static void wrong_magic_rejected(struct kunit *test)
{
	u8 *buf = encoded_sb(test, 1);
	u8 *zero = sb_buf(test);
	struct synod_sb sb;

	KUNIT_EXPECT_EQ(test, synod_sb_decode(zero, &sb), SYNOD_SB_NO_MAGIC);
	buf[0] ^= 0x20;		/* "sYNODVOL" */
	reseal(buf);
	KUNIT_EXPECT_EQ(test, synod_sb_decode(buf, &sb), SYNOD_SB_NO_MAGIC);
	memset(buf, 0xff, SYNOD_SB_SIZE);
	KUNIT_EXPECT_EQ(test, synod_sb_decode(buf, &sb), SYNOD_SB_NO_MAGIC);
}

/* An intact superblock of another version or with features is refused. */
static void unsupported_version_rejected(struct kunit *test)
{
	u8 *buf = encoded_sb(test, 1);
	struct synod_sb sb;

	synod_put_le32(buf + OFF_FORMAT, SYNOD_SB_FORMAT_V3 + 1);
	reseal(buf);
	KUNIT_EXPECT_EQ(test, synod_sb_decode(buf, &sb), SYNOD_SB_BAD_VERSION);
	synod_put_le32(buf + OFF_FORMAT, 0xffffffff);
	reseal(buf);
	KUNIT_EXPECT_EQ(test, synod_sb_decode(buf, &sb), SYNOD_SB_BAD_VERSION);

	buf = encoded_sb(test, 1);
	synod_put_le32(buf + OFF_FLAGS, 1);
	reseal(buf);
	KUNIT_EXPECT_EQ(test, synod_sb_decode(buf, &sb), SYNOD_SB_BAD_FLAGS);
}

/* Edit one field of a valid copy, reseal it, and expect BAD_SIZES. */
static void expect_bad_size(struct kunit *test, u32 off, u64 val, bool wide)
{
	u8 *buf = encoded_sb(test, 1);
	struct synod_sb sb;

	if (wide)
		synod_put_le64(buf + off, val);
	else
		synod_put_le32(buf + off, (u32)val);
	reseal(buf);
	KUNIT_EXPECT_EQ_MSG(test, synod_sb_decode(buf, &sb), SYNOD_SB_BAD_SIZES,
			    "field at 0x%x = %llu", off, val);
}

static void bad_sizes_rejected(struct kunit *test)
{
	expect_bad_size(test, OFF_SB_SIZE, 512, false);
	expect_bad_size(test, OFF_SB_SIZE, 8192, false);
	expect_bad_size(test, OFF_BLOCK_SIZE, 0, false);
	expect_bad_size(test, OFF_BLOCK_SIZE, 520, false);
	expect_bad_size(test, OFF_BLOCK_SIZE, 8192, false);
	expect_bad_size(test, OFF_DATA_OFFSET, 0, true);
	expect_bad_size(test, OFF_DATA_OFFSET, 4096, true);	/* on copy 1 */
	expect_bad_size(test, OFF_DATA_OFFSET, 1 * TEST_MIB + 512, true);
	expect_bad_size(test, OFF_DATA_SIZE, 0, true);
	expect_bad_size(test, OFF_DATA_SIZE, 63 * TEST_MIB - 512, true);
	expect_bad_size(test, OFF_DATA_SIZE, 64 * TEST_MIB, true);	/* past end */
	expect_bad_size(test, OFF_DATA_SIZE, ~0ull - 4095, true); /* wraps */
	expect_bad_size(test, OFF_BACKING_SIZE, 32 * TEST_MIB, true);
	expect_bad_size(test, OFF_SEQ, 0, true);
}

static void check_fit(struct kunit *test)
{
	struct synod_sb sb;

	KUNIT_ASSERT_EQ(test, synod_sb_init(&sb, test_uuid, 64 * TEST_MIB, 512),
			SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, synod_sb_check_fit(&sb, 64 * TEST_MIB, 512),
			SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, synod_sb_check_fit(&sb, 128 * TEST_MIB, 4096),
			SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, synod_sb_check_fit(&sb, 64 * TEST_MIB - 512, 512),
			SYNOD_SB_TOO_SMALL);
	KUNIT_EXPECT_EQ(test, synod_sb_check_fit(&sb, 64 * TEST_MIB, 3000),
			SYNOD_SB_BAD_SIZES);
}

/* Highest valid sequence number wins; corruption falls back. */
static void copy_selection(struct kunit *test)
{
	u8 *old = encoded_sb(test, 4), *new = encoded_sb(test, 5);
	u8 *zero = sb_buf(test);
	struct synod_sb sb;
	u32 which = 99;

	KUNIT_EXPECT_EQ(test, synod_sb_select(old, new, &sb, &which),
			SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, which, 1u);
	KUNIT_EXPECT_EQ(test, sb.seq, 5ull);
	KUNIT_EXPECT_EQ(test, synod_sb_select(new, old, &sb, &which),
			SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, which, 0u);
	KUNIT_EXPECT_EQ(test, sb.seq, 5ull);

	/* Equal sequence numbers (as written at creation): copy 0. */
	KUNIT_EXPECT_EQ(test, synod_sb_select(old, old, &sb, &which),
			SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, which, 0u);

	/* The newer copy is torn: the older one is current. */
	new[100] ^= 1;
	KUNIT_EXPECT_EQ(test, synod_sb_select(old, new, &sb, &which),
			SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, which, 0u);
	KUNIT_EXPECT_EQ(test, sb.seq, 4ull);
	KUNIT_EXPECT_EQ(test, synod_sb_select(new, old, &sb, &which),
			SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, which, 1u);
	KUNIT_EXPECT_EQ(test, sb.seq, 4ull);

	/* Both bad: corruption is reported over "not ours". */
	old[200] ^= 1;
	KUNIT_EXPECT_EQ(test, synod_sb_select(old, new, &sb, &which),
			SYNOD_SB_BAD_CSUM);
	KUNIT_EXPECT_EQ(test, synod_sb_select(zero, new, &sb, &which),
			SYNOD_SB_BAD_CSUM);
	KUNIT_EXPECT_EQ(test, synod_sb_select(new, zero, &sb, &which),
			SYNOD_SB_BAD_CSUM);
	KUNIT_EXPECT_EQ(test, synod_sb_select(zero, zero, &sb, &which),
			SYNOD_SB_NO_MAGIC);

	/* A newer format is reported over corruption. */
	new = encoded_sb(test, 6);
	synod_put_le32(new + OFF_FORMAT, SYNOD_SB_FORMAT_V3 + 1);
	reseal(new);
	KUNIT_EXPECT_EQ(test, synod_sb_select(old, new, &sb, &which),
			SYNOD_SB_BAD_VERSION);
	/* ...but a valid v0 copy is still used. */
	KUNIT_EXPECT_EQ(test, synod_sb_select(encoded_sb(test, 2), new, &sb,
					      &which), SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, which, 0u);
}

/* Updates alternate copies, so one torn write never loses both. */
static void copy_for_seq_alternates(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, synod_sb_copy_for_seq(1), 1u);
	KUNIT_EXPECT_EQ(test, synod_sb_copy_for_seq(2), 0u);
	KUNIT_EXPECT_NE(test, synod_sb_copy_for_seq(41),
			synod_sb_copy_for_seq(42));
}

static struct kunit_case ondisk_cases[] = {
	KUNIT_CASE(crc32c_check_value),
	KUNIT_CASE(init_layout),
	KUNIT_CASE(encode_decode_round_trip),
	KUNIT_CASE(flipped_bit_rejected),
	KUNIT_CASE(wrong_magic_rejected),
	KUNIT_CASE(unsupported_version_rejected),
	KUNIT_CASE(bad_sizes_rejected),
	KUNIT_CASE(check_fit),
	KUNIT_CASE(copy_selection),
	KUNIT_CASE(copy_for_seq_alternates),
	{}
};

static struct kunit_suite ondisk_suite = {
	.name = "synod_ondisk",
	.init = synod_kunit_init,
	.exit = synod_kunit_exit,
	.test_cases = ondisk_cases,
};

kunit_test_suites(&ondisk_suite);
MODULE_LICENSE("GPL");
