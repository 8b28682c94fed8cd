// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of a follower's room past a slot it lacks (kmod/core/room.c):
 * it takes no more records past the hole than its journal holds, while
 * the leader and the other follower go on choosing, and once the hole
 * can be fetched it catches up whole.  Before the rule a follower that
 * lacked one slot took every later one, applied none of them, and in
 * the module filled its journal and fenced "journal full".  The cluster
 * is core_cluster.h's; T.room counts records.
 */
#include "core_test.h"
#include "core_msg.h"
#include "core_cluster.h"

/* Records the log of @i holds past its applied index. */
static u64 held_past_applied(int i)
{
	const struct synod_replica *r = &T.r[i];
	u64 s, n = 0;

	for (s = r->applied + 1; s <= r->last_slot; s++) {
		const struct synod_slot *sl = &r->log[s & (SYNOD_LOG_MAX - 1)];

		if (s >= r->log_base && sl->e.slot == s &&
		    sl->e.kind == SYNOD_ENTRY_WRITE)
			n++;
	}
	return n;
}

/* @n writes through leader @l, with no time passing (write_n()). */
static void write_now(int l, u64 req, int n)
{
	T.ndone = 0;		/* completions are not looked at here */
	write_n(l, req, n);
}

static void test_room_past_a_hole(void **state)
{
	int l, f, m, i;
	u64 hole, chosen;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	f = (l + 1) % 3;
	m = (l + 2) % 3;
	advance(MS);
	assert_int_equal(T.r[f].chosen_upto, T.r[l].chosen_upto);
	T.room[f] = 4;
	/* f loses every ACCEPT of one slot, and its fetches find no answer */
	T.lose_slot[f] = T.r[l].next_slot;
	T.drop_catchup[f] = 1000;
	for (i = 0; i < 12; i++)
		write_now(l, 0x100 + 8 * (u64)i, 8);
	hole = synod_log_first_hole(&T.r[f]);
	assert_true(hole != 0);
	assert_int_equal(hole, T.r[f].chosen_upto + 1);
	/* l chose on past it (with m); f holds only its room past the hole */
	assert_true(T.r[l].chosen_upto >= hole + 8);
	assert_true(T.r[m].chosen_upto > hole);
	assert_true(held_past_applied(f) <= T.room[f]);
	assert_true(T.room_dropped[f] > 0);
	/* the hole can be fetched again: f catches up whole */
	T.drop_catchup[f] = 0;
	T.lose_slot[f] = 0;
	for (i = 0; i < 300; i++)
		advance(MS);
	chosen = T.r[l].chosen_upto;
	assert_int_equal(T.r[f].chosen_upto, chosen);
	assert_int_equal(T.r[f].applied, chosen);
	assert_int_equal(synod_log_first_hole(&T.r[f]), 0);
	assert_int_equal(held_past_applied(f), 0);
}

/*
 * What the rule never refuses: entries at or below the first hole (the
 * hole's own fills it), entries the log holds already in the ballot of
 * the ACCEPT that brings them again, and anything while there is no
 * hole, however little room.
 */
