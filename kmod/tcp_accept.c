// SPDX-License-Identifier: GPL-2.0
/*
 * The server side of a link, for the rx work (tcp_rx.c): the callbacks
 * of the listener and of accepted sockets, which kick the rx work;
 * taking connections from the accept queue and admitting them; and the
 * server side of the handshake (tcp_link.c has the picture), one record
 * at a time as the rx work reads them, never waiting.  It is kept apart
 * from the reading of frames, so that what a connection may hold before
 * it has proved the secret is decided in one place and the frame path
 * stays short.
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
#include <net/sock.h>
#include <net/tcp.h>

#include <crypto/algapi.h>

#include "tcp_priv.h"

/*
 * data_ready of the listener.  Accepted sockets inherit it (and our
 * sk_user_data) until synod_tcp_accept() installs in_wake, so it must
 * ignore anything that is not the listener itself: such a child is
 * serviced right after it is accepted anyway.
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

/* Close a connection still waiting for its HELLO; @rst: reset it. */
void synod_tcp_wait_close(struct tcp_wait *w, bool rst)
{
	if (rst)
		sock_no_linger(w->sock->sk);
	synod_tcp_sock_close(w->sock, &w->cbs);
	w->sock = NULL;
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
		synod_tcp_in_close(t, oldest);
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
		synod_tcp_in_close(t, c);
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
void synod_tcp_wait_service(struct synod_transport *t, struct tcp_wait *w)
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
	synod_tcp_wait_close(w, n != -ECONNREFUSED);
}

/*
 * A handshake record on connection @c must be of @type, from the node
 * the connection named and to us; a REFUSE instead is the client's
 * answer to our HELLO and is counted for that node.
 */
static int in_expect(struct synod_transport *t, struct tcp_in *c,
		     const struct tcp_hs *m, u8 type)
{
	if (m->type == STCP_HS_REFUSE) {
		synod_tcp_refused_by_peer(&t->peers[c->node], m->reason);
		return -ECONNREFUSED;
	}
	if (m->type != type || m->from != c->node || m->to != t->cfg.self)
		return -EPROTO;
	return 0;
}

/*
 * The client's PROOF, after our HELLO (or REFUSE if it did not like
 * our HELLO).  The client proves first, so a client without the secret
 * learns no proof of ours and is counted here.
 */
int synod_tcp_accept_proof(struct synod_transport *t, struct tcp_in *c,
			   const struct tcp_hs *m)
{
	struct tcp_hs r = { .type = STCP_HS_PROOF, .from = t->cfg.self };
	u8 rec[STCP_HS_LEN];
	int err;

	err = in_expect(t, c, m, STCP_HS_PROOF);
	if (err)
		return err;
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
	/* keyed: synod_tcp_in_close() wipes it */
	c->state = STCP_IN_READY;
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
int synod_tcp_accept_ready(struct synod_transport *t, struct tcp_in *c,
			   const struct tcp_hs *m)
{
	u8 want[STCP_NONCE_LEN];
	unsigned int i;
	bool ok;
	int err;

	err = in_expect(t, c, m, STCP_HS_READY);
	if (err)
		return err;
	ok = !synod_tcp_ready_tag(t, &c->mac, want) &&
	     !crypto_memneq(want, m->blob, sizeof(want));
	memzero_explicit(want, sizeof(want));
	if (!ok)
		return in_refuse(t, c, SYNOD_REFUSED_AUTH);
	for (i = 0; i < STCP_IN_MAX; i++) {
		struct tcp_in *o = &t->in[i];

		if (o != c && o->state == STCP_IN_FRAMES && o->node == c->node)
			synod_tcp_in_close(t, o);
	}
	c->state = STCP_IN_FRAMES;
	set_bit(c->node, &t->in_up);
	synod_tcp_logged_reset(t, c->node);
	return 0;
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
		synod_tcp_wait_service(t, oldest);
		if (oldest->sock) {
			atomic64_inc(&t->hs_failed);
			synod_tcp_wait_close(oldest, true);
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
	synod_tcp_wait_service(t, w);
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
bool synod_tcp_accept(struct synod_transport *t, bool *ahead)
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
