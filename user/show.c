// SPDX-License-Identifier: GPL-2.0
/*
 * From netlink attributes to structs to text or JSON.  Attributes newer
 * than this header are ignored; a malformed known attribute makes the
 * whole message -EPROTO, since printing half-checked data misleads.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "show.h"

static struct nla_policy synod_policy[SYNOD_A_MAX + 1] = {
	[SYNOD_A_VOLUME_NAME] = { .type = NLA_STRING,
				  .maxlen = SYNOD_NAME_MAX + 1 },
	[SYNOD_A_VOLUME_BACKING] = { .type = NLA_STRING,
				     .maxlen = SYNOD_PATH_MAX + 1 },
	[SYNOD_A_VOLUME_DEVICE] = { .type = NLA_STRING, .maxlen = 32 },
	[SYNOD_A_VOLUME_SIZE] = { .type = NLA_U64 },
	[SYNOD_A_VOLUME_UUID] = { .type = NLA_UNSPEC,
				  .minlen = SYNOD_UUID_LEN,
				  .maxlen = SYNOD_UUID_LEN },
	[SYNOD_A_VOLUME_ROLE] = { .type = NLA_U32 },
	[SYNOD_A_VOLUME_FORMAT] = { .type = NLA_U32 },
	[SYNOD_A_VOLUME_MAX_REQUEST] = { .type = NLA_U32 },
	[SYNOD_A_STATS_XDP_KFUNC_CALLS] = { .type = NLA_U64 },
	[SYNOD_A_EVENT] = { .type = NLA_U32 },
	[SYNOD_A_VOLUME_CLUSTER] = { .type = NLA_STRING,
				     .maxlen = SYNOD_NAME_MAX + 1 },
	[SYNOD_A_VOLUME_NODE] = { .type = NLA_U32 },
	[SYNOD_A_VOLUME_PEER] = { .type = NLA_NESTED },
	[SYNOD_A_VOLUME_Q1] = { .type = NLA_U32 },
	[SYNOD_A_VOLUME_Q2] = { .type = NLA_U32 },
	[SYNOD_A_VOLUME_ON_NO_QUORUM] = { .type = NLA_U32 },
	[SYNOD_A_VOLUME_AUTO_PROMOTE] = { .type = NLA_FLAG },
	[SYNOD_A_VOLUME_LEADER] = { .type = NLA_U32 },
	[SYNOD_A_VOLUME_BALLOT] = { .type = NLA_U64 },
	[SYNOD_A_VOLUME_COMMIT] = { .type = NLA_U64 },
	[SYNOD_A_VOLUME_APPLIED] = { .type = NLA_U64 },
	[SYNOD_A_VOLUME_QUORUM] = { .type = NLA_U8 },
	[SYNOD_A_VOLUME_EPOCH] = { .type = NLA_U32 },
	[SYNOD_A_VOLUME_REPLICATED] = { .type = NLA_FLAG },
	[SYNOD_A_VOLUME_REFUSED] = { .type = NLA_U64 },
	[SYNOD_A_VOLUME_CATCHUP] = { .type = NLA_U64 },
	[SYNOD_A_VOLUME_RESYNC] = { .type = NLA_U8 },
	[SYNOD_A_VOLUME_RESYNC_FROM] = { .type = NLA_U32 },
	[SYNOD_A_VOLUME_RESYNC_DONE] = { .type = NLA_U64 },
	[SYNOD_A_VOLUME_RESYNC_TOTAL] = { .type = NLA_U64 },
	[SYNOD_A_VOLUME_RESYNCS] = { .type = NLA_U64 },
	[SYNOD_A_VOLUME_OUT_OF_RANGE] = { .type = NLA_U64 },
	[SYNOD_A_VOLUME_OLD_SNAPSHOTS] = { .type = NLA_U64 },
	[SYNOD_A_VOLUME_FAST_READS] = { .type = NLA_U64 },
	[SYNOD_A_VOLUME_LAT_WRITE] = { .type = NLA_UNSPEC,
				       .minlen = SYNOD_LAT_BUCKETS * 8,
				       .maxlen = SYNOD_LAT_BUCKETS * 8 },
	[SYNOD_A_VOLUME_LAT_READ] = { .type = NLA_UNSPEC,
				      .minlen = SYNOD_LAT_BUCKETS * 8,
				      .maxlen = SYNOD_LAT_BUCKETS * 8 },
};

static struct nla_policy synod_peer_policy[SYNOD_A_PEER_MAX + 1] = {
	[SYNOD_A_PEER_NODE] = { .type = NLA_U32 },
	[SYNOD_A_PEER_ADDR] = { .type = NLA_UNSPEC,
				.minlen = sizeof(struct sockaddr_in),
				.maxlen = sizeof(struct sockaddr_in6) },
	[SYNOD_A_PEER_STATE] = { .type = NLA_U32 },
	[SYNOD_A_PEER_MATCH] = { .type = NLA_U64 },
	[SYNOD_A_PEER_VOTER] = { .type = NLA_FLAG },
	[SYNOD_A_PEER_REFUSED] = { .type = NLA_U64 },
	[SYNOD_A_PEER_REJECTED_MAC] = { .type = NLA_U64 },
	[SYNOD_A_PEER_REJECTED_REPLAY] = { .type = NLA_U64 },
	[SYNOD_A_PEER_REJECTED_ORDER] = { .type = NLA_U64 },
	[SYNOD_A_PEER_UNBOUND] = { .type = NLA_U64 },
	[SYNOD_A_PEER_LINK_VERSION] = { .type = NLA_U32 },
	[SYNOD_A_PEER_LINK_MAC] = { .type = NLA_U32 },
	[SYNOD_A_PEER_TX_AGAIN] = { .type = NLA_U64 },
	[SYNOD_A_PEER_TX_REFUSED_LARGE] = { .type = NLA_U64 },
	[SYNOD_A_PEER_RX_PIECES] = { .type = NLA_U64 },
};

static int parse_attrs(struct nl_msg *msg, struct nlattr **tb)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (!genlmsg_valid_hdr(nlh, 0))
		return -EPROTO;
	if (genlmsg_parse(nlh, 0, tb, SYNOD_A_MAX, synod_policy) < 0)
		return -EPROTO;
	return 0;
}

static void volume_from_attrs(struct nlattr **tb, struct synod_volume *v)
{
	nla_strlcpy(v->name, tb[SYNOD_A_VOLUME_NAME], sizeof(v->name));
	if (tb[SYNOD_A_VOLUME_BACKING]) {
		nla_strlcpy(v->backing, tb[SYNOD_A_VOLUME_BACKING],
			    sizeof(v->backing));
		v->have |= SYNOD_VOL_BACKING;
	}
	if (tb[SYNOD_A_VOLUME_DEVICE]) {
		synod_device_path(nla_get_string(tb[SYNOD_A_VOLUME_DEVICE]),
				  v->device, sizeof(v->device));
		v->have |= SYNOD_VOL_DEVICE;
	}
	if (tb[SYNOD_A_VOLUME_SIZE]) {
		v->size_bytes = nla_get_u64(tb[SYNOD_A_VOLUME_SIZE]);
		v->have |= SYNOD_VOL_SIZE;
	}
	if (tb[SYNOD_A_VOLUME_UUID]) {
		memcpy(v->uuid, nla_data(tb[SYNOD_A_VOLUME_UUID]),
		       SYNOD_UUID_LEN);
		v->have |= SYNOD_VOL_UUID;
	}
	if (tb[SYNOD_A_VOLUME_ROLE]) {
		v->role = nla_get_u32(tb[SYNOD_A_VOLUME_ROLE]);
		v->have |= SYNOD_VOL_ROLE;
	}
	if (tb[SYNOD_A_VOLUME_FORMAT]) {
		v->format = nla_get_u32(tb[SYNOD_A_VOLUME_FORMAT]);
		v->have |= SYNOD_VOL_FORMAT;
	}
	if (tb[SYNOD_A_VOLUME_MAX_REQUEST]) {
		v->max_request = nla_get_u32(tb[SYNOD_A_VOLUME_MAX_REQUEST]);
		v->have |= SYNOD_VOL_MAX_REQUEST;
	}
}

static uint64_t get_u64(struct nlattr *nla)
{
	return nla ? nla_get_u64(nla) : 0;
}

static uint32_t get_u32(struct nlattr *nla)
{
	return nla ? nla_get_u32(nla) : 0;
}

/* One SYNOD_A_VOLUME_PEER nest; a peer without its node id is -EPROTO. */
static int peer_from_nest(struct nlattr *nest, struct synod_peer_info *p)
{
	struct nlattr *tb[SYNOD_A_PEER_MAX + 1];
	struct nlattr *addr;

	memset(p, 0, sizeof(*p));
	if (nla_parse_nested(tb, SYNOD_A_PEER_MAX, nest, synod_peer_policy) < 0 ||
	    !tb[SYNOD_A_PEER_NODE])
		return -EPROTO;
	p->node = nla_get_u32(tb[SYNOD_A_PEER_NODE]);
	addr = tb[SYNOD_A_PEER_ADDR];
	if (addr) {
		memcpy(&p->addr, nla_data(addr), (size_t)nla_len(addr));
		p->has_addr = synod_addr_len(&p->addr) == (size_t)nla_len(addr);
	}
	p->state = get_u32(tb[SYNOD_A_PEER_STATE]);
	p->match = get_u64(tb[SYNOD_A_PEER_MATCH]);
	p->voter = tb[SYNOD_A_PEER_VOTER] != NULL;
	p->refused = get_u64(tb[SYNOD_A_PEER_REFUSED]);
	p->rejected_mac = get_u64(tb[SYNOD_A_PEER_REJECTED_MAC]);
	p->rejected_replay = get_u64(tb[SYNOD_A_PEER_REJECTED_REPLAY]);
	p->rejected_order = get_u64(tb[SYNOD_A_PEER_REJECTED_ORDER]);
	p->unbound = get_u64(tb[SYNOD_A_PEER_UNBOUND]);
	p->link_version = get_u32(tb[SYNOD_A_PEER_LINK_VERSION]);
	p->link_mac = get_u32(tb[SYNOD_A_PEER_LINK_MAC]);
	p->tx_again = get_u64(tb[SYNOD_A_PEER_TX_AGAIN]);
	p->tx_refused_large = get_u64(tb[SYNOD_A_PEER_TX_REFUSED_LARGE]);
	p->rx_pieces = get_u64(tb[SYNOD_A_PEER_RX_PIECES]);
	return 0;
}

