// SPDX-License-Identifier: GPL-2.0
/*
 * Journal recovery at attach (contract: journal.h; the rules:
 * Documentation/ondisk.rst, "Recovery", and core/jscan.h, which decides).
 *
 * Pass 1 reads every ring slot and checks its record: header, and the
 * payloads wherever they are (in the slot, or in format 3's payload ring).
 * What it found damaged where a misread would cost a record is read
 * again: the batch after the end (the end's own record may have been
 * misread), then the window's torn and corrupt records (a misread is
 * neither a torn write nor corruption).  Then one cache flush makes what
 * was read durable (flush_reads()).  Pass 2 replays the window in
 * journal order, reports what is corrupt, and rewrites the torn tail
 * void.  Afterwards the write path (journal.c) knows the head, which
 * slot holds which log slot, and which payload ring bytes are held.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/mm.h>
#include <linux/sched.h>

#include "synod.h"
#include "journal_priv.h"
#include "core/crc32c.h"
#include "testing.h"

/*
 * Test build only (testing.h): the journal sequence whose record
 * reread() takes for changed once, as a transient misread of failing
 * media would make it (0: none).  It clears itself when used.
 * recovery.bats uses it to show that such a record keeps its payload
 * ring bytes.
 */
static unsigned long test_journal_unstable;
SYNOD_TEST_PARAM(test_journal_unstable, ulong,
		 "journal sequence recovery misreads once when it reads it again");

/*
 * Test build only: the journal sequence whose record the scan (pass 1)
 * takes for broken once, header and trailer both, as a bad transfer can
 * make a record that is whole on the medium read (0: none).  It clears
 * itself when used.  recovery.bats names a record of the last batch
 * below its end, the end itself, and one before the last batch: each
 * must be read again (recheck_after_end(), recheck_window()), not voided
 * as torn, dropped after the end, or reported corrupt.
 */
static unsigned long test_journal_misread_scan;
SYNOD_TEST_PARAM(test_journal_misread_scan, ulong,
		 "journal sequence the recovery scan misreads once");

/*
 * Test build only: the next recovery's cache flush (flush_reads()) fails
 * with -EIO, once, as a disk that fails a flush does: recovery must
 * then fail whole, having reported nothing (journal.h).
 */
static bool test_journal_flush_fail;
SYNOD_TEST_PARAM(test_journal_flush_fail, bool,
		 "the next journal recovery's cache flush fails (-EIO), once");

/*
 * The vectors a read bio may take: what j->bvec holds, capped at
 * BIO_MAX_VECS, the most the block layer lets a bio carry (stacked
 * drivers and bio clones expect no more; journal.c caps its write bios
 * alike).  A read takes a header, or one vector per 16 KiB block of its
 * payloads (add_read_blocks()).
 */
#define RVECS	min_t(u32, JVECS, BIO_MAX_VECS)

/*
 * The payload blocks recovery reads into, 16 KiB each (SYNOD_PAYLOAD_MAX,
 * one payload chain buffer's size): as many as the largest record of
 * the volume takes, one per write at 16 KiB, SYNOD_JREC_SEGS on a LARGE
 * volume (1 MiB and a part-filled block per write).  Allocated for one
 * synod_journal_recover() and freed at its end, so that an idle volume
 * does not pin a megabyte it reads only at attach; GFP_KERNEL, since
 * recovery runs at attach, where the payload store grows too.
 */
static u32 rbuf_count(const struct synod_journal *j)
{
	return j->paymax > SYNOD_PAYLOAD_MAX ? SYNOD_JREC_SEGS :
					       SYNOD_JREC_WRITES;
}

static void rbuf_free(struct synod_journal *j)
{
	u32 i;

	for (i = 0; j->rbuf && i < j->nrbuf; i++)
		if (j->rbuf[i])
			__free_pages(j->rbuf[i], PAYLOAD_ORDER);
	kfree(j->rbuf);
	j->rbuf = NULL;
	j->nrbuf = 0;
}

