// SPDX-License-Identifier: GPL-2.0
/*
 * A record's payload as a list of segments (journal.h, struct
 * synod_jseg): a payload chain of the store (payload.h) is written as
 * it lies in memory, one bio vector per buffer, never copied into one
 * contiguous block first.  The record's checksum is still the CRC-32C
 * of the payload's bytes in order, as the format says
 * (Documentation/ondisk.rst): the segments' CRCs chained give exactly
 * that, so the bytes on disk and their recovery do not change.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/log2.h>
#include <linux/mm.h>

#include "journal.h"
#include "paypool.h"
#include "core/crc32c.h"

/*
 * Whether @nseg segments at @seg are a payload of @len bytes the
 * journal can write: 1 to SYNOD_JREC_SEGS of them, each non-empty,
 * whole sectors, inside one store buffer (a page block of
 * SYNOD_PAY_BUF_BYTES, aligned to its size, paypool.c) and in memory a
 * bio vector can name (not vmalloc: one page block), adding up to
 * @len.  A refusal fences the replica (the write fails): no warning
 * here, so a test can show one.
 */
bool synod_jseg_ok(const struct synod_jseg *seg, u32 nseg, u32 len)
{
	u64 sum = 0;
	u32 i, off;

	BUILD_BUG_ON(!is_power_of_2(SYNOD_PAY_BUF_BYTES));
	if (!seg || !nseg || nseg > SYNOD_JREC_SEGS)
		return false;
	for (i = 0; i < nseg; i++) {
		off = (unsigned long)seg[i].data & (SYNOD_PAY_BUF_BYTES - 1);
		/* off < SYNOD_PAY_BUF_BYTES: no sum to wrap */
		if (!seg[i].data || !seg[i].len ||
		    seg[i].len % SECTOR_SIZE ||
		    seg[i].len > SYNOD_PAY_BUF_BYTES - off)
			return false;
		/* one bio vector per segment: it must be one page block */
		if (is_vmalloc_addr(seg[i].data))
			return false;
		sum += seg[i].len;
	}
	return sum == len;
}

/* CRC-32C of the segments' bytes in order: that of the bytes joined. */
u32 synod_jseg_crc(const struct synod_jseg *seg, u32 nseg)
{
	u32 crc = 0, i;

	for (i = 0; i < nseg; i++)
		crc = synod_crc32c(crc, seg[i].data, seg[i].len);
	return crc;
}

/*
 * Add the segments to @bio in order, one (multi-page) vector each:
 * the caller counted them into the bio's vectors (journal_priv.h,
 * JVECS) and checked them (synod_jseg_ok()).
 */
void synod_jseg_add(struct bio *bio, const struct synod_jseg *seg, u32 nseg)
{
	u32 i;

	for (i = 0; i < nseg; i++)
		__bio_add_page(bio, virt_to_page(seg[i].data), seg[i].len,
			       offset_in_page(seg[i].data));
}
