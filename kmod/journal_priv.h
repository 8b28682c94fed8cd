/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What journal.c (the write path) and journal_recover.c (recovery at
 * attach) share: the journal's state and the bios of one chunk.  Nothing
 * outside those two files includes it; the contract is journal.h.
 */
#ifndef SYNOD_JOURNAL_PRIV_H
#define SYNOD_JOURNAL_PRIV_H

#include <linux/blk_types.h>
#include <linux/completion.h>
#include <linux/mutex.h>

#include "journal.h"
#include "journal_pring.h"
#include "core/jscan.h"

/* slot[] value of a ring index whose record may be overwritten at will. */
#define SLOT_FREE		U64_MAX
#define PAYLOAD_ORDER		get_order(SYNOD_PAYLOAD_MAX)
/*
 * Bios of one chunk: format 1 writes one per record; format 3 one for
 * the slots, two where their ring wraps, and one per run of adjacent
 * payloads in the payload ring, up to one per record where each goes in
 * a free run of its own (journal_pring.c); more where a bio fills
 * (synod_journal_create() checks the sum).
 */
#define JBIOS			(2 * SYNOD_JOURNAL_BATCH)
/*
 * Vectors of one chunk, over all its bios: per record its header, a
 * vector per payload segment (SYNOD_JREC_SEGS at most, journal_seg.c),
 * and in format 3 the zero pages that fill the rest of its slot (at
 * most SYNOD_PAYLOAD_MAX / PAGE_SIZE) and, for payloads in the payload
 * ring, the zeros to the end of their last block (one; SYNOD_JREC_WRITES
 * counted).
 */
#define JVECS			(SYNOD_JOURNAL_BATCH * \
				 (1 + SYNOD_JREC_SEGS + SYNOD_JREC_WRITES + \
				  SYNOD_PAYLOAD_MAX / PAGE_SIZE))

/*
 * The payloads a record keeps in the payload ring, to find them again
 * (journal_share.c): a later record of the same slot with these same
 * payloads names their bytes instead of writing them again.
 */
struct synod_jpay {
	struct synod_write w[SYNOD_BATCH_MAX];	/* e.w[i]: block and ref */
	u32 len[SYNOD_BATCH_MAX];	/* payload bytes of w[i] */
	u32 crc[SYNOD_BATCH_MAX];	/* their CRC-32C, as in the header */
	/* writes; 0: nothing to share (not in the ring, not known
	 * whole, or reclaimed)
	 */
	u32 n;
};

