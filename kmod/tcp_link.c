// SPDX-License-Identifier: GPL-2.0
/*
 * The TCP link handshake, without sockets: encoding and checking the
 * fixed-size handshake records, the HMAC proofs, and the counting and
 * logging of refusals.  tcp_tx.c (client side) and tcp_rx.c (server side)
 * move the records; Documentation/transport.rst shows the exchange:
 *
 *   client                              server
 *   HELLO(from=c, to=s, nonce_c)  --->
 *                                 <---  HELLO(from=s, to=c, nonce_s)
 *   PROOF(hmac('C', ...))         --->
 *                                 <---  PROOF(hmac('S', ...))
 *   READY                         --->
 *   frames                        --->
 *
 * Either side may send REFUSE(reason) instead of its next record and
 * close.  A proof is HMAC-SHA256(secret, label, role, nonce_c, nonce_s,
 * id_c, id_s, cluster): both fresh nonces make it unreplayable, the role
 * byte keeps a server's proof from being reflected as a client's.
 *
 * Record layout, 96 bytes, integers little-endian:
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
 *   64  blob      32B  HELLO: nonce; PROOF: HMAC; else zero
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>

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
 * Test build only (testing.h): the link version a transport created from now on speaks
 * (0: SYNOD_LINK_VERSION).  Read once per transport, at volume create or
 * attach, so that one replica among several in one kernel can be made to
 * speak a version the others do not (tests/vm/cluster.bats).  Never set
 * it in production: such a replica is refused by every peer.
 */
static ushort test_link_version;
SYNOD_TEST_PARAM(test_link_version, ushort,
		 "link version spoken by transports created later (0: normal)");

