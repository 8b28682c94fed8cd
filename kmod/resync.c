// SPDX-License-Identifier: GPL-2.0
/*
 * State transfer, the asking side: see resync.h for the protocol and why
 * a chunk read at slot A may be installed while we apply slots of our
 * own.  Everything here runs under the replica mutex, like the rest of
 * the engine, so an installed chunk and an applied slot never race on
 * the data area.  The source side is resync_serve.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/blkdev.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "replica.h"

/* Bytes of chunk @c, which may be short at the end of the data area. */
u32 synod_resync_chunk_len(struct synod_repl *r, u64 c)
{
	u64 cap = (u64)get_capacity(r->vol->disk) << SECTOR_SHIFT;
	u64 off = c * SYNOD_RESYNC_CHUNK;

	WARN_ON_ONCE(off >= cap);
	return min_t(u64, SYNOD_RESYNC_CHUNK, cap - off);
}

/* Chunks of the data area, the last perhaps short. */
u64 synod_resync_nchunks(struct synod_repl *r)
{
	return DIV_ROUND_UP((u64)get_capacity(r->vol->disk) << SECTOR_SHIFT,
			    SYNOD_RESYNC_CHUNK);
}

/*
 * SHA-256 of @len bytes at @data into @out.  The synchronous shash never
 * sleeps or allocates; it fails only for a broken transform, which
 * fences like a failed read would.
 */
static int chunk_hash(struct synod_repl *r, const u8 *data, u32 len,
		      u8 out[SYNOD_RESYNC_HASH])
{
	int err = crypto_shash_tfm_digest(r->resync.sha, data, len, out);

	if (err)
		synod_repl_fence(r, "chunk hash failed");
	return err;
}

/* Persist the flag (set or clear) with the applied index; fences on error. */
static int resync_mark(struct synod_repl *r, bool on)
{
	struct synod_sb *sb = &r->vol->sb;
	int err;

	lockdep_assert_held(&r->lock);
	if (on)
		sb->flags |= SYNOD_SB_FLAG_RESYNC;
	else
		sb->flags &= ~SYNOD_SB_FLAG_RESYNC;
	err = synod_repl_checkpoint(r);
	if (err)
		synod_repl_fence(r, "superblock write failed");
	return err;
}

/* A new pass over every chunk, asking @from. */
static void pass_start(struct synod_repl *r, u32 from, u64 now)
{
	struct synod_resync *rs = &r->resync;

	WARN_ON_ONCE(from >= SYNOD_NODES_MAX || from == r->core.p.self);
	memset(rs->win, 0, sizeof(rs->win));
	rs->from = from;
	rs->need = 0;
	rs->next = 0;
	rs->settled = 0;
	rs->copied = 0;
	rs->older = 0;
	rs->started_ns = now;
	rs->pass++;
	rs->nchunks = synod_resync_nchunks(r);
	rs->active = true;
	rs->restart = false;
	pr_info("%s: state transfer from node %u: %llu chunks from slot %llu\n",
		r->vol->name, from, rs->nchunks, r->applied);
}

/*
 * Allocate the chunk buffer; @flagged: the superblock says a transfer was
 * running when the replica last stopped, so run one again.
 */
int synod_resync_init(struct synod_repl *r, bool flagged)
{
	struct synod_resync *rs = &r->resync;
	struct crypto_shash *sha;

	/* A DATA reply, header and chunk, is one transport frame. */
	BUILD_BUG_ON(SYNOD_RESYNC_HDR + SYNOD_RESYNC_CHUNK > SYNOD_FRAME_MAX);
	BUILD_BUG_ON(SYNOD_RESYNC_HASH != SHA256_DIGEST_SIZE);
	memset(rs, 0, sizeof(*rs));
	sha = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(sha))
		return PTR_ERR(sha);
	rs->sha = sha;
	rs->buf = kmalloc(SYNOD_RESYNC_CHUNK, GFP_KERNEL);
	if (synod_rserve_init(r) || !rs->buf)
		return -ENOMEM;	/* synod_resync_free() undoes the rest */
	rs->restart = flagged;
	if (flagged)
		pr_warn("%s: a state transfer was interrupted: its data area is suspect until it runs again\n",
			r->vol->name);
	return 0;
}

