// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_piece": a peer's PIECE frames put together into a
 * payload chain (kmod/replica_piece.c) on a real payload store.  Pieces
 * in order make the payload whole, bound to its sender and unpinned; a
 * store too full for the payload counts once and drops the rest quietly;
 * a piece out of order, or the link going down, abandons the assembly and
 * leaves nothing pinned; a resend of a payload held whole is compared,
 * never copied, and a piece that differs is a conflict; lengths and
 * offsets from the wire that a sender never makes are refused before use.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "piece_fixture.h"

/*
 * Three pieces in order: the first stores and pins the whole chain
 * (absent to messages: no length yet), the last sets the length, binds
 * the sender and unpins.
 */
static void piece_in_order(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a = {};
	struct synod_pay *p, *held;
	u64 ref = ref_of_1(1);

	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 0, 7, &held),
			SYNOD_PIECE_TAKEN);
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p->nseg, 3u);
	KUNIT_EXPECT_EQ(test, p->len, 0u);
	KUNIT_EXPECT_EQ(test, p->pins, 1u);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 1, 7, &held),
			SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, p->len, 0u);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 2, 7, &held),
			SYNOD_PIECE_DONE);
	KUNIT_EXPECT_EQ(test, p->len, TOTAL);
	KUNIT_EXPECT_EQ(test, p->pins, 0u);
	KUNIT_EXPECT_EQ(test, p->senders, (u32)BIT(1));
	KUNIT_EXPECT_TRUE(test, holds(ps, p, 7));
	KUNIT_EXPECT_NULL(test, a.head);
	synod_pay_exit(ps);
}

/*
 * A store that cannot grow and has two buffers free: the first piece
 * of a three-buffer payload takes none (NOBUF, counted once by the
 * caller), the others are dropped quietly, nothing is pinned, and the
 * next payload that fits goes in.
 */
static void piece_store_full_skips(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a = {};
	struct synod_pay *held, *fill[SYNOD_PAY_FLOOR];
	u64 ref = ref_of_1(2);
	u32 i, n = 0;

	ps->gfp = 0;
	while (ps->nfree > 2) {
		fill[n] = synod_pay_store(ps, synod_pay_new_ref(ps), BUF, core);
		KUNIT_ASSERT_NOT_NULL(test, fill[n]);
		fill[n]->len = BUF;
		synod_pay_pin(fill[n++]);
	}
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 0, 3, &held),
			SYNOD_PIECE_NOBUF);
	KUNIT_EXPECT_NULL(test, synod_pay_find(ps, ref));
	KUNIT_EXPECT_EQ(test, ps->nfree, 2u);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 1, 3, &held),
			SYNOD_PIECE_SKIP);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 2, 3, &held),
			SYNOD_PIECE_SKIP);
	KUNIT_EXPECT_NULL(test, a.head);
	/* room again: the resend goes in whole */
	synod_pay_unpin(fill[0]);
	synod_pay_unpin(fill[1]);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, i,
					       3, &held),
				i < 2 ? SYNOD_PIECE_TAKEN : SYNOD_PIECE_DONE);
	KUNIT_EXPECT_TRUE(test, holds(ps, synod_pay_find(ps, ref), 3));
	for (i = 2; i < n; i++)
		synod_pay_unpin(fill[i]);
	synod_pay_exit(ps);
}

/*
 * Peer 2's pieces of a ref whose assembly peer 1 holds open are refused
 * (NOBUF) and the rest of them dropped quietly: none of their bytes land
 * in peer 1's chain.  When peer 1 is done, the ref is held but not bound
 * to peer 2, and synod_piece_skipped() says peer 2's copy was skipped,
 * not different (its message then finds the payload absent, not
 * unbound), also after the frame that carries that message has
 * abandoned peer 2's assembly (replica_rx.c), as it always comes first.
 * A conflict is not such a skip, and a resend of the ref that conflicts
 * ends the skip.
 */
