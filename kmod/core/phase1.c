// SPDX-License-Identifier: GPL-2.0
/*
 * Phase-1 recovery's bookkeeping: what a chunk's promises report.  A
 * candidate (or a leader still recovering) asks for SYNOD_P1_CHUNK slots
 * at a time; per slot it keeps the value of the highest ballot reported
 * (a value flagged chosen wins), and learns whether some acceptor holds
 * slots past the chunk.  A promise cut by bytes (SYNOD_MSGF_PART, the
 * glue's synod_cut_answer(), kmod/msg_cut.c) reports fewer slots and
 * ends the chunk there for every promise's values.  proposer.c starts
 * chunks, sends the PREPAREs and proposes what a quorum reported
 * (finish_chunk()).
 */
#include "internal.h"

/* Phase-1 recovery: keep, per slot, the value of the highest ballot. */
static void merge_entry(struct synod_replica *r, const struct synod_entry *e)
{
	struct synod_entry *cur;
	bool e_chosen = e->flags & SYNOD_ENTF_CHOSEN;

	synod_assert(r->p1_from != 0);
	synod_assert(r->p1_hi < r->p1_from + SYNOD_P1_CHUNK);
	if (e->slot < r->p1_from || e->slot > r->p1_hi)
		return;
	cur = &r->recov[e->slot - r->p1_from];
	if (cur->slot == 0 || (e_chosen && !(cur->flags & SYNOD_ENTF_CHOSEN)) ||
	    (!(cur->flags & SYNOD_ENTF_CHOSEN) && e->ballot > cur->ballot))
		*cur = *e;
	if (e->slot > r->p1_max)
		r->p1_max = e->slot;
	synod_assert(cur->slot == e->slot);
}

static void note_last(struct synod_replica *r, u64 last_slot)
{
	synod_assert(r->p1_from != 0);
	synod_assert(r->role != SYNOD_FOLLOWER);
	if (last_slot > r->p1_hi)
		r->p1_more = true;
}

/*
 * A promise cut by bytes reports slots up to @hi only: this chunk ends
 * there, for the values the others reported past it too, since a slot
 * whose quorum did not all report cannot be decided; the next chunk
 * asks again from past what this one proposes (synod_prop_propose()).
 */
static void cut_chunk(struct synod_replica *r, u64 hi)
{
	u64 s;

	synod_assert(hi >= r->p1_from);
	if (hi >= r->p1_hi)
		return;
	for (s = hi + 1; s <= r->p1_hi; s++)
		synod_memset(&r->recov[s - r->p1_from], 0,
			     sizeof(r->recov[0]));
	r->p1_hi = hi;
	r->p1_more = true;
	if (r->p1_max > hi)
		r->p1_max = hi;
	synod_assert(r->p1_max <= r->p1_hi && r->p1_more);
}

/*
 * A cut promise (SYNOD_MSGF_PART, a plain one: the decoder refuses it
 * with NACK or TOO_FAR) that can be taken: covering [slot, aux] with at
 * least one entry, all of them in it.  At least one, so that the chunk
 * proposes past its first slot and the next one starts further on.
 */
static bool part_ok(const struct synod_msg *m)
{
	synod_assert(m->type == SYNOD_MSG_PROMISE);
	synod_assert(!(m->flags & (SYNOD_MSGF_NACK | SYNOD_MSGF_TOO_FAR)));
	return m->count && m->aux >= m->slot &&
	       m->e[m->count - 1].slot <= m->aux && m->e[0].slot >= m->slot;
}

/* Our own promise counts once its journal record is durable. */
void synod_p1_self(struct synod_replica *r)
{
	u64 s;

	if ((r->p1_promised & node_bit(r->p.self)) ||
	    r->p1_seq > r->durable_seq)
		return;
	if (r->p1_from < r->log_base)
		return;		/* a state transfer overtook this round */
	synod_assert(r->p1_from >= 1);
	for (s = r->p1_from; s <= r->p1_hi; s++) {
		const struct synod_slot *sl = slot_get(r, s);
		struct synod_entry e;

		if (!sl || sl->faulty)
			continue;
		e = sl->e;
		e.flags = sl->chosen ? SYNOD_ENTF_CHOSEN : 0;
		merge_entry(r, &e);
	}
	note_last(r, r->last_slot);
	r->p1_promised |= node_bit(r->p.self);
	synod_assert(r->p1_max <= r->p1_hi);
}

/*
 * Start the chunk from slot @from: nothing reported yet, the chunk whole
 * (p1_hi at its end) until a cut promise lowers it.
 */
void synod_p1_reset(struct synod_replica *r, u64 from)
{
	synod_assert(from >= 1);
	synod_assert(r->role != SYNOD_FOLLOWER);
	r->p1_from = from;
	r->p1_max = from - 1;
	r->p1_hi = from + SYNOD_P1_CHUNK - 1;
	r->p1_promised = 0;
	r->p1_more = false;
	r->p1_done = false;
	synod_memset(r->recov, 0, sizeof(r->recov));
}

/*
 * Count @m, a plain promise for this chunk from a voter not counted yet:
 * its values, whether it holds slots past the chunk, and, cut, where the
 * chunk now ends.  Returns false for a cut one that cannot be taken
 * (part_ok()): the sender is asked again at the next PREPARE resend.
 */
bool synod_p1_take(struct synod_replica *r, const struct synod_msg *m)
{
	u32 i;

	synod_assert(m->type == SYNOD_MSG_PROMISE && m->slot == r->p1_from);
	synod_assert(!(r->p1_promised & node_bit(m->from)));
	if ((m->flags & SYNOD_MSGF_PART) && !MUTANT_PART_WHOLE) {
		if (!part_ok(m)) {
			r->stats.part_refused++;
			return false;
		}
		cut_chunk(r, m->aux);
	}
	for (i = 0; i < m->count; i++)
		merge_entry(r, &m->e[i]);
	note_last(r, m->slot_hi);
	r->p1_promised |= node_bit(m->from);
	return true;
}
