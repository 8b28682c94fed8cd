// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoints: make what has landed in the data area durable, then say
 * so in the superblock (the applied index and the configuration in
 * effect there, which a restart restores together), and free the
 * journal ring up to it.  A checkpoint is a flush of the backing
 * device, then a FUA write of one superblock copy.
 *
 * Every SYNOD_CHECKPOINT_SLOTS slots or SYNOD_CHECKPOINT_BYTES bytes
 * landed, or once the records it would free hold half the journal's
 * payload ring, the engine queues the checkpoint work (repl_apply(),
 * synod_repl_ckpt_due()), and so does a replica idle a while (its trim),
 * and the work flushes with the replica's lock dropped:
 * a flush writes back a disk's whole volatile cache and may take long,
 * and under the lock it held up every input of the replica, the
 * acknowledgements and heartbeats too.  Its superblock write is issued
 * with the lock dropped too (a FUA write may take as long as a flush
 * on some disks): replica_sbw.c builds it under the lock from vol->sb
 * as it is then, and folds it into vol->sb under the lock once on disk
 * (synod_sbw_settle()), one superblock write at a time for the whole
 * replica.  The flush makes durable every data-area
 * write that had ended when it was issued, so the applied index taken
 * before it is safe to write after it without a second flush.
 *
 * The synchronous form (synod_repl_checkpoint()) stays for the callers
 * that need the ring freed or the data area settled before they go on:
 * a journal ring full of records not yet checkpointed, a state
 * transfer, going down.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/sched/mm.h>

#include "replica.h"

/*
 * A journal record of @slot with @bytes of payloads was queued: it holds
 * the journal's payload ring until a checkpoint covers @slot (the
 * journal reclaims by slot, synod_journal_reclaim()).  Counted by slot:
 * the core accepts nothing more than SYNOD_LOG_MAX slots past what it
 * knows is checkpointed, so no two held slots share an entry.  A slot
 * written again (a later ballot) counts twice: an estimate from above
 * where its payloads are the same, since the journal then names the
 * first record's ring bytes again (journal_share.c).
 * Its records in the slot ring, which hold no payload ring, count too:
 * an estimate from above, small beside the ring for small writes.
 */
void synod_ckpt_journaled(struct synod_repl *r, u64 slot, u32 bytes)
{
	lockdep_assert_held(&r->lock);
	if (!bytes || slot <= r->checkpointed)
		return;
	r->jheld_slot[slot & (SYNOD_LOG_MAX - 1)] += bytes;
	r->jheld += bytes;
	if (slot <= r->applied)		/* written again, applied already */
		r->jfree += bytes;
}

/*
 * @slot landed (apply_land()): the next checkpoint covers it, and frees
 * the ring its records hold.
 */
void synod_ckpt_landed(struct synod_repl *r, u64 slot)
{
	lockdep_assert_held(&r->lock);
	if (slot <= r->checkpointed)
		return;
	r->jfree += r->jheld_slot[slot & (SYNOD_LOG_MAX - 1)];
	WARN_ON_ONCE(r->jfree > r->jheld);
}

/*
 * The ring held by the records of slots in (@from, @upto] is free: a
 * checkpoint, or a state transfer's jump (resync.c), reclaimed them.
 */
void synod_ckpt_release(struct synod_repl *r, u64 from, u64 upto)
{
	u32 *held;
	u64 s;

	if (upto - from >= SYNOD_LOG_MAX) {	/* a jump: all of it */
		memset(r->jheld_slot, 0, sizeof(r->jheld_slot));
		r->jheld = 0;
		r->jfree = 0;
		return;
	}
	for (s = from + 1; s <= upto; s++) {
		held = &r->jheld_slot[s & (SYNOD_LOG_MAX - 1)];
		r->jheld -= min_t(u64, r->jheld, *held);
		/* a jump's slots never landed here: less may be counted */
		r->jfree -= min_t(u64, r->jfree, *held);
		*held = 0;
	}
}

/*
 * A checkpoint of @upto is on disk: free the journal's ring below it.
 * @cfg was in effect at @upto, @bytes landed by then.
 */
void synod_ckpt_done(struct synod_repl *r, u64 upto,
		     const struct synod_config *cfg, u64 bytes)
{
	lockdep_assert_held(&r->lock);
	WARN_ON_ONCE(upto < r->checkpointed);
	synod_ckpt_release(r, r->checkpointed, upto);
	r->checkpointed = upto;
	r->ckpt_cfg = *cfg;
	r->ckpt_bytes = bytes;
	synod_journal_reclaim(r->journal, upto);
}

