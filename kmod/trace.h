/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints at each stage of a replicated request, for perf, ftrace and
 * eBPF tools (events/synod/ in tracefs).  A request is named by @req, the
 * id the consensus core knows it by (generation << 16 | tag); entries of
 * the log by @slot.  Times are on the raw monotonic clock, in ns.
 *
 *   synod_rq_queued        the engine took the request from the disk, or a
 *                          read went past it (fastread.c: then completed
 *                          is its only other stage)
 *   synod_rq_proposed      handed to the core (a write proposed, a read
 *                          waiting on its lease or read-index)
 *   synod_journal_durable  a group commit of journal records is durable
 *   synod_slot_chosen      an entry is chosen and about to be applied; on
 *                          the leader this is "quorum reached" (a phase-2
 *                          quorum accepted it), on a follower the moment
 *                          it learned so
 *   synod_rq_applied       a chosen entry reached the data area
 *   synod_rq_completed     the request completed, with its latency from
 *                          first dispatch
 *
 * and, to split the accept round (proposed -> chosen) into its hops:
 *
 *   synod_msg_out          the engine queued a consensus message to a peer
 *   synod_msg_in           the engine took one from a peer, decoded
 *   synod_link_tx          a frame is about to be written to the socket
 *   synod_link_rx          a frame was read, its tag checked, and handed
 *                          to the replica (joined with synod_link_tx by
 *                          cluster, the two nodes and the sequence number)
 *
 * Fields are plain integers and the volume (or cluster) name so that
 * tools need no synod headers.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM synod

#if !defined(SYNOD_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define SYNOD_TRACE_H

#include <linux/tracepoint.h>

#include "compat.h"
#include "core/wire.h"

TRACE_EVENT(synod_rq_queued,
	TP_PROTO(const char *volume, u64 req, u32 op, u64 sector, u32 bytes),
	TP_ARGS(volume, req, op, sector, bytes),
	TP_STRUCT__entry(
		__string(volume, volume)
		__field(u64, req)
		__field(u32, op)
		__field(u64, sector)
		__field(u32, bytes)
	),
	TP_fast_assign(
		synod_assign_str(volume, volume);
		__entry->req = req;
		__entry->op = op;
		__entry->sector = sector;
		__entry->bytes = bytes;
	),
	TP_printk("volume=%s req=%#llx op=%u sector=%llu bytes=%u",
		  __get_str(volume), __entry->req, __entry->op,
		  __entry->sector, __entry->bytes)
);

/*
 * @next_slot: the leader's next free slot after the hand-over.  Writes
 * are batched into entries, so a write lands in next_slot - 1 or, if its
 * entry is still open, a later one; reads take no slot.  @status is the
 * core's answer (0: accepted, else it will be refused).
 */
TRACE_EVENT(synod_rq_proposed,
	TP_PROTO(u64 req, u32 op, u64 next_slot, int status),
	TP_ARGS(req, op, next_slot, status),
	TP_STRUCT__entry(
		__field(u64, req)
		__field(u64, next_slot)
		__field(u32, op)
		__field(int, status)
	),
	TP_fast_assign(
		__entry->req = req;
		__entry->next_slot = next_slot;
		__entry->op = op;
		__entry->status = status;
	),
	TP_printk("req=%#llx op=%u next_slot=%llu status=%d",
		  __entry->req, __entry->op, __entry->next_slot,
		  __entry->status)
);

TRACE_EVENT(synod_journal_durable,
	TP_PROTO(const char *volume, u32 records, u64 seq, u64 ns),
	TP_ARGS(volume, records, seq, ns),
	TP_STRUCT__entry(
		__string(volume, volume)
		__field(u32, records)
		__field(u64, seq)
		__field(u64, ns)
	),
	TP_fast_assign(
		synod_assign_str(volume, volume);
		__entry->records = records;
		__entry->seq = seq;
		__entry->ns = ns;
	),
	TP_printk("volume=%s records=%u seq=%llu ns=%llu",
		  __get_str(volume), __entry->records, __entry->seq,
		  __entry->ns)
);

/* One log entry (@slot, carrying @writes writes) at a stage of its life. */
DECLARE_EVENT_CLASS(synod_slot,
	TP_PROTO(const char *volume, u64 slot, u32 writes, bool leader),
	TP_ARGS(volume, slot, writes, leader),
	TP_STRUCT__entry(
		__string(volume, volume)
		__field(u64, slot)
		__field(u32, writes)
		__field(u32, leader)
	),
	TP_fast_assign(
		synod_assign_str(volume, volume);
		__entry->slot = slot;
		__entry->writes = writes;
		__entry->leader = leader;
	),
	TP_printk("volume=%s slot=%llu writes=%u leader=%u",
		  __get_str(volume), __entry->slot, __entry->writes,
		  __entry->leader)
);

DEFINE_EVENT(synod_slot, synod_slot_chosen,
	TP_PROTO(const char *volume, u64 slot, u32 writes, bool leader),
	TP_ARGS(volume, slot, writes, leader)
);

DEFINE_EVENT(synod_slot, synod_rq_applied,
	TP_PROTO(const char *volume, u64 slot, u32 writes, bool leader),
	TP_ARGS(volume, slot, writes, leader)
);

