// SPDX-License-Identifier: GPL-2.0
/*
 * The journal ring on the backing device, and its write path (contract:
 * journal.h; format: Documentation/ondisk.rst and core/jrec.h; recovery:
 * journal_recover.c).
 *
 * Record J (the journal sequence, 1, 2, ...) lives in ring slot
 * (J - 1) % count, so the ring always holds a window of consecutive
 * sequence numbers and a missing number is a hole, never an ambiguity.
 * Format 3 (superblock format 3) keeps a record's payloads in its slot
 * when they fit, else in the payload ring after the slots, in journal
 * order from its head where those bytes are free (journal_plan.c);
 * either way a chunk of records is a few bios, not one per record: the
 * slots in one (two where the ring wraps) and the payload ring's part in
 * one per run of adjacent payloads.  Format 1 slots are too large to write
 * whole: one bio per record.  Everything the write path uses is
 * allocated at creation: the header pages of one chunk of records, the
 * bios and their vectors and the arrays indexed by ring slot.  The write
 * path allocates nothing.  Recovery's payload buffers (over 1 MiB on a
 * LARGE volume) live only while it runs (journal_recover.c).
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
#include "journal_priv.h"
#include "core/crc32c.h"
#include "core/replica.h"	/* SYNOD_SLOT_BYTES, SYNOD_WINDOW_BYTES */
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

/*
 * Test build only: the bios a chunk may take, if below JBIOS (0: JBIOS),
 * so that tests/vm/journal_debugfs.sh can make a chunk need more bios
 * than it may take and see it fail whole (chunk_bio()).
 */
static unsigned int test_journal_jbios;
SYNOD_TEST_PARAM(test_journal_jbios, uint,
		 "bios a journal chunk may take (0: all it has)");

static void free_pages_of(struct synod_journal *j)
{
	u32 i;

	for (i = 0; i < SYNOD_JOURNAL_BATCH; i++)
		if (j->hpage[i])
			__free_page(j->hpage[i]);
}

static void free_arrays_of(struct synod_journal *j)
{
	kvfree(j->bvec);
	kvfree(j->pay);
	kvfree(j->busy);
	kvfree(j->plan);
	kvfree(j->ext);
	kvfree(j->scan);
	kvfree(j->slot);
}

/*
 * Allocate everything a journal write will ever use, at volume creation:
 * later, under memory pressure, a write must not be able to fail for
 * want of memory.  Only recovery, at attach, allocates more (its payload
 * blocks, journal_recover.c), and frees it before it returns.  The ring geometry comes from a decoded (so checked)
 * superblock of a replicated format (1, 2 or 3).
 */
