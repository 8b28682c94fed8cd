// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_payload_land": landing buffers (payload_land.c), the
 * store buffers a follower receives payload frames into straight from the
 * socket, before their MAC is checked (payload.h).  That nothing of the
 * store sees one (sweeps, trims, lends), that a payload takes a landing
 * buffer's page instead of a copy, on both receive paths (one PAYLOAD
 * frame, pieces) and through the proposer's fresh chain, with the same
 * result as the copy; and that it copies when a page may not move (busy)
 * or the bytes are only compared.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "piece_fixture.h"
#include "transport.h"

/* A landing slot of @ps, as the replica takes one (replica_rx.c). */
static struct synod_pay *land_new(struct kunit *test,
				  struct synod_paystore *ps,
				  struct synod_replica *core)
{
	u32 i = synod_pay_land_take(ps, core);

	KUNIT_ASSERT_LT(test, i, SYNOD_PAY_COUNT);
	KUNIT_EXPECT_TRUE(test, ps->pay[i].used);
	KUNIT_EXPECT_EQ(test, ps->pay[i].nseg, 0u);
	return &ps->pay[i];
}

/* The buffer the next store takes: the top of the free stack. */
static void *next_free_data(struct synod_paystore *ps)
{
	return ps->nfree ? ps->pay[ps->free[ps->nfree - 1]].data : NULL;
}

/*
 * Piece @k of payload @ref (TOTAL bytes of @seed) from @from, received
 * into @land as the transport would (its bytes in the landing page),
 * then handed to @a as rx_placed() does.
 */
static enum synod_piece_res
piece_in_land(struct kunit *test, struct synod_paystore *ps,
	      struct synod_replica *core, struct synod_piece_asm *a, u32 from,
	      u64 ref, u32 k, u32 seed, struct synod_pay *land,
	      struct synod_pay **held)
{
	u8 *f = kunit_kmalloc(test, SYNOD_PIECE_HDR + BUF, GFP_KERNEL);
	struct synod_piece_hdr h;
	enum synod_piece_res res;
	u32 len;

	KUNIT_ASSERT_NOT_NULL(test, f);
	len = piece_frame(f, ref, TOTAL, k, seed);
	KUNIT_ASSERT_EQ(test, synod_piece_parse(f, len, SYNOD_PAY_BYTES_MAX,
						&h), 0);
	memcpy(land->data, f + SYNOD_PIECE_HDR, h.len);
	res = synod_piece_rx(ps, core, a, from, &h, land->data, land, held);
	kunit_kfree(test, f);
	return res;
}

/* One PAYLOAD frame of @plen bytes of @seed received into @land. */
static enum synod_piece_res
payload_in_land(struct synod_paystore *ps, struct synod_replica *core,
		struct synod_piece_asm *a, u32 from, u64 ref, u32 plen,
		u32 seed, struct synod_pay *land, struct synod_pay **held)
{
	u8 *d = land->data;
	u32 i;

	for (i = 0; i < plen; i++)
		d[i] = pbyte(seed, i);
	synod_piece_abandon(ps, a);
	return synod_piece_payload(ps, core, a, from, ref, d, plen, land,
				   held);
}

/* Whether @p holds exactly @plen bytes of @seed in its first buffer. */
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
 * A landing slot full of junk survives a trim (a sweep of everything
 * nothing holds, then the free buffers back to the pool), sweeps, and
 * the lending of every other payload: its page, its bytes and its marks
 * stay, and it is never on the free stack.  Unbacking everything at
 * exit takes it too, and the counts add up.
 */
