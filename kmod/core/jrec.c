// SPDX-License-Identifier: GPL-2.0
/*
 * Encoding and decoding of a journal record's header block (formats 1
 * and 3).
 *
 * Pure code: no I/O, no allocation.  kmod/journal.c reads header blocks
 * from the ring into buffers and asks this file what they hold.  Every
 * byte read from disk is hostile until the magic and checksum match, and
 * even then every field is checked before the journal derives offsets or
 * lengths from it: a header that passes synod_jrec_decode() describes
 * payloads that fit in one record.
 */
#include "jrec.h"
#include "crc32c.h"

/* Byte offsets inside the header block; Documentation/ondisk.rst. */
#define OFF_MAGIC		0x000	/* le32   SYNOD_JREC_MAGIC */
#define OFF_FORMAT		0x004	/* le16   SYNOD_JREC_FORMAT_V1 or _V3 */
#define OFF_HDR_SIZE		0x006	/* le16   SYNOD_JREC_HDR_SIZE / 16 */
#define OFF_JSEQ		0x008	/* le64   journal sequence */
#define OFF_BATCH_FIRST		0x010	/* le64   jseq of batch's first */
#define OFF_BATCH_N		0x018	/* le32   records in the batch */
#define OFF_RFLAGS		0x01c	/* le32   SYNOD_JREC_F_* */
#define OFF_PSEQ		0x020	/* le64   core persist seq */
#define OFF_UUID		0x028	/* u8[16] volume UUID */
#define OFF_SLOT		0x038	/* le64   log slot */
#define OFF_BALLOT		0x040	/* le64   ballot accepted in */
#define OFF_KIND		0x048	/* u8     enum synod_entry_kind */
#define OFF_NWRITES		0x049	/* u8     writes in a WRITE entry */
#define OFF_EFLAGS		0x04a	/* u8     SYNOD_ENTF_* */
#define OFF_RSVD1		0x04b	/* u8 + le32  zero */
#define OFF_CFG			0x050	/* 16 B   struct synod_config */
#define OFF_WRITES		0x060	/* 4 x 32 B  writes */
#define WRITE_LEN		32u	/* block, ref, len, crc, reserved */
#define OFF_POFF		0x0e0	/* le64   v3 PRING: payload ring byte */
#define OFF_END_OF_FIELDS	(OFF_WRITES + SYNOD_JREC_WRITES * WRITE_LEN)
#define OFF_END_OF_FIELDS_V3	(OFF_POFF + 8)
#define OFF_TRAILER		0xfe0	/* trailer, its own crc */
#define OFF_T_MAGIC		0xfe0	/* le32   SYNOD_JREC_TMAGIC */
#define OFF_T_RSVD		0xfe4	/* le32   zero */
#define OFF_T_JSEQ		0xfe8	/* le64   journal sequence again */
#define OFF_T_SLOT		0xff0	/* le64   log slot again */
#define OFF_T_CSUM		0xff8	/* le32   crc32c(uuid, 0xfe0..0xff7) */
#define OFF_CSUM		0xffc	/* le32   crc32c(0x000..0xffb) */

/* The header size field counts 16-byte units so that 4096 fits a le16. */
#define HDR_SIZE_UNITS		(SYNOD_JREC_HDR_SIZE / 16)

static const char *const jrec_err_names[SYNOD_JREC_ERR_MAX] = {
	[SYNOD_JREC_OK] = "ok",
	[SYNOD_JREC_SHORT] = "short buffer",
	[SYNOD_JREC_EMPTY] = "empty",
	[SYNOD_JREC_CRC_BAD] = "checksum mismatch",
	[SYNOD_JREC_VERSION_BAD] = "unsupported record format",
	[SYNOD_JREC_FOREIGN] = "another volume's record",
	[SYNOD_JREC_FIELD_BAD] = "invalid field",
};