/* Every peer nest (repeated attributes: genlmsg_parse keeps the last). */
static int peers_from_msg(struct nl_msg *msg, struct synod_repl_info *r)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *nla;
	int rem;

	nla_for_each_attr(nla, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		if (nla_type(nla) != SYNOD_A_VOLUME_PEER)
			continue;
		if (r->npeers >= sizeof(r->peer) / sizeof(r->peer[0]) ||
		    peer_from_nest(nla, &r->peer[r->npeers]))
			return -EPROTO;
		r->npeers++;
	}
	return 0;
}

/* A histogram attribute: SYNOD_LAT_BUCKETS little-endian u64s. */
static void lat_from_attr(const struct nlattr *nla, uint64_t *bucket)
{
	const uint8_t *p = nla_data(nla);
	uint64_t le;
	int i;

	for (i = 0; i < SYNOD_LAT_BUCKETS; i++) {
		memcpy(&le, p + i * sizeof(le), sizeof(le));
		bucket[i] = le64toh(le);
	}
}

static void repl_from_attrs(struct nlattr **tb, struct synod_repl_info *r)
{
	if (tb[SYNOD_A_VOLUME_CLUSTER])
		nla_strlcpy(r->cluster, tb[SYNOD_A_VOLUME_CLUSTER],
			    sizeof(r->cluster));
	r->node = get_u32(tb[SYNOD_A_VOLUME_NODE]);
	r->has_leader = tb[SYNOD_A_VOLUME_LEADER] != NULL;
	r->leader = get_u32(tb[SYNOD_A_VOLUME_LEADER]);
	r->ballot = get_u64(tb[SYNOD_A_VOLUME_BALLOT]);
	r->commit = get_u64(tb[SYNOD_A_VOLUME_COMMIT]);
	r->applied = get_u64(tb[SYNOD_A_VOLUME_APPLIED]);
	r->quorum = tb[SYNOD_A_VOLUME_QUORUM] &&
		    nla_get_u8(tb[SYNOD_A_VOLUME_QUORUM]);
	r->epoch = get_u32(tb[SYNOD_A_VOLUME_EPOCH]);
	r->q1 = get_u32(tb[SYNOD_A_VOLUME_Q1]);
	r->q2 = get_u32(tb[SYNOD_A_VOLUME_Q2]);
	r->refused = get_u64(tb[SYNOD_A_VOLUME_REFUSED]);
	r->rejected = get_u64(tb[SYNOD_A_VOLUME_REJECTED]);
	r->out_of_range = get_u64(tb[SYNOD_A_VOLUME_OUT_OF_RANGE]);
	r->catchup = get_u64(tb[SYNOD_A_VOLUME_CATCHUP]);
	r->resync = tb[SYNOD_A_VOLUME_RESYNC] &&
		    nla_get_u8(tb[SYNOD_A_VOLUME_RESYNC]);
	r->has_resync_from = tb[SYNOD_A_VOLUME_RESYNC_FROM] != NULL;
	r->resync_from = get_u32(tb[SYNOD_A_VOLUME_RESYNC_FROM]);
	r->resync_done = get_u64(tb[SYNOD_A_VOLUME_RESYNC_DONE]);
	r->resync_total = get_u64(tb[SYNOD_A_VOLUME_RESYNC_TOTAL]);
	r->resyncs = get_u64(tb[SYNOD_A_VOLUME_RESYNCS]);
	r->old_snapshots = get_u64(tb[SYNOD_A_VOLUME_OLD_SNAPSHOTS]);
	r->fast_reads = get_u64(tb[SYNOD_A_VOLUME_FAST_READS]);
	r->on_no_quorum = get_u32(tb[SYNOD_A_VOLUME_ON_NO_QUORUM]);
	r->auto_promote = tb[SYNOD_A_VOLUME_AUTO_PROMOTE] != NULL;
	r->has_lat = tb[SYNOD_A_VOLUME_LAT_WRITE] && tb[SYNOD_A_VOLUME_LAT_READ];
	if (r->has_lat) {
		lat_from_attr(tb[SYNOD_A_VOLUME_LAT_WRITE], r->lat_write);
		lat_from_attr(tb[SYNOD_A_VOLUME_LAT_READ], r->lat_read);
	}
}