static int rbuf_alloc(struct synod_journal *j)
{
	u32 i, n = rbuf_count(j);

	/* a block is one bio vector; a record's fit one bio */
	BUILD_BUG_ON(SYNOD_JREC_SEGS >= BIO_MAX_VECS);
	j->rbuf = kcalloc(n, sizeof(*j->rbuf), GFP_KERNEL);
	if (!j->rbuf)
		return -ENOMEM;
	j->nrbuf = n;
	for (i = 0; i < n; i++) {
		j->rbuf[i] = alloc_pages(GFP_KERNEL, PAYLOAD_ORDER);
		if (!j->rbuf[i]) {
			rbuf_free(j);
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * Add the payloads @h names to @bio, each from a block of its own on,
 * one vector per block of j->rbuf, and note them as segments: j->rseg
 * in order, j->rnseg[i] of them for write i.  False if they need more
 * blocks than there are (decode bounds them: never).
 */
static bool add_read_blocks(struct synod_journal *j, struct bio *bio,
			    const struct synod_jrec_hdr *h)
{
	u32 i, off, n, blk = 0;

	for (i = 0; i < h->e.nwrites; i++) {
		j->rnseg[i] = 0;
		for (off = 0; off < h->len[i]; off += n) {
			if (WARN_ON_ONCE(blk >= j->nrbuf))
				return false;
			n = min_t(u32, h->len[i] - off, SYNOD_PAYLOAD_MAX);
			__bio_add_page(bio, j->rbuf[blk], n, 0);
			j->rseg[blk].data = page_address(j->rbuf[blk]);
			j->rseg[blk].len = n;
			j->rnseg[i]++;
			blk++;
		}
	}
	return true;
}

/* Whether each payload read (add_read_blocks()) has the CRC its header names. */
static bool payloads_ok(struct synod_journal *j, const struct synod_jrec_hdr *h)
{
	u32 i, blk = 0;

	for (i = 0; i < h->e.nwrites; i++) {
		if (synod_jseg_crc(&j->rseg[blk], j->rnseg[i]) != h->crc[i])
			return false;
		blk += j->rnseg[i];
	}
	return true;
}

/* One synchronous read into the bio vectors already added to bio[0]. */
static int read_submit(struct synod_journal *j)
{
	int err = submit_bio_wait(&j->bio[0]);

	bio_uninit(&j->bio[0]);
	return err;
}

/*
 * Read and check the record at ring slot @idx into j->hdr and the
 * payload buffers.  Returns 0 and fills @sc; -EIO only if the device
 * fails the read.  @ext (NULL: not wanted) gets the payload ring bytes
 * the record holds wherever its header checked, whatever its payloads
 * do: as synod_journal_plan() placed them, whole blocks.
 */
static int read_record(struct synod_journal *j, u32 idx,
		       struct synod_jscan *sc, struct synod_jext *ext)
{
	struct synod_jrec_hdr *h = &j->hdr;
	struct bio *bio = &j->bio[0];
	u8 *hbuf = page_address(j->hpage[0]);
	sector_t psector;
	u32 paylen;
	int st;

	memset(sc, 0, sizeof(*sc));
	bio_init(bio, j->bdev, j->bvec, RVECS, REQ_OP_READ);
	bio->bi_iter.bi_sector = synod_journal_slot_sector(j, idx);
	__bio_add_page(bio, j->hpage[0], SYNOD_JREC_HDR_SIZE, 0);
	if (read_submit(j))
		return -EIO;

	JCORE(j, st = synod_jrec_decode(hbuf, SYNOD_JREC_HDR_SIZE, j->uuid,
					j->format, j->paymax, h));
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
		    synod_journal_index(j, sc->jseq) == idx)
			sc->slot_known = true;
		else
			sc->jseq = 0;
		return 0;
	}
	JCORE(j, paylen = synod_jrec_paylen(h));
	/*
	 * A record at an index not its own was misdirected, one naming an
	 * impossible sequence or payload ring bytes outside the ring
	 * crafted or colliding: broken, naming nothing.
	 */
	if (h->jseq > SYNOD_JSEQ_MAX || synod_journal_index(j, h->jseq) != idx)
		return 0;
	if ((h->flags & SYNOD_JREC_F_PRING) &&
	    (h->poff > j->psize || paylen > j->psize - h->poff))
		return 0;
	sc->jseq = h->jseq;
	sc->slot = h->e.slot;
	sc->slot_known = true;
	if (ext && (h->flags & SYNOD_JREC_F_PRING)) {
		ext->off = h->poff;
		ext->len = round_up(paylen, SYNOD_PRING_ALIGN);
		ext->shared = false;	/* replay() tells */
	}
	sc->batch_first = h->batch_first;
	sc->batch_n = h->batch_n;
	if (h->flags & SYNOD_JREC_F_VOID) {
		sc->state = SYNOD_JS_VOID;
		return 0;
	}

	if (paylen) {
		psector = (h->flags & SYNOD_JREC_F_PRING) ?
			  synod_journal_pring_sector(j, h->poff) :
			  synod_journal_slot_sector(j, idx) +
			  (SYNOD_JREC_HDR_SIZE >> SECTOR_SHIFT);
		bio_init(bio, j->bdev, j->bvec, RVECS, REQ_OP_READ);
		bio->bi_iter.bi_sector = psector;
		if (!add_read_blocks(j, bio, h)) {
			bio_uninit(bio);
			return 0;	/* broken, as if unreadable */
		}
		if (read_submit(j))
			return -EIO;
	}
	if (!payloads_ok(j, h))
		goto bad_payload;
	sc->state = SYNOD_JS_INTACT;
	return 0;

bad_payload:
	/*
	 * The payload ring is reused once the records holding it are
	 * reclaimed, which their slots need not be yet: a record applied
	 * and checkpointed (at or below the superblock's applied index, the
	 * highest reclaim point ever given) whose payloads were overwritten
	 * holds nothing anyone needs.  It counts as void: written whole,
	 * replayed never.
	 */
	if ((h->flags & SYNOD_JREC_F_PRING) && h->e.slot <= j->applied0)
		sc->state = SYNOD_JS_VOID;
	return 0;
}

/*
 * test_journal_misread_scan: the scan found @sc (with @ext) whole; make it
 * what a misread header whose trailer failed too leaves: broken, naming
 * nothing, holding no payload ring bytes.  (See reread() for the ulong
 * knob against a u64 jseq.)
 */
static void test_misread_scan(struct synod_jscan *sc, struct synod_jext *ext)
{
	u64 jseq = sc->jseq;

	if (sc->state != SYNOD_JS_INTACT || !jseq ||
	    READ_ONCE(test_journal_misread_scan) != jseq ||
	    cmpxchg(&test_journal_misread_scan, jseq, 0) != jseq)
		return;
	memset(sc, 0, sizeof(*sc));
	sc->state = SYNOD_JS_BROKEN;
	memset(ext, 0, sizeof(*ext));
}

/*
 * Pass 1: every ring index, in disk order.  j->ext[] gets what each
 * header names; replay() keeps it where the slot stays held.
 */
static int scan_ring(struct synod_journal *j)
{
	u32 idx;
	int err;

	for (idx = 0; idx < j->count; idx++) {
		err = read_record(j, idx, &j->scan[idx], &j->ext[idx]);
		if (err)
			return err;
		test_misread_scan(&j->scan[idx], &j->ext[idx]);
		cond_resched();
	}
	return 0;
}

/*
 * Tell the caller about journal sequence @jseq, damaged but durable.
 * Its slot stays held where known.  So do its payload ring bytes where
 * its header checked (the scan or rescan() put them in j->ext[]),
 * and the head moves past them, exactly as for a record read whole: the
 * damage may be a misread of a record whole on the medium (its payload
 * failing its CRC once, or UNSTABLE), perhaps acknowledged, which the
 * next recovery must find whole, not with its payloads written over by
 * later records (and, as the journal's end, taken for a torn tail).
 * Holding them costs what holding an intact record's costs: no more than
 * one extent per ring index, freed with the slot at the reclaim point.
 */
static void report_corrupt(struct synod_journal *j, u64 jseq,
			   void (*corrupt)(void *ctx, u64 slot, bool known),
			   void *ctx)
{
	u32 idx = synod_journal_index(j, jseq);
	struct synod_jscan *sc = &j->scan[idx];
	bool known = sc->jseq == jseq && sc->slot_known;

	j->corrupt++;
	j->slot[idx] = known ? sc->slot : SLOT_FREE;
	/* damaged: nothing of it to share (journal_share.c) */
	synod_jshare_forget(j, idx);
	if (known && j->ext[idx].len)
		synod_jshare_move_head(j, idx);
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
	u32 idx = synod_journal_index(j, jseq);
	struct synod_jscan sc;
	int err;

	err = read_record(j, idx, &sc, NULL);
	if (err)
		return err;
	/*
	 * A ulong knob against a u64 jseq: where long is 32 bits a jseq
	 * past 2^32 never equals it, so the knob does not fire (the tests
	 * name small ones), and the cmpxchg() runs only once they matched.
	 */
	if (READ_ONCE(test_journal_unstable) == jseq &&
	    cmpxchg(&test_journal_unstable, jseq, 0) == jseq)
		sc.state = SYNOD_JS_BROKEN;
	if (sc.state == SYNOD_JS_INTACT && sc.jseq == jseq)
		return 0;
	j->scan[idx].state = SYNOD_JS_UNSTABLE;
	return 1;
}

/*
 * Say that the scan misread window record @jseq, whole on the medium,
 * and what that spared it: @fate, what the scan's read made of it.
 */
static void warn_misread(struct synod_journal *j, u64 jseq,
			 enum synod_jscan_fate fate)
{
	if (fate == SYNOD_JF_TORN)
		pr_warn("synod: journal on %pg: journal sequence %llu of the last batch misread at the scan, whole when read again: kept, not voided (the device may be failing)\n",
			j->bdev, jseq);
	else if (fate == SYNOD_JF_CORRUPT)
		pr_warn("synod: journal on %pg: journal sequence %llu misread at the scan, whole when read again: replayed, not reported corrupt (the device may be failing)\n",
			j->bdev, jseq);
	else
		pr_warn("synod: journal on %pg: journal sequence %llu misread at the scan, whole when read again (the device may be failing)\n",
			j->bdev, jseq);
}

/*
 * Read the ring index of journal sequence @jseq again, after the scan
 * found it damaged or missing.  What synod_jscan_keep() finds worth
 * keeping (a whole record of @jseq, or of the window: the scan misread
 * it) replaces what the scan noted there, its payload ring extent too
 * (should replay() find it changed again, report_corrupt() holds those
 * bytes with its slot).  Returns what was kept (enum synod_jscan_keep;
 * only SYNOD_JK_ASKED can move the end), or -EIO.
 */
static int rescan(struct synod_journal *j, const struct synod_jscan_end *end,
		  u64 jseq)
{
	u32 idx = synod_journal_index(j, jseq);
	enum synod_jscan_fate fate = SYNOD_JF_FOUND;
	enum synod_jscan_keep keep;
	struct synod_jext ext = {0};
	struct synod_jscan sc;
	int err;

	err = read_record(j, idx, &sc, &ext);
	cond_resched();
	if (err)
		return err;
	JCORE(j, keep = synod_jscan_keep(j->scan, j->count, end, jseq, &sc));
	if (keep == SYNOD_JK_NONE)
		return keep;
	/* a window record: what the scan's read made of it, for the log */
	if (sc.jseq <= end->last)
		JCORE(j, fate = synod_jscan_fate(j->scan, j->count, end,
						 sc.jseq));
	j->scan[idx] = sc;
	j->ext[idx] = ext;
	if (sc.jseq <= end->last)
		warn_misread(j, sc.jseq, fate);
	return keep;
}

/*
 * Before the end is believed: read again the records a torn tail can
 * hold, the batch after the end (synod_jscan_after_next() says which,
 * round by round).  Should the scan have misread the true end's record,
 * whole on the medium and perhaps acknowledged (a follower's vote
 * counted toward a majority), the end found is lower and that record
 * lies after it, in what is dropped as the torn tail and written over by
 * the next records: an accepted entry forgotten.  Read whole now, it
 * counts, and @end is computed anew; where the end moved, the batch
 * after the new end is read too.  A window record read whole at one of
 * those indexes (after the first lap they are also the oldest window
 * records') is kept as well.  Still broken, the records are the torn
 * tail as before.
 */
static int recheck_after_end(struct synod_journal *j,
			     struct synod_jscan_end *end)
{
	struct synod_jscan_after it = {0};
	bool more;
	int keep;

	/* bounded: synod_jscan_after_next() ends after j->count rounds */
	for (;;) {
		JCORE(j, more = synod_jscan_after_next(j->scan, j->count,
						       SYNOD_JOURNAL_BATCH,
						       end, &it));
		if (!more)
			return 0;
		keep = rescan(j, end, it.jseq);
		if (keep < 0)
			return keep;
		if (keep != SYNOD_JK_ASKED)
			continue;
		pr_warn("synod: journal on %pg: journal sequence %llu after the journal's end misread at the scan, whole when read again: kept, not dropped as torn (the device may be failing)\n",
			j->bdev, it.jseq);
		it.moved = true;
	}
}

/*
 * Before the replay: read again every record of the window that the scan
 * found damaged or missing (synod_jscan_recheck()).  A bad transfer can
 * make a record whole on the medium read broken.  In the last batch
 * below its end it looks torn, but it was written whole, perhaps
 * acknowledged, and voiding it would lose it for good; before the last
 * batch it looks corrupt, and the replica would fetch it from its peers
 * and, its slot unknown, promise nothing meanwhile.  Read whole now, it
 * is taken as the scan should have taken it (rescan() says so): replay()
 * reads it once more and finds it (or, changed again, reports it
 * UNSTABLE), and void_torn() leaves it.  Still damaged, it is torn or
 * corrupt as before.  At most the window's records are read, into the
 * buffers the scan used, all of them only where the ring is damaged
 * throughout; nothing else is written meanwhile.
 */
static int recheck_window(struct synod_journal *j,
			  const struct synod_jscan_end *end)
{
	bool again;
	u64 jseq;
	int err;

	for (jseq = end->first; jseq <= end->last; jseq++) {
		JCORE(j, again = synod_jscan_recheck(j->scan, j->count, end,
						     jseq));
		if (!again)
			continue;
		err = rescan(j, end, jseq);
		if (err < 0)
			return err;
	}
	return 0;
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
	u32 i, idx, blk;
	int err;

	j->rhead_set = false;
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
		/* as reread() read them: a segment per 16 KiB block */
		for (i = 0, blk = 0; i < r->e.nwrites; i++) {
			r->len[i] = j->hdr.len[i];
			r->seg[i] = &j->rseg[blk];
			r->nseg[i] = j->rnseg[i];
			blk += j->rnseg[i];
		}
		idx = synod_journal_index(j, jseq);
		j->slot[idx] = r->e.slot;
		memset(&j->ext[idx], 0, sizeof(j->ext[idx]));
		/* as synod_journal_plan() placed it: whole blocks */
		if (j->hdr.flags & SYNOD_JREC_F_PRING) {
			j->ext[idx].off = j->hdr.poff;
			j->ext[idx].len = round_up(synod_jrec_paylen(&j->hdr),
						   SYNOD_PRING_ALIGN);
			synod_jshare_move_head(j, idx);
		}
		/* read whole: a later record of its slot may share them */
		synod_jshare_note(j, idx, &j->hdr.e, j->hdr.len, j->hdr.crc,
				  j->hdr.flags & SYNOD_JREC_F_PRING);
		found(ctx, r);
		cond_resched();
	}
	if (j->rhead_set)
		j->phead = j->rhead;
	return 0;
}

