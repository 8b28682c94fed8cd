// SPDX-License-Identifier: GPL-2.0
/*
 * The TCP link handshake, without sockets: encoding and checking the
 * fixed-size handshake records, the HMAC proofs, and the counting and
 * logging of refusals.  tcp_dial.c (client side) and tcp_accept.c (server
 * side) move the records; Documentation/transport.rst shows the exchange:
 *
 *   client                              server
 *   HELLO(from=c, to=s, nonce_c, tag) --->
 *                                 <---  HELLO(from=s, to=c, nonce_s, tag)
 *   PROOF(hmac('C', th))          --->
 *                                 <---  PROOF(hmac('S', th))
 *   READY(mac(frame key, label))  --->
 *   frames                        --->
 *
 * Either side may send REFUSE(reason) instead of its next record and
 * close.  A HELLO's tag is HMAC-SHA256(secret, "synod-hello-v2" | its
 * first 96 bytes): it shows the secret before the server gives the
 * connection a slot (tcp_accept.c), but it can be replayed, so it proves
 * nothing about who sent it.  th is SHA-256(client HELLO | server HELLO)
 * as sent and received, so everything either side offered is bound;
 * a proof is HMAC-SHA256(secret, "synod-link-v2" | role | th): the
 * server's fresh nonce makes the client's unreplayable and the other
 * way round, the role byte keeps a server's proof from being reflected
 * as a client's.  READY confirms the frame key (HKDF over th too) and
 * the frame MAC: it is the tag of a fixed label under both.
 *
 * Link versions: each HELLO offers a range [ver_min, ver_max]; both
 * ends run the highest version in both ranges, min(ver_max, ver_max'),
 * if it is at least max(ver_min, ver_min'), and refuse otherwise.  Both
 * compute it from the same two records, and the HELLO tag and th cover
 * both ranges, so nobody without the secret can make an end believe
 * the other offered less (a replayed older HELLO fails at PROOF, whose
 * th holds the fresh nonces).  The version picks the frame MAC: 2
 * HMAC-SHA256, 3 keyed BLAKE2b-256, both cut to SYNOD_LINK_TAG_LEN, 4
 * Poly1305 under a one-time key per frame, keyed BLAKE2b-256 of its
 * header (linkkey.c says why that is sound).
 *
 * Record layout, 128 bytes, integers little-endian:
 *    0  magic     u32  STCP_HS_MAGIC, "SYNL"
 *    4  type      u8   enum tcp_hs_type
 *    5  reason    u8   REFUSE: enum synod_refusal; else 0
 *    6  ver_min   u16  HELLO: lowest link version spoken
 *    8  ver_max   u16  HELLO: highest link version spoken
 *   10  pad       u16  zero
 *   12  from      u32  sender's node id
 *   16  to        u32  node id the sender means to reach
 *   20  pad       u32  zero
 *   24  features  u64  HELLO: feature bits offered
 *   32  cluster   32B  HELLO: volume name, NUL-padded
 *   64  blob      32B  HELLO: nonce; PROOF: HMAC; READY: 16-byte key
 *                      confirmation, then zero; else zero
 *   96  tag       32B  HELLO: HMAC over bytes 0..95; else zero
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <crypto/algapi.h>
#include <crypto/blake2b.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>

#include "compat_net.h"
#include "core/crc32c.h"
#include "testing.h"
#include "tcp_priv.h"

static const char *const refusal_names[SYNOD_REFUSED_MAX] = {
	[SYNOD_REFUSED_AUTH] = "wrong secret (HMAC)",
	[SYNOD_REFUSED_CLUSTER] = "other cluster",
	[SYNOD_REFUSED_VERSION] = "no common link version",
	[SYNOD_REFUSED_NODE] = "node id not configured",
	[SYNOD_REFUSED_ADDR] = "source address not a configured peer's",
};

/*
 * Test build only (testing.h): the one link version a transport created
 * from now on offers, as both ver_min and ver_max (0: the normal range).
 * Read once per transport, at volume create or attach, so that one
 * replica among several in one kernel can be made to speak only an older
 * version (2 or 3: it must still interoperate) or one nobody else speaks
 * (1, 99: it is refused; tests/vm/cluster.bats).  Never set it in
 * production.
 */
