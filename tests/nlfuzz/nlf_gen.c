// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz's requests.  Each starts from a well-formed template of its
 * command (what the handler in kmod/nl_*.c reads, which spec_check.py
 * compares with the spec's request lists), then may get one mutation,
 * and carries the answer it must get (enum nlf_expect):
 *   - header mutations (nlmsg_len beyond the data or below a header, no
 *     NLM_F_REQUEST, a cut genlmsghdr, unknown commands, NLM_F_DUMP on a
 *     do-only op) are answered by netlink or the genl core;
 *   - policy mutations (wrong types and lengths, strings without NUL or
 *     too long, values above the policy's max, output-only, unknown and
 *     reserved attribute types, nests without NLA_F_NESTED or holding
 *     junk, attributes cut short) are refused by the genl core, which
 *     says why in the extended ACK;
 *   - semantic mutations (node ids above 7, addresses of the wrong
 *     family, port 0, secrets outside 16..64 bytes, quorums that do not
 *     intersect, bad cluster and volume names, missing or repeated
 *     attributes) are refused by synod with a message.
 * Mutating commands on the live volume always get a policy or semantic
 * mutation; only decoys get well-formed mutating requests.  The choice
 * of the attributes that a policy mutation hits follows the policy the
 * kernel reported (CTRL_CMD_GETPOLICY), not a copy of it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "synod.h"
#include "nlfuzz.h"

const char *const nlf_expect_name[] = {
	"done-or-refused-with-message", "refused-with-message", "dropped",
	"ignored", "core-EINVAL", "core-EOPNOTSUPP", "core-EPERM",
	"core-EPERM-or-EOPNOTSUPP",
};

static const char *const cmd_names[] = {
	[SYNOD_CMD_VOLUME_CREATE] = "VOLUME_CREATE",
	[SYNOD_CMD_VOLUME_ATTACH] = "VOLUME_ATTACH",
	[SYNOD_CMD_VOLUME_DELETE] = "VOLUME_DELETE",
	[SYNOD_CMD_VOLUME_GET] = "VOLUME_GET",
	[SYNOD_CMD_STATS_GET] = "STATS_GET",
	[SYNOD_CMD_EVENT] = "EVENT",
	[SYNOD_CMD_VOLUME_UP] = "VOLUME_UP",
	[SYNOD_CMD_VOLUME_DOWN] = "VOLUME_DOWN",
	[SYNOD_CMD_VOLUME_PROMOTE] = "VOLUME_PROMOTE",
	[SYNOD_CMD_VOLUME_DEMOTE] = "VOLUME_DEMOTE",
	[SYNOD_CMD_PEER_ADD] = "PEER_ADD",
	[SYNOD_CMD_PEER_REMOVE] = "PEER_REMOVE",
};

const char *nlf_cmd_name(unsigned int cmd)
{
	static char buf[16];

	if (cmd < sizeof(cmd_names) / sizeof(cmd_names[0]) && cmd_names[cmd])
		return cmd_names[cmd];
	snprintf(buf, sizeof(buf), "cmd-%u", cmd);
	return buf;
}

bool nlf_cmd_mutating(unsigned int cmd)
{
	return cmd != SYNOD_CMD_VOLUME_GET && cmd != SYNOD_CMD_STATS_GET &&
	       cmd <= SYNOD_CMD_MAX && cmd != SYNOD_CMD_EVENT && cmd;
}

/*
 * The attributes each handler reads (kmod/nl_volume.c, nl_repl_cfg.c,
 * nl_status.c): the request lists of the spec must be the same
 * (spec_check.py compares them with `nlfuzz templates`).
 */
static const struct {
	unsigned int cmd;
	const char *attrs;
} reads[] = {
	{ SYNOD_CMD_VOLUME_CREATE, "volume-name volume-backing volume-cluster "
	  "volume-node volume-listen volume-peer volume-secret volume-q1 "
	  "volume-q2 volume-on-no-quorum volume-auto-promote "
	  "volume-small-requests" },
	{ SYNOD_CMD_VOLUME_ATTACH, "volume-name volume-backing volume-secret" },
	{ SYNOD_CMD_VOLUME_DELETE, "volume-name" },
	{ SYNOD_CMD_VOLUME_GET, "volume-name" },
	{ SYNOD_CMD_STATS_GET, "" },
	{ SYNOD_CMD_VOLUME_UP, "volume-name" },
	{ SYNOD_CMD_VOLUME_DOWN, "volume-name volume-force" },
	{ SYNOD_CMD_VOLUME_PROMOTE, "volume-name" },
	{ SYNOD_CMD_VOLUME_DEMOTE, "volume-name" },
	{ SYNOD_CMD_PEER_ADD, "volume-name volume-peer" },
	{ SYNOD_CMD_PEER_REMOVE, "volume-name volume-peer" },
};

void nlf_templates_print(void)
{
	size_t i;

	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
		printf("reads %s %s\n", nlf_cmd_name(reads[i].cmd),
		       reads[i].attrs);
}

/* ---- randomness: xorshift64*, one seed drives the whole run ---------- */

static uint64_t rng_state = 88172645463325252ULL;

void nlf_gen_seed(uint64_t seed)
{
	rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	if (!rng_state)
		rng_state = 1;
}

static uint64_t rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static unsigned int rnd(unsigned int n)
{
	return n ? (unsigned int)(rnd64() % n) : 0;
}

static bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

/* ---- attribute helpers -------------------------------------------------- */

static const unsigned char secret32[32] = "nlfuzz-decoy-secret-32-bytes-ok";

static void put_u32(struct nlf_msg *m, uint16_t type, uint32_t v)
{
	nlf_put(m, type, &v, sizeof(v));
}

static void put_str(struct nlf_msg *m, uint16_t type, const char *s)
{
	nlf_put(m, type, s, strlen(s) + 1);
}

/* A sockaddr_in for 10.77.0.@host:@port (port in host order); @host
 * -1 is the unspecified address 0.0.0.0. */
static void put_addr4(struct nlf_msg *m, uint16_t type, int host, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	sin.sin_port = htons((uint16_t)port);
	if (host >= 0)
		sin.sin_addr.s_addr = htonl(0x0a4d0000u | (unsigned int)host);
	nlf_put(m, type, &sin, sizeof(sin));
}

static void put_peer(struct nlf_msg *m, int node, bool addr, int host)
{
	size_t nest = nlf_nest_start(m, SYNOD_A_VOLUME_PEER);

	put_u32(m, SYNOD_A_PEER_NODE, (uint32_t)node);
	if (addr)
		put_addr4(m, SYNOD_A_PEER_ADDR, host, 7791);
	nlf_nest_end(m, nest);
}

/* ---- well-formed templates -------------------------------------------- */

/*
 * A replicated create for a decoy in namespace @ns: node @ns, listening
 * on the node's address at port 7791 (the live volume uses 7790), peers
 * at addresses where nobody listens.
 */
static void tmpl_create_repl(struct nlf_msg *m, int ns)
{
	int i, npeers = 1 + rnd(3);

	put_u32(m, SYNOD_A_VOLUME_NODE, (uint32_t)ns);
	put_addr4(m, SYNOD_A_VOLUME_LISTEN, ns + 1, 7791);
	for (i = 0; i < npeers; i++)
		put_peer(m, 4 + i, true, 200 + i);
	nlf_put(m, SYNOD_A_VOLUME_SECRET, secret32, sizeof(secret32));
	if (chance(30))
		put_str(m, SYNOD_A_VOLUME_CLUSTER, "nlfuzz");
	if (chance(20))
		put_u32(m, SYNOD_A_VOLUME_ON_NO_QUORUM, rnd(2));
	if (chance(20))
		nlf_put(m, SYNOD_A_VOLUME_AUTO_PROMOTE, NULL, 0);
	if (chance(20))
		nlf_put(m, SYNOD_A_VOLUME_SMALL_REQUESTS, NULL, 0);
}

/* The attributes of @cmd for volume @name (backing @backing). */
static void tmpl(struct nlf_msg *m, unsigned int cmd, const char *name,
		 const char *backing, int ns, bool repl)
{
	if (cmd == SYNOD_CMD_STATS_GET)
		return;
	put_str(m, SYNOD_A_VOLUME_NAME, name);
	switch (cmd) {
	case SYNOD_CMD_VOLUME_CREATE:
		put_str(m, SYNOD_A_VOLUME_BACKING, backing);
		if (repl)
			tmpl_create_repl(m, ns);
		break;
	case SYNOD_CMD_VOLUME_ATTACH:
		put_str(m, SYNOD_A_VOLUME_BACKING, backing);
		if (repl)
			nlf_put(m, SYNOD_A_VOLUME_SECRET, secret32,
				sizeof(secret32));
		break;
	case SYNOD_CMD_VOLUME_DOWN:
		if (chance(50))
			nlf_put(m, SYNOD_A_VOLUME_FORCE, NULL, 0);
		break;
	case SYNOD_CMD_PEER_ADD:
		put_peer(m, 4 + rnd(4), true, 200 + rnd(4));
		break;
	case SYNOD_CMD_PEER_REMOVE:
		put_peer(m, 4 + rnd(4), false, 0);
		break;
	}
}

/* ---- policy mutations (refused by the genl core) ---------------------- */

/* An attribute the kernel's policy describes for @cmd, chosen at random;
 * 0 if the op takes none. */
static int pick_attr(const struct nlf_family *fam, unsigned int cmd,
		     const struct nlf_policy **pol)
{
	int p = fam->do_pol[cmd] >= 0 ? fam->do_pol[cmd] : 0;
	int tries, a;

	*pol = &fam->pol[p];
	for (tries = 0; tries < 64; tries++) {
		a = 1 + rnd((unsigned int)fam->pol[p].maxattr);
		if (fam->pol[p].a[a].type)
			return a;
	}
	return 0;
}

static void junk(unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)rnd(256);
}

