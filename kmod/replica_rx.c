// SPDX-License-Identifier: GPL-2.0
/*
 * The replica's receive path: a frame from a peer's link is decoded,
 * its payloads checked against the payload store (kmod/payload.c) and the
 * volume's range, and the message stepped into the core under the
 * replica's lock (kmod/replica.h).  A link going up or down is told to
 * userspace (a netlink event) and, going up, noted for the next tick to
 * tell the core (r->links_up), without the lock.  Both are called from
 * the transport's receive context with nothing held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/mm.h>

#include "replica.h"
#include "compat.h"
#include "testing.h"
#include "trace.h"

/*
 * Why held bytes under a ref are kept against @from's other bytes in a
 * PAYLOAD frame (rx_payload_conflict()): NULL if the proposer's bytes
 * may replace them (synod_pay_kept_why()), in place.  A PAYLOAD frame
 * carries one buffer, and a held chain has one at least, so it is
 * never too short for it; checked all the same, as replacing in place
 * needs it.
 */
static const char *conflict_kept(const struct synod_pay *pay, u32 from,
				 bool busy, u32 plen)
{
	const char *why = synod_pay_kept_why(pay, from, busy);

	if (!why && plen > pay->nseg * SYNOD_PAY_BUF_BYTES)
		return "chain too short";
	return why;
}

/*
 * Count and log the peers in @liars that sent other bytes under
 * @pay's ref than the ones kept: the held copy was replaced by
 * @from's, its proposer's, if @why is NULL (@liars: the peers that
 * had sent the copy), else @from's were refused for @why (@liars:
 * @from).  A test build logs which way it went.
 */
static void conflict_count(struct synod_repl *r, u32 from,
			   const struct synod_pay *pay, u32 liars,
			   const char *why, bool busy)
{
	u32 n;

	if (!why && SYNOD_TEST_BUILD)
		pr_info("%s: TEST: ref %llx replaced by its proposer's bytes\n",
			r->vol->name, pay->ref);
	else if (SYNOD_TEST_BUILD)
		pr_info("%s: TEST: ref %llx kept (%s), node %u's bytes refused\n",
			r->vol->name, pay->ref, why, from);
	for (n = 0; n < SYNOD_NODES_MAX; n++) {
		if (!(liars & BIT(n)))
			continue;
		r->rx_unbound[n]++;
		if (!why || n != from || (pay->ref >> 56) != n + 1)
			pr_warn_ratelimited("%s: node %u sent other data under ref %llx than its proposer: dropped\n",
					    r->vol->name, n, pay->ref);
		else if (pay->durable)
			pr_warn_ratelimited("%s: node %u sent other data under ref %llx than our journal holds: dropped\n",
					    r->vol->name, n, pay->ref);
		else if (pay->pins)
			pr_warn_ratelimited("%s: node %u sent other data under ref %llx than we are writing: dropped\n",
					    r->vol->name, n, pay->ref);
		else if (busy)
			pr_warn_ratelimited("%s: node %u sent other data under ref %llx than we are sending: dropped\n",
					    r->vol->name, n, pay->ref);
		else
			pr_warn_ratelimited("%s: node %u sent other data under ref %llx, kept (%s): dropped\n",
					    r->vol->name, n, pay->ref, why);
	}
}

/*
 * Other bytes under a ref we hold, from @from.  The ref's proposer (the
 * top byte of the ref, payload.c) defines its bytes: if @from is the
 * proposer and the held copy came only from other peers, the proposer's
 * bytes replace it and those peers are counted; otherwise @from is.
 * Bytes a journal record of ours holds (pay->durable) are never
 * replaced, not even by the proposer (a ref collision, or a proposer
 * gone wrong): recovery would replay other data than we applied.  Nor
 * are pinned bytes: a bio of the journal or the data area may be
 * reading them, nor busy ones: a socket or a send ring may be sending
 * (and resending) them to another peer (payload.h); a buffer lent but
 * no longer busy has no reader, and none can come while we hold the
 * replica's lock.  The sender is counted then.  Bytes that came in
 * pieces (@data NULL) were put together apart and swapped in already
 * where they could be (replica_piece.c): here they are only counted,
 * for the same reasons.  Returns whether the frame's bytes were taken.
 */
