// SPDX-License-Identifier: GPL-2.0
/*
 * The replica's inputs, its log ring and learner.  Acceptor and proposer
 * behaviour live in acceptor.c and proposer.c, catch-up requests in
 * fetch.c, restore at attach in restore.c, the invariants checked after
 * every step in invariants.c; this file only orders them.
 */
#include "internal.h"

/* Settings the code relies on; a failed one is a build-time mistake. */
static void check_build_constants(void)
{
	synod_assert((SYNOD_LOG_MAX & (SYNOD_LOG_MAX - 1)) == 0);
	synod_assert(SYNOD_LOG_MAX >= 2 * SYNOD_MSG_ENTRIES_MAX);
	synod_assert(SYNOD_WINDOW >= 1 && SYNOD_WINDOW < SYNOD_MSG_ENTRIES_MAX);
	synod_assert(SYNOD_SLOT_BYTES <= SYNOD_WINDOW_BYTES);
	synod_assert(SYNOD_NODES_MAX <= 32);
}

static int check_params(const struct synod_params *p)
{
	synod_assert(p != NULL);
	synod_assert(SYNOD_PPM / 2 > 0);
	if (synod_config_check(&p->config))
		return -1;	/* refuse q1 + q2 <= n and other nonsense */
	/* A removed replica may restart outside the configuration: it then
	 * neither votes nor campaigns until a leader adds it back. */
	if (p->self >= SYNOD_NODES_MAX)
		return -1;
	/*
	 * election_ns below 2^40 (18 minutes): the module's time_scale up
	 * to 20 makes it 8 s, past 2^32 ns, which this refused, so that a
	 * module loaded with time_scale=11 or more created no volume
	 */
	if (!p->heartbeat_ns || !p->retransmit_ns || !p->jump_ns ||
	    p->election_ns <= p->heartbeat_ns || p->election_ns >> 40)
		return -1;
	/* retransmit_ns: the resend wait doubles up to 8x, without wrapping */
	if (p->lease_ns >> 40 || p->retransmit_ns >> 40 ||
	    p->rho_ppm >= SYNOD_PPM / 2)
		return -1;
	return 0;
}

/*
 * Initialise @r at raw time @now.  Returns -1 (and leaves @r unusable)
 * when the parameters are invalid, notably when q1 + q2 <= n.  A restart
 * calls this and then the synod_replica_restore_*() functions with what
 * the journal holds: applied first, then promise and entries.
 */
int synod_replica_init(struct synod_replica *r, const struct synod_params *p,
		       u64 now)
{
	check_build_constants();
	synod_memset(r, 0, sizeof(*r));
	if (check_params(p))
		return -1;
	r->p = *p;
	r->cfg = p->config;
	r->cfg_durable = p->config;
	r->lease_hold_ns = synod_lease_hold_ns(p->lease_ns, p->rho_ppm,
					       p->lease_margin_ns);
	if (MUTANT_NO_DRIFT_MARGIN && p->lease_ns)
		r->lease_hold_ns = p->lease_ns - 1;
	r->restart_wait_ns = synod_lease_restart_wait_ns(p->lease_ns,
							 p->rho_ppm);
	r->boot_ns = now;
	r->last_now = now;
	r->run_ns = 1;
	r->contact_run_ns = 1;
	r->rng = (p->seed ^ ((u64)p->self * 0x9e3779b97f4a7c15ull)) | 1;
	r->log_base = 1;
	r->leader = SYNOD_NODE_NONE;
	r->commit_from = SYNOD_NODE_NONE;
	r->role = SYNOD_FOLLOWER;
	r->last_contact_ns = now;
	r->election_due_ns = now + synod_election_timeout(r);
	synod_replica_check(r);
	synod_assert(r->lease_hold_ns < p->lease_ns || p->lease_ns == 0);
	synod_assert(r->role == SYNOD_FOLLOWER && r->promised == 0);
	return 0;
}

