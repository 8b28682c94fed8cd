// SPDX-License-Identifier: GPL-2.0
/*
 * A record written again names the payload ring bytes of the first.
 *
 * A slot's value is journaled again, the same payloads, whenever a later
 * ballot accepts it: a new leader proposes again every value its phase 1
 * found past the chosen prefix, and every replica that held them records
 * them in the new ballot.  Each such record took the payload ring bytes
 * anew while the first record of the slot still held its own (a record
 * frees its ring bytes only once its slot is checkpointed), so a leader
 * lost under 1 MiB writes left up to twice the leader's window of
 * payloads held, 16 MiB in a 12 MiB ring: the replicas fenced "journal
 * full" (engine.bats, "the leader goes down under 1 MiB writes at queue
 * depth 16").
 *
 * So a record whose payloads are those of a record of the same slot that
 * is durable, read whole, and still held (slot above the reclaim point)
 * names that record's ring bytes (PRING, same poff) and writes none:
 * no format change, since recovery checks a record's payloads where its
 * poff says, and the format already frees ring bytes only once every
 * record naming them is reclaimed (both are of the same slot, so they
 * are reclaimed together).  "Those payloads" means the same writes (the
 * entry's block and payload reference of each), of the same lengths and
 * CRC-32Cs: a value proposed again carries its references unchanged,
 * while a different value of the slot has other references.  And the
 * caller says (struct synod_jrec, again) that its copies are the very
 * ones a record of ours holds: the store never replaces such a copy,
 * and one it let go and fetched again is new, its bytes perhaps others
 * under the same CRC (chosen by a member that holds the secret, CRC-32C
 * being linear), so it is written anew.
 *
 * Recovery must then not take a sharing record's extent for the ring's
 * head (it names bytes written before): an extent also named by a record
 * of the same slot replayed before it was written by that one, so it
 * moves nothing; and the head finally goes after the last bytes written
 * that are still held (synod_jshare_move_head() below), which a share
 * whose first record is gone cannot move back.  (A record of an applied
 * slot written again over a reclaimed one's bytes, at the very same
 * place, is taken for a share too: the head then stays before bytes
 * that are reclaimable anyway.)
 */
#include <linux/string.h>

#include "journal_priv.h"

/*
 * Remember what ring index @idx now holds: the payloads of entry @e,
 * lengths @len and CRCs @crc, in the payload ring if @in_ring (else
 * nothing to share).  Called when the record is durable (write_chunk())
 * or found whole by recovery, under the journal's lock.
 */
void synod_jshare_note(struct synod_journal *j, u32 idx,
		       const struct synod_entry *e, const u32 *len,
		       const u32 *crc, bool in_ring)
{
	struct synod_jpay *p;
	u32 i;

	lockdep_assert_held(&j->lock);
	if (!j->pay || WARN_ON_ONCE(idx >= j->count))
		return;
	p = &j->pay[idx];
	memset(p, 0, sizeof(*p));
	if (!in_ring || e->kind != SYNOD_ENTRY_WRITE)
		return;
	for (i = 0; i < e->nwrites && i < SYNOD_BATCH_MAX; i++) {
		p->w[i] = e->w[i];
		p->len[i] = len[i];
		p->crc[i] = crc[i];
	}
	p->n = i;
}

/* Ring index @idx holds nothing to share any more (reclaimed, damaged). */
void synod_jshare_forget(struct synod_journal *j, u32 idx)
{
	lockdep_assert_held(&j->lock);
	if (!j->pay || WARN_ON_ONCE(idx >= j->count))
		return;
	memset(&j->pay[idx], 0, sizeof(j->pay[idx]));
}

/* Whether ring index @x holds the payloads of entry @e (@len, @crc). */
static bool same_payloads(const struct synod_jpay *p,
			  const struct synod_entry *e, const u32 *len,
			  const u32 *crc)
{
	u32 i;

	if (!p->n || p->n != e->nwrites)
		return false;
	for (i = 0; i < p->n; i++)
		if (p->w[i].block != e->w[i].block ||
		    p->w[i].ref != e->w[i].ref || p->len[i] != len[i] ||
		    p->crc[i] != crc[i])
			return false;
	return true;
}

/*
 * A durable record of @e's slot, held (slot above @reclaim), whose ring
 * bytes hold @e's payloads (@len, @crc) and take @need bytes: its extent
 * in @ext, marked shared, and true; false if there is none.  One pass
 * over the ring's indexes, for records that go to the payload ring only
 * (large ones, where the pass is small beside the record's write).
 */
bool synod_jshare_find(const struct synod_journal *j,
		       const struct synod_entry *e, const u32 *len,
		       const u32 *crc, u32 need, u64 reclaim,
		       struct synod_jext *ext)
{
	u32 x;

	lockdep_assert_held(&j->lock);
	if (!j->pay || e->kind != SYNOD_ENTRY_WRITE || !need ||
	    e->slot <= reclaim)
		return false;
	for (x = 0; x < j->count; x++) {
		if (j->slot[x] != e->slot || j->ext[x].len != need ||
		    !same_payloads(&j->pay[x], e, len, crc))
			continue;
		*ext = j->ext[x];
		ext->shared = true;
		return true;
	}
	return false;
}

/*
 * Recovery, replaying in journal order (j->slot[] is set for the records
 * replayed so far, @idx's included): whether the ring bytes of ring
 * index @idx are also named by an earlier record of its slot, which
 * wrote them (the file's comment).
 */
bool synod_jshare_named_before(const struct synod_journal *j, u32 idx)
{
	const struct synod_jext *e = &j->ext[idx];
	u64 slot = j->slot[idx];
	u32 y;

	lockdep_assert_held(&j->lock);
	if (!e->len || slot == SLOT_FREE)
		return false;
	for (y = 0; y < j->count; y++)
		if (y != idx && j->slot[y] == slot &&
		    j->ext[y].off == e->off && j->ext[y].len == e->len)
			return true;
	return false;
}

/*
 * Recovery, replaying in journal order: ring index @idx's record holds
 * payload ring bytes.  The head goes past them, unless a record of its
 * slot replayed before it names them too: then that one wrote them, and
 * this one wrote nothing there.  A share whose first record is gone
 * (reclaimed and its ring index written over) cannot be told from a
 * record that wrote its bytes, and would put the head back before bytes
 * still held, so the head finally goes after the last bytes written
 * that are still held, where there are any (j->rhead, taken by
 * journal_recover.c replay()): the records after them in journal order
 * are of applied slots, whose bytes the next writes may take.
 */
void synod_jshare_move_head(struct synod_journal *j, u32 idx)
{
	u64 end = j->ext[idx].off + j->ext[idx].len;

	lockdep_assert_held(&j->lock);
	j->ext[idx].shared = synod_jshare_named_before(j, idx);
	if (j->ext[idx].shared)
		return;
	j->phead = end;
	if (j->slot[idx] > j->applied0) {
		j->rhead = end;
		j->rhead_set = true;
	}
}
