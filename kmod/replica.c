// SPDX-License-Identifier: GPL-2.0
/*
 * The replica engine: feeds the consensus core its inputs (frames, ticks,
 * client requests, administrator commands) and carries out its outputs:
 * send, persist (journal records queued for the next group commit,
 * replica_jq.c; a new promise to the superblock), apply to the data
 * area, complete requests; core/replica.h says why messages may leave
 * before the journal write.  Frames from peers come in through
 * replica_rx.c.
 * See kmod/replica.h for the locking rule.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "replica.h"
#include "compat.h"
#include "testing.h"
#include "trace.h"

/*
 * Test build only: the replica whose node id is this minus one fails a
 * core assertion at its next tick; then the knob clears itself.  0: off.
 */
static unsigned int test_core_assert;
SYNOD_TEST_PARAM(test_core_assert, uint,
		 "node id + 1 whose core fails an assertion at its next tick (0: off)");

/* Inside SYNOD_CORE(): what a failed assertion in the core looks like. */
static void test_assert(struct synod_repl *r)
{
	if (likely(READ_ONCE(test_core_assert) != r->core.p.self + 1))
		return;
	WRITE_ONCE(test_core_assert, 0);
	synod_assert(!"test_core_assert");
}

/*
 * Test build only: the replica whose node id is this minus one fails an
 * assertion where it encodes its next superblock (a promise, a
 * checkpoint), as the core's encoder would; then the knob clears itself.
 */
static unsigned int test_sb_assert;
SYNOD_TEST_PARAM(test_sb_assert, uint,
		 "node id + 1 whose next superblock encode fails an assertion (0: off)");

static void test_sb_encode_assert(struct synod_repl *r)
{
	if (likely(READ_ONCE(test_sb_assert) != r->core.p.self + 1))
		return;
	WRITE_ONCE(test_sb_assert, 0);
	synod_assert(!"test_sb_assert");
}

/*
 * How large a group commit grows.  A submission pass gives the core at
 * most group_writes writes before it carries out their outputs, and a
 * run of frames gathers at most group_records journal records: one
 * journal write per group instead of per request, while a stream of
 * large writes still flows through leader and followers in pieces (a
 * whole pass of 64 x 16 KiB at once halved 1 MiB sequential
 * throughput in make bench: nothing moved on while a megabyte was
 * written at each hop in turn).  Read at each use; 0 counts as 1: every
 * write its own group, every record written with its frame (outputs
 * without records, such as the leader's handling of acknowledgements,
 * still wait for the run's end); the outbox's room bounds both.
 */
unsigned int synod_group_writes = 16;
module_param_named(group_writes, synod_group_writes, uint, 0644);
MODULE_PARM_DESC(group_writes,
		 "client writes per group commit of a submission pass (default 16)");
unsigned int synod_group_records = 4;
module_param_named(group_records, synod_group_records, uint, 0644);
MODULE_PARM_DESC(group_records,
		 "journal records a run of received frames gathers before they are written (default 4)");

/* The volume id on the wire: FNV-1a of the cluster name. */
u64 synod_cluster_id(const char *name)
{
	u64 h = 0xcbf29ce484222325ull;

	while (*name) {
		h ^= (u8)*name++;
		h *= 0x100000001b3ull;
	}
	return h ?: 1;
}

/* ---- persist ------------------------------------------------------------ */

/* Superblock @sb into @page; in the window of @r (the core's). */
static void sb_encode(struct synod_repl *r, const struct synod_sb *sb,
		      struct page *page)
{
	test_sb_encode_assert(r);
	synod_sb_encode(sb, page_address(page));
}

/*
 * @sb into @page for a write its caller issues itself (a checkpoint's or
 * a promise's, replica_sbw.c), in our assertion window as for every superblock;
 * -EINVAL, the replica fenced, if the encoder's assertion failed.
 */
int synod_repl_sb_encode(struct synod_repl *r, const struct synod_sb *sb,
			 struct page *page)
{
	lockdep_assert_held(&r->lock);
	SYNOD_CORE(r, sb_encode(r, sb, page));
	if (READ_ONCE(r->core_failed)) {
		synod_repl_fence(r, "consensus core assertion failed (superblock)");
		return -EINVAL;
	}
	return 0;
}