/*
 * Make the ring able to hold @s by forgetting the oldest slots, which is
 * allowed only for slots the data area already holds.  False when @s is
 * below the ring or too far ahead of what has been applied.
 */
bool synod_log_make_room(struct synod_replica *r, u64 s)
{
	u64 new_base, i, n;

	if (s < r->log_base)
		return false;
	if (in_ring(r, s))
		return true;
	new_base = s - SYNOD_LOG_MAX + 1;
	if (new_base > r->applied_durable + 1 || new_base > r->applied + 1)
		return false;
	n = new_base - r->log_base;
	if (n > SYNOD_LOG_MAX)
		n = SYNOD_LOG_MAX;
	for (i = 0; i < n; i++) {
		struct synod_slot *sl = &r->log[(r->log_base + i) &
						 (SYNOD_LOG_MAX - 1)];
		synod_assert(!sl->faulty && !sl->owned);
		synod_memset(sl, 0, sizeof(*sl));
	}
	r->log_base = new_base;
	synod_assert(in_ring(r, s));
	return true;
}

bool synod_ack_durable(const struct synod_replica *r, u64 seq)
{
	synod_assert(seq <= r->persist_seq);
	synod_assert(r->durable_seq <= r->persist_seq);
	return MUTANT_ACK_BEFORE_DURABLE || seq <= r->durable_seq;
}

/* Random in [election_ns, 2 election_ns): splits votes under contention. */
u64 synod_election_timeout(struct synod_replica *r)
{
	u64 x = r->rng;

	synod_assert(x != 0);
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	r->rng = x;
	synod_assert(r->p.election_ns >> 40 == 0);
	/* election_ns * (x >> 32) / 2^32, in two halves: no 64-bit wrap */
	return r->p.election_ns + (r->p.election_ns >> 32) * (x >> 32) +
	       (((r->p.election_ns & 0xffffffffull) * (x >> 32)) >> 32);
}

static void apply_one(struct synod_replica *r, struct synod_slot *sl,
		      struct synod_out *out)
{
	synod_assert(sl->chosen && sl->e.slot == r->applied + 1);
	synod_assert(out->napply < SYNOD_OUT_APPLY_MAX);
	out->apply[out->napply++] = sl->e;
	r->applied++;
	if (sl->e.kind == SYNOD_ENTRY_CONFIG &&
	    sl->e.cfg.epoch > r->cfg.epoch) {
		r->cfg = sl->e.cfg;
		if (r->cfg.epoch > r->epoch_seen)
			r->epoch_seen = r->cfg.epoch;
	}
	synod_prop_slot_applied(r, sl, out);
}

/*
 * Learner: extend the chosen prefix over slots known chosen, then issue
 * applies in slot order (as many as the outbox holds; the rest next step),
 * then let the proposer react (activate, propose, serve reads).
 */
void synod_log_advance(struct synod_replica *r, u64 now, struct synod_out *out)
{
	const struct synod_slot *sl;

	while ((sl = slot_get(r, r->chosen_upto + 1)) && sl->chosen) {
		synod_assert(!sl->faulty && sl->bytes <= r->win_bytes);
		r->win_bytes -= sl->bytes;	/* out of the byte window */
		r->chosen_upto++;
	}
	if (r->lost_slot && r->chosen_upto >= r->lost_slot) {
		r->lost_slot = 0;	/* learned again: the values are known */
		r->nfaulty--;
	}
	if (r->chosen_upto > r->commit_hint)
		r->commit_hint = r->chosen_upto;
	/* Slots learned chosen before we led may lie past our proposals. */
	if (r->role == SYNOD_LEADER && r->next_slot <= r->chosen_upto)
		r->next_slot = r->chosen_upto + 1;
	while (r->applied < r->chosen_upto &&
	       out->napply < SYNOD_OUT_APPLY_MAX)
		apply_one(r, slot_at(r, r->applied + 1), out);
	if (r->role == SYNOD_LEADER) {
		synod_prop_propose(r, now, out);
		synod_prop_reads(r, now, out);
	}
	synod_assert(r->applied <= r->chosen_upto);
}

