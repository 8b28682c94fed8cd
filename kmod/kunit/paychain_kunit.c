// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_paychain": payloads longer than one buffer, stored
 * as chains of buffers (kmod/payload.h).  A chain is stored whole or not
 * at all, so a short store never holds half a payload; the sweep frees
 * whole chains and never a buffer of a chain on its own; the network may
 * hold any buffer of a chain, so busy looks at all of them; the cap on
 * lending counts buffers, since what it bounds is memory that sockets
 * keep; bytes are copied in across buffers, in order.
 */
#include <kunit/test.h>
#include <linux/bio.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "admit.h"
#include "payload.h"
#include "paystore_fixture.h"

#define BUF	SYNOD_PAY_BUF_BYTES

/* A chain of @bytes under a fresh ref, its length set; pinned if @pin. */
static struct synod_pay *chain_new(struct kunit *test,
				   struct synod_paystore *ps,
				   struct synod_replica *core, u32 bytes,
				   bool pin)
{
	struct synod_pay *p = synod_pay_store(ps, synod_pay_new_ref(ps), bytes,
					      core);

	KUNIT_ASSERT_NOT_NULL(test, p);
	p->len = bytes;
	if (pin)
		synod_pay_pin(p);
	return p;
}

/* Let go of every pin, before the store's exit (which keeps pinned ones). */
static void unpin_all(struct synod_paystore *ps)
{
	u32 i;

	for (i = 0; i < SYNOD_PAY_COUNT; i++)
		while (ps->pay[i].pins)
			synod_pay_unpin(&ps->pay[i]);
}

/* Buffer @i of chain @head (0: the head). */
static struct synod_pay *chain_buf(struct synod_paystore *ps,
				   struct synod_pay *head, u32 i)
{
	struct synod_pay *p = head;

	while (p && i--)
		p = synod_pay_next(ps, p);
	return p;
}

/*
 * A store that cannot grow (no spares, no allocation) with 3 buffers
 * free: a payload of 4 buffers takes none of them and is refused, one
 * of 3 takes them all.  The chain is as long as its bytes need, its
 * buffers distinct and in use, its length per buffer what it holds.
 */
static void paychain_store_all_or_nothing(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_pay *p, *q;
	u64 ref = synod_pay_new_ref(ps);
	u32 i;

	ps->gfp = 0;
	for (i = 0; i < SYNOD_PAY_FLOOR - 3; i++)
		chain_new(test, ps, core, BUF, true);
	KUNIT_ASSERT_EQ(test, ps->nfree, 3u);
	KUNIT_ASSERT_EQ(test, ps->backed, SYNOD_PAY_FLOOR);
	KUNIT_EXPECT_NULL(test, synod_pay_store(ps, ref, 3 * BUF + 512, core));
	KUNIT_EXPECT_EQ(test, ps->nfree, 3u);	/* nothing taken */
	KUNIT_EXPECT_EQ(test, ps->exhausted, 1u);
	KUNIT_EXPECT_NULL(test, synod_pay_find(ps, ref));
	p = synod_pay_store(ps, ref, 2 * BUF + 512, core);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, ps->nfree, 0u);
	KUNIT_EXPECT_EQ(test, p->nseg, 3u);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, ref), p);
	p->len = 2 * BUF + 512;
	for (i = 0, q = p; q; i++, q = synod_pay_next(ps, q)) {
		KUNIT_EXPECT_TRUE(test, q->used);
		KUNIT_EXPECT_EQ(test, q->nseg, i ? 0u : 3u);
		KUNIT_EXPECT_NOT_NULL(test, q->data);
	}
	KUNIT_EXPECT_EQ(test, i, 3u);
	KUNIT_EXPECT_EQ(test, synod_pay_seg_len(p, 0), BUF);
	KUNIT_EXPECT_EQ(test, synod_pay_seg_len(p, 2), 512u);
	KUNIT_EXPECT_EQ(test, synod_pay_seg_len(p, 3), 0u);
	/* a known ref is the chain stored, whatever length is asked */
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_store(ps, ref, BUF, core), p);
	unpin_all(ps);
	synod_pay_exit(ps);
}

/*
 * The sweep frees a chain nothing holds with all its buffers (each
 * free again), and keeps a pinned chain whole: a buffer of a chain is
 * never freed on its own, though it is neither hashed nor held.
 */