static void test_room_takes_what_lets_it_go_on(void **state)
{
	struct synod_msg a;
	int l, f, i;
	u64 hole, first, s;

	(void)state;
	setup_cluster(3, false);
	l = elect();
	f = (l + 1) % 3;
	advance(MS);
	/* no hole: nothing refused even with room for one record */
	T.room[f] = 1;
	write_now(l, 0x200, 8);
	advance(MS);
	assert_int_equal(T.room_dropped[f], 0);
	assert_int_equal(synod_log_first_hole(&T.r[f]), 0);
	/* a hole, and an ACCEPT of it and two slots past: room for none */
	first = T.r[l].next_slot;	/* the next ACCEPT's */
	T.lose_slot[f] = first;
	T.drop_catchup[f] = 1000;
	T.room[f] = 0;		/* the harness filters only with room */
	write_now(l, 0x300, 8);
	write_now(l, 0x400, 8);
	assert_int_equal(synod_log_first_hole(&T.r[f]), first);
	a = core_msg(SYNOD_MSG_ACCEPT, l, f);
	a.ballot = T.r[f].promised;
	a.count = 3;
	for (i = 0; i < 3; i++) {
		a.e[i] = T.r[l].log[(first + i) & (SYNOD_LOG_MAX - 1)].e;
		assert_int_equal(a.e[i].slot, first + (u64)i);
	}
	/* the hole's own entry fills it; the two past it are held */
	assert_int_equal(synod_room_filter(&T.r[f], &a, 0, 0, room_need_one,
					   NULL, &hole), 0);
	assert_int_equal(hole, first);
	assert_int_equal(a.count, 3);
	assert_int_equal(a.e[0].slot, first);
	/*
	 * a run from the hole on is taken whole, with no room at all: each
	 * entry fills the next hole (a CATCHUP runs on from the prefix)
	 */
	a = core_msg(SYNOD_MSG_CATCHUP, l, f);
	a.count = 3;
	a.e[0] = T.r[l].log[first & (SYNOD_LOG_MAX - 1)].e;
	for (i = 1; i < 3; i++) {
		a.e[i] = a.e[0];
		a.e[i].slot = T.r[f].last_slot + (u64)i;
	}
	assert_int_equal(synod_room_filter(&T.r[f], &a, 0, 0, room_need_one,
					   NULL, &hole), 0);
	assert_int_equal(a.count, 3);
	/* one the log holds past the hole in this ballot needs no room */
	for (s = first + 1; s <= T.r[f].last_slot; s++)
		if (T.r[f].log[s & (SYNOD_LOG_MAX - 1)].e.slot == s)
			break;
	assert_true(s <= T.r[f].last_slot);
	a = core_msg(SYNOD_MSG_ACCEPT, l, f);
	a.ballot = T.r[f].promised;
	a.count = 1;
	a.e[0] = T.r[l].log[s & (SYNOD_LOG_MAX - 1)].e;
	assert_int_equal(synod_room_filter(&T.r[f], &a, 0, 0, room_need_one,
					   NULL, &hole), 0);
	assert_int_equal(a.count, 1);
	/* a CATCHUP carries no ballot: past the hole, only room counts */
	a = core_msg(SYNOD_MSG_CATCHUP, l, f);
	a.count = 1;
	a.e[0] = T.r[l].log[(first + 5) & (SYNOD_LOG_MAX - 1)].e;
	a.e[0].slot = T.r[f].last_slot + 1;
	assert_int_equal(synod_room_filter(&T.r[f], &a, 0, 0, room_need_one,
					   NULL, &hole), 1);
	assert_int_equal(a.count, 0);
	/*
	 * a snapshot's one CONFIG entry (past the hole, no room) is no
	 * record: dropping it made the snapshot insane, refused, and the
	 * replica never jumped (simulator, seed 3000008 --room-kb 4096)
	 */
	a = core_snapshot(l, f, first, T.r[l].chosen_upto,
			  T.r[l].chosen_upto, &T.r[l].cfg);
	assert_int_equal(a.count, 1);
	assert_int_equal(synod_room_filter(&T.r[f], &a, 0, 0, room_need_one,
					   NULL, &hole), 0);
	assert_int_equal(a.count, 1);
	/* a leader filters nothing */
	a = core_msg(SYNOD_MSG_ACCEPT, f, l);
	a.count = 1;
	a.e[0].slot = T.r[l].last_slot + 5;
	a.e[0].kind = SYNOD_ENTRY_WRITE;
	assert_int_equal(synod_room_filter(&T.r[l], &a, 0, 0, room_need_one,
					   NULL, &hole), 0);
	assert_int_equal(a.count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_room_past_a_hole),
		cmocka_unit_test(test_room_takes_what_lets_it_go_on),
	};

	return cmocka_run_group_tests_name("core_room", tests, NULL, NULL);
}