/*
 * An attribute @a of policy @pol that the policy refuses, appended to
 * @m; describes it in @what.  Returns false if none could be made.
 */
static bool put_bad_by_policy(struct nlf_msg *m, const struct nlf_family *fam,
			      const struct nlf_policy *pol, int a, char *what,
			      size_t wsize)
{
	const struct nlf_attr_pol *p = &pol->a[a];
	unsigned char b[600];
	size_t n;

	switch (p->type) {
	case NL_ATTR_TYPE_U32:
		if (p->max_u != ~0ULL && p->max_u < 0xffffffffULL &&
		    chance(50)) {
			uint32_t v = (uint32_t)p->max_u + 1 +
				     rnd(0xffffffffu - (uint32_t)p->max_u);

			put_u32(m, (uint16_t)a, v);
			snprintf(what, wsize, "attr %d u32 %u above max %llu", a,
				 v, (unsigned long long)p->max_u);
			return true;
		}
		n = (size_t)rnd(9);
		if (n == 4)
			n = 8;
		junk(b, n);
		nlf_put(m, (uint16_t)a, b, n);
		snprintf(what, wsize, "attr %d u32 with %zu bytes", a, n);
		return true;
	case NL_ATTR_TYPE_FLAG:
		n = 1 + rnd(8);
		junk(b, n);
		nlf_put(m, (uint16_t)a, b, n);
		snprintf(what, wsize, "attr %d flag with %zu bytes", a, n);
		return true;
	case NL_ATTR_TYPE_NUL_STRING:
		if (chance(50) || !p->max_len) {
			n = 1 + rnd(p->max_len ? p->max_len : 300);
			memset(b, 'a' + rnd(26), n);
			nlf_put(m, (uint16_t)a, b, n);
			snprintf(what, wsize, "attr %d string of %zu bytes without NUL",
				 a, n);
		} else {
			n = p->max_len + 1 + rnd(200);
			memset(b, 'a' + rnd(26), n);
			b[n] = 0;
			nlf_put(m, (uint16_t)a, b, n + 1);
			snprintf(what, wsize, "attr %d string of %zu > %u bytes",
				 a, n, p->max_len);
		}
		return true;
	case NL_ATTR_TYPE_BINARY:
		if (!p->min_len && !p->max_len)
			return false;
		n = p->min_len && chance(50) ? rnd(p->min_len) :
			p->max_len + 1 + rnd(64);
		junk(b, n);
		nlf_put(m, (uint16_t)a, b, n);
		snprintf(what, wsize, "attr %d binary of %zu bytes outside %u..%u",
			 a, n, p->min_len, p->max_len);
		return true;
	case NL_ATTR_TYPE_NESTED: {
		const struct nlf_policy *np = p->nested >= 0 ?
			&fam->pol[p->nested] : NULL;
		size_t nest;
		int k = rnd(4);

		if (k == 0) {	/* a nest without NLA_F_NESTED */
			nest = m->len;
			nlf_put(m, (uint16_t)a, NULL, 0);
			put_u32(m, SYNOD_A_PEER_NODE, 1);
			nlf_nest_end(m, nest);
			snprintf(what, wsize, "attr %d nest without NLA_F_NESTED", a);
			return true;
		}
		nest = nlf_nest_start(m, (uint16_t)a);
		if (k == 1 || !np) {	/* junk that is no attribute list */
			n = 1 + rnd(40);
			junk(b, n);
			if (n >= 4)	/* an nla_len that overruns the nest */
				b[0] = 0xff, b[1] = 0x0f;
			nlf_put(m, 0, NULL, 0);
			m->len -= NLA_HDRLEN;
			memcpy(m->buf + m->len, b, n);
			m->len += NLA_ALIGN(n);
			snprintf(what, wsize, "attr %d nest holding %zu junk bytes",
				 a, n);
		} else if (k == 2) {	/* an unknown type inside */
			put_u32(m, (uint16_t)(np->maxattr + 1 + rnd(100)), 1);
			snprintf(what, wsize, "attr %d nest with an unknown type", a);
		} else {		/* a bad member, by the nested policy */
			int na = 1 + rnd((unsigned int)np->maxattr);

			snprintf(what, wsize, "member %d", na);
			if (!np->a[na].type ||
			    !put_bad_by_policy(m, fam, np, na, what, wsize)) {
				put_u32(m, (uint16_t)na, 0);
				if (np->a[na].type)	/* a valid member */
					put_u32(m, 0, 0);	/* type 0 */
			}
			snprintf(what + strlen(what), wsize - strlen(what),
				 " inside nest %d", a);
		}
		nlf_nest_end(m, nest);
		return true;
	}
	}
	return false;
}

