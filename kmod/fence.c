// SPDX-License-Identifier: GPL-2.0
/*
 * Fencing a replica, and telling a failed core assertion which replica
 * it belongs to.
 *
 * A fenced replica takes no input any more and fails every request: the
 * ones its core holds at once, later ones as they come.  It neither sends
 * nor answers, so the other replicas elect a leader among themselves.
 *
 * The core is pure and shared by every replica in the kernel; its
 * assertion macro (core/env.h) calls synod_core_assert_fail() without
 * knowing which replica it runs for.  The glue enters every call into a
 * core through SYNOD_CORE() (replica.h), which records the replica as this
 * CPU's current one with preemption off (the core never sleeps), so the
 * failure lands on that replica alone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/blk-mq.h>
#include <linux/percpu.h>
#include <linux/preempt.h>

#include "replica.h"

/* The replica whose core this CPU runs inside SYNOD_CORE(), or NULL. */
static DEFINE_PER_CPU(struct synod_repl *, core_cur);

/*
 * core/env.h: an assertion failed on this CPU; WARN_ONCE said which.
 * Calls into the core on a replica's behalf run inside that replica's
 * window: the consensus core, the journal's record encoder and its
 * recovery decisions (decode, scan end and fates; the journal's owner
 * hooks), synod_repl_sb_write() and _commit(), and the restores of
 * recovery, so the failure lands on that replica alone.  Outside any
 * window the core runs for no replica (the superblock of a volume being
 * created or attached, synod_block_range_ok()'s self-checks, which
 * cannot fail): nobody to fence, and the operation's own checks refuse
 * what it produced.
 */
void synod_core_assert_fail(void)
{
	struct synod_repl *r = this_cpu_read(core_cur);

	if (r)
		WRITE_ONCE(r->core_failed, true);
}

void synod_core_enter(struct synod_repl *r)
{
	preempt_disable();
	WARN_ON_ONCE(this_cpu_read(core_cur));	/* the core never nests */
	this_cpu_write(core_cur, r);
}

void synod_core_leave(struct synod_repl *r)
{
	WARN_ON_ONCE(this_cpu_read(core_cur) != r);
	this_cpu_write(core_cur, NULL);
	preempt_enable();
}

/*
 * A started request that the core holds (it has an id there, set and
 * cleared only under the replica's lock, which our caller holds): fail
 * it, since the core will not complete it any more.
 */
static bool fail_held(struct request *rq, void *data)
{
	struct synod_rq *cmd = blk_mq_rq_to_pdu(rq);
	struct synod_repl *r = data;

	if (cmd->req)
		r->host->end(rq, BLK_STS_IOERR);
	return true;
}

/*
 * Something that must not happen did (a journal write failed, a payload
 * the core refers to is gone, a core assertion fired): stop taking part,
 * so that this replica can neither acknowledge nor serve anything more.
 * The core is not asked to resign: it may be what failed.  Requests that
 * wait in the requeue list come back to synod_repl_submit(), which fails
 * them; kick them now rather than at their delay.  Journal records still
 * queued are dropped: nothing was acknowledged on them, and nothing will
 * be reported durable again (a journal write in flight ends on its own,
 * and its writer lets go of it).
 */
void synod_repl_fence(struct synod_repl *r, const char *why)
{
	lockdep_assert_held(&r->lock);
	if (r->fenced)
		return;
	r->fenced = true;
	smp_store_release(&r->fr.until, 0);	/* no read past the engine */
	synod_jq_drop(r);
	/* no piece is taken from now on: nothing may stay pinned */
	synod_repl_pieces_abandon(r);
	pr_err("%s: fenced: %s; I/O fails until the volume is attached again\n",
	       r->vol->name, why);
	blk_mq_tagset_busy_iter(&r->vol->tag_set, fail_held, r);
	blk_mq_kick_requeue_list(r->vol->disk->queue);
}
