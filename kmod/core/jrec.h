/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synod journal record, formats 1 and 3: the 4 KiB header block that
 * starts every record of the journal ring, and the record geometry.
 *
 * Documentation/ondisk.rst describes the layout field by field; this file
 * and that document must agree.  As for the superblock and the wire, the
 * encoded form is produced and parsed only here, byte by byte and
 * little-endian: struct synod_jrec_hdr is the decoded, native form.
 *
 * The ring is an array of fixed-size slots, one record each, record J in
 * slot (J - 1) % count, so that recovery finds every record where it
 * must be (core/jscan.h).  A slot starts with the header block and has
 * room after it for payloads: the payloads of the entry's writes packed
 * one after the other (payload i starts at SYNOD_JREC_HDR_SIZE + len[0]
 * + ... + len[i-1]).  Format 1 slots (superblock formats 1 and 2) have
 * room for every payload at its maximum, SYNOD_JREC_SIZE bytes, so a
 * record is one write but a batch is one write per record.  Format 3
 * slots (superblock format 3) are small, SYNOD_JREC3_SLOT, so that the
 * slots of a batch are written as one: a record whose payloads fit its
 * slot keeps them there, a larger one puts them in the payload ring that
 * follows the slots (flag PRING, its place in poff), written with one
 * more write for the whole batch.  The header names the journal sequence
 * number twice: once in the checksummed body, and once in a separately
 * checksummed trailer in the block's last bytes, so that a header whose
 * first sectors are torn still says which journal sequence and which
 * slot it held.
 */
#ifndef SYNOD_CORE_JREC_H
#define SYNOD_CORE_JREC_H

#include "env.h"
#include "wire.h"

/* Size of the header block: one page, the largest logical block. */
#define SYNOD_JREC_HDR_SIZE	4096u
/* Largest payload of one write (one request); also the frame bound. */
#define SYNOD_PAYLOAD_MAX	(16u * 1024)
/*
 * Largest payload of one write on a LARGE volume (superblock format 3
 * with SYNOD_SB_FLAG_LARGE, core/ondisk.h), and the most a record's
 * payloads take together there: the core's per-slot byte cap,
 * SYNOD_SLOT_BYTES (core/replica.h; kmod/journal.c checks they agree),
 * since a record is one slot.  Such payloads never fit a format 3 slot: they are
 * always in the payload ring.  A volume's bound, SYNOD_PAYLOAD_MAX or
 * this, is the paymax the record functions below are given.
 */
#define SYNOD_PAYLOAD_MAX_LARGE	(1u << 20)
/*
 * The most a record's payloads take together under the bound @paymax:
 * SYNOD_JREC_WRITES payloads of SYNOD_PAYLOAD_MAX (every format), or one
 * slot's bytes on a LARGE volume.
 */
#define SYNOD_JREC_PAYLEN_MAX(paymax) \
	((paymax) > SYNOD_JREC_WRITES * SYNOD_PAYLOAD_MAX ? (paymax) : \
	 SYNOD_JREC_WRITES * SYNOD_PAYLOAD_MAX)
/*
 * Writes a record has room for.  A format constant, independent of the
 * build-time SYNOD_BATCH_MAX, which must not exceed it.
 */
#define SYNOD_JREC_WRITES	4u
/* Format 1 slot: header block and room for every payload at its maximum. */
#define SYNOD_JREC_SIZE		(SYNOD_JREC_HDR_SIZE + \
				 SYNOD_JREC_WRITES * SYNOD_PAYLOAD_MAX)
/*
 * Format 3 slot: header block and room for one largest payload, or four
 * 4 KiB ones.  Small, since the slots of a batch are written whole, as
 * one write, the room a record does not use too.
 */
#define SYNOD_JREC3_SLOT	(SYNOD_JREC_HDR_SIZE + SYNOD_PAYLOAD_MAX)
/*
 * Format 3 payload ring of a new volume, and the least a superblock may
 * name: room for a whole batch (16 records, kmod/journal.h) of records
 * with every payload at its maximum, and the most a wrap can skip (just
 * less than one such record), so that a batch always fits once what it
 * would overwrite is reclaimed.
 */
#define SYNOD_PRING_BYTES	(12u * 1024 * 1024)
#define SYNOD_PRING_MIN		((16u + 1) * SYNOD_JREC_WRITES * SYNOD_PAYLOAD_MAX)
/*
 * Payload ring bytes one batch (a chunk of one journal write, kmod/
 * journal.c) holds at most on a LARGE volume: a chunk ends before the
 * record that would take it past this (its first record always goes, and
 * no record exceeds it).  Without LARGE a batch of the largest records
 * is 1 MiB, so the bound never cuts one.
 */
#define SYNOD_JCHUNK_PRING	(4u * 1024 * 1024)
/*
 * The least payload ring a LARGE superblock may name: the leader's
 * window of writes not yet chosen (8 MiB, SYNOD_WINDOW_BYTES of the
 * module's core/replica.h), whose records cannot be reclaimed, and the
 * most a wrap can skip (just less than the largest record).  A smaller
 * ring would fill (-ENOSPC, a fenced "journal full") under ordinary
 * load; this one also holds a batch (SYNOD_JCHUNK_PRING) and its wrap.
 * A literal, as a format constant must be: the simulator builds the
 * core with a smaller window (kmod/journal.c checks the module's).  The
 * 12 MiB ring of every format 3 volume made so far passes.
 */
#define SYNOD_PRING_MIN_LARGE	(8u * 1024 * 1024 + SYNOD_PAYLOAD_MAX_LARGE)
/*
 * Each record's payloads in the payload ring start on a boundary of this
 * many bytes and own the blocks up to the next: a disk writes a physical
 * block (4 KiB on most, 512e included) whole or not at all, and a torn
 * write must damage only the batch in flight, never the tail of a record
 * of the batch before that shares its block (core/jscan.h).
 */
