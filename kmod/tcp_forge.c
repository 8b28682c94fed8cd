// SPDX-License-Identifier: GPL-2.0
/*
 * Test build only (testing.h): make a tx thread put a frame on its
 * established, authenticated connection that the replica never queued,
 * as an attacker on the path (or a broken peer) would.  The VM test
 * tests/vm/auth.bats uses it to show what the receiver does with such
 * frames.  In a user's build test_forge stays 0 and this does nothing.
 *
 * test_forge = KIND << 16 | FROM << 8 | TO: the next time the tx thread
 * of node FROM's transport for peer TO runs, it takes the request (sets
 * the knob back to 0) and does KIND once:
 *   1  STEPDOWN: a one-byte STEPDOWN frame with a correct header and
 *      checksum but no knowledge of any key (anyone could make it);
 *   2  REPLAY: the last frame sent on this link again, byte for byte;
 *   3  CORRUPT: the next queued frame leaves with one payload bit
 *      flipped after its checksum was computed;
 *   4  SKIP: the sender skips one sequence number, as if a frame had
 *      been lost (nothing is injected on a link without sequence).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/moduleparam.h>

#include "testing.h"
#include "tcp_priv.h"

static uint test_forge;
SYNOD_TEST_PARAM(test_forge, uint,
		 "inject one frame: KIND<<16|FROM<<8|TO (see tcp_forge.c)");

/*
 * The forgery requested for the link of @p, if any; the request is
 * consumed, so exactly one tx thread acts on it once.
 */
enum stcp_forge synod_tcp_forge_take(struct tcp_peer *p)
{
	uint want = READ_ONCE(test_forge);
	uint kind = want >> 16;

	if (!SYNOD_TEST_BUILD || !want)
		return STCP_FORGE_NONE;
	if (((want >> 8) & 0xff) != p->t->cfg.self ||
	    (want & 0xff) != p->node || kind >= STCP_FORGE_MAX)
		return STCP_FORGE_NONE;
	if (cmpxchg(&test_forge, want, 0) != want)
		return STCP_FORGE_NONE;
	pr_info("%s/%u: TEST: forging frame kind %u to node %u\n",
		p->t->cfg.cluster, p->t->cfg.self, kind, p->node);
	return kind;
}