/*
 * The superblock write and what follows it, under the lock, once the
 * data area up to @upto is durable: @upto's configuration is @cfg, and
 * @bytes were r->applied_bytes when r->applied was @upto.
 */
static int ckpt_commit(struct synod_repl *r, u64 upto,
		       const struct synod_config *cfg, u64 bytes)
{
	int err;

	lockdep_assert_held(&r->lock);
	WARN_ON_ONCE(upto > r->applied || upto < r->checkpointed);
	/* settled by the caller: vol->sb is what the disk has */
	WARN_ON_ONCE(r->sbw[SYNOD_SBW_CKPT].busy ||
		     r->sbw[SYNOD_SBW_PROMISE].busy);
	r->vol->sb.applied_index = upto;
	r->vol->sb.cfg = *cfg;
	err = synod_repl_sb_write(r);
	if (err)
		return err;
	synod_ckpt_done(r, upto, cfg, bytes);
	return 0;
}

/*
 * Checkpoint what has landed, synchronously, under the lock; the
 * superblock is written even if nothing landed since the last one, with
 * whatever else changed in vol->sb (a state transfer's flag rides on
 * it: resync_mark()).  The caller fences on error.
 */
int synod_repl_checkpoint(struct synod_repl *r)
{
	int err;

	lockdep_assert_held(&r->lock);
	synod_repl_push(r);	/* before the wait */
	err = synod_sbw_settle(r);	/* before vol->sb changes */
	if (err)
		return err;
	err = blkdev_issue_flush(r->vol->backing.bdev);
	if (err)
		return err;
	return ckpt_commit(r, r->applied, &r->applied_cfg, r->applied_bytes);
}

/*
 * Build, under the lock, the superblock a checkpoint of @upto writes:
 * vol->sb as it is now with @upto and @cfg, the next sequence, and
 * submit it (replica_sbw.c); the caller waits for it with the lock
 * dropped.  False if there is nothing to write (a synchronous
 * checkpoint went as far meanwhile) or the replica was fenced.
 */
static bool ckpt_sb_build(struct synod_repl *r, u64 upto,
			  const struct synod_config *cfg, u64 bytes)
{
	struct synod_sb *next;

	lockdep_assert_held(&r->lock);
	/* folds a promise's write that has ended (ckpt_work() waited) */
	next = synod_sbw_begin(r, SYNOD_SBW_CKPT);
	if (!next || upto <= r->checkpointed)
		return false;
	WARN_ON_ONCE(upto > r->applied);
	next->applied_index = upto;
	next->cfg = *cfg;
	r->sbw[SYNOD_SBW_CKPT].bytes = bytes;
	return synod_sbw_submit(r, SYNOD_SBW_CKPT);
}

/*
 * The byte bound on what the log retains past its checkpoint (S4b,
 * payload.h): once the core has heard of a checkpoint (the end of
 * synod_repl_execute(), so a synchronous one counts too), and the
 * payloads its applied slots name take more than SYNOD_RETAIN_BYTES of
 * the store, it sheds the older durable slots, even those
 * a lagging voter, the all_chosen of the leader's last word or a recent
 * fetcher still wants (synod_replica_shed()): the core does not know
 * payload sizes on a follower, so the glue measures and the core obeys.
 * Such a peer catches up by a state transfer instead of holding the
 * store full and the writes turned back.  Only when applied_durable
 * moved, when the core's quorum bound on shedding rose while it held
 * the last shed short (a lagging voter acked: with nothing newly
 * applied, a store held full by that bound was otherwise never looked
 * at again and writes stayed turned back), or when a quarter of the
 * bound landed since the last look: between
 * two checkpoints what lands adds up to a checkpoint's worth, and shed
 * only at checkpoints the log held the bound plus that (a follower's
 * store, whose window fills its half, then dropped payload frames for
 * want of a buffer, 6.1).  How far: synod_pay_shed_upto()
 * (payload_retain.c), which sheds only while the store is above
 * SYNOD_RETAIN_SHED_USED: a healthy follower that missed a payload frame
 * and fetches it must not be sent to a state transfer of the whole data
 * area because the log was at its bound; a recent fetcher is spared up
 * to SYNOD_RETAIN_SPARE_BYTES more even then.  Under the lock, no
 * allocation.
 */
