// SPDX-License-Identifier: GPL-2.0
/*
 * The backing block device: claiming it for a volume, and the synchronous
 * superblock I/O done at create and attach time.  The data path (clones of
 * the synod disk's bios) lives in blkdev.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/bio.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "synod.h"
#include "compat.h"

/*
 * Open @path read-write and exclusively with @holder, so that nobody can
 * mount or claim it while a volume uses it, and check that it is big
 * enough.  Errors: -ENOENT (no such path), -ENOTBLK (not a block device),
 * -EBUSY (claimed or mounted elsewhere), -ENOSPC (too small).
 */
int synod_backing_open(struct synod_backing *b, const char *path,
		       void *holder, struct netlink_ext_ack *extack)
{
	struct block_device *bdev;

	bdev = synod_open_bdev_excl(path, holder, &b->handle);
	if (IS_ERR(bdev)) {
		int err = PTR_ERR(bdev);

		/* The path is cut to fit the 80-byte extack buffer. */
		if (err == -ENOENT)
			SYNOD_ERR(extack, NULL, "backing device does not exist",
				  ": %.32s", path);
		else if (err == -ENOTBLK)
			SYNOD_ERR(extack, NULL, "backing path is not a block device",
				  ": %.32s", path);
		else if (err == -EBUSY)
			SYNOD_ERR(extack, NULL,
				  "backing device in use (mounted or claimed)",
				  ": %.32s", path);
		else
			SYNOD_ERR(extack, NULL, "cannot open backing device",
				  ": %.32s", path);
		return err;
	}

	b->bdev = bdev;
	b->size_bytes = bdev_nr_bytes(bdev);
	b->block_size = max_t(u32, bdev_logical_block_size(bdev), 512);
	if (b->size_bytes < SYNOD_BACKING_MIN_BYTES) {
		SYNOD_ERR(extack, NULL,
			  "backing device too small (minimum 2 MiB)",
			  ": %llu bytes", b->size_bytes);
		synod_backing_close(b, holder);
		return -ENOSPC;
	}
	return 0;
}

/* Release the claim taken by synod_backing_open(). */
void synod_backing_close(struct synod_backing *b, void *holder)
{
	if (!b->bdev)
		return;
	synod_close_bdev_excl(b->handle, holder);
	b->bdev = NULL;
	b->handle = NULL;
}

/*
 * One synchronous 4 KiB transfer of a superblock copy.  Writes carry
 * FUA, and PREFLUSH unless the caller flushed itself (@opf): the
 * superblock must be on stable media, and ordered after everything it
 * speaks for, when this returns.  GFP_NOIO: a
 * running replica updates its superblock under its lock, on the way of
 * writes to its disk, where reclaim must not wait for that disk (the
 * bio comes from a mempool, so it does not fail either).
 */
static int sb_rw(struct synod_backing *b, struct page *page, u32 copy,
		 blk_opf_t opf)
{
	struct bio *bio;
	int err;

	bio = bio_alloc(b->bdev, 1, opf, GFP_NOIO);
	bio->bi_iter.bi_sector = SYNOD_SB_OFFSET(copy) >> SECTOR_SHIFT;
	__bio_add_page(bio, page, SYNOD_SB_SIZE, 0);
	err = submit_bio_wait(bio);
	bio_put(bio);
	return err;
}

/*
 * Read both superblock copies and pick the current one.  A device whose
 * copies cannot be used is refused with the reason: not ours (-EINVAL),
 * corrupt (-EUCLEAN), from a newer format (-EOPNOTSUPP), or a layout that
 * no longer fits the device (-ENOSPC).
 */
int synod_backing_sb_read(struct synod_backing *b, struct synod_sb *sb,
			  struct netlink_ext_ack *extack)
{
	struct page *pages[SYNOD_SB_COPIES] = {};
	enum synod_sb_status st;
	u32 i, which;
	int err = -ENOMEM;

