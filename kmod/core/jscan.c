// SPDX-License-Identifier: GPL-2.0
/*
 * Journal recovery's decisions (see jscan.h for the why): where the
 * journal ends, and the fate of each journal sequence in its window.
 * Pure code: the scan array comes from kmod/journal_recover.c.
 */
#include "jscan.h"

/*
 * Whether the broken records after the end can all be one torn batch.
 * Only one batch is ever in flight (the next is issued once it is
 * durable), of at most @batch_max records, and it cannot start after
 * last + 1: last + 1 would then have been durable, so intact or damaged,
 * never torn.  So a torn record names a jseq <= last + batch_max; a broken one
 * naming a later jseq was durable, perhaps acknowledged, and is lost:
 * damage.  A broken record naming nothing is judged by its ring index:
 * on the ring's first lap (last < count) the batch after last's reaches
 * indexes below last + batch_max only, so a record of ours, named or not,
 * at any higher index was durable once.  (After the first lap every index
 * is in the window, and the replay judges it.)
 */
static bool damaged_after(const struct synod_jscan *scan, u32 count,
			  u32 batch_max, const struct synod_jscan_end *end)
{
	u64 idx;

	synod_assert(end->seen >= end->last);
	synod_assert(batch_max >= 1 && count >= 1);
	if (end->seen - end->last > batch_max)
		return true;
	if (end->last >= count)
		return false;
	for (idx = end->last + batch_max; idx < count; idx++)
		if (scan[idx].state != SYNOD_JS_EMPTY)
			return true;
	return false;
}

/* end->after: the broken records past the end (jscan.h). */
static u32 count_after(const struct synod_jscan *scan, u32 count,
		       const struct synod_jscan_end *end)
{
	u32 idx, after = 0;

	synod_assert(scan != NULL && count >= 1);
	for (idx = 0; idx < count; idx++) {
		if (scan[idx].state != SYNOD_JS_BROKEN)
			continue;
		after += scan[idx].jseq > end->last ||
			 (!scan[idx].jseq && end->last < count &&
			  idx >= end->last);
	}
	synod_assert(after <= count);
	return after;
}

/*
 * The end of the journal is the highest journal sequence held intact (a
 * void record counts: it was written whole).  Its header names the last
 * batch.  A batch never holds more records than the ring, so it lies in
 * the window; a header claiming otherwise is not believed beyond the
 * record itself.  @batch_max is the most records the writer has in flight
 * at once (SYNOD_JOURNAL_BATCH): it bounds the torn tail.
 */
void synod_jscan_end(const struct synod_jscan *scan, u32 count,
		     u32 batch_max, struct synod_jscan_end *end)
{
	const struct synod_jscan *sc;
	u32 idx;

	synod_assert(scan != NULL && count >= 1 && batch_max >= 1);
	synod_memset(end, 0, sizeof(*end));
	for (idx = 0; idx < count; idx++) {
		sc = &scan[idx];
		if ((sc->state == SYNOD_JS_INTACT || sc->state == SYNOD_JS_VOID) &&
		    sc->jseq > end->last)
			end->last = sc->jseq;
		/* A broken record's jseq is 0 unless its trailer names it. */
		if (sc->state != SYNOD_JS_EMPTY && sc->jseq > end->seen)
			end->seen = sc->jseq;
	}
	end->first = end->last > count ? end->last - count + 1 : 1;
	end->damaged = damaged_after(scan, count, batch_max, end);
	end->after = count_after(scan, count, end);
	end->next = end->last + 1;
	/*
	 * Damaged: resume past every jseq that can ever have been issued.
	 * A record naming seen is still in the ring, so seen + count never
	 * became durable, and no batch after its own was issued: nothing
	 * beyond seen + count + batch_max exists, named or not, that could
	 * read back whole later and pass for the journal's end.  And being
	 * past count, the next recovery's window spans the whole ring: every
	 * record not rewritten by then is in it, before its last batch, so
	 * corrupt again, never a torn tail.
	 */
	if (end->damaged)
		end->next = end->seen + count + batch_max + 1;
	synod_assert(end->next > end->last &&
		     (!end->damaged || end->next > end->seen));
	if (!end->last)
		return;
	sc = &scan[synod_jscan_index(end->last, count)];
	synod_assert(sc->jseq == end->last);
	synod_assert(sc->batch_first <= end->last &&
		     end->last - sc->batch_first < sc->batch_n);
	end->batch_first = sc->batch_first;
	end->batch_n = sc->batch_n;
	if (sc->batch_n > count || end->batch_first < end->first) {
		end->batch_first = end->last;	/* impossible: trust no more */
		end->batch_n = 1;
	}
	synod_assert(end->batch_first >= end->first);
}

