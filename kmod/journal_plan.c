// SPDX-License-Identifier: GPL-2.0
/*
 * Where the payloads of a chunk's records go in the journal's payload
 * ring (format 3): at the head where its bytes are free, else in the
 * first free run past it (journal_pring.c says why), or in the bytes a
 * held record of the same slot wrote already (journal_share.c).  Under
 * the journal's lock, from synod_journal_write(); the chunk's write
 * (journal.c, write_chunk()) then puts them there.  With the sizes
 * records take there: the receive path weighs them too (replica_room.c),
 * and KUnit tests the planning on a journal of its own (jplan_kunit.c).
 */
#include "journal_priv.h"

/* Bytes of all of @r's payloads. */
u32 synod_journal_rec_paylen(const struct synod_jrec *r)
{
	u32 i, len = 0;

	for (i = 0; i < r->e.nwrites; i++)
		len += r->len[i];
	return len;
}

/*
 * Payload ring bytes record @r takes (as synod_journal_plan() places
 * it): none in format 1 or where its payloads fit its slot, else its
 * payloads on whole blocks of SYNOD_PRING_ALIGN.
 */
u32 synod_journal_rec_pring(const struct synod_journal *j,
			    const struct synod_jrec *r)
{
	return synod_journal_pring_need(j, synod_journal_rec_paylen(r));
}

/*
 * Payload ring bytes a record whose payloads take @paylen bytes needs,
 * as synod_journal_rec_pring() counts them, and the ring's size (0 in
 * format 1).
 * Fixed geometry, no lock: a follower's receive path weighs with them
 * what it may accept past a slot it lacks (replica_room.c).
 */
u32 synod_journal_pring_need(const struct synod_journal *j, u32 paylen)
{
	if (j->format == SYNOD_JREC_FORMAT_V1 ||
	    SYNOD_JREC_HDR_SIZE + paylen <= j->slot_bytes)
		return 0;
	return round_up(paylen, SYNOD_PRING_ALIGN);
}

u64 synod_journal_pring_size(const struct synod_journal *j)
{
	return j->psize;
}

/* Whether [a, a + alen) and [b, b + blen) share a byte. */
static bool ext_overlap(const struct synod_jext *a, const struct synod_jext *b)
{
	return a->off < b->off + b->len && b->off < a->off + a->len;
}

/* Whether ring index @x holds payload ring bytes that must stay. */
static bool ext_held(const struct synod_journal *j, u32 x, u64 reclaim)
{
	return j->ext[x].len && j->slot[x] != SLOT_FREE &&
	       j->slot[x] > reclaim;
}

/*
 * Whether the ring bytes of j->plan[@i] are free: no record held (slot
 * above @reclaim) names them, and no record of the chunk before it goes
 * there.  A slot this write overwrites held a reclaimable record
 * (checked before), so only the others can hold payloads that must stay.
 */
static bool plan_free(const struct synod_journal *j, u32 i, u64 reclaim)
{
	const struct synod_jext *p = &j->plan[i];
	u32 x;

	for (x = 0; x < j->count; x++)
		if (ext_held(j, x, reclaim) && ext_overlap(p, &j->ext[x]))
			return false;
	for (x = 0; x < i; x++)
		if (j->plan[x].len && !j->plan[x].shared &&
		    ext_overlap(p, &j->plan[x]))
			return false;
	return true;
}

/*
 * The bytes at the head are held: the first free run for j->plan[@i]
 * from @head on (journal_pring.c), the held extents and the chunk's
 * records before it gathered in j->busy[] (count + SYNOD_JOURNAL_BATCH
 * of them at most).  SYNOD_PRING_NONE if none holds it.
 */
static u64 plan_search(struct synod_journal *j, u32 i, u64 head, u64 reclaim)
{
	u32 x, nb = 0;

	for (x = 0; x < j->count; x++)
		if (ext_held(j, x, reclaim))
			j->busy[nb++] = j->ext[x];
	for (x = 0; x < i; x++)
		if (j->plan[x].len && !j->plan[x].shared)
			j->busy[nb++] = j->plan[x];
	return synod_pring_place(j->busy, nb, j->psize, head, j->plan[i].len);
}

/*
 * Place the payloads of the @n records of one chunk (synod_journal_
 * chunk()) that do not fit their slot in the payload ring (format 3), in
 * plan[0..n): each record's payloads together on whole blocks of
 * SYNOD_PRING_ALIGN of its own (plan[].len counts them), at the head,
 * starting over at 0 where a record would pass the ring's end, unless
 * those bytes are still held: those j->ext[] names at a ring index whose
 * slot is above the reclaim point @reclaim, written here or found by
 * recovery, where a record reported corrupt keeps them too when its
 * header checked (journal_recover.c).  Records free their bytes by slot,
 * not in the order they were written, so then the first free run past
 * the head takes it (journal_pring.c).  The head stays aligned.
 * Returns -ENOSPC if no free run takes a record: nothing is written
 * then, and the caller checkpoints once and retries, and fences the
 * replica "journal full" if the records still do not fit (replica_jq.c,
 * group_enospc()): no assertion, no state grows.  j->ext[] holds at
 * most one extent per ring index, so what recovery keeps can never
 * exceed it either.  A record whose payloads a held record of its slot
 * wrote already (the same value in a later ballot) names those bytes
 * and takes none (journal_share.c).
 */
int synod_journal_plan(struct synod_journal *j, const struct synod_jrec *recs,
		       u32 n, u64 reclaim)
{
	u64 head = j->phead, off;
	u32 i, len;

	for (i = 0; i < n; i++) {
		j->plan[i].off = 0;
		j->plan[i].len = 0;
		j->plan[i].shared = false;
		/* whole blocks: a torn write must not reach the record before */
		len = synod_journal_rec_pring(j, &recs[i]);
		if (!len)
			continue;
		if (recs[i].again &&
		    synod_jshare_find(j, &recs[i].e, recs[i].len, j->ccrc[i],
				      len, reclaim, &j->plan[i]))
			continue;
		if (head + len > j->psize)
			head = 0;
		j->plan[i].off = head;
		j->plan[i].len = len;
		if (!plan_free(j, i, reclaim)) {
			off = plan_search(j, i, head, reclaim);
			if (off == SYNOD_PRING_NONE)
				return -ENOSPC;
			j->plan[i].off = off;
		}
		head = j->plan[i].off + len;
	}
	return 0;
}
