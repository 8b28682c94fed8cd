// SPDX-License-Identifier: GPL-2.0
/*
 * Forgetting the low end of the log: what a replica may let go of once
 * its data area holds it durably, keeping what a peer may still want
 * (synod_replica_forget()), and past the glue's byte bound even that
 * (synod_replica_shed(), large requests S4b).  make_room, which forgets
 * to make room at any time, stays with the log in replica.c.
 */
#include "internal.h"

/*
 * Forget the slots from log_base up to @upto (at most applied_durable),
 * stopping at the first faulty or owned one, which make_room may not
 * drop.  Returns how many were forgotten.
 */
static u64 forget_upto(struct synod_replica *r, u64 upto)
{
	u64 s, n;

	synod_assert(upto <= r->applied_durable);
	for (s = r->log_base; s <= upto; s++) {
		const struct synod_slot *sl = &r->log[s & (SYNOD_LOG_MAX - 1)];

		if (sl->faulty || sl->owned)
			break;
	}
	n = s - r->log_base;
	if (n && !synod_log_make_room(r, s - 1 + SYNOD_LOG_MAX))
		n = 0;
	synod_assert(r->log_base <= r->applied_durable + 1);
	return n;
}

/*
 * The newest slot that no peer which fetched from us in the last four
 * election timeouts still needs (it asked from the one after), ~0 if no
 * peer did: such a peer is catching up from our log.  Forget keeps its
 * slots; the glue's byte bound spares it a little more
 * (kmod/replica_ckpt.c).
 */
u64 synod_replica_fetch_spare(const struct synod_replica *r, u64 now)
{
	u64 spare = ~0ULL, s;
	u32 i;

	synod_assert(now >= r->last_now);
	/* 4 x election_ns below cannot wrap */
	synod_assert(r->p.election_ns >> 40 == 0);
	for (i = 0; i < SYNOD_NODES_MAX; i++) {
		if (!r->fetch_seen_ns[i] ||
		    now - r->fetch_seen_ns[i] >= 4 * r->p.election_ns)
			continue;
		s = r->fetch_seen_slot[i] ? r->fetch_seen_slot[i] - 1 : 0;
		if (s < spare)
			spare = s;
	}
	return spare;
}

/*
 * The highest slot synod_replica_forget() lets go of: applied_durable,
 * less what a peer may still want from us (its comment says which).
 */
static u64 forget_bound(const struct synod_replica *r, u64 now, bool leaving)
{
	u64 upto = r->applied_durable, spare;
	u32 i;

	synod_assert(now >= r->last_now);
	if (!leaving && r->role != SYNOD_LEADER && r->all_chosen < upto)
		upto = r->all_chosen;
	for (i = 0; i < SYNOD_NODES_MAX; i++)
		if (r->role == SYNOD_LEADER && i != r->p.self &&
		    is_voter(r, i) && r->peer_chosen[i] < upto)
			upto = r->peer_chosen[i];
	spare = synod_replica_fetch_spare(r, now);
	if (spare < upto)
		upto = spare;
	synod_assert(upto <= r->applied_durable);
	return upto;
}

/*
 * Forget the slots at the low end of the log that the data area holds
 * durably (applied and checkpointed here): make_room forgets those at
 * any time when it needs the room, so the protocol never relies on them;
 * a peer that asks for one is answered that it must catch up by state
 * transfer.  So keep what a peer may still want from us: on a leader,
 * every slot past the chosen prefix of some voter (a follower down for
 * a while catches up from our log when it comes back); on any other
 * replica, every slot past the one the leader last said every voter had
 * chosen (all_chosen: a voter cut off, perhaps the leader itself, comes
 * back fetching from us or campaigning, and its phase 1 asks us for
 * them), unless @leaving (going down: we serve nobody until we are up
 * again, and then we are behind); and anywhere, the slots from the one a
 * peer fetched in the last four election timeouts (it is catching up
 * from us).  The glue calls this when the
 * replica has been idle a while, so that an idle log names no payloads
 * and their buffers can go back to the host (kmod/payload.c).  Returns
 * how many slots were forgotten.
 */
u64 synod_replica_forget(struct synod_replica *r, u64 now, bool leaving)
{
	u64 n;

	synod_assert(r->log_base >= 1);
	synod_assert(now >= r->last_now && r->applied_durable <= r->applied);
	n = forget_upto(r, forget_bound(r, now, leaving));
	synod_replica_check(r);
	return n;
}

/*
 * The newest slot a phase-2 quorum of @c's voters has chosen, as this
 * leader knows: the q2-th highest of its own chosen prefix and each
 * voter's peer_chosen (which follows its ACCEPTED).  A voter not heard
 * within an election timeout counts 0: a dead one's last prefix makes
 * no quorum with the leader (shedding past the live follower by it sent
 * that one to a transfer while the leader had no other).
 */
