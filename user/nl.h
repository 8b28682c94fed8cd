/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink plumbing for synodctl: connect, resolve the "synod"
 * family, run one request to completion, and keep the kernel's extended
 * ACK message for the error report.
 */
#ifndef SYNODCTL_NL_H
#define SYNODCTL_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/genl/genl.h>

#define SYNOD_NL_MSG_MAX	256

struct synod_nl {
	struct nl_sock *sk;
	int family;			/* resolved generic netlink family id */
	char ext_msg[SYNOD_NL_MSG_MAX];	/* extended ACK message, or "" */
	bool dump_intr;			/* last exec: the kernel marked its
					 * dump NLM_F_DUMP_INTR (-EAGAIN) */
};

/* Called for each reply message; returns 0 or -errno. */
typedef int (*synod_nl_reply_fn)(struct nl_msg *msg, void *arg);

/* nl.c */
int synod_nl_open(struct synod_nl *nl);
void synod_nl_close(struct synod_nl *nl);
struct nl_msg *synod_nl_msg(struct synod_nl *nl, uint8_t cmd, int flags);
int synod_nl_exec(struct synod_nl *nl, struct nl_msg *msg,
		  synod_nl_reply_fn fn, void *arg);
void synod_nl_msg_free(struct nl_msg *msg);
int synod_nl_subscribe(struct synod_nl *nl, const char *group);
int synod_nl_listen(struct synod_nl *nl, synod_nl_reply_fn fn, void *arg);
size_t synod_nl_ext_ack_msg(const struct nlmsghdr *nlh, char *buf, size_t len);
void synod_nl_perror(const struct synod_nl *nl, const char *what, int err);

#endif /* SYNODCTL_NL_H */
