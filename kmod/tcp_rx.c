// SPDX-License-Identifier: GPL-2.0
/*
 * The receive side of the TCP transport: one work item per transport,
 * on the host's synod_net_wq (workers.h), that accepts connections, runs
 * the server side of the handshake, reads frames and makes every upcall.
 * One work item, so that rx() and link_event() of a transport never run
 * concurrently, and may sleep.
 *
 * Everything is non-blocking: socket callbacks (softirq) set STCP_KICK
 * and queue the work, which then services every connection until each
 * would block or has used its budget.  A connection that misbehaves (bad
 * record, frame too long, bad tag, handshake too slow) is closed; the
 * peer will dial again.
 *
 * Admission, in two steps so that no one without the secret can hold
 * what a peer needs: a connection from a peer's address first waits,
 * as a bare socket (t->wait[]), for its HELLO; only a HELLO whose tag
 * shows the secret moves it to a slot with a buffer (t->in[]).  A slot
 * is given up only for another connection whose HELLO showed the secret
 * too, never for one that has not.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/random.h>
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

/*
 * data_ready of the listener.  Accepted sockets inherit it (and our
 * sk_user_data) until rx_accept() installs in_wake, so it must ignore
 * anything that is not the listener itself: such a child is serviced
 * right after it is accepted anyway.
 */
void synod_tcp_listen_ready(struct sock *sk)
{
	struct synod_transport *t;

	read_lock_bh(&sk->sk_callback_lock);
	t = sk->sk_user_data;
	if (t && sk->sk_state == TCP_LISTEN)
		synod_tcp_rx_kick(t);
	read_unlock_bh(&sk->sk_callback_lock);
}

/* data_ready and state_change of an accepted socket. */
static void in_wake(struct sock *sk)
{
	struct synod_transport *t;

	read_lock_bh(&sk->sk_callback_lock);
	t = sk->sk_user_data;
	if (t)
		synod_tcp_rx_kick(t);
	read_unlock_bh(&sk->sk_callback_lock);
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
static void in_close(struct synod_transport *t, struct tcp_in *c)
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
}

/* Close a connection still waiting for its HELLO; @rst: reset it. */
static void wait_close(struct tcp_wait *w, bool rst)
{
	if (rst)
		sock_no_linger(w->sock->sk);
	synod_tcp_sock_close(w->sock, &w->cbs);
	w->sock = NULL;
}

/* On stop, after the rx work is cancelled: close every connection. */
void synod_tcp_rx_close_all(struct synod_transport *t)
{
	unsigned int i;

	for (i = 0; i < STCP_WAIT_MAX; i++)
		if (t->wait[i].sock)
			wait_close(&t->wait[i], false);
	for (i = 0; i < STCP_IN_MAX; i++)
		if (t->in[i].state != STCP_IN_FREE)
			in_close(t, &t->in[i]);
	t->in_up = 0;
}

/*
 * Send a handshake record without blocking.  Records are small and the
 * socket is fresh, so a short write means the peer is not reading: an
 * error, the connection is closed.
 */
static int sock_send_rec(struct socket *sock, const u8 *buf)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct kvec v = { .iov_base = (void *)buf, .iov_len = STCP_HS_LEN };
	int n;

	n = kernel_sendmsg(sock, &msg, &v, 1, STCP_HS_LEN);
	if (n < 0)
		return n;
	return n == STCP_HS_LEN ? 0 : -EAGAIN;
}

/* Where @sock comes from, for the log; NULL if it cannot be read. */
static const struct sockaddr_storage *sock_src(struct socket *sock,
					       struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (kernel_getpeername(sock, (struct sockaddr *)ss) < 0)
		return NULL;
	return ss;
}

/* Tell the client why it is refused (best effort). */
static int send_refuse(struct synod_transport *t, struct socket *sock,
		       u32 node, enum synod_refusal why)
{
	struct tcp_hs m = {
		.type = STCP_HS_REFUSE, .reason = why,
		.from = t->cfg.self, .to = node,
	};
	u8 rec[STCP_HS_LEN];

	synod_tcp_hs_encode(rec, &m);
	sock_send_rec(sock, rec);
	return -ECONNREFUSED;
}

