// SPDX-License-Identifier: GPL-2.0
/*
 * The host's two workqueues, made at load and shared by every volume.
 * Worker pools are shared by all workqueues anyway; what a queue of its
 * own per volume added was a rescuer thread each (WQ_MEM_RECLAIM), and
 * the transport's kthreads added one receive thread per volume and one
 * send thread per peer: four tasks per replica of a three-node volume,
 * idle or not.  Now a volume adds none; workers run only while there is
 * work, and an idle volume's transport has none (its replica's tick
 * still runs).
 *
 * Both queues are WQ_MEM_RECLAIM: they carry the writes of disks that
 * memory reclaim may write back to, so each keeps a rescuer that makes
 * progress when no new worker can be made.  The trade-off: the rescuer
 * is now one for all volumes, so under memory pressure a work that
 * waits (a receive round's journal write on a slow disk, a handshake
 * waiting for a silent server, at most STCP_HANDSHAKE_MS) holds up the
 * other volumes' works behind it on the rescuer until it is done; with
 * a queue per volume only its own waited.  Each such wait is bounded,
 * and no work waits for another volume's.  synod_net_wq allows
 * WQ_MAX_ACTIVE works at once, so that hundreds of volumes' receive
 * rounds in journal writes do not hold back the rest.
 *
 * synod_io_wq is bound and high priority, as the volumes' queues were:
 * its works are short (a submission pass, a journal group, an apply).
 * synod_net_wq is unbound: a receive round that checks the tags of a
 * few megabytes of frames, or a send work with a full ring, then has a
 * worker of its own that the scheduler preempts, as it did the threads,
 * instead of holding back every other work bound to its CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/workqueue.h>

#include "workers.h"

struct workqueue_struct *synod_io_wq;
struct workqueue_struct *synod_net_wq;

/* At load, before any volume; undone by synod_workers_exit(). */
int synod_workers_init(void)
{
	synod_io_wq = alloc_workqueue("synod-io",
				      WQ_MEM_RECLAIM | WQ_HIGHPRI, 0);
	if (!synod_io_wq)
		return -ENOMEM;
	synod_net_wq = alloc_workqueue("synod-net", WQ_MEM_RECLAIM |
				       WQ_HIGHPRI | WQ_UNBOUND, WQ_MAX_ACTIVE);
	if (!synod_net_wq) {
		destroy_workqueue(synod_io_wq);
		synod_io_wq = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* At unload, after the last volume: nothing is queued any more. */
void synod_workers_exit(void)
{
	destroy_workqueue(synod_net_wq);
	synod_net_wq = NULL;
	destroy_workqueue(synod_io_wq);
	synod_io_wq = NULL;
}