/*
 * Write @next, a copy of the superblock with changes, as the next copy
 * (seq + 1); FUA.  It becomes vol->sb only once it is on disk, so that
 * what the replica holds (and later writes start from) is never a
 * superblock the disk does not have.  The encoder is the core's: it runs
 * in our assertion window (it does not sleep; the write after it does),
 * and a failure there writes nothing.  On an I/O error the caller fences
 * the replica: nothing more is written until the next attach.
 */
int synod_repl_sb_commit(struct synod_repl *r, struct synod_sb *next)
{
	struct synod_volume *vol = r->vol;
	int err;

	lockdep_assert_held(&r->lock);
	synod_repl_push(r);	/* before the wait */
	/*
	 * One superblock write at a time.  @next was copied from vol->sb,
	 * so the caller must have settled before it copied: a fold now
	 * would leave @next with the applied index and configuration
	 * before the checkpoint (resync_jump() settles first).
	 */
	WARN_ON_ONCE(r->sbw[SYNOD_SBW_CKPT].busy ||
		     r->sbw[SYNOD_SBW_PROMISE].busy);
	err = synod_sbw_settle(r);
	if (err)
		return err;
	next->seq = vol->sb.seq + 1;
	SYNOD_CORE(r, sb_encode(r, next, r->sb_page));
	if (READ_ONCE(r->core_failed)) {
		synod_repl_fence(r, "consensus core assertion failed (superblock)");
		return -EINVAL;
	}
	err = synod_backing_sb_update(&vol->backing, next, r->sb_page, true);
	if (!err)
		vol->sb = *next;
	return err;
}

/*
 * Superblock update with what changed in vol->sb in place (the LARGE
 * flag, a synchronous checkpoint's applied index); FUA, and no flush
 * first: what such a copy speaks for is on disk already.  The flag and
 * the promise are durable by the FUA alone (each earlier copy was
 * FUA too, and the journal records after it are FUA themselves), and a
 * checkpoint has flushed the data area just before.  A flush of the
 * disk's whole cache at every election bought nothing.  See
 * synod_repl_sb_commit().
 */
int synod_repl_sb_write(struct synod_repl *r)
{
	struct synod_volume *vol = r->vol;
	int err;

	lockdep_assert_held(&r->lock);
	synod_repl_push(r);	/* before the wait */
	/* one superblock write at a time, each copy after the last */
	err = synod_sbw_settle(r);
	if (err)
		return err;
	vol->sb.seq++;
	SYNOD_CORE(r, sb_encode(r, &vol->sb, r->sb_page));
	if (READ_ONCE(r->core_failed)) {
		synod_repl_fence(r, "consensus core assertion failed (superblock)");
		return -EINVAL;
	}
	err = synod_backing_sb_update(&vol->backing, &vol->sb, r->sb_page,
				      false);
	/* The copy aimed at may be torn: the next write aims at it again,
	 * never at the other, which is the last good one. */
	if (err)
		vol->sb.seq--;
	return err;
}

/*
 * Carry out every persist action of this round: queue the journal
 * records for the next group commit (replica_jq.c, which reports them
 * durable once written), and a new promise with them: the group's
 * writer writes it to the superblock before the group's records, with
 * the lock dropped, and reports its seq with the group.  A promise no
 * higher than one on disk or on its way there (the group in flight's, or
 * the filling group's) rides on that one: groups are written and
 * reported in order.  Fences on error.
 */
static void repl_persist(struct synod_repl *r)
{
	struct synod_out *out = &r->out;
	u64 promise = 0, pseq = 0, have;
	u32 i;

	for (i = 0; i < out->npersist; i++) {
		const struct synod_persist *p = &out->persist[i];

		if (p->kind != SYNOD_PERSIST_PROMISE) {
			if (!synod_jq_queue(r, p))
				return;
			continue;
		}
		promise = max(promise, p->ballot);
		pseq = max(pseq, p->seq);
	}
	if (!pseq)
		return;
	/*
	 * The core raises its promise strictly each time it persists one
	 * (raise_promise(), synod_prop_next_ballot()), so each has a write
	 * of its own: a promise that rides on another's is defensive, for
	 * a core that would persist an equal ballot again, and loud.  The
	 * group in flight's is stable while its writer has the role.
	 */
	have = max3(r->vol->sb.promised_ballot, r->jw.promise, r->jq.promise);
	WARN_ON_ONCE(promise <= have);
	synod_jq_promise(r, pseq, promise > have ? promise : 0);
}

