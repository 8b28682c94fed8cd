// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_jrec": the journal record header (kmod/core/jrec.c)
 * as Documentation/ondisk.rst specifies it, inside the kernel build.
 * tests/core/test_jrec.c checks the same properties in userspace under
 * ASan; this suite proves the kernel's build of the codec agrees.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kunit_env.h"
#include "jrec.h"
#include "crc32c.h"

#define OFF_JSEQ	0x008
#define OFF_WRITES	0x060
#define OFF_T_JSEQ	0xfe8
#define OFF_CSUM	0xffc

static const u8 test_uuid[16] = {
	0x5e, 0x1f, 0x00, 0xd1, 0x2a, 0x3b, 0x4c, 0x5d,
	0x6e, 0x7f, 0x80, 0x91, 0xa2, 0xb3, 0xc4, 0xd5,
};

/* A zeroed header-block buffer that lives as long as the test. */
static u8 *hdr_buf(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, SYNOD_JREC_HDR_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	return buf;
}

/* A WRITE entry with @nw writes, jseq 5 of the batch [4, 8). */
static void fill(struct synod_jrec_hdr *h, u32 nw)
{
	u32 i;

	memset(h, 0, sizeof(*h));
	h->jseq = 5;
	h->batch_first = 4;
	h->batch_n = 4;
	h->pseq = 77;
	h->e.slot = 0x0102030405060708ull;
	h->e.ballot = synod_ballot_make(3, 1);
	h->e.kind = SYNOD_ENTRY_WRITE;
	h->e.nwrites = nw;
	for (i = 0; i < nw; i++) {
		h->e.w[i].block = 100 + i;
		h->e.w[i].ref = 200 + i;
		h->len[i] = SYNOD_PAYLOAD_MAX - 512 * i;
		h->crc[i] = 0xc0de0000 + i;
	}
}

static void reseal(u8 *buf)
{
	synod_put_le32(buf + OFF_CSUM, synod_crc32c(0, buf, OFF_CSUM));
}

static void round_trip(struct kunit *test)
{
	struct synod_jrec_hdr *h = kunit_kzalloc(test, 2 * sizeof(*h),
						 GFP_KERNEL);
	u8 *buf = hdr_buf(test);
	u32 i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, h);
	fill(h, SYNOD_BATCH_MAX);
	synod_jrec_encode(h, test_uuid, buf);
	KUNIT_ASSERT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid, h + 1), SYNOD_JREC_OK);
	KUNIT_EXPECT_EQ(test, h[1].jseq, 5ull);
	KUNIT_EXPECT_EQ(test, h[1].batch_first, 4ull);
	KUNIT_EXPECT_EQ(test, h[1].batch_n, 4u);
	KUNIT_EXPECT_EQ(test, h[1].pseq, 77ull);
	KUNIT_EXPECT_EQ(test, h[1].e.slot, h->e.slot);
	KUNIT_EXPECT_EQ(test, h[1].e.ballot, h->e.ballot);
	KUNIT_EXPECT_EQ(test, h[1].e.nwrites, SYNOD_BATCH_MAX);
	for (i = 0; i < SYNOD_BATCH_MAX; i++) {
		KUNIT_EXPECT_EQ(test, h[1].e.w[i].block, 100ull + i);
		KUNIT_EXPECT_EQ(test, h[1].e.w[i].ref, 200ull + i);
		KUNIT_EXPECT_EQ(test, h[1].len[i], h->len[i]);
		KUNIT_EXPECT_EQ(test, h[1].crc[i], h->crc[i]);
	}
	/* Full payloads fit one record exactly at most. */
	KUNIT_EXPECT_LE(test, synod_jrec_used(h + 1), SYNOD_JREC_SIZE);
	KUNIT_EXPECT_EQ(test, synod_get_le32(buf), SYNOD_JREC_MAGIC);
	KUNIT_EXPECT_EQ(test, buf[OFF_JSEQ], 5);
}

static void every_bit_flip_caught(struct kunit *test)
{
	struct synod_jrec_hdr h, d;
	u8 *buf = hdr_buf(test);
	u32 bit;

	fill(&h, 3);
	synod_jrec_encode(&h, test_uuid, buf);
	for (bit = 0; bit < SYNOD_JREC_HDR_SIZE * 8; bit++) {
		buf[bit / 8] ^= 1u << (bit % 8);
		KUNIT_EXPECT_EQ_MSG(test, synod_jrec_decode(buf,
				SYNOD_JREC_HDR_SIZE, test_uuid, &d),
				SYNOD_JREC_CRC_BAD, "bit %u", bit);
		buf[bit / 8] ^= 1u << (bit % 8);
	}
	KUNIT_EXPECT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid, &d), SYNOD_JREC_OK);
}

static void bad_lengths_refused(struct kunit *test)
{
	static const u32 lens[] = { 0, 1, 511, 513, SYNOD_PAYLOAD_MAX + 512,
				    0x80000000u };
	struct synod_jrec_hdr h, d;
	u8 *buf = hdr_buf(test);
	u32 i;

	fill(&h, 1);
	synod_jrec_encode(&h, test_uuid, buf);
	KUNIT_EXPECT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE - 1,
						test_uuid, &d),
			SYNOD_JREC_SHORT);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		synod_jrec_encode(&h, test_uuid, buf);
		synod_put_le32(buf + OFF_WRITES + 16, lens[i]);
		reseal(buf);
		KUNIT_EXPECT_EQ_MSG(test, synod_jrec_decode(buf,
				SYNOD_JREC_HDR_SIZE, test_uuid, &d),
				SYNOD_JREC_FIELD_BAD, "len %u", lens[i]);
	}
	/* A length for a write the entry does not have. */
	synod_jrec_encode(&h, test_uuid, buf);
	synod_put_le32(buf + OFF_WRITES + 32 + 16, 512);
	reseal(buf);
	KUNIT_EXPECT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid, &d),
			SYNOD_JREC_FIELD_BAD);
}

static void slot_from_trailer(struct kunit *test)
{
	struct synod_jrec_hdr h, d;
	u8 *buf = hdr_buf(test);
	u64 jseq, slot;

	fill(&h, 2);
	synod_jrec_encode(&h, test_uuid, buf);
	memset(buf, 0, 512);		/* torn first sector */
	KUNIT_EXPECT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid, &d),
			SYNOD_JREC_CRC_BAD);
	KUNIT_ASSERT_TRUE(test, synod_jrec_trailer(buf, SYNOD_JREC_HDR_SIZE,
						   test_uuid, &jseq, &slot));
	KUNIT_EXPECT_EQ(test, jseq, 5ull);
	KUNIT_EXPECT_EQ(test, slot, h.e.slot);
	buf[OFF_T_JSEQ] ^= 1;
	KUNIT_EXPECT_FALSE(test, synod_jrec_trailer(buf, SYNOD_JREC_HDR_SIZE,
						    test_uuid, &jseq, &slot));
	memset(buf, 0, SYNOD_JREC_HDR_SIZE);
	KUNIT_EXPECT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid, &d), SYNOD_JREC_EMPTY);
}

static struct kunit_case jrec_cases[] = {
	KUNIT_CASE(round_trip),
	KUNIT_CASE(every_bit_flip_caught),
	KUNIT_CASE(bad_lengths_refused),
	KUNIT_CASE(slot_from_trailer),
	{}
};

static struct kunit_suite jrec_suite = {
	.name = "synod_jrec",
	.init = synod_kunit_init,
	.exit = synod_kunit_exit,
	.test_cases = jrec_cases,
};

kunit_test_suites(&jrec_suite);
MODULE_LICENSE("GPL");
