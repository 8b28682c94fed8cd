// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated replicas and their glue: each node's clock (rate drift
 * within rho, set by fault.c's jumps), its journal disk (in-order
 * completion, slow flushes, crashes that keep some unflushed records), its
 * data area with the kernel glue's checkpoints, state transfer, and the
 * lifecycle boot, crash, restart.  sim_process() carries out a replica's
 * actions in the order the core documents.
 */
#include "sim.h"
#include "mutant.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Every replica's protocol timing; node_boot() fills in the rest. */
struct synod_params sim_params_template = {
	.volume = 0x5eedf00d,
	.heartbeat_ns = 2 * SIM_MS,
	.election_ns = 10 * SIM_MS,
	.retransmit_ns = 5 * SIM_MS,
	.lease_ns = 8 * SIM_MS,
	.lease_margin_ns = 500 * SIM_US,
	.jump_ns = 5 * SIM_MS,
	.rho_ppm = 20000,
	.leases = true,
};

/* The node's raw monotonic clock now: its base plus drifted elapsed time. */
uint64_t sim_local(const struct sim *s, const struct node *nd)
{
	uint64_t el = s->now - nd->base_real;

	return nd->base_local + el + (uint64_t)((int64_t)el * nd->drift_ppm /
						1000000);
}

/* ---- disks and journal ---- */

/* Record a durable entry as its slot's latest, growing the slot table. */
static void jslot_put(struct node *nd, const struct synod_entry *e)
{
	if (e->slot >= nd->nslots) {
		uint64_t n = nd->nslots ? nd->nslots : 256;

		while (n <= e->slot)
			n *= 2;
		nd->slots = realloc(nd->slots, n * sizeof(*nd->slots));
		memset(nd->slots + nd->nslots, 0,
		       (n - nd->nslots) * sizeof(*nd->slots));
		nd->nslots = n;
	}
	nd->slots[e->slot].present = true;
	nd->slots[e->slot].corrupt = false;
	nd->slots[e->slot].e = *e;
}

/* One journal record reached the disk: a promise or a slot's entry. */
static void jrec_make_durable(struct node *nd, const struct jrec *j)
{
	if (j->p.kind == SYNOD_PERSIST_PROMISE) {
		if (j->p.ballot > nd->promise)
			nd->promise = j->p.ballot;
	} else {
		jslot_put(nd, &j->p.e);
	}
}

/* The disk completed every write up to @seq: tell the replica. */
void node_durable(struct sim *s, struct node *nd, uint64_t seq)
{
	int i, k = 0;

	for (i = 0; i < nd->npend; i++) {
		if (nd->pend[i].seq <= seq)
			jrec_make_durable(nd, &nd->pend[i]);
		else
			nd->pend[k++] = nd->pend[i];
	}
	nd->npend = k;
	synod_replica_durable(&nd->r, sim_local(s, nd), seq, &nd->out);
	sim_process(s, nd);
}

/*
 * Queue a journal write; it completes in order after 20-420 us, sometimes
 * a slow flush, and slower while the disk stalls.
 */
static void disk_write(struct sim *s, struct node *nd,
		       const struct synod_persist *p)
{
	uint64_t t = s->now + 20 * SIM_US + sim_below(s, 400 * SIM_US);

	if (sim_chance(s, 50000))
		t += sim_below(s, 4 * SIM_MS);	/* a slow flush */
	if (s->now < nd->disk_slow_until)
		t += 2 * SIM_MS + sim_below(s, 8 * SIM_MS);
	if (t < nd->disk_free_ns)
		t = nd->disk_free_ns;
	nd->disk_free_ns = t;
	if (nd->npend == nd->cap_pend) {
		nd->cap_pend = nd->cap_pend ? nd->cap_pend * 2 : 64;
		nd->pend = realloc(nd->pend, nd->cap_pend * sizeof(*nd->pend));
	}
	nd->pend[nd->npend++] = (struct jrec){ .seq = p->seq, .p = *p };
	sim_schedule(s, t, EV_DURABLE, nd->id, p->seq);
}

