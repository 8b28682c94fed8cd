/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The journal of a replicated volume: a ring of fixed-size record slots on
 * the backing device, between the superblock copies and the data area (its
 * place and size are in the superblock, formats 1 to 3), and in format 3
 * a payload ring after the slots.  Each record holds one accepted log
 * entry (struct synod_entry) with the payloads of its writes, in its slot
 * or (format 3, larger ones) in the payload ring.  The promised ballot and
 * the applied index live in the superblock.
 *
 * Contract (kmod/replica.c relies on exactly this):
 *  - synod_journal_write() writes @n records in order and returns once all
 *    are durable (each written FUA, and all completed), or an error.
 *    It may sleep; it allocates nothing (pages come from init).
 *  - A record is placed at the ring's head; it may overwrite the oldest
 *    record only if that record's slot <= the reclaim point given by
 *    synod_journal_reclaim(), and payload ring bytes only if every record
 *    holding them is so.  The reclaim point is a log slot applied and
 *    recorded in a superblock that is durable already: recovery counts on
 *    every record whose payload ring bytes may have been reused having a
 *    slot at or below the superblock's applied index.  Otherwise (and if
 *    a chunk's own payloads exceed the payload ring) synod_journal_
 *    write() returns -ENOSPC and writes nothing of that chunk and the
 *    ones after it (one chunk: nothing; below).  A record recovery
 *    reported corrupt (below) holds its slot when known, and its payload
 *    ring bytes when its header checked, as if it had been found.
 *  - synod_journal_recover() reads the whole ring at attach, and reports
 *    in journal order every intact record (found), and every record that
 *    is corrupt and older than the last batch (corrupt: the slot it held,
 *    if its header copy is readable, else the caller is told the slot is
 *    unknown).  A missing or broken record of the last batch, or after the
 *    last intact record, is the torn tail of a crash (never acknowledged:
 *    a batch is acknowledged only once all its records are durable) and
 *    is dropped (every damaged record that matters is read again first:
 *    one read whole then counts, as a misread at the scan);
 *    holes of the last batch are rewritten as void records before recover
 *    returns (Documentation/ondisk.rst).  Unless broken records after the
 *    last intact one name sequences more than SYNOD_JOURNAL_BATCH past it
 *    (or, on the ring's first lap, lie past the next batch's reach):
 *    then they are damage, not a torn tail; corrupt is told once with the
 *    slot unknown, nothing counts as torn, and the head moves past any
 *    sequence ever issued (the highest named, plus the ring, plus a
 *    batch).  Payloads handed to found() live only during the call.
 *    Afterwards the head is after the last intact record (past all, if
 *    damaged).  Before it reports anything, recovery flushes the
 *    device's write cache once: what it read (after a kernel crash,
 *    perhaps from that cache) and the superblock read before it are
 *    durable before anything relies on them.
 */
#ifndef SYNOD_JOURNAL_H
#define SYNOD_JOURNAL_H

#include <linux/types.h>

#include "core/wire.h"
#include "core/jrec.h"	/* SYNOD_PAYLOAD_MAX, record geometry */

struct synod_backing;
struct synod_sb;

/*
 * Records written with one set of header pages; a longer synod_journal_
 * write() is done in chunks of this many, each made durable before the
 * next is issued.  The core's slot window (16) fits in one chunk.  So no
 * more than this many records are ever in flight at once (void_torn()
 * too): recovery's bound on a crash's torn tail (jscan.h).  A chunk also
 * ends before a record that would take its payload ring bytes past
 * SYNOD_JCHUNK_PRING (core/jrec.h; only large records can):
 * synod_journal_chunk().
 */
#define SYNOD_JOURNAL_BATCH	16u

/*
 * A piece of a payload in memory: physically contiguous bytes inside
 * one block of SYNOD_PAY_BUF_BYTES aligned to its size (one buffer of a
 * payload chain, payload.h; synod_jseg_ok()), a multiple of 512.  A
 * payload is a list of them, in order.
 */
struct synod_jseg {
	const void *data;
	u32 len;
};

/*
 * Segments of all the payloads of one record, at most: one per 16 KiB
 * buffer (SYNOD_PAYLOAD_MAX, a payload chain's buffer) of the most a
 * record holds, the slot byte cap SYNOD_PAYLOAD_MAX_LARGE (1 MiB, core/
 * jrec.h), and one more per write, whose chain starts a buffer of its
 * own and may leave its last one part full.  Each is a bio vector of
 * its own (journal_seg.c), so a record's vectors fit one bio of
 * BIO_MAX_VECS with room (journal.c checks).
 */
#define SYNOD_JREC_SEGS		(SYNOD_PAYLOAD_MAX_LARGE / SYNOD_PAYLOAD_MAX + \
				 SYNOD_BATCH_MAX)

