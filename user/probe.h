/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synodctl's probe of a backing device before volume create (probe.c):
 * a synod superblock, or what libblkid finds.
 */
#ifndef SYNODCTL_PROBE_H
#define SYNODCTL_PROBE_H

#include <stddef.h>
#include <stdint.h>

enum synodctl_found_kind {
	SYNODCTL_FOUND_NOTHING,
	SYNODCTL_FOUND_SYNOD,		/* our magic in copy 0 or 1 */
	SYNODCTL_FOUND_SIGNATURE,	/* filesystem, RAID, crypto, swap... */
	SYNODCTL_FOUND_PTABLE,		/* a partition table */
	SYNODCTL_FOUND_AMBIGUOUS,	/* libblkid: more than one */
};

struct synodctl_found {
	enum synodctl_found_kind kind;
	char type[32];		/* "synod", libblkid's TYPE or PTTYPE */
	char usage[16];		/* libblkid's USAGE ("filesystem", ...) */
	char uuid[64];		/* UUID or PTUUID, "" if none */
	uint32_t format;	/* synod: the superblock's format version */
};

/*
 * A synod superblock in the first @len bytes of a device (magic at 0 or
 * 4096, intact or not)?  1 and *f filled if so, else 0.  Pure.
 */
int synodctl_probe_synod(const uint8_t *buf, size_t len,
			 struct synodctl_found *f);

/*
 * Probe what @fd (a device or an image file) holds: a synod superblock,
 * then libblkid's superblocks and partition tables.  0 with f->kind
 * saying what was found; -errno of a failed read, -EIO if libblkid
 * failed.
 */
int synodctl_probe_fd(int fd, struct synodctl_found *f);

/*
 * Probe block device @dev.  0 with f->kind saying what was found
 * (SYNODCTL_FOUND_NOTHING: nothing); -errno if it could not be probed:
 * -EBUSY (mounted or claimed), -ENOENT, -ENOTBLK (not a block device)
 * and the like, which the kernel reports better; -EIO if libblkid
 * failed.
 */
int synodctl_probe(const char *dev, struct synodctl_found *f);

/* "found ext4 filesystem (UUID ...) on DEV; use --force to overwrite" */
void synodctl_found_describe(const struct synodctl_found *f, const char *dev,
			     char *buf, size_t len);

#endif /* SYNODCTL_PROBE_H */