static ushort test_link_version;
SYNOD_TEST_PARAM(test_link_version, ushort,
		 "the only link version transports created later offer (0: normal)");

/*
 * The link versions a new transport offers, into *@min and *@max:
 * SYNOD_LINK_VERSION_MIN to SYNOD_LINK_VERSION, which tcp.c lowers to 3
 * if the kernel has no poly1305 and to 2 if it has no blake2b-256 (or
 * test_hide_mac_alg below says so), or the one version the test knob
 * pins.  Returns true if pinned (then nothing is lowered).
 */
bool synod_tcp_link_versions(u16 *min, u16 *max)
{
	u16 pin = READ_ONCE(test_link_version);

	*min = pin ?: SYNOD_LINK_VERSION_MIN;
	*max = pin ?: SYNOD_LINK_VERSION;
	return pin;
}

/*
 * Test build only: transports created from now on find no poly1305
 * transform (1), or neither poly1305 nor blake2b-256 (2 or more), as on a
 * kernel without them (6.16 has no poly1305 shash, a localmodconfig
 * kernel may lack either), so that the fallback to link version 3 or 2
 * runs on kernels that have both (tests/vm/auth.bats).  Read once per
 * transport, like test_link_version; tcp.c's opt_alloc() then fails
 * the allocation with -ENOENT where it would have asked the crypto API,
 * and everything after that is what a kernel without the algorithm
 * does.  Never set it in production.
 */
static uint test_hide_mac_alg;
SYNOD_TEST_PARAM(test_hide_mac_alg, uint,
		 "transports created later act as if the kernel had no poly1305 (1), nor blake2b-256 (2) (0: normal)");

/*
 * The lowest link version whose MAC transform a new transport is to act
 * as if the kernel lacked (the test knob above), or 0: none.
 */
u16 synod_tcp_link_hidden(void)
{
	switch (READ_ONCE(test_hide_mac_alg)) {
	case 0:
		return 0;
	case 1:
		return SYNOD_LINK_V_POLY1305;
	default:
		return SYNOD_LINK_V_BLAKE2B;
	}
}

/*
 * Test build only: transports created from now on tag frames with a
 * crc32c instead of a MAC, and offer (and require) no FRAME_MAC, so they
 * talk only to each other.  For scripts/bench.sh, which measures what
 * authentication costs; never anything else.
 */
static bool test_frame_mac_off;
SYNOD_TEST_PARAM(test_frame_mac_off, bool,
		 "transports created later send no frame MACs (benchmark only)");

/* The feature bits a new transport offers and requires. */
u64 synod_tcp_link_features(void)
{
	if (READ_ONCE(test_frame_mac_off))
		return SYNOD_LINK_FEATURES & ~SYNOD_LINK_F_FRAME_MAC;
	return SYNOD_LINK_FEATURES;
}

/*
 * The frame MAC of link @version (past SYNOD_LINK_VERSION: pinned): 5
 * (pieces) tags its frames as 4 does.
 */
static u8 version_mac(u16 version)
{
	if (version >= SYNOD_LINK_V_POLY1305)
		return SYNOD_LINK_MAC_POLY1305;
	if (version >= SYNOD_LINK_V_BLAKE2B)
		return SYNOD_LINK_MAC_BLAKE2B;
	return SYNOD_LINK_MAC_HMAC_SHA256;
}

/*
 * Key @mac, the transforms of one connection, for the frames that flow
 * on it (client to server) under link @version, from the handshake's
 * nonces, ids and transcript hash @th and the shared secret (linkkey.c;
 * the HKDF runs on the connection's hmac transform whatever the
 * version).  Version 2 keys HMAC-SHA256 with the frame key, 3 and 4
 * keyed BLAKE2b, which takes the same 32 bytes as its key (up to 64): it
 * is 3's MAC and makes 4's one-time Poly1305 keys; the poly1305
 * transform takes each of those with the frame's data and has no key of
 * its own.  th, which the key is derived over, holds both HELLOs and so
 * the version, which makes a frame key one version's only.  The key
 * exists only inside the transforms; our copy is wiped.  Nothing to key
 * without FRAME_MAC.  A test build also keys the transform that is not
 * used (HMAC's or BLAKE2b's), only for tcp_forge.c's STCP_FORGE_ALG (a
 * frame tagged with the wrong MAC).
 */