static void piece_other_peer_refused(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {}, a2 = {}, a3 = {};
	struct synod_pay *p, *held;
	u64 ref = ref_of_1(4);
	u32 k;

	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 0, 5,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a2, 2, ref, 0, 6,
				       &held), SYNOD_PIECE_NOBUF);
	for (k = 1; k < 3; k++) {
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a2, 2, ref, k,
					       6, &held), SYNOD_PIECE_SKIP);
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, k,
					       5, &held),
				k < 2 ? SYNOD_PIECE_TAKEN : SYNOD_PIECE_DONE);
	}
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, holds(ps, p, 5));
	KUNIT_EXPECT_EQ(test, p->senders, (u32)BIT(1));
	/* the frames that carry the peers' messages */
	KUNIT_EXPECT_FALSE(test, synod_piece_abandon(ps, &a2));
	KUNIT_EXPECT_FALSE(test, synod_piece_abandon(ps, &a1));
	KUNIT_EXPECT_TRUE(test, synod_piece_skipped(&a2, ref));
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a2, ref_of_1(5)));
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a1, ref));
	/* peer 3's other bytes under the ref: a conflict, not a skip */
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a3, 3, ref, 0, 9,
				       &held), SYNOD_PIECE_CONFLICT);
	KUNIT_EXPECT_PTR_EQ(test, held, p);
	synod_piece_abandon(ps, &a3);
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a3, ref));
	/* peer 2 resends its bytes, which differ: no longer a skip */
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a2, 2, ref, 0, 6,
				       &held), SYNOD_PIECE_CONFLICT);
	KUNIT_EXPECT_PTR_EQ(test, held, p);
	synod_piece_abandon(ps, &a2);
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a2, ref));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/*
 * A piece out of order (one skipped) abandons the assembly: nothing
 * pinned, no length, and the pieces after it are out of order too
 * until a first piece opens another.
 */
static void piece_out_of_order_abandons(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a = {};
	struct synod_pay *held;
	u64 ref = ref_of_1(3);

	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 0, 5, &held),
			SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, pinned(ps), 1u);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 2, 5, &held),
			SYNOD_PIECE_BAD);
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	KUNIT_EXPECT_NULL(test, a.head);
	KUNIT_EXPECT_EQ(test, synod_pay_find(ps, ref)->len, 0u);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 1, 5, &held),
			SYNOD_PIECE_BAD);
	/* a piece of another ref than the open one: abandoned too */
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 0, 5, &held),
			SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref_of_1(4), 1,
				       5, &held), SYNOD_PIECE_BAD);
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/*
 * The link goes down midway (the replica abandons that peer's
 * assembly, replica_rx.c): nothing stays pinned, the rest of the old
 * pieces are refused, and the resend from its first piece is taken.
 */
static void piece_link_down_abandons(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a = {};
	struct synod_pay *held;
	u64 ref = ref_of_1(5);
	u32 i;

	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 0, 9, &held),
			SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 1, 9, &held),
			SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_TRUE(test, synod_piece_abandon(ps, &a));
	KUNIT_EXPECT_FALSE(test, synod_piece_abandon(ps, &a));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 2, 9, &held),
			SYNOD_PIECE_BAD);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, i,
					       9, &held),
				i < 2 ? SYNOD_PIECE_TAKEN : SYNOD_PIECE_DONE);
	KUNIT_EXPECT_TRUE(test, holds(ps, synod_pay_find(ps, ref), 9));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/*
 * The replica's reset of a peer whose link went down
 * (synod_repl_pieces_reset(): abandon, then skip that ref): the rest of
 * the old pieces are dropped quietly (SKIP, not BAD, as pieces on a new
 * incoming connection may still come), the skip is not a conflict and
 * outlasts the frame of the peer's message, which abandons its
 * assembly first (replica_rx.c), and a first piece opens the payload
 * again, which ends the skip.
 */
