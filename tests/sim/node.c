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
	nd->pend = sim_grow(nd->pend, nd->npend, &nd->cap_pend,
			    sizeof(*nd->pend));
	nd->pend[nd->npend++] = (struct jrec){ .seq = p->seq, .p = *p };
	sim_schedule(s, t, EV_DURABLE, nd->id, p->seq);
}

/* ---- data area ---- */

/*
 * The engine issues an apply's data-area write; it lands after a write's
 * latency, after every apply issued before it (node_land()).
 */
static void apply_issue(struct sim *s, struct node *nd,
			const struct synod_entry *e)
{
	uint64_t t;

	if (!check_issue(s, nd, e))
		return;
	nd->landq = sim_grow(nd->landq, nd->nlandq, &nd->cap_landq,
			     sizeof(*nd->landq));
	nd->landq[nd->nlandq++] = *e;
	nd->issued = e->slot;
	t = s->now + 20 * SIM_US + sim_below(s, 300 * SIM_US);
	if (t < nd->land_free_ns)
		t = nd->land_free_ns;
	nd->land_free_ns = t;
	sim_schedule(s, t, EV_LAND, nd->id, e->slot);
}

/* Write the queued applies up to @slot into the data area, in order. */
static void land_upto(struct sim *s, struct node *nd, uint64_t slot)
{
	int i;

	for (i = 0; i < nd->nlandq && nd->landq[i].slot <= slot; i++)
		check_apply(s, nd, &nd->landq[i]);
	memmove(nd->landq, nd->landq + i,
		(size_t)(nd->nlandq - i) * sizeof(*nd->landq));
	nd->nlandq -= i;
}

/* Applies up to @slot landed: tell the replica, which may serve reads. */
void node_land(struct sim *s, struct node *nd, uint64_t slot)
{
	land_upto(s, nd, slot);
	if (nd->applied <= nd->r.landed)
		return;
	synod_replica_landed(&nd->r, sim_local(s, nd), nd->applied,
			     &nd->out);
	sim_process(s, nd);
}

/*
 * A write to the data area (an apply or an installed chunk) without FUA:
 * until the next flush, a power loss may leave it or any earlier
 * unflushed write of the block, or the flushed value.
 */
void node_data_write(struct node *nd, int block, uint64_t value)
{
	int *n = &nd->nunfl[block];

	nd->store[block] = value;
	if (*n == SIM_UNFLUSHED) {	/* the oldest no longer counts */
		memmove(nd->unfl[block], nd->unfl[block] + 1,
			(SIM_UNFLUSHED - 1) * sizeof(uint64_t));
		(*n)--;
	}
	nd->unfl[block][(*n)++] = value;
}

/* The writes of one apply, in order (blocks checked at issue). */
void node_data_write_entry(struct node *nd, const struct synod_entry *e)
{
	int i;

	for (i = 0; i < e->nwrites; i++)
		node_data_write(nd, (int)e->w[i].block, e->w[i].ref);
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
	memset(nd->nunfl, 0, sizeof(nd->nunfl));
	nd->ckpt_cfg = nd->cfg;
}

/* Power loss: each block keeps its flushed value or any write since. */
static void data_area_crash(struct sim *s, struct node *nd)
{
	int b;

	for (b = 0; b < SIM_BLOCKS; b++) {
		uint64_t k = sim_below(s, (uint64_t)nd->nunfl[b] + 1);

		if (k)
			nd->ckpt_store[b] = nd->unfl[b][k - 1];
	}
	memset(nd->nunfl, 0, sizeof(nd->nunfl));
	memcpy(nd->store, nd->ckpt_store, sizeof(nd->store));
}

/* ---- state transfer (kmod/resync.c, one chunk per block) ---- */

/* The data area is suspect until a transfer completes (resync.h). */
bool node_resyncing(const struct node *nd)
{
	return nd->rs.flag || nd->rs.active || nd->rs.restart;
}

