// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz's raw netlink: building messages byte by byte (so that they can
 * be wrong on purpose), one request and its answer on a socket, the
 * family and its policies as the kernel reports them, namespaces and
 * capabilities of the sending processes, and the state digest that must
 * not change when a request is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "synod.h"
#include "nlfuzz.h"

const char *const nlf_priv_name[NLF_NPRIV] = {
	"root", "root-without-CAP_SYS_ADMIN", "root-without-CAP_NET_ADMIN",
	"root-without-CAP_SYS_ADMIN-and-CAP_NET_ADMIN",
};

/* nlmsghdr + genlmsghdr; nlmsg_len is fixed up by nlf_end(). */
void nlf_put_hdr(struct nlf_msg *m, uint16_t type, uint16_t flags,
		 uint32_t seq, uint8_t cmd)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	g->cmd = cmd;
	g->version = SYNOD_FAMILY_VERSION;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

/* An attribute of any length (padded to 4 bytes); silently clipped at
 * the end of the buffer, which the generator never reaches. */
void nlf_put(struct nlf_msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (m->len + total > sizeof(m->buf) || NLA_HDRLEN + len > 0xffff)
		return;
	a->nla_len = NLA_HDRLEN + len;
	a->nla_type = type;
	if (len)
		memcpy(m->buf + m->len + NLA_HDRLEN, data, len);
	memset(m->buf + m->len + NLA_HDRLEN + len, 0,
	       total - NLA_HDRLEN - len);
	m->len += total;
}

size_t nlf_nest_start(struct nlf_msg *m, uint16_t type)
{
	size_t off = m->len;

	nlf_put(m, type | NLA_F_NESTED, NULL, 0);
	return off;
}

void nlf_nest_end(struct nlf_msg *m, size_t off)
{
	struct nlattr *a = (struct nlattr *)(m->buf + off);

	a->nla_len = m->len - off;
}

void nlf_end(struct nlf_msg *m)
{
	((struct nlmsghdr *)m->buf)->nlmsg_len = m->len;
}

int nlf_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, one = 1, big = 1 << 20;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	/* extended ACKs; the request is not echoed back in errors */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The probe after every request: nlctrl's GETFAMILY needs no privilege
 * and always answers, so its answer marks the end of the request's. */
static void probe_build(struct nlf_msg *p, uint32_t seq)
{
	nlf_put_hdr(p, GENL_ID_CTRL, NLM_F_REQUEST, seq, CTRL_CMD_GETFAMILY);
	nlf_put(p, CTRL_ATTR_FAMILY_NAME, "nlctrl", 7);
	nlf_end(p);
}

/*
 * Send @req (its own seq is @seq) and then a probe (@seq + 1); gather in
 * @out every message carrying @seq until the probe has been answered
 * and no dump of @seq is still open.  0, -ETIMEDOUT if the probe got no
 * answer in @timeout_ms, or -errno of a failed send or receive.
 */
int nlf_transact(int fd, const struct nlf_msg *req, struct nlf_msg *out,
		 uint32_t seq, int timeout_ms)
{
	static struct nlf_msg probe;
	static unsigned char rb[NLF_BUF * 2];
	bool probed = false, dump_open = false;
	int64_t deadline = now_ms() + timeout_ms;
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };

	out->len = 0;
	probe_build(&probe, seq + 1);
	/*
	 * A zero-length message is dropped either way: netlink_sendmsg()
	 * of Debian's 6.1 and 6.12 refuses it with ENODATA before any
	 * family sees it (older kernels queue an empty skb that nobody
	 * answers).  Both are "no answer" to the judge.
	 */
	if (sendto(fd, req->buf, req->len, 0, (struct sockaddr *)&k,
		   sizeof(k)) < 0 && !(req->len == 0 && errno == ENODATA))
		return -errno;
	if (sendto(fd, probe.buf, probe.len, 0, (struct sockaddr *)&k,
		   sizeof(k)) < 0)
		return -errno;
	while (!probed || dump_open) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		struct nlmsghdr *h;
		ssize_t n;
		int rem;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -ETIMEDOUT;
		n = recv(fd, rb, sizeof(rb), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		rem = (int)n;
		for (h = (struct nlmsghdr *)rb; NLMSG_OK(h, rem);
		     h = NLMSG_NEXT(h, rem)) {
			if (h->nlmsg_seq == seq + 1) {
				probed = true;
				continue;
			}
			if (h->nlmsg_seq != seq)
				continue;	/* late answer to an earlier one */
			if (h->nlmsg_flags & NLM_F_MULTI)
				dump_open = true;
			if (h->nlmsg_type == NLMSG_DONE ||
			    h->nlmsg_type == NLMSG_ERROR)
				dump_open = false;
			if (out->len + h->nlmsg_len <= sizeof(out->buf)) {
				memcpy(out->buf + out->len, h, h->nlmsg_len);
				out->len += NLMSG_ALIGN(h->nlmsg_len);
			}
		}
	}
	return 0;
}

