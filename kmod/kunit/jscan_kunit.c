// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_jscan": journal recovery's decisions (kmod/core/
 * jscan.c) inside the kernel build, on scans crafted as a power cut in the
 * middle of a batch leaves them.  tests/core/test_jscan.c has more cases
 * in userspace; this suite proves the kernel's build decides the same.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/string.h>

#include "kunit_env.h"
#include "jscan.h"
#include "jscan_fixture.h"
#include "jrec.h"

#define COUNT	8u
#define BATCH_MAX	4u	/* records in flight at most: < COUNT */

/* Record @jseq found in @state (jscan_fixture.h, shared with cmocka). */
static void put(struct synod_jscan *scan, u64 jseq, u8 state, u64 first,
		u32 n)
{
	jscan_fx_put(scan, COUNT, jseq, state, first, n);
}

static void batch(struct synod_jscan *scan, u64 first, u32 n)
{
	jscan_fx_batch(scan, COUNT, first, n);
}

/* Batches [1, 3), [3, 7); in the last, 3 and 5 damaged: torn, not corrupt. */
static void hole_in_last_batch_is_torn(struct kunit *test)
{
	struct synod_jscan scan[COUNT] = {};
	struct synod_jscan_end end;

	batch(scan, 1, 2);
	batch(scan, 3, 4);
	put(scan, 3, SYNOD_JS_BROKEN, 0, 0);
	put(scan, 5, SYNOD_JS_BROKEN, 0, 0);
	synod_jscan_end(scan, COUNT, BATCH_MAX, &end);
	KUNIT_EXPECT_EQ(test, end.last, 6ull);
	KUNIT_EXPECT_EQ(test, end.batch_first, 3ull);
	KUNIT_EXPECT_EQ(test, synod_jscan_fate(scan, COUNT, &end, 2),
			SYNOD_JF_FOUND);
	KUNIT_EXPECT_EQ(test, synod_jscan_fate(scan, COUNT, &end, 3),
			SYNOD_JF_TORN);
	KUNIT_EXPECT_EQ(test, synod_jscan_fate(scan, COUNT, &end, 4),
			SYNOD_JF_FOUND);
	KUNIT_EXPECT_EQ(test, synod_jscan_fate(scan, COUNT, &end, 5),
			SYNOD_JF_TORN);
}

/* The same damage before the last batch was durable once: corrupt. */
static void hole_before_last_batch_is_corrupt(struct kunit *test)
{
	struct synod_jscan scan[COUNT] = {};
	struct synod_jscan_end end;

	batch(scan, 1, 4);
	batch(scan, 5, 1);
	put(scan, 3, SYNOD_JS_BROKEN, 0, 0);
	synod_jscan_end(scan, COUNT, BATCH_MAX, &end);
	KUNIT_EXPECT_EQ(test, end.last, 5ull);
	KUNIT_EXPECT_EQ(test, synod_jscan_fate(scan, COUNT, &end, 3),
			SYNOD_JF_CORRUPT);
}

/*
 * Voided holes, later in the middle, hold nothing; so does a torn write
 * after the end over a reclaimed record.
 */
static void void_and_reclaimed(struct kunit *test)
{
	struct synod_jscan scan[COUNT] = {};
	struct synod_jscan_end end;

	batch(scan, 1, 4);
	put(scan, 2, SYNOD_JS_VOID, 1, 4);
	batch(scan, 5, 3);
	put(scan, 9, SYNOD_JS_BROKEN, 0, 0);	/* over jseq 1 */
	synod_jscan_end(scan, COUNT, BATCH_MAX, &end);
	KUNIT_EXPECT_EQ(test, end.last, 7ull);
	KUNIT_EXPECT_EQ(test, synod_jscan_fate(scan, COUNT, &end, 2),
			SYNOD_JF_VOID);
	KUNIT_EXPECT_EQ(test, synod_jscan_fate(scan, COUNT, &end, 1),
			SYNOD_JF_RECLAIMED);
}

/*
 * Every record broken, trailers naming jseqs 1..20 (the ring holds
 * 13..20): more than one batch, so damage, not an empty journal; writing
 * resumes after 20, never at 1.  The first batch alone broken is torn.
 */
