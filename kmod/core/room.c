// SPDX-License-Identifier: GPL-2.0
/*
 * Room past a slot the replica lacks.  Its journal frees only records
 * of applied slots, and nothing past a hole in its log applies until
 * the hole is filled.  A follower that missed one slot under large
 * writes (a payload frame dropped for want of a buffer) went on
 * accepting the later ones, and its journal's payload ring (eleven
 * 1 MiB records by default) filled before the leader resent the slot or
 * the follower fetched it: it fenced "journal full".  So, past the
 * first hole, an ACCEPT or CATCHUP entry is taken only while the room
 * the glue measures (bytes of its journal, less a reserve for the
 * hole's own record) holds it with what the log already holds past the
 * applied index; the others are dropped before the step, as if their
 * frame were lost: the leader resends what stays unacked, the replica
 * fetches the hole (fetch.c), and once it applies, the journal frees.
 * Entries below the first hole, and each that fills it (the hole then
 * moves to the next slot the log lacks), are always taken: they are what
 * lets the replica go on; so are those the log holds already in the
 * same ballot or chosen (no new record: accept_one() acks them).
 * The glue weighs entries (@need: bytes of its record) since the core
 * knows no payload's size on a follower, and says what its journal
 * holds already (kmod/replica_room.c: every record not yet checkpointed,
 * older ballots' too); the simulator and the unit tests, which have no
 * journal, take synod_room_held().  A corrupt slot (faulty) is a hole:
 * nothing past it applies until it is repaired.
 */
#include "internal.h"

/* A slot the log holds whole: an entry, not known corrupt. */
static bool room_holds(const struct synod_replica *r, u64 s)
{
	const struct synod_slot *sl = slot_get(r, s);

	return sl && !sl->faulty;
}

u64 synod_log_first_hole(const struct synod_replica *r)
{
	u64 s;

	synod_assert(r->applied <= r->chosen_upto);
	synod_assert(r->chosen_upto + 1 >= r->log_base);
	for (s = r->chosen_upto + 1; s <= r->last_slot; s++)
		if (!room_holds(r, s))
			return s;
	return 0;
}

u64 synod_room_held(const struct synod_replica *r, synod_room_need_fn need,
		    void *ctx)
{
	const struct synod_slot *sl;
	u64 s, held = 0;

	synod_assert(need != NULL);
	synod_assert(r->applied + 1 >= r->log_base);
	for (s = r->applied + 1; s <= r->last_slot; s++) {
		sl = slot_get(r, s);
		if (sl)
			held += need(ctx, &sl->e);
	}
	return held;
}

/*
 * Whether @e of @m needs no new record: the log holds its slot chosen,
 * or accepted in the ballot of the ACCEPT that brings it again.
 */
static bool room_held_already(const struct synod_replica *r,
			      const struct synod_msg *m,
			      const struct synod_entry *e)
{
	const struct synod_slot *sl = slot_get(r, e->slot);

	synod_assert(m->type == SYNOD_MSG_ACCEPT ||
		     m->type == SYNOD_MSG_CATCHUP);
	synod_assert(!sl || sl->e.slot == e->slot);
	return sl && !sl->faulty &&
	       (sl->chosen || (m->type == SYNOD_MSG_ACCEPT &&
			       sl->e.ballot == m->ballot));
}

/*
 * The next hole after @s, a slot just taken (held now, or coming in the
 * same message): the lowest past it the log does not hold whole, at
 * most the one after the log's last slot, so that an entry that jumps
 * past the end is weighed too.
 */
static u64 room_next_hole(const struct synod_replica *r, u64 s)
{
	synod_assert(s >= r->log_base);
	synod_assert(s > r->chosen_upto);
	for (s++; s <= r->last_slot; s++)
		if (!room_holds(r, s))
			return s;
	return s;
}

u32 synod_room_filter(const struct synod_replica *r, struct synod_msg *m,
		      u64 room, u64 held, synod_room_need_fn need, void *ctx,
		      u64 *hole_out)
{
	u64 hole;
	u32 i, n = 0, dropped = 0, b;

	synod_assert(m->count <= SYNOD_MSG_ENTRIES_MAX);
	synod_assert(need != NULL);
	*hole_out = 0;
	/*
	 * A snapshot's one entry is the configuration at its checkpoint,
	 * never a record (acceptor.c, snapshot_sane()): the jump it starts
	 * is what frees a replica behind a trimmed log.
	 */
	if ((m->type != SYNOD_MSG_ACCEPT && m->type != SYNOD_MSG_CATCHUP) ||
	    (m->flags & SYNOD_MSGF_SNAPSHOT) || !m->count ||
	    r->role == SYNOD_LEADER)
		return 0;
	hole = synod_log_first_hole(r);
	if (!hole)
		return 0;
	*hole_out = hole;
	for (i = 0; i < m->count; i++) {
		const struct synod_entry *e = &m->e[i];
		bool free = e->slot < r->log_base ||
			    room_held_already(r, m, e);

		b = free ? 0 : need(ctx, e);
		if (e->slot == hole) {
			/*
			 * It fills the hole: the run from the chosen prefix
			 * grows, and its slots can apply once chosen.  A
			 * CATCHUP's entries run on from the prefix, so all
			 * of them are taken, one hole after the other.
			 */
			hole = room_next_hole(r, hole);
		} else if (e->slot > hole && held + b > room) {
			dropped++;
			continue;
		}
		/* taken: its record holds the ring like the others */
		held += b;
		if (n != i)
			m->e[n] = m->e[i];
		n++;
	}
	synod_assert(n + dropped == m->count);
	m->count = n;
	return dropped;
}
