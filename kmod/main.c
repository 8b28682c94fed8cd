// SPDX-License-Identifier: GPL-2.0
/*
 * synod module init and exit, and nothing else: each subsystem's own file
 * says what its init does.  Exit undoes init in exact reverse order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "paypool.h"
#include "synod.h"
#include "testing.h"
#include "workers.h"

/* Guards the volume list and every volume's lifecycle (volume.c). */
DEFINE_MUTEX(synod_volumes_lock);

/*
 * Test build only: leak one small allocation per created volume, so that
 * `make check-debug` can show that its kmemleak scan fails a run.  The
 * pointer is dropped on purpose; the buffer carries a marker a reader of
 * the kmemleak report can recognise ("synod-test-leak").
 */
static bool test_leak;
SYNOD_TEST_PARAM(test_leak, bool,
		 "leak one allocation per volume create (kmemleak check)");

/* Called by volume create on success; a no-op unless test_leak is set. */
void synod_test_leak(void)
{
	char *p;

	if (likely(!READ_ONCE(test_leak)))
		return;
	p = kmalloc(64, GFP_KERNEL);
	if (p)
		strscpy(p, "synod-test-leak", 64);
	/* p goes out of scope: the leak kmemleak must report. */
}

/*
 * kfuncs first: registering them cannot be undone, and they only touch a
 * counter.  Netlink last, because once it is registered userspace can
 * create volumes, so everything volumes need must exist before it.
 */
static int __init synod_init(void)
{
	int err;

	err = synod_kfunc_init();
	if (err) {
		pr_err("cannot register XDP kfuncs (module BTF missing?): %d\n",
		       err);
		return err;
	}
	/* Nothing to unwind on failure: kfunc sets go with the module BTF. */
	synod_crc_init();	/* never fails: falls back to the library */
	err = synod_workers_init();	/* before any volume */
	if (err)
		goto out_crc_exit;
	err = synod_host_paypool_init();	/* before any volume */
	if (err)
		goto out_workers_exit;
	err = synod_volume_init();
	if (err)
		goto out_paypool_exit;
	err = synod_netlink_init();
	if (err)
		goto out_volume_exit;

	/* What synodctl -V tells users is what create writes. */
	BUILD_BUG_ON(SYNOD_FORMAT_REPL != SYNOD_SB_FORMAT_V3);
	pr_info("loaded; on-disk formats: reads 0 to %u, writes 0 and %u\n",
		SYNOD_SB_FORMAT_V3, SYNOD_FORMAT_REPL);
	return 0;

out_volume_exit:
	synod_volume_exit();
out_paypool_exit:
	synod_host_paypool_exit();
out_workers_exit:
	synod_workers_exit();
out_crc_exit:
	synod_crc_exit();
	return err;
}

/*
 * Netlink goes first so that no new volume can appear, then the volumes,
 * newest first.
 */
static void __exit synod_exit(void)
{
	synod_netlink_exit();
	synod_volume_exit();
	synod_volume_delete_all();
	synod_host_paypool_exit();
	synod_workers_exit();
	synod_crc_exit();
	pr_info("unloaded\n");
}

module_init(synod_init);
module_exit(synod_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("synod: a block device replicated by Multi-Paxos");
MODULE_AUTHOR("The synod authors");
