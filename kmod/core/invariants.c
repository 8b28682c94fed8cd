// SPDX-License-Identifier: GPL-2.0
/*
 * The replica's invariants, checked after every input (synod_replica_
 * check()): what must hold between the indexes, the log ring, the roles
 * and the timers whatever the input was.  Apart from the code that steps
 * the replica so that a step can be read for what it does and this for
 * what must stay true.
 */
#include "internal.h"

static void check_log(const struct synod_replica *r)
{
	u32 i, faulty = 0;

	for (i = 0; i < SYNOD_LOG_MAX; i++) {
		const struct synod_slot *sl = &r->log[i];

		if (sl->e.slot == 0)
			continue;
		synod_assert((sl->e.slot & (SYNOD_LOG_MAX - 1)) == i);
		synod_assert(in_ring(r, sl->e.slot));
		synod_assert(sl->e.slot <= r->last_slot);
		synod_assert(!sl->faulty || sl->e.slot > r->chosen_upto);
		synod_assert(!sl->faulty || !sl->chosen);
		synod_assert(sl->seq <= r->persist_seq);
		synod_assert(!sl->owned || r->role == SYNOD_LEADER);
		/* bytes of our own writes, only while they are ours */
		synod_assert(sl->bytes <= SYNOD_SLOT_BYTES);
		synod_assert(!sl->bytes || (sl->owned &&
					    sl->e.kind == SYNOD_ENTRY_WRITE));
		synod_assert(sl->e.kind >= SYNOD_ENTRY_NOOP &&
			     sl->e.kind <= SYNOD_ENTRY_CONFIG);
		faulty += sl->faulty;
	}
	synod_assert(!r->lost_slot || r->lost_slot > r->chosen_upto);
	synod_assert(faulty + (r->lost_slot != 0) == r->nfaulty);
}

/*
 * The byte window (replica.h, win_bytes) against a recount of the slots
 * in flight: a counter that drifted would stall the leader for good, or
 * let its window grow past what the payload store holds.
 */
static void check_window(const struct synod_replica *r)
{
	u64 s, bytes = 0;

	synod_assert(r->win_bytes <= SYNOD_WINDOW_BYTES);
	if (r->role != SYNOD_LEADER) {
		synod_assert(r->win_bytes == 0);
		return;
	}
	for (s = r->chosen_upto + 1; s < r->next_slot; s++) {
		const struct synod_slot *sl = slot_get(r, s);

		if (sl)
			bytes += sl->bytes;
	}
	synod_assert(bytes == r->win_bytes);
}

/* A pre-vote asks for a ballot of ours above our promise; never raises it. */
static void check_prevote(const struct synod_replica *r)
{
	if (r->pv_ballot == 0) {
		synod_assert(r->pv_yes == 0 && r->pv_answered == 0);
		return;
	}
	synod_assert(r->role == SYNOD_FOLLOWER && r->pv_round != 0);
	synod_assert(synod_ballot_node(r->pv_ballot) == r->p.self);
	synod_assert(r->pv_ballot > r->promised);
	synod_assert(r->pv_yes & node_bit(r->p.self));
	synod_assert((r->pv_yes & ~r->pv_answered) == 0);
}

/*
 * A phase-1 chunk decides only what every promise counted reports:
 * nothing past p1_hi, itself within the chunk (a cut promise lowers
 * it, phase1.c, cut_chunk()).
 */
static void check_phase1(const struct synod_replica *r)
{
	if (!r->p1_from)
		return;
	synod_assert(r->p1_max + 1 >= r->p1_from && r->p1_max <= r->p1_hi);
	synod_assert(r->p1_hi >= r->p1_from &&
		     r->p1_hi < r->p1_from + SYNOD_P1_CHUNK);
}

