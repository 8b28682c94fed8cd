// SPDX-License-Identifier: GPL-2.0
/*
 * Session keys and frame MACs of the TCP links (linkkey.h).  Every
 * function takes the transform it works with from the caller, which
 * allocated it when the transport was created, so nothing here
 * allocates: a descriptor lives on the stack, and re-keying a transform
 * only computes HMAC's inner and outer pads or copies BLAKE2b's key.
 * Intermediate keys are wiped before returning.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include "compat_net.h"
#include "uapi/synod.h"
#include "linkkey.h"

/* HMAC of the concatenation of up to three pieces with @tfm's key. */
static int hmac3(struct crypto_shash *tfm, const u8 *a, u32 alen,
		 const u8 *b, u32 blen, const u8 *c, u32 clen, u8 *out)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	int err;

	desc->tfm = tfm;
	err = crypto_shash_init(desc);
	if (!err && alen)
		err = crypto_shash_update(desc, a, alen);
	if (!err && blen)
		err = crypto_shash_update(desc, b, blen);
	if (!err && clen)
		err = crypto_shash_update(desc, c, clen);
	if (!err)
		err = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return err;
}

/*
 * HKDF-SHA256: PRK = HMAC(salt, IKM), then T(i) = HMAC(PRK, T(i-1) |
 * info | i) until @okm_len bytes are out.  An empty salt is HashLen
 * zero bytes, as RFC 5869 says.  @hmac is left keyed with nothing
 * useful (the PRK is overwritten by a wipe key): the caller keys it
 * again.
 */
int synod_hkdf_sha256(struct crypto_shash *hmac, const u8 *salt,
		      u32 salt_len, const u8 *ikm, u32 ikm_len,
		      const u8 *info, u32 info_len, u8 *okm, u32 okm_len)
{
	static const u8 zero[SHA256_DIGEST_SIZE];
	u8 prk[SHA256_DIGEST_SIZE], t[SHA256_DIGEST_SIZE];
	u32 done = 0, tlen = 0;
	u8 i = 0;
	int err;

	if (WARN_ON_ONCE(!okm_len || okm_len > 255 * SHA256_DIGEST_SIZE))
		return -EINVAL;
	err = crypto_shash_setkey(hmac, salt_len ? salt : zero,
				  salt_len ? salt_len : sizeof(zero));
	if (!err)
		err = hmac3(hmac, ikm, ikm_len, NULL, 0, NULL, 0, prk);
	if (!err)
		err = crypto_shash_setkey(hmac, prk, sizeof(prk));
	while (!err && done < okm_len) {
		u32 n = min_t(u32, okm_len - done, sizeof(t));

		i++;
		err = hmac3(hmac, t, tlen, info, info_len, &i, 1, t);
		tlen = sizeof(t);
		if (!err)
			memcpy(okm + done, t, n);
		done += n;
	}
	/* Leave no PRK in the transform: key it with zeros. */
	if (crypto_shash_setkey(hmac, zero, sizeof(zero)) && !err)
		err = -EIO;
	memzero_explicit(prk, sizeof(prk));
	memzero_explicit(t, sizeof(t));
	if (err)
		memzero_explicit(okm, okm_len);
	return err;
}

/*
 * The key of the frames a client sends to a server on one connection:
 * HKDF with both handshake nonces as salt (fresh on both sides, so every
 * connection gets its own key and a frame recorded on one connection is
 * worthless on the next), the shared secret as input keying material,
 * and as info a label, the direction, both node ids, the cluster and
 * the handshake's transcript hash @th (SHA-256 of both HELLO records as
 * sent), so that no two links, directions or volumes ever share a key
 * even with one secret, and the key exists only for the very HELLOs both
 * ends saw.  Frames flow only from client to server on a connection
 * (tcp.c), so one direction is all a connection needs.
 */
int synod_link_key(struct crypto_shash *hmac, const u8 *secret,
		   u32 secret_len, const u8 *nonce_c, const u8 *nonce_s,
		   u32 id_c, u32 id_s, const char *cluster,
		   const u8 th[SYNOD_LINK_TH_LEN], u8 key[SYNOD_LINK_KEY_LEN])
{
	static const char label[] = "synod frames v2 client to server";
	u8 salt[2 * SYNOD_LINK_NONCE_LEN];
	u8 info[sizeof(label) + 8 + SYNOD_NAME_MAX + 1 + SYNOD_LINK_TH_LEN];
	u8 *p = info;
	int err;

	memcpy(salt, nonce_c, SYNOD_LINK_NONCE_LEN);
	memcpy(salt + SYNOD_LINK_NONCE_LEN, nonce_s, SYNOD_LINK_NONCE_LEN);
	memcpy(p, label, sizeof(label));
	p += sizeof(label);
	put_unaligned_le32(id_c, p);
	put_unaligned_le32(id_s, p + 4);
	p += 8;
	strscpy_pad(p, cluster, SYNOD_NAME_MAX + 1);
	p += SYNOD_NAME_MAX + 1;
	memcpy(p, th, SYNOD_LINK_TH_LEN);
	err = synod_hkdf_sha256(hmac, salt, sizeof(salt), secret, secret_len,
				info, sizeof(info), key, SYNOD_LINK_KEY_LEN);
	memzero_explicit(salt, sizeof(salt));
	return err;
}

/*
 * The tag of one frame: the keyed transform @keyed (hmac(sha256) on link
 * version 2, blake2b-256 on 3, keyed with the connection's frame key)
 * over the header fields before the tag (length, flags, sequence) and
 * the payload, which may come in pieces (the send ring wraps),
 * truncated to SYNOD_LINK_TAG_LEN bytes (RFC 2104, section 5; for
 * BLAKE2b-256 the first 16 bytes of its 32-byte output, which differ
 * from BLAKE2b with a 16-byte output: BLAKE2b's parameter block holds
 * the output length).
 */
int synod_link_mac(struct crypto_shash *keyed, const u8 *hdr, u32 hdr_len,
		   const struct kvec *vec, unsigned int nvec,
		   u8 tag[SYNOD_LINK_TAG_LEN])
{
	SHASH_DESC_ON_STACK(desc, keyed);
	u8 full[HASH_MAX_DIGESTSIZE];
	unsigned int i;
	int err;

	if (WARN_ON_ONCE(crypto_shash_digestsize(keyed) > sizeof(full) ||
			 crypto_shash_digestsize(keyed) < SYNOD_LINK_TAG_LEN))
		return -EINVAL;
	desc->tfm = keyed;
	err = crypto_shash_init(desc);
	if (!err)
		err = crypto_shash_update(desc, hdr, hdr_len);
	for (i = 0; !err && i < nvec; i++)
		err = crypto_shash_update(desc, vec[i].iov_base,
					  vec[i].iov_len);
	if (!err)
		err = crypto_shash_final(desc, full);
	shash_desc_zero(desc);
	memcpy(tag, full, SYNOD_LINK_TAG_LEN);
	memzero_explicit(full, sizeof(full));
	return err;
}

/*
 * TCP delivers a connection's bytes once and in order, so the only
 * acceptable sequence number is the next one: no window is needed, and
 * anything else is an injected copy (lower) or a sign that frames were
 * removed from the stream (higher).
 */
enum synod_seq_verdict synod_link_seq(u64 expect, u64 got)
{
	if (got == expect)
		return SYNOD_SEQ_OK;
	return got < expect ? SYNOD_SEQ_REPLAY : SYNOD_SEQ_GAP;
}
