// SPDX-License-Identifier: GPL-2.0
/*
 * The acceptor: promises (phase 1b), accepts (phase 2b), lease grants and
 * the catch-up service.  Every reply that asserts durable state (a promise,
 * an accept) waits in promq/ackq until the journal record behind it is
 * durable; synod_acc_flush() sends what has become so.
 */
#include "internal.h"

/* A refusal tells the sender the ballot it has to beat. */
static void nack(struct synod_replica *r, u8 type, const struct synod_msg *m,
		 u8 why, struct synod_out *out)
{
	struct synod_msg *n = synod_out_msg(r, out, type, m->from, m->ballot);

	synod_assert(why & SYNOD_MSGF_NACK);
	synod_assert(type == SYNOD_MSG_PROMISE || type == SYNOD_MSG_ACCEPTED ||
		     type == SYNOD_MSG_HEARTBEAT_ACK);
	if (!n)
		return;
	n->flags = why;
	n->aux = r->promised;
	n->slot = m->slot;
}

/*
 * May we promise @ballot now?  Not while a journal record is corrupt, not
 * while another leader's lease is in force (its holder counts on us), and
 * not within the restart wait, since we forgot any grant made before.
 */
bool synod_acc_may_promise(const struct synod_replica *r, u64 now, u64 ballot)
{
	synod_assert(now >= r->boot_ns);
	synod_assert(ballot != 0);
	if (r->nfaulty && !MUTANT_FAULTY_PROMISES)
		return false;
	if (!r->p.leases || MUTANT_LEASE_NO_WAIT)
		return true;
	if (now - r->boot_ns < r->restart_wait_ns)
		return false;
	if (r->lease_ballot && now < r->lease_until &&
	    synod_ballot_node(r->lease_ballot) != synod_ballot_node(ballot))
		return false;
	/*
	 * A leader's own acceptor grants it no lease message, but while its
	 * lease holds it must not help another proposer either: a replica
	 * coming back from a partition would otherwise win with the leader's
	 * own vote and depose it for nothing.
	 */
	if (r->role == SYNOD_LEADER && r->active &&
	    synod_ballot_node(ballot) != r->p.self &&
	    synod_replica_lease_valid(r, now))
		return false;
	return true;
}

/* A leader's message: remember it as the leader, postpone our election. */
static void leader_contact(struct synod_replica *r, u64 now,
			   const struct synod_msg *m)
{
	synod_assert(m->ballot >= r->promised);
	synod_assert(synod_ballot_node(m->ballot) == m->from);
	if (r->role != SYNOD_FOLLOWER)
		return;
	synod_pv_cancel(r);	/* a leader is alive: no campaign */
	r->leader = m->from;
	r->last_contact_ns = now;
	r->contact_run_ns = r->run_ns;
	r->election_due_ns = now + synod_election_timeout(r);
	if (m->epoch > r->epoch_seen)
		r->epoch_seen = m->epoch;
}

static void raise_promise(struct synod_replica *r, u64 now, u64 ballot,
			  struct synod_out *out)
{
	synod_assert(ballot > r->promised);
	synod_assert(synod_ballot_node(ballot) != r->p.self);
	synod_prop_observe(r, now, ballot, out);
	synod_pv_cancel(r);	/* we promised another: not our turn */
	r->promised = ballot;
	synod_out_promise(r, out);
	synod_assert(r->role == SYNOD_FOLLOWER || r->ballot == r->promised);
}

void synod_acc_prepare(struct synod_replica *r, u64 now,
		       const struct synod_msg *m, struct synod_out *out)
{
	struct synod_prom *pq = &r->promq[m->from];

	synod_assert(m->type == SYNOD_MSG_PREPARE);
	if (synod_ballot_node(m->ballot) != m->from || m->slot == 0)
		return;
	/* A corrupt record hides a vote: no phase-1 answer, in any ballot. */
	if (r->nfaulty && !MUTANT_FAULTY_PROMISES)
		return;
	if (m->epoch < r->epoch_seen) {
		nack(r, SYNOD_MSG_PROMISE, m, SYNOD_MSGF_NACK | SYNOD_MSGF_EPOCH,
		     out);
		return;
	}
	if (m->ballot < r->promised) {
		nack(r, SYNOD_MSG_PROMISE, m, SYNOD_MSGF_NACK, out);
		return;
	}
	if (m->ballot > r->promised) {
		if (!synod_acc_may_promise(r, now, m->ballot)) {
			nack(r, SYNOD_MSG_PROMISE, m,
			     SYNOD_MSGF_NACK | SYNOD_MSGF_LEASE, out);
			return;
		}
		raise_promise(r, now, m->ballot, out);
		if (r->role == SYNOD_FOLLOWER) {
			r->leader = SYNOD_NODE_NONE;
			r->election_due_ns = now + synod_election_timeout(r);
		}
	}
	pq->ballot = m->ballot;
	pq->from = m->slot;
	pq->seq = r->promised_seq;
	pq->valid = true;
	synod_assert(pq->seq <= r->persist_seq);
}

