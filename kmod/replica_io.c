// SPDX-License-Identifier: GPL-2.0
/*
 * Client requests of a replicated volume: a request from the disk's
 * worker goes to the consensus core, and comes back completed, or
 * refused and then suspended (requeued) or failed, as the volume's
 * --on-no-quorum says.  See kmod/replica.h for the locking rule.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/timekeeping.h>

#include "replica.h"
#include "compat.h"
#include "testing.h"
#include "trace.h"

/*
 * Test build only (testing.h): the leader proposes its next client write
 * at this block instead of the request's, past its own range check, as a
 * broken or hostile leader would; then the knob clears itself.  0: off.
 * tests/vm/engine.bats shows that followers refuse such an entry.
 */
static unsigned long long test_bad_block;
SYNOD_TEST_PARAM(test_bad_block, ullong,
		 "propose the next write at this block, unchecked (0: off)");

/*
 * Test build only (testing.h): a replica that does not lead (a deposed
 * leader among them) serves reads from its own data area at once, without
 * a lease or a read-index round, as a broken read path would.  The
 * negative control of the fault tier: tests/nemesis (`run.sh
 * --stale-read`) must find the stale reads it lets through.
 */
static bool test_stale_read;
SYNOD_TEST_PARAM(test_stale_read, bool,
		 "replicas that do not lead serve reads without lease or read-index");

/* The request @req names, if it is still the one waiting. */
static struct request *req_lookup(struct synod_repl *r, u64 req)
{
	struct request *rq;
	struct synod_rq *cmd;
	u32 tag = req & 0xffff;

	if (tag >= r->vol->tag_set.queue_depth)
		return NULL;
	rq = blk_mq_tag_to_rq(r->vol->tag_set.tags[0], tag);
	if (!rq)
		return NULL;
	cmd = blk_mq_rq_to_pdu(rq);
	return cmd->req == req ? rq : NULL;
}

/*
 * Back into the requeue list, to be dispatched again in @ms; straight to
 * dispatch, with nothing merged into it (RQF_DONTPREP, synod_queue_rq()).
 * It lets go of its admitted bytes meanwhile.  @busy: backpressure (a
 * full store or core queue), dispatched again at the next completion or
 * when the store frees room, in @ms at the latest (blkdev.c).
 */
static void req_requeue(struct synod_repl *r, struct request *rq,
			unsigned long ms, bool busy)
{
	r->host->admit_put(rq, false);	/* frees no store room */
	blk_mq_requeue_request(rq, false);
	if (busy)
		r->host->requeue_busy(rq, ms);
	else
		blk_mq_delay_kick_requeue_list(rq->q, ms);
}

/* May a request refused for want of a leader wait for one (suspend)? */
static bool req_may_wait(struct synod_repl *r, struct synod_rq *cmd)
{
	return !r->fenced && r->up &&
	       r->cfg.on_no_quorum == SYNOD_NO_QUORUM_SUSPEND &&
	       synod_repl_now() - cmd->first_ns < SYNOD_SUSPEND_MAX_NS;
}

/*
 * A request the core did not carry out, with its status @st (enum
 * synod_status): certainly not done (not leader, lost leadership, a full
 * queue), or a write of unknown outcome proposed in @slot.  A full queue
 * is backpressure, never an error: try again shortly.  Otherwise suspend
 * the request until this replica leads with a quorum again, or fail it,
 * as the volume says (--on-no-quorum).  A write of unknown outcome is
 * never simply proposed again: it waits to learn its outcome from its
 * slot (replica_held.c).  Suspension is bounded: SYNOD_SUSPEND_MAX_NS
 * after the request first came.  A fenced or stopped replica fails
 * everything.  Under r->lock.
 */
