/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cmocka tests' cluster of kmod/core replicas in memory (test_replica.c,
 * test_leader.c): messages delivered in order, journal writes durable at
 * once unless a test holds them back, a node cut off loses what it sends
 * and is sent.  One static instance T per test program.
 */
#ifndef SYNOD_CORE_CLUSTER_H
#define SYNOD_CORE_CLUSTER_H

#include <string.h>

#include "core_test.h"
#include "replica.h"

#define N_MAX	4
#define MS	1000000ull
#define QMAX	512

static struct {
	struct synod_replica r[N_MAX];
	struct synod_out out[N_MAX];
	struct synod_msg q[QMAX];
	int nq;
	int n;
	u64 now;
	bool hold_durable[N_MAX];
	bool hold_land[N_MAX];	/* applies issued, not yet landed */
	bool cut[N_MAX];	/* cut off: messages to and from it are lost */
	bool drop_hb;		/* heartbeats and their echoes are lost */
	int accepts[N_MAX][N_MAX];	/* ACCEPTs sent, [from][to], lost too */
	int drop_catchup[N_MAX];	/* lose the next CATCHUPs with entries */
	bool install[N_MAX];	/* jump when the core asks for a transfer */
	int drop_accept[N_MAX];	/* lose the next ACCEPTs with entries */
	u64 lose_slot[N_MAX];	/* lose every ACCEPT that carries it */
	int drop_accepted[N_MAX];	/* lose the next ACCEPTEDs it sends */
	bool no_hole[N_MAX];	/* its ACCEPTEDs name no hole: an older module */
	/*
	 * Journal room past a hole, in records (0: unbounded): ACCEPTs and
	 * CATCHUPs to the node go through synod_room_filter() first, each
	 * WRITE entry's record counting one, as the module's receive path
	 * does with bytes (kmod/replica_room.c); and what it dropped.
	 */
	u64 room[N_MAX];
	u32 room_dropped[N_MAX];
	u64 ckpt_slots;		/* checkpoint period; 0: every apply */
	int jumps[N_MAX];	/* ... and how many times it did */
	int too_far[N_MAX];	/* PROMISEs with TOO_FAR it was sent */
	/*
	 * Entries a plain PROMISE the node sends keeps, the rest cut off
	 * with SYNOD_MSGF_PART as the module's glue cuts by bytes
	 * (kmod/msg_cut.c, synod_cut_answer()); 0: whole.  And how many it
	 * sent cut.
	 */
	u32 cut_promise[N_MAX];
	/*
	 * its cut promises are malformed: 1 entries past aux, 2 none,
	 * 3 aux below slot, its last entry out of order at aux, 4 its
	 * first entry below slot (part_ok())
	 */
	int bad_cut[N_MAX];
	int promises_cut[N_MAX];
	u64 accept_at[N_MAX][N_MAX];	/* time of the last one */
	u64 persisted[N_MAX];
	u64 applied[N_MAX];
	bool applied_ref[N_MAX][128];	/* refs below 128 it applied */
	struct synod_done done[64];
	int ndone;
} T;

static inline struct synod_params params(u32 self, int n, bool leases)
{
	struct synod_params p = {
		.volume = 7, .self = self,
		.config = { .epoch = 1, .voters = (1u << n) - 1,
			    .q1 = (u8)(n / 2 + 1), .q2 = (u8)(n / 2 + 1) },
		.heartbeat_ns = 2 * MS, .election_ns = 10 * MS,
		.retransmit_ns = 5 * MS, .lease_ns = 8 * MS,
		.lease_margin_ns = MS / 2, .jump_ns = 50 * MS,
		.rho_ppm = 10000, .leases = leases, .seed = 1 + self,
	};
	return p;
}

static inline void setup_cluster(int n, bool leases)
{
	struct synod_params p;
	int i;

	memset(&T, 0, sizeof(T));
	T.n = n;
	T.now = 1000 * MS;
	for (i = 0; i < n; i++) {
		p = params((u32)i, n, leases);
		assert_int_equal(synod_replica_init(&T.r[i], &p, T.now), 0);
		synod_out_reset(&T.out[i]);
	}
}

/* The newest slot node @i checkpoints at: all applied, or T.ckpt_slots'. */
static inline u64 ckpt_slot(int i)
{
	u64 s = T.applied[i];

	return T.ckpt_slots ? s - s % T.ckpt_slots : s;
}

/*
 * The glue's jump for a state transfer the core of node @i asks for, if
 * the test lets it (T.install): the data area is taken as copied at once.
 */
static inline void jump(int i, struct synod_out *o)
{
	struct synod_config cfg = o->transfer_cfg;
	u64 slot = o->transfer_slot;

	if (!o->transfer || !T.install[i])
		return;
	synod_out_reset(o);
	synod_replica_install_snapshot(&T.r[i], T.now, slot, &cfg, o);
	T.applied[i] = slot;
	T.jumps[i]++;
}

