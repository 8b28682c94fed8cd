// SPDX-License-Identifier: GPL-2.0
/*
 * Journal group commit: the replica's journal records are written with
 * its lock dropped, one group in flight while the next fills.
 *
 * The engine (replica.c) carries out a round's persist actions under the
 * lock by queuing its records in the filling group r->jq, with their
 * payload buffers pinned (payload.h), a new promise with them (rare:
 * elections), which the writer writes to the superblock before the
 * group's records (replica_sbw.c).  Every input that may have run
 * the engine ends in synod_repl_unlock(): if a group is queued and
 * nobody has the writer's role (r->jbusy), it takes the role and hands
 * it to the writer work.  The writer takes the filling group as the
 * group in flight (r->jw), drops the lock around synod_journal_write()
 * (the journal has its own mutex, and its reclaim point is atomic),
 * takes the lock again, tells the core that the group is durable
 * (synod_replica_durable(), cumulative) and carries out what that
 * releases; then the next group, while one queues.  Meanwhile other
 * inputs take the lock, step the core and fill the next group.  Every
 * input that may queue a record ends so: whenever records are queued
 * and the lock is free, somebody has the writer's role.
 *
 * Why a work item and not the input itself: a submission pass that
 * wrote would hold up the next one (the disk's work item does not run
 * twice at once), and with it every new client write, behind our own
 * journal; the tick would send no heartbeat meanwhile.  One exception: a
 * follower's receive work writes what it queued itself
 * (synod_repl_unlock_rx()), since the acknowledgements it owes wait for
 * exactly that write, and a hop less is what a commit waits for.
 *
 * The core allows exactly this: durability may be reported later, after
 * other inputs, and until it is, every reply that rests on our journal
 * (a promise, an ACCEPTED) stays in the core, and a leader does not
 * count its own vote (core/replica.h; tests/sim/node.c has always
 * modelled it so).  Groups are written in persist order, one at a time,
 * so a report covers every record before it.  A promise's seq is
 * reported with the group it was queued in (r->jq.seq), once its
 * superblock copy and the group's records are on disk: a cumulative
 * report of it covers the records queued before it too.
 *
 * Records queued but never written are dropped only when nothing will be
 * reported durable after them: the replica is fenced, or goes away.  A
 * replica that goes down writes what is queued first (synod_jq_drain()):
 * it may come up again with the same core, and a later report would
 * cover the dropped records too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "replica.h"
#include "trace.h"


/* Writes of @e that carry a payload. */
static u32 entry_writes(const struct synod_entry *e)
{
	return e->kind == SYNOD_ENTRY_WRITE ?
	       min_t(u32, e->nwrites, SYNOD_BATCH_MAX) : 0;
}

/*
 * Segments of one chunk's payloads, the most the journal writes at once
 * (SYNOD_JOURNAL_BATCH records, rec_ok() in journal.c): 4 KiB.
 */
#define JCHUNK_SEGS		(SYNOD_JOURNAL_BATCH * SYNOD_JREC_SEGS)

/* Let go of @g's payload buffers, and of @g. */
static void group_release(struct synod_repl *r, struct synod_jgroup *g)
{
	struct synod_pay *pay;
	bool lost = false;
	u32 i, k, h;

	for (i = 0; i < g->n; i++) {
		for (k = 0; k < entry_writes(&g->rec[i].e); k++) {
			h = g->head[i * SYNOD_BATCH_MAX + k];
			if (WARN_ON_ONCE(h >= SYNOD_PAY_COUNT))
				continue;
			/* pinned, so never swept */
			pay = &r->pay.pay[h];
			/* not the chain pinned: unpin no other one */
			if (WARN_ON_ONCE(pay->ref != g->rec[i].e.w[k].ref)) {
				lost = true;
				continue;
			}
			synod_pay_unpin(pay);
		}
	}
	g->n = 0;
	g->seq = 0;
	g->promise = 0;
	if (lost)
		synod_repl_fence(r, "journal group lost a payload's pin");
}

/*
 * At destroy, after synod_repl_down(): no writer, nothing queued.
 * Without the groups (a create that failed) there is nothing to wait for.
 */
