// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the journal record header (kmod/core/jrec.c), as
 * Documentation/ondisk.rst specifies it.  kmod/kunit/jrec_kunit.c checks
 * the same properties inside the kernel build.
 */
#include "core_test.h"

#include <string.h>

#include "crc32c.h"
#include "jrec.h"

#define OFF_JSEQ	0x008
#define OFF_NWRITES	0x049
#define OFF_WRITES	0x060
#define OFF_T_JSEQ	0xfe8
#define OFF_CSUM	0xffc
/* The payload bound of the volumes under test: before LARGE, 16 KiB. */
#define PM		SYNOD_PAYLOAD_MAX

static const u8 uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8,
			     9, 10, 11, 12, 13, 14, 15, 16 };
static const u8 other_uuid[16] = { 16, 15 };
static u8 buf[SYNOD_JREC_HDR_SIZE];
static struct synod_jrec_hdr h, d;
/* The record format under test: every test runs for both (main()). */
static u32 fmt = SYNOD_JREC_FORMAT_V1;

#define OFF_RFLAGS	0x01c
#define OFF_POFF	0x0e0

/* A WRITE entry of @nw writes in batch [10, 13), as jseq 11. */
static void fill_write(struct synod_jrec_hdr *x, u32 nw)
{
	u32 i;

	memset(x, 0, sizeof(*x));
	x->format = fmt;
	x->paymax = PM;
	x->jseq = 11;
	x->batch_first = 10;
	x->batch_n = 3;
	x->pseq = 0x0102030405060708ull;
	x->e.slot = 0x1122334455667788ull;
	x->e.ballot = synod_ballot_make(9, 2);
	x->e.kind = SYNOD_ENTRY_WRITE;
	x->e.nwrites = (u8)nw;
	x->e.flags = SYNOD_ENTF_CHOSEN;
	for (i = 0; i < nw; i++) {
		x->e.w[i].block = 1000 + i;
		x->e.w[i].ref = 0xabc0 + i;
		x->len[i] = 512 * (i + 1);
		x->crc[i] = 0xdead0000u + i;
	}
}

static void reseal(void)
{
	synod_put_le32(buf + OFF_CSUM, synod_crc32c(0, buf, OFF_CSUM));
}

static void test_roundtrip_write(void **state)
{
	u32 i;

	(void)state;
	fill_write(&h, SYNOD_BATCH_MAX);
	synod_jrec_encode(&h, uuid, buf);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_OK);
	assert_int_equal(d.jseq, 11);
	assert_int_equal(d.batch_first, 10);
	assert_int_equal(d.batch_n, 3);
	assert_int_equal(d.pseq, h.pseq);
	assert_int_equal(d.e.slot, h.e.slot);
	assert_int_equal(d.e.ballot, h.e.ballot);
	assert_int_equal(d.e.kind, SYNOD_ENTRY_WRITE);
	assert_int_equal(d.e.nwrites, SYNOD_BATCH_MAX);
	assert_int_equal(d.e.flags, SYNOD_ENTF_CHOSEN);
	for (i = 0; i < SYNOD_BATCH_MAX; i++) {
		assert_int_equal(d.e.w[i].block, 1000 + i);
		assert_int_equal(d.e.w[i].ref, 0xabc0 + i);
		assert_int_equal(d.len[i], 512 * (i + 1));
		assert_int_equal(d.crc[i], 0xdead0000u + i);
	}
	/* Payloads are packed after the header block. */
	assert_int_equal(synod_jrec_payload_off(&d, 0), SYNOD_JREC_HDR_SIZE);
	assert_int_equal(synod_jrec_payload_off(&d, 2),
			 SYNOD_JREC_HDR_SIZE + 512 + 1024);
	assert_int_equal(synod_jrec_used(&d), SYNOD_JREC_HDR_SIZE + 5120);
	/* Little-endian at the documented offsets. */
	assert_int_equal(synod_get_le32(buf), SYNOD_JREC_MAGIC);
	assert_int_equal(buf[OFF_JSEQ], 11);
	assert_int_equal(synod_get_le64(buf + OFF_T_JSEQ), 11);
}

/* Encode into buf a no-op for slot 7, jseq 1, alone in its batch. */
static void encode_noop(void)
{
	memset(&h, 0, sizeof(h));
	h.format = fmt;
	h.paymax = PM;
	h.jseq = h.batch_first = 1;
	h.batch_n = 1;
	h.e.slot = 7;
	h.e.kind = SYNOD_ENTRY_NOOP;
	synod_jrec_encode(&h, uuid, buf);
}

