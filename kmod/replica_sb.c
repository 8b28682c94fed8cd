// SPDX-License-Identifier: GPL-2.0
/*
 * A replicated volume's settings in its superblock (cluster, node, listen
 * address, peers, quorums, options): written at create and by membership
 * changes, read back at attach.  Addresses are stored family, port and
 * bytes, independent of the host's sockaddr layout.
 */
#include <linux/in.h>
#include <linux/in6.h>

#include "replica.h"
#include "secret.h"

bool synod_sb_replicated(const struct synod_sb *sb)
{
	return synod_sb_is_repl(sb);
}

/* @ss as the superblock stores it (family, port, address; zero if neither). */
void synod_repl_addr_to_sb(const struct sockaddr_storage *ss,
			   struct synod_sb_addr *a)
{
	const struct sockaddr_in *in4 = (const void *)ss;
	const struct sockaddr_in6 *in6 = (const void *)ss;

	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		a->family = SYNOD_SB_AF_INET;
		a->port = ntohs(in4->sin_port);
		memcpy(a->addr, &in4->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		a->family = SYNOD_SB_AF_INET6;
		a->port = ntohs(in6->sin6_port);
		memcpy(a->addr, &in6->sin6_addr, 16);
	}
}

static void addr_from_sb(const struct synod_sb_addr *a,
			 struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (void *)ss;
	struct sockaddr_in6 *in6 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->family == SYNOD_SB_AF_INET) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(a->port);
		memcpy(&in4->sin_addr, a->addr, 4);
	} else if (a->family == SYNOD_SB_AF_INET6) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(a->port);
		memcpy(&in6->sin6_addr, a->addr, 16);
	}
}

/*
 * A new replica's settings into its (format 2) superblock: the secret
 * only as its fingerprint, under the UUID already in @sb.
 */
void synod_repl_cfg_to_sb(const struct synod_repl_cfg *cfg,
			  struct synod_sb *sb)
{
	struct synod_params p;
	u32 n;

	synod_repl_params_from_cfg(&p, cfg, 0);
	strscpy(sb->cluster, cfg->cluster, sizeof(sb->cluster));
	sb->node_id = cfg->node;
	sb->cfg = p.config;
	sb->on_no_quorum = cfg->on_no_quorum;
	sb->opts = cfg->auto_promote ? SYNOD_SB_OPT_AUTO_PROMOTE : 0;
	synod_repl_addr_to_sb(&cfg->listen, &sb->listen);
	for (n = 0; n < SYNOD_SB_PEERS; n++)
		if (cfg->peers & BIT(n))
			synod_repl_addr_to_sb(&cfg->peer_addr[n], &sb->peer[n]);
	synod_secret_fingerprint(cfg->secret, cfg->secret_len, sb->uuid,
				 sb->secret_fp);
}

/*
 * And back, at attach (and at create, from what was just written); all
 * but the secret, which the superblock does not hold: the caller adds it.
 */
void synod_repl_cfg_from_sb(const struct synod_sb *sb,
			    struct synod_repl_cfg *cfg)
{
	u32 n;

	memset(cfg, 0, sizeof(*cfg));
	strscpy(cfg->cluster, sb->cluster, sizeof(cfg->cluster));
	cfg->node = sb->node_id;
	cfg->q1 = sb->cfg.q1;
	cfg->q2 = sb->cfg.q2;
	/* An unknown policy from a newer writer: the safe one, suspend. */
	cfg->on_no_quorum = sb->on_no_quorum == SYNOD_NO_QUORUM_ERROR ?
			    SYNOD_NO_QUORUM_ERROR : SYNOD_NO_QUORUM_SUSPEND;
	cfg->auto_promote = sb->opts & SYNOD_SB_OPT_AUTO_PROMOTE;
	addr_from_sb(&sb->listen, &cfg->listen);
	for (n = 0; n < SYNOD_SB_PEERS; n++) {
		if (n == sb->node_id || !sb->peer[n].family)
			continue;
		cfg->peers |= BIT(n);
		addr_from_sb(&sb->peer[n], &cfg->peer_addr[n]);
	}
}
