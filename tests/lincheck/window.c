// SPDX-License-Identifier: GPL-2.0
/*
 * The check of one block, and the shortest violating window.
 *
 * The window's end: the history cut at time E (every op called by E; one
 * that returned after E is still pending then: a write of unknown outcome,
 * or a read left out) is linearizable for small E and, once not, stays
 * not (linearizability is prefix-closed), so a binary search over the
 * return times finds the smallest E.  Cutting at call times instead would
 * not be monotone: a read that returns late may be explained by a write
 * called after it.
 *
 * The window's start: for a time S, drop the reads called before S and
 * the writes called before S that returned before S; a write called
 * before S that had not returned by S stays as a write of unknown outcome;
 * the register starts at 0 or at any value written before S.  Each of
 * these only relaxes the check (the writes dropped precede in real time
 * every op called after S), so a window that still has no linearization
 * is a true witness, and relaxing more as S grows keeps it monotone: a
 * second binary search finds the largest S.
 */
#include "window.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One op of the block as the search sees it, with its source. */
struct bop {
	struct wgl_op w;
	const struct h_op *src;
	bool pending;		/* returned after the window's end */
	bool straddles;		/* called before the window's start */
};

struct block_ctx {
	const struct history *h;
	uint64_t block, budget;
	struct bop *all;	/* the ops the search checks, by call */
	size_t n;
	struct bop *tmp;	/* a window's ops */
	struct wgl_op *w;
	uint64_t *init;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool in_set(const uint64_t *set, size_t n, uint64_t v)
{
	return bsearch(&v, set, n, sizeof(v), cmp_u64) != NULL;
}

static void print_op(const struct history *h, const struct bop *b,
		     uint64_t t0)
{
	const struct h_op *op = b->src;
	const char *ok = op->ok == H_TRUE ? "ok" :
			 op->ok == H_FALSE ? "failed" : "unknown";
	const char *clk = history_clock_name(h, op->clock);

	printf("  client %" PRId64, op->client);
	if (op->has_seq)
		printf(" seq %" PRIu64, op->seq);
	printf(" node %" PRId64 " %-5s %#" PRIx64 " call %" PRIu64
	       " (+%.3f ms)", op->node, op->write ? "write" : "read",
	       op->value, op->call, (double)(int64_t)(op->call - t0) / 1e6);
	if (op->ret != H_NEVER)
		printf(" return %" PRIu64 " (+%.3f ms)", op->ret,
		       (double)(int64_t)(op->ret - t0) / 1e6);
	else
		printf(" return -");
	printf(" %s%s%s%s%s%s  %s:%d\n", ok,
	       b->pending ? ", pending at the window's end" : "",
	       b->straddles ? ", called before the window" : "",
	       op->corrupt ? ", corrupt" : "", *clk ? ", clock " : "", clk,
	       h->files[op->file], op->line);
}

/*
 * The window [S, E] (see the head of this file) into x->tmp and x->w; the
 * initial values into x->init.  Returns the number of ops; *ninit is set.
 */
static size_t window(struct block_ctx *x, uint64_t s, uint64_t e,
		     size_t *ninit)
{
	size_t n = 0, ni = 0;

	x->init[ni++] = 0;
	for (size_t i = 0; i < x->n && x->all[i].w.call <= e; i++) {
		struct bop b = x->all[i];

		if (b.w.ret != WGL_NEVER && b.w.ret > e) {
			if (!b.w.write)
				continue;
			b.w.ret = WGL_NEVER;
			b.pending = true;
		}
		if (b.w.call < s) {
			if (!b.w.write)
				continue;
			x->init[ni++] = b.w.value;
			if (b.w.ret != WGL_NEVER && b.w.ret < s)
				continue;
			b.w.ret = WGL_NEVER;
			b.straddles = true;
		}
		x->tmp[n] = b;
		x->w[n++] = b.w;
	}
	*ninit = ni;
	return n;
}

static enum wgl_result check_window(struct block_ctx *x, uint64_t s,
				    uint64_t e)
{
	size_t ninit, n = window(x, s, e, &ninit);

	return wgl_check_set(x->w, (int)n, x->init, (int)ninit, x->budget);
}

/* Binary searches for the smallest E, then the largest S. */
static void find_window(struct block_ctx *x)
{
	uint64_t *rets = malloc((x->n + 1) * sizeof(*rets));
	uint64_t *calls = malloc((x->n + 1) * sizeof(*calls));
	size_t nr = 0, nc = 0, lo, hi, ninit, n;
	uint64_t e, s;

	if (!rets || !calls)
		goto out;
	for (size_t i = 0; i < x->n; i++)
		if (x->all[i].w.ret != WGL_NEVER)
			rets[nr++] = x->all[i].w.ret;
	qsort(rets, nr, sizeof(*rets), cmp_u64);
	e = UINT64_MAX - 1;
	if (nr) {
		/* invariant: the cut at rets[hi] violates; a give-up counts
		 * as linearizable so that the window shown is proven */
		lo = 0;
		hi = nr - 1;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (check_window(x, 0, rets[mid]) == WGL_VIOLATION)
				hi = mid;
			else
				lo = mid + 1;
		}
		e = rets[hi];
	}
	for (size_t i = 0; i < x->n && x->all[i].w.call <= e; i++)
		calls[nc++] = x->all[i].w.call;
	/* invariant: the window starting at calls[lo] violates */
	lo = 0;
	hi = nc ? nc - 1 : 0;
	while (lo < hi) {
		size_t mid = hi - (hi - lo) / 2;

		if (check_window(x, calls[mid], e) == WGL_VIOLATION)
			lo = mid;
		else
			hi = mid - 1;
	}
	s = nc ? calls[lo] : 0;
	n = window(x, s, e, &ninit);
	qsort(x->init, ninit, sizeof(*x->init), cmp_u64);
	printf("block %" PRIu64 ": shortest window without a linearization, "
	       "%zu ops from %" PRIu64 " to %" PRIu64 " ns (%.3f ms); the "
	       "block may hold 0", x->block, n, s, e,
	       (double)(e - s) / 1e6);
	if (ninit > 1)
		printf(" or any of %zu values written before it", ninit - 1);
	printf(" when it starts:\n");
	for (size_t i = 0; i < n; i++)
		print_op(x->h, &x->tmp[i], s);
out:
	free(rets);
	free(calls);
}

