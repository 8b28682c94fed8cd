// SPDX-License-Identifier: GPL-2.0
/*
 * Test build only (testing.h): make a tx work put a frame on its
 * established, authenticated connection that the replica never queued,
 * as an attacker on the path (or a broken or hostile peer) would.  The
 * VM test tests/vm/auth.bats uses it to show what the receiver does with
 * such frames.  In a user's build test_forge stays 0 and this does
 * nothing.
 *
 * test_forge = KIND << 16 | FROM << 8 | TO: the next time the tx work
 * of node FROM's transport for peer TO runs, it takes the request (sets
 * the knob back to 0) and does KIND once:
 *   1  STEPDOWN: a one-byte STEPDOWN frame with a correct header and
 *      sequence number but a random tag (no knowledge of any key);
 *   2  REPLAY: the last frame sent on this link again, byte for byte;
 *   3  CORRUPT: the next queued frame leaves with one payload bit
 *      flipped after its tag was computed;
 *   4  SKIP: the sender skips one sequence number, as if a frame had
 *      been lost;
 *   5  PLANT: the next PAYLOAD frame node FROM receives (from anyone)
 *      is sent on to TO, properly authenticated (FROM is a member),
 *      under the ref its proposer will use next (ref + 1) and with
 *      its bytes inverted: a member planting data under a predictable
 *      ref that it did not propose;
 *   6  RESEQ: the last frame again with the next sequence number written
 *      into its header and its old tag: only a tag that covers the
 *      header catches it;
 *   7  FLAGS: the next frame leaves with a flags bit flipped after its
 *      tag was computed;
 *   8  LEN: the next frame of two bytes or more leaves with its length
 *      one less than tagged, and without its last byte;
 *   9  PREV: the tx work keeps the first small frame of this link,
 *      drops the link, and on the next one sends that frame again
 *      where its sequence number comes (usually first): only a key
 *      that differs per connection catches it;
 *  10  UNBOUND: node FROM keeps the next consensus message naming
 *      writes that it receives (from the leader), rewritten as its own
 *      message to TO, and sends it when the next such message arrives
 *      (by then TO holds those writes' data, from the leader): a member
 *      naming payloads it never sent;
 *  11  REPAY_KEEP: the next PAYLOAD frame FROM sends TO is kept, its
 *      bytes inverted, under the same ref;
 *  12  REPAY: FROM sends TO (any peer) what REPAY_KEEP kept: a proposer
 *      sending other bytes under a ref of its own (a ref collision, a
 *      proposer gone wrong) after TO may have journaled the first ones;
 *  13  ALG: the next frame leaves tagged with another link version's
 *      MAC (keyed BLAKE2b on a v4 link, HMAC-SHA256 on a v3 one, keyed
 *      BLAKE2b on a v2 one) under the right frame key, as a peer wrong
 *      about the version would;
 *  14  PLANT_PIECES: PLANT for a payload in PIECE frames: the next one
 *      of at most STCP_PLANT_FRAMES pieces (32 KiB) node FROM receives
 *      is sent on to TO, its pieces back to back, under ref + 1 and
 *      with its bytes inverted.
 * A planted payload and a relayed message are logged when queued; a
 * planted payload is logged again by whichever transport of this
 * module receives it, so a test can wait for it to have arrived.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "compat_net.h"
#include "core/crc32c.h"
#include "core/wire.h"
#include "replica.h"
#include "testing.h"
#include "tcp_priv.h"

static uint test_forge;

/* Started transports, for forge_set() (test build only). */
static LIST_HEAD(forge_list);
static DEFINE_MUTEX(forge_list_lock);

/*
 * Setting test_forge kicks every started transport's tx works: a link
 * with nothing to send runs no work, and the forgery is taken by a run
 * of the work of the link it names.
 */
static int forge_set(const char *val, const struct kernel_param *kp)
{
	struct synod_transport *t;
	int err = param_set_uint(val, kp);
	u32 n;

	if (err)
		return err;
	mutex_lock(&forge_list_lock);
	list_for_each_entry(t, &forge_list, forge_node)
		for_each_set_bit(n, &t->peer_mask, SYNOD_NODES_MAX)
			synod_tcp_tx_kick(&t->peers[n]);
	mutex_unlock(&forge_list_lock);
	return 0;
}

