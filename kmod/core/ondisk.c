// SPDX-License-Identifier: GPL-2.0
/*
 * Encoding, decoding and selection of the synod superblock (format v0).
 *
 * Pure code: no I/O, no allocation.  The glue reads the two copies from
 * the backing device into buffers, calls synod_sb_select(), and writes
 * what synod_sb_encode() produced.  Every value read from disk is treated
 * as hostile: nothing is trusted before the magic and checksum match, and
 * the layout is checked before anyone computes an offset from it.
 */
#include "ondisk.h"
#include "crc32c.h"

/*
 * Byte offsets inside one copy.  Magic, format and the checksum at the
 * very end keep their places in every future format version, so that any
 * version can tell "corrupt" from "newer than me".
 */
#define OFF_MAGIC		0x000	/* u8[8]  SYNOD_SB_MAGIC */
#define OFF_FORMAT		0x008	/* le32   format version */
#define OFF_FLAGS		0x00c	/* le32   incompatible features */
#define OFF_SEQ			0x010	/* le64   sequence number */
#define OFF_UUID		0x018	/* u8[16] volume UUID */
#define OFF_SB_SIZE		0x028	/* le32   size of this copy */
#define OFF_BLOCK_SIZE		0x02c	/* le32   logical block size */
#define OFF_DATA_OFFSET		0x030	/* le64   data area start, bytes */
#define OFF_DATA_SIZE		0x038	/* le64   data area size, bytes */
#define OFF_BACKING_SIZE	0x040	/* le64   backing size at creation */
#define OFF_NODE_ID		0x048	/* le32   node id (v0: 0) */
#define OFF_PROMISED_NODE	0x04c	/* le32   promised ballot node (v0: 0) */
#define OFF_EPOCH		0x050	/* le64   membership epoch (v0: 0) */
#define OFF_PROMISED_ROUND	0x058	/* le64   promised ballot round (v0: 0) */
#define OFF_JOURNAL_OFFSET	0x060	/* le64   journal start (v0: 0) */
#define OFF_JOURNAL_SIZE	0x068	/* le64   journal size (v0: 0) */
#define OFF_APPLIED_INDEX	0x070	/* le64   applied index (v0: 0) */
#define OFF_END_OF_FIELDS	0x078	/* zero from here up to the checksum */
#define OFF_CSUM		(SYNOD_SB_SIZE - 4)	/* le32 crc32c */

const char *synod_sb_status_str(enum synod_sb_status status)
{
	switch (status) {
	case SYNOD_SB_OK:
		return "valid";
	case SYNOD_SB_NO_MAGIC:
		return "no synod superblock";
	case SYNOD_SB_BAD_CSUM:
		return "superblock checksum mismatch";
	case SYNOD_SB_BAD_VERSION:
		return "unsupported on-disk format version";
	case SYNOD_SB_BAD_FLAGS:
		return "unsupported on-disk feature flags";
	case SYNOD_SB_BAD_SIZES:
		return "invalid superblock layout";
	case SYNOD_SB_TOO_SMALL:
		return "backing device too small";
	}
	return "unknown superblock status";
}

/* A logical block size we can lay out on: a power of two, 512..4096. */
static bool block_size_ok(u32 block_size)
{
	return block_size >= 512 && block_size <= SYNOD_DATA_ALIGN_BYTES &&
	       (block_size & (block_size - 1)) == 0;
}

