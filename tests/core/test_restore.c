// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of a replica's restart: what synod_replica_restore_*() make
 * of a journal and a checkpoint, and the contract that keeps every
 * acknowledged entry restorable (the glue reports as applied only what a
 * checkpoint made durable: synod_replica_applied() in replica.h).
 *
 * An acceptor must never forget a value it acknowledged (Paxos Made
 * Simple, 2.2: a vote, once counted, must be reported in every later
 * phase 1).  If it finds it cannot hold a journal record, it must know it
 * and promise nothing until it has learned that slot again (protocol-aware
 * recovery, Alagappan et al., FAST'18).
 */
#include "core_test.h"

#include <string.h>

#include "replica.h"

#define MS	1000000ull
#define CKPT	64ull		/* the checkpoint the superblock holds */

#define CKPT_SLOTS 64ull	/* the glue checkpoints this often */

static struct synod_replica R;
static struct synod_out O;
static u64 now = 1000 * MS;
static u64 ckpt;		/* the glue's last checkpoint */
static u64 acked_hi;		/* highest slot an ACCEPTED covered */

static struct synod_params params(void)
{
	struct synod_params p = {
		.volume = 7, .self = 0,
		.config = { .epoch = 1, .voters = 7, .q1 = 2, .q2 = 2 },
		.heartbeat_ns = 2 * MS, .election_ns = 10 * MS,
		.retransmit_ns = 5 * MS, .lease_ns = 8 * MS,
		.lease_margin_ns = MS / 2, .jump_ns = 500 * MS,
		.rho_ppm = 10000, .leases = false, .seed = 1,
	};
	return p;
}

static struct synod_entry write_entry(u64 slot, u64 ballot)
{
	struct synod_entry e;

	memset(&e, 0, sizeof(e));
	e.slot = slot;
	e.ballot = ballot;
	e.kind = SYNOD_ENTRY_WRITE;
	e.nwrites = 1;
	e.w[0].block = slot % 8;
	e.w[0].ref = 1000 + slot;
	return e;
}

/* Restart at checkpoint CKPT with the records of slots [lo, hi]. */
static void restart(u64 lo, u64 hi, u64 ballot)
{
	struct synod_params p = params();
	struct synod_entry e;
	u64 s;

	assert_int_equal(synod_replica_init(&R, &p, now), 0);
	synod_out_reset(&O);
	ckpt = CKPT;
	acked_hi = 0;
	synod_replica_restore_applied(&R, CKPT, NULL);
	synod_replica_restore_promise(&R, ballot);
	for (s = lo; s <= hi; s++) {
		e = write_entry(s, ballot);
		synod_replica_restore_entry(&R, &e);
	}
	synod_replica_check(&R);
}

static bool holds(u64 slot, u64 ballot)
{
	const struct synod_slot *sl = &R.log[slot & (SYNOD_LOG_MAX - 1)];

	return slot >= R.log_base && slot - R.log_base < SYNOD_LOG_MAX &&
	       sl->e.slot == slot && !sl->faulty && sl->e.ballot == ballot;
}

/*
 * The glue, as kmod/replica.c does it: the data area is durable only at a
 * checkpoint, every CKPT_SLOTS applied slots, and only that is reported.
 */
static void glue_applied(void)
{
	if (R.applied >= ckpt + CKPT_SLOTS)
		ckpt = R.applied;
	synod_replica_applied(&R, ckpt, &R.cfg);
}

/*
 * Carry out the outputs: persists durable at once, applies done.  Returns
 * how many messages of @type were sent; notes what ACCEPTEDs covered.
 */
static u32 settle(u8 type)
{
	u32 i, n = 0;
	u64 seq;

	for (;;) {
		for (i = 0; i < O.nmsgs; i++) {
			const struct synod_msg *m = &O.msgs[i];

			if (m->flags & SYNOD_MSGF_NACK)
				continue;
			n += m->type == type;
			if (m->type == SYNOD_MSG_ACCEPTED && m->slot_hi > acked_hi)
				acked_hi = m->slot_hi;
		}
		seq = O.npersist ? O.persist[O.npersist - 1].seq : 0;
		synod_out_reset(&O);
		glue_applied();
		if (!seq)
			return n;
		synod_replica_durable(&R, now, seq, &O);
	}
}

/* A message of @type from node @from to node 0 in @ballot, no entries. */
static void msg_init(struct synod_msg *m, u8 type, u16 from, u64 ballot)
{
	memset(m, 0, offsetof(struct synod_msg, e));
	m->type = type;
	m->from = from;
	m->to = 0;
	m->volume = 7;
	m->epoch = 1;
	m->ballot = ballot;
}

/* Node 0 receives @m a millisecond later. */
static void deliver(const struct synod_msg *m)
{
	now += MS;
	synod_replica_step(&R, now, m, &O);
}

/* A PREPARE from node 1 in a ballot above every one seen: promised? */
static bool promises(u64 round)
{
	struct synod_msg m;

	msg_init(&m, SYNOD_MSG_PREPARE, 1, synod_ballot_make(round, 1));
	m.slot = CKPT + 1;
	deliver(&m);
	return settle(SYNOD_MSG_PROMISE) > 0;
}

/* Node 2 (the leader) sends every chosen slot from @from on, 32 at a time. */
static void catch_up(u64 from, u64 to, u64 ballot)
{
	struct synod_msg m;
	u64 s;

	while (from <= to) {
		msg_init(&m, SYNOD_MSG_CATCHUP, 2, ballot);
		m.slot = from;
		m.commit = to;
		for (s = from; s <= to && m.count < SYNOD_MSG_ENTRIES_MAX; s++) {
			m.e[m.count] = write_entry(s, ballot);
			m.e[m.count++].flags = SYNOD_ENTF_CHOSEN;
		}
		m.slot_hi = s - 1;
		deliver(&m);
		settle(0);
		from = R.chosen_upto + 1;
	}
}

/*
 * A journal that reaches past checkpoint + SYNOD_LOG_MAX, as the glue
 * left it when it reported applies as durable before a checkpoint had
 * flushed them (issue 8, item 1): the record of the last slots does not
 * fit the ring.  It must not vanish: the replica must refuse phase 1 until
 * it has learned those slots again.
 */
static void test_record_beyond_window_not_forgotten(void **state)
{
	u64 b = synod_ballot_make(3, 2), last = CKPT + SYNOD_LOG_MAX + 8;

	(void)state;
	restart(CKPT + 1, last, b);
	assert_true(holds(CKPT + 1, b));
	assert_true(holds(CKPT + SYNOD_LOG_MAX, b));
	assert_false(holds(last, b));
	/* today the record of slot `last` is gone and a promise leaves it out */
	assert_false(promises(5));
	assert_true(R.nfaulty > 0);
	/* once the slots are learned as chosen, phase 1 is safe again */
	catch_up(CKPT + 1, last, b);
	assert_true(R.chosen_upto >= last);
	assert_int_equal(R.nfaulty, 0);
	assert_true(promises(6));
}

/* A corrupt record beyond the ring is no more forgotten than an intact one. */
static void test_corrupt_beyond_window_not_forgotten(void **state)
{
	u64 b = synod_ballot_make(3, 2);

	(void)state;
	restart(CKPT + 1, CKPT + SYNOD_LOG_MAX, b);
	synod_replica_restore_corrupt(&R, CKPT + SYNOD_LOG_MAX + 3);
	synod_replica_check(&R);
	assert_false(promises(5));
}

/*
 * A record in the middle of the journal so damaged that not even its slot
 * can be read: it may have held any slot the window allowed, so the
 * replica must promise nothing until it has learned all of them.
 */
static void test_unknown_slot_not_forgotten(void **state)
{
	u64 b = synod_ballot_make(3, 2), last = CKPT + SYNOD_LOG_MAX;

	(void)state;
	restart(CKPT + 1, CKPT + 10, b);
	synod_replica_restore_unknown(&R);
	synod_replica_check(&R);
	assert_false(promises(5));
	catch_up(CKPT + 1, last - 1, b);
	assert_false(promises(6));	/* the last slot it may have held */
	catch_up(last, last, b);
	assert_int_equal(R.nfaulty, 0);
	assert_true(promises(7));
}

/*
 * The contract that makes the case above impossible: with the glue
 * reporting only checkpoints as applied, an acceptor that has applied far
 * past its checkpoint still acknowledges nothing it could not restore at
 * checkpoint + SYNOD_LOG_MAX, and every record it persisted comes back.
 */
static void test_acks_restorable_from_checkpoint(void **state)
{
	u64 b = synod_ballot_make(3, 2), far = CKPT + SYNOD_LOG_MAX + 4;
	struct synod_msg m;
	u64 s, hi;

	(void)state;
	restart(CKPT + 1, CKPT, b);
	/* applied well past the checkpoint, not far enough for another */
	catch_up(CKPT + 1, CKPT + CKPT_SLOTS / 2, b);
	assert_int_equal(R.applied, CKPT + CKPT_SLOTS / 2);
	assert_int_equal(ckpt, CKPT);
	for (s = R.chosen_upto + 1; s <= far; s++) {
		msg_init(&m, SYNOD_MSG_ACCEPT, 2, b);
		m.count = 1;
		m.e[0] = write_entry(s, b);
		deliver(&m);
		settle(0);
	}
	hi = acked_hi;
	assert_true(hi > CKPT + CKPT_SLOTS);
	assert_true(hi <= CKPT + SYNOD_LOG_MAX);
	/* restart from the checkpoint with every record written: all held */
	restart(CKPT + 1, hi, b);
	for (s = CKPT + 1; s <= hi; s++)
		assert_true(holds(s, b));
	assert_int_equal(R.nfaulty, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_beyond_window_not_forgotten),
		cmocka_unit_test(test_corrupt_beyond_window_not_forgotten),
		cmocka_unit_test(test_unknown_slot_not_forgotten),
		cmocka_unit_test(test_acks_restorable_from_checkpoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