/* Attribute walking over a flat buffer. */
#define for_each_nla(a, start, l) \
	for (a = (struct nlattr *)(start); \
	     (l) >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && \
	     a->nla_len <= (l); \
	     l -= NLA_ALIGN(a->nla_len), \
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
#define NLA_DATA(a) ((void *)((char *)(a) + NLA_HDRLEN))
#define NLA_LEN(a) ((int)(a)->nla_len - NLA_HDRLEN)
#define NLA_TYPE(a) ((a)->nla_type & NLA_TYPE_MASK)

static uint64_t nla_uint(const struct nlattr *a)
{
	uint64_t v = 0;

	if (NLA_LEN(a) == 1)
		v = *(uint8_t *)NLA_DATA(a);
	else if (NLA_LEN(a) == 2)
		v = *(uint16_t *)NLA_DATA(a);
	else if (NLA_LEN(a) == 4)
		v = *(uint32_t *)NLA_DATA(a);
	else if (NLA_LEN(a) == 8)
		memcpy(&v, NLA_DATA(a), 8);
	return v;
}

/* One attribute's description inside CTRL_ATTR_POLICY. */
static void policy_attr_parse(struct nlf_family *fam, int pidx, int attr,
			      struct nlattr *desc)
{
	struct nlf_attr_pol *p;
	struct nlattr *a;
	int l = NLA_LEN(desc);

	if (pidx < 0 || pidx >= NLF_MAX_POL || attr < 0 || attr >= NLF_MAXATTR)
		return;
	if (pidx >= fam->npol)
		fam->npol = pidx + 1;
	if (attr > fam->pol[pidx].maxattr)
		fam->pol[pidx].maxattr = attr;
	p = &fam->pol[pidx].a[attr];
	p->max_u = ~0ULL;
	p->nested = -1;
	for_each_nla(a, NLA_DATA(desc), l) {
		switch (NLA_TYPE(a)) {
		case NL_POLICY_TYPE_ATTR_TYPE:
			p->type = nla_uint(a);
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
			p->max_u = nla_uint(a);
			break;
		case NL_POLICY_TYPE_ATTR_MIN_LENGTH:
			p->min_len = nla_uint(a);
			break;
		case NL_POLICY_TYPE_ATTR_MAX_LENGTH:
			p->max_len = nla_uint(a);
			break;
		case NL_POLICY_TYPE_ATTR_POLICY_IDX:
			p->nested = (int)nla_uint(a);
			break;
		}
	}
}

/* One message of the CTRL_CMD_GETPOLICY dump. */
static void policy_msg_parse(struct nlf_family *fam, struct nlmsghdr *h)
{
	struct nlattr *a, *b, *c;
	int l = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, lb, lc;

	for_each_nla(a, (char *)NLMSG_DATA(h) + GENL_HDRLEN, l) {
		lb = NLA_LEN(a);
		if (NLA_TYPE(a) == CTRL_ATTR_OP_POLICY) {
			for_each_nla(b, NLA_DATA(a), lb) {
				int cmd = NLA_TYPE(b);

				if (cmd >= NLF_MAX_CMD)
					continue;
				lc = NLA_LEN(b);
				for_each_nla(c, NLA_DATA(b), lc) {
					if (NLA_TYPE(c) == CTRL_ATTR_POLICY_DO)
						fam->do_pol[cmd] = nla_uint(c);
					if (NLA_TYPE(c) == CTRL_ATTR_POLICY_DUMP)
						fam->dump_pol[cmd] = nla_uint(c);
				}
			}
		} else if (NLA_TYPE(a) == CTRL_ATTR_POLICY) {
			for_each_nla(b, NLA_DATA(a), lb) {
				lc = NLA_LEN(b);
				for_each_nla(c, NLA_DATA(b), lc)
					policy_attr_parse(fam, NLA_TYPE(b),
							  NLA_TYPE(c), c);
			}
		}
	}
}

/* GETFAMILY: id, maxattr, the ops and their flags. */
static int family_parse(struct nlf_family *fam, struct nlf_msg *out)
{
	struct nlmsghdr *h = (struct nlmsghdr *)out->buf;
	struct nlattr *a, *b, *c;
	int l, lb, lc;

	if (out->len < NLMSG_HDRLEN || h->nlmsg_type == NLMSG_ERROR)
		return -ENOENT;
	l = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	for_each_nla(a, (char *)NLMSG_DATA(h) + GENL_HDRLEN, l) {
		if (NLA_TYPE(a) == CTRL_ATTR_FAMILY_ID)
			fam->id = nla_uint(a);
		if (NLA_TYPE(a) == CTRL_ATTR_MAXATTR)
			fam->maxattr = nla_uint(a);
		if (NLA_TYPE(a) != CTRL_ATTR_OPS)
			continue;
		lb = NLA_LEN(a);
		for_each_nla(b, NLA_DATA(a), lb) {
			uint32_t id = 0, flags = 0;

			lc = NLA_LEN(b);
			for_each_nla(c, NLA_DATA(b), lc) {
				if (NLA_TYPE(c) == CTRL_ATTR_OP_ID)
					id = nla_uint(c);
				if (NLA_TYPE(c) == CTRL_ATTR_OP_FLAGS)
					flags = nla_uint(c);
			}
			if (id < NLF_MAX_CMD) {
				fam->has_op[id] = true;
				fam->op_flags[id] = flags;
			}
		}
	}
	return fam->id ? 0 : -ENOENT;
}

/* The "synod" family: id, ops, and every op's policy from GETPOLICY. */
int nlf_family_get(int fd, struct nlf_family *fam)
{
	static struct nlf_msg req, out;
	struct nlmsghdr *h;
	int err, rem, i;

	memset(fam, 0, sizeof(*fam));
	for (i = 0; i < NLF_MAX_CMD; i++)
		fam->do_pol[i] = fam->dump_pol[i] = -1;
	nlf_put_hdr(&req, GENL_ID_CTRL, NLM_F_REQUEST, 100, CTRL_CMD_GETFAMILY);
	nlf_put(&req, CTRL_ATTR_FAMILY_NAME, SYNOD_FAMILY_NAME,
		sizeof(SYNOD_FAMILY_NAME));
	nlf_end(&req);
	err = nlf_transact(fd, &req, &out, 100, 5000);
	if (!err)
		err = family_parse(fam, &out);
	if (err)
		return err;

	nlf_put_hdr(&req, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_DUMP, 102,
		    CTRL_CMD_GETPOLICY);
	nlf_put(&req, CTRL_ATTR_FAMILY_NAME, SYNOD_FAMILY_NAME,
		sizeof(SYNOD_FAMILY_NAME));
	nlf_end(&req);
	err = nlf_transact(fd, &req, &out, 102, 5000);
	if (err)
		return err;
	rem = (int)out.len;
	for (h = (struct nlmsghdr *)out.buf; NLMSG_OK(h, rem);
	     h = NLMSG_NEXT(h, rem)) {
		if (h->nlmsg_type == NLMSG_ERROR)
			return -EPROTO;
		if (h->nlmsg_type == fam->id || h->nlmsg_type == GENL_ID_CTRL)
			policy_msg_parse(fam, h);
	}
	return fam->npol ? 0 : -ENODATA;
}

static const char *const attr_type_name[] = {
	"invalid", "flag", "u8", "u16", "u32", "u64", "s8", "s16", "s32",
	"s64", "binary", "string", "nul-string", "nested", "nested-array",
	"bitfield32", "sint", "uint",
};

/* The policy as lines for tests/nlfuzz/spec_check.py:
 *   op CMD flags F do P dump P
 *   attr P ATTR TYPE min-len N max-len N max N|- nested P|- */
void nlf_family_print(const struct nlf_family *fam)
{
	int c, p, a;

	printf("family %u maxattr %d\n", fam->id, fam->maxattr);
	for (c = 0; c < NLF_MAX_CMD; c++)
		if (fam->has_op[c])
			printf("op %d flags %u do %d dump %d\n", c,
			       fam->op_flags[c], fam->do_pol[c],
			       fam->dump_pol[c]);
	for (p = 0; p < fam->npol; p++) {
		for (a = 0; a <= fam->pol[p].maxattr; a++) {
			const struct nlf_attr_pol *ap = &fam->pol[p].a[a];

			if (!ap->type)
				continue;
			printf("attr %d %d %s min-len %u max-len %u", p, a,
			       ap->type < sizeof(attr_type_name) /
					  sizeof(attr_type_name[0]) ?
				       attr_type_name[ap->type] : "?",
			       ap->min_len, ap->max_len);
			if (ap->max_u != ~0ULL)
				printf(" max %llu", (unsigned long long)ap->max_u);
			else
				printf(" max -");
			if (ap->nested >= 0)
				printf(" nested %d\n", ap->nested);
			else
				printf(" nested -\n");
		}
	}
}

int nlf_enter_ns(const char *name)
{
	char path[256];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET))
		err = -errno;
	close(fd);
	return err;
}

/* Drop CAP_SYS_ADMIN and/or CAP_NET_ADMIN from every set, bounding set
 * included, so that nothing the process does can get them back. */
int nlf_drop_caps(enum nlf_priv priv)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];
	int caps[2], n = 0, i;

	if (priv == NLF_PRIV_NO_SYS || priv == NLF_PRIV_NONE)
		caps[n++] = CAP_SYS_ADMIN;
	if (priv == NLF_PRIV_NO_NET || priv == NLF_PRIV_NONE)
		caps[n++] = CAP_NET_ADMIN;
	if (!n)
		return 0;
	if (syscall(SYS_capget, &hdr, d))
		return -errno;
	for (i = 0; i < n; i++) {
		uint32_t bit = 1u << (caps[i] % 32);
		int w = caps[i] / 32;

		if (prctl(PR_CAPBSET_DROP, caps[i], 0, 0, 0))
			return -errno;
		d[w].effective &= ~bit;
		d[w].permitted &= ~bit;
		d[w].inheritable &= ~bit;
	}
	if (syscall(SYS_capset, &hdr, d))
		return -errno;
	return 0;
}