int synod_tcp_link_key(struct synod_transport *t, struct tcp_mac *mac,
		       u16 version, const u8 *nonce_c, const u8 *nonce_s,
		       u32 id_c, u32 id_s, const u8 *th)
{
	u8 alg = version_mac(version);
	bool hmac = alg == SYNOD_LINK_MAC_HMAC_SHA256;
	struct crypto_shash *use = hmac ? mac->hmac : mac->b2;
	struct crypto_shash *other = hmac ? mac->b2 : mac->hmac;
	u8 key[SYNOD_LINK_KEY_LEN];
	int err;

	BUILD_BUG_ON(SYNOD_LINK_KEY_LEN > BLAKE2B_KEY_SIZE);
	mac->version = version;
	mac->alg = SYNOD_LINK_MAC_NONE;
	if (!(t->features & SYNOD_LINK_F_FRAME_MAC))
		return 0;
	/* v3 or v4 pinned by the test knob on a kernel without them */
	if (!use || (alg == SYNOD_LINK_MAC_POLY1305 && !mac->poly))
		return -ENOPKG;
	err = synod_link_key(mac->hmac, t->cfg.secret, t->cfg.secret_len,
			     nonce_c, nonce_s, id_c, id_s, t->cfg.cluster, th,
			     key);
	if (!err)
		err = crypto_shash_setkey(use, key, sizeof(key));
	if (!err && SYNOD_TEST_BUILD && other)
		err = crypto_shash_setkey(other, key, sizeof(key));
	memzero_explicit(key, sizeof(key));
	if (err)
		return err;
	mac->alg = alg;
	return 0;
}

/*
 * The connection is closed: leave no session key in its transforms (the
 * pads HMAC derives from it, the key BLAKE2b keeps), key them with zeros
 * until the next one.  poly1305 keeps no key: each frame's goes in with
 * its data, and linkkey.c wipes it and the descriptor.
 */
void synod_tcp_link_unkey(struct tcp_mac *mac)
{
	static const u8 zero[SYNOD_LINK_KEY_LEN];

	/* cannot fail: hmac takes any length, blake2b 1 to 64 bytes */
	WARN_ON_ONCE(crypto_shash_setkey(mac->hmac, zero, sizeof(zero)));
	if (mac->b2)
		WARN_ON_ONCE(crypto_shash_setkey(mac->b2, zero, sizeof(zero)));
	mac->version = 0;
	mac->alg = SYNOD_LINK_MAC_NONE;
}

/*
 * The tag with frame MAC @alg (enum synod_link_mac) under @mac's key of
 * the STCP_TAGGED bytes at @hdr and the payload in @vec, into @tag
 * (SYNOD_LINK_TAG_LEN bytes).  synod_tcp_link_key() keyed what @alg
 * uses (in a test build, both HMAC and BLAKE2b).
 */
static int mac_tag(struct tcp_mac *mac, u8 alg, const u8 *hdr,
		   const struct kvec *vec, unsigned int nvec, u8 *tag)
{
	BUILD_BUG_ON(STCP_TAGGED != SYNOD_LINK_HDR_LEN);
	switch (alg) {
	case SYNOD_LINK_MAC_POLY1305:
		if (WARN_ON_ONCE(!mac->b2 || !mac->poly))
			return -ENOKEY;
		return synod_link_mac_otk(mac->b2, mac->poly, hdr, vec, nvec,
					  tag);
	case SYNOD_LINK_MAC_BLAKE2B:
		if (WARN_ON_ONCE(!mac->b2))
			return -ENOKEY;
		return synod_link_mac(mac->b2, hdr, STCP_TAGGED, vec, nvec,
				      tag);
	case SYNOD_LINK_MAC_HMAC_SHA256:
		return synod_link_mac(mac->hmac, hdr, STCP_TAGGED, vec, nvec,
				      tag);
	}
	WARN_ON_ONCE(1);	/* not keyed */
	return -ENOKEY;
}

