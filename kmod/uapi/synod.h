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
/*
 * The on-disk format (Documentation/ondisk.rst) volume create writes for a
 * replicated volume (a single-replica volume is format 0), as volume-format
 * reports it; synodctl -V names it beside the release.
 */
#define SYNOD_FORMAT_REPL	3

/* Longest volume name, without the terminating NUL. */
#define SYNOD_NAME_MAX		31
/* Longest backing device path, without the terminating NUL. */
#define SYNOD_PATH_MAX		255
/* Buckets of SYNOD_A_VOLUME_LAT_WRITE and _READ. */
#define SYNOD_LAT_BUCKETS	32

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
	SYNOD_EVENT_ROLE_CHANGED,	/* role, leader and ballot attributes follow */
	SYNOD_EVENT_PEER_CONNECTED,	/* SYNOD_A_PEER_NODE: link up and authenticated */
	SYNOD_EVENT_PEER_DISCONNECTED,	/* SYNOD_A_PEER_NODE: link lost */
	SYNOD_EVENT_QUORUM_LOST,	/* the leader cannot reach a quorum */
	SYNOD_EVENT_QUORUM_REGAINED,	/* the leader reaches a quorum again */
	SYNOD_EVENT_VOLUME_UP,		/* the replica takes part */
	SYNOD_EVENT_VOLUME_DOWN,	/* the replica stopped taking part */
	SYNOD_EVENT_PEER_ADDED,		/* membership change committed */
	SYNOD_EVENT_PEER_REMOVED,	/* membership change committed */
};

/* What a leader without quorum does with I/O (SYNOD_A_VOLUME_ON_NO_QUORUM). */
enum synod_on_no_quorum {
	SYNOD_NO_QUORUM_SUSPEND,	/* hold I/O until quorum returns (default) */
	SYNOD_NO_QUORUM_ERROR,		/* fail I/O with EIO at once */
};

/* State of the link to one peer (SYNOD_A_PEER_STATE). */
enum synod_peer_state {
	SYNOD_PEER_DOWN,	/* no connection, not trying (volume down) */
	SYNOD_PEER_CONNECTING,	/* connecting or retrying with backoff */
	SYNOD_PEER_CONNECTED,	/* authenticated both ways */
	SYNOD_PEER_SELF,	/* this entry is the replica itself */
};

/*
 * What authenticates the frames of the link to one peer
 * (SYNOD_A_PEER_LINK_MAC), decided by the link version the two ends
 * negotiated (Documentation/transport.rst).
 */
enum synod_link_mac {
	SYNOD_LINK_MAC_NONE,		/* CRC-32C only: test build, benchmark */
	SYNOD_LINK_MAC_HMAC_SHA256,	/* link v2: HMAC-SHA256, first 16 bytes */
	SYNOD_LINK_MAC_BLAKE2B,		/* link v3: keyed BLAKE2b-256, first 16 */
	SYNOD_LINK_MAC_POLY1305,	/* link v4: Poly1305, one-time keys */
};

/*
 * Attributes of one peer, nested in SYNOD_A_VOLUME_PEER (one nest per
 * peer, repeated).  Addresses are struct sockaddr_in or sockaddr_in6 in
 * network byte order, exactly as sizeof() says.
 */
enum synod_peer_attr {
	SYNOD_A_PEER_UNSPEC,
	SYNOD_A_PEER_PAD,
	SYNOD_A_PEER_NODE,	/* u32: node id, 0 .. 7 */
	SYNOD_A_PEER_ADDR,	/* binary: sockaddr_in/in6 it listens on */
	SYNOD_A_PEER_STATE,	/* u32: enum synod_peer_state */
	SYNOD_A_PEER_MATCH,	/* u64: highest slot known accepted there */
	SYNOD_A_PEER_VOTER,	/* flag: votes (absent: learner) */
	SYNOD_A_PEER_REFUSED,	/* u64: connections refused from this peer */
	/*
	 * u64: frames from this peer dropped on an authenticated link (each
	 * reset the link): MAC wrong (forged or corrupted), sequence number
	 * seen already (replayed), sequence number skipping ahead (frames
	 * removed); and payloads or messages naming data this peer did not
	 * itself send (UNBOUND: nothing reset, the frame is dropped).
	 */
	SYNOD_A_PEER_REJECTED_MAC,
	SYNOD_A_PEER_REJECTED_REPLAY,
	SYNOD_A_PEER_REJECTED_ORDER,
	SYNOD_A_PEER_UNBOUND,
	/*
	 * Our authenticated link to this peer, absent while it is not up:
	 * u32 link version negotiated in its handshake, u32 enum
	 * synod_link_mac of its frames.
	 */
	SYNOD_A_PEER_LINK_VERSION,
	SYNOD_A_PEER_LINK_MAC,
	/*
	 * u64: messages to this peer that our own send ring refused while
	 * it was growing (-EAGAIN); the replica resends what the peer has
	 * not acked at its next tick.  Many: the ring is too small for the
	 * load, or memory to grow it is short.
	 */
	SYNOD_A_PEER_TX_AGAIN,
	/*
	 * u64: attempts to send this peer a payload of more than one
	 * buffer refused because our link to it runs a version below 5,
	 * which cannot carry them; each resend counts (transport.rst,
	 * "Payloads in pieces").
	 */
	SYNOD_A_PEER_TX_REFUSED_LARGE,
	/* u64: PIECE frames taken from this peer (parts of large payloads) */
	SYNOD_A_PEER_RX_PIECES,

