// SPDX-License-Identifier: GPL-2.0
/*
 * The send side of the TCP transport: one work item per peer, on the
 * host's synod_net_wq (workers.h), that dials the peer, runs the client
 * side of the handshake, and then writes the peer's send ring to the
 * socket, frame by frame, until the link fails; then it backs off (50 ms
 * doubling to 2 s, jittered) and dials again.  While the link is up,
 * push() (tcp_queue.c) may write frames from its caller's context
 * through synod_tcp_tx_inline() below, under the same send_mutex, and
 * kicks the work for what it leaves.
 *
 * The work holds a worker only while it has something to do: a connect
 * in progress, a full socket or an empty ring end the run, and the
 * socket's callbacks, queuers and push() queue it again (and a timer,
 * once a second while up, for the ring's shrink and a stalled link).
 * Only the handshake waits in the work, for the peer's few records,
 * within STCP_HANDSHAKE_MS and ended at once by stop().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/random.h>
#include <linux/sched/mm.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat_net.h"
#include "testing.h"
#include "trace.h"
#include "tcp_priv.h"
#include "workers.h"

/* Is @p's tx work being stopped?  Then it ends what it does at once. */
static bool tx_stopping(struct tcp_peer *p)
{
	return test_bit(STCP_STOP, &p->flags);
}

/* Queue @p's tx work in @delay jiffies, or sooner if it is queued so. */
static void tx_queue(struct tcp_peer *p, unsigned long delay)
{
	if (!tx_stopping(p))
		queue_delayed_work(synod_net_wq, &p->tx_work, delay);
}

/*
 * Wake the handshake's wait and queue @p's tx work now: any context.
 * A kick that finds STCP_KICK set has a run queued already that has not
 * begun (a run clears it first), or a handshake about to see it.
 */
void synod_tcp_tx_kick(struct tcp_peer *p)
{
	if (test_and_set_bit(STCP_KICK, &p->flags))
		return;
	wake_up(&p->wq);
	if (!tx_stopping(p))
		mod_delayed_work(synod_net_wq, &p->tx_work, 0);
}

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
static int out_wait(struct tcp_peer *p, unsigned long deadline)
{
	long left = (long)(deadline - jiffies);

	if (tx_stopping(p))
		return -EINTR;
	if (left <= 0)
		return -ETIMEDOUT;
	wait_event_interruptible_timeout(p->wq,
		test_and_clear_bit(STCP_KICK, &p->flags) ||
		tx_stopping(p), left);
	return tx_stopping(p) ? -EINTR : 0;
}

/* Skip @n sent bytes at the front of a kvec array. */
static void kvec_skip(struct kvec **vec, unsigned int *nvec, size_t n)
{
	while (n && *nvec) {
		size_t step = min(n, (*vec)->iov_len);

		(*vec)->iov_base += step;
		(*vec)->iov_len -= step;
		n -= step;
		if (!(*vec)->iov_len) {
			(*vec)++;
			(*nvec)--;
		}
	}
}

/*
 * Write the first @len bytes of @vec, counting what leaves in *@sent if it is
 * not NULL.  @splice: @vec is one run of bytes in pages the socket may
 * take by reference (out_frame()), not by copy.  A link where not one
 * byte leaves for STCP_STALL_MS is dead even if TCP has not said so yet
 * (every byte moves p->stall_at on, for the tx work's own check).
 * @nowait (frames): never wait, return -EAGAIN when the socket takes no
 * more; else (handshake records) wait for room, within that limit.
 */