/*
 * Key confirmation carried by READY: the frame key's tag over a fixed
 * 16-byte label with the connection's frame MAC, so that a key or an
 * algorithm the two ends chose differently shows at once as a refused
 * handshake, not as a frame with a bad MAC.  Read as a
 * frame header, the label's first four bytes ("syno") would be a
 * length over SYNOD_FRAME_MAX, so no frame's tag is ever this tag, and
 * on link v4, where the header picks the one-time key, no frame's
 * one-time key is READY's.
 * @out gets STCP_NONCE_LEN bytes, zero after the tag; all zero without
 * FRAME_MAC (no key).
 */
int synod_tcp_ready_tag(struct synod_transport *t, struct tcp_mac *mac,
			u8 *out)
{
	static const u8 label[STCP_TAGGED] = "synod-ready-v2";

	BUILD_BUG_ON(0x6f6e7973u <= SYNOD_FRAME_MAX);	/* "syno" LE */
	BUILD_BUG_ON(SYNOD_LINK_TAG_LEN > STCP_NONCE_LEN);
	memset(out, 0, STCP_NONCE_LEN);
	if (!(t->features & SYNOD_LINK_F_FRAME_MAC))
		return 0;
	return mac_tag(mac, mac->alg, label, NULL, 0, out);
}

/*
 * The tag of a frame: its header's first STCP_TAGGED bytes at @hdr and
 * its payload in @vec.  The connection's frame MAC under its key
 * (HMAC-SHA256 on link v2, keyed BLAKE2b-256 on v3, both cut to 128
 * bits; Poly1305 under the frame's one-time key on v4); in a test
 * build without FRAME_MAC, the crc32c that version 1 carried.
 */
int synod_tcp_frame_tag(struct synod_transport *t, struct tcp_mac *mac,
			const u8 *hdr, const struct kvec *vec,
			unsigned int nvec, u8 *tag)
{
	unsigned int i;
	u32 crc;

	if (t->features & SYNOD_LINK_F_FRAME_MAC)
		return mac_tag(mac, mac->alg, hdr, vec, nvec, tag);
	crc = synod_crc32c(0, hdr, STCP_TAGGED);
	for (i = 0; i < nvec; i++)
		crc = synod_crc32c(crc, vec[i].iov_base, vec[i].iov_len);
	memset(tag, 0, SYNOD_LINK_TAG_LEN);
	put_unaligned_le32(crc, tag);
	return 0;
}

/*
 * Test build only (STCP_FORGE_ALG): tag the frame whose header is at
 * @hdr (payload in @vec) again, in place, with another link version's
 * MAC under the same frame key (synod_tcp_link_key() keyed it in a test
 * build), as a peer mistaken about the version would: v4's frame with
 * v3's keyed BLAKE2b, v3's with v2's HMAC-SHA256, v2's with v3's.  The
 * receiver must take it for a bad MAC.  Does nothing, and says so, on
 * a link with nothing to confuse: no FRAME_MAC, or v2 without
 * blake2b-256.
 */
int synod_tcp_forge_alg_tag(struct synod_transport *t, struct tcp_mac *mac,
			    u8 *hdr, const struct kvec *vec,
			    unsigned int nvec)
{
	u8 other;

	switch (mac->alg) {
	case SYNOD_LINK_MAC_POLY1305:
		other = SYNOD_LINK_MAC_BLAKE2B;
		break;
	case SYNOD_LINK_MAC_BLAKE2B:
		other = SYNOD_LINK_MAC_HMAC_SHA256;
		break;
	case SYNOD_LINK_MAC_HMAC_SHA256:
		other = mac->b2 ? SYNOD_LINK_MAC_BLAKE2B : SYNOD_LINK_MAC_NONE;
		break;
	default:
		other = SYNOD_LINK_MAC_NONE;
	}
	if (!SYNOD_TEST_BUILD || !(t->features & SYNOD_LINK_F_FRAME_MAC) ||
	    other == SYNOD_LINK_MAC_NONE) {
		pr_info("%s/%u: TEST: no other frame MAC to tag with\n",
			t->cfg.cluster, t->cfg.self);
		return 0;
	}
	return mac_tag(mac, other, hdr, vec, nvec, hdr + STCP_TAGGED);
}

