// SPDX-License-Identifier: GPL-2.0
/*
 * synodctl volume create|attach|delete|up|down|promote|demote, peer
 * add|remove and synodctl status: build the request, run it, print what
 * the kernel says the volume now is.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>

#include "synodctl.h"
#include "nl.h"
#include "probe.h"
#include "show.h"

struct volume_reply {
	struct synod_volume vol;
	bool got;
};

static int volume_reply_cb(struct nl_msg *msg, void *arg)
{
	struct volume_reply *r = arg;
	int ret;

	ret = synod_volume_parse(msg, &r->vol);
	if (ret)
		return ret;
	r->got = true;
	return 0;
}

/* A request naming one volume, optionally with its backing device. */
static struct nl_msg *volume_msg(struct synod_nl *nl, uint8_t cmd, int flags,
				 const char *name, const char *backing)
{
	struct nl_msg *msg = synod_nl_msg(nl, cmd, flags);

	if (!msg)
		return NULL;
	if ((name && nla_put_string(msg, SYNOD_A_VOLUME_NAME, name) < 0) ||
	    (backing &&
	     nla_put_string(msg, SYNOD_A_VOLUME_BACKING, backing) < 0)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int volume_get_one(struct synod_nl *nl, const char *name,
			  struct volume_reply *r)
{
	struct nl_msg *msg;

	msg = volume_msg(nl, SYNOD_CMD_VOLUME_GET, 0, name, NULL);
	if (!msg)
		return -ENOMEM;
	return synod_nl_exec(nl, msg, volume_reply_cb, r);
}

static void print_result(const struct synodctl_req *req,
			 const struct synod_volume *v, const char *done)
{
	struct synod_out o;

	if (req->json) {
		out_init(&o, stdout, true, req->pretty);
		synod_volume_print(&o, v);
		out_end(&o);
		return;
	}
	printf("%s: %s %s (%" PRIu64 " bytes)\n", v->name, done, v->device,
	       v->size_bytes);
}

/* One SYNOD_A_VOLUME_PEER nest: the node, and the address if given. */
static int put_peer(struct nl_msg *msg, const struct synodctl_peer *p)
{
	struct nlattr *nest = nla_nest_start(msg, SYNOD_A_VOLUME_PEER);

	if (!nest || nla_put_u32(msg, SYNOD_A_PEER_NODE, p->node) < 0)
		return -ENOMEM;
	if (p->has_addr &&
	    nla_put(msg, SYNOD_A_PEER_ADDR, (int)synod_addr_len(&p->addr),
		    &p->addr) < 0)
		return -ENOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * The replication attributes of VOLUME_CREATE (none if --node was not
 * given).  Optional values the user left out are not sent, so the
 * kernel's defaults apply.
 */
int synodctl_put_repl(struct nl_msg *msg, const struct synodctl_repl *r,
		      const uint8_t *secret, size_t secret_len)
{
	uint32_t i;

	if (!r->node_set)
		return 0;
	if (nla_put_u32(msg, SYNOD_A_VOLUME_NODE, r->node) < 0 ||
	    nla_put(msg, SYNOD_A_VOLUME_LISTEN, (int)synod_addr_len(&r->listen),
		    &r->listen) < 0 ||
	    nla_put(msg, SYNOD_A_VOLUME_SECRET, (int)secret_len, secret) < 0 ||
	    (r->cluster &&
	     nla_put_string(msg, SYNOD_A_VOLUME_CLUSTER, r->cluster) < 0) ||
	    (r->q1 && nla_put_u32(msg, SYNOD_A_VOLUME_Q1, r->q1) < 0) ||
	    (r->q2 && nla_put_u32(msg, SYNOD_A_VOLUME_Q2, r->q2) < 0) ||
	    (r->on_no_quorum_set &&
	     nla_put_u32(msg, SYNOD_A_VOLUME_ON_NO_QUORUM,
			 r->on_no_quorum) < 0) ||
	    (r->auto_promote &&
	     nla_put_flag(msg, SYNOD_A_VOLUME_AUTO_PROMOTE) < 0) ||
	    (r->small_requests &&
	     nla_put_flag(msg, SYNOD_A_VOLUME_SMALL_REQUESTS) < 0))
		return -ENOMEM;
	for (i = 0; i < r->npeers; i++)
		if (put_peer(msg, &r->peer[i]))
			return -ENOMEM;
	return 0;
}

/*
 * Read --secret-file, saying what is wrong with it.  A file others can
 * read still works (the administrator may have reasons) but earns a
 * warning, since anyone holding the secret can join the cluster.
 */
static int secret_load(const char *verb, const char *path, uint8_t *secret,
		       size_t *len)
{
	bool exposed = false;
	int ret;

	ret = synod_secret_read(path, secret, len, &exposed);
	if (ret == -EMSGSIZE)
		fprintf(stderr, "synodctl: volume %s: secret file %s holds fewer than %d bytes\n",
			verb, path, SYNOD_SECRET_MIN);
	else if (ret == -EFBIG)
		fprintf(stderr, "synodctl: volume %s: secret file %s is larger than %d bytes\n",
			verb, path, SYNOD_SECRET_FILE_MAX);
	else if (ret)
		fprintf(stderr, "synodctl: volume %s: secret file %s: %s\n",
			verb, path, strerror(-ret));
	else if (exposed)
		fprintf(stderr, "synodctl: warning: secret file %s is readable by group or others (chmod 600)\n",
			path);
	return ret;
}

/*
 * VOLUME_CREATE/ATTACH with everything the command line gave.  The
 * secret (create of a replicated volume; attach with --secret-file) is
 * read only now, and wiped from our buffer here and from the message by
 * synod_nl_exec().
 */
static struct nl_msg *bring_up_msg(struct synod_nl *nl,
				   const struct synodctl_req *req, uint8_t cmd,
				   const char *verb)
{
	bool create = cmd == SYNOD_CMD_VOLUME_CREATE;
	const char *file = req->repl.secret_file;
	uint8_t secret[SYNOD_SECRET_MAX];
	struct nl_msg *msg;
	size_t len = 0;
	int ret = 0;

	if (create ? req->repl.node_set : file != NULL) {
		if (secret_load(verb, file, secret, &len))
			return NULL;
	}
	msg = volume_msg(nl, cmd, 0, req->name, req->backing);
	if (!msg)
		ret = -ENOMEM;
	else if (create)
		ret = synodctl_put_repl(msg, &req->repl, secret, len);
	else if (len)
		ret = nla_put(msg, SYNOD_A_VOLUME_SECRET, (int)len, secret) < 0;
	explicit_bzero(secret, sizeof(secret));
	if (ret) {
		synod_nl_msg_free(msg);
		fprintf(stderr, "synodctl: volume %s: out of memory\n", verb);
		return NULL;
	}
	return msg;
}

/*
 * Create and attach both bring a disk into existence.  If the kernel's
 * reply does not describe it, ask with VOLUME_GET, so that the user
 * always learns which /dev/synodN they got.
 */
static int volume_bring_up(struct synod_nl *nl,
			   const struct synodctl_req *req, uint8_t cmd,
			   const char *verb, const char *done)
{
	struct volume_reply r = { .got = false };
	char what[32];
	struct nl_msg *msg;
	int ret;

	snprintf(what, sizeof(what), "volume %s", verb);
	msg = bring_up_msg(nl, req, cmd, verb);
	if (!msg)
		return -EINVAL;
	ret = synod_nl_exec(nl, msg, volume_reply_cb, &r);
	if (!ret && !(r.got && (r.vol.have & SYNOD_VOL_DEVICE)))
		ret = volume_get_one(nl, req->name, &r);
	if (ret) {
		synod_nl_perror(nl, what, ret);
		return ret;
	}
	print_result(req, &r.vol, done);
	return 0;
}

/*
 * create formats the backing device: refuse one that holds something
 * (probe.c) unless --force.  A device that cannot be probed because it
 * is missing, busy or not a block device goes to the kernel, whose
 * refusal says that better.
 */
static int create_probe(const struct synodctl_req *req)
{
	struct synodctl_found f;
	char msg[256];
	int ret;

	if (req->force)
		return 0;
	ret = synodctl_probe(req->backing, &f);
	if (ret == -EIO) {
		fprintf(stderr, "synodctl: volume create: cannot probe %s for existing data (libblkid failed); use --force to overwrite it anyway\n",
			req->backing);
		return ret;
	}
	if (ret || f.kind == SYNODCTL_FOUND_NOTHING)
		return 0;
	synodctl_found_describe(&f, req->backing, msg, sizeof(msg));
	fprintf(stderr, "synodctl: volume create: %s\n", msg);
	return -EEXIST;
}

int synodctl_volume_create(struct synod_nl *nl, const struct synodctl_req *req)
{
	int ret = create_probe(req);

	if (ret)
		return ret;
	return volume_bring_up(nl, req, SYNOD_CMD_VOLUME_CREATE, "create",
			       "created");
}

int synodctl_volume_attach(struct synod_nl *nl, const struct synodctl_req *req)
{
	return volume_bring_up(nl, req, SYNOD_CMD_VOLUME_ATTACH, "attach",
			       "attached");
}

/*
 * A request that names a volume (and for peer add/remove one peer) and
 * gets only an ACK.  Quiet in JSON mode, like `ip -j link del`; a line
 * of text otherwise.
 */
static int volume_simple(struct synod_nl *nl, const struct synodctl_req *req,
			 uint8_t cmd, const char *what, const char *done)
{
	struct nl_msg *msg;
	struct synodctl_peer peer;
	int ret;

	msg = volume_msg(nl, cmd, 0, req->name, NULL);
	ret = msg ? 0 : -ENOMEM;
	if (!ret && req->force &&
	    nla_put_flag(msg, SYNOD_A_VOLUME_FORCE) < 0)
		ret = -ENOMEM;
	if (!ret && req->peer_set) {
		/* remove identifies the peer by node id alone */
		peer = req->peer;
		peer.has_addr = cmd == SYNOD_CMD_PEER_ADD;
		ret = put_peer(msg, &peer);
	}
	if (ret) {
		nlmsg_free(msg);
		synod_nl_perror(nl, what, ret);
		return ret;
	}
	ret = synod_nl_exec(nl, msg, NULL, NULL);
	if (ret) {
		synod_nl_perror(nl, what, ret);
		return ret;
	}
	if (req->json)
		return 0;
	if (req->peer_set)
		printf("%s: peer %u %s\n", req->name, req->peer.node, done);
	else
		printf("%s: %s\n", req->name, done);
	return 0;
}

int synodctl_volume_delete(struct synod_nl *nl, const struct synodctl_req *req)
{
	return volume_simple(nl, req, SYNOD_CMD_VOLUME_DELETE, "volume delete",
			     "deleted");
}

int synodctl_volume_up(struct synod_nl *nl, const struct synodctl_req *req)
{
	return volume_simple(nl, req, SYNOD_CMD_VOLUME_UP, "volume up", "up");
}

int synodctl_volume_down(struct synod_nl *nl, const struct synodctl_req *req)
{
	return volume_simple(nl, req, SYNOD_CMD_VOLUME_DOWN, "volume down",
			     "down");
}

int synodctl_volume_promote(struct synod_nl *nl,
			    const struct synodctl_req *req)
{
	return volume_simple(nl, req, SYNOD_CMD_VOLUME_PROMOTE,
			     "volume promote", "promotion started");
}

int synodctl_volume_demote(struct synod_nl *nl, const struct synodctl_req *req)
{
	return volume_simple(nl, req, SYNOD_CMD_VOLUME_DEMOTE, "volume demote",
			     "demoted");
}

int synodctl_peer_add(struct synod_nl *nl, const struct synodctl_req *req)
{
	return volume_simple(nl, req, SYNOD_CMD_PEER_ADD, "peer add",
			     "being added");
}

int synodctl_peer_remove(struct synod_nl *nl, const struct synodctl_req *req)
{
	return volume_simple(nl, req, SYNOD_CMD_PEER_REMOVE, "peer remove",
			     "being removed");
}

static int status_cb(struct nl_msg *msg, void *arg)
{
	struct synod_out *o = arg;
	struct synod_volume v;
	int ret;

	ret = synod_volume_parse(msg, &v);
	if (ret)
		return ret;
	synod_volume_print(o, &v);
	return 0;
}

/*
 * One volume (do) or all (dump), into *@buf.  Output is collected in memory
 * and written only on success, so a failure never leaves half a JSON
 * array on stdout.
 */
static int status_once(struct synod_nl *nl, const struct synodctl_req *req,
		       char **buf, size_t *len)
{
	struct synod_out o;
	struct nl_msg *msg;
	FILE *mem;
	int ret;

	mem = open_memstream(buf, len);
	if (!mem)
		return -errno;
	out_init(&o, mem, req->json, req->pretty);
	msg = volume_msg(nl, SYNOD_CMD_VOLUME_GET, req->name ? 0 : NLM_F_DUMP,
			 req->name, NULL);
	ret = msg ? 0 : -ENOMEM;
	out_open_array(&o, NULL);
	if (!ret)
		ret = synod_nl_exec(nl, msg, status_cb, &o);
	out_close_array(&o);
	out_end(&o);
	fclose(mem);
	return ret;
}

/*
 * A dump that raced with a volume leaving the list (-EAGAIN) may miss or
 * repeat volumes: dump again, a few times, before giving up.
 */
int synodctl_status(struct synod_nl *nl, const struct synodctl_req *req)
{
	char *buf = NULL;
	size_t len = 0;
	int ret, tries = 3;

	do {
		free(buf);
		buf = NULL;
		ret = status_once(nl, req, &buf, &len);
	} while (ret == -EAGAIN && nl->dump_intr && --tries);
	if (ret)
		synod_nl_perror(nl, "status", ret);
	else
		fwrite(buf, 1, len, stdout);
	free(buf);
	return ret;
}
