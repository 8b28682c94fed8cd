// SPDX-License-Identifier: GPL-2.0
/*
 * Test hook for the TCP transport, only in a build with
 * KCFLAGS=-DSYNOD_TCP_DEBUGFS (tests/vm/tcp_debugfs.sh); empty otherwise.
 *
 * It drives the real synod_tcp_ops from a shell, in the writer's network
 * namespace, before the replica glue exists.  It is a module parameter,
 * /sys/module/synod/parameters/tcp_debug, rather than a debugfs file: a
 * parameter needs no init or exit hook (main.c is not ours to change) and
 * sysfs removes it safely at rmmod.  Each live debug transport holds a
 * module reference, so rmmod fails until every one is destroyed.
 *
 * Commands (one per write):
 *   create ID self=N cluster=NAME secret=STRING listen=ADDR [peer=N@ADDR]...
 *   start ID | stop ID [force] | destroy ID
 *   peer ID N ADDR|none          set_peer()
 *   send ID TO COUNT SIZE        COUNT frames of SIZE bytes, numbered
 * ADDR is 10.0.0.1:7000 or [fd00::1]:7000.  Reading prints counters: per
 * node frames sent and received, sequence gaps and reorderings seen by
 * rx(), link events, peer state and refusals, and the send ring: its
 * size now, and how often it grew, shrank or could not be allocated.
 * Frames of DBG_PLACE_MIN bytes or more are received in place (rx_place(),
 * transport.h) into a buffer of the hook's, past their DBG_HDR bytes,
 * and checked there: "placed" counts them.
 */
#ifdef SYNOD_TCP_DEBUGFS
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inet.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat_net.h"
#include "tcp_priv.h"

#define DBG_MAX		4
#define DBG_MAGIC	0x46474244u	/* "DBGF" */
#define DBG_HDR		16u		/* magic, from, seq */
#define DBG_PLACE_MIN	8192u		/* frames received in place, from */

struct dbg_node {
	u64 seq_tx;		/* next sequence number to send */
	u64 seq_rx;		/* next expected from this node */
	atomic64_t rx, gaps, reorder, corrupt, ev_up, ev_down;
	atomic64_t send_err, placed;
};

struct dbg_t {
	struct synod_transport *t;
	struct net *net;
	u32 self;
	u8 *frame;		/* SYNOD_FRAME_MAX + DBG_HDR: oversize too */
	/* SYNOD_FRAME_MAX per node: frames received in place, per peer */
	u8 *land;
	struct dbg_node node[SYNOD_NODES_MAX];
};

static DEFINE_MUTEX(dbg_lock);
static struct dbg_t *dbg[DBG_MAX];

/*
 * Check the numbering and the fill pattern of a test frame of @len
 * bytes: its first @at at @frame, the others at @tail (received in
 * place; @at is @len for a frame whole in the transport's buffer).
 */
static void dbg_check(struct dbg_t *d, u32 from, const u8 *frame, u32 at,
		      const u8 *tail, u32 len)
{
	struct dbg_node *n = &d->node[from];
	u64 seq;
	u32 i;

	atomic64_inc(&n->rx);
	if (len < DBG_HDR || at < DBG_HDR ||
	    get_unaligned_le32(frame) != DBG_MAGIC ||
	    get_unaligned_le32(frame + 4) != from) {
		atomic64_inc(&n->corrupt);
		return;
	}
	seq = get_unaligned_le64(frame + 8);
	for (i = DBG_HDR; i < len; i++) {
		if ((i < at ? frame[i] : tail[i - at]) != (u8)(seq + i)) {
			atomic64_inc(&n->corrupt);
			break;
		}
	}
	if (seq < n->seq_rx)
		atomic64_inc(&n->reorder);
	else if (seq > n->seq_rx)
		atomic64_add(seq - n->seq_rx, &n->gaps);
	n->seq_rx = seq + 1;
}