	__SYNOD_A_PEER_MAX,
	SYNOD_A_PEER_MAX = __SYNOD_A_PEER_MAX - 1
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
	SYNOD_A_VOLUME_CLUSTER,	/* string: replicated volume's name on the wire */
	SYNOD_A_VOLUME_NODE,	/* u32: this replica's node id, 0 .. 7 */
	SYNOD_A_VOLUME_LISTEN,	/* binary: sockaddr_in/in6 to listen on */
	SYNOD_A_VOLUME_PEER,	/* nested synod_peer_attr, repeated */
	SYNOD_A_VOLUME_SECRET,	/* binary: shared secret, 16 .. 64 bytes */
	SYNOD_A_VOLUME_Q1,	/* u32: phase-1 quorum size (0: majority) */
	SYNOD_A_VOLUME_Q2,	/* u32: phase-2 quorum size (0: majority) */
	SYNOD_A_VOLUME_ON_NO_QUORUM,	/* u32: enum synod_on_no_quorum */
	SYNOD_A_VOLUME_AUTO_PROMOTE,	/* flag: opening for write promotes */
	SYNOD_A_VOLUME_FORCE,	/* flag: "down --force", drop links at once */
	SYNOD_A_VOLUME_LEADER,	/* u32: leader's node id; absent if unknown */
	SYNOD_A_VOLUME_BALLOT,	/* u64: highest ballot seen (round << 8 | node) */
	SYNOD_A_VOLUME_COMMIT,	/* u64: highest slot known chosen */
	SYNOD_A_VOLUME_APPLIED,	/* u64: highest slot applied to the data area */
	SYNOD_A_VOLUME_QUORUM,	/* u8: 1 if a quorum is reachable */
	SYNOD_A_VOLUME_EPOCH,	/* u32: membership epoch */
	SYNOD_A_VOLUME_REPLICATED,	/* flag: a replicated volume (else single) */
	SYNOD_A_VOLUME_REFUSED,	/* u64: connections refused (auth, cluster, version, node) */
	SYNOD_A_VOLUME_CATCHUP,	/* u64: slots still to catch up (0: current) */
	/*
	 * binary: SYNOD_LAT_BUCKETS little-endian u64 counters of completed
	 * requests by latency from first dispatch, in microseconds: bucket
	 * b counts latencies in [2^b, 2^(b+1)) us; bucket 0 also those
	 * under 1 us, the last one also everything longer.
	 */
	SYNOD_A_VOLUME_LAT_WRITE,
	SYNOD_A_VOLUME_LAT_READ,	/* binary: the same, for reads */
	/*
	 * State transfer.  RESYNC (u8) is 1 while the data area is suspect
	 * (a transfer is due or running; the replica neither campaigns nor
	 * serves); while one runs, RESYNC_FROM (u32) is the peer copied
	 * from and RESYNC_DONE/RESYNC_TOTAL (u64) count 16 KiB chunks.
	 * RESYNCS (u64) counts transfers completed since create/attach.
	 */
	SYNOD_A_VOLUME_RESYNC,
	SYNOD_A_VOLUME_RESYNC_FROM,
	SYNOD_A_VOLUME_RESYNC_DONE,
	SYNOD_A_VOLUME_RESYNC_TOTAL,
	SYNOD_A_VOLUME_RESYNCS,
	/* u64: sum over peers of every SYNOD_A_PEER_REJECTED_* and UNBOUND */
	SYNOD_A_VOLUME_REJECTED,
	SYNOD_A_VOLUME_OUT_OF_RANGE,	/* u64: writes refused, outside the data area */
	/*
	 * u64: state-transfer jumps taken on a snapshot offered by a peer of
	 * a release before the entries of a snapshot (protocol.rst): the
	 * jump kept this replica's own membership.
	 */
	SYNOD_A_VOLUME_OLD_SNAPSHOTS,
	/*
	 * flag, create of a replicated volume: requests of at most 16 KiB
	 * and no on-disk flag LARGE, for clusters that still run modules of
	 * before large requests (Documentation/admin-guide.rst)
	 */
	SYNOD_A_VOLUME_SMALL_REQUESTS,
	/*
	 * u32: the largest request the volume's device takes, in bytes (its
	 * queue's max_hw_sectors): 1 MiB on a replicated volume with large
	 * requests (on-disk flag LARGE), 16 KiB on one without, the backing
	 * device's on a single replica
	 */
	SYNOD_A_VOLUME_MAX_REQUEST,
	/*
	 * u64: reads the leader served under its lease from the data area
	 * without entering the replica engine (kmod/fastread.c), since the
	 * volume was created or attached
	 */
	SYNOD_A_VOLUME_FAST_READS,

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
	SYNOD_CMD_VOLUME_UP,		/* name: connect to peers, take part */
	SYNOD_CMD_VOLUME_DOWN,		/* name [force]: leave, disconnect */
	SYNOD_CMD_VOLUME_PROMOTE,	/* name: campaign to become leader now */
	SYNOD_CMD_VOLUME_DEMOTE,	/* name: step down as leader */
	SYNOD_CMD_PEER_ADD,		/* name, one peer nest: add via the log */
	SYNOD_CMD_PEER_REMOVE,		/* name, one peer nest (node): remove */

	__SYNOD_CMD_MAX,
	SYNOD_CMD_MAX = __SYNOD_CMD_MAX - 1
};

#endif /* _UAPI_SYNOD_H */
