// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_tcp_ring": a peer's send ring resized under load
 * (kmod/tcp_ring.c).  A ring that grows keeps its records' order and
 * bytes, also when they wrapped around the small ring's end and the
 * free-running positions wrap around 2^32; a shrink happens only when
 * the live bytes fit, and then keeps them too; records that refer to a
 * page keep their reference through a resize and give it back on drop;
 * a queuer asks for growth once past half, and the tx work's look
 * doubles the ring; queue_pieces() queues all its frames or none.  The
 * test stands in for the queuers (records put as
 * queue() and queue_page() put them) and for the writer (records read
 * back oldest first, as the tx work reads them).
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "tcp_priv.h"

/* Free-running start: 40000 bytes short of 2^32, so positions wrap. */
#define RING_T_START	(0u - 40000u)

/* A peer with a STCP_RING_MIN ring, up, head and tail at @start. */
static struct tcp_peer *peer_new(struct kunit *test, u32 start)
{
	struct tcp_peer *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	mutex_init(&p->send_mutex);
	spin_lock_init(&p->lock);
	KUNIT_ASSERT_EQ(test, synod_tcp_ring_alloc(p), 0);
	KUNIT_ASSERT_EQ(test, p->ring_size, STCP_RING_MIN);
	p->head = start;
	p->tail = start;
	p->up = true;
	return p;
}

/* The byte @i of record @seq's payload: differs by record and offset. */
static u8 rec_byte(u32 seq, u32 i)
{
	return (u8)(seq * 131 + i * 7 + (i >> 8));
}

/* Record @seq's payload length: 100 to ~20 KiB, not a multiple of 4. */
static u32 rec_len(u32 seq)
{
	return 101 + (seq * 4099) % (SYNOD_FRAME_MAX - 200);
}

/* Put record @seq as queue() would; false if the ring has no room. */
static bool rec_put(struct tcp_peer *p, u32 seq)
{
	u32 len = rec_len(seq), need = stcp_rec_len(len), i;
	u8 *buf = kmalloc(len, GFP_KERNEL);
	bool ok;

	if (!buf)
		return false;
	for (i = 0; i < len; i++)
		buf[i] = rec_byte(seq, i);
	spin_lock_bh(&p->lock);
	ok = p->ring_size - (p->head - p->tail) >= need;
	if (ok) {
		synod_tcp_ring_put(p, p->head, &len, sizeof(len));
		synod_tcp_ring_put(p, p->head + sizeof(len), buf, len);
		p->head += need;
		synod_tcp_ring_mark(p, false, 0);
	}
	spin_unlock_bh(&p->lock);
	kfree(buf);
	return ok;
}

/*
 * Read the oldest record as the writer would, under send_mutex, check
 * it is record @seq, byte for byte, and take it off the ring.
 */
static void rec_take(struct kunit *test, struct tcp_peer *p, u32 seq)
{
	struct stcp_rec r;
	u32 len = rec_len(seq), i, bad = 0;
	u8 *buf = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	mutex_lock(&p->send_mutex);
	KUNIT_ASSERT_EQ(test, synod_tcp_rec_read(p, p->tail, p->head, &r), 0);
	KUNIT_ASSERT_EQ(test, r.len, len);
	KUNIT_EXPECT_EQ(test, r.held, len);
	KUNIT_EXPECT_EQ(test, r.ref.len, 0u);
	synod_tcp_ring_get(p, p->tail + sizeof(u32), buf, len);
	for (i = 0; i < len; i++)
		bad += buf[i] != rec_byte(seq, i);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0u, "record %u: %u bytes wrong", seq,
			    bad);
	spin_lock_bh(&p->lock);
	p->tail += r.rec;
	spin_unlock_bh(&p->lock);
	mutex_unlock(&p->send_mutex);
	kunit_kfree(test, buf);
}

/* Put records from *@seq on until the ring has no room for the next. */
static u32 fill(struct tcp_peer *p, u32 *seq)
{
	u32 n = 0;

	while (rec_put(p, *seq)) {
		(*seq)++;
		n++;
	}
	return n;
}

/* Whether [tail, head) wraps around the end of the ring as it is now. */
static bool live_wraps(const struct tcp_peer *p)
{
	return p->head != p->tail &&
	       (p->tail & (p->ring_size - 1)) >=
	       ((p->head - 1) & (p->ring_size - 1));
}

