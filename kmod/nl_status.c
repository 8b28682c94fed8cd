// SPDX-License-Identifier: GPL-2.0
/*
 * Status of the "synod" family: VOLUME_GET (do: one volume by name;
 * dump: every volume of the caller's network namespace), which puts a
 * volume's attributes, its replicated state and its peers, and
 * STATS_GET, the module-wide counters.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "synod.h"
#include "compat.h"
#include "nl_priv.h"

static int put_addr(struct sk_buff *skb, int attr,
		    const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return nla_put(skb, attr, sizeof(struct sockaddr_in), ss);
	if (ss->ss_family == AF_INET6)
		return nla_put(skb, attr, sizeof(struct sockaddr_in6), ss);
	return 0;	/* no address known: leave it out */
}

/* What our link to a peer runs; nothing while it is not up. */
static int put_link(struct sk_buff *skb, const struct synod_peer_status *p)
{
	if (!p->link_version)
		return 0;
	if (nla_put_u32(skb, SYNOD_A_PEER_LINK_VERSION, p->link_version) ||
	    nla_put_u32(skb, SYNOD_A_PEER_LINK_MAC, p->link_mac))
		return -EMSGSIZE;
	return 0;
}

/* One SYNOD_A_VOLUME_PEER nest of a VOLUME_GET reply. */
static int put_peer(struct sk_buff *skb, const struct synod_peer_status *p)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, SYNOD_A_VOLUME_PEER);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, SYNOD_A_PEER_NODE, p->node) ||
	    put_addr(skb, SYNOD_A_PEER_ADDR, &p->addr) ||
	    nla_put_u32(skb, SYNOD_A_PEER_STATE, p->state) ||
	    nla_put_u64_64bit(skb, SYNOD_A_PEER_MATCH, p->match,
			      SYNOD_A_PEER_PAD) ||
	    (p->voter && nla_put_flag(skb, SYNOD_A_PEER_VOTER)) ||
	    nla_put_u64_64bit(skb, SYNOD_A_PEER_REFUSED, p->refused,
			      SYNOD_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, SYNOD_A_PEER_REJECTED_MAC,
			      p->rejected_mac, SYNOD_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, SYNOD_A_PEER_REJECTED_REPLAY,
			      p->rejected_replay, SYNOD_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, SYNOD_A_PEER_REJECTED_ORDER,
			      p->rejected_order, SYNOD_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, SYNOD_A_PEER_UNBOUND, p->unbound,
			      SYNOD_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, SYNOD_A_PEER_TX_AGAIN, p->tx_again,
			      SYNOD_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, SYNOD_A_PEER_TX_REFUSED_LARGE,
			      p->tx_refused_large, SYNOD_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, SYNOD_A_PEER_RX_PIECES, p->rx_pieces,
			      SYNOD_A_PEER_PAD) ||
	    put_link(skb, p)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* A latency histogram as SYNOD_LAT_BUCKETS little-endian u64s. */
static int put_lat(struct sk_buff *skb, int attr, const u64 *bucket)
{
	struct nlattr *nla;
	__le64 *p;
	u32 i;

	nla = nla_reserve_64bit(skb, attr, SYNOD_LAT_BUCKETS * sizeof(*p),
				SYNOD_A_PAD);
	if (!nla)
		return -EMSGSIZE;
	p = nla_data(nla);
	for (i = 0; i < SYNOD_LAT_BUCKETS; i++)
		p[i] = cpu_to_le64(bucket[i]);
	return 0;
}

