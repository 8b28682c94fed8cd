// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the replica state machine: a small cluster in memory,
 * messages delivered in order and journal writes made durable at once
 * unless a test holds them back.  Section numbers refer to "Paxos Made
 * Simple" (PMS) and Howard et al., "Flexible Paxos" (FP).
 */
#include "core_test.h"
#include "core_msg.h"

#include <string.h>

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
	bool cut[N_MAX];	/* cut off: messages to and from it are lost */
	bool drop_hb;		/* heartbeats and their echoes are lost */
	int accepts[N_MAX][N_MAX];	/* ACCEPTs sent, [from][to], lost too */
	u64 accept_at[N_MAX][N_MAX];	/* time of the last one */
	u64 persisted[N_MAX];
	u64 applied[N_MAX];
	struct synod_done done[64];
	int ndone;
} T;

static struct synod_params params(u32 self, int n, bool leases)
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

static void setup_cluster(int n, bool leases)
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

/* Carry out node i's actions; durability is reported at once. */
static void drain(int i)
{
	struct synod_out *o = &T.out[i];
	u32 k;

	for (k = 0; k < o->npersist; k++)
		T.persisted[i] = o->persist[k].seq;
	for (k = 0; k < o->nmsgs; k++) {
		assert_true(T.nq < QMAX);
		T.q[T.nq++] = o->msgs[k];
	}
	for (k = 0; k < o->napply; k++)
		T.applied[i] = o->apply[k].slot;
	for (k = 0; k < o->ndone; k++)
		T.done[T.ndone++] = o->done[k];
	synod_out_reset(o);
	if (T.applied[i])
		synod_replica_applied(&T.r[i], T.applied[i], &T.r[i].cfg);
	if (!T.hold_durable[i] && T.persisted[i] > T.r[i].durable_seq) {
		synod_replica_durable(&T.r[i], T.now, T.persisted[i], o);
		drain(i);
	}
}

static void pump(void)
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
		if (m.to >= T.n || T.cut[m.to] || T.cut[m.from])
			continue;
		synod_replica_step(&T.r[m.to], T.now, &m, &T.out[m.to]);
		drain(m.to);
	}
	assert_int_equal(T.nq, 0);
}

static void advance(u64 ns)
{
	int i;

	T.now += ns;
	for (i = 0; i < T.n; i++) {
		synod_replica_tick(&T.r[i], T.now, &T.out[i]);
		drain(i);
	}
	pump();
}

/* Run time forward until someone leads and is active. */
static int elect(void)
{
	int i, step;

	for (step = 0; step < 200; step++) {
		advance(MS);
		for (i = 0; i < T.n; i++)
			if (T.r[i].role == SYNOD_LEADER && T.r[i].active)
				return i;
	}
	fail_msg("no leader elected");
	return -1;
}

static void test_refuses_bad_quorums(void **state)
{
	struct synod_params p = params(0, 3, false);
	struct synod_replica *r = &T.r[0];

	(void)state;
	p.config.q1 = 1;
	p.config.q2 = 2;	/* 1 + 2 = 3: not > n (FP section 3) */
	assert_int_equal(synod_replica_init(r, &p, 1), -1);
	p.config.q1 = 2;
	assert_int_equal(synod_replica_init(r, &p, 1), 0);
	p.self = SYNOD_NODES_MAX;	/* not a node id */
	assert_int_equal(synod_replica_init(r, &p, 1), -1);
}

static void test_elect_and_commit(void **state)
{
	int l, i;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	T.ndone = 0;
	assert_int_equal(synod_replica_write(&T.r[l], T.now, 77, 3, 0xbeef,
					     &T.out[l]), SYNOD_OK);
	pump();
	assert_int_equal(T.ndone, 1);
	assert_int_equal(T.done[0].req, 77);
	assert_int_equal(T.done[0].status, SYNOD_OK);
	advance(3 * MS);	/* a heartbeat carries the commit index */
	for (i = 0; i < 3; i++)
		assert_int_equal(T.applied[i], T.r[l].chosen_upto);
	for (i = 0; i < 3; i++)
		if (i != l)
			assert_int_equal(synod_replica_write(&T.r[i], T.now, 1,
							     1, 1, &T.out[i]),
					 SYNOD_NOT_LEADER);
}

