// SPDX-License-Identifier: GPL-2.0
/*
 * The client side of a link, for the tx work (tcp_tx.c): open the
 * outgoing socket and connect it without blocking, then run the client
 * side of the handshake (tcp_link.c has the picture), and the socket's
 * callbacks, which kick the tx work.  The handshake is the one place a
 * tx work waits: for the server's few records, within STCP_HANDSHAKE_MS,
 * ended at once by stop() (STCP_STOP).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/random.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "tcp_priv.h"

/* data_ready and state_change of the outgoing socket: softirq. */
static void out_wake(struct sock *sk)
{
	struct tcp_peer *p;

	read_lock_bh(&sk->sk_callback_lock);
	p = sk->sk_user_data;
	if (p)
		synod_tcp_tx_kick(p);
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * write_space: kick the work, and let the stock callback clear
 * SOCK_NOSPACE so that TCP does not call us on every ACK.
 */
static void out_write_space(struct sock *sk)
{
	struct tcp_peer *p;

	read_lock_bh(&sk->sk_callback_lock);
	p = sk->sk_user_data;
	if (p) {
		synod_tcp_tx_kick(p);
		p->cbs.write_space(sk);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * The handshake's wait: until a socket event, stop, or @deadline.
 * Returns -EINTR on stop, -ETIMEDOUT past the deadline, else 0.
 */
int synod_tcp_dial_wait(struct tcp_peer *p, unsigned long deadline)
{
	long left = (long)(deadline - jiffies);

	if (stcp_tx_stopping(p))
		return -EINTR;
	if (left <= 0)
		return -ETIMEDOUT;
	wait_event_interruptible_timeout(p->wq,
		test_and_clear_bit(STCP_KICK, &p->flags) ||
		stcp_tx_stopping(p), left);
	return stcp_tx_stopping(p) ? -EINTR : 0;
}

/* Read exactly @len bytes before @deadline. */
static int out_recv(struct tcp_peer *p, u8 *buf, size_t len,
		    unsigned long deadline)
{
	int n, err;

	while (len) {
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
		struct kvec v = { .iov_base = buf, .iov_len = len };

		n = kernel_recvmsg(p->sock, &msg, &v, 1, len, MSG_DONTWAIT);
		if (n > 0) {
			buf += n;
			len -= n;
			continue;
		}
		if (!n)
			return -ECONNRESET;
		if (n != -EAGAIN)
			return n;
		err = synod_tcp_dial_wait(p, deadline);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Where the connect synod_tcp_dial() began is: 0 connected, -EINPROGRESS
 * not yet (the socket's state_change kicks the work), else why not:
 * -ETIMEDOUT once STCP_CONNECT_MS has passed.
 */
int synod_tcp_dialed(struct tcp_peer *p)
{
	struct sock *sk = p->sock->sk;
	int state = READ_ONCE(sk->sk_state);
	int err;

	if (state == TCP_ESTABLISHED)
		return 0;
	err = READ_ONCE(sk->sk_err);
	if (err)
		return -err;
	if (state == TCP_CLOSE)
		return -ECONNREFUSED;
	if (time_after_eq(jiffies, p->tx_deadline))
		return -ETIMEDOUT;
	return -EINPROGRESS;
}

/*
 * Open a socket and begin to connect it to the peer; then as
 * synod_tcp_dialed().  The socket is left in p->sock even on failure, for the
 * caller to close.
 */
int synod_tcp_dial(struct tcp_peer *p)
{
	struct sockaddr_storage addr = p->addr;	/* stable while we run */
	int err;

	err = synod_tcp_sock_new(p->t, addr.ss_family, &p->sock);
	if (err) {
		p->sock = NULL;
		return err;
	}
	synod_tcp_sock_tune(p->sock, p->t->cfg.time_scale);
	err = synod_tcp_bind_source(p->t, p->sock, addr.ss_family);
	if (err) {
		/* e.g. the listen address is gone: say so once, retry */
		if (!p->bind_logged)
			pr_warn("%s/%u: cannot bind the link to node %u to our listen address: %d\n",
				p->t->cfg.cluster, p->t->cfg.self, p->node,
				err);
		p->bind_logged = true;
		return err;
	}
	synod_tcp_sock_attach(p->sock, p, &p->cbs, out_wake, out_write_space);
	err = kernel_connect(p->sock, (struct sockaddr *)&addr,
			     synod_tcp_addr_len(&addr), O_NONBLOCK);
	if (err && err != -EINPROGRESS)
		return err;
	p->tx_deadline = jiffies + stcp_ms(p->t, STCP_CONNECT_MS);
	return synod_tcp_dialed(p);
}

/* Send one handshake record, encoded already. */
static int out_send_rec(struct tcp_peer *p, const u8 *rec)
{
	struct kvec v = { .iov_base = (void *)rec, .iov_len = STCP_HS_LEN };

	return synod_tcp_sendv(p, &v, 1, STCP_HS_LEN, 0, NULL, false, false);
}

/* Send one handshake record. */
static int out_send_hs(struct tcp_peer *p, const struct tcp_hs *m)
{
	u8 rec[STCP_HS_LEN];

	synod_tcp_hs_encode(rec, m);
	return out_send_rec(p, rec);
}

/*
 * Receive one handshake record of type @type into @rec, decoded as @m.
 * A REFUSE from the server is logged (once per reason) and ends the
 * attempt.
 */
static int out_recv_hs(struct tcp_peer *p, u8 *rec, struct tcp_hs *m,
		       u8 type, unsigned long deadline)
{
	int err;

	err = out_recv(p, rec, STCP_HS_LEN, deadline);
	if (err)
		return err;
	if (synod_tcp_hs_decode(rec, m))
		return -EPROTO;
	if (m->type == STCP_HS_REFUSE) {
		synod_tcp_refused_by_peer(p, m->reason);
		return -ECONNREFUSED;
	}
	if (m->type != type)
		return -EPROTO;
	if (type != STCP_HS_HELLO &&
	    (m->from != p->node || m->to != p->t->cfg.self))
		return -EPROTO;
	return 0;
}

/* We refuse the server: count, log, tell it why (best effort). */
static int out_refuse(struct tcp_peer *p, enum synod_refusal why)
{
	struct tcp_hs m = {
		.type = STCP_HS_REFUSE, .reason = why,
		.from = p->t->cfg.self, .to = p->node,
	};

	synod_tcp_refuse(p->t, p->node, why, "outgoing", NULL);
	out_send_hs(p, &m);
	return -ECONNREFUSED;
}

/*
 * Client side of the handshake (tcp_link.c has the picture), within
 * STCP_HANDSHAKE_MS: both sides must show they know the secret before
 * the link counts as up, and the server must confirm the frame key.
 * On success p->mac holds the key for the link version both HELLOs
 * agree on; on failure it may too, and the caller wipes it.
 */
int synod_tcp_dial_handshake(struct tcp_peer *p)
{
	struct synod_transport *t = p->t;
	unsigned long deadline = jiffies + stcp_ms(t, STCP_HANDSHAKE_MS);
	u8 nonce_c[STCP_NONCE_LEN], th[STCP_TH_LEN];
	u8 hello_c[STCP_HS_LEN], rec[STCP_HS_LEN];
	struct tcp_hs m;
	u16 version;
	int why, err;

	get_random_bytes(nonce_c, sizeof(nonce_c));
	err = synod_tcp_hello(t, hello_c, p->node, nonce_c);
	if (!err)
		err = out_send_rec(p, hello_c);
	if (!err)
		err = out_recv_hs(p, rec, &m, STCP_HS_HELLO, deadline);
	if (err)
		goto out_wipe;
	why = synod_tcp_hello_check(t, rec, &m, p->node, &version);
	if (why >= 0) {
		err = out_refuse(p, why);
		goto out_wipe;
	}
	synod_tcp_transcript(hello_c, rec, th);
	/* m.blob is the server's nonce until m is reused below */
	err = synod_tcp_link_key(t, &p->mac, version, nonce_c, m.blob,
				 t->cfg.self, p->node, th);
	if (err)
		goto out_wipe;

	memset(&m, 0, sizeof(m));
	m.type = STCP_HS_PROOF;
	m.from = t->cfg.self;
	m.to = p->node;
	err = synod_tcp_proof(t, m.blob, true, th);
	if (!err)
		err = out_send_hs(p, &m);
	if (!err)
		err = out_recv_hs(p, rec, &m, STCP_HS_PROOF, deadline);
	if (err)
		goto out_wipe;
	if (!synod_tcp_proof_ok(t, m.blob, false, th)) {
		err = out_refuse(p, SYNOD_REFUSED_AUTH);
		goto out_wipe;
	}
	/* The server proved itself: confirm the key our frames will use. */
	p->tx_seq = 0;
	memset(&m, 0, sizeof(m));
	m.type = STCP_HS_READY;
	m.from = t->cfg.self;
	m.to = p->node;
	err = synod_tcp_ready_tag(t, &p->mac, m.blob);
	if (!err)
		err = out_send_hs(p, &m);
out_wipe:
	memzero_explicit(nonce_c, sizeof(nonce_c));
	memzero_explicit(th, sizeof(th));
	memzero_explicit(&m, sizeof(m));
	return err;
}
