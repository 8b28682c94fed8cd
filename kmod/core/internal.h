/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between the files of the replica: replica.c (inputs, log, learner,
 * invariants), acceptor.c (phase 1b/2b, leases, catch-up service),
 * prevote.c (asking before campaigning, both sides) and proposer.c
 * (elections, phase 1a/2a, commit, reads).  Not for the glue.
 */
#ifndef SYNOD_CORE_INTERNAL_H
#define SYNOD_CORE_INTERNAL_H

#include "replica.h"
#include "quorum.h"
#include "mutant.h"

static inline u32 node_bit(u32 node)
{
	return node < SYNOD_NODES_MAX ? 1u << node : 0;
}

static inline bool in_ring(const struct synod_replica *r, u64 s)
{
	return s >= r->log_base && s - r->log_base < SYNOD_LOG_MAX;
}

static inline struct synod_slot *slot_at(struct synod_replica *r, u64 s)
{
	synod_assert(in_ring(r, s));
	return &r->log[s & (SYNOD_LOG_MAX - 1)];
}

static inline const struct synod_slot *slot_get(const struct synod_replica *r,
						u64 s)
{
	if (!in_ring(r, s))
		return NULL;
	if (r->log[s & (SYNOD_LOG_MAX - 1)].e.slot != s)
		return NULL;
	return &r->log[s & (SYNOD_LOG_MAX - 1)];
}

/* The longest a leader waits before resending to a silent peer. */
static inline u64 retx_max(const struct synod_replica *r)
{
	return SYNOD_RETX_BACKOFF_MAX * r->p.retransmit_ns;
}

/*
 * The shortest wait before an unanswered FETCH is asked again, however
 * short the round trip: a quarter of a heartbeat period (12.5 ms times
 * time_scale in the module, about a tick), so that scheduling delays on
 * a fast link do not pass for a loss; never above retransmit_ns.
 */
#define SYNOD_FETCH_RTO_DIV	4u

static inline u64 fetch_rto_min(const struct synod_replica *r)
{
	u64 lo = r->p.heartbeat_ns / SYNOD_FETCH_RTO_DIV;

	if (lo > r->p.retransmit_ns)
		lo = r->p.retransmit_ns;
	return lo ? lo : 1;
}

static inline bool is_voter(const struct synod_replica *r, u32 node)
{
	return (r->cfg.voters & node_bit(node)) != 0;
}

/* Everyone we replicate to: voters and learners but ourselves. */
static inline u32 peer_mask(const struct synod_replica *r)
{
	return (r->cfg.voters | r->cfg.learners) & ~node_bit(r->p.self);
}

/*
 * A leader learns @v's chosen prefix (@chosen: its ACCEPTED or heartbeat
 * answer), as of @now: peer_chosen and, when it rose from one known
 * (not the 0 of a new reign or a link just up: a follower stuck on a
 * hole whose link kept coming back rose from 0 at each answer and was
 * spared for ever) or is level with ours, chosen_ns (replica.h).
 * @lower: a heartbeat answer may lower it (a restart lost some), an
 * ACCEPTED only raises it.
 */
static inline void synod_peer_chosen(struct synod_replica *r, u32 v,
				     u64 chosen, u64 now, bool lower)
{
	synod_assert(v < SYNOD_NODES_MAX && v != r->p.self);
	synod_assert(now >= r->last_now);
	if ((r->peer_chosen[v] && chosen > r->peer_chosen[v]) ||
	    chosen >= r->chosen_upto)
		r->chosen_ns[v] = now;
	if (chosen > r->peer_chosen[v] || lower)
		r->peer_chosen[v] = chosen;
}

/* replica.c */
struct synod_msg *synod_out_msg(struct synod_replica *r, struct synod_out *out,
				u8 type, u32 to, u64 ballot);
u64 synod_out_promise(struct synod_replica *r, struct synod_out *out);
u64 synod_out_entry(struct synod_replica *r, struct synod_out *out,
		    struct synod_slot *sl);
