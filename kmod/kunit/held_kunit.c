// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_held": writes of unknown outcome held until their
 * slot tells (kmod/replica_held.c).  A held write is done when its slot
 * applies an entry carrying its ref, certainly not done when the slot
 * applies anything else, and unknown for good when the replica's applied
 * index passes the slot without applying it (a state transfer).  These
 * are the only three answers the engine may act on: completing a write
 * that was not chosen, or proposing again one that was, loses data.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "replica_held.h"

/* A chosen WRITE entry in @slot carrying @refs (at most SYNOD_BATCH_MAX). */
static void entry_of(struct synod_entry *e, u64 slot, const u64 *refs, u32 n)
{
	u32 k;

	memset(e, 0, sizeof(*e));
	e->slot = slot;
	e->ballot = 0x200;
	e->kind = SYNOD_ENTRY_WRITE;
	e->nwrites = n;
	for (k = 0; k < n; k++) {
		e->w[k].block = 8 * k;
		e->w[k].ref = refs[k];
	}
}

/* Its slot applies it, in a batch with another write: done, once. */
static void held_chosen(struct kunit *test)
{
	static const u64 refs[] = { 0x51, 0x77 };
	struct synod_held_set set;
	struct synod_held h = {};
	struct synod_entry e;

	synod_held_init(&set);
	KUNIT_ASSERT_TRUE(test, synod_held_add(&set, &h, 0x77, 12, 9));
	KUNIT_EXPECT_EQ(test, set.waiting, 1u);
	/* still ahead of what was applied: wait */
	KUNIT_EXPECT_EQ(test, synod_held_take(&set, &h, 11), SYNOD_HELD_WAIT);
	entry_of(&e, 11, refs, 1);
	synod_held_applied(&set, &e);
	KUNIT_EXPECT_EQ(test, synod_held_take(&set, &h, 11), SYNOD_HELD_WAIT);
	entry_of(&e, 12, refs, 2);
	synod_held_applied(&set, &e);
	KUNIT_EXPECT_EQ(test, set.waiting, 0u);
	KUNIT_EXPECT_EQ(test, synod_held_take(&set, &h, 12), SYNOD_HELD_CHOSEN);
	KUNIT_EXPECT_FALSE(test, synod_held_busy(&h));
	KUNIT_EXPECT_TRUE(test, list_empty(&set.list));
}

/* Its slot applies another value (a no-op, another write): never done. */
static void held_not_chosen(struct kunit *test)
{
	static const u64 other[] = { 0x78 };
	struct synod_held_set set;
	struct synod_held a = {}, b = {};
	struct synod_entry e;

	synod_held_init(&set);
	KUNIT_ASSERT_TRUE(test, synod_held_add(&set, &a, 0x77, 12, 9));
	KUNIT_ASSERT_TRUE(test, synod_held_add(&set, &b, 0x79, 13, 9));
	entry_of(&e, 12, other, 1);
	synod_held_applied(&set, &e);
	memset(&e, 0, sizeof(e));
	e.slot = 13;
	e.kind = SYNOD_ENTRY_NOOP;
	synod_held_applied(&set, &e);
	KUNIT_EXPECT_EQ(test, synod_held_take(&set, &a, 13),
			SYNOD_HELD_NOT_CHOSEN);
	KUNIT_EXPECT_EQ(test, synod_held_take(&set, &b, 13),
			SYNOD_HELD_NOT_CHOSEN);
	KUNIT_EXPECT_TRUE(test, list_empty(&set.list));
	KUNIT_EXPECT_EQ(test, set.waiting, 0u);
}

/* Applied jumps past the slot (state transfer): unknown, for good. */
static void held_lost(struct kunit *test)
{
	static const u64 refs[] = { 0x77 };
	struct synod_held_set set;
	struct synod_held h = {};
	struct synod_entry e;

	synod_held_init(&set);
	KUNIT_ASSERT_TRUE(test, synod_held_add(&set, &h, 0x77, 12, 9));
	KUNIT_EXPECT_EQ(test, synod_held_take(&set, &h, 40), SYNOD_HELD_LOST);
	KUNIT_EXPECT_FALSE(test, synod_held_busy(&h));
	KUNIT_EXPECT_EQ(test, set.waiting, 0u);
	/* slot 12 applied later by someone else's replay changes nothing */
	entry_of(&e, 12, refs, 1);
	synod_held_applied(&set, &e);
	KUNIT_EXPECT_FALSE(test, synod_held_busy(&h));
}

/*
 * Refusals: a slot already applied (its outcome was decided before it
 * was registered), no slot, no ref; and a request that ends another
 * way leaves nothing behind.
 */
static void held_refusals_and_drop(struct kunit *test)
{
	struct synod_held_set set;
	struct synod_held h = {};

	synod_held_init(&set);
	KUNIT_EXPECT_FALSE(test, synod_held_add(&set, &h, 0x77, 9, 9));
	KUNIT_EXPECT_FALSE(test, synod_held_add(&set, &h, 0x77, 0, 0));
	KUNIT_EXPECT_FALSE(test, synod_held_add(&set, &h, 0, 12, 9));
	KUNIT_EXPECT_TRUE(test, list_empty(&set.list));
	KUNIT_ASSERT_TRUE(test, synod_held_add(&set, &h, 0x77, 12, 9));
	synod_held_drop(&set, &h);
	KUNIT_EXPECT_FALSE(test, synod_held_busy(&h));
	KUNIT_EXPECT_TRUE(test, list_empty(&set.list));
	KUNIT_EXPECT_EQ(test, set.waiting, 0u);
	synod_held_drop(&set, &h);	/* twice: nothing */
	KUNIT_EXPECT_EQ(test, set.waiting, 0u);
}

static struct kunit_case held_cases[] = {
	KUNIT_CASE(held_chosen),
	KUNIT_CASE(held_not_chosen),
	KUNIT_CASE(held_lost),
	KUNIT_CASE(held_refusals_and_drop),
	{}
};

static struct kunit_suite held_suite = {
	.name = "synod_held",
	.test_cases = held_cases,
};

kunit_test_suites(&held_suite);
MODULE_LICENSE("GPL");
