// SPDX-License-Identifier: GPL-2.0
/*
 * Reader of client histories, one JSON object per line:
 *
 *   invoke     {"client":C,"seq":N,"invoke":true,"op":"write","block":B,
 *               "value":V,"call":NS}
 *   completion {"client":C,"seq":N,"op":"read","block":B,"value":V,
 *               "call":NS,"return":NS,"ok":true|false|"unknown"}
 *
 * plus the optional keys "node", "clock", "corrupt", "foreign" and "dev";
 * other keys are skipped, whatever their value.  The simulator's lines
 * have no seq and no invoke.  Only flat objects with integer, string and
 * boolean values are meaningful; nested values of unknown keys are
 * skipped.  A last line without its newline that does not parse is a
 * torn write of a process that died: skipped with a warning.  Any other
 * line that does not parse is an error (the check must not pass on input
 * it could not read).
 */
#define _GNU_SOURCE
#include "history.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A cursor over one line, with the first error. */
struct cur {
	const char *p;
	const char *err;
};

static void ws(struct cur *c)
{
	while (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' ||
	       *c->p == '\n')
		c->p++;
}

static bool fail(struct cur *c, const char *why)
{
	if (!c->err)
		c->err = why;
	return false;
}

/* A string without escapes we need to understand; copied into @buf. */
static bool str(struct cur *c, char *buf, size_t len)
{
	size_t n = 0;

	if (*c->p != '"')
		return fail(c, "expected a string");
	c->p++;
	while (*c->p && *c->p != '"') {
		char ch = *c->p++;

		if (ch == '\\') {
			if (!*c->p)
				break;
			ch = *c->p++;
		}
		if (n + 1 < len)
			buf[n++] = ch;
	}
	if (*c->p != '"')
		return fail(c, "unterminated string");
	c->p++;
	if (len)
		buf[n] = 0;
	return true;
}

/* An integer, possibly negative (node -1). */
static bool num(struct cur *c, int64_t *sign, uint64_t *v)
{
	uint64_t x = 0;
	int digits = 0;

	*sign = 1;
	if (*c->p == '-') {
		*sign = -1;
		c->p++;
	}
	while (*c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p++ - '0');

		if (x > (UINT64_MAX - d) / 10)
			return fail(c, "number out of range");
		x = x * 10 + d;
		digits++;
	}
	if (!digits)
		return fail(c, "expected a number");
	if (*c->p == '.' || *c->p == 'e' || *c->p == 'E')
		return fail(c, "expected an integer");
	*v = x;
	return true;
}

static bool word(struct cur *c, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(c->p, w, n))
		return false;
	c->p += n;
	return true;
}

/* Skip any JSON value (for keys we do not know). */
static bool skip(struct cur *c, int depth)
{
	char buf[2];

	ws(c);
	if (depth > 32)
		return fail(c, "nested too deep");
	if (*c->p == '"')
		return str(c, buf, 0);
	if (*c->p == '{' || *c->p == '[') {
		char close = *c->p == '{' ? '}' : ']';

		c->p++;
		ws(c);
		if (*c->p == close) {
			c->p++;
			return true;
		}
		for (;;) {
			if (close == '}') {
				if (!str(c, buf, 0))
					return false;
				ws(c);
				if (*c->p++ != ':')
					return fail(c, "expected ':'");
			}
			if (!skip(c, depth + 1))
				return false;
			ws(c);
			if (*c->p == ',') {
				c->p++;
				ws(c);
				continue;
			}
			if (*c->p++ == close)
				return true;
			return fail(c, "expected ',' or a closing bracket");
		}
	}
	if (word(c, "true") || word(c, "false") || word(c, "null"))
		return true;
	if (*c->p == '-' || (*c->p >= '0' && *c->p <= '9')) {
		/* numbers of unknown keys may be fractions */
		if (*c->p == '-')
			c->p++;
		while ((*c->p >= '0' && *c->p <= '9') || *c->p == '.' ||
		       *c->p == 'e' || *c->p == 'E' || *c->p == '+' ||
		       *c->p == '-')
			c->p++;
		return true;
	}
	return fail(c, "expected a value");
}

static bool boolean(struct cur *c, bool *b)
{
	if (word(c, "true"))
		*b = true;
	else if (word(c, "false"))
		*b = false;
	else
		return fail(c, "expected true or false");
	return true;
}

static bool u64(struct cur *c, uint64_t *v)
{
	int64_t s;

	if (!num(c, &s, v))
		return false;
	if (s < 0)
		return fail(c, "negative number");
	return true;
}

static int clock_index(struct history *h, const char *name)
{
	char **n;

	for (int i = 0; i < h->nclocks; i++)
		if (!strcmp(h->clocks[i], name))
			return i;
	n = realloc(h->clocks, (size_t)(h->nclocks + 1) * sizeof(*n));
	if (!n)
		return -2;
	h->clocks = n;
	h->clocks[h->nclocks] = strdup(name);
	if (!h->clocks[h->nclocks])
		return -2;
	return h->nclocks++;
}

