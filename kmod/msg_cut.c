// SPDX-License-Identifier: GPL-2.0
/*
 * Messages cut by the payload bytes their entries name.  The core sends
 * entries and knows nothing of their payloads' lengths; the glue queues
 * each message's payloads ahead of it on a send ring of
 * SYNOD_SENDQ_BYTES at most, and a message that cannot go whole is
 * dropped.  Under 1 MiB writes a catch-up answer (up to 32 entries), a
 * promise (every value accepted in a chunk of 31 slots) and a resend of
 * every slot a follower has not acked all passed that and never went
 * (replica_tx.c, where the limit is chosen, says what each cost).  So:
 *
 *  - a CATCHUP answer (entries) keeps the entries whose payloads come to
 *    the limit, the first always, and ends there (slot_hi): the asker
 *    asks again after it;
 *  - a plain PROMISE does the same and says so (SYNOD_MSGF_PART, aux the
 *    slot before the first entry left out): the candidate decides only
 *    the slots it covers (core/phase1.c, cut_chunk());
 *  - an ACCEPT goes as several, each the entries of the next limit's
 *    worth of payloads, each a plain ACCEPT (every entry stands alone at
 *    the acceptor).
 *
 * Pure: the caller says what each entry's payloads weigh.
 */
#include <linux/bug.h>
#include <linux/string.h>

#include "msg_cut.h"

/*
 * How many entries at the head of @m name payloads that come to @limit
 * bytes at most, the first always counted: at least one if @m has any,
 * so a cut always moves on.
 */
u32 synod_cut_head(const struct synod_msg *m, synod_cut_bytes_fn bytes,
		   void *ctx, u64 limit)
{
	u64 sum = 0;
	u32 i;

	for (i = 0; i < m->count && i < SYNOD_MSG_ENTRIES_MAX; i++) {
		sum += bytes(ctx, &m->e[i]);
		if (i && sum > limit)
			break;
	}
	return i;
}

/*
 * Cut an answer @m in place whose entries' payloads pass @limit, after
 * those that come to it, the first always kept: a CATCHUP answer of
 * entries (not a snapshot) then ends at its last entry kept (slot_hi);
 * a plain PROMISE (not a refusal) is marked PART with aux the slot
 * before the first entry left out.  Entries are in slot order in both
 * (core/acceptor.c), so everything the cut one leaves out lies past
 * what it says it covers.  Other messages are left whole.
 */
enum synod_cut synod_cut_answer(struct synod_msg *m, synod_cut_bytes_fn bytes,
				void *ctx, u64 limit)
{
	bool catchup = m->type == SYNOD_MSG_CATCHUP &&
		       !(m->flags & SYNOD_MSGF_SNAPSHOT);
	bool promise = m->type == SYNOD_MSG_PROMISE &&
		       !(m->flags & (SYNOD_MSGF_NACK | SYNOD_MSGF_TOO_FAR));
	u32 i;

	if ((!catchup && !promise) ||
	    WARN_ON_ONCE(m->count > SYNOD_MSG_ENTRIES_MAX))
		return SYNOD_CUT_NONE;
	i = synod_cut_head(m, bytes, ctx, limit);
	if (i >= m->count)
		return SYNOD_CUT_NONE;
	/* i >= 1: the first entry always stays */
	if (WARN_ON_ONCE(m->e[i].slot <= m->e[i - 1].slot))
		return SYNOD_CUT_NONE;
	m->count = i;
	if (catchup) {
		m->slot_hi = m->e[i - 1].slot;
		return SYNOD_CUT_CATCHUP;
	}
	m->aux = m->e[i].slot - 1;
	m->flags |= SYNOD_MSGF_PART;
	return SYNOD_CUT_PROMISE;
}

/*
 * An ACCEPT @m whose entries' payloads pass @limit: cut it to its first
 * part (the entries that come to @limit, the first always) and return
 * how many entries are left for the parts after it (0: @m goes whole,
 * untouched).  The caller sends @m, then synod_cut_next() makes it the
 * rest.
 */
u32 synod_cut_part(struct synod_msg *m, synod_cut_bytes_fn bytes, void *ctx,
		   u64 limit)
{
	u32 k, rest;

	if (m->type != SYNOD_MSG_ACCEPT || m->count < 2 ||
	    WARN_ON_ONCE(m->count > SYNOD_MSG_ENTRIES_MAX))
		return 0;
	k = synod_cut_head(m, bytes, ctx, limit);
	if (k >= m->count)
		return 0;
	rest = m->count - k;
	m->count = k;
	return rest;
}

/*
 * @m was sent as a part of @m->count entries; the @rest after them
 * follow it in the array: make them the message.
 */
void synod_cut_next(struct synod_msg *m, u32 rest)
{
	u32 k = m->count;

	if (WARN_ON_ONCE(!k || k + rest > SYNOD_MSG_ENTRIES_MAX))
		return;
	memmove(&m->e[0], &m->e[k], rest * sizeof(m->e[0]));
	m->count = rest;
}
