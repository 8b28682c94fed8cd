/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reads on the leader past the engine (kmod/fastread.c): served from the
 * data area straight from the disk's dispatch, without the replica's
 * lock, while the lease the engine published at its last unlock holds
 * and no write the engine handed to apply, not yet ended, covers them.
 */
#ifndef SYNOD_FASTREAD_H
#define SYNOD_FASTREAD_H

#include <linux/atomic.h>
#include <linux/types.h>

/*
 * The data area in regions of 2^7 sectors (64 KiB), hashed onto 256
 * counters: a 4 KiB read looks at one, a 1 MiB write counts on 17.  Two
 * regions on one counter only send a read through the engine.
 */
#define SYNOD_FASTREAD_REGION_SHIFT	7
#define SYNOD_FASTREAD_COUNTERS		256

struct synod_repl;

struct synod_fastread {	/* its own cache lines: read on every dispatch */
	/*
	 * Our raw clock (ktime_get_raw_ns()) up to which a read may go
	 * past the engine; 0: none.  Written under the replica's lock as
	 * it is let go (synod_fastread_publish()), read without it.
	 */
	u64 until;
	/* writes handed to apply whose bios have not ended, per region */
	atomic_t busy[SYNOD_FASTREAD_COUNTERS];
	atomic64_t reads;	/* reads served past the engine */
	atomic64_t busy_reads;	/* under the lease, sent in for a write */
};

void synod_fastread_publish(struct synod_repl *r);
void synod_fastread_hold(struct synod_fastread *fr, u64 sector, u32 nsect);
void synod_fastread_put(struct synod_fastread *fr, u64 sector, u32 nsect);
void synod_fastread_reset(struct synod_fastread *fr);
bool synod_fastread_ok(struct synod_repl *r, u64 sector, u32 nsect,
		       u64 *nth);

#endif /* SYNOD_FASTREAD_H */
