// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of what the links tell the core besides messages
 * (kmod/core/replica.c): a send queue that still holds frames to a peer
 * (synod_replica_peer_backlog()) and a leader's payload bytes arriving
 * (synod_replica_leader_bytes()).  Both are for slow links under 1 MiB
 * writes (issue 10, engine.bats "1 MiB writes over a slow link keep
 * their leader"): a slot then takes longer to go than the leader's
 * wait before resending it and than a follower's election timeout, and
 * the leader filled its link with copies while its followers campaigned
 * against it.  The cluster is core_cluster.h's; a node cut off stands
 * for one whose messages wait behind payloads.
 */
#include "core_test.h"
#include "core_msg.h"
#include "core_cluster.h"


/* @ms milliseconds of ticks, leader @l told before each that its send
 * queue to @f still holds frames. */
static void backlogged_ms(int l, int f, int ms)
{
	int i;

	for (i = 0; i < ms; i++) {
		synod_replica_peer_backlog(&T.r[l], T.now, 1u << f, &T.out[l]);
		drain(l);
		advance(MS);
	}
}

/*
 * While frames to a peer wait in the local send queue, the leader
 * resends it nothing however long it stays silent (its slots are queued,
 * not lost), while a silent peer with nothing queued is resent as
 * before; once the queue drains, the wait runs again from then: the
 * first resend comes one wait later, not at once.  A follower owes
 * nothing: the backlog changes nothing there.
 */
static void test_backlog_holds_resends(void **state)
{
	int l, f, g, sent_f, sent_g, i;
	u64 rto;

	(void)state;
	l = write_to_silent_peers(&f, &g);
	sent_f = T.accepts[l][f];
	sent_g = T.accepts[l][g];
	backlogged_ms(l, f, 200);
	assert_int_equal(T.accepts[l][f], sent_f);
	assert_true(T.accepts[l][g] >= sent_g + 5);	/* 5, 10, 20, 40 ... */
	assert_int_equal(T.r[l].stats.resends, T.accepts[l][g] - sent_g);
	/* f's wait never backed off: nothing went to it */
	rto = T.r[l].retx_rto_ns[f];
	assert_int_equal(rto, 5 * MS);
	/* drained: nothing for one wait, then one resend */
	synod_replica_peer_backlog(&T.r[l], T.now, 1u << f, &T.out[l]);
	drain(l);
	for (i = 0; i < 4; i++)
		advance(MS);
	assert_int_equal(T.accepts[l][f], sent_f);
	advance(MS);
	advance(MS);
	assert_int_equal(T.accepts[l][f], sent_f + 1);
	/* a follower's waits do not move */
	rto = T.r[f].retx_ns[l];
	synod_replica_peer_backlog(&T.r[f], T.now, 1u << l, &T.out[f]);
	assert_int_equal(T.r[f].retx_ns[l], rto);
	assert_int_equal(T.r[f].role, SYNOD_FOLLOWER);
}

/*
 * A resend that a link-up brought forward is not put off by a queue
 * that still holds frames (those of the new connection: what the old
 * one lost is not among them), even when the outbox had no room for it
 * at the first tick; the next backlog, once it went, puts off the next.
 */
static void test_backlog_keeps_a_forced_resend(void **state)
{
	int l, f, g, sent;

	(void)state;
	l = write_to_silent_peers(&f, &g);
	advance(MS);
	sent = T.accepts[l][f];
	synod_replica_peer_up(&T.r[l], T.now, (u32)f, &T.out[l]);
	drain(l);
	/* the tick's outbox was full: nothing went */
	T.out[l].nmsgs = SYNOD_OUT_MSGS_MAX;
	synod_replica_tick(&T.r[l], T.now, &T.out[l]);
	synod_out_reset(&T.out[l]);
	assert_int_equal(T.accepts[l][f], sent);
	assert_true(T.r[l].forced & (1u << f));
	backlogged_ms(l, f, 1);
	assert_int_equal(T.accepts[l][f], sent + 1);
	assert_false(T.r[l].forced & (1u << f));
	/* not forced any more: the backlog holds the next one off */
	sent = T.accepts[l][f];
	backlogged_ms(l, f, 100);
	assert_int_equal(T.accepts[l][f], sent);
}

/*
 * Three replicas with leases, a leader elected (returned) and heard by
 * its followers *@f and *@g.
 */
static int lease_cluster(int *f, int *g)
{
	int l;

	setup_cluster(3, true);
	advance(20 * MS);
	l = elect();
	*f = (l + 1) % 3;
	*g = (l + 2) % 3;
	beat();
	return l;
}

/*
 * Three replicas with leases; the leader's messages stop reaching its
 * followers (cut off) but its payload bytes keep coming to @f: f does
 * not campaign and refuses the other follower's pre-vote for as long as
 * they come, so nobody else leads.  When they stop, f and g elect a new
 * leader within the usual time.
 */
static void test_leader_bytes_postpone_election(void **state)
{
	int l, f, g, i, n;
	u64 pv_f, pv_g;

	(void)state;
	l = lease_cluster(&f, &g);
	assert_int_equal(T.r[f].leader, (u32)l);
	T.cut[l] = true;
	pv_f = T.r[f].stats.prevotes;
	pv_g = T.r[g].stats.prevotes;
	for (i = 0; i < 200; i++) {	/* 20 election timeouts */
		synod_replica_leader_bytes(&T.r[f], T.now, (u32)l, &T.out[f]);
		drain(f);
		advance(MS);
		assert_int_equal(T.r[f].role, SYNOD_FOLLOWER);
		assert_int_not_equal(T.r[g].role, SYNOD_LEADER);
	}
	assert_int_equal(T.r[f].stats.prevotes, pv_f);
	assert_int_equal(T.r[f].promised, T.r[l].ballot);
	assert_int_equal(T.r[g].promised, T.r[l].ballot);
	assert_true(T.r[g].stats.prevotes > pv_g);	/* g tried, f said no */
	n = elect_except(l);
	assert_true(n == f || n == g);
	assert_true(T.r[n].ballot > T.r[l].ballot);
}

/*
 * Only the leader one follows, and only while one promised no newer
 * ballot, postpones an election by its bytes: bytes from the other
 * follower do not, nor, once a newer ballot is promised, those of the
 * old leader (its queue may drain for seconds after it was deposed).
 */
static void test_bytes_of_others_postpone_nothing(void **state)
{
	struct synod_msg m;
	int l, f, g, i, n = -1;
	u64 contact;

	(void)state;
	l = lease_cluster(&f, &g);
	T.cut[l] = true;
	for (i = 0; i < 500 && n < 0; i++) {
		synod_replica_leader_bytes(&T.r[f], T.now, (u32)g, &T.out[f]);
		drain(f);
		advance(MS);
		if (T.r[f].role == SYNOD_LEADER && T.r[f].active)
			n = f;
		if (T.r[g].role == SYNOD_LEADER && T.r[g].active)
			n = g;
	}
	assert_true(n == f || n == g);
	/* f follows (or is) the new leader: l's late bytes change nothing */
	advance(MS);
	contact = T.r[f].last_contact_ns;
	synod_replica_leader_bytes(&T.r[f], T.now, (u32)l, &T.out[f]);
	assert_int_equal(T.r[f].last_contact_ns, contact);

	/* a newer ballot promised, its leader not heard yet */
	l = lease_cluster(&f, &g);
	T.now += 20 * MS;	/* f's lease to l is over; no tick: no jump */
	m = core_msg(SYNOD_MSG_PREPARE, g, f);
	m.ballot = synod_ballot_make(synod_ballot_round(T.r[l].ballot) + 1,
				     (u32)g);
	m.slot = T.r[f].chosen_upto + 1;
	synod_replica_step(&T.r[f], T.now, &m, &T.out[f]);
	synod_out_reset(&T.out[f]);
	assert_int_equal(T.r[f].promised, m.ballot);
	/* the promise cleared the leader; were it kept, its bytes still
	 * would not count: they are not those of the ballot promised */
	T.r[f].leader = (u32)l;
	T.now += MS;
	contact = T.r[f].last_contact_ns;
	synod_replica_leader_bytes(&T.r[f], T.now, (u32)l, &T.out[f]);
	assert_int_equal(T.r[f].last_contact_ns, contact);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backlog_holds_resends),
		cmocka_unit_test(test_backlog_keeps_a_forced_resend),
		cmocka_unit_test(test_leader_bytes_postpone_election),
		cmocka_unit_test(test_bytes_of_others_postpone_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
