// SPDX-License-Identifier: GPL-2.0
/*
 * A test hook for journal.c inside a VM, with no replica around it.
 * Built with -DSYNOD_JOURNAL_DEBUGFS and in the test build (testing.h,
 * -DSYNOD_TESTING); tests/vm/journal_debugfs.sh and recovery.bats drive
 * it against a loop device.
 *
 * The hook is a module parameter, not a debugfs file: module parameters
 * are registered and removed by the module loader itself, so this file
 * needs no code in main.c's init and exit, and nothing dangles after
 * rmmod.  Write a command to /sys/module/synod/parameters/journal_test,
 * read the parameter for the result of the last one:
 *
 *   format DEV                   lay out a format 1 superblock on DEV,
 *                                with a new random volume UUID
 *   format3 DEV                  the same in format 3 (small slots and a
 *                                payload ring)
 *   write DEV FIRST N [RECLAIM]  recover, then write records for slots
 *                                FIRST..FIRST+N-1, three per call, after
 *                                reclaiming up to slot RECLAIM
 *   recover DEV                  recover and check every record found
 *   writeseg DEV FIRST N         recover, then write records for slots
 *                                FIRST..FIRST+N-1 (from JT_SEG_SLOT on),
 *                                SYNOD_JOURNAL_BATCH per call, each
 *                                payload in 512-byte segments; says the
 *                                bios they took
 *   format3large DEV [MIB]       format3 with the LARGE flag (payloads up
 *                                to 1 MiB), a payload ring of MIB MiB
 *                                (default 12, the module's)
 *   large DEV FIRST N KB [APPLIED]
 *                                recover, then write records for slots
 *                                FIRST..FIRST+N-1 (from JT_LARGE_SLOT
 *                                on) of KB KiB each (up to 1024), split
 *                                in 1 + slot % 4 writes, as payload
 *                                chains of 16 KiB buffers, JT_LARGE_PER
 *                                per call, stopping at the first error;
 *                                with APPLIED, first write a superblock
 *                                whose applied index is APPLIED, as a
 *                                checkpoint does, which makes it the
 *                                reclaim point.  Says, from the
 *                                journal's own counters, the slot after
 *                                the last record made durable (next=),
 *                                the chunks (batches) and bios written,
 *                                the records among them that named
 *                                payloads a held record of their slot
 *                                wrote (shared=, journal_share.c: a
 *                                slot written again with the same
 *                                payloads), and crc= of the payloads
 *                                written
 *
 * After a recovery, err= is what it returned (what it found is reported
 * either way), held= is the payload ring bytes it left held: the
 * extents of the records whose ring slot stays held, each counted once
 * (a record naming bytes another wrote adds none); bytes= and crc= are
 * the bytes of the payloads found and the CRC-32C of them all in journal
 * order, to compare with what large wrote.
 *
 * Record contents are a function of the slot, so recover can check every
 * payload byte without remembering what was written.  Slots from
 * JT_BIG_SLOT on carry the most a record can: SYNOD_BATCH_MAX writes of
 * SYNOD_PAYLOAD_MAX, in the payload ring in format 3.
 */
#if defined(SYNOD_JOURNAL_DEBUGFS) || defined(SYNOD_TESTING)

#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "synod.h"
#include "journal.h"
#include "core/crc32c.h"

#define JT_PER_CALL	3u	/* records per synod_journal_write() */
#define JT_BIG_SLOT	(1ull << 20)	/* first slot of the largest records */
/* first slot of records of JT_SEGS segments of 512 bytes */
#define JT_SEG_SLOT	(1ull << 21)
/*
 * Segments of those records: as many as the journal took per record
 * before large records (now SYNOD_JREC_SEGS, 68), so that a chunk of
 * them, in its slots, still needs more vectors than one bio holds.
 */