/* Append one attribute the genl core must refuse.  Describes it. */
static void put_policy_mutation(struct nlf_msg *m, const struct nlf_family *fam,
				unsigned int cmd, char *what, size_t wsize)
{
	const struct nlf_policy *pol;
	int a, k = rnd(10), i;

	if (k < 6) {
		a = pick_attr(fam, cmd, &pol);
		if (a && put_bad_by_policy(m, fam, pol, a, what, wsize))
			return;
	}
	pol = &fam->pol[fam->do_pol[cmd] >= 0 ? fam->do_pol[cmd] : 0];
	switch (k % 4) {
	case 0:	/* beyond maxattr */
		a = pol->maxattr + 1 + rnd(200);
		put_u32(m, (uint16_t)a, rnd(10));
		snprintf(what, wsize, "unknown attribute type %d", a);
		return;
	case 1:	/* type 0 and pad */
		a = rnd(2);
		put_u32(m, (uint16_t)a, 0);
		snprintf(what, wsize, "attribute type %d (unspec/pad)", a);
		return;
	case 2:	/* output-only attributes (not in the dumped policy) */
		for (i = 0; i < 20; i++) {
			a = 2 + rnd((unsigned int)pol->maxattr - 1);
			if (!pol->a[a].type)
				break;
		}
		if (pol->a[a].type)
			a = pol->maxattr + 1;
		put_u32(m, (uint16_t)a, rnd(10));
		snprintf(what, wsize, "output-only attribute %d", a);
		return;
	default: { /* an attribute whose length overruns the message */
		struct nlattr *na = (struct nlattr *)(m->buf + m->len);

		put_u32(m, SYNOD_A_VOLUME_NODE, 1);
		na->nla_len = (uint16_t)(8 + 4 * (1 + rnd(50)));
		snprintf(what, wsize, "attribute with nla_len %u past the end",
			 na->nla_len);
		return;
	}
	}
}

