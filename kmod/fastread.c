// SPDX-License-Identifier: GPL-2.0
/*
 * Reads on the leader past the engine.  Under a valid lease the core
 * serves a read at once, but only after the submission work has taken
 * the replica's lock behind every write of the pass and stepped the
 * core: reads waited for writes they do not touch, and one lock held
 * them all in a row.  Here a read is sent to the data area from the
 * disk's dispatch (blkdev.c, through the volume's worker like a single
 * replica's) when two things hold, each checked without the lock:
 *
 * - the lease: the engine publishes, each time it lets go of the lock,
 *   until when the lease holds with nothing heard meanwhile
 *   (synod_replica_lease_until(): a leader, active, everything up to its
 *   no-op handed to apply, capped one clock jump past its last input).
 *   Not raised while the core's outputs wait to be carried out (a run of
 *   frames leaves them for its end): their applies are not counted below
 *   yet.  The simulator models this (tests/sim/client.c, fast_read()) and
 *   found that case; its mutants LEASE_UNTIL_MAX and FASTREAD_UNLANDED
 *   show its checkers see the two ways to get this wrong;
 *
 * - no write over the read's blocks that the engine handed to apply has
 *   yet to end: a write completes when its slot is chosen and applied
 *   (handed over), before its data-area write ends.  Counted per region
 *   of the data area from the hand-over (synod_apply_entry()) to the
 *   bio's end (aw_ended()); a write that failed is never uncounted (the
 *   replica fences, and its region keeps going through the engine).
 *
 * Writes chosen under an earlier leader, which may have completed there,
 * are handed to apply before this leader's no-op, so before any lease
 * is published.  Everything else goes through the engine as before:
 * reads with no lease (read-index), over a write in flight, or outside
 * the data area (refused there with the reason).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "replica.h"
#include "fastread.h"

/* On by default; off sends every read through the engine (a fallback). */
static bool fast_reads = true;
module_param(fast_reads, bool, 0644);
MODULE_PARM_DESC(fast_reads,
		 "serve leader reads under a lease without the replica's lock (default 1)");

static atomic_t *counter(struct synod_fastread *fr, u64 region)
{
	return &fr->busy[region & (SYNOD_FASTREAD_COUNTERS - 1)];
}

/*
 * The regions [*first, *last] that sectors [@sector, +@nsect) touch, at
 * most one of each counter.  @nsect is not 0.
 */
static void regions(u64 sector, u32 nsect, u64 *first, u64 *last)
{
	*first = sector >> SYNOD_FASTREAD_REGION_SHIFT;
	*last = (sector + nsect - 1) >> SYNOD_FASTREAD_REGION_SHIFT;
	if (*last - *first >= SYNOD_FASTREAD_COUNTERS)
		*last = *first + SYNOD_FASTREAD_COUNTERS - 1;
}

/*
 * Tell readers until when the lease holds, as the replica's lock is let
 * go (__synod_repl_release()): 0 where reads must go through the engine.
 * A value once published stays sound with time (a lease is a promise the
 * other replicas keep by the clock), so while outputs wait it may only
 * go down.  Release: the counts of the applies handed over before it are
 * seen by whoever sees it.
 */
void synod_fastread_publish(struct synod_repl *r)
{
	const struct synod_out *o = &r->out;
	u64 was = READ_ONCE(r->fr.until), until = 0;

	lockdep_assert_held(&r->lock);
	if (READ_ONCE(fast_reads) && r->up && !r->fenced &&
	    !READ_ONCE(r->core_failed) && !synod_repl_resyncing(r))
		SYNOD_CORE(r, until = synod_replica_lease_until(&r->core));
	if (READ_ONCE(r->core_failed))
		until = 0;
	if (o->napply || o->ndone || o->npersist || o->nmsgs)
		until = min(until, was);
	if (until == was)
		return;
	/* pairs with synod_fastread_ok()'s acquire: counts before the lease */
	smp_store_release(&r->fr.until, until);
}

/*
 * A write over sectors [@sector, +@nsect) was handed to apply: reads
 * over it go through the engine until its bio ends.  Under the lock,
 * before any request it completes can end (full barrier after).
 */
void synod_fastread_hold(struct synod_fastread *fr, u64 sector, u32 nsect)
{
	u64 first, last, i;

	if (WARN_ON_ONCE(!nsect))
		return;
	regions(sector, nsect, &first, &last);
	for (i = first; i <= last; i++)
		atomic_inc(counter(fr, i));
	/* the counts are visible before any completion this step makes */
	smp_mb__after_atomic();
}

/*
 * That write's bio ended well: its data is what a read of the backing
 * device returns now.  Any context (a bio's end).
 */
void synod_fastread_put(struct synod_fastread *fr, u64 sector, u32 nsect)
{
	u64 first, last, i;

	if (WARN_ON_ONCE(!nsect))
		return;
	regions(sector, nsect, &first, &last);
	/* the bio's end (its status read) before a reader sees the drop */
	smp_mb__before_atomic();
	for (i = first; i <= last; i++)
		WARN_ON_ONCE(atomic_dec_return(counter(fr, i)) < 0);
}

/*
 * Nothing is in flight or queued to apply (a restore, a state transfer's
 * jump): counts left by writes that failed or were dropped go.
 */
void synod_fastread_reset(struct synod_fastread *fr)
{
	u32 k;

	for (k = 0; k < SYNOD_FASTREAD_COUNTERS; k++)
		atomic_set(&fr->busy[k], 0);
}

/*
 * May a read of sectors [@sector, +@nsect) go to the data area now,
 * past the engine?  From the disk's dispatch, no lock held.  Counted:
 * reads served so (*@nth: which one this is), and reads under the lease
 * sent in for a write.
 */
bool synod_fastread_ok(struct synod_repl *r, u64 sector, u32 nsect,
		       u64 *nth)
{
	struct synod_fastread *fr = &r->fr;
	u64 first, last, i, until;

	/* pairs with synod_fastread_publish()'s release */
	until = smp_load_acquire(&fr->until);

	if (!until || ktime_get_raw_ns() >= until)
		return false;
	/* the engine refuses these, with the reason */
	if (!nsect || !synod_block_range_ok(sector, nsect,
					    synod_repl_sectors(r)))
		return false;
	regions(sector, nsect, &first, &last);
	for (i = first; i <= last; i++) {
		if (atomic_read(counter(fr, i))) {
			atomic64_inc(&fr->busy_reads);
			return false;
		}
	}
	*nth = atomic64_inc_return(&fr->reads);
	return true;
}