struct synod_journal {
	struct block_device *bdev;	/* the backing device */
	u8 uuid[16];			/* records of other volumes are empty */
	struct synod_journal_owner owner;	/* told around each encode;
						 * all NULL: nobody */
	u32 format;			/* SYNOD_JREC_FORMAT_V1 or _V3 */
	u32 paymax;			/* largest write: synod_sb_paymax() */
	sector_t start;			/* first sector of the slots */
	u32 count;			/* slots in the ring */
	u32 slot_bytes;			/* bytes per slot */
	sector_t pstart;		/* first sector of the payload ring */
	u64 psize;			/* its bytes; 0: none (format 1) */
	u64 phead;			/* its byte the next payloads go to */
	/*
	 * recovery: the end of the last payload ring bytes written that
	 * are still held (slot above applied0), if rhead_set
	 * (synod_jshare_move_head())
	 */
	u64 rhead;
	bool rhead_set;
	u64 applied0;			/* applied index of the superblock */
	struct mutex lock;		/* serializes write and recover */
	bool recovered;			/* recover() succeeded: head is known */
	u64 next_jseq;			/* journal sequence of the next record */
	atomic64_t reclaim;		/* slots <= this may be overwritten */
	u64 *slot;			/* by ring index: slot held or FREE */
	struct synod_jext *ext;		/* by ring index: payload ring held */
	struct synod_jext *plan;	/* by record of a write: where to */
	/* bytes held, the scratch of a search for free ones (format 3) */
	struct synod_jext *busy;
	struct synod_jpay *pay;		/* by ring index: what to share */
	/* CRC-32C of each payload of the chunk being written, by record */
	u32 ccrc[SYNOD_JOURNAL_BATCH][SYNOD_BATCH_MAX];
	struct synod_jscan *scan;	/* by ring index: recovery scan */
	struct synod_jrec_hdr hdr;	/* decode scratch (recover) */
	struct synod_jrec rec;		/* what found() is given */
	struct page *hpage[SYNOD_JOURNAL_BATCH];	/* encoded headers */
	/*
	 * recovery's payload blocks of 16 KiB, nrbuf of them, only while
	 * synod_journal_recover() runs (journal_recover.c, rbuf_alloc())
	 */
	struct page **rbuf;
	u32 nrbuf;
	struct synod_jseg rseg[SYNOD_JREC_SEGS];	/* rec's: one a block */
	u32 rnseg[SYNOD_JREC_WRITES];	/* of them, write i's */
	struct bio bio[JBIOS];		/* the bios of a chunk */
	struct bio_vec *bvec;		/* JVECS, shared by them */
	u32 nbio;			/* bios of the chunk being built */
	u32 nvec;			/* vectors they use */
	atomic_t pending;		/* bios of a chunk not yet completed */
	int io_err;			/* a bio of the chunk failed */
	struct completion done;		/* the chunk's last bio completed */
	u64 written;			/* records written since creation */
	u64 bios;			/* the bios they took */
	u64 chunks;			/* the chunks (batches) they made */
	/* of them, those that named ring bytes written before */
	u64 shared;
	u64 corrupt;			/* corrupt records reported */
};

static inline u32 synod_journal_index(const struct synod_journal *j,
				      u64 jseq)
{
	return synod_jscan_index(jseq, j->count);
}

/* First sector of ring slot @idx. */
static inline sector_t synod_journal_slot_sector(const struct synod_journal *j,
						 u32 idx)
{
	return j->start + (((sector_t)idx * j->slot_bytes) >> SECTOR_SHIFT);
}

/* The sector of byte @off of the payload ring (sector-aligned). */
static inline sector_t synod_journal_pring_sector(const struct synod_journal *j,
						  u64 off)
{
	return j->pstart + (off >> SECTOR_SHIFT);
}

/*
 * Run @stmt, a call into the pure core (it asserts, never sleeps), inside
 * the owner's assertion window: only the owner may be fenced for it.
 * Never around I/O, nor around the owner's own callbacks (no nesting).
 */
#define JCORE(j, stmt) do {						\
	if ((j)->owner.enter)						\
		(j)->owner.enter((j)->owner.ctx);			\
	stmt;								\
	if ((j)->owner.leave)						\
		(j)->owner.leave((j)->owner.ctx);			\
} while (0)

/* journal.c */
struct bio *synod_journal_header_bio(struct synod_journal *j, u32 k,
				     u64 jseq);
void synod_journal_drop(struct synod_journal *j);
int synod_journal_run(struct synod_journal *j);

/* journal_plan.c */
u32 synod_journal_rec_paylen(const struct synod_jrec *r);
u32 synod_journal_rec_pring(const struct synod_journal *j,
			    const struct synod_jrec *r);
int synod_journal_plan(struct synod_journal *j, const struct synod_jrec *recs,
		       u32 n, u64 reclaim);

/* journal_share.c */
void synod_jshare_note(struct synod_journal *j, u32 idx,
		       const struct synod_entry *e, const u32 *len,
		       const u32 *crc, bool in_ring);
void synod_jshare_forget(struct synod_journal *j, u32 idx);
bool synod_jshare_find(const struct synod_journal *j,
		       const struct synod_entry *e, const u32 *len,
		       const u32 *crc, u32 need, u64 reclaim,
		       struct synod_jext *ext);
bool synod_jshare_named_before(const struct synod_journal *j, u32 idx);
void synod_jshare_move_head(struct synod_journal *j, u32 idx);

#endif /* SYNOD_JOURNAL_PRIV_H */