/* An acceptor acknowledges only what its journal holds (PMS 2.2). */
static void test_no_ack_before_durable(void **state)
{
	int l, f, i;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	for (i = 0; i < 3; i++)
		if (i != l)
			T.hold_durable[i] = true;
	T.ndone = 0;
	synod_replica_write(&T.r[l], T.now, 5, 1, 0x55, &T.out[l]);
	pump();
	assert_int_equal(T.ndone, 0);	/* no quorum of durable accepts */
	f = (l + 1) % 3;
	T.hold_durable[f] = false;
	drain(f);
	pump();
	assert_int_equal(T.ndone, 1);
	assert_int_equal(T.done[0].status, SYNOD_OK);
}

static void test_read_index(void **state)
{
	int l;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	T.ndone = 0;
	assert_int_equal(synod_replica_read(&T.r[l], T.now, 9, 2, &T.out[l]),
			 SYNOD_OK);
	drain(l);
	assert_int_equal(T.ndone, 0);	/* waits for a heartbeat round */
	pump();
	assert_int_equal(T.ndone, 1);
	assert_int_equal(T.done[0].status, SYNOD_OK);
	assert_false(T.done[0].lease);
}

static void test_lease_read(void **state)
{
	int l;

	(void)state;
	setup_cluster(3, true);
	advance(20 * MS);	/* past the restart wait */
	l = elect();
	advance(2 * MS);
	assert_true(synod_replica_lease_valid(&T.r[l], T.now));
	T.ndone = 0;
	synod_replica_read(&T.r[l], T.now, 10, 2, &T.out[l]);
	drain(l);
	assert_int_equal(T.ndone, 1);	/* served at once */
	assert_true(T.done[0].lease);
	/* Without heartbeats the lease runs out before D (1-rho)/(1+rho). */
	assert_false(synod_replica_lease_valid(&T.r[l], T.now + 8 * MS));
	synod_replica_clock_disrupted(&T.r[l], T.now);
	assert_false(synod_replica_lease_valid(&T.r[l], T.now));
}

/* A leader that sees a higher ballot steps down and says so. */
static void test_step_down(void **state)
{
	int l, o;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	o = (l + 1) % 3;
	T.ndone = 0;
	T.hold_durable[(l + 2) % 3] = true;
	T.hold_durable[o] = true;
	synod_replica_write(&T.r[l], T.now, 31, 1, 0x31, &T.out[l]);
	pump();
	T.hold_durable[o] = false;
	T.hold_durable[(l + 2) % 3] = false;
	/* a live leader: only a promote makes another replica campaign */
	synod_replica_campaign(&T.r[o], T.now, &T.out[o]);
	assert_int_equal(T.r[o].role, SYNOD_CANDIDATE);
	pump();
	assert_int_equal(T.r[l].role, SYNOD_FOLLOWER);
	assert_true(T.ndone >= 1);
	assert_int_equal(T.done[0].req, 31);
	assert_int_equal(T.done[0].status, SYNOD_UNKNOWN);
}

/*
 * promote and demote: resign() hands leadership away and keeps the old
 * leader quiet, campaign() on another node wins without waiting for the
 * election timeout.
 */