/*
 * The fate of journal sequence @jseq, in the window of @end.  The ring
 * index of @jseq holds either @jseq itself, an older record (the write of
 * @jseq never landed), a later one (written past the end, so torn: the
 * journal overwrites a record only once it is reclaimed), or nothing
 * readable.
 */
enum synod_jscan_fate synod_jscan_fate(const struct synod_jscan *scan,
				       u32 count,
				       const struct synod_jscan_end *end,
				       u64 jseq)
{
	const struct synod_jscan *sc = &scan[synod_jscan_index(jseq, count)];

	synod_assert(end->last && jseq >= end->first && jseq <= end->last);
	synod_assert(end->batch_first >= end->first &&
		     end->batch_first <= end->last);
	if (sc->jseq == jseq) {
		if (sc->state == SYNOD_JS_INTACT)
			return SYNOD_JF_FOUND;
		if (sc->state == SYNOD_JS_VOID)
			return SYNOD_JF_VOID;
		/* Read whole once: perhaps acknowledged, never torn. */
		if (sc->state == SYNOD_JS_UNSTABLE)
			return SYNOD_JF_CORRUPT;
		/* Only a void record has slot 0: its trailer says so. */
		if (sc->state == SYNOD_JS_BROKEN && sc->slot_known && !sc->slot)
			return SYNOD_JF_VOID;
	} else if (sc->jseq > jseq) {
		synod_assert(sc->jseq > end->last &&
			     sc->state == SYNOD_JS_BROKEN);
		return SYNOD_JF_RECLAIMED;
	}
	/* The end itself, no longer intact when read again: be wary. */
	if (jseq == end->last)
		return SYNOD_JF_CORRUPT;
	/* Batches after last's were issued: last's was durable whole. */
	if (end->damaged)
		return SYNOD_JF_CORRUPT;
	return jseq >= end->batch_first ? SYNOD_JF_TORN : SYNOD_JF_CORRUPT;
}

/*
 * Whether journal sequence @jseq, after the end, is worth reading again
 * before the end is believed.  A misread at the scan (a bad transfer
 * failing a checksum once) of the true end's record, whole on the medium
 * and perhaps acknowledged, ends the journal lower and leaves that record
 * after the end, in the torn tail, to be dropped and written over.  A
 * torn tail lies within the one batch after the end (damaged_after()),
 * so only @jseq in (last, last + @batch_max] can hold the lost end, and
 * less than a lap past last (further on, its index is the end's own or
 * another of the window).  Its index is worth reading only if the scan
 * did not read it whole: broken, or empty (a transfer that zeroed the
 * header; it costs a header read).  journal_recover.c reads these again
 * and computes the end anew while it moves.
 */
bool synod_jscan_recheck_after(const struct synod_jscan *scan, u32 count,
			       u32 batch_max,
			       const struct synod_jscan_end *end, u64 jseq)
{
	u8 state;

	synod_assert(scan != NULL && count >= 1 && batch_max >= 1);
	synod_assert(end->next > end->last && end->seen >= end->last);
	if (jseq <= end->last || jseq - end->last > batch_max ||
	    jseq - end->last >= count)
		return false;
	state = scan[synod_jscan_index(jseq, count)].state;
	return state == SYNOD_JS_BROKEN || state == SYNOD_JS_EMPTY;
}

/*
 * Whether journal sequence @jseq of the window is worth reading again
 * before it is voided as torn or reported as corrupt: a misread at the
 * scan can make a record whole on the medium look damaged or missing
 * (broken, or empty).  Voided, a record of the last batch that was
 * perhaps acknowledged is lost for good; reported corrupt, the record is
 * fetched from the peers, and with no slot known the replica promises
 * nothing meanwhile.  Not worth it: an older record read whole at its
 * index (the write of @jseq never landed: the medium holds that one),
 * and an UNSTABLE one, read twice already (intact, then not).
 */
