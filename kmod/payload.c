// SPDX-License-Identifier: GPL-2.0
/*
 * Payload store: see payload.h for why it exists and how refs are named.
 */
#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "admit.h"
#include "payload.h"

static struct hlist_head *pay_bucket(struct synod_paystore *ps, u64 ref)
{
	return &ps->hash[hash_64(ref, SYNOD_PAY_HASH_BITS)];
}

/*
 * Back the top bare slot with @data (a buffer of ours) and make it free.
 * false if @data is NULL.
 */
static bool back_slot(struct synod_paystore *ps, void *data)
{
	u32 i;

	if (!data || WARN_ON_ONCE(!ps->nbare)) {
		synod_paypool_free(data);
		return false;
	}
	i = ps->bare[--ps->nbare];
	WARN_ON_ONCE(ps->pay[i].data || ps->pay[i].used);
	ps->pay[i].data = data;
	ps->free[ps->nfree++] = i;
	ps->backed++;
	ps->peak = max(ps->peak, ps->backed);
	return true;
}

/*
 * Take slot @i's memory away: back to the pool, or only our reference
 * dropped if something still refers to its pages (a socket letting go
 * late frees them; the pool never hands such pages out).
 */
static void unback_slot(struct synod_paystore *ps, u32 i)
{
	struct synod_pay *p = &ps->pay[i];

	WARN_ON_ONCE(!p->data || !ps->backed);
	if (synod_pay_buf_busy(p))
		synod_paypool_free(p->data);
	else
		synod_paypool_give(ps->pool, p->data);
	p->data = NULL;
	ps->backed--;
}

/*
 * Up to @n more free buffers from the pool, fewer if it has none to
 * spare now (then the store sweeps, and is backpressure when that frees
 * nothing: the refill is on its way).
 */
static void grow(struct synod_paystore *ps, u32 n)
{
	while (n-- && ps->nbare &&
	       back_slot(ps, synod_paypool_take(ps->pool, ps->gfp)))
		ps->grown++;
}

/*
 * A store with SYNOD_PAY_FLOOR buffers, which may grow to SYNOD_PAY_COUNT
 * from @pool, where it reserves as many: -ENOSPC if the host's bound
 * leaves no room for that (too many volumes for payload_pool_mb),
 * -ENOMEM.  The floor is allocated now (may sleep), not on the I/O path.
 */
int synod_pay_init(struct synod_paystore *ps, u32 node,
		   struct synod_paypool *pool)
{
	u32 i;
	int err;

