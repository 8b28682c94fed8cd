// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_ondisk_repl": the superblock formats 1, 2 and 3 of
 * a replicated volume (kmod/core/ondisk.c), as Documentation/ondisk.rst
 * specifies them: layout of a new volume, round trips, refused fields and
 * layouts, copy selection across formats.  Format 0 and the checksum are
 * ondisk_kunit.c's.  Pure functions over buffers: no device is involved.
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

static void fill_v3(struct kunit *test, struct synod_sb *sb)
{
	u32 i;

	KUNIT_ASSERT_EQ(test, synod_sb_init_repl(sb, test_uuid, 64 * TEST_MIB,
						 4096), SYNOD_SB_OK);
	sb->seq = 9;
	sb->node_id = 2;
	strscpy(sb->cluster, "prod-east", sizeof(sb->cluster));
	sb->cfg = (struct synod_config){ .epoch = 0x0a0b0c0d, .voters = 0x0e,
		.learners = 0x10, .q1 = 2, .q2 = 2 };
	sb->promised_ballot = 0x0102030405060708ull;
	sb->applied_index = 0x4142434445464748ull;
	sb->on_no_quorum = 1;
	sb->opts = SYNOD_SB_OPT_AUTO_PROMOTE;
	sb->listen = (struct synod_sb_addr){ .family = SYNOD_SB_AF_INET,
		.port = 7790, .addr = { 10, 0, 0, 2 } };
	for (i = 1; i < 5; i++) {
		sb->peer[i].family = SYNOD_SB_AF_INET6;
		sb->peer[i].port = 7790 + i;
		memset(sb->peer[i].addr, 0x20 + i, 16);
	}
	for (i = 0; i < SYNOD_SB_FP_LEN; i++)
		sb->secret_fp[i] = 0xc0 + i;
}

/*
 * The same as format 2 wrote it: a ring of 256 format 1 slots of 68 KiB
 * (17 MiB, as format 3's journal), no payload ring.
 */
static void fill_v2(struct kunit *test, struct synod_sb *sb)
{
	fill_v3(test, sb);
	sb->format = SYNOD_SB_FORMAT_V2;
	sb->jrec_size = SYNOD_JREC_SIZE;
	sb->journal_size = (u64)sb->jrec_size * sb->jrec_count;
}

/* The same as format 1 wrote it: with a 37-byte secret, no fingerprint. */
static void fill_v1(struct kunit *test, struct synod_sb *sb)
{
	fill_v2(test, sb);
	sb->format = SYNOD_SB_FORMAT_V1;
	memset(sb->secret_fp, 0, sizeof(sb->secret_fp));
	sb->secret_len = 37;
	memset(sb->secret, 0xa5, sb->secret_len);
}

/* The sample superblock of @format (1, 2 or 3). */
static void fill_sample(struct kunit *test, u32 format, struct synod_sb *sb)
{
	if (format == SYNOD_SB_FORMAT_V1)
		fill_v1(test, sb);
	else if (format == SYNOD_SB_FORMAT_V2)
		fill_v2(test, sb);
	else
		fill_v3(test, sb);
}

/* The sample superblock of @format, encoded in a test buffer. */
static u8 *encoded(struct kunit *test, u32 format)
{
	struct synod_sb sb;
	u8 *buf = sb_buf(test);

	fill_sample(test, format, &sb);
	synod_sb_encode(&sb, buf);
	return buf;
}

/*
 * Encode the sample of @format (@in) into @buf and decode it into @out:
 * the fields both formats keep come back.
 */
static void round_trip(struct kunit *test, u32 format, struct synod_sb *in,
		       struct synod_sb *out, u8 *buf)
{
	fill_sample(test, format, in);
	synod_sb_encode(in, buf);
	KUNIT_ASSERT_EQ(test, synod_sb_decode(buf, out), SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, out->format, format);
	KUNIT_EXPECT_EQ(test, out->seq, 9ull);
	KUNIT_EXPECT_EQ(test, out->node_id, 2u);
	KUNIT_EXPECT_STREQ(test, out->cluster, "prod-east");
	KUNIT_EXPECT_EQ(test, out->cfg.voters, 0x0eu);
	KUNIT_EXPECT_EQ(test, out->promised_ballot, in->promised_ballot);
	KUNIT_EXPECT_EQ(test, out->applied_index, in->applied_index);
	KUNIT_EXPECT_EQ(test, out->opts, SYNOD_SB_OPT_AUTO_PROMOTE);
}

/*
 * The default layout of a new replicated volume (format 3): copies, a
 * 17 MiB journal at 1 MiB (256 slots of 20 KiB and a 12 MiB payload
 * ring, as large as format 1 and 2's ring of 68 KiB slots), data at
 * 18 MiB, where it was in formats 1 and 2.
 */
