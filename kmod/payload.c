// SPDX-License-Identifier: GPL-2.0
/*
 * Payload store: see payload.h for why it exists and how refs are named.
 */
#include <linux/gfp.h>
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "payload.h"

#define PAY_ORDER	get_order(SYNOD_PAYLOAD_MAX)

static struct hlist_head *pay_bucket(struct synod_paystore *ps, u64 ref)
{
	return &ps->hash[hash_64(ref, SYNOD_PAY_HASH_BITS)];
}

/*
 * Allocate every buffer now, so the write and receive paths never do.
 * Buffers are physically contiguous because the journal adds them to bios
 * as single pages runs, and compound pages because the transport sends
 * them by reference: a reference taken on any of its pages counts on the
 * buffer's first, which synod_pay_busy() reads.
 */
int synod_pay_init(struct synod_paystore *ps, u32 node)
{
	struct page *page;
	u32 i;

	BUILD_BUG_ON((SYNOD_LOG_MAX + SYNOD_P1_CHUNK) * SYNOD_BATCH_MAX +
		     SYNOD_PENDING_MAX + SYNOD_PAY_LEND_MAX >= SYNOD_PAY_COUNT);
	memset(ps, 0, sizeof(*ps));
	ps->reclaimed_at = U64_MAX;
	ps->pay = kvcalloc(SYNOD_PAY_COUNT, sizeof(*ps->pay), GFP_KERNEL);
	ps->free = kvcalloc(SYNOD_PAY_COUNT, sizeof(*ps->free), GFP_KERNEL);
	if (!ps->pay || !ps->free)
		goto fail;
	for (i = 0; i < SYNOD_PAY_COUNT; i++) {
		page = alloc_pages(GFP_KERNEL | __GFP_COMP, PAY_ORDER);
		if (!page)
			goto fail;
		ps->pay[i].data = page_address(page);
		ps->free[ps->nfree++] = SYNOD_PAY_COUNT - 1 - i;
	}
	/* Node in the top byte, a boot salt below: unique across restarts. */
	ps->salt = ((u64)(node + 1) << 56) |
		   ((get_random_u64() & 0xffffffull) << 32);
	return 0;
fail:
	synod_pay_exit(ps);
	return -ENOMEM;
}

void synod_pay_exit(struct synod_paystore *ps)
{
	u32 i;

	/*
	 * Only our reference: a socket that still holds a page (one lost
	 * peer's, closing) frees it when it lets go.
	 */
	if (ps->pay)
		for (i = 0; i < SYNOD_PAY_COUNT; i++)
			if (ps->pay[i].data)
				put_page(virt_to_page(ps->pay[i].data));
	kvfree(ps->pay);
	kvfree(ps->free);
	ps->pay = NULL;
	ps->free = NULL;
}

/* The buffer holding @ref, or NULL. */
struct synod_pay *synod_pay_find(struct synod_paystore *ps, u64 ref)
{
	struct synod_pay *p;

	hlist_for_each_entry(p, pay_bucket(ps, ref), hash)
		if (p->ref == ref)
			return p;
	return NULL;
}

/* A ref nobody has used: this node, this boot, the next counter value. */
u64 synod_pay_new_ref(struct synod_paystore *ps)
{
	if (++ps->next == 0)	/* 2^32 writes in one boot: new salt */
		ps->salt = (ps->salt & (0xffull << 56)) |
			   ((get_random_u64() & 0xffffffull) << 32);
	return ps->salt | ps->next;
}

/* @p is held (or announced) now: its age starts again. */
void synod_pay_seen(struct synod_paystore *ps, struct synod_pay *p)
{
	p->seen = ps->stores;
}

/* @ref is held by the core or a pass: kept by this sweep, aged anew. */
static void mark_ref(struct synod_paystore *ps, u64 ref)
{
	struct synod_pay *p = synod_pay_find(ps, ref);

	if (p) {
		synod_pay_seen(ps, p);
		p->held = ps->sweeps;
	}
}

/*
 * Free the buffers this sweep found unheld, unpinned and not lent (nor
 * held by anyone else, synod_pay_busy()), only the old ones unless @all.
 */
static void free_unheld(struct synod_paystore *ps, bool all)
{
	struct synod_pay *p;
	u32 i;

	for (i = 0; i < SYNOD_PAY_COUNT; i++) {
		p = &ps->pay[i];
		if (!p->used || p->held == ps->sweeps || p->pins ||
		    (!all && ps->stores - p->seen < SYNOD_PAY_FRESH) ||
		    p->lent || synod_pay_busy(p))
			continue;
		hlist_del(&p->hash);
		p->used = false;
		ps->free[ps->nfree++] = i;
		ps->swept++;
	}
}

/*
 * Take back every lent buffer the network no longer holds: its sockets
 * have had the bytes acknowledged, or were reset.  O(SYNOD_PAY_LEND_MAX).
 */
