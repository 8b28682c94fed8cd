/* SPDX-License-Identifier: GPL-2.0 */
/*
 * API drift for the network transport (tcp*.c) between the kernels synod
 * supports (Debian 12: 6.1 and 6.12).  Like compat.h, every
 * LINUX_VERSION_CODE test of the transport lives here.
 */
#ifndef SYNOD_COMPAT_NET_H
#define SYNOD_COMPAT_NET_H

#include <linux/bvec.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/uio.h>
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

/* Pages synod_sock_send_pages() hands the socket in one call. */
#define SYNOD_SPLICE_PAGES	8u

/*
 * Send up to @len bytes at @buf (linear memory in pages the socket may
 * hold: sendpage_ok()) by reference: the socket takes page references
 * and reads the bytes when it transmits, and again if it must
 * retransmit, so they must not change until it lets go of the pages.
 * Returns bytes sent, or a negative error (-EAGAIN with MSG_DONTWAIT in
 * @flags when the socket takes none).  6.5 ("net: Remove
 * kernel_sendpage()", with "tcp: Convert do_tcp_sendpages() to use
 * MSG_SPLICE_PAGES") replaced sendpage with sendmsg(MSG_SPLICE_PAGES).
 */
static inline int synod_sock_send_pages(struct socket *sock, void *buf,
					size_t len, int flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	struct bio_vec bv[SYNOD_SPLICE_PAGES];
	struct msghdr msg = { .msg_flags = flags | MSG_SPLICE_PAGES };
	unsigned int n = 0;
	size_t done = 0, step;

	while (done < len && n < SYNOD_SPLICE_PAGES) {
		step = min_t(size_t, len - done,
			     PAGE_SIZE - offset_in_page(buf + done));
		bvec_set_page(&bv[n++], virt_to_page(buf + done), step,
			      offset_in_page(buf + done));
		done += step;
	}
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, n, done);
	return sock_sendmsg(sock, &msg);
#else
	size_t done = 0, step;
	int n, more;

	while (done < len) {
		step = min_t(size_t, len - done,
			     PAGE_SIZE - offset_in_page(buf + done));
		more = done + step < len ? MSG_MORE | MSG_SENDPAGE_NOTLAST : 0;
		n = kernel_sendpage(sock, virt_to_page(buf + done),
				    offset_in_page(buf + done), step,
				    flags | more);
		if (n <= 0)
			return done ? done : n;
		done += n;
		if (n < step)
			break;
	}
	return done;
#endif
}

#endif /* SYNOD_COMPAT_NET_H */