enum synod_sb_status synod_sb_init(struct synod_sb *sb, const u8 uuid[16],
				   u64 backing_bytes, u32 block_size)
{
	u64 data_bytes;

	synod_memset(sb, 0, sizeof(*sb));
	if (!block_size_ok(block_size))
		return SYNOD_SB_BAD_SIZES;
	if (backing_bytes < SYNOD_BACKING_MIN_BYTES)
		return SYNOD_SB_TOO_SMALL;

	data_bytes = backing_bytes - SYNOD_DATA_OFFSET_BYTES;
	data_bytes -= data_bytes % SYNOD_DATA_ALIGN_BYTES;

	sb->format = SYNOD_SB_FORMAT_V0;
	sb->seq = 1;
	synod_memcpy(sb->uuid, uuid, sizeof(sb->uuid));
	sb->block_size = block_size;
	sb->data_offset = SYNOD_DATA_OFFSET_BYTES;
	sb->data_size = data_bytes;
	sb->backing_size = backing_bytes;

	synod_assert(sb->data_size >= SYNOD_BACKING_MIN_BYTES -
				      SYNOD_DATA_OFFSET_BYTES);
	synod_assert(sb->data_offset + sb->data_size <= backing_bytes);
	return SYNOD_SB_OK;
}

void synod_sb_encode(const struct synod_sb *sb, u8 *buf)
{
	synod_assert(sb->format == SYNOD_SB_FORMAT_V0);
	synod_assert(sb->seq != 0);

	synod_memset(buf, 0, SYNOD_SB_SIZE);
	synod_memcpy(buf + OFF_MAGIC, SYNOD_SB_MAGIC, SYNOD_SB_MAGIC_LEN);
	synod_put_le32(buf + OFF_FORMAT, sb->format);
	synod_put_le32(buf + OFF_FLAGS, sb->flags);
	synod_put_le64(buf + OFF_SEQ, sb->seq);
	synod_memcpy(buf + OFF_UUID, sb->uuid, sizeof(sb->uuid));
	synod_put_le32(buf + OFF_SB_SIZE, SYNOD_SB_SIZE);
	synod_put_le32(buf + OFF_BLOCK_SIZE, sb->block_size);
	synod_put_le64(buf + OFF_DATA_OFFSET, sb->data_offset);
	synod_put_le64(buf + OFF_DATA_SIZE, sb->data_size);
	synod_put_le64(buf + OFF_BACKING_SIZE, sb->backing_size);
	synod_put_le32(buf + OFF_NODE_ID, sb->node_id);
	synod_put_le32(buf + OFF_PROMISED_NODE, sb->promised_node);
	synod_put_le64(buf + OFF_EPOCH, sb->epoch);
	synod_put_le64(buf + OFF_PROMISED_ROUND, sb->promised_round);
	synod_put_le64(buf + OFF_JOURNAL_OFFSET, sb->journal_offset);
	synod_put_le64(buf + OFF_JOURNAL_SIZE, sb->journal_size);
	synod_put_le64(buf + OFF_APPLIED_INDEX, sb->applied_index);
	synod_put_le32(buf + OFF_CSUM, synod_crc32c(0, buf, OFF_CSUM));
}

/*
 * The layout must be possible on its own terms before the glue derives
 * sector numbers from it: block size sane, the data area after both
 * superblock copies, aligned, non-empty, without overflow, and inside the
 * device the volume was created on.
 */
static enum synod_sb_status check_layout(const u8 *buf,
					 const struct synod_sb *sb)
{
	u64 end;

	if (synod_get_le32(buf + OFF_SB_SIZE) != SYNOD_SB_SIZE)
		return SYNOD_SB_BAD_SIZES;
	if (!block_size_ok(sb->block_size))
		return SYNOD_SB_BAD_SIZES;
	if (sb->data_offset < SYNOD_SB_COPIES * SYNOD_SB_SIZE ||
	    sb->data_offset % SYNOD_DATA_ALIGN_BYTES)
		return SYNOD_SB_BAD_SIZES;
	if (!sb->data_size || sb->data_size % SYNOD_DATA_ALIGN_BYTES)
		return SYNOD_SB_BAD_SIZES;
	end = sb->data_offset + sb->data_size;
	if (end < sb->data_offset || end > sb->backing_size)
		return SYNOD_SB_BAD_SIZES;
	return SYNOD_SB_OK;
}