const char *synod_jrec_err_name(int err)
{
	if (err < 0 || err >= SYNOD_JREC_ERR_MAX)
		return "unknown";
	return jrec_err_names[err];
}

/* A volume's payload bound: 16 KiB, or (format 3 only) LARGE's 1 MiB. */
static bool paymax_ok(u32 format, u32 paymax)
{
	/* both come from the journal's superblock, never from a record */
	synod_assert(format == SYNOD_JREC_FORMAT_V1 ||
		     format == SYNOD_JREC_FORMAT_V3);
	synod_assert(paymax != 0);
	return paymax == SYNOD_PAYLOAD_MAX ||
	       (paymax == SYNOD_PAYLOAD_MAX_LARGE &&
		format == SYNOD_JREC_FORMAT_V3);
}

u32 synod_jrec_payload_off(const struct synod_jrec_hdr *h, u32 i)
{
	u32 off = SYNOD_JREC_HDR_SIZE, k;

	synod_assert(i < SYNOD_JREC_WRITES);
	synod_assert(paymax_ok(h->format, h->paymax));
	for (k = 0; k < i; k++) {
		synod_assert(h->len[k] <= h->paymax);
		off += h->len[k];
	}
	return off;
}

u32 synod_jrec_paylen(const struct synod_jrec_hdr *h)
{
	u32 len = synod_jrec_payload_off(h, SYNOD_JREC_WRITES - 1) +
		  h->len[SYNOD_JREC_WRITES - 1] - SYNOD_JREC_HDR_SIZE;

	synod_assert(len <= SYNOD_JREC_PAYLEN_MAX(h->paymax));
	synod_assert(len % 512 == 0);
	return len;
}

u32 synod_jrec_used(const struct synod_jrec_hdr *h)
{
	u32 used = SYNOD_JREC_HDR_SIZE;

	if (!(h->flags & SYNOD_JREC_F_PRING))
		used += synod_jrec_paylen(h);
	synod_assert(used <= SYNOD_JREC_SIZE);
	synod_assert(h->format == SYNOD_JREC_FORMAT_V1 ||
		     used <= SYNOD_JREC3_SLOT);
	return used;
}

/* The trailer's checksum binds (jseq, slot) to the volume's UUID. */
static u32 trailer_csum(const u8 *buf, const u8 uuid[16])
{
	return synod_crc32c(synod_crc32c(0, uuid, 16), buf + OFF_TRAILER,
			    OFF_T_CSUM - OFF_TRAILER);
}