static void init_repl_layout(struct kunit *test)
{
	struct synod_sb sb;
	u8 *buf;

	KUNIT_EXPECT_EQ(test, SYNOD_JREC_SIZE, 68u * 1024);
	KUNIT_EXPECT_EQ(test, SYNOD_JREC3_SLOT, 20u * 1024);
	KUNIT_ASSERT_EQ(test, synod_sb_init_repl(&sb, test_uuid, 64 * TEST_MIB,
						 512), SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, sb.format, SYNOD_SB_FORMAT_V3);
	KUNIT_EXPECT_EQ(test, sb.format, (u32)SYNOD_FORMAT_REPL);
	KUNIT_EXPECT_EQ(test, synod_sb_jrec_format(&sb), SYNOD_JREC_FORMAT_V3);
	KUNIT_EXPECT_EQ(test, sb.seq, 1ull);
	KUNIT_EXPECT_EQ(test, sb.journal_offset, 1 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, sb.jrec_size, SYNOD_JREC3_SLOT);
	KUNIT_EXPECT_EQ(test, sb.jrec_count, 256u);
	KUNIT_EXPECT_EQ(test, sb.jrec_count, SYNOD_JOURNAL_RECORDS);
	KUNIT_EXPECT_EQ(test, synod_sb_pring_size(&sb), 12 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, synod_sb_pring_size(&sb), (u64)SYNOD_PRING_BYTES);
	KUNIT_EXPECT_EQ(test, sb.journal_size, 17 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, sb.data_offset, 18 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, sb.data_size, 46 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, sb.backing_size, 64 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, memcmp(sb.uuid, test_uuid, 16), 0);
	KUNIT_EXPECT_EQ(test, synod_sb_min_bytes(SYNOD_SB_FORMAT_V1),
			19 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, synod_sb_min_bytes(SYNOD_SB_FORMAT_V2),
			19 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, synod_sb_min_bytes(SYNOD_SB_FORMAT_V3),
			19 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, synod_sb_min_bytes(SYNOD_SB_FORMAT_V0),
			2 * TEST_MIB);

	KUNIT_ASSERT_EQ(test, synod_sb_init_repl(&sb, test_uuid,
						 19 * TEST_MIB + 4095, 4096),
			SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, sb.data_size, 1 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, synod_sb_init_repl(&sb, test_uuid,
						 19 * TEST_MIB - 1, 512),
			SYNOD_SB_TOO_SMALL);
	KUNIT_EXPECT_EQ(test, synod_sb_init_repl(&sb, test_uuid, 2 * TEST_MIB,
						 512), SYNOD_SB_TOO_SMALL);
	KUNIT_EXPECT_EQ(test, synod_sb_init_repl(&sb, test_uuid, 64 * TEST_MIB,
						 8192), SYNOD_SB_BAD_SIZES);
	/*
	 * A fresh superblock, not yet configured, has no fingerprint yet:
	 * it is not a valid copy (the module fills it before writing).
	 */
	KUNIT_ASSERT_EQ(test, synod_sb_init_repl(&sb, test_uuid, 64 * TEST_MIB,
						 512), SYNOD_SB_OK);
	buf = sb_buf(test);
	synod_sb_encode(&sb, buf);
	KUNIT_EXPECT_EQ(test, synod_sb_decode(buf, &sb), SYNOD_SB_BAD_SIZES);
	sb.secret_fp[0] = 1;
	synod_sb_encode(&sb, buf);
	KUNIT_EXPECT_EQ(test, synod_sb_decode(buf, &sb), SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, sb.format, SYNOD_SB_FORMAT_V3);
}