	/* and one landing buffer per peer (payload_land.c) */
	BUILD_BUG_ON((SYNOD_LOG_MAX + SYNOD_P1_CHUNK) * SYNOD_BATCH_MAX +
		     SYNOD_PENDING_MAX + SYNOD_PAY_LEND_MAX + SYNOD_NODES_MAX >=
		     SYNOD_PAY_COUNT);
	/*
	 * The same in bytes, with large writes (payload.h): whatever is in
	 * flight, what the log retains, what sockets hold.  A sweep that
	 * would leave nothing free frees young buffers, so SYNOD_PAY_FRESH
	 * stays a soft reserve there.  What the log retains of applied
	 * slots is held to SYNOD_RETAIN_BYTES after every checkpoint and
	 * every quarter of it landed (synod_ckpt_retain(), payload.h),
	 * whoever lags, as far as slots at or below the checkpoint can
	 * go: those past it are at most a checkpoint's worth, no more
	 * than the bound (synod_ckpt_init()).  And the landing buffers.
	 */
	BUILD_BUG_ON((u64)SYNOD_ADMIT_BYTES + SYNOD_RETAIN_BYTES +
		     (u64)(SYNOD_PAY_LEND_MAX + SYNOD_NODES_MAX) *
		     SYNOD_PAY_BUF_BYTES >
		     (u64)SYNOD_PAY_COUNT * SYNOD_PAY_BUF_BYTES);
	BUILD_BUG_ON((u64)SYNOD_WINDOW_BYTES + SYNOD_RETAIN_BYTES +
		     (u64)(SYNOD_PAY_LEND_MAX + SYNOD_NODES_MAX) *
		     SYNOD_PAY_BUF_BYTES >
		     (u64)SYNOD_PAY_COUNT * SYNOD_PAY_BUF_BYTES);
	/* the largest write fits what is in flight, alone or not */
	BUILD_BUG_ON(SYNOD_PAY_BYTES_MAX > SYNOD_ADMIT_BYTES ||
		     SYNOD_PAY_BYTES_MAX > SYNOD_WINDOW_BYTES);
	BUILD_BUG_ON(SYNOD_PAY_FLOOR > SYNOD_PAY_COUNT ||
		     SYNOD_PAY_LOW + SYNOD_PAY_GROW > SYNOD_PAY_COUNT);
	/* a store at its floor lends some; a full one, the whole cap */
	BUILD_BUG_ON(SYNOD_PAY_FLOOR / 2 == 0 ||
		     2 * SYNOD_PAY_LEND_MAX > SYNOD_PAY_COUNT);
	/*
	 * The journal's records, the apply's vectors and the payload
	 * frames still carry SYNOD_PAYLOAD_MAX at most, so every payload of
	 * the I/O path is one buffer; only tests store chains (payload.h).
	 */
	BUILD_BUG_ON(SYNOD_PAYLOAD_MAX != SYNOD_PAY_BUF_BYTES);
	/* a lent chain fits the cap of a full store */
	BUILD_BUG_ON(SYNOD_PAY_SEGS_MAX > SYNOD_PAY_LEND_MAX);
	memset(ps, 0, sizeof(*ps));
	err = synod_paypool_reserve(pool, SYNOD_PAY_COUNT);
	if (err)
		return err;
	ps->pool = pool;
	ps->reclaimed_at = U64_MAX;
	ps->pay = kvcalloc(SYNOD_PAY_COUNT, sizeof(*ps->pay), GFP_KERNEL);
	ps->free = kvcalloc(SYNOD_PAY_COUNT, sizeof(*ps->free), GFP_KERNEL);
	ps->bare = kvcalloc(SYNOD_PAY_COUNT, sizeof(*ps->bare), GFP_KERNEL);
	if (!ps->pay || !ps->free || !ps->bare)
		goto fail;
	/* the lowest slots first, so a small store is a dense one */
	for (i = 0; i < SYNOD_PAY_COUNT; i++) {
		ps->bare[ps->nbare++] = SYNOD_PAY_COUNT - 1 - i;
		ps->pay[i].next = SYNOD_PAY_NONE;
	}
	/* the floor is ours: allocated now, the spares left for bursts */
	for (i = 0; i < SYNOD_PAY_FLOOR; i++)
		if (!back_slot(ps, synod_paypool_alloc(GFP_KERNEL)))
			goto fail;
	/* Node in the top byte, a boot salt below: unique across restarts. */
	ps->salt = ((u64)(node + 1) << 56) |
		   ((get_random_u64() & 0xffffffull) << 32);
	return 0;
fail:
	synod_pay_exit(ps);
	return -ENOMEM;
}

/*
 * Every buffer back to the pool but those of pinned chains: a journal
 * or data-area bio may still read them.  Returns how many were kept
 * (synod_pay_exit() warns: nothing is pinned once the volume is down).
 */
u32 synod_pay_unback_all(struct synod_paystore *ps)
{
	DECLARE_BITMAP(keep, SYNOD_PAY_COUNT);
	const struct synod_pay *p;
	u32 i, n, kept = 0;

	if (!ps->pay)
		return 0;
	/* pins are on heads: a pinned chain keeps all its buffers */
	bitmap_zero(keep, SYNOD_PAY_COUNT);
	for (i = 0; i < SYNOD_PAY_COUNT; i++) {
		p = &ps->pay[i];
		if (!p->used || !p->nseg || !p->pins)
			continue;
		for (n = 0; p && n < ps->pay[i].nseg;
		     n++, p = synod_pay_next(ps, p))
			__set_bit(p - ps->pay, keep);
	}
	for (i = 0; i < SYNOD_PAY_COUNT; i++) {
		if (!ps->pay[i].data)
			continue;
		if (test_bit(i, keep))
			kept++;
		else
			unback_slot(ps, i);
	}
	return kept;
}