void synod_out_done(struct synod_out *out, u64 req, u8 op, u8 status,
		    u64 slot, u64 block, bool lease);
bool synod_log_make_room(struct synod_replica *r, u64 s);
void synod_log_advance(struct synod_replica *r, u64 now, struct synod_out *out);
bool synod_ack_durable(const struct synod_replica *r, u64 seq);
u64 synod_election_timeout(struct synod_replica *r);
void synod_send_fetch(struct synod_replica *r, u64 now, u32 to,
		      struct synod_out *out);
bool synod_fetch_answered(struct synod_replica *r, u64 now,
			  const struct synod_msg *m);

/* acceptor.c */
void synod_acc_prepare(struct synod_replica *r, u64 now,
		       const struct synod_msg *m, struct synod_out *out);
void synod_acc_accept(struct synod_replica *r, u64 now,
		      const struct synod_msg *m, struct synod_out *out);
void synod_acc_heartbeat(struct synod_replica *r, u64 now,
			 const struct synod_msg *m, struct synod_out *out);
void synod_acc_fetch(struct synod_replica *r, const struct synod_msg *m,
		     struct synod_out *out);
void synod_acc_catchup(struct synod_replica *r, u64 now,
		       const struct synod_msg *m, struct synod_out *out);
void synod_acc_flush(struct synod_replica *r, struct synod_out *out);
bool synod_acc_may_promise(const struct synod_replica *r, u64 now, u64 ballot);
void synod_acc_learn_commit(struct synod_replica *r, u64 ballot, u64 commit,
			    u32 from);

/* prevote.c */
void synod_pv_start(struct synod_replica *r, u64 now, struct synod_out *out);
void synod_pv_send(struct synod_replica *r, u64 now, struct synod_out *out);
void synod_pv_answer(struct synod_replica *r, u64 now,
		     const struct synod_msg *m, struct synod_out *out);
void synod_pv_reply(struct synod_replica *r, u64 now,
		    const struct synod_msg *m, struct synod_out *out);
void synod_pv_cancel(struct synod_replica *r);

/* phase1.c */
void synod_p1_reset(struct synod_replica *r, u64 from);
void synod_p1_self(struct synod_replica *r);
bool synod_p1_take(struct synod_replica *r, const struct synod_msg *m);

/* proposer.c */
u64 synod_prop_next_ballot(const struct synod_replica *r);
void synod_prop_campaign(struct synod_replica *r, u64 now,
			 struct synod_out *out);
void synod_prop_promise(struct synod_replica *r, u64 now,
			const struct synod_msg *m, struct synod_out *out);
void synod_prop_accepted(struct synod_replica *r, u64 now,
			 const struct synod_msg *m, struct synod_out *out);
void synod_prop_hb_ack(struct synod_replica *r, u64 now,
		       const struct synod_msg *m, struct synod_out *out);
void synod_prop_tick(struct synod_replica *r, u64 now, struct synod_out *out);
void synod_prop_resign(struct synod_replica *r, u64 now, struct synod_out *out);
void synod_prop_durable(struct synod_replica *r, u64 now,
			struct synod_out *out);
void synod_prop_observe(struct synod_replica *r, u64 now, u64 ballot,
			struct synod_out *out);
void synod_prop_propose(struct synod_replica *r, u64 now,
			struct synod_out *out);
void synod_prop_config(struct synod_replica *r, u64 now,
		       const struct synod_config *next, struct synod_out *out);
void synod_prop_heartbeat_now(struct synod_replica *r, u64 now,
			      struct synod_out *out);
void synod_prop_reads(struct synod_replica *r, u64 now, struct synod_out *out);
u64 synod_prop_voters_chosen(const struct synod_replica *r);
void synod_prop_slot_applied(struct synod_replica *r, struct synod_slot *sl,
			     struct synod_out *out);

#endif /* SYNOD_CORE_INTERNAL_H */
