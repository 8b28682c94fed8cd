// SPDX-License-Identifier: GPL-2.0
/*
 * Session keys and frame MACs of the TCP links (linkkey.h).  Every
 * function takes the transform it works with from the caller, which
 * allocated it when the transport was created, so nothing here
 * allocates: a descriptor lives on the stack, and re-keying a transform
 * only computes HMAC's inner and outer pads or copies BLAKE2b's key
 * (Poly1305 takes its one-time key with the data, nothing to re-key).
 * Intermediate keys are wiped before returning.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <crypto/poly1305.h>
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

/* Feed a frame to @desc: @hdr_len bytes of header, then @vec's pieces. */
static int update_frame(struct shash_desc *desc, const u8 *hdr, u32 hdr_len,
			const struct kvec *vec, unsigned int nvec)
{
	unsigned int i;
	int err = crypto_shash_update(desc, hdr, hdr_len);

	for (i = 0; !err && i < nvec; i++)
		err = crypto_shash_update(desc, vec[i].iov_base,
					  vec[i].iov_len);
	return err;
}

/*
 * The tag of one frame on link versions 2 and 3: the keyed transform
 * @keyed (hmac(sha256) on 2, blake2b-256 on 3, keyed with the
 * connection's frame key)
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
	int err;

	if (WARN_ON_ONCE(crypto_shash_digestsize(keyed) > sizeof(full) ||
			 crypto_shash_digestsize(keyed) < SYNOD_LINK_TAG_LEN))
		return -EINVAL;
	desc->tfm = keyed;
	err = crypto_shash_init(desc);
	if (!err)
		err = update_frame(desc, hdr, hdr_len, vec, nvec);
	if (!err)
		err = crypto_shash_final(desc, full);
	shash_desc_zero(desc);
	memcpy(tag, full, SYNOD_LINK_TAG_LEN);
	memzero_explicit(full, sizeof(full));
	return err;
}

/*
 * The one-time Poly1305 key of the frame whose header is @hdr: keyed
 * BLAKE2b-256 (@prf, keyed with the frame key) of the header alone, all
 * 32 bytes.  Its own function, so that its descriptor and Poly1305's
 * are never on the stack together.
 */
static noinline_for_stack int link_otk(struct crypto_shash *prf,
				       const u8 *hdr,
				       u8 otk[POLY1305_KEY_SIZE])
{
	SHASH_DESC_ON_STACK(desc, prf);
	int err;

	desc->tfm = prf;
	err = crypto_shash_digest(desc, hdr, SYNOD_LINK_HDR_LEN, otk);
	shash_desc_zero(desc);
	return err;
}

/*
 * Poly1305 (@poly, the crypto API's "poly1305") under @otk of @hdr and
 * the payload pieces in @vec.  That transform has no setkey: its key is
 * the first POLY1305_KEY_SIZE bytes of data after init, r then s
 * (crypto/poly1305_generic.c and arch/x86/crypto/poly1305_glue.c in 6.1
 * and 6.12), so the key goes in first and whole.  The descriptor, which
 * then holds r and s, is wiped.
 */
static noinline_for_stack int link_poly1305(struct crypto_shash *poly,
					    const u8 otk[POLY1305_KEY_SIZE],
					    const u8 *hdr,
					    const struct kvec *vec,
					    unsigned int nvec, u8 *tag)
{
	SHASH_DESC_ON_STACK(desc, poly);
	int err;

	desc->tfm = poly;
	err = crypto_shash_init(desc);
	if (!err)
		err = crypto_shash_update(desc, otk, POLY1305_KEY_SIZE);
	if (!err)
		err = update_frame(desc, hdr, SYNOD_LINK_HDR_LEN, vec, nvec);
	if (!err)
		err = crypto_shash_final(desc, tag);
	shash_desc_zero(desc);
	return err;
}

/*
 * The tag of one frame on link version 4: Poly1305 under a key made for
 * that frame alone,
 *
 *   otk = BLAKE2b-256(key = frame key, data = @hdr)	(32 bytes)
 *   tag = Poly1305(otk, @hdr | payload)		(16 bytes)
 *
 * with @hdr the header's SYNOD_LINK_HDR_LEN bytes before the tag
 * (length, flags, sequence number) and the payload in @vec's pieces.
 *
 * Why this is sound: Poly1305 is a one-time MAC.  A key (r, s) may
 * authenticate one message only; the tags of two messages under one key
 * give r away and with it forgeries.  So its users make a fresh key per
 * message from a PRF and a nonce: ChaCha20-Poly1305 takes it from the
 * ChaCha20 block of the nonce (RFC 8439 section 2.6), Poly1305-AES adds
 * AES_k(nonce).  Here the PRF is keyed BLAKE2b under the frame key
 * (which the transcript hash ties to one link version: outside the test
 * build's forgeries it never also keys a v3 MAC), and the nonce is the
 * header: its sequence number never repeats on a connection, a
 * connection carries frames one way only, and every connection has its
 * own frame key (synod_link_key() above), so no two frames share an
 * otk.
 * READY's key confirmation is the only other tag under the key; its
 * 16-byte label, read as a header, has a length no frame has
 * (tcp_link.c), so its otk is no frame's either.  The header is also
 * the first block Poly1305 covers, so the tag binds the very bytes that
 * chose its key.  As long as keyed BLAKE2b is a PRF, a forged frame of
 * L bytes passes with probability at most 8 * ceil(L / 16) / 2^106
 * (Bernstein's bound for Poly1305; 2^-93 for the largest frame), where
 * the truncated MACs of versions 2 and 3 allow 2^-128; each failed try
 * resets the link.  The otk is wiped after use.
 *
 * Why bother: BLAKE2b now hashes 16 bytes per frame (two compressions
 * with the key block) whatever the payload, and Poly1305, one 130-bit
 * multiply-add per 16 bytes with SIMD code in the kernel, does the rest.
 * In the test guest (QEMU TCG) blake2b-256-generic hashed 90-108 MB/s,
 * poly1305-simd 193-234 MB/s (tcrypt, 4-8 KiB).
 *
 * @prf is blake2b-256 keyed with the frame key; @poly "poly1305".
 */
int synod_link_mac_otk(struct crypto_shash *prf, struct crypto_shash *poly,
		       const u8 hdr[SYNOD_LINK_HDR_LEN],
		       const struct kvec *vec, unsigned int nvec,
		       u8 tag[SYNOD_LINK_TAG_LEN])
{
	u8 otk[POLY1305_KEY_SIZE];
	int err;

	BUILD_BUG_ON(POLY1305_DIGEST_SIZE != SYNOD_LINK_TAG_LEN);
	if (WARN_ON_ONCE(crypto_shash_digestsize(prf) != sizeof(otk) ||
			 crypto_shash_digestsize(poly) != SYNOD_LINK_TAG_LEN))
		return -EINVAL;
	err = link_otk(prf, hdr, otk);
	if (!err)
		err = link_poly1305(poly, otk, hdr, vec, nvec, tag);
	memzero_explicit(otk, sizeof(otk));
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