static void all_broken_is_damage(struct kunit *test)
{
	struct synod_jscan scan[COUNT] = {};
	struct synod_jscan_end end;
	u64 j;

	for (j = 1; j <= 20; j++)
		put(scan, j, SYNOD_JS_BROKEN, 0, 0);
	synod_jscan_end(scan, COUNT, BATCH_MAX, &end);
	KUNIT_EXPECT_EQ(test, end.last, 0ull);
	KUNIT_EXPECT_EQ(test, end.seen, 20ull);
	KUNIT_EXPECT_TRUE(test, end.damaged);
	KUNIT_EXPECT_EQ(test, end.next, 20ull + COUNT + BATCH_MAX + 1);

	memset(scan, 0, sizeof(scan));
	for (j = 1; j <= BATCH_MAX; j++)
		put(scan, j, SYNOD_JS_BROKEN, 0, 0);
	synod_jscan_end(scan, COUNT, BATCH_MAX, &end);
	KUNIT_EXPECT_FALSE(test, end.damaged);
	KUNIT_EXPECT_EQ(test, end.next, 1ull);
}

/*
 * The end's own record (6) misread at the scan: the end is 5, and 6,
 * after it, is worth reading again (and the rest of one batch after the
 * end the scan did not read whole), never the end or an index read
 * whole.  Read intact, the end is 6 again.
 */
static void misread_end_read_again(struct kunit *test)
{
	struct synod_jscan scan[COUNT] = {};
	struct synod_jscan_end end;

	batch(scan, 1, 3);
	batch(scan, 4, 3);
	memset(&scan[synod_jscan_index(6, COUNT)], 0, sizeof(scan[0]));
	scan[synod_jscan_index(6, COUNT)].state = SYNOD_JS_BROKEN;
	synod_jscan_end(scan, COUNT, BATCH_MAX, &end);
	KUNIT_EXPECT_EQ(test, end.last, 5ull);
	KUNIT_EXPECT_FALSE(test, synod_jscan_recheck_after(scan, COUNT,
			   BATCH_MAX, &end, 5));
	KUNIT_EXPECT_TRUE(test, synod_jscan_recheck_after(scan, COUNT,
			  BATCH_MAX, &end, 6));
	KUNIT_EXPECT_TRUE(test, synod_jscan_recheck_after(scan, COUNT,
			  BATCH_MAX, &end, 7));
	KUNIT_EXPECT_FALSE(test, synod_jscan_recheck_after(scan, COUNT,
			   BATCH_MAX, &end, 9));
	put(scan, 6, SYNOD_JS_INTACT, 4, 3);
	synod_jscan_end(scan, COUNT, BATCH_MAX, &end);
	KUNIT_EXPECT_EQ(test, end.last, 6ull);
	KUNIT_EXPECT_EQ(test, end.batch_first, 4ull);
}

/*
 * Torn (3) and corrupt (1, 2) records the scan did not read whole are
 * worth reading again before they are voided or reported; found, void
 * and UNSTABLE ones are not.
 */
static void recheck_damaged_in_window(struct kunit *test)
{
	struct synod_jscan scan[COUNT] = {};
	struct synod_jscan_end end;

	batch(scan, 1, 2);
	batch(scan, 3, 4);
	put(scan, 1, SYNOD_JS_BROKEN, 0, 0);
	memset(&scan[synod_jscan_index(2, COUNT)], 0, sizeof(scan[0]));
	put(scan, 3, SYNOD_JS_BROKEN, 0, 0);
	put(scan, 4, SYNOD_JS_VOID, 3, 4);
	synod_jscan_end(scan, COUNT, BATCH_MAX, &end);
	KUNIT_EXPECT_EQ(test, end.last, 6ull);
	KUNIT_EXPECT_TRUE(test, synod_jscan_recheck(scan, COUNT, &end, 1));
	KUNIT_EXPECT_TRUE(test, synod_jscan_recheck(scan, COUNT, &end, 2));
	KUNIT_EXPECT_TRUE(test, synod_jscan_recheck(scan, COUNT, &end, 3));
	KUNIT_EXPECT_FALSE(test, synod_jscan_recheck(scan, COUNT, &end, 4));
	KUNIT_EXPECT_FALSE(test, synod_jscan_recheck(scan, COUNT, &end, 5));
	scan[synod_jscan_index(5, COUNT)].state = SYNOD_JS_UNSTABLE;
	KUNIT_EXPECT_FALSE(test, synod_jscan_recheck(scan, COUNT, &end, 5));
}

