// SPDX-License-Identifier: GPL-2.0
/*
 * lincheck: is a history of reads and writes of 4 KiB blocks, taken from
 * real clients of a synod volume (tests/workload/synod-load) or from the
 * simulator (synod-sim --history), linearizable?
 *
 *   lincheck [--budget N] [--clock-map FILE] [--cut T0:T1 --final FILE]
 *            [--summary FILE] HIST...
 *
 * Each block is a register checked alone (linearizability is local), with
 * the simulator's rules and search (tests/sim/wgl.c): failed operations
 * are left out; a write of unknown outcome whose value no read returned is
 * left out (omitting it is one of its allowed outcomes and it explains no
 * read); one that was read may take effect at any time after its call.  A
 * read of a corrupt block, of a block of another run, or of a value that
 * no write of this run wrote is a violation by itself.
 *
 * For a violation it prints the shortest window that still shows it (see
 * find_window()).  Exit 0 linearizable, 1 violation, 2 the search ran out
 * of budget or the input could not be read: never a pass.  The last line
 * of stdout is always the summary line (Documentation/fault-tier.rst).
 */
#define _GNU_SOURCE
#include "history.h"
#include "window.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct clock_map {
	char name[64];		/* clock domain, as in the "clock" key */
	int64_t offset;		/* host time = domain time + offset */
	uint64_t error;		/* bound on that offset's error, ns */
};

struct opts {
	uint64_t budget;
	const char *clock_map;
	const char *final;
	const char *summary;
	bool cut;
	uint64_t t0, t1;
};

struct counts {
	size_t ops, blocks, unknown, reads;
	int violations, gave_up;
};

static const char *verdict_name(const struct counts *c, bool error)
{
	if (error)
		return "ERROR";
	if (c->violations)
		return "VIOLATION";
	return c->gave_up ? "GAVE-UP" : "linearizable";
}

static void summary(const struct opts *o, const struct counts *c, bool error)
{
	const char *v = verdict_name(c, error);
	FILE *f;

	printf("lincheck: %zu ops, %zu blocks, %zu unknown writes, %zu reads: "
	       "%s\n", c->ops, c->blocks, c->unknown, c->reads, v);
	if (!o->summary)
		return;
	f = fopen(o->summary, "w");
	if (!f) {
		perror(o->summary);
		return;
	}
	fprintf(f, "{\"ops\":%zu,\"blocks\":%zu,\"unknown\":%zu,\"reads\":%zu,"
		"\"verdict\":\"%s\"}\n", c->ops, c->blocks, c->unknown,
		c->reads, v);
	fclose(f);
}

static int read_clock_map(const char *path, struct clock_map **map, int *n)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int lineno = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	*map = NULL;
	*n = 0;
	while (fgets(line, sizeof(line), f)) {
		struct clock_map m = { 0 };
		long long off;
		unsigned long long err;
		char extra;
		struct clock_map *nm;

		lineno++;
		if (line[strspn(line, " \t")] == '#' ||
		    strspn(line, " \t\r\n") == strlen(line))
			continue;
		if (sscanf(line, "%63s %lld %llu %c", m.name, &off, &err,
			   &extra) != 3) {
			fprintf(stderr, "lincheck: %s:%d: expected NAME "
				"OFFSET_NS ERROR_NS\n", path, lineno);
			fclose(f);
			return -1;
		}
		for (int i = 0; i < *n; i++)
			if (!strcmp((*map)[i].name, m.name)) {
				fprintf(stderr, "lincheck: %s:%d: clock %s "
					"mapped twice\n", path, lineno, m.name);
				fclose(f);
				return -1;
			}
		m.offset = off;
		m.error = err;
		nm = realloc(*map, (size_t)(*n + 1) * sizeof(*nm));
		if (!nm) {
			fclose(f);
			return -1;
		}
		*map = nm;
		(*map)[(*n)++] = m;
	}
	fclose(f);
	return 0;
}

static uint64_t shift(uint64_t t, int64_t by)
{
	if (by < 0 && t < (uint64_t)-by)
		return 0;
	return t + (uint64_t)by;
}

/*
 * Put every op on the host's clock: each domain's times are shifted by its
 * offset and every interval widened by the offset's error bound (ops of
 * two domains closer than that count as concurrent).  Without a map the
 * whole history must come from one clock.
 */
