// SPDX-License-Identifier: GPL-2.0
/*
 * Restore at attach: what the glue read back from its superblock and its
 * journal goes into a fresh replica, before its first step.  Promise and
 * checkpoint first, then every journal record in order; damaged records
 * make the replica refuse phase 1 until the slots they hid are learned
 * chosen (protocol-aware recovery).  Nothing here runs once the replica
 * has persisted anything of its own (persist_seq == 0 throughout).
 */
#include "internal.h"

void synod_replica_restore_promise(struct synod_replica *r, u64 ballot)
{
	synod_assert(r->role == SYNOD_FOLLOWER);
	synod_assert(r->persist_seq == 0);
	if (ballot > r->promised && !MUTANT_PROMISE_NOT_PERSISTED)
		r->promised = ballot;
}

void synod_replica_restore_applied(struct synod_replica *r, u64 slot,
				   const struct synod_config *cfg)
{
	synod_assert(r->persist_seq == 0 && r->last_slot == 0);
	synod_assert(!cfg || synod_config_check(cfg) == 0);
	/* no forget bound yet: commit_hint may start anywhere below */
	synod_assert(r->all_chosen == 0);
	r->chosen_upto = slot;
	r->applied = slot;
	r->landed = slot;
	r->applied_durable = slot;
	r->commit_hint = slot;
	r->last_slot = slot;
	r->log_base = slot + 1;
	if (cfg)
		r->cfg = *cfg;
	r->cfg_durable = r->cfg;
}

/*
 * Room in the ring for a restored record of slot @s > chosen_upto.  A glue
 * that reports as applied only what a checkpoint made durable (see
 * synod_replica_applied()) never journals a slot past the restored
 * checkpoint + SYNOD_LOG_MAX, as acceptance needed room then too.  A
 * journal written otherwise (by an older module) can: then we no longer
 * know what we accepted up to @s, exactly as for a corrupt record, and
 * refuse phase 1 until we have learned the slots up to @s as chosen.
 */
static bool restore_room(struct synod_replica *r, u64 s)
{
	synod_assert(s > r->chosen_upto);
	if (synod_log_make_room(r, s))
		return true;
	/* Below the ring is impossible: it starts right after chosen_upto. */
	synod_assert(s >= r->log_base);
	if (!r->lost_slot)
		r->nfaulty++;
	if (s > r->lost_slot)
		r->lost_slot = s;
	return false;
}

/*
 * Recovery found a damaged record in the middle of the journal whose slot
 * cannot be read either: we accepted something in some slot and no longer
 * know which.  It can only lie in the window a restored checkpoint allows
 * (checkpoint + SYNOD_LOG_MAX, see restore_room()), so treat every slot of
 * that window as lost: no phase-1 answer until all are learned chosen.
 * Conservative (a quiet cluster may leave us unable to promise for a
 * while), but an acknowledged vote is never silently dropped.
 */
void synod_replica_restore_unknown(struct synod_replica *r)
{
	u64 hi = r->applied_durable + SYNOD_LOG_MAX;

	synod_assert(r->persist_seq == 0);
	synod_assert(hi > r->chosen_upto);
	if (!r->lost_slot)
		r->nfaulty++;
	if (hi > r->lost_slot)
		r->lost_slot = hi;
	synod_assert(r->lost_slot > r->chosen_upto && r->nfaulty > 0);
}

/* Replay one journal record; later records of a slot replace earlier. */
void synod_replica_restore_entry(struct synod_replica *r,
				 const struct synod_entry *e)
{
	struct synod_slot *sl;

	synod_assert(e->slot != 0 && e->kind >= SYNOD_ENTRY_NOOP);
	synod_assert(r->persist_seq == 0);
	if (e->slot <= r->chosen_upto || !restore_room(r, e->slot))
		return;
	sl = slot_at(r, e->slot);
	if (sl->e.slot == e->slot && sl->faulty)
		r->nfaulty--;
	synod_memset(sl, 0, sizeof(*sl));
	sl->e = *e;
	sl->chosen = (e->flags & SYNOD_ENTF_CHOSEN) != 0;
	if (e->slot > r->last_slot)
		r->last_slot = e->slot;
}

/*
 * Recovery found a checksum failure in the middle of the journal at @slot:
 * we accepted something there and no longer know what.  Until a peer
 * tells us (catch-up) or we accept it anew, we must not promise, or a new
 * leader could miss a chosen value (protocol-aware recovery, FAST'18).
 */
void synod_replica_restore_corrupt(struct synod_replica *r, u64 slot)
{
	struct synod_slot *sl;

	synod_assert(slot != 0);
	synod_assert(r->persist_seq == 0);
	if (slot <= r->chosen_upto || !restore_room(r, slot))
		return;
	sl = slot_at(r, slot);
	if (sl->e.slot == slot && sl->faulty)
		return;
	synod_memset(sl, 0, sizeof(*sl));
	sl->e.slot = slot;
	sl->e.kind = SYNOD_ENTRY_NOOP;
	sl->faulty = true;
	r->nfaulty++;
	if (slot > r->last_slot)
		r->last_slot = slot;
}