void synod_jrec_encode(const struct synod_jrec_hdr *h, const u8 uuid[16],
		       u8 *buf)
{
	const struct synod_entry *e = &h->e;
	u32 i;

	synod_assert(h->jseq >= h->batch_first && h->batch_n >= 1 &&
		     h->jseq - h->batch_first < h->batch_n);
	synod_assert(e->nwrites <= SYNOD_BATCH_MAX &&
		     SYNOD_BATCH_MAX <= SYNOD_JREC_WRITES);
	/* Slot 0 means "void": an entry always has a slot. */
	synod_assert((h->flags & SYNOD_JREC_F_VOID) ? e->slot == 0 &&
		     e->kind == SYNOD_ENTRY_NOOP : e->slot != 0);
	/* The payload ring is format 3's, and only for payloads. */
	synod_assert(h->format == SYNOD_JREC_FORMAT_V3 ||
		     (h->format == SYNOD_JREC_FORMAT_V1 &&
		      !(h->flags & ~SYNOD_JREC_F_ALL_V1)));
	synod_assert((h->flags & SYNOD_JREC_F_PRING) ?
		     e->nwrites && h->poff % SYNOD_PRING_ALIGN == 0 : !h->poff);
	synod_assert(paymax_ok(h->format, h->paymax));

	synod_memset(buf, 0, SYNOD_JREC_HDR_SIZE);
	synod_put_le32(buf + OFF_MAGIC, SYNOD_JREC_MAGIC);
	synod_put_le16(buf + OFF_FORMAT, (u16)h->format);
	synod_put_le16(buf + OFF_HDR_SIZE, HDR_SIZE_UNITS);
	synod_put_le64(buf + OFF_JSEQ, h->jseq);
	synod_put_le64(buf + OFF_BATCH_FIRST, h->batch_first);
	synod_put_le32(buf + OFF_BATCH_N, h->batch_n);
	synod_put_le32(buf + OFF_RFLAGS, h->flags);
	synod_put_le64(buf + OFF_PSEQ, h->pseq);
	synod_memcpy(buf + OFF_UUID, uuid, 16);
	synod_put_le64(buf + OFF_SLOT, e->slot);
	synod_put_le64(buf + OFF_BALLOT, e->ballot);
	buf[OFF_KIND] = e->kind;
	buf[OFF_NWRITES] = e->nwrites;
	buf[OFF_EFLAGS] = e->flags;
	synod_put_le32(buf + OFF_CFG, e->cfg.epoch);
	synod_put_le32(buf + OFF_CFG + 4, e->cfg.voters);
	synod_put_le32(buf + OFF_CFG + 8, e->cfg.learners);
	buf[OFF_CFG + 12] = e->cfg.q1;
	buf[OFF_CFG + 13] = e->cfg.q2;
	for (i = 0; i < e->nwrites; i++) {
		u8 *w = buf + OFF_WRITES + i * WRITE_LEN;

		synod_assert(h->len[i] <= h->paymax);
		synod_put_le64(w, e->w[i].block);
		synod_put_le64(w + 8, e->w[i].ref);
		synod_put_le32(w + 16, h->len[i]);
		synod_put_le32(w + 20, h->crc[i]);
	}
	if (h->format == SYNOD_JREC_FORMAT_V3)
		synod_put_le64(buf + OFF_POFF, h->poff);
	synod_put_le32(buf + OFF_T_MAGIC, SYNOD_JREC_TMAGIC);
	synod_put_le64(buf + OFF_T_JSEQ, h->jseq);
	synod_put_le64(buf + OFF_T_SLOT, e->slot);
	synod_put_le32(buf + OFF_T_CSUM, trailer_csum(buf, uuid));
	synod_put_le32(buf + OFF_CSUM, synod_crc32c(0, buf, OFF_CSUM));
}

/*
 * The entry must make sense on its own: a known kind, writes only in a
 * WRITE entry, each payload a whole number of sectors that fits its place,
 * a configuration only in a CONFIG entry, every unused byte zero.
 */
static bool entry_ok(const u8 *buf, const struct synod_jrec_hdr *h)
{
	const struct synod_entry *e = &h->e;
	u32 i;

	if (e->kind < SYNOD_ENTRY_NOOP || e->kind > SYNOD_ENTRY_CONFIG)
		return false;
	if (e->flags & ~SYNOD_ENTF_ALL)
		return false;
	if (e->kind == SYNOD_ENTRY_WRITE ?
	    (!e->nwrites || e->nwrites > SYNOD_BATCH_MAX) : e->nwrites)
		return false;
	if (e->kind != SYNOD_ENTRY_CONFIG && !synod_all_zero(buf + OFF_CFG, 16))
		return false;
	if (synod_get_le16(buf + OFF_CFG + 14))
		return false;
	for (i = 0; i < e->nwrites; i++) {
		if (!h->len[i] || h->len[i] > h->paymax || h->len[i] % 512)
			return false;
		if (!synod_all_zero(buf + OFF_WRITES + i * WRITE_LEN + 24, 8))
			return false;
	}
	return synod_all_zero(buf + OFF_WRITES + e->nwrites * WRITE_LEN,
			(SYNOD_JREC_WRITES - e->nwrites) * WRITE_LEN);
}

/*
 * Format 3's payload ring fields: PRING only on a record with payloads,
 * poff on a block of its own (SYNOD_PRING_ALIGN) and bounded (so that
 * poff + a record's payloads cannot wrap), zero otherwise.  Format 1 has
 * neither.
 */
