// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-vote (Ongaro's thesis, section 9.6; etcd raft's PreVote), both
 * sides.  When a follower's election timer fires it does not campaign at
 * once: it first asks the voters whether they would promise the ballot it
 * means to use.  Answering changes nothing: no promise rises, persisted or
 * in memory, and no timer moves.  A voter says no for every reason it
 * would refuse that PREPARE (a ballot not above its promise, a stale
 * epoch, another leader's lease, its restart wait, a corrupt journal
 * record) and also while it has heard from a live leader other than the
 * asker within the election timeout, or is that leader itself.  Only when
 * q1 voters (the asker included) say yes does the follower campaign.
 *
 * Why: without it a replica cut off from the leader campaigns again and
 * again while away, each time promising itself a higher ballot; once back,
 * the leader's heartbeats meet that ballot and a healthy leader is deposed
 * for nothing.  With it, a replica that cannot reach q1 voters, or whose
 * voters still follow a live leader, never raises a ballot.  Safety never
 * depends on the pre-vote: phase 1 is safe whoever runs it, whenever.
 *
 * The administrator's "volume promote" (synod_replica_campaign()) skips
 * the pre-vote on purpose: its point is to take over from a live leader,
 * which the glue also asks to step down.  Acceptors still refuse it while
 * they owe the old leader its lease, so reads stay safe.
 */
#include "internal.h"

/*
 * A leader is live while a phase-2 quorum answered it (a heartbeat echo or
 * a slot ack: on a loaded link the echoes come late, the acks keep coming)
 * within an election timeout of its run time (replica.h: a stall of the
 * host is not silence of the peers).
 */
static bool lead_is_live(const struct synod_replica *r)
{
	u32 v, acks = node_bit(r->p.self);

	synod_assert(r->role == SYNOD_LEADER);
	for (v = 0; v < SYNOD_NODES_MAX; v++)
		if (r->ack_run[v] &&
		    r->run_ns - r->ack_run[v] < r->p.election_ns)
			acks |= node_bit(v);
	synod_assert(acks & node_bit(r->p.self));
	return synod_quorum_reached(&r->cfg, acks, r->cfg.q2);
}

/*
 * Would a live leader other than @asker lose by this pre-vote: are we
 * one, or did we hear from one within the election timeout of our run
 * time?  A leader asking for itself has stepped down, so its own
 * followers may say yes.
 */
static bool live_leader_heard(const struct synod_replica *r, u32 asker)
{
	synod_assert(asker != r->p.self);
	synod_assert(r->role <= SYNOD_LEADER);
	if (r->role == SYNOD_LEADER)
		return lead_is_live(r);
	return r->role == SYNOD_FOLLOWER && r->leader < SYNOD_NODES_MAX &&
	       r->leader != asker &&
	       r->run_ns - r->contact_run_ns < r->p.election_ns;
}

/* Voter: answer a PREVOTE; nothing here changes our state. */
void synod_pv_answer(struct synod_replica *r, u64 now,
		     const struct synod_msg *m, struct synod_out *out)
{
	struct synod_msg *a;
	u8 why = 0;

	synod_assert(m->type == SYNOD_MSG_PREVOTE);
	synod_assert(m->from != r->p.self);
	if (synod_ballot_node(m->ballot) != m->from || m->slot == 0)
		return;
	if (m->epoch < r->epoch_seen)
		why = SYNOD_MSGF_NACK | SYNOD_MSGF_EPOCH;
	else if (m->ballot <= r->promised)
		why = SYNOD_MSGF_NACK;
	else if (!MUTANT_PREVOTE_YES &&
		 !synod_acc_may_promise(r, now, m->ballot))
		why = SYNOD_MSGF_NACK | SYNOD_MSGF_LEASE;
	else if (!MUTANT_PREVOTE_YES && live_leader_heard(r, m->from))
		why = SYNOD_MSGF_NACK | SYNOD_MSGF_LEADER;
	a = synod_out_msg(r, out, SYNOD_MSG_PREVOTE_REPLY, m->from, m->ballot);
	if (!a)
		return;		/* the asker retransmits */
	a->slot = m->slot;
	a->flags = why;
	if (why)
		a->aux = r->promised;
}

