// SPDX-License-Identifier: GPL-2.0
/*
 * synod-sim: a deterministic simulator of a whole synod cluster in one
 * process, after TigerBeetle's VOPR.  One 64-bit seed decides the network
 * (loss, duplication, delay and so reordering, symmetric and asymmetric
 * partitions, leader isolation), the disks (latency, crashes that lose
 * unflushed journal writes, torn tails, a corrupt journal record on one
 * replica at a time), the clocks (rate drift within rho, jumps) and the
 * clients.  After the fault phase everything heals and the cluster must
 * finish every request.  Checkers live in check.c.
 */
#include "sim.h"
#include "wgl.h"
#include "mutant.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *argv0 = "synod-sim";
static uint64_t opt_fault_ms = 2000, opt_heal_ms = 2500;
static const struct sim *current;
static bool opt_no_faults;

/* The core's assertions abort the run; say how to replay it first. */
void synod_assert_fail(const char *cond, const char *file, int line)
{
	fprintf(stderr, "synod: assertion failed: %s (%s:%d)\n", cond, file,
		line);
	if (current) {
		printf("FAIL seed %" PRIu64 " replicas %d: assertion %s "
		       "(%s:%d) at %" PRIu64 " ns\n"
		       "  replay: %s --seed %" PRIu64 " --replicas %d "
		       "--fault-ms %" PRIu64 " --heal-ms %" PRIu64 " -v\n",
		       current->seed, current->n, cond, file, line,
		       current->now, argv0, current->seed, current->n,
		       opt_fault_ms, opt_heal_ms);
		fflush(stdout);
	}
	abort();
}

enum ev_kind {
	EV_TICK, EV_MSG, EV_DURABLE, EV_CLIENT, EV_CTIMEOUT, EV_FAULT,
	EV_RESTART, EV_HEAL, EV_MEMBER,
};

struct event {
	uint64_t t, seq;
	int kind;
	int node;
	uint32_t inc;
	uint64_t a;
	uint8_t *buf;
	uint32_t len;
};

static struct event *heap;
static size_t nheap, cap_heap;
static uint64_t ev_seq;
static struct synod_msg rx_msg;	/* large: keep off the stack */

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

static bool ev_less(const struct event *a, const struct event *b)
{
	return a->t != b->t ? a->t < b->t : a->seq < b->seq;
}

static void push(struct event e)
{
	size_t i;

	if (nheap == cap_heap) {
		cap_heap = cap_heap ? cap_heap * 2 : 1024;
		heap = realloc(heap, cap_heap * sizeof(*heap));
		if (!heap)
			abort();
	}
	e.seq = ev_seq++;
	i = nheap++;
	while (i && ev_less(&e, &heap[(i - 1) / 2])) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = e;
}

static struct event pop(void)
{
	struct event top = heap[0], last = heap[--nheap];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= nheap)
			break;
		if (c + 1 < nheap && ev_less(&heap[c + 1], &heap[c]))
			c++;
		if (!ev_less(&heap[c], &last))
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (nheap)
		heap[i] = last;
	return top;
}

static void schedule(struct sim *s, uint64_t at, int kind, int node,
		     uint64_t a)
{
	uint32_t inc = node >= 0 ? s->nodes[node].incarnation : 0;

	push((struct event){ .t = at, .kind = kind, .node = node, .inc = inc,
			     .a = a });
}

