// SPDX-License-Identifier: GPL-2.0
/*
 * A payload longer than one frame arrives as PIECE frames (replica_piece.h:
 * one buffer each, in order, back to back), which are put together here
 * into a chain of the payload store, one open assembly per peer.  The
 * chain is stored whole when the first piece comes (all its buffers or
 * none, payload.h), pinned while it fills so that no sweep frees it, and
 * has no length until the last piece is in: until then the store calls
 * it absent to a message that names it (replica_rx.c), and the sender
 * resends both.  Every length and offset from the wire is checked before
 * it is used.  The rules, one peer at a time:
 *  - off 0 opens an assembly (abandoning one still open: the connection
 *    was reset midway).  Store full: counted once (NOBUF) and the rest of
 *    that payload's pieces dropped quietly.  A ref already complete here
 *    (a resend) is compared piece by piece instead of copied, unless this
 *    peer sent those bytes already (then nothing is read, as for a
 *    PAYLOAD frame); the first difference is a conflict (the caller runs
 *    its conflict path) and the rest of the payload is dropped.
 *  - Unless the sender is the ref's proposer and the copy held may give
 *    way to its bytes (synod_pay_kept_why(): not journaled, pinned or
 *    busy, sent by other peers only): then, from the first difference
 *    on (or from the first piece, if the totals differ), the pieces go
 *    into a fresh chain apart from the hash, the bytes compared equal
 *    before copied from the held copy, and once whole that chain is
 *    swapped in for the held one (REPLACED: the caller counts the peers
 *    that sent the held copy), which the next sweep frees.  No fresh
 *    chain to be had: NOBUF, the rest dropped, as for a full store.
 *    Nor while the copy is pinned and not journaled (another peer's
 *    pieces are compared with it, or a bio reads it): NOBUF too, not a
 *    conflict, as the pin ends soon; the proposer sends both again and
 *    the rule decides then (piece_kept()).
 *  - The next piece in order is copied in (or compared).
 *  - The last one sets the length, binds the payload to its sender and
 *    unpins it.
 *  - Anything else (a piece out of order, or of another ref) abandons
 *    the assembly: unpinned, its chain left to the sweep (a fresh chain
 *    given back at once).  This cannot happen on an honest link, so it
 *    is counted BAD by the caller.
 * The replica abandons a peer's assembly also when that peer's link goes
 * down, and all of them when it goes down or is fenced, so nothing is
 * left pinned (replica_rx.c).  A payload of one buffer comes in one
 * PAYLOAD frame instead, by the same rules (synod_piece_payload()).
 * A ref refused with no difference seen in its bytes is held back for
 * the peer (@held_back, replica_piece.h) until it sends that ref again:
 * its message, in a frame after, finds the payload absent.  The
 * replica's lock is held throughout.
 */
#include <linux/blkdev.h>
#include <linux/errno.h>

#include "replica_piece.h"
#include "core/wire.h"

/*
 * Where the bytes of a frame from the socket may land in a payload
 * buffer (synod_repl_rx_place()): the size of its header, past which
 * the rest goes into a buffer of SYNOD_PAY_BUF_BYTES, or 0 if it must
 * come whole to rx().  @f holds at least the kind byte; nothing of the
 * frame is authenticated yet, and @len is only what the transport
 * bounded (SYNOD_FRAME_MAX, more than a buffer): this bound is all
 * that keeps a forged PAYLOAD or PIECE header from writing past the
 * buffer's page.  A frame of its header alone has nothing to land.
 */
u32 synod_land_at(const u8 *f, u32 len)
{
	u32 hdr;

	if (f[0] == SYNOD_FRAME_PAYLOAD)
		hdr = SYNOD_PAYLOAD_HDR;
	else if (f[0] == SYNOD_FRAME_PIECE)
		hdr = SYNOD_PIECE_HDR;
	else
		return 0;
	if (len <= hdr || len - hdr > SYNOD_PAY_BUF_BYTES)
		return 0;
	return hdr;
}

/*
 * Decode and check the piece frame @f of @len bytes into *@h: 0, or
 * -EINVAL for anything a sender of ours never makes, or -EFBIG for a
 * payload longer than @max, the largest write this replica may journal
 * (synod_repl_write_max()): well formed, but the journal would refuse
 * its record (journal.c, rec_ok()) and fence the replica after the core
 * accepted it.  Nothing of a frame is trusted before this.
 */
