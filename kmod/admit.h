/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Admission by bytes (blkdev.c): the client writes a replicated volume
 * has taken and not completed are bounded in bytes, not only by the
 * queue depth.  Each one's data sits in the payload store from the
 * moment it is taken until its slot is chosen, and after that while the
 * core's log names it: 64 requests of 1 MiB would be four times the
 * store (payload.h).  A request over the bound is turned back with
 * BLK_STS_DEV_RESOURCE before it is started, and blk-mq keeps it on its
 * dispatch list until the queue runs again: "the driver guarantees the
 * queue is rerun once resources are available" (blk_types.h, both
 * kernels).  What guarantees it here is blk-mq's own restart when a
 * request of the queue is freed (a completion: the refusal marks the
 * hardware queue for restart before it puts the request back), and
 * the kicks of the requeue list, which run the queues.  The rerun a
 * release asks for (synod_admit_put()) helps but guarantees nothing: it
 * may run before the refused request is on the dispatch list.  No
 * timer: a refused request goes as soon as bytes are released.
 *
 * A scheduler other than "none" keeps the refused request to dispatch
 * it first; with "none", blk-mq may dispatch others (on other hardware
 * queues, or inserted directly) ahead of it, which admission allows.
 *
 * A request of any size is admitted when nothing is: one larger than
 * the bound alone would otherwise never go.  One over twice the bound
 * is a bug (a queue limit): it fails rather than wait forever and hold
 * up what is behind it.
 *
 * Lock-free, any context.  A refusal sets @waiting (a full barrier:
 * atomic_xchg()), then looks again; a release subtracts (fully ordered,
 * atomic_sub_return()), then looks at @waiting.  So either the second
 * look admits, or the release sees the flag and reruns the queue.  A
 * refusal means bytes were admitted when it looked again, whose release
 * comes later and finds the flag.
 */
#ifndef SYNOD_ADMIT_H
#define SYNOD_ADMIT_H

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/types.h>

/*
 * Client write bytes admitted at once per volume: QD4 of 1 MiB passes
 * with room to spare, and what is admitted and not chosen never holds
 * more than half the store (payload.c, synod_pay_init()).
 */
#define SYNOD_ADMIT_BYTES	(8u << 20)

struct synod_admit {
	atomic_t bytes;		/* admitted, not released yet */
	atomic_t waiting;	/* refused since the last rerun */
	atomic_long_t refused;	/* turned back, for status and tests */
};

static inline void synod_admit_init(struct synod_admit *a)
{
	atomic_set(&a->bytes, 0);
	atomic_set(&a->waiting, 0);
	atomic_long_set(&a->refused, 0);
}

/* Take @bytes if they fit under @limit, or if nothing is admitted. */
static inline bool synod_admit_try(struct synod_admit *a, u32 bytes,
				   u32 limit)
{
	int cur = atomic_read(&a->bytes);

	do {
		if (cur && (u64)cur + bytes > limit)
			return false;
	} while (!atomic_try_cmpxchg(&a->bytes, &cur, cur + bytes));
	return true;
}

/*
 * Admit a request of @bytes while those admitted stay at or under
 * @limit (SYNOD_ADMIT_BYTES; less in tests): 1 if taken, 0 if it must
 * wait for a release (the caller returns BLK_STS_DEV_RESOURCE), -EINVAL
 * if it never fits (the caller fails it).
 */
static inline int synod_admit_take(struct synod_admit *a, u32 bytes,
				   u32 limit)
{
	if (WARN_ON_ONCE(bytes > SYNOD_ADMIT_BYTES * 2u ||
			 limit > SYNOD_ADMIT_BYTES))
		return -EINVAL;
	if (synod_admit_try(a, bytes, limit))
		return 1;
	/* a full barrier, not atomic_set() + smp_mb__after_atomic() */
	atomic_xchg(&a->waiting, 1);
	if (synod_admit_try(a, bytes, limit))
		return 1;
	atomic_long_inc(&a->refused);
	return 0;
}

/*
 * Release @bytes admitted before.  True when a request was refused since
 * the last rerun: the caller runs the hardware queues (asynchronously),
 * once per refusal however many release.
 */
static inline bool synod_admit_put(struct synod_admit *a, u32 bytes)
{
	/* fully ordered: the subtraction, then the look at the flag */
	WARN_ON_ONCE(atomic_sub_return(bytes, &a->bytes) < 0);
	return atomic_read(&a->waiting) && atomic_xchg(&a->waiting, 0);
}

/* Bytes admitted now (status, tests). */
static inline u32 synod_admit_bytes(const struct synod_admit *a)
{
	return atomic_read(&a->bytes);
}

#endif /* SYNOD_ADMIT_H */