static void land_invisible(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_pay *land, *p;
	void *page, *busy = NULL;
	u32 i;

	ps->gfp = 0;
	land = land_new(test, ps, core);
	page = land->data;
	memset(page, 0xa5, BUF);
	for (i = 0; i < 8; i++) {
		p = synod_pay_store(ps, ref_of_1(100 + i), BUF, core);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_ASSERT_TRUE(test, synod_pay_set_len(ps, p, BUF));
		KUNIT_EXPECT_TRUE(test, synod_pay_lend(ps, p));
		if (!i)		/* a socket still holds this one */
			busy = p->data;
	}
	get_page(virt_to_head_page(busy));
	synod_pay_sweep(ps, core);
	synod_pay_trim(ps, core);
	KUNIT_EXPECT_PTR_EQ(test, land->data, page);
	KUNIT_EXPECT_TRUE(test, land->used);
	KUNIT_EXPECT_EQ(test, land->nseg, 0u);
	KUNIT_EXPECT_FALSE(test, land->lent);
	KUNIT_EXPECT_EQ(test, land->pins, 0u);
	KUNIT_EXPECT_TRUE(test, hlist_unhashed(&land->hash));
	KUNIT_EXPECT_EQ(test, ((u8 *)land->data)[0], 0xa5);
	KUNIT_EXPECT_EQ(test, ((u8 *)land->data)[BUF - 1], 0xa5);
	for (i = 0; i < ps->nfree; i++)
		KUNIT_EXPECT_NE(test, ps->free[i], (u32)(land - ps->pay));
	/* only the busy lent payload and the landing slot are not free */
	KUNIT_EXPECT_EQ(test, ps->lent_segs, 1u);
	KUNIT_EXPECT_EQ(test, ps->backed - ps->nfree, 2u);
	put_page(virt_to_head_page(busy));
	KUNIT_EXPECT_EQ(test, synod_pay_unback_all(ps), 0u);
	KUNIT_EXPECT_NULL(test, land->data);
	KUNIT_EXPECT_EQ(test, ps->backed, 0u);
	synod_pay_exit(ps);
}

/*
 * Given back, a landing slot is a free buffer again: the next store
 * may take it, and the store's counts are those before it was taken.
 */
static void land_give_back(struct synod_paystore *ps, struct kunit *test,
			   struct synod_pay *land, u32 nfree)
{
	synod_pay_land_give(ps, land - ps->pay);
	KUNIT_EXPECT_FALSE(test, land->used);
	KUNIT_EXPECT_EQ(test, ps->nfree, nfree);
}

/*
 * A PAYLOAD frame of a new ref received in place: the payload's buffer
 * takes the landing page (its bytes, no copy), the landing slot the
 * buffer's old page; the store's free count is the one the copy path
 * leaves, and the landing slot gives back as a free buffer.
 */
static void land_payload_new_ref(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a = {};
	struct synod_pay *land, *p, *held;
	void *lpage, *bpage;
	u32 nfree0, nfree;
	u64 ref = ref_of_1(7);

	nfree0 = ps->nfree;
	land = land_new(test, ps, core);
	lpage = land->data;
	bpage = next_free_data(ps);
	nfree = ps->nfree;
	KUNIT_EXPECT_EQ(test, payload_in_land(ps, core, &a, 1, ref, BUF, 33,
					      land, &held), SYNOD_PIECE_DONE);
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ(test, p->data, lpage);
	KUNIT_EXPECT_PTR_EQ(test, land->data, bpage);
	KUNIT_EXPECT_TRUE(test, holds1(ps, p, BUF, 33));
	KUNIT_EXPECT_EQ(test, p->senders, (u32)BIT(1));
	KUNIT_EXPECT_EQ(test, ps->nfree, nfree - 1);
	KUNIT_EXPECT_EQ(test, ps->landed, 1u);
	KUNIT_EXPECT_EQ(test, ps->land_copied, 0u);
	/* the same frame again: held and bound already, nothing moves */
	KUNIT_EXPECT_EQ(test, payload_in_land(ps, core, &a, 1, ref, BUF, 33,
					      land, &held), SYNOD_PIECE_DONE);
	KUNIT_EXPECT_PTR_EQ(test, p->data, lpage);
	KUNIT_EXPECT_EQ(test, ps->landed, 1u);
	land_give_back(ps, test, land, nfree0 - 1);
	synod_pay_exit(ps);
}

