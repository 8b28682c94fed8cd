/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The synod replica: proposer, acceptor and learner of Multi-Paxos as a
 * pure state machine, in the style of etcd's raft and TigerBeetle's replica.
 *
 * The caller (kernel glue, KUnit, the simulator) owns all I/O and time.
 * It feeds inputs one at a time:
 *
 *	synod_replica_step()		a decoded message from a peer
 *	synod_replica_tick()		timer; @now is the raw monotonic clock
 *	synod_replica_write/read()	a client request
 *	synod_replica_writes()		client writes that came together
 *	synod_replica_durable()		journal records up to seq are durable
 *	synod_replica_landed()		applies up to slot are in the data area
 *	synod_replica_applied()		a restart finds applies up to slot,
 *					and this configuration
 *	synod_replica_install_snapshot()	jump for a state transfer
 *
 * Each input appends to a struct synod_out which the caller then carries
 * out in this order, and resets (several inputs may append before one
 * carrying out, while synod_out_room() says one more fits):
 *
 *	1. persist[]	journal records (promise, entries); write them in
 *			order, report durability with synod_replica_durable()
 *	2. msgs[]	send; losing some is fine, Paxos retransmits
 *	3. apply[]	apply chosen entries to the data area, in order
 *			(asynchronously if it likes: report each prefix that
 *			has landed with synod_replica_landed())
 *	4. done[]	complete client requests; a WRITE done with status
 *			OK is chosen and may complete before its apply lands;
 *			a READ done with status OK means "read the block from
 *			the data area now": every apply it must see landed
 *	5. transfer	if set, start a state transfer from that peer
 *
 * Replies that depend on durability (promises, accepts) are held inside
 * the core until synod_replica_durable() covers their records, and a
 * leader counts its own vote for a slot only then, so the glue may batch
 * flushes freely, and may send msgs[] before persist[] is durable (the
 * module sends first: a leader's ACCEPT and its own journal write then
 * overlap).  Nothing in msgs[] ever depends on persist[] of the same
 * output.  Nothing here allocates; all arrays are bounded.
 */
#ifndef SYNOD_CORE_REPLICA_H
#define SYNOD_CORE_REPLICA_H

#include "env.h"
#include "wire.h"

/* In-memory log ring: slots [log_base, log_base + SYNOD_LOG_MAX). */
#ifndef SYNOD_LOG_MAX
#define SYNOD_LOG_MAX		128u	/* power of two */
#endif
/* Slots in flight for client writes: the backpressure window. */
#ifndef SYNOD_WINDOW
#define SYNOD_WINDOW		16u
#endif
#define SYNOD_PENDING_MAX	64u	/* client writes waiting for a slot */
/*
 * Bytes of client writes (synod_wait_write.len) that one slot may carry,
 * and that the slots in flight may carry together (large requests, S4).
 * A slot is one journal record and one apply, so SYNOD_SLOT_BYTES bounds
 * both; it is also the largest write (a payload chain's 1 MiB), so a
 * slot can always take one.  The window's bytes bound the leader's own
 * writes in flight only, not all that the payload store holds: values
 * recovered in phase 1 count 0 (up to SYNOD_P1_CHUNK slots of up to
 * SYNOD_SLOT_BYTES each, finish_chunk()), slots chosen but not yet
 * applied have left the window while their payloads stay held, and the
 * SYNOD_PENDING_MAX writes waiting for a slot are not counted; sizing the
 * store is the glue's (large-requests.md, section 4).  8 MiB is half of
 * the store's 16 MiB.  With
 * today's writes, at most SYNOD_PAYLOAD_MAX (16 KiB) and SYNOD_BATCH_MAX
 * a slot, a slot carries 64 KiB and a full window 1 MiB: neither bound
 * is ever reached and slots form as before (test_replica.c,
 * test_window_small_writes).  The simulator overrides the window's
 * bytes, in proportion to its small window of slots.
 */
