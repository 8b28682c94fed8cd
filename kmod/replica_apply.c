// SPDX-License-Identifier: GPL-2.0
/*
 * Applies to the data area, asynchronous: a chosen entry's writes go to
 * the backing device as bios of their own.  Writes are issued under the
 * replica's lock and submitted once it is let go (synod_apply_kick()
 * from synod_repl_release()), since submitting may wait for a free
 * request of a busy device, and a device that completes in its
 * submitter (null_blk, a RAM disk) copies the data right there; only
 * the waits below, which need the applies to end, submit and wait with
 * the lock held.  A chunk a state transfer serves is read the same way,
 * among the applies (resync_serve.c).
 *
 * The engine (replica.c) hands each chosen entry over in slot order
 * (synod_apply_entry()): its writes are queued in a ring indexed by
 * slot, their payload buffers pinned (payload.h), and issued in
 * order.  A write that overlaps an earlier one still in flight waits for
 * it: the block layer does not order concurrent writes, and the later
 * slot's bytes must be the ones that stay.  Writes queue behind a
 * waiting one too, so the check only looks back.  A bio's end puts its
 * write on a lock-free list for whoever reaps it: the kick that
 * submitted it, if it ended meanwhile (as on a device that completes in
 * its submitter), else the work.  The reaper takes the lock, reaps what
 * ended (synod_apply_reap()), lands the prefix of entries whose writes
 * all ended (r->applied), issues what waited, and runs the engine, which
 * reports the landing to the core (synod_replica_landed()) and
 * checkpoints.
 *
 * The core allows this: a write completes once chosen, and a read is
 * served only over slots that landed (core/replica.h).  A crash loses
 * nothing: applies past the checkpoint are replayed from the journal or
 * the peers, and a checkpoint covers only landed slots.
 *
 * Whatever reads or rewrites the data area behind the engine's back
 * first waits for the applies that cover what it touches
 * (replica_quiesce.c).  A chunk a
 * state transfer serves does so without the lock, as if it were an
 * apply: its read waits for the earlier writes covering it, and later
 * ones covering it wait for the read (resync_serve.c).  The others wait
 * for the disk with the lock held, bounded by its own timeouts: a state
 * transfer installing a chunk, for the writes covering the chunk
 * (synod_apply_quiesce_range()); the jump before a transfer, a replica
 * going down (synod_apply_drain()) and a checkpoint that must free
 * journal ring space, for all of them (synod_apply_quiesce()).
 * (The requester hashes its own chunks without waiting: a read torn by
 * an apply only costs a copy.)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-cgroup.h>
#include <linux/blkdev.h>
#include <linux/ioprio.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "replica.h"
#include "trace.h"

/*
 * Rounds of synod_apply_kick(): each submits, then reaps what ended; the
 * last leaves what ended to the work, since under a steady load every
 * round finds new writes to submit and the kick must end.
 */
#define KICK_ROUNDS	4u

/*
 * A chained write's bio, from aq.bs: the write it carries in front of
 * it (the bioset's front_pad), since the bio is not inside the write.
 */
struct synod_aw_bio {
	struct synod_aw *w;
	struct bio bio;		/* last: its inline vector follows */
};

/*
 * Bios of chains in aq.bs's reserve: the writes of one slot.  Progress
 * needs one (each is submitted before the next is taken, and a task
 * that sleeps in the mempool flushes its plug first); more would pin a
 * 4 KiB vector each per idle volume.
 */
#define AW_BIO_RESERVE	SYNOD_BATCH_MAX

static struct synod_aent *aent(struct synod_repl *r, u64 slot)
{
	return synod_aent(&r->aq, slot);
}

/*
 * @x waits to be submitted: does an earlier write still in flight cover
 * one of its sectors?  Only earlier ones can be in flight (writes are
 * submitted in order), so the scan stops at @x.
 */
