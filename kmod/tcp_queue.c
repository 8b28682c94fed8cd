// SPDX-License-Identifier: GPL-2.0
/*
 * The send side's queue: each peer's ring of frames waiting to be
 * written (send() and queue() put them there, never sleeping, and ask
 * the tx work to grow the ring when it passes half full, tcp_ring.c),
 * and push(), which writes them from the caller's context when the
 * socket takes them at once (tcp_tx.c), waking the peer's tx work only
 * for what is left.  tcp_priv.h has the locking rule.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/mm.h>

#include "testing.h"
#include "tcp_priv.h"

/*
 * Room check shared by queue(), queue_page() and queue_pieces(): 0 if
 * records of @need ring bytes referring to pages of @ref_size bytes (0:
 * none) may go in
 * now, else why not: -ENOTCONN, -EAGAIN (ring full, but it will grow
 * soon: the tx work is asked to, so the caller may queue again soon),
 * -ENOBUFS (ring full at its largest, or growth waits after a failed
 * allocation), -ENOSPC (ring not full, but its budget of pages, which
 * does not follow the ring's size, is spent: a copy may go in; not
 * counted as a refusal).  p->lock held.
 */
static int ring_room(struct tcp_peer *p, u32 need, u32 ref_size)
{
	lockdep_assert_held(&p->lock);
	if (!p->up)
		return -ENOTCONN;
	if (p->ring_size - (p->head - p->tail) < need)
		return synod_tcp_ring_growing(p) ? -EAGAIN : -ENOBUFS;
	if (SYNOD_SENDQ_BYTES - p->ref_bytes < ref_size)
		return -ENOSPC;	/* only the budget of pages: copy instead */
	/* the first frame to wait: the stall clock starts now (tcp_tx.c) */
	if (p->head == p->tail)
		WRITE_ONCE(p->stall_at,
			   jiffies + stcp_ms(p->t, STCP_STALL_MS));
	return 0;
}


/*
 * After a queuer's ring_room() and put, under p->lock: whether the tx
 * work must be kicked to grow the ring (synod_tcp_ring_mark()).
 */
static bool ring_marked(struct tcp_peer *p, int err, u32 need)
{
	if (err && err != -ENOBUFS && err != -EAGAIN)
		return false;	/* no link, or the page budget: not room */
	return synod_tcp_ring_mark(p, err != 0, need);
}

/*
 * Outside the lock: count a refusal of ring_room(), and wake the tx
 * work if the ring is to grow (@grow, from ring_marked()).
 */
static void ring_refused(struct tcp_peer *p, int err, bool grow)
{
	if (err == -ENOBUFS || err == -EAGAIN)
		atomic64_inc(&p->tx_nobufs);
	else if (err == -ENOTCONN)
		atomic64_inc(&p->tx_notconn);
	if (grow)
		synod_tcp_tx_kick(p);
}

/*
 * queue_page() (transport.h): one frame for @to, @hdr's bytes copied
 * into the ring, then @len bytes at @off in @page, which the ring only
 * refers to: it takes a page reference, given back when the frame has
 * been written (the socket then holds its own on what it still needs)
 * or dropped.  So a payload leaves the leader without being copied.
 * Same rules as queue(): never sleeps, never allocates.
 */
int synod_tcp_queue_page(struct synod_transport *t, u32 to,
			 const struct kvec *hdr, struct page *page, u32 off,
			 u32 len)
{
	struct stcp_ref ref = { .page = page, .off = off, .len = len };
	struct tcp_peer *p;
	u32 word, held, need;
	bool grow;
	int err;

	if (to >= SYNOD_NODES_MAX || to == t->cfg.self)
		return -EINVAL;
	if (!hdr->iov_len || !len ||
	    hdr->iov_len + len > SYNOD_FRAME_MAX ||
	    WARN_ON_ONCE(PageSlab(page) || !page_count(page) ||
			 (size_t)off + len > page_size(page)))
		return -EINVAL;
	p = &t->peers[to];
	held = hdr->iov_len;
	word = (held + len) | STCP_REC_REF;
	need = stcp_ref_rec_len(held);

	spin_lock_bh(&p->lock);
	err = ring_room(p, need, page_size(page));
	if (!err) {
		get_page(page);
		synod_tcp_ring_put(p, p->head, &word, sizeof(word));
		synod_tcp_ring_put(p, p->head + sizeof(u32), &held,
				   sizeof(held));
		synod_tcp_ring_put(p, p->head + 2 * sizeof(u32), &ref,
				   sizeof(ref));
		synod_tcp_ring_put(p, p->head + 2 * sizeof(u32) + sizeof(ref),
				   hdr->iov_base, held);
		p->head += need;
		p->ref_bytes += page_size(page);
	}
	grow = ring_marked(p, err, need);
	spin_unlock_bh(&p->lock);
	ring_refused(p, err, grow);
	return err;
}