static void piece_reset_skips_quietly(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a = {};
	struct synod_pay *held;
	u64 ref = ref_of_1(8);
	u32 i;

	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 0, 4, &held),
			SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_TRUE(test, synod_piece_abandon(ps, &a));
	a.skip = true;
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 1, 4, &held),
			SYNOD_PIECE_SKIP);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, 2, 4, &held),
			SYNOD_PIECE_SKIP);
	/* the frame of node 1's message */
	KUNIT_EXPECT_FALSE(test, synod_piece_abandon(ps, &a));
	KUNIT_EXPECT_TRUE(test, synod_piece_skipped(&a, ref));
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a, ref_of_1(9)));
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a, 1, ref, i,
					       4, &held),
				i < 2 ? SYNOD_PIECE_TAKEN : SYNOD_PIECE_DONE);
	KUNIT_EXPECT_TRUE(test, holds(ps, synod_pay_find(ps, ref), 4));
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a, ref));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/*
 * A resend from another peer whose total differs from the length held:
 * a conflict at its first piece, with the held payload, whose bytes and
 * length stay; the rest of it is dropped quietly, and the skip is a
 * conflict's (synod_piece_skipped() false: the message naming it counts
 * as unbound, not absent).
 */
static void piece_resend_other_total(struct kunit *test)
{
	u8 *f = kunit_kmalloc(test, SYNOD_PIECE_HDR + BUF, GFP_KERNEL);
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {}, a2 = {};
	struct synod_pay *p, *held;
	struct synod_piece_hdr h;
	u64 ref = ref_of_1(10);
	u32 i, len;

	KUNIT_ASSERT_NOT_NULL(test, f);
	for (i = 0; i < 3; i++)
		piece_in(test, ps, core, &a1, 1, ref, i, 13, &held);
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, p->len, TOTAL);
	for (i = 0; i < 2; i++) {
		len = piece_frame(f, ref, 2 * BUF, i, 13);
		KUNIT_ASSERT_EQ(test, synod_piece_parse(f, len,
							SYNOD_PAY_BYTES_MAX,
							&h), 0);
		KUNIT_EXPECT_EQ(test, synod_piece_rx(ps, core, &a2, 2, &h,
						     f + SYNOD_PIECE_HDR, NULL,
						     &held),
				i ? SYNOD_PIECE_SKIP : SYNOD_PIECE_CONFLICT);
		if (!i)
			KUNIT_EXPECT_PTR_EQ(test, held, p);
	}
	KUNIT_EXPECT_EQ(test, p->len, TOTAL);
	KUNIT_EXPECT_TRUE(test, holds(ps, p, 13));
	KUNIT_EXPECT_EQ(test, p->senders, (u32)BIT(1));
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a2, ref));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/*
 * A payload held whole, resent: by its own sender, skipped unread; by
 * another peer with the same bytes, compared (bound to it too, bytes
 * untouched); by a third with a piece that differs, a conflict on that
 * piece with the held payload returned, the rest skipped, the held
 * bytes unchanged and nothing pinned.
 */
static void piece_resend_compares(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {}, a2 = {}, a3 = {};
	struct synod_pay *p, *held;
	u64 ref = ref_of_1(6);
	u32 i;

	for (i = 0; i < 3; i++)
		piece_in(test, ps, core, &a1, 1, ref, i, 11, &held);
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, p->len, TOTAL);
	/* its sender again: nothing read */
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, i,
					       99, &held), SYNOD_PIECE_SKIP);
	KUNIT_EXPECT_TRUE(test, holds(ps, p, 11));
	/* another peer, same bytes: compared, bound */
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a2, 2, ref, i,
					       11, &held),
				i < 2 ? SYNOD_PIECE_TAKEN : SYNOD_PIECE_DONE);
	KUNIT_EXPECT_EQ(test, p->senders, (u32)(BIT(1) | BIT(2)));
	KUNIT_EXPECT_EQ(test, p->len, TOTAL);
	/* a third, other bytes from its second piece on: a conflict */
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a3, 0, ref, 0, 11,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a3, 0, ref, 1, 12,
				       &held), SYNOD_PIECE_CONFLICT);
	KUNIT_EXPECT_PTR_EQ(test, held, p);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a3, 0, ref, 2, 12,
				       &held), SYNOD_PIECE_SKIP);
	KUNIT_EXPECT_TRUE(test, holds(ps, p, 11));
	KUNIT_EXPECT_EQ(test, p->senders, (u32)(BIT(1) | BIT(2)));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}


