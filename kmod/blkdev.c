// SPDX-License-Identifier: GPL-2.0
/*
 * The synodN blk-mq disk of a single-replica volume.
 *
 * Every request is passed to the data area of the backing device as clones
 * of its bios (the pages are shared, never copied), shifted by the data
 * area's start.  The request completes when its last clone does, with the
 * first error any clone saw.  Everything the I/O path needs (tags, per-
 * request data, the bio_set for clones, the workqueue) is allocated when
 * the volume is created, so dispatch allocates only from those reserves.
 *
 * queue_rq hands the request to a per-volume workqueue instead of
 * submitting clones itself, as loop does: blk-mq calls queue_rq while it
 * flushes the submitter's plug, and a clone submitted there would be added
 * to that same plug in the middle of the flush (6.12 dereferences NULL in
 * blk_add_rq_to_plug() when that happens).  The worker has no plug of
 * ours and no current->bio_list, so clones go straight to the backing
 * device, and it may sleep on the mempool.
 */
#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <linux/bio.h>
#include <linux/idr.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "synod.h"
#include "replica.h"
#include "compat.h"
#include "testing.h"
#include "trace.h"
#include "workers.h"

static_assert(SYNOD_QUEUE_DEPTH <= SYNOD_READS_MAX &&
	      SYNOD_QUEUE_DEPTH <= SYNOD_PENDING_MAX);

/* Allocates N for synodN; freed when the volume is destroyed. */
static DEFINE_IDA(synod_disk_ida);

/* Count @latency_ns in its log2 bucket of microseconds. */
static void lat_record(struct synod_lat_hist *h, u64 latency_ns)
{
	u64 us = div_u64(latency_ns, NSEC_PER_USEC);
	u32 b = us ? min_t(u32, ilog2(us), SYNOD_LAT_BUCKETS - 1) : 0;

	atomic64_inc(&h->bucket[b]);
}

/*
 * A replicated request is about to complete: trace it and, if it
 * succeeded, count its latency from first dispatch.  Single-replica
 * requests (@first_ns 0) are not measured.  Runs in any context, the
 * backing device's completion included, so it only does atomics.
 */
static void rq_account(struct request *rq, blk_status_t status)
{
	struct synod_rq *cmd = blk_mq_rq_to_pdu(rq);
	struct synod_volume *vol = rq->q->queuedata;
	u64 latency_ns, slot = cmd->slot;

	cmd->slot = 0;		/* whatever happens next, never traced twice */
	if (!cmd->first_ns)
		return;
	latency_ns = ktime_get_raw_ns() - cmd->first_ns;
	cmd->first_ns = 0;
	trace_synod_rq_completed(vol->name, cmd->trace_req,
				 (__force u32)req_op(rq),
				 blk_status_to_errno(status), latency_ns, slot);
	cmd->trace_req = 0;	/* a flush on this tag next has no id */
	if (status)
		return;
	if (req_op(rq) == REQ_OP_WRITE)
		lat_record(&vol->lat_write, latency_ns);
	else if (req_op(rq) == REQ_OP_READ)
		lat_record(&vol->lat_read, latency_ns);
}

/* Drop one pending count; the last one completes the request. */
static void cmd_put(struct request *rq)
{
	struct synod_rq *cmd = blk_mq_rq_to_pdu(rq);
	blk_status_t status;

	if (atomic_dec_and_test(&cmd->pending)) {
		status = READ_ONCE(cmd->status);
		rq_account(rq, status);
		blk_mq_end_request(rq, status);
	}
}

/*
 * The backing device advertised write zeroes but cannot do them (a loop
 * device over a file system without FALLOC_FL_ZERO_RANGE, for one).  Stop
 * advertising it, as dm does, so that callers fall back to writing zero
 * pages; and keep this expected refusal out of the kernel log.
 */
static void write_zeroes_unsupported(struct request *rq)
{
	WRITE_ONCE(rq->q->limits.max_write_zeroes_sectors, 0);
	rq->rq_flags |= RQF_QUIET;
}

