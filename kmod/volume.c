// SPDX-License-Identifier: GPL-2.0
/*
 * The volume registry and lifecycle: create, attach, delete.
 *
 * Volumes live on one global list under synod_volumes_lock (per network
 * namespace lists come with replication).  Every change to the list and
 * every lookup happens under the lock.  A volume being built is on the
 * list only to hold its name (@building) and one being deleted only
 * until its delete commits (@deleting): lookups refuse both, so nothing
 * else can see a half-made or half-destroyed volume.
 *
 * The global lock is never held while taking a replica's lock: that one
 * is held across the replica's synchronous disk I/O, and a backing device
 * that stalls (a suspended device-mapper table, multipath queueing with no
 * path) would then stall every command on every volume.  A command on one
 * volume pins it instead (@users, synod_volume_get()), drops the global
 * lock, and works on it; a delete waits for the pins to go, bounded.
 *
 * Create and attach build a new volume without the global lock too: the
 * name is reserved first by a placeholder on the list (@building), which
 * lookups and dumps skip and delete refuses.  Namespace exit and module
 * exit take their volumes off the list under the lock and stop and free
 * them after dropping it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uuid.h>
#include <linux/wait.h>

#include "synod.h"
#include "replica.h"
#include "compat.h"
#include "secret.h"

static LIST_HEAD(synod_volumes);

/* Changes whenever a volume leaves synod_volumes; under its lock. */
static unsigned int synod_volumes_gen;

/* Woken when a volume's last pin goes (synod_volume_put()). */
static DECLARE_WAIT_QUEUE_HEAD(synod_volume_unpinned);

/*
 * How long a delete waits for commands running on its volume.  Such a
 * command may wait for the volume's stalled disk I/O without bound; the
 * delete then refuses rather than wait with it.
 */
#define SYNOD_DELETE_PIN_WAIT	(5 * HZ)

/*
 * A name is what the administrator types and what may later name a node
 * under /dev/synod/: non-empty, at most SYNOD_NAME_MAX bytes (the netlink
 * policy enforces that), printable, no '/'.
 */
bool synod_volume_name_valid(const char *name, struct netlink_ext_ack *extack)
{
	const char *p;

	if (!*name) {
		NL_SET_ERR_MSG(extack, "invalid volume name: empty");
		return false;
	}
	if (strlen(name) > SYNOD_NAME_MAX) {
		NL_SET_ERR_MSG(extack, "invalid volume name: longer than 31 bytes");
		return false;
	}
	for (p = name; *p; p++) {
		if (*p == '/' || !isprint(*p) || *p == ' ') {
			NL_SET_ERR_MSG(extack,
				       "invalid volume name: contains '/', a space or a non-printable character");
			return false;
		}
	}
	return true;
}

/*
 * Look @name up in @net; the caller holds synod_volumes_lock.  Each
 * network namespace sees only its own volumes, so three replicas of one
 * cluster in three namespaces may even share a local name.  Finds a
 * volume being built or deleted too: its name is taken.
 */
static struct synod_volume *volume_find(struct net *net, const char *name)
{
	struct synod_volume *vol;

	lockdep_assert_held(&synod_volumes_lock);
	list_for_each_entry(vol, &synod_volumes, node)
		if (vol->net == net && !strcmp(vol->name, name))
			return vol;
	return NULL;
}

/*
 * The @n-th volume of @net in list order, hidden or not, for dumps;
 * locked.  Hidden ones count, so that a volume whose create or delete
 * is under way does not shift the positions of the others mid-dump.
 */
static struct synod_volume *volume_nth(struct net *net, unsigned long n)
{
	struct synod_volume *vol;

	lockdep_assert_held(&synod_volumes_lock);
	list_for_each_entry(vol, &synod_volumes, node)
		if (vol->net == net && !n--)
			return vol;
	return NULL;
}

