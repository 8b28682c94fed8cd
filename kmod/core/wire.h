/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synod wire protocol, version 1: the decoded form of every consensus
 * message and its little-endian encoding.
 *
 * Documentation/protocol.rst describes each message.  Encoding and decoding
 * happen only here, byte by byte: no packed struct of the wire layout exists,
 * struct synod_msg is the native form that the replica consumes and emits.
 * Decoding arbitrary bytes never reads outside the buffer and rejects
 * anything malformed with a reason code, so that a refusal can be counted
 * and logged by the glue.
 *
 * Layout (all integers little-endian):
 *
 *   header, 40 bytes
 *     0  magic    u32  SYNOD_WIRE_MAGIC
 *     4  version  u16  SYNOD_WIRE_VERSION
 *     6  type     u8   enum synod_msg_type
 *     7  flags    u8   SYNOD_MSGF_*
 *     8  volume   u64  volume id, both ends must agree
 *    16  from     u16  sender node id
 *    18  to       u16  receiver node id
 *    20  epoch    u32  sender's membership epoch
 *    24  ballot   u64  round << 8 | node id
 *    32  length   u32  whole message, header included
 *    36  crc      u32  CRC-32C of the whole message with this field zero
 *   body, 44 bytes
 *    40  slot     u64  type-specific (first slot)
 *    48  slot_hi  u64  type-specific (last slot)
 *    56  commit   u64  sender's contiguous chosen prefix
 *    64  time     u64  send time, sender's raw clock (ns): HEARTBEAT,
 *                       ACCEPT, FETCH; echoed by HEARTBEAT_ACK, CATCHUP
 *    72  aux      u64  type-specific (promised ballot in a refusal;
 *                       HEARTBEAT: the slot every voter had chosen up to,
 *                       as the leader knows, 0 from older modules;
 *                       ACCEPTED: the first slot past the sender's
 *                       chosen prefix its log lacks, if below slot,
 *                       else 0, as from older modules; PROMISE with
 *                       PART: the last slot it reports)
 *    80  count    u16  number of entries that follow
 *    82  pad      u16  zero
 *   entries, count times
 *     0  slot     u64
 *     8  ballot   u64  ballot in which the sender accepted it
 *    16  kind     u8   enum synod_entry_kind
 *    17  nwrites  u8   writes in a WRITE entry
 *    18  eflags   u8   SYNOD_ENTF_*
 *    19  pad      u8   zero
 *    20  WRITE:  nwrites * { block u64, ref u64 }
 *        CONFIG: epoch u32, voters u32, learners u32, q1 u8, q2 u8, pad u16
 *        NOOP:   nothing
 */
#ifndef SYNOD_CORE_WIRE_H
#define SYNOD_CORE_WIRE_H

#include "env.h"

#define SYNOD_WIRE_MAGIC	0x444e5953u	/* "SYND" */
#define SYNOD_WIRE_VERSION	1u
#define SYNOD_WIRE_HDR_LEN	40u
#define SYNOD_WIRE_TYPE_OFF	6u	/* the type byte, read before decoding */
#define SYNOD_WIRE_BODY_LEN	44u
#define SYNOD_WIRE_ENTRY_LEN	20u
#define SYNOD_WIRE_WRITE_LEN	16u
#define SYNOD_WIRE_CONFIG_LEN	16u

/* Node ids are 0 .. SYNOD_NODES_MAX - 1; sets of nodes are u32 bitmasks. */
#define SYNOD_NODES_MAX		8u
/* Writes carried by one slot: the group-commit batch. */
#ifndef SYNOD_BATCH_MAX
#define SYNOD_BATCH_MAX		4u
#endif
/* Entries carried by one message; also bounds phase-1 recovery. */
#ifndef SYNOD_MSG_ENTRIES_MAX
#define SYNOD_MSG_ENTRIES_MAX	32u
#endif

#define SYNOD_WIRE_MAX_LEN	(SYNOD_WIRE_HDR_LEN + SYNOD_WIRE_BODY_LEN + \
				 SYNOD_MSG_ENTRIES_MAX * \
				 (SYNOD_WIRE_ENTRY_LEN + \
				  SYNOD_BATCH_MAX * SYNOD_WIRE_WRITE_LEN))

/* Ballots: round in the high 56 bits, proposer node id in the low 8. */
static inline u64 synod_ballot_make(u64 round, u32 node)
{
	return (round << 8) | (node & 0xff);
}

static inline u64 synod_ballot_round(u64 ballot)
{
	return ballot >> 8;
}

static inline u32 synod_ballot_node(u64 ballot)
{
	return (u32)(ballot & 0xff);
}

enum synod_msg_type {
	SYNOD_MSG_PREPARE = 1,	 /* phase 1a: slot = first slot asked */
	SYNOD_MSG_PROMISE,	 /* phase 1b: entries = accepted from slot */
	SYNOD_MSG_ACCEPT,	 /* phase 2a: entries to accept */
	SYNOD_MSG_ACCEPTED,	 /* phase 2b: [slot, slot_hi] durably accepted */
	SYNOD_MSG_HEARTBEAT,	 /* leader alive; commit; time = send time */
	SYNOD_MSG_HEARTBEAT_ACK, /* lease grant / read-index ack; time echoed */
	SYNOD_MSG_FETCH,	 /* catch-up request: chosen entries from slot */
	SYNOD_MSG_CATCHUP,	 /* chosen entries, or SNAPSHOT; time echoed */
	SYNOD_MSG_PREVOTE,	 /* would you promise ballot? slot = round id */
	SYNOD_MSG_PREVOTE_REPLY, /* yes, or NACK + reason; ballot, slot echoed */
	SYNOD_MSG_TYPE_MAX = SYNOD_MSG_PREVOTE_REPLY,
};

