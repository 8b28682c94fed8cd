// SPDX-License-Identifier: GPL-2.0
/*
 * Simulated clients and the history they leave.  Each client has one
 * request outstanding, sends it to the replica it believes leads, follows
 * leader hints, and gives up after a timeout.  Writes carry unique values
 * and go to a few blocks, so that operations overlap.
 */
#include "mutant.h"
#include "sim.h"

#include <inttypes.h>
#include <stdlib.h>

#define CLIENT_TIMEOUT_NS	(300 * SIM_MS)

static int new_op(struct sim *s)
{
	if (s->nhist == s->cap_hist) {
		s->cap_hist = s->cap_hist ? s->cap_hist * 2 : 1024;
		s->hist = realloc(s->hist, (size_t)s->cap_hist *
				  sizeof(*s->hist));
		if (!s->hist)
			abort();
	}
	return s->nhist++;
}

/*
 * The length of the write of @value: one unit to s->write_max bytes, in
 * units of 512 bytes or of 4 KiB (a coin per write), a quarter of them
 * the longest and a quarter one unit.  A hash of the seed and the value
 * rather than the seed's stream, so that lengths change no other draw:
 * with the default (16 KiB, the module's longest write today) the core's
 * byte bounds are never reached and seeds run as before lengths.
 */
uint32_t sim_write_len(const struct sim *s, uint64_t value)
{
	uint64_t h = (s->seed * 0x9e3779b97f4a7c15ull) ^ value;
	uint32_t unit, units;

	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	h ^= h >> 31;
	unit = h & 1 ? 512 : 4096;
	units = s->write_max / unit;
	switch ((h >> 1) & 3) {
	case 0:
		return units * unit;
	case 1:
		return unit;
	default:
		return (uint32_t)(1 + (h >> 3) % units) * unit;
	}
}

static void retarget(struct sim *s, struct client *c, int from)
{
	uint32_t hint = SYNOD_NODE_NONE;

	if (from >= 0 && s->nodes[from].up)
		hint = synod_replica_leader(&s->nodes[from].r);
	if (hint < (uint32_t)s->n && hint != (uint32_t)from)
		c->target = (int)hint;
	else
		c->target = (int)sim_below(s, (uint64_t)s->n);
}

static void finish(struct sim *s, struct client *c, int idx, int ok)
{
	struct hop *h = &s->hist[idx];

	h->ret = s->now;
	h->ok = ok;
	h->done = true;
	c->cur = -1;
	sim_schedule_client(s, c->id, s->now + sim_below(s, 3 * SIM_MS));
}

/*
 * The module's fast read path (kmod/fastread.c): a leader serves a read
 * from its data area without stepping its core while the lease its glue
 * published holds (nd->fast_until, our clock) and no apply it was handed
 * that has yet to land covers the block.
 */
static bool fast_read(struct sim *s, struct node *nd, int block)
{
	uint64_t until = nd->fast_until;
	int i, k;

	if (!s->fast_reads || !until || sim_local(s, nd) >= until)
		return false;
	for (i = 0; i < nd->nlandq && !MUTANT_FASTREAD_UNLANDED; i++)
		for (k = 0; k < nd->landq[i].nwrites; k++)
			if (nd->landq[i].kind == SYNOD_ENTRY_WRITE &&
			    nd->landq[i].w[k].block == (uint64_t)block)
				return false;
	return true;
}

/*
 * Hand request @idx to its replica; a paused replica gets it when it
 * resumes (handle() holds the event), unless the client gave up first.
 */