/*
 * Write @m as a record; fields the type does not use are zero, and so
 * is the HELLO tag (synod_tcp_hello() signs).
 */
void synod_tcp_hs_encode(u8 *out, const struct tcp_hs *m)
{
	memset(out, 0, STCP_HS_LEN);
	put_unaligned_le32(STCP_HS_MAGIC, out);
	out[4] = m->type;
	out[5] = m->reason;
	put_unaligned_le16(m->ver_min, out + 6);
	put_unaligned_le16(m->ver_max, out + 8);
	put_unaligned_le32(m->from, out + 12);
	put_unaligned_le32(m->to, out + 16);
	put_unaligned_le64(m->features, out + 24);
	memcpy(out + 32, m->cluster, SYNOD_NAME_MAX + 1);
	memcpy(out + 64, m->blob, STCP_NONCE_LEN);
}

/*
 * Parse a record.  Only the magic and the type are judged here; what the
 * fields mean for this link is synod_tcp_hello_check()'s business.  The
 * cluster name is forced to end in NUL so it can be printed.
 */
int synod_tcp_hs_decode(const u8 *in, struct tcp_hs *m)
{
	if (get_unaligned_le32(in) != STCP_HS_MAGIC)
		return -EBADMSG;
	m->type = in[4];
	if (m->type < STCP_HS_HELLO || m->type > STCP_HS_REFUSE)
		return -EBADMSG;
	m->reason = in[5];
	m->ver_min = get_unaligned_le16(in + 6);
	m->ver_max = get_unaligned_le16(in + 8);
	m->from = get_unaligned_le32(in + 12);
	m->to = get_unaligned_le32(in + 16);
	m->features = get_unaligned_le64(in + 24);
	memcpy(m->cluster, in + 32, SYNOD_NAME_MAX + 1);
	m->cluster[SYNOD_NAME_MAX] = '\0';
	memcpy(m->blob, in + 64, STCP_NONCE_LEN);
	return 0;
}

/*
 * HMAC-SHA256 with the secret over one label and one piece, into @out
 * (SHA256_DIGEST_SIZE bytes).  t->hmac is keyed once at create and only
 * read after; a descriptor per call makes the rx and tx works' calls
 * safe together.
 */
static int secret_mac(struct synod_transport *t, const char *label,
		      u32 label_len, const u8 *a, u32 alen, const u8 *b,
		      u32 blen, u8 *out)
{
	SHASH_DESC_ON_STACK(desc, t->hmac);
	int err;

	desc->tfm = t->hmac;
	err = crypto_shash_init(desc);
	if (!err)
		err = crypto_shash_update(desc, label, label_len);
	if (!err)
		err = crypto_shash_update(desc, a, alen);
	if (!err && blen)
		err = crypto_shash_update(desc, b, blen);
	if (!err)
		err = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return err;
}

/* The tag of the HELLO record @rec: over everything before the tag. */
static int hello_tag(struct synod_transport *t, const u8 *rec, u8 *out)
{
	static const char label[] = "synod-hello-v2";

	return secret_mac(t, label, sizeof(label), rec, STCP_HS_SIGNED,
			  NULL, 0, out);
}

/* Our HELLO to node @to, carrying @nonce, signed, as record @rec. */
int synod_tcp_hello(struct synod_transport *t, u8 *rec, u32 to,
		    const u8 *nonce)
{
	struct tcp_hs m = {
		.type = STCP_HS_HELLO,
		.ver_min = t->ver_min,
		.ver_max = t->ver_max,
		.from = t->cfg.self,
		.to = to,
		.features = t->features,
	};

	strscpy_pad(m.cluster, t->cfg.cluster, sizeof(m.cluster));
	memcpy(m.blob, nonce, STCP_NONCE_LEN);
	synod_tcp_hs_encode(rec, &m);
	return hello_tag(t, rec, rec + STCP_HS_SIGNED);
}

