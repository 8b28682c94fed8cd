// SPDX-License-Identifier: GPL-2.0
/*
 * The receive side of the TCP transport: one work item per transport,
 * on the host's synod_net_wq (workers.h), that accepts connections and
 * runs the server side of the handshake (tcp_accept.c), reads frames
 * and makes every upcall.  One work item, so that rx() and link_event()
 * of a transport never run concurrently, and may sleep.
 *
 * Everything is non-blocking: socket callbacks (softirq) set STCP_KICK
 * and queue the work, which then services every connection until each
 * would block or has used its budget.  A connection that misbehaves (bad
 * record, frame too long, bad tag, handshake too slow) is closed; the
 * peer will dial again.
 *
 * This file holds the work and its rounds, and the connections past
 * their HELLO (t->in[]): reading them, checking and delivering their
 * frames; and the deadlines and closing of every accepted connection,
 * waiting ones (t->wait[]) included.  Their handshake records
 * it hands to tcp_accept.c, which decides who gets in; what happens to
 * frames once a link is authenticated is decided here alone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/mm.h>
#include <net/sock.h>
#include <net/tcp.h>

#include <crypto/algapi.h>

#include "compat_net.h"
#include "testing.h"
#include "tcp_priv.h"
#include "trace.h"
#include "workers.h"

/* Is @t's transport stopping?  Then the rx work ends its round early. */
static bool rx_stopping(struct synod_transport *t)
{
	return test_bit(STCP_STOP, &t->rx_flags);
}

/*
 * Queue the rx work of @t now: any context.  A kick that finds STCP_KICK
 * set already has a run queued that has not begun (the run clears it
 * first), so it queues nothing; nor does one after stop() began.
 */
void synod_tcp_rx_kick(struct synod_transport *t)
{
	if (test_and_set_bit(STCP_KICK, &t->rx_flags) || rx_stopping(t))
		return;
	mod_delayed_work(synod_net_wq, &t->rx_work, 0);
}

/* Is another authenticated connection from @c's node open? */
static bool in_other_link(struct synod_transport *t, struct tcp_in *c)
{
	unsigned int i;

	for (i = 0; i < STCP_IN_MAX; i++) {
		struct tcp_in *o = &t->in[i];

		if (o != c && o->state == STCP_IN_FRAMES && o->node == c->node)
			return true;
	}
	return false;
}

/*
 * Close a connection past its HELLO and free its slot.  A key made for
 * it is wiped from its transform (tcp_link.c).
 */
void synod_tcp_in_close(struct synod_transport *t, struct tcp_in *c)
{
	if (c->state == STCP_IN_FRAMES && !in_other_link(t, c))
		clear_bit(c->node, &t->in_up);
	if (c->state == STCP_IN_READY || c->state == STCP_IN_FRAMES)
		synod_tcp_link_unkey(&c->mac);
	synod_tcp_sock_close(c->sock, &c->cbs);
	memzero_explicit(c->nonce_c, sizeof(c->nonce_c));
	memzero_explicit(c->nonce_s, sizeof(c->nonce_s));
	c->sock = NULL;
	c->state = STCP_IN_FREE;
	c->have = 0;
	/* a frame placed half: the receiver's memory is reused, unread */
	c->tail = NULL;
	c->tail_at = 0;
	c->tail_len = 0;
	c->tail_have = 0;
}

/* On stop, after the rx work is cancelled: close every connection. */
void synod_tcp_rx_close_all(struct synod_transport *t)
{
	unsigned int i;

	for (i = 0; i < STCP_WAIT_MAX; i++)
		if (t->wait[i].sock)
			synod_tcp_wait_close(&t->wait[i], false);
	for (i = 0; i < STCP_IN_MAX; i++)
		if (t->in[i].state != STCP_IN_FREE)
			synod_tcp_in_close(t, &t->in[i]);
	t->in_up = 0;
}

/* Drop @n bytes from the front of the receive buffer. */
static void in_consume(struct tcp_in *c, u32 n)
{
	if (!n)
		return;
	memmove(c->buf, c->buf + n, c->have - n);
	c->have -= n;
}

