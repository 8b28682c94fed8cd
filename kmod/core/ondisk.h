/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synod on-disk superblock, format versions 0, 1 and 2.
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
 *
 * Format 0 describes a single-replica volume: no journal, the replication
 * fields zero.  Format 1 describes one replica of a replicated volume: its
 * cluster, node id, membership, peers, secret, promised ballot, applied
 * index and the journal ring (kmod/core/jrec.h) between the superblock
 * copies and the data area.  Format 2 is format 1 with a fingerprint of
 * the shared secret where format 1 kept the secret itself: whoever reads
 * the disk (a stolen disk, a backup, a decommissioned drive) must not
 * learn the key that authenticates the cluster.  New replicated volumes
 * were format 2 until 2026-12; format 1 is still read (and encoded, for
 * tests), and attach converts it to format 2 (kmod/secret.c).  Format 3
 * is format 2 whose journal holds format 3 records: a ring of header
 * slots, each with room for a small record's payloads, and after it a
 * payload ring for the larger ones (core/jrec.h), so that a group of
 * records is one write.  New replicated volumes are format 3; formats 1
 * and 2 keep their format 1 records.
 */
#ifndef SYNOD_CORE_ONDISK_H
#define SYNOD_CORE_ONDISK_H

#include "env.h"
#include "jrec.h"
#include "wire.h"

/* Size of one superblock copy: one page, the largest logical block. */
#define SYNOD_SB_SIZE			4096u
/* Number of superblock copies, at byte offsets SYNOD_SB_OFFSET(i). */
#define SYNOD_SB_COPIES			2u
#define SYNOD_SB_OFFSET(i)		((u64)(i) * SYNOD_SB_SIZE)

/* The 8 bytes at offset 0 of every copy. */
#define SYNOD_SB_MAGIC			"SYNODVOL"
#define SYNOD_SB_MAGIC_LEN		8u

/* The formats this code reads and writes. */
#define SYNOD_SB_FORMAT_V0		0u	/* single replica */
#define SYNOD_SB_FORMAT_V1		1u	/* replicated, secret stored */
#define SYNOD_SB_FORMAT_V2		2u	/* replicated, secret fingerprint */
#define SYNOD_SB_FORMAT_V3		3u	/* v2, journal records format 3 */

/*
 * Layout chosen at volume creation: the data area starts 1 MiB in, which
 * leaves room for the superblock copies and, from a later format version,
 * the journal ring; it is aligned for any logical block size.  A backing
 * device must hold the reserved area and at least 1 MiB of data.
 */
#define SYNOD_DATA_OFFSET_BYTES		(1024u * 1024u)
#define SYNOD_DATA_ALIGN_BYTES		4096u
#define SYNOD_BACKING_MIN_BYTES		(2u * 1024u * 1024u)

/*
 * Layout of a new replicated volume (formats 1 and 2): the journal ring at
 * 1 MiB, then the data area from the next 1 MiB boundary, with at least
 * 1 MiB of data.
 */
#define SYNOD_JOURNAL_OFFSET_BYTES	(1024u * 1024u)
#define SYNOD_DATA_ALIGN_V1_BYTES	(1024u * 1024u)
#define SYNOD_DATA_MIN_BYTES		(1024u * 1024u)
/*
 * Bounds a decoder accepts for the number of journal records: more than
 * one batch of the writer (SYNOD_JOURNAL_BATCH, 16), which a crash could
 * otherwise tear whole, leaving recovery unable to tell it from damage.
 */
#define SYNOD_JOURNAL_RECORDS_MIN	17u
#define SYNOD_JOURNAL_RECORDS_MAX	65536u

/* Bytes of the cluster name field; the name is NUL padded. */
#define SYNOD_SB_CLUSTER_LEN		32u
/* Entries of the peer address table, indexed by node id. */
#define SYNOD_SB_PEERS			SYNOD_NODES_MAX
/* Largest shared secret (format 1 stored it). */
#define SYNOD_SB_SECRET_MAX		64u
/* Bytes of the secret's fingerprint (format 2): HMAC-SHA256. */
#define SYNOD_SB_FP_LEN			32u

/* Address families as stored: Linux's AF_INET and AF_INET6 values. */
#define SYNOD_SB_AF_UNUSED		0u
#define SYNOD_SB_AF_INET		2u
#define SYNOD_SB_AF_INET6		10u