	/* One page per copy, and synod_sb_select() takes exactly two. */
	BUILD_BUG_ON(SYNOD_SB_SIZE != PAGE_SIZE);
	BUILD_BUG_ON(SYNOD_SB_COPIES != 2);
	for (i = 0; i < SYNOD_SB_COPIES; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i])
			goto out_free_pages;
		err = sb_rw(b, pages[i], i, REQ_OP_READ | REQ_SYNC);
		if (err) {
			NL_SET_ERR_MSG(extack, "reading the superblock failed");
			goto out_free_pages;
		}
	}

	st = synod_sb_select(page_address(pages[0]), page_address(pages[1]),
			     sb, &which);
	if (st == SYNOD_SB_OK)
		st = synod_sb_check_fit(sb, b->size_bytes, b->block_size);

	switch (st) {
	case SYNOD_SB_OK:
		err = 0;
		break;
	case SYNOD_SB_NO_MAGIC:
		NL_SET_ERR_MSG(extack,
			       "no synod superblock on backing device (foreign or blank)");
		err = -EINVAL;
		break;
	case SYNOD_SB_BAD_CSUM:
		NL_SET_ERR_MSG(extack,
			       "superblock corrupt: both copies fail their checksum");
		err = -EUCLEAN;
		break;
	case SYNOD_SB_BAD_VERSION:
	case SYNOD_SB_BAD_FLAGS:
		NL_SET_ERR_MSG(extack,
			       "unsupported on-disk format version or features (this module reads 0 to 3)");
		err = -EOPNOTSUPP;
		break;
	case SYNOD_SB_BAD_SIZES:
		NL_SET_ERR_MSG(extack, "superblock corrupt: invalid layout");
		err = -EUCLEAN;
		break;
	case SYNOD_SB_TOO_SMALL:
		NL_SET_ERR_MSG(extack,
			       "backing device smaller than the volume's data area");
		err = -ENOSPC;
		break;
	case SYNOD_SB_SMALL_PRING:
		/* the message's figure (no formatted extack before 6.2) */
		BUILD_BUG_ON(SYNOD_PRING_MIN_LARGE != 9 * SZ_1M);
		NL_SET_ERR_MSG(extack,
			       "large requests (LARGE flag) need a payload ring of at least 9 MiB: this volume's is smaller");
		err = -EUCLEAN;
		break;
	}

	/* A refused format 1 copy must not leave its secret in @sb either. */
	if (err)
		memzero_explicit(sb, sizeof(*sb));
out_free_pages:
	/* A format 1 copy holds the shared secret: no trace in freed pages. */
	for (i = 0; i < SYNOD_SB_COPIES; i++) {
		if (!pages[i])
			continue;
		memzero_explicit(page_address(pages[i]), PAGE_SIZE);
		__free_page(pages[i]);
	}
	return err;
}

/*
 * Write @sb to both copies.  Both get the same sequence number: at
 * creation there is no older state worth keeping, and later updates
 * (which alternate copies) start from a device where both are valid.
 */
int synod_backing_sb_write(struct synod_backing *b, const struct synod_sb *sb,
			   struct netlink_ext_ack *extack)
{
	struct page *page;
	u32 i;
	int err = 0;

	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	synod_sb_encode(sb, page_address(page));
	for (i = 0; i < SYNOD_SB_COPIES && !err; i++)
		err = sb_rw(b, page, i, REQ_OP_WRITE | REQ_SYNC |
					REQ_PREFLUSH | REQ_FUA);
	if (err)
		NL_SET_ERR_MSG(extack, "writing the superblock failed");
	__free_page(page);
	return err;
}

/*
 * Look for an old volume's superblock: *@present if either copy starts
 * with the synod magic (its place in every format: ondisk.h).  A copy
 * with the magic counts even if it fails its checksum: zeroing a copy
 * that needed nothing costs one write, keeping one that a newer module
 * could still read would keep a promise alive.  A copy that cannot be
 * read counts too: the write that zeroes it often succeeds (a disk
 * remaps a pending bad sector on write), and create never needed to
 * read the device before; a copy this module cannot read would not have
 * served the old volume anyway.
 *
 * *@last: the copy to zero last, the current one, so that a crash after
 * the first write leaves the old volume whole rather than its older copy
 * current (an older promise).  Current as whichever module wrote it
 * would judge: the highest sequence among copies with the magic and a
 * valid checksum (synod_sb_peek_seq(), which reads a newer format's seq
 * too; synod_sb_decode() refuses such a copy), copy 0 on a tie.
 */
static void sb_find_old(struct synod_backing *b, struct page *page,
			bool *present, u32 *last)
{
	bool intact[SYNOD_SB_COPIES] = {};
	u64 seq[SYNOD_SB_COPIES] = {};
	u32 i;
	int err;

	/* *@last is a bool index below: "copy 1 is current". */
	BUILD_BUG_ON(SYNOD_SB_COPIES != 2);
	*present = false;
	for (i = 0; i < SYNOD_SB_COPIES; i++) {
		err = sb_rw(b, page, i, REQ_OP_READ | REQ_SYNC);
		if (err) {
			pr_warn("%pg: reading superblock copy %u failed (%d); zeroing it all the same\n",
				b->bdev, i, err);
			*present = true;
			continue;
		}
		if (memcmp(page_address(page), SYNOD_SB_MAGIC,
			   SYNOD_SB_MAGIC_LEN))
			continue;
		*present = true;
		intact[i] = synod_sb_peek_seq(page_address(page), &seq[i]);
	}
	*last = intact[1] && (!intact[0] || seq[1] > seq[0]);
	/* a format 1 copy holds its volume's secret */
	memzero_explicit(page_address(page), PAGE_SIZE);
}

/*
 * Zero both superblock copies, @last second, each on stable media
 * before the next write is issued.
 */
static int sb_invalidate(struct synod_backing *b, struct page *page,
			 u32 last)
{
	blk_opf_t opf = REQ_OP_WRITE | REQ_SYNC | REQ_PREFLUSH | REQ_FUA;
	int err;

	memzero_explicit(page_address(page), PAGE_SIZE);
	err = sb_rw(b, page, !last, opf);
	if (!err)
		err = sb_rw(b, page, last, opf);
	return err;
}

