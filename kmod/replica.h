/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One replica of a replicated volume in the kernel: the consensus core,
 * its journal, its transport to the peers, its payload store, and the
 * requests of its blk-mq disk that wait on it.
 *
 * The code reads one way: netlink -> volume -> engine (this) -> journal,
 * transport, disk -> core.  The engine calls the parts below it by name;
 * the disk's requests and the netlink events above it only through the
 * callbacks its volume gives at create (struct synod_repl_host).
 *
 * Concurrency: one mutex serialises the core and the execution of its
 * outputs, whatever the input (a frame from the transport's worker, the
 * tick work, a submission pass of the disk, netlink).  Outputs are
 * carried out in the order send, persist, apply, complete (replica.c
 * says why messages may go first).  Persist only queues the journal
 * records in a filling group (replica_jq.c); a writer (the writer work,
 * or a follower's receive work) writes that group with the lock
 * dropped (the journal has its own mutex), then takes the lock again to
 * report it durable to the core, so one group is in flight while the
 * next fills (group commit).  An input waits for the writer, without
 * the lock, only when the filling group is short of room.  Apply only
 * issues the data area's writes as bios (replica_apply.c); their ends
 * come back to the thread that submitted them, if they ended while it
 * did, or else to a work item, which takes the lock and reports them
 * landed.  Frames the engine queues and writes it issues leave once the
 * lock is let go (synod_repl_release()), or just before one of the
 * synchronous waits below (synod_repl_push()): a MAC per frame, the
 * socket writes and the submission of bios never hold up the other
 * inputs.  A checkpoint flushes the disk in a work item of its own,
 * with the lock dropped (replica_ckpt.c), and its superblock write, like
 * a new promise's, runs with the lock dropped too (replica_sbw.c; the
 * promise's by the group writer, before the group's records).
 * Everything else runs synchronously under the lock for now: the other
 * superblock updates (the LARGE flag, once; a state transfer's), the
 * checkpoints that must free the journal ring or settle the data area,
 * the reads and writes of a state transfer (which first wait for the
 * applies in flight to land).
 * Nothing here allocates after creation; what the kernel allocates for us
 * under the lock (bios) is GFP_NOIO, and the threads and work that serve
 * the disk run in a memalloc_noio scope, because direct reclaim could
 * wait for writeback to this very disk.  Netlink events are sent after
 * the lock is dropped.
 *
 * Every call into the core goes through SYNOD_CORE(), which tells a
 * failed core assertion which replica it belongs to: only that replica
 * is fenced.
 */
#ifndef SYNOD_REPLICA_H
#define SYNOD_REPLICA_H

#include <linux/blk-mq.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "synod.h"
#include "transport.h"
#include "journal.h"
#include "payload.h"
#include "resync.h"
#include "fastread.h"
#include "replica_apply.h"
#include "replica_piece.h"
#include "core/replica.h"

/* Frame kinds: the first byte of every frame on the transport. */
#define SYNOD_FRAME_MSG		1	/* a consensus message, wire.c form */
/* SYNOD_FRAME_PAYLOAD (2): the data of one write, replica_piece.h */
#define SYNOD_FRAME_STEPDOWN	3	/* "promote" elsewhere: leader, resign */
/* SYNOD_FRAME_PIECE (6): a part of a longer payload, replica_piece.h */

/* Why a frame received was dropped: struct synod_repl's rx_drop[] counts. */
enum synod_rx_drop {
	SYNOD_RXD_NOBUF,	/* payload frame: store full, no buffer for it */
	SYNOD_RXD_NOPAY,	/* message: a payload it names is not here */
	SYNOD_RXD_LATE,		/* state-transfer answer of an earlier ask */
	SYNOD_RXD_BAD,		/* malformed, foreign or failing its hash */
	SYNOD_RXD_MAX,
};

/*
 * Timing, on the raw monotonic clock.  Every protocol timeout is scaled
 * by the module parameter time_scale (replica_ctl.c; 1 by default, read
 * only once loaded) for hosts, or emulated VMs, that stall for longer
 * than an election timeout.  Leases are only safe if every replica of a
 * volume uses the same scale.  The tick and the bound on suspended I/O
 * are not scaled.
 */
extern unsigned int synod_time_scale;
#define SYNOD_TIME_SCALE_MAX	20
#define SYNOD_SCALED_NS(ms)	((u64)(ms) * synod_time_scale * NSEC_PER_MSEC)
#define SYNOD_TICK_MS		10
#define SYNOD_HEARTBEAT_NS	SYNOD_SCALED_NS(50)
#define SYNOD_ELECTION_NS	SYNOD_SCALED_NS(400)
#define SYNOD_RETRANSMIT_NS	SYNOD_SCALED_NS(100)
#define SYNOD_LEASE_NS		SYNOD_SCALED_NS(1000)
#define SYNOD_LEASE_MARGIN_NS	SYNOD_SCALED_NS(100)
#define SYNOD_JUMP_NS		SYNOD_SCALED_NS(2000)
#define SYNOD_RHO_PPM		1000u
/* A leader that hears from no quorum this long resigns (fails I/O). */
#define SYNOD_NO_QUORUM_NS	SYNOD_SCALED_NS(1500)
/* Suspended I/O waits at most this long for quorum, then fails. */
#define SYNOD_SUSPEND_MAX_NS	(120ull * NSEC_PER_SEC)
/* How long a promote keeps campaigning, and how often. */
#define SYNOD_PROMOTE_NS	SYNOD_SCALED_NS(6000)
#define SYNOD_PROMOTE_RETRY_NS	SYNOD_SCALED_NS(50)
/* auto-promote: how long an open for writing waits to lead */
#define SYNOD_AUTO_PROMOTE_NS	SYNOD_SCALED_NS(5000)
/*
 * A leader asked to step down, or that lost its quorum, stays quiet this
 * long (past its lease) so that another replica leads first.
 */
#define SYNOD_STEPDOWN_QUIET_NS	(SYNOD_LEASE_NS + 4 * SYNOD_ELECTION_NS)
/* Checkpoint the applied index into the superblock this often (slots). */
#define SYNOD_CHECKPOINT_SLOTS	64u
/*
 * And after this many bytes of writes have landed since the last one:
 * 64 slots of 1 MiB writes would hold 64 MiB of the journal's payload
 * ring (12 MiB) and of the payload store (16 MiB) until then.  Small
 * writes reach the slot count first (64 slots of 4 x 16 KiB = 4 MiB).
 */
#define SYNOD_CHECKPOINT_BYTES	(4u << 20)

/*
 * Netlink events found under the lock, sent after it is dropped: at most
 * a role change and a quorum change per look (synod_repl_events()).
 */
#define SYNOD_REPL_EVENTS_MAX	2
struct synod_repl_events {
	u32 n;
	struct {
		u32 event;		/* enum synod_event */
		u32 role;		/* enum synod_role */
		u32 leader;		/* node id, U32_MAX if unknown */
		u64 ballot;		/* highest ballot seen */
	} ev[SYNOD_REPL_EVENTS_MAX];
};

/*
 * The superblock writes that run with the replica's lock dropped
 * (replica_sbw.c): a checkpoint's, issued by the checkpoint work, and
 * a promise's, issued by the journal's group writer.  One slot each,
 * so that each has one issuer, which alone re-arms its completion and
 * waits for it without the lock; anyone else who must write a
 * superblock settles first, under the lock.
 */
enum synod_sbw_kind {
	SYNOD_SBW_CKPT,		/* applied index and configuration */
	SYNOD_SBW_PROMISE,	/* promised ballot */
	SYNOD_SBW_MAX
};

struct synod_sbw {
	struct synod_sb next;	/* the copy written: vol->sb once folded */
	struct page *page;	/* @next encoded, at create */
	u64 bytes;		/* CKPT: r->applied_bytes at its index */
	bool busy;		/* issued, not yet folded (under the lock) */
	int err;		/* the bio's result, set before @done */
	struct completion done;	/* the bio ended; re-armed by the issuer */
	u64 gen;		/* writes issued: what the other kind waits on */
	struct bio bio;		/* embedded: nothing allocated to write */
	struct bio_vec bv;
};

/*
 * Journal records of one group commit (replica_jq.c).  @seq is the
 * highest persist seq the group makes durable once written: its records'
 * and those of the promises queued with them, which the core may count
 * only once the superblock holds them and every record before them is
 * durable too.
 */
struct synod_jgroup {
	struct synod_jrec *rec;		/* SYNOD_JQ_MAX, allocated at create */
	/*
	 * rec[i]'s write k is the chain whose head is the store's buffer
	 * head[i * SYNOD_BATCH_MAX + k], pinned while queued; the writer
	 * gives a chunk of records their segments just before writing it
	 * (replica_jq.c, chunk_segs()), not the queue: segment tables per
	 * queued record would grow with the largest payload.
	 */
	u32 *head;
	u32 n;				/* records in rec[] */
	u64 seq;			/* 0: nothing queued, not even a promise */
	/*
	 * The highest ballot promised in this group and not yet in the
	 * superblock, 0 if none: the writer writes the superblock with it
	 * before the group's records (replica_jq.c).
	 */
	u64 promise;
};

/*
 * Bounds of the filling group.  Before an input steps the core, the group
 * and the outbox must leave room for what the input can queue, or the
 * input waits (synod_jq_reserve()).  A message can add an outbox's worth
 * (SYNOD_OUT_PERSIST_MAX: an ACCEPT or CATCHUP of many entries, the
 * values a phase-1 round recovered), and the later rounds of its
 * execution (applies landed) propose into the write window: at most
 * SYNOD_MSG_ENTRIES_MAX slots past the chosen prefix, which those rounds
 * do not move.  Every other input (the tick, a submission pass, a
 * command, a durability report) persists only its proposals into that
 * window, plus a promise per campaign: a durability report may move the
 * chosen prefix by a window's worth first, so at most two windows, under
 * one outbox's worth (SYNOD_JQ_RESERVE_LOCAL).  Frames that carry
 * entries and submission passes, the traffic, leave more than they need
 * (SYNOD_JQ_RESERVE): whatever they queue, the tick (which keeps the
 * followers), acknowledgements, commands and the writer's reports still
 * find their room without waiting.  synod_jq_init() checks these bounds
 * at build time.
 */
#define SYNOD_JQ_RESERVE	(3 * SYNOD_OUT_PERSIST_MAX)	/* traffic */
#define SYNOD_JQ_RESERVE_LOCAL	SYNOD_OUT_PERSIST_MAX		/* others */
#define SYNOD_JQ_MAX		(5 * SYNOD_OUT_PERSIST_MAX)

/*
 * What the engine may ask of the volume that owns it: the blk-mq disk's
 * requests (blkdev.c) and netlink events (nl_events.c) sit above the
 * engine, so it calls them through this table, which the volume passes
 * to synod_repl_create() (volume.c), never by name.  Every member is set
 * (create refuses a table with a hole): none is checked at the call.
 */
struct synod_repl_host {
	/* complete a request the engine finished, failed or refused */
	void (*end)(struct request *rq, blk_status_t status);
	/* a read the core cleared: read the data area like one replica */
	void (*pass_down)(struct synod_volume *vol, struct request *rq);
	/* the store freed room: dispatch the writes it turned back */
	void (*kick_busy)(struct synod_volume *vol);
	/* a write back in the requeue list for want of store room */
	void (*requeue_busy)(struct request *rq, unsigned long ms);
	/* a requeued request lets go of its admitted bytes (admit.h) */
	void (*admit_put)(struct request *rq, bool completed);
	/* a role, quorum or link change, to the events group (U32_MAX: none) */
	void (*notify)(struct net *net, enum synod_event event,
		       const char *name, u32 role, u32 leader, u64 ballot,
		       u32 node);
};

struct synod_repl {
	struct mutex lock;		/* serialises everything below */
	struct synod_volume *vol;	/* owner */
	const struct synod_repl_host *host;	/* the owner's calls, above */
	struct net *net;		/* namespace it was created in */
	struct synod_repl_cfg cfg;	/* as created (peers may change) */
	u64 volume_id;			/* cluster name hashed, on the wire */
	bool up;			/* taking part (volume up) */
	bool fenced;			/* a fatal error: I/O fails */
	/*
	 * May take payloads over 16 KiB and turn LARGE before journaling
	 * one (synod_repl_large_ok()): decided once at create, from the
	 * disk's format and payload ring (replica_ctl.c).
	 */
	bool large_ok;
	bool core_failed;		/* a core assertion failed: fence */
	u32 last_role;			/* for ROLE_CHANGED events */
	u32 last_leader;
	bool last_quorum;
	u64 no_quorum_since;		/* leader: first tick without quorum */
	u64 promote_until;		/* promote: campaign until then */
	u64 promote_last;		/* last campaign or step-down request */
	u64 applied;			/* data area holds every slot <= */
	struct synod_config applied_cfg;	/* in effect at @applied */
	struct synod_applyq aq;		/* applies past it (replica_apply.c) */
	/* reads past the engine (fastread.c) */
	struct synod_fastread fr ____cacheline_aligned_in_smp;
	u64 checkpointed;		/* applied index in the superblock */
	struct synod_config ckpt_cfg;	/* configuration written with it */
	/* flushes, then writes the superblock (replica_ckpt.c) */
	struct work_struct ckpt_work;
	u64 ckpt_async;			/* written by the work: down line */
	/*
	 * Superblock writes issued with the lock dropped (replica_sbw.c):
	 * a checkpoint's and a promise's, one in flight at most for the
	 * whole replica; how often a writer waited for one in flight, and
	 * how many of those waits held the lock, and how many promises were
 * written so (down line).
	 */
	struct synod_sbw sbw[SYNOD_SBW_MAX];
	u64 sb_async_waits, sb_locked_waits, sb_promise_writes;
	/*
	 * Bytes, for checkpoints by bytes (replica_ckpt.c): of writes
	 * landed since create, and of them at the last checkpoint's index;
	 * of journal records of slots past the checkpoint, which hold the
	 * journal's payload ring until one covers them, by slot; and of
	 * those the applied ones, which the next checkpoint frees.
	 */
	u64 applied_bytes;
	u64 ckpt_bytes;
	u64 jheld;
	u64 jfree;
	u32 jheld_slot[SYNOD_LOG_MAX];
	u64 ckpt_forgets;		/* forgets after one (store full) */
	/*
	 * The byte bound on what the log retains (synod_ckpt_retain()):
	 * the core's applied_durable, our applied_bytes and the core's
	 * shed bound (synod_replica_shed_bound()) when it last looked,
	 * whether that bound held the shed short of what the store asked,
	 * and the slots it shed that a peer still wanted (down line).
	 */
	u64 retain_at;
	u64 retain_bytes_at;
	u64 retain_bound;
	bool retain_short;
	u64 retain_shed;
	bool ckpt_trim;			/* the work trims after it (idle) */
	/*
	 * Frames received and dropped, by why (enum synod_rx_drop): the
	 * first two are the payload store's backpressure (the sender
	 * resends), the third a state transfer's stale answers, only the
	 * last a fault.  The down line prints them.
	 */
	u64 rx_drop[SYNOD_RXD_MAX];
	u64 out_of_range;		/* writes refused: outside the data area */
	/* entries refused past a slot we lack, for journal room (replica_room.c) */
	u64 room_refused;
	u64 tx_dropped;			/* messages not sent: queue full, no link */
	/* of those, by peer: to a send ring still growing (status shows it) */
	u64 tx_again_count[SYNOD_NODES_MAX];
	/* peers whose link came up since the last tick (link_event, atomic) */
	unsigned long links_up;
	/*
	 * peers a message was refused to since the last tick because their
	 * send queue was full while it grows (-EAGAIN): the tick tells the
	 * core (synod_replica_peer_refused(): one early resend per period)
	 */
	unsigned long tx_again;
	/*
	 * peers a payload or a piece of one of their own data came from
	 * since the last tick (replica_rx.c, note_bytes(), under the lock):
	 * the tick tells the core, for which the leader's bytes postpone an
	 * election (synod_replica_leader_bytes())
	 */
	unsigned long rx_bytes;
	u64 gen;			/* request id generation */
	/* rx() left outputs in @out for rx_done() (set under the lock,
	 * read without it by rx_done(), which the same thread calls) */
	bool rx_deferred;
	/* writes of unknown outcome held until their slot applies */
	struct synod_held_set held;
	u32 peer_epoch[SYNOD_NODES_MAX];	/* newest config epoch heard */
	u64 peer_commit[SYNOD_NODES_MAX];	/* newest commit index heard */
	/* payloads from a peer that conflict with, or messages that name,
	 * data the peer itself never sent us (payload.h) */
	u64 rx_unbound[SYNOD_NODES_MAX];
	/* each peer's payload arriving in pieces (replica_piece.c) */
	struct synod_piece_asm piece[SYNOD_NODES_MAX];
	/* peers whose link went down: their assembly is abandoned at the
	 * next frame or tick (link_event() sets it without the lock) */
	unsigned long piece_reset;
	u64 rx_pieces[SYNOD_NODES_MAX];	/* pieces taken from each peer */
	/*
	 * Per peer, the store buffer its payload frames land in straight
	 * from the socket (payload_land.c), SYNOD_PAY_NONE: none.  Written
	 * under the lock, but only by the transport's rx work (rx() and
	 * rx_placed()) or after tops->stop(); read without the lock by
	 * rx_place(), which the same work calls: never while it changes.
	 */
	u32 land[SYNOD_NODES_MAX];
	/* attempts to send a payload of several buffers to a peer whose
	 * link runs a version below SYNOD_LINK_V_PIECES, each resend
	 * counted (status shows it) */
	u64 tx_refused_large[SYNOD_NODES_MAX];
	/* peers told of in the log since their link last came up */
	unsigned long refused_large_logged;
	u64 tx_pieces;			/* pieces queued, to all peers (down log) */
	/* CATCHUP answers cut by their payloads' bytes (replica_tx.c) */
	u64 catchup_cut;
	/* PROMISEs cut by their payloads' bytes (replica_tx.c) */
	u64 promise_cut;
	/* ACCEPTs sent in parts by their payloads' bytes, parts past the
	 * first (replica_tx.c) */
	u64 accept_parts;
	/* journal recovery: reports of corrupt records with and without a
	 * known slot, so that the log gets the first of each kind (the
	 * journal counts the records) */
	u32 rec_corrupt_known;
	u32 rec_corrupt_unknown;

	struct delayed_work tick;	/* the core's timer */
	const struct synod_transport_ops *tops;
	struct synod_transport *tp;
	struct synod_journal *journal;
	struct synod_paystore pay;
	struct synod_resync resync;	/* state transfer, resync.c */
	struct page *sb_page;		/* superblock updates */
	/* a superblock being built for synod_repl_sb_commit(): hundreds of bytes,
	 * too many for the stack of a work item that calls into the block
	 * layer */
	struct synod_sb sb_next;

	struct synod_replica core;	/* the consensus core */
	struct synod_out out;		/* its outputs, reused */
	struct synod_msg msg;		/* decoded frame, reused */
	/* journal group commit (replica_jq.c) */
	struct synod_jgroup jq;		/* filling, under the lock */
	/* being written: the writer's alone, empty otherwise */
	struct synod_jgroup jw;
	/* the segments of the chunk jw writes: the writer's (replica_jq.c) */
	struct synod_jseg *jseg;
	/*
	 * The writer's role is taken: an input writes, or jwork is queued
	 * or runs; nobody else writes the journal.  Read without the lock
	 * by waiters only.
	 */
	bool jbusy;
	struct work_struct jwork;	/* the writer work */
	u64 jgen;			/* groups taken to write so far */
	u64 jhand;			/* hand-offs of the role to jwork */
	wait_queue_head_t jwait;	/* woken on a group taken, jbusy clear */
	u64 jgroups;			/* groups written, for the down line */
	u64 jwaits;			/* inputs that waited for group room */
	/*
	 * The engine queued frames for the peers that nobody pushed yet:
	 * whoever releases the lock pushes them (synod_repl_release()).
	 */
	bool tx_push;
	/* one submission pass: its writes, given to the core together */
	struct synod_wait_write subw[SYNOD_QUEUE_DEPTH];
	struct request *subrq[SYNOD_QUEUE_DEPTH];
	u32 nsub;			/* of them gathered, 0 between passes */
	u8 txbuf[SYNOD_WIRE_MAX_LEN + 1];	/* encoded frame */
	/* the frames of one payload in pieces (send_payload()) */
	struct synod_tx_piece txpc[SYNOD_PAY_SEGS_MAX];
	u8 txph[SYNOD_PAY_SEGS_MAX][SYNOD_PIECE_HDR];
};

/*
 * Whether this replica may take payloads over SYNOD_PAYLOAD_MAX although
 * its superblock does not say LARGE yet: a format 3 journal whose payload
 * ring holds SYNOD_PRING_MIN_LARGE (what a LARGE superblock needs,
 * ondisk.c).  Such a replica, made before large requests or with
 * small ones, follows a LARGE leader with no admin step: it writes LARGE
 * into its superblock before its first large record (synod_jq_queue()),
 * so that its journal is never read with the smaller bound.
 */
static inline bool synod_repl_large_ok(const struct synod_repl *r)
{
	return r->large_ok;
}

/*
 * The largest request the volume's own queue takes (its limits say so,
 * blkdev.c, fixed when the disk was made): a chain of buffers on a LARGE
 * one, one buffer otherwise.
 */
static inline u32 synod_repl_req_max(const struct synod_repl *r)
{
	return r->vol->sb.flags & SYNOD_SB_FLAG_LARGE ? SYNOD_PAY_BYTES_MAX :
							 SYNOD_PAYLOAD_MAX;
}

/*
 * The largest payload the replica takes from a peer: a LARGE one's, or
 * one that may become LARGE (synod_repl_large_ok()), where a LARGE
 * leader's writes may come from.
 */
static inline u32 synod_repl_write_max(const struct synod_repl *r)
{
	return (r->vol->sb.flags & SYNOD_SB_FLAG_LARGE) ||
	       synod_repl_large_ok(r) ? SYNOD_PAY_BYTES_MAX :
					SYNOD_PAYLOAD_MAX;
}

/*
 * Has enough landed since the last checkpoint to write another?  Every
 * SYNOD_CHECKPOINT_SLOTS slots or SYNOD_CHECKPOINT_BYTES bytes, or once
 * records a checkpoint would free (of applied slots past the last one:
 * their bytes, replica_ckpt.c) hold half the journal's payload ring: a
 * full ring makes the journal's writer checkpoint synchronously under
 * the lock (group_enospc()), a stall.  Not records of slots in flight,
 * which no checkpoint frees: counting those made every landing due once
 * the window's bytes reached half the ring (a flush and a FUA write per
 * slot).
 */
static inline bool synod_repl_ckpt_due(const struct synod_repl *r)
{
	u64 pring = synod_sb_pring_size(&r->vol->sb);

	if (r->applied <= r->checkpointed)
		return false;
	return r->applied >= r->checkpointed + SYNOD_CHECKPOINT_SLOTS ||
	       r->applied_bytes - r->ckpt_bytes >= SYNOD_CHECKPOINT_BYTES ||
	       (pring && 2 * r->jfree >= pring);
}

/*
 * The core's clock: raw monotonic nanoseconds, which NTP does not slew,
 * so that lease and election timeouts measure what the hardware counted.
 */
static inline u64 synod_repl_now(void)
{
	return ktime_get_raw_ns();
}

/*
 * Run @stmt, a call into the core of @r, with @r as this CPU's current
 * replica (preemption off: the core never sleeps), so that a failed
 * assertion inside fences @r and nothing else.
 */
#define SYNOD_CORE(r, stmt) do {					\
	synod_core_enter(r);						\
	stmt;								\
	synod_core_leave(r);						\
} while (0)