static void test_roundtrip_noop_config(void **state)
{
	(void)state;
	encode_noop();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_OK);
	assert_int_equal(d.e.kind, SYNOD_ENTRY_NOOP);
	assert_int_equal(d.e.nwrites, 0);
	assert_int_equal(synod_jrec_used(&d), SYNOD_JREC_HDR_SIZE);

	h.e.kind = SYNOD_ENTRY_CONFIG;
	h.e.cfg = (struct synod_config){ .epoch = 3, .voters = 0x7,
		.learners = 0x8, .q1 = 2, .q2 = 2 };
	synod_jrec_encode(&h, uuid, buf);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_OK);
	assert_int_equal(d.e.cfg.epoch, 3);
	assert_int_equal(d.e.cfg.voters, 0x7);
	assert_int_equal(d.e.cfg.learners, 0x8);
	assert_int_equal(d.e.cfg.q1, 2);
	assert_int_equal(d.e.cfg.q2, 2);
}

/* Any single flipped bit anywhere in the block is caught. */
static void test_every_bit_flip(void **state)
{
	u32 bit;

	(void)state;
	fill_write(&h, 2);
	synod_jrec_encode(&h, uuid, buf);
	for (bit = 0; bit < SYNOD_JREC_HDR_SIZE * 8; bit++) {
		buf[bit / 8] ^= (u8)(1u << (bit % 8));
		assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
				 SYNOD_JREC_CRC_BAD);
		buf[bit / 8] ^= (u8)(1u << (bit % 8));
	}
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_OK);
}

static void test_empty_short_foreign(void **state)
{
	(void)state;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_EMPTY);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_EMPTY);
	fill_write(&h, 1);
	synod_jrec_encode(&h, uuid, buf);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf) - 1, uuid, fmt, PM, &d),
			 SYNOD_JREC_SHORT);
	assert_int_equal(synod_jrec_decode(buf, 0, uuid, fmt, PM, &d),
			 SYNOD_JREC_SHORT);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), other_uuid, fmt, PM, &d),
			 SYNOD_JREC_FOREIGN);
	assert_int_equal(d.e.slot, 0);
	synod_put_le16(buf + 4, 2);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_VERSION_BAD);
}

/* Edit a resealed field of a valid WRITE header: expect FIELD_BAD. */
static void expect_field_bad(u32 off, u32 val, u32 width)
{
	fill_write(&h, 2);
	synod_jrec_encode(&h, uuid, buf);
	if (width == 1)
		buf[off] = (u8)val;
	else if (width == 2)
		synod_put_le16(buf + off, (u16)val);
	else if (width == 4)
		synod_put_le32(buf + off, val);
	else
		synod_put_le64(buf + off, val);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_FIELD_BAD);
	assert_int_equal(d.jseq, 0);
}

static void test_bad_fields(void **state)
{
	(void)state;
	expect_field_bad(OFF_WRITES + 16, 0, 4);		/* len 0 */
	expect_field_bad(OFF_WRITES + 16, 513, 4);		/* not sectors */
	expect_field_bad(OFF_WRITES + 16, SYNOD_PAYLOAD_MAX + 512, 4);
	expect_field_bad(OFF_WRITES + 16, 0xfffffe00u, 4);	/* huge */
	expect_field_bad(OFF_WRITES + 2 * 32 + 16, 512, 4);	/* unused w */
	expect_field_bad(OFF_NWRITES, 0, 1);			/* WRITE, 0 */
	expect_field_bad(OFF_NWRITES, SYNOD_BATCH_MAX + 1, 1);
	expect_field_bad(OFF_NWRITES, 255, 1);
	expect_field_bad(0x048, 0, 1);				/* kind */
	expect_field_bad(0x048, 4, 1);
	expect_field_bad(0x04a, 0x80, 1);			/* eflags */
	expect_field_bad(0x006, 512, 2);			/* hdr size */
	expect_field_bad(OFF_JSEQ, 0, 8);			/* jseq 0 */
	expect_field_bad(OFF_JSEQ, 13, 8);			/* past batch */
	expect_field_bad(OFF_JSEQ, 9, 8);			/* before */
	expect_field_bad(0x018, 0, 4);				/* batch_n */
	/* rflags: PRING is format 3's */
	expect_field_bad(OFF_RFLAGS, fmt == SYNOD_JREC_FORMAT_V3 ? 4 : 2, 4);
	expect_field_bad(0x800, 1, 1);				/* reserved */
	expect_field_bad(0x050, 1, 4);				/* cfg in W */
	expect_field_bad(OFF_T_JSEQ, 12, 8);			/* trailer */

	/* Journal sequences stay far from wrapping. */
	fill_write(&h, 1);
	h.jseq = h.batch_first = SYNOD_JREC_JSEQ_MAX;
	synod_jrec_encode(&h, uuid, buf);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_OK);
	h.jseq = h.batch_first = SYNOD_JREC_JSEQ_MAX + 1;
	synod_jrec_encode(&h, uuid, buf);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_FIELD_BAD);
}

