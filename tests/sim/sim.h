/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The synod cluster simulator: shared declarations of sim.c (the run and
 * its event loop), events.c (event queue), net.c (network), node.c
 * (replicas, disks, clocks), fault.c (faults and heal), client.c (workload
 * and history) and check.c (checkers).  One 64-bit seed decides everything.
 */
#ifndef SYNOD_SIM_H
#define SYNOD_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "replica.h"

#define SIM_NODES_MAX	7
#define SIM_CLIENTS	4
#define SIM_BLOCKS	3
#define SIM_MS		1000000ull
#define SIM_US		1000ull
/* The glue's checkpoint period, in proportion to the kernel's (64 of 128). */
#define SIM_CHECKPOINT_SLOTS	(SYNOD_LOG_MAX / 2)
/* A node forgets its applied log every this many of its ticks. */
#define SIM_FORGET_TICKS	64
#define SIM_NEVER	UINT64_MAX	/* an "ok since" that is not ok now */
/* Values a block may have been written since its last flush (crash picks) */
#define SIM_UNFLUSHED	8
/* State transfer: chunks asked at once, and when to ask again */
#define SIM_RESYNC_WINDOW	2
#define SIM_RESYNC_RETRY_NS	(20 * SIM_MS)

struct jrec {			/* one journal record not yet durable */
	uint64_t seq;
	struct synod_persist p;
};

struct jslot {			/* latest durable record of a slot */
	bool present;
	bool corrupt;
	struct synod_entry e;
};

/*
 * The glue's chunked state transfer (kmod/resync.c, one chunk per block):
 * a jump of the core to the source's checkpointed slot with the RESYNC flag on
 * disk, then a pass asking each chunk of the source, installing an answer
 * read at slot A only if the target has not applied past A; done when
 * every chunk is settled and applied reached the newest A installed.
 */
struct resync {
	bool flag;		/* durable: the superblock's RESYNC flag */
	bool active;		/* a pass is running */
	bool restart;		/* flag found at boot: a pass once a leader is known */
	int from;		/* the peer asked */
	uint16_t pass;		/* echoed by answers; older ones are dropped */
	uint64_t need;		/* consistent once applied reaches this */
	uint8_t state[SIM_BLOCKS];	/* per chunk: 0 to ask, 1 asked, 2 settled */
	uint64_t sent[SIM_BLOCKS];	/* when asked; 0: ask at the next pump */
	uint64_t want_slot;	/* the core asked for a transfer ... */
	int want_from;		/* ... from this peer ... */
	struct synod_config want_cfg;	/* ... into this configuration */
};

/* A chunk request or answer in flight (the event's buffer). */
struct chunk_msg {
	int from;		/* sender */
	uint16_t pass;
	int chunk;
	bool reply;
	bool not_yet;		/* reply: the source is behind or resyncing */
	uint64_t slot;		/* request: target's applied; reply: read at */
	uint64_t value;		/* reply: the chunk (one block) */
};

struct sent_ack {		/* highest-ballot ACCEPTED sent for a slot */
	uint64_t ballot;	/* 0: none */
	struct synod_entry e;	/* the value it acknowledged */
	bool chosen;		/* it knew that value chosen then */
};

