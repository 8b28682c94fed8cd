// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_piece_payload": what the receive path does with a
 * payload of one buffer sent in one PAYLOAD frame (replica_rx.c,
 * rx_payload()), decided by synod_piece_payload() (replica_piece.c) on
 * a real payload store, by the rules pieces follow: the bytes taken
 * and bound to their sender; the same bytes bound to another; other
 * bytes a conflict, unless the sender is the ref's proposer and the
 * copy is kept only for now (pinned, not journaled): then backpressure,
 * as for a full store or a ref whose pieces another peer is putting
 * together, and the ref held back so that the sender's message finds
 * the payload absent (resent), not unbound (counted), after the frame
 * of that message abandoned the sender's assembly.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "piece_fixture.h"

/*
 * Payload frame of @plen bytes of @seed for @ref, from @from, handed to
 * synod_piece_payload() after the frame before it abandoned @a (as
 * replica_rx.c does for every frame but a piece).
 */
static enum synod_piece_res
payload_in(struct kunit *test, struct synod_paystore *ps,
	   struct synod_replica *core, struct synod_piece_asm *a, u32 from,
	   u64 ref, u32 plen, u32 seed, struct synod_pay **held)
{
	u8 *d = kunit_kmalloc(test, BUF, GFP_KERNEL);
	enum synod_piece_res res;
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, d);
	for (i = 0; i < plen; i++)
		d[i] = pbyte(seed, i);
	synod_piece_abandon(ps, a);
	res = synod_piece_payload(ps, core, a, from, ref, d, plen, NULL, held);
	kunit_kfree(test, d);
	return res;
}

/* Whether @p holds exactly @plen bytes of @seed. */
static bool holds1(struct synod_paystore *ps, struct synod_pay *p, u32 plen,
		   u32 seed)
{
	u8 *want;
	bool ok;
	u32 i;

	if (!p)
		return false;
	want = kmalloc(plen, GFP_KERNEL);
	if (!want)
		return false;
	for (i = 0; i < plen; i++)
		want[i] = pbyte(seed, i);
	ok = p->len == plen && synod_pay_equal(ps, p, want, plen);
	kfree(want);
	return ok;
}

/*
 * A ref not held: its bytes taken, bound to the sender.  The same bytes
 * from another peer: bound to it too.  Its first sender again, with
 * other bytes: nothing read (as for a PAYLOAD frame before).  A third
 * peer's other bytes: a conflict with the held copy, which stays, and
 * no skip (its message counts as unbound).
 */
static void payload_frame_taken(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a0 = {}, a2 = {}, a3 = {};
	struct synod_pay *p, *held;
	u64 ref = ref_of_1(41);

	KUNIT_EXPECT_EQ(test, payload_in(test, ps, core, &a2, 2, ref, BUF, 61,
					 &held), SYNOD_PIECE_DONE);
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, holds1(ps, p, BUF, 61));
	KUNIT_EXPECT_EQ(test, p->senders, (u32)BIT(2));
	KUNIT_EXPECT_EQ(test, payload_in(test, ps, core, &a3, 3, ref, BUF, 61,
					 &held), SYNOD_PIECE_DONE);
	KUNIT_EXPECT_EQ(test, p->senders, (u32)(BIT(2) | BIT(3)));
	KUNIT_EXPECT_EQ(test, payload_in(test, ps, core, &a2, 2, ref, BUF, 62,
					 &held), SYNOD_PIECE_DONE);
	KUNIT_EXPECT_TRUE(test, holds1(ps, p, BUF, 61));
	KUNIT_EXPECT_EQ(test, payload_in(test, ps, core, &a0, 0, ref, BUF, 63,
					 &held), SYNOD_PIECE_CONFLICT);
	KUNIT_EXPECT_PTR_EQ(test, held, p);
	KUNIT_EXPECT_TRUE(test, holds1(ps, p, BUF, 61));
	KUNIT_EXPECT_EQ(test, p->senders, (u32)(BIT(2) | BIT(3)));
	synod_piece_abandon(ps, &a0);
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a0, ref));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/*
 * The proposer's other bytes against a copy another peer sent: kept
 * only for now while the copy is pinned and not journaled (a bio of the
 * data area reads it): NOBUF, nothing taken, the ref held back past the
 * frame of the proposer's message.  Another peer's other bytes then: a
 * conflict (the rule is the proposer's only).  Unpinned, the proposer's
 * resend is a conflict for the caller's conflict path to replace the
 * copy with, and no longer held back; journaled, a conflict too.
 */
