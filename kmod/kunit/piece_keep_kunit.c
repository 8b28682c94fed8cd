// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_piece_keep": the proposer's pieces of a ref held
 * whole from another peer (proposer-wins for pieces, payload.h and
 * kmod/replica_piece.c) where the store, not the copy, decides: no
 * fresh chain to be had where the receive path cannot allocate; another
 * peer's pieces filling the ref at the swap; the copy journaled between
 * pieces; the copy swept and the proposer's bytes relayed meanwhile;
 * the copy pinned for now by another peer's compare, and the proposer's
 * message after it; the same rule for one buffer (replica_rx.c).
 * The cases of synod_piece (piece_kunit.c) run where the store may
 * allocate (paystore_fixture.h); these set ps->gfp to 0 where it
 * matters, as the receive path has it.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "piece_fixture.h"

/*
 * The store full and unable to grow (ps->gfp 0, as on the receive
 * path): the proposer's first differing piece finds no fresh chain.
 * NOBUF, the rest skipped (synod_piece_skipped(): its message finds the
 * payload absent and both come again), the held copy as it was and
 * unpinned, no buffer taken.
 */
static void keep_no_fresh_chain(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_pay *old, *held, *fill[SYNOD_PAY_FLOOR];
	struct synod_piece_asm a1 = {};
	u64 ref = ref_of_1(31);
	u32 i, n = 0, used;

	old = relayed_copy(test, ps, core, ref, 41);
	ps->gfp = 0;
	while (ps->nfree > 2) {
		KUNIT_ASSERT_LT(test, n, (u32)SYNOD_PAY_FLOOR);
		fill[n] = synod_pay_store(ps, synod_pay_new_ref(ps), BUF, core);
		KUNIT_ASSERT_NOT_NULL(test, fill[n]);
		fill[n]->len = BUF;
		synod_pay_pin(fill[n++]);
	}
	used = synod_pay_used(ps);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 0, 42,
				       &held), SYNOD_PIECE_NOBUF);
	KUNIT_EXPECT_TRUE(test, synod_piece_skipped(&a1, ref));
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 1, 42,
				       &held), SYNOD_PIECE_SKIP);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 2, 42,
				       &held), SYNOD_PIECE_SKIP);
	synod_piece_abandon(ps, &a1);	/* the frame of node 1's message */
	KUNIT_EXPECT_TRUE(test, synod_piece_skipped(&a1, ref));
	KUNIT_EXPECT_NULL(test, a1.head);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), old);
	KUNIT_EXPECT_TRUE(test, holds(ps, old, 41));
	KUNIT_EXPECT_EQ(test, old->senders, (u32)BIT(2));
	KUNIT_EXPECT_EQ(test, old->pins, 0u);
	KUNIT_EXPECT_EQ(test, pinned(ps), n);
	KUNIT_EXPECT_EQ(test, synod_pay_used(ps), used);
	for (i = 0; i < n; i++)
		synod_pay_unpin(fill[i]);
	synod_pay_exit(ps);
}

/*
 * The copy is swept while the proposer's pieces fill a fresh chain, and
 * peer 3 opens the ref again meanwhile: a chain without bytes under the
 * ref, pinned, which peer 3's pieces are filling.  The proposer's last
 * piece cannot swap it out: NOBUF, the fresh chain given back at once,
 * peer 3's chain still the entry and still its to finish.
 */
static void keep_other_fill_at_swap(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {}, a3 = {};
	struct synod_pay *fill, *held;
	u64 ref = ref_of_1(32);
	u32 used;

	relayed_copy(test, ps, core, ref, 43);
	ps->gfp = 0;
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 0, 44,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 1, 44,
				       &held), SYNOD_PIECE_TAKEN);
	synod_pay_trim(ps, core);	/* sweeps the young too */
	KUNIT_EXPECT_NULL(test, synod_pay_find(ps, ref));
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a3, 3, ref, 0, 45,
				       &held), SYNOD_PIECE_TAKEN);
	fill = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, fill);
	KUNIT_EXPECT_EQ(test, fill->len, 0u);
	KUNIT_EXPECT_EQ(test, fill->pins, 1u);
	used = synod_pay_used(ps);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 2, 44,
				       &held), SYNOD_PIECE_NOBUF);
	KUNIT_EXPECT_NULL(test, a1.head);
	synod_piece_abandon(ps, &a1);	/* the frame of node 1's message */
	KUNIT_EXPECT_TRUE(test, synod_piece_skipped(&a1, ref));
	KUNIT_EXPECT_EQ(test, synod_pay_used(ps), used - 3);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), fill);
	KUNIT_EXPECT_EQ(test, pinned(ps), 1u);
	/* peer 3's pieces finish what they opened */
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a3, 3, ref, 1, 45,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a3, 3, ref, 2, 45,
				       &held), SYNOD_PIECE_DONE);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), fill);
	KUNIT_EXPECT_TRUE(test, holds(ps, fill, 45));
	KUNIT_EXPECT_EQ(test, fill->senders, (u32)BIT(3));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/*
 * The copy is journaled (durable) while the proposer's pieces fill a
 * fresh chain: at the last piece it may no longer give way.  CONFLICT
 * with the copy kept (the caller's conflict path counts the proposer),
 * the fresh chain given back, the skip a conflict's, nothing pinned.
 */