void synod_resync_free(struct synod_repl *r)
{
	synod_rserve_free(r);
	kfree(r->resync.buf);
	r->resync.buf = NULL;
	crypto_free_shash(r->resync.sha);	/* NULL is fine */
	r->resync.sha = NULL;
}

/*
 * The core learned that peer @from no longer holds the slots we miss and
 * can serve a transfer from its checkpoint @slot (which its data area
 * holds even after a crash; a flagged peer names none, so no chain of
 * flagged replicas), where configuration @cfg is in effect.  Remember
 * them; the tick installs the jump.  @old: the peer runs a module from
 * before this release, which named its commit index and no configuration
 * (the core keeps ours): the jump says so, once per volume, that is per
 * create or attach (the flag lives in the replica, made by either).
 */
void synod_resync_wanted(struct synod_repl *r, u32 from, u64 slot,
			 const struct synod_config *cfg, bool old)
{
	struct synod_resync *rs = &r->resync;

	lockdep_assert_held(&r->lock);
	if (from >= SYNOD_NODES_MAX || slot <= r->core.chosen_upto)
		return;
	rs->pending_from = from;
	rs->pending_slot = slot;
	rs->pending_cfg = *cfg;
	rs->pending_old = old;
}

/*
 * Jump the core to @slot: the flag goes to disk first, so that a crash
 * after the jump finds the data area marked suspect.  The core's
 * install_snapshot() resigns a candidacy and drops a pre-vote, so no
 * campaign of ours runs on while the copy does; its step-down answers,
 * if any, go out through synod_repl_execute().
 */
static void resync_jump(struct synod_repl *r, u64 now)
{
	struct synod_resync *rs = &r->resync;
	u64 slot = rs->pending_slot;
	u32 from = rs->pending_from;
	struct synod_sb *sb = &r->sb_next;

	rs->pending_slot = 0;
	if (slot <= r->core.chosen_upto || r->core.role == SYNOD_LEADER)
		return;
	/* applies still in flight would land on the copy */
	synod_apply_quiesce(r);
	/* a superblock write in flight (a checkpoint's, a promise's): first */
	if (r->fenced || synod_sbw_settle(r))
		return;
	if (!(r->vol->sb.flags & SYNOD_SB_FLAG_RESYNC) && resync_mark(r, true))
		return;
	SYNOD_CORE(r, synod_replica_install_snapshot(&r->core, now, slot,
						     &rs->pending_cfg, &r->out));
	/*
	 * The membership at the slot goes with it (the CONFIG entries up to
	 * there are skipped), and a restart restores both.  cfg_durable, not
	 * cfg: the core may already have issued applies past the slot.
	 * Built in a copy: vol->sb takes them only once they are on disk.
	 */
	*sb = r->vol->sb;
	sb->applied_index = slot;
	sb->cfg = r->core.cfg_durable;
	if (synod_repl_sb_commit(r, sb)) {
		synod_repl_fence(r, "superblock write failed");
		return;
	}
	synod_apply_reset(r, slot);	/* r->applied */
	r->applied_cfg = r->vol->sb.cfg;
	synod_ckpt_release(r, r->checkpointed, slot);	/* reclaimed below */
	r->ckpt_bytes = r->applied_bytes;	/* nothing landed past it */
	r->checkpointed = slot;
	r->ckpt_cfg = r->vol->sb.cfg;
	synod_journal_reclaim(r->journal, slot);
	/* said when the jump is made, not when it was asked for */
	if (rs->pending_old && !rs->old_peer_warned) {
		rs->old_peer_warned = true;
		pr_warn("%s: node %u runs an older module: state transfer to its commit index %llu, membership not carried (upgrade every replica)\n",
			r->vol->name, from, slot);
	}
	synod_repl_execute(r);
	/* Chunks of an earlier pass may predate the jump: start over. */
	pass_start(r, from, now);
}

