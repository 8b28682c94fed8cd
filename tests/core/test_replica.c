// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the replica state machine on core_cluster.h's cluster:
 * election, commit, reads, leases, membership, state transfer (how a
 * leader stays and goes is test_leader.c's).  Section numbers refer to "Paxos Made
 * Simple" (PMS) and Howard et al., "Flexible Paxos" (FP).
 */
#include "core_test.h"
#include "core_msg.h"
#include "core_cluster.h"
#include "jrec.h"
#include "internal.h"	/* synod_election_timeout() */

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
					     4096, &T.out[l]), SYNOD_OK);
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
							     1, 1, 4096,
							     &T.out[i]),
					 SYNOD_NOT_LEADER);
}

/*
 * Writes that came together share slots (SYNOD_BATCH_MAX per slot) and
 * all complete; a pass larger than the queue is cut at the queue's
 * size, the rest refused as backpressure, never dropped silently; a
 * replica that does not lead queues none.
 */
static void test_writes_batch(void **state)
{
	struct synod_wait_write w[SYNOD_PENDING_MAX + 36];
	u64 slot0;
	int l, f, st, i;
	u32 n;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	for (i = 0; i < (int)ARRAY_SIZE(w); i++)
		w[i] = (struct synod_wait_write){ 200 + i, 10 + i, 0x1000 + i,
						  4096 };
	T.ndone = 0;
	slot0 = T.r[l].next_slot;
	st = -1;
	assert_int_equal(synod_replica_writes(&T.r[l], T.now, w, 6, &st,
					      &T.out[l]), 6);
	assert_int_equal(T.r[l].next_slot - slot0, 2);	/* 4 + 2 */
	pump();
	assert_int_equal(T.ndone, 6);
	for (i = 0; i < 6; i++) {
		assert_int_equal(T.done[i].status, SYNOD_OK);
		assert_int_equal(T.done[i].req, 200 + i);
	}
	f = (l + 1) % 3;
	st = -1;
	assert_int_equal(synod_replica_writes(&T.r[f], T.now, w, 6, &st,
					      &T.out[f]), 0);
	assert_int_equal(st, SYNOD_NOT_LEADER);
	/* followers hold their acks: nothing commits, the queue fills */
	for (i = 0; i < 3; i++)
		T.hold_durable[i] = i != l;
	n = synod_replica_writes(&T.r[l], T.now, w, ARRAY_SIZE(w), &st,
				 &T.out[l]);
	assert_int_equal(n, SYNOD_PENDING_MAX);
	assert_int_equal(st, SYNOD_BUSY);
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
	synod_replica_write(&T.r[l], T.now, 5, 1, 0x55, 4096, &T.out[l]);
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

/*
 * A write completes when chosen, before its apply lands in the data area;
 * a read of the block, by read index or under a lease, waits until it
 * has landed, or it would return the value from before a completed write.
 */
static void test_read_waits_for_landing(void **state)
{
	bool leases = core_test_flag(state);
	int l;

	setup_cluster(3, leases);
	advance(20 * MS);	/* past the restart wait */
	l = elect();
	advance(2 * MS);
	T.hold_land[l] = true;
	T.ndone = 0;
	synod_replica_write(&T.r[l], T.now, 21, 4, 0x44, 4096, &T.out[l]);
	pump();
	assert_int_equal(T.ndone, 1);	/* chosen: done, not yet landed */
	assert_int_equal(T.done[0].status, SYNOD_OK);
	assert_true(T.r[l].landed < T.r[l].applied);
	synod_replica_read(&T.r[l], T.now, 22, 4, &T.out[l]);
	drain(l);
	if (leases) {
		assert_true(synod_replica_lease_valid(&T.r[l], T.now));
	} else {
		pump();
		advance(3 * MS);	/* heartbeats confirm the index */
	}
	assert_int_equal(T.ndone, 1);	/* the read waits for the apply */
	T.hold_land[l] = false;
	drain(l);
	assert_int_equal(T.r[l].landed, T.r[l].applied);
	assert_int_equal(T.ndone, 2);
	assert_int_equal(T.done[1].req, 22);
	assert_int_equal(T.done[1].status, SYNOD_OK);
	assert_int_equal(T.done[1].lease, leases);
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

/*
 * A leader that sees a higher ballot steps down and says so, naming the
 * slot of each write whose outcome it cannot know.
 */
static void test_step_down(void **state)
{
	int l, o;
	u64 s;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	o = (l + 1) % 3;
	T.ndone = 0;
	T.hold_durable[(l + 2) % 3] = true;
	T.hold_durable[o] = true;
	s = T.r[l].next_slot;
	synod_replica_write(&T.r[l], T.now, 31, 1, 0x31, 4096, &T.out[l]);
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
	/* the only slot it can be chosen in: its holder watches that one */
	assert_int_equal(T.done[0].slot, s);
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
 * With leases the voters refuse for the lease; without, for having
 * heard the leader within an election timeout.
 */
static void test_rejoin_keeps_leader(void **state)
{
	bool leases = core_test_flag(state);
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
	synod_replica_write(&T.r[l], T.now, 44, 0, 0x44, 4096, &T.out[l]);
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

/* The leader @l takes @n writes, one slot each (the window permitting). */
static void write_slots(int l, int n)
{
	static u64 req = 1000;
	int i;

	T.ndone = 0;
	for (i = 0; i < n; i++, req++)
		assert_int_equal(synod_replica_write(&T.r[l], T.now, req,
						     req % 8, req, 4096,
						     &T.out[l]),
				 SYNOD_OK);
	pump();
}

/*
 * A loaded leader, a follower that comes back behind its trimmed log and
 * jumps to its checkpoint, and the first CATCHUP of the slots past the
 * jump lost.  The follower asked again a retransmission period later
 * (5 ms here, 800 ms in the nemesis runs), when the leader, writing 32
 * slots a millisecond, had trimmed past the jump: a second jump, and in
 * the module a second copy of the whole data area from the start (each
 * one lost CATCHUP another; under steady loss, maybe no end).  Now it
 * asks again after twice the round trip it measured with that peer, and
 * catches up from the one jump.  The follower names no hole in its
 * acknowledgements (a module from before gap retransmission), or the
 * leader would resend the slots past the jump itself and no CATCHUP
 * would carry them (test_gap.c).
 */
static void test_lost_catchup_no_second_jump(void **state)
{
	int l, f, i;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	f = (l + 1) % 3;
	T.install[f] = true;
	T.no_hole[f] = true;
	T.ckpt_slots = 64;	/* the jump lands up to 64 slots back */
	T.cut[f] = true;
	for (i = 0; i < 40; i++) {	/* 320 slots, trimmed past 1 */
		write_slots(l, 8);
		advance(MS / 4);
	}
	assert_true(T.r[l].log_base > 1);
	T.cut[f] = false;
	T.drop_catchup[f] = 1;
	for (i = 0; i < 120; i++) {	/* 30 ms more at that rate */
		write_slots(l, 8);
		advance(MS / 4);
	}
	assert_int_equal(T.drop_catchup[f], 0);	/* one was lost */
	for (i = 0; i < 20; i++)
		advance(MS);
	assert_int_equal(T.r[f].chosen_upto, T.r[l].chosen_upto);
	assert_int_equal(T.jumps[f], 1);
	assert_int_equal(T.r[f].stats.transfers, 1);
}

/* The writes of the byte-window tests: ww[i] is req 300 + i. */
static struct synod_wait_write ww[SYNOD_PENDING_MAX];

/*
 * The byte window (large requests, S4; protocol.rst "Phase 2 (steady
 * state)").  The leader @l is given @n writes of @len bytes
 * each (req 300 + i), or of lens[i] when @lens is set, while its
 * followers hold their acks back, so that nothing commits: the slots it
 * forms then are as many as the window lets it.  Returns the first slot
 * formed.
 */
static u64 fill_window(int l, u32 len, const u32 *lens, int n)
{
	u64 lo = T.r[l].next_slot;
	int i, st = -1;

	for (i = 0; i < n; i++)
		ww[i] = (struct synod_wait_write){ 300 + i, 8 * i, 0x3000 + i,
						   lens ? lens[i] : len };
	for (i = 0; i < T.n; i++)
		T.hold_durable[i] = i != l;
	T.ndone = 0;
	assert_int_equal(synod_replica_writes(&T.r[l], T.now, ww, n, &st,
					      &T.out[l]), n);
	pump();
	assert_int_equal(T.ndone, 0);
	return lo;
}

/* Bytes of the writes in the leader @l's slot @s, by their lengths. */
static u64 slot_bytes(int l, u64 s)
{
	const struct synod_slot *sl = &T.r[l].log[s & (SYNOD_LOG_MAX - 1)];
	u64 bytes = 0;
	u32 k;

	assert_int_equal(sl->e.slot, s);
	assert_true(sl->owned);
	for (k = 0; k < sl->e.nwrites; k++)
		bytes += ww[sl->req[k] - 300].len;
	return bytes;
}

/* Let the followers ack: every write of fill_window() commits. */
static void drain_window(int l, int n)
{
	int i, ms;

	for (i = 0; i < T.n; i++)
		T.hold_durable[i] = false;
	for (ms = 0; ms < 100 && T.ndone < n; ms++)
		advance(MS);
	assert_int_equal(T.ndone, n);
	for (i = 0; i < n; i++)
		assert_int_equal(T.done[i].status, SYNOD_OK);
	assert_int_equal(T.r[l].next_slot, T.r[l].chosen_upto + 1);
}

/*
 * Writes of 1 MiB: one a slot, and the slots in flight stop at
 * SYNOD_WINDOW_BYTES of them (8), where the count alone would form
 * SYNOD_WINDOW slots of SYNOD_BATCH_MAX (16 x 4 MiB); as slots are
 * chosen the window moves on and every write commits.
 */
static void test_window_bytes(void **state)
{
	u64 lo, s;
	int l;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	lo = fill_window(l, SYNOD_SLOT_BYTES, NULL, SYNOD_PENDING_MAX);
	assert_int_equal(T.r[l].next_slot - lo,
			 SYNOD_WINDOW_BYTES / SYNOD_SLOT_BYTES);
	for (s = lo; s < T.r[l].next_slot; s++)
		assert_int_equal(slot_bytes(l, s), SYNOD_SLOT_BYTES);
	drain_window(l, SYNOD_PENDING_MAX);
}

/*
 * A slot never holds more than SYNOD_SLOT_BYTES: writes of 300 KiB go
 * three a slot, not four; two of 512 KiB fill one exactly, and a write
 * of 512 bytes after them opens the next.
 */
static void test_slot_bytes(void **state)
{
	static const u32 lens[] = {
		300 << 10, 300 << 10, 300 << 10, 300 << 10, 300 << 10,
		300 << 10, 512 << 10, 512 << 10, 512, 512 << 10,
	};
	u64 lo, s, total = 0;
	int l, i, n = ARRAY_SIZE(lens);

	(void)state;
	setup_cluster(3, false);
	l = elect();
	lo = fill_window(l, 0, lens, n);
	for (s = lo; s < T.r[l].next_slot; s++) {
		assert_true(slot_bytes(l, s) <= SYNOD_SLOT_BYTES);
		total += slot_bytes(l, s);
	}
	for (i = 0; i < n; i++)
		total -= lens[i];
	assert_int_equal(total, 0);	/* all of them in flight */
	assert_int_equal(T.r[l].next_slot - lo, 4);	/* 3, 3, 2, 2 */
	assert_int_equal(slot_bytes(l, lo + 2), SYNOD_SLOT_BYTES);
	drain_window(l, n);
}

/*
 * A slot cut to what the window has left, not to SYNOD_SLOT_BYTES: with
 * 7 x 1 MiB and 768 KiB in flight (8 slots, 256 KiB short of
 * SYNOD_WINDOW_BYTES), three writes of 128 KiB arriving next would fit
 * one slot, but a 9th slot takes two and the third waits, the window
 * exactly full; when the slots are chosen it goes too and all commit.
 */
static void test_slot_cut_to_window(void **state)
{
	static const u32 lens[] = {
		1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20,
		768 << 10,
	};
	const struct synod_slot *sl;
	u64 lo, s;
	int l, i, st = -1, n = ARRAY_SIZE(lens);

	(void)state;
	assert_int_equal(SYNOD_SLOT_BYTES, 1 << 20);
	assert_int_equal(SYNOD_WINDOW_BYTES, 8 << 20);
	setup_cluster(3, false);
	l = elect();
	lo = fill_window(l, 0, lens, n);
	assert_int_equal(T.r[l].next_slot - lo, 8);	/* one write a slot */
	for (s = lo; s < lo + 8; s++)
		assert_int_equal(slot_bytes(l, s), lens[s - lo]);
	assert_int_equal(T.r[l].win_bytes, SYNOD_WINDOW_BYTES - (256 << 10));
	for (i = n; i < n + 3; i++)
		ww[i] = (struct synod_wait_write){ 300 + i, 8 * i, 0x3000 + i,
						   128 << 10 };
	assert_int_equal(synod_replica_writes(&T.r[l], T.now, &ww[n], 3, &st,
					      &T.out[l]), 3);
	pump();
	assert_int_equal(T.ndone, 0);
	assert_int_equal(T.r[l].next_slot - lo, 9);
	sl = &T.r[l].log[(lo + 8) & (SYNOD_LOG_MAX - 1)];
	assert_int_equal(sl->e.nwrites, 2);
	assert_int_equal(sl->req[0], 300 + n);
	assert_int_equal(sl->req[1], 300 + n + 1);
	assert_int_equal(slot_bytes(l, lo + 8), 256 << 10);
	assert_int_equal(T.r[l].npend, 1);	/* the third still waits */
	assert_int_equal(T.r[l].pend[T.r[l].pend_head].req, 300 + n + 2);
	assert_int_equal(T.r[l].win_bytes, SYNOD_WINDOW_BYTES);
	drain_window(l, n + 3);
}

/*
 * Today's writes, at most SYNOD_PAYLOAD_MAX (16 KiB), four a slot:
 * SYNOD_WINDOW slots of SYNOD_BATCH_MAX fill the window by count as
 * before, at 1 MiB, far under SYNOD_WINDOW_BYTES: the byte bounds change
 * nothing for them (replica.h).
 */
static void test_window_small_writes(void **state)
{
	u64 lo, s;
	int l;

	(void)state;
	assert_true(SYNOD_WINDOW * SYNOD_BATCH_MAX * SYNOD_PAYLOAD_MAX <=
		    SYNOD_WINDOW_BYTES);
	setup_cluster(3, false);
	l = elect();
	lo = fill_window(l, SYNOD_PAYLOAD_MAX, NULL, SYNOD_PENDING_MAX);
	assert_int_equal(T.r[l].next_slot - lo, SYNOD_WINDOW);
	for (s = lo; s < T.r[l].next_slot; s++)
		assert_int_equal(slot_bytes(l, s),
				 SYNOD_BATCH_MAX * SYNOD_PAYLOAD_MAX);
	drain_window(l, SYNOD_PENDING_MAX);
}

/*
 * A leader that steps down with a full byte window: its writes are of
 * unknown outcome or failed, and the next leader's window starts empty
 * and fills to SYNOD_WINDOW_BYTES again (the invariants recount it
 * after every step).
 */
static void test_window_bytes_new_leader(void **state)
{
	int l, o, i, unknown = 0;
	u64 lo;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	fill_window(l, SYNOD_SLOT_BYTES, NULL, SYNOD_PENDING_MAX);
	for (i = 0; i < T.n; i++)
		T.hold_durable[i] = false;
	synod_replica_resign(&T.r[l], T.now, 50 * MS, &T.out[l]);
	drain(l);
	assert_int_equal(T.ndone, SYNOD_PENDING_MAX);
	for (i = 0; i < (int)SYNOD_PENDING_MAX; i++)
		unknown += T.done[i].status == SYNOD_UNKNOWN;
	assert_int_equal(unknown, SYNOD_WINDOW_BYTES / SYNOD_SLOT_BYTES);
	o = elect_except(l);
	lo = fill_window(o, SYNOD_SLOT_BYTES, NULL, SYNOD_PENDING_MAX);
	assert_int_equal(T.r[o].next_slot - lo,
			 SYNOD_WINDOW_BYTES / SYNOD_SLOT_BYTES);
	drain_window(o, SYNOD_PENDING_MAX);
}

/*
 * The module's time_scale goes up to 20: timeouts 20 times the default,
 * an election timeout of 8 s, past 2^32 ns.  The core refused such
 * parameters, so a module loaded with time_scale=11 or more created no
 * volume ("invalid quorum configuration"); and the random election
 * timeout must stay in [election_ns, 2 election_ns) without wrapping.
 */
static void test_scaled_timeouts_up_to_20(void **state)
{
	static struct synod_replica r;
	struct synod_params p = params(0, 3, true);
	u64 t;
	int i;

	(void)state;
	p.heartbeat_ns = 20 * 50 * MS;
	p.election_ns = 20 * 400 * MS;
	p.retransmit_ns = 20 * 100 * MS;
	p.lease_ns = 20 * 1000 * MS;
	p.lease_margin_ns = 20 * 100 * MS;
	p.jump_ns = 20 * 2000 * MS;
	assert_true(p.election_ns >> 32 != 0);
	assert_int_equal(synod_replica_init(&r, &p, 1), 0);
	for (i = 0; i < 1000; i++) {
		t = synod_election_timeout(&r);
		assert_true(t >= p.election_ns && t < 2 * p.election_ns);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuses_bad_quorums),
		cmocka_unit_test(test_elect_and_commit),
		cmocka_unit_test(test_writes_batch),
		cmocka_unit_test(test_no_ack_before_durable),
		cmocka_unit_test(test_read_index),
		cmocka_unit_test(test_lease_read),
		cmocka_unit_test_flag(test_read_waits_for_landing, "index",
				      "lease"),
		cmocka_unit_test(test_step_down),
		cmocka_unit_test(test_add_voter),
		cmocka_unit_test(test_promote_demote),
		cmocka_unit_test(test_no_campaign_holds_elections),
		cmocka_unit_test_flag(test_rejoin_keeps_leader, "no_leases",
				      "leases"),
		cmocka_unit_test(test_jump_ends_candidacy),
		cmocka_unit_test(test_snapshot_names_checkpoint),
		cmocka_unit_test(test_lost_catchup_no_second_jump),
		cmocka_unit_test(test_window_bytes),
		cmocka_unit_test(test_slot_bytes),
		cmocka_unit_test(test_slot_cut_to_window),
		cmocka_unit_test(test_window_small_writes),
		cmocka_unit_test(test_window_bytes_new_leader),
		cmocka_unit_test(test_scaled_timeouts_up_to_20),
	};

	return cmocka_run_group_tests_name("core_replica", tests, NULL, NULL);
}
