// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_msgcut": messages cut by the payload bytes their
 * entries name (kmod/msg_cut.c).  Under 1 MiB writes a catch-up answer,
 * a promise and a resend of unacked slots each passed what a send ring
 * takes and never went (a follower behind for ever, nobody leading after
 * the leader went).  What a replica relies on: an answer keeps its first
 * entry and the entries whose payloads come to the limit, in slot order,
 * and says where it ends (CATCHUP: slot_hi; PROMISE: PART and aux the
 * slot before the first left out, even across slots it holds nothing
 * for); an ACCEPT goes in parts that carry every entry once, in order;
 * a message within the limit, a snapshot or a refusal goes untouched.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "msg_cut.h"

#define MIB		(1ull << 20)
#define LIMIT		(2 * MIB)

/* The test's payloads weigh what each entry's first ref says (bytes). */
static u64 ref_bytes(void *ctx, const struct synod_entry *e)
{
	return e->kind == SYNOD_ENTRY_WRITE ? e->w[0].ref : 0;
}

/* A message of @type with @n write entries of @bytes each, at @slots. */
static void msg_init(struct synod_msg *m, u8 type, const u64 *slots, u32 n,
		     u64 bytes)
{
	u32 i;

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->slot = slots[0];
	m->slot_hi = slots[n - 1];
	m->count = n;
	for (i = 0; i < n; i++) {
		m->e[i].slot = slots[i];
		m->e[i].kind = SYNOD_ENTRY_WRITE;
		m->e[i].nwrites = 1;
		m->e[i].w[0].ref = bytes;
		m->e[i].w[0].block = slots[i];
	}
}

static struct synod_msg *msg_alloc(struct kunit *test)
{
	struct synod_msg *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	return m;
}

/* Eight slots of 1 MiB: parts of two, every entry once, in slot order. */
static void accept_in_parts(struct kunit *test)
{
	static const u64 slots[] = { 10, 11, 12, 13, 14, 15, 16, 17 };
	struct synod_msg *m = msg_alloc(test);
	u64 seen[8];
	u32 rest, parts = 0, nseen = 0, i;

	msg_init(m, SYNOD_MSG_ACCEPT, slots, 8, MIB);
	m->commit = 9;
	for (;;) {
		rest = synod_cut_part(m, ref_bytes, NULL, LIMIT);
		KUNIT_EXPECT_EQ(test, m->count, 2u);
		KUNIT_EXPECT_EQ(test, m->commit, 9ull);
		for (i = 0; i < m->count && nseen < 8; i++)
			seen[nseen++] = m->e[i].slot;
		parts++;
		if (!rest)
			break;
		synod_cut_next(m, rest);
		KUNIT_ASSERT_LE(test, parts, 8u);
	}
	KUNIT_EXPECT_EQ(test, parts, 4u);
	KUNIT_ASSERT_EQ(test, nseen, 8u);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, seen[i], slots[i]);
}

/*
 * A promise over slots with holes (nothing accepted at 6 and 8): cut
 * after the first entry, aux is the slot before the next one held (6),
 * not the last reported; the payloads left out lie past it.
 */
static void promise_cut_across_holes(struct kunit *test)
{
	static const u64 slots[] = { 5, 7, 9 };
	struct synod_msg *m = msg_alloc(test);

	msg_init(m, SYNOD_MSG_PROMISE, slots, 3, MIB + MIB / 2);
	KUNIT_EXPECT_EQ(test, synod_cut_answer(m, ref_bytes, NULL, LIMIT),
			SYNOD_CUT_PROMISE);
	KUNIT_EXPECT_EQ(test, m->count, 1u);
	KUNIT_EXPECT_TRUE(test, m->flags & SYNOD_MSGF_PART);
	KUNIT_EXPECT_EQ(test, m->aux, 6ull);
	KUNIT_EXPECT_EQ(test, m->slot, 5ull);
	KUNIT_EXPECT_EQ(test, m->slot_hi, 9ull);	/* highest held: kept */
}

/* A catch-up answer ends at its last entry kept. */
static void catchup_cut_ends_early(struct kunit *test)
{
	static const u64 slots[] = { 20, 21, 22, 23 };
	struct synod_msg *m = msg_alloc(test);

	msg_init(m, SYNOD_MSG_CATCHUP, slots, 4, MIB);
	KUNIT_EXPECT_EQ(test, synod_cut_answer(m, ref_bytes, NULL, LIMIT),
			SYNOD_CUT_CATCHUP);
	KUNIT_EXPECT_EQ(test, m->count, 2u);
	KUNIT_EXPECT_EQ(test, m->slot_hi, 21ull);
	KUNIT_EXPECT_FALSE(test, m->flags & SYNOD_MSGF_PART);
	KUNIT_EXPECT_EQ(test, m->aux, 0ull);
}