static void paychain_sweep_frees_chains(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_pay *gone, *kept, *b[5], *k[4];
	u32 i, nfree;

	/* the buffers noted now: a broken sweep may unlink them */
	gone = chain_new(test, ps, core, 5 * BUF, false);
	kept = chain_new(test, ps, core, 4 * BUF, true);
	for (i = 0; i < 5; i++) {
		b[i] = chain_buf(ps, gone, i);
		KUNIT_ASSERT_NOT_NULL(test, b[i]);
	}
	for (i = 0; i < 4; i++) {
		k[i] = chain_buf(ps, kept, i);
		KUNIT_ASSERT_NOT_NULL(test, k[i]);
	}
	/* @gone old enough at the sweep below, not before */
	for (i = 0; i < SYNOD_PAY_FRESH - 1; i++)
		chain_new(test, ps, core, 512, true);
	KUNIT_ASSERT_PTR_EQ(test, synod_pay_find(ps, gone->ref), gone);
	nfree = ps->nfree;
	synod_pay_sweep(ps, core);
	KUNIT_EXPECT_NULL(test, synod_pay_find(ps, gone->ref));
	KUNIT_EXPECT_EQ(test, ps->nfree, nfree + 5);
	for (i = 0; i < 5; i++) {
		KUNIT_EXPECT_FALSE(test, b[i]->used);
		KUNIT_EXPECT_EQ(test, b[i]->next, SYNOD_PAY_NONE);
	}
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, kept->ref), kept);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_TRUE(test, k[i]->used);
	/* the freed buffers are reused for a new chain */
	KUNIT_EXPECT_NOT_NULL(test, chain_new(test, ps, core, 5 * BUF, false));
	unpin_all(ps);
	synod_pay_exit(ps);
}

/*
 * A socket holding a page of the last buffer of a chain makes the chain
 * busy (not its head's buffer alone), and the sweep keeps the chain
 * until the page is let go.
 */
static void paychain_busy_over_chain(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_pay *p = chain_new(test, ps, core, 3 * BUF, false);
	struct synod_pay *b[3];
	struct page *last;
	u32 i;

	for (i = 0; i < 3; i++) {
		b[i] = chain_buf(ps, p, i);
		KUNIT_ASSERT_NOT_NULL(test, b[i]);
	}
	last = virt_to_page(b[2]->data + BUF - 1);
	KUNIT_EXPECT_FALSE(test, synod_pay_busy(ps, p));
	get_page(last);
	KUNIT_EXPECT_TRUE(test, synod_pay_busy(ps, p));
	KUNIT_EXPECT_FALSE(test, synod_pay_buf_busy(p));
	for (i = 0; i < SYNOD_PAY_FRESH; i++)
		chain_new(test, ps, core, 512, false);
	synod_pay_sweep(ps, core);
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, p->ref), p);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_TRUE(test, b[i]->used);
	put_page(last);
	KUNIT_EXPECT_FALSE(test, synod_pay_busy(ps, p));
	synod_pay_sweep(ps, core);
	KUNIT_EXPECT_NULL(test, synod_pay_find(ps, p->ref));
	synod_pay_exit(ps);
}

/*
 * The lend cap (SYNOD_PAY_LEND_MAX, the store grown first) counts
 * buffers: chains of 40 and 24 reach it, one of 30 more is refused,
 * though only two chains are lent.  Taken back once no socket holds
 * them, their buffers count no more.  (Lending a buffer inside a
 * chain is a caller's bug, which synod_pay_lend() warns of: not driven
 * here.)  What is lent is pinned, as a
 * payload being sent is held: the sweeps of the stores in between must
 * not free it.
 */
