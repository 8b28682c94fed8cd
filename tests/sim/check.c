// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's checkers:
 *  1. agreement: every replica applies the same value in each slot;
 *  2. no acknowledged write is lost: each is in the agreed log, and every
 *     replica's data area equals the replay of that log;
 *  3. per-block linearizability of the client history (wgl.c);
 *  4. liveness: after the heal every request completes, requests made once
 *     the cluster settled succeed, and all replicas converge;
 *  5. lease safety: no replica serves a lease read after a higher ballot
 *     finished phase 1 (so two leaders never serve lease reads at once),
 *     nor without a q2 of voters bound by leases in real time;
 *  6. an acceptor never forgets a value it acknowledged or a promise it
 *     made, across crashes, and every promise reports its votes;
 *  7. leadership stability: a healthy leader is never deposed by a ballot
 *     that someone started while it was healthy (see leader_healthy());
 *  8. configuration safety: each applied configuration differs from the
 *     one before by one voter at most, with quorums that meet across;
 *  9. a replica whose state transfer is incomplete (RESYNC) neither
 *     campaigns, nor leads, nor serves a read; its data area equals the
 *     replay of the log when the transfer ends (or holds later values);
 * 10. the byte window: a leader's slots in flight carry at most
 *     SYNOD_WINDOW_BYTES of the clients' writes, a slot at most
 *     SYNOD_SLOT_BYTES, by the lengths the clients gave.
 */
#include "sim.h"
#include "wgl.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SETTLE_NS	(1000 * SIM_MS)
/*
 * How long the leader and a quorum around it must have gone untouched by
 * any fault before the leader counts as healthy: several election
 * timeouts (10-20 ms), above the longest message delay (30 ms), the lease
 * (8 or 25 ms) and the restart wait, so that whatever a fault set in
 * motion (a duel of candidates, answers in flight) has played out.
 */
#define STABLE_NS	(50 * SIM_MS)

static bool same_value(const struct synod_entry *a, const struct synod_entry *b)
{
	int i;

	if (a->kind != b->kind || a->nwrites != b->nwrites)
		return false;
	for (i = 0; i < a->nwrites; i++)
		if (a->w[i].block != b->w[i].block || a->w[i].ref != b->w[i].ref)
			return false;
	if (a->kind == SYNOD_ENTRY_CONFIG)	/* field by field: padding */
		return a->cfg.epoch == b->cfg.epoch &&
		       a->cfg.voters == b->cfg.voters &&
		       a->cfg.learners == b->cfg.learners &&
		       a->cfg.q1 == b->cfg.q1 && a->cfg.q2 == b->cfg.q2;
	return true;
}

static void chosen_grow(struct sim *s, uint64_t slot)
{
	uint64_t n = s->nchosen ? s->nchosen : 1024;

	if (slot < s->nchosen)
		return;
	while (n <= slot)
		n *= 2;
	s->chosen = realloc(s->chosen, n * sizeof(*s->chosen));
	memset(s->chosen + s->nchosen, 0, (n - s->nchosen) * sizeof(*s->chosen));
	s->nchosen = n;
}

/*
 * Paxos with reconfiguration stays safe while every configuration the log
 * installs has quorums meeting those of the one before (HMS'16): at most
 * one voter in or out, q1 of each plus q2 of the other above the voters of
 * both, and epochs one apart.  Written out here, apart from quorum.c.
 */
static void check_config_change(struct sim *s, struct node *nd,
				const struct synod_config *to)
{
	const struct synod_config *from = &nd->cfg;
	int n = __builtin_popcount(from->voters | to->voters);

	if (to->epoch == from->epoch && to->voters == from->voters &&
	    to->q1 == from->q1 && to->q2 == from->q2)
		return;		/* applied again after a restart */
	if (to->epoch != from->epoch + 1 ||
	    __builtin_popcount(from->voters ^ to->voters) > 1 ||
	    from->q1 + to->q2 <= n || to->q1 + from->q2 <= n)
		sim_fail(s, "config safety: node %d applied epoch %u voters %#x "
			 "q1 %u q2 %u after epoch %u voters %#x q1 %u q2 %u",
			 nd->id, to->epoch, to->voters, to->q1, to->q2,
			 from->epoch, from->voters, from->q1, from->q2);
}

