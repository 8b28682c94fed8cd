/* SPDX-License-Identifier: GPL-2.0 */
/*
 * API drift for the network transport (tcp*.c) between the kernels synod
 * supports (Debian 12: 6.1 and 6.12).  Like compat.h, every
 * LINUX_VERSION_CODE test of the transport lives here.
 */
#ifndef SYNOD_COMPAT_NET_H
#define SYNOD_COMPAT_NET_H

#include <linux/version.h>

/*
 * 6.12 ("move asm/unaligned.h to linux/unaligned.h") moved the
 * get/put_unaligned_le*() helpers; the old header is gone there.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#endif /* SYNOD_COMPAT_NET_H */
