// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_payload": what the payload store's sweep may free
 * (kmod/payload.c).  A buffer the core refers to stays; a buffer nothing
 * refers to stays until SYNOD_PAY_FRESH more buffers have been stored
 * since it was stored, announced again or last referred to (a payload
 * frame waiting for its message), however many sweeps run meanwhile; a
 * buffer a submission pass gathered for a write it has not given to the
 * core yet stays through any number of sweeps, since one pass can sweep
 * more than once: freeing it would leave the core a ref without data,
 * and the replica fenced at the journal write.  A buffer that only a
 * record in the outbox names (its journal write deferred to the end of a
 * run of frames) stays as long, and one a journal record queued or being
 * written names (pinned) as long as it is, and one whose pages the
 * network holds (busy) as long as it does.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "payload.h"

/*
 * A pool for one test (freed by the suite's exit): bound to @bound
 * buffers, @want spares, allocated now.
 */
static struct synod_paypool *pool_new(struct kunit *test, u64 bound, u32 want)
{
	struct synod_paypool *pool = kunit_kzalloc(test, sizeof(*pool),
						   GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_EQ(test, synod_paypool_init(pool, bound, want), 0);
	test->priv = pool;
	return pool;
}

/*
 * A store of node 0 on @pool and an empty core; both freed by the test's
 * end.  The store may allocate when the pool has no spare (as during
 * recovery), so that tests of the sweep see a store that can always
 * grow to its full size.
 */
static struct synod_paystore *store_on(struct kunit *test,
				       struct synod_paypool *pool,
				       struct synod_replica **core)
{
	struct synod_paystore *ps = kunit_kzalloc(test, sizeof(*ps),
						  GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ps);
	*core = kunit_kzalloc(test, sizeof(**core), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, *core);
	KUNIT_ASSERT_EQ(test, synod_pay_init(ps, 0, pool), 0);
	KUNIT_EXPECT_EQ(test, ps->backed, SYNOD_PAY_FLOOR);
	ps->gfp = GFP_KERNEL;
	return ps;
}

static struct synod_paystore *store_new(struct kunit *test,
					struct synod_replica **core)
{
	return store_on(test, pool_new(test, 2 * SYNOD_PAY_COUNT, 64), core);
}

/* Store @n buffers under fresh refs, named by nothing. */
static void store_some(struct kunit *test, struct synod_paystore *ps,
		       struct synod_replica *core, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		KUNIT_ASSERT_NOT_NULL(test, synod_pay_store(ps,
					synod_pay_new_ref(ps), 0, core));
}

/* Named by nothing: kept by sweeps until SYNOD_PAY_FRESH stores later. */
static void payload_unreferenced_swept(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = store_new(test, &core);
	u64 ref = synod_pay_new_ref(ps);

	KUNIT_ASSERT_NOT_NULL(test, synod_pay_store(ps, ref, 0, core));
	store_some(test, ps, core, SYNOD_PAY_FRESH - 1);
	synod_pay_sweep(ps, core);
	KUNIT_EXPECT_NOT_NULL(test, synod_pay_find(ps, ref));
	store_some(test, ps, core, 1);
	synod_pay_sweep(ps, core);
	KUNIT_EXPECT_NULL(test, synod_pay_find(ps, ref));
	synod_pay_exit(ps);
}

/*
 * Sweeps that come back to back (a sweep that freed little leaves the
 * store below its threshold, so the next store sweeps again) do not age
 * a payload frame whose message is still on its way: on a follower at
 * queue depth 32 that freed payloads between their frames and their
 * ACCEPT, which was then dropped and resent 400 ms later (make bench's
 * p99).  Announced again, a buffer is fresh again.
 */
static void payload_back_to_back_sweeps_keep_fresh(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = store_new(test, &core);
	u64 ref = synod_pay_new_ref(ps);
	struct synod_pay *p = synod_pay_store(ps, ref, 0, core);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < 4; i++)
		synod_pay_sweep(ps, core);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), p);
	store_some(test, ps, core, SYNOD_PAY_FRESH - 1);
	/* the frame comes again (a resend; rx_payload accepts it): as
	 * fresh as a new one */
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_store(ps, ref, 0, core), p);
	synod_pay_seen(ps, p);
	store_some(test, ps, core, SYNOD_PAY_FRESH - 1);
	synod_pay_sweep(ps, core);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), p);
	synod_pay_exit(ps);
}

