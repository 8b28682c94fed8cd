// SPDX-License-Identifier: GPL-2.0
/*
 * The proposer: elections and phase 1 (with recovery of accepted values,
 * in chunks of SYNOD_P1_CHUNK slots), phase 2 with a bounded window of
 * batched slots, commit counting over flexible quorums.  Heartbeats,
 * leases and reads are lease.c's.  A new leader serves only once a no-op in its own ballot is
 * chosen: then every value chosen before it is in its log.
 */
#include "internal.h"

static u32 q2_needed(const struct synod_config *c)
{
	synod_assert(c->q2 >= 1);
	synod_assert(c->q2 <= SYNOD_NODES_MAX);
	if (MUTANT_QUORUM_OFF_BY_ONE && c->q2 > 1)
		return c->q2 - 1u;
	return c->q2;
}

static void fail_all(struct synod_replica *r, struct synod_out *out)
{
	u32 i, k;

	synod_assert(r->role == SYNOD_LEADER);
	for (i = 0; i < r->npend; i++) {
		const struct synod_wait_write *w =
			&r->pend[(r->pend_head + i) % SYNOD_PENDING_MAX];
		synod_out_done(out, w->req, SYNOD_OP_WRITE, SYNOD_FAILED,
			       0, w->block, false);
	}
	r->npend = 0;
	r->pend_head = 0;
	for (i = 0; i < SYNOD_LOG_MAX; i++) {
		struct synod_slot *sl = &r->log[i];

		if (!sl->owned)
			continue;
		for (k = 0; k < sl->e.nwrites; k++)
			synod_out_done(out, sl->req[k], SYNOD_OP_WRITE,
				       SYNOD_UNKNOWN, sl->e.slot,
				       sl->e.w[k].block, false);
		sl->owned = false;
		sl->bytes = 0;
	}
	/* our slots in flight are no longer ours to bound */
	r->win_bytes = 0;
	for (i = 0; i < r->nreads; i++)
		synod_out_done(out, r->reads[i].req, SYNOD_OP_READ,
			       SYNOD_FAILED, 0, r->reads[i].block, false);
	r->nreads = 0;
	synod_assert(r->npend == 0 && r->nreads == 0);
}

static void step_down(struct synod_replica *r, u64 now, struct synod_out *out)
{
	u32 i;

	synod_assert(r->role != SYNOD_FOLLOWER);
	if (r->role == SYNOD_LEADER) {
		/* what we knew leading bounds our forget from now on */
		r->all_chosen = synod_prop_voters_chosen(r);
		fail_all(r, out);
	}
	r->role = SYNOD_FOLLOWER;
	r->active = false;
	r->cfg_pending = false;
	r->leader = SYNOD_NODE_NONE;
	r->last_contact_ns = now;
	r->contact_run_ns = r->run_ns;
	r->election_due_ns = now + synod_election_timeout(r);
	for (i = 0; i < SYNOD_NODES_MAX; i++) {
		r->ack_time[i] = 0;
		r->ack_run[i] = 0;
		r->answer_ns[i] = 0;
		r->ack_round[i] = 0;
		r->peer_chosen[i] = 0;
		r->chosen_ns[i] = 0;
	}
	r->forced = 0;
	r->hb_round = 0;
	synod_assert(r->npend == 0 && r->nreads == 0);
}

/* Step down on request, as if a higher ballot had been seen. */
void synod_prop_resign(struct synod_replica *r, u64 now, struct synod_out *out)
{
	synod_assert(r->role != SYNOD_FOLLOWER);
	step_down(r, now, out);
	synod_assert(r->role == SYNOD_FOLLOWER);
}

/* Someone uses @ballot: if it beats ours, we are no longer in charge. */
void synod_prop_observe(struct synod_replica *r, u64 now, u64 ballot,
			struct synod_out *out)
{
	synod_assert(ballot != 0);
	if (ballot > r->ballot_seen)
		r->ballot_seen = ballot;
	if (r->role != SYNOD_FOLLOWER && ballot > r->ballot)
		step_down(r, now, out);
	synod_assert(r->role == SYNOD_FOLLOWER || r->ballot >= ballot);
}

static void send_prepares(struct synod_replica *r, u64 now,
			  struct synod_out *out)
{
	struct synod_msg *m;
	u32 v;