static void paychain_lend_counts_buffers(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_pay *a, *b, *c;
	struct page *held_a, *held_c;
	u32 i;

	for (i = 0; i < 2 * SYNOD_PAY_LEND_MAX; i++)
		chain_new(test, ps, core, 512, false);
	KUNIT_ASSERT_GE(test, ps->backed, 2 * SYNOD_PAY_LEND_MAX);
	a = chain_new(test, ps, core, 40 * BUF, true);
	b = chain_new(test, ps, core, 30 * BUF, true);
	c = chain_new(test, ps, core, 24 * BUF, true);
	KUNIT_ASSERT_GE(test, ps->backed, 2 * SYNOD_PAY_LEND_MAX);
	/* sockets hold a page of a buffer inside each lent chain */
	KUNIT_ASSERT_NOT_NULL(test, chain_buf(ps, a, 5));
	KUNIT_ASSERT_NOT_NULL(test, chain_buf(ps, c, 23));
	held_a = virt_to_page(chain_buf(ps, a, 5)->data);
	held_c = virt_to_page(chain_buf(ps, c, 23)->data);
	KUNIT_EXPECT_TRUE(test, synod_pay_lend(ps, a));
	get_page(held_a);
	KUNIT_EXPECT_EQ(test, ps->lent_segs, 40u);
	KUNIT_EXPECT_FALSE(test, synod_pay_lend(ps, b));
	KUNIT_EXPECT_EQ(test, ps->lend_full, 1u);
	KUNIT_EXPECT_TRUE(test, synod_pay_lend(ps, c));
	get_page(held_c);
	KUNIT_EXPECT_EQ(test, ps->lent_segs, SYNOD_PAY_LEND_MAX);
	KUNIT_EXPECT_EQ(test, ps->nlent, 2u);
	/* @a let go: taken back at the cap (after a store), @b fits now */
	put_page(held_a);
	chain_new(test, ps, core, 512, false);
	KUNIT_EXPECT_TRUE(test, synod_pay_lend(ps, b));
	KUNIT_EXPECT_EQ(test, ps->lent_segs, 24u + 30u);
	KUNIT_EXPECT_EQ(test, ps->nlent, 2u);
	KUNIT_EXPECT_FALSE(test, a->lent);
	KUNIT_EXPECT_TRUE(test, c->lent);
	put_page(held_c);
	synod_pay_unpin(a);
	synod_pay_unpin(b);
	synod_pay_unpin(c);
	synod_pay_exit(ps);
}

/*
 * Bytes copied in at any offset land across buffers in order: a run
 * over a buffer's end continues at the next one's start, and a whole
 * payload copied in reads back, buffer by buffer, as it was.
 */
static void paychain_copy_in_across(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	u32 len = 2 * BUF + 1024, i, n, off;
	struct synod_pay *p = chain_new(test, ps, core, len, false), *q;
	u8 *src = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, src);
	for (i = 0; i < len; i++)
		src[i] = i * 7 + i / 251;
	synod_pay_copy_in(ps, p, 0, src, len);
	KUNIT_ASSERT_NOT_NULL(test, chain_buf(ps, p, 1));
	for (i = 0, off = 0, q = p; q; i++, q = synod_pay_next(ps, q)) {
		n = synod_pay_seg_len(p, i);
		KUNIT_EXPECT_EQ(test, memcmp(q->data, src + off, n), 0);
		off += n;
	}
	KUNIT_EXPECT_EQ(test, off, len);
	KUNIT_EXPECT_TRUE(test, synod_pay_equal(ps, p, src, len));
	/* a run over the end of buffer 0 into buffer 1 */
	memset(src, 0xa5, 2048);
	synod_pay_copy_in(ps, p, BUF - 1024, src, 2048);
	KUNIT_EXPECT_EQ(test, ((u8 *)p->data)[BUF - 1024], 0xa5);
	KUNIT_EXPECT_EQ(test, ((u8 *)p->data)[BUF - 1], 0xa5);
	KUNIT_EXPECT_EQ(test, ((u8 *)chain_buf(ps, p, 1)->data)[0], 0xa5);
	KUNIT_EXPECT_EQ(test, ((u8 *)chain_buf(ps, p, 1)->data)[1023], 0xa5);
	KUNIT_EXPECT_NE(test, ((u8 *)chain_buf(ps, p, 1)->data)[1024], 0xa5);
	KUNIT_EXPECT_FALSE(test, synod_pay_equal(ps, p, src, len));
	synod_pay_exit(ps);
}

/*
 * The proposer's bytes replace a longer copy (replica_rx.c,
 * rx_payload_conflict()): a chain of 3 buffers now holds 1024 bytes.
 * It must be as long as those bytes need, no longer: the journal
 * refuses a segment list with empty segments (and fences), the apply
 * and the send count the chain's buffers.  Its tail buffers are free
 * again, and a lent chain's buffers count as lent no more.
 */
