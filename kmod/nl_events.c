// SPDX-License-Identifier: GPL-2.0
/*
 * The events multicast group of the "synod" family: what changed, sent
 * to the listeners of the network namespace where it changed.  Every
 * event is best effort (nobody may listen; a lost event must not fail
 * the operation that caused it).  The rest of the module calls
 * synod_netlink_notify() and synod_netlink_notify_repl() (synod.h), the
 * replica engine the latter through the callbacks its volume gives it
 * (struct synod_repl_host, volume.c); the peer add and remove commands
 * also synod_nl_notify_repl_now().
 */
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "synod.h"
#include "nl_priv.h"

/* A new event message; NULL if out of memory or space. */
static struct sk_buff *event_new(enum synod_event event, const char *name,
				 void **hdr)
{
	struct sk_buff *skb;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &synod_family, 0, SYNOD_CMD_EVENT);
	if (!*hdr ||
	    nla_put_u32(skb, SYNOD_A_EVENT, event) ||
	    nla_put_string(skb, SYNOD_A_VOLUME_NAME, name)) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void event_send(struct net *net, struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&synod_family, net, skb, 0,
				SYNOD_MCGRP_EVENTS_IDX, GFP_KERNEL);
}

/*
 * Tell listeners on the events group in @net that @name changed.  Best
 * effort: nobody may be listening, and a lost event must not fail the
 * operation that caused it.
 */
void synod_netlink_notify(struct net *net, enum synod_event event,
			  const char *name)
{
	struct sk_buff *skb;
	void *hdr;

	skb = event_new(event, name, &hdr);
	if (skb)
		event_send(net, skb, hdr);
}

/*
 * An event of a replicated volume: its role, the leader it knows (left
 * out if unknown, U32_MAX), the highest ballot, and for PEER_* events
 * the peer, as a SYNOD_A_VOLUME_PEER nest holding SYNOD_A_PEER_NODE
 * (@node U32_MAX: no peer).  Best effort, as synod_netlink_notify().
 */
void synod_netlink_notify_repl(struct net *net, enum synod_event event,
			       const char *name, u32 role, u32 leader,
			       u64 ballot, u32 node)
{
	struct nlattr *nest;
	struct sk_buff *skb;
	void *hdr;

	skb = event_new(event, name, &hdr);
	if (!skb)
		return;
	if (nla_put_u32(skb, SYNOD_A_VOLUME_ROLE, role) ||
	    (leader != U32_MAX &&
	     nla_put_u32(skb, SYNOD_A_VOLUME_LEADER, leader)) ||
	    nla_put_u64_64bit(skb, SYNOD_A_VOLUME_BALLOT, ballot, SYNOD_A_PAD))
		goto out_free;
	if (node != U32_MAX) {
		nest = nla_nest_start(skb, SYNOD_A_VOLUME_PEER);
		if (!nest || nla_put_u32(skb, SYNOD_A_PEER_NODE, node))
			goto out_free;
		nla_nest_end(skb, nest);
	}
	event_send(net, skb, hdr);
	return;

out_free:
	nlmsg_free(skb);
}

/*
 * After an operation that changes a replicated volume, report its state
 * as it is now.  The volume may be gone again by the time we look; then
 * there is nothing to report.
 */
void synod_nl_notify_repl_now(struct net *net, enum synod_event event,
			      const char *name, u32 node)
{
	struct synod_repl_status *st;
	struct synod_volume *vol;
	int repl = 0;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return;
	vol = synod_volume_get(net, name, NULL);
	if (!IS_ERR(vol)) {
		repl = synod_volume_repl_status(vol, st);
		synod_volume_put(vol);
	}
	if (repl > 0)
		synod_netlink_notify_repl(net, event, name, st->role,
					  st->leader, st->ballot, node);
	kfree(st);
}
