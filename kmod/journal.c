// SPDX-License-Identifier: GPL-2.0
/*
 * The journal ring on the backing device (contract: journal.h; format:
 * Documentation/ondisk.rst and core/jrec.h).
 *
 * Record J (the journal sequence, 1, 2, ...) lives at ring index
 * (J - 1) % count, so the ring always holds a window of consecutive
 * sequence numbers and a missing number is a hole, never an ambiguity.
 * Everything is allocated at creation: the header pages of one chunk of
 * records, the bios and their vectors, the recovery read buffers and two
 * arrays indexed by ring index.  The write path allocates nothing.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "synod.h"
#include "journal.h"
#include "core/crc32c.h"
#include "core/jscan.h"
#include "testing.h"

/*
 * Test build only (testing.h): journal records are written without FUA,
 * so they sit in the disk's volatile cache when the write is
 * acknowledged.  tests/powerloss must then find an acknowledged
 * write lost after a replayed power loss (its fail-before control).  It
 * also voids recovery's bound of one batch in flight (jscan.h): a power
 * cut may then leave damage where a healthy disk leaves a torn tail.
 */
static bool test_journal_no_flush;
SYNOD_TEST_PARAM(test_journal_no_flush, bool,
		 "journal writes are not FUA (a lying disk)");

/* slot[] value of a ring index whose record may be overwritten at will. */
#define SLOT_FREE		U64_MAX
#define PAYLOAD_ORDER		get_order(SYNOD_PAYLOAD_MAX)
#define REC_VECS		(1 + SYNOD_JREC_WRITES)

struct synod_journal {
	struct block_device *bdev;	/* the backing device */
	u8 uuid[16];			/* records of other volumes are empty */
	struct synod_journal_owner owner;	/* told around each encode;
						 * all NULL: nobody */
	sector_t start;			/* first sector of the ring */
	u32 count;			/* records in the ring */
	u32 rec_sectors;		/* sectors per record */
	struct mutex lock;		/* serializes write and recover */
	bool recovered;			/* recover() succeeded: head is known */
	u64 next_jseq;			/* journal sequence of the next record */
	atomic64_t reclaim;		/* slots <= this may be overwritten */
	u64 *slot;			/* by ring index: slot held or FREE */
	struct synod_jscan *scan;	/* by ring index: recovery scan */
	struct synod_jrec_hdr hdr;	/* decode scratch (recover) */
	struct synod_jrec rec;		/* what found() is given */
	struct page *hpage[SYNOD_JOURNAL_BATCH];	/* encoded headers */
	struct page *pay[SYNOD_JREC_WRITES];	/* recovery payloads, 16 KiB */
	struct bio bio[SYNOD_JOURNAL_BATCH];	/* one per record in flight */
	struct bio_vec bvec[SYNOD_JOURNAL_BATCH][REC_VECS];
	atomic_t pending;		/* bios of a chunk not yet completed */
	int io_err;			/* a bio of the chunk failed */
	struct completion done;		/* the chunk's last bio completed */
	u64 written;			/* records written since creation */
	u64 corrupt;			/* corrupt records reported */
};

static u32 ring_index(const struct synod_journal *j, u64 jseq)
{
	return synod_jscan_index(jseq, j->count);
}

static sector_t rec_sector(const struct synod_journal *j, u32 idx)
{
	return j->start + (sector_t)idx * j->rec_sectors;
}

static void free_pages_of(struct synod_journal *j)
{
	u32 i;

	for (i = 0; i < SYNOD_JOURNAL_BATCH; i++)
		if (j->hpage[i])
			__free_page(j->hpage[i]);
	for (i = 0; i < SYNOD_JREC_WRITES; i++)
		if (j->pay[i])
			__free_pages(j->pay[i], PAYLOAD_ORDER);
}

/*
 * Allocate everything the journal will ever use, at volume creation:
 * later, under memory pressure, a write must not be able to fail for
 * want of memory.  The ring geometry comes from a decoded (so checked)
 * superblock of a replicated format (1 or 2).
 */