static bool aw_overlaps(struct synod_repl *r, const struct synod_aw *x)
{
	struct synod_applyq *aq = &r->aq;
	struct synod_aent *ent;
	struct synod_aw *w;
	u64 s;
	u32 k;

	/* a chunk served reads the state before it (resync_serve.c) */
	if (synod_rserve_blocks(r, x->slot, x->sector, x->len >> SECTOR_SHIFT))
		return true;
	if (!aq->flight)
		return false;
	for (s = r->applied + 1; s <= aq->next; s++) {
		ent = aent(r, s);
		for (k = 0; k < ent->nw; k++) {
			w = &ent->w[k];
			if (w == x)
				return false;
			if (w->state == SYNOD_AW_FLIGHT &&
			    synod_sectors_meet(w->sector,
					       w->len >> SECTOR_SHIFT,
					       x->sector,
					       x->len >> SECTOR_SHIFT))
				return true;
		}
	}
	return false;
}

/*
 * From the block layer, any context: hand @bio's write to a kick at
 * work, or else to the work.  A kick looks at aq.done once it is no
 * longer counted in aq.kicking (kick_round()): we store to aq.done, then
 * load aq.kicking; it stores to aq.kicking, then loads aq.done, each
 * with a full barrier between (llist_add()'s cmpxchg here,
 * smp_mb__after_atomic() there).  So either we see the kick and it sees
 * our write, or we queue the work.  The work is queued before the count
 * drops: once it reaches zero a drain may go on to free the replica,
 * after flushing the work.
 */
static void aw_ended(struct synod_repl *r, struct synod_aw *w)
{
	/* reads past the engine may see it now; a failed one never */
	if (!w->status)
		synod_fastread_put(&r->fr, w->sector, w->len >> SECTOR_SHIFT);
	/* a full barrier before the waiter check and the kicking load */
	llist_add(&w->done, &r->aq.done);
	wake_up_var(&r->aq.done);	/* synod_apply_quiesce_range() */
	if (!atomic_read(&r->aq.kicking))
		queue_work(r->vol->wq, &r->aq.work);
	if (atomic_dec_and_test(&r->aq.inflight))
		wake_up_var(&r->aq.inflight);
}

/* The end of a one-buffer write's bio, the write's own. */
static void apply_end_io(struct bio *bio)
{
	struct synod_aw *w = container_of(bio, struct synod_aw, bio);

	w->status = bio->bi_status;
	aw_ended(bio->bi_private, w);
}

/*
 * The end of a chain's bio: back to the bioset before the write is
 * handed on (once on aq.done it may be reaped and reused at once), so
 * no lock is needed to free it and a submitter waiting in the mempool
 * gets it.
 */
static void apply_chain_end_io(struct bio *bio)
{
	struct synod_aw *w = container_of(bio, struct synod_aw_bio, bio)->w;
	struct synod_repl *r = bio->bi_private;

	w->status = bio->bi_status;
	bio_put(bio);
	aw_ended(r, w);
}

/*
 * What every apply bio carries besides its data: @w's place in the data
 * area, and who pays for it.
 */
static void aw_bio_setup(struct synod_repl *r, struct synod_aw *w,
			 struct bio *bio)
{
	bio->bi_iter.bi_sector = r->vol->data_start + w->sector;
	/*
	 * Whoever lets go of the lock submits it (synod_apply_kick()), a
	 * "synodctl status" run under ionice -c3 too: the block layer would
	 * give it that task's I/O priority, so it gets the default here,
	 */
	bio->bi_ioprio = IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, IOPRIO_BE_NORM);
	/* and a kick may issue it too: no caller's cgroup pays or throttles */
	bio_associate_blkg_from_css(bio, blkcg_root_css);
	bio->bi_private = r;
}

/*
 * The bio of @w, an issued write about to be submitted, NULL if it
 * ended already (failed).  A chain's is built now, with the lock
 * dropped unless a wait under it submits (synod_apply_submit(), which
 * builds it under the lock): from the bioset, GFP_NOIO, which waits for a
 * chain's bio to end rather than fail; one vector per buffer.  Its
 * buffers are pinned until the write is reaped, so they stay as they
 * are (synod_pay_bio_add()).
 */