int synod_tcp_sendv(struct tcp_peer *p, struct kvec *vec, unsigned int nvec,
		    size_t len, int flags, u32 *sent, bool nowait, bool splice)
{
	unsigned long deadline = jiffies + stcp_ms(p->t, STCP_STALL_MS);
	int n, err;

	flags |= MSG_DONTWAIT | MSG_NOSIGNAL;
	while (len) {
		struct msghdr msg = { .msg_flags = flags };

		if (splice)
			n = synod_sock_send_pages(p->sock, vec->iov_base,
						  min(len, vec->iov_len),
						  flags);
		else
			n = kernel_sendmsg(p->sock, &msg, vec, nvec, len);
		if (n > 0) {
			len -= n;
			if (sent)
				*sent += n;
			p->stall_at = jiffies + stcp_ms(p->t, STCP_STALL_MS);
			if (splice)
				atomic64_add(n, &p->tx_spliced);
			kvec_skip(&vec, &nvec, n);
			deadline = jiffies + stcp_ms(p->t, STCP_STALL_MS);
			continue;
		}
		if (n != -EAGAIN || nowait)
			return n ? n : -EIO;
		err = out_wait(p, deadline);
		if (err)
			return err;
	}
	return 0;
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
		err = out_wait(p, deadline);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Where the connect out_connect() began is: 0 connected, -EINPROGRESS
 * not yet (the socket's state_change kicks the work), else why not:
 * -ETIMEDOUT once STCP_CONNECT_MS has passed.
 */
static int out_dialed(struct tcp_peer *p)
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
 * out_dialed().  The socket is left in p->sock even on failure, for the
 * caller to close.
 */
static int out_connect(struct tcp_peer *p)
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
	return out_dialed(p);
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
static int out_handshake(struct tcp_peer *p)
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

/*
 * Test build only (testing.h): push() writes at most this many bytes of
 * a frame longer than that and leaves the rest to the tx work, as a
 * full socket would, so that every test run exercises the hand-over of
 * a half-written frame.  0: off.
 */
static uint test_inline_split;
SYNOD_TEST_PARAM(test_inline_split, uint,
		 "push() writes this many bytes of a longer frame, the tx work the rest (0: off)");

/*
 * The frame of the record at @tail (out_frame_begin() read it into
 * p->cur_*) as @vec: the header p->cur_hdr, then the payload bytes the
 * record holds, which may wrap around the ring's end, then the bytes it
 * refers to, if any.  Returns the number of kvecs (2 to 4), which point
 * into the ring only until send_mutex is let go (a resize, tcp_ring.c).
 */
static unsigned int out_frame_vec(struct tcp_peer *p, u32 tail,
				  struct kvec *vec)
{
	u32 at = tail + (p->cur_ref.len ? stcp_ref_rec_len(0) : sizeof(u32));
	u32 start = at & (p->ring_size - 1);
	u32 first = min(p->cur_held, p->ring_size - start);
	unsigned int n = 0;

	vec[n++] = (struct kvec){ p->cur_hdr, STCP_FRAME_HDR };
	vec[n++] = (struct kvec){ p->ring + start, first };
	if (first < p->cur_held)
		vec[n++] = (struct kvec){ p->ring, p->cur_held - first };
	if (p->cur_ref.len)
		vec[n++] = (struct kvec){
			page_address(p->cur_ref.page) + p->cur_ref.off,
			p->cur_ref.len };
	return n;
}

/*
 * Read the record at @tail (@head is the end of what is queued) into
 * p->cur_*: payload length, bytes held, bytes referred to, ring bytes.
 * -EIO if it makes no sense (a bug: the ring is ours alone).
 */
static int out_frame_read(struct tcp_peer *p, u32 tail, u32 head)
{
	struct stcp_rec r;
	int err = synod_tcp_rec_read(p, tail, head, &r);

	if (err)
		return err;
	p->cur_plen = r.len;
	p->cur_held = r.held;
	p->cur_rec = r.rec;
	p->cur_ref = r.ref;
	return 0;
}

/*
 * Begin the oldest record of the ring, at @tail (@head is the end of
 * what is queued): its frame header, with length, sequence number and
 * tag over header and payload, goes to p->cur_hdr, the record to
 * p->cur_* (out_frame_read()), and the bytes to write to p->cur_len
 * (the test build's LEN forgery writes one less and says so in the
 * header).  Referred-to bytes go by reference if the socket may take
 * their page (sendpage_ok()), else by copy.
 * @inl: push() begins it, not the tx work (for the trace only).
 * send_mutex held.
 */
static int out_frame_begin(struct tcp_peer *p, u32 tail, u32 head,
			   bool inl)
{
	struct kvec vec[4];
	unsigned int nvec;
	int err;

	lockdep_assert_held(&p->send_mutex);
	err = out_frame_read(p, tail, head);
	if (err)
		return err;
	nvec = out_frame_vec(p, tail, vec);
	put_unaligned_le32(p->cur_plen, p->cur_hdr);
	put_unaligned_le32(0, p->cur_hdr + 4);
	put_unaligned_le64(p->tx_seq++, p->cur_hdr + 8);
	err = synod_tcp_frame_tag(p->t, &p->mac, p->cur_hdr, vec + 1,
				  nvec - 1, p->cur_hdr + STCP_TAGGED);
	if (err)
		return err;
	p->cur_len = STCP_FRAME_HDR + p->cur_plen;
	if (SYNOD_TEST_BUILD)
		p->cur_len = synod_tcp_forge_keep(p, vec, nvec, p->cur_len);
	p->cur_splice = p->cur_len;
	if (p->cur_ref.len && sendpage_ok(p->cur_ref.page))
		p->cur_splice = min(p->cur_len, STCP_FRAME_HDR + p->cur_held);
	p->cur_sent = 0;
	trace_synod_link_tx(p->t->cfg.cluster, p->t->cfg.self, p->node,
			    get_unaligned_le64(p->cur_hdr + 8), p->cur_plen,
			    inl);
	return 0;
}

/*
 * Write the oldest record of the ring, at @tail (@head is the end of
 * what is queued), as one frame, beginning it if nobody has: what the
 * record holds by copy, what it refers to by reference.  Never waits:
 * a frame the socket would not take whole stays in p->cur_* (-EAGAIN),
 * for push() (@inl) or the tx work to go on with.  MSG_MORE
 * while more of the frame or more frames wait, so that a burst leaves
 * in full segments.  Written whole, the record leaves the ring and its
 * page reference goes: the socket holds its own on what it took.
 * send_mutex held.
 */
static int out_frame(struct tcp_peer *p, u32 tail, u32 head, bool inl)
{
	struct kvec vec[4], *v;
	struct page *page;
	unsigned int nvec;
	u32 end, stop, cap;
	bool splice;
	int more, err;

	lockdep_assert_held(&p->send_mutex);
	if (!p->cur_len) {
		err = out_frame_begin(p, tail, head, inl);
		if (err)
			return err;
	}
	more = head - tail > p->cur_rec ? MSG_MORE : 0;
	end = p->cur_len;
	cap = inl ? READ_ONCE(test_inline_split) : 0;
	if (SYNOD_TEST_BUILD && cap && end - p->cur_sent > cap)
		end = p->cur_sent + cap;
	while (p->cur_sent < end) {
		splice = p->cur_sent >= p->cur_splice;
		stop = splice ? end : min(end, p->cur_splice);
		v = vec;
		nvec = out_frame_vec(p, tail, vec);
		kvec_skip(&v, &nvec, p->cur_sent);
		err = synod_tcp_sendv(p, v, nvec, stop - p->cur_sent,
				      stop < p->cur_len ? MSG_MORE : more,
				      &p->cur_sent, true, splice);
		if (err)
			return err;
	}
	if (p->cur_sent < p->cur_len)
		return -EAGAIN;	/* the test split: the tx work goes on */
	page = p->cur_ref.len ? p->cur_ref.page : NULL;
	p->cur_len = 0;
	p->cur_sent = 0;
	spin_lock_bh(&p->lock);
	p->tail += p->cur_rec;
	if (page)
		p->ref_bytes -= page_size(page);
	spin_unlock_bh(&p->lock);
	if (page)
		put_page(page);
	atomic64_inc(&p->tx_frames);
	atomic64_add(p->cur_plen, &p->tx_bytes);	/* kept till the next */
	return 0;
}

/*
 * push() for one peer, send_mutex held, in the caller's (process)
 * context: write queued frames while the link is up and the socket takes
 * them without waiting.  Returns true if the ring is empty after, false
 * if the tx work must go on (socket full, a frame half written, link
 * not up, or a failed write: then STCP_BROKEN makes it drop the link,
 * whose byte stream may end mid-frame).
 */
bool synod_tcp_tx_inline(struct tcp_peer *p)
{
	unsigned int noio = memalloc_noio_save();
	bool up, begun, empty = false;
	u32 head, tail, sent;
	int err;

	lockdep_assert_held(&p->send_mutex);
	while (!test_bit(STCP_BROKEN, &p->flags)) {
		if (SYNOD_TEST_BUILD && synod_tcp_forge_busy(p))
			break;
		spin_lock_bh(&p->lock);
		up = p->up;
		head = p->head;
		tail = p->tail;
		spin_unlock_bh(&p->lock);
		if (!up)
			break;
		if (head == tail) {
			empty = true;
			break;
		}
		begun = p->cur_len;
		sent = p->cur_sent;
		err = out_frame(p, tail, head, true);
		if (!err) {
			if (!begun)
				atomic64_inc(&p->tx_inline);
			continue;
		}
		if (err != -EAGAIN)
			set_bit(STCP_BROKEN, &p->flags);
		else if (p->cur_len && p->cur_sent > sent)
			atomic64_inc(&p->tx_handed);
		break;
	}
	memalloc_noio_restore(noio);
	return empty;
}

/*
 * Write queued frames while the socket takes them, resizing the ring
 * between them as its load asks (tcp_ring.c).  Returns 0 when the ring
 * is empty, the socket full (its write_space kicks the work) or, with
 * *@more set, after STCP_TX_BUDGET frames; else the error that ends the
 * link: the socket's, or -ETIMEDOUT when not one byte has left for
 * STCP_STALL_MS while frames waited.
 */
static int out_pump(struct tcp_peer *p, bool *more)
{
	struct sock *sk = p->sock->sk;
	unsigned int budget = STCP_TX_BUDGET;
	bool idle, full;
	u32 head, tail;
	int err;

	for (*more = false; !tx_stopping(p); budget--) {
		err = READ_ONCE(sk->sk_err);
		if (err)
			return -err;
		if (READ_ONCE(sk->sk_state) != TCP_ESTABLISHED)
			return -ECONNRESET;
		if (!budget) {
			*more = true;
			return 0;
		}
		/* between frames: grow or shrink the ring (tcp_ring.c) */
		synod_tcp_ring_adjust(p);
		mutex_lock(&p->send_mutex);
		/* push() failed mid-stream: nothing more on this link */
		err = test_bit(STCP_BROKEN, &p->flags) ? -EIO : 0;
		/* forged frames go between frames, not into a half-sent one */
		if (!err && SYNOD_TEST_BUILD && !p->cur_len) {
			err = synod_tcp_forge_run(p);
			if (!err)
				synod_tcp_forge_plant(p);
		}
		spin_lock_bh(&p->lock);
		head = p->head;
		tail = p->tail;
		spin_unlock_bh(&p->lock);
		idle = !err && head == tail;
		full = false;
		if (idle)	/* nothing waits: nothing stalls */
			p->stall_at = jiffies + stcp_ms(p->t, STCP_STALL_MS);
		else if (!err)
			err = out_frame(p, tail, head, false);
		if (err == -EAGAIN) {
			full = true;
			err = time_after(jiffies, p->stall_at) ? -ETIMEDOUT : 0;
		}
		/*
		 * A failed write may have left part of a frame: no push() may
		 * go on with it before out_link_down() takes the link down.
		 */
		if (err)
			set_bit(STCP_BROKEN, &p->flags);
		mutex_unlock(&p->send_mutex);
		if (err || idle || full)
			return err;
	}
	return 0;
}

/* Tell the rx work, which makes the link_event() upcalls. */
static void out_report(struct tcp_peer *p)
{
	atomic_inc(&p->link_gen);
	synod_tcp_rx_kick(p->t);
}

/* Authenticated: send() may queue from now on. */
static void out_link_up(struct tcp_peer *p)
{
	struct synod_transport *t = p->t;

	p->forge_mut = STCP_FORGE_NONE;
	p->last_len = 0;
	p->first_len = 0;
	p->bind_logged = false;
	p->cur_len = 0;
	p->cur_sent = 0;
	p->stall_at = jiffies + stcp_ms(t, STCP_STALL_MS);
	clear_bit(STCP_BROKEN, &p->flags);
	spin_lock_bh(&p->lock);
	synod_tcp_ring_drop(p);
	p->up = true;
	p->link.version = p->mac.version;
	p->link.mac = p->mac.alg;
	spin_unlock_bh(&p->lock);
	atomic64_inc(&p->links_up);
	synod_tcp_logged_reset(t, p->node);
	pr_info("%s/%u: link to node %u up (link v%u)\n", t->cfg.cluster,
		t->cfg.self, p->node, p->mac.version);
	out_report(p);
}

/*
 * Lost: refuse send() and drop what was queued; those frames may or may
 * not have arrived, and the replica retransmits what matters.  Under
 * send_mutex, so that no push() still writes when the socket closes.
 * The empty ring goes back to its least size.
 */
static void out_link_down(struct tcp_peer *p, int err)
{
	struct synod_transport *t = p->t;

	mutex_lock(&p->send_mutex);
	spin_lock_bh(&p->lock);
	p->up = false;
	synod_tcp_ring_drop(p);
	spin_unlock_bh(&p->lock);
	p->cur_len = 0;
	p->cur_sent = 0;
	mutex_unlock(&p->send_mutex);
	if (!tx_stopping(p))
		pr_info("%s/%u: link to node %u down (%d); send ring %u KiB, grown %lld, shrunk %lld times\n",
			t->cfg.cluster, t->cfg.self, p->node, err,
			p->ring_size >> 10, atomic64_read(&p->ring_grows),
			atomic64_read(&p->ring_shrinks));
	out_report(p);		/* first: the replica hears at once */
	/* empty, nothing queues: small, unless we are being stopped (the
	 * stop may come from an upcall, which must not wait for memory) */
	if (!tx_stopping(p))
		synod_tcp_ring_reset(p);
}

/*
 * No link: wipe the frame key, close the socket, and dial again after
 * the backoff (jittered by +-25%), which then doubles up to the cap.
 */
static void out_close(struct tcp_peer *p)
{
	u32 ms = p->backoff_ms;
	u32 delay = ms - ms / 4 + get_random_u32_below(ms / 2 + 1);

	synod_tcp_link_unkey(&p->mac);
	synod_tcp_sock_close(p->sock, &p->cbs);
	p->sock = NULL;
	p->tx_state = STCP_TX_IDLE;
	p->backoff_ms = min(ms * 2, STCP_BACKOFF_MAX_MS);
	tx_queue(p, msecs_to_jiffies(delay));
}

/*
 * The link is lost (@err) or stopped (0): down, then closed.  A lost
 * peer's stream is reset, so that the socket does not hold the pages of
 * frames it cannot deliver (payload.h) while it retransmits for
 * minutes.  Not on stop or on purpose: frames still owed may arrive.
 */
static void out_drop(struct tcp_peer *p, int err)
{
	out_link_down(p, err);
	if (err && err != -EINTR && err != -ECONNABORTED)
		sock_no_linger(p->sock->sk);
	out_close(p);
}

/*
 * Up: write what is queued; come back at once if the budget ran out,
 * else within a second (the ring's shrink, a stalled link) or when
 * kicked.
 */
static void out_up(struct tcp_peer *p)
{
	bool more;
	int err = out_pump(p, &more);

	if (err) {
		out_drop(p, err);
		return;
	}
	tx_queue(p, more ? 0 : HZ);
}

/*
 * The tx work of one peer: one step of dial, handshake and send, as
 * p->tx_state says, until something must be waited for; the socket's
 * callbacks, queuers, push() or a timer queue it again.  stop()
 * cancels it, then ends the link (synod_tcp_tx_end()).  It carries the
 * writes of the replica's disk, so whatever it allocates (sockets on
 * connect, handshake state) must not wait for that disk's writeback.
 * The frame key is wiped from p->mac as soon as its connection is over.
 */
void synod_tcp_tx_work(struct work_struct *work)
{
	struct tcp_peer *p = container_of(to_delayed_work(work),
					  struct tcp_peer, tx_work);
	unsigned int noio;
	int err;

	/* kicks from now on queue another run */
	clear_bit(STCP_KICK, &p->flags);
	if (tx_stopping(p))
		return;
	noio = memalloc_noio_save();
	if (p->tx_state == STCP_TX_UP) {
		out_up(p);
		goto out;
	}
	if (p->tx_state == STCP_TX_IDLE) {
		p->tx_state = STCP_TX_DIAL;
		err = out_connect(p);
	} else {
		err = out_dialed(p);
	}
	if (err == -EINPROGRESS) {
		tx_queue(p, max_t(long, (long)(p->tx_deadline - jiffies), 1));
		goto out;
	}
	if (!err)
		err = out_handshake(p);
	if (err) {
		out_close(p);
		goto out;
	}
	p->backoff_ms = STCP_BACKOFF_MIN_MS;
	p->tx_state = STCP_TX_UP;
	out_link_up(p);
	out_up(p);
out:
	memalloc_noio_restore(noio);
}

/*
 * stop(), after it cancelled the work (STCP_STOP set, so none runs
 * again): end the link as the work would have, without a word in the
 * log or a wait for memory (stop may come from an upcall).
 */
void synod_tcp_tx_end(struct tcp_peer *p)
{
	WARN_ON_ONCE(!tx_stopping(p));
	if (p->tx_state == STCP_TX_UP)
		out_link_down(p, 0);
	synod_tcp_link_unkey(&p->mac);
	synod_tcp_sock_close(p->sock, &p->cbs);
	p->sock = NULL;
	p->tx_state = STCP_TX_IDLE;
}
