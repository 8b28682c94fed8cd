// SPDX-License-Identifier: GPL-2.0
/*
 * Free bytes in the payload ring for a record that cannot go at its head.
 *
 * Records free their ring bytes by slot (once it is checkpointed), not
 * in the order they were written: a follower that missed a slot journals
 * the later ones first and the missing one when it comes again (resent
 * or fetched), and a new ballot's records of low slots follow the old
 * ballot's of higher ones.  A ring that only ever wrote at its head found
 * the bytes there held by a record of a higher slot while most of the
 * ring was free: under 1 MiB writes at queue depth 16 a follower, 5 MiB
 * of its 12 MiB held, could not write the record of the slot it lacked,
 * the one that lets all after it apply and be freed, and fenced "journal
 * full" (engine.bats, session 32).
 *
 * So the journal places a record at its head where those bytes are free
 * (the usual case, records in slot order: one sequential stream), else
 * in the first free run that holds it, from the head on round the ring
 * (journal_plan.c).  Any bytes no held record names do: recovery checks
 * each record's payloads where its header says and learns the held
 * bytes from the records it finds, never from their order on the ring
 * (journal_recover.c), and a module that writes only at its head checks
 * its head against those same held bytes.  No format change.
 */
#include <linux/kernel.h>
#include <linux/sort.h>

#include "journal_pring.h"

static int busy_cmp(const void *a, const void *b)
{
	const struct synod_jext *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return 0;
}

/*
 * The first byte of a run of @len free bytes at or past @from, within
 * the ring of @psize bytes, with the @nbusy extents at @busy (sorted by
 * offset; they may overlap, a shared record's naming its first's) held;
 * SYNOD_PRING_NONE if none.
 */
static u64 first_run(const struct synod_jext *busy, u32 nbusy, u64 psize,
		     u64 from, u32 len)
{
	u64 start = from;
	u32 k;

	for (k = 0; k < nbusy; k++) {
		if (busy[k].off >= start && busy[k].off - start >= len)
			return start;
		start = max(start, busy[k].off + busy[k].len);
	}
	return start <= psize && psize - start >= len ? start :
	       SYNOD_PRING_NONE;
}

/*
 * Where in a payload ring of @psize bytes a record of @len bytes (> 0,
 * whole blocks) goes without touching the @nbusy extents at @busy, the
 * bytes still held (sorted here, in place: the caller's scratch): the
 * first free run at or past @head, else the first from the ring's
 * start.  SYNOD_PRING_NONE if no run holds it.  Each extent and @head
 * are block aligned, so the place is too.
 */
u64 synod_pring_place(struct synod_jext *busy, u32 nbusy, u64 psize,
		      u64 head, u32 len)
{
	u64 off;

	if (WARN_ON_ONCE(!len || head > psize))
		return SYNOD_PRING_NONE;
	sort(busy, nbusy, sizeof(*busy), busy_cmp, NULL);
	off = first_run(busy, nbusy, psize, head, len);
	if (off == SYNOD_PRING_NONE && head)
		off = first_run(busy, nbusy, psize, 0, len);
	return off;
}
