// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "synod_jseg": a journal record's payload as a list of
 * segments (kmod/journal_seg.c).  The record's CRC over the segments,
 * chained, is the CRC of the bytes joined, however they are cut: the
 * format's checksum and recovery (which reads a payload back as one
 * block) do not change.  A segment list is refused where the journal
 * could not write it (empty or partial segments, too many, one past
 * its buffer's end, a length that is not the payload's), without a
 * warning; each segment is one bio vector.
 */
#include <kunit/test.h>
#include <linux/bio.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/vmalloc.h>

#include "journal.h"
#include "paypool.h"
#include "core/crc32c.h"

#define BUF	SYNOD_PAY_BUF_BYTES
#define NBUF	3u

/* @n buffers of a payload store's kind, filled with a pattern. */
static void jseg_bufs(struct kunit *test, void *buf[], u32 n)
{
	u32 i, k;

	for (i = 0; i < n; i++) {
		struct page *pg = alloc_pages(GFP_KERNEL | __GFP_COMP,
					      get_order(BUF));

		KUNIT_ASSERT_NOT_NULL(test, pg);
		buf[i] = page_address(pg);
		for (k = 0; k < BUF; k++)
			((u8 *)buf[i])[k] = (i * BUF + k) * 13 + k / 509;
	}
}

static void jseg_free(void *buf[], u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		free_pages((unsigned long)buf[i], get_order(BUF));
}

/*
 * Cut one payload four ways, the pieces in distinct buffers as a chain
 * has them: the chained CRC equals the CRC of the same bytes in one
 * piece of memory.
 */
static void jseg_crc_equals_flat(struct kunit *test)
{
	static const u32 cuts[][3] = {
		{ BUF, BUF, BUF }, { 512, BUF, 1024 },
		{ BUF, 512, 512 }, { BUF - 512, BUF, BUF - 4096 },
	};
	struct synod_jseg seg[NBUF];
	void *buf[NBUF];
	u8 *flat = kunit_kmalloc(test, NBUF * BUF, GFP_KERNEL);
	u32 c, i, len;

	KUNIT_ASSERT_NOT_NULL(test, flat);
	jseg_bufs(test, buf, NBUF);
	for (c = 0; c < ARRAY_SIZE(cuts); c++) {
		for (i = 0, len = 0; i < NBUF; i++) {
			seg[i] = (struct synod_jseg){ buf[i], cuts[c][i] };
			memcpy(flat + len, buf[i], cuts[c][i]);
			len += cuts[c][i];
		}
		KUNIT_EXPECT_TRUE(test, synod_jseg_ok(seg, NBUF, len));
		KUNIT_EXPECT_EQ(test, synod_jseg_crc(seg, NBUF),
				synod_crc32c(0, flat, len));
	}
	/* and it is a CRC of these bytes: one changed, it differs */
	len = seg[0].len + seg[1].len + seg[2].len;
	((u8 *)buf[2])[7] ^= 1;
	KUNIT_EXPECT_NE(test, synod_jseg_crc(seg, NBUF),
			synod_crc32c(0, flat, len));
	jseg_free(buf, NBUF);
}