/*
 * Carry out node i's actions; applies land and durability is reported at
 * once unless a test holds them back.
 */
static inline void drain(int i)
{
	struct synod_out *o = &T.out[i];
	u32 k;

	for (k = 0; k < o->npersist; k++)
		T.persisted[i] = o->persist[k].seq;
	for (k = 0; k < o->nmsgs; k++) {
		assert_true(T.nq < QMAX);
		T.q[T.nq++] = o->msgs[k];
	}
	for (k = 0; k < o->napply; k++) {
		const struct synod_entry *e = &o->apply[k];
		u32 w;

		T.applied[i] = e->slot;
		for (w = 0; e->kind == SYNOD_ENTRY_WRITE && w < e->nwrites; w++)
			if (e->w[w].ref < 128)
				T.applied_ref[i][e->w[w].ref] = true;
	}
	for (k = 0; k < o->ndone; k++) {
		assert_true(T.ndone < (int)ARRAY_SIZE(T.done));
		T.done[T.ndone++] = o->done[k];
	}
	if (o->transfer && T.install[i]) {
		jump(i, o);
		drain(i);
		return;
	}
	synod_out_reset(o);
	if (!T.hold_land[i] && T.applied[i] > T.r[i].landed) {
		synod_replica_landed(&T.r[i], T.now, T.applied[i], o);
		drain(i);
	}
	/*
	 * a checkpoint of everything applied, once it has landed, or only
	 * every T.ckpt_slots slots, as the module's and the simulator's
	 */
	if (!T.hold_land[i] && ckpt_slot(i))
		synod_replica_applied(&T.r[i], ckpt_slot(i), &T.r[i].cfg);
	if (!T.hold_durable[i] && T.persisted[i] > T.r[i].durable_seq) {
		synod_replica_durable(&T.r[i], T.now, T.persisted[i], o);
		drain(i);
	}
}

/* Whether @m carries an entry for slot @s. */
static inline bool carries(const struct synod_msg *m, u64 s)
{
	u32 i;

	for (i = 0; i < m->count; i++)
		if (m->e[i].slot == s)
			return true;
	return false;
}

/* A record per WRITE entry: the unit of T.room. */
static inline u32 room_need_one(void *ctx, const struct synod_entry *e)
{
	(void)ctx;
	return e->kind == SYNOD_ENTRY_WRITE;
}

static inline u32 room_filter(int to, struct synod_msg *m)
{
	u64 hole;

	return synod_room_filter(&T.r[to], m, T.room[to],
				 synod_room_held(&T.r[to], room_need_one, NULL),
				 room_need_one, NULL, &hole);
}

static inline void pump(void)
{
	int i, rounds = 0;

	for (i = 0; i < T.n; i++)
		drain(i);
	while (T.nq && rounds++ < 10000) {
		struct synod_msg m = T.q[0];

		memmove(T.q, T.q + 1, (size_t)(T.nq - 1) * sizeof(T.q[0]));
		T.nq--;
		if (m.type == SYNOD_MSG_ACCEPT && m.to < N_MAX &&
		    m.from < N_MAX) {
			T.accepts[m.from][m.to]++;
			T.accept_at[m.from][m.to] = T.now;
		}
		if (T.drop_hb && (m.type == SYNOD_MSG_HEARTBEAT ||
				  m.type == SYNOD_MSG_HEARTBEAT_ACK))
			continue;
		if (m.type == SYNOD_MSG_CATCHUP && m.count && m.to < N_MAX &&
		    !(m.flags & SYNOD_MSGF_SNAPSHOT) &&
		    T.drop_catchup[m.to] > 0) {
			T.drop_catchup[m.to]--;
			continue;
		}
		if (m.to >= T.n || T.cut[m.to] || T.cut[m.from])
			continue;
		if (m.type == SYNOD_MSG_PROMISE &&
		    (m.flags & SYNOD_MSGF_TOO_FAR))
			T.too_far[m.to]++;
		if (m.type == SYNOD_MSG_PROMISE && m.from < N_MAX &&
		    T.cut_promise[m.from] &&
		    m.count > T.cut_promise[m.from] &&
		    !(m.flags & (SYNOD_MSGF_NACK | SYNOD_MSGF_TOO_FAR))) {
			m.aux = m.e[T.cut_promise[m.from]].slot - 1;
			m.count = T.cut_promise[m.from];
			m.flags |= SYNOD_MSGF_PART;
			if (T.bad_cut[m.from] == 1)
				m.aux = m.e[m.count - 1].slot - 1;
			else if (T.bad_cut[m.from] == 2)
				m.count = 0;
			else if (T.bad_cut[m.from] == 3) {
				m.aux = m.slot - 1;
				m.e[m.count - 1].slot = m.aux;
			} else if (T.bad_cut[m.from] == 4) {
				m.e[0].slot = m.slot - 1;
			}
			T.promises_cut[m.from]++;
		}
		if (m.type == SYNOD_MSG_ACCEPT && m.count &&
		    T.drop_accept[m.to] > 0) {
			T.drop_accept[m.to]--;
			continue;
		}
		if (m.type == SYNOD_MSG_ACCEPT && T.lose_slot[m.to] &&
		    carries(&m, T.lose_slot[m.to]))
			continue;
		if (m.type == SYNOD_MSG_ACCEPTED && m.from < N_MAX &&
		    T.drop_accepted[m.from] > 0) {
			T.drop_accepted[m.from]--;
			continue;
		}
		if (m.type == SYNOD_MSG_ACCEPTED && m.from < N_MAX &&
		    T.no_hole[m.from] && !(m.flags & SYNOD_MSGF_NACK))
			m.aux = 0;
		if (T.room[m.to])
			T.room_dropped[m.to] += room_filter(m.to, &m);
		synod_replica_step(&T.r[m.to], T.now, &m, &T.out[m.to]);
		drain(m.to);
	}
	assert_int_equal(T.nq, 0);
}

