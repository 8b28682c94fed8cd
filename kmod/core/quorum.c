// SPDX-License-Identifier: GPL-2.0
/*
 * Quorum and lease arithmetic.
 *
 * Flexible quorums (Howard, Malkhi, Spiegelman 2016): Paxos stays safe when
 * every phase-1 quorum meets every phase-2 quorum, which for counting
 * quorums over n voters is q1 + q2 > n.  A membership change from C to C'
 * must also keep phase-1 quorums of each meeting phase-2 quorums of the
 * other, so that a leader elected under either configuration finds every
 * value chosen under the other.
 */
#include "quorum.h"

u32 synod_popcount(u32 mask)
{
	u32 n = 0;

	while (mask) {
		mask &= mask - 1;
		n++;
	}
	synod_assert(n <= 32);
	synod_assert(mask == 0);
	return n;
}

/* 0 when @c is a usable configuration, -1 otherwise. */
int synod_config_check(const struct synod_config *c)
{
	u32 n = synod_popcount(c->voters);

	synod_assert(SYNOD_NODES_MAX <= 32);
	if (c->voters >> SYNOD_NODES_MAX || c->learners >> SYNOD_NODES_MAX)
		return -1;
	if (n == 0 || (c->voters & c->learners))
		return -1;
	if (c->q1 == 0 || c->q2 == 0 || c->q1 > n || c->q2 > n)
		return -1;
	if ((u32)c->q1 + c->q2 <= n)
		return -1;	/* two quorums could miss each other */
	synod_assert(c->q1 <= n && c->q2 <= n);
	return 0;
}

/*
 * 0 when moving from @from to @to is allowed: both valid, the epoch bumps
 * by one, at most one voter joins or leaves, and the quorums of the two
 * configurations intersect across the change.
 */
int synod_config_change_check(const struct synod_config *from,
			      const struct synod_config *to)
{
	u32 all = from->voters | to->voters;
	u32 n = synod_popcount(all);
	u32 diff = synod_popcount(from->voters ^ to->voters);

	synod_assert(synod_config_check(from) == 0);
	if (synod_config_check(to) || to->epoch != from->epoch + 1)
		return -1;
	if (diff > 1)
		return -1;
	/* Quorums counted inside different voter sets still must meet. */
	if ((u32)from->q1 + to->q2 <= n || (u32)to->q1 + from->q2 <= n)
		return -1;
	synod_assert(to->epoch == from->epoch + 1 && diff <= 1);
	return 0;
}

bool synod_quorum_reached(const struct synod_config *c, u32 acks, u32 q)
{
	synod_assert(q > 0 && q <= SYNOD_NODES_MAX);
	synod_assert(synod_config_check(c) == 0);
	return synod_popcount(acks & c->voters) >= q;
}

/*
 * 64-bit division by shift and subtract: the kernel forbids '/' on u64 on
 * 32-bit targets, and these values are computed once at configuration.
 */
u64 synod_div64(u64 n, u64 d)
{
	u64 q = 0, r = 0;
	int i;

	synod_assert(d != 0);
	for (i = 63; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= (u64)1 << i;
		}
	}
	synod_assert(r < d);
	return q;
}

/*
 * How long after sending a grant request the leader may rely on the
 * grant: D (1 - rho) / (1 + rho) - margin.  An acceptor refuses other
 * leaders for D on its own clock after receipt; a clock that runs at most
 * rho fast measures D in no less than D / (1 + rho) of real time, while the
 * leader's clock, at most rho slow, reads at least (1 - rho) of the real
 * time elapsed.  See Documentation/protocol.rst, "Leases".
 */
u64 synod_lease_hold_ns(u64 lease_ns, u32 rho_ppm, u64 margin_ns)
{
	u64 num, hold;

	synod_assert(rho_ppm < SYNOD_PPM);
	synod_assert(lease_ns < ((u64)1 << 40));	/* no overflow below */
	num = lease_ns * (SYNOD_PPM - rho_ppm);
	hold = synod_div64(num, SYNOD_PPM + rho_ppm);
	return hold > margin_ns ? hold - margin_ns : 0;
}

/*
 * How long a restarted acceptor, having forgotten whom it granted a lease,
 * must refuse promises: D (1 + rho) / (1 - rho), which covers a grant made
 * just before the crash whatever the two clocks' rates.
 */
u64 synod_lease_restart_wait_ns(u64 lease_ns, u32 rho_ppm)
{
	u64 num;

	synod_assert(rho_ppm < SYNOD_PPM);
	synod_assert(lease_ns < ((u64)1 << 40));
	num = lease_ns * (SYNOD_PPM + rho_ppm);
	return synod_div64(num, SYNOD_PPM - rho_ppm) + 1;
}
