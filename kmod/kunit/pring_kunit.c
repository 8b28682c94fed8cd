// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_pring": where a record's payloads go in the payload
 * ring when the bytes at its head are held (kmod/journal_pring.c).
 * Records free their ring bytes by slot, not in the order they were
 * written; a journal that wrote only at its head found a held record of
 * a higher slot there with most of its ring free, and a follower fenced
 * "journal full" with 5 MiB of 12 held.  What a replica relies on: a
 * record goes in any free run that holds it, never over held bytes, and
 * is refused only when no free run holds it.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/prandom.h>

#include "journal_pring.h"

#define MIB		(1ull << 20)
#define BLK		4096u

static struct synod_jext ext(u64 off, u32 len)
{
	struct synod_jext e = { .off = off, .len = len };

	return e;
}

/* Whether [off, off + len) lies in the ring and overlaps no busy extent. */
static bool run_free(const struct synod_jext *busy, u32 n, u64 psize,
		     u64 off, u32 len)
{
	u32 k;

	if (off > psize || psize - off < len)
		return false;
	for (k = 0; k < n; k++)
		if (off < busy[k].off + busy[k].len &&
		    busy[k].off < off + len)
			return false;
	return true;
}

/* Free bytes at the head: the record goes there. */
static void head_free_taken(struct kunit *test)
{
	struct synod_jext busy[2] = { ext(0, MIB), ext(5 * MIB, MIB) };

	KUNIT_EXPECT_EQ(test, synod_pring_place(busy, 2, 12 * MIB, MIB,
						MIB), MIB);
	KUNIT_EXPECT_EQ(test, synod_pring_place(busy, 0, 12 * MIB, 0, MIB),
			0ull);
}

/*
 * The fenced follower's ring (session 32): 12 MiB, head at 3 MiB, the
 * records of slots 44 to 48 holding [3, 8) MiB, the rest free; the
 * missing slots' two 1 MiB records go past them, not nowhere.
 */
static void held_past_head_skipped(struct kunit *test)
{
	struct synod_jext busy[6];
	u64 off;
	u32 k;

	for (k = 0; k < 5; k++)
		busy[k] = ext((3 + k) * MIB, MIB);
	off = synod_pring_place(busy, 5, 12 * MIB, 3 * MIB, MIB);
	KUNIT_EXPECT_EQ(test, off, 8 * MIB);
	busy[5] = ext(off, MIB);
	KUNIT_EXPECT_EQ(test, synod_pring_place(busy, 6, 12 * MIB, 9 * MIB,
						MIB), 9 * MIB);
}

/* Nothing free from the head to the end: from the ring's start. */
static void wraps_to_start(struct kunit *test)
{
	struct synod_jext busy[3] = {
		ext(10 * MIB, MIB), ext(MIB, 2 * MIB), ext(11 * MIB, MIB),
	};

	/* [0, 1) MiB is free but too short; [3, 10) holds it */
	KUNIT_EXPECT_EQ(test, synod_pring_place(busy, 3, 12 * MIB, 10 * MIB,
						2 * MIB), 3 * MIB);
	/* a run ending at the ring's end counts */
	busy[0] = ext(0, 11 * MIB);
	KUNIT_EXPECT_EQ(test, synod_pring_place(busy, 1, 12 * MIB, 11 * MIB,
						MIB), 11 * MIB);
	KUNIT_EXPECT_EQ(test, synod_pring_place(busy, 1, 12 * MIB, 0, MIB),
			11 * MIB);
}

/* No free run holds it, though the free bytes add up: refused. */
static void fragmented_refused(struct kunit *test)
{
	struct synod_jext busy[4] = {
		ext(MIB, MIB), ext(3 * MIB, MIB), ext(5 * MIB, MIB),
		ext(7 * MIB, MIB),
	};

	/* 4 MiB free in four runs of 1 MiB: a 2 MiB record fits none */
	KUNIT_EXPECT_EQ(test, synod_pring_place(busy, 4, 8 * MIB, 0,
						2 * MIB), SYNOD_PRING_NONE);
	KUNIT_EXPECT_EQ(test, synod_pring_place(busy, 4, 8 * MIB, 2 * MIB,
						MIB), 2 * MIB);
}

/* A shared record names its first's bytes: the same extent twice. */
static void duplicate_extents(struct kunit *test)
{
	struct synod_jext busy[3] = {
		ext(2 * MIB, MIB), ext(0, 2 * MIB), ext(2 * MIB, MIB),
	};

	KUNIT_EXPECT_EQ(test, synod_pring_place(busy, 3, 4 * MIB, 0, MIB),
			3 * MIB);
	KUNIT_EXPECT_EQ(test, synod_pring_place(busy, 3, 4 * MIB, 0,
						2 * MIB), SYNOD_PRING_NONE);
}

/*
 * Random held sets on a ring of 64 blocks against every place by brute
 * force: the place is free and in the ring, is the head when that is
 * free, is refused only when no block offset holds the record, and
 * comes first from the head on round the ring.  A fixed seed: a failing
 * round prints its number and fails the same way again.
 */
static void random_against_brute_force(struct kunit *test)
{
	const u64 psize = 64 * BLK;
	struct synod_jext busy[16], copy[16];
	struct rnd_state rs;
	u32 round, n, k, len;
	u64 head, off, want, o, d;

	prandom_seed_state(&rs, 32);
	for (round = 0; round < 4000; round++) {
		n = prandom_u32_state(&rs) % 16;
		for (k = 0; k < n; k++)
			busy[k] = ext((prandom_u32_state(&rs) % 64) * BLK,
				      (1 + prandom_u32_state(&rs) % 8) * BLK);
		for (k = 0; k < n; k++)
			if (busy[k].off + busy[k].len > psize)
				busy[k].len = psize - busy[k].off;
		head = (prandom_u32_state(&rs) % 65) * BLK;
		len = (1 + prandom_u32_state(&rs) % 16) * BLK;
		memcpy(copy, busy, sizeof(busy));
		off = synod_pring_place(copy, n, psize, head, len);
		want = SYNOD_PRING_NONE;
		for (d = 0; d < 64 && want == SYNOD_PRING_NONE; d++) {
			/* from the head to the end, then from 0 */
			o = (head / BLK + d) % 64 * BLK;
			if (run_free(busy, n, psize, o, len))
				want = o;
		}
		KUNIT_ASSERT_EQ_MSG(test, off, want,
				    "round %u: %u held, head %llu, len %u",
				    round, n, head, len);
		if (off != SYNOD_PRING_NONE)
			KUNIT_ASSERT_TRUE(test, run_free(busy, n, psize, off,
							 len));
	}
}

static struct kunit_case pring_cases[] = {
	KUNIT_CASE(head_free_taken),
	KUNIT_CASE(held_past_head_skipped),
	KUNIT_CASE(wraps_to_start),
	KUNIT_CASE(fragmented_refused),
	KUNIT_CASE(duplicate_extents),
	KUNIT_CASE(random_against_brute_force),
	{}
};

static struct kunit_suite pring_suite = {
	.name = "synod_pring",
	.test_cases = pring_cases,
};
kunit_test_suite(pring_suite);
