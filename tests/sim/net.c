// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated network: every message goes through the wire encoder and
 * decoder, and may be lost, duplicated, delayed (and so reordered),
 * corrupted in flight during the fault phase, or blocked by a partition
 * (s->blocked, set by fault.c).  Delivery is an event for the receiving
 * node's incarnation: a message to a crashed node is lost with it.
 */
#include "sim.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static struct synod_msg rx_msg;	/* large: keep off the stack */

/* Deliver after 50-550 us, or (slow_ppm) up to 30 ms more. */
static void net_deliver(struct sim *s, int to, uint8_t *buf, uint32_t len)
{
	uint64_t delay = 50 * SIM_US + sim_below(s, 500 * SIM_US);

	if (sim_chance(s, s->slow_ppm))
		delay += sim_below(s, 30 * SIM_MS);
	sim_push((struct event){ .t = s->now + delay, .kind = EV_MSG,
				 .node = to, .inc = s->nodes[to].incarnation,
				 .buf = buf, .len = len });
}

/*
 * --lossy-catchup, after the heal: a message or chunk on a link of the
 * lossy node is lost with lossy_ppm.  Draws no random number otherwise,
 * so that every other run keeps its schedule.
 */
bool net_lossy_drop(struct sim *s, int from, int to)
{
	if (s->lossy < 0 || !s->healed || (from != s->lossy && to != s->lossy))
		return false;
	return sim_chance(s, s->lossy_ppm);
}

/*
 * The module's glue cuts a promise whose entries' payloads pass what a
 * send ring takes (kmod/msg_cut.c, synod_cut_answer()): here a promise
 * with two entries or more goes cut after 1 to count - 1 of them when
 * the message count is a multiple of 3 (about one in three), chosen by
 * that count, so that no random number is drawn and every run keeps its
 * schedule.
 */
static const struct synod_msg *cut_promise(struct sim *s,
					   const struct synod_msg *m)
{
	static struct synod_msg cut;	/* large: keep off the stack */
	uint32_t k;

	if (m->type != SYNOD_MSG_PROMISE || m->count < 2 ||
	    (m->flags & (SYNOD_MSGF_NACK | SYNOD_MSGF_TOO_FAR)) ||
	    s->msgs % 3)
		return m;
	cut = *m;
	k = 1 + (uint32_t)(s->msgs / 3 % (m->count - 1));
	cut.aux = m->e[k].slot - 1;
	cut.count = k;
	cut.flags |= SYNOD_MSGF_PART;
	s->promises_cut++;
	return &cut;
}

/*
 * Encode and send one message: dropped when the link is blocked or lost,
 * maybe sent twice, and during the fault phase a byte may flip (the
 * decoder's checksum must refuse it).  Every other message lost at
 * random is one the sender is told of, as the module is of a send queue
 * that refused it while growing: its next tick tells the core.
 */
void net_send(struct sim *s, int from, const struct synod_msg *m)
{
	uint8_t *buf = malloc(SYNOD_WIRE_MAX_LEN);
	uint32_t len;

	m = cut_promise(s, m);
	len = synod_wire_encode(m, buf, SYNOD_WIRE_MAX_LEN);
	s->msgs++;
	if (!len)
		sim_fail(s, "encode failed");
	if (m->to >= s->n || s->blocked[from][m->to]) {
		free(buf);
		return;
	}
	if (sim_chance(s, s->loss_ppm)) {
		/* every other one, so that silent loss stays tested */
		if (s->msgs & 1)
			s->nodes[from].refused |= 1u << m->to;
		free(buf);
		return;
	}
	if (net_lossy_drop(s, from, m->to)) {
		free(buf);
		return;
	}
	if (sim_chance(s, s->dup_ppm)) {
		uint8_t *dup = malloc(len);

		memcpy(dup, buf, len);
		net_deliver(s, m->to, dup, len);
	}
	if (!s->healed && !s->no_faults && sim_chance(s, 1000))
		buf[sim_below(s, len)] ^= (uint8_t)(1 + sim_below(s, 255));
	net_deliver(s, m->to, buf, len);
}

/* --room-kb's measure of an entry: the bytes of its writes. */
static uint32_t room_need(void *ctx, const struct synod_entry *e)
{
	const struct sim *s = ctx;
	uint32_t i, n = 0;

	if (e->kind != SYNOD_ENTRY_WRITE)
		return 0;
	for (i = 0; i < e->nwrites; i++)
		n += sim_write_len(s, e->w[i].ref);
	return n;
}

/* Decode a delivered message and step its node with it. */
void net_receive(struct sim *s, struct event *e)
{
	struct node *nd = &s->nodes[e->node];
	int err;

	if (!nd->up || e->inc != nd->incarnation) {
		free(e->buf);
		return;
	}
	err = synod_wire_decode(e->buf, e->len, &rx_msg);
	free(e->buf);
	if (err) {
		sim_trace(s, "node %d: refused message: %s", nd->id,
			  synod_wire_err_name(err));
		return;
	}
	if (s->verbose > 1)
		sim_trace(s, "node %d <- %u type %u ballot %#" PRIx64
			  " slot %" PRIu64 "-%" PRIu64 " n %u flags %#x",
			  nd->id, rx_msg.from, rx_msg.type, rx_msg.ballot,
			  rx_msg.slot, rx_msg.slot_hi, rx_msg.count,
			  rx_msg.flags);
	/* room for this message's outputs, as the module makes it */
	if (!synod_out_room(&nd->out))
		sim_process(s, nd);
	/* past a hole, only what its journal holds (kmod/replica_room.c) */
	if (s->room_bytes) {
		uint64_t hole, held = synod_room_held(&nd->r, room_need, s);
		uint32_t n = synod_room_filter(&nd->r, &rx_msg, s->room_bytes,
					       held, room_need, s, &hole);

		s->room_dropped += n;
		if (n)
			sim_trace(s, "node %d: slot %" PRIu64 " missing, %"
				  PRIu64 " bytes held: %u dropped",
				  nd->id, hole, held, n);
	}
	synod_replica_step(&nd->r, sim_local(s, nd), &rx_msg, &nd->out);
	/*
	 * A run of frames: the module carries out what they left once the
	 * run is over (synod_repl_rx_done()); meanwhile any other input of
	 * the node carries it out with its own.
	 */
	if (s->rx_defer_ppm && synod_out_room(&nd->out) &&
	    sim_chance(s, s->rx_defer_ppm)) {
		/* the lock let go between frames: publish no more than before */
		if (synod_replica_lease_until(&nd->r) < nd->fast_until)
			nd->fast_until = synod_replica_lease_until(&nd->r);
		if (!nd->flush_due) {
			nd->flush_due = true;
			sim_schedule(s, s->now + sim_below(s, 100 * SIM_US),
				     EV_FLUSH, nd->id, 0);
		}
		return;
	}
	sim_process(s, nd);
}

/* Every link carries messages again. */
void net_heal(struct sim *s)
{
	memset(s->blocked, 0, sizeof(s->blocked));
}