/* ---- semantic mutations (refused by synod) ----------------------------- */

/*
 * A request for @cmd on @name that synod must refuse although the
 * policy accepts it; false if the command has no such case (then the
 * caller uses a policy mutation).
 */
static bool semantic(struct nlf_msg *m, unsigned int cmd, const char *name,
		     const char *backing, int ns, char *what, size_t wsize)
{
	static const char *const bad_names[] = { "", "a/b", "a b", "\x01x",
						 "nx\x7f" };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int k = rnd(10);

	switch (cmd) {
	case SYNOD_CMD_VOLUME_CREATE:
		put_str(m, SYNOD_A_VOLUME_NAME, name);
		put_str(m, SYNOD_A_VOLUME_BACKING, backing);
		if (k == 0) {	/* repl option without node id */
			put_u32(m, SYNOD_A_VOLUME_Q1, 2);
			snprintf(what, wsize, "q1 without node id");
			return true;
		}
		put_u32(m, SYNOD_A_VOLUME_NODE, k == 1 ? 8 + rnd(1000) : (unsigned int)ns);
		if (k == 2) {
			snprintf(what, wsize, "no listen address");
			return true;
		}
		if (k == 3) {
			sin.sin_family = rnd(2) ? AF_UNIX : AF_INET6;
			sin.sin_port = htons(7791);
			nlf_put(m, SYNOD_A_VOLUME_LISTEN, &sin, sizeof(sin));
		} else {
			put_addr4(m, SYNOD_A_VOLUME_LISTEN, ns + 1,
				  k == 4 ? 0 : 7791);
		}
		if (k == 5)
			put_peer(m, ns, true, 201);	/* our own id */
		else if (k == 6)
			put_peer(m, 5, true, -1);	/* 0.0.0.0 */
		else if (k != 7)
			put_peer(m, 5, true, 201);
		if (k == 8) {
			size_t n = rnd(2) ? rnd(16) : 65 + rnd(100);
			unsigned char b[200];

			junk(b, n);
			nlf_put(m, SYNOD_A_VOLUME_SECRET, b, n);
		} else {
			nlf_put(m, SYNOD_A_VOLUME_SECRET, secret32,
				sizeof(secret32));
		}
		if (k == 9) {
			put_u32(m, SYNOD_A_VOLUME_Q1, 1);
			put_u32(m, SYNOD_A_VOLUME_Q2, 1);
		}
		if (k == 1 && rnd(2))	/* a good listen, an invalid cluster */
			put_str(m, SYNOD_A_VOLUME_CLUSTER, bad_names[rnd(5)]);
		snprintf(what, wsize, "create: semantic case %d", k);
		return true;
	case SYNOD_CMD_VOLUME_ATTACH:
		put_str(m, SYNOD_A_VOLUME_NAME, name);
		put_str(m, SYNOD_A_VOLUME_BACKING, backing);
		if (k < 5) {
			put_u32(m, SYNOD_A_VOLUME_NODE, 1);
			snprintf(what, wsize, "attach with a node id");
		} else {
			unsigned char b[200];
			size_t n = rnd(2) ? rnd(16) : 65 + rnd(100);

			junk(b, n);
			nlf_put(m, SYNOD_A_VOLUME_SECRET, b, n);
			snprintf(what, wsize, "attach with a %zu-byte secret", n);
		}
		return true;
	case SYNOD_CMD_PEER_ADD:
	case SYNOD_CMD_PEER_REMOVE:
		put_str(m, SYNOD_A_VOLUME_NAME, name);
		if (k < 3) {
			put_peer(m, 8 + rnd(100000), cmd == SYNOD_CMD_PEER_ADD, 201);
			snprintf(what, wsize, "peer node id above 7");
		} else if (k < 5) {
			put_peer(m, 5, cmd == SYNOD_CMD_PEER_ADD, 201);
			put_peer(m, 6, cmd == SYNOD_CMD_PEER_ADD, 202);
			snprintf(what, wsize, "two peer nests");
		} else if (k < 7) {
			size_t nest = nlf_nest_start(m, SYNOD_A_VOLUME_PEER);

			put_addr4(m, SYNOD_A_PEER_ADDR, 201, 7791);
			nlf_nest_end(m, nest);
			snprintf(what, wsize, "peer without node id");
		} else if (cmd == SYNOD_CMD_PEER_REMOVE) {
			put_peer(m, 5, true, 201);
			snprintf(what, wsize, "peer remove with an address");
		} else {
			size_t nest = nlf_nest_start(m, SYNOD_A_VOLUME_PEER);

			put_u32(m, SYNOD_A_PEER_NODE, 5);
			if (k == 7) {
				sin.sin_family = AF_UNIX;
				sin.sin_port = htons(7791);
				nlf_put(m, SYNOD_A_PEER_ADDR, &sin, sizeof(sin));
			} else if (k == 8) {
				put_addr4(m, SYNOD_A_PEER_ADDR, 201, 0);
			}	/* k == 9: no address */
			nlf_nest_end(m, nest);
			snprintf(what, wsize, "peer add: bad or no address (%d)", k);
		}
		return true;
	}
	return false;
}