/*
 * Check the frame at @hdr, its payload in @v's @nvec pieces (one, whole
 * in the buffer; or two, the second in the receiver's memory, for a
 * frame received in place): its tag first, so that its sequence number
 * can be trusted, then the sequence number.  The MAC is fed the pieces
 * in order (synod_tcp_frame_tag()), so the tag is the one of the frame
 * whole.  0 if it may be delivered; -EKEYREJECTED, counted and logged,
 * if it must be dropped and the connection reset.
 */
static int in_check(struct synod_transport *t, struct tcp_in *c,
		    const u8 *hdr, const struct kvec *v, unsigned int nvec)
{
	u8 want[SYNOD_LINK_TAG_LEN];
	enum synod_reject why;
	int err;

	err = synod_tcp_frame_tag(t, &c->mac, hdr, v, nvec, want);
	if (err)
		return err;
	if (crypto_memneq(want, hdr + STCP_TAGGED, SYNOD_LINK_TAG_LEN)) {
		why = SYNOD_REJECT_MAC;
	} else {
		switch (synod_link_seq(c->rx_seq, get_unaligned_le64(hdr + 8))) {
		case SYNOD_SEQ_OK:
			c->rx_seq++;
			/* an authentic peer sends no flags we do not know */
			return get_unaligned_le32(hdr + 4) ? -EPROTO : 0;
		case SYNOD_SEQ_REPLAY:
			why = SYNOD_REJECT_REPLAY;
			break;
		default:
			why = SYNOD_REJECT_ORDER;
			break;
		}
	}
	synod_tcp_reject(t, c->node, why);
	return -EKEYREJECTED;
}

/*
 * Deliver the whole frames in the buffer, up to @budget of them.  A
 * length over SYNOD_FRAME_MAX means the stream can no longer be
 * trusted: the link is dropped and counted; so is a frame that fails
 * its check (in_check()), before anything of it reaches the replica.
 * Stops early when the node stops being a peer (rx() may have removed
 * it) or on stop.
 */
static int in_frames(struct synod_transport *t, struct tcp_in *c,
		     unsigned int *budget)
{
	u32 off = 0;
	int err = 0;

	while (*budget && c->have - off >= STCP_FRAME_HDR) {
		const u8 *hdr = c->buf + off;
		u32 len = get_unaligned_le32(hdr);
		struct kvec v = { .iov_base = (void *)hdr + STCP_FRAME_HDR,
				  .iov_len = len };
		u64 t0;

		if (!len || len > SYNOD_FRAME_MAX) {
			err = -EMSGSIZE;
			break;
		}
		if (c->have - off - STCP_FRAME_HDR < len)
			break;
		/* the tag check's time, read only while traced */
		t0 = trace_synod_link_rx_enabled() ? ktime_get_ns() : 0;
		err = in_check(t, c, hdr, &v, 1);
		if (err)
			break;
		if (t0)
			t0 = ktime_get_ns() - t0;
		if (!test_bit(c->node, &t->peer_mask)) {
			err = -ECONNRESET;
			break;
		}
		trace_synod_link_rx(t->cfg.cluster, c->node, t->cfg.self,
				    get_unaligned_le64(hdr + 8), len, t0);
		atomic64_inc(&t->rx_frames[c->node]);
		if (SYNOD_TEST_BUILD)
			synod_tcp_forge_rx(t, c->node, hdr + STCP_FRAME_HDR,
					   len, NULL, 0);
		t->cfg.rx(t->cfg.ctx, c->node, hdr + STCP_FRAME_HDR, len);
		off += STCP_FRAME_HDR + len;
		(*budget)--;
		if (rx_stopping(t))
			break;
	}
	if (err == -EMSGSIZE || err == -EPROTO) {
		atomic64_inc(&t->rx_bad);
		pr_warn_ratelimited("%s/%u: bad frame from node %u (%d), dropping link\n",
				    t->cfg.cluster, t->cfg.self, c->node, err);
	}
	in_consume(c, off);
	return err;
}

