/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's pool of payload buffers, shared by every volume's payload
 * store (payload.h).
 *
 * A store used to allocate all of its 1024 buffers (16 MiB) when its
 * volume was created and keep them till it was deleted, so a host with a
 * few hundred volumes ran out of memory while most of them sat idle.
 * Now a store keeps only a small floor of buffers of its own, takes more
 * from this pool as its load needs them and gives them back once it has
 * been idle a while.  The pool:
 *
 *  - is bounded: the volumes of a host together may hold at most @bound
 *    buffers (module parameter payload_pool_mb).  Each replica reserves,
 *    when it is created, its store's whole size (SYNOD_PAY_COUNT): the
 *    consensus core can name that many payloads at once (its log window,
 *    phase-1 recovery, pending writes), and a replica that could not
 *    hold them could stall for good, however the others behave.  So
 *    creation is refused once the reservations would pass the bound;
 *    the quota is a count, not memory: idle volumes pin only their
 *    floors, and the bound is what all of them would take at once at
 *    full load.
 *  - is allocated ahead of the I/O path: a few spare buffers (@want)
 *    wait here, refilled by a work item (GFP_NOIO: the refill must not
 *    recurse into the disks we serve; retried while memory is short)
 *    whenever a take leaves fewer than three quarters of them.  A store takes under its replica's lock,
 *    never allocating: an empty pool is backpressure (the write is
 *    requeued, the frame resent), never a wait.
 *  - gives memory back: buffers returned beyond @want are freed.
 *
 * Buffers are compound pages of SYNOD_PAY_BUF_BYTES (payload.c says
 * why), handed out as their kernel address.  A payload larger than one
 * is a chain of them (payload.h).
 */
#ifndef SYNOD_PAYPOOL_H
#define SYNOD_PAYPOOL_H

#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

/*
 * Bytes of one buffer: a payload store's unit, what a payload of one
 * buffer carries at most (a longer one is a chain, payload.h).  An
 * order-2 page block: larger ones fragment memory and fail to allocate
 * long before the pool's bound is reached.
 */
#define SYNOD_PAY_BUF_BYTES	(16u * 1024)
/* Spare buffers a pool keeps at most: 8 MiB, a burst of a few volumes. */
#define SYNOD_PAYPOOL_SPARE_MAX	512u
/* A refill whose allocation failed tries again after this long. */
#define SYNOD_PAYPOOL_RETRY_MS	100u

struct synod_paypool {
	spinlock_t lock;	/* everything below but @wq and @refill */
	void *spare[SYNOD_PAYPOOL_SPARE_MAX];	/* ready buffers, a stack */
	u32 nspare;
	u32 want;		/* spares the refill keeps, <= SPARE_MAX */
	u64 bound;		/* buffers the stores may hold in all */
	u64 reserved;		/* sum of the stores' reservations */
	bool dying;		/* exit: the refill stops */
	/*
	 * The refill runs on a workqueue of its own with a rescuer
	 * (WQ_MEM_RECLAIM): under memory pressure it must run without a
	 * new worker thread, since our disks may be what reclaim waits for.
	 * It retries every SYNOD_PAYPOOL_RETRY_MS while an allocation fails.
	 */
	struct workqueue_struct *wq;
	struct delayed_work refill;
	/* counters, for status and tests */
	u64 allocated;		/* buffers the refill allocated */
	u64 freed;		/* buffers freed (returned past @want) */
	u64 empty;		/* takes that found no spare */
	u64 failed;		/* refill allocations that failed */
};

int synod_paypool_init(struct synod_paypool *pool, u64 bound, u32 want);
void synod_paypool_exit(struct synod_paypool *pool);
void synod_paypool_fill(struct synod_paypool *pool);
int synod_paypool_reserve(struct synod_paypool *pool, u32 n);
void synod_paypool_unreserve(struct synod_paypool *pool, u32 n);
void *synod_paypool_take(struct synod_paypool *pool, gfp_t gfp);
void synod_paypool_give(struct synod_paypool *pool, void *data);
void *synod_paypool_alloc(gfp_t gfp);
void synod_paypool_free(void *data);

/* The pool of this host's volumes (main.c sets it up before any volume). */
extern struct synod_paypool synod_host_paypool;
int synod_host_paypool_init(void);
void synod_host_paypool_exit(void);

#endif /* SYNOD_PAYPOOL_H */