int synod_piece_parse(const u8 *f, u32 len, u32 max,
		      struct synod_piece_hdr *h)
{
	u32 left;

	if (len < SYNOD_PIECE_HDR || f[0] != SYNOD_FRAME_PIECE || f[1] ||
	    f[2] || f[3])
		return -EINVAL;
	h->total = synod_get_le32(f + 4);
	h->ref = synod_get_le64(f + 8);
	h->off = synod_get_le32(f + 16);
	h->len = synod_get_le32(f + 20);
	if (h->len != len - SYNOD_PIECE_HDR || !h->total ||
	    h->total > SYNOD_PAY_BYTES_MAX || h->total % SECTOR_SIZE ||
	    h->off % SYNOD_PAY_BUF_BYTES || h->off >= h->total)
		return -EINVAL;
	/* refs carry their proposer + 1 in the top byte (payload.c) */
	if (!(h->ref >> 56) || (h->ref >> 56) > SYNOD_NODES_MAX)
		return -EINVAL;
	/* every piece a whole buffer but the last: off + len <= total */
	left = h->total - h->off;
	if (h->len != min(left, SYNOD_PAY_BUF_BYTES))
		return -EINVAL;
	return h->total > max ? -EFBIG : 0;
}

/*
 * Let go of @a's open assembly, if any: unpinned, its chain (no length
 * yet, or complete if it was being compared) left to the sweep or to
 * whoever holds it; a fresh chain (nothing else knows it) back to the
 * store's free buffers at once.  Returns whether one was open.  A ref
 * whose pieces were being skipped without a difference in their bytes
 * (no room, another peer's assembly filling it, a link reset) is kept
 * as the peer's @held_back: every frame other than a piece comes here
 * (replica_rx.c), the peer's message naming the ref among them, and
 * that message must find the payload absent, not unbound
 * (synod_piece_skipped()).
 */
bool synod_piece_abandon(struct synod_paystore *ps, struct synod_piece_asm *a)
{
	struct synod_pay *head = a->head;
	bool fresh = a->fresh;

	/* a skip has no chain open: piece_open() and friends return first */
	WARN_ON_ONCE(a->skip && head);
	if (a->skip && !a->conflict && !head && a->ref)
		synod_piece_hold_back(a, a->ref);
	a->skip = false;
	a->conflict = false;
	a->fresh = false;
	if (!head)
		return false;
	WARN_ON_ONCE(!head->pins);
	synod_pay_unpin(head);
	a->head = NULL;
	if (fresh)
		synod_pay_drop(ps, head);
	return true;
}

/*
 * Whether @a's peer sent payload @ref in pieces that were skipped here
 * without a difference in its bytes: for want of a buffer, or because
 * another peer's pieces of it were being put together, or its link went
 * down midway; or sent bytes of it kept out for now (@a->held_back).
 * The first clause holds while the skip lasts, the second after
 * synod_piece_abandon() too, which comes before the peer's message.
 * Then a message of that peer naming @ref finds it held but not bound
 * to the peer (the other's copy), which is no fault of the peer's (an
 * honest leader change sends the same ref twice): the caller treats it
 * as absent, and the peer resends it.
 */
bool synod_piece_skipped(const struct synod_piece_asm *a, u64 ref)
{
	return (a->skip && !a->head && a->ref == ref && !a->conflict) ||
	       (ref && a->held_back == ref);
}

/*
 * @a's peer, the proposer of @ref, sent bytes of it that the copy held
 * here keeps out only for now (synod_pay_kept_for_now()), in pieces or
 * in one PAYLOAD frame (replica_rx.c): its message naming @ref, which
 * comes after another frame and so after synod_piece_abandon(), finds
 * the payload absent (synod_piece_skipped()), and both come again.
 */
void synod_piece_hold_back(struct synod_piece_asm *a, u64 ref)
{
	WARN_ON_ONCE(!ref);
	a->held_back = ref;
}

/*
 * @len bytes at @data into chain @head at byte @off: if they were
 * received in place (@land, the landing buffer @data is in), by taking
 * @land's page (synod_pay_land_swap()), else, or if that page or the
 * chain's may not move now, copied.
 */