	synod_assert(r->role != SYNOD_FOLLOWER && !r->p1_done);
	synod_assert(r->p1_from > r->chosen_upto || r->p1_from >= 1);
	for (v = 0; v < SYNOD_NODES_MAX; v++) {
		if (v == r->p.self || !is_voter(r, v) ||
		    (r->p1_promised & node_bit(v)))
			continue;
		m = synod_out_msg(r, out, SYNOD_MSG_PREPARE, v, r->ballot);
		if (m)
			m->slot = r->p1_from;
	}
	r->p1_sent_ns = now;
}

static void start_chunk(struct synod_replica *r, u64 now, u64 from,
			struct synod_out *out)
{
	synod_assert(from == r->chosen_upto + 1);
	synod_assert(r->role != SYNOD_FOLLOWER);
	synod_p1_reset(r, from);
	send_prepares(r, now, out);
	synod_p1_self(r);
}

/* Our ballot for a campaign now: above every one promised or heard of. */
u64 synod_prop_next_ballot(const struct synod_replica *r)
{
	u64 round = synod_ballot_round(r->promised);

	if (synod_ballot_round(r->ballot_seen) > round)
		round = synod_ballot_round(r->ballot_seen);
	synod_assert(synod_ballot_make(round + 1, r->p.self) > r->promised);
	synod_assert(synod_ballot_make(round + 1, r->p.self) > r->ballot_seen);
	return synod_ballot_make(round + 1, r->p.self);
}

/*
 * Become a candidate with a ballot above every one we have heard of.
 * Reached from a pre-vote that q1 voters granted (prevote.c), or directly
 * from the administrator's promote (synod_replica_campaign()).
 */
void synod_prop_campaign(struct synod_replica *r, u64 now,
			 struct synod_out *out)
{
	u64 b;

	synod_assert(r->role != SYNOD_LEADER);
	synod_pv_cancel(r);
	r->election_due_ns = now + synod_election_timeout(r);
	if (!is_voter(r, r->p.self) || r->cfg.epoch < r->epoch_seen)
		return;		/* a learner, or behind a config change */
	b = synod_prop_next_ballot(r);
	if (!synod_acc_may_promise(r, now, b))
		return;
	r->role = SYNOD_CANDIDATE;
	r->ballot = b;
	r->promised = b;
	r->p1_seq = synod_out_promise(r, out);
	r->leader = SYNOD_NODE_NONE;
	r->stats.elections++;
	start_chunk(r, now, r->chosen_upto + 1, out);
	synod_assert(r->ballot == r->promised);
}

static void propose_at(struct synod_replica *r, u64 s,
		       const struct synod_entry *src, struct synod_out *out)
{
	struct synod_slot *sl = slot_at(r, s);

	synod_assert(r->role == SYNOD_LEADER && s > r->chosen_upto);
	synod_assert(!sl->owned && !sl->bytes);
	if (sl->e.slot == s && sl->faulty)
		r->nfaulty--;
	synod_memset(sl, 0, sizeof(*sl));
	sl->e = *src;
	sl->e.slot = s;
	sl->e.ballot = r->ballot;
	sl->e.flags = 0;
	synod_out_entry(r, out, sl);
	if (synod_ack_durable(r, sl->seq))
		sl->acks = node_bit(r->p.self);
	if (s > r->last_slot)
		r->last_slot = s;
	if (s >= r->next_slot)
		r->next_slot = s + 1;
	if (src->kind == SYNOD_ENTRY_CONFIG) {
		r->cfg_pending = true;
		r->cfg_slot = s;
		r->cfg_next = src->cfg;
	}
}

/*
 * The first wait before resending to @v (replica.h, retx_ns): twice its
 * heartbeat round trip, so that a queue that drains is not refilled with
 * copies, within [1, SYNOD_RETX_BACKOFF_MAX] retransmission periods.
 */
static u64 retx_base(const struct synod_replica *r, u32 v)
{
	u64 lo = r->p.retransmit_ns, hi = retx_max(r);
	u64 w = 2 * r->srtt_ns[v];

	synod_assert(v < SYNOD_NODES_MAX);
	synod_assert(lo > 0);
	return w < lo ? lo : w > hi ? hi : w;
}

