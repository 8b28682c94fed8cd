// SPDX-License-Identifier: GPL-2.0
/*
 * Lifecycle and administration of a replica: create (format or recover
 * from the journal), up and down, promote and demote, membership change,
 * status.  The engine that runs while the replica is up is replica.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "replica.h"
#include "compat.h"
#include "testing.h"

/*
 * Scale of every protocol timeout (replica.h) and of the links' timeouts
 * (the transport's time_scale), for slow hosts and TCG VMs:
 * "insmod synod.ko time_scale=4".  Fixed once loaded, because the
 * core copies the timeouts at create and attach while the engine reads
 * the rest as it goes; it must be the same on every replica of a volume.
 */
unsigned int synod_time_scale = 1;

static int time_scale_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int err;

	err = kstrtouint(val, 0, &v);
	if (err)
		return err;
	if (v < 1 || v > SYNOD_TIME_SCALE_MAX)
		return -EINVAL;
	synod_time_scale = v;
	return 0;
}

static const struct kernel_param_ops time_scale_ops = {
	.set = time_scale_set,
	.get = param_get_uint,
};
module_param_cb(time_scale, &time_scale_ops, &synod_time_scale, 0444);
MODULE_PARM_DESC(time_scale,
		 "multiply every protocol timeout by this (1-20; the same on all replicas)");

/*
 * Test build only (testing.h): replicas created or attached from now on
 * serve no read under a lease, so that every read waits for a
 * read-index round (tests/vm/engine.bats piles reads up this way).
 */
static bool test_no_lease;
SYNOD_TEST_PARAM(test_no_lease, bool,
		 "replicas created later serve reads by read-index only");

/*
 * The core's parameters for a replica set up as @cfg says: the timeouts
 * (scaled by time_scale), and a first membership of this node and its
 * peers with majority quorums unless @cfg sets them.
 */
void synod_repl_params_from_cfg(struct synod_params *p,
				const struct synod_repl_cfg *cfg, u64 volume_id)
{
	u32 voters = cfg->peers | BIT(cfg->node);

	memset(p, 0, sizeof(*p));
	p->volume = volume_id;
	p->self = cfg->node;
	p->config.epoch = 1;
	p->config.voters = voters;
	p->config.q1 = cfg->q1 ?: synod_majority(voters);
	p->config.q2 = cfg->q2 ?: synod_majority(voters);
	p->heartbeat_ns = SYNOD_HEARTBEAT_NS;
	p->election_ns = SYNOD_ELECTION_NS;
	p->retransmit_ns = SYNOD_RETRANSMIT_NS;
	p->lease_ns = SYNOD_LEASE_NS;
	p->lease_margin_ns = SYNOD_LEASE_MARGIN_NS;
	p->jump_ns = SYNOD_JUMP_NS;
	p->rho_ppm = SYNOD_RHO_PPM;
	p->leases = !READ_ONCE(test_no_lease);
	p->seed = get_random_u64();
}

/* ---- recovery from the journal ------------------------------------------ */

/* An intact journal record: its payloads to the store, its entry to the core. */
static void recover_found(void *ctx, const struct synod_jrec *j)
{
	struct synod_repl *r = ctx;
	u32 k, paymax = synod_sb_paymax(&r->vol->sb);
	struct synod_pay *pay;

	if (j->e.slot <= r->applied)
		return;		/* already in the data area */
	/* The core is called in our window (it does not sleep): its
	 * assertions fence this replica (synod_repl_create()). */
	if (j->e.kind == SYNOD_ENTRY_WRITE) {
		for (k = 0; k < j->e.nwrites; k++) {
			/* the volume's bound: 1 MiB (a chain) on LARGE */
			pay = j->len[k] && j->len[k] <= paymax ?
			      synod_pay_store(&r->pay, j->e.w[k].ref,
					      j->len[k], &r->core) : NULL;
			/* a chain stored before must hold it too */
			if (!pay ||
			    j->len[k] > pay->nseg * SYNOD_PAY_BUF_BYTES) {
				pr_warn("%s: journal entry for slot %llu dropped: payload store full or bad length\n",
					r->vol->name, j->e.slot);
				SYNOD_CORE(r, synod_replica_restore_corrupt(&r->core,
								j->e.slot));
				return;
			}
			/* the record's segments, in order, into the chain */
			synod_pay_copy_segs(&r->pay, pay, j->seg[k],
					    j->nseg[k]);
			synod_pay_set_len(&r->pay, pay, j->len[k]);
			pay->durable = true;	/* in our journal: never replaced */
		}
	}
	SYNOD_CORE(r, synod_replica_restore_entry(&r->core, &j->e));
}