void synod_jq_free(struct synod_repl *r)
{
	if (r->jq.rec) {
		/* synod_repl_destroy() waited for the work */
		WARN_ON_ONCE(work_pending(&r->jwork));
		mutex_lock(&r->lock);
		WARN_ON_ONCE(r->jbusy || r->jw.n || r->jq.n);
		synod_jq_drop(r);
		mutex_unlock(&r->lock);	/* the transport is gone */
	}
	kvfree(r->jq.rec);
	kvfree(r->jw.rec);
	kvfree(r->jq.head);
	kvfree(r->jw.head);
	kvfree(r->jseg);
	r->jq.rec = NULL;
	r->jw.rec = NULL;
	r->jq.head = NULL;
	r->jw.head = NULL;
	r->jseg = NULL;
}

/*
 * A record with a payload over SYNOD_PAYLOAD_MAX on a replica whose
 * superblock does not say LARGE yet: a follower of a LARGE leader, or a
 * new leader recovering such a write (synod_repl_large_ok() let the
 * payload in).  Say LARGE on disk first, so that no record the smaller
 * bound refuses is ever in a journal read with that bound (after a
 * crash, recovery takes the bound from the superblock).  A crash after
 * the superblock and before the record leaves only the flag, which
 * costs nothing.  One synchronous superblock write under the lock (it
 * waits for a promise's or a checkpoint's in flight first: one at a
 * time, replica_sbw.c), once in the life of the replica.
 * False if the replica was fenced instead.
 */
static bool jq_go_large(struct synod_repl *r)
{
	struct synod_sb *sb = &r->vol->sb;

	lockdep_assert_held(&r->lock);
	/* the receive path refuses such payloads (write_max) */
	if (WARN_ON_ONCE(!synod_repl_large_ok(r))) {
		synod_repl_fence(r, "a payload over 16 KiB on a volume that cannot journal it");
		return false;
	}
	sb->flags |= SYNOD_SB_FLAG_LARGE;
	if (synod_repl_sb_write(r)) {
		sb->flags &= ~SYNOD_SB_FLAG_LARGE;
		synod_repl_fence(r, "superblock write failed (setting LARGE)");
		return false;
	}
	/* the same superblock's geometry as large_ok's: cannot fail */
	if (!synod_journal_set_large(r->journal)) {
		synod_repl_fence(r, "the journal cannot take large records");
		return false;
	}
	pr_info("%s: takes large requests from now on: on-disk flag LARGE written before the first record over %u KiB (its own queue keeps %u KiB requests until it is attached again)\n",
		r->vol->name, SYNOD_PAYLOAD_MAX >> 10, SYNOD_PAYLOAD_MAX >> 10);
	return true;
}

/*
 * Queue the record of persist action @p (an entry) in the filling group,
 * its payloads pinned and marked durable: from now on these bytes are
 * the journal's.  False if the replica was fenced instead.  A payload
 * whose chain does not fit a record's segments fences when its chunk
 * is written (chunk_segs()): none does while payloads are one buffer
 * (synod_pay_init()).
 */
bool synod_jq_queue(struct synod_repl *r, const struct synod_persist *p)
{
	struct synod_pay *pay[SYNOD_BATCH_MAX];
	struct synod_jrec *j;
	u32 *head, k, nw = entry_writes(&p->e), bytes = 0, big = 0;

	lockdep_assert_held(&r->lock);
	/* synod_jq_reserve() before every input makes this impossible */
	if (WARN_ON_ONCE(r->jq.n >= SYNOD_JQ_MAX)) {
		synod_repl_fence(r, "journal group overflow");
		return false;
	}
	for (k = 0; k < nw; k++) {
		pay[k] = synod_pay_find(&r->pay, p->e.w[k].ref);
		if (!pay[k] || !pay[k]->len) {
			synod_repl_fence(r, "payload of an accepted write missing");
			return false;
		}
		big = max(big, pay[k]->len);
	}
	if (big > SYNOD_PAYLOAD_MAX &&
	    !(r->vol->sb.flags & SYNOD_SB_FLAG_LARGE) && !jq_go_large(r))
		return false;
	head = r->jq.head + r->jq.n * SYNOD_BATCH_MAX;
	j = &r->jq.rec[r->jq.n++];
	j->seq = p->seq;
	j->e = p->e;
	/*
	 * Journaled before: the bytes are the ones a record of ours holds
	 * (a copy fetched again is a new, not durable one), which the
	 * journal may then name instead of writing them again.
	 */
	j->again = nw > 0;
	for (k = 0; k < nw; k++)
		j->again &= pay[k]->durable;
	for (k = 0; k < SYNOD_BATCH_MAX; k++) {
		j->len[k] = k < nw ? pay[k]->len : 0;
		j->seg[k] = NULL;
		j->nseg[k] = 0;
		if (k >= nw)
			continue;
		head[k] = pay[k] - r->pay.pay;
		bytes += pay[k]->len;
		pay[k]->durable = true;
		synod_pay_pin(pay[k]);
	}
	r->jq.seq = max(r->jq.seq, p->seq);
	synod_ckpt_journaled(r, p->e.slot, bytes);	/* ring held */
	return true;
}