static void keep_journaled_between_pieces(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {};
	struct synod_pay *old, *held = NULL;
	u64 ref = ref_of_1(33);
	u32 used;

	old = relayed_copy(test, ps, core, ref, 46);
	ps->gfp = 0;
	used = synod_pay_used(ps);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 0, 47,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 1, 47,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, synod_pay_used(ps), used + 3);
	old->durable = true;
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 2, 47,
				       &held), SYNOD_PIECE_CONFLICT);
	KUNIT_EXPECT_PTR_EQ(test, held, old);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), old);
	KUNIT_EXPECT_TRUE(test, holds(ps, old, 46));
	KUNIT_EXPECT_EQ(test, old->senders, (u32)BIT(2));
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a1, ref));
	KUNIT_EXPECT_EQ(test, synod_pay_used(ps), used);
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	old->durable = false;	/* as the journal's release would */
	synod_pay_exit(ps);
}

/*
 * The copy is swept while the proposer's pieces fill a fresh chain, and
 * node 3 relays the proposer's own bytes meanwhile, held whole under the
 * ref before the proposer's last piece.  The same bytes: DONE, the
 * proposer added to node 3's copy (no one to count), the fresh chain
 * given back.
 */
static void keep_swept_then_relayed(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {}, a3 = {};
	struct synod_pay *p, *held;
	u64 ref = ref_of_1(34);
	u32 i, used;

	relayed_copy(test, ps, core, ref, 48);
	ps->gfp = 0;
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 0, 49,
				       &held), SYNOD_PIECE_TAKEN);
	synod_pay_trim(ps, core);	/* sweeps the young too */
	KUNIT_EXPECT_NULL(test, synod_pay_find(ps, ref));
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a3, 3, ref, i,
					       49, &held),
				i < 2 ? SYNOD_PIECE_TAKEN : SYNOD_PIECE_DONE);
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p->senders, (u32)BIT(3));
	used = synod_pay_used(ps);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 1, 49,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 2, 49,
				       &held), SYNOD_PIECE_DONE);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), p);
	KUNIT_EXPECT_EQ(test, p->senders, (u32)(BIT(1) | BIT(3)));
	KUNIT_EXPECT_TRUE(test, holds(ps, p, 49));
	KUNIT_EXPECT_EQ(test, synod_pay_used(ps), used - 3);
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/*
 * The copy is pinned, not journaled, as the proposer's first piece
 * differs from it: node 3's pieces, the same bytes, are being compared
 * with it.  Kept only for now: NOBUF, not a conflict (the proposer's
 * message finds the payload absent, synod_piece_skipped(), and comes
 * again), nothing of the proposer's taken.  Once node 3 is done the
 * proposer's resend replaces the copy, both relays counted.
 */
static void keep_pinned_for_now(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {}, a3 = {};
	struct synod_pay *old, *held;
	u64 ref = ref_of_1(35);
	u32 i, used;

	old = relayed_copy(test, ps, core, ref, 50);
	ps->gfp = 0;
	used = synod_pay_used(ps);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a3, 3, ref, 0, 50,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, old->pins, 1u);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 0, 51,
				       &held), SYNOD_PIECE_NOBUF);
	KUNIT_EXPECT_TRUE(test, synod_piece_skipped(&a1, ref));
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 1, 51,
				       &held), SYNOD_PIECE_SKIP);
	KUNIT_EXPECT_EQ(test, synod_pay_used(ps), used);
	KUNIT_EXPECT_EQ(test, old->pins, 1u);
	for (i = 1; i < 3; i++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a3, 3, ref, i,
					       50, &held),
				i < 2 ? SYNOD_PIECE_TAKEN : SYNOD_PIECE_DONE);
	KUNIT_EXPECT_EQ(test, old->senders, (u32)(BIT(2) | BIT(3)));
	KUNIT_EXPECT_TRUE(test, holds(ps, old, 50));
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, i,
					       51, &held),
				i < 2 ? SYNOD_PIECE_TAKEN :
					SYNOD_PIECE_REPLACED);
	KUNIT_EXPECT_EQ(test, a1.replaced, (u32)(BIT(2) | BIT(3)));
	KUNIT_EXPECT_TRUE(test, holds(ps, synod_pay_find(ps, ref), 51));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/*
 * As keep_pinned_for_now, but as the receive path has it: between the
 * proposer's skipped pieces and its message naming the ref comes the
 * end of the pieces, a frame of another kind, on which the receive path
 * abandons the peer's assembly (replica_rx.c).  The message must still
 * find the payload absent (synod_piece_skipped(): NOPAY, sent again),
 * not held from another peer only (counted as unbound).
 */