/* Every buffer back to the pool, and the reservation. */
void synod_pay_exit(struct synod_paystore *ps)
{
	if (!ps->pool)
		return;
	/*
	 * Buffers kept (pinned: a bio may read them) leak with the
	 * reservation given back: only on a path that is buggy already.
	 */
	if (!WARN_ON_ONCE(synod_pay_unback_all(ps)))
		WARN_ON_ONCE(ps->backed);
	synod_paypool_unreserve(ps->pool, SYNOD_PAY_COUNT);
	ps->pool = NULL;
	kvfree(ps->pay);
	kvfree(ps->free);
	kvfree(ps->bare);
	ps->pay = NULL;
	ps->free = NULL;
	ps->bare = NULL;
}

/* The head of the chain holding @ref, or NULL. */
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
 * Something besides the store holds the pages of a buffer of chain
 * @head: the network may hold any of them (a frame's pages go out in
 * order, and a retransmission may be of any part).
 */
bool synod_pay_busy(struct synod_paystore *ps, const struct synod_pay *head)
{
	const struct synod_pay *p = head;
	u32 n;

	WARN_ON_ONCE(!head->nseg || head->nseg > SYNOD_PAY_SEGS_MAX);
	for (n = 0; p && n < head->nseg; n++, p = synod_pay_next(ps, p))
		if (synod_pay_buf_busy(p))
			return true;
	return false;
}

/*
 * Buffer @head and the rest of its chain back on the free stack.  The
 * head leaves the hash first, if it is there (a chain swapped out or
 * given up, synod_pay_swap(), is not): nothing finds the chain meanwhile.
 */
static void free_chain(struct synod_paystore *ps, struct synod_pay *head)
{
	struct synod_pay *p = head, *next;
	u32 n = head->nseg;

	if (!hlist_unhashed(&head->hash))
		hlist_del_init(&head->hash);
	for (; p && n; n--, p = next) {
		next = synod_pay_next(ps, p);
		WARN_ON_ONCE(!p->used || (p != head && p->nseg));
		p->used = false;
		p->nseg = 0;
		p->next = SYNOD_PAY_NONE;
		ps->free[ps->nfree++] = p - ps->pay;
		ps->swept++;
	}
	WARN_ON_ONCE(n || p);	/* the chain was as long as nseg said */
}

/*
 * Free the chains this sweep found unheld, unpinned and not lent (nor
 * held by anyone else, synod_pay_busy()), only the old ones unless @all.
 * Only heads are looked at: a chain's other buffers go with it.
 */
static void free_unheld(struct synod_paystore *ps, bool all)
{
	struct synod_pay *p;
	u32 i;

	for (i = 0; i < SYNOD_PAY_COUNT; i++) {
		p = &ps->pay[i];
		if (!p->used || !p->nseg || p->held == ps->sweeps || p->pins ||
		    (!all && ps->stores - p->seen < SYNOD_PAY_FRESH) ||
		    p->lent || synod_pay_busy(ps, p))
			continue;
		free_chain(ps, p);
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
		if (WARN_ON_ONCE(!p->lent) || !synod_pay_busy(ps, p)) {
			p->lent = false;
			ps->lent_segs -= min(ps->lent_segs, p->nseg);
		} else {
			ps->lent_idx[kept++] = ps->lent_idx[i];
		}
	}
	ps->nlent = kept;
	WARN_ON_ONCE(!kept && ps->lent_segs);
}

/*
 * Buffers (not chains) that may be lent at once: half the store's
 * backed ones, at most SYNOD_PAY_LEND_MAX (payload.h says why).  A
 * trim may leave more lent than that (it gives back free buffers
 * only): nothing more is lent until the network lets go of enough.
 */
static u32 lend_cap(const struct synod_paystore *ps)
{
	return min(SYNOD_PAY_LEND_MAX, ps->backed / 2);
}

