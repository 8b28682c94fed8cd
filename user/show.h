/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding of the kernel's replies and events into plain structs, and
 * their printing through struct synod_out.  No socket here: the unit
 * tests build messages in memory and check both text and JSON.
 */
#ifndef SYNODCTL_SHOW_H
#define SYNODCTL_SHOW_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <netlink/msg.h>

#include <synod.h>

#include "lib/addr.h"
#include "lib/print.h"
#include "lib/util.h"

/* Which attributes a reply carried (name is required, the rest not). */
#define SYNOD_VOL_BACKING	(1u << 0)
#define SYNOD_VOL_DEVICE	(1u << 1)
#define SYNOD_VOL_SIZE		(1u << 2)
#define SYNOD_VOL_UUID		(1u << 3)
#define SYNOD_VOL_ROLE		(1u << 4)
#define SYNOD_VOL_FORMAT	(1u << 5)
#define SYNOD_VOL_REPL		(1u << 6)	/* replicated: repl is valid */
#define SYNOD_VOL_MAX_REQUEST	(1u << 7)

/* One peer of a replicated volume, from a SYNOD_A_VOLUME_PEER nest. */
struct synod_peer_info {
	uint32_t node;
	bool has_addr;
	struct sockaddr_storage addr;
	uint32_t state;			/* enum synod_peer_state */
	uint64_t match;			/* highest slot accepted there */
	bool voter;
	uint64_t refused;
	/* frames dropped on the authenticated link, by reason */
	uint64_t rejected_mac, rejected_replay, rejected_order;
	uint64_t unbound;		/* named data it did not send */
	uint64_t tx_again;		/* sent to it: refused by our growing ring */
	uint64_t tx_refused_large;	/* large payloads its link cannot carry */
	uint64_t rx_pieces;		/* PIECE frames taken from it */
	/* our link to it, while up: version (0: not up), enum synod_link_mac */
	uint32_t link_version;
	uint32_t link_mac;
};

/* The replicated state of a volume (absent attributes read as 0). */
struct synod_repl_info {
	char cluster[SYNOD_NAME_MAX + 1];
	uint32_t node;
	bool has_leader;		/* leader known */
	uint32_t leader;
	uint64_t ballot;
	uint64_t commit;
	uint64_t applied;
	bool quorum;
	uint32_t epoch;
	uint32_t q1, q2;		/* quorum sizes in effect; 0: not reported */
	uint64_t refused;
	uint64_t rejected;		/* every peer's rejected and unbound */
	uint64_t out_of_range;		/* writes refused outside the data area */
	uint64_t old_snapshots;		/* jumps on an older release's snapshot */
	uint64_t fast_reads;		/* leader reads past the engine */
	uint64_t catchup;
	/* state transfer: data area suspect; peer, progress in chunks */
	bool resync;
	bool has_resync_from;
	uint32_t resync_from;
	uint64_t resync_done;
	uint64_t resync_total;
	uint64_t resyncs;		/* transfers completed */
	uint32_t on_no_quorum;		/* enum synod_on_no_quorum */
	bool auto_promote;
	/*
	 * Completion latency histograms (SYNOD_A_VOLUME_LAT_*), log2 buckets
	 * of microseconds; has_lat: the kernel reported them.
	 */
	bool has_lat;
	uint64_t lat_write[SYNOD_LAT_BUCKETS];
	uint64_t lat_read[SYNOD_LAT_BUCKETS];
	uint32_t npeers;
	struct synod_peer_info peer[SYNOD_NODE_MAX + 1];
};

struct synod_volume {
	char name[SYNOD_NAME_MAX + 1];
	char backing[SYNOD_PATH_MAX + 1];
	char device[SYNOD_DEVPATH_MAX];	/* path, e.g. "/dev/synod0" */
	uint64_t size_bytes;		/* data area */
	uint8_t uuid[SYNOD_UUID_LEN];
	uint32_t role;			/* enum synod_role */
	uint32_t format;		/* on-disk format version */
	uint32_t max_request;		/* largest request, bytes */
	unsigned int have;		/* SYNOD_VOL_* */
	struct synod_repl_info repl;	/* if have & SYNOD_VOL_REPL */
};

struct synod_stats {
	uint64_t xdp_kfunc_calls;
};

struct synod_event_msg {
	uint32_t event;			/* enum synod_event */
	char name[SYNOD_NAME_MAX + 1];	/* "" if the event had none */
	bool has_role;			/* replicated events: role, ballot */
	uint32_t role;
	bool has_leader;
	uint32_t leader;
	uint64_t ballot;
	bool has_node;			/* peer events: which peer */
	uint32_t node;
};

/* show.c */
int synod_volume_parse(struct nl_msg *msg, struct synod_volume *vol);
void synod_volume_print(struct synod_out *o, const struct synod_volume *vol);
int synod_stats_parse(struct nl_msg *msg, struct synod_stats *st);
void synod_stats_print(struct synod_out *o, const struct synod_stats *st);
int synod_event_parse(struct nl_msg *msg, struct synod_event_msg *ev);
void synod_event_print(struct synod_out *o, const struct synod_event_msg *ev);

#endif /* SYNODCTL_SHOW_H */
