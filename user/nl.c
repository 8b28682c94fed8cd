// SPDX-License-Identifier: GPL-2.0
/*
 * libnl plumbing, in the shape of iw and the kernel's ovpn selftest
 * client: connect, resolve the family, send one request, receive until
 * the ACK or the end of the dump, and keep the kernel's extended ACK
 * message so that the user sees why a request was refused.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <synod.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* State of one request while its replies come in. */
struct txn {
	struct synod_nl *nl;
	synod_nl_reply_fn fn;
	void *arg;
	int err;		/* -errno from the kernel, 0 on success */
	int fn_err;		/* first error returned by fn */
	bool done;		/* ACK, error or end of dump seen */
};

/*
 * Ask for extended ACKs, and for the request not to be echoed back in
 * error messages (we never need it).  Old kernels lack these options;
 * then errors simply come without a message.
 */
static void set_ack_options(struct nl_sock *sk)
{
	int fd = nl_socket_get_fd(sk);
	int one = 1;

	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
}

/*
 * Connect and resolve the "synod" family.  Prints its own diagnostics,
 * because only here do we know the family is missing rather than the
 * request failing.  Returns 0 or -errno.
 */
int synod_nl_open(struct synod_nl *nl)
{
	int ret;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		fprintf(stderr, "synodctl: cannot allocate netlink socket\n");
		return -ENOMEM;
	}
	ret = genl_connect(nl->sk);
	if (ret < 0) {
		fprintf(stderr, "synodctl: cannot connect to generic netlink: %s\n",
			nl_geterror(ret));
		ret = -EIO;
		goto out_free;
	}
	set_ack_options(nl->sk);
	nl->family = genl_ctrl_resolve(nl->sk, SYNOD_FAMILY_NAME);
	if (nl->family == -NLE_OBJ_NOTFOUND) {
		fprintf(stderr, "synodctl: generic netlink family '%s' not found (is the synod module loaded?)\n",
			SYNOD_FAMILY_NAME);
		ret = -ENOENT;
		goto out_free;
	}
	if (nl->family < 0) {
		fprintf(stderr, "synodctl: cannot resolve generic netlink family '%s': %s\n",
			SYNOD_FAMILY_NAME, nl_geterror(nl->family));
		ret = -EIO;
		goto out_free;
	}
	return 0;

out_free:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return ret;
}

void synod_nl_close(struct synod_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

/* A request of our family with the header filled in; NULL if no memory. */
struct nl_msg *synod_nl_msg(struct synod_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, SYNOD_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static size_t nlmsgerr_payload(const struct nlmsgerr *e, uint16_t flags)
{
	if (flags & NLM_F_CAPPED || e->msg.nlmsg_len < NLMSG_HDRLEN)
		return sizeof(*e);
	return sizeof(*e) + e->msg.nlmsg_len - NLMSG_HDRLEN;
}

/*
 * The extended ACK message of an NLMSG_ERROR (error or ACK) or NLMSG_DONE,
 * copied into buf ("" if there is none).  Its attributes follow the
 * struct nlmsgerr, plus the echoed request unless NLM_F_CAPPED, or the
 * int of NLMSG_DONE.  Returns the length of the message.
 */
size_t synod_nl_ext_ack_msg(const struct nlmsghdr *nlh, char *buf, size_t len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	struct nlattr *msg;
	size_t payload, off, n;

	buf[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	if (nlh->nlmsg_type == NLMSG_ERROR &&
	    nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)))
		payload = nlmsgerr_payload(e, nlh->nlmsg_flags);
	else if (nlh->nlmsg_type == NLMSG_DONE)
		payload = sizeof(int);
	else
		return 0;
	off = NLMSG_HDRLEN + NLMSG_ALIGN(payload);
	if (nlh->nlmsg_len <= off)
		return 0;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlh + off),
		      (int)(nlh->nlmsg_len - off), NULL) < 0)
		return 0;
	msg = tb[NLMSGERR_ATTR_MSG];
	if (!msg)
		return 0;
	n = strnlen(nla_data(msg), (size_t)nla_len(msg));
	if (n >= len)
		n = len - 1;
	memcpy(buf, nla_data(msg), n);
	buf[n] = '\0';
	return n;
}

static void ext_ack_parse(struct synod_nl *nl, const struct nlmsghdr *nlh)
{
	synod_nl_ext_ack_msg(nlh, nl->ext_msg, sizeof(nl->ext_msg));
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;
	int ret;

	if (!t->fn)
		return NL_OK;
	ret = t->fn(msg, t->arg);
	if (ret < 0 && !t->fn_err)
		t->fn_err = ret;
	if (ret > 0)
		t->done = true;
	return ret > 0 ? NL_STOP : NL_OK;
}

/* End of a dump; a dump that failed midway carries -errno here. */
static int finish_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct txn *t = arg;
	int err;

	if (nlmsg_datalen(nlh) >= (int)sizeof(int)) {
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		if (err < 0) {
			t->err = err;
			ext_ack_parse(t->nl, nlh);
		}
	}
	t->done = true;
	return NL_STOP;
}

/* Success; an ACK may still carry a warning message. */
static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct txn *t = arg;

	ext_ack_parse(t->nl, nlh);
	if (t->nl->ext_msg[0])
		fprintf(stderr, "synodctl: warning: %s\n", t->nl->ext_msg);
	t->done = true;
	return NL_STOP;
}