/* Format 1, as the module wrote it before format 2, still reads. */
static void v1_round_trip(struct kunit *test)
{
	struct synod_sb in, out;
	u8 *buf = sb_buf(test);
	u32 i;

	round_trip(test, SYNOD_SB_FORMAT_V1, &in, &out, buf);
	KUNIT_EXPECT_EQ(test, out.cfg.epoch, 0x0a0b0c0du);
	KUNIT_EXPECT_EQ(test, out.epoch, 0x0a0b0c0dull);
	KUNIT_EXPECT_EQ(test, out.cfg.learners, 0x10u);
	KUNIT_EXPECT_EQ(test, out.cfg.q1, 2);
	KUNIT_EXPECT_EQ(test, out.cfg.q2, 2);
	KUNIT_EXPECT_EQ(test, out.promised_round, 0ull);
	KUNIT_EXPECT_EQ(test, out.journal_offset, in.journal_offset);
	KUNIT_EXPECT_EQ(test, out.journal_size, in.journal_size);
	KUNIT_EXPECT_EQ(test, out.jrec_size, in.jrec_size);
	KUNIT_EXPECT_EQ(test, out.jrec_count, in.jrec_count);
	KUNIT_EXPECT_EQ(test, out.data_offset, in.data_offset);
	KUNIT_EXPECT_EQ(test, out.on_no_quorum, 1u);
	KUNIT_EXPECT_EQ(test, out.secret_len, 37u);
	KUNIT_EXPECT_EQ(test, memcmp(out.secret, in.secret, 64), 0);
	KUNIT_EXPECT_EQ(test, memcmp(&out.listen, &in.listen,
				     sizeof(in.listen)), 0);
	for (i = 0; i < SYNOD_SB_PEERS; i++)
		KUNIT_EXPECT_EQ(test, memcmp(&out.peer[i], &in.peer[i],
					     sizeof(in.peer[i])), 0);

	/* Little-endian at the documented offsets. */
	KUNIT_EXPECT_EQ(test, synod_get_le32(buf + OFF_FORMAT), 1u);
	KUNIT_EXPECT_EQ(test, buf[0x058], 0x08);
	KUNIT_EXPECT_EQ(test, synod_get_le32(buf + OFF_JREC_SIZE), 69632u);
	KUNIT_EXPECT_EQ(test, memcmp(buf + OFF_CLUSTER, "prod-east\0", 10), 0);
	KUNIT_EXPECT_EQ(test, synod_get_le16(buf + OFF_LISTEN), 2);
	KUNIT_EXPECT_EQ(test, synod_get_le16(buf + OFF_LISTEN + 2), 7790);
	KUNIT_EXPECT_EQ(test, buf[OFF_LISTEN + 4], 10);
	KUNIT_EXPECT_EQ(test, synod_get_le16(buf + OFF_PEERS + 20), 10);
	KUNIT_EXPECT_EQ(test, buf[OFF_SECRET + 36], 0xa5);
	KUNIT_EXPECT_EQ(test, buf[OFF_SECRET + 37], 0);

	/* A full 32-byte cluster name survives, NUL terminated in memory. */
	memset(in.cluster, 'x', SYNOD_SB_CLUSTER_LEN);
	in.cluster[SYNOD_SB_CLUSTER_LEN] = 0;
	synod_sb_encode(&in, buf);
	KUNIT_ASSERT_EQ(test, synod_sb_decode(buf, &out), SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, strlen(out.cluster), (size_t)SYNOD_SB_CLUSTER_LEN);
}

/* In every replicated format (1, 2 and 3). */
static void v1_flipped_bit_rejected(struct kunit *test)
{
	struct synod_sb sb;
	u32 off, format;

	for (format = SYNOD_SB_FORMAT_V1; format <= SYNOD_SB_FORMAT_V3;
	     format++) {
		u8 *buf = encoded(test, format);

		for (off = SYNOD_SB_MAGIC_LEN; off < SYNOD_SB_SIZE; off++) {
			u8 bit = 1u << (off % 8);

			buf[off] ^= bit;
			KUNIT_EXPECT_EQ_MSG(test, synod_sb_decode(buf, &sb),
					    SYNOD_SB_BAD_CSUM,
					    "format %u, bit flipped at %u",
					    format, off);
			buf[off] ^= bit;
		}
		KUNIT_EXPECT_EQ(test, synod_sb_decode(buf, &sb), SYNOD_SB_OK);
	}
}

/* Edit one field of a valid copy @buf, reseal it, expect @want. */
static void expect_at(struct kunit *test, u8 *buf, u32 off, u64 val,
		      u32 width, enum synod_sb_status want)
{
	struct synod_sb sb;

	if (width == 1)
		buf[off] = (u8)val;
	else if (width == 2)
		synod_put_le16(buf + off, (u16)val);
	else if (width == 4)
		synod_put_le32(buf + off, (u32)val);
	else
		synod_put_le64(buf + off, val);
	reseal(buf);
	KUNIT_EXPECT_EQ_MSG(test, synod_sb_decode(buf, &sb), want,
			    "field at 0x%x = %llu", off, val);
}

static void expect_v1(struct kunit *test, u32 off, u64 val, u32 width,
		      enum synod_sb_status want)
{
	expect_at(test, encoded(test, SYNOD_SB_FORMAT_V1), off, val, width,
		  want);
}

static void expect_v2(struct kunit *test, u32 off, u64 val, u32 width,
		      enum synod_sb_status want)
{
	expect_at(test, encoded(test, SYNOD_SB_FORMAT_V2), off, val, width,
		  want);
}

static void expect_v3(struct kunit *test, u32 off, u64 val, u32 width,
		      enum synod_sb_status want)
{
	expect_at(test, encoded(test, SYNOD_SB_FORMAT_V3), off, val, width,
		  want);
}