/*
 * queue_pieces() (transport.h): @n frames for @to, each @pc[i].hdr's
 * bytes then @pc[i].len bytes at @pc[i].off in @pc[i].page, all queued
 * or none.  By reference unless @copy (then each frame's bytes are
 * copied into its record, as queue() does): the room for the sum of the
 * records, and by reference the budget of pages for the sum of theirs,
 * is checked once, and all go in under one hold of p->lock, so a full
 * ring never cuts a payload in half on the wire (the receiver could
 * only throw the half away, replica_piece.c).  Same rules as queue():
 * never sleeps, never allocates.  By copy that is up to 64 records of
 * 16 KiB, a memcpy of 1 MiB with bottom halves off (some 50-100 us at
 * memory speed), once per payload and only past the lend cap or the
 * page budget: the copy must be inside the lock that makes the frames
 * all or none, and a reservation taken under it and filled after would
 * let the tx work find a record half written.  A ring refusing them
 * asks to grow by their whole size at once (synod_tcp_ring_mark()).
 */
int synod_tcp_queue_pieces(struct synod_transport *t, u32 to,
			   const struct synod_tx_piece *pc, unsigned int n,
			   bool copy)
{
	u32 need = 0, refs = 0, i, pos, word, held, len;
	struct tcp_peer *p;
	bool grow;
	int err;

	if (to >= SYNOD_NODES_MAX || to == t->cfg.self || !n ||
	    n > SYNOD_TX_PIECES_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!pc[i].hdr.iov_len || !pc[i].len ||
		    pc[i].hdr.iov_len + pc[i].len > SYNOD_FRAME_MAX ||
		    WARN_ON_ONCE(PageSlab(pc[i].page) ||
				 !page_count(pc[i].page) ||
				 (size_t)pc[i].off + pc[i].len >
				 page_size(pc[i].page)))
			return -EINVAL;
		held = pc[i].hdr.iov_len;
		if (copy) {
			need += stcp_rec_len(held + pc[i].len);
		} else {
			need += stcp_ref_rec_len(held);
			refs += page_size(pc[i].page);
		}
	}
	p = &t->peers[to];

	spin_lock_bh(&p->lock);
	err = ring_room(p, need, refs);
	for (i = 0; !err && i < n; i++) {
		const struct synod_tx_piece *q = &pc[i];
		struct stcp_ref ref = { .page = q->page, .off = q->off,
					.len = q->len };

		held = q->hdr.iov_len;
		pos = p->head;
		if (copy) {
			len = held + q->len;
			synod_tcp_ring_put(p, pos, &len, sizeof(len));
			pos += sizeof(len);
			synod_tcp_ring_put(p, pos, q->hdr.iov_base, held);
			synod_tcp_ring_put(p, pos + held,
					   page_address(q->page) + q->off,
					   q->len);
			p->head += stcp_rec_len(len);
			continue;
		}
		get_page(q->page);
		word = (held + q->len) | STCP_REC_REF;
		synod_tcp_ring_put(p, pos, &word, sizeof(word));
		synod_tcp_ring_put(p, pos + sizeof(u32), &held, sizeof(held));
		synod_tcp_ring_put(p, pos + 2 * sizeof(u32), &ref, sizeof(ref));
		synod_tcp_ring_put(p, pos + 2 * sizeof(u32) + sizeof(ref),
				   q->hdr.iov_base, held);
		p->head += stcp_ref_rec_len(held);
		p->ref_bytes += page_size(q->page);
	}
	grow = ring_marked(p, err, need);
	spin_unlock_bh(&p->lock);
	ring_refused(p, err, grow);
	return err;
}

/*
 * Test build only (tcp_forge.c, PLANT_PIECES): @n frames @f[i] for @to,
 * each copied into a record as queue() does, all queued or none: the
 * room for the sum is checked once and all go in under one hold of
 * p->lock, so no frame another context queues lands between them and a
 * full ring refuses them all (-EAGAIN, -ENOBUFS, as ring_room()), as
 * queue_pieces() does for a payload's pieces.
 */
