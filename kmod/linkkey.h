/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The keys and checks of an authenticated link, without sockets: HKDF
 * (RFC 5869) over the kernel's HMAC-SHA256, the frame key of one TCP
 * connection, the MAC of one frame (HMAC-SHA256 or keyed BLAKE2b-256,
 * whichever transform the caller keyed; or Poly1305 under a one-time
 * key that keyed BLAKE2b-256 derives from the frame's header) and the
 * sequence rule.  Used by tcp_link.c, tcp_tx.c and tcp_rx.c; tested
 * alone by KUnit (kmod/kunit/linkkey_kunit.c) against RFC 5869's vectors
 * and values computed in Python (tests/host/link_tag_vectors.py).
 */
#ifndef SYNOD_LINKKEY_H
#define SYNOD_LINKKEY_H

#include <linux/types.h>
#include <linux/uio.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>

#define SYNOD_LINK_KEY_LEN	SHA256_DIGEST_SIZE	/* frame key, bytes */
#define SYNOD_LINK_TAG_LEN	16u	/* MAC on the wire: first 128 bits */
#define SYNOD_LINK_NONCE_LEN	32u	/* each side's handshake nonce */
#define SYNOD_LINK_TH_LEN	SHA256_DIGEST_SIZE	/* transcript hash */
/* Frame header bytes before the tag (length, flags, sequence number). */
#define SYNOD_LINK_HDR_LEN	16u

/* What the sequence number of a frame with a good MAC says. */
enum synod_seq_verdict {
	SYNOD_SEQ_OK,		/* the next one */
	SYNOD_SEQ_REPLAY,	/* seen already on this connection */
	SYNOD_SEQ_GAP,		/* frames before it are missing */
};

int synod_hkdf_sha256(struct crypto_shash *hmac, const u8 *salt,
		      u32 salt_len, const u8 *ikm, u32 ikm_len,
		      const u8 *info, u32 info_len, u8 *okm, u32 okm_len);
int synod_link_key(struct crypto_shash *hmac, const u8 *secret,
		   u32 secret_len, const u8 *nonce_c, const u8 *nonce_s,
		   u32 id_c, u32 id_s, const char *cluster,
		   const u8 th[SYNOD_LINK_TH_LEN], u8 key[SYNOD_LINK_KEY_LEN]);
int synod_link_mac(struct crypto_shash *keyed, const u8 *hdr, u32 hdr_len,
		   const struct kvec *vec, unsigned int nvec,
		   u8 tag[SYNOD_LINK_TAG_LEN]);
int synod_link_mac_otk(struct crypto_shash *prf, struct crypto_shash *poly,
		       const u8 hdr[SYNOD_LINK_HDR_LEN],
		       const struct kvec *vec, unsigned int nvec,
		       u8 tag[SYNOD_LINK_TAG_LEN]);
enum synod_seq_verdict synod_link_seq(u64 expect, u64 got);

#endif /* SYNOD_LINKKEY_H */