/*
 * Every input starts here: time only moves forward, large gaps are jumps,
 * and run_ns counts each gap up to one heartbeat period.
 */
static void begin(struct synod_replica *r, u64 now, struct synod_out *out)
{
	u64 gap = now - r->last_now;

	synod_assert(now >= r->last_now);
	synod_assert(out->npersist <= SYNOD_OUT_PERSIST_MAX);
	r->run_ns += gap < r->p.heartbeat_ns ? gap : r->p.heartbeat_ns;
	if (gap > r->p.jump_ns)
		synod_replica_clock_disrupted(r, now);
	r->last_now = now;
}

static void end(struct synod_replica *r, u64 now, struct synod_out *out)
{
	synod_assert(r->last_now == now);
	synod_assert(out->nmsgs <= SYNOD_OUT_MSGS_MAX);
	synod_acc_flush(r, out);
	synod_log_advance(r, now, out);
	synod_replica_check(r);
}

static bool msg_for_us(const struct synod_replica *r,
		       const struct synod_msg *m)
{
	synod_assert(m->count <= SYNOD_MSG_ENTRIES_MAX);
	synod_assert(r->p.self < SYNOD_NODES_MAX);
	return m->volume == r->p.volume && m->to == r->p.self &&
	       m->from != r->p.self && m->from < SYNOD_NODES_MAX &&
	       synod_msg_type_valid(m->type);
}

void synod_replica_step(struct synod_replica *r, u64 now,
			const struct synod_msg *m, struct synod_out *out)
{
	synod_assert(m != NULL);
	begin(r, now, out);
	synod_assert(r->last_now == now);
	if (!msg_for_us(r, m)) {
		r->stats.refused++;
		return;
	}
	switch (m->type) {
	case SYNOD_MSG_PREPARE:
		synod_acc_prepare(r, now, m, out);
		break;
	case SYNOD_MSG_PROMISE:
		synod_prop_promise(r, now, m, out);
		break;
	case SYNOD_MSG_ACCEPT:
		synod_acc_accept(r, now, m, out);
		break;
	case SYNOD_MSG_ACCEPTED:
		synod_prop_accepted(r, now, m, out);
		break;
	case SYNOD_MSG_HEARTBEAT:
		synod_acc_heartbeat(r, now, m, out);
		break;
	case SYNOD_MSG_HEARTBEAT_ACK:
		synod_prop_hb_ack(r, now, m, out);
		break;
	case SYNOD_MSG_FETCH:
		r->fetch_seen_slot[m->from] = m->slot;
		r->fetch_seen_ns[m->from] = now;
		synod_acc_fetch(r, m, out);
		break;
	case SYNOD_MSG_CATCHUP:
		synod_acc_catchup(r, now, m, out);
		break;
	case SYNOD_MSG_PREVOTE:
		synod_pv_answer(r, now, m, out);
		break;
	case SYNOD_MSG_PREVOTE_REPLY:
		synod_pv_reply(r, now, m, out);
		break;
	}
	end(r, now, out);
}

void synod_replica_tick(struct synod_replica *r, u64 now,
			struct synod_out *out)
{
	synod_assert(now >= r->boot_ns);
	begin(r, now, out);
	synod_assert(r->last_now == now);
	synod_prop_tick(r, now, out);
	if (r->commit_hint > r->chosen_upto)
		synod_send_fetch(r, now, r->commit_from, out);
	end(r, now, out);
}

/*
 * The administrator asks this replica to lead ("volume promote"): campaign
 * now with a ballot above every one seen, instead of waiting for the
 * election timeout.  Acceptors still decide: a lease held for another
 * leader delays the outcome, and a learner cannot campaign at all.
 */