/* Gathered by a pass: kept through many sweeps; handed over, swept. */
static void payload_gathered_kept(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = store_new(test, &core);
	u64 ref = synod_pay_new_ref(ps);
	struct synod_pay *p = synod_pay_store(ps, ref, 0, core);
	struct synod_wait_write w = { .req = 1, .block = 8, .ref = ref };
	u32 n = 1;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	ps->gathered = &w;
	ps->ngathered = &n;
	for (i = 0; i < 5; i++)
		synod_pay_sweep(ps, core);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), p);
	n = 0;		/* given to the core, which dropped it */
	store_some(test, ps, core, SYNOD_PAY_FRESH);
	synod_pay_sweep(ps, core);
	KUNIT_EXPECT_NULL(test, synod_pay_find(ps, ref));
	synod_pay_exit(ps);
}

/*
 * A pass that fills the store twice over: below SYNOD_PAY_LOW free it
 * sweeps every SYNOD_PAY_FRESH / 4 stores.  The first buffer, gathered, outlives
 * them all; the others are reused.
 */
static void payload_pass_fills_store(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = store_new(test, &core);
	u64 first = synod_pay_new_ref(ps), ref;
	struct synod_pay *p0 = synod_pay_store(ps, first, 0, core), *p;
	struct synod_wait_write w = { .req = 1, .block = 8, .ref = first };
	u32 i, sweeps, n = 1;

	KUNIT_ASSERT_NOT_NULL(test, p0);
	ps->gathered = &w;
	ps->ngathered = &n;
	/* expectations only from here: the store is freed at the end */
	for (i = 0; i < 2 * SYNOD_PAY_COUNT; i++) {
		ref = synod_pay_new_ref(ps);
		p = synod_pay_store(ps, ref, 0, core);
		KUNIT_EXPECT_NOT_NULL(test, p);
		if (!p)
			break;
		KUNIT_EXPECT_PTR_NE(test, p, p0);	/* never its buffer */
	}
	sweeps = ps->sweeps;
	KUNIT_EXPECT_GT(test, sweeps, 2u);
	KUNIT_EXPECT_NOT_NULL(test, synod_pay_find(ps, first));
	synod_pay_exit(ps);
}

/*
 * Every buffer held at once, then none: the next store gets one at the
 * first try, even though every buffer is young (no store has aged them
 * since).  A store whose clock only moves when a store succeeds must not
 * stay exhausted for ever.
 */
static void payload_exhausted_recovers(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = store_new(test, &core);
	struct synod_wait_write *w;
	u32 i, n = 0;

	w = kunit_kcalloc(test, SYNOD_PAY_COUNT, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	ps->gathered = w;
	ps->ngathered = &n;
	for (i = 0; i < SYNOD_PAY_COUNT; i++) {
		w[i].ref = synod_pay_new_ref(ps);
		KUNIT_ASSERT_NOT_NULL(test, synod_pay_store(ps, w[i].ref, 0, core));
		n = i + 1;
	}
	KUNIT_EXPECT_EQ(test, ps->nfree, 0u);
	KUNIT_EXPECT_NULL(test, synod_pay_store(ps, synod_pay_new_ref(ps), 0, core));
	n = 0;		/* all given to the core, which dropped them */
	KUNIT_EXPECT_NOT_NULL(test, synod_pay_store(ps, synod_pay_new_ref(ps), 0, core));
	synod_pay_exit(ps);
}

/*
 * Named only by a record still in the outbox (a run of frames deferred
 * its journal write and a later ACCEPT took the slot in the log): kept
 * while the outbox holds it.
 */
static void payload_outbox_kept(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = store_new(test, &core);
	struct synod_out *out = kunit_kzalloc(test, sizeof(*out), GFP_KERNEL);
	u64 ref = synod_pay_new_ref(ps);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, out);
	KUNIT_ASSERT_NOT_NULL(test, synod_pay_store(ps, ref, 0, core));
	out->persist[0].kind = SYNOD_PERSIST_ENTRY;
	out->persist[0].e.slot = 7;
	out->persist[0].e.kind = SYNOD_ENTRY_WRITE;
	out->persist[0].e.nwrites = 1;
	out->persist[0].e.w[0].ref = ref;
	out->npersist = 1;
	ps->outbox = out;
	for (i = 0; i < 4; i++)
		synod_pay_sweep(ps, core);
	KUNIT_EXPECT_NOT_NULL(test, synod_pay_find(ps, ref));
	out->npersist = 0;	/* written: the outbox is reset */
	store_some(test, ps, core, SYNOD_PAY_FRESH);
	synod_pay_sweep(ps, core);
	KUNIT_EXPECT_NULL(test, synod_pay_find(ps, ref));
	synod_pay_exit(ps);
}