static void payload_frame_kept_for_now(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {}, a2 = {}, a3 = {};
	struct synod_pay *p, *held;
	u64 ref = ref_of_1(42);

	KUNIT_EXPECT_EQ(test, payload_in(test, ps, core, &a2, 2, ref, BUF, 64,
					 &held), SYNOD_PIECE_DONE);
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	synod_pay_pin(p);
	KUNIT_EXPECT_EQ(test, payload_in(test, ps, core, &a1, 1, ref, BUF, 65,
					 &held), SYNOD_PIECE_NOBUF);
	KUNIT_EXPECT_NULL(test, held);
	KUNIT_EXPECT_TRUE(test, holds1(ps, p, BUF, 64));
	KUNIT_EXPECT_EQ(test, p->senders, (u32)BIT(2));
	synod_piece_abandon(ps, &a1);	/* the frame of node 1's message */
	KUNIT_EXPECT_TRUE(test, synod_piece_skipped(&a1, ref));
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a1, ref_of_1(43)));
	KUNIT_EXPECT_EQ(test, payload_in(test, ps, core, &a3, 3, ref, BUF, 65,
					 &held), SYNOD_PIECE_CONFLICT);
	KUNIT_EXPECT_PTR_EQ(test, held, p);
	synod_piece_abandon(ps, &a3);
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a3, ref));
	synod_pay_unpin(p);
	KUNIT_EXPECT_EQ(test, payload_in(test, ps, core, &a1, 1, ref, BUF, 65,
					 &held), SYNOD_PIECE_CONFLICT);
	KUNIT_EXPECT_PTR_EQ(test, held, p);
	synod_piece_abandon(ps, &a1);
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a1, ref));
	p->durable = true;
	KUNIT_EXPECT_EQ(test, payload_in(test, ps, core, &a1, 1, ref, BUF, 65,
					 &held), SYNOD_PIECE_CONFLICT);
	KUNIT_EXPECT_PTR_EQ(test, held, p);
	KUNIT_EXPECT_TRUE(test, holds1(ps, p, BUF, 64));
	p->durable = false;	/* as the journal's release would */
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/*
 * A ref whose pieces another peer is putting together (stored without
 * its bytes, pinned): a PAYLOAD frame of it is NOBUF, its length and
 * bytes left to the pieces, and the ref held back: when the pieces are
 * done the frame's sender's message finds the payload absent, not
 * another's copy unbound to it.
 */
static void payload_frame_pieces_filling(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a2 = {}, a3 = {};
	struct synod_pay *p, *held;
	u64 ref = ref_of_1(44);
	u32 i;

	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a3, 3, ref, 0, 66,
				       &held), SYNOD_PIECE_TAKEN);
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, payload_in(test, ps, core, &a2, 2, ref, BUF, 66,
					 &held), SYNOD_PIECE_NOBUF);
	KUNIT_EXPECT_EQ(test, p->len, 0u);
	KUNIT_EXPECT_EQ(test, p->pins, 1u);
	for (i = 1; i < 3; i++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a3, 3, ref, i,
					       66, &held),
				i < 2 ? SYNOD_PIECE_TAKEN : SYNOD_PIECE_DONE);
	KUNIT_EXPECT_TRUE(test, holds(ps, p, 66));
	KUNIT_EXPECT_EQ(test, p->senders, (u32)BIT(3));
	synod_piece_abandon(ps, &a2);	/* the frame of node 2's message */
	KUNIT_EXPECT_TRUE(test, synod_piece_skipped(&a2, ref));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/*
 * A store that cannot grow and has no buffer free: NOBUF, nothing
 * stored, the ref held back.  With room again the resend is taken and
 * the ref no longer held back.
 */