static const struct kernel_param_ops forge_ops = {
	.set = forge_set,
	.get = param_get_uint,
};
SYNOD_TEST_PARAM_CB(test_forge, &forge_ops,
		    "inject one frame: KIND<<16|FROM<<8|TO (see tcp_forge.c)");

/* start() and stop(): @t is found by forge_set() while started. */
void synod_tcp_forge_started(struct synod_transport *t, bool started)
{
	if (!SYNOD_TEST_BUILD)
		return;
	mutex_lock(&forge_list_lock);
	if (started)
		list_add(&t->forge_node, &forge_list);
	else
		list_del_init(&t->forge_node);
	mutex_unlock(&forge_list_lock);
}

/*
 * Test build: the next frame any transport receives in place (tcp_rx.c,
 * in_placed()) has the last byte of its tail flipped before it is
 * checked, as if the wire had corrupted a byte that the link read
 * straight into the receiver's memory.  Its MAC must fail, the link be
 * reset, and the receiver never see it.  Taken once (set back to 0).
 */
static uint test_rx_corrupt_tail;
SYNOD_TEST_PARAM(test_rx_corrupt_tail, uint,
		 "flip the last byte of the next frame received in place before its check (once)");

/* Test build, rx work: carry out test_rx_corrupt_tail on @tail. */
void synod_tcp_forge_rx_tail(struct synod_transport *t, u32 from, u8 *tail,
			     u32 len)
{
	if (!SYNOD_TEST_BUILD || !len || !READ_ONCE(test_rx_corrupt_tail) ||
	    !xchg(&test_rx_corrupt_tail, 0))
		return;
	tail[len - 1] ^= 0x01;
	pr_info("%s/%u: TEST: corrupting a frame from node %u received in place\n",
		t->cfg.cluster, t->cfg.self, from);
}

/* The last planted ref, for the receiver's log line; 0: none. */
static u64 planted_ref;

/*
 * The forgery requested for the link of @p, if any; the request is
 * consumed, so exactly one tx work acts on it once.
 */
enum stcp_forge synod_tcp_forge_take(struct tcp_peer *p)
{
	struct synod_transport *t = p->t;
	uint want = READ_ONCE(test_forge);
	uint kind = want >> 16;

	if (!SYNOD_TEST_BUILD || !want)
		return STCP_FORGE_NONE;
	if (((want >> 8) & 0xff) != t->cfg.self ||
	    (want & 0xff) != p->node || kind >= STCP_FORGE_MAX)
		return STCP_FORGE_NONE;
	if (cmpxchg(&test_forge, want, 0) != want)
		return STCP_FORGE_NONE;
	pr_info("%s/%u: TEST: forging frame kind %u to node %u\n",
		t->cfg.cluster, t->cfg.self, kind, p->node);
	if (kind == STCP_FORGE_REPAY &&
	    atomic_read_acquire(&t->plant_state) == STCP_PLANT_OWN) {
		t->plant_to = p->node;
		atomic_set_release(&t->plant_state, STCP_PLANT_READY);
	}
	if ((kind == STCP_FORGE_PLANT || kind == STCP_FORGE_UNBOUND ||
	     kind == STCP_FORGE_PLANT_PIECES) && t->plant) {
		/* plant_to before the state that publishes it */
		t->plant_to = p->node;
		t->plant_n = 0;
		atomic_set_release(&t->plant_state,
				   kind == STCP_FORGE_PLANT ? STCP_PLANT_ARMED :
				   kind == STCP_FORGE_UNBOUND ? STCP_PLANT_RELAY :
								STCP_PLANT_PIECES);
	}
	return kind;
}

/*
 * Must push() leave the frames of @p to the tx work now?  Yes while a
 * forgery waits for it (a request, a PREV frame to put back at its
 * sequence number, a planted frame ready for @p): the tx work puts
 * those between the frames it writes, where the tests expect them.
 */
