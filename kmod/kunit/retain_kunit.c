// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_retain": how far the glue sheds the log past the
 * byte bound (large requests S4b, synod_pay_shed_upto() in
 * kmod/payload_retain.c), on a store of its own (paystore_fixture.h)
 * and a core whose log names the store's payloads.  One-buffer writes
 * never count, however many the log names: a volume of small writes
 * keeps its whole log for a lagging voter, as before large requests.
 * Chains past SYNOD_RETAIN_BYTES shed to the slot that keeps the bound,
 * never past applied_durable, a recent fetcher spared up to
 * SYNOD_RETAIN_SPARE_BYTES more.  Nothing sheds while the store holds
 * SYNOD_RETAIN_SHED_USED buffers or fewer.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "payload.h"
#include "paystore_fixture.h"

#define BUF	SYNOD_PAY_BUF_BYTES
#define MIB	(1u << 20)

/*
 * A payload of @bytes under a fresh ref, pinned (no sweep frees it
 * while the test fills the store), named by slot @s of @core's log as
 * its write @k.
 */
static void log_write(struct kunit *test, struct synod_paystore *ps,
		      struct synod_replica *core, u64 s, u32 k, u32 bytes)
{
	struct synod_entry *e = &core->log[s & (SYNOD_LOG_MAX - 1)].e;
	struct synod_pay *p = synod_pay_store(ps, synod_pay_new_ref(ps),
					      bytes, core);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_LT(test, k, SYNOD_BATCH_MAX);
	p->len = bytes;
	synod_pay_pin(p);
	e->slot = s;
	e->kind = SYNOD_ENTRY_WRITE;
	e->nwrites = k + 1;
	e->w[k].block = s;
	e->w[k].ref = p->ref;
}

/* @n one-buffer payloads no slot names (another volume's, say), pinned. */
static void fill(struct kunit *test, struct synod_paystore *ps,
		 struct synod_replica *core, u32 n)
{
	struct synod_pay *p;

	while (n--) {
		p = synod_pay_store(ps, synod_pay_new_ref(ps), BUF, core);
		KUNIT_ASSERT_NOT_NULL(test, p);
		synod_pay_pin(p);
	}
}

/* The log [1, @applied], all applied, durable up to @durable. */
static void log_at(struct synod_replica *core, u64 applied, u64 durable)
{
	core->log_base = 1;
	core->applied = applied;
	core->applied_durable = durable;
}

static void unpin_all(struct synod_paystore *ps)
{
	u32 i;

	for (i = 0; i < SYNOD_PAY_COUNT; i++)
		while (ps->pay[i].pins)
			synod_pay_unpin(&ps->pay[i]);
}

/*
 * The whole log of one-buffer writes (SYNOD_LOG_MAX slots of
 * SYNOD_BATCH_MAX each: 8 MiB, twice the bound) and the store past
 * SYNOD_RETAIN_SHED_USED: nothing sheds.  Counting every buffer, the
 * bound would shed all but the newest 4 MiB.
 */
static void retain_small_writes_never_shed(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	u64 s;
	u32 k;

	for (s = 1; s <= SYNOD_LOG_MAX; s++)
		for (k = 0; k < SYNOD_BATCH_MAX; k++)
			log_write(test, ps, core, s, k, BUF);
	/* and small writes of at most a buffer: 512 bytes */
	fill(test, ps, core, 200);
	log_at(core, SYNOD_LOG_MAX, SYNOD_LOG_MAX);
	KUNIT_ASSERT_GT(test, synod_pay_used(ps), SYNOD_RETAIN_SHED_USED);
	KUNIT_ASSERT_GE(test, (u64)SYNOD_LOG_MAX * SYNOD_BATCH_MAX * BUF,
			(u64)2 * SYNOD_RETAIN_BYTES);
	KUNIT_EXPECT_EQ(test, synod_pay_shed_upto(ps, core, ~0ULL), 0ULL);
	KUNIT_EXPECT_EQ(test, synod_pay_shed_upto(ps, core, 0), 0ULL);
	/* one chain among them counts, alone: 1 MiB is within the bound */
	log_write(test, ps, core, SYNOD_LOG_MAX + 1, 0, MIB);
	log_at(core, SYNOD_LOG_MAX + 1, SYNOD_LOG_MAX + 1);
	core->log_base = 2;
	KUNIT_EXPECT_EQ(test, synod_pay_shed_upto(ps, core, ~0ULL), 0ULL);
	unpin_all(ps);
	synod_pay_exit(ps);
}