struct synod_journal *synod_journal_create(struct synod_backing *b,
					   const struct synod_sb *sb,
					   const struct synod_journal_owner *owner)
{
	u32 format = synod_sb_jrec_format(sb);
	struct synod_journal *j;
	u32 i;

	/* A header is one page; every write of an entry has a place. */
	BUILD_BUG_ON(SYNOD_JREC_HDR_SIZE != PAGE_SIZE);
	BUILD_BUG_ON(SYNOD_BATCH_MAX > SYNOD_JREC_WRITES);
	BUILD_BUG_ON(SYNOD_JREC_SIZE % SECTOR_SIZE);
	BUILD_BUG_ON(SYNOD_JREC3_SLOT % PAGE_SIZE);
	/*
	 * The payload ring holds a whole chunk of the largest records;
	 * on a LARGE volume a chunk is cut at SYNOD_JCHUNK_PRING bytes,
	 * which one record never passes (synod_journal_chunk()).
	 */
	BUILD_BUG_ON(SYNOD_PRING_MIN <
		     SYNOD_JOURNAL_BATCH * SYNOD_JREC_WRITES * SYNOD_PAYLOAD_MAX);
	BUILD_BUG_ON(SYNOD_PAYLOAD_MAX_LARGE > SYNOD_JCHUNK_PRING);
	BUILD_BUG_ON(SYNOD_JCHUNK_PRING + SYNOD_PAYLOAD_MAX_LARGE >
		     SYNOD_PRING_MIN_LARGE);
	/* A LARGE record is one slot of the core's: the two bounds are one. */
	BUILD_BUG_ON(SYNOD_PAYLOAD_MAX_LARGE != SYNOD_SLOT_BYTES);
	/*
	 * Records of slots not yet chosen cannot be reclaimed: the least
	 * LARGE ring holds the leader's whole window of them, and a wrap.
	 */
	BUILD_BUG_ON(SYNOD_WINDOW_BYTES + SYNOD_SLOT_BYTES >
		     SYNOD_PRING_MIN_LARGE);
	/* Below SYNOD_JCHUNK_PRING, a ring without LARGE is never cut. */
	BUILD_BUG_ON(SYNOD_JOURNAL_BATCH * SYNOD_JREC_WRITES *
		     SYNOD_PAYLOAD_MAX > SYNOD_JCHUNK_PRING);

	/*
	 * A record's vectors fit one bio, and the bios of a chunk fit
	 * JBIOS: one per record in format 1; in format 3 two for the
	 * slots (a wrap) and one per record for the payload ring (each
	 * may go in a free run of its own, journal_pring.c), plus one
	 * for each BIO_MAX_VECS less a record's vectors (a bio is cut
	 * only when the next record does not fit).
	 * A record of 1 MiB is 64 segments (SYNOD_JREC_SEGS counts the
	 * most, 68), so it fits with room: no record is ever split
	 * across bios (large-requests.md, section 2, option b).
	 */
	BUILD_BUG_ON(JVECS / SYNOD_JOURNAL_BATCH > BIO_MAX_VECS);
	BUILD_BUG_ON(2 + SYNOD_JOURNAL_BATCH +
		     JVECS / (BIO_MAX_VECS - JVECS / SYNOD_JOURNAL_BATCH) >
		     JBIOS);
	/* A ring of one batch could be torn whole (jscan.h) */
	BUILD_BUG_ON(SYNOD_JOURNAL_RECORDS_MIN <= SYNOD_JOURNAL_BATCH);
	if (!synod_sb_is_repl(sb) ||
	    sb->jrec_size != (format == SYNOD_JREC_FORMAT_V3 ?
			      SYNOD_JREC3_SLOT : SYNOD_JREC_SIZE) ||
	    sb->jrec_count < SYNOD_JOURNAL_RECORDS_MIN ||
	    sb->journal_offset % SECTOR_SIZE ||
	    (format == SYNOD_JREC_FORMAT_V3 &&
	     synod_sb_pring_size(sb) < SYNOD_PRING_MIN))
		return ERR_PTR(-EINVAL);
	/* decode checks it; the chunk bound rests on it (journal_plan.c) */
	if ((sb->flags & SYNOD_SB_FLAG_LARGE) &&
	    (format != SYNOD_JREC_FORMAT_V3 ||
	     synod_sb_pring_size(sb) < SYNOD_PRING_MIN_LARGE))
		return ERR_PTR(-EINVAL);

	j = kzalloc(sizeof(*j), GFP_KERNEL);
	if (!j)
		return ERR_PTR(-ENOMEM);
	j->bdev = b->bdev;
	if (owner)
		j->owner = *owner;
	memcpy(j->uuid, sb->uuid, sizeof(j->uuid));
	j->format = format;
	j->paymax = synod_sb_paymax(sb);
	j->start = sb->journal_offset >> SECTOR_SHIFT;
	j->count = sb->jrec_count;
	j->slot_bytes = sb->jrec_size;
	j->pstart = j->start + (((u64)sb->jrec_size * sb->jrec_count) >>
				SECTOR_SHIFT);
	j->psize = synod_sb_pring_size(sb);
	j->applied0 = sb->applied_index;
	j->next_jseq = 1;
	atomic64_set(&j->reclaim, sb->applied_index);
	mutex_init(&j->lock);
	init_completion(&j->done);

	j->slot = kvmalloc_array(j->count, sizeof(*j->slot), GFP_KERNEL);
	j->ext = kvcalloc(j->count, sizeof(*j->ext), GFP_KERNEL);
	j->plan = kvcalloc(j->count, sizeof(*j->plan), GFP_KERNEL);
	/* format 1 has no payload ring: nothing to share or place */
	if (j->psize) {
		j->pay = kvcalloc(j->count, sizeof(*j->pay), GFP_KERNEL);
		j->busy = kvcalloc(j->count + SYNOD_JOURNAL_BATCH,
				   sizeof(*j->busy), GFP_KERNEL);
	}
	j->scan = kvcalloc(j->count, sizeof(*j->scan), GFP_KERNEL);
	j->bvec = kvcalloc(JVECS, sizeof(*j->bvec), GFP_KERNEL);
	if (!j->slot || !j->ext || !j->plan ||
	    (j->psize && (!j->pay || !j->busy)) ||
	    !j->scan || !j->bvec)
		goto out_free;
	for (i = 0; i < j->count; i++)
		j->slot[i] = SLOT_FREE;
	for (i = 0; i < SYNOD_JOURNAL_BATCH; i++) {
		j->hpage[i] = alloc_page(GFP_KERNEL);
		if (!j->hpage[i])
			goto out_free_pages;
	}
	return j;

out_free_pages:
	free_pages_of(j);
out_free:
	free_arrays_of(j);
	kfree(j);
	return ERR_PTR(-ENOMEM);
}