/* The replicated part of a VOLUME_GET reply. */
static int put_repl(struct sk_buff *skb, const struct synod_repl_status *st)
{
	u32 i;

	if (nla_put_flag(skb, SYNOD_A_VOLUME_REPLICATED) ||
	    nla_put_string(skb, SYNOD_A_VOLUME_CLUSTER, st->cluster) ||
	    nla_put_u32(skb, SYNOD_A_VOLUME_NODE, st->node) ||
	    (st->leader != U32_MAX &&
	     nla_put_u32(skb, SYNOD_A_VOLUME_LEADER, st->leader)) ||
	    nla_put_u64_64bit(skb, SYNOD_A_VOLUME_BALLOT, st->ballot,
			      SYNOD_A_PAD) ||
	    nla_put_u64_64bit(skb, SYNOD_A_VOLUME_COMMIT, st->commit,
			      SYNOD_A_PAD) ||
	    nla_put_u64_64bit(skb, SYNOD_A_VOLUME_APPLIED, st->applied,
			      SYNOD_A_PAD) ||
	    nla_put_u8(skb, SYNOD_A_VOLUME_QUORUM, st->quorum) ||
	    nla_put_u32(skb, SYNOD_A_VOLUME_EPOCH, st->epoch) ||
	    nla_put_u32(skb, SYNOD_A_VOLUME_Q1, st->q1) ||
	    nla_put_u32(skb, SYNOD_A_VOLUME_Q2, st->q2) ||
	    nla_put_u64_64bit(skb, SYNOD_A_VOLUME_REFUSED, st->refused,
			      SYNOD_A_PAD) ||
	    nla_put_u64_64bit(skb, SYNOD_A_VOLUME_REJECTED, st->rejected,
			      SYNOD_A_PAD) ||
	    nla_put_u64_64bit(skb, SYNOD_A_VOLUME_CATCHUP, st->catchup,
			      SYNOD_A_PAD) ||
	    nla_put_u64_64bit(skb, SYNOD_A_VOLUME_OUT_OF_RANGE,
			      st->out_of_range, SYNOD_A_PAD) ||
	    nla_put_u64_64bit(skb, SYNOD_A_VOLUME_OLD_SNAPSHOTS,
			      st->old_snapshots, SYNOD_A_PAD) ||
	    nla_put_u64_64bit(skb, SYNOD_A_VOLUME_FAST_READS,
			      st->fast_reads, SYNOD_A_PAD) ||
	    nla_put_u32(skb, SYNOD_A_VOLUME_ON_NO_QUORUM, st->on_no_quorum) ||
	    (st->auto_promote &&
	     nla_put_flag(skb, SYNOD_A_VOLUME_AUTO_PROMOTE)) ||
	    put_lat(skb, SYNOD_A_VOLUME_LAT_WRITE, st->lat_write) ||
	    put_lat(skb, SYNOD_A_VOLUME_LAT_READ, st->lat_read) ||
	    nla_put_u8(skb, SYNOD_A_VOLUME_RESYNC, st->resync) ||
	    nla_put_u64_64bit(skb, SYNOD_A_VOLUME_RESYNCS, st->resyncs,
			      SYNOD_A_PAD))
		return -EMSGSIZE;
	if (st->resync_total &&
	    (nla_put_u32(skb, SYNOD_A_VOLUME_RESYNC_FROM, st->resync_from) ||
	     nla_put_u64_64bit(skb, SYNOD_A_VOLUME_RESYNC_DONE,
			       st->resync_done, SYNOD_A_PAD) ||
	     nla_put_u64_64bit(skb, SYNOD_A_VOLUME_RESYNC_TOTAL,
			       st->resync_total, SYNOD_A_PAD)))
		return -EMSGSIZE;
	if (WARN_ON_ONCE(st->npeers > ARRAY_SIZE(st->peer)))
		return -EIO;
	for (i = 0; i < st->npeers; i++)
		if (put_peer(skb, &st->peer[i]))
			return -EMSGSIZE;
	return 0;
}

/*
 * Put one volume's attributes; @vol pinned, synod_volumes_lock not held
 * (the replica's status waits for its lock, see volume.c).  @st is
 * scratch space from the caller (too big for the stack); a single-replica
 * volume is always the leader of itself.
 */
static int put_volume(struct sk_buff *skb, struct synod_volume *vol,
		      struct synod_repl_status *st)
{
	int repl = synod_volume_repl_status(vol, st);

