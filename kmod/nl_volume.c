// SPDX-License-Identifier: GPL-2.0
/*
 * The commands of the "synod" family that change a volume: create,
 * attach and delete (which need CAP_SYS_ADMIN, see sys_admin_ok()), up
 * and down, promote and demote, and peer add and remove.  Each parses
 * its request, calls volume.c, and on success tells the events group
 * (nl_events.c), except promote and demote, whose event the replica
 * engine sends once the role changes.  A replicated volume's create
 * options are parsed in nl_repl_cfg.c.
 */
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "synod.h"
#include "nl_priv.h"

/*
 * Create, attach and delete open, claim and overwrite block devices (and
 * delete releases them), which is what CAP_SYS_ADMIN guards, as for nbd's
 * netlink commands: CAP_NET_ADMIN alone, or CAP_NET_ADMIN in a user
 * namespace, must not be enough.  Checked against the initial user
 * namespace, for both the opener of the socket and the sender.
 */
static bool sys_admin_ok(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return true;
	NL_SET_ERR_MSG(info->extack,
		       "needs CAP_SYS_ADMIN: the command opens and overwrites block devices");
	return false;
}

/*
 * VOLUME_ATTACH: the secret, if given, is checked against the superblock
 * (secret.h); it lives on the stack only for the call and is wiped.
 */
static int volume_attach_doit(struct sk_buff *skb, struct genl_info *info,
			      const char *name, const char *backing)
{
	struct net *net = genl_info_net(info);
	u8 secret[SYNOD_SECRET_MAX];
	u32 len = 0;
	int err = 0;

	if (!synod_nl_no_repl_attrs(info, true))
		return -EINVAL;
	if (info->attrs[SYNOD_A_VOLUME_SECRET])
		err = synod_nl_parse_secret(skb, info, secret, &len);
	if (!err)
		err = synod_volume_attach(net, name, backing, secret, len,
					  info->extack);
	memzero_explicit(secret, sizeof(secret));
	return err;
}

/* VOLUME_CREATE and VOLUME_ATTACH share parsing and reporting. */
static int volume_new_doit(struct sk_buff *skb, struct genl_info *info,
			   bool format)
{
	struct net *net = genl_info_net(info);
	struct synod_repl_cfg *repl = NULL;
	const char *name, *backing;
	int err;

	name = synod_nl_required_str(info, SYNOD_A_VOLUME_NAME, "volume name");
	if (!name)
		return -EINVAL;
	backing = synod_nl_required_str(info, SYNOD_A_VOLUME_BACKING,
					"backing device");
	if (!backing)
		return -EINVAL;

	if (!format) {
		err = volume_attach_doit(skb, info, name, backing);
	} else if (info->attrs[SYNOD_A_VOLUME_NODE]) {
		/* holds the secret: heap, and wiped on the way out */
		repl = kzalloc(sizeof(*repl), GFP_KERNEL);
		if (!repl)
			return -ENOMEM;
		err = synod_nl_repl_cfg_parse(skb, info, name, repl);
		if (!err)
			err = synod_volume_create(net, name, backing, repl,
						  info->extack);
		kfree_sensitive(repl);
	} else {
		if (!synod_nl_no_repl_attrs(info, false))
			return -EINVAL;
		err = synod_volume_create(net, name, backing, NULL,
					  info->extack);
	}
	if (err)
		return err;
	synod_netlink_notify(net, format ? SYNOD_EVENT_VOLUME_CREATED :
					   SYNOD_EVENT_VOLUME_ATTACHED, name);
	return 0;
}

int synod_nl_volume_create(struct sk_buff *skb, struct genl_info *info)
{
	if (!sys_admin_ok(skb, info))
		return -EPERM;
	return volume_new_doit(skb, info, true);
}

int synod_nl_volume_attach(struct sk_buff *skb, struct genl_info *info)
{
	if (!sys_admin_ok(skb, info))
		return -EPERM;
	return volume_new_doit(skb, info, false);
}

/*
 * The commands that name one volume and nothing else: run @op on it and,
 * if it succeeded, tell the events group.
 */
static int name_doit(struct genl_info *info,
		     int (*op)(struct net *net, const char *name,
			       struct netlink_ext_ack *extack),
		     enum synod_event event)
{
	struct net *net = genl_info_net(info);
	const char *name;
	int err;

	name = synod_nl_required_str(info, SYNOD_A_VOLUME_NAME, "volume name");
	if (!name)
		return -EINVAL;
	err = op(net, name, info->extack);
	if (err)
		return err;
	synod_netlink_notify(net, event, name);
	return 0;
}