/* A volume reply (VOLUME_GET, or CREATE/ATTACH if the kernel echoes). */
int synod_volume_parse(struct nl_msg *msg, struct synod_volume *v)
{
	struct nlattr *tb[SYNOD_A_MAX + 1];
	int ret;

	memset(v, 0, sizeof(*v));
	ret = parse_attrs(msg, tb);
	if (ret)
		return ret;
	if (!tb[SYNOD_A_VOLUME_NAME])
		return -EPROTO;
	volume_from_attrs(tb, v);
	if (!tb[SYNOD_A_VOLUME_REPLICATED])
		return 0;
	repl_from_attrs(tb, &v->repl);
	v->have |= SYNOD_VOL_REPL;
	return peers_from_msg(msg, &v->repl);
}

/*
 * One peer:
 *	"    peer 2 10.0.0.2:7790 connected match 9 voter refused 0 tx-again 0
 *	 refused-large 0 pieces-in 0"
 *	"      rejected mac 0 replay 0 order 0 unbound 0"
 * and, while our link to it is up, "      link v4 mac poly1305" (JSON:
 * null while it is not).
 */
static void peer_print(struct synod_out *o, const struct synod_peer_info *p)
{
	char addr[SYNOD_ADDR_STR_MAX];

	out_open_object(o, NULL);
	out_u64(o, "node", "    peer %" PRIu64, p->node);
	if (p->has_addr) {
		synod_addr_format(&p->addr, addr, sizeof(addr));
		out_string(o, "address", " %s", addr);
	} else {
		out_null(o, "address", " -");
	}
	out_string(o, "state", " %s", synod_peer_state_name(p->state));
	out_u64(o, "match_index", " match %" PRIu64, p->match);
	out_bool(o, "voter", NULL, p->voter);
	out_text(o, p->voter ? " voter" : " learner");
	out_u64(o, "refused", " refused %" PRIu64, p->refused);
	/* messages to it our send ring refused while growing (resent) */
	out_u64(o, "tx_again", " tx-again %" PRIu64, p->tx_again);
	/* large payloads its link (below v5) cannot carry; pieces from it */
	out_u64(o, "tx_refused_large", " refused-large %" PRIu64,
		p->tx_refused_large);
	out_u64(o, "rx_pieces", " pieces-in %" PRIu64 "\n", p->rx_pieces);
	out_u64(o, "rejected_mac", "      rejected mac %" PRIu64,
		p->rejected_mac);
	out_u64(o, "rejected_replay", " replay %" PRIu64, p->rejected_replay);
	out_u64(o, "rejected_order", " order %" PRIu64, p->rejected_order);
	out_u64(o, "unbound", " unbound %" PRIu64 "\n", p->unbound);
	if (p->link_version) {
		out_u64(o, "link_version", "      link v%" PRIu64,
			p->link_version);
		out_string(o, "link_mac", " mac %s\n",
			   synod_link_mac_name(p->link_mac));
	} else {
		out_null(o, "link_version", NULL);
		out_null(o, "link_mac", NULL);
	}
	out_close_object(o);
}