/* Phase 1b: what we accepted in slots [from, from + chunk). */
static void build_promise(struct synod_replica *r, u32 to,
			  const struct synod_prom *pq, struct synod_out *out)
{
	struct synod_msg *m;
	u64 s, hi;

	synod_assert(pq->valid && pq->from != 0);
	if (r->nfaulty && !MUTANT_FAULTY_PROMISES)
		return;		/* corrupted since the promise: stay silent */
	m = synod_out_msg(r, out, SYNOD_MSG_PROMISE, to, pq->ballot);
	if (!m)
		return;
	m->slot = pq->from;
	m->slot_hi = r->last_slot;
	if (r->promised != pq->ballot) {
		m->flags = SYNOD_MSGF_NACK;
		m->aux = r->promised;
		return;
	}
	if (pq->from < r->log_base) {
		m->flags = SYNOD_MSGF_TOO_FAR;	/* trimmed: chosen, catch up */
		return;
	}
	hi = pq->from + SYNOD_P1_CHUNK - 1;
	if (hi > r->last_slot)
		hi = r->last_slot;
	for (s = pq->from; s <= hi; s++) {
		const struct synod_slot *sl = slot_get(r, s);

		if (!sl || sl->faulty)
			continue;
		synod_assert(m->count < SYNOD_MSG_ENTRIES_MAX);
		m->e[m->count] = sl->e;
		m->e[m->count].flags = sl->chosen ? SYNOD_ENTF_CHOSEN : 0;
		m->count++;
	}
}

static void queue_ack(struct synod_replica *r, u32 to, u64 ballot, u64 slot,
		      u64 seq)
{
	struct synod_ack *a;
	u32 i;

	synod_assert(to < SYNOD_NODES_MAX);
	synod_assert(seq <= r->persist_seq);
	for (i = 0; i < r->nackq; i++) {
		a = &r->ackq[i];
		if (a->to == to && a->ballot == ballot && a->slot == slot) {
			if (seq > a->seq)
				a->seq = seq;
			return;
		}
	}
	if (r->nackq == SYNOD_ACKQ_MAX)
		return;		/* the leader will retransmit */
	a = &r->ackq[r->nackq++];
	a->to = to;
	a->ballot = ballot;
	a->slot = slot;
	a->seq = seq;
}

/* Accept one entry of an ACCEPT in @ballot; queue the ack. */
static void accept_one(struct synod_replica *r, u32 from, u64 ballot,
		       const struct synod_entry *e, struct synod_out *out)
{
	struct synod_slot *sl;

	synod_assert(ballot >= r->promised);
	if (e->slot < r->log_base) {
		queue_ack(r, from, ballot, e->slot, 0);	/* applied already */
		return;
	}
	if (!synod_log_make_room(r, e->slot) ||
	    out->npersist >= SYNOD_OUT_PERSIST_MAX)
		return;		/* too far ahead: catch up first */
	sl = slot_at(r, e->slot);
	if (sl->e.slot == e->slot && !sl->faulty &&
	    (sl->chosen || sl->e.ballot == ballot)) {
		queue_ack(r, from, ballot, e->slot, sl->seq);
		return;
	}
	if (sl->e.slot == e->slot && sl->faulty)
		r->nfaulty--;	/* repaired: we now know what we accepted */
	synod_memset(sl, 0, sizeof(*sl));
	sl->e = *e;
	sl->e.ballot = ballot;
	sl->e.flags = 0;
	synod_out_entry(r, out, sl);
	if (e->slot > r->last_slot)
		r->last_slot = e->slot;
	queue_ack(r, from, ballot, e->slot, sl->seq);
	synod_assert(sl->e.slot == e->slot && sl->e.ballot == ballot);
}