/*
 * May chain @p be sent by reference (queue_page())?  Yes if it is lent
 * already or can be now: its buffers fit under lend_cap() with those
 * lent, perhaps after taking back those the network let go of.  No for
 * small payloads (a copy is cheaper) and at the cap: the caller copies
 * then.  Never a buffer that is not a stored head: only a payload the
 * store holds may be lent, or the sweep could free it under a socket.
 * The replica's lock held, as for every store call.
 */
bool synod_pay_lend(struct synod_paystore *ps, struct synod_pay *p)
{
	/* not a stored head: a caller's bug (a copy goes instead) */
	if (WARN_ON_ONCE(!p->used || !p->nseg))
		return false;
	if (p->len < SYNOD_PAY_LEND_MIN)
		return false;
	if (p->lent)
		return true;
	/* at the cap, look again once per payload stored, not per send */
	if (ps->lent_segs + p->nseg > lend_cap(ps) &&
	    ps->reclaimed_at != ps->stores) {
		reclaim_lent(ps);
		ps->reclaimed_at = ps->stores;
	}
	if (ps->lent_segs + p->nseg > lend_cap(ps) ||
	    WARN_ON_ONCE(ps->nlent >= SYNOD_PAY_LEND_MAX)) {
		ps->lend_full++;
		return false;
	}
	p->lent = true;
	ps->lent_idx[ps->nlent++] = p - ps->pay;
	ps->lent_segs += p->nseg;
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
 * Free every chain the core no longer refers to and that is older than
 * SYNOD_PAY_FRESH stores (or young too, if @all); if that leaves fewer
 * than @need buffers free, every chain nothing holds (payload.h).
 * Cost: one hash lookup per ref the core holds.
 */
static void sweep(struct synod_paystore *ps, const struct synod_replica *core,
		  bool all, u32 need)
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
	/* the queued ones only: the ring keeps refs of writes long gone */
	for (i = 0; i < core->npend && i < SYNOD_PENDING_MAX; i++)
		mark_ref(ps, core->pend[(core->pend_head + i) %
				       SYNOD_PENDING_MAX].ref);
	for (i = 0; ps->gathered && i < *ps->ngathered; i++)
		mark_ref(ps, ps->gathered[i].ref);
	free_unheld(ps, all);
	if (ps->nfree < need)
		free_unheld(ps, true);
	WARN_ON_ONCE(ps->nfree > ps->backed);
}

void synod_pay_sweep(struct synod_paystore *ps,
		     const struct synod_replica *core)
{
	sweep(ps, core, false, 1);
}

/*
 * Called at every tick of the replica, its lock held: true once the
 * store has stored nothing for SYNOD_PAY_IDLE_TRIMS ticks and holds more
 * than its floor, and then again every SYNOD_PAY_IDLE_TRIMS ticks while
 * it stays idle.  The caller lets the core forget what it no longer
 * needs (its log names the payloads of the last slots) and trims.
 */
bool synod_pay_trim_due(struct synod_paystore *ps)
{
	if (ps->stores != ps->trim_stores) {
		ps->trim_stores = ps->stores;
		ps->idle = 0;
		return false;
	}
	if (++ps->idle < SYNOD_PAY_IDLE_TRIMS || ps->backed <= SYNOD_PAY_FLOOR)
		return false;
	ps->idle = 0;
	return true;
}

/*
 * Give the pool every buffer beyond the floor that nothing needs: a
 * sweep that frees young buffers too (payload frames do not wait
 * seconds for their message; a resend brings them), then free buffers
 * off the stack.  Idle volumes pin only their floors; the next burst
 * grows again.  The replica's lock held.
 */
void synod_pay_trim(struct synod_paystore *ps,
		    const struct synod_replica *core)
{
	u32 i;

	sweep(ps, core, true, 1);
	while (ps->backed > SYNOD_PAY_FLOOR && ps->nfree) {
		i = ps->free[--ps->nfree];
		unback_slot(ps, i);
		ps->bare[ps->nbare++] = i;
		ps->trimmed++;
	}
	WARN_ON_ONCE(ps->nfree + ps->nbare > SYNOD_PAY_COUNT);
}