void synod_ckpt_retain(struct synod_repl *r)
{
	struct synod_replica *c = &r->core;
	unsigned long behind = 0;
	u64 upto, spare, bound, now = synod_repl_now(), was = c->stats.shed;
	u32 i;

	lockdep_assert_held(&r->lock);
	if (!r->up || r->fenced)
		return;
	SYNOD_CORE(r, bound = synod_replica_shed_bound(c, now));
	if (READ_ONCE(r->core_failed)) {
		synod_repl_fence(r, "consensus core assertion failed");
		return;
	}
	if (bound < r->retain_bound)
		r->retain_bound = bound;	/* lower: never sheds more */
	if (c->applied_durable == r->retain_at &&
	    r->applied_bytes - r->retain_bytes_at < SYNOD_RETAIN_BYTES / 4 &&
	    (!r->retain_short || bound <= r->retain_bound))
		return;
	r->retain_at = c->applied_durable;
	r->retain_bytes_at = r->applied_bytes;
	r->retain_bound = bound;
	SYNOD_CORE(r, spare = synod_replica_fetch_spare(c, now));
	upto = synod_pay_shed_upto(&r->pay, c, spare);
	r->retain_short = upto > bound;
	if (!upto)
		return;
	SYNOD_CORE(r, synod_replica_shed(c, now, upto));
	if (READ_ONCE(r->core_failed)) {
		synod_repl_fence(r, "consensus core assertion failed");
		return;
	}
	if (c->stats.shed == was)
		return;
	r->retain_shed += c->stats.shed - was;
	for (i = 0; i < SYNOD_NODES_MAX && c->role == SYNOD_LEADER; i++)
		if (i != c->p.self && (c->cfg.voters & BIT(i)) &&
		    c->peer_chosen[i] + 1 < c->log_base)
			__set_bit(i, &behind);
	if (behind)
		pr_info_ratelimited("%s: log shed to slot %llu past %u MiB retained: node(s) %*pbl will catch up by state transfer\n",
				    r->vol->name, c->log_base - 1,
				    SYNOD_RETAIN_BYTES >> 20, SYNOD_NODES_MAX,
				    &behind);
	else
		pr_debug_ratelimited("%s: log shed to slot %llu past %u MiB retained: a peer behind it will catch up by state transfer\n",
				    r->vol->name, c->log_base - 1,
				    SYNOD_RETAIN_BYTES >> 20);
}

/*
 * Forget after a checkpoint once the store holds more buffers than this:
 * what the reserve (payload.h) leaves for what the log retains, less a
 * checkpoint's worth, so that one more checkpoint's bytes landed before
 * the forget still fit.  3/4 of the store (768) let a follower reach its
 * whole store: 512 in flight + 256 retained + 64 lent was 832.
 */
#define CKPT_FORGET_USED						\
	(SYNOD_PAY_COUNT - SYNOD_PAY_LEND_MAX -				\
	 (max_t(u32, SYNOD_ADMIT_BYTES, SYNOD_WINDOW_BYTES) +		\
	  SYNOD_CHECKPOINT_BYTES) / SYNOD_PAY_BUF_BYTES)

/*
 * After a checkpoint, with the payload store above CKPT_FORGET_USED: let
 * the core forget now what it need not keep, as it does when idle
 * (payload.h), so the next sweep frees those payloads.  It keeps what
 * lagging voters and recent fetchers still need
 * (synod_replica_forget()).  Under load the core otherwise forgets only
 * at its own pace, and 1 MiB writes fill the store with what its log
 * still names (SYNOD_LOG_MAX slots).
 */
static void ckpt_forget(struct synod_repl *r)
{
	lockdep_assert_held(&r->lock);
	if (!r->up || r->fenced || synod_pay_used(&r->pay) <= CKPT_FORGET_USED)
		return;
	r->ckpt_forgets++;
	SYNOD_CORE(r, synod_replica_forget(&r->core, synod_repl_now(), false));
	if (READ_ONCE(r->core_failed))
		synod_repl_fence(r, "consensus core assertion failed");
}

