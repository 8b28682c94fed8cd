// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the state-transfer messages (issue 9, the review of
 * fix-resync): a source's CATCHUP|SNAPSHOT names its checkpoint with the
 * configuration in effect there, and the asker jumps into both; values
 * that no sender could have produced are ignored; a source whose data
 * area is suspect names none; a source older than these rules (aux 0)
 * gets the old module's behaviour.  Messages are built and stepped by
 * hand: no cluster runs.
 */
#include "core_test.h"
#include "core_msg.h"

#include <string.h>

#include "replica.h"
#include "wire.h"

#define MS	1000000ull
#define NOW	(1000 * MS)
#define TOP	(~0ull)

static struct synod_replica R[3];
static struct synod_out O[3];

/* Three voters, epoch 1; the configuration a restart may replace. */
static const struct synod_config cfg1 = {
	.epoch = 1, .voters = 0x7, .q1 = 2, .q2 = 2,
};
/* Node 2 removed (a learner now), as the seed-1000172 CONFIG entry did. */
static const struct synod_config cfg2 = {
	.epoch = 2, .voters = 0x3, .learners = 0x4, .q1 = 2, .q2 = 1,
};

static void boot(int i, u64 slot, const struct synod_config *cfg)
{
	struct synod_params p = {
		.volume = 7, .self = (u32)i, .config = cfg1,
		.heartbeat_ns = 2 * MS, .election_ns = 10 * MS,
		.retransmit_ns = 5 * MS, .lease_ns = 8 * MS,
		.lease_margin_ns = MS / 2, .jump_ns = 50 * MS,
		.rho_ppm = 10000, .leases = false, .seed = 1 + (u64)i,
	};

	assert_int_equal(synod_replica_init(&R[i], &p, NOW), 0);
	if (slot)
		synod_replica_restore_applied(&R[i], slot, cfg);
	synod_out_reset(&O[i]);
}

static struct synod_msg fetch(int from, int to, u64 slot)
{
	struct synod_msg m = core_msg(SYNOD_MSG_FETCH, from, to);

	m.slot = slot;
	return m;
}

/* Step @m into node @to; its one answer, if any, goes to *@a. */
static bool answer(int to, const struct synod_msg *m, struct synod_msg *a)
{
	bool got;

	synod_replica_step(&R[to], NOW, m, &O[to]);
	got = O[to].nmsgs == 1;
	assert_true(O[to].nmsgs <= 1);
	if (got)
		*a = O[to].msgs[0];
	synod_out_reset(&O[to]);
	return got;
}

/* A CATCHUP|SNAPSHOT from node 1 to node 2; @cfg NULL: no entry. */
static struct synod_msg snapshot(u64 base, u64 commit, u64 aux,
				 const struct synod_config *cfg)
{
	return core_snapshot(1, 2, base, commit, aux, cfg);
}

/* The answer goes through the version-1 codec unchanged. */
static void wire_roundtrip(const struct synod_msg *m, struct synod_msg *d)
{
	static u8 buf[SYNOD_WIRE_MAX_LEN];
	u32 len = synod_wire_encode(m, buf, sizeof(buf));

	assert_true(len > 0);
	assert_int_equal(synod_wire_decode(buf, len, d), SYNOD_WIRE_OK);
}

static void assert_cfg(const struct synod_config *a,
		       const struct synod_config *b)
{
	assert_int_equal(a->epoch, b->epoch);
	assert_int_equal(a->voters, b->voters);
	assert_int_equal(a->learners, b->learners);
	assert_int_equal(a->q1, b->q1);
	assert_int_equal(a->q2, b->q2);
}

/*
 * Review item 1 (sim seed 1000172): node 4 jumped 417 -> 419 past the
 * CONFIG entry at 419 that removed it, kept epoch 1 with itself a voter
 * and campaigned for ever; the module wrote that old membership into its
 * superblock with the new slot.  Now the configuration at the checkpoint
 * travels with it and the asker installs it.
 */