/* ---- apply -------------------------------------------------------------- */

/*
 * Synchronous @op (REQ_OP_READ or REQ_OP_WRITE) of @len bytes at @data
 * (linear memory) on the data area at @sector, under the lock.  Whole sectors inside the
 * data area only, checked without overflow: @sector may come from a
 * peer, and a sum that wrapped would reach the journal ring.
 */
int synod_repl_data_io(struct synod_repl *r, blk_opf_t op, u64 sector,
		       void *data, u32 len)
{
	struct synod_volume *vol = r->vol;
	struct bio *bio;
	u32 off;
	int err;

	lockdep_assert_held(&r->lock);
	synod_repl_push(r);	/* before the wait */
	if (len % SECTOR_SIZE ||
	    !synod_block_range_ok(sector, len >> SECTOR_SHIFT,
				  synod_repl_sectors(r)))
		return -EINVAL;
	bio = bio_alloc(vol->backing.bdev, DIV_ROUND_UP(len, PAGE_SIZE),
			op | REQ_SYNC, GFP_NOIO);
	bio->bi_iter.bi_sector = vol->data_start + sector;
	for (off = 0; off < len; off += PAGE_SIZE)
		__bio_add_page(bio, virt_to_page(data + off),
			       min_t(u32, PAGE_SIZE, len - off), 0);
	err = submit_bio_wait(bio);
	bio_put(bio);
	return err;
}

/*
 * Queue the round's chosen entries for the data area, in slot order
 * (replica_apply.c: they land asynchronously), and now and then a
 * checkpoint of what has landed (replica_ckpt.c: a work item, which
 * flushes with the lock dropped).  An entry may be applied before our
 * own record of it is durable: it is chosen, so a quorum holds it, and
 * a crash before the checkpoint finds it again through the peers.
 */
static void repl_apply(struct synod_repl *r)
{
	struct synod_out *out = &r->out;
	u32 i;

	for (i = 0; i < out->napply && !r->fenced; i++)
		synod_apply_entry(r, &out->apply[i]);
	if (synod_repl_ckpt_due(r) && !r->fenced && r->up)
		queue_work(r->vol->wq, &r->ckpt_work);	/* replica_ckpt.c */
}

/*
 * Let go of the replica's lock, then carry out what the engine left for
 * after it: push the frames its rounds queued (a MAC over each and a
 * socket write, transport.h) and submit the data-area writes it issued
 * (synod_apply_kick(), which reaps those that end meanwhile).  Neither
 * needs the lock.  Done under it, they kept every other input of the
 * replica spinning or asleep behind the CPU of a MAC per frame per peer
 * and, on a device that completes in its submitter (null_blk, a RAM
 * disk), the copies of the writes.  Every holder lets go through here,
 * directly or through synod_repl_unlock(), and pushes and submits
 * before any synchronous wait for the disk that keeps the lock
 * (synod_repl_push()), so nothing the engine queued waits for more than
 * the CPU work of the section that queued it.  The transport lives
 * until the replica is destroyed, after its last input has returned.
 */
void synod_repl_release(struct synod_repl *r)
{
	__synod_repl_release(r);
	synod_apply_kick(r);
}

/*
 * synod_repl_release() without the kick: for the kick itself, which
 * reaps under the lock and submits next (a loop, not a recursion), and
 * for the journal's writer, which submits without reaping (jq_write()).
 */
void __synod_repl_release(struct synod_repl *r)
{
	bool push = r->tx_push;

	lockdep_assert_held(&r->lock);
	r->tx_push = false;
	synod_fastread_publish(r);
	mutex_unlock(&r->lock);
	if (push && r->tp)
		r->tops->push(r->tp);
}

/*
 * Under the lock, before every synchronous wait for the disk that keeps
 * it (a superblock write, a checkpoint's flush, a state transfer's chunk,
 * a quiesce): push the frames the engine queued and submit the writes it
 * issued now, rather than after the wait.  push() wants that before any
 * wait (transport.h), a campaign's PREPAREs should not wait for the
 * promise's superblock write, nor the applies for a checkpoint.
 */