static struct bio *aw_bio(struct synod_repl *r, struct synod_aw *w)
{
	struct synod_aw_bio *ab;
	struct bio *bio;

	if (!w->chained) {
		/* a buffer shorter than the write: fail it (it fences) */
		if (WARN_ON_ONCE(w->bio.bi_iter.bi_size != w->len)) {
			bio_io_error(&w->bio);
			return NULL;
		}
		return &w->bio;
	}
	bio = bio_alloc_bioset(r->vol->backing.bdev, w->pay->nseg,
			       REQ_OP_WRITE | REQ_SYNC | REQ_IDLE, GFP_NOIO,
			       &r->aq.bs);
	/* a mempool's GFP_NOIO waits rather than fail: should not happen */
	if (WARN_ON_ONCE(!bio)) {
		w->status = BLK_STS_RESOURCE;
		aw_ended(r, w);
		return NULL;
	}
	ab = container_of(bio, struct synod_aw_bio, bio);
	ab->w = w;
	aw_bio_setup(r, w, bio);
	bio->bi_end_io = apply_chain_end_io;
	/* a chain shorter than its length: fail the write (it fences) */
	if (synod_pay_bio_add(&r->pay, w->pay, bio) != w->len) {
		bio_io_error(bio);
		return NULL;
	}
	return bio;
}

/*
 * Issue @w, a queued write whose earlier overlaps have landed: its bio
 * is ready and counted in flight, and goes to the device at the next
 * synod_apply_kick().
 */
static void aw_submit(struct synod_repl *r, struct synod_aw *w)
{
	struct bio *bio = &w->bio;

	/* a chain's bio is built when it is submitted (aw_bio()) */
	w->chained = w->pay->nseg > 1;
	if (!w->chained) {
		/* as O_DIRECT writes: not throttled as background writeback */
		bio_init(bio, r->vol->backing.bdev, &w->bvec, 1,
			 REQ_OP_WRITE | REQ_SYNC | REQ_IDLE);
		aw_bio_setup(r, w, bio);
		bio->bi_end_io = apply_end_io;
		/* a buffer is one page block: one vector */
		synod_pay_bio_add(&r->pay, w->pay, bio);
	}
	w->state = SYNOD_AW_FLIGHT;
	r->aq.flight++;
	r->aq.writes++;
	atomic_inc(&r->aq.inflight);
	/* llist_add()'s cmpxchg publishes the bio to the kick */
	llist_add(&w->sub, &r->aq.tosubmit);
}

/* Is something issued and not submitted: a write, or a chunk's read? */
static bool apply_due(struct synod_repl *r)
{
	return !llist_empty(&r->aq.tosubmit) || synod_rserve_kick_due(r);
}

/*
 * Submit the writes issued so far (aw_submit()), in the order they were
 * issued.  Several may run at once, each with the writes it took: two
 * writes in flight never overlap (aw_overlaps()), so their order does
 * not matter.  A write taken here is counted in flight, so nothing reaps
 * or reuses it before its bio ends, and a drain waits for it.
 */
static void submit_issued(struct synod_repl *r)
{
	struct llist_node *list = llist_del_all(&r->aq.tosubmit);
	struct synod_aw *w, *tmp;
	struct blk_plug plug;
	struct bio *bio;

	blk_start_plug(&plug);
	synod_rserve_kick(r);	/* a chunk served, read among them */
	/* _safe: once submitted, a write may end and be reaped at once */
	llist_for_each_entry_safe(w, tmp, llist_reverse_order(list), sub) {
		bio = aw_bio(r, w);
		if (bio)
			submit_bio(bio);
	}
	blk_finish_plug(&plug);
}