/*
 * A void record (recovery rewrote a torn journal sequence of the last
 * batch): flag VOID at 0x01c, a NOOP of slot 0, and only that.
 */
static void test_void_record(void **state)
{
	u64 jseq, slot;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.format = fmt;
	h.paymax = PM;
	h.jseq = 12;
	h.batch_first = 10;
	h.batch_n = 4;
	h.flags = SYNOD_JREC_F_VOID;
	h.e.kind = SYNOD_ENTRY_NOOP;
	synod_jrec_encode(&h, uuid, buf);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_OK);
	assert_int_equal(d.flags, SYNOD_JREC_F_VOID);
	assert_int_equal(d.e.slot, 0);
	assert_int_equal(d.batch_first, 10);
	assert_int_equal(synod_get_le32(buf + 0x01c), SYNOD_JREC_F_VOID);
	/* its trailer names slot 0, which no entry has */
	assert_true(synod_jrec_trailer(buf, sizeof(buf), uuid, &jseq, &slot));
	assert_int_equal(jseq, 12);
	assert_int_equal(slot, 0);
	/* without the flag, slot 0 is no entry */
	synod_put_le32(buf + 0x01c, 0);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_FIELD_BAD);
	/* unknown record flags */
	synod_put_le32(buf + 0x01c, SYNOD_JREC_F_VOID | 2);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_FIELD_BAD);
	/* a void record holds no entry: no slot, ballot, kind or flags */
	expect_field_bad(0x01c, SYNOD_JREC_F_VOID, 4);
	encode_noop();
	synod_put_le32(buf + 0x01c, SYNOD_JREC_F_VOID);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_FIELD_BAD);
}

/* A torn header still names its journal sequence and slot. */
static void test_trailer_recovers_slot(void **state)
{
	u64 jseq, slot;

	(void)state;
	fill_write(&h, 1);
	synod_jrec_encode(&h, uuid, buf);
	assert_true(synod_jrec_trailer(buf, sizeof(buf), uuid, &jseq, &slot));
	assert_int_equal(jseq, 11);
	assert_int_equal(slot, h.e.slot);

	/* First sector torn (zero, as a never-completed write leaves it). */
	memset(buf, 0, 512);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_CRC_BAD);
	assert_true(synod_jrec_trailer(buf, sizeof(buf), uuid, &jseq, &slot));
	assert_int_equal(jseq, 11);
	assert_int_equal(slot, h.e.slot);
	/* Everything but the last sector torn. */
	memset(buf, 0x5a, SYNOD_JREC_HDR_SIZE - 512);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_CRC_BAD);
	assert_true(synod_jrec_trailer(buf, sizeof(buf), uuid, &jseq, &slot));
	assert_int_equal(slot, h.e.slot);

	/* Another volume's trailer, a broken one, a short buffer: no. */
	assert_false(synod_jrec_trailer(buf, sizeof(buf), other_uuid, &jseq,
					&slot));
	assert_false(synod_jrec_trailer(buf, 100, uuid, &jseq, &slot));
	buf[OFF_T_JSEQ + 3] ^= 4;
	assert_false(synod_jrec_trailer(buf, sizeof(buf), uuid, &jseq, &slot));
	assert_int_equal(slot, 0);
	memset(buf, 0, sizeof(buf));
	assert_false(synod_jrec_trailer(buf, sizeof(buf), uuid, &jseq, &slot));
}

