// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_linkkey": the frame keys and MACs of the TCP links
 * (kmod/linkkey.c).  HKDF against RFC 5869's SHA-256 vectors; the key
 * of one connection and the tag of one frame against values computed
 * independently (Python's hmac and hashlib; info = label with its NUL,
 * le32 id_c, le32 id_s, cluster NUL-padded to 32 bytes, the 32-byte
 * transcript hash), so that a change of the wire's derivation cannot pass
 * unnoticed; the link v3 frame tag (keyed BLAKE2b-256, first 16 bytes)
 * against Python's hashlib.blake2b; the link v4 tag (Poly1305 under a
 * one-time key, keyed BLAKE2b-256 of the header) against Python
 * (tests/host/link_tag_vectors.py prints the expected values); the
 * sequence rule.  The transforms are made in .init and freed in .exit,
 * so that a failed assertion, which returns at once, leaks nothing.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/string.h>

#include "compat_net.h"
#include "linkkey.h"

/* test->priv: the transforms of one case */
struct linkkey_tfms {
	struct crypto_shash *hmac;	/* hmac(sha256) */
	struct crypto_shash *b2;	/* blake2b-256 */
	struct crypto_shash *poly;	/* poly1305 */
};

static int linkkey_init(struct kunit *test)
{
	struct linkkey_tfms *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct crypto_shash *h;

	if (!t)
		return -ENOMEM;
	h = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(h))
		return PTR_ERR(h);
	t->hmac = h;
	h = crypto_alloc_shash("blake2b-256", 0, 0);
	if (IS_ERR(h))
		goto out_free_hmac;
	t->b2 = h;
	/* without poly1305 only the v4 case is skipped (kernels >= 6.16) */
	h = crypto_alloc_shash("poly1305", 0, 0);
	t->poly = IS_ERR(h) ? NULL : h;
	test->priv = t;
	return 0;

out_free_hmac:
	crypto_free_shash(t->hmac);
	return PTR_ERR(h);
}

static void linkkey_exit(struct kunit *test)
{
	struct linkkey_tfms *t = test->priv;

	if (t->poly)
		crypto_free_shash(t->poly);
	crypto_free_shash(t->b2);
	crypto_free_shash(t->hmac);
}

/* RFC 5869 A.1 (basic) and A.3 (no salt, no info). */
static void hkdf_rfc5869(struct kunit *test)
{
	static const u8 okm1[42] = {
		0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43,
		0x4f, 0x64, 0xd0, 0x36, 0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90,
		0xcf, 0x1a, 0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56, 0xec, 0xc4,
		0xc5, 0xbf, 0x34, 0x00, 0x72, 0x08, 0xd5, 0xb8, 0x87, 0x18,
		0x58, 0x65,
	};
	static const u8 okm3[42] = {
		0x8d, 0xa4, 0xe7, 0x75, 0xa5, 0x63, 0xc1, 0x8f, 0x71, 0x5f,
		0x80, 0x2a, 0x06, 0x3c, 0x5a, 0x31, 0xb8, 0xa1, 0x1f, 0x5c,
		0x5e, 0xe1, 0x87, 0x9e, 0xc3, 0x45, 0x4e, 0x5f, 0x3c, 0x73,
		0x8d, 0x2d, 0x9d, 0x20, 0x13, 0x95, 0xfa, 0xa4, 0xb6, 0x1a,
		0x96, 0xc8,
	};
	struct crypto_shash *h = ((struct linkkey_tfms *)test->priv)->hmac;
	u8 ikm[22], salt[13], info[10], okm[42];
	int i;

	memset(ikm, 0x0b, sizeof(ikm));
	for (i = 0; i < 13; i++)
		salt[i] = i;
	for (i = 0; i < 10; i++)
		info[i] = 0xf0 + i;
	KUNIT_EXPECT_EQ(test, 0, synod_hkdf_sha256(h, salt, sizeof(salt), ikm,
						   sizeof(ikm), info,
						   sizeof(info), okm,
						   sizeof(okm)));
	KUNIT_EXPECT_EQ(test, 0, memcmp(okm, okm1, sizeof(okm)));
	KUNIT_EXPECT_EQ(test, 0, synod_hkdf_sha256(h, NULL, 0, ikm,
						   sizeof(ikm), NULL, 0, okm,
						   sizeof(okm)));
	KUNIT_EXPECT_EQ(test, 0, memcmp(okm, okm3, sizeof(okm)));
}