struct node {
	int id;
	bool up;
	uint32_t incarnation;
	uint64_t ok_since;	/* up, and no clock jump or pause, since then */
	bool paused;		/* stopped: events wait, the clock runs on */
	uint64_t paused_until;	/* when it resumes */
	uint64_t pause_local;	/* its clock when it stopped (a mutant's) */
	uint64_t last_ballot;	/* the newest ballot it campaigned in */
	/* ticks so far: every SIM_FORGET_TICKS-th forgets the applied log,
	 * as the module's idle payload store does (kmod/payload.c) */
	uint64_t ticks;
	/* the applied_durable the last byte-bound look (shed()) saw */
	uint64_t shed_at;
	/* peers a message to was lost at random since the last tick: the
	 * module learns of a refusal by a send queue still growing, and
	 * tells its core at the tick (synod_replica_peer_refused()) */
	uint32_t refused;
	struct synod_replica r;
	struct synod_out out;
	/* raw monotonic clock: base_local + elapsed * (1 + drift) */
	uint64_t base_real, base_local;
	int64_t drift_ppm;
	/* journal */
	uint64_t promise;	/* durable promised ballot */
	struct jrec *pend;
	int npend, cap_pend;
	struct jslot *slots;
	uint64_t nslots;
	uint64_t disk_free_ns;	/* the disk completes writes in order */
	uint64_t disk_slow_until;	/* a stalled disk: slow flushes */
	/*
	 * Data area, written on apply without FUA and flushed only at a
	 * checkpoint (flush, then the applied index into the superblock)
	 * every SIM_CHECKPOINT_SLOTS slots or at a transfer's start and end.
	 * A crash leaves the applied index of the checkpoint and, in each
	 * block, its flushed value or any value written since: the redo of
	 * the journal after the checkpoint must repair it.
	 */
	uint64_t store[SIM_BLOCKS];
	uint64_t applied;	/* landed: the data area holds it */
	/*
	 * Applies issued and not yet landed, in slot order, as the engine's
	 * data-area writes in flight: each lands (node_land) after a write's
	 * latency, in order, and then the replica is told
	 * (synod_replica_landed).  Writes complete when chosen, before their
	 * apply lands; a crash loses what has not landed.
	 */
	uint64_t issued;
	struct synod_entry *landq;
	int nlandq, cap_landq;
	uint64_t land_free_ns;	/* applies land in order */
	struct synod_config cfg;
	uint64_t ckpt;		/* applied index of the last checkpoint */
	uint64_t ckpt_store[SIM_BLOCKS];	/* flushed content */
	uint64_t unfl[SIM_BLOCKS][SIM_UNFLUSHED];	/* written since */
	int nunfl[SIM_BLOCKS];
	struct synod_config ckpt_cfg;
	struct resync rs;
	/* checker: the highest ballot it sent a promise for, across crashes */
	uint64_t promised_sent;
	/* checker: what this acceptor acknowledged, by slot */
	struct sent_ack *acks;
	uint64_t nacks;
	/*
	 * The engine's submission queue (blkdev.c): writes that came while
	 * a pass was due go to the core together (synod_replica_writes),
	 * as hist indexes.  One per client at most.
	 */
	int batch[SIM_CLIENTS];
	int nbatch;
	bool flush_due;		/* an EV_FLUSH will carry out its outbox */
	/*
	 * The lease its fast read path may use (client.c), as the module's
	 * glue publishes it when it lets go of the replica's lock
	 * (kmod/fastread.c): synod_replica_lease_until() once the outputs
	 * are carried out (sim_process()), never raised while some wait
	 * (net.c: an apply the core issued is not in landq yet)
	 */
	uint64_t fast_until;
};

enum op_ok { OK_FALSE = 0, OK_TRUE = 1, OK_UNKNOWN = 2 };

struct hop {			/* one client operation */
	int client;
	bool write;
	int block;
	uint64_t value;
	uint32_t len;		/* write: its payload's bytes, for the core */
	uint64_t call, ret;
	int ok;			/* enum op_ok */
	bool done;
	bool lease;
	int node;
};

/* A campaign: a replica promised itself a new ballot (check.c). */
struct campaign {
	uint64_t ballot;
	uint64_t t;
	int node;
	uint64_t healthy;	/* ballot of the healthy leader then, or 0 */
};

struct client {
	int id;
	int target;		/* node believed to be the leader */
	int cur;		/* index in history of the pending op, or -1 */
	uint64_t counter;
};

