// SPDX-License-Identifier: GPL-2.0
/*
 * The in-memory three-replica run of kmod/core/selftest.c, as the KUnit
 * suite would run it in the kernel: election, writes, a read, the leader
 * cut off, a new election, writes, convergence.
 */
#include "core_test.h"

#include "selftest.h"

static void test_selftest_cluster(void **state)
{
	struct synod_selftest *t = calloc(1, sizeof(*t));
	int rc;

	(void)state;
	assert_non_null(t);
	rc = synod_selftest_run(t);
	if (rc)
		fprintf(stderr, "step %d applied %lu %lu %lu roles %u %u %u "
			"isolated %u\n", t->step,
			(unsigned long)t->applied[0],
			(unsigned long)t->applied[1],
			(unsigned long)t->applied[2], t->r[0].role, t->r[1].role,
			t->r[2].role, t->isolated);
	assert_int_equal(rc, 0);
	assert_int_equal(t->leaders, 2);
	assert_int_equal(t->writes_ok, 10);
	assert_true(t->reads_ok >= 1);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selftest_cluster),
	};

	return cmocka_run_group_tests_name("core_selftest", tests, NULL, NULL);
}