/*
 * The payload's buffer busy (a page reference besides the store's, as
 * a socket or a page-cache lookup holds): the bytes are copied, no page
 * moves, and the copy is counted; the landing page busy the same.
 */
static void land_busy_copies(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a = {};
	struct synod_pay *land, *p, *held;
	void *lpage, *bpage;
	u64 ref = ref_of_1(8);

	land = land_new(test, ps, core);
	lpage = land->data;
	bpage = next_free_data(ps);
	KUNIT_ASSERT_NOT_NULL(test, bpage);
	get_page(virt_to_head_page(bpage));
	KUNIT_EXPECT_EQ(test, payload_in_land(ps, core, &a, 1, ref, BUF, 34,
					      land, &held), SYNOD_PIECE_DONE);
	put_page(virt_to_head_page(bpage));
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ(test, p->data, bpage);
	KUNIT_EXPECT_PTR_EQ(test, land->data, lpage);
	KUNIT_EXPECT_TRUE(test, holds1(ps, p, BUF, 34));
	KUNIT_EXPECT_EQ(test, ps->landed, 0u);
	KUNIT_EXPECT_EQ(test, ps->land_copied, 1u);

	/* now the landing page busy */
	ref = ref_of_1(9);
	bpage = next_free_data(ps);
	get_page(virt_to_head_page(lpage));
	KUNIT_EXPECT_EQ(test, payload_in_land(ps, core, &a, 1, ref, BUF, 35,
					      land, &held), SYNOD_PIECE_DONE);
	put_page(virt_to_head_page(lpage));
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ(test, p->data, bpage);
	KUNIT_EXPECT_PTR_EQ(test, land->data, lpage);
	KUNIT_EXPECT_TRUE(test, holds1(ps, p, BUF, 35));
	KUNIT_EXPECT_EQ(test, ps->land_copied, 2u);
	synod_pay_land_give(ps, land - ps->pay);
	synod_pay_exit(ps);
}

/*
 * A payload of three pieces received in place and the same bytes
 * copied under another ref give equal chains, lengths, senders and
 * pins; every piece took the landing page (the last, short one too).
 */
static void land_pieces_equal_copy(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {}, b1 = {};
	struct synod_pay *land, *p, *q, *held;
	u64 ref = ref_of_1(10), ref2 = ref_of_1(11);
	u32 k;

	land = land_new(test, ps, core);
	for (k = 0; k < 3; k++)
		KUNIT_EXPECT_EQ(test, piece_in_land(test, ps, core, &a1, 1, ref,
						    k, 36, land, &held),
				k < 2 ? SYNOD_PIECE_TAKEN : SYNOD_PIECE_DONE);
	for (k = 0; k < 3; k++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &b1, 1, ref2, k,
					       36, &held),
				k < 2 ? SYNOD_PIECE_TAKEN : SYNOD_PIECE_DONE);
	p = synod_pay_find(ps, ref);
	q = synod_pay_find(ps, ref2);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, p->len, TOTAL);
	KUNIT_EXPECT_EQ(test, p->nseg, 3u);
	KUNIT_EXPECT_TRUE(test, synod_pay_chains_equal(ps, p, q));
	KUNIT_EXPECT_TRUE(test, holds(ps, p, 36));
	KUNIT_EXPECT_EQ(test, p->senders, q->senders);
	KUNIT_EXPECT_EQ(test, p->pins, q->pins);
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	KUNIT_EXPECT_EQ(test, ps->landed, 3u);
	KUNIT_EXPECT_EQ(test, ps->land_copied, 0u);
	synod_pay_land_give(ps, land - ps->pay);
	synod_pay_exit(ps);
}

/*
 * Pieces of a ref held whole already, from a peer that had not sent it,
 * with the same bytes: compared, never swapped; the held chain's pages
 * stay what they were, and the landing page keeps the bytes.
 */