/* rx(): a frame whole in the transport's buffer. */
static void dbg_rx(void *ctx, u32 from, const u8 *frame, u32 len)
{
	dbg_check(ctx, from, frame, len, NULL, len);
}

/*
 * rx_place(): a frame of DBG_PLACE_MIN bytes or more goes into the
 * hook's buffer for its peer past its header, whatever it holds:
 * nothing of it is checked before rx_placed(), as the contract says.
 * One per peer: two peers' frames may be placed at once.
 */
static void *dbg_rx_place(void *ctx, u32 from, const u8 *f, u32 len,
			  u32 *at)
{
	struct dbg_t *d = ctx;

	if (len < DBG_PLACE_MIN || WARN_ON_ONCE(len > SYNOD_FRAME_MAX) ||
	    WARN_ON_ONCE(from >= SYNOD_NODES_MAX))
		return NULL;
	*at = DBG_HDR;
	return d->land + (size_t)from * SYNOD_FRAME_MAX;
}

/* rx_placed(): check a frame received in place, counted apart. */
static void dbg_rx_placed(void *ctx, u32 from, const u8 *f, u32 at,
			  u8 *tail, u32 tail_len)
{
	struct dbg_t *d = ctx;

	WARN_ON_ONCE(tail != d->land + (size_t)from * SYNOD_FRAME_MAX ||
		     at != DBG_HDR);
	atomic64_inc(&d->node[from].placed);
	dbg_check(d, from, f, at, tail, at + tail_len);
}

/* Frames are counted one by one: nothing waits for the end of a run. */
static void dbg_rx_done(void *ctx)
{
}

static void dbg_link(void *ctx, u32 node, bool up)
{
	struct dbg_t *d = ctx;

	atomic64_inc(up ? &d->node[node].ev_up : &d->node[node].ev_down);
}

/* "10.0.0.1:7000" or "[fd00::1]:7000" */
static int dbg_addr(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	const char *end;
	u16 port;

	memset(ss, 0, sizeof(*ss));
	if (*s == '[') {
		if (!in6_pton(s + 1, -1, a6->sin6_addr.s6_addr, ']', &end) ||
		    end[1] != ':' || kstrtou16(end + 2, 10, &port))
			return -EINVAL;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		return 0;
	}
	if (!in4_pton(s, -1, (u8 *)&a4->sin_addr.s_addr, ':', &end) ||
	    *end != ':' || kstrtou16(end + 1, 10, &port))
		return -EINVAL;
	a4->sin_family = AF_INET;
	a4->sin_port = htons(port);
	return 0;
}

static int dbg_create(unsigned int id, char *args)
{
	struct synod_transport_cfg *cfg;
	struct dbg_t *d;
	char *tok;
	int err = -EINVAL;
	u32 n;

	if (dbg[id])
		return -EEXIST;
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!cfg || !d)
		goto out_nomem;
	d->frame = kvmalloc(SYNOD_FRAME_MAX + DBG_HDR, GFP_KERNEL);
	d->land = kvmalloc_array(SYNOD_NODES_MAX, SYNOD_FRAME_MAX, GFP_KERNEL);
	if (!d->frame || !d->land)
		goto out_nomem;
	while ((tok = strsep(&args, " \t\n"))) {
		if (!*tok)
			continue;
		if (!strncmp(tok, "self=", 5)) {
			if (kstrtou32(tok + 5, 10, &cfg->self))
				goto out_free;
		} else if (!strncmp(tok, "cluster=", 8)) {
			strscpy(cfg->cluster, tok + 8, sizeof(cfg->cluster));
		} else if (!strncmp(tok, "secret=", 7)) {
			cfg->secret_len = strscpy(cfg->secret, tok + 7,
						  sizeof(cfg->secret));
		} else if (!strncmp(tok, "listen=", 7)) {
			if (dbg_addr(tok + 7, &cfg->listen))
				goto out_free;
		} else if (!strncmp(tok, "peer=", 5)) {
			char *at = strchr(tok, '@');

			if (!at)
				goto out_free;
			*at = '\0';
			if (kstrtou32(tok + 5, 10, &n) || n >= SYNOD_NODES_MAX ||
			    dbg_addr(at + 1, &cfg->peer_addr[n]))
				goto out_free;
			cfg->peer_valid[n] = true;
		} else {
			goto out_free;
		}
	}
	d->net = get_net(current->nsproxy->net_ns);
	d->self = cfg->self;
	cfg->net = d->net;
	cfg->rx = dbg_rx;
	cfg->rx_head = DBG_HDR;
	cfg->rx_place = dbg_rx_place;
	cfg->rx_placed = dbg_rx_placed;
	cfg->rx_done = dbg_rx_done;
	cfg->link_event = dbg_link;
	cfg->ctx = d;
	d->t = synod_tcp_ops.create(cfg);
	if (IS_ERR(d->t)) {
		err = PTR_ERR(d->t);
		put_net(d->net);
		goto out_free;
	}
	__module_get(THIS_MODULE);
	dbg[id] = d;
	kfree(cfg);
	return 0;