/* fence.c: fencing, and the core's context for its assertions */
void synod_core_enter(struct synod_repl *r);
void synod_core_leave(struct synod_repl *r);
void synod_repl_fence(struct synod_repl *r, const char *why);	/* locked */

/* Majority of the voters in @voters: the default quorum sizes. */
static inline u8 synod_majority(u32 voters)
{
	return hweight32(voters) / 2 + 1;
}

/* replica_jq.c: journal group commit (under r->lock unless said otherwise) */
int synod_jq_init(struct synod_repl *r);		/* at create */
void synod_jq_free(struct synod_repl *r);		/* idle: no writer */
bool synod_jq_queue(struct synod_repl *r, const struct synod_persist *p);
void synod_jq_promise(struct synod_repl *r, u64 seq, u64 ballot);
bool synod_jq_room(const struct synod_repl *r, u32 need);
void synod_jq_reserve(struct synod_repl *r, u32 need);	/* may drop the lock */
int synod_jq_reserve_intr(struct synod_repl *r, u32 need);
void synod_jq_drop(struct synod_repl *r);
void synod_jq_drain(struct synod_repl *r);		/* takes the lock */
void synod_repl_unlock(struct synod_repl *r);	/* ends an input */
void __synod_repl_unlock(struct synod_repl *r);	/* the same, no kick */
void synod_repl_unlock_rx(struct synod_repl *r);	/* ends a receive */

