/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KUnit suites of payload chains share (paychain_kunit.c, the
 * store's chains; piece_kunit.c, a peer's pieces put together): a store
 * of node 0 on a pool of its own that the suite's .exit frees.
 * Included by each suite's .c file only.
 */
#ifndef SYNOD_PAYSTORE_FIXTURE_H
#define SYNOD_PAYSTORE_FIXTURE_H

#include <kunit/test.h>
#include <linux/slab.h>

#include "payload.h"

/*
 * A store of node 0 on a pool of twice its size (test->priv, freed by
 * paystore_fixture_exit()) and an empty core, both freed with the test.
 * The store may allocate when the pool has no spare, as while a volume
 * is created: a test sets ps->gfp to 0 for one that cannot grow.
 */
static inline struct synod_paystore *paystore_new(struct kunit *test,
						  struct synod_replica **core)
{
	struct synod_paypool *pool = kunit_kzalloc(test, sizeof(*pool),
						   GFP_KERNEL);
	struct synod_paystore *ps = kunit_kzalloc(test, sizeof(*ps),
						  GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_NOT_NULL(test, ps);
	KUNIT_ASSERT_EQ(test, synod_paypool_init(pool, 2 * SYNOD_PAY_COUNT, 0),
			0);
	test->priv = pool;
	*core = kunit_kzalloc(test, sizeof(**core), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, *core);
	KUNIT_ASSERT_EQ(test, synod_pay_init(ps, 0, pool), 0);
	ps->gfp = GFP_KERNEL;
	return ps;
}

/* The suite's .exit: the pool paystore_new() made, if it got that far. */
static inline void paystore_fixture_exit(struct kunit *test)
{
	if (test->priv)
		synod_paypool_exit(test->priv);
}

#endif /* SYNOD_PAYSTORE_FIXTURE_H */
