// SPDX-License-Identifier: GPL-2.0
/*
 * What is on a backing device before `volume create` overwrites it: a
 * synod superblock (probed here, from the first sectors: libblkid is not
 * taught about synod), or whatever libblkid recognises, a filesystem, a
 * RAID or LVM member, an encrypted volume, a partition table.  create
 * refuses such a device unless --force (volume.c), as mkfs does.
 *
 * The kernel does not probe: it is told to format, and formats.  The
 * probe is advice to the administrator, raced by anything that writes
 * the device between it and the create, like mkfs's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <blkid.h>

#include "probe.h"
#include "lib/util.h"

#define SB_MAGIC	"SYNODVOL"	/* Documentation/ondisk.rst */
#define SB_COPY_SIZE	4096u
#define SB_OFF_FORMAT	0x008u
#define SB_OFF_UUID	0x018u

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

int synodctl_probe_synod(const uint8_t *buf, size_t len,
			 struct synodctl_found *f)
{
	size_t off;

	for (off = 0; off + SB_COPY_SIZE <= len && off < 2 * SB_COPY_SIZE;
	     off += SB_COPY_SIZE) {
		if (memcmp(buf + off, SB_MAGIC, strlen(SB_MAGIC)))
			continue;
		memset(f, 0, sizeof(*f));
		f->kind = SYNODCTL_FOUND_SYNOD;
		snprintf(f->type, sizeof(f->type), "synod");
		f->format = le32(buf + off + SB_OFF_FORMAT);
		synod_uuid_format(buf + off + SB_OFF_UUID, f->uuid);
		return 1;
	}
	return 0;
}

/* One value libblkid found, or "" (values are NUL terminated). */
static void blkid_value(blkid_probe pr, const char *name, char *out,
			size_t len)
{
	const char *v = NULL;

	out[0] = '\0';
	if (!blkid_probe_lookup_value(pr, name, &v, NULL) && v)
		snprintf(out, len, "%s", v);
}

/* libblkid's superblock and partition table probes on the open @fd. */
static int probe_blkid(int fd, struct synodctl_found *f)
{
	blkid_probe pr = blkid_new_probe();
	int ret;

	if (!pr)
		return -ENOMEM;
	ret = blkid_probe_set_device(pr, fd, 0, 0);
	if (!ret) {
		blkid_probe_enable_superblocks(pr, 1);
		blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE |
						  BLKID_SUBLKS_UUID |
						  BLKID_SUBLKS_USAGE);
		blkid_probe_enable_partitions(pr, 1);
		blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
		ret = blkid_do_safeprobe(pr);
	}
	if (ret == -2) {
		f->kind = SYNODCTL_FOUND_AMBIGUOUS;
		ret = 0;
	} else if (ret == 0) {
		blkid_value(pr, "PTTYPE", f->type, sizeof(f->type));
		if (f->type[0]) {
			f->kind = SYNODCTL_FOUND_PTABLE;
			blkid_value(pr, "PTUUID", f->uuid, sizeof(f->uuid));
		} else {
			f->kind = SYNODCTL_FOUND_SIGNATURE;
			blkid_value(pr, "TYPE", f->type, sizeof(f->type));
			blkid_value(pr, "USAGE", f->usage, sizeof(f->usage));
			blkid_value(pr, "UUID", f->uuid, sizeof(f->uuid));
		}
	} else if (ret == 1) {
		ret = 0;	/* nothing */
	} else {
		ret = -EIO;
	}
	blkid_free_probe(pr);
	return ret;
}

int synodctl_probe_fd(int fd, struct synodctl_found *f)
{
	uint8_t buf[2 * SB_COPY_SIZE];
	ssize_t n;

	memset(f, 0, sizeof(*f));
	n = pread(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	if (synodctl_probe_synod(buf, (size_t)n, f))
		return 0;
	return probe_blkid(fd, f);
}

int synodctl_probe(const char *dev, struct synodctl_found *f)
{
	struct stat st;
	int fd, ret;

	memset(f, 0, sizeof(*f));
	/* O_EXCL: a mounted or claimed device is busy; the kernel says so. */
	fd = open(dev, O_RDONLY | O_EXCL | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISBLK(st.st_mode))
		ret = -ENOTBLK;
	else
		ret = synodctl_probe_fd(fd, f);
	close(fd);
	return ret;
}

/* How libblkid's USAGE reads in a sentence. */
static const char *usage_noun(const char *usage)
{
	if (!strcmp(usage, "filesystem"))
		return "filesystem";
	if (!strcmp(usage, "raid"))
		return "RAID/LVM member";
	if (!strcmp(usage, "crypto"))
		return "encrypted volume";
	return "signature";
}

void synodctl_found_describe(const struct synodctl_found *f, const char *dev,
			     char *buf, size_t len)
{
	char uuid[sizeof(f->uuid) + 8] = "";

	if (f->uuid[0])
		snprintf(uuid, sizeof(uuid), " (UUID %s)", f->uuid);
	switch (f->kind) {
	case SYNODCTL_FOUND_SYNOD:
		snprintf(buf, len, "found a synod superblock (format %u%s%s) on %s; use --force to overwrite",
			 f->format, f->uuid[0] ? ", UUID " : "", f->uuid, dev);
		break;
	case SYNODCTL_FOUND_SIGNATURE:
		snprintf(buf, len, "found %s %s%s on %s; use --force to overwrite",
			 f->type[0] ? f->type : "an unknown", usage_noun(f->usage),
			 uuid, dev);
		break;
	case SYNODCTL_FOUND_PTABLE:
		snprintf(buf, len, "found a %s partition table%s on %s; use --force to overwrite",
			 f->type, uuid, dev);
		break;
	case SYNODCTL_FOUND_AMBIGUOUS:
		snprintf(buf, len, "found signatures of more than one kind on %s (see wipefs %s); use --force to overwrite",
			 dev, dev);
		break;
	default:
		snprintf(buf, len, "found nothing on %s", dev);
		break;
	}
}