/* ---- header mutations --------------------------------------------------- */

/* Cut the message inside its last attribute; what follows the cut is
 * made a harmless NLMSG_NOOP (netlink reads on after nlmsg_len). */
static bool cut_inside(struct nlf_msg *m)
{
	size_t start = NLMSG_HDRLEN + GENL_HDRLEN, last = 0, off = start;
	size_t cut, tail;
	struct nlmsghdr *noop;

	while (off + NLA_HDRLEN <= m->len) {
		struct nlattr *a = (struct nlattr *)(m->buf + off);

		if (a->nla_len < NLA_HDRLEN)
			return false;
		last = off;
		off += NLA_ALIGN(a->nla_len);
	}
	if (!last || m->len - last < 6)
		return false;
	cut = last + 1 + rnd((unsigned int)(m->len - last - 2));
	if (cut % 4 == 0)	/* never on an attribute boundary */
		cut++;
	((struct nlmsghdr *)m->buf)->nlmsg_len = (uint32_t)cut;
	tail = NLMSG_ALIGN(cut);
	if (tail + NLMSG_HDRLEN <= m->len) {
		noop = (struct nlmsghdr *)(m->buf + tail);
		memset(noop, 0, NLMSG_HDRLEN);
		noop->nlmsg_type = NLMSG_NOOP;
		noop->nlmsg_len = (uint32_t)(m->len - tail);
	} else if (tail < m->len) {
		memset(m->buf + tail, 0, m->len - tail);
	}
	return true;
}

