// SPDX-License-Identifier: GPL-2.0
/*
 * State transfer, the source side: a peer asks for chunk c of our data
 * area with the hash of its copy and the applies it issued (resync.h);
 * we answer SAME, or with our copy, labelled with the applies we had
 * issued when it was read.  The answer's promise (resync.h): the chunk
 * holds exactly the slots up to its label.
 *
 * Reading it synchronously under the replica's lock, as this once did,
 * held every input of the replica (heartbeats, acknowledgements, writes,
 * status) for a read and the wait for the applies covering the chunk,
 * per chunk; on a slow disk a transfer stalled the leader.  Now the read
 * is ordered among the applies as if it were one of them, and nothing
 * waits with the lock held:
 *
 *  - an ask is queued (q[], bounded: every other node's window) and the
 *    head taken when none is served: label L = aq.issued, state WAIT;
 *  - the read is submitted once no write of a slot up to L covering the
 *    chunk is queued or in flight (synod_rserve_try(), from every reap
 *    and every apply issued): then the chunk holds exactly the slots up
 *    to L, state FLIGHT;
 *  - from WAIT until its read ends, a write of a slot after L covering
 *    the chunk is held back (synod_rserve_blocks(), from aw_overlaps()),
 *    as an apply waits for an earlier one it overlaps, so nothing after
 *    L lands in the chunk before it is read;
 *  - the read's end stores ENDED (which lets those writes go at the next
 *    reap) and queues the work, which hashes the chunk without the lock,
 *    then answers under it and takes the next ask.
 *
 * Writes after L that do not cover the chunk go on, but for those issued
 * behind one held back (applies are submitted in order): one read's
 * time, and only while a write covers the chunk being read.
 *
 * The read is counted in aq.inflight as a write is, so that every wait
 * for the applies (a drain, a quiesce) waits for it too, and going down
 * flushes the work after the drain (synod_rserve_flush()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/blkdev.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "replica.h"

/*
 * Is the chunk being served (or waiting to be) in the way of @slot's
 * write of [@sector, +@nsect)?  Only a later slot's write is: earlier
 * ones are what the read waits for.  Lock held.
 */
bool synod_rserve_blocks(struct synod_repl *r, u64 slot, u64 sector,
			 u32 nsect)
{
	struct synod_rserve *sv = &r->resync.srv;
	u8 st;

	lockdep_assert_held(&r->lock);
	/* pairs with rserve_end_io(): ENDED, the read is over */
	st = smp_load_acquire(&sv->state);
	if (st != SYNOD_RSV_WAIT && st != SYNOD_RSV_FLIGHT)
		return false;
	WARN_ON_ONCE(slot <= sv->label && st == SYNOD_RSV_FLIGHT &&
		     sector < sv->sector + (sv->clen >> SECTOR_SHIFT) &&
		     sv->sector < sector + nsect);
	return slot > sv->label &&
	       sector < sv->sector + (sv->clen >> SECTOR_SHIFT) &&
	       sv->sector < sector + nsect;
}

/*
 * Is a chunk's read in flight?  Writes may wait for it: a wait for the
 * applies with none of them in flight is not stuck then (replica_apply.c).
 */
bool synod_rserve_reading(struct synod_repl *r)
{
	/* pairs with rserve_end_io()'s store: then the read is over */
	return smp_load_acquire(&r->resync.srv.state) == SYNOD_RSV_FLIGHT;
}

/* The read's end, any context: hand the chunk to the work. */
static void rserve_end_io(struct bio *bio)
{
	struct synod_repl *r = bio->bi_private;
	struct synod_rserve *sv = &r->resync.srv;

	sv->status = bio->bi_status;
	/* the status, then the state: the work and reaps load it acquiring */
	smp_store_release(&sv->state, SYNOD_RSV_ENDED);
	/* queued before the count drops, as an apply's end does */
	queue_work(r->vol->wq, &sv->work);
	wake_up_var(&r->aq.done);	/* a quiesce_range() waiting */
	if (atomic_dec_and_test(&r->aq.inflight))
		wake_up_var(&r->aq.inflight);
}

