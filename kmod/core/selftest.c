// SPDX-License-Identifier: GPL-2.0
/*
 * A three-replica cluster in memory (see selftest.h).  The simulator in
 * tests/sim/ is the real test of the protocol; this is the small run that
 * can also execute inside the kernel, under KUnit, to show that the core
 * behaves the same there.
 */
#include "selftest.h"
#include "quorum.h"

#define ST_MS		1000000ull
#define ST_N		SYNOD_SELFTEST_NODES
#define ST_Q		SYNOD_SELFTEST_QUEUE

static void st_params(struct synod_params *p, u32 self)
{
	synod_assert(self < ST_N);
	synod_memset(p, 0, sizeof(*p));
	p->volume = 0x5e1f;
	p->self = self;
	p->config.epoch = 1;
	p->config.voters = (1u << ST_N) - 1;
	p->config.q1 = 2;
	p->config.q2 = 2;
	p->heartbeat_ns = 2 * ST_MS;
	p->election_ns = 10 * ST_MS;
	p->retransmit_ns = 5 * ST_MS;
	p->lease_ns = 8 * ST_MS;
	p->lease_margin_ns = ST_MS / 2;
	p->jump_ns = 50 * ST_MS;
	p->rho_ppm = 10000;
	p->leases = true;
	p->seed = 0x5eed + self;
	synod_assert(synod_config_check(&p->config) == 0);
}

static void enqueue(struct synod_selftest *t, u32 from,
		    const struct synod_msg *m)
{
	synod_assert(t->qlen <= ST_Q);
	synod_assert(from < ST_N);
	if (from == t->isolated || m->to == t->isolated || m->to >= ST_N ||
	    t->qlen == ST_Q)
		return;		/* a partition, or a full queue: a loss */
	t->q[(t->qhead + t->qlen) % ST_Q] = *m;
	t->qlen++;
}

/*
 * Carry out node @i's actions; its applies land and its journal is
 * durable at once.
 */
static void drain(struct synod_selftest *t, u32 i)
{
	struct synod_out *o = &t->out[i];
	u32 k, round;

	synod_assert(i < ST_N);
	for (round = 0; round < 16; round++) {
		for (k = 0; k < o->npersist; k++)
			t->persisted[i] = o->persist[k].seq;
		for (k = 0; k < o->nmsgs; k++)
			enqueue(t, i, &o->msgs[k]);
		for (k = 0; k < o->napply; k++)
			t->applied[i] = o->apply[k].slot;
		for (k = 0; k < o->ndone; k++) {
			if (o->done[k].status != SYNOD_OK)
				continue;
			if (o->done[k].op == SYNOD_OP_WRITE)
				t->writes_ok++;
			else
				t->reads_ok++;
		}
		synod_out_reset(o);
		if (t->applied[i] > t->r[i].landed) {
			synod_replica_landed(&t->r[i], t->now, t->applied[i],
					     o);
			continue;
		}
		if (t->applied[i] > t->r[i].applied_durable)
			synod_replica_applied(&t->r[i], t->applied[i],
					      &t->r[i].cfg);
		if (t->persisted[i] <= t->r[i].durable_seq)
			break;
		synod_replica_durable(&t->r[i], t->now, t->persisted[i], o);
	}
	synod_assert(o->nmsgs == 0);
}

static void pump(struct synod_selftest *t)
{
	u32 n, to;

	for (n = 0; t->qlen && n < 20000; n++) {
		to = t->q[t->qhead].to;
		synod_replica_step(&t->r[to], t->now, &t->q[t->qhead],
				   &t->out[to]);
		drain(t, to);
		t->qhead = (t->qhead + 1) % ST_Q;
		t->qlen--;
	}
	synod_assert(t->qlen <= ST_Q);
	synod_assert(t->qhead < ST_Q);
}

static void advance(struct synod_selftest *t, u64 ns)
{
	u32 i;

	synod_assert(ns > 0);
	t->now += ns;
	for (i = 0; i < ST_N; i++) {
		synod_replica_tick(&t->r[i], t->now, &t->out[i]);
		drain(t, i);
	}
	pump(t);
	synod_assert(t->qlen == 0);
}

/* An active leader with a newer ballot than the last, not isolated. */
static int wait_leader(struct synod_selftest *t)
{
	u32 i, ms;

	synod_assert(t->now != 0);
	for (ms = 0; ms < 1000; ms++) {
		advance(t, ST_MS);
		for (i = 0; i < ST_N; i++) {
			if (i == t->isolated || t->r[i].role != SYNOD_LEADER ||
			    !t->r[i].active || t->r[i].ballot <= t->last_ballot)
				continue;
			t->last_ballot = t->r[i].ballot;
			t->leaders++;
			return (int)i;
		}
	}
	synod_assert(t->leaders <= ST_N * 1000);
	return -1;
}

static bool write_some(struct synod_selftest *t, u32 l, u32 n)
{
	u32 k, before = t->writes_ok, ms;

	synod_assert(l < ST_N);
	for (k = 0; k < n; k++) {
		if (synod_replica_write(&t->r[l], t->now, 100 + k, k,
					0xdead0000u + k, 4096,
					&t->out[l]) != SYNOD_OK)
			return false;
		drain(t, l);
		pump(t);
	}
	for (ms = 0; ms < 100 && t->writes_ok < before + n; ms++)
		advance(t, ST_MS);
	synod_assert(t->writes_ok <= before + n);
	return t->writes_ok == before + n;
}

static bool read_one(struct synod_selftest *t, u32 l)
{
	u32 before = t->reads_ok, ms;

	synod_assert(l < ST_N);
	if (synod_replica_read(&t->r[l], t->now, 900, 0, &t->out[l]) !=
	    SYNOD_OK)
		return false;
	drain(t, l);
	pump(t);
	for (ms = 0; ms < 50 && t->reads_ok == before; ms++)
		advance(t, ST_MS);
	synod_assert(t->reads_ok <= before + 1);
	return t->reads_ok == before + 1;
}

/*
 * Returns 0 when the run passed, else -(the step that failed):
 * 1 init, 2 first election, 3 writes, 4 read, 5 election after the
 * leader is cut off, 6 writes under the new leader, 7 convergence.
 */
int synod_selftest_run(struct synod_selftest *t)
{
	struct synod_params p;
	int l;
	u32 i;

	synod_memset(t, 0, sizeof(*t));
	t->now = 1000 * ST_MS;
	t->isolated = SYNOD_NODE_NONE;
	for (t->step = 1, i = 0; i < ST_N; i++) {
		st_params(&p, i);
		if (synod_replica_init(&t->r[i], &p, t->now))
			return -t->step;
		synod_out_reset(&t->out[i]);
	}
	t->step = 2;
	if ((l = wait_leader(t)) < 0)
		return -t->step;
	t->step = 3;
	if (!write_some(t, (u32)l, 5))
		return -t->step;
	t->step = 4;
	if (!read_one(t, (u32)l))
		return -t->step;
	t->step = 5;
	t->isolated = (u32)l;
	if ((l = wait_leader(t)) < 0)
		return -t->step;
	t->step = 6;
	if (!write_some(t, (u32)l, 5))
		return -t->step;
	t->step = 7;
	i = t->isolated;
	t->isolated = SYNOD_NODE_NONE;
	for (l = 0; l < 100; l++)
		advance(t, ST_MS);
	if (t->applied[0] != t->applied[1] || t->applied[1] != t->applied[2] ||
	    t->applied[0] < 4)
		return -t->step;
	synod_assert(t->leaders == 2 && t->writes_ok == 10);
	synod_assert(i < ST_N);
	return 0;
}
