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
 * at (A >= f: no apply covering the chunk queued or in flight, the state
 * at its last slot issued).  A chunk read at A is installed only if we
 * have not issued past A, once no apply of ours covers it; applying the
 * slots after A again then turns it into the current state, since every
 * write overwrites whole sectors.  When every chunk is settled and we applied
 * every slot up to the newest A installed, the data area is consistent.
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

#include <linux/types.h>

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

struct synod_resync {
	bool active;		/* a transfer is running */
	bool restart;		/* flag found at attach: run once a leader is known */
	u32 from;		/* the peer asked */
	u64 need;		/* consistent once applied reaches this */
	u64 nchunks;		/* chunks in the data area */
	u64 next;		/* next chunk not yet asked for */
	u64 settled;		/* chunks answered SAME or installed */
	u64 copied;		/* chunks installed in this pass */
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
	u8 *buf;		/* one chunk: our copy, or the one we serve */
	struct crypto_shash *sha;	/* "sha256", for chunk hashes */
};

int synod_resync_init(struct synod_repl *r, bool flagged);
void synod_resync_free(struct synod_repl *r);
void synod_resync_wanted(struct synod_repl *r, u32 from, u64 slot,
			 const struct synod_config *cfg, bool old);
void synod_resync_tick(struct synod_repl *r, u64 now);
void synod_resync_serve(struct synod_repl *r, u32 from, const u8 *f, u32 len);
void synod_resync_reply(struct synod_repl *r, u32 from, const u8 *f, u32 len);

#endif /* SYNOD_RESYNC_H */