static void v1_bad_fields_rejected(struct kunit *test)
{
	enum synod_sb_status bad = SYNOD_SB_BAD_SIZES;

	expect_v1(test, OFF_NODE_ID, 8, 4, bad);
	expect_v1(test, OFF_V1_RSVD, 1, 4, bad);
	expect_v1(test, OFF_EPOCH, 1ull << 32, 8, bad);
	expect_v1(test, OFF_VOTERS, 0, 4, bad);		/* quorums left */
	expect_v1(test, OFF_VOTERS, 0x100, 4, bad);	/* node 8 */
	expect_v1(test, OFF_VOTERS, 0x1e, 4, bad);	/* voter and learner */
	expect_v1(test, OFF_LEARNERS, 0x200, 4, bad);
	expect_v1(test, OFF_Q1, 1, 1, bad);		/* 1 + 2 <= 3 */
	expect_v1(test, OFF_Q1, 4, 1, bad);		/* > voters */
	expect_v1(test, OFF_Q1, 0, 1, bad);
	expect_v1(test, OFF_SECRET_LEN, 65, 4, bad);
	expect_v1(test, OFF_SECRET_LEN, 36, 4, bad);	/* junk after it */
	expect_v1(test, OFF_CLUSTER + 12, 'y', 1, bad);	/* after the NUL */
	expect_v1(test, OFF_LISTEN, 3, 2, bad);		/* family */
	expect_v1(test, OFF_LISTEN + 10, 1, 1, bad);	/* IPv4 tail */
	expect_v1(test, OFF_PEERS + 2, 1, 2, bad);	/* port, unused */
	expect_v1(test, OFF_JREC_SIZE, 65536, 4, bad);
	expect_v1(test, OFF_JREC_COUNT, 1, 4, bad);
	expect_v1(test, OFF_JREC_COUNT, 257, 4, bad);	/* size disagrees */
	expect_v1(test, OFF_JOURNAL_OFFSET, 4096, 8, bad);	/* on copy 1 */
	expect_v1(test, OFF_JOURNAL_OFFSET, 1 * TEST_MIB + 512, 8, bad);
	expect_v1(test, OFF_JOURNAL_OFFSET, 2 * TEST_MIB, 8, bad); /* overlap */
	expect_v1(test, OFF_JOURNAL_SIZE, 0, 8, bad);
	expect_v1(test, 0x1ac, 1, 1, bad);		/* reserved tail */
	expect_v1(test, OFF_OPTS, 2, 4, SYNOD_SB_BAD_FLAGS);
	expect_v1(test, OFF_FLAGS, 2, 4, SYNOD_SB_BAD_FLAGS);
	expect_v1(test, OFF_FLAGS, 0x80000000, 4, SYNOD_SB_BAD_FLAGS);
	/* RESYNC is the one format 1 flag: it decodes */
	expect_v1(test, OFF_FLAGS, SYNOD_SB_FLAG_RESYNC, 4, SYNOD_SB_OK);
	expect_v1(test, OFF_SEQ, 0, 8, bad);
}

/*
 * Format 2: format 1's fields, and where format 1 kept the secret, its
 * fingerprint (32 bytes at 0x0b8); the length and the rest are zero.
 */
static void v2_round_trip(struct kunit *test)
{
	struct synod_sb in, out;
	u8 *buf = sb_buf(test);

	round_trip(test, SYNOD_SB_FORMAT_V2, &in, &out, buf);
	KUNIT_EXPECT_EQ(test, memcmp(out.secret_fp, in.secret_fp,
				     SYNOD_SB_FP_LEN), 0);
	KUNIT_EXPECT_EQ(test, out.secret_len, 0u);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(out.secret, 0, sizeof(out.secret)));
	KUNIT_EXPECT_EQ(test, memcmp(&out.peer[3], &in.peer[3],
				     sizeof(in.peer[3])), 0);

	/* its ring of 68 KiB format 1 slots, no payload ring */
	KUNIT_EXPECT_EQ(test, out.jrec_size, SYNOD_JREC_SIZE);
	KUNIT_EXPECT_EQ(test, out.jrec_count, SYNOD_JOURNAL_RECORDS);
	KUNIT_EXPECT_EQ(test, out.journal_size, 17 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, out.data_offset, 18 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, synod_sb_jrec_format(&out), SYNOD_JREC_FORMAT_V1);
	KUNIT_EXPECT_EQ(test, synod_sb_pring_size(&out), 0ull);

	KUNIT_EXPECT_EQ(test, synod_get_le32(buf + OFF_FORMAT), 2u);
	KUNIT_EXPECT_EQ(test, synod_get_le32(buf + OFF_JREC_SIZE), 69632u);
	KUNIT_EXPECT_EQ(test, synod_get_le32(buf + OFF_SECRET_LEN), 0u);
	KUNIT_EXPECT_EQ(test, buf[OFF_SECRET_FP], 0xc0);
	KUNIT_EXPECT_EQ(test, buf[OFF_SECRET_FP + 31], 0xdf);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(buf + OFF_SECRET_FP + 32, 0, 32));
	KUNIT_EXPECT_EQ(test, synod_get_le16(buf + OFF_LISTEN + 2), 7790);
	/* A replicated format: same minimum size, the RESYNC flag decodes. */
	expect_v2(test, OFF_FLAGS, SYNOD_SB_FLAG_RESYNC, 4, SYNOD_SB_OK);
}

