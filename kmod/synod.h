/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synod kernel glue: shared types and prototypes, grouped by the file
 * that provides them.
 */
#ifndef SYNOD_H
#define SYNOD_H

#include <linux/blk-mq.h>
#include <linux/bio.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/socket.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#include "uapi/synod.h"
#include "admit.h"
#include "core/ondisk.h"
#include "replica_held.h"

struct synod_repl;

/*
 * An open backing device.  On 6.1 the block device itself is the handle;
 * from 6.8 on it is a struct file, and the block device hangs off it.
 */
struct synod_backing {
	struct block_device *bdev;	/* the device, claimed exclusively */
	void *handle;			/* what compat.h needs to release it */
	u64 size_bytes;			/* device size when opened */
	u32 block_size;			/* logical block size, bytes */
};

/*
 * Completion latencies from first dispatch, log2 buckets of microseconds
 * (as SYNOD_A_VOLUME_LAT_WRITE reports them).  Atomic because reads
 * complete from the backing device's completion context, where the
 * replica mutex cannot be taken.
 */
struct synod_lat_hist {
	atomic64_t bucket[SYNOD_LAT_BUCKETS];
};

/*
 * One volume: a backing device, the superblock that describes it, and the
 * blk-mq disk that exposes its data area.  Found only through the volume
 * list, under synod_volumes_lock, and used past that lock only pinned
 * (@users); the disk's I/O path reaches it through queuedata and needs no
 * reference because the volume outlives the disk.
 */
struct synod_volume {
	struct list_head node;		/* on the global volume list */
	char name[SYNOD_NAME_MAX + 1];	/* administrator's name */
	char backing_path[SYNOD_PATH_MAX + 1];	/* as given at create/attach */
	struct synod_backing backing;	/* claimed with the volume as holder */
	struct synod_sb sb;		/* current superblock, decoded */
	sector_t data_start;		/* data area start, 512-byte sectors */
	int index;			/* N in /dev/synodN */
	bool dying;			/* set under open_mutex: refuse opens */
	bool building;			/* under synod_volumes_lock: create
					 * or attach builds @vol without
					 * that lock; only its name counts,
					 * lookups refuse it */
	bool deleting;			/* under synod_volumes_lock: a delete
					 * waits for the disk's openers
					 * without that lock; @vol stays,
					 * lookups refuse it */
	unsigned int users;		/* under synod_volumes_lock: commands
					 * running on @vol without that lock
					 * (synod_volume_get()); a delete
					 * waits for none, bounded */
	struct mutex ctl;		/* serializes up, down, promote,
					 * demote and peer changes of @vol
					 * (they ran under the global lock
					 * once); outside r->lock */
	struct bio_set bioset;		/* clones and flushes to the backing */
	struct workqueue_struct *wq;	/* the host's synod_io_wq: submission
					 * passes, clones of a single
					 * volume's requests, the replica's
					 * tick, journal and applies */
	/* replicated: requests started and not yet handed to the engine,
	 * which takes them all in one pass (one group commit) */
	struct llist_head subq;
	struct work_struct sub_work;	/* that pass */
	/* replicated: client write bytes taken, not completed (admit.h) */
	struct synod_admit admit;
	/* a write went back for want of store room (replica_io.c) */
	atomic_t busy_requeued;
	struct blk_mq_tag_set tag_set;	/* request tags and per-request data */
	struct gendisk *disk;		/* the synodN disk */
	struct net *net;		/* namespace it belongs to; no
					 * reference: the pernet exit hook
					 * unhooks it (NULL) first */
	struct synod_repl *repl;	/* replicated volume; NULL: single */
	struct synod_lat_hist lat_write;	/* completed replicated I/O ... */
	struct synod_lat_hist lat_read;		/* ... by latency */
};