/*
 * @nd issues the apply of @e: in slot order, to blocks that exist, and
 * agreement: the first value applied in a slot is recorded as the agreed
 * one, and every later one must equal it.  Checked at issue, not at
 * landing (applies land in the order issued): an apply in flight at a
 * crash may reach the disk before any replica's has landed.
 */
bool check_issue(struct sim *s, struct node *nd, const struct synod_entry *e)
{
	int i;

	if (e->slot != nd->issued + 1) {
		sim_fail(s, "node %d applied slot %" PRIu64 " after %" PRIu64,
			 nd->id, e->slot, nd->issued);
		return false;
	}
	for (i = 0; i < e->nwrites; i++) {
		if (e->w[i].block >= SIM_BLOCKS) {
			sim_fail(s, "node %d applied a write to block %" PRIu64,
				 nd->id, e->w[i].block);
			return false;
		}
	}
	chosen_grow(s, e->slot);
	if (s->chosen[e->slot].slot == 0) {
		s->chosen[e->slot] = *e;
	} else if (!same_value(&s->chosen[e->slot], e)) {
		sim_fail(s, "agreement: node %d applied another value in slot %"
			 PRIu64, nd->id, e->slot);
		return false;
	}
	return true;
}

/* @nd's apply of @e, checked at issue, lands in its data area. */
void check_apply(struct sim *s, struct node *nd, const struct synod_entry *e)
{
	node_data_write_entry(nd, e);
	if (e->kind == SYNOD_ENTRY_CONFIG) {
		check_config_change(s, nd, &e->cfg);
		nd->cfg = e->cfg;
	}
	nd->applied = e->slot;
	sim_trace(s, "node %d: apply slot %" PRIu64 " kind %u n %u", nd->id,
		  e->slot, e->kind, e->nwrites);
}

static void acks_grow(struct node *nd, uint64_t slot)
{
	uint64_t n = nd->nacks ? nd->nacks : 256;

	if (slot < nd->nacks)
		return;
	while (n <= slot)
		n *= 2;
	nd->acks = realloc(nd->acks, n * sizeof(*nd->acks));
	if (!nd->acks)
		abort();
	memset(nd->acks + nd->nacks, 0, (n - nd->nacks) * sizeof(*nd->acks));
	nd->nacks = n;
}

/* The entry @r holds for @slot in its log ring, or NULL. */
const struct synod_slot *sim_held(const struct synod_replica *r,
				  uint64_t slot)
{
	const struct synod_slot *sl = &r->log[slot & (SYNOD_LOG_MAX - 1)];

	if (slot < r->log_base || slot - r->log_base >= SYNOD_LOG_MAX ||
	    sl->e.slot != slot)
		return NULL;
	return sl;
}

/*
 * A promise must report every vote its sender cast below its ballot in
 * the slots it covers (PMS 2.2): a value of at least the acknowledged
 * ballot, or one known chosen (also the same value of an older ballot if
 * the acceptor knew it chosen when it acked: it acks such a value without
 * journaling it again, and a chosen value is the only one any later
 * ballot accepts).  A vote left out (a corrupt record, a forgotten one) lets the
 * new leader choose another value.
 */
static void check_promise(struct sim *s, struct node *nd,
			  const struct synod_msg *m)
{
	uint64_t slot, hi = m->slot + SYNOD_P1_CHUNK - 1;
	uint32_t k;

	if (m->flags & SYNOD_MSGF_NACK)
		return;
	if (m->ballot > nd->promised_sent)
		nd->promised_sent = m->ballot;
	if (m->flags & SYNOD_MSGF_TOO_FAR)
		return;
	for (slot = m->slot; slot <= hi && slot < nd->nacks; slot++) {
		const struct sent_ack *a = &nd->acks[slot];
		bool told = false;

		if (!a->ballot || a->ballot >= m->ballot)
			continue;
		for (k = 0; k < m->count && !told; k++)
			told = m->e[k].slot == slot &&
			       ((m->e[k].flags & SYNOD_ENTF_CHOSEN) ||
				m->e[k].ballot >= a->ballot ||
				(a->chosen && same_value(&m->e[k], &a->e)));
		if (!told) {
			sim_fail(s, "node %d forgot slot %" PRIu64 " it acked "
				 "in ballot %#" PRIx64 ": its promise for ballot "
				 "%#" PRIx64 " to node %u leaves it out", nd->id,
				 slot, a->ballot, m->ballot, m->to);
			return;
		}
	}
}