static bool pring_ok(const u8 *buf, struct synod_jrec_hdr *h)
{
	synod_assert(h->format == SYNOD_JREC_FORMAT_V1 ||
		     h->format == SYNOD_JREC_FORMAT_V3);
	if (h->format == SYNOD_JREC_FORMAT_V1)
		return !(h->flags & ~SYNOD_JREC_F_ALL_V1);
	h->poff = synod_get_le64(buf + OFF_POFF);
	if (h->flags & ~SYNOD_JREC_F_ALL_V3)
		return false;
	if (!(h->flags & SYNOD_JREC_F_PRING))
		return !h->poff;
	synod_assert(h->flags & SYNOD_JREC_F_PRING);
	return h->e.nwrites && !(h->flags & SYNOD_JREC_F_VOID) &&
	       h->poff % SYNOD_PRING_ALIGN == 0 &&
	       h->poff <= SYNOD_JREC_JSEQ_MAX;
}

/* Fill @h from a checksummed block; returns false if a field is bad. */
static bool fields_ok(const u8 *buf, struct synod_jrec_hdr *h)
{
	struct synod_entry *e = &h->e;
	u32 i, end;
	u64 sum;

	h->jseq = synod_get_le64(buf + OFF_JSEQ);
	h->batch_first = synod_get_le64(buf + OFF_BATCH_FIRST);
	h->batch_n = synod_get_le32(buf + OFF_BATCH_N);
	h->flags = synod_get_le32(buf + OFF_RFLAGS);
	h->pseq = synod_get_le64(buf + OFF_PSEQ);
	e->slot = synod_get_le64(buf + OFF_SLOT);
	e->ballot = synod_get_le64(buf + OFF_BALLOT);
	e->kind = buf[OFF_KIND];
	e->nwrites = buf[OFF_NWRITES];
	e->flags = buf[OFF_EFLAGS];
	e->cfg.epoch = synod_get_le32(buf + OFF_CFG);
	e->cfg.voters = synod_get_le32(buf + OFF_CFG + 4);
	e->cfg.learners = synod_get_le32(buf + OFF_CFG + 8);
	e->cfg.q1 = buf[OFF_CFG + 12];
	e->cfg.q2 = buf[OFF_CFG + 13];
	for (i = 0; i < SYNOD_BATCH_MAX && i < e->nwrites; i++) {
		const u8 *w = buf + OFF_WRITES + i * WRITE_LEN;

		e->w[i].block = synod_get_le64(w);
		e->w[i].ref = synod_get_le64(w + 8);
		h->len[i] = synod_get_le32(w + 16);
		h->crc[i] = synod_get_le32(w + 20);
	}

	if (synod_get_le16(buf + OFF_HDR_SIZE) != HDR_SIZE_UNITS)
		return false;
	/* Bounded so that a reader's jseq + count arithmetic cannot wrap. */
	if (!h->jseq || h->jseq > SYNOD_JREC_JSEQ_MAX || !h->batch_n ||
	    h->jseq < h->batch_first ||
	    h->jseq - h->batch_first >= h->batch_n)
		return false;
	if (buf[OFF_RSVD1] || synod_get_le32(buf + OFF_RSVD1 + 1))
		return false;
	/* A void record holds no entry; any other holds one, with a slot. */
	if ((h->flags & SYNOD_JREC_F_VOID) ?
	    e->slot || e->ballot || e->kind != SYNOD_ENTRY_NOOP || e->flags :
	    !e->slot)
		return false;
	end = h->format == SYNOD_JREC_FORMAT_V3 ? OFF_END_OF_FIELDS_V3 :
						  OFF_END_OF_FIELDS;
	if (!synod_all_zero(buf + end, OFF_TRAILER - end))
		return false;
	/* The trailer must repeat what the body says. */
	if (synod_get_le32(buf + OFF_T_MAGIC) != SYNOD_JREC_TMAGIC ||
	    synod_get_le32(buf + OFF_T_RSVD) ||
	    synod_get_le64(buf + OFF_T_JSEQ) != h->jseq ||
	    synod_get_le64(buf + OFF_T_SLOT) != e->slot)
		return false;
	if (!entry_ok(buf, h) || !pring_ok(buf, h))
		return false;
	/* Each within paymax (entry_ok()), all within a record's bound. */
	for (sum = 0, i = 0; i < e->nwrites; i++)
		sum += h->len[i];
	if (sum > SYNOD_JREC_PAYLEN_MAX(h->paymax))
		return false;
	/* Payloads kept in a format 3 slot must fit it. */
	return h->format == SYNOD_JREC_FORMAT_V1 ||
	       (h->flags & SYNOD_JREC_F_PRING) ||
	       synod_jrec_paylen(h) <= SYNOD_JREC3_SLOT - SYNOD_JREC_HDR_SIZE;
}