static void test_promote_demote(void **state)
{
	int l, o, i;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	o = (l + 1) % 3;
	synod_replica_resign(&T.r[l], T.now, 100 * MS, &T.out[l]);
	assert_int_equal(T.r[l].role, SYNOD_FOLLOWER);
	pump();
	synod_replica_campaign(&T.r[o], T.now, &T.out[o]);
	assert_int_equal(T.r[o].role, SYNOD_CANDIDATE);
	pump();
	for (i = 0; i < 20 && !T.r[o].active; i++)
		advance(MS / 2);
	assert_int_equal(T.r[o].role, SYNOD_LEADER);
	assert_true(T.r[o].active);
	assert_int_equal(synod_replica_leader(&T.r[l]), (u32)o);
	/* campaigning while leading changes nothing */
	synod_replica_campaign(&T.r[o], T.now, &T.out[o]);
	assert_int_equal(T.r[o].role, SYNOD_LEADER);
}

/* A replica told not to campaign (a state transfer runs) does not. */
static void test_no_campaign_holds_elections(void **state)
{
	u64 ballot;
	int i;

	(void)state;
	setup_cluster(3, false);
	for (i = 0; i < 3; i++)
		T.r[i].no_campaign = true;
	ballot = T.r[0].ballot_seen;
	for (i = 0; i < 100; i++)
		advance(MS);
	for (i = 0; i < 3; i++) {
		assert_int_equal(T.r[i].role, SYNOD_FOLLOWER);
		assert_int_equal(T.r[i].stats.elections, 0);
	}
	assert_int_equal(T.r[0].ballot_seen, ballot);
	T.r[1].no_campaign = false;
	assert_int_equal(elect(), 1);
}

/*
 * A follower cut off for ten election timeouts comes back.  It must not
 * depose the healthy leader: while away it raised no promise (pre-vote,
 * Raft thesis 9.6), so the leader's heartbeats meet no higher ballot, and
 * the voters that follow the live leader refuse to help it campaign.
 * With @leases the voters refuse for the lease; without, for having
 * heard the leader within an election timeout.
 */
static void rejoin(bool leases)
{
	u64 ballot, elections, persisted;
	int l, f, i;

	setup_cluster(3, leases);
	advance(20 * MS);	/* past the restart wait */
	l = elect();
	f = (l + 1) % 3;
	advance(5 * MS);	/* every follower has heard the leader */
	assert_int_equal(synod_replica_leader(&T.r[f]), (u32)l);
	ballot = T.r[l].ballot;
	elections = T.r[f].stats.elections;
	persisted = T.persisted[f];
	T.cut[f] = true;
	for (i = 0; i < 100; i++)
		advance(MS);
	assert_true(T.r[f].stats.prevotes >= 4);	/* it asked, alone */
	assert_true(T.r[f].promised <= ballot);	/* nothing raised away */
	assert_int_equal(T.persisted[f], persisted);	/* nor persisted */
	assert_int_equal(T.r[f].role, SYNOD_FOLLOWER);
	T.cut[f] = false;
	for (i = 0; i < 100; i++)
		advance(MS);
	assert_int_equal(T.r[l].role, SYNOD_LEADER);
	assert_true(T.r[l].active);
	assert_int_equal(T.r[l].ballot, ballot);
	for (i = 0; i < 3; i++) {
		assert_int_equal(synod_replica_leader(&T.r[i]), (u32)l);
		assert_true(T.r[i].promised <= ballot);
	}
	assert_int_equal(T.r[f].stats.elections, elections);
}

static void test_rejoin_keeps_leader_leases(void **state)
{
	(void)state;
	rejoin(true);
}

static void test_rejoin_keeps_leader_no_leases(void **state)
{
	(void)state;
	rejoin(false);
}

/* Run @ms milliseconds of ticks with every node cut off from the others. */
static void run_alone(int ms)
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

/* Deliver @m to node @to now and take its single answer, if any. */
static bool ask(int to, const struct synod_msg *m, struct synod_msg *reply)
{
	struct synod_out *o = &T.out[to];
	bool got;

	synod_replica_step(&T.r[to], T.now, m, o);
	assert_int_equal(o->npersist, 0);	/* a pre-vote persists nothing */
	got = o->nmsgs == 1;
	if (got)
		*reply = o->msgs[0];
	assert_true(o->nmsgs <= 1);
	synod_out_reset(o);
	return got;
}

