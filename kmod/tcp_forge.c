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
 *      been lost;
 *   5  PLANT: the next PAYLOAD frame node FROM receives (from anyone)
 *      is sent on to TO, properly authenticated (FROM is a member),
 *      under the ref its proposer will use next (ref + 1) and with
 *      its bytes inverted: a member planting data under a predictable
 *      ref that it did not propose.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "compat_net.h"
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
	if (kind == STCP_FORGE_PLANT && p->t->plant) {
		p->t->plant_to = p->node;
		atomic_set(&p->t->plant_state, 1);
	}
	return kind;
}

/*
 * rx thread, before a frame from a peer is delivered: if a plant is
 * armed and @f is a PAYLOAD frame (replica.h: type 2, u32 length at 4,
 * u64 ref at 8, data at 16), keep a doctored copy for the tx thread.
 */
void synod_tcp_forge_rx(struct synod_transport *t, const u8 *f, u32 len)
{
	u32 i;

	if (!SYNOD_TEST_BUILD || !t->plant ||
	    atomic_read(&t->plant_state) != 1 || len <= 16 || f[0] != 2)
		return;
	memcpy(t->plant, f, len);
	put_unaligned_le64(get_unaligned_le64(f + 8) + 1, t->plant + 8);
	for (i = 16; i < len; i++)
		t->plant[i] = ~f[i];
	t->plant_len = len;
	atomic_set_release(&t->plant_state, 2);
	set_bit(STCP_KICK, &t->peers[t->plant_to].flags);
	wake_up(&t->peers[t->plant_to].wq);
}

/* tx thread of @p: queue the doctored payload if it is ready for @p. */
void synod_tcp_forge_plant(struct tcp_peer *p)
{
	struct synod_transport *t = p->t;
	struct kvec v;

	if (!SYNOD_TEST_BUILD || t->plant_to != p->node ||
	    atomic_read_acquire(&t->plant_state) != 2)
		return;
	v = (struct kvec){ t->plant, t->plant_len };
	pr_info("%s/%u: TEST: planting ref %llx at node %u\n", t->cfg.cluster,
		t->cfg.self, get_unaligned_le64(t->plant + 8), p->node);
	synod_tcp_ops.send(t, p->node, &v, 1);
	atomic_set(&t->plant_state, 0);
}
