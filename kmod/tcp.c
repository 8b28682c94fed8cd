// SPDX-License-Identifier: GPL-2.0
/*
 * The TCP transport: synod_tcp_ops, its lifecycle (create, start, stop,
 * destroy, set_peer), and the socket plumbing both works share.
 * tcp_queue.c queues, tcp_tx.c sends, tcp_dial.c dials, tcp_rx.c
 * receives, tcp_accept.c admits, tcp_link.c is the handshake;
 * tcp_priv.h says who owns what.
 *
 * Every node dials each peer once and sends all its frames on that
 * connection; it receives only on connections it accepted.  So a pair of
 * nodes has two one-way connections and never has to decide which of two
 * crossing connections survives.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kmod.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/vmalloc.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat_net.h"
#include "testing.h"
#include "tcp_priv.h"
#include "workers.h"

/* Length of a sockaddr of @ss's family, or -EAFNOSUPPORT. */
int synod_tcp_addr_len(const struct sockaddr_storage *ss)
{
	switch (ss->ss_family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	default:
		return -EAFNOSUPPORT;
	}
}

/*
 * Do @a and @b name the same host (port ignored)?  An IPv4 address and
 * its IPv4-mapped IPv6 form are the same (a dual-stack listener sees
 * IPv4 peers that way).
 */
bool synod_tcp_same_host(const struct sockaddr_storage *a,
			 const struct sockaddr_storage *b)
{
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;

	if (a->ss_family == AF_INET6 && b->ss_family == AF_INET6)
		return ipv6_addr_equal(&a6->sin6_addr, &b6->sin6_addr);
	if (a->ss_family == AF_INET && b->ss_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->ss_family == AF_INET6 && b->ss_family == AF_INET)
		return ipv6_addr_v4mapped(&a6->sin6_addr) &&
		       a6->sin6_addr.s6_addr32[3] == b4->sin_addr.s_addr;
	if (a->ss_family == AF_INET && b->ss_family == AF_INET6)
		return synod_tcp_same_host(b, a);
	return false;
}

/*
 * Make an outgoing socket leave from the address we listen on, when
 * that is a specific address of @family: peers give listen slots only
 * to the addresses they have configured for us (tcp_accept.c), and a
 * multi-homed host would otherwise pick its source by route.  With
 * IP_BIND_ADDRESS_NO_PORT the port is chosen at connect(), as without a
 * bind.  Nothing is bound when we listen on the wildcard or on the other
 * family than the peer's address: the route picks the source then.
 */
int synod_tcp_bind_source(struct synod_transport *t, struct socket *sock,
			  int family)
{
	struct sockaddr_storage src = t->cfg.listen;
	struct sockaddr_in6 *s6 = (void *)&src;
	struct sockaddr_in *s4 = (void *)&src;

	if (src.ss_family != family)
		return 0;
	if (family == AF_INET) {
		if (s4->sin_addr.s_addr == htonl(INADDR_ANY))
			return 0;
		s4->sin_port = 0;
	} else if (family == AF_INET6) {
		if (ipv6_addr_any(&s6->sin6_addr))
			return 0;
		s6->sin6_port = 0;
	} else {
		return 0;
	}
	synod_sock_bind_no_port(sock->sk);
	return kernel_bind(sock, (struct sockaddr *)&src,
			   synod_tcp_addr_len(&src));
}

/*
 * A kernel TCP socket in the transport's namespace.  Kernel sockets hold
 * no reference on the namespace: the owner must stop() before it dies.
 * GFP_NOIO because the replica writes to the network on behalf of block
 * I/O: reclaim must not recurse into it.  Without __GFP_FS it also keeps
 * sk_page_frag() on the socket's own fragment, never the writing task's,
 * so push() may write from any thread of ours.
 */
int synod_tcp_sock_new(struct synod_transport *t, int family,
		       struct socket **res)
{
	int err;

	err = sock_create_kern(t->cfg.net, family, SOCK_STREAM, IPPROTO_TCP,
			       res);
	if (err)
		return err;
	(*res)->sk->sk_allocation = GFP_NOIO;
	return 0;
}

/*
 * Options of a connected socket: no Nagle delay for small consensus
 * frames, and keepalive plus a user timeout so that a peer that vanished
 * (cable, link down, crash) is noticed in about 4 s (times @time_scale),
 * idle or not.
 */