static struct synod_msg prevote_from(int from, int to, u64 ballot, u64 id)
{
	struct synod_msg m = core_msg(SYNOD_MSG_PREVOTE, from, to);

	m.ballot = ballot;
	m.slot = id;
	return m;
}

/*
 * The pre-vote tests' cluster: three replicas (with leases, run past the
 * restart wait first), a leader @l elected and heard by its followers for
 * 3 ms; @g will ask @f (or @l) for a pre-vote of ballot @b, one round
 * above g's promise.
 */
static void prevote_cluster(bool leases, int *l, int *f, int *g, u64 *b)
{
	setup_cluster(3, leases);
	if (leases)
		advance(20 * MS);
	*l = elect();
	advance(3 * MS);
	*f = (*l + 1) % 3;
	*g = (*l + 2) % 3;
	*b = synod_ballot_make(synod_ballot_round(T.r[*g].promised) + 1,
			       (u32)*g);
}

/*
 * A voter answers a pre-vote without changing anything: no promise, no
 * persist, no timer moved, the leader it follows kept.  It says no while
 * it heard the leader within an election timeout, for a ballot not above
 * its promise, for a stale epoch; yes once the leader has been silent.
 */
static void test_prevote_changes_nothing(void **state)
{
	struct synod_msg m, a;
	struct synod_replica before;
	u64 b;
	int l, f, g;

	(void)state;
	prevote_cluster(false, &l, &f, &g, &b);
	before = T.r[f];
	m = prevote_from(g, f, b, 9);
	assert_true(ask(f, &m, &a));
	assert_int_equal(a.type, SYNOD_MSG_PREVOTE_REPLY);
	assert_int_equal(a.flags, SYNOD_MSGF_NACK | SYNOD_MSGF_LEADER);
	assert_int_equal(a.ballot, b);
	assert_int_equal(a.slot, 9);
	assert_int_equal(a.aux, T.r[f].promised);
	assert_int_equal(T.r[f].promised, before.promised);
	assert_int_equal(T.r[f].election_due_ns, before.election_due_ns);
	assert_int_equal(T.r[f].leader, (u32)l);
	/* the leader itself: live, so no */
	m = prevote_from(g, l, b, 9);
	assert_true(ask(l, &m, &a));
	assert_int_equal(a.flags, SYNOD_MSGF_NACK | SYNOD_MSGF_LEADER);
	assert_int_equal(T.r[l].role, SYNOD_LEADER);
	/* not above the promise; a stale epoch */
	m = prevote_from(g, f, synod_ballot_make(synod_ballot_round(
				 T.r[f].promised) - 1, (u32)g), 9);
	assert_true(ask(f, &m, &a) && a.flags == SYNOD_MSGF_NACK);
	m = prevote_from(g, f, b, 9);
	m.epoch = 0;
	assert_true(ask(f, &m, &a));
	assert_int_equal(a.flags, SYNOD_MSGF_NACK | SYNOD_MSGF_EPOCH);
	/* a ballot not of the sender, or no round id: no answer */
	m = prevote_from(g, f, b, 0);
	assert_false(ask(f, &m, &a));
	m = prevote_from(g, f, synod_ballot_make(99, (u32)l), 9);
	assert_false(ask(f, &m, &a));
	/* an election timeout without the leader */
	run_alone(11);
	m = prevote_from(g, f, b, 10);
	assert_true(ask(f, &m, &a) && a.flags == 0 && a.slot == 10);
	m = prevote_from(g, l, b, 10);	/* no heartbeat echoed lately */
	assert_true(ask(l, &m, &a) && a.flags == 0);
	assert_int_equal(T.r[l].role, SYNOD_LEADER);
	assert_int_equal(T.r[f].promised, before.promised);
}

/*
 * With leases, a voter that granted the leader's lease says no (LEASE)
 * until it runs out, and so does a replica within its restart wait.
 */
