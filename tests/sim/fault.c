// SPDX-License-Identifier: GPL-2.0
/*
 * The fault phase: every few milliseconds one fault of the seed's mix (a
 * symmetric or one-way partition, an isolated leader, crashes one at a
 * time or several at once, a clock jump, a pause of a node whose clock
 * runs on, a membership change (now and then two at once: the core must
 * refuse the second), stalled disks, a lossy network) or a quiet spell;
 * crashes aimed at state transfers come from node.c; then the heal, after
 * which every replica comes back as a voter and the cluster must finish
 * every request.
 */
#include "sim.h"

#include <inttypes.h>
#include <string.h>

/* The up leader of the highest ballot, or -1: the faults aim at it. */
static int find_leader(struct sim *s)
{
	int i, best = -1;

	for (i = 0; i < s->n; i++)
		if (s->nodes[i].up && s->nodes[i].r.role == SYNOD_LEADER &&
		    (best < 0 || s->nodes[i].r.ballot >
				 s->nodes[best].r.ballot))
			best = i;
	return best;
}

/* Whether some replica holds a corrupt record (it makes no promises). */
static bool any_corruption(const struct sim *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (node_holds_corruption(&s->nodes[i]))
			return true;
	return false;
}

/* The bit mask of every simulated replica. */
static uint32_t all_nodes(const struct sim *s)
{
	return (1u << s->n) - 1;
}

/*
 * One membership change through the leader's log: a removed replica
 * comes back as a learner, a learner is promoted to voter, or (during
 * faults) a voter other than the leader is removed, down to three voters
 * (with two, a replica flagged by an unfinished state transfer, which may
 * not lead, leaves the other alone: node.c, resync_jump()).  Majority
 * quorums.  Proposed even while a change is in flight: the core must
 * refuse it.
 */
static bool membership_step(struct sim *s, bool restore_only)
{
	struct synod_config next;
	struct node *ld;
	uint32_t bit = 0, missing;
	int l = find_leader(s), i, st;

	if (l < 0 || !s->nodes[l].r.active)
		return false;
	ld = &s->nodes[l];
	next = ld->r.cfg;
	next.epoch++;
	missing = all_nodes(s) & ~(next.voters | next.learners);
	if (next.learners) {
		bit = next.learners & -next.learners;
		next.learners &= ~bit;
		next.voters |= bit;
	} else if (missing) {
		bit = missing & -missing;
		next.learners |= bit;
	} else if (!restore_only && __builtin_popcount(next.voters) > 3 &&
		   !any_corruption(s)) {
		do {
			i = (int)sim_below(s, (uint64_t)s->n);
		} while (i == l);
		bit = 1u << i;
		next.voters &= ~bit;
	} else {
		return false;
	}
	next.q1 = next.q2 = (uint8_t)(__builtin_popcount(next.voters) / 2 + 1);
	st = synod_replica_change_config(&ld->r, sim_local(s, ld), &next,
					 &ld->out);
	sim_trace(s, "membership: node %d proposes epoch %u voters %#x "
		  "learners %#x: %d", l, next.epoch, next.voters,
		  next.learners, st);
	sim_process(s, ld);
	if (st == SYNOD_OK)
		s->proposed_voters = __builtin_popcount(next.voters);
	return st == SYNOD_OK;
}

/* Crash node @i; it restarts 2-82 ms later unless the heal comes first. */
static void crash_and_schedule(struct sim *s, int i)
{
	if (!node_may_crash(s, &s->nodes[i], false))
		return;
	node_crash(s, &s->nodes[i]);
	sim_schedule(s, s->now + 2 * SIM_MS + sim_below(s, 80 * SIM_MS),
		     EV_RESTART, i, 0);
}