/* Count and log a refusal of a connection past its HELLO, tell it why. */
static int in_refuse(struct synod_transport *t, struct tcp_in *c,
		     enum synod_refusal why)
{
	struct sockaddr_storage ss;

	synod_tcp_refuse(t, c->node, why, "incoming", sock_src(c->sock, &ss));
	return send_refuse(t, c->sock, c->node, why);
}

/*
 * A slot for a connection from the peers @mask whose HELLO showed the
 * secret.  Each source address holds at most as many such handshakes as
 * peers live there: past that, the one accepted first is given up (a
 * peer dials again only once it has given up on its last attempt, and a
 * replayed HELLO gets no further than PROOF).  Authenticated links are
 * never given up here.  NULL if no slot is free, which the bound on
 * handshakes per address and one link per node rule out unless peers
 * moved between addresses while handshakes were under way.
 */
static struct tcp_in *in_slot(struct synod_transport *t, u32 mask)
{
	struct tcp_in *free = NULL, *oldest = NULL;
	/* pairs with the release in synod_tcp_slots_grow() */
	unsigned int i, held = 0, ready = smp_load_acquire(&t->in_ready);

	for (i = 0; i < ready; i++) {
		struct tcp_in *c = &t->in[i];

		if (c->state == STCP_IN_FREE) {
			free = free ?: c;
			continue;
		}
		if (c->state == STCP_IN_FRAMES || !(c->src_mask & mask))
			continue;
		held++;
		if (!oldest || time_before(c->accepted_at, oldest->accepted_at))
			oldest = c;
	}
	if (oldest && held >= hweight32(mask)) {
		atomic64_inc(&t->hs_failed);
		in_close(t, oldest);
		return oldest;
	}
	return free;
}

/*
 * The client's HELLO, record @rec, arrived on waiting connection @w:
 * judge it (synod_tcp_hello_check(); the node it claims must also live
 * at the connection's source) and refuse it, or move the connection to
 * a slot and answer with our HELLO.  Refusals of a node configured at
 * this address are counted against it; anything else is a stranger's.
 * Also "other cluster" and "no common link version", which come before
 * the tag is checked (another cluster may have another secret): the
 * connection came from that node's own address, and what an unsigned
 * claim from there can do is raise that node's refusal counters and log
 * one line per reason, which decide nothing, while the administrator
 * learns which peer is misconfigured and how.
 * Returns 0 when @w was moved, else an error and @w is to be closed.
 */
static int wait_hello(struct synod_transport *t, struct tcp_wait *w,
		      const u8 *rec)
{
	struct sockaddr_storage ss;
	struct tcp_hs m;
	struct tcp_in *c;
	u8 ours[STCP_HS_LEN];
	u16 version = 0;
	int why, err;

	if (synod_tcp_hs_decode(rec, &m) || m.type != STCP_HS_HELLO)
		return -EPROTO;
	why = synod_tcp_hello_check(t, rec, &m, STCP_UNKNOWN, &version);
	if (m.from >= SYNOD_NODES_MAX || !(w->src_mask & BIT(m.from))) {
		/* a stranger's claim, however good its tag: not counted
		 * against the node it names */
		if (why < 0)
			why = SYNOD_REFUSED_ADDR;
		synod_tcp_refuse_stranger(t, why, sock_src(w->sock, &ss),
					  m.from);
		return send_refuse(t, w->sock, m.from, why);
	}
	if (why >= 0) {
		synod_tcp_refuse(t, m.from, why, "incoming",
				 sock_src(w->sock, &ss));
		return send_refuse(t, w->sock, m.from, why);
	}
	c = in_slot(t, w->src_mask);
	if (!c) {
		atomic64_inc(&t->in_overflow);
		pr_warn_ratelimited("%s/%u: no slot for node %u's connection\n",
				    t->cfg.cluster, t->cfg.self, m.from);
		return -ENOSPC;
	}
	c->sock = w->sock;
	c->cbs = w->cbs;
	c->src_mask = w->src_mask;
	c->accepted_at = w->accepted_at;
	c->node = m.from;
	c->version = version;
	c->have = 0;
	c->state = STCP_IN_PROOF;
	w->sock = NULL;
	c->deadline = jiffies + stcp_ms(t, STCP_HANDSHAKE_MS);
	memcpy(c->nonce_c, m.blob, STCP_NONCE_LEN);
	get_random_bytes(c->nonce_s, STCP_NONCE_LEN);
	err = synod_tcp_hello(t, ours, c->node, c->nonce_s);
	if (!err)
		err = sock_send_rec(c->sock, ours);
	if (err) {
		atomic64_inc(&t->hs_failed);
		in_close(t, c);
		return 0;
	}
	synod_tcp_transcript(rec, ours, c->th);
	return 0;
}