static void req_refused(struct synod_repl *r, struct request *rq, int st,
			u64 slot)
{
	struct synod_rq *cmd = blk_mq_rq_to_pdu(rq);
	bool hold;

	lockdep_assert_held(&r->lock);
	cmd->req = 0;
	if (r->fenced || !r->up)
		hold = false;
	else if (st == SYNOD_BUSY)
		hold = true;
	else
		hold = req_may_wait(r, cmd);
	if (hold && st == SYNOD_UNKNOWN) {
		hold = synod_held_add(&r->held, &cmd->held, cmd->ref, slot,
				      r->aq.issued);
		cmd->held_pos = blk_rq_pos(rq);
		cmd->held_bytes = blk_rq_bytes(rq);
	}
	if (!hold) {
		r->host->end(rq, BLK_STS_IOERR);
		return;
	}
	if (st == SYNOD_BUSY)
		req_requeue(r, rq, 10, true);
	else
		req_requeue(r, rq, 100, false);
}

/*
 * @rq is a held write of unknown outcome, back from the requeue list.
 * True when it is dealt with (completed, failed or held again); false
 * when it was certainly never chosen and goes on as a new request.
 */
static bool req_held(struct synod_repl *r, struct request *rq)
{
	struct synod_rq *cmd = blk_mq_rq_to_pdu(rq);

	lockdep_assert_held(&r->lock);
	/* nothing merged into it (RQF_DONTPREP): what was proposed */
	if (WARN_ON_ONCE(blk_rq_pos(rq) != cmd->held_pos ||
			 blk_rq_bytes(rq) != cmd->held_bytes)) {
		synod_held_drop(&r->held, &cmd->held);
		goto fail;
	}
	switch (synod_held_take(&r->held, &cmd->held, r->aq.issued)) {
	case SYNOD_HELD_CHOSEN:
		cmd->slot = cmd->held.slot;
		r->host->end(rq, BLK_STS_OK);
		return true;
	case SYNOD_HELD_NOT_CHOSEN:
		return false;
	case SYNOD_HELD_WAIT:
		if (req_may_wait(r, cmd)) {
			req_requeue(r, rq, 100, false);
			return true;
		}
		synod_held_drop(&r->held, &cmd->held);
		break;
	default:	/* LOST: its slot was skipped by a state transfer */
		break;
	}
fail:
	r->host->end(rq, BLK_STS_IOERR);
	return true;
}

/*
 * Complete (or refuse) the requests the core is done with: those of
 * unknown outcome only (@unknown), or all the others.  The engine
 * registers the unknown ones before it applies anything of the same
 * output (synod_repl_execute()): a leader can step down while applying a
 * run of chosen slots (a configuration that removes it) and learn in the
 * same step that a write of a later slot of that run is chosen; held
 * after that apply, its slot would look skipped.
 */
void synod_repl_done(struct synod_repl *r, bool unknown)
{
	struct synod_out *out = &r->out;
	struct synod_rq *cmd;
	struct request *rq;
	u32 i;

	for (i = 0; i < out->ndone; i++) {
		const struct synod_done *d = &out->done[i];

		if ((d->status == SYNOD_UNKNOWN) != unknown)
			continue;
		rq = req_lookup(r, d->req);
		if (!rq)
			continue;
		if (d->status != SYNOD_OK) {
			req_refused(r, rq, d->status, d->slot);
			continue;
		}
		cmd = blk_mq_rq_to_pdu(rq);
		cmd->req = 0;
		cmd->slot = d->slot;
		if (d->op == SYNOD_OP_READ)
			r->host->pass_down(r->vol, rq);
		else
			r->host->end(rq, BLK_STS_OK);
	}
}

/*
 * Is @rq one the engine can carry: whole sectors inside the data area,
 * a write no larger than the volume takes?  Block numbers are checked on
 * the leader too, not only where they arrive.  Under r->lock.
 */
static bool req_valid(struct synod_repl *r, struct request *rq)
{
	u32 len = blk_rq_bytes(rq);

	/*
	 * The core asserts a write fits a slot (synod_replica_writes()):
	 * what we let through and what the store holds must, or a write
	 * would fence the volume.
	 */
	BUILD_BUG_ON(SYNOD_PAYLOAD_MAX > SYNOD_SLOT_BYTES);
	BUILD_BUG_ON(SYNOD_PAY_BYTES_MAX > SYNOD_SLOT_BYTES);
	if (WARN_ON_ONCE(!len || len % SECTOR_SIZE ||
			 (req_op(rq) == REQ_OP_WRITE &&
			  len > synod_repl_req_max(r))))
		return false;
	if (synod_block_range_ok(blk_rq_pos(rq), len >> SECTOR_SHIFT,
				 synod_repl_sectors(r)))
		return true;
	r->out_of_range++;
	return false;
}

