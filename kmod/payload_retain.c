// SPDX-License-Identifier: GPL-2.0
/*
 * What the log may retain of the payload store (large requests S4b,
 * payload.h SYNOD_RETAIN_BYTES): the slot up to which the glue lets the
 * core shed its log (replica_ckpt.c, synod_ckpt_retain()).  Apart from
 * replica_ckpt.c so that KUnit can test the counting on a store of its
 * own (kunit/retain_kunit.c) without a whole replica.
 */
#include "payload.h"

/*
 * The newest slot of @c's log to shed so that the applied slots
 * [log_base, applied] name at most @limit bytes of payloads in chains,
 * 0 if none: newest first, the older ones at or below applied_durable
 * go (those above it are not durable yet: at most a checkpoint's worth,
 * SYNOD_CHECKPOINT_BYTES <= SYNOD_RETAIN_BYTES, synod_ckpt_init()).
 * Only chains count (payloads over one buffer: large requests): the
 * SYNOD_LOG_MAX slots of one-buffer writes fit the store by themselves
 * (payload.c), and a volume of small writes keeps its whole log for a
 * lagging voter, as before large requests.  One hash lookup per write
 * the log names: at most SYNOD_LOG_MAX x SYNOD_BATCH_MAX.
 */
static u64 retain_upto(struct synod_paystore *ps,
		       const struct synod_replica *c, u64 limit)
{
	const struct synod_slot *sl;
	struct synod_pay *p;
	u64 s, held = 0;
	u32 k;

	for (s = c->applied; s >= c->log_base && s; s--) {
		sl = &c->log[s & (SYNOD_LOG_MAX - 1)];
		if (sl->e.slot != s || sl->e.kind != SYNOD_ENTRY_WRITE)
			continue;
		for (k = 0; k < sl->e.nwrites && k < SYNOD_BATCH_MAX; k++) {
			p = synod_pay_find(ps, sl->e.w[k].ref);
			if (p && p->nseg > 1)
				held += (u64)p->nseg * SYNOD_PAY_BUF_BYTES;
		}
		if (held > limit)
			return min(s, c->applied_durable);
	}
	return 0;
}

/*
 * The newest slot of @c's log the glue sheds now (synod_replica_shed()),
 * 0 for none: nothing while the store holds SYNOD_RETAIN_SHED_USED
 * buffers or fewer; else what keeps the chains the applied slots name
 * within SYNOD_RETAIN_BYTES, but not past @spare (the newest slot no
 * recent fetcher needs, synod_replica_fetch_spare(); ~0 if none) unless
 * even SYNOD_RETAIN_SPARE_BYTES more is past the bound.  Reads the log
 * and the store only: under the replica's lock.
 */
u64 synod_pay_shed_upto(struct synod_paystore *ps,
			const struct synod_replica *c, u64 spare)
{
	u64 upto;

	if (WARN_ON_ONCE(c->applied_durable > c->applied) ||
	    synod_pay_used(ps) <= SYNOD_RETAIN_SHED_USED)
		return 0;
	upto = retain_upto(ps, c, SYNOD_RETAIN_BYTES);
	if (upto > spare)
		upto = max(spare, retain_upto(ps, c, SYNOD_RETAIN_BYTES +
					      SYNOD_RETAIN_SPARE_BYTES));
	WARN_ON_ONCE(upto > c->applied_durable);
	return upto;
}