/*
 * Promises up to persist seq @seq: @ballot, if not 0, is to be written
 * to the superblock with the filling group (jq_write()); else they ride
 * on a superblock copy written or on its way (repl_persist()).  Their
 * seq is reported with the group either way.
 */
void synod_jq_promise(struct synod_repl *r, u64 seq, u64 ballot)
{
	lockdep_assert_held(&r->lock);
	r->jq.seq = max(r->jq.seq, seq);
	r->jq.promise = max(r->jq.promise, ballot);
}

/* Drop the filling group: the replica is fenced or going away. */
void synod_jq_drop(struct synod_repl *r)
{
	lockdep_assert_held(&r->lock);
	group_release(r, &r->jq);
}

static bool jq_pending(const struct synod_repl *r)
{
	return r->jq.n || r->jq.seq || r->jq.promise;
}

/* Room for an input that may queue @need records (SYNOD_JQ_RESERVE...). */
bool synod_jq_room(const struct synod_repl *r, u32 need)
{
	return r->jq.n + r->out.npersist + need <= SYNOD_JQ_MAX;
}

/*
 * Give records @first.. (@n of them, one chunk) of @g their payloads'
 * segments, one per buffer of each chain, in the writer's table
 * r->jseg: sized for the chunk the journal writes at once, not per
 * queued record.  Called with the lock dropped (group_write()), which
 * is safe because the chains are pinned from synod_jq_queue() until
 * group_release(), and a pinned chain's links, length and buffers
 * never change: the sweep and synod_pay_exit() free no buffer of a
 * pinned chain, the trim gives back free buffers only,
 * synod_pay_set_len() shrinks no pinned chain, rx_payload_conflict()
 * replaces no pinned bytes and synod_pay_swap() swaps out no pinned
 * chain (payload.h, replica_piece.c); and ps->pay, where the links
 * point, stays put from create to destroy.  -E2BIG: a record's chains
 * need more segments than a record takes (none while payloads fit a
 * buffer, synod_jq_init()).
 */
static int chunk_segs(struct synod_repl *r, struct synod_jgroup *g,
		      u32 first, u32 n)
{
	const struct synod_pay *p;
	struct synod_jrec *rec;
	u32 i, k, h, used = 0, m;

	/* a chunk is at most SYNOD_JOURNAL_BATCH records (group_write()) */
	if (WARN_ON_ONCE(n > SYNOD_JOURNAL_BATCH))
		return -E2BIG;
	for (i = first; i < first + n; i++) {
		rec = &g->rec[i];
		if (!entry_writes(&rec->e))
			continue;
		/* pinned, and as long as the record says (see above) */
		for (k = 0; k < entry_writes(&rec->e); k++) {
			h = g->head[i * SYNOD_BATCH_MAX + k];
			if (h >= SYNOD_PAY_COUNT)
				continue;	/* synod_pay_jrec_segs() */
			p = &r->pay.pay[h];
			if (WARN_ON_ONCE(!READ_ONCE(p->pins)) ||
			    WARN_ON_ONCE(READ_ONCE(p->len) != rec->len[k]))
				return -EIO;
		}
		m = synod_pay_jrec_segs(&r->pay, rec,
					g->head + i * SYNOD_BATCH_MAX,
					entry_writes(&rec->e), r->jseg + used,
					JCHUNK_SEGS - used);
		if (!m)
			return -E2BIG;
		used += m;
	}
	return 0;
}

/*
 * Records *@done.. of @g, in pieces that even the smallest ring takes
 * (one chunk each, synod_journal_chunk(): SYNOD_JOURNAL_BATCH records,
 * fewer where their payload ring bytes would pass SYNOD_JCHUNK_PRING;
 * the journal chunks a longer write the same way, so the I/O is the
 * same), so that -ENOSPC only ever means one piece was not written.
 */