out_nomem:
	err = -ENOMEM;
out_free:
	if (d) {
		kvfree(d->frame);
		kvfree(d->land);
	}
	kfree(d);
	kfree(cfg);
	return err;
}

static void dbg_destroy(unsigned int id)
{
	struct dbg_t *d = dbg[id];

	synod_tcp_ops.destroy(d->t);
	put_net(d->net);
	kvfree(d->frame);
	kvfree(d->land);
	kfree(d);
	dbg[id] = NULL;
	module_put(THIS_MODULE);
}

/* Send @count numbered frames of @size bytes to @to; stop at an error. */
static int dbg_send(struct dbg_t *d, u32 to, u32 count, u32 size)
{
	struct dbg_node *n = &d->node[to];
	struct kvec v = { .iov_base = d->frame, .iov_len = size };
	u32 i, k;
	int err;

	if (to >= SYNOD_NODES_MAX || size < DBG_HDR || size > SYNOD_FRAME_MAX + DBG_HDR)
		return -EINVAL;
	for (k = 0; k < count; k++) {
		put_unaligned_le32(DBG_MAGIC, d->frame);
		put_unaligned_le32(d->self, d->frame + 4);
		put_unaligned_le64(n->seq_tx, d->frame + 8);
		for (i = DBG_HDR; i < size; i++)
			d->frame[i] = (u8)(n->seq_tx + i);
		err = synod_tcp_ops.send(d->t, to, &v, 1);
		if (err) {
			atomic64_inc(&n->send_err);
			return err;
		}
		n->seq_tx++;
	}
	return 0;
}

static int dbg_cmd(char *line)
{
	char *cmd = strsep(&line, " \t\n");
	char *sid = strsep(&line, " \t\n");
	struct sockaddr_storage ss;
	unsigned int id;
	u32 a, b, c;
	struct dbg_t *d;

	if (!cmd || !sid || kstrtouint(sid, 10, &id) || id >= DBG_MAX)
		return -EINVAL;
	if (!strcmp(cmd, "create"))
		return dbg_create(id, line ? line : "");
	d = dbg[id];
	if (!d)
		return -ENOENT;
	if (!strcmp(cmd, "start"))
		return synod_tcp_ops.start(d->t);
	if (!strcmp(cmd, "stop")) {
		synod_tcp_ops.stop(d->t, line && !strncmp(line, "force", 5));
		return 0;
	}
	if (!strcmp(cmd, "destroy")) {
		dbg_destroy(id);
		return 0;
	}
	if (!strcmp(cmd, "send")) {
		if (!line || sscanf(line, "%u %u %u", &a, &b, &c) != 3)
			return -EINVAL;
		return dbg_send(d, a, b, c);
	}
	if (!strcmp(cmd, "peer")) {
		char *sn = strsep(&line, " \t\n");
		char *addr = strsep(&line, " \t\n");

		if (!sn || !addr || kstrtou32(sn, 10, &a))
			return -EINVAL;
		if (!strcmp(addr, "none"))
			return synod_tcp_ops.set_peer(d->t, a, NULL);
		if (dbg_addr(addr, &ss))
			return -EINVAL;
		return synod_tcp_ops.set_peer(d->t, a, &ss);
	}
	return -EINVAL;
}