/*
 * A latency histogram, non-empty buckets only, each as its upper bound:
 * bucket b holds [2^b, 2^(b+1)) us, so every latency in it is below
 * le_us = 2^(b+1) (the last bucket also holds everything longer).
 *	text:	"    latency write <=128us 3 <=256us 61"
 *	JSON:	"latency_write_us":[{"le_us":128,"count":3},...]
 */
static void lat_print(struct synod_out *o, const char *key, const char *what,
		      const uint64_t *bucket)
{
	bool any = false;
	int b;

	out_text(o, "    latency %s", what);
	out_open_array(o, key);
	for (b = 0; b < SYNOD_LAT_BUCKETS; b++) {
		if (!bucket[b])
			continue;
		any = true;
		out_open_object(o, NULL);
		out_u64(o, "le_us", " <=%" PRIu64 "us", (uint64_t)2 << b);
		out_u64(o, "count", " %" PRIu64, bucket[b]);
		out_close_object(o);
	}
	out_close_array(o);
	out_text(o, any ? "\n" : " none\n");
}

/* The replicated part of a volume's block (text) or object (JSON). */
static void repl_print(struct synod_out *o, const struct synod_repl_info *r)
{
	uint32_t i;

	out_string(o, "cluster", "    cluster %s", r->cluster);
	out_u64(o, "node", " node %" PRIu64, r->node);
	if (r->has_leader)
		out_u64(o, "leader", " leader %" PRIu64, r->leader);
	else
		out_null(o, "leader", " leader none");
	out_u64(o, "ballot", " ballot %" PRIu64, r->ballot);
	out_u64(o, "epoch", " epoch %" PRIu64, r->epoch);
	if (r->q1 && r->q2) {
		out_u64(o, "q1", " q1 %" PRIu64, r->q1);
		out_u64(o, "q2", " q2 %" PRIu64, r->q2);
	}
	out_bool(o, "quorum", " quorum %s\n", r->quorum);
	out_u64(o, "commit_index", "    commit %" PRIu64, r->commit);
	out_u64(o, "applied_index", " applied %" PRIu64, r->applied);
	out_u64(o, "catchup", " catchup %" PRIu64, r->catchup);
	out_u64(o, "refused", " refused %" PRIu64, r->refused);
	out_u64(o, "rejected", " rejected %" PRIu64, r->rejected);
	out_u64(o, "out_of_range", " out-of-range %" PRIu64 "\n",
		r->out_of_range);
	/* "    resync from 2 done 100 of 4096 chunks, 1 completed" */
	out_bool(o, "resync", NULL, r->resync);
	out_text(o, r->resync ? "    resync" : "    resync none");
	if (r->has_resync_from)
		out_u64(o, "resync_from", " from %" PRIu64, r->resync_from);
	else
		out_null(o, "resync_from", r->resync ? " pending" : NULL);
	out_u64(o, "resync_done", r->has_resync_from ? " done %" PRIu64 : NULL,
		r->resync_done);
	out_u64(o, "resync_total",
		r->has_resync_from ? " of %" PRIu64 " chunks" : NULL,
		r->resync_total);
	out_u64(o, "resyncs", ", %" PRIu64 " completed", r->resyncs);
	/* text shows it only when an older release's snapshot was used */
	out_u64(o, "old_snapshots",
		r->old_snapshots ? ", %" PRIu64 " from an older release\n" :
				   "\n", r->old_snapshots);
	out_u64(o, "fast_reads", "    reads past the engine %" PRIu64 "\n",
		r->fast_reads);
	out_string(o, "on_no_quorum", "    on-no-quorum %s",
		   synod_on_no_quorum_name(r->on_no_quorum));
	out_bool(o, "auto_promote", " auto-promote %s\n", r->auto_promote);
	if (r->has_lat) {
		lat_print(o, "latency_write_us", "write", r->lat_write);
		lat_print(o, "latency_read_us", "read", r->lat_read);
	}
	out_open_array(o, "peers");
	for (i = 0; i < r->npeers; i++)
		peer_print(o, &r->peer[i]);
	out_close_array(o);
}

