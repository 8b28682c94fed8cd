// SPDX-License-Identifier: GPL-2.0
/*
 * The options of a replicated volume in a VOLUME_CREATE request (our
 * node id and address, the cluster name, the peers, the shared secret,
 * the quorums, what to do without quorum), parsed and checked into a
 * struct synod_repl_cfg; the secret attribute, which VOLUME_ATTACH
 * takes too; and the refusal of replication options where they would
 * be dropped.  Every refusal names the bad attribute or value.
 */
#include <linux/bitops.h>
#include <linux/ctype.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "synod.h"
#include "compat.h"
#include "nl_priv.h"

/*
 * Cluster names travel on the wire and must match between peers; they
 * follow the rules of volume names (printable, no '/', no space).
 */
static bool cluster_ok(const struct nlattr *nla, const char *cluster,
		       struct netlink_ext_ack *extack)
{
	const char *p;

	if (!*cluster) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "invalid cluster name: empty");
		return false;
	}
	for (p = cluster; *p; p++) {
		if (*p == '/' || *p == ' ' || !isprint(*p)) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "invalid cluster name: '/', space or non-printable");
			return false;
		}
	}
	return true;
}

/* One peer nest of VOLUME_CREATE: a node id not seen before, an address. */
static int repl_parse_peer(const struct nlattr *nest,
			   struct synod_repl_cfg *cfg,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SYNOD_A_PEER_MAX + 1];
	u32 node;
	int err;

	err = nla_parse_nested(tb, SYNOD_A_PEER_MAX, nest, synod_peer_policy,
			       extack);
	if (err)
		return err;
	if (!tb[SYNOD_A_PEER_NODE] || !tb[SYNOD_A_PEER_ADDR]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "peer needs a node id and an address");
		return -EINVAL;
	}
	if (!synod_nl_node_ok(tb[SYNOD_A_PEER_NODE], &node, extack))
		return -EINVAL;
	if (node == cfg->node) {
		SYNOD_ERR(extack, tb[SYNOD_A_PEER_NODE],
			  "peer node id equals our own", ": %u", node);
		return -EINVAL;
	}
	if (cfg->peers & BIT(node)) {
		SYNOD_ERR(extack, tb[SYNOD_A_PEER_NODE],
			  "peer node id given twice", ": %u", node);
		return -EINVAL;
	}
	if (!synod_nl_addr_ok(tb[SYNOD_A_PEER_ADDR], true,
			      &cfg->peer_addr[node], extack))
		return -EINVAL;
	cfg->peers |= BIT(node);
	return 0;
}

/* Every SYNOD_A_VOLUME_PEER of the request (info->attrs keeps the last). */
static int repl_parse_peers(struct genl_info *info, struct synod_repl_cfg *cfg)
{
	const struct nlattr *nla;
	int rem, err;

	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(nla) != SYNOD_A_VOLUME_PEER)
			continue;
		err = repl_parse_peer(nla, cfg, info->extack);
		if (err)
			return err;
	}
	if (!cfg->peers) {
		NL_SET_ERR_MSG(info->extack,
			       "replicated volume needs at least one peer");
		return -EINVAL;
	}
	return 0;
}

/* Our identity: node id, listening address, cluster name. */
static int repl_parse_self(struct genl_info *info, const char *name,
			   struct synod_repl_cfg *cfg)
{
	struct nlattr *cluster = info->attrs[SYNOD_A_VOLUME_CLUSTER];

	if (!synod_nl_node_ok(info->attrs[SYNOD_A_VOLUME_NODE], &cfg->node,
			      info->extack))
		return -EINVAL;
	if (GENL_REQ_ATTR_CHECK(info, SYNOD_A_VOLUME_LISTEN)) {
		NL_SET_ERR_MSG(info->extack,
			       "replicated volume needs a listen address");
		return -EINVAL;
	}
	if (!synod_nl_addr_ok(info->attrs[SYNOD_A_VOLUME_LISTEN], false,
			      &cfg->listen, info->extack))
		return -EINVAL;
	/* Without a cluster name the volume name is the name on the wire. */
	strscpy(cfg->cluster, cluster ? nla_data(cluster) : name,
		sizeof(cfg->cluster));
	if (cluster && !cluster_ok(cluster, cfg->cluster, info->extack))
		return -EINVAL;
	return 0;
}

/*
 * The secret attribute, 16 .. 64 bytes, into @buf (SYNOD_SECRET_MAX
 * bytes).  Its bytes in the request are wiped once copied, unless the
 * buffer is shared with a clone (a netlink tap), so that the request,
 * the error ACK echoing it and the freed skb hold no copy.
 */
int synod_nl_parse_secret(struct sk_buff *skb, struct genl_info *info,
			  u8 *buf, u32 *len)
{
	struct nlattr *nla = info->attrs[SYNOD_A_VOLUME_SECRET];
	int n = nla_len(nla);

	if (n < SYNOD_SECRET_MIN) {
		SYNOD_ERR(info->extack, nla, "secret shorter than 16 bytes",
			  ": %d", n);
		return -EINVAL;
	}
	if (n > SYNOD_SECRET_MAX) {
		SYNOD_ERR(info->extack, nla, "secret longer than 64 bytes",
			  ": %d", n);
		return -EINVAL;
	}
	memcpy(buf, nla_data(nla), n);
	*len = n;
	if (!skb_cloned(skb))
		memzero_explicit(nla_data(nla), n);
	return 0;
}