/*
 * Make @need buffers free if the store can: sweep first when few are
 * left (what has aged is reused, so a steady load keeps a steady
 * store), but not at every store: a sweep frees only what has aged
 * since, so one right after another costs a pass over the store and
 * frees nothing new.  Then grow.  Short after both: sweep the young ones
 * too (sweep()).  For one buffer exactly as before chains were.  Also
 * how a landing buffer is had (payload_land.c).
 */
bool synod_pay_make_room(struct synod_paystore *ps,
			 const struct synod_replica *core, u32 need)
{
	if (ps->nfree < SYNOD_PAY_LOW + need - 1 &&
	    ps->stores - ps->swept_at >= SYNOD_PAY_FRESH / 4)
		sweep(ps, core, false, need);
	if (ps->nfree < SYNOD_PAY_LOW + need - 1)
		grow(ps, SYNOD_PAY_GROW + need - 1);
	if (ps->nfree < need)
		sweep(ps, core, false, need);
	return ps->nfree >= need;
}

/* Take a free buffer off the stack as a part of a chain. */
static struct synod_pay *take_free(struct synod_paystore *ps)
{
	struct synod_pay *p = &ps->pay[ps->free[--ps->nfree]];

	WARN_ON_ONCE(p->used || !p->data || p->pins || p->lent);
	p->used = true;
	p->nseg = 0;
	p->next = SYNOD_PAY_NONE;
	p->len = 0;
	return p;
}

/*
 * A chain for @ref of @bytes (0 counts as one buffer) that the hash
 * does not know: as many free buffers as @bytes needs, all of them or
 * none (payload.h), making room as a store does (a sweep, growth from
 * the pool with the store's gfp: nothing allocated on the receive
 * path).  NULL when the store cannot have them, or @bytes is beyond
 * SYNOD_PAY_BYTES_MAX.  synod_pay_store() hashes it at once; the
 * proposer's pieces put together apart from the copy held under the
 * same ref (replica_piece.c) wait for synod_pay_swap() or
 * synod_pay_drop().  Nothing finds it by its ref meanwhile, so no sweep
 * marks it: its owner pins it.
 */
struct synod_pay *synod_pay_store_fresh(struct synod_paystore *ps, u64 ref,
					u32 bytes,
					const struct synod_replica *core)
{
	u32 need = synod_pay_nbufs(bytes), n;
	struct synod_pay *p, *q;

	if (WARN_ON_ONCE(bytes > SYNOD_PAY_BYTES_MAX))
		return NULL;
	if (!synod_pay_make_room(ps, core, need)) {
		ps->exhausted++;
		return NULL;
	}
	p = take_free(ps);
	for (q = p, n = 1; n < need; n++) {
		q->next = ps->free[ps->nfree - 1];
		q = take_free(ps);
	}
	INIT_HLIST_NODE(&p->hash);
	p->nseg = need;
	p->ref = ref;
	p->senders = 0;
	p->durable = false;
	ps->stores++;
	synod_pay_seen(ps, p);
	WARN_ON_ONCE(p->pins || p->lent);
	return p;
}

/*
 * A payload for @ref of @bytes: the existing chain if @ref is known (the
 * same ref is the same data; the caller checks its length), else a
 * fresh one (synod_pay_store_fresh()), hashed under @ref.  NULL when
 * the store cannot have it; the caller drops the frame or retries.
 */
struct synod_pay *synod_pay_store(struct synod_paystore *ps, u64 ref,
				  u32 bytes, const struct synod_replica *core)
{
	struct synod_pay *p = synod_pay_find(ps, ref);

	if (p)
		return p;	/* the caller says whether it is fresh again */
	p = synod_pay_store_fresh(ps, ref, bytes, core);
	if (p)
		hlist_add_head(&p->hash, pay_bucket(ps, ref));
	return p;
}

/*
 * Chain @fresh, whole and unpinned, the hash did not know
 * (synod_pay_store_fresh()), is payload @fresh->ref now, in place of
 * @old (NULL: none held any more).  @old's bytes do not change (a
 * socket or a reader may still have them), but nothing finds it by its
 * ref: it is aged at once, and the next sweep frees it unless it is
 * lent or busy then.  The caller checked that @old may go: not durable,
 * not pinned (replica_piece.c).
 */
