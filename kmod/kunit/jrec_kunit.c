// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_jrec": the journal record header (kmod/core/jrec.c)
 * as Documentation/ondisk.rst specifies it, inside the kernel build, for
 * both record formats: 1 (superblock formats 1 and 2) and 3 (superblock
 * format 3, with the payload ring).  tests/core/test_jrec.c checks the
 * same properties in userspace under ASan; this suite proves the
 * kernel's build of the codec agrees.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kunit_env.h"
#include "jrec.h"
#include "crc32c.h"

#define OFF_FORMAT	0x004
#define OFF_JSEQ	0x008
#define OFF_RFLAGS	0x01c
#define OFF_WRITES	0x060
#define OFF_POFF	0x0e0
#define OFF_T_JSEQ	0xfe8
#define OFF_CSUM	0xffc
/* The payload bound of the volumes under test: before LARGE, 16 KiB. */
#define PM		SYNOD_PAYLOAD_MAX

/* A payload ring byte for the PRING records: sector-aligned, not 0. */
#define TEST_POFF	(12345ull * SYNOD_PRING_ALIGN)

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

/*
 * A WRITE entry of record format @fmt with @nw writes, jseq 5 of the
 * batch [4, 8).  In format 3, payloads that do not fit the slot go to
 * the payload ring (PRING at TEST_POFF), as the journal writes them.
 */
static void fill(struct synod_jrec_hdr *h, u32 nw, u32 fmt)
{
	u32 i, paylen = 0;

	memset(h, 0, sizeof(*h));
	h->format = fmt;
	h->paymax = PM;
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
		paylen += h->len[i];
	}
	if (fmt == SYNOD_JREC_FORMAT_V3 &&
	    paylen > SYNOD_JREC3_SLOT - SYNOD_JREC_HDR_SIZE) {
		h->flags = SYNOD_JREC_F_PRING;
		h->poff = TEST_POFF;
	}
}

static void reseal(u8 *buf)
{
	synod_put_le32(buf + OFF_CSUM, synod_crc32c(0, buf, OFF_CSUM));
}

static void round_trip(struct kunit *test, u32 fmt)
{
	struct synod_jrec_hdr *h = kunit_kzalloc(test, 2 * sizeof(*h),
						 GFP_KERNEL);
	u8 *buf = hdr_buf(test);
	u32 i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, h);
	fill(h, SYNOD_BATCH_MAX, fmt);
	synod_jrec_encode(h, test_uuid, buf);
	KUNIT_ASSERT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid, fmt, PM, h + 1),
			SYNOD_JREC_OK);
	KUNIT_EXPECT_EQ(test, h[1].format, fmt);
	KUNIT_EXPECT_EQ(test, h[1].jseq, 5ull);
	KUNIT_EXPECT_EQ(test, h[1].batch_first, 4ull);
	KUNIT_EXPECT_EQ(test, h[1].batch_n, 4u);
	KUNIT_EXPECT_EQ(test, h[1].pseq, 77ull);
	KUNIT_EXPECT_EQ(test, h[1].flags, h->flags);
	KUNIT_EXPECT_EQ(test, h[1].poff, h->poff);
	KUNIT_EXPECT_EQ(test, h[1].e.slot, h->e.slot);
	KUNIT_EXPECT_EQ(test, h[1].e.ballot, h->e.ballot);
	KUNIT_EXPECT_EQ(test, h[1].e.nwrites, SYNOD_BATCH_MAX);
	for (i = 0; i < SYNOD_BATCH_MAX; i++) {
		KUNIT_EXPECT_EQ(test, h[1].e.w[i].block, 100ull + i);
		KUNIT_EXPECT_EQ(test, h[1].e.w[i].ref, 200ull + i);
		KUNIT_EXPECT_EQ(test, h[1].len[i], h->len[i]);
		KUNIT_EXPECT_EQ(test, h[1].crc[i], h->crc[i]);
	}
	KUNIT_EXPECT_EQ(test, synod_get_le32(buf), SYNOD_JREC_MAGIC);
	KUNIT_EXPECT_EQ(test, (u32)synod_get_le16(buf + OFF_FORMAT), fmt);
	KUNIT_EXPECT_EQ(test, buf[OFF_JSEQ], 5);
	KUNIT_EXPECT_EQ(test, synod_jrec_paylen(h + 1),
			4 * SYNOD_PAYLOAD_MAX - 6 * 512);
	if (fmt == SYNOD_JREC_FORMAT_V1) {
		/* Full payloads fit one format 1 slot at most. */
		KUNIT_EXPECT_EQ(test, synod_jrec_used(h + 1),
				SYNOD_JREC_SIZE - 6 * 512);
		KUNIT_EXPECT_EQ(test, synod_get_le64(buf + OFF_POFF), 0ull);
	} else {
		/* In the payload ring: the slot holds the header alone. */
		KUNIT_EXPECT_EQ(test, h[1].flags, SYNOD_JREC_F_PRING);
		KUNIT_EXPECT_EQ(test, h[1].poff, (u64)TEST_POFF);
		KUNIT_EXPECT_EQ(test, synod_get_le64(buf + OFF_POFF),
				(u64)TEST_POFF);
		KUNIT_EXPECT_EQ(test, synod_jrec_used(h + 1),
				SYNOD_JREC_HDR_SIZE);
	}
}

