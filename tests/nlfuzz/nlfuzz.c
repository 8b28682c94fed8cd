// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: random and mutated requests to the "synod" generic netlink
 * family, from several network namespaces and privilege levels, against
 * a live cluster and decoy volumes (tests/nlfuzz/guest.bash sets them
 * up; Documentation/nlfuzz.rst).  Every answer is checked against what
 * the request must get (nlf_gen.c); after every request that was not
 * done, the state digest of every namespace must be what it was; every
 * --md5-every requests, the decoys' backing devices must hold the bytes
 * they held, unless a request on them was done meanwhile.
 *
 *   nlfuzz policy        the family as the kernel reports it
 *   nlfuzz templates     the attributes each handler reads
 *   nlfuzz gen POLICY SEED COUNT   the requests only, from a saved policy
 *   nlfuzz run --seed S --count N --ns NAME... --live VOL
 *              [--live-backing NS:PATH]... [--decoy NS:NAME:BACKING]...
 *              [--md5-every N] [--repro TEXT] [--verbose]
 *
 * Each sender is a child forked in its namespace that dropped
 * CAP_SYS_ADMIN and/or CAP_NET_ADMIN with capset (nlf_drop_caps); the
 * parent keeps full root, one socket per namespace, for the digests.
 * Exit 0 if every check held, 1 on a failure (each printed with the
 * request, its bytes and the command line that reproduces the run).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "synod.h"
#include "nlfuzz.h"

#define DIGEST_MAX	16384
#define MAX_FAIL_SHOWN	40

static struct nlf_target tgt;
static const char *ns_name[NLF_MAX_NS];
static int worker_fd[NLF_MAX_NS][NLF_NPRIV];
static pid_t worker_pid[NLF_MAX_NS][NLF_NPRIV];
static int mon_fd[NLF_MAX_NS];
static struct nlf_family fam;
static char base_digest[NLF_MAX_NS][DIGEST_MAX];
static char up_names[NLF_MAX_NS][1024];
static char decoy_md5[NLF_MAX_DECOY][33];
static bool decoy_md5_valid[NLF_MAX_DECOY];
static const char *repro = "";
static unsigned long long seed;
static long nfail;
static bool verbose;

/* What came back for one request. */
struct outcome {
	enum { O_NOTHING, O_ACCEPTED, O_REFUSED } kind;
	int err;		/* positive errno of a refusal */
	bool has_msg;		/* NLMSGERR_ATTR_MSG present */
	bool miss_type;		/* NLMSGERR_ATTR_MISS_TYPE present */
	char msg[200];
};

/* ---- the senders ---------------------------------------------------------- */

/* A sender: requests in over @sp (u32 seq, then bytes), answers out
 * (s32 status of nlf_transact, then the messages of that seq). */
static void worker(int sp, enum nlf_priv priv)
{
	static struct nlf_msg req, out;
	static unsigned char in[sizeof(req.buf) + 8];
	int fd, err;

	err = nlf_drop_caps(priv);
	fd = nlf_socket();
	if (err || fd < 0) {
		fprintf(stderr, "nlfuzz: sender %s: caps %d socket %d\n",
			nlf_priv_name[priv], err, fd);
		_exit(2);
	}
	for (;;) {
		ssize_t n = recv(sp, in, sizeof(in), 0);
		uint32_t seq;
		int32_t rc;

		if (n < (ssize_t)sizeof(seq))
			_exit(0);
		memcpy(&seq, in, sizeof(seq));
		req.len = (size_t)n - sizeof(seq);
		memcpy(req.buf, in + sizeof(seq), req.len);
		rc = nlf_transact(fd, &req, &out, seq, 10000);
		memcpy(in, &rc, sizeof(rc));
		memcpy(in + sizeof(rc), out.buf, out.len);
		if (send(sp, in, sizeof(rc) + out.len, 0) < 0)
			_exit(2);
	}
}

/* Enter namespace @i, open its monitor socket, fork its senders; come
 * back to our own namespace (@self). */