static void test_jump_takes_checkpoint_config(void **state)
{
	struct synod_msg a, d;

	(void)state;
	boot(1, 100, &cfg2);
	boot(2, 0, NULL);
	d = fetch(2, 1, 1);
	assert_true(answer(1, &d, &a));
	assert_true(a.flags & SYNOD_MSGF_SNAPSHOT);
	assert_int_equal(a.slot, 101);
	assert_int_equal(a.aux, 100);
	wire_roundtrip(&a, &d);
	assert_int_equal(d.count, 1);
	assert_int_equal(d.e[0].kind, SYNOD_ENTRY_CONFIG);
	assert_int_equal(d.e[0].slot, 100);
	assert_int_equal(d.e[0].flags, 0);	/* not a chosen slot's value */
	assert_cfg(&d.e[0].cfg, &cfg2);

	synod_replica_step(&R[2], NOW, &d, &O[2]);
	assert_true(O[2].transfer);
	assert_false(O[2].transfer_old);
	assert_int_equal(O[2].transfer_slot, 100);
	assert_cfg(&O[2].transfer_cfg, &cfg2);
	synod_replica_install_snapshot(&R[2], NOW, O[2].transfer_slot,
				       &O[2].transfer_cfg, &O[2]);
	assert_cfg(&R[2].cfg, &cfg2);
	assert_cfg(&R[2].cfg_durable, &cfg2);
	assert_int_equal(R[2].epoch_seen, 2);
	assert_int_equal(R[2].applied_durable, 100);
	assert_true(R[2].data_suspect && R[2].no_campaign);
}

/*
 * The configuration sent is the one at the checkpoint (applied_durable),
 * not the newest applied: the asker jumps to the checkpoint, and a CONFIG
 * entry applied after it is replayed from the log.
 */
static void test_config_is_the_checkpoints(void **state)
{
	struct synod_entry e;
	struct synod_msg f, a;

	(void)state;
	boot(1, 100, &cfg1);
	memset(&e, 0, sizeof(e));
	e.slot = 101;
	e.ballot = synod_ballot_make(1, 0);
	e.kind = SYNOD_ENTRY_CONFIG;
	e.flags = SYNOD_ENTF_CHOSEN;
	e.cfg = cfg2;
	synod_replica_restore_entry(&R[1], &e);
	synod_replica_tick(&R[1], NOW, &O[1]);	/* applies 101 */
	assert_int_equal(O[1].napply, 1);
	synod_out_reset(&O[1]);
	assert_cfg(&R[1].cfg, &cfg2);
	assert_cfg(&R[1].cfg_durable, &cfg1);
	f = fetch(2, 1, 1);
	assert_true(answer(1, &f, &a));
	assert_int_equal(a.aux, 100);
	assert_cfg(&a.e[0].cfg, &cfg1);
	/* the glue's checkpoint of 101, with the membership written */
	synod_replica_applied(&R[1], 101, &cfg2);
	assert_true(answer(1, &f, &a));
	assert_int_equal(a.aux, 101);
	assert_cfg(&a.e[0].cfg, &cfg2);
}

/*
 * Review item 4: aux and commit are two fields of one message, so
 * "aux <= commit" alone let aux = commit = 2^64 - 1 through; the jump set
 * log_base to slot + 1 = 0 (an assertion fenced the replica) and the
 * commit hint to 2^64 - 1.  A CATCHUP|SNAPSHOT no sender could have built
 * changes nothing now.
 */
static void test_hostile_snapshot_ignored(void **state)
{
	struct synod_config bad = cfg2;
	const struct {
		u64 base, commit, aux;
		const struct synod_config *cfg;
	} t[] = {
		{ 2, TOP, TOP, NULL },		/* the review's message */
		{ 2, TOP, TOP, &cfg2 },
		{ 10, TOP - 5, 50, &cfg2 },	/* commit near 2^64 */
		{ 10, TOP - 5, 0, NULL },	/* ... from an older peer */
		{ 200, 300, 100, &cfg2 },	/* log starts past aux + 1 */
		{ 101, 150, 151, &cfg2 },	/* aux past commit */
		{ 101, 99, 0, NULL },		/* commit below the log */
		{ 101, 150, 100, &bad },	/* q1 + q2 <= voters */
	};
	struct synod_msg m;
	u64 refused;
	u32 i;

	(void)state;
	bad.q2 = 1;
	bad.q1 = 1;
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		boot(2, 0, NULL);
		refused = R[2].stats.refused;
		m = snapshot(t[i].base, t[i].commit, t[i].aux, t[i].cfg);
		synod_replica_step(&R[2], NOW, &m, &O[2]);
		assert_false(O[2].transfer);
		assert_int_equal(R[2].commit_hint, 0);
		assert_int_equal(R[2].stats.refused, refused + 1);
		synod_out_reset(&O[2]);
	}
}

/*
 * Review item 2: the rule "a suspect data area serves no transfer" has
 * its own input, data_suspect, which the glue sets right after the
 * restore (a restarted flagged replica may get a FETCH before its first
 * tick); no_campaign alone does not stop serving.
 */
