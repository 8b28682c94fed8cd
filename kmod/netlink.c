// SPDX-License-Identifier: GPL-2.0
/*
 * The "synod" generic netlink family.
 *
 * Documentation/netlink/specs/synod.yaml is the specification; the policy
 * and op tables below are written by hand to match it.  Handlers parse,
 * call volume.c and replica.c, and report; every refusal carries an
 * extended ACK message.  Every operation needs CAP_NET_ADMIN
 * (GENL_ADMIN_PERM), and acts on the volumes of the caller's network
 * namespace only; create, attach and delete need CAP_SYS_ADMIN as well
 * (sys_admin_ok()), since they open and overwrite block devices.
 */
#include <linux/ctype.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "synod.h"
#include "compat.h"
#include "nl_priv.h"

/* Node ids are 0 .. 7: the core keeps membership in a u8 bitmask. */
#define SYNOD_NODE_MAX		7

static const struct genl_multicast_group synod_mcgrps[] = {
	[SYNOD_MCGRP_EVENTS_IDX] = { .name = SYNOD_MCGRP_EVENTS },
};

/*
 * One peer, nested in SYNOD_A_VOLUME_PEER.  Node ids are range checked
 * by hand, not by the policy, so that the refusal names the bad id; the
 * policy keeps addresses between the sizes of sockaddr_in and
 * sockaddr_in6, and the family is checked by hand.
 */
const struct nla_policy synod_peer_policy[SYNOD_A_PEER_MAX + 1] = {
	/* the peer's node id; < 8, not ours, not repeated (by hand) */
	[SYNOD_A_PEER_NODE] = { .type = NLA_U32 },
	/* where the peer listens: sockaddr_in or sockaddr_in6, port != 0 */
	[SYNOD_A_PEER_ADDR] = NLA_POLICY_RANGE(NLA_BINARY,
					       sizeof(struct sockaddr_in),
					       sizeof(struct sockaddr_in6)),
	/* output only: link state, progress and counters */
	[SYNOD_A_PEER_STATE] = { .type = NLA_REJECT },
	[SYNOD_A_PEER_MATCH] = { .type = NLA_REJECT },
	[SYNOD_A_PEER_VOTER] = { .type = NLA_REJECT },
	[SYNOD_A_PEER_REFUSED] = { .type = NLA_REJECT },
	[SYNOD_A_PEER_REJECTED_MAC] = { .type = NLA_REJECT },
	[SYNOD_A_PEER_REJECTED_REPLAY] = { .type = NLA_REJECT },
	[SYNOD_A_PEER_REJECTED_ORDER] = { .type = NLA_REJECT },
	[SYNOD_A_PEER_UNBOUND] = { .type = NLA_REJECT },
};

/*
 * Input attributes.  Output-only attributes are listed as NLA_REJECT so
 * that a request carrying them is refused instead of silently ignored.
 * Values whose refusal must name the value (node ids, secret length,
 * quorum sizes against the member count) are checked by hand.
 */