void synod_repl_push(struct synod_repl *r)
{
	lockdep_assert_held(&r->lock);
	WARN_ON_ONCE(r->aq.in_kick);	/* a kick waits for no disk */
	/* frames leave before the lock does: readers see this step first */
	synod_fastread_publish(r);
	if (r->tx_push) {
		r->tx_push = false;
		if (r->tp)
			r->tops->push(r->tp);
	}
	synod_apply_submit(r);
}

/* ---- the output loop ------------------------------------------------------ */

/*
 * Carry out the core's outputs.  The landing of applies is an input that
 * may produce more outputs (reads served), so loop until a round lands
 * nothing new; each round carries out only what the previous input
 * produced, so the loop ends (the bound is a guard against a core bug).
 * Applies and journal records are only queued: the applies land
 * asynchronously (replica_apply.c, whose work runs the engine again to
 * report them), and the input's end writes the records
 * (synod_repl_unlock()) and reports them durable, another input.
 *
 * Messages leave before the round's journal write, not after it: the
 * core holds back every reply that rests on our journal (a promise, an
 * acknowledgement) until synod_replica_durable() covers its record, and
 * counts a leader's own vote only then (core/replica.h), so nothing sent
 * early claims durability.  A leader's ACCEPT then reaches the followers
 * while it writes its own record, and the two journal writes of a
 * commit overlap instead of following each other.  The round's messages
 * are queued, then pushed from this thread once it lets go of the lock
 * (synod_repl_release(), transport.h): they leave without waking the
 * transport's thread, one hop less each way.
 */
void synod_repl_execute(struct synod_repl *r)
{
	struct synod_out *out = &r->out;
	u32 round, i;

	lockdep_assert_held(&r->lock);
	for (round = 0; round < 64; round++) {
		if (!r->fenced && out->nmsgs) {
			for (i = 0; i < out->nmsgs; i++)
				synod_repl_send_msg(r, &out->msgs[i]);
			r->tx_push = true;
		}
		if (!r->fenced)
			repl_persist(r);
		synod_repl_done(r, true);	/* held before any apply */
		if (!r->fenced)
			repl_apply(r);
		if (out->transfer)
			synod_resync_wanted(r, out->transfer_from,
					    out->transfer_slot,
					    &out->transfer_cfg,
					    out->transfer_old);
		synod_repl_done(r, false);
		synod_out_reset(out);
		if (r->fenced || READ_ONCE(r->core_failed))
			break;
		/*
		 * Landed before the checkpoint below, which counts as landed
		 * too but serves no waiting read until the next input.
		 */
		if (r->applied > r->core.landed) {
			SYNOD_CORE(r, synod_replica_landed(&r->core,
							   synod_repl_now(),
							   r->applied, out));
			continue;
		}
		/* Applies survive a restart only once checkpointed; a peer
		 * jumping to our checkpoint gets its configuration. */
		if (r->checkpointed > r->core.applied_durable &&
		    r->checkpointed <= r->core.applied)
			SYNOD_CORE(r, synod_replica_applied(&r->core,
							    r->checkpointed,
							    &r->ckpt_cfg));
		break;
	}
	WARN_ON_ONCE(round == 64);
	/* a checkpoint the core just heard of may let the log shed */
	if (!r->fenced && !READ_ONCE(r->core_failed))
		synod_ckpt_retain(r);
	if (READ_ONCE(r->core_failed))
		synod_repl_fence(r, "consensus core assertion failed");
}

/* ---- status and events ---------------------------------------------------- */

/*
 * Quorum as status reports it and as the no-quorum rule uses it: on the
 * leader, a quorum of voters answered in our ballot (a heartbeat echo or
 * a phase-2 ack) within one lease period of local time.  A loaded link
 * delays every heartbeat echo behind queued payloads while the followers
 * go on accepting; such a leader is not cut off (synod_replica_heard()).
 * Elsewhere: the leader was heard recently.
 */