static bool rx_payload_conflict(struct synod_repl *r, u32 from,
				struct synod_pay *pay, const u8 *data,
				u32 plen)
{
	bool busy = synod_pay_busy(&r->pay, pay);	/* read once */
	u32 liars = BIT(from);
	const char *why;

	if (data)
		why = conflict_kept(pay, from, busy, plen);
	else	/* only what replica_piece.c kept comes here: never NULL */
		why = synod_pay_kept_why(pay, from, busy) ?: "sent in pieces";

	/*
	 * The length first (a shorter payload gives back the buffers it
	 * leaves), then the bytes: a buffer busy since @busy was read (a
	 * transient page reference, payload.h) refuses them, and the held
	 * bytes stay whole under their own length.
	 */
	if (!why && !synod_pay_replace(&r->pay, pay, data, plen))
		why = "being sent";
	if (!why) {
		liars = pay->senders;
		pay->senders = BIT(from);
	}
	conflict_count(r, from, pay, liars, why, busy);
	return !why;
}

/*
 * Test build: every Nth payload frame received (by any replica of the
 * module) is dropped as if the store were full, so that a test sees
 * that backpressure resent and counted as such.  0, the default: never.
 */
static uint test_rx_nobuf;
SYNOD_TEST_PARAM(test_rx_nobuf, uint,
		 "drop every Nth payload frame received as if the payload store were full (0: never)");
static atomic_t test_rx_nobuf_seen = ATOMIC_INIT(0);

static bool test_nobuf_now(void)
{
	uint n = READ_ONCE(test_rx_nobuf);

	return SYNOD_TEST_BUILD && n &&
	       atomic_inc_return(&test_rx_nobuf_seen) % n == 0;
}

/*
 * A well-formed payload frame or piece of @ref came from @from: if the
 * data is its own (a leader's writes, not ones it relays), the tick
 * tells the core that @from was heard (synod_replica_leader_bytes()),
 * whether or not there was room for it here.
 */
static void note_bytes(struct synod_repl *r, u32 from, u64 ref)
{
	if (from < SYNOD_NODES_MAX && (ref >> 56) == from + 1)
		set_bit(from, &r->rx_bytes);
}

/*
 * A payload frame from @from: keep the data under its ref, bound to
 * @from (payload.h), by the rules of synod_piece_payload()
 * (replica_piece.c), which decides and is tested on its own; here the
 * frame is checked and what it did counted.  No room, or bytes kept out
 * for now: backpressure, the sender resends the payload with its
 * message.  Other bytes under a ref already held: the conflict path
 * (rx_payload_conflict()), which replaces them or counts the sender.
 * The frame's header is at @f, its bytes at @data: in the landing
 * buffer @land if it was received in place (payload.h), else NULL.
 */
static void rx_payload(struct synod_repl *r, u32 from, const u8 *f, u32 len,
		       const u8 *data, struct synod_pay *land)
{
	struct synod_piece_asm *a;
	struct synod_pay *held;
	u32 plen;
	u64 ref;

	if (len < SYNOD_PAYLOAD_HDR || from >= SYNOD_NODES_MAX)
		goto drop;
	plen = synod_get_le32(f + 4);
	ref = synod_get_le64(f + 8);
	/* refs carry their proposer + 1 in the top byte (payload.c) */
	if (plen != len - SYNOD_PAYLOAD_HDR || !plen ||
	    plen > SYNOD_PAYLOAD_MAX || plen % SECTOR_SIZE ||
	    !(ref >> 56) || (ref >> 56) > SYNOD_NODES_MAX)
		goto drop;
	note_bytes(r, from, ref);
	a = &r->piece[from];
	if (test_nobuf_now()) {
		/* as if the store were full: as synod_piece_payload() */
		synod_piece_hold_back(a, ref);
		r->rx_drop[SYNOD_RXD_NOBUF]++;
		return;
	}
	switch (synod_piece_payload(&r->pay, &r->core, a, from, ref, data,
				    plen, land, &held)) {
	case SYNOD_PIECE_DONE:
		return;
	case SYNOD_PIECE_NOBUF:
		r->rx_drop[SYNOD_RXD_NOBUF]++;
		return;
	case SYNOD_PIECE_CONFLICT:
		if (held && rx_payload_conflict(r, from, held, data, plen))
			return;
		break;
	default:
		break;
	}
drop:
	r->rx_drop[SYNOD_RXD_BAD]++;
}