/*
 * Store twice the store's size over @p, which something keeps: every
 * store succeeds (sweeps free the rest), none hands out @p, and @p is
 * still found under its ref.  Expectations only: the caller frees.
 */
static void fill_twice_keeping(struct kunit *test, struct synod_paystore *ps,
			       struct synod_replica *core,
			       struct synod_pay *p)
{
	u64 ref = p->ref;
	struct synod_pay *q;
	u32 i;

	for (i = 0; i < 2 * SYNOD_PAY_COUNT; i++) {
		q = synod_pay_store(ps, synod_pay_new_ref(ps), 0, core);
		KUNIT_EXPECT_NOT_NULL(test, q);
		if (!q)
			break;
		KUNIT_EXPECT_PTR_NE(test, q, p);
	}
	KUNIT_EXPECT_GT(test, ps->sweeps, 2u);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), p);
}

/*
 * Named only by a journal record queued or being written (replica_jq.c):
 * the core may have let go of the ref while a bio still reads the bytes
 * with the replica's lock dropped.  Kept by every sweep, also while the
 * store fills twice over (the sweeps that free young buffers when none
 * is free among them), and never handed out again; swept once unpinned.
 */
static void payload_pinned_kept(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = store_new(test, &core);
	u64 ref = synod_pay_new_ref(ps);
	struct synod_pay *p = synod_pay_store(ps, ref, 0, core);

	KUNIT_ASSERT_NOT_NULL(test, p);
	synod_pay_pin(p);
	/* expectations only from here: the store is freed at the end */
	fill_twice_keeping(test, ps, core, p);
	synod_pay_unpin(p);
	store_some(test, ps, core, SYNOD_PAY_FRESH);
	synod_pay_sweep(ps, core);
	KUNIT_EXPECT_NULL(test, synod_pay_find(ps, ref));
	synod_pay_exit(ps);
}

/*
 * A buffer the network holds: the transport sent its pages by reference
 * (queue_page()), and a socket keeps page references until the peer's TCP
 * acknowledges the bytes and reads them again to retransmit.  Here the
 * reference is on the buffer's last page, as when a socket holds the
 * tail of a 16 KiB payload: it counts on the compound page's head.  Kept
 * by every sweep and never handed out again while the store fills twice
 * over; swept once the reference is gone.
 */
static void payload_busy_kept(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = store_new(test, &core);
	u64 ref = synod_pay_new_ref(ps);
	struct synod_pay *p = synod_pay_store(ps, ref, 0, core);
	struct page *tail;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_FALSE(test, synod_pay_busy(ps, p));
	tail = virt_to_page(p->data + SYNOD_PAYLOAD_MAX - 1);
	get_page(tail);
	KUNIT_EXPECT_TRUE(test, synod_pay_busy(ps, p));
	/* expectations only from here: the store is freed at the end */
	fill_twice_keeping(test, ps, core, p);
	put_page(tail);
	KUNIT_EXPECT_FALSE(test, synod_pay_busy(ps, p));
	store_some(test, ps, core, SYNOD_PAY_FRESH);
	synod_pay_sweep(ps, core);
	KUNIT_EXPECT_NULL(test, synod_pay_find(ps, ref));
	synod_pay_exit(ps);
}

