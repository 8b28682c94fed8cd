// SPDX-License-Identifier: GPL-2.0
/*
 * synod-sim: a deterministic simulator of a whole synod cluster in one
 * process, after TigerBeetle's VOPR.  One 64-bit seed decides the network
 * (loss, duplication, delay and so reordering, symmetric and asymmetric
 * partitions, leader isolation), the disks (latency, crashes that lose
 * unflushed journal writes, torn tails, a corrupt journal record on one
 * replica at a time, data-area writes lost back to any point since the
 * last flush), the clocks (rate drift within rho, jumps), pauses of a node
 * whose clock runs on, chunked state transfers and crashes in their middle,
 * and the clients.  After the fault phase everything heals and the cluster must
 * finish every request.  Checkers live in check.c.
 */
/*
 * This file holds the run: options, the seed's random stream, failure
 * and trace, the event loop; events.c the event queue, net.c the network,
 * node.c the replicas and their disks, fault.c the faults and the heal,
 * client.c the workload.
 */
#include "sim.h"
#include "wgl.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *argv0 = "synod-sim";
static uint64_t opt_fault_ms = 2000, opt_heal_ms = 2500;
static const struct sim *current;
static bool opt_no_faults;
/* Writes, in ppm, that wait for the node's next submission pass */
static uint32_t opt_batch_ppm = 500000;
/* Messages, in ppm, whose outputs wait for the end of a run of frames */
static uint32_t opt_rx_defer_ppm = 300000;
/* --lossy-catchup: loss (ppm) on a follower's links while it catches up */
static uint32_t opt_lossy_ppm;
/* --retransmit-ms: every replica's retransmit_ns (node.c's template) */
static uint64_t opt_retransmit_ms;
/* --write-kb-max: the longest client write (client.c), KiB */
static uint32_t opt_write_kb = 16;
/* --retain-kb: the byte bound on what a log retains (node.c, shed()) */
static uint32_t opt_retain_kb;
/* --room-kb: a follower's journal room past a hole (net.c) */
static uint32_t opt_room_kb;
/* --no-fast-reads: every read steps the core (client.c) */
static bool opt_no_fast_reads;
/* Steps the linearizability search may take per block (check.c) */
static uint64_t opt_wgl_budget = 50 * 1000 * 1000ull;
/* The options above that differ from their defaults, for replay lines */
static char opt_extra[256];

/* The core's assertions abort the run; say how to replay it first. */
void synod_assert_fail(const char *cond, const char *file, int line)
{
	fprintf(stderr, "synod: assertion failed: %s (%s:%d)\n", cond, file,
		line);
	if (current) {
		printf("FAIL seed %" PRIu64 " replicas %d: assertion %s "
		       "(%s:%d) at %" PRIu64 " ns\n"
		       "  replay: %s --seed %" PRIu64 " --replicas %d "
		       "--fault-ms %" PRIu64 " --heal-ms %" PRIu64 "%s -v\n",
		       current->seed, current->n, cond, file, line,
		       current->now, argv0, current->seed, current->n,
		       opt_fault_ms, opt_heal_ms, opt_extra);
		fflush(stdout);
	}
	abort();
}