/*
 * Abandon the assemblies of the peers whose link went down since we
 * last looked (synod_repl_link_event()): their last pieces are lost
 * with the connection, and the sender resends the payload whole.  The
 * down is of our outgoing link and may be told after pieces came on a
 * new incoming one: the rest of an abandoned payload is dropped
 * quietly, not counted as out of order.
 */
void synod_repl_pieces_reset(struct synod_repl *r)
{
	struct synod_piece_asm *a;
	u32 n;

	lockdep_assert_held(&r->lock);
	if (!READ_ONCE(r->piece_reset))
		return;
	for (n = 0; n < SYNOD_NODES_MAX; n++) {
		if (!test_and_clear_bit(n, &r->piece_reset))
			continue;
		a = &r->piece[n];
		if (synod_piece_abandon(&r->pay, a))
			a->skip = true;		/* a->ref: the one abandoned */
	}
}

/*
 * Every assembly abandoned: the volume goes down or is fenced, and
 * nothing may stay pinned (synod_pay_exit() warns of what is).
 */
void synod_repl_pieces_abandon(struct synod_repl *r)
{
	u32 n;

	lockdep_assert_held(&r->lock);
	for (n = 0; n < SYNOD_NODES_MAX; n++)
		synod_piece_abandon(&r->pay, &r->piece[n]);
}

/*
 * A piece frame from @from (replica_piece.c puts a peer's pieces
 * together): counted by what it did.  A store with no room counts once
 * per payload, as one PAYLOAD frame would; a piece out of order is BAD
 * (an honest link never makes one); other bytes under a ref held whole
 * are the proposer's, which replaced the held copy (its senders are
 * counted), or go to the conflict path, which counts @from.  @data and
 * @land as for rx_payload().
 */
static void rx_piece(struct synod_repl *r, u32 from, const u8 *f, u32 len,
		     const u8 *data, struct synod_pay *land)
{
	struct synod_piece_hdr h;
	struct synod_pay *held;
	int err;

	if (from >= SYNOD_NODES_MAX) {
		r->rx_drop[SYNOD_RXD_BAD]++;
		return;
	}
	err = synod_piece_parse(f, len, synod_repl_write_max(r), &h);
	if (err) {
		synod_piece_abandon(&r->pay, &r->piece[from]);
		r->rx_drop[SYNOD_RXD_BAD]++;
		if (err == -EFBIG)
			pr_warn_ratelimited("%s: node %u sent a piece of a payload of %u bytes, this volume takes %u: dropped\n",
					    r->vol->name, from, h.total,
					    synod_repl_write_max(r));
		return;
	}
	note_bytes(r, from, h.ref);
	if (!h.off && test_nobuf_now()) {
		synod_piece_abandon(&r->pay, &r->piece[from]);
		r->piece[from].ref = h.ref;
		r->piece[from].skip = true;
		r->rx_drop[SYNOD_RXD_NOBUF]++;
		return;
	}
	switch (synod_piece_rx(&r->pay, &r->core, &r->piece[from], from, &h,
			       data, land, &held)) {
	case SYNOD_PIECE_TAKEN:
	case SYNOD_PIECE_DONE:
		r->rx_pieces[from]++;
		break;
	case SYNOD_PIECE_SKIP:
		break;
	case SYNOD_PIECE_NOBUF:
		/* backpressure: the sender resends it with its message */
		r->rx_drop[SYNOD_RXD_NOBUF]++;
		break;
	case SYNOD_PIECE_BAD:
		r->rx_drop[SYNOD_RXD_BAD]++;
		pr_warn_ratelimited("%s: node %u sent a piece of ref %llx out of order (at %u of %u): dropped\n",
				    r->vol->name, from, h.ref, h.off, h.total);
		break;
	case SYNOD_PIECE_CONFLICT:
		if (held && !rx_payload_conflict(r, from, held, NULL, h.total))
			r->rx_drop[SYNOD_RXD_BAD]++;
		break;
	case SYNOD_PIECE_REPLACED:
		r->rx_pieces[from]++;
		if (held)
			conflict_count(r, from, held, r->piece[from].replaced,
				       NULL, false);
		break;
	}
}

