// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of how far a leader's log may be shed (kmod/core/forget.c,
 * synod_replica_shed() and synod_replica_shed_bound()): past a down
 * voter, never past what a phase-2 quorum of live voters has chosen (of
 * both configurations while a change is in flight), peer_chosen as the
 * followers' acknowledgements and link ups move it, and a phase 1 asked
 * below a shed log.  Moved out of test_leader.c, which they outgrew.
 * The cluster is core_cluster.h's.
 */
#include "core_test.h"
#include "core_msg.h"
#include "core_cluster.h"

/* Writes through leader @l until it has chosen @slots more slots. */
static void write_slots(int l, u64 req, u64 slots)
{
	u64 upto = T.r[l].chosen_upto + slots;

	while (T.r[l].chosen_upto < upto) {
		write8(l, req);
		req += 8;
		beat();
	}
}

/*
 * S4b's setting: three replicas, a leader (returned) and two followers,
 * *f cut off while 20 slots of writes are chosen by the leader and *m.
 */
static int shed_setup(int *f, int *m)
{
	int l;

	setup_cluster(3, false);
	l = elect();
	*f = (l + 1) % 3;
	*m = (l + 2) % 3;
	T.cut[*f] = true;
	write_slots(l, 0x400, 20);
	assert_true(T.r[*f].chosen_upto + 20 <= T.r[l].chosen_upto);
	return l;
}

/*
 * S4b: a voter down while large writes go on.  The leader's forget keeps
 * every slot that voter lacks, so its payloads stay in the store; past
 * the byte bound the glue sheds them (synod_replica_shed()), never past
 * applied_durable, and the voter, back, catches up by a state transfer
 * from the leader: its FETCH is below the leader's log_base.
 */
static void test_shed_past_a_down_voter(void **state)
{
	int l, f, m;
	u64 base, ad, lacks, n;

	(void)state;
	l = shed_setup(&f, &m);
	ad = T.r[l].applied_durable;
	lacks = T.r[f].chosen_upto;
	assert_true(ad >= lacks + 20);
	synod_replica_forget(&T.r[l], T.now, false);
	assert_true(T.r[l].log_base <= lacks + 1);	/* kept for f */
	base = T.r[l].log_base;
	/* a bound: keep the newest four slots */
	n = synod_replica_shed(&T.r[l], T.now, ad - 4);
	assert_int_equal(n, ad - 4 - base + 1);
	assert_int_equal(T.r[l].log_base, ad - 3);
	assert_int_equal(T.r[l].stats.shed, ad - 4 - lacks);
	/* never past what the data area holds durably */
	n = synod_replica_shed(&T.r[l], T.now, ad + 100);
	assert_int_equal(n, 4);
	assert_int_equal(T.r[l].log_base, ad + 1);
	assert_int_equal(T.r[l].stats.shed, ad - lacks);
	assert_int_equal(synod_replica_shed(&T.r[l], T.now, ad), 0);
	/* f back, m away: only the leader can serve f, by a transfer */
	T.cut[m] = true;
	T.cut[f] = false;
	T.install[f] = true;
	for (int i = 0; i < 300; i++)
		advance(MS);
	assert_true(T.jumps[f] >= 1);
	assert_int_equal(T.r[l].role, SYNOD_LEADER);
	assert_int_equal(T.r[f].chosen_upto, T.r[l].chosen_upto);
	/* and the pair goes on choosing without m */
	write8(l, 0x900);
	beat();
	assert_true(T.r[f].chosen_upto >= ad + 8);
}

/*
 * S4b on a follower: shedding past all_chosen (what the leader last
 * said every voter had) is safe.  The voter that lacks those slots comes
 * back when the leader is gone: whichever of the two survivors leads,
 * it learns them by a state transfer from the one that shed (a FETCH
 * below its log_base, or phase 1 told TOO_FAR), and the pair serves.
 */
