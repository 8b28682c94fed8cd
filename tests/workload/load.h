/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synod-load's shared declarations: the run's settings, the history
 * writer (hist.c), the device helpers and the worker loops (worker.c).
 */
#ifndef SYNOD_LOAD_H
#define SYNOD_LOAD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOAD_MAX_BLOCKS	256	/* 1 MiB writes at most */

struct load_cfg {
	char **devs;		/* --dev, tried in turn after an error */
	int ndev;
	int procs;		/* workers (clients base .. base + procs - 1) */
	uint64_t blocks;	/* blocks 0 .. blocks - 1 */
	int max_blocks;		/* writes of 1 .. max_blocks blocks */
	int read_pct;		/* share of reads, percent */
	uint64_t end_ns;	/* CLOCK_MONOTONIC deadline, 0: none */
	const char *stop_file;	/* stop once it exists */
	uint64_t seed;
	const char *out;	/* history directory */
	int64_t client_base;
	const char *clock_name;	/* "clock" key, NULL: none */
	int64_t node;		/* "node" key, -1: not given */
	bool hold_fd;		/* one more reader that never reopens */
	uint64_t offset;	/* byte offset of block 0 */
	uint64_t run_id;
	bool selftest_stale;	/* worker 0 answers old values on purpose */
};

enum load_ok { LOAD_TRUE, LOAD_FALSE, LOAD_UNKNOWN };

/* One client's history file; lines are written with one write(2) each
 * batch, the invoke lines before the operation is issued. */
struct hist {
	int fd;
	int64_t client;
	const struct load_cfg *cfg;
	char *buf;
	size_t len, cap;
};

struct hist_line {
	uint64_t seq;
	bool write;
	uint64_t block, value, call, ret;
	enum load_ok ok;
	bool corrupt, foreign;
	const char *dev;	/* NULL: not printed */
};

int hist_open(struct hist *h, const struct load_cfg *cfg, int64_t client,
	      const char *path);
void hist_invoke(struct hist *h, const struct hist_line *l);
void hist_complete(struct hist *h, const struct hist_line *l);
int hist_flush(struct hist *h);
void hist_close(struct hist *h);

extern volatile sig_atomic_t load_stop;

uint64_t load_now(void);
bool load_should_stop(const struct load_cfg *cfg);
void load_sleep_ms(unsigned ms);
int load_open(const char *path, int flags);

/* Worker @i (0 .. procs - 1, or procs for the --hold-fd reader); counts
 * its operations in *ops (shared with the parent).  Returns the exit
 * status. */
int load_worker(const struct load_cfg *cfg, int i, volatile uint64_t *ops);

#endif /* SYNOD_LOAD_H */