/*
 * Every write of @m must have its payload here, delivered by @m's
 * sender itself, before the core sees it.  One not here at all sets
 * *@why to SYNOD_RXD_NOPAY: its frame was dropped for want of a buffer,
 * or a sweep let it go, and the sender resends both (a peer naming a
 * ref nobody ever sent looks the same from here).  So does one here
 * from another sender whose bytes from @m's sender were refused with
 * no difference seen: pieces skipped, a PAYLOAD frame dropped as
 * backpressure (synod_piece_skipped()).  One here but from another
 * sender otherwise leaves *@why as it is (a fault, counted by peer).
 */
static bool msg_payloads_present(struct synod_repl *r,
				 const struct synod_msg *m,
				 enum synod_rx_drop *why)
{
	struct synod_pay *pay;
	u32 i, k;

	for (i = 0; i < m->count; i++) {
		if (m->e[i].kind != SYNOD_ENTRY_WRITE)
			continue;
		for (k = 0; k < m->e[i].nwrites; k++) {
			pay = synod_pay_find(&r->pay, m->e[i].w[k].ref);
			if (!pay || !pay->len) {
				*why = SYNOD_RXD_NOPAY;
				return false;
			}
			if (!(pay->senders & BIT(m->from)) &&
			    m->from < SYNOD_NODES_MAX &&
			    synod_piece_skipped(&r->piece[m->from], pay->ref)) {
				*why = SYNOD_RXD_NOPAY;
				return false;
			}
			if (!(pay->senders & BIT(m->from))) {
				r->rx_unbound[m->from]++;
				return false;
			}
			synod_pay_seen(&r->pay, pay);
		}
	}
	return true;
}

/*
 * Every write of @m must lie inside our data area, whatever message
 * carries it: an ACCEPT, the values a PROMISE reports for recovery, a
 * CATCHUP.  Block numbers from the wire are trusted nowhere: a message
 * with one outside is refused whole (counted in status, logged), so such
 * an entry is never accepted, recovered or applied here.  So is one
 * whose payload is longer than this volume takes (a relayed or
 * recovered one too: rx_piece() refuses only what comes in pieces).  The payloads
 * are present (msg_payloads_present()), so their lengths are known.
 */
static bool msg_writes_in_range(struct synod_repl *r, u32 from,
				const struct synod_msg *m)
{
	const struct synod_entry *e;
	struct synod_pay *pay;
	u32 i, k;

	for (i = 0; i < m->count; i++) {
		e = &m->e[i];
		if (e->kind != SYNOD_ENTRY_WRITE)
			continue;
		for (k = 0; k < e->nwrites; k++) {
			pay = synod_pay_find(&r->pay, e->w[k].ref);
			if (pay && pay->len > synod_repl_write_max(r)) {
				/*
				 * the journal would refuse its record and
				 * fence us (rec_ok()) after the core took it
				 */
				r->out_of_range++;
				pr_warn_ratelimited("%s: node %u sent a write of %u bytes, this volume takes %u (slot %llu): refused\n",
						    r->vol->name, from, pay->len,
						    synod_repl_write_max(r),
						    e->slot);
				return false;
			}
			if (pay && synod_block_range_ok(e->w[k].block,
					pay->len >> SECTOR_SHIFT,
					synod_repl_sectors(r)))
				continue;
			r->out_of_range++;
			pr_warn_ratelimited("%s: node %u sent a write outside the data area (slot %llu, sector %llu): refused\n",
					    r->vol->name, from, e->slot,
					    e->w[k].block);
			return false;
		}
	}
	return true;
}

/*
 * Journal records the step of message frame @f may queue.  Messages that
 * carry entries to persist (an ACCEPT, a CATCHUP, a PROMISE whose values
 * a new leader proposes again) leave room like the rest of the traffic;
 * the rest (acknowledgements, heartbeats, a PREPARE's promise) only as
 * much as an input that proposes into the window (replica.h).  So on a
 * leader whose journal is slow the receive work still brings the
 * followers' acknowledgements, which commit without its record, while
 * the submission pass alone waits for room.  The type is read before
 * the frame is decoded (the decode goes into r->msg, which the lock
 * guards, and the lock may be dropped here); a frame too short for it
 * is refused by the decoder after.
 */