static void test_shed_past_all_chosen_on_a_follower(void **state)
{
	int l, f, m, nl;
	u64 ad, lacks;

	(void)state;
	l = shed_setup(&f, &m);
	ad = T.r[m].applied_durable;
	lacks = T.r[f].chosen_upto;
	assert_true(ad >= lacks + 20);
	assert_true(T.r[m].all_chosen <= lacks);
	synod_replica_forget(&T.r[m], T.now, false);
	assert_true(T.r[m].log_base <= lacks + 1);	/* kept for f */
	assert_true(synod_replica_shed(&T.r[m], T.now, ad) > 0);
	assert_int_equal(T.r[m].log_base, ad + 1);
	assert_true(T.r[m].stats.shed >= ad - lacks);
	/* the leader is lost for good; f comes back */
	T.cut[l] = true;
	T.cut[f] = false;
	T.install[f] = true;
	nl = elect_except(l);
	for (int i = 0; i < 300; i++)
		advance(MS);
	assert_true(T.jumps[f] >= 1);
	assert_int_equal(T.r[f].chosen_upto, T.r[m].chosen_upto);
	assert_true(T.r[f].chosen_upto >= ad);
	write8(nl, 0x900);
	beat();
	assert_true(T.r[f].chosen_upto >= ad + 8);
	assert_int_equal(T.r[f].chosen_upto, T.r[m].chosen_upto);
}

/*
 * A follower that acks every write but whose heartbeat answers are lost
 * (under 1 MiB writes they come seconds apart): the leader must still
 * know its chosen prefix, which every ACCEPTED carries (m->commit), or
 * the glue's byte bound counts it behind and sheds past it, sending a
 * healthy follower to a state transfer (/work/logs/s27, 6.12).  The
 * prefix only grows within a ballot: a late ACCEPTED does not lower it.
 */
static void test_peer_chosen_follows_acks(void **state)
{
	int l, f, i;
	u64 was, ad;
	struct synod_msg a;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	beat();
	f = (l + 1) % 3;
	was = T.r[l].peer_chosen[f];
	T.drop_hb = true;
	for (i = 0; i < 6; i++) {
		write8(l, 0x1000 + 8 * i);
		advance(MS);
	}
	/* it knew all but the last batch when it acked that batch */
	assert_true(T.r[f].chosen_upto + 8 >= T.r[l].chosen_upto);
	assert_true(T.r[l].peer_chosen[f] >= was + 40);
	assert_true(T.r[l].peer_chosen[f] <= T.r[f].chosen_upto);
	/* a late answer from before does not lower it */
	was = T.r[l].peer_chosen[f];
	a = core_msg(SYNOD_MSG_ACCEPTED, f, l);
	a.ballot = T.r[l].ballot;
	a.slot = a.slot_hi = 2;
	a.commit = 1;
	synod_replica_step(&T.r[l], T.now, &a, &T.out[l]);
	drain(l);
	assert_int_equal(T.r[l].peer_chosen[f], was);
	/* shed up to what both followers have chosen: past nobody */
	ad = T.r[l].applied_durable;
	if (ad > T.r[l].peer_chosen[f])
		ad = T.r[l].peer_chosen[f];
	if (ad > T.r[l].peer_chosen[3 - l - f])
		ad = T.r[l].peer_chosen[3 - l - f];
	assert_true(ad >= 40);
	assert_true(synod_replica_shed(&T.r[l], T.now, ad) > 0);
	assert_int_equal(T.r[l].log_base, ad + 1);
	assert_int_equal(T.r[l].stats.shed, 0);
	/*
	 * its link comes up again (it may have restarted, its prefix back
	 * at its checkpoint, and ACCEPTED only raises the value): known
	 * again only from its next answer (review helper-145)
	 */
	synod_replica_peer_up(&T.r[l], T.now, (u32)f, &T.out[l]);
	drain(l);
	assert_int_equal(T.r[l].peer_chosen[f], 0);
	write8(l, 0x2000);
	advance(MS);
	assert_true(T.r[l].peer_chosen[f] >= 40);
}

/*
 * S4b, phase 1 after a shed: a follower m shed past all_chosen, the
 * leader is lost, and f, which lacks those slots, campaigns.  Its phase
 * 1 asks m from below m's log_base: m answers TOO_FAR (acceptor.c,
 * build_promise()), so f, short of a phase-1 quorum, fetches from m and
 * catches up by a state transfer (its FETCH is below m's log_base too).
 * Campaigning again from there, f completes phase 1 and leads the pair.
 */
