/* SPDX-License-Identifier: GPL-2.0 */
/*
 * API drift between the kernels synod supports (Debian 12: 6.1 and 6.12).
 *
 * Every LINUX_VERSION_CODE test in the module lives here, so that the .c
 * files read as if written against one kernel.  Each shim says which
 * upstream change it absorbs.
 */
#ifndef SYNOD_COMPAT_H
#define SYNOD_COMPAT_H

#include <linux/version.h>
#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <net/genetlink.h>

/*
 * Limits a synod disk takes from its backing device.  blkdev.c fills this
 * in one way on every kernel; synod_alloc_disk() applies it the way the
 * running kernel wants (a queue_limits at allocation from 6.9 on, setter
 * calls on the live queue before).
 */
struct synod_limits {
	unsigned int logical_block_size;
	unsigned int physical_block_size;
	unsigned int io_min;
	unsigned int io_opt;
	unsigned int max_hw_sectors;
	unsigned int dma_alignment;		/* a mask, as in the queue */
	unsigned int max_discard_sectors;	/* 0: no discard */
	unsigned int discard_granularity;
	unsigned int max_write_zeroes_sectors;	/* 0: no write zeroes */
	unsigned int max_segments;		/* 0: the block layer's */
	unsigned int max_segment_size;		/* 0: the block layer's */
};

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
/* 6.9 ("block: pass a queue_limits argument to blk_mq_alloc_disk") */
static inline struct gendisk *synod_alloc_disk(struct blk_mq_tag_set *set,
					       const struct synod_limits *l,
					       void *queuedata)
{
	struct queue_limits lim = {
		.logical_block_size = l->logical_block_size,
		.physical_block_size = l->physical_block_size,
		.io_min = l->io_min,
		.io_opt = l->io_opt,
		.max_hw_sectors = l->max_hw_sectors,
		.dma_alignment = l->dma_alignment,
		.max_hw_discard_sectors = l->max_discard_sectors,
		.discard_granularity = l->discard_granularity,
		.max_write_zeroes_sectors = l->max_write_zeroes_sectors,
		/* 0 takes the defaults (blk_validate_limits()) */
		.max_segments = l->max_segments,
		.max_segment_size = l->max_segment_size,
		/* Volatile cache and FUA, so that flushes reach us. */
		.features = BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA,
	};

	return blk_mq_alloc_disk(set, &lim, queuedata);
}
#else
static inline struct gendisk *synod_alloc_disk(struct blk_mq_tag_set *set,
					       const struct synod_limits *l,
					       void *queuedata)
{
	struct gendisk *disk = blk_mq_alloc_disk(set, queuedata);
	struct request_queue *q;

	if (IS_ERR(disk))
		return disk;
	q = disk->queue;
	blk_queue_logical_block_size(q, l->logical_block_size);
	blk_queue_physical_block_size(q, l->physical_block_size);
	blk_queue_io_min(q, l->io_min);
	blk_queue_io_opt(q, l->io_opt);
	blk_queue_max_hw_sectors(q, l->max_hw_sectors);
	blk_queue_dma_alignment(q, l->dma_alignment);
	blk_queue_max_discard_sectors(q, l->max_discard_sectors);
	q->limits.discard_granularity = l->discard_granularity;
	blk_queue_max_write_zeroes_sectors(q, l->max_write_zeroes_sectors);
	if (l->max_segments)
		blk_queue_max_segments(q, l->max_segments);
	if (l->max_segment_size)
		blk_queue_max_segment_size(q, l->max_segment_size);
	blk_queue_write_cache(q, true, true);
	return disk;
}
#endif

