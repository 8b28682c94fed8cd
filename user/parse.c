// SPDX-License-Identifier: GPL-2.0
/*
 * Command line grammar of synodctl, iproute2 style:
 *
 *	synodctl [-j] [-p] OBJECT [COMMAND] [ARGS]
 *
 * Keywords match exactly (no abbreviations, so scripts stay readable and
 * new commands never change the meaning of old ones).  -j and -p are also
 * accepted after the command.  This file only turns argv into a struct
 * synodctl_req; it never talks to the kernel, so it is unit tested.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <synod.h>

#include "synodctl.h"
#include "lib/util.h"

#define F_NAME		(1u << 0)	/* NAME is required */
#define F_NAME_OPT	(1u << 1)	/* NAME may be given */
#define F_BACKING	(1u << 2)	/* --backing DEV is required */
#define F_COUNT		(1u << 3)	/* --count N is allowed */
#define F_REPL		(1u << 4)	/* replication options are allowed */
#define F_FORCE		(1u << 5)	/* --force is allowed */
#define F_PEER		(1u << 6)	/* ID[=ADDR:PORT] after NAME required */
#define F_PEER_ADDR	(1u << 7)	/* ... and its address too */
#define F_SECRET	(1u << 8)	/* --secret-file FILE is allowed */
#define F_LARGE		(1u << 9)	/* --large-requests is required */

struct cmd_spec {
	const char *object;
	const char *command;	/* NULL: the object alone is the command */
	enum synodctl_op op;
	unsigned int flags;
};

static const struct cmd_spec cmd_specs[] = {
	{ "volume", "create", SYNODCTL_OP_VOLUME_CREATE,
	  F_NAME | F_BACKING | F_REPL | F_FORCE },
	{ "volume", "attach", SYNODCTL_OP_VOLUME_ATTACH,
	  F_NAME | F_BACKING | F_SECRET },
	{ "volume", "delete", SYNODCTL_OP_VOLUME_DELETE, F_NAME },
	{ "volume", "upgrade", SYNODCTL_OP_VOLUME_UPGRADE,
	  F_BACKING | F_LARGE },
	{ "volume", "up", SYNODCTL_OP_VOLUME_UP, F_NAME },
	{ "volume", "down", SYNODCTL_OP_VOLUME_DOWN, F_NAME | F_FORCE },
	{ "volume", "promote", SYNODCTL_OP_VOLUME_PROMOTE, F_NAME },
	{ "volume", "demote", SYNODCTL_OP_VOLUME_DEMOTE, F_NAME },
	{ "peer", "add", SYNODCTL_OP_PEER_ADD, F_NAME | F_PEER | F_PEER_ADDR },
	{ "peer", "remove", SYNODCTL_OP_PEER_REMOVE, F_NAME | F_PEER },
	{ "peer", "help", SYNODCTL_OP_HELP, 0 },
	{ "volume", "help", SYNODCTL_OP_HELP, 0 },
	{ "status", NULL, SYNODCTL_OP_STATUS, F_NAME_OPT },
	{ "stats", NULL, SYNODCTL_OP_STATS, 0 },
	{ "events", NULL, SYNODCTL_OP_EVENTS, F_COUNT },
	{ "help", NULL, SYNODCTL_OP_HELP, 0 },
};

#define N_SPECS (sizeof(cmd_specs) / sizeof(cmd_specs[0]))

void synodctl_usage(FILE *fp)
{
	fputs("Usage: synodctl [-j] [-p] OBJECT COMMAND [ARGS]\n"
	      "       synodctl volume create NAME --backing DEV [--force]\n"
	      "                [--node ID --listen ADDR:PORT --peer ID=ADDR:PORT...\n"
	      "                 --secret-file FILE [--cluster NAME] [--q1 N] [--q2 N]\n"
	      "                 [--on-no-quorum suspend|error] [--auto-promote]\n"
	      "                 [--small-requests]]\n"
	      "       synodctl volume attach NAME --backing DEV [--secret-file FILE]\n"
	      "       synodctl volume up|promote|demote|delete NAME\n"
	      "       synodctl volume upgrade --backing DEV --large-requests\n"
	      "       synodctl volume down NAME [--force]\n"
	      "       synodctl peer add NAME ID=ADDR:PORT\n"
	      "       synodctl peer remove NAME ID\n"
	      "       synodctl status [NAME]\n"
	      "       synodctl stats\n"
	      "       synodctl events [--count N]\n"
	      "       synodctl help | -h | --help\n"
	      "       synodctl -V | --version\n"
	      "ADDR:PORT is A.B.C.D:PORT or [IPv6]:PORT; node ids are 0 to 7.\n"
	      "Options: -j, --json    JSON output\n"
	      "         -p, --pretty  indent JSON output\n", fp);
}