#define SYNOD_PRING_ALIGN	4096u
/* Records in the ring of a new volume. */
#define SYNOD_JOURNAL_RECORDS	256u

/* The first 4 bytes of a header and of its trailer. */
#define SYNOD_JREC_MAGIC	0x524a5953u	/* "SYJR" */
#define SYNOD_JREC_TMAGIC	0x544a5953u	/* "SYJT" */
/* Largest journal sequence a record may carry. */
#define SYNOD_JREC_JSEQ_MAX	(1ull << 62)
/* The record formats this code reads and writes (superblock 1, 2 and 3). */
#define SYNOD_JREC_FORMAT_V1	1u
#define SYNOD_JREC_FORMAT_V3	3u
/*
 * Record flags.  VOID: recovery found this journal sequence torn inside
 * the last batch (never acknowledged) and rewrote it as holding nothing,
 * so that later recoveries, when the batch is no longer the last, do not
 * take it for a damaged record.  A void record carries a NOOP entry of
 * slot 0, ballot 0, no flags.  PRING (format 3 only): the payloads are
 * not in the record's slot but in the payload ring, packed from byte
 * poff of it.
 */
#define SYNOD_JREC_F_VOID	0x1u
#define SYNOD_JREC_F_PRING	0x2u
#define SYNOD_JREC_F_ALL_V1	0x1u
#define SYNOD_JREC_F_ALL_V3	0x3u

/* Decoded header of one journal record. */
struct synod_jrec_hdr {
	u32 format;		/* SYNOD_JREC_FORMAT_V1 or _V3 */
	u64 jseq;		/* journal sequence, 1, 2, ...: ring order */
	u64 batch_first;	/* jseq of the first record of its batch */
	u32 batch_n;		/* records in that batch (>= 1) */
	u32 flags;		/* SYNOD_JREC_F_* */
	u64 pseq;		/* the core's persist sequence number */
	struct synod_entry e;	/* slot, ballot, kind, writes, config */
	u32 len[SYNOD_JREC_WRITES];	/* payload bytes of e.w[i] */
	u32 crc[SYNOD_JREC_WRITES];	/* CRC-32C of payload i */
	u64 poff;		/* PRING: payload 0's byte in the ring */
	/*
	 * The volume's payload bound, not on disk: SYNOD_PAYLOAD_MAX, or
	 * SYNOD_PAYLOAD_MAX_LARGE (format 3 only); each len[i] is at most
	 * this, all together at most SYNOD_JREC_PAYLEN_MAX(paymax)
	 */
	u32 paymax;
};

/* Why a header block was refused; 0 means accepted. */
enum synod_jrec_err {
	SYNOD_JREC_OK = 0,
	SYNOD_JREC_SHORT,	/* buffer smaller than a header block */
	SYNOD_JREC_EMPTY,	/* no magic: never written, or zeroed */
	SYNOD_JREC_CRC_BAD,	/* magic present, checksum fails: torn/corrupt */
	SYNOD_JREC_VERSION_BAD,	/* intact, but a format this code can't read */
	SYNOD_JREC_FOREIGN,	/* intact, but another volume's (other UUID) */
	SYNOD_JREC_FIELD_BAD,	/* intact, but a field is impossible */
	SYNOD_JREC_ERR_MAX,
};

/* jrec.c */
const char *synod_jrec_err_name(int err);

/*
 * Offset of payload @i inside a record whose header is @h: the payloads
 * are packed after the header block in write order, so payload i is at
 * this offset of the slot, or (PRING) at poff + this - SYNOD_JREC_HDR_SIZE
 * of the payload ring.
 */
u32 synod_jrec_payload_off(const struct synod_jrec_hdr *h, u32 i);

/* Bytes of all the record's payloads. */
u32 synod_jrec_paylen(const struct synod_jrec_hdr *h);

/*
 * Bytes of the record's slot actually used: header block plus payloads,
 * or the header block alone if they are in the payload ring.
 */
u32 synod_jrec_used(const struct synod_jrec_hdr *h);

/*
 * Encode @h for the volume @uuid into @buf (SYNOD_JREC_HDR_SIZE bytes),
 * both checksums included, in the format h->format.  The payload crcs
 * must already be in @h, and its payloads within h->paymax.
 */
void synod_jrec_encode(const struct synod_jrec_hdr *h, const u8 uuid[16],
		       u8 *buf);

/*
 * Decode and check the header block at @buf, @len bytes long, for the
 * volume @uuid, whose journal holds records of @format only (another
 * format is SYNOD_JREC_VERSION_BAD) with payloads of at most @paymax
 * bytes each (SYNOD_PAYLOAD_MAX, or SYNOD_PAYLOAD_MAX_LARGE in format 3;
 * a longer one is SYNOD_JREC_FIELD_BAD, as are payloads over
 * SYNOD_JREC_PAYLEN_MAX(paymax) together).  Never reads outside the
 * buffer; on refusal @h is zeroed.  A PRING record's poff is a multiple
 * of SYNOD_PRING_ALIGN and no more than SYNOD_JREC_JSEQ_MAX; whether it
 * lies in the ring is the reader's to check.
 */
int synod_jrec_decode(const u8 *buf, u32 len, const u8 uuid[16], u32 format,
		      u32 paymax, struct synod_jrec_hdr *h);

/*
 * Read only the trailer copy of (jseq, slot) from a header block that
 * failed to decode.  Returns true if the trailer is intact and belongs to
 * the volume @uuid.
 */
bool synod_jrec_trailer(const u8 *buf, u32 len, const u8 uuid[16],
			u64 *jseq, u64 *slot);

#endif /* SYNOD_CORE_JREC_H */
