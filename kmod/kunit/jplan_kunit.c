// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_jplan": where the payloads of one chunk's records
 * go in the journal's payload ring (kmod/journal_plan.c,
 * synod_journal_plan()), on a journal of the test's own (no device: the
 * planning reads only the ring's geometry and what its indexes hold).
 * synod_pring tests the search for a free run alone; this suite tests
 * the loop around it that a replica relies on: records in slot order go
 * one after another at the head; a record that would pass the ring's end
 * starts over at 0; held bytes of a later slot are never written over,
 * reclaimable ones are; a record never goes over an earlier record of
 * its own chunk, even when the head comes round to it; a record whose
 * payloads a held record of its slot wrote already names those bytes
 * instead of taking new ones; and -ENOSPC only when no free run holds a
 * record.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "journal_priv.h"

#define MIB		(1u << 20)
#define KIB		(1u << 10)
#define NIDX		16u		/* the test journal's ring indexes */
#define RECLAIM		40ull		/* slots at or below it are applied */

struct jfix {
	struct synod_journal *j;
	struct synod_jrec *recs;
};

/*
 * A format 3 journal of NIDX slots of 16 KiB and a payload ring of
 * @psize bytes, its head at @phead, every index free.
 */
static struct jfix fix_init(struct kunit *test, u64 psize, u64 phead)
{
	struct jfix f;
	struct synod_journal *j;
	u32 x;

	j = kunit_kzalloc(test, sizeof(*j), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, j);
	j->format = SYNOD_JREC_FORMAT_V3;
	j->count = NIDX;
	j->slot_bytes = 16 * KIB;
	j->psize = psize;
	j->phead = phead;
	j->slot = kunit_kcalloc(test, NIDX, sizeof(*j->slot), GFP_KERNEL);
	j->ext = kunit_kcalloc(test, NIDX, sizeof(*j->ext), GFP_KERNEL);
	j->pay = kunit_kcalloc(test, NIDX, sizeof(*j->pay), GFP_KERNEL);
	j->plan = kunit_kcalloc(test, SYNOD_JOURNAL_BATCH, sizeof(*j->plan),
				GFP_KERNEL);
	j->busy = kunit_kcalloc(test, NIDX + SYNOD_JOURNAL_BATCH,
				sizeof(*j->busy), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, j->slot);
	KUNIT_ASSERT_NOT_NULL(test, j->ext);
	KUNIT_ASSERT_NOT_NULL(test, j->pay);
	KUNIT_ASSERT_NOT_NULL(test, j->plan);
	KUNIT_ASSERT_NOT_NULL(test, j->busy);
	for (x = 0; x < NIDX; x++)
		j->slot[x] = SLOT_FREE;
	mutex_init(&j->lock);
	f.j = j;
	f.recs = kunit_kcalloc(test, SYNOD_JOURNAL_BATCH, sizeof(*f.recs),
			       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f.recs);
	return f;
}

/* Record @i of the chunk: one write of @len payload bytes, of @slot. */
static void rec(struct jfix *f, u32 i, u64 slot, u32 len)
{
	struct synod_jrec *r = &f->recs[i];

	r->e.slot = slot;
	r->e.kind = SYNOD_ENTRY_WRITE;
	r->e.nwrites = 1;
	r->e.w[0].block = slot * 256;
	r->e.w[0].ref = slot;
	r->len[0] = len;
	f->j->ccrc[i][0] = (u32)slot * 7919u;
}

/*
 * Ring index @x holds a durable record of @slot with its payloads at
 * [@off, @off + @len) of the payload ring; @share: they are known whole
 * (journal_share.c), as record @i of the chunk would name them.
 */
static void held(struct jfix *f, u32 x, u64 slot, u64 off, u32 len,
		 bool share, u32 i)
{
	struct synod_journal *j = f->j;

	j->slot[x] = slot;
	j->ext[x].off = off;
	j->ext[x].len = len;
	if (!share)
		return;
	mutex_lock(&j->lock);
	synod_jshare_note(j, x, &f->recs[i].e, f->recs[i].len, j->ccrc[i],
			  true);
	mutex_unlock(&j->lock);
}