/* Every usage error names the offending word and returns -EINVAL. */
static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_json_opt(const char *a)
{
	return !strcmp(a, "-j") || !strcmp(a, "--json");
}

static bool is_pretty_opt(const char *a)
{
	return !strcmp(a, "-p") || !strcmp(a, "--pretty");
}

/* Options before OBJECT; returns the index of OBJECT or -EINVAL. */
static int parse_global(int argc, char **argv, struct synodctl_req *req,
			char *err, size_t err_len)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (is_json_opt(a)) {
			req->json = true;
		} else if (is_pretty_opt(a)) {
			req->pretty = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			req->op = SYNODCTL_OP_HELP;
			return argc;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			req->op = SYNODCTL_OP_VERSION;
			return argc;
		} else {
			return fail(err, err_len, "unknown option '%s'", a);
		}
	}
	if (i == argc)
		return fail(err, err_len, "missing OBJECT");
	return i;
}

/* Finds OBJECT [COMMAND] in the table; *i advances past what matched. */
static const struct cmd_spec *find_spec(int argc, char **argv, int *i,
					char *err, size_t err_len)
{
	const char *object = argv[*i];
	const char *command;
	bool known = false;
	size_t k;

	for (k = 0; k < N_SPECS; k++) {
		if (strcmp(cmd_specs[k].object, object))
			continue;
		known = true;
		if (!cmd_specs[k].command) {
			*i += 1;
			return &cmd_specs[k];
		}
	}
	if (!known) {
		fail(err, err_len, "unknown object '%s'", object);
		return NULL;
	}
	if (*i + 1 >= argc) {
		fail(err, err_len, "missing COMMAND after '%s'", object);
		return NULL;
	}
	command = argv[*i + 1];
	for (k = 0; k < N_SPECS; k++) {
		if (!strcmp(cmd_specs[k].object, object) &&
		    !strcmp(cmd_specs[k].command, command)) {
			*i += 2;
			return &cmd_specs[k];
		}
	}
	fail(err, err_len, "unknown command '%s' for '%s'", command, object);
	return NULL;
}

static int take_backing(const char *value, struct synodctl_req *req,
			char *err, size_t err_len)
{
	int ret;

	if (req->backing)
		return fail(err, err_len, "option '--backing' given twice");
	ret = synod_backing_check(value);
	if (ret == -ENAMETOOLONG)
		return fail(err, err_len,
			    "backing path is longer than %d bytes",
			    SYNOD_PATH_MAX);
	if (ret)
		return fail(err, err_len, "empty backing path");
	req->backing = value;
	return 0;
}

static int take_count(const char *value, struct synodctl_req *req,
		      char *err, size_t err_len)
{
	if (synod_parse_u32(value, &req->count) || req->count == 0)
		return fail(err, err_len,
			    "invalid count '%s' (want a number from 1 to %u)",
			    value, UINT32_MAX);
	return 0;
}

static int take_node(const char *value, struct synodctl_req *req,
		     char *err, size_t err_len)
{
	struct synodctl_repl *r = &req->repl;

	if (r->node_set)
		return fail(err, err_len, "option '--node' given twice");
	if (synod_node_parse(value, &r->node))
		return fail(err, err_len,
			    "invalid node id '%s' (want 0 to %d)", value,
			    SYNOD_NODE_MAX);
	r->node_set = true;
	return 0;
}

static int take_listen(const char *value, struct synodctl_req *req,
		       char *err, size_t err_len)
{
	struct synodctl_repl *r = &req->repl;

	if (r->listen_set)
		return fail(err, err_len, "option '--listen' given twice");
	if (synod_addr_parse(value, &r->listen))
		return fail(err, err_len,
			    "invalid address '%s' (want A.B.C.D:PORT or [IPv6]:PORT, port 1 to 65535)",
			    value);
	r->listen_set = true;
	return 0;
}

