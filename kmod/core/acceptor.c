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
	/* what every voter had chosen, as our leader knows (a bound) */
	r->all_chosen = m->aux <= m->commit ? m->aux : 0;
	a = synod_out_msg(r, out, SYNOD_MSG_HEARTBEAT_ACK, m->from, m->ballot);
	if (a) {
		a->time = m->time;
		a->slot = m->slot;	/* the heartbeat round */
	}
	synod_assert(r->role == SYNOD_FOLLOWER || r->ballot > m->ballot ||
		     r->ballot == m->ballot);
}

/*
 * Journal trimmed below the asked slot: a transfer from us, jumping to our
 * checkpoint (aux), which our data area holds even after a crash (the
 * commit index may be applies a crash undoes), with the configuration in
 * effect there as one CONFIG entry: the asker skips the CONFIG entries up
 * to it.  While our own data area is suspect we cannot serve one:
 * SYNOD_CKPT_NONE sends the asker elsewhere.  (Receivers from before this
 * release ignore aux and the entries of a CATCHUP|SNAPSHOT.)
 */
static void snapshot_answer(struct synod_replica *r, struct synod_msg *c)
{
	struct synod_entry *e = &c->e[0];

	synod_assert(c->type == SYNOD_MSG_CATCHUP && c->count == 0);
	c->flags = SYNOD_MSGF_SNAPSHOT;
	c->slot = r->log_base;
	if (r->data_suspect) {
		c->aux = SYNOD_CKPT_NONE;
		return;
	}
	c->aux = r->applied_durable;
	synod_memset(e, 0, sizeof(*e));
	e->slot = c->aux;
	e->kind = SYNOD_ENTRY_CONFIG;
	e->cfg = r->cfg_durable;
	c->count = 1;
	/* Our log starts right after our checkpoint at most: it is chosen. */
	synod_assert(c->aux != 0 && c->aux + 1 >= c->slot);
	synod_assert(c->aux <= c->commit);
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
	c->time = m->time;	/* the asker's round trip */
	if (m->slot < r->log_base) {
		snapshot_answer(r, c);
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

/*
 * Is a CATCHUP|SNAPSHOT possible as a peer sends it (snapshot_answer())?
 * Its fields come off the wire: a slot near 2^64 would wrap log_base and
 * the commit hint, and aux and commit are two fields of the same message,
 * so "aux <= commit" alone proves nothing.  The sender's log starts after
 * its checkpoint at most (aux + 1 >= slot, and so commit + 1 >= slot);
 * a checkpoint comes with exactly its configuration, valid, not flagged
 * chosen, and no newer than the one the sender runs (m->epoch is its
 * cfg.epoch, and its cfg_durable is never ahead of its cfg).
 * SYNOD_CKPT_NONE and aux 0 name no checkpoint and carry no entry.
 *
 * aux 0 is the released predecessor (the modules before this release):
 * its synod_acc_fetch() left aux zero and sent no entry in every
 * CATCHUP|SNAPSHOT.  No module of ours gives aux 0 another meaning: this
 * one sends its applied_durable, never 0 under a trimmed log
 * (log_base <= applied_durable + 1), or SYNOD_CKPT_NONE; the development
 * modules between the two that used aux 0 for "cannot serve" were never
 * released.
 */
static bool snapshot_sane(const struct synod_msg *m)
{
	const u64 top = SYNOD_CKPT_NONE - SYNOD_LOG_MAX;
	bool ckpt = m->aux != 0 && m->aux != SYNOD_CKPT_NONE;
	const struct synod_entry *e = &m->e[0];

	synod_assert(m->flags & SYNOD_MSGF_SNAPSHOT);
	synod_assert(m->count <= SYNOD_MSG_ENTRIES_MAX);
	if (m->slot < 2 || m->commit >= top || m->commit + 1 < m->slot)
		return false;
	if (!ckpt)
		return m->count == 0;
	return m->aux <= m->commit && m->aux + 1 >= m->slot &&
	       m->count == 1 && e->kind == SYNOD_ENTRY_CONFIG &&
	       e->slot == m->aux && e->flags == 0 &&
	       synod_config_check(&e->cfg) == 0 && e->cfg.epoch <= m->epoch;
}

/*
 * The member after @from in node-id order (voters and learners, never
 * ourselves), wrapping: where to ask next when @from cannot serve.
 */
static u32 next_member(const struct synod_replica *r, u32 from)
{
	u32 members = r->cfg.voters | r->cfg.learners, i, n;

	synod_assert(from < SYNOD_NODES_MAX);
	synod_assert(r->p.self < SYNOD_NODES_MAX);
	for (i = 1; i <= SYNOD_NODES_MAX; i++) {
		n = (from + i) % SYNOD_NODES_MAX;
		if (n != r->p.self && (members & node_bit(n)))
			return n;
	}
	return from;
}

/*
 * The peer's journal no longer holds the slots we miss.  Jump to its
 * checkpoint with the configuration in effect there (the glue then copies
 * its data area), or, if it cannot serve a transfer, ask the leader.
 *
 * A peer from before this release names no checkpoint (aux 0) and sends
 * no configuration: as that module did, jump to its commit index keeping our
 * configuration (out->transfer_old says so to the glue, which warns;
 * stats.old_snapshots counts it).  Refusing
 * would leave a replica upgraded first unable to catch up from any peer
 * until the others are upgraded too; the old way loses nothing the old
 * cluster did not.  Upgrade every replica (protocol.rst).
 */
static void snapshot_catchup(struct synod_replica *r,
			     const struct synod_msg *m, struct synod_out *out)
{
	bool behind = m->slot > r->chosen_upto + 1;
	u64 slot = 0;

	synod_assert(r->role != SYNOD_LEADER);
	if (!snapshot_sane(m)) {
		r->stats.refused++;
		return;
	}
	/*
	 * Slots chosen past the jump are fetched from the peer after it:
	 * they may be known nowhere else (a leader that applied its own
	 * removal leads no more, and says it to no one).
	 */
	if (m->commit > r->commit_hint) {
		r->commit_hint = m->commit;
		r->commit_from = m->from;
	}
	if (behind && m->aux == 0) {
		slot = m->commit;
		out->transfer_cfg = r->cfg;
		out->transfer_old = true;
		r->stats.old_snapshots++;
	} else if (behind && m->aux != SYNOD_CKPT_NONE) {
		slot = m->aux;
		out->transfer_cfg = m->e[0].cfg;
	} else if (behind && r->leader != SYNOD_NODE_NONE &&
		   r->leader != r->p.self && r->leader != m->from) {
		/* It cannot serve (its own copy runs): ask the leader. */
		r->commit_from = r->leader;
	} else if (behind) {
		/*
		 * No leader to ask (it may be us, stuck in phase 1 behind
		 * this very log): ask the next member.  Else a candidate
		 * whose promisers all trimmed past it, and hold only copies
		 * that run, asks the same one for ever, while the replica
		 * that could serve it waits for a leader.
		 */
		r->commit_from = next_member(r, m->from);
	}
	if (!slot)
		return;
	/* A jump moves us forward, to a slot the peer has chosen. */
	synod_assert(slot > r->chosen_upto && slot <= m->commit);
	synod_assert(slot < SYNOD_CKPT_NONE - SYNOD_LOG_MAX &&
		     synod_config_check(&out->transfer_cfg) == 0);
	out->transfer = true;
	out->transfer_from = m->from;
	out->transfer_slot = slot;
}

void synod_acc_catchup(struct synod_replica *r, u64 now,
		       const struct synod_msg *m, struct synod_out *out)
{
	const struct synod_slot *next;
	bool newest;
	u32 i;

	synod_assert(m->type == SYNOD_MSG_CATCHUP);
	synod_assert(now >= r->boot_ns);
	if (r->role == SYNOD_LEADER)
		return;		/* a leader's log comes from its own quorum */
	newest = synod_fetch_answered(r, now, m);
	if (m->flags & SYNOD_MSGF_SNAPSHOT) {
		snapshot_catchup(r, m, out);
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
	/*
	 * More may follow at the next tick: after the answer to the newest
	 * FETCH, or any that brings the slot we lack.
	 */
	next = slot_get(r, r->chosen_upto + 1);
	if (newest || (next && next->chosen))
		r->fetch_ns = 0;
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

/*
 * Send the promises and accepts whose journal records are now durable.
 * An ACCEPTED past a slot the log lacks names it in aux (0: none; a
 * NACK's aux is the promised ballot instead): on links that keep order
 * an acknowledgement past a hole tells the leader the hole's ACCEPT was
 * lost, not only its acknowledgement, and it resends just that
 * (synod_prop_accepted()).  Older leaders ignore it.
 */
void synod_acc_flush(struct synod_replica *r, struct synod_out *out)
{
	struct synod_msg *cur = NULL;
	u64 hole = ~0ull;	/* not looked up yet */
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
		if (!cur)
			continue;
		cur->slot = cur->slot_hi = a.slot;
		if (hole == ~0ull)
			hole = synod_log_first_hole(r);
		if (hole && hole < a.slot)
			cur->aux = hole;
	}
	synod_assert(n <= r->nackq);
	r->nackq = n;
	synod_assert(MUTANT_ACK_BEFORE_DURABLE || n == 0 ||
		     r->ackq[0].seq > r->durable_seq);
}