/* A clone finished: keep the first error, release our count. */
static void clone_end_io(struct bio *clone)
{
	struct request *rq = clone->bi_private;
	struct synod_rq *cmd = blk_mq_rq_to_pdu(rq);

	if (clone->bi_status == BLK_STS_NOTSUPP &&
	    bio_op(clone) == REQ_OP_WRITE_ZEROES)
		write_zeroes_unsupported(rq);
	if (clone->bi_status)
		cmpxchg(&cmd->status, BLK_STS_OK, clone->bi_status);
	bio_put(clone);
	cmd_put(rq);
}

/*
 * Send one clone of @bio (or, for a flush request, an empty flush when
 * @bio is NULL) to the backing device.  Durability flags come from the
 * request, which the flush machinery has already decomposed: an empty
 * REQ_OP_FLUSH becomes a PREFLUSH write, FUA stays on data writes.
 */
static blk_status_t submit_clone(struct synod_volume *vol,
				 struct request *rq, struct bio *bio)
{
	struct synod_rq *cmd = blk_mq_rq_to_pdu(rq);
	struct block_device *backing = vol->backing.bdev;
	struct bio *clone;

	if (bio) {
		clone = bio_alloc_clone(backing, bio, GFP_NOIO, &vol->bioset);
		if (!clone)
			return BLK_STS_RESOURCE;
		clone->bi_opf &= ~(REQ_PREFLUSH | REQ_FUA);
		clone->bi_opf |= rq->cmd_flags & (REQ_PREFLUSH | REQ_FUA);
		clone->bi_iter.bi_sector += vol->data_start;
	} else {
		clone = bio_alloc_bioset(backing, 0,
					 REQ_OP_WRITE | REQ_PREFLUSH | REQ_SYNC,
					 GFP_NOIO, &vol->bioset);
		if (!clone)
			return BLK_STS_RESOURCE;
	}
	clone->bi_private = rq;
	clone->bi_end_io = clone_end_io;
	atomic_inc(&cmd->pending);
	submit_bio_noacct(clone);
	return BLK_STS_OK;
}

/*
 * Send one started request to the backing device.  The request is ours to
 * complete, so a failure to clone (not expected: GFP_NOIO from the
 * bio_set's mempool waits rather than fails) fails the request rather
 * than returning it to blk-mq half sent.
 */
static void pass_down(struct synod_volume *vol, struct request *rq)
{
	struct synod_rq *cmd = blk_mq_rq_to_pdu(rq);
	blk_status_t sts = BLK_STS_OK;
	struct bio *bio;

	if (req_op(rq) == REQ_OP_FLUSH) {
		sts = submit_clone(vol, rq, NULL);
	} else {
		__rq_for_each_bio(bio, rq) {
			sts = submit_clone(vol, rq, bio);
			if (sts)
				break;
		}
	}
	if (sts)
		cmpxchg(&cmd->status, BLK_STS_OK, sts);
	cmd_put(rq);
}

/*
 * A replicated volume's read, once the consensus core has said the data
 * area is current (lease or read-index): read it like a single replica.
 * @first_ns stays set, so that cmd_put() measures the whole read.
 */
void synod_blkdev_pass_down(struct synod_volume *vol, struct request *rq)
{
	struct synod_rq *cmd = blk_mq_rq_to_pdu(rq);

	atomic_set(&cmd->pending, 1);
	cmd->status = BLK_STS_OK;
	pass_down(vol, rq);
}

/*
 * Test build only (testing.h): admit this many KiB of replicated writes
 * at once instead of SYNOD_ADMIT_BYTES (0: that), so that requests of
 * today's 16 KiB bound are turned back too (tests/vm/engine.bats).
 */
static unsigned int test_admit_kb;
SYNOD_TEST_PARAM(test_admit_kb, uint,
		 "admit this many KiB of replicated writes at once (0: 8 MiB)");

static u32 admit_limit(void)
{
	u32 kb = READ_ONCE(test_admit_kb);

	return kb && kb < SYNOD_ADMIT_BYTES / 1024 ? kb * 1024 :
						     SYNOD_ADMIT_BYTES;
}