static int group_write(struct synod_repl *r, struct synod_jgroup *g,
		       u32 *done)
{
	u32 k;
	int err;

	/* a chunk's segments fit r->jseg (chunk_segs()) */
	BUILD_BUG_ON(SYNOD_JOURNAL_BATCH * SYNOD_JREC_SEGS > JCHUNK_SEGS);
	while (*done < g->n) {
		k = synod_journal_chunk(r->journal, g->rec + *done,
					g->n - *done);
		err = chunk_segs(r, g, *done, k) ?:
		      synod_journal_write(r->journal, g->rec + *done, k);
		if (err)
			return err;
		*done += k;
	}
	return 0;
}

/*
 * The ring is full of records not yet checkpointed: let the applies in
 * flight land, free ring space by checkpointing them, then write the
 * rest of @g.  Under the lock, since the superblock changes only under
 * it; rare, so synchronously.
 */
static int group_enospc(struct synod_repl *r, struct synod_jgroup *g,
			u32 *done)
{
	int err;

	lockdep_assert_held(&r->lock);
	synod_apply_quiesce(r);
	if (r->fenced)
		return -EIO;
	err = synod_repl_checkpoint(r);
	if (err)
		return err;
	return group_write(r, g, done);
}

/*
 * Issue the superblock write of the promise @g carries, under the lock;
 * the caller waits for it with the lock dropped.  A checkpoint's write
 * in flight is waited for first (one at a time, replica_sbw.c), with
 * the lock dropped too: settling it under the lock would hold up every
 * input for as long as the disk takes.  False if the replica is fenced.
 */
static bool jq_promise_issue(struct synod_repl *r, struct synod_jgroup *g)
{
	struct synod_sb *next;

	lockdep_assert_held(&r->lock);
	if (r->fenced)
		return false;
	synod_sbw_wait_unlocked(r, SYNOD_SBW_CKPT);
	next = synod_sbw_begin(r, SYNOD_SBW_PROMISE);	/* folds it */
	if (!next)
		return false;
	/* the filling group's promise was never folded before its own */
	WARN_ON_ONCE(next->promised_ballot >= g->promise);
	next->promised_ballot = max(next->promised_ballot, g->promise);
	return synod_sbw_submit(r, SYNOD_SBW_PROMISE);
}

/*
 * Write the filling group as the group in flight, the lock dropped
 * around the I/O.  Returns the persist seq it made durable, 0 if it
 * made none (the replica is fenced now).  Called and returns with the
 * lock held, by the holder of the writer's role (r->jbusy).  A group
 * that carries a promise writes the superblock first, then its records:
 * an ACCEPT of a higher ballot promises and accepts in one step, and a
 * crash must not keep records of a ballot the superblock never promised
 * (a state no restore has ever had to take, and the simulator's disk
 * never makes).  The promise's write is FUA, and costs one trip to the
 * disk only in groups that carry one: at elections.
 */
