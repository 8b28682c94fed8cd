// SPDX-License-Identifier: GPL-2.0
/*
 * The replica's outbox (struct synod_out, replica.h): what one or more
 * inputs leave for the caller to carry out (records to persist, messages,
 * applies, completions, a transfer to start), appended here with its
 * bounds checked, and the room rule that lets several inputs share one
 * carrying out.
 */
#include "internal.h"

/* Empty @out for the next input, once the caller has carried it out. */
void synod_out_reset(struct synod_out *out)
{
	synod_assert(out != NULL);
	synod_assert(out->npersist <= SYNOD_OUT_PERSIST_MAX);
	out->npersist = 0;
	out->nmsgs = 0;
	out->napply = 0;
	out->ndone = 0;
	out->dropped = 0;
	out->transfer = false;
	out->transfer_from = SYNOD_NODE_NONE;
	out->transfer_slot = 0;
	synod_memset(&out->transfer_cfg, 0, sizeof(out->transfer_cfg));
	out->transfer_old = false;
}

/*
 * May one more input be stepped into @out before its outputs are
 * carried out?  Inputs that come together (a submission pass, a run of
 * frames) may share one carrying out, so that their journal records are
 * one write and one flush; the outbox is bounded, so each input must
 * find room for the most one input can add: a message's entries (and a
 * promise) to persist, heartbeats and accepts to every peer, the
 * completions of a full run of applies plus every queued request.
 * Applies the core bounds itself (SYNOD_OUT_APPLY_MAX).  A transfer to
 * start is carried out first.  An empty outbox always has room.
 */
bool synod_out_room(const struct synod_out *out)
{
	synod_assert(out->npersist <= SYNOD_OUT_PERSIST_MAX);
	synod_assert(out->ndone <= SYNOD_OUT_DONE_MAX);
	return out->npersist + SYNOD_MSG_ENTRIES_MAX + 2 <=
		       SYNOD_OUT_PERSIST_MAX &&
	       out->nmsgs + 2 * SYNOD_NODES_MAX <= SYNOD_OUT_MSGS_MAX &&
	       out->ndone + SYNOD_PENDING_MAX + SYNOD_READS_MAX +
		       SYNOD_OUT_APPLY_MAX * SYNOD_BATCH_MAX <=
		       SYNOD_OUT_DONE_MAX &&
	       !out->transfer;
}

/* A fresh outgoing message, or NULL when the outbox is full (a loss). */
struct synod_msg *synod_out_msg(struct synod_replica *r, struct synod_out *out,
				u8 type, u32 to, u64 ballot)
{
	struct synod_msg *m;

	synod_assert(synod_msg_type_valid(type));
	synod_assert(to < SYNOD_NODES_MAX && to != r->p.self);
	if (out->nmsgs >= SYNOD_OUT_MSGS_MAX) {
		out->dropped++;
		return NULL;
	}
	m = &out->msgs[out->nmsgs++];
	synod_memset(m, 0, offsetof(struct synod_msg, e));
	m->type = type;
	m->from = (u16)r->p.self;
	m->to = (u16)to;
	m->volume = r->p.volume;
	m->epoch = r->cfg.epoch;
	m->ballot = ballot;
	m->commit = r->chosen_upto;
	return m;
}

u64 synod_out_promise(struct synod_replica *r, struct synod_out *out)
{
	struct synod_persist *ps;

	synod_assert(out->npersist < SYNOD_OUT_PERSIST_MAX);
	synod_assert(r->promised != 0);
	ps = &out->persist[out->npersist++];
	ps->kind = SYNOD_PERSIST_PROMISE;
	ps->seq = ++r->persist_seq;
	ps->ballot = r->promised;
	r->promised_seq = ps->seq;
	return ps->seq;
}

u64 synod_out_entry(struct synod_replica *r, struct synod_out *out,
		    struct synod_slot *sl)
{
	struct synod_persist *ps;

	synod_assert(out->npersist < SYNOD_OUT_PERSIST_MAX);
	synod_assert(sl->e.slot != 0 && !sl->faulty);
	ps = &out->persist[out->npersist++];
	ps->kind = SYNOD_PERSIST_ENTRY;
	ps->seq = ++r->persist_seq;
	ps->e = sl->e;
	ps->e.flags = sl->chosen ? SYNOD_ENTF_CHOSEN : 0;
	sl->seq = ps->seq;
	return ps->seq;
}

void synod_out_done(struct synod_out *out, u64 req, u8 op, u8 status,
		    u64 slot, u64 block, bool lease)
{
	struct synod_done *d;

	synod_assert(out->ndone < SYNOD_OUT_DONE_MAX);
	synod_assert(op == SYNOD_OP_WRITE || op == SYNOD_OP_READ);
	synod_assert(status != SYNOD_UNKNOWN || slot != 0);
	d = &out->done[out->ndone++];
	d->req = req;
	d->op = op;
	d->status = status;
	d->slot = slot;
	d->block = block;
	d->lease = lease;
}
