/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding of the kernel's replies and events into plain structs, and
 * their printing through struct synod_out.  No socket here: the unit
 * tests build messages in memory and check both text and JSON.
 */
#ifndef SYNODCTL_SHOW_H
#define SYNODCTL_SHOW_H

#include <stdint.h>

#include <netlink/msg.h>

#include <synod.h>

#include "lib/print.h"
#include "lib/util.h"

/* Which attributes a reply carried (name is required, the rest not). */
#define SYNOD_VOL_BACKING	(1u << 0)
#define SYNOD_VOL_DEVICE	(1u << 1)
#define SYNOD_VOL_SIZE		(1u << 2)
#define SYNOD_VOL_UUID		(1u << 3)
#define SYNOD_VOL_ROLE		(1u << 4)
#define SYNOD_VOL_FORMAT	(1u << 5)

struct synod_volume {
	char name[SYNOD_NAME_MAX + 1];
	char backing[SYNOD_PATH_MAX + 1];
	char device[SYNOD_DEVPATH_MAX];	/* path, e.g. "/dev/synod0" */
	uint64_t size_bytes;		/* data area */
	uint8_t uuid[SYNOD_UUID_LEN];
	uint32_t role;			/* enum synod_role */
	uint32_t format;		/* on-disk format version */
	unsigned int have;		/* SYNOD_VOL_* */
};

struct synod_stats {
	uint64_t xdp_kfunc_calls;
};

struct synod_event_msg {
	uint32_t event;			/* enum synod_event */
	char name[SYNOD_NAME_MAX + 1];	/* "" if the event had none */
};

/* show.c */
int synod_volume_parse(struct nl_msg *msg, struct synod_volume *vol);
void synod_volume_print(struct synod_out *o, const struct synod_volume *vol);
int synod_stats_parse(struct nl_msg *msg, struct synod_stats *st);
void synod_stats_print(struct synod_out *o, const struct synod_stats *st);
int synod_event_parse(struct nl_msg *msg, struct synod_event_msg *ev);
void synod_event_print(struct synod_out *o, const struct synod_event_msg *ev);

#endif /* SYNODCTL_SHOW_H */