/*
 * Release the bytes @rq was admitted with (admit.h), once: at its end
 * (@completed), or when it goes back to the requeue list (dispatched
 * again, it is admitted again).  A request turned back meanwhile is
 * dispatched again by the rerun.  Only a completion kicks the writes
 * that went back for want of store room (synod_blkdev_requeue_busy()):
 * a requeued request's release frees no store room, and kicking there
 * had two such writes dispatch each other again with no delay, each
 * round a sweep of the store under the replica's lock.
 */
void synod_blkdev_admit_put(struct request *rq, bool completed)
{
	struct synod_rq *cmd = blk_mq_rq_to_pdu(rq);
	struct synod_volume *vol = rq->q->queuedata;
	u32 bytes = cmd->admitted;

	if (!bytes)
		return;
	cmd->admitted = 0;
	if (synod_admit_put(&vol->admit, bytes))
		blk_mq_run_hw_queues(rq->q, true);
	if (completed)
		synod_blkdev_kick_busy(vol);
}

/*
 * Dispatch again now the writes the store had no room for, if any went
 * back since the last kick: a write completed, or the store freed room
 * (a checkpoint's forget, applies unpinning their data).  Any context;
 * the replica's lock may be held (the kick is a work of kblockd's).
 */
void synod_blkdev_kick_busy(struct synod_volume *vol)
{
	if (atomic_read(&vol->busy_requeued) &&
	    atomic_xchg(&vol->busy_requeued, 0))
		blk_mq_kick_requeue_list(vol->disk->queue);
}

/*
 * @rq, a write the store had no room for, goes back to the requeue list
 * (blk_mq_requeue_request() done), to be dispatched again at the next
 * kick (synod_blkdev_kick_busy()): the store frees as slots are chosen,
 * applied and checkpointed, and as the core forgets.  And in @ms in any
 * case, the fallback when no kick comes (nothing else in flight, or
 * room freed where no kick is).  blk_mq_delay_kick_requeue_list()
 * re-arms its timer (mod_delayed_work()): each write that goes back
 * pushes the fallback @ms past itself, and a kick now cancels it; a
 * write that goes back was dispatched, by a kick or the timer, so the
 * list is never left without one.  No barrier between the flag and a
 * kick's look at it: the requeue (replica_io.c) and the kicks of the
 * checkpoint and the reap run under the replica's lock, and a kick
 * that misses the flag all the same leaves the timer armed here.
 */
void synod_blkdev_requeue_busy(struct request *rq, unsigned long ms)
{
	struct synod_volume *vol = rq->q->queuedata;

	atomic_set(&vol->busy_requeued, 1);
	blk_mq_delay_kick_requeue_list(rq->q, ms);
}

/* Complete a request the replica engine finished (or refused). */
void synod_blkdev_end(struct request *rq, blk_status_t status)
{
	struct synod_rq *cmd = blk_mq_rq_to_pdu(rq);

	WARN_ON_ONCE(synod_held_busy(&cmd->held));	/* dropped first */
	synod_blkdev_admit_put(rq, true);
	cmd->req = 0;
	rq_account(rq, status);
	if (status)
		rq->rq_flags |= RQF_QUIET;	/* counted, not logged each */
	blk_mq_end_request(rq, status);
}

/*
 * The worker of a single-replica volume: pass the request down.  It
 * serves this disk, so nothing it allocates may wait for this disk's
 * writeback.
 */
static void synod_rq_work(struct work_struct *work)
{
	struct synod_rq *cmd = container_of(work, struct synod_rq, work);
	struct request *rq = blk_mq_rq_from_pdu(cmd);
	struct synod_volume *vol = rq->q->queuedata;
	unsigned int noio = memalloc_noio_save();

	pass_down(vol, rq);
	memalloc_noio_restore(noio);
}

/*
 * The submission pass of a replicated volume: every request queued since
 * the last pass goes to the engine at once, in the order they came, so
 * that the engine takes its lock once and writes them in one group
 * commit instead of one journal write each behind a convoy of
 * workers.  Requests queued while a pass runs queue the work again; a
 * pass takes at most the queue depth.  Serves the disk: noio.
 */
static void synod_sub_work(struct work_struct *work)
{
	struct synod_volume *vol = container_of(work, struct synod_volume,
						sub_work);
	struct llist_node *list = llist_del_all(&vol->subq);
	unsigned int noio;

	if (!list)
		return;
	noio = memalloc_noio_save();
	synod_repl_submit(vol->repl, llist_reverse_order(list));
	memalloc_noio_restore(noio);
}