static int error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)e - 1;
	struct txn *t = arg;

	(void)nla;
	t->err = e->error;
	ext_ack_parse(t->nl, nlh);
	t->done = true;
	return NL_STOP;
}

static struct nl_cb *txn_cb(struct txn *t)
{
	struct nl_cb *sock_cb = nl_socket_get_cb(t->nl->sk);
	struct nl_cb *cb = nl_cb_clone(sock_cb);

	nl_cb_put(sock_cb);
	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, t);
	nl_cb_err(cb, NL_CB_CUSTOM, error_cb, t);
	return cb;
}

/*
 * Receive until the transaction is done; libnl failures become -EIO, a
 * dump the kernel marked inconsistent (NLM_F_DUMP_INTR: an entry left
 * the list between two parts) -EAGAIN: its output may miss or repeat
 * entries, and the caller may dump again.
 */
static int txn_run(struct txn *t)
{
	struct nl_cb *cb = txn_cb(t);
	int ret = 0;

	if (!cb)
		return -ENOMEM;
	while (!t->done) {
		ret = nl_recvmsgs(t->nl->sk, cb);
		if (ret == -NLE_DUMP_INTR && !t->err) {
			/* libnl read to the end of the dump, then said so */
			snprintf(t->nl->ext_msg, sizeof(t->nl->ext_msg),
				 "the volume list changed during the dump");
			t->err = -EAGAIN;
			t->nl->dump_intr = true;
			break;
		}
		if (ret < 0 && !t->err && !t->done) {
			snprintf(t->nl->ext_msg, sizeof(t->nl->ext_msg),
				 "netlink: %s", nl_geterror(ret));
			t->err = -EIO;
			break;
		}
	}
	nl_cb_put(cb);
	return t->err ? t->err : t->fn_err;
}

/*
 * Free a request, wiping it first: a create or attach request carries
 * the volume's shared secret.  NULL is fine.
 */
void synod_nl_msg_free(struct nl_msg *msg)
{
	struct nlmsghdr *nlh;

	if (!msg)
		return;
	nlh = nlmsg_hdr(msg);
	explicit_bzero(nlh, nlh->nlmsg_len);
	nlmsg_free(msg);
}

/*
 * Send msg (consumed, and wiped) and call fn on every reply until the
 * kernel's ACK, error or end of dump.  Returns 0, the kernel's -errno
 * (with its message in nl->ext_msg), or the first error fn returned.
 */
int synod_nl_exec(struct synod_nl *nl, struct nl_msg *msg,
		  synod_nl_reply_fn fn, void *arg)
{
	struct txn t = { .nl = nl, .fn = fn, .arg = arg };
	int ret;

	nl->ext_msg[0] = '\0';
	nl->dump_intr = false;
	ret = nl_send_auto(nl->sk, msg);
	synod_nl_msg_free(msg);
	if (ret < 0) {
		snprintf(nl->ext_msg, sizeof(nl->ext_msg), "netlink send: %s",
			 nl_geterror(ret));
		return -EIO;
	}
	return txn_run(&t);
}

/* Join a multicast group of our family; replies no longer match requests. */
int synod_nl_subscribe(struct synod_nl *nl, const char *group)
{
	int grp, ret;

	nl->ext_msg[0] = '\0';
	grp = genl_ctrl_resolve_grp(nl->sk, SYNOD_FAMILY_NAME, group);
	if (grp < 0) {
		snprintf(nl->ext_msg, sizeof(nl->ext_msg),
			 "multicast group '%s': %s", group, nl_geterror(grp));
		return -ENOENT;
	}
	ret = nl_socket_add_membership(nl->sk, grp);
	if (ret < 0) {
		snprintf(nl->ext_msg, sizeof(nl->ext_msg),
			 "join multicast group '%s'", group);
		return ret == -NLE_PERM ? -EPERM : -EIO;
	}
	nl_socket_disable_seq_check(nl->sk);
	return 0;
}

/*
 * Call fn on every message that arrives (after synod_nl_subscribe) until
 * fn returns 1 or an error.  A receive buffer overrun loses events; say
 * so and go on, as the stream is still useful.
 */
int synod_nl_listen(struct synod_nl *nl, synod_nl_reply_fn fn, void *arg)
{
	struct txn t = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *cb = txn_cb(&t);
	int ret;

	if (!cb)
		return -ENOMEM;
	nl->ext_msg[0] = '\0';
	while (!t.done && !t.fn_err) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret == -NLE_NOMEM) {
			fprintf(stderr, "synodctl: events lost (receive buffer overrun)\n");
			continue;
		}
		if (ret < 0 && !t.done) {
			snprintf(nl->ext_msg, sizeof(nl->ext_msg),
				 "netlink: %s", nl_geterror(ret));
			t.fn_err = -EIO;
		}
	}
	nl_cb_put(cb);
	return t.fn_err;
}

/*
 * "synodctl: <what we did>: <kernel's message>: <strerror>", the kernel's
 * message left out if there is none.
 */
void synod_nl_perror(const struct synod_nl *nl, const char *what, int err)
{
	if (nl->ext_msg[0])
		fprintf(stderr, "synodctl: %s: %s: %s\n", what, nl->ext_msg,
			strerror(-err));
	else
		fprintf(stderr, "synodctl: %s: %s\n", what, strerror(-err));
}