bool synod_repl_quorum(struct synod_repl *r, u64 now)
{
	const struct synod_replica *c = &r->core;
	bool q = false;

	if (!r->up || r->fenced)
		return false;
	if (c->role != SYNOD_LEADER)
		return c->leader != SYNOD_NODE_NONE &&
		       now - c->last_contact_ns < 2 * SYNOD_ELECTION_NS;
	SYNOD_CORE(r, q = synod_replica_heard(c, now, SYNOD_LEASE_NS));
	return q;
}

u32 synod_repl_role(struct synod_repl *r)
{
	const struct synod_replica *c = &r->core;

	if (!r->up || r->fenced)
		return SYNOD_ROLE_DOWN;
	if (!(c->cfg.voters & BIT(c->p.self)))
		return SYNOD_ROLE_LEARNER;
	if (c->role == SYNOD_LEADER)
		return c->active ? SYNOD_ROLE_LEADER : SYNOD_ROLE_CANDIDATE;
	return c->role == SYNOD_CANDIDATE ? SYNOD_ROLE_CANDIDATE :
					    SYNOD_ROLE_FOLLOWER;
}

u32 synod_repl_leader(struct synod_repl *r)
{
	u32 l;

	SYNOD_CORE(r, l = synod_replica_leader(&r->core));

	return l < SYNOD_NODES_MAX ? l : U32_MAX;
}

/*
 * An administrator promoted this replica: keep campaigning (acceptors
 * refuse while another leader's lease runs) and ask the current leader
 * to step down, until we lead or the promotion times out.
 */
void synod_repl_promoting(struct synod_repl *r, u64 now)
{
	u32 leader = synod_repl_leader(r);
	struct kvec iov;
	u8 f = SYNOD_FRAME_STEPDOWN;

	if (!r->promote_until)
		return;
	/* A jump since (state transfer) ends it: a copy must not lead. */
	if (now > r->promote_until || synod_repl_resyncing(r) ||
	    (r->core.role == SYNOD_LEADER && r->core.active)) {
		r->promote_until = 0;
		return;
	}
	if (now - r->promote_last < SYNOD_PROMOTE_RETRY_NS)
		return;
	r->promote_last = now;
	if (leader != U32_MAX && leader != r->core.p.self) {
		iov = (struct kvec){ &f, 1 };
		r->tops->send(r->tp, leader, &iov, 1);
	}
	if (r->core.role == SYNOD_FOLLOWER ||
	    (r->core.role == SYNOD_CANDIDATE &&
	     now - r->core.p1_sent_ns > SYNOD_RETRANSMIT_NS)) {
		if (r->core.role == SYNOD_CANDIDATE)
			SYNOD_CORE(r, synod_replica_resign(&r->core, now, 0,
							   &r->out));
		SYNOD_CORE(r, synod_replica_campaign(&r->core, now, &r->out));
	}
	synod_repl_execute(r);
}

/* One event for synod_repl_events_send(); the queue is sized for all. */
static void event_add(struct synod_repl *r, struct synod_repl_events *ev,
		      u32 event, u32 role, u32 leader)
{
	if (WARN_ON_ONCE(ev->n >= SYNOD_REPL_EVENTS_MAX))
		return;
	ev->ev[ev->n].event = event;
	ev->ev[ev->n].role = role;
	ev->ev[ev->n].leader = leader;
	ev->ev[ev->n].ballot = r->core.ballot_seen;
	ev->n++;
}

/*
 * Note role, leader and quorum changes in @ev, for the events group.
 * Under the lock; the caller sends them with synod_repl_events_send()
 * once it has dropped the lock.
 */
void synod_repl_events(struct synod_repl *r, u64 now,
		       struct synod_repl_events *ev)
{
	u32 role = synod_repl_role(r), leader = synod_repl_leader(r);
	bool q = synod_repl_quorum(r, now);

	if (role != r->last_role || leader != r->last_leader) {
		event_add(r, ev, SYNOD_EVENT_ROLE_CHANGED, role, leader);
		if (role == SYNOD_ROLE_LEADER)
			pr_info("%s: node %u leads (ballot %llu.%u)\n",
				r->vol->name, r->core.p.self,
				synod_ballot_round(r->core.ballot),
				synod_ballot_node(r->core.ballot));
		r->last_role = role;
		r->last_leader = leader;
	}
	if (role == SYNOD_ROLE_LEADER && q != r->last_quorum)
		event_add(r, ev, q ? SYNOD_EVENT_QUORUM_REGAINED :
				     SYNOD_EVENT_QUORUM_LOST, role, leader);
	r->last_quorum = q;
}

