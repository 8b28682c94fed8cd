// SPDX-License-Identifier: GPL-2.0
/*
 * State transfer, the source side: a peer asks for chunk c of our data
 * area with the hash of its copy and the applies it issued (resync.h);
 * we answer SAME, or with our copy, labelled with a slot it is the
 * state at (rserve_label()).  The answer's promise (resync.h): the
 * chunk holds exactly the slots up to its label.
 *
 * Reading it synchronously under the replica's lock, as this once did,
 * held every input of the replica (heartbeats, acknowledgements, writes,
 * status) for a read and the wait for the applies covering the chunk,
 * per chunk; on a slow disk a transfer stalled the leader.  Now the read
 * is ordered among the applies as if it were one of them, and nothing
 * waits with the lock held:
 *
 *  - an ask is queued (q[], bounded: a window per peer, a repeated ask
 *    once) and the head taken when none is served: label L = aq.issued,
 *    state WAIT;
 *  - the read is built once no write of a slot up to L covering the
 *    chunk is queued or in flight (synod_rserve_try(), from every reap
 *    and every apply issued), state FLIGHT, and submitted with the lock
 *    dropped as the applies are (synod_rserve_kick(), from the kick, the
 *    journal's writer and a wait under the lock): the chunk holds the
 *    slots up to L;
 *  - from WAIT until its read ends, a write of a slot after L covering
 *    the chunk is held back (synod_rserve_blocks(), from aw_overlaps()),
 *    as an apply waits for an earlier one it overlaps, so nothing after
 *    L lands in the chunk before it is read;
 *  - the read's end stores ENDED (which lets those writes go at the next
 *    reap) and queues the work, which hashes the chunk without the lock,
 *    then answers under it and takes the next ask.
 *
 * The answer's label is not L but the last slot before the first later
 * one that writes into the chunk, or the last issued if none does
 * (rserve_label()): the slots in between wrote elsewhere, so the chunk
 * is their state too.  An asker refuses a chunk older than what it has
 * issued itself; labelled L, a chunk read while writes go on would be
 * refused nearly every time, and a transfer would not end under a
 * steady load on a slow disk.  A chunk written into during every read
 * of it is still refused, until the writes into it pause for one read.
 *
 * Writes after L that do not cover the chunk go on, but for those issued
 * behind one held back (applies are submitted in order): the leader's
 * writes may wait for one chunk's read when they write into the chunk
 * being read.
 *
 * The read is counted in aq.inflight as a write is, so that every wait
 * for the applies (a drain, a quiesce) waits for it too, and going down
 * flushes the work after the drain (synod_rserve_flush()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/blk-cgroup.h>
#include <linux/blkdev.h>
#include <linux/ioprio.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "replica.h"

/*
 * Is the chunk being served (or waiting to be) in the way of @slot's
 * write of [@sector, +@nsect)?  Only a later slot's write is, and only
 * until the read has ended: earlier ones are what the read waits for.
 * Every write passes here, in slot order, before it is submitted, so
 * the first later one into the chunk is noted for the label
 * (rserve_label()), also once the read is over.  Lock held.
 */
bool synod_rserve_blocks(struct synod_repl *r, u64 slot, u64 sector,
			 u32 nsect)
{
	struct synod_rserve *sv = &r->resync.srv;
	u8 st;

	lockdep_assert_held(&r->lock);
	/* pairs with rserve_end_io(): ENDED, the read is over */
	st = smp_load_acquire(&sv->state);
	if (st == SYNOD_RSV_IDLE || slot <= sv->label ||
	    !synod_sectors_meet(sector, nsect, sv->sector,
			  sv->clen >> SECTOR_SHIFT))
		return false;
	sv->first_later = min(sv->first_later, slot);
	if (st == SYNOD_RSV_ENDED)
		return false;
	if (slot > sv->held_last) {
		sv->held++;
		sv->held_last = slot;
	}
	return true;
}

/*
 * Where the chunk served is (enum synod_rsv_state), loaded once: a wait
 * for the applies with none in flight is not stuck while its read is in
 * flight (the writes it holds back wait for it), nor just after it ended
 * (the next reap submits them) (replica_apply.c).
 */