/*
 * A record corrupt in the middle of the ring: ask the peers for it.  A
 * damaged ring reports many at once (a flaky disk corrupts every read):
 * the first of each kind is logged, synod_repl_create() logs the count.
 */
static void recover_corrupt(void *ctx, u64 slot, bool slot_known)
{
	struct synod_repl *r = ctx;

	if (!slot_known) {
		if (!r->rec_corrupt_unknown++)
			pr_warn("%s: journal record with unreadable slot: no promise until slots up to %llu are fetched from peers\n",
				r->vol->name,
				r->core.applied_durable + SYNOD_LOG_MAX);
		SYNOD_CORE(r, synod_replica_restore_unknown(&r->core));
		return;
	}
	if (!r->rec_corrupt_known++)
		pr_warn("%s: journal entry for slot %llu is corrupt; it will be fetched from peers\n",
			r->vol->name, slot);
	if (slot > r->applied)
		SYNOD_CORE(r, synod_replica_restore_corrupt(&r->core, slot));
}

/*
 * The journal's owner hooks (journal.h): the core's record encoder runs
 * in our assertion window, so its failure fences this replica only.
 */
static void journal_enter(void *ctx)
{
	synod_core_enter(ctx);
}

static void journal_leave(void *ctx)
{
	synod_core_leave(ctx);
}

/* ---- create and destroy ------------------------------------------------- */

/* Does @h fill every call the engine makes through it (replica.h)? */
static bool host_whole(const struct synod_repl_host *h)
{
	return h && h->end && h->pass_down && h->kick_busy &&
	       h->requeue_busy && h->admit_put && h->notify;
}

/*
 * Everything the replica will ever need, allocated now.  @format: a new
 * replica (empty journal); otherwise recover the journal's entries and the
 * promise and applied index from the superblock.  @host: the volume's
 * calls (struct synod_repl_host), whole, kept for the replica's life.
 */
struct synod_repl *synod_repl_create(struct synod_volume *vol, struct net *net,
				     const struct synod_repl_host *host,
				     const struct synod_repl_cfg *cfg,
				     bool format,
				     struct netlink_ext_ack *extack)
{
	struct synod_journal_owner jo = {
		.enter = journal_enter,
		.leave = journal_leave,
	};
	struct synod_transport_cfg *tcfg;
	struct synod_params p;
	struct synod_repl *r;
	u64 nrec, nwritten, nbios, ncorrupt;
	u32 n;
	int err = -ENOMEM, apply_err, sbw_err;

	/* called without a check on every request: a hole is a bug here */
	if (WARN_ON(!host_whole(host))) {
		NL_SET_ERR_MSG(extack, "internal error: the volume's calls for the replica are incomplete");
		return ERR_PTR(-EINVAL);
	}
	r = kvzalloc(sizeof(*r), GFP_KERNEL);
	tcfg = kzalloc(sizeof(*tcfg), GFP_KERNEL);
	if (!r || !tcfg) {
		/* not set up enough for synod_repl_destroy() */
		kfree(tcfg);
		kvfree(r);
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&r->lock);
	synod_held_init(&r->held);
	/* now: destroy cancels it, and a work without a function warns */
	INIT_DELAYED_WORK(&r->tick, synod_repl_tick);
	synod_ckpt_init(r);
	r->vol = vol;
	r->host = host;
	/*
	 * A format 3 journal with a ring for large records may take a
	 * LARGE peer's payloads and turn LARGE itself (synod_repl_large_ok()):
	 * what the disk can hold decides, every module serves large
	 * requests.  A LARGE disk always passes (ondisk.c refuses a LARGE
	 * superblock with a smaller ring).
	 */
	r->large_ok = synod_sb_jrec_format(&vol->sb) == SYNOD_JREC_FORMAT_V3 &&
		      synod_sb_pring_size(&vol->sb) >= SYNOD_PRING_MIN_LARGE;
	WARN_ON_ONCE((vol->sb.flags & SYNOD_SB_FLAG_LARGE) && !r->large_ok);
	r->net = net;
	r->cfg = *cfg;
	r->volume_id = synod_cluster_id(cfg->cluster);
	r->last_role = SYNOD_ROLE_DOWN;
	r->last_leader = U32_MAX;
	r->tops = &synod_tcp_ops;
	for (n = 0; n < SYNOD_NODES_MAX; n++)
		r->land[n] = SYNOD_PAY_NONE;