static void piece_take(struct synod_paystore *ps, struct synod_pay *head,
		       u32 off, const u8 *data, u32 len, struct synod_pay *land)
{
	if (!land || !synod_pay_land_swap(ps, head, off, land))
		synod_pay_copy_in(ps, head, off, data, len);
}

/* Whether @from's bytes may take the place of @held's (its proposer's). */
static bool may_replace(struct synod_paystore *ps, const struct synod_pay *held,
			u32 from)
{
	return !synod_pay_kept_why(held, from, synod_pay_busy(ps, held));
}

/*
 * @kept, held whole under @a->ref, stays against @from's other bytes
 * (!may_replace()): a conflict with it (*@held, the caller counts
 * @from), the rest of the payload dropped.  But if only for now, as it
 * is pinned and not journaled (another peer's pieces compared with it,
 * a bio reading it) and @from is its proposer: NOBUF, the rest skipped,
 * not a conflict, so the proposer's message finds the payload absent
 * (synod_piece_skipped()) and both come again, to be decided then.
 */
static enum synod_piece_res piece_kept(struct synod_piece_asm *a,
				       struct synod_pay *kept, u32 from,
				       struct synod_pay **held)
{
	a->skip = true;
	if (synod_pay_kept_for_now(kept, from)) {
		synod_piece_hold_back(a, kept->ref);
		return SYNOD_PIECE_NOBUF;
	}
	a->conflict = true;
	*held = kept;
	return SYNOD_PIECE_CONFLICT;
}

/*
 * The proposer @from's bytes of @h->ref differ from the copy @held
 * (may_replace()): go on in a fresh chain, pinned, its first @upto
 * bytes (whole buffers, compared equal) copied from @held.  @held is
 * pinned meanwhile: making room may sweep.  No room: NOBUF, and the
 * rest of the payload is skipped, not a conflict (its message finds
 * the payload absent, synod_piece_skipped(), and it comes again).
 */
static enum synod_piece_res piece_fresh(struct synod_paystore *ps,
					const struct synod_replica *core,
					struct synod_piece_asm *a,
					const struct synod_piece_hdr *h,
					struct synod_pay *held, u32 upto)
{
	struct synod_pay *fresh, *p = held;
	u32 off;

	WARN_ON_ONCE(a->head || upto % SYNOD_PAY_BUF_BYTES ||
		     upto > held->len);
	synod_pay_pin(held);
	fresh = synod_pay_store_fresh(ps, h->ref, h->total, core);
	for (off = 0; fresh && p && off < upto; off += SYNOD_PAY_BUF_BYTES,
	     p = synod_pay_next(ps, p))
		synod_pay_copy_in(ps, fresh, off, p->data, SYNOD_PAY_BUF_BYTES);
	synod_pay_unpin(held);
	if (!fresh) {
		a->skip = true;
		return SYNOD_PIECE_NOBUF;
	}
	synod_pay_pin(fresh);
	a->head = fresh;
	a->fresh = true;
	a->compare = false;
	return SYNOD_PIECE_TAKEN;
}

/* The first piece of a payload, @h->off 0: open an assembly for it. */
static enum synod_piece_res piece_open(struct synod_paystore *ps,
				       const struct synod_replica *core,
				       struct synod_piece_asm *a, u32 from,
				       const struct synod_piece_hdr *h,
				       struct synod_pay **held)
{
	struct synod_pay *head;

	synod_piece_abandon(ps, a);
	/* sent again: what comes of it now decides (held back anew, or not) */
	if (a->held_back == h->ref)
		a->held_back = 0;
	a->ref = h->ref;
	a->total = h->total;
	a->next_off = 0;
	a->compare = false;
	head = synod_pay_store(ps, h->ref, h->total, core);
	if (head && head->len) {
		/* complete here already: a resend, or another's copy */
		if (head->senders & BIT(from)) {
			synod_pay_seen(ps, head);
			a->skip = true;
			return SYNOD_PIECE_SKIP;
		}
		if (head->len != h->total) {
			if (may_replace(ps, head, from))
				return piece_fresh(ps, core, a, h, head, 0);
			return piece_kept(a, head, from, held);
		}
		a->compare = true;
	} else if (head && (head->pins || synod_pay_busy(ps, head) ||
			    h->total > head->nseg * SYNOD_PAY_BUF_BYTES)) {
		/*
		 * Stored without its bytes and pinned: another peer's
		 * assembly fills it; or busy, or too short (a PAYLOAD
		 * frame's): its bytes may not change now.  The sender
		 * resends with its message, as for a full store.
		 */
		head = NULL;
	}
	if (!head) {
		a->skip = true;
		return SYNOD_PIECE_NOBUF;
	}
	synod_pay_pin(head);
	a->head = head;
	return SYNOD_PIECE_TAKEN;
}