struct sim {
	uint64_t seed;
	uint64_t rng;
	int n;
	int verbose;
	uint64_t now;		/* real time, ns */
	uint64_t fault_end, stop_clients, end;
	uint64_t lease_ns;	/* D of this seed, the same on every replica */
	uint64_t wgl_budget;	/* search steps per block; past it: failure */
	bool healed;
	bool no_faults;		/* --no-faults: no faults, no bit flips */
	uint32_t batch_ppm;	/* --batch-ppm: writes that wait for a pass */
	uint32_t rx_defer_ppm;	/* --rx-defer-ppm: messages whose outputs wait */
	uint32_t write_max;	/* --write-kb-max: the longest write, bytes */
	/*
	 * --retain-kb: bytes of payloads the slots in [log_base,
	 * applied_durable] may name before the node sheds the oldest
	 * (node.c, shed(); the module's SYNOD_RETAIN_BYTES); 0: no bound
	 */
	uint64_t retain_bytes;
	/*
	 * --room-kb: a follower's journal room past a slot it lacks, in
	 * bytes of the writes its log holds past its applied index (net.c,
	 * as the module's kmod/replica_room.c); 0: no bound
	 */
	uint64_t room_bytes;
	/*
	 * Reads a leader serves from its data area without stepping its
	 * core while the lease it published holds (client.c, the module's
	 * kmod/fastread.c); --no-fast-reads turns it off
	 */
	bool fast_reads;
	struct node nodes[SIM_NODES_MAX];
	struct client clients[SIM_CLIENTS];
	/* network */
	bool blocked[SIM_NODES_MAX][SIM_NODES_MAX];
	uint32_t loss_ppm, dup_ppm, slow_ppm;
	/*
	 * --lossy-catchup: node lossy is cut off for the fault phase, and
	 * after the heal its links lose lossy_ppm of messages and chunks
	 * (s->healed: the cut is over) while it catches up by a transfer.
	 */
	int lossy;		/* -1: none */
	uint32_t lossy_ppm;
	int lossy_jumps;	/* its jumps since the heal */
	/* history */
	struct hop *hist;
	int nhist, cap_hist;
	/* checker state */
	struct synod_entry *chosen;	/* global: first applied value per slot */
	uint64_t nchosen;
	uint64_t max_active_ballot;
	int proposed_voters;	/* voters of the last proposed config */
	/* leadership stability (check.c): what faults touched, and when */
	uint64_t link_ok_since[SIM_NODES_MAX][SIM_NODES_MAX];
	/* lease safety: when acceptor [v] last granted node [l] a lease */
	uint64_t grant_t[SIM_NODES_MAX][SIM_NODES_MAX];
	uint64_t net_ok_since;	/* no loss, duplication, delay since */
	int leader;		/* node of the newest leader ballot, or -1 */
	uint32_t leader_inc;	/* its incarnation */
	uint64_t lead_ballot;	/* that ballot */
	uint64_t lead_since;	/* it became active then; SIM_NEVER: not yet */
	struct campaign *camp;
	int ncamp, cap_camp;
	char failure[256];
	bool failed;
	/* counters */
	uint64_t msgs, events, lease_reads, commits_ok, transfers, crashes;
	uint64_t corruptions, jumps, pauses, chunks, xfer_crashes;
	uint64_t xfer_jumps;	/* jumps into a state transfer (passes) */
	/* --retain-kb: sheds that forgot slots, and the slots a peer wanted */
	uint64_t sheds, shed_slots;
	uint64_t room_dropped;	/* --room-kb: entries dropped past a hole */
	uint64_t promises_cut;	/* promises sent cut (net.c, cut_promise()) */
	uint64_t fast_reads_n;	/* reads served past the core (client.c) */
	uint64_t leader_changes;	/* new leader ballots past phase 1 */
	uint64_t batched;	/* writes given to a core two or more at once */
	/*
	 * Steps after which a leader held its next waiting write back for
	 * the byte window alone (check_byte_window): steps, not episodes
	 */
	uint64_t window_full_steps;
};

enum ev_kind {
	EV_TICK, EV_MSG, EV_DURABLE, EV_CLIENT, EV_CTIMEOUT, EV_FAULT,
	EV_RESTART, EV_HEAL, EV_MEMBER, EV_RESUME, EV_SUBMIT, EV_CHUNK,
	EV_XCRASH, EV_LAND, EV_BATCH, EV_FLUSH, EV_LOSSY,
};