	r->sb_page = alloc_page(GFP_KERNEL);
	/* each sets up what destroy needs before it may fail */
	sbw_err = synod_sbw_init(r);
	apply_err = synod_apply_init(r);
	if (synod_jq_init(r) || apply_err || sbw_err || !r->sb_page ||
	    synod_resync_init(r, !format &&
			      (vol->sb.flags & SYNOD_SB_FLAG_RESYNC)))
		goto fail;
	err = synod_pay_init(&r->pay, cfg->node, &synod_host_paypool);
	if (err) {
		if (err == -ENOSPC)
			NL_SET_ERR_MSG(extack, "the host's payload pool has no room for another replica (16 MiB each): load synod with a larger payload_pool_mb");
		goto fail;
	}
	err = -ENOMEM;
	r->pay.outbox = &r->out;
	r->pay.gathered = r->subw;
	r->pay.ngathered = &r->nsub;
	jo.ctx = r;
	r->journal = synod_journal_create(&vol->backing, &vol->sb, &jo);
	if (IS_ERR(r->journal)) {
		err = PTR_ERR(r->journal);
		r->journal = NULL;
		NL_SET_ERR_MSG(extack, "cannot set up the journal");
		goto fail;
	}

	synod_repl_params_from_cfg(&p, cfg, r->volume_id);
	if (!format)
		p.config = vol->sb.cfg;
	if (synod_replica_init(&r->core, &p, synod_repl_now())) {
		NL_SET_ERR_MSG(extack, "invalid consensus parameters (q1 + q2 must exceed the voters; timeouts scaled by time_scale)");
		err = -EINVAL;
		goto fail;
	}
	synod_out_reset(&r->out);
	if (!format) {
		synod_apply_reset(r, vol->sb.applied_index);	/* r->applied */
		r->checkpointed = r->applied;
		r->applied_cfg = vol->sb.cfg;
		r->ckpt_cfg = vol->sb.cfg;
		synod_replica_restore_applied(&r->core, r->applied,
					      &vol->sb.cfg);
		synod_replica_restore_promise(&r->core,
					      vol->sb.promised_ballot);
	} else {
		r->applied_cfg = p.config;
		r->ckpt_cfg = p.config;
	}
	/*
	 * A transfer cut short by a crash leaves the data area suspect: from
	 * the first message on (rx may run before the first tick), neither
	 * campaign nor offer a transfer from it.
	 */
	r->core.no_campaign = synod_repl_resyncing(r);
	r->core.data_suspect = synod_repl_resyncing(r);
	/*
	 * Also on a new volume: the scan finds no record of ours (records of
	 * an earlier volume on the device carry another UUID) and positions
	 * the ring's head.
	 */
	/* what the journal holds may need more than the floor: allocate */
	r->pay.gfp = GFP_KERNEL;
	err = synod_journal_recover(r->journal, recover_found, recover_corrupt,
				    r);
	r->pay.gfp = 0;
	if (err == -ENOMEM) {
		NL_SET_ERR_MSG(extack, "out of memory for the journal's recovery buffers");
		goto fail;
	} else if (err == -EUCLEAN) {
		NL_SET_ERR_MSG(extack, "the journal names an implausible journal sequence (crafted or corrupt)");
		goto fail;
	} else if (err) {
		NL_SET_ERR_MSG(extack, "reading or flushing the journal failed (see the kernel log)");
		goto fail;
	}
	/*
	 * Records, not reports: damage past the end is reported once for
	 * all its records, which the journal counts (a new journal: all of
	 * its count is this recovery's).
	 */
	synod_journal_counters(r->journal, &nrec, &nwritten, &nbios, &ncorrupt);
	if (ncorrupt > 1)
		pr_warn("%s: journal recovery: %llu corrupt record(s), %u of them with a known slot, to be fetched from peers\n",
			vol->name, ncorrupt, r->rec_corrupt_known);
	/* (damage with unknown slots sets lost_slot too: said above) */
	if (r->core.lost_slot && !r->rec_corrupt_unknown)
		pr_warn("%s: journal holds slots up to %llu, past the log window from checkpoint %llu (written by an older module, or a disk that lost its cache): no promises until they are learned from peers\n",
			vol->name, r->core.lost_slot, r->applied);
	synod_journal_reclaim(r->journal, r->applied);
	/* Recovery called the core (and the encoder of void records) in
	 * our window: a failed assertion there is ours. */
	if (READ_ONCE(r->core_failed)) {
		pr_err("%s: fenced: consensus core assertion failed during recovery\n",
		       vol->name);
		r->fenced = true;	/* "volume up" refuses with EIO */
	}