/*
 * Read the HELLO of waiting connection @w once all of it is there
 * (peeked first, so nothing is taken from the socket before), and act on
 * it.  Closes @w on EOF, error or refusal.
 */
static void wait_service(struct synod_transport *t, struct tcp_wait *w)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	u8 rec[STCP_HS_LEN];
	struct kvec v = { .iov_base = rec, .iov_len = sizeof(rec) };
	int n;

	n = kernel_recvmsg(w->sock, &msg, &v, 1, sizeof(rec),
			   MSG_DONTWAIT | MSG_PEEK);
	if (n == -EAGAIN || (n > 0 && n < sizeof(rec)))
		return;
	if (n == sizeof(rec)) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_flags = MSG_DONTWAIT;
		n = kernel_recvmsg(w->sock, &msg, &v, 1, sizeof(rec),
				   MSG_DONTWAIT);
	}
	if (n == sizeof(rec)) {
		n = wait_hello(t, w, rec);
		if (!n)
			return;
	}
	if (n != -ECONNREFUSED)
		atomic64_inc(&t->hs_failed);
	wait_close(w, n != -ECONNREFUSED);
}

/*
 * The client's PROOF, after our HELLO (or REFUSE if it did not like
 * our HELLO).  The client proves first, so a client without the secret
 * learns no proof of ours and is counted here.
 */
static int in_proof(struct synod_transport *t, struct tcp_in *c,
		    const struct tcp_hs *m)
{
	struct tcp_hs r = { .type = STCP_HS_PROOF, .from = t->cfg.self };
	u8 rec[STCP_HS_LEN];
	int err;

	if (m->type == STCP_HS_REFUSE) {
		synod_tcp_refused_by_peer(&t->peers[c->node], m->reason);
		return -ECONNREFUSED;
	}
	if (m->type != STCP_HS_PROOF || m->from != c->node ||
	    m->to != t->cfg.self)
		return -EPROTO;
	if (!synod_tcp_proof_ok(t, m->blob, true, c->th))
		return in_refuse(t, c, SYNOD_REFUSED_AUTH);
	r.to = c->node;
	err = synod_tcp_proof(t, r.blob, false, c->th);
	/* The client proved itself: key its frames on this connection. */
	if (!err)
		err = synod_tcp_link_key(t, &c->mac, c->version, c->nonce_c,
					 c->nonce_s, c->node, t->cfg.self,
					 c->th);
	memzero_explicit(c->nonce_c, sizeof(c->nonce_c));
	memzero_explicit(c->nonce_s, sizeof(c->nonce_s));
	c->rx_seq = 0;
	c->state = STCP_IN_READY;	/* keyed: in_close() wipes it */
	if (err)
		return err;
	synod_tcp_hs_encode(rec, &r);
	return sock_send_rec(c->sock, rec);
}

/*
 * READY: the client accepted our proof and shows the frame key it
 * derived; frames follow.  This becomes the node's incoming link; an
 * older one from the same node is closed, since the peer dials again
 * only when it has given up on the old one.
 */
