/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A three-replica cluster in memory, for the KUnit suite and the cmocka
 * tests alike: the cores exchange messages through a bounded queue, their
 * journal writes become durable at once, and the run goes through an
 * election, committed writes and reads, the isolation of the leader, a new
 * election and more writes.  Pure: the caller allocates the (large) state,
 * e.g. with kunit_kzalloc() or calloc(), and calls synod_selftest_run().
 */
#ifndef SYNOD_CORE_SELFTEST_H
#define SYNOD_CORE_SELFTEST_H

#include "replica.h"

#define SYNOD_SELFTEST_NODES	3u
#define SYNOD_SELFTEST_QUEUE	48u

struct synod_selftest {
	struct synod_replica r[SYNOD_SELFTEST_NODES];
	struct synod_out out[SYNOD_SELFTEST_NODES];
	struct synod_msg q[SYNOD_SELFTEST_QUEUE];
	u32 qhead;
	u32 qlen;
	u64 now;
	u64 persisted[SYNOD_SELFTEST_NODES];
	u64 applied[SYNOD_SELFTEST_NODES];
	u32 isolated;		/* node cut off, SYNOD_NODE_NONE if none */
	u32 writes_ok;
	u32 reads_ok;
	u32 leaders;		/* distinct leader activations seen */
	u64 last_ballot;
	int step;		/* where a failure happened */
};

/* selftest.c */
int synod_selftest_run(struct synod_selftest *t);

#endif /* SYNOD_CORE_SELFTEST_H */