#define JT_SEGS		16u
/* first slot of the large records, whose lengths the writer chooses */
#define JT_LARGE_SLOT	(1ull << 22)
#define JT_LARGE_PER	8u	/* records per synod_journal_write() */

static char jt_result[256] = "idle";
static int jt_holder;		/* our identity as the device's holder */

/* Writes of slot @s: how many, and how long each is. */
static u32 jt_nwrites(u64 s)
{
	if (s >= JT_LARGE_SLOT)
		return 1 + s % SYNOD_BATCH_MAX;
	if (s >= JT_SEG_SLOT)
		return SYNOD_BATCH_MAX;
	return s >= JT_BIG_SLOT ? SYNOD_BATCH_MAX : 1 + s % SYNOD_BATCH_MAX;
}

static u32 jt_len(u64 s, u32 i)
{
	if (s >= JT_SEG_SLOT)
		return JT_SEGS / SYNOD_BATCH_MAX * 512;
	if (s >= JT_BIG_SLOT)
		return SYNOD_PAYLOAD_MAX;
	return 512 * (1 + (s + i) % (SYNOD_PAYLOAD_MAX / 512));
}

/* The 32-bit word @w of write @i of slot @s. */
static u32 jt_word(u64 s, u32 i, u32 w)
{
	return (u32)s * 2654435761u ^ (i << 24) ^ w;
}

/*
 * Record of slot @s over buffers @buf, each payload given as two
 * segments where it has two sectors (the first half, rounded to a
 * sector, then the rest; @seg has 2 per write): recovery reads it back
 * as one, so the CRC and the bytes on disk must be those of the whole.
 */
static void jt_fill(struct synod_jrec *r, u64 s, void *const buf[],
		    struct synod_jseg *seg)
{
	u32 i, w, half;

	memset(r, 0, sizeof(*r));
	r->seq = s + 1000;
	r->e.slot = s;
	r->e.ballot = synod_ballot_make(1, 1);
	r->e.kind = SYNOD_ENTRY_WRITE;
	r->e.nwrites = jt_nwrites(s);
	for (i = 0; i < r->e.nwrites; i++) {
		u32 *p = buf[i];

		r->e.w[i].block = s * 4 + i;
		r->len[i] = jt_len(s, i);
		for (w = 0; w < r->len[i] / 4; w++)
			p[w] = jt_word(s, i, w);
		half = round_down(r->len[i] / 2, 512);
		r->seg[i] = &seg[2 * i];
		r->nseg[i] = half ? 2 : 1;
		seg[2 * i] = (struct synod_jseg){ buf[i], half ?: r->len[i] };
		seg[2 * i + 1] = (struct synod_jseg){ buf[i] + half,
						      r->len[i] - half };
	}
}

struct jt_check {
	u64 found, first, last, order_err, bad, corrupt, known;
	u64 held;	/* payload ring bytes held after the recovery */
	u64 bytes;	/* payload bytes found */
	u32 crc;	/* CRC-32C of them, in journal order */
	u64 corrupt_slot[8];
};

/*
 * A large record's payload @i: its segments must add up to its length
 * and hold the slot's pattern, word by word across them.
 */
static bool jt_large_ok(const struct synod_jrec *r, u32 i)
{
	u32 k, w, at = 0, len = 0;

	for (k = 0; k < r->nseg[i]; k++) {
		const u32 *p = r->seg[i][k].data;

		for (w = 0; w < r->seg[i][k].len / 4; w++)
			if (p[w] != jt_word(r->e.slot, i, at + w))
				return false;
		at += r->seg[i][k].len / 4;
		len += r->seg[i][k].len;
	}
	return len == r->len[i] && r->len[i] && r->len[i] % 512 == 0;
}

