// SPDX-License-Identifier: GPL-2.0
/*
 * synodctl volume upgrade --backing DEV --large-requests: set the
 * on-disk flag LARGE in a replica's superblock, offline, as tune2fs sets
 * a feature: the replica's next attach gives its disk 1 MiB requests
 * (Documentation/ondisk.rst, "Large requests").
 *
 * Offline because the module holds the superblock of an attached replica
 * in memory and rewrites it at every checkpoint: a write beside it would
 * be lost, or would lose one of its.  So the device is opened
 * exclusively, which fails while the module (or a mount) holds it.  Its
 * peers need no step: a format 3 replica whose payload ring is large
 * enough sets LARGE itself before its first large record
 * (kmod/replica_jq.c).
 *
 * The superblock is decoded and encoded by the module's own code
 * (kmod/core/ondisk.c, which builds here too), and only the copy that is
 * not current is written, with the next sequence number, as the module
 * does: a crash in the middle leaves the old current copy, and the
 * volume as it was.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "synodctl.h"
#include "core/ondisk.h"
#include "core/jrec.h"

/* The core's assertions, in a tool: say what broke, and stop. */
void synod_assert_fail(const char *cond, const char *file, int line)
{
	fprintf(stderr, "synodctl: internal error: %s (%s:%d)\n", cond, file,
		line);
	abort();
}

/*
 * Open @path for reading and writing, alone: O_EXCL on a block device
 * fails with EBUSY while anything holds it exclusively, the module's
 * attached volumes included.  On a regular file O_EXCL excludes nothing
 * (a loop device over it may be attached), so files are refused unless
 * @file (the unit tests' images).  O_DIRECT on a device, so that what we
 * read is the device's, not a cache the module's bios passed by.
 */
static int open_alone(const char *path, bool file)
{
	struct stat st;

	if (stat(path, &st))
		return -1;
	if (S_ISBLK(st.st_mode))
		return open(path, O_RDWR | O_EXCL | O_DIRECT | O_CLOEXEC);
	if (file && S_ISREG(st.st_mode))
		return open(path, O_RDWR | O_CLOEXEC);
	errno = ENOTBLK;
	return -1;
}

static int rw_copy(int fd, uint8_t *buf, uint32_t copy, bool is_write)
{
	off_t off = (off_t)SYNOD_SB_OFFSET(copy);
	ssize_t n = is_write ? pwrite(fd, buf, SYNOD_SB_SIZE, off) :
			       pread(fd, buf, SYNOD_SB_SIZE, off);

	if (n == (ssize_t)SYNOD_SB_SIZE)
		return 0;
	return n < 0 ? -errno : -EIO;
}

/*
 * Why a replica cannot take large requests as it is, or NULL if it can.
 * The same rules as the module's decode of a LARGE superblock
 * (ondisk.c) and synod_repl_large_ok().
 */
static const char *large_refusal(const struct synod_sb *sb, char *why,
				 size_t len)
{
	if (!synod_sb_is_repl(sb))
		return "a single-replica volume passes requests to its backing device with its limits: there is nothing to upgrade";
	if (sb->format != SYNOD_SB_FORMAT_V3) {
		snprintf(why, len,
			 "a format %u replica keeps each record's payloads in a fixed journal slot (four of 16 KiB) and has no payload ring: recreate this replica (volume create makes format 3) and let it catch up from its peers",
			 sb->format);
		return why;
	}
	if (synod_sb_pring_size(sb) < SYNOD_PRING_MIN_LARGE) {
		snprintf(why, len,
			 "its journal's payload ring holds %llu KiB; large requests need %u KiB: recreate this replica",
			 (unsigned long long)(synod_sb_pring_size(sb) >> 10),
			 SYNOD_PRING_MIN_LARGE >> 10);
		return why;
	}
	return NULL;
}

/* Read both copies and pick the current one.  0, or -1 after saying why. */
static int read_current(int fd, const char *dev, uint8_t *copy[2],
			struct synod_sb *sb, uint32_t *which)
{
	enum synod_sb_status st;
	uint32_t i;
	int err;

	for (i = 0; i < SYNOD_SB_COPIES; i++) {
		err = rw_copy(fd, copy[i], i, false);
		if (err) {
			fprintf(stderr, "synodctl: %s: reading superblock copy %u: %s\n",
				dev, i, strerror(-err));
			return -1;
		}
	}
	st = synod_sb_select(copy[0], copy[1], sb, which);
	if (st != SYNOD_SB_OK) {
		fprintf(stderr, "synodctl: %s: %s\n", dev,
			synod_sb_status_str(st));
		return -1;
	}
	return 0;
}

/*
 * Whether the current copy (@which) may be rewritten as @sb with the next
 * sequence number: it must encode back byte for byte (else this tool
 * does not know every field of it), and the copy the next number goes
 * to must not be the current one, unless both copies are the same (a
 * new volume's, written together): the other is then the fallback.
 */