/*
 * Take @vol off the list; locked.  Positions after it move, so the list's
 * generation changes and a dump running across it is told (NLM_F_DUMP_INTR).
 */
static void volume_unlink(struct synod_volume *vol)
{
	lockdep_assert_held(&synod_volumes_lock);
	list_del_init(&vol->node);
	synod_volumes_gen++;
}

/*
 * Whether @vol (found by @name, or NULL) may be used by a command: 0, or
 * -ENOENT if there is none and -EBUSY while it is being built or
 * deleted, with the reason in @extack (if not NULL).  Locked.
 */
static int volume_usable(const struct synod_volume *vol, const char *name,
			 struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&synod_volumes_lock);
	if (!vol) {
		SYNOD_ERR(extack, NULL, "no such volume", ": %s", name);
		return -ENOENT;
	}
	if (vol->building) {
		SYNOD_ERR(extack, NULL,
			  "volume is being created or attached (is its backing device stalled?)",
			  ": %s", name);
		return -EBUSY;
	}
	if (vol->deleting) {
		SYNOD_ERR(extack, NULL, "volume is being deleted", ": %s",
			  name);
		return -EBUSY;
	}
	return 0;
}

/* Pin @vol if volume_usable(); locked. */
static struct synod_volume *volume_pin(struct synod_volume *vol,
				       const char *name,
				       struct netlink_ext_ack *extack)
{
	int err = volume_usable(vol, name, extack);

	if (err)
		return ERR_PTR(err);
	vol->users++;
	return vol;
}

struct synod_volume *synod_volume_get(struct net *net, const char *name,
				      struct netlink_ext_ack *extack)
{
	struct synod_volume *vol;

	mutex_lock(&synod_volumes_lock);
	vol = volume_pin(volume_find(net, name), name, extack);
	mutex_unlock(&synod_volumes_lock);
	return vol;
}

/*
 * Dumps go by position and pin one volume at a time: the pinned one stays
 * on the list while the dump reads it unlocked, and the next position is
 * looked up again under the lock.  NULL past the end; ERR_PTR(-EBUSY) for
 * a position whose volume is being built or deleted (skip it).  @gen: the
 * list's generation, for the dump's consistency check.
 */
struct synod_volume *synod_volume_get_nth(struct net *net, unsigned long n,
					  unsigned int *gen)
{
	struct synod_volume *vol;

	mutex_lock(&synod_volumes_lock);
	*gen = synod_volumes_gen;
	vol = volume_nth(net, n);
	if (vol)
		vol = volume_pin(vol, vol->name, NULL);
	mutex_unlock(&synod_volumes_lock);
	return vol;
}

void synod_volume_put(struct synod_volume *vol)
{
	mutex_lock(&synod_volumes_lock);
	if (!WARN_ON_ONCE(!vol->users) && !--vol->users)
		wake_up_all(&synod_volume_unpinned);
	mutex_unlock(&synod_volumes_lock);
}

/* A replicated volume's state; 0 for a single-replica volume. */
int synod_volume_repl_status(struct synod_volume *vol,
			     struct synod_repl_status *st)
{
	int err;

	if (!vol->repl)
		return 0;
	err = synod_repl_status(vol->repl, st);
	return err ?: 1;
}

/* Attach: the secret against the superblock (secret.h), with the reason. */
static int secret_check(struct synod_volume *vol, const u8 *secret,
			u32 secret_len, bool *convert,
			struct netlink_ext_ack *extack)
{
	int err = synod_secret_check(&vol->sb, secret, secret_len, convert);

	if (err == -ENOKEY)
		NL_SET_ERR_MSG(extack,
			       "replicated volume: attach needs its secret (--secret-file)");
	else if (err == -EKEYREJECTED)
		NL_SET_ERR_MSG(extack,
			       "wrong secret: not the one this replica was created with");
	else if (err)
		NL_SET_ERR_MSG(extack,
			       "not a replicated volume: it takes no secret");
	return err;
}

