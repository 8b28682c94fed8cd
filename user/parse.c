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

struct cmd_spec {
	const char *object;
	const char *command;	/* NULL: the object alone is the command */
	enum synodctl_op op;
	unsigned int flags;
};

static const struct cmd_spec cmd_specs[] = {
	{ "volume", "create", SYNODCTL_OP_VOLUME_CREATE, F_NAME | F_BACKING },
	{ "volume", "attach", SYNODCTL_OP_VOLUME_ATTACH, F_NAME | F_BACKING },
	{ "volume", "delete", SYNODCTL_OP_VOLUME_DELETE, F_NAME },
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
	      "       synodctl volume create NAME --backing DEV\n"
	      "       synodctl volume attach NAME --backing DEV\n"
	      "       synodctl volume delete NAME\n"
	      "       synodctl status [NAME]\n"
	      "       synodctl stats\n"
	      "       synodctl events [--count N]\n"
	      "       synodctl help | -h | --help\n"
	      "       synodctl -V | --version\n"
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

/* One argument after the command; returns how many argv words it used. */
static int parse_arg(int argc, char **argv, int i, const struct cmd_spec *s,
		     struct synodctl_req *req, char *err, size_t err_len)
{
	const char *a = argv[i];
	int ret;

	if (is_json_opt(a)) {
		req->json = true;
		return 1;
	}
	if (is_pretty_opt(a)) {
		req->pretty = true;
		return 1;
	}
	if ((s->flags & F_BACKING) && !strncmp(a, "--backing=", 10)) {
		ret = take_backing(a + 10, req, err, err_len);
		return ret ? ret : 1;
	}
	if (((s->flags & F_BACKING) && !strcmp(a, "--backing")) ||
	    ((s->flags & F_COUNT) && !strcmp(a, "--count"))) {
		if (i + 1 >= argc)
			return fail(err, err_len, "option '%s' needs a value",
				    a);
		if (a[2] == 'b')
			ret = take_backing(argv[i + 1], req, err, err_len);
		else
			ret = take_count(argv[i + 1], req, err, err_len);
		return ret ? ret : 2;
	}
	if (a[0] == '-' && a[1])
		return fail(err, err_len, "unknown option '%s'", a);
	ret = take_name(a, s->flags, req, err, err_len);
	return ret ? ret : 1;
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
	return 0;
}