	if (repl < 0)
		return repl;
	if (nla_put_string(skb, SYNOD_A_VOLUME_NAME, vol->name) ||
	    nla_put_string(skb, SYNOD_A_VOLUME_BACKING, vol->backing_path) ||
	    nla_put_string(skb, SYNOD_A_VOLUME_DEVICE, vol->disk->disk_name) ||
	    nla_put_u64_64bit(skb, SYNOD_A_VOLUME_SIZE, vol->sb.data_size,
			      SYNOD_A_PAD) ||
	    nla_put(skb, SYNOD_A_VOLUME_UUID, sizeof(vol->sb.uuid),
		    vol->sb.uuid) ||
	    nla_put_u32(skb, SYNOD_A_VOLUME_ROLE,
			repl ? st->role : SYNOD_ROLE_LEADER) ||
	    nla_put_u32(skb, SYNOD_A_VOLUME_FORMAT, vol->sb.format) ||
	    nla_put_u32(skb, SYNOD_A_VOLUME_MAX_REQUEST,
			queue_max_hw_sectors(vol->disk->queue) << SECTOR_SHIFT))
		return -EMSGSIZE;
	return repl ? put_repl(skb, st) : 0;
}

/* VOLUME_GET do: one volume of the caller's namespace, by name. */
int synod_nl_volume_get(struct sk_buff *skb, struct genl_info *info)
{
	struct synod_repl_status *st;
	struct synod_volume *vol;
	struct sk_buff *msg;
	const char *name;
	void *hdr;
	int err;

	name = synod_nl_required_str(info, SYNOD_A_VOLUME_NAME, "volume name");
	if (!name)
		return -EINVAL;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!st || !msg) {
		err = -ENOMEM;
		goto out_free;
	}
	hdr = genlmsg_put_reply(msg, info, &synod_family, 0,
				SYNOD_CMD_VOLUME_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto out_free;
	}

	vol = synod_volume_get(genl_info_net(info), name, info->extack);
	if (IS_ERR(vol)) {
		err = PTR_ERR(vol);
		goto out_free;
	}
	err = put_volume(msg, vol, st);
	synod_volume_put(vol);
	if (err == -EINTR)
		NL_SET_ERR_MSG(info->extack, "interrupted while waiting for the volume's replica (its backing device may be stalled)");
	if (err)
		goto out_free;
	kfree(st);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free:
	kfree(st);
	nlmsg_free(msg);
	return err;
}

/*
 * VOLUME_GET dump: every volume of the dumping socket's namespace;
 * cb->args[0] is the next list position.  A volume being created or
 * deleted holds its position but is not shown; if a volume left the list
 * between two parts of the dump, positions moved, and the dump is marked
 * NLM_F_DUMP_INTR (cb->seq is the list's generation, never 0).  The
 * generation is module-wide, so a volume leaving another namespace's
 * list marks the dump too: harmless, synodctl dumps again.
 */
int synod_nl_volume_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	struct synod_repl_status *st;
	struct synod_volume *vol;
	unsigned long n = cb->args[0];
	unsigned int gen;
	void *hdr;
	int err = 0;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	for (; (vol = synod_volume_get_nth(net, n, &gen)); n++) {
		cb->seq = (gen << 1) | 1;
		if (IS_ERR(vol))
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &synod_family,
				  NLM_F_MULTI, SYNOD_CMD_VOLUME_GET);
		err = hdr ? put_volume(skb, vol, st) : -EMSGSIZE;
		synod_volume_put(vol);
		if (err) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			break;
		}
		/*
		 * Only on a message that is sent: the check moves
		 * cb->prev_seq, and a cancelled one would take the news of
		 * a change with it.
		 */
		genl_dump_check_consistent(cb, hdr);
		genlmsg_end(skb, hdr);
	}
	/* The generation of the last look, for the check on NLMSG_DONE. */
	cb->seq = (gen << 1) | 1;
	kfree(st);
	cb->args[0] = n;
	/* A full skb ends this part of the dump; netlink calls us again. */
	if (err == -EMSGSIZE && skb->len)
		err = 0;
	return err ?: skb->len;
}

/* STATS_GET: module-wide counters. */
int synod_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
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