/*
 * Lending (sent by reference): at most SYNOD_PAY_LEND_MAX buffers at
 * once, so a lost peer whose socket holds pages costs the store no more;
 * payloads past the cap, and small ones, go by copy (lend says no).  A
 * lent buffer stays lent while a socket holds it and is never freed
 * then, even unheld and old; once let go it is taken back, at the cap
 * or by a sweep, and may be swept.  The store is grown first, so that
 * the cap is SYNOD_PAY_LEND_MAX and not half its size.
 */
static void payload_lend_capped(struct kunit *test)
{
	struct synod_pay *lent[SYNOD_PAY_LEND_MAX], *p;
	struct synod_replica *core;
	struct synod_paystore *ps = store_new(test, &core);
	u32 i;

	store_some(test, ps, core, 2 * SYNOD_PAY_LEND_MAX);
	KUNIT_ASSERT_GE(test, ps->backed, 2 * SYNOD_PAY_LEND_MAX);
	for (i = 0; i < SYNOD_PAY_LEND_MAX; i++) {
		lent[i] = synod_pay_store(ps, synod_pay_new_ref(ps), 0, core);
		KUNIT_ASSERT_NOT_NULL(test, lent[i]);
		lent[i]->len = SYNOD_PAYLOAD_MAX;
		KUNIT_ASSERT_TRUE(test, synod_pay_lend(ps, lent[i]));
		/* the socket's reference, on the last page */
		get_page(virt_to_page(lent[i]->data + SYNOD_PAYLOAD_MAX - 1));
	}
	/* expectations only from here: the store is freed at the end */
	p = synod_pay_store(ps, synod_pay_new_ref(ps), 0, core);
	KUNIT_EXPECT_NOT_NULL(test, p);
	if (!p)
		goto out;
	/*
	 * Pinned, as a payload being sent is held: the stores below age
	 * it past SYNOD_PAY_FRESH, and their sweeps would free it (then
	 * lending it would be lending a free buffer, which lend refuses).
	 */
	synod_pay_pin(p);
	p->len = SYNOD_PAY_LEND_MIN / 2;
	KUNIT_EXPECT_FALSE(test, synod_pay_lend(ps, p));	/* small */
	p->len = SYNOD_PAYLOAD_MAX;
	KUNIT_EXPECT_FALSE(test, synod_pay_lend(ps, p));	/* cap */
	KUNIT_EXPECT_EQ(test, ps->lend_full, 1u);
	KUNIT_EXPECT_TRUE(test, synod_pay_lend(ps, lent[3]));	/* still */
	/* unheld and old: kept while the socket holds them */
	for (i = 0; i < SYNOD_PAY_FRESH; i++)
		KUNIT_EXPECT_NOT_NULL(test, synod_pay_store(ps,
					synod_pay_new_ref(ps), 0, core));
	synod_pay_sweep(ps, core);
	for (i = 0; i < SYNOD_PAY_LEND_MAX; i++)
		KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, lent[i]->ref),
				    lent[i]);
	/* one let go: taken back at the cap, and the new one is lent */
	put_page(virt_to_page(lent[3]->data + SYNOD_PAYLOAD_MAX - 1));
	KUNIT_EXPECT_TRUE(test, synod_pay_lend(ps, p));
	KUNIT_EXPECT_FALSE(test, lent[3]->lent);
	KUNIT_EXPECT_EQ(test, ps->nlent, SYNOD_PAY_LEND_MAX);
	/* taken back, it is lent again only within the cap: not now */
	KUNIT_EXPECT_FALSE(test, synod_pay_lend(ps, lent[3]));
	KUNIT_EXPECT_FALSE(test, lent[3]->lent);
	synod_pay_sweep(ps, core);
	KUNIT_EXPECT_NULL(test, synod_pay_find(ps, lent[3]->ref));
	synod_pay_unpin(p);
out:
	for (i = 0; i < SYNOD_PAY_LEND_MAX; i++)
		if (i != 3)
			put_page(virt_to_page(lent[i]->data +
					      SYNOD_PAYLOAD_MAX - 1));
	synod_pay_exit(ps);
}

/* Store a buffer of @len bytes under a fresh ref; NULL if full. */
static struct synod_pay *store_len(struct synod_paystore *ps,
				   struct synod_replica *core, u32 len)
{
	struct synod_pay *p = synod_pay_store(ps, synod_pay_new_ref(ps), 0, core);