/* Encode j->hdr into header page @k, in the owner's window. */
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
	free_arrays_of(j);
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

/*
 * A record the caller may hand us: the format bounds every field, and
 * the volume its payloads (j->paymax each, SYNOD_JREC_PAYLEN_MAX of it
 * together: on a LARGE volume the slot byte cap, 1 MiB).
 */
static bool rec_ok(const struct synod_journal *j, const struct synod_jrec *r)
{
	u32 i, nseg = 0, len = 0, paymax = READ_ONCE(j->paymax);

	if (r->e.kind == SYNOD_ENTRY_WRITE ?
	    (!r->e.nwrites || r->e.nwrites > SYNOD_BATCH_MAX) : r->e.nwrites)
		return false;
	if (r->e.flags & ~SYNOD_ENTF_ALL)
		return false;
	for (i = 0; i < r->e.nwrites; i++) {
		if (!r->len[i] || r->len[i] % SECTOR_SIZE ||
		    r->len[i] > paymax ||
		    !synod_jseg_ok(r->seg[i], r->nseg[i], r->len[i]))
			return false;
		/* JVECS counts SYNOD_JREC_SEGS vectors of a record at most */
		nseg += r->nseg[i];
		len += r->len[i];	/* <= 4 x 1 MiB: no wrap */
	}
	if (nseg > SYNOD_JREC_SEGS || len > SYNOD_JREC_PAYLEN_MAX(paymax))
		return false;
	return r->e.kind >= SYNOD_ENTRY_NOOP && r->e.kind <= SYNOD_ENTRY_CONFIG;
}

/*
 * The superblock says LARGE now (synod_jq_queue() wrote it before the
 * first record over SYNOD_PAYLOAD_MAX): take payloads of up to
 * SYNOD_PAYLOAD_MAX_LARGE.  Without j->lock, which a group write holds
 * across its I/O: the bound only ever rises, so a write running
 * meanwhile checks its records against the old bound or the new, and
 * both hold for what it was given.  False if this journal's geometry
 * cannot hold large records (never, after synod_repl_large_ok()).
 */