/*
 * A format 1 superblock that attach just converted to format 2 in memory
 * (synod_secret_check()): write it to both copies with the next sequence
 * number, so that neither copy keeps the secret.  Copy 0 goes first; a
 * crash before copy 1 is written leaves copy 0 current (higher sequence)
 * and the secret in copy 1, which the next attach converts again.
 */
static int sb_convert_write(struct synod_volume *vol,
			    struct netlink_ext_ack *extack)
{
	int err;

	vol->sb.seq++;
	err = synod_backing_sb_write(&vol->backing, &vol->sb, extack);
	if (!err)
		pr_info("%s: superblock converted to format %u: the secret is no longer stored on %s, only its fingerprint\n",
			vol->name, vol->sb.format, vol->backing_path);
	return err;
}

/*
 * A new replicated volume is LARGE (requests and journal records of up to
 * 1 MiB, Documentation/ondisk.rst) unless created with small requests,
 * which replicas on modules of before large requests can still attach.
 * Every new format 3 journal has the same 12 MiB payload ring whatever
 * the device's size, more than a LARGE one needs: a device too small for
 * it is too small for a replicated volume at all (SYNOD_SB_TOO_SMALL,
 * refused before this), so no device is big enough for a replicated
 * volume yet too small for large requests, and nothing here can refuse.
 */
static void volume_set_large(struct synod_volume *vol,
			     const struct synod_repl_cfg *repl)
{
	BUILD_BUG_ON(SYNOD_PRING_BYTES < SYNOD_PRING_MIN_LARGE);
	if (repl->small_requests)
		return;
	WARN_ON_ONCE(synod_sb_jrec_format(&vol->sb) != SYNOD_JREC_FORMAT_V3 ||
		     synod_sb_pring_size(&vol->sb) < SYNOD_PRING_MIN_LARGE);
	vol->sb.flags |= SYNOD_SB_FLAG_LARGE;
}

/*
 * What a replica's engine calls above itself (replica.h): this volume's
 * disk and the netlink events.  The engine gets them here, at create,
 * so that it names neither.
 */
static const struct synod_repl_host volume_repl_host = {
	.end = synod_blkdev_end,
	.pass_down = synod_blkdev_pass_down,
	.kick_busy = synod_blkdev_kick_busy,
	.requeue_busy = synod_blkdev_requeue_busy,
	.admit_put = synod_blkdev_admit_put,
	.notify = synod_netlink_notify_repl,
};

/*
 * Build a volume on @backing_path: claim the device, then either format it
 * (@format) or read its superblock and check @secret against it, then
 * allocate the disk, write the superblock if formatting (or converting
 * format 1), and only then publish the disk.  Every step before the
 * superblock write leaves the device untouched, so refusals change
 * nothing; except that formatting a replicated volume first invalidates
 * an old superblock and zeroes the journal (synod_backing_prepare(): a
 * failure there leaves no valid superblock over what it changed).  The
 * refusals synod_repl_create() finds (the quorum check, -ENOSPC from the
 * payload pool, the transport) come after those destructive steps and
 * after the new superblock is written: such a refused create leaves the
 * new volume's superblock and empty journal on the device, the old
 * volume gone.
 * synodctl refuses a device holding a volume unless --force; the kernel
 * formats what it is told to.  @repl: create's settings of a replicated
 * volume; @secret: attach's secret (create's is in @repl).  Called
 * without synod_volumes_lock: the reads and writes may stall with the
 * device.
 */
static int volume_build(struct synod_volume *vol, const char *backing_path,
			bool format, const struct synod_repl_cfg *repl,
			const u8 *secret, u32 secret_len,
			struct netlink_ext_ack *extack)
{
	struct synod_repl_cfg *rc = NULL;
	enum synod_sb_status st;
	bool convert = false;
	u8 uuid[16];
	int err;

	lockdep_assert_not_held(&synod_volumes_lock);

