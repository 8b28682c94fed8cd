// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_secret": the secret's fingerprint in a format 2 or 3
 * superblock and the check attach makes (kmod/secret.c), as
 * Documentation/ondisk.rst specifies them: the fingerprint against known
 * answers (computed independently, with Python's hmac module), a right,
 * wrong and missing secret, and the conversion of a format 1 superblock
 * to format 2 (its journal keeps format 1 records), after which the
 * encoded copy holds no byte of the secret.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "kunit_env.h"
#include "secret.h"
#include "ondisk.h"
#include "jrec.h"

static const u8 test_uuid[16] = {
	0x5e, 0x1f, 0x00, 0xd1, 0x2a, 0x3b, 0x4c, 0x5d,
	0x6e, 0x7f, 0x80, 0x91, 0xa2, 0xb3, 0xc4, 0xd5,
};

static const u8 secret32[] = "0123456789abcdef0123456789abcdef";

/*
 * hmac.new(key, b"synod secret fingerprint v1\0" + uuid, sha256) for the
 * 32-byte key above and for the 64-byte key 00 01 .. 3f.
 */
static const u8 fp_secret32[SYNOD_SB_FP_LEN] = {
	0xd5, 0x20, 0x9f, 0x2a, 0x49, 0xc2, 0x05, 0xf3,
	0x78, 0xe8, 0x68, 0x39, 0x64, 0x9e, 0x41, 0x10,
	0x40, 0x8f, 0x36, 0x20, 0xd6, 0xd6, 0x0e, 0x68,
	0xc7, 0xc0, 0x27, 0x9e, 0x51, 0x1e, 0x4b, 0xcf,
};

static const u8 fp_seq64[SYNOD_SB_FP_LEN] = {
	0x26, 0x80, 0x41, 0x67, 0xc5, 0x79, 0x7a, 0x25,
	0x69, 0x79, 0x86, 0x51, 0x0d, 0x1a, 0x6b, 0xc9,
	0xd4, 0x31, 0xc0, 0x19, 0x67, 0xb2, 0x8d, 0xf2,
	0x98, 0x11, 0x47, 0x36, 0xbd, 0x22, 0x3f, 0xef,
};

/* Does @buf hold the @n bytes at @needle anywhere? */
static bool holds(const u8 *buf, size_t len, const u8 *needle, size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++)
		if (!memcmp(buf + i, needle, n))
			return true;
	return false;
}

static void fingerprint_known_answers(struct kunit *test)
{
	u8 key[64], fp[SYNOD_SB_FP_LEN], other[16];
	u32 i;

	synod_secret_fingerprint(secret32, 32, test_uuid, fp);
	KUNIT_EXPECT_EQ(test, memcmp(fp, fp_secret32, sizeof(fp)), 0);
	for (i = 0; i < sizeof(key); i++)
		key[i] = i;
	synod_secret_fingerprint(key, sizeof(key), test_uuid, fp);
	KUNIT_EXPECT_EQ(test, memcmp(fp, fp_seq64, sizeof(fp)), 0);

	/* Another UUID (another replica) or another secret: another one. */
	memcpy(other, test_uuid, sizeof(other));
	other[15] ^= 1;
	synod_secret_fingerprint(secret32, 32, other, fp);
	KUNIT_EXPECT_NE(test, memcmp(fp, fp_secret32, sizeof(fp)), 0);
	synod_secret_fingerprint(secret32, 31, test_uuid, fp);
	KUNIT_EXPECT_NE(test, memcmp(fp, fp_secret32, sizeof(fp)), 0);
}

/* A new replicated volume's superblock (format 3) created with secret32. */
static void new_sb(struct kunit *test, struct synod_sb *sb)
{
	KUNIT_ASSERT_EQ(test, synod_sb_init_repl(sb, test_uuid, 64ull << 20,
						 4096), SYNOD_SB_OK);
	synod_secret_fingerprint(secret32, 32, sb->uuid, sb->secret_fp);
}