bool synod_tcp_forge_busy(struct tcp_peer *p)
{
	struct synod_transport *t = p->t;

	if (!SYNOD_TEST_BUILD)
		return false;
	return READ_ONCE(test_forge) || p->prev_armed ||
	       (atomic_read_acquire(&t->plant_state) == STCP_PLANT_READY &&
		t->plant_to == p->node);
}

/*
 * A MSG frame (replica.h: type byte, then the wire message of
 * core/wire.h) whose first entry is a WRITE with at least one write?
 */
static bool msg_names_writes(const u8 *f, u32 len)
{
	const u8 *w = f + 1;

	if (f[0] != SYNOD_FRAME_MSG ||
	    len < 1 + SYNOD_WIRE_HDR_LEN + SYNOD_WIRE_BODY_LEN +
		  SYNOD_WIRE_ENTRY_LEN)
		return false;
	return get_unaligned_le32(w) == SYNOD_WIRE_MAGIC &&
	       get_unaligned_le32(w + 32) == len - 1 &&
	       get_unaligned_le16(w + 80) >= 1 &&
	       w[84 + 16] == SYNOD_ENTRY_WRITE && w[84 + 17] >= 1;
}

/*
 * Keep @f (a MSG naming writes) in t->plant as node self's own message
 * to t->plant_to: sender and receiver rewritten, CRC made again.
 */
static void relay_keep(struct synod_transport *t, const u8 *f, u32 len)
{
	u8 *w = t->plant + 1;

	memcpy(t->plant, f, len);
	put_unaligned_le16(t->cfg.self, w + 16);
	put_unaligned_le16(t->plant_to, w + 18);
	put_unaligned_le32(0, w + 36);
	put_unaligned_le32(synod_crc32c(0, w, len - 1), w + 36);
	t->plant_len = len;
}

/*
 * Copy the frame of @flen bytes at @f and @tail_len more at @tail (a
 * frame received in place, tcp_rx.c) to @dst, its bytes from @from on
 * inverted.  @dst has room for the whole frame.
 */
static void frame_invert(u8 *dst, const u8 *f, u32 flen, const u8 *tail,
			 u32 tail_len, u32 from)
{
	u32 i;

	memcpy(dst, f, flen);
	if (tail_len)
		memcpy(dst + flen, tail, tail_len);
	for (i = from; i < flen + tail_len; i++)
		dst[i] = ~dst[i];
}

/* Keep a doctored copy of PAYLOAD frame @f: next ref, bytes inverted. */
static void plant_keep(struct synod_transport *t, const u8 *f, u32 flen,
		       const u8 *tail, u32 tail_len)
{
	frame_invert(t->plant, f, flen, tail, tail_len, SYNOD_PAYLOAD_HDR);
	put_unaligned_le64(get_unaligned_le64(f + 8) + 1, t->plant + 8);
	t->plant_len = flen + tail_len;
}

/*
 * Keep a doctored copy of PIECE frame @f as PLANT does (next ref, bytes
 * inverted), after the pieces of its payload kept before.  Only a
 * payload of STCP_PLANT_FRAMES pieces at most, from its first piece;
 * another is let pass.  Returns whether the payload is whole now.
 */
static bool plant_keep_piece(struct synod_transport *t, const u8 *f,
			     u32 flen, const u8 *tail, u32 tail_len)
{
	u32 total = get_unaligned_le32(f + 4), off = get_unaligned_le32(f + 16);
	u32 len = flen + tail_len;
	u8 *dst;

	if (len > SYNOD_FRAME_MAX ||
	    total > STCP_PLANT_FRAMES * SYNOD_PAY_BUF_BYTES)
		return false;
	if (!off)
		t->plant_n = 0;
	if (t->plant_n >= STCP_PLANT_FRAMES ||
	    off != t->plant_n * SYNOD_PAY_BUF_BYTES)
		return false;
	dst = t->plant + t->plant_n * SYNOD_FRAME_MAX;
	frame_invert(dst, f, flen, tail, tail_len, SYNOD_PIECE_HDR);
	put_unaligned_le64(get_unaligned_le64(f + 8) + 1, dst + 8);
	t->plant_lens[t->plant_n++] = len;
	return off + len - SYNOD_PIECE_HDR == total;
}

