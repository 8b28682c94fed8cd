// SPDX-License-Identifier: GPL-2.0
/*
 * Each peer's send ring: its bytes at free-running positions, its
 * records read back and dropped, and its size, which follows the load.
 *
 * A ring starts at STCP_RING_MIN (tcp_priv.h says why).  When queue()
 * or queue_page() leaves it more than half full, or finds it full, they
 * set STCP_GROW and wake the peer's tx work, which doubles the ring
 * (or more, until the live bytes fill at most half) up to
 * SYNOD_SENDQ_BYTES, between two frames: so it grows ahead of need, in
 * a context that may sleep, and the queuers, which hold the replica
 * mutex and p->lock, never allocate.  Once the ring's fill stayed at
 * most a quarter of a smaller size for STCP_RING_IDLE_MS, the tx work
 * shrinks it to that size, and to STCP_RING_MIN when the link goes down
 * (the ring is then empty).  An idle volume so pins STCP_RING_MIN per
 * peer and a busy one what its load needs.
 *
 * A resize allocates the new ring outside every lock (the tx work's
 * NOIO scope makes GFP_KERNEL there GFP_NOIO), then swaps it under
 * send_mutex (no writer reads [tail, head) or moves tail) and p->lock
 * (no queuer writes past head), and frees the old ring after both.  The
 * live bytes keep their free-running positions under the new mask, so
 * head, tail and a half-written frame's p->cur_* stay valid, and the
 * page references of STCP_REC_REF records move with their bytes (the
 * socket took copies of the ring's bytes, never references).  Most of
 * the copy, [tail, head as first seen), is made under send_mutex alone,
 * since queuers only write past head: p->lock is held only for what
 * they queued meanwhile and for the swap.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "tcp_priv.h"

/*
 * Give @p its first ring, STCP_RING_MIN bytes, the first time the node
 * becomes a peer (create or set_peer), never on the send path; it is
 * resized, never freed, until destroy (synod_tcp_ring_free()).
 */
int synod_tcp_ring_alloc(struct tcp_peer *p)
{
	u8 *ring;

	if (p->ring)
		return 0;
	ring = kvmalloc(STCP_RING_MIN, GFP_KERNEL);
	if (!ring)
		return -ENOMEM;
	spin_lock_bh(&p->lock);
	p->ring = ring;
	WRITE_ONCE(p->ring_size, STCP_RING_MIN);
	p->ring_peak = 0;
	spin_unlock_bh(&p->lock);
	p->ring_since = jiffies;
	p->ring_retry = jiffies;
	return 0;
}

/*
 * Destroy: drop what is left (the tx work did, at its link's end;
 * nothing may keep a page) and free the ring.  No work runs.
 */
void synod_tcp_ring_free(struct tcp_peer *p)
{
	spin_lock_bh(&p->lock);
	if (p->ring)
		synod_tcp_ring_drop(p);
	spin_unlock_bh(&p->lock);
	kvfree(p->ring);
	p->ring = NULL;
	WRITE_ONCE(p->ring_size, 0);
}

/* Copy @len bytes into the ring at free-running offset @pos. */
void synod_tcp_ring_put(struct tcp_peer *p, u32 pos, const void *src,
			u32 len)
{
	u32 off = pos & (p->ring_size - 1);
	u32 first = min(len, p->ring_size - off);

	memcpy(p->ring + off, src, first);
	memcpy(p->ring, src + first, len - first);
}

/* Copy @len bytes out of the ring at free-running offset @pos. */
void synod_tcp_ring_get(const struct tcp_peer *p, u32 pos, void *dst, u32 len)
{
	u32 off = pos & (p->ring_size - 1);
	u32 first = min(len, p->ring_size - off);

	memcpy(dst, p->ring + off, first);
	memcpy(dst + first, p->ring, len - first);
}

/*
 * Read the record at free-running offset @pos of @p's ring, of which
 * @head is the end, into @r: its frame's payload length, the bytes it
 * holds, the bytes it takes in the ring and, if it refers to some, its
 * page reference.  -EIO if it makes no sense (a bug: the ring is ours
 * alone, its writers are queue() and queue_page()).  The caller owns
 * [@pos, @head): it holds p->lock, or send_mutex for the oldest record.
 */
int synod_tcp_rec_read(const struct tcp_peer *p, u32 pos, u32 head,
		       struct stcp_rec *r)
{
	u32 word;

	memset(r, 0, sizeof(*r));
	if (WARN_ON_ONCE(head - pos < sizeof(word)))
		return -EIO;
	synod_tcp_ring_get(p, pos, &word, sizeof(word));
	r->len = word & ~STCP_REC_REF;
	r->held = r->len;
	r->rec = stcp_rec_len(r->len);
	if (word & STCP_REC_REF) {
		synod_tcp_ring_get(p, pos + sizeof(u32), &r->held,
				   sizeof(r->held));
		synod_tcp_ring_get(p, pos + 2 * sizeof(u32), &r->ref,
				   sizeof(r->ref));
		if (WARN_ON_ONCE(!r->ref.len || r->held >= r->len ||
				 r->held + r->ref.len != r->len))
			return -EIO;
		r->rec = stcp_ref_rec_len(r->held);
	}
	if (WARN_ON_ONCE(!r->len || r->len > SYNOD_FRAME_MAX ||
			 r->rec > head - pos))
		return -EIO;
	return 0;
}