/* One fault of the mix, chosen by the seed (or, 18 in 100, none). */
void fault_inject(struct sim *s)
{
	uint64_t k = sim_below(s, 100);
	int i, j, l;

	if (k < 15) {			/* symmetric partition */
		uint64_t side = sim_rand(s);

		net_heal(s);
		for (i = 0; i < s->n; i++)
			for (j = 0; j < s->n; j++)
				s->blocked[i][j] = ((side >> i) & 1) !=
						   ((side >> j) & 1);
		sim_trace(s, "fault: partition %#" PRIx64,
			  side & ((1u << s->n) - 1));
	} else if (k < 30) {		/* asymmetric: drop one direction */
		i = (int)sim_below(s, (uint64_t)s->n);
		j = (int)sim_below(s, (uint64_t)s->n);
		if ((l = find_leader(s)) >= 0 && sim_chance(s, 500000))
			i = l;
		s->blocked[i][j] = i != j;
		sim_trace(s, "fault: drop %d -> %d", i, j);
	} else if (k < 38) {		/* isolate the leader */
		l = find_leader(s);
		if (l >= 0) {
			for (i = 0; i < s->n; i++)
				s->blocked[i][l] = s->blocked[l][i] = i != l;
			sim_trace(s, "fault: isolate leader %d", l);
		}
	} else if (k < 50) {
		net_heal(s);
		sim_trace(s, "fault: network healed");
	} else if (k < 62) {		/* crash one */
		i = (int)sim_below(s, (uint64_t)s->n);
		if ((l = find_leader(s)) >= 0 && sim_chance(s, 400000))
			i = l;
		crash_and_schedule(s, i);
	} else if (k < 68) {		/* power loss of several at once */
		l = 2 + (int)sim_below(s, (uint64_t)s->n - 1);
		for (i = 0; i < l; i++)
			crash_and_schedule(s, (int)sim_below(s, (uint64_t)s->n));
	} else if (k < 72) {		/* clock jump */
		struct node *nd = &s->nodes[sim_below(s, (uint64_t)s->n)];

		nd->base_local = sim_local(s, nd) + 10 * SIM_MS +
				 sim_below(s, 100 * SIM_MS);
		nd->base_real = s->now;
		nd->ok_since = s->now;
		s->jumps++;
		sim_trace(s, "fault: clock jump on node %d", nd->id);
	} else if (k < 76) {
		/* a second change at once, before the first is chosen */
		if (membership_step(s, false) && sim_chance(s, 500000))
			membership_step(s, false);
	} else if (k < 78) {		/* disks stall, then maybe power fails */
		for (i = 0; i < s->n; i++)
			s->nodes[i].disk_slow_until = s->now + 20 * SIM_MS +
						      sim_below(s, 150 * SIM_MS);
		sim_trace(s, "fault: disks stall");
	} else if (k < 82) {
		s->loss_ppm = (uint32_t)sim_below(s, 200000);
		s->dup_ppm = (uint32_t)sim_below(s, 50000);
		s->slow_ppm = (uint32_t)sim_below(s, 100000);
	} else if (k < 87) {		/* pause, often the leader, across D */
		i = (int)sim_below(s, (uint64_t)s->n);
		if ((l = find_leader(s)) >= 0 && sim_chance(s, 500000))
			i = l;
		node_pause(s, &s->nodes[i], s->lease_ns / 2 +
			   sim_below(s, 2 * s->lease_ns));
	}
	/* else: quiet for a while */
}

/* End of the fault phase: a whole network and every node up. */
void fault_heal(struct sim *s)
{
	int i;

	net_heal(s);
	s->loss_ppm = s->dup_ppm = s->slow_ppm = 0;
	s->healed = true;
	for (i = 0; i < s->n; i++)
		node_restart(s, &s->nodes[i]);
	sim_schedule(s, s->now + 20 * SIM_MS, EV_MEMBER, -1, 0);
	sim_trace(s, "heal: network whole, every node up");
}

/*
 * --lossy-catchup: once a leader leads, cut off a follower for the rest
 * of the fault phase, so that it comes back behind every trimmed log and
 * must catch up by a state transfer over its lossy links
 * (net_lossy_drop()) while the clients keep the leader writing.
 */
void fault_lossy_cut(struct sim *s)
{
	int l = find_leader(s), i;

	if (l < 0 || !s->nodes[l].r.active) {
		sim_schedule(s, s->now + 10 * SIM_MS, EV_LOSSY, -1, 0);
		return;
	}
	s->lossy = (l + 1) % s->n;
	for (i = 0; i < s->n; i++)
		s->blocked[i][s->lossy] = s->blocked[s->lossy][i] =
			i != s->lossy;
	sim_trace(s, "lossy catch-up: node %d cut off until the heal, then "
		  "%u ppm of its messages lost", s->lossy, s->lossy_ppm);
}

/*
 * After the heal: one membership step at a time until every replica is a
 * voter in the leader's configuration and in node 0's.
 */
void fault_restore_members(struct sim *s)
{
	membership_step(s, true);
	/* a change still pending at the leader may yet remove one */
	if (s->nodes[0].r.cfg.voters != all_nodes(s) ||
	    find_leader(s) < 0 ||
	    s->nodes[find_leader(s)].r.cfg.voters != all_nodes(s) ||
	    s->nodes[find_leader(s)].r.cfg_pending)
		sim_schedule(s, s->now + 20 * SIM_MS, EV_MEMBER, -1, 0);
}