struct synod_journal *synod_journal_create(struct synod_backing *b,
					   const struct synod_sb *sb,
					   const struct synod_journal_owner *owner)
{
	struct synod_journal *j;
	u32 i;

	/* A header is one page; every write of an entry has a place. */
	BUILD_BUG_ON(SYNOD_JREC_HDR_SIZE != PAGE_SIZE);
	BUILD_BUG_ON(SYNOD_BATCH_MAX > SYNOD_JREC_WRITES);
	BUILD_BUG_ON(SYNOD_JREC_SIZE % SECTOR_SIZE);

	/* A ring of one batch could be torn whole (jscan.h) */
	BUILD_BUG_ON(SYNOD_JOURNAL_RECORDS_MIN <= SYNOD_JOURNAL_BATCH);
	if (!synod_sb_is_repl(sb) ||
	    sb->jrec_size != SYNOD_JREC_SIZE ||
	    sb->jrec_count < SYNOD_JOURNAL_RECORDS_MIN ||
	    sb->journal_offset % SECTOR_SIZE)
		return ERR_PTR(-EINVAL);

	j = kzalloc(sizeof(*j), GFP_KERNEL);
	if (!j)
		return ERR_PTR(-ENOMEM);
	j->bdev = b->bdev;
	if (owner)
		j->owner = *owner;
	memcpy(j->uuid, sb->uuid, sizeof(j->uuid));
	j->start = sb->journal_offset >> SECTOR_SHIFT;
	j->count = sb->jrec_count;
	j->rec_sectors = SYNOD_JREC_SIZE >> SECTOR_SHIFT;
	j->next_jseq = 1;
	atomic64_set(&j->reclaim, sb->applied_index);
	mutex_init(&j->lock);
	init_completion(&j->done);

	j->slot = kvmalloc_array(j->count, sizeof(*j->slot), GFP_KERNEL);
	j->scan = kvcalloc(j->count, sizeof(*j->scan), GFP_KERNEL);
	if (!j->slot || !j->scan)
		goto out_free;
	for (i = 0; i < j->count; i++)
		j->slot[i] = SLOT_FREE;
	for (i = 0; i < SYNOD_JOURNAL_BATCH; i++) {
		j->hpage[i] = alloc_page(GFP_KERNEL);
		if (!j->hpage[i])
			goto out_free_pages;
	}
	for (i = 0; i < SYNOD_JREC_WRITES; i++) {
		j->pay[i] = alloc_pages(GFP_KERNEL, PAYLOAD_ORDER);
		if (!j->pay[i])
			goto out_free_pages;
	}
	return j;

out_free_pages:
	free_pages_of(j);
out_free:
	kvfree(j->scan);
	kvfree(j->slot);
	kfree(j);
	return ERR_PTR(-ENOMEM);
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

/* Encode @h into header page @k, in the owner's window. */
static void encode_owned(struct synod_journal *j, u32 k)
{
	JCORE(j, synod_jrec_encode(&j->hdr, j->uuid,
				   page_address(j->hpage[k])));
}

/* Free the journal; no write or recover may be running. */
void synod_journal_destroy(struct synod_journal *j)
{
	if (IS_ERR_OR_NULL(j))
		return;
	free_pages_of(j);
	kvfree(j->scan);
	kvfree(j->slot);
	mutex_destroy(&j->lock);
	kfree(j);
}

/*
 * Ring space is reclaimed once the slots it holds are applied and no
 * longer needed for catch-up; the caller says up to where.  Monotonic, and
 * callable from any context: the write path reads it without the lock.
 */
void synod_journal_reclaim(struct synod_journal *j, u64 applied_slot)
{
	s64 old = atomic64_read(&j->reclaim);

	while ((u64)old < applied_slot) {
		s64 seen = atomic64_cmpxchg(&j->reclaim, old, applied_slot);

		if (seen == old)
			break;
		old = seen;
	}
}

void synod_journal_counters(struct synod_journal *j, u64 *records,
			    u64 *written, u64 *corrupt)
{
	u64 n = 0;
	u32 i;

	mutex_lock(&j->lock);
	for (i = 0; i < j->count; i++)
		n += j->slot[i] != SLOT_FREE;
	*records = n;
	*written = j->written;
	*corrupt = j->corrupt;
	mutex_unlock(&j->lock);
}

/* A record the caller may hand us: the format bounds every field. */
static bool rec_ok(const struct synod_jrec *r)
{
	u32 i;

	if (r->e.kind == SYNOD_ENTRY_WRITE ?
	    (!r->e.nwrites || r->e.nwrites > SYNOD_BATCH_MAX) : r->e.nwrites)
		return false;
	if (r->e.flags & ~SYNOD_ENTF_ALL)
		return false;
	for (i = 0; i < r->e.nwrites; i++) {
		if (!r->data[i] || !r->len[i] || r->len[i] % SECTOR_SIZE ||
		    r->len[i] > SYNOD_PAYLOAD_MAX)
			return false;
		/* One bio vector per payload: it must be one page block. */
		if (WARN_ON_ONCE(is_vmalloc_addr(r->data[i])))
			return false;
	}
	return r->e.kind >= SYNOD_ENTRY_NOOP && r->e.kind <= SYNOD_ENTRY_CONFIG;
}

static void journal_end_io(struct bio *bio)
{
	struct synod_journal *j = bio->bi_private;

	if (bio->bi_status)
		WRITE_ONCE(j->io_err, 1);
	if (atomic_dec_and_test(&j->pending))
		complete(&j->done);
}

/*
 * Encode j->hdr into header page @k and prepare bio @k, not yet
 * submitted: a write of that header at @jseq's ring index (the caller
 * adds any payload pages).  FUA: the record is on stable media when the
 * bio completes.  That is all a record needs; nothing else has to be
 * durable before it (the data area is made durable by the checkpoint's
 * own flush before any record is reclaimed), so no PREFLUSH, and no
 * flush after the batch: one trip to the disk per batch instead of two,
 * and a disk with a write cache writes the record through rather than
 * emptying its whole cache (the block layer turns FUA into a flush after
 * the write where the disk cannot do FUA, and drops it where there is
 * no volatile cache).
 */
static void record_bio(struct synod_journal *j, u32 k, u64 jseq)
{
	struct bio *bio = &j->bio[k];
	blk_opf_t opf = REQ_OP_WRITE | REQ_SYNC | REQ_FUA;

	if (READ_ONCE(test_journal_no_flush))
		opf &= ~REQ_FUA;
	encode_owned(j, k);
	bio_init(bio, j->bdev, j->bvec[k], REC_VECS, opf);
	bio->bi_iter.bi_sector = rec_sector(j, ring_index(j, jseq));
	bio->bi_end_io = journal_end_io;
	bio->bi_private = j;
	__bio_add_page(bio, j->hpage[k], SYNOD_JREC_HDR_SIZE, 0);
}

/* Encode record @r as journal sequence @jseq and prepare its bio in @k. */
static void prep_write(struct synod_journal *j, u32 k,
		       const struct synod_jrec *r, u64 jseq, u64 first,
		       u32 n)
{
	struct synod_jrec_hdr *h = &j->hdr;
	struct bio *bio = &j->bio[k];
	u32 i;

	memset(h, 0, sizeof(*h));
	h->jseq = jseq;
	h->batch_first = first;
	h->batch_n = n;
	h->pseq = r->seq;
	h->e = r->e;
	/* Only a CONFIG entry carries a config: decode insists. */
	if (h->e.kind != SYNOD_ENTRY_CONFIG)
		memset(&h->e.cfg, 0, sizeof(h->e.cfg));
	for (i = 0; i < r->e.nwrites; i++) {
		h->len[i] = r->len[i];
		h->crc[i] = synod_crc32c(0, r->data[i], r->len[i]);
	}
	record_bio(j, k, jseq);
	for (i = 0; i < r->e.nwrites; i++)
		__bio_add_page(bio, virt_to_page(r->data[i]), r->len[i],
			       offset_in_page(r->data[i]));
}

/*
 * Submit the @n bios prepared in bio[0..n) (FUA writes, record_bio())
 * all at once and wait for every one: 0 once all are durable, else
 * -EIO.  (The test knob test_journal_no_flush drops the FUA.)
 */
static int run_chunk(struct synod_journal *j, u32 n)
{
	u32 k;

	atomic_set(&j->pending, 1);
	j->io_err = 0;
	reinit_completion(&j->done);
	for (k = 0; k < n; k++) {
		atomic_inc(&j->pending);
		submit_bio(&j->bio[k]);
	}
	if (!atomic_dec_and_test(&j->pending))
		wait_for_completion_io(&j->done);
	for (k = 0; k < n; k++)
		bio_uninit(&j->bio[k]);
	if (READ_ONCE(j->io_err))
		return -EIO;
	return 0;
}

/*
 * Write @n records (n <= SYNOD_JOURNAL_BATCH) as journal sequences
 * next_jseq.., all in flight at once (FUA).  Only when everything is
 * durable does the head move and the ring index learn its new slot.
 */
static int write_chunk(struct synod_journal *j, const struct synod_jrec *recs,
		       u32 n)
{
	u64 first = j->next_jseq;
	u32 k;

	for (k = 0; k < n; k++)
		prep_write(j, k, &recs[k], first + k, first, n);
	if (run_chunk(j, n))
		return -EIO;

	for (k = 0; k < n; k++)
		j->slot[ring_index(j, first + k)] = recs[k].e.slot;
	j->next_jseq += n;
	j->written += n;
	return 0;
}

int synod_journal_write(struct synod_journal *j, const struct synod_jrec *recs,
			unsigned int n)
{
	u64 reclaim = atomic64_read(&j->reclaim);
	unsigned int i;
	int err = 0;

	mutex_lock(&j->lock);
	if (!j->recovered) {
		err = -EINVAL;
		goto out_unlock;
	}
	for (i = 0; i < n; i++)
		if (!rec_ok(&recs[i])) {
			err = -EINVAL;
			goto out_unlock;
		}
	/* Check the whole write first: -ENOSPC must mean nothing written. */
	if (n > j->count) {
		err = -ENOSPC;
		goto out_unlock;
	}
	for (i = 0; i < n; i++) {
		u64 held = j->slot[ring_index(j, j->next_jseq + i)];

		if (held != SLOT_FREE && held > reclaim) {
			err = -ENOSPC;
			goto out_unlock;
		}
	}
	for (i = 0; i < n && !err; i += SYNOD_JOURNAL_BATCH)
		err = write_chunk(j, recs + i,
				  min_t(u32, n - i, SYNOD_JOURNAL_BATCH));
out_unlock:
	mutex_unlock(&j->lock);
	return err;
}

/* One synchronous read into the bio vectors already added to bio[0]. */
static int read_submit(struct synod_journal *j)
{
	int err = submit_bio_wait(&j->bio[0]);

	bio_uninit(&j->bio[0]);
	return err;
}

/*
 * Read and check the record at ring index @idx into j->hdr and the
 * payload buffers.  Returns 0 and fills @sc; -EIO only if the device
 * fails the read.
 */
static int read_record(struct synod_journal *j, u32 idx,
		       struct synod_jscan *sc)
{
	struct synod_jrec_hdr *h = &j->hdr;
	struct bio *bio = &j->bio[0];
	u8 *hbuf = page_address(j->hpage[0]);
	u32 i, used;
	int st;

	memset(sc, 0, sizeof(*sc));
	bio_init(bio, j->bdev, j->bvec[0], REC_VECS, REQ_OP_READ);
	bio->bi_iter.bi_sector = rec_sector(j, idx);
	__bio_add_page(bio, j->hpage[0], SYNOD_JREC_HDR_SIZE, 0);
	if (read_submit(j))
		return -EIO;

	JCORE(j, st = synod_jrec_decode(hbuf, SYNOD_JREC_HDR_SIZE, j->uuid, h));
	if (st == SYNOD_JREC_EMPTY || st == SYNOD_JREC_FOREIGN)
		return 0;		/* SYNOD_JS_EMPTY */
	sc->state = SYNOD_JS_BROKEN;
	if (st != SYNOD_JREC_OK) {
		/* Trust the trailer only if it names this very index. */
		bool named;

		JCORE(j, named = synod_jrec_trailer(hbuf, SYNOD_JREC_HDR_SIZE,
						    j->uuid, &sc->jseq,
						    &sc->slot));
		if (named && sc->jseq <= SYNOD_JSEQ_MAX &&
		    ring_index(j, sc->jseq) == idx)
			sc->slot_known = true;
		else
			sc->jseq = 0;
		return 0;
	}
	/*
	 * A record at an index not its own was misdirected, one naming an
	 * impossible sequence crafted or colliding: broken, naming nothing.
	 */
	if (h->jseq > SYNOD_JSEQ_MAX || ring_index(j, h->jseq) != idx)
		return 0;
	sc->jseq = h->jseq;
	sc->slot = h->e.slot;
	sc->slot_known = true;
	sc->batch_first = h->batch_first;
	sc->batch_n = h->batch_n;
	if (h->flags & SYNOD_JREC_F_VOID) {
		sc->state = SYNOD_JS_VOID;
		return 0;
	}

	JCORE(j, used = synod_jrec_used(h) - SYNOD_JREC_HDR_SIZE);
	if (used) {
		bio_init(bio, j->bdev, j->bvec[0], REC_VECS, REQ_OP_READ);
		bio->bi_iter.bi_sector = rec_sector(j, idx) +
					 (SYNOD_JREC_HDR_SIZE >> SECTOR_SHIFT);
		for (i = 0; i < h->e.nwrites; i++)
			__bio_add_page(bio, j->pay[i], h->len[i], 0);
		if (read_submit(j))
			return -EIO;
	}
	for (i = 0; i < h->e.nwrites; i++)
		if (synod_crc32c(0, page_address(j->pay[i]), h->len[i]) !=
		    h->crc[i])
			return 0;
	sc->state = SYNOD_JS_INTACT;
	return 0;
}

/* Pass 1: every ring index, in disk order. */
static int scan_ring(struct synod_journal *j)
{
	u32 idx;
	int err;

	for (idx = 0; idx < j->count; idx++) {
		err = read_record(j, idx, &j->scan[idx]);
		if (err)
			return err;
		cond_resched();
	}
	return 0;
}

/* Tell the caller about journal sequence @jseq, damaged but durable. */
static void report_corrupt(struct synod_journal *j, u64 jseq,
			   void (*corrupt)(void *ctx, u64 slot, bool known),
			   void *ctx)
{
	struct synod_jscan *sc = &j->scan[ring_index(j, jseq)];
	bool known = sc->jseq == jseq && sc->slot_known;

	j->corrupt++;
	j->slot[ring_index(j, jseq)] = known ? sc->slot : SLOT_FREE;
	corrupt(ctx, known ? sc->slot : 0, known);
}

/*
 * Read the intact record @jseq again, with its payloads; 1 if no longer.
 * Nothing writes the ring during recovery, so a record that changed was
 * read wrong once (media trouble).  It was whole at the scan and may have
 * been acknowledged even in the last batch: it becomes UNSTABLE, which
 * recovery reports corrupt (its slot known from the first read) and
 * never voids as torn.
 */
static int reread(struct synod_journal *j, u64 jseq)
{
	u32 idx = ring_index(j, jseq);
	struct synod_jscan sc;
	int err;

	err = read_record(j, idx, &sc);
	if (err)
		return err;
	if (sc.state == SYNOD_JS_INTACT && sc.jseq == jseq)
		return 0;
	j->scan[idx].state = SYNOD_JS_UNSTABLE;
	return 1;
}

/*
 * Pass 2: the window, in order.  Intact records are read again (the scan
 * kept no payloads) and handed to found(); damaged ones before the last
 * batch are reported corrupt().  Void, reclaimed and torn ones hold
 * nothing that was acknowledged: skipped (the torn ones are voided after).
 */
static int replay(struct synod_journal *j, const struct synod_jscan_end *end,
		  void (*found)(void *ctx, const struct synod_jrec *r),
		  void (*corrupt)(void *ctx, u64 slot, bool slot_known),
		  void *ctx)
{
	struct synod_jrec *r = &j->rec;
	enum synod_jscan_fate fate;
	u64 jseq;
	u32 i;
	int err;

	for (jseq = end->first; jseq <= end->last; jseq++) {
		JCORE(j, fate = synod_jscan_fate(j->scan, j->count, end, jseq));
		if (fate == SYNOD_JF_FOUND) {
			err = reread(j, jseq);
			if (err < 0)
				return err;
			if (err)	/* changed since the scan */
				JCORE(j, fate = synod_jscan_fate(j->scan,
						j->count, end, jseq));
		}
		if (fate == SYNOD_JF_CORRUPT)
			report_corrupt(j, jseq, corrupt, ctx);
		if (fate != SYNOD_JF_FOUND)
			continue;
		memset(r, 0, sizeof(*r));
		r->seq = j->hdr.pseq;
		r->e = j->hdr.e;
		for (i = 0; i < r->e.nwrites; i++) {
			r->len[i] = j->hdr.len[i];
			r->data[i] = page_address(j->pay[i]);
		}
		j->slot[ring_index(j, jseq)] = r->e.slot;
		found(ctx, r);
		cond_resched();
	}
	return 0;
}

/* Encode a void record for @jseq, of the batch @end names, into bio @k. */
static void prep_void(struct synod_journal *j, u32 k, u64 jseq,
		      const struct synod_jscan_end *end)
{
	struct synod_jrec_hdr *h = &j->hdr;

	memset(h, 0, sizeof(*h));
	h->jseq = jseq;
	h->batch_first = end->batch_first;
	h->batch_n = end->batch_n;
	h->flags = SYNOD_JREC_F_VOID;
	h->e.kind = SYNOD_ENTRY_NOOP;
	record_bio(j, k, jseq);
}

/*
 * Rewrite every torn journal sequence of the last batch as a void record,
 * durably, before anything is written after it: once a later batch
 * exists, a damaged record there would be taken for corruption in the
 * middle.  A crash while voiding leaves the same last batch, so the next
 * recovery decides the same.  Returns the number voided or -EIO.
 */
static int void_torn(struct synod_journal *j, const struct synod_jscan_end *end)
{
	enum synod_jscan_fate fate;
	struct synod_jscan *sc;
	u32 k = 0, n = 0;
	u64 jseq;

	for (jseq = end->batch_first; jseq < end->last; jseq++) {
		JCORE(j, fate = synod_jscan_fate(j->scan, j->count, end, jseq));
		if (fate != SYNOD_JF_TORN)
			continue;
		prep_void(j, k++, jseq, end);
		sc = &j->scan[ring_index(j, jseq)];
		sc->jseq = jseq;	/* what the ring holds once written */
		sc->state = SYNOD_JS_VOID;
		n++;
		if (k == SYNOD_JOURNAL_BATCH) {
			if (run_chunk(j, k))
				return -EIO;
			k = 0;
		}
	}
	if (k && run_chunk(j, k))
		return -EIO;
	return n;
}

/*
 * Read the whole ring at attach.  The highest intact journal sequence M
 * ends the journal: the ring holds the window [M - count + 1, M], every
 * sequence of which was written, and M's header names the last batch.
 * Within the window, intact records are found() in order.  A record
 * missing or damaged in the last batch was never acknowledged (jscan.h):
 * it is the torn tail, dropped and rewritten void.  Anything else missing
 * is corrupt(): durable once, since later writes were issued only after
 * it was durable.  Broken records after M are the torn tail too, dropped,
 * if the one batch in flight at a crash can hold them all.  If not, they
 * are damage (end.damaged): durable records, perhaps accepted entries,
 * are lost and their slots unknown, so corrupt() is told once without a
 * slot (the replica then promises nothing until its peers supply the
 * window), and writing resumes past any jseq ever issued (the highest
 * any header names, plus the ring, plus a batch), never over the
 * sequences of records the ring still holds.
 */
int synod_journal_recover(struct synod_journal *j,
			  void (*found)(void *ctx, const struct synod_jrec *r),
			  void (*corrupt)(void *ctx, u64 slot, bool slot_known),
			  void *ctx)
{
	struct synod_jscan_end end;
	u32 idx;
	int err;

	mutex_lock(&j->lock);
	j->recovered = false;
	for (idx = 0; idx < j->count; idx++)
		j->slot[idx] = SLOT_FREE;
	err = scan_ring(j);
	if (err)
		goto out_unlock;
	JCORE(j, synod_jscan_end(j->scan, j->count, SYNOD_JOURNAL_BATCH,
				 &end));
	/*
	 * Sequences are believed up to SYNOD_JSEQ_MAX only: writing past it
	 * would make our own records unbelievable at the next scan.  No
	 * honest journal gets near; a record naming one is crafted or a
	 * checksum collision.
	 */
	if (end.next > SYNOD_JSEQ_MAX) {
		pr_err("synod: journal on %pg: journal sequence %llu is implausible (a crafted or colliding record): refusing to attach\n",
		       j->bdev, end.seen);
		err = -EUCLEAN;
		goto out_unlock;
	}
	/*
	 * Told first, once: the slots of the lost records are unknown, so
	 * the core refuses to promise for its whole window past the
	 * checkpoint it was restored to, whatever the replay then adds.
	 */
	if (end.damaged && end.seen > end.last + SYNOD_JOURNAL_BATCH) {
		pr_warn("synod: journal on %pg: %u damaged record(s) after journal sequence %llu, named up to %llu: more than the one batch a crash can tear, so durable records are lost; writing resumes at %llu\n",
			j->bdev, end.after, end.last, end.seen, end.next);
		j->corrupt += end.after;
		corrupt(ctx, 0, false);
	} else if (end.damaged) {
		pr_warn("synod: journal on %pg: %u damaged record(s) after journal sequence %llu, some naming no sequence, at ring indexes one batch cannot reach: durable records are lost; writing resumes at %llu\n",
			j->bdev, end.after, end.last, end.next);
		j->corrupt += end.after;
		corrupt(ctx, 0, false);
	}
	if (end.last) {
		err = replay(j, &end, found, corrupt, ctx);
		if (err)
			goto out_unlock;
		err = void_torn(j, &end);
		if (err < 0)
			goto out_unlock;
		if (err)
			pr_info("synod: journal: %d torn record(s) of the last batch (journal sequences %llu..%llu) dropped and voided\n",
				err, end.batch_first, end.last);
		err = 0;
	}
	if (!end.damaged && end.after)
		pr_info("synod: journal on %pg: dropped %u torn record(s) after journal sequence %llu\n",
			j->bdev, end.after, end.last);
	j->next_jseq = end.next;
	j->recovered = true;
out_unlock:
	mutex_unlock(&j->lock);
	return err;
}