static void test_suspect_source_names_none(void **state)
{
	struct synod_msg f, a;

	(void)state;
	boot(1, 100, &cfg1);
	R[1].data_suspect = true;	/* the glue: flagged on disk */
	f = fetch(2, 1, 1);
	assert_true(answer(1, &f, &a));
	assert_true(a.flags & SYNOD_MSGF_SNAPSHOT);
	assert_true(a.aux == SYNOD_CKPT_NONE);
	assert_int_equal(a.count, 0);
	R[1].data_suspect = false;
	R[1].no_campaign = true;	/* not leading does not matter */
	assert_true(answer(1, &f, &a));
	assert_int_equal(a.aux, 100);

	/* the asker: no jump; it asks the leader instead */
	boot(2, 0, NULL);
	R[2].leader = 0;
	a = snapshot(101, 150, SYNOD_CKPT_NONE, NULL);
	synod_replica_step(&R[2], NOW, &a, &O[2]);
	assert_false(O[2].transfer);
	assert_int_equal(R[2].commit_from, 0);
	assert_int_equal(R[2].commit_hint, 150);
}

/*
 * Review item 3: a source older than these rules leaves aux 0 and sends
 * no configuration.  The asker does as that module did (jump to its
 * commit index, keep our configuration) and counts it, so that a replica
 * upgraded first is not stuck behind old peers' trimmed logs.
 */
static void test_old_source_fallback(void **state)
{
	struct synod_msg m;

	(void)state;
	boot(2, 0, NULL);
	m = snapshot(101, 150, 0, NULL);
	synod_replica_step(&R[2], NOW, &m, &O[2]);
	assert_true(O[2].transfer);
	assert_int_equal(O[2].transfer_from, 1);
	assert_int_equal(O[2].transfer_slot, 150);
	assert_cfg(&O[2].transfer_cfg, &cfg1);
	assert_true(O[2].transfer_old);
	assert_int_equal(R[2].stats.old_snapshots, 1);
}

/*
 * Review 2, item 4: the glue warned when the running count
 * stats.old_snapshots was non-zero, not when this transfer came from an
 * older peer.  out->transfer_old says it per transfer: after one from an
 * older peer, one from a current peer is not one, although the count
 * stays; and an output reset forgets it.
 */
static void test_transfer_old_per_transfer(void **state)
{
	struct synod_msg m;

	(void)state;
	boot(2, 0, NULL);
	m = snapshot(101, 150, 0, NULL);
	synod_replica_step(&R[2], NOW, &m, &O[2]);
	assert_true(O[2].transfer && O[2].transfer_old);
	synod_out_reset(&O[2]);
	assert_false(O[2].transfer_old);
	/* not installed: still behind, a current peer answers */
	m = snapshot(201, 250, 200, &cfg2);
	m.epoch = 2;
	synod_replica_step(&R[2], NOW, &m, &O[2]);
	assert_true(O[2].transfer);
	assert_false(O[2].transfer_old);
	assert_int_equal(O[2].transfer_slot, 200);
	assert_int_equal(R[2].stats.old_snapshots, 1);
	synod_out_reset(&O[2]);
}

/*
 * Review 2, item 1: snapshot_answer() sends exactly one entry, unflagged,
 * with a checkpoint, and none without (SYNOD_CKPT_NONE, and the released
 * predecessor's aux 0); the configuration at the sender's checkpoint is
 * never newer than the one it runs (m->epoch, its cfg.epoch; item 3).
 * Anything else is no sender's answer and changes nothing.
 */
static void test_snapshot_extras_refused(void **state)
{
	struct synod_msg m[5];
	u64 refused;
	u32 i;

	(void)state;
	m[0] = snapshot(101, 150, 0, &cfg2);	/* aux 0 with an entry */
	m[0].e[0].slot = 100;
	m[1] = snapshot(101, 150, TOP, &cfg2);	/* none, with an entry */
	m[1].e[0].slot = 100;
	m[2] = snapshot(101, 150, 100, &cfg2);	/* flagged chosen */
	m[2].epoch = 2;
	m[2].e[0].flags = SYNOD_ENTF_CHOSEN;
	m[3] = snapshot(101, 150, 100, &cfg2);	/* newer than the sender's */
	m[3].epoch = 1;
	m[4] = snapshot(101, 150, 100, &cfg2);	/* the same, sane */
	m[4].epoch = 2;
	for (i = 0; i < ARRAY_SIZE(m); i++) {
		boot(2, 0, NULL);
		refused = R[2].stats.refused;
		synod_replica_step(&R[2], NOW, &m[i], &O[2]);
		if (i == 4) {
			assert_true(O[2].transfer);
			assert_int_equal(R[2].stats.refused, refused);
			continue;
		}
		assert_false(O[2].transfer);
		assert_int_equal(R[2].commit_hint, 0);
		assert_int_equal(R[2].stats.refused, refused + 1);
		synod_out_reset(&O[2]);
	}
}