/*
 * The glue's checkpoint: flush the data area, then write the applied index
 * (and the membership) into the superblock.  Only now does a restart find
 * the applies up to it; later ones are redone from the journal.
 */
static void checkpoint(struct node *nd)
{
	nd->ckpt = nd->applied;
	memcpy(nd->ckpt_store, nd->store, sizeof(nd->store));
	nd->ckpt_cfg = nd->cfg;
}

/* ---- state transfer (the glue's checksum resync, modelled whole) ---- */

static void transfer(struct sim *s, struct node *nd, uint32_t from)
{
	struct node *src;

	if (from >= (uint32_t)s->n)
		return;
	src = &s->nodes[from];
	if (!src->up || src->applied <= nd->applied || nd->r.role ==
	    SYNOD_LEADER)
		return;
	memcpy(nd->store, src->store, sizeof(nd->store));
	nd->applied = src->applied;
	nd->cfg = src->cfg;
	checkpoint(nd);		/* the glue writes the superblock at once */
	s->transfers++;
	sim_trace(s, "node %d: state transfer from %u up to slot %" PRIu64,
		  nd->id, from, nd->applied);
	synod_replica_install_snapshot(&nd->r, sim_local(s, nd), nd->applied,
				       &nd->cfg, &nd->out);
	sim_process(s, nd);
}

/* Carry out a replica's actions in the documented order. */
void sim_process(struct sim *s, struct node *nd)
{
	struct synod_out *out = &nd->out;
	bool xfer = out->transfer;
	uint32_t i, xfrom = out->transfer_from;
	uint64_t durable;

	check_acks_sent(s, nd);
	for (i = 0; i < out->npersist; i++)
		disk_write(s, nd, &out->persist[i]);
	for (i = 0; i < out->nmsgs; i++)
		net_send(s, nd->id, &out->msgs[i]);
	for (i = 0; i < out->napply; i++)
		check_apply(s, nd, &out->apply[i]);
	if (nd->applied >= nd->ckpt + SIM_CHECKPOINT_SLOTS)
		checkpoint(nd);
	for (i = 0; i < out->ndone; i++)
		client_done(s, nd, &out->done[i]);
	synod_out_reset(out);
	/* As the kernel glue: applies survive a crash once checkpointed. */
	durable = MUTANT_APPLIED_UNFLUSHED ? nd->applied : nd->ckpt;
	if (durable > nd->r.applied_durable && durable <= nd->r.applied)
		synod_replica_applied(&nd->r, durable);
	check_leaders(s);
	if (xfer)
		transfer(s, nd, xfrom);
}

/* ---- node lifecycle ---- */

/*
 * Start a replica from what its disk holds (checkpoint, promise, journal
 * records after it) with a fresh clock drift, and start its ticks.
 */
void node_boot(struct sim *s, struct node *nd)
{
	struct synod_params p = sim_params_template;
	uint64_t slot;

	p.self = (uint32_t)nd->id;
	p.lease_ns = s->lease_ns;
	p.seed = s->seed * 31 + nd->incarnation * 7 + (uint64_t)nd->id;
	p.config = nd->cfg;
	nd->drift_ppm = (int64_t)sim_below(s, 2 * p.rho_ppm - 1) -
			(p.rho_ppm - 1);
	nd->base_local = sim_local(s, nd);
	nd->base_real = s->now;
	if (synod_replica_init(&nd->r, &p, sim_local(s, nd)))
		sim_fail(s, "node %d: init refused", nd->id);
	synod_replica_restore_applied(&nd->r, nd->applied, &nd->cfg);
	synod_replica_restore_promise(&nd->r, nd->promise);
	for (slot = nd->applied + 1; slot < nd->nslots; slot++) {
		if (!nd->slots[slot].present)
			continue;
		if (nd->slots[slot].corrupt)
			synod_replica_restore_corrupt(&nd->r, slot);
		else
			synod_replica_restore_entry(&nd->r,
						    &nd->slots[slot].e);
	}
	synod_replica_check(&nd->r);
	check_restarted(s, nd);
	synod_out_reset(&nd->out);
	nd->up = true;
	nd->ok_since = s->now;
	nd->last_ballot = 0;
	nd->disk_free_ns = s->now;
	sim_schedule(s, s->now + sim_below(s, SIM_MS), EV_TICK, nd->id, 0);
}

