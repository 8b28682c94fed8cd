// SPDX-License-Identifier: GPL-2.0
/*
 * Wing & Gong linearizability search with Lowe's cache, for a read/write
 * register.  Ops of unknown outcome have no return event: the search may
 * linearize them or leave them out, and succeeds once every return event
 * has been passed.
 */
#include "wgl.h"

#include <stdlib.h>
#include <string.h>

struct ev {
	int op;			/* index into ops */
	bool call;
	uint64_t t;
	struct ev *prev, *next;
	struct ev *match;	/* call <-> return */
};

struct cache {
	uint64_t *keys;		/* nwords bitset + value per slot */
	bool *used;
	size_t cap, len;
	int nwords;
};

static uint64_t hash_key(const uint64_t *k, int nwords)
{
	uint64_t h = 1469598103934665603ull;

	for (int i = 0; i <= nwords; i++) {
		h ^= k[i];
		h *= 1099511628211ull;
		h ^= h >> 29;
	}
	return h;
}

static bool cache_grow(struct cache *c);

/* Insert key; false when it was already there. */
static bool cache_insert(struct cache *c, const uint64_t *k)
{
	size_t w = (size_t)c->nwords + 1;
	size_t i;

	if ((c->len + 1) * 2 > c->cap && !cache_grow(c))
		return true;	/* out of memory: stop memoising */
	i = hash_key(k, c->nwords) & (c->cap - 1);
	while (c->used[i]) {
		if (!memcmp(&c->keys[i * w], k, w * sizeof(*k)))
			return false;
		i = (i + 1) & (c->cap - 1);
	}
	c->used[i] = true;
	memcpy(&c->keys[i * w], k, w * sizeof(*k));
	c->len++;
	return true;
}

static bool cache_grow(struct cache *c)
{
	struct cache n = { .nwords = c->nwords };
	size_t w = (size_t)c->nwords + 1;

	n.cap = c->cap ? c->cap * 2 : 1024;
	if (n.cap > ((size_t)1 << 24))
		return false;
	n.keys = malloc(n.cap * w * sizeof(uint64_t));
	n.used = calloc(n.cap, 1);
	if (!n.keys || !n.used) {
		free(n.keys);
		free(n.used);
		return false;
	}
	for (size_t i = 0; i < c->cap; i++)
		if (c->used[i])
			cache_insert(&n, &c->keys[i * w]);
	free(c->keys);
	free(c->used);
	*c = n;
	return true;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	/* Calls first at equal times: such ops overlap, which is lenient. */
	if (x->call != y->call)
		return x->call ? -1 : 1;
	return x->op - y->op;
}

static void lift(struct ev **head, struct ev *e)
{
	struct ev *evs[2] = { e, e->match };

	for (int i = 0; i < 2; i++) {
		struct ev *x = evs[i];

		if (!x)
			continue;
		if (x->prev)
			x->prev->next = x->next;
		else
			*head = x->next;
		if (x->next)
			x->next->prev = x->prev;
	}
}

static void unlift(struct ev **head, struct ev *e)
{
	struct ev *evs[2] = { e->match, e };

	for (int i = 0; i < 2; i++) {
		struct ev *x = evs[i];

		if (!x)
			continue;
		if (x->prev)
			x->prev->next = x;
		else
			*head = x;
		if (x->next)
			x->next->prev = x;
	}
}

struct frame {
	struct ev *e;
	uint64_t state;
};

/*
 * One search from a single initial value; *steps counts the steps taken
 * (the caller shares one budget between several searches).
 */
