// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's event queue: a binary min-heap ordered by time and, at
 * equal times, by the order events were scheduled, so that one seed always
 * replays the same order.  Message events own their buffer; whoever pops
 * one frees it.
 */
#include "sim.h"

#include <stdlib.h>

static struct event *heap;
static size_t nheap, cap_heap;
static uint64_t ev_seq;

static bool ev_less(const struct event *a, const struct event *b)
{
	return a->t != b->t ? a->t < b->t : a->seq < b->seq;
}

/* Queue an event; its sequence number breaks ties in time. */
void sim_push(struct event e)
{
	size_t i;

	if (nheap == cap_heap) {
		cap_heap = cap_heap ? cap_heap * 2 : 1024;
		heap = realloc(heap, cap_heap * sizeof(*heap));
		if (!heap)
			abort();
	}
	e.seq = ev_seq++;
	i = nheap++;
	while (i && ev_less(&e, &heap[(i - 1) / 2])) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = e;
}

/* Take the earliest event; the caller checks sim_pending() first. */
struct event sim_pop(void)
{
	struct event top = heap[0], last = heap[--nheap];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= nheap)
			break;
		if (c + 1 < nheap && ev_less(&heap[c + 1], &heap[c]))
			c++;
		if (!ev_less(&heap[c], &last))
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (nheap)
		heap[i] = last;
	return top;
}

/* Queue an event for a node (its current incarnation) or, node -1, none. */
void sim_schedule(struct sim *s, uint64_t at, int kind, int node,
		  uint64_t a)
{
	uint32_t inc = node >= 0 ? s->nodes[node].incarnation : 0;

	sim_push((struct event){ .t = at, .kind = kind, .node = node,
				 .inc = inc, .a = a });
}

size_t sim_pending(void)
{
	return nheap;
}

/* A new seed numbers its events from 0 again. */
void sim_events_reset(void)
{
	ev_seq = 0;
}

/* Drop what is still queued at the end of a seed, with its buffers. */
void sim_events_drain(void)
{
	while (nheap) {
		struct event e = sim_pop();

		free(e.buf);
	}
}

void sim_events_release(void)
{
	free(heap);
}

void sim_schedule_client(struct sim *s, int client, uint64_t at)
{
	sim_schedule(s, at, EV_CLIENT, -1, (uint64_t)client);
}

void sim_schedule_timeout(struct sim *s, int client, int op, uint64_t at)
{
	sim_schedule(s, at, EV_CTIMEOUT, -1,
		     (uint64_t)op << 8 | (uint64_t)client);
}
