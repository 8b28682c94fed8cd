// SPDX-License-Identifier: GPL-2.0
/*
 * The "synod" generic netlink family.
 *
 * Documentation/netlink/specs/synod.yaml is the specification; the policy
 * and op tables below are written by hand to match it.  Handlers parse,
 * call volume.c, and report; every refusal carries an extended ACK
 * message.  Every operation needs CAP_NET_ADMIN in the caller's network
 * namespace (GENL_ADMIN_PERM).
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "synod.h"
#include "compat.h"

static struct genl_family synod_family;

/* Index of the "events" group in synod_mcgrps. */
enum synod_mcgrp { SYNOD_MCGRP_EVENTS_IDX };

static const struct genl_multicast_group synod_mcgrps[] = {
	[SYNOD_MCGRP_EVENTS_IDX] = { .name = SYNOD_MCGRP_EVENTS },
};

/*
 * Input attributes.  Output-only attributes are listed as NLA_REJECT so
 * that a request carrying them is refused instead of silently ignored.
 */
static const struct nla_policy synod_policy[SYNOD_A_MAX + 1] = {
	[SYNOD_A_VOLUME_NAME] = { .type = NLA_NUL_STRING, .len = SYNOD_NAME_MAX },
	[SYNOD_A_VOLUME_BACKING] = { .type = NLA_NUL_STRING,
				     .len = SYNOD_PATH_MAX },
	[SYNOD_A_VOLUME_DEVICE] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_SIZE] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_UUID] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_ROLE] = { .type = NLA_REJECT },
	[SYNOD_A_VOLUME_FORMAT] = { .type = NLA_REJECT },
	[SYNOD_A_STATS_XDP_KFUNC_CALLS] = { .type = NLA_REJECT },
	[SYNOD_A_EVENT] = { .type = NLA_REJECT },
};

/* Fetch a required string attribute, or refuse naming the missing one. */
static const char *required_str(struct genl_info *info, int attr,
				const char *what)
{
	if (GENL_REQ_ATTR_CHECK(info, attr)) {
		SYNOD_ERR(info->extack, NULL, "missing attribute", ": %s", what);
		return NULL;
	}
	return nla_data(info->attrs[attr]);
}

/* Put one volume's attributes; under synod_volumes_lock. */
static int put_volume(struct sk_buff *skb, const struct synod_volume *vol)
{
	if (nla_put_string(skb, SYNOD_A_VOLUME_NAME, vol->name) ||
	    nla_put_string(skb, SYNOD_A_VOLUME_BACKING, vol->backing_path) ||
	    nla_put_string(skb, SYNOD_A_VOLUME_DEVICE, vol->disk->disk_name) ||
	    nla_put_u64_64bit(skb, SYNOD_A_VOLUME_SIZE, vol->sb.data_size,
			      SYNOD_A_PAD) ||
	    nla_put(skb, SYNOD_A_VOLUME_UUID, sizeof(vol->sb.uuid),
		    vol->sb.uuid) ||
	    nla_put_u32(skb, SYNOD_A_VOLUME_ROLE, SYNOD_ROLE_LEADER) ||
	    nla_put_u32(skb, SYNOD_A_VOLUME_FORMAT, vol->sb.format))
		return -EMSGSIZE;
	return 0;
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

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &synod_family, 0, SYNOD_CMD_EVENT);
	if (!hdr)
		goto out_free;
	if (nla_put_u32(skb, SYNOD_A_EVENT, event) ||
	    nla_put_string(skb, SYNOD_A_VOLUME_NAME, name))
		goto out_free;
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&synod_family, net, skb, 0,
				SYNOD_MCGRP_EVENTS_IDX, GFP_KERNEL);
	return;

out_free:
	nlmsg_free(skb);
}

void synod_netlink_notify_repl(struct net *net, enum synod_event event,
			       const char *name, u32 role, u32 leader,
			       u64 ballot, u32 node)
{
	synod_netlink_notify(net, event, name);
}

/* VOLUME_CREATE and VOLUME_ATTACH share parsing and reporting. */
static int volume_new_doit(struct genl_info *info, bool format)
{
	const char *name, *backing;
	int err;

	name = required_str(info, SYNOD_A_VOLUME_NAME, "volume name");
	if (!name)
		return -EINVAL;
	backing = required_str(info, SYNOD_A_VOLUME_BACKING, "backing device");
	if (!backing)
		return -EINVAL;

	if (format)
		err = synod_volume_create(genl_info_net(info), name, backing,
					  NULL, info->extack);
	else
		err = synod_volume_attach(genl_info_net(info), name, backing,
					  info->extack);
	if (err)
		return err;
	synod_netlink_notify(genl_info_net(info),
			     format ? SYNOD_EVENT_VOLUME_CREATED :
				      SYNOD_EVENT_VOLUME_ATTACHED, name);
	return 0;
}

