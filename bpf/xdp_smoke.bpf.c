// SPDX-License-Identifier: GPL-2.0
/*
 * XDP smoke program: calls the synod module's kfunc once per packet and
 * passes every packet on.  It proves the chain that the consensus fast
 * path stands on: module BTF, kfunc registration for XDP, and libbpf
 * resolving a module kfunc at load time, on each supported kernel.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* Provided by synod.ko (kmod/kfunc.c); returns the new call count. */
extern __u64 synod_xdp_ping(__u32 len) __ksym;

/* Last count the kfunc returned, for bpftool map dump. */
__u64 last_count = 0;

SEC("xdp")
int synod_xdp_smoke(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	last_count = synod_xdp_ping(len);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