/* The invariants, checked after every input. */
void synod_replica_check(const struct synod_replica *r)
{
	u64 s;
	u32 v;

	synod_assert(r->log_base >= 1);
	synod_assert(r->applied_durable <= r->landed);
	synod_assert(r->landed <= r->applied);
	synod_assert(r->applied <= r->chosen_upto);
	synod_assert(r->log_base <= r->applied + 1);
	/* Trimmed only what a restart restores: restore_room() needs it. */
	synod_assert(r->log_base <= r->applied_durable + 1);
	synod_assert(r->cfg_durable.epoch <= r->cfg.epoch);
	synod_assert(r->chosen_upto <= r->last_slot);
	synod_assert(r->chosen_upto <= r->commit_hint);
	/*
	 * The forget bound is what some leader knew chosen: a heartbeat's
	 * aux is taken only at or under the commit it carries, which
	 * commit_hint already covers, and a leader stepping down keeps its
	 * voters' minimum, at most its own chosen_upto.  commit_hint only
	 * grows, but at a restore, before any bound is known.
	 */
	synod_assert(r->all_chosen <= r->commit_hint);
	synod_assert(r->fetch_ns <= r->last_now);
	synod_assert(!r->fetch_ns || (r->fetch_to < SYNOD_NODES_MAX &&
				      r->fetch_rto_ns >= fetch_rto_min(r) &&
				      r->fetch_rto_ns <= r->p.retransmit_ns));
	synod_assert(r->durable_seq <= r->persist_seq);
	synod_assert(r->promised_seq <= r->persist_seq);
	synod_assert(r->contact_run_ns <= r->run_ns && r->run_ns != 0);
	synod_assert(r->nackq <= SYNOD_ACKQ_MAX);
	synod_assert(r->npend <= SYNOD_PENDING_MAX);
	synod_assert(r->nreads <= SYNOD_READS_MAX);
	synod_assert(r->pend_head < SYNOD_PENDING_MAX);
	synod_assert(synod_config_check(&r->cfg) == 0);
	/* Everything chosen and not yet trimmed is held. */
	for (s = r->log_base; s <= r->chosen_upto; s++)
		synod_assert(slot_get(r, s) && slot_get(r, s)->chosen);
	if (r->role == SYNOD_FOLLOWER) {
		synod_assert(!r->active && r->npend == 0 && r->nreads == 0);
	} else {
		synod_assert(r->ballot != 0 && r->ballot == r->promised);
		synod_assert(synod_ballot_node(r->ballot) == r->p.self);
	}
	if (r->role != SYNOD_LEADER) {
		/* step_down() and become_leader() reset them */
		synod_assert(r->forced == 0);
		for (v = 0; v < SYNOD_NODES_MAX; v++)
			synod_assert(r->chosen_ns[v] == 0);
	}
	if (r->role == SYNOD_LEADER) {
		synod_assert(r->forced < (1u << SYNOD_NODES_MAX));
		for (v = 0; v < SYNOD_NODES_MAX; v++) {
			synod_assert(r->answer_ns[v] <= r->last_now);
			synod_assert(r->retx_ns[v] <= r->last_now);
			synod_assert(r->refused_ns[v] <= r->last_now);
			synod_assert(r->gap_ns[v] <= r->last_now);
			synod_assert(r->chosen_ns[v] <= r->last_now);
			synod_assert(!r->chosen_ns[v] || v != r->p.self);
			synod_assert(!r->gap_slot[v] || r->gap_ns[v]);
			synod_assert(r->retx_rto_ns[v] >= r->p.retransmit_ns &&
				     r->retx_rto_ns[v] <= retx_max(r));
		}
		synod_assert(r->leader == r->p.self);
		synod_assert(r->next_slot > r->chosen_upto);
		synod_assert(r->next_slot - r->chosen_upto - 1 <=
			     SYNOD_MSG_ENTRIES_MAX);
		synod_assert(!r->active || r->chosen_upto >= r->noop_slot);
	} else {
		synod_assert(!r->active && !r->cfg_pending);
	}
	check_log(r);
	check_window(r);
	check_prevote(r);
	check_phase1(r);
}
