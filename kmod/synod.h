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
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#include "uapi/synod.h"
#include "core/ondisk.h"

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
 * One volume: a backing device, the superblock that describes it, and the
 * blk-mq disk that exposes its data area.  Found only through the volume
 * list, under synod_volumes_lock; the disk's I/O path reaches it through
 * queuedata and needs no reference because the volume outlives the disk.
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
	struct bio_set bioset;		/* clones and flushes to the backing */
	struct workqueue_struct *wq;	/* submits each request's clones */
	struct blk_mq_tag_set tag_set;	/* request tags and per-request data */
	struct gendisk *disk;		/* the synodN disk */
};

/* main.c */
extern struct mutex synod_volumes_lock;

/* volume.c: the volume registry and lifecycle */
int synod_volume_create(const char *name, const char *backing_path,
			struct netlink_ext_ack *extack);
int synod_volume_attach(const char *name, const char *backing_path,
			struct netlink_ext_ack *extack);
int synod_volume_delete(const char *name, struct netlink_ext_ack *extack);
struct synod_volume *synod_volume_find(const char *name);
struct synod_volume *synod_volume_nth(unsigned long n);
bool synod_volume_name_valid(const char *name, struct netlink_ext_ack *extack);
void synod_volume_delete_all(void);

/* backing.c: the backing block device and superblock I/O */
int synod_backing_open(struct synod_backing *b, const char *path,
		       void *holder, struct netlink_ext_ack *extack);
void synod_backing_close(struct synod_backing *b, void *holder);
int synod_backing_sb_read(struct synod_backing *b, struct synod_sb *sb,
			  struct netlink_ext_ack *extack);
int synod_backing_sb_write(struct synod_backing *b, const struct synod_sb *sb,
			   struct netlink_ext_ack *extack);

/* blkdev.c: the blk-mq disk */
int synod_blkdev_create(struct synod_volume *vol);
int synod_blkdev_add(struct synod_volume *vol);
bool synod_blkdev_claim_for_delete(struct synod_volume *vol);
void synod_blkdev_destroy(struct synod_volume *vol, bool added);

/* netlink.c: the "synod" generic netlink family */
int synod_netlink_init(void);
void synod_netlink_exit(void);
void synod_netlink_notify(struct net *net, enum synod_event event,
			  const char *name);

/* kfunc.c: kfuncs for BPF programs (declared for sparse; BPF calls them) */
u64 synod_xdp_ping(u32 len);
int synod_kfunc_init(void);
u64 synod_kfunc_xdp_calls(void);

#endif /* SYNOD_H */