/*
 * Records that wrap around the small ring's end, with free-running
 * positions about to wrap around 2^32, come back in order and intact
 * after the ring doubled twice, and the grown ring goes on taking and
 * wrapping records at the same positions.
 */
static void ring_grow_keeps_order_across_wrap(struct kunit *test)
{
	struct tcp_peer *p = peer_new(test, RING_T_START);
	u32 put = 0, took = 0, head, tail, n;

	/* move the live bytes to straddle the ring's end */
	fill(p, &put);
	for (n = 0; n < 16 && !live_wraps(p); n++) {
		rec_take(test, p, took++);
		fill(p, &put);
	}
	KUNIT_ASSERT_TRUE(test, live_wraps(p));
	KUNIT_ASSERT_GT(test, put - took, 1u);
	head = p->head;
	tail = p->tail;

	KUNIT_ASSERT_EQ(test, synod_tcp_ring_resize(p, 2 * STCP_RING_MIN), 0);
	KUNIT_ASSERT_EQ(test, synod_tcp_ring_resize(p, 4 * STCP_RING_MIN), 0);
	KUNIT_EXPECT_EQ(test, p->ring_size, 4 * STCP_RING_MIN);
	KUNIT_EXPECT_EQ(test, atomic64_read(&p->ring_grows), 2);
	/* positions are free-running: the resize leaves them as they were */
	KUNIT_EXPECT_EQ(test, p->head, head);
	KUNIT_EXPECT_EQ(test, p->tail, tail);

	/* the grown ring takes about four times as many, past its end */
	n = fill(p, &put);
	KUNIT_EXPECT_GT(test, n, 4u);
	while (took < put)
		rec_take(test, p, took++);
	for (n = 0; n < 3; n++) {
		fill(p, &put);
		while (took < put - 2)
			rec_take(test, p, took++);
	}
	while (took < put)
		rec_take(test, p, took++);
	KUNIT_EXPECT_EQ(test, p->head, p->tail);
	/* the positions went round 2^32 on the way */
	KUNIT_EXPECT_LT(test, p->head, RING_T_START);
	synod_tcp_ring_free(p);
}

/*
 * A shrink is refused while the live bytes do not fit the smaller ring,
 * leaving ring, size and bytes alone, and made once they do, keeping
 * the records at their positions.
 */
static void ring_shrink_only_when_fits(struct kunit *test)
{
	struct tcp_peer *p = peer_new(test, RING_T_START);
	u32 put = 0, took = 0;
	u8 *ring;

	KUNIT_ASSERT_EQ(test, synod_tcp_ring_resize(p, 4 * STCP_RING_MIN), 0);
	fill(p, &put);
	KUNIT_ASSERT_GT(test, p->head - p->tail, STCP_RING_MIN);
	ring = p->ring;
	KUNIT_EXPECT_EQ(test, synod_tcp_ring_resize(p, STCP_RING_MIN),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, synod_tcp_ring_resize(p, 2 * STCP_RING_MIN),
			-EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, p->ring, ring);
	KUNIT_EXPECT_EQ(test, p->ring_size, 4 * STCP_RING_MIN);
	KUNIT_EXPECT_EQ(test, atomic64_read(&p->ring_shrinks), 0);

	/* the writer takes the oldest until what is left fits */
	while (p->head - p->tail > STCP_RING_MIN - 4096)
		rec_take(test, p, took++);
	KUNIT_ASSERT_LT(test, took, put);
	KUNIT_ASSERT_EQ(test, synod_tcp_ring_resize(p, STCP_RING_MIN), 0);
	KUNIT_EXPECT_EQ(test, p->ring_size, STCP_RING_MIN);
	KUNIT_EXPECT_EQ(test, atomic64_read(&p->ring_shrinks), 1);
	while (took < put)
		rec_take(test, p, took++);
	/* and the small ring goes on as before */
	fill(p, &put);
	while (took < put)
		rec_take(test, p, took++);
	synod_tcp_ring_free(p);
}

/*
 * A record that refers to a page (queue_page()) keeps its reference
 * through a grow and a shrink, reads back the same, and the drop of a
 * link gives the reference back.
 */
