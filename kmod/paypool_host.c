// SPDX-License-Identifier: GPL-2.0
/*
 * The one payload pool of this host (paypool.h) and its bound, the
 * module parameter payload_pool_mb.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>

#include "payload.h"
#include "paypool.h"

/*
 * Spares kept ready for every volume of the host: 4 MiB, what a burst
 * on a few volumes takes before the refill (a work item) catches up.
 */
#define HOST_SPARE	256u
/* A replica's reservation: its store at full size (payload.c). */
#define HOST_REPLICA_MB		(SYNOD_PAY_COUNT * SYNOD_PAY_BUF_BYTES >> 20)
/* Smallest default bound: a handful of replicas. */
#define HOST_BOUND_MIN_MB	(4 * HOST_REPLICA_MB)

static unsigned int payload_pool_mb;
module_param(payload_pool_mb, uint, 0444);
MODULE_PARM_DESC(payload_pool_mb,
		 "MiB of payload buffers all replicas may hold at once, 16 per replica at full load (0: half the RAM, at least 64; shows the bound in effect)");

struct synod_paypool synod_host_paypool;

/*
 * Before any volume: the bound from the parameter (or RAM), the spares
 * allocated.  Each replica reserves its store's whole size (16 MiB) of
 * the bound, so it caps the replicas a host can create; half the RAM by
 * default, as the worst case is every replica at full load at once.
 */
int synod_host_paypool_init(void)
{
	u64 mb = payload_pool_mb;
	int err;

	if (!mb) {
		mb = max_t(u64, HOST_BOUND_MIN_MB,
			   (totalram_pages() << PAGE_SHIFT) >> 21);
	} else if (mb < HOST_REPLICA_MB) {
		pr_warn("payload_pool_mb=%llu holds no replica: %u MiB instead\n",
			mb, HOST_REPLICA_MB);
		mb = HOST_REPLICA_MB;
	}
	/* what sysfs shows is the bound in effect */
	payload_pool_mb = min_t(u64, mb, UINT_MAX);
	err = synod_paypool_init(&synod_host_paypool,
				 (mb << 20) / SYNOD_PAY_BUF_BYTES, HOST_SPARE);
	if (err)
		pr_err("cannot set up the payload pool (%llu MiB): %d\n",
		       mb, err);
	else
		pr_info("payload pool: at most %llu MiB, %u KiB spare\n", mb,
			HOST_SPARE * (SYNOD_PAY_BUF_BYTES >> 10));
	return err;
}

/* After the last volume is gone. */
void synod_host_paypool_exit(void)
{
	synod_paypool_exit(&synod_host_paypool);
}