/*
 * The key of a connection from node 1 to node 0 of cluster "r0" whose
 * transcript hash is 32 bytes of 3 (any value: the test is the
 * derivation), and
 * the tag of a 5-byte frame with sequence number 7 under it, the
 * payload given in two pieces as a wrapping ring would.
 */
static void link_key_and_tag(struct kunit *test)
{
	static const u8 want_key[SYNOD_LINK_KEY_LEN] = {
		0xb6, 0x1f, 0x82, 0x0d, 0x3d, 0x74, 0xb6, 0xbd,
		0x35, 0x38, 0x1b, 0x9e, 0x47, 0xbc, 0x9e, 0x74,
		0x11, 0x20, 0xc6, 0xb2, 0x46, 0x09, 0x4b, 0xc9,
		0xf3, 0xab, 0xe0, 0x9c, 0x4b, 0x39, 0xbf, 0xdc,
	};
	static const u8 want_tag[SYNOD_LINK_TAG_LEN] = {
		0xba, 0x8d, 0xa3, 0x32, 0xa8, 0x2e, 0xb5, 0x80,
		0x50, 0x1d, 0x8d, 0xb9, 0xb9, 0x84, 0x41, 0x6b,
	};
	static const u8 secret[] = "0123456789abcdef";
	struct crypto_shash *h = ((struct linkkey_tfms *)test->priv)->hmac;
	u8 nc[SYNOD_LINK_NONCE_LEN], ns[SYNOD_LINK_NONCE_LEN];
	u8 key[SYNOD_LINK_KEY_LEN], hdr[16], tag[SYNOD_LINK_TAG_LEN];
	u8 th[SYNOD_LINK_TH_LEN];
	struct kvec v[2] = {
		{ .iov_base = "hel", .iov_len = 3 },
		{ .iov_base = "lo", .iov_len = 2 },
	};

	memset(nc, 1, sizeof(nc));
	memset(ns, 2, sizeof(ns));
	memset(th, 3, sizeof(th));
	KUNIT_ASSERT_EQ(test, 0, synod_link_key(h, secret, 16, nc, ns, 1, 0,
						"r0", th, key));
	KUNIT_EXPECT_EQ(test, 0, memcmp(key, want_key, sizeof(key)));
	KUNIT_ASSERT_EQ(test, 0, crypto_shash_setkey(h, key, sizeof(key)));
	put_unaligned_le32(5, hdr);
	put_unaligned_le32(0, hdr + 4);
	put_unaligned_le64(7, hdr + 8);
	KUNIT_ASSERT_EQ(test, 0, synod_link_mac(h, hdr, sizeof(hdr), v, 2,
						tag));
	KUNIT_EXPECT_EQ(test, 0, memcmp(tag, want_tag, sizeof(tag)));
	/* another sequence number, direction or node: another tag/key */
	put_unaligned_le64(8, hdr + 8);
	KUNIT_ASSERT_EQ(test, 0, synod_link_mac(h, hdr, sizeof(hdr), v, 2,
						tag));
	KUNIT_EXPECT_NE(test, 0, memcmp(tag, want_tag, sizeof(tag)));
	KUNIT_ASSERT_EQ(test, 0, synod_link_key(h, secret, 16, nc, ns, 0, 1,
						"r0", th, key));
	KUNIT_EXPECT_NE(test, 0, memcmp(key, want_key, sizeof(key)));
	KUNIT_ASSERT_EQ(test, 0, synod_link_key(h, secret, 16, ns, nc, 1, 0,
						"r0", th, key));
	KUNIT_EXPECT_NE(test, 0, memcmp(key, want_key, sizeof(key)));
	/* another transcript: another key */
	th[0] ^= 1;
	KUNIT_ASSERT_EQ(test, 0, synod_link_key(h, secret, 16, nc, ns, 1, 0,
						"r0", th, key));
	KUNIT_EXPECT_NE(test, 0, memcmp(key, want_key, sizeof(key)));
}

/*
 * Link version 3: the tag of the same frame as link_key_and_tag()'s under
 * the same frame key with keyed BLAKE2b-256, its first 16 bytes
 * (hashlib.blake2b(hdr + b"hello", digest_size=32, key=key).digest()[:16];
 * not digest_size=16, which is another function).  It differs from the
 * HMAC-SHA256 tag, so a frame tagged for the other version fails.
 */
