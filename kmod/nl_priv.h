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

/* Index of the "events" group in synod_mcgrps. */
enum synod_mcgrp { SYNOD_MCGRP_EVENTS_IDX };

/* netlink.c: the family, its policies, the op table */
extern struct genl_family synod_family;
const char *synod_nl_required_str(struct genl_info *info, int attr,
				  const char *what);

/* nl_status.c: VOLUME_GET and STATS_GET */
int synod_nl_volume_get(struct sk_buff *skb, struct genl_info *info);
int synod_nl_volume_dump(struct sk_buff *skb, struct netlink_callback *cb);
int synod_nl_stats_get(struct sk_buff *skb, struct genl_info *info);

/* nl_events.c: the events multicast group */
void synod_nl_notify_repl_now(struct net *net, enum synod_event event,
			      const char *name, u32 node);

#endif /* SYNOD_NL_PRIV_H */