static int in_ready(struct synod_transport *t, struct tcp_in *c,
		    const struct tcp_hs *m)
{
	u8 want[STCP_NONCE_LEN];
	unsigned int i;
	bool ok;

	if (m->type == STCP_HS_REFUSE) {
		synod_tcp_refused_by_peer(&t->peers[c->node], m->reason);
		return -ECONNREFUSED;
	}
	if (m->type != STCP_HS_READY || m->from != c->node ||
	    m->to != t->cfg.self)
		return -EPROTO;
	ok = !synod_tcp_ready_tag(t, &c->mac, want) &&
	     !crypto_memneq(want, m->blob, sizeof(want));
	memzero_explicit(want, sizeof(want));
	if (!ok)
		return in_refuse(t, c, SYNOD_REFUSED_AUTH);
	for (i = 0; i < STCP_IN_MAX; i++) {
		struct tcp_in *o = &t->in[i];

		if (o != c && o->state == STCP_IN_FRAMES && o->node == c->node)
			in_close(t, o);
	}
	c->state = STCP_IN_FRAMES;
	set_bit(c->node, &t->in_up);
	synod_tcp_logged_reset(t, c->node);
	return 0;
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
 * Check the frame at @hdr (whole in the buffer, payload @len bytes):
 * its tag first, so that its sequence number can be trusted, then the
 * sequence number.  0 if it may be delivered; -EKEYREJECTED, counted
 * and logged, if it must be dropped and the connection reset.
 */
static int in_check(struct synod_transport *t, struct tcp_in *c,
		    const u8 *hdr, u32 len)
{
	struct kvec v = { .iov_base = (void *)hdr + STCP_FRAME_HDR,
			  .iov_len = len };
	u8 want[SYNOD_LINK_TAG_LEN];
	enum synod_reject why;
	int err;

	err = synod_tcp_frame_tag(t, &c->mac, hdr, &v, 1, want);
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
		u64 t0;

		if (!len || len > SYNOD_FRAME_MAX) {
			err = -EMSGSIZE;
			break;
		}
		if (c->have - off - STCP_FRAME_HDR < len)
			break;
		/* the tag check's time, read only while traced */
		t0 = trace_synod_link_rx_enabled() ? ktime_get_ns() : 0;
		err = in_check(t, c, hdr, len);
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
					   len);
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
			err = in_proof(t, c, &m);
		else
			err = in_ready(t, c, &m);
		if (err)
			return err;
	}
	return in_frames(t, c, budget);
}

/*
 * Read and act on one connection until it would block.  Returns true if
 * it stopped on its budget and needs another round.
 */
static bool in_service(struct synod_transport *t, struct tcp_in *c)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	unsigned int budget = STCP_RX_BUDGET;
	struct kvec v;
	int n;

	for (;;) {
		n = in_parse(t, c, &budget);
		if (n)
			break;
		if (!budget || rx_stopping(t))
			return true;
		if (WARN_ON_ONCE(c->have >= STCP_IN_BUF)) {
			n = -EOVERFLOW;
			break;
		}
		v.iov_base = c->buf + c->have;
		v.iov_len = STCP_IN_BUF - c->have;
		n = kernel_recvmsg(c->sock, &msg, &v, 1, v.iov_len,
				   MSG_DONTWAIT);
		if (n == -EAGAIN)
			return false;
		if (n <= 0) {
			n = n ? n : -ECONNRESET;
			break;
		}
		c->have += n;
	}
	if (c->state != STCP_IN_FRAMES && n != -ECONNREFUSED)
		atomic64_inc(&t->hs_failed);
	/* A rejected frame: reset (RST), so the sender notices at once. */
	if (n == -EKEYREJECTED)
		sock_no_linger(c->sock->sk);
	in_close(t, c);
	return false;
}

/*
 * The configured peers whose address is @src: a bitmask of node ids, 0
 * for a stranger.  Under addr_lock: set_peer() may move a peer meanwhile.
 */
static u32 src_peers(struct synod_transport *t,
		     const struct sockaddr_storage *src)
{
	u32 n, mask = 0;

	spin_lock_bh(&t->addr_lock);
	for (n = 0; n < SYNOD_NODES_MAX; n++)
		if (test_bit(n, &t->peer_mask) &&
		    synod_tcp_same_host(src, &t->peers[n].addr))
			mask |= BIT(n);
	spin_unlock_bh(&t->addr_lock);
	return mask;
}