void synod_replica_campaign(struct synod_replica *r, u64 now,
			    struct synod_out *out)
{
	begin(r, now, out);
	synod_assert(r->last_now == now);
	if (r->role != SYNOD_LEADER)
		synod_prop_campaign(r, now, out);
	synod_assert(r->election_due_ns > now);
	end(r, now, out);
}

/*
 * The administrator asks the leader to step aside ("volume demote"): fail
 * its pending requests, become a follower, and stay quiet for @quiet_ns so
 * that another replica wins the next election.
 */
void synod_replica_resign(struct synod_replica *r, u64 now, u64 quiet_ns,
			  struct synod_out *out)
{
	begin(r, now, out);
	synod_assert(r->last_now == now);
	if (r->role != SYNOD_FOLLOWER)
		synod_prop_resign(r, now, out);
	r->election_due_ns = now + quiet_ns;
	synod_assert(r->role == SYNOD_FOLLOWER);
	end(r, now, out);
}

void synod_replica_durable(struct synod_replica *r, u64 now, u64 seq,
			   struct synod_out *out)
{
	begin(r, now, out);
	synod_assert(seq <= r->persist_seq);
	if (seq > r->durable_seq)
		r->durable_seq = seq;
	synod_assert(r->durable_seq >= seq);
	synod_prop_durable(r, now, out);
	end(r, now, out);
}

/*
 * The glue's report that the applies up to @slot are in the data area
 * (written, flushed or not): a read of a block now returns them.  Writes
 * complete when chosen (apply_one()), so an apply may land after its
 * client saw the write done; a read must wait for every apply up to its
 * read index to land (synod_prop_reads()), or it could return the value
 * from before a write that already completed.  Reported as a prefix, in
 * slot order; a report at or below what was reported is a no-op.
 */
void synod_replica_landed(struct synod_replica *r, u64 now, u64 slot,
			  struct synod_out *out)
{
	begin(r, now, out);
	synod_assert(slot <= r->applied);
	synod_assert(r->landed <= r->applied);
	if (slot > r->landed)
		r->landed = slot;
	end(r, now, out);
}

/*
 * The glue's promise that a restart will restore_applied() at least @slot:
 * the data area holds those applies durably (flushed, and the index in the
 * superblock).  The log ring is trimmed only up to here, so everything the
 * acceptor journals stays within @slot + SYNOD_LOG_MAX and fits the ring
 * again after a restart.  Reporting applies that a crash can undo (written
 * but not flushed) would let a restarted acceptor drop journal records it
 * had acknowledged.
 *
 * @cfg is the configuration in effect at @slot, as the superblock holds it
 * with @slot: a peer that jumps to our checkpoint (state transfer) gets it
 * with the slot, since the CONFIG entries up to there are trimmed.
 */
void synod_replica_applied(struct synod_replica *r, u64 slot,
			   const struct synod_config *cfg)
{
	synod_assert(slot <= r->applied);
	synod_assert(r->applied_durable <= r->applied);
	synod_assert(cfg && synod_config_check(cfg) == 0);
	synod_assert(cfg->epoch <= r->cfg.epoch);
	if (slot > r->applied_durable) {
		r->applied_durable = slot;
		r->cfg_durable = *cfg;
	}
	/* Durable in the data area is landed there; served at next input. */
	if (slot > r->landed)
		r->landed = slot;
}