/*
 * Per-request data (tag_set.cmd_size).  @pending counts clones still in
 * flight plus one held by the worker while it submits, so the request
 * cannot complete before all its clones exist.  @status keeps the first
 * error.  @req names the request to the consensus core while it waits
 * there (0 otherwise); @first_ns is when it first reached the replica
 * engine (0: not a replicated request), to bound how long suspended I/O
 * waits and to measure its latency at completion; @trace_req keeps the
 * last @req past its clearing, for the completion tracepoint, and @slot
 * the slot a write completed as chosen (directly or as a held write) was
 * chosen in, for the same tracepoint (0 otherwise).  @ref is
 * the payload ref of a write's last proposal; @held, while a write of
 * unknown outcome waits to learn it, its entry in the replica's set
 * (replica_held.c), with what was proposed (@held_pos, @held_bytes).
 */
struct synod_rq {
	struct work_struct work;	/* submits the clones */
	struct llist_node sub;		/* on vol->subq (replicated) */
	atomic_t pending;		/* clones in flight + 1 while submitting */
	blk_status_t status;		/* first error, or BLK_STS_OK */
	u64 req;			/* id given to the core, or 0 */
	u64 first_ns;			/* raw clock at first dispatch */
	u64 trace_req;			/* last @req, or 0 */
	u64 slot;			/* write: slot chosen in (trace), or 0 */
	u64 ref;			/* write: ref of its last proposal */
	struct synod_held held;		/* write of unknown outcome, held */
	u64 held_pos;			/* sector it was proposed at */
	u32 held_bytes;			/* and its length */
	u32 admitted;			/* bytes in vol->admit, or 0 */
};

/*
 * Requests in flight per volume; the bio_set keeps one clone per tag.
 * The consensus core queues every one of them if need be (a full queue
 * there would only mean a retry, never an error, but is not expected).
 */
#define SYNOD_QUEUE_DEPTH	64

/*
 * What VOLUME_CREATE asks for a replicated volume; nl_repl_cfg.c fills it
 * from the request (every value checked there, with an extended ACK),
 * replica.c keeps it in the superblock.  Addresses are sockaddr_in or
 * sockaddr_in6.
 */
struct synod_repl_cfg {
	char cluster[SYNOD_NAME_MAX + 1];	/* name on the wire */
	u32 node;				/* our node id, < 8 */
	struct sockaddr_storage listen;		/* where peers reach us */
	u32 peers;				/* bitmask of peer node ids */
	struct sockaddr_storage peer_addr[8];	/* indexed by node id */
	/* shared secret (wiped once the transport has it) ... */
	u8 secret[64];
	u32 secret_len;				/* ... of this many bytes */
	u32 q1, q2;				/* 0: majority */
	u32 on_no_quorum;			/* enum synod_on_no_quorum */
	bool auto_promote;			/* open for write promotes */
	/* create only: not LARGE, requests of 16 KiB (not in the sb) */
	bool small_requests;
};

/* A peer as status reports it. */
struct synod_peer_status {
	u32 node;
	struct sockaddr_storage addr;
	u32 state;		/* enum synod_peer_state */
	u64 match;		/* highest slot known accepted there */
	u64 refused;		/* connections refused from it */
	/* frames of it dropped by reason (enum synod_reject, transport.h) */
	u64 rejected_mac, rejected_replay, rejected_order;
	u64 unbound;		/* named data it did not send (payload.h) */
	u64 tx_again;		/* messages our growing send ring refused */
	u64 tx_refused_large;	/* large payloads its link cannot carry */
	u64 rx_pieces;		/* PIECE frames taken from it */
	bool voter;
	/* our link to it: version (0: not up) and enum synod_link_mac */
	u16 link_version;
	u8 link_mac;
};