void synod_tcp_sock_tune(struct socket *sock, u32 time_scale)
{
	struct sock *sk = sock->sk;
	u32 k = time_scale ?: 1;

	tcp_sock_set_nodelay(sk);
	sock_set_keepalive(sk);
	tcp_sock_set_keepidle(sk, STCP_KEEPIDLE_S * k);
	tcp_sock_set_keepintvl(sk, STCP_KEEPINTVL_S * k);
	tcp_sock_set_keepcnt(sk, STCP_KEEPCNT);
	tcp_sock_set_user_timeout(sk, STCP_USER_TIMEOUT_MS * k);
}

/*
 * Point the socket's data_ready and state_change at @wake, and its
 * write_space at @write_space if not NULL (both find @owner in
 * sk_user_data), remembering the ones to restore.  Under the callback
 * lock so that a callback running on another CPU sees either the old
 * pair or the new one.  An accepted socket inherits the listener's
 * callbacks, so its "original" data_ready is the listener's.
 */
void synod_tcp_sock_attach(struct socket *sock, void *owner,
			   struct tcp_cbs *saved,
			   void (*wake)(struct sock *sk),
			   void (*write_space)(struct sock *sk))
{
	struct sock *sk = sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_data_ready != synod_tcp_listen_ready)
		saved->data_ready = sk->sk_data_ready;
	saved->state_change = sk->sk_state_change;
	saved->write_space = sk->sk_write_space;
	sk->sk_user_data = owner;
	sk->sk_data_ready = wake;
	sk->sk_state_change = wake;
	if (write_space)
		sk->sk_write_space = write_space;
	write_unlock_bh(&sk->sk_callback_lock);
}

/*
 * Give back the callbacks, so that no packet arriving after this (the
 * socket may linger in FIN_WAIT) runs our code or finds our data, then
 * release.  Safe on NULL.
 */
void synod_tcp_sock_close(struct socket *sock, const struct tcp_cbs *saved)
{
	struct sock *sk;

	if (!sock)
		return;
	sk = sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data) {
		sk->sk_user_data = NULL;
		sk->sk_data_ready = saved->data_ready;
		sk->sk_state_change = saved->state_change;
		sk->sk_write_space = saved->write_space;
	}
	write_unlock_bh(&sk->sk_callback_lock);
	sock_release(sock);
}

/* Check a configuration before anything is allocated for it. */
static int cfg_check(const struct synod_transport_cfg *cfg)
{
	u32 n;

	if (!cfg->net || !cfg->rx || !cfg->rx_done || !cfg->link_event ||
	    cfg->self >= SYNOD_NODES_MAX || !cfg->cluster[0] ||
	    cfg->secret_len < SYNOD_SECRET_MIN ||
	    cfg->secret_len > SYNOD_SECRET_MAX)
		return -EINVAL;
	if (strnlen(cfg->cluster, sizeof(cfg->cluster)) > SYNOD_NAME_MAX)
		return -EINVAL;
	/* both or neither: in_placed() calls rx_placed() for rx_place() */
	if (!cfg->rx_place != !cfg->rx_placed ||
	    (cfg->rx_place && cfg->rx_head > SYNOD_FRAME_MAX))
		return -EINVAL;
	if (synod_tcp_addr_len(&cfg->listen) < 0)
		return -EAFNOSUPPORT;
	for (n = 0; n < SYNOD_NODES_MAX; n++) {
		if (!cfg->peer_valid[n])
			continue;
		if (n == cfg->self)
			return -EINVAL;
		if (synod_tcp_addr_len(&cfg->peer_addr[n]) < 0)
			return -EAFNOSUPPORT;
	}
	return 0;
}

static void tcp_destroy(struct synod_transport *t);

/*
 * Allocate everything a running transport needs, so that nothing on the
 * send or receive path allocates: the HMAC of the secret, and for each
 * configured peer (synod_tcp_peer_alloc()) a send ring, STCP_RING_MIN bytes to
 * begin with (tcp_ring.c), the transforms of its link, and two receive
 * slots with a buffer (~20 KiB) and transforms each; set_peer() does
 * the same for a peer added later.  Fixes the link versions the
 * transport offers (the first transforms decide).  Returns an ERR_PTR,
 * never NULL.
 */