	tcfg->net = net;
	tcfg->self = cfg->node;
	strscpy(tcfg->cluster, cfg->cluster, sizeof(tcfg->cluster));
	tcfg->listen = cfg->listen;
	for (n = 0; n < SYNOD_NODES_MAX; n++) {
		tcfg->peer_valid[n] = cfg->peers & BIT(n);
		tcfg->peer_addr[n] = cfg->peer_addr[n];
	}
	memcpy(tcfg->secret, cfg->secret, sizeof(tcfg->secret));
	tcfg->secret_len = cfg->secret_len;
	tcfg->time_scale = synod_time_scale;
	tcfg->rx = synod_repl_rx;
	/* payload frames received straight into payload buffers */
	tcfg->rx_head = SYNOD_PIECE_HDR;
	tcfg->rx_place = synod_repl_rx_place;
	tcfg->rx_placed = synod_repl_rx_placed;
	tcfg->rx_done = synod_repl_rx_done;
	tcfg->link_event = synod_repl_link_event;
	tcfg->ctx = r;
	r->tp = r->tops->create(tcfg);
	if (IS_ERR(r->tp)) {
		err = PTR_ERR(r->tp);
		r->tp = NULL;
		NL_SET_ERR_MSG(extack, "cannot set up the transport");
		goto fail;
	}
	kfree_sensitive(tcfg);
	/* The transport keeps the secret; nothing else here needs it. */
	memzero_explicit(r->cfg.secret, sizeof(r->cfg.secret));
	r->cfg.secret_len = 0;
	return r;

fail:
	kfree_sensitive(tcfg);
	if (r)
		synod_repl_destroy(r);
	return ERR_PTR(err);
}

/*
 * Undo create; the replica is down (or never was up), so no journal
 * write is in flight and nothing is queued (synod_jq_drain()).  Its
 * works ran on the host's workqueue, which outlives it: each is waited
 * for here (these four are set up before create may fail; a state
 * transfer's source's, by synod_resync_free()), where the volume's own
 * queue was once drained.
 */
void synod_repl_destroy(struct synod_repl *r)
{
	synod_repl_down(r, true);
	cancel_delayed_work_sync(&r->tick);
	flush_work(&r->jwork);
	flush_work(&r->aq.work);
	flush_work(&r->ckpt_work);
	if (r->tp)
		r->tops->destroy(r->tp);
	if (r->journal)
		synod_journal_destroy(r->journal);
	synod_apply_free(r);	/* down drained the applies */
	synod_jq_free(r);	/* unpins: before the payload store goes */
	synod_pay_exit(&r->pay);
	synod_resync_free(r);
	if (r->sb_page)
		__free_page(r->sb_page);
	synod_sbw_free(r);	/* down waited for both writers */
	memzero_explicit(r->cfg.secret, sizeof(r->cfg.secret));
	kvfree(r);
}

/* ---- up and down -------------------------------------------------------- */

int synod_repl_up(struct synod_repl *r)
{
	int err;

	mutex_lock(&r->lock);
	if (r->up) {
		synod_repl_release(r);
		return 0;
	}
	if (r->fenced) {
		synod_repl_release(r);
		return -EIO;
	}
	synod_repl_release(r);
	err = r->tops->start(r->tp);
	if (err)
		return err;
	mutex_lock(&r->lock);
	r->up = true;
	synod_repl_release(r);
	queue_delayed_work(r->vol->wq, &r->tick, 0);
	return 0;
}