static void paychain_replace_shorter(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_pay *p = chain_new(test, ps, core, 3 * BUF, false);
	struct synod_jseg seg[4];
	struct synod_pay *b[3];
	u8 *src = kunit_kmalloc(test, 1024, GFP_KERNEL);
	u32 i, n, nfree;

	KUNIT_ASSERT_NOT_NULL(test, src);
	memset(src, 0x5a, 1024);
	for (i = 0; i < 3; i++) {
		b[i] = chain_buf(ps, p, i);
		KUNIT_ASSERT_NOT_NULL(test, b[i]);
	}
	KUNIT_ASSERT_TRUE(test, synod_pay_lend(ps, p));
	KUNIT_ASSERT_EQ(test, ps->lent_segs, 3u);
	nfree = ps->nfree;
	/* what rx_payload_conflict() does: the bytes, then the length */
	synod_pay_copy_in(ps, p, 0, src, 1024);
	KUNIT_EXPECT_TRUE(test, synod_pay_set_len(ps, p, 1024));
	KUNIT_EXPECT_EQ(test, p->len, 1024u);
	KUNIT_EXPECT_TRUE(test, synod_pay_equal(ps, p, src, 1024));
	/* the chain is as long as its bytes need */
	KUNIT_EXPECT_EQ(test, p->nseg, synod_pay_nbufs(1024));
	KUNIT_EXPECT_EQ(test, p->next, SYNOD_PAY_NONE);
	KUNIT_EXPECT_EQ(test, ps->nfree, nfree + 2);
	KUNIT_EXPECT_FALSE(test, b[1]->used);
	KUNIT_EXPECT_FALSE(test, b[2]->used);
	KUNIT_EXPECT_EQ(test, ps->lent_segs, 1u);
	/* the journal takes its segments */
	n = synod_pay_segs(ps, p, seg, ARRAY_SIZE(seg));
	KUNIT_EXPECT_EQ(test, n, 1u);
	KUNIT_EXPECT_TRUE(test, synod_jseg_ok(seg, n, p->len));
	/* a one-buffer chain: one apply vector, a frame by reference */
	KUNIT_EXPECT_EQ(test, p->nseg, 1u);
	/* and the store's walks see the chain it is */
	KUNIT_EXPECT_FALSE(test, synod_pay_busy(ps, p));
	synod_pay_exit(ps);
}

/*
 * The proposer's shorter bytes come while a buffer of the held chain is
 * busy after all (a transient page reference, such as a speculative
 * page-cache get, taken after rx_payload_conflict() looked): the
 * replacement is refused and the chain keeps its bytes, its length and
 * its buffers, never new bytes under the old length.  Once the page is
 * let go, the same replacement is taken and the chain shrinks.
 */
static void paychain_replace_busy_refused(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_pay *p = chain_new(test, ps, core, 3 * BUF, false);
	u8 *old = kunit_kmalloc(test, 3 * BUF, GFP_KERNEL);
	u8 *src = kunit_kmalloc(test, 1024, GFP_KERNEL);
	struct synod_pay *b[3];
	struct page *last;
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, old);
	KUNIT_ASSERT_NOT_NULL(test, src);
	memset(old, 0xa5, 3 * BUF);
	memset(src, 0x5a, 1024);
	synod_pay_copy_in(ps, p, 0, old, 3 * BUF);
	for (i = 0; i < 3; i++) {
		b[i] = chain_buf(ps, p, i);
		KUNIT_ASSERT_NOT_NULL(test, b[i]);
	}
	last = virt_to_page(b[2]->data + BUF - 1);
	get_page(last);
	KUNIT_EXPECT_FALSE(test, synod_pay_replace(ps, p, src, 1024));
	KUNIT_EXPECT_EQ(test, p->len, 3 * BUF);
	KUNIT_EXPECT_EQ(test, p->nseg, 3u);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_TRUE(test, b[i]->used);
	KUNIT_EXPECT_TRUE(test, synod_pay_equal(ps, p, old, 3 * BUF));
	put_page(last);
	KUNIT_EXPECT_TRUE(test, synod_pay_replace(ps, p, src, 1024));
	KUNIT_EXPECT_EQ(test, p->len, 1024u);
	KUNIT_EXPECT_EQ(test, p->nseg, 1u);
	KUNIT_EXPECT_TRUE(test, synod_pay_equal(ps, p, src, 1024));
	synod_pay_exit(ps);
}

/*
 * A chain pinned at exit (a bio may still read it: a bug, which exit
 * warns about) keeps every buffer, not its head alone: the pins are on
 * the head, and the tail's pages are as much the bio's.
 */