/*
 * Review 2, item 3: a replica made by "volume create" starts at epoch 1
 * with every listed peer and itself voters, a membership the log never
 * chose.  The configuration at a checkpoint of the same epoch is the one
 * chosen there and beats it; keeping ours put the invented membership
 * into cfg_durable (and the superblock, with the slot), and a crash
 * before the next CONFIG entry applied restored it.
 */
static void test_equal_epoch_checkpoint_config(void **state)
{
	/* the volume as created on nodes 0 and 1 only */
	static const struct synod_config two = {
		.epoch = 1, .voters = 0x3, .q1 = 2, .q2 = 2,
	};
	struct synod_msg m;

	(void)state;
	boot(2, 0, NULL);			/* invented: voters 0x7 */
	m = snapshot(101, 150, 100, &two);
	synod_replica_step(&R[2], NOW, &m, &O[2]);
	assert_true(O[2].transfer);
	assert_cfg(&O[2].transfer_cfg, &two);
	synod_replica_install_snapshot(&R[2], NOW, O[2].transfer_slot,
				       &O[2].transfer_cfg, &O[2]);
	assert_cfg(&R[2].cfg, &two);
	assert_cfg(&R[2].cfg_durable, &two);
	synod_replica_check(&R[2]);
}

/*
 * nemesis seed 20261212 (disk, 6.1): after a jump, the first FETCH of the
 * slots past it waited a retransmission period from the FETCH that got
 * the jump; a loaded leader had trimmed past the jump again by then, so
 * the follower jumped every period and its state transfer restarted 611
 * times in 500 s.  Now the FETCH goes at the next tick.
 */
static void test_jump_fetches_at_once(void **state)
{
	struct synod_msg d;
	u32 i, nfetch = 0;

	(void)state;
	boot(2, 0, NULL);
	R[2].commit_hint = 150;
	R[2].commit_from = 1;
	synod_replica_tick(&R[2], NOW, &O[2]);
	for (i = 0; i < O[2].nmsgs; i++)
		nfetch += O[2].msgs[i].type == SYNOD_MSG_FETCH;
	assert_int_equal(nfetch, 1);
	synod_out_reset(&O[2]);

	d = snapshot(101, 200, 100, &cfg1);
	synod_replica_step(&R[2], NOW + MS, &d, &O[2]);
	assert_true(O[2].transfer);
	assert_int_equal(O[2].transfer_slot, 100);
	synod_replica_install_snapshot(&R[2], NOW + MS, O[2].transfer_slot,
				       &O[2].transfer_cfg, &O[2]);
	synod_out_reset(&O[2]);
	assert_int_equal(R[2].chosen_upto, 100);
	assert_true(R[2].commit_hint > R[2].chosen_upto);

	/* 2 ms later, well inside the 5 ms retransmission period */
	synod_replica_tick(&R[2], NOW + 2 * MS, &O[2]);
	nfetch = 0;
	for (i = 0; i < O[2].nmsgs; i++) {
		if (O[2].msgs[i].type != SYNOD_MSG_FETCH)
			continue;
		nfetch++;
		assert_int_equal(O[2].msgs[i].slot, 101);
		assert_int_equal(O[2].msgs[i].to, 1);
	}
	assert_int_equal(nfetch, 1);
	synod_out_reset(&O[2]);

	/* then paced again: none while that one is out, one after 5 ms */
	synod_replica_tick(&R[2], NOW + 3 * MS, &O[2]);
	for (i = 0; i < O[2].nmsgs; i++)
		assert_int_not_equal(O[2].msgs[i].type, SYNOD_MSG_FETCH);
	synod_out_reset(&O[2]);
	/* an install that jumps nowhere keeps the wait */
	synod_replica_install_snapshot(&R[2], NOW + 4 * MS, 100, &cfg1,
				       &O[2]);
	synod_out_reset(&O[2]);
	synod_replica_tick(&R[2], NOW + 5 * MS, &O[2]);
	for (i = 0; i < O[2].nmsgs; i++)
		assert_int_not_equal(O[2].msgs[i].type, SYNOD_MSG_FETCH);
	synod_out_reset(&O[2]);
	synod_replica_tick(&R[2], NOW + 7 * MS, &O[2]);
	nfetch = 0;
	for (i = 0; i < O[2].nmsgs; i++)
		nfetch += O[2].msgs[i].type == SYNOD_MSG_FETCH;
	assert_int_equal(nfetch, 1);
	synod_out_reset(&O[2]);
}