/*
 * A promise holds across crashes once its journal record is durable (and
 * before the PROMISE goes out): no lease granted to a lower ballot, no
 * campaign or leadership in one, afterwards.
 */
static uint64_t kept_promise(const struct node *nd)
{
	return nd->promise > nd->promised_sent ? nd->promise :
						 nd->promised_sent;
}

static void check_kept_promise(struct sim *s, struct node *nd,
			       const struct synod_msg *m)
{
	if (m->ballot < kept_promise(nd))
		sim_fail(s, "node %d forgot its promise of ballot %#" PRIx64
			 ": it granted ballot %#" PRIx64 " a lease", nd->id,
			 kept_promise(nd), m->ballot);
}

/*
 * Remember every acknowledgement @nd is about to send: for each slot an
 * ACCEPTED covers, the ballot and the value it vouches for.  An ack for a
 * slot already trimmed from the ring vouches for the applied value.  A
 * heartbeat's ack is a lease granted now; a promise must report the votes.
 */
void check_acks_sent(struct sim *s, struct node *nd)
{
	const struct synod_out *out = &nd->out;
	uint32_t i;
	uint64_t slot;

	for (i = 0; i < out->nmsgs; i++) {
		const struct synod_msg *m = &out->msgs[i];

		if (m->type == SYNOD_MSG_HEARTBEAT_ACK &&
		    !(m->flags & SYNOD_MSGF_NACK) && m->to < SIM_NODES_MAX) {
			s->grant_t[nd->id][m->to] = s->now;
			check_kept_promise(s, nd, m);
		}
		if (m->type == SYNOD_MSG_PROMISE)
			check_promise(s, nd, m);
		if (m->type != SYNOD_MSG_ACCEPTED ||
		    (m->flags & SYNOD_MSGF_NACK))
			continue;
		for (slot = m->slot; slot <= m->slot_hi && slot; slot++) {
			const struct synod_slot *sl = sim_held(&nd->r, slot);
			struct sent_ack *a;

			acks_grow(nd, slot);
			a = &nd->acks[slot];
			if (a->ballot > m->ballot)
				continue;
			a->chosen = !sl || sl->chosen;
			if (sl) {
				a->e = sl->e;
			} else if (slot < nd->r.log_base &&
				   slot < s->nchosen &&
				   s->chosen[slot].slot == slot) {
				a->e = s->chosen[slot];
			} else {
				sim_fail(s, "node %d acked slot %" PRIu64
					 " it does not hold", nd->id, slot);
				return;
			}
			a->ballot = m->ballot;
		}
	}
}

/*
 * An acceptor never forgets what it acknowledged, across any crash (PMS
 * 2.2: a vote, once counted, must be reported in every later phase 1).
 * Right after a restart, for every slot it acked and has not applied by
 * the checkpoint it came back with, it must hold the same value, a value
 * of a higher ballot, or know that its copy is damaged (faulty: it then
 * promises nothing until repaired).
 */
void check_restarted(struct sim *s, struct node *nd)
{
	const struct synod_replica *r = &nd->r;
	uint64_t slot;

	for (slot = r->chosen_upto + 1; slot < nd->nacks && !s->failed;
	     slot++) {
		const struct sent_ack *a = &nd->acks[slot];
		const struct synod_slot *sl = sim_held(r, slot);

		if (!a->ballot)
			continue;
		if (sl && (sl->faulty || sl->e.ballot > a->ballot ||
			   same_value(&sl->e, &a->e)))
			continue;
		sim_fail(s, "node %d forgot slot %" PRIu64 " it acked in ballot %#"
			 PRIx64 " (restarted at checkpoint %" PRIu64 ", holds %s)",
			 nd->id, slot, a->ballot, r->chosen_upto,
			 sl ? "another value" : "nothing");
	}
}

/* The network model changed: note since when each link and loss is ok. */
void check_faults_changed(struct sim *s)
{
	int i, j;

	for (i = 0; i < s->n; i++) {
		for (j = 0; j < s->n; j++) {
			if (s->blocked[i][j])
				s->link_ok_since[i][j] = SIM_NEVER;
			else if (s->link_ok_since[i][j] == SIM_NEVER)
				s->link_ok_since[i][j] = s->now;
		}
	}
	if (s->loss_ppm || s->dup_ppm || s->slow_ppm)
		s->net_ok_since = SIM_NEVER;
	else if (s->net_ok_since == SIM_NEVER)
		s->net_ok_since = s->now;
	/* --lossy-catchup: the lossy node's links are faulty after the heal */
	for (i = 0; s->lossy >= 0 && s->healed && i < s->n; i++)
		s->link_ok_since[i][s->lossy] = s->link_ok_since[s->lossy][i] =
			SIM_NEVER;
}