/* Submit the read of the chunk taken: nothing up to its label covers it. */
static void rserve_submit(struct synod_repl *r)
{
	struct synod_rserve *sv = &r->resync.srv;
	struct bio *bio = &sv->bio;
	u32 off;

	bio_init(bio, r->vol->backing.bdev, sv->bvec, ARRAY_SIZE(sv->bvec),
		 REQ_OP_READ | REQ_SYNC);
	bio->bi_iter.bi_sector = r->vol->data_start + sv->sector;
	bio->bi_end_io = rserve_end_io;
	bio->bi_private = r;
	for (off = 0; off < sv->clen; off += PAGE_SIZE)
		__bio_add_page(bio, virt_to_page(sv->buf + off),
			       min_t(u32, PAGE_SIZE, sv->clen - off), 0);
	sv->state = SYNOD_RSV_FLIGHT;
	atomic_inc(&r->aq.inflight);
	/* may wait for a request, never for the read's end */
	submit_bio(bio);
}

/* Send @a an answer of its own: NOT_YET (we are behind, or suspect). */
static void rserve_not_yet(struct synod_repl *r, const struct synod_rs_ask *a)
{
	u8 hdr[SYNOD_RESYNC_HDR] = { SYNOD_FRAME_RESYNC_REPLY,
				     SYNOD_RESYNC_NOT_YET };
	struct kvec iov = { hdr, sizeof(hdr) };

	synod_put_le16(hdr + 2, a->pass);
	synod_put_le32(hdr + 4, a->chunk);
	synod_put_le64(hdr + 16, r->aq.issued);
	r->tops->send(r->tp, a->from, &iov, 1);
}

/* Can we serve now, a copy that is whole and not behind @want? */
static bool rserve_may(struct synod_repl *r, u64 want)
{
	return !r->resync.active &&
	       !(r->vol->sb.flags & SYNOD_SB_FLAG_RESYNC) &&
	       r->aq.issued >= want;
}

/*
 * Lock held: take the next ask if none is served, then submit its read
 * once the applies it waits for have landed.  From the receive path,
 * every reap, every apply issued and the work.  Going down or fenced,
 * drop the asks and one still waiting (the writes it held back go).
 */
void synod_rserve_try(struct synod_repl *r)
{
	struct synod_rserve *sv = &r->resync.srv;
	struct synod_rs_ask *a;

	lockdep_assert_held(&r->lock);
	if (!r->up || r->fenced) {
		sv->n = 0;
		if (sv->state == SYNOD_RSV_WAIT)
			sv->state = SYNOD_RSV_IDLE;
		return;
	}
	while (sv->state == SYNOD_RSV_IDLE && sv->n) {
		a = &sv->q[sv->head];
		sv->head = (sv->head + 1) % SYNOD_RESYNC_ASKS;
		sv->n--;
		if (!rserve_may(r, a->want)) {
			rserve_not_yet(r, a);
			continue;
		}
		sv->cur = *a;
		sv->sector = synod_resync_sector(a->chunk);
		sv->clen = synod_resync_chunk_len(r, a->chunk);
		sv->label = r->aq.issued;
		sv->state = SYNOD_RSV_WAIT;
	}
	if (sv->state == SYNOD_RSV_WAIT &&
	    !synod_apply_range_busy(r, sv->sector, sv->clen >> SECTOR_SHIFT,
				    sv->label))
		rserve_submit(r);
}

/*
 * The work, once the read ended: hash the chunk with the lock dropped
 * (the buffer is ours until the state goes back to IDLE), then answer,
 * let the writes held back go and take the next ask.  Answers only if
 * the copy is still one to serve: a jump since (our own transfer)
 * makes the answer NOT_YET.
 */