/* A slot of our ballot that @v has not acked: phase 2a owes it to @v. */
static bool unacked(const struct synod_replica *r,
		    const struct synod_slot *sl, u32 v)
{
	return sl && sl->e.ballot == r->ballot && !(sl->acks & node_bit(v));
}

/*
 * Phase 2a to one peer: every slot in [lo, hi) it has not acked.  Returns
 * how many slots went out.
 */
static u32 send_accepts(struct synod_replica *r, u64 now, u32 to, u64 lo,
			u64 hi, struct synod_out *out)
{
	struct synod_msg *m;
	u64 s;

	synod_assert(hi - lo <= SYNOD_MSG_ENTRIES_MAX);
	synod_assert(r->role == SYNOD_LEADER);
	m = synod_out_msg(r, out, SYNOD_MSG_ACCEPT, to, r->ballot);
	if (!m)
		return 0;
	m->time = now;
	for (s = lo; s < hi; s++) {
		const struct synod_slot *sl = slot_get(r, s);

		if (unacked(r, sl, to))
			m->e[m->count++] = sl->e;
	}
	if (m->count == 0)
		out->nmsgs--;	/* nothing to say: take it back */
	return m->count;
}

/* Does @v owe us an ack for a slot of our ballot in [lo, hi)? */
static bool owes(const struct synod_replica *r, u32 v, u64 lo, u64 hi)
{
	u64 s;

	synod_assert(v < SYNOD_NODES_MAX);
	synod_assert(r->role == SYNOD_LEADER);
	for (s = lo; s < hi; s++)
		if (unacked(r, slot_get(r, s), v))
			return true;
	return false;
}

static void send_accepts_all(struct synod_replica *r, u64 now, u64 lo,
			     struct synod_out *out)
{
	u32 v, peers = peer_mask(r);

	synod_assert(!(peers & node_bit(r->p.self)));
	for (v = 0; v < SYNOD_NODES_MAX; v++) {
		if (!(peers & node_bit(v)))
			continue;
		/*
		 * A peer that owed nothing was not waited on: its wait
		 * starts with this send, not with its last idle tick.
		 */
		if (!owes(r, v, r->chosen_upto + 1, lo))
			r->retx_ns[v] = now;
		send_accepts(r, now, v, lo, r->next_slot, out);
	}
	synod_assert(r->next_slot >= lo);
}

static void become_leader(struct synod_replica *r, u64 now)
{
	u32 i;

	synod_assert(r->role == SYNOD_CANDIDATE);
	r->role = SYNOD_LEADER;
	r->leader = r->p.self;
	r->active = false;
	r->next_slot = r->chosen_upto + 1;
	r->hb_ns = 0;
	for (i = 0; i < SYNOD_NODES_MAX; i++) {
		r->retx_ns[i] = now;
		r->retx_rto_ns[i] = r->p.retransmit_ns;
		r->refused_ns[i] = 0;	/* a refusal of the last reign */
		r->forced = 0;
		r->gap_slot[i] = 0;
		r->gap_ns[i] = 0;
		r->gap_rto_ns[i] = r->p.retransmit_ns;
		r->srtt_ns[i] = 0;
		r->ack_time[i] = 0;
		r->ack_run[i] = 0;
		r->answer_ns[i] = 0;
		r->ack_round[i] = 0;
		r->peer_chosen[i] = 0;
		r->chosen_ns[i] = 0;
	}
	r->hb_round = 0;
	synod_assert(r->npend == 0 && r->nreads == 0);
	synod_assert(r->win_bytes == 0);	/* step_down() emptied it */
}

/*
 * A phase-1 quorum answered for this chunk: propose, in our ballot, the
 * highest-ballot value reported for each slot and a no-op for each gap;
 * after the last chunk add the no-op that marks our reign.
 */
static void finish_chunk(struct synod_replica *r, u64 now,
			 struct synod_out *out)
{
	struct synod_entry noop;
	u64 s, lo = r->chosen_upto + 1;

