/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Journal recovery's decisions, as pure code: given what a scan of the
 * ring found at every index, where does the journal end, and what is each
 * journal sequence of the window: a record to replay, nothing (void), the
 * torn tail of a crash, or a damaged record in the middle?
 *
 * kmod/journal_recover.c does the I/O (reads every ring index, decodes it
 * with jrec.c, fills one struct synod_jscan per index) and acts on the
 * answers;
 * the KUnit suite synod_jscan and tests/core/test_jscan.c check them on
 * crafted scans.  Documentation/ondisk.rst, "Recovery", is the rule.
 *
 * Why the last batch is special: the records of one batch (group commit,
 * the batch_first/batch_n fields of every record) are written all at once
 * (each FUA) and acknowledged only once every one of them has completed,
 * durable, and the next batch is issued only then.  After a
 * power cut any record of the last batch may be missing or damaged, below
 * intact ones too; none of them was acknowledged.  Before the last batch,
 * everything was durable before later writes were issued: a record
 * missing there was durable and is damage.
 *
 * A misread at the scan (a bad transfer failing a checksum once) can make
 * a whole record look damaged anywhere: kmod/journal_recover.c reads
 * again, before it believes the end, the indexes after it that a torn
 * tail can hold (synod_jscan_recheck_after(): the true end itself may
 * have been misread), and, before it voids or reports any, the damaged
 * records of the window (synod_jscan_recheck()); one read whole then is
 * taken as the scan should have taken it.
 *
 * The same bound applies after the end: only one batch, of at most
 * batch_max records (SYNOD_JOURNAL_BATCH), can have been in flight, and it
 * started at most just after the end.  Broken records that name later
 * sequences than that (or, on the ring's first lap, lie at ring indexes
 * that batch cannot reach) were durable once: the ring is damaged, not
 * torn, and its lost records may have been acknowledged.  The blind spot:
 * damage confined to the batch_max sequences after the end (a journal that
 * only ever held one batch, all of it damaged, say) looks exactly like a
 * torn tail.
 */
#ifndef SYNOD_CORE_JSCAN_H
#define SYNOD_CORE_JSCAN_H

#include "env.h"

/*
 * Highest journal sequence believed from disk: far beyond any real one (a
 * record per nanosecond for a century), low enough that the arithmetic of
 * recovery (seen + count + batch_max + 1) cannot wrap.  A higher one is a
 * crafted or colliding record: it names nothing.
 */
#define SYNOD_JSEQ_MAX	(1ull << 62)

/* What the scan found at one ring index. */
enum synod_jscan_state {
	SYNOD_JS_EMPTY = 0,	/* never written, zero, or another volume's */
	SYNOD_JS_INTACT,	/* header and every payload check */
	SYNOD_JS_VOID,		/* an intact void record (SYNOD_JREC_F_VOID) */
	SYNOD_JS_BROKEN,	/* ours, but a checksum or a field fails */
	/*
	 * Read intact by the scan, but not when read again to be replayed
	 * (a transient read error, failing media).  It was written whole,
	 * so it may have been acknowledged: never torn, always corrupt.
	 * Set by kmod/journal_recover.c, which keeps jseq and slot of the
	 * first read.
	 */
	SYNOD_JS_UNSTABLE,
};

/* One ring index, as the scan found it. */
struct synod_jscan {
	u64 jseq;		/* its journal sequence; 0: none believed */
	u64 slot;		/* log slot it holds, if slot_known (0: void) */
	u64 batch_first;	/* INTACT, VOID: first jseq of its batch */
	u32 batch_n;		/* INTACT, VOID: records in its batch */
	u8 state;		/* enum synod_jscan_state */
	bool slot_known;	/* header or trailer names jseq and slot */
};