static void paychain_exit_keeps_pinned_chain(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_pay *p = chain_new(test, ps, core, 3 * BUF, true);
	struct synod_pay *b[3];
	u32 i;

	chain_new(test, ps, core, 2 * BUF, false);
	for (i = 0; i < 3; i++) {
		b[i] = chain_buf(ps, p, i);
		KUNIT_ASSERT_NOT_NULL(test, b[i]);
	}
	KUNIT_EXPECT_EQ(test, synod_pay_unback_all(ps), 3u);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_NOT_NULL(test, b[i]->data);
	KUNIT_EXPECT_EQ(test, ps->backed, 3u);
	synod_pay_unpin(p);
	synod_pay_exit(ps);
}

/*
 * A store that cannot grow, short by more than one buffer for a chain,
 * with young chains nothing holds: the sweep that frees only old ones
 * frees nothing, so make_room() frees the young ones too (a store that
 * can never fill again would stop the replica), all but the pinned.
 */
static void paychain_make_room_young(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_pay *young[6], *kept, *p;
	u32 i;

	ps->gfp = 0;
	for (i = 0; i < ARRAY_SIZE(young); i++)
		young[i] = chain_new(test, ps, core, 4 * BUF, false);
	kept = chain_new(test, ps, core, 4 * BUF, true);
	KUNIT_ASSERT_EQ(test, ps->backed, SYNOD_PAY_FLOOR);
	KUNIT_ASSERT_EQ(test, ps->nfree, 4u);
	p = synod_pay_store(ps, synod_pay_new_ref(ps), 6 * BUF, core);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p->nseg, 6u);
	KUNIT_EXPECT_EQ(test, ps->exhausted, 0u);
	/* no growth */
	KUNIT_EXPECT_EQ(test, ps->backed, SYNOD_PAY_FLOOR);
	for (i = 0; i < ARRAY_SIZE(young); i++)
		KUNIT_EXPECT_NULL(test, synod_pay_find(ps, young[i]->ref));
	KUNIT_EXPECT_PTR_EQ(test, synod_pay_find(ps, kept->ref), kept);
	KUNIT_EXPECT_EQ(test, kept->nseg, 4u);
	KUNIT_EXPECT_EQ(test, ps->nfree, SYNOD_PAY_FLOOR - 4 - 6);
	unpin_all(ps);
	synod_pay_exit(ps);
}

/*
 * Journal recovery (replica_ctl.c, recover_found()) copies a record's
 * payload into a chain segment by segment: however the segments are
 * cut against the chain's buffers, the chain holds the bytes in order.
 */
static void paychain_recover_segments(struct kunit *test)
{
	static const u32 cuts[][4] = {
		{ BUF, BUF, 1024, 0 }, { 512, BUF, BUF - 512, 1024 },
		{ 3 * 512, BUF - 1024, BUF, 512 },
	};
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	u8 *flat = kunit_kmalloc(test, 3 * BUF, GFP_KERNEL);
	struct synod_jseg seg[4];
	struct synod_pay *p;
	u32 c, i, len, n;

	KUNIT_ASSERT_NOT_NULL(test, flat);
	for (i = 0; i < 3 * BUF; i++)
		flat[i] = i * 31 + i / 509;
	for (c = 0; c < ARRAY_SIZE(cuts); c++) {
		for (i = 0, n = 0, len = 0; i < 4 && cuts[c][i]; i++, n++) {
			seg[i] = (struct synod_jseg){ flat + len, cuts[c][i] };
			len += cuts[c][i];
		}
		p = synod_pay_store(ps, synod_pay_new_ref(ps), len, core);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, p->nseg, synod_pay_nbufs(len));
		KUNIT_EXPECT_EQ(test, synod_pay_copy_segs(ps, p, seg, n), len);
		KUNIT_EXPECT_TRUE(test, synod_pay_set_len(ps, p, len));
		KUNIT_EXPECT_TRUE(test, synod_pay_equal(ps, p, flat, len));
	}
	synod_pay_exit(ps);
}

/*
 * The journal's writer gives a chunk's records their segments just
 * before writing it (replica_jq.c, chunk_segs()): one per buffer of
 * each write's chain, in order, each write's list one the journal
 * takes; refused (0) when a record's chains need more segments than
 * the room left or a record takes (SYNOD_JREC_SEGS: one chain of 1 MiB
 * and a part-filled buffer per write, large requests S2, so it takes
 * two chains of 1 MiB to pass it).
 */