/*
 * The glue jumps to @slot for a state transfer (DRBD-style checksum
 * resync): the peer's data area held every chosen slot up to @slot, and
 * ours is copied from it from now on.  Forget the journal below it.
 *
 * @cfg is the configuration in effect at @slot, which came with it
 * (out->transfer_cfg): the CONFIG entries up to @slot are not replayed, so
 * without it we would keep an older membership for ever (and the glue
 * would write it into the superblock with the new slot).  The glue
 * writes r->cfg_durable with the slot afterwards (r->cfg may have moved
 * on already, if chosen slots past @slot were held and applied).
 *
 * Until the copy is complete our data area is not the state at any slot,
 * and a leader serves reads from it: so stop campaigning here, not only
 * at the glue's next tick.  A candidate resigns (its phase 1 could
 * otherwise still complete) and a pre-vote running is dropped (its yes
 * votes would start a campaign); no_campaign and data_suspect hold until
 * the glue clears them when the transfer is done.
 */
void synod_replica_install_snapshot(struct synod_replica *r, u64 now,
				    u64 slot, const struct synod_config *cfg,
				    struct synod_out *out)
{
	u32 i;

	begin(r, now, out);
	synod_assert(r->role != SYNOD_LEADER);
	synod_assert(cfg && synod_config_check(cfg) == 0);
	if (slot > r->chosen_upto) {
		for (i = 0; i < SYNOD_LOG_MAX; i++) {
			struct synod_slot *sl = &r->log[i];

			if (sl->e.slot == 0 || sl->e.slot > slot)
				continue;
			if (sl->faulty)
				r->nfaulty--;
			synod_memset(sl, 0, sizeof(*sl));
		}
		r->chosen_upto = slot;
		r->applied = slot;
		r->landed = slot;
		r->applied_durable = slot;
		r->log_base = slot + 1;
		if (slot > r->last_slot)
			r->last_slot = slot;
		/*
		 * Equal epochs too: ours may be the one "volume create"
		 * implies (epoch 1, every listed peer a voter), which no
		 * slot chose; two chosen configurations of one epoch are
		 * the same.  Kept, it would go into cfg_durable and the
		 * superblock with @slot, and a restart would restore it.
		 */
		if (cfg->epoch >= r->cfg.epoch)
			r->cfg = *cfg;
		if (r->cfg.epoch > r->epoch_seen)
			r->epoch_seen = r->cfg.epoch;
		r->cfg_durable = r->cfg;
		r->data_suspect = true;
		r->stats.transfers++;
		/*
		 * The slots after the jump come from the peer's log, which
		 * moves on: ask for them at the next tick, not a
		 * retransmission period after the FETCH that got us here.
		 * A loaded leader trims past the jump in that time (800 ms
		 * at time_scale 8), the next FETCH is answered with another
		 * jump, and every jump starts the copy over.
		 */
		r->fetch_ns = 0;
		if (!MUTANT_RESYNC_CANDIDATE) {
			if (r->role == SYNOD_CANDIDATE)
				synod_prop_resign(r, now, out);
			synod_pv_cancel(r);
			r->no_campaign = true;
			r->election_due_ns = now + r->p.election_ns;
		}
	}
	synod_assert(r->chosen_upto >= slot);
	synod_assert(MUTANT_RESYNC_CANDIDATE || !r->no_campaign ||
		     (r->role == SYNOD_FOLLOWER && r->pv_ballot == 0));
	end(r, now, out);
}

/*
 * The raw clock jumped or the host was suspended: intervals measured
 * across the gap mean nothing.  As a leader drop every lease grant; as an
 * acceptor keep refusing other leaders for a full D from now.
 */
void synod_replica_clock_disrupted(struct synod_replica *r, u64 now)
{
	u32 i;

	synod_assert(now >= r->last_now);
	r->stats.jumps++;
	for (i = 0; i < SYNOD_NODES_MAX; i++) {
		r->ack_time[i] = 0;
		/* an echo from before the gap is no round trip */
		r->srtt_ns[i] = 0;
		r->fetch_srtt_ns[i] = 0;
		if (r->role == SYNOD_LEADER)
			r->retx_rto_ns[i] = r->p.retransmit_ns;
	}
	if (r->lease_ballot && r->lease_until < now + r->p.lease_ns)
		r->lease_until = now + r->p.lease_ns;
	r->last_now = now;
	/* With q2 == 1 the lease rests on our own grant alone: every phase-1
	 * quorum needs our promise, and promising ends our reign. */
	synod_assert(!synod_replica_lease_valid(r, now) || r->cfg.q2 == 1);
}