static struct synod_transport *tcp_create(const struct synod_transport_cfg *cfg)
{
	struct synod_transport *t;
	int err;
	u32 n;

	err = cfg_check(cfg);
	if (err)
		return ERR_PTR(err);
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->cfg = *cfg;
	t->pinned = synod_tcp_link_versions(&t->ver_min, &t->ver_max);
	t->mac_b2 = t->ver_max >= SYNOD_LINK_V_BLAKE2B;
	t->mac_poly = t->ver_max >= SYNOD_LINK_V_POLY1305;
	t->features = synod_tcp_link_features();
	t->hide_from = synod_tcp_link_hidden();
	if (t->hide_from)
		pr_info("%s/%u: TEST: acting as if the kernel had no %s\n",
			cfg->cluster, cfg->self,
			t->hide_from > SYNOD_LINK_V_BLAKE2B ? STCP_POLY_ALG :
			STCP_B2_ALG " nor " STCP_POLY_ALG);
	mutex_init(&t->lock);
	spin_lock_init(&t->addr_lock);
	ratelimit_state_init(&t->stranger_rs, DEFAULT_RATELIMIT_INTERVAL,
			     DEFAULT_RATELIMIT_BURST);
	ratelimit_set_flags(&t->stranger_rs, RATELIMIT_MSG_ON_RELEASE);
	t->stranger_why = SYNOD_REFUSED_MAX;
	/* stopped until start(): kicks queue nothing */
	INIT_DELAYED_WORK(&t->rx_work, synod_tcp_rx_work);
	INIT_LIST_HEAD(&t->forge_node);
	set_bit(STCP_STOP, &t->rx_flags);
	for (n = 0; n < SYNOD_NODES_MAX; n++) {
		struct tcp_peer *p = &t->peers[n];

		p->t = t;
		p->node = n;
		init_waitqueue_head(&p->wq);
		INIT_DELAYED_WORK(&p->tx_work, synod_tcp_tx_work);
		set_bit(STCP_STOP, &p->flags);
		mutex_init(&p->send_mutex);
		spin_lock_init(&p->lock);
		atomic_set(&p->link_gen, 0);
	}

	synod_tcp_crypto_load();
	t->hmac = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(t->hmac)) {
		err = PTR_ERR(t->hmac);
		t->hmac = NULL;
		goto out_destroy;
	}
	err = crypto_shash_setkey(t->hmac, cfg->secret, cfg->secret_len);
	if (err)
		goto out_destroy;

	/* the first transforms decide the link versions offered */
	err = synod_tcp_slots_grow(t, 0);
	if (err)
		goto out_destroy;
	if (SYNOD_TEST_BUILD) {
		t->plant = kvmalloc(STCP_PLANT_FRAMES * SYNOD_FRAME_MAX,
				    GFP_KERNEL);
		if (!t->plant) {
			err = -ENOMEM;
			goto out_destroy;
		}
	}

	for (n = 0; n < SYNOD_NODES_MAX; n++) {
		if (!cfg->peer_valid[n])
			continue;
		err = synod_tcp_peer_alloc(t, n);
		if (err)
			goto out_destroy;
		t->peers[n].addr = cfg->peer_addr[n];
		set_bit(n, &t->peer_mask);
	}
	return t;

out_destroy:
	tcp_destroy(t);
	return ERR_PTR(err);
}

/* Start the tx work of peer @p: it dials at once.  t->lock held. */
static void peer_start(struct tcp_peer *p)
{
	p->tx_state = STCP_TX_IDLE;
	p->backoff_ms = STCP_BACKOFF_MIN_MS;
	p->redial_at = jiffies;
	clear_bit(STCP_KICK, &p->flags);
	clear_bit(STCP_STOP, &p->flags);
	queue_delayed_work(synod_net_wq, &p->tx_work, 0);
}

/*
 * Stop the tx work of @p and wait for it, then close its socket, mark
 * the link down and empty the ring.  Bounded: the only wait in the work,
 * the handshake's, ends on STCP_STOP.  t->lock held.
 */
static void peer_stop(struct tcp_peer *p)
{
	if (test_and_set_bit(STCP_STOP, &p->flags))
		return;		/* not started */
	wake_up(&p->wq);
	cancel_delayed_work_sync(&p->tx_work);
	synod_tcp_tx_end(p);
}