static void test_prevote_refused_under_lease(void **state)
{
	struct synod_msg m, a;
	struct synod_params p;
	u64 b;
	int l, f, g;

	(void)state;
	prevote_cluster(true, &l, &f, &g, &b);
	m = prevote_from(g, f, b, 3);
	assert_true(ask(f, &m, &a));
	assert_int_equal(a.flags, SYNOD_MSGF_NACK | SYNOD_MSGF_LEASE);
	run_alone(9);	/* past D = 8 ms, not the election timeout */
	assert_true(ask(f, &m, &a));
	assert_int_equal(a.flags, SYNOD_MSGF_NACK | SYNOD_MSGF_LEADER);
	run_alone(2);
	assert_true(ask(f, &m, &a) && a.flags == 0);
	/* f restarts: within its restart wait it promises nothing */
	p = params((u32)f, 3, true);
	assert_int_equal(synod_replica_init(&T.r[f], &p, T.now), 0);
	synod_replica_restore_promise(&T.r[f], T.r[l].ballot);
	assert_true(ask(f, &m, &a));
	assert_int_equal(a.flags, SYNOD_MSGF_NACK | SYNOD_MSGF_LEASE);
}

/*
 * A stall of the whole host (every replica in one VM, as in the VM
 * tests) longer than the lease but shorter than a clock jump is not the
 * leader's silence: run time counts it as one heartbeat period, so the
 * voters and the leader still say no (LEADER), although every lease ran
 * out.  Seen on a loaded host: a 1.3 s stall of the test VM, and a
 * replica back from a partition won the election that followed.
 */
static void test_prevote_stall_is_not_silence(void **state)
{
	struct synod_msg m, a;
	u64 b;
	int l, f, g;

	(void)state;
	prevote_cluster(true, &l, &f, &g, &b);
	T.now += 11 * MS;	/* D = 8 ms < the stall < jump_ns = 50 ms */
	m = prevote_from(g, f, b, 4);
	assert_true(ask(f, &m, &a));
	assert_int_equal(a.flags, SYNOD_MSGF_NACK | SYNOD_MSGF_LEADER);
	m = prevote_from(g, l, b, 4);
	assert_true(ask(l, &m, &a));
	assert_int_equal(a.flags, SYNOD_MSGF_NACK | SYNOD_MSGF_LEADER);
	/* and the timers that ran out change nothing either */
	advance(MS);
	advance(5 * MS);
	assert_int_equal(T.r[l].role, SYNOD_LEADER);
	assert_int_equal(T.r[f].promised, T.r[l].ballot);
	assert_int_equal(T.r[g].promised, T.r[l].ballot);
}

/*
 * When the leader is really gone the pre-vote succeeds and the others
 * elect a new one; the old leader, back, follows it.
 */
static void test_prevote_elects_after_leader_loss(void **state)
{
	int l, n, i, other;

	(void)state;
	setup_cluster(3, true);
	advance(20 * MS);
	l = elect();
	T.cut[l] = true;
	n = -1;
	for (i = 0; i < 200 && n < 0; i++) {
		advance(MS);
		for (other = 0; other < 3; other++)
			if (other != l && T.r[other].role == SYNOD_LEADER &&
			    T.r[other].active)
				n = other;
	}
	assert_true(n >= 0);
	assert_true(T.r[n].stats.prevotes >= 1);
	assert_true(T.r[n].ballot > T.r[l].ballot);
	T.cut[l] = false;
	for (i = 0; i < 20; i++)
		advance(MS);
	assert_int_equal(T.r[l].role, SYNOD_FOLLOWER);
	assert_int_equal(synod_replica_leader(&T.r[l]), (u32)n);
	assert_int_equal(T.r[n].role, SYNOD_LEADER);
}