static void test_phase1_below_a_shed_log(void **state)
{
	int l, f, m, i;
	u64 ad;

	(void)state;
	l = shed_setup(&f, &m);
	ad = T.r[m].applied_durable;
	assert_true(synod_replica_shed(&T.r[m], T.now, ad) > 0);
	assert_int_equal(T.r[m].log_base, ad + 1);
	assert_true(T.r[f].chosen_upto + 1 < T.r[m].log_base);
	T.cut[l] = true;
	T.cut[f] = false;
	T.install[f] = true;
	synod_replica_campaign(&T.r[f], T.now, &T.out[f]);
	drain(f);
	pump();
	assert_int_equal(T.too_far[f], 1);
	assert_int_equal(T.jumps[f], 1);
	assert_int_equal(T.r[f].role, SYNOD_FOLLOWER);
	assert_true(T.r[f].chosen_upto >= ad);
	/* from there, phase 1 asks m for nothing it let go of */
	advance(MS);
	synod_replica_campaign(&T.r[f], T.now, &T.out[f]);
	drain(f);
	pump();
	for (i = 0; i < 10 && !T.r[f].active; i++)
		advance(MS);
	assert_int_equal(T.r[f].role, SYNOD_LEADER);
	assert_true(T.r[f].p1_done && T.r[f].active);
	assert_int_equal(T.too_far[f], 1);
	assert_int_equal(T.jumps[f], 1);
	write8(f, 0xa00);
	beat();
	assert_true(T.r[m].chosen_upto >= ad + 8);
	assert_int_equal(T.r[f].chosen_upto, T.r[m].chosen_upto);
}

/*
 * Three replicas, a leader elected (returned), its followers in @f and
 * @m, 32 writes chosen by all in four rounds; the leader's
 * applied_durable in @ad.
 */
static int three_wrote_32(int *f, int *m, u64 *ad)
{
	int l, i;

	setup_cluster(3, false);
	l = elect();
	*f = (l + 1) % 3;
	*m = (l + 2) % 3;
	for (i = 0; i < 4; i++) {
		write8(l, 0x3000 + 8 * (u64)i);
		beat();
	}
	*ad = T.r[l].applied_durable;
	assert_true(*ad >= 20);
	return l;
}

/*
 * The byte bound never sheds past what a phase-2 quorum has chosen:
 * with both followers behind (a slow link to both under 1 MiB writes),
 * shedding past them sent both to state transfers and the leader lost
 * its quorum (engine.bats, 1 MiB writes over a slow link, with S5's
 * large requests by default).  Past one of them, as before.
 */
static void test_shed_stops_at_the_quorum(void **state)
{
	int l, f, m;
	u64 ad, lag;

	(void)state;
	l = three_wrote_32(&f, &m, &ad);
	/* both followers known behind: the bound stops at the better */
	lag = T.r[l].log_base + 3;
	T.r[l].peer_chosen[f] = lag;
	T.r[l].chosen_ns[f] = 0;	/* stood still */
	T.r[l].peer_chosen[m] = lag + 2;
	T.r[l].chosen_ns[m] = 0;	/* stood still */
	synod_replica_shed(&T.r[l], T.now, ad);
	assert_int_equal(T.r[l].log_base, lag + 3);
	assert_int_equal(T.r[l].stats.shed, 2);
	/* m caught up: past f alone, up to what the data area holds */
	T.r[l].peer_chosen[m] = T.r[l].chosen_upto;
	synod_replica_shed(&T.r[l], T.now, ad);
	assert_int_equal(T.r[l].log_base, ad + 1);
	assert_int_equal(T.r[l].stats.shed, ad - lag);
}

