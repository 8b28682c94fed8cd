// SPDX-License-Identifier: GPL-2.0
/*
 * Encoding, decoding and selection of the synod superblock (formats 0,
 * 1, 2 and 3).
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
 * Byte offsets inside one copy.  Magic, format, seq and the checksum at
 * the very end keep their places in every future format version, so that
 * any version can tell "corrupt" from "newer than me", and rank a newer
 * version's copies (synod_sb_peek_seq()).
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
#define OFF_END_OF_FIELDS	0x078	/* v0: zero from here to the checksum */

/*
 * Format 1 keeps every offset above with one change of meaning: 0x058
 * holds the whole promised ballot (round << 8 | node), 0x04c is zero, and
 * 0x050 holds the membership epoch of cfg (a u32, zero-extended).  Format
 * 2 is format 1 with the secret's fingerprint in the first 32 bytes of
 * the secret field, the length and the rest zero.
 */
#define OFF_PROMISED_BALLOT	0x058	/* le64   v1: promised ballot */
#define OFF_V1_RSVD		0x04c	/* le32   v1: zero */
#define OFF_JREC_SIZE		0x078	/* le32   v1: bytes per record */
#define OFF_JREC_COUNT		0x07c	/* le32   v1: records in the ring */
#define OFF_CLUSTER		0x080	/* u8[32] v1: cluster name, NUL pad */
#define OFF_VOTERS		0x0a0	/* le32   v1: cfg.voters */
#define OFF_LEARNERS		0x0a4	/* le32   v1: cfg.learners */
#define OFF_Q1			0x0a8	/* u8     v1: cfg.q1 */
#define OFF_Q2			0x0a9	/* u8     v1: cfg.q2 */
#define OFF_CFG_RSVD		0x0aa	/* le16   v1: zero */
#define OFF_ON_NO_QUORUM	0x0ac	/* le32   v1: enum synod_on_no_quorum */
#define OFF_OPTS		0x0b0	/* le32   v1: SYNOD_SB_OPT_* */
#define OFF_SECRET_LEN		0x0b4	/* le32   v1: secret bytes used */
#define OFF_SECRET		0x0b8	/* u8[64] v1: secret, zero padded */
#define OFF_SECRET_FP		0x0b8	/* u8[32] v2: fingerprint of it */
#define OFF_LISTEN		0x0f8	/* addr   v1: listen address */
#define OFF_PEERS		0x10c	/* addr[8] v1: peers by node id */
#define ADDR_LEN		20u	/* le16 family, le16 port, u8[16] */
#define OFF_END_OF_FIELDS_V1	(OFF_PEERS + SYNOD_SB_PEERS * ADDR_LEN)
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
		return "invalid superblock layout or field";
	case SYNOD_SB_TOO_SMALL:
		return "backing device too small";
	case SYNOD_SB_SMALL_PRING:
		return "payload ring too small for large requests (LARGE flag)";
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

/*
 * Bytes of the journal of a new replicated volume: format 3's header
 * slots and payload ring (17 MiB, like format 1's ring of 68 KiB slots).
 */
static u64 v3_journal_size(void)
{
	return (u64)SYNOD_JOURNAL_RECORDS * SYNOD_JREC3_SLOT +
	       SYNOD_PRING_BYTES;
}

/* Where a new replicated volume's data area starts: after the journal. */
static u64 v1_data_offset(void)
{
	u64 end = SYNOD_JOURNAL_OFFSET_BYTES + v3_journal_size();

	return (end + SYNOD_DATA_ALIGN_V1_BYTES - 1) /
	       SYNOD_DATA_ALIGN_V1_BYTES * SYNOD_DATA_ALIGN_V1_BYTES;
}

u64 synod_sb_min_bytes(u32 format)
{
	if (format == SYNOD_SB_FORMAT_V0)
		return SYNOD_BACKING_MIN_BYTES;
	return v1_data_offset() + SYNOD_DATA_MIN_BYTES;
}