static void reclaim_lent(struct synod_paystore *ps)
{
	struct synod_pay *p;
	u32 i, kept = 0;

	for (i = 0; i < ps->nlent; i++) {
		p = &ps->pay[ps->lent_idx[i]];
		if (WARN_ON_ONCE(!p->lent) || !synod_pay_busy(p))
			p->lent = false;
		else
			ps->lent_idx[kept++] = ps->lent_idx[i];
	}
	ps->nlent = kept;
}

/*
 * May @p be sent by reference (queue_page())?  Yes if it is lent already
 * or can be now: fewer than SYNOD_PAY_LEND_MAX are, perhaps after taking
 * back those the network let go of.  No for small payloads (a copy is
 * cheaper) and at the cap: the caller copies then.  The replica's lock
 * held, as for every store call.
 */
bool synod_pay_lend(struct synod_paystore *ps, struct synod_pay *p)
{
	if (p->len < SYNOD_PAY_LEND_MIN)
		return false;
	if (p->lent)
		return true;
	/* at the cap, look again once per buffer stored, not per send */
	if (ps->nlent == SYNOD_PAY_LEND_MAX && ps->reclaimed_at != ps->stores) {
		reclaim_lent(ps);
		ps->reclaimed_at = ps->stores;
	}
	if (ps->nlent == SYNOD_PAY_LEND_MAX) {
		ps->lend_full++;
		return false;
	}
	WARN_ON_ONCE(!p->used);
	p->lent = true;
	ps->lent_idx[ps->nlent++] = p - ps->pay;
	ps->lends++;
	return true;
}

static void mark_entry(struct synod_paystore *ps, const struct synod_entry *e)
{
	u32 i;

	if (e->kind != SYNOD_ENTRY_WRITE)
		return;
	for (i = 0; i < e->nwrites && i < SYNOD_BATCH_MAX; i++)
		mark_ref(ps, e->w[i].ref);
}

/*
 * Free every buffer the core no longer refers to and that is older than
 * SYNOD_PAY_FRESH stores; if that frees nothing and nothing is free,
 * every buffer nothing holds (payload.h).  Cost: one hash lookup per ref
 * the core holds.
 */
void synod_pay_sweep(struct synod_paystore *ps,
		     const struct synod_replica *core)
{
	u32 i;

	ps->sweeps++;
	ps->swept_at = ps->stores;
	reclaim_lent(ps);
	for (i = 0; i < SYNOD_LOG_MAX; i++)
		if (core->log[i].e.slot)
			mark_entry(ps, &core->log[i].e);
	for (i = 0; i < SYNOD_P1_CHUNK; i++)
		mark_entry(ps, &core->recov[i]);
	for (i = 0; ps->outbox && i < ps->outbox->npersist &&
		    i < SYNOD_OUT_PERSIST_MAX; i++)
		if (ps->outbox->persist[i].kind == SYNOD_PERSIST_ENTRY)
			mark_entry(ps, &ps->outbox->persist[i].e);
	for (i = 0; i < SYNOD_PENDING_MAX; i++)
		mark_ref(ps, core->pend[i].ref);
	for (i = 0; ps->gathered && i < *ps->ngathered; i++)
		mark_ref(ps, ps->gathered[i].ref);
	free_unheld(ps, false);
	if (!ps->nfree)
		free_unheld(ps, true);
	WARN_ON_ONCE(ps->nfree > SYNOD_PAY_COUNT);
}

/*
 * A buffer for @ref: the existing one if @ref is known (the same ref is
 * the same data), else a free one, sweeping first when few are left.
 * NULL when the store is exhausted; the caller drops the frame or retries.
 */
struct synod_pay *synod_pay_store(struct synod_paystore *ps, u64 ref,
				  const struct synod_replica *core)
{
	struct synod_pay *p = synod_pay_find(ps, ref);

	if (p)
		return p;	/* the caller says whether it is fresh again */
	/*
	 * Sweep when a quarter is left, but not at every store: a sweep
	 * frees only what has aged since, so one right after another costs
	 * a pass over the store and frees nothing new.
	 */
	if (!ps->nfree || (ps->nfree < SYNOD_PAY_COUNT / 4 &&
			   ps->stores - ps->swept_at >= SYNOD_PAY_FRESH / 4))
		synod_pay_sweep(ps, core);
	if (!ps->nfree) {
		ps->exhausted++;
		return NULL;
	}
	p = &ps->pay[ps->free[--ps->nfree]];
	WARN_ON_ONCE(p->used);
	p->used = true;
	p->ref = ref;
	p->len = 0;
	p->senders = 0;
	p->durable = false;
	WARN_ON_ONCE(p->pins || p->lent);
	ps->stores++;
	synod_pay_seen(ps, p);
	hlist_add_head(&p->hash, pay_bucket(ps, ref));
	return p;
}