#define SYNOD_SLOT_BYTES	(1u << 20)
#ifndef SYNOD_WINDOW_BYTES
#define SYNOD_WINDOW_BYTES	(8u << 20)
#endif
/*
 * A silent peer is resent its unacked slots after at most 8 retransmission
 * periods (struct synod_replica, retx_ns).
 */
#define SYNOD_RETX_BACKOFF_MAX	8u
#define SYNOD_READS_MAX		64u	/* reads waiting for read-index: the
					 * glue's queue depth, so never full */
#define SYNOD_ACKQ_MAX		64u	/* accepts waiting for durability */
#define SYNOD_OUT_MSGS_MAX	24u
#define SYNOD_OUT_PERSIST_MAX	(2 * SYNOD_MSG_ENTRIES_MAX + 4)
#define SYNOD_OUT_APPLY_MAX	SYNOD_MSG_ENTRIES_MAX
#define SYNOD_OUT_DONE_MAX	(SYNOD_PENDING_MAX + SYNOD_READS_MAX + \
				 2 * SYNOD_MSG_ENTRIES_MAX * SYNOD_BATCH_MAX)
/* Slots recovered per phase-1 round; one more is left for the no-op. */
#define SYNOD_P1_CHUNK		(SYNOD_MSG_ENTRIES_MAX - 1)
#define SYNOD_NODE_NONE		SYNOD_NODES_MAX

enum synod_core_role {
	SYNOD_FOLLOWER = 0,
	SYNOD_CANDIDATE,
	SYNOD_LEADER,
};

/* Status of a completed or refused client request. */
enum synod_status {
	SYNOD_OK = 0,
	SYNOD_NOT_LEADER,	/* certainly not done: ask the leader */
	SYNOD_BUSY,		/* certainly not done: queue full */
	SYNOD_FAILED,		/* certainly not done: lost leadership */
	SYNOD_UNKNOWN,		/* write proposed, outcome unknown */
};

enum synod_op {
	SYNOD_OP_WRITE = 1,
	SYNOD_OP_READ,
};

struct synod_params {
	u64 volume;		/* volume id carried by every message */
	u32 self;		/* this node's id */
	struct synod_config config;	/* initial membership */
	u64 heartbeat_ns;	/* leader heartbeat period */
	u64 election_ns;	/* base election timeout; random in [1x, 2x) */
	u64 retransmit_ns;	/* resend unanswered requests after this */
	u64 lease_ns;		/* D: acceptor refuses others for D after grant */
	u64 lease_margin_ns;	/* delta: safety margin off the lease */
	u64 jump_ns;		/* input gap taken as a clock jump/suspend */
	u32 rho_ppm;		/* bound on clock rate error */
	bool leases;		/* serve reads under a lease when valid */
	u64 seed;		/* randomizes election timeouts */
};

/* One slot of the in-memory log ring. */
struct synod_slot {
	struct synod_entry e;	/* e.slot == 0: empty */
	u64 seq;		/* journal record holding e */
	u64 req[SYNOD_BATCH_MAX];	/* leader: client requests in e */
	/*
	 * Leader, while owned: the bytes of those requests (<=
	 * SYNOD_SLOT_BYTES), counted in win_bytes while the slot is in
	 * flight.  Like req[], never sent nor journaled.
	 */
	u32 bytes;
	u32 acks;		/* leader: nodes that accepted e in ballot */
	bool chosen;		/* value known chosen */
	bool faulty;		/* journal copy corrupt: unknown, ask peers */
	bool owned;		/* leader: req[] are ours to complete */
};

struct synod_persist {
	u8 kind;		/* SYNOD_PERSIST_* */
	u64 seq;		/* durability is reported by seq */
	u64 ballot;		/* PROMISE: promised ballot */
	struct synod_entry e;	/* ENTRY: the record */
};

#define SYNOD_PERSIST_PROMISE	1
#define SYNOD_PERSIST_ENTRY	2