/*
 * After the replay: payload ring bytes stay held only by the records
 * whose slot is held (found, or corrupt with a known slot); what the
 * scan noted for the others (void, reclaimed, torn, outside the window)
 * holds nothing.
 */
static void release_unheld(struct synod_journal *j)
{
	u32 idx;

	for (idx = 0; idx < j->count; idx++) {
		if (j->slot[idx] != SLOT_FREE)
			continue;
		memset(&j->ext[idx], 0, sizeof(j->ext[idx]));
		synod_jshare_forget(j, idx);
	}
}

/*
 * Encode a void record for @jseq, of the batch @end names, into header
 * page @k and a bio of its own: a header alone, in any format.  False
 * if the chunk has no bio left for it (chunk_bio()).
 */
static bool prep_void(struct synod_journal *j, u32 k, u64 jseq,
		      const struct synod_jscan_end *end)
{
	struct synod_jrec_hdr *h = &j->hdr;

	memset(h, 0, sizeof(*h));
	h->format = j->format;
	h->paymax = j->paymax;
	h->jseq = jseq;
	h->batch_first = end->batch_first;
	h->batch_n = end->batch_n;
	h->flags = SYNOD_JREC_F_VOID;
	h->e.kind = SYNOD_ENTRY_NOOP;
	return !!synod_journal_header_bio(j, k, jseq);
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
		if (!prep_void(j, k++, jseq, end)) {
			synod_journal_drop(j);
			return -EIO;
		}
		sc = &j->scan[synod_journal_index(j, jseq)];
		sc->jseq = jseq;	/* what the ring holds once written */
		sc->state = SYNOD_JS_VOID;
		n++;
		if (k == SYNOD_JOURNAL_BATCH) {
			if (synod_journal_run(j))
				return -EIO;
			k = 0;
		}
	}
	if (k && synod_journal_run(j))
		return -EIO;
	return n;
}