/* Put a chunk request or answer on the network, as messages go. */
static void chunk_send(struct sim *s, int from, int to,
		       const struct chunk_msg *cm, uint64_t extra_ns)
{
	struct chunk_msg *buf;
	uint64_t delay = 50 * SIM_US + sim_below(s, 500 * SIM_US) + extra_ns;

	if (to < 0 || to >= s->n || to == from || s->blocked[from][to] ||
	    sim_chance(s, s->loss_ppm) || net_lossy_drop(s, from, to))
		return;
	if (sim_chance(s, s->slow_ppm))
		delay += sim_below(s, 30 * SIM_MS);
	buf = malloc(sizeof(*buf));
	if (!buf)
		abort();
	*buf = *cm;
	buf->from = from;
	sim_push((struct event){ .t = s->now + delay, .kind = EV_CHUNK,
				 .node = to, .inc = s->nodes[to].incarnation,
				 .buf = (uint8_t *)buf });
}

/* Ask the leader we know of, else the peer asked last. */
static int pick_source(struct node *nd)
{
	uint32_t l = synod_replica_leader(&nd->r);

	if (nd->up && l < SYNOD_NODE_NONE && l != (uint32_t)nd->id)
		return (int)l;
	return nd->rs.from;
}

/* A new pass over every chunk (resync.c pass_start). */
static void pass_start(struct sim *s, struct node *nd, int from)
{
	struct resync *rs = &nd->rs;

	memset(rs->state, 0, sizeof(rs->state));
	memset(rs->sent, 0, sizeof(rs->sent));
	rs->from = from;
	rs->need = 0;
	rs->pass++;
	rs->active = true;
	rs->restart = false;
	sim_trace(s, "node %d: transfer pass %u from node %d at slot %" PRIu64,
		  nd->id, rs->pass, from, nd->applied);
}

/* Flag on (with a flush and the applied index) or off: resync_mark(). */
static void resync_mark(struct node *nd, bool on)
{
	checkpoint(nd);
	nd->rs.flag = on;
}

/* Ask for every chunk the window has room for, again for lost ones. */
static void resync_pump(struct sim *s, struct node *nd)
{
	struct resync *rs = &nd->rs;
	int c, busy = 0;

	for (c = 0; c < SIM_BLOCKS; c++)
		busy += rs->state[c] == 1;
	for (c = 0; c < SIM_BLOCKS; c++) {
		struct chunk_msg cm = { .pass = rs->pass, .chunk = c,
					.slot = nd->applied };

		if (rs->state[c] == 2 ||
		    (rs->state[c] == 0 && busy >= SIM_RESYNC_WINDOW))
			continue;
		if (rs->state[c] == 1 && rs->sent[c] &&
		    s->now - rs->sent[c] < SIM_RESYNC_RETRY_NS)
			continue;
		if (rs->state[c] == 1 && rs->sent[c])	/* lost: the source died? */
			rs->from = pick_source(nd);
		if (rs->state[c] == 0)
			busy++;
		rs->state[c] = 1;
		rs->sent[c] = s->now;
		chunk_send(s, nd->id, rs->from, &cm, 0);
	}
}

/* Done when every chunk settled and applied reached the newest read. */
static void resync_finish(struct sim *s, struct node *nd)
{
	struct resync *rs = &nd->rs;
	int c;

	for (c = 0; c < SIM_BLOCKS; c++)
		if (rs->state[c] != 2)
			return;
	if (nd->applied < rs->need)
		return;
	resync_mark(nd, false);
	rs->active = false;
	s->transfers++;
	sim_trace(s, "node %d: transfer from node %d done at slot %" PRIu64,
		  nd->id, rs->from, nd->applied);
	check_replay(s, nd, true);	/* now, not only at the end */
}

/*
 * The core asked for a transfer: jump it with the flag on disk first, then
 * copy the chunks (resync_jump()).  As in the module, the core decides
 * (Documentation/protocol.rst, "Catch-up and state transfer"): the slot is
 * the source's checkpoint, which it serves even after a crash (its commit
 * index may be applies a crash undoes, and every replica could end up
 * flagged or behind every peer's trimmed log); a source whose own copy
 * runs offers no slot, so replicas do not chain into the flag; and
 * synod_replica_install_snapshot() resigns a candidacy and drops a
 * pre-vote (the mutant RESYNC_CANDIDATE does not, and is caught).
 *
 * Like the module's, the jump uses only what came on the wire: the slot
 * and the configuration in effect there (out->transfer_cfg, from the
 * source's checkpoint), which go into the superblock at once.  Nothing is
 * read from the source's state here.
 */