/* replica.c: the engine (under r->lock unless said otherwise) */
extern unsigned int synod_group_writes;		/* module parameters */
extern unsigned int synod_group_records;
u64 synod_cluster_id(const char *name);
void synod_repl_execute(struct synod_repl *r);
/* replica_tx.c: a message and the payloads it names, queued (not pushed) */
void synod_repl_send_msg(struct synod_repl *r, struct synod_msg *m);
void synod_repl_release(struct synod_repl *r);	/* drops the lock */
void __synod_repl_release(struct synod_repl *r);	/* the same, no kick */
void synod_repl_push(struct synod_repl *r);
bool synod_repl_quorum(struct synod_repl *r, u64 now);
u32 synod_repl_role(struct synod_repl *r);
u32 synod_repl_leader(struct synod_repl *r);
void synod_repl_events(struct synod_repl *r, u64 now,
		       struct synod_repl_events *ev);
void synod_repl_events_send(struct synod_repl *r,
			    const struct synod_repl_events *ev);	/* unlocked */
void synod_repl_tick(struct work_struct *work);		/* takes the lock */
void synod_repl_promoting(struct synod_repl *r, u64 now);
int synod_repl_sb_write(struct synod_repl *r);	/* vol->sb, FUA */
int synod_repl_sb_encode(struct synod_repl *r, const struct synod_sb *sb,
			 struct page *page);