/* The link version a new transport speaks. */
u16 synod_tcp_link_version(void)
{
	return READ_ONCE(test_link_version) ?: SYNOD_LINK_VERSION;
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
 * Key @mac, the transform of one connection, for the frames that flow
 * on it (client to server), from the handshake's nonces and ids and
 * the shared secret (linkkey.c).  The key exists only inside the
 * transform; our copy is wiped.  Nothing to key without FRAME_MAC.
 */
int synod_tcp_link_key(struct synod_transport *t, struct crypto_shash *mac,
		       const u8 *nonce_c, const u8 *nonce_s, u32 id_c,
		       u32 id_s)
{
	u8 key[SYNOD_LINK_KEY_LEN];
	int err;

	if (!(t->features & SYNOD_LINK_F_FRAME_MAC))
		return 0;
	err = synod_link_key(mac, t->cfg.secret, t->cfg.secret_len, nonce_c,
			     nonce_s, id_c, id_s, t->cfg.cluster, key);
	if (!err)
		err = crypto_shash_setkey(mac, key, sizeof(key));
	memzero_explicit(key, sizeof(key));
	return err;
}

/*
 * The tag of a frame: its header's first STCP_TAGGED bytes at @hdr and
 * its payload in @vec.  HMAC-SHA256-128 under the connection's key; in
 * a test build without FRAME_MAC, the crc32c that version 1 carried.
 */
int synod_tcp_frame_tag(struct synod_transport *t, struct crypto_shash *mac,
			const u8 *hdr, const struct kvec *vec,
			unsigned int nvec, u8 *tag)
{
	unsigned int i;
	u32 crc;

	if (t->features & SYNOD_LINK_F_FRAME_MAC)
		return synod_link_mac(mac, hdr, STCP_TAGGED, vec, nvec, tag);
	crc = synod_crc32c(0, hdr, STCP_TAGGED);
	for (i = 0; i < nvec; i++)
		crc = synod_crc32c(crc, vec[i].iov_base, vec[i].iov_len);
	memset(tag, 0, SYNOD_LINK_TAG_LEN);
	put_unaligned_le32(crc, tag);
	return 0;
}

/* Write @m as a record; fields the type does not use are zero. */
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

/* Our HELLO to node @to, carrying @nonce. */
void synod_tcp_hello(struct synod_transport *t, struct tcp_hs *m, u32 to,
		     const u8 *nonce)
{
	memset(m, 0, sizeof(*m));
	m->type = STCP_HS_HELLO;
	m->ver_min = t->link_version;
	m->ver_max = t->link_version;
	m->from = t->cfg.self;
	m->to = to;
	m->features = t->features;
	strscpy_pad(m->cluster, t->cfg.cluster, sizeof(m->cluster));
	memcpy(m->blob, nonce, STCP_NONCE_LEN);
}

/*
 * Judge a peer's HELLO.  Returns -1 if acceptable, else the enum
 * synod_refusal to refuse with.  @expect_from is the node we dialled
 * (client side) or STCP_UNKNOWN to accept any configured peer (server
 * side).  Cluster first: a node of another volume is "other cluster"
 * whatever its id.
 */
int synod_tcp_hello_check(struct synod_transport *t, const struct tcp_hs *m,
			  u32 expect_from)
{
	char ours[SYNOD_NAME_MAX + 1];
	u16 lo = max_t(u16, m->ver_min, t->link_version);
	u16 hi = min_t(u16, m->ver_max, t->link_version);

	strscpy_pad(ours, t->cfg.cluster, sizeof(ours));
	if (memcmp(ours, m->cluster, sizeof(ours)))
		return SYNOD_REFUSED_CLUSTER;
	if (lo > hi || ((m->features ^ t->features) & SYNOD_LINK_F_FRAME_MAC))
		return SYNOD_REFUSED_VERSION;
	if (m->to != t->cfg.self || m->from >= SYNOD_NODES_MAX ||
	    m->from == t->cfg.self || !test_bit(m->from, &t->peer_mask))
		return SYNOD_REFUSED_NODE;
	if (expect_from != STCP_UNKNOWN && m->from != expect_from)
		return SYNOD_REFUSED_NODE;
	return -1;
}

/*
 * HMAC-SHA256 over everything both sides said about the link, including
 * the version and features they agreed on (so that no one on the path
 * can talk both ends out of frame MACs).  The tfm
 * is keyed once at create; a fresh descriptor per call makes concurrent
 * calls from the rx and tx threads safe.
 */
int synod_tcp_proof(struct synod_transport *t, u8 *out, bool client,
		    const u8 *nonce_c, const u8 *nonce_s, u32 id_c, u32 id_s)
{
	static const char label[] = "synod-link-v2";
	SHASH_DESC_ON_STACK(desc, t->hmac);
	char cluster[SYNOD_NAME_MAX + 1];
	u8 role = client ? 'C' : 'S';
	__le32 ids[2] = { cpu_to_le32(id_c), cpu_to_le32(id_s) };
	__le64 agreed[2] = { cpu_to_le64(t->link_version),
			     cpu_to_le64(t->features) };
	int err;

	strscpy_pad(cluster, t->cfg.cluster, sizeof(cluster));
	desc->tfm = t->hmac;
	err = crypto_shash_init(desc);
	if (!err)
		err = crypto_shash_update(desc, label, sizeof(label));
	if (!err)
		err = crypto_shash_update(desc, &role, 1);
	if (!err)
		err = crypto_shash_update(desc, nonce_c, STCP_NONCE_LEN);
	if (!err)
		err = crypto_shash_update(desc, nonce_s, STCP_NONCE_LEN);
	if (!err)
		err = crypto_shash_update(desc, (u8 *)ids, sizeof(ids));
	if (!err)
		err = crypto_shash_update(desc, cluster, sizeof(cluster));
	if (!err)
		err = crypto_shash_update(desc, (u8 *)agreed, sizeof(agreed));
	if (!err)
		err = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return err;
}

/* Check a received proof in constant time; a crypto error fails it. */
bool synod_tcp_proof_ok(struct synod_transport *t, const u8 *proof,
			bool client, const u8 *nonce_c, const u8 *nonce_s,
			u32 id_c, u32 id_s)
{
	u8 want[STCP_PROOF_LEN];
	bool ok;

	if (synod_tcp_proof(t, want, client, nonce_c, nonce_s, id_c, id_s))
		return false;
	ok = !crypto_memneq(want, proof, STCP_PROOF_LEN);
	memzero_explicit(want, sizeof(want));
	return ok;
}

/*
 * Count a refusal against @node (STCP_UNKNOWN for ids not configured) and
 * log it the first time this reason is seen for this node since its last
 * successful handshake, so a misconfigured peer retrying every 2 s does
 * not flood the log.  @dir says which side of the link we were.
 */
void synod_tcp_refuse(struct synod_transport *t, u32 node,
		      enum synod_refusal why, const char *dir)
{
	if (node >= SYNOD_NODES_MAX || !test_bit(node, &t->peer_mask))
		node = STCP_UNKNOWN;
	atomic64_inc(&t->refused[node][why]);
	if (test_and_set_bit(why, &t->logged[node]))
		return;
	if (node == STCP_UNKNOWN)
		pr_warn("%s/%u: refused %s link from unknown node: %s\n",
			t->cfg.cluster, t->cfg.self, dir, refusal_names[why]);
	else
		pr_warn("%s/%u: refused %s link with node %u: %s\n",
			t->cfg.cluster, t->cfg.self, dir, node,
			refusal_names[why]);
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
