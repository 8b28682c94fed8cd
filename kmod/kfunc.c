// SPDX-License-Identifier: GPL-2.0
/*
 * kfuncs that BPF programs call into synod.
 *
 * For now one smoke-test kfunc for XDP programs, which proves the chain
 * that the consensus fast path will stand on: module BTF is present, the
 * verifier resolves a module kfunc from an XDP program, and the call
 * reaches module code.  bpf/xdp_smoke.bpf.c declares it as
 *	extern u64 synod_xdp_ping(u32 len) __ksym;
 */
#include <linux/atomic.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/module.h>

#include "synod.h"
#include "compat.h"

/* Times synod_xdp_ping() ran since the module was loaded. */
static atomic64_t synod_xdp_ping_calls = ATOMIC64_INIT(0);

__bpf_kfunc_start_defs();

/*
 * Count one call from an XDP program and return the new count.  @len is
 * the length of the packet the program saw; it is unused for now and
 * becomes the length of the control datagram handed to the core.
 */
__bpf_kfunc u64 synod_xdp_ping(u32 len)
{
	return atomic64_inc_return(&synod_xdp_ping_calls);
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(synod_xdp_kfunc_ids)
BTF_ID_FLAGS(func, synod_xdp_ping)
BTF_KFUNCS_END(synod_xdp_kfunc_ids)

static const struct btf_kfunc_id_set synod_xdp_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &synod_xdp_kfunc_ids,
};

/* The counter, for STATS_GET. */
u64 synod_kfunc_xdp_calls(void)
{
	return atomic64_read(&synod_xdp_ping_calls);
}

/*
 * Register the kfuncs for XDP programs.  There is no unregister: the BTF
 * of a module goes away with the module, and the kfunc table with it.
 * Without module BTF this fails with -ENOENT and the module refuses to
 * load, because a module whose kfuncs silently vanished would pass every
 * test except the one that matters.
 */
int synod_kfunc_init(void)
{
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_XDP,
					 &synod_xdp_kfunc_set);
}