/* Whether a corrupt journal record is on the node's disk or in its core. */
bool node_holds_corruption(const struct node *nd)
{
	uint64_t slot;

	if (nd->up && nd->r.nfaulty)
		return true;
	for (slot = nd->applied + 1; slot < nd->nslots; slot++)
		if (nd->slots[slot].present && nd->slots[slot].corrupt)
			return true;
	return false;
}

/*
 * Corrupt one durable journal record, if no replica holds one and every
 * replica's configuration has more voters than q1 (and no two-voter one is
 * on its way): a corrupt replica makes no promises, so the others alone
 * must still form a phase-1 quorum (the fault budget).
 */
static void maybe_corrupt(struct sim *s, struct node *nd)
{
	uint64_t slot, n = 0, pick;
	int i;

	if (s->proposed_voters && s->proposed_voters < 3)
		return;		/* a two-voter config may be coming */
	for (i = 0; i < s->n; i++)
		if (node_holds_corruption(&s->nodes[i]) ||
		    __builtin_popcount(s->nodes[i].cfg.voters) <=
		    s->nodes[i].cfg.q1)
			return;	/* the others could not elect a leader */
	for (slot = nd->applied + 1; slot < nd->nslots; slot++)
		n += nd->slots[slot].present;
	if (!n)
		return;
	pick = sim_below(s, n);
	for (slot = nd->applied + 1; slot < nd->nslots; slot++) {
		if (nd->slots[slot].present && pick-- == 0) {
			nd->slots[slot].corrupt = true;
			s->corruptions++;
			sim_trace(s, "node %d: journal record of slot %" PRIu64
				  " corrupt", nd->id, slot);
			return;
		}
	}
}

/* Power loss: keep some unflushed records, fall back to the checkpoint. */
void node_crash(struct sim *s, struct node *nd)
{
	int i, survive;

	if (!nd->up)
		return;
	/*
	 * Half the time a prefix of the unflushed writes reached the disk;
	 * then a torn record (dropped by recovery as a torn tail); the rest
	 * is lost.  Otherwise any of them did, as when they were one journal
	 * batch in flight at once (recovery drops the holes of the last
	 * batch as its torn tail: Documentation/ondisk.rst).
	 */
	if (sim_chance(s, 500000)) {
		survive = (int)sim_below(s, (uint64_t)nd->npend + 1);
		for (i = 0; i < survive; i++)
			jrec_make_durable(nd, &nd->pend[i]);
	} else {
		for (i = survive = 0; i < nd->npend; i++)
			if (sim_chance(s, 500000) && ++survive)
				jrec_make_durable(nd, &nd->pend[i]);
	}
	nd->npend = 0;
	/* Applies after the last checkpoint may not have reached the disk. */
	nd->applied = nd->ckpt;
	memcpy(nd->store, nd->ckpt_store, sizeof(nd->store));
	nd->cfg = nd->ckpt_cfg;
	nd->up = false;
	nd->incarnation++;
	s->crashes++;
	sim_trace(s, "node %d: crash (%d unflushed records survive)", nd->id,
		  survive);
	client_node_crashed(s, nd);
}

/* Boot a crashed node, its journal maybe corrupt during the faults. */
void node_restart(struct sim *s, struct node *nd)
{
	if (nd->up)
		return;
	if (!s->healed && sim_chance(s, 300000))
		maybe_corrupt(s, nd);
	sim_trace(s, "node %d: restart", nd->id);
	node_boot(s, nd);
}