/* Membership through the log, one voter at a time. */
static void test_add_voter(void **state)
{
	struct synod_config next;
	struct synod_params p;
	int l, i;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	next = T.r[l].cfg;
	next.epoch++;
	next.voters |= 1u << 3;
	next.q1 = next.q2 = 3;
	p = params(3, 3, false);
	p.config = next;
	assert_int_equal(synod_replica_init(&T.r[3], &p, T.now), 0);
	T.n = 4;
	next.voters |= 1u << 4 | 1u << 3;	/* two at once: refused */
	assert_int_equal(synod_replica_change_config(&T.r[l], T.now, &next,
						     &T.out[l]), SYNOD_FAILED);
	next.voters &= ~(1u << 4);
	assert_int_equal(synod_replica_change_config(&T.r[l], T.now, &next,
						     &T.out[l]), SYNOD_OK);
	pump();
	advance(3 * MS);
	advance(3 * MS);
	for (i = 0; i < 3; i++)
		assert_int_equal(T.r[i].cfg.epoch, 2);
	T.ndone = 0;
	synod_replica_write(&T.r[l], T.now, 44, 0, 0x44, &T.out[l]);
	pump();
	assert_int_equal(T.ndone, 1);
	assert_true(T.r[l].chosen_upto >= 3);
}

/*
 * A replica that jumps for a state transfer must not lead while its data
 * area is copied (issue 9): no_campaign alone stopped neither a running
 * phase 1 nor a pre-vote, so a candidate that jumped could still win.
 */
static void test_jump_ends_candidacy(void **state)
{
	int i;

	(void)state;
	setup_cluster(3, false);
	synod_replica_campaign(&T.r[0], T.now, &T.out[0]);
	assert_int_equal(T.r[0].role, SYNOD_CANDIDATE);
	/* its PREPAREs are out; the jump comes before the promises */
	synod_replica_install_snapshot(&T.r[0], T.now, 5, &T.r[0].cfg,
				       &T.out[0]);
	assert_int_equal(T.r[0].role, SYNOD_FOLLOWER);
	assert_true(T.r[0].no_campaign);
	pump();
	for (i = 0; i < 5; i++)
		advance(MS);
	assert_int_not_equal(T.r[0].role, SYNOD_LEADER);
	assert_int_equal(T.r[0].chosen_upto, 5);
}

static void test_jump_drops_prevote(void **state)
{
	struct synod_msg m;
	int i;

	(void)state;
	setup_cluster(3, false);
	for (i = 0; i < 3; i++)
		T.cut[i] = true;
	for (i = 0; i < 40 && !T.r[0].pv_ballot; i++)
		advance(MS);
	assert_true(T.r[0].pv_ballot != 0);
	synod_replica_install_snapshot(&T.r[0], T.now, 5, &T.r[0].cfg,
				       &T.out[0]);
	assert_int_equal(T.r[0].pv_ballot, 0);
	/* a yes to the dropped pre-vote starts no campaign */
	m = core_msg(SYNOD_MSG_PREVOTE_REPLY, 1, 0);
	m.ballot = synod_ballot_make(1, 0);
	m.slot = T.r[0].pv_round;
	synod_replica_step(&T.r[0], T.now, &m, &T.out[0]);
	assert_int_equal(T.r[0].role, SYNOD_FOLLOWER);
	assert_int_equal(T.r[0].stats.elections, 0);
}

/*
 * Links are reliable while up: an unacked ACCEPT is usually queued, not
 * lost.  A silent peer is resent what it owes after 1, 2, 4, 8, 8...
 * retransmission periods, not every period (which filled a slow link with
 * copies until no slot got through); it is resent at the next tick when
 * its link comes up again, and an ack from it resets the wait.
 */