static u64 quorum_chosen(const struct synod_replica *r,
			 const struct synod_config *c, u64 now)
{
	u64 v[SYNOD_NODES_MAX], x;
	u32 i, j, n = 0, q = c->q2;

	synod_assert(q >= 1 && q <= SYNOD_NODES_MAX);
	synod_assert(r->role == SYNOD_LEADER);
	for (i = 0; i < SYNOD_NODES_MAX; i++) {
		if (!(c->voters & node_bit(i)))
			continue;
		if (i == r->p.self)
			x = r->chosen_upto;
		else if (!r->answer_ns[i] ||
			 now - r->answer_ns[i] > r->p.election_ns)
			x = 0;		/* silent: maybe dead */
		else
			x = r->peer_chosen[i];
		/* insert in descending order */
		for (j = n++; j > 0 && v[j - 1] < x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	synod_assert(n >= q);	/* synod_replica_check(): q2 <= voters */
	return v[q - 1];
}

/*
 * @b lowered to the chosen prefix of every voter (of the configuration,
 * and of the next while a change is in flight) that keeps up: answered
 * within an election timeout, its prefix rose (or was level with ours)
 * within one too (chosen_ns), and it is behind by no more than can be
 * in flight (SYNOD_MSG_ENTRIES_MAX slots) and not past our log.  Such a
 * voter is only behind by what is on its way to it, often a hole being
 * resent (proposer.c, resend_gap()): shedding past it under 1 MiB
 * writes, as soon as the store filled, sent a follower that was up and
 * acking to a state transfer of the whole disk (engine.bats, 1 MiB
 * writes at queue depth 4).  So it keeps the log, and the store's
 * backpressure slows writes to its pace; one whose prefix stands still
 * for an election timeout (a hole never filled, a link that no longer
 * moves) or falls further behind is shed past, as a silent one is.  One
 * whose link just came up back (prefix unknown, 0) holds shedding back
 * until it answers, an election timeout at most.
 */
static u64 keeping_up(const struct synod_replica *r, u64 now, u64 b)
{
	u32 voters = r->cfg.voters, i;
	u64 x;

	synod_assert(r->role == SYNOD_LEADER);
	synod_assert(now >= r->last_now);
	if (r->cfg_pending)
		voters |= r->cfg_next.voters;
	for (i = 0; i < SYNOD_NODES_MAX; i++) {
		x = r->peer_chosen[i];
		if (i == r->p.self || !(voters & node_bit(i)) ||
		    !r->answer_ns[i] || !r->chosen_ns[i] ||
		    now - r->answer_ns[i] > r->p.election_ns ||
		    now - r->chosen_ns[i] > r->p.election_ns)
			continue;
		/* behind more than can be in flight, or past our log */
		if (x && (x + 1 < r->log_base ||
			  r->chosen_upto - x > SYNOD_MSG_ENTRIES_MAX))
			continue;
		if (x < b)
			b = x;
	}
	return b;
}

/*
 * On a leader, where shedding stops: what a phase-2 quorum has chosen
 * (quorum_chosen()), of the configuration in effect and, while a change
 * is in flight, of the next one too (try_commit() needs both then, and
 * a bound from the old one alone shed past the new voters, which had no
 * quorum once it applied).  So shedding only ever sends voters outside
 * a working quorum to a state transfer.  A quorum that lags (a slow
 * link to both followers under 1 MiB writes) keeps the log, the store
 * fills and writes are turned back: backpressure at the speed of the
 * quorum, as before the bound, where shedding past both sent them to
 * transfers and the leader lost its quorum (engine.bats, 1 MiB writes
 * over a slow link).  ~0 elsewhere: a follower's log is bounded by its
 * own room, and a leader's bound once it has the role.  The glue looks
 * again when it moves (a lagging voter's ACCEPTED), even with nothing
 * newly applied (kmod/replica_ckpt.c, synod_ckpt_retain()).
 */
u64 synod_replica_shed_bound(const struct synod_replica *r, u64 now)
{
	u64 b, next;

	synod_assert(now >= r->last_now);
	synod_assert(!r->cfg_pending || r->cfg_next.q2 >= 1);
	if (r->role != SYNOD_LEADER)
		return ~0ULL;
	b = quorum_chosen(r, &r->cfg, now);
	if (r->cfg_pending) {
		next = quorum_chosen(r, &r->cfg_next, now);
		if (next < b)
			b = next;
	}
	return keeping_up(r, now, b);
}

/*
 * Forget the slots up to @upto that the data area holds durably, even
 * those synod_replica_forget() keeps for a lagging voter, for the
 * voters the leader last said had chosen them (all_chosen) or for a
 * recent fetcher.  The glue calls this when the payloads the log names
 * past its checkpoint take more bytes than it may retain (the core
 * knows no payload sizes on a follower): a slow or lost peer then costs
 * it a state transfer (the slots are gone: a FETCH below log_base is
 * answered with a snapshot, a PROMISE asked below it with TOO_FAR)
 * instead of a store that fills and turns writes back; never past what
 * a phase-2 quorum has chosen (synod_replica_shed_bound()).  Safe for the
 * same reason forget is: make_room drops such slots whenever it needs
 * the room, so the protocol never relies on them.  Counts in
 * stats.shed the slots forgotten that forget would have kept.  Returns
 * how many slots were forgotten.
 */
u64 synod_replica_shed(struct synod_replica *r, u64 now, u64 upto)
{
	u64 keep, base = r->log_base, n, bound;

	synod_assert(base >= 1);
	synod_assert(now >= r->last_now && r->applied_durable <= r->applied);
	if (upto > r->applied_durable)
		upto = r->applied_durable;
	bound = synod_replica_shed_bound(r, now);
	if (upto > bound)
		upto = bound;
	keep = forget_bound(r, now, false);
	n = forget_upto(r, upto);
	if (r->log_base - 1 > keep)
		r->stats.shed += r->log_base - 1 -
				 (keep > base - 1 ? keep : base - 1);
	synod_assert(r->log_base == base + n);
	synod_assert(!n || r->log_base <= upto + 1);
	synod_replica_check(r);
	return n;
}
