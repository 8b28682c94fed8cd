// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of synod_sb_peek_seq() (kmod/core/ondisk.c): how create
 * ranks an old volume's superblock copies before it zeroes them, the
 * current one last (kmod/backing.c, sb_find_old()).  The rest of the
 * superblock's format is checked by kmod/kunit/ondisk_kunit.c.
 */
#include "core_test.h"

#include <string.h>

#include "crc32c.h"
#include "ondisk.h"

/* Documentation/ondisk.rst: stable in every format. */
#define OFF_FORMAT	0x008
#define OFF_FLAGS	0x00c
#define OFF_SEQ		0x010
#define OFF_CSUM	0xffc

static const u8 uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8,
			     9, 10, 11, 12, 13, 14, 15, 16 };
static u8 buf[SYNOD_SB_SIZE];

/* A valid format 3 copy with sequence @seq in buf. */
static void encode(u64 seq)
{
	struct synod_sb sb;

	assert_int_equal(synod_sb_init_repl(&sb, uuid, 64ull << 20, 4096),
			 SYNOD_SB_OK);
	memset(sb.secret_fp, 0xa5, sizeof(sb.secret_fp));
	sb.seq = seq;
	synod_sb_encode(&sb, buf);
	assert_int_equal(synod_sb_decode(buf, &sb), SYNOD_SB_OK);
}

static void reseal(void)
{
	synod_put_le32(buf + OFF_CSUM, synod_crc32c(0, buf, OFF_CSUM));
}

static void test_valid_copy(void **state)
{
	u64 seq = 0;

	(void)state;
	encode(7);
	assert_true(synod_sb_peek_seq(buf, &seq));
	assert_int_equal(seq, 7);
}

/*
 * A newer module's copy (a format or a flag this one does not know) is
 * refused by synod_sb_decode() but still ranks by its seq: otherwise a
 * newer volume's older copy could be zeroed last, and a crash between
 * the two writes leave it current.
 */
static void test_newer_module(void **state)
{
	struct synod_sb sb;
	u64 seq = 0;

	(void)state;
	encode(9);
	synod_put_le32(buf + OFF_FORMAT, SYNOD_SB_FORMAT_V3 + 1);
	reseal();
	assert_int_equal(synod_sb_decode(buf, &sb), SYNOD_SB_BAD_VERSION);
	assert_true(synod_sb_peek_seq(buf, &seq));
	assert_int_equal(seq, 9);

	encode(10);
	synod_put_le32(buf + OFF_FLAGS, 0x80000000u);
	reseal();
	assert_int_equal(synod_sb_decode(buf, &sb), SYNOD_SB_BAD_FLAGS);
	assert_true(synod_sb_peek_seq(buf, &seq));
	assert_int_equal(seq, 10);
}

/* A torn or foreign copy does not rank, whatever its seq field says. */
static void test_not_intact(void **state)
{
	u64 seq = 42;

	(void)state;
	encode(11);
	buf[100] ^= 1;
	assert_false(synod_sb_peek_seq(buf, &seq));
	assert_int_equal(seq, 42);

	encode(11);
	buf[0] ^= 1;
	reseal();
	assert_false(synod_sb_peek_seq(buf, &seq));

	memset(buf, 0, sizeof(buf));
	assert_false(synod_sb_peek_seq(buf, &seq));
	assert_int_equal(seq, 42);
}

/* An intact copy with an impossible layout still ranks (it is ours). */
static void test_bad_layout(void **state)
{
	struct synod_sb sb;
	u64 seq = 0;

	(void)state;
	encode(12);
	synod_put_le64(buf + OFF_SEQ, 0);
	reseal();
	assert_int_equal(synod_sb_decode(buf, &sb), SYNOD_SB_BAD_SIZES);
	assert_true(synod_sb_peek_seq(buf, &seq));
	assert_int_equal(seq, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_copy),
		cmocka_unit_test(test_newer_module),
		cmocka_unit_test(test_not_intact),
		cmocka_unit_test(test_bad_layout),
	};

	return cmocka_run_group_tests_name("ondisk", tests, NULL, NULL);
}