/*
 * The checkpoint work, queued every SYNOD_CHECKPOINT_SLOTS slots
 * (repl_apply()) and by an idle trim (synod_repl_trim()), which it
 * repeats after: take the applied index and its configuration
 * under the lock, flush without it, build the superblock under it
 * again, write it without it, fold it in under it (synod_sbw_settle(),
 * which a superblock writer meanwhile may have done), and let the
 * engine tell the core what is durable now
 * (synod_repl_execute(): synod_replica_applied()).  Meanwhile another
 * checkpoint (the synchronous form) may have gone further: then ours is
 * already covered.  A replica going down, or fenced, checkpoints no
 * more here; going down does its own (synod_repl_trim()) after it has
 * waited for this work.
 *
 * The leader proposes at most SYNOD_LOG_MAX (128) slots past what a
 * checkpoint made durable (the core's log window), and one is due every
 * SYNOD_CHECKPOINT_SLOTS (64): a disk whose flush takes longer than the
 * next 64 slots' writes still slows the leader, through the window
 * rather than the lock, and no other input waits meanwhile.
 */
static void ckpt_work(struct work_struct *work)
{
	struct synod_repl *r = container_of(work, struct synod_repl,
					    ckpt_work);
	unsigned int noio = memalloc_noio_save();	/* serves the disk */
	struct synod_config cfg;
	u64 upto, bytes;
	int err;

	/* no engine step before the flush: no journal room needed */
	mutex_lock(&r->lock);
	if (!r->up || r->fenced || r->applied <= r->checkpointed) {
		r->ckpt_trim = false;
		synod_repl_unlock(r);
		goto out;
	}
	upto = r->applied;
	cfg = r->applied_cfg;
	bytes = r->applied_bytes;
	synod_repl_unlock(r);

	err = blkdev_issue_flush(r->vol->backing.bdev);

	mutex_lock(&r->lock);
	/*
	 * A failed flush may have lost data-area writes from the cache:
	 * fence at once, before anything below lets go of the lock, or a
	 * synchronous checkpoint meanwhile, whose own flush works, would
	 * name an applied index over writes that are gone.  A fence needs
	 * no journal room (it queues nothing).
	 */
	if (err && !r->fenced)
		synod_repl_fence(r, "checkpoint flush failed");
	/*
	 * A promise's superblock write in flight (an election) is waited
	 * for without the lock: the build would wait for it under the
	 * lock (one write at a time, replica_sbw.c).  Then room, as
	 * every holder that may step the core (replica.h).  Both may
	 * drop the lock, and another promise go meanwhile: until none is
	 * in flight, before anything is built.
	 */
	do {
		synod_sbw_wait_unlocked(r, SYNOD_SBW_PROMISE);
		synod_jq_reserve(r, SYNOD_JQ_RESERVE_LOCAL);
	} while (!r->fenced && synod_sbw_inflight(r, SYNOD_SBW_PROMISE));
	if (!r->up || r->fenced || !ckpt_sb_build(r, upto, &cfg, bytes)) {
		r->ckpt_trim = false;	/* the next idle tick trims */
		synod_repl_unlock(r);
		goto out;
	}
	synod_repl_unlock(r);

	synod_sbw_wait(r, SYNOD_SBW_CKPT);

	mutex_lock(&r->lock);
	/* the engine runs below: room first, as every input (replica.h) */
	synod_jq_reserve(r, SYNOD_JQ_RESERVE_LOCAL);
	synod_sbw_settle_own(r, SYNOD_SBW_CKPT);	/* unless one did */
	if (!r->up || r->fenced) {
		r->ckpt_trim = false;
	} else {
		r->ckpt_async++;
		synod_repl_execute(r);	/* the checkpoint, to the core */
		ckpt_forget(r);
		/* the core let go of what it forgot: writes may fit now */
		r->host->kick_busy(r->vol);
		/* an idle trim asked for it: forget and give back now */
		if (r->ckpt_trim && r->up && !r->fenced)
			synod_repl_trim(r, false);
		r->ckpt_trim = false;
	}
	synod_repl_unlock(r);
out:
	memalloc_noio_restore(noio);
}

/* At create, before anything may queue it. */
void synod_ckpt_init(struct synod_repl *r)
{
	/* the store's reserve counts a checkpoint's worth (payload.h) */
	BUILD_BUG_ON(SYNOD_CHECKPOINT_BYTES > SYNOD_RETAIN_BYTES);
	BUILD_BUG_ON(SYNOD_CHECKPOINT_BYTES < SYNOD_SLOT_BYTES);
	/* some room left to forget in: 192 buffers today */
	BUILD_BUG_ON(!CKPT_FORGET_USED ||
		     CKPT_FORGET_USED >= SYNOD_PAY_COUNT);
	INIT_WORK(&r->ckpt_work, ckpt_work);
}