/* Tick node 2 at @t; how many FETCHes went out (all to node 1, for @slot). */
static u32 tick_fetches(u64 t, u64 slot)
{
	u32 i, n = 0;

	synod_replica_tick(&R[2], t, &O[2]);
	for (i = 0; i < O[2].nmsgs; i++) {
		if (O[2].msgs[i].type != SYNOD_MSG_FETCH)
			continue;
		assert_int_equal(O[2].msgs[i].to, 1);
		assert_int_equal(O[2].msgs[i].slot, slot);
		n++;
	}
	synod_out_reset(&O[2]);
	return n;
}

/*
 * The risk left open by test_jump_fetches_at_once (nemesis.rst): after a
 * jump, the FETCH of the slots past it is lost (a link blip, a full send
 * ring, a CATCHUP dropped for want of payload room).  It was asked again
 * only a retransmission period later (800 ms at time_scale 8), by when a
 * loaded leader has trimmed past the jump: another jump, and the copy
 * starts over.  Now an unanswered FETCH is asked again after twice the
 * round trip measured with that peer (the FETCH that got the jump:
 * 1 ms here), never sooner, and doubling up to the period while nothing
 * comes back: no FETCH per tick, no flood on a slow link.
 */
static void test_lost_fetch_asked_again_soon(void **state)
{
	struct synod_msg f, a;
	u64 t0, t, sent[3];
	u32 n = 0;

	(void)state;
	boot(1, 100, &cfg1);
	boot(2, 0, NULL);
	R[2].commit_hint = 150;
	R[2].commit_from = 1;
	synod_replica_tick(&R[2], NOW, &O[2]);
	assert_int_equal(O[2].nmsgs, 1);
	f = O[2].msgs[0];
	synod_out_reset(&O[2]);
	/*
	 * the source answers half a millisecond later, the asker hears it
	 * after 1 ms: the round trip it measures
	 */
	synod_replica_step(&R[1], NOW + MS / 2, &f, &O[1]);
	assert_int_equal(O[1].nmsgs, 1);
	a = O[1].msgs[0];
	synod_out_reset(&O[1]);
	assert_true(a.flags & SYNOD_MSGF_SNAPSHOT);
	synod_replica_step(&R[2], NOW + MS, &a, &O[2]);
	assert_true(O[2].transfer);
	synod_replica_install_snapshot(&R[2], NOW + MS, O[2].transfer_slot,
				       &O[2].transfer_cfg, &O[2]);
	synod_out_reset(&O[2]);

	/* the FETCH past the jump goes at the next tick, and is lost */
	t0 = NOW + 2 * MS;
	assert_int_equal(tick_fetches(t0, 101), 1);
	/* ticks every 0.25 ms: which of them ask again, for 12 ms */
	for (t = t0 + MS / 4; t <= t0 + 12 * MS; t += MS / 4) {
		u32 k = tick_fetches(t, 101);

		assert_true(k <= 1);
		if (k && n < ARRAY_SIZE(sent))
			sent[n] = t;
		n += k;
	}
	/* asked again well inside the 5 ms period ... */
	assert_true(n >= 1);
	assert_true(sent[0] - t0 <= 5 * MS / 2);
	/* ... but not before the round trip has passed twice */
	assert_true(sent[0] - t0 >= 2 * MS);
	/* then backing off: 4 ms, then the period, never more */
	assert_int_equal(n, 3);
	assert_true(sent[1] - sent[0] >= 4 * MS);
	assert_true(sent[2] - sent[1] >= 5 * MS);
	assert_true(sent[2] - sent[1] <= 5 * MS + MS / 4);
}

/*
 * A CATCHUP from node 1 (commit index 200) to node 2 with slots [@lo, @hi]
 * chosen (no-ops), echoing the FETCH sent at @echo.
 */
static struct synod_msg catchup(u64 lo, u64 hi, u64 echo)
{
	struct synod_msg m = core_msg(SYNOD_MSG_CATCHUP, 1, 2);
	u64 s;