static u32 rx_reserve(const u8 *f, u32 len)
{
	u8 type = len > 1 + SYNOD_WIRE_TYPE_OFF ? f[1 + SYNOD_WIRE_TYPE_OFF] : 0;

	switch (type) {
	case SYNOD_MSG_ACCEPT:
	case SYNOD_MSG_CATCHUP:
	case SYNOD_MSG_PROMISE:
		return SYNOD_JQ_RESERVE;
	default:
		return SYNOD_JQ_RESERVE_LOCAL;
	}
}

/*
 * One frame from peer @from, the replica's lock held: @len bytes, the
 * first at @f; a PAYLOAD or PIECE frame's bytes past its header at
 * @data, in the landing buffer @land if the frame was received in
 * place (synod_repl_rx_placed()), else NULL and @f holds them all.
 */
static void repl_rx_frame(struct synod_repl *r, u32 from, const u8 *f,
			  u32 len, const u8 *data, struct synod_pay *land)
{
	enum synod_rx_drop why;
	int err;

	if (!len) {
		r->rx_drop[SYNOD_RXD_BAD]++;	/* not even a kind */
		return;
	}
	/*
	 * Room in the journal's next group for what the message's step
	 * queues, before anything of it is checked: the lock may be
	 * dropped meanwhile, and a sweep then (a submission pass) could
	 * free payloads found present.
	 */
	if (f[0] == SYNOD_FRAME_MSG)
		synod_jq_reserve(r, rx_reserve(f, len));
	if (!r->up || r->fenced)
		return;
	synod_repl_pieces_reset(r);
	if (f[0] == SYNOD_FRAME_PIECE) {
		rx_piece(r, from, f, len, data ?: f + SYNOD_PIECE_HDR, land);
		return;
	}
	/*
	 * A peer queues a payload's pieces back to back: any other frame
	 * in between means its connection was reset midway (the incoming
	 * one, which link_event() does not report).  Not a fault.
	 */
	if (from < SYNOD_NODES_MAX)
		synod_piece_abandon(&r->pay, &r->piece[from]);
	if (f[0] == SYNOD_FRAME_PAYLOAD) {
		rx_payload(r, from, f, len, data ?: f + SYNOD_PAYLOAD_HDR,
			   land);
		return;
	}
	/* only PAYLOAD and PIECE frames are placed (rx_place()) */
	if (WARN_ON_ONCE(data)) {
		r->rx_drop[SYNOD_RXD_BAD]++;
		return;
	}
	if (f[0] == SYNOD_FRAME_RESYNC_REQ) {
		synod_resync_serve(r, from, f, len);
		return;
	}
	if (f[0] == SYNOD_FRAME_RESYNC_REPLY) {
		synod_resync_reply(r, from, f, len);
		return;
	}
	if (f[0] == SYNOD_FRAME_STEPDOWN) {
		if (len != 1) {
			r->rx_drop[SYNOD_RXD_BAD]++;
			return;
		}
		/* Another replica was promoted: hand over, stay quiet. */
		if (r->core.role == SYNOD_LEADER) {
			pr_info("%s: node %u was promoted: stepping down\n",
				r->vol->name, from);
			SYNOD_CORE(r, synod_replica_resign(&r->core, synod_repl_now(),
					SYNOD_STEPDOWN_QUIET_NS, &r->out));
			synod_repl_execute(r);
		}
		return;
	}
	err = -EINVAL;
	why = SYNOD_RXD_BAD;
	if (f[0] == SYNOD_FRAME_MSG)
		SYNOD_CORE(r, err = synod_wire_decode(f + 1, len - 1, &r->msg));
	if (err || r->msg.from != from || r->msg.volume != r->volume_id ||
	    !msg_payloads_present(r, &r->msg, &why) ||
	    !msg_writes_in_range(r, from, &r->msg)) {
		r->rx_drop[why]++;
		return;
	}
	synod_repl_peer_heard(r, from, &r->msg);
	/* room for this frame's outputs, taken before its time is */
	if (!synod_out_room(&r->out)) {
		synod_repl_execute(r);
		if (r->fenced)
			return;
	}
	/* past a slot we lack, only what the journal can hold */
	synod_room_filter_msg(r, &r->msg);
	/* after the outputs carried out above, which are older frames' */
	trace_synod_msg_in(r->vol->name, &r->msg, from);
	SYNOD_CORE(r, synod_replica_step(&r->core, synod_repl_now(), &r->msg,
					 &r->out));
	/*
	 * The outputs wait for the run's end (synod_repl_rx_done()), so that
	 * the journal records of every frame that came together are one
	 * group and one (FUA) write, unless group_records of them gathered
	 * (then they go at this input's end); the lock is never left with
	 * an outbox that another input could overflow.
	 */
	if (!synod_out_room(&r->out) || READ_ONCE(r->core_failed) ||
	    r->out.npersist >= max(1u, READ_ONCE(synod_group_records)))
		synod_repl_execute(r);
	else
		WRITE_ONCE(r->rx_deferred, true);
}