/*
 * Then node 1, the ref's proposer, sends other bytes: its first piece
 * the same (compared), the others not.  From the first difference its
 * pieces go into a fresh chain (the equal first buffer copied from the
 * held copy), and at the last one that chain is the store's entry for
 * the ref: node 1's bytes, bound to node 1 alone, REPLACED with node 2
 * to be counted, nothing pinned.  The held copy, found by nothing now,
 * goes at the next sweep; the new one stays.
 */
static void piece_proposer_replaces_held(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {};
	struct synod_pay *old, *p, *held;
	u64 ref = ref_of_1(11);
	u32 used;

	old = relayed_copy(test, ps, core, ref, 21);
	used = synod_pay_used(ps);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 0, 21,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 1, 22,
				       &held), SYNOD_PIECE_TAKEN);
	/* the held copy stays the entry until the fresh one is whole */
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), old);
	KUNIT_EXPECT_EQ(test, pinned(ps), 1u);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 2, 22,
				       &held), SYNOD_PIECE_REPLACED);
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ(test, held, p);
	KUNIT_EXPECT_PTR_NE(test, p, old);
	KUNIT_EXPECT_EQ(test, p->len, TOTAL);
	KUNIT_EXPECT_TRUE(test, holds2(ps, p, 21, 22));
	KUNIT_EXPECT_EQ(test, p->senders, (u32)BIT(1));
	KUNIT_EXPECT_EQ(test, a1.replaced, (u32)BIT(2));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a1, ref));
	KUNIT_EXPECT_EQ(test, synod_pay_used(ps), used + 3);
	synod_pay_sweep(ps, core);
	KUNIT_EXPECT_EQ(test, synod_pay_used(ps), used);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), p);
	KUNIT_EXPECT_TRUE(test, holds2(ps, p, 21, 22));
	synod_pay_exit(ps);
}

/*
 * The proposer's payload of another total than the copy held: it goes
 * into a fresh chain from its first piece, and replaces the copy.
 */
static void piece_proposer_other_total(struct kunit *test)
{
	u8 *f = kunit_kmalloc(test, SYNOD_PIECE_HDR + BUF, GFP_KERNEL);
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {};
	struct synod_pay *p, *held;
	struct synod_piece_hdr h;
	u64 ref = ref_of_1(12);
	u32 i, len;

	KUNIT_ASSERT_NOT_NULL(test, f);
	relayed_copy(test, ps, core, ref, 23);
	for (i = 0; i < 2; i++) {
		len = piece_frame(f, ref, 2 * BUF, i, 24);
		KUNIT_ASSERT_EQ(test, synod_piece_parse(f, len,
							SYNOD_PAY_BYTES_MAX,
							&h), 0);
		KUNIT_EXPECT_EQ(test, synod_piece_rx(ps, core, &a1, 1, &h,
						     f + SYNOD_PIECE_HDR, NULL,
						     &held),
				i ? SYNOD_PIECE_REPLACED : SYNOD_PIECE_TAKEN);
	}
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p->len, 2 * BUF);
	KUNIT_EXPECT_EQ(test, p->nseg, 2u);
	KUNIT_EXPECT_EQ(test, p->senders, (u32)BIT(1));
	KUNIT_EXPECT_EQ(test, a1.replaced, (u32)BIT(2));
	for (i = 0; i < 2 * BUF; i += BUF) {
		piece_frame(f, ref, 2 * BUF, i / BUF, 24);
		KUNIT_EXPECT_TRUE(test, synod_pay_equal_at(ps, p, i,
							   f + SYNOD_PIECE_HDR,
							   BUF));
	}
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/*
 * The copy held is journaled (durable): its bytes never change, not
 * even for its proposer.  Node 1's first differing piece is a conflict
 * with the held copy (the caller counts node 1), the rest is dropped
 * quietly, no fresh chain is taken, and the skip is a conflict's.
 */