/*
 * Make what the reads found durable before any of it is handed on: one
 * cache flush of the device, after the scan and the reads again, before
 * the replay.  A kernel crash (not a power cut) can leave a record that
 * was in flight in the disk's volatile write cache; recovery reads it
 * whole from there, the replica replays it, votes and serves on it, and
 * a later power cut would lose it after all.  The superblock, read
 * before the journal, is covered too (it is not read again after the
 * flush: only a device that dropped its cache in between, a reset,
 * could make what was read differ from what is durable, and such a
 * device loses records too).  Once per attach, also where the journal
 * is empty; a disk without a volatile cache completes it at once (the
 * block layer drops it).  The journal's mutex is held, no replica lock
 * (synod_repl_create() recovers before the replica runs); the test hook
 * runs it inside a module_param set callback, under kernel_param_lock,
 * which only serialises parameter writes: harmless for a flush that
 * may sleep.  The flush allocates nothing (its bio is on the stack).
 * Returns 0 or -EIO.
 */
static int flush_reads(struct synod_journal *j)
{
	int err = blkdev_issue_flush(j->bdev);

	if (!err && READ_ONCE(test_journal_flush_fail) &&
	    xchg(&test_journal_flush_fail, false))
		err = -EIO;
	if (err)
		pr_err("synod: journal on %pg: flushing the disk's cache after recovery's reads failed (%d)\n",
		       j->bdev, err);
	return err ? -EIO : 0;
}