/* Socket, bind, listen, callbacks.  t->lock held. */
static int listen_open(struct synod_transport *t)
{
	struct socket *sock;
	int len = synod_tcp_addr_len(&t->cfg.listen);
	int err;

	err = synod_tcp_sock_new(t, t->cfg.listen.ss_family, &sock);
	if (err)
		return err;
	sock_set_reuseaddr(sock->sk);
	err = kernel_bind(sock, (struct sockaddr *)&t->cfg.listen, len);
	if (!err)
		err = kernel_listen(sock, STCP_LISTEN_BACKLOG);
	if (err) {
		sock_release(sock);
		return err;
	}
	/*
	 * Only data_ready: accepted sockets inherit the listener's callbacks,
	 * and those never accepted must not keep more of ours than needed.
	 */
	write_lock_bh(&sock->sk->sk_callback_lock);
	t->listen_cbs.data_ready = sock->sk->sk_data_ready;
	t->listen_cbs.state_change = sock->sk->sk_state_change;
	t->listen_cbs.write_space = sock->sk->sk_write_space;
	sock->sk->sk_user_data = t;
	sock->sk->sk_data_ready = synod_tcp_listen_ready;
	write_unlock_bh(&sock->sk->sk_callback_lock);
	t->listen = sock;
	return 0;
}

/*
 * Listen, then start the rx work and one tx work per peer.  Upcalls may
 * begin before this returns.  Undoes everything on failure.
 */
static int tcp_start(struct synod_transport *t)
{
	int err = 0;
	u32 n;

	mutex_lock(&t->lock);
	if (t->started) {
		err = -EALREADY;
		goto out_unlock;
	}
	err = listen_open(t);
	if (err)
		goto out_unlock;
	for (n = 0; n < SYNOD_NODES_MAX; n++)
		t->reported_gen[n] = atomic_read(&t->peers[n].link_gen);
	clear_bit(STCP_KICK, &t->rx_flags);
	clear_bit(STCP_STOP, &t->rx_flags);
	queue_delayed_work(synod_net_wq, &t->rx_work, 0);
	t->started = true;
	for (n = 0; n < SYNOD_NODES_MAX; n++)
		if (test_bit(n, &t->peer_mask))
			peer_start(&t->peers[n]);
	synod_tcp_forge_started(t, true);
out_unlock:
	mutex_unlock(&t->lock);
	if (err)
		pr_warn("%s/%u: cannot start TCP transport: %d\n",
			t->cfg.cluster, t->cfg.self, err);
	return err;
}

/* Bytes queued to all peers; for the stop grace period. */
static u32 queued_bytes(struct synod_transport *t)
{
	u32 n, sum = 0;

	for (n = 0; n < SYNOD_NODES_MAX; n++) {
		struct tcp_peer *p = &t->peers[n];

		spin_lock_bh(&p->lock);
		if (p->up)
			sum += p->head - p->tail;
		spin_unlock_bh(&p->lock);
	}
	return sum;
}

/*
 * Upcalls end first (the rx work is the only caller of rx() and
 * link_event()), then the sockets and the tx works.  Without @force,
 * frames already queued get up to STCP_DRAIN_MS to leave.  Must not be
 * called from an upcall or with a lock an upcall takes: it waits for
 * the rx work.  No link_event(false) is sent for links stop() closes.
 * Last, the rx work is cancelled once more: a kick that saw it running
 * just before STCP_STOP may have queued it since (that run does
 * nothing, but must not outlive the transport).
 */
static void tcp_stop(struct synod_transport *t, bool force)
{
	unsigned long until = jiffies + msecs_to_jiffies(STCP_DRAIN_MS);
	unsigned int noio;
	u32 n;

	mutex_lock(&t->lock);
	/* closing sockets allocates, as the works did under noio */
	noio = memalloc_noio_save();
	if (!t->started)
		goto out_unlock;
	while (!force && queued_bytes(t) && time_before(jiffies, until))
		usleep_range(10000, 20000);
	synod_tcp_forge_started(t, false);
	set_bit(STCP_STOP, &t->rx_flags);
	cancel_delayed_work_sync(&t->rx_work);
	synod_tcp_sock_close(t->listen, &t->listen_cbs);
	t->listen = NULL;
	synod_tcp_rx_close_all(t);
	for (n = 0; n < SYNOD_NODES_MAX; n++)
		peer_stop(&t->peers[n]);
	cancel_delayed_work_sync(&t->rx_work);
	t->started = false;
out_unlock:
	memalloc_noio_restore(noio);
	mutex_unlock(&t->lock);
}