/* The fingerprint rules and the rest, in format 2 and in format 3. */
static void fp_bad_fields_rejected(struct kunit *test, u32 format)
{
	enum synod_sb_status bad = SYNOD_SB_BAD_SIZES;
	u8 *buf = encoded(test, format);
	u32 i;

	/* a length: format 1's secret in a format 2 or 3 copy */
	expect_at(test, encoded(test, format), OFF_SECRET_LEN, 16, 4, bad);
	expect_at(test, encoded(test, format), OFF_SECRET_LEN, 32, 4, bad);
	expect_at(test, encoded(test, format), OFF_SECRET_FP + 32, 1, 1, bad);
	expect_at(test, encoded(test, format), OFF_SECRET_FP + 63, 0x80, 1,
		  bad);
	/* no fingerprint at all */
	for (i = 0; i < SYNOD_SB_FP_LEN; i++)
		buf[OFF_SECRET_FP + i] = 0;
	expect_at(test, buf, OFF_SECRET_FP, 0, 1, bad);
	/* one byte of one is enough */
	expect_at(test, buf, OFF_SECRET_FP + 31, 1, 1, SYNOD_SB_OK);
	/* the rest as in format 1 */
	expect_at(test, encoded(test, format), OFF_NODE_ID, 8, 4, bad);
	expect_at(test, encoded(test, format), OFF_Q1, 1, 1, bad);
	expect_at(test, encoded(test, format), 0x1ac, 1, 1, bad);
	expect_at(test, encoded(test, format), OFF_OPTS, 2, 4,
		  SYNOD_SB_BAD_FLAGS);
	expect_at(test, encoded(test, format), OFF_FLAGS, 4, 4,
		  SYNOD_SB_BAD_FLAGS);
	expect_at(test, encoded(test, format), OFF_FLAGS, 0x80000000, 4,
		  SYNOD_SB_BAD_FLAGS);
	expect_at(test, encoded(test, format), OFF_FLAGS,
		  SYNOD_SB_FLAG_RESYNC, 4, SYNOD_SB_OK);
}

static void v2_bad_fields_rejected(struct kunit *test)
{
	fp_bad_fields_rejected(test, SYNOD_SB_FORMAT_V2);
}

/*
 * Format 3 is format 2 but for its journal: the fingerprint (and every
 * other field) follows format 2's rules.
 */
static void v3_bad_fields_rejected(struct kunit *test)
{
	fp_bad_fields_rejected(test, SYNOD_SB_FORMAT_V3);
}

/*
 * Format 3: format 2's fields, and a journal of 20 KiB slots followed by
 * a payload ring (journal_size - jrec_count * jrec_size).
 */
