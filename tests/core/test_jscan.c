// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of journal recovery's decisions (kmod/core/jscan.c): scans
 * of a small ring crafted as a power cut leaves them, and the fate of
 * every journal sequence (Documentation/ondisk.rst, "Recovery").  The
 * KUnit suite synod_jscan runs the main cases inside the kernel build.
 */
#include "core_test.h"

#include <string.h>

#include "jscan.h"
#include "jscan_fixture.h"

#define COUNT	8u	/* ring records: small, so that it wraps */
/*
 * Records the writer has in flight between two flushes (the kernel's is
 * SYNOD_JOURNAL_BATCH): smaller than the ring, so that damage after the
 * end can span more than one batch.
 */
#define BATCH_MAX	5u

static struct synod_jscan scan[COUNT];
static struct synod_jscan_end end;

/* Record @jseq found in @state (jscan_fixture.h, shared with KUnit). */
static void put(u64 jseq, u8 state, u64 first, u32 n)
{
	jscan_fx_put(scan, COUNT, jseq, state, first, n);
}

static void batch(u64 first, u32 n)
{
	jscan_fx_batch(scan, COUNT, first, n);
}

/* The record @jseq lost its payload (its header still names it). */
static void broken(u64 jseq)
{
	put(jseq, SYNOD_JS_BROKEN, 0, 0);
}

static enum synod_jscan_fate fate(u64 jseq)
{
	return synod_jscan_fate(scan, COUNT, &end, jseq);
}

static void scan_end(void)
{
	synod_jscan_end(scan, COUNT, BATCH_MAX, &end);
}

static void setup_empty(void)
{
	memset(scan, 0, sizeof(scan));
	memset(&end, 0, sizeof(end));
}

static void test_empty_ring(void **state)
{
	(void)state;
	setup_empty();
	scan_end();
	assert_int_equal(end.last, 0);
	assert_int_equal(end.first, 1);
}

static void test_clean_journal(void **state)
{
	u64 j;

	(void)state;
	setup_empty();
	batch(1, 3);
	batch(4, 2);
	scan_end();
	assert_int_equal(end.last, 5);
	assert_int_equal(end.first, 1);
	assert_int_equal(end.batch_first, 4);
	assert_int_equal(end.batch_n, 2);
	for (j = 1; j <= 5; j++)
		assert_int_equal(fate(j), SYNOD_JF_FOUND);
}

/*
 * Issue 8 item 3: a power cut in the middle of the last batch.  Its first
 * record lost its payload, its third never reached the disk, its fourth
 * did: both holes are the torn tail, not corruption.
 */
static void test_hole_in_last_batch_is_torn(void **state)
{
	(void)state;
	setup_empty();
	batch(1, 2);
	batch(3, 5);
	broken(3);
	memset(&scan[synod_jscan_index(5, COUNT)], 0, sizeof(scan[0]));
	broken(7);	/* after the end: torn tail as always */
	scan_end();
	assert_int_equal(end.last, 6);
	assert_int_equal(end.batch_first, 3);
	assert_int_equal(fate(1), SYNOD_JF_FOUND);
	assert_int_equal(fate(2), SYNOD_JF_FOUND);
	assert_int_equal(fate(3), SYNOD_JF_TORN);
	assert_int_equal(fate(4), SYNOD_JF_FOUND);
	assert_int_equal(fate(5), SYNOD_JF_TORN);
	assert_int_equal(fate(6), SYNOD_JF_FOUND);
}

/* Before the last batch, a hole was durable once: corruption. */
static void test_hole_before_last_batch_is_corrupt(void **state)
{
	(void)state;
	setup_empty();
	batch(1, 3);
	batch(4, 1);
	broken(2);
	memset(&scan[synod_jscan_index(3, COUNT)], 0, sizeof(scan[0]));
	scan_end();
	assert_int_equal(end.last, 4);
	assert_int_equal(end.batch_first, 4);
	assert_int_equal(fate(2), SYNOD_JF_CORRUPT);
	assert_int_equal(fate(3), SYNOD_JF_CORRUPT);
	assert_int_equal(fate(4), SYNOD_JF_FOUND);
}

/*
 * After recovery voided the holes, later batches follow: the void records
 * are now in the middle and hold nothing, even if damaged themselves (the
 * trailer of a void record names slot 0).
 */