static const struct nla_policy synod_policy[SYNOD_A_MAX + 1] = {
	/* every request names its volume; the name check is volume.c's */
	[SYNOD_A_VOLUME_NAME] = { .type = NLA_NUL_STRING, .len = SYNOD_NAME_MAX },
	/* create and attach: the device to claim */
	[SYNOD_A_VOLUME_BACKING] = { .type = NLA_NUL_STRING,
				     .len = SYNOD_PATH_MAX },
	/* output only: what the volume is */
	[SYNOD_A_VOLUME_DEVICE] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_SIZE] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_UUID] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_ROLE] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_FORMAT] = { .type = NLA_REJECT },
	[SYNOD_A_STATS_XDP_KFUNC_CALLS] = { .type = NLA_REJECT },
	[SYNOD_A_EVENT] = { .type = NLA_REJECT },
	/* create: the name peers must agree on; same rules as volume names */
	[SYNOD_A_VOLUME_CLUSTER] = { .type = NLA_NUL_STRING,
				     .len = SYNOD_NAME_MAX },
	/* create: our node id; its presence makes the volume replicated */
	[SYNOD_A_VOLUME_NODE] = { .type = NLA_U32 },
	/* create: where we listen, sockaddr_in or sockaddr_in6 */
	[SYNOD_A_VOLUME_LISTEN] = NLA_POLICY_RANGE(NLA_BINARY,
						   sizeof(struct sockaddr_in),
						   sizeof(struct sockaddr_in6)),
	/* create: one nest per peer; peer add/remove: exactly one */
	[SYNOD_A_VOLUME_PEER] = NLA_POLICY_NESTED(synod_peer_policy),
	/* create, attach: 16 .. 64 bytes, checked by hand to say which bound */
	[SYNOD_A_VOLUME_SECRET] = { .type = NLA_BINARY },
	/* create: quorum sizes; never more than 8 members, 0 is majority */
	[SYNOD_A_VOLUME_Q1] = NLA_POLICY_MAX(NLA_U32, SYNOD_NODE_MAX + 1),
	[SYNOD_A_VOLUME_Q2] = NLA_POLICY_MAX(NLA_U32, SYNOD_NODE_MAX + 1),
	/* create: what a leader without quorum does with I/O */
	[SYNOD_A_VOLUME_ON_NO_QUORUM] = NLA_POLICY_MAX(NLA_U32,
						       SYNOD_NO_QUORUM_ERROR),
	/* create: opening the disk for write campaigns for leadership */
	[SYNOD_A_VOLUME_AUTO_PROMOTE] = { .type = NLA_FLAG },
	/* down: drop links at once instead of handing over leadership */
	[SYNOD_A_VOLUME_FORCE] = { .type = NLA_FLAG },
	/* output only: replicated state */
	[SYNOD_A_VOLUME_LEADER] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_BALLOT] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_COMMIT] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_APPLIED] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_QUORUM] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_EPOCH] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_REPLICATED] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_REFUSED] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_CATCHUP] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_LAT_WRITE] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_LAT_READ] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_RESYNC] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_RESYNC_FROM] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_RESYNC_DONE] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_RESYNC_TOTAL] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_RESYNCS] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_REJECTED] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_OUT_OF_RANGE] = { .type = NLA_REJECT },
};

/* Fetch a required string attribute, or refuse naming the missing one. */
const char *synod_nl_required_str(struct genl_info *info, int attr,
				  const char *what)
{
	if (GENL_REQ_ATTR_CHECK(info, attr)) {
		SYNOD_ERR(info->extack, NULL, "missing attribute", ": %s", what);
		return NULL;
	}
	return nla_data(info->attrs[attr]);
}

/*
 * A node id from a request: 0 .. 7, because membership is a bitmask of
 * eight.  @what says whose id it is in the refusal.
 */
bool synod_nl_node_ok(const struct nlattr *nla, u32 *node,
		      struct netlink_ext_ack *extack)
{
	*node = nla_get_u32(nla);
	if (*node > SYNOD_NODE_MAX) {
		SYNOD_ERR(extack, nla, "node id out of range 0..7", ": %u",
			  *node);
		return false;
	}
	return true;
}

/*
 * An address to listen on or to connect to: exactly a sockaddr_in or a
 * sockaddr_in6, with a port.  A peer address must also name a host
 * (not the unspecified address), since we connect to it.
 */
bool synod_nl_addr_ok(const struct nlattr *nla, bool peer,
		      struct sockaddr_storage *ss,
		      struct netlink_ext_ack *extack)
{
	const struct sockaddr_in6 *sin6 = nla_data(nla);
	const struct sockaddr_in *sin = nla_data(nla);
	int len = nla_len(nla);

	if (!(len == sizeof(*sin) && sin->sin_family == AF_INET) &&
	    !(len == sizeof(*sin6) && sin6->sin6_family == AF_INET6)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "address is not a sockaddr_in or sockaddr_in6");
		return false;
	}
	/* sin_port and sin6_port sit at the same offset */
	if (!sin->sin_port) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "address has port 0");
		return false;
	}
	if (peer && ((sin->sin_family == AF_INET &&
		      sin->sin_addr.s_addr == htonl(INADDR_ANY)) ||
		     (sin6->sin6_family == AF_INET6 &&
		      ipv6_addr_any(&sin6->sin6_addr)))) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "peer address is the unspecified address");
		return false;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, nla_data(nla), len);
	return true;
}

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