enum synod_sb_status synod_sb_decode(const u8 *buf, struct synod_sb *sb)
{
	synod_memset(sb, 0, sizeof(*sb));
	if (synod_memcmp(buf + OFF_MAGIC, SYNOD_SB_MAGIC, SYNOD_SB_MAGIC_LEN))
		return SYNOD_SB_NO_MAGIC;
	if (synod_crc32c(0, buf, OFF_CSUM) != synod_get_le32(buf + OFF_CSUM))
		return SYNOD_SB_BAD_CSUM;

	sb->format = synod_get_le32(buf + OFF_FORMAT);
	if (sb->format != SYNOD_SB_FORMAT_V0)
		return SYNOD_SB_BAD_VERSION;
	sb->flags = synod_get_le32(buf + OFF_FLAGS);
	if (sb->flags)
		return SYNOD_SB_BAD_FLAGS;

	sb->seq = synod_get_le64(buf + OFF_SEQ);
	synod_memcpy(sb->uuid, buf + OFF_UUID, sizeof(sb->uuid));
	sb->block_size = synod_get_le32(buf + OFF_BLOCK_SIZE);
	sb->data_offset = synod_get_le64(buf + OFF_DATA_OFFSET);
	sb->data_size = synod_get_le64(buf + OFF_DATA_SIZE);
	sb->backing_size = synod_get_le64(buf + OFF_BACKING_SIZE);
	sb->node_id = synod_get_le32(buf + OFF_NODE_ID);
	sb->promised_node = synod_get_le32(buf + OFF_PROMISED_NODE);
	sb->epoch = synod_get_le64(buf + OFF_EPOCH);
	sb->promised_round = synod_get_le64(buf + OFF_PROMISED_ROUND);
	sb->journal_offset = synod_get_le64(buf + OFF_JOURNAL_OFFSET);
	sb->journal_size = synod_get_le64(buf + OFF_JOURNAL_SIZE);
	sb->applied_index = synod_get_le64(buf + OFF_APPLIED_INDEX);
	if (!sb->seq)
		return SYNOD_SB_BAD_SIZES;
	return check_layout(buf, sb);
}

enum synod_sb_status synod_sb_check_fit(const struct synod_sb *sb,
					u64 backing_bytes, u32 block_size)
{
	synod_assert(sb->data_offset + sb->data_size >= sb->data_offset);

	if (!block_size_ok(block_size) ||
	    sb->data_offset % block_size || sb->data_size % block_size)
		return SYNOD_SB_BAD_SIZES;
	if (sb->data_offset + sb->data_size > backing_bytes)
		return SYNOD_SB_TOO_SMALL;
	return SYNOD_SB_OK;
}

/* Rank of a failure when no copy is usable: higher is more telling. */
static int failure_rank(enum synod_sb_status status)
{
	switch (status) {
	case SYNOD_SB_BAD_VERSION:
	case SYNOD_SB_BAD_FLAGS:
		return 3;
	case SYNOD_SB_BAD_SIZES:
		return 2;
	case SYNOD_SB_BAD_CSUM:
		return 1;
	default:
		return 0;
	}
}

enum synod_sb_status synod_sb_select(const u8 *copy0, const u8 *copy1,
				     struct synod_sb *sb, u32 *which)
{
	struct synod_sb s0, s1;
	enum synod_sb_status st0, st1;

	st0 = synod_sb_decode(copy0, &s0);
	st1 = synod_sb_decode(copy1, &s1);

	if (st0 == SYNOD_SB_OK && (st1 != SYNOD_SB_OK || s0.seq >= s1.seq)) {
		*sb = s0;
		*which = 0;
		return SYNOD_SB_OK;
	}
	if (st1 == SYNOD_SB_OK) {
		*sb = s1;
		*which = 1;
		return SYNOD_SB_OK;
	}
	synod_memset(sb, 0, sizeof(*sb));
	return failure_rank(st0) >= failure_rank(st1) ? st0 : st1;
}