static inline void advance(u64 ns)
{
	int i;

	T.now += ns;
	for (i = 0; i < T.n; i++) {
		synod_replica_tick(&T.r[i], T.now, &T.out[i]);
		drain(i);
	}
	pump();
}

/*
 * @n writes of 4 KiB through leader @l (requests and refs @req on, blocks
 * 0 on), delivered, with no time passing.
 */
static inline void write_n(int l, u64 req, int n)
{
	int i;

	for (i = 0; i < n; i++)
		assert_int_equal(synod_replica_write(&T.r[l], T.now, req + (u64)i,
						     (u64)i, req + (u64)i, 4096,
						     &T.out[l]), SYNOD_OK);
	pump();
}

/* Ten heartbeat periods: answers in, their bound out and back. */
static inline void beat(void)
{
	int i;

	for (i = 0; i < 10; i++)
		advance(MS);
}

/* Eight writes through leader @l, all chosen. */
static inline void write8(int l, u64 req)
{
	write_n(l, req, 8);
}

/*
 * Run time forward until a node other than @not (-1: any) leads and is
 * active; at most 500 ms (a cut-off leader is deposed in fewer).
 */
static inline int elect_except(int not)
{
	int i, step;

	for (step = 0; step < 500; step++) {
		advance(MS);
		for (i = 0; i < T.n; i++)
			if (i != not && T.r[i].role == SYNOD_LEADER &&
			    T.r[i].active)
				return i;
	}
	fail_msg("no leader elected");
	return -1;
}

/*
 * Node @n campaigns now, as "volume promote" makes it, and time runs on
 * until it leads and is active: at most 50 ms.
 */
static inline void promote(int n)
{
	int i;

	if (T.r[n].role == SYNOD_FOLLOWER)
		synod_replica_campaign(&T.r[n], T.now, &T.out[n]);
	pump();
	for (i = 0; i < 50 && !(T.r[n].role == SYNOD_LEADER &&
				T.r[n].active); i++)
		advance(MS);
	assert_int_equal(T.r[n].role, SYNOD_LEADER);
	assert_true(T.r[n].active);
}

/* Run time forward until someone leads and is active. */
static inline int elect(void)
{
	return elect_except(-1);
}

/*
 * Three replicas, a leader elected, both followers (*@f, *@g) cut off,
 * one write proposed: the leader owes each of them an ACCEPT.  Returns
 * the leader.
 */
static inline int write_to_silent_peers(int *f, int *g)
{
	int l;

	setup_cluster(3, false);
	l = elect();
	*f = (l + 1) % 3;
	*g = (l + 2) % 3;
	T.cut[*f] = true;
	T.cut[*g] = true;
	assert_int_equal(synod_replica_write(&T.r[l], T.now, 9, 3, 0xbeef,
					     4096, &T.out[l]), SYNOD_OK);
	pump();
	assert_int_equal(T.r[l].role, SYNOD_LEADER);
	return l;
}

/* Run @ms milliseconds of ticks with every node cut off from the others. */
static inline void run_alone(int ms)
{
	bool cut[N_MAX];
	int i;

	memcpy(cut, T.cut, sizeof(cut));
	for (i = 0; i < T.n; i++)
		T.cut[i] = true;
	for (i = 0; i < ms; i++)
		advance(MS);
	memcpy(T.cut, cut, sizeof(cut));
}
/*
 * Deliver @m to node @to now and take its single answer, if any; a
 * question that is answered persists nothing.
 */
static inline bool ask(int to, const struct synod_msg *m, struct synod_msg *reply)
{
	struct synod_out *o = &T.out[to];
	bool got;

	synod_replica_step(&T.r[to], T.now, m, o);
	assert_int_equal(o->npersist, 0);
	got = o->nmsgs == 1;
	if (got)
		*reply = o->msgs[0];
	assert_true(o->nmsgs <= 1);
	synod_out_reset(o);
	return got;
}

#endif /* SYNOD_CORE_CLUSTER_H */