static void v3_round_trip(struct kunit *test)
{
	struct synod_sb in, out;
	u8 *buf = sb_buf(test);
	u32 i;

	round_trip(test, SYNOD_SB_FORMAT_V3, &in, &out, buf);
	KUNIT_EXPECT_EQ(test, out.cfg.epoch, 0x0a0b0c0du);
	KUNIT_EXPECT_EQ(test, out.cfg.learners, 0x10u);
	KUNIT_EXPECT_EQ(test, out.on_no_quorum, 1u);
	KUNIT_EXPECT_EQ(test, memcmp(out.secret_fp, in.secret_fp,
				     SYNOD_SB_FP_LEN), 0);
	KUNIT_EXPECT_EQ(test, out.secret_len, 0u);
	KUNIT_EXPECT_EQ(test, memcmp(&out.listen, &in.listen,
				     sizeof(in.listen)), 0);
	for (i = 0; i < SYNOD_SB_PEERS; i++)
		KUNIT_EXPECT_EQ(test, memcmp(&out.peer[i], &in.peer[i],
					     sizeof(in.peer[i])), 0);
	KUNIT_EXPECT_EQ(test, out.journal_offset, 1 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, out.jrec_size, SYNOD_JREC3_SLOT);
	KUNIT_EXPECT_EQ(test, out.jrec_count, SYNOD_JOURNAL_RECORDS);
	KUNIT_EXPECT_EQ(test, out.journal_size, 17 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, out.data_offset, 18 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, out.data_size, in.data_size);
	KUNIT_EXPECT_TRUE(test, synod_sb_is_repl(&out));
	KUNIT_EXPECT_EQ(test, synod_sb_jrec_format(&out), SYNOD_JREC_FORMAT_V3);
	KUNIT_EXPECT_EQ(test, synod_sb_pring_size(&out), 12 * TEST_MIB);

	/* Little-endian at the documented offsets. */
	KUNIT_EXPECT_EQ(test, synod_get_le32(buf + OFF_FORMAT), 3u);
	KUNIT_EXPECT_EQ(test, synod_get_le32(buf + OFF_JREC_SIZE), 20480u);
	KUNIT_EXPECT_EQ(test, synod_get_le32(buf + OFF_JREC_COUNT), 256u);
	KUNIT_EXPECT_EQ(test, synod_get_le64(buf + OFF_JOURNAL_SIZE),
			17 * TEST_MIB);
	KUNIT_EXPECT_EQ(test, synod_get_le32(buf + OFF_SECRET_LEN), 0u);
	KUNIT_EXPECT_EQ(test, buf[OFF_SECRET_FP], 0xc0);
	KUNIT_EXPECT_EQ(test, buf[OFF_SECRET_FP + 31], 0xdf);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(buf + OFF_SECRET_FP + 32, 0, 32));

	/* Re-encoding what was decoded gives the same bytes. */
	synod_sb_encode(&out, buf);
	KUNIT_EXPECT_EQ(test, synod_sb_decode(buf, &in), SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, memcmp(&in, &out, sizeof(in)), 0);
}

/* Bytes of @slots slots of @size and a payload ring of @pring. */
static u64 jbytes(u32 slots, u32 size, u64 pring)
{
	return (u64)slots * size + pring;
}

/*
 * Format 3's journal layout: slots of format 3's size only, a payload
 * ring of at least SYNOD_PRING_MIN in whole 4 KiB blocks, all of it
 * before the data area.
 */
static void v3_bad_layout_rejected(struct kunit *test)
{
	enum synod_sb_status bad = SYNOD_SB_BAD_SIZES;
	u8 *buf;

	/* format 1's slot size, in a layout otherwise format 3's */
	buf = encoded(test, SYNOD_SB_FORMAT_V3);
	synod_put_le32(buf + OFF_JREC_SIZE, SYNOD_JREC_SIZE);
	expect_at(test, buf, OFF_JREC_COUNT, SYNOD_JOURNAL_RECORDS_MIN, 4,
		  bad);
	/* ...the same with format 3's slot size decodes */
	expect_v3(test, OFF_JREC_COUNT, SYNOD_JOURNAL_RECORDS_MIN, 4,
		  SYNOD_SB_OK);
	expect_v3(test, OFF_JREC_SIZE, SYNOD_JREC_SIZE, 4, bad);
	expect_v3(test, OFF_JREC_SIZE, SYNOD_JREC3_SLOT + 4096, 4, bad);
	expect_v3(test, OFF_JREC_SIZE, SYNOD_JREC3_SLOT - 4096, 4, bad);

	/* the payload ring: at least SYNOD_PRING_MIN */
	expect_v3(test, OFF_JOURNAL_SIZE, jbytes(256, SYNOD_JREC3_SLOT,
		  SYNOD_PRING_MIN), 8, SYNOD_SB_OK);
	expect_v3(test, OFF_JOURNAL_SIZE, jbytes(256, SYNOD_JREC3_SLOT,
		  SYNOD_PRING_MIN - 4096), 8, bad);
	expect_v3(test, OFF_JOURNAL_SIZE, jbytes(256, SYNOD_JREC3_SLOT, 0),
		  8, bad);
	expect_v3(test, OFF_JOURNAL_SIZE, jbytes(255, SYNOD_JREC3_SLOT, 0),
		  8, bad);	/* less than the slots: no wrap to huge */
	expect_v3(test, OFF_JOURNAL_SIZE, 0, 8, bad);
	/* in whole 4 KiB blocks */
	expect_v3(test, OFF_JOURNAL_SIZE, jbytes(256, SYNOD_JREC3_SLOT,
		  SYNOD_PRING_BYTES - 512), 8, bad);
	expect_v3(test, OFF_JOURNAL_SIZE, jbytes(256, SYNOD_JREC3_SLOT,
		  SYNOD_PRING_MIN + 2048), 8, bad);
	/* before the data area: 4 KiB more reaches into it */
	expect_v3(test, OFF_JOURNAL_SIZE, jbytes(256, SYNOD_JREC3_SLOT,
		  SYNOD_PRING_BYTES + 4096), 8, bad);
	expect_v3(test, OFF_JOURNAL_SIZE, ~0ull - 4095, 8, bad);
	/* more slots in the same journal leave too small a ring */
	expect_v3(test, OFF_JREC_COUNT, (17 * TEST_MIB - SYNOD_PRING_MIN) /
		  SYNOD_JREC3_SLOT + 1, 4, bad);
	expect_v3(test, OFF_JREC_COUNT, (17 * TEST_MIB - SYNOD_PRING_MIN) /
		  SYNOD_JREC3_SLOT, 4, SYNOD_SB_OK);
	expect_v3(test, OFF_JREC_COUNT, SYNOD_JOURNAL_RECORDS_MIN - 1, 4, bad);
}