static u64 jq_write(struct synod_repl *r)
{
	struct synod_jgroup *g = &r->jw;
	u64 start_ns = synod_repl_now(), seq;
	u32 done = 0;
	int err = 0;

	lockdep_assert_held(&r->lock);
	WARN_ON_ONCE(!r->jbusy || g->n || g->seq || g->promise);
	swap(r->jq, r->jw);
	/* the filling group is empty again: inputs waiting for room go on */
	WRITE_ONCE(r->jgen, r->jgen + 1);	/* jq_wait() reads it unlocked */
	wake_up_all(&r->jwait);
	if (!g->n && !g->promise)
		goto out;
	if (g->promise && !jq_promise_issue(r, g))
		goto out;			/* fenced */
	/* submit our applies, but reap them after the group's write */
	__synod_repl_release(r);
	synod_apply_writer_submit(r);
	if (g->promise) {
		/* ours alone re-arms it: no later write's completion */
		synod_sbw_wait(r, SYNOD_SBW_PROMISE);
		err = r->sbw[SYNOD_SBW_PROMISE].err;
	}
	/*
	 * No record of the ballot before the promise is on disk; none at
	 * all once fenced meanwhile (a racy look: it only saves the I/O,
	 * nothing of a fenced replica is reported).
	 */
	if (!err && g->n && !READ_ONCE(r->fenced))
		err = group_write(r, g, &done);
	mutex_lock(&r->lock);
	synod_apply_writer_reap(r);
	/*
	 * Fold the promise into vol->sb, unless a superblock writer did
	 * meanwhile; a failed write fenced the replica (a torn copy),
	 * whoever folded it, and so nothing of the group is reported.
	 */
	if (g->promise && synod_sbw_settle_own(r, SYNOD_SBW_PROMISE))
		goto out;
	/*
	 * One checkpoint frees what is applied, once the applies in flight
	 * have landed; nothing more is issued while we hold the lock, so a
	 * second could free nothing more.  A group
	 * whose records past the applied index still do not fit the ring
	 * fences "journal full".  Not bounded yet: a group may hold up to
	 * SYNOD_JQ_MAX records, a small ring fewer (a known limit).
	 */
	if (err == -ENOSPC)
		err = group_enospc(r, g, &done);
	r->jgroups++;
	if (err) {
		synod_repl_fence(r, err == -ENOSPC ? "journal full" :
				 err == -E2BIG ?
				 "payload longer than a journal record takes" :
				 "journal write failed");
	} else if (READ_ONCE(r->core_failed)) {
		/*
		 * Our records were encoded in our assertion window (the
		 * journal's owner hooks, which need no lock): a failure
		 * there is ours, and nobody may hear that these records
		 * are durable.
		 */
		synod_repl_fence(r, "consensus core assertion failed (journal record)");
	} else if (!r->fenced) {
		trace_synod_journal_durable(r->vol->name, g->n, g->seq,
					    synod_repl_now() - start_ns);
	}
out:
	seq = r->fenced ? 0 : g->seq;
	group_release(r, g);
	return seq;
}

/*
 * Write the filling group, then tell the core what is durable and carry
 * out what that releases.  That report is one more input: if others
 * filled the next group meanwhile past the room it needs, write that one
 * too first (a report covers both).  Promises queued meanwhile with no
 * record after them and no write of their own are durable now too.
 */
static void jq_flush(struct synod_repl *r)
{
	u64 seq = 0;

	do {
		seq = max(seq, jq_write(r));
		if (r->fenced)
			return;
	} while (!synod_jq_room(r, SYNOD_JQ_RESERVE_LOCAL));
	/*
	 * Promises queued meanwhile with no record, riding on a copy
	 * written now (the group just written, or an earlier one): their
	 * seq is durable.  Not one that still has its own write to do.
	 */
	if (!r->jq.n && !r->jq.promise && r->jq.seq) {
		seq = max(seq, r->jq.seq);
		r->jq.seq = 0;
	}
	/* and what the writer reaped after its write lands */
	if (seq)
		SYNOD_CORE(r, synod_replica_durable(&r->core, synod_repl_now(),
						    seq, &r->out));
	if (seq || (r->up && r->applied > r->core.landed))
		synod_repl_execute(r);
}

/* Take the writer's role: nobody else writes the journal meanwhile. */
static void jq_claim(struct synod_repl *r)
{
	lockdep_assert_held(&r->lock);
	WARN_ON_ONCE(r->jbusy);
	WRITE_ONCE(r->jbusy, true);
}

static void jq_release(struct synod_repl *r)
{
	lockdep_assert_held(&r->lock);
	WRITE_ONCE(r->jbusy, false);
	wake_up_all(&r->jwait);
}

/*
 * Wait, the lock dropped, until the writer empties the group or stops,
 * or the role passes to a writer work item that has not started (which
 * the waiter takes over, jq_take_over(): a role released and claimed
 * again under one hold of the lock changes neither jbusy nor jgen).
 * @intr: a signal ends the wait, -EINTR and the lock not held (a
 * command's caller); else 0 and the lock held again.
 */
static int jq_wait(struct synod_repl *r, bool intr)
{
	u64 gen = r->jgen, hand = r->jhand;

	synod_repl_release(r);
	if (!intr) {
		wait_event(r->jwait, !READ_ONCE(r->jbusy) ||
				     READ_ONCE(r->jgen) != gen ||
				     READ_ONCE(r->jhand) != hand);
		mutex_lock(&r->lock);
		return 0;
	}
	if (wait_event_interruptible(r->jwait, !READ_ONCE(r->jbusy) ||
					       READ_ONCE(r->jgen) != gen ||
					       READ_ONCE(r->jhand) != hand))
		return -EINTR;
	return mutex_lock_interruptible(&r->lock);
}

