/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client histories as JSON lines (Documentation/fault-tier.rst): the
 * simulator's completion lines, and synod-load's invoke lines written
 * before each operation.  history_read() parses files and directories;
 * history_pair() merges each invoke with its completion, so that an
 * operation whose process or VM died is a write of unknown outcome (or a
 * dropped read).
 */
#ifndef SYNOD_LINCHECK_HISTORY_H
#define SYNOD_LINCHECK_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define H_NEVER		UINT64_MAX	/* no return: may take effect any time */

enum h_ok {
	H_TRUE,		/* completed: the write took effect, the read is valid */
	H_FALSE,	/* never issued (write) or failed (read): dropped */
	H_UNKNOWN,	/* a write that may or may not have taken effect */
};

struct h_op {
	int64_t client;		/* unique in a run */
	uint64_t seq;		/* unique per client, when has_seq */
	bool has_seq;		/* synod-load lines; the simulator's have none */
	bool invoke;		/* an invoke line not (yet) paired */
	bool write;
	bool final;		/* from the --final file of a power-loss run */
	bool corrupt;		/* a read whose block failed its own check */
	bool foreign;		/* a read of a block of another run */
	enum h_ok ok;
	uint64_t block;
	uint64_t value;		/* written, or decoded by the read; 0 = zeros */
	uint64_t call;		/* ns, in the op's clock domain */
	uint64_t ret;		/* ns, or H_NEVER */
	int64_t node;		/* replica of the fd, -1 unknown */
	int clock;		/* index into history.clocks, -1: none named */
	int file;		/* index into history.files, for messages */
	int line;		/* 1-based line number in that file */
};

struct history {
	struct h_op *ops;
	size_t n, cap;
	char **files;		/* every file read, in order */
	int nfiles;
	char **clocks;		/* clock domain names seen */
	int nclocks;
	bool any_unnamed;	/* some op had no "clock" key */
	size_t torn;		/* torn last lines skipped */
	const char *err_msg;	/* why the last line did not parse */
};

/* Read a file, or every *.jsonl in a directory; -1 after a message. */
int history_read(struct history *h, const char *path, bool final);

/*
 * Merge invokes into their completions: an invoke without one becomes a
 * write of unknown outcome, or is dropped (a read).  -1 after a message
 * when a (client, seq) is completed or invoked twice.
 */
int history_pair(struct history *h);

/* The clock domain name of index @clock ("" for none). */
const char *history_clock_name(const struct history *h, int clock);

void history_free(struct history *h);

#endif /* SYNOD_LINCHECK_HISTORY_H */
