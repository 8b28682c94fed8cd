// SPDX-License-Identifier: GPL-2.0
/*
 * The host's pool of payload buffers: see paypool.h for why.
 */
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/mm.h>

#include "paypool.h"
#include "core/jrec.h"

#define PAY_ORDER	get_order(SYNOD_PAY_BUF_BYTES)

/*
 * One buffer: physically contiguous (the journal adds it to bios as one
 * run of pages) and compound (a reference on any page counts on the
 * first, which synod_pay_buf_busy() reads), and aligned to its size (a
 * page block is: journal_seg.c checks segments against it).  NULL if
 * @gfp cannot have it.
 */
void *synod_paypool_alloc(gfp_t gfp)
{
	struct page *page = alloc_pages(gfp | __GFP_COMP, PAY_ORDER);

	return page ? page_address(page) : NULL;
}

/* Drop our reference: a socket that still holds the pages frees them. */
void synod_paypool_free(void *data)
{
	if (data)
		put_page(virt_to_page(data));
}

/*
 * Allocate spares up to @want with @gfp, one at a time with the lock
 * dropped.  false if an allocation failed.  The work item refills with
 * GFP_NOIO (the writeback that memory pressure starts may be ours) and
 * tries again later when that fails, so that stores waiting for a
 * buffer go on once memory is freed; tests and init fill at once.
 */
static bool fill(struct synod_paypool *pool, gfp_t gfp)
{
	void *data;

	for (;;) {
		spin_lock(&pool->lock);
		if (pool->dying || pool->nspare >= pool->want) {
			spin_unlock(&pool->lock);
			return true;
		}
		spin_unlock(&pool->lock);
		data = synod_paypool_alloc(gfp | __GFP_NOWARN);
		spin_lock(&pool->lock);
		if (!data) {
			pool->failed++;
			spin_unlock(&pool->lock);
			return false;
		}
		if (pool->nspare < pool->want && !pool->dying) {
			pool->spare[pool->nspare++] = data;
			pool->allocated++;
			data = NULL;
		}
		spin_unlock(&pool->lock);
		/* someone gave one back meanwhile: not needed */
		synod_paypool_free(data);
	}
}

void synod_paypool_fill(struct synod_paypool *pool)
{
	fill(pool, GFP_KERNEL);
}

static void refill_work(struct work_struct *work)
{
	struct synod_paypool *pool = container_of(to_delayed_work(work),
						  struct synod_paypool,
						  refill);

	if (!fill(pool, GFP_NOIO) && !READ_ONCE(pool->dying))
		queue_delayed_work(pool->wq, &pool->refill,
				   msecs_to_jiffies(SYNOD_PAYPOOL_RETRY_MS));
}

/*
 * A pool of at most @bound buffers held by stores, with @want spares
 * ready.  The spares are allocated here, so that the first volumes find
 * them.  -EINVAL for sizes that make no sense, -ENOMEM.
 */
int synod_paypool_init(struct synod_paypool *pool, u64 bound, u32 want)
{
	if (WARN_ON_ONCE(want > SYNOD_PAYPOOL_SPARE_MAX) || !bound)
		return -EINVAL;
	memset(pool, 0, sizeof(*pool));
	spin_lock_init(&pool->lock);
	INIT_DELAYED_WORK(&pool->refill, refill_work);
	pool->bound = bound;
	pool->want = want;
	pool->wq = alloc_workqueue("synod-paypool", WQ_MEM_RECLAIM | WQ_UNBOUND,
				   1);
	if (!pool->wq || !fill(pool, GFP_KERNEL)) {
		synod_paypool_exit(pool);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Free the spares.  Every store has given its buffers back and its
 * reservation up by now (the volumes are gone): a leak is a bug.
 */
void synod_paypool_exit(struct synod_paypool *pool)
{
	spin_lock(&pool->lock);
	WRITE_ONCE(pool->dying, true);
	spin_unlock(&pool->lock);
	cancel_delayed_work_sync(&pool->refill);
	if (pool->wq)
		destroy_workqueue(pool->wq);
	pool->wq = NULL;
	WARN_ON_ONCE(pool->reserved);
	while (pool->nspare)
		synod_paypool_free(pool->spare[--pool->nspare]);
}

/*
 * A new store's reservation of @n buffers: -ENOSPC when the reservations
 * would pass the bound.
 */
int synod_paypool_reserve(struct synod_paypool *pool, u32 n)
{
	int err = 0;

	spin_lock(&pool->lock);
	if (pool->reserved + n > pool->bound)
		err = -ENOSPC;
	else
		pool->reserved += n;
	spin_unlock(&pool->lock);
	return err;
}

void synod_paypool_unreserve(struct synod_paypool *pool, u32 n)
{
	spin_lock(&pool->lock);
	if (!WARN_ON_ONCE(pool->reserved < n))
		pool->reserved -= n;
	spin_unlock(&pool->lock);
}

/*
 * A buffer for a store, or NULL: with @gfp (creation and recovery, which
 * may sleep) a new one, else (the I/O and receive paths) a spare, if any
 * is left.  The store's reservation covers it.  Wakes the refill when
 * fewer than three quarters of the spares are left.
 */
void *synod_paypool_take(struct synod_paypool *pool, gfp_t gfp)
{
	void *data = NULL;
	bool kick;

	if (gfp) {	/* the spares are for those that cannot wait */
		data = synod_paypool_alloc(gfp | __GFP_NOWARN);
		if (data)
			return data;
	}
	spin_lock(&pool->lock);
	if (pool->nspare)
		data = pool->spare[--pool->nspare];
	else
		pool->empty++;
	kick = !pool->dying && pool->nspare < pool->want - pool->want / 4;
	spin_unlock(&pool->lock);
	if (kick)
		queue_delayed_work(pool->wq, &pool->refill, 0);
	return data;
}

/*
 * A store gives @data back: it holds no bytes anyone needs and nothing
 * else refers to its pages (synod_pay_buf_busy() false), so another store
 * may write it at once.  Kept as a spare while there is room, else
 * freed.
 */
void synod_paypool_give(struct synod_paypool *pool, void *data)
{
	spin_lock(&pool->lock);
	if (pool->nspare < pool->want && !pool->dying) {
		pool->spare[pool->nspare++] = data;
		data = NULL;
	} else {
		pool->freed++;
	}
	spin_unlock(&pool->lock);
	synod_paypool_free(data);
}