/* Synchronous read of chunk @c of our data area into the buffer. */
static int chunk_read(struct synod_repl *r, u64 c, u32 len)
{
	return synod_repl_data_io(r, REQ_OP_READ, synod_resync_sector(c),
				  r->resync.buf, len);
}

static u32 pick_source(struct synod_repl *r)
{
	u32 l = synod_repl_leader(r);

	if (l != U32_MAX && l != r->core.p.self)
		return l;
	return r->resync.from;
}

/* Ask for every chunk the window has room for, and again for lost ones. */
static void resync_pump(struct synod_repl *r, u64 now)
{
	struct synod_resync *rs = &r->resync;
	u8 req[SYNOD_RESYNC_REQ_LEN];
	struct kvec iov;
	u32 i, len;

	for (i = 0; i < SYNOD_RESYNC_WINDOW && !r->fenced; i++) {
		struct synod_resync_req *w = &rs->win[i];

		if (w->busy && w->sent_ns && now - w->sent_ns < SYNOD_RESYNC_RETRY_NS)
			continue;
		if (w->busy && w->sent_ns)	/* lost: maybe the source died */
			rs->from = pick_source(r);
		if (!w->busy) {
			if (rs->next >= rs->nchunks)
				continue;
			w->chunk = rs->next++;
			w->busy = true;
		}
		len = synod_resync_chunk_len(r, w->chunk);
		if (chunk_read(r, w->chunk, len)) {
			synod_repl_fence(r, "data area read failed");
			return;
		}
		memset(req, 0, sizeof(req));
		req[0] = SYNOD_FRAME_RESYNC_REQ;
		synod_put_le16(req + 2, rs->pass);
		synod_put_le32(req + 4, (u32)w->chunk);
		/* what we will have applied: older chunks are refused */
		synod_put_le64(req + 8, r->aq.issued);
		if (chunk_hash(r, rs->buf, len, req + 16))
			return;
		iov = (struct kvec){ req, sizeof(req) };
		/* Not sent (queue full, no link): the retry timer asks again. */
		r->tops->send(r->tp, rs->from, &iov, 1);
		w->sent_ns = now;
	}
}

/* Done when every chunk is settled and we applied past each installed one. */
static void resync_finish(struct synod_repl *r, u64 now)
{
	struct synod_resync *rs = &r->resync;
	u32 i;

	if (rs->next < rs->nchunks || r->applied < rs->need)
		return;
	for (i = 0; i < SYNOD_RESYNC_WINDOW; i++)
		if (rs->win[i].busy)
			return;
	if (resync_mark(r, false))
		return;
	rs->active = false;
	rs->passes++;
	pr_info("%s: state transfer from node %u done: %llu of %llu chunks copied in %llu ms (%llu answers older than our applies, asked again), applied %llu\n",
		r->vol->name, rs->from, rs->copied, rs->nchunks,
		div_u64(now - rs->started_ns, NSEC_PER_MSEC), rs->older,
		r->applied);
}

/* From the tick: start, jump, retransmit, finish. */
void synod_resync_tick(struct synod_repl *r, u64 now)
{
	struct synod_resync *rs = &r->resync;
	u32 l;

	lockdep_assert_held(&r->lock);
	if (r->fenced)
		return;
	if (rs->pending_slot)
		resync_jump(r, now);
	if (rs->restart && !rs->active) {
		l = synod_repl_leader(r);
		if (l != U32_MAX && l != r->core.p.self)
			pass_start(r, l, now);
	}
	if (!rs->active || r->fenced)
		return;
	resync_pump(r, now);
	resync_finish(r, now);
}