/*
 * Hand the writer's role (held) to the writer work: a waiter may take it
 * over while it has not started, so wake the waiters.
 */
static void jq_hand_to_work(struct synod_repl *r)
{
	lockdep_assert_held(&r->lock);
	WARN_ON_ONCE(!r->jbusy);
	queue_work(r->vol->wq, &r->jwork);
	WRITE_ONCE(r->jhand, r->jhand + 1);	/* jq_wait() reads it unlocked */
	wake_up_all(&r->jwait);
}

/*
 * The writer's role is taken but the writer work has not started: take
 * the role over from it and write here.  Waiting for it instead could
 * wait for ever when the caller is itself a work item of the host's
 * synod-io workqueue (the submission pass, the tick) running on its
 * rescuer under memory pressure: no other worker would ever run the
 * writer, and the disk's writeback would stop.  Under the lock, so a work item that has
 * started is past its own check of the role (it waits for the lock).
 */
static bool jq_take_over(struct synod_repl *r)
{
	lockdep_assert_held(&r->lock);
	if (!r->jbusy || !cancel_work(&r->jwork))
		return false;
	jq_flush(r);
	jq_release(r);
	return true;
}

/*
 * The writer work (r->jwork): write groups while they queue.  It has
 * nothing else to do, unlike an input that writes; after a bounded run
 * it queues itself again, keeping the role, so as not to hold a worker
 * of the disk's workqueue for ever under a steady load.
 */
static void jq_work(struct work_struct *work)
{
	struct synod_repl *r = container_of(work, struct synod_repl, jwork);
	unsigned int noio = memalloc_noio_save();	/* serves the disk */
	u32 n;

	mutex_lock(&r->lock);
	WARN_ON_ONCE(!r->jbusy);
	for (n = 0; n < 64 && !r->fenced && jq_pending(r); n++)
		jq_flush(r);
	if (!r->fenced && jq_pending(r))
		jq_hand_to_work(r);
	else
		jq_release(r);
	synod_repl_release(r);
	memalloc_noio_restore(noio);
}

/*
 * At create, before anything that may fail (destroy then finds the
 * work and the wait queue set up): the two groups, allocated now.
 */
int synod_jq_init(struct synod_repl *r)
{
	/* the bounds that replica.h argues for */
	BUILD_BUG_ON(SYNOD_JQ_RESERVE + SYNOD_JQ_RESERVE_LOCAL > SYNOD_JQ_MAX);
	BUILD_BUG_ON(2 * SYNOD_WINDOW + 1 > SYNOD_JQ_RESERVE_LOCAL);
	BUILD_BUG_ON(SYNOD_OUT_PERSIST_MAX > SYNOD_JQ_RESERVE_LOCAL);
	/*
	 * A record has the segments it needs (one per buffer): a slot
	 * carries at most SYNOD_SLOT_BYTES (the core's cap), and each of
	 * its writes starts a buffer of its own, so one more per write.
	 * Also the largest record of today's writes, 4 x SYNOD_PAYLOAD_MAX.
	 */
	BUILD_BUG_ON(SYNOD_SLOT_BYTES / SYNOD_PAY_BUF_BYTES + SYNOD_BATCH_MAX >
		     SYNOD_JREC_SEGS);
	BUILD_BUG_ON(SYNOD_BATCH_MAX * DIV_ROUND_UP(SYNOD_PAYLOAD_MAX,
						    SYNOD_PAY_BUF_BYTES) >
		     SYNOD_JREC_SEGS);
	init_waitqueue_head(&r->jwait);
	INIT_WORK(&r->jwork, jq_work);
	r->jq.rec = kvcalloc(SYNOD_JQ_MAX, sizeof(*r->jq.rec), GFP_KERNEL);
	r->jw.rec = kvcalloc(SYNOD_JQ_MAX, sizeof(*r->jw.rec), GFP_KERNEL);
	r->jq.head = kvcalloc(SYNOD_JQ_MAX * SYNOD_BATCH_MAX,
			      sizeof(*r->jq.head), GFP_KERNEL);
	r->jw.head = kvcalloc(SYNOD_JQ_MAX * SYNOD_BATCH_MAX,
			      sizeof(*r->jw.head), GFP_KERNEL);
	r->jseg = kvcalloc(JCHUNK_SEGS, sizeof(*r->jseg), GFP_KERNEL);
	return r->jq.rec && r->jw.rec && r->jq.head && r->jw.head &&
	       r->jseg ? 0 : -ENOMEM;
}