/*
 * A read that is wrong whatever the order: a corrupt block, another run's
 * block, or a value no write of this run wrote to this block.
 */
static bool bad_read(const struct history *h, const struct h_op *op,
		     const uint64_t *written, size_t nw, uint64_t block)
{
	const char *why = NULL;
	struct bop b = { .src = op };

	if (op->write || op->ok != H_TRUE)
		return false;
	if (op->corrupt)
		why = "read a corrupt block";
	else if (op->foreign)
		why = "read a block of another run";
	else if (op->value && !in_set(written, nw, op->value))
		why = "read a value that no write of this run wrote";
	if (!why)
		return false;
	printf("block %" PRIu64 ": %s:\n", block, why);
	print_op(h, &b, op->call);
	return true;
}

static void block_ctx_free(struct block_ctx *x)
{
	free(x->all);
	free(x->tmp);
	free(x->w);
	free(x->init);
}

enum wgl_result check_block(const struct history *h, const struct h_op *ops,
			    size_t n, uint64_t budget)
{
	struct block_ctx x = { .h = h, .block = ops[0].block,
			       .budget = budget };
	uint64_t *written = malloc((n + 1) * sizeof(*written));
	uint64_t *read = malloc((n + 1) * sizeof(*read));
	size_t nw = 0, nr = 0;
	enum wgl_result res = WGL_GAVE_UP;

	x.all = calloc(n + 1, sizeof(*x.all));
	x.tmp = calloc(n + 1, sizeof(*x.tmp));
	x.w = calloc(n + 1, sizeof(*x.w));
	x.init = calloc(n + 2, sizeof(*x.init));
	if (!written || !read || !x.all || !x.tmp || !x.w || !x.init) {
		printf("block %" PRIu64 ": out of memory\n", x.block);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (ops[i].write && ops[i].ok != H_FALSE)
			written[nw++] = ops[i].value;
		if (!ops[i].write && ops[i].ok == H_TRUE)
			read[nr++] = ops[i].value;
	}
	qsort(written, nw, sizeof(*written), cmp_u64);
	qsort(read, nr, sizeof(*read), cmp_u64);
	for (size_t i = 0; i < n; i++)
		if (bad_read(h, &ops[i], written, nw, x.block)) {
			res = WGL_VIOLATION;
			goto out;
		}
	for (size_t i = 0; i < n; i++) {
		const struct h_op *op = &ops[i];

		if (op->ok == H_FALSE || (!op->write && op->ok != H_TRUE))
			continue;
		if (op->ok == H_UNKNOWN && !in_set(read, nr, op->value))
			continue;
		x.all[x.n++] = (struct bop){
			.src = op,
			.w = { .write = op->write, .value = op->value,
			       .call = op->call,
			       .ret = op->ok == H_UNKNOWN ? WGL_NEVER : op->ret },
		};
	}
	for (size_t i = 0; i < x.n; i++)
		x.w[i] = x.all[i].w;
	res = wgl_check(x.w, (int)x.n, 0, budget);
	if (res == WGL_VIOLATION)
		find_window(&x);
	else if (res == WGL_GAVE_UP)
		printf("block %" PRIu64 ": %zu ops not checked: search budget "
		       "of %" PRIu64 " steps exhausted\n", x.block, x.n,
		       budget);
out:
	free(written);
	free(read);
	block_ctx_free(&x);
	return res;
}
