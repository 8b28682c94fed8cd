// SPDX-License-Identifier: GPL-2.0
/*
 * What a transport allocates besides itself (tcp.c): the frame MAC
 * transforms of each connection, the receive slots of the rx work, and
 * what each peer needs, at create or when set_peer() adds a node, never
 * on the send or receive path.  Also which crypto modules are asked for
 * first, and so which link versions a transport offers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kmod.h>
#include <linux/vmalloc.h>
#include <crypto/hash.h>

#include "tcp_priv.h"

/*
 * Have the fastest code the CPU allows behind the algorithms frames are
 * hashed with.  SHA-256's SSSE3/AVX/AVX2/SHA-NI code (sha256_ssse3) is a
 * module that nothing loads by itself, so without this every frame of a
 * v2 link is hashed with the generic C code.  Poly1305's AVX/AVX2 code
 * (poly1305_x86_64, "poly1305-simd") comes with poly1305_generic when
 * the crypto API asks modprobe for "poly1305" (both carry the alias),
 * but not if poly1305_generic alone was loaded before.  Once per module
 * load, at the first transport; the crypto API prefers them by priority
 * from then on.  Harmless if modprobe or a module is missing: the
 * generic code stays (or, with no poly1305 at all, link version 3:
 * opt_alloc()).
 */
void synod_tcp_crypto_load(void)
{
	static atomic_t tried = ATOMIC_INIT(0);

	if (atomic_xchg(&tried, 1))
		return;
	request_module("crypto-sha256");
	request_module("crypto-" STCP_POLY_ALG);
}

/* The frame MAC transforms of possible connection @n (synod_tcp_macs_free()). */
static struct tcp_mac *conn_mac(struct synod_transport *t, u32 n)
{
	return n < SYNOD_NODES_MAX ? &t->peers[n].mac :
				     &t->in[n - SYNOD_NODES_MAX].mac;
}

/*
 * Allocate one transform of @alg, which link versions from @ver on need
 * (blake2b-256 from 3, poly1305 from 4; the crypto API loads the module
 * if there is one).  A kernel without it (a localmodconfig kernel may
 * lack either; 6.16 has no poly1305 shash) makes a transport that offers
 * versions below @ver only, whose MACs are @below's, unless the test
 * knob pinned them: said once per module load.  NULL
 * then; an ERR_PTR on any other error.  A transport that the test knob
 * test_hide_mac_alg told to lack @alg (t->hide_from) gets -ENOENT
 * without asking and goes on the same way.
 */
static struct crypto_shash *opt_alloc(struct synod_transport *t,
				      const char *alg, u16 ver,
				      const char *below, bool pinned)
{
	struct crypto_shash *tfm;

	if (t->hide_from && ver >= t->hide_from)
		tfm = ERR_PTR(-ENOENT);
	else
		tfm = crypto_alloc_shash(alg, 0, 0);
	if (!IS_ERR(tfm) || PTR_ERR(tfm) != -ENOENT)
		return tfm;
	if (!pinned) {
		/* one notice a load: without blake2b, poly1305 is not tried */
		pr_notice_once("no %s in this kernel (%ld): links offer version %u at most, %s frame MACs\n",
			       alg, PTR_ERR(tfm), ver - 1, below);
		t->ver_max = min_t(u16, t->ver_max, ver - 1);
	}
	return NULL;
}

/*
 * One optional transform of a connection into *@slot (opt_alloc()): 0
 * with it, or without it while the first slots decide the versions
 * offered (t->in_ready still 0: *@slot stays NULL); -ENOPKG without it
 * once they are decided.
 */
static int opt_add(struct synod_transport *t, struct crypto_shash **slot,
		   const char *alg, u16 ver, const char *below)
{
	struct crypto_shash *tfm = opt_alloc(t, alg, ver, below, t->pinned);

	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	if (!tfm && t->in_ready)
		return -ENOPKG;
	*slot = tfm;
	return 0;
}

