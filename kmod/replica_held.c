// SPDX-License-Identifier: GPL-2.0
/*
 * Writes of unknown outcome, held (--on-no-quorum suspend) until their
 * outcome is known.  A leader that loses its leadership with a write in
 * flight cannot know whether the write was chosen: a quorum may have
 * accepted it, and the next leader then recovers and applies it.
 * Proposing the same data again under a new ref would apply it twice,
 * the second time over whatever other writers put there in between (a
 * failback would land the old file system's block on the new one's data).
 *
 * But a proposal can only ever be chosen in the slot it was proposed in
 * (Paxos recovers values per slot), and every replica applies every slot
 * in order.  So the held write watches its slot: when this replica
 * applies it, the write was chosen (the entry names the write's ref: the
 * request completes) or it never will be (another value: the write is
 * proposed again, certainly for the first time).  A replica that skips
 * the slot (a state transfer jumps past it) cannot tell: the request
 * fails with EIO, as an unknown outcome does under --on-no-quorum error.
 *
 * The entry lives in the request (synod_rq.held), linked into the
 * replica's set while held, so the set is as large as the requests in
 * flight, whatever the scheduler allows.  The caller holds r->lock.
 */
#include <linux/bug.h>

#include "replica_held.h"

void synod_held_init(struct synod_held_set *set)
{
	INIT_LIST_HEAD(&set->list);
	set->waiting = 0;
}

/*
 * Hold @h, a write of unknown outcome proposed in @slot under @ref, on a
 * replica that applied every slot up to @applied.  False when it cannot
 * be held and its outcome stays unknown: no slot named, already held, or
 * its slot already applied (the engine registers an outcome before it
 * applies more, so that would be a bug).
 */
bool synod_held_add(struct synod_held_set *set, struct synod_held *h,
		    u64 ref, u64 slot, u64 applied)
{
	if (WARN_ON_ONCE(synod_held_busy(h) || !ref || !slot ||
			 slot <= applied))
		return false;
	h->ref = ref;
	h->slot = slot;
	h->state = SYNOD_HELD_WAIT;
	list_add_tail(&h->node, &set->list);
	set->waiting++;
	return true;
}

/*
 * @e, a chosen entry, is being applied: held writes proposed in its slot
 * learn their outcome.  Called before the applied index moves past @e.
 */
void synod_held_applied(struct synod_held_set *set,
			const struct synod_entry *e)
{
	struct synod_held *h;
	u32 k;

	if (!set->waiting)
		return;
	list_for_each_entry(h, &set->list, node) {
		if (h->state != SYNOD_HELD_WAIT || h->slot != e->slot)
			continue;
		h->state = SYNOD_HELD_NOT_CHOSEN;
		set->waiting--;
		if (e->kind != SYNOD_ENTRY_WRITE)
			continue;
		for (k = 0; k < e->nwrites && k < SYNOD_BATCH_MAX; k++)
			if (e->w[k].ref == h->ref)
				h->state = SYNOD_HELD_CHOSEN;
	}
}

/*
 * What became of @h (enum synod_held_state) on a replica that applied
 * every slot up to @applied: WAIT while its slot is still ahead, then
 * CHOSEN, NOT_CHOSEN or LOST (the slot was skipped, never applied
 * here), and @h is no longer held.
 */
int synod_held_take(struct synod_held_set *set, struct synod_held *h,
		    u64 applied)
{
	int st = h->state;

	if (WARN_ON_ONCE(!synod_held_busy(h)))
		return SYNOD_HELD_LOST;
	if (st == SYNOD_HELD_WAIT && applied < h->slot)
		return st;
	if (st == SYNOD_HELD_WAIT)
		st = SYNOD_HELD_LOST;
	synod_held_drop(set, h);
	return st;
}

/* Stop holding @h, whatever its state: its request ends. */
void synod_held_drop(struct synod_held_set *set, struct synod_held *h)
{
	if (!synod_held_busy(h))
		return;
	if (h->state == SYNOD_HELD_WAIT)
		set->waiting--;
	list_del_init(&h->node);
	h->state = SYNOD_HELD_FREE;
}