static void test_void_in_the_middle(void **state)
{
	(void)state;
	setup_empty();
	batch(1, 4);
	put(2, SYNOD_JS_VOID, 1, 4);
	put(3, SYNOD_JS_BROKEN, 0, 0);
	scan[synod_jscan_index(3, COUNT)].slot = 0;	/* a damaged void */
	batch(5, 2);
	scan_end();
	assert_int_equal(end.last, 6);
	assert_int_equal(fate(1), SYNOD_JF_FOUND);
	assert_int_equal(fate(2), SYNOD_JF_VOID);
	assert_int_equal(fate(3), SYNOD_JF_VOID);
	assert_int_equal(fate(4), SYNOD_JF_FOUND);
	/* a damaged record whose slot is unknown is still corruption */
	scan[synod_jscan_index(3, COUNT)].slot_known = false;
	assert_int_equal(fate(3), SYNOD_JF_CORRUPT);
}

/*
 * The ring wrapped.  A torn write after the end overwrote an old record
 * (allowed only once reclaimed): nothing lost.  A hole of the last batch
 * where the old record is still intact: its write never landed.
 */
static void test_wrapped_ring(void **state)
{
	(void)state;
	setup_empty();
	batch(1, 4);
	batch(5, 4);
	batch(9, 3);	/* replaces 1..3 */
	put(10, SYNOD_JS_INTACT, 1, 4);	/* jseq 2 still there: 10 lost */
	scan[synod_jscan_index(10, COUNT)].jseq = 2;
	broken(12);	/* torn after the end, over jseq 4 */
	scan_end();
	assert_int_equal(end.last, 11);
	assert_int_equal(end.first, 4);
	assert_int_equal(end.batch_first, 9);
	assert_int_equal(fate(4), SYNOD_JF_RECLAIMED);
	assert_int_equal(fate(5), SYNOD_JF_FOUND);
	assert_int_equal(fate(9), SYNOD_JF_FOUND);
	assert_int_equal(fate(10), SYNOD_JF_TORN);
	assert_int_equal(fate(11), SYNOD_JF_FOUND);
}

/* A header that claims a batch larger than the ring is not believed. */
static void test_implausible_batch(void **state)
{
	(void)state;
	setup_empty();
	batch(1, 3);
	put(3, SYNOD_JS_INTACT, 1, COUNT + 1);
	broken(2);
	scan_end();
	assert_int_equal(end.last, 3);
	assert_int_equal(end.batch_first, 3);
	assert_int_equal(fate(2), SYNOD_JF_CORRUPT);
}

/*
 * A record of the last batch read intact by the scan but damaged when read
 * again (replay) was written whole and may have been acknowledged: it is
 * corrupt, never voided as torn.  Before, recovery took the second read's
 * BROKEN state, which in the last batch is TORN (checked last).
 */
static void test_reread_damage_is_corrupt(void **state)
{
	(void)state;
	setup_empty();
	batch(1, 2);
	batch(3, 4);
	scan_end();
	assert_int_equal(end.last, 6);
	assert_int_equal(fate(4), SYNOD_JF_FOUND);
	scan[synod_jscan_index(4, COUNT)].state = SYNOD_JS_UNSTABLE;
	assert_int_equal(fate(4), SYNOD_JF_CORRUPT);
	scan[synod_jscan_index(1, COUNT)].state = SYNOD_JS_UNSTABLE;
	assert_int_equal(fate(1), SYNOD_JF_CORRUPT);
	broken(5);	/* what the old glue put in the scan: torn */
	assert_int_equal(fate(5), SYNOD_JF_TORN);
}

/*
 * A record of the last batch below its end that the scan misread (a bad
 * transfer, whole on the medium) looks torn, named or not, and was voided; journal_recover.c reads it
 * again and, intact now, puts it back in the scan and replays it without
 * computing the end again.  That holds because a record below the end
 * moves nothing the end is made of.  Misreading the end itself does move
 * it, lower, its record then after the end, where the torn tail is: it
 * is read again too (synod_jscan_recheck_after(), next test).
 */
