/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints at each stage of a replicated request, for perf, ftrace and
 * eBPF tools (events/synod/ in tracefs).  A request is named by @req, the
 * id the consensus core knows it by (generation << 16 | tag); entries of
 * the log by @slot.  Times are on the raw monotonic clock, in ns.
 *
 *   synod_rq_queued        the engine took the request from the disk
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
 * Fields are plain integers and the volume name so that tools need no
 * synod headers.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM synod

#if !defined(SYNOD_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define SYNOD_TRACE_H

#include <linux/tracepoint.h>

#include "compat.h"

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

#endif /* SYNOD_TRACE_H */

/* Out of tree: define_trace.h must find this file in the module's tree. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