/*
 * Copy a write's data into the payload store under a fresh ref, for the
 * core as @w.  A full store is backpressure (SYNOD_BUSY).
 */
static int write_prepare(struct synod_repl *r, struct request *rq, u64 req,
			 struct synod_wait_write *w)
{
	struct req_iterator iter;
	struct synod_pay *pay;
	struct bio_vec bv;
	u64 sector = blk_rq_pos(rq);
	u32 off = 0;
	void *src;

	pay = synod_pay_store(&r->pay, synod_pay_new_ref(&r->pay),
			      blk_rq_bytes(rq), &r->core);
	if (!pay)
		return SYNOD_BUSY;
	/* a bvec of the request is one page: it may cross a buffer */
	rq_for_each_segment(bv, rq, iter) {
		src = bvec_kmap_local(&bv);
		synod_pay_copy_in(&r->pay, pay, off, src, bv.bv_len);
		kunmap_local(src);
		off += bv.bv_len;
	}
	synod_pay_set_len(&r->pay, pay, off);
	((struct synod_rq *)blk_mq_rq_to_pdu(rq))->ref = pay->ref;
	if (READ_ONCE(test_bad_block))
		sector = xchg(&test_bad_block, 0) ?: sector;
	*w = (struct synod_wait_write){ .req = req, .block = sector,
					.ref = pay->ref, .len = pay->len };
	return SYNOD_OK;
}

/*
 * Give the writes gathered in this pass to the core together: they share
 * slots, and execute queues their records for one group commit.  Those
 * the core's queue had no room for are refused (backpressure).
 */
static void submit_writes(struct synod_repl *r, u32 *n)
{
	struct synod_rq *cmd;
	u32 done = 0, i;
	int st = SYNOD_OK;

	if (!*n)
		return;
	SYNOD_CORE(r, done = synod_replica_writes(&r->core, synod_repl_now(),
						  r->subw, *n, &st, &r->out));
	for (i = 0; i < *n; i++) {
		cmd = blk_mq_rq_to_pdu(r->subrq[i]);
		trace_synod_rq_proposed(cmd->trace_req, SYNOD_OP_WRITE,
					r->core.next_slot,
					i < done ? SYNOD_OK : st);
		if (i >= done)
			req_refused(r, r->subrq[i], st, 0);
	}
	*n = 0;
}

/*
 * The outputs of one pass accumulate until it ends; a read without a
 * lease sends a heartbeat round to every peer, and a full outbox would
 * drop messages (the accepts of the pass among them) until a resend.
 * When one more call could fill it (synod_out_room()), or a group of
 * group_writes writes is gathered, or the journal's next group is short
 * of room (replica_jq.c), give the core the writes gathered so far and
 * carry out the outputs now: their records join the next group commit.
 * Gathered writes go first, so that nothing the pass holds in r->subw
 * can be failed by a fence in between (fence.c fails what carries an
 * id) and then touched again; only then may the lock be dropped to wait
 * for room.  Called before a request is checked or timed.
 */
static void make_room(struct synod_repl *r, u32 *n)
{
	u32 group = max(1u, READ_ONCE(synod_group_writes));

	if (synod_out_room(&r->out) && synod_jq_room(r, SYNOD_JQ_RESERVE) &&
	    *n < min_t(u32, group, ARRAY_SIZE(r->subw)))
		return;
	submit_writes(r, n);
	synod_repl_execute(r);
	synod_jq_reserve(r, SYNOD_JQ_RESERVE);
}

/*
 * One request of a submission pass, under r->lock.  Writes: copied into
 * the payload store under a fresh ref and gathered in r->subw for
 * submit_writes().  Reads: given to the core (lease or read-index); the
 * data area is read once it says so.  Flushes complete at once: a
 * completed write is already durable on a quorum.  The request carries
 * its id (cmd->req) exactly while the core holds it, and that only
 * changes under r->lock, so a fence can fail what the core holds
 * (fence.c).
 */