void synod_acc_accept(struct synod_replica *r, u64 now,
		      const struct synod_msg *m, struct synod_out *out)
{
	u32 i;

	synod_assert(m->type == SYNOD_MSG_ACCEPT);
	synod_assert(m->count <= SYNOD_MSG_ENTRIES_MAX);
	if (synod_ballot_node(m->ballot) != m->from)
		return;
	if (m->ballot < r->promised) {
		nack(r, SYNOD_MSG_ACCEPTED, m, SYNOD_MSGF_NACK, out);
		return;
	}
	if (m->ballot > r->promised)
		raise_promise(r, now, m->ballot, out);
	leader_contact(r, now, m);
	for (i = 0; i < m->count; i++)
		accept_one(r, m->from, m->ballot, &m->e[i], out);
	synod_acc_learn_commit(r, m->ballot, m->commit, m->from);
}

/*
 * A leader of @ballot says every slot up to @commit is chosen with its
 * values.  Our entries accepted in that same ballot are those values.
 * Entries from other ballots may not be: they wait for catch-up.
 */
void synod_acc_learn_commit(struct synod_replica *r, u64 ballot, u64 commit,
			    u32 from)
{
	u64 s, hi;

	synod_assert(from < SYNOD_NODES_MAX);
	if (commit > r->commit_hint) {
		r->commit_hint = commit;
		r->commit_from = from;
	}
	if (r->role == SYNOD_LEADER)
		return;
	hi = r->log_base + SYNOD_LOG_MAX - 1;
	if (commit < hi)
		hi = commit;
	for (s = r->chosen_upto + 1; s <= hi; s++) {
		struct synod_slot *sl = slot_at(r, s);

		if (sl->e.slot == s && !sl->faulty && sl->e.ballot == ballot)
			sl->chosen = true;
	}
	synod_assert(r->commit_hint >= commit);
}

/* Heartbeat: grant the lease, learn the commit index, echo the time. */
void synod_acc_heartbeat(struct synod_replica *r, u64 now,
			 const struct synod_msg *m, struct synod_out *out)
{
	struct synod_msg *a;

	synod_assert(m->type == SYNOD_MSG_HEARTBEAT);
	if (synod_ballot_node(m->ballot) != m->from)
		return;
	if (m->ballot < r->promised) {
		nack(r, SYNOD_MSG_HEARTBEAT_ACK, m, SYNOD_MSGF_NACK, out);
		return;
	}
	synod_prop_observe(r, now, m->ballot, out);
	leader_contact(r, now, m);
	if (r->p.leases) {
		r->lease_ballot = m->ballot;
		r->lease_until = now + r->p.lease_ns;
	}
	synod_acc_learn_commit(r, m->ballot, m->commit, m->from);
	a = synod_out_msg(r, out, SYNOD_MSG_HEARTBEAT_ACK, m->from, m->ballot);
	if (a) {
		a->time = m->time;
		a->slot = m->slot;	/* the heartbeat round */
	}
	synod_assert(r->role == SYNOD_FOLLOWER || r->ballot > m->ballot ||
		     r->ballot == m->ballot);
}

/* Catch-up service: chosen entries from the asked slot, or "too old". */
void synod_acc_fetch(struct synod_replica *r, const struct synod_msg *m,
		     struct synod_out *out)
{
	struct synod_msg *c;
	u64 s, hi;

	synod_assert(m->type == SYNOD_MSG_FETCH);
	if (m->slot == 0 || (m->slot >= r->log_base && m->slot > r->chosen_upto))
		return;		/* nothing we know beyond theirs */
	c = synod_out_msg(r, out, SYNOD_MSG_CATCHUP, m->from, r->promised);
	if (!c)
		return;
	c->slot = m->slot;
	if (m->slot < r->log_base) {
		/*
		 * Journal trimmed: a transfer from us, jumping to our
		 * checkpoint (aux), which our data area holds even after a
		 * crash; the commit index may be applies a crash undoes.
		 * While our own data area is being copied we cannot serve
		 * one: aux 0 sends the asker elsewhere.
		 */
		c->flags = SYNOD_MSGF_SNAPSHOT;
		c->slot = r->log_base;
		c->aux = r->no_campaign ? 0 : r->applied_durable;
		synod_assert(c->aux == 0 || c->aux + 1 >= r->log_base);
		return;
	}
	hi = m->slot + SYNOD_MSG_ENTRIES_MAX - 1;
	if (hi > r->chosen_upto)
		hi = r->chosen_upto;
	for (s = m->slot; s <= hi; s++) {
		const struct synod_slot *sl = slot_get(r, s);

		synod_assert(sl && sl->chosen);
		c->e[c->count] = sl->e;
		c->e[c->count].flags = SYNOD_ENTF_CHOSEN;
		c->count++;
	}
	c->slot_hi = hi;
}

