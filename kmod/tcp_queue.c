// SPDX-License-Identifier: GPL-2.0
/*
 * The send side's queue: each peer's ring of frames waiting to be
 * written (send() and queue() put them there, never sleeping), and
 * push(), which writes them from the caller's context when the socket
 * takes them at once (tcp_tx.c), waking the peer's tx thread only for
 * what is left.  tcp_priv.h has the locking rule.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/kernel.h>

#include "tcp_priv.h"

/* Copy @len bytes into the ring at free-running offset @pos. */
static void ring_put(struct tcp_peer *p, u32 pos, const void *src, u32 len)
{
	u32 off = pos & (SYNOD_SENDQ_BYTES - 1);
	u32 first = min(len, SYNOD_SENDQ_BYTES - off);

	memcpy(p->ring + off, src, first);
	memcpy(p->ring, src + first, len - first);
}

/*
 * queue(): one frame (the iovs back to back) for @to, for the next
 * push() or the tx thread's next round.  Never sleeps or
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
	int err = 0;

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
	if (!p->up) {
		err = -ENOTCONN;
	} else if (SYNOD_SENDQ_BYTES - (p->head - p->tail) < need) {
		err = -ENOBUFS;
	} else {
		u32 len = total;

		pos = p->head;
		ring_put(p, pos, &len, sizeof(len));
		pos += sizeof(len);
		for (i = 0; i < niov; i++) {
			ring_put(p, pos, iov[i].iov_base, iov[i].iov_len);
			pos += iov[i].iov_len;
		}
		p->head += need;
	}
	spin_unlock_bh(&p->lock);

	if (err == -ENOBUFS)
		atomic64_inc(&p->tx_nobufs);
	else if (err == -ENOTCONN)
		atomic64_inc(&p->tx_notconn);
	return err;
}

/* Wake the tx thread of @p: it has frames to write. */
static void peer_kick(struct tcp_peer *p)
{
	set_bit(STCP_KICK, &p->flags);
	wake_up(&p->wq);
}

/* Queue one frame for @to and wake its tx thread (transport.h). */
int synod_tcp_send(struct synod_transport *t, u32 to, const struct kvec *iov,
		   unsigned int niov)
{
	int err = synod_tcp_queue(t, to, iov, niov);

	if (!err)
		peer_kick(&t->peers[to]);
	return err;
}

/*
 * Write what queue() left for each peer from the caller's context, as
 * far as each socket takes it without waiting (tcp_tx.c), so that a
 * frame leaves without waking a thread; the tx thread writes the rest.
 * Only tries each peer's send_mutex: if the tx thread is writing, it
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
			peer_kick(p);
	}
}
