/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KUnit suites of a peer's pieces share (piece_kunit.c, the
 * assembly; piece_keep_kunit.c, which copy a proposer's pieces keep or
 * replace): piece frames of a three-buffer payload made and handed to
 * an assembly, and checks on the store.  Included by each suite's .c
 * file only, after paystore_fixture.h.
 */
#ifndef SYNOD_PIECE_FIXTURE_H
#define SYNOD_PIECE_FIXTURE_H

#include <kunit/test.h>
#include <linux/slab.h>

#include "paystore_fixture.h"
#include "replica_piece.h"
#include "core/env.h"

#define BUF	SYNOD_PAY_BUF_BYTES
/* three buffers, the last one short: 2 x 16 KiB + 512 */
#define TOTAL	(2 * BUF + 512)

/* Byte @i of the payload with @seed. */
static inline u8 pbyte(u32 seed, u32 i)
{
	return (u8)(seed * 37 + i * 13 + (i >> 9));
}

/*
 * The frame of piece @k (of BUF bytes each, the last what is left) of
 * a @total-byte payload @ref with bytes of @seed, into @f; its length.
 */
static inline u32 piece_frame(u8 *f, u64 ref, u32 total, u32 k, u32 seed)
{
	u32 off = k * BUF, len = min(total - off, BUF), i;

	memset(f, 0, SYNOD_PIECE_HDR);
	f[0] = SYNOD_FRAME_PIECE;
	synod_put_le32(f + 4, total);
	synod_put_le64(f + 8, ref);
	synod_put_le32(f + 16, off);
	synod_put_le32(f + 20, len);
	for (i = 0; i < len; i++)
		f[SYNOD_PIECE_HDR + i] = pbyte(seed, off + i);
	return SYNOD_PIECE_HDR + len;
}

/* Piece @k of payload @ref from @from, parsed and handed to @a. */
static inline enum synod_piece_res
piece_in(struct kunit *test, struct synod_paystore *ps,
	 struct synod_replica *core, struct synod_piece_asm *a, u32 from,
	 u64 ref, u32 k, u32 seed, struct synod_pay **held)
{
	u8 *f = kunit_kmalloc(test, SYNOD_PIECE_HDR + BUF, GFP_KERNEL);
	struct synod_piece_hdr h;
	enum synod_piece_res res;
	u32 len;

	KUNIT_ASSERT_NOT_NULL(test, f);
	len = piece_frame(f, ref, TOTAL, k, seed);
	KUNIT_ASSERT_EQ(test, synod_piece_parse(f, len, SYNOD_PAY_BYTES_MAX, &h), 0);
	res = synod_piece_rx(ps, core, a, from, &h, f + SYNOD_PIECE_HDR, NULL,
			     held);
	kunit_kfree(test, f);
	return res;
}

/*
 * Whether payload @p holds exactly the bytes of a payload sent as its
 * first piece of @seed0, the others of @seed.
 */
static inline bool holds2(struct synod_paystore *ps, struct synod_pay *p,
			  u32 seed0, u32 seed)
{
	u8 *want = kmalloc(TOTAL, GFP_KERNEL);
	bool ok;
	u32 i;

	if (!want)
		return false;
	for (i = 0; i < TOTAL; i++)
		want[i] = pbyte(i < BUF ? seed0 : seed, i);
	ok = synod_pay_equal(ps, p, want, TOTAL);
	kfree(want);
	return ok;
}

/* Whether payload @p holds exactly the bytes of @seed. */
static inline bool holds(struct synod_paystore *ps, struct synod_pay *p,
			 u32 seed)
{
	return holds2(ps, p, seed, seed);
}

/* A ref proposed by node 1: top byte 2 (payload.c). */
static inline u64 ref_of_1(u32 n)
{
	return (2ull << 56) | 0x1000 | n;
}

/* Pinned buffers of the store, all told. */
static inline u32 pinned(struct synod_paystore *ps)
{
	u32 i, n = 0;

	for (i = 0; i < SYNOD_PAY_COUNT; i++)
		n += ps->pay[i].pins;
	return n;
}

/*
 * Proposer-wins for pieces (payload.h): node 2 relays a copy of node
 * 1's ref first, held whole, which the caller would have bound to node
 * 2.  Returns it.
 */
static inline struct synod_pay *relayed_copy(struct kunit *test,
					     struct synod_paystore *ps,
					     struct synod_replica *core,
					     u64 ref, u32 seed)
{
	struct synod_piece_asm a2 = {};
	struct synod_pay *p, *held;
	u32 i;

	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, piece_in(test, ps, core, &a2, 2, ref, i,
					       seed, &held),
				i < 2 ? SYNOD_PIECE_TAKEN : SYNOD_PIECE_DONE);
	p = synod_pay_find(ps, ref);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, p->len, TOTAL);
	KUNIT_ASSERT_EQ(test, p->senders, (u32)BIT(2));
	return p;
}

#endif /* SYNOD_PIECE_FIXTURE_H */