void synod_pay_swap(struct synod_paystore *ps, struct synod_pay *old,
		    struct synod_pay *fresh)
{
	WARN_ON_ONCE(!hlist_unhashed(&fresh->hash) || fresh->pins ||
		     !fresh->used || !fresh->nseg);
	if (old) {
		WARN_ON_ONCE(old->ref != fresh->ref || old->pins ||
			     old->durable);
		hlist_del_init(&old->hash);
		old->seen = ps->stores - SYNOD_PAY_FRESH;
	}
	hlist_add_head(&fresh->hash, pay_bucket(ps, fresh->ref));
	synod_pay_seen(ps, fresh);
}

/*
 * Give up chain @fresh, which the hash does not know and nothing else
 * holds (never lent, unpinned): its buffers are free again at once.
 */
void synod_pay_drop(struct synod_paystore *ps, struct synod_pay *fresh)
{
	if (WARN_ON_ONCE(!hlist_unhashed(&fresh->hash) || fresh->pins ||
			 fresh->lent || !fresh->used || !fresh->nseg))
		return;
	free_chain(ps, fresh);
}

/*
 * Copy @len bytes from @src to payload @head at byte @off, across its
 * buffers.  The chain must be long enough (synod_pay_store() of at
 * least off + len bytes).  Sets no length: the caller does.
 */
void synod_pay_copy_in(struct synod_paystore *ps, struct synod_pay *head,
		       u32 off, const void *src, u32 len)
{
	struct synod_pay *p = head;
	u32 skip = off / SYNOD_PAY_BUF_BYTES, at, n;

	if (WARN_ON_ONCE((u64)off + len >
			 (u64)head->nseg * SYNOD_PAY_BUF_BYTES))
		return;
	while (p && skip--)
		p = synod_pay_next(ps, p);
	at = off % SYNOD_PAY_BUF_BYTES;
	for (; p && len; p = synod_pay_next(ps, p), at = 0) {
		n = min(len, SYNOD_PAY_BUF_BYTES - at);
		memcpy(p->data + at, src, n);
		src += n;
		len -= n;
	}
	WARN_ON_ONCE(len);
}

/* Whether payload @head holds exactly the @len bytes at @src. */
bool synod_pay_equal(struct synod_paystore *ps, const struct synod_pay *head,
		     const void *src, u32 len)
{
	const struct synod_pay *p = head;
	u32 i, n;

	if (head->len != len)
		return false;
	for (i = 0; p && len; i++, p = synod_pay_next(ps, p)) {
		n = synod_pay_seg_len(head, i);
		if (memcmp(p->data, src, n))
			return false;
		src += n;
		len -= n;
	}
	return !len;
}

/*
 * Whether the @len bytes at byte @off of chain @head are those at @src
 * (a piece compared with a payload held whole, replica_piece.c): false
 * past the chain's length too.
 */
bool synod_pay_equal_at(struct synod_paystore *ps,
			const struct synod_pay *head, u32 off, const void *src,
			u32 len)
{
	const struct synod_pay *p = head;
	u32 skip = off / SYNOD_PAY_BUF_BYTES, at, n;

	if ((u64)off + len > head->len)
		return false;
	while (p && skip--)
		p = synod_pay_next(ps, p);
	at = off % SYNOD_PAY_BUF_BYTES;
	for (; p && len; p = synod_pay_next(ps, p), at = 0) {
		n = min(len, SYNOD_PAY_BUF_BYTES - at);
		if (memcmp(p->data + at, src, n))
			return false;
		src += n;
		len -= n;
	}
	return !len;
}

/*
 * Whether whole chains @x and @y hold the same bytes (the proposer's
 * pieces, put together apart, and a copy held, replica_piece.c).
 */
bool synod_pay_chains_equal(struct synod_paystore *ps,
			    const struct synod_pay *x, const struct synod_pay *y)
{
	const struct synod_pay *p = y;
	u32 i;

	if (x->len != y->len)
		return false;
	for (i = 0; p && i < y->nseg; i++, p = synod_pay_next(ps, p))
		if (!synod_pay_equal_at(ps, x, i * SYNOD_PAY_BUF_BYTES, p->data,
					synod_pay_seg_len(y, i)))
			return false;
	return true;
}

