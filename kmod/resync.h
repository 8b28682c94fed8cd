/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State transfer ("resync", after DRBD's checksum resync) for a replica
 * that fell behind every peer's in-memory log, or whose data area is
 * suspect after a crash in the middle of an earlier transfer.
 *
 * The replica keeps taking part as an acceptor and keeps applying chosen
 * slots from where it stands.  Meanwhile it walks its data area in chunks:
 * for each it sends the SHA-256 of its own copy and the last slot whose
 * apply it issued (f); a peer that issued applies at least up to f
 * answers SAME, or with its copy of the chunk and the slot it was read
 * at (A >= f: the chunk holds exactly the slots up to A, no apply of a
 * slot up to A covering it queued or in flight when it was read, none
 * after A landed in it: resync_serve.c).  A chunk read at A is
 * installed only if we have not issued past A, once no apply of ours
 * covers it; applying the slots after A again then turns it into the
 * current state, since every write overwrites whole sectors.  When every
 * chunk is settled and we applied every slot up to the newest A
 * installed, the data area is consistent.
 *
 * The superblock carries SYNOD_SB_FLAG_RESYNC from the start of a
 * transfer to its end, so a crash in between restarts it on attach.
 * While it is set the replica neither campaigns nor serves.
 *
 * "Same" must mean same: a 32-bit CRC (what this compared until link
 * version 2) lets a stale chunk pass as current with a chance of 2^-32
 * per chunk, which a large diverged disk (2^26 chunks per TiB) makes
 * real, and collisions are trivial to make on purpose.  SHA-256 makes an
 * accidental match as unlikely as a collision of the hash itself; the
 * transform ("sha256", the fastest implementation the CPU has) is
 * allocated at creation, never on the I/O path.
 *
 * Frames (little-endian), beside the kinds of replica.h:
 *   REQ   kind u8, pad u8, pass u16, chunk u32, applied u64,
 *         hash u8[32]                                     (48 bytes)
 *   REPLY kind u8, status u8, pass u16, chunk u32, len u32, pad u32,
 *         slot u64, hash u8[32]; then len bytes (status DATA only)
 * REQ's hash is SHA-256 of the requester's chunk; REPLY's that of the
 * source's (SAME, DATA: checked against the data) or zero (NOT_YET).
 * The pass number, echoed, keeps answers from before a jump (which skips
 * slots a SAME answer would rely on) out of the next pass.
 * All buffers are allocated at creation; requests in flight are bounded
 * by SYNOD_RESYNC_WINDOW.
 */
#ifndef SYNOD_RESYNC_H
#define SYNOD_RESYNC_H

#include <linux/bio.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "core/wire.h"

struct crypto_shash;
struct synod_repl;

#define SYNOD_FRAME_RESYNC_REQ		4	/* "my chunk N hashes to H" */
#define SYNOD_FRAME_RESYNC_REPLY	5	/* SAME, DATA or NOT_YET */
/* Bytes of a chunk's hash: SHA-256. */
#define SYNOD_RESYNC_HASH		32u
#define SYNOD_RESYNC_REQ_LEN		(16u + SYNOD_RESYNC_HASH)
#define SYNOD_RESYNC_HDR		(24u + SYNOD_RESYNC_HASH)
/* Chunk size: fits one transport frame with its header. */
#define SYNOD_RESYNC_CHUNK		(16u * 1024)
#define SYNOD_RESYNC_WINDOW		8u
/* Ask again (perhaps another peer) after this long without an answer. */
#define SYNOD_RESYNC_RETRY_NS		(2000ull * NSEC_PER_MSEC)

enum synod_resync_status {
	SYNOD_RESYNC_DATA = 0,		/* chunk follows, read at slot */
	SYNOD_RESYNC_SAME = 1,		/* hash matched at slot */
	SYNOD_RESYNC_NOT_YET = 2,	/* source behind, or itself resyncing */
};

/* One request in flight. */
struct synod_resync_req {
	u64 chunk;
	u64 sent_ns;		/* 0: (re)send at the next pump */
	bool busy;
};

/*
 * One ask of a peer for a chunk we hold, waiting to be served
 * (resync_serve.c): what its REQ frame said, checked.
 */
struct synod_rs_ask {
	u32 from;		/* the peer asking */
	u32 chunk;		/* which chunk, within our data area */
	u64 want;		/* applies it issued: ours must reach it */
	u16 pass;		/* its pass, echoed in the answer */
	u8 hash[SYNOD_RESYNC_HASH];	/* of its copy: SAME if ours matches */
};

/* Asks held at once: every other node's whole window. */
#define SYNOD_RESYNC_ASKS	(SYNOD_RESYNC_WINDOW * (SYNOD_NODES_MAX - 1))

/* Where the chunk being served is (synod_rserve.state). */
enum synod_rsv_state {
	SYNOD_RSV_IDLE = 0,	/* none */
	SYNOD_RSV_WAIT,		/* for the applies up to its label on it */
	SYNOD_RSV_FLIGHT,	/* its read submitted */
	SYNOD_RSV_ENDED,	/* read (or failed), answer not sent yet */
};

/*
 * The source side of state transfers: chunks read one at a time with
 * the replica's lock dropped, ordered among the applies as if the read
 * were one of them (resync_serve.c says how), and answered from a work
 * item.  Allocated at creation.
 */
struct synod_rserve {
	struct synod_rs_ask q[SYNOD_RESYNC_ASKS];	/* a ring of asks */
	u32 head;		/* first ask in q[] */
	u32 n;			/* asks in q[] */
	struct synod_rs_ask cur;	/* the one being served */
	/*
	 * enum synod_rsv_state: under the lock, but for FLIGHT to ENDED,
	 * which the read's end stores (release), and the lock's holders
	 * load (acquire) to let the applies it held back go.
	 */
	u8 state;
	bool to_submit;		/* read built under the lock, not submitted */
	u16 pass_at;		/* our own transfer's pass when cur was taken */
	u64 sector;		/* cur's chunk in the data area */
	u32 clen;		/* its bytes: short at the area's end */
	u64 label;		/* aq.issued when it was taken: it holds them */
	u64 first_later;	/* lowest later slot seen writing into it */
	blk_status_t status;	/* of the read, set by its end */
	struct bio bio;		/* the read, on bvec[] */
	struct bio_vec bvec[DIV_ROUND_UP(SYNOD_RESYNC_CHUNK, PAGE_SIZE)];
	u8 *buf;		/* the chunk read */
	struct work_struct work;	/* hashes and answers once read */
	u64 served;		/* chunks read and answered, for down */
	u64 turned_away;	/* asks dropped, q[] full (they ask again) */
	u64 held;		/* slots whose writes waited for a read */
	u64 held_last;		/* the last slot counted in held */
};

struct synod_resync {
	bool active;		/* a transfer is running */
	bool restart;		/* flag found at attach: run once a leader is known */
	u32 from;		/* the peer asked */
	u64 need;		/* consistent once applied reaches this */
	u64 nchunks;		/* chunks in the data area */
	u64 next;		/* next chunk not yet asked for */
	u64 settled;		/* chunks answered SAME or installed */
	u64 copied;		/* chunks installed in this pass */
	u64 older;		/* answers refused as older, this pass */
	u64 started_ns;
	u16 pass;		/* bumped by every pass, echoed by replies */
	u64 passes;		/* transfers completed since creation */
	u64 pending_slot;	/* core asked for one up to this slot ... */
	u32 pending_from;	/* ... from this peer; 0 slot: none ... */
	struct synod_config pending_cfg;	/* ... in this configuration */
	bool pending_old;	/* ... offered by a peer of an older release */
	bool old_peer_warned;	/* warned once (per create or attach): a
				 * transfer came from a module before this
				 * release */
	struct synod_resync_req win[SYNOD_RESYNC_WINDOW];
	u8 *buf;		/* one chunk: our copy, hashed or installed */
	struct crypto_shash *sha;	/* "sha256", for chunk hashes */
	struct synod_rserve srv;	/* chunks we serve, resync_serve.c */
};

int synod_resync_init(struct synod_repl *r, bool flagged);
void synod_resync_free(struct synod_repl *r);
void synod_resync_wanted(struct synod_repl *r, u32 from, u64 slot,
			 const struct synod_config *cfg, bool old);
void synod_resync_tick(struct synod_repl *r, u64 now);
void synod_resync_serve(struct synod_repl *r, u32 from, const u8 *f, u32 len);
int synod_rserve_init(struct synod_repl *r);
void synod_rserve_free(struct synod_repl *r);
void synod_rserve_flush(struct synod_repl *r);
bool synod_rserve_blocks(struct synod_repl *r, u64 slot, u64 sector,
			 u32 nsect);
void synod_rserve_try(struct synod_repl *r);
void synod_rserve_kick(struct synod_repl *r);
bool synod_rserve_kick_due(struct synod_repl *r);
u8 synod_rserve_state(struct synod_repl *r);
u64 synod_resync_nchunks(struct synod_repl *r);
u32 synod_resync_chunk_len(struct synod_repl *r, u64 c);
void synod_resync_reply(struct synod_repl *r, u32 from, const u8 *f, u32 len);

/* Chunk @c's first sector in the data area. */
static inline u64 synod_resync_sector(u64 c)
{
	return c * (SYNOD_RESYNC_CHUNK >> SECTOR_SHIFT);
}

#endif /* SYNOD_RESYNC_H */