/* found(): the record must be the next slot and hold its pattern. */
static void jt_found(void *ctx, const struct synod_jrec *r)
{
	struct jt_check *c = ctx;
	u64 s = r->e.slot;
	u32 i, w;

	if (c->found && s != c->last + 1)
		c->order_err++;
	if (!c->found)
		c->first = s;
	c->last = s;
	c->found++;
	if (r->seq != s + 1000 || r->e.nwrites != jt_nwrites(s)) {
		c->bad++;
		return;
	}
	for (i = 0; i < r->e.nwrites; i++) {
		c->bytes += r->len[i];
		for (w = 0; w < r->nseg[i]; w++)
			c->crc = synod_crc32c(c->crc, r->seg[i][w].data,
					r->seg[i][w].len);
	}
	if (s >= JT_LARGE_SLOT) {
		for (i = 0; i < r->e.nwrites; i++)
			if (!jt_large_ok(r, i)) {
				c->bad++;
				return;
			}
		return;
	}
	for (i = 0; i < r->e.nwrites; i++) {
		const u32 *p = r->seg[i][0].data;

		if (r->len[i] != jt_len(s, i) || r->e.w[i].block != s * 4 + i ||
		    r->nseg[i] != 1 || r->seg[i][0].len != r->len[i]) {
			c->bad++;
			return;
		}
		for (w = 0; w < r->len[i] / 4; w++)
			if (p[w] != jt_word(s, i, w)) {
				c->bad++;
				return;
			}
	}
}

static void jt_corrupt(void *ctx, u64 slot, bool known)
{
	struct jt_check *c = ctx;

	if (known && c->known < ARRAY_SIZE(c->corrupt_slot))
		c->corrupt_slot[c->known] = slot;
	c->known += known;
	c->corrupt++;
}

static int jt_recover(struct synod_journal *j, struct jt_check *c)
{
	int err;

	memset(c, 0, sizeof(*c));
	err = synod_journal_recover(j, jt_found, jt_corrupt, c);
	if (!err)
		c->held = synod_journal_pring_held(j);
	return err;
}

/*
 * A replicated superblock of format 3 (@v3) or 1, as a replica's would
 * be but for its peers.  The module creates format 3 only; format 1's
 * journal (one slot per record, no payload ring) is still read and
 * written for older volumes, so it is laid out here by hand: its slots
 * where format 3's begin, ending before the data area of format 3.
 */
static int jt_format(struct synod_backing *b, bool v3, bool large, u64 mib)
{
	struct synod_sb sb;
	u8 uuid[16];

	/* A new volume each time: the old ring's records become foreign. */
	get_random_bytes(uuid, sizeof(uuid));
	if (synod_sb_init_repl(&sb, uuid, b->size_bytes, b->block_size))
		return -ENOSPC;
	if (large) {
		/* a ring of @mib MiB: the data area moves after it */
		if (mib > b->size_bytes / SZ_1M)
			return -ENOSPC;
		sb.flags |= SYNOD_SB_FLAG_LARGE;
		sb.journal_size = (u64)sb.jrec_size * sb.jrec_count +
				  (mib ?: 12) * SZ_1M;
		sb.data_offset = round_up(sb.journal_offset + sb.journal_size,
					  SZ_1M);
		if (sb.data_offset + SZ_1M > b->size_bytes)
			return -ENOSPC;
		sb.data_size = round_down(b->size_bytes - sb.data_offset,
					  SYNOD_DATA_ALIGN_BYTES);
	}
	if (v3) {
		get_random_bytes(sb.secret_fp, sizeof(sb.secret_fp));
	} else {
		sb.format = SYNOD_SB_FORMAT_V1;
		sb.jrec_size = SYNOD_JREC_SIZE;
		sb.journal_size = (u64)sb.jrec_size * sb.jrec_count;
		if (sb.journal_offset + sb.journal_size > sb.data_offset)
			return -ENOSPC;
	}
	sb.node_id = 1;
	sb.cfg = (struct synod_config){ .epoch = 1, .voters = 0x7,
					.q1 = 2, .q2 = 2 };
	return synod_backing_sb_write(b, &sb, NULL);
}