	if (p)
		p->len = len;
	return p;
}

/*
 * The cap on lending follows the store's size: at most half of what it
 * has backed.  Lent buffers are a hard reserve (never freed, nor given
 * back by a trim), and a cap above the floor let a store at its floor
 * (SYNOD_PAY_FLOOR, 32) lend every buffer to a lost peer's socket: it
 * had to take from the host's pool to store anything, and could not
 * shrink back.  A store that grows under load lends more.
 */
static void payload_lend_follows_size(struct kunit *test)
{
	struct synod_pay *lent[SYNOD_PAY_FLOOR], *p;
	struct synod_replica *core;
	struct synod_paystore *ps = store_new(test, &core);
	u32 i, n = 0;

	/* half the floor: stored without growing (SYNOD_PAY_LOW free left) */
	for (i = 0; i < SYNOD_PAY_FLOOR / 2; i++) {
		lent[n] = store_len(ps, core, SYNOD_PAYLOAD_MAX);
		KUNIT_ASSERT_NOT_NULL(test, lent[n]);
		KUNIT_ASSERT_TRUE(test, synod_pay_lend(ps, lent[n]));
		/* the socket's reference, on the last page */
		get_page(virt_to_page(lent[n]->data + SYNOD_PAYLOAD_MAX - 1));
		n++;
	}
	KUNIT_ASSERT_EQ(test, ps->backed, SYNOD_PAY_FLOOR);
	/* expectations only from here: the store is freed at the end */
	p = store_len(ps, core, SYNOD_PAYLOAD_MAX);
	KUNIT_EXPECT_NOT_NULL(test, p);
	if (!p)
		goto out;
	KUNIT_EXPECT_EQ(test, ps->backed, SYNOD_PAY_FLOOR);
	KUNIT_EXPECT_FALSE(test, synod_pay_lend(ps, p));	/* half the floor */
	KUNIT_EXPECT_EQ(test, ps->lend_full, 1u);
	KUNIT_EXPECT_EQ(test, ps->nlent, SYNOD_PAY_FLOOR / 2);
	/* the next store grows the store: it may lend more */
	KUNIT_EXPECT_NOT_NULL(test, store_len(ps, core, SYNOD_PAYLOAD_MAX));
	KUNIT_EXPECT_GT(test, ps->backed, SYNOD_PAY_FLOOR);
	KUNIT_EXPECT_TRUE(test, synod_pay_lend(ps, p));
	if (p->lent)
		get_page(virt_to_page(p->data + SYNOD_PAYLOAD_MAX - 1));
	/* what is lent is never given back, even when idle */
	synod_pay_trim(ps, core);
	KUNIT_EXPECT_GE(test, ps->backed, ps->nlent);
	KUNIT_EXPECT_EQ(test, ps->backed, SYNOD_PAY_FLOOR);
	if (p->lent)
		put_page(virt_to_page(p->data + SYNOD_PAYLOAD_MAX - 1));
out:
	for (i = 0; i < n; i++)
		put_page(virt_to_page(lent[i]->data + SYNOD_PAYLOAD_MAX - 1));
	synod_pay_exit(ps);
}

/*
 * The core's pending queue is a ring: a write that left it (proposed,
 * or failed) leaves its ref behind in the array.  Only the queued ones
 * hold a buffer; a stale one kept the last 64 writes' buffers of every
 * idle leader from going back to the pool.
 */