void client_submit(struct sim *s, int idx)
{
	struct hop *h = &s->hist[idx];
	struct client *c = &s->clients[h->client];
	struct node *nd = &s->nodes[h->node];
	int st;

	if (h->done || c->cur != idx)
		return;
	if (!nd->up) {
		finish(s, c, idx, OK_FALSE);
		retarget(s, c, -1);
		return;
	}
	if (h->write && s->batch_ppm && nd->nbatch < SIM_CLIENTS &&
	    sim_chance(s, s->batch_ppm)) {
		if (!nd->nbatch)
			sim_schedule(s, s->now + sim_below(s, 200 * SIM_US),
				     EV_BATCH, nd->id, 0);
		nd->batch[nd->nbatch++] = idx;
		return;
	}
	if (!h->write && fast_read(s, nd, h->block)) {
		s->fast_reads_n++;
		if (s->verbose > 1)
			sim_trace(s, "node %d: read of block %d past the core "
				  "(lease until %" PRIu64 " ns, our clock; "
				  "applied %" PRIu64 ", no-op %" PRIu64
				  ", chosen %" PRIu64 ", %d applies in flight)",
				  nd->id, h->block, nd->fast_until,
				  nd->r.applied, nd->r.noop_slot,
				  nd->r.chosen_upto, nd->nlandq);
		client_done(s, nd, &(struct synod_done){
			.req = (uint64_t)idx, .op = SYNOD_OP_READ,
			.status = SYNOD_OK, .block = (uint64_t)h->block,
			.lease = true });
		return;
	}
	if (h->write)
		st = synod_replica_write(&nd->r, sim_local(s, nd), (uint64_t)idx,
					 (uint64_t)h->block, h->value, h->len,
					 &nd->out);
	else
		st = synod_replica_read(&nd->r, sim_local(s, nd), (uint64_t)idx,
					(uint64_t)h->block, &nd->out);
	sim_process(s, nd);
	if (s->hist[idx].done)
		return;
	if (st != SYNOD_OK) {
		finish(s, c, idx, OK_FALSE);
		retarget(s, c, nd->id);
		return;
	}
}

/*
 * The node's submission pass: the writes queued since the last one go to
 * the core in one synod_replica_writes(), in the order they came, as the
 * engine hands them over (replica_io.c).  Those the client gave up on
 * meanwhile (a crash abandoned them) are left out; a node that is down
 * never saw the rest, which therefore certainly did not happen.  Those
 * the core had no room for, or refused as a follower, fail the same way.
 */
void client_submit_batch(struct sim *s, struct node *nd)
{
	struct synod_wait_write w[SIM_CLIENTS];
	int idx[SIM_CLIENTS];
	uint32_t n = 0, done = 0, i;
	int st = SYNOD_OK, k;

	for (k = 0; k < nd->nbatch; k++) {
		struct hop *h = &s->hist[nd->batch[k]];

		if (h->done || s->clients[h->client].cur != nd->batch[k])
			continue;
		if (!nd->up) {
			finish(s, &s->clients[h->client], nd->batch[k],
			       OK_FALSE);
			retarget(s, &s->clients[h->client], -1);
			continue;
		}
		idx[n] = nd->batch[k];
		w[n] = (struct synod_wait_write){ .req = (uint64_t)idx[n],
			.block = (uint64_t)h->block, .ref = h->value,
			.len = h->len };
		n++;
	}
	nd->nbatch = 0;
	if (!n)
		return;
	done = synod_replica_writes(&nd->r, sim_local(s, nd), w, n, &st,
				    &nd->out);
	if (n > 1)
		s->batched += n;
	if (done > n)
		sim_fail(s, "node %d queued %u of %u writes", nd->id, done, n);
	sim_process(s, nd);
	for (i = done; i < n; i++) {
		struct hop *h = &s->hist[idx[i]];

		if (h->done)
			continue;
		finish(s, &s->clients[h->client], idx[i], OK_FALSE);
		retarget(s, &s->clients[h->client], nd->id);
	}
}