static void test_misread_below_end_moves_no_end(void **state)
{
	struct synod_jscan_end whole;
	struct synod_jscan keep;
	struct synod_jscan *sc = &scan[synod_jscan_index(6, COUNT)];

	(void)state;
	setup_empty();
	batch(1, 4);
	batch(5, 4);
	scan_end();
	whole = end;
	keep = *sc;
	memset(sc, 0, sizeof(*sc));	/* header and trailer misread */
	sc->state = SYNOD_JS_BROKEN;
	scan_end();
	assert_memory_equal(&end, &whole, sizeof(end));
	assert_int_equal(fate(6), SYNOD_JF_TORN);
	broken(6);			/* the trailer read: named */
	scan_end();
	assert_memory_equal(&end, &whole, sizeof(end));
	assert_int_equal(fate(6), SYNOD_JF_TORN);
	*sc = keep;			/* read again: intact */
	assert_int_equal(fate(6), SYNOD_JF_FOUND);
	broken(8);			/* the end misread: 7 ends it */
	scan_end();
	assert_int_equal(end.last, 7);
	assert_int_equal(end.batch_first, 5);
	assert_false(end.damaged);
	assert_int_equal(end.after, 1);
	assert_true(synod_jscan_recheck_after(scan, COUNT, BATCH_MAX, &end, 8));
}

static bool recheck_after(u64 jseq)
{
	return synod_jscan_recheck_after(scan, COUNT, BATCH_MAX, &end, jseq);
}

static bool recheck(u64 jseq)
{
	return synod_jscan_recheck(scan, COUNT, &end, jseq);
}

/*
 * The end's own record misread at the scan (whole on the medium, perhaps
 * acknowledged) ended the journal one lower, and the record, after that
 * end, was dropped as the torn tail and written over.
 * The indexes after the end that the one batch in flight could reach,
 * and that the scan did not read whole, are worth reading again; read
 * whole, the end moves back.  Jseqs 1..6 in batches of three, 6 misread.
 */
static void test_misread_end_is_read_again(void **state)
{
	struct synod_jscan keep;
	struct synod_jscan *sc = &scan[synod_jscan_index(6, COUNT)];

	(void)state;
	setup_empty();
	batch(1, 3);
	batch(4, 3);
	keep = *sc;
	memset(sc, 0, sizeof(*sc));	/* header and trailer misread */
	sc->state = SYNOD_JS_BROKEN;
	scan_end();
	assert_int_equal(end.last, 5);
	assert_int_equal(end.after, 1);	/* the torn tail, so far */
	assert_false(recheck_after(5));	/* the end: read whole */
	assert_true(recheck_after(6));	/* broken */
	assert_true(recheck_after(7));	/* empty: a zeroed read too */
	assert_true(recheck_after(8));
	assert_false(recheck_after(9));	/* index 0 holds 1, read whole */
	/* up to a batch after the end, no further */
	scan[synod_jscan_index(5 + BATCH_MAX, COUNT)].state = SYNOD_JS_BROKEN;
	scan[synod_jscan_index(6 + BATCH_MAX, COUNT)].state = SYNOD_JS_BROKEN;
	assert_true(recheck_after(5 + BATCH_MAX));
	assert_false(recheck_after(6 + BATCH_MAX));
	batch(1, 3);
	*sc = keep;			/* read again: intact */
	scan_end();
	assert_int_equal(end.last, 6);
	assert_int_equal(end.batch_first, 4);
	assert_int_equal(fate(6), SYNOD_JF_FOUND);
	assert_false(recheck_after(6));
	assert_true(recheck_after(7));
}

/*
 * Misread the end of a ring past its first lap: the record lost is as
 * acknowledged as on the first lap, and its index is the one the oldest
 * record of the window left.  Jseqs 1..12 in batches of four (the ring
 * holds 5..12), 12 misread: the end is 11, and 12's index holds what the
 * scan took for a broken record after it.  Read again, whole, it is the
 * end once more.
 */