/* Stops if needed, then frees everything; secrets are wiped. */
static void tcp_destroy(struct synod_transport *t)
{
	u32 n;

	if (!t)
		return;
	tcp_stop(t, true);
	/* a stray kick's run, after stop (it did nothing) */
	cancel_delayed_work_sync(&t->rx_work);
	for (n = 0; n < SYNOD_NODES_MAX; n++) {
		/* a stray kick's run, after stop (it did nothing) */
		cancel_delayed_work_sync(&t->peers[n].tx_work);
		synod_tcp_ring_free(&t->peers[n]);
		mutex_destroy(&t->peers[n].send_mutex);
	}
	synod_tcp_macs_free(t);
	kvfree(t->plant);
	if (t->hmac)
		crypto_free_shash(t->hmac);
	memzero_explicit(t->cfg.secret, sizeof(t->cfg.secret));
	ratelimit_state_exit(&t->stranger_rs);
	mutex_destroy(&t->lock);
	kfree(t);
}

/*
 * Membership change: add node @node at @addr (or move it there), or
 * remove it with @addr NULL.  Sleeps (may allocate the ring, waits for
 * the tx work) but never waits for the rx work, so the replica may call
 * it from rx() or link_event().  The rx work drops accepted connections
 * of a removed node on its next round.
 */
static int tcp_set_peer(struct synod_transport *t, u32 node,
			const struct sockaddr_storage *addr)
{
	struct tcp_peer *p;
	int err = 0;

	if (node >= SYNOD_NODES_MAX || node == t->cfg.self)
		return -EINVAL;
	if (addr && synod_tcp_addr_len(addr) < 0)
		return -EAFNOSUPPORT;
	p = &t->peers[node];

	mutex_lock(&t->lock);
	if (addr) {
		err = synod_tcp_peer_alloc(t, node);
		if (err)
			goto out_unlock;
		peer_stop(p);
		spin_lock_bh(&t->addr_lock);
		p->addr = *addr;
		spin_unlock_bh(&t->addr_lock);
		t->cfg.peer_addr[node] = *addr;
		t->cfg.peer_valid[node] = true;
		set_bit(node, &t->peer_mask);
		if (t->started)
			peer_start(p);
	} else {
		peer_stop(p);
		clear_bit(node, &t->peer_mask);
		t->cfg.peer_valid[node] = false;
		synod_tcp_rx_kick(t);
	}
out_unlock:
	mutex_unlock(&t->lock);
	return err;
}

/*
 * CONNECTED when our outgoing link to @node is authenticated and so is
 * an incoming one from it (both directions carry frames); CONNECTING
 * while either is missing; DOWN when not started or not a peer.
 */
static enum synod_peer_state tcp_peer_state(struct synod_transport *t,
					    u32 node)
{
	if (node >= SYNOD_NODES_MAX)
		return SYNOD_PEER_DOWN;
	if (node == t->cfg.self)
		return SYNOD_PEER_SELF;
	if (!READ_ONCE(t->started) || !test_bit(node, &t->peer_mask))
		return SYNOD_PEER_DOWN;
	if (READ_ONCE(t->peers[node].up) && test_bit(node, &t->in_up))
		return SYNOD_PEER_CONNECTED;
	return SYNOD_PEER_CONNECTING;
}

/*
 * Whether @node's send ring holds frames while its link is up.  Only the
 * ring: the socket's own buffer is the tx work's to look at, and what
 * waits there the core's wait already covers (twice the heartbeat round
 * trip, which goes through it).
 */
static bool tcp_backlogged(struct synod_transport *t, u32 node)
{
	struct tcp_peer *p;
	bool busy;

	if (node >= SYNOD_NODES_MAX || node == t->cfg.self ||
	    !test_bit(node, &t->peer_mask))
		return false;
	p = &t->peers[node];
	spin_lock_bh(&p->lock);
	busy = p->up && p->head != p->tail;
	spin_unlock_bh(&p->lock);
	return busy;
}