/*
 * Opening the backing device exclusively, with the volume as holder.
 * 6.5 replaced fmode_t with blk_mode_t and made a non-NULL holder mean
 * exclusive; 6.8 made the open return a struct file (bdev_file_open_*),
 * released with fput().  The handle is what must be given back.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
static inline struct block_device *synod_open_bdev_excl(const char *path,
						   void *holder, void **handle)
{
	struct file *file;

	file = bdev_file_open_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE,
				      holder, NULL);
	if (IS_ERR(file))
		return ERR_CAST(file);
	*handle = file;
	return file_bdev(file);
}

static inline void synod_close_bdev_excl(void *handle, void *holder)
{
	fput(handle);
}
#else
#define SYNOD_BDEV_MODE	(FMODE_READ | FMODE_WRITE | FMODE_EXCL)

static inline struct block_device *synod_open_bdev_excl(const char *path,
						   void *holder, void **handle)
{
	struct block_device *bdev;

	bdev = blkdev_get_by_path(path, SYNOD_BDEV_MODE, holder);
	if (!IS_ERR(bdev))
		*handle = bdev;
	return bdev;
}

static inline void synod_close_bdev_excl(void *handle, void *holder)
{
	blkdev_put(handle, SYNOD_BDEV_MODE);
}
#endif

/*
 * block_device_operations.open: 6.5 ("block: pass a gendisk to ->open")
 * changed it from (block_device, fmode_t) to (gendisk, blk_mode_t).
 * Define the function with SYNOD_BDOPS_OPEN(fn) { ... } and use
 * synod_open_disk inside it.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define SYNOD_BDOPS_OPEN(fn) \
	int fn(struct gendisk *synod_open_disk, blk_mode_t synod_open_mode)
#else
#define SYNOD_BDOPS_OPEN(fn) \
	int fn(struct block_device *synod_open_bdev, fmode_t synod_open_mode)
#define synod_open_disk (synod_open_bdev->bd_disk)
#endif

/* The open mode bit for writing: blk_mode_t from 6.5, fmode_t before. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define SYNOD_OPEN_WRITE	BLK_OPEN_WRITE
#else
#define SYNOD_OPEN_WRITE	FMODE_WRITE
#endif

/*
 * Formatted extended ACK messages arrived in 6.2 (NL_SET_ERR_MSG_FMT, a
 * buffer inside the extack).  6.1 can only point at a static string, so
 * there the message is @msg alone and the formatted detail is dropped;
 * @msg must name the reason by itself.  The whole message is limited to
 * NETLINK_MAX_FMTMSG_LEN (80) bytes: keep details short.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define SYNOD_ERR(extack, attr, msg, fmt, ...) \
	NL_SET_ERR_MSG_ATTR_FMT(extack, attr, msg fmt, ##__VA_ARGS__)
#else
#define SYNOD_ERR(extack, attr, msg, fmt, ...) \
	NL_SET_ERR_MSG_ATTR(extack, attr, msg)
#endif

/*
 * kfunc definitions: 6.3 added __bpf_kfunc (keep the function and its
 * BTF), 6.7 __bpf_kfunc_start_defs() (silence -Wmissing-prototypes), 6.8
 * BTF_KFUNCS_START (mark the set as kfuncs).  Older kernels get the same
 * effect from noinline/__used and a plain BTF_SET8.
 */
#ifndef __bpf_kfunc
#define __bpf_kfunc __used noinline
#endif
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
#define __bpf_kfunc_start_defs()					\
	__diag_push();							\
	__diag_ignore_all("-Wmissing-prototypes",			\
			  "kfuncs are called from BPF, not from C")
#define __bpf_kfunc_end_defs() __diag_pop()
#endif
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#define BTF_KFUNCS_START(name) BTF_SET8_START(name)
#define BTF_KFUNCS_END(name) BTF_SET8_END(name)
#endif

/*
 * 6.10 ("tracing/treewide: Remove second parameter of __assign_str()"):
 * the source is taken from __string() in TP_STRUCT__entry.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define synod_assign_str(dst, src) __assign_str(dst)
#else
#define synod_assign_str(dst, src) __assign_str(dst, src)
#endif

#endif /* SYNOD_COMPAT_H */
