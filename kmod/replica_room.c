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
 * journal_plan.c, synod_journal_plan()).  Bytes, not free runs: records
 * of mixed sizes freed out of order can leave free runs each too short
 * for the hole's record while the bytes held leave room (a known limit,
 * ondisk.rst).
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

	if (e->kind != SYNOD_ENTRY_WRITE)
		return 0;
	return synod_journal_pring_need(r->journal,
			(u32)synod_pay_entry_bytes(&r->pay, e));
}

/*
 * Ring bytes the journal holds that no checkpoint has freed: every
 * record queued since the last one (replica_ckpt.c, r->jheld: older
 * ballots' records and applied ones too, which only a checkpoint
 * frees), and the records the outputs not yet carried out will queue
 * (a run of frames leaves them in r->out until its end).
 */
static u64 room_held(struct synod_repl *r)
{
	const struct synod_out *o = &r->out;
	u64 held = r->jheld;
	u32 k;

	for (k = 0; k < o->npersist; k++)
		if (o->persist[k].kind == SYNOD_PERSIST_ENTRY)
			held += room_need(r, &o->persist[k].e);
	return held;
}

/*
 * Drop from @m (before the core steps it) the entries past the log's
 * first hole that the journal's payload ring cannot hold; counted, and
 * logged (ratelimited) with the hole.  The room is the ring less two
 * records of the volume's largest, and at most the leader's window of
 * bytes (SYNOD_WINDOW_BYTES): the payload store keeps what the log
 * names past the applied index, and a CATCHUP that fills the hole
 * needs buffers of its own (payload.h).  Under the lock, just before
 * the step: one walk of the slots in flight past the chosen prefix per
 * message with entries, and of the outputs pending when one lies past
 * a hole.
 */
void synod_room_filter_msg(struct synod_repl *r, struct synod_msg *m)
{
	u64 psize = synod_journal_pring_size(r->journal), reserve, room, hole;
	u32 dropped;

	lockdep_assert_held(&r->lock);
	if (!psize)
		return;		/* format 1: records hold their payloads */
	reserve = 2ull * synod_journal_pring_need(r->journal,
			SYNOD_JREC_PAYLEN_MAX(synod_repl_write_max(r)));
	room = psize > reserve ? psize - reserve : 0;
	room = min_t(u64, room, SYNOD_WINDOW_BYTES);
	SYNOD_CORE(r, dropped = synod_room_filter(&r->core, m, room,
			synod_log_first_hole(&r->core) ? room_held(r) : 0,
			room_need, r, &hole));
	if (!dropped)
		return;
	r->room_refused += dropped;
	pr_info_ratelimited("%s: slot %llu missing, the journal's payload ring full past it: %u entr%s refused until it is filled\n",
			    r->vol->name, hole, dropped,
			    dropped == 1 ? "y" : "ies");
}