struct synod_done {
	u64 req;
	u64 block;
	/*
	 * WRITE, OK or UNKNOWN: the slot it was proposed in, and the only
	 * one it can ever be chosen in, so that whoever holds a write of
	 * unknown outcome learns it from what that slot applies.  0 else.
	 */
	u64 slot;
	u8 op;			/* enum synod_op */
	u8 status;		/* enum synod_status */
	bool lease;		/* READ served under a lease */
};

struct synod_out {
	u32 npersist;
	u32 nmsgs;
	u32 napply;
	u32 ndone;
	u32 dropped;		/* messages dropped: outbox full */
	bool transfer;		/* state transfer needed ... */
	u32 transfer_from;	/* ... from this peer */
	u64 transfer_slot;	/* ... jumping to its checkpoint here ... */
	struct synod_config transfer_cfg;	/* ... in effect at that slot */
	bool transfer_old;	/* ... a peer from before this release: its
				 * commit index, our own configuration */
	struct synod_persist persist[SYNOD_OUT_PERSIST_MAX];
	struct synod_msg msgs[SYNOD_OUT_MSGS_MAX];
	struct synod_entry apply[SYNOD_OUT_APPLY_MAX];
	struct synod_done done[SYNOD_OUT_DONE_MAX];
};

/* A client write waiting in pend[] for a slot (synod_replica_writes()). */
struct synod_wait_write {
	u64 req;		/* the glue's id, given back in done[] */
	u64 block;		/* where it goes: the data area's sector */
	u64 ref;		/* its payload in the glue's store */
	/*
	 * Its payload's length in bytes, 1..SYNOD_SLOT_BYTES: the core
	 * never sees the data, but it bounds the bytes a slot and the
	 * window carry (propose_writes()).  Not sent: on the wire and in
	 * the journal an entry's writes are (block, ref), and the payload
	 * frame and record carry the length.
	 */
	u32 len;
};

struct synod_wait_read {
	u64 req;
	u64 block;
	u64 index;		/* must have applied this slot */
	u64 round;		/* heartbeat round sent after arrival */
};

struct synod_ack {
	u64 ballot;
	u64 slot;
	u64 seq;
	u32 to;
};

struct synod_prom {
	u64 ballot;
	u64 from;
	u64 seq;
	bool valid;
};

struct synod_stats {
	u64 prevotes;		/* pre-votes started by the election timer */
	u64 elections;		/* campaigns: phase 1 in a new ballot */
	u64 commits;
	u64 lease_reads;
	u64 index_reads;
	u64 refused;
	u64 transfers;
	u64 old_snapshots;	/* jumps on a CATCHUP|SNAPSHOT of an older peer */
	u64 jumps;
	u64 resends;		/* leader: slots resent to a silent peer */
	u64 gap_resends;	/* leader: slots resent for a peer's hole */
	/* slots shed past what a peer wanted (synod_replica_shed()) */
	u64 shed;
	/*
	 * candidate: promises cut by bytes not taken, malformed: no
	 * entries, or entries not within [slot, aux] (synod_p1_take(),
	 * part_ok()); each sender is asked again at the next PREPARE resend
	 */
	u64 part_refused;
};

struct synod_replica {
	struct synod_params p;
	struct synod_config cfg;	/* in effect: latest applied */
	u64 lease_hold_ns;
	u64 restart_wait_ns;
	u64 boot_ns;
	u64 last_now;
	/*
	 * Time this replica has run: the sum of the gaps between its inputs,
	 * each counted for at most heartbeat_ns, so that a stall of its host
	 * (or of a VM holding every replica) counts as one missed heartbeat,
	 * as ticks do in Raft.  Only the judgement "a live leader was heard
	 * lately" (pre-vote) uses it; leases and every safety rule use the
	 * raw clock.  Starts at 1, so that 0 means "never".
	 */
	u64 run_ns;
	u64 rng;