/* Whether @f is the last PIECE frame of planted ref @ref. */
static bool planted_last_piece(const u8 *f, u32 len, u64 ref)
{
	return len > SYNOD_PIECE_HDR && f[0] == SYNOD_FRAME_PIECE &&
	       get_unaligned_le64(f + 8) == ref &&
	       get_unaligned_le32(f + 16) + len - SYNOD_PIECE_HDR ==
	       get_unaligned_le32(f + 4);
}

/*
 * rx work, before a frame from peer @from is delivered: log the
 * arrival of a planted payload; if a PLANT or UNBOUND is armed, keep
 * a doctored copy for the tx work, and hand it over when ready.  The
 * frame is @flen bytes at @f, and @tail_len more at @tail if it was
 * received in place (tcp_rx.c: then @f holds its header whole).
 */
void synod_tcp_forge_rx(struct synod_transport *t, u32 from, const u8 *f,
			u32 flen, const u8 *tail, u32 tail_len)
{
	u64 ref = READ_ONCE(planted_ref);
	u32 len = flen + tail_len;
	int state;

	if (!SYNOD_TEST_BUILD)
		return;
	if (ref && ((len > SYNOD_PAYLOAD_HDR && f[0] == SYNOD_FRAME_PAYLOAD &&
		     get_unaligned_le64(f + 8) == ref) ||
		    planted_last_piece(f, len, ref)))
		pr_info("%s/%u: TEST: received planted ref %llx from node %u\n",
			t->cfg.cluster, t->cfg.self, ref, from);
	if (!t->plant)
		return;
	state = atomic_read_acquire(&t->plant_state);
	if (state == STCP_PLANT_ARMED && len > SYNOD_PAYLOAD_HDR &&
	    f[0] == SYNOD_FRAME_PAYLOAD) {
		plant_keep(t, f, flen, tail, tail_len);
	} else if (state == STCP_PLANT_PIECES && len > SYNOD_PIECE_HDR &&
		   f[0] == SYNOD_FRAME_PIECE) {
		if (!plant_keep_piece(t, f, flen, tail, tail_len))
			return;
	} else if (state == STCP_PLANT_RELAY && !tail_len &&
		   msg_names_writes(f, len)) {
		relay_keep(t, f, len);
		atomic_set(&t->plant_state, STCP_PLANT_HELD);
		return;
	} else if (state != STCP_PLANT_HELD || tail_len ||
		   !msg_names_writes(f, len)) {
		return;
	}
	/* t->plant and plant_len before the state that publishes them */
	atomic_set_release(&t->plant_state, STCP_PLANT_READY);
	synod_tcp_tx_kick(&t->peers[t->plant_to]);
}

/*
 * tx work of @p, on a frame it is sending, payload in @vec: if
 * REPAY_KEEP is armed and it is a PAYLOAD frame, keep a copy with its
 * bytes inverted, under the same ref, for REPAY.
 */
void synod_tcp_forge_repay_keep(struct tcp_peer *p, const struct kvec *vec,
				unsigned int nvec, u32 len)
{
	struct synod_transport *t = p->t;
	unsigned int i;
	u32 off = 0;

	if (!SYNOD_TEST_BUILD || !p->repay_armed || !t->plant || !nvec ||
	    len <= SYNOD_PAYLOAD_HDR || len > SYNOD_FRAME_MAX ||
	    ((u8 *)vec[0].iov_base)[0] != SYNOD_FRAME_PAYLOAD ||
	    atomic_read(&t->plant_state) != STCP_PLANT_IDLE)
		return;
	for (i = 0; i < nvec; i++) {
		memcpy(t->plant + off, vec[i].iov_base, vec[i].iov_len);
		off += vec[i].iov_len;
	}
	for (i = SYNOD_PAYLOAD_HDR; i < len; i++)
		t->plant[i] = ~t->plant[i];
	t->plant_len = len;
	t->plant_to = p->node;
	p->repay_armed = false;
	pr_info("%s/%u: TEST: kept ref %llx for node %u\n", t->cfg.cluster,
		t->cfg.self, get_unaligned_le64(t->plant + 8), p->node);
	atomic_set_release(&t->plant_state, STCP_PLANT_OWN);
}