static void every_bit_flip_caught(struct kunit *test, u32 fmt)
{
	struct synod_jrec_hdr h, d;
	u8 *buf = hdr_buf(test);
	u32 bit;

	fill(&h, 3, fmt);
	synod_jrec_encode(&h, test_uuid, buf);
	for (bit = 0; bit < SYNOD_JREC_HDR_SIZE * 8; bit++) {
		buf[bit / 8] ^= 1u << (bit % 8);
		KUNIT_EXPECT_EQ_MSG(test, synod_jrec_decode(buf,
				SYNOD_JREC_HDR_SIZE, test_uuid, fmt, PM, &d),
				SYNOD_JREC_CRC_BAD, "bit %u", bit);
		buf[bit / 8] ^= 1u << (bit % 8);
	}
	KUNIT_EXPECT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid, fmt, PM, &d),
			SYNOD_JREC_OK);
}

static void bad_lengths_refused(struct kunit *test, u32 fmt)
{
	static const u32 lens[] = { 0, 1, 511, 513, SYNOD_PAYLOAD_MAX + 512,
				    0x80000000u };
	struct synod_jrec_hdr h, d;
	u8 *buf = hdr_buf(test);
	u32 i;

	fill(&h, 1, fmt);
	synod_jrec_encode(&h, test_uuid, buf);
	KUNIT_EXPECT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE - 1,
						test_uuid, fmt, PM, &d),
			SYNOD_JREC_SHORT);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		synod_jrec_encode(&h, test_uuid, buf);
		synod_put_le32(buf + OFF_WRITES + 16, lens[i]);
		reseal(buf);
		KUNIT_EXPECT_EQ_MSG(test, synod_jrec_decode(buf,
				SYNOD_JREC_HDR_SIZE, test_uuid, fmt, PM, &d),
				SYNOD_JREC_FIELD_BAD, "len %u", lens[i]);
	}
	/* A length for a write the entry does not have. */
	synod_jrec_encode(&h, test_uuid, buf);
	synod_put_le32(buf + OFF_WRITES + 32 + 16, 512);
	reseal(buf);
	KUNIT_EXPECT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid, fmt, PM, &d),
			SYNOD_JREC_FIELD_BAD);
}

static void slot_from_trailer(struct kunit *test, u32 fmt)
{
	struct synod_jrec_hdr h, d;
	u8 *buf = hdr_buf(test);
	u64 jseq, slot;

	fill(&h, 2, fmt);
	synod_jrec_encode(&h, test_uuid, buf);
	memset(buf, 0, 512);		/* torn first sector */
	KUNIT_EXPECT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid, fmt, PM, &d),
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
						test_uuid, fmt, PM, &d),
			SYNOD_JREC_EMPTY);
}

#define BOTH_FORMATS(name)						\
static void name##_v1(struct kunit *test)				\
{									\
	name(test, SYNOD_JREC_FORMAT_V1);				\
}									\
static void name##_v3(struct kunit *test)				\
{									\
	name(test, SYNOD_JREC_FORMAT_V3);				\
}

BOTH_FORMATS(round_trip)
BOTH_FORMATS(every_bit_flip_caught)
BOTH_FORMATS(bad_lengths_refused)
BOTH_FORMATS(slot_from_trailer)

/* Each format's reader refuses the other's records, whole. */
static void formats_refuse_each_other(struct kunit *test)
{
	struct synod_jrec_hdr h, d;
	u8 *buf = hdr_buf(test);

	fill(&h, 1, SYNOD_JREC_FORMAT_V1);
	synod_jrec_encode(&h, test_uuid, buf);
	KUNIT_EXPECT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid,
						SYNOD_JREC_FORMAT_V3, PM, &d),
			SYNOD_JREC_VERSION_BAD);
	KUNIT_EXPECT_EQ(test, d.jseq, 0ull);
	fill(&h, 1, SYNOD_JREC_FORMAT_V3);
	synod_jrec_encode(&h, test_uuid, buf);
	KUNIT_EXPECT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid,
						SYNOD_JREC_FORMAT_V1, PM, &d),
			SYNOD_JREC_VERSION_BAD);
	/* format 2 records do not exist */
	synod_put_le16(buf + OFF_FORMAT, 2);
	reseal(buf);
	KUNIT_EXPECT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid,
						SYNOD_JREC_FORMAT_V3, PM, &d),
			SYNOD_JREC_VERSION_BAD);
}