static void blake2b_tag(struct kunit *test)
{
	static const u8 key[SYNOD_LINK_KEY_LEN] = {
		0xb6, 0x1f, 0x82, 0x0d, 0x3d, 0x74, 0xb6, 0xbd,
		0x35, 0x38, 0x1b, 0x9e, 0x47, 0xbc, 0x9e, 0x74,
		0x11, 0x20, 0xc6, 0xb2, 0x46, 0x09, 0x4b, 0xc9,
		0xf3, 0xab, 0xe0, 0x9c, 0x4b, 0x39, 0xbf, 0xdc,
	};
	static const u8 want_tag[SYNOD_LINK_TAG_LEN] = {
		0x56, 0xee, 0xef, 0x9b, 0x2f, 0xb8, 0x4a, 0xe9,
		0xb6, 0x7b, 0x3d, 0xd7, 0xfa, 0x02, 0xad, 0x33,
	};
	struct linkkey_tfms *t = test->priv;
	u8 hdr[16], tag[SYNOD_LINK_TAG_LEN], htag[SYNOD_LINK_TAG_LEN];
	struct kvec v[2] = {
		{ .iov_base = "hel", .iov_len = 3 },
		{ .iov_base = "lo", .iov_len = 2 },
	};

	KUNIT_ASSERT_EQ(test, 0, crypto_shash_setkey(t->b2, key, sizeof(key)));
	KUNIT_ASSERT_EQ(test, 0, crypto_shash_setkey(t->hmac, key,
						     sizeof(key)));
	put_unaligned_le32(5, hdr);
	put_unaligned_le32(0, hdr + 4);
	put_unaligned_le64(7, hdr + 8);
	KUNIT_ASSERT_EQ(test, 0, synod_link_mac(t->b2, hdr, sizeof(hdr), v, 2,
						tag));
	KUNIT_EXPECT_EQ(test, 0, memcmp(tag, want_tag, sizeof(tag)));
	KUNIT_ASSERT_EQ(test, 0, synod_link_mac(t->hmac, hdr, sizeof(hdr), v,
						2, htag));
	KUNIT_EXPECT_NE(test, 0, memcmp(tag, htag, sizeof(tag)));
	/* another sequence number: another tag */
	put_unaligned_le64(8, hdr + 8);
	KUNIT_ASSERT_EQ(test, 0, synod_link_mac(t->b2, hdr, sizeof(hdr), v, 2,
						tag));
	KUNIT_EXPECT_NE(test, 0, memcmp(tag, want_tag, sizeof(tag)));
}

/*
 * Link version 4: Poly1305 under the one-time key BLAKE2b-256(frame
 * key, header), over header and payload, with the frame key of
 * link_key_and_tag().  Expected values from tests/host/link_tag_vectors.py
 * (hashlib.blake2b for the one-time key, Poly1305 written out from RFC
 * 8439 and checked against OpenSSL's): the 5-byte frame "hello" with
 * sequence number 7 in two pieces, a 1000-byte one in three pieces that
 * split Poly1305's 16-byte blocks, and READY's label alone.  Changing a
 * byte of the header (which also picks the key) or of the payload must
 * change the tag, and the tag must differ from v3's of the same frame.
 */
