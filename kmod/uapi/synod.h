/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * synod generic netlink interface, shared by the module and synodctl.
 *
 * Documentation/netlink/specs/synod.yaml is the specification; this header
 * must agree with it.  Attribute and command numbers are ABI: append only.
 */
#ifndef _UAPI_SYNOD_H
#define _UAPI_SYNOD_H

#define SYNOD_FAMILY_NAME	"synod"
#define SYNOD_FAMILY_VERSION	1
#define SYNOD_MCGRP_EVENTS	"events"

/* Longest volume name, without the terminating NUL. */
#define SYNOD_NAME_MAX		31
/* Longest backing device path, without the terminating NUL. */
#define SYNOD_PATH_MAX		255

/* Role of a replica, as reported in SYNOD_A_VOLUME_ROLE. */
enum synod_role {
	SYNOD_ROLE_DOWN,	/* configured, not taking part */
	SYNOD_ROLE_FOLLOWER,	/* accepts the leader's writes, serves no I/O */
	SYNOD_ROLE_CANDIDATE,	/* running phase 1 to become leader */
	SYNOD_ROLE_LEADER,	/* serves reads and writes */
	SYNOD_ROLE_LEARNER,	/* non-voting, catching up */
};

/* What happened, as reported in SYNOD_A_EVENT on the events group. */
enum synod_event {
	SYNOD_EVENT_UNSPEC,
	SYNOD_EVENT_VOLUME_CREATED,	/* a new volume and its disk exist */
	SYNOD_EVENT_VOLUME_ATTACHED,	/* a volume came back from its superblock */
	SYNOD_EVENT_VOLUME_DELETED,	/* the disk is gone, backing released */
};

enum synod_attr {
	SYNOD_A_UNSPEC,
	SYNOD_A_PAD,		/* padding for 64-bit attributes */
	SYNOD_A_VOLUME_NAME,	/* string: local volume name */
	SYNOD_A_VOLUME_BACKING,	/* string: path of the backing block device */
	SYNOD_A_VOLUME_DEVICE,	/* string: disk name, e.g. "synod0" */
	SYNOD_A_VOLUME_SIZE,	/* u64: data area size in bytes */
	SYNOD_A_VOLUME_UUID,	/* binary[16]: volume UUID from the superblock */
	SYNOD_A_VOLUME_ROLE,	/* u32: enum synod_role */
	SYNOD_A_VOLUME_FORMAT,	/* u32: on-disk format version */
	SYNOD_A_STATS_XDP_KFUNC_CALLS,	/* u64: times the XDP kfunc ran */
	SYNOD_A_EVENT,		/* u32: enum synod_event */

	__SYNOD_A_MAX,
	SYNOD_A_MAX = __SYNOD_A_MAX - 1
};

enum synod_cmd {
	SYNOD_CMD_UNSPEC,
	SYNOD_CMD_VOLUME_CREATE,	/* name, backing: format and create */
	SYNOD_CMD_VOLUME_ATTACH,	/* name, backing: bring back from sb */
	SYNOD_CMD_VOLUME_DELETE,	/* name: remove disk, release backing */
	SYNOD_CMD_VOLUME_GET,		/* do with name, or dump all */
	SYNOD_CMD_STATS_GET,		/* module-wide counters */
	SYNOD_CMD_EVENT,		/* notification on the events group */

	__SYNOD_CMD_MAX,
	SYNOD_CMD_MAX = __SYNOD_CMD_MAX - 1
};

#endif /* _UAPI_SYNOD_H */