static void submit_one(struct synod_repl *r, struct request *rq, u32 *n)
{
	struct synod_rq *cmd = blk_mq_rq_to_pdu(rq);
	u64 now, req, sector = blk_rq_pos(rq);
	u32 op = (__force u32)req_op(rq);
	bool fresh;
	int st;

	lockdep_assert_held(&r->lock);
	fresh = !cmd->first_ns;		/* not a requeued one */
	if (fresh) {
		cmd->first_ns = synod_repl_now();
		cmd->ref = 0;
	}
	if (req_op(rq) == REQ_OP_FLUSH) {
		r->host->end(rq, BLK_STS_OK);
		return;
	}
	if (req_op(rq) != REQ_OP_READ && req_op(rq) != REQ_OP_WRITE) {
		r->host->end(rq, BLK_STS_NOTSUPP);
		return;
	}
	/*
	 * Before anything is checked or timed: carrying out outputs may
	 * fence, and steps the core past any time taken earlier.
	 */
	make_room(r, n);
	/* never another request's outcome (the host's end warns too) */
	if (fresh && WARN_ON_ONCE(synod_held_busy(&cmd->held)))
		synod_held_drop(&r->held, &cmd->held);
	if (synod_held_busy(&cmd->held) && req_held(r, rq))
		return;
	now = synod_repl_now();
	req = (++r->gen << 16) | rq->tag;
	cmd->trace_req = req;
	trace_synod_rq_queued(r->vol->name, req, op, sector, blk_rq_bytes(rq));
	if (READ_ONCE(test_stale_read) && req_op(rq) == REQ_OP_READ &&
	    !r->fenced && r->up && r->core.role != SYNOD_LEADER &&
	    req_valid(r, rq)) {
		cmd->req = 0;
		r->host->pass_down(r->vol, rq);	/* stale on purpose */
		return;
	}
	/* a failed core takes nothing more: execute fences it */
	if (r->fenced || !r->up || READ_ONCE(r->core_failed) ||
	    r->core.role != SYNOD_LEADER) {
		req_refused(r, rq, SYNOD_NOT_LEADER, 0);
		return;
	}
	if (!req_valid(r, rq)) {
		r->host->end(rq, BLK_STS_IOERR);
		return;
	}
	if (req_op(rq) == REQ_OP_WRITE) {
		st = write_prepare(r, rq, req, &r->subw[*n]);
		if (st == SYNOD_OK) {
			cmd->req = req;
			r->subrq[(*n)++] = rq;
			return;
		}
	} else {
		/* The core may complete it within the call (a lease). */
		cmd->req = req;
		SYNOD_CORE(r, st = synod_replica_read(&r->core, now, req,
						      sector, &r->out));
	}
	trace_synod_rq_proposed(req, op, r->core.next_slot, st);
	if (st != SYNOD_OK)
		req_refused(r, rq, st, 0);
}

/*
 * A submission pass from the disk's worker (blkdev.c): @list, the
 * requests queued since the last pass in the order they came.  The lock
 * is taken once (and dropped only to wait for room in the journal's next
 * group); writes go to the core in groups of group_writes and the
 * outputs of each group are carried out once, so that their records go
 * to the journal together (reads without a lease can end a group early
 * when they fill the outbox: make_room()).  The pass's end hands what
 * it queued to the journal's writer (synod_repl_unlock()).
 * Each request may be completed (and its tag reused and queued again)
 * as soon as it is dealt with: the next one is read first.
 */
void synod_repl_submit(struct synod_repl *r, struct llist_node *list)
{
	struct synod_rq *cmd, *next;

	mutex_lock(&r->lock);
	/* the payload store's sweep keeps what r->subw names (payload.h) */
	r->nsub = 0;
	synod_jq_reserve(r, SYNOD_JQ_RESERVE);
	llist_for_each_entry_safe(cmd, next, list, sub)
		submit_one(r, blk_mq_rq_from_pdu(cmd), &r->nsub);
	make_room(r, &r->nsub);
	submit_writes(r, &r->nsub);
	synod_repl_execute(r);	/* may complete them: not touched after */
	synod_repl_unlock(r);
}