/*
 * @status: 0 or a negative errno; @op: REQ_OP_*.  @slot: for a write
 * that completed because its slot was chosen, that slot (the join with
 * synod_slot_chosen and synod_rq_applied that attributes its time to a
 * stage); 0 for reads, flushes, refusals and failed writes.  Requests of
 * single-replica volumes do not fire it.
 */
TRACE_EVENT(synod_rq_completed,
	TP_PROTO(const char *volume, u64 req, u32 op, int status,
		 u64 latency_ns, u64 slot),
	TP_ARGS(volume, req, op, status, latency_ns, slot),
	TP_STRUCT__entry(
		__string(volume, volume)
		__field(u64, req)
		__field(u64, latency_ns)
		__field(u64, slot)
		__field(u32, op)
		__field(int, status)
	),
	TP_fast_assign(
		synod_assign_str(volume, volume);
		__entry->req = req;
		__entry->latency_ns = latency_ns;
		__entry->slot = slot;
		__entry->op = op;
		__entry->status = status;
	),
	TP_printk("volume=%s req=%#llx op=%u status=%d latency_ns=%llu slot=%llu",
		  __get_str(volume), __entry->req, __entry->op,
		  __entry->status, __entry->latency_ns, __entry->slot)
);

/*
 * One consensus message between the engine and the transport.  @lo and
 * @hi are the slots it is about: an ACCEPT's first and last entry, an
 * ACCEPTED's acknowledged range, otherwise its slot field (0 for
 * messages about no slot).  @peer is the node it goes to or came from;
 * @flags the message's SYNOD_MSGF_* (1: a refusal, not an answer).
 */
DECLARE_EVENT_CLASS(synod_msg,
	TP_PROTO(const char *volume, const struct synod_msg *m, u32 peer),
	TP_ARGS(volume, m, peer),
	TP_STRUCT__entry(
		__string(volume, volume)
		__field(u64, lo)
		__field(u64, hi)
		__field(u32, peer)
		__field(u32, type)
		__field(u32, flags)
		__field(u32, count)
	),
	TP_fast_assign(
		synod_assign_str(volume, volume);
		__entry->lo = m->count ? m->e[0].slot : m->slot;
		__entry->hi = m->count ? m->e[m->count - 1].slot :
			      max(m->slot, m->slot_hi);
		__entry->peer = peer;
		__entry->type = m->type;
		__entry->flags = m->flags;
		__entry->count = m->count;
	),
	TP_printk("volume=%s peer=%u type=%u lo=%llu hi=%llu count=%u flags=%#x",
		  __get_str(volume), __entry->peer, __entry->type,
		  __entry->lo, __entry->hi, __entry->count, __entry->flags)
);

DEFINE_EVENT(synod_msg, synod_msg_out,
	TP_PROTO(const char *volume, const struct synod_msg *m, u32 peer),
	TP_ARGS(volume, m, peer)
);

DEFINE_EVENT(synod_msg, synod_msg_in,
	TP_PROTO(const char *volume, const struct synod_msg *m, u32 peer),
	TP_ARGS(volume, m, peer)
);

/*
 * One frame of link @from -> @to of @cluster, by its sequence number on
 * that link (@seq: the same on both ends while the link stays up).
 * Sequence numbers start over at each connection: pair a frame received
 * with the last one sent before it under the same key.  @len: payload
 * bytes.  synod_link_tx fires as the frame's first byte is about to be
 * written (so before the receiver can see it); @how is 1 if the engine
 * began it itself (push), 0 if the transport's thread did.
 * synod_link_rx fires as the checked frame is handed to the replica;
 * @how is the ns its tag check took.
 */
DECLARE_EVENT_CLASS(synod_link,
	TP_PROTO(const char *cluster, u32 from, u32 to, u64 seq, u32 len,
		 u64 how),
	TP_ARGS(cluster, from, to, seq, len, how),
	TP_STRUCT__entry(
		__string(cluster, cluster)
		__field(u64, seq)
		__field(u64, how)
		__field(u32, from)
		__field(u32, to)
		__field(u32, len)
	),
	TP_fast_assign(
		synod_assign_str(cluster, cluster);
		__entry->seq = seq;
		__entry->how = how;
		__entry->from = from;
		__entry->to = to;
		__entry->len = len;
	),
	TP_printk("cluster=%s from=%u to=%u seq=%llu len=%u how=%llu",
		  __get_str(cluster), __entry->from, __entry->to,
		  __entry->seq, __entry->len, __entry->how)
);

DEFINE_EVENT(synod_link, synod_link_tx,
	TP_PROTO(const char *cluster, u32 from, u32 to, u64 seq, u32 len,
		 u64 how),
	TP_ARGS(cluster, from, to, seq, len, how)
);

DEFINE_EVENT(synod_link, synod_link_rx,
	TP_PROTO(const char *cluster, u32 from, u32 to, u64 seq, u32 len,
		 u64 how),
	TP_ARGS(cluster, from, to, seq, len, how)
);

#endif /* SYNOD_TRACE_H */

/* Out of tree: define_trace.h must find this file in the module's tree. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