static void test_misread_end_of_wrapped_ring(void **state)
{
	struct synod_jscan medium[COUNT];
	struct synod_jscan *sc = &scan[synod_jscan_index(12, COUNT)];

	(void)state;
	setup_empty();
	batch(1, 4);
	batch(5, 4);
	batch(9, 4);
	memcpy(medium, scan, sizeof(scan));
	memset(sc, 0, sizeof(*sc));	/* header and trailer misread */
	sc->state = SYNOD_JS_BROKEN;
	scan_end();
	assert_int_equal(end.last, 11);
	assert_int_equal(end.first, 4);
	assert_true(recheck_after(12));
	assert_false(recheck_after(13));	/* holds 5, read whole */
	assert_int_equal(synod_jscan_keep(scan, COUNT, &end, 12,
					  &medium[synod_jscan_index(12, COUNT)]),
			 SYNOD_JK_ASKED);
	assert_int_equal(jscan_fx_after_end(scan, medium, COUNT, BATCH_MAX,
					    &end, NULL), 1);
	assert_int_equal(end.last, 12);
	assert_int_equal(end.first, 5);
	assert_int_equal(end.batch_first, 9);
	assert_int_equal(fate(12), SYNOD_JF_FOUND);
	assert_int_equal(end.after, 0);
}

/*
 * After the first lap, the index of a jseq after the end is also that of
 * a window record, jseq - COUNT.  The scan misread such a record of the
 * last batch; read again as the end's next batch, whole, it named not
 * the jseq asked for but its own, and was thrown away: the read of the
 * window (synod_jscan_recheck()) then decided on a third read alone,
 * and a record read whole once could be voided as torn.  Jseqs 1..12 in
 * batches of four, the last 9..12; 9's index is 17's (12 + BATCH_MAX).
 * And 5, before the last batch, at 13's: kept too, so never reported
 * corrupt on a later misread.
 */
static void test_window_record_read_after_end_is_kept(void **state)
{
	struct synod_jscan medium[COUNT], old;
	u32 reads[COUNT] = {0};

	(void)state;
	setup_empty();
	batch(1, 4);
	batch(5, 4);
	batch(9, 4);
	memcpy(medium, scan, sizeof(scan));
	memset(&scan[synod_jscan_index(9, COUNT)], 0, sizeof(scan[0]));
	scan[synod_jscan_index(9, COUNT)].state = SYNOD_JS_BROKEN;
	memset(&scan[synod_jscan_index(5, COUNT)], 0, sizeof(scan[0]));
	scan_end();
	assert_int_equal(end.last, 12);
	assert_int_equal(end.batch_first, 9);
	assert_int_equal(fate(9), SYNOD_JF_TORN);
	assert_int_equal(fate(5), SYNOD_JF_CORRUPT);
	assert_true(recheck_after(17));
	assert_true(recheck_after(13));
	assert_int_equal(synod_jscan_keep(scan, COUNT, &end, 17,
					  &medium[synod_jscan_index(9, COUNT)]),
			 SYNOD_JK_WINDOW);
	assert_int_equal(jscan_fx_after_end(scan, medium, COUNT, BATCH_MAX,
					    &end, reads), 2);
	assert_int_equal(reads[synod_jscan_index(9, COUNT)], 1);
	assert_int_equal(end.last, 12);		/* the end stays */
	assert_int_equal(fate(9), SYNOD_JF_FOUND);
	assert_int_equal(fate(5), SYNOD_JF_FOUND);
	assert_false(recheck(9));	/* no third read decides alone */
	assert_false(recheck(5));
	/* changed when the replay reads it: corrupt, never torn */
	scan[synod_jscan_index(9, COUNT)].state = SYNOD_JS_UNSTABLE;
	assert_int_equal(fate(9), SYNOD_JF_CORRUPT);
	/* a whole record older than the window is nothing to keep */
	old = medium[synod_jscan_index(9, COUNT)];
	old.jseq = 1;
	old.batch_first = 1;
	memset(&scan[synod_jscan_index(9, COUNT)], 0, sizeof(scan[0]));
	assert_int_equal(synod_jscan_keep(scan, COUNT, &end, 17, &old),
			 SYNOD_JK_NONE);
}

/*
 * The end moved twice: misread records a whole batch after the end, and
 * another a batch after that, on a ring of 32 (first lap; a ring crafted
 * for the arithmetic of the rounds, not one a crash leaves).  Each round
 * reads only what no earlier round read: the first (2, 2 + 5], the
 * second (7, 12], the third (12, 17], which finds nothing whole.  And
 * where the end moves by less than a batch, the next round starts after
 * what the last one read, not after the new end.
 */