int synod_jrec_decode(const u8 *buf, u32 len, const u8 uuid[16], u32 format,
		      u32 paymax, struct synod_jrec_hdr *h)
{
	int err = SYNOD_JREC_OK;

	synod_memset(h, 0, sizeof(*h));
	if (len < SYNOD_JREC_HDR_SIZE)
		return SYNOD_JREC_SHORT;
	if (synod_get_le32(buf + OFF_MAGIC) != SYNOD_JREC_MAGIC) {
		/* A trailer without a header: the first sectors are torn. */
		if (synod_get_le32(buf + OFF_T_MAGIC) == SYNOD_JREC_TMAGIC)
			return SYNOD_JREC_CRC_BAD;
		return SYNOD_JREC_EMPTY;
	}
	if (synod_crc32c(0, buf, OFF_CSUM) != synod_get_le32(buf + OFF_CSUM))
		return SYNOD_JREC_CRC_BAD;
	synod_assert(format == SYNOD_JREC_FORMAT_V1 ||
		     format == SYNOD_JREC_FORMAT_V3);
	synod_assert(paymax_ok(format, paymax));
	h->format = format;
	h->paymax = paymax;
	/*
	 * Another volume's record is empty space, whatever its format: a
	 * volume created over an older one, with slots of another size,
	 * finds that one's headers at some of its slots.
	 */
	if (synod_memcmp(buf + OFF_UUID, uuid, 16))
		err = SYNOD_JREC_FOREIGN;
	else if (synod_get_le16(buf + OFF_FORMAT) != format)
		err = SYNOD_JREC_VERSION_BAD;
	else if (!fields_ok(buf, h) ||
		 synod_get_le32(buf + OFF_T_CSUM) != trailer_csum(buf, uuid))
		err = SYNOD_JREC_FIELD_BAD;

	if (err)
		synod_memset(h, 0, sizeof(*h));
	synod_assert(err || synod_jrec_used(h) <= SYNOD_JREC_SIZE);
	synod_assert(err || synod_jrec_paylen(h) <=
		     SYNOD_JREC_PAYLEN_MAX(paymax));
	return err;
}

bool synod_jrec_trailer(const u8 *buf, u32 len, const u8 uuid[16],
			u64 *jseq, u64 *slot)
{
	*jseq = 0;
	*slot = 0;
	if (len < SYNOD_JREC_HDR_SIZE)
		return false;
	if (synod_get_le32(buf + OFF_T_MAGIC) != SYNOD_JREC_TMAGIC ||
	    synod_get_le32(buf + OFF_T_RSVD) ||
	    synod_get_le32(buf + OFF_T_CSUM) != trailer_csum(buf, uuid))
		return false;
	*jseq = synod_get_le64(buf + OFF_T_JSEQ);
	*slot = synod_get_le64(buf + OFF_T_SLOT);
	return *jseq != 0;
}
