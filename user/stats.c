// SPDX-License-Identifier: GPL-2.0
/*
 * synodctl stats: module-wide counters (SYNOD_CMD_STATS_GET).
 */
#include <errno.h>
#include <stdio.h>

#include "synodctl.h"
#include "nl.h"
#include "show.h"

struct stats_reply {
	struct synod_stats st;
	bool got;
};

static int stats_cb(struct nl_msg *msg, void *arg)
{
	struct stats_reply *r = arg;
	int ret;

	ret = synod_stats_parse(msg, &r->st);
	if (!ret)
		r->got = true;
	return ret;
}

int synodctl_stats(struct synod_nl *nl, const struct synodctl_req *req)
{
	struct stats_reply r = { .got = false };
	struct synod_out o;
	struct nl_msg *msg;
	int ret;

	msg = synod_nl_msg(nl, SYNOD_CMD_STATS_GET, 0);
	ret = msg ? synod_nl_exec(nl, msg, stats_cb, &r) : -ENOMEM;
	if (!ret && !r.got)
		ret = -ENODATA;
	if (ret) {
		synod_nl_perror(nl, "stats", ret);
		return ret;
	}
	out_init(&o, stdout, req->json, req->pretty);
	synod_stats_print(&o, &r.st);
	out_end(&o);
	return 0;
}