/* Keys present on a line, to tell missing ones. */
enum {
	K_CLIENT = 1, K_SEQ = 2, K_OP = 4, K_BLOCK = 8, K_VALUE = 16,
	K_CALL = 32, K_RETURN = 64, K_OK = 128,
};

/* The value of one known key; unknown keys are skipped. */
static bool field(struct history *h, struct cur *c, const char *key,
		  struct h_op *op, unsigned *seen)
{
	char buf[64];
	int64_t s;
	uint64_t v;

	if (!strcmp(key, "client")) {
		*seen |= K_CLIENT;
		if (!num(c, &s, &v) || v > INT64_MAX)
			return fail(c, "bad client");
		op->client = s * (int64_t)v;
	} else if (!strcmp(key, "seq")) {
		*seen |= K_SEQ;
		op->has_seq = true;
		return u64(c, &op->seq);
	} else if (!strcmp(key, "invoke")) {
		return boolean(c, &op->invoke);
	} else if (!strcmp(key, "op")) {
		*seen |= K_OP;
		if (!str(c, buf, sizeof(buf)))
			return false;
		if (strcmp(buf, "write") && strcmp(buf, "read"))
			return fail(c, "op is neither write nor read");
		op->write = !strcmp(buf, "write");
	} else if (!strcmp(key, "block")) {
		*seen |= K_BLOCK;
		return u64(c, &op->block);
	} else if (!strcmp(key, "value")) {
		*seen |= K_VALUE;
		return u64(c, &op->value);
	} else if (!strcmp(key, "call")) {
		*seen |= K_CALL;
		return u64(c, &op->call);
	} else if (!strcmp(key, "return")) {
		*seen |= K_RETURN;
		return u64(c, &op->ret);
	} else if (!strcmp(key, "ok")) {
		bool b;

		*seen |= K_OK;
		if (*c->p == '"') {
			if (!str(c, buf, sizeof(buf)))
				return false;
			if (strcmp(buf, "unknown"))
				return fail(c, "ok is not true, false or \"unknown\"");
			op->ok = H_UNKNOWN;
			return true;
		}
		if (!boolean(c, &b))
			return false;
		op->ok = b ? H_TRUE : H_FALSE;
	} else if (!strcmp(key, "node")) {
		if (!num(c, &s, &v) || v > INT64_MAX)
			return fail(c, "bad node");
		op->node = s * (int64_t)v;
	} else if (!strcmp(key, "clock")) {
		if (!str(c, buf, sizeof(buf)))
			return false;
		op->clock = clock_index(h, buf);
		if (op->clock < -1)
			return fail(c, "out of memory");
	} else if (!strcmp(key, "corrupt")) {
		return boolean(c, &op->corrupt);
	} else if (!strcmp(key, "foreign")) {
		return boolean(c, &op->foreign);
	} else {
		return skip(c, 0);
	}
	return true;
}

/* Parse one line into @op; false with c->err set. */
static bool parse_line(struct history *h, const char *line, struct h_op *op)
{
	struct cur c = { .p = line };
	unsigned seen = 0, need;
	char key[64];

	*op = (struct h_op){ .node = -1, .clock = -1, .ret = H_NEVER };
	ws(&c);
	if (*c.p++ != '{')
		fail(&c, "expected '{'");
	ws(&c);
	while (!c.err && *c.p != '}') {
		if (!str(&c, key, sizeof(key)))
			break;
		ws(&c);
		if (*c.p++ != ':') {
			fail(&c, "expected ':'");
			break;
		}
		ws(&c);
		if (!field(h, &c, key, op, &seen))
			break;
		ws(&c);
		if (*c.p == ',') {
			c.p++;
			ws(&c);
		} else if (*c.p != '}') {
			fail(&c, "expected ',' or '}'");
			break;
		}
	}
	if (!c.err) {
		c.p++;		/* the closing brace */
		ws(&c);
		if (*c.p)
			fail(&c, "text after the object");
	}
	need = K_CLIENT | K_OP | K_BLOCK | K_CALL;
	if (op->invoke)
		need |= K_SEQ | (op->write ? K_VALUE : 0);
	else
		need |= K_VALUE | K_RETURN | K_OK;
	if (!c.err && (seen & need) != need)
		fail(&c, "a required key is missing");
	if (!c.err && op->invoke && (seen & (K_RETURN | K_OK)))
		fail(&c, "an invoke line has a return or an outcome");
	if (!c.err && !op->invoke && op->ret < op->call)
		fail(&c, "return before call");
	if (!c.err && op->clock == -1)
		h->any_unnamed = true;
	h->err_msg = c.err;
	return !c.err;
}

static int push(struct history *h, const struct h_op *op)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 4096;
		struct h_op *n = realloc(h->ops, cap * sizeof(*n));

		if (!n)
			return -1;
		h->ops = n;
		h->cap = cap;
	}
	h->ops[h->n++] = *op;
	return 0;
}