/*
 * The PIECE frames kept, to @to, back to back: queued all or none under
 * one hold of the peer's ring lock (synod_tcp_queue_frames()), so no
 * frame the replica queues to @to lands between them.  Returns 0 or why
 * the ring refused them all (full: the planted payload is not sent).
 */
static int plant_send_pieces(struct synod_transport *t, u32 to)
{
	struct kvec v[STCP_PLANT_FRAMES];
	u32 i;

	for (i = 0; i < t->plant_n; i++)
		v[i] = (struct kvec){ t->plant + i * SYNOD_FRAME_MAX,
				      t->plant_lens[i] };
	return synod_tcp_queue_frames(t, to, v, t->plant_n);
}

/*
 * tx work of @p: queue the doctored frame if it is ready for @p.  A
 * planted payload is logged once queued, so that a test waiting for it
 * fails there if the ring refused it ("planting failed").
 */
void synod_tcp_forge_plant(struct tcp_peer *p)
{
	struct synod_transport *t = p->t;
	struct kvec v;
	u64 ref;
	int err;

	if (!SYNOD_TEST_BUILD ||
	    atomic_read_acquire(&t->plant_state) != STCP_PLANT_READY ||
	    t->plant_to != p->node)
		return;
	v = (struct kvec){ t->plant, t->plant_len };
	ref = get_unaligned_le64(t->plant + 8);
	if (t->plant[0] == SYNOD_FRAME_PIECE) {
		/* before the frames can arrive: the receiver logs them */
		WRITE_ONCE(planted_ref, ref);
		err = plant_send_pieces(t, p->node);
		if (err) {
			WRITE_ONCE(planted_ref, 0);
			pr_info("%s/%u: TEST: planting failed (%d), ref %llx at node %u\n",
				t->cfg.cluster, t->cfg.self, err, ref,
				p->node);
		} else {
			pr_info("%s/%u: TEST: planting ref %llx at node %u\n",
				t->cfg.cluster, t->cfg.self, ref, p->node);
		}
	} else if (t->plant[0] == SYNOD_FRAME_PAYLOAD) {
		WRITE_ONCE(planted_ref, ref);
		pr_info("%s/%u: TEST: planting ref %llx at node %u\n",
			t->cfg.cluster, t->cfg.self, ref, p->node);
		synod_tcp_ops.send(t, p->node, &v, 1);
	} else {
		pr_info("%s/%u: TEST: relaying a message naming others' writes to node %u\n",
			t->cfg.cluster, t->cfg.self, p->node);
		synod_tcp_ops.send(t, p->node, &v, 1);
	}
	atomic_set(&t->plant_state, STCP_PLANT_IDLE);
}

/* Test build only: keep a copy of a small frame of @len bytes in @buf. */
static u32 forge_copy(u8 *buf, const struct kvec *vec, unsigned int nvec,
		      u32 len)
{
	unsigned int i;
	u32 off = 0;

	if (len > STCP_LAST_MAX)
		return 0;
	for (i = 0; i < nvec; i++) {
		memcpy(buf + off, vec[i].iov_base, vec[i].iov_len);
		off += vec[i].iov_len;
	}
	return len;
}

/*
 * Test build only, on a frame of @len bytes (header in vec[0]) whose tag
 * was just computed: carry out a pending CORRUPT, FLAGS or LEN on it,
 * and keep it as the link's last (REPLAY, RESEQ) and, if it is the
 * link's first small one, first (PREV) frame.  Returns the bytes to
 * send (LEN sends one less).
 */
