// SPDX-License-Identifier: GPL-2.0
/*
 * The "synod" generic netlink family: its policies, its op table, its
 * registration, and the checks of attributes that several commands use
 * (a required string, a node id, an address).
 *
 * Documentation/netlink/specs/synod.yaml is the specification; the policy
 * and op tables below are written by hand to match it.  Handlers parse,
 * call volume.c and replica.c, and report; every refusal carries an
 * extended ACK message.  Every operation needs CAP_NET_ADMIN
 * (GENL_ADMIN_PERM), and acts on the volumes of the caller's network
 * namespace only; create, attach and delete need CAP_SYS_ADMIN as well
 * (sys_admin_ok()), since they open and overwrite block devices.
 *
 * The handlers live by concern: nl_volume.c has the commands that change
 * a volume, nl_repl_cfg.c parses a replicated volume's create options,
 * nl_status.c answers VOLUME_GET and STATS_GET, nl_events.c sends the
 * events group's messages; nl_priv.h is what these files share.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
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
	[SYNOD_A_PEER_LINK_VERSION] = { .type = NLA_REJECT },
	[SYNOD_A_PEER_LINK_MAC] = { .type = NLA_REJECT },
	[SYNOD_A_PEER_TX_AGAIN] = { .type = NLA_REJECT },
	[SYNOD_A_PEER_TX_REFUSED_LARGE] = { .type = NLA_REJECT },
	[SYNOD_A_PEER_RX_PIECES] = { .type = NLA_REJECT },
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
	[SYNOD_A_VOLUME_MAX_REQUEST] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_FAST_READS] = { .type = NLA_REJECT },
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
	/* create: requests of 16 KiB, no on-disk LARGE (old modules) */
	[SYNOD_A_VOLUME_SMALL_REQUESTS] = { .type = NLA_FLAG },
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
	[SYNOD_A_VOLUME_OLD_SNAPSHOTS] = { .type = NLA_REJECT },
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
 * eight.
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