static int add_file_name(struct history *h, const char *path)
{
	char **n = realloc(h->files, (size_t)(h->nfiles + 1) * sizeof(*n));

	if (!n)
		return -1;
	h->files = n;
	h->files[h->nfiles] = strdup(path);
	if (!h->files[h->nfiles])
		return -1;
	return h->nfiles++;
}

static int read_file(struct history *h, const char *path, bool final)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t len = 0;
	ssize_t got;
	int fi, lineno = 0, rc = 0;

	if (!f) {
		fprintf(stderr, "lincheck: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fi = add_file_name(h, path);
	while (fi >= 0 && (got = getline(&line, &len, f)) > 0) {
		bool torn = line[got - 1] != '\n';
		struct h_op op;

		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)got)
			continue;
		if (!parse_line(h, line, &op)) {
			if (torn) {
				fprintf(stderr, "lincheck: %s:%d: torn last "
					"line skipped (%s)\n", path, lineno,
					h->err_msg);
				h->torn++;
				break;
			}
			fprintf(stderr, "lincheck: %s:%d: %s\n", path, lineno,
				h->err_msg);
			rc = -1;
			break;
		}
		if (final && op.invoke) {
			fprintf(stderr, "lincheck: %s:%d: an invoke line in "
				"the final reads\n", path, lineno);
			rc = -1;
			break;
		}
		op.final = final;
		op.file = fi;
		op.line = lineno;
		if (push(h, &op)) {
			rc = -1;
			break;
		}
	}
	if (fi < 0 || (!rc && ferror(f))) {
		fprintf(stderr, "lincheck: %s: cannot read\n", path);
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int history_read(struct history *h, const char *path, bool final)
{
	struct dirent *d;
	struct stat st;
	char **names = NULL;
	int n = 0, rc = 0;
	DIR *dir;

	if (stat(path, &st)) {
		fprintf(stderr, "lincheck: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return read_file(h, path, final);
	dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "lincheck: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((d = readdir(dir))) {
		size_t l = strlen(d->d_name);
		char **nn;

		if (l < 7 || strcmp(d->d_name + l - 6, ".jsonl"))
			continue;
		nn = realloc(names, (size_t)(n + 1) * sizeof(*nn));
		if (!nn || asprintf(&nn[n], "%s/%s", path, d->d_name) < 0) {
			names = nn ? nn : names;
			rc = -1;
			break;
		}
		names = nn;
		n++;
	}
	closedir(dir);
	if (!rc && !n) {
		fprintf(stderr, "lincheck: %s: no *.jsonl file\n", path);
		rc = -1;
	}
	if (names)
		qsort(names, (size_t)n, sizeof(*names), cmp_str);
	for (int i = 0; i < n; i++) {
		if (!rc)
			rc = read_file(h, names[i], final);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Invokes and completions of one (client, seq) next to each other. */
static int cmp_pair(const void *a, const void *b)
{
	const struct h_op *x = a, *y = b;

	if (x->has_seq != y->has_seq)
		return x->has_seq ? 1 : -1;
	if (x->final != y->final)
		return x->final ? 1 : -1;
	if (x->client != y->client)
		return x->client < y->client ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	if (x->invoke != y->invoke)
		return x->invoke ? -1 : 1;
	return x->file != y->file ? x->file - y->file : x->line - y->line;
}

static bool same_op(const struct h_op *a, const struct h_op *b)
{
	return a->has_seq && b->has_seq && a->final == b->final &&
	       a->client == b->client && a->seq == b->seq;
}

int history_pair(struct history *h)
{
	size_t i, out = 0;

	qsort(h->ops, h->n, sizeof(*h->ops), cmp_pair);
	for (i = 0; i < h->n; i++) {
		struct h_op *op = &h->ops[i];
		bool next_same = i + 1 < h->n && same_op(op, &h->ops[i + 1]);

		if (next_same && op->invoke == h->ops[i + 1].invoke) {
			fprintf(stderr, "lincheck: %s:%d and %s:%d: client %lld "
				"seq %llu %s twice\n", h->files[op->file],
				op->line, h->files[h->ops[i + 1].file],
				h->ops[i + 1].line, (long long)op->client,
				(unsigned long long)op->seq,
				op->invoke ? "invoked" : "completed");
			return -1;
		}
		if (op->invoke && next_same)
			continue;	/* the completion says it all */
		if (op->invoke) {
			if (!op->write)
				continue;	/* a read that never returned */
			op->invoke = false;
			op->ok = H_UNKNOWN;
			op->ret = H_NEVER;
		}
		h->ops[out++] = *op;
	}
	h->n = out;
	return 0;
}

const char *history_clock_name(const struct history *h, int clock)
{
	return clock >= 0 && clock < h->nclocks ? h->clocks[clock] : "";
}

void history_free(struct history *h)
{
	for (int i = 0; i < h->nfiles; i++)
		free(h->files[i]);
	for (int i = 0; i < h->nclocks; i++)
		free(h->clocks[i]);
	free(h->files);
	free(h->clocks);
	free(h->ops);
	memset(h, 0, sizeof(*h));
}