/*
 * The proposer @from's fresh chain in @a is whole: it takes the place
 * of what the store holds under the ref now, looked up again (a sweep
 * may have freed the copy the pieces differed from, or another peer's
 * pieces filled a new one meanwhile), if that still may give way
 * (may_replace()): REPLACED, *@held the fresh chain, a->replaced the
 * peers that sent the copy swapped out (DONE if no copy with bytes was
 * there any more).  The same bytes: the sender added, as for a resend.
 * Kept: the fresh chain given back, CONFLICT with *@held the copy kept,
 * or NOBUF if only pinned (piece_kept()).  Stored without its bytes and
 * pinned (another peer's pieces fill it): NOBUF, as piece_open().
 */
static enum synod_piece_res piece_swap(struct synod_paystore *ps,
				       struct synod_piece_asm *a, u32 from,
				       struct synod_pay **held)
{
	struct synod_pay *fresh = a->head;
	struct synod_pay *old = synod_pay_find(ps, a->ref);

	WARN_ON_ONCE(!a->fresh || !fresh->pins);
	synod_pay_unpin(fresh);
	a->head = NULL;
	a->fresh = false;
	a->replaced = 0;
	/* exactly as long as its total (synod_pay_store_fresh()) */
	if (WARN_ON_ONCE(!synod_pay_set_len(ps, fresh, a->total)) ||
	    (old && !old->len && (old->pins || synod_pay_busy(ps, old)))) {
		synod_pay_drop(ps, fresh);
		a->skip = true;
		return SYNOD_PIECE_NOBUF;
	}
	if (old && old->len && synod_pay_chains_equal(ps, old, fresh)) {
		synod_pay_drop(ps, fresh);
		old->senders |= BIT(from);
		synod_pay_seen(ps, old);
		return SYNOD_PIECE_DONE;
	}
	if (old && old->len && !may_replace(ps, old, from)) {
		synod_pay_drop(ps, fresh);
		return piece_kept(a, old, from, held);
	}
	fresh->senders = BIT(from);
	synod_pay_swap(ps, old, fresh);
	if (!old || !old->len)
		return SYNOD_PIECE_DONE;	/* no copy was there after all */
	a->replaced = old->senders & ~BIT(from);
	*held = fresh;
	return SYNOD_PIECE_REPLACED;
}

/*
 * One piece @h with its @h->len bytes at @data, from peer @from, whose
 * assembly is @a (replica_piece.h); @land: the landing buffer @data is
 * in (payload.h), whose page the chain may take instead of a copy, or
 * NULL.  Compared bytes stay where they are.  On SYNOD_PIECE_CONFLICT *@held is
 * the complete payload the bytes differ from, unpinned and kept: the
 * caller's conflict path counts the sender.  On SYNOD_PIECE_REPLACED
 * *@held is the proposer's payload now held under the ref, and
 * a->replaced the peers to count.  The rules are at the top of this
 * file.
 */
enum synod_piece_res synod_piece_rx(struct synod_paystore *ps,
				    const struct synod_replica *core,
				    struct synod_piece_asm *a, u32 from,
				    const struct synod_piece_hdr *h,
				    const u8 *data, struct synod_pay *land,
				    struct synod_pay **held)
{
	enum synod_piece_res res = SYNOD_PIECE_TAKEN;
	struct synod_pay *head;