static int dbg_set(const char *val, const struct kernel_param *kp)
{
	char *line = kstrdup(val, GFP_KERNEL);
	int err;

	if (!line)
		return -ENOMEM;
	mutex_lock(&dbg_lock);
	err = dbg_cmd(line);
	mutex_unlock(&dbg_lock);
	kfree(line);
	return err;
}

static int dbg_show(struct dbg_t *d, unsigned int id, char *buf, int len)
{
	struct synod_transport *t = d->t;
	struct synod_tcp_peer_stats s;
	int n = 0;
	u32 i;

	n += scnprintf(buf + n, len - n,
		       "t%u self %u rx_bad %lld overflow %lld hs_failed %lld unknown_refused %llu/%llu/%llu/%llu\n",
		       id, d->self, atomic64_read(&t->rx_bad),
		       atomic64_read(&t->in_overflow),
		       atomic64_read(&t->hs_failed),
		       synod_tcp_ops.refused(t, SYNOD_NODES_MAX, 0),
		       synod_tcp_ops.refused(t, SYNOD_NODES_MAX, 1),
		       synod_tcp_ops.refused(t, SYNOD_NODES_MAX, 2),
		       synod_tcp_ops.refused(t, SYNOD_NODES_MAX, 3));
	for (i = 0; i < SYNOD_NODES_MAX; i++) {
		struct dbg_node *dn = &d->node[i];

		if (i == d->self)
			continue;
		synod_tcp_peer_stats(t, i, &s);
		if (!test_bit(i, &t->peer_mask) && !s.tx_frames &&
		    !s.rx_frames)
			continue;
		n += scnprintf(buf + n, len - n,
			       "t%u n%u state %d sent %llu q %u ring %u grows %llu shrinks %llu nomem %llu nobufs %llu notconn %llu links %llu rx %lld gaps %lld reorder %lld corrupt %lld up %lld down %lld refused %llu/%llu/%llu/%llu placed %lld\n",
			       id, i, synod_tcp_ops.peer_state(t, i),
			       s.tx_frames, s.queued, s.ring_size,
			       s.ring_grows, s.ring_shrinks, s.ring_nomem,
			       s.tx_nobufs,
			       s.tx_notconn, s.links_up,
			       atomic64_read(&dn->rx), atomic64_read(&dn->gaps),
			       atomic64_read(&dn->reorder),
			       atomic64_read(&dn->corrupt),
			       atomic64_read(&dn->ev_up),
			       atomic64_read(&dn->ev_down),
			       synod_tcp_ops.refused(t, i, 0),
			       synod_tcp_ops.refused(t, i, 1),
			       synod_tcp_ops.refused(t, i, 2),
			       synod_tcp_ops.refused(t, i, 3),
			       atomic64_read(&dn->placed));
	}
	return n;
}

static int dbg_get(char *buf, const struct kernel_param *kp)
{
	unsigned int id;
	int n = 0;

	mutex_lock(&dbg_lock);
	for (id = 0; id < DBG_MAX; id++)
		if (dbg[id])
			n += dbg_show(dbg[id], id, buf + n, PAGE_SIZE - n);
	mutex_unlock(&dbg_lock);
	return n;
}

static const struct kernel_param_ops dbg_ops = {
	.set = dbg_set,
	.get = dbg_get,
};
module_param_cb(tcp_debug, &dbg_ops, NULL, 0600);
MODULE_PARM_DESC(tcp_debug, "TCP transport test hook (debug builds only)");

#endif /* SYNOD_TCP_DEBUGFS */