/*
 * Write @dlen bytes of chunk @w->chunk, read at the source when it had
 * issued applies up to @slot, over ours.  Only with no apply of ours covering
 * the chunk queued or in flight (it would land on the copy), and only
 * if we issued nothing past @slot (the copy would undo it: ask again).
 * Applies issued later go out after this synchronous write.  False
 * when not settled.
 */
static bool chunk_install(struct synod_repl *r, struct synod_resync_req *w,
			  const u8 *data, u32 dlen, u64 slot)
{
	struct synod_resync *rs = &r->resync;

	/* what applied will be once the applies in flight land */
	if (slot < r->aq.issued) {
		rs->older++;
		w->sent_ns = 0;
		resync_pump(r, synod_repl_now());
		return false;
	}
	if (!synod_apply_quiesce_range(r, synod_resync_sector(w->chunk),
				       dlen >> SECTOR_SHIFT))
		return false;	/* fenced */
	memcpy(rs->buf, data, dlen);
	if (synod_repl_data_io(r, REQ_OP_WRITE, synod_resync_sector(w->chunk),
			       rs->buf, dlen)) {
		synod_repl_fence(r, "data area write failed");
		return false;
	}
	rs->copied++;
	return true;
}

/* Requester side: one answer; install, settle, or ask again. */
void synod_resync_reply(struct synod_repl *r, u32 from, const u8 *f, u32 len)
{
	struct synod_resync *rs = &r->resync;
	struct synod_resync_req *w = NULL;
	u8 hash[SYNOD_RESYNC_HASH];
	u64 c, slot;
	u32 i, dlen, clen;
	u16 pass;
	u8 st;

	lockdep_assert_held(&r->lock);
	if (len < SYNOD_RESYNC_HDR)
		goto drop;
	pass = synod_get_le16(f + 2);
	c = synod_get_le32(f + 4);
	/* a pass we never ran, or none at all: never asked */
	if (!rs->pass || (s16)(pass - rs->pass) > 0)
		goto drop;
	if (!rs->active || pass != rs->pass)
		goto late;
	st = f[1];
	dlen = synod_get_le32(f + 8);
	slot = synod_get_le64(f + 16);
	for (i = 0; i < SYNOD_RESYNC_WINDOW; i++)
		if (rs->win[i].busy && rs->win[i].chunk == c)
			w = &rs->win[i];
	if (!w) {
		/* asked this pass and settled: a retry's second answer */
		if (c < rs->next)
			goto late;
		goto drop;	/* a chunk not asked for yet */
	}
	clen = synod_resync_chunk_len(r, c);
	if (st == SYNOD_RESYNC_NOT_YET) {
		/* Ask the leader next time, after a pause. */
		rs->from = pick_source(r);
		return;
	}
	if (st == SYNOD_RESYNC_SAME) {
		if (dlen || len != SYNOD_RESYNC_HDR)
			goto drop;
	} else if (st != SYNOD_RESYNC_DATA || dlen != clen ||
		   len != SYNOD_RESYNC_HDR + dlen) {
		goto drop;
	} else if (chunk_hash(r, f + SYNOD_RESYNC_HDR, dlen, hash)) {
		return;
	} else if (memcmp(hash, f + 24, SYNOD_RESYNC_HASH)) {
		goto drop;	/* not what the source hashed: ask again */
	} else if (!chunk_install(r, w, f + SYNOD_RESYNC_HDR, dlen, slot)) {
		return;
	}
	rs->need = max(rs->need, slot);
	rs->settled++;
	w->busy = false;
	resync_pump(r, synod_repl_now());
	resync_finish(r, synod_repl_now());
	return;
late:
	/* a second answer to an ask retried, or to an earlier pass */
	r->rx_drop[SYNOD_RXD_LATE]++;
	return;
drop:
	r->rx_drop[SYNOD_RXD_BAD]++;
}