/* ID[=ADDR:PORT] into *p; the message names the part that is wrong. */
static int take_peer_spec(const char *value, struct synodctl_peer *p,
			  char *err, size_t err_len)
{
	int ret = synod_peer_parse(value, &p->node, &p->addr, &p->has_addr);

	if (ret == -EADDRNOTAVAIL)
		return fail(err, err_len,
			    "invalid address in peer '%s' (want ID=A.B.C.D:PORT or ID=[IPv6]:PORT)",
			    value);
	if (ret)
		return fail(err, err_len,
			    "invalid peer node id in '%s' (want 0 to %d)",
			    value, SYNOD_NODE_MAX);
	return 0;
}

/* --peer ID=ADDR:PORT, repeated, each node once. */
static int take_peer(const char *value, struct synodctl_req *req,
		     char *err, size_t err_len)
{
	struct synodctl_repl *r = &req->repl;
	struct synodctl_peer p;
	uint32_t i;
	int ret;

	ret = take_peer_spec(value, &p, err, err_len);
	if (ret)
		return ret;
	if (!p.has_addr)
		return fail(err, err_len,
			    "peer '%s' needs an address: --peer ID=ADDR:PORT",
			    value);
	for (i = 0; i < r->npeers; i++)
		if (r->peer[i].node == p.node)
			return fail(err, err_len, "peer %u given twice",
				    p.node);
	if (r->npeers > SYNOD_NODE_MAX)
		return fail(err, err_len, "too many peers (at most %d)",
			    SYNOD_NODE_MAX);
	r->peer[r->npeers++] = p;
	return 0;
}

static int take_secret_file(const char *value, struct synodctl_req *req,
			    char *err, size_t err_len)
{
	if (req->repl.secret_file)
		return fail(err, err_len, "option '--secret-file' given twice");
	if (!value[0])
		return fail(err, err_len, "empty secret file path");
	req->repl.secret_file = value;
	return 0;
}

static int take_cluster(const char *value, struct synodctl_req *req,
			char *err, size_t err_len)
{
	if (req->repl.cluster)
		return fail(err, err_len, "option '--cluster' given twice");
	if (synod_name_check(value))
		return fail(err, err_len,
			    "invalid cluster name '%s' (1 to %d of A-Z a-z 0-9 . _ -, not starting with . or -)",
			    value, SYNOD_NAME_MAX);
	req->repl.cluster = value;
	return 0;
}

/* --q1/--q2: 1 .. 8 here; against the voter count in check_repl(). */
static int take_quorum(const char *opt, const char *value, uint32_t *q,
		       char *err, size_t err_len)
{
	if (*q)
		return fail(err, err_len, "option '%s' given twice", opt);
	if (synod_parse_u32(value, q) || *q == 0 || *q > SYNOD_NODE_MAX + 1)
		return fail(err, err_len,
			    "invalid quorum size '%s' for '%s' (want 1 to %d)",
			    value, opt, SYNOD_NODE_MAX + 1);
	return 0;
}

static int take_on_no_quorum(const char *value, struct synodctl_req *req,
			     char *err, size_t err_len)
{
	struct synodctl_repl *r = &req->repl;

	if (r->on_no_quorum_set)
		return fail(err, err_len,
			    "option '--on-no-quorum' given twice");
	if (!strcmp(value, "suspend"))
		r->on_no_quorum = SYNOD_NO_QUORUM_SUSPEND;
	else if (!strcmp(value, "error"))
		r->on_no_quorum = SYNOD_NO_QUORUM_ERROR;
	else
		return fail(err, err_len,
			    "invalid --on-no-quorum '%s' (want suspend or error)",
			    value);
	r->on_no_quorum_set = true;
	return 0;
}

static int take_name(const char *value, unsigned int flags,
		     struct synodctl_req *req, char *err, size_t err_len)
{
	int ret;

	if (!(flags & (F_NAME | F_NAME_OPT)) || req->name)
		return fail(err, err_len, "unexpected argument '%s'", value);
	ret = synod_name_check(value);
	if (ret == -ENAMETOOLONG)
		return fail(err, err_len,
			    "volume name '%s' is longer than %d bytes",
			    value, SYNOD_NAME_MAX);
	if (ret)
		return fail(err, err_len,
			    "invalid volume name '%s' (use A-Z a-z 0-9 . _ -, not starting with . or -)",
			    value);
	req->name = value;
	return 0;
}

