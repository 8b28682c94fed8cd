/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's workqueues, shared by every volume (workers.c).  A volume
 * starts no thread and no workqueue of its own: with hundreds of volumes
 * on a host, each with a receive thread, a send thread per peer and a
 * rescuer, the threads alone would outnumber the disks.
 */
#ifndef SYNOD_WORKERS_H
#define SYNOD_WORKERS_H

#include <linux/workqueue.h>

/* Submission passes, journal groups, applies and the replica's tick. */
extern struct workqueue_struct *synod_io_wq;
/* The transport's receive rounds and its send works, one per peer. */
extern struct workqueue_struct *synod_net_wq;

int synod_workers_init(void);
void synod_workers_exit(void);

#endif /* SYNOD_WORKERS_H */
