// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's checker 10 (the list is at the head of check.c): the
 * byte window.  A leader's slots in flight carry at most
 * SYNOD_WINDOW_BYTES of the clients' writes, a slot at most
 * SYNOD_SLOT_BYTES, by the lengths the clients gave; and a leader with
 * room for its next waiting write forms a slot for it.
 */
#include "sim.h"

#include <inttypes.h>

/*
 * Would synod_log_make_room() find slot @s a place in the ring?  The same
 * test, without forgetting anything.
 */
static bool ring_room(const struct synod_replica *r, uint64_t s)
{
	uint64_t new_base;

	if (s < r->log_base)
		return false;
	if (s - r->log_base < SYNOD_LOG_MAX)
		return true;
	new_base = s - SYNOD_LOG_MAX + 1;
	return new_base <= r->applied_durable + 1 &&
	       new_base <= r->applied + 1;
}

/*
 * 10. After every input of leader @nd: the writes in its slots in flight,
 * (chosen_upto, next_slot), counted from the history's lengths, not the
 * core's counter (which the core's invariants recount), stay within the
 * byte bounds, and each slot's count matches.  Counts the times the byte
 * window was what held the next waiting write back, in steps (one
 * episode of a full window spans many), and fails a leader that formed
 * no slot although nothing held its next write back (a wedge).
 */
void check_byte_window(struct sim *s, struct node *nd)
{
	const struct synod_replica *r = &nd->r;
	uint64_t slot, total = 0, bytes;
	uint32_t k, first;

	if (r->role != SYNOD_LEADER)
		return;
	for (slot = r->chosen_upto + 1; slot < r->next_slot; slot++) {
		const struct synod_slot *sl = sim_held(r, slot);

		if (!sl || !sl->owned)
			continue;
		for (k = 0, bytes = 0; k < sl->e.nwrites; k++)
			bytes += sl->req[k] < (uint64_t)s->nhist ?
				 s->hist[sl->req[k]].len : SYNOD_SLOT_BYTES + 1;
		if (bytes > SYNOD_SLOT_BYTES || bytes != sl->bytes)
			sim_fail(s, "window: node %d slot %" PRIu64 " holds %"
				 PRIu64 " bytes of writes (counted %u)",
				 nd->id, slot, bytes, sl->bytes);
		total += bytes;
	}
	if (total > SYNOD_WINDOW_BYTES)
		sim_fail(s, "window: node %d has %" PRIu64 " bytes in flight",
			 nd->id, total);
	if (!r->npend || !r->active || r->cfg_pending ||
	    r->next_slot - r->chosen_upto - 1 >= SYNOD_WINDOW ||
	    r->pend[r->pend_head].req >= (uint64_t)s->nhist)
		return;
	first = s->hist[r->pend[r->pend_head].req].len;
	if (total + first > SYNOD_WINDOW_BYTES) {
		s->window_full_steps++;
		return;
	}
	/*
	 * A wedge: every input of a leader ends in propose_writes(), which
	 * forms slots while there are waiting writes, slots free in the
	 * window, room in the outputs and in the ring, and bytes for the
	 * first write.  All hold after this step, yet it stopped: a byte
	 * count that drifted would stall the leader for good this way.
	 */
	if (nd->out.npersist < SYNOD_OUT_PERSIST_MAX &&
	    ring_room(r, r->next_slot))
		sim_fail(s, "window: node %d wedged: %u writes waiting, the "
			 "first of %u bytes, %" PRIu64 " of %u bytes in "
			 "flight, %" PRIu64 " slots", nd->id, r->npend, first,
			 total, SYNOD_WINDOW_BYTES,
			 r->next_slot - r->chosen_upto - 1);
}
