// SPDX-License-Identifier: GPL-2.0
/*
 * synod-load's workers.  Each is one client: it picks reads and writes of
 * 1 .. max_blocks contiguous blocks at random, writes an invoke line per
 * block before the I/O and a completion line per block after it
 * (hist.c), and on an I/O error closes its fd and opens the next --dev.
 * Outcomes (contract of Documentation/fault-tier.rst):
 *   - a write that returned fully: true; an error or a short write:
 *     unknown (synod refuses with EIO whether or not the write was
 *     proposed, so no error proves it did not happen);
 *   - open() refused before a write: that write is false (never issued);
 *   - a read error: false; a read: true with the decoded value.
 * The --hold-fd reader opens the first --dev once and reads through that
 * fd until the end: on a deposed leader it must fail or see new data.
 */
#define _GNU_SOURCE
#include "load.h"
#include "block.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t load_stop;

uint64_t load_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool load_should_stop(const struct load_cfg *cfg)
{
	if (load_stop)
		return true;
	if (cfg->end_ns && load_now() >= cfg->end_ns)
		return true;
	return cfg->stop_file && access(cfg->stop_file, F_OK) == 0;
}

void load_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * O_DIRECT, so that every read reaches the device; only a regular file on
 * tmpfs (which has no O_DIRECT) is opened without it, with a warning.
 */
int load_open(const char *path, int flags)
{
	static bool warned;
	struct statfs sfs;
	struct stat st;
	int fd = open(path, flags | O_DIRECT | O_CLOEXEC);

	if (fd >= 0 || errno != EINVAL)
		return fd;
	if (stat(path, &st) || !S_ISREG(st.st_mode) || statfs(path, &sfs) ||
	    sfs.f_type != TMPFS_MAGIC) {
		errno = EINVAL;
		return -1;
	}
	if (!warned)
		fprintf(stderr, "synod-load: warning: %s is on tmpfs: no "
			"O_DIRECT\n", path);
	warned = true;
	return open(path, flags | O_CLOEXEC);
}

/* splitmix64: per-client random streams from the run's seed. */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

struct worker {
	const struct load_cfg *cfg;
	struct hist h;
	int64_t client;
	uint64_t rng, seq, counter;
	int fd, dev;		/* current fd and index of its --dev */
	unsigned char *buf;	/* max_blocks * 4 KiB, aligned for O_DIRECT */
	volatile uint64_t *ops;
};

static const char *dev_name(const struct worker *w)
{
	return w->cfg->devs[w->dev];
}

static void reopen_next(struct worker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->dev = (w->dev + 1) % w->cfg->ndev;
}

static off_t block_off(const struct worker *w, uint64_t b)
{
	return (off_t)(w->cfg->offset + b * LOAD_BLOCK);
}

/* A write of @nb blocks from @b: @nb ops with one value each. */
static int do_write(struct worker *w, uint64_t b, int nb, uint64_t *vals)
{
	struct hist_line l = { .write = true };
	uint64_t seq0 = w->seq + 1;
	ssize_t r;

	for (int k = 0; k < nb; k++) {
		vals[k] = (uint64_t)w->client << 40 | ++w->counter;
		load_encode(w->buf + (size_t)k * LOAD_BLOCK, vals[k], b + k,
			    w->cfg->run_id);
	}
	l.call = load_now();
	for (int k = 0; k < nb; k++) {
		l.seq = seq0 + k;
		l.block = b + k;
		l.value = vals[k];
		hist_invoke(&w->h, &l);
	}
	if (hist_flush(&w->h))
		return -1;
	l.call = load_now();
	r = pwrite(w->fd, w->buf, (size_t)nb * LOAD_BLOCK, block_off(w, b));
	l.ret = load_now();
	l.ok = r == (ssize_t)nb * LOAD_BLOCK ? LOAD_TRUE : LOAD_UNKNOWN;
	l.dev = dev_name(w);
	for (int k = 0; k < nb; k++) {
		l.seq = seq0 + k;
		l.block = b + k;
		l.value = vals[k];
		hist_complete(&w->h, &l);
	}
	w->seq += (uint64_t)nb;
	*w->ops += (uint64_t)nb;
	if (l.ok != LOAD_TRUE)
		reopen_next(w);
	if (hist_flush(&w->h))
		return -1;
	return l.ok == LOAD_TRUE ? 0 : 1;
}