static int jt_write(struct synod_journal *j, u64 first, u64 n, u64 reclaim)
{
	struct synod_jrec *recs;
	struct synod_jseg *seg;
	void *buf[JT_PER_CALL][SYNOD_BATCH_MAX] = {};
	struct jt_check c;
	u64 s = first;
	u32 i, k, cnt;
	int err = -ENOMEM;

	recs = kcalloc(JT_PER_CALL, sizeof(*recs), GFP_KERNEL);
	seg = kcalloc(JT_PER_CALL * SYNOD_BATCH_MAX * 2, sizeof(*seg),
		      GFP_KERNEL);
	if (!recs || !seg)
		goto out_free;
	for (k = 0; k < JT_PER_CALL; k++)
		for (i = 0; i < SYNOD_BATCH_MAX; i++) {
			buf[k][i] = (void *)__get_free_pages(GFP_KERNEL,
					get_order(SYNOD_PAYLOAD_MAX));
			if (!buf[k][i])
				goto out_free;
		}
	err = jt_recover(j, &c);
	if (err)
		goto out_free;
	synod_journal_reclaim(j, reclaim);
	while (s < first + n) {
		cnt = min_t(u64, JT_PER_CALL, first + n - s);
		for (k = 0; k < cnt; k++)
			jt_fill(&recs[k], s + k, buf[k],
				seg + k * SYNOD_BATCH_MAX * 2);
		err = synod_journal_write(j, recs, cnt);
		if (err)
			break;
		s += cnt;
	}
	scnprintf(jt_result, sizeof(jt_result),
		  "write err=%d next=%llu recovered=%llu corrupt=%llu held=%llu\n",
		  err, s, c.found, c.corrupt, c.held);
out_free:
	for (k = 0; k < JT_PER_CALL; k++)
		for (i = 0; i < SYNOD_BATCH_MAX; i++)
			if (buf[k][i])
				free_pages((unsigned long)buf[k][i],
					   get_order(SYNOD_PAYLOAD_MAX));
	kfree(seg);
	kfree(recs);
	return err;
}

/*
 * @n blocks of 2^@order pages for a command's payloads (a table of
 * their addresses), all or none: NULL if any allocation fails.  Freed
 * with jt_blocks_free(), which takes a NULL table too.
 */
static void **jt_blocks_alloc(u32 n, unsigned int order)
{
	void **v = kcalloc(n, sizeof(*v), GFP_KERNEL);
	u32 i;

	for (i = 0; v && i < n; i++) {
		v[i] = (void *)__get_free_pages(GFP_KERNEL, order);
		if (!v[i]) {
			while (i--)
				free_pages((unsigned long)v[i], order);
			kfree(v);
			v = NULL;
		}
	}
	return v;
}

static void jt_blocks_free(void **v, u32 n, unsigned int order)
{
	u32 i;

	for (i = 0; v && i < n; i++)
		free_pages((unsigned long)v[i], order);
	kfree(v);
}

/*
 * Record @r (jt_fill()) again as segments of 512 bytes, @seg room for
 * JT_SEGS: a chunk of them needs more vectors than a bio holds
 * (BIO_MAX_VECS), so write_chunk() cuts its slots into several bios.
 */
static void jt_split(struct synod_jrec *r, struct synod_jseg *seg)
{
	u32 i, k, n = 0;

	for (i = 0; i < r->e.nwrites; i++) {
		const u8 *p = r->seg[i][0].data;

		r->seg[i] = &seg[n];
		r->nseg[i] = r->len[i] / 512;
		for (k = 0; k < r->nseg[i]; k++)
			seg[n++] = (struct synod_jseg){ p + k * 512, 512 };
	}
}

