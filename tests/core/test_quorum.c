// SPDX-License-Identifier: GPL-2.0
/* Unit tests of quorum and lease arithmetic (kmod/core/quorum.c). */
#include "core_test.h"

#include "quorum.h"

static void test_flexible_rule(void **state)
{
	struct synod_config c = { .epoch = 1, .voters = 0x1f, .q1 = 3, .q2 = 3 };

	(void)state;
	assert_int_equal(synod_config_check(&c), 0);
	c.q1 = 4;
	c.q2 = 2;		/* 4 + 2 > 5: allowed (HMS'16) */
	assert_int_equal(synod_config_check(&c), 0);
	c.q1 = 3;		/* 3 + 2 = 5: two quorums may miss */
	assert_int_equal(synod_config_check(&c), -1);
	c.q1 = 6;		/* larger than n */
	assert_int_equal(synod_config_check(&c), -1);
	c = (struct synod_config){ .voters = 0x3, .learners = 0x1, .q1 = 2,
				   .q2 = 1 };
	assert_int_equal(synod_config_check(&c), -1);
}

static void test_change_rule(void **state)
{
	struct synod_config a = { .epoch = 1, .voters = 0x7, .q1 = 2, .q2 = 2 };
	struct synod_config b = { .epoch = 2, .voters = 0xf, .q1 = 3, .q2 = 3 };

	(void)state;
	assert_int_equal(synod_config_change_check(&a, &b), 0);
	b.epoch = 3;
	assert_int_equal(synod_config_change_check(&a, &b), -1);
	b.epoch = 2;
	b.voters = 0x1e;	/* two voters change at once */
	assert_int_equal(synod_config_change_check(&a, &b), -1);
	b.voters = 0xf;
	b.q2 = 2;		/* a.q1 + b.q2 = 4 = |a u b| */
	assert_int_equal(synod_config_change_check(&a, &b), -1);
}

static void test_quorum_count(void **state)
{
	struct synod_config c = { .epoch = 1, .voters = 0x7, .q1 = 2, .q2 = 2 };

	(void)state;
	assert_false(synod_quorum_reached(&c, 0x1, 2));
	assert_true(synod_quorum_reached(&c, 0x5, 2));
	assert_false(synod_quorum_reached(&c, 0x9, 2));	/* 3 not a voter */
	assert_int_equal(synod_popcount(0xf0f0), 8);
}

static void test_div64(void **state)
{
	(void)state;
	assert_int_equal(synod_div64(100, 7), 14);
	assert_int_equal(synod_div64(~0ull, 1), ~0ull);
	assert_int_equal(synod_div64(1ull << 40, 3), (1ull << 40) / 3);
}

static void test_lease_math(void **state)
{
	(void)state;
	/* D = 10 ms, rho = 1%: hold D * 0.99 / 1.01 - margin */
	assert_int_equal(synod_lease_hold_ns(10000000, 10000, 0), 9801980);
	assert_int_equal(synod_lease_hold_ns(10000000, 10000, 9801980), 0);
	assert_true(synod_lease_restart_wait_ns(10000000, 10000) > 10202020);
	assert_int_equal(synod_lease_hold_ns(10000000, 0, 0), 10000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flexible_rule),
		cmocka_unit_test(test_change_rule),
		cmocka_unit_test(test_quorum_count),
		cmocka_unit_test(test_div64),
		cmocka_unit_test(test_lease_math),
	};

	return cmocka_run_group_tests_name("core_quorum", tests, NULL, NULL);
}
