/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synodctl: the administrator's netlink client for the synod module.
 *
 * main() parses argv into a struct synodctl_req (parse.c, no netlink, unit
 * tested), opens the generic netlink family (nl.c) and calls the handler
 * of the requested operation (volume.c, stats.c, events.c).
 */
#ifndef SYNODCTL_H
#define SYNODCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/print.h"

#define SYNODCTL_EXIT_OK	0
#define SYNODCTL_EXIT_FAIL	1	/* the kernel or the system said no */
#define SYNODCTL_EXIT_USAGE	2	/* the command line is wrong */

enum synodctl_op {
	SYNODCTL_OP_HELP,
	SYNODCTL_OP_VERSION,
	SYNODCTL_OP_VOLUME_CREATE,
	SYNODCTL_OP_VOLUME_ATTACH,
	SYNODCTL_OP_VOLUME_DELETE,
	SYNODCTL_OP_STATUS,
	SYNODCTL_OP_STATS,
	SYNODCTL_OP_EVENTS,
	SYNODCTL_OP_COUNT
};

/* One parsed command line.  Strings point into argv. */
struct synodctl_req {
	enum synodctl_op op;
	const char *name;	/* volume name, NULL if none given */
	const char *backing;	/* --backing DEV, NULL if none given */
	uint32_t count;		/* events --count N; 0 means run forever */
	bool json;		/* -j */
	bool pretty;		/* -p */
};

struct synod_nl;

/* parse.c */
int synodctl_parse(int argc, char **argv, struct synodctl_req *req,
		   char *err, size_t err_len);
void synodctl_usage(FILE *fp);

/* volume.c */
int synodctl_volume_create(struct synod_nl *nl, const struct synodctl_req *req);
int synodctl_volume_attach(struct synod_nl *nl, const struct synodctl_req *req);
int synodctl_volume_delete(struct synod_nl *nl, const struct synodctl_req *req);
int synodctl_status(struct synod_nl *nl, const struct synodctl_req *req);

/* stats.c */
int synodctl_stats(struct synod_nl *nl, const struct synodctl_req *req);

/* events.c */
int synodctl_events(struct synod_nl *nl, const struct synodctl_req *req);

#endif /* SYNODCTL_H */