/* Where the journal ends and what its window is. */
struct synod_jscan_end {
	u64 last;		/* highest intact (or void) jseq; 0: none */
	u64 first;		/* lowest jseq of the window [first, last] */
	u64 batch_first;	/* first jseq of the last batch (last's) */
	u32 batch_n;		/* records in the last batch */
	/*
	 * Highest jseq named by any readable header or trailer (intact,
	 * void or broken); >= last.  Writing resumes after it when damaged,
	 * never over the sequences of records the ring still holds.
	 */
	u64 seen;
	/*
	 * Records after last are damage, not a torn tail: they cannot all
	 * be the one batch in flight at the crash, so some were durable
	 * (durable, perhaps acknowledged) and are lost.  Then nothing is
	 * torn: every hole of the window is corrupt too.
	 */
	bool damaged;
	/*
	 * Broken records after last, the ones the replay never sees: those
	 * whose trailer names a later jseq and, on the ring's first lap
	 * (last < count), nameless ones at ring indexes past last.  Told
	 * and counted as corrupt when damaged.
	 */
	u32 after;
	/*
	 * Journal sequence to write next: last + 1, over the torn tail; if
	 * damaged, seen + count + batch_max + 1, past anything ever issued,
	 * so that no stale record can pass for the end later, and the
	 * damaged records stay in the middle of the journal, where the next
	 * recovery reports them again, named or not.
	 */
	u64 next;
};

/* The fate of one journal sequence of the window. */
enum synod_jscan_fate {
	SYNOD_JF_FOUND = 0,	/* intact: replay it */
	SYNOD_JF_VOID,		/* holds nothing: skip */
	SYNOD_JF_RECLAIMED,	/* overwritten by a later write: was reclaimed */
	SYNOD_JF_TORN,		/* damaged in the last batch: never acked */
	SYNOD_JF_CORRUPT,	/* damaged before the last batch: durable, lost */
};

/*
 * What a read again of a ring index (after the scan found it damaged or
 * missing) brought back worth keeping (synod_jscan_keep()).
 */
enum synod_jscan_keep {
	SYNOD_JK_NONE = 0,	/* still damaged, or not a record we need */
	SYNOD_JK_ASKED,		/* the jseq asked for, whole: the end may move */
	SYNOD_JK_WINDOW,	/* another jseq, of the window, whole */
};

/*
 * Where the reads again of the batch after the end stand
 * (synod_jscan_after_next()).  Zero it to begin.
 */
struct synod_jscan_after {
	u64 jseq;		/* the jseq to read again now */
	u64 done;		/* every jseq up to it considered already */
	u32 round;		/* rounds over so far */
	bool moved;		/* the caller kept jseq (SYNOD_JK_ASKED) */
};

/* jscan.c */
void synod_jscan_end(const struct synod_jscan *scan, u32 count,
		     u32 batch_max, struct synod_jscan_end *end);
enum synod_jscan_fate synod_jscan_fate(const struct synod_jscan *scan,
				       u32 count,
				       const struct synod_jscan_end *end,
				       u64 jseq);
bool synod_jscan_recheck_after(const struct synod_jscan *scan, u32 count,
			       u32 batch_max,
			       const struct synod_jscan_end *end, u64 jseq);
bool synod_jscan_recheck(const struct synod_jscan *scan, u32 count,
			 const struct synod_jscan_end *end, u64 jseq);
bool synod_jscan_after_next(const struct synod_jscan *scan, u32 count,
			    u32 batch_max, struct synod_jscan_end *end,
			    struct synod_jscan_after *it);
enum synod_jscan_keep synod_jscan_keep(const struct synod_jscan *scan,
				       u32 count,
				       const struct synod_jscan_end *end,
				       u64 jseq, const struct synod_jscan *got);

/* Ring index of journal sequence @jseq (>= 1) in a ring of @count. */
static inline u32 synod_jscan_index(u64 jseq, u32 count)
{
	return (u32)((jseq - 1) % count);
}

#endif /* SYNOD_CORE_JSCAN_H */