/*
 * Judge a peer's HELLO, record @rec decoded as @m.  Returns -1 if
 * acceptable, else the enum synod_refusal to refuse with.  @expect_from
 * is the node we dialled (client side) or STCP_UNKNOWN to accept any
 * configured peer (server side).  Cluster, version and features come
 * before the tag: a node of another volume (which may have another
 * secret) is "other cluster", and a later link version may sign its
 * HELLO otherwise; these refusals only close a connection.  Features
 * must be the very bits we offer: one we do not know, or FRAME_MAC on
 * one side only, is "no common link version".  Ids are judged only once
 * the tag showed the secret.  If acceptable, *@version is the link version
 * the connection runs: the highest both ranges hold, which the peer
 * computes alike from the same two records (the file's head comment).
 */
int synod_tcp_hello_check(struct synod_transport *t, const u8 *rec,
			  const struct tcp_hs *m, u32 expect_from,
			  u16 *version)
{
	char ours[SYNOD_NAME_MAX + 1];
	u16 lo = max_t(u16, m->ver_min, t->ver_min);
	u16 hi = min_t(u16, m->ver_max, t->ver_max);
	u8 want[STCP_HELLO_TAG_LEN];
	bool ok;

	strscpy_pad(ours, t->cfg.cluster, sizeof(ours));
	if (memcmp(ours, m->cluster, sizeof(ours)))
		return SYNOD_REFUSED_CLUSTER;
	if (lo > hi || (m->features & ~SYNOD_LINK_FEATURES) ||
	    m->features != t->features)
		return SYNOD_REFUSED_VERSION;
	ok = !hello_tag(t, rec, want) &&
	     !crypto_memneq(want, rec + STCP_HS_SIGNED, sizeof(want));
	memzero_explicit(want, sizeof(want));
	if (!ok)
		return SYNOD_REFUSED_AUTH;
	if (m->to != t->cfg.self || m->from >= SYNOD_NODES_MAX ||
	    m->from == t->cfg.self || !test_bit(m->from, &t->peer_mask))
		return SYNOD_REFUSED_NODE;
	if (expect_from != STCP_UNKNOWN && m->from != expect_from)
		return SYNOD_REFUSED_NODE;
	*version = hi;
	return -1;
}

/*
 * The transcript hash: SHA-256 of the client's HELLO record and the
 * server's, byte for byte as sent and received, so that the proofs and
 * the frame key cover everything either side offered (versions, features,
 * ids, cluster, nonces), not what each side believes was agreed.
 */
void synod_tcp_transcript(const u8 *hello_c, const u8 *hello_s, u8 *th)
{
	struct sha256_state s;

	sha256_init(&s);
	sha256_update(&s, hello_c, STCP_HS_LEN);
	sha256_update(&s, hello_s, STCP_HS_LEN);
	sha256_final(&s, th);
}

/* A proof: HMAC-SHA256(secret, "synod-link-v2" | role | th). */
int synod_tcp_proof(struct synod_transport *t, u8 *out, bool client,
		    const u8 *th)
{
	static const char label[] = "synod-link-v2";
	u8 role = client ? 'C' : 'S';

	return secret_mac(t, label, sizeof(label), &role, 1, th, STCP_TH_LEN,
			  out);
}

/* Check a received proof in constant time; a crypto error fails it. */
bool synod_tcp_proof_ok(struct synod_transport *t, const u8 *proof,
			bool client, const u8 *th)
{
	u8 want[STCP_PROOF_LEN];
	bool ok;

	if (synod_tcp_proof(t, want, client, th))
		return false;
	ok = !crypto_memneq(want, proof, STCP_PROOF_LEN);
	memzero_explicit(want, sizeof(want));
	return ok;
}

/*
 * Count a refusal against configured peer @node and log it the first
 * time this reason is seen for this node since its last successful
 * handshake, so a misconfigured peer retrying every 2 s does not flood
 * the log.  @dir says which side of the link we were; @src, if known,
 * is where the connection came from.  A node that stopped being a peer
 * meanwhile (set_peer()) is only counted, as a stranger.
 */