/*
 * The transport says @node's link came up again: frames queued on the old
 * connection may be gone, so a leader resends what @node has not acked at
 * the next tick instead of after its backed-off wait, and a FETCH out to
 * @node is asked again at the next tick (its round trip is kept: the new
 * queue is no longer than the old one).
 */
void synod_replica_peer_up(struct synod_replica *r, u64 now, u32 node,
			   struct synod_out *out)
{
	synod_assert(node < SYNOD_NODES_MAX);
	begin(r, now, out);
	synod_assert(r->last_now == now);
	if (r->role == SYNOD_LEADER && node != r->p.self) {
		r->retx_rto_ns[node] = r->p.retransmit_ns;
		r->srtt_ns[node] = 0;	/* a new connection: a new queue */
		r->retx_ns[node] = now >= r->p.retransmit_ns ?
				   now - r->p.retransmit_ns : 0;
		/*
		 * It may have restarted, its chosen prefix back at its
		 * checkpoint: what it has chosen is learned again from its
		 * next answer, and ACCEPTED only raises it (proposer.c).
		 * Meanwhile forget keeps what it may lack.
		 */
		r->peer_chosen[node] = 0;
		/*
		 * chosen_ns stays: one that kept up, its prefix unknown
		 * (0) until it answers, holds shedding back for an
		 * election timeout at most, not sent to a transfer by a
		 * blip (synod_replica_shed_bound()).
		 */
		r->forced |= node_bit(node);
	}
	if (r->fetch_ns && r->fetch_to == node)
		r->fetch_ns = 0;
	end(r, now, out);
}

/*
 * The local send queue refused a message to @node while its link stayed
 * up (a queue that was still growing): @node never gets it, though a
 * link that stays up is taken to lose nothing (replica.h, retx_ns).  A
 * leader resends what @node has not acked at the next tick rather than
 * after its wait, but at most once per retransmission period, since
 * refusals come in runs while a queue grows and each resend refills it;
 * the wait's backoff and the round trip estimate stay as they are (the
 * queue is the same queue, unlike synod_replica_peer_up()'s).
 */
void synod_replica_peer_refused(struct synod_replica *r, u64 now, u32 node,
				struct synod_out *out)
{
	synod_assert(node < SYNOD_NODES_MAX);
	begin(r, now, out);
	synod_assert(r->last_now == now);
	if (r->role == SYNOD_LEADER && node != r->p.self &&
	    (!r->refused_ns[node] ||
	     now - r->refused_ns[node] >= r->p.retransmit_ns)) {
		r->refused_ns[node] = now;
		r->retx_ns[node] = now >= r->retx_rto_ns[node] ?
				   now - r->retx_rto_ns[node] : 0;
		r->forced |= node_bit(node);
	}
	end(r, now, out);
}

/*
 * The local send queues to the peers in @nodes still hold frames (the
 * transport's backlog): what they have not acked is queued here, not
 * lost, so their silent waits start over now (replica.h, retx_ns),
 * unless a link-up or a refusal forced a resend not made yet (forced).  On a 2 MB/s link
 * under 1 MiB writes a slot took longer to go than the wait's cap, and
 * resend_silent() queued every unacked slot again behind the first
 * copies: the link carried copies, the leader lost its followers
 * (engine.bats, 1 MiB writes over a slow link).  A frame that never
 * reaches the queue is resent another way (synod_replica_peer_refused(),
 * synod_replica_peer_up()), a payload the peer dropped by its gap
 * (proposer.c, resend_gap()) or once the queue has drained.
 */
void synod_replica_peer_backlog(struct synod_replica *r, u64 now, u32 nodes,
				struct synod_out *out)
{
	u32 v;