uint64_t sim_rand(struct sim *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t sim_below(struct sim *s, uint64_t n)
{
	return n ? sim_rand(s) % n : 0;
}

bool sim_chance(struct sim *s, uint32_t ppm)
{
	return sim_below(s, 1000000) < ppm;
}

void sim_fail(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (s->failed)
		return;
	s->failed = true;
	va_start(ap, fmt);
	vsnprintf(s->failure, sizeof(s->failure), fmt, ap);
	va_end(ap);
}

void sim_trace(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->verbose)
		return;
	fprintf(stderr, "%10.3f ms  ", (double)s->now / 1e6);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Room for one more element in the array @p of @n elements of @size
 * bytes, @cap allocated: doubled when full (64 at first).
 */
void *sim_grow(void *p, int n, int *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 64;
	p = realloc(p, (size_t)*cap * size);
	if (!p)
		abort();
	return p;
}

/* ---- the event loop ---- */

/* Whether @e is input to a node that is paused: it waits for the resume. */
static bool held_by_pause(struct sim *s, struct event *e)
{
	struct node *nd = e->node >= 0 ? &s->nodes[e->node] : NULL;

	if (!nd || !nd->paused || e->inc != nd->incarnation)
		return false;
	switch (e->kind) {
	case EV_TICK: case EV_MSG: case EV_DURABLE: case EV_SUBMIT:
	case EV_CHUNK: case EV_LAND: case EV_BATCH: case EV_FLUSH:
		e->t = nd->paused_until;	/* in order, after EV_RESUME */
		sim_push(*e);
		return true;
	}
	return false;
}

/* Dispatch one event; node events of an older incarnation are stale. */
static void handle(struct sim *s, struct event *e)
{
	struct node *nd = e->node >= 0 ? &s->nodes[e->node] : NULL;

	if (held_by_pause(s, e))
		return;
	switch (e->kind) {
	case EV_TICK:
		if (!nd->up || e->inc != nd->incarnation)
			return;
		node_tick(s, nd);
		sim_schedule(s, s->now + SIM_MS + sim_below(s, 50 * SIM_US),
			     EV_TICK, nd->id, 0);
		break;
	case EV_RESUME:
		if (nd->up && e->inc == nd->incarnation)
			node_resume(s, nd);
		break;
	case EV_SUBMIT:
		client_submit(s, (int)e->a);
		break;
	case EV_BATCH:
		client_submit_batch(s, nd);
		break;
	case EV_FLUSH:		/* the end of a run of frames */
		nd->flush_due = false;
		if (nd->up && e->inc == nd->incarnation)
			sim_process(s, nd);
		break;
	case EV_CHUNK:
		if (nd->up && e->inc == nd->incarnation)
			node_chunk(s, nd, (struct chunk_msg *)e->buf);
		free(e->buf);
		break;
	case EV_XCRASH:		/* a crash aimed at a state transfer */
		if (!s->healed && nd->up && e->inc == nd->incarnation &&
		    node_may_crash(s, nd, true)) {
			s->xfer_crashes++;
			sim_trace(s, "fault: crash node %d mid-transfer",
				  nd->id);
			node_crash(s, nd);
			sim_schedule(s, s->now + 2 * SIM_MS +
				     sim_below(s, 40 * SIM_MS), EV_RESTART,
				     nd->id, 0);
		}
		break;
	case EV_MSG:
		net_receive(s, e);
		break;
	case EV_DURABLE:
		if (nd->up && e->inc == nd->incarnation)
			node_durable(s, nd, e->a);
		break;
	case EV_LAND:
		if (nd->up && e->inc == nd->incarnation)
			node_land(s, nd, e->a);
		break;
	case EV_CLIENT:
		client_start(s, &s->clients[e->a]);
		break;
	case EV_CTIMEOUT:
		client_timeout(s, (int)(e->a & 0xff), e->a >> 8);
		break;
	case EV_FAULT:
		if (s->now >= s->fault_end)
			return;
		fault_inject(s);
		check_faults_changed(s);
		sim_schedule(s, s->now + 5 * SIM_MS +
			     sim_below(s, 60 * SIM_MS), EV_FAULT, -1, 0);
		break;
	case EV_RESTART:
		if (!s->healed)
			node_restart(s, nd);
		break;
	case EV_HEAL:
		fault_heal(s);
		check_faults_changed(s);
		break;
	case EV_MEMBER:		/* after the heal: every replica a voter */
		fault_restore_members(s);
		break;
	case EV_LOSSY:
		if (!s->healed)
			fault_lossy_cut(s);
		check_faults_changed(s);
		break;
	}
}

static void sim_free(struct sim *s)
{
	int i;

	sim_events_drain();
	for (i = 0; i < SIM_NODES_MAX; i++) {
		free(s->nodes[i].pend);
		free(s->nodes[i].landq);
		free(s->nodes[i].slots);
		free(s->nodes[i].acks);
	}
	free(s->hist);
	free(s->chosen);
	free(s->camp);
}

/*
 * Majorities for half the seeds; otherwise flexible quorums (HMS'16): a
 * random q2 from 1 to n and the smallest q1 with q1 + q2 > n.
 */
static struct synod_config initial_config(struct sim *s, int n)
{
	struct synod_config c = { .epoch = 1 };

	c.voters = (1u << n) - 1;
	c.q1 = (uint8_t)(n / 2 + 1);
	c.q2 = (uint8_t)(n / 2 + 1);
	if (sim_chance(s, 500000)) {
		c.q2 = (uint8_t)(1 + sim_below(s, (uint64_t)n));
		c.q1 = (uint8_t)(n - c.q2 + 1);
	}
	return c;
}

/* Run one seed; true when every checker passed. */
static bool run_seed(struct sim *s, uint64_t seed, int n, int verbose,
		     const char *history)
{
	struct synod_config cfg;
	int i;

	memset(s, 0, sizeof(*s));
	current = s;
	s->seed = seed;
	s->rng = seed;
	s->n = n;
	s->verbose = verbose;
	s->leader = -1;
	s->lossy = -1;
	s->lossy_ppm = opt_lossy_ppm;
	s->fault_end = opt_fault_ms * SIM_MS;
	s->end = s->fault_end + opt_heal_ms * SIM_MS;
	s->stop_clients = s->end - 500 * SIM_MS;
	s->no_faults = opt_no_faults;
	s->batch_ppm = opt_batch_ppm;
	s->rx_defer_ppm = opt_rx_defer_ppm;
	s->write_max = opt_write_kb << 10;
	s->retain_bytes = (uint64_t)opt_retain_kb << 10;
	s->room_bytes = (uint64_t)opt_room_kb << 10;
	s->fast_reads = !opt_no_fast_reads;
	s->wgl_budget = opt_wgl_budget;
	sim_events_reset();
	cfg = initial_config(s, n);
	if (opt_lossy_ppm)	/* the lossy node is needed in no quorum */
		cfg.q1 = cfg.q2 = (uint8_t)(n / 2 + 1);
	/*
	 * Half the seeds take a lease above the election timeout, as the
	 * module does (1 s against 0.4 s): then a voter's lease, not only
	 * its "leader heard lately", must refuse a pre-vote.
	 */
	s->lease_ns = sim_chance(s, 500000) ? 25 * SIM_MS :
					      sim_params_template.lease_ns;
	sim_trace(s, "config: %d voters, q1 %u, q2 %u, lease %" PRIu64 " ms",
		  n, cfg.q1, cfg.q2, (uint64_t)(s->lease_ns / SIM_MS));
	for (i = 0; i < n; i++) {
		struct node *nd = &s->nodes[i];

		nd->id = i;
		nd->cfg = cfg;
		nd->ckpt_cfg = cfg;
		nd->base_local = sim_below(s, 1000 * SIM_MS) + 1;
		node_boot(s, nd);
	}
	for (i = 0; i < SIM_CLIENTS; i++) {
		s->clients[i] = (struct client){ .id = i, .cur = -1,
			.target = (int)sim_below(s, (uint64_t)n) };
		sim_schedule_client(s, i, sim_below(s, 20 * SIM_MS));
	}
	if (!s->no_faults)
		sim_schedule(s, 20 * SIM_MS, EV_FAULT, -1, 0);
	if (opt_lossy_ppm)
		sim_schedule(s, 20 * SIM_MS, EV_LOSSY, -1, 0);
	sim_schedule(s, s->fault_end, EV_HEAL, -1, 0);
	while (sim_pending() && !s->failed) {
		struct event e = sim_pop();

		if (e.t > s->end) {
			free(e.buf);
			break;
		}
		s->now = e.t;
		s->events++;
		handle(s, &e);
	}
	s->now = s->end;
	if (!s->failed)
		check_final(s);
	if (!s->failed)
		check_linearizable(s);
	if (history && history_write(s, history))
		fprintf(stderr, "cannot write %s\n", history);
	sim_free(s);
	return !s->failed;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s [--seed S] [--seeds N] [--replicas 3|5|7|0]\n"
		"          [--history FILE] [--stop-on-fail] [--fault-ms MS]\n"
		"          [--heal-ms MS] [--no-faults] [--wgl-budget STEPS]\n"
		"          [--batch-ppm PPM] [--rx-defer-ppm PPM]\n"
		"          [--lossy-catchup PPM] [--retransmit-ms MS]\n"
		"          [--write-kb-max KB] [--retain-kb KB] [--room-kb KB]\n"
		"          [--no-fast-reads] [-v]\n"
		"  --replicas 0 alternates 3 and 5 by seed\n"
		"  --wgl-budget: linearizability search steps per block; a\n"
		"  search that runs out is a failure\n"
		"  --batch-ppm: writes (ppm, default 500000) that wait up to\n"
		"  0.2 ms for their node's next submission pass, given to the\n"
		"  core together (0: each at once)\n"
		"  --rx-defer-ppm: messages (ppm, default 300000) whose outputs\n"
		"  wait up to 0.1 ms, for the end of a run of frames\n"
		"  --lossy-catchup: no faults but one: a follower cut off for\n"
		"  the fault phase, then catching up by a state transfer while\n"
		"  PPM of the messages and chunks on its links are lost\n"
		"  --retransmit-ms: the replicas' retransmission period (5)\n"
		"  --write-kb-max: the longest write, 4 to 1024 KiB (16);\n"
		"  writes are 512-byte or 4 KiB units up to it\n"
		"  --retain-kb: after a checkpoint, shed the durable slots\n"
		"  past the newest KB of writes, whoever still wants them (0)\n"
		"  --room-kb: a follower drops the entries past a slot it lacks\n"
		"  that would hold more than KB of writes past its applied index (0)\n"
		"  --no-fast-reads: a leader steps its core for every read, as\n"
		"  with no lease (default: reads under the lease it published\n"
		"  at its last step go past the core, as in the module)\n",
		argv0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "seeds", required_argument, NULL, 'n' },
		{ "replicas", required_argument, NULL, 'r' },
		{ "history", required_argument, NULL, 'H' },
		{ "stop-on-fail", no_argument, NULL, 'x' },
		{ "fault-ms", required_argument, NULL, 'f' },
		{ "heal-ms", required_argument, NULL, 'h' },
		{ "no-faults", no_argument, NULL, 'q' },
		{ "wgl-budget", required_argument, NULL, 'w' },
		{ "batch-ppm", required_argument, NULL, 'b' },
		{ "rx-defer-ppm", required_argument, NULL, 'd' },
		{ "lossy-catchup", required_argument, NULL, 'L' },
		{ "retransmit-ms", required_argument, NULL, 'R' },
		{ "write-kb-max", required_argument, NULL, 'W' },
		{ "retain-kb", required_argument, NULL, 'K' },
		{ "room-kb", required_argument, NULL, 'O' },
		{ "no-fast-reads", no_argument, NULL, 'F' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	static struct sim s;
	uint64_t seed = 1, nseeds = 1, k, failures = 0;
	uint64_t tot_ev = 0, tot_msgs = 0, tot_crash = 0, tot_corrupt = 0;
	uint64_t tot_lease = 0, tot_ok = 0, tot_xfer = 0;
	uint64_t tot_changes = 0, max_changes = 0, tot_camp = 0;
	uint64_t tot_pause = 0, tot_chunks = 0, tot_xcrash = 0, tot_batch = 0;
	uint64_t tot_xjumps = 0, tot_wfull = 0, tot_sheds = 0, tot_shed = 0;
	uint64_t tot_room = 0, tot_pcut = 0, tot_fast = 0;
	int replicas = 3, verbose = 0, stop = 0, c;
	const char *history = NULL;

	argv0 = argv[0];
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': nseeds = strtoull(optarg, NULL, 0); break;
		case 'r': replicas = atoi(optarg); break;
		case 'H': history = optarg; break;
		case 'x': stop = 1; break;
		case 'f': opt_fault_ms = strtoull(optarg, NULL, 0); break;
		case 'h': opt_heal_ms = strtoull(optarg, NULL, 0); break;
		case 'q': opt_no_faults = true; break;
		case 'w': opt_wgl_budget = strtoull(optarg, NULL, 0); break;
		case 'b': opt_batch_ppm = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'd': opt_rx_defer_ppm = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'L': opt_lossy_ppm = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'R': opt_retransmit_ms = strtoull(optarg, NULL, 0); break;
		case 'W': opt_write_kb = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'K': opt_retain_kb = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'O': opt_room_kb = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'F': opt_no_fast_reads = true; break;
		case 'v': verbose++; break;
		default: usage(); return 2;
		}
	}
	if ((replicas != 0 && replicas != 3 && replicas != 5 &&
	     replicas != 7) || opt_heal_ms < 1000 || opt_write_kb < 4 ||
	    opt_write_kb > SYNOD_SLOT_BYTES >> 10) {
		usage();
		return 2;
	}
	if (opt_lossy_ppm)
		opt_no_faults = true;	/* the cut is its one fault */
	snprintf(opt_extra, sizeof(opt_extra), "%s", opt_no_faults ?
		 " --no-faults" : "");
	if (opt_rx_defer_ppm != 300000)
		snprintf(opt_extra + strlen(opt_extra),
			 sizeof(opt_extra) - strlen(opt_extra),
			 " --rx-defer-ppm %" PRIu32, opt_rx_defer_ppm);
	if (opt_batch_ppm != 500000)
		snprintf(opt_extra + strlen(opt_extra),
			 sizeof(opt_extra) - strlen(opt_extra),
			 " --batch-ppm %" PRIu32, opt_batch_ppm);
	if (opt_lossy_ppm)
		snprintf(opt_extra + strlen(opt_extra),
			 sizeof(opt_extra) - strlen(opt_extra),
			 " --lossy-catchup %" PRIu32, opt_lossy_ppm);
	if (opt_retransmit_ms) {
		sim_params_template.retransmit_ns = opt_retransmit_ms * SIM_MS;
		snprintf(opt_extra + strlen(opt_extra),
			 sizeof(opt_extra) - strlen(opt_extra),
			 " --retransmit-ms %" PRIu64, opt_retransmit_ms);
	}
	if (opt_wgl_budget != 50 * 1000 * 1000ull)
		snprintf(opt_extra + strlen(opt_extra),
			 sizeof(opt_extra) - strlen(opt_extra),
			 " --wgl-budget %" PRIu64, opt_wgl_budget);
	if (opt_write_kb != 16)
		snprintf(opt_extra + strlen(opt_extra),
			 sizeof(opt_extra) - strlen(opt_extra),
			 " --write-kb-max %" PRIu32, opt_write_kb);
	if (opt_retain_kb)
		snprintf(opt_extra + strlen(opt_extra),
			 sizeof(opt_extra) - strlen(opt_extra),
			 " --retain-kb %" PRIu32, opt_retain_kb);
	if (opt_room_kb)
		snprintf(opt_extra + strlen(opt_extra),
			 sizeof(opt_extra) - strlen(opt_extra),
			 " --room-kb %" PRIu32, opt_room_kb);
	if (opt_no_fast_reads)
		snprintf(opt_extra + strlen(opt_extra),
			 sizeof(opt_extra) - strlen(opt_extra),
			 " --no-fast-reads");
	for (k = 0; k < nseeds; k++) {
		uint64_t sd = seed + k;
		int n = replicas ? replicas : (sd & 1 ? 3 : 5);

		if (!run_seed(&s, sd, n, verbose, history)) {
			failures++;
			printf("FAIL seed %" PRIu64 " replicas %d: %s\n"
			       "  replay: %s --seed %" PRIu64
			       " --replicas %d --fault-ms %" PRIu64
			       " --heal-ms %" PRIu64 "%s -v\n",
			       sd, n, s.failure, argv0, sd, n, opt_fault_ms,
			       opt_heal_ms, opt_extra);
			fflush(stdout);
			if (stop)
				break;
		}
		tot_ev += s.events;
		tot_msgs += s.msgs;
		tot_crash += s.crashes;
		tot_corrupt += s.corruptions;
		tot_lease += s.lease_reads;
		tot_ok += s.commits_ok;
		tot_xfer += s.transfers;
		tot_changes += s.leader_changes;
		tot_camp += (uint64_t)s.ncamp;
		tot_pause += s.pauses;
		tot_chunks += s.chunks;
		tot_xcrash += s.xfer_crashes;
		tot_xjumps += s.xfer_jumps;
		tot_batch += s.batched;
		tot_wfull += s.window_full_steps;
		tot_sheds += s.sheds;
		tot_shed += s.shed_slots;
		tot_room += s.room_dropped;
		tot_pcut += s.promises_cut;
		tot_fast += s.fast_reads_n;
		if (s.leader_changes > max_changes)
			max_changes = s.leader_changes;
	}
	printf("synod-sim: %" PRIu64 " seeds from %" PRIu64 ", %" PRIu64
	       " failed; events %" PRIu64 " msgs %" PRIu64 " crashes %" PRIu64
	       " corruptions %" PRIu64 " pauses %" PRIu64 " transfers %" PRIu64
	       " (jumps %" PRIu64 ", chunks %" PRIu64
	       ", crashes in one %" PRIu64 ")"
	       " acked writes %" PRIu64 " (%" PRIu64 " given together)"
	       " lease reads %" PRIu64 " (%" PRIu64 " past the core)"
	       " campaigns %" PRIu64 " leader changes %" PRIu64
	       " (at most %" PRIu64 " in one seed) promises cut %" PRIu64,
	       k < nseeds ? k + 1 : nseeds, seed, failures, tot_ev, tot_msgs,
	       tot_crash, tot_corrupt, tot_pause, tot_xfer, tot_xjumps,
	       tot_chunks,
	       tot_xcrash, tot_ok, tot_batch, tot_lease, tot_fast, tot_camp,
	       tot_changes, max_changes, tot_pcut);
	if (opt_write_kb != 16)	/* steps the byte window held writes back */
		printf(" byte window full %" PRIu64 " steps", tot_wfull);
	if (opt_retain_kb)	/* sheds, and slots a peer still wanted */
		printf(" sheds %" PRIu64 " (%" PRIu64 " slots past a peer)",
		       tot_sheds, tot_shed);
	if (opt_room_kb)	/* entries past a hole a follower dropped */
		printf(" room refused %" PRIu64 " entries", tot_room);
	printf(" cpu %.3f s\n", (double)clock() / CLOCKS_PER_SEC);
	sim_events_release();
	return failures ? 1 : 0;
}