/*
 * Test build: no frame is received in place (rx_place() declines), so
 * that a test sees the copy path alone, and that the counters of the
 * other one stay 0.
 */
static bool test_rx_place_off;
SYNOD_TEST_PARAM(test_rx_place_off, bool,
		 "receive no payload frame into a payload buffer, copy them all");

/*
 * After a PAYLOAD or PIECE frame from @from: the peer's landing buffer
 * (payload_land.c), if it has none yet and the store can spare one, so
 * that its next frames are received in place.  Only while up and not
 * fenced: going down gives them back (synod_repl_land_give_all()), and
 * no frame is taken after.  Its first frame, and every frame while the
 * store is full, is copied.
 */
static void land_take(struct synod_repl *r, u32 from, const u8 *f, u32 len)
{
	u32 i;

	if (!len || (f[0] != SYNOD_FRAME_PAYLOAD &&
		     f[0] != SYNOD_FRAME_PIECE) ||
	    from >= SYNOD_NODES_MAX || r->land[from] != SYNOD_PAY_NONE ||
	    !r->up || r->fenced || READ_ONCE(test_rx_place_off))
		return;
	/*
	 * Only a frame long enough to be placed (tcp_rx.c places one with
	 * 4 KiB or more still to come after its head): a peer that sends
	 * 4 KiB writes keeps no buffer for nothing.  And only with a free
	 * buffer at hand: with the store exhausted, making room is a sweep
	 * under the lock, which every payload frame would run again.
	 */
	if (len <= SYNOD_PAYLOAD_HDR + 2 * 4096 || !r->pay.nfree)
		return;
	i = synod_pay_land_take(&r->pay, &r->core);
	WRITE_ONCE(r->land[from], i);
}

/*
 * Every peer's landing buffer back to the store: the volume goes down,
 * after tops->stop(), so no rx work writes into one any more.  The
 * replica's lock held.
 */
void synod_repl_land_give_all(struct synod_repl *r)
{
	u32 n;

	lockdep_assert_held(&r->lock);
	for (n = 0; n < SYNOD_NODES_MAX; n++) {
		if (r->land[n] == SYNOD_PAY_NONE)
			continue;
		synod_pay_land_give(&r->pay, r->land[n]);
		WRITE_ONCE(r->land[n], SYNOD_PAY_NONE);
	}
}

/*
 * Transport upcall: one frame from peer @from.  The transport's thread
 * serves the disk (it brings the acknowledgements writes wait for), so
 * nothing it does here may wait for writeback: memalloc_noio.
 */
void synod_repl_rx(void *ctx, u32 from, const u8 *f, u32 len)
{
	struct synod_repl *r = ctx;
	unsigned int noio;

	noio = memalloc_noio_save();
	mutex_lock(&r->lock);
	repl_rx_frame(r, from, f, len, NULL, NULL);
	land_take(r, from, f, len);
	synod_repl_unlock_rx(r);
	memalloc_noio_restore(noio);
}