/*
 * The same volume as format 2 created it: a ring of 68 KiB format 1
 * slots as large as format 3's journal, no payload ring.
 */
static void v2_sb(struct kunit *test, struct synod_sb *sb)
{
	new_sb(test, sb);
	sb->format = SYNOD_SB_FORMAT_V2;
	sb->jrec_size = SYNOD_JREC_SIZE;
	sb->journal_size = (u64)sb->jrec_size * sb->jrec_count;
}

/* Right, wrong and missing secrets for a fingerprint; nothing to convert. */
static void check_fp(struct kunit *test, struct synod_sb *sb, u32 format)
{
	u8 wrong[32];
	bool convert = true;

	KUNIT_EXPECT_EQ(test, synod_secret_check(sb, secret32, 32, &convert),
			0);
	KUNIT_EXPECT_FALSE(test, convert);
	KUNIT_EXPECT_EQ(test, sb->format, format);

	memcpy(wrong, secret32, sizeof(wrong));
	wrong[7] ^= 0x20;
	KUNIT_EXPECT_EQ(test, synod_secret_check(sb, wrong, 32, &convert),
			-EKEYREJECTED);
	KUNIT_EXPECT_EQ(test, synod_secret_check(sb, secret32, 16, &convert),
			-EKEYREJECTED);
	KUNIT_EXPECT_EQ(test, synod_secret_check(sb, NULL, 0, &convert),
			-ENOKEY);
	KUNIT_EXPECT_FALSE(test, convert);
	KUNIT_EXPECT_EQ(test, sb->format, format);
}

static void check_v2(struct kunit *test)
{
	struct synod_sb sb;

	v2_sb(test, &sb);
	check_fp(test, &sb, SYNOD_SB_FORMAT_V2);
}

/* A new volume is format 3, whose fingerprint checks as format 2's. */
static void check_v3(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, SYNOD_SB_SIZE, GFP_KERNEL);
	struct synod_sb sb;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	new_sb(test, &sb);
	KUNIT_EXPECT_EQ(test, sb.format, SYNOD_SB_FORMAT_V3);
	KUNIT_EXPECT_EQ(test, memcmp(sb.secret_fp, fp_secret32,
				     SYNOD_SB_FP_LEN), 0);
	synod_sb_encode(&sb, buf);
	KUNIT_EXPECT_FALSE(test, holds(buf, SYNOD_SB_SIZE, secret32, 8));
	KUNIT_ASSERT_EQ(test, synod_sb_decode(buf, &sb), SYNOD_SB_OK);
	check_fp(test, &sb, SYNOD_SB_FORMAT_V3);
	KUNIT_EXPECT_EQ(test, sb.jrec_size, SYNOD_JREC3_SLOT);
}

/* Format 0 (one replica) has no secret and takes none. */
static void check_v0(struct kunit *test)
{
	struct synod_sb sb;
	bool convert;

	KUNIT_ASSERT_EQ(test, synod_sb_init(&sb, test_uuid, 64ull << 20, 512),
			SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, synod_secret_check(&sb, NULL, 0, &convert), 0);
	KUNIT_EXPECT_EQ(test, synod_secret_check(&sb, secret32, 32, &convert),
			-EINVAL);
	KUNIT_EXPECT_FALSE(test, convert);
}

/*
 * A format 1 superblock as older modules wrote it: the secret inside, a
 * ring of format 1 slots.
 */
static void v1_sb(struct kunit *test, struct synod_sb *sb)
{
	v2_sb(test, sb);
	sb->format = SYNOD_SB_FORMAT_V1;
	memset(sb->secret_fp, 0, sizeof(sb->secret_fp));
	sb->secret_len = 32;
	memcpy(sb->secret, secret32, 32);
	sb->cfg = (struct synod_config){ .epoch = 1, .voters = 7, .q1 = 2,
					 .q2 = 2 };
}