/* Act on what is buffered: handshake records, then frames. */
static int in_parse(struct synod_transport *t, struct tcp_in *c,
		    unsigned int *budget)
{
	struct tcp_hs m;
	int err;

	while (c->state != STCP_IN_FRAMES) {
		if (c->have < STCP_HS_LEN)
			return 0;
		if (synod_tcp_hs_decode(c->buf, &m))
			return -EPROTO;
		in_consume(c, STCP_HS_LEN);
		if (c->state == STCP_IN_PROOF)
			err = synod_tcp_accept_proof(t, c, &m);
		else
			err = synod_tcp_accept_ready(t, c, &m);
		if (err)
			return err;
	}
	return in_frames(t, c, budget);
}

/*
 * The frame at buf[0] is not whole, and enough of it is still to come
 * (STCP_PLACE_MIN): offer it to the receiver (cfg.rx_place(), contract
 * in transport.h), which may name memory of its own for its bytes past
 * a header it has seen.  Then what of them came already is moved there,
 * and the reads that follow fill it (in_read()).  Nothing of the frame
 * is checked yet but its length, bounded here by SYNOD_FRAME_MAX (with
 * the budget spent, in_frames() may not have looked at it): that is all
 * rx_place() may trust, and the transport checks what it answers
 * against what is in the buffer.
 */
static void in_place(struct synod_transport *t, struct tcp_in *c)
{
	u32 len, got, at = 0;
	u8 *tail;

	if (!t->cfg.rx_place || c->tail || c->state != STCP_IN_FRAMES ||
	    c->have < STCP_FRAME_HDR)
		return;
	len = get_unaligned_le32(c->buf);
	got = c->have - STCP_FRAME_HDR;
	/* whole, or bad: in_frames() delivers or refuses it (its budget) */
	if (!len || len > SYNOD_FRAME_MAX || got >= len ||
	    got < min(len, t->cfg.rx_head) || len - got < STCP_PLACE_MIN)
		return;
	tail = t->cfg.rx_place(t->cfg.ctx, c->node, c->buf + STCP_FRAME_HDR,
			       len, &at);
	if (!tail)
		return;
	if (WARN_ON_ONCE(at > t->cfg.rx_head || at > got))
		return;
	c->tail = tail;
	c->tail_at = at;
	c->tail_len = len - at;
	c->tail_have = got - at;
	memcpy(tail, c->buf + STCP_FRAME_HDR + at, c->tail_have);
	c->have = STCP_FRAME_HDR + at;
}

/*
 * Read what the socket has for @c: with a frame placed, the rest of its
 * bytes into the receiver's memory and, in the same call, the header of
 * the frame after (at most rx_head bytes of it, so that a long one is
 * placed in turn with little to move); else as much as the buffer takes.
 * The count of bytes read, or a negative errno (-EAGAIN: nothing now).
 */
static int in_read(struct synod_transport *t, struct tcp_in *c)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	struct kvec v[2];
	unsigned int nv = 0;
	u32 room = STCP_IN_BUF - c->have;
	int n;

	if (c->tail) {
		/* buf: the placed frame's head, then the next one's */
		u32 next = STCP_FRAME_HDR + c->tail_at;

		v[nv].iov_base = c->tail + c->tail_have;
		v[nv++].iov_len = c->tail_len - c->tail_have;
		room = min(room, next + STCP_FRAME_HDR + t->cfg.rx_head -
				 c->have);
	}
	if (room) {
		v[nv].iov_base = c->buf + c->have;
		v[nv++].iov_len = room;
	}
	if (WARN_ON_ONCE(!nv || !v[0].iov_len))
		return -EOVERFLOW;
	if (c->state == STCP_IN_FRAMES)
		atomic64_inc(&t->rx_reads);
	n = kernel_recvmsg(c->sock, &msg, v, nv, v[0].iov_len +
			   (nv > 1 ? v[1].iov_len : 0), MSG_DONTWAIT);
	if (n <= 0)
		return n;
	if (c->tail) {
		u32 k = min_t(u32, n, c->tail_len - c->tail_have);

		c->tail_have += k;
		c->have += n - k;
	} else {
		c->have += n;
	}
	return n;
}