static void rserve_work(struct work_struct *work)
{
	struct synod_rserve *sv = container_of(work, struct synod_rserve,
					       work);
	struct synod_repl *r = container_of(sv, struct synod_repl, resync.srv);
	u8 hdr[SYNOD_RESYNC_HDR] = { SYNOD_FRAME_RESYNC_REPLY };
	struct kvec iov[2];
	unsigned int noio;
	int err = 0;
	u8 st;

	/* pairs with rserve_end_io(): its status, then ENDED */
	if (smp_load_acquire(&sv->state) != SYNOD_RSV_ENDED)
		return;
	if (sv->status)
		err = blk_status_to_errno(sv->status);
	else
		err = crypto_shash_tfm_digest(r->resync.sha, sv->buf, sv->clen,
					      hdr + 24);
	noio = memalloc_noio_save();	/* serves the disk */
	mutex_lock(&r->lock);
	sv->state = SYNOD_RSV_IDLE;
	synod_apply_unblock(r);
	if (r->up && !r->fenced && err) {
		pr_err("%s: state transfer: chunk %u %s failed: %d\n",
		       r->vol->name, sv->cur.chunk,
		       sv->status ? "read" : "hash", err);
		synod_repl_fence(r, sv->status ? "data area read failed" :
				 "chunk hash failed");
	} else if (r->up && !r->fenced && !rserve_may(r, sv->cur.want)) {
		rserve_not_yet(r, &sv->cur);
	} else if (r->up && !r->fenced) {
		/* Not secret: no need for a constant-time compare. */
		st = memcmp(hdr + 24, sv->cur.hash, SYNOD_RESYNC_HASH) ?
		     SYNOD_RESYNC_DATA : SYNOD_RESYNC_SAME;
		hdr[1] = st;
		synod_put_le16(hdr + 2, sv->cur.pass);
		synod_put_le32(hdr + 4, sv->cur.chunk);
		synod_put_le32(hdr + 8, st == SYNOD_RESYNC_DATA ? sv->clen : 0);
		synod_put_le64(hdr + 16, sv->label);
		iov[0] = (struct kvec){ hdr, sizeof(hdr) };
		iov[1] = (struct kvec){ sv->buf, sv->clen };
		/* Not sent (queue full, no link): they ask again. */
		r->tops->send(r->tp, sv->cur.from, iov,
			      st == SYNOD_RESYNC_DATA ? 2 : 1);
		sv->served++;
	}
	bio_uninit(&sv->bio);
	synod_rserve_try(r);
	synod_repl_unlock(r);
	memalloc_noio_restore(noio);
}

/*
 * Source side of one REQ frame from @from, lock held: check it, answer
 * NOT_YET at once if we cannot serve, else queue it, once (a full queue
 * drops it: the asker's retry timer asks again).
 */
void synod_resync_serve(struct synod_repl *r, u32 from, const u8 *f, u32 len)
{
	struct synod_rserve *sv = &r->resync.srv;
	struct synod_rs_ask a, *q;
	u64 c;
	u32 i;

	lockdep_assert_held(&r->lock);
	if (len != SYNOD_RESYNC_REQ_LEN || from >= SYNOD_NODES_MAX) {
		r->rx_drop[SYNOD_RXD_BAD]++;
		return;
	}
	c = synod_get_le32(f + 4);
	if (c >= synod_resync_nchunks(r)) {
		r->rx_drop[SYNOD_RXD_BAD]++;
		return;
	}
	a.from = from;
	a.chunk = c;
	a.pass = synod_get_le16(f + 2);
	a.want = synod_get_le64(f + 8);
	memcpy(a.hash, f + 16, SYNOD_RESYNC_HASH);
	/* Our own copy is suspect, or older than theirs: they ask elsewhere. */
	if (!rserve_may(r, a.want)) {
		rserve_not_yet(r, &a);
		return;
	}
	/* an ask again (its answer was slow, or lost): once is enough */
	for (i = 0; i < sv->n; i++) {
		q = &sv->q[(sv->head + i) % SYNOD_RESYNC_ASKS];
		if (q->from == from && q->chunk == c && q->pass == a.pass) {
			*q = a;
			return;
		}
	}
	if (sv->n == SYNOD_RESYNC_ASKS) {
		sv->turned_away++;
		return;
	}
	sv->q[(sv->head + sv->n) % SYNOD_RESYNC_ASKS] = a;
	sv->n++;
	synod_rserve_try(r);
}

/* At create, before anything that may fail: free finds it set up. */
int synod_rserve_init(struct synod_repl *r)
{
	struct synod_rserve *sv = &r->resync.srv;

	/* the bio's vectors cover a chunk, one page each */
	BUILD_BUG_ON(SYNOD_RESYNC_CHUNK % PAGE_SIZE);
	INIT_WORK(&sv->work, rserve_work);
	/* page-aligned (a power of two): each page a vector of the read */
	sv->buf = kmalloc(SYNOD_RESYNC_CHUNK, GFP_KERNEL);
	return sv->buf ? 0 : -ENOMEM;
}

/*
 * Going down, after the applies drained (which waited for a read in
 * flight, counted as one): the work has answered or dropped its chunk.
 */
void synod_rserve_flush(struct synod_repl *r)
{
	flush_work(&r->resync.srv.work);
	WARN_ON_ONCE(READ_ONCE(r->resync.srv.state) == SYNOD_RSV_FLIGHT);
}

/* The replica goes away: down flushed the work. */
void synod_rserve_free(struct synod_repl *r)
{
	flush_work(&r->resync.srv.work);
	kfree(r->resync.srv.buf);
	r->resync.srv.buf = NULL;
}