/*
 * Going down: no tick runs until the volume is up again, and a fenced
 * one never is, so the idle trim would not come and the store would hold
 * what its last burst took until the volume is deleted.  Give the pool
 * what is beyond the floor now (synod_repl_trim()): every input has
 * stopped and every apply has landed, so a checkpoint covers all that
 * was applied.  Not when @force: a forced down, a delete and a
 * namespace's exit write nothing of their own (they still wait for the
 * writes in flight), so they give back what earlier checkpoints let go.
 * Returns how many buffers went back.
 */
static u64 trim_going_down(struct synod_repl *r, bool force)
{
	/* for the checkpoint's flush and superblock write (replica.h) */
	unsigned int noio = memalloc_noio_save();
	u64 given;

	mutex_lock(&r->lock);
	synod_jq_reserve(r, SYNOD_JQ_RESERVE_LOCAL);
	given = r->pay.trimmed;
	/* no frame comes now (links stopped): nothing may stay pinned */
	synod_repl_pieces_abandon(r);
	/* nor is one received in place: the landing buffers go back too */
	synod_repl_land_give_all(r);
	synod_repl_trim(r, !force);
	given = r->pay.trimmed - given;
	synod_repl_unlock(r);
	memalloc_noio_restore(noio);
	/* a checkpoint queues no record; should anything, it is written */
	synod_jq_drain(r);
	return given;
}

/*
 * Leave: a leader fails its pending requests first (they cannot commit
 * any more), then the timer stops, the journal write in flight ends and
 * what is queued is written (synod_jq_drain()), then the links stop,
 * and the payload store shrinks to its floor.  A fenced replica's core
 * is left alone (it may be what failed; the fence failed its requests).
 * The replica is down whatever this returns: -EIO says that a write of
 * its disk failed going down (a journal write, the checkpoint) and
 * fenced it.  With @force that is not looked at: it writes nothing of
 * its own, and its callers (delete, a namespace's exit) go on anyway.
 */