	/* acceptor */
	u64 promised;		/* highest ballot promised */
	u64 promised_seq;	/* journal record of promised */
	u64 lease_ballot;	/* whose lease we granted, 0 if none */
	u64 lease_until;	/* refuse other leaders until then */
	u32 epoch_seen;		/* highest epoch a leader used with us */
	struct synod_prom promq[SYNOD_NODES_MAX];
	struct synod_ack ackq[SYNOD_ACKQ_MAX];
	u32 nackq;

	/* log and learner */
	u64 log_base;		/* lowest slot held */
	u64 last_slot;		/* highest slot with an entry */
	u64 chosen_upto;	/* every slot <= is chosen and held/applied */
	u64 applied;		/* applies issued up to */
	/*
	 * Applies the glue reported in the data area (synod_replica_landed):
	 * reads are served only over these.  A write completes when chosen,
	 * so its apply may still be in flight when the client reads it back.
	 * applied_durable <= landed <= applied.
	 */
	u64 landed;
	u64 applied_durable;	/* glue: a restart restores at least this */
	/* The configuration in effect at applied_durable: the one a restart
	 * restores with it, and the one a transfer from us jumps into. */
	struct synod_config cfg_durable;
	u64 commit_hint;	/* highest commit index heard */
	u32 commit_from;	/* who told us commit_hint */
	/*
	 * Catch-up pacing (synod_send_fetch()).  One FETCH is out at a time;
	 * its CATCHUP clears fetch_ns, and the next goes at the next tick.
	 * Unanswered (lost with a link, a full send ring, a frame dropped
	 * for want of payload room), it is asked again after fetch_rto_ns:
	 * first twice the round trip measured with that peer, so that a
	 * follower that has just jumped asks again before a loaded leader
	 * trims past the jump (which would mean another jump, and another
	 * copy of the data area), yet never before the answer could be
	 * back; then doubling, up to retransmit_ns.  The round trip is the
	 * FETCH's send time, which its CATCHUP echoes: the CATCHUP waits in
	 * the peer's queue behind its ACCEPTs, so it measures that queue.
	 */
	u64 fetch_ns;		/* last FETCH sent, 0: none unanswered */
	u32 fetch_to;		/* ... to this peer */
	u64 fetch_rto_ns;	/* ... asked again if unanswered this long */
	/* FETCH round trip, 7/8 old; 0: none measured */
	u64 fetch_srtt_ns[SYNOD_NODES_MAX];
	/*
	 * Catch-up served: the slot each peer last asked for in a FETCH,
	 * and when (0: never).  synod_replica_forget() keeps what a peer
	 * still fetches, so an idle leader does not push a follower that
	 * is catching up into a state transfer.
	 */
	u64 fetch_seen_slot[SYNOD_NODES_MAX];
	u64 fetch_seen_ns[SYNOD_NODES_MAX];
	/*
	 * Leader: each peer's contiguous chosen prefix, as its last
	 * heartbeat answer in our ballot said, raised by the ACCEPTEDs it
	 * sent since (0: none yet).  Slots a voter
	 * may still lack are not forgotten (synod_replica_forget()): a
	 * follower down for a while catches up from our log, not by a
	 * state transfer.
	 */
	u64 peer_chosen[SYNOD_NODES_MAX];
	/*
	 * Local time peer_chosen[] last rose, or was found level with our
	 * own chosen prefix (0: not since we lead, or since its link came
	 * up): a voter whose prefix moves within an election timeout keeps
	 * up, and shedding stops short of it (synod_replica_shed_bound()).
	 */
	u64 chosen_ns[SYNOD_NODES_MAX];
	/*
	 * Not leading: a slot every voter had chosen up to, as the leader
	 * last said in a heartbeat (aux; 0: never said, or a leader from
	 * before this release).  A follower forgets no slot past it
	 * (synod_replica_forget()): a voter cut off for a while, perhaps
	 * the old leader, comes back catching up from any replica's log,
	 * or campaigning, and a state transfer would fail the writes it
	 * holds of unknown outcome.
	 */
	u64 all_chosen;
	u32 nfaulty;		/* slots with a corrupt journal copy, + lost */
	u64 lost_slot;		/* restore: records up to here did not fit */
	u64 persist_seq;
	u64 durable_seq;
	struct synod_slot log[SYNOD_LOG_MAX];