/* Refusals of @why from @node, or from unknown ids if SYNOD_NODES_MAX. */
static u64 tcp_refused(struct synod_transport *t, u32 node,
		       enum synod_refusal why)
{
	if (node > SYNOD_NODES_MAX || why >= SYNOD_REFUSED_MAX)
		return 0;
	return atomic64_read(&t->refused[node][why]);
}

/* Frames from @node dropped for @why since create. */
static u64 tcp_rejected(struct synod_transport *t, u32 node,
			enum synod_reject why)
{
	if (node >= SYNOD_NODES_MAX || why >= SYNOD_REJECT_MAX)
		return 0;
	return atomic64_read(&t->rejected[node][why]);
}

/* Frames written to all peers (transport.h). */
static void tcp_tx_counts(struct synod_transport *t,
			  struct synod_tx_counts *c)
{
	u32 n;

	memset(c, 0, sizeof(*c));
	for (n = 0; n < SYNOD_NODES_MAX; n++) {
		c->frames += atomic64_read(&t->peers[n].tx_frames);
		c->pushed += atomic64_read(&t->peers[n].tx_inline);
		c->handed += atomic64_read(&t->peers[n].tx_handed);
		c->spliced += atomic64_read(&t->peers[n].tx_spliced);
		c->ring_bytes += READ_ONCE(t->peers[n].ring_size);
		c->ring_grows += atomic64_read(&t->peers[n].ring_grows);
		c->ring_shrinks += atomic64_read(&t->peers[n].ring_shrinks);
		c->ring_nomem += atomic64_read(&t->peers[n].ring_nomem);
	}
	c->rx_placed = atomic64_read(&t->rx_placed);
	c->rx_reads = atomic64_read(&t->rx_reads);
}

/*
 * The link version and frame MAC our link to @node runs, version 0
 * while it is not up (transport.h).
 */
static void tcp_link_info(struct synod_transport *t, u32 node,
			  struct synod_link_info *li)
{
	struct tcp_peer *p;

	memset(li, 0, sizeof(*li));
	if (node >= SYNOD_NODES_MAX)
		return;
	p = &t->peers[node];
	spin_lock_bh(&p->lock);
	if (p->up)
		*li = p->link;
	spin_unlock_bh(&p->lock);
}

/* Counters of one peer, for the debug hook and future status. */
void synod_tcp_peer_stats(struct synod_transport *t, u32 node,
			  struct synod_tcp_peer_stats *s)
{
	struct tcp_peer *p = &t->peers[node];

	s->tx_frames = atomic64_read(&p->tx_frames);
	s->tx_bytes = atomic64_read(&p->tx_bytes);
	s->tx_nobufs = atomic64_read(&p->tx_nobufs);
	s->tx_notconn = atomic64_read(&p->tx_notconn);
	s->links_up = atomic64_read(&p->links_up);
	s->tx_inline = atomic64_read(&p->tx_inline);
	s->tx_handed = atomic64_read(&p->tx_handed);
	s->tx_spliced = atomic64_read(&p->tx_spliced);
	s->rx_frames = atomic64_read(&t->rx_frames[node]);
	s->ring_grows = atomic64_read(&p->ring_grows);
	s->ring_shrinks = atomic64_read(&p->ring_shrinks);
	s->ring_nomem = atomic64_read(&p->ring_nomem);
	spin_lock_bh(&p->lock);
	s->queued = p->head - p->tail;
	s->ring_size = p->ring_size;
	spin_unlock_bh(&p->lock);
}

const struct synod_transport_ops synod_tcp_ops = {
	.create = tcp_create,
	.start = tcp_start,
	.stop = tcp_stop,
	.destroy = tcp_destroy,
	.send = synod_tcp_send,
	.queue = synod_tcp_queue,
	.queue_page = synod_tcp_queue_page,
	.queue_pieces = synod_tcp_queue_pieces,
	.push = synod_tcp_push,
	.set_peer = tcp_set_peer,
	.backlogged = tcp_backlogged,
	.peer_state = tcp_peer_state,
	.refused = tcp_refused,
	.rejected = tcp_rejected,
	.tx_counts = tcp_tx_counts,
	.link_info = tcp_link_info,
};