static void paychain_jrec_segs(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_pay *a = chain_new(test, ps, core, 2 * BUF, false);
	struct synod_pay *b = chain_new(test, ps, core, 2 * BUF + 512, false);
	struct synod_pay *big = chain_new(test, ps, core, SYNOD_PAY_BYTES_MAX,
					  false);
	struct synod_pay *big2 = chain_new(test, ps, core,
					   SYNOD_PAY_BYTES_MAX, false);
	struct synod_jseg seg[2 * SYNOD_JREC_SEGS];
	struct synod_jrec rec = {};
	u32 head[SYNOD_BATCH_MAX];

	head[0] = a - ps->pay;
	head[1] = b - ps->pay;
	KUNIT_EXPECT_EQ(test, synod_pay_jrec_segs(ps, &rec, head, 2, seg,
						  ARRAY_SIZE(seg)), 5u);
	KUNIT_EXPECT_PTR_EQ(test, rec.seg[0], &seg[0]);
	KUNIT_EXPECT_EQ(test, rec.nseg[0], 2u);
	KUNIT_EXPECT_PTR_EQ(test, rec.seg[1], &seg[2]);
	KUNIT_EXPECT_EQ(test, rec.nseg[1], 3u);
	KUNIT_EXPECT_TRUE(test, synod_jseg_ok(rec.seg[0], 2, a->len));
	KUNIT_EXPECT_TRUE(test, synod_jseg_ok(rec.seg[1], 3, b->len));
	KUNIT_EXPECT_PTR_EQ(test, seg[1].data, chain_buf(ps, a, 1)->data);
	KUNIT_EXPECT_PTR_EQ(test, seg[4].data, chain_buf(ps, b, 2)->data);
	KUNIT_EXPECT_EQ(test, seg[4].len, 512u);
	/* the room left too small for b's chain */
	KUNIT_EXPECT_EQ(test, synod_pay_jrec_segs(ps, &rec, head, 2, seg, 4),
			0u);
	/* the largest chain fits a record, with a short one beside it */
	head[0] = big - ps->pay;
	KUNIT_EXPECT_EQ(test, synod_pay_jrec_segs(ps, &rec, head, 2, seg,
						  ARRAY_SIZE(seg)),
			SYNOD_PAY_SEGS_MAX + 3);
	/* chains of more buffers than a record takes */
	head[1] = big2 - ps->pay;
	KUNIT_ASSERT_GT(test, big->nseg + big2->nseg, SYNOD_JREC_SEGS);
	KUNIT_EXPECT_EQ(test, synod_pay_jrec_segs(ps, &rec, head, 2, seg,
						  ARRAY_SIZE(seg)), 0u);
	synod_pay_exit(ps);
}

/*
 * The data area's apply writes a payload with one bio (replica_apply.c):
 * one vector per buffer of its chain, each the buffer's page block from
 * its start, the last one part-filled; a one-buffer write takes the one
 * vector it has inline; a bio without room for the chain takes nothing.
 */