/* A word that is not an option: NAME, then for peer add/remove the peer. */
static int take_positional(const char *value, unsigned int flags,
			   struct synodctl_req *req, char *err,
			   size_t err_len)
{
	int ret;

	if (!req->name || !(flags & F_PEER) || req->peer_set)
		return take_name(value, flags, req, err, err_len);
	ret = take_peer_spec(value, &req->peer, err, err_len);
	if (ret)
		return ret;
	req->peer_set = true;
	return 0;
}

enum opt_id {
	O_BACKING, O_COUNT, O_NODE, O_LISTEN, O_PEER, O_SECRET_FILE,
	O_CLUSTER, O_Q1, O_Q2, O_ON_NO_QUORUM, O_AUTO_PROMOTE, O_FORCE,
	O_LARGE, O_SMALL,
};

struct opt_spec {
	const char *name;
	enum opt_id id;
	unsigned int need;	/* the command must have one of these F_ flags */
	bool value;		/* takes a value (next word or after '=') */
};

static const struct opt_spec opt_specs[] = {
	{ "--backing", O_BACKING, F_BACKING, true },
	{ "--count", O_COUNT, F_COUNT, true },
	{ "--node", O_NODE, F_REPL, true },
	{ "--listen", O_LISTEN, F_REPL, true },
	{ "--peer", O_PEER, F_REPL, true },
	{ "--secret-file", O_SECRET_FILE, F_REPL | F_SECRET, true },
	{ "--cluster", O_CLUSTER, F_REPL, true },
	{ "--q1", O_Q1, F_REPL, true },
	{ "--q2", O_Q2, F_REPL, true },
	{ "--on-no-quorum", O_ON_NO_QUORUM, F_REPL, true },
	{ "--auto-promote", O_AUTO_PROMOTE, F_REPL, false },
	{ "--small-requests", O_SMALL, F_REPL, false },
	{ "--force", O_FORCE, F_FORCE, false },
	{ "--large-requests", O_LARGE, F_LARGE, false },
};

#define N_OPTS (sizeof(opt_specs) / sizeof(opt_specs[0]))

/* The option spelled by a ("--opt" or "--opt=value"), or NULL. */
static const struct opt_spec *find_opt(const char *a, const char **value)
{
	size_t k, n;

	for (k = 0; k < N_OPTS; k++) {
		n = strlen(opt_specs[k].name);
		if (strncmp(a, opt_specs[k].name, n))
			continue;
		if (a[n] == '\0') {
			*value = NULL;
			return &opt_specs[k];
		}
		if (a[n] == '=' && opt_specs[k].value) {
			*value = a + n + 1;
			return &opt_specs[k];
		}
	}
	return NULL;
}

static int take_opt(const struct opt_spec *o, const char *value,
		    struct synodctl_req *req, char *err, size_t err_len)
{
	if ((o->need & F_REPL) && !req->repl.first_opt && o->id != O_NODE)
		req->repl.first_opt = o->name;
	switch (o->id) {
	case O_BACKING:
		return take_backing(value, req, err, err_len);
	case O_COUNT:
		return take_count(value, req, err, err_len);
	case O_NODE:
		return take_node(value, req, err, err_len);
	case O_LISTEN:
		return take_listen(value, req, err, err_len);
	case O_PEER:
		return take_peer(value, req, err, err_len);
	case O_SECRET_FILE:
		return take_secret_file(value, req, err, err_len);
	case O_CLUSTER:
		return take_cluster(value, req, err, err_len);
	case O_Q1:
		return take_quorum(o->name, value, &req->repl.q1, err, err_len);
	case O_Q2:
		return take_quorum(o->name, value, &req->repl.q2, err, err_len);
	case O_ON_NO_QUORUM:
		return take_on_no_quorum(value, req, err, err_len);
	case O_AUTO_PROMOTE:
		req->repl.auto_promote = true;
		return 0;
	case O_SMALL:
		req->repl.small_requests = true;
		return 0;
	case O_FORCE:
		req->force = true;
		return 0;
	case O_LARGE:
		req->large_requests = true;
		return 0;
	}
	return fail(err, err_len, "unknown option '%s'", o->name);
}

/* One argument after the command; returns how many argv words it used. */
static int parse_arg(int argc, char **argv, int i, const struct cmd_spec *s,
		     struct synodctl_req *req, char *err, size_t err_len)
{
	const char *a = argv[i];
	const struct opt_spec *o;
	const char *value;
	int used = 1, ret;