int synod_tcp_queue_frames(struct synod_transport *t, u32 to,
			   const struct kvec *f, unsigned int n)
{
	u32 need = 0, pos, len, i;
	struct tcp_peer *p;
	bool grow;
	int err;

	if (!SYNOD_TEST_BUILD)
		return -EOPNOTSUPP;
	if (to >= SYNOD_NODES_MAX || to == t->cfg.self || !n ||
	    n > SYNOD_TX_PIECES_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!f[i].iov_len || f[i].iov_len > SYNOD_FRAME_MAX)
			return -EINVAL;
		need += stcp_rec_len(f[i].iov_len);
	}
	p = &t->peers[to];

	spin_lock_bh(&p->lock);
	err = ring_room(p, need, 0);
	for (i = 0; !err && i < n; i++) {
		len = f[i].iov_len;
		pos = p->head;
		synod_tcp_ring_put(p, pos, &len, sizeof(len));
		synod_tcp_ring_put(p, pos + sizeof(len), f[i].iov_base, len);
		p->head += stcp_rec_len(len);
	}
	grow = ring_marked(p, err, need);
	spin_unlock_bh(&p->lock);
	ring_refused(p, err, grow);
	return err;
}

/*
 * queue(): one frame (the iovs back to back) for @to, for the next
 * push() or the tx work's next round.  Never sleeps or
 * allocates; takes only the peer's ring lock, which nothing holds across
 * an upcall, so it is safe from rx() and link_event().  A record is a
 * u32 length and the payload, padded to 4 bytes so that a length never
 * wraps around the ring's end.
 */
int synod_tcp_queue(struct synod_transport *t, u32 to,
		    const struct kvec *iov, unsigned int niov)
{
	struct tcp_peer *p;
	size_t total = 0;
	u32 need, pos, i;
	bool grow;
	int err;

	if (to >= SYNOD_NODES_MAX || to == t->cfg.self)
		return -EINVAL;
	for (i = 0; i < niov; i++)
		total += iov[i].iov_len;
	if (total > SYNOD_FRAME_MAX)
		return -EMSGSIZE;
	if (!total)
		return -EINVAL;
	p = &t->peers[to];
	need = stcp_rec_len(total);

	spin_lock_bh(&p->lock);
	err = ring_room(p, need, 0);
	if (!err) {
		u32 len = total;

		pos = p->head;
		synod_tcp_ring_put(p, pos, &len, sizeof(len));
		pos += sizeof(len);
		for (i = 0; i < niov; i++) {
			synod_tcp_ring_put(p, pos, iov[i].iov_base,
					   iov[i].iov_len);
			pos += iov[i].iov_len;
		}
		p->head += need;
	}
	grow = ring_marked(p, err, need);
	spin_unlock_bh(&p->lock);
	ring_refused(p, err, grow);
	return err;
}

/* Queue one frame for @to and kick its tx work (transport.h). */
int synod_tcp_send(struct synod_transport *t, u32 to, const struct kvec *iov,
		   unsigned int niov)
{
	int err = synod_tcp_queue(t, to, iov, niov);

	if (!err)
		synod_tcp_tx_kick(&t->peers[to]);
	return err;
}

/*
 * Write what queue() left for each peer from the caller's context, as
 * far as each socket takes it without waiting (tcp_tx.c), so that a
 * frame leaves without queueing a work; the tx work writes the rest.
 * Only tries each peer's send_mutex: if the tx work is writing, it
 * goes on with our frames, behind its own.
 */
void synod_tcp_push(struct synod_transport *t)
{
	struct tcp_peer *p;
	bool queued;
	u32 n;

	might_sleep();
	for_each_set_bit(n, &t->peer_mask, SYNOD_NODES_MAX) {
		p = &t->peers[n];
		spin_lock_bh(&p->lock);
		queued = p->up && p->head != p->tail;
		spin_unlock_bh(&p->lock);
		if (!queued)
			continue;
		if (mutex_trylock(&p->send_mutex)) {
			queued = !synod_tcp_tx_inline(p);
			mutex_unlock(&p->send_mutex);
		}
		if (queued)
			synod_tcp_tx_kick(p);
	}
}