/*
 * A leader's read under its lease, over no write in flight
 * (fastread.c): to the data area through the volume's worker, as a
 * single replica's, never into the engine.  Traced and measured as the
 * engine's reads are; its id (the @nth such read, the top bit set) is
 * never one of the engine's.
 */
static void fast_read(struct synod_volume *vol, struct request *rq, u64 nth)
{
	struct synod_rq *cmd = blk_mq_rq_to_pdu(rq);

	if (!cmd->first_ns)	/* a read the engine requeued keeps its own */
		cmd->first_ns = ktime_get_raw_ns();
	cmd->trace_req = BIT_ULL(63) | nth << 16 | rq->tag;
	cmd->slot = 0;
	trace_synod_rq_queued(vol->name, cmd->trace_req,
			      (__force u32)REQ_OP_READ,
			      blk_rq_pos(rq), blk_rq_bytes(rq));
	blk_mq_start_request(rq);
	queue_work(vol->wq, &cmd->work);
}

/* Start a request and pass it to the volume's worker. */
static blk_status_t synod_queue_rq(struct blk_mq_hw_ctx *hctx,
				   const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct synod_volume *vol = rq->q->queuedata;
	struct synod_rq *cmd = blk_mq_rq_to_pdu(rq);
	u64 nth;

	/*
	 * A replicated write's data is held in the payload store until its
	 * slot is chosen and after: admitted by bytes (admit.h), or turned
	 * back, not started, until a release reruns the queue.
	 */
	if (vol->repl && req_op(rq) == REQ_OP_WRITE) {
		int taken;

		WARN_ON_ONCE(cmd->admitted);	/* released when it went back */
		taken = synod_admit_take(&vol->admit, blk_rq_bytes(rq),
					 admit_limit());
		if (taken < 0)			/* would never fit */
			return BLK_STS_IOERR;
		if (!taken)
			return BLK_STS_DEV_RESOURCE;
		cmd->admitted = blk_rq_bytes(rq);
	}
	atomic_set(&cmd->pending, 1);
	cmd->status = BLK_STS_OK;
	/*
	 * A requeued request (replica_io.c) goes straight back to dispatch,
	 * where no bio merges into it: a held write must come back as it
	 * was proposed.  Set before the start, while nothing else can touch
	 * rq_flags (the timeout handler may once the request is started).
	 */
	rq->rq_flags |= RQF_DONTPREP;
	if (vol->repl && req_op(rq) == REQ_OP_READ &&
	    synod_fastread_ok(vol->repl, blk_rq_pos(rq), blk_rq_sectors(rq),
			      &nth)) {
		fast_read(vol, rq, nth);
		return BLK_STS_OK;
	}
	blk_mq_start_request(rq);
	if (vol->repl) {
		llist_add(&cmd->sub, &vol->subq);
		queue_work(vol->wq, &vol->sub_work);
	} else {
		queue_work(vol->wq, &cmd->work);
	}
	return BLK_STS_OK;
}

/* Once per tag, at tag set allocation: nothing to do per request. */
static int synod_init_request(struct blk_mq_tag_set *set, struct request *rq,
			      unsigned int hctx_idx, unsigned int numa_node)
{
	struct synod_rq *cmd = blk_mq_rq_to_pdu(rq);

	INIT_WORK(&cmd->work, synod_rq_work);
	cmd->req = 0;
	cmd->first_ns = 0;
	cmd->trace_req = 0;
	cmd->slot = 0;
	cmd->ref = 0;
	cmd->held.state = SYNOD_HELD_FREE;
	cmd->admitted = 0;
	INIT_LIST_HEAD(&cmd->held.node);
	return 0;
}

/*
 * Our requests complete from the backing device's completion.  For a
 * flush, or a write with PREFLUSH/FUA, that can run under the backing
 * queue's fq->mq_flush_lock (flush_end_io, mq_flush_data_end_io), and
 * ours then takes our own: another instance of the same lock class unless
 * we name a class of ours, so lockdep reported "possible recursive
 * locking" (tests/vm/volume.bats under ext4, run by check-debug), as
 * blk-flush.c explains for nvme-loop, which does the same.  (One class
 * for the driver: a synod volume on another would still be reported.)
 */
