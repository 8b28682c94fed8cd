// SPDX-License-Identifier: GPL-2.0
/*
 * synodctl volume create|attach|delete and synodctl status: build the
 * request, run it, print what the kernel says the volume now is.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <netlink/attr.h>

#include "synodctl.h"
#include "nl.h"
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
	char what[96];
	struct nl_msg *msg;
	int ret;

	snprintf(what, sizeof(what), "volume %s %s", verb, req->name);
	msg = volume_msg(nl, cmd, 0, req->name, req->backing);
	if (!msg) {
		synod_nl_perror(nl, what, -ENOMEM);
		return -ENOMEM;
	}
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

int synodctl_volume_create(struct synod_nl *nl, const struct synodctl_req *req)
{
	return volume_bring_up(nl, req, SYNOD_CMD_VOLUME_CREATE, "create",
			       "created");
}

int synodctl_volume_attach(struct synod_nl *nl, const struct synodctl_req *req)
{
	return volume_bring_up(nl, req, SYNOD_CMD_VOLUME_ATTACH, "attach",
			       "attached");
}

/* Quiet in JSON mode, like `ip -j link del`; a line of text otherwise. */
int synodctl_volume_delete(struct synod_nl *nl, const struct synodctl_req *req)
{
	char what[96];
	struct nl_msg *msg;
	int ret;

	snprintf(what, sizeof(what), "volume delete %s", req->name);
	msg = volume_msg(nl, SYNOD_CMD_VOLUME_DELETE, 0, req->name, NULL);
	if (!msg) {
		synod_nl_perror(nl, what, -ENOMEM);
		return -ENOMEM;
	}
	ret = synod_nl_exec(nl, msg, NULL, NULL);
	if (ret) {
		synod_nl_perror(nl, what, ret);
		return ret;
	}
	if (!req->json)
		printf("%s: deleted\n", req->name);
	return 0;
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
 * One volume (do) or all (dump).  Output is collected in memory and
 * written only on success, so a failure never leaves half a JSON array
 * on stdout.
 */
int synodctl_status(struct synod_nl *nl, const struct synodctl_req *req)
{
	struct synod_out o;
	struct nl_msg *msg;
	size_t len = 0;
	char *buf = NULL;
	FILE *mem;
	int ret;

	mem = open_memstream(&buf, &len);
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
	if (ret)
		synod_nl_perror(nl, req->name ? req->name : "status", ret);
	else
		fwrite(buf, 1, len, stdout);
	free(buf);
	return ret;
}