static void keep_pinned_message_after_frame(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {}, a3 = {};
	struct synod_pay *old, *held;
	u64 ref = ref_of_1(36);
	u32 i;

	old = relayed_copy(test, ps, core, ref, 52);
	ps->gfp = 0;
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a3, 3, ref, 0, 52,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 0, 53,
				       &held), SYNOD_PIECE_NOBUF);
	synod_piece_abandon(ps, &a1);	/* node 1's message frame */
	KUNIT_EXPECT_TRUE(test, synod_piece_skipped(&a1, ref));
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a1, ref_of_1(37)));
	KUNIT_EXPECT_FALSE(test, old->senders & BIT(1));
	for (i = 1; i < 3; i++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a3, 3, ref, i,
					       52, &held),
				i < 2 ? SYNOD_PIECE_TAKEN : SYNOD_PIECE_DONE);
	/* the resend, the copy no longer pinned: the proposer's wins */
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, i,
					       53, &held),
				i < 2 ? SYNOD_PIECE_TAKEN :
					SYNOD_PIECE_REPLACED);
	KUNIT_EXPECT_TRUE(test, holds(ps, synod_pay_find(ps, ref), 53));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/*
 * The rule the single-buffer path (replica_rx.c, rx_payload()) asks of
 * a copy of one buffer that differs from its proposer's PAYLOAD frame,
 * the one piece_kept() asks: kept only for now while pinned and not
 * journaled, for the proposer only; not once unpinned (the proposer's
 * bytes replace it), nor journaled (a conflict: the proposer counted).
 * Held back, the ref outlives the frame's end of the assembly, as the
 * message comes in a frame of its own.
 */
static void keep_single_buffer_pinned(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {};
	struct synod_pay *p;
	u64 ref = ref_of_1(38);

	p = synod_pay_store(ps, ref, BUF, core);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p->len = BUF;
	p->senders = BIT(2);
	KUNIT_EXPECT_FALSE(test, synod_pay_kept_for_now(p, 1));
	KUNIT_EXPECT_NULL(test, synod_pay_kept_why(p, 1, false));
	synod_pay_pin(p);	/* a bio of the data area reads it */
	KUNIT_EXPECT_TRUE(test, synod_pay_kept_for_now(p, 1));
	KUNIT_EXPECT_FALSE(test, synod_pay_kept_for_now(p, 2));
	KUNIT_EXPECT_NOT_NULL(test, synod_pay_kept_why(p, 1, false));
	synod_piece_hold_back(&a1, ref);
	synod_piece_abandon(ps, &a1);
	KUNIT_EXPECT_TRUE(test, synod_piece_skipped(&a1, ref));
	p->durable = true;
	KUNIT_EXPECT_FALSE(test, synod_pay_kept_for_now(p, 1));
	p->durable = false;
	synod_pay_unpin(p);
	KUNIT_EXPECT_FALSE(test, synod_pay_kept_for_now(p, 1));
	synod_pay_exit(ps);
}

static struct kunit_case keep_cases[] = {
	KUNIT_CASE(keep_no_fresh_chain),
	KUNIT_CASE(keep_other_fill_at_swap),
	KUNIT_CASE(keep_journaled_between_pieces),
	KUNIT_CASE(keep_swept_then_relayed),
	KUNIT_CASE(keep_pinned_for_now),
	KUNIT_CASE(keep_pinned_message_after_frame),
	KUNIT_CASE(keep_single_buffer_pinned),
	{}
};

static struct kunit_suite keep_suite = {
	.name = "synod_piece_keep",
	.exit = paystore_fixture_exit,
	.test_cases = keep_cases,
};

kunit_test_suites(&keep_suite);