static int jt_writeseg(struct synod_journal *j, u64 first, u64 n)
{
	const u32 per = SYNOD_JOURNAL_BATCH, nb = SYNOD_BATCH_MAX;
	u64 s = first, chunks = 0, b0, b1, x;
	struct synod_jseg *seg, *tmp;
	struct synod_jrec *recs;
	void **buf;
	struct jt_check c;
	u32 k, cnt;
	int err = -ENOMEM;

	BUILD_BUG_ON(JT_SEGS / SYNOD_BATCH_MAX * 512 > PAGE_SIZE);
	BUILD_BUG_ON(JT_SEGS > SYNOD_JREC_SEGS);
	if (first < JT_SEG_SLOT)
		return -EINVAL;
	recs = kcalloc(per, sizeof(*recs), GFP_KERNEL);
	seg = kcalloc(per * JT_SEGS, sizeof(*seg), GFP_KERNEL);
	tmp = kcalloc(per * nb * 2, sizeof(*tmp), GFP_KERNEL);
	buf = jt_blocks_alloc(per * nb, 0);
	if (!recs || !seg || !tmp || !buf)
		goto out_free;
	err = jt_recover(j, &c);
	if (err)
		goto out_free;
	synod_journal_counters(j, &x, &x, &b0, &x);
	while (s < first + n) {
		cnt = min_t(u64, per, first + n - s);
		for (k = 0; k < cnt; k++) {
			jt_fill(&recs[k], s + k, buf + k * nb,
				tmp + k * nb * 2);
			jt_split(&recs[k], seg + k * JT_SEGS);
		}
		err = synod_journal_write(j, recs, cnt);
		if (err)
			break;
		s += cnt;
		chunks++;
	}
	synod_journal_counters(j, &x, &x, &b1, &x);
	scnprintf(jt_result, sizeof(jt_result),
		  "writeseg err=%d next=%llu recovered=%llu chunks=%llu bios=%llu\n",
		  err, s, c.found, chunks, b1 - b0);
out_free:
	jt_blocks_free(buf, per * nb, 0);
	kfree(tmp);
	kfree(seg);
	kfree(recs);
	return err;
}

/*
 * Large records (jt_large()) of slots @s.. into @recs (@cnt), their
 * payloads in the 16 KiB blocks @blk (SYNOD_JREC_SEGS a record), as
 * payload chains lie in the store: write i from a block of its own on.
 */
static void jt_large_fill(struct synod_jrec *recs, u32 cnt, u64 s, u32 kb,
			  void **blk, struct synod_jseg *seg)
{
	u32 k, i, b, w, n, off, len;

	for (k = 0; k < cnt; k++) {
		struct synod_jrec *r = &recs[k];
		void **rb = blk + k * SYNOD_JREC_SEGS;
		struct synod_jseg *rs = seg + k * SYNOD_JREC_SEGS;

		memset(r, 0, sizeof(*r));
		r->seq = s + k + 1000;
		r->e.slot = s + k;
		r->e.ballot = synod_ballot_make(1, 1);
		r->e.kind = SYNOD_ENTRY_WRITE;
		r->e.nwrites = jt_nwrites(s + k);
		/*
		 * a slot's bytes are always the same: a record of it
		 * again may share the first one's (journal_share.c)
		 */
		r->again = true;
		len = max_t(u32, 512, round_down(kb * 1024 / r->e.nwrites, 512));
		for (i = 0, b = 0; i < r->e.nwrites; i++) {
			r->e.w[i].block = (s + k) * 4 + i;
			r->len[i] = len;
			r->seg[i] = &rs[b];
			for (off = 0; off < len; off += n, b++) {
				u32 *p = rb[b];

				n = min_t(u32, len - off, SYNOD_PAYLOAD_MAX);
				for (w = 0; w < n / 4; w++)
					p[w] = jt_word(s + k, i, off / 4 + w);
				rs[b] = (struct synod_jseg){ p, n };
				r->nseg[i]++;
			}
		}
	}
}