/*
 * Why the payload @pay held under a ref is kept against other bytes
 * from peer @from, @busy if the network holds its pages: NULL if
 * @from's bytes may take its place (the proposer's last word,
 * payload.h).  Bytes a journal record of ours holds never change
 * (recovery replays them), nor pinned ones (a bio, or another peer's
 * pieces being compared, may be reading them), nor busy ones (a socket
 * may still be sending them on to another peer: its later resend wins);
 * only the ref's proposer (its top byte) displaces a copy that other
 * peers sent.  Both receive paths ask (replica_rx.c, replica_piece.c).
 */
const char *synod_pay_kept_why(const struct synod_pay *pay, u32 from,
			       bool busy)
{
	if (pay->durable)
		return "in the journal";
	if (pay->pins)
		return "being written";
	if (busy)
		return "being sent";
	if ((pay->ref >> 56) != from + 1)
		return "not its proposer";
	if (!pay->senders)
		return "no sender";	/* held, but sent by nobody */
	return NULL;
}

/*
 * The buffers of chain @head past its first @keep back on the free
 * stack: nothing reads them (the caller checked), so they are reused
 * at once, and a lent chain's count of lent buffers shrinks with it.
 */
static void cut_chain(struct synod_paystore *ps, struct synod_pay *head,
		      u32 keep)
{
	struct synod_pay *p = head, *next;
	u32 n;

	for (n = 1; p && n < keep; n++)
		p = synod_pay_next(ps, p);
	if (WARN_ON_ONCE(!p))
		return;
	next = synod_pay_next(ps, p);
	p->next = SYNOD_PAY_NONE;
	for (n = keep; next && n < head->nseg; n++) {
		p = next;
		next = synod_pay_next(ps, p);
		WARN_ON_ONCE(!p->used || p->nseg);
		p->used = false;
		p->next = SYNOD_PAY_NONE;
		ps->free[ps->nfree++] = p - ps->pay;
	}
	WARN_ON_ONCE(n != head->nseg || next);
	if (head->lent)
		ps->lent_segs -= min(ps->lent_segs, head->nseg - keep);
	head->nseg = keep;
}

/*
 * Payload @head holds @len bytes now (its bytes copied in already):
 * false, and nothing changed, if its chain is too short for them.  A
 * chain longer than @len needs (the proposer's shorter bytes replaced
 * a longer copy, replica_rx.c) gives back the buffers past them: a
 * stored chain is always as long as its length needs
 * (synod_pay_nbufs()), which the journal's segments, the apply's
 * vectors and the send count on, and a 1 MiB chain cut to 16 KiB does
 * not keep 63 idle buffers until the sweep.  Only bytes nothing reads
 * may shrink: not pinned (a caller's bug: warns) and not busy, which a
 * transient page reference (payload.h) can make a chain at any time:
 * false then, with no warning, and the chain as it was.
 */
bool synod_pay_set_len(struct synod_paystore *ps, struct synod_pay *head,
		       u32 len)
{
	u32 keep = synod_pay_nbufs(len);

	if (WARN_ON_ONCE(!head->used || !head->nseg) ||
	    (u64)len > (u64)head->nseg * SYNOD_PAY_BUF_BYTES)
		return false;
	if (head->nseg > keep) {
		if (WARN_ON_ONCE(head->pins) || synod_pay_busy(ps, head))
			return false;
		cut_chain(ps, head, keep);
	}
	head->len = len;
	return true;
}

/*
 * @len bytes at @src replace payload @head's (its proposer's bytes,
 * replica_rx.c): the length first, so that a refusal (the chain too
 * short, or busy after all, synod_pay_set_len()) leaves the bytes and
 * the length as they were, never new bytes under the old length.
 * Returns whether they were taken.
 */
bool synod_pay_replace(struct synod_paystore *ps, struct synod_pay *head,
		       const void *src, u32 len)
{
	if (!synod_pay_set_len(ps, head, len))
		return false;
	synod_pay_copy_in(ps, head, 0, src, len);
	return true;
}