/*
 * LARGE (0x2, large requests) is format 3's only: formats 1 and 2, whose
 * 68 KiB slots hold 4 x 16 KiB, refuse it as an unknown feature, as every
 * module before it refuses it in format 3 too.  On format 3 it decodes,
 * with RESYNC or alone, and bounds the journal's payloads at 1 MiB; its
 * payload ring must hold SYNOD_PRING_MIN_LARGE (a batch of large records
 * and a wrap), or the copy is refused saying so, not as corrupt.
 */
static void large_flag_v3_only(struct kunit *test)
{
	struct synod_sb sb;
	u8 *buf;

	expect_v1(test, OFF_FLAGS, SYNOD_SB_FLAG_LARGE, 4, SYNOD_SB_BAD_FLAGS);
	expect_v2(test, OFF_FLAGS, SYNOD_SB_FLAG_LARGE, 4, SYNOD_SB_BAD_FLAGS);
	expect_v2(test, OFF_FLAGS, SYNOD_SB_FLAGS_V3, 4, SYNOD_SB_BAD_FLAGS);
	expect_v3(test, OFF_FLAGS, SYNOD_SB_FLAG_LARGE, 4, SYNOD_SB_OK);
	expect_v3(test, OFF_FLAGS, SYNOD_SB_FLAGS_V3, 4, SYNOD_SB_OK);

	buf = encoded(test, SYNOD_SB_FORMAT_V3);
	KUNIT_ASSERT_EQ(test, synod_sb_decode(buf, &sb), SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, synod_sb_paymax(&sb), SYNOD_PAYLOAD_MAX);
	expect_at(test, buf, OFF_FLAGS, SYNOD_SB_FLAG_LARGE, 4, SYNOD_SB_OK);
	KUNIT_ASSERT_EQ(test, synod_sb_decode(buf, &sb), SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, sb.flags, SYNOD_SB_FLAG_LARGE);
	KUNIT_EXPECT_EQ(test, synod_sb_paymax(&sb), SYNOD_PAYLOAD_MAX_LARGE);
	/* every format 3 volume made so far has a ring large enough */
	KUNIT_EXPECT_GE(test, synod_sb_pring_size(&sb),
			(u64)SYNOD_PRING_MIN_LARGE);

	/* the least ring LARGE takes, and 4 KiB less */
	expect_at(test, buf, OFF_JOURNAL_SIZE, jbytes(256, SYNOD_JREC3_SLOT,
		  SYNOD_PRING_MIN_LARGE), 8, SYNOD_SB_OK);
	expect_at(test, buf, OFF_JOURNAL_SIZE, jbytes(256, SYNOD_JREC3_SLOT,
		  SYNOD_PRING_MIN_LARGE - 4096), 8, SYNOD_SB_SMALL_PRING);
	KUNIT_EXPECT_STREQ(test, synod_sb_status_str(SYNOD_SB_SMALL_PRING),
			   "payload ring too small for large requests (LARGE flag)");
	/* which is a valid ring without the bit */
	expect_at(test, buf, OFF_FLAGS, 0, 4, SYNOD_SB_OK);
}

/*
 * Formats 1 and 2 keep their ring of 68 KiB format 1 slots: no payload
 * ring (journal_size is count * size) and not format 3's slots.
 */
