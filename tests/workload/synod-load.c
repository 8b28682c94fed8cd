// SPDX-License-Identifier: GPL-2.0
/*
 * synod-load: the workload whose history lincheck checks
 * (Documentation/fault-tier.rst).
 *
 *   synod-load run --dev PATH [--dev PATH2 ...] --procs N --blocks K
 *       [--max-blocks M] [--read-pct P] [--seconds S] [--stop-file F]
 *       --seed X --out DIR [--client-base C] [--clock-name NAME]
 *       [--node N] [--hold-fd] [--offset BYTES] [--selftest stale]
 *   synod-load now
 *   synod-load read-all --dev PATH --blocks K --out FILE [--client C]
 *       [--clock-name NAME] [--node N] [--offset BYTES] [--run ID]
 *   synod-load clock-serve PORT
 *
 * run forks N workers (worker.c), each a client writing its own history
 * file DIR/client-C.jsonl, plus the --hold-fd reader as client C+N, and
 * writes DIR/load.json with its settings.  It stops at --seconds, when
 * --stop-file exists, or on SIGTERM/SIGINT (each worker finishes the line
 * of its current op), and exits 0 unless a worker failed (a worker killed
 * with SIGKILL is a fault the test injected: its history stays valid).
 *
 * clock-serve answers clock probes on a character device (a virtio-serial
 * port) or any file that reads and writes:
 *   request:  8 bytes, an opaque token chosen by the prober;
 *   answer:  16 bytes, the token as received, then this machine's
 *            CLOCK_MONOTONIC in ns as a little-endian u64, read after
 *            the request arrived.
 * The prober notes its own clock t1 before sending and t2 after the
 * answer: the offset is guest - (t1 + t2) / 2 within +- (t2 - t1) / 2.
 * End of file (no host connected) is waited out; SIGTERM stops it.
 */
#define _GNU_SOURCE
#include "load.h"
#include "block.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_signal(int sig)
{
	(void)sig;
	load_stop = 1;
}

/* SIGTERM/SIGINT set load_stop; with @restart, syscalls go on. */
static void catch_stop(bool restart)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static void usage(void)
{
	fprintf(stderr,
"usage: synod-load run --dev PATH [--dev PATH...] --procs N --blocks K\n"
"           [--max-blocks M] [--read-pct P] [--seconds S] [--stop-file F]\n"
"           --seed X --out DIR [--client-base C] [--clock-name NAME]\n"
"           [--node N] [--hold-fd] [--offset BYTES] [--selftest stale]\n"
"       synod-load now\n"
"       synod-load read-all --dev PATH --blocks K --out FILE [--client C]\n"
"           [--clock-name NAME] [--node N] [--offset BYTES] [--run ID]\n"
"       synod-load clock-serve PORT\n");
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return *s && *s != '-' && !*end && !errno;
}

static bool parse_i64(const char *s, int64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 0);
	return *s && !*end && !errno;
}

/* Names that go into JSON strings unescaped. */
static bool json_safe(const char *s)
{
	return !strpbrk(s, "\"\\") && strlen(s) < 256;
}