/*
 * submit_issued(), counted in aq.kicking meanwhile: a write that ends
 * inside the submission is left to the caller, who looks at aq.done
 * after this returns (the barrier pairs with llist_add() in
 * apply_end_io(), which says why nothing is missed) and reaps it.
 */
static void submit_counted(struct synod_repl *r)
{
	atomic_inc(&r->aq.kicking);
	submit_issued(r);
	atomic_dec(&r->aq.kicking);
	smp_mb__after_atomic();	/* then the caller loads aq.done */
}

/*
 * Submit what was issued and reap nothing, the lock held: before every
 * synchronous wait for the disk under the lock (synod_repl_push(): the
 * writes it waits for, if any, would otherwise never end, and a wait
 * for the applies reaps them itself).  Their ends queue the work,
 * unless a kick or the journal's writer is counted in aq.kicking.
 */
void synod_apply_submit(struct synod_repl *r)
{
	if (apply_due(r))
		submit_issued(r);
}

/*
 * For the journal's writer (jq_write()), which lets go of the lock for
 * its FUA write: submit what was issued, counted in aq.kicking while it
 * does, so that writes ending meanwhile (a RAM disk ends them inside
 * submit_bio()) are left to it rather than waking the work.  No longer
 * counted, it sees them in aq.done (apply_end_io() says why) and reaps
 * them once it holds the lock again (synod_apply_writer_reap()), after
 * its write: the engine a reap runs must not delay the journal.  Writes
 * that end later queue the work, as they would without the writer.
 */
void synod_apply_writer_submit(struct synod_repl *r)
{
	lockdep_assert_not_held(&r->lock);
	if (apply_due(r))
		submit_counted(r);
}

/* Issue queued writes in order, up to the first that must wait. */
static void apply_submit(struct synod_repl *r)
{
	struct synod_applyq *aq = &r->aq;
	struct synod_aent *ent;
	struct synod_aw *w;

	lockdep_assert_held(&r->lock);
	if (r->fenced || aq->next > aq->issued)
		return;
	while (aq->next <= aq->issued) {
		ent = aent(r, aq->next);
		if (aq->next_w >= ent->nw) {
			aq->next++;
			aq->next_w = 0;
			continue;
		}
		w = &ent->w[aq->next_w];
		if (aw_overlaps(r, w)) {
			if (w->state == SYNOD_AW_QUEUED)
				aq->blocked++;
			w->state = SYNOD_AW_BLOCKED;
			break;
		}
		aw_submit(r, w);
		aq->next_w++;
	}
}

/* Move r->applied over the entries whose writes have all ended. */
static void apply_land(struct synod_repl *r)
{
	struct synod_aent *ent;

	while (!r->fenced && r->applied < r->aq.issued) {
		ent = aent(r, r->applied + 1);
		if (WARN_ON_ONCE(ent->slot != r->applied + 1) || ent->left)
			break;
		r->applied = ent->slot;
		r->applied_bytes += ent->bytes;	/* checkpoints by bytes */
		synod_ckpt_landed(r, ent->slot);
		/* a checkpoint writes it with the applied index */
		if (ent->config && ent->cfg.epoch >= r->applied_cfg.epoch) {
			r->applied_cfg = ent->cfg;
			pr_info("%s: membership epoch %u, voters %#x, learners %#x\n",
				r->vol->name, ent->cfg.epoch, ent->cfg.voters,
				ent->cfg.learners);
		}
		trace_synod_rq_applied(r->vol->name, ent->slot, ent->nw,
				       r->core.role == SYNOD_LEADER);
	}
}

/*
 * Queue @e, the next chosen entry, and submit what may go.  Its writes
 * were checked against the data area when their message came in
 * (replica_rx.c) or their request was taken (replica_io.c); checked
 * again here, where a bad one would reach the journal ring.  Held
 * writes proposed in its slot learn their outcome now: chosen is done.
 */
