// SPDX-License-Identifier: GPL-2.0
/*
 * synodctl: configure and inspect synod volumes over generic netlink.
 *
 * main() only orders the steps: parse the command line (usage errors exit
 * 2 before any socket is opened), connect, run one handler, and turn its
 * result into an exit status (1 for any failure the kernel or system
 * reported).
 */
#include <stdio.h>

#include <synod.h>

#include "synodctl.h"
#include "nl.h"

/* The synod release, from user.mk; ondisk.rst's history names it. */
#ifndef SYNOD_VERSION
#define SYNOD_VERSION "0.3.0"
#endif

typedef int (*synodctl_handler)(struct synod_nl *nl,
				const struct synodctl_req *req);

static const synodctl_handler handlers[SYNODCTL_OP_COUNT] = {
	[SYNODCTL_OP_VOLUME_CREATE] = synodctl_volume_create,
	[SYNODCTL_OP_VOLUME_ATTACH] = synodctl_volume_attach,
	[SYNODCTL_OP_VOLUME_DELETE] = synodctl_volume_delete,
	[SYNODCTL_OP_VOLUME_UP] = synodctl_volume_up,
	[SYNODCTL_OP_VOLUME_DOWN] = synodctl_volume_down,
	[SYNODCTL_OP_VOLUME_PROMOTE] = synodctl_volume_promote,
	[SYNODCTL_OP_VOLUME_DEMOTE] = synodctl_volume_demote,
	[SYNODCTL_OP_PEER_ADD] = synodctl_peer_add,
	[SYNODCTL_OP_PEER_REMOVE] = synodctl_peer_remove,
	[SYNODCTL_OP_STATUS] = synodctl_status,
	[SYNODCTL_OP_STATS] = synodctl_stats,
	[SYNODCTL_OP_EVENTS] = synodctl_events,
};

/* Output that could not be written is a failure, e.g. a full disk. */
static int finish_stdout(int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "synodctl: write error on standard output\n");
		return SYNODCTL_EXIT_FAIL;
	}
	return status;
}

int main(int argc, char **argv)
{
	struct synodctl_req req;
	struct synod_nl nl;
	char err[256];
	int ret;

	if (synodctl_parse(argc, argv, &req, err, sizeof(err))) {
		fprintf(stderr, "synodctl: %s\n", err);
		fprintf(stderr, "Try 'synodctl help' for more information.\n");
		return SYNODCTL_EXIT_USAGE;
	}
	if (req.op == SYNODCTL_OP_HELP) {
		synodctl_usage(stdout);
		return finish_stdout(SYNODCTL_EXIT_OK);
	}
	if (req.op == SYNODCTL_OP_VERSION) {
		printf("synodctl %s (netlink family %s version %d, on-disk format %d)\n",
		       SYNOD_VERSION, SYNOD_FAMILY_NAME, SYNOD_FAMILY_VERSION,
		       SYNOD_FORMAT_REPL);
		return finish_stdout(SYNODCTL_EXIT_OK);
	}
	/* offline: the module need not even be loaded */
	if (req.op == SYNODCTL_OP_VOLUME_UPGRADE)
		return finish_stdout(synodctl_volume_upgrade(&req) ?
				     SYNODCTL_EXIT_FAIL : SYNODCTL_EXIT_OK);
	if (synod_nl_open(&nl))
		return SYNODCTL_EXIT_FAIL;
	ret = handlers[req.op](&nl, &req);
	synod_nl_close(&nl);
	return finish_stdout(ret ? SYNODCTL_EXIT_FAIL : SYNODCTL_EXIT_OK);
}