static void payload_stale_pending_swept(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = store_new(test, &core);
	u64 queued = synod_pay_new_ref(ps), gone = synod_pay_new_ref(ps);

	KUNIT_ASSERT_NOT_NULL(test, synod_pay_store(ps, queued, 0, core));
	KUNIT_ASSERT_NOT_NULL(test, synod_pay_store(ps, gone, 0, core));
	/* a queue that wraps: its head in the last slot, then slot 0 */
	core->pend[SYNOD_PENDING_MAX - 1].ref = gone;
	core->pend[0].ref = queued;
	core->pend_head = SYNOD_PENDING_MAX - 1;
	core->npend = 2;	/* both queued */
	store_some(test, ps, core, SYNOD_PAY_FRESH);
	synod_pay_sweep(ps, core);
	KUNIT_EXPECT_NOT_NULL(test, synod_pay_find(ps, queued));
	KUNIT_EXPECT_NOT_NULL(test, synod_pay_find(ps, gone));
	core->pend_head = 0;
	core->npend = 1;	/* "gone" left the queue; its ref stays */
	store_some(test, ps, core, SYNOD_PAY_FRESH);
	synod_pay_sweep(ps, core);
	KUNIT_EXPECT_NOT_NULL(test, synod_pay_find(ps, queued));
	KUNIT_EXPECT_NULL(test, synod_pay_find(ps, gone));
	synod_pay_exit(ps);
}

/* Hold @n fresh buffers, as writes gathered by a pass, in @w. */
static void hold_some(struct kunit *test, struct synod_paystore *ps,
		      struct synod_replica *core, struct synod_wait_write *w,
		      u32 *n, u32 more)
{
	ps->gathered = w;
	ps->ngathered = n;
	while (more--) {
		w[*n].ref = synod_pay_new_ref(ps);
		KUNIT_ASSERT_NOT_NULL(test, synod_pay_store(ps, w[*n].ref,
							    0, core));
		(*n)++;
	}
}

/*
 * Sized by load: a store starts with its floor, takes spares from the
 * pool (without allocating) as writes are held, and after
 * SYNOD_PAY_IDLE_TRIMS ticks without a store (a trim is due then, not
 * before) gives back everything beyond the floor that nothing holds.  A held buffer keeps its bytes
 * and its place through the trim; the pool has its spares back and
 * nothing charged.
 */
static void payload_grows_and_trims(struct kunit *test)
{
	struct synod_paypool *pool = pool_new(test, 2 * SYNOD_PAY_COUNT, 256);
	struct synod_replica *core;
	struct synod_paystore *ps = store_on(test, pool, &core);
	struct synod_wait_write *w;
	struct synod_pay *kept;
	u32 i, n = 0;

	ps->gfp = 0;		/* the I/O path: spares only */
	w = kunit_kcalloc(test, SYNOD_PAY_COUNT, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	hold_some(test, ps, core, w, &n, 3 * SYNOD_PAY_FLOOR);
	KUNIT_EXPECT_GE(test, ps->backed, 3 * SYNOD_PAY_FLOOR);
	KUNIT_EXPECT_EQ(test, ps->grown, (u64)ps->backed - SYNOD_PAY_FLOOR);
	kept = synod_pay_find(ps, w[5].ref);
	KUNIT_ASSERT_NOT_NULL(test, kept);
	memset(kept->data, 0x5a, SYNOD_PAYLOAD_MAX);
	/* all but one handed to the core, which dropped them */
	w[0] = w[5];
	n = 1;
	/* the first tick notes the last store, then it counts */
	for (i = 0; i < SYNOD_PAY_IDLE_TRIMS; i++)
		KUNIT_EXPECT_FALSE(test, synod_pay_trim_due(ps));
	KUNIT_EXPECT_TRUE(test, synod_pay_trim_due(ps));
	KUNIT_EXPECT_GT(test, ps->backed, SYNOD_PAY_FLOOR);
	synod_pay_trim(ps, core);
	KUNIT_EXPECT_EQ(test, ps->backed, SYNOD_PAY_FLOOR);
	KUNIT_EXPECT_EQ(test, ps->trimmed, ps->grown);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, w[0].ref), kept);
	KUNIT_EXPECT_EQ(test, ((u8 *)kept->data)[SYNOD_PAYLOAD_MAX - 1], 0x5a);
	KUNIT_EXPECT_EQ(test, pool->nspare, 256u);	/* all back */
	/* at its floor, no more trims are due */
	for (i = 0; i < 2 * SYNOD_PAY_IDLE_TRIMS; i++)
		KUNIT_EXPECT_FALSE(test, synod_pay_trim_due(ps));
	KUNIT_EXPECT_EQ(test, ps->backed, SYNOD_PAY_FLOOR);
	ps->gathered = NULL;
	synod_pay_exit(ps);
	KUNIT_EXPECT_EQ(test, pool->reserved, 0u);
}