bool synod_journal_set_large(struct synod_journal *j)
{
	if (WARN_ON_ONCE(j->format != SYNOD_JREC_FORMAT_V3 ||
			 j->psize < SYNOD_PRING_MIN_LARGE))
		return false;
	WRITE_ONCE(j->paymax, SYNOD_PAYLOAD_MAX_LARGE);
	return true;
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
 * Start the next bio of the chunk, a write at @sector, its vectors the
 * rest of the shared pool (the previous bio is complete: it keeps the
 * ones it used).  FUA: what it holds is on stable media when it
 * completes.  That is all a record needs; nothing else has to be
 * durable before it (the data area is made durable by the checkpoint's
 * own flush before any record is reclaimed), so no PREFLUSH, and no
 * flush after the chunk: one trip to the disk per chunk instead of two,
 * and a disk with a write cache writes the records through rather than
 * emptying its whole cache (the block layer turns FUA into a flush after
 * the write where the disk cannot do FUA, and drops it where there is
 * no volatile cache).
 */
static struct bio *chunk_bio(struct synod_journal *j, sector_t sector)
{
	u32 jbios = READ_ONCE(test_journal_jbios) ?: JBIOS;
	blk_opf_t opf = REQ_OP_WRITE | REQ_SYNC | REQ_FUA;
	struct bio *bio;

	/*
	 * JBIOS and JVECS bound what a chunk can need by construction
	 * (journal_priv.h), as write_chunk() and void_torn() build them,
	 * and synod_journal_create() checks the sums.  Should a change
	 * break that, the chunk fails (NULL: the caller drops it with
	 * synod_journal_drop(), nothing submitted) rather than run past
	 * j->bio[] or j->bvec: a bio started with no vector left would
	 * get bi_max_vecs 0, and __bio_add_page() only warns on a full
	 * bio and writes past it anyway.
	 */
	if (WARN_ON_ONCE(j->nbio >= min_t(u32, jbios, JBIOS)))
		return NULL;
	if (j->nbio)
		j->nvec += j->bio[j->nbio - 1].bi_vcnt;
	if (WARN_ON_ONCE(j->nvec >= JVECS))
		return NULL;
	if (READ_ONCE(test_journal_no_flush))
		opf &= ~REQ_FUA;
	bio = &j->bio[j->nbio++];
	/* what stacked drivers and bio clones can take (fits_bio()) */
	bio_init(bio, j->bdev, j->bvec + j->nvec,
		 min_t(u32, JVECS - j->nvec, BIO_MAX_VECS), opf);
	bio->bi_iter.bi_sector = sector;
	bio->bi_end_io = journal_end_io;
	bio->bi_private = j;
	return bio;
}

/*
 * Drop the bios of the chunk built so far, none submitted: the chunk
 * fails whole, nothing of it written, the head where it was (the
 * callers return -EIO).
 */
void synod_journal_drop(struct synod_journal *j)
{
	u32 k;

	for (k = 0; k < j->nbio; k++)
		bio_uninit(&j->bio[k]);
	j->nbio = 0;
	j->nvec = 0;
}

/*
 * Encode j->hdr into header page @k and start a bio with it: a write of
 * that header at the start of @jseq's ring slot, not yet submitted (the
 * caller may add the record's payloads).  NULL if the chunk has no bio
 * left (chunk_bio()).
 */
struct bio *synod_journal_header_bio(struct synod_journal *j, u32 k,
				     u64 jseq)
{
	struct bio *bio;

	encode_owned(j, k);
	bio = chunk_bio(j, synod_journal_slot_sector(j,
					synod_journal_index(j, jseq)));
	if (bio)
		__bio_add_page(bio, j->hpage[k], SYNOD_JREC_HDR_SIZE, 0);
	return bio;
}

/* Add @len bytes of the zero page: the rest of a slot, written whole. */
static void add_zeros(struct bio *bio, u32 len)
{
	u32 n;

	for (; len; len -= n) {
		n = min_t(u32, len, PAGE_SIZE);
		__bio_add_page(bio, ZERO_PAGE(0), n, 0);
	}
}

/*
 * Whether @bio takes @n more vectors: a bio never holds more than
 * BIO_MAX_VECS (stacked drivers such as dm and bio clones expect no
 * more), so a chunk whose records need more starts another bio.
 */
static bool fits_bio(const struct bio *bio, u32 n)
{
	return bio->bi_vcnt + n <= min_t(u32, bio->bi_max_vecs, BIO_MAX_VECS);
}

/* Vectors of @len bytes of zeros (add_zeros()). */
static u32 zero_vecs(u32 len)
{
	return DIV_ROUND_UP(len, PAGE_SIZE);
}

/* Vectors of record @r's payloads: one per segment. */
static u32 rec_segs(const struct synod_jrec *r)
{
	u32 i, n = 0;

	for (i = 0; i < r->e.nwrites; i++)
		n += r->nseg[i];
	return n;
}

/*
 * Whether @bio, just started by chunk_bio() (NULL: none left), takes the
 * @n vectors its first record still adds.  JVECS and BIO_MAX_VECS bound
 * a record's by construction (journal_priv.h, synod_journal_create());
 * should a change break that, the chunk fails rather than
 * add_payloads() writing past the bio's vectors.
 */
static bool new_bio_fits(const struct bio *bio, u32 n)
{
	return bio && !WARN_ON_ONCE(!fits_bio(bio, n));
}

/* Add record @r's payloads (segment lists, rec_ok()) in order. */
static void add_payloads(struct bio *bio, const struct synod_jrec *r)
{
	u32 i;

	for (i = 0; i < r->e.nwrites; i++)
		synod_jseg_add(bio, r->seg[i], r->nseg[i]);
}

/*
 * Submit the bios of the chunk built so far (chunk_bio()) all at once
 * and wait for every one: 0 once all are durable, else -EIO.  (The test
 * knob test_journal_no_flush drops the FUA.)
 */
int synod_journal_run(struct synod_journal *j)
{
	struct blk_plug plug;
	u32 k;

	atomic_set(&j->pending, 1);
	j->io_err = 0;
	reinit_completion(&j->done);
	blk_start_plug(&plug);
	for (k = 0; k < j->nbio; k++) {
		atomic_inc(&j->pending);
		submit_bio(&j->bio[k]);
	}
	blk_finish_plug(&plug);
	if (!atomic_dec_and_test(&j->pending))
		wait_for_completion_io(&j->done);
	for (k = 0; k < j->nbio; k++)
		bio_uninit(&j->bio[k]);
	j->nbio = 0;
	j->nvec = 0;
	if (READ_ONCE(j->io_err))
		return -EIO;
	return 0;
}

/*
 * Records of @recs (@n > 0) the next chunk takes: SYNOD_JOURNAL_BATCH at
 * most, and no more than SYNOD_JCHUNK_PRING of payload ring bytes, the
 * first record always (none passes it alone: rec_ok() bounds it by the
 * slot byte cap).  A chunk is one batch on disk (batch_first, batch_n),
 * written whole and waited for, so a crash tears the last batch only
 * (core/jscan.h) and a batch never needs more ring than
 * SYNOD_PRING_MIN_LARGE.  Without LARGE no chunk reaches the byte
 * bound.  Pure arithmetic on lengths and the fixed geometry: the writer
 * (replica_jq.c) cuts its pieces with it before taking the lock.
 */
unsigned int synod_journal_chunk(const struct synod_journal *j,
				 const struct synod_jrec *recs, unsigned int n)
{
	unsigned int k;
	u64 bytes = 0;

	for (k = 0; k < n && k < SYNOD_JOURNAL_BATCH; k++) {
		bytes += synod_journal_rec_pring(j, &recs[k]);
		if (k && bytes > SYNOD_JCHUNK_PRING)
			break;
	}
	return n ? max(k, 1u) : 0;
}

/* Fill j->hdr for record @r as journal sequence @jseq of its batch. */
static void prep_header(struct synod_journal *j, const struct synod_jrec *r,
			u64 jseq, u64 first, u32 n,
			const struct synod_jext *plan, const u32 *crc)
{
	struct synod_jrec_hdr *h = &j->hdr;
	u32 i;

	memset(h, 0, sizeof(*h));
	h->format = j->format;
	h->paymax = READ_ONCE(j->paymax);
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
		h->crc[i] = crc[i];
	}
	if (plan->len) {
		h->flags |= SYNOD_JREC_F_PRING;
		h->poff = plan->off;
	}
}