static void test_retransmit_backs_off_while_silent(void **state)
{
	u64 gaps[16], last, t0;
	int l, f, g, n = 0, sent;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	f = (l + 1) % 3;
	g = (l + 2) % 3;
	T.cut[f] = true;
	T.cut[g] = true;
	assert_int_equal(synod_replica_write(&T.r[l], T.now, 9, 3, 0xbeef,
					     &T.out[l]), SYNOD_OK);
	pump();
	sent = T.accepts[l][f];
	last = t0 = T.now;
	while (T.now - t0 < 200 * MS) {
		advance(MS);
		if (T.accepts[l][f] != sent) {
			assert_true(n < 16);
			gaps[n++] = T.now - last;
			last = T.now;
			sent = T.accepts[l][f];
		}
	}
	/* 5, 10, 20, 40, 40, 40, 40 ms: not 40 resends of every 5 ms */
	assert_true(n >= 5 && n <= 8);
	assert_int_equal(gaps[0], 5 * MS);
	assert_int_equal(gaps[1], 10 * MS);
	assert_int_equal(gaps[2], 20 * MS);
	assert_int_equal(gaps[3], 40 * MS);
	assert_int_equal(gaps[4], 40 * MS);
	assert_int_equal(T.r[l].retx_rto_ns[f], 40 * MS);

	/* f's link comes back: resent at the next tick, not 40 ms later */
	T.cut[f] = false;
	synod_replica_peer_up(&T.r[l], T.now, (u32)f, &T.out[l]);
	drain(l);
	pump();
	sent = T.accepts[l][f];
	advance(MS);
	assert_int_equal(T.accepts[l][f], sent + 1);
	/* f acks: chosen, and f's wait is back to one period */
	assert_true(T.r[l].chosen_upto >= 1);
	assert_int_equal(T.r[l].retx_rto_ns[f], 5 * MS);
	assert_int_equal(T.r[l].retx_rto_ns[g], 40 * MS);
}

/*
 * The no-quorum rule: a leader whose heartbeat echoes are all late (a link
 * full of payloads) but whose followers ack every slot has heard a quorum;
 * one that hears nothing for the window has not.
 */
static void test_heard_counts_phase2_answers(void **state)
{
	int l, f, i;
	u64 t0;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	f = (l + 1) % 3;
	T.drop_hb = true;
	t0 = T.now;
	for (i = 0; i < 30; i++) {
		assert_int_equal(synod_replica_write(&T.r[l], T.now,
						     (u64)100 + i, 3, i,
						     &T.out[l]), SYNOD_OK);
		advance(MS);
	}
	/* no echo for 30 ms, far past the 8 ms window ... */
	assert_true(T.r[l].ack_time[f] <= t0);
	/* ... yet both followers acked slots within it */
	assert_true(synod_replica_heard(&T.r[l], T.now, 8 * MS));
	assert_int_equal(T.r[l].role, SYNOD_LEADER);
	T.cut[(l + 1) % 3] = true;
	T.cut[(l + 2) % 3] = true;
	for (i = 0; i < 9; i++)
		advance(MS);
	assert_false(synod_replica_heard(&T.r[l], T.now, 8 * MS));
}

/* A CATCHUP|SNAPSHOT; a checkpoint in aux comes with its configuration. */
static struct synod_msg catchup_from(int from, int to, u64 base, u64 commit,
				     u64 aux)
{
	bool ckpt = aux && aux != SYNOD_CKPT_NONE;

	return core_snapshot(from, to, base, commit, aux,
			     ckpt ? &T.r[from].cfg : NULL);
}

/*
 * "Your slots are trimmed" names the source's checkpoint (aux) as the slot
 * to jump to, not its commit index: a crash of the source undoes applies
 * past its checkpoint, and replicas jumped past what any data area holds
 * could never finish.  A source whose own copy runs names none
 * (SYNOD_CKPT_NONE) and the asker turns to the leader.  The slots chosen after the jump are then
 * fetched from the source (sim seed 7048, 5 replicas: a leader that
 * applied its own removal was the only one to know them chosen).
 */
