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
 * socket's callbacks, queuers and push() queue it again; a timer too,
 * once a second while frames wait or the ring is above its least size
 * (the stall check, the ring's shrink), and for the redial after the
 * backoff.  Only the handshake waits in the work (tcp_dial.c).
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

/* Queue @p's tx work in @delay jiffies, or sooner if it is queued so. */
static void tx_queue(struct tcp_peer *p, unsigned long delay)
{
	if (!stcp_tx_stopping(p))
		queue_delayed_work(synod_net_wq, &p->tx_work, delay);
}

/*
 * Run @p's tx work at p->redial_at, even if a kick queued it sooner: a
 * kick that came during the failed attempt (the server's REFUSE, say)
 * must not cut the backoff short.  A run before then waits again.
 */
static void tx_queue_redial(struct tcp_peer *p)
{
	long left = (long)(p->redial_at - jiffies);

	if (!stcp_tx_stopping(p))
		mod_delayed_work(synod_net_wq, &p->tx_work, max(left, 0L));
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
	if (!stcp_tx_stopping(p))
		mod_delayed_work(synod_net_wq, &p->tx_work, 0);
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
			WRITE_ONCE(p->stall_at,
				   jiffies + stcp_ms(p->t, STCP_STALL_MS));
			if (splice)
				atomic64_add(n, &p->tx_spliced);
			kvec_skip(&vec, &nvec, n);
			deadline = jiffies + stcp_ms(p->t, STCP_STALL_MS);
			continue;
		}
		if (n != -EAGAIN || nowait)
			return n ? n : -EIO;
		err = synod_tcp_dial_wait(p, deadline);
		if (err)
			return err;
	}
	return 0;
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
 * is empty (*@idle set), the socket full (its write_space kicks the
 * work) or, with *@more set, after STCP_TX_BUDGET frames; else the error
 * that ends the link: the socket's, or -ETIMEDOUT when not one byte has
 * left for STCP_STALL_MS while frames waited (p->stall_at: moved on by
 * every byte sent, and by the queuer that found the ring empty).
 */
static int out_pump(struct tcp_peer *p, bool *more, bool *idle)
{
	struct sock *sk = p->sock->sk;
	unsigned int budget = STCP_TX_BUDGET;
	bool full;
	u32 head, tail;
	int err;

	*idle = false;
	for (*more = false; !stcp_tx_stopping(p); budget--) {
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
		*idle = !err && head == tail;
		full = false;
		if (!*idle && !err)
			err = out_frame(p, tail, head, false);
		if (err == -EAGAIN) {
			full = true;
			err = time_after(jiffies, READ_ONCE(p->stall_at)) ?
			      -ETIMEDOUT : 0;
		}
		/*
		 * A failed write may have left part of a frame: no push() may
		 * go on with it before out_link_down() takes the link down.
		 */
		if (err)
			set_bit(STCP_BROKEN, &p->flags);
		mutex_unlock(&p->send_mutex);
		if (err || *idle || full)
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
	WRITE_ONCE(p->stall_at, jiffies + stcp_ms(t, STCP_STALL_MS));
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
	if (!stcp_tx_stopping(p))
		pr_info("%s/%u: link to node %u down (%d); send ring %u KiB, grown %lld, shrunk %lld times\n",
			t->cfg.cluster, t->cfg.self, p->node, err,
			p->ring_size >> 10, atomic64_read(&p->ring_grows),
			atomic64_read(&p->ring_shrinks));
	out_report(p);		/* first: the replica hears at once */
	/* empty, nothing queues: small, unless we are being stopped (the
	 * stop may come from an upcall, which must not wait for memory) */
	if (!stcp_tx_stopping(p))
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
	p->redial_at = jiffies + msecs_to_jiffies(delay);
	tx_queue_redial(p);
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
 * within a second while frames wait (a stalled link), the ring is
 * above its least size (its shrink) or a growth waits out a failed
 * allocation (queuers do not kick meanwhile, tcp_ring.c), else only when
 * kicked: an idle link's work does not run at all.  A socket error kicks it too
 * (state_change).
 */
static void out_up(struct tcp_peer *p)
{
	bool more, idle;
	int err = out_pump(p, &more, &idle);

	if (err) {
		out_drop(p, err);
		return;
	}
	if (more)
		tx_queue(p, 0);
	else if (!idle || p->ring_size > STCP_RING_MIN ||
		 test_bit(STCP_GROW, &p->flags))
		tx_queue(p, HZ);
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

	/*
	 * Kicks from now on queue another run.  Ordered before what the
	 * run reads unlocked (the socket's state), against a kicker that
	 * changes it and then finds the bit still set.
	 */
	clear_bit(STCP_KICK, &p->flags);
	smp_mb__after_atomic();	/* against a kicker's test_and_set_bit() */
	if (stcp_tx_stopping(p))
		return;
	/* early: a kick, not the backoff's end (tx_queue_redial()) */
	if (p->tx_state == STCP_TX_IDLE &&
	    time_before(jiffies, p->redial_at)) {
		tx_queue_redial(p);
		return;
	}
	noio = memalloc_noio_save();
	if (p->tx_state == STCP_TX_UP) {
		out_up(p);
		goto out;
	}
	if (p->tx_state == STCP_TX_IDLE) {
		p->tx_state = STCP_TX_DIAL;
		err = synod_tcp_dial(p);
	} else {
		err = synod_tcp_dialed(p);
	}
	if (err == -EINPROGRESS) {
		tx_queue(p, max_t(long, (long)(p->tx_deadline - jiffies), 1));
		goto out;
	}
	if (!err)
		err = synod_tcp_dial_handshake(p);
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
	WARN_ON_ONCE(!stcp_tx_stopping(p));
	if (p->tx_state == STCP_TX_UP)
		out_link_down(p, 0);
	synod_tcp_link_unkey(&p->mac);
	synod_tcp_sock_close(p->sock, &p->cbs);
	p->sock = NULL;
	p->tx_state = STCP_TX_IDLE;
}