/*
 * Make the device ready for the new replicated volume @sb, before its
 * superblock is written (synod_backing_sb_write(), which flushes first,
 * so the zeros are durable before the superblock that speaks for them):
 * zero the journal's record slots, so that its first recovery finds
 * only records this volume wrote.  Left alone, the device's old bytes
 * are read as records: another volume's intact ones are foreign, but a
 * torn one, or data that merely starts like a header, is a broken
 * record of ours, and a ring of them is damage (the replica then
 * promises nothing until its peers fill the whole window).  The payload
 * ring is not zeroed: recovery reads its bytes only where an intact
 * header of this volume (its UUID under the checksums) names them, and
 * believes them only if they match that header's CRC-32C, so old bytes
 * there are never taken for a record's payload (a payload that did not
 * land fails its CRC, unless the old bytes were the very same data).
 * BLKDEV_ZERO_NOUNMAP: a thin device would otherwise unmap the journal
 * and allocate it again at the first writes.
 *
 * Order, should a crash or an error stop it half way: an old volume's
 * superblock (either copy) is zeroed first, durably, and only then its
 * journal; a valid old superblock over a zeroed journal would be a
 * replica whose accepted entries are gone while its promise stays.  A
 * device left without a superblock is refused at attach, and create can
 * start over.  Netlink context: GFP_KERNEL, and it may sleep.
 */
int synod_backing_prepare(struct synod_backing *b, const struct synod_sb *sb,
			  struct netlink_ext_ack *extack)
{
	sector_t start = sb->journal_offset >> SECTOR_SHIFT;
	sector_t nr = ((u64)sb->jrec_size * sb->jrec_count) >> SECTOR_SHIFT;
	struct page *page;
	u32 last;
	bool old;
	int err;

	if (WARN_ON_ONCE(!synod_sb_is_repl(sb) ||
			 sb->journal_offset % SECTOR_SIZE ||
			 ((u64)sb->jrec_size * sb->jrec_count) % SECTOR_SIZE))
		return -EINVAL;
	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	sb_find_old(b, page, &old, &last);
	if (old) {
		err = sb_invalidate(b, page, last);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "invalidating the old superblock failed; its journal is untouched");
			goto out_free_page;
		}
	}
	err = blkdev_issue_zeroout(b->bdev, start, nr, GFP_KERNEL,
				   BLKDEV_ZERO_NOUNMAP);
	if (err && old)
		NL_SET_ERR_MSG(extack,
			       "zeroing the journal failed; the old superblock is already invalidated");
	else if (err)
		NL_SET_ERR_MSG(extack, "zeroing the journal failed");
out_free_page:
	__free_page(page);
	return err;
}

/*
 * Update the superblock in place while the volume runs (the LARGE flag, a
 * synchronous checkpoint, a state transfer): write only the copy that
 * holds the older sequence number,
 * so a torn write leaves the other copy intact.  @page is preallocated by
 * the caller, who has bumped @sb->seq and encoded @sb into @page (inside
 * its replica's assertion window, so that a failed assertion of the
 * encoder fences that replica: synod_repl_sb_write()).  FUA always; a
 * flush first if @preflush, which a caller whose copy speaks for no
 * write the cache may hold (the flag, a promise) or that has just
 * flushed (a checkpoint) leaves out: a flush of a disk's whole cache
 * would buy nothing.
 */
int synod_backing_sb_update(struct synod_backing *b, const struct synod_sb *sb,
			    struct page *page, bool preflush)
{
	blk_opf_t opf = REQ_OP_WRITE | REQ_SYNC | REQ_FUA;

	if (preflush)
		opf |= REQ_PREFLUSH;
	return sb_rw(b, page, synod_sb_copy_for_seq(sb->seq), opf);
}

/*
 * The same update, issued without waiting (replica_sbw.c): a checkpoint's,
 * whose flush ran just before, or a promise's, which speaks for no write
 * the cache may hold, so FUA and no PREFLUSH.  @page holds the superblock
 * of sequence @seq, encoded; @bio and its one vector @bv are the
 * caller's, set up here, and @end_io gets @bio back once the copy is on
 * stable media or failed.  Allocates no bio: it may be issued on the way
 * to writing back this very disk (the checkpoint work, the journal's
 * writer).
 */
void synod_backing_sb_submit(struct synod_backing *b, struct bio *bio,
			     struct bio_vec *bv, struct page *page, u64 seq,
			     bio_end_io_t *end_io, void *private)
{
	bio_init(bio, b->bdev, bv, 1, REQ_OP_WRITE | REQ_SYNC | REQ_FUA);
	bio->bi_iter.bi_sector =
		SYNOD_SB_OFFSET(synod_sb_copy_for_seq(seq)) >> SECTOR_SHIFT;
	__bio_add_page(bio, page, SYNOD_SB_SIZE, 0);
	bio->bi_end_io = end_io;
	bio->bi_private = private;
	submit_bio(bio);
}