static void paychain_bio_vectors(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	struct synod_pay *one = chain_new(test, ps, core, 4096, true);
	struct synod_pay *c = chain_new(test, ps, core, 2 * BUF + 1024, true);
	struct synod_pay *big = chain_new(test, ps, core, SYNOD_PAY_BYTES_MAX,
					  true);
	struct bio_vec *bv = kunit_kcalloc(test, SYNOD_PAY_SEGS_MAX,
					   sizeof(*bv), GFP_KERNEL);
	struct bio *bio = kunit_kzalloc(test, sizeof(*bio), GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, bv);
	KUNIT_ASSERT_NOT_NULL(test, bio);
	bio_init(bio, NULL, bv, 1, REQ_OP_WRITE);
	KUNIT_EXPECT_EQ(test, synod_pay_bio_add(ps, one, bio), 4096u);
	KUNIT_EXPECT_EQ(test, bio->bi_vcnt, 1);
	KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_size, 4096u);
	KUNIT_EXPECT_PTR_EQ(test, bv[0].bv_page, virt_to_page(one->data));
	bio_uninit(bio);

	/* one vector of room, a chain of three: nothing added */
	bio_init(bio, NULL, bv, 1, REQ_OP_WRITE);
	KUNIT_EXPECT_EQ(test, synod_pay_bio_add(ps, c, bio), 0u);
	KUNIT_EXPECT_EQ(test, bio->bi_vcnt, 0);
	bio_uninit(bio);

	bio_init(bio, NULL, bv, c->nseg, REQ_OP_WRITE);
	KUNIT_EXPECT_EQ(test, synod_pay_bio_add(ps, c, bio), 2 * BUF + 1024);
	KUNIT_EXPECT_EQ(test, bio->bi_vcnt, 3);
	KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_size, 2 * BUF + 1024);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_PTR_EQ(test, bv[i].bv_page,
				    virt_to_page(chain_buf(ps, c, i)->data));
		KUNIT_EXPECT_EQ(test, bv[i].bv_offset, 0u);
	}
	KUNIT_EXPECT_EQ(test, bv[0].bv_len, BUF);
	KUNIT_EXPECT_EQ(test, bv[2].bv_len, 1024u);
	bio_uninit(bio);

	/* the largest: a vector per buffer, under what stacked devices take */
	bio_init(bio, NULL, bv, SYNOD_PAY_SEGS_MAX, REQ_OP_WRITE);
	KUNIT_EXPECT_EQ(test, synod_pay_bio_add(ps, big, bio),
			SYNOD_PAY_BYTES_MAX);
	KUNIT_EXPECT_EQ(test, bio->bi_vcnt, SYNOD_PAY_SEGS_MAX);
	KUNIT_EXPECT_LE(test, bio->bi_vcnt, BIO_MAX_VECS);
	KUNIT_EXPECT_PTR_EQ(test, bv[SYNOD_PAY_SEGS_MAX - 1].bv_page,
			    virt_to_page(chain_buf(ps, big,
						   SYNOD_PAY_SEGS_MAX - 1)->data));
	bio_uninit(bio);
	unpin_all(ps);
	synod_pay_exit(ps);
}

/*
 * The store's reserve in bytes (payload.h, synod_pay_init()): with what
 * is in flight (admitted, or the window's bytes), what the log retains
 * and the lent buffers all held as 1 MiB chains and single buffers, a
 * store still takes the largest write, and the reserve is within its
 * SYNOD_PAY_COUNT buffers.
 */
static void paychain_byte_reserve(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	u32 held = max(SYNOD_ADMIT_BYTES, SYNOD_WINDOW_BYTES) +
		   SYNOD_RETAIN_BYTES;
	u32 i;

	/* the arithmetic is synod_pay_init()'s BUILD_BUG_ON; the store: */
	for (i = 0; i < held / SYNOD_PAY_BYTES_MAX; i++)
		chain_new(test, ps, core, SYNOD_PAY_BYTES_MAX, true);
	for (i = 0; i < SYNOD_PAY_LEND_MAX; i++)
		chain_new(test, ps, core, BUF, true);
	/* room for one more of the largest, held or not */
	chain_new(test, ps, core, SYNOD_PAY_BYTES_MAX, true);
	/* each chain took a buffer per 16 KiB, no more */
	KUNIT_EXPECT_EQ(test, synod_pay_used(ps),
			held / BUF + SYNOD_PAY_LEND_MAX +
			SYNOD_PAY_BYTES_MAX / BUF);
	unpin_all(ps);
	synod_pay_exit(ps);
}

static struct kunit_case paychain_cases[] = {
	KUNIT_CASE(paychain_store_all_or_nothing),
	KUNIT_CASE(paychain_sweep_frees_chains),
	KUNIT_CASE(paychain_busy_over_chain),
	KUNIT_CASE(paychain_lend_counts_buffers),
	KUNIT_CASE(paychain_copy_in_across),
	KUNIT_CASE(paychain_replace_shorter),
	KUNIT_CASE(paychain_replace_busy_refused),
	KUNIT_CASE(paychain_exit_keeps_pinned_chain),
	KUNIT_CASE(paychain_make_room_young),
	KUNIT_CASE(paychain_recover_segments),
	KUNIT_CASE(paychain_jrec_segs),
	KUNIT_CASE(paychain_bio_vectors),
	KUNIT_CASE(paychain_byte_reserve),
	{}
};

static struct kunit_suite paychain_suite = {
	.name = "synod_paychain",
	.exit = paystore_fixture_exit,
	.test_cases = paychain_cases,
};

kunit_test_suites(&paychain_suite);
MODULE_LICENSE("GPL");