	err = synod_backing_open(&vol->backing, backing_path, vol, extack);
	if (err)
		return err;

	if (format) {
		generate_random_uuid(uuid);
		if (repl) {
			st = synod_sb_init_repl(&vol->sb, uuid,
						vol->backing.size_bytes,
						vol->backing.block_size);
			if (st == SYNOD_SB_OK) {
				synod_repl_cfg_to_sb(repl, &vol->sb);
				volume_set_large(vol, repl);
			}
			secret = repl->secret;
			secret_len = repl->secret_len;
		} else {
			st = synod_sb_init(&vol->sb, uuid,
					   vol->backing.size_bytes,
					   vol->backing.block_size);
		}
		if (st == SYNOD_SB_TOO_SMALL && repl) {
			NL_SET_ERR_MSG(extack,
				       "backing device too small for a replicated volume (journal + 1 MiB)");
			err = -ENOSPC;
			goto out_close_backing;
		}
		if (st != SYNOD_SB_OK) {
			NL_SET_ERR_MSG(extack,
				       "cannot lay out a volume on this backing device");
			err = -EINVAL;
			goto out_close_backing;
		}
	} else {
		err = synod_backing_sb_read(&vol->backing, &vol->sb, extack);
		if (!err)
			err = secret_check(vol, secret, secret_len, &convert,
					   extack);
		if (err)
			goto out_close_backing;
	}
	vol->data_start = vol->sb.data_offset >> SECTOR_SHIFT;

	err = synod_blkdev_create(vol);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot allocate the disk");
		goto out_close_backing;
	}
	if (format && repl) {
		err = synod_backing_prepare(&vol->backing, &vol->sb, extack);
		if (err)
			goto out_destroy_disk;
	}
	if (format) {
		err = synod_backing_sb_write(&vol->backing, &vol->sb, extack);
		if (err)
			goto out_destroy_disk;
	}
	if (synod_sb_replicated(&vol->sb)) {
		rc = kzalloc(sizeof(*rc), GFP_KERNEL);
		if (!rc) {
			err = -ENOMEM;
			goto out_destroy_disk;
		}
		synod_repl_cfg_from_sb(&vol->sb, rc);
		memcpy(rc->secret, secret, secret_len);
		rc->secret_len = secret_len;
		vol->repl = synod_repl_create(vol, vol->net, &volume_repl_host,
					      rc, format, extack);
		kfree_sensitive(rc);
		if (IS_ERR(vol->repl)) {
			err = PTR_ERR(vol->repl);
			vol->repl = NULL;
			goto out_destroy_disk;
		}
	}
	if (convert) {
		err = sb_convert_write(vol, extack);
		if (err)
			goto out_destroy_repl;
	}
	err = synod_blkdev_add(vol);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot add the disk");
		goto out_destroy_repl;
	}
	return 0;

out_destroy_repl:
	if (vol->repl)
		synod_repl_destroy(vol->repl);
	vol->repl = NULL;
out_destroy_disk:
	synod_blkdev_destroy(vol, false);
out_close_backing:
	synod_backing_close(&vol->backing, vol);
	return err;
}

/* Shared body of create and attach: check, build, publish. */
static int volume_new(struct net *net, const char *name,
		      const char *backing_path, bool format,
		      const struct synod_repl_cfg *repl,
		      const u8 *secret, u32 secret_len,
		      struct netlink_ext_ack *extack)
{
	struct synod_volume *vol;
	int err;

	if (!synod_volume_name_valid(name, extack))
		return -EINVAL;
	if (!*backing_path) {
		NL_SET_ERR_MSG(extack, "backing device path is empty");
		return -EINVAL;
	}

	vol = kzalloc(sizeof(*vol), GFP_KERNEL);
	if (!vol)
		return -ENOMEM;
	strscpy(vol->name, name, sizeof(vol->name));
	strscpy(vol->backing_path, backing_path, sizeof(vol->backing_path));
	vol->net = net;
	mutex_init(&vol->ctl);