static int repl_parse_secret(struct sk_buff *skb, struct genl_info *info,
			     struct synod_repl_cfg *cfg)
{
	if (GENL_REQ_ATTR_CHECK(info, SYNOD_A_VOLUME_SECRET)) {
		NL_SET_ERR_MSG(info->extack,
			       "replicated volume needs a shared secret");
		return -EINVAL;
	}
	return synod_nl_parse_secret(skb, info, cfg->secret, &cfg->secret_len);
}

/*
 * Flexible quorums: any phase-1 quorum must meet any phase-2 quorum, so
 * q1 + q2 > n, and neither may exceed the n voters (self and peers) or
 * nothing could ever be chosen.  0 stands for a majority.
 */
static int repl_parse_quorum(struct genl_info *info,
			     struct synod_repl_cfg *cfg)
{
	u32 n = 1 + hweight32(cfg->peers);
	u32 q1, q2;

	if (info->attrs[SYNOD_A_VOLUME_Q1])
		cfg->q1 = nla_get_u32(info->attrs[SYNOD_A_VOLUME_Q1]);
	if (info->attrs[SYNOD_A_VOLUME_Q2])
		cfg->q2 = nla_get_u32(info->attrs[SYNOD_A_VOLUME_Q2]);
	q1 = cfg->q1 ?: n / 2 + 1;
	q2 = cfg->q2 ?: n / 2 + 1;
	if (q1 > n || q2 > n) {
		SYNOD_ERR(info->extack, info->attrs[q1 > n ? SYNOD_A_VOLUME_Q1 :
						    SYNOD_A_VOLUME_Q2],
			  "quorum larger than the number of voters",
			  ": q1 %u q2 %u n %u", q1, q2, n);
		return -EINVAL;
	}
	if (q1 + q2 <= n) {
		SYNOD_ERR(info->extack, info->attrs[SYNOD_A_VOLUME_Q1] ?:
					info->attrs[SYNOD_A_VOLUME_Q2],
			  "quorums may not intersect: need q1 + q2 > voters",
			  ": %u + %u <= %u", q1, q2, n);
		return -EINVAL;
	}
	if (info->attrs[SYNOD_A_VOLUME_ON_NO_QUORUM])
		cfg->on_no_quorum =
			nla_get_u32(info->attrs[SYNOD_A_VOLUME_ON_NO_QUORUM]);
	cfg->auto_promote = nla_get_flag(info->attrs[SYNOD_A_VOLUME_AUTO_PROMOTE]);
	cfg->small_requests =
		nla_get_flag(info->attrs[SYNOD_A_VOLUME_SMALL_REQUESTS]);
	return 0;
}

/* VOLUME_CREATE with SYNOD_A_VOLUME_NODE: fill and check all of @cfg. */
int synod_nl_repl_cfg_parse(struct sk_buff *skb, struct genl_info *info,
			    const char *name, struct synod_repl_cfg *cfg)
{
	int err;

	err = repl_parse_self(info, name, cfg);
	if (!err)
		err = repl_parse_peers(info, cfg);
	if (!err)
		err = repl_parse_secret(skb, info, cfg);
	if (!err)
		err = repl_parse_quorum(info, cfg);
	return err;
}

/*
 * Attributes that only mean something for VOLUME_CREATE of a replicated
 * volume.  Given without a node id (or to attach, which reads them from
 * the superblock) they would be silently dropped: refuse instead.  The
 * one exception: attach takes the secret, which the superblock does not
 * hold (only its fingerprint).
 */
static const int repl_only_attrs[] = {
	SYNOD_A_VOLUME_NODE, SYNOD_A_VOLUME_CLUSTER, SYNOD_A_VOLUME_LISTEN,
	SYNOD_A_VOLUME_PEER, SYNOD_A_VOLUME_SECRET, SYNOD_A_VOLUME_Q1,
	SYNOD_A_VOLUME_Q2, SYNOD_A_VOLUME_ON_NO_QUORUM,
	SYNOD_A_VOLUME_AUTO_PROMOTE, SYNOD_A_VOLUME_SMALL_REQUESTS,
};

/*
 * Refuse @nla, an attribute that means nothing where it was given.
 * Small requests get a reason of their own: an administrator may well
 * expect them to apply to any volume, or to an existing one.
 */
static void repl_attr_refuse(struct genl_info *info, struct nlattr *nla,
			     int attr, bool attach)
{
	if (attr == SYNOD_A_VOLUME_SMALL_REQUESTS && attach)
		NL_SET_ERR_MSG_ATTR(info->extack, nla,
				    "small requests are chosen at create: attach keeps the request size the disk says (on-disk flag LARGE)");
	else if (attr == SYNOD_A_VOLUME_SMALL_REQUESTS)
		NL_SET_ERR_MSG_ATTR(info->extack, nla,
				    "small requests are for replicated volumes (give a node id): a single replica keeps its backing device's request size");
	else if (attach)
		NL_SET_ERR_MSG_ATTR(info->extack, nla,
				    "attach takes replication options from disk");
	else
		NL_SET_ERR_MSG_ATTR(info->extack, nla,
				    "replication option given without node id");
}

bool synod_nl_no_repl_attrs(struct genl_info *info, bool attach)
{
	struct nlattr *nla;
	int i;

	for (i = 0; i < ARRAY_SIZE(repl_only_attrs); i++) {
		nla = info->attrs[repl_only_attrs[i]];
		if (!nla || (attach && repl_only_attrs[i] == SYNOD_A_VOLUME_SECRET))
			continue;
		repl_attr_refuse(info, nla, repl_only_attrs[i], attach);
		return false;
	}
	return true;
}