	synod_assert(nodes < (1u << SYNOD_NODES_MAX));
	begin(r, now, out);
	synod_assert(r->last_now == now);
	for (v = 0; v < SYNOD_NODES_MAX && r->role == SYNOD_LEADER; v++)
		if ((nodes & node_bit(v)) && v != r->p.self &&
		    !(r->forced & node_bit(v)))
			r->retx_ns[v] = now;
	end(r, now, out);
}

/*
 * Bytes that are not a message (a payload, or a piece of one) came from
 * @node since the last tick.  A leader's messages wait behind its
 * payloads in one queue; on a slow link a 1 MiB payload takes longer
 * than an election timeout, and a follower that counted only messages
 * campaigned against a leader that was sending it data.  So if @node is
 * the leader we follow, and we promised no newer ballot (a deposed
 * leader's queue may drain for seconds), its bytes postpone our
 * election and answer pre-votes as its messages do.  Only the link
 * authenticated to @node brings them.  Contact only ever moves later:
 * nothing we promised holds for less.
 */
void synod_replica_leader_bytes(struct synod_replica *r, u64 now, u32 node,
				struct synod_out *out)
{
	synod_assert(node < SYNOD_NODES_MAX);
	begin(r, now, out);
	synod_assert(r->last_now == now);
	if (r->role == SYNOD_FOLLOWER && node != r->p.self &&
	    r->leader == node && r->promised &&
	    synod_ballot_node(r->promised) == node) {
		synod_pv_cancel(r);	/* a leader is alive: no campaign */
		r->last_contact_ns = now;
		r->contact_run_ns = r->run_ns;
		r->election_due_ns = now + synod_election_timeout(r);
	}
	end(r, now, out);
}

/*
 * Leader: did a quorum of voters answer in our ballot (a heartbeat echo
 * or a phase-2 ack) within @window_ns of local time?  This is liveness,
 * not a lease: a link loaded with payloads delays every echo past a lease
 * while the followers still accept each slot, and such a leader is not
 * cut off.  Leases keep measuring from the echoed send time (ack_time).
 */
bool synod_replica_heard(const struct synod_replica *r, u64 now,
			 u64 window_ns)
{
	u32 v, acks = node_bit(r->p.self);

	synod_assert(r->role == SYNOD_LEADER);
	synod_assert(window_ns > 0);
	/* status and the tick may pass a now taken before the last input:
	 * an answer stamped later than it is recent */
	for (v = 0; v < SYNOD_NODES_MAX; v++)
		if (v != r->p.self && r->answer_ns[v] &&
		    (now <= r->answer_ns[v] ||
		     now - r->answer_ns[v] < window_ns))
			acks |= node_bit(v);
	return synod_quorum_reached(&r->cfg, acks, r->cfg.q2);
}

u32 synod_replica_leader(const struct synod_replica *r)
{
	synod_assert(r->leader <= SYNOD_NODE_NONE);
	synod_assert(r->role != SYNOD_LEADER || r->leader == r->p.self);
	return r->leader;
}

/*
 * A client write of @len bytes at @block.  SYNOD_OK means "accepted": a
 * done[] entry will follow.  Anything else means it certainly did not
 * happen.
 */
int synod_replica_write(struct synod_replica *r, u64 now, u64 req,
			u64 block, u64 ref, u32 len, struct synod_out *out)
{
	const struct synod_wait_write w = { req, block, ref, len };
	int st = SYNOD_OK;

	synod_assert(out != NULL);
	if (synod_replica_writes(r, now, &w, 1, &st, out) == 1)
		st = SYNOD_OK;
	/* OK even if the leader stepped down within: done says FAILED */
	synod_assert(st == SYNOD_OK || st == SYNOD_NOT_LEADER ||
		     st == SYNOD_BUSY || st == SYNOD_FAILED);
	return st;
}