	/* Reserve the name: a placeholder nobody else may use or delete. */
	mutex_lock(&synod_volumes_lock);
	if (volume_find(net, name)) {
		mutex_unlock(&synod_volumes_lock);
		SYNOD_ERR(extack, NULL, "a volume with this name exists",
			  ": %s", name);
		err = -EEXIST;
		goto out_free;
	}
	vol->building = true;
	list_add_tail(&vol->node, &synod_volumes);
	mutex_unlock(&synod_volumes_lock);

	err = volume_build(vol, backing_path, format, repl, secret, secret_len,
			   extack);

	mutex_lock(&synod_volumes_lock);
	if (err) {
		volume_unlink(vol);
		mutex_unlock(&synod_volumes_lock);
		goto out_free;
	}
	vol->building = false;
	/* Before unlocking: once unlocked, a delete may free @vol. */
	pr_info("%s volume %s on %s as %s (%llu bytes)\n",
		format ? "created" : "attached", vol->name, vol->backing_path,
		vol->disk->disk_name, vol->sb.data_size);
	mutex_unlock(&synod_volumes_lock);
	return 0;

out_free:
	mutex_destroy(&vol->ctl);
	kfree(vol);
	return err;
}

int synod_volume_create(struct net *net, const char *name,
			const char *backing_path,
			const struct synod_repl_cfg *repl,
			struct netlink_ext_ack *extack)
{
	int err = volume_new(net, name, backing_path, true, repl, NULL, 0,
			     extack);

	if (!err)
		synod_test_leak();
	return err;
}

int synod_volume_attach(struct net *net, const char *name,
			const char *backing_path, const u8 *secret,
			u32 secret_len, struct netlink_ext_ack *extack)
{
	return volume_new(net, name, backing_path, false, NULL, secret,
			  secret_len, extack);
}

/* Undo volume_build() and free; @vol is already off the list. */
static void volume_destroy(struct synod_volume *vol)
{
	lockdep_assert_not_held(&synod_volumes_lock);
	pr_info("deleted volume %s (%s)\n", vol->name, vol->disk->disk_name);
	if (vol->repl)
		synod_repl_down(vol->repl, true);
	synod_blkdev_destroy(vol, true);
	if (vol->repl)
		synod_repl_destroy(vol->repl);
	synod_backing_close(&vol->backing, vol);
	mutex_destroy(&vol->ctl);
	kfree(vol);
}

/*
 * Delete @name unless its disk is open.  The superblock stays on the
 * backing device, so the volume can be attached again.
 *
 * Whether the disk is open is asked under its open_mutex, which an open
 * holds for seconds while it waits for auto-promote (blkdev.c): wait for
 * it without synod_volumes_lock, so that status and the other volumes do
 * not wait with us.  Meanwhile @deleting keeps the volume on the list and
 * alive, and no new command pins it: they and a second delete are
 * refused with the reason.  (A namespace exit cannot meet a delete: the
 * delete's netlink socket holds the namespace.)
 *
 * Commands that pinned the volume (status, up, down, ...) may be waiting
 * for its replica lock, which a stalled backing device can hold for
 * good: wait for them at most SYNOD_DELETE_PIN_WAIT (a signal ends the
 * wait too), then refuse and let opens in again.
 */
int synod_volume_delete(struct net *net, const char *name,
			struct netlink_ext_ack *extack)
{
	struct synod_volume *vol;
	bool idle;
	int err;

	mutex_lock(&synod_volumes_lock);
	vol = volume_find(net, name);
	err = volume_usable(vol, name, extack);
	if (err) {
		mutex_unlock(&synod_volumes_lock);
		return err;
	}
	vol->deleting = true;
	mutex_unlock(&synod_volumes_lock);