/*
 * Another volume's record is empty space whatever its format: a format 3
 * volume created over a format 1 or 2 one finds that one's headers at
 * some of its slots, and they must not look like damage.
 */
static void foreign_whatever_format(struct kunit *test)
{
	static const u8 other_uuid[16] = { 0x5e, 0x1f };
	struct synod_jrec_hdr h, d;
	u8 *buf = hdr_buf(test);
	u32 w, r;

	for (w = SYNOD_JREC_FORMAT_V1; w <= SYNOD_JREC_FORMAT_V3; w += 2) {
		fill(&h, 2, w);
		synod_jrec_encode(&h, other_uuid, buf);
		for (r = SYNOD_JREC_FORMAT_V1; r <= SYNOD_JREC_FORMAT_V3;
		     r += 2)
			KUNIT_EXPECT_EQ_MSG(test, synod_jrec_decode(buf,
					SYNOD_JREC_HDR_SIZE, test_uuid, r, PM, &d),
					SYNOD_JREC_FOREIGN,
					"written %u, read as %u", w, r);
		/* a format nobody writes, too */
		synod_put_le16(buf + OFF_FORMAT, 2);
		reseal(buf);
		KUNIT_EXPECT_EQ(test, synod_jrec_decode(buf,
				SYNOD_JREC_HDR_SIZE, test_uuid,
				SYNOD_JREC_FORMAT_V3, PM, &d), SYNOD_JREC_FOREIGN);
	}
}

/*
 * Format 3 keeps payloads in the slot when they fit it: one largest
 * payload, or four of 4 KiB, exactly fill it; 512 bytes more do not fit
 * and need the payload ring.
 */
static void v3_payloads_in_slot(struct kunit *test)
{
	struct synod_jrec_hdr h, d;
	u8 *buf = hdr_buf(test);
	u32 i;

	fill(&h, 1, SYNOD_JREC_FORMAT_V3);
	KUNIT_ASSERT_EQ(test, h.flags, 0u);
	synod_jrec_encode(&h, test_uuid, buf);
	KUNIT_ASSERT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid,
						SYNOD_JREC_FORMAT_V3, PM, &d),
			SYNOD_JREC_OK);
	KUNIT_EXPECT_EQ(test, synod_jrec_used(&d), SYNOD_JREC3_SLOT);
	KUNIT_EXPECT_EQ(test, synod_jrec_payload_off(&d, 0),
			SYNOD_JREC_HDR_SIZE);

	fill(&h, SYNOD_BATCH_MAX, SYNOD_JREC_FORMAT_V3);
	h.flags = 0;
	h.poff = 0;
	for (i = 0; i < SYNOD_BATCH_MAX; i++)
		h.len[i] = SYNOD_PAYLOAD_MAX / SYNOD_BATCH_MAX;
	synod_jrec_encode(&h, test_uuid, buf);
	KUNIT_ASSERT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid,
						SYNOD_JREC_FORMAT_V3, PM, &d),
			SYNOD_JREC_OK);
	KUNIT_EXPECT_EQ(test, synod_jrec_used(&d), SYNOD_JREC3_SLOT);
	KUNIT_EXPECT_EQ(test, synod_jrec_payload_off(&d, 3),
			SYNOD_JREC_HDR_SIZE + 3 * SYNOD_PAYLOAD_MAX / 4);

	/* 512 bytes too many for the slot, without PRING: refused */
	synod_put_le32(buf + OFF_WRITES + 3 * 32 + 16,
		       SYNOD_PAYLOAD_MAX / 4 + 512);
	reseal(buf);
	KUNIT_EXPECT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid,
						SYNOD_JREC_FORMAT_V3, PM, &d),
			SYNOD_JREC_FIELD_BAD);
	/* which a format 1 slot holds */
	h.format = SYNOD_JREC_FORMAT_V1;
	h.len[3] = SYNOD_PAYLOAD_MAX / 4 + 512;
	synod_jrec_encode(&h, test_uuid, buf);
	KUNIT_EXPECT_EQ(test, synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE,
						test_uuid,
						SYNOD_JREC_FORMAT_V1, PM, &d),
			SYNOD_JREC_OK);
}