static void land_compare_no_swap(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a3 = {};
	struct synod_pay *land, *p, *q, *held;
	void *pages[3], *lpage;
	u64 ref = ref_of_1(12);
	u32 k;

	p = relayed_copy(test, ps, core, ref, 37);
	for (q = p, k = 0; q && k < 3; q = synod_pay_next(ps, q), k++)
		pages[k] = q->data;
	land = land_new(test, ps, core);
	lpage = land->data;
	for (k = 0; k < 3; k++)
		KUNIT_EXPECT_EQ(test, piece_in_land(test, ps, core, &a3, 3, ref,
						    k, 37, land, &held),
				k < 2 ? SYNOD_PIECE_TAKEN : SYNOD_PIECE_DONE);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), p);
	for (q = p, k = 0; q && k < 3; q = synod_pay_next(ps, q), k++)
		KUNIT_EXPECT_PTR_EQ(test, q->data, pages[k]);
	KUNIT_EXPECT_PTR_EQ(test, land->data, lpage);
	KUNIT_EXPECT_EQ(test, p->senders, (u32)(BIT(2) | BIT(3)));
	KUNIT_EXPECT_EQ(test, ps->landed, 0u);
	KUNIT_EXPECT_EQ(test, ps->land_copied, 0u);
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	synod_pay_land_give(ps, land - ps->pay);
	synod_pay_exit(ps);
}

/*
 * The proposer's pieces differ from a copy another peer relayed: they
 * go into a fresh chain (piece_fresh()), received in place, which is
 * swapped in for the copy once whole (piece_swap()): the payload holds
 * the proposer's bytes, nothing stays pinned, and the copy is left to
 * the sweep with its own pages.
 */
static void land_proposer_fresh(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {};
	struct synod_pay *land, *old, *p, *held;
	u64 ref = ref_of_1(13);
	u32 k;

	old = relayed_copy(test, ps, core, ref, 38);
	land = land_new(test, ps, core);
	for (k = 0; k < 3; k++)
		KUNIT_EXPECT_EQ(test, piece_in_land(test, ps, core, &a1, 1, ref,
						    k, 39, land, &held),
				k < 2 ? SYNOD_PIECE_TAKEN :
					SYNOD_PIECE_REPLACED);
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_NE(test, p, old);
	KUNIT_EXPECT_TRUE(test, holds(ps, p, 39));
	KUNIT_EXPECT_TRUE(test, holds(ps, old, 38));
	KUNIT_EXPECT_EQ(test, p->senders, (u32)BIT(1));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	KUNIT_EXPECT_EQ(test, ps->landed, 3u);
	synod_pay_land_give(ps, land - ps->pay);
	synod_pay_exit(ps);
}

/*
 * One piece received in place, then the assembly abandoned (the link
 * reset midway): nothing stays pinned, the chain has no length (absent
 * to a message), and the landing slot is still one, ready for the next
 * frame.
 */
static void land_abandon_midway(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_piece_asm a1 = {};
	struct synod_pay *land, *p, *held;
	u64 ref = ref_of_1(14);

	land = land_new(test, ps, core);
	KUNIT_EXPECT_EQ(test, piece_in_land(test, ps, core, &a1, 1, ref, 0, 40,
					    land, &held), SYNOD_PIECE_TAKEN);
	KUNIT_EXPECT_TRUE(test, synod_piece_abandon(ps, &a1));
	KUNIT_EXPECT_EQ(test, pinned(ps), 0u);
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p->len, 0u);
	KUNIT_EXPECT_TRUE(test, land->used);
	KUNIT_EXPECT_EQ(test, land->nseg, 0u);
	KUNIT_EXPECT_NOT_NULL(test, land->data);
	KUNIT_EXPECT_EQ(test, ps->landed, 1u);
	/* and the next payload lands as well */
	KUNIT_EXPECT_EQ(test, payload_in_land(ps, core, &a1, 1, ref_of_1(15),
					      BUF, 41, land, &held),
			SYNOD_PIECE_DONE);
	KUNIT_EXPECT_TRUE(test, holds1(ps, synod_pay_find(ps, ref_of_1(15)),
				       BUF, 41));
	KUNIT_EXPECT_EQ(test, ps->landed, 2u);
	synod_pay_land_give(ps, land - ps->pay);
	synod_pay_exit(ps);
}

