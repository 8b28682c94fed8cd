// SPDX-License-Identifier: GPL-2.0
/*
 * The replica's send path: a message of the core, and before it the
 * payloads its entries name (one PAYLOAD frame, or PIECE frames for a
 * chain), queued on the transport under the replica's lock; pushed by
 * synod_repl_execute() (replica.c).
 */
#include "msg_cut.h"
#include "replica.h"
#include "trace.h"

/*
 * Payload @pay, a chain of more than one buffer, to @to as one PIECE
 * frame per buffer (replica_piece.h), all queued or none
 * (queue_pieces(), transport.h): by reference if the store lends the
 * chain, else, or if the ring's budget of pages is spent, by copy.  A
 * peer whose link runs a version below SYNOD_LINK_V_PIECES would count
 * every piece BAD (a kind it does not know; the link stays): refused here
 * (-EOPNOTSUPP), every attempt counted, the first of each link-up logged.
 * The message naming the payload is not sent either (synod_repl_send_msg()): the
 * peer stays connected and falls behind (transport.rst).
 */
static int send_pieces(struct synod_repl *r, u32 to, struct synod_pay *pay)
{
	const struct synod_pay *b = pay;
	struct synod_link_info li;
	struct page *page;
	bool copy;
	u32 n, len;
	u8 *h;
	int err;

	BUILD_BUG_ON(SYNOD_PAY_SEGS_MAX > SYNOD_TX_PIECES_MAX);
	BUILD_BUG_ON(SYNOD_PIECE_HDR + SYNOD_PAY_BUF_BYTES > SYNOD_FRAME_MAX);
	r->tops->link_info(r->tp, to, &li);
	if (!li.version)
		return -ENOTCONN;
	if (li.version < SYNOD_LINK_V_PIECES) {
		/* each attempt counts; the log says it once per link-up */
		r->tx_refused_large[to]++;
		if (to < SYNOD_NODES_MAX &&
		    !test_and_set_bit(to, &r->refused_large_logged))
			pr_warn("%s: node %u's link runs version %u, which cannot carry a payload of %u bytes: not sent (counted in tx_refused_large; logged again at its next link-up)\n",
				r->vol->name, to, li.version, pay->len);
		return -EOPNOTSUPP;
	}
	if (WARN_ON_ONCE(pay->nseg > SYNOD_PAY_SEGS_MAX))
		return -EINVAL;
	for (n = 0; b && n < pay->nseg; n++, b = synod_pay_next(&r->pay, b)) {
		len = synod_pay_seg_len(pay, n);
		if (WARN_ON_ONCE(!len))
			return -EINVAL;
		h = r->txph[n];
		memset(h, 0, SYNOD_PIECE_HDR);
		h[0] = SYNOD_FRAME_PIECE;
		synod_put_le32(h + 4, pay->len);
		synod_put_le64(h + 8, pay->ref);
		synod_put_le32(h + 16, n * SYNOD_PAY_BUF_BYTES);
		synod_put_le32(h + 20, len);
		page = virt_to_head_page(b->data);
		r->txpc[n] = (struct synod_tx_piece){
			.hdr = { h, SYNOD_PIECE_HDR }, .page = page,
			.off = b->data - page_address(page), .len = len };
	}
	if (WARN_ON_ONCE(n != pay->nseg))
		return -EINVAL;
	copy = !synod_pay_lend(&r->pay, pay);
	err = r->tops->queue_pieces(r->tp, to, r->txpc, n, copy);
	if (err == -ENOSPC && !copy)
		err = r->tops->queue_pieces(r->tp, to, r->txpc, n, true);
	if (!err)
		r->tx_pieces += n;
	return err;
}

/*
 * One payload frame for @to of the bytes of @pay: by reference
 * (queue_page()) if the store lends the buffer (payload.h: it then keeps
 * the bytes as they are while the network holds them), else, or if the
 * ring's budget of pages is spent (-ENOSPC), by copy.  A frame carries
 * one buffer at most: a chain of more goes in pieces (send_pieces()).
 */
static int send_payload(struct synod_repl *r, u32 to, struct synod_pay *pay)
{
	struct page *head = virt_to_head_page(pay->data);
	struct kvec iov[2];
	u8 hdr[SYNOD_PAYLOAD_HDR];
	int err = -ENOSPC;

	if (pay->nseg > 1)
		return send_pieces(r, to, pay);
	memset(hdr, 0, sizeof(hdr));
	hdr[0] = SYNOD_FRAME_PAYLOAD;
	synod_put_le32(hdr + 4, pay->len);
	synod_put_le64(hdr + 8, pay->ref);
	iov[0] = (struct kvec){ hdr, sizeof(hdr) };
	iov[1] = (struct kvec){ pay->data, pay->len };
	if (WARN_ON_ONCE(!pay->len || pay->len > SYNOD_PAY_BUF_BYTES))
		return -EINVAL;
	if (synod_pay_lend(&r->pay, pay))
		err = r->tops->queue_page(r->tp, to, iov, head,
					  pay->data - page_address(head),
					  pay->len);
	if (err == -ENOSPC)
		err = r->tops->queue(r->tp, to, iov, 2);
	return err;
}