/* Encode @h, put @val (le64 if @wide, else le32) at @off, reseal. */
static int edited(struct kunit *test, const struct synod_jrec_hdr *h,
		  u32 off, u64 val, bool wide)
{
	struct synod_jrec_hdr d;
	u8 *buf = hdr_buf(test);

	synod_jrec_encode(h, test_uuid, buf);
	if (wide)
		synod_put_le64(buf + off, val);
	else
		synod_put_le32(buf + off, (u32)val);
	reseal(buf);
	return synod_jrec_decode(buf, SYNOD_JREC_HDR_SIZE, test_uuid,
				 h->format, PM, &d);
}

/*
 * PRING and poff: format 3 only, only on a record with payloads (not a
 * void one), poff on a 4 KiB block of its own (SYNOD_PRING_ALIGN) and far
 * from wrapping, zero without PRING.
 */
static void v3_pring_fields(struct kunit *test)
{
	struct synod_jrec_hdr h;
	int bad = SYNOD_JREC_FIELD_BAD;

	fill(&h, 3, SYNOD_JREC_FORMAT_V3);
	KUNIT_ASSERT_EQ(test, h.flags, SYNOD_JREC_F_PRING);
	KUNIT_EXPECT_EQ(test, edited(test, &h, OFF_POFF, 0, true),
			SYNOD_JREC_OK);	/* the ring's first byte */
	KUNIT_EXPECT_EQ(test, edited(test, &h, OFF_POFF, SYNOD_JREC_JSEQ_MAX,
				     true), SYNOD_JREC_OK);
	KUNIT_EXPECT_EQ(test, edited(test, &h, OFF_POFF, TEST_POFF + 1, true),
			bad);
	KUNIT_EXPECT_EQ(test, edited(test, &h, OFF_POFF, TEST_POFF + 256,
				     true), bad);
	KUNIT_EXPECT_EQ(test, edited(test, &h, OFF_POFF, TEST_POFF + 512,
				     true), bad);
	KUNIT_EXPECT_EQ(test, edited(test, &h, OFF_POFF,
				     SYNOD_JREC_JSEQ_MAX + 512, true), bad);
	KUNIT_EXPECT_EQ(test, edited(test, &h, OFF_POFF, ~0ull - 511, true),
			bad);
	/* PRING and VOID together; unknown flags */
	KUNIT_EXPECT_EQ(test, edited(test, &h, OFF_RFLAGS, SYNOD_JREC_F_PRING |
				     SYNOD_JREC_F_VOID, false), bad);
	KUNIT_EXPECT_EQ(test, edited(test, &h, OFF_RFLAGS, SYNOD_JREC_F_PRING |
				     4, false), bad);
	/* payloads too large for the slot, PRING and poff taken away */
	h.flags = 0;
	h.poff = 0;
	KUNIT_EXPECT_EQ(test, edited(test, &h, OFF_RFLAGS, 0, false), bad);

	/* poff without PRING */
	fill(&h, 1, SYNOD_JREC_FORMAT_V3);
	KUNIT_EXPECT_EQ(test, edited(test, &h, OFF_POFF, 4096, true), bad);
	/* PRING without payloads: a no-op */
	h.e.kind = SYNOD_ENTRY_NOOP;
	h.e.nwrites = 0;
	memset(h.e.w, 0, sizeof(h.e.w));
	memset(h.len, 0, sizeof(h.len));
	memset(h.crc, 0, sizeof(h.crc));
	KUNIT_EXPECT_EQ(test, edited(test, &h, OFF_RFLAGS, 0, false),
			SYNOD_JREC_OK);
	KUNIT_EXPECT_EQ(test, edited(test, &h, OFF_RFLAGS, SYNOD_JREC_F_PRING,
				     false), bad);

	/* Format 1 has neither PRING nor poff. */
	fill(&h, 1, SYNOD_JREC_FORMAT_V1);
	KUNIT_EXPECT_EQ(test, edited(test, &h, OFF_RFLAGS, SYNOD_JREC_F_PRING,
				     false), bad);
	KUNIT_EXPECT_EQ(test, edited(test, &h, OFF_POFF, 4096, true), bad);
}

static struct kunit_case jrec_cases[] = {
	KUNIT_CASE(round_trip_v1),
	KUNIT_CASE(round_trip_v3),
	KUNIT_CASE(every_bit_flip_caught_v1),
	KUNIT_CASE(every_bit_flip_caught_v3),
	KUNIT_CASE(bad_lengths_refused_v1),
	KUNIT_CASE(bad_lengths_refused_v3),
	KUNIT_CASE(slot_from_trailer_v1),
	KUNIT_CASE(slot_from_trailer_v3),
	KUNIT_CASE(formats_refuse_each_other),
	KUNIT_CASE(foreign_whatever_format),
	KUNIT_CASE(v3_payloads_in_slot),
	KUNIT_CASE(v3_pring_fields),
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
