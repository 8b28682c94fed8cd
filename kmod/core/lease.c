// SPDX-License-Identifier: GPL-2.0
/*
 * The leader's heartbeats and what rides on them: the commit index and
 * the slot every voter has chosen up to (which bounds what followers
 * forget), the answers that grant leases and confirm a read index, and
 * the reads served by lease or read-index.  Split from proposer.c
 * (elections, phase 1 and 2).
 */
#include "internal.h"

/*
 * The slot every voter has chosen up to, as far as we know: the least of
 * our own chosen prefix and each other voter's (peer_chosen, 0 until it
 * answers a heartbeat or acks in our ballot).  Heartbeats carry it, so that
 * followers keep what a voter that lags may still fetch.
 */
u64 synod_prop_voters_chosen(const struct synod_replica *r)
{
	u64 low = r->chosen_upto;
	u32 v;

	synod_assert(r->role == SYNOD_LEADER);
	for (v = 0; v < SYNOD_NODES_MAX; v++)
		if (v != r->p.self && is_voter(r, v) && r->peer_chosen[v] < low)
			low = r->peer_chosen[v];
	synod_assert(low <= r->chosen_upto);
	return low;
}

void synod_prop_hb_ack(struct synod_replica *r, u64 now,
		       const struct synod_msg *m, struct synod_out *out)
{
	u64 rtt;

	synod_assert(m->type == SYNOD_MSG_HEARTBEAT_ACK);
	if (m->flags & SYNOD_MSGF_NACK) {
		if (m->aux)
			synod_prop_observe(r, now, m->aux, out);
		return;
	}
	if (r->role != SYNOD_LEADER || m->ballot != r->ballot ||
	    m->time > now)
		return;
	r->ack_run[m->from] = r->run_ns;
	r->answer_ns[m->from] = now;
	rtt = now - m->time;
	r->srtt_ns[m->from] = r->srtt_ns[m->from] ?
		(7 * r->srtt_ns[m->from] + rtt) >> 3 : rtt;
	if (m->time > r->ack_time[m->from])
		r->ack_time[m->from] = m->time;
	if (m->slot > r->ack_round[m->from] && m->slot <= r->hb_round)
		r->ack_round[m->from] = m->slot;
	/* its chosen prefix now (less after a restart that lost some) */
	synod_peer_chosen(r, m->from, m->commit, now, true);
	synod_assert(r->ack_time[m->from] <= now);
}

static void send_heartbeats(struct synod_replica *r, u64 now,
			    struct synod_out *out)
{
	struct synod_msg *m;
	u32 v, peers = peer_mask(r);
	u64 low = synod_prop_voters_chosen(r);

	synod_assert(r->role == SYNOD_LEADER);
	r->hb_round++;
	for (v = 0; v < SYNOD_NODES_MAX; v++) {
		if (!(peers & node_bit(v)))
			continue;
		m = synod_out_msg(r, out, SYNOD_MSG_HEARTBEAT, v, r->ballot);
		if (m) {
			m->time = now;
			m->slot = r->hb_round;
			m->aux = low;
		}
	}
	r->hb_ns = now;
	synod_assert(r->hb_ns == now);
}

/* Peers that answered heartbeat round @round or later, and ourselves. */
static u32 acks_since(const struct synod_replica *r, u64 round)
{
	u32 v, acks = node_bit(r->p.self);

	synod_assert(round >= 1);
	for (v = 0; v < SYNOD_NODES_MAX; v++)
		if (r->ack_round[v] >= round)
			acks |= node_bit(v);
	synod_assert(acks & node_bit(r->p.self));
	return acks;
}

/*
 * The lease holds while a phase-2 quorum (which meets every phase-1
 * quorum) granted it within lease_hold_ns of our clock: no other leader
 * can have finished phase 1 since.  See quorum.c for the derivation.
 */
bool synod_replica_lease_valid(const struct synod_replica *r, u64 now)
{
	u32 v, acks;

	synod_assert(r->lease_hold_ns <= r->p.lease_ns);
	if (!r->p.leases || r->role != SYNOD_LEADER || !r->active ||
	    r->lease_hold_ns == 0)
		return false;
	acks = node_bit(r->p.self);
	for (v = 0; v < SYNOD_NODES_MAX; v++)
		if (r->ack_time[v] && now - r->ack_time[v] < r->lease_hold_ns)
			acks |= node_bit(v);
	synod_assert(acks & node_bit(r->p.self));
	return synod_quorum_reached(&r->cfg, acks, r->cfg.q2);
}