	*held = NULL;
	if (WARN_ON_ONCE(from >= SYNOD_NODES_MAX))
		return SYNOD_PIECE_BAD;
	if (!h->off) {
		res = piece_open(ps, core, a, from, h, held);
		if (res != SYNOD_PIECE_TAKEN)
			return res;
	} else if (a->skip && a->ref == h->ref && !a->head) {
		return SYNOD_PIECE_SKIP;
	} else if (!a->head || a->ref != h->ref || a->total != h->total ||
		   a->next_off != h->off) {
		synod_piece_abandon(ps, a);
		return SYNOD_PIECE_BAD;
	}
	head = a->head;
	/* parse checked off + len <= total, which the chain holds */
	if (WARN_ON_ONCE((u64)h->off + h->len >
			 (u64)head->nseg * SYNOD_PAY_BUF_BYTES)) {
		synod_piece_abandon(ps, a);
		return SYNOD_PIECE_BAD;
	}
	if (a->compare && !synod_pay_equal_at(ps, head, h->off, data, h->len)) {
		synod_piece_abandon(ps, a);
		if (!may_replace(ps, head, from))
			return piece_kept(a, head, from, held);
		res = piece_fresh(ps, core, a, h, head, h->off);
		if (res != SYNOD_PIECE_TAKEN)
			return res;
		head = a->head;
	}
	if (!a->compare)
		piece_take(ps, head, h->off, data, h->len, land);
	a->next_off = h->off + h->len;
	if (a->next_off < a->total)
		return SYNOD_PIECE_TAKEN;
	if (a->fresh)
		return piece_swap(ps, a, from, held);
	/* whole: unpinned first, so that the length may cut the chain */
	synod_piece_abandon(ps, a);
	if (!a->compare && !synod_pay_set_len(ps, head, a->total))
		return SYNOD_PIECE_NOBUF;	/* busy: as rx_payload() */
	head->senders |= BIT(from);
	synod_pay_seen(ps, head);
	return SYNOD_PIECE_DONE;
}

/*
 * The bytes of payload @ref in one PAYLOAD frame, @plen bytes at @data
 * (checked by the caller: a whole number of sectors, at most one
 * buffer), from peer @from, whose assembly is @a; @land as for a piece
 * (synod_piece_rx()): the same rules as for pieces, for a payload of
 * one buffer.
 *  - No room, or stored without its bytes and pinned (another peer's
 *    pieces fill it, and its length may not change under them:
 *    synod_pay_set_len() warns), or left longer by an earlier store
 *    and busy, so that it cannot be cut to @plen now: NOBUF.
 *  - Held with other bytes, not sent by @from: the proposer's bytes
 *    kept out only while the copy is pinned (piece_kept()): NOBUF.
 *    Otherwise CONFLICT, *@held the copy: the caller's conflict path
 *    replaces it with the proposer's bytes, or counts @from.
 *  - Else the bytes are taken (or equal to those held): DONE, bound to
 *    @from, seen again (its message follows, as for a new one).
 * Every NOBUF holds the ref back (synod_piece_hold_back()): the bytes
 * were refused without a difference seen, so @from's message naming
 * @ref finds the payload absent, not unbound, even if another peer's
 * copy is held by then, and both come again.  A frame of @ref ends
 * what an earlier one held back.
 */
enum synod_piece_res synod_piece_payload(struct synod_paystore *ps,
					 const struct synod_replica *core,
					 struct synod_piece_asm *a, u32 from,
					 u64 ref, const u8 *data, u32 plen,
					 struct synod_pay *land,
					 struct synod_pay **held)
{
	struct synod_pay *pay;

	*held = NULL;
	if (WARN_ON_ONCE(from >= SYNOD_NODES_MAX || !ref || !plen ||
			 plen > SYNOD_PAY_BUF_BYTES))
		return SYNOD_PIECE_BAD;
	/* a PAYLOAD frame is no piece: the caller abandoned the assembly */
	WARN_ON_ONCE(a->head);
	if (a->held_back == ref)
		a->held_back = 0;
	pay = synod_pay_store(ps, ref, plen, core);
	if (pay && !pay->len && pay->pins)
		pay = NULL;
	if (!pay)
		goto nobuf;
	if (!pay->len && plen <= pay->nseg * SYNOD_PAY_BUF_BYTES) {
		/* the length first, then the bytes (payload.h) */
		if (!synod_pay_set_len(ps, pay, plen))
			goto nobuf;
		piece_take(ps, pay, 0, data, plen, land);
	} else if (!(pay->senders & BIT(from)) &&
		   !synod_pay_equal(ps, pay, data, plen)) {
		if (synod_pay_kept_for_now(pay, from))
			goto nobuf;
		*held = pay;
		return SYNOD_PIECE_CONFLICT;
	}
	pay->senders |= BIT(from);
	synod_pay_seen(ps, pay);
	return SYNOD_PIECE_DONE;
nobuf:
	synod_piece_hold_back(a, ref);
	return SYNOD_PIECE_NOBUF;
}