/*
 * @crc carried on over the payloads of records @recs (@cnt), in the
 * order jt_found() takes them: what recovery's crc= is of the same
 * records.
 */
static u32 jt_recs_crc(u32 crc, const struct synod_jrec *recs, u32 cnt)
{
	u32 k, i, b;

	for (k = 0; k < cnt; k++)
		for (i = 0; i < recs[k].e.nwrites; i++)
			for (b = 0; b < recs[k].nseg[i]; b++)
				crc = synod_crc32c(crc, recs[k].seg[i][b].data,
						   recs[k].seg[i][b].len);
	return crc;
}

/* Records the journal has made durable since its creation. */
static u64 jt_written(struct synod_journal *j)
{
	u64 x, written;

	synod_journal_counters(j, &x, &written, &x, &x);
	return written;
}

/*
 * next= and chunks= are the journal's word, not ours: a write of
 * several chunks that fails with -ENOSPC leaves the chunks before the
 * refused one durable (journal.h), so the records written are what
 * the journal counted, and the crc= covers those only.
 */
static int jt_large(struct synod_journal *j, u64 first, u64 n, u64 kb)
{
	const u32 per = JT_LARGE_PER, nblk = per * SYNOD_JREC_SEGS;
	u64 s = first, x, b0, b1, c0, w0, done, sh0;
	struct synod_jseg *seg = NULL;
	struct synod_jrec *recs;
	void **blk = NULL;
	struct jt_check c;
	u32 cnt, crc = 0;
	int err = -ENOMEM;

	if (first < JT_LARGE_SLOT || !kb || kb > SYNOD_PAYLOAD_MAX_LARGE / 1024)
		return -EINVAL;
	recs = kcalloc(per, sizeof(*recs), GFP_KERNEL);
	seg = kcalloc(nblk, sizeof(*seg), GFP_KERNEL);
	blk = jt_blocks_alloc(nblk, get_order(SYNOD_PAYLOAD_MAX));
	if (!recs || !seg || !blk)
		goto out_free;
	err = jt_recover(j, &c);
	if (err)
		goto out_free;
	synod_journal_counters(j, &x, &x, &b0, &x);
	c0 = synod_journal_chunks(j);
	sh0 = synod_journal_shared(j);
	while (s < first + n && !err) {
		cnt = min_t(u64, per, first + n - s);
		jt_large_fill(recs, cnt, s, kb, blk, seg);
		w0 = jt_written(j);
		err = synod_journal_write(j, recs, cnt);
		done = min_t(u64, jt_written(j) - w0, cnt);
		crc = jt_recs_crc(crc, recs, done);
		s += done;
	}
	synod_journal_counters(j, &x, &x, &b1, &x);
	scnprintf(jt_result, sizeof(jt_result),
		  "large err=%d next=%llu recovered=%llu chunks=%llu bios=%llu shared=%llu crc=%08x\n",
		  err, s, c.found, synod_journal_chunks(j) - c0, b1 - b0,
		  synod_journal_shared(j) - sh0, crc);
out_free:
	jt_blocks_free(blk, nblk, get_order(SYNOD_PAYLOAD_MAX));
	kfree(seg);
	kfree(recs);
	return err;
}

/* what a recovery that returned @err found (none, if the flush failed) */
static void jt_report(const struct jt_check *c, int err)
{
	char slots[96] = "";
	u32 i, off = 0;

	for (i = 0; i < min_t(u64, c->known, ARRAY_SIZE(c->corrupt_slot)); i++)
		off += scnprintf(slots + off, sizeof(slots) - off, "%s%llu",
				 i ? "," : "", c->corrupt_slot[i]);
	scnprintf(jt_result, sizeof(jt_result),
		  "recover err=%d found=%llu first=%llu last=%llu order_err=%llu bad=%llu corrupt=%llu known=%llu slots=%s held=%llu bytes=%llu crc=%08x\n",
		  err, c->found, c->first, c->last, c->order_err, c->bad,
		  c->corrupt, c->known, slots[0] ? slots : "-", c->held,
		  c->bytes, c->crc);
}

