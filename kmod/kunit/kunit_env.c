// SPDX-License-Identifier: GPL-2.0
/*
 * What the module's glue provides to the pure core, for the KUnit build on
 * User Mode Linux, where the glue is absent.
 */
#include <kunit/test.h>

#include "kunit_env.h"
#include "tcp_priv.h"

/* Set by a failed synod_assert(); the suites clear and check it. */
bool synod_core_assert_failed;

/* core/env.h: the module fences the replica; here the flag is enough. */
void synod_core_assert_fail(void)
{
	synod_core_assert_failed = true;
}

/* A suite's .init: no core assertion has failed yet in this case. */
int synod_kunit_init(struct kunit *test)
{
	synod_core_assert_failed = false;
	return 0;
}

/* A suite's .exit: no case may trip a core assertion, even on bad input. */
void synod_kunit_exit(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, synod_core_assert_failed);
}

/*
 * tcp_tx.c: the transport's writer, absent here.  The send ring's
 * queuers (tcp_queue.c) wake it; the suites stand in for it themselves.
 */
void synod_tcp_tx_kick(struct tcp_peer *p)
{
	set_bit(STCP_KICK, &p->flags);
}

bool synod_tcp_tx_inline(struct tcp_peer *p)
{
	return false;
}