static void payload_frame_store_full(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {};
	struct synod_pay *held, *fill[SYNOD_PAY_FLOOR];
	u64 ref = ref_of_1(45);
	u32 i, n = 0;

	ps->gfp = 0;
	while (ps->nfree) {
		KUNIT_ASSERT_LT(test, n, (u32)SYNOD_PAY_FLOOR);
		fill[n] = synod_pay_store(ps, synod_pay_new_ref(ps), BUF, core);
		KUNIT_ASSERT_NOT_NULL(test, fill[n]);
		fill[n]->len = BUF;
		synod_pay_pin(fill[n++]);
	}
	KUNIT_EXPECT_EQ(test, payload_in(test, ps, core, &a1, 1, ref, 512, 67,
					 &held), SYNOD_PIECE_NOBUF);
	KUNIT_EXPECT_NULL(test, synod_pay_find(ps, ref));
	synod_piece_abandon(ps, &a1);
	KUNIT_EXPECT_TRUE(test, synod_piece_skipped(&a1, ref));
	synod_pay_unpin(fill[0]);
	KUNIT_EXPECT_EQ(test, payload_in(test, ps, core, &a1, 1, ref, 512, 67,
					 &held), SYNOD_PIECE_DONE);
	KUNIT_EXPECT_TRUE(test, holds1(ps, synod_pay_find(ps, ref), 512, 67));
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a1, ref));
	for (i = 1; i < n; i++)
		synod_pay_unpin(fill[i]);
	synod_pay_exit(ps);
}

/*
 * A chain stored longer than the frame, without bytes (an earlier
 * store of a longer payload under the ref, its pieces abandoned), that
 * the network holds a page of: it cannot be cut to the frame's one
 * buffer now.  NOBUF, length and bytes as they were; once the network
 * lets go the resend is taken, cut to its length.
 */
static void payload_frame_busy_chain(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {}, a2 = {};
	struct synod_pay *p, *held;
	struct page *pg;
	u64 ref = ref_of_1(46);

	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 0, 68,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_TRUE(test, synod_piece_abandon(ps, &a1));
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p->nseg, 3u);
	pg = virt_to_page(synod_pay_next(ps, p)->data);
	get_page(pg);
	KUNIT_EXPECT_EQ(test, payload_in(test, ps, core, &a2, 2, ref, BUF, 69,
					 &held), SYNOD_PIECE_NOBUF);
	KUNIT_EXPECT_EQ(test, p->len, 0u);
	KUNIT_EXPECT_EQ(test, p->nseg, 3u);
	KUNIT_EXPECT_EQ(test, p->senders, 0u);
	put_page(pg);
	KUNIT_EXPECT_EQ(test, payload_in(test, ps, core, &a2, 2, ref, BUF, 69,
					 &held), SYNOD_PIECE_DONE);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), p);
	KUNIT_EXPECT_TRUE(test, holds1(ps, p, BUF, 69));
	KUNIT_EXPECT_EQ(test, p->nseg, 1u);
	KUNIT_EXPECT_EQ(test, p->senders, (u32)BIT(2));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

static struct kunit_case payload_cases[] = {
	KUNIT_CASE(payload_frame_taken),
	KUNIT_CASE(payload_frame_kept_for_now),
	KUNIT_CASE(payload_frame_pieces_filling),
	KUNIT_CASE(payload_frame_store_full),
	KUNIT_CASE(payload_frame_busy_chain),
	{}
};

static struct kunit_suite payload_suite = {
	.name = "synod_piece_payload",
	.exit = paystore_fixture_exit,
	.test_cases = payload_cases,
};

kunit_test_suites(&payload_suite);
MODULE_LICENSE("GPL");