static void poly1305_tag(struct kunit *test)
{
	static const u8 key[SYNOD_LINK_KEY_LEN] = {
		0xb6, 0x1f, 0x82, 0x0d, 0x3d, 0x74, 0xb6, 0xbd,
		0x35, 0x38, 0x1b, 0x9e, 0x47, 0xbc, 0x9e, 0x74,
		0x11, 0x20, 0xc6, 0xb2, 0x46, 0x09, 0x4b, 0xc9,
		0xf3, 0xab, 0xe0, 0x9c, 0x4b, 0x39, 0xbf, 0xdc,
	};
	static const u8 want_small[SYNOD_LINK_TAG_LEN] = {
		0xc5, 0x7f, 0x41, 0xdd, 0xec, 0xb0, 0x10, 0x31,
		0xfc, 0xb0, 0x9b, 0x14, 0x8d, 0xa8, 0xaf, 0xcc,
	};
	static const u8 want_big[SYNOD_LINK_TAG_LEN] = {
		0x79, 0x21, 0x43, 0xa2, 0x4f, 0xa1, 0x8c, 0xc0,
		0xc4, 0x25, 0x6a, 0x53, 0x40, 0x1d, 0x03, 0xc2,
	};
	static const u8 want_ready[SYNOD_LINK_TAG_LEN] = {
		0x23, 0x3e, 0x7f, 0x22, 0xbd, 0x5e, 0xb1, 0x5c,
		0x5d, 0xf5, 0x3d, 0x21, 0x7c, 0xc2, 0x84, 0x8c,
	};
	static const u8 label[SYNOD_LINK_HDR_LEN] = "synod-ready-v2";
	struct linkkey_tfms *t = test->priv;
	u8 hdr[SYNOD_LINK_HDR_LEN], tag[SYNOD_LINK_TAG_LEN];
	u8 v3tag[SYNOD_LINK_TAG_LEN];
	char hello[] = "hello";
	struct kvec v[3] = {
		{ .iov_base = hello, .iov_len = 3 },
		{ .iov_base = hello + 3, .iov_len = 2 },
	};
	u8 *big;
	int i;

	if (!t->poly)
		kunit_skip(test, "no poly1305 in this kernel: links offer v3 at most");

	big = kunit_kzalloc(test, 1000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	for (i = 0; i < 1000; i++)
		big[i] = i * 7;
	KUNIT_ASSERT_EQ(test, 0, crypto_shash_setkey(t->b2, key, sizeof(key)));
	put_unaligned_le32(5, hdr);
	put_unaligned_le32(0, hdr + 4);
	put_unaligned_le64(7, hdr + 8);
	KUNIT_ASSERT_EQ(test, 0, synod_link_mac_otk(t->b2, t->poly, hdr, v, 2,
						    tag));
	KUNIT_EXPECT_EQ(test, 0, memcmp(tag, want_small, sizeof(tag)));
	KUNIT_ASSERT_EQ(test, 0, synod_link_mac(t->b2, hdr, sizeof(hdr), v, 2,
						v3tag));
	KUNIT_EXPECT_NE(test, 0, memcmp(tag, v3tag, sizeof(tag)));
	/* a payload byte */
	hello[4] ^= 1;
	KUNIT_ASSERT_EQ(test, 0, synod_link_mac_otk(t->b2, t->poly, hdr, v, 2,
						    tag));
	KUNIT_EXPECT_NE(test, 0, memcmp(tag, want_small, sizeof(tag)));
	hello[4] ^= 1;
	/* each byte of the header: length, flags, sequence number */
	for (i = 0; i < SYNOD_LINK_HDR_LEN; i++) {
		hdr[i] ^= 0x10;
		KUNIT_ASSERT_EQ(test, 0, synod_link_mac_otk(t->b2, t->poly,
							    hdr, v, 2, tag));
		KUNIT_EXPECT_NE(test, 0, memcmp(tag, want_small, sizeof(tag)));
		hdr[i] ^= 0x10;
	}
	/* another frame key */
	KUNIT_ASSERT_EQ(test, 0, crypto_shash_setkey(t->b2, key, 31));
	KUNIT_ASSERT_EQ(test, 0, synod_link_mac_otk(t->b2, t->poly, hdr, v, 2,
						    tag));
	KUNIT_EXPECT_NE(test, 0, memcmp(tag, want_small, sizeof(tag)));
	KUNIT_ASSERT_EQ(test, 0, crypto_shash_setkey(t->b2, key, sizeof(key)));

	/* 1000 bytes in pieces of 3, 500 and 497 */
	put_unaligned_le32(1000, hdr);
	put_unaligned_le64(1ull << 40, hdr + 8);
	v[0] = (struct kvec){ .iov_base = big, .iov_len = 3 };
	v[1] = (struct kvec){ .iov_base = big + 3, .iov_len = 500 };
	v[2] = (struct kvec){ .iov_base = big + 503, .iov_len = 497 };
	KUNIT_ASSERT_EQ(test, 0, synod_link_mac_otk(t->b2, t->poly, hdr, v, 3,
						    tag));
	KUNIT_EXPECT_EQ(test, 0, memcmp(tag, want_big, sizeof(tag)));
	big[999] ^= 0x80;
	KUNIT_ASSERT_EQ(test, 0, synod_link_mac_otk(t->b2, t->poly, hdr, v, 3,
						    tag));
	KUNIT_EXPECT_NE(test, 0, memcmp(tag, want_big, sizeof(tag)));

	KUNIT_ASSERT_EQ(test, 0, synod_link_mac_otk(t->b2, t->poly, label,
						    NULL, 0, tag));
	KUNIT_EXPECT_EQ(test, 0, memcmp(tag, want_ready, sizeof(tag)));
}

/*
 * The tag of frame @hdr + @f (@len bytes) on link version @ver (2, 3
 * or 4) under the keys in @t, the payload split at @at (0: whole).
 */
static int split_tag(struct linkkey_tfms *t, u32 ver, const u8 *hdr,
		     u8 *f, u32 len, u32 at, u8 *tag)
{
	struct kvec v[2] = {
		{ .iov_base = f, .iov_len = at ?: len },
		{ .iov_base = f + at, .iov_len = len - at },
	};
	unsigned int n = at ? 2 : 1;

	if (ver == 4)
		return synod_link_mac_otk(t->b2, t->poly, hdr, v, n, tag);
	return synod_link_mac(ver == 2 ? t->hmac : t->b2, hdr,
			      SYNOD_LINK_HDR_LEN, v, n, tag);
}

/*
 * What frames received in place rest on (tcp_rx.c, in_placed()): a
 * frame's payload in two pieces, its header's part in the receive
 * buffer and the rest in a payload buffer, has the tag of the frame
 * whole, byte for byte, on every link version.  A PIECE frame of 16 KiB
 * split where a receiver places it (after a PAYLOAD or PIECE header, 16
 * and 24 bytes), at an odd offset and at one that cuts a 16-byte block.
 */
static void split_frame_tags(struct kunit *test)
{
	static const u8 key[SYNOD_LINK_KEY_LEN] = { 1, 2, 3, 4, 5 };
	static const u32 at[] = { 16, 24, 7, 4099, 16407 };
	struct linkkey_tfms *t = test->priv;
	u8 hdr[SYNOD_LINK_HDR_LEN], whole[SYNOD_LINK_TAG_LEN];
	u8 tag[SYNOD_LINK_TAG_LEN];
	u32 len = 24 + 16384, ver, i;
	u8 *f;

	f = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	for (i = 0; i < len; i++)
		f[i] = i * 31 + (i >> 8);
	KUNIT_ASSERT_EQ(test, 0, crypto_shash_setkey(t->b2, key, sizeof(key)));
	KUNIT_ASSERT_EQ(test, 0, crypto_shash_setkey(t->hmac, key,
						     sizeof(key)));
	put_unaligned_le32(len, hdr);
	put_unaligned_le32(0, hdr + 4);
	put_unaligned_le64(12345, hdr + 8);
	for (ver = 2; ver <= 4; ver++) {
		if (ver == 4 && !t->poly)
			break;
		KUNIT_ASSERT_EQ(test, 0, split_tag(t, ver, hdr, f, len, 0,
						   whole));
		for (i = 0; i < ARRAY_SIZE(at); i++) {
			KUNIT_ASSERT_EQ(test, 0, split_tag(t, ver, hdr, f, len,
							   at[i], tag));
			KUNIT_EXPECT_EQ_MSG(test, 0,
					    memcmp(tag, whole, sizeof(tag)),
					    "v%u split at %u", ver, at[i]);
		}
		/* and a byte of the second piece changed is seen */
		f[len - 1] ^= 1;
		KUNIT_ASSERT_EQ(test, 0, split_tag(t, ver, hdr, f, len, 24,
						   tag));
		KUNIT_EXPECT_NE(test, 0, memcmp(tag, whole, sizeof(tag)));
		f[len - 1] ^= 1;
	}
}

/* Only the next sequence number passes; lower is a replay, higher a gap. */
static void sequence_rule(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, SYNOD_SEQ_OK, synod_link_seq(0, 0));
	KUNIT_EXPECT_EQ(test, SYNOD_SEQ_OK, synod_link_seq(41, 41));
	KUNIT_EXPECT_EQ(test, SYNOD_SEQ_REPLAY, synod_link_seq(41, 40));
	KUNIT_EXPECT_EQ(test, SYNOD_SEQ_REPLAY, synod_link_seq(41, 0));
	KUNIT_EXPECT_EQ(test, SYNOD_SEQ_GAP, synod_link_seq(41, 42));
	KUNIT_EXPECT_EQ(test, SYNOD_SEQ_GAP, synod_link_seq(0, U64_MAX));
}

static struct kunit_case linkkey_cases[] = {
	KUNIT_CASE(hkdf_rfc5869),
	KUNIT_CASE(link_key_and_tag),
	KUNIT_CASE(blake2b_tag),
	KUNIT_CASE(poly1305_tag),
	KUNIT_CASE(split_frame_tags),
	KUNIT_CASE(sequence_rule),
	{}
};

static struct kunit_suite linkkey_suite = {
	.name = "synod_linkkey",
	.init = linkkey_init,
	.exit = linkkey_exit,
	.test_cases = linkkey_cases,
};

kunit_test_suites(&linkkey_suite);
MODULE_LICENSE("GPL");