/*
 * Read the whole ring at attach.  The highest intact journal sequence M
 * ends the journal: the ring holds the window [M - count + 1, M], every
 * sequence of which was written, and M's header names the last batch.
 * Within the window, intact records are found() in order.  Damaged or
 * missing records are read again first (a misread at the scan must not
 * destroy a whole record, nor have it fetched from peers).  A record
 * still missing or damaged in the last batch was never acknowledged
 * (jscan.h): it is the torn tail, dropped and rewritten void.  Anything
 * else missing is corrupt(): durable once, since later writes were issued
 * only after it was durable.  Broken records after M, read again too
 * before M is believed (M's own record, misread, would lie there), are
 * the torn tail too, dropped, if the one batch in flight at a crash can
 * hold them all.  If not, they are damage (end.damaged): durable records,
 * perhaps accepted entries, are lost and their slots unknown, so corrupt()
 * is told once without a slot (the replica then promises nothing until its
 * peers supply the window), and writing resumes past any jseq ever issued
 * (the highest any header names, plus the ring, plus a batch), never over
 * the sequences of records the ring still holds.  Between the reads and
 * the first report the device's cache is flushed (flush_reads()).
 */
int synod_journal_recover(struct synod_journal *j,
			  void (*found)(void *ctx, const struct synod_jrec *r),
			  void (*corrupt)(void *ctx, u64 slot, bool slot_known),
			  void *ctx)
{
	struct synod_jscan_end end;
	u32 idx;
	int err;

	/*
	 * Allocated outside the lock: the blocks are recovery's own, and
	 * nothing else runs on the journal before it has recovered (a
	 * write before that returns -EINVAL).
	 */
	err = rbuf_alloc(j);
	if (err)
		return err;
	mutex_lock(&j->lock);
	j->recovered = false;
	for (idx = 0; idx < j->count; idx++) {
		j->slot[idx] = SLOT_FREE;
		memset(&j->ext[idx], 0, sizeof(j->ext[idx]));
		synod_jshare_forget(j, idx);
	}
	/* replay() moves it after the last payloads it finds held */
	j->phead = 0;
	err = scan_ring(j);
	if (err)
		goto out_unlock;
	JCORE(j, synod_jscan_end(j->scan, j->count, SYNOD_JOURNAL_BATCH,
				 &end));
	err = recheck_after_end(j, &end);
	if (err)
		goto out_unlock;
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
	if (end.last) {
		err = recheck_window(j, &end);
		if (err)
			goto out_unlock;
	}
	/* the reads are done: what they found is made durable first */
	err = flush_reads(j);
	if (err)
		goto out_unlock;
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
	release_unheld(j);
	if (!end.damaged && end.after)
		pr_info("synod: journal on %pg: dropped %u torn record(s) after journal sequence %llu\n",
			j->bdev, end.after, end.last);
	j->next_jseq = end.next;
	j->recovered = true;
out_unlock:
	mutex_unlock(&j->lock);
	rbuf_free(j);
	return err;
}