static void resync_jump(struct sim *s, struct node *nd)
{
	struct resync *rs = &nd->rs;
	int from = rs->want_from;
	uint64_t slot = rs->want_slot;

	rs->want_slot = 0;
	if (from < 0 || from >= s->n || from == nd->id ||
	    slot <= nd->r.chosen_upto || nd->r.role == SYNOD_LEADER)
		return;
	/* the applies in flight land before the copy writes over them */
	land_upto(s, nd, UINT64_MAX);
	if (!rs->flag)
		resync_mark(nd, true);
	sim_trace(s, "node %d: state transfer from %d: jump to slot %" PRIu64
		  " epoch %u", nd->id, from, slot, rs->want_cfg.epoch);
	synod_replica_install_snapshot(&nd->r, sim_local(s, nd), slot,
				       &rs->want_cfg, &nd->out);
	s->xfer_jumps++;
	check_lossy_jump(s, nd);
	nd->applied = slot;
	nd->issued = slot;
	nd->cfg = nd->r.cfg_durable;	/* at the slot: applies may follow */
	nd->ckpt = nd->applied;	/* the superblock's applied index, at once */
	nd->ckpt_cfg = nd->cfg;
	pass_start(s, nd, from);
	/* Now and then the fault schedule crashes the source or the target. */
	if (!s->healed && !s->no_faults && sim_chance(s, 300000))
		sim_schedule(s, s->now + sim_below(s, 3 * SIM_MS), EV_XCRASH,
			     sim_chance(s, 500000) ? from : nd->id, 0);
	sim_process(s, nd);
}

/* Source: answer with our block and the slot it was read at, or not yet. */
static void chunk_serve(struct sim *s, struct node *nd,
			const struct chunk_msg *rq)
{
	struct chunk_msg a = { .reply = true, .pass = rq->pass,
			       .chunk = rq->chunk, .slot = nd->applied };

	if (rq->chunk < 0 || rq->chunk >= SIM_BLOCKS)
		return;
	a.not_yet = node_resyncing(nd) || nd->applied < rq->slot;
	if (!a.not_yet)
		a.value = nd->store[rq->chunk];
	/* the source reads the chunk off its data area first */
	chunk_send(s, nd->id, rq->from, &a, 20 * SIM_US +
		   sim_below(s, 400 * SIM_US));
}

/* Target: install, settle, or ask again (resync.c synod_resync_reply). */
void node_chunk(struct sim *s, struct node *nd, struct chunk_msg *cm)
{
	struct resync *rs = &nd->rs;

	if (!cm->reply) {
		chunk_serve(s, nd, cm);
		return;
	}
	if (!rs->active || cm->pass != rs->pass || cm->chunk < 0 ||
	    cm->chunk >= SIM_BLOCKS || rs->state[cm->chunk] != 1)
		return;		/* a duplicate, or from an earlier pass */
	s->chunks++;
	if (cm->not_yet) {
		rs->from = pick_source(nd);
		return;		/* asked again after the retry time */
	}
	if (cm->slot < nd->applied && !MUTANT_SNAPSHOT_STALE) {
		rs->sent[cm->chunk] = 0;	/* it would undo our applies */
		resync_pump(s, nd);
		return;
	}
	node_data_write(nd, cm->chunk, cm->value);
	if (cm->slot > rs->need)
		rs->need = cm->slot;
	rs->state[cm->chunk] = 2;
	resync_pump(s, nd);
	resync_finish(s, nd);
}

/* The tick, as the module's: no campaign while resyncing, then the pass. */
void node_tick(struct sim *s, struct node *nd)
{
	struct resync *rs = &nd->rs;
	uint32_t l;

	nd->r.no_campaign = node_resyncing(nd);
	nd->r.data_suspect = node_resyncing(nd);
	for (l = 0; nd->refused && l < (uint32_t)s->n; l++) {
		if (!(nd->refused & (1u << l)))
			continue;
		nd->refused &= ~(1u << l);
		synod_replica_peer_refused(&nd->r, sim_local(s, nd), l,
					   &nd->out);
	}
	synod_replica_tick(&nd->r, sim_local(s, nd), &nd->out);
	sim_process(s, nd);
	if (!nd->up)
		return;
	/*
	 * The module forgets what its data area holds once its payload
	 * store has been idle a while; here at a fixed rate (no draw from
	 * the seed's random stream), busy or not, which is the harder case
	 * for catch-up and recovery.
	 */
	if (++nd->ticks % SIM_FORGET_TICKS == 0)
		synod_replica_forget(&nd->r, sim_local(s, nd), false);
	if (rs->want_slot)
		resync_jump(s, nd);
	if (rs->restart && !rs->active) {
		l = synod_replica_leader(&nd->r);
		if (l < (uint32_t)s->n && l != (uint32_t)nd->id)
			pass_start(s, nd, (int)l);
	}
	if (!rs->active)
		return;
	resync_pump(s, nd);
	resync_finish(s, nd);
}