	if (is_json_opt(a)) {
		req->json = true;
		return 1;
	}
	if (is_pretty_opt(a)) {
		req->pretty = true;
		return 1;
	}
	if (a[0] != '-' || !a[1]) {
		ret = take_positional(a, s->flags, req, err, err_len);
		return ret ? ret : 1;
	}
	o = find_opt(a, &value);
	if (!o)
		return fail(err, err_len, "unknown option '%s'", a);
	if (!(s->flags & o->need))
		return fail(err, err_len, "option '%s' does not apply to '%s%s%s'",
			    a, s->object, s->command ? " " : "",
			    s->command ? s->command : "");
	if (o->value && !value) {
		if (i + 1 >= argc)
			return fail(err, err_len, "option '%s' needs a value",
				    a);
		value = argv[i + 1];
		used = 2;
	}
	ret = take_opt(o, value, req, err, err_len);
	return ret ? ret : used;
}

/*
 * A replicated volume needs its own id and address, a peer and a
 * secret; quorum sizes must fit the voters (self and peers) and
 * intersect (q1 + q2 > n).  The kernel checks all of this again.
 */
static int check_repl(const struct synodctl_repl *r, char *err,
		      size_t err_len)
{
	uint32_t n = 1 + r->npeers, q1, q2, i;

	if (!r->node_set) {
		if (r->first_opt)
			return fail(err, err_len,
				    "option '%s' needs '--node ID' (a replicated volume)",
				    r->first_opt);
		return 0;
	}
	if (!r->listen_set)
		return fail(err, err_len,
			    "missing '--listen ADDR:PORT' for a replicated volume");
	if (!r->npeers)
		return fail(err, err_len,
			    "missing '--peer ID=ADDR:PORT' for a replicated volume");
	if (!r->secret_file)
		return fail(err, err_len,
			    "missing '--secret-file FILE' for a replicated volume");
	for (i = 0; i < r->npeers; i++)
		if (r->peer[i].node == r->node)
			return fail(err, err_len,
				    "peer %u has this node's own id (--node %u)",
				    r->peer[i].node, r->node);
	q1 = r->q1 ? r->q1 : n / 2 + 1;
	q2 = r->q2 ? r->q2 : n / 2 + 1;
	if (q1 > n || q2 > n)
		return fail(err, err_len,
			    "quorum larger than the %u voters (--q1 %u --q2 %u)",
			    n, q1, q2);
	if (q1 + q2 <= n)
		return fail(err, err_len,
			    "quorums do not intersect: q1 + q2 = %u must exceed the %u voters",
			    q1 + q2, n);
	return 0;
}

/*
 * Parse argv into *req.  Returns 0, or -EINVAL with a one-line message
 * in err naming the word that is wrong.
 */
int synodctl_parse(int argc, char **argv, struct synodctl_req *req,
		   char *err, size_t err_len)
{
	const struct cmd_spec *s;
	int i, n;

	memset(req, 0, sizeof(*req));
	err[0] = '\0';
	i = parse_global(argc, argv, req, err, err_len);
	if (i < 0 || i >= argc)
		return i < 0 ? i : 0;
	s = find_spec(argc, argv, &i, err, err_len);
	if (!s)
		return -EINVAL;
	req->op = s->op;
	for (; i < argc; i += n) {
		n = parse_arg(argc, argv, i, s, req, err, err_len);
		if (n < 0)
			return n;
	}
	if ((s->flags & F_NAME) && !req->name)
		return fail(err, err_len, "missing NAME for '%s %s'",
			    s->object, s->command);
	if ((s->flags & F_BACKING) && !req->backing)
		return fail(err, err_len, "missing '--backing DEV' for '%s %s'",
			    s->object, s->command);
	/* the only upgrade so far: say which, so that later ones can come */
	if ((s->flags & F_LARGE) && !req->large_requests)
		return fail(err, err_len,
			    "missing '--large-requests' for '%s %s' (the upgrade to make)",
			    s->object, s->command);
	if ((s->flags & F_PEER) && !req->peer_set)
		return fail(err, err_len, "missing '%s' for '%s %s'",
			    s->flags & F_PEER_ADDR ? "ID=ADDR:PORT" : "ID",
			    s->object, s->command);
	if ((s->flags & F_PEER_ADDR) && !req->peer.has_addr)
		return fail(err, err_len,
			    "'%s %s' needs the peer's address: ID=ADDR:PORT",
			    s->object, s->command);
	if (s->flags & F_REPL)
		return check_repl(&req->repl, err, err_len);
	return 0;
}