/* Ask every voter that has not answered this pre-vote yet. */
void synod_pv_send(struct synod_replica *r, u64 now, struct synod_out *out)
{
	struct synod_msg *m;
	u32 v;

	synod_assert(r->role == SYNOD_FOLLOWER && r->pv_ballot != 0);
	synod_assert(r->pv_round != 0);
	for (v = 0; v < SYNOD_NODES_MAX; v++) {
		if (v == r->p.self || !is_voter(r, v) ||
		    (r->pv_answered & node_bit(v)))
			continue;
		m = synod_out_msg(r, out, SYNOD_MSG_PREVOTE, v, r->pv_ballot);
		if (m)
			m->slot = r->pv_round;
	}
	r->pv_sent_ns = now;
}

static void pv_count(struct synod_replica *r, u64 now, struct synod_out *out)
{
	synod_assert(r->role == SYNOD_FOLLOWER && r->pv_ballot != 0);
	synod_assert(r->pv_yes & node_bit(r->p.self));
	if (!synod_quorum_reached(&r->cfg, r->pv_yes, r->cfg.q1))
		return;
	synod_prop_campaign(r, now, out);	/* ends the pre-vote */
	synod_assert(r->pv_ballot == 0);
}

/*
 * The election timer of a follower fired: start a pre-vote for the ballot
 * a campaign would use now, counting our own yes.  A new round each time,
 * so that a late answer to an earlier one counts for nothing.
 */
void synod_pv_start(struct synod_replica *r, u64 now, struct synod_out *out)
{
	u64 b;

	synod_assert(r->role == SYNOD_FOLLOWER);
	r->election_due_ns = now + synod_election_timeout(r);
	synod_pv_cancel(r);
	if (!is_voter(r, r->p.self) || r->cfg.epoch < r->epoch_seen)
		return;		/* a learner, or behind a config change */
	b = synod_prop_next_ballot(r);
	if (!synod_acc_may_promise(r, now, b))
		return;		/* we would refuse it ourselves */
	if (MUTANT_NO_PREVOTE) {
		synod_prop_campaign(r, now, out);
		return;
	}
	r->stats.prevotes++;
	r->pv_ballot = b;
	r->pv_round++;
	r->pv_yes = node_bit(r->p.self);
	r->pv_answered = node_bit(r->p.self);
	pv_count(r, now, out);	/* q1 == 1: no one else to ask */
	if (r->pv_ballot)
		synod_pv_send(r, now, out);
	synod_assert(r->pv_ballot == 0 || r->pv_ballot > r->promised);
}

/* Asker: an answer to our pre-vote; with q1 yes, campaign. */
void synod_pv_reply(struct synod_replica *r, u64 now,
		    const struct synod_msg *m, struct synod_out *out)
{
	u32 bit = node_bit(m->from);

	synod_assert(m->type == SYNOD_MSG_PREVOTE_REPLY);
	synod_assert(m->from != r->p.self);
	if (r->role != SYNOD_FOLLOWER || !r->pv_ballot ||
	    m->ballot != r->pv_ballot || m->slot != r->pv_round ||
	    !is_voter(r, m->from) || (r->pv_answered & bit))
		return;
	r->pv_answered |= bit;
	if (m->flags & SYNOD_MSGF_NACK) {
		/* The ballot to beat next time; raises no promise. */
		if (m->aux)
			synod_prop_observe(r, now, m->aux, out);
		return;
	}
	r->pv_yes |= bit;
	pv_count(r, now, out);
}

/* A leader spoke, or we promised someone else: no campaign of ours. */
void synod_pv_cancel(struct synod_replica *r)
{
	synod_assert(r->pv_ballot == 0 || r->role == SYNOD_FOLLOWER);
	r->pv_ballot = 0;
	r->pv_yes = 0;
	r->pv_answered = 0;
	synod_assert(r->pv_ballot == 0);
}