static int setup_ns(int i, int self)
{
	struct timeval stuck = { .tv_sec = 60 };
	int p, err, sv[2];

	err = nlf_enter_ns(ns_name[i]);
	if (err)
		return err;
	mon_fd[i] = nlf_socket();
	if (mon_fd[i] < 0)
		return mon_fd[i];
	for (p = 0; p < NLF_NPRIV; p++) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
			return -errno;
		worker_pid[i][p] = fork();
		if (worker_pid[i][p] < 0)
			return -errno;
		if (!worker_pid[i][p]) {
			close(sv[0]);
			worker(sv[1], (enum nlf_priv)p);
		}
		close(sv[1]);
		worker_fd[i][p] = sv[0];
		/* a sender stuck in the kernel must fail the run, not hang it */
		if (setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &stuck,
			       sizeof(stuck)))
			return -errno;
	}
	if (setns(self, CLONE_NEWNET))
		return -errno;
	return 0;
}

static int ask(const struct nlf_req *r, uint32_t seq, struct nlf_msg *ans)
{
	static unsigned char b[sizeof(r->m.buf) + 8];
	int fd = worker_fd[r->ns][r->priv];
	int32_t rc;
	ssize_t n;

	memcpy(b, &seq, sizeof(seq));
	memcpy(b + sizeof(seq), r->m.buf, r->m.len);
	if (send(fd, b, sizeof(seq) + r->m.len, 0) < 0)
		return -errno;
	n = recv(fd, b, sizeof(b), 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -ETIME;	/* the sender is stuck in sendto() */
	if (n < (ssize_t)sizeof(rc))
		return -EPIPE;
	memcpy(&rc, b, sizeof(rc));
	ans->len = (size_t)n - sizeof(rc);
	memcpy(ans->buf, b + sizeof(rc), ans->len);
	return rc;
}

/* ---- answers -------------------------------------------------------------- */

/* The TLVs of an error or DONE message: the message and missing type. */
static void ack_tlvs(struct outcome *o, const unsigned char *p, int l)
{
	const struct nlattr *a = (const struct nlattr *)p;

	while (l >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= l) {
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			o->has_msg = a->nla_len > NLA_HDRLEN + 1;
			snprintf(o->msg, sizeof(o->msg), "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN),
				 (const char *)a + NLA_HDRLEN);
		}
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MISS_TYPE)
			o->miss_type = true;
		l -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a +
					    NLA_ALIGN(a->nla_len));
	}
}

static void outcome_of(const struct nlf_msg *ans, struct outcome *o)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)ans->buf;
	int rem = (int)ans->len;

	memset(o, 0, sizeof(*o));
	for (; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem)) {
		const unsigned char *pl = NLMSG_DATA(h);
		int plen = (int)h->nlmsg_len - NLMSG_HDRLEN, err = 0, off;

		if (h->nlmsg_type == NLMSG_ERROR &&
		    plen >= (int)sizeof(struct nlmsgerr)) {
			err = ((const struct nlmsgerr *)pl)->error;
			off = sizeof(struct nlmsgerr);
		} else if (h->nlmsg_type == NLMSG_DONE && plen >= 4) {
			memcpy(&err, pl, sizeof(err));
			off = 4;
		} else {
			if (o->kind == O_NOTHING)
				o->kind = O_ACCEPTED;
			continue;
		}
		if (err) {
			o->kind = O_REFUSED;
			o->err = -err;
			if (h->nlmsg_flags & NLM_F_ACK_TLVS)
				ack_tlvs(o, pl + off, plen - off);
		} else if (o->kind == O_NOTHING) {
			o->kind = O_ACCEPTED;
		}
	}
}

static void outcome_str(const struct outcome *o, char *b, size_t n)
{
	if (o->kind == O_NOTHING)
		snprintf(b, n, "no answer");
	else if (o->kind == O_ACCEPTED)
		snprintf(b, n, "done");
	else
		snprintf(b, n, "refused %s (%d)%s%s%s%s", strerrorname_np(o->err)
			 ?: "?", o->err, o->has_msg ? ", message \"" : "",
			 o->has_msg ? o->msg : ", NO extack message",
			 o->has_msg ? "\"" : "",
			 o->miss_type ? " [missing-type]" : "");
}