/*
 * Incompatible flags.  Formats 1 to 3: RESYNC marks the data area suspect
 * while a state transfer runs (kmod/resync.h); a reader that does not know
 * it must not attach, since it would serve that data.  Format 3 only:
 * LARGE, the journal may hold payloads of up to SYNOD_PAYLOAD_MAX_LARGE
 * (core/jrec.h), which a reader bounded by SYNOD_PAYLOAD_MAX would take
 * for damage; so one that does not know the bit refuses the disk
 * (SYNOD_SB_BAD_FLAGS), as every module before it does.  Its payload
 * ring holds at least SYNOD_PRING_MIN_LARGE.
 */
#define SYNOD_SB_FLAG_RESYNC		0x1u
#define SYNOD_SB_FLAG_LARGE		0x2u
#define SYNOD_SB_FLAGS_V1		SYNOD_SB_FLAG_RESYNC
#define SYNOD_SB_FLAGS_V3		(SYNOD_SB_FLAG_RESYNC | SYNOD_SB_FLAG_LARGE)

/* Format 1 and 2 option bits (behaviour, not layout). */
#define SYNOD_SB_OPT_AUTO_PROMOTE	0x1u	/* open for write promotes */
#define SYNOD_SB_OPT_ALL		0x1u

/*
 * A network address as stored, without the kernel's sockaddr: the glue
 * converts.  An unused entry is all zero.
 */
struct synod_sb_addr {
	u16 family;	/* SYNOD_SB_AF_*: 0 unused, 2 IPv4, 10 IPv6 */
	u16 port;	/* host order */
	u8 addr[16];	/* network order; IPv4 in [0..3], rest zero */
};

/*
 * Decoded superblock.  Fields marked "v0: 0" are reserved and zero in
 * format 0; fields marked "v1" exist in formats 1 and 2 (replicated) and
 * are zero after decoding a format 0 copy; "v1 only" and "v2 only" fields
 * are zero in the other formats.
 */