static bool ok_long(const struct sim *s, uint64_t since)
{
	return since != SIM_NEVER && since + STABLE_NS <= s->now;
}

/*
 * Is the current leader healthy: active, and for STABLE_NS neither it nor
 * enough voters around it were touched by a fault?  "Enough" is a set of
 * voters, the leader included, reaching q2 (so its heartbeats gather a
 * quorum) and meeting every phase-1 quorum (q1 + |set| > n), each up and
 * without a clock jump, linked to the leader both ways without a break,
 * with no loss, duplication or extra delay anywhere.  Then every phase-1
 * quorum holds a voter that hears the leader, and a pre-vote must fail;
 * faults elsewhere (a follower cut off, crashed, its clock jumped) must
 * not cost the leader its place.
 */
static bool leader_healthy(const struct sim *s)
{
	const struct node *l;
	uint32_t nv, good = 1;
	int v;

	if (s->leader < 0)
		return false;
	l = &s->nodes[s->leader];
	if (!l->up || l->r.role != SYNOD_LEADER || !l->r.active ||
	    l->r.ballot != s->lead_ballot || !ok_long(s, s->lead_since) ||
	    !ok_long(s, l->ok_since) || !ok_long(s, s->net_ok_since))
		return false;
	for (v = 0; v < s->n; v++) {
		const struct node *nd = &s->nodes[v];

		if (v == s->leader || !(l->r.cfg.voters & (1u << v)))
			continue;
		good += nd->up && ok_long(s, nd->ok_since) &&
			ok_long(s, s->link_ok_since[s->leader][v]) &&
			ok_long(s, s->link_ok_since[v][s->leader]);
	}
	nv = (uint32_t)__builtin_popcount(l->r.cfg.voters);
	return good >= l->r.cfg.q2 && good + l->r.cfg.q1 > nv;
}

/* A replica started a campaign: note whom it could depose for nothing. */
static void note_campaign(struct sim *s, struct node *nd)
{
	struct campaign *c;

	if (s->ncamp == s->cap_camp) {
		s->cap_camp = s->cap_camp ? s->cap_camp * 2 : 256;
		s->camp = realloc(s->camp, (size_t)s->cap_camp *
				  sizeof(*s->camp));
		if (!s->camp)
			abort();
	}
	c = &s->camp[s->ncamp++];
	c->ballot = nd->r.ballot;
	c->t = s->now;
	c->node = nd->id;
	c->healthy = leader_healthy(s) ? s->lead_ballot : 0;
	nd->last_ballot = nd->r.ballot;
	sim_trace(s, "node %d: campaigns in ballot %#" PRIx64 "%s", nd->id,
		  c->ballot, c->healthy ? " while the leader is healthy" : "");
}

/* The current leader lost its place to ballot @by: was it for nothing? */
static void deposed(struct sim *s, uint64_t by)
{
	int i;

	for (i = s->ncamp - 1; i >= 0; i--) {
		const struct campaign *c = &s->camp[i];

		if (c->ballot != by)
			continue;
		if (c->healthy && c->healthy == s->lead_ballot)
			sim_fail(s, "stability: leader %d (ballot %#" PRIx64
				 ") deposed by ballot %#" PRIx64 ", which node "
				 "%d started at %" PRIu64 " ns while the leader "
				 "and a quorum around it had been untouched by "
				 "faults for %" PRIu64 " ms", s->leader,
				 s->lead_ballot, by, c->node, c->t,
				 (uint64_t)(STABLE_NS / SIM_MS));
		return;
	}
}

/*
 * After every step: note campaigns, then leader changes.  The leader is
 * the newest ballot that finished phase 1; it is deposed when it steps
 * down while up (by the ballot it then knows of) or when a newer ballot
 * finishes phase 1.  A crash is a fault, never a deposition.
 */