#define WIDE	32u

static void test_end_moves_twice(void **state)
{
	struct synod_jscan ring[WIDE], medium[WIDE];
	struct synod_jscan_end e;
	u32 idx, reads[WIDE] = {0};
	u64 j;

	(void)state;
	memset(ring, 0, sizeof(ring));
	jscan_fx_batch(ring, WIDE, 1, 2);
	for (j = 3; j <= 12; j++)	/* torn, really */
		jscan_fx_put(ring, WIDE, j, SYNOD_JS_BROKEN, 0, 0);
	jscan_fx_put(ring, WIDE, 7, SYNOD_JS_INTACT, 7, 1);
	jscan_fx_put(ring, WIDE, 12, SYNOD_JS_INTACT, 12, 1);
	memcpy(medium, ring, sizeof(ring));
	jscan_fx_put(ring, WIDE, 7, SYNOD_JS_BROKEN, 0, 0);	/* misread */
	jscan_fx_put(ring, WIDE, 12, SYNOD_JS_BROKEN, 0, 0);
	synod_jscan_end(ring, WIDE, BATCH_MAX, &e);
	assert_int_equal(e.last, 2);
	assert_int_equal(jscan_fx_after_end(ring, medium, WIDE, BATCH_MAX, &e,
					    reads), 15);
	assert_int_equal(e.last, 12);
	assert_int_equal(e.batch_first, 12);
	assert_false(e.damaged);
	/* 3..6, 8..11: in the window now (no crash leaves this ring) */
	assert_int_equal(e.after, 0);
	for (idx = 0; idx < WIDE; idx++)
		assert_true(reads[idx] == (idx >= 2 && idx < 17));

	/* the end moves by one: the next round starts past 2 + 5 */
	memset(ring, 0, sizeof(ring));
	memset(reads, 0, sizeof(reads));
	jscan_fx_batch(ring, WIDE, 1, 2);
	jscan_fx_put(ring, WIDE, 3, SYNOD_JS_INTACT, 3, 1);
	memcpy(medium, ring, sizeof(ring));
	jscan_fx_put(ring, WIDE, 3, SYNOD_JS_BROKEN, 0, 0);
	synod_jscan_end(ring, WIDE, BATCH_MAX, &e);
	assert_int_equal(jscan_fx_after_end(ring, medium, WIDE, BATCH_MAX, &e,
					    reads), 6);
	assert_int_equal(e.last, 3);
	for (idx = 0; idx < WIDE; idx++)
		assert_true(reads[idx] == (idx >= 2 && idx < 8));
}

/*
 * Never a lap past the end, whatever the batch: that index is the end's
 * own, or one of the window, which synod_jscan_recheck() judges.
 */
static void test_recheck_after_stays_within_a_lap(void **state)
{
	u32 idx;

	(void)state;
	setup_empty();
	batch(1, 1);
	for (idx = 1; idx < COUNT; idx++)
		scan[idx].state = SYNOD_JS_BROKEN;
	scan_end();
	assert_int_equal(end.last, 1);
	assert_true(synod_jscan_recheck_after(scan, COUNT, COUNT + 2, &end,
					      COUNT));
	assert_false(synod_jscan_recheck_after(scan, COUNT, COUNT + 2, &end,
					       COUNT + 1));
}

/*
 * A record before the last batch that the scan misread was
 * reported corrupt without another read (its slot unknown, the replica
 * then promising nothing until its peers supplied the window).  Torn and
 * corrupt records the scan did not read whole are worth reading again,
 * before they are voided or reported; others are not.  Jseqs 1..11 in
 * batches of four, four and three: the ring (8) holds 4..11, the last
 * batch 9..11.
 */