static void check_v1_converts(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, SYNOD_SB_SIZE, GFP_KERNEL);
	struct synod_sb sb, out;
	bool convert = false;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	/* the old format decodes, secret and all */
	v1_sb(test, &sb);
	synod_sb_encode(&sb, buf);
	KUNIT_ASSERT_EQ(test, synod_sb_decode(buf, &sb), SYNOD_SB_OK);
	KUNIT_ASSERT_EQ(test, sb.secret_len, 32u);
	KUNIT_EXPECT_TRUE(test, holds(buf, SYNOD_SB_SIZE, secret32, 32));

	KUNIT_EXPECT_EQ(test, synod_secret_check(&sb, secret32, 32, &convert),
			0);
	KUNIT_EXPECT_TRUE(test, convert);
	/* format 2, not 3: the journal on disk holds format 1 records */
	KUNIT_EXPECT_EQ(test, sb.format, SYNOD_SB_FORMAT_V2);
	KUNIT_EXPECT_EQ(test, synod_sb_jrec_format(&sb), SYNOD_JREC_FORMAT_V1);
	KUNIT_EXPECT_EQ(test, sb.jrec_size, SYNOD_JREC_SIZE);
	KUNIT_EXPECT_EQ(test, synod_sb_pring_size(&sb), 0ull);
	KUNIT_EXPECT_EQ(test, sb.secret_len, 0u);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(sb.secret, 0, sizeof(sb.secret)));
	KUNIT_EXPECT_EQ(test, memcmp(sb.secret_fp, fp_secret32,
				     SYNOD_SB_FP_LEN), 0);

	/* what attach writes: format 2, no trace of the secret */
	synod_sb_encode(&sb, buf);
	KUNIT_EXPECT_FALSE(test, holds(buf, SYNOD_SB_SIZE, secret32, 32));
	KUNIT_EXPECT_FALSE(test, holds(buf, SYNOD_SB_SIZE, secret32, 8));
	KUNIT_ASSERT_EQ(test, synod_sb_decode(buf, &out), SYNOD_SB_OK);
	KUNIT_EXPECT_EQ(test, out.format, SYNOD_SB_FORMAT_V2);
	KUNIT_EXPECT_EQ(test, out.jrec_size, SYNOD_JREC_SIZE);
	KUNIT_EXPECT_EQ(test, out.journal_size, sb.journal_size);
	KUNIT_EXPECT_EQ(test, synod_secret_check(&out, secret32, 32, &convert),
			0);
	KUNIT_EXPECT_FALSE(test, convert);
}

/* A wrong secret for a format 1 copy: refused, unconverted, still wiped. */
static void check_v1_wrong(struct kunit *test)
{
	struct synod_sb sb;
	bool convert = true;

	v1_sb(test, &sb);
	KUNIT_EXPECT_EQ(test, synod_secret_check(&sb, secret32, 31, &convert),
			-EKEYREJECTED);
	KUNIT_EXPECT_FALSE(test, convert);
	KUNIT_EXPECT_EQ(test, sb.format, SYNOD_SB_FORMAT_V1);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(sb.secret, 0, sizeof(sb.secret)));
	v1_sb(test, &sb);
	KUNIT_EXPECT_EQ(test, synod_secret_check(&sb, NULL, 0, &convert),
			-ENOKEY);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(sb.secret, 0, sizeof(sb.secret)));
}

static struct kunit_case secret_cases[] = {
	KUNIT_CASE(fingerprint_known_answers),
	KUNIT_CASE(check_v2),
	KUNIT_CASE(check_v3),
	KUNIT_CASE(check_v0),
	KUNIT_CASE(check_v1_converts),
	KUNIT_CASE(check_v1_wrong),
	{}
};

static struct kunit_suite secret_suite = {
	.name = "synod_secret",
	.init = synod_kunit_init,
	.exit = synod_kunit_exit,
	.test_cases = secret_cases,
};
kunit_test_suite(secret_suite);