/*
 * A follower that keeps up (it answers, and its chosen prefix rose
 * within an election timeout) is never shed past, though the leader
 * and the other follower make a quorum without it: it lags only by what
 * is on its way, often a hole being resent, and shedding past it under
 * 1 MiB writes sent it to a state transfer of the whole disk with all
 * three up (engine.bats, 1 MiB writes at queue depth 4).  Once its
 * prefix has stood still for an election timeout while it still
 * answers, it is shed past, as a silent one is.
 */
static void test_shed_spares_a_follower_keeping_up(void **state)
{
	int l, f, m;
	u64 ad, lag;

	(void)state;
	l = three_wrote_32(&f, &m, &ad);
	lag = T.r[l].log_base + 3;
	T.r[l].peer_chosen[f] = lag;	/* its last ack, just now */
	T.r[l].chosen_ns[f] = T.now;
	T.r[l].peer_chosen[m] = T.r[l].chosen_upto;
	synod_replica_shed(&T.r[l], T.now, ad);
	assert_int_equal(T.r[l].log_base, lag + 1);
	assert_int_equal(T.r[l].stats.shed, 0);
	/* an election timeout on, f answers but its prefix stands still */
	T.now += T.r[l].p.election_ns + MS;
	synod_replica_tick(&T.r[l], T.now, &T.out[l]);	/* its clock */
	synod_out_reset(&T.out[l]);
	T.r[l].answer_ns[f] = T.now;
	T.r[l].answer_ns[m] = T.now;
	synod_replica_shed(&T.r[l], T.now, ad);
	assert_int_equal(T.r[l].log_base, ad + 1);
	assert_int_equal(T.r[l].stats.shed, ad - lag);
}

/*
 * chosen_ns as real messages drive it (not set by hand): followers that
 * take every slot rise or stand level with the leader and are stamped at
 * each answer; one held on a hole (its ACCEPT lost, its fetches
 * unanswered) stands still, and an election timeout later the bound
 * passes it.  A link that keeps coming back up (more often than an
 * election timeout) does not make it look as if it rose from 0 at each
 * answer: it stays shed past (review of keeping_up(), helper-151: it was
 * spared at 30 of 30 looks).
 */
static void test_shed_chosen_ns_follows_answers(void **state)
{
	int l, f, m, i, k, spared = 0;
	u64 s, b, t0;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	f = (l + 1) % 3;
	m = (l + 2) % 3;
	write8(l, 0x100);
	beat();
	/* both in step: stamped within the last heartbeat period or two */
	assert_true(T.now - T.r[l].chosen_ns[f] <= 2 * MS);
	assert_true(T.now - T.r[l].chosen_ns[m] <= 2 * MS);
	s = T.r[l].chosen_upto + 1;
	T.lose_slot[f] = s;
	T.drop_catchup[f] = 1000000;
	t0 = T.now;
	for (i = 0; i < 4; i++) {
		write8(l, 0x200 + 8 * (u64)i);
		beat();
	}
	assert_int_equal(T.r[f].chosen_upto, s - 1);
	assert_true(T.r[m].chosen_upto > s + 8);
	/* f stood still from the hole on; m kept rising */
	assert_true(T.r[l].chosen_ns[f] <= t0 + 2 * MS);
	assert_true(T.now - T.r[l].chosen_ns[m] <= 2 * MS);
	b = synod_replica_shed_bound(&T.r[l], T.now);
	assert_true(b > s - 1);
	for (k = 0; k < 30; k++) {	/* 240 ms: 24 election timeouts */
		synod_replica_peer_up(&T.r[l], T.now, (u32)f, &T.out[l]);
		drain(l);
		pump();
		for (i = 0; i < 8; i++)
			advance(MS);
		b = synod_replica_shed_bound(&T.r[l], T.now);
		if (b <= s - 1)
			spared++;
	}
	assert_int_equal(T.r[f].chosen_upto, s - 1);
	assert_int_equal(spared, 0);
}

/*
 * Review of shed_quorum_bound() (helper shedrev): a three-voter cluster
 * with node 3 as a learner, every node in the same configuration.
 */