void synod_apply_entry(struct synod_repl *r, const struct synod_entry *e)
{
	struct synod_applyq *aq = &r->aq;
	u32 nw = e->kind == SYNOD_ENTRY_WRITE ? e->nwrites : 0;
	struct synod_aent *ent;
	struct synod_pay *pay[SYNOD_BATCH_MAX];
	struct synod_aw *w;
	u32 k;

	lockdep_assert_held(&r->lock);
	trace_synod_slot_chosen(r->vol->name, e->slot, nw,
				r->core.role == SYNOD_LEADER);
	if (r->fenced)
		return;
	if (WARN_ON_ONCE(e->slot != aq->issued + 1 ||
			 e->slot - r->applied > SYNOD_LOG_MAX ||
			 nw > SYNOD_BATCH_MAX)) {
		synod_repl_fence(r, "apply out of order");
		return;
	}
	ent = aent(r, e->slot);
	for (k = 0; k < nw; k++) {
		pay[k] = synod_pay_find(&r->pay, e->w[k].ref);
		if (!pay[k] || !pay[k]->len) {
			synod_repl_fence(r, "payload of a chosen write missing");
			return;
		}
		/* its bio has a vector per buffer, a chain's from aq.bs */
		if (WARN_ON_ONCE(pay[k]->nseg > SYNOD_PAY_SEGS_MAX)) {
			synod_repl_fence(r, "chosen write longer than a data area write");
			return;
		}
		if (!synod_block_range_ok(e->w[k].block,
					  pay[k]->len >> SECTOR_SHIFT,
					  synod_repl_sectors(r))) {
			synod_repl_fence(r, "chosen write outside the data area");
			return;
		}
	}
	if (WARN_ON_ONCE(ent->left)) {	/* the ring bound above */
		synod_repl_fence(r, "apply ring overrun");
		return;
	}
	ent->slot = e->slot;
	ent->nw = nw;
	ent->left = nw;
	ent->bytes = 0;
	for (k = 0; k < nw; k++) {
		w = &ent->w[k];
		w->pay = pay[k];
		synod_pay_pin(w->pay);
		w->slot = e->slot;
		w->sector = e->w[k].block;
		w->len = w->pay->len;
		ent->bytes += w->len;
		w->state = SYNOD_AW_QUEUED;
		/* before the writes it completes (held ones: just below) */
		synod_fastread_hold(&r->fr, w->sector, w->len >> SECTOR_SHIFT);
	}
	ent->config = e->kind == SYNOD_ENTRY_CONFIG;
	if (ent->config)
		ent->cfg = e->cfg;
	synod_held_applied(&r->held, e);
	aq->issued = e->slot;
	apply_submit(r);
	apply_land(r);
	synod_rserve_try(r);
}

/*
 * Take the writes whose bios ended: unpin their data, fence on an error,
 * land what is complete, and submit what waited for them.  Lock held;
 * true if any ended.
 */
bool synod_apply_reap(struct synod_repl *r)
{
	struct llist_node *list = llist_del_all(&r->aq.done);
	struct synod_aw *w, *tmp;

	lockdep_assert_held(&r->lock);
	llist_for_each_entry_safe(w, tmp, list, done) {
		if (!w->chained)	/* a chain's was put at its end */
			bio_uninit(&w->bio);
		w->chained = false;
		if (!WARN_ON_ONCE(w->state != SYNOD_AW_FLIGHT)) {
			r->aq.flight--;
			aent(r, w->slot)->left--;
		}
		synod_pay_unpin(w->pay);
		w->pay = NULL;
		w->state = SYNOD_AW_FREE;
		if (w->status && !r->fenced) {
			pr_err("%s: data area write of slot %llu at sector %llu failed: %d\n",
			       r->vol->name, w->slot, w->sector,
			       blk_status_to_errno(w->status));
			synod_repl_fence(r, "data area write failed");
		}
	}
	apply_land(r);
	apply_submit(r);
	synod_rserve_try(r);	/* a chunk to serve may wait for them */
	/* their data unpinned: the next sweep may free it */
	if (list)
		r->host->kick_busy(r->vol);
	return list != NULL;
}