/* ---- pause: a stopped host whose clock runs on ---- */

/*
 * Stop handling the node's events for @ns: messages, disk completions,
 * client requests and ticks wait (handle() holds them) while its clock
 * runs on, as for a SIGSTOPped VM.
 */
void node_pause(struct sim *s, struct node *nd, uint64_t ns)
{
	if (!nd->up || nd->paused)
		return;
	nd->paused = true;
	nd->paused_until = s->now + ns;
	nd->pause_local = sim_local(s, nd);
	nd->ok_since = SIM_NEVER;
	s->pauses++;
	sim_schedule(s, nd->paused_until, EV_RESUME, nd->id, 0);
	sim_trace(s, "fault: pause node %d for %" PRIu64 " us", nd->id,
		  (uint64_t)(ns / SIM_US));
}

void node_resume(struct sim *s, struct node *nd)
{
	nd->paused = false;
	nd->ok_since = s->now;
	/* The mutant: a clock that stood still, so leases seem to hold. */
	if (MUTANT_PAUSE_CLOCK_STOPS) {
		nd->base_local = nd->pause_local;
		nd->base_real = s->now;
	}
	sim_trace(s, "node %d: resumes", nd->id);
}

/*
 * --retain-kb, the module's byte bound (kmod/replica_ckpt.c,
 * synod_ckpt_retain()): once a checkpoint has moved applied_durable, add
 * up the bytes of the writes the applied slots [log_base, applied] name,
 * newest first, and past s->retain_bytes let the core shed the older
 * ones at or below applied_durable, even those a lagging voter, all_chosen or a fetcher still
 * wants: that peer then catches up by a state transfer.  The sim knows
 * every write's length from its value (client.c); the module looks its
 * payloads up by ref.
 */
static void shed(struct sim *s, struct node *nd)
{
	struct synod_replica *r = &nd->r;
	uint64_t slot, bytes = 0, was = r->stats.shed;
	uint32_t i;

	if (!s->retain_bytes || r->applied_durable == nd->shed_at)
		return;
	nd->shed_at = r->applied_durable;
	for (slot = r->applied; slot >= r->log_base && slot; slot--) {
		const struct synod_slot *sl = &r->log[slot &
						      (SYNOD_LOG_MAX - 1)];

		if (sl->e.slot != slot || sl->e.kind != SYNOD_ENTRY_WRITE)
			continue;
		for (i = 0; i < sl->e.nwrites; i++)
			bytes += sim_write_len(s, sl->e.w[i].ref);
		if (bytes > s->retain_bytes)
			break;
	}
	if (bytes <= s->retain_bytes)
		return;
	if (slot > r->applied_durable)	/* not durable yet: keep those */
		slot = r->applied_durable;
	if (synod_replica_shed(r, sim_local(s, nd), slot))
		s->sheds++;
	s->shed_slots += r->stats.shed - was;
	sim_trace(s, "node %d: shed up to slot %" PRIu64 " (log_base %" PRIu64
		  ", %" PRIu64 " past a peer)", nd->id, slot, r->log_base,
		  r->stats.shed - was);
}