static int plan(struct jfix *f, u32 n)
{
	int err;

	mutex_lock(&f->j->lock);
	err = synod_journal_plan(f->j, f->recs, n, RECLAIM);
	mutex_unlock(&f->j->lock);
	return err;
}

/* Records in slot order, none held: one after another from the head. */
static void in_order_at_head(struct kunit *test)
{
	struct jfix f = fix_init(test, 8 * MIB, MIB);

	rec(&f, 0, 41, MIB);
	rec(&f, 1, 42, 100 * KIB + 1);	/* to whole blocks: 104 KiB */
	rec(&f, 2, 43, 4 * KIB);	/* fits its slot: no ring bytes */
	rec(&f, 3, 44, MIB);
	KUNIT_ASSERT_EQ(test, plan(&f, 4), 0);
	KUNIT_EXPECT_EQ(test, f.j->plan[0].off, (u64)MIB);
	KUNIT_EXPECT_EQ(test, f.j->plan[0].len, MIB);
	KUNIT_EXPECT_EQ(test, f.j->plan[1].off, 2ull * MIB);
	KUNIT_EXPECT_EQ(test, f.j->plan[1].len, 104 * KIB);
	KUNIT_EXPECT_EQ(test, f.j->plan[2].len, 0u);
	KUNIT_EXPECT_EQ(test, f.j->plan[3].off, 2ull * MIB + 104 * KIB);
	KUNIT_EXPECT_FALSE(test, f.j->plan[0].shared);
}

/* A record that would pass the ring's end starts over at 0. */
static void wraps_at_ring_end(struct kunit *test)
{
	struct jfix f = fix_init(test, 8 * MIB, 7 * MIB);

	rec(&f, 0, 41, MIB);		/* ends exactly at the end */
	rec(&f, 1, 42, 512 * KIB);	/* head at the end: to 0 */
	rec(&f, 2, 43, MIB);
	KUNIT_ASSERT_EQ(test, plan(&f, 3), 0);
	KUNIT_EXPECT_EQ(test, f.j->plan[0].off, 7ull * MIB);
	KUNIT_EXPECT_EQ(test, f.j->plan[1].off, 0ull);
	KUNIT_EXPECT_EQ(test, f.j->plan[2].off, 512ull * KIB);

	f = fix_init(test, 8 * MIB, 7 * MIB + 512 * KIB);
	rec(&f, 0, 41, MIB);		/* would pass the end by 512 KiB */
	KUNIT_ASSERT_EQ(test, plan(&f, 1), 0);
	KUNIT_EXPECT_EQ(test, f.j->plan[0].off, 0ull);
}

/*
 * Bytes at the head held by a record of a later slot (a follower that
 * missed one): the record goes past them, and the next one after it;
 * bytes of an applied slot (at or below the reclaim point) are taken.
 */
static void held_bytes_kept(struct kunit *test)
{
	struct jfix f = fix_init(test, 8 * MIB, MIB);

	rec(&f, 0, 41, MIB);
	rec(&f, 1, 42, MIB);
	held(&f, 3, 50, MIB, MIB, false, 0);		/* later: held */
	held(&f, 4, RECLAIM, 3 * MIB, MIB, false, 0);	/* applied */
	KUNIT_ASSERT_EQ(test, plan(&f, 2), 0);
	KUNIT_EXPECT_EQ(test, f.j->plan[0].off, 2ull * MIB);
	KUNIT_EXPECT_EQ(test, f.j->plan[1].off, 3ull * MIB);
}

/*
 * The head comes round to the chunk's own first records: a record never
 * goes over an earlier one of its chunk, nor over held bytes, and takes
 * the free run between them.
 */