int synod_nl_volume_delete(struct sk_buff *skb, struct genl_info *info)
{
	if (!sys_admin_ok(skb, info))
		return -EPERM;
	return name_doit(info, synod_volume_delete, SYNOD_EVENT_VOLUME_DELETED);
}

int synod_nl_volume_up(struct sk_buff *skb, struct genl_info *info)
{
	return name_doit(info, synod_volume_up, SYNOD_EVENT_VOLUME_UP);
}

int synod_nl_volume_down(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	const char *name;
	bool force;
	int err;

	name = synod_nl_required_str(info, SYNOD_A_VOLUME_NAME, "volume name");
	if (!name)
		return -EINVAL;
	force = nla_get_flag(info->attrs[SYNOD_A_VOLUME_FORCE]);
	err = synod_volume_down(net, name, force, info->extack);
	if (err)
		return err;
	synod_netlink_notify(net, SYNOD_EVENT_VOLUME_DOWN, name);
	return 0;
}

/*
 * PROMOTE and DEMOTE start a role change.  No event here: the replica
 * engine sends ROLE_CHANGED when the role actually changes (a promote
 * wins only once a quorum promised), so listeners see each change once.
 */
static int role_doit(struct genl_info *info, bool promote)
{
	struct net *net = genl_info_net(info);
	const char *name;
	int err;

	name = synod_nl_required_str(info, SYNOD_A_VOLUME_NAME, "volume name");
	if (!name)
		return -EINVAL;
	if (promote)
		err = synod_volume_promote(net, name, info->extack);
	else
		err = synod_volume_demote(net, name, info->extack);
	return err;
}

int synod_nl_volume_promote(struct sk_buff *skb, struct genl_info *info)
{
	return role_doit(info, true);
}

int synod_nl_volume_demote(struct sk_buff *skb, struct genl_info *info)
{
	return role_doit(info, false);
}

/*
 * The single peer nest of PEER_ADD (node and address) or PEER_REMOVE
 * (node only).  More than one nest would leave all but the last unread.
 */
static int peer_req_parse(struct genl_info *info, bool add, u32 *node,
			  struct sockaddr_storage *addr)
{
	struct nlattr *tb[SYNOD_A_PEER_MAX + 1];
	const struct nlattr *nla;
	int rem, n = 0, err;

	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem)
		n += nla_type(nla) == SYNOD_A_VOLUME_PEER;
	if (n != 1) {
		NL_SET_ERR_MSG(info->extack, "need exactly one peer attribute");
		return -EINVAL;
	}
	nla = info->attrs[SYNOD_A_VOLUME_PEER];
	err = nla_parse_nested(tb, SYNOD_A_PEER_MAX, nla, synod_peer_policy,
			       info->extack);
	if (err)
		return err;
	if (!tb[SYNOD_A_PEER_NODE]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nla, "peer needs a node id");
		return -EINVAL;
	}
	if (!synod_nl_node_ok(tb[SYNOD_A_PEER_NODE], node, info->extack))
		return -EINVAL;
	if (!add) {
		if (!tb[SYNOD_A_PEER_ADDR])
			return 0;
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SYNOD_A_PEER_ADDR],
				    "peer remove takes a node id only");
		return -EINVAL;
	}
	if (!tb[SYNOD_A_PEER_ADDR]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nla, "peer add needs an address");
		return -EINVAL;
	}
	return synod_nl_addr_ok(tb[SYNOD_A_PEER_ADDR], true, addr,
				info->extack) ? 0 : -EINVAL;
}

static int peer_doit(struct genl_info *info, bool add)
{
	struct net *net = genl_info_net(info);
	struct sockaddr_storage addr;
	const char *name;
	u32 node;
	int err;

	name = synod_nl_required_str(info, SYNOD_A_VOLUME_NAME, "volume name");
	if (!name)
		return -EINVAL;
	err = peer_req_parse(info, add, &node, &addr);
	if (err)
		return err;
	if (add)
		err = synod_peer_add(net, name, node, &addr, info->extack);
	else
		err = synod_peer_remove(net, name, node, info->extack);
	if (err)
		return err;
	synod_nl_notify_repl_now(net,
				 add ? SYNOD_EVENT_PEER_ADDED :
				       SYNOD_EVENT_PEER_REMOVED, name, node);
	return 0;
}

int synod_nl_peer_add(struct sk_buff *skb, struct genl_info *info)
{
	return peer_doit(info, true);
}

int synod_nl_peer_remove(struct sk_buff *skb, struct genl_info *info)
{
	return peer_doit(info, false);
}