static void ring_ref_moves_with_bytes(struct kunit *test)
{
	struct tcp_peer *p = peer_new(test, RING_T_START);
	struct page *page = alloc_page(GFP_KERNEL);
	struct stcp_ref ref = { .off = 100, .len = 3000 };
	u32 put = 0, took = 0, held = 16, word, need;
	u8 hdr[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	u8 back[16];
	struct stcp_rec r;

	KUNIT_ASSERT_NOT_NULL(test, page);
	ref.page = page;
	/* some copied records first, so the reference sits past the end */
	fill(p, &put);
	while (p->ring_size - (p->head - p->tail) < 8 * 1024)
		rec_take(test, p, took++);
	word = (held + ref.len) | STCP_REC_REF;
	need = stcp_ref_rec_len(held);
	get_page(page);
	spin_lock_bh(&p->lock);
	synod_tcp_ring_put(p, p->head, &word, sizeof(word));
	synod_tcp_ring_put(p, p->head + sizeof(u32), &held, sizeof(held));
	synod_tcp_ring_put(p, p->head + 2 * sizeof(u32), &ref, sizeof(ref));
	synod_tcp_ring_put(p, p->head + 2 * sizeof(u32) + sizeof(ref), hdr,
			   held);
	p->head += need;
	p->ref_bytes += page_size(page);
	spin_unlock_bh(&p->lock);
	KUNIT_EXPECT_EQ(test, page_count(page), 2);

	KUNIT_ASSERT_EQ(test, synod_tcp_ring_resize(p, 8 * STCP_RING_MIN), 0);
	while (took < put)
		rec_take(test, p, took++);
	KUNIT_ASSERT_EQ(test, synod_tcp_ring_resize(p, STCP_RING_MIN), 0);
	KUNIT_EXPECT_EQ(test, page_count(page), 2);
	KUNIT_ASSERT_EQ(test, synod_tcp_rec_read(p, p->tail, p->head, &r), 0);
	KUNIT_EXPECT_EQ(test, r.len, held + ref.len);
	KUNIT_EXPECT_EQ(test, r.held, held);
	KUNIT_EXPECT_EQ(test, r.rec, need);
	KUNIT_EXPECT_PTR_EQ(test, r.ref.page, page);
	KUNIT_EXPECT_EQ(test, r.ref.off, ref.off);
	KUNIT_EXPECT_EQ(test, r.ref.len, ref.len);
	synod_tcp_ring_get(p, p->tail + 2 * sizeof(u32) + sizeof(ref), back,
			   held);
	KUNIT_EXPECT_EQ(test, memcmp(back, hdr, held), 0);

	/* the link goes down: the drop gives the reference back */
	spin_lock_bh(&p->lock);
	synod_tcp_ring_drop(p);
	spin_unlock_bh(&p->lock);
	KUNIT_EXPECT_EQ(test, page_count(page), 1);
	KUNIT_EXPECT_EQ(test, p->ref_bytes, 0u);
	KUNIT_EXPECT_EQ(test, p->head, p->tail);
	synod_tcp_ring_free(p);
	__free_page(page);
}

/*
 * A queuer asks for growth once the ring is past half full, once per
 * request, or when it is full; the tx work's look then doubles the
 * ring, and does not go past SYNOD_SENDQ_BYTES.
 */
static void ring_grows_past_half(struct kunit *test)
{
	struct tcp_peer *p = peer_new(test, 0);
	u32 put = 0, took = 0;
	bool asked;

	while (p->head - p->tail <= STCP_RING_MIN / 2) {
		KUNIT_EXPECT_FALSE(test, test_bit(STCP_GROW, &p->flags));
		KUNIT_ASSERT_TRUE(test, rec_put(p, put++));
	}
	KUNIT_EXPECT_TRUE(test, test_bit(STCP_GROW, &p->flags));
	spin_lock_bh(&p->lock);
	asked = synod_tcp_ring_mark(p, false, 0);
	spin_unlock_bh(&p->lock);
	KUNIT_EXPECT_FALSE(test, asked);	/* asked already */
	synod_tcp_ring_adjust(p);
	KUNIT_EXPECT_EQ(test, p->ring_size, 2 * STCP_RING_MIN);
	KUNIT_EXPECT_FALSE(test, test_bit(STCP_GROW, &p->flags));

	/* a refusal asks too */
	spin_lock_bh(&p->lock);
	asked = synod_tcp_ring_mark(p, true, 0);
	spin_unlock_bh(&p->lock);
	KUNIT_EXPECT_TRUE(test, asked);
	synod_tcp_ring_adjust(p);
	KUNIT_EXPECT_EQ(test, p->ring_size, 4 * STCP_RING_MIN);
	while (took < put)
		rec_take(test, p, took++);

	/* never past the largest */
	KUNIT_ASSERT_EQ(test, synod_tcp_ring_resize(p, SYNOD_SENDQ_BYTES), 0);
	spin_lock_bh(&p->lock);
	asked = synod_tcp_ring_mark(p, true, 0);
	spin_unlock_bh(&p->lock);
	KUNIT_EXPECT_FALSE(test, asked);
	synod_tcp_ring_adjust(p);
	KUNIT_EXPECT_EQ(test, p->ring_size, SYNOD_SENDQ_BYTES);
	/* a link down takes it back to the least */
	synod_tcp_ring_reset(p);
	KUNIT_EXPECT_EQ(test, p->ring_size, STCP_RING_MIN);
	synod_tcp_ring_free(p);
}

/*
 * A batch refused whole (a payload's pieces by copy, 1 MiB of records)
 * asks for a growth that makes room for it and the live bytes at half
 * the ring, in one step: twice the live bytes alone would refuse it
 * again, a growth each time.  A later growth asks nothing more.
 */
static void ring_grows_for_refused_batch(struct kunit *test)
{
	struct tcp_peer *p = peer_new(test, 0);
	/* 64 pieces of 16 KiB by copy, with their headers */
	u32 need = 64 * (16384 + 64), put = 0, took = 0;
	bool asked;

	KUNIT_ASSERT_TRUE(test, rec_put(p, put++));
	spin_lock_bh(&p->lock);
	asked = synod_tcp_ring_mark(p, true, need);
	spin_unlock_bh(&p->lock);
	KUNIT_EXPECT_TRUE(test, asked);
	synod_tcp_ring_adjust(p);
	KUNIT_EXPECT_EQ(test, p->ring_size,
			min_t(u32, SYNOD_SENDQ_BYTES,
			      roundup_pow_of_two(2 * (p->head - p->tail +
						      need))));
	KUNIT_EXPECT_GE(test, p->ring_size / 2, need);
	KUNIT_EXPECT_EQ(test, p->ring_need, 0u);
	while (took < put)
		rec_take(test, p, took++);
	synod_tcp_ring_free(p);
}

/*
 * A growth that failed for memory waits STCP_RING_RETRY_MS before it is
 * tried again; meanwhile the request stands, so queuers do not wake the
 * tx work for every frame they put, and it is carried out once the
 * wait is over.
 */
static void ring_grow_waits_quietly_after_nomem(struct kunit *test)
{
	struct tcp_peer *p = peer_new(test, 0);
	bool asked;

	/*
	 * As synod_tcp_ring_adjust() leaves it after -ENOMEM: the wait
	 * set, the request bit clear (so this first refusal wakes).
	 */
	spin_lock_bh(&p->lock);
	/* full, it would refuse with -EAGAIN: it grows soon */
	KUNIT_EXPECT_TRUE(test, synod_tcp_ring_growing(p));
	spin_unlock_bh(&p->lock);
	p->ring_retry = jiffies + msecs_to_jiffies(STCP_RING_RETRY_MS);
	spin_lock_bh(&p->lock);
	/* not while the growth waits: -ENOBUFS, the core's backoff */
	KUNIT_EXPECT_FALSE(test, synod_tcp_ring_growing(p));
	asked = synod_tcp_ring_mark(p, true, 0);
	spin_unlock_bh(&p->lock);
	KUNIT_EXPECT_TRUE(test, asked);
	synod_tcp_ring_adjust(p);
	KUNIT_EXPECT_EQ(test, p->ring_size, STCP_RING_MIN);
	/* the next refusals within the wait wake nobody */
	spin_lock_bh(&p->lock);
	asked = synod_tcp_ring_mark(p, true, 0);
	spin_unlock_bh(&p->lock);
	KUNIT_EXPECT_FALSE(test, asked);
	KUNIT_EXPECT_TRUE(test, test_bit(STCP_GROW, &p->flags));
	/* once it is over, the standing request grows the ring */
	p->ring_retry = jiffies;
	synod_tcp_ring_adjust(p);
	KUNIT_EXPECT_EQ(test, p->ring_size, 2 * STCP_RING_MIN);
	KUNIT_EXPECT_FALSE(test, test_bit(STCP_GROW, &p->flags));
	synod_tcp_ring_free(p);
}

/*
 * A request left standing when the ring reached its largest (a queuer
 * marked just before the swap) is dropped by the tx work's look: else
 * no queuer would ever wake it to grow again once the ring has shrunk.
 */
static void ring_grow_request_dropped_at_largest(struct kunit *test)
{
	struct tcp_peer *p = peer_new(test, 0);
	bool asked;

	KUNIT_ASSERT_EQ(test, synod_tcp_ring_resize(p, SYNOD_SENDQ_BYTES), 0);
	spin_lock_bh(&p->lock);
	/* full at its largest: -ENOBUFS, a slow peer */
	KUNIT_EXPECT_FALSE(test, synod_tcp_ring_growing(p));
	spin_unlock_bh(&p->lock);
	set_bit(STCP_GROW, &p->flags);
	synod_tcp_ring_adjust(p);
	KUNIT_EXPECT_EQ(test, p->ring_size, SYNOD_SENDQ_BYTES);
	KUNIT_EXPECT_FALSE(test, test_bit(STCP_GROW, &p->flags));
	KUNIT_ASSERT_EQ(test, synod_tcp_ring_resize(p, STCP_RING_MIN), 0);
	spin_lock_bh(&p->lock);
	asked = synod_tcp_ring_mark(p, true, 0);
	spin_unlock_bh(&p->lock);
	KUNIT_EXPECT_TRUE(test, asked);
	synod_tcp_ring_free(p);
}

/* Ring bytes of one piece record by reference with a @held-byte header. */
#define PIECE_HDR	24u
#define PIECES_N	4u

/*
 * queue_pieces() puts all its frames or none: a ring short by one
 * record (by a word) takes none, by reference or by copy, and keeps no
 * page reference; a budget of pages short by one page takes none by
 * reference (-ENOSPC) but all by copy; with room, all go in, in order,
 * each with its reference, given back by the drop.
 */
static void ring_pieces_all_or_none(struct kunit *test)
{
	struct synod_transport *t = vzalloc(sizeof(*t));
	struct synod_tx_piece pc[PIECES_N];
	u8 hdr[PIECES_N][PIECE_HDR];
	u32 one = stcp_ref_rec_len(PIECE_HDR), head, i, pos;
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_COMP, 2);
	struct tcp_peer *p;
	struct stcp_rec r;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, page);
	t->cfg.self = 1;
	p = &t->peers[0];
	p->t = t;
	mutex_init(&p->send_mutex);
	spin_lock_init(&p->lock);
	KUNIT_ASSERT_EQ(test, synod_tcp_ring_alloc(p), 0);
	p->head = RING_T_START;
	p->tail = RING_T_START;
	p->up = true;
	/* no tx work here: a kick finds one pending and stops */
	set_bit(STCP_KICK, &p->flags);
	for (i = 0; i < PIECES_N; i++) {
		memset(hdr[i], 0xa0 + i, PIECE_HDR);
		memset(page_address(page) + i * 4096, i + 1, 4096);
		pc[i] = (struct synod_tx_piece){
			.hdr = { hdr[i], PIECE_HDR }, .page = page,
			.off = i * 4096, .len = 4096 };
	}

	/* room for all but the last record, short by one word */
	p->head = p->tail + p->ring_size - (PIECES_N * one - 4);
	head = p->head;
	KUNIT_EXPECT_EQ(test, synod_tcp_queue_pieces(t, 0, pc, PIECES_N,
						     false), -EAGAIN);
	KUNIT_EXPECT_EQ(test, synod_tcp_queue_pieces(t, 0, pc, PIECES_N,
						     true), -EAGAIN);
	KUNIT_EXPECT_EQ(test, p->head, head);
	KUNIT_EXPECT_EQ(test, p->ref_bytes, 0u);
	KUNIT_EXPECT_EQ(test, page_count(page), 1);

	/* the word comes free: all four go in, by reference */
	p->tail += 4;
	pos = p->head;
	KUNIT_ASSERT_EQ(test, synod_tcp_queue_pieces(t, 0, pc, PIECES_N,
						     false), 0);
	KUNIT_EXPECT_EQ(test, p->head - pos, PIECES_N * one);
	KUNIT_EXPECT_EQ(test, p->ref_bytes, PIECES_N * page_size(page));
	KUNIT_EXPECT_EQ(test, page_count(page), 1 + PIECES_N);
	for (i = 0; i < PIECES_N; i++) {
		KUNIT_ASSERT_EQ(test, synod_tcp_rec_read(p, pos, p->head, &r),
				0);
		KUNIT_EXPECT_EQ(test, r.len, PIECE_HDR + 4096);
		KUNIT_EXPECT_EQ(test, r.held, PIECE_HDR);
		KUNIT_EXPECT_PTR_EQ(test, r.ref.page, page);
		KUNIT_EXPECT_EQ(test, r.ref.off, i * 4096);
		pos += r.rec;
	}
	/* the link drops: every reference comes back */
	spin_lock_bh(&p->lock);
	p->tail = head;
	synod_tcp_ring_drop(p);
	spin_unlock_bh(&p->lock);
	KUNIT_EXPECT_EQ(test, page_count(page), 1);

	/* a budget of pages short by one: none by reference, all by copy */
	p->ref_bytes = SYNOD_SENDQ_BYTES - (PIECES_N - 1) * page_size(page);
	head = p->head;
	KUNIT_EXPECT_EQ(test, synod_tcp_queue_pieces(t, 0, pc, PIECES_N,
						     false), -ENOSPC);
	KUNIT_EXPECT_EQ(test, p->head, head);
	KUNIT_EXPECT_EQ(test, page_count(page), 1);
	KUNIT_ASSERT_EQ(test, synod_tcp_queue_pieces(t, 0, pc, PIECES_N,
						     true), 0);
	KUNIT_EXPECT_EQ(test, page_count(page), 1);
	pos = head;
	for (i = 0; i < PIECES_N; i++) {
		u8 b[PIECE_HDR + 2];

		KUNIT_ASSERT_EQ(test, synod_tcp_rec_read(p, pos, p->head, &r),
				0);
		KUNIT_EXPECT_EQ(test, r.len, PIECE_HDR + 4096);
		KUNIT_EXPECT_EQ(test, r.held, r.len);
		KUNIT_EXPECT_EQ(test, r.ref.len, 0u);
		synod_tcp_ring_get(p, pos + sizeof(u32), b, sizeof(b));
		KUNIT_EXPECT_EQ(test, b[0], 0xa0 + i);
		KUNIT_EXPECT_EQ(test, b[PIECE_HDR], i + 1);
		pos += r.rec;
	}
	KUNIT_EXPECT_EQ(test, pos, p->head);
	p->ref_bytes = 0;

	/* by copy, a ring short by one word of all the records: none */
	spin_lock_bh(&p->lock);
	synod_tcp_ring_drop(p);
	spin_unlock_bh(&p->lock);
	one = stcp_rec_len(PIECE_HDR + 4096);
	p->head = p->tail + p->ring_size - (PIECES_N * one - 4);
	head = p->head;
	KUNIT_EXPECT_EQ(test, synod_tcp_queue_pieces(t, 0, pc, PIECES_N,
						     true), -EAGAIN);
	KUNIT_EXPECT_EQ(test, p->head, head);
	KUNIT_EXPECT_GE(test, p->ring_need, PIECES_N * one);
	p->tail += 4;
	KUNIT_EXPECT_EQ(test, synod_tcp_queue_pieces(t, 0, pc, PIECES_N,
						     true), 0);
	KUNIT_EXPECT_EQ(test, p->head - head, PIECES_N * one);
	KUNIT_EXPECT_EQ(test, page_count(page), 1);
	synod_tcp_ring_free(p);
	__free_pages(page, 2);
	vfree(t);
}

static struct kunit_case tcp_ring_cases[] = {
	KUNIT_CASE(ring_grow_keeps_order_across_wrap),
	KUNIT_CASE(ring_shrink_only_when_fits),
	KUNIT_CASE(ring_ref_moves_with_bytes),
	KUNIT_CASE(ring_grows_past_half),
	KUNIT_CASE(ring_grows_for_refused_batch),
	KUNIT_CASE(ring_grow_waits_quietly_after_nomem),
	KUNIT_CASE(ring_grow_request_dropped_at_largest),
	KUNIT_CASE(ring_pieces_all_or_none),
	{}
};

static struct kunit_suite tcp_ring_suite = {
	.name = "synod_tcp_ring",
	.test_cases = tcp_ring_cases,
};

kunit_test_suites(&tcp_ring_suite);
MODULE_LICENSE("GPL");