/* ---- the request -------------------------------------------------------- */

static const char *target_name(const struct nlf_target *t, int kind, int ns,
			       int *decoy)
{
	static const char *const junk_names[] = { "", "a/b", "a b", "\x01x",
		"nlfuzz-none", "0123456789012345678901234567890" };
	int i, tries;

	*decoy = -1;
	if (kind == 0)
		return t->live;
	if (kind == 1 && t->ndecoy) {
		for (tries = 0; tries < 16; tries++) {
			i = rnd((unsigned int)t->ndecoy);
			if (t->decoy_ns[i] == ns)
				break;
		}
		*decoy = i;
		return t->decoy[i];
	}
	return junk_names[rnd(sizeof(junk_names) / sizeof(junk_names[0]))];
}

static enum nlf_expect priv_expect(enum nlf_priv priv, unsigned int cmd,
				   enum nlf_expect otherwise)
{
	bool no_net = priv == NLF_PRIV_NO_NET || priv == NLF_PRIV_NONE;
	bool no_sys = priv == NLF_PRIV_NO_SYS || priv == NLF_PRIV_NONE;

	if (no_net)
		return NLF_X_CORE_PERM;
	if (no_sys && (cmd == SYNOD_CMD_VOLUME_CREATE ||
		       cmd == SYNOD_CMD_VOLUME_ATTACH ||
		       cmd == SYNOD_CMD_VOLUME_DELETE))
		return NLF_X_REFUSE;	/* synod's own EPERM, with message */
	return otherwise;
}