/* replica_ckpt.c: checkpoints */
int synod_repl_checkpoint(struct synod_repl *r);	/* waits for the disk */
void synod_ckpt_done(struct synod_repl *r, u64 upto,
		     const struct synod_config *cfg, u64 bytes);

/* replica_sbw.c: superblock writes with the lock dropped */
int synod_sbw_init(struct synod_repl *r);		/* at create */
void synod_sbw_free(struct synod_repl *r);		/* at destroy */
struct synod_sb *synod_sbw_begin(struct synod_repl *r,
				 enum synod_sbw_kind kind);
bool synod_sbw_submit(struct synod_repl *r, enum synod_sbw_kind kind);
void synod_sbw_wait(struct synod_repl *r, enum synod_sbw_kind kind);
bool synod_sbw_inflight(struct synod_repl *r, enum synod_sbw_kind kind);
void synod_sbw_wait_unlocked(struct synod_repl *r, enum synod_sbw_kind kind);
int synod_sbw_settle(struct synod_repl *r);		/* may wait for it */
int synod_sbw_settle_own(struct synod_repl *r, enum synod_sbw_kind kind);
void synod_ckpt_init(struct synod_repl *r);		/* at create */
void synod_ckpt_journaled(struct synod_repl *r, u64 slot, u32 bytes);
void synod_ckpt_landed(struct synod_repl *r, u64 slot);
void synod_ckpt_release(struct synod_repl *r, u64 from, u64 upto);
void synod_ckpt_retain(struct synod_repl *r);