/*
 * Write @n records (n <= SYNOD_JOURNAL_BATCH) as journal sequences
 * next_jseq.., where @plan says (synod_journal_write()), all in flight at
 * once (FUA).  In format 3 there is one bio per run of adjacent slots up
 * to BIO_MAX_VECS vectors, each slot written whole (the room a record
 * leaves is zeros) except the last slot of each bio, which is unpadded;
 * the payloads placed in the payload ring go in more bios, one per run
 * of adjacent ones up to BIO_MAX_VECS vectors.  Only when everything is
 * durable does the head move and the ring learn what it holds.
 */
static int write_chunk(struct synod_journal *j, const struct synod_jrec *recs,
		       u32 n, const struct synod_jext *plan)
{
	u64 first = j->next_jseq, pend = 0;
	struct bio *bio = NULL;
	u32 k, idx, nbio, tail, used = 0;

	for (k = 0; k < n; k++) {
		idx = synod_journal_index(j, first + k);
		prep_header(j, &recs[k], first + k, first, n, &plan[k],
			    j->ccrc[k]);
		/*
		 * used <= slot_bytes: synod_journal_plan() keeps payloads
		 * in the slot only where they fit.
		 */
		/*
		 * A bio at BIO_MAX_VECS ends at the slot before, unpadded
		 * as the last one of a chunk is.
		 */
		if (bio && j->format == SYNOD_JREC_FORMAT_V3 &&
		    idx == synod_journal_index(j, first + k - 1) + 1 &&
		    fits_bio(bio, zero_vecs(j->slot_bytes - used) + 1 +
				  (plan[k].len ? 0 : rec_segs(&recs[k])))) {
			add_zeros(bio, j->slot_bytes - used);
			encode_owned(j, k);
			__bio_add_page(bio, j->hpage[k], SYNOD_JREC_HDR_SIZE, 0);
		} else {
			bio = synod_journal_header_bio(j, k, first + k);
			if (!new_bio_fits(bio, plan[k].len ? 0 :
					  rec_segs(&recs[k])))
				goto drop;
		}
		used = SYNOD_JREC_HDR_SIZE;
		if (!plan[k].len) {
			add_payloads(bio, &recs[k]);
			used += synod_journal_rec_paylen(&recs[k]);
		}
	}
	bio = NULL;
	for (k = 0; k < n; k++) {
		/* a shared record's payloads are on disk already */
		if (!plan[k].len || plan[k].shared)
			continue;
		/* the rest of its last block, so the next one is adjacent */
		tail = plan[k].len - synod_journal_rec_paylen(&recs[k]);
		if (!bio || plan[k].off != pend ||
		    !fits_bio(bio, rec_segs(&recs[k]) + zero_vecs(tail))) {
			bio = chunk_bio(j, synod_journal_pring_sector(j,
							plan[k].off));
			if (!new_bio_fits(bio, rec_segs(&recs[k]) +
					  zero_vecs(tail)))
				goto drop;
		}
		add_payloads(bio, &recs[k]);
		add_zeros(bio, tail);
		pend = plan[k].off + plan[k].len;
	}
	nbio = j->nbio;
	if (synod_journal_run(j))
		return -EIO;

	for (k = 0; k < n; k++) {
		idx = synod_journal_index(j, first + k);
		j->slot[idx] = recs[k].e.slot;
		j->ext[idx] = plan[k];
		synod_jshare_note(j, idx, &recs[k].e, recs[k].len, j->ccrc[k],
				  plan[k].len);
		if (plan[k].shared)
			j->shared++;
		else if (plan[k].len)
			j->phead = plan[k].off + plan[k].len;
	}
	j->next_jseq += n;
	j->written += n;
	j->bios += nbio;
	j->chunks++;
	return 0;
drop:
	synod_journal_drop(j);
	return -EIO;
}