/* What the journal cannot write is refused, what it can is taken. */
static void jseg_ok_checks(struct kunit *test)
{
	struct synod_jseg seg[SYNOD_JREC_SEGS + 1];
	void *buf[NBUF], *vm;
	u32 i;

	jseg_bufs(test, buf, NBUF);
	for (i = 0; i < ARRAY_SIZE(seg); i++)
		seg[i] = (struct synod_jseg){ buf[i % NBUF], 512 };
	KUNIT_EXPECT_TRUE(test, synod_jseg_ok(seg, 1, 512));
	KUNIT_EXPECT_TRUE(test, synod_jseg_ok(seg, SYNOD_JREC_SEGS,
					      SYNOD_JREC_SEGS * 512));
	KUNIT_EXPECT_FALSE(test, synod_jseg_ok(seg, SYNOD_JREC_SEGS + 1,
					       (SYNOD_JREC_SEGS + 1) * 512));
	KUNIT_EXPECT_FALSE(test, synod_jseg_ok(seg, 0, 0));
	KUNIT_EXPECT_FALSE(test, synod_jseg_ok(NULL, 1, 512));
	KUNIT_EXPECT_FALSE(test, synod_jseg_ok(seg, 2, 512));	/* sum */
	KUNIT_EXPECT_FALSE(test, synod_jseg_ok(seg, 2, 2048));
	seg[1].len = 0;
	KUNIT_EXPECT_FALSE(test, synod_jseg_ok(seg, 2, 512));
	seg[1].len = 700;					/* sector */
	KUNIT_EXPECT_FALSE(test, synod_jseg_ok(seg, 2, 1212));
	seg[1].len = BUF + 512;				/* a buffer */
	KUNIT_EXPECT_FALSE(test, synod_jseg_ok(seg, 2, BUF + 1024));
	/* inside its buffer: up to its end, not past it */
	seg[1] = (struct synod_jseg){ buf[1] + BUF - 512, 512 };
	KUNIT_EXPECT_TRUE(test, synod_jseg_ok(seg, 2, 1024));
	seg[1] = (struct synod_jseg){ buf[1] + BUF - 512, 1024 };
	KUNIT_EXPECT_FALSE(test, synod_jseg_ok(seg, 2, 1536));
	seg[1] = (struct synod_jseg){ NULL, 512 };
	KUNIT_EXPECT_FALSE(test, synod_jseg_ok(seg, 2, 1024));
	/* vmalloc memory is no page block: no bio vector can name it */
	vm = vmalloc(BUF);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	seg[1] = (struct synod_jseg){ vm, 512 };
	KUNIT_EXPECT_FALSE(test, synod_jseg_ok(seg, 2, 1024));
	vfree(vm);
	jseg_free(buf, NBUF);
}

/*
 * Each segment is one vector of the bio, in order, naming its bytes
 * where they lie (a buffer longer than a page is one multi-page
 * vector), so a payload of n buffers costs n vectors (journal_priv.h).
 */
static void jseg_one_bvec_per_segment(struct kunit *test)
{
	struct bio_vec bv[NBUF + 1];
	struct synod_jseg seg[NBUF];
	struct bio bio;
	void *buf[NBUF];
	u32 i, len = 0;

	jseg_bufs(test, buf, NBUF);
	seg[0] = (struct synod_jseg){ buf[0], BUF };
	seg[1] = (struct synod_jseg){ buf[1] + 1024, 2048 };
	seg[2] = (struct synod_jseg){ buf[2], BUF - 512 };
	bio_init(&bio, NULL, bv, ARRAY_SIZE(bv), REQ_OP_WRITE);
	synod_jseg_add(&bio, seg, NBUF);
	KUNIT_EXPECT_EQ(test, bio.bi_vcnt, NBUF);
	for (i = 0; i < NBUF; i++) {
		KUNIT_EXPECT_PTR_EQ(test, bv[i].bv_page,
				    virt_to_page(seg[i].data));
		KUNIT_EXPECT_EQ(test, bv[i].bv_offset,
				offset_in_page(seg[i].data));
		KUNIT_EXPECT_EQ(test, bv[i].bv_len, seg[i].len);
		len += seg[i].len;
	}
	KUNIT_EXPECT_EQ(test, bio.bi_iter.bi_size, len);
	bio_uninit(&bio);
	jseg_free(buf, NBUF);
}

static struct kunit_case jseg_cases[] = {
	KUNIT_CASE(jseg_crc_equals_flat),
	KUNIT_CASE(jseg_ok_checks),
	KUNIT_CASE(jseg_one_bvec_per_segment),
	{}
};

static struct kunit_suite jseg_suite = {
	.name = "synod_jseg",
	.test_cases = jseg_cases,
};

kunit_test_suites(&jseg_suite);
MODULE_LICENSE("GPL");