/*
 * Text, one block per volume:
 *	r0: device /dev/synod0 role leader
 *	    backing /dev/loop0 size 1069547520 (1020 MiB)
 *	    uuid 8c4e...-... format 3 requests up to 1048576 bytes
 * and for a replicated volume, repl_print()'s lines after these.
 */
void synod_volume_print(struct synod_out *o, const struct synod_volume *v)
{
	char uuid[SYNOD_UUID_STR_LEN];
	char human[32];

	out_open_object(o, NULL);
	out_string(o, "name", "%s:", v->name);
	if (v->have & SYNOD_VOL_DEVICE)
		out_string(o, "device", " device %s", v->device);
	if (v->have & SYNOD_VOL_ROLE)
		out_string(o, "role", " role %s", synod_role_name(v->role));
	out_text(o, "\n   ");
	if (v->have & SYNOD_VOL_BACKING)
		out_string(o, "backing", " backing %s", v->backing);
	if (v->have & SYNOD_VOL_SIZE) {
		synod_size_human(v->size_bytes, human, sizeof(human));
		out_u64(o, "size_bytes", " size %" PRIu64, v->size_bytes);
		out_text(o, " (%s)", human);
	}
	out_text(o, "\n   ");
	if (v->have & SYNOD_VOL_UUID) {
		synod_uuid_format(v->uuid, uuid);
		out_string(o, "uuid", " uuid %s", uuid);
	}
	if (v->have & SYNOD_VOL_FORMAT)
		out_u64(o, "format", " format %" PRIu64, v->format);
	if (v->have & SYNOD_VOL_MAX_REQUEST)
		out_u64(o, "max_request_bytes", " requests up to %" PRIu64 " bytes",
			v->max_request);
	out_text(o, "\n");
	if (v->have & SYNOD_VOL_REPL)
		repl_print(o, &v->repl);
	out_close_object(o);
}