static void v2_layout_is_v1(struct kunit *test)
{
	enum synod_sb_status bad = SYNOD_SB_BAD_SIZES;
	u32 format;
	u8 *buf;

	for (format = SYNOD_SB_FORMAT_V1; format <= SYNOD_SB_FORMAT_V2;
	     format++) {
		/* 200 slots of 68 KiB and 3.5 MiB of ring in 17 MiB */
		buf = encoded(test, format);
		synod_put_le32(buf + OFF_JREC_COUNT, 200);
		expect_at(test, buf, OFF_JOURNAL_SIZE, 17 * TEST_MIB, 8, bad);
		buf = encoded(test, format);
		synod_put_le32(buf + OFF_JREC_COUNT, 200);
		expect_at(test, buf, OFF_JOURNAL_SIZE,
			  jbytes(200, SYNOD_JREC_SIZE, 0), 8, SYNOD_SB_OK);
		/* the default ring with a payload ring after it */
		buf = encoded(test, format);
		synod_put_le64(buf + OFF_DATA_OFFSET, 30 * TEST_MIB);
		synod_put_le64(buf + OFF_DATA_SIZE, 34 * TEST_MIB);
		expect_at(test, buf, OFF_JOURNAL_SIZE, jbytes(256,
			  SYNOD_JREC_SIZE, SYNOD_PRING_BYTES), 8, bad);
		/* format 3's layout, as a format 1 or 2 superblock */
		buf = encoded(test, format);
		synod_put_le32(buf + OFF_JREC_SIZE, SYNOD_JREC3_SLOT);
		expect_at(test, buf, OFF_JOURNAL_SIZE, jbytes(256,
			  SYNOD_JREC3_SLOT, SYNOD_PRING_BYTES), 8, bad);
		/* and its slots without a payload ring */
		buf = encoded(test, format);
		synod_put_le32(buf + OFF_JREC_SIZE, SYNOD_JREC3_SLOT);
		expect_at(test, buf, OFF_JOURNAL_SIZE, jbytes(256,
			  SYNOD_JREC3_SLOT, 0), 8, bad);
	}
}

/*
 * A format 1 copy and a format 2 copy, as after a crash between the two
 * writes of a conversion: the higher sequence number wins, whichever
 * format it is.
 */
static void v1_v2_selection(struct kunit *test)
{
	static const struct {
		u64 v2_seq;		/* the v1 copy has 9 */
		u32 which, format, secret_len;	/* the copy that wins */
	} cases[] = {
		{ 10, 1, SYNOD_SB_FORMAT_V2, 0 },
		{ 8, 0, SYNOD_SB_FORMAT_V1, 37 },
	};
	u8 *v1 = encoded(test, SYNOD_SB_FORMAT_V1);
	u8 *v2 = encoded(test, SYNOD_SB_FORMAT_V2);
	struct synod_sb sb;
	u32 which, i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		synod_put_le64(v2 + OFF_SEQ, cases[i].v2_seq);
		reseal(v2);
		KUNIT_EXPECT_EQ(test, synod_sb_select(v1, v2, &sb, &which),
				SYNOD_SB_OK);
		KUNIT_EXPECT_EQ(test, which, cases[i].which);
		KUNIT_EXPECT_EQ(test, sb.format, cases[i].format);
		KUNIT_EXPECT_EQ(test, sb.secret_len, cases[i].secret_len);
	}
}

/* A v0 copy and a v1 copy: selection goes by sequence number only. */

/*
 * A replicated volume with every field of the current format (3) set,
 * the secret's fingerprint a pattern: the layout synod_sb_init_repl()
 * gives, a ring of 20 KiB slots and a payload ring.
 */
static void v0_still_read(struct kunit *test)
{
	u8 *v0 = encoded_sb(test, 3);
	u8 *v1 = encoded(test, SYNOD_SB_FORMAT_V1);
	struct synod_sb sb;
	u32 which;

	KUNIT_EXPECT_EQ(test, synod_sb_select(v0, v1, &sb, &which),
			SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, which, 1u);
	KUNIT_EXPECT_EQ(test, sb.format, SYNOD_SB_FORMAT_V1);
	KUNIT_EXPECT_EQ(test, synod_sb_decode(v0, &sb), SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, sb.format, SYNOD_SB_FORMAT_V0);
	KUNIT_EXPECT_EQ(test, sb.jrec_count, 0u);
	KUNIT_EXPECT_EQ(test, sb.journal_size, 0ull);
}

static struct kunit_case ondisk_repl_cases[] = {
	KUNIT_CASE(init_repl_layout),
	KUNIT_CASE(v1_round_trip),
	KUNIT_CASE(v2_round_trip),
	KUNIT_CASE(v2_bad_fields_rejected),
	KUNIT_CASE(v2_layout_is_v1),
	KUNIT_CASE(v3_round_trip),
	KUNIT_CASE(v3_bad_fields_rejected),
	KUNIT_CASE(v3_bad_layout_rejected),
	KUNIT_CASE(large_flag_v3_only),
	KUNIT_CASE(v1_v2_selection),
	KUNIT_CASE(v1_flipped_bit_rejected),
	KUNIT_CASE(v1_bad_fields_rejected),
	KUNIT_CASE(v0_still_read),
	{}
};

static struct kunit_suite ondisk_repl_suite = {
	.name = "synod_ondisk_repl",
	.init = synod_kunit_init,
	.exit = synod_kunit_exit,
	.test_cases = ondisk_repl_cases,
};

kunit_test_suites(&ondisk_repl_suite);