	if (r->p1_done || r->role == SYNOD_FOLLOWER ||
	    !synod_quorum_reached(&r->cfg, r->p1_promised, r->cfg.q1))
		return;
	if (!synod_log_make_room(r, r->p1_max + 1) ||
	    out->npersist + SYNOD_P1_CHUNK + 1 > SYNOD_OUT_PERSIST_MAX)
		return;		/* retried at the next tick */
	if (r->role == SYNOD_CANDIDATE)
		become_leader(r, now);
	r->p1_done = true;
	synod_memset(&noop, 0, sizeof(noop));
	noop.kind = SYNOD_ENTRY_NOOP;
	for (s = lo > r->p1_from ? lo : r->p1_from; s <= r->p1_max; s++) {
		const struct synod_entry *e = &r->recov[s - r->p1_from];

		if (e->slot == s && !MUTANT_NO_RECOVERY)
			propose_at(r, s, e, out);
		else
			propose_at(r, s, &noop, out);
	}
	if (!r->p1_more) {
		r->noop_slot = r->next_slot;
		propose_at(r, r->noop_slot, &noop, out);
	}
	send_accepts_all(r, now, lo, out);
	synod_assert(r->next_slot > r->chosen_upto);
	synod_assert(r->role == SYNOD_LEADER && r->p1_done);
}

void synod_prop_promise(struct synod_replica *r, u64 now,
			const struct synod_msg *m, struct synod_out *out)
{
	synod_assert(m->type == SYNOD_MSG_PROMISE);
	if (m->flags & SYNOD_MSGF_NACK) {
		if (!(m->flags & (SYNOD_MSGF_LEASE | SYNOD_MSGF_EPOCH)) &&
		    m->aux)
			synod_prop_observe(r, now, m->aux, out);
		return;
	}
	if (r->role == SYNOD_FOLLOWER || m->ballot != r->ballot ||
	    r->p1_done || m->slot != r->p1_from || !is_voter(r, m->from) ||
	    (r->p1_promised & node_bit(m->from)))
		return;
	if (m->flags & SYNOD_MSGF_TOO_FAR) {
		/* Chosen slots we lack were trimmed there: a leader this far
		 * behind cannot finish recovery, so it yields and catches up
		 * (a leader ignores catch-up, see synod_acc_catchup()). */
		if (r->role == SYNOD_LEADER)
			step_down(r, now, out);
		synod_send_fetch(r, now, m->from, out);
		return;
	}
	if (!synod_p1_take(r, m))
		return;
	synod_assert(r->p1_promised & node_bit(m->from));
	finish_chunk(r, now, out);
}

static void try_commit(struct synod_replica *r, struct synod_slot *sl)
{
	bool ok;

	synod_assert(r->role == SYNOD_LEADER);
	synod_assert(sl->e.ballot == r->ballot);
	if (sl->chosen)
		return;
	ok = synod_quorum_reached(&r->cfg, sl->acks, q2_needed(&r->cfg));
	/* Past an uncommitted config change, both configurations must agree. */
	if (ok && r->cfg_pending && sl->e.slot > r->cfg_slot)
		ok = synod_quorum_reached(&r->cfg_next, sl->acks,
					  q2_needed(&r->cfg_next));
	if (ok) {
		sl->chosen = true;
		r->stats.commits++;
	}
}

/*
 * @m acked past a slot its sender lacks (aux, synod_acc_flush()): links
 * keep order, so the ACCEPT of that slot was lost (a payload frame
 * refused for want of a buffer, an entry refused for want of journal
 * room), not only its acknowledgement.  Resend that slot, now: waiting
 * for the peer to fall silent meant waiting for ever while it acked
 * later slots, and by the time its FETCH came the slot was often shed,
 * which cost a state transfer.  Only the slot named, never the unacked
 * ones past it: the peer may hold those with their acknowledgements
 * lost (a leader that resent on missing acknowledgements sent 2.7 times
 * the data while a follower's send queue grew), and its next ACCEPTED
 * names its next hole.  The same hole goes again only after gap_rto_ns,
 * which doubles while the peer still names it.
 */
