/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assembling the PIECE frames of one peer into a payload chain
 * (replica_piece.c), and the same rules for a payload of one buffer in
 * one PAYLOAD frame.  Pure bookkeeping on the payload store: the
 * replica's receive path (replica_rx.c) parses a frame, hands it here
 * under the replica's lock, and counts and logs what comes back.
 */
#ifndef SYNOD_REPLICA_PIECE_H
#define SYNOD_REPLICA_PIECE_H

#include <linux/types.h>

#include "payload.h"

/*
 * Frame kind of the data of one write of at most one buffer, and its
 * header, little-endian: kind u8, pad u8[3], len u32, ref u64; then len
 * bytes of data.  Here rather than in replica.h, beside the piece's, so
 * that synod_land_at() and its unit test see both.
 */
#define SYNOD_FRAME_PAYLOAD	2
#define SYNOD_PAYLOAD_HDR	16u

/*
 * Frame kind of a piece: one buffer's worth of a payload longer than one
 * buffer (SYNOD_PAY_BUF_BYTES), sent only on links of version
 * SYNOD_LINK_V_PIECES or later (transport.h).  4 and 5 are state
 * transfer's (resync.h).
 */
#define SYNOD_FRAME_PIECE	6
/*
 * Piece frame header, 24 bytes, little-endian; then @len bytes of data.
 *    0  kind   u8   SYNOD_FRAME_PIECE
 *    1  flags  u8   0: none defined yet; a receiver refuses others, so
 *                   that a later meaning cannot be misread as data
 *    2  pad    u16  0, refused otherwise
 *    4  total  u32  bytes of the whole payload: a multiple of 512, at
 *                   most SYNOD_PAY_BYTES_MAX; the same in every piece
 *    8  ref    u64  the payload's cluster-unique ref (payload.h), as in a
 *                   PAYLOAD frame: top byte its proposer + 1
 *   16  off    u32  where the data goes in the payload: a multiple of
 *                   SYNOD_PAY_BUF_BYTES; pieces come in order, off 0 first
 *   20  len    u32  bytes of data that follow: SYNOD_PAY_BUF_BYTES, the
 *                   last piece what is left (off + len <= total)
 */
#define SYNOD_PIECE_HDR		24u

/* A piece frame's header, decoded and checked (synod_piece_parse()). */
struct synod_piece_hdr {
	u32 total;
	u64 ref;
	u32 off;
	u32 len;
};

/*
 * The payload one peer is sending in pieces now.  A peer's frames come
 * in order on one connection and a sender queues all pieces of a
 * payload back to back (queue_pieces(), transport.h), so one assembly
 * per peer is enough: anything else abandons it.
 */
struct synod_piece_asm {
	/* the chain being filled, pinned so no sweep frees it; NULL: none */
	struct synod_pay *head;
	u64 ref;		/* of @head, or of the payload skipped */
	u32 total;		/* bytes @head is to hold */
	u32 next_off;		/* the next piece's off */
	bool compare;		/* @head was complete: compare, never copy */
	/*
	 * @head is a fresh chain, apart from the hash, for the proposer's
	 * bytes that differ from a copy other peers sent: swapped in for
	 * that copy once whole, given up if abandoned (replica_piece.c).
	 */
	bool fresh;
	bool skip;		/* drop @ref's other pieces quietly */
	bool conflict;		/* @ref skipped: its bytes differ from ours */
	/* SYNOD_PIECE_REPLACED: who sent the copy swapped out, to count */
	u32 replaced;
	/*
	 * The ref of this peer's payload last held back: kept out for now
	 * (synod_pay_kept_for_now()), or its pieces skipped without a
	 * difference in their bytes (@skip, not @conflict, when
	 * synod_piece_abandon() ends it); 0: none.  Unlike @skip it
	 * outlives synod_piece_abandon(), which every frame other than a
	 * piece calls, so that the peer's message naming it comes after.
	 * Cleared when the peer sends that ref again (piece_open(),
	 * synod_piece_payload()).
	 */
	u64 held_back;
};

/*
 * What one piece did (synod_piece_rx()), or one PAYLOAD frame
 * (synod_piece_payload(): DONE, NOBUF, CONFLICT or BAD only).
 */
enum synod_piece_res {
	SYNOD_PIECE_TAKEN,	/* copied (or compared equal); more to come */
	SYNOD_PIECE_DONE,	/* the payload is whole, bound to its sender */
	SYNOD_PIECE_SKIP,	/* of a payload refused before: dropped */
	SYNOD_PIECE_NOBUF,	/* no room for its payload: the rest skipped */
	SYNOD_PIECE_BAD,	/* out of order: the open assembly abandoned */
	SYNOD_PIECE_CONFLICT,	/* other bytes than held under its ref */
	/*
	 * the proposer's payload is whole and has replaced, under its ref,
	 * a copy that only other peers sent (->replaced: those peers)
	 */
	SYNOD_PIECE_REPLACED,
};

u32 synod_land_at(const u8 *f, u32 len);
int synod_piece_parse(const u8 *f, u32 len, u32 max,
		      struct synod_piece_hdr *h);
enum synod_piece_res synod_piece_rx(struct synod_paystore *ps,
				    const struct synod_replica *core,
				    struct synod_piece_asm *a, u32 from,
				    const struct synod_piece_hdr *h,
				    const u8 *data, struct synod_pay *land,
				    struct synod_pay **held);
enum synod_piece_res synod_piece_payload(struct synod_paystore *ps,
					 const struct synod_replica *core,
					 struct synod_piece_asm *a, u32 from,
					 u64 ref, const u8 *data, u32 plen,
					 struct synod_pay *land,
					 struct synod_pay **held);
bool synod_piece_abandon(struct synod_paystore *ps, struct synod_piece_asm *a);
bool synod_piece_skipped(const struct synod_piece_asm *a, u64 ref);
void synod_piece_hold_back(struct synod_piece_asm *a, u64 ref);

#endif /* SYNOD_REPLICA_PIECE_H */
