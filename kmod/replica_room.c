// SPDX-License-Identifier: GPL-2.0
/*
 * A follower's journal room past a slot it lacks (the rule:
 * kmod/core/room.c).  Its journal frees only records of applied slots,
 * so records accepted past a hole stay until the hole is filled; under
 * 1 MiB writes they filled the payload ring and the follower fenced
 * "journal full" (engine.bats, 1 run in 6 at queue depth 4).  Here the
 * glue measures what the core cannot: the bytes of each entry's journal
 * record in the payload ring, from its payloads' lengths in the store,
 * and the room, the ring less two records of the volume's largest (the
 * hole's own and the skip where a record would pass the ring's end,
 * journal.c plan_pring()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "replica.h"
#include "journal.h"

/*
 * Payload ring bytes the journal record of entry @e takes, as the
 * journal places it (0 where its payloads fit its slot).  Its payloads
 * are in the store: the receive path checked the message's, and the
 * sweep keeps every payload the log names past the applied index.
 */
static u32 room_need(void *ctx, const struct synod_entry *e)
{
	struct synod_repl *r = ctx;
	const struct synod_pay *pay;
	u32 k, len = 0;

	if (e->kind != SYNOD_ENTRY_WRITE)
		return 0;
	for (k = 0; k < e->nwrites && k < SYNOD_BATCH_MAX; k++) {
		pay = synod_pay_find(&r->pay, e->w[k].ref);
		if (pay)
			len += pay->len;
	}
	return synod_journal_pring_need(r->journal, len);
}

/*
 * Drop from @m (before the core steps it) the entries past the log's
 * first hole that the journal's payload ring cannot hold; counted, and
 * logged (ratelimited) with the hole.  Under the lock: one walk of the
 * slots past the chosen prefix per message with entries, and of the log
 * past the applied index only when an entry lies past a hole.
 */
void synod_room_filter_msg(struct synod_repl *r, struct synod_msg *m)
{
	u64 psize = synod_journal_pring_size(r->journal), reserve, hole, held;
	u32 dropped;

	lockdep_assert_held(&r->lock);
	if (!psize)
		return;		/* format 1: records hold their payloads */
	reserve = 2ull * synod_journal_pring_need(r->journal,
			SYNOD_JREC_PAYLEN_MAX(synod_repl_write_max(r)));
	SYNOD_CORE(r, dropped = synod_room_filter(&r->core, m,
			psize > reserve ? psize - reserve : 0,
			room_need, r, &hole, &held));
	if (!dropped)
		return;
	r->room_refused += dropped;
	pr_info_ratelimited("%s: slot %llu missing, %llu KiB of the journal's payload ring held past it: %u entr%s refused until it is filled\n",
			    r->vol->name, hole, held >> 10, dropped,
			    dropped == 1 ? "y" : "ies");
}