static void resend_gap(struct synod_replica *r, u64 now,
		       const struct synod_msg *m, struct synod_out *out)
{
	u64 hole = m->aux, max = retx_max(r);
	u32 v = m->from;

	synod_assert(v < SYNOD_NODES_MAX && v != r->p.self);
	synod_assert(r->role == SYNOD_LEADER && m->ballot == r->ballot);
	if (!hole || hole >= m->slot || hole < r->log_base ||
	    hole >= r->next_slot || !(peer_mask(r) & node_bit(v)) ||
	    !unacked(r, slot_get(r, hole), v) ||
	    out->nmsgs >= SYNOD_OUT_MSGS_MAX)
		return;		/* none, shed or older (FETCH), or no room */
	if (hole == r->gap_slot[v]) {
		if (now - r->gap_ns[v] < r->gap_rto_ns[v])
			return;	/* its copy may be on the way */
		r->gap_rto_ns[v] = r->gap_rto_ns[v] * 2 < max ?
				   r->gap_rto_ns[v] * 2 : max;
	} else {
		r->gap_rto_ns[v] = retx_base(r, v);
	}
	if (!send_accepts(r, now, v, hole, hole + 1, out))
		return;
	r->gap_slot[v] = hole;
	r->gap_ns[v] = now;
	r->stats.gap_resends++;
	synod_assert(r->gap_rto_ns[v] >= r->p.retransmit_ns);
}

void synod_prop_accepted(struct synod_replica *r, u64 now,
			 const struct synod_msg *m, struct synod_out *out)
{
	u64 s, lo, hi;

	synod_assert(m->type == SYNOD_MSG_ACCEPTED);
	if (m->flags & SYNOD_MSGF_NACK) {
		if (m->aux)
			synod_prop_observe(r, now, m->aux, out);
		return;
	}
	if (r->role != SYNOD_LEADER || m->ballot != r->ballot)
		return;
	r->ack_run[m->from] = r->run_ns;
	r->answer_ns[m->from] = now;
	/*
	 * Its chosen prefix as it acked (every message carries the
	 * sender's chosen_upto): under large writes heartbeat answers come
	 * seconds apart, and a stale peer_chosen made the glue's byte bound
	 * shed past a healthy follower, sending it to a state transfer.
	 * Only up within a ballot: a late ACCEPTED must not undo a newer
	 * one; the heartbeat answer may lower it (a restart lost some).
	 */
	synod_peer_chosen(r, m->from, m->commit, now, false);
	/* Chosen slots count too: a follower whose acks come second keeps
	 * up; it must not look silent nor show as matching nothing. */
	lo = m->slot > r->log_base ? m->slot : r->log_base;
	hi = m->slot_hi < r->next_slot ? m->slot_hi : r->next_slot - 1;
	synod_assert(hi < lo || hi - lo < SYNOD_LOG_MAX);
	for (s = lo; s <= hi; s++) {
		struct synod_slot *sl = slot_at(r, s);

		if (sl->e.slot != s || sl->e.ballot != r->ballot)
			continue;
		if (!(sl->acks & node_bit(m->from))) {
			/* progress: what it still owes is on its way */
			r->retx_ns[m->from] = now;
			r->retx_rto_ns[m->from] = retx_base(r, m->from);
		}
		sl->acks |= node_bit(m->from);
		try_commit(r, sl);
	}
	resend_gap(r, now, m, out);
	synod_assert(r->next_slot > r->chosen_upto);
	synod_assert(r->retx_ns[m->from] <= now);
}

/*
 * Resend @v what it has not acked once it has been silent for its current
 * wait (replica.h, retx_ns): a peer that acks is draining a queue, and
 * copies would only lengthen it.  The wait doubles while nothing comes
 * back, so a dead peer costs a resend every few periods, not every one.
 */
static void resend_silent(struct synod_replica *r, u64 now, u32 v,
			  struct synod_out *out)
{
	u64 max = retx_max(r);
	u32 n;

	synod_assert(r->retx_rto_ns[v] >= r->p.retransmit_ns);
	synod_assert(r->retx_ns[v] <= now);
	if (now - r->retx_ns[v] < r->retx_rto_ns[v] ||
	    out->nmsgs >= SYNOD_OUT_MSGS_MAX)
		return;		/* not due, or no room: the next tick */
	r->retx_ns[v] = now;
	r->forced &= ~node_bit(v);
	n = send_accepts(r, now, v, r->chosen_upto + 1, r->next_slot, out);
	if (!n)
		return;		/* nothing owed: no backoff */
	r->stats.resends += n;
	r->retx_rto_ns[v] = r->retx_rto_ns[v] * 2 < max ?
			    r->retx_rto_ns[v] * 2 : max;
}

