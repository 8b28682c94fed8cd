// SPDX-License-Identifier: GPL-2.0
/*
 * synodctl events: follow the "events" multicast group, one line per
 * event (JSON lines with -j), until killed or --count events were seen.
 */
#include <errno.h>
#include <stdio.h>

#include "synodctl.h"
#include "nl.h"
#include "show.h"

struct events_ctx {
	const struct synodctl_req *req;
	uint32_t seen;
};

/* Flush every event: readers are usually scripts waiting on a pipe. */
static int event_cb(struct nl_msg *msg, void *arg)
{
	struct events_ctx *ctx = arg;
	struct synod_event_msg ev;
	struct synod_out o;
	int ret;

	ret = synod_event_parse(msg, &ev);
	if (ret == -ENOMSG)
		return 0;
	if (ret) {
		fprintf(stderr, "synodctl: malformed event ignored\n");
		return 0;
	}
	out_init(&o, stdout, ctx->req->json, ctx->req->pretty);
	synod_event_print(&o, &ev);
	out_end(&o);
	fflush(stdout);
	ctx->seen++;
	return ctx->req->count && ctx->seen >= ctx->req->count;
}

int synodctl_events(struct synod_nl *nl, const struct synodctl_req *req)
{
	struct events_ctx ctx = { .req = req, .seen = 0 };
	int ret;

	ret = synod_nl_subscribe(nl, SYNOD_MCGRP_EVENTS);
	if (!ret)
		ret = synod_nl_listen(nl, event_cb, &ctx);
	if (ret)
		synod_nl_perror(nl, "events", ret);
	return ret;
}
