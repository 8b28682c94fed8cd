/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the "synod" generic netlink family (netlink.c and
 * nl_*.c) share with each other, grouped by the file that provides it.
 * The rest of the module sees only synod.h's synod_netlink_*().
 */
#ifndef SYNOD_NL_PRIV_H
#define SYNOD_NL_PRIV_H

#include <net/genetlink.h>

#include "synod.h"
#include "transport.h"	/* SYNOD_SECRET_MIN/MAX */

/* Index of the "events" group in synod_mcgrps. */
enum synod_mcgrp { SYNOD_MCGRP_EVENTS_IDX };

/* netlink.c: the family, its policies, the shared attribute checks */
extern struct genl_family synod_family;
extern const struct nla_policy synod_peer_policy[SYNOD_A_PEER_MAX + 1];
const char *synod_nl_required_str(struct genl_info *info, int attr,
				  const char *what);
bool synod_nl_node_ok(const struct nlattr *nla, u32 *node,
		      struct netlink_ext_ack *extack);
bool synod_nl_addr_ok(const struct nlattr *nla, bool peer,
		      struct sockaddr_storage *ss,
		      struct netlink_ext_ack *extack);

/* nl_repl_cfg.c: a replicated volume's options, the secret */
int synod_nl_repl_cfg_parse(struct sk_buff *skb, struct genl_info *info,
			    const char *name, struct synod_repl_cfg *cfg);
int synod_nl_parse_secret(struct sk_buff *skb, struct genl_info *info,
			  u8 *buf, u32 *len);
bool synod_nl_no_repl_attrs(struct genl_info *info, bool attach);

/* nl_volume.c: the commands that change a volume */
int synod_nl_volume_create(struct sk_buff *skb, struct genl_info *info);
int synod_nl_volume_attach(struct sk_buff *skb, struct genl_info *info);
int synod_nl_volume_delete(struct sk_buff *skb, struct genl_info *info);
int synod_nl_volume_up(struct sk_buff *skb, struct genl_info *info);
int synod_nl_volume_down(struct sk_buff *skb, struct genl_info *info);
int synod_nl_volume_promote(struct sk_buff *skb, struct genl_info *info);
int synod_nl_volume_demote(struct sk_buff *skb, struct genl_info *info);
int synod_nl_peer_add(struct sk_buff *skb, struct genl_info *info);
int synod_nl_peer_remove(struct sk_buff *skb, struct genl_info *info);

/* nl_status.c: VOLUME_GET and STATS_GET */
int synod_nl_volume_get(struct sk_buff *skb, struct genl_info *info);
int synod_nl_volume_dump(struct sk_buff *skb, struct netlink_callback *cb);
int synod_nl_stats_get(struct sk_buff *skb, struct genl_info *info);

/* nl_events.c: the events multicast group */
void synod_nl_notify_repl_now(struct net *net, enum synod_event event,
			      const char *name, u32 node);

#endif /* SYNOD_NL_PRIV_H */
