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
 * One entry per request held this way, so the table has a slot per tag;
 * the request keeps its entry's index (synod_rq.held).  Under r->lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "replica.h"

/*
 * Hold @cmd's write of unknown outcome, proposed in @slot under its
 * ref.  False when it cannot be held (no slot named, table full): the
 * caller fails the request.
 */
bool synod_held_add(struct synod_repl *r, struct synod_rq *cmd, u64 slot)
{
	struct synod_held *h;
	u32 i;

	lockdep_assert_held(&r->lock);
	if (WARN_ON_ONCE(cmd->held || !cmd->ref || !slot))
		return false;
	for (i = 0; i < ARRAY_SIZE(r->held); i++) {
		h = &r->held[i];
		if (h->state != SYNOD_HELD_FREE)
			continue;
		h->ref = cmd->ref;
		h->slot = slot;
		h->state = SYNOD_HELD_WAIT;
		cmd->held = i + 1;
		return true;
	}
	WARN_ON_ONCE(1);	/* one entry per tag: cannot be full */
	return false;
}

/*
 * @e, a chosen entry, is being applied: held writes proposed in its slot
 * learn their outcome.  Called before r->applied moves past @e.
 */
void synod_held_applied(struct synod_repl *r, const struct synod_entry *e)
{
	struct synod_held *h;
	u32 i, k;

	lockdep_assert_held(&r->lock);
	for (i = 0; i < ARRAY_SIZE(r->held); i++) {
		h = &r->held[i];
		if (h->state != SYNOD_HELD_WAIT || h->slot != e->slot)
			continue;
		h->state = SYNOD_HELD_NOT_CHOSEN;
		if (e->kind != SYNOD_ENTRY_WRITE)
			continue;
		for (k = 0; k < e->nwrites && k < SYNOD_BATCH_MAX; k++)
			if (e->w[k].ref == h->ref)
				h->state = SYNOD_HELD_CHOSEN;
	}
}

/*
 * What became of @cmd's held write (enum synod_held_state): WAIT while
 * its slot is still ahead of what this replica applied, then CHOSEN,
 * NOT_CHOSEN or LOST (the slot was skipped), and the entry is freed.
 */
int synod_held_take(struct synod_repl *r, struct synod_rq *cmd)
{
	struct synod_held *h;
	int st;

	lockdep_assert_held(&r->lock);
	if (WARN_ON_ONCE(!cmd->held || cmd->held > ARRAY_SIZE(r->held)))
		return SYNOD_HELD_LOST;
	h = &r->held[cmd->held - 1];
	st = h->state;
	if (st == SYNOD_HELD_WAIT && r->applied < h->slot)
		return st;
	if (st == SYNOD_HELD_WAIT)
		st = SYNOD_HELD_LOST;
	h->state = SYNOD_HELD_FREE;
	cmd->held = 0;
	return st;
}

/* Free @cmd's entry, if any: the request ends some other way. */
void synod_held_drop(struct synod_repl *r, struct synod_rq *cmd)
{
	lockdep_assert_held(&r->lock);
	if (!cmd->held || WARN_ON_ONCE(cmd->held > ARRAY_SIZE(r->held)))
		return;
	r->held[cmd->held - 1].state = SYNOD_HELD_FREE;
	cmd->held = 0;
}