/*
 * Client writes that arrived together (one pass of the engine's
 * submission queue): all queued first, slots formed once at the end, so
 * that up to SYNOD_BATCH_MAX of them share a slot, its journal record
 * and its accept, and the whole pass is one group commit.  Returns how
 * many were queued, always a prefix of @w; *@st is the status of the
 * others (meaningless when there are none): SYNOD_NOT_LEADER, or
 * SYNOD_BUSY when the queue is full (backpressure), or SYNOD_FAILED when
 * the next one's length is out of range (a glue bug: asserted).
 */
u32 synod_replica_writes(struct synod_replica *r, u64 now,
			 const struct synod_wait_write *w, u32 n, int *st,
			 struct synod_out *out)
{
	u32 i;

	synod_assert(n == 0 || w != NULL);
	begin(r, now, out);
	if (r->role != SYNOD_LEADER) {
		*st = SYNOD_NOT_LEADER;
		return 0;
	}
	*st = SYNOD_BUSY;	/* the window is the backpressure */
	for (i = 0; i < n && r->npend < SYNOD_PENDING_MAX; i++) {
		/* the glue refuses longer ones: a slot must take any write */
		synod_assert(w[i].len > 0 && w[i].len <= SYNOD_SLOT_BYTES);
		if (w[i].len == 0 || w[i].len > SYNOD_SLOT_BYTES) {
			/* not queued even where the assertion returns */
			*st = SYNOD_FAILED;
			break;
		}
		r->pend[(r->pend_head + r->npend) % SYNOD_PENDING_MAX] = w[i];
		r->npend++;
	}
	synod_assert(r->npend <= SYNOD_PENDING_MAX);
	end(r, now, out);
	synod_assert(r->role == SYNOD_LEADER || r->npend == 0);
	return i;
}

/*
 * A client read of one block: served after the leader has applied every
 * slot chosen when the read arrived and has shown it is still leader,
 * by a valid lease or by a heartbeat round sent after the read arrived.
 */
int synod_replica_read(struct synod_replica *r, u64 now, u64 req, u64 block,
		       struct synod_out *out)
{
	struct synod_wait_read *rd;

	begin(r, now, out);
	if (r->role != SYNOD_LEADER)
		return SYNOD_NOT_LEADER;
	if (r->nreads == SYNOD_READS_MAX)
		return SYNOD_BUSY;
	rd = &r->reads[r->nreads++];
	synod_assert(r->nreads <= SYNOD_READS_MAX);
	rd->req = req;
	rd->block = block;
	rd->index = r->active ? r->chosen_upto : 0;
	rd->round = r->hb_round + 1;
	if (!synod_replica_lease_valid(r, now))
		synod_prop_heartbeat_now(r, now, out);
	end(r, now, out);
	synod_assert(r->nreads <= SYNOD_READS_MAX);
	return SYNOD_OK;
}

/*
 * Propose a membership change through the log.  One at a time: refused
 * while another is in flight or when @next is not a single-voter step
 * whose quorums meet those of the current configuration.
 */
int synod_replica_change_config(struct synod_replica *r, u64 now,
				const struct synod_config *next,
				struct synod_out *out)
{
	begin(r, now, out);
	if (r->role != SYNOD_LEADER || !r->active)
		return SYNOD_NOT_LEADER;
	if ((!MUTANT_CONFIG_UNSAFE &&
	     (r->cfg_pending || r->next_slot != r->chosen_upto + 1)) ||
	    !synod_log_make_room(r, r->next_slot))
		return SYNOD_BUSY;
	if (synod_config_change_check(&r->cfg, next))
		return SYNOD_FAILED;
	synod_prop_config(r, now, next, out);
	synod_assert(r->cfg_pending);
	end(r, now, out);
	synod_assert(r->role != SYNOD_FOLLOWER || !r->cfg_pending);
	return SYNOD_OK;
}