static void test_snapshot_names_checkpoint(void **state)
{
	struct synod_msg f, a;

	(void)state;
	setup_cluster(3, false);
	synod_replica_install_snapshot(&T.r[1], T.now, 100, &T.r[1].cfg,
				       &T.out[1]);
	synod_out_reset(&T.out[1]);
	memset(&f, 0, sizeof(f));
	f.type = SYNOD_MSG_FETCH;
	f.from = 2;
	f.to = 1;
	f.volume = 7;
	f.epoch = 1;
	f.slot = 1;
	assert_true(ask(1, &f, &a));	/* flagged: trimmed, but no slot */
	assert_true(a.flags & SYNOD_MSGF_SNAPSHOT);
	assert_true(a.aux == SYNOD_CKPT_NONE);
	T.r[1].no_campaign = false;	/* the glue: copy done */
	T.r[1].data_suspect = false;
	assert_true(ask(1, &f, &a));
	assert_int_equal(a.aux, 100);

	/* a checkpoint past what the peer has chosen is nonsense: ignored */
	a = catchup_from(1, 2, 101, 150, 151);
	synod_replica_step(&T.r[2], T.now, &a, &T.out[2]);
	assert_false(T.out[2].transfer);
	synod_out_reset(&T.out[2]);
	/* asker: jumps to aux, not to commit */
	a = catchup_from(1, 2, 101, 150, 100);
	synod_replica_step(&T.r[2], T.now, &a, &T.out[2]);
	assert_true(T.out[2].transfer);
	assert_int_equal(T.out[2].transfer_from, 1);
	assert_int_equal(T.out[2].transfer_slot, 100);
	synod_out_reset(&T.out[2]);
	/* the slots after the jump: fetched from the source (seed 7048) */
	synod_replica_install_snapshot(&T.r[2], T.now, 100, &T.r[2].cfg,
				       &T.out[2]);
	synod_out_reset(&T.out[2]);
	assert_int_equal(T.r[2].commit_hint, 150);
	assert_int_equal(T.r[2].commit_from, 1);
	T.now += 10 * MS;
	synod_replica_tick(&T.r[2], T.now, &T.out[2]);
	assert_int_equal(T.out[2].nmsgs, 1);
	assert_int_equal(T.out[2].msgs[0].type, SYNOD_MSG_FETCH);
	assert_int_equal(T.out[2].msgs[0].to, 1);
	assert_int_equal(T.out[2].msgs[0].slot, 101);
	synod_out_reset(&T.out[2]);
	/* a source that cannot serve: no transfer, ask the leader */
	T.r[2].leader = 0;
	T.r[2].commit_from = 1;
	a = catchup_from(1, 2, 120, 150, SYNOD_CKPT_NONE);
	synod_replica_step(&T.r[2], T.now, &a, &T.out[2]);
	assert_false(T.out[2].transfer);
	assert_int_equal(T.r[2].commit_from, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuses_bad_quorums),
		cmocka_unit_test(test_elect_and_commit),
		cmocka_unit_test(test_no_ack_before_durable),
		cmocka_unit_test(test_read_index),
		cmocka_unit_test(test_lease_read),
		cmocka_unit_test(test_step_down),
		cmocka_unit_test(test_add_voter),
		cmocka_unit_test(test_promote_demote),
		cmocka_unit_test(test_no_campaign_holds_elections),
		cmocka_unit_test(test_rejoin_keeps_leader_leases),
		cmocka_unit_test(test_rejoin_keeps_leader_no_leases),
		cmocka_unit_test(test_prevote_changes_nothing),
		cmocka_unit_test(test_prevote_refused_under_lease),
		cmocka_unit_test(test_prevote_stall_is_not_silence),
		cmocka_unit_test(test_prevote_elects_after_leader_loss),
		cmocka_unit_test(test_jump_ends_candidacy),
		cmocka_unit_test(test_jump_drops_prevote),
		cmocka_unit_test(test_snapshot_names_checkpoint),
		cmocka_unit_test(test_retransmit_backs_off_while_silent),
		cmocka_unit_test(test_heard_counts_phase2_answers),
	};

	return cmocka_run_group_tests_name("core_replica", tests, NULL, NULL);
}