static void hexdump(const struct nlf_msg *m)
{
	size_t i, n = m->len < 512 ? m->len : 512;

	printf("#   bytes:");
	for (i = 0; i < n; i++)
		printf("%s%02x", i % 32 ? "" : "\n#     ", m->buf[i]);
	printf("%s\n", n < m->len ? " ..." : "");
}

static void fail(long i, const struct nlf_req *r, const char *why,
		 const struct outcome *o)
{
	char got[300];

	nfail++;
	if (nfail > MAX_FAIL_SHOWN)
		return;
	outcome_str(o, got, sizeof(got));
	printf("nlfuzz: FAIL: %s: message %ld, %s in %s as %s: %s; must be %s, got %s\n",
	       why, i, nlf_cmd_name(r->cmd), ns_name[r->ns],
	       nlf_priv_name[r->priv], r->what, nlf_expect_name[r->expect], got);
	hexdump(&r->m);
	printf("#   reproduce: %s (seed %llu, message %ld)\n", repro, seed, i);
}

/* Does @o answer @r as it must?  NULL if so, else why not. */
static const char *judge(const struct nlf_req *r, const struct outcome *o)
{
	bool acked = ((const struct nlmsghdr *)r->m.buf)->nlmsg_flags &
		     NLM_F_ACK;

	switch (r->expect) {
	case NLF_X_ANY:
		if (o->kind == O_REFUSED && !o->has_msg)
			return "refusal without extack message";
		if (o->kind == O_NOTHING && acked)
			return "no answer";
		return NULL;
	case NLF_X_REFUSE:
		if (o->kind != O_REFUSED)
			return "malformed request not refused";
		if (!o->has_msg)
			return "refusal without extack message";
		return NULL;
	case NLF_X_DROP:
		return o->kind == O_NOTHING ? NULL : "answer to a dropped message";
	case NLF_X_IGNORE:
		return o->kind == O_REFUSED ? "non-request refused" : NULL;
	case NLF_X_CORE_EINVAL:
		return o->kind == O_REFUSED && o->err == EINVAL ? NULL :
		       "not the core's EINVAL";
	case NLF_X_CORE_NOOP:
		return o->kind == O_REFUSED && o->err == EOPNOTSUPP ? NULL :
		       "not the core's EOPNOTSUPP";
	case NLF_X_CORE_PERM:
		return o->kind == O_REFUSED && o->err == EPERM ? NULL :
		       "not the core's EPERM";
	case NLF_X_CORE_NOOP_PERM:
		return o->kind == O_REFUSED &&
		       (o->err == EPERM || o->err == EOPNOTSUPP) ? NULL :
		       "not the core's EPERM or EOPNOTSUPP";
	}
	return "unknown expectation";
}

/* ---- state ---------------------------------------------------------------- */

static int digest_all(char (*d)[DIGEST_MAX])
{
	int i, err;

	for (i = 0; i < tgt.nns; i++) {
		err = nlf_digest(mon_fd[i], fam.id, d[i], DIGEST_MAX, NULL,
				 up_names[i], sizeof(up_names[i]));
		if (err)
			return err;
	}
	return 0;
}

static bool decoy_up(int k)
{
	char pat[40];
	int i;

	snprintf(pat, sizeof(pat), " %s ", tgt.decoy[k]);
	for (i = 0; i < tgt.nns; i++)
		if (strstr(up_names[i], pat))
			return true;
	return false;
}

/* The decoys' backing devices: unchanged since the last look unless a
 * request on them was done, or they are replicated and up. */
