// SPDX-License-Identifier: GPL-2.0
/*
 * Waits for the applies (replica_apply.c): whatever reads or rewrites
 * the data area around the engine first waits, with the replica's lock
 * held, for the applies that cover what it touches (the head comment of
 * replica_apply.c says who), and a replica going down for all of them.
 * A chunk a state transfer serves is read among the applies instead
 * (resync_serve.c); these waits take its read into account, as writes
 * may wait for it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/mm.h>
#include <linux/wait_bit.h>

#include "replica.h"

/*
 * A fenced replica writes no more: let go of the writes that were never
 * submitted.  Their slots never land.
 */
static void apply_drop_queued(struct synod_repl *r)
{
	struct synod_applyq *aq = &r->aq;
	struct synod_aent *ent;
	struct synod_aw *w;

	for (; aq->next <= aq->issued; aq->next++, aq->next_w = 0) {
		ent = synod_aent(&r->aq, aq->next);
		for (; aq->next_w < ent->nw; aq->next_w++) {
			w = &ent->w[aq->next_w];
			if (WARN_ON_ONCE(w->state == SYNOD_AW_FLIGHT))
				continue;
			synod_pay_unpin(w->pay);
			w->pay = NULL;
			w->state = SYNOD_AW_FREE;
		}
	}
}

/*
 * Under the lock: wait until every queued apply has landed (a fenced
 * replica: until every bio has ended), so that the data area can be
 * read or written around the engine.  Waits for the disk with the lock
 * held; nothing queues meanwhile, so each round submits what the last
 * one unblocked and the loop ends.  Who calls it runs in a noio scope
 * (replica.h).
 */
void synod_apply_quiesce(struct synod_repl *r)
{
	struct synod_applyq *aq = &r->aq;
	bool ended = false;
	u8 st;

	lockdep_assert_held(&r->lock);
	for (;;) {
		synod_apply_reap(r);
		if (r->fenced && !aq->flight)
			apply_drop_queued(r);
		if (r->fenced ? !aq->flight : r->applied == aq->issued)
			break;
		/*
		 * None in flight, but writes may wait for a chunk served:
		 * while its read is; once it ended since the reap looked,
		 * the next reap submits them (once: then they are in flight)
		 */
		st = synod_rserve_state(r);
		if (!aq->flight && st == SYNOD_RSV_ENDED && !ended) {
			ended = true;
			continue;
		}
		if (WARN_ON_ONCE(!aq->flight && st != SYNOD_RSV_FLIGHT)) {
			synod_repl_fence(r, "applies stuck");
			continue;
		}
		synod_repl_push(r);	/* and what we issued ourselves */
		wait_var_event(&aq->inflight, !atomic_read(&aq->inflight));
	}
}

/*
 * The lowest slot in (@after, @upto] with a write queued or in flight
 * that covers a sector of [@sector, +@nsect), U64_MAX if none.
 */
static u64 first_cover(struct synod_repl *r, u64 sector, u32 nsect,
		       u64 after, u64 upto)
{
	struct synod_aent *ent;
	struct synod_aw *w;
	u64 s;
	u32 k;

	lockdep_assert_held(&r->lock);
	upto = min(upto, r->aq.issued);
	for (s = max(after, r->applied) + 1; s <= upto; s++) {
		ent = synod_aent(&r->aq, s);
		for (k = 0; k < ent->nw; k++) {
			w = &ent->w[k];
			if (w->state != SYNOD_AW_FREE &&
			    synod_sectors_meet(w->sector,
					       w->len >> SECTOR_SHIFT,
					       sector, nsect))
				return s;
		}
	}
	return U64_MAX;
}

/*
 * Does a write of a slot up to @upto, queued or in flight, cover a
 * sector of [@sector, +@nsect)?  Lock held.
 */
bool synod_apply_range_busy(struct synod_repl *r, u64 sector, u32 nsect,
			    u64 upto)
{
	return first_cover(r, sector, nsect, 0, upto) != U64_MAX;
}

/*
 * The lowest slot after @after with a write queued or in flight that
 * covers a sector of [@sector, +@nsect), U64_MAX if none: what labels a
 * chunk read among the applies (resync_serve.c).  Lock held.
 */
u64 synod_apply_first_cover(struct synod_repl *r, u64 sector, u32 nsect,
			    u64 after)
{
	return first_cover(r, sector, nsect, after, U64_MAX);
}

/*
 * Under the lock: wait until no apply queued or in flight covers a
 * sector of [@sector, @sector + @nsect) of the data area; then that
 * range holds the state at r->aq.issued, and no apply is submitted to
 * it while the lock is held (nothing is issued meanwhile).  What a state
 * transfer installing a chunk needs, without waiting for the applies
 * elsewhere (a slow data area would otherwise hold the lock for every
 * apply in flight, per chunk).
 * Each round waits for some bio to end and reaps it; aq.issued does not
 * move under the lock, so the writes to wait for are at most the
 * ring's, and it ends.  False if the replica is fenced.
 */
bool synod_apply_quiesce_range(struct synod_repl *r, u64 sector, u32 nsect)
{
	struct synod_applyq *aq = &r->aq;
	bool reading, ended = false;
	u8 st;

	lockdep_assert_held(&r->lock);
	for (;;) {
		synod_apply_reap(r);
		if (r->fenced)
			return false;
		if (!synod_apply_range_busy(r, sector, nsect, aq->issued))
			return true;
		/* as in synod_apply_quiesce() */
		st = synod_rserve_state(r);
		if (!aq->flight && st == SYNOD_RSV_ENDED && !ended) {
			ended = true;
			continue;
		}
		reading = st == SYNOD_RSV_FLIGHT;
		if (WARN_ON_ONCE(!aq->flight && !reading)) {
			synod_repl_fence(r, "applies stuck");
			return false;
		}
		synod_repl_push(r);	/* and what we issued ourselves */
		/* the read's end wakes us too (rserve_end_io()) */
		wait_var_event(&aq->done, !llist_empty(&aq->done) ||
			       (reading &&
				synod_rserve_state(r) != SYNOD_RSV_FLIGHT));
	}
}

/*
 * Going down: every apply lands (or, fenced, ends), and the work has run
 * its last.  Takes the lock.  A write reaped is not yet a bio whose end
 * has returned (its end queues the work, then drops the count), nor is
 * a kick done when its writes are (kick_round()): wait for the count
 * too, then for the work, before the replica may go.
 */
void synod_apply_drain(struct synod_repl *r)
{
	unsigned int noio = memalloc_noio_save();

	mutex_lock(&r->lock);
	synod_apply_quiesce(r);
	synod_repl_release(r);
	wait_var_event(&r->aq.inflight,
		       !atomic_read_acquire(&r->aq.inflight));
	flush_work(&r->aq.work);
	memalloc_noio_restore(noio);
}