/*
 * An empty pool is backpressure, not an allocation on the I/O path: the
 * store says exhausted and stores again once the pool is refilled.
 */
static void payload_pool_empty_backpressure(struct kunit *test)
{
	struct synod_paypool *pool = pool_new(test, 2 * SYNOD_PAY_COUNT, 0);
	struct synod_replica *core;
	struct synod_paystore *ps = store_on(test, pool, &core);
	struct synod_wait_write *w;
	u32 n = 0;

	ps->gfp = 0;
	w = kunit_kcalloc(test, SYNOD_PAY_COUNT, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	hold_some(test, ps, core, w, &n, SYNOD_PAY_FLOOR);
	KUNIT_EXPECT_NULL(test, synod_pay_store(ps, synod_pay_new_ref(ps),
						0, core));
	KUNIT_EXPECT_EQ(test, ps->exhausted, 1u);
	KUNIT_EXPECT_EQ(test, ps->backed, SYNOD_PAY_FLOOR);
	KUNIT_EXPECT_GT(test, pool->empty, 0u);
	pool->want = SYNOD_PAY_GROW;
	synod_paypool_fill(pool);
	KUNIT_EXPECT_NOT_NULL(test, synod_pay_store(ps, synod_pay_new_ref(ps),
						    0, core));
	ps->gathered = NULL;
	synod_pay_exit(ps);
}

/*
 * The host's bound: a store reserves its whole size (SYNOD_PAY_COUNT)
 * when created, whatever it holds, and a store that would pass the bound
 * is refused (-ENOSPC) until another is gone; a refused one reserves
 * nothing.
 */
static void payload_pool_bounded(struct kunit *test)
{
	struct synod_paypool *pool = pool_new(test, 2 * SYNOD_PAY_COUNT + 100,
					      64);
	struct synod_paystore *ps[3];
	u32 i;

	for (i = 0; i < 3; i++) {
		ps[i] = kunit_kzalloc(test, sizeof(*ps[i]), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, ps[i]);
	}
	KUNIT_ASSERT_EQ(test, synod_pay_init(ps[0], 0, pool), 0);
	KUNIT_ASSERT_EQ(test, synod_pay_init(ps[1], 1, pool), 0);
	KUNIT_EXPECT_EQ(test, ps[1]->backed, SYNOD_PAY_FLOOR);
	KUNIT_EXPECT_EQ(test, synod_pay_init(ps[2], 2, pool), -ENOSPC);
	KUNIT_EXPECT_EQ(test, pool->reserved, 2ull * SYNOD_PAY_COUNT);
	synod_pay_exit(ps[1]);
	KUNIT_EXPECT_EQ(test, synod_pay_init(ps[2], 2, pool), 0);
	synod_pay_exit(ps[2]);
	synod_pay_exit(ps[0]);
	KUNIT_EXPECT_EQ(test, pool->reserved, 0u);
}

static void payload_test_exit(struct kunit *test)
{
	if (test->priv)
		synod_paypool_exit(test->priv);
}

static struct kunit_case payload_cases[] = {
	KUNIT_CASE(payload_unreferenced_swept),
	KUNIT_CASE(payload_back_to_back_sweeps_keep_fresh),
	KUNIT_CASE(payload_gathered_kept),
	KUNIT_CASE(payload_pass_fills_store),
	KUNIT_CASE(payload_exhausted_recovers),
	KUNIT_CASE(payload_outbox_kept),
	KUNIT_CASE(payload_pinned_kept),
	KUNIT_CASE(payload_busy_kept),
	KUNIT_CASE(payload_lend_capped),
	KUNIT_CASE(payload_lend_follows_size),
	KUNIT_CASE(payload_stale_pending_swept),
	KUNIT_CASE(payload_grows_and_trims),
	KUNIT_CASE(payload_pool_empty_backpressure),
	KUNIT_CASE(payload_pool_bounded),
	{}
};

static struct kunit_suite payload_suite = {
	.name = "synod_payload",
	.exit = payload_test_exit,
	.test_cases = payload_cases,
};

kunit_test_suites(&payload_suite);
MODULE_LICENSE("GPL");