static void test_recheck_damaged_in_window(void **state)
{
	(void)state;
	setup_empty();
	batch(1, 4);
	batch(5, 4);
	batch(9, 3);
	/* 10 never landed: its index still holds 2, read whole */
	put(2, SYNOD_JS_INTACT, 1, 4);
	broken(9);
	broken(5);
	memset(&scan[synod_jscan_index(6, COUNT)], 0, sizeof(scan[0]));
	scan_end();
	assert_int_equal(end.last, 11);
	assert_int_equal(end.first, 4);
	assert_int_equal(end.batch_first, 9);
	assert_true(recheck(9));	/* torn, broken */
	assert_false(recheck(10));	/* torn, but the medium holds 2 */
	assert_true(recheck(5));	/* corrupt, broken */
	assert_true(recheck(6));	/* corrupt, empty */
	assert_false(recheck(4));	/* found */
	assert_false(recheck(11));
	put(7, SYNOD_JS_VOID, 5, 4);
	assert_false(recheck(7));
	scan[synod_jscan_index(8, COUNT)].state = SYNOD_JS_UNSTABLE;
	assert_int_equal(fate(8), SYNOD_JF_CORRUPT);
	assert_false(recheck(8));	/* read twice already */
}

/*
 * Issue 9 (nemesis, seed 43, flakey-corrupt): every record of the ring
 * fails its checksum, but its trailer still names its jseq.  Jseqs 1..40
 * were written in batches of 4; the ring holds 33..40.  No record is
 * intact, yet they span more than one batch: flushed records are lost.
 * Before, the end was 0 and all of them were dropped as a torn tail, and
 * writing restarted at jseq 1: an acceptor that forgot what it accepted.
 */
static void test_all_broken_is_damage(void **state)
{
	u64 j;

	(void)state;
	setup_empty();
	for (j = 1; j <= 40; j++)
		broken(j);
	scan_end();
	assert_int_equal(end.last, 0);
	assert_int_equal(end.seen, 40);
	assert_true(end.damaged);
	assert_int_equal(end.after, COUNT);	/* what the ring still holds */
	/* never 1, over 33..40; past anything ever issued */
	assert_int_equal(end.next, 40 + COUNT + BATCH_MAX + 1);
}

/*
 * Intact up to M = 4 in batches of two, a hole at 3 (in M's batch), then
 * broken records naming M + 1 .. @upto: the ring the next two cases read.
 */
static void end_4_then_broken_to(u64 upto)
{
	u64 j;

	setup_empty();
	batch(1, 2);
	batch(3, 2);
	broken(3);
	for (j = 5; j <= upto; j++)
		broken(j);
	scan_end();
}

/*
 * Intact up to M = 4, then broken records named up to M + BATCH_MAX + 1:
 * more than the one batch that may follow M's.  Damage, and so M's batch
 * was not the last one: its hole is corrupt, not torn.
 */
static void test_broken_after_end_beyond_a_batch_is_damage(void **state)
{
	(void)state;
	end_4_then_broken_to(4 + BATCH_MAX + 1);
	assert_int_equal(end.last, 4);
	assert_int_equal(end.seen, 4 + BATCH_MAX + 1);
	assert_true(end.damaged);
	assert_int_equal(end.after, BATCH_MAX + 1);
	assert_int_equal(end.next, 4 + BATCH_MAX + 1 + COUNT + BATCH_MAX + 1);
	assert_int_equal(fate(3), SYNOD_JF_CORRUPT);
	assert_int_equal(fate(4), SYNOD_JF_FOUND);
}

/*
 * The same with broken records only up to M + BATCH_MAX: one batch after
 * M's could hold them all, so they are the torn tail, as before; and so
 * is a hole in M's own batch.
 */
static void test_broken_within_a_batch_after_end_is_torn(void **state)
{
	(void)state;
	end_4_then_broken_to(4 + BATCH_MAX);
	assert_int_equal(end.last, 4);
	assert_int_equal(end.seen, 4 + BATCH_MAX);
	assert_false(end.damaged);
	assert_int_equal(end.next, 5);	/* over the torn tail */
	assert_int_equal(fate(3), SYNOD_JF_TORN);
	assert_int_equal(fate(4), SYNOD_JF_FOUND);
}

/*
 * A brand-new journal whose very first batch is torn: nothing intact,
 * broken jseqs 1..3.  Nothing was acknowledged: torn, not damage, or a
 * new cluster that loses power in its first batch could never elect.
 */
static void test_torn_first_batch_is_torn(void **state)
{
	u64 j;

	(void)state;
	setup_empty();
	for (j = 1; j <= 3; j++)
		broken(j);
	scan_end();
	assert_int_equal(end.last, 0);
	assert_int_equal(end.seen, 3);
	assert_false(end.damaged);
	assert_int_equal(end.next, 1);
}