uint64_t sim_rand(struct sim *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t sim_below(struct sim *s, uint64_t n)
{
	return n ? sim_rand(s) % n : 0;
}

bool sim_chance(struct sim *s, uint32_t ppm)
{
	return sim_below(s, 1000000) < ppm;
}

uint64_t sim_local(const struct sim *s, const struct node *nd)
{
	uint64_t el = s->now - nd->base_real;

	return nd->base_local + el + (uint64_t)((int64_t)el * nd->drift_ppm /
						1000000);
}

void sim_fail(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (s->failed)
		return;
	s->failed = true;
	va_start(ap, fmt);
	vsnprintf(s->failure, sizeof(s->failure), fmt, ap);
	va_end(ap);
}

void sim_trace(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->verbose)
		return;
	fprintf(stderr, "%10.3f ms  ", (double)s->now / 1e6);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void sim_schedule_client(struct sim *s, int client, uint64_t at)
{
	schedule(s, at, EV_CLIENT, -1, (uint64_t)client);
}

void sim_schedule_timeout(struct sim *s, int client, int op, uint64_t at)
{
	schedule(s, at, EV_CTIMEOUT, -1, (uint64_t)op << 8 | (uint64_t)client);
}

/* ---- network ---- */

static void net_deliver(struct sim *s, int to, uint8_t *buf, uint32_t len)
{
	uint64_t delay = 50 * SIM_US + sim_below(s, 500 * SIM_US);

	if (sim_chance(s, s->slow_ppm))
		delay += sim_below(s, 30 * SIM_MS);
	push((struct event){ .t = s->now + delay, .kind = EV_MSG, .node = to,
			     .inc = s->nodes[to].incarnation, .buf = buf,
			     .len = len });
}

static void net_send(struct sim *s, int from, const struct synod_msg *m)
{
	uint8_t *buf = malloc(SYNOD_WIRE_MAX_LEN);
	uint32_t len = synod_wire_encode(m, buf, SYNOD_WIRE_MAX_LEN);

	s->msgs++;
	if (!len)
		sim_fail(s, "encode failed");
	if (m->to >= s->n || s->blocked[from][m->to] ||
	    sim_chance(s, s->loss_ppm)) {
		free(buf);
		return;
	}
	if (sim_chance(s, s->dup_ppm)) {
		uint8_t *dup = malloc(len);

		memcpy(dup, buf, len);
		net_deliver(s, m->to, dup, len);
	}
	if (!s->healed && !opt_no_faults && sim_chance(s, 1000))
		buf[sim_below(s, len)] ^= (uint8_t)(1 + sim_below(s, 255));
	net_deliver(s, m->to, buf, len);
}

/* ---- disks and journal ---- */

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

static void jrec_make_durable(struct node *nd, const struct jrec *j)
{
	if (j->p.kind == SYNOD_PERSIST_PROMISE) {
		if (j->p.ballot > nd->promise)
			nd->promise = j->p.ballot;
	} else {
		jslot_put(nd, &j->p.e);
	}
}

static void disk_durable(struct sim *s, struct node *nd, uint64_t seq)
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
	schedule(s, t, EV_DURABLE, nd->id, p->seq);
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

static void node_boot(struct sim *s, struct node *nd)
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
	schedule(s, s->now + sim_below(s, SIM_MS), EV_TICK, nd->id, 0);
}

