// SPDX-License-Identifier: GPL-2.0
/*
 * Superblock writes with the replica's lock dropped: a checkpoint's
 * (replica_ckpt.c) and a new promise's (the journal's group writer,
 * replica_jq.c).  A superblock write is a FUA write of one copy, and on
 * a slow disk it may take as long as a flush: under the lock it held up
 * every input of the replica, heartbeats and acknowledgements too.
 *
 * The copy is built and encoded under the lock from vol->sb as it is
 * then (synod_sbw_begin(), synod_sbw_submit()), submitted before the
 * lock is let go, waited for without it by its issuer
 * (synod_sbw_wait()), and folded into vol->sb under the lock once on
 * disk (synod_sbw_settle()).  vol->sb is thus always what the disk has.
 *
 * Copies are written one at a time, in sequence: each write aims at
 * the copy that holds the older sequence number (the other is the last
 * good one), so two in flight would aim at the same copy, and the one
 * to land last would win whatever its sequence.  A promise reported
 * durable could then be lost to a checkpoint built before it: the
 * PROMISE_NOT_PERSISTED fault of protocol.rst.  So every superblock
 * writer, the synchronous ones too (a state transfer's commit, the
 * synchronous checkpoint, the LARGE flag), settles first: it waits for
 * the write in flight, under the lock, which is rare (the two kinds
 * meet only when an election falls during a checkpoint's write), and
 * counted on the down line.  The two issuers, which hold no other input
 * up while they wait, wait for each other's write without the lock
 * instead (synod_sbw_wait_unlocked()).
 *
 * Each kind has one slot and one issuer, which alone re-arms the
 * slot's completion: the checkpoint work for CKPT, the holder of the
 * writer's role (r->jbusy) for PROMISE.  Whoever else waits on it holds
 * the lock, as the issuer does when it re-arms, so such a waiter can
 * neither miss a completion nor see the next one's; an issuer that
 * waits for the other's write without the lock waits on the slot's
 * generation instead, and looks again under the lock after each
 * wake-up (synod_sbw_wait_unlocked()).  Writes are submitted under the
 * lock, so that busy always means in flight; submit_bio() may wait for
 * a tag meanwhile, as every write submitted under it does.  A fold changes only the fields
 * its kind wrote, so what a synchronous writer changed in vol->sb
 * meanwhile (a flag) is kept.  A failed write fences the replica, and
 * vol->sb keeps its sequence: the copy aimed at may be torn, and the
 * next write (after the next attach) aims at it again, never at the
 * last good one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/wait_bit.h>

#include "replica.h"

static const char *const sbw_what[SYNOD_SBW_MAX] = {
	[SYNOD_SBW_CKPT] = "checkpoint",
	[SYNOD_SBW_PROMISE] = "promise",
};

/* A superblock write ended (bio context): say so. */
static void sbw_end(struct bio *bio)
{
	struct synod_sbw *w = bio->bi_private;

	w->err = blk_status_to_errno(bio->bi_status);
	bio_uninit(bio);
	/* the result before the wakeup: complete_all() orders them */
	complete_all(&w->done);
	/*
	 * And the other kind's issuer, which waits without the lock on
	 * the address alone (synod_sbw_wait_unlocked()): wake_up_var()
	 * hashes @w, it does not read it, so that the issuer may already
	 * have gone on does not matter.
	 */
	wake_up_var(w);
}

/*
 * Start building the next superblock copy for a @kind write: settle the
 * one in flight first (it may wait, under the lock), then a copy of
 * vol->sb with the next sequence, which the caller changes and submits
 * (synod_sbw_submit()) before it lets go of the lock.  NULL if the
 * replica is fenced (a settle that failed fenced it).
 */
struct synod_sb *synod_sbw_begin(struct synod_repl *r,
				 enum synod_sbw_kind kind)
{
	struct synod_sbw *w = &r->sbw[kind];

