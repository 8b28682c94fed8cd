// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_core": the pure consensus core (kmod/core) built by
 * the kernel's compiler with the kernel's environment header, running a
 * three-replica cluster in memory (kmod/core/selftest.c): an election,
 * committed writes, a read, the leader cut off, a second election, more
 * writes, and convergence once the old leader is back.  The same run is a
 * cmocka test in userspace; here it proves the core is unchanged in the
 * kernel build, where assertions WARN instead of aborting.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kunit_env.h"
#include "selftest.h"
#include "wire.h"

/*
 * The cluster state is large (three replicas with their output batches),
 * far beyond a stack frame; allocate it for the test's lifetime.
 */
static struct synod_selftest *cluster_alloc(struct kunit *test)
{
	struct synod_selftest *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	return t;
}

/* The whole run passes, with two leaders and all ten writes committed. */
static void cluster_fails_over(struct kunit *test)
{
	struct synod_selftest *t = cluster_alloc(test);
	int rc;

	synod_core_assert_failed = false;
	rc = synod_selftest_run(t);
	KUNIT_EXPECT_EQ_MSG(test, rc, 0, "failed at step %d", t->step);
	KUNIT_EXPECT_EQ(test, t->leaders, 2u);
	KUNIT_EXPECT_EQ(test, t->writes_ok, 10u);
	KUNIT_EXPECT_EQ(test, t->reads_ok, 1u);
	KUNIT_EXPECT_EQ(test, t->applied[0], t->applied[2]);
	KUNIT_EXPECT_FALSE(test, synod_core_assert_failed);
}

/* A second run on the same memory starts from scratch and passes too. */
static void cluster_rerun_is_clean(struct kunit *test)
{
	struct synod_selftest *t = cluster_alloc(test);

	memset(t, 0xa5, sizeof(*t));
	KUNIT_EXPECT_EQ(test, synod_selftest_run(t), 0);
	KUNIT_EXPECT_EQ(test, synod_selftest_run(t), 0);
	KUNIT_EXPECT_FALSE(test, synod_core_assert_failed);
}

/* Garbage on the wire is refused with a reason, never read past its end. */
static void wire_rejects_garbage(struct kunit *test)
{
	struct synod_msg *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	u8 buf[64];

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	memset(buf, 0xff, sizeof(buf));
	KUNIT_EXPECT_NE(test, synod_wire_decode(buf, sizeof(buf), m), 0);
	KUNIT_EXPECT_NE(test, synod_wire_decode(buf, 0, m), 0);
}

static struct kunit_case synod_core_cases[] = {
	KUNIT_CASE(cluster_fails_over),
	KUNIT_CASE(cluster_rerun_is_clean),
	KUNIT_CASE(wire_rejects_garbage),
	{}
};

static struct kunit_suite synod_core_suite = {
	.name = "synod_core",
	.test_cases = synod_core_cases,
};
kunit_test_suite(synod_core_suite);

MODULE_LICENSE("GPL");