/*
 * The frame placed at @c->tail is whole: check it as in_frames() does
 * a frame in the buffer, its payload in two pieces, and give it to the
 * receiver (cfg.rx_placed()).  On a bad tag or sequence the receiver
 * is never told: its memory holds bytes nobody will read, and the
 * connection is reset.
 */
static int in_placed(struct synod_transport *t, struct tcp_in *c,
		     unsigned int *budget)
{
	const u8 *hdr = c->buf;
	u32 len = c->tail_at + c->tail_len;
	struct kvec v[2] = {
		{ .iov_base = c->buf + STCP_FRAME_HDR, .iov_len = c->tail_at },
		{ .iov_base = c->tail, .iov_len = c->tail_len },
	};
	u64 t0;
	int err;

	if (SYNOD_TEST_BUILD)
		synod_tcp_forge_rx_tail(t, c->node, c->tail, c->tail_len);
	t0 = trace_synod_link_rx_enabled() ? ktime_get_ns() : 0;
	err = in_check(t, c, hdr, v, 2);
	if (err) {
		if (err == -EPROTO) {
			atomic64_inc(&t->rx_bad);
			pr_warn_ratelimited("%s/%u: bad frame from node %u (%d), dropping link\n",
					    t->cfg.cluster, t->cfg.self,
					    c->node, err);
		}
		return err;
	}
	if (t0)
		t0 = ktime_get_ns() - t0;
	if (!test_bit(c->node, &t->peer_mask))
		return -ECONNRESET;
	trace_synod_link_rx(t->cfg.cluster, c->node, t->cfg.self,
			    get_unaligned_le64(hdr + 8), len, t0);
	atomic64_inc(&t->rx_frames[c->node]);
	atomic64_inc(&t->rx_placed);
	if (SYNOD_TEST_BUILD)
		synod_tcp_forge_rx(t, c->node, hdr + STCP_FRAME_HDR, c->tail_at,
				   c->tail, c->tail_len);
	t->cfg.rx_placed(t->cfg.ctx, c->node, hdr + STCP_FRAME_HDR,
			 c->tail_at, c->tail, c->tail_len);
	c->tail = NULL;
	in_consume(c, STCP_FRAME_HDR + c->tail_at);
	(*budget)--;
	return 0;
}

/*
 * Read and act on one connection until it would block.  Returns true if
 * it stopped on its budget and needs another round.  A frame placed
 * (in_place()) is delivered once its last byte is in; until then the
 * buffer holds its header and nothing is parsed.
 */
static bool in_service(struct synod_transport *t, struct tcp_in *c)
{
	unsigned int budget = STCP_RX_BUDGET;
	int n;

	for (;;) {
		if (c->tail && c->tail_have == c->tail_len) {
			n = in_placed(t, c, &budget);
			if (n)
				break;
		}
		if (!c->tail) {
			n = in_parse(t, c, &budget);
			if (n)
				break;
			in_place(t, c);
		}
		if (!budget || rx_stopping(t))
			return true;
		if (WARN_ON_ONCE(c->have >= STCP_IN_BUF && !c->tail)) {
			n = -EOVERFLOW;
			break;
		}
		n = in_read(t, c);
		if (n == -EAGAIN)
			return false;
		if (n <= 0) {
			n = n ? n : -ECONNRESET;
			break;
		}
	}
	if (c->state != STCP_IN_FRAMES && n != -ECONNREFUSED)
		atomic64_inc(&t->hs_failed);
	/* A rejected frame: reset (RST), so the sender notices at once. */
	if (n == -EKEYREJECTED)
		sock_no_linger(c->sock->sk);
	synod_tcp_in_close(t, c);
	return false;
}

/*
 * Close what took too long: connections without a HELLO after
 * STCP_HELLO_MS, handshakes after STCP_HANDSHAKE_MS; and links of
 * removed nodes.  Returns whether a deadline is still ahead (a
 * connection waits for its HELLO or is in its handshake).
 */