/*
 * Drop every record of @p's ring, giving back the page references of
 * those that hold some (the link is gone: the replica resends what
 * matters): a walk only while some do (ref_bytes), else O(1).  p->lock
 * held; the frame being written, if any, is the oldest record and goes
 * too, so its writer must forget it (p->cur_*).  A record that makes no
 * sense ends the walk: its pages leak, nothing worse.
 */
void synod_tcp_ring_drop(struct tcp_peer *p)
{
	struct stcp_rec r;

	lockdep_assert_held(&p->lock);
	while (p->ref_bytes && p->tail != p->head &&
	       !synod_tcp_rec_read(p, p->tail, p->head, &r)) {
		if (r.ref.len) {
			put_page(r.ref.page);
			p->ref_bytes -= page_size(r.ref.page);
		}
		p->tail += r.rec;
	}
	WARN_ON_ONCE(p->ref_bytes);
	p->ref_bytes = 0;
	p->tail = p->head;
}

/*
 * A queuer's note, p->lock held, after it put records of @need bytes
 * (@refused false) or found no room for them (@refused true): keep the
 * window's peak and say whether the tx work must be woken to grow the
 * ring, which it must once the ring is more than half full (or full)
 * and not at its largest, once per request (STCP_GROW).  A refused
 * @need is kept (the largest since the last growth), so that the
 * growth makes room for it too: a payload's pieces by copy (up to 1 MiB
 * of records, queue_pieces()) would else be refused again by a ring
 * grown only to twice its live bytes.
 */
bool synod_tcp_ring_mark(struct tcp_peer *p, bool refused, u32 need)
{
	u32 used = refused ? p->ring_size : p->head - p->tail;

	lockdep_assert_held(&p->lock);
	if (refused)
		p->ring_need = max(p->ring_need, need);
	p->ring_peak = max(p->ring_peak, used);
	return used > p->ring_size / 2 && p->ring_size < SYNOD_SENDQ_BYTES &&
	       !test_and_set_bit(STCP_GROW, &p->flags);
}

/* Copy [@pos, @end) of @p's ring to the same positions of @dst (@size). */
static void ring_copy(const struct tcp_peer *p, u8 *dst, u32 size, u32 pos,
		      u32 end)
{
	while (pos != end) {
		u32 off = pos & (size - 1);
		u32 n = min(end - pos, size - off);

		synod_tcp_ring_get(p, pos, dst + off, n);
		pos += n;
	}
}

/*
 * Make *@ring, of @size bytes (a power of two), @p's ring, its live
 * bytes copied to the same free-running positions; *@ring is then the
 * old ring, for the caller to free once it has let go of send_mutex.
 * -EBUSY, nothing changed, if the live bytes do not fit.  send_mutex
 * held: tail stays put and nobody reads [tail, head) meanwhile.
 */
int synod_tcp_ring_swap(struct tcp_peer *p, u8 **ring, u32 size)
{
	u32 tail, head;
	u8 *old;

	lockdep_assert_held(&p->send_mutex);
	spin_lock_bh(&p->lock);
	tail = p->tail;
	head = p->head;
	spin_unlock_bh(&p->lock);
	if (head - tail > size)
		return -EBUSY;
	/* queuers write only past head, into bytes not live yet */
	ring_copy(p, *ring, size, tail, head);

	spin_lock_bh(&p->lock);
	if (WARN_ON_ONCE(p->tail != tail) || p->head - tail > size) {
		spin_unlock_bh(&p->lock);
		return -EBUSY;
	}
	ring_copy(p, *ring, size, head, p->head);
	old = p->ring;
	p->ring = *ring;
	WRITE_ONCE(p->ring_size, size);	/* tx_counts() reads it unlocked */
	spin_unlock_bh(&p->lock);
	*ring = old;
	return 0;
}

/*
 * Resize @p's ring to @size bytes, a power of two from STCP_RING_MIN to
 * SYNOD_SENDQ_BYTES: allocate, swap, free the old one, each step bounded.
 * 0; -ENOMEM, counted, the ring keeping its size; -EBUSY if the live
 * bytes do not fit.  Only the tx work resizes (a test may, standing in
 * for it): it may sleep, and send_mutex must not be held.
 */