static void piece_proposer_journaled_kept(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {};
	struct synod_pay *old, *held;
	u64 ref = ref_of_1(13);
	u32 used;

	old = relayed_copy(test, ps, core, ref, 25);
	old->durable = true;
	used = synod_pay_used(ps);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 0, 25,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 1, 26,
				       &held), SYNOD_PIECE_CONFLICT);
	KUNIT_EXPECT_PTR_EQ(test, held, old);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 2, 26,
				       &held), SYNOD_PIECE_SKIP);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), old);
	KUNIT_EXPECT_TRUE(test, holds(ps, old, 25));
	KUNIT_EXPECT_EQ(test, old->senders, (u32)BIT(2));
	KUNIT_EXPECT_STREQ(test, synod_pay_kept_why(old, 1, false),
			   "in the journal");
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a1, ref));
	KUNIT_EXPECT_EQ(test, synod_pay_used(ps), used);
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/*
 * The copy held is busy (the network holds a page of it: lent, being
 * sent on to another peer): kept, and node 1 counted, both when it is
 * busy as the proposer's pieces first differ and when it becomes busy
 * while they are put together apart (checked again at the swap: the
 * fresh chain is given back).  Once the network lets go, the
 * proposer's resend wins.
 */
static void piece_proposer_busy_kept(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {};
	struct synod_pay *old, *held;
	struct page *pg;
	u64 ref = ref_of_1(14);
	u32 i, used;

	old = relayed_copy(test, ps, core, ref, 27);
	used = synod_pay_used(ps);
	pg = virt_to_page(synod_pay_next(ps, old)->data);
	get_page(pg);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 0, 28,
				       &held), SYNOD_PIECE_CONFLICT);
	KUNIT_EXPECT_PTR_EQ(test, held, old);
	KUNIT_EXPECT_STREQ(test, synod_pay_kept_why(old, 1, true),
			   "being sent");
	put_page(pg);
	/* busy from the second piece on: refused at the swap */
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 0, 28,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, synod_pay_used(ps), used + 3);
	get_page(pg);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 1, 28,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 2, 28,
				       &held), SYNOD_PIECE_CONFLICT);
	KUNIT_EXPECT_PTR_EQ(test, held, old);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), old);
	KUNIT_EXPECT_TRUE(test, holds(ps, old, 27));
	KUNIT_EXPECT_EQ(test, old->senders, (u32)BIT(2));
	KUNIT_EXPECT_FALSE(test, synod_piece_skipped(&a1, ref));
	KUNIT_EXPECT_EQ(test, synod_pay_used(ps), used);
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	put_page(pg);
	/* the network let go: the resend wins */
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, i,
					       28, &held),
				i < 2 ? SYNOD_PIECE_TAKEN :
					SYNOD_PIECE_REPLACED);
	KUNIT_EXPECT_TRUE(test, holds(ps, synod_pay_find(ps, ref), 28));
	KUNIT_EXPECT_EQ(test, a1.replaced, (u32)BIT(2));
	synod_pay_exit(ps);
}

/*
 * The proposer's link goes down (or a frame comes between its pieces)
 * while its pieces fill a fresh chain: the held copy is untouched and
 * still the entry, nothing stays pinned, and the fresh chain's buffers
 * are free again at once.  The rest of its pieces are dropped quietly
 * (a skip, not a conflict: its message finds the payload absent and it
 * is resent).  Meanwhile node 3's pieces, the same bytes as the copy,
 * were compared with the copy and bound to it; the resend replaces the
 * copy and both relays are counted.
 */
