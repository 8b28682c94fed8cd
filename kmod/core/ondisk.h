/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synod on-disk superblock, format version 0.
 *
 * Documentation/ondisk.rst describes the layout field by field; this file
 * and that document must agree.  The encoded form is little-endian and is
 * only ever produced and parsed here, byte by byte, so no packed struct of
 * the disk layout exists anywhere: struct synod_sb is the decoded, native
 * form.
 *
 * The superblock is kept in two 4 KiB copies at the start of the backing
 * device.  Each copy carries a sequence number; an update writes the copy
 * that holds the older one, so a torn write can destroy at most one copy
 * and the other still names a complete state.
 */
#ifndef SYNOD_CORE_ONDISK_H
#define SYNOD_CORE_ONDISK_H

#include "env.h"

/* Size of one superblock copy: one page, the largest logical block. */
#define SYNOD_SB_SIZE			4096u
/* Number of superblock copies, at byte offsets SYNOD_SB_OFFSET(i). */
#define SYNOD_SB_COPIES			2u
#define SYNOD_SB_OFFSET(i)		((u64)(i) * SYNOD_SB_SIZE)

/* The 8 bytes at offset 0 of every copy. */
#define SYNOD_SB_MAGIC			"SYNODVOL"
#define SYNOD_SB_MAGIC_LEN		8u

/* The only format this code reads and writes. */
#define SYNOD_SB_FORMAT_V0		0u

/*
 * Layout chosen at volume creation: the data area starts 1 MiB in, which
 * leaves room for the superblock copies and, from a later format version,
 * the journal ring; it is aligned for any logical block size.  A backing
 * device must hold the reserved area and at least 1 MiB of data.
 */
#define SYNOD_DATA_OFFSET_BYTES		(1024u * 1024u)
#define SYNOD_DATA_ALIGN_BYTES		4096u
#define SYNOD_BACKING_MIN_BYTES		(2u * 1024u * 1024u)

/* Decoded superblock.  Fields marked v0: 0 are reserved and zero in v0. */
struct synod_sb {
	u32 format;		/* on-disk format version */
	u32 flags;		/* incompatible feature flags; none in v0 */
	u64 seq;		/* sequence number; higher copy wins */
	u8 uuid[16];		/* volume UUID, the same on every replica */
	u32 block_size;		/* logical block size at creation, bytes */
	u32 node_id;		/* this replica's node id (v0: 0) */
	u64 data_offset;	/* first byte of the data area on the backing */
	u64 data_size;		/* bytes of the data area = disk capacity */
	u64 backing_size;	/* backing device size at creation, bytes */
	u64 epoch;		/* membership epoch (v0: 0) */
	u64 promised_round;	/* highest promised ballot, round (v0: 0) */
	u32 promised_node;	/* highest promised ballot, node (v0: 0) */
	u64 journal_offset;	/* journal ring start, bytes (v0: 0) */
	u64 journal_size;	/* journal ring size, bytes (v0: 0) */
	u64 applied_index;	/* last slot applied to the data area (v0: 0) */
};

/* Result of checking a superblock; 0 means usable. */
enum synod_sb_status {
	SYNOD_SB_OK = 0,
	SYNOD_SB_NO_MAGIC,	/* not a synod superblock at all */
	SYNOD_SB_BAD_CSUM,	/* magic present, checksum fails: corrupt */
	SYNOD_SB_BAD_VERSION,	/* intact, but a format this code can't read */
	SYNOD_SB_BAD_FLAGS,	/* intact, but unknown incompatible features */
	SYNOD_SB_BAD_SIZES,	/* intact, but the layout is impossible */
	SYNOD_SB_TOO_SMALL,	/* the layout does not fit the backing device */
};

/* A short English description of @status, for logs and netlink errors. */
const char *synod_sb_status_str(enum synod_sb_status status);

/*
 * Fill @sb for a new volume on a backing device of @backing_bytes with
 * logical blocks of @block_size bytes: format v0, sequence 1, the default
 * layout, every reserved field zero.  Returns SYNOD_SB_TOO_SMALL if the
 * device cannot hold it, SYNOD_SB_BAD_SIZES for an impossible block size.
 */
enum synod_sb_status synod_sb_init(struct synod_sb *sb, const u8 uuid[16],
				   u64 backing_bytes, u32 block_size);

/* Encode @sb into @buf (SYNOD_SB_SIZE bytes), checksum included. */
void synod_sb_encode(const struct synod_sb *sb, u8 *buf);

/* Decode and check one copy of SYNOD_SB_SIZE bytes at @buf. */
enum synod_sb_status synod_sb_decode(const u8 *buf, struct synod_sb *sb);

/* Check that a decoded layout fits a backing device as it is now. */
enum synod_sb_status synod_sb_check_fit(const struct synod_sb *sb,
					u64 backing_bytes, u32 block_size);

/*
 * Choose the current superblock from the two copies: the valid copy with
 * the highest sequence number (copy 0 on a tie).  On success stores it in
 * @sb and its index in @which.  If neither copy is valid, returns the most
 * telling reason: an unreadable version or feature set over corruption,
 * corruption over a missing magic (which means "not ours").
 */
enum synod_sb_status synod_sb_select(const u8 *copy0, const u8 *copy1,
				     struct synod_sb *sb, u32 *which);

/* The copy to overwrite when writing sequence number @seq. */
static inline u32 synod_sb_copy_for_seq(u64 seq)
{
	return (u32)(seq % SYNOD_SB_COPIES);
}

#endif /* SYNOD_CORE_ONDISK_H */