static void check_md5(long i)
{
	char hex[33];
	int k, err;

	for (k = 0; k < tgt.ndecoy; k++) {
		if (decoy_up(k)) {
			decoy_md5_valid[k] = false;
			continue;
		}
		err = nlf_dev_md5(tgt.decoy_backing[k], hex);
		if (err) {
			printf("nlfuzz: FAIL: md5 of %s: %s\n",
			       tgt.decoy_backing[k], strerror(-err));
			nfail++;
			continue;
		}
		if (decoy_md5_valid[k] && strcmp(hex, decoy_md5[k])) {
			nfail++;
			printf("nlfuzz: FAIL: backing %s of decoy %s changed before message %ld with no request on it done (md5 %s, was %s)\n",
			       tgt.decoy_backing[k], tgt.decoy[k], i, hex,
			       decoy_md5[k]);
			printf("#   reproduce: %s (seed %llu)\n", repro, seed);
		}
		memcpy(decoy_md5[k], hex, sizeof(hex));
		decoy_md5_valid[k] = true;
	}
}

static void show_diff(const char *a, const char *b)
{
	printf("#   before:\n%s#   after:\n%s", a, b);
}

/* ---- the run -------------------------------------------------------------- */

static long count_by[NLF_MAX_CMD][3];

static int run(long count, int md5_every)
{
	static char now[NLF_MAX_NS][DIGEST_MAX];
	static struct nlf_req r;
	static struct nlf_msg ans;
	struct outcome o;
	uint32_t seq = 1000;
	long i;
	int n, err;

	err = digest_all(base_digest);
	if (err) {
		printf("nlfuzz: FAIL: status dump: %s\n", strerror(-err));
		return 1;
	}
	for (n = 0; n < tgt.nns; n++)
		printf("# %s before:\n%s", ns_name[n], base_digest[n]);
	check_md5(0);
	for (i = 0; i < count; i++, seq += 2) {
		const char *why;

		nlf_gen(&fam, &tgt, seq, &r);
		err = ask(&r, seq, &ans);
		if (err) {
			memset(&o, 0, sizeof(o));
			fail(i, &r, err == -ETIMEDOUT ? "no answer in 10 s" :
				    err == -ETIME ? "sender stuck for 60 s" :
				    "send failed", &o);
			if (err == -ETIME || err == -EPIPE)
				break;	/* that sender is gone or stuck */
			if (err != -ETIMEDOUT)
				printf("#   %s\n", strerror(-err));
			continue;
		}
		outcome_of(&ans, &o);
		count_by[r.cmd % NLF_MAX_CMD][o.kind]++;
		if (verbose) {
			char got[300];

			outcome_str(&o, got, sizeof(got));
			printf("# %ld %s %s %s: %s -> %s\n", i,
			       nlf_cmd_name(r.cmd), ns_name[r.ns],
			       nlf_priv_name[r.priv], r.what, got);
		}
		why = judge(&r, &o);
		if (why)
			fail(i, &r, why, &o);
		err = digest_all(now);
		if (err) {
			printf("nlfuzz: FAIL: status dump after message %ld: %s\n",
			       i, strerror(-err));
			nfail++;
			break;
		}
		/*
		 * Only a well-formed request that was done may change state;
		 * without NLM_F_ACK, done is no answer at all.
		 */
		if ((o.kind == O_ACCEPTED ||
		     (o.kind == O_NOTHING &&
		      !(((struct nlmsghdr *)r.m.buf)->nlmsg_flags &
			NLM_F_ACK))) &&
		    r.mutating && r.expect == NLF_X_ANY) {
			memcpy(base_digest, now, sizeof(now));
			if (r.decoy >= 0)
				decoy_md5_valid[r.decoy] = false;
		} else {
			for (n = 0; n < tgt.nns; n++) {
				if (!strcmp(now[n], base_digest[n]))
					continue;
				fail(i, &r, "state changed", &o);
				printf("#   in %s\n", ns_name[n]);
				show_diff(base_digest[n], now[n]);
				memcpy(base_digest[n], now[n], DIGEST_MAX);
			}
		}
		if (md5_every && (i + 1) % md5_every == 0)
			check_md5(i);
		if ((i + 1) % 500 == 0) {
			printf("# %ld messages, %ld failures\n", i + 1, nfail);
			fflush(stdout);
		}
	}
	check_md5(i);
	return 0;
}

