// SPDX-License-Identifier: GPL-2.0
/*
 * Landing buffers: a follower receives the bytes of a peer's PAYLOAD and
 * PIECE frames straight into a buffer of its payload store, and makes
 * them the payload's by swapping pages, not by copying (payload.h says
 * what a landing buffer is and why nothing else sees it).  One per peer,
 * taken when its first payload frame comes (replica_rx.c) and given back
 * when the volume goes down, after its links stopped (replica_ctl.c).
 * The replica's lock is held for every call here; the transport writes
 * into the buffer's bytes without it, which only its own rx work reads.
 */
#include <linux/bug.h>
#include <linux/minmax.h>

#include "payload.h"

/* Whether @p is a landing slot as synod_pay_land_take() left it. */
static bool land_slot_ok(const struct synod_pay *p)
{
	return p->used && !p->nseg && p->next == SYNOD_PAY_NONE &&
	       hlist_unhashed(&p->hash) && !p->pins && !p->lent && p->data;
}

/*
 * A free buffer as a landing slot, making room as a store does (a
 * sweep, growth from the pool with the store's gfp: nothing allocated
 * on the receive path).  Its index, or SYNOD_PAY_NONE if the store has
 * none: the caller's frames go on being copied.  Not a store (no ref,
 * no age): it is the one buffer the peer's frames land in, for good.
 */
u32 synod_pay_land_take(struct synod_paystore *ps,
			const struct synod_replica *core)
{
	struct synod_pay *p;

	if (!synod_pay_make_room(ps, core, 1))
		return SYNOD_PAY_NONE;
	p = &ps->pay[ps->free[--ps->nfree]];
	WARN_ON_ONCE(p->used || !p->data || p->pins || p->lent);
	p->used = true;
	p->nseg = 0;
	p->next = SYNOD_PAY_NONE;
	p->len = 0;
	p->ref = 0;
	p->senders = 0;
	p->durable = false;
	INIT_HLIST_NODE(&p->hash);
	return p - ps->pay;
}

/*
 * Landing slot @i back on the free stack: the transport no longer
 * writes into it (its links stopped).  Its bytes, unauthenticated,
 * are nobody's: the next store overwrites or copies over them.
 */
void synod_pay_land_give(struct synod_paystore *ps, u32 i)
{
	struct synod_pay *p;

	if (WARN_ON_ONCE(i >= SYNOD_PAY_COUNT))
		return;
	p = &ps->pay[i];
	if (WARN_ON_ONCE(!land_slot_ok(p)))
		return;
	p->used = false;
	ps->free[ps->nfree++] = i;
	WARN_ON_ONCE(ps->nfree > ps->backed);
}

/*
 * The buffer of chain @head that holds byte @off (a multiple of
 * SYNOD_PAY_BUF_BYTES) takes @land's page, and @land takes its: the
 * bytes just received into @land become the payload's without a copy.
 * Only if neither page is busy (a reader of either would see its bytes
 * change: a socket sending the old ones, payload.h) and the chain is
 * not lent; false otherwise, with nothing changed: the caller copies
 * from @land->data then.  Never a chain the journal or an apply may be
 * reading without the lock (durable, or pinned past the assembly's own
 * pin, payload_seg.c): its callers pass none, and a WARN says so should
 * one ever.  Sets no length.  Counted either way, for the volume's down
 * line.
 */
bool synod_pay_land_swap(struct synod_paystore *ps, struct synod_pay *head,
			 u32 off, struct synod_pay *land)
{
	struct synod_pay *p = head;
	u32 skip = off / SYNOD_PAY_BUF_BYTES;

	if (WARN_ON_ONCE(!land_slot_ok(land) || !head->used || !head->nseg ||
			 off % SYNOD_PAY_BUF_BYTES || skip >= head->nseg) ||
	    WARN_ON_ONCE(head->durable || READ_ONCE(head->pins) > 1))
		return false;
	while (p && skip--)
		p = synod_pay_next(ps, p);
	if (head->lent || WARN_ON_ONCE(!p || !p->data) ||
	    synod_pay_buf_busy(p) || synod_pay_buf_busy(land)) {
		ps->land_copied++;
		return false;
	}
	swap(p->data, land->data);
	ps->landed++;
	return true;
}