/* Random bytes never crash the decoder and are never accepted. */
static void test_garbage(void **state)
{
	u32 x = 12345, i, n;

	(void)state;
	for (n = 0; n < 200; n++) {
		for (i = 0; i < sizeof(buf); i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (u8)(x >> 16);
		}
		if (n & 1)
			synod_put_le32(buf, SYNOD_JREC_MAGIC);
		assert_int_not_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM,
						       &d), SYNOD_JREC_OK);
	}
	assert_string_equal(synod_jrec_err_name(SYNOD_JREC_CRC_BAD),
			    "checksum mismatch");
	assert_string_equal(synod_jrec_err_name(-1), "unknown");
}

/*
 * Format 3: a record whose payloads are in the payload ring says so
 * (PRING) and where (poff, on a 4 KiB block of its own); one that keeps
 * them in its slot must fit the slot.  Format 1 knows neither, and each format
 * refuses the other's records.
 */
static void test_v3_payload_ring(void **state)
{
	(void)state;
	fmt = SYNOD_JREC_FORMAT_V3;
	fill_write(&h, 2);
	h.flags = SYNOD_JREC_F_PRING;
	h.poff = 7 * 4096;
	synod_jrec_encode(&h, uuid, buf);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_OK);
	assert_int_equal(d.format, SYNOD_JREC_FORMAT_V3);
	assert_int_equal(d.flags, SYNOD_JREC_F_PRING);
	assert_int_equal(d.poff, 7 * 4096);
	assert_int_equal(synod_get_le64(buf + OFF_POFF), 7 * 4096);
	assert_int_equal(synod_jrec_paylen(&d), 512 + 1024);
	/* its slot holds the header alone */
	assert_int_equal(synod_jrec_used(&d), SYNOD_JREC_HDR_SIZE);
	/* the other format's reader refuses it, whole */
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid,
					   SYNOD_JREC_FORMAT_V1, PM, &d),
			 SYNOD_JREC_VERSION_BAD);

	/* poff starts a block of its own (SYNOD_PRING_ALIGN) */
	synod_put_le64(buf + OFF_POFF, 7 * 4096 + 512);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_FIELD_BAD);
	synod_put_le64(buf + OFF_POFF, 7 * 4096 + 1);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_FIELD_BAD);
	synod_put_le64(buf + OFF_POFF, 0);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_OK);
	/* beyond any ring: poff + payloads could wrap */
	fill_write(&h, 1);
	h.flags = SYNOD_JREC_F_PRING;
	h.poff = SYNOD_JREC_JSEQ_MAX + 4096;
	synod_jrec_encode(&h, uuid, buf);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_FIELD_BAD);
	/* poff without PRING */
	fill_write(&h, 1);
	synod_jrec_encode(&h, uuid, buf);
	synod_put_le64(buf + OFF_POFF, 4096);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_FIELD_BAD);
	/* PRING on an entry without payloads */
	encode_noop();
	synod_put_le32(buf + OFF_RFLAGS, SYNOD_JREC_F_PRING);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_FIELD_BAD);

	/* Payloads in the slot: 16 KiB fit, 16.5 KiB do not. */
	fill_write(&h, 2);
	h.len[0] = SYNOD_PAYLOAD_MAX - 512;
	h.len[1] = 512;
	synod_jrec_encode(&h, uuid, buf);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_OK);
	assert_int_equal(synod_jrec_used(&d), SYNOD_JREC3_SLOT);
	synod_put_le32(buf + OFF_WRITES + 32 + 16, 1024);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_FIELD_BAD);
	/* which format 1's larger slot holds */
	fmt = SYNOD_JREC_FORMAT_V1;
	fill_write(&h, 2);
	h.len[0] = SYNOD_PAYLOAD_MAX;
	h.len[1] = 1024;
	synod_jrec_encode(&h, uuid, buf);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_OK);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid,
					   SYNOD_JREC_FORMAT_V3, PM, &d),
			 SYNOD_JREC_VERSION_BAD);
	/*
	 * Another volume's record is empty space whatever its format: a
	 * format 3 volume made over a format 2 one finds old headers at
	 * some of its slots, and they must not look like damage.
	 */
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), other_uuid,
					   SYNOD_JREC_FORMAT_V3, PM, &d),
			 SYNOD_JREC_FOREIGN);
	/* and a format 1 record with bytes at poff's place is refused */
	synod_put_le64(buf + OFF_POFF, 4096);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt, PM, &d),
			 SYNOD_JREC_FIELD_BAD);
}