static void summary(long count)
{
	unsigned int c;

	printf("# per command: done / refused / no answer\n");
	for (c = 0; c < NLF_MAX_CMD; c++)
		if (count_by[c][0] + count_by[c][1] + count_by[c][2])
			printf("#   %-16s %5ld %5ld %5ld\n", nlf_cmd_name(c),
			       count_by[c][O_ACCEPTED], count_by[c][O_REFUSED],
			       count_by[c][O_NOTHING]);
	printf("nlfuzz: seed %llu, %ld messages, %ld failures: %s\n", seed,
	       count, nfail, nfail ? "FAIL" : "ok");
}

static void stop_workers(void)
{
	int i, p;

	for (i = 0; i < tgt.nns; i++)
		for (p = 0; p < NLF_NPRIV; p++) {
			if (worker_fd[i][p] > 0)
				close(worker_fd[i][p]);
			if (worker_pid[i][p] > 0) {
				kill(worker_pid[i][p], SIGKILL);
				waitpid(worker_pid[i][p], NULL, 0);
			}
		}
}

/*
 * nlfuzz gen POLICY SEED COUNT: the requests of a run without sending
 * them, from a saved `nlfuzz policy` (to look at the mix on a host
 * without the module).
 */
static int gen_only(const char *path, unsigned long long s, long count)
{
	static struct nlf_req r;
	char line[256];
	FILE *f = fopen(path, "r");
	long i, by_expect[8] = { 0 };
	int c, dp, up, pidx, a;

	if (!f)
		return 2;
	memset(&fam, 0, sizeof(fam));
	for (c = 0; c < NLF_MAX_CMD; c++)
		fam.do_pol[c] = fam.dump_pol[c] = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned int fl, mn, mx;
		char type[32], maxs[32], nest[32];

		if (sscanf(line, "family %hu maxattr %d", &fam.id,
			   &fam.maxattr) == 2)
			continue;
		if (sscanf(line, "op %d flags %u do %d dump %d", &c, &fl, &dp,
			   &up) == 4 && c < NLF_MAX_CMD) {
			fam.has_op[c] = true;
			fam.op_flags[c] = fl;
			fam.do_pol[c] = dp;
			fam.dump_pol[c] = up;
		} else if (sscanf(line, "attr %d %d %31s min-len %u max-len %u max %31s nested %31s",
				  &pidx, &a, type, &mn, &mx, maxs, nest) == 7 &&
			   pidx < NLF_MAX_POL && a < NLF_MAXATTR) {
			struct nlf_attr_pol *ap = &fam.pol[pidx].a[a];

			ap->type = !strcmp(type, "u32") ? NL_ATTR_TYPE_U32 :
				   !strcmp(type, "flag") ? NL_ATTR_TYPE_FLAG :
				   !strcmp(type, "nul-string") ?
				   NL_ATTR_TYPE_NUL_STRING :
				   !strcmp(type, "nested") ? NL_ATTR_TYPE_NESTED :
				   NL_ATTR_TYPE_BINARY;
			ap->min_len = mn;
			ap->max_len = mx;
			ap->max_u = strcmp(maxs, "-") ? strtoull(maxs, NULL, 0) :
							~0ULL;
			ap->nested = strcmp(nest, "-") ? atoi(nest) : -1;
			if (a > fam.pol[pidx].maxattr)
				fam.pol[pidx].maxattr = a;
			if (pidx >= fam.npol)
				fam.npol = pidx + 1;
		}
	}
	fclose(f);
	tgt.nns = 3;
	snprintf(tgt.live, sizeof(tgt.live), "r0");
	for (i = 0; i < 6; i++) {
		tgt.decoy_ns[i] = (int)(i / 2);
		snprintf(tgt.decoy[i], sizeof(tgt.decoy[i]), "%c%ld",
			 i % 2 ? 'e' : 'd', i / 2);
		snprintf(tgt.decoy_backing[i], sizeof(tgt.decoy_backing[i]),
			 "/dev/loop%ld", i + 3);
	}
	tgt.ndecoy = 6;
	nlf_gen_seed(s);
	for (i = 0; i < count; i++) {
		nlf_gen(&fam, &tgt, 1000 + 2 * (uint32_t)i, &r);
		by_expect[r.expect]++;
		printf("%ld %s ns%d %s %s: %s\n", i, nlf_cmd_name(r.cmd), r.ns,
		       nlf_priv_name[r.priv], nlf_expect_name[r.expect],
		       r.what);
	}
	for (i = 0; i < 8; i++)
		printf("# %s: %ld\n", nlf_expect_name[i], by_expect[i]);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: nlfuzz policy | templates\n"
		"       nlfuzz run --seed S --count N --ns NAME... --live VOL\n"
		"              [--live-backing NS:PATH]... [--decoy NS:NAME:BACKING]...\n"
		"              [--md5-every N] [--repro TEXT] [--verbose]\n");
	return 2;
}