static int synod_nl_volume_create(struct sk_buff *skb, struct genl_info *info)
{
	if (!sys_admin_ok(skb, info))
		return -EPERM;
	return volume_new_doit(skb, info, true);
}

static int synod_nl_volume_attach(struct sk_buff *skb, struct genl_info *info)
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

static int synod_nl_volume_delete(struct sk_buff *skb, struct genl_info *info)
{
	if (!sys_admin_ok(skb, info))
		return -EPERM;
	return name_doit(info, synod_volume_delete, SYNOD_EVENT_VOLUME_DELETED);
}

static int synod_nl_volume_up(struct sk_buff *skb, struct genl_info *info)
{
	return name_doit(info, synod_volume_up, SYNOD_EVENT_VOLUME_UP);
}

static int synod_nl_volume_down(struct sk_buff *skb, struct genl_info *info)
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

static int synod_nl_volume_promote(struct sk_buff *skb, struct genl_info *info)
{
	return role_doit(info, true);
}

static int synod_nl_volume_demote(struct sk_buff *skb, struct genl_info *info)
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

static int synod_nl_peer_add(struct sk_buff *skb, struct genl_info *info)
{
	return peer_doit(info, true);
}

static int synod_nl_peer_remove(struct sk_buff *skb, struct genl_info *info)
{
	return peer_doit(info, false);
}

#define SYNOD_DOIT(_cmd, _fn) \
	{ .cmd = (_cmd), .flags = GENL_ADMIN_PERM, .doit = (_fn) }

static const struct genl_small_ops synod_ops[] = {
	SYNOD_DOIT(SYNOD_CMD_VOLUME_CREATE, synod_nl_volume_create),
	SYNOD_DOIT(SYNOD_CMD_VOLUME_ATTACH, synod_nl_volume_attach),
	SYNOD_DOIT(SYNOD_CMD_VOLUME_DELETE, synod_nl_volume_delete),
	{
		.cmd = SYNOD_CMD_VOLUME_GET,
		.flags = GENL_ADMIN_PERM,
		.doit = synod_nl_volume_get,
		.dumpit = synod_nl_volume_dump,
	},
	SYNOD_DOIT(SYNOD_CMD_STATS_GET, synod_nl_stats_get),
	SYNOD_DOIT(SYNOD_CMD_VOLUME_UP, synod_nl_volume_up),
	SYNOD_DOIT(SYNOD_CMD_VOLUME_DOWN, synod_nl_volume_down),
	SYNOD_DOIT(SYNOD_CMD_VOLUME_PROMOTE, synod_nl_volume_promote),
	SYNOD_DOIT(SYNOD_CMD_VOLUME_DEMOTE, synod_nl_volume_demote),
	SYNOD_DOIT(SYNOD_CMD_PEER_ADD, synod_nl_peer_add),
	SYNOD_DOIT(SYNOD_CMD_PEER_REMOVE, synod_nl_peer_remove),
};

/*
 * netnsok: volumes are bound to network namespaces (one replica per
 * namespace in tests); parallel_ops: handlers serialise on
 * synod_volumes_lock (briefly, see volume.c) and on the volume they pin,
 * not on the global genl mutex, because create and attach do synchronous
 * disk I/O.
 */
struct genl_family synod_family __ro_after_init = {
	.name = SYNOD_FAMILY_NAME,
	.version = SYNOD_FAMILY_VERSION,
	.maxattr = SYNOD_A_MAX,
	.policy = synod_policy,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.small_ops = synod_ops,
	.n_small_ops = ARRAY_SIZE(synod_ops),
	.mcgrps = synod_mcgrps,
	.n_mcgrps = ARRAY_SIZE(synod_mcgrps),
};

int synod_netlink_init(void)
{
	return genl_register_family(&synod_family);
}

void synod_netlink_exit(void)
{
	genl_unregister_family(&synod_family);
}