u8 synod_rserve_state(struct synod_repl *r)
{
	/* pairs with rserve_end_io()'s store: ENDED, the read is over */
	return smp_load_acquire(&r->resync.srv.state);
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

/*
 * Build the read of the chunk taken, nothing up to its label covering
 * it, under the lock; whoever lets go of the lock submits it
 * (synod_rserve_kick()), since submitting may wait for a request of a
 * busy device.  Counted in flight from now: a wait for the applies
 * under the lock submits it first (synod_apply_submit()).
 */
static void rserve_build(struct synod_repl *r)
{
	struct synod_rserve *sv = &r->resync.srv;
	struct bio *bio = &sv->bio;
	u32 off, n;

	bio_init(bio, r->vol->backing.bdev, sv->bvec, ARRAY_SIZE(sv->bvec),
		 REQ_OP_READ | REQ_SYNC);
	bio->bi_iter.bi_sector = r->vol->data_start + sv->sector;
	/* as an apply's: not the submitter's priority or cgroup */
	bio->bi_ioprio = IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, IOPRIO_BE_NORM);
	bio_associate_blkg_from_css(bio, blkcg_root_css);
	bio->bi_end_io = rserve_end_io;
	bio->bi_private = r;
	for (off = 0; off < sv->clen; off += n) {
		n = min_t(u32, sv->clen - off,
			  PAGE_SIZE - offset_in_page(sv->buf + off));
		__bio_add_page(bio, virt_to_page(sv->buf + off), n,
			       offset_in_page(sv->buf + off));
	}
	WRITE_ONCE(sv->state, SYNOD_RSV_FLIGHT);
	atomic_inc(&r->aq.inflight);
	/* the bio, then the flag: the kick's xchg sees it built */
	smp_store_release(&sv->to_submit, true);
}

/* A read built and not submitted yet? (the kick's test) */
bool synod_rserve_kick_due(struct synod_repl *r)
{
	return READ_ONCE(r->resync.srv.to_submit);
}

/*
 * Submit the read built under the lock (rserve_build()), once: from the
 * kick or the journal's writer with the lock dropped, or from a wait
 * under it, which must not wait for a read nobody submitted.
 */