static const unsigned int cmds[] = {
	SYNOD_CMD_VOLUME_CREATE, SYNOD_CMD_VOLUME_ATTACH,
	SYNOD_CMD_VOLUME_DELETE, SYNOD_CMD_VOLUME_GET, SYNOD_CMD_STATS_GET,
	SYNOD_CMD_VOLUME_UP, SYNOD_CMD_VOLUME_DOWN, SYNOD_CMD_VOLUME_PROMOTE,
	SYNOD_CMD_VOLUME_DEMOTE, SYNOD_CMD_PEER_ADD, SYNOD_CMD_PEER_REMOVE,
};

/* Header-level mutations; true if one was applied (sets r->expect). */
static bool header_mutation(const struct nlf_family *fam, struct nlf_req *r)
{
	struct nlmsghdr *h = (struct nlmsghdr *)r->m.buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(r->m.buf + NLMSG_HDRLEN);
	int k = rnd(9);

	switch (k) {
	case 0:
		h->nlmsg_len = (uint32_t)r->m.len + 1 + rnd(4096);
		snprintf(r->what, sizeof(r->what), "nlmsg_len %u beyond %zu bytes",
			 h->nlmsg_len, r->m.len);
		r->expect = NLF_X_DROP;
		return true;
	case 1:
		r->m.len = rnd(NLMSG_HDRLEN);
		if (r->m.len >= 4)
			h->nlmsg_len = (uint32_t)r->m.len;
		snprintf(r->what, sizeof(r->what), "message of %zu bytes", r->m.len);
		r->expect = NLF_X_DROP;
		return true;
	case 2:
		h->nlmsg_len = NLMSG_HDRLEN + rnd(GENL_HDRLEN);
		r->m.len = h->nlmsg_len;
		snprintf(r->what, sizeof(r->what), "genlmsghdr cut to %u bytes",
			 h->nlmsg_len - NLMSG_HDRLEN);
		r->expect = NLF_X_CORE_EINVAL;
		return true;
	case 3:
		h->nlmsg_flags &= ~NLM_F_REQUEST;
		snprintf(r->what, sizeof(r->what), "no NLM_F_REQUEST");
		r->expect = NLF_X_IGNORE;
		return true;
	case 4:
		g->cmd = rnd(2) ? SYNOD_CMD_EVENT : SYNOD_CMD_MAX + 1 + rnd(200);
		if (rnd(4) == 0)
			g->cmd = 0;
		snprintf(r->what, sizeof(r->what), "unknown command %u", g->cmd);
		r->expect = NLF_X_CORE_NOOP;
		return true;
	case 5:
		if (g->cmd == SYNOD_CMD_VOLUME_GET || !fam->has_op[g->cmd])
			return false;
		h->nlmsg_flags |= NLM_F_DUMP;
		snprintf(r->what, sizeof(r->what), "NLM_F_DUMP on a do-only op");
		r->expect = priv_expect(r->priv, 0, NLF_X_CORE_NOOP) ==
				    NLF_X_CORE_PERM ? NLF_X_CORE_NOOP_PERM :
						      NLF_X_CORE_NOOP;
		return true;
	case 6:
		g->reserved = (uint16_t)(1 + rnd(0xfffe));
		snprintf(r->what, sizeof(r->what), "genlmsghdr.reserved %u",
			 g->reserved);
		r->expect = NLF_X_REFUSE;
		return true;
	case 7:
		h->nlmsg_flags |= (uint16_t)(0x100 << rnd(4)) | (rnd(2) ? 0x10 : 0);
		if ((h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
			h->nlmsg_flags |= 0x800;
		snprintf(r->what, sizeof(r->what), "nlmsg_flags 0x%x",
			 h->nlmsg_flags);
		r->expect = NLF_X_REFUSE;
		return true;
	default:
		if (!cut_inside(&r->m))
			return false;
		snprintf(r->what, sizeof(r->what), "nlmsg_len %u cuts an attribute",
			 h->nlmsg_len);
		r->expect = priv_expect(r->priv, 0, NLF_X_REFUSE);
		return true;
	}
}

/*
 * One request: namespace, privilege, command, target, mutation, and the
 * answer it must get.  @seq is the request's sequence number.
 */
void nlf_gen(const struct nlf_family *fam, const struct nlf_target *t,
	     uint32_t seq, struct nlf_req *r)
{
	unsigned int cmd = cmds[rnd(sizeof(cmds) / sizeof(cmds[0]))];
	int kind = rnd(3), decoy;
	const char *name, *backing;
	bool dump = false, malformed, repl = chance(40);
	uint16_t flags = NLM_F_REQUEST;

	r->ns = rnd((unsigned int)t->nns);
	r->priv = rnd(3) ? NLF_PRIV_ROOT : (enum nlf_priv)rnd(NLF_NPRIV);
	r->cmd = (uint8_t)cmd;
	r->mutating = nlf_cmd_mutating(cmd);
	r->what[0] = 0;
	name = target_name(t, kind, r->ns, &decoy);
	r->decoy = decoy;
	backing = decoy >= 0 ? t->decoy_backing[decoy] :
		  kind == 0 ? t->live_backing[r->ns] : "/dev/nlfuzz-none";
	/* live: mutating requests are always malformed; decoys: half */
	malformed = (kind == 0 && r->mutating) || chance(kind == 1 ? 50 : 60);
	if (chance(85))
		flags |= NLM_F_ACK;
	if (cmd == SYNOD_CMD_VOLUME_GET && chance(30))
		dump = true, flags |= NLM_F_DUMP;
	nlf_put_hdr(&r->m, fam->id, flags, seq, (uint8_t)cmd);
	if (!dump)
		tmpl(&r->m, cmd, name, backing, r->ns, repl);
	r->expect = priv_expect(r->priv, cmd, NLF_X_ANY);

	if (malformed) {
		int how = rnd(10);

		if (how < 2) {
			nlf_end(&r->m);
			if (header_mutation(fam, r))
				return;
		}
		if (how < 5 && !dump) {
			nlf_put_hdr(&r->m, fam->id, flags, seq, (uint8_t)cmd);
			if (semantic(&r->m, cmd, name, backing, r->ns, r->what,
				     sizeof(r->what))) {
				r->expect = priv_expect(r->priv, cmd,
							NLF_X_REFUSE);
				nlf_end(&r->m);
				return;
			}
			tmpl(&r->m, cmd, name, backing, r->ns, repl);
		}
		put_policy_mutation(&r->m, fam, cmd, r->what, sizeof(r->what));
		r->expect = priv_expect(r->priv, cmd, NLF_X_REFUSE);
		nlf_end(&r->m);
		return;
	}
	/* well-formed: harmless variations only */
	if (!dump && chance(15) && cmd != SYNOD_CMD_STATS_GET)
		put_str(&r->m, SYNOD_A_VOLUME_NAME, name);	/* same again */
	if (chance(10))
		((struct genlmsghdr *)(r->m.buf + NLMSG_HDRLEN))->version =
			(uint8_t)rnd(256);
	snprintf(r->what, sizeof(r->what), "well-formed%s%s",
		 dump ? " dump" : "", repl ? " (replicated if create)" : "");
	/* a junk or unknown name: nothing to act on, must be refused */
	if (kind == 2 && !dump && cmd != SYNOD_CMD_STATS_GET &&
	    r->expect == NLF_X_ANY)
		r->expect = NLF_X_REFUSE;
	nlf_end(&r->m);
}