static void setup_learner_cluster(void)
{
	struct synod_params p;
	int i;

	memset(&T, 0, sizeof(T));
	T.n = 4;
	T.now = 1000 * MS;
	for (i = 0; i < 4; i++) {
		p = params((u32)i, 4, false);
		p.config.voters = 0x7;
		p.config.learners = 0x8;
		p.config.q1 = 2;
		p.config.q2 = 2;
		assert_int_equal(synod_replica_init(&T.r[i], &p, T.now), 0);
		synod_out_reset(&T.out[i]);
	}
}

/*
 * The learner cluster with a leader among the voters, its two followers
 * in @f and @m, 24 slots chosen, and its applied_durable in @ad.
 */
static int learner_leader(int *f, int *m, u64 *ad)
{
	int l;

	setup_learner_cluster();
	l = elect();
	assert_true(l < 3);
	*f = (l + 1) % 3;
	*m = (l + 2) % 3;
	write_slots(l, 0x3000, 24);
	*ad = T.r[l].applied_durable;
	assert_true(*ad >= 20);
	return l;
}

/*
 * A learner's chosen prefix is no vote: with both followers behind and
 * the learner caught up, the leader sheds only to the better follower,
 * as without the learner.  (Counting every node, learners too, sheds
 * past both followers: the quorum lost as in engine.bats.)
 */
static void test_shed_quorum_ignores_learners(void **state)
{
	int l, f, m;
	u64 ad, lag;

	(void)state;
	l = learner_leader(&f, &m, &ad);
	lag = T.r[l].log_base + 3;
	T.r[l].peer_chosen[f] = lag;
	T.r[l].chosen_ns[f] = 0;	/* stood still */
	T.r[l].peer_chosen[m] = lag + 2;
	T.r[l].chosen_ns[m] = 0;	/* stood still */
	T.r[l].peer_chosen[3] = T.r[l].chosen_upto;
	synod_replica_shed(&T.r[l], T.now, ad);
	assert_int_equal(T.r[l].log_base, lag + 3);
}

/*
 * Four voters, q2 = 3: the third highest of the leader's own prefix
 * and its three followers' (not the best follower's, not the worst's);
 * with a flexible q2 = 2 (q1 = 3), the second highest.
 */
static void test_shed_quorum_is_the_q2th(void **state)
{
	int l, a, b, c;
	u64 ad, lag;

	(void)state;
	setup_cluster(4, false);
	assert_int_equal(T.r[0].cfg.q2, 3);
	l = elect();
	a = (l + 1) % 4;
	b = (l + 2) % 4;
	c = (l + 3) % 4;
	write_slots(l, 0x3000, 24);
	ad = T.r[l].applied_durable;
	assert_true(ad >= 20);
	lag = T.r[l].log_base + 3;
	T.r[l].peer_chosen[a] = lag;
	T.r[l].chosen_ns[a] = 0;	/* stood still */
	T.r[l].peer_chosen[b] = lag + 2;
	T.r[l].chosen_ns[b] = 0;	/* stood still */
	T.r[l].peer_chosen[c] = lag + 4;
	T.r[l].chosen_ns[c] = 0;	/* stood still */
	synod_replica_shed(&T.r[l], T.now, ad);
	assert_int_equal(T.r[l].log_base, lag + 3);
	/* flexible quorums: q2 = 2 keeps only what the best follower lacks */
	T.r[l].cfg.q1 = 3;
	T.r[l].cfg.q2 = 2;
	synod_replica_shed(&T.r[l], T.now, ad);
	assert_int_equal(T.r[l].log_base, lag + 5);
}

/*
 * A leader that has just taken over knows no follower's prefix
 * (become_leader() zeroes peer_chosen): it sheds nothing until one
 * answers.
 */
static void test_shed_quorum_new_leader_waits(void **state)
{
	int l, v;
	u64 ad, base;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	write_slots(l, 0x3000, 24);
	for (v = 0; v < 3; v++)
		T.r[l].peer_chosen[v] = 0;
	ad = T.r[l].applied_durable;
	base = T.r[l].log_base;
	assert_true(ad >= base + 20);
	assert_int_equal(synod_replica_shed(&T.r[l], T.now, ad), 0);
	assert_int_equal(T.r[l].log_base, base);
}