u32 synod_tcp_forge_keep(struct tcp_peer *p, struct kvec *vec,
			 unsigned int nvec, u32 len)
{
	u8 *hdr = vec[0].iov_base;
	u32 plen = len - STCP_FRAME_HDR;

	synod_tcp_forge_repay_keep(p, vec + 1, nvec - 1, plen);
	switch (p->forge_mut) {
	case STCP_FORGE_ALG:
		synod_tcp_forge_alg_tag(p->t, &p->mac, hdr, vec + 1, nvec - 1);
		p->forge_mut = STCP_FORGE_NONE;
		break;
	case STCP_FORGE_CORRUPT:
		((u8 *)vec[1].iov_base)[0] ^= 0x80;
		p->forge_mut = STCP_FORGE_NONE;
		break;
	case STCP_FORGE_FLAGS:
		hdr[4] ^= 0x01;
		p->forge_mut = STCP_FORGE_NONE;
		break;
	case STCP_FORGE_LEN:
		if (plen < 2)	/* a zero length is refused unread */
			break;
		put_unaligned_le32(plen - 1, hdr);
		p->forge_mut = STCP_FORGE_NONE;
		return len - 1;
	}
	p->last_len = forge_copy(p->last, vec, nvec, len);
	if (!p->first_len) {
		p->first_len = forge_copy(p->first, vec, nvec, len);
		p->first_seq = get_unaligned_le64(hdr + 8);
	}
	return len;
}

/* Test build only: send @len bytes at @buf as they are. */
static int forge_send(struct tcp_peer *p, u8 *buf, u32 len)
{
	struct kvec v = { buf, len };

	return synod_tcp_sendv(p, &v, 1, len, 0, NULL, false, false);
}

/*
 * Test build only: carry out a forgery tcp_forge.c asks for on this
 * established link.  Returns what sending it returned; PREV ends the
 * link on purpose (-ECONNABORTED).
 */
int synod_tcp_forge_run(struct tcp_peer *p)
{
	u8 f[STCP_FRAME_HDR + 1];

	/* PREV, armed on the link before: the old frame at its old place */
	if (p->prev_armed && p->tx_seq == p->prev_seq) {
		p->prev_armed = false;
		return forge_send(p, p->prev, p->prev_len);
	}
	switch (synod_tcp_forge_take(p)) {
	case STCP_FORGE_STEPDOWN:
		/*
		 * What anyone who can reach the socket can compute: the
		 * right length and the very sequence number expected next,
		 * but a tag made without the key.
		 */
		f[STCP_FRAME_HDR] = 3;	/* SYNOD_FRAME_STEPDOWN */
		put_unaligned_le32(1, f);
		put_unaligned_le32(0, f + 4);
		put_unaligned_le64(p->tx_seq, f + 8);
		get_random_bytes(f + STCP_TAGGED, SYNOD_LINK_TAG_LEN);
		return forge_send(p, f, sizeof(f));
	case STCP_FORGE_REPLAY:
		return p->last_len ? forge_send(p, p->last, p->last_len) : 0;
	case STCP_FORGE_RESEQ:
		/* the last frame renumbered as the next one, its tag kept */
		if (!p->last_len)
			return 0;
		put_unaligned_le64(p->tx_seq, p->last + 8);
		return forge_send(p, p->last, p->last_len);
	case STCP_FORGE_CORRUPT:
		p->forge_mut = STCP_FORGE_CORRUPT;
		return 0;
	case STCP_FORGE_FLAGS:
		p->forge_mut = STCP_FORGE_FLAGS;
		return 0;
	case STCP_FORGE_LEN:
		p->forge_mut = STCP_FORGE_LEN;
		return 0;
	case STCP_FORGE_ALG:
		p->forge_mut = STCP_FORGE_ALG;
		return 0;
	case STCP_FORGE_SKIP:
		p->tx_seq++;
		return 0;
	case STCP_FORGE_REPAY_KEEP:
		p->repay_armed = true;
		return 0;
	case STCP_FORGE_PREV:
		/* keep this link's first frame, then dial again */
		if (!p->first_len)
			return 0;
		memcpy(p->prev, p->first, p->first_len);
		p->prev_len = p->first_len;
		p->prev_seq = p->first_seq;
		p->prev_armed = true;
		return -ECONNABORTED;
	default:
		return 0;
	}
}
