/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writes of unknown outcome, held until their slot tells (replica_held.c).
 * Plain bookkeeping over a list, no locks of its own: the replica engine
 * calls it under r->lock.  Kept apart from the engine so that KUnit
 * (kmod/kunit/held_kunit.c) runs it alone.
 */
#ifndef SYNOD_REPLICA_HELD_H
#define SYNOD_REPLICA_HELD_H

#include <linux/list.h>
#include <linux/types.h>

#include "core/wire.h"

enum synod_held_state {
	SYNOD_HELD_FREE = 0,	/* not held */
	SYNOD_HELD_WAIT,	/* its slot not applied here yet */
	SYNOD_HELD_CHOSEN,	/* the slot applied it: done, once */
	SYNOD_HELD_NOT_CHOSEN,	/* the slot applied another value */
	SYNOD_HELD_LOST,	/* the slot was skipped: unknown for good */
};

/* One held write; lives in the request's pdu (struct synod_rq). */
struct synod_held {
	struct list_head node;	/* in synod_held_set.list while held */
	u64 ref;		/* payload ref of the proposal */
	u64 slot;		/* the only slot it can be chosen in */
	u8 state;		/* enum synod_held_state */
};

/* The held writes of one replica. */
struct synod_held_set {
	struct list_head list;	/* struct synod_held, WAIT ones among them */
	u32 waiting;		/* entries in WAIT: applies skip an empty set */
};

void synod_held_init(struct synod_held_set *set);
bool synod_held_add(struct synod_held_set *set, struct synod_held *h,
		    u64 ref, u64 slot, u64 applied);
void synod_held_applied(struct synod_held_set *set,
			const struct synod_entry *e);
int synod_held_take(struct synod_held_set *set, struct synod_held *h,
		    u64 applied);
void synod_held_drop(struct synod_held_set *set, struct synod_held *h);

static inline bool synod_held_busy(const struct synod_held *h)
{
	return h->state != SYNOD_HELD_FREE;
}

#endif /* SYNOD_REPLICA_HELD_H */