	/*
	 * Set by the glue while this replica must not lead on its own
	 * initiative: its data area is being copied from a peer (state
	 * transfer), and a leader serves reads from its data area.
	 * synod_replica_install_snapshot() sets it itself (and resigns a
	 * candidacy, drops a pre-vote).  The election timer then starts
	 * neither a pre-vote nor a campaign; an explicit
	 * synod_replica_campaign() ("volume promote") is the glue's to
	 * refuse.  A replica cut off from its peers needs no such flag: the
	 * pre-vote (proposer.c) keeps it from raising any ballot, so it
	 * cannot disturb the leader when it comes back.  Safety never
	 * depends on it.
	 */
	bool no_campaign;
	/*
	 * Set by the glue while our data area is not the state at any slot
	 * (a state transfer into it runs, or was cut short by a crash: set
	 * it right after the restore, before any message is handled), and
	 * by synod_replica_install_snapshot() itself.  While set we cannot
	 * serve a transfer: a FETCH below our log is answered with aux
	 * SYNOD_CKPT_NONE, so that replicas do not jump from each other into
	 * the flag.  Liveness only, like no_campaign.
	 */
	bool data_suspect;

	/* proposer */
	u8 role;		/* enum synod_core_role */
	u32 leader;		/* hint, SYNOD_NODE_NONE if unknown */
	u64 ballot;		/* own ballot as candidate or leader */
	u64 ballot_seen;	/* highest ballot heard of, to outbid */
	u64 last_contact_ns;	/* last heard from a leader */
	u64 contact_run_ns;	/* run_ns then */
	u64 election_due_ns;	/* follower/candidate: when to (re)campaign */
	/* pre-vote: a follower asks before it campaigns (Raft thesis 9.6) */
	u64 pv_ballot;		/* ballot asked about; 0: no pre-vote running */
	u64 pv_round;		/* id of this pre-vote, echoed by the answers */
	u64 pv_sent_ns;		/* last PREVOTE sent, for retransmission */
	u32 pv_yes;		/* voters that would promise pv_ballot, us too */
	u32 pv_answered;	/* voters that answered, yes or no */
	u64 p1_from;		/* phase 1: first slot of this chunk */
	u64 p1_max;		/* highest slot reported in this chunk, <= p1_hi */
	/*
	 * last slot of this chunk that every promise counted reports:
	 * p1_from + SYNOD_P1_CHUNK - 1, less where a promise was cut by
	 * bytes (SYNOD_MSGF_PART); slots past it are asked again
	 */
	u64 p1_hi;
	u64 p1_sent_ns;
	u64 p1_seq;		/* own promise record */
	u32 p1_promised;	/* voters that promised for this chunk */
	bool p1_more;		/* some acceptor holds slots past the chunk */
	bool p1_done;		/* chunk quorum reached, values proposed */
	struct synod_entry recov[SYNOD_P1_CHUNK];