/*
 * Nothing intact and no trailer readable either (jseq unknown), but a
 * record of ours at a ring index the first batch cannot reach: the ring
 * held more than one batch, so this is damage too.  The same broken
 * records within the first batch's reach are a torn first batch.
 */
static void test_all_unreadable_beyond_first_batch_is_damage(void **state)
{
	u32 idx;

	(void)state;
	setup_empty();
	for (idx = 0; idx < BATCH_MAX; idx++)
		scan[idx].state = SYNOD_JS_BROKEN;
	scan_end();
	assert_int_equal(end.seen, 0);
	assert_false(end.damaged);
	scan[BATCH_MAX].state = SYNOD_JS_BROKEN;
	scan_end();
	assert_int_equal(end.seen, 0);
	assert_true(end.damaged);
}

/*
 * Review of issue 9's fix: intact records on the ring's first lap, then
 * broken ones naming nothing past the reach of one batch.  They were
 * flushed once; before, only an all-broken ring looked at indexes, and
 * these were dropped without a word, writing resuming over them.
 */
static void test_unnamed_past_a_batch_on_first_lap_is_damage(void **state)
{
	u32 idx;

	(void)state;
	setup_empty();
	batch(1, 2);	/* indexes 0, 1 */
	for (idx = 2; idx < 2 + BATCH_MAX; idx++)
		scan[idx].state = SYNOD_JS_BROKEN;
	scan_end();
	assert_int_equal(end.last, 2);
	assert_false(end.damaged);	/* one batch after 2's: torn */
	scan[2 + BATCH_MAX].state = SYNOD_JS_BROKEN;
	scan_end();
	assert_true(end.damaged);
	assert_int_equal(end.after, BATCH_MAX + 1);
	assert_true(end.next > 2 + COUNT);
}

/*
 * Damage whose jseqs are unreadable, then a crash after the first batch
 * written on resume: the next recovery must still see every record not
 * rewritten as corrupt.  Resuming at jseq 1 made them a torn tail after
 * the new batch, dropped without a word: the loss forgotten.
 */
static void test_damage_reported_again_after_resume(void **state)
{
	u64 j, corrupt = 0;
	u32 idx;

	(void)state;
	setup_empty();
	for (idx = 0; idx < COUNT; idx++)
		scan[idx].state = SYNOD_JS_BROKEN;
	scan_end();
	assert_true(end.damaged);
	batch(end.next, 2);
	scan_end();
	assert_false(end.damaged);
	assert_int_equal(end.last - end.first + 1, COUNT);
	for (j = end.first; j <= end.last; j++)
		corrupt += fate(j) == SYNOD_JF_CORRUPT;
	assert_int_equal(corrupt, COUNT - 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_ring),
		cmocka_unit_test(test_clean_journal),
		cmocka_unit_test(test_hole_in_last_batch_is_torn),
		cmocka_unit_test(test_hole_before_last_batch_is_corrupt),
		cmocka_unit_test(test_void_in_the_middle),
		cmocka_unit_test(test_wrapped_ring),
		cmocka_unit_test(test_implausible_batch),
		cmocka_unit_test(test_reread_damage_is_corrupt),
		cmocka_unit_test(test_misread_below_end_moves_no_end),
		cmocka_unit_test(test_misread_end_is_read_again),
		cmocka_unit_test(test_misread_end_of_wrapped_ring),
		cmocka_unit_test(test_window_record_read_after_end_is_kept),
		cmocka_unit_test(test_end_moves_twice),
		cmocka_unit_test(test_recheck_after_stays_within_a_lap),
		cmocka_unit_test(test_recheck_damaged_in_window),
		cmocka_unit_test(test_all_broken_is_damage),
		cmocka_unit_test(test_broken_after_end_beyond_a_batch_is_damage),
		cmocka_unit_test(test_broken_within_a_batch_after_end_is_torn),
		cmocka_unit_test(test_torn_first_batch_is_torn),
		cmocka_unit_test(test_all_unreadable_beyond_first_batch_is_damage),
		cmocka_unit_test(test_damage_reported_again_after_resume),
		cmocka_unit_test(test_unnamed_past_a_batch_on_first_lap_is_damage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