struct event {			/* one thing due to happen (events.c) */
	uint64_t t, seq;	/* when; ties run in scheduling order */
	int kind;		/* enum ev_kind */
	int node;		/* the node it is for, or -1 */
	uint32_t inc;		/* the node's incarnation at scheduling */
	uint64_t a;		/* kind's argument (sequence, client, op) */
	uint8_t *buf;		/* EV_MSG, EV_CHUNK: the message, owned */
	uint32_t len;		/* EV_MSG: its length */
};

/* sim.c */
uint64_t sim_rand(struct sim *s);
void *sim_grow(void *p, int n, int *cap, size_t size);
uint64_t sim_below(struct sim *s, uint64_t n);
bool sim_chance(struct sim *s, uint32_t ppm);
void sim_fail(struct sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sim_trace(struct sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* events.c */
void sim_push(struct event e);
struct event sim_pop(void);
size_t sim_pending(void);
void sim_schedule(struct sim *s, uint64_t at, int kind, int node,
		  uint64_t a);
void sim_schedule_client(struct sim *s, int client, uint64_t at);
void sim_schedule_timeout(struct sim *s, int client, int op, uint64_t at);
void sim_events_reset(void);
void sim_events_drain(void);
void sim_events_release(void);

/* net.c */
bool net_lossy_drop(struct sim *s, int from, int to);
void net_send(struct sim *s, int from, const struct synod_msg *m);
void net_receive(struct sim *s, struct event *e);
void net_heal(struct sim *s);

/* node.c */
extern struct synod_params sim_params_template;
uint64_t sim_local(const struct sim *s, const struct node *nd);
void sim_process(struct sim *s, struct node *nd);
void node_durable(struct sim *s, struct node *nd, uint64_t seq);
void node_land(struct sim *s, struct node *nd, uint64_t slot);
void node_boot(struct sim *s, struct node *nd);
bool node_holds_corruption(const struct node *nd);
bool node_resyncing(const struct node *nd);
bool node_may_crash(const struct sim *s, const struct node *nd, bool aimed);
void node_data_write(struct node *nd, int block, uint64_t value);
void node_data_write_entry(struct node *nd, const struct synod_entry *e);
void node_tick(struct sim *s, struct node *nd);
void node_chunk(struct sim *s, struct node *nd, struct chunk_msg *cm);
void node_pause(struct sim *s, struct node *nd, uint64_t ns);
void node_resume(struct sim *s, struct node *nd);
void node_crash(struct sim *s, struct node *nd);
void node_restart(struct sim *s, struct node *nd);

/* fault.c */
void fault_inject(struct sim *s);
void fault_heal(struct sim *s);
void fault_restore_members(struct sim *s);
void fault_lossy_cut(struct sim *s);

/* client.c */
uint32_t sim_write_len(const struct sim *s, uint64_t value);
void client_start(struct sim *s, struct client *c);
void client_submit(struct sim *s, int idx);
void client_submit_batch(struct sim *s, struct node *nd);
void client_done(struct sim *s, struct node *nd, const struct synod_done *d);
void client_node_crashed(struct sim *s, struct node *nd);
void client_timeout(struct sim *s, int client, uint64_t op);
int history_write(const struct sim *s, const char *path);

/* check.c */
bool check_issue(struct sim *s, struct node *nd, const struct synod_entry *e);
void check_apply(struct sim *s, struct node *nd, const struct synod_entry *e);
void check_leaders(struct sim *s);
void check_faults_changed(struct sim *s);
void check_lease_read(struct sim *s, struct node *nd);
void check_acks_sent(struct sim *s, struct node *nd);
void check_restarted(struct sim *s, struct node *nd);
void check_replay(struct sim *s, struct node *nd, bool ahead);
void check_lossy_jump(struct sim *s, struct node *nd);
void check_byte_window(struct sim *s, struct node *nd);
const struct synod_slot *sim_held(const struct synod_replica *r,
				  uint64_t slot);
void check_final(struct sim *s);
void check_linearizable(struct sim *s);

#endif /* SYNOD_SIM_H */