	/* leader */
	bool active;		/* own no-op committed: may serve */
	u64 noop_slot;
	u64 next_slot;
	/*
	 * The byte window: the bytes of the slots in flight, those in
	 * (chosen_upto, next_slot), at most SYNOD_WINDOW_BYTES.  Kept as
	 * slots are proposed (propose_writes()) and chosen
	 * (synod_log_advance()); 0 outside a reign.  Only slots of our
	 * own writes count: a value recovered in phase 1 carries no
	 * length, but it is chosen before we serve (our no-op follows it).
	 * So it bounds our own writes in flight, not the payloads we hold
	 * (see SYNOD_WINDOW_BYTES).
	 */
	u64 win_bytes;
	u64 hb_ns;		/* last heartbeat sent */
	/*
	 * Phase-2 retransmission, per peer.  Links are reliable and in
	 * order while they stay up, so an unanswered ACCEPT is usually
	 * queued, not lost: resending it every period while a slow link
	 * drains only fills the link with copies (on a 2 MB/s link that
	 * starved every slot).  So a peer is sent again what it has not
	 * acked only after retx_rto_ns[] without progress from it (a new
	 * ack): first twice the smoothed heartbeat round trip (an echo
	 * waits in the same queue as the payloads, so it measures the
	 * queue), at least one period; doubling while it stays silent, up
	 * to SYNOD_RETX_BACKOFF_MAX periods; and at once when its link
	 * comes up again (synod_replica_peer_up()), or when the local send
	 * queue refused a message to it (synod_replica_peer_refused(), at
	 * most once per period: refused_ns).  The wait starts over while
	 * the local send queue to it still holds frames
	 * (synod_replica_peer_backlog()): those are queued, not lost.
	 */
	u64 retx_ns[SYNOD_NODES_MAX];	/* last resend or progress */
	u64 refused_ns[SYNOD_NODES_MAX];	/* last early resend for a refusal */
	/*
	 * Peers whose resend a link-up or a refusal brought forward and
	 * resend_silent() has not made yet (its outbox was full): a send
	 * queue that still holds frames does not put it off
	 * (synod_replica_peer_backlog()), the frames it lost are not there.
	 */
	u32 forced;
	/*
	 * Gap retransmission, per peer: a follower's ACCEPTED names the
	 * first slot past its chosen prefix its log lacks (aux), and a
	 * leader resends that slot at once rather than when the peer falls
	 * silent, which one that acks later slots never does.  A hole it
	 * names again before the copy can have arrived is not sent twice:
	 * gap_slot/gap_ns say what went last, and when; gap_rto_ns is the
	 * wait before the same hole goes again, first retx_base(), doubling
	 * while the peer names it still (every copy dropped), up to
	 * retx_max(), as resend_silent()'s.
	 */
	u64 gap_slot[SYNOD_NODES_MAX];
	u64 gap_ns[SYNOD_NODES_MAX];
	u64 gap_rto_ns[SYNOD_NODES_MAX];
	u64 retx_rto_ns[SYNOD_NODES_MAX];	/* current wait */
	u64 srtt_ns[SYNOD_NODES_MAX];	/* heartbeat round trip, 7/8 old */
	u64 ack_time[SYNOD_NODES_MAX];	/* newest echoed heartbeat time */
	u64 ack_run[SYNOD_NODES_MAX];	/* run_ns at its last answer; 0: none */
	/*
	 * Local time of its last answer in our ballot (heartbeat or phase
	 * 2); 0: none.  A loaded link delays echoes past a lease while the
	 * peer still accepts: it is with us (synod_replica_heard()).
	 */
	u64 answer_ns[SYNOD_NODES_MAX];
	u64 hb_round;		/* heartbeat rounds sent in this ballot */
	u64 ack_round[SYNOD_NODES_MAX];	/* newest echoed round */
	bool cfg_pending;	/* a CONFIG entry is in flight ... */
	u64 cfg_slot;		/* ... in this slot ... */
	struct synod_config cfg_next;	/* ... and this is its value */
	struct synod_wait_write pend[SYNOD_PENDING_MAX];
	u32 pend_head;
	u32 npend;
	struct synod_wait_read reads[SYNOD_READS_MAX];
	u32 nreads;

	struct synod_stats stats;
};

/* replica.c: inputs and invariants */
int synod_replica_init(struct synod_replica *r, const struct synod_params *p,
		       u64 now);
void synod_replica_restore_promise(struct synod_replica *r, u64 ballot);
void synod_replica_restore_entry(struct synod_replica *r,
				 const struct synod_entry *e);
void synod_replica_restore_corrupt(struct synod_replica *r, u64 slot);
void synod_replica_restore_unknown(struct synod_replica *r);
void synod_replica_restore_applied(struct synod_replica *r, u64 slot,
				   const struct synod_config *cfg);