/*
 * Until when (our clock) may the glue serve a read from the data area
 * without stepping us (its fast path, kmod/fastread.c)?  0: not at all.
 * The lease must hold (synod_replica_lease_valid()) for every instant
 * before the answer with nothing heard meanwhile, so the answer is the
 * latest expiry E such that the voters whose grant outlives E, and we,
 * are a phase-2 quorum: at any earlier instant those still hold it.
 * Capped where the next input would take the gap since this one for a
 * clock jump (begin(): the lease is dropped then), so that a stall of
 * the host ends the fast path as it ends the lease.  Only once our
 * no-op's slot and everything before it has been handed to the glue to
 * apply: writes chosen under earlier leaders, which may have completed
 * there, are in the glue's hands then, and the glue serves a read only
 * where no write it was handed and has not landed covers the read's
 * blocks; our own writes complete when applied (synod_prop_slot_applied()),
 * so they are in its hands before they complete.
 */
u64 synod_replica_lease_until(const struct synod_replica *r)
{
	u64 best = 0, c, hold = r->lease_hold_ns;
	u32 k, v, acks;

	synod_assert(hold <= r->p.lease_ns);
	if (!r->p.leases || r->role != SYNOD_LEADER || !r->active ||
	    hold == 0 || r->applied < r->noop_slot)
		return 0;
	if (synod_quorum_reached(&r->cfg, node_bit(r->p.self), r->cfg.q2))
		best = ~0ull;		/* our own vote holds it (q2 1) */
	for (k = 0; k < SYNOD_NODES_MAX && best != ~0ull; k++) {
		if (k == r->p.self || !r->ack_time[k])
			continue;
		c = r->ack_time[k] + hold;
		if (c <= best)
			continue;
		acks = node_bit(r->p.self);
		for (v = 0; v < SYNOD_NODES_MAX; v++)
			if (r->ack_time[v] && r->ack_time[v] + hold >=
			    (MUTANT_LEASE_UNTIL_MAX ? 0 : c))
				acks |= node_bit(v);
		if (synod_quorum_reached(&r->cfg, acks, r->cfg.q2))
			best = c;
	}
	/* the lease holds now exactly when some quorum's grants outlive now */
	synod_assert(MUTANT_LEASE_UNTIL_MAX ||
		     (best > r->last_now) ==
		     synod_replica_lease_valid(r, r->last_now));
	if (best <= r->last_now)
		return 0;
	c = r->last_now + r->p.jump_ns + 1;
	return best < c ? best : c;
}

/* Serve waiting reads whose leadership check and apply point are met. */
void synod_prop_reads(struct synod_replica *r, u64 now, struct synod_out *out)
{
	u32 i, n = 0;
	bool lease;

	synod_assert(r->role == SYNOD_LEADER);
	if (!r->active)
		return;
	lease = synod_replica_lease_valid(r, now);
	for (i = 0; i < r->nreads; i++) {
		struct synod_wait_read *rd = &r->reads[i];
		bool confirmed;

		if (rd->index == 0)
			rd->index = r->chosen_upto;
		confirmed = MUTANT_READ_NO_INDEX ||
			    synod_quorum_reached(&r->cfg,
						 acks_since(r, rd->round),
						 r->cfg.q2);
		if ((MUTANT_READ_UNLANDED ? r->applied : r->landed) >=
		    rd->index && (confirmed || lease)) {
			synod_out_done(out, rd->req, SYNOD_OP_READ, SYNOD_OK,
				       0, rd->block, !confirmed);
			if (confirmed)
				r->stats.index_reads++;
			else
				r->stats.lease_reads++;
			continue;
		}
		r->reads[n++] = *rd;
	}
	r->nreads = n;
	synod_assert(r->nreads <= SYNOD_READS_MAX);
}

void synod_prop_heartbeat_now(struct synod_replica *r, u64 now,
			      struct synod_out *out)
{
	u64 round = r->hb_round;

	synod_assert(r->role == SYNOD_LEADER);
	send_heartbeats(r, now, out);
	synod_assert(r->hb_round == round + 1);
}