/*
 * The writer holds the lock again: reap what ended while it submitted.
 * CPU work only; the writer's report to the core runs the engine, which
 * lands them (jq_flush()).
 */
void synod_apply_writer_reap(struct synod_repl *r)
{
	lockdep_assert_held(&r->lock);
	if (synod_apply_reap(r))
		r->aq.kick_reaps++;
}

/*
 * Lock held: submit the writes that waited for something that has ended
 * since (a chunk served, resync_serve.c); the unlock's kick sends them.
 */
void synod_apply_unblock(struct synod_repl *r)
{
	apply_submit(r);
}

/*
 * The work: reap, then let the engine report the landing (it serves the
 * reads that waited for it, and queues a checkpoint now and then).  Like
 * every input it makes room in the journal's filling group first
 * (replica.h).
 */
static void apply_work(struct work_struct *work)
{
	struct synod_repl *r = container_of(work, struct synod_repl, aq.work);
	unsigned int noio = memalloc_noio_save();	/* serves the disk */

	mutex_lock(&r->lock);
	synod_jq_reserve(r, SYNOD_JQ_RESERVE_LOCAL);
	r->aq.work_runs++;
	synod_apply_reap(r);
	if (r->up && !r->fenced && r->applied > r->core.landed)
		synod_repl_execute(r);
	synod_repl_unlock(r);
	memalloc_noio_restore(noio);
}

/*
 * The CPU part of apply_work(), by a kick that holds the lock
 * (kick_round()), in the same noio scope: reap, land, and let the
 * engine report the landing, which may send frames and issue more
 * applies.  The kick runs in whatever thread let go of the lock (a
 * submitter, a receiver, a netlink request), so it never waits for the
 * disk: checkpoints are a work of their own (replica_ckpt.c), and the
 * engine runs only on an empty output (kick_may_run()).  It lets go
 * without a kick of its own: its caller submits next.
 */
static void kick_reap(struct synod_repl *r)
{
	unsigned int noio = memalloc_noio_save();	/* serves the disk */

	if (synod_apply_reap(r))
		r->aq.kick_reaps++;
	if (r->up && !r->fenced && r->applied > r->core.landed) {
		r->aq.in_kick = true;
		synod_repl_execute(r);
		r->aq.in_kick = false;
	}
	__synod_repl_unlock(r);
	memalloc_noio_restore(noio);
}

/*
 * May a kick, holding the lock, reap and run the engine?  Not when the
 * journal's filling group is short of room: every input makes room
 * first, and synod_jq_reserve() may write the journal itself (a FUA
 * write) or wait for its writer.  Not when the engine's output holds
 * what a run of received frames left for later (a receive lets go of
 * the lock with its group's records and a PREPARE's promise pending,
 * replica_rx.c): carrying that out would split the receiver's group
 * commit.  The work does it then.
 */
static bool kick_may_run(struct synod_repl *r)
{
	lockdep_assert_held(&r->lock);
	return synod_jq_room(r, SYNOD_JQ_RESERVE_LOCAL) &&
	       !READ_ONCE(r->rx_deferred) && !r->out.npersist &&
	       !r->out.nmsgs;
}

/*
 * One round of synod_apply_kick(): submit what was issued, counted in
 * aq.kicking meanwhile, so that a write that ends in the meantime (on a
 * device that completes in its submitter, inside submit_bio() or the
 * plug's finish) is left to us rather than to the work.  Then, no
 * longer counted, look at aq.done (apply_end_io() says why that misses
 * nothing): true if something is to be reaped and we hold the lock for
 * it; otherwise the work reaps it: on the @last round, when the lock is
 * taken, or when the kick may not run the engine (kick_may_run()).
 * The round counts itself in
 * aq.inflight, as a bio until its end has queued the work: the count
 * stays up until the writes left to us are the work's or under our
 * lock, so a drain waits for the round, and no round queues the work
 * once a drain has flushed it.
 */