static enum wgl_result search(const struct wgl_op *ops, int n,
			      uint64_t initial, uint64_t budget,
			      uint64_t *steps_used)
{
	int nwords = (n + 63) / 64, nev = 0, sp = 0;
	struct ev *evs = calloc((size_t)n * 2 + 1, sizeof(*evs));
	struct frame *stack = calloc((size_t)n + 1, sizeof(*stack));
	uint64_t *key = calloc((size_t)nwords + 1, sizeof(uint64_t));
	struct cache c = { .nwords = nwords };
	struct ev *head, *e;
	uint64_t state = initial, steps = 0;
	enum wgl_result res = WGL_OK;
	int *pos = calloc((size_t)n + 1, sizeof(int));

	if (!evs || !stack || !key || !pos) {
		res = WGL_GAVE_UP;	/* out of memory: unchecked */
		goto out;
	}

	for (int i = 0; i < n; i++) {
		evs[nev++] = (struct ev){ .op = i, .call = true, .t = ops[i].call };
		if (ops[i].ret != WGL_NEVER)
			evs[nev++] = (struct ev){ .op = i, .t = ops[i].ret };
	}
	qsort(evs, nev, sizeof(*evs), ev_cmp);
	for (int i = 0; i < nev; i++) {
		evs[i].prev = i ? &evs[i - 1] : NULL;
		evs[i].next = i + 1 < nev ? &evs[i + 1] : NULL;
		if (evs[i].call)
			pos[evs[i].op] = i;
	}
	for (int i = 0; i < nev; i++)
		if (!evs[i].call) {
			evs[i].match = &evs[pos[evs[i].op]];
			evs[pos[evs[i].op]].match = &evs[i];
		}
	head = nev ? &evs[0] : NULL;
	e = head;
	while (e) {
		if (++steps > budget) {
			res = WGL_GAVE_UP;
			break;
		}
		if (e->call) {
			const struct wgl_op *op = &ops[e->op];
			uint64_t next = op->write ? op->value : state;
			bool legal = op->write || op->value == state;

			if (legal) {
				key[e->op / 64] |= 1ull << (e->op % 64);
				key[nwords] = next;
				if (cache_insert(&c, key)) {
					stack[sp++] = (struct frame){ e, state };
					state = next;
					lift(&head, e);
					e = head;
					continue;
				}
				key[e->op / 64] &= ~(1ull << (e->op % 64));
			}
			e = e->next;
		} else {
			struct frame f;

			if (sp == 0) {
				res = WGL_VIOLATION;
				break;
			}
			f = stack[--sp];
			state = f.state;
			key[f.e->op / 64] &= ~(1ull << (f.e->op % 64));
			unlift(&head, f.e);
			e = f.e->next;
		}
	}
out:
	*steps_used = steps;
	free(evs);
	free(stack);
	free(key);
	free(pos);
	free(c.keys);
	free(c.used);
	return res;
}

enum wgl_result wgl_check(const struct wgl_op *ops, int n, uint64_t initial,
			  uint64_t budget)
{
	uint64_t steps;

	return search(ops, n, initial, budget, &steps);
}

static bool is_read_value(const struct wgl_op *ops, int n, uint64_t v)
{
	for (int i = 0; i < n; i++)
		if (!ops[i].write && ops[i].value == v)
			return true;
	return false;
}

/*
 * The register starts at any one of @initial: linearizable when one start
 * works.  Starts that no read returns behave alike (a read cannot return
 * them and a write overwrites them), so only one of them is tried.
 */
enum wgl_result wgl_check_set(const struct wgl_op *ops, int n,
			      const uint64_t *initial, int ninitial,
			      uint64_t budget)
{
	bool gave_up = false, tried_unread = false;
	uint64_t left = budget;

	for (int i = 0; i < ninitial; i++) {
		uint64_t steps = 0;
		enum wgl_result res;

		if (!is_read_value(ops, n, initial[i])) {
			if (tried_unread)
				continue;
			tried_unread = true;
		}
		res = search(ops, n, initial[i], left, &steps);
		if (res == WGL_OK)
			return WGL_OK;
		if (res == WGL_GAVE_UP) {
			gave_up = true;
			break;
		}
		left = steps < left ? left - steps : 0;
		if (!left) {
			gave_up = true;
			break;
		}
	}
	return gave_up ? WGL_GAVE_UP : WGL_VIOLATION;
}