void synod_prop_tick(struct synod_replica *r, u64 now, struct synod_out *out)
{
	u32 v, peers;

	synod_assert(now >= r->last_contact_ns || r->role != SYNOD_FOLLOWER);
	synod_assert(r->role <= SYNOD_LEADER);
	if (r->role != SYNOD_LEADER) {
		if (r->no_campaign) {	/* wait a full timeout once allowed */
			r->election_due_ns = now + r->p.election_ns;
			synod_pv_cancel(r);
		} else if (now >= r->election_due_ns) {
			/* A candidate that got no phase-1 quorum in time asks
			 * again, as a follower, before raising its ballot. */
			if (r->role == SYNOD_CANDIDATE)
				step_down(r, now, out);
			synod_pv_start(r, now, out);
		} else if (r->role == SYNOD_CANDIDATE &&
			   now - r->p1_sent_ns >= r->p.retransmit_ns) {
			send_prepares(r, now, out);
		} else if (r->pv_ballot &&
			   now - r->pv_sent_ns >= r->p.retransmit_ns) {
			synod_pv_send(r, now, out);
		}
		return;
	}
	if (!r->p1_done) {
		if (now - r->p1_sent_ns >= r->p.retransmit_ns)
			send_prepares(r, now, out);
		finish_chunk(r, now, out);
	}
	if (now - r->hb_ns >= r->p.heartbeat_ns || r->hb_ns == 0)
		synod_prop_heartbeat_now(r, now, out);
	peers = peer_mask(r);
	for (v = 0; v < SYNOD_NODES_MAX; v++)
		if (peers & node_bit(v))
			resend_silent(r, now, v, out);
}

void synod_prop_durable(struct synod_replica *r, u64 now,
			struct synod_out *out)
{
	u64 s;

	synod_assert(r->durable_seq <= r->persist_seq);
	synod_assert(r->role != SYNOD_LEADER || r->ballot == r->promised);
	if (r->role == SYNOD_FOLLOWER)
		return;
	if (!r->p1_done) {
		synod_p1_self(r);
		finish_chunk(r, now, out);
	}
	if (r->role != SYNOD_LEADER)
		return;
	for (s = r->chosen_upto + 1; s < r->next_slot; s++) {
		struct synod_slot *sl = slot_at(r, s);

		if (sl->e.slot != s || sl->e.ballot != r->ballot ||
		    sl->seq > r->durable_seq)
			continue;
		sl->acks |= node_bit(r->p.self);
		try_commit(r, sl);
	}
}

/*
 * Fill @e with the writes at the head of pend[] that the next slot takes:
 * up to SYNOD_BATCH_MAX, in order, while their bytes stay within
 * SYNOD_SLOT_BYTES and within what the byte window has left, so that
 * win_bytes never passes SYNOD_WINDOW_BYTES (a hard bound, which the
 * payload store can be sized by).  Returns their bytes.  @e takes none
 * only when the window is short of room for the first; an empty window
 * never is, as no write is longer than SYNOD_SLOT_BYTES
 * (synod_replica_writes()).
 */
static u32 pack_slot(const struct synod_replica *r, struct synod_entry *e)
{
	u64 room = SYNOD_WINDOW_BYTES - r->win_bytes;
	u32 bytes = 0, k;

	synod_assert(r->win_bytes <= SYNOD_WINDOW_BYTES);
	synod_assert(r->npend > 0);
	if (room > SYNOD_SLOT_BYTES)
		room = SYNOD_SLOT_BYTES;
	synod_memset(e, 0, sizeof(*e));
	e->kind = SYNOD_ENTRY_WRITE;
	for (k = 0; k < SYNOD_BATCH_MAX && k < r->npend; k++) {
		const struct synod_wait_write *w =
			&r->pend[(r->pend_head + k) % SYNOD_PENDING_MAX];
		/* the mutant: the slot's first write alone is counted */
		u32 len = MUTANT_WINDOW_BYTES_FIRST && k ? 0 : w->len;

		if (len > room - bytes)
			break;
		e->w[k].block = w->block;
		e->w[k].ref = w->ref;
		e->nwrites++;
		bytes += len;
	}
	synod_assert(bytes <= room && bytes <= SYNOD_SLOT_BYTES);
	synod_assert(e->nwrites > 0 || r->win_bytes > 0);
	return bytes;
}