void synod_rserve_kick(struct synod_repl *r)
{
	struct synod_rserve *sv = &r->resync.srv;

	if (READ_ONCE(sv->to_submit) && xchg(&sv->to_submit, false))
		submit_bio(&sv->bio);
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
 * Lock held: take the next ask if none is served, then build its read
 * once the applies it waits for have landed.  From the receive path,
 * every reap, every apply issued and the work.  Going down or fenced,
 * drop the asks and one still waiting, and let the writes it held back
 * go, or a drain would wait for them forever.
 */
void synod_rserve_try(struct synod_repl *r)
{
	struct synod_rserve *sv = &r->resync.srv;
	struct synod_rs_ask *a;

	lockdep_assert_held(&r->lock);
	if (!r->up || r->fenced) {
		sv->n = 0;
		if (READ_ONCE(sv->state) == SYNOD_RSV_WAIT) {
			WRITE_ONCE(sv->state, SYNOD_RSV_IDLE);
			synod_apply_unblock(r);
		}
		return;
	}
	while (READ_ONCE(sv->state) == SYNOD_RSV_IDLE && sv->n) {
		a = &sv->q[sv->head];
		sv->head = (sv->head + 1) % SYNOD_RESYNC_ASKS;
		sv->n--;
		if (!rserve_may(r, a->want)) {
			rserve_not_yet(r, a);
			continue;
		}
		sv->cur = *a;
		sv->pass_at = r->resync.pass;
		sv->sector = synod_resync_sector(a->chunk);
		sv->clen = synod_resync_chunk_len(r, a->chunk);
		sv->label = r->aq.issued;
		sv->first_later = U64_MAX;
		WRITE_ONCE(sv->state, SYNOD_RSV_WAIT);
	}
	if (READ_ONCE(sv->state) == SYNOD_RSV_WAIT &&
	    !synod_apply_range_busy(r, sv->sector, sv->clen >> SECTOR_SHIFT,
				    sv->label))
		rserve_build(r);
}

/*
 * The slot the chunk read is the state at, lock held: the last slot
 * issued before the first later one that writes into it, whether that
 * write went through synod_rserve_blocks() already (first_later) or
 * still waits behind another (synod_apply_first_cover()).  At least
 * the slot it was taken at.
 */
static u64 rserve_label(struct synod_repl *r)
{
	struct synod_rserve *sv = &r->resync.srv;
	u64 first = min(sv->first_later,
			synod_apply_first_cover(r, sv->sector,
						sv->clen >> SECTOR_SHIFT,
						sv->label));

	WARN_ON_ONCE(first <= sv->label);
	return max(sv->label, min(r->aq.issued, first - 1));
}

/*
 * The work, once the read ended: hash the chunk with the lock dropped
 * (the buffer is ours until the state goes back to IDLE), then answer,
 * and take the next ask.  Answers only if the copy is still one to
 * serve and no transfer of our own started since the ask was taken
 * (its chunk installs are not ordered with this read): NOT_YET
 * otherwise.
 */
static void rserve_work(struct work_struct *work)
{
	struct synod_rserve *sv = container_of(work, struct synod_rserve,
					       work);
	struct synod_repl *r = container_of(sv, struct synod_repl, resync.srv);
	u8 hdr[SYNOD_RESYNC_HDR] = { SYNOD_FRAME_RESYNC_REPLY };
	struct kvec iov[2];
	unsigned int noio;
	int err;
	u8 st;

	if (synod_rserve_state(r) != SYNOD_RSV_ENDED)
		return;
	if (sv->status)
		err = blk_status_to_errno(sv->status);
	else
		err = crypto_shash_tfm_digest(r->resync.sha, sv->buf, sv->clen,
					      hdr + 24);
	noio = memalloc_noio_save();	/* serves the disk */
	mutex_lock(&r->lock);
	if (r->up && !r->fenced && err) {
		pr_err("%s: state transfer: chunk %u %s failed: %d\n",
		       r->vol->name, sv->cur.chunk,
		       sv->status ? "read" : "hash", err);
		synod_repl_fence(r, sv->status ? "data area read failed" :
				 "chunk hash failed");
	} else if (r->up && !r->fenced &&
		   (!rserve_may(r, sv->cur.want) ||
		    r->resync.pass != sv->pass_at)) {
		rserve_not_yet(r, &sv->cur);
	} else if (r->up && !r->fenced) {
		/* Not secret: no need for a constant-time compare. */
		st = memcmp(hdr + 24, sv->cur.hash, SYNOD_RESYNC_HASH) ?
		     SYNOD_RESYNC_DATA : SYNOD_RESYNC_SAME;
		hdr[1] = st;
		synod_put_le16(hdr + 2, sv->cur.pass);
		synod_put_le32(hdr + 4, sv->cur.chunk);
		synod_put_le32(hdr + 8, st == SYNOD_RESYNC_DATA ? sv->clen : 0);
		synod_put_le64(hdr + 16, rserve_label(r));
		iov[0] = (struct kvec){ hdr, sizeof(hdr) };
		iov[1] = (struct kvec){ sv->buf, sv->clen };
		/* Not sent (queue full, no link): they ask again. */
		if (!r->tops->send(r->tp, sv->cur.from, iov,
				   st == SYNOD_RESYNC_DATA ? 2 : 1))
			sv->served++;
	}
	/* after the label: it needs every write into the chunk noted */
	WRITE_ONCE(sv->state, SYNOD_RSV_IDLE);
	bio_uninit(&sv->bio);
	synod_apply_unblock(r);	/* those the read held back, if no reap did */
	synod_rserve_try(r);
	synod_repl_unlock(r);
	memalloc_noio_restore(noio);
}

/*
 * Drop @from's queued asks of another pass than @pass: it started over
 * (a jump), and answers to those would only come back late.
 */
static void rserve_forget(struct synod_rserve *sv, u32 from, u16 pass)
{
	struct synod_rs_ask *q;
	u32 i, kept = 0;

	for (i = 0; i < sv->n; i++) {
		q = &sv->q[(sv->head + i) % SYNOD_RESYNC_ASKS];
		if (q->from == from && q->pass != pass)
			continue;
		sv->q[(sv->head + kept) % SYNOD_RESYNC_ASKS] = *q;
		kept++;
	}
	sv->n = kept;
}

/*
 * Source side of one REQ frame from @from, lock held: check it, answer
 * NOT_YET at once if we cannot serve, else queue it, once, at most a
 * window of asks per peer (more are dropped: the asker's retry timer
 * asks again).
 */
void synod_resync_serve(struct synod_repl *r, u32 from, const u8 *f, u32 len)
{
	struct synod_rserve *sv = &r->resync.srv;
	struct synod_rs_ask a, *q;
	u32 i, mine;
	u64 c;

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
	/* an ask again of the chunk being read: its answer is coming */
	if (READ_ONCE(sv->state) != SYNOD_RSV_IDLE && sv->cur.from == from &&
	    sv->cur.chunk == c && sv->cur.pass == a.pass)
		return;
	rserve_forget(sv, from, a.pass);
	/* an ask again (its answer was slow, or lost): once is enough */
	for (i = 0, mine = 0; i < sv->n; i++) {
		q = &sv->q[(sv->head + i) % SYNOD_RESYNC_ASKS];
		if (q->from != from)
			continue;
		if (q->chunk == c) {
			*q = a;
			return;
		}
		mine++;
	}
	/* a window per peer: more is not an asker of ours */
	if (mine >= SYNOD_RESYNC_WINDOW || sv->n == SYNOD_RESYNC_ASKS) {
		sv->turned_away++;
		return;
	}
	sv->q[(sv->head + sv->n) % SYNOD_RESYNC_ASKS] = a;
	sv->n++;
	synod_rserve_try(r);
}

/*
 * At create (synod_resync_init(), last of the steps that may fail): the
 * chunk buffer and the work.  Free copes with a create that failed
 * before.
 */
int synod_rserve_init(struct synod_repl *r)
{
	struct synod_rserve *sv = &r->resync.srv;

	INIT_WORK(&sv->work, rserve_work);
	/* contiguous (kmalloc): the bio's vectors cover it page by page */
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

/* The replica goes away: down flushed the work, if create set it up. */
void synod_rserve_free(struct synod_repl *r)
{
	if (r->resync.srv.work.func)
		flush_work(&r->resync.srv.work);
	kfree(r->resync.srv.buf);
	r->resync.srv.buf = NULL;
}