static void own_chunk_kept(struct kunit *test)
{
	struct jfix f = fix_init(test, 4 * MIB, 2 * MIB);

	held(&f, 0, 60, 0, MIB, false, 0);
	rec(&f, 0, 41, MIB);		/* 2 MiB */
	rec(&f, 1, 42, MIB);		/* 3 MiB */
	rec(&f, 2, 43, MIB);		/* 0 is held: 1 MiB */
	KUNIT_ASSERT_EQ(test, plan(&f, 3), 0);
	KUNIT_EXPECT_EQ(test, f.j->plan[0].off, 2ull * MIB);
	KUNIT_EXPECT_EQ(test, f.j->plan[1].off, 3ull * MIB);
	KUNIT_EXPECT_EQ(test, f.j->plan[2].off, 1ull * MIB);

	/* the whole ring in one chunk, round from the head */
	f = fix_init(test, 4 * MIB, 2 * MIB);
	rec(&f, 0, 41, MIB);
	rec(&f, 1, 42, MIB);
	rec(&f, 2, 43, MIB);
	rec(&f, 3, 44, MIB);
	KUNIT_ASSERT_EQ(test, plan(&f, 4), 0);
	KUNIT_EXPECT_EQ(test, f.j->plan[2].off, 0ull);
	KUNIT_EXPECT_EQ(test, f.j->plan[3].off, 1ull * MIB);
	/* one record more: refused, not put over the chunk's first */
	rec(&f, 4, 45, 24 * KIB);
	KUNIT_EXPECT_EQ(test, plan(&f, 5), -ENOSPC);
}

/*
 * Free bytes enough, but no run long enough (held records of mixed
 * slots, 512 KiB each, every other 512 KiB): a 1 MiB record is refused,
 * a 512 KiB one goes in the first free run past the held head.
 */
static void refused_without_a_run(struct kunit *test)
{
	struct jfix f = fix_init(test, 4 * MIB, MIB + 512 * KIB);
	u32 x;

	for (x = 0; x < 4; x++)
		held(&f, x, 50 + x, x * MIB + 512 * KIB, 512 * KIB, false, 0);
	rec(&f, 0, 41, MIB);
	KUNIT_EXPECT_EQ(test, plan(&f, 1), -ENOSPC);
	rec(&f, 0, 41, 512 * KIB);
	KUNIT_ASSERT_EQ(test, plan(&f, 1), 0);
	KUNIT_EXPECT_EQ(test, f.j->plan[0].off, 2ull * MIB);
}

/*
 * A record resent in a later ballot with the very payloads a held record
 * of its slot wrote (again set) names those bytes, takes none, and does
 * not move the head; with other payloads, or not again, it writes them
 * anew.
 */
static void share_names_held_bytes(struct kunit *test)
{
	struct jfix f = fix_init(test, 8 * MIB, 0);

	rec(&f, 0, 60, MIB);
	held(&f, 5, 60, 2 * MIB, MIB, true, 0);
	f.recs[0].again = true;
	rec(&f, 1, 61, MIB);
	KUNIT_ASSERT_EQ(test, plan(&f, 2), 0);
	KUNIT_EXPECT_TRUE(test, f.j->plan[0].shared);
	KUNIT_EXPECT_EQ(test, f.j->plan[0].off, 2ull * MIB);
	KUNIT_EXPECT_EQ(test, f.j->plan[0].len, MIB);
	KUNIT_EXPECT_EQ(test, f.j->plan[1].off, 0ull);
	KUNIT_EXPECT_FALSE(test, f.j->plan[1].shared);

	f.j->ccrc[0][0] ^= 1;		/* other payloads: new bytes */
	KUNIT_ASSERT_EQ(test, plan(&f, 1), 0);
	KUNIT_EXPECT_FALSE(test, f.j->plan[0].shared);
	KUNIT_EXPECT_EQ(test, f.j->plan[0].off, 0ull);
	f.j->ccrc[0][0] ^= 1;
	f.recs[0].again = false;	/* not known the same copy */
	KUNIT_ASSERT_EQ(test, plan(&f, 1), 0);
	KUNIT_EXPECT_FALSE(test, f.j->plan[0].shared);
}

static struct kunit_case jplan_cases[] = {
	KUNIT_CASE(in_order_at_head),
	KUNIT_CASE(wraps_at_ring_end),
	KUNIT_CASE(held_bytes_kept),
	KUNIT_CASE(own_chunk_kept),
	KUNIT_CASE(refused_without_a_run),
	KUNIT_CASE(share_names_held_bytes),
	{}
};

static struct kunit_suite jplan_suite = {
	.name = "synod_jplan",
	.test_cases = jplan_cases,
};
kunit_test_suite(jplan_suite);

MODULE_LICENSE("GPL");