static void piece_proposer_abandoned(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {}, a3 = {};
	struct synod_pay *old, *held;
	u64 ref = ref_of_1(15);
	u32 i, used;

	old = relayed_copy(test, ps, core, ref, 29);
	used = synod_pay_used(ps);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 0, 30,
				       &held), SYNOD_PIECE_TAKEN);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a3, 3, ref, i,
					       29, &held),
				i < 2 ? SYNOD_PIECE_TAKEN : SYNOD_PIECE_DONE);
	KUNIT_EXPECT_EQ(test, old->senders, (u32)(BIT(2) | BIT(3)));
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 1, 30,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, synod_pay_used(ps), used + 3);
	/* synod_repl_pieces_reset(): abandoned, the rest skipped */
	KUNIT_EXPECT_TRUE(test, synod_piece_abandon(ps, &a1));
	a1.skip = true;
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	KUNIT_EXPECT_EQ(test, synod_pay_used(ps), used);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), old);
	KUNIT_EXPECT_TRUE(test, holds(ps, old, 29));
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 2, 30,
				       &held), SYNOD_PIECE_SKIP);
	synod_piece_abandon(ps, &a1);	/* the frame of node 1's message */
	KUNIT_EXPECT_TRUE(test, synod_piece_skipped(&a1, ref));
	KUNIT_EXPECT_TRUE(test, holds(ps, old, 29));
	/* the resend */
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, i,
					       30, &held),
				i < 2 ? SYNOD_PIECE_TAKEN :
					SYNOD_PIECE_REPLACED);
	KUNIT_EXPECT_EQ(test, a1.replaced, (u32)(BIT(2) | BIT(3)));
	KUNIT_EXPECT_TRUE(test, holds(ps, synod_pay_find(ps, ref), 30));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/*
 * The copy the proposer's pieces differed from is swept while they are
 * put together apart (nothing held it): at the last piece the fresh
 * chain is simply the payload, DONE, with no one to count.
 */
static void piece_proposer_copy_swept(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {};
	struct synod_pay *p, *held;
	u64 ref = ref_of_1(16);

	relayed_copy(test, ps, core, ref, 31);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 0, 32,
				       &held), SYNOD_PIECE_TAKEN);
	synod_pay_trim(ps, core);	/* sweeps the young too */
	KUNIT_EXPECT_NULL(test, synod_pay_find(ps, ref));
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 1, 32,
				       &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a1, 1, ref, 2, 32,
				       &held), SYNOD_PIECE_DONE);
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, holds(ps, p, 32));
	KUNIT_EXPECT_EQ(test, p->senders, (u32)BIT(1));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_exit(ps);
}

/* A frame of piece @k with one header field at @at set to @v (u32). */
static int parse_with(u8 *f, u32 k, u32 at, u32 v, u32 cut)
{
	struct synod_piece_hdr h;
	u32 len = piece_frame(f, ref_of_1(7), TOTAL, k, 1);

	if (at)
		synod_put_le32(f + at, v);
	return synod_piece_parse(f, len - cut, SYNOD_PAY_BYTES_MAX, &h);
}

/*
 * Lengths and offsets no sender of ours makes are refused by the parse,
 * before anything uses them: a total of 0, past SYNOD_PAY_BYTES_MAX or
 * not of whole sectors; an offset not at a buffer or past the total; a
 * length other than the frame's, or than a whole buffer (the last: what
 * is left); flags or pad set; a frame shorter than its header; a ref
 * without a proposer.
 */