/*
 * The frame MAC transforms of one connection, @m: one hmac(sha256), one
 * blake2b-256 if the transport offers link version 3 or 4, and one
 * poly1305 if it offers 4, allocated with the connection's slot (at
 * create or set_peer) so that a handshake only re-keys them and the
 * frame path never allocates.  The first connection's decide
 * t->ver_max when the kernel lacks blake2b-256 or poly1305
 * (opt_alloc()), and whether later ones get them (t->mac_b2,
 * t->mac_poly); version 4 needs both, its one-time keys being
 * BLAKE2b's.  Keys live only in them; crypto_free_shash() wipes them
 * (the crypto API frees transforms with kfree_sensitive()).  What is
 * set up already stays: a call after a failed one (set_peer() tried
 * again) allocates only what is missing.  Once the versions are decided
 * (t->in_ready: the first slots are up), a missing algorithm is an
 * error, not a lower version.
 */
static int conn_mac_alloc(struct synod_transport *t, struct tcp_mac *m)
{
	struct crypto_shash *tfm;
	int err;

	if (!m->hmac) {
		tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
		if (IS_ERR(tfm))
			return PTR_ERR(tfm);
		m->hmac = tfm;
	}
	if (t->mac_b2 && !m->b2) {
		err = opt_add(t, &m->b2, STCP_B2_ALG, SYNOD_LINK_V_BLAKE2B,
			      "HMAC-SHA256");
		if (err)
			return err;
		/* missing for the first: for all, and no version 4 */
		t->mac_b2 = m->b2;
		t->mac_poly &= t->mac_b2;
	}
	if (t->mac_poly && !m->poly) {
		err = opt_add(t, &m->poly, STCP_POLY_ALG,
			      SYNOD_LINK_V_POLY1305, "BLAKE2b");
		if (err)
			return err;
		t->mac_poly = m->poly;
	}
	return 0;
}

/*
 * Receive slots for @peers peers: two each (a link, and its successor
 * while the old one is reaped), at least two, each with its buffer
 * (a pair of buffers per vmalloc, 41 KiB; a whole array for the largest
 * cluster was 328 KiB a volume) and transforms, set up before the rx
 * work may use them: t->in_ready is published last.  A removed peer's
 * slots stay.  Create, or t->lock held.
 */
int synod_tcp_slots_grow(struct synod_transport *t, u32 peers)
{
	u32 want = min_t(u32, 2 * max(peers, 1u), STCP_IN_MAX);
	u32 i;
	int err;

	for (i = t->in_ready; i < want; i += 2) {
		/* a pair from a call that failed after it is kept */
		u8 *pair = t->in_pairs[i / 2] ?: vmalloc(2 * STCP_IN_BUF);

		if (!pair)
			return -ENOMEM;
		t->in_pairs[i / 2] = pair;
		t->in[i].buf = pair;
		t->in[i + 1].buf = pair + STCP_IN_BUF;
		err = conn_mac_alloc(t, &t->in[i].mac);
		if (!err)
			err = conn_mac_alloc(t, &t->in[i + 1].mac);
		if (err)
			return err;
		/* buffers and transforms before the rx work sees the slots */
		smp_store_release(&t->in_ready, i + 2);
	}
	return 0;
}

/*
 * What a peer needs before it is one, at create or set_peer: its send
 * ring, the transforms of its outgoing link, and two more receive
 * slots.  Kept if it is removed.  Create, or t->lock held.
 */
int synod_tcp_peer_alloc(struct synod_transport *t, u32 node)
{
	struct tcp_peer *p = &t->peers[node];
	int err;

	err = synod_tcp_ring_alloc(p);
	if (!err)
		err = conn_mac_alloc(t, &p->mac);
	if (!err)
		err = synod_tcp_slots_grow(t, hweight_long(t->peer_mask |
						    BIT(node)));
	return err;
}

/*
 * Free what conn_mac_alloc() and synod_tcp_slots_grow() allocated, even half
 * of it (NULL is fine).
 */
void synod_tcp_macs_free(struct synod_transport *t)
{
	struct tcp_mac *m;
	u32 n;

	for (n = 0; n < STCP_IN_MAX / 2; n++) {
		vfree(t->in_pairs[n]);
		t->in_pairs[n] = NULL;
	}
	for (n = 0; n < SYNOD_NODES_MAX + STCP_IN_MAX; n++) {
		m = conn_mac(t, n);
		crypto_free_shash(m->hmac);
		crypto_free_shash(m->b2);
		crypto_free_shash(m->poly);
		m->hmac = NULL;
		m->b2 = NULL;
		m->poly = NULL;
		m->alg = SYNOD_LINK_MAC_NONE;
	}
}