	lockdep_assert_held(&r->lock);
	if (synod_sbw_settle(r) || r->fenced)
		return NULL;
	/* settled: nothing is in flight, ours least of all */
	WARN_ON_ONCE(w->busy);
	w->next = r->vol->sb;
	w->next.seq = r->vol->sb.seq + 1;
	return &w->next;
}

/*
 * Encode and submit the copy synod_sbw_begin() started, under the same
 * hold of the lock.  False, nothing written, if the encoder's assertion
 * failed (the replica is fenced).  Submitted under the lock: busy always
 * means in flight, so whoever settles waits only for the disk, never
 * for this thread (which, letting go of the lock, may run the engine
 * and settle itself).
 */
bool synod_sbw_submit(struct synod_repl *r, enum synod_sbw_kind kind)
{
	struct synod_sbw *w = &r->sbw[kind];

	lockdep_assert_held(&r->lock);
	if (WARN_ON_ONCE(w->busy || w->next.seq != r->vol->sb.seq + 1)) {
		synod_repl_fence(r, "superblock write out of sequence");
		return false;
	}
	if (synod_repl_sb_encode(r, &w->next, w->page))
		return false;
	w->err = 0;
	/*
	 * No one waits on the last write's completion any more: a settle
	 * waits under the lock, which we hold, and this slot's issuer,
	 * the only one to wait on it without the lock, is this thread.
	 * The other kind's issuer waits on @gen and the address instead.
	 */
	reinit_completion(&w->done);
	WRITE_ONCE(w->gen, w->gen + 1);
	w->busy = true;
	if (kind == SYNOD_SBW_PROMISE)
		r->sb_promise_writes++;
	synod_backing_sb_submit(&r->vol->backing, &w->bio, &w->bv, w->page,
				w->next.seq, sbw_end, w);
	return true;
}

/*
 * Wait for @kind's write as submit_bio_wait() waits: in I/O wait, and
 * waking every 10 s, so that a write a slow disk holds for minutes is
 * not reported as a hung task.  Without the lock, by the slot's issuer
 * (no one else re-arms the completion), or under it by a settle.
 */
void synod_sbw_wait(struct synod_repl *r, enum synod_sbw_kind kind)
{
	while (!wait_for_completion_io_timeout(&r->sbw[kind].done, 10 * HZ))
		;
}

/*
 * Under the lock, by the issuer of the other kind before it builds: wait
 * for @kind's write in flight with the lock dropped, so that the build's
 * settle need not wait for it under the lock, holding up every input
 * for as long as the disk takes.  Not on the slot's completion, which
 * its own issuer re-arms (a re-arm must find no one asleep on it), but
 * until the write ends or another of its kind is issued, and every
 * 10 s; then it looks again under the lock.  Returns with the lock
 * held; the caller must look again at anything the lock guards.
 */
void synod_sbw_wait_unlocked(struct synod_repl *r, enum synod_sbw_kind kind)
{
	struct synod_sbw *w = &r->sbw[kind];
	bool counted = false;
	u64 gen;

	lockdep_assert_held(&r->lock);
	while (!r->fenced && synod_sbw_inflight(r, kind)) {
		if (!counted) {
			r->sb_async_waits++;
			counted = true;
		}
		gen = w->gen;
		__synod_repl_release(r);	/* pushes what is queued */
		wait_var_event_timeout(w, completion_done(&w->done) ||
					  READ_ONCE(w->gen) != gen, 10 * HZ);
		mutex_lock(&r->lock);
	}
}

/* Under the lock: @kind's write is issued and has not ended. */
bool synod_sbw_inflight(struct synod_repl *r, enum synod_sbw_kind kind)
{
	lockdep_assert_held(&r->lock);
	return r->sbw[kind].busy && !completion_done(&r->sbw[kind].done);
}

/* Fold @w, on disk now, into vol->sb: only the fields its kind wrote. */
static void sbw_fold(struct synod_repl *r, enum synod_sbw_kind kind,
		     struct synod_sbw *w)
{
	struct synod_sb *sb = &r->vol->sb;