/*
 * Form slots from waiting writes while the window has room: fewer than
 * SYNOD_WINDOW slots in flight, and room in the byte window for the
 * next slot's writes (pack_slot()).
 */
static void propose_writes(struct synod_replica *r, u64 now,
			   struct synod_out *out)
{
	struct synod_entry e;
	u64 lo = r->next_slot;
	u32 k, bytes;

	synod_assert(r->active && !r->cfg_pending);
	while (r->npend && r->next_slot < r->chosen_upto + 1 + SYNOD_WINDOW &&
	       out->npersist < SYNOD_OUT_PERSIST_MAX &&
	       synod_log_make_room(r, r->next_slot)) {
		struct synod_slot *sl;

		bytes = pack_slot(r, &e);
		if (!e.nwrites)
			break;	/* the byte window is full */
		sl = slot_at(r, r->next_slot);
		propose_at(r, r->next_slot, &e, out);
		for (k = 0; k < e.nwrites; k++) {
			sl->req[k] = r->pend[r->pend_head].req;
			r->pend_head = (r->pend_head + 1) % SYNOD_PENDING_MAX;
			r->npend--;
		}
		sl->owned = true;
		sl->bytes = bytes;
		r->win_bytes += bytes;
	}
	if (r->next_slot > lo)
		send_accepts_all(r, now, lo, out);
	synod_assert(r->next_slot <= r->chosen_upto + 1 + SYNOD_WINDOW ||
		     r->next_slot == lo);
	synod_assert(r->win_bytes <= SYNOD_WINDOW_BYTES);
}

/*
 * Called after every input while leader: move to the next phase-1 chunk,
 * become active once our no-op is chosen, then propose waiting writes.
 */
void synod_prop_propose(struct synod_replica *r, u64 now,
			struct synod_out *out)
{
	synod_assert(r->role == SYNOD_LEADER);
	if (!r->p1_done)
		return;
	if (!r->active) {
		if (r->p1_more && r->chosen_upto + 1 >= r->next_slot) {
			start_chunk(r, now, r->chosen_upto + 1, out);
			finish_chunk(r, now, out);
			return;
		}
		if (r->p1_more || r->chosen_upto < r->noop_slot)
			return;
		r->active = true;
	}
	if (!r->cfg_pending)
		propose_writes(r, now, out);
	synod_assert(r->next_slot <= r->chosen_upto + 1 + SYNOD_MSG_ENTRIES_MAX);
}

void synod_prop_slot_applied(struct synod_replica *r, struct synod_slot *sl,
			     struct synod_out *out)
{
	u32 k;

	synod_assert(sl->chosen);
	if (sl->owned) {
		synod_assert(r->role == SYNOD_LEADER);
		for (k = 0; k < sl->e.nwrites; k++)
			synod_out_done(out, sl->req[k], SYNOD_OP_WRITE, SYNOD_OK,
				       sl->e.slot, sl->e.w[k].block, false);
		sl->owned = false;
		sl->bytes = 0;	/* left the window when chosen */
	}
	if (r->role == SYNOD_LEADER && r->cfg_pending &&
	    sl->e.slot == r->cfg_slot)
		r->cfg_pending = false;
	if (r->role == SYNOD_LEADER && !is_voter(r, r->p.self))
		step_down(r, r->last_now, out);	/* we were removed */
}

/* Propose @next in the next slot; the caller checked the change. */
void synod_prop_config(struct synod_replica *r, u64 now,
		       const struct synod_config *next, struct synod_out *out)
{
	struct synod_entry e;
	u64 lo = r->next_slot;

	synod_assert(r->active && (MUTANT_CONFIG_UNSAFE || !r->cfg_pending));
	synod_assert(synod_config_change_check(&r->cfg, next) == 0);
	synod_memset(&e, 0, sizeof(e));
	e.kind = SYNOD_ENTRY_CONFIG;
	e.cfg = *next;
	propose_at(r, r->next_slot, &e, out);
	send_accepts_all(r, now, lo, out);
}