/*
 * A membership change in flight: node 3, a learner, becomes the fourth
 * voter (q2 = 3 of 4).  Until the CONFIG entry applies, r->cfg is the
 * old configuration, where the better follower m is a phase-2 quorum
 * with the leader; but the next one needs f or node 3 as well, and both
 * lag.  Shedding past both sends both to state transfers: once the
 * change applies the leader has lost its quorum, as in engine.bats.
 * The bound must be the lower of the two configurations' (try_commit()
 * asks both past cfg_slot).
 */
static void test_shed_quorum_next_config(void **state)
{
	struct synod_config next;
	int l, f, m;
	u64 ad, lag;

	(void)state;
	l = learner_leader(&f, &m, &ad);
	next = T.r[l].cfg;
	next.epoch++;
	next.voters = 0xf;
	next.learners = 0;
	next.q1 = 3;
	next.q2 = 3;
	assert_int_equal(synod_replica_change_config(&T.r[l], T.now, &next,
						     &T.out[l]), SYNOD_OK);
	assert_true(T.r[l].cfg_pending);
	assert_int_equal(T.r[l].applied_durable, ad);
	lag = T.r[l].log_base + 3;
	T.r[l].peer_chosen[f] = lag;
	T.r[l].chosen_ns[f] = 0;	/* stood still */
	T.r[l].peer_chosen[3] = lag + 2;
	T.r[l].chosen_ns[3] = 0;	/* stood still */
	T.r[l].peer_chosen[m] = T.r[l].chosen_upto;
	synod_replica_shed(&T.r[l], T.now, ad);
	/* the third highest of {l, m, 3, f} in the next configuration */
	assert_int_equal(T.r[l].log_base, lag + 3);
	pump();
}

/*
 * A voter that went silent keeps the peer_chosen it last reported:
 * m, in step, is lost for good; f answers but lags (a slot it lacks
 * does not reach it).  The leader's phase-2 quorum is now f and itself,
 * yet m's stale prefix counts as chosen by a quorum: the leader sheds
 * past f, which must then catch up by a state transfer while the leader
 * has no quorum (the engine.bats failure, reached by m's crash).
 */
static void test_shed_quorum_silent_voter(void **state)
{
	int l, f, m, i;
	u64 ad, lacks;

	(void)state;
	l = shed_setup(&f, &m);
	T.cut[m] = true;
	/* the first slot f holds no value for never reaches it */
	T.lose_slot[f] = T.r[f].last_slot + 1;
	T.drop_catchup[f] = 1000;
	T.cut[f] = false;
	for (i = 0; i < 50; i++)
		advance(MS);
	lacks = T.r[f].chosen_upto + 1;
	assert_true(lacks <= T.lose_slot[f]);
	assert_true(T.r[l].answer_ns[f] + 5 * MS >= T.now);
	assert_int_equal(T.r[l].peer_chosen[f], lacks - 1);
	assert_true(T.r[l].peer_chosen[m] > lacks + 10);
	ad = T.r[l].applied_durable;
	assert_true(ad > lacks + 10);
	synod_replica_shed(&T.r[l], T.now, ad);
	assert_true(T.r[l].log_base <= lacks);
}
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shed_past_a_down_voter),
		cmocka_unit_test(test_shed_past_all_chosen_on_a_follower),
		cmocka_unit_test(test_peer_chosen_follows_acks),
		cmocka_unit_test(test_phase1_below_a_shed_log),
		cmocka_unit_test(test_shed_stops_at_the_quorum),
		cmocka_unit_test(test_shed_spares_a_follower_keeping_up),
		cmocka_unit_test(test_shed_chosen_ns_follows_answers),
		cmocka_unit_test(test_shed_quorum_ignores_learners),
		cmocka_unit_test(test_shed_quorum_is_the_q2th),
		cmocka_unit_test(test_shed_quorum_new_leader_waits),
		cmocka_unit_test(test_shed_quorum_next_config),
		cmocka_unit_test(test_shed_quorum_silent_voter),
	};

	return cmocka_run_group_tests_name("core_shed", tests, NULL, NULL);
}