void check_leaders(struct sim *s)
{
	struct node *l;
	int i;

	for (i = 0; i < s->n; i++) {
		struct node *nd = &s->nodes[i];

		if (nd->up && nd->r.role == SYNOD_CANDIDATE &&
		    nd->r.ballot != nd->last_ballot) {
			if (node_resyncing(nd))
				sim_fail(s, "resync: node %d campaigned in "
					 "ballot %#" PRIx64 " during its state "
					 "transfer", i, nd->r.ballot);
			note_campaign(s, nd);
		}
		if (nd->up && nd->r.role != SYNOD_FOLLOWER &&
		    nd->r.ballot < kept_promise(nd))
			sim_fail(s, "node %d forgot its promise of ballot %#"
				 PRIx64 ": it is %s in ballot %#" PRIx64, i,
				 kept_promise(nd), nd->r.role == SYNOD_LEADER ?
				 "leader" : "candidate", nd->r.ballot);
		if (nd->up && nd->r.role == SYNOD_LEADER &&
		    node_resyncing(nd))
			sim_fail(s, "resync: node %d leads in ballot %#" PRIx64
				 " during its state transfer", i, nd->r.ballot);
	}
	if (s->leader >= 0) {
		l = &s->nodes[s->leader];
		if (!l->up || l->incarnation != s->leader_inc) {
			s->leader = -1;
		} else if (l->r.role != SYNOD_LEADER ||
			   l->r.ballot != s->lead_ballot) {
			deposed(s, l->r.ballot_seen);
			s->leader = -1;
		}
	}
	for (i = 0; i < s->n; i++) {
		const struct synod_replica *r = &s->nodes[i].r;

		if (!s->nodes[i].up || r->role != SYNOD_LEADER ||
		    r->ballot <= s->max_active_ballot)
			continue;
		s->max_active_ballot = r->ballot;
		s->leader_changes++;
		sim_trace(s, "node %d: phase 1 of ballot %#" PRIx64 " done",
			  i, r->ballot);
		if (s->leader >= 0)
			deposed(s, r->ballot);
		s->leader = i;
		s->leader_inc = s->nodes[i].incarnation;
		s->lead_ballot = r->ballot;
		s->lead_since = SIM_NEVER;
	}
	if (s->leader >= 0 && s->lead_since == SIM_NEVER &&
	    s->nodes[s->leader].r.active)
		s->lead_since = s->now;
}

/*
 * A leader holds its lease only while no other proposer can have finished
 * phase 1, so a lease read must never follow a higher ballot's phase 1.
 * Nor may it come before that by luck alone: at the read, a phase-2 quorum
 * of voters must be bound to refuse other proposers, each by a lease it
 * granted less than D / (1 + rho) of real time ago (the least an acceptor
 * whose clock runs rho fast waits; a crash since only lengthens it, by the
 * restart wait), the leader by its own.  Real time is the simulator's,
 * which no replica sees: pauses, drift and jumps all count.
 */