static struct lock_class_key synod_fq_lock_key;

static int synod_init_hctx(struct blk_mq_hw_ctx *hctx, void *data,
			   unsigned int hctx_idx)
{
	blk_mq_hctx_set_fq_lock_class(hctx, &synod_fq_lock_key);
	return 0;
}

static const struct blk_mq_ops synod_mq_ops = {
	.queue_rq = synod_queue_rq,
	.init_hctx = synod_init_hctx,
	.init_request = synod_init_request,
};

/*
 * Refuse new opens once deletion has begun.  Called under the disk's
 * open_mutex, the same lock synod_blkdev_claim_for_delete() checks the
 * openers under, so a volume is deleted only if nobody has it open.
 */
static SYNOD_BDOPS_OPEN(synod_disk_open)
{
	struct synod_volume *vol = synod_open_disk->private_data;

	if (READ_ONCE(vol->dying))
		return -ENXIO;
	/*
	 * Single writer: only the leader may open a replicated disk for
	 * writing (auto-promote campaigns first, for a bounded time, which
	 * a signal cuts short).
	 */
	if (vol->repl && (synod_open_mode & SYNOD_OPEN_WRITE))
		return synod_repl_may_write(vol->repl,
					    vol->repl->cfg.auto_promote);
	return 0;
}

static const struct block_device_operations synod_bdops = {
	.owner = THIS_MODULE,
	.open = synod_disk_open,
};

/* Queue limits of the disk: those of the backing device's data area. */
static void limits_from_backing(struct synod_limits *l,
				struct block_device *backing)
{
	struct request_queue *bq = bdev_get_queue(backing);

	memset(l, 0, sizeof(*l));
	l->logical_block_size = max(bdev_logical_block_size(backing), 512u);
	l->physical_block_size = bdev_physical_block_size(backing);
	l->io_min = bdev_io_min(backing);
	l->io_opt = bdev_io_opt(backing);
	l->max_hw_sectors = queue_max_hw_sectors(bq);
	l->dma_alignment = bdev_dma_alignment(backing);
	l->max_discard_sectors = bdev_max_discard_sectors(backing);
	if (l->max_discard_sectors)
		l->discard_granularity = max(bdev_discard_granularity(backing),
					     l->logical_block_size);
	l->max_write_zeroes_sectors = bdev_write_zeroes_sectors(backing);
}

/*
 * A replicated volume copies each write into payload buffers and writes
 * its data area with bios of its own, so the backing device's request
 * size is no bound on it: a LARGE one (on-disk flag) takes requests of
 * SYNOD_PAY_BYTES_MAX, a chain of buffers, any other one request of one
 * buffer, SYNOD_PAYLOAD_MAX.  A 1 MiB request of scattered pages is 256
 * segments, and no DMA engine bounds a segment: segment limits below
 * those would cut it (plans/large-requests.md, S5).  Discard and write
 * zeroes are not replicated yet, so not advertised.
 */
static void limits_replicated(struct synod_limits *l, bool large)
{
	u32 bytes = large ? SYNOD_PAY_BYTES_MAX : SYNOD_PAYLOAD_MAX;

	BUILD_BUG_ON(SYNOD_PAY_BYTES_MAX / PAGE_SIZE > BIO_MAX_VECS);
	l->logical_block_size = max(l->logical_block_size, 512u);
	l->max_hw_sectors = round_down(bytes, l->logical_block_size) >>
			    SECTOR_SHIFT;
	l->max_segments = large ? SYNOD_PAY_BYTES_MAX / PAGE_SIZE : 0;
	l->max_segment_size = large ? UINT_MAX : 0;
	l->max_discard_sectors = 0;
	l->discard_granularity = 0;
	l->max_write_zeroes_sectors = 0;
}

/*
 * Allocate everything the disk needs, in the order null_blk uses: index,
 * bio_set, tag set, disk (the workqueue is the host's).  Not yet visible;
 * synod_blkdev_add() makes it so once the superblock is in place.
 */