static int map_clocks(struct history *h, const char *path)
{
	struct clock_map *map = NULL;
	int nmap = 0, ndom = 0;
	bool unnamed = false, *seen = calloc((size_t)h->nclocks + 1, 1);

	if (!seen)
		return -1;
	for (size_t i = 0; i < h->n; i++) {
		if (h->ops[i].final)
			continue;
		if (h->ops[i].clock < 0)
			unnamed = true;
		else
			seen[h->ops[i].clock] = true;
	}
	for (int c = 0; c < h->nclocks; c++)
		ndom += seen[c];
	free(seen);
	if (!path) {
		if (ndom + unnamed <= 1)
			return 0;
		fprintf(stderr, "lincheck: ops from %d clock domains and no "
			"--clock-map\n", ndom + unnamed);
		return -1;
	}
	if (read_clock_map(path, &map, &nmap))
		return -1;
	for (size_t i = 0; i < h->n; i++) {
		struct h_op *op = &h->ops[i];
		const char *name = history_clock_name(h, op->clock);
		int k;

		if (op->final || op->clock < 0)
			continue;
		for (k = 0; k < nmap && strcmp(map[k].name, name); k++)
			;
		if (k == nmap) {
			fprintf(stderr, "lincheck: %s:%d: clock %s is not in "
				"%s\n", h->files[op->file], op->line, name,
				path);
			free(map);
			return -1;
		}
		op->call = shift(shift(op->call, map[k].offset),
				 -(int64_t)map[k].error);
		if (op->ret != H_NEVER)
			op->ret = shift(shift(op->ret, map[k].offset),
					(int64_t)map[k].error);
	}
	free(map);
	return 0;
}

/*
 * A power cut between T0 and T1 (a mark taken on every replica between
 * the two): ops that returned before T0 keep their outcome; ops called
 * before T1 without a return by T0 become writes of unknown outcome (reads
 * are dropped); ops called after T1 are dropped.  The final reads, taken
 * after recovery, come after T1.
 */
static void apply_cut(struct history *h, uint64_t t0, uint64_t t1)
{
	size_t out = 0;

	for (size_t i = 0; i < h->n; i++) {
		struct h_op op = h->ops[i];

		if (op.final) {
			op.call = t1 + 1;
			op.ret = t1 + 2;
		} else if (op.ret != H_NEVER && op.ret < t0) {
			/* keeps its outcome */
		} else if (op.call < t1) {
			if (!op.write)
				continue;
			if (op.ok != H_FALSE) {
				op.ok = H_UNKNOWN;
				op.ret = H_NEVER;
			}
		} else {
			continue;
		}
		h->ops[out++] = op;
	}
	h->n = out;
}

static int cmp_block_call(const void *a, const void *b)
{
	const struct h_op *x = a, *y = b;

	if (x->block != y->block)
		return x->block < y->block ? -1 : 1;
	if (x->call != y->call)
		return x->call < y->call ? -1 : 1;
	return x->file != y->file ? x->file - y->file : x->line - y->line;
}

static void count(const struct history *h, struct counts *c)
{
	for (size_t i = 0; i < h->n; i++) {
		const struct h_op *op = &h->ops[i];

		c->ops++;
		c->blocks += !i || op->block != h->ops[i - 1].block;
		c->unknown += op->write && op->ok == H_UNKNOWN;
		c->reads += !op->write && op->ok == H_TRUE;
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: lincheck [--budget N] [--clock-map FILE] "
		"[--cut T0:T1 --final FILE]\n"
		"                [--summary FILE] HIST...\n"
		"  HIST: a JSONL history file, or a directory of *.jsonl\n"
		"  exit 0 linearizable, 1 violation, 2 gave up or bad input\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "budget", required_argument, NULL, 'b' },
		{ "clock-map", required_argument, NULL, 'm' },
		{ "cut", required_argument, NULL, 'c' },
		{ "final", required_argument, NULL, 'f' },
		{ "summary", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	*o = (struct opts){ .budget = 50 * 1000 * 1000ull };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->budget = strtoull(optarg, &end, 0);
			if (*end || !*optarg)
				return -1;
			break;
		case 'm': o->clock_map = optarg; break;
		case 'f': o->final = optarg; break;
		case 's': o->summary = optarg; break;
		case 'c':
			o->cut = true;
			if (sscanf(optarg, "%" SCNu64 ":%" SCNu64, &o->t0,
				   &o->t1) != 2 || o->t0 > o->t1)
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (o->cut != !!o->final || optind >= argc)
		return -1;
	return optind;
}

int main(int argc, char **argv)
{
	struct history h = { 0 };
	struct counts c = { 0 };
	struct opts o;
	int first = parse_args(argc, argv, &o);
	bool error = false;

	if (first < 0) {
		usage();
		summary(&o, &c, true);
		return 2;
	}
	for (int i = first; i < argc && !error; i++)
		error = history_read(&h, argv[i], false) != 0;
	if (!error && o.final)
		error = history_read(&h, o.final, true) != 0;
	if (!error)
		error = history_pair(&h) || map_clocks(&h, o.clock_map);
	if (!error && o.cut)
		apply_cut(&h, o.t0, o.t1);
	if (!error && h.n == 0) {
		fprintf(stderr, "lincheck: no operations to check\n");
		error = true;
	}
	if (!error) {
		qsort(h.ops, h.n, sizeof(*h.ops), cmp_block_call);
		count(&h, &c);
		for (size_t i = 0, j; i < h.n; i = j) {
			enum wgl_result r;

			for (j = i; j < h.n && h.ops[j].block == h.ops[i].block;)
				j++;
			r = check_block(&h, h.ops + i, j - i, o.budget);
			c.violations += r == WGL_VIOLATION;
			c.gave_up += r == WGL_GAVE_UP;
		}
	}
	summary(&o, &c, error);
	history_free(&h);
	if (error)
		return 2;
	return c.violations ? 1 : c.gave_up ? 2 : 0;
}
