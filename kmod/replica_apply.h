/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Applies to the data area in flight (replica_apply.c): chosen entries
 * queued by slot, their writes submitted as bios of their own, landed in
 * slot order when they end.  Under r->lock, except the bios' end.
 */
#ifndef SYNOD_REPLICA_APPLY_H
#define SYNOD_REPLICA_APPLY_H

#include <linux/atomic.h>
#include <linux/bio.h>
#include <linux/llist.h>
#include <linux/workqueue.h>

#include "paypool.h"
#include "core/jrec.h"
#include "core/replica.h"

struct synod_repl;
struct synod_pay;

enum synod_aw_state {
	SYNOD_AW_FREE = 0,	/* not queued, or landed */
	SYNOD_AW_QUEUED,	/* chosen, not submitted yet */
	SYNOD_AW_BLOCKED,	/* waits for an earlier write it overlaps */
	SYNOD_AW_FLIGHT,	/* submitted; ended only once reaped */
};

/*
 * One write of a chosen entry.  A write of one buffer (up to 16 KiB, every
 * small write) has its bio and vector here, allocated with the volume:
 * applying it allocates nothing.  The bio's inline vector (a flexible
 * array) stays empty: bio_init() is given bvec.  A chain (a large write)
 * takes a bio of its own from the replica's bioset when it is submitted,
 * with the lock dropped (replica_apply.c): 128 slots of 4 writes with 64
 * vectors each would pin 512 KiB per volume.
 */
struct synod_aw {
	struct bio bio;
	struct bio_vec bvec;		/* a one-buffer write's vector */
	bool chained;			/* its bio is from aq.bs, not ->bio */
	struct llist_node sub;		/* on aq.tosubmit once issued */
	struct llist_node done;		/* on aq.done once the bio ended */
	struct synod_pay *pay;		/* its data, pinned while queued */
	u64 slot;			/* of its entry */
	u64 sector;			/* in the data area, checked */
	u32 len;			/* bytes, whole sectors */
	u8 state;			/* enum synod_aw_state, under the lock */
	blk_status_t status;		/* set by the bio's end */
};

/* A chosen entry between issued and landed; ring[slot % SYNOD_LOG_MAX]. */
struct synod_aent {
	u64 slot;			/* 0: none */
	u32 nw;				/* writes in w[] */
	u32 left;			/* of them not landed yet */
	u32 bytes;			/* of its writes together */
	bool config;			/* a membership change: cfg */
	struct synod_config cfg;	/* in effect once it lands */
	struct synod_aw w[SYNOD_BATCH_MAX];
};

/*
 * The applies of one replica.  Slots up to r->applied have landed; those
 * in (r->applied, issued] are in the ring, and their writes up to (next,
 * next_w) submitted.  The core never has more than SYNOD_LOG_MAX slots
 * past its durable applied index, so the ring indexed by slot is enough.
 */
struct synod_applyq {
	struct synod_aent *ring;	/* SYNOD_LOG_MAX of them, at create */
	/*
	 * Bios of chained writes, vector pool included: a chain's bio
	 * waits in the mempool rather than fail, and its end gives it back
	 * without the lock, so the wait ends (synod_apply_init()).
	 */
	struct bio_set bs;
	u64 issued;			/* entries queued up to this slot */
	u64 next;			/* first slot with a write not issued */
	u32 next_w;			/* its first write not issued */
	u32 flight;			/* issued, not reaped (the lock) */
	/* issued, bio not ended; and kicks at work (synod_apply_kick()) */
	atomic_t inflight;
	atomic_t kicking;		/* kicks, journal writer: they reap */
	struct llist_head tosubmit;	/* issued, not submitted yet */
	struct llist_head done;		/* ended, not reaped */
	struct work_struct work;	/* reaps, then runs the engine */
	u64 writes;			/* issued, for the down line */
	u64 blocked;			/* writes that waited for an overlap */
	u64 work_runs;			/* of the work, empty or not */
	u64 kick_reaps;			/* reaps by a kick or the writer */
	/*
	 * The engine runs in a kick (the lock): a thread that only let go
	 * of the lock, so no disk waits (synod_repl_push() warns).
	 */
	bool in_kick;
};

/* The entry of @slot in the ring of issued entries. */
static inline struct synod_aent *synod_aent(struct synod_applyq *aq,
					    u64 slot)
{
	return &aq->ring[slot & (SYNOD_LOG_MAX - 1)];
}

/* Sectors [a, a + an) and [b, b + bn) share one. */
static inline bool synod_sectors_meet(u64 a, u32 an, u64 b, u32 bn)
{
	return a < b + bn && b < a + an;
}

int synod_apply_init(struct synod_repl *r);		/* at create */
void synod_apply_free(struct synod_repl *r);		/* nothing in flight */
void synod_apply_reset(struct synod_repl *r, u64 slot);	/* nothing in flight */
void synod_apply_entry(struct synod_repl *r, const struct synod_entry *e);
void synod_apply_kick(struct synod_repl *r);		/* lock not held */
void synod_apply_submit(struct synod_repl *r);		/* lock held */
void synod_apply_writer_submit(struct synod_repl *r);	/* lock not held */
void synod_apply_writer_reap(struct synod_repl *r);	/* lock held */
bool synod_apply_reap(struct synod_repl *r);		/* lock held */
void synod_apply_quiesce(struct synod_repl *r);		/* waits for the disk */
bool synod_apply_quiesce_range(struct synod_repl *r, u64 sector, u32 nsect);
bool synod_apply_range_busy(struct synod_repl *r, u64 sector, u32 nsect,
			    u64 upto);
void synod_apply_unblock(struct synod_repl *r);		/* lock held */
u64 synod_apply_first_cover(struct synod_repl *r, u64 sector, u32 nsect,
			    u64 after);
void synod_apply_drain(struct synod_repl *r);		/* takes the lock */

#endif /* SYNOD_REPLICA_APPLY_H */