/*
 * A checkpoint's superblock: applied index @applied (never lowered),
 * written durably before the journal is created from it, so that the
 * journal's reclaim point is applied and recorded in a durable
 * superblock, as journal.h asks of it (a replica checkpoints so).
 */
static int jt_checkpoint(struct synod_backing *b, struct synod_sb *sb,
			 u64 applied)
{
	if (applied <= sb->applied_index)
		return 0;
	sb->applied_index = applied;
	sb->seq++;
	return synod_backing_sb_write(b, sb, NULL);
}

/*
 * Open @dev, run @cmd on its journal, close: one command per write.
 * @applied (0: none) is large's APPLIED.
 */
static int jt_run(const char *cmd, const char *dev, u64 a, u64 n, u64 r,
		  u64 applied)
{
	struct synod_backing b = {};
	struct synod_journal *j;
	struct synod_sb sb;
	struct jt_check c;
	int err;

	err = synod_backing_open(&b, dev, &jt_holder, NULL);
	if (err)
		return err;
	if (!strncmp(cmd, "format", 6)) {
		err = jt_format(&b, strcmp(cmd, "format"),
				!strcmp(cmd, "format3large"), a);
		scnprintf(jt_result, sizeof(jt_result), "format err=%d\n", err);
		goto out_close;
	}
	err = synod_backing_sb_read(&b, &sb, NULL) ?:
	      jt_checkpoint(&b, &sb, applied);
	if (err)
		goto out_close;
	j = synod_journal_create(&b, &sb, NULL);
	if (IS_ERR(j)) {
		err = PTR_ERR(j);
		goto out_close;
	}
	if (!strcmp(cmd, "write")) {
		err = jt_write(j, a, n, r);
	} else if (!strcmp(cmd, "writeseg")) {
		err = jt_writeseg(j, a, n);
	} else if (!strcmp(cmd, "large")) {
		err = jt_large(j, a, n, r);
	} else {
		err = jt_recover(j, &c);
		jt_report(&c, err);
	}
	synod_journal_destroy(j);
out_close:
	synod_backing_close(&b, &jt_holder);
	return err;
}

static int jt_set(const char *val, const struct kernel_param *kp)
{
	char cmd[16], dev[64];
	unsigned long long a = 0, n = 0, r = 0, applied = 0;
	bool fmt, wr, large;
	int got, err;

	got = sscanf(val, "%15s %63s %llu %llu %llu %llu", cmd, dev, &a, &n,
		     &r, &applied);
	if (got < 2)
		return -EINVAL;
	fmt = !strcmp(cmd, "format") || !strcmp(cmd, "format3") ||
	      !strcmp(cmd, "format3large");
	wr = !strcmp(cmd, "write") || !strcmp(cmd, "writeseg");
	large = !strcmp(cmd, "large");
	if (!fmt && strcmp(cmd, "recover") && !(wr && got >= 4 && got <= 5) &&
	    !(large && got >= 5))
		return -EINVAL;
	scnprintf(jt_result, sizeof(jt_result), "%s failed\n", cmd);
	/* APPLIED is large's alone */
	err = jt_run(cmd, dev, a, n, r, large ? applied : 0);
	pr_info("synod: journal_test %s %s: %d: %s", cmd, dev, err, jt_result);
	return err == -ENOSPC ? 0 : err;
}

static int jt_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, PAGE_SIZE, "%s", jt_result);
}

static const struct kernel_param_ops jt_ops = {
	.set = jt_set,
	.get = jt_get,
};
module_param_cb(journal_test, &jt_ops, NULL, 0600);
MODULE_PARM_DESC(journal_test, "journal self-test command (test and debug builds)");

#endif /* SYNOD_JOURNAL_DEBUGFS || SYNOD_TESTING */