int synod_stats_parse(struct nl_msg *msg, struct synod_stats *st)
{
	struct nlattr *tb[SYNOD_A_MAX + 1];
	int ret;

	memset(st, 0, sizeof(*st));
	ret = parse_attrs(msg, tb);
	if (ret)
		return ret;
	if (!tb[SYNOD_A_STATS_XDP_KFUNC_CALLS])
		return -EPROTO;
	st->xdp_kfunc_calls = nla_get_u64(tb[SYNOD_A_STATS_XDP_KFUNC_CALLS]);
	return 0;
}

void synod_stats_print(struct synod_out *o, const struct synod_stats *st)
{
	out_open_object(o, NULL);
	out_u64(o, "xdp_kfunc_calls", "xdp_kfunc_calls %" PRIu64 "\n",
		st->xdp_kfunc_calls);
	out_close_object(o);
}

/* Role, leader, ballot and the peer of replicated volumes' events. */
static int event_repl_from_attrs(struct nlattr **tb,
				 struct synod_event_msg *ev)
{
	struct synod_peer_info p;

	if (tb[SYNOD_A_VOLUME_ROLE]) {
		ev->has_role = true;
		ev->role = nla_get_u32(tb[SYNOD_A_VOLUME_ROLE]);
		ev->ballot = get_u64(tb[SYNOD_A_VOLUME_BALLOT]);
	}
	if (tb[SYNOD_A_VOLUME_LEADER]) {
		ev->has_leader = true;
		ev->leader = nla_get_u32(tb[SYNOD_A_VOLUME_LEADER]);
	}
	if (tb[SYNOD_A_VOLUME_PEER]) {
		if (peer_from_nest(tb[SYNOD_A_VOLUME_PEER], &p))
			return -EPROTO;
		ev->has_node = true;
		ev->node = p.node;
	}
	return 0;
}

