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
	defined(SYNOD_MUTANT_PREVOTE_YES) ||				 \
	defined(SYNOD_MUTANT_PROMISE_NOT_PERSISTED) ||			 \
	defined(SYNOD_MUTANT_CONFIG_UNSAFE) ||				 \
	defined(SYNOD_MUTANT_FAULTY_PROMISES) ||			 \
	defined(SYNOD_MUTANT_NO_DRIFT_MARGIN) ||			 \
	defined(SYNOD_MUTANT_SNAPSHOT_STALE) ||				 \
	defined(SYNOD_MUTANT_PAUSE_CLOCK_STOPS) ||			 \
	defined(SYNOD_MUTANT_RESYNC_CANDIDATE) ||			 \
	defined(SYNOD_MUTANT_READ_UNLANDED) ||				 \
	defined(SYNOD_MUTANT_WINDOW_BYTES_FIRST) ||			 \
	defined(SYNOD_MUTANT_PART_WHOLE) ||				 \
	defined(SYNOD_MUTANT_LEASE_UNTIL_MAX) ||			 \
	defined(SYNOD_MUTANT_FASTREAD_UNLANDED))
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

#ifdef SYNOD_MUTANT_PROMISE_NOT_PERSISTED
#define MUTANT_PROMISE_NOT_PERSISTED	1	/* restart forgets the promise */
#else
#define MUTANT_PROMISE_NOT_PERSISTED	0
#endif

#ifdef SYNOD_MUTANT_CONFIG_UNSAFE
#define MUTANT_CONFIG_UNSAFE		1	/* a second change in flight */
#else
#define MUTANT_CONFIG_UNSAFE		0
#endif

#ifdef SYNOD_MUTANT_FAULTY_PROMISES
#define MUTANT_FAULTY_PROMISES		1	/* promise despite a corrupt record */
#else
#define MUTANT_FAULTY_PROMISES		0
#endif

#ifdef SYNOD_MUTANT_NO_DRIFT_MARGIN
#define MUTANT_NO_DRIFT_MARGIN		1	/* lease held for all of D */
#else
#define MUTANT_NO_DRIFT_MARGIN		0
#endif

/*
 * Also in the simulator's glue (tests/sim/node.c, fault.c), which models
 * kmod/resync.c's chunk install and a host pause.
 */
#ifdef SYNOD_MUTANT_SNAPSHOT_STALE
#define MUTANT_SNAPSHOT_STALE		1	/* install a chunk older than applied */
#else
#define MUTANT_SNAPSHOT_STALE		0
#endif

#ifdef SYNOD_MUTANT_PAUSE_CLOCK_STOPS
#define MUTANT_PAUSE_CLOCK_STOPS	1	/* the clock stops while paused */
#else
#define MUTANT_PAUSE_CLOCK_STOPS	0
#endif

#ifdef SYNOD_MUTANT_RESYNC_CANDIDATE
#define MUTANT_RESYNC_CANDIDATE		1	/* a jump keeps a candidacy, pre-vote */
#else
#define MUTANT_RESYNC_CANDIDATE		0
#endif

/*
 * Reads served over applies issued rather than landed: with applies in
 * flight, a read returns the value from before a completed write.
 */
#ifdef SYNOD_MUTANT_READ_UNLANDED
#define MUTANT_READ_UNLANDED		1	/* read before the apply landed */
#else
#define MUTANT_READ_UNLANDED		0
#endif

/*
 * A slot counts the bytes of its first write only (pack_slot()): the
 * core's byte counters stay consistent with each other, while the writes
 * its slots carry pass SYNOD_SLOT_BYTES and SYNOD_WINDOW_BYTES.
 */
#ifdef SYNOD_MUTANT_WINDOW_BYTES_FIRST
#define MUTANT_WINDOW_BYTES_FIRST	1	/* a slot counts its first write only */
#else
#define MUTANT_WINDOW_BYTES_FIRST	0
#endif

/*
 * A promise cut by bytes (SYNOD_MSGF_PART) is taken for a whole one: the
 * candidate believes its sender accepted nothing past the cut, and may
 * put a no-op where a value was chosen.
 */
#ifdef SYNOD_MUTANT_PART_WHOLE
#define MUTANT_PART_WHOLE		1	/* a cut promise taken whole */
#else
#define MUTANT_PART_WHOLE		0
#endif

/*
 * The fast path's lease lasts until the latest grant expires, not until
 * the last instant a phase-2 quorum's grants all hold
 * (synod_replica_lease_until()): one follower's fresh grant keeps a
 * leader reading after the others may have elected another.
 */
#ifdef SYNOD_MUTANT_LEASE_UNTIL_MAX
#define MUTANT_LEASE_UNTIL_MAX		1	/* one grant holds the lease */
#else
#define MUTANT_LEASE_UNTIL_MAX		0
#endif

/*
 * The fast read path (the simulator's model of kmod/fastread.c) serves
 * a read over a block whose chosen write has not landed yet: the write
 * completed, and the read returns the block's older value.
 */
#ifdef SYNOD_MUTANT_FASTREAD_UNLANDED
#define MUTANT_FASTREAD_UNLANDED	1	/* fast reads ignore applies in flight */
#else
#define MUTANT_FASTREAD_UNLANDED	0
#endif

#endif /* SYNOD_CORE_MUTANT_H */