void client_start(struct sim *s, struct client *c)
{
	struct node *nd;
	struct hop *h;
	int idx;

	if (s->now >= s->stop_clients || c->cur >= 0)
		return;
	idx = new_op(s);
	h = &s->hist[idx];
	*h = (struct hop){ .client = c->id, .call = s->now, .node = c->target,
			   .block = (int)sim_below(s, SIM_BLOCKS) };
	h->write = sim_chance(s, 550000);
	if (h->write) {
		h->value = ((uint64_t)(c->id + 1) << 40) | ++c->counter;
		h->len = sim_write_len(s, h->value);
	}
	c->cur = idx;
	nd = &s->nodes[c->target];
	if (nd->up && nd->paused)
		sim_schedule(s, s->now, EV_SUBMIT, nd->id, (uint64_t)idx);
	else
		client_submit(s, idx);
	if (!s->hist[idx].done)
		sim_schedule_timeout(s, c->id, idx,
				     s->now + CLIENT_TIMEOUT_NS);
}

void client_done(struct sim *s, struct node *nd, const struct synod_done *d)
{
	struct client *c;
	struct hop *h;
	int ok;

	if (d->req >= (uint64_t)s->nhist) {
		sim_fail(s, "node %d completed unknown request %" PRIu64,
			 nd->id, d->req);
		return;
	}
	h = &s->hist[d->req];
	if (h->done)
		return;		/* the client gave up on it already */
	if (h->node != nd->id || d->block != (uint64_t)h->block ||
	    (d->op == SYNOD_OP_WRITE) != h->write) {
		sim_fail(s, "node %d completed request %" PRIu64
			 " it was not given", nd->id, d->req);
		return;
	}
	c = &s->clients[h->client];
	if (h->write) {
		ok = d->status == SYNOD_OK ? OK_TRUE :
		     d->status == SYNOD_UNKNOWN ? OK_UNKNOWN : OK_FALSE;
		if (ok == OK_TRUE)
			s->commits_ok++;
	} else {
		ok = d->status == SYNOD_OK ? OK_TRUE : OK_FALSE;
		if (ok == OK_TRUE) {
			if (node_resyncing(nd))
				sim_fail(s, "resync: node %d served a read "
					 "during its state transfer", nd->id);
			h->value = nd->store[h->block];
			h->lease = d->lease;
			if (d->lease) {
				s->lease_reads++;
				check_lease_read(s, nd);
			}
		}
	}
	finish(s, c, (int)d->req, ok);
	if (ok != OK_TRUE)
		retarget(s, c, nd->id);
}

/* A request whose replica crashed or went silent: writes may yet happen. */
static void abandon(struct sim *s, struct client *c)
{
	struct hop *h = &s->hist[c->cur];

	finish(s, c, c->cur, h->write ? OK_UNKNOWN : OK_FALSE);
	retarget(s, c, -1);
}

void client_node_crashed(struct sim *s, struct node *nd)
{
	int i;

	for (i = 0; i < SIM_CLIENTS; i++) {
		struct client *c = &s->clients[i];

		if (c->cur >= 0 && s->hist[c->cur].node == nd->id)
			abandon(s, c);
	}
}

void client_timeout(struct sim *s, int client, uint64_t op)
{
	struct client *c = &s->clients[client];

	if (c->cur >= 0 && (uint64_t)c->cur == op)
		abandon(s, c);
}

/* JSON lines, one operation each; see the issue for the exact format. */
int history_write(const struct sim *s, const char *path)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f)
		return -1;
	for (i = 0; i < s->nhist; i++) {
		const struct hop *h = &s->hist[i];
		int ok = h->done ? h->ok : (h->write ? OK_UNKNOWN : OK_FALSE);

		fprintf(f, "{\"client\":%d,\"op\":\"%s\",\"block\":%d,"
			"\"value\":%" PRIu64 ",\"call\":%" PRIu64
			",\"return\":%" PRIu64 ",\"ok\":%s}\n",
			h->client, h->write ? "write" : "read", h->block,
			h->value, h->call, h->done ? h->ret : s->end,
			ok == OK_TRUE ? "true" :
			ok == OK_UNKNOWN ? "\"unknown\"" : "false");
	}
	return fclose(f);
}
