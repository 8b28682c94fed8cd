// SPDX-License-Identifier: GPL-2.0
/*
 * What must not change when a request is refused: the configuration of
 * every volume of a namespace as a VOLUME_GET dump reports it (config
 * fields only: counters, ballots, roles and leaders move on their own in
 * a live cluster, but whether a replica is up does not), and the bytes
 * of the decoys' backing devices (MD5, RFC 1321, read with O_DIRECT:
 * synod writes with bios, past the block device's page cache).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "synod.h"
#include "nlfuzz.h"

struct sb {
	char *p;
	size_t size, len;
};

static void sbf(struct sb *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sbf(struct sb *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->len >= s->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->p + s->len, s->size - s->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->len += (size_t)n;
	if (s->len >= s->size)
		s->len = s->size - 1;
}

static void sbhex(struct sb *s, const unsigned char *d, int n)
{
	int i;

	for (i = 0; i < n; i++)
		sbf(s, "%02x", d[i]);
}

#define A_DATA(a) ((unsigned char *)(a) + NLA_HDRLEN)
#define A_LEN(a) ((int)(a)->nla_len - NLA_HDRLEN)
#define A_TYPE(a) ((a)->nla_type & NLA_TYPE_MASK)
#define A_NEXT(a) ((struct nlattr *)((char *)(a) + NLA_ALIGN((a)->nla_len)))
#define A_OK(a, l) ((l) >= (int)NLA_HDRLEN && (a)->nla_len >= NLA_HDRLEN && \
		    (a)->nla_len <= (l))

static uint32_t a_u32(const struct nlattr *a)
{
	uint32_t v = 0;

	if (A_LEN(a) >= 4)
		memcpy(&v, A_DATA(a), 4);
	else if (A_LEN(a) == 1)
		v = A_DATA(a)[0];
	return v;
}

/* The config fields of one peer nest: node, address, voter. */
static void peer_digest(struct sb *s, struct nlattr *nest)
{
	struct nlattr *a = (struct nlattr *)A_DATA(nest);
	int l = A_LEN(nest);

	sbf(s, " peer{");
	for (; A_OK(a, l); l -= NLA_ALIGN(a->nla_len), a = A_NEXT(a)) {
		if (A_TYPE(a) == SYNOD_A_PEER_NODE)
			sbf(s, "node=%u,", a_u32(a));
		else if (A_TYPE(a) == SYNOD_A_PEER_ADDR) {
			sbf(s, "addr=");
			sbhex(s, A_DATA(a), A_LEN(a));
			sbf(s, ",");
		} else if (A_TYPE(a) == SYNOD_A_PEER_VOTER)
			sbf(s, "voter,");
	}
	sbf(s, "}");
}

/*
 * One volume of the dump as one line of config fields.  Returns whether
 * the volume is replicated and up (its backing device may change by
 * itself: promises, elections), in which case @name gets its name.
 */
static bool volume_digest(struct sb *s, struct nlmsghdr *h, char *name)
{
	struct nlattr *a;
	int l = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	bool repl = false, up = false;

	name[0] = 0;
	a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
	for (; A_OK(a, l); l -= NLA_ALIGN(a->nla_len), a = A_NEXT(a)) {
		switch (A_TYPE(a)) {
		case SYNOD_A_VOLUME_NAME:
			snprintf(name, 32, "%.*s", A_LEN(a), (char *)A_DATA(a));
			/* fall through */
		case SYNOD_A_VOLUME_BACKING:
		case SYNOD_A_VOLUME_DEVICE:
		case SYNOD_A_VOLUME_CLUSTER:
			sbf(s, " %d=%.*s", A_TYPE(a), A_LEN(a),
			    (char *)A_DATA(a));
			break;
		case SYNOD_A_VOLUME_SIZE:
		case SYNOD_A_VOLUME_UUID:
		case SYNOD_A_VOLUME_LISTEN:
			sbf(s, " %d=", A_TYPE(a));
			sbhex(s, A_DATA(a), A_LEN(a));
			break;
		case SYNOD_A_VOLUME_FORMAT:
		case SYNOD_A_VOLUME_NODE:
		case SYNOD_A_VOLUME_Q1:
		case SYNOD_A_VOLUME_Q2:
		case SYNOD_A_VOLUME_EPOCH:
		case SYNOD_A_VOLUME_ON_NO_QUORUM:
			sbf(s, " %d=%u", A_TYPE(a), a_u32(a));
			break;
		case SYNOD_A_VOLUME_AUTO_PROMOTE:
			sbf(s, " auto-promote");
			break;
		case SYNOD_A_VOLUME_REPLICATED:
			repl = true;
			sbf(s, " replicated");
			break;
		case SYNOD_A_VOLUME_ROLE:
			up = a_u32(a) != SYNOD_ROLE_DOWN;
			sbf(s, " %s", up ? "up" : "down");
			break;
		case SYNOD_A_VOLUME_PEER:
			peer_digest(s, a);
			break;
		}
	}
	sbf(s, "\n");
	return repl && up;
}