/*
 * Room to wait for the HELLO of a connection from the peers @mask: each
 * source address may have STCP_WAIT_PER_PEER waiting per peer living
 * there; past that its oldest is closed, after a last look at whether
 * its HELLO came meanwhile.  NULL only if every entry is taken, which
 * the per-address bound rules out unless peers moved meanwhile.
 */
static struct tcp_wait *wait_slot(struct synod_transport *t, u32 mask)
{
	struct tcp_wait *free = NULL, *oldest = NULL;
	unsigned int i, held = 0;

	for (i = 0; i < STCP_WAIT_MAX; i++) {
		struct tcp_wait *w = &t->wait[i];

		if (!w->sock) {
			free = free ?: w;
			continue;
		}
		if (!(w->src_mask & mask))
			continue;
		held++;
		if (!oldest || time_before(w->accepted_at, oldest->accepted_at))
			oldest = w;
	}
	if (oldest && held >= STCP_WAIT_PER_PEER * hweight32(mask)) {
		wait_service(t, oldest);
		if (oldest->sock) {
			atomic64_inc(&t->hs_failed);
			wait_close(oldest, true);
		}
		return oldest;
	}
	return free;
}

/* Turn an accepted socket away at once (RST), giving it nothing. */
static void in_turn_away(struct synod_transport *t, struct socket *sock)
{
	struct tcp_cbs cbs = { .data_ready = t->listen_cbs.data_ready };

	synod_tcp_sock_attach(sock, t, &cbs, in_wake, NULL);
	sock_no_linger(sock->sk);
	synod_tcp_sock_close(sock, &cbs);
}

/*
 * Put accepted socket @sock from the peers @mask to wait for its HELLO,
 * and look at once whether the HELLO is there.
 */
static void wait_add(struct synod_transport *t, struct socket *sock,
		     u32 mask)
{
	struct tcp_wait *w = wait_slot(t, mask);

	if (!w) {
		atomic64_inc(&t->in_overflow);
		pr_warn_ratelimited("%s/%u: no room for another incoming connection\n",
				    t->cfg.cluster, t->cfg.self);
		in_turn_away(t, sock);
		return;
	}
	sock->sk->sk_allocation = GFP_NOIO;
	synod_tcp_sock_tune(sock, t->cfg.time_scale);
	w->cbs = (struct tcp_cbs){ .data_ready = t->listen_cbs.data_ready };
	synod_tcp_sock_attach(sock, t, &w->cbs, in_wake, NULL);
	w->sock = sock;
	w->src_mask = mask;
	w->accepted_at = jiffies;
	wait_service(t, w);
}

/*
 * Take pending connections, at most STCP_ACCEPT_BUDGET per round so
 * that a full accept queue cannot keep the work from peers' frames
 * (another round follows at once).  A connection from a configured
 * peer's address waits for its HELLO; every other source is turned away
 * at once, counted as a stranger's refusal, so that strangers cannot
 * hold anything peers need.  A connection whose address cannot be read
 * (reset before we got to it) is turned away uncounted.
 */
static bool rx_accept(struct synod_transport *t, bool *ahead)
{
	struct sockaddr_storage src;
	unsigned int budget = STCP_ACCEPT_BUDGET;
	struct socket *sock;
	u32 mask;

	while (budget--) {
		int err = kernel_accept(t->listen, &sock, O_NONBLOCK);

		/* not for want of one: look again within 500 ms */
		if (err) {
			*ahead |= err != -EAGAIN;
			return false;
		}
		if (!sock_src(sock, &src)) {
			in_turn_away(t, sock);
			continue;
		}
		mask = src_peers(t, &src);
		if (!mask) {
			synod_tcp_refuse_stranger(t, SYNOD_REFUSED_ADDR, &src,
						  STCP_UNKNOWN);
			in_turn_away(t, sock);
			continue;
		}
		wait_add(t, sock, mask);
	}
	return true;	/* budget spent: another round */
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
			wait_close(w, true);
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
			in_close(t, c);
		} else if (!test_bit(c->node, &t->peer_mask)) {
			/* removed: its slots are for the peers there are */
			in_close(t, c);
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
			wait_service(t, &t->wait[i]);
	more = rx_accept(t, &retry);
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