/*
 * The CRC-32C of each payload of the @n records (a chunk) at @recs, in
 * j->ccrc[]: computed once, for the headers (prep_header()) and to know
 * a payload written before (synod_journal_plan()).
 */
static void chunk_crcs(struct synod_journal *j, const struct synod_jrec *recs,
		       u32 n)
{
	u32 k, i;

	WARN_ON_ONCE(n > SYNOD_JOURNAL_BATCH);
	for (k = 0; k < n && k < SYNOD_JOURNAL_BATCH; k++)
		for (i = 0; i < SYNOD_BATCH_MAX; i++)
			j->ccrc[k][i] = i < recs[k].e.nwrites ?
				synod_jseg_crc(recs[k].seg[i], recs[k].nseg[i]) :
				0;
}

int synod_journal_write(struct synod_journal *j, const struct synod_jrec *recs,
			unsigned int n)
{
	u64 reclaim = atomic64_read(&j->reclaim);
	unsigned int i, k;
	int err = 0;

	mutex_lock(&j->lock);
	if (!j->recovered) {
		err = -EINVAL;
		goto out_unlock;
	}
	for (i = 0; i < n; i++)
		if (!rec_ok(j, &recs[i])) {
			err = -EINVAL;
			goto out_unlock;
		}
	/*
	 * The slots of the whole write first: -ENOSPC here means nothing
	 * written.  The payload ring is planned chunk by chunk below, where
	 * -ENOSPC leaves the chunks before durable (journal.h).
	 */
	if (n > j->count) {
		err = -ENOSPC;
		goto out_unlock;
	}
	for (i = 0; i < n; i++) {
		u64 held = j->slot[synod_journal_index(j, j->next_jseq + i)];

		if (held != SLOT_FREE && held > reclaim) {
			err = -ENOSPC;
			goto out_unlock;
		}
	}
	/*
	 * Each chunk planned on its own, after the one before is durable
	 * and the head has moved: the ring need hold one chunk at a time.
	 */
	for (i = 0; i < n && !err; i += k) {
		k = synod_journal_chunk(j, recs + i, n - i);
		chunk_crcs(j, recs + i, k);
		err = synod_journal_plan(j, recs + i, k, reclaim) ?:
		      write_chunk(j, recs + i, k, j->plan);
	}
out_unlock:
	mutex_unlock(&j->lock);
	return err;
}