/*
 * Send what synod_repl_events() noted, without the lock: the multicast
 * allocates and may sleep.  The caller serves the disk, so it runs in a
 * memalloc_noio scope.
 */
void synod_repl_events_send(struct synod_repl *r,
			    const struct synod_repl_events *ev)
{
	u32 i;

	for (i = 0; i < ev->n; i++)
		r->host->notify(r->net, ev->ev[i].event, r->vol->name,
				ev->ev[i].role, ev->ev[i].leader,
				ev->ev[i].ballot, U32_MAX);
}

/* ---- inputs ----------------------------------------------------------- */

/*
 * Tell the core what the links did since the last tick: which came up
 * (noted by synod_repl_link_event() without the lock), which refused a
 * message while their queue grows (replica_tx.c): a leader resends what
 * those peers have not acked (for a refusal, at most once per
 * retransmission period); else, to a leader, which still hold frames
 * in their send queue (its wait before resending starts over); and, to
 * a follower, whether its leader's payload bytes came (synod_repl_rx():
 * they postpone an election as its messages do).  Called with r->lock
 * held.
 */
static void tell_links(struct synod_repl *r)
{
	bool up, again, bytes, lead;
	u32 n, busy = 0;

	lockdep_assert_held(&r->lock);
	for (n = 0; n < SYNOD_NODES_MAX; n++) {
		up = test_and_clear_bit(n, &r->links_up);
		again = test_and_clear_bit(n, &r->tx_again);
		bytes = test_and_clear_bit(n, &r->rx_bytes);
		lead = r->core.role == SYNOD_LEADER;
		if (!up && !again && lead && r->tops->backlogged(r->tp, n))
			busy |= BIT(n);
		if (up)
			SYNOD_CORE(r, synod_replica_peer_up(&r->core,
					synod_repl_now(), n, &r->out));
		else if (again)
			SYNOD_CORE(r, synod_replica_peer_refused(&r->core,
					synod_repl_now(), n, &r->out));
		else if (bytes && !lead && r->core.leader == n)
			SYNOD_CORE(r, synod_replica_leader_bytes(&r->core,
					synod_repl_now(), n, &r->out));
		else
			continue;
		synod_repl_execute(r);
	}
	/* one call for every peer whose queue holds frames */
	if (busy && r->core.role == SYNOD_LEADER) {
		SYNOD_CORE(r, synod_replica_peer_backlog(&r->core,
				synod_repl_now(), busy, &r->out));
		synod_repl_execute(r);
	}
}

/*
 * Give the host's pool what the payload store holds beyond its floor
 * and no longer needs (payload.h): checkpoint what has landed since the
 * last checkpoint (a flush and a superblock write; only if @write), so
 * that the core may forget every slot nobody needs from it, their
 * payloads with them; then the store sweeps and gives back its free
 * buffers.  From the tick once the replica has been idle a while (the
 * checkpoint then by its work, replica_ckpt.c, which trims again after
 * it), and going down, when no tick will come (synod_repl_down()).  Without
 * @write (a forced down, a delete) nothing goes to the disk, which may
 * be the one that stalls: the core forgets only what an earlier
 * checkpoint covers.  A checkpoint that fails fences the replica, as
 * any failed write of its disk does.
 *
 * Going down (not up), the core hears of the checkpoint only, not of
 * the applies that landed since down began: told those, it would hand
 * out more chosen slots to apply, bios nothing would wait for.  And it
 * forgets what a lagging voter may still lack too (leaving): a replica
 * that is down serves no catch-up.
 *
 * A fenced replica's core is left alone: it may be what failed, and
 * forgetting is one of its steps.  Its store still sweeps, which reads
 * the core and never changes it, and gives back: a fenced replica takes
 * no input and sends nothing until attach builds a new one, so its
 * buffers are read only by the bios that pin them (journal records,
 * applies in flight) and by the sockets that hold them (lent, busy), and
 * the sweep keeps those besides all that the core names.  Called with
 * r->lock held.
 */