/*
 * A LARGE volume (format 3): payloads up to SYNOD_PAYLOAD_MAX_LARGE
 * each, up to that much in a record, always in the payload ring.  The
 * bytes are the same as before; only the bound differs, so a record of
 * 16 KiB + 512 is intact under the 1 MiB bound and FIELD_BAD under 16
 * KiB.  The header is patched by hand, as a LARGE journal would hold it,
 * so that the same bytes are given to both bounds.
 */
static void test_v3_large(void **state)
{
	const u32 big = SYNOD_PAYLOAD_MAX + 512;

	(void)state;
	fmt = SYNOD_JREC_FORMAT_V3;
	fill_write(&h, 1);
	h.flags = SYNOD_JREC_F_PRING;
	h.poff = 3 * 4096;
	synod_jrec_encode(&h, uuid, buf);
	synod_put_le32(buf + OFF_WRITES + 16, big);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt,
					   SYNOD_PAYLOAD_MAX_LARGE, &d),
			 SYNOD_JREC_OK);
	assert_int_equal(d.len[0], big);
	assert_int_equal(d.paymax, SYNOD_PAYLOAD_MAX_LARGE);
	assert_int_equal(synod_jrec_paylen(&d), big);
	assert_int_equal(synod_jrec_used(&d), SYNOD_JREC_HDR_SIZE);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt,
					   SYNOD_PAYLOAD_MAX, &d),
			 SYNOD_JREC_FIELD_BAD);

	/* encode writes what decode reads: 1 MiB, and 4 writes of 256 KiB */
	fill_write(&h, 1);
	h.paymax = SYNOD_PAYLOAD_MAX_LARGE;
	h.flags = SYNOD_JREC_F_PRING;
	h.len[0] = SYNOD_PAYLOAD_MAX_LARGE;
	synod_jrec_encode(&h, uuid, buf);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt,
					   SYNOD_PAYLOAD_MAX_LARGE, &d),
			 SYNOD_JREC_OK);
	assert_int_equal(synod_jrec_paylen(&d), SYNOD_PAYLOAD_MAX_LARGE);
	fill_write(&h, SYNOD_BATCH_MAX);
	h.paymax = SYNOD_PAYLOAD_MAX_LARGE;
	h.flags = SYNOD_JREC_F_PRING;
	h.len[0] = h.len[1] = h.len[2] = h.len[3] = 256 * 1024;
	synod_jrec_encode(&h, uuid, buf);
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt,
					   SYNOD_PAYLOAD_MAX_LARGE, &d),
			 SYNOD_JREC_OK);
	/* one payload over 1 MiB, or a record over 1 MiB: impossible */
	synod_put_le32(buf + OFF_WRITES + 16, 256 * 1024 + 512);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt,
					   SYNOD_PAYLOAD_MAX_LARGE, &d),
			 SYNOD_JREC_FIELD_BAD);
	synod_put_le32(buf + OFF_WRITES + 16, SYNOD_PAYLOAD_MAX_LARGE + 512);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt,
					   SYNOD_PAYLOAD_MAX_LARGE, &d),
			 SYNOD_JREC_FIELD_BAD);
	/* a large payload is never in the slot */
	fill_write(&h, 1);
	synod_jrec_encode(&h, uuid, buf);
	synod_put_le32(buf + OFF_WRITES + 16, big);
	reseal();
	assert_int_equal(synod_jrec_decode(buf, sizeof(buf), uuid, fmt,
					   SYNOD_PAYLOAD_MAX_LARGE, &d),
			 SYNOD_JREC_FIELD_BAD);
}

static int use_v1(void **state)
{
	(void)state;
	fmt = SYNOD_JREC_FORMAT_V1;
	return 0;
}

static int use_v3(void **state)
{
	(void)state;
	fmt = SYNOD_JREC_FORMAT_V3;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_write),
		cmocka_unit_test(test_roundtrip_noop_config),
		cmocka_unit_test(test_every_bit_flip),
		cmocka_unit_test(test_empty_short_foreign),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_void_record),
		cmocka_unit_test(test_trailer_recovers_slot),
		cmocka_unit_test(test_garbage),
	};
	const struct CMUnitTest v3[] = {
		cmocka_unit_test(test_v3_payload_ring),
		cmocka_unit_test(test_v3_large),
	};
	int failed;

	/* every property of format 1 holds for format 3 too */
	failed = cmocka_run_group_tests_name("format 1", tests, use_v1, NULL);
	failed += cmocka_run_group_tests_name("format 3", tests, use_v3, NULL);
	failed += cmocka_run_group_tests_name("format 3 only", v3, NULL, NULL);
	return failed;
}
