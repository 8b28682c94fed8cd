// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of how a leader stays and goes: the pre-vote (a live leader
 * is not deposed by a replica that merely lost touch), resends of phase 2
 * only to a silent peer, and the quorum a leader must hear to keep
 * serving.  The cluster is core_cluster.h's.
 */
#include "core_test.h"
#include "core_msg.h"
#include "core_cluster.h"

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

/*
 * Six writes (refs 100-105) chosen by the leader and one follower (*@f)
 * while the other (*@g) is cut off; then the leader is cut off and @g
 * back, @f's promises cut to 2 entries.  Nobody has campaigned yet.
 */
static void six_chosen_leader_gone(int *f, int *g)
{
	int l;

	setup_cluster(3, false);
	l = elect();
	*f = (l + 1) % 3;
	*g = (l + 2) % 3;
	T.cut[*g] = true;
	write_n(l, 100, 6);
	assert_true(T.r[l].chosen_upto >= 7);
	T.cut[l] = true;
	T.cut[*g] = false;
	T.cut_promise[*f] = 2;
}

/*
 * A promise cut by bytes (SYNOD_MSGF_PART, the glue's synod_cut_answer(),
 * kmod/msg_cut.c): the candidate decides only the slots it covers and
 * asks again past them, so that the values its sender accepted past the
 * cut are proposed again, not replaced by no-ops.  Six writes chosen by the
 * leader and one follower while the other is cut off; the leader goes,
 * the other comes back and campaigns, and the follower's promises go
 * cut to 2 entries.  Taken for whole ones (the PART_WHOLE mutant), the
 * candidate put no-ops over four chosen writes.
 */
static void test_cut_promise_recovers_past_the_cut(void **state)
{
	int f, g, i;

	(void)state;
	six_chosen_leader_gone(&f, &g);
	promote(g);
	/* the new leader applied every chosen write, none lost */
	beat();
	for (i = 0; i < 6; i++)
		assert_true(T.applied_ref[g][100 + i]);
	/* each chunk's promise went cut: at least two chunks */
	assert_true(T.promises_cut[f] >= 2);
}

/*
 * A malformed cut promise (a sender's bug: entries past the end it
 * names, none at all, an end below its first slot, or an entry before
 * its first slot) is not taken: the candidate neither asserts nor leads
 * on it, counts it, and leads once the sender's promises are well
 * formed again, every chosen write kept.
 */
static void cut_promise_malformed(int mode)
{
	int f, g, i;

	six_chosen_leader_gone(&f, &g);
	T.bad_cut[f] = mode;
	synod_replica_campaign(&T.r[g], T.now, &T.out[g]);
	pump();
	for (i = 0; i < 30; i++)
		advance(MS);
	assert_true(T.r[g].role != SYNOD_LEADER);
	assert_true(T.r[g].stats.part_refused >= 1);
	T.bad_cut[f] = 0;
	promote(g);
	beat();
	for (i = 0; i < 6; i++)
		assert_true(T.applied_ref[g][100 + i]);
}

static void test_cut_promise_malformed_refused(void **state)
{
	int mode;

	(void)state;
	for (mode = 1; mode <= 4; mode++)
		cut_promise_malformed(mode);
}

/*
 * The candidate's own log holds values of an old ballot past the cut
 * (c led alone: six writes accepted by it only), where a later ballot
 * chose six other writes (a and b).  a goes; c campaigns with b's
 * promises cut to 2 entries, its own promise counted before b's or
 * after (@late_self).  The cut must end the chunk for c's own report
 * too (p1_max lowered to the cut), or c proposes no-ops over chosen
 * writes.
 */
static void own_values_past_the_cut(bool late_self)
{
	int a = 0, b = 1, c = 2, i;

	setup_cluster(3, false);
	promote(c);
	beat();
	/* c accepts 6 writes alone (ballot b1): never chosen */
	T.cut[a] = T.cut[b] = true;
	write_n(c, 100, 6);
	T.cut[c] = true;
	T.cut[a] = T.cut[b] = false;
	promote(a);
	write_n(a, 110, 6);
	beat();
	synod_replica_resign(&T.r[c], T.now, 0, &T.out[c]);
	drain(c);
	pump();
	T.cut[a] = true;
	T.cut[c] = false;
	T.cut_promise[b] = 2;
	T.hold_durable[c] = late_self;
	if (T.r[c].role == SYNOD_FOLLOWER)
		synod_replica_campaign(&T.r[c], T.now, &T.out[c]);
	pump();
	if (late_self) {
		assert_true(T.r[c].p1_hi < T.r[c].p1_from + SYNOD_P1_CHUNK - 1);
		assert_int_equal(T.r[c].role, SYNOD_CANDIDATE);
		T.hold_durable[c] = false;
		drain(c);
	}
	promote(c);
	beat();
	for (i = 0; i < 6; i++) {
		assert_true(T.applied_ref[c][110 + i]);
		assert_false(T.applied_ref[c][100 + i]);
	}
	assert_true(T.promises_cut[b] >= 1);
}

