/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Quorum and lease arithmetic: pure functions over node bitmasks and
 * durations, kept apart from the replica so that the rules of
 * Documentation/protocol.rst ("Quorums", "Leases") are in one place.
 */
#ifndef SYNOD_CORE_QUORUM_H
#define SYNOD_CORE_QUORUM_H

#include "env.h"
#include "wire.h"

/* Parts per million: rho, the bound on clock rate error, is given in ppm. */
#define SYNOD_PPM	1000000u

/* quorum.c */
u32 synod_popcount(u32 mask);
int synod_config_check(const struct synod_config *c);
int synod_config_change_check(const struct synod_config *from,
			      const struct synod_config *to);
bool synod_quorum_reached(const struct synod_config *c, u32 acks, u32 q);
u64 synod_div64(u64 n, u64 d);
u64 synod_lease_hold_ns(u64 lease_ns, u32 rho_ppm, u64 margin_ns);
u64 synod_lease_restart_wait_ns(u64 lease_ns, u32 rho_ppm);

#endif /* SYNOD_CORE_QUORUM_H */