enum synod_sb_status synod_sb_init_repl(struct synod_sb *sb, const u8 uuid[16],
					u64 backing_bytes, u32 block_size)
{
	u64 data_offset = v1_data_offset();

	synod_memset(sb, 0, sizeof(*sb));
	if (!block_size_ok(block_size))
		return SYNOD_SB_BAD_SIZES;
	if (backing_bytes < synod_sb_min_bytes(SYNOD_SB_FORMAT_V3))
		return SYNOD_SB_TOO_SMALL;

	sb->format = SYNOD_SB_FORMAT_V3;
	sb->seq = 1;
	synod_memcpy(sb->uuid, uuid, sizeof(sb->uuid));
	sb->block_size = block_size;
	sb->data_offset = data_offset;
	sb->data_size = backing_bytes - data_offset;
	sb->data_size -= sb->data_size % SYNOD_DATA_ALIGN_BYTES;
	sb->backing_size = backing_bytes;
	sb->journal_offset = SYNOD_JOURNAL_OFFSET_BYTES;
	sb->jrec_size = SYNOD_JREC3_SLOT;
	sb->jrec_count = SYNOD_JOURNAL_RECORDS;
	sb->journal_size = v3_journal_size();

	synod_assert(synod_sb_pring_size(sb) == SYNOD_PRING_BYTES);
	synod_assert(sb->journal_offset + sb->journal_size <= data_offset);
	synod_assert(sb->data_size >= SYNOD_DATA_MIN_BYTES);
	synod_assert(sb->data_offset + sb->data_size <= backing_bytes);
	return SYNOD_SB_OK;
}

/* One address table entry, 20 bytes at @p. */
static void put_addr(u8 *p, const struct synod_sb_addr *a)
{
	synod_put_le16(p, a->family);
	synod_put_le16(p + 2, a->port);
	synod_memcpy(p + 4, a->addr, sizeof(a->addr));
}

static void get_addr(const u8 *p, struct synod_sb_addr *a)
{
	a->family = synod_get_le16(p);
	a->port = synod_get_le16(p + 2);
	synod_memcpy(a->addr, p + 4, sizeof(a->addr));
}

/*
 * The fields of the replicated formats; the shared prefix is already in
 * @buf.  Format 1 stores the secret, format 2 its fingerprint.
 */
static void encode_v1(const struct synod_sb *sb, u8 *buf)
{
	u32 i, n;

	synod_assert(sb->secret_len <= SYNOD_SB_SECRET_MAX);
	synod_assert(sb->format == SYNOD_SB_FORMAT_V1 || !sb->secret_len);
	synod_put_le32(buf + OFF_V1_RSVD, 0);
	synod_put_le64(buf + OFF_EPOCH, sb->cfg.epoch);
	synod_put_le64(buf + OFF_PROMISED_BALLOT, sb->promised_ballot);
	synod_put_le32(buf + OFF_JREC_SIZE, sb->jrec_size);
	synod_put_le32(buf + OFF_JREC_COUNT, sb->jrec_count);
	for (n = 0; n < SYNOD_SB_CLUSTER_LEN && sb->cluster[n]; n++)
		buf[OFF_CLUSTER + n] = (u8)sb->cluster[n];
	synod_put_le32(buf + OFF_VOTERS, sb->cfg.voters);
	synod_put_le32(buf + OFF_LEARNERS, sb->cfg.learners);
	buf[OFF_Q1] = sb->cfg.q1;
	buf[OFF_Q2] = sb->cfg.q2;
	synod_put_le32(buf + OFF_ON_NO_QUORUM, sb->on_no_quorum);
	synod_put_le32(buf + OFF_OPTS, sb->opts);
	if (sb->format == SYNOD_SB_FORMAT_V1) {
		synod_put_le32(buf + OFF_SECRET_LEN, sb->secret_len);
		synod_memcpy(buf + OFF_SECRET, sb->secret, sb->secret_len);
	} else {
		synod_memcpy(buf + OFF_SECRET_FP, sb->secret_fp,
			     SYNOD_SB_FP_LEN);
	}
	put_addr(buf + OFF_LISTEN, &sb->listen);
	for (i = 0; i < SYNOD_SB_PEERS; i++)
		put_addr(buf + OFF_PEERS + i * ADDR_LEN, &sb->peer[i]);
}

/*
 * The incompatible flags format @format may carry: none in v0, RESYNC in
 * v1 and v2, and LARGE too in v3 (formats 1 and 2 keep every payload in
 * a fixed slot of 4 x 16 KiB: no room for large ones).
 */