void synod_tcp_refuse(struct synod_transport *t, u32 node,
		      enum synod_refusal why, const char *dir,
		      const struct sockaddr_storage *src)
{
	if (node >= SYNOD_NODES_MAX || !test_bit(node, &t->peer_mask)) {
		atomic64_inc(&t->refused[STCP_UNKNOWN][why]);
		return;
	}
	atomic64_inc(&t->refused[node][why]);
	if (test_and_set_bit(why, &t->logged[node]))
		return;
	if (src)
		pr_warn("%s/%u: refused %s link with node %u: %s (from %pISc)\n",
			t->cfg.cluster, t->cfg.self, dir, node,
			refusal_names[why], src);
	else
		pr_warn("%s/%u: refused %s link with node %u: %s\n",
			t->cfg.cluster, t->cfg.self, dir, node,
			refusal_names[why]);
}

/*
 * Count a refusal of a connection that is no configured peer's: its
 * source address is no peer's, or the node it claims (@claim, or
 * STCP_UNKNOWN before any record) is not configured there.  Counted
 * against STCP_UNKNOWN, never against the claimed node, whose own
 * counters and log must stay its own.  Logged with the address when
 * the source or reason differs from the last one logged, and then at
 * most at the kernel's usual rate: one stranger knocking a thousand
 * times is one line, a peer connecting from the wrong address is named.
 * rx work only (t->stranger_*).  @src is NULL if the address could
 * not be read.
 */
void synod_tcp_refuse_stranger(struct synod_transport *t,
			       enum synod_refusal why,
			       const struct sockaddr_storage *src, u32 claim)
{
	bool same;

	atomic64_inc(&t->refused[STCP_UNKNOWN][why]);
	same = src && why == t->stranger_why &&
	       synod_tcp_same_host(src, &t->stranger_src);
	if (same || !__ratelimit(&t->stranger_rs))
		return;
	t->stranger_why = why;
	if (!src) {
		memset(&t->stranger_src, 0, sizeof(t->stranger_src));
		pr_warn("%s/%u: refused incoming link from an unknown address: %s\n",
			t->cfg.cluster, t->cfg.self, refusal_names[why]);
		return;
	}
	t->stranger_src = *src;
	if (claim < SYNOD_NODES_MAX)
		pr_warn("%s/%u: refused incoming link from %pISc claiming node %u: %s\n",
			t->cfg.cluster, t->cfg.self, src, claim,
			refusal_names[why]);
	else
		pr_warn("%s/%u: refused incoming link from %pISc: %s\n",
			t->cfg.cluster, t->cfg.self, src, refusal_names[why]);
}

static const char *const reject_names[SYNOD_REJECT_MAX] = {
	[SYNOD_REJECT_MAC] = "bad MAC",
	[SYNOD_REJECT_REPLAY] = "replayed sequence",
	[SYNOD_REJECT_ORDER] = "sequence gap",
};

/*
 * A frame on the authenticated connection from @node failed its check:
 * count it, and log the first of each reason per node for the life of
 * the transport (an attacker must not be able to flood the log; the
 * counters say how often).  The caller resets the connection.
 */
void synod_tcp_reject(struct synod_transport *t, u32 node,
		      enum synod_reject why)
{
	if (WARN_ON_ONCE(node >= SYNOD_NODES_MAX || why >= SYNOD_REJECT_MAX))
		return;
	atomic64_inc(&t->rejected[node][why]);
	if (test_and_set_bit(why, &t->rejected_logged[node]))
		return;
	pr_warn("%s/%u: dropped frame from node %u: %s; resetting the link\n",
		t->cfg.cluster, t->cfg.self, node, reject_names[why]);
}

/* The peer we dialled refused us: log once per reason, count nothing. */
void synod_tcp_refused_by_peer(struct tcp_peer *p, u8 reason)
{
	struct synod_transport *t = p->t;
	const char *name = reason < SYNOD_REFUSED_MAX ?
			   refusal_names[reason] : "unknown reason";

	if (test_and_set_bit(min_t(u8, reason, BITS_PER_LONG - 1),
			     &p->remote_logged))
		return;
	pr_warn("%s/%u: node %u refused our link: %s\n", t->cfg.cluster,
		t->cfg.self, p->node, name);
}

/* After a good handshake with @node, log its next refusal again. */
void synod_tcp_logged_reset(struct synod_transport *t, u32 node)
{
	if (node < SYNOD_NODES_MAX) {
		WRITE_ONCE(t->logged[node], 0);
		WRITE_ONCE(t->peers[node].remote_logged, 0);
	}
}