bool synod_jscan_recheck(const struct synod_jscan *scan, u32 count,
			 const struct synod_jscan_end *end, u64 jseq)
{
	enum synod_jscan_fate fate = synod_jscan_fate(scan, count, end, jseq);
	u8 state = scan[synod_jscan_index(jseq, count)].state;

	synod_assert(end->last && jseq >= end->first && jseq <= end->last);
	/* read whole once, changed since: never torn, never read again */
	synod_assert(state != SYNOD_JS_UNSTABLE || fate == SYNOD_JF_CORRUPT);
	if (fate != SYNOD_JF_TORN && fate != SYNOD_JF_CORRUPT)
		return false;
	return state == SYNOD_JS_BROKEN || state == SYNOD_JS_EMPTY;
}

/*
 * The reads again of the batch after the end, in rounds: the next jseq
 * to read (it->jseq; true), or false once none is left.  A round reads
 * the jseqs of (last, last + @batch_max] that synod_jscan_recheck_after()
 * names and that no earlier round read (it->done).  If the caller kept
 * one (it->moved), the end may have moved: @end is computed anew and the
 * batch after the new end is the next round; if not, @end stands.  Each
 * round that goes on turned an index read damaged into one read whole,
 * so there are no more rounds than ring indexes.
 */
bool synod_jscan_after_next(const struct synod_jscan *scan, u32 count,
			    u32 batch_max, struct synod_jscan_end *end,
			    struct synod_jscan_after *it)
{
	u64 jseq;

	synod_assert(scan != NULL && count >= 1 && batch_max >= 1);
	synod_assert(!it->jseq || (it->jseq > end->last &&
				   it->jseq == it->done));
	while (it->round < count) {
		jseq = (it->done > end->last ? it->done : end->last) + 1;
		for (; jseq <= end->last + batch_max; jseq++) {
			if (!synod_jscan_recheck_after(scan, count, batch_max,
						       end, jseq))
				continue;
			it->jseq = jseq;
			it->done = jseq;
			return true;
		}
		it->done = end->last + batch_max;
		it->round++;
		if (!it->moved)
			return false;
		it->moved = false;
		synod_jscan_end(scan, count, batch_max, end);
		synod_assert(end->last <= it->done);
	}
	return false;
}

/*
 * Journal sequence @jseq was read again (synod_jscan_recheck_after(),
 * synod_jscan_recheck()) and @got is what its ring index holds now.
 * Nothing writes the ring during recovery, so a record read whole now
 * (intact or void) is whole on the medium: the scan misread it, and
 * @got replaces what the scan noted there.  Whether it is @jseq or not:
 * after the first lap, the index of a jseq after the end is also that of
 * a window record (jseq - count), perhaps of the last batch.  Read whole
 * once, that record is never voided as torn (the replay reads it again
 * and, changed, reports it corrupt), so it is kept too; only @jseq
 * itself can move the end.  A whole record older than the window holds
 * nothing the replay needs.
 */
enum synod_jscan_keep synod_jscan_keep(const struct synod_jscan *scan,
				       u32 count,
				       const struct synod_jscan_end *end,
				       u64 jseq, const struct synod_jscan *got)
{
	u8 was = scan[synod_jscan_index(jseq, count)].state;
	enum synod_jscan_keep keep = SYNOD_JK_NONE;

	synod_assert(jseq >= 1 && (was == SYNOD_JS_BROKEN ||
				   was == SYNOD_JS_EMPTY));
	if (got->state != SYNOD_JS_INTACT && got->state != SYNOD_JS_VOID)
		return SYNOD_JK_NONE;
	/* journal_recover.c believes no record at an index not its own */
	synod_assert(got->jseq >= 1 && synod_jscan_index(got->jseq, count) ==
		     synod_jscan_index(jseq, count));
	if (got->jseq == jseq)
		keep = SYNOD_JK_ASKED;
	else if (end->last && got->jseq >= end->first &&
		 got->jseq <= end->last)
		keep = SYNOD_JK_WINDOW;
	/* in the window, an index holds one jseq only: the one asked */
	synod_assert(keep != SYNOD_JK_WINDOW || jseq > end->last);
	return keep;
}