static bool kick_round(struct synod_repl *r, bool last)
{
	struct synod_applyq *aq = &r->aq;
	bool reap = false;

	if (!apply_due(r))
		return false;
	atomic_inc(&aq->inflight);
	submit_counted(r);
	if (!llist_empty(&aq->done)) {
		reap = !last && mutex_trylock(&r->lock);
		if (reap && !kick_may_run(r)) {
			mutex_unlock(&r->lock);	/* nothing done under it */
			reap = false;
		}
		if (!reap)
			queue_work(r->vol->wq, &aq->work);
	}
	/* not held while we reap: the engine may wait for the count */
	if (atomic_dec_and_test(&aq->inflight))
		wake_up_var(&aq->inflight);
	return reap;
}

/*
 * Whoever lets go of the lock submits the writes issued meanwhile
 * (synod_repl_release()), and reaps those that end while it does: on a
 * device that completes in its submitter (null_blk, a RAM disk) that is
 * most of them, and the work would be woken only to take the lock just
 * let go.  Reaping issues more writes (those that waited for an
 * overlap) and the engine more applies, so the kick goes round again:
 * a bounded loop, not a recursion through the unlock, and never a wait
 * for the lock (a wait for the applies holds it and submits with
 * synod_apply_submit()).  Process context, the lock not held.
 */
void synod_apply_kick(struct synod_repl *r)
{
	u32 round;

	might_sleep();
	lockdep_assert_not_held(&r->lock);
	for (round = 0; kick_round(r, round == KICK_ROUNDS - 1); round++)
		kick_reap(r);
}

/* After a restore or a jump to @slot: nothing queued, nothing in flight. */
void synod_apply_reset(struct synod_repl *r, u64 slot)
{
	struct synod_applyq *aq = &r->aq;

	WARN_ON_ONCE(aq->flight || aq->next <= aq->issued ||
		     !llist_empty(&aq->tosubmit));
	aq->issued = slot;
	aq->next = slot + 1;
	aq->next_w = 0;
	r->applied = slot;
	synod_fastread_reset(&r->fr);	/* what failed or was dropped */
}

/* At create, before anything that may fail: destroy finds it set up. */
int synod_apply_init(struct synod_repl *r)
{
	struct synod_applyq *aq = &r->aq;

	BUILD_BUG_ON(!is_power_of_2(SYNOD_LOG_MAX));
	BUILD_BUG_ON(SYNOD_PAYLOAD_MAX % SECTOR_SIZE);
	/* a chain is one bio: stacked backings clone at most this many */
	BUILD_BUG_ON(SYNOD_PAY_SEGS_MAX > BIO_MAX_VECS);
	INIT_WORK(&aq->work, apply_work);
	init_llist_head(&aq->done);
	init_llist_head(&aq->tosubmit);
	atomic_set(&aq->inflight, 0);
	atomic_set(&aq->kicking, 0);
	aq->next = 1;
	aq->ring = kvcalloc(SYNOD_LOG_MAX, sizeof(*aq->ring), GFP_KERNEL);
	if (!aq->ring)
		return -ENOMEM;
	/* a failed init has cleaned up; synod_apply_free() exits it anyway */
	return bioset_init(&aq->bs, AW_BIO_RESERVE,
			   offsetof(struct synod_aw_bio, bio),
			   BIOSET_NEED_BVECS);
}

/*
 * The replica goes away.  Only a replica that is up applies, and going
 * down drained it (synod_apply_drain()); destroy waited for the work:
 * nothing is in flight, no work queued.
 */
void synod_apply_free(struct synod_repl *r)
{
	WARN_ON_ONCE(atomic_read(&r->aq.inflight) || r->aq.flight ||
		     !llist_empty(&r->aq.tosubmit));
	bioset_exit(&r->aq.bs);	/* safe on one never set up */
	kvfree(r->aq.ring);
	r->aq.ring = NULL;
}