static int may_rewrite(const char *dev, uint8_t *copy[2], uint32_t which,
		       const struct synod_sb *sb, uint8_t *scratch)
{
	synod_sb_encode(sb, scratch);
	if (memcmp(scratch, copy[which], SYNOD_SB_SIZE)) {
		fprintf(stderr, "synodctl: %s: the superblock does not encode back to the same bytes; not rewriting it\n",
			dev);
		return -1;
	}
	if (synod_sb_copy_for_seq(sb->seq + 1) == which &&
	    memcmp(copy[0], copy[1], SYNOD_SB_SIZE)) {
		fprintf(stderr, "synodctl: %s: the current superblock copy is not where its sequence number puts it; not rewriting it\n",
			dev);
		return -1;
	}
	return 0;
}

/*
 * Write @sb, with the next sequence number, over the copy that is not
 * current, flush, and read both back: the current one must now be it.
 */
static int write_next(int fd, const char *dev, struct synod_sb *sb,
		      uint8_t *copy[2], uint8_t *scratch)
{
	struct synod_sb back;
	uint32_t which;
	int err;

	sb->seq++;
	synod_sb_encode(sb, scratch);
	err = rw_copy(fd, scratch, synod_sb_copy_for_seq(sb->seq), true);
	if (!err && fsync(fd))
		err = -errno;
	if (err) {
		fprintf(stderr, "synodctl: %s: writing the superblock: %s (the volume is as it was, or upgraded: run the command again)\n",
			dev, strerror(-err));
		return -1;
	}
	if (rw_copy(fd, copy[0], 0, false) || rw_copy(fd, copy[1], 1, false) ||
	    synod_sb_select(copy[0], copy[1], &back, &which) != SYNOD_SB_OK ||
	    back.seq != sb->seq || !(back.flags & SYNOD_SB_FLAG_LARGE)) {
		fprintf(stderr, "synodctl: %s: the superblock read back is not the one written\n",
			dev);
		return -1;
	}
	return 0;
}

/*
 * The upgrade of the device or (@file, unit tests only) image file at
 * @dev.  0, or -1 after saying why on stderr.
 */
int synodctl_upgrade_large(const char *dev, bool file)
{
	uint8_t *buf = NULL, *copy[2];
	struct synod_sb sb = {};
	uint32_t which;
	const char *no;
	char why[256];
	int fd, ret = -1;

	fd = open_alone(dev, file);
	if (fd < 0) {
		if (errno == ENOTBLK)
			fprintf(stderr, "synodctl: %s is not a block device (for a file, attach a loop device over it, and name that)\n",
				dev);
		else if (errno == EBUSY)
			fprintf(stderr, "synodctl: %s is in use (attached to a synod volume, or mounted): on this host, 'synodctl volume delete NAME' first (nothing on the device is lost), upgrade, then 'synodctl volume attach'\n",
				dev);
		else
			fprintf(stderr, "synodctl: %s: %s\n", dev,
				strerror(errno));
		return -1;
	}
	/* O_DIRECT: aligned to any logical block size up to 4 KiB */
	if (posix_memalign((void **)&buf, SYNOD_SB_SIZE, 3 * SYNOD_SB_SIZE)) {
		fprintf(stderr, "synodctl: out of memory\n");
		goto out;
	}
	copy[0] = buf;
	copy[1] = buf + SYNOD_SB_SIZE;
	if (read_current(fd, dev, copy, &sb, &which))
		goto out;
	no = large_refusal(&sb, why, sizeof(why));
	if (no) {
		fprintf(stderr, "synodctl: %s: cannot take large requests: %s\n",
			dev, no);
		goto out;
	}
	if (sb.flags & SYNOD_SB_FLAG_LARGE) {
		printf("%s: already takes large requests (on-disk flag LARGE)\n",
		       dev);
		ret = 0;
		goto out;
	}
	if (may_rewrite(dev, copy, which, &sb, buf + 2 * SYNOD_SB_SIZE))
		goto out;
	sb.flags |= SYNOD_SB_FLAG_LARGE;
	if (write_next(fd, dev, &sb, copy, buf + 2 * SYNOD_SB_SIZE))
		goto out;
	printf("%s: on-disk flag LARGE set (superblock sequence %llu): once attached, the replica takes requests of up to %u KiB, and its format 3 peers follow by themselves; a module that cannot serve large requests refuses it\n",
	       dev, (unsigned long long)sb.seq, SYNOD_PAYLOAD_MAX_LARGE >> 10);
	ret = 0;
out:
	synod_wipe(&sb, sizeof(sb));	/* a format 1 copy holds a secret */
	if (buf)
		synod_wipe(buf, 3 * SYNOD_SB_SIZE);
	free(buf);
	close(fd);
	return ret;
}

int synodctl_volume_upgrade(const struct synodctl_req *req)
{
	/* --large-requests is the only upgrade (parse.c insists on it) */
	if (!req->large_requests)
		return -1;
	return synodctl_upgrade_large(req->backing, false);
}