/* A replicated volume's state for VOLUME_GET (nl_status.c puts it). */
struct synod_repl_status {
	char cluster[SYNOD_NAME_MAX + 1];
	u32 node;
	u32 role;		/* enum synod_role (uapi) */
	u32 leader;		/* node id, or U32_MAX if unknown */
	u64 ballot;
	u64 commit;
	u64 applied;
	u32 epoch;
	u32 q1, q2;		/* quorum sizes of the membership in effect */
	bool quorum;
	u64 refused;		/* all refused connections */
	u64 rejected;		/* all rejected frames, unbound included */
	u64 catchup;		/* slots behind the commit index */
	bool resync;		/* data area suspect: state transfer due/running */
	u32 resync_from;	/* peer it copies from, U32_MAX if none yet */
	u64 resync_done;	/* chunks settled in this pass */
	u64 resync_total;	/* chunks in the data area (0: not running) */
	u64 resyncs;		/* transfers completed since create/attach */
	u64 out_of_range;	/* writes refused: outside the data area */
	u64 old_snapshots;	/* jumps on an older release's snapshot */
	u64 fast_reads;		/* leader reads past the engine (fastread.c) */
	u32 on_no_quorum;
	bool auto_promote;
	u32 npeers;
	struct synod_peer_status peer[8];	/* every member but us */
	u64 lat_write[SYNOD_LAT_BUCKETS];	/* struct synod_lat_hist */
	u64 lat_read[SYNOD_LAT_BUCKETS];
};

/* main.c */
extern struct mutex synod_volumes_lock;

/*
 * volume.c: the volume registry and lifecycle.  Volumes belong to the
 * network namespace they were created from; every lookup is by (net,
 * name).  @repl NULL creates a single-replica volume (format 0).  Attach
 * takes the secret of a replicated volume (NULL, 0 for none), which must
 * match the superblock's fingerprint (secret.h).
 */
int synod_volume_create(struct net *net, const char *name,
			const char *backing_path,
			const struct synod_repl_cfg *repl,
			struct netlink_ext_ack *extack);
int synod_volume_attach(struct net *net, const char *name,
			const char *backing_path, const u8 *secret,
			u32 secret_len, struct netlink_ext_ack *extack);
int synod_volume_delete(struct net *net, const char *name,
			struct netlink_ext_ack *extack);
/*
 * Pin a volume by name or by list position (dumps) so that it stays while
 * the caller works on it without synod_volumes_lock: a replica's lock
 * may be held across disk I/O that stalls, and no command may wait for
 * that under the global lock.  ERR_PTR(-ENOENT): no such volume;
 * ERR_PTR(-EBUSY): one being created, attached or deleted (both with
 * the reason in @extack); get_nth: NULL past the end.  Unpin with
 * synod_volume_put().
 */
struct synod_volume *synod_volume_get(struct net *net, const char *name,
				      struct netlink_ext_ack *extack);
struct synod_volume *synod_volume_get_nth(struct net *net, unsigned long n,
					  unsigned int *gen);
void synod_volume_put(struct synod_volume *vol);
/*
 * The volume's replicated state, @vol pinned: 1 replicated, 0 a
 * single-replica volume, -EINTR if a signal ended the wait for the
 * replica's lock (held across that volume's disk I/O).
 */
int synod_volume_repl_status(struct synod_volume *vol,
			     struct synod_repl_status *st);

/*
 * replica.c: operations on a replicated volume, by (net, name); each
 * pins the volume (synod_volume_get()), runs without synod_volumes_lock
 * under the volume's @ctl mutex, and refuses with an extended ACK
 * (-ENOENT unknown volume, -EOPNOTSUPP single-replica volume, -EINVAL
 * bad argument, -EBUSY a membership change already in flight).
 */
int synod_volume_up(struct net *net, const char *name,
		    struct netlink_ext_ack *extack);
int synod_volume_down(struct net *net, const char *name, bool force,
		      struct netlink_ext_ack *extack);
int synod_volume_promote(struct net *net, const char *name,
			 struct netlink_ext_ack *extack);
int synod_volume_demote(struct net *net, const char *name,
			struct netlink_ext_ack *extack);