/* replica_room.c: journal room past a slot we lack, under the lock */
void synod_room_filter_msg(struct synod_repl *r, struct synod_msg *m);
void synod_repl_trim(struct synod_repl *r, bool write);
int synod_repl_sb_commit(struct synod_repl *r, struct synod_sb *next);
int synod_repl_data_io(struct synod_repl *r, blk_opf_t op, u64 sector,
		       void *data, u32 len);

/* Sectors of the data area: every block number is checked against it. */
static inline u64 synod_repl_sectors(const struct synod_repl *r)
{
	return r->vol->sb.data_size >> SECTOR_SHIFT;
}

/* The data area is suspect until a state transfer completes. */
static inline bool synod_repl_resyncing(const struct synod_repl *r)
{
	return r->resync.active || r->resync.restart ||
	       (r->vol->sb.flags & SYNOD_SB_FLAG_RESYNC);
}

/* replica_rx.c: from the transport's receive context, nothing held */
void synod_repl_rx(void *ctx, u32 from, const u8 *f, u32 len);	/* locks */
void *synod_repl_rx_place(void *ctx, u32 from, const u8 *f, u32 len,
			  u32 *at);
void synod_repl_rx_placed(void *ctx, u32 from, const u8 *f, u32 at,
			  u8 *tail, u32 tail_len);		/* locks */