/*
 * Twelve slots of 1 MiB chains, each slot with a one-buffer write too
 * (not counted): newest first, slots 12..9 hold the 4 MiB bound, slot 8
 * takes it past, so slots up to 8 go.  Never past applied_durable.  A
 * fetcher that asked from slot 6 (spare 5) is spared 2 MiB more: slots
 * 12..7 hold 6 MiB, so up to 6; one that asked from 10 (spare 9) is past
 * nothing the bound keeps: up to 8 as before.
 */
static void retain_chains_shed_to_slot(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	u64 s;

	for (s = 1; s <= 12; s++) {
		log_write(test, ps, core, s, 0, MIB);
		log_write(test, ps, core, s, 1, 4096);
	}
	log_at(core, 12, 12);
	KUNIT_ASSERT_GT(test, synod_pay_used(ps), SYNOD_RETAIN_SHED_USED);
	KUNIT_EXPECT_EQ(test, synod_pay_shed_upto(ps, core, ~0ULL), 8ULL);
	KUNIT_EXPECT_EQ(test, synod_pay_shed_upto(ps, core, 9), 8ULL);
	KUNIT_EXPECT_EQ(test, synod_pay_shed_upto(ps, core, 5), 6ULL);
	/* a fetcher from slot 1: past the spare bound it sheds too */
	KUNIT_EXPECT_EQ(test, synod_pay_shed_upto(ps, core, 0), 6ULL);
	/* slots 7.. not durable yet: up to 6 at most */
	log_at(core, 12, 6);
	KUNIT_EXPECT_EQ(test, synod_pay_shed_upto(ps, core, ~0ULL), 6ULL);
	/* shed up to 8: the rest is within the bound */
	log_at(core, 12, 12);
	core->log_base = 9;
	KUNIT_EXPECT_EQ(test, synod_pay_shed_upto(ps, core, ~0ULL), 0ULL);
	unpin_all(ps);
	synod_pay_exit(ps);
}

/*
 * Ten slots of 1 MiB chains: 640 buffers, SYNOD_RETAIN_SHED_USED
 * exactly, so nothing sheds though the log names 10 MiB; one buffer
 * more in the store and slots up to 6 go (10..7 hold the bound).
 */
static void retain_store_gate(struct kunit *test)
{
	struct synod_replica *core;
	struct synod_paystore *ps = paystore_new(test, &core);
	u64 s;

	for (s = 1; s <= 10; s++)
		log_write(test, ps, core, s, 0, MIB);
	log_at(core, 10, 10);
	KUNIT_ASSERT_EQ(test, synod_pay_used(ps), SYNOD_RETAIN_SHED_USED);
	KUNIT_EXPECT_EQ(test, synod_pay_shed_upto(ps, core, ~0ULL), 0ULL);
	fill(test, ps, core, 1);
	KUNIT_EXPECT_EQ(test, synod_pay_shed_upto(ps, core, ~0ULL), 6ULL);
	unpin_all(ps);
	synod_pay_exit(ps);
}

static struct kunit_case retain_cases[] = {
	KUNIT_CASE(retain_small_writes_never_shed),
	KUNIT_CASE(retain_chains_shed_to_slot),
	KUNIT_CASE(retain_store_gate),
	{}
};

static struct kunit_suite retain_suite = {
	.name = "synod_retain",
	.exit = paystore_fixture_exit,
	.test_cases = retain_cases,
};

kunit_test_suites(&retain_suite);
MODULE_LICENSE("GPL");