void check_lease_read(struct sim *s, struct node *nd)
{
	const struct synod_config *c = &nd->r.cfg;
	uint64_t hold = s->lease_ns * 1000000 /
			(1000000 + sim_params_template.rho_ppm);
	uint32_t bound = 1u << nd->id;
	int v;

	if (nd->r.ballot < s->max_active_ballot) {
		sim_fail(s, "lease safety: node %d served a lease read in ballot %#"
			 PRIx64 " after ballot %#" PRIx64 " finished phase 1",
			 nd->id, nd->r.ballot, s->max_active_ballot);
		return;
	}
	for (v = 0; v < s->n; v++)
		if (s->grant_t[v][nd->id] &&
		    s->now < s->grant_t[v][nd->id] + hold)
			bound |= 1u << v;
	if (__builtin_popcount(bound & c->voters) < c->q2)
		sim_fail(s, "lease safety: node %d served a lease read in ballot %#"
			 PRIx64 " with only voters %#x bound by a lease (q2 %u)",
			 nd->id, nd->r.ballot, bound & c->voters, c->q2);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void check_acked_in_log(struct sim *s, uint64_t top)
{
	uint64_t *vals = malloc((top * SYNOD_BATCH_MAX + 1) * sizeof(*vals));
	uint64_t slot, nv = 0;
	int i, k;

	for (slot = 1; slot <= top; slot++)
		for (k = 0; k < s->chosen[slot].nwrites; k++)
			vals[nv++] = s->chosen[slot].w[k].ref;
	qsort(vals, nv, sizeof(*vals), cmp_u64);
	for (i = 0; i < s->nhist && !s->failed; i++) {
		const struct hop *h = &s->hist[i];

		if (h->write && h->ok == OK_TRUE &&
		    !bsearch(&h->value, vals, nv, sizeof(*vals), cmp_u64))
			sim_fail(s, "acked write %#" PRIx64 " is not in the log",
				 h->value);
	}
	free(vals);
}

/* Whether an agreed slot after @nd's applied one wrote @v to @block. */
static bool written_later(const struct sim *s, const struct node *nd,
			  int block, uint64_t v)
{
	uint64_t slot;
	int k;

	for (slot = nd->applied + 1; slot < s->nchosen; slot++)
		for (k = 0; k < s->chosen[slot].nwrites; k++)
			if (s->chosen[slot].w[k].block == (uint64_t)block &&
			    s->chosen[slot].w[k].ref == v)
				return true;
	return false;
}

/*
 * @nd's data area must equal the replay of the agreed log up to its
 * applied slot.  With @ahead, a block may also hold a value of a later
 * slot, as a data area does after a crash until the journal's redo, and
 * a chunk copied from such a source; applying forward repairs that, while
 * an older value (a chunk that undid our applies) it never would.
 */
void check_replay(struct sim *s, struct node *nd, bool ahead)
{
	uint64_t store[SIM_BLOCKS] = { 0 }, slot;
	int k;

	chosen_grow(s, nd->applied);
	for (slot = 1; slot <= nd->applied; slot++) {
		if (s->chosen[slot].slot != slot) {
			sim_fail(s, "slot %" PRIu64 " applied by node %d has no "
				 "recorded value", slot, nd->id);
			return;
		}
		for (k = 0; k < s->chosen[slot].nwrites; k++)
			store[s->chosen[slot].w[k].block] =
				s->chosen[slot].w[k].ref;
	}
	for (k = 0; k < SIM_BLOCKS; k++) {
		if (store[k] == nd->store[k] ||
		    (ahead && written_later(s, nd, k, nd->store[k])))
			continue;
		sim_fail(s, "node %d data area differs from the agreed log in "
			 "block %d at slot %" PRIu64, nd->id, k, nd->applied);
		return;
	}
}

/*
 * --lossy-catchup: node @nd jumped for a state transfer.  The lossy node
 * comes back behind every trimmed log, so it must jump once; a second
 * jump means a FETCH or CATCHUP lost on its links let the leader trim
 * past it again (the copy starts over: nemesis.rst's livelock, made
 * likely by loss).  Its loss, a few percent, is no excuse: an unanswered
 * FETCH is asked again after twice the round trip.
 */
void check_lossy_jump(struct sim *s, struct node *nd)
{
	if (nd->id != s->lossy || !s->healed)
		return;
	if (++s->lossy_jumps > 1)
		sim_fail(s, "lossy catch-up: node %d jumped %d times (transfer "
			 "pass %u): a lost FETCH or CATCHUP let the leader "
			 "trim past it again", nd->id, s->lossy_jumps,
			 nd->rs.pass);
}

static void check_liveness(struct sim *s)
{
	uint64_t settled = s->fault_end + SETTLE_NS;
	int i, good = 0;

	for (i = 0; i < s->nhist && !s->failed; i++) {
		const struct hop *h = &s->hist[i];

		if (!h->done) {
			sim_fail(s, "liveness: request %d from %" PRIu64
				 " ns never completed", i, h->call);
		} else if (h->call >= settled && h->ok != OK_TRUE &&
			   h->ret != h->call) {
			sim_fail(s, "liveness: request %d at %" PRIu64
				 " ns failed after the cluster settled", i,
				 h->call);
		}
		good += h->call >= settled && h->ok == OK_TRUE;
	}
	if (!s->failed && good == 0)
		sim_fail(s, "liveness: nothing succeeded after the heal");
}

/* -v: each node's state at a failed end, to see why nothing moves. */
static void dump_nodes(struct sim *s)
{
	int i, c, settled;

	for (i = 0; i < s->n; i++) {
		const struct node *nd = &s->nodes[i];
		const struct synod_replica *r = &nd->r;

		for (c = 0, settled = 0; c < SIM_BLOCKS; c++)
			settled += nd->rs.state[c] == 2;
		sim_trace(s, "end: node %d role %u ballot %#" PRIx64
			  " promised %#" PRIx64 " leader %u chosen_upto %"
			  PRIu64 " applied %" PRIu64 " log_base %" PRIu64
			  " nfaulty %u no_campaign %d data_suspect %d"
			  " resync flag %d active %d restart %d from %d"
			  " need %" PRIu64 " chunks %d/%d", i, r->role,
			  r->ballot, r->promised, r->leader, r->chosen_upto,
			  nd->applied, r->log_base, r->nfaulty,
			  r->no_campaign, r->data_suspect, nd->rs.flag,
			  nd->rs.active, nd->rs.restart, nd->rs.from,
			  nd->rs.need, settled, SIM_BLOCKS);
	}
}

void check_final(struct sim *s)
{
	uint64_t top = 0;
	int i;

	for (i = 0; i < s->n; i++) {
		if (!s->nodes[i].up)
			sim_fail(s, "node %d still down at the end", i);
		if (s->nodes[i].applied > top)
			top = s->nodes[i].applied;
	}
	for (i = 0; i < s->n && !s->failed; i++)
		if (s->nodes[i].cfg.voters != (1u << s->n) - 1)
			sim_fail(s, "liveness: node %d not a voter again "
				 "(voters %#x)", i, s->nodes[i].cfg.voters);
	for (i = 0; i < s->n && !s->failed; i++)
		if (s->nodes[i].applied != top)
			sim_fail(s, "liveness: node %d applied %" PRIu64
				 " of %" PRIu64, i, s->nodes[i].applied, top);
	/* as nemesis.rst's end: no replica still copying its data area */
	for (i = 0; i < s->n && !s->failed; i++)
		if (node_resyncing(&s->nodes[i]))
			sim_fail(s, "liveness: node %d still in a state "
				 "transfer at the end (%" PRIu64 " jumps, %"
				 PRIu64 " transfers done in all)", i,
				 s->xfer_jumps, s->transfers);
	/* our own cut promises are well formed: none refused (phase1.c) */
	for (i = 0; i < s->n && !s->failed; i++)
		if (s->nodes[i].r.stats.part_refused)
			sim_fail(s, "node %d refused %" PRIu64 " cut promises "
				 "as malformed", i,
				 s->nodes[i].r.stats.part_refused);
	chosen_grow(s, top);
	for (i = 0; i < s->n && !s->failed; i++)
		check_replay(s, &s->nodes[i], false);
	if (!s->failed)
		check_acked_in_log(s, top);
	if (!s->failed)
		check_liveness(s);
	if (s->failed)
		dump_nodes(s);
}

static bool was_read(const struct sim *s, int block, uint64_t v)
{
	int i;

	for (i = 0; i < s->nhist; i++)
		if (!s->hist[i].write && s->hist[i].ok == OK_TRUE &&
		    s->hist[i].block == block && s->hist[i].value == v)
			return true;
	return false;
}

/*
 * Per-block linearizability.  Failed writes are left out; a write of
 * unknown outcome whose value nobody read is left out too (omitting it is
 * one of its allowed outcomes and it cannot explain any read); one that
 * was read may take effect at any time after its call.
 */
void check_linearizable(struct sim *s)
{
	struct wgl_op *ops = malloc(((size_t)s->nhist + 1) * sizeof(*ops));
	int b, i, n;

	for (b = 0; b < SIM_BLOCKS && !s->failed; b++) {
		enum wgl_result res;

		n = 0;
		for (i = 0; i < s->nhist; i++) {
			const struct hop *h = &s->hist[i];

			if (h->block != b || !h->done || h->ok == OK_FALSE)
				continue;
			if (h->ok == OK_UNKNOWN && !was_read(s, b, h->value))
				continue;
			ops[n++] = (struct wgl_op){
				.write = h->write, .value = h->value,
				.call = h->call,
				.ret = h->ok == OK_UNKNOWN ? WGL_NEVER : h->ret,
			};
		}
		res = wgl_check(ops, n, 0, s->wgl_budget);
		if (res == WGL_VIOLATION)
			sim_fail(s, "linearizability: history of block %d (%d ops)"
				 " has no linearization", b, n);
		else if (res == WGL_GAVE_UP)
			/* unchecked is not linearizable */
			sim_fail(s, "linearizability: history of block %d "
				 "(%d ops) not checked: search budget of %"
				 PRIu64 " steps exhausted", b, n,
				 s->wgl_budget);
	}
	free(ops);
}