	idle = synod_blkdev_claim_for_delete(vol);
	if (idle)
		wait_event_interruptible_timeout(synod_volume_unpinned,
						 !READ_ONCE(vol->users),
						 SYNOD_DELETE_PIN_WAIT);

	mutex_lock(&synod_volumes_lock);
	if (!idle) {
		vol->deleting = false;
		mutex_unlock(&synod_volumes_lock);
		SYNOD_ERR(extack, NULL, "volume in use (disk open or mounted)",
			  ": %s", name);
		return -EBUSY;
	}
	if (vol->users) {
		mutex_unlock(&synod_volumes_lock);
		/*
		 * Unclaim while still @deleting: a second delete must not
		 * claim the disk in between, or our unclaim would let opens
		 * in under its feet and it would free an open volume.
		 */
		synod_blkdev_unclaim(vol);
		mutex_lock(&synod_volumes_lock);
		vol->deleting = false;
		mutex_unlock(&synod_volumes_lock);
		SYNOD_ERR(extack, NULL,
			  "volume busy: a command on it still waits (for its backing device?)",
			  ": %s", name);
		return -EBUSY;
	}
	volume_unlink(vol);
	mutex_unlock(&synod_volumes_lock);

	volume_destroy(vol);
	return 0;
}

/*
 * Module exit: remove every volume, newest first.  The module cannot be
 * unloaded while a disk is open (the disk holds a module reference), so
 * each claim succeeds; a failure would mean a bug, and then the volume is
 * leaked rather than freed under an opener.  No command runs any more
 * (the netlink family is gone): the list is taken whole, and the volumes
 * are stopped without the lock, as everywhere else.
 */
void synod_volume_delete_all(void)
{
	struct synod_volume *vol, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&synod_volumes_lock);
	list_splice_init(&synod_volumes, &gone);
	synod_volumes_gen++;
	mutex_unlock(&synod_volumes_lock);

	list_for_each_entry_safe_reverse(vol, tmp, &gone, node) {
		/* off the list whatever comes; a bug below leaks it */
		list_del_init(&vol->node);
		if (WARN_ON_ONCE(vol->users || vol->building) ||
		    WARN_ON_ONCE(!synod_blkdev_claim_for_delete(vol)))
			continue;
		volume_destroy(vol);
	}
}

/*
 * Run @op on the replicated volume @name of @net: pinned, so that it
 * cannot be deleted meanwhile, and under its @ctl mutex, so that two
 * commands on one volume do not interleave (up checks and starts the
 * transport in two steps), but not under synod_volumes_lock: @op takes
 * the replica's lock, which that volume's disk I/O may hold for long.
 * A signal ends the wait for another command on the same volume.
 */
static int with_repl(struct net *net, const char *name,
		     struct netlink_ext_ack *extack,
		     int (*op)(struct synod_repl *r, void *arg,
			       struct netlink_ext_ack *extack), void *arg)
{
	struct synod_volume *vol;
	int err;

	vol = synod_volume_get(net, name, extack);
	if (IS_ERR(vol))
		return PTR_ERR(vol);
	if (!vol->repl) {
		SYNOD_ERR(extack, NULL,
			  "not a replicated volume (created without --node)",
			  ": %s", name);
		err = -EOPNOTSUPP;
	} else if (mutex_lock_interruptible(&vol->ctl)) {
		NL_SET_ERR_MSG(extack, "interrupted while waiting for another command on this volume");
		err = -EINTR;
	} else {
		err = op(vol->repl, arg, extack);
		mutex_unlock(&vol->ctl);
	}
	synod_volume_put(vol);
	return err;
}

static int op_up(struct synod_repl *r, void *arg,
		 struct netlink_ext_ack *extack)
{
	int err = synod_repl_up(r);

	if (err == -EIO)
		NL_SET_ERR_MSG(extack, "volume is fenced after an I/O error; delete and attach it");
	else if (err)
		NL_SET_ERR_MSG(extack, "cannot listen on the volume's address (in use?)");
	return err;
}