/* Carry out a replica's actions in the documented order. */
void sim_process(struct sim *s, struct node *nd)
{
	struct synod_out *out = &nd->out;
	uint32_t i;
	uint64_t durable;

	check_acks_sent(s, nd);
	check_byte_window(s, nd);
	for (i = 0; i < out->npersist; i++)
		disk_write(s, nd, &out->persist[i]);
	for (i = 0; i < out->nmsgs; i++)
		net_send(s, nd->id, &out->msgs[i]);
	for (i = 0; i < out->napply; i++)
		apply_issue(s, nd, &out->apply[i]);
	if (nd->applied >= nd->ckpt + SIM_CHECKPOINT_SLOTS)
		checkpoint(nd);
	for (i = 0; i < out->ndone; i++)
		client_done(s, nd, &out->done[i]);
	if (out->transfer) {	/* the next tick jumps: synod_resync_wanted() */
		nd->rs.want_from = (int)out->transfer_from;
		nd->rs.want_slot = out->transfer_slot;
		nd->rs.want_cfg = out->transfer_cfg;
	}
	synod_out_reset(out);
	/*
	 * As the kernel glue: applies survive a crash once checkpointed,
	 * with the configuration the superblock holds.  The mutant reports
	 * applies not yet flushed (as a glue that did would, at nd->cfg).
	 */
	durable = MUTANT_APPLIED_UNFLUSHED ? nd->applied : nd->ckpt;
	if (durable > nd->r.applied_durable && durable <= nd->r.applied)
		synod_replica_applied(&nd->r, durable,
				      MUTANT_APPLIED_UNFLUSHED ? &nd->cfg :
								 &nd->ckpt_cfg);
	shed(s, nd);
	check_leaders(s);
	nd->fast_until = synod_replica_lease_until(&nd->r);
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
	nd->issued = nd->applied;
	nd->land_free_ns = 0;
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
	nd->paused = false;
	nd->ok_since = s->now;
	/* A transfer cut short runs again once a leader is known. */
	memset(nd->rs.state, 0, sizeof(nd->rs.state));
	nd->rs.active = false;
	nd->rs.want_slot = 0;
	nd->rs.restart = nd->rs.flag;
	nd->r.no_campaign = node_resyncing(nd);
	nd->r.data_suspect = node_resyncing(nd);
	nd->last_ballot = 0;
	nd->disk_free_ns = s->now;
	sim_schedule(s, s->now + sim_below(s, SIM_MS), EV_TICK, nd->id, 0);
}

/*
 * The fault budget of state transfers, as of corrupt records: a replica
 * in a transfer is already one fault (its data area is suspect, its flag
 * set, until a pass completes, which needs a leader and a source at least
 * as far as the target).  So while one is, only the crash aimed at that
 * transfer (node.c: resync_jump) crashes anything, and nothing crashes
 * while two or more are (a source may serve them all); a transfer target
 * is crashed only while no other replica holds a corrupt record and there
 * are three voters or more (a flagged replica cannot lead: with two, the
 * other must, and it may be behind the flagged one's trimmed log).
 */
bool node_may_crash(const struct sim *s, const struct node *nd, bool aimed)
{
	int i, busy = 0;

	for (i = 0; i < s->n; i++)
		busy += i != nd->id && node_resyncing(&s->nodes[i]);
	if (busy > 1)
		return false;	/* a source serving several: not even aimed */
	if (node_resyncing(nd) &&
	    (__builtin_popcount(nd->cfg.voters) < 3 ||
	     (s->proposed_voters && s->proposed_voters < 3)))
		return false;
	for (i = 0; i < s->n; i++) {
		const struct node *o = &s->nodes[i];

		if (i != nd->id && node_resyncing(o) && !aimed)
			return false;
		if (i != nd->id && node_resyncing(nd) &&
		    (node_resyncing(o) || node_holds_corruption(o)))
			return false;
	}
	return true;
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
		    node_resyncing(&s->nodes[i]) ||
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
	int i, survive, reached;

	if (!nd->up)
		return;
	nd->flush_due = false;	/* its EV_FLUSH is stale: a new one may come */
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
	/*
	 * The superblock's applied index is the last checkpoint's; the data
	 * area holds, per block, that checkpoint's value or any later write.
	 */
	nd->applied = nd->ckpt;
	/* of the applies in flight, a prefix reached the disk unflushed */
	reached = (int)sim_below(s, (uint64_t)nd->nlandq + 1);
	for (i = 0; i < reached; i++)
		node_data_write_entry(nd, &nd->landq[i]);
	nd->nlandq = 0;
	data_area_crash(s, nd);
	nd->cfg = nd->ckpt_cfg;
	nd->up = false;
	nd->paused = false;
	nd->fast_until = 0;
	nd->incarnation++;
	nd->refused = 0;	/* told to a core that is gone */
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
