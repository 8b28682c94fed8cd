// SPDX-License-Identifier: GPL-2.0
/*
 * Membership changes of a replica: a peer added or removed through a
 * configuration entry in the log (synod_repl_peer_change(), from
 * netlink), links to peers heard of, and the leader's steps toward the
 * configured membership on each tick.  Split from replica_ctl.c
 * (create, up and down, roles, status).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>

#include "replica.h"

/*
 * Where @node listens: our link to it, and the superblock's peer table.
 * Under r->lock, so the link's send ring (allocated on first use) is
 * allocated without I/O: reclaim must not wait for our own disk.
 */
static int peer_link_add(struct synod_repl *r, u32 node,
			 const struct sockaddr_storage *addr)
{
	unsigned int noio;
	int err;

	/* told again (peer add run twice): keep the link as it is */
	if ((r->cfg.peers & BIT(node)) &&
	    !memcmp(&r->cfg.peer_addr[node], addr, sizeof(*addr)))
		return 0;
	noio = memalloc_noio_save();
	err = r->tops->set_peer(r->tp, node, addr);
	memalloc_noio_restore(noio);
	if (err)
		return err;
	r->cfg.peers |= BIT(node);
	r->cfg.peer_addr[node] = *addr;
	/* written with the next superblock update (promise, checkpoint) */
	if (node < SYNOD_SB_PEERS)
		synod_repl_addr_to_sb(addr, &r->vol->sb.peer[node]);
	return 0;
}

/* Propose @next through the log; explain a refusal. */
static int propose_config(struct synod_repl *r, const struct synod_config *next,
			  struct netlink_ext_ack *extack)
{
	bool pending = r->core.cfg_pending;
	int st;

	SYNOD_CORE(r, st = synod_replica_change_config(&r->core,
					synod_repl_now(), next, &r->out));
	synod_repl_execute(r);
	if (st == SYNOD_OK)
		return 0;
	if (st == SYNOD_BUSY && pending) {
		NL_SET_ERR_MSG(extack, "a membership change is already in flight");
		return -EBUSY;
	}
	if (st == SYNOD_BUSY) {
		NL_SET_ERR_MSG(extack, "writes are in flight; try again");
		return -EBUSY;
	}
	if (st == SYNOD_NOT_LEADER) {
		NL_SET_ERR_MSG(extack, "membership changes are made on the leader");
		return -EINVAL;
	}
	NL_SET_ERR_MSG(extack, "membership change refused: quorums would not intersect");
	return -EINVAL;
}

/*
 * Add (@addr) or remove (NULL) @node.  On the leader, through the log: an
 * added replica joins as a learner (not counted in any quorum), and
 * synod_repl_membership() makes it a voter once it has caught up; a
 * removed one leaves the voters (or the learners) and the quorums are
 * majorities of the voters left.  On another replica, add only records
 * where @node listens, so that our links to it are up when the change
 * comes through the log and if we lead later; remove is refused there.
 */
int synod_repl_peer_change(struct synod_repl *r, u32 node,
			   const struct sockaddr_storage *addr,
			   struct netlink_ext_ack *extack)
{
	const struct synod_replica *c = &r->core;
	struct synod_config next;
	int err;

	if (mutex_lock_interruptible(&r->lock))
		return -EINTR;
	/* a config entry; a stalled journal: Ctrl-C ends the wait */
	if (synod_jq_reserve_intr(r, SYNOD_JQ_RESERVE_LOCAL))
		return -EINTR;
	if (!r->up || r->fenced) {
		err = -ENETDOWN;
		NL_SET_ERR_MSG(extack, "replica is down");
		goto out_unlock;
	}
	if (node == c->p.self) {
		err = -EINVAL;
		NL_SET_ERR_MSG(extack, "node is this replica");
		goto out_unlock;
	}
	if (c->role != SYNOD_LEADER || !c->active) {
		err = -EINVAL;
		if (!addr)
			NL_SET_ERR_MSG(extack, "membership changes are made on the leader");
		else if ((err = peer_link_add(r, node, addr)))
			NL_SET_ERR_MSG(extack, "cannot add the peer's link");
		goto out_unlock;
	}
	next = c->cfg;
	next.epoch++;
	if (addr) {
		err = -EEXIST;
		if ((next.voters | next.learners) & BIT(node)) {
			NL_SET_ERR_MSG(extack, "node is already a member");
			goto out_unlock;
		}
		next.learners |= BIT(node);
	} else {
		err = -ENOENT;
		if (!((next.voters | next.learners) & BIT(node))) {
			NL_SET_ERR_MSG(extack, "node is not a member");
			goto out_unlock;
		}
		next.voters &= ~BIT(node);
		next.learners &= ~BIT(node);
		next.q1 = synod_majority(next.voters);
		next.q2 = synod_majority(next.voters);
	}
	if (addr && (err = peer_link_add(r, node, addr))) {
		NL_SET_ERR_MSG(extack, "cannot add the peer's link");
		goto out_unlock;
	}
	err = propose_config(r, &next, extack);
out_unlock:
	synod_repl_unlock(r);
	return err;
}

/*
 * Every message carries its sender's configuration epoch and commit
 * index (the end of its chosen prefix): remember them, for the leader to
 * tell when a learner has caught up.  Under r->lock.
 */
void synod_repl_peer_heard(struct synod_repl *r, u32 from,
			   const struct synod_msg *m)
{
	if (from >= SYNOD_NODES_MAX)
		return;
	if (m->epoch > r->peer_epoch[from])
		r->peer_epoch[from] = m->epoch;
	if (m->commit > r->peer_commit[from])
		r->peer_commit[from] = m->commit;
}

/*
 * Leader, every tick: the lowest learner that has caught up becomes a
 * voter, through the log.  Caught up: it runs our configuration (so it
 * applied the entry that made it a learner) and its chosen prefix is
 * within one write window of ours.  Writes in flight delay the change
 * (the core takes one only with an empty pipeline); the next tick tries
 * again.  Under r->lock.
 */
void synod_repl_membership(struct synod_repl *r, u64 now)
{
	const struct synod_replica *c = &r->core;
	struct synod_config next;
	u32 n;
	int st;

	if (r->fenced || c->role != SYNOD_LEADER || !c->active ||
	    c->cfg_pending || !c->cfg.learners)
		return;
	n = __ffs(c->cfg.learners);
	if (r->peer_epoch[n] < c->cfg.epoch ||
	    r->peer_commit[n] + SYNOD_WINDOW < c->chosen_upto)
		return;
	next = c->cfg;
	next.epoch++;
	next.learners &= ~BIT(n);
	next.voters |= BIT(n);
	next.q1 = synod_majority(next.voters);
	next.q2 = synod_majority(next.voters);
	SYNOD_CORE(r, st = synod_replica_change_config(&r->core, now, &next,
						       &r->out));
	if (st == SYNOD_OK)
		pr_info("%s: learner %u caught up (commit %llu of %llu): proposing it as a voter\n",
			r->vol->name, n, r->peer_commit[n], c->chosen_upto);
	synod_repl_execute(r);
}