/*
 * Which frames may land in a buffer, and past how many bytes
 * (synod_land_at()): the bound that keeps a forged header, read before
 * the frame's MAC, from writing past a buffer's page.  PAYLOAD and
 * PIECE frames of up to one buffer of data land, past their header; one
 * byte more, a header alone, a short frame or any other kind does not.
 */
static void land_at_bound(struct kunit *test)
{
	u8 f[1];

	f[0] = SYNOD_FRAME_PIECE;
	KUNIT_EXPECT_EQ(test, synod_land_at(f, SYNOD_PIECE_HDR + BUF),
			SYNOD_PIECE_HDR);
	KUNIT_EXPECT_EQ(test, synod_land_at(f, SYNOD_PIECE_HDR + 512),
			SYNOD_PIECE_HDR);
	KUNIT_EXPECT_EQ(test, synod_land_at(f, SYNOD_PIECE_HDR + BUF + 1), 0u);
	KUNIT_EXPECT_EQ(test, synod_land_at(f, SYNOD_PIECE_HDR), 0u);
	KUNIT_EXPECT_EQ(test, synod_land_at(f, SYNOD_PIECE_HDR - 1), 0u);
	KUNIT_EXPECT_EQ(test, synod_land_at(f, 0), 0u);
	KUNIT_EXPECT_EQ(test, synod_land_at(f, SYNOD_FRAME_MAX), 0u);
	KUNIT_EXPECT_EQ(test, synod_land_at(f, U32_MAX), 0u);

	f[0] = SYNOD_FRAME_PAYLOAD;
	KUNIT_EXPECT_EQ(test, synod_land_at(f, SYNOD_PAYLOAD_HDR + BUF),
			SYNOD_PAYLOAD_HDR);
	KUNIT_EXPECT_EQ(test, synod_land_at(f, SYNOD_PAYLOAD_HDR + 1),
			SYNOD_PAYLOAD_HDR);
	KUNIT_EXPECT_EQ(test, synod_land_at(f, SYNOD_PAYLOAD_HDR + BUF + 1),
			0u);
	KUNIT_EXPECT_EQ(test, synod_land_at(f, SYNOD_PAYLOAD_HDR), 0u);
	KUNIT_EXPECT_EQ(test, synod_land_at(f, 1), 0u);
	KUNIT_EXPECT_EQ(test, synod_land_at(f, SYNOD_FRAME_MAX), 0u);

	/* a message, a step-down, state transfer's kinds, none at all */
	for (f[0] = 0; f[0] < 16; f[0]++)
		if (f[0] != SYNOD_FRAME_PAYLOAD && f[0] != SYNOD_FRAME_PIECE)
			KUNIT_EXPECT_EQ(test, synod_land_at(f, 4096), 0u);
	f[0] = 0xff;
	KUNIT_EXPECT_EQ(test, synod_land_at(f, SYNOD_PIECE_HDR + BUF), 0u);
	/* the largest frame is more than a buffer and its largest header */
	KUNIT_EXPECT_GT(test, SYNOD_FRAME_MAX, SYNOD_PIECE_HDR + BUF);
}

static struct kunit_case land_cases[] = {
	KUNIT_CASE(land_at_bound),
	KUNIT_CASE(land_invisible),
	KUNIT_CASE(land_payload_new_ref),
	KUNIT_CASE(land_busy_copies),
	KUNIT_CASE(land_pieces_equal_copy),
	KUNIT_CASE(land_compare_no_swap),
	KUNIT_CASE(land_proposer_fresh),
	KUNIT_CASE(land_abandon_midway),
	{}
};

static struct kunit_suite land_suite = {
	.name = "synod_payload_land",
	.exit = paystore_fixture_exit,
	.test_cases = land_cases,
};

kunit_test_suites(&land_suite);
MODULE_LICENSE("GPL");