/* Message flags. */
#define SYNOD_MSGF_NACK		0x01	/* refused; aux = promised ballot */
#define SYNOD_MSGF_TOO_FAR	0x02	/* PROMISE: cannot report, catch up */
#define SYNOD_MSGF_SNAPSHOT	0x04	/* CATCHUP: asked slots trimmed */
#define SYNOD_MSGF_LEASE	0x08	/* PREPARE refused: lease in force */
#define SYNOD_MSGF_EPOCH	0x10	/* refused: sender's epoch is stale */
#define SYNOD_MSGF_LEADER	0x20	/* PREVOTE refused: a leader is alive */
/*
 * PROMISE: reports only slots [slot, aux], cut by bytes (the glue: its
 * entries' payloads past what a send ring takes); the candidate asks
 * again past it (phase1.c, cut_chunk()).  A module that knows no PART
 * refuses the frame, which is safe: it never takes a cut promise for a
 * whole one.
 */
#define SYNOD_MSGF_PART		0x40
#define SYNOD_MSGF_ALL		0x7f

enum synod_entry_kind {
	SYNOD_ENTRY_NOOP = 1,	/* fills a gap found by phase 1 */
	SYNOD_ENTRY_WRITE,	/* a batch of block writes */
	SYNOD_ENTRY_CONFIG,	/* a membership change */
};

/*
 * aux of a CATCHUP|SNAPSHOT: the sender's checkpoint (its applied_durable,
 * which its data area holds even after a crash), with one CONFIG entry
 * (slot = aux, not flagged chosen) carrying the configuration in effect
 * there.  SYNOD_CKPT_NONE: the sender cannot serve a transfer (its own
 * data area is being copied); no entry.  0: the sender is a module from
 * before this release (it left aux zero and sent no entry):
 * Documentation/protocol.rst, "Catch-up and state transfer".
 */
#define SYNOD_CKPT_NONE		(~0ull)

/* Entry flags. */
#define SYNOD_ENTF_CHOSEN	0x01	/* sender knows this value is chosen */
#define SYNOD_ENTF_ALL		0x01

/*
 * One block write inside a slot.  The payload travels by reference: @ref
 * names it for the glue (a page in the module, a small value in the sim).
 */
struct synod_write {
	u64 block;	/* logical block number on the volume */
	u64 ref;	/* payload reference, opaque to the core */
};

/* A membership configuration: who votes, who learns, quorum sizes. */
struct synod_config {
	u32 epoch;	/* bumps by one per committed change */
	u32 voters;	/* bitmask of voting node ids */
	u32 learners;	/* bitmask of non-voting node ids */
	u8 q1;		/* phase-1 quorum size, q1 + q2 > |voters| */
	u8 q2;		/* phase-2 quorum size */
};

/* One log entry: the value of a slot and the ballot it was accepted in. */
struct synod_entry {
	u64 slot;
	u64 ballot;
	u8 kind;		/* enum synod_entry_kind */
	u8 nwrites;		/* WRITE: valid elements of w[] */
	u8 flags;		/* SYNOD_ENTF_* */
	struct synod_write w[SYNOD_BATCH_MAX];
	struct synod_config cfg;	/* CONFIG only */
};

/* A decoded message.  Large: never put one on the kernel stack. */
struct synod_msg {
	u8 type;
	u8 flags;
	u16 from;
	u16 to;
	u32 epoch;
	u64 volume;
	u64 ballot;
	u64 slot;
	u64 slot_hi;
	u64 commit;
	u64 time;
	u64 aux;
	u32 count;
	struct synod_entry e[SYNOD_MSG_ENTRIES_MAX];
};

/* Why a buffer was refused; 0 means accepted. */
enum synod_wire_err {
	SYNOD_WIRE_OK = 0,
	SYNOD_WIRE_SHORT,	/* shorter than a header */
	SYNOD_WIRE_MAGIC_BAD,
	SYNOD_WIRE_VERSION_BAD,
	SYNOD_WIRE_TYPE_BAD,
	SYNOD_WIRE_FLAGS_BAD,
	SYNOD_WIRE_LENGTH_BAD,	/* length field disagrees with buffer */
	SYNOD_WIRE_CRC_BAD,
	SYNOD_WIRE_NODE_BAD,	/* from/to out of range or equal */
	SYNOD_WIRE_BODY_BAD,	/* body truncated or padding not zero */
	SYNOD_WIRE_COUNT_BAD,	/* too many entries, or entries not allowed */
	SYNOD_WIRE_ENTRY_BAD,	/* entry kind, size or fields malformed */
	SYNOD_WIRE_TRAILING,	/* bytes after the last entry */
	SYNOD_WIRE_ERR_MAX,
};

/* wire.c */
const char *synod_wire_err_name(int err);
bool synod_msg_type_valid(u32 type);
u8 synod_msg_flags_allowed(u32 type);
u32 synod_wire_size(const struct synod_msg *m);
u32 synod_wire_encode(const struct synod_msg *m, u8 *buf, u32 cap);
int synod_wire_decode(const u8 *buf, u32 len, struct synod_msg *m);
bool synod_block_range_ok(u64 block, u64 sectors, u64 capacity);

#endif /* SYNOD_CORE_WIRE_H */