static int op_down(struct synod_repl *r, void *arg,
		   struct netlink_ext_ack *extack)
{
	int err = synod_repl_down(r, *(bool *)arg);

	if (err == -EIO)
		NL_SET_ERR_MSG(extack, "volume is down, but a write to its backing device failed going down and fenced it; delete and attach it");
	return err;
}

static int op_promote(struct synod_repl *r, void *arg,
		      struct netlink_ext_ack *extack)
{
	return synod_repl_promote(r, *(bool *)arg, extack);
}

struct peer_arg {
	u32 node;
	const struct sockaddr_storage *addr;
};

static int op_peer(struct synod_repl *r, void *arg,
		   struct netlink_ext_ack *extack)
{
	struct peer_arg *pa = arg;

	return synod_repl_peer_change(r, pa->node, pa->addr, extack);
}

int synod_volume_up(struct net *net, const char *name,
		    struct netlink_ext_ack *extack)
{
	return with_repl(net, name, extack, op_up, NULL);
}

int synod_volume_down(struct net *net, const char *name, bool force,
		      struct netlink_ext_ack *extack)
{
	return with_repl(net, name, extack, op_down, &force);
}

int synod_volume_promote(struct net *net, const char *name,
			 struct netlink_ext_ack *extack)
{
	bool promote = true;

	return with_repl(net, name, extack, op_promote, &promote);
}

int synod_volume_demote(struct net *net, const char *name,
			struct netlink_ext_ack *extack)
{
	bool promote = false;

	return with_repl(net, name, extack, op_promote, &promote);
}

int synod_peer_add(struct net *net, const char *name, u32 node,
		   const struct sockaddr_storage *addr,
		   struct netlink_ext_ack *extack)
{
	struct peer_arg pa = { node, addr };

	return with_repl(net, name, extack, op_peer, &pa);
}

int synod_peer_remove(struct net *net, const char *name, u32 node,
		      struct netlink_ext_ack *extack)
{
	struct peer_arg pa = { node, NULL };

	return with_repl(net, name, extack, op_peer, &pa);
}

/*
 * A network namespace is going away: its replicas' sockets live there,
 * so they stop now.  A volume nobody has open is deleted; one still open
 * (mounted) stays, down and invisible, until the module is unloaded.
 *
 * Stopping a replica takes its lock, which a stalled backing device may
 * hold: take the namespace's volumes off the list under the global lock,
 * stop them without it, and put back the ones that stay.  No command of
 * this namespace runs (it would hold the namespace alive), so none of its
 * volumes is pinned, being built or being deleted.
 */
static void __net_exit synod_net_exit(struct net *net)
{
	struct synod_volume *vol, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&synod_volumes_lock);
	list_for_each_entry_safe(vol, tmp, &synod_volumes, node) {
		if (vol->net != net)
			continue;
		/* never seen; @net must not stay on a leaked volume */
		vol->net = NULL;
		if (WARN_ON_ONCE(vol->users || vol->building || vol->deleting))
			continue;
		list_move_tail(&vol->node, &gone);
		synod_volumes_gen++;
	}
	mutex_unlock(&synod_volumes_lock);

	list_for_each_entry_safe(vol, tmp, &gone, node) {
		if (vol->repl)
			synod_repl_down(vol->repl, true);
		if (synod_blkdev_claim_for_delete(vol)) {
			list_del_init(&vol->node);
			volume_destroy(vol);
			continue;
		}
		mutex_lock(&synod_volumes_lock);
		list_move_tail(&vol->node, &synod_volumes);
		mutex_unlock(&synod_volumes_lock);
	}
}

static struct pernet_operations synod_net_ops = {
	.exit = synod_net_exit,
};

int synod_volume_init(void)
{
	return register_pernet_subsys(&synod_net_ops);
}

void synod_volume_exit(void)
{
	unregister_pernet_subsys(&synod_net_ops);
}