static void install_chosen(struct synod_replica *r,
			   const struct synod_entry *e, struct synod_out *out)
{
	struct synod_slot *sl;

	synod_assert(e->flags & SYNOD_ENTF_CHOSEN);
	synod_assert(e->slot > r->chosen_upto);
	if (!synod_log_make_room(r, e->slot) ||
	    out->npersist >= SYNOD_OUT_PERSIST_MAX)
		return;
	sl = slot_at(r, e->slot);
	if (sl->e.slot == e->slot && sl->chosen)
		return;
	if (sl->e.slot == e->slot && sl->faulty)
		r->nfaulty--;
	synod_memset(sl, 0, sizeof(*sl));
	sl->e = *e;
	sl->chosen = true;
	synod_out_entry(r, out, sl);
	if (e->slot > r->last_slot)
		r->last_slot = e->slot;
}

void synod_acc_catchup(struct synod_replica *r, u64 now,
		       const struct synod_msg *m, struct synod_out *out)
{
	u32 i;

	synod_assert(m->type == SYNOD_MSG_CATCHUP);
	synod_assert(now >= r->boot_ns);
	if (r->role == SYNOD_LEADER)
		return;		/* a leader's log comes from its own quorum */
	if (m->flags & SYNOD_MSGF_SNAPSHOT) {
		/*
		 * Slots chosen past the jump are fetched from the peer after
		 * it: they may be known nowhere else (a leader that applied
		 * its own removal leads no more, and says it to no one).
		 */
		if (m->commit > r->commit_hint) {
			r->commit_hint = m->commit;
			r->commit_from = m->from;
		}
		/* Jump to the peer's checkpoint (aux), which it has chosen. */
		if (m->slot > r->chosen_upto + 1 && m->aux > r->chosen_upto &&
		    m->aux <= m->commit) {
			out->transfer = true;
			out->transfer_from = m->from;
			out->transfer_slot = m->aux;
		} else if (m->slot > r->chosen_upto + 1 &&
			   r->leader != SYNOD_NODE_NONE &&
			   r->leader != r->p.self && r->leader != m->from) {
			/* It cannot serve (its own copy runs): ask the leader. */
			r->commit_from = r->leader;
		}
		return;
	}
	for (i = 0; i < m->count; i++) {
		if (m->e[i].slot > r->chosen_upto &&
		    (m->e[i].flags & SYNOD_ENTF_CHOSEN))
			install_chosen(r, &m->e[i], out);
	}
	if (m->commit > r->commit_hint) {
		r->commit_hint = m->commit;
		r->commit_from = m->from;
	}
	r->fetch_ns = 0;	/* more may follow at the next tick */
}

static bool ack_valid(const struct synod_replica *r, const struct synod_ack *a)
{
	const struct synod_slot *sl;

	synod_assert(a->to < SYNOD_NODES_MAX);
	synod_assert(a->slot != 0);
	if (a->slot < r->log_base)
		return true;
	sl = slot_get(r, a->slot);
	return sl && !sl->faulty && (sl->chosen || sl->e.ballot == a->ballot);
}

/* Send the promises and accepts whose journal records are now durable. */
void synod_acc_flush(struct synod_replica *r, struct synod_out *out)
{
	struct synod_msg *cur = NULL;
	u32 i, n = 0;

	for (i = 0; i < SYNOD_NODES_MAX; i++) {
		struct synod_prom *pq = &r->promq[i];

		if (pq->valid && pq->seq <= r->durable_seq) {
			build_promise(r, i, pq, out);
			pq->valid = false;
		}
	}
	for (i = 0; i < r->nackq; i++) {
		struct synod_ack a = r->ackq[i];

		if (!synod_ack_durable(r, a.seq)) {
			r->ackq[n++] = a;
			cur = NULL;
			continue;
		}
		if (!ack_valid(r, &a))
			continue;
		if (cur && cur->to == a.to && cur->ballot == a.ballot &&
		    cur->slot_hi + 1 == a.slot) {
			cur->slot_hi = a.slot;
			continue;
		}
		cur = synod_out_msg(r, out, SYNOD_MSG_ACCEPTED, a.to, a.ballot);
		if (cur)
			cur->slot = cur->slot_hi = a.slot;
	}
	synod_assert(n <= r->nackq);
	r->nackq = n;
	synod_assert(MUTANT_ACK_BEFORE_DURABLE || n == 0 ||
		     r->ackq[0].seq > r->durable_seq);
}