static u32 sb_flags_known(u32 format)
{
	u32 known;

	synod_assert(format <= SYNOD_SB_FORMAT_V3);
	if (format == SYNOD_SB_FORMAT_V3)
		known = SYNOD_SB_FLAGS_V3;
	else
		known = format == SYNOD_SB_FORMAT_V0 ? 0u : SYNOD_SB_FLAGS_V1;
	/* LARGE only in format 3: older slots have no room for it */
	synod_assert(format == SYNOD_SB_FORMAT_V3 ||
		     !(known & SYNOD_SB_FLAG_LARGE));
	return known;
}

void synod_sb_encode(const struct synod_sb *sb, u8 *buf)
{
	synod_assert(!(sb->flags & ~sb_flags_known(sb->format)));
	synod_assert(sb->format == SYNOD_SB_FORMAT_V0 || synod_sb_is_repl(sb));
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
	if (synod_sb_is_repl(sb))
		encode_v1(sb, buf);
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

/* Number of bits set in @v. */
static u32 bits(u32 v)
{
	u32 n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/*
 * A membership the replica can act on: voters and learners disjoint node
 * sets, quorums that intersect (q1 + q2 > voters).  All zero means "not
 * known yet" (a replica that learns its configuration from the log).
 */
static bool config_ok(const struct synod_config *c)
{
	u32 n = bits(c->voters);
	u32 nodes = (1u << SYNOD_NODES_MAX) - 1;

	if (!c->voters && !c->learners && !c->q1 && !c->q2)
		return true;
	if (!n || (c->voters & ~nodes) || (c->learners & ~nodes) ||
	    (c->voters & c->learners))
		return false;
	return c->q1 >= 1 && c->q2 >= 1 && c->q1 <= n && c->q2 <= n &&
	       (u32)c->q1 + c->q2 > n;
}

/* An address entry: a known family, every unused byte zero. */
static bool addr_ok(const struct synod_sb_addr *a)
{
	switch (a->family) {
	case SYNOD_SB_AF_UNUSED:
		return !a->port && synod_all_zero(a->addr, sizeof(a->addr));
	case SYNOD_SB_AF_INET:
		return synod_all_zero(a->addr + 4, sizeof(a->addr) - 4);
	case SYNOD_SB_AF_INET6:
		return true;
	}
	return false;
}

/*
 * The journal must be made of slots of the size its record format has,
 * lie after both superblock copies and end before the data area begins.
 * Format 3's payload ring (the rest of journal_size after the slots)
 * holds at least a batch of the largest records, in whole 4 KiB blocks;
 * formats 1 and 2 have none.
 */
static bool journal_layout_ok(const struct synod_sb *sb)
{
	bool v3 = sb->format == SYNOD_SB_FORMAT_V3;
	u64 slots = (u64)sb->jrec_size * sb->jrec_count;

	if (sb->journal_offset < SYNOD_SB_COPIES * SYNOD_SB_SIZE ||
	    sb->journal_offset % SYNOD_DATA_ALIGN_BYTES)
		return false;
	if (sb->jrec_size != (v3 ? SYNOD_JREC3_SLOT : SYNOD_JREC_SIZE) ||
	    sb->jrec_count < SYNOD_JOURNAL_RECORDS_MIN ||
	    sb->jrec_count > SYNOD_JOURNAL_RECORDS_MAX)
		return false;
	if (v3 ? sb->journal_size < slots + SYNOD_PRING_MIN ||
		 (sb->journal_size - slots) % SYNOD_DATA_ALIGN_BYTES ||
		 sb->journal_size - slots > SYNOD_JREC_JSEQ_MAX :
	    sb->journal_size != slots)
		return false;
	synod_assert(sb->journal_size >= slots);
	return sb->journal_offset + sb->journal_size <= sb->data_offset &&
	       sb->journal_offset + sb->journal_size > sb->journal_offset;
}

/*
 * The secret field: format 1's secret (length, bytes, zero padding), or
 * format 2's fingerprint (length and the padding after it zero; a
 * fingerprint of all zeros is not one HMAC-SHA256 gives).
 */
static bool decode_secret(const u8 *buf, struct synod_sb *sb)
{
	u32 len = synod_get_le32(buf + OFF_SECRET_LEN);

	if (sb->format == SYNOD_SB_FORMAT_V2 ||
	    sb->format == SYNOD_SB_FORMAT_V3) {
		if (len || synod_all_zero(buf + OFF_SECRET_FP, SYNOD_SB_FP_LEN) ||
		    !synod_all_zero(buf + OFF_SECRET_FP + SYNOD_SB_FP_LEN,
				    SYNOD_SB_SECRET_MAX - SYNOD_SB_FP_LEN))
			return false;
		synod_memcpy(sb->secret_fp, buf + OFF_SECRET_FP,
			     SYNOD_SB_FP_LEN);
		return true;
	}
	if (len > SYNOD_SB_SECRET_MAX ||
	    !synod_all_zero(buf + OFF_SECRET + len, SYNOD_SB_SECRET_MAX - len))
		return false;
	sb->secret_len = len;
	synod_memcpy(sb->secret, buf + OFF_SECRET, len);
	return true;
}

/* Decode and check the fields of the replicated formats (1 and 2). */
static enum synod_sb_status decode_v1(const u8 *buf, struct synod_sb *sb)
{
	u64 epoch = synod_get_le64(buf + OFF_EPOCH);
	u32 i;

	sb->opts = synod_get_le32(buf + OFF_OPTS);
	if (sb->opts & ~SYNOD_SB_OPT_ALL)
		return SYNOD_SB_BAD_FLAGS;
	sb->promised_ballot = synod_get_le64(buf + OFF_PROMISED_BALLOT);
	sb->jrec_size = synod_get_le32(buf + OFF_JREC_SIZE);
	sb->jrec_count = synod_get_le32(buf + OFF_JREC_COUNT);
	synod_memcpy(sb->cluster, buf + OFF_CLUSTER, SYNOD_SB_CLUSTER_LEN);
	sb->cfg.epoch = (u32)epoch;
	sb->epoch = sb->cfg.epoch;
	sb->cfg.voters = synod_get_le32(buf + OFF_VOTERS);
	sb->cfg.learners = synod_get_le32(buf + OFF_LEARNERS);
	sb->cfg.q1 = buf[OFF_Q1];
	sb->cfg.q2 = buf[OFF_Q2];
	sb->on_no_quorum = synod_get_le32(buf + OFF_ON_NO_QUORUM);
	get_addr(buf + OFF_LISTEN, &sb->listen);
	for (i = 0; i < SYNOD_SB_PEERS; i++)
		get_addr(buf + OFF_PEERS + i * ADDR_LEN, &sb->peer[i]);

	if (epoch >> 32 || synod_get_le32(buf + OFF_V1_RSVD) ||
	    synod_get_le16(buf + OFF_CFG_RSVD))
		return SYNOD_SB_BAD_SIZES;
	if (sb->node_id >= SYNOD_NODES_MAX || !config_ok(&sb->cfg))
		return SYNOD_SB_BAD_SIZES;
	if (!decode_secret(buf, sb))
		return SYNOD_SB_BAD_SIZES;
	/* NUL padded: nothing but zeros after the first zero byte. */
	for (i = 0; i < SYNOD_SB_CLUSTER_LEN && sb->cluster[i]; i++)
		;
	if (!synod_all_zero((const u8 *)sb->cluster + i, SYNOD_SB_CLUSTER_LEN - i))
		return SYNOD_SB_BAD_SIZES;
	if (!addr_ok(&sb->listen))
		return SYNOD_SB_BAD_SIZES;
	for (i = 0; i < SYNOD_SB_PEERS; i++)
		if (!addr_ok(&sb->peer[i]))
			return SYNOD_SB_BAD_SIZES;
	if (!synod_all_zero(buf + OFF_END_OF_FIELDS_V1, OFF_CSUM -
		      OFF_END_OF_FIELDS_V1))
		return SYNOD_SB_BAD_SIZES;
	if (!journal_layout_ok(sb))
		return SYNOD_SB_BAD_SIZES;
	/*
	 * A batch of large records and a wrap's skip must fit the ring
	 * (core/jrec.h): said apart from BAD_SIZES, since the layout is
	 * sound and the bit is what cannot be honoured.
	 */
	if ((sb->flags & SYNOD_SB_FLAG_LARGE) &&
	    synod_sb_pring_size(sb) < SYNOD_PRING_MIN_LARGE)
		return SYNOD_SB_SMALL_PRING;
	synod_assert(!(sb->flags & SYNOD_SB_FLAG_LARGE) ||
		     sb->format == SYNOD_SB_FORMAT_V3);
	return SYNOD_SB_OK;
}

enum synod_sb_status synod_sb_decode(const u8 *buf, struct synod_sb *sb)
{
	enum synod_sb_status st;

	synod_memset(sb, 0, sizeof(*sb));
	if (synod_memcmp(buf + OFF_MAGIC, SYNOD_SB_MAGIC, SYNOD_SB_MAGIC_LEN))
		return SYNOD_SB_NO_MAGIC;
	if (synod_crc32c(0, buf, OFF_CSUM) != synod_get_le32(buf + OFF_CSUM))
		return SYNOD_SB_BAD_CSUM;

	sb->format = synod_get_le32(buf + OFF_FORMAT);
	if (sb->format != SYNOD_SB_FORMAT_V0 && !synod_sb_is_repl(sb))
		return SYNOD_SB_BAD_VERSION;
	sb->flags = synod_get_le32(buf + OFF_FLAGS);
	if (sb->flags & ~sb_flags_known(sb->format))
		return SYNOD_SB_BAD_FLAGS;

	sb->seq = synod_get_le64(buf + OFF_SEQ);
	synod_memcpy(sb->uuid, buf + OFF_UUID, sizeof(sb->uuid));
	sb->block_size = synod_get_le32(buf + OFF_BLOCK_SIZE);
	sb->data_offset = synod_get_le64(buf + OFF_DATA_OFFSET);
	sb->data_size = synod_get_le64(buf + OFF_DATA_SIZE);
	sb->backing_size = synod_get_le64(buf + OFF_BACKING_SIZE);
	sb->node_id = synod_get_le32(buf + OFF_NODE_ID);
	sb->journal_offset = synod_get_le64(buf + OFF_JOURNAL_OFFSET);
	sb->journal_size = synod_get_le64(buf + OFF_JOURNAL_SIZE);
	sb->applied_index = synod_get_le64(buf + OFF_APPLIED_INDEX);
	if (sb->format == SYNOD_SB_FORMAT_V0) {
		sb->promised_node = synod_get_le32(buf + OFF_PROMISED_NODE);
		sb->epoch = synod_get_le64(buf + OFF_EPOCH);
		sb->promised_round = synod_get_le64(buf + OFF_PROMISED_ROUND);
	}
	if (!sb->seq)
		st = SYNOD_SB_BAD_SIZES;
	else
		st = check_layout(buf, sb);
	if (st == SYNOD_SB_OK && synod_sb_is_repl(sb))
		st = decode_v1(buf, sb);
	return st;
}

/*
 * Formats 0 to 3 all have seq at OFF_SEQ and the CRC-32C of every byte
 * before it at OFF_CSUM; ondisk.rst makes both (with the magic and the
 * format) stable across versions, so a newer format's copy is read here
 * by the same offsets.
 */
bool synod_sb_peek_seq(const u8 *buf, u64 *seq)
{
	synod_assert(buf);
	synod_assert(seq);
	if (synod_memcmp(buf + OFF_MAGIC, SYNOD_SB_MAGIC, SYNOD_SB_MAGIC_LEN) ||
	    synod_crc32c(0, buf, OFF_CSUM) != synod_get_le32(buf + OFF_CSUM))
		return false;
	*seq = synod_get_le64(buf + OFF_SEQ);
	return true;
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
	case SYNOD_SB_SMALL_PRING:
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

	enum synod_sb_status st;

	st0 = synod_sb_decode(copy0, &s0);
	st1 = synod_sb_decode(copy1, &s1);

	if (st0 == SYNOD_SB_OK && (st1 != SYNOD_SB_OK || s0.seq >= s1.seq)) {
		*sb = s0;
		*which = 0;
		st = SYNOD_SB_OK;
	} else if (st1 == SYNOD_SB_OK) {
		*sb = s1;
		*which = 1;
		st = SYNOD_SB_OK;
	} else {
		synod_memset(sb, 0, sizeof(*sb));
		st = failure_rank(st0) >= failure_rank(st1) ? st0 : st1;
	}
	synod_wipe(&s0, sizeof(s0));
	synod_wipe(&s1, sizeof(s1));
	synod_assert(st != SYNOD_SB_OK || sb->seq != 0);
	return st;
}