void synod_out_reset(struct synod_out *out);
void synod_replica_step(struct synod_replica *r, u64 now,
			const struct synod_msg *m, struct synod_out *out);
void synod_replica_tick(struct synod_replica *r, u64 now,
			struct synod_out *out);
void synod_replica_durable(struct synod_replica *r, u64 now, u64 seq,
			   struct synod_out *out);
void synod_replica_landed(struct synod_replica *r, u64 now, u64 slot,
			  struct synod_out *out);
void synod_replica_applied(struct synod_replica *r, u64 slot,
			   const struct synod_config *cfg);
void synod_replica_install_snapshot(struct synod_replica *r, u64 now,
				    u64 slot, const struct synod_config *cfg,
				    struct synod_out *out);
void synod_replica_campaign(struct synod_replica *r, u64 now,
			    struct synod_out *out);
void synod_replica_resign(struct synod_replica *r, u64 now, u64 quiet_ns,
			  struct synod_out *out);
void synod_replica_clock_disrupted(struct synod_replica *r, u64 now);
void synod_replica_peer_up(struct synod_replica *r, u64 now, u32 node,
			   struct synod_out *out);
void synod_replica_peer_refused(struct synod_replica *r, u64 now, u32 node,
				struct synod_out *out);
void synod_replica_peer_backlog(struct synod_replica *r, u64 now, u32 nodes,
				struct synod_out *out);
void synod_replica_leader_bytes(struct synod_replica *r, u64 now, u32 node,
				struct synod_out *out);
bool synod_replica_heard(const struct synod_replica *r, u64 now,
			 u64 window_ns);
int synod_replica_write(struct synod_replica *r, u64 now, u64 req,
			u64 block, u64 ref, u32 len, struct synod_out *out);
bool synod_out_room(const struct synod_out *out);
u32 synod_replica_writes(struct synod_replica *r, u64 now,
			 const struct synod_wait_write *w, u32 n, int *st,
			 struct synod_out *out);
int synod_replica_read(struct synod_replica *r, u64 now, u64 req, u64 block,
		       struct synod_out *out);
int synod_replica_change_config(struct synod_replica *r, u64 now,
				const struct synod_config *next,
				struct synod_out *out);
void synod_replica_check(const struct synod_replica *r);
u64 synod_replica_forget(struct synod_replica *r, u64 now, bool leaving);
u64 synod_replica_shed(struct synod_replica *r, u64 now, u64 upto);
u64 synod_replica_shed_bound(const struct synod_replica *r, u64 now);
u64 synod_replica_fetch_spare(const struct synod_replica *r, u64 now);
u32 synod_replica_leader(const struct synod_replica *r);

/*
 * room.c: a follower's room past a slot it lacks.  synod_log_first_hole()
 * is the lowest slot past the chosen prefix the log does not hold whole
 * (0: none).  synod_room_filter() drops from an ACCEPT or CATCHUP @m,
 * before it is stepped, the entries past that hole whose records (@need,
 * in bytes, the glue's measure) would take @held, what the journal holds
 * already, over @room; entries taken count on.  Returns how many it
 * dropped, and the first hole (0: none, nothing weighed).
 * synod_room_held() is @held from the log alone (the records of its
 * slots past the applied index), for callers with no journal.
 */
typedef u32 (*synod_room_need_fn)(void *ctx, const struct synod_entry *e);
u64 synod_log_first_hole(const struct synod_replica *r);
u64 synod_room_held(const struct synod_replica *r, synod_room_need_fn need,
		    void *ctx);
u32 synod_room_filter(const struct synod_replica *r, struct synod_msg *m,
		      u64 room, u64 held, synod_room_need_fn need, void *ctx,
		      u64 *hole);

/* lease.c */
bool synod_replica_lease_valid(const struct synod_replica *r, u64 now);
u64 synod_replica_lease_until(const struct synod_replica *r);

#endif /* SYNOD_CORE_REPLICA_H */
