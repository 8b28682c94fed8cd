// SPDX-License-Identifier: GPL-2.0
/*
 * A payload chain of the store (payload.h) as the journal and the data
 * area take it: one segment (journal.h) or one bio vector per buffer,
 * where the bytes lie, never copied into one block first; and a
 * recovered record's segments copied back into a chain; and the bytes
 * an entry's payloads take there and on the wire.  Apart from
 * payload.c, which keeps the store itself (its buffers, hash, sweep
 * and lending).
 */
#include <linux/bio.h>

#include "payload.h"

/*
 * Payload @head as a journal segment list (journal.h): one segment per
 * buffer, where it lies, in order, into @seg, which has room for @room.
 * Returns how many, 0 if they do not fit (the journal refuses an empty
 * list).  Reads only what a pin keeps as it is (payload.h), so the
 * journal's writer calls it with the replica's lock dropped.
 */
u32 synod_pay_segs(struct synod_paystore *ps, const struct synod_pay *head,
		   struct synod_jseg *seg, u32 room)
{
	const struct synod_pay *b = head;
	u32 n;

	if (head->nseg > room)
		return 0;
	for (n = 0; b && n < head->nseg; n++, b = synod_pay_next(ps, b))
		seg[n] = (struct synod_jseg){ b->data,
					      synod_pay_seg_len(head, n) };
	return n;
}

/*
 * Payload @head's bytes to @bio, whose vector has room for head->nseg
 * more: one multi-page vector per buffer (a buffer is one page block),
 * in order, so a 1 MiB chain takes 64 vectors, well under BIO_MAX_VECS
 * (stacked backings clone with bio_alloc_bioset(), which takes no
 * more).  Returns the bytes added, 0 if the vector has no room for the
 * chain.  Reads only what a pin keeps as it is, so the data-area apply
 * builds its bios with the replica's lock dropped (replica_apply.c).
 */
u32 synod_pay_bio_add(struct synod_paystore *ps, const struct synod_pay *head,
		      struct bio *bio)
{
	const struct synod_pay *b = head;
	u32 i, n, added = 0;

	if (WARN_ON_ONCE(!head->nseg ||
			 bio->bi_vcnt + head->nseg > bio->bi_max_vecs))
		return 0;
	for (i = 0; b && i < head->nseg; i++, b = synod_pay_next(ps, b)) {
		n = synod_pay_seg_len(head, i);
		if (!n)
			break;
		__bio_add_page(bio, virt_to_page(b->data), n, 0);
		added += n;
	}
	WARN_ON_ONCE(added != head->len);
	return added;
}

/*
 * Journal record @rec's payloads as segment lists (rec->seg, rec->nseg):
 * its write k is the chain whose head is the store's buffer @head[k],
 * k < @nw.  Their segments go to @seg, which has room for @room, and
 * at most SYNOD_JREC_SEGS for the record (rec_ok() in journal.c).
 * Returns the segments used, 0 if they do not fit.
 */
u32 synod_pay_jrec_segs(struct synod_paystore *ps, struct synod_jrec *rec,
			const u32 *head, u32 nw, struct synod_jseg *seg,
			u32 room)
{
	u32 k, n, used = 0;

	room = min(room, SYNOD_JREC_SEGS);
	for (k = 0; k < nw && k < SYNOD_BATCH_MAX; k++) {
		if (WARN_ON_ONCE(head[k] >= SYNOD_PAY_COUNT))
			return 0;
		n = synod_pay_segs(ps, &ps->pay[head[k]], seg + used,
				   room - used);
		if (!n)
			return 0;
		rec->seg[k] = seg + used;
		rec->nseg[k] = n;
		used += n;
	}
	return used;
}

/*
 * Copy a segment list's bytes (a recovered journal record's payload)
 * into payload @head from its start, in order.  The chain must hold
 * them all (synod_pay_copy_in()).  Returns the bytes copied.
 */
u32 synod_pay_copy_segs(struct synod_paystore *ps, struct synod_pay *head,
			const struct synod_jseg *seg, u32 nseg)
{
	u32 s, off = 0;

	for (s = 0; s < nseg; s++) {
		synod_pay_copy_in(ps, head, off, seg[s].data, seg[s].len);
		off += seg[s].len;
	}
	return off;
}

/*
 * Payload bytes the writes of entry @e name that are held here (0 for a
 * write not held, and for an entry that is not a write): what its
 * frames carry ahead of a message (msg_cut.c) and what its journal
 * record takes (replica_room.c).
 */
u64 synod_pay_entry_bytes(struct synod_paystore *ps,
			  const struct synod_entry *e)
{
	const struct synod_pay *pay;
	u64 bytes = 0;
	u32 k;

	if (e->kind != SYNOD_ENTRY_WRITE)
		return 0;
	for (k = 0; k < min_t(u32, e->nwrites, SYNOD_BATCH_MAX); k++) {
		pay = synod_pay_find(ps, e->w[k].ref);
		if (pay)
			bytes += pay->len;
	}
	return bytes;
}