int synod_repl_down(struct synod_repl *r, bool force)
{
	struct synod_tx_counts tx = {};
	struct synod_repl_events ev = {};
	u64 again = 0, rx = 0, rx_pieces = 0, given;
	u64 jheld, jrecords, jbios, jcorrupt, jbatches, jshared;
	bool was_up, was_fenced;
	int err = 0;
	u32 n;

	mutex_lock(&r->lock);
	synod_jq_reserve(r, SYNOD_JQ_RESERVE_LOCAL);
	was_up = r->up;
	was_fenced = r->fenced;
	if (was_up && !r->fenced && r->core.role != SYNOD_FOLLOWER) {
		SYNOD_CORE(r, synod_replica_resign(&r->core, synod_repl_now(),
						   0, &r->out));
		r->up = false;	/* requests fail rather than wait */
		synod_repl_execute(r);
	} else if (was_up && !r->fenced) {
		/* what a run of frames left for rx_done(), which stops */
		synod_repl_execute(r);
	}
	r->up = false;
	synod_repl_unlock(r);
	if (!was_up)
		return 0;
	/* Outside the lock: the tick and the rx worker take it. */
	cancel_delayed_work_sync(&r->tick);
	/* a checkpoint flushing now writes nothing once it sees us down */
	flush_work(&r->ckpt_work);
	/*
	 * Nothing queues records now (not up): write what is queued while
	 * the links are still there for the acknowledgements that follow,
	 * and once more after the rx worker is gone (it may have been the
	 * writer; then this only waits for it).
	 */
	synod_jq_drain(r);
	r->tops->stop(r->tp, force);
	synod_jq_drain(r);
	/* no input runs now: the applies in flight land */
	synod_apply_drain(r);
	/* and a chunk served, read among them, has been answered */
	synod_rserve_flush(r);
	given = trim_going_down(r, force);
	/* after stop: the frames written while it drained count too */
	r->tops->tx_counts(r->tp, &tx);
	for (n = 0; n < SYNOD_NODES_MAX; n++)
		again += r->tx_again_count[n];
	for (n = 0; n < SYNOD_RXD_MAX; n++)
		rx += r->rx_drop[n];
	for (n = 0; n < SYNOD_NODES_MAX; n++)
		rx_pieces += r->rx_pieces[n];
	synod_journal_counters(r->journal, &jheld, &jrecords, &jbios,
			       &jcorrupt);
	jbatches = synod_journal_chunks(r->journal);
	jshared = synod_journal_shared(r->journal);
	/*
	 * Three lines: one of ~950 bytes came near printk's limit (992 with
	 * its prefix on 6.1), past which the last counters would be cut,
	 * and so did the second.  bench.sh and bench-report.py read the
	 * first one only; the tests join them (tests/vm/helpers.bash,
	 * down_lines()), the "superblock" line last.
	 */
	pr_info("%s: down; frames dropped: %llu received (%llu for want of a payload buffer, %llu naming a payload not here, %llu late state-transfer answers, %llu bad), %llu not sent; payload store full %llu times; slots resent %llu; frames sent %llu, %llu pushed, %llu handed over, %llu KiB by reference (buffers lent %llu, copied at the cap %llu); payload buffers %u at most (%llu taken from the host pool, %llu given back, %llu of them going down); reads past the engine %llu (%llu under the lease sent in for a write); frames received in place %llu, into payload buffers %llu, copied from there %llu, pieces received %llu, socket reads %llu\n",
		r->vol->name, rx, r->rx_drop[SYNOD_RXD_NOBUF],
		r->rx_drop[SYNOD_RXD_NOPAY], r->rx_drop[SYNOD_RXD_LATE],
		r->rx_drop[SYNOD_RXD_BAD], r->tx_dropped, r->pay.exhausted,
		r->core.stats.resends, tx.frames, tx.pushed, tx.handed,
		tx.spliced >> 10, r->pay.lends, r->pay.lend_full,
		r->pay.peak, r->pay.grown, r->pay.trimmed, given,
		(u64)atomic64_read(&r->fr.reads),
		(u64)atomic64_read(&r->fr.busy_reads), tx.rx_placed,
		r->pay.landed, r->pay.land_copied, rx_pieces, tx.rx_reads);
	pr_info("%s: down, continued: journal groups %llu (%llu records in %llu batches, %llu writes), waits for room %llu; data area writes %llu, %llu waited for an overlap, apply work runs %llu, reaps inline %llu; checkpoints by the work %llu; send rings grown %llu, shrunk %llu, short of memory %llu, full while growing %llu; pieces sent %llu; forgets after a checkpoint %llu; slots shed past a lagging peer %llu; writes turned back by admission %ld; entries refused past a missing slot %llu; slots resent for a peer's missing one %llu; catch-up answers cut by bytes %llu; promises cut by bytes %llu; cut promises refused %llu; accepts sent in parts %llu; records naming payloads journaled before %llu\n",
		r->vol->name, r->jgroups, jrecords, jbatches, jbios, r->jwaits,
		r->aq.writes, r->aq.blocked, r->aq.work_runs,
		r->aq.kick_reaps, r->ckpt_async,
		tx.ring_grows, tx.ring_shrinks, tx.ring_nomem, again,
		r->tx_pieces, r->ckpt_forgets, r->retain_shed,
		atomic_long_read(&r->vol->admit.refused), r->room_refused,
		r->core.stats.gap_resends, r->catchup_cut, r->promise_cut,
		r->core.stats.part_refused, r->accept_parts,
		jshared);
	pr_info("%s: down, superblock: writes waited for another in flight %llu (%llu of them under the lock), promises written with the lock dropped %llu; state-transfer chunks served %llu (slots whose writes waited for their read %llu), asks turned away %llu\n",
		r->vol->name, r->sb_async_waits, r->sb_locked_waits,
		r->sb_promise_writes, r->resync.srv.served,
		r->resync.srv.held, r->resync.srv.turned_away);
	mutex_lock(&r->lock);
	if (!force && !was_fenced && r->fenced)
		err = -EIO;
	synod_repl_events(r, synod_repl_now(), &ev);
	synod_repl_release(r);
	synod_repl_events_send(r, &ev);
	return err;
}

/* ---- roles -------------------------------------------------------------- */

/*
 * promote: campaign now; demote: step aside for two election timeouts.
 * A replica that cannot win is refused with the reason rather than let
 * ask the leader to step down for nothing: one in a state transfer, and
 * one whose journal lost accepted entries (it promises nothing, not even
 * to itself, until the slots it may have voted in are learned chosen).
 */