static void test_cut_promise_ends_own_report(void **state)
{
	(void)state;
	own_values_past_the_cut(false);
}

static void test_cut_promise_ends_own_report_late(void **state)
{
	(void)state;
	own_values_past_the_cut(true);
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
	l = write_to_silent_peers(&f, &g);
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
 * The local send queue refused an ACCEPT to a peer whose link stayed up
 * (a queue still growing): the leader resends what the peer has not
 * acked at the next tick, not after its backed-off wait; but at most
 * once per retransmission period, however many refusals come (a run of
 * them while the queue grows would otherwise refill it every tick), and
 * the early resend counts for the backoff (the wait doubles) and the
 * round trip estimate stays (unlike a link up).  A follower has nothing
 * to resend.
 */
static void test_refused_resends_once_per_period(void **state)
{
	u64 rto, srtt;
	int l, f, g, sent;

	(void)state;
	l = write_to_silent_peers(&f, &g);
	/* resent at least once: f's wait has backed off past a period */
	advance(16 * MS);
	rto = T.r[l].retx_rto_ns[f];
	assert_true(rto >= 10 * MS && rto <= 20 * MS);
	srtt = T.r[l].srtt_ns[f];

	sent = T.accepts[l][f];
	synod_replica_peer_refused(&T.r[l], T.now, (u32)f, &T.out[l]);
	drain(l);
	pump();
	advance(MS);
	assert_int_equal(T.accepts[l][f], sent + 1);	/* the next tick */
	assert_int_equal(T.r[l].retx_rto_ns[f], 2 * rto);	/* kept, doubled */
	assert_int_equal(T.r[l].srtt_ns[f], srtt);

	/* more refusals within the period bring nothing forward */
	sent = T.accepts[l][f];
	synod_replica_peer_refused(&T.r[l], T.now, (u32)f, &T.out[l]);
	drain(l);
	pump();
	advance(2 * MS);
	synod_replica_peer_refused(&T.r[l], T.now, (u32)f, &T.out[l]);
	drain(l);
	pump();
	advance(MS);
	assert_int_equal(T.accepts[l][f], sent);

	/* a period after the first, a refusal does again */
	advance(2 * MS);
	synod_replica_peer_refused(&T.r[l], T.now, (u32)f, &T.out[l]);
	drain(l);
	pump();
	advance(MS);
	assert_int_equal(T.accepts[l][f], sent + 1);

	/* a follower has nothing to resend: nothing noted */
	synod_replica_peer_refused(&T.r[f], T.now, (u32)l, &T.out[f]);
	assert_int_equal(T.r[f].refused_ns[l], 0);
}

/*
 * A follower whose acks always arrive after the other follower's (its
 * journal is slower) is not silent: each ack it sends is progress, is
 * recorded on its slot (the "match" of status) and resets its wait.
 * Acks for slots already chosen were once ignored, so such a follower
 * looked silent: it was resent every slot in flight each period, and
 * status showed it at match 0 while it kept up.
 */
static void test_late_acks_are_progress(void **state)
{
	const struct synod_slot *sl;
	int l, f, g, i;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	f = (l + 1) % 3;
	g = (l + 2) % 3;
	for (i = 0; i < 40; i++) {
		T.hold_durable[g] = true;
		assert_int_equal(synod_replica_write(&T.r[l], T.now,
						     (u64)100 + i, 3, i, 4096,
						     &T.out[l]), SYNOD_OK);
		pump();
		/* chosen with f alone; g's ack is held in its core */
		assert_true(T.r[l].chosen_upto >= T.r[l].next_slot - 1);
		T.hold_durable[g] = false;
		drain(g);
		pump();
		advance(MS);
	}
	sl = &T.r[l].log[(T.r[l].next_slot - 1) & (SYNOD_LOG_MAX - 1)];
	assert_int_equal(sl->e.slot, T.r[l].next_slot - 1);
	assert_true(sl->acks & (1u << f));
	assert_true(sl->acks & (1u << g));
	assert_int_equal(T.r[l].stats.resends, 0);
	assert_int_equal(T.r[l].retx_rto_ns[g], 5 * MS);
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
						     (u64)100 + i, 3, i, 4096,
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

/*
 * A leader cut off with slots its followers went on to choose without it
 * comes back to replicas whose idle forget ran meanwhile (the module's
 * payload store lets go of an idle log, kmod/payload.c), and one of them
 * no longer leads: they kept the slots it lacks, so it catches up from
 * their logs, never by a state transfer, which would fail the writes it
 * held of unknown outcome (--on-no-quorum suspend).  Before the bound a
 * leader sends in its heartbeats (all_chosen), a follower forgot all
 * that its data area held.
 */
static void test_idle_forget_keeps_what_a_cut_voter_lacks(void **state)
{
	int l, m, f;
	u64 had;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	write8(l, 0x100);
	beat();
	had = T.r[l].chosen_upto;
	assert_true(had >= 8);
	/* every voter answered: the followers were told all of it */
	assert_int_equal(T.r[(l + 1) % 3].all_chosen, had);
	assert_int_equal(T.r[(l + 2) % 3].all_chosen, had);
	T.cut[l] = true;
	m = elect_except(l);
	f = 3 - l - m;
	write8(m, 0x200);
	beat();
	assert_true(T.r[f].chosen_upto >= had + 8);
	/* l never answered m: m says nobody is sure of anything */
	assert_int_equal(T.r[f].all_chosen, 0);
	/* m steps aside: neither of them leads now, both idle */
	synod_replica_resign(&T.r[m], T.now, 0, &T.out[m]);
	drain(m);
	assert_int_equal(T.r[m].all_chosen, 0);
	synod_replica_forget(&T.r[m], T.now, false);
	synod_replica_forget(&T.r[f], T.now, false);
	/* both still hold every slot past what l had chosen */
	assert_true(T.r[m].log_base <= had + 1);
	assert_true(T.r[f].log_base <= had + 1);
	/* back: l catches up from the logs, without a jump */
	T.install[l] = true;
	T.cut[l] = false;
	for (int i = 0; i < 300; i++)
		advance(MS);
	assert_int_equal(T.jumps[l], 0);
	assert_int_equal(T.r[l].chosen_upto, T.r[f].chosen_upto);
	/* going down, a replica serves nobody: it may forget it all */
	synod_replica_forget(&T.r[f], T.now, true);
	assert_int_equal(T.r[f].log_base, T.r[f].applied_durable + 1);
}

/*
 * With every voter up and caught up, an idle forget drops everything the
 * data area holds durably, on every replica (the module's idle payload
 * store gives all its buffers back then, tests/vm/cluster.bats).
 */
static void test_idle_forget_all_up_forgets_all(void **state)
{
	int l, i;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	write8(l, 0x300);
	beat();
	for (i = 0; i < 3; i++) {
		assert_true(T.r[i].applied_durable >= 8);
		synod_replica_forget(&T.r[i], T.now, false);
		assert_int_equal(T.r[i].log_base,
				 T.r[i].applied_durable + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prevote_changes_nothing),
		cmocka_unit_test(test_prevote_refused_under_lease),
		cmocka_unit_test(test_prevote_stall_is_not_silence),
		cmocka_unit_test(test_prevote_elects_after_leader_loss),
		cmocka_unit_test(test_cut_promise_recovers_past_the_cut),
		cmocka_unit_test(test_cut_promise_malformed_refused),
		cmocka_unit_test(test_cut_promise_ends_own_report),
		cmocka_unit_test(test_cut_promise_ends_own_report_late),
		cmocka_unit_test(test_jump_drops_prevote),
		cmocka_unit_test(test_retransmit_backs_off_while_silent),
		cmocka_unit_test(test_refused_resends_once_per_period),
		cmocka_unit_test(test_heard_counts_phase2_answers),
		cmocka_unit_test(test_late_acks_are_progress),
		cmocka_unit_test(test_idle_forget_keeps_what_a_cut_voter_lacks),
		cmocka_unit_test(test_idle_forget_all_up_forgets_all),
	};

	return cmocka_run_group_tests_name("core_leader", tests, NULL, NULL);
}
