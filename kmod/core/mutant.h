/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deliberate bugs, each switched on by a compile-time flag, so that
 * `make sim-mutants` can show that the simulator's checkers catch them.
 * A build without -DSYNOD_MUTANT_* has every switch at 0 and the compiler
 * drops the dead branches.  Never enable one in the module.
 */
#ifndef SYNOD_CORE_MUTANT_H
#define SYNOD_CORE_MUTANT_H

#if defined(__KERNEL__) && (defined(SYNOD_MUTANT_QUORUM_OFF_BY_ONE) || \
	defined(SYNOD_MUTANT_NO_RECOVERY) ||				 \
	defined(SYNOD_MUTANT_ACK_BEFORE_DURABLE) ||			 \
	defined(SYNOD_MUTANT_LEASE_NO_WAIT) ||				 \
	defined(SYNOD_MUTANT_READ_NO_INDEX) ||				 \
	defined(SYNOD_MUTANT_APPLIED_UNFLUSHED) ||			 \
	defined(SYNOD_MUTANT_NO_PREVOTE) ||				 \
	defined(SYNOD_MUTANT_PREVOTE_YES))
#error "synod mutants are for the simulator only"
#endif

#ifdef SYNOD_MUTANT_QUORUM_OFF_BY_ONE
#define MUTANT_QUORUM_OFF_BY_ONE	1	/* commit one ack short */
#else
#define MUTANT_QUORUM_OFF_BY_ONE	0
#endif

#ifdef SYNOD_MUTANT_NO_RECOVERY
#define MUTANT_NO_RECOVERY		1	/* phase 1 ignores accepted values */
#else
#define MUTANT_NO_RECOVERY		0
#endif

#ifdef SYNOD_MUTANT_ACK_BEFORE_DURABLE
#define MUTANT_ACK_BEFORE_DURABLE	1	/* ack journal writes at once */
#else
#define MUTANT_ACK_BEFORE_DURABLE	0
#endif

#ifdef SYNOD_MUTANT_LEASE_NO_WAIT
#define MUTANT_LEASE_NO_WAIT		1	/* promise during another's lease */
#else
#define MUTANT_LEASE_NO_WAIT		0
#endif

#ifdef SYNOD_MUTANT_READ_NO_INDEX
#define MUTANT_READ_NO_INDEX		1	/* serve reads without a quorum */
#else
#define MUTANT_READ_NO_INDEX		0
#endif

/*
 * Not in the core but in the simulator's glue (tests/sim/sim.c), which
 * must keep synod_replica_applied()'s contract as kmod/replica.c does.
 */
#ifdef SYNOD_MUTANT_APPLIED_UNFLUSHED
#define MUTANT_APPLIED_UNFLUSHED	1	/* report applies not yet checkpointed */
#else
#define MUTANT_APPLIED_UNFLUSHED	0
#endif

#ifdef SYNOD_MUTANT_NO_PREVOTE
#define MUTANT_NO_PREVOTE		1	/* campaign without asking */
#else
#define MUTANT_NO_PREVOTE		0
#endif

#ifdef SYNOD_MUTANT_PREVOTE_YES
#define MUTANT_PREVOTE_YES		1	/* pre-vote yes despite a leader */
#else
#define MUTANT_PREVOTE_YES		0
#endif

#endif /* SYNOD_CORE_MUTANT_H */
