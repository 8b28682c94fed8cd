/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State transfer ("resync", after DRBD's checksum resync) for a replica
 * that fell behind every peer's in-memory log, or whose data area is
 * suspect after a crash in the middle of an earlier transfer.
 *
 * The replica keeps taking part as an acceptor and keeps applying chosen
 * slots from where it stands.  Meanwhile it walks its data area in chunks:
 * for each it sends the crc32c of its own copy and the slot it has applied
 * (f); a peer whose data area holds at least f answers SAME, or with its
 * copy of the chunk and the slot it was read at (A >= f).  A chunk read at
 * A is installed only if we have not applied past A; applying the slots
 * after A again then turns it into the current state, since every write
 * overwrites whole sectors.  When every chunk is settled and we applied
 * every slot up to the newest A installed, the data area is consistent.
 *
 * The superblock carries SYNOD_SB_FLAG_RESYNC from the start of a
 * transfer to its end, so a crash in between restarts it on attach.
 * While it is set the replica neither campaigns nor serves.
 *
 * Frames (little-endian), beside the kinds of replica.h:
 *   REQ   kind u8, pad u8, pass u16, chunk u32, crc u32, pad u32,
 *         applied u64
 *   REPLY kind u8, status u8, pass u16, chunk u32, crc u32, len u32,
 *         slot u64; then len bytes (status DATA only)
 * The pass number, echoed, keeps answers from before a jump (which skips
 * slots a SAME answer would rely on) out of the next pass.
 * All buffers are allocated at creation; requests in flight are bounded
 * by SYNOD_RESYNC_WINDOW.
 */
#ifndef SYNOD_RESYNC_H
#define SYNOD_RESYNC_H

#include <linux/types.h>

struct synod_repl;

#define SYNOD_FRAME_RESYNC_REQ		4	/* "my chunk N has crc C" */
#define SYNOD_FRAME_RESYNC_REPLY	5	/* SAME, DATA or NOT_YET */
#define SYNOD_RESYNC_REQ_LEN		24u
#define SYNOD_RESYNC_HDR		24u
/* Chunk size: fits one transport frame with its header. */
#define SYNOD_RESYNC_CHUNK		(16u * 1024)
#define SYNOD_RESYNC_WINDOW		8u
/* Ask again (perhaps another peer) after this long without an answer. */
#define SYNOD_RESYNC_RETRY_NS		(2000ull * NSEC_PER_MSEC)

enum synod_resync_status {
	SYNOD_RESYNC_DATA = 0,		/* chunk follows, read at slot */
	SYNOD_RESYNC_SAME = 1,		/* crc matched at slot */
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
	u32 pending_from;	/* ... from this peer; 0 slot: none */
	u64 dropped;		/* replies not matching a request */
	struct synod_resync_req win[SYNOD_RESYNC_WINDOW];
	u8 *buf;		/* one chunk: our copy, or the one we serve */
};

int synod_resync_init(struct synod_repl *r, bool flagged);
void synod_resync_free(struct synod_repl *r);
void synod_resync_wanted(struct synod_repl *r, u32 from, u64 slot);
void synod_resync_tick(struct synod_repl *r, u64 now);
void synod_resync_serve(struct synod_repl *r, u32 from, const u8 *f, u32 len);
void synod_resync_reply(struct synod_repl *r, u32 from, const u8 *f, u32 len);

#endif /* SYNOD_RESYNC_H */