static bool rx_reap(struct synod_transport *t)
{
	unsigned long hello = stcp_ms(t, STCP_HELLO_MS);
	bool ahead = false;
	unsigned int i;

	for (i = 0; i < STCP_WAIT_MAX; i++) {
		struct tcp_wait *w = &t->wait[i];

		if (w->sock && time_after(jiffies, w->accepted_at + hello)) {
			atomic64_inc(&t->hs_failed);
			synod_tcp_wait_close(w, true);
		}
		ahead |= !!w->sock;
	}
	for (i = 0; i < STCP_IN_MAX; i++) {
		struct tcp_in *c = &t->in[i];

		if (c->state == STCP_IN_FREE)
			continue;
		if (c->state != STCP_IN_FRAMES &&
		    time_after(jiffies, c->deadline)) {
			atomic64_inc(&t->hs_failed);
			synod_tcp_in_close(t, c);
		} else if (!test_bit(c->node, &t->peer_mask)) {
			/* removed: its slots are for the peers there are */
			synod_tcp_in_close(t, c);
		}
		ahead |= c->state != STCP_IN_FREE && c->state != STCP_IN_FRAMES;
	}
	return ahead;
}

/*
 * Report outgoing link changes.  A tx work bumps its peer's link_gen
 * at each up (to odd) and down (to even); comparing with what was last
 * reported turns any sequence, even a flap we slept through, into a
 * correct down/up pair.
 */
static void rx_report_links(struct synod_transport *t)
{
	u32 n;

	for (n = 0; n < SYNOD_NODES_MAX; n++) {
		int gen = atomic_read(&t->peers[n].link_gen);
		int old = t->reported_gen[n];

		if (gen == old)
			continue;
		t->reported_gen[n] = gen;
		if (old & 1)
			t->cfg.link_event(t->cfg.ctx, n, false);
		if (gen & 1)
			t->cfg.link_event(t->cfg.ctx, n, true);
	}
}

/*
 * One round: waiting connections first (a HELLO that arrived gets its
 * slot before newcomers are looked at), then new connections, then the
 * slots, then deadlines.  Returns true if a connection stopped on its
 * budget, or accepting did, and needs another round; *@ahead: a
 * handshake deadline is ahead (rx_reap()).
 */
static bool rx_round(struct synod_transport *t, bool *ahead)
{
	unsigned int i;
	bool more = false, retry = false;

	rx_report_links(t);
	for (i = 0; i < STCP_WAIT_MAX; i++)
		if (t->wait[i].sock)
			synod_tcp_wait_service(t, &t->wait[i]);
	more = synod_tcp_accept(t, &retry);
	for (i = 0; i < STCP_IN_MAX && !rx_stopping(t); i++)
		if (t->in[i].state != STCP_IN_FREE)
			more |= in_service(t, &t->in[i]);
	/* every frame that had come is given: their effects are due */
	t->cfg.rx_done(t->cfg.ctx);
	*ahead = rx_reap(t) || retry;
	return more;
}

/*
 * The rx work: one round, then again at once if a connection used its
 * budget or more connections wait to be accepted, else within 500 ms
 * while a handshake deadline is ahead, else when kicked: an idle
 * transport's work does not run at all.  stop() cancels it.
 * It brings the acknowledgements the disk's writes wait for, so
 * whatever it allocates (accepted sockets, the replica's netlink
 * events) must not wait for that disk's writeback.
 */
void synod_tcp_rx_work(struct work_struct *work)
{
	struct synod_transport *t = container_of(to_delayed_work(work),
						 struct synod_transport,
						 rx_work);
	unsigned int noio;
	bool more, ahead;

	/*
	 * Kicks from now on queue another run.  Ordered before what the
	 * round reads unlocked (link_gen, sockets' states), against a
	 * kicker that changes it and then finds the bit still set.
	 */
	clear_bit(STCP_KICK, &t->rx_flags);
	smp_mb__after_atomic();	/* against a kicker's test_and_set_bit() */
	if (rx_stopping(t))
		return;
	noio = memalloc_noio_save();
	more = rx_round(t, &ahead);
	memalloc_noio_restore(noio);
	if (rx_stopping(t))
		return;
	if (more)
		mod_delayed_work(synod_net_wq, &t->rx_work, 0);
	else if (ahead)
		queue_delayed_work(synod_net_wq, &t->rx_work, HZ / 2);
}