/* A read of block @b; @lie (the stale selftest) replaces its value. */
static int do_read(struct worker *w, uint64_t b, const uint64_t *lie)
{
	struct hist_line l = { .block = b, .seq = ++w->seq };
	ssize_t r;

	l.call = load_now();
	hist_invoke(&w->h, &l);
	if (hist_flush(&w->h))
		return -1;
	l.call = load_now();
	r = pread(w->fd, w->buf, LOAD_BLOCK, block_off(w, b));
	l.ret = load_now();
	l.dev = dev_name(w);
	if (r == LOAD_BLOCK) {
		enum load_decoded d = load_decode(w->buf, b, w->cfg->run_id,
						  &l.value);

		l.ok = LOAD_TRUE;
		l.corrupt = d == LOAD_CORRUPT;
		l.foreign = d == LOAD_FOREIGN;
		if (lie)
			l.value = *lie;
	} else {
		l.ok = LOAD_FALSE;
	}
	hist_complete(&w->h, &l);
	*w->ops += 1;
	if (hist_flush(&w->h))
		return -1;
	return l.ok == LOAD_TRUE ? 0 : 1;
}

/* open() refused: the op is recorded as never issued, then we wait. */
static int refused(struct worker *w, bool write, uint64_t b, int nb)
{
	struct hist_line l = { .write = write, .ok = LOAD_FALSE,
			       .dev = dev_name(w) };

	l.call = l.ret = load_now();
	for (int k = 0; k < nb; k++) {
		l.seq = ++w->seq;
		l.block = b + k;
		l.value = write ? (uint64_t)w->client << 40 | ++w->counter : 0;
		hist_complete(&w->h, &l);
	}
	if (hist_flush(&w->h))
		return -1;
	reopen_next(w);
	load_sleep_ms(100);
	return 0;
}

/*
 * --selftest stale: write v1 then v2 to one block, both acknowledged,
 * then read it and answer v1.  No order of these three explains that
 * answer, so lincheck must flag the run.
 */
static int stale_trio(struct worker *w)
{
	uint64_t b = rnd(&w->rng) % w->cfg->blocks, v1, v2;
	int rc = do_write(w, b, 1, &v1);

	if (rc)
		return rc < 0 ? -1 : 0;
	rc = do_write(w, b, 1, &v2);
	if (rc)
		return rc < 0 ? -1 : 0;
	return do_read(w, b, &v1) < 0 ? -1 : 0;
}

static int one_op(struct worker *w)
{
	const struct load_cfg *cfg = w->cfg;
	bool write = rnd(&w->rng) % 100 >= (uint64_t)cfg->read_pct;
	int nb = write ? 1 + (int)(rnd(&w->rng) % (uint64_t)cfg->max_blocks)
		       : 1;
	uint64_t vals[LOAD_MAX_BLOCKS], b;

	if ((uint64_t)nb > cfg->blocks)
		nb = (int)cfg->blocks;
	b = rnd(&w->rng) % (cfg->blocks - (uint64_t)nb + 1);
	if (w->fd < 0)
		w->fd = load_open(dev_name(w), O_RDWR);
	if (w->fd < 0)
		return refused(w, write, b, nb);
	if (write)
		return do_write(w, b, nb, vals) < 0 ? -1 : 0;
	return do_read(w, b, NULL) < 0 ? -1 : 0;
}

/* The --hold-fd reader: one open of the first --dev, reads until the end. */
static int hold_fd_loop(struct worker *w)
{
	w->dev = 0;
	while (!load_should_stop(w->cfg) &&
	       (w->fd = load_open(dev_name(w), O_RDONLY)) < 0)
		load_sleep_ms(100);
	while (!load_should_stop(w->cfg)) {
		int rc = do_read(w, rnd(&w->rng) % w->cfg->blocks, NULL);

		if (rc < 0)
			return 1;
		if (rc)
			load_sleep_ms(10);	/* errors come fast */
	}
	return 0;
}

int load_worker(const struct load_cfg *cfg, int i, volatile uint64_t *ops)
{
	struct worker w = { .cfg = cfg, .client = cfg->client_base + i,
			    .fd = -1, .dev = i % cfg->ndev, .ops = ops };
	char path[4096];
	uint64_t n = 0;
	int rc = 0;

	w.rng = cfg->seed ^ ((uint64_t)w.client * 0xD1B54A32D192ED03ull);
	snprintf(path, sizeof(path), "%s/client-%" PRId64 ".jsonl", cfg->out,
		 w.client);
	if (posix_memalign((void **)&w.buf, LOAD_BLOCK,
			   (size_t)cfg->max_blocks * LOAD_BLOCK))
		return 1;
	if (hist_open(&w.h, cfg, w.client, path)) {
		free(w.buf);
		return 1;
	}
	if (i == cfg->procs) {
		rc = hold_fd_loop(&w);
	} else {
		while (!rc && !load_should_stop(cfg)) {
			if (cfg->selftest_stale && i == 0 && ++n % 20 == 0)
				rc = stale_trio(&w);
			else
				rc = one_op(&w);
		}
		rc = rc ? 1 : 0;
	}
	if (w.fd >= 0)
		close(w.fd);
	hist_close(&w.h);
	free(w.buf);
	return rc;
}
