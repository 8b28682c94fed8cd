// SPDX-License-Identifier: GPL-2.0
/*
 * synod_replica_lease_until(): the instant up to which the module's fast
 * read path (kmod/fastread.c) may serve reads from the data area without
 * stepping the core.  It must be exactly where the lease stops holding
 * (synod_replica_lease_valid(), "Paxos Made Live" section 5.2 master
 * leases) with nothing heard meanwhile: later would let a deposed leader
 * read stale data, earlier only costs reads through the core.
 */
#include "core_test.h"
#include "core_cluster.h"

/*
 * @l's answer is exact: the lease holds at every instant before it and
 * not at it (the lease only shrinks with time, so the two ends suffice),
 * or it is 0 and the lease does not hold now.
 */
static void assert_until_exact(int l)
{
	const struct synod_replica *r = &T.r[l];
	u64 until = synod_replica_lease_until(r);

	if (!until) {
		assert_false(synod_replica_lease_valid(r, r->last_now));
		return;
	}
	assert_true(until > r->last_now);
	assert_true(synod_replica_lease_valid(r, r->last_now));
	assert_true(synod_replica_lease_valid(r, until - 1));
	if (until == r->last_now + r->p.jump_ns + 1)
		return;		/* the jump bound, not the grants: see below */
	assert_false(synod_replica_lease_valid(r, until));
}

/*
 * Four voters, q2 3: the leader and the two freshest grants of three.
 * With one follower silent the answer follows the older of the other
 * two; with two silent, it runs out and is 0 (Flexible Paxos section 3:
 * a phase-1 quorum can form only once q2 - 1 grants have expired).
 */
static void test_lease_until_exact(void **state)
{
	int l, f, g;

	(void)state;
	setup_cluster(4, true);
	advance(20 * MS);	/* past the restart wait */
	l = elect();
	beat();
	assert_until_exact(l);
	assert_true(synod_replica_lease_until(&T.r[l]) > T.now);
	f = (l + 1) % 4;
	g = (l + 2) % 4;
	T.cut[f] = true;
	advance(3 * MS);
	assert_until_exact(l);
	assert_true(synod_replica_lease_until(&T.r[l]) > T.now);
	T.cut[g] = true;
	advance(MS);
	assert_until_exact(l);
	advance(10 * MS);	/* past D(1-rho)/(1+rho) - delta */
	assert_int_equal(synod_replica_lease_until(&T.r[l]), 0);
	assert_until_exact(l);
}

/*
 * Capped one clock jump past the last input: the input that finds a gap
 * that long drops the lease (clock_disrupted()), so reads past the core
 * must stop by then too.  And 0 wherever the core would serve no read
 * under a lease: a follower, a leader whose clock was disrupted, a
 * volume without leases.
 */
static void test_lease_until_bounds(void **state)
{
	int l, i;

	(void)state;
	setup_cluster(3, true);
	advance(20 * MS);
	l = elect();
	beat();
	T.r[l].p.jump_ns = MS;
	assert_int_equal(synod_replica_lease_until(&T.r[l]),
			 T.r[l].last_now + MS + 1);
	assert_until_exact(l);
	for (i = 0; i < 3; i++)
		if (i != l)
			assert_int_equal(synod_replica_lease_until(&T.r[i]), 0);
	synod_replica_clock_disrupted(&T.r[l], T.now);
	assert_int_equal(synod_replica_lease_until(&T.r[l]), 0);

	setup_cluster(3, false);
	l = elect();
	beat();
	assert_int_equal(synod_replica_lease_until(&T.r[l]), 0);
}

/*
 * A new leader whose no-op is chosen serves reads past the core only
 * once everything up to the no-op has been handed over to apply: writes
 * chosen under the old leader may have completed there.
 */
static void test_lease_until_new_leader(void **state)
{
	static struct synod_replica was;
	int l, o;

	(void)state;
	setup_cluster(3, true);
	advance(20 * MS);
	l = elect();
	write8(l, 1);
	T.cut[l] = true;	/* deposed once its grants run out */
	o = elect_except(l);
	beat();
	assert_true(T.r[o].applied >= T.r[o].noop_slot);
	assert_true(synod_replica_lease_until(&T.r[o]) > T.now);
	assert_until_exact(o);
	/* the same leader a moment before its no-op was handed over */
	was = T.r[o];
	was.applied = was.noop_slot - 1;
	assert_true(synod_replica_lease_valid(&was, was.last_now));
	assert_int_equal(synod_replica_lease_until(&was), 0);
	/* the old leader reads past the core no more */
	assert_int_equal(synod_replica_lease_until(&T.r[l]), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lease_until_exact),
		cmocka_unit_test(test_lease_until_bounds),
		cmocka_unit_test(test_lease_until_new_leader),
	};

	return cmocka_run_group_tests_name("core_lease", tests, NULL, NULL);
}