/*
 * The digest of every volume of the socket's namespace into @out, and
 * the names of those whose backing may change by itself into @up_names
 * (" a b "), so that their MD5 is not compared.  0 or -errno.
 */
int nlf_digest(int fd, uint16_t family, char *out, size_t size,
	       const char *decoy_names, char *up_names, size_t up_size)
{
	static struct nlf_msg req, ans;
	static uint32_t seq = 1u << 30;
	struct sb s = { .p = out, .size = size };
	struct sb u = { .p = up_names, .size = up_size };
	struct nlmsghdr *h;
	int err, rem, tries;
	char name[32];

	(void)decoy_names;
	for (tries = 0; tries < 5; tries++) {
		bool intr = false;

		s.len = 0;
		u.len = 0;
		out[0] = 0;
		sbf(&u, " ");
		seq += 2;
		nlf_put_hdr(&req, family, NLM_F_REQUEST | NLM_F_DUMP, seq,
			    SYNOD_CMD_VOLUME_GET);
		nlf_end(&req);
		err = nlf_transact(fd, &req, &ans, seq, 10000);
		if (err)
			return err;
		rem = (int)ans.len;
		for (h = (struct nlmsghdr *)ans.buf; NLMSG_OK(h, rem);
		     h = NLMSG_NEXT(h, rem)) {
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -EPROTO;
			if (h->nlmsg_type != family)
				continue;
			if (volume_digest(&s, h, name))
				sbf(&u, "%s ", name);
		}
		if (!intr)
			return 0;
	}
	return -EAGAIN;
}

/* ---- MD5 (RFC 1321) ---------------------------------------------------- */

struct md5 {
	uint32_t h[4];
	uint64_t n;
	unsigned char blk[64];
};

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
	0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
	0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
	0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
	0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};
static const uint8_t md5_r[16] = { 7, 12, 17, 22, 5, 9, 14, 20,
				   4, 11, 16, 23, 6, 10, 15, 21 };

static void md5_block(struct md5 *m, const unsigned char *p)
{
	uint32_t a = m->h[0], b = m->h[1], c = m->h[2], d = m->h[3], w[16];
	int i;

	for (i = 0; i < 16; i++)
		w[i] = p[4 * i] | p[4 * i + 1] << 8 | p[4 * i + 2] << 16 |
		       (uint32_t)p[4 * i + 3] << 24;
	for (i = 0; i < 64; i++) {
		uint32_t f, t;
		int g;

		if (i < 16)
			f = (b & c) | (~b & d), g = i;
		else if (i < 32)
			f = (d & b) | (~d & c), g = (5 * i + 1) % 16;
		else if (i < 48)
			f = b ^ c ^ d, g = (3 * i + 5) % 16;
		else
			f = c ^ (b | ~d), g = (7 * i) % 16;
		t = d;
		d = c;
		c = b;
		f += a + md5_k[i] + w[g];
		b += (f << md5_r[(i / 16) * 4 + i % 4]) |
		     (f >> (32 - md5_r[(i / 16) * 4 + i % 4]));
		a = t;
	}
	m->h[0] += a;
	m->h[1] += b;
	m->h[2] += c;
	m->h[3] += d;
}

static void md5_update(struct md5 *m, const unsigned char *p, size_t n)
{
	while (n) {
		size_t off = m->n % 64, k = 64 - off < n ? 64 - off : n;

		memcpy(m->blk + off, p, k);
		m->n += k;
		p += k;
		n -= k;
		if (m->n % 64 == 0)
			md5_block(m, m->blk);
	}
}

static void md5_final(struct md5 *m, char *hex)
{
	uint64_t bits = m->n * 8;
	unsigned char pad = 0x80, z = 0, len[8];
	int i;

	md5_update(m, &pad, 1);
	while (m->n % 64 != 56)
		md5_update(m, &z, 1);
	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (8 * i));
	md5_update(m, len, 8);
	for (i = 0; i < 16; i++)
		sprintf(hex + 2 * i, "%02x",
			(unsigned)(m->h[i / 4] >> (8 * (i % 4))) & 0xff);
}

/* MD5 of a whole device or file into @hex (33 bytes). */
int nlf_dev_md5(const char *path, char *hex)
{
	struct md5 m = { .h = { 0x67452301, 0xefcdab89, 0x98badcfe,
				0x10325476 } };
	const size_t chunk = 1 << 20;
	unsigned char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (posix_memalign((void **)&buf, 4096, chunk)) {
		close(fd);
		return -ENOMEM;
	}
	while ((n = read(fd, buf, chunk)) > 0)
		md5_update(&m, buf, (size_t)n);
	free(buf);
	close(fd);
	if (n < 0)
		return -errno;
	md5_final(&m, hex);
	return 0;
}