int synod_peer_add(struct net *net, const char *name, u32 node,
		   const struct sockaddr_storage *addr,
		   struct netlink_ext_ack *extack);
int synod_peer_remove(struct net *net, const char *name, u32 node,
		      struct netlink_ext_ack *extack);
bool synod_volume_name_valid(const char *name, struct netlink_ext_ack *extack);
void synod_volume_delete_all(void);
int synod_volume_init(void);
void synod_test_leak(void);	/* main.c: test_leak knob */
void synod_volume_exit(void);

/* backing.c: the backing block device and superblock I/O */
int synod_backing_open(struct synod_backing *b, const char *path,
		       void *holder, struct netlink_ext_ack *extack);
void synod_backing_close(struct synod_backing *b, void *holder);
int synod_backing_sb_read(struct synod_backing *b, struct synod_sb *sb,
			  struct netlink_ext_ack *extack);
int synod_backing_sb_write(struct synod_backing *b, const struct synod_sb *sb,
			   struct netlink_ext_ack *extack);
int synod_backing_prepare(struct synod_backing *b, const struct synod_sb *sb,
			  struct netlink_ext_ack *extack);
int synod_backing_sb_update(struct synod_backing *b, const struct synod_sb *sb,
			    struct page *page, bool preflush);
void synod_backing_sb_submit(struct synod_backing *b, struct bio *bio,
			     struct bio_vec *bv, struct page *page, u64 seq,
			     bio_end_io_t *end_io, void *private);

/* replica_sb.c: replicated settings in the superblock */
bool synod_sb_replicated(const struct synod_sb *sb);
void synod_repl_addr_to_sb(const struct sockaddr_storage *ss,
			   struct synod_sb_addr *a);
void synod_repl_cfg_to_sb(const struct synod_repl_cfg *cfg,
			  struct synod_sb *sb);
void synod_repl_cfg_from_sb(const struct synod_sb *sb,
			    struct synod_repl_cfg *cfg);

/*
 * blkdev.c: the blk-mq disk; the replica engine calls the first five
 * through the callbacks its volume gives it (struct synod_repl_host)
 */
void synod_blkdev_pass_down(struct synod_volume *vol, struct request *rq);
void synod_blkdev_end(struct request *rq, blk_status_t status);
void synod_blkdev_admit_put(struct request *rq, bool completed);
void synod_blkdev_kick_busy(struct synod_volume *vol);
void synod_blkdev_requeue_busy(struct request *rq, unsigned long ms);
int synod_blkdev_create(struct synod_volume *vol);
int synod_blkdev_add(struct synod_volume *vol);
bool synod_blkdev_claim_for_delete(struct synod_volume *vol);
void synod_blkdev_unclaim(struct synod_volume *vol);
void synod_blkdev_destroy(struct synod_volume *vol, bool added);

/* netlink.c and nl_*.c: the "synod" generic netlink family */
int synod_netlink_init(void);
void synod_netlink_exit(void);
void synod_netlink_notify(struct net *net, enum synod_event event,
			  const char *name);
/* ROLE_CHANGED and PEER_* events carry these too (node: peer or -1) */
void synod_netlink_notify_repl(struct net *net, enum synod_event event,
			       const char *name, u32 role, u32 leader,
			       u64 ballot, u32 node);

/* kfunc.c: kfuncs for BPF programs (declared for sparse; BPF calls them) */
u64 synod_xdp_ping(u32 len);
int synod_kfunc_init(void);

u64 synod_kfunc_xdp_calls(void);

/*
 * crc.c: the kernel's CRC-32C behind the core's synod_crc32c(); the
 * core's table is built as synod_crc32c_sw() (Kbuild) for reference.
 */
void synod_crc_init(void);
void synod_crc_exit(void);
u32 synod_crc32c_sw(u32 crc, const void *buf, size_t len);

#endif /* SYNOD_H */