/*
 * Before an input that may step the core: make sure the filling group
 * has room for the @need records it can queue (SYNOD_JQ_RESERVE...).  If
 * not, take over a writer that has not started, or wait for the one at
 * work with the lock dropped, or, if there is none, write the group
 * ourselves.  The caller must look again at anything the lock guards.
 * @intr: see jq_wait().
 */
static int jq_reserve(struct synod_repl *r, u32 need, bool intr)
{
	bool counted = false;
	int err;

	lockdep_assert_held(&r->lock);
	while (!r->fenced && !synod_jq_room(r, need)) {
		if (!counted) {
			r->jwaits++;
			counted = true;
		}
		if (jq_take_over(r))
			continue;
		if (r->jbusy) {
			err = jq_wait(r, intr);
			if (err)
				return err;
			continue;
		}
		jq_claim(r);
		jq_flush(r);
		jq_release(r);
	}
	return 0;
}

void synod_jq_reserve(struct synod_repl *r, u32 need)
{
	jq_reserve(r, need, false);
}

/* As synod_jq_reserve(); -EINTR on a signal, the lock released. */
int synod_jq_reserve_intr(struct synod_repl *r, u32 need)
{
	return jq_reserve(r, need, true);
}

/*
 * End an input that may have run the engine, instead of mutex_unlock():
 * unless a writer is at work already (it takes this group next), start
 * the writer work on what the input queued.  The input goes back to its
 * own work at once: a submission pass to the next client requests (its
 * work item could not run again while it wrote), the tick to keep the
 * followers, a command to its caller.
 */
void synod_repl_unlock(struct synod_repl *r)
{
	__synod_repl_unlock(r);
	synod_apply_kick(r);
}

/* synod_repl_unlock() without the kick: __synod_repl_release() says why. */
void __synod_repl_unlock(struct synod_repl *r)
{
	lockdep_assert_held(&r->lock);
	if (!r->jbusy && !r->fenced && jq_pending(r)) {
		jq_claim(r);
		jq_hand_to_work(r);
	}
	__synod_repl_release(r);
}

/*
 * End an input of the receive work.  On a follower, or a candidate,
 * what it queued is what the acknowledgements it owes wait for: write it
 * here, one group, without waking the writer work (a hop less).  A
 * leader's own record is off the path of a commit while its followers
 * make a quorum, and its receive work brings their acknowledgements:
 * it hands the write over (synod_repl_unlock()).
 */
void synod_repl_unlock_rx(struct synod_repl *r)
{
	lockdep_assert_held(&r->lock);
	if (r->core.role != SYNOD_LEADER && !r->jbusy && !r->fenced &&
	    jq_pending(r)) {
		jq_claim(r);
		jq_flush(r);
		jq_release(r);
	}
	synod_repl_unlock(r);
}

/*
 * The replica is down (r->up clear: no input queues records any more):
 * wait for the writer at work, then write what is queued, so that the
 * core may be reported durable past it after the next "volume up".  A
 * fenced replica drops it instead.  Takes the lock.  Bounded: each round
 * is one journal write, which the disk's own timeout bounds, and a
 * replica that no longer leads queues nothing more after a report;
 * should one still, it is fenced rather than left with records it could
 * report durable unwritten.  The writer work has returned after.
 */
void synod_jq_drain(struct synod_repl *r)
{
	u32 rounds = 0;

	mutex_lock(&r->lock);
	for (;;) {
		if (jq_take_over(r))
			continue;
		if (r->jbusy) {
			jq_wait(r, false);
			continue;
		}
		if (r->fenced || !jq_pending(r))
			break;
		if (WARN_ON_ONCE(++rounds > 16)) {
			synod_repl_fence(r, "journal still queued after going down");
			break;
		}
		jq_claim(r);
		jq_flush(r);
		jq_release(r);
	}
	if (r->fenced)
		synod_jq_drop(r);
	synod_repl_release(r);
	/* its last unlock may still be on its way out */
	flush_work(&r->jwork);
}
