// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_admit": admission of client writes by bytes
 * (kmod/admit.h).  Writes are admitted up to SYNOD_ADMIT_BYTES; one of
 * any size goes when nothing is admitted, so a request larger than the
 * bound never waits forever; a refusal is answered by exactly one rerun
 * at the next release, and releases with nobody refused rerun nothing.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "admit.h"

#define MIB	(1u << 20)

/* Admit under the module's bound. */
static bool take(struct synod_admit *a, u32 bytes)
{
	return synod_admit_take(a, bytes, SYNOD_ADMIT_BYTES) > 0;
}

/* QD4 of 1 MiB always passes; eight fill the bound; the ninth waits. */
static void admit_fills_to_bound(struct kunit *test)
{
	struct synod_admit a;
	u32 i;

	synod_admit_init(&a);
	for (i = 0; i < SYNOD_ADMIT_BYTES / MIB; i++)
		KUNIT_EXPECT_TRUE(test, take(&a, MIB));
	KUNIT_EXPECT_EQ(test, synod_admit_bytes(&a), SYNOD_ADMIT_BYTES);
	KUNIT_EXPECT_FALSE(test, take(&a, MIB));
	KUNIT_EXPECT_FALSE(test, take(&a, 4096));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&a.refused), 2);
	/* the refused bytes were never counted */
	KUNIT_EXPECT_EQ(test, synod_admit_bytes(&a), SYNOD_ADMIT_BYTES);
	/* the first release reruns the queue, once */
	KUNIT_EXPECT_TRUE(test, synod_admit_put(&a, MIB));
	KUNIT_EXPECT_FALSE(test, synod_admit_put(&a, MIB));
	KUNIT_EXPECT_TRUE(test, take(&a, MIB));
	KUNIT_EXPECT_TRUE(test, take(&a, MIB));
	for (i = 0; i < SYNOD_ADMIT_BYTES / MIB; i++)
		KUNIT_EXPECT_FALSE(test, synod_admit_put(&a, MIB));
	KUNIT_EXPECT_EQ(test, synod_admit_bytes(&a), 0u);
}

/* Nothing admitted: a request over the bound goes, alone. */
static void admit_large_alone(struct kunit *test)
{
	struct synod_admit a;

	synod_admit_init(&a);
	KUNIT_EXPECT_TRUE(test, take(&a, SYNOD_ADMIT_BYTES + MIB));
	KUNIT_EXPECT_FALSE(test, take(&a, 512));
	KUNIT_EXPECT_TRUE(test, synod_admit_put(&a, SYNOD_ADMIT_BYTES + MIB));
	KUNIT_EXPECT_TRUE(test, take(&a, 512));
	KUNIT_EXPECT_FALSE(test, take(&a, SYNOD_ADMIT_BYTES));
	KUNIT_EXPECT_TRUE(test, synod_admit_put(&a, 512));
	KUNIT_EXPECT_TRUE(test, take(&a, SYNOD_ADMIT_BYTES));
	KUNIT_EXPECT_FALSE(test, synod_admit_put(&a, SYNOD_ADMIT_BYTES));
}

/* Small writes up to the byte: the bound is inclusive. */
static void admit_exact_fit(struct kunit *test)
{
	struct synod_admit a;

	synod_admit_init(&a);
	KUNIT_EXPECT_TRUE(test, take(&a, SYNOD_ADMIT_BYTES - 4096));
	KUNIT_EXPECT_TRUE(test, take(&a, 4096));
	KUNIT_EXPECT_FALSE(test, take(&a, 512));
	KUNIT_EXPECT_TRUE(test, synod_admit_put(&a, 4096));
	KUNIT_EXPECT_TRUE(test, take(&a, 4096));
	KUNIT_EXPECT_FALSE(test, synod_admit_put(&a, 4096));
	KUNIT_EXPECT_FALSE(test, synod_admit_put(&a, SYNOD_ADMIT_BYTES - 4096));
	KUNIT_EXPECT_EQ(test, synod_admit_bytes(&a), 0u);
}

/* A lower bound (a test knob of the module) holds the same way. */
static void admit_lower_limit(struct kunit *test)
{
	struct synod_admit a;

	synod_admit_init(&a);
	KUNIT_EXPECT_TRUE(test, synod_admit_take(&a, 16384, 32768));
	KUNIT_EXPECT_TRUE(test, synod_admit_take(&a, 16384, 32768));
	KUNIT_EXPECT_FALSE(test, synod_admit_take(&a, 512, 32768));
	KUNIT_EXPECT_TRUE(test, synod_admit_put(&a, 16384));
	KUNIT_EXPECT_TRUE(test, synod_admit_take(&a, 512, 32768));
	/* a limit above the bound is a bug of the caller: it fails */
	KUNIT_EXPECT_EQ(test, synod_admit_take(&a, 512, SYNOD_ADMIT_BYTES + 1),
			-EINVAL);
	/* as does a request that would never fit, not waits forever */
	KUNIT_EXPECT_EQ(test, synod_admit_take(&a, 2 * SYNOD_ADMIT_BYTES + 1,
					       SYNOD_ADMIT_BYTES), -EINVAL);
	KUNIT_EXPECT_EQ(test, synod_admit_bytes(&a), 16384u + 512u);
}

static struct kunit_case admit_cases[] = {
	KUNIT_CASE(admit_fills_to_bound),
	KUNIT_CASE(admit_large_alone),
	KUNIT_CASE(admit_exact_fit),
	KUNIT_CASE(admit_lower_limit),
	{}
};

static struct kunit_suite admit_suite = {
	.name = "synod_admit",
	.test_cases = admit_cases,
};

kunit_test_suites(&admit_suite);
MODULE_LICENSE("GPL");