static int synod_nl_volume_create(struct sk_buff *skb, struct genl_info *info)
{
	return volume_new_doit(info, true);
}

static int synod_nl_volume_attach(struct sk_buff *skb, struct genl_info *info)
{
	return volume_new_doit(info, false);
}

static int synod_nl_volume_delete(struct sk_buff *skb, struct genl_info *info)
{
	const char *name;
	int err;

	name = required_str(info, SYNOD_A_VOLUME_NAME, "volume name");
	if (!name)
		return -EINVAL;
	err = synod_volume_delete(genl_info_net(info), name, info->extack);
	if (err)
		return err;
	synod_netlink_notify(genl_info_net(info), SYNOD_EVENT_VOLUME_DELETED,
			     name);
	return 0;
}

/* VOLUME_GET do: one volume by name. */
static int synod_nl_volume_get(struct sk_buff *skb, struct genl_info *info)
{
	struct synod_volume *vol;
	struct sk_buff *msg;
	const char *name;
	void *hdr;
	int err;

	name = required_str(info, SYNOD_A_VOLUME_NAME, "volume name");
	if (!name)
		return -EINVAL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &synod_family, 0,
				SYNOD_CMD_VOLUME_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto out_free;
	}

	mutex_lock(&synod_volumes_lock);
	vol = synod_volume_find(genl_info_net(info), name);
	err = vol ? put_volume(msg, vol) : -ENOENT;
	mutex_unlock(&synod_volumes_lock);
	if (err == -ENOENT)
		SYNOD_ERR(info->extack, info->attrs[SYNOD_A_VOLUME_NAME],
			  "no such volume", ": %s", name);
	if (err)
		goto out_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
	return err;
}

/* VOLUME_GET dump: every volume; cb->args[0] is the next list position. */
static int synod_nl_volume_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct synod_volume *vol;
	unsigned long n = cb->args[0];
	void *hdr;
	int err = 0;

	mutex_lock(&synod_volumes_lock);
	for (; (vol = synod_volume_nth(sock_net(cb->skb->sk), n)); n++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &synod_family,
				  NLM_F_MULTI, SYNOD_CMD_VOLUME_GET);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		err = put_volume(skb, vol);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	mutex_unlock(&synod_volumes_lock);
	cb->args[0] = n;
	/* A full skb ends this part of the dump; netlink calls us again. */
	if (err == -EMSGSIZE && skb->len)
		err = 0;
	return err ?: skb->len;
}

/* STATS_GET: module-wide counters. */
static int synod_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &synod_family, 0,
				SYNOD_CMD_STATS_GET);
	if (!hdr ||
	    nla_put_u64_64bit(msg, SYNOD_A_STATS_XDP_KFUNC_CALLS,
			      synod_kfunc_xdp_calls(), SYNOD_A_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static const struct genl_small_ops synod_ops[] = {
	{
		.cmd = SYNOD_CMD_VOLUME_CREATE,
		.flags = GENL_ADMIN_PERM,
		.doit = synod_nl_volume_create,
	},
	{
		.cmd = SYNOD_CMD_VOLUME_ATTACH,
		.flags = GENL_ADMIN_PERM,
		.doit = synod_nl_volume_attach,
	},
	{
		.cmd = SYNOD_CMD_VOLUME_DELETE,
		.flags = GENL_ADMIN_PERM,
		.doit = synod_nl_volume_delete,
	},
	{
		.cmd = SYNOD_CMD_VOLUME_GET,
		.flags = GENL_ADMIN_PERM,
		.doit = synod_nl_volume_get,
		.dumpit = synod_nl_volume_dump,
	},
	{
		.cmd = SYNOD_CMD_STATS_GET,
		.flags = GENL_ADMIN_PERM,
		.doit = synod_nl_stats_get,
	},
};

/*
 * netnsok: volumes will be bound to network namespaces (one replica per
 * namespace in tests); parallel_ops: handlers serialise on
 * synod_volumes_lock, not on the global genl mutex, because create and
 * attach do synchronous disk I/O.
 */
static struct genl_family synod_family __ro_after_init = {
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