int synod_repl_promote(struct synod_repl *r, bool promote,
		       struct netlink_ext_ack *extack)
{
	u64 now;

	/* a stalled journal must not hold the command: Ctrl-C ends it */
	if (mutex_lock_interruptible(&r->lock))
		return -EINTR;
	/* for a campaign's promise, or what a resign leaves */
	if (synod_jq_reserve_intr(r, SYNOD_JQ_RESERVE_LOCAL))
		return -EINTR;
	if (!r->up || r->fenced) {
		synod_repl_unlock(r);
		NL_SET_ERR_MSG(extack, "volume is down: run 'synodctl volume up' first");
		return -ENETDOWN;
	}
	now = synod_repl_now();
	if (promote && synod_repl_resyncing(r)) {
		synod_repl_unlock(r);
		NL_SET_ERR_MSG(extack, "a state transfer is running: its data area is not complete yet (see status)");
		return -EAGAIN;
	}
	if (promote && r->core.lost_slot) {
		SYNOD_ERR(extack, NULL,
			  "journal lost votes: no promise until slots are learned",
			  " (%llu to go)",
			  r->core.lost_slot - r->core.chosen_upto);
		synod_repl_unlock(r);
		return -EBUSY;
	}
	if (promote) {
		r->promote_until = now + SYNOD_PROMOTE_NS;
		r->promote_last = 0;
		synod_repl_promoting(r, now);
	} else {
		r->promote_until = 0;
		if (r->core.role != SYNOD_FOLLOWER)
			SYNOD_CORE(r, synod_replica_resign(&r->core, now,
					2 * SYNOD_ELECTION_NS, &r->out));
		synod_repl_execute(r);
	}
	synod_repl_unlock(r);
	return 0;
}

/*
 * May the disk be opened for writing (0, else -EROFS)?  Only on the
 * active leader.  With auto-promote (and @promote), promote first as
 * "volume promote" does and wait for the outcome, at most
 * SYNOD_AUTO_PROMOTE_NS.  A bare campaign is not enough: while a live
 * leader renews its lease the acceptors refuse every other ballot, so ask
 * that leader to step down too; the tick keeps campaigning until
 * promote_until.
 *
 * The block layer holds the disk's open_mutex around ->open (6.1 and
 * 6.12 alike), so other opens of this one disk wait with us; nothing
 * global does (a delete waits for open_mutex without synod_volumes_lock,
 * volume.c).  A signal ends the wait (-EINTR), also while r->lock is
 * held by a replica stuck in disk I/O.
 */
int synod_repl_may_write(struct synod_repl *r, bool promote)
{
	u64 now, until = 0;

	for (;;) {
		/* r->lock may be held across stalled disk I/O: a signal ends the wait */
		if (mutex_lock_interruptible(&r->lock))
			return -EINTR;
		/* it may campaign below; a signal ends a wait for room */
		if (!until &&
		    synod_jq_reserve_intr(r, SYNOD_JQ_RESERVE_LOCAL))
			return -EINTR;
		if (r->up && !r->fenced && r->core.role == SYNOD_LEADER &&
		    r->core.active) {
			synod_repl_unlock(r);
			return 0;
		}
		now = synod_repl_now();
		/* (lost_slot: it cannot win, see synod_repl_promote()) */
		if (!promote || !r->up || r->fenced || r->core.lost_slot ||
		    synod_repl_resyncing(r) || (until && now > until)) {
			synod_repl_unlock(r);
			return -EROFS;
		}
		if (!until) {
			until = now + SYNOD_AUTO_PROMOTE_NS;
			if (r->promote_until < until)	/* not a shorter one */
				r->promote_until = until;
			r->promote_last = 0;
			synod_repl_promoting(r, now);
		}
		synod_repl_unlock(r);
		if (msleep_interruptible(20) || signal_pending(current))
			return -EINTR;
	}
}

/* ---- status ------------------------------------------------------------- */

/* Highest slot the leader knows @node accepted, from the log's ack sets. */
static u64 peer_match(const struct synod_replica *c, u32 node)
{
	u64 s;

	if (c->role != SYNOD_LEADER)
		return 0;
	for (s = c->last_slot; s >= c->log_base && s; s--) {
		const struct synod_slot *sl = &c->log[s & (SYNOD_LOG_MAX - 1)];

		if (sl->e.slot == s && (sl->acks & BIT(node)))
			return s;
	}
	return 0;
}