/* NS:NAME:BACKING */
static int parse_decoy(char *s)
{
	char *a = strchr(s, ':'), *b = a ? strchr(a + 1, ':') : NULL;
	int k = tgt.ndecoy;

	if (!b || k >= NLF_MAX_DECOY)
		return -1;
	*a = *b = 0;
	tgt.decoy_ns[k] = atoi(s);
	snprintf(tgt.decoy[k], sizeof(tgt.decoy[k]), "%s", a + 1);
	snprintf(tgt.decoy_backing[k], sizeof(tgt.decoy_backing[k]), "%s",
		 b + 1);
	tgt.ndecoy++;
	return 0;
}

int main(int argc, char **argv)
{
	long count = 100;
	int md5_every = 200, i, self, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "templates")) {
		nlf_templates_print();
		return 0;
	}
	if (!strcmp(argv[1], "policy")) {
		int fd = nlf_socket();

		err = fd < 0 ? fd : nlf_family_get(fd, &fam);
		if (err) {
			fprintf(stderr, "nlfuzz: family: %s\n", strerror(-err));
			return 1;
		}
		nlf_family_print(&fam);
		return 0;
	}
	if (!strcmp(argv[1], "gen") && argc == 5)
		return gen_only(argv[2], strtoull(argv[3], NULL, 0),
				atol(argv[4]));
	if (strcmp(argv[1], "run"))
		return usage();
	for (i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--verbose")) {
			verbose = true;
			continue;
		}
		if (!v)
			return usage();
		i++;
		if (!strcmp(o, "--seed"))
			seed = strtoull(v, NULL, 0);
		else if (!strcmp(o, "--count"))
			count = atol(v);
		else if (!strcmp(o, "--md5-every"))
			md5_every = atoi(v);
		else if (!strcmp(o, "--repro"))
			repro = v;
		else if (!strcmp(o, "--live"))
			snprintf(tgt.live, sizeof(tgt.live), "%s", v);
		else if (!strcmp(o, "--ns") && tgt.nns < NLF_MAX_NS)
			ns_name[tgt.nns++] = v;
		else if (!strcmp(o, "--live-backing") && strchr(v, ':') &&
			 atoi(v) < NLF_MAX_NS)
			snprintf(tgt.live_backing[atoi(v)],
				 sizeof(tgt.live_backing[0]), "%s",
				 strchr(v, ':') + 1);
		else if (!strcmp(o, "--decoy") && !parse_decoy(strdup(v)))
			;
		else
			return usage();
	}
	if (!tgt.nns || !tgt.live[0])
		return usage();
	signal(SIGPIPE, SIG_IGN);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	for (i = 0; i < tgt.nns; i++) {
		err = self < 0 ? -errno : setup_ns(i, self);
		if (err) {
			printf("nlfuzz: FAIL: namespace %s: %s\n", ns_name[i],
			       strerror(-err));
			return 1;
		}
	}
	err = nlf_family_get(mon_fd[0], &fam);
	if (err) {
		printf("nlfuzz: FAIL: family %s: %s\n", SYNOD_FAMILY_NAME,
		       strerror(-err));
		return 1;
	}
	printf("nlfuzz: seed %llu, %ld messages, %d namespaces, %d decoys\n",
	       seed, count, tgt.nns, tgt.ndecoy);
	nlf_gen_seed(seed);
	err = run(count, md5_every);
	stop_workers();
	summary(count);
	return err || nfail ? 1 : 0;
}
