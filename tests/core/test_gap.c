// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of gap retransmission (kmod/core/proposer.c, resend_gap();
 * acceptor.c names the hole): a follower that lost one slot's ACCEPT and
 * acks the later ones is resent that slot at once, with no time passing
 * and no FETCH answered, while one whose acknowledgement alone was lost
 * is resent nothing.  Before, a leader resent only to a silent peer, and
 * one that acked later slots never was: the hole waited for its FETCH,
 * by when under 1 MiB writes the slot was often shed, and the follower
 * came back by a state transfer (issue 10).  The cluster is
 * core_cluster.h's: links in order, as TCP's.
 */
#include "core_test.h"
#include "core_msg.h"
#include "core_cluster.h"

static void test_hole_resent_at_once(void **state)
{
	int l, f, i;
	u64 hole, before;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	f = (l + 1) % 3;
	advance(MS);
	assert_int_equal(T.r[f].chosen_upto, T.r[l].chosen_upto);
	/* f loses the one ACCEPT of the next slot; its fetches go unanswered */
	hole = T.r[l].next_slot;
	T.lose_slot[f] = hole;
	T.drop_catchup[f] = 1000;
	write_n(l, 0x100, 1);
	assert_int_equal(synod_log_first_hole(&T.r[f]), 0);
	T.lose_slot[f] = 0;
	before = T.r[l].stats.gap_resends;
	/* later slots, no time passing: its first ack past the hole names it */
	for (i = 0; i < 4; i++)
		write_n(l, 0x200 + 8 * (u64)i, 1);
	assert_true(T.r[l].stats.gap_resends > before);
	assert_int_equal(T.r[l].stats.resends, 0);	/* not the tick's */
	assert_int_equal(synod_log_first_hole(&T.r[f]), 0);
	assert_true(T.r[f].last_slot >= hole + 4);
	assert_true(T.r[l].log[hole & (SYNOD_LOG_MAX - 1)].acks & (1u << f));
	/* each hole once: one slot resent, for the one ACCEPT lost */
	assert_int_equal(T.r[l].stats.gap_resends - before, 1);
	/* and it learns the leader's prefix whole at the next heartbeats */
	for (i = 0; i < 5; i++)
		advance(MS);
	assert_int_equal(T.r[f].chosen_upto, T.r[l].chosen_upto);
}

/*
 * A hole, and the acknowledgements of the next slots lost too: only the
 * hole goes again, not the slots f holds whose acks were lost.
 */
static void test_hole_with_lost_acks(void **state)
{
	int l, f, i;
	u64 hole;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	f = (l + 1) % 3;
	advance(MS);
	T.drop_catchup[f] = 1000;
	hole = T.r[l].next_slot;
	T.lose_slot[f] = hole;
	write_n(l, 0x100, 1);
	T.lose_slot[f] = 0;
	T.drop_accepted[f] = 2;	/* its acks of hole + 1 and hole + 2 */
	for (i = 0; i < 3; i++)
		write_n(l, 0x200 + 8 * (u64)i, 1);
	assert_int_equal(T.drop_accepted[f], 0);
	assert_int_equal(synod_log_first_hole(&T.r[f]), 0);
	assert_int_equal(T.r[l].stats.gap_resends, 1);
}

static void test_lost_ack_resends_nothing(void **state)
{
	int l, f, i;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	f = (l + 1) % 3;
	advance(MS);
	/* f's acknowledgement of one slot is lost, not the slot */
	T.drop_accepted[f] = 1;
	write_n(l, 0x100, 1);
	assert_int_equal(T.drop_accepted[f], 0);
	for (i = 0; i < 4; i++)
		write_n(l, 0x200 + 8 * (u64)i, 1);
	/* f holds every slot: it names no hole, nothing is resent */
	assert_int_equal(synod_log_first_hole(&T.r[f]), 0);
	assert_int_equal(T.r[l].stats.gap_resends, 0);
	assert_int_equal(T.r[l].stats.resends, 0);
}

/*
 * What names a hole: an ACCEPTED of the leader's ballot from a member,
 * with aux below the slot it acks.  The same hole named again before
 * its copy can have arrived is not resent twice.
 */
static void test_hole_named_once(void **state)
{
	struct synod_msg a;
	int l, f;
	u64 s1;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	f = (l + 1) % 3;
	advance(MS);
	T.cut[f] = true;	/* f hears nothing and acks nothing */
	s1 = T.r[l].next_slot;
	write_n(l, 0x100, 3);
	assert_true(T.r[l].next_slot >= s1 + 3);
	a = core_msg(SYNOD_MSG_ACCEPTED, f, l);
	a.ballot = T.r[l].ballot;
	a.slot = a.slot_hi = s1 + 2;
	/* a hole at or past what it acks names nothing */
	a.aux = s1 + 2;
	synod_replica_step(&T.r[l], T.now, &a, &T.out[l]);
	assert_int_equal(T.r[l].stats.gap_resends, 0);
	/* nor one from a node that is no member (node 3 of 3) */
	a.from = 3;
	a.aux = s1;
	synod_replica_step(&T.r[l], T.now, &a, &T.out[l]);
	assert_int_equal(T.r[l].stats.gap_resends, 0);
	/* nor in another ballot, nor a refusal (its aux is a ballot) */
	a.from = (u16)f;
	a.ballot = T.r[l].ballot + 1;
	synod_replica_step(&T.r[l], T.now, &a, &T.out[l]);
	a.ballot = T.r[l].ballot;
	a.flags = SYNOD_MSGF_NACK;
	synod_replica_step(&T.r[l], T.now, &a, &T.out[l]);
	assert_int_equal(T.r[l].stats.gap_resends, 0);
	a.flags = 0;
	/* f names s1: s1 alone goes again, not s1 + 1 it has not acked */
	synod_replica_step(&T.r[l], T.now, &a, &T.out[l]);
	assert_int_equal(T.r[l].stats.gap_resends, 1);
	/* named again at once: its copy is on the way, nothing more */
	synod_replica_step(&T.r[l], T.now, &a, &T.out[l]);
	assert_int_equal(T.r[l].stats.gap_resends, 1);
	/* after the peer's wait, the hole goes again, then waits twice as long */
	T.now += 100 * MS;
	synod_replica_step(&T.r[l], T.now, &a, &T.out[l]);
	assert_int_equal(T.r[l].stats.gap_resends, 2);
	T.now += T.r[l].gap_rto_ns[f] / 2 + 1;
	synod_replica_step(&T.r[l], T.now, &a, &T.out[l]);
	assert_int_equal(T.r[l].stats.gap_resends, 2);
	T.cut[f] = false;
	drain(l);
	pump();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hole_resent_at_once),
		cmocka_unit_test(test_hole_with_lost_acks),
		cmocka_unit_test(test_lost_ack_resends_nothing),
		cmocka_unit_test(test_hole_named_once),
	};

	return cmocka_run_group_tests_name("core_gap", tests, NULL, NULL);
}