void synod_repl_trim(struct synod_repl *r, bool write)
{
	lockdep_assert_held(&r->lock);
	if (!r->fenced && write && r->up && r->applied > r->checkpointed) {
		/*
		 * Idle, but heartbeats and status still take the lock: the
		 * checkpoint work flushes without it, then trims again
		 * (without @write) once the core has heard of it.
		 */
		r->ckpt_trim = true;
		queue_work(r->vol->wq, &r->ckpt_work);
	} else if (!r->fenced && write) {
		if (r->applied > r->checkpointed && synod_repl_checkpoint(r))
			synod_repl_fence(r, "checkpoint failed");
		if (r->up)
			synod_repl_execute(r);	/* the checkpoint, to the core */
		else if (!r->fenced &&
			 r->checkpointed > r->core.applied_durable &&
			 r->checkpointed <= r->core.applied)
			SYNOD_CORE(r, synod_replica_applied(&r->core,
							    r->checkpointed,
							    &r->ckpt_cfg));
	}
	if (!r->fenced)
		SYNOD_CORE(r, synod_replica_forget(&r->core, synod_repl_now(),
						   !r->up));
	if (READ_ONCE(r->core_failed))
		synod_repl_fence(r, "consensus core assertion failed");
	synod_pay_trim(&r->pay, &r->core);
}

void synod_repl_tick(struct work_struct *work)
{
	struct synod_repl *r = container_of(to_delayed_work(work),
					    struct synod_repl, tick);
	struct synod_repl_events ev = {};
	unsigned int noio;
	u64 now;

	noio = memalloc_noio_save();	/* we serve the disk: replica.h */
	mutex_lock(&r->lock);
	/*
	 * Room for everything below at once: without a message, its steps
	 * only propose into the write window and campaign (replica.h).
	 * Rarely a wait: the tick keeps the followers.
	 */
	synod_jq_reserve(r, SYNOD_JQ_RESERVE_LOCAL);
	if (!r->up) {
		synod_repl_unlock(r);
		memalloc_noio_restore(noio);
		return;
	}
	now = synod_repl_now();
	/* pieces of a link that went down and nothing came from since */
	synod_repl_pieces_reset(r);
	if (!r->fenced) {
		/* A data area being copied must not serve: do not lead,
		 * and offer no transfer from it. */
		r->core.no_campaign = synod_repl_resyncing(r);
		r->core.data_suspect = synod_repl_resyncing(r);
		SYNOD_CORE(r, test_assert(r));
		tell_links(r);
		now = synod_repl_now();	/* not before what that stepped */
		SYNOD_CORE(r, synod_replica_tick(&r->core, now, &r->out));
		synod_repl_execute(r);
		/* execute may have stepped the core past the tick's time */
		now = synod_repl_now();
		synod_resync_tick(r, now);
		synod_repl_promoting(r, now);
		synod_repl_membership(r, now);
		/* idle a while, with no I/O to wait behind the checkpoint */
		if (!r->fenced && synod_pay_trim_due(&r->pay))
			synod_repl_trim(r, true);
		/* A leader cut off from its quorum stops serving. */
		if (r->core.role == SYNOD_LEADER && !synod_repl_quorum(r, now)) {
			if (!r->no_quorum_since)
				r->no_quorum_since = now;
			else if (now - r->no_quorum_since > SYNOD_NO_QUORUM_NS) {
				pr_warn("%s: leader without quorum, stepping down\n",
					r->vol->name);
				/*
				 * We just failed to hear from a quorum: let a
				 * replica that can lead first.  Coming back
				 * later deposes nobody: our pre-votes are
				 * refused while its followers hear it.
				 */
				SYNOD_CORE(r, synod_replica_resign(&r->core,
					now, SYNOD_STEPDOWN_QUIET_NS,
					&r->out));
				synod_repl_execute(r);
				r->no_quorum_since = 0;
			}
		} else {
			r->no_quorum_since = 0;
		}
	} else if (synod_pay_trim_due(&r->pay)) {
		synod_repl_trim(r, false);	/* fenced: the store only */
	}
	synod_repl_events(r, now, &ev);
	synod_repl_unlock(r);
	synod_repl_events_send(r, &ev);
	memalloc_noio_restore(noio);
	queue_delayed_work(r->vol->wq, &r->tick,
			   msecs_to_jiffies(SYNOD_TICK_MS));
}