struct synod_sb {
	u32 format;		/* on-disk format version */
	u32 flags;		/* incompatible: none in v0, v1 RESYNC, v3 LARGE */
	u64 seq;		/* sequence number; higher copy wins */
	u8 uuid[16];		/* made at create; each replica its own */
	u32 block_size;		/* logical block size at creation, bytes */
	u32 node_id;		/* this replica's node id (v0: 0) */
	u64 data_offset;	/* first byte of the data area on the backing */
	u64 data_size;		/* bytes of the data area = disk capacity */
	u64 backing_size;	/* backing device size at creation, bytes */
	/* membership epoch (v0: 0); v1: cfg.epoch, set by decode only */
	u64 epoch;
	u64 promised_round;	/* promised ballot round (v0: 0; v1: unused) */
	u32 promised_node;	/* promised ballot node (v0: 0; v1: unused) */
	u64 journal_offset;	/* journal ring start, bytes (v0: 0) */
	u64 journal_size;	/* journal ring size, bytes (v0: 0) */
	u64 applied_index;	/* last slot applied to the data area (v0: 0) */
	/* format 1 only */
	u64 promised_ballot;	/* v1: highest ballot promised, round<<8|node */
	u32 jrec_size;		/* v1: bytes per journal record */
	u32 jrec_count;		/* v1: records in the ring */
	/* v1: cluster name; NUL terminated in memory, NUL padded on disk */
	char cluster[SYNOD_SB_CLUSTER_LEN + 1];
	struct synod_config cfg;	/* v1: membership at applied_index */
	u32 on_no_quorum;	/* v1: enum synod_on_no_quorum (uapi) */
	u32 opts;		/* v1: SYNOD_SB_OPT_* */
	struct synod_sb_addr listen;	/* v1: where peers reach this node */
	struct synod_sb_addr peer[SYNOD_SB_PEERS];	/* v1: by node id */
	/*
	 * v1 only: the shared secret format 1 stored, decoded so that attach
	 * can check the secret it is given and convert the copy to format 2;
	 * whoever holds a decoded format 1 copy wipes these when done.
	 */
	u32 secret_len;
	u8 secret[SYNOD_SB_SECRET_MAX];
	/* v2 only: fingerprint of the secret, see synod_secret_fingerprint() */
	u8 secret_fp[SYNOD_SB_FP_LEN];
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
	SYNOD_SB_SMALL_PRING,	/* LARGE, but its payload ring is too small */
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

/*
 * Fill @sb for a new replicated volume: format v3, sequence 1, the
 * superblock copies at 0 and 4 KiB, a ring of SYNOD_JOURNAL_RECORDS
 * header slots of SYNOD_JREC3_SLOT bytes at 1 MiB and a payload ring of
 * SYNOD_PRING_BYTES after it, the data area from the next 1 MiB boundary
 * after them to the end of the device (whole 4 KiB blocks).
 * Everything else (cluster, node, membership, peers, secret fingerprint)
 * is zero for the caller to fill.  Returns SYNOD_SB_TOO_SMALL if the
 * device cannot hold the journal and 1 MiB of data, SYNOD_SB_BAD_SIZES
 * for an impossible block size.
 */
enum synod_sb_status synod_sb_init_repl(struct synod_sb *sb, const u8 uuid[16],
					u64 backing_bytes, u32 block_size);

/* Formats 1, 2 and 3: a replica of a replicated volume. */
static inline bool synod_sb_is_repl(const struct synod_sb *sb)
{
	return sb->format == SYNOD_SB_FORMAT_V1 ||
	       sb->format == SYNOD_SB_FORMAT_V2 ||
	       sb->format == SYNOD_SB_FORMAT_V3;
}

/* The format of the records in @sb's journal: 3 in format 3, else 1. */
static inline u32 synod_sb_jrec_format(const struct synod_sb *sb)
{
	return sb->format == SYNOD_SB_FORMAT_V3 ? SYNOD_JREC_FORMAT_V3 :
						  SYNOD_JREC_FORMAT_V1;
}

/*
 * Bytes of the payload ring, which follows the header slots in the
 * journal (format 3); 0 in the other formats, where every record holds
 * its payloads in its own slot.
 */
static inline u64 synod_sb_pring_size(const struct synod_sb *sb)
{
	if (sb->format != SYNOD_SB_FORMAT_V3)
		return 0;
	return sb->journal_size - (u64)sb->jrec_size * sb->jrec_count;
}

/*
 * The largest payload of one write @sb's journal may hold (paymax of
 * core/jrec.h): 1 MiB with LARGE (format 3 only, decode checks), else
 * 16 KiB.
 */
static inline u32 synod_sb_paymax(const struct synod_sb *sb)
{
	/* a decoded or newly made superblock: decode refuses the others */
	synod_assert(!(sb->flags & ~SYNOD_SB_FLAGS_V3));
	synod_assert(!(sb->flags & SYNOD_SB_FLAG_LARGE) ||
		     sb->format == SYNOD_SB_FORMAT_V3);
	return sb->flags & SYNOD_SB_FLAG_LARGE ? SYNOD_PAYLOAD_MAX_LARGE :
						 SYNOD_PAYLOAD_MAX;
}

/*
 * Smallest backing device a new volume of @format can be created on:
 * SYNOD_BACKING_MIN_BYTES for v0, the journal plus 1 MiB of data for the
 * replicated formats.
 */
u64 synod_sb_min_bytes(u32 format);

/*
 * Encode @sb into @buf (SYNOD_SB_SIZE bytes), checksum included.  Any of
 * the three formats; the module writes only 0 and 2 (format 1 is there
 * to make old images in tests).  @buf holds a v1 secret afterwards: wipe
 * it when done.
 */
void synod_sb_encode(const struct synod_sb *sb, u8 *buf);

/* Decode and check one copy of SYNOD_SB_SIZE bytes at @buf. */
enum synod_sb_status synod_sb_decode(const u8 *buf, struct synod_sb *sb);

/*
 * Whether @buf (SYNOD_SB_SIZE bytes) is a copy some version of synod
 * wrote, whatever its format: the magic and a matching checksum.  If so,
 * stores its sequence number in *@seq, unchecked.  Unlike
 * synod_sb_decode(), a copy from a newer format or with unknown flags
 * counts: create ranks an old volume's copies with it (which one is
 * current) before it zeroes them, and must rank a newer module's copies
 * as that module would.  Magic, seq and checksum keep their places in
 * every format (Documentation/ondisk.rst).
 */
bool synod_sb_peek_seq(const u8 *buf, u64 *seq);

/* Check that a decoded layout fits a backing device as it is now. */
enum synod_sb_status synod_sb_check_fit(const struct synod_sb *sb,
					u64 backing_bytes, u32 block_size);

/*
 * Choose the current superblock from the two copies: the valid copy with
 * the highest sequence number (copy 0 on a tie).  On success stores it in
 * @sb and its index in @which.  If neither copy is valid, returns the most
 * telling reason: an unreadable version or feature set over corruption,
 * corruption over a missing magic (which means "not ours").  Its own
 * decoded copies are wiped: a format 1 copy holds the secret.
 */
enum synod_sb_status synod_sb_select(const u8 *copy0, const u8 *copy1,
				     struct synod_sb *sb, u32 *which);

/* The copy to overwrite when writing sequence number @seq. */
static inline u32 synod_sb_copy_for_seq(u64 seq)
{
	return (u32)(seq % SYNOD_SB_COPIES);
}

#endif /* SYNOD_CORE_ONDISK_H */