/*
 * A wrapped ring (batches of four up to 12; the window 5..12): 5, before
 * the last batch, and 12, the end, misread at the scan.  The reads again
 * after the end (11) find 12 whole, and the end moves back; 5's index is
 * also 13's (after the end), so 5 comes back whole: kept, not left to a
 * third read that alone would decide whether it is reported corrupt (or,
 * in the last batch of a larger ring, voided as torn).
 */
static void window_record_read_after_end_kept(struct kunit *test)
{
	struct synod_jscan scan[COUNT] = {}, medium[COUNT];
	struct synod_jscan_end end;

	batch(scan, 1, 4);
	batch(scan, 5, 4);
	batch(scan, 9, 4);
	memcpy(medium, scan, sizeof(scan));
	memset(&scan[synod_jscan_index(5, COUNT)], 0, sizeof(scan[0]));
	scan[synod_jscan_index(5, COUNT)].state = SYNOD_JS_BROKEN;
	memset(&scan[synod_jscan_index(12, COUNT)], 0, sizeof(scan[0]));
	synod_jscan_end(scan, COUNT, BATCH_MAX, &end);
	KUNIT_EXPECT_EQ(test, end.last, 11ull);
	KUNIT_EXPECT_EQ(test, synod_jscan_fate(scan, COUNT, &end, 5),
			SYNOD_JF_CORRUPT);
	KUNIT_EXPECT_EQ(test, jscan_fx_after_end(scan, medium, COUNT,
			BATCH_MAX, &end, NULL), 2u);
	KUNIT_EXPECT_EQ(test, end.last, 12ull);
	KUNIT_EXPECT_EQ(test, synod_jscan_fate(scan, COUNT, &end, 5),
			SYNOD_JF_FOUND);
	KUNIT_EXPECT_FALSE(test, synod_jscan_recheck(scan, COUNT, &end, 5));
}

/*
 * A void record as the format has it (ondisk.rst), decoded in-kernel, in
 * both record formats: recovery rewrites voids in the journal's format.
 */
static void void_record_decodes(struct kunit *test)
{
	static const u32 formats[] = { SYNOD_JREC_FORMAT_V1,
				       SYNOD_JREC_FORMAT_V3 };
	static const u8 uuid[16] = { 7, 7, 7 };
	struct synod_jrec_hdr h = {}, d;
	u8 *buf = kunit_kzalloc(test, SYNOD_JREC_HDR_SIZE, GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	for (i = 0; i < ARRAY_SIZE(formats); i++) {
		h.format = formats[i];
		h.paymax = SYNOD_PAYLOAD_MAX;
		h.jseq = 4;
		h.batch_first = 3;
		h.batch_n = 4;
		h.flags = SYNOD_JREC_F_VOID;
		h.e.kind = SYNOD_ENTRY_NOOP;
		synod_jrec_encode(&h, uuid, buf);
		KUNIT_ASSERT_EQ(test, synod_jrec_decode(buf,
				SYNOD_JREC_HDR_SIZE, uuid, formats[i],
				SYNOD_PAYLOAD_MAX, &d),
				SYNOD_JREC_OK);
		KUNIT_EXPECT_EQ(test, d.format, formats[i]);
		KUNIT_EXPECT_EQ(test, d.flags, SYNOD_JREC_F_VOID);
		KUNIT_EXPECT_EQ(test, d.e.slot, 0ull);
		KUNIT_EXPECT_EQ(test, synod_jrec_used(&d),
				SYNOD_JREC_HDR_SIZE);
	}
}

static struct kunit_case jscan_cases[] = {
	KUNIT_CASE(hole_in_last_batch_is_torn),
	KUNIT_CASE(hole_before_last_batch_is_corrupt),
	KUNIT_CASE(void_and_reclaimed),
	KUNIT_CASE(all_broken_is_damage),
	KUNIT_CASE(misread_end_read_again),
	KUNIT_CASE(recheck_damaged_in_window),
	KUNIT_CASE(window_record_read_after_end_kept),
	KUNIT_CASE(void_record_decodes),
	{}
};

static struct kunit_suite jscan_suite = {
	.name = "synod_jscan",
	.init = synod_kunit_init,
	.exit = synod_kunit_exit,
	.test_cases = jscan_cases,
};
kunit_test_suite(jscan_suite);