/* Messages on the events group other than SYNOD_CMD_EVENT: -ENOMSG. */
int synod_event_parse(struct nl_msg *msg, struct synod_event_msg *ev)
{
	struct nlattr *tb[SYNOD_A_MAX + 1];
	int ret;

	memset(ev, 0, sizeof(*ev));
	ret = parse_attrs(msg, tb);
	if (ret)
		return ret;
	if (genlmsg_hdr(nlmsg_hdr(msg))->cmd != SYNOD_CMD_EVENT)
		return -ENOMSG;
	if (!tb[SYNOD_A_EVENT])
		return -EPROTO;
	ev->event = nla_get_u32(tb[SYNOD_A_EVENT]);
	if (tb[SYNOD_A_VOLUME_NAME])
		nla_strlcpy(ev->name, tb[SYNOD_A_VOLUME_NAME],
			    sizeof(ev->name));
	return event_repl_from_attrs(tb, ev);
}

/*
 * One line per event: "created r0" or {"event":"created","name":"r0"};
 * replicated events add role, leader (null if unknown) and ballot, peer
 * events the peer's node id.
 */
void synod_event_print(struct synod_out *o, const struct synod_event_msg *ev)
{
	out_open_object(o, NULL);
	out_string(o, "event", "%s", synod_event_name(ev->event));
	if (ev->name[0])
		out_string(o, "name", " %s", ev->name);
	if (ev->has_node)
		out_u64(o, "node", " node %" PRIu64, ev->node);
	if (ev->has_role) {
		out_string(o, "role", " role %s", synod_role_name(ev->role));
		if (ev->has_leader)
			out_u64(o, "leader", " leader %" PRIu64, ev->leader);
		else
			out_null(o, "leader", " leader none");
		out_u64(o, "ballot", " ballot %" PRIu64, ev->ballot);
	}
	out_text(o, "\n");
	out_close_object(o);
}