/*
 * Left whole: one entry past the limit (the first always goes), entries
 * within it, a snapshot answer, a refused promise, entries whose
 * payloads are not held here (they weigh nothing), and an ACCEPT of one.
 */
static void whole_when_within(struct kunit *test)
{
	static const u64 slots[] = { 1, 2, 3 };
	struct synod_msg *m = msg_alloc(test);

	msg_init(m, SYNOD_MSG_PROMISE, slots, 1, 4 * MIB);
	KUNIT_EXPECT_EQ(test, synod_cut_answer(m, ref_bytes, NULL, LIMIT),
			SYNOD_CUT_NONE);
	KUNIT_EXPECT_EQ(test, m->count, 1u);
	KUNIT_EXPECT_FALSE(test, m->flags & SYNOD_MSGF_PART);

	msg_init(m, SYNOD_MSG_CATCHUP, slots, 3, MIB / 2);
	KUNIT_EXPECT_EQ(test, synod_cut_answer(m, ref_bytes, NULL, LIMIT),
			SYNOD_CUT_NONE);
	KUNIT_EXPECT_EQ(test, m->count, 3u);

	msg_init(m, SYNOD_MSG_CATCHUP, slots, 3, MIB);
	m->flags = SYNOD_MSGF_SNAPSHOT;
	KUNIT_EXPECT_EQ(test, synod_cut_answer(m, ref_bytes, NULL, LIMIT),
			SYNOD_CUT_NONE);
	KUNIT_EXPECT_EQ(test, m->count, 3u);
	msg_init(m, SYNOD_MSG_PROMISE, slots, 3, 2 * MIB);
	m->flags = SYNOD_MSGF_NACK;
	KUNIT_EXPECT_EQ(test, synod_cut_answer(m, ref_bytes, NULL, LIMIT),
			SYNOD_CUT_NONE);
	KUNIT_EXPECT_EQ(test, m->count, 3u);
	m->flags = SYNOD_MSGF_TOO_FAR;
	KUNIT_EXPECT_EQ(test, synod_cut_answer(m, ref_bytes, NULL, LIMIT),
			SYNOD_CUT_NONE);
	KUNIT_EXPECT_EQ(test, m->count, 3u);

	msg_init(m, SYNOD_MSG_ACCEPT, slots, 3, 0);
	KUNIT_EXPECT_EQ(test, synod_cut_part(m, ref_bytes, NULL, LIMIT), 0u);
	msg_init(m, SYNOD_MSG_ACCEPT, slots, 1, 8 * MIB);
	KUNIT_EXPECT_EQ(test, synod_cut_part(m, ref_bytes, NULL, LIMIT), 0u);
	KUNIT_EXPECT_EQ(test, m->count, 1u);
}

/* The head count: the first always, then up to the limit exactly. */
static void head_counts_to_limit(struct kunit *test)
{
	static const u64 slots[] = { 1, 2, 3, 4, 5 };
	struct synod_msg *m = msg_alloc(test);

	msg_init(m, SYNOD_MSG_ACCEPT, slots, 5, MIB / 2);
	KUNIT_EXPECT_EQ(test, synod_cut_head(m, ref_bytes, NULL, LIMIT), 4u);
	msg_init(m, SYNOD_MSG_ACCEPT, slots, 5, 3 * MIB);
	KUNIT_EXPECT_EQ(test, synod_cut_head(m, ref_bytes, NULL, LIMIT), 1u);
	m->count = 0;
	KUNIT_EXPECT_EQ(test, synod_cut_head(m, ref_bytes, NULL, LIMIT), 0u);
}

static struct kunit_case msgcut_cases[] = {
	KUNIT_CASE(accept_in_parts),
	KUNIT_CASE(promise_cut_across_holes),
	KUNIT_CASE(catchup_cut_ends_early),
	KUNIT_CASE(whole_when_within),
	KUNIT_CASE(head_counts_to_limit),
	{}
};

static struct kunit_suite msgcut_suite = {
	.name = "synod_msgcut",
	.test_cases = msgcut_cases,
};
kunit_test_suite(msgcut_suite);

MODULE_LICENSE("GPL");