/* One record, to write or as recovered. */
struct synod_jrec {
	u64 seq;				/* core persist seq */
	struct synod_entry e;			/* slot, ballot, kind, writes */
	u32 len[SYNOD_BATCH_MAX];		/* payload bytes of e.w[i] */
	/*
	 * payload of e.w[i]: nseg[i] segments of the caller's table at
	 * seg[i], len[i] bytes in all; their lengths add up to len[i]
	 * (synod_jseg_ok()), and all of a record's add up to no more
	 * than SYNOD_JREC_SEGS
	 */
	const struct synod_jseg *seg[SYNOD_BATCH_MAX];
	u32 nseg[SYNOD_BATCH_MAX];
	/*
	 * to write: every payload is the very copy a record of ours
	 * holds already (the store's durable copy, never replaced), so
	 * a held record of the slot with the same payloads may lend it
	 * its payload ring bytes (journal_share.c); unused in recovery
	 */
	bool again;
};

struct synod_journal;

/*
 * Who the journal works for, told around every record it encodes.  The
 * record encoder is the consensus core's (pure, never sleeps): a failed
 * assertion in it must be charged to the replica whose record it is, so
 * the replica enters its own assertion window (replica.h, SYNOD_CORE())
 * in @enter and leaves it in @leave.  No I/O and no sleep in between.
 */
struct synod_journal_owner {
	void (*enter)(void *ctx);	/* before encoding one record */
	void (*leave)(void *ctx);	/* right after it */
	void *ctx;			/* the owner's, for both */
};

/*
 * journal.c
 *
 * synod_journal_create() copies @owner (NULL: nobody to tell, as for
 * the journal's debugfs test harness) and returns ERR_PTR(-EINVAL) if @sb
 * is not a
 * replicated (format 1, 2 or 3) superblock, ERR_PTR(-ENOMEM); the journal keeps no reference to @sb
 * (the UUID, ring geometry and the applied index as the first reclaim
 * point are copied) but uses @b's block device, which must stay open
 * until synod_journal_destroy().  synod_journal_write() returns 0, -ENOSPC,
 * -EINVAL (a malformed record; nothing written) or -EIO.  It writes in
 * chunks (synod_journal_chunk()), each planned in the payload ring on
 * its own; -ENOSPC means nothing was written if the records are one
 * chunk, as group_write() (replica_jq.c) always gives, else that the
 * chunks before the one that did not fit are durable and the rest not.
 * synod_journal_chunk() says how many of @n records the next chunk
 * takes (1 at least): SYNOD_JOURNAL_BATCH, fewer where their payload
 * ring bytes would pass SYNOD_JCHUNK_PRING; it reads only the records'
 * entries and lengths, and the journal's geometry, fixed at create.
 * synod_journal_recover() returns 0, -EIO (a read, the cache flush, or
 * the write of a void record, failed), -ENOMEM (its payload blocks,
 * allocated for the recovery only) or -EUCLEAN (a record names an
 * implausible journal sequence: crafted or a checksum collision); it
 * must have succeeded once before the first write (a write before it
 * returns -EINVAL), also on a new volume, where it finds nothing and
 * starts at journal sequence 1.
 */
struct synod_journal *synod_journal_create(struct synod_backing *b,
					   const struct synod_sb *sb,
					   const struct synod_journal_owner *owner);
void synod_journal_destroy(struct synod_journal *j);
int synod_journal_write(struct synod_journal *j, const struct synod_jrec *recs,
			unsigned int n);
unsigned int synod_journal_chunk(const struct synod_journal *j,
				 const struct synod_jrec *recs, unsigned int n);
void synod_journal_reclaim(struct synod_journal *j, u64 applied_slot);
u32 synod_journal_pring_need(const struct synod_journal *j, u32 paylen);
u64 synod_journal_pring_size(const struct synod_journal *j);
bool synod_journal_set_large(struct synod_journal *j);
int synod_journal_recover(struct synod_journal *j,
			  void (*found)(void *ctx, const struct synod_jrec *r),
			  void (*corrupt)(void *ctx, u64 slot, bool slot_known),
			  void *ctx);
/*
 * for status and tests: ring slots holding a record, records written
 * since creation and the bios that took (one each in format 1, a few
 * per batch in format 3), corrupt records reported by recovery
 */
void synod_journal_counters(struct synod_journal *j, u64 *records,
			    u64 *written, u64 *bios, u64 *corrupt);
/*
 * for the down line and the test hook: chunks (batches on disk of up to
 * SYNOD_JOURNAL_BATCH records, submitted and waited for together)
 * written since creation
 */
u64 synod_journal_chunks(struct synod_journal *j);
/*
 * for the down line and the test hook: records written since creation
 * that named payload ring bytes a held record of their slot wrote
 * (the same value in a later ballot, journal_share.c)
 */
u64 synod_journal_shared(struct synod_journal *j);
#if defined(SYNOD_JOURNAL_DEBUGFS) || defined(SYNOD_TESTING)
/* for the test hook: payload ring bytes held, by records whose slot is */
u64 synod_journal_pring_held(struct synod_journal *j);
#endif

/* journal_seg.c: a payload as a segment list (struct synod_jseg) */
struct bio;
bool synod_jseg_ok(const struct synod_jseg *seg, u32 nseg, u32 len);
u32 synod_jseg_crc(const struct synod_jseg *seg, u32 nseg);
void synod_jseg_add(struct bio *bio, const struct synod_jseg *seg, u32 nseg);

#endif /* SYNOD_JOURNAL_H */
