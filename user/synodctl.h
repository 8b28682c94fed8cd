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

#include <sys/socket.h>

#include "lib/addr.h"
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
	SYNODCTL_OP_VOLUME_UP,
	SYNODCTL_OP_VOLUME_DOWN,
	SYNODCTL_OP_VOLUME_PROMOTE,
	SYNODCTL_OP_VOLUME_DEMOTE,
	SYNODCTL_OP_PEER_ADD,
	SYNODCTL_OP_PEER_REMOVE,
	SYNODCTL_OP_STATUS,
	SYNODCTL_OP_STATS,
	SYNODCTL_OP_EVENTS,
	SYNODCTL_OP_VOLUME_UPGRADE,	/* offline: no netlink (upgrade.c) */
	SYNODCTL_OP_COUNT
};

/* A peer on the command line: --peer ID=ADDR:PORT, or peer add/remove. */
struct synodctl_peer {
	uint32_t node;			/* 0 .. SYNOD_NODE_MAX */
	struct sockaddr_storage addr;	/* sockaddr_in/in6, if has_addr */
	bool has_addr;
};

/*
 * volume create options of a replicated volume; node_set decides whether
 * the volume is replicated at all.  The secret file is read only when
 * the request is sent (volume.c), not while parsing.
 */
struct synodctl_repl {
	bool node_set;			/* --node given */
	uint32_t node;
	bool listen_set;		/* --listen given */
	struct sockaddr_storage listen;
	uint32_t npeers;		/* --peer, in command-line order */
	struct synodctl_peer peer[SYNOD_NODE_MAX + 1];
	const char *secret_file;	/* --secret-file FILE (also attach) */
	const char *cluster;		/* --cluster NAME, NULL: volume name */
	uint32_t q1, q2;		/* --q1/--q2, 0: not given (majority) */
	bool on_no_quorum_set;
	uint32_t on_no_quorum;		/* enum synod_on_no_quorum */
	bool auto_promote;		/* --auto-promote */
	bool small_requests;		/* --small-requests: 16 KiB, no LARGE */
	const char *first_opt;		/* first option seen, for messages */
};

/* One parsed command line.  Strings point into argv. */
struct synodctl_req {
	enum synodctl_op op;
	const char *name;	/* volume name, NULL if none given */
	const char *backing;	/* --backing DEV, NULL if none given */
	uint32_t count;		/* events --count N; 0 means run forever */
	bool json;		/* -j */
	bool pretty;		/* -p */
	bool force;		/* volume down --force; create --force */
	bool large_requests;	/* volume upgrade --large-requests */
	bool peer_set;		/* peer add/remove: ID[=ADDR:PORT] given */
	struct synodctl_peer peer;	/* ... and what it said */
	struct synodctl_repl repl;	/* volume create, replicated */
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
int synodctl_volume_up(struct synod_nl *nl, const struct synodctl_req *req);
int synodctl_volume_down(struct synod_nl *nl, const struct synodctl_req *req);
int synodctl_volume_promote(struct synod_nl *nl, const struct synodctl_req *req);
int synodctl_volume_demote(struct synod_nl *nl, const struct synodctl_req *req);
int synodctl_peer_add(struct synod_nl *nl, const struct synodctl_req *req);
int synodctl_peer_remove(struct synod_nl *nl, const struct synodctl_req *req);
int synodctl_status(struct synod_nl *nl, const struct synodctl_req *req);
struct nl_msg;
int synodctl_put_repl(struct nl_msg *msg, const struct synodctl_repl *r,
		      const uint8_t *secret, size_t secret_len);

/* upgrade.c: works on a backing device no volume holds, without netlink */
int synodctl_volume_upgrade(const struct synodctl_req *req);
int synodctl_upgrade_large(const char *dev, bool file);

/* stats.c */
int synodctl_stats(struct synod_nl *nl, const struct synodctl_req *req);

/* events.c */
int synodctl_events(struct synod_nl *nl, const struct synodctl_req *req);

#endif /* SYNODCTL_H */