/*
 * Transport upcall, without the lock, before the bytes of a frame from
 * @from are read: where they go (transport.h).  Into @from's landing
 * buffer, past the header, if the frame says it is a PAYLOAD or PIECE
 * frame that fits one buffer; else NULL, and it comes whole to rx().
 * Nothing of the frame is authenticated yet, its length is all the
 * transport checked: hence the bound on it (synod_land_at()), before
 * anything is written (a forged PIECE of 20 KiB would overrun a 16 KiB
 * buffer).
 * The frame may be dropped after; then the buffer holds bytes nobody
 * reads, and the next frame overwrites them.  Reads r->land[] and the
 * slot's page, which only this same work changes (rx_placed(), rx()),
 * or stop() before them.
 */
void *synod_repl_rx_place(void *ctx, u32 from, const u8 *f, u32 len, u32 *at)
{
	struct synod_repl *r = ctx;
	u32 i, hdr;

	if (from >= SYNOD_NODES_MAX || READ_ONCE(test_rx_place_off))
		return NULL;
	i = READ_ONCE(r->land[from]);
	if (i >= SYNOD_PAY_COUNT)
		return NULL;
	hdr = synod_land_at(f, len);
	if (!hdr)
		return NULL;
	*at = hdr;
	return r->pay.pay[i].data;
}

/*
 * Transport upcall: rx() of a frame that rx_place() placed, checked now:
 * its first @at bytes at @f, the @tail_len others at @tail, which must
 * be @from's landing buffer (else they are copied, as from any frame).
 */
void synod_repl_rx_placed(void *ctx, u32 from, const u8 *f, u32 at,
			  u8 *tail, u32 tail_len)
{
	struct synod_repl *r = ctx;
	struct synod_pay *land = NULL;
	unsigned int noio;
	u32 i;

	noio = memalloc_noio_save();
	mutex_lock(&r->lock);
	i = from < SYNOD_NODES_MAX ? r->land[from] : SYNOD_PAY_NONE;
	if (!WARN_ON_ONCE(i >= SYNOD_PAY_COUNT || r->pay.pay[i].data != tail))
		land = &r->pay.pay[i];
	repl_rx_frame(r, from, f, at + tail_len, tail, land);
	synod_repl_unlock_rx(r);
	memalloc_noio_restore(noio);
}

/*
 * Transport upcall: the run of frames that had arrived is over.  Carry
 * out what they left in r->out: their records go to the journal in one
 * group commit (on a follower written here, unless a write is in
 * flight: synod_repl_unlock_rx()), and the acknowledgements follow once
 * it is durable.  The room for them was made before each frame's step
 * (synod_jq_reserve()).
 */
void synod_repl_rx_done(void *ctx)
{
	struct synod_repl *r = ctx;
	unsigned int noio;

	/* a round of handshakes or reaping only: not the lock */
	if (!READ_ONCE(r->rx_deferred))
		return;
	noio = memalloc_noio_save();
	mutex_lock(&r->lock);
	WRITE_ONCE(r->rx_deferred, false);
	synod_repl_execute(r);
	synod_repl_unlock_rx(r);
	memalloc_noio_restore(noio);
}

/*
 * Transport upcall, from the same thread as rx(): a link went up or down.
 * Up: frames queued on the old connection may be lost, so the next tick
 * tells the core to resend what the peer has not acked (r->links_up); not
 * here under the lock, which a stalled disk may hold for long.
 */
void synod_repl_link_event(void *ctx, u32 node, bool up)
{
	struct synod_repl *r = ctx;
	unsigned int noio = memalloc_noio_save();

	if (up && node < SYNOD_NODES_MAX) {
		set_bit(node, &r->links_up);
		/* a large payload refused to it is logged again, once */
		clear_bit(node, &r->refused_large_logged);
	}
	/* its pieces in flight are lost: abandoned under the lock, later */
	if (!up && node < SYNOD_NODES_MAX)
		set_bit(node, &r->piece_reset);
	r->host->notify(r->net, up ? SYNOD_EVENT_PEER_CONNECTED :
				     SYNOD_EVENT_PEER_DISCONNECTED,
			r->vol->name, U32_MAX, U32_MAX, 0, node);
	memalloc_noio_restore(noio);
}
