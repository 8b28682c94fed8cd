/* SPDX-License-Identifier: GPL-2.0 */
/*
 * API drift for the network transport (tcp*.c) between the kernels synod
 * supports (Debian 12: 6.1 and 6.12).  Like compat.h, every
 * LINUX_VERSION_CODE test of the transport lives here.
 */
#ifndef SYNOD_COMPAT_NET_H
#define SYNOD_COMPAT_NET_H

#include <linux/version.h>
#include <net/inet_sock.h>

/*
 * 6.12 ("move asm/unaligned.h to linux/unaligned.h") moved the
 * get/put_unaligned_le*() helpers; the old header is gone there.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * IP_BIND_ADDRESS_NO_PORT on a socket of ours: bind() then picks no
 * ephemeral port, connect() does (so a bind to a source address does not
 * use up a port per address before we connect).  6.6 ("inet: move
 * inet->bind_address_no_port to inet->inet_flags") turned the bitfield
 * into an atomic flag bit.
 */
static inline void synod_sock_bind_no_port(struct sock *sk)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	inet_set_bit(BIND_ADDRESS_NO_PORT, sk);
#else
	lock_sock(sk);
	inet_sk(sk)->bind_address_no_port = 1;
	release_sock(sk);
#endif
}

#endif /* SYNOD_COMPAT_NET_H */
