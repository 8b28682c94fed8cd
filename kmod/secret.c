// SPDX-License-Identifier: GPL-2.0
/*
 * The secret's fingerprint and the secret check at attach; secret.h says
 * why a fingerprint and which.  No I/O here (volume.c writes a converted
 * superblock), so the KUnit suite synod_secret runs this file as is.
 */
#include <crypto/algapi.h>
#include <crypto/sha2.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "secret.h"

/*
 * HMAC-SHA256 (RFC 2104) of @m1 then @m2 under @key.  Keys are at most
 * one block (64 bytes, SYNOD_SB_SECRET_MAX), so they are only padded,
 * never hashed first.  Every intermediate holding key material is wiped.
 */
static void hmac_sha256(const u8 *key, u32 klen, const u8 *m1, u32 l1,
			const u8 *m2, u32 l2, u8 out[SHA256_DIGEST_SIZE])
{
	u8 pad[SHA256_BLOCK_SIZE];
	struct sha256_state st;
	u32 i;

	BUILD_BUG_ON(SYNOD_SB_SECRET_MAX > SHA256_BLOCK_SIZE);
	BUILD_BUG_ON(SYNOD_SB_FP_LEN != SHA256_DIGEST_SIZE);
	if (WARN_ON_ONCE(klen > SHA256_BLOCK_SIZE))
		klen = SHA256_BLOCK_SIZE;
	memset(pad, 0x36, sizeof(pad));
	for (i = 0; i < klen; i++)
		pad[i] ^= key[i];
	sha256_init(&st);
	sha256_update(&st, pad, sizeof(pad));
	sha256_update(&st, m1, l1);
	sha256_update(&st, m2, l2);
	sha256_final(&st, out);
	memset(pad, 0x5c, sizeof(pad));
	for (i = 0; i < klen; i++)
		pad[i] ^= key[i];
	sha256_init(&st);
	sha256_update(&st, pad, sizeof(pad));
	sha256_update(&st, out, SHA256_DIGEST_SIZE);
	sha256_final(&st, out);
	memzero_explicit(pad, sizeof(pad));
	memzero_explicit(&st, sizeof(st));
}

void synod_secret_fingerprint(const u8 *secret, u32 len, const u8 uuid[16],
			      u8 out[SYNOD_SB_FP_LEN])
{
	static const char label[] = SYNOD_SECRET_FP_LABEL;

	hmac_sha256(secret, len, label, sizeof(label), uuid, 16, out);
}

/* Format 1: the secret given must be the one stored, byte for byte. */
static bool v1_secret_matches(const struct synod_sb *sb, const u8 *secret,
			      u32 len)
{
	return sb->secret_len == len &&
	       !crypto_memneq(sb->secret, secret, len);
}

/* Format 2: its fingerprint under this replica's UUID must match. */
static bool v2_secret_matches(const struct synod_sb *sb, const u8 *secret,
			      u32 len)
{
	u8 fp[SYNOD_SB_FP_LEN];
	bool ok;

	synod_secret_fingerprint(secret, len, sb->uuid, fp);
	ok = !crypto_memneq(fp, sb->secret_fp, sizeof(fp));
	memzero_explicit(fp, sizeof(fp));
	return ok;
}

/* Format 1 to 2 in memory: the fingerprint in, the secret out. */
static void v1_convert(struct synod_sb *sb, const u8 *secret, u32 len)
{
	synod_secret_fingerprint(secret, len, sb->uuid, sb->secret_fp);
	sb->format = SYNOD_SB_FORMAT_V2;
}

int synod_secret_check(struct synod_sb *sb, const u8 *secret, u32 len,
		       bool *convert)
{
	int err = 0;

	*convert = false;
	if (!synod_sb_is_repl(sb)) {
		if (len)
			err = -EINVAL;
	} else if (!len) {
		err = -ENOKEY;
	} else if (sb->format == SYNOD_SB_FORMAT_V1 ?
		   !v1_secret_matches(sb, secret, len) :
		   !v2_secret_matches(sb, secret, len)) {
		err = -EKEYREJECTED;
	} else if (sb->format == SYNOD_SB_FORMAT_V1) {
		v1_convert(sb, secret, len);
		*convert = true;
	}
	memzero_explicit(sb->secret, sizeof(sb->secret));
	sb->secret_len = 0;
	return err;
}