int synod_blkdev_create(struct synod_volume *vol)
{
	struct synod_limits lim;
	struct gendisk *disk;
	int err;

	init_llist_head(&vol->subq);
	synod_admit_init(&vol->admit);
	atomic_set(&vol->busy_requeued, 0);
	INIT_WORK(&vol->sub_work, synod_sub_work);
	vol->index = ida_alloc(&synod_disk_ida, GFP_KERNEL);
	if (vol->index < 0)
		return vol->index;

	err = bioset_init(&vol->bioset, SYNOD_QUEUE_DEPTH, 0, 0);
	if (err)
		goto out_free_index;

	/* the host's (workers.c): no queue and no rescuer per volume */
	vol->wq = synod_io_wq;

	vol->tag_set.ops = &synod_mq_ops;
	vol->tag_set.nr_hw_queues = 1;
	vol->tag_set.queue_depth = SYNOD_QUEUE_DEPTH;
	vol->tag_set.numa_node = NUMA_NO_NODE;
	vol->tag_set.cmd_size = sizeof(struct synod_rq);
	vol->tag_set.flags = BLK_MQ_F_SHOULD_MERGE;
	vol->tag_set.driver_data = vol;
	err = blk_mq_alloc_tag_set(&vol->tag_set);
	if (err)
		goto out_exit_bioset;

	limits_from_backing(&lim, vol->backing.bdev);
	if (synod_sb_replicated(&vol->sb))
		limits_replicated(&lim, vol->sb.flags & SYNOD_SB_FLAG_LARGE);
	disk = synod_alloc_disk(&vol->tag_set, &lim, vol);
	if (IS_ERR(disk)) {
		err = PTR_ERR(disk);
		goto out_free_tag_set;
	}
	disk->fops = &synod_bdops;
	disk->private_data = vol;
	disk->flags |= GENHD_FL_NO_PART;
	snprintf(disk->disk_name, DISK_NAME_LEN, "synod%d", vol->index);
	set_capacity(disk, vol->sb.data_size >> SECTOR_SHIFT);
	vol->disk = disk;
	return 0;

out_free_tag_set:
	blk_mq_free_tag_set(&vol->tag_set);
out_exit_bioset:
	bioset_exit(&vol->bioset);
out_free_index:
	ida_free(&synod_disk_ida, vol->index);
	return err;
}

/* Make the disk visible: /dev/synodN appears. */
int synod_blkdev_add(struct synod_volume *vol)
{
	return add_disk(vol->disk);
}

/*
 * Decide whether @vol may be deleted: only if nobody has its disk open
 * (mounted, or held by a process).  On success, later opens fail.
 */
bool synod_blkdev_claim_for_delete(struct synod_volume *vol)
{
	bool idle;

	mutex_lock(&vol->disk->open_mutex);
	idle = disk_openers(vol->disk) == 0;
	if (idle)
		WRITE_ONCE(vol->dying, true);
	mutex_unlock(&vol->disk->open_mutex);
	return idle;
}

/* A delete that claimed @vol gives up after all: opens work again. */
void synod_blkdev_unclaim(struct synod_volume *vol)
{
	mutex_lock(&vol->disk->open_mutex);
	WRITE_ONCE(vol->dying, false);
	mutex_unlock(&vol->disk->open_mutex);
}

/*
 * Tear down in reverse order of synod_blkdev_create().  @added says
 * whether synod_blkdev_add() succeeded: del_gendisk() drains in-flight
 * requests (so no work is queued any more) before the tag set and
 * bio_set go.  The workqueue is the host's: a request's work may still
 * be returning from its last cmd_put(), which touches nothing of ours
 * after it, and the queue lives till unload; the submission pass may
 * still be in the engine, so it is waited for.
 */
void synod_blkdev_destroy(struct synod_volume *vol, bool added)
{
	if (added)
		del_gendisk(vol->disk);
	flush_work(&vol->sub_work);
	put_disk(vol->disk);
	vol->disk = NULL;
	blk_mq_free_tag_set(&vol->tag_set);
	bioset_exit(&vol->bioset);
	ida_free(&synod_disk_ida, vol->index);
}