/* One payload frame per write of @e, ahead of the message naming it. */
static int send_payloads(struct synod_repl *r, u32 to,
			 const struct synod_entry *e)
{
	struct synod_pay *pay;
	u32 i;
	int err;

	if (e->kind != SYNOD_ENTRY_WRITE)
		return 0;
	for (i = 0; i < e->nwrites; i++) {
		pay = synod_pay_find(&r->pay, e->w[i].ref);
		if (!pay || !pay->len)
			return -ENOENT;
		err = send_payload(r, to, pay);
		if (err)
			return err;
	}
	return 0;
}

/*
 * A message to @to was not sent (@err): count it, and if the peer's
 * queue was full only because it is still growing (-EAGAIN), have the
 * next tick tell the core (synod_replica_peer_refused()), which resends
 * what @to has not acked then, at most once per period.  It would
 * otherwise resend only after its wait, which assumes a link loses
 * nothing while it stays up (core/replica.h, retx_ns): a burst meeting
 * a small queue stalled its slots for a period or more.
 */
static void send_dropped(struct synod_repl *r, u32 to, int err)
{
	r->tx_dropped++;
	if (err == -EAGAIN && !WARN_ON_ONCE(to >= SYNOD_NODES_MAX)) {
		set_bit(to, &r->tx_again);
		r->tx_again_count[to]++;
	}
}

/*
 * Payload bytes a message carries at most (msg_cut.c), its first entry
 * always (a slot carries SYNOD_SLOT_BYTES at most).  A send ring takes
 * SYNOD_SENDQ_BYTES at most, and the core knows nothing of payloads'
 * lengths: under 1 MiB writes its answer to a FETCH (up to 32 entries)
 * never went, and each FETCH cost the asker up to 4 MiB of pieces and
 * brought it nothing, so it stayed behind for ever; a PROMISE (a chunk
 * of 31 slots) never went, and nobody led again after the leader went;
 * a resend of every slot a follower has not acked (8 MiB) was dropped
 * each time.  The receiver's store, too, keeps a payload no message
 * names yet only until SYNOD_PAY_FRESH more buffers (4 MiB) have come
 * after it.  Half of both.
 */
#define SYNOD_TX_PART_BYTES	(SYNOD_SENDQ_BYTES / 2)

/* Payload bytes of @e's writes held here (0 for one not held). */
static u64 entry_pay_bytes(void *ctx, const struct synod_entry *e)
{
	struct synod_repl *r = ctx;

	BUILD_BUG_ON(SYNOD_TX_PART_BYTES + SYNOD_SLOT_BYTES >
		     SYNOD_SENDQ_BYTES);
	BUILD_BUG_ON(SYNOD_TX_PART_BYTES + SYNOD_SLOT_BYTES >
		     SYNOD_PAY_FRESH * SYNOD_PAY_BUF_BYTES);
	return synod_pay_entry_bytes(&r->pay, e);
}

/*
 * Queue @m whole: the payloads its entries name, then the message.  A
 * message that cannot go whole is dropped (counted; the core
 * retransmits): returns the error then.
 */
static int send_whole(struct synod_repl *r, struct synod_msg *m)
{
	struct kvec iov;
	u32 len, i;
	int err;

	for (i = 0; i < m->count; i++) {
		err = send_payloads(r, m->to, &m->e[i]);
		if (err) {
			send_dropped(r, m->to, err);
			return err;
		}
	}
	r->txbuf[0] = SYNOD_FRAME_MSG;
	SYNOD_CORE(r, len = synod_wire_encode(m, r->txbuf + 1,
					      sizeof(r->txbuf) - 1));
	if (WARN_ON_ONCE(!len))
		return -EINVAL;
	iov = (struct kvec){ r->txbuf, len + 1 };
	/* before queue(): the tx work may write it at once */
	trace_synod_msg_out(r->vol->name, m, m->to);
	err = r->tops->queue(r->tp, m->to, &iov, 1);
	if (err)
		send_dropped(r, m->to, err);
	return err;
}

/*
 * Queue one message of the core; synod_repl_execute() pushes a round's
 * messages out together.  A catch-up answer or a promise whose payloads
 * pass SYNOD_TX_PART_BYTES goes cut short, an ACCEPT as several parts
 * (msg_cut.c); counted on the down line, per answer cut and per part
 * queued past the first.  If one part cannot go, the parts after it are
 * not tried: their slots wait for the core's retransmission.  Where the
 * ring was full while it grows (-EAGAIN, send_dropped()), the core
 * resends what the peer has not acked at the next tick, at most once per
 * period, the parts already queued too; where it is full at its largest,
 * the ring's backlog holds the resend off until it drains (a resend
 * forced then would only queue again the parts already in the ring).
 */
void synod_repl_send_msg(struct synod_repl *r, struct synod_msg *m)
{
	bool more = false;
	u32 rest;

	if (!r->tp || m->to >= SYNOD_NODES_MAX)
		return;
	m->volume = r->volume_id;
	switch (synod_cut_answer(m, entry_pay_bytes, r, SYNOD_TX_PART_BYTES)) {
	case SYNOD_CUT_CATCHUP:
		r->catchup_cut++;
		break;
	case SYNOD_CUT_PROMISE:
		r->promise_cut++;
		break;
	case SYNOD_CUT_NONE:
		break;
	}
	while ((rest = synod_cut_part(m, entry_pay_bytes, r,
				      SYNOD_TX_PART_BYTES))) {
		if (send_whole(r, m))
			return;
		if (more)
			r->accept_parts++;
		more = true;
		synod_cut_next(m, rest);
	}
	if (!send_whole(r, m) && more)
		r->accept_parts++;
}