static bool holds_corruption(const struct node *nd)
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
		if (holds_corruption(&s->nodes[i]) ||
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

static void node_crash(struct sim *s, struct node *nd)
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

static void node_restart(struct sim *s, struct node *nd)
{
	if (nd->up)
		return;
	if (!s->healed && sim_chance(s, 300000))
		maybe_corrupt(s, nd);
	sim_trace(s, "node %d: restart", nd->id);
	node_boot(s, nd);
}

/* ---- faults ---- */

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

static bool holds_corruption(const struct node *nd);

static bool any_corruption(const struct sim *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (holds_corruption(&s->nodes[i]))
			return true;
	return false;
}

static uint32_t all_nodes(const struct sim *s)
{
	return (1u << s->n) - 1;
}

/*
 * One membership change through the leader's log: a removed replica
 * comes back as a learner, a learner is promoted to voter, or (during
 * faults) a voter other than the leader is removed.  Majority quorums.
 */
static bool membership_step(struct sim *s, bool restore_only)
{
	struct synod_config next;
	struct node *ld;
	uint32_t bit = 0, missing;
	int l = find_leader(s), i, st;

	if (l < 0 || !s->nodes[l].r.active || s->nodes[l].r.cfg_pending)
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
	} else if (!restore_only && __builtin_popcount(next.voters) > 2 &&
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

static void heal_network(struct sim *s)
{
	memset(s->blocked, 0, sizeof(s->blocked));
}

static void crash_and_schedule(struct sim *s, int i)
{
	node_crash(s, &s->nodes[i]);
	schedule(s, s->now + 2 * SIM_MS + sim_below(s, 80 * SIM_MS),
		 EV_RESTART, i, 0);
}

static void fault(struct sim *s)
{
	uint64_t k = sim_below(s, 100);
	int i, j, l;

	if (k < 15) {			/* symmetric partition */
		uint64_t side = sim_rand(s);

		heal_network(s);
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
		heal_network(s);
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
	}
	/* else: quiet for a while */
}

static void heal(struct sim *s)
{
	int i;

	heal_network(s);
	s->loss_ppm = s->dup_ppm = s->slow_ppm = 0;
	s->healed = true;
	for (i = 0; i < s->n; i++)
		node_restart(s, &s->nodes[i]);
	schedule(s, s->now + 20 * SIM_MS, EV_MEMBER, -1, 0);
	sim_trace(s, "heal: network whole, every node up");
}

/* ---- the event loop ---- */

static void handle_msg(struct sim *s, struct event *e)
{
	struct node *nd = &s->nodes[e->node];
	int err;

	if (!nd->up || e->inc != nd->incarnation) {
		free(e->buf);
		return;
	}
	err = synod_wire_decode(e->buf, e->len, &rx_msg);
	free(e->buf);
	if (err) {
		sim_trace(s, "node %d: refused message: %s", nd->id,
			  synod_wire_err_name(err));
		return;
	}
	if (s->verbose > 1)
		sim_trace(s, "node %d <- %u type %u ballot %#" PRIx64
			  " slot %" PRIu64 "-%" PRIu64 " n %u flags %#x",
			  nd->id, rx_msg.from, rx_msg.type, rx_msg.ballot,
			  rx_msg.slot, rx_msg.slot_hi, rx_msg.count,
			  rx_msg.flags);
	synod_replica_step(&nd->r, sim_local(s, nd), &rx_msg, &nd->out);
	sim_process(s, nd);
}

static void handle(struct sim *s, struct event *e)
{
	struct node *nd = e->node >= 0 ? &s->nodes[e->node] : NULL;

	switch (e->kind) {
	case EV_TICK:
		if (!nd->up || e->inc != nd->incarnation)
			return;
		synod_replica_tick(&nd->r, sim_local(s, nd), &nd->out);
		sim_process(s, nd);
		schedule(s, s->now + SIM_MS + sim_below(s, 50 * SIM_US),
			 EV_TICK, nd->id, 0);
		break;
	case EV_MSG:
		handle_msg(s, e);
		break;
	case EV_DURABLE:
		if (nd->up && e->inc == nd->incarnation)
			disk_durable(s, nd, e->a);
		break;
	case EV_CLIENT:
		client_start(s, &s->clients[e->a]);
		break;
	case EV_CTIMEOUT:
		client_timeout(s, (int)(e->a & 0xff), e->a >> 8);
		break;
	case EV_FAULT:
		if (s->now >= s->fault_end)
			return;
		fault(s);
		check_faults_changed(s);
		schedule(s, s->now + 5 * SIM_MS + sim_below(s, 60 * SIM_MS),
			 EV_FAULT, -1, 0);
		break;
	case EV_RESTART:
		if (!s->healed)
			node_restart(s, nd);
		break;
	case EV_HEAL:
		heal(s);
		check_faults_changed(s);
		break;
	case EV_MEMBER:		/* after the heal: every replica a voter */
		membership_step(s, true);
		if (s->nodes[0].r.cfg.voters != all_nodes(s) ||
		    find_leader(s) < 0 ||
		    s->nodes[find_leader(s)].r.cfg.voters != all_nodes(s))
			schedule(s, s->now + 20 * SIM_MS, EV_MEMBER, -1, 0);
		break;
	}
}

static void sim_free(struct sim *s)
{
	int i;

	while (nheap) {
		struct event e = pop();

		free(e.buf);
	}
	for (i = 0; i < SIM_NODES_MAX; i++) {
		free(s->nodes[i].pend);
		free(s->nodes[i].slots);
		free(s->nodes[i].acks);
	}
	free(s->hist);
	free(s->chosen);
	free(s->camp);
}

/*
 * Majorities for half the seeds; otherwise flexible quorums (HMS'16): a
 * random q2 from 1 to n and the smallest q1 with q1 + q2 > n.
 */
static struct synod_config initial_config(struct sim *s, int n)
{
	struct synod_config c = { .epoch = 1 };

	c.voters = (1u << n) - 1;
	c.q1 = (uint8_t)(n / 2 + 1);
	c.q2 = (uint8_t)(n / 2 + 1);
	if (sim_chance(s, 500000)) {
		c.q2 = (uint8_t)(1 + sim_below(s, (uint64_t)n));
		c.q1 = (uint8_t)(n - c.q2 + 1);
	}
	return c;
}

/* Run one seed; true when every checker passed. */
static bool run_seed(struct sim *s, uint64_t seed, int n, int verbose,
		     const char *history)
{
	struct synod_config cfg;
	int i;

	memset(s, 0, sizeof(*s));
	current = s;
	s->seed = seed;
	s->rng = seed;
	s->n = n;
	s->verbose = verbose;
	s->leader = -1;
	s->fault_end = opt_fault_ms * SIM_MS;
	s->end = s->fault_end + opt_heal_ms * SIM_MS;
	s->stop_clients = s->end - 500 * SIM_MS;
	ev_seq = 0;
	cfg = initial_config(s, n);
	/*
	 * Half the seeds take a lease above the election timeout, as the
	 * module does (1 s against 0.4 s): then a voter's lease, not only
	 * its "leader heard lately", must refuse a pre-vote.
	 */
	s->lease_ns = sim_chance(s, 500000) ? 25 * SIM_MS :
					      sim_params_template.lease_ns;
	sim_trace(s, "config: %d voters, q1 %u, q2 %u, lease %" PRIu64 " ms",
		  n, cfg.q1, cfg.q2, (uint64_t)(s->lease_ns / SIM_MS));
	for (i = 0; i < n; i++) {
		struct node *nd = &s->nodes[i];

		nd->id = i;
		nd->cfg = cfg;
		nd->ckpt_cfg = cfg;
		nd->base_local = sim_below(s, 1000 * SIM_MS) + 1;
		node_boot(s, nd);
	}
	for (i = 0; i < SIM_CLIENTS; i++) {
		s->clients[i] = (struct client){ .id = i, .cur = -1,
			.target = (int)sim_below(s, (uint64_t)n) };
		sim_schedule_client(s, i, sim_below(s, 20 * SIM_MS));
	}
	if (!opt_no_faults)
		schedule(s, 20 * SIM_MS, EV_FAULT, -1, 0);
	schedule(s, s->fault_end, EV_HEAL, -1, 0);
	while (nheap && !s->failed) {
		struct event e = pop();

		if (e.t > s->end) {
			free(e.buf);
			break;
		}
		s->now = e.t;
		s->events++;
		handle(s, &e);
	}
	s->now = s->end;
	if (!s->failed)
		check_final(s);
	if (!s->failed)
		check_linearizable(s);
	if (history && history_write(s, history))
		fprintf(stderr, "cannot write %s\n", history);
	sim_free(s);
	return !s->failed;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s [--seed S] [--seeds N] [--replicas 3|5|7|0]\n"
		"          [--history FILE] [--stop-on-fail] [--fault-ms MS]\n"
		"          [--heal-ms MS] [--no-faults] [-v]\n"
		"  --replicas 0 alternates 3 and 5 by seed\n", argv0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "seeds", required_argument, NULL, 'n' },
		{ "replicas", required_argument, NULL, 'r' },
		{ "history", required_argument, NULL, 'H' },
		{ "stop-on-fail", no_argument, NULL, 'x' },
		{ "fault-ms", required_argument, NULL, 'f' },
		{ "heal-ms", required_argument, NULL, 'h' },
		{ "no-faults", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	static struct sim s;
	uint64_t seed = 1, nseeds = 1, k, failures = 0;
	uint64_t tot_ev = 0, tot_msgs = 0, tot_crash = 0, tot_corrupt = 0;
	uint64_t tot_lease = 0, tot_ok = 0, tot_xfer = 0;
	uint64_t tot_changes = 0, max_changes = 0, tot_camp = 0;
	int replicas = 3, verbose = 0, stop = 0, c;
	const char *history = NULL;

	argv0 = argv[0];
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': nseeds = strtoull(optarg, NULL, 0); break;
		case 'r': replicas = atoi(optarg); break;
		case 'H': history = optarg; break;
		case 'x': stop = 1; break;
		case 'f': opt_fault_ms = strtoull(optarg, NULL, 0); break;
		case 'h': opt_heal_ms = strtoull(optarg, NULL, 0); break;
		case 'q': opt_no_faults = true; break;
		case 'v': verbose++; break;
		default: usage(); return 2;
		}
	}
	if ((replicas != 0 && replicas != 3 && replicas != 5 &&
	     replicas != 7) || opt_heal_ms < 1000) {
		usage();
		return 2;
	}
	for (k = 0; k < nseeds; k++) {
		uint64_t sd = seed + k;
		int n = replicas ? replicas : (sd & 1 ? 3 : 5);

		if (!run_seed(&s, sd, n, verbose, history)) {
			failures++;
			printf("FAIL seed %" PRIu64 " replicas %d: %s\n"
			       "  replay: %s --seed %" PRIu64
			       " --replicas %d --fault-ms %" PRIu64
			       " --heal-ms %" PRIu64 " -v\n",
			       sd, n, s.failure, argv0, sd, n, opt_fault_ms,
			       opt_heal_ms);
			fflush(stdout);
			if (stop)
				break;
		}
		tot_ev += s.events;
		tot_msgs += s.msgs;
		tot_crash += s.crashes;
		tot_corrupt += s.corruptions;
		tot_lease += s.lease_reads;
		tot_ok += s.commits_ok;
		tot_xfer += s.transfers;
		tot_changes += s.leader_changes;
		tot_camp += (uint64_t)s.ncamp;
		if (s.leader_changes > max_changes)
			max_changes = s.leader_changes;
	}
	printf("synod-sim: %" PRIu64 " seeds from %" PRIu64 ", %" PRIu64
	       " failed; events %" PRIu64 " msgs %" PRIu64 " crashes %" PRIu64
	       " corruptions %" PRIu64 " transfers %" PRIu64
	       " acked writes %" PRIu64 " lease reads %" PRIu64
	       " campaigns %" PRIu64 " leader changes %" PRIu64
	       " (at most %" PRIu64 " in one seed) cpu %.3f s\n",
	       k < nseeds ? k + 1 : nseeds, seed, failures, tot_ev, tot_msgs,
	       tot_crash, tot_corrupt, tot_xfer, tot_ok, tot_lease, tot_camp,
	       tot_changes, max_changes, (double)clock() / CLOCKS_PER_SEC);
	free(heap);
	return failures ? 1 : 0;
}