void synod_repl_land_give_all(struct synod_repl *r);
void synod_repl_rx_done(void *ctx);				/* locks */
void synod_repl_link_event(void *ctx, u32 node, bool up);	/* no lock */
void synod_repl_pieces_reset(struct synod_repl *r);
void synod_repl_pieces_abandon(struct synod_repl *r);

/* replica_io.c: client requests */
void synod_repl_submit(struct synod_repl *r, struct llist_node *list); /* locks */
void synod_repl_done(struct synod_repl *r, bool unknown);

/* replica_ctl.c: lifecycle and administration (take the lock) */
void synod_repl_params_from_cfg(struct synod_params *p,		/* pure */
				const struct synod_repl_cfg *cfg, u64 volume_id);
struct synod_repl *synod_repl_create(struct synod_volume *vol, struct net *net,
				     const struct synod_repl_host *host,
				     const struct synod_repl_cfg *cfg,
				     bool format,
				     struct netlink_ext_ack *extack);
void synod_repl_destroy(struct synod_repl *r);
int synod_repl_up(struct synod_repl *r);
int synod_repl_down(struct synod_repl *r, bool force);
int synod_repl_may_write(struct synod_repl *r, bool promote);
int synod_repl_status(struct synod_repl *r, struct synod_repl_status *st);
int synod_repl_promote(struct synod_repl *r, bool promote,
		       struct netlink_ext_ack *extack);

/* replica_member.c: membership changes */
int synod_repl_peer_change(struct synod_repl *r, u32 node,
			   const struct sockaddr_storage *addr,
			   struct netlink_ext_ack *extack);
void synod_repl_peer_heard(struct synod_repl *r, u32 from,
			   const struct synod_msg *m);	/* under the lock */
void synod_repl_membership(struct synod_repl *r, u64 now);	/* same */

#endif /* SYNOD_REPLICA_H */