/*
 * Waits for the replica's lock, which a stalled backing device may hold
 * in a journal or superblock write for long: interruptibly, so that a
 * status of that volume can be given up (-EINTR).
 */
int synod_repl_status(struct synod_repl *r, struct synod_repl_status *st)
{
	const struct synod_replica *c = &r->core;
	u64 now = synod_repl_now();
	u32 n, members;

	memset(st, 0, sizeof(*st));
	if (mutex_lock_interruptible(&r->lock))
		return -EINTR;
	strscpy(st->cluster, r->cfg.cluster, sizeof(st->cluster));
	st->node = c->p.self;
	st->role = synod_repl_role(r);
	st->leader = st->role == SYNOD_ROLE_DOWN ? U32_MAX :
		     synod_repl_leader(r);
	st->ballot = c->ballot_seen > c->promised ? c->ballot_seen :
						    c->promised;
	st->commit = c->chosen_upto > c->commit_hint ? c->chosen_upto :
						       c->commit_hint;
	st->applied = r->applied;
	st->epoch = c->cfg.epoch;
	st->q1 = c->cfg.q1;
	st->q2 = c->cfg.q2;
	st->quorum = synod_repl_quorum(r, now);
	st->catchup = st->commit > c->chosen_upto ?
		      st->commit - c->chosen_upto : 0;
	st->resync = synod_repl_resyncing(r);
	st->resync_from = r->resync.active ? r->resync.from : U32_MAX;
	st->resync_done = r->resync.active ? r->resync.settled : 0;
	st->resync_total = r->resync.active ? r->resync.nchunks : 0;
	st->resyncs = r->resync.passes;
	st->out_of_range = r->out_of_range;
	st->old_snapshots = c->stats.old_snapshots;
	st->fast_reads = atomic64_read(&r->fr.reads);
	st->on_no_quorum = r->cfg.on_no_quorum;
	st->auto_promote = r->cfg.auto_promote;
	members = (c->cfg.voters | c->cfg.learners | r->cfg.peers) &
		  ~BIT(c->p.self);
	for (n = 0; n < SYNOD_NODES_MAX; n++) {
		struct synod_peer_status *ps;
		int why;

		if (!(members & BIT(n)))
			continue;
		ps = &st->peer[st->npeers++];
		ps->node = n;
		ps->addr = r->cfg.peer_addr[n];
		ps->state = r->up ? r->tops->peer_state(r->tp, n) :
				    SYNOD_PEER_DOWN;
		if (r->up) {
			struct synod_link_info li;

			r->tops->link_info(r->tp, n, &li);
			ps->link_version = li.version;
			ps->link_mac = li.mac;
		}
		ps->match = peer_match(c, n);
		ps->voter = c->cfg.voters & BIT(n);
		for (why = 0; why < SYNOD_REFUSED_MAX; why++)
			ps->refused += r->tops->refused(r->tp, n, why);
		st->refused += ps->refused;
		ps->rejected_mac = r->tops->rejected(r->tp, n,
						     SYNOD_REJECT_MAC);
		ps->rejected_replay = r->tops->rejected(r->tp, n,
							SYNOD_REJECT_REPLAY);
		ps->rejected_order = r->tops->rejected(r->tp, n,
						       SYNOD_REJECT_ORDER);
		ps->unbound = r->rx_unbound[n];
		ps->tx_again = r->tx_again_count[n];
		ps->tx_refused_large = r->tx_refused_large[n];
		ps->rx_pieces = r->rx_pieces[n];
		st->rejected += ps->rejected_mac + ps->rejected_replay +
				ps->rejected_order + ps->unbound;
	}
	for (n = 0; n < SYNOD_REFUSED_MAX; n++)
		st->refused += r->tops->refused(r->tp, SYNOD_NODES_MAX, n);
	synod_repl_release(r);
	/* Counted at completion, outside the lock; each read is atomic. */
	for (n = 0; n < SYNOD_LAT_BUCKETS; n++) {
		st->lat_write[n] = atomic64_read(&r->vol->lat_write.bucket[n]);
		st->lat_read[n] = atomic64_read(&r->vol->lat_read.bucket[n]);
	}
	return 0;
}
