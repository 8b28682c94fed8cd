// SPDX-License-Identifier: GPL-2.0
/*
 * Catch-up requests: a replica behind the chosen prefix asks one peer at a
 * time for the slots after its own (FETCH), paced by the round trips that
 * peer's answers (CATCHUP) echo, so that a silent or slow peer costs a few
 * requests rather than one per tick.  The answer itself (entries or a
 * snapshot) is taken by acceptor.c; this file only decides when to ask
 * and what an answer says about the wait.
 */
#include "internal.h"

/*
 * The first wait for a FETCH to @to (replica.h, fetch_rto_ns): twice the
 * round trip measured with @to, within [fetch_rto_min(), retransmit_ns];
 * retransmit_ns while none is known (a peer from before the echo, or none
 * answered yet), as before round trips were measured.
 */
static u64 fetch_wait(const struct synod_replica *r, u32 to)
{
	u64 lo = fetch_rto_min(r), hi = r->p.retransmit_ns;
	u64 w = 2 * r->fetch_srtt_ns[to];

	synod_assert(to < SYNOD_NODES_MAX);
	synod_assert(lo <= hi);
	if (!r->fetch_srtt_ns[to])
		return hi;
	return w < lo ? lo : w > hi ? hi : w;
}

/*
 * Ask @to for the chosen slots after ours, unless a FETCH is out and
 * younger than its wait; one asked again waits twice as long (up to
 * retransmit_ns), so a silent peer costs a few FETCHes, not one a tick.
 */
void synod_send_fetch(struct synod_replica *r, u64 now, u32 to,
		      struct synod_out *out)
{
	struct synod_msg *m;
	bool again = r->fetch_ns != 0;

	synod_assert(now >= r->fetch_ns);
	if (to >= SYNOD_NODES_MAX || to == r->p.self)
		return;
	if (again && now - r->fetch_ns < r->fetch_rto_ns)
		return;
	m = synod_out_msg(r, out, SYNOD_MSG_FETCH, to, r->promised);
	if (!m)
		return;
	m->slot = r->chosen_upto + 1;
	m->time = now;		/* echoed by the CATCHUP: the round trip */
	if (!again)
		r->fetch_rto_ns = fetch_wait(r, to);
	else if (r->fetch_rto_ns < r->p.retransmit_ns / 2)
		r->fetch_rto_ns *= 2;
	else
		r->fetch_rto_ns = r->p.retransmit_ns;
	r->fetch_ns = now;
	r->fetch_to = to;
	synod_assert(m->slot > r->applied);
	synod_assert(r->fetch_rto_ns >= fetch_rto_min(r) &&
		     r->fetch_rto_ns <= r->p.retransmit_ns);
}

/*
 * A CATCHUP (entries or SNAPSHOT) came: take the round trip its echo of
 * our FETCH's send time gives (none from a peer from before the echo:
 * time 0), and say whether it answers the newest FETCH.  An answer to
 * one asked earlier (the peer was slow, not silent) or a duplicate does
 * not: the newest one's wait goes on, or every stale copy would send one
 * more FETCH, each answered with up to 32 entries and their payloads.
 */
bool synod_fetch_answered(struct synod_replica *r, u64 now,
			  const struct synod_msg *m)
{
	u64 rtt, *srtt = &r->fetch_srtt_ns[m->from];

	synod_assert(m->type == SYNOD_MSG_CATCHUP);
	synod_assert(m->from < SYNOD_NODES_MAX);
	if (!m->time)
		return true;	/* no echo: any answer, as it always was */
	if (m->time > now)
		return false;	/* not our clock: no answer of ours */
	rtt = now - m->time;
	if (!rtt)
		rtt = 1;	/* 0 means "none measured" */
	if (rtt > r->p.retransmit_ns)
		rtt = r->p.retransmit_ns;	/* waits stop there anyway */
	*srtt = *srtt ? (7 * *srtt + rtt) >> 3 : rtt;
	synod_assert(*srtt >= 1 && *srtt <= r->p.retransmit_ns);
	return m->time == r->fetch_ns;
}