int synod_tcp_ring_resize(struct tcp_peer *p, u32 size)
{
	bool grow;
	u8 *ring;
	int err;

	might_sleep();
	if (WARN_ON_ONCE(!is_power_of_2(size) || size < STCP_RING_MIN ||
			 size > SYNOD_SENDQ_BYTES || !p->ring))
		return -EINVAL;
	if (size == p->ring_size)
		return 0;
	/*
	 * May fail rather than retry for ever: the tx work runs in a
	 * NOIO scope, where the OOM killer never runs, and the writeback
	 * that would free memory may wait for this very link's frames.
	 */
	ring = kvmalloc(size, GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL);
	if (!ring) {
		atomic64_inc(&p->ring_nomem);
		return -ENOMEM;
	}
	mutex_lock(&p->send_mutex);
	grow = size > p->ring_size;
	err = synod_tcp_ring_swap(p, &ring, size);
	mutex_unlock(&p->send_mutex);
	kvfree(ring);	/* the old ring, or the new one if unused */
	if (!err)
		atomic64_inc(grow ? &p->ring_grows : &p->ring_shrinks);
	return err;
}

/*
 * Whether a failed allocation is waiting out its STCP_RING_RETRY_MS.  A
 * range, not time_before(), so that a ring_retry left from long ago
 * (jiffies wrap on 32-bit) never looks ahead.  Read by queuers too.
 */
static bool ring_retry_waits(const struct tcp_peer *p)
{
	unsigned long retry = READ_ONCE(p->ring_retry);

	return time_in_range_open(jiffies, retry -
				  msecs_to_jiffies(STCP_RING_RETRY_MS), retry);
}

/*
 * Whether @p's ring, full, will grow soon: it is below its largest and
 * no failed allocation is waiting out its retry.  Queuers tell their
 * callers so (-EAGAIN rather than -ENOBUFS, tcp_queue.c).  p->lock held.
 */
bool synod_tcp_ring_growing(const struct tcp_peer *p)
{
	lockdep_assert_held(&p->lock);
	return p->ring_size < SYNOD_SENDQ_BYTES && !ring_retry_waits(p);
}

/* Begin a new shrink window: from now, with what is queued now. */
static void window_restart(struct tcp_peer *p)
{
	spin_lock_bh(&p->lock);
	p->ring_peak = p->head - p->tail;
	spin_unlock_bh(&p->lock);
	p->ring_since = jiffies;
}

/* The smallest ring that @peak bytes fill at most a quarter of. */
static u32 ring_fit(u32 peak)
{
	u32 size = STCP_RING_MIN;

	while (size < SYNOD_SENDQ_BYTES && peak > size / 4)
		size *= 2;
	return size;
}

/*
 * The tx work's look at its ring before each frame, and once a second
 * while the ring is above its least size or a growth request stands
 * (tcp_tx.c, out_up()): grow it if a queuer asked (STCP_GROW), to the
 * first doubling the live bytes and the largest refused batch
 * (synod_tcp_ring_mark()) fill at most half of (after a failed
 * allocation, not before STCP_RING_RETRY_MS, the request standing so
 * that queuers do not kick this work meanwhile); else, once a
 * shrink window of STCP_RING_IDLE_MS is over, shrink it to the smallest
 * size the window's peak fills at most a quarter of (so it does not pass
 * the grow mark again at the same load).  Each resize starts a window.
 */
void synod_tcp_ring_adjust(struct tcp_peer *p)
{
	u32 size = p->ring_size, want, used, peak, need;
	int err;

	spin_lock_bh(&p->lock);
	used = p->head - p->tail;
	peak = p->ring_peak;
	need = p->ring_need;
	spin_unlock_bh(&p->lock);
	if (test_bit(STCP_GROW, &p->flags) && size < SYNOD_SENDQ_BYTES) {
		/*
		 * After a failed allocation the request stands until the
		 * wait is over: queuers, seeing the bit, wake nobody.
		 */
		if (ring_retry_waits(p))
			return;
		clear_bit(STCP_GROW, &p->flags);
		/* room for the live bytes and the largest refused, at half */
		spin_lock_bh(&p->lock);
		p->ring_need = 0;
		spin_unlock_bh(&p->lock);
		want = size * 2;
		while (want < SYNOD_SENDQ_BYTES && (u64)used + need > want / 2)
			want *= 2;
		err = synod_tcp_ring_resize(p, want);
		if (err == -ENOMEM)	/* queuers read it */
			WRITE_ONCE(p->ring_retry, jiffies +
				   msecs_to_jiffies(STCP_RING_RETRY_MS));
		window_restart(p);
		return;
	}
	if (size >= SYNOD_SENDQ_BYTES)	/* nothing to grow, none to ask */
		clear_bit(STCP_GROW, &p->flags);
	if (time_before(jiffies, p->ring_since +
			msecs_to_jiffies(STCP_RING_IDLE_MS)))
		return;
	want = ring_fit(peak);
	if (want < size)
		synod_tcp_ring_resize(p, want);
	window_restart(p);
}

/*
 * The link is down and the ring empty (tcp_tx.c): back to STCP_RING_MIN,
 * so that a peer that is gone pins no more; the next link starts small.
 */
void synod_tcp_ring_reset(struct tcp_peer *p)
{
	clear_bit(STCP_GROW, &p->flags);
	synod_tcp_ring_resize(p, STCP_RING_MIN);
	window_restart(p);
}