	m.slot = lo;
	m.slot_hi = hi;
	m.commit = 200;
	m.time = echo;
	for (s = lo; s <= hi; s++) {
		struct synod_entry *e = &m.e[m.count++];

		e->slot = s;
		e->ballot = synod_ballot_make(1, 0);
		e->kind = SYNOD_ENTRY_NOOP;
		e->flags = SYNOD_ENTF_CHOSEN;
	}
	return m;
}

/*
 * Asking again makes two answers: the one to the FETCH asked first
 * (the peer was slow, not silent) and the one to the newest.  Each
 * CATCHUP used to clear the wait, so the older one sent one more FETCH
 * at once, whose answer was a copy of the other's (32 entries and their
 * payloads), and so on for the rest of the catch-up.  Now only the
 * answer to the newest FETCH, or one that brings the slot we lack, lets
 * the next go at the next tick; a stale copy leaves the wait running.
 */
static void test_stale_catchup_keeps_wait(void **state)
{
	struct synod_msg c;
	u64 t;

	(void)state;
	boot(2, 100, &cfg1);
	R[2].commit_hint = 150;
	R[2].commit_from = 1;
	assert_int_equal(tick_fetches(NOW, 101), 1);
	/* no round trip known yet: the period, then once more */
	assert_int_equal(tick_fetches(NOW + 4 * MS, 101), 0);
	assert_int_equal(tick_fetches(NOW + 5 * MS, 101), 1);
	/* the first one's answer: it brings 101, so on at the next tick */
	c = catchup(101, 132, NOW);
	synod_replica_step(&R[2], NOW + 5 * MS + MS / 2, &c, &O[2]);
	synod_out_reset(&O[2]);
	assert_int_equal(R[2].chosen_upto, 132);
	assert_int_equal(tick_fetches(NOW + 6 * MS, 133), 1);
	/* the second one's: a copy, old news; the FETCH of 133 waits on */
	c = catchup(101, 132, NOW + 5 * MS);
	synod_replica_step(&R[2], NOW + 6 * MS + MS / 4, &c, &O[2]);
	synod_out_reset(&O[2]);
	for (t = NOW + 6 * MS + MS / 2; t < NOW + 8 * MS; t += MS / 4)
		assert_int_equal(tick_fetches(t, 133), 0);
	/* the answer to the newest: on at the next tick */
	c = catchup(133, 150, NOW + 6 * MS);
	synod_replica_step(&R[2], NOW + 8 * MS, &c, &O[2]);
	synod_out_reset(&O[2]);
	assert_int_equal(R[2].chosen_upto, 150);
	assert_int_equal(tick_fetches(NOW + 8 * MS + MS / 4, 151), 1);
}

/*
 * A link that comes up again lost what was queued on the old one: the
 * FETCH out to that peer, or its CATCHUP.  Ask it again at the next
 * tick, as a leader resends its ACCEPTs (synod_replica_peer_up()); a
 * FETCH out to another peer keeps its wait.
 */
static void test_link_up_asks_again(void **state)
{
	(void)state;
	boot(2, 100, &cfg1);
	R[2].commit_hint = 150;
	R[2].commit_from = 1;
	assert_int_equal(tick_fetches(NOW, 101), 1);
	synod_replica_peer_up(&R[2], NOW + MS / 2, 0, &O[2]);
	synod_out_reset(&O[2]);
	assert_int_equal(tick_fetches(NOW + MS, 101), 0);
	synod_replica_peer_up(&R[2], NOW + MS, 1, &O[2]);
	synod_out_reset(&O[2]);
	assert_int_equal(tick_fetches(NOW + MS + MS / 4, 101), 1);
	assert_int_equal(tick_fetches(NOW + 2 * MS, 101), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jump_takes_checkpoint_config),
		cmocka_unit_test(test_config_is_the_checkpoints),
		cmocka_unit_test(test_hostile_snapshot_ignored),
		cmocka_unit_test(test_suspect_source_names_none),
		cmocka_unit_test(test_old_source_fallback),
		cmocka_unit_test(test_transfer_old_per_transfer),
		cmocka_unit_test(test_snapshot_extras_refused),
		cmocka_unit_test(test_equal_epoch_checkpoint_config),
		cmocka_unit_test(test_jump_fetches_at_once),
		cmocka_unit_test(test_lost_fetch_asked_again_soon),
		cmocka_unit_test(test_stale_catchup_keeps_wait),
		cmocka_unit_test(test_link_up_asks_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