	sb->seq = w->next.seq;
	if (kind == SYNOD_SBW_PROMISE) {
		sb->promised_ballot = max(sb->promised_ballot,
					  w->next.promised_ballot);
		return;
	}
	sb->applied_index = w->next.applied_index;
	sb->cfg = w->next.cfg;
	synod_ckpt_done(r, w->next.applied_index, &w->next.cfg, w->bytes);
}

/*
 * Fold the superblock write in flight, if any, into vol->sb once it is
 * on disk, waiting for it if it has not ended; fence if it failed.
 * Every superblock writer calls this first, under the lock, and so does
 * each issuer once its own write has ended (someone may have folded it
 * meanwhile).  0, or the error that fenced the replica.
 */
int synod_sbw_settle(struct synod_repl *r)
{
	struct synod_sbw *w;
	u32 kind;

	lockdep_assert_held(&r->lock);
	/* one in flight at most: every issue settled first */
	WARN_ON_ONCE(r->sbw[SYNOD_SBW_CKPT].busy &&
		     r->sbw[SYNOD_SBW_PROMISE].busy);
	for (kind = 0; kind < SYNOD_SBW_MAX; kind++) {
		w = &r->sbw[kind];
		if (!w->busy)
			continue;
		if (!completion_done(&w->done)) {
			r->sb_async_waits++;
			r->sb_locked_waits++;
			synod_repl_push(r);	/* before the wait */
			synod_sbw_wait(r, kind);
		}
		w->busy = false;
		if (w->err) {
			if (!r->fenced)
				synod_repl_fence(r, kind == SYNOD_SBW_CKPT ?
						 "checkpoint failed (superblock write)" :
						 "promise failed (superblock write)");
			return w->err;
		}
		/* nothing else wrote in between: every writer settles first */
		if (WARN_ON_ONCE(w->next.seq != r->vol->sb.seq + 1 ||
				 (kind == SYNOD_SBW_CKPT &&
				  w->next.applied_index < r->checkpointed))) {
			synod_repl_fence(r, "superblock out of sequence");
			return -EIO;
		}
		sbw_fold(r, kind, w);
		pr_debug("%s: %s superblock copy %llu on disk\n", r->vol->name,
			 sbw_what[kind], w->next.seq);
	}
	return 0;
}

/*
 * The issuer of @kind, its write ended: fold it, unless a writer did
 * meanwhile and may have issued one of the other kind since, which
 * this does not wait for (under the lock it would hold up every
 * input).  0, or an error if the replica is fenced.
 */
int synod_sbw_settle_own(struct synod_repl *r, enum synod_sbw_kind kind)
{
	lockdep_assert_held(&r->lock);
	if (r->sbw[kind].busy)
		return synod_sbw_settle(r);	/* nothing else in flight */
	return r->fenced ? -EIO : 0;
}

/* At create: the pages the writes encode into, the completions. */
int synod_sbw_init(struct synod_repl *r)
{
	u32 kind;

	/* every completion first: destroy may wait on any */
	for (kind = 0; kind < SYNOD_SBW_MAX; kind++)
		init_completion(&r->sbw[kind].done);
	for (kind = 0; kind < SYNOD_SBW_MAX; kind++) {
		r->sbw[kind].page = alloc_page(GFP_KERNEL);
		if (!r->sbw[kind].page)
			return -ENOMEM;
	}
	return 0;
}

/*
 * At destroy, after down: the work that issued each write has waited
 * for it and folded it (the checkpoint work was flushed, the group
 * writer drained).  Should one still be busy, its bio still writes the
 * page and ends into the replica: wait for it before either goes.
 */
void synod_sbw_free(struct synod_repl *r)
{
	u32 kind;

	for (kind = 0; kind < SYNOD_SBW_MAX; kind++) {
		if (WARN_ON_ONCE(r->sbw[kind].busy))
			synod_sbw_wait(r, kind);
		if (r->sbw[kind].page)
			__free_page(r->sbw[kind].page);
		r->sbw[kind].page = NULL;
	}
}