static void piece_bad_lengths_refused(struct kunit *test)
{
	u8 *f = kunit_kmalloc(test, SYNOD_PIECE_HDR + BUF, GFP_KERNEL);
	struct synod_piece_hdr h;

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_EXPECT_EQ(test, parse_with(f, 0, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, parse_with(f, 2, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, parse_with(f, 0, 4, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse_with(f, 0, 4, SYNOD_PAY_BYTES_MAX + 512, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, parse_with(f, 0, 4, TOTAL + 100, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse_with(f, 0, 16, 512, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse_with(f, 0, 16, 3 * BUF, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse_with(f, 0, 20, BUF + 512, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse_with(f, 0, 0, 0, 512), -EINVAL);
	/* the last piece is 512 bytes: a whole buffer is too long */
	KUNIT_EXPECT_EQ(test, parse_with(f, 2, 4, 3 * BUF, 0), -EINVAL);
	/* a middle piece shorter than a buffer */
	KUNIT_EXPECT_EQ(test, parse_with(f, 0, 4, 512, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse_with(f, 0, 0, 0, 0), 0);
	f[1] = 1;
	KUNIT_EXPECT_EQ(test, synod_piece_parse(f, SYNOD_PIECE_HDR + BUF,
					  SYNOD_PAY_BYTES_MAX, &h),
			-EINVAL);
	f[1] = 0;
	f[3] = 1;
	KUNIT_EXPECT_EQ(test, synod_piece_parse(f, SYNOD_PIECE_HDR + BUF,
					  SYNOD_PAY_BYTES_MAX, &h),
			-EINVAL);
	f[3] = 0;
	KUNIT_EXPECT_EQ(test, synod_piece_parse(f, SYNOD_PIECE_HDR - 1,
					  SYNOD_PAY_BYTES_MAX, &h),
			-EINVAL);
	synod_put_le64(f + 8, 0x1234);
	KUNIT_EXPECT_EQ(test, synod_piece_parse(f, SYNOD_PIECE_HDR + BUF,
					  SYNOD_PAY_BYTES_MAX, &h),
			-EINVAL);
}

/*
 * A volume that is not LARGE takes one buffer per write
 * (synod_repl_write_max()): a 32 KiB payload's pieces, well formed, are
 * refused for it (-EFBIG) and taken on a LARGE one.  Taken, the chain
 * would become present, an ACCEPT naming it would pass, and the
 * journal, whose records hold one buffer there, would fence the replica.
 */
static void piece_too_long_for_volume(struct kunit *test)
{
	u8 *f = kunit_kmalloc(test, SYNOD_PIECE_HDR + BUF, GFP_KERNEL);
	struct synod_piece_hdr h;
	u32 k, len = 0;

	KUNIT_ASSERT_NOT_NULL(test, f);
	for (k = 0; k < 2; k++) {
		len = piece_frame(f, ref_of_1(9), 2 * BUF, k, 3);
		KUNIT_EXPECT_EQ(test, synod_piece_parse(f, len,
							SYNOD_PAYLOAD_MAX, &h),
				-EFBIG);
		KUNIT_EXPECT_EQ(test, synod_piece_parse(f, len,
							SYNOD_PAY_BYTES_MAX,
							&h), 0);
		KUNIT_EXPECT_EQ(test, h.total, 2 * BUF);
	}
	/* what is malformed stays -EINVAL, whatever the volume takes */
	synod_put_le32(f + 4, 2 * BUF + 100);
	KUNIT_EXPECT_EQ(test, synod_piece_parse(f, len, SYNOD_PAYLOAD_MAX, &h),
			-EINVAL);
}

static struct kunit_case piece_cases[] = {
	KUNIT_CASE(piece_in_order),
	KUNIT_CASE(piece_store_full_skips),
	KUNIT_CASE(piece_out_of_order_abandons),
	KUNIT_CASE(piece_link_down_abandons),
	KUNIT_CASE(piece_resend_compares),
	KUNIT_CASE(piece_bad_lengths_refused),
	KUNIT_CASE(piece_too_long_for_volume),
	KUNIT_CASE(piece_other_peer_refused),
	KUNIT_CASE(piece_reset_skips_quietly),
	KUNIT_CASE(piece_resend_other_total),
	KUNIT_CASE(piece_proposer_replaces_held),
	KUNIT_CASE(piece_proposer_other_total),
	KUNIT_CASE(piece_proposer_journaled_kept),
	KUNIT_CASE(piece_proposer_busy_kept),
	KUNIT_CASE(piece_proposer_abandoned),
	KUNIT_CASE(piece_proposer_copy_swept),
	{}
};

static struct kunit_suite piece_suite = {
	.name = "synod_piece",
	.exit = paystore_fixture_exit,
	.test_cases = piece_cases,
};

kunit_test_suites(&piece_suite);
MODULE_LICENSE("GPL");