struct args {
	struct load_cfg cfg;
	double seconds;
	const char *out_file;	/* read-all */
	int64_t client;		/* read-all */
	bool have_seed, have_run;
};

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "procs", required_argument, NULL, 'p' },
		{ "blocks", required_argument, NULL, 'k' },
		{ "max-blocks", required_argument, NULL, 'm' },
		{ "read-pct", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "stop-file", required_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 'x' },
		{ "out", required_argument, NULL, 'o' },
		{ "client-base", required_argument, NULL, 'c' },
		{ "client", required_argument, NULL, 'C' },
		{ "clock-name", required_argument, NULL, 'n' },
		{ "node", required_argument, NULL, 'N' },
		{ "hold-fd", no_argument, NULL, 'h' },
		{ "offset", required_argument, NULL, 'O' },
		{ "run", required_argument, NULL, 'R' },
		{ "selftest", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct load_cfg *c = &a->cfg;
	uint64_t u;
	int64_t i;
	int o;

	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		bool ok = true;

		switch (o) {
		case 'd': {
			char **d = realloc(c->devs, (size_t)(c->ndev + 1) *
					   sizeof(*d));

			ok = d && json_safe(optarg);
			if (d) {
				c->devs = d;
				c->devs[c->ndev++] = optarg;
			}
			break;
		}
		case 'p':
			ok = parse_u64(optarg, &u) && u >= 1 && u <= 1024;
			c->procs = (int)u;
			break;
		case 'k':
			ok = parse_u64(optarg, &c->blocks) && c->blocks >= 1 &&
			     c->blocks < (1ull << 40);
			break;
		case 'm':
			ok = parse_u64(optarg, &u) && u >= 1 &&
			     u <= LOAD_MAX_BLOCKS;
			c->max_blocks = (int)u;
			break;
		case 'r':
			ok = parse_u64(optarg, &u) && u <= 100;
			c->read_pct = (int)u;
			break;
		case 's':
			a->seconds = strtod(optarg, NULL);
			ok = a->seconds > 0;
			break;
		case 'S': c->stop_file = optarg; break;
		case 'x':
			ok = parse_u64(optarg, &c->seed);
			a->have_seed = true;
			break;
		case 'o': c->out = a->out_file = optarg; break;
		case 'c':
			ok = parse_i64(optarg, &c->client_base) &&
			     c->client_base >= 0 && c->client_base < (1 << 22);
			break;
		case 'C':
			ok = parse_i64(optarg, &a->client) && a->client >= 0;
			break;
		case 'n':
			c->clock_name = optarg;
			ok = json_safe(optarg);
			break;
		case 'N':
			ok = parse_i64(optarg, &i) && i >= -1;
			c->node = i;
			break;
		case 'h': c->hold_fd = true; break;
		case 'O':
			ok = parse_u64(optarg, &c->offset) &&
			     c->offset % LOAD_BLOCK == 0;
			break;
		case 'R':
			ok = parse_u64(optarg, &c->run_id);
			a->have_run = true;
			break;
		case 't':
			ok = !strcmp(optarg, "stale");
			c->selftest_stale = ok;
			break;
		default:
			ok = false;
		}
		if (!ok) {
			fprintf(stderr, "synod-load: bad option %s\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "synod-load: unexpected %s\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* Regular files grow to the size the run needs (reads of holes give 0);
 * a block device must be large enough. */
static int check_dev(const struct load_cfg *c, const char *path)
{
	uint64_t need = c->offset + c->blocks * LOAD_BLOCK, size = 0;
	struct stat st;
	int fd;

	if (stat(path, &st)) {
		fprintf(stderr, "synod-load: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size >= need)
			return 0;
		if (truncate(path, (off_t)need)) {
			fprintf(stderr, "synod-load: %s: %s\n", path,
				strerror(errno));
			return -1;
		}
		return 0;
	}
	if (!S_ISBLK(st.st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* not openable now (a follower): later */
	if (!ioctl(fd, BLKGETSIZE64, &size) && size < need) {
		fprintf(stderr, "synod-load: %s: %" PRIu64 " bytes, the run "
			"needs %" PRIu64 "\n", path, size, need);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int write_load_json(const struct args *a, uint64_t start)
{
	const struct load_cfg *c = &a->cfg;
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/load.json", c->out);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "synod-load: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\"devs\":[");
	for (int i = 0; i < c->ndev; i++)
		fprintf(f, "%s\"%s\"", i ? "," : "", c->devs[i]);
	fprintf(f, "],\"procs\":%d,\"blocks\":%" PRIu64 ",\"max_blocks\":%d,"
		"\"read_pct\":%d,\"seconds\":%g,\"stop_file\":%s%s%s,"
		"\"seed\":%" PRIu64 ",\"client_base\":%" PRId64 ","
		"\"clock\":%s%s%s,\"node\":%" PRId64 ",\"hold_fd\":%s,"
		"\"offset\":%" PRIu64 ",\"run_id\":%" PRIu64 ",\"start\":%"
		PRIu64 ",\"selftest\":%s}\n", c->procs, c->blocks,
		c->max_blocks, c->read_pct, a->seconds,
		c->stop_file ? "\"" : "", c->stop_file ? c->stop_file : "null",
		c->stop_file ? "\"" : "", c->seed, c->client_base,
		c->clock_name ? "\"" : "", c->clock_name ? c->clock_name : "null",
		c->clock_name ? "\"" : "", c->node, c->hold_fd ? "true" : "false",
		c->offset, c->run_id, start,
		c->selftest_stale ? "\"stale\"" : "null");
	return fclose(f);
}

/* Reap the workers; a SIGTERM to us goes on to them. */
static int reap(const struct load_cfg *c, pid_t *pids, int n)
{
	int left = n, rc = 0, status;

	while (left) {
		pid_t p = waitpid(-1, &status, 0);

		if (p < 0 && errno == EINTR) {
			for (int i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGTERM);
			continue;
		}
		if (p < 0)
			break;
		for (int i = 0; i < n; i++) {
			if (pids[i] != p)
				continue;
			pids[i] = 0;
			left--;
			if (WIFSIGNALED(status) &&
			    WTERMSIG(status) == SIGKILL) {
				fprintf(stderr, "synod-load: client %" PRId64
					" killed (SIGKILL)\n",
					c->client_base + i);
			} else if (!WIFEXITED(status) ||
				   WEXITSTATUS(status)) {
				fprintf(stderr, "synod-load: client %" PRId64
					" failed (status %#x)\n",
					c->client_base + i, status);
				rc = 1;
			}
		}
	}
	return rc;
}

static int cmd_run(struct args *a)
{
	struct load_cfg *c = &a->cfg;
	int nw = c->procs + (c->hold_fd ? 1 : 0), rc;
	volatile uint64_t *ops;
	uint64_t start = load_now(), total = 0;
	pid_t *pids;

	if (!c->ndev || !c->procs || !c->blocks || !a->have_seed || !c->out) {
		fprintf(stderr, "synod-load run: --dev, --procs, --blocks, "
			"--seed and --out are needed\n");
		return 2;
	}
	if ((uint64_t)c->max_blocks > c->blocks)
		c->max_blocks = (int)c->blocks;
	if (mkdir(c->out, 0755) && errno != EEXIST) {
		fprintf(stderr, "synod-load: %s: %s\n", c->out, strerror(errno));
		return 2;
	}
	for (int i = 0; i < c->ndev; i++)
		if (check_dev(c, c->devs[i]))
			return 2;
	/* < 2^53, so that JSON readers with doubles keep it exact */
	c->run_id = (c->seed * 0x9E3779B97F4A7C15ull ^ start) &
		    ((1ull << 53) - 1);
	c->run_id += !c->run_id;
	if (a->seconds > 0)
		c->end_ns = start + (uint64_t)(a->seconds * 1e9);
	if (write_load_json(a, start))
		return 2;
	ops = mmap(NULL, (size_t)nw * sizeof(*ops), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = calloc((size_t)nw, sizeof(*pids));
	if (ops == MAP_FAILED || !pids)
		return 2;
	catch_stop(false);
	for (int i = 0; i < nw; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			catch_stop(true);
			_exit(load_worker(c, i, &ops[i]));
		}
		if (pids[i] < 0) {
			perror("fork");
			load_stop = 1;
			for (int k = 0; k < i; k++)
				kill(pids[k], SIGTERM);
			nw = i;
			break;
		}
	}
	rc = reap(c, pids, nw);
	for (int i = 0; i < nw; i++)
		total += ops[i];
	printf("synod-load: run id %" PRIu64 ", %d procs, %" PRIu64 " ops\n",
	       c->run_id, c->procs, total);
	return rc;
}

/* Final reads (power loss, end of a run): one completion line a block. */
static int cmd_read_all(struct args *a)
{
	struct load_cfg *c = &a->cfg;
	struct hist h;
	uint64_t bad = 0, corrupt = 0;
	unsigned char *buf;
	int fd;

	if (c->ndev != 1 || !c->blocks || !a->out_file) {
		fprintf(stderr, "synod-load read-all: one --dev, --blocks and "
			"--out are needed\n");
		return 2;
	}
	if (posix_memalign((void **)&buf, LOAD_BLOCK, LOAD_BLOCK))
		return 2;
	fd = load_open(c->devs[0], O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "synod-load: %s: %s\n", c->devs[0],
			strerror(errno));
		return 1;
	}
	if (hist_open(&h, c, a->client, a->out_file))
		return 2;
	for (uint64_t b = 0; b < c->blocks; b++) {
		struct hist_line l = { .seq = b + 1, .block = b,
				       .dev = c->devs[0] };
		ssize_t r;

		l.call = load_now();
		r = pread(fd, buf, LOAD_BLOCK,
			  (off_t)(c->offset + b * LOAD_BLOCK));
		l.ret = load_now();
		if (r == LOAD_BLOCK) {
			enum load_decoded d = load_decode(buf, b, c->run_id,
							  &l.value);

			l.ok = LOAD_TRUE;
			l.corrupt = d == LOAD_CORRUPT;
			/* without --run, a good block of any run counts */
			l.foreign = d == LOAD_FOREIGN && a->have_run;
		} else {
			l.ok = LOAD_FALSE;
		}
		bad += l.ok != LOAD_TRUE;
		corrupt += l.corrupt;
		hist_complete(&h, &l);
		if (hist_flush(&h)) {
			bad++;
			break;
		}
	}
	hist_close(&h);
	close(fd);
	free(buf);
	printf("synod-load: read-all %" PRIu64 " blocks, %" PRIu64
	       " failed, %" PRIu64 " corrupt\n", c->blocks, bad, corrupt);
	return bad ? 1 : 0;
}

static int cmd_clock_serve(const char *port)
{
	unsigned char req[8], ans[16];
	size_t got = 0;
	int fd = open(port, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "synod-load: %s: %s\n", port, strerror(errno));
		return 1;
	}
	catch_stop(false);
	while (!load_stop) {
		ssize_t r = read(fd, req + got, sizeof(req) - got);
		uint64_t now;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "synod-load: %s: %s\n", port,
				strerror(errno));
			close(fd);
			return 1;
		}
		if (r == 0) {
			load_sleep_ms(50);	/* nobody connected yet */
			continue;
		}
		got += (size_t)r;
		if (got < sizeof(req))
			continue;
		got = 0;
		now = load_now();
		memcpy(ans, req, 8);
		for (int i = 0; i < 8; i++)
			ans[8 + i] = (unsigned char)(now >> (8 * i));
		if (write(fd, ans, sizeof(ans)) != (ssize_t)sizeof(ans)) {
			fprintf(stderr, "synod-load: %s: short answer\n", port);
			close(fd);
			return 1;
		}
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = { .cfg = { .max_blocks = 1, .read_pct = 50,
				   .node = -1 }, .client = 1000000 };
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "now") && argc == 2) {
		printf("%" PRIu64 "\n", load_now());
		return 0;
	}
	if (!strcmp(cmd, "clock-serve") && argc == 3)
		return cmd_clock_serve(argv[2]);
	if (strcmp(cmd, "run") && strcmp(cmd, "read-all")) {
		usage();
		return 2;
	}
	if (parse(argc - 1, argv + 1, &a)) {
		usage();
		return 2;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(&a);
	return cmd_read_all(&a);
}
